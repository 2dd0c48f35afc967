//! Leave (请假) and A/B post cover (窗口AB角): leave kinds and their public/private class, half-day
//! units, the approval level a leave's length needs, cover by the post's B, closing (销假),
//! overlap between two leaves of one person, and gaps (断档) where neither A nor B of a post is
//! present.
//!
//! This module holds leave *facts* and answers questions about them; it does not judge punches or
//! count points (that is [`crate::rules`] and [`crate::scoring`]), and does no I/O.
//!
//! Spec: `attendance-rules.md` sections 3 and 5; regulation lines 143-150 and 158-168.
//! Where the regulation and the spec differ, we follow the spec:
//! - Lines 160-163 give an approver per *kind* (公休、探亲、婚产、丧假 by the deputy director or
//!   director; 临时外出公务 by the window head and the inspection office). The spec, and
//!   [`LeavePolicy::required_approval`], use only the *length* (lines 164-166).
//! - Line 165 says "1天以上" and line 166 "2天以上"; we read 以上 as inclusive (≥ 1 day, ≥ 2 days),
//!   as the spec does.
//! - The regulation does not say which kinds are 公假; the default mapping is the spec's, and for
//!   the kinds the spec leaves open (公休、探亲、婚产、丧假) we default to public leave, as
//!   statutory paid leave usually is.

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::Date;
use jiff::Timestamp;

use crate::calendar::Calendar;
use crate::ids::StaffId;
use crate::schedule::Session;

/// The store's id of one leave record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LeaveId(pub u64);

impl fmt::Display for LeaveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// The kinds of leave in the regulation (line 159-163) plus centre-approved official duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeaveKind {
    /// 病假, needs a hospital certificate.
    Sick,
    /// 事假.
    Personal,
    /// 公休 (annual leave).
    Annual,
    /// 探亲.
    HomeVisit,
    /// 婚产.
    MarriageMaternity,
    /// 丧假.
    Bereavement,
    /// 临时外出公务.
    OfficialErrand,
    /// Official duties approved by the centre.
    OfficialDuty,
}

impl LeaveKind {
    /// Every kind, in the order of the regulation. A new variant must be added here: the
    /// exhaustive `match` in this module's tests does not compile until it is.
    pub const ALL: [LeaveKind; 8] = [
        LeaveKind::Sick,
        LeaveKind::Personal,
        LeaveKind::Annual,
        LeaveKind::HomeVisit,
        LeaveKind::MarriageMaternity,
        LeaveKind::Bereavement,
        LeaveKind::OfficialErrand,
        LeaveKind::OfficialDuty,
    ];
}

/// 公假 or 私假: decides the points a day of leave costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LeaveClass {
    /// 公假, **default** 3 points a day.
    Public,
    /// 私假, **default** 5 points a day.
    Private,
}

/// Who must approve a leave, by its length (regulation lines 164-166).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApprovalLevel {
    /// 稽查督办科: up to half a day.
    InspectionOffice,
    /// 分管领导: one day or more.
    DeputyDirector,
    /// 主要领导: two days or more, after the window unit's head (or chief representative)
    /// certifies it in writing.
    DirectorWithUnitCertificate,
}

/// Leave settings: the class of each kind and the approval thresholds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeavePolicy {
    pub sick: LeaveClass,
    pub personal: LeaveClass,
    pub annual: LeaveClass,
    pub home_visit: LeaveClass,
    pub marriage_maternity: LeaveClass,
    pub bereavement: LeaveClass,
    pub official_errand: LeaveClass,
    pub official_duty: LeaveClass,
    /// A leave of this many half days or more needs the deputy director (2 = one day).
    pub deputy_from_half_days: u32,
    /// A leave of this many half days or more needs the director (4 = two days).
    pub director_from_half_days: u32,
}

/// One session of one date: the unit leave is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfDay {
    pub date: Date,
    pub session: Session,
}

impl fmt::Display for HalfDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let session = match self.session {
            Session::Morning => "morning",
            Session::Afternoon => "afternoon",
        };
        write!(f, "{} {session}", self.date)
    }
}

/// One approved leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    /// The store's id.
    pub id: LeaveId,
    /// Who is away.
    pub staff: StaffId,
    /// Why; its class comes from [`LeavePolicy::class_of`].
    pub kind: LeaveKind,
    /// The first half day away.
    pub first: HalfDay,
    /// The last half day away, inclusive.
    pub last: HalfDay,
    /// The post's B who covers (顶岗). `None`: no cover was arranged, so the leave does not
    /// excuse the sessions and they are judged as if there were no leave (line 167, 脱岗).
    pub cover: Option<StaffId>,
    /// When the person reported back (销假); `None` while the leave is open.
    pub closed_at: Option<Timestamp>,
}

/// A leave as asked for, before a store numbers it: the door's and the centre's stores record
/// the same shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveRequest {
    pub staff: StaffId,
    pub kind: LeaveKind,
    pub first: HalfDay,
    pub last: HalfDay,
    pub cover: Option<StaffId>,
    pub reason: String,
    /// Who must approve it, by its length ([`LeavePolicy::required_approval`]).
    pub approval_required: ApprovalLevel,
}

impl LeaveRequest {
    /// Checks the request as entered ([`Leave::check_request`]) and sets the approval level
    /// its working half days need under `policy`; returns the working half days.
    ///
    /// # Errors
    /// [`LeaveRequestRefused`] saying which check failed.
    pub fn settle(
        &mut self,
        calendar: &Calendar,
        policy: &LeavePolicy,
    ) -> Result<u32, LeaveRequestRefused> {
        let half_days = self.to_leave(LeaveId(0)).check_request(calendar)?;
        self.approval_required = policy.required_approval(half_days);
        Ok(half_days)
    }

    /// The request in words for an audit line (codes, not Chinese): who, the kind, the half
    /// days, the cover and the level it needs.
    pub fn audit_detail(&self, half_days: u32) -> String {
        format!(
            "{} {} {} to {}, {half_days} half day(s), cover {}, needs {}",
            self.staff,
            kind_key(self.kind),
            self.first,
            self.last,
            self.cover
                .as_ref()
                .map_or("none".to_string(), ToString::to_string),
            crate::codes::code_of(crate::codes::APPROVAL_LEVEL_CODES, self.approval_required)
        )
    }

    /// The leave as the rules see it, under `id`, open (not yet closed).
    pub fn to_leave(&self, id: LeaveId) -> Leave {
        Leave {
            id,
            staff: self.staff.clone(),
            kind: self.kind,
            first: self.first,
            last: self.last,
            cover: self.cover.clone(),
            closed_at: None,
        }
    }
}

/// The leaves on record, at most one per person for any half day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaveBook {
    leaves: Vec<Leave>,
}

/// A window post's id, e.g. `tax-1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostId(String);

/// A window post with its A (holder, 主办) and B (backup, 备岗).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// The post.
    pub id: PostId,
    /// A (主办).
    pub holder: StaffId,
    /// B (备岗), who covers when A is away.
    pub backup: StaffId,
}

/// Why a leave was refused or could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaveError {
    #[error(
        "leave {id} runs from {first} to {last}; expected the first half day on or before the last"
    )]
    Backwards {
        id: LeaveId,
        first: HalfDay,
        last: HalfDay,
    },
    #[error(
        "leave {id} of {staff} ({first} to {last}) overlaps leave {existing} \
         ({existing_first} to {existing_last}); expected one leave per person per half day \
         (hint: change or close the existing leave first)"
    )]
    Overlap {
        id: LeaveId,
        staff: StaffId,
        first: HalfDay,
        last: HalfDay,
        existing: LeaveId,
        existing_first: HalfDay,
        existing_last: HalfDay,
    },
    #[error("leave {0} is already on record; expected a new id")]
    DuplicateId(LeaveId),
    #[error("leave {0} is not on record")]
    UnknownLeave(LeaveId),
}

/// Why a leave, as entered, makes no sense and is not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaveRequestRefused {
    #[error("{staff} cannot cover their own post while on leave; expected someone else as cover")]
    CoversSelf { staff: StaffId },
    #[error(
        "leave from {first} to {last} has no working half day (all days off); expected leave \
         only for days the person would work"
    )]
    NoWorkingDay { first: HalfDay, last: HalfDay },
}

impl LeaveRequestRefused {
    /// The refusal in Chinese, for the hall's staff (the `Display` text is the English one).
    pub fn zh(&self) -> String {
        match self {
            LeaveRequestRefused::CoversSelf { staff } => {
                format!("顶岗人不能是请假人本人({staff}):请填写另一位顶岗人")
            }
            LeaveRequestRefused::NoWorkingDay { .. } => {
                "所请时段都是休息日,休息日无需请假,也无需审批".to_string()
            }
        }
    }
}

/// Why a leave cannot end early (销假) on the half day given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndRefused {
    #[error(
        "leave {id} starts at {first}; coming back at {back} ends it before it started \
         (hint: cancel the leave instead)"
    )]
    BeforeStart {
        id: LeaveId,
        first: HalfDay,
        back: HalfDay,
    },
}

impl HalfDay {
    /// The half day before this one (the morning of the same date, or the afternoon before);
    /// itself at the start of the calendar.
    pub fn previous(self) -> HalfDay {
        match self.session {
            Session::Afternoon => HalfDay {
                date: self.date,
                session: Session::Morning,
            },
            Session::Morning => match self.date.yesterday() {
                Ok(date) => HalfDay {
                    date,
                    session: Session::Afternoon,
                },
                Err(_) => self,
            },
        }
    }
}

impl LeavePolicy {
    /// The spec's defaults: errands and official duty public, sick and personal private, the
    /// others public; the deputy director from 1 day, the director from 2 days.
    pub fn hall_defaults() -> Self {
        LeavePolicy {
            sick: LeaveClass::Private,
            personal: LeaveClass::Private,
            annual: LeaveClass::Public,
            home_visit: LeaveClass::Public,
            marriage_maternity: LeaveClass::Public,
            bereavement: LeaveClass::Public,
            official_errand: LeaveClass::Public,
            official_duty: LeaveClass::Public,
            deputy_from_half_days: 2,
            director_from_half_days: 4,
        }
    }

    /// Public or private, for `kind`.
    pub fn class_of(&self, kind: LeaveKind) -> LeaveClass {
        match kind {
            LeaveKind::Sick => self.sick,
            LeaveKind::Personal => self.personal,
            LeaveKind::Annual => self.annual,
            LeaveKind::HomeVisit => self.home_visit,
            LeaveKind::MarriageMaternity => self.marriage_maternity,
            LeaveKind::Bereavement => self.bereavement,
            LeaveKind::OfficialErrand => self.official_errand,
            LeaveKind::OfficialDuty => self.official_duty,
        }
    }

    /// Who must approve a leave of `half_days` working half days.
    pub fn required_approval(&self, half_days: u32) -> ApprovalLevel {
        if half_days >= self.director_from_half_days {
            ApprovalLevel::DirectorWithUnitCertificate
        } else if half_days >= self.deputy_from_half_days {
            ApprovalLevel::DeputyDirector
        } else {
            ApprovalLevel::InspectionOffice
        }
    }
}

impl Leave {
    /// Whether the leave includes `session` of `date`.
    pub fn includes(&self, date: Date, session: Session) -> bool {
        let half_day = HalfDay { date, session };
        self.first <= half_day && half_day <= self.last
    }

    /// Whether a cover was arranged, so the leave excuses its sessions.
    pub fn is_covered(&self) -> bool {
        self.cover.is_some()
    }

    /// The number of *working* half days the leave takes: weekends and holidays inside it do
    /// not count, make-up workdays do.
    pub fn working_half_days(&self, calendar: &Calendar) -> u32 {
        let mut count = 0;
        let mut date = self.first.date;
        while date <= self.last.date {
            if calendar.is_working_day(date) {
                count += Session::BOTH
                    .iter()
                    .filter(|&&s| self.includes(date, s))
                    .count() as u32;
            }
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
        count
    }

    /// Checks a leave as entered: the cover is someone else, and it takes at least one
    /// working half day (leave on days off needs no approval, so it is not recorded). Returns
    /// the working half days.
    ///
    /// # Errors
    /// [`LeaveRequestRefused`] saying which.
    pub fn check_request(&self, calendar: &Calendar) -> Result<u32, LeaveRequestRefused> {
        if self.cover.as_ref() == Some(&self.staff) {
            return Err(LeaveRequestRefused::CoversSelf {
                staff: self.staff.clone(),
            });
        }
        match self.working_half_days(calendar) {
            0 => Err(LeaveRequestRefused::NoWorkingDay {
                first: self.first,
                last: self.last,
            }),
            n => Ok(n),
        }
    }

    /// The leave's last half day away when the person is back at work from `back` (销假): the
    /// half day before `back`, or the leave's own last half day when `back` comes after it.
    ///
    /// # Errors
    /// [`EndRefused::BeforeStart`] when `back` is not after the leave's first half day.
    pub fn last_when_back(&self, back: HalfDay) -> Result<HalfDay, EndRefused> {
        if back <= self.first {
            return Err(EndRefused::BeforeStart {
                id: self.id,
                first: self.first,
                back,
            });
        }
        Ok(self.last.min(back.previous()))
    }

    fn overlaps(&self, other: &Leave) -> bool {
        self.staff == other.staff && self.first <= other.last && other.first <= self.last
    }
}

impl LeaveBook {
    /// An empty book.
    pub const fn new() -> Self {
        LeaveBook { leaves: Vec::new() }
    }

    /// Records a leave.
    ///
    /// # Errors
    /// [`LeaveError::Backwards`] when it ends before it starts, [`LeaveError::DuplicateId`] when
    /// its id is taken, [`LeaveError::Overlap`] when the same person already has leave for one
    /// of its half days.
    pub fn add(&mut self, leave: Leave) -> Result<(), LeaveError> {
        if leave.first > leave.last {
            return Err(LeaveError::Backwards {
                id: leave.id,
                first: leave.first,
                last: leave.last,
            });
        }
        if self.leaves.iter().any(|l| l.id == leave.id) {
            return Err(LeaveError::DuplicateId(leave.id));
        }
        if let Some(existing) = self.leaves.iter().find(|l| l.overlaps(&leave)) {
            return Err(LeaveError::Overlap {
                id: leave.id,
                staff: leave.staff.clone(),
                first: leave.first,
                last: leave.last,
                existing: existing.id,
                existing_first: existing.first,
                existing_last: existing.last,
            });
        }
        self.leaves.push(leave);
        Ok(())
    }

    /// Records that the person reported back (销假) at `at`.
    ///
    /// # Errors
    /// [`LeaveError::UnknownLeave`] when no leave has that id.
    pub fn close(&mut self, id: LeaveId, at: Timestamp) -> Result<(), LeaveError> {
        let leave = self
            .leaves
            .iter_mut()
            .find(|l| l.id == id)
            .ok_or(LeaveError::UnknownLeave(id))?;
        leave.closed_at = Some(at);
        Ok(())
    }

    /// The leave of `staff` that includes `session` of `date`, covered or not.
    pub fn find(&self, staff: &StaffId, date: Date, session: Session) -> Option<&Leave> {
        self.leaves
            .iter()
            .find(|l| &l.staff == staff && l.includes(date, session))
    }

    /// All leaves, in the order added.
    pub fn leaves(&self) -> &[Leave] {
        &self.leaves
    }
}

impl PostId {
    /// A post id; any non-empty text the admin uses.
    pub fn new(text: &str) -> Self {
        PostId(text.trim().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who records an approval: the name they sign with (a console account or the CLI's `--by`)
/// and the highest level their role may approve (see [`ApprovalRights`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approver<'a> {
    pub name: &'a str,
    /// `None`: this role approves no leave at all.
    pub may_approve: Option<ApprovalLevel>,
}

/// The highest approval level each console role may record (issue 8, item 7): one level per
/// role, a setting. The default lets a supervisor record up to the deputy director's (分管领导)
/// approval and an admin the director's; a viewer approves nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalRights {
    pub supervisor: Option<ApprovalLevel>,
    pub admin: Option<ApprovalLevel>,
}

impl Default for ApprovalRights {
    fn default() -> Self {
        ApprovalRights {
            supervisor: Some(ApprovalLevel::DeputyDirector),
            admin: Some(ApprovalLevel::DirectorWithUnitCertificate),
        }
    }
}

/// An approval about to be recorded: the leave's person (id and name on record), the level the
/// leave's length requires, the level claimed and the certifier named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalClaim<'a> {
    pub leave: LeaveId,
    pub staff: &'a StaffId,
    pub staff_name: Option<&'a str>,
    pub required: ApprovalLevel,
    pub level: ApprovalLevel,
    pub certified_by: Option<&'a str>,
}

/// Why an approval was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefused {
    #[error("expected who approved leave {0}, found an empty name")]
    NoApprover(LeaveId),
    #[error(
        "self-approval: {by} may not approve leave {leave}, which is their own; expected another approver"
    )]
    OwnLeave { leave: LeaveId, by: String },
    #[error(
        "leave {leave} needs approval by {} or higher; found {}",
        level_name(*required),
        level_name(*found)
    )]
    LevelTooLow {
        leave: LeaveId,
        required: ApprovalLevel,
        found: ApprovalLevel,
    },
    #[error(
        "{by} may approve up to {}; leave {leave} needs {} (hint: a higher role records it)",
        may.map_or("no level", level_name),
        level_name(*level)
    )]
    RoleTooLow {
        leave: LeaveId,
        by: String,
        may: Option<ApprovalLevel>,
        level: ApprovalLevel,
    },
    #[error("leave {0} is two days or more: expected who certified it (窗口单位负责人签字证明)")]
    NoCertificate(LeaveId),
    #[error(
        "leave {leave}: the certifier {certifier} is the person on leave or the approver; expected the window unit's head"
    )]
    CertifierNotIndependent { leave: LeaveId, certifier: String },
}

/// A leave kind's code (`sick`, `home-visit`, …): the one of `codes::LEAVE_KIND_CODES`.
pub fn kind_key(kind: LeaveKind) -> &'static str {
    crate::codes::code_of(crate::codes::LEAVE_KIND_CODES, kind)
}

/// The Chinese name of a leave kind, as the regulation writes it.
pub fn kind_zh(kind: LeaveKind) -> &'static str {
    match kind {
        LeaveKind::Sick => "病假",
        LeaveKind::Personal => "事假",
        LeaveKind::Annual => "公休",
        LeaveKind::HomeVisit => "探亲",
        LeaveKind::MarriageMaternity => "婚产",
        LeaveKind::Bereavement => "丧假",
        LeaveKind::OfficialErrand => "临时外出公务",
        LeaveKind::OfficialDuty => "公务",
    }
}

/// The kind a person typed: its code or its Chinese name (`事假`, `personal`).
pub fn kind_from_word(text: &str) -> Option<LeaveKind> {
    let t = text.trim();
    LeaveKind::ALL
        .into_iter()
        .find(|k| kind_key(*k) == t || kind_zh(*k) == t)
}

/// Every kind as `code (中文)`, for a message saying what was expected.
pub fn kind_words() -> String {
    LeaveKind::ALL
        .iter()
        .map(|k| format!("{} ({})", kind_key(*k), kind_zh(*k)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A half day as typed: `2026-11-03` (then `default`), `2026-11-03am`, `2026-11-03 pm`,
/// `2026-11-03上午`/`下午`. Returns the half day and whether the session was given; `None` when
/// the text is none of these.
pub fn parse_half_day(text: &str, default: Session) -> Option<(HalfDay, bool)> {
    let t = text.trim();
    let date_part = t.get(..10)?;
    let b = date_part.as_bytes();
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let date: Date = date_part.parse().ok()?;
    let rest = t[10..]
        .trim()
        .trim_start_matches(['T', ' ', '-'])
        .to_lowercase();
    let (session, explicit) = match rest.as_str() {
        "" => (default, false),
        "am" | "morning" | "上午" => (Session::Morning, true),
        "pm" | "afternoon" | "下午" => (Session::Afternoon, true),
        _ => return None,
    };
    Some((HalfDay { date, session }, explicit))
}

impl ApprovalRefused {
    /// The refusal in Chinese, for the hall's staff (the `Display` text is the English one).
    pub fn zh(&self) -> String {
        match self {
            ApprovalRefused::NoApprover(id) => format!("请假 {id}：未填写审批人"),
            ApprovalRefused::OwnLeave { leave, by } => {
                format!("请假 {leave} 是 {by} 本人的，本人不能审批自己的请假")
            }
            ApprovalRefused::LevelTooLow {
                leave,
                required,
                found,
            } => format!(
                "请假 {leave} 需由{}或更高一级审批，所填为{}",
                level_title_zh(*required),
                level_title_zh(*found)
            ),
            ApprovalRefused::RoleTooLow {
                leave,
                by,
                may,
                level,
            } => format!(
                "{by} 最多可审批至{}；请假 {leave} 需由{}审批，请由上级录入",
                may.map_or("(无审批权)", level_title_zh),
                level_title_zh(*level)
            ),
            ApprovalRefused::NoCertificate(id) => {
                format!("请假 {id} 为两天及以上，需填写窗口单位负责人签字证明")
            }
            ApprovalRefused::CertifierNotIndependent { leave, certifier } => {
                format!("请假 {leave}：证明人 {certifier} 是请假人或审批人本人，应为窗口单位负责人")
            }
        }
    }
}

/// An approval in words for an audit line: the leave, its person, the level (code), who approved
/// it and who certified it.
pub fn approval_detail(
    leave: LeaveId,
    staff: &StaffId,
    level: ApprovalLevel,
    by: &str,
    certified_by: Option<&str>,
) -> String {
    format!(
        "leave #{} of {staff} at {} by {}{}",
        leave.0,
        crate::codes::code_of(crate::codes::APPROVAL_LEVEL_CODES, level),
        by.trim(),
        certified_by.map_or(String::new(), |c| format!(", certified by {c}"))
    )
}

/// An approval level as the regulation names it (Chinese only, for tables in Chinese).
pub fn level_title_zh(level: ApprovalLevel) -> &'static str {
    match level {
        ApprovalLevel::InspectionOffice => "稽查督办科",
        ApprovalLevel::DeputyDirector => "分管领导",
        ApprovalLevel::DirectorWithUnitCertificate => "主要领导",
    }
}

/// An approval level in words (Chinese and English).
pub fn level_name(level: ApprovalLevel) -> &'static str {
    match level {
        ApprovalLevel::InspectionOffice => "稽查督办科 inspection office",
        ApprovalLevel::DeputyDirector => "分管领导 deputy director",
        ApprovalLevel::DirectorWithUnitCertificate => "主要领导 director",
    }
}

fn same_person(name: &str, staff: &StaffId, staff_name: Option<&str>) -> bool {
    let name = name.trim();
    name.eq_ignore_ascii_case(staff.as_str())
        || staff_name.is_some_and(|n| !n.trim().is_empty() && n.trim() == name)
}

/// Checks an approval before it is recorded, for the CLI and the console alike: nobody approves
/// their own leave (by id or by name), the level claimed covers the level the leave requires,
/// the approver's role may grant that level, and a leave of two days or more names a certifier
/// who is neither the person on leave nor the approver.
///
/// # Errors
/// The first [`ApprovalRefused`] that applies.
pub fn check_approver(claim: &ApprovalClaim<'_>, by: &Approver<'_>) -> Result<(), ApprovalRefused> {
    let leave = claim.leave;
    if by.name.trim().is_empty() {
        return Err(ApprovalRefused::NoApprover(leave));
    }
    if same_person(by.name, claim.staff, claim.staff_name) {
        return Err(ApprovalRefused::OwnLeave {
            leave,
            by: by.name.to_string(),
        });
    }
    if claim.level < claim.required {
        return Err(ApprovalRefused::LevelTooLow {
            leave,
            required: claim.required,
            found: claim.level,
        });
    }
    if by.may_approve.is_none_or(|may| may < claim.level) {
        return Err(ApprovalRefused::RoleTooLow {
            leave,
            by: by.name.to_string(),
            may: by.may_approve,
            level: claim.level,
        });
    }
    if claim.required == ApprovalLevel::DirectorWithUnitCertificate {
        let Some(c) = claim.certified_by.map(str::trim).filter(|c| !c.is_empty()) else {
            return Err(ApprovalRefused::NoCertificate(leave));
        };
        if same_person(c, claim.staff, claim.staff_name) || c == by.name.trim() {
            return Err(ApprovalRefused::CertifierNotIndependent {
                leave,
                certifier: c.to_string(),
            });
        }
    }
    Ok(())
}

/// The posts where neither the A nor the B is in `present` (断档), in the order given.
pub fn gaps<'a>(posts: &'a [Post], present: &BTreeSet<StaffId>) -> Vec<&'a PostId> {
    posts
        .iter()
        .filter(|p| !present.contains(&p.holder) && !present.contains(&p.backup))
        .map(|p| &p.id)
        .collect()
}

/// A post for tests: `id` held by `holder` (A) with `backup` (B).
#[cfg(test)]
pub(crate) fn test_post(id: &str, holder: &str, backup: &str) -> Post {
    Post {
        id: PostId::new(id),
        holder: StaffId::new(holder).unwrap(),
        backup: StaffId::new(backup).unwrap(),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn refusals_read_in_chinese() {
        let staff = StaffId::new("0042").expect("id");
        let too_low = ApprovalRefused::LevelTooLow {
            leave: LeaveId(3),
            required: ApprovalLevel::DirectorWithUnitCertificate,
            found: ApprovalLevel::DeputyDirector,
        };
        assert_eq!(
            too_low.zh(),
            "请假 #3 需由主要领导或更高一级审批，所填为分管领导"
        );
        let own = check_approver(
            &ApprovalClaim {
                leave: LeaveId(4),
                staff: &staff,
                staff_name: Some("王芳"),
                required: ApprovalLevel::InspectionOffice,
                level: ApprovalLevel::InspectionOffice,
                certified_by: None,
            },
            &Approver {
                name: "王芳",
                may_approve: Some(ApprovalLevel::DirectorWithUnitCertificate),
            },
        )
        .expect_err("own leave");
        assert_eq!(own.zh(), "请假 #4 是 王芳 本人的，本人不能审批自己的请假");
    }

    use super::*;

    #[test]
    fn every_leave_kind_is_listed_once() {
        for kind in LeaveKind::ALL {
            // Exhaustive: a new variant stops this compiling until ALL and this list have it.
            match kind {
                LeaveKind::Sick
                | LeaveKind::Personal
                | LeaveKind::Annual
                | LeaveKind::HomeVisit
                | LeaveKind::MarriageMaternity
                | LeaveKind::Bereavement
                | LeaveKind::OfficialErrand
                | LeaveKind::OfficialDuty => {}
            }
        }
        let distinct: std::collections::BTreeSet<_> = LeaveKind::ALL.into_iter().collect();
        assert_eq!(distinct.len(), 8);
    }
    use jiff::civil::date;

    fn staff(id: &str) -> StaffId {
        StaffId::new(id).unwrap()
    }

    fn half(y: i16, m: i8, d: i8, session: Session) -> HalfDay {
        HalfDay {
            date: date(y, m, d),
            session,
        }
    }

    fn leave(id: u64, who: &str, first: HalfDay, last: HalfDay) -> Leave {
        Leave {
            id: LeaveId(id),
            staff: staff(who),
            kind: LeaveKind::Personal,
            first,
            last,
            cover: Some(staff("0099")),
            closed_at: None,
        }
    }

    struct ApprovalCase {
        first: HalfDay,
        last: HalfDay,
        half_days: u32,
        level: ApprovalLevel,
    }

    #[track_caller]
    fn check_approval(case: ApprovalCase) {
        let mut calendar = Calendar::hall_defaults();
        calendar.add_holiday(date(2026, 10, 1), "国庆节").unwrap();
        let l = leave(1, "0001", case.first, case.last);
        let half_days = l.working_half_days(&calendar);
        assert_eq!(half_days, case.half_days);
        assert_eq!(
            LeavePolicy::hall_defaults().required_approval(half_days),
            case.level
        );
    }

    #[test]
    fn approval_level_by_length() {
        use ApprovalLevel::*;
        use Session::*;
        // 2026-09-28 is a Monday.
        let rows = [
            // 0.5 day
            ApprovalCase {
                first: half(2026, 9, 28, Morning),
                last: half(2026, 9, 28, Morning),
                half_days: 1,
                level: InspectionOffice,
            },
            // 1 day
            ApprovalCase {
                first: half(2026, 9, 28, Morning),
                last: half(2026, 9, 28, Afternoon),
                half_days: 2,
                level: DeputyDirector,
            },
            // 1.5 days, starting in an afternoon
            ApprovalCase {
                first: half(2026, 9, 28, Afternoon),
                last: half(2026, 9, 29, Afternoon),
                half_days: 3,
                level: DeputyDirector,
            },
            // 2 days
            ApprovalCase {
                first: half(2026, 9, 28, Morning),
                last: half(2026, 9, 29, Afternoon),
                half_days: 4,
                level: DirectorWithUnitCertificate,
            },
            // 3 days
            ApprovalCase {
                first: half(2026, 9, 28, Morning),
                last: half(2026, 9, 30, Afternoon),
                half_days: 6,
                level: DirectorWithUnitCertificate,
            },
            // Friday to Monday: the weekend does not count, so 2 days
            ApprovalCase {
                first: half(2026, 9, 25, Morning),
                last: half(2026, 9, 28, Afternoon),
                half_days: 4,
                level: DirectorWithUnitCertificate,
            },
            // Wednesday to Thursday, Thursday 1 October a holiday: 1 day
            ApprovalCase {
                first: half(2026, 9, 30, Morning),
                last: half(2026, 10, 1, Afternoon),
                half_days: 2,
                level: DeputyDirector,
            },
        ];
        for row in rows {
            check_approval(row);
        }
    }

    #[test]
    fn default_classes() {
        use LeaveClass::*;
        use LeaveKind::*;
        let policy = LeavePolicy::hall_defaults();
        let rows = [
            (Sick, Private),
            (Personal, Private),
            (Annual, Public),
            (HomeVisit, Public),
            (MarriageMaternity, Public),
            (Bereavement, Public),
            (OfficialErrand, Public),
            (OfficialDuty, Public),
        ];
        for (kind, class) in rows {
            assert_eq!(policy.class_of(kind), class, "{kind:?}");
        }
        let configured = LeavePolicy {
            bereavement: Private,
            ..LeavePolicy::hall_defaults()
        };
        assert_eq!(configured.class_of(Bereavement), Private);
    }

    #[track_caller]
    fn check_add(existing: &[Leave], new: Leave, want: Result<(), &str>) {
        let mut book = LeaveBook::new();
        for l in existing {
            book.add(l.clone()).unwrap();
        }
        let got = book.add(new).map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string));
    }

    #[test]
    fn overlapping_leave_is_refused() {
        use Session::*;
        let mon_am = half(2026, 9, 28, Morning);
        let mon_pm = half(2026, 9, 28, Afternoon);
        let tue_am = half(2026, 9, 29, Morning);
        let tue_pm = half(2026, 9, 29, Afternoon);
        let monday = leave(1, "0001", mon_am, mon_pm);
        let rows: [(Leave, Result<(), &str>); 5] = [
            // same person, next day: fine
            (leave(2, "0001", tue_am, tue_pm), Ok(())),
            // another person, same day: fine
            (leave(2, "0002", mon_am, mon_pm), Ok(())),
            // same person, Monday afternoon to Tuesday
            (
                leave(2, "0001", mon_pm, tue_am),
                Err(
                    "leave #2 of 0001 (2026-09-28 afternoon to 2026-09-29 morning) overlaps \
                     leave #1 (2026-09-28 morning to 2026-09-28 afternoon); expected one leave \
                     per person per half day (hint: change or close the existing leave first)",
                ),
            ),
            (
                leave(2, "0001", tue_am, mon_pm),
                Err(
                    "leave #2 runs from 2026-09-29 morning to 2026-09-28 afternoon; expected \
                     the first half day on or before the last",
                ),
            ),
            (
                leave(1, "0003", tue_am, tue_pm),
                Err("leave #1 is already on record; expected a new id"),
            ),
        ];
        for (new, want) in rows {
            check_add(std::slice::from_ref(&monday), new, want);
        }
    }

    #[test]
    fn a_leave_that_makes_no_sense_is_refused_and_one_ends_early() {
        let calendar = Calendar::hall_defaults();
        let mut l = leave(
            1,
            "0001",
            half(2026, 11, 18, Session::Morning),
            half(2026, 11, 20, Session::Afternoon),
        );
        assert_eq!(l.check_request(&calendar), Ok(6));
        l.cover = Some(staff("0001"));
        assert_eq!(
            l.check_request(&calendar),
            Err(LeaveRequestRefused::CoversSelf {
                staff: staff("0001")
            })
        );
        // Saturday and Sunday only.
        let weekend = leave(
            2,
            "0001",
            half(2026, 11, 21, Session::Morning),
            half(2026, 11, 22, Session::Afternoon),
        );
        assert!(matches!(
            weekend.check_request(&calendar),
            Err(LeaveRequestRefused::NoWorkingDay { .. })
        ));
        // Back on Thursday afternoon: away until Thursday morning.
        let l = leave(
            3,
            "0001",
            half(2026, 11, 18, Session::Morning),
            half(2026, 11, 20, Session::Afternoon),
        );
        assert_eq!(
            l.last_when_back(half(2026, 11, 19, Session::Afternoon)),
            Ok(half(2026, 11, 19, Session::Morning))
        );
        assert_eq!(
            l.last_when_back(half(2026, 11, 19, Session::Morning)),
            Ok(half(2026, 11, 18, Session::Afternoon))
        );
        assert_eq!(
            l.last_when_back(half(2026, 11, 23, Session::Morning)),
            Ok(half(2026, 11, 20, Session::Afternoon))
        );
        assert!(l
            .last_when_back(half(2026, 11, 18, Session::Morning))
            .is_err());
    }

    #[test]
    fn find_close_and_cover() {
        use Session::*;
        let mut book = LeaveBook::new();
        let mut uncovered = leave(
            7,
            "0001",
            half(2026, 9, 28, Afternoon),
            half(2026, 9, 29, Morning),
        );
        uncovered.cover = None;
        book.add(uncovered).unwrap();
        let who = staff("0001");
        let rows = [
            (date(2026, 9, 28), Morning, None),
            (date(2026, 9, 28), Afternoon, Some(LeaveId(7))),
            (date(2026, 9, 29), Morning, Some(LeaveId(7))),
            (date(2026, 9, 29), Afternoon, None),
        ];
        for (d, session, want) in rows {
            assert_eq!(
                book.find(&who, d, session).map(|l| l.id),
                want,
                "{d} {session:?}"
            );
        }
        assert!(!book.leaves()[0].is_covered());
        let back: Timestamp = "2026-09-29T05:00:00Z".parse().unwrap();
        book.close(LeaveId(7), back).unwrap();
        assert_eq!(book.leaves()[0].closed_at, Some(back));
        assert_eq!(
            book.close(LeaveId(8), back).unwrap_err().to_string(),
            "leave #8 is not on record"
        );
    }

    #[test]
    fn gaps_are_posts_with_neither_a_nor_b() {
        let posts = [
            test_post("tax-1", "0001", "0002"),
            test_post("land-1", "0003", "0004"),
            test_post("police-1", "0005", "0001"),
        ];
        let rows: [(&[&str], &[&str]); 5] = [
            (&["0001", "0003", "0005"], &[]),
            (&["0002", "0004"], &["police-1"]), // B covers tax-1 and land-1
            (&["0001"], &["land-1"]),           // 0001 is A of tax-1 and B of police-1
            (&[], &["tax-1", "land-1", "police-1"]),
            (&["0099"], &["tax-1", "land-1", "police-1"]),
        ];
        for (present, want) in rows {
            let present: BTreeSet<StaffId> = present.iter().map(|s| staff(s)).collect();
            let got: Vec<&str> = gaps(&posts, &present)
                .into_iter()
                .map(PostId::as_str)
                .collect();
            assert_eq!(got, want, "present {present:?}");
        }
    }

    #[test]
    fn nobody_approves_their_own_leave_and_the_role_bounds_the_level() {
        use ApprovalLevel::*;
        let who = staff("0005");
        let claim = |level, required, cert| ApprovalClaim {
            leave: LeaveId(1),
            staff: &who,
            staff_name: Some("王五"),
            required,
            level,
            certified_by: cert,
        };
        let rights = ApprovalRights::default();
        let sup = |name| Approver {
            name,
            may_approve: rights.supervisor,
        };
        let admin = |name| Approver {
            name,
            may_approve: rights.admin,
        };
        let director = claim(
            DirectorWithUnitCertificate,
            DirectorWithUnitCertificate,
            Some("负责人"),
        );
        // Self-approval, by id or by name, at any role.
        for by in [sup("0005"), admin("0005"), admin("王五")] {
            assert!(matches!(
                check_approver(&director, &by),
                Err(ApprovalRefused::OwnLeave { .. })
            ));
        }
        // A supervisor may not record the director's level.
        assert!(matches!(
            check_approver(&director, &sup("super1")),
            Err(ApprovalRefused::RoleTooLow { .. })
        ));
        assert_eq!(check_approver(&director, &admin("admin")), Ok(()));
        // The certifier is someone else.
        let own_cert = claim(
            DirectorWithUnitCertificate,
            DirectorWithUnitCertificate,
            Some("王五"),
        );
        assert!(matches!(
            check_approver(&own_cert, &admin("admin")),
            Err(ApprovalRefused::CertifierNotIndependent { .. })
        ));
        let by_self = claim(
            DirectorWithUnitCertificate,
            DirectorWithUnitCertificate,
            Some("admin"),
        );
        assert!(check_approver(&by_self, &admin("admin")).is_err());
        assert_eq!(
            check_approver(
                &claim(
                    DirectorWithUnitCertificate,
                    DirectorWithUnitCertificate,
                    None
                ),
                &admin("admin")
            ),
            Err(ApprovalRefused::NoCertificate(LeaveId(1)))
        );
        // Level below what the leave needs; a viewer (no rights) approves nothing.
        assert!(matches!(
            check_approver(
                &claim(InspectionOffice, DeputyDirector, None),
                &admin("admin")
            ),
            Err(ApprovalRefused::LevelTooLow { .. })
        ));
        let viewer = Approver {
            name: "v",
            may_approve: None,
        };
        assert!(check_approver(&claim(InspectionOffice, InspectionOffice, None), &viewer).is_err());
        assert_eq!(
            check_approver(&claim(DeputyDirector, DeputyDirector, None), &sup("super1")),
            Ok(())
        );
    }
}

//! The rules engine: [`classify`] turns attendance facts into per-person, per-day, per-session
//! results, and [`DoorEngine`] is the sans-IO state machine at the door that turns sightings into
//! punches and feedback signals.
//!
//! Both use the same [`crate::schedule`] code to place and judge a punch. Nothing here
//! reads the clock, the store or a device: `now` and every fact are parameters, and the door's
//! decisions come back as [`Action`]s for the shell to carry out (STYLE.md section 1).
//!
//! Spec: `attendance-rules.md` sections 2-6. Decisions where the spec is silent:
//! - **Same pass** (de-duplication): a punch less than [`RulesConfig::same_pass_within`] after the
//!   person's last *recorded* punch is the same pass. The window does **not** slide: it is anchored
//!   at the recorded punch, so someone standing in view for five minutes gets a punch about every
//!   minute. A sliding window would swallow the clock-out of a person who stays in view. Exactly
//!   60 s later is a new pass. `classify` applies the same rule to the punches it is given.
//! - **Half-day absence**: a closed working day with no punch at all, where one session is on
//!   (covered) leave and the other is not, gives half a day of absence for the other session
//!   (5 points), not two missing punches. A day with punches in one session only gives missing
//!   clock-in and clock-out for the other (spec section 4): [`SessionOutcome::Missed`].
//! - **Pending**: a session whose punch window has not closed at `now` is
//!   [`SessionOutcome::Pending`], whatever the facts. A closed session with no punch and no leave
//!   is also pending while the other session of the day is, since whether it is a missed session
//!   or half of an absent day depends on the other.
//! - **Leave beats punches**: a session under covered leave is leave, even if the person punched.
//! - **Untrusted clocks**: `classify` judges punches whose clock was not trusted like the others
//!   (they are the only record) but flags them in [`MarkSource::Door`]; the door gives them no
//!   verdict.
//! - **Duty** (值班) on a day off is done if the person punched in the window of any rostered
//!   session, missed otherwise (5 points per roster entry); there is no late/early on duty. Roster
//!   entries on working days are ignored: the day is judged as a working day.
//! - **Meetings**: a sign-in after `start + meeting_late_grace` is late, none before `end` is
//!   missed; a person whose session at the meeting start is under covered leave is excused.
//! - **Open leave**: a leave whose last half day has closed at `now` and that was not closed (销假)
//!   is listed in [`Attendance::open_leaves`].
//! - **Door readings** are provisional (the record of truth is `classify` over stored punches): a
//!   punch inside a window reads as the nearer point; a clock-in is judged by the person's first
//!   punch in that window. The five signal patterns are clocked-in, clocked-out, late, unknown and
//!   fault; an early clock-out shows [`Signal::Fault`]. A punch outside every window or on a day
//!   off gets no verdict and reads as a clock-in for the person's first punch of the civil day, a
//!   clock-out afterwards; a punch with an untrusted clock gets the role but no verdict.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::calendar::{Calendar, DutyRoster};
use crate::ids::StaffId;
use crate::leave::{
    self, HalfDay, Leave, LeaveBook, LeaveClass, LeaveId, LeavePolicy, Post, PostId,
};
use crate::schedule::{
    whole_minutes_up, PunchRole, ScheduleConfig, ScheduleError, Session, SessionSlot, Verdict,
};
use crate::scoring::Tally;

/// Settings of the rules engine.
#[derive(Debug, Clone)]
pub struct RulesConfig {
    /// Session hours, windows, grace and zone.
    pub schedule: ScheduleConfig,
    /// Leave classes and approval thresholds.
    pub leave: LeavePolicy,
    /// A person seen again less than this after their last punch is the same pass. **Default**
    /// 60 s.
    pub same_pass_within: SignedDuration,
    /// A meeting sign-in up to this long after the start is on time. **Default** 0.
    pub meeting_late_grace: SignedDuration,
}

impl RulesConfig {
    /// The spec's defaults in the given zone (see [`ScheduleConfig::DEFAULT_ZONE_NAME`]).
    pub fn hall_defaults(zone: jiff::tz::TimeZone) -> Self {
        RulesConfig {
            schedule: ScheduleConfig::hall_defaults(zone),
            leave: LeavePolicy::hall_defaults(),
            same_pass_within: SignedDuration::from_secs(60),
            meeting_late_grace: SignedDuration::ZERO,
        }
    }
}

/// One recognized pass at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Punch {
    /// Who passed.
    pub staff: StaffId,
    /// When, by the device clock.
    pub at: Timestamp,
    /// Whether the device clock was synchronized when the punch was taken.
    pub clock_trusted: bool,
}

/// A supervisor's correction of the punch record, kept as a fact of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    /// Whose punches are corrected.
    pub staff: StaffId,
    /// What changes.
    pub correction: Correction,
    /// Why, as the supervisor wrote it.
    pub reason: String,
    /// The supervisor who made the correction.
    pub author: StaffId,
}

/// What an [`Amendment`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// A pass the door missed.
    AddPunch { at: Timestamp },
    /// A punch that should not count, named by its exact instant.
    VoidPunch { at: Timestamp },
}

/// A person on the attendance list from a date on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The person.
    pub staff: StaffId,
    /// The first day the person is judged (e.g. enrolled mid-month).
    pub active_from: Date,
}

/// A centre meeting or study session (会议和学习活动).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// E.g. 月例会.
    pub title: String,
    /// A sign-in after this (plus grace) is late.
    pub start: Timestamp,
    /// No sign-in before this is a missed meeting.
    pub end: Timestamp,
    /// Who must attend.
    pub invited: Vec<StaffId>,
    /// The sign-in sheet (签到); a person's earliest sign-in counts.
    pub sign_ins: Vec<SignIn>,
}

/// Someone signing in at a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// Who signed in.
    pub staff: StaffId,
    /// When.
    pub at: Timestamp,
}

/// Every fact [`classify`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub staff: &'a [Enrollment],
    pub calendar: &'a Calendar,
    pub roster: &'a DutyRoster,
    pub leaves: &'a LeaveBook,
    pub meetings: &'a [Meeting],
    pub punches: &'a [Punch],
    pub amendments: &'a [Amendment],
}

/// The days to classify, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: Date,
    pub last: Date,
}

/// The result of [`classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    /// One record per enrolled person per day of the period, by person then date.
    pub days: Vec<DayRecord>,
    /// One record per invited, enrolled person per meeting starting in the period.
    pub meetings: Vec<MeetingRecord>,
    /// Leaves that have ended by `now` but were never closed (销假).
    pub open_leaves: Vec<LeaveId>,
}

/// One person's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRecord {
    pub staff: StaffId,
    pub date: Date,
    pub verdict: DayVerdict,
}

/// What one person's day was.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a month of records is a few thousand values; boxing would only make matching clumsier"
)]
pub enum DayVerdict {
    /// Before the person's active-from date: not judged.
    NotEnrolled,
    /// A day off without duty.
    DayOff,
    /// A day off on the duty roster.
    Duty(DutyOutcome),
    /// A working day judged session by session.
    Working {
        morning: SessionOutcome,
        afternoon: SessionOutcome,
    },
    /// A working day with no punch and no covered leave in either session: one day of absence
    /// (10 points), not four missing punches. `uncovered_leave` names a leave that would have
    /// excused it had a cover been arranged.
    Absent { uncovered_leave: Option<LeaveId> },
}

/// One session of a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOutcome {
    /// Not judged yet (see the module docs).
    Pending,
    /// Under a leave with a cover arranged.
    OnLeave { leave: LeaveId, class: LeaveClass },
    /// Punched at least once. `None` is a missing mark, which counts as late (clock-in) or
    /// early (clock-out).
    Attended {
        clock_in: Option<Mark>,
        clock_out: Option<Mark>,
    },
    /// No punch here although the other session has some: missing clock-in and clock-out.
    Missed { uncovered_leave: Option<LeaveId> },
    /// Half a day of absence: no punch that day, the other session on leave.
    Absent { uncovered_leave: Option<LeaveId> },
}

/// A clock-in or clock-out that was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub at: Timestamp,
    pub verdict: Verdict,
    pub source: MarkSource,
}

/// Where a mark's punch came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkSource {
    /// The door.
    Door { clock_trusted: bool },
    /// A supervisor's [`Correction::AddPunch`].
    Amendment { author: StaffId, reason: String },
}

/// A duty day's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyOutcome {
    Pending,
    Done,
    Missed,
}

/// One person at one meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    pub title: String,
    pub start: Timestamp,
    pub staff: StaffId,
    pub outcome: MeetingOutcome,
}

/// How one person did at one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingOutcome {
    /// The meeting has not ended and the person has not signed in.
    Pending,
    OnTime,
    Late {
        minutes: u32,
    },
    Missed,
    /// On covered leave at the meeting's start.
    Excused {
        leave: LeaveId,
    },
}

/// Why [`classify`] or [`DoorEngine::new`] could not run.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RulesError {
    #[error("period from {first} to {last}: expected the first day on or before the last")]
    BackwardsPeriod { first: Date, last: Date },
    #[error(
        "amendment by {author} voids a punch of {staff} at {at}, but there is none; expected the \
         exact instant of an existing punch"
    )]
    NothingToVoid {
        staff: StaffId,
        at: Timestamp,
        author: StaffId,
    },
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

/// A punch after amendments and de-duplication.
#[derive(Debug, Clone)]
struct Pass {
    at: Timestamp,
    source: MarkSource,
}

/// Classifies every enrolled person's days in `period` as of `now`.
///
/// # Errors
/// [`RulesError::BackwardsPeriod`] when the period runs backwards, [`RulesError::NothingToVoid`]
/// when an amendment voids a punch that does not exist, [`RulesError::Schedule`] when a session
/// time cannot be resolved in the zone (only with [`jiff::tz::Disambiguation::Reject`]).
pub fn classify(
    config: &RulesConfig,
    facts: &Facts<'_>,
    period: Period,
    now: Timestamp,
) -> Result<Attendance, RulesError> {
    if period.first > period.last {
        return Err(RulesError::BackwardsPeriod {
            first: period.first,
            last: period.last,
        });
    }
    let passes = passes_by_staff(config, facts)?;
    let no_passes = Vec::new();
    let mut days = Vec::new();
    for enrollment in facts.staff {
        let staff = &enrollment.staff;
        let passes = passes.get(staff).unwrap_or(&no_passes);
        let mut date = period.first;
        while date <= period.last {
            let verdict = if date < enrollment.active_from {
                DayVerdict::NotEnrolled
            } else if facts.calendar.is_working_day(date) {
                judge_working_day(config, facts, staff, passes, date, now)?
            } else if let Some(sessions) = facts.roster.duty_of(staff, date) {
                let season = facts.calendar.season(date);
                let mut slots = Vec::new();
                for session in Session::BOTH.into_iter().filter(|&s| sessions.contains(s)) {
                    slots.push(config.schedule.slot(date, session, season)?);
                }
                DayVerdict::Duty(judge_duty(&slots, passes, now))
            } else {
                DayVerdict::DayOff
            };
            days.push(DayRecord {
                staff: staff.clone(),
                date,
                verdict,
            });
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
    }
    let meetings = judge_meetings(config, facts, period, now)?;
    let mut open_leaves = Vec::new();
    for leave in facts.leaves.leaves() {
        if leave.closed_at.is_none() && half_day_closed(config, facts.calendar, leave.last, now)? {
            open_leaves.push(leave.id);
        }
    }
    Ok(Attendance {
        days,
        meetings,
        open_leaves,
    })
}

impl Attendance {
    /// The counts `staff`'s records add up to, for [`crate::scoring::ScoringConfig::score`].
    /// Pending sessions, duties and meetings count nothing.
    pub fn tally(&self, staff: &StaffId) -> Tally {
        let mut tally = Tally::default();
        for day in self.days.iter().filter(|d| &d.staff == staff) {
            match &day.verdict {
                DayVerdict::NotEnrolled | DayVerdict::DayOff => {}
                DayVerdict::Duty(outcome) => {
                    tally.duties_missed += u32::from(*outcome == DutyOutcome::Missed);
                }
                DayVerdict::Absent { .. } => tally.absence_half_days += 2,
                DayVerdict::Working { morning, afternoon } => {
                    for outcome in [morning, afternoon] {
                        tally_session(&mut tally, outcome);
                    }
                }
            }
        }
        for meeting in self.meetings.iter().filter(|m| &m.staff == staff) {
            match meeting.outcome {
                MeetingOutcome::Late { .. } => tally.meetings_late += 1,
                MeetingOutcome::Missed => tally.meetings_missed += 1,
                MeetingOutcome::Pending
                | MeetingOutcome::OnTime
                | MeetingOutcome::Excused { .. } => {}
            }
        }
        tally
    }
}

fn tally_session(tally: &mut Tally, outcome: &SessionOutcome) {
    match outcome {
        SessionOutcome::Pending => {}
        SessionOutcome::OnLeave { class, .. } => match class {
            LeaveClass::Public => tally.public_leave_half_days += 1,
            LeaveClass::Private => tally.private_leave_half_days += 1,
        },
        SessionOutcome::Attended {
            clock_in,
            clock_out,
        } => {
            for mark in [clock_in, clock_out] {
                let fault = match mark {
                    None => true,
                    Some(m) => m.verdict != Verdict::OnTime,
                };
                tally.late_or_early += u32::from(fault);
            }
        }
        SessionOutcome::Missed { .. } => tally.late_or_early += 2,
        SessionOutcome::Absent { .. } => tally.absence_half_days += 1,
    }
}

/// Door punches plus amendments, per person, sorted and de-duplicated.
fn passes_by_staff(
    config: &RulesConfig,
    facts: &Facts<'_>,
) -> Result<BTreeMap<StaffId, Vec<Pass>>, RulesError> {
    let mut all: BTreeMap<StaffId, Vec<Pass>> = BTreeMap::new();
    for punch in facts.punches {
        all.entry(punch.staff.clone()).or_default().push(Pass {
            at: punch.at,
            source: MarkSource::Door {
                clock_trusted: punch.clock_trusted,
            },
        });
    }
    for amendment in facts.amendments {
        let passes = all.entry(amendment.staff.clone()).or_default();
        match amendment.correction {
            Correction::AddPunch { at } => passes.push(Pass {
                at,
                source: MarkSource::Amendment {
                    author: amendment.author.clone(),
                    reason: amendment.reason.clone(),
                },
            }),
            Correction::VoidPunch { at } => match passes.iter().position(|p| p.at == at) {
                Some(index) => {
                    passes.remove(index);
                }
                None => {
                    return Err(RulesError::NothingToVoid {
                        staff: amendment.staff.clone(),
                        at,
                        author: amendment.author.clone(),
                    })
                }
            },
        }
    }
    for passes in all.values_mut() {
        passes.sort_by_key(|p| p.at);
        let mut kept: Vec<Pass> = Vec::with_capacity(passes.len());
        for pass in passes.drain(..) {
            let same_pass = kept
                .last()
                .is_some_and(|last| pass.at.duration_since(last.at) < config.same_pass_within);
            if !same_pass {
                kept.push(pass);
            }
        }
        *passes = kept;
    }
    Ok(all)
}

fn in_window<'p>(slot: &SessionSlot, passes: &'p [Pass]) -> &'p [Pass] {
    let from = passes.partition_point(|p| p.at < slot.opens);
    let to = passes.partition_point(|p| p.at < slot.closes);
    &passes[from..to]
}

fn judge_working_day(
    config: &RulesConfig,
    facts: &Facts<'_>,
    staff: &StaffId,
    passes: &[Pass],
    date: Date,
    now: Timestamp,
) -> Result<DayVerdict, RulesError> {
    struct Probe<'a> {
        slot: SessionSlot,
        passes: &'a [Pass],
        leave: Option<&'a Leave>,
    }
    let season = facts.calendar.season(date);
    let mut probes = Vec::with_capacity(2);
    for session in Session::BOTH {
        let slot = config.schedule.slot(date, session, season)?;
        probes.push(Probe {
            passes: in_window(&slot, passes),
            leave: facts.leaves.find(staff, date, session),
            slot,
        });
    }
    fn covered<'a>(p: &Probe<'a>) -> Option<&'a Leave> {
        p.leave.filter(|l| l.is_covered())
    }
    let uncovered = |p: &Probe<'_>| p.leave.filter(|l| !l.is_covered()).map(|l| l.id);
    let any_pending = probes.iter().any(|p| !p.slot.is_closed_at(now));
    let any_punch = probes.iter().any(|p| !p.passes.is_empty());
    if !any_pending && !any_punch && probes.iter().all(|p| covered(p).is_none()) {
        return Ok(DayVerdict::Absent {
            uncovered_leave: probes.iter().find_map(uncovered),
        });
    }
    let outcome = |p: &Probe<'_>| {
        if !p.slot.is_closed_at(now) {
            SessionOutcome::Pending
        } else if let Some(leave) = covered(p) {
            SessionOutcome::OnLeave {
                leave: leave.id,
                class: config.leave.class_of(leave.kind),
            }
        } else if !p.passes.is_empty() {
            judge_session(&p.slot, p.passes)
        } else if any_pending {
            SessionOutcome::Pending
        } else if any_punch {
            SessionOutcome::Missed {
                uncovered_leave: uncovered(p),
            }
        } else {
            SessionOutcome::Absent {
                uncovered_leave: uncovered(p),
            }
        }
    };
    Ok(DayVerdict::Working {
        morning: outcome(&probes[0]),
        afternoon: outcome(&probes[1]),
    })
}

/// First pass is the clock-in, last the clock-out; a single pass counts for the nearer point.
fn judge_session(slot: &SessionSlot, passes: &[Pass]) -> SessionOutcome {
    let mark = |pass: &Pass, role: PunchRole| Mark {
        at: pass.at,
        verdict: slot.judge(role, pass.at),
        source: pass.source.clone(),
    };
    match passes {
        [] => SessionOutcome::Attended {
            clock_in: None,
            clock_out: None,
        },
        [only] => match slot.nearer_point(only.at) {
            PunchRole::ClockIn => SessionOutcome::Attended {
                clock_in: Some(mark(only, PunchRole::ClockIn)),
                clock_out: None,
            },
            PunchRole::ClockOut => SessionOutcome::Attended {
                clock_in: None,
                clock_out: Some(mark(only, PunchRole::ClockOut)),
            },
        },
        [first, .., last] => SessionOutcome::Attended {
            clock_in: Some(mark(first, PunchRole::ClockIn)),
            clock_out: Some(mark(last, PunchRole::ClockOut)),
        },
    }
}

fn judge_duty(slots: &[SessionSlot], passes: &[Pass], now: Timestamp) -> DutyOutcome {
    if slots.iter().any(|s| !in_window(s, passes).is_empty()) {
        DutyOutcome::Done
    } else if slots.iter().all(|s| s.is_closed_at(now)) {
        DutyOutcome::Missed
    } else {
        DutyOutcome::Pending
    }
}

fn judge_meetings(
    config: &RulesConfig,
    facts: &Facts<'_>,
    period: Period,
    now: Timestamp,
) -> Result<Vec<MeetingRecord>, RulesError> {
    let schedule = &config.schedule;
    let mut records = Vec::new();
    for meeting in facts.meetings {
        let date = schedule.to_civil(meeting.start).date();
        if date < period.first || date > period.last {
            continue;
        }
        let season = facts.calendar.season(date);
        let mut session_at_start = None;
        for session in Session::BOTH {
            if schedule
                .slot(date, session, season)?
                .contains(meeting.start)
            {
                session_at_start = Some(session);
            }
        }
        for staff in &meeting.invited {
            let enrolled = facts
                .staff
                .iter()
                .any(|e| &e.staff == staff && e.active_from <= date);
            if !enrolled {
                continue;
            }
            let excuse = session_at_start
                .and_then(|s| facts.leaves.find(staff, date, s))
                .filter(|l| l.is_covered());
            let sign_in = meeting
                .sign_ins
                .iter()
                .filter(|s| &s.staff == staff && s.at < meeting.end)
                .map(|s| s.at)
                .min();
            let outcome = match (excuse, sign_in) {
                (Some(leave), _) => MeetingOutcome::Excused { leave: leave.id },
                (None, Some(at)) if at > meeting.start + config.meeting_late_grace => {
                    MeetingOutcome::Late {
                        minutes: whole_minutes_up(at.duration_since(meeting.start)),
                    }
                }
                (None, Some(_)) => MeetingOutcome::OnTime,
                (None, None) if now >= meeting.end => MeetingOutcome::Missed,
                (None, None) => MeetingOutcome::Pending,
            };
            records.push(MeetingRecord {
                title: meeting.title.clone(),
                start: meeting.start,
                staff: staff.clone(),
                outcome,
            });
        }
    }
    Ok(records)
}

fn half_day_closed(
    config: &RulesConfig,
    calendar: &Calendar,
    half_day: HalfDay,
    now: Timestamp,
) -> Result<bool, RulesError> {
    let season = calendar.season(half_day.date);
    let slot = config
        .schedule
        .slot(half_day.date, half_day.session, season)?;
    Ok(slot.is_closed_at(now))
}

// ---------------------------------------------------------------------------------------------
// The door

/// Who the recognizer says is at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Face {
    Known(StaffId),
    /// A face that matched nobody enrolled.
    Unknown,
}

/// One recognized (or not) face at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub face: Face,
    /// Whether the device clock is synchronized; if not, the punch is recorded but not judged.
    pub clock_trusted: bool,
}

/// The feedback pattern for the LED/buzzer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// A clock-in on time, or a first pass without a verdict.
    ClockedIn,
    /// A clock-out on time, or a later pass without a verdict.
    ClockedOut,
    /// A late clock-in.
    Late,
    /// A face nobody is enrolled with; nothing recorded.
    Unknown,
    /// Recorded, but a fault: an early clock-out (早退).
    Fault,
}

/// Why a sighting was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The same pass as the punch at `last_punch` (see the module docs on de-duplication).
    SamePass {
        staff: StaffId,
        last_punch: Timestamp,
    },
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Store the punch (and its outbox row). `role` and `verdict` are the door's on-the-spot
    /// reading for logs and feedback; the record of truth is [`classify`] over stored punches.
    RecordPunch {
        punch: Punch,
        role: PunchRole,
        verdict: Option<Verdict>,
    },
    /// Show a feedback pattern.
    Signal(Signal),
    /// Drop the sighting; log it at debug level.
    Reject { reason: RejectReason },
    /// Tell the supervisor that these posts have neither A nor B present at the session's start
    /// (断档).
    AlertGap {
        date: Date,
        session: Session,
        posts: Vec<PostId>,
    },
}

/// The door's state machine. Feed it [`DoorEngine::handle_sighting`] and
/// [`DoorEngine::handle_tick`] (at [`DoorEngine::next_deadline`] or later); carry out the
/// [`Action`]s it returns.
#[derive(Debug, Clone)]
pub struct DoorEngine {
    config: RulesConfig,
    calendar: Calendar,
    posts: Vec<Post>,
    /// Punches of the last [`RECENT_KEPT`], sorted by time.
    recent: Vec<Punch>,
    next_check: Option<GapCheck>,
}

#[derive(Debug, Clone)]
struct GapCheck {
    slot: SessionSlot,
}

/// How long the door remembers punches: longer than any civil day, so "the first punch today"
/// and "the first punch in this window" are always answerable.
const RECENT_KEPT: SignedDuration = SignedDuration::from_hours(26);

/// How far ahead [`DoorEngine::next_deadline`] looks for a working day.
const DEADLINE_HORIZON_DAYS: u32 = 366;

impl DoorEngine {
    /// A door engine at `now`, its state rebuilt from the punches the store holds for (at least)
    /// the last day. The first gap check is the first session start at or after `now`; checks
    /// missed while the daemon was down are not replayed.
    pub fn new(
        config: RulesConfig,
        calendar: Calendar,
        posts: Vec<Post>,
        mut recent_punches: Vec<Punch>,
        now: Timestamp,
    ) -> Self {
        recent_punches.sort_by_key(|p| p.at);
        let mut engine = DoorEngine {
            config,
            calendar,
            posts,
            recent: recent_punches,
            next_check: None,
        };
        engine.next_check = engine.first_check_at_or_after(now);
        engine.forget_before(now);
        engine
    }

    /// Replaces the calendar and the window posts (changed in the store while the door runs)
    /// and reschedules the next gap check from `now`; the recent punches are kept.
    pub fn replace_facts(&mut self, calendar: Calendar, posts: Vec<Post>, now: Timestamp) {
        self.calendar = calendar;
        self.posts = posts;
        self.next_check = self.first_check_at_or_after(now);
    }

    /// Handles one sighting at `now`.
    pub fn handle_sighting(&mut self, now: Timestamp, sighting: Sighting) -> Vec<Action> {
        self.forget_before(now);
        let staff = match sighting.face {
            Face::Unknown => return vec![Action::Signal(Signal::Unknown)],
            Face::Known(staff) => staff,
        };
        let last_punch = self
            .recent
            .iter()
            .filter(|p| p.staff == staff)
            .map(|p| p.at)
            .max();
        if let Some(last_punch) = last_punch {
            if now.duration_since(last_punch).abs() < self.config.same_pass_within {
                return vec![Action::Reject {
                    reason: RejectReason::SamePass { staff, last_punch },
                }];
            }
        }
        let (role, verdict) = self.read_punch(&staff, now, sighting.clock_trusted);
        let signal = match (verdict, role) {
            (Some(Verdict::Late { .. }), _) => Signal::Late,
            (Some(Verdict::Early { .. }), _) => Signal::Fault,
            (_, PunchRole::ClockIn) => Signal::ClockedIn,
            (_, PunchRole::ClockOut) => Signal::ClockedOut,
        };
        let punch = Punch {
            staff,
            at: now,
            clock_trusted: sighting.clock_trusted,
        };
        let index = self.recent.partition_point(|p| p.at <= now);
        self.recent.insert(index, punch.clone());
        vec![
            Action::RecordPunch {
                punch,
                role,
                verdict,
            },
            Action::Signal(signal),
        ]
    }

    /// Handles the passing of time: runs the gap checks (断档) that are due at `now`.
    pub fn handle_tick(&mut self, now: Timestamp) -> Vec<Action> {
        let mut actions = Vec::new();
        while let Some(check) = self.next_check.take() {
            if check.slot.start > now {
                self.next_check = Some(check);
                break;
            }
            let slot = &check.slot;
            let present: BTreeSet<StaffId> = self
                .recent
                .iter()
                .filter(|p| slot.opens <= p.at && p.at <= slot.start)
                .map(|p| p.staff.clone())
                .collect();
            let gaps = leave::gaps(&self.posts, &present);
            if !gaps.is_empty() {
                actions.push(Action::AlertGap {
                    date: slot.date,
                    session: slot.session,
                    posts: gaps.into_iter().cloned().collect(),
                });
            }
            let after = slot.start.checked_add(SignedDuration::from_nanos(1)).ok();
            self.next_check = after.and_then(|t| self.first_check_at_or_after(t));
        }
        self.forget_before(now);
        actions
    }

    /// When [`DoorEngine::handle_tick`] next has something to do: the next session start on a
    /// working day. `None` when no working day falls within a year.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.next_check.as_ref().map(|c| c.slot.start)
    }

    /// The door's reading of a punch by `staff` at `now`, using the same schedule code as
    /// [`classify`]. Inside a punch window the punch stands for the nearer point. A clock-in is
    /// judged by the person's *first* punch in the window, as `classify` does, so passing the door
    /// again at 08:30 after 07:50 reads as an on-time clock-in, not a late one; a clock-out is
    /// judged by this punch, the latest so far.
    fn read_punch(
        &self,
        staff: &StaffId,
        now: Timestamp,
        clock_trusted: bool,
    ) -> (PunchRole, Option<Verdict>) {
        let schedule = &self.config.schedule;
        let date = schedule.to_civil(now).date();
        let first_in = |opens: Timestamp| {
            self.recent
                .iter()
                .filter(|p| &p.staff == staff && opens <= p.at && p.at < now)
                .map(|p| p.at)
                .min()
        };
        if self.calendar.is_working_day(date) {
            let season = self.calendar.season(date);
            for session in Session::BOTH {
                // A slot that cannot be resolved (DST with the reject policy) is read as outside
                // every window: recorded, not judged.
                let Ok(slot) = schedule.slot(date, session, season) else {
                    continue;
                };
                if slot.contains(now) {
                    let role = slot.nearer_point(now);
                    let judged_at = match (role, first_in(slot.opens)) {
                        (PunchRole::ClockIn, Some(first)) => first,
                        _ => now,
                    };
                    return (role, clock_trusted.then(|| slot.judge(role, judged_at)));
                }
            }
        }
        let punched_today = self
            .recent
            .iter()
            .any(|p| &p.staff == staff && p.at < now && schedule.to_civil(p.at).date() == date);
        let role = if punched_today {
            PunchRole::ClockOut
        } else {
            PunchRole::ClockIn
        };
        (role, None)
    }

    fn first_check_at_or_after(&self, t: Timestamp) -> Option<GapCheck> {
        let schedule = &self.config.schedule;
        let mut date = schedule.to_civil(t).date();
        for _ in 0..DEADLINE_HORIZON_DAYS {
            if self.calendar.is_working_day(date) {
                let season = self.calendar.season(date);
                for session in Session::BOTH {
                    if let Ok(slot) = schedule.slot(date, session, season) {
                        if slot.start >= t {
                            return Some(GapCheck { slot });
                        }
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    fn forget_before(&mut self, now: Timestamp) {
        if let Ok(cutoff) = now.checked_sub(RECENT_KEPT) {
            self.recent.retain(|p| p.at >= cutoff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DutyEntry;
    use crate::leave::LeaveKind;
    use crate::schedule::Sessions;
    use crate::scoring::ScoringConfig;
    use jiff::civil::{date, Time};
    use jiff::tz::TimeZone;

    fn config() -> RulesConfig {
        // `Asia/Shanghai` as a POSIX rule, so tests need no tz database.
        RulesConfig::hall_defaults(TimeZone::posix("CST-8").unwrap())
    }

    fn staff(id: &str) -> StaffId {
        StaffId::new(id).unwrap()
    }

    /// `"07:52"` or `"08:00:01"` on `d`, hall time.
    fn local(d: Date, hms: &str) -> Timestamp {
        let t: Time = hms.parse().unwrap();
        config().schedule.to_instant(d.to_datetime(t)).unwrap()
    }

    fn hms(at: Timestamp) -> String {
        let t = config().schedule.to_civil(at).time();
        if t.second() == 0 {
            t.strftime("%H:%M").to_string()
        } else {
            t.strftime("%H:%M:%S").to_string()
        }
    }

    fn render_verdict(v: Verdict) -> String {
        match v {
            Verdict::OnTime => "ok".to_string(),
            Verdict::Late { minutes } => format!("late {minutes}"),
            Verdict::Early { minutes } => format!("early {minutes}"),
        }
    }

    fn render_mark(mark: &Option<Mark>) -> String {
        let Some(m) = mark else {
            return "missing".to_string();
        };
        let source = match &m.source {
            MarkSource::Door {
                clock_trusted: true,
            } => String::new(),
            MarkSource::Door {
                clock_trusted: false,
            } => " (clock?)".to_string(),
            MarkSource::Amendment { author, reason } => format!(" (amended by {author}: {reason})"),
        };
        format!("{} {}{source}", hms(m.at), render_verdict(m.verdict))
    }

    fn render_uncovered(leave: &Option<LeaveId>) -> String {
        leave.map_or(String::new(), |id| format!(" (leave {id} without cover)"))
    }

    fn render_session(outcome: &SessionOutcome) -> String {
        match outcome {
            SessionOutcome::Pending => "pending".to_string(),
            SessionOutcome::OnLeave { leave, class } => format!("leave {class:?} {leave}"),
            SessionOutcome::Attended {
                clock_in,
                clock_out,
            } => {
                format!("{} / {}", render_mark(clock_in), render_mark(clock_out))
            }
            SessionOutcome::Missed { uncovered_leave } => {
                format!("missed{}", render_uncovered(uncovered_leave))
            }
            SessionOutcome::Absent { uncovered_leave } => {
                format!("absent{}", render_uncovered(uncovered_leave))
            }
        }
    }

    fn render_day(verdict: &DayVerdict) -> String {
        match verdict {
            DayVerdict::NotEnrolled => "not enrolled".to_string(),
            DayVerdict::DayOff => "day off".to_string(),
            DayVerdict::Duty(outcome) => format!("duty {outcome:?}"),
            DayVerdict::Absent { uncovered_leave } => {
                format!("absent{}", render_uncovered(uncovered_leave))
            }
            DayVerdict::Working { morning, afternoon } => {
                format!(
                    "am {}; pm {}",
                    render_session(morning),
                    render_session(afternoon)
                )
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // classify, one person, one day

    struct DayCase {
        date: Date,
        holiday_file: &'static str,
        /// Local times; a trailing `?` marks an untrusted clock.
        punches: &'static [&'static str],
        leave: Option<(LeaveKind, Sessions, bool)>,
        duty: Option<Sessions>,
        /// `("+", time)` adds a punch, `("-", time)` voids one.
        amendments: &'static [(&'static str, &'static str)],
        /// Local time on the day; `None` means a week later.
        now: Option<&'static str>,
        want: &'static str,
        deducted: &'static str,
    }

    fn day(date: Date, punches: &'static [&'static str]) -> DayCase {
        DayCase {
            date,
            holiday_file: "",
            punches,
            leave: None,
            duty: None,
            amendments: &[],
            now: None,
            want: "",
            deducted: "",
        }
    }

    impl DayCase {
        fn file(self, holiday_file: &'static str) -> Self {
            DayCase {
                holiday_file,
                ..self
            }
        }
        fn leave(self, kind: LeaveKind, sessions: Sessions, covered: bool) -> Self {
            DayCase {
                leave: Some((kind, sessions, covered)),
                ..self
            }
        }
        fn duty(self, sessions: Sessions) -> Self {
            DayCase {
                duty: Some(sessions),
                ..self
            }
        }
        fn amend(self, amendments: &'static [(&'static str, &'static str)]) -> Self {
            DayCase { amendments, ..self }
        }
        fn now(self, now: &'static str) -> Self {
            DayCase {
                now: Some(now),
                ..self
            }
        }
        fn want(self, want: &'static str, deducted: &'static str) -> Self {
            DayCase {
                want,
                deducted,
                ..self
            }
        }
    }

    #[track_caller]
    fn check_day(case: DayCase) {
        let who = staff("0001");
        let mut calendar = Calendar::hall_defaults();
        calendar.add_holiday_file(case.holiday_file).unwrap();
        let mut roster = DutyRoster::new();
        if let Some(sessions) = case.duty {
            roster.add(DutyEntry {
                staff: who.clone(),
                date: case.date,
                sessions,
            });
        }
        let mut leaves = LeaveBook::new();
        if let Some((kind, sessions, covered)) = case.leave {
            let (first, last) = match sessions {
                Sessions::Morning => (Session::Morning, Session::Morning),
                Sessions::Afternoon => (Session::Afternoon, Session::Afternoon),
                Sessions::Both => (Session::Morning, Session::Afternoon),
            };
            leaves
                .add(Leave {
                    id: LeaveId(1),
                    staff: who.clone(),
                    kind,
                    first: HalfDay {
                        date: case.date,
                        session: first,
                    },
                    last: HalfDay {
                        date: case.date,
                        session: last,
                    },
                    cover: covered.then(|| staff("0002")),
                    closed_at: None,
                })
                .unwrap();
        }
        let punches: Vec<Punch> = case
            .punches
            .iter()
            .map(|p| Punch {
                staff: who.clone(),
                at: local(case.date, p.trim_end_matches('?')),
                clock_trusted: !p.ends_with('?'),
            })
            .collect();
        let amendments: Vec<Amendment> = case
            .amendments
            .iter()
            .map(|(op, t)| Amendment {
                staff: who.clone(),
                correction: match *op {
                    "+" => Correction::AddPunch {
                        at: local(case.date, t),
                    },
                    _ => Correction::VoidPunch {
                        at: local(case.date, t),
                    },
                },
                reason: "door missed".to_string(),
                author: staff("0900"),
            })
            .collect();
        let enrollment = [Enrollment {
            staff: who.clone(),
            active_from: date(2026, 1, 1),
        }];
        let facts = Facts {
            staff: &enrollment,
            calendar: &calendar,
            roster: &roster,
            leaves: &leaves,
            meetings: &[],
            punches: &punches,
            amendments: &amendments,
        };
        let now = match case.now {
            Some(t) => local(case.date, t),
            None => local(
                case.date.checked_add(jiff::Span::new().days(7)).unwrap(),
                "00:00",
            ),
        };
        let period = Period {
            first: case.date,
            last: case.date,
        };
        let attendance = classify(&config(), &facts, period, now).unwrap();
        assert_eq!(attendance.days.len(), 1);
        let got = render_day(&attendance.days[0].verdict);
        let score = ScoringConfig::hall_defaults().score(&attendance.tally(&who));
        assert_eq!(
            (got.as_str(), score.deducted.to_string().as_str()),
            (case.want, case.deducted),
            "{} {:?}",
            case.date,
            case.punches
        );
    }

    /// Spec section 8, every row. Winter: Monday 12 January 2026; summer: Monday 13 July 2026.
    #[test]
    fn spec_worked_examples() {
        use LeaveKind::*;
        let winter = date(2026, 1, 12);
        let july = date(2026, 7, 13);
        let saturday = date(2026, 1, 17);
        let rows = [
            day(winter, &["07:52", "11:31", "13:58", "17:02"])
                .want("am 07:52 ok / 11:31 ok; pm 13:58 ok / 17:02 ok", "0"),
            day(winter, &["08:03", "11:31", "13:58", "17:02"])
                .want("am 08:03 late 3 / 11:31 ok; pm 13:58 ok / 17:02 ok", "5"),
            day(winter, &["07:52", "13:58", "17:02"])
                .want("am 07:52 ok / missing; pm 13:58 ok / 17:02 ok", "5"),
            day(july, &["07:59", "11:30", "14:10", "17:31"])
                .want("am 07:59 ok / 11:30 ok; pm 14:10 ok / 17:31 ok", "0"),
            day(july, &["07:59", "11:30", "14:31", "17:20"]).want(
                "am 07:59 ok / 11:30 ok; pm 14:31 late 1 / 17:20 early 10",
                "10",
            ),
            day(winter, &[]).want("absent", "10"),
            day(winter, &[])
                .leave(Personal, Sessions::Both, true)
                .want("am leave Private #1; pm leave Private #1", "5"),
            day(winter, &[])
                .leave(Personal, Sessions::Both, false)
                .want("absent (leave #1 without cover)", "10"),
            day(winter, &["13:55", "17:00"])
                .leave(OfficialErrand, Sessions::Morning, true)
                .want("am leave Public #1; pm 13:55 ok / 17:00 ok", "1.5"),
            day(saturday, &[])
                .duty(Sessions::Both)
                .want("duty Missed", "5"),
            day(saturday, &[])
                .file("2026-01-17 workday 调休")
                .want("absent", "10"),
            day(winter, &["10:00", "13:58", "17:02"])
                .want("am missing / 10:00 early 90; pm 13:58 ok / 17:02 ok", "10"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn calendar_and_season_edges() {
        let rows = [
            // last day before summer: afternoon 14:00-17:00
            day(date(2026, 4, 30), &["07:55", "11:30", "14:10", "17:00"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 late 10 / 17:00 ok", "5"),
            // first day of summer: afternoon 14:30-17:30
            day(date(2026, 5, 1), &["07:55", "11:30", "14:10", "17:00"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 ok / 17:00 early 30", "5"),
            // last day of summer
            day(date(2026, 9, 30), &["07:55", "11:30", "14:10", "17:30"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 ok / 17:30 ok", "0"),
            // first day after summer: 17:00 is the end again
            day(date(2026, 10, 1), &["07:55", "11:30", "14:10", "17:00"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 late 10 / 17:00 ok", "5"),
            // a holiday on a Thursday: nothing is judged, even punches
            day(date(2026, 10, 1), &["09:00"])
                .file("2026-10-01 holiday 国庆节")
                .want("day off", "0"),
            day(date(2026, 10, 1), &[])
                .file("2026-10-01 holiday 国庆节")
                .want("day off", "0"),
            // an ordinary Saturday
            day(date(2026, 10, 3), &[]).want("day off", "0"),
            // a make-up Sunday worked normally (27 Sep is still summer)
            day(date(2026, 9, 27), &["07:55", "11:30", "14:25", "17:30"])
                .file("2026-09-27 workday 调休")
                .want("am 07:55 ok / 11:30 ok; pm 14:25 ok / 17:30 ok", "0"),
            // a roster entry on a working day is ignored: judged as a working day
            day(date(2026, 1, 12), &[])
                .duty(Sessions::Both)
                .want("absent", "10"),
            // duty done on a Saturday, any punch in a rostered window
            day(date(2026, 1, 17), &["09:10"])
                .duty(Sessions::Morning)
                .want("duty Done", "0"),
            // a punch in the afternoon does not fulfil a morning duty
            day(date(2026, 1, 17), &["15:00"])
                .duty(Sessions::Morning)
                .want("duty Missed", "5"),
            day(date(2026, 1, 17), &[])
                .duty(Sessions::Both)
                .now("16:00")
                .want("duty Pending", "0"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn punch_edges() {
        let d = date(2026, 1, 12);
        let s = date(2026, 7, 13);
        let rows = [
            // exactly at the start is on time; one second late is one minute late (rounded up)
            day(d, &["08:00:00", "11:30", "14:00:00", "17:00"])
                .want("am 08:00 ok / 11:30 ok; pm 14:00 ok / 17:00 ok", "0"),
            day(d, &["08:00:01", "11:30", "13:59:59", "17:00"]).want(
                "am 08:00:01 late 1 / 11:30 ok; pm 13:59:59 ok / 17:00 ok",
                "5",
            ),
            // overtime is never a fault; 20:00 is outside the window, 19:59 inside
            day(d, &["07:55", "11:30", "13:55", "19:59", "20:00"])
                .want("am 07:55 ok / 11:30 ok; pm 13:55 ok / 19:59 ok", "0"),
            // lunch gap, winter: the cut is 12:45; 12:44 is the morning's, 12:45 the afternoon's
            day(d, &["07:55", "12:44", "12:45", "17:00"])
                .want("am 07:55 ok / 12:44 ok; pm 12:45 ok / 17:00 ok", "0"),
            // lunch gap, summer: the cut is 13:00
            day(s, &["07:55", "12:59", "13:00", "17:30"])
                .want("am 07:55 ok / 12:59 ok; pm 13:00 ok / 17:30 ok", "0"),
            // a lone lunch punch at 12:30 is the morning's clock-out; the afternoon misses its clock-in
            day(d, &["07:55", "12:30", "17:00"])
                .want("am 07:55 ok / 12:30 ok; pm missing / 17:00 ok", "5"),
            // before the morning window (06:30) nothing counts
            day(d, &["06:29", "11:30", "13:55", "17:00"])
                .want("am missing / 11:30 ok; pm 13:55 ok / 17:00 ok", "5"),
            // same pass: 08:00:20 is 30 s after 07:59:50, so the morning has one punch
            day(d, &["07:59:50", "08:00:20", "13:55", "17:00"])
                .want("am 07:59:50 ok / missing; pm 13:55 ok / 17:00 ok", "5"),
            // ... and it does not slide: 07:59:50, 08:00:40 (50 s after the last seen), 08:00:50
            // (60 s after the kept one) is two passes
            day(d, &["07:59:50", "08:00:40", "08:00:50", "13:55", "17:00"]).want(
                "am 07:59:50 ok / 08:00:50 early 210; pm 13:55 ok / 17:00 ok",
                "5",
            ),
            // untrusted clock: judged, flagged
            day(d, &["07:55?", "11:30", "13:55", "17:00"]).want(
                "am 07:55 ok (clock?) / 11:30 ok; pm 13:55 ok / 17:00 ok",
                "0",
            ),
            // punches in one session only: the other's points are missing, not absence
            day(d, &["07:55", "11:30"]).want("am 07:55 ok / 11:30 ok; pm missed", "10"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn leave_edges() {
        use LeaveKind::*;
        let d = date(2026, 1, 12);
        let rows = [
            // morning official leave, afternoon worked: -1.5
            day(d, &["13:55", "17:00"])
                .leave(OfficialDuty, Sessions::Morning, true)
                .want("am leave Public #1; pm 13:55 ok / 17:00 ok", "1.5"),
            // afternoon private leave: -2.5
            day(d, &["07:55", "11:30"])
                .leave(Sick, Sessions::Afternoon, true)
                .want("am 07:55 ok / 11:30 ok; pm leave Private #1", "2.5"),
            // morning leave and no punch in the afternoon: half a day of absence
            day(d, &[])
                .leave(OfficialErrand, Sessions::Morning, true)
                .want("am leave Public #1; pm absent", "6.5"),
            // morning leave without cover, afternoon worked: the morning is missed (5 + 5)
            day(d, &["13:55", "17:00"])
                .leave(Personal, Sessions::Morning, false)
                .want(
                    "am missed (leave #1 without cover); pm 13:55 ok / 17:00 ok",
                    "10",
                ),
            // leave beats punches
            day(d, &["07:55", "11:30", "13:55", "17:00"])
                .leave(Annual, Sessions::Both, true)
                .want("am leave Public #1; pm leave Public #1", "3"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn days_in_progress() {
        let d = date(2026, 1, 12);
        let rows = [
            // mid-afternoon: the morning is judged, the afternoon pending (not missing)
            day(d, &["07:55", "11:35", "13:58"])
                .now("15:00")
                .want("am 07:55 ok / 11:35 ok; pm pending", "0"),
            // 19:59: the afternoon window is still open
            day(d, &["07:55", "11:35", "13:58"])
                .now("19:59:59")
                .want("am 07:55 ok / 11:35 ok; pm pending", "0"),
            // 20:00: it closed; the clock-out is missing
            day(d, &["07:55", "11:35", "13:58"])
                .now("20:00")
                .want("am 07:55 ok / 11:35 ok; pm 13:58 ok / missing", "5"),
            // mid-morning, nothing yet
            day(d, &[]).now("10:00").want("am pending; pm pending", "0"),
            // 13:00, no morning punch: absence or missed depends on the afternoon
            day(d, &[]).now("13:00").want("am pending; pm pending", "0"),
            day(d, &[]).now("20:00").want("absent", "10"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn amendments_are_separate_facts() {
        let d = date(2026, 1, 12);
        let rows = [
            // the supervisor adds the missing morning clock-out
            day(d, &["07:52", "13:58", "17:02"])
                .amend(&[("+", "11:30")])
                .want(
                    "am 07:52 ok / 11:30 ok (amended by 0900: door missed); pm 13:58 ok / 17:02 ok",
                    "0",
                ),
            // void a wrong punch and put the right one
            day(d, &["08:03", "11:31", "13:58", "17:02"])
                .amend(&[("-", "08:03"), ("+", "07:58")])
                .want(
                    "am 07:58 ok (amended by 0900: door missed) / 11:31 ok; pm 13:58 ok / 17:02 ok",
                    "0",
                ),
            // void only: the morning is left with one punch nearer the end
            day(d, &["08:03", "11:31", "13:58", "17:02"])
                .amend(&[("-", "08:03")])
                .want("am missing / 11:31 ok; pm 13:58 ok / 17:02 ok", "5"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn voiding_a_missing_punch_is_an_error() {
        let calendar = Calendar::hall_defaults();
        let d = date(2026, 1, 12);
        let enrollment = [Enrollment {
            staff: staff("0001"),
            active_from: d,
        }];
        let amendment = [Amendment {
            staff: staff("0001"),
            correction: Correction::VoidPunch {
                at: local(d, "08:03"),
            },
            reason: "double".to_string(),
            author: staff("0900"),
        }];
        let facts = Facts {
            staff: &enrollment,
            calendar: &calendar,
            roster: &DutyRoster::new(),
            leaves: &LeaveBook::new(),
            meetings: &[],
            punches: &[],
            amendments: &amendment,
        };
        let period = Period { first: d, last: d };
        let err = classify(&config(), &facts, period, local(d, "21:00")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "amendment by 0900 voids a punch of 0001 at 2026-01-12T00:03:00Z, but there is none; \
             expected the exact instant of an existing punch"
        );
        let backwards = Period {
            first: d,
            last: date(2026, 1, 11),
        };
        assert_eq!(
            classify(&config(), &facts, backwards, local(d, "21:00"))
                .unwrap_err()
                .to_string(),
            "period from 2026-01-12 to 2026-01-11: expected the first day on or before the last"
        );
    }

    #[test]
    fn enrolled_mid_month() {
        let calendar = Calendar::hall_defaults();
        let who = staff("0001");
        let enrollment = [Enrollment {
            staff: who.clone(),
            active_from: date(2026, 1, 14),
        }];
        // Monday 12 to Sunday 18 January; punches on the 13th (before enrolment) do not count
        let punches = [Punch {
            staff: who.clone(),
            at: local(date(2026, 1, 13), "08:30"),
            clock_trusted: true,
        }];
        let facts = Facts {
            staff: &enrollment,
            calendar: &calendar,
            roster: &DutyRoster::new(),
            leaves: &LeaveBook::new(),
            meetings: &[],
            punches: &punches,
            amendments: &[],
        };
        let period = Period {
            first: date(2026, 1, 12),
            last: date(2026, 1, 18),
        };
        let attendance =
            classify(&config(), &facts, period, local(date(2026, 1, 31), "00:00")).unwrap();
        let got: Vec<String> = attendance
            .days
            .iter()
            .map(|d| format!("{} {}", d.date, render_day(&d.verdict)))
            .collect();
        assert_eq!(
            got,
            [
                "2026-01-12 not enrolled",
                "2026-01-13 not enrolled",
                "2026-01-14 absent",
                "2026-01-15 absent",
                "2026-01-16 absent",
                "2026-01-17 day off",
                "2026-01-18 day off",
            ]
        );
        let score = ScoringConfig::hall_defaults().score(&attendance.tally(&who));
        assert_eq!(
            (score.deducted.to_string(), score.score.to_string()),
            ("30".into(), "0".into())
        );
    }

    // -----------------------------------------------------------------------------------------
    // meetings

    struct MeetingCase {
        sign_in: Option<&'static str>,
        morning_leave: bool,
        now: &'static str,
        want: MeetingOutcome,
        deducted: &'static str,
    }

    #[track_caller]
    fn check_meeting(case: MeetingCase) {
        let d = date(2026, 1, 12);
        let who = staff("0001");
        let calendar = Calendar::hall_defaults();
        let mut leaves = LeaveBook::new();
        if case.morning_leave {
            leaves
                .add(Leave {
                    id: LeaveId(4),
                    staff: who.clone(),
                    kind: LeaveKind::OfficialErrand,
                    first: HalfDay {
                        date: d,
                        session: Session::Morning,
                    },
                    last: HalfDay {
                        date: d,
                        session: Session::Morning,
                    },
                    cover: Some(staff("0002")),
                    closed_at: None,
                })
                .unwrap();
        }
        let punches: Vec<Punch> = ["07:55", "11:30", "13:55", "17:00"]
            .iter()
            .map(|t| Punch {
                staff: who.clone(),
                at: local(d, t),
                clock_trusted: true,
            })
            .collect();
        let meeting = [Meeting {
            title: "月例会".to_string(),
            start: local(d, "09:00"),
            end: local(d, "10:00"),
            invited: vec![who.clone(), staff("0777")], // 0777 is not enrolled: no record
            sign_ins: case
                .sign_in
                .iter()
                .map(|t| SignIn {
                    staff: who.clone(),
                    at: local(d, t),
                })
                .collect(),
        }];
        let enrollment = [Enrollment {
            staff: who.clone(),
            active_from: d,
        }];
        let facts = Facts {
            staff: &enrollment,
            calendar: &calendar,
            roster: &DutyRoster::new(),
            leaves: &leaves,
            meetings: &meeting,
            punches: &punches,
            amendments: &[],
        };
        let period = Period { first: d, last: d };
        let attendance = classify(&config(), &facts, period, local(d, case.now)).unwrap();
        assert_eq!(attendance.meetings.len(), 1);
        let score = ScoringConfig::hall_defaults().score(&attendance.tally(&who));
        assert_eq!(
            (
                attendance.meetings[0].outcome,
                score.deducted.to_string().as_str()
            ),
            (case.want, case.deducted)
        );
    }

    #[test]
    fn meetings() {
        use MeetingOutcome::*;
        let rows = [
            MeetingCase {
                sign_in: Some("08:55"),
                morning_leave: false,
                now: "21:00",
                want: OnTime,
                deducted: "0",
            },
            MeetingCase {
                sign_in: Some("09:00"),
                morning_leave: false,
                now: "21:00",
                want: OnTime,
                deducted: "0",
            },
            MeetingCase {
                sign_in: Some("09:03"),
                morning_leave: false,
                now: "21:00",
                want: Late { minutes: 3 },
                deducted: "2",
            },
            MeetingCase {
                sign_in: None,
                morning_leave: false,
                now: "21:00",
                want: Missed,
                deducted: "5",
            },
            // signing in after the end is not attending
            MeetingCase {
                sign_in: Some("10:05"),
                morning_leave: false,
                now: "21:00",
                want: Missed,
                deducted: "5",
            },
            // the meeting is running: not judged yet (the afternoon is pending too)
            MeetingCase {
                sign_in: None,
                morning_leave: false,
                now: "09:30",
                want: Pending,
                deducted: "0",
            },
            // on covered leave in the morning: excused; the half day of public leave still costs 1.5
            MeetingCase {
                sign_in: None,
                morning_leave: true,
                now: "21:00",
                want: Excused { leave: LeaveId(4) },
                deducted: "1.5",
            },
        ];
        for row in rows {
            check_meeting(row);
        }
    }

    #[test]
    fn open_leave_is_reported() {
        let calendar = Calendar::hall_defaults();
        let d = date(2026, 1, 12);
        let mut leaves = LeaveBook::new();
        for (id, who, day, closed) in [
            (1, "0001", date(2026, 1, 12), false), // ended, never closed: open
            (2, "0002", date(2026, 1, 12), true),  // ended and closed
            (3, "0003", date(2026, 1, 13), false), // not ended yet
        ] {
            leaves
                .add(Leave {
                    id: LeaveId(id),
                    staff: staff(who),
                    kind: LeaveKind::Personal,
                    first: HalfDay {
                        date: day,
                        session: Session::Morning,
                    },
                    last: HalfDay {
                        date: day,
                        session: Session::Afternoon,
                    },
                    cover: Some(staff("0009")),
                    closed_at: closed.then(|| local(day, "20:30")),
                })
                .unwrap();
        }
        let facts = Facts {
            staff: &[],
            calendar: &calendar,
            roster: &DutyRoster::new(),
            leaves: &leaves,
            meetings: &[],
            punches: &[],
            amendments: &[],
        };
        let attendance = classify(
            &config(),
            &facts,
            Period { first: d, last: d },
            local(date(2026, 1, 13), "12:00"),
        )
        .unwrap();
        assert_eq!(attendance.open_leaves, [LeaveId(1)]);
    }

    // -----------------------------------------------------------------------------------------
    // the door

    fn render_action(action: &Action) -> String {
        match action {
            Action::RecordPunch {
                punch,
                role,
                verdict,
            } => {
                let role = match role {
                    PunchRole::ClockIn => "in",
                    PunchRole::ClockOut => "out",
                };
                let verdict = verdict.map_or("unjudged".to_string(), render_verdict);
                let trust = if punch.clock_trusted {
                    ""
                } else {
                    " untrusted"
                };
                format!(
                    "record {} {} {role} {verdict}{trust}",
                    punch.staff,
                    hms(punch.at)
                )
            }
            Action::Signal(signal) => format!("signal {signal:?}"),
            Action::Reject {
                reason: RejectReason::SamePass { staff, last_punch },
            } => {
                format!("reject {staff} same pass as {}", hms(*last_punch))
            }
            Action::AlertGap {
                date,
                session,
                posts,
            } => {
                let posts: Vec<&str> = posts.iter().map(PostId::as_str).collect();
                format!("gap {date} {session:?} {}", posts.join(","))
            }
        }
    }

    fn posts() -> Vec<Post> {
        vec![
            Post {
                id: PostId::new("tax-1"),
                holder: staff("0001"),
                backup: staff("0002"),
            },
            Post {
                id: PostId::new("land-1"),
                holder: staff("0003"),
                backup: staff("0004"),
            },
        ]
    }

    struct DoorCase {
        date: Date,
        /// Punches the store already holds (the engine is rebuilt from them).
        earlier: &'static [(&'static str, &'static str)],
        /// `(staff or "?" for an unknown face, local time, clock trusted)`.
        sighting: (&'static str, &'static str, bool),
        want: &'static [&'static str],
    }

    #[track_caller]
    fn check_door(case: DoorCase) {
        let (who, at, trusted) = case.sighting;
        let now = local(case.date, at);
        let mut calendar = Calendar::hall_defaults();
        calendar
            .add_holiday_file("2026-01-17 workday 调休")
            .unwrap();
        let earlier: Vec<Punch> = case
            .earlier
            .iter()
            .map(|(s, t)| Punch {
                staff: staff(s),
                at: local(case.date, t),
                clock_trusted: true,
            })
            .collect();
        let mut engine = DoorEngine::new(config(), calendar, posts(), earlier, now);
        let face = if who == "?" {
            Face::Unknown
        } else {
            Face::Known(staff(who))
        };
        let actions = engine.handle_sighting(
            now,
            Sighting {
                face,
                clock_trusted: trusted,
            },
        );
        let got: Vec<String> = actions.iter().map(render_action).collect();
        assert_eq!(got, case.want, "{at} {:?}", case.earlier);
    }

    #[test]
    fn door_readings() {
        let d = date(2026, 1, 12);
        let sunday = date(2026, 1, 18);
        let rows = [
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "07:50", true),
                want: &["record 0001 07:50 in ok", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "08:00:00", true),
                want: &["record 0001 08:00 in ok", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "08:00:01", true),
                want: &["record 0001 08:00:01 in late 1", "signal Late"],
            },
            // de-dup: 59 s after the last punch is the same pass, 60 s is a new one
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "07:50:59", true),
                want: &["reject 0001 same pass as 07:50"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "07:51:00", true),
                want: &["record 0001 07:51 in ok", "signal ClockedIn"],
            },
            // another person right after is not de-duplicated
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0002", "07:50:10", true),
                want: &["record 0002 07:50:10 in ok", "signal ClockedIn"],
            },
            // passing again at 08:30 after 07:50: the clock-in is still the on-time 07:50 one
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "08:30", true),
                want: &["record 0001 08:30 in ok", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "08:10")],
                sighting: ("0001", "08:30", true),
                want: &["record 0001 08:30 in late 10", "signal Late"],
            },
            // leaving early is a fault; leaving late (延时服务) is not
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "11:20", true),
                want: &["record 0001 11:20 out early 10", "signal Fault"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "13:50")],
                sighting: ("0001", "18:40", true),
                want: &["record 0001 18:40 out ok", "signal ClockedOut"],
            },
            // a lone 10:00 punch is nearer 11:30: an early clock-out, as classify reads it
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "10:00", true),
                want: &["record 0001 10:00 out early 90", "signal Fault"],
            },
            // a lunch-gap punch goes to the window it is in: 12:44 morning out, 12:45 afternoon in
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "12:44", true),
                want: &["record 0001 12:44 out ok", "signal ClockedOut"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "12:45", true),
                want: &["record 0001 12:45 in ok", "signal ClockedIn"],
            },
            // untrusted clock: recorded, flagged, no verdict
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "08:20", false),
                want: &[
                    "record 0001 08:20 in unjudged untrusted",
                    "signal ClockedIn",
                ],
            },
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("?", "08:20", true),
                want: &["signal Unknown"],
            },
            // outside every window: first of the day reads as in, later ones as out
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "06:00", true),
                want: &["record 0001 06:00 in unjudged", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "21:00", true),
                want: &["record 0001 21:00 out unjudged", "signal ClockedOut"],
            },
            // a day off: no verdict
            DoorCase {
                date: sunday,
                earlier: &[],
                sighting: ("0001", "09:00", true),
                want: &["record 0001 09:00 in unjudged", "signal ClockedIn"],
            },
            // a make-up Saturday is judged like a weekday
            DoorCase {
                date: date(2026, 1, 17),
                earlier: &[],
                sighting: ("0001", "08:05", true),
                want: &["record 0001 08:05 in late 5", "signal Late"],
            },
        ];
        for row in rows {
            check_door(row);
        }
    }

    /// A virtual clock drives one Monday through the door: sightings at their times, ticks at
    /// each deadline, and the full action log is asserted.
    #[test]
    fn door_simulated_day() {
        let d = date(2026, 1, 12);
        let schedule = config().schedule;
        let start = local(d, "06:00");
        let end_of_day = local(d, "23:59");
        let mut engine =
            DoorEngine::new(config(), Calendar::hall_defaults(), posts(), vec![], start);
        let sightings: [(&str, &str, bool); 14] = [
            ("0001", "07:50:00", true),
            ("0001", "07:50:20", true), // the camera sees them again: same pass
            ("0001", "07:50:59", true),
            ("?", "07:51:00", true),
            ("0003", "08:00:01", true),
            ("0003", "08:00:30", true),
            ("0001", "11:20:00", true),
            ("0003", "11:35:00", true),
            ("0002", "13:50:00", false), // B, device clock not synchronized
            ("0004", "13:59:00", true),
            ("0003", "14:20:00", true),
            ("0004", "17:00:00", true),
            ("0002", "17:05:00", true),
            ("0001", "21:00:00", true),
        ];
        let mut log: Vec<String> = Vec::new();
        let mut recorded: Vec<Punch> = Vec::new();
        let mut next = 0;
        let mut now = start;
        loop {
            let sighting_at = sightings.get(next).map(|(_, t, _)| local(d, t));
            let deadline = engine.next_deadline().filter(|&t| t <= end_of_day);
            let actions = match (sighting_at, deadline) {
                (None, None) => break,
                (Some(at), Some(tick)) if tick <= at => {
                    now = tick;
                    engine.handle_tick(now)
                }
                (None, Some(tick)) => {
                    now = tick;
                    engine.handle_tick(now)
                }
                (Some(at), _) => {
                    assert!(at >= now, "sightings must be in time order");
                    now = at;
                    let (who, _, trusted) = sightings[next];
                    next += 1;
                    let face = if who == "?" {
                        Face::Unknown
                    } else {
                        Face::Known(staff(who))
                    };
                    engine.handle_sighting(
                        now,
                        Sighting {
                            face,
                            clock_trusted: trusted,
                        },
                    )
                }
            };
            for action in &actions {
                if let Action::RecordPunch { punch, .. } = action {
                    recorded.push(punch.clone());
                }
                log.push(format!("{} {}", hms(now), render_action(action)));
            }
        }
        assert_eq!(
            log,
            [
                "07:50 record 0001 07:50 in ok",
                "07:50 signal ClockedIn",
                "07:50:20 reject 0001 same pass as 07:50",
                "07:50:59 reject 0001 same pass as 07:50",
                "07:51 signal Unknown",
                // neither 0003 nor 0004 has come for land-1 by 08:00
                "08:00 gap 2026-01-12 Morning land-1",
                "08:00:01 record 0003 08:00:01 in late 1",
                "08:00:01 signal Late",
                "08:00:30 reject 0003 same pass as 08:00:01",
                "11:20 record 0001 11:20 out early 10",
                "11:20 signal Fault",
                "11:35 record 0003 11:35 out ok",
                "11:35 signal ClockedOut",
                "13:50 record 0002 13:50 in unjudged untrusted",
                "13:50 signal ClockedIn",
                "13:59 record 0004 13:59 in ok",
                "13:59 signal ClockedIn",
                // 14:00: 0002 (B) covers tax-1, 0004 (B) covers land-1: no gap, no alert
                "14:20 record 0003 14:20 in late 20",
                "14:20 signal Late",
                "17:00 record 0004 17:00 out ok",
                "17:00 signal ClockedOut",
                "17:05 record 0002 17:05 out ok",
                "17:05 signal ClockedOut",
                "21:00 record 0001 21:00 out unjudged",
                "21:00 signal ClockedOut",
            ]
        );
        // the next wake-up is Tuesday's morning start
        assert_eq!(
            engine
                .next_deadline()
                .map(|t| schedule.to_civil(t).to_string()),
            Some("2026-01-13T08:00:00".to_string())
        );

        // classify reads the recorded punches with the same schedule code
        let calendar = Calendar::hall_defaults();
        let enrollment: Vec<Enrollment> = ["0001", "0002", "0003", "0004"]
            .iter()
            .map(|s| Enrollment {
                staff: staff(s),
                active_from: d,
            })
            .collect();
        let facts = Facts {
            staff: &enrollment,
            calendar: &calendar,
            roster: &DutyRoster::new(),
            leaves: &LeaveBook::new(),
            meetings: &[],
            punches: &recorded,
            amendments: &[],
        };
        let attendance =
            classify(&config(), &facts, Period { first: d, last: d }, end_of_day).unwrap();
        let got: Vec<String> = attendance
            .days
            .iter()
            .map(|r| format!("{} {}", r.staff, render_day(&r.verdict)))
            .collect();
        assert_eq!(
            got,
            [
                "0001 am 07:50 ok / 11:20 early 10; pm missed",
                "0002 am missed; pm 13:50 ok (clock?) / 17:05 ok",
                "0003 am 08:00:01 late 1 / 11:35 ok; pm 14:20 late 20 / missing",
                "0004 am missed; pm 13:59 ok / 17:00 ok",
            ]
        );
    }

    #[test]
    fn door_rebuilt_after_restart() {
        let d = date(2026, 1, 12);
        let earlier = vec![Punch {
            staff: staff("0001"),
            at: local(d, "07:50"),
            clock_trusted: true,
        }];
        // restarted at 07:50:30: the 07:50 punch is remembered
        let mut engine = DoorEngine::new(
            config(),
            Calendar::hall_defaults(),
            posts(),
            earlier,
            local(d, "07:50:30"),
        );
        assert_eq!(engine.next_deadline(), Some(local(d, "08:00")));
        let seen = |engine: &mut DoorEngine, t: &str| -> Vec<String> {
            let sighting = Sighting {
                face: Face::Known(staff("0001")),
                clock_trusted: true,
            };
            engine
                .handle_sighting(local(d, t), sighting)
                .iter()
                .map(render_action)
                .collect()
        };
        assert_eq!(
            seen(&mut engine, "07:50:40"),
            ["reject 0001 same pass as 07:50"]
        );
        assert_eq!(
            seen(&mut engine, "11:31"),
            ["record 0001 11:31 out ok", "signal ClockedOut"]
        );
        // 08:00 tick: only tax-1 is staffed
        assert_eq!(
            engine
                .handle_tick(local(d, "08:00"))
                .iter()
                .map(render_action)
                .collect::<Vec<_>>(),
            ["gap 2026-01-12 Morning land-1"]
        );
        // a late tick does not repeat the check
        assert!(engine.handle_tick(local(d, "08:05")).is_empty());
        assert_eq!(engine.next_deadline(), Some(local(d, "14:00")));
        // restarted at exactly a session start: that check is still due
        let engine = DoorEngine::new(
            config(),
            Calendar::hall_defaults(),
            posts(),
            vec![],
            local(d, "14:00"),
        );
        assert_eq!(engine.next_deadline(), Some(local(d, "14:00")));
        // Friday afternoon: the next check is Monday morning
        let friday = date(2026, 1, 16);
        let engine = DoorEngine::new(
            config(),
            Calendar::hall_defaults(),
            posts(),
            vec![],
            local(friday, "15:00"),
        );
        assert_eq!(
            engine.next_deadline(),
            Some(local(date(2026, 1, 19), "08:00"))
        );
    }

    #[test]
    fn replaced_facts_reach_the_running_engine() {
        // Issue 8, item 10: a holiday entered while the door runs changes the door's reading.
        let day = jiff::civil::date(2026, 11, 18);
        let now = local(day, "08:10");
        let mut engine = DoorEngine::new(config(), Calendar::hall_defaults(), posts(), vec![], now);
        let verdict_of = |actions: Vec<Action>| {
            actions.into_iter().find_map(|a| match a {
                Action::RecordPunch { verdict, .. } => Some(verdict),
                _ => None,
            })
        };
        let sighting = |who: &str| Sighting {
            face: Face::Known(staff(who)),
            clock_trusted: true,
        };
        assert_eq!(
            verdict_of(engine.handle_sighting(now, sighting("0001"))),
            Some(Some(Verdict::Late { minutes: 10 }))
        );
        let mut calendar = Calendar::hall_defaults();
        calendar.add_holiday(day, "停工").unwrap();
        engine.replace_facts(calendar, vec![], now);
        assert_eq!(
            verdict_of(engine.handle_sighting(now, sighting("0002"))),
            Some(None)
        );
        // No gap check on the holiday, and none without posts.
        assert!(engine
            .next_deadline()
            .is_some_and(|d| d > local(day, "23:59")));
    }
}

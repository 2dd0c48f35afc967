//! The web console's wiring: [`StoreConsole`] implements the `admin::web::Console` port by
//! joining `store`, `vision` (enrolment, through `app::enrol`), `hw` (the clock's trust) and the
//! attendance operations of `app::attendance`; [`serve`] serves it, alone (`hallclock console`,
//! from `cli`) or beside the door (`hallclock run`, from `daemon`, on [`spawn_own_runtime`]).
//!
//! Wiring only: no SQL (that is `store`), no HTML (that is `admin::web`), no attendance rule.
//! Every port call blocks; the web side runs it on `spawn_blocking`. An [`AppError`] becomes a
//! `ConsoleError` by its kind: `Refused` is shown to the user, `Failed` is ours.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use tokio_util::sync::CancellationToken;

use crate::admin::report::Report;
use crate::admin::sheet::{DayPunch, Sheet};
use crate::admin::web::{
    self, Account, Actor, AppState, AuditLine, AuditView, CalendarDay, CalendarImport,
    CaptureRequest, CheckLine, CheckState, Console, ConsoleError, DutyImport, DutyLine,
    EnrolRequest, Enrolment, HolidayLine, LeaveAdded, LeaveForm, LeaveLine, MeetingForm,
    MeetingLine, PostLine, PreviewFrame, PreviewVerdict, ReportQuery, Role, SessionInfo,
    SessionMark, SignInGate, StaffLine, StatusView,
};
use crate::admin::web::{Guard, LockoutPolicy};
use crate::app::preview::{DoorPreview, FrameResult, FrameVerdict, PassedFace};
use crate::app::telemetry::Telemetry;
use crate::core::calendar::DayKind;
use crate::core::ids::StaffId;
use crate::core::leave::{ApprovalLevel, HalfDay, LeaveId};
use crate::core::rules::{
    classify, Amendment, DayVerdict, DutyOutcome, MarkSource, Period, SessionOutcome,
};
use crate::core::rules::{Board, Meeting};
use crate::core::schedule::Session;
use crate::core::schedule::Verdict;
use crate::hw::clock::{ClockTrust, FixedClock, KernelClock};
use crate::hw::photo::encode_jpeg;
use crate::store::{
    Audit, AuditFilter, ConsentRecord, LivenessSample, NewLeave, SampleKind, SampleSource, Store,
};
use crate::vision::quality::Rejection;

use super::attendance::{
    amendment_detail, approve_leave_checked, cancel_leave, check_correction_time, close_leave_on,
    edit_leave, import_calendar_text, import_duty_text, load_facts, record_leave,
    record_meeting_text, report_for, retire_post, set_post_checked, span_parts, MeetingText,
};
use super::doctor::{self, Outcome};
use super::enrol::{
    enrol, enrol_embeddings, DuplicateFaces, EnrolInput, Enrolled, FaceVector, PhotoInput,
};
use super::people;
use super::setup::{current_embedder_sha, open_store, Vision};
use super::sheet::{punches_of_day, sheet_for, today_for};
use super::{AppError, FailedWhile};
use crate::config::{ClockCheck, Config};

/// What the console holds of the daemon it runs in (`hallclock run`).
#[derive(Clone)]
pub struct DaemonLink {
    /// The reload flag SIGHUP sets.
    pub gallery_reload: Arc<AtomicBool>,
    /// The recognise stage's preview slot.
    pub preview: Option<Arc<DoorPreview>>,
    /// The daemon's models, shared for enrolment (one copy in the process).
    pub vision: Arc<Mutex<Vision>>,
    /// Raised after a change to the calendar, posts, leave or duty: the door reloads its
    /// engine's facts at once (it also notices within seconds by itself).
    pub facts_reload: Arc<AtomicBool>,
}

/// How long a capture waits for good frames.
const CAPTURE_TIMEOUT: Duration = Duration::from_secs(20);
/// Consecutive good frames a capture needs.
const CAPTURE_FRAMES: usize = 3;

fn preview_verdict(r: Option<&FrameResult>) -> PreviewVerdict {
    match r.map(|r| &r.verdict) {
        None => PreviewVerdict::Waiting,
        Some(FrameVerdict::NoFace) => PreviewVerdict::NoFace,
        Some(FrameVerdict::Pass) => PreviewVerdict::Pass,
        Some(FrameVerdict::Refused(why)) => PreviewVerdict::Refused {
            code: why.code().to_string(),
            hint_zh: why.hint_zh().to_string(),
            hint_en: why.hint_en().to_string(),
            text: why.to_string(),
        },
    }
}

/// The embeddings of `CAPTURE_FRAMES` consecutive passing frames numbered above `after` in
/// `recent`, or the latest refusal among them.
fn consecutive_passes(
    recent: &std::collections::VecDeque<FrameResult>,
    after: u64,
) -> Result<Vec<PassedFace>, Option<String>> {
    let mut run: Vec<PassedFace> = Vec::new();
    let mut last_frame = None;
    let mut why = None;
    for r in recent.iter().filter(|r| r.frame > after) {
        let follows = last_frame.is_some_and(|f: u64| r.frame == f + 1);
        last_frame = Some(r.frame);
        match (&r.verdict, &r.passed) {
            (FrameVerdict::Pass, Some(e)) => {
                if !follows {
                    run.clear();
                }
                run.push(e.clone());
                if run.len() == CAPTURE_FRAMES {
                    return Ok(run);
                }
            }
            (FrameVerdict::Refused(r), _) => {
                run.clear();
                why = Some(format!("{r} ({})", r.hint_zh()));
            }
            _ => {
                run.clear();
                why = Some(format!(
                    "{} ({})",
                    Rejection::NoFace,
                    Rejection::NoFace.hint_zh()
                ));
            }
        }
    }
    Err(why)
}

/// Where the console's enrolment models come from.
enum VisionSlot {
    /// The running daemon's (shared with its recognise stage).
    Daemon(Arc<Mutex<Vision>>),
    /// Loaded by this console on its first enrolment (`hallclock console` alone).
    Own(Box<Mutex<Option<Vision>>>),
}

/// The port over the configured database (and, lazily, the models for enrolment).
pub struct StoreConsole {
    config: Config,
    store: Mutex<Store>,
    /// The models for enrolment: the daemon's own inside `hallclock run` (one copy in the
    /// process), else loaded on the first enrolment.
    vision: VisionSlot,
    clock: Box<dyn ClockTrust>,
    telemetry: Option<Arc<Telemetry>>,
    /// The daemon's reload flag (the one SIGHUP sets), when the console runs inside `run`.
    gallery_reload: Option<Arc<AtomicBool>>,
    /// The door camera's preview slot, when the console runs inside `run`.
    preview: Option<Arc<DoorPreview>>,
    /// The daemon's facts reload flag, when the console runs inside `run`.
    facts_reload: Option<Arc<AtomicBool>>,
    /// `doctor`'s last checks: they load the models, too heavy to repeat on every page view.
    checked: Mutex<Option<(std::time::Instant, Vec<CheckLine>)>>,
}

/// How long the status page shows the same `doctor` checks.
const DOCTOR_FRESH: Duration = Duration::from_secs(120);

fn failed(e: impl std::fmt::Display) -> ConsoleError {
    ConsoleError::Failed(e.to_string())
}

/// The enrolment form's "same person enrolled again" field (the id typed to confirm whose face
/// data is erased) as the duplicate policy.
fn duplicates(same_person: Option<&str>) -> DuplicateFaces<'_> {
    match same_person.map(str::trim).filter(|t| !t.is_empty()) {
        Some(typed) => DuplicateFaces::SamePersonTyped(typed),
        None => DuplicateFaces::Refuse,
    }
}

/// A shared operation's error, by its kind: the user's is shown to them, ours is a failure.
fn by_kind(e: AppError) -> ConsoleError {
    match e {
        AppError::Refused(message) => ConsoleError::Refused(message),
        e @ AppError::Failed(_) => ConsoleError::Failed(e.chain()),
    }
}

fn meeting_line(m: &Meeting) -> MeetingLine {
    let signed: BTreeSet<&StaffId> = m.sign_ins.iter().map(|s| &s.staff).collect();
    MeetingLine {
        title: m.title.clone(),
        start: m.start,
        end: m.end,
        invited: m.invited.len(),
        signed_in: signed.len(),
    }
}

impl StoreConsole {
    /// Opens the database.
    ///
    /// # Errors
    /// When the database cannot be opened.
    pub fn open(config: &Config, telemetry: Option<Arc<Telemetry>>) -> Result<Self, AppError> {
        let clock: Box<dyn ClockTrust> = match config.daemon.clock_check {
            ClockCheck::Kernel => Box::new(KernelClock),
            ClockCheck::Off => Box::new(FixedClock(true)),
        };
        Ok(StoreConsole {
            config: config.clone(),
            store: Mutex::new(open_store(config)?),
            vision: VisionSlot::Own(Box::new(Mutex::new(None))),
            clock,
            telemetry,
            gallery_reload: None,
            preview: None,
            facts_reload: None,
            checked: Mutex::new(None),
        })
    }

    /// Lets enrolments ask the daemon for a gallery reload through `flag` (the flag its
    /// recognise stage checks, as SIGHUP sets it).
    #[must_use]
    pub fn with_gallery_reload(mut self, flag: Arc<AtomicBool>) -> Self {
        self.gallery_reload = Some(flag);
        self
    }

    /// Lets the enrolment page show and capture from the door camera through `slot` (the one
    /// the daemon's recognise stage fills).
    #[must_use]
    pub fn with_preview(mut self, slot: Arc<DoorPreview>) -> Self {
        self.preview = Some(slot);
        self
    }

    /// Uses the daemon's models (shared) or this console's own, loaded on first use. The
    /// daemon's recognise stage skips frames while an enrolment holds them, never waiting.
    fn with_vision<T>(
        &self,
        f: impl FnOnce(&mut Vision) -> Result<T, ConsoleError>,
    ) -> Result<T, ConsoleError> {
        let poisoned = || ConsoleError::Failed("the models lock is poisoned".into());
        match &self.vision {
            VisionSlot::Daemon(shared) => {
                let mut guard = shared.lock().map_err(|_| poisoned())?;
                f(&mut guard)
            }
            VisionSlot::Own(own) => {
                let mut guard = own.lock().map_err(|_| poisoned())?;
                if guard.is_none() {
                    *guard = Some(Vision::load(&self.config).map_err(by_kind)?);
                }
                let Some(vision) = guard.as_mut() else {
                    return Err(ConsoleError::Failed("the models are not loaded".into()));
                };
                f(vision)
            }
        }
    }

    /// Enrols the person of `form` with `enrol` (from photos, or from the door's vectors) and
    /// records their consent in the same hold of the store.
    fn enrol_with_consent(
        &self,
        form: &CaptureRequest,
        by: &Actor,
        enrol: impl FnOnce(&mut Vision, &mut Store, &EnrolInput<'_>) -> Result<Enrolled, AppError>,
    ) -> Result<Enrolment, ConsoleError> {
        let audit = self.audit(
            by,
            "enrol",
            &format!("consent notice {}", form.consent.notice_version),
        );
        let done = self.with_vision(|vision| {
            self.with_store(|store| {
                let input = EnrolInput {
                    id: &form.id,
                    name: form.name.as_deref(),
                    post: form.post.as_deref(),
                    duplicates: duplicates(form.same_person.as_deref()),
                    now: self.config.clock.now(),
                    by: &audit,
                };
                let done = enrol(vision, store, &input).map_err(by_kind)?;
                record_consent(store, &form.id, &form.consent)?;
                Ok(done)
            })
        })?;
        Ok(Enrolment {
            faces: done.faces,
            lookalikes: done.lookalikes,
        })
    }

    /// Tells the daemon's door engine at once about changes to its facts through `flag`.
    #[must_use]
    pub fn with_facts_reload(mut self, flag: Arc<AtomicBool>) -> Self {
        self.facts_reload = Some(flag);
        self
    }

    /// Asks the door (if any) to reload its calendar and posts; passes `result` on.
    fn facts_changed<T>(&self, result: Result<T, ConsoleError>) -> Result<T, ConsoleError> {
        if let (Ok(_), Some(flag)) = (&result, &self.facts_reload) {
            flag.store(true, Ordering::Relaxed);
        }
        result
    }

    /// Enrols with the daemon's models (`hallclock run`) instead of loading a second copy.
    #[must_use]
    pub fn with_shared_vision(mut self, vision: Arc<Mutex<Vision>>) -> Self {
        self.vision = VisionSlot::Daemon(vision);
        self
    }

    fn with_store<T>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, ConsoleError>,
    ) -> Result<T, ConsoleError> {
        let mut guard = self
            .store
            .lock()
            .map_err(|_| ConsoleError::Failed("the store lock is poisoned".into()))?;
        f(&mut guard)
    }

    /// Changes the attendance facts on the store, with the audit line of `action` by `by`, and
    /// has the door reload its facts when the change succeeded.
    fn change_facts<T>(
        &self,
        by: &Actor,
        action: &str,
        change: impl FnOnce(&mut Store, &Audit) -> Result<T, ConsoleError>,
    ) -> Result<T, ConsoleError> {
        let audit = self.audit(by, action, "");
        self.facts_changed(self.with_store(|s| change(s, &audit)))
    }

    /// The audit line of a change `by` makes now (the store writes it with the change).
    fn audit(&self, by: &Actor, action: &str, detail: &str) -> Audit {
        Audit {
            at: self.config.clock.now(),
            actor: by.account.clone(),
            action: action.to_string(),
            detail: detail.to_string(),
            client: by.client.clone(),
        }
    }

    fn month_period(month: Date) -> Period {
        Period {
            first: month,
            last: month.last_of_month(),
        }
    }
}

impl Console for StoreConsole {
    fn account(&self, name: &str) -> Result<Option<Account>, ConsoleError> {
        self.with_store(|s| {
            let Some(a) = s.account(name).map_err(failed)? else {
                return Ok(None);
            };
            let role = Role::parse(&a.role)
                .ok_or_else(|| failed(format!("account {name} has an unknown role {}", a.role)))?;
            Ok(Some(Account {
                name: a.name,
                role,
                password_hash: a.password_hash,
                failed_count: a.failed_count,
                locked_until: a.locked_until,
            }))
        })
    }

    fn count_sign_in(
        &self,
        name: &str,
        client: &str,
        now: Timestamp,
        policy: LockoutPolicy,
    ) -> Result<SignInGate, ConsoleError> {
        self.with_store(|s| {
            s.count_sign_in_attempt(name, client, now, |count, locked| {
                let gate = policy.gate(count, locked, now);
                (gate.count, gate.locked_until, gate)
            })
            .map_err(failed)
        })
    }

    fn sign_in_succeeded(&self, name: &str, client: &str) -> Result<(), ConsoleError> {
        self.with_store(|s| s.clear_sign_in_attempts(name, client).map_err(failed))
    }

    fn start_session(
        &self,
        token_sha256: &str,
        account: &str,
        csrf: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), ConsoleError> {
        self.with_store(|s| {
            s.create_session(token_sha256, account, csrf, now, expires_at)
                .map_err(failed)
        })
    }

    fn session(
        &self,
        token_sha256: &str,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Option<SessionInfo>, ConsoleError> {
        self.with_store(|s| {
            Ok(s.session(token_sha256, now, idle_since)
                .map_err(failed)?
                .and_then(|r| {
                    Role::parse(&r.role).map(|role| SessionInfo {
                        account: r.account,
                        role,
                        csrf: r.csrf,
                    })
                }))
        })
    }

    fn end_session(&self, token_sha256: &str) -> Result<(), ConsoleError> {
        self.with_store(|s| s.end_session(token_sha256).map_err(failed))
    }

    fn audit(
        &self,
        at: Timestamp,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), ConsoleError> {
        self.with_store(|s| {
            s.record_audit(&Audit {
                at,
                actor: actor.to_string(),
                action: action.to_string(),
                detail: detail.to_string(),
                client: String::new(),
            })
            .map_err(failed)
        })
    }

    fn audit_log(
        &self,
        view: AuditView,
        page: usize,
        per_page: usize,
    ) -> Result<(Vec<AuditLine>, bool), ConsoleError> {
        let filter = match view {
            AuditView::Changes => AuditFilter::Changes,
            AuditView::SignIns => AuditFilter::SignIns,
            AuditView::All => AuditFilter::All,
        };
        self.with_store(|s| {
            let (lines, more) = s.audit_page(filter, page, per_page).map_err(failed)?;
            Ok((
                lines
                    .into_iter()
                    .map(|(a, client)| AuditLine {
                        at: a.at,
                        actor: a.actor,
                        action: a.action,
                        detail: a.detail,
                        client,
                    })
                    .collect(),
                more,
            ))
        })
    }

    fn staff(&self) -> Result<Vec<StaffLine>, ConsoleError> {
        let sha = current_embedder_sha(&self.config).unwrap_or_default();
        self.with_store(|s| {
            let departments = s.departments().map_err(failed)?;
            Ok(s.list_staff(&sha)
                .map_err(failed)?
                .into_iter()
                .map(|l| StaffLine {
                    department: departments.get(&l.staff.staff_id).cloned(),
                    id: l.staff.staff_id,
                    name: l.staff.name,
                    post: l.staff.post,
                    active: l.staff.active,
                    faces: l.embeddings,
                })
                .collect())
        })
    }

    fn names(&self) -> Result<std::collections::BTreeMap<StaffId, String>, ConsoleError> {
        self.with_store(|s| Ok(people::people(s).map_err(by_kind)?.into_iter().collect()))
    }

    fn find_staff(&self, typed: &str) -> Result<StaffId, ConsoleError> {
        self.with_store(|s| people::resolve_staff(s, typed).map_err(by_kind))
    }

    fn spoofs(&self, month: Date) -> Result<Vec<web::SpoofView>, ConsoleError> {
        let zone = &self.config.rules.engine.schedule.zone;
        let next = month
            .last_of_month()
            .tomorrow()
            .map_err(|e| ConsoleError::Refused(e.to_string()))?;
        let from = crate::app::attendance::day_start(zone, month).map_err(by_kind)?;
        let until = crate::app::attendance::day_start(zone, next).map_err(by_kind)?;
        self.with_store(|s| {
            let names: std::collections::BTreeMap<StaffId, String> = s
                .list_staff("")
                .map_err(failed)?
                .into_iter()
                .map(|l| (l.staff.staff_id, l.staff.name))
                .collect();
            Ok(s.spoof_lines(from, until)
                .map_err(failed)?
                .into_iter()
                .map(|l| web::SpoofView {
                    name: names.get(&l.staff).cloned().unwrap_or_default(),
                    staff: l.staff,
                    at: l.at,
                    device: l.device,
                    refused: l.outcome == crate::store::SpoofOutcome::Refused,
                    live_score: l.live_score,
                    reasons: l.reasons,
                    evidence: l.evidence,
                })
                .collect())
        })
    }

    fn evidence(&self, file: &str) -> Result<Option<Vec<u8>>, ConsoleError> {
        self.with_store(|s| s.evidence_jpeg(file).map_err(failed))
    }

    fn enrol(&self, request: EnrolRequest, by: &Actor) -> Result<Enrolment, ConsoleError> {
        let EnrolRequest {
            id,
            name,
            post,
            photos,
            consent,
            same_person,
        } = request;
        let form = CaptureRequest {
            id,
            name,
            post,
            consent,
            same_person,
        };
        // Decoded from memory, one photo at a time: no face image is written anywhere.
        let photos: Vec<PhotoInput<'_>> = photos
            .iter()
            .map(|p| PhotoInput::Memory {
                name: &p.name,
                bytes: &p.bytes,
            })
            .collect();
        let keep_images = self.config.store.keep_face_images;
        self.enrol_with_consent(&form, by, |vision, store, input| {
            enrol(vision, store, input, &photos, keep_images)
        })
    }

    fn deactivate(&self, id: &StaffId, typed: &str, by: &Actor) -> Result<usize, ConsoleError> {
        people::check_typed_id(id, typed).map_err(by_kind)?;
        let audit = self.audit(by, "deactivate", &format!("{id}: face data erased"));
        self.with_store(|s| s.remove_staff(id, &audit).map_err(|e| by_kind(e.into())))
    }

    fn leaves(&self, month: Date) -> Result<Vec<LeaveLine>, ConsoleError> {
        let summer = self.config.rules.summer;
        self.with_store(|s| {
            let calendar = s.calendar(summer).map_err(failed)?;
            let records = s
                .leaves(None, Some((month, month.last_of_month())))
                .map_err(failed)?;
            let names: std::collections::BTreeMap<StaffId, String> =
                people::people(s).map_err(by_kind)?.into_iter().collect();
            Ok(records
                .into_iter()
                .map(|r| LeaveLine {
                    id: r.leave.id,
                    name: names.get(&r.leave.staff).cloned().unwrap_or_default(),
                    reason: r.reason,
                    from_centre: r.centre_id.is_some(),
                    half_days: r.leave.working_half_days(&calendar),
                    staff: r.leave.staff,
                    kind: r.leave.kind,
                    first: r.leave.first,
                    last: r.leave.last,
                    cover: r.leave.cover,
                    approval_required: r.approval_required,
                    approved: r.approval.map(|a| (a.level, a.by)),
                    closed: r.leave.closed_at.is_some(),
                })
                .collect())
        })
    }

    fn add_leave(
        &self,
        form: &LeaveForm,
        now: Timestamp,
        by: &Actor,
    ) -> Result<LeaveAdded, ConsoleError> {
        self.facts_changed(self.with_store(|s| {
            let (id, half_days, level) = record_leave(
                &self.config,
                s,
                new_leave(form),
                now,
                &self.audit(by, "leave-add", ""),
            )
            .map_err(by_kind)?;
            Ok(LeaveAdded {
                id,
                half_days,
                approval_required: level,
            })
        }))
    }

    fn edit_leave(
        &self,
        id: LeaveId,
        form: &LeaveForm,
        by: &Actor,
    ) -> Result<LeaveAdded, ConsoleError> {
        self.change_facts(by, "leave-edit", |s, audit| {
            let (half_days, level) =
                edit_leave(&self.config, s, id, new_leave(form), audit).map_err(by_kind)?;
            Ok(LeaveAdded {
                id,
                half_days,
                approval_required: level,
            })
        })
    }

    fn cancel_leave(&self, id: LeaveId, now: Timestamp, by: &Actor) -> Result<(), ConsoleError> {
        self.change_facts(by, "leave-cancel", |s, audit| {
            cancel_leave(s, id, now, audit).map_err(by_kind)
        })
    }

    fn close_leave(
        &self,
        id: LeaveId,
        back: HalfDay,
        now: Timestamp,
        by: &Actor,
    ) -> Result<HalfDay, ConsoleError> {
        self.change_facts(by, "leave-close", |s, audit| {
            close_leave_on(s, id, back, now, audit).map_err(by_kind)
        })
    }

    fn approve_leave(
        &self,
        id: LeaveId,
        by: &Actor,
        certified_by: Option<String>,
        now: Timestamp,
    ) -> Result<ApprovalLevel, ConsoleError> {
        self.change_facts(by, "leave-approve", |s, audit| {
            approve_leave_checked(
                &self.config,
                s,
                id,
                None,
                &by.account,
                certified_by,
                now,
                audit,
            )
            .map_err(by_kind)
        })
    }

    fn report(&self, query: &ReportQuery, now: Timestamp) -> Result<Report, ConsoleError> {
        let today = self.config.rules.engine.schedule.to_civil(now).date();
        let span = span_parts(query.span, today).map_err(by_kind)?;
        self.with_store(|s| {
            let mut only: Option<BTreeSet<StaffId>> = None;
            if let Some(id) = &query.staff {
                only = Some([id.clone()].into());
            }
            if let Some(department) = &query.department {
                let members =
                    people::members_of(department, &people::departments(s).map_err(by_kind)?)
                        .map_err(by_kind)?;
                only = Some(match only {
                    Some(o) => o.intersection(&members).cloned().collect(),
                    None => members,
                });
            }
            if let Some(post) = &query.post {
                let mut holders: BTreeSet<StaffId> = BTreeSet::new();
                for p in s.posts().map_err(failed)? {
                    if p.id.to_string() == *post {
                        holders.insert(p.holder);
                        holders.insert(p.backup);
                    }
                }
                for l in s.list_staff("").map_err(failed)? {
                    if l.staff.post.as_deref() == Some(post.as_str()) {
                        holders.insert(l.staff.staff_id);
                    }
                }
                only = Some(match only {
                    Some(o) => o.intersection(&holders).cloned().collect(),
                    None => holders,
                });
            }
            report_for(s, &self.config, &span, now, only.as_ref()).map_err(by_kind)
        })
    }

    fn person_month(
        &self,
        staff: &StaffId,
        month: Date,
        now: Timestamp,
    ) -> Result<Vec<CalendarDay>, ConsoleError> {
        let period = Self::month_period(month);
        self.with_store(|s| {
            if s.staff(staff).map_err(failed)?.is_none() {
                return Err(ConsoleError::Refused(format!(
                    "no staff member with id {staff}"
                )));
            }
            let facts = load_facts(s, &self.config, period).map_err(by_kind)?;
            let attendance =
                classify(&self.config.rules.engine, &facts.facts(), period, now).map_err(failed)?;
            let today = self.config.rules.engine.schedule.to_civil(now).date();
            Ok(attendance
                .days
                .iter()
                .filter(|d| &d.staff == staff)
                .map(|d| not_yet(calendar_day(d.date, &d.verdict), today))
                .collect())
        })
    }

    fn amend(&self, amendment: &Amendment, now: Timestamp, by: &Actor) -> Result<(), ConsoleError> {
        check_correction_time(&self.config.rules.engine.schedule, amendment, now)
            .map_err(by_kind)?;
        let audit = self.audit(by, "amend", &amendment_detail(amendment));
        self.with_store(|s| {
            s.amend_punch(amendment, now, &audit)
                .map(|_| ())
                .map_err(|e| by_kind(e.into()))
        })
    }

    fn sheet(
        &self,
        period: Period,
        only: Option<&StaffId>,
        now: Timestamp,
    ) -> Result<Sheet, ConsoleError> {
        self.with_store(|s| sheet_for(s, &self.config, period, only, now).map_err(by_kind))
    }

    fn today(&self, now: Timestamp) -> Result<(Board, Sheet), ConsoleError> {
        self.with_store(|s| today_for(s, &self.config, now).map_err(by_kind))
    }

    fn day_punches(&self, staff: &StaffId, date: Date) -> Result<Vec<DayPunch>, ConsoleError> {
        self.with_store(|s| punches_of_day(s, &self.config, staff, date).map_err(by_kind))
    }

    fn status(&self) -> Result<StatusView, ConsoleError> {
        let sha = current_embedder_sha(&self.config).unwrap_or_default();
        let trusted = self.clock.status().trusted;
        let last_upload = self.telemetry.as_ref().and_then(|t| t.last_upload());
        self.with_store(|s| {
            let counts = s.outbox_counts().map_err(failed)?;
            let now = self.config.clock.now();
            let mut recent: Vec<(StaffId, Timestamp)> = s
                .punches_between(now - SignedDuration::from_hours(24), now, None)
                .map_err(failed)?
                .into_iter()
                .map(|r| (r.punch.staff, r.punch.at))
                .collect();
            recent.reverse();
            recent.truncate(20);
            let enrolled = s
                .list_staff(&sha)
                .map_err(failed)?
                .iter()
                .filter(|l| l.staff.active && l.embeddings > 0)
                .count();
            Ok(StatusView {
                clock_trusted: trusted,
                clock_checked: self.config.daemon.clock_check == ClockCheck::Kernel,
                outbox_pending: counts.pending,
                outbox_parked: counts.parked,
                oldest_pending: counts.oldest_pending,
                last_upload,
                enrolled_people: enrolled,
                schema_version: s.schema_version().map_err(failed)?,
                recent,
            })
        })
    }

    fn doctor(&self) -> Result<Vec<CheckLine>, ConsoleError> {
        let mut cached = self
            .checked
            .lock()
            .map_err(|_| ConsoleError::Failed("the doctor cache lock is poisoned".into()))?;
        if let Some((at, lines)) = cached.as_ref() {
            if at.elapsed() < DOCTOR_FRESH {
                return Ok(lines.clone());
            }
        }
        // The camera is the daemon's while it runs: the console never opens it.
        let loaded = match &self.vision {
            VisionSlot::Daemon(shared) => shared.lock().ok().map(|v| v.model_name.clone()),
            VisionSlot::Own(_) => None,
        };
        let lines: Vec<CheckLine> = doctor::checks_with(&self.config, false, loaded.as_deref())
            .into_iter()
            .map(|(name, outcome)| {
                let (state, detail) = match outcome {
                    Outcome::Ok(d) => (CheckState::Ok, d),
                    Outcome::Warning(d) => (CheckState::Warning, d),
                    Outcome::Failed(d) => (CheckState::Failed, d),
                    Outcome::Skipped(d) => (CheckState::Skipped, d),
                };
                CheckLine {
                    name: name.to_string(),
                    state,
                    detail,
                }
            })
            .collect();
        *cached = Some((std::time::Instant::now(), lines.clone()));
        Ok(lines)
    }

    fn posts(&self) -> Result<Vec<PostLine>, ConsoleError> {
        self.with_store(|s| Ok(post_lines(s.posts().map_err(failed)?)))
    }

    fn retired_posts(&self) -> Result<Vec<PostLine>, ConsoleError> {
        self.with_store(|s| Ok(post_lines(s.retired_posts().map_err(failed)?)))
    }

    fn retire_post(&self, post: &str, now: Timestamp, by: &Actor) -> Result<(), ConsoleError> {
        self.change_facts(by, "post-retire", |s, audit| {
            retire_post(s, post, now, audit).map_err(by_kind)
        })
    }

    fn set_post(&self, post: &PostLine, now: Timestamp, by: &Actor) -> Result<(), ConsoleError> {
        self.change_facts(by, "post-set", |s, audit| {
            set_post_checked(
                s,
                &post.post,
                post.holder.clone(),
                post.backup.clone(),
                now,
                audit,
            )
            .map(|_| ())
            .map_err(by_kind)
        })
    }

    fn duty(&self, month: Date) -> Result<Vec<DutyLine>, ConsoleError> {
        let period = Self::month_period(month);
        self.with_store(|s| {
            let facts = load_facts(s, &self.config, period).map_err(by_kind)?;
            let mut lines: Vec<DutyLine> = facts
                .roster
                .entries()
                .iter()
                .filter(|e| period.first <= e.date && e.date <= period.last)
                .map(|e| DutyLine {
                    date: e.date,
                    staff: e.staff.clone(),
                    name: facts.names.get(&e.staff).cloned().unwrap_or_default(),
                    morning: e.sessions.contains(Session::Morning),
                    afternoon: e.sessions.contains(Session::Afternoon),
                })
                .collect();
            lines.sort_by(|a, b| (a.date, &a.staff).cmp(&(b.date, &b.staff)));
            Ok(lines)
        })
    }

    fn import_duty(&self, csv: &str, by: &Actor) -> Result<DutyImport, ConsoleError> {
        self.change_facts(by, "duty-import", |s, audit| {
            import_duty_text(s, &self.config, csv, audit).map_err(by_kind)
        })
    }

    fn holidays(&self, year: i16) -> Result<Vec<HolidayLine>, ConsoleError> {
        let first = Date::new(year, 1, 1).map_err(|e| ConsoleError::Refused(e.to_string()))?;
        self.with_store(|s| {
            let calendar = s.calendar(self.config.rules.summer).map_err(failed)?;
            let mut out = Vec::new();
            let mut day = first;
            while day.year() == year {
                let holiday = match calendar.day_kind(day) {
                    DayKind::Holiday => Some(true),
                    DayKind::MakeUpWorkday => Some(false),
                    _ => None,
                };
                if let Some(holiday) = holiday {
                    out.push(HolidayLine {
                        date: day,
                        name: calendar.day_name(day).unwrap_or_default().to_string(),
                        holiday,
                    });
                }
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => break,
                }
            }
            Ok(out)
        })
    }

    fn import_calendar(&self, text: &str, by: &Actor) -> Result<CalendarImport, ConsoleError> {
        self.change_facts(by, "calendar-import", |s, audit| {
            import_calendar_text(s, &self.config, text, audit).map_err(by_kind)
        })
    }

    fn meetings(&self, month: Date) -> Result<Vec<MeetingLine>, ConsoleError> {
        let period = Self::month_period(month);
        let zone = &self.config.rules.engine.schedule;
        self.with_store(|s| {
            let facts = load_facts(s, &self.config, period).map_err(by_kind)?;
            Ok(facts
                .meetings
                .iter()
                .filter(|m| {
                    let d = zone.to_civil(m.start).date();
                    period.first <= d && d <= period.last
                })
                .map(meeting_line)
                .collect())
        })
    }

    fn record_meeting(&self, form: &MeetingForm, by: &Actor) -> Result<MeetingLine, ConsoleError> {
        let audit = self.audit(by, "meeting-record", "");
        self.with_store(|s| {
            let (_, meeting) = record_meeting_text(
                s,
                &self.config,
                &MeetingText {
                    title: &form.title,
                    start: &form.start,
                    end: &form.end,
                    invite: &form.invite,
                    sign_in: &form.sign_in,
                },
                &audit,
            )
            .map_err(by_kind)?;
            Ok(meeting_line(&meeting))
        })
    }

    fn preview(&self) -> Result<Option<PreviewFrame>, ConsoleError> {
        let Some(slot) = &self.preview else {
            return Ok(None);
        };
        let p = slot
            .snapshot()
            .ok_or_else(|| ConsoleError::Failed("the preview lock is poisoned".into()))?;
        Ok(Some(PreviewFrame {
            frame: p.frame,
            jpeg: p.jpeg.clone(),
            verdict: preview_verdict(p.latest()),
        }))
    }

    fn capture(&self, request: CaptureRequest, by: &Actor) -> Result<Enrolment, ConsoleError> {
        let Some(slot) = &self.preview else {
            return Err(ConsoleError::Refused(
                "no camera here: this console runs without the door daemon (hallclock console); capture from the camera at the console of hallclock run, or upload photos".into(),
            ));
        };
        let _waiting = slot.capture_waiting();
        let start = slot.snapshot().map(|p| p.frame).unwrap_or(0);
        let deadline = std::time::Instant::now() + CAPTURE_TIMEOUT;
        let mut why: Option<String> = None;
        // Results the slot has already dropped are kept here, so a slow poll misses nothing.
        let mut seen: std::collections::VecDeque<FrameResult> = std::collections::VecDeque::new();
        let vectors = loop {
            if let Some(p) = slot.snapshot() {
                for r in p.recent {
                    if r.frame > start && seen.back().is_none_or(|l| r.frame > l.frame) {
                        seen.push_back(r);
                    }
                }
                while seen.len() > 4 * CAPTURE_FRAMES {
                    seen.pop_front();
                }
                match consecutive_passes(&seen, start) {
                    Ok(v) => break v,
                    Err(Some(w)) => why = Some(w),
                    Err(None) => {}
                }
            }
            if std::time::Instant::now() >= deadline {
                return Err(ConsoleError::Refused(format!(
                    "no {CAPTURE_FRAMES} good frames in a row from the door camera in {} s; last refusal: {}",
                    CAPTURE_TIMEOUT.as_secs(),
                    why.as_deref().unwrap_or("no frame processed")
                )));
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let keep = self.config.store.keep_face_images;
        let live_scores: Vec<f32> = vectors.iter().filter_map(|v| v.live_score).collect();
        let mut faces = Vec::with_capacity(vectors.len());
        for v in vectors {
            let jpeg = match (&v.crop, keep) {
                (Some(crop), true) => Some(encode_jpeg(crop).map_err(failed)?),
                _ => None,
            };
            faces.push(FaceVector {
                vector: v.vector,
                sharpness: v.sharpness,
                jpeg,
            });
        }
        let done = self.enrol_with_consent(&request, by, |vision, store, input| {
            enrol_embeddings(vision, store, input, &faces, "door camera")
        })?;
        // The live scores of these captures are bona fide samples of this camera (calibration).
        self.with_store(|store| {
            keep_bona_fide_samples(store, &request.id, &live_scores, self.config.clock.now())
        })?;
        Ok(done)
    }

    fn reload_gallery(&self) -> Result<bool, ConsoleError> {
        Ok(match &self.gallery_reload {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        })
    }

    fn zone(&self) -> TimeZone {
        self.config.rules.engine.schedule.zone.clone()
    }

    fn hall_name(&self) -> String {
        self.config
            .hall_name
            .clone()
            .unwrap_or_else(|| "政务服务中心".to_string())
    }
}

/// Keeps the live scores of an enrolment's captures from the door camera as bona fide samples of
/// this camera (issue 11: what `eval-liveness --from-db` calibrates on).
fn keep_bona_fide_samples(
    store: &mut Store,
    id: &StaffId,
    scores: &[f32],
    now: Timestamp,
) -> Result<(), ConsoleError> {
    let samples: Vec<LivenessSample> = scores
        .iter()
        .map(|&model_score| LivenessSample {
            kind: SampleKind::Live,
            source: SampleSource::Enrolment,
            staff: Some(id.clone()),
            model_score,
            at: now,
        })
        .collect();
    store.record_liveness_samples(&samples, now).map_err(failed)
}

fn session_mark(o: &SessionOutcome) -> (SessionMark, bool) {
    match o {
        SessionOutcome::Pending { .. } => (SessionMark::Pending, false),
        SessionOutcome::OnLeave { .. } => (SessionMark::Leave, false),
        SessionOutcome::Missed { .. } => (SessionMark::Missing, false),
        SessionOutcome::Absent { .. } => (SessionMark::Absent, false),
        SessionOutcome::Attended {
            clock_in,
            clock_out,
        } => {
            let amended = [clock_in, clock_out]
                .iter()
                .any(|m| matches!(m, Some(m) if matches!(m.source, MarkSource::Amendment { .. })));
            let mark = match (clock_in, clock_out) {
                (None, _) | (_, None) => SessionMark::Missing,
                (Some(i), _) if matches!(i.verdict, Verdict::Late { .. }) => SessionMark::Late,
                (_, Some(o)) if matches!(o.verdict, Verdict::Early { .. }) => SessionMark::Early,
                _ => SessionMark::OnTime,
            };
            (mark, amended)
        }
    }
}

/// The leave a console form describes (the level it needs is set when it is recorded).
fn new_leave(form: &LeaveForm) -> NewLeave {
    NewLeave {
        staff: form.staff.clone(),
        kind: form.kind,
        first: form.first,
        last: form.last,
        cover: form.cover.clone(),
        reason: form.reason.clone().unwrap_or_default(),
        approval_required: ApprovalLevel::InspectionOffice,
    }
}

/// Window posts as the console lists them.
fn post_lines(posts: Vec<crate::core::leave::Post>) -> Vec<PostLine> {
    posts
        .into_iter()
        .map(|p| PostLine {
            post: p.id.to_string(),
            holder: p.holder,
            backup: p.backup,
        })
        .collect()
}

/// A calendar day as of `today`: a day to come is 未到, and of today's sessions still pending
/// only the first (the one open now, or next) is 待定; the later one is 未到.
fn not_yet(day: CalendarDay, today: Date) -> CalendarDay {
    match day {
        CalendarDay::Working {
            date,
            morning,
            afternoon,
            amended,
        } if date > today
            || (date == today
                && morning == SessionMark::Pending
                && afternoon == SessionMark::Pending) =>
        {
            CalendarDay::Working {
                date,
                morning: if date > today && morning == SessionMark::Pending {
                    SessionMark::NotYet
                } else {
                    morning
                },
                afternoon: if afternoon == SessionMark::Pending {
                    SessionMark::NotYet
                } else {
                    afternoon
                },
                amended,
            }
        }
        day => day,
    }
}

fn calendar_day(date: Date, v: &DayVerdict) -> CalendarDay {
    match v {
        DayVerdict::NotEnrolled => CalendarDay::NotJudged { date },
        DayVerdict::DayOff => CalendarDay::DayOff { date },
        DayVerdict::Duty(o) => CalendarDay::Duty {
            date,
            done: match o {
                DutyOutcome::Pending => None,
                DutyOutcome::Done => Some(true),
                DutyOutcome::Missed => Some(false),
            },
        },
        DayVerdict::Working { morning, afternoon } => {
            let (m, a1) = session_mark(morning);
            let (a, a2) = session_mark(afternoon);
            CalendarDay::Working {
                date,
                morning: m,
                afternoon: a,
                amended: a1 || a2,
            }
        }
        DayVerdict::Absent { .. } => CalendarDay::Working {
            date,
            morning: SessionMark::Absent,
            afternoon: SessionMark::Absent,
            amended: false,
        },
    }
}

/// Binds the console's address (a failure here is a start-up error).
///
/// # Errors
/// When the address cannot be bound.
pub async fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, AppError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .failed_while(|| format!("binding the web console on {addr} (console.listen)"))
}

/// Serves the console until `cancel` fires: HTTPS when `[console]` names TLS files, else HTTP.
/// Each connection has `header-timeout-secs` to send a request's head (and is closed after as
/// long idle between requests), each request `request-timeout-secs` for its body and answer;
/// beyond `max_connections` open connections, new ones are closed at once.
///
/// # Errors
/// When the database or the TLS files cannot be opened, or serving fails.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    telemetry: Option<Arc<Telemetry>>,
    daemon: Option<DaemonLink>,
    cancel: CancellationToken,
) -> Result<(), AppError> {
    let settings = config.console.web.clone();
    let clock = Arc::new(config.clock);
    let tls = tls_config(&config)?;
    let guard_settings = settings.clone();
    let (console, guard) = tokio::task::spawn_blocking(move || {
        let console = StoreConsole::open(&config, telemetry)?;
        let guard = Guard::new(&guard_settings.guard_limits())
            .failed_while(|| "preparing the sign-in checks".into())?;
        Ok::<_, AppError>((console, guard))
    })
    .await
    .failed_while(|| "opening the console's database".into())??;
    let console = match daemon {
        Some(link) => {
            let console = console
                .with_gallery_reload(link.gallery_reload)
                .with_shared_vision(link.vision)
                .with_facts_reload(link.facts_reload);
            match link.preview {
                Some(slot) => console.with_preview(slot),
                None => console,
            }
        }
        None => console,
    };
    let limits = settings.server_limits();
    let header_timeout = limits.header_timeout;
    let app = web::router(AppState {
        console: Arc::new(console),
        settings: Arc::new(settings),
        guard: Arc::new(guard),
        clock,
    });
    let Some(tls) = tls else {
        hallclock_web::serve::serve_http(listener, app, limits, cancel).await;
        return Ok(());
    };
    let listener = listener
        .into_std()
        .failed_while(|| "handing the console's socket to the TLS server".into())?;
    let handle = axum_server::Handle::new();
    let stop = handle.clone();
    tokio::spawn(async move {
        cancel.cancelled().await;
        stop.graceful_shutdown(Some(Duration::from_secs(2)));
    });
    let mut server = axum_server::from_tcp_rustls(
        listener,
        axum_server::tls_rustls::RustlsConfig::from_config(tls),
    )
    .failed_while(|| "serving the web console over TLS".into())?
    .handle(handle);
    server
        .http_builder()
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout);
    server
        .serve(app.into_make_service_with_connect_info::<SocketAddr>())
        .await
        .failed_while(|| "serving the web console over TLS".into())
}

/// The console's runtime: two workers and a few blocking threads for the store and the password
/// checks. `hallclock console` serves on one; the door, on one of its own threads
/// ([`spawn_own_runtime`]).
///
/// # Errors
/// When the runtime cannot be built.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .thread_name("hallclock-console")
        .enable_all()
        .build()
}

/// Runs the console on a small runtime of its own, on threads of its own (two workers, a few
/// blocking threads for the store and the password checks), so that nothing a browser does can
/// delay the door's stages or its watchdog. Returns the thread; it ends when `cancel` fires.
///
/// # Errors
/// When the thread or its runtime cannot be started.
pub fn spawn_own_runtime(
    config: Config,
    listener: std::net::TcpListener,
    telemetry: Option<Arc<Telemetry>>,
    daemon: Option<DaemonLink>,
    cancel: CancellationToken,
) -> Result<std::thread::JoinHandle<()>, AppError> {
    let rt = runtime().failed_while(|| "starting the console's runtime".into())?;
    std::thread::Builder::new()
        .name("hallclock-console".into())
        .spawn(move || {
            let result = rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener)
                    .failed_while(|| "handing the console's socket to its runtime".into())?;
                serve(config, listener, telemetry, daemon, cancel).await
            });
            if let Err(e) = result {
                tracing::error!(error = e.chain(), "The web console stopped.");
            }
            rt.shutdown_timeout(Duration::from_secs(1));
        })
        .failed_while(|| "starting the console's thread".into())
}

/// The TLS settings from `[console] tls-cert` and `tls-key` (rustls with ring), or none.
///
/// # Errors
/// When a file cannot be read or holds no certificate or key, or they do not match.
pub fn tls_config(config: &Config) -> Result<Option<Arc<rustls::ServerConfig>>, AppError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let Some(files) = &config.console.tls else {
        return Ok(None);
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| e.to_string())
        .failed_while(|| {
            format!(
                "reading the console's certificate {} (console.tls-cert)",
                files.cert.display()
            )
        })?;
    if certs.is_empty() {
        return Err(AppError::failed_because(format!(
            "console.tls-cert {}: expected a PEM certificate, found none",
            files.cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| e.to_string())
        .failed_while(|| {
            format!(
                "reading the console's private key {} (console.tls-key)",
                files.key.display()
            )
        })?;
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .failed_while(|| "choosing TLS versions".into())?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .failed_while(|| {
        "console.tls-cert and console.tls-key: expected a certificate and its own key".into()
    })?;
    Ok(Some(Arc::new(server)))
}

/// Keeps the consent an enrolment was made under (who, when, which notice, recorded by whom).
fn record_consent(
    store: &mut Store,
    staff: &StaffId,
    consent: &web::Consent,
) -> Result<(), ConsoleError> {
    store
        .record_consent(&ConsentRecord {
            staff: staff.clone(),
            consented_at: consent.consented_at,
            notice_version: consent.notice_version.clone(),
            recorded_by: consent.recorded_by.clone(),
        })
        .map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn pass(frame: u64) -> FrameResult {
        FrameResult {
            frame,
            verdict: FrameVerdict::Pass,
            passed: Some(PassedFace {
                vector: vec![frame as f32],
                sharpness: 1.0,
                crop: None,
                live_score: None,
            }),
        }
    }

    fn dark(frame: u64) -> FrameResult {
        FrameResult {
            frame,
            verdict: FrameVerdict::Refused(Rejection::TooDark {
                brightness: 20.0,
                min: 60.0,
            }),
            passed: None,
        }
    }

    fn frames(of: Vec<FrameResult>) -> Result<Vec<f32>, Option<String>> {
        let recent: VecDeque<FrameResult> = of.into();
        consecutive_passes(&recent, 10).map(|v| v.iter().map(|p| p.vector[0]).collect())
    }

    #[test]
    fn a_capture_needs_three_passing_frames_in_a_row_after_it_started() {
        assert_eq!(
            frames(vec![pass(11), pass(12), pass(13)]),
            Ok(vec![11.0, 12.0, 13.0])
        );
        // Frames from before the capture do not count.
        assert_eq!(
            frames(vec![pass(9), pass(10), pass(11), pass(12)]),
            Err(None)
        );
        // A refused frame restarts the count and is the reason given.
        let e = frames(vec![pass(11), pass(12), dark(13), pass(14), pass(15)]).unwrap_err();
        assert!(e.is_some_and(|w| w.contains("光线太暗")));
        assert_eq!(
            frames(vec![pass(11), dark(12), pass(13), pass(14), pass(15)]),
            Ok(vec![13.0, 14.0, 15.0])
        );
        // A gap in the numbers (a frame the slot missed) restarts it too.
        assert_eq!(
            frames(vec![pass(11), pass(12), pass(14), pass(15)]),
            Err(None)
        );
    }
}

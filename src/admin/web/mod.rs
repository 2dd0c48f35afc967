//! The admin and supervisor web console (issue 5): sign-in, staff and enrolment, leave, day,
//! month and year reports with downloads, the 断档 list, a person's month as a calendar, punch
//! amendments, window posts, the duty roster, the holiday calendar, meetings, status (with
//! `doctor`'s checks) and the audit log, as server-rendered HTML (Chinese by default, English
//! with `?lang=en`).
//!
//! This is an adapter (HTTP in). It never touches the database, the models or a device: every
//! operation goes through the [`Console`] port, implemented by `app::console`, which joins
//! `store`, `vision` and `admin`. Port calls are blocking and run on `spawn_blocking`. Security
//! decisions (roles here; lock-out, CSRF, password hashes in `hallclock_web`, shared with the
//! centre's pages) are the pure functions of [`security`].
//!
//! Every request goes through [`shield`]: a token bucket per client address (429 beyond it), a
//! time limit for reading the body and answering (408), and the security headers on every
//! answer. Password checks are bounded by the semaphores of [`Guard`] (503 beyond them).

mod amend;
mod audit;
mod calendar;
mod common;
mod enrol;
mod hall;
pub mod html;
pub mod i18n;
mod leave;
mod report;
pub mod security;
mod session;
mod spoofs;
mod staff;
mod status;
mod table;
mod today;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::admin::report::Report;
use crate::admin::sheet::{DayPunch, Sheet};
use crate::core::ids::StaffId;
use crate::core::leave::{ApprovalLevel, HalfDay, LeaveId, LeaveKind};
use crate::core::rules::{Amendment, Board, Period};

pub use hallclock_web::{ClientIp, Guard, GuardLimits, ServerLimits};
pub use security::{LockoutPolicy, Role, SignInGate};

/// A failed port call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConsoleError {
    /// The request was understood and refused; the text is shown to the user.
    #[error("{0}")]
    Refused(String),
    /// Something broke (database, models); logged, and the user sees a generic error.
    #[error("{0}")]
    Failed(String),
}

/// A console account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub failed_count: u32,
    pub locked_until: Option<Timestamp>,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub account: String,
    pub role: Role,
    pub csrf: String,
}

/// One line of the staff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLine {
    pub id: StaffId,
    pub name: String,
    pub post: Option<String>,
    /// The unit the person is seconded from (派驻单位).
    pub department: Option<String>,
    pub active: bool,
    /// Enrolled faces for the current embedder.
    pub faces: usize,
}

/// An uploaded photo (already checked by [`upload::check_photo`]).
#[derive(Debug, Clone)]
pub struct Photo {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The person's consent to face data, recorded with the enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub consented_at: Timestamp,
    pub notice_version: String,
    pub recorded_by: String,
}

/// An enrolment from the console.
#[derive(Debug, Clone)]
pub struct EnrolRequest {
    pub id: StaffId,
    pub name: Option<String>,
    pub post: Option<String>,
    pub photos: Vec<Photo>,
    pub consent: Consent,
    /// The admin confirmed a re-enrolment of the same person under this id by typing the id the
    /// face is enrolled under: a face that matches that id is then accepted, and that id loses
    /// its face data. `None`: a face that matches someone else is refused.
    pub same_person: Option<String>,
}

/// What an enrolment did.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolment {
    pub faces: usize,
    /// Other people the new face already matches, with the similarity.
    pub lookalikes: Vec<(StaffId, f32)>,
}

/// The door camera's latest frame for the enrolment preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewFrame {
    /// Counts up with every frame the daemon processes.
    pub frame: u64,
    /// A small JPEG of a recent frame with the face boxed (none before the first is encoded).
    pub jpeg: Option<Arc<Vec<u8>>>,
    pub verdict: PreviewVerdict,
}

/// The enrolment gate's verdict on the latest frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewVerdict {
    /// Nothing processed yet.
    Waiting,
    NoFace,
    Pass,
    Refused {
        code: String,
        hint_zh: String,
        hint_en: String,
        /// The English description with the measured values.
        text: String,
    },
}

/// An enrolment from the door camera's next good frames: the person and their consent (an
/// upload's [`EnrolRequest`] has the same, and the photos).
#[derive(Debug, Clone)]
pub struct CaptureRequest {
    pub id: StaffId,
    pub name: Option<String>,
    pub post: Option<String>,
    pub consent: Consent,
    /// As [`EnrolRequest::same_person`].
    pub same_person: Option<String>,
}

/// A leave as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveLine {
    pub id: LeaveId,
    pub staff: StaffId,
    /// The person's name, shown beside the id.
    pub name: String,
    pub kind: LeaveKind,
    pub first: HalfDay,
    pub last: HalfDay,
    pub half_days: u32,
    pub cover: Option<StaffId>,
    pub approval_required: ApprovalLevel,
    /// (level, by whom) once approved.
    pub approved: Option<(ApprovalLevel, String)>,
    pub closed: bool,
    pub reason: String,
    /// The centre owns it (it came with the centre's facts): changed there, not here.
    pub from_centre: bool,
}

/// A new leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveForm {
    pub staff: StaffId,
    pub kind: LeaveKind,
    pub first: HalfDay,
    pub last: HalfDay,
    pub cover: Option<StaffId>,
    pub reason: Option<String>,
}

/// A recorded leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveAdded {
    pub id: LeaveId,
    pub half_days: u32,
    pub approval_required: ApprovalLevel,
}

/// Which report: a day, a month (its first day) or a year (month by month up to today).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSpan {
    Day(Date),
    Month(Date),
    Year(i16),
}

/// A report's span and filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportQuery {
    pub span: ReportSpan,
    pub staff: Option<StaffId>,
    /// A window post: its A and B (and whoever's staff record names it).
    pub post: Option<String>,
    /// A department (派驻单位): its people.
    pub department: Option<String>,
}

/// How one session of a person's day is coloured on the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionMark {
    OnTime,
    Late,
    Early,
    Missing,
    Leave,
    Absent,
    Pending,
    /// A day or session still to come (未到): nothing to judge yet.
    NotYet,
}

/// One day of a person's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarDay {
    NotJudged {
        date: Date,
    },
    DayOff {
        date: Date,
    },
    Duty {
        date: Date,
        done: Option<bool>,
    },
    Working {
        date: Date,
        morning: SessionMark,
        afternoon: SessionMark,
        /// Some mark of the day comes from a supervisor's amendment.
        amended: bool,
    },
}

/// The status page's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusView {
    pub clock_trusted: bool,
    /// Whether the clock's synchronisation is asked at all (`daemon.clock-check = "kernel"`);
    /// without it `clock_trusted` is an assumption, shown as "not checked".
    pub clock_checked: bool,
    pub outbox_pending: u64,
    pub outbox_parked: u64,
    pub oldest_pending: Option<Timestamp>,
    pub last_upload: Option<Timestamp>,
    pub enrolled_people: usize,
    pub schema_version: i64,
    /// The latest recognitions: staff id and time only.
    pub recent: Vec<(StaffId, Timestamp)>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLine {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub detail: String,
    /// The client's address (`cli` for the command line; empty before it was recorded).
    pub client: String,
}

/// Which audit lines a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditView {
    /// Changes only (the default): sign-in traffic cannot push them off the page.
    Changes,
    /// Sign-ins, sign-outs and failed sign-ins.
    SignIns,
    All,
}

/// Who makes a change from the console, and from where: the port writes it to the audit log
/// in the change's own transaction (both are kept, or neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account: String,
    /// The client's address as the server saw it.
    pub client: String,
}

/// A window post with its A (holder) and B (backup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostLine {
    pub post: String,
    pub holder: StaffId,
    pub backup: StaffId,
}

/// One duty roster entry (值班).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyLine {
    pub date: Date,
    pub staff: StaffId,
    pub name: String,
    pub morning: bool,
    pub afternoon: bool,
}

/// What a duty roster import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyImport {
    pub entries: usize,
    /// Entries on working days (judged as working days), as `line N (date)`.
    pub on_working_days: Vec<String>,
}

/// A holiday or make-up workday (调休) of the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayLine {
    pub date: Date,
    pub name: String,
    /// A holiday (`true`) or a make-up workday (`false`).
    pub holiday: bool,
}

/// What a holiday file import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarImport {
    pub holidays: usize,
    pub workdays: usize,
    pub summers: usize,
    pub years: Vec<i16>,
}

/// A meeting as entered: times in hall time (`2026-11-05 15:00`), sign-ins as `STAFF=HH:MM`,
/// invitees (none: all active staff).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingForm {
    pub title: String,
    pub start: String,
    pub end: String,
    pub invite: Vec<String>,
    pub sign_in: Vec<String>,
}

/// A suspected spoof at the door (代打卡嫌疑): a flagged punch or a refused attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoofView {
    pub staff: StaffId,
    pub name: String,
    pub at: Timestamp,
    pub device: String,
    /// The door refused it (`refuse` mode); otherwise the punch was kept, flagged.
    pub refused: bool,
    pub live_score: Option<f32>,
    /// `model`, `flat`, `still`, `bezel`, comma-separated.
    pub reasons: String,
    /// The evidence frame's file name, when one is kept on the device (`keep-evidence`).
    pub evidence: Option<String>,
}

/// A recorded meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingLine {
    pub title: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub invited: usize,
    pub signed_in: usize,
}

/// One of `doctor`'s checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    pub name: String,
    pub state: CheckState,
    pub detail: String,
}

/// How a doctor's check came out, as the status page shows it: a skipped check is never "ok".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckState {
    Ok,
    Warning,
    Failed,
    Skipped,
}

/// The operations the console's pages need. Every call blocks (SQLite, inference): the web side
/// runs them on `spawn_blocking`.
pub trait Console: Send + Sync + 'static {
    fn account(&self, name: &str) -> Result<Option<Account>, ConsoleError>;
    /// Counts a sign-in attempt of `name` (an account or not) from `client` before its password
    /// is checked, in one transaction, as [`LockoutPolicy::gate`] decides.
    fn count_sign_in(
        &self,
        name: &str,
        client: &str,
        now: Timestamp,
        policy: LockoutPolicy,
    ) -> Result<SignInGate, ConsoleError>;
    /// Forgets the attempts of `name` from `client`: its password was right.
    fn sign_in_succeeded(&self, name: &str, client: &str) -> Result<(), ConsoleError>;
    /// Starts a session and ends the account's earlier ones.
    fn start_session(
        &self,
        token_sha256: &str,
        account: &str,
        csrf: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), ConsoleError>;
    /// The live session of this token (not expired, used since `idle_since`), marked used.
    fn session(
        &self,
        token_sha256: &str,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Option<SessionInfo>, ConsoleError>;
    fn end_session(&self, token_sha256: &str) -> Result<(), ConsoleError>;
    fn audit(
        &self,
        at: Timestamp,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), ConsoleError>;
    /// One page (from 0) of `per_page` audit lines, newest first, and whether there are older.
    fn audit_log(
        &self,
        view: AuditView,
        page: usize,
        per_page: usize,
    ) -> Result<(Vec<AuditLine>, bool), ConsoleError>;
    fn staff(&self) -> Result<Vec<StaffLine>, ConsoleError>;
    /// Everyone's name, by id, to show beside the ids of a table.
    fn names(&self) -> Result<std::collections::BTreeMap<StaffId, String>, ConsoleError>;
    /// The person a form's staff field means: an id, a name or its pinyin initials (`wf` for
    /// 王芳); refused, naming the candidates, when several match.
    fn find_staff(&self, typed: &str) -> Result<StaffId, ConsoleError>;
    /// The month's suspected spoofs at the door, by time.
    fn spoofs(&self, month: Date) -> Result<Vec<SpoofView>, ConsoleError>;
    /// The JPEG of the evidence frame `file` (listed in a [`SpoofView`]); `None` when unknown
    /// or past its retention.
    fn evidence(&self, file: &str) -> Result<Option<Vec<u8>>, ConsoleError>;
    fn enrol(&self, request: EnrolRequest, by: &Actor) -> Result<Enrolment, ConsoleError>;
    /// Erases the person's embeddings and marks them inactive, once `typed` (the id typed to
    /// confirm) is theirs; returns the embeddings erased.
    fn deactivate(&self, id: &StaffId, typed: &str, by: &Actor) -> Result<usize, ConsoleError>;
    /// The door camera's latest preview; `Ok(None)` when no daemon runs beside this console
    /// (`hallclock console` alone: no camera here).
    fn preview(&self) -> Result<Option<PreviewFrame>, ConsoleError>;
    /// Waits (up to a timeout) for three consecutive door frames that pass the enrolment gate
    /// and enrols their embeddings as an upload would be; refused, saying why, when none come.
    fn capture(&self, request: CaptureRequest, by: &Actor) -> Result<Enrolment, ConsoleError>;
    /// Asks the door daemon this console runs in to rebuild its face gallery from the store (as
    /// on SIGHUP). `Ok(false)` when there is no daemon to ask (`hallclock console` alone).
    fn reload_gallery(&self) -> Result<bool, ConsoleError>;
    fn leaves(&self, month: Date) -> Result<Vec<LeaveLine>, ConsoleError>;
    fn add_leave(
        &self,
        form: &LeaveForm,
        now: Timestamp,
        by: &Actor,
    ) -> Result<LeaveAdded, ConsoleError>;
    /// Changes a leave not yet approved nor closed.
    fn edit_leave(
        &self,
        id: LeaveId,
        form: &LeaveForm,
        by: &Actor,
    ) -> Result<LeaveAdded, ConsoleError>;
    /// Withdraws a leave not yet closed (撤销).
    fn cancel_leave(&self, id: LeaveId, now: Timestamp, by: &Actor) -> Result<(), ConsoleError>;
    /// Closes a leave (销假), the person back at work from `back`; returns the last half day
    /// away.
    fn close_leave(
        &self,
        id: LeaveId,
        back: HalfDay,
        now: Timestamp,
        by: &Actor,
    ) -> Result<HalfDay, ConsoleError>;
    /// Approves at the level the leave requires, as `by`'s account (checked against its role
    /// and the person on leave).
    fn approve_leave(
        &self,
        id: LeaveId,
        by: &Actor,
        certified_by: Option<String>,
        now: Timestamp,
    ) -> Result<ApprovalLevel, ConsoleError>;
    fn report(&self, query: &ReportQuery, now: Timestamp) -> Result<Report, ConsoleError>;
    fn person_month(
        &self,
        staff: &StaffId,
        month: Date,
        now: Timestamp,
    ) -> Result<Vec<CalendarDay>, ConsoleError>;
    fn amend(&self, amendment: &Amendment, now: Timestamp, by: &Actor) -> Result<(), ConsoleError>;
    /// The punch-time sheet of `period` as of `now` (of one person when `only` is given).
    fn sheet(
        &self,
        period: Period,
        only: Option<&StaffId>,
        now: Timestamp,
    ) -> Result<Sheet, ConsoleError>;
    /// Today's live board at `now`, with the day's sheet for names and doors.
    fn today(&self, now: Timestamp) -> Result<(Board, Sheet), ConsoleError>;
    /// A person's punches of a day, for picking one to void.
    fn day_punches(&self, staff: &StaffId, date: Date) -> Result<Vec<DayPunch>, ConsoleError>;
    fn status(&self) -> Result<StatusView, ConsoleError>;
    /// `hallclock doctor`'s checks (without the camera, which the daemon holds); may be a
    /// couple of minutes old.
    fn doctor(&self) -> Result<Vec<CheckLine>, ConsoleError>;
    fn posts(&self) -> Result<Vec<PostLine>, ConsoleError>;
    fn set_post(&self, post: &PostLine, now: Timestamp, by: &Actor) -> Result<(), ConsoleError>;
    /// The retired posts (kept, no longer offered), by id.
    fn retired_posts(&self) -> Result<Vec<PostLine>, ConsoleError>;
    /// Retires a window post: it keeps its history and is no longer offered.
    fn retire_post(&self, post: &str, now: Timestamp, by: &Actor) -> Result<(), ConsoleError>;
    /// The roster's entries in the month of `month`.
    fn duty(&self, month: Date) -> Result<Vec<DutyLine>, ConsoleError>;
    fn import_duty(&self, csv: &str, by: &Actor) -> Result<DutyImport, ConsoleError>;
    /// The year's holidays and make-up workdays, by date.
    fn holidays(&self, year: i16) -> Result<Vec<HolidayLine>, ConsoleError>;
    fn import_calendar(&self, text: &str, by: &Actor) -> Result<CalendarImport, ConsoleError>;
    /// The meetings that start in the month of `month`.
    fn meetings(&self, month: Date) -> Result<Vec<MeetingLine>, ConsoleError>;
    fn record_meeting(&self, form: &MeetingForm, by: &Actor) -> Result<MeetingLine, ConsoleError>;
    /// The hall's zone, for showing and reading times.
    fn zone(&self) -> TimeZone;
    /// The hall's name, for printed sheets.
    fn hall_name(&self) -> String;
}

/// The console's settings (from `[console]`).
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub session_ttl: SignedDuration,
    /// A session unused this long ends.
    pub idle_timeout: SignedDuration,
    /// Sign-in attempts per minute from one client address (and as many at once).
    pub sign_ins_per_minute: u32,
    /// Requests per second from one client address, with bursts of ten times as many.
    pub requests_per_second: u32,
    /// Password checks at once (each holds argon2's 19 MiB).
    pub password_checks: usize,
    /// Sign-ins waiting for a password check beyond those; more are answered 503.
    pub password_queue: usize,
    /// Time to send a request's head; a kept-alive connection waiting for its next request
    /// is closed after it too.
    pub header_timeout: Duration,
    /// Time to send a request's body and get the answer.
    pub request_timeout: Duration,
    /// Open connections at once; more are closed at once.
    pub max_connections: usize,
    pub lockout: LockoutPolicy,
    /// Mark the session cookie `Secure` (TLS is on).
    pub secure_cookie: bool,
    /// Largest request body (uploads included), bytes.
    pub body_limit_bytes: usize,
    /// Largest photo the header may declare, in pixels (`[console] max-photo-megapixels`,
    /// default 16: a face photo needs far less, and a decoded 16 MP photo is 48 MB).
    pub pixel_budget: u64,
    /// Photos per enrolment.
    pub max_photos: usize,
    /// The version of the consent notice the person is shown.
    pub notice_version: String,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            session_ttl: SignedDuration::from_hours(8),
            idle_timeout: SignedDuration::from_mins(30),
            sign_ins_per_minute: 10,
            requests_per_second: 20,
            password_checks: 2,
            password_queue: 8,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 64,
            lockout: LockoutPolicy::default(),
            secure_cookie: false,
            body_limit_bytes: 10 * 1024 * 1024,
            pixel_budget: 16_000_000,
            max_photos: 5,
            notice_version: "2026-1".to_string(),
        }
    }
}

impl WebSettings {
    /// The sign-in defences' limits, for [`Guard::new`].
    pub fn guard_limits(&self) -> GuardLimits {
        GuardLimits {
            password_checks: self.password_checks,
            password_queue: self.password_queue,
            sign_ins_per_minute: self.sign_ins_per_minute,
            requests_per_second: self.requests_per_second,
        }
    }

    /// The server's limits, for `hallclock_web::serve::serve_http`.
    pub fn server_limits(&self) -> ServerLimits {
        ServerLimits {
            header_timeout: self.header_timeout,
            max_connections: self.max_connections,
        }
    }
}

/// The layer around every route: the client's token bucket, the request time limit and the
/// security headers (`hallclock_web::http::shield`).
pub async fn shield(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let s = &state.settings;
    hallclock_web::http::shield(
        &state.guard.requests,
        s.request_timeout,
        s.secure_cookie,
        req,
        next,
    )
    .await
}

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub console: Arc<dyn Console>,
    pub settings: Arc<WebSettings>,
    pub guard: Arc<Guard>,
    /// What time it is: every handler asks this, never the system clock.
    pub clock: Arc<dyn crate::core::clock::Clock>,
}

impl AppState {
    /// The current instant, from the console's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }
}

/// The console's routes.
pub fn router(state: AppState) -> Router {
    let limit = state.settings.body_limit_bytes;
    Router::new()
        .route("/", get(today::home))
        .route("/today", get(today::today))
        .route("/sheet", get(today::grid))
        .route("/sheet/day", get(today::day_csv))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/staff", get(staff::staff))
        .route("/staff/deactivate", post(staff::deactivate))
        .route("/enrol", get(enrol::enrol_form).post(enrol::enrol))
        .route("/enrol/preview.jpg", get(enrol::preview_jpeg))
        .route("/enrol/preview.json", get(enrol::preview_json))
        .route("/enrol/preview.js", get(enrol::preview_script))
        .route("/enrol/capture", post(enrol::capture))
        .route("/leave", get(leave::leave_page).post(leave::leave_add))
        .route("/leave/approve", post(leave::leave_approve))
        .route(
            "/leave/edit",
            get(leave::leave_edit_form).post(leave::leave_edit),
        )
        .route("/leave/cancel", post(leave::leave_cancel))
        .route("/leave/close", post(leave::leave_close))
        .route("/report", get(report::report))
        .route("/report/day", get(report::report_day))
        .route("/report/year", get(report::report_year))
        .route("/gaps", get(hall::gaps))
        .route("/posts", get(hall::posts).post(hall::post_set))
        .route("/posts/retire", post(hall::post_retire))
        .route("/duty", get(hall::duty).post(hall::duty_import))
        .route("/holidays", get(hall::holidays).post(hall::holidays_import))
        .route("/meetings", get(hall::meetings).post(hall::meeting_record))
        .route("/calendar", get(calendar::calendar))
        .route("/amend", get(amend::amend_form).post(amend::amend))
        .route("/status", get(status::status))
        .route("/audit", get(audit::audit))
        .route("/spoofs", get(spoofs::spoofs))
        .route("/spoofs/evidence/{file}", get(spoofs::evidence))
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), shield))
        .with_state(state)
}

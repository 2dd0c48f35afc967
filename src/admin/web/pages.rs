//! The console's handlers: each checks the session and the role (and the CSRF token on a POST),
//! calls the [`Console`] port on a blocking thread, and renders HTML through [`html`]. Every
//! value written into a page goes through [`esc`].

use std::collections::HashMap;
use std::fmt::Write;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Extension, Multipart, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jiff::civil::Date;
use jiff::Timestamp;
use tracing::{error, info, warn};

use super::html::{csrf_field, esc, message, page, Viewer};
use super::i18n::{t, Lang};
use super::security::{allowed, csrf_matches, random_token, token_digest, Permission, Role};
use super::upload::{check_photo, UploadError};
use super::{
    Actor, AppState, AuditView, CalendarDay, CaptureRequest, ClientIp, Consent, Console,
    ConsoleError, EnrolRequest, LeaveForm, Photo, PreviewVerdict, ReportQuery, ReportSpan,
    SessionInfo, SessionMark,
};
use crate::admin::export::{render_csv, xlsx_bytes};
use crate::admin::report::{kind_key, kind_zh, LEAVE_KINDS};
use crate::core::ids::StaffId;
use crate::core::leave::{ApprovalLevel, HalfDay};
use crate::core::rules::{Amendment, Correction};
use crate::core::schedule::Session;

pub(super) type Params = HashMap<String, String>;

const SESSION_COOKIE: &str = "hallclock_session";
/// The sign-in form's pre-session CSRF cookie (double submit: the form carries the same value).
const LOGIN_COOKIE: &str = "hallclock_login";

/// The years the console reads and reports (a wider year is a mistake, answered 400).
pub(super) const YEARS: std::ops::RangeInclusive<i16> = 2000..=2099;

fn year_in_range(what: &str, text: &str, year: i16) -> Result<(), String> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "{what} {text:?}: expected a year from {} to {}, found {year}",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// A request whose parameters are wrong: 400 with the message.
pub(super) fn bad_request(lang: Lang, q: &Params, text: &str) -> Response {
    respond(
        StatusCode::BAD_REQUEST,
        q,
        page(lang, t(lang, "error"), None, &message("err", text)),
    )
}

/// A query-string component, percent-encoded (everything but the unreserved characters).
pub(super) fn url_component(text: &str) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
        out
    })
}

// ---------------------------------------------------------------------------------------------
// Plumbing

pub(super) async fn call<T, F>(state: &AppState, f: F) -> Result<T, ConsoleError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Console) -> Result<T, ConsoleError> + Send + 'static,
{
    let console = state.console.clone();
    tokio::task::spawn_blocking(move || f(console.as_ref()))
        .await
        .map_err(|e| ConsoleError::Failed(format!("a console task died: {e}")))?
}

pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub(super) fn lang_of(headers: &HeaderMap, q: &Params) -> Lang {
    q.get("lang")
        .and_then(|l| Lang::parse(l))
        .or_else(|| cookie(headers, "lang").and_then(|l| Lang::parse(&l)))
        .unwrap_or(Lang::Zh)
}

pub(super) fn respond(status: StatusCode, q: &Params, body: String) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(l) = q.get("lang").and_then(|l| Lang::parse(l)) {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "lang={}; Path=/; SameSite=Strict; Max-Age=31536000",
            l.key()
        )) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r.headers_mut()
        .insert("x-frame-options", HeaderValue::from_static("DENY"));
    r
}

pub(super) fn failure(lang: Lang, q: &Params, e: ConsoleError) -> Response {
    match e {
        ConsoleError::Refused(text) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            q,
            page(lang, t(lang, "error"), None, &message("err", &text)),
        ),
        ConsoleError::Failed(text) => {
            error!(error = %text, "A console request failed.");
            respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                q,
                page(
                    lang,
                    t(lang, "error"),
                    None,
                    &message("err", t(lang, "error.internal")),
                ),
            )
        }
    }
}

/// The signed-in session allowed to do `what`, or the response refusing the request:
/// anonymous → sign-in (a GET) or 401 (anything else); a role without the right → 403.
pub(super) async fn require(
    state: &AppState,
    headers: &HeaderMap,
    q: &Params,
    what: Permission,
    is_get: bool,
) -> Result<SessionInfo, Response> {
    let lang = lang_of(headers, q);
    let session = match cookie(headers, SESSION_COOKIE) {
        None => None,
        Some(token) => {
            let digest = token_digest(&token);
            let now = state.now();
            let idle_since = now - state.settings.idle_timeout;
            call(state, move |c| c.session(&digest, now, idle_since))
                .await
                .map_err(|e| failure(lang, q, e))?
        }
    };
    let Some(session) = session else {
        return Err(if is_get {
            Redirect::to("/login").into_response()
        } else {
            respond(
                StatusCode::UNAUTHORIZED,
                q,
                page(
                    lang,
                    t(lang, "error"),
                    None,
                    &message("err", t(lang, "error.signin")),
                ),
            )
        });
    };
    if !allowed(session.role, what) {
        let v = viewer(&session);
        return Err(respond(
            StatusCode::FORBIDDEN,
            q,
            page(
                lang,
                t(lang, "error"),
                Some(&v),
                &message("err", t(lang, "error.forbidden")),
            ),
        ));
    }
    Ok(session)
}

/// [`require`] for a form post: also checks its CSRF token.
pub(super) async fn require_post(
    state: &AppState,
    headers: &HeaderMap,
    q: &Params,
    what: Permission,
    csrf: Option<&str>,
) -> Result<SessionInfo, Response> {
    let s = require(state, headers, q, what, false).await?;
    if !csrf_matches(&s.csrf, csrf) {
        let lang = lang_of(headers, q);
        warn!(account = %s.account, "A form without a valid CSRF token was refused.");
        return Err(respond(
            StatusCode::FORBIDDEN,
            q,
            page(
                lang,
                t(lang, "error"),
                None,
                &message("err", t(lang, "error.csrf")),
            ),
        ));
    }
    Ok(s)
}

pub(super) fn viewer(s: &SessionInfo) -> Viewer<'_> {
    Viewer {
        account: &s.account,
        role: s.role,
        csrf: &s.csrf,
    }
}

/// Who makes a change, and from where, for the audit line the port writes with it.
pub(super) fn actor(s: &SessionInfo, peer: SocketAddr) -> Actor {
    Actor {
        account: s.account.clone(),
        client: peer.ip().to_string(),
    }
}

pub(super) async fn record_audit(
    state: &AppState,
    actor: &str,
    action: &'static str,
    detail: String,
) {
    let actor = actor.to_string();
    let now = state.now();
    if let Err(e) = call(state, move |c| c.audit(now, &actor, action, &detail)).await {
        error!(error = %e, "Cannot write the audit log.");
    }
}

/// Asks a running daemon to rebuild its gallery after the enrolments changed; a failure is
/// logged (the change is stored; SIGHUP or a restart picks it up).
async fn reload_gallery(state: &AppState) {
    match call(state, |c| c.reload_gallery()).await {
        Ok(true) => info!("Asked the daemon to reload the enrolments."),
        Ok(false) => {}
        Err(e) => error!(error = %e, "Cannot ask the daemon to reload the enrolments."),
    }
}

pub(super) fn this_month(state: &AppState) -> Date {
    state
        .console
        .zone()
        .to_datetime(state.now())
        .date()
        .first_of_month()
}

pub(super) fn month_param(state: &AppState, q: &Params) -> Result<Date, String> {
    match q.get("month").map(|m| m.trim()).filter(|m| !m.is_empty()) {
        None => Ok(this_month(state)),
        Some(m) => {
            let d = format!("{m}-01")
                .parse::<Date>()
                .map_err(|_| format!("month {m:?}: expected YYYY-MM"))?;
            year_in_range("month", m, d.year())?;
            Ok(d)
        }
    }
}

pub(super) fn staff_param(text: Option<&String>) -> Result<Option<StaffId>, String> {
    match text.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => StaffId::new(s).map(Some).map_err(|e| e.to_string()),
    }
}

pub(super) fn local(state: &AppState, at: Timestamp) -> String {
    state
        .console
        .zone()
        .to_datetime(at)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn level_text(lang: Lang, level: ApprovalLevel) -> &'static str {
    t(
        lang,
        match level {
            ApprovalLevel::InspectionOffice => "level.inspection",
            ApprovalLevel::DeputyDirector => "level.deputy",
            ApprovalLevel::DirectorWithUnitCertificate => "level.director",
        },
    )
}

pub(super) fn session_text(lang: Lang, s: Session) -> &'static str {
    t(
        lang,
        match s {
            Session::Morning => "session.am",
            Session::Afternoon => "session.pm",
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Sign-in

pub async fn home() -> Redirect {
    Redirect::to("/staff")
}

pub async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let token = match login_cookie(&headers) {
        Some(t) => t,
        None => match random_token() {
            Ok(t) => t,
            Err(e) => return failure(lang, &q, ConsoleError::Failed(e.to_string())),
        },
    };
    let mut r = respond(StatusCode::OK, &q, login_page(lang, None, &token));
    let secure = if state.settings.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login{secure}"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// The sign-in form's CSRF cookie, when it looks like one of ours.
fn login_cookie(headers: &HeaderMap) -> Option<String> {
    cookie(headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn login_page(lang: Lang, error: Option<&str>, token: &str) -> String {
    let mut b = String::new();
    if let Some(e) = error {
        b.push_str(&message("err", e));
    }
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"login_csrf\" value=\"{}\"><label>{}<br><input name=\"name\" id=\"name\" autocomplete=\"username\" required></label><label>{}<br><input type=\"password\" name=\"password\" id=\"password\" autocomplete=\"current-password\" required></label><button id=\"signin\">{}</button></form>",
        esc(token),
        esc(t(lang, "login.name")),
        esc(t(lang, "login.password")),
        esc(t(lang, "login.submit"))
    );
    page(lang, t(lang, "login.title"), None, &b)
}

/// Signs in. In order: the form's CSRF pair (403), the client's sign-in rate (429), a place
/// among the password checks (503), then the attempt is counted for the name and the client
/// address in one transaction *before* the password is checked; a name that is no account, or
/// one locked for this client, is checked against a dummy hash: every failure answers the same
/// words after the same work.
pub async fn login(
    State(state): State<AppState>,
    Extension(ClientIp(ip)): Extension<ClientIp>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let token = login_cookie(&headers).unwrap_or_default();
    if !csrf_matches(&token, f.get("login_csrf").map(String::as_str)) {
        info!(client = %ip, "Sign-in refused: the form's CSRF pair does not match.");
        return respond(
            StatusCode::FORBIDDEN,
            &q,
            login_page(lang, Some(t(lang, "error.csrf")), &token),
        );
    }
    let refuse = |status: StatusCode, key: &str| {
        let mut r = respond(status, &q, login_page(lang, Some(t(lang, key)), &token));
        if status != StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        r
    };
    let within_rate = state
        .guard
        .sign_ins
        .lock()
        .map(|mut b| b.allow(ip, std::time::Instant::now()))
        .unwrap_or(false);
    if !within_rate {
        warn!(client = %ip, "Sign-in refused: too many attempts from this address.");
        return refuse(StatusCode::TOO_MANY_REQUESTS, "login.too_many");
    }
    let Ok(_admitted) = state.guard.admitted.clone().try_acquire_owned() else {
        warn!(client = %ip, "Sign-in refused: too many password checks waiting.");
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "login.busy");
    };
    let name = f
        .get("name")
        .map(|s| s.trim().chars().take(64).collect::<String>())
        .unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let settings = state.settings.clone();
    let now = state.now();
    let client = ip.to_string();
    let (n, c, policy) = (name.clone(), client.clone(), settings.lockout);
    let (gate, account) = match call(&state, move |con| {
        let gate = con.count_sign_in(&n, &c, now, policy)?;
        Ok((gate, con.account(&n)?))
    })
    .await
    {
        Ok(x) => x,
        Err(e) => return failure(lang, &q, e),
    };
    let hash = match (&account, gate.admit) {
        (Some(a), true) => a.password_hash.clone(),
        _ => state.guard.dummy_hash.clone(),
    };
    let ok = match state.guard.checks.clone().acquire_owned().await {
        Ok(permit) => {
            let guard = state.guard.clone();
            tokio::task::spawn_blocking(move || {
                let _permit = permit;
                guard.verify(&password, &hash)
            })
        }
        .await
        .unwrap_or(false),
        Err(_) => false,
    };
    let Some(account) = account.filter(|_| ok && gate.admit) else {
        if gate.locks {
            warn!(account = %name, client = %ip, failures = gate.count, "Sign-in locked for this address after repeated failures.");
            record_audit(
                &state,
                &name,
                "account-locked",
                format!("{} failed sign-ins from {client}", gate.count),
            )
            .await;
        } else {
            info!(client = %ip, admitted = gate.admit, "Sign-in refused.");
        }
        return refuse(StatusCode::UNAUTHORIZED, "login.failed");
    };
    let (session_token, csrf) = match (random_token(), random_token()) {
        (Ok(a), Ok(b)) => (a, b),
        _ => return failure(lang, &q, ConsoleError::Failed("no random source".into())),
    };
    let digest = token_digest(&session_token);
    let n = account.name.clone();
    let expires = now + settings.session_ttl;
    let started = call(&state, move |c| {
        c.sign_in_succeeded(&n, &client)?;
        c.start_session(&digest, &n, &csrf, now, expires)
    })
    .await;
    if let Err(e) = started {
        return failure(lang, &q, e);
    }
    record_audit(&state, &account.name, "sign-in", String::new()).await;
    let mut r = Redirect::to("/").into_response();
    let secure = if settings.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    let max_age = settings.session_ttl.as_secs();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={session_token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}{secure}"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let s = match require_post(
        &state,
        &headers,
        &q,
        Permission::ViewStatus,
        f.get("csrf").map(String::as_str),
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let digest = token_digest(&token);
        let _ = call(&state, move |c| c.end_session(&digest)).await;
    }
    record_audit(&state, &s.account, "sign-out", String::new()).await;
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "hallclock_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
        ),
    );
    r
}

// ---------------------------------------------------------------------------------------------
// Staff and enrolment

pub async fn staff(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let s = match require(&state, &headers, &q, Permission::ViewStaff, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = lang_of(&headers, &q);
    staff_page(&state, &q, lang, &s, None).await
}

async fn staff_page(
    state: &AppState,
    q: &Params,
    lang: Lang,
    s: &SessionInfo,
    note: Option<String>,
) -> Response {
    let list = match call(state, |c| c.staff()).await {
        Ok(l) => l,
        Err(e) => return failure(lang, q, e),
    };
    let search = q
        .get("q")
        .map(|x| x.trim().to_lowercase())
        .unwrap_or_default();
    let mut b = String::new();
    if let Some(n) = note {
        b.push_str(&n);
    }
    let _ = write!(
        b,
        "<form method=\"get\" action=\"/staff\"><input name=\"q\" id=\"q\" value=\"{}\" placeholder=\"{}\"> <button>{}</button></form><table id=\"staff\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
        esc(&search),
        esc(t(lang, "staff.search")),
        esc(t(lang, "search")),
        esc(t(lang, "col.id")),
        esc(t(lang, "col.name")),
        esc(t(lang, "col.post")),
        esc(t(lang, "col.active")),
        esc(t(lang, "col.faces")),
    );
    let can_enrol = allowed(s.role, Permission::Enrol);
    let mut shown = 0;
    for p in list.iter().filter(|p| {
        search.is_empty()
            || p.id.as_str().to_lowercase().contains(&search)
            || p.name.to_lowercase().contains(&search)
            || p.post
                .as_deref()
                .is_some_and(|x| x.to_lowercase().contains(&search))
    }) {
        shown += 1;
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/calendar?staff={}\">{}</a>",
            esc(p.id.as_str()),
            esc(&p.name),
            esc(p.post.as_deref().unwrap_or("-")),
            esc(t(lang, if p.active { "yes" } else { "no" })),
            p.faces,
            esc(p.id.as_str()),
            esc(t(lang, "nav.calendar")),
        );
        if can_enrol && p.active {
            let _ = write!(
                b,
                " <form method=\"post\" action=\"/staff/deactivate\" style=\"display:inline\">{}<input type=\"hidden\" name=\"id\" value=\"{}\"><button>{}</button></form>",
                csrf_field(&s.csrf),
                esc(p.id.as_str()),
                esc(t(lang, "staff.deactivate"))
            );
        }
        b.push_str("</td></tr>");
    }
    let _ = write!(
        b,
        "</table><p>{} {}</p>",
        shown,
        esc(t(lang, "staff.count"))
    );
    respond(
        StatusCode::OK,
        q,
        page(lang, t(lang, "nav.staff"), Some(&viewer(s)), &b),
    )
}

pub async fn deactivate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require_post(
        &state,
        &headers,
        &q,
        Permission::Enrol,
        f.get("csrf").map(String::as_str),
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let id = match staff_param(f.get("id")) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return failure(
                lang,
                &q,
                ConsoleError::Refused("id: expected a staff id".into()),
            )
        }
        Err(e) => return failure(lang, &q, ConsoleError::Refused(e)),
    };
    let who = id.clone();
    let by = actor(&s, peer);
    match call(&state, move |c| c.deactivate(&who, &by)).await {
        Ok(n) => {
            reload_gallery(&state).await;
            let note = message(
                "ok",
                &format!(
                    "{} {id} ({n} {})",
                    t(lang, "staff.deactivated"),
                    t(lang, "staff.erased")
                ),
            );
            let mut q2 = q.clone();
            q2.remove("q");
            staff_page(&state, &q2, lang, &s, Some(note)).await
        }
        Err(e) => failure(lang, &q, e),
    }
}

fn enrol_body(lang: Lang, s: &SessionInfo, notice: &str, note: &str) -> String {
    let mut b = note.to_string();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/enrol\" enctype=\"multipart/form-data\">{}<label>{}<br><input name=\"id\" id=\"id\" required></label><label>{}<br><input name=\"name\" id=\"name\"></label><label>{}<br><input name=\"post\" id=\"post\"></label><label>{}<br><input type=\"file\" name=\"photo\" id=\"photo\" accept=\"image/jpeg,image/png\" multiple required></label><div class=\"msg warn\">{} ({} {})</div><label><input type=\"checkbox\" name=\"consent\" id=\"consent\" value=\"yes\"> {}</label><input type=\"hidden\" name=\"notice\" value=\"{}\"><button id=\"enrol\">{}</button></form>",
        csrf_field(&s.csrf),
        esc(t(lang, "col.id")),
        esc(t(lang, "enrol.name")),
        esc(t(lang, "col.post")),
        esc(t(lang, "enrol.photos")),
        esc(t(lang, "enrol.notice")),
        esc(t(lang, "enrol.notice_version")),
        esc(notice),
        esc(t(lang, "enrol.consent")),
        esc(notice),
        esc(t(lang, "enrol.submit")),
    );
    b.push_str(&camera_section(lang, s, notice));
    b
}

/// The enrolment page's "from the camera" card: the door camera's preview, refreshed by a few
/// lines of inline script, the gate's verdict under it, and the capture form.
fn camera_section(lang: Lang, s: &SessionInfo, notice: &str) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/enrol/capture\" id=\"camera\"><h2>{}</h2><p>{}</p><img id=\"preview\" alt=\"{}\" width=\"320\" hidden><div id=\"verdict\" class=\"msg warn\">{}</div>{}<label>{}<br><input name=\"id\" id=\"cam-id\" required></label><label>{}<br><input name=\"name\" id=\"cam-name\"></label><label>{}<br><input name=\"post\" id=\"cam-post\"></label><div class=\"msg warn\">{} ({} {})</div><label><input type=\"checkbox\" name=\"consent\" id=\"cam-consent\" value=\"yes\"> {}</label><button id=\"capture\">{}</button></form>",
        esc(t(lang, "enrol.camera")),
        esc(t(lang, "enrol.camera_help")),
        esc(t(lang, "enrol.camera")),
        esc(t(lang, "preview.waiting")),
        csrf_field(&s.csrf),
        esc(t(lang, "col.id")),
        esc(t(lang, "enrol.name")),
        esc(t(lang, "col.post")),
        esc(t(lang, "enrol.notice")),
        esc(t(lang, "enrol.notice_version")),
        esc(notice),
        esc(t(lang, "enrol.consent")),
        esc(t(lang, "enrol.capture")),
    );
    // A script of our own origin (the Content-Security-Policy allows no inline script); it reads
    // the page's language from `<html lang>`.
    b.push_str("<script src=\"/enrol/preview.js\"></script>");
    b
}

/// Refreshes the enrolment page's camera preview; the verdict is set as text, never HTML.
const PREVIEW_SCRIPT: &str = "(function(){var i=document.getElementById('preview'),v=document.getElementById('verdict'),l=document.documentElement.lang==='en'?'en':'zh';function tick(){fetch('/enrol/preview.json?lang='+l,{credentials:'same-origin',cache:'no-store'}).then(function(r){return r.json();}).then(function(j){v.textContent=j.hint;v.className='msg '+(j.pass?'ok':'warn');if(j.camera&&j.image){i.src='/enrol/preview.jpg?n='+j.frame;i.hidden=false;}}).catch(function(){});}tick();setInterval(tick,500);})();";

/// The enrolment page's preview script (no secret in it: served to anyone).
pub async fn preview_script() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        PREVIEW_SCRIPT,
    )
        .into_response()
}

/// The verdict line in the page's language.
fn verdict_text(lang: Lang, v: &PreviewVerdict) -> String {
    match v {
        PreviewVerdict::Waiting => t(lang, "preview.waiting").to_string(),
        PreviewVerdict::NoFace => t(lang, "preview.no_face").to_string(),
        PreviewVerdict::Pass => t(lang, "preview.pass").to_string(),
        PreviewVerdict::Refused {
            hint_zh, hint_en, ..
        } => match lang {
            Lang::Zh => hint_zh.clone(),
            Lang::En => hint_en.clone(),
        },
    }
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn plain(status: StatusCode, text: &str) -> Response {
    no_store(
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            text.to_string(),
        )
            .into_response(),
    )
}

/// `GET /enrol/preview.jpg`: the door camera's latest preview image.
pub async fn preview_jpeg(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    if let Err(r) = require(&state, &headers, &q, Permission::Enrol, false).await {
        return r;
    }
    match call(&state, |c| c.preview()).await {
        Ok(None) => plain(
            StatusCode::SERVICE_UNAVAILABLE,
            t(lang, "preview.no_camera"),
        ),
        Ok(Some(p)) => match p.jpeg {
            None => plain(StatusCode::SERVICE_UNAVAILABLE, t(lang, "preview.waiting")),
            Some(jpeg) => no_store(
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, "image/jpeg")],
                    jpeg.as_ref().clone(),
                )
                    .into_response(),
            ),
        },
        Err(e) => failure(lang, &q, e),
    }
}

/// `GET /enrol/preview.json`: the latest frame's number and the gate's verdict.
pub async fn preview_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    if let Err(r) = require(&state, &headers, &q, Permission::Enrol, false).await {
        return r;
    }
    let (status, body) = match call(&state, |c| c.preview()).await {
        Ok(None) => (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({
                "camera": false,
                "pass": false,
                "verdict": "no_camera",
                "hint": t(lang, "preview.no_camera"),
            }),
        ),
        Ok(Some(p)) => {
            let code = match &p.verdict {
                PreviewVerdict::Waiting => "waiting",
                PreviewVerdict::NoFace => "no_face",
                PreviewVerdict::Pass => "pass",
                PreviewVerdict::Refused { code, .. } => code.as_str(),
            };
            let (hint_zh, text) = match &p.verdict {
                PreviewVerdict::Refused { hint_zh, text, .. } => {
                    (Some(hint_zh.clone()), Some(text.clone()))
                }
                _ => (None, None),
            };
            (
                StatusCode::OK,
                serde_json::json!({
                    "camera": true,
                    "image": p.jpeg.is_some(),
                    "frame": p.frame,
                    "pass": p.verdict == PreviewVerdict::Pass,
                    "verdict": code,
                    "hint": verdict_text(lang, &p.verdict),
                    "hint_zh": hint_zh,
                    "text": text,
                }),
            )
        }
        Err(e) => return failure(lang, &q, e),
    };
    no_store(
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
    )
}

/// `POST /enrol/capture`: enrols from the door camera's next good frames.
pub async fn capture(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require_post(
        &state,
        &headers,
        &q,
        Permission::Enrol,
        f.get("csrf").map(String::as_str),
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let notice = state.settings.notice_version.clone();
    let page_with = |status: StatusCode, note: String| {
        respond(
            status,
            &q,
            page(
                lang,
                t(lang, "nav.enrol"),
                Some(&viewer(&s)),
                &enrol_body(lang, &s, &notice, &note),
            ),
        )
    };
    let id = match staff_param(f.get("id")) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                message("err", t(lang, "enrol.need_id")),
            )
        }
        Err(e) => return page_with(StatusCode::UNPROCESSABLE_ENTITY, message("err", &e)),
    };
    if f.get("consent").map(String::as_str) != Some("yes") {
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", t(lang, "enrol.need_consent")),
        );
    }
    match call(&state, |c| c.preview()).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                message("err", t(lang, "preview.no_camera")),
            )
        }
        Err(e) => return failure(lang, &q, e),
    }
    let trimmed = |k: &str| {
        f.get(k)
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
    };
    let request = CaptureRequest {
        id: id.clone(),
        name: trimmed("name"),
        post: trimmed("post"),
        consent: Consent {
            consented_at: state.now(),
            notice_version: notice.clone(),
            recorded_by: s.account.clone(),
        },
    };
    let by = actor(&s, peer);
    let result = call(&state, move |c| c.capture(request, &by)).await;
    let source = format!("the door camera, consent notice {notice}");
    match enrolment_answer(&state, lang, &s.account, &id, result, &source).await {
        Ok((status, note)) => page_with(status, note),
        Err(e) => failure(lang, &q, e),
    }
}

/// What the enrolment page says after an enrolment, from photos or from the door camera: on
/// success the audit entry (`source` says where the faces came from), the gallery reload, the
/// number of faces saved and any look-alike warning; a refusal with its reasons. Any other error
/// is handed back for the failure page.
async fn enrolment_answer(
    state: &AppState,
    lang: Lang,
    account: &str,
    id: &StaffId,
    result: Result<super::Enrolment, ConsoleError>,
    source: &str,
) -> Result<(StatusCode, String), ConsoleError> {
    match result {
        Ok(done) => {
            info!(account, %id, faces = done.faces, source, "Enrolled from the console.");
            reload_gallery(state).await;
            let mut note = message(
                "ok",
                &format!(
                    "{} {id}: {} {}",
                    t(lang, "enrol.done"),
                    done.faces,
                    t(lang, "enrol.faces")
                ),
            );
            for (other, score) in &done.lookalikes {
                note.push_str(&message(
                    "warn",
                    &format!("{} {other} ({score:.3})", t(lang, "enrol.lookalike")),
                ));
            }
            Ok((StatusCode::OK, note))
        }
        Err(ConsoleError::Refused(text)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", &format!("{}\n{text}", t(lang, "enrol.refused"))),
        )),
        Err(e) => Err(e),
    }
}

pub async fn enrol_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require(&state, &headers, &q, Permission::Enrol, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let b = enrol_body(lang, &s, &state.settings.notice_version, "");
    respond(
        StatusCode::OK,
        &q,
        page(lang, t(lang, "nav.enrol"), Some(&viewer(&s)), &b),
    )
}

pub async fn enrol(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let lang = lang_of(&headers, &q);
    // Who is asking comes first: an anonymous upload is refused before it is read.
    let s = match require(&state, &headers, &q, Permission::Enrol, false).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let settings = state.settings.clone();
    let page_with = |status: StatusCode, note: String| {
        respond(
            status,
            &q,
            page(
                lang,
                t(lang, "nav.enrol"),
                Some(&viewer(&s)),
                &enrol_body(lang, &s, &settings.notice_version, &note),
            ),
        )
    };
    let mut multipart = match multipart {
        Ok(m) => m,
        Err(e) => return page_with(StatusCode::BAD_REQUEST, message("err", &e.body_text())),
    };
    let mut fields: Params = HashMap::new();
    let mut photos = Vec::new();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                let status = e.status();
                let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    format!(
                        "{} ({} MB)",
                        t(lang, "enrol.too_large"),
                        settings.body_limit_bytes / (1024 * 1024)
                    )
                } else {
                    e.body_text()
                };
                return page_with(status, message("err", &text));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        if name == "photo" {
            let file = field.file_name().unwrap_or("photo").to_string();
            match field.bytes().await {
                Ok(bytes) if bytes.is_empty() => {}
                Ok(bytes) => photos.push(Photo {
                    name: file,
                    bytes: bytes.to_vec(),
                }),
                Err(e) => {
                    let status = e.status();
                    let text = if status == StatusCode::PAYLOAD_TOO_LARGE {
                        format!(
                            "{} ({} MB)",
                            t(lang, "enrol.too_large"),
                            settings.body_limit_bytes / (1024 * 1024)
                        )
                    } else {
                        e.body_text()
                    };
                    return page_with(status, message("err", &text));
                }
            }
        } else {
            match field.text().await {
                Ok(v) => {
                    fields.insert(name, v);
                }
                Err(e) => return page_with(e.status(), message("err", &e.body_text())),
            }
        }
    }
    if !csrf_matches(&s.csrf, fields.get("csrf").map(String::as_str)) {
        warn!(account = %s.account, "An enrolment without a valid CSRF token was refused.");
        return page_with(StatusCode::FORBIDDEN, message("err", t(lang, "error.csrf")));
    }
    let id = match staff_param(fields.get("id")) {
        Ok(Some(id)) => id,
        Ok(None) => {
            return page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                message("err", t(lang, "enrol.need_id")),
            )
        }
        Err(e) => return page_with(StatusCode::UNPROCESSABLE_ENTITY, message("err", &e)),
    };
    if photos.is_empty() || photos.len() > settings.max_photos {
        let e = UploadError::Count {
            max: settings.max_photos,
            found: photos.len(),
        };
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", &e.to_string()),
        );
    }
    let problems: Vec<String> = photos
        .iter()
        .filter_map(|p| check_photo(&p.name, &p.bytes, settings.pixel_budget).err())
        .map(|e| e.to_string())
        .collect();
    if !problems.is_empty() {
        let text = format!("{}\n{}", t(lang, "enrol.refused"), problems.join("\n"));
        return page_with(StatusCode::UNPROCESSABLE_ENTITY, message("err", &text));
    }
    if fields.get("consent").map(String::as_str) != Some("yes") {
        return page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            message("err", t(lang, "enrol.need_consent")),
        );
    }
    let request = EnrolRequest {
        id: id.clone(),
        name: fields
            .get("name")
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        post: fields
            .get("post")
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty()),
        photos,
        consent: Consent {
            consented_at: state.now(),
            notice_version: settings.notice_version.clone(),
            recorded_by: s.account.clone(),
        },
    };
    let count = request.photos.len();
    let by = actor(&s, peer);
    let result = call(&state, move |c| c.enrol(request, &by)).await;
    let source = format!("{count} photos, consent notice {}", settings.notice_version);
    match enrolment_answer(&state, lang, &s.account, &id, result, &source).await {
        Ok((status, note)) => page_with(status, note),
        Err(e) => failure(lang, &q, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Leave

pub async fn leave_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let s = match require(&state, &headers, &q, Permission::EnterLeave, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let lang = lang_of(&headers, &q);
    leave_view(&state, &q, lang, &s, String::new()).await
}

async fn leave_view(
    state: &AppState,
    q: &Params,
    lang: Lang,
    s: &SessionInfo,
    note: String,
) -> Response {
    let month = match month_param(state, q) {
        Ok(m) => m,
        Err(e) => return bad_request(lang, q, &e),
    };
    let list = match call(state, move |c| c.leaves(month)).await {
        Ok(l) => l,
        Err(e) => return failure(lang, q, e),
    };
    let mut b = note;
    let kinds: String = LEAVE_KINDS
        .iter()
        .map(|k| {
            format!(
                "<option value=\"{}\">{}</option>",
                kind_key(*k),
                esc(&format!("{} {}", kind_zh(*k), kind_key(*k)))
            )
        })
        .collect();
    let sessions = format!(
        "<option value=\"am\">{}</option><option value=\"pm\">{}</option>",
        esc(t(lang, "session.am")),
        esc(t(lang, "session.pm"))
    );
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/leave\">{}<label>{}<br><input name=\"staff\" id=\"leave-staff\" required></label><label>{}<br><select name=\"kind\" id=\"leave-kind\">{kinds}</select></label><label>{}<br><input name=\"from\" id=\"leave-from\" placeholder=\"2026-11-03\" required> <select name=\"from_session\">{sessions}</select></label><label>{}<br><input name=\"to\" id=\"leave-to\" placeholder=\"2026-11-03\" required> <select name=\"to_session\" id=\"leave-to-session\"><option value=\"pm\">{}</option><option value=\"am\">{}</option></select></label><label>{}<br><input name=\"cover\" id=\"leave-cover\"></label><label>{}<br><input name=\"reason\" id=\"leave-reason\"></label><button id=\"leave-add\">{}</button></form>",
        csrf_field(&s.csrf),
        esc(t(lang, "col.id")),
        esc(t(lang, "leave.kind")),
        esc(t(lang, "leave.from")),
        esc(t(lang, "leave.to")),
        esc(t(lang, "session.pm")),
        esc(t(lang, "session.am")),
        esc(t(lang, "leave.cover")),
        esc(t(lang, "leave.reason")),
        esc(t(lang, "leave.submit")),
    );
    let _ = write!(
        b,
        "<h2>{} {}</h2><table id=\"leaves\"><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(&month.strftime("%Y-%m").to_string()),
        esc(t(lang, "leave.list")),
        esc(t(lang, "col.id")),
        esc(t(lang, "leave.kind")),
        esc(t(lang, "leave.from")),
        esc(t(lang, "leave.to")),
        esc(t(lang, "leave.days")),
        esc(t(lang, "leave.cover")),
        esc(t(lang, "leave.approval")),
    );
    let can_approve = allowed(s.role, Permission::ApproveLeave);
    for l in &list {
        let approval = match &l.approved {
            Some((level, by)) => format!(
                "{} {} {}",
                esc(t(lang, "leave.approved")),
                esc(level_text(lang, *level)),
                esc(by)
            ),
            None => {
                let mut a = format!(
                    "{}: {}",
                    esc(t(lang, "leave.needs")),
                    esc(level_text(lang, l.approval_required))
                );
                if can_approve {
                    let cert = if l.approval_required == ApprovalLevel::DirectorWithUnitCertificate
                    {
                        format!(
                            " <input name=\"certified_by\" placeholder=\"{}\" required>",
                            esc(t(lang, "leave.certified_by"))
                        )
                    } else {
                        String::new()
                    };
                    let _ = write!(
                        a,
                        " <form method=\"post\" action=\"/leave/approve\" style=\"display:inline\">{}<input type=\"hidden\" name=\"id\" value=\"{}\">{cert}<button>{}</button></form>",
                        csrf_field(&s.csrf),
                        l.id.0,
                        esc(t(lang, "leave.approve"))
                    );
                }
                a
            }
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{} {}</td><td>{:.1}</td><td>{}</td><td>{approval}</td></tr>",
            l.id.0,
            esc(l.staff.as_str()),
            esc(kind_zh(l.kind)),
            l.first.date,
            esc(session_text(lang, l.first.session)),
            l.last.date,
            esc(session_text(lang, l.last.session)),
            f64::from(l.half_days) / 2.0,
            esc(&l.cover.as_ref().map_or_else(|| t(lang, "leave.no_cover").to_string(), |c| c.to_string())),
        );
    }
    b.push_str("</table>");
    respond(
        StatusCode::OK,
        q,
        page(lang, t(lang, "nav.leave"), Some(&viewer(s)), &b),
    )
}

fn half_day(
    date: Option<&String>,
    session: Option<&String>,
    default: Session,
) -> Result<HalfDay, String> {
    let d = date.map(|d| d.trim()).unwrap_or_default();
    let date: Date = d
        .parse()
        .map_err(|_| format!("date {d:?}: expected YYYY-MM-DD"))?;
    let session = match session.map(String::as_str) {
        Some("am") => Session::Morning,
        Some("pm") => Session::Afternoon,
        _ => default,
    };
    Ok(HalfDay { date, session })
}

pub async fn leave_add(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require_post(
        &state,
        &headers,
        &q,
        Permission::EnterLeave,
        f.get("csrf").map(String::as_str),
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let form = (|| -> Result<LeaveForm, String> {
        let staff = staff_param(f.get("staff"))?.ok_or("staff: expected a staff id")?;
        let k = f.get("kind").map(String::as_str).unwrap_or_default();
        let kind = LEAVE_KINDS
            .iter()
            .copied()
            .find(|x| kind_key(*x) == k)
            .ok_or_else(|| format!("kind {k:?}: not a leave kind"))?;
        let first = half_day(f.get("from"), f.get("from_session"), Session::Morning)?;
        let last = half_day(f.get("to"), f.get("to_session"), Session::Afternoon)?;
        if last < first {
            return Err(format!(
                "the leave ends ({last}) before it starts ({first})"
            ));
        }
        Ok(LeaveForm {
            staff,
            kind,
            first,
            last,
            cover: staff_param(f.get("cover"))?,
            reason: f
                .get("reason")
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
        })
    })();
    let form = match form {
        Ok(f) => f,
        Err(e) => return leave_view(&state, &q, lang, &s, message("err", &e)).await,
    };
    let f2 = form.clone();
    let now = state.now();
    let by = actor(&s, peer);
    match call(&state, move |c| c.add_leave(&f2, now, &by)).await {
        Ok(added) => {
            let mut note = message(
                "ok",
                &format!(
                    "{} #{} {} · {:.1} {} · {}: {}",
                    t(lang, "leave.recorded"),
                    added.id.0,
                    form.staff,
                    f64::from(added.half_days) / 2.0,
                    t(lang, "leave.days"),
                    t(lang, "leave.needs"),
                    level_text(lang, added.approval_required)
                ),
            );
            if form.cover.is_none() {
                note.push_str(&message("warn", t(lang, "leave.no_cover_warning")));
            }
            let mut q2 = q.clone();
            q2.insert(
                "month".into(),
                form.first.date.strftime("%Y-%m").to_string(),
            );
            leave_view(&state, &q2, lang, &s, note).await
        }
        Err(ConsoleError::Refused(e)) => leave_view(&state, &q, lang, &s, message("err", &e)).await,
        Err(e) => failure(lang, &q, e),
    }
}

pub async fn leave_approve(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require_post(
        &state,
        &headers,
        &q,
        Permission::ApproveLeave,
        f.get("csrf").map(String::as_str),
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(id) = f.get("id").and_then(|i| i.trim().parse::<u64>().ok()) else {
        return leave_view(
            &state,
            &q,
            lang,
            &s,
            message("err", "id: expected a leave number"),
        )
        .await;
    };
    let cert = f
        .get("certified_by")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let by = actor(&s, peer);
    let now = state.now();
    match call(&state, move |c| {
        c.approve_leave(crate::core::leave::LeaveId(id), &by, cert, now)
    })
    .await
    {
        Ok(_level) => {
            leave_view(
                &state,
                &q,
                lang,
                &s,
                message("ok", &format!("#{id} {}", t(lang, "leave.approved"))),
            )
            .await
        }
        Err(ConsoleError::Refused(e)) => leave_view(&state, &q, lang, &s, message("err", &e)).await,
        Err(e) => failure(lang, &q, e),
    }
}

// ---------------------------------------------------------------------------------------------
// Reports and the calendar

/// Which report page.
#[derive(Clone, Copy)]
pub(super) enum SpanKind {
    Day,
    Month,
    Year,
}

pub async fn report(state: State<AppState>, headers: HeaderMap, q: Query<Params>) -> Response {
    report_page(state, headers, q, SpanKind::Month).await
}

pub async fn report_day(state: State<AppState>, headers: HeaderMap, q: Query<Params>) -> Response {
    report_page(state, headers, q, SpanKind::Day).await
}

pub async fn report_year(state: State<AppState>, headers: HeaderMap, q: Query<Params>) -> Response {
    report_page(state, headers, q, SpanKind::Year).await
}

fn today(state: &AppState) -> Date {
    state.console.zone().to_datetime(state.now()).date()
}

fn span_param(state: &AppState, q: &Params, kind: SpanKind) -> Result<ReportSpan, String> {
    let given = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    match kind {
        SpanKind::Month => month_param(state, q).map(ReportSpan::Month),
        SpanKind::Day => match given("date") {
            None => Ok(ReportSpan::Day(today(state))),
            Some(d) => {
                let date = d
                    .parse::<Date>()
                    .map_err(|_| format!("date {d:?}: expected YYYY-MM-DD"))?;
                year_in_range("date", d, date.year())?;
                Ok(ReportSpan::Day(date))
            }
        },
        SpanKind::Year => match given("year") {
            None => Ok(ReportSpan::Year(today(state).year())),
            Some(y) => {
                let year = y
                    .parse::<i16>()
                    .map_err(|_| format!("year {y:?}: expected YYYY"))?;
                year_in_range("year", y, year)?;
                Ok(ReportSpan::Year(year))
            }
        },
    }
}

/// The report's filters from the query: span, person, window post.
pub(super) fn report_query(
    state: &AppState,
    q: &Params,
    kind: SpanKind,
) -> Result<ReportQuery, String> {
    Ok(ReportQuery {
        span: span_param(state, q, kind)?,
        staff: staff_param(q.get("staff"))?,
        post: q
            .get("post")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty()),
    })
}

async fn report_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    kind: SpanKind,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require(&state, &headers, &q, Permission::ViewReports, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let query = match report_query(&state, &q, kind) {
        Ok(query) => query,
        Err(e) => return bad_request(lang, &q, &e),
    };
    let qq = query.clone();
    let now = state.now();
    let report = match call(&state, move |c| c.report(&qq, now)).await {
        Ok(r) => r,
        Err(e) => return failure(lang, &q, e),
    };
    let (path, key, title, field, span_text) = match query.span {
        ReportSpan::Day(d) => (
            "/report/day",
            "day",
            "nav.report_day",
            "date",
            d.to_string(),
        ),
        ReportSpan::Month(m) => (
            "/report",
            "month",
            "nav.report",
            "month",
            m.strftime("%Y-%m").to_string(),
        ),
        ReportSpan::Year(y) => (
            "/report/year",
            "year",
            "nav.report_year",
            "year",
            y.to_string(),
        ),
    };
    let file = format!("hallclock-{key}-{}", report.label);
    match q.get("format").map(String::as_str) {
        Some("csv") => {
            return match render_csv(&report) {
                Ok(text) => download(
                    &format!("{file}.csv"),
                    "text/csv; charset=utf-8",
                    text.into_bytes(),
                ),
                Err(e) => failure(lang, &q, ConsoleError::Failed(e.to_string())),
            }
        }
        Some("xlsx") => {
            return match xlsx_bytes(&report) {
                Ok(bytes) => download(
                    &format!("{file}.xlsx"),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    bytes,
                ),
                Err(e) => failure(lang, &q, ConsoleError::Failed(e.to_string())),
            }
        }
        _ => {}
    }
    let mut b = String::with_capacity(64 * 1024);
    let staff_text = query
        .staff
        .as_ref()
        .map(|x| x.to_string())
        .unwrap_or_default();
    let post_text = query.post.clone().unwrap_or_default();
    let _ = write!(
        b,
        "<p><a href=\"/report/day\">{}</a> · <a href=\"/report\">{}</a> · <a href=\"/report/year\">{}</a></p>",
        esc(t(lang, "nav.report_day")),
        esc(t(lang, "nav.report")),
        esc(t(lang, "nav.report_year")),
    );
    let span_label = match kind {
        SpanKind::Day => "report.day",
        SpanKind::Month => "report.month",
        SpanKind::Year => "report.year",
    };
    let _ = write!(
        b,
        "<form class=\"card\" method=\"get\" action=\"{path}\"><label>{} <input name=\"{field}\" id=\"{field}\" value=\"{}\"></label><label>{} <input name=\"staff\" id=\"staff\" value=\"{}\"></label><label>{} <input name=\"post\" id=\"post\" value=\"{}\"></label><button id=\"filter\">{}</button></form>",
        esc(t(lang, span_label)),
        esc(&span_text),
        esc(t(lang, "col.id")),
        esc(&staff_text),
        esc(t(lang, "col.post")),
        esc(&post_text),
        esc(t(lang, "search")),
    );
    let qs = esc(&format!(
        "{field}={}&staff={}&post={}",
        url_component(&span_text),
        url_component(&staff_text),
        url_component(&post_text)
    ));
    let _ = write!(
        b,
        "<p><a id=\"csv\" href=\"{path}?{qs}&amp;format=csv\">{}</a> · <a id=\"xlsx\" href=\"{path}?{qs}&amp;format=xlsx\">{}</a> · {} {}</p>",
        esc(t(lang, "report.csv")),
        esc(t(lang, "report.xlsx")),
        esc(t(lang, "report.as_of")),
        esc(&report.as_of_local),
    );
    let heads = [
        "col.id",
        "col.name",
        "report.late",
        "report.late_min",
        "report.early",
        "report.missing",
        "report.absent",
        "report.leave",
        "report.deduction",
        "report.score",
    ];
    b.push_str("<table id=\"report\"><tr>");
    for h in heads {
        let _ = write!(b, "<th>{}</th>", esc(t(lang, h)));
    }
    b.push_str("</tr>");
    for row in report.people.iter().chain(std::iter::once(&report.hall)) {
        let c = &row.counts;
        let id = row
            .staff
            .as_ref()
            .map_or_else(|| t(lang, "report.hall").to_string(), ToString::to_string);
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td><td>{}</td></tr>",
            esc(&id),
            esc(&row.name),
            c.late,
            c.late_minutes,
            c.early,
            c.missing,
            f64::from(c.absence_half_days) / 2.0,
            f64::from(c.leave_half_days_total()) / 2.0,
            esc(&row.deduction.to_string()),
            esc(&row.score.to_string()),
        );
    }
    b.push_str("</table>");
    if !report.gaps.is_empty() {
        let _ = write!(
            b,
            "<h2>{}</h2><table><tr><th>{}</th><th></th><th>{}</th><th>A</th><th>B</th></tr>",
            esc(t(lang, "report.gaps")),
            esc(t(lang, "col.date")),
            esc(t(lang, "col.post"))
        );
        for g in &report.gaps {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                g.date,
                esc(session_text(lang, g.session)),
                esc(&g.post.to_string()),
                esc(g.holder.as_str()),
                esc(g.backup.as_str())
            );
        }
        b.push_str("</table>");
    }
    respond(
        StatusCode::OK,
        &q,
        page(lang, t(lang, title), Some(&viewer(&s)), &b),
    )
}

pub(super) fn download(file: &str, mime: &'static str, bytes: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

fn mark_class(m: SessionMark) -> (&'static str, &'static str) {
    match m {
        SessionMark::OnTime => ("on_time", "mark.on_time"),
        SessionMark::Late => ("late", "mark.late"),
        SessionMark::Early => ("early", "mark.early"),
        SessionMark::Missing => ("missing", "mark.missing"),
        SessionMark::Leave => ("leave", "mark.leave"),
        SessionMark::Absent => ("missing", "mark.absent"),
        SessionMark::Pending => ("pending", "mark.pending"),
    }
}

pub async fn calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require(&state, &headers, &q, Permission::ViewReports, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let (month, staff) = match (month_param(&state, &q), staff_param(q.get("staff"))) {
        (Ok(m), Ok(st)) => (m, st),
        (Err(e), _) | (_, Err(e)) => return bad_request(lang, &q, &e),
    };
    let mut b = String::new();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"get\" action=\"/calendar\"><label>{} <input name=\"staff\" id=\"staff\" value=\"{}\"></label><label>{} <input name=\"month\" id=\"month\" value=\"{}\"></label><button>{}</button></form>",
        esc(t(lang, "col.id")),
        esc(&staff.as_ref().map(ToString::to_string).unwrap_or_default()),
        esc(t(lang, "report.month")),
        esc(&month.strftime("%Y-%m").to_string()),
        esc(t(lang, "search")),
    );
    if let Some(staff) = staff {
        let who = staff.clone();
        let now = state.now();
        let days = match call(&state, move |c| c.person_month(&who, month, now)).await {
            Ok(d) => d,
            Err(e) => return failure(lang, &q, e),
        };
        b.push_str("<p>");
        for m in [
            SessionMark::OnTime,
            SessionMark::Late,
            SessionMark::Early,
            SessionMark::Missing,
            SessionMark::Leave,
        ] {
            let (class, key) = mark_class(m);
            let _ = write!(
                b,
                "<span class=\"s {class}\" style=\"display:inline\">{}</span> ",
                esc(t(lang, key))
            );
        }
        let _ = write!(
            b,
            "</p><h2>{} · {}</h2><table class=\"cal\" id=\"calendar\"><tr>",
            esc(staff.as_str()),
            esc(&month.strftime("%Y-%m").to_string())
        );
        for d in ["wd.1", "wd.2", "wd.3", "wd.4", "wd.5", "wd.6", "wd.7"] {
            let _ = write!(b, "<th>{}</th>", esc(t(lang, d)));
        }
        b.push_str("</tr><tr>");
        let lead = month.weekday().to_monday_zero_offset();
        for _ in 0..lead {
            b.push_str("<td></td>");
        }
        let mut col = lead;
        for day in &days {
            let date = match day {
                CalendarDay::NotJudged { date }
                | CalendarDay::DayOff { date }
                | CalendarDay::Duty { date, .. }
                | CalendarDay::Working { date, .. } => *date,
            };
            let _ = write!(b, "<td><b>{}</b>", date.day());
            match day {
                CalendarDay::NotJudged { .. } => {
                    let _ = write!(
                        b,
                        "<span class=\"s off\">{}</span>",
                        esc(t(lang, "mark.not_judged"))
                    );
                }
                CalendarDay::DayOff { .. } => {
                    let _ = write!(
                        b,
                        "<span class=\"s off\">{}</span>",
                        esc(t(lang, "mark.off"))
                    );
                }
                CalendarDay::Duty { done, .. } => {
                    let (class, key) = match done {
                        Some(true) => ("on_time", "mark.duty_done"),
                        Some(false) => ("missing", "mark.duty_missed"),
                        None => ("pending", "mark.duty"),
                    };
                    let _ = write!(b, "<span class=\"s {class}\">{}</span>", esc(t(lang, key)));
                }
                CalendarDay::Working {
                    morning,
                    afternoon,
                    amended,
                    ..
                } => {
                    for (sess, m) in [(Session::Morning, morning), (Session::Afternoon, afternoon)]
                    {
                        let (class, key) = mark_class(*m);
                        let _ = write!(
                            b,
                            "<span class=\"s {class}\">{} {}</span>",
                            esc(session_text(lang, sess)),
                            esc(t(lang, key))
                        );
                    }
                    if *amended {
                        let _ = write!(
                            b,
                            "<span class=\"s warn\">{}</span>",
                            esc(t(lang, "mark.amended"))
                        );
                    }
                }
            }
            b.push_str("</td>");
            col += 1;
            if col % 7 == 0 {
                b.push_str("</tr><tr>");
            }
        }
        b.push_str("</tr></table>");
    }
    respond(
        StatusCode::OK,
        &q,
        page(lang, t(lang, "nav.calendar"), Some(&viewer(&s)), &b),
    )
}

// ---------------------------------------------------------------------------------------------
// Amendments, status, audit

fn amend_body(lang: Lang, s: &SessionInfo, note: &str) -> String {
    let mut b = note.to_string();
    let _ = write!(
        b,
        "<form class=\"card\" method=\"post\" action=\"/amend\">{}<label>{}<br><input name=\"staff\" id=\"amend-staff\" required></label><label>{}<br><input name=\"at\" id=\"amend-at\" placeholder=\"2026-11-03 08:05\" required></label><label>{}<br><select name=\"action\"><option value=\"add\">{}</option><option value=\"void\">{}</option></select></label><label>{}<br><input name=\"reason\" id=\"amend-reason\" required></label><button id=\"amend\">{}</button></form>",
        csrf_field(&s.csrf),
        esc(t(lang, "col.id")),
        esc(t(lang, "amend.at")),
        esc(t(lang, "amend.action")),
        esc(t(lang, "amend.add")),
        esc(t(lang, "amend.void")),
        esc(t(lang, "amend.reason")),
        esc(t(lang, "amend.submit")),
    );
    b
}

pub async fn amend_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require(&state, &headers, &q, Permission::AmendPunches, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    respond(
        StatusCode::OK,
        &q,
        page(
            lang,
            t(lang, "nav.amend"),
            Some(&viewer(&s)),
            &amend_body(lang, &s, ""),
        ),
    )
}

pub async fn amend(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<Params>,
    Form(f): Form<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require_post(
        &state,
        &headers,
        &q,
        Permission::AmendPunches,
        f.get("csrf").map(String::as_str),
    )
    .await
    {
        Ok(s) => s,
        Err(r) => return r,
    };
    let zone = state.console.zone();
    let parsed = (|| -> Result<Amendment, String> {
        let staff = staff_param(f.get("staff"))?.ok_or("staff: expected a staff id")?;
        let text = f.get("at").map(|a| a.trim()).unwrap_or_default();
        let civil: jiff::civil::DateTime = text
            .replace(' ', "T")
            .parse()
            .map_err(|_| format!("time {text:?}: expected YYYY-MM-DD HH:MM"))?;
        let at = zone
            .to_ambiguous_timestamp(civil)
            .compatible()
            .map_err(|e| e.to_string())?;
        let reason = f
            .get("reason")
            .map(|r| r.trim().to_string())
            .unwrap_or_default();
        if reason.is_empty() {
            return Err("reason: expected why the record is corrected".into());
        }
        let author = StaffId::new(&s.account).map_err(|e| format!("account {}: {e}", s.account))?;
        let correction = match f.get("action").map(String::as_str) {
            Some("void") => Correction::VoidPunch { at },
            _ => Correction::AddPunch { at },
        };
        Ok(Amendment {
            staff,
            correction,
            reason,
            author,
        })
    })();
    let a = match parsed {
        Ok(a) => a,
        Err(e) => {
            return respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                &q,
                page(
                    lang,
                    t(lang, "nav.amend"),
                    Some(&viewer(&s)),
                    &amend_body(lang, &s, &message("err", &e)),
                ),
            )
        }
    };
    let a2 = a.clone();
    let now = state.now();
    let by = actor(&s, peer);
    match call(&state, move |c| c.amend(&a2, now, &by)).await {
        Ok(()) => {
            let at = match a.correction {
                Correction::AddPunch { at } | Correction::VoidPunch { at } => at,
            };
            let note = message(
                "ok",
                &format!(
                    "{} {} {}",
                    t(lang, "amend.done"),
                    a.staff,
                    local(&state, at)
                ),
            );
            respond(
                StatusCode::OK,
                &q,
                page(
                    lang,
                    t(lang, "nav.amend"),
                    Some(&viewer(&s)),
                    &amend_body(lang, &s, &note),
                ),
            )
        }
        Err(ConsoleError::Refused(e)) => respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            &q,
            page(
                lang,
                t(lang, "nav.amend"),
                Some(&viewer(&s)),
                &amend_body(lang, &s, &message("err", &e)),
            ),
        ),
        Err(e) => failure(lang, &q, e),
    }
}

pub async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require(&state, &headers, &q, Permission::ViewStatus, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let st = match call(&state, |c| c.status()).await {
        Ok(st) => st,
        Err(e) => return failure(lang, &q, e),
    };
    let checks = match call(&state, |c| c.doctor()).await {
        Ok(c) => c,
        Err(e) => return failure(lang, &q, e),
    };
    let opt = |t: Option<Timestamp>| t.map_or_else(|| "-".to_string(), |t| local(&state, t));
    let mut b = format!(
        "<table id=\"status\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></table>",
        esc(t(lang, "status.clock")),
        esc(t(lang, if st.clock_trusted { "status.trusted" } else { "status.untrusted" })),
        esc(t(lang, "status.outbox")),
        st.outbox_pending,
        esc(t(lang, "status.parked")),
        st.outbox_parked,
        esc(t(lang, "status.oldest")),
        esc(&opt(st.oldest_pending)),
        esc(t(lang, "status.last_upload")),
        esc(&opt(st.last_upload)),
        esc(t(lang, "status.enrolled")),
        st.enrolled_people,
        esc(t(lang, "status.schema")),
        st.schema_version,
    );
    let _ = write!(
        b,
        "<h2>{}</h2><table id=\"recent\"><tr><th>{}</th><th>{}</th></tr>",
        esc(t(lang, "status.recent")),
        esc(t(lang, "col.id")),
        esc(t(lang, "col.time"))
    );
    for (id, at) in &st.recent {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(id.as_str()),
            esc(&local(&state, *at))
        );
    }
    b.push_str("</table>");
    let _ = write!(
        b,
        "<h2>{}</h2><table id=\"checks\"><tr><th>{}</th><th></th><th></th></tr>",
        esc(t(lang, "status.checks")),
        esc(t(lang, "status.check")),
    );
    // The checks' details name files and folders: only admins see them.
    let paths = s.role == Role::Admin;
    for c in &checks {
        let detail = if paths { c.detail.as_str() } else { "" };
        let (class, key) = if c.ok {
            ("on_time", "status.ok")
        } else {
            ("missing", "status.problem")
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td><span class=\"s {class}\">{}</span></td><td>{}</td></tr>",
            esc(&c.name),
            esc(t(lang, key)),
            esc(detail)
        );
    }
    b.push_str("</table>");
    respond(
        StatusCode::OK,
        &q,
        page(lang, t(lang, "nav.status"), Some(&viewer(&s)), &b),
    )
}

pub async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Params>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let s = match require(&state, &headers, &q, Permission::ViewAudit, true).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    const PER_PAGE: usize = 100;
    let page_no: usize = q
        .get("page")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or(0);
    let (view, view_key) = match q.get("show").map(String::as_str) {
        Some("sign-ins") => (AuditView::SignIns, "sign-ins"),
        Some("all") => (AuditView::All, "all"),
        _ => (AuditView::Changes, "changes"),
    };
    let (lines, more) = match call(&state, move |c| c.audit_log(view, page_no, PER_PAGE)).await {
        Ok(l) => l,
        Err(e) => return failure(lang, &q, e),
    };
    let link = |show: &str, page: usize, text: &str| {
        format!(
            "<a href=\"/audit?show={}&amp;page={page}\">{}</a>",
            esc(show),
            esc(text)
        )
    };
    let mut b = format!(
        "<p id=\"audit-views\">{} · {} · {}</p>",
        link("changes", 0, "changes"),
        link("sign-ins", 0, "sign-ins"),
        link("all", 0, "all")
    );
    let _ = write!(
        b,
        "<table id=\"audit\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>client</th></tr>",
        esc(t(lang, "col.time")),
        esc(t(lang, "audit.who")),
        esc(t(lang, "audit.what")),
        esc(t(lang, "audit.detail"))
    );
    for l in &lines {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&local(&state, l.at)),
            esc(&l.actor),
            esc(&l.action),
            esc(&l.detail),
            esc(&l.client)
        );
    }
    b.push_str("</table><p id=\"audit-pages\">");
    if page_no > 0 {
        b.push_str(&link(view_key, page_no - 1, "« newer"));
        b.push(' ');
    }
    let _ = write!(b, "page {}", page_no + 1);
    if more {
        b.push(' ');
        b.push_str(&link(view_key, page_no + 1, "older »"));
    }
    b.push_str("</p>");
    respond(
        StatusCode::OK,
        &q,
        page(lang, t(lang, "nav.audit"), Some(&viewer(&s)), &b),
    )
}

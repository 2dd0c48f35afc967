//! What the console's handlers share: the query parameters, running a [`Console`] call on a
//! blocking thread, the page's language, HTML answers (and the 400, 422 and 500 pages), the
//! client's part in the audit line, and reading months, years and staff ids from a query.
//!
//! No handler lives here and nothing here decides who may do what: that is the session's
//! extractors' job (`session`). Nothing here touches the store but through the port.
//!
//! [`Console`]: super::Console

use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use jiff::Timestamp;
use tracing::{error, info};

use super::html::{message, page};
use super::i18n::{t, Lang};
use super::{AppState, Console, ConsoleError};
use crate::core::ids::StaffId;
use crate::core::schedule::Session;

pub(super) use hallclock_web::http::{cookie, lang_of, respond, url_component, Params};

/// The years the console reads and reports (a wider year is a mistake, answered 400).
pub(super) const YEARS: std::ops::RangeInclusive<i16> = 2000..=2099;

pub(super) fn year_in_range(what: &str, text: &str, year: i16) -> Result<(), String> {
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
pub(super) async fn reload_gallery(state: &AppState) {
    match call(state, |c| c.reload_gallery()).await {
        Ok(true) => info!("Asked the daemon to reload the enrolments."),
        Ok(false) => {}
        Err(e) => error!(error = %e, "Cannot ask the daemon to reload the enrolments."),
    }
}

/// The line a printed sheet starts with: the hall, `what` (an i18n key), `period`, and when it
/// was printed in the hall's time.
pub(super) fn print_head(state: &AppState, lang: Lang, what: &str, period: &str) -> String {
    let printed = state
        .console
        .zone()
        .to_datetime(state.now())
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    super::html::print_head(
        &state.console.hall_name(),
        t(lang, what),
        period,
        &format!("{} {printed}", t(lang, "print.printed")),
    )
}

/// Today in the hall's zone, by the console's clock.
pub(super) fn today(state: &AppState) -> Date {
    state.console.zone().to_datetime(state.now()).date()
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

pub(super) fn session_text(lang: Lang, s: Session) -> &'static str {
    t(
        lang,
        match s {
            Session::Morning => "session.am",
            Session::Afternoon => "session.pm",
        },
    )
}

//! The status page: the clock, the upload outbox, enrolled people, the schema version, the
//! latest recognitions (staff id and time only) and `doctor`'s checks.
//!
//! It shows no face data, and a check's detail (file paths) only to admins. A check that was not
//! run (the clock with `daemon.clock-check = "off"`, a skipped doctor's check) is shown as not
//! checked, never as "正常".

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::Timestamp;

use super::common::{call, local};
use super::html::esc;
use super::i18n::t;
use super::security::Role;
use super::session::{need, SignedIn};
use super::{AppState, CheckState};

pub async fn status(State(state): State<AppState>, s: SignedIn<need::ViewStatus>) -> Response {
    let lang = s.lang;
    let st = match call(&state, |c| c.status()).await {
        Ok(st) => st,
        Err(e) => return s.failure(e),
    };
    let checks = match call(&state, |c| c.doctor()).await {
        Ok(c) => c,
        Err(e) => return s.failure(e),
    };
    let opt = |t: Option<Timestamp>| t.map_or_else(|| "-".to_string(), |t| local(&state, t));
    let mut b = format!(
        "<table id=\"status\"><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></table>",
        esc(t(lang, "status.clock")),
        esc(t(lang, match (st.clock_checked, st.clock_trusted) {
            (false, _) => "status.clock_unchecked",
            (true, true) => "status.trusted",
            (true, false) => "status.untrusted",
        })),
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
    let paths = s.session.role == Role::Admin;
    for c in &checks {
        let detail = if paths { c.detail.as_str() } else { "" };
        let (class, key) = match c.state {
            CheckState::Ok => ("on_time", "status.ok"),
            CheckState::Warning => ("late", "status.warning"),
            CheckState::Failed => ("missing", "status.problem"),
            CheckState::Skipped => ("pending", "status.skipped"),
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
    s.page(StatusCode::OK, "nav.status", &b)
}

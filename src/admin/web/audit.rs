//! The audit log, newest first, a hundred lines a page: changes (the default), sign-ins, or all.
//!
//! Read-only: the log is append-only and written by the port with each change.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::common::{call, local};
use super::html::{esc, table_head};
use super::i18n::t;
use super::session::{need, SignedIn};
use super::{AppState, AuditView};

pub async fn audit(State(state): State<AppState>, s: SignedIn<need::ViewAudit>) -> Response {
    let lang = s.lang;
    const PER_PAGE: usize = 100;
    let page_no: usize =
        s.q.get("page")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(0);
    let (view, view_key) = match s.q.get("show").map(String::as_str) {
        Some("sign-ins") => (AuditView::SignIns, "sign-ins"),
        Some("all") => (AuditView::All, "all"),
        _ => (AuditView::Changes, "changes"),
    };
    let (lines, more) = match call(&state, move |c| c.audit_log(view, page_no, PER_PAGE)).await {
        Ok(l) => l,
        Err(e) => return s.failure(e),
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
    b.push_str(&table_head(
        "audit",
        &[
            t(lang, "col.time"),
            t(lang, "audit.who"),
            t(lang, "audit.what"),
            t(lang, "audit.detail"),
            "client",
        ],
    ));
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
    s.page(StatusCode::OK, "nav.audit", &b)
}

//! The audit log, newest first, a hundred lines a page: changes (the default), sign-ins, or all.
//!
//! Read-only: the log is append-only and written by the port with each change.

use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::common::{call, failure, lang_of, local, respond, Params};
use super::html::{esc, page};
use super::i18n::t;
use super::security::Permission;
use super::session::{require, viewer};
use super::{AppState, AuditView};

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

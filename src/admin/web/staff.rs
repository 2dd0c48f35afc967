//! The staff list (search, the calendar link) and deactivating a person, which erases their
//! face embeddings through the port and asks a running door to reload its gallery.
//!
//! No enrolment lives here (`enrol`), and no SQL: every change goes through the [`Console`]
//! port, which writes its audit line in the same transaction.
//!
//! [`Console`]: super::Console

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::common::{call, reload_gallery, staff_param};
use super::html::{csrf_field, esc, message, table_head, Form, Input};
use super::i18n::t;
use super::security::{allowed, Permission};
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::{AppState, ConsoleError};

pub async fn staff(State(state): State<AppState>, s: SignedIn<need::ViewStaff>) -> Response {
    staff_page(&state, &s, None).await
}

async fn staff_page(state: &AppState, s: &Signed, note: Option<String>) -> Response {
    let lang = s.lang;
    let list = match call(state, |c| c.staff()).await {
        Ok(l) => l,
        Err(e) => return s.failure(e),
    };
    let search =
        s.q.get("q")
            .map(|x| x.trim().to_lowercase())
            .unwrap_or_default();
    let mut b = String::new();
    if let Some(n) = note {
        b.push_str(&n);
    }
    b.push_str(
        &Form::get("/staff")
            .field(
                t(lang, "staff.search"),
                &Input::new("q", "q")
                    .value(&search)
                    .placeholder(t(lang, "staff.search"))
                    .html(),
            )
            .submit(None, t(lang, "search")),
    );
    b.push_str(&table_head(
        "staff",
        &[
            t(lang, "col.id"),
            t(lang, "col.name"),
            t(lang, "col.post"),
            t(lang, "col.active"),
            t(lang, "col.faces"),
            "",
        ],
    ));
    let can_enrol = allowed(s.session.role, Permission::Enrol);
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
                csrf_field(&s.session.csrf),
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
    s.page(StatusCode::OK, "nav.staff", &b)
}

pub async fn deactivate(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::Enrol>,
) -> Response {
    let lang = s.lang;
    let id = match staff_param(f.get("id")) {
        Ok(Some(id)) => id,
        Ok(None) => return s.failure(ConsoleError::Refused("id: expected a staff id".into())),
        Err(e) => return s.failure(ConsoleError::Refused(e)),
    };
    let who = id.clone();
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
            s.q.remove("q");
            staff_page(&state, &s, Some(note)).await
        }
        Err(e) => s.failure(e),
    }
}

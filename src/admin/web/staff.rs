//! The staff list (search by id, name, pinyin initials, window or department; sorted and paged
//! on the server; the calendar link) and deactivating a person, confirmed by typing their id,
//! which erases their face embeddings through the port and asks a running door to reload its
//! gallery.
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
use super::html::{csrf_field, esc, message, person_input, Form};
use super::i18n::t;
use super::security::{allowed, Permission};
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::table::{back_field, pager, sort_header, Paging};
use super::{AppState, ConsoleError, StaffLine};
use crate::core::names::{matches, pinyin_key};

pub async fn staff(State(state): State<AppState>, s: SignedIn<need::ViewStaff>) -> Response {
    staff_page(&state, &s, None, StatusCode::OK).await
}

async fn staff_page(
    state: &AppState,
    s: &Signed,
    note: Option<String>,
    status: StatusCode,
) -> Response {
    let lang = s.lang;
    let list = match call(state, |c| c.staff()).await {
        Ok(l) => l,
        Err(e) => return s.failure(e),
    };
    let search =
        s.q.get("q")
            .map(|x| x.trim().to_string())
            .unwrap_or_default();
    let mut b = String::new();
    if let Some(n) = note {
        b.push_str(&n);
    }
    b.push_str(
        &Form::get("/staff")
            .field(
                t(lang, "staff.search"),
                &person_input(lang, "q", "q", &search).html(),
            )
            .submit(None, t(lang, "search")),
    );
    // Who matches is the core's (`names::matches`: id, name, pinyin initials, window).
    let mut shown: Vec<&StaffLine> = list
        .iter()
        .filter(|p| {
            matches(&search, p.id.as_str(), &p.name)
                || p.post
                    .as_deref()
                    .is_some_and(|x| x.to_lowercase().contains(&search.to_lowercase()))
                || p.department
                    .as_deref()
                    .is_some_and(|x| !search.is_empty() && x.contains(search.as_str()))
        })
        .collect();
    let paging = Paging::from_query(&s.q, &SORTS);
    paging.sort(&mut shown, |p, key| match key {
        "name" => (pinyin_key(&p.name).0, p.name.clone()),
        "post" => (p.post.clone().unwrap_or_default(), p.id.to_string()),
        "department" => (p.department.clone().unwrap_or_default(), p.id.to_string()),
        "faces" => (format!("{:06}", p.faces), p.id.to_string()),
        _ => (p.id.to_string(), String::new()),
    });
    b.push_str("<table id=\"staff\"><tr>");
    for (key, label) in [
        ("id", "col.id"),
        ("name", "col.name"),
        ("department", "col.department"),
        ("post", "col.post"),
    ] {
        b.push_str(&sort_header("/staff", &s.q, &paging, key, t(lang, label)));
    }
    let _ = write!(b, "<th>{}</th>", esc(t(lang, "col.active")));
    b.push_str(&sort_header(
        "/staff",
        &s.q,
        &paging,
        "faces",
        t(lang, "col.faces"),
    ));
    b.push_str("<th></th></tr>");
    let can_enrol = allowed(s.session.role, Permission::Enrol);
    for p in paging.slice(&shown) {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/calendar?staff={}\">{}</a>",
            esc(p.id.as_str()),
            esc(&p.name),
            esc(p.department.as_deref().unwrap_or("-")),
            esc(p.post.as_deref().unwrap_or("-")),
            esc(t(lang, if p.active { "yes" } else { "no" })),
            p.faces,
            esc(p.id.as_str()),
            esc(t(lang, "nav.calendar")),
        );
        if can_enrol && p.active {
            // Erasing a face: the admin types the person's id to confirm.
            let _ = write!(
                b,
                " <form method=\"post\" action=\"/staff/deactivate\" style=\"display:inline\">{}{}<input type=\"hidden\" name=\"id\" value=\"{id}\"><input name=\"confirm\" id=\"confirm-{id}\" size=\"12\" placeholder=\"{}\" required><button id=\"deactivate-{id}\">{}</button></form>",
                csrf_field(&s.session.csrf),
                back_field(&s.q),
                esc(t(lang, "staff.type_id")),
                esc(t(lang, "staff.deactivate")),
                id = esc(p.id.as_str()),
            );
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</table>");
    b.push_str(&pager("/staff", &s.q, &paging, shown.len(), lang));
    s.page(status, "nav.staff", &b)
}

/// The staff table's sort keys (the first is the default).
const SORTS: [&str; 5] = ["id", "name", "department", "post", "faces"];

pub async fn deactivate(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::Enrol>,
) -> Response {
    let lang = s.lang;
    let id = match staff_param(f.get("id")) {
        Ok(Some(id)) => id,
        Ok(None) => return s.failure(ConsoleError::Refused(t(lang, "staff.need_id").into())),
        Err(e) => return s.failure(ConsoleError::Refused(e)),
    };
    let typed = f.get("confirm").cloned().unwrap_or_default();
    let who = id.clone();
    // Back on the list as it was (its search, sort and page).
    if let Some(back) = f.get("back") {
        for (k, v) in back.split('&').filter_map(|kv| kv.split_once('=')) {
            if matches!(k, "page" | "sort") {
                s.q.insert(k.to_string(), v.to_string());
            }
        }
    }
    match call(&state, move |c| c.deactivate(&who, &typed, &by)).await {
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
            staff_page(&state, &s, Some(note), StatusCode::OK).await
        }
        Err(ConsoleError::Refused(e)) => {
            staff_page(
                &state,
                &s,
                Some(message("err", &e)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => s.failure(e),
    }
}

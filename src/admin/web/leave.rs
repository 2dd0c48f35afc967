//! Leave: the month's list (names beside ids, previous and next month), entering a leave
//! (half-day precision, the person and the cover by id, name or pinyin initials, the reason),
//! changing one not yet approved, withdrawing one (撤销), closing one (销假, on the day the
//! person came back), and approving one at the level it requires. A refused form comes back
//! with what was typed; a change made from the list goes back to the list as it was.
//!
//! Who may approve what, and what makes no sense, is not decided here: the port checks the
//! approver against the role and the person on leave (`core::leave::check_approver`) and the
//! leave itself (`core::leave::Leave::check_request`); this file only shows the forms.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::Date;

use super::common::{call, session_text, Params};
use super::html::{csrf_field, esc, message, person_input, select_value, table_head, Form, Input};
use super::i18n::{t, Lang};
use super::security::{allowed, Permission};
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::table::{back_field, back_to, link, month_nav};
use super::{AppState, Console, ConsoleError, LeaveForm, LeaveLine};
use crate::admin::report::{kind_key, kind_zh, LEAVE_KINDS};
use crate::core::leave::{ApprovalLevel, HalfDay, LeaveId};
use crate::core::schedule::Session;

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

pub async fn leave_page(State(state): State<AppState>, s: SignedIn<need::EnterLeave>) -> Response {
    let note = done_note(&s);
    leave_view(&state, &s, note, None, StatusCode::OK).await
}

/// The note of a change the list was sent back to (`done=approved-3`).
fn done_note(s: &Signed) -> String {
    let lang = s.lang;
    let Some((what, id)) = s.q.get("done").and_then(|d| d.split_once('-')) else {
        return String::new();
    };
    let Ok(id) = id.parse::<u64>() else {
        return String::new();
    };
    let key = match what {
        "approved" => "leave.approved",
        "edited" => "leave.edited",
        "cancelled" => "leave.cancelled",
        "closed" => "leave.closed",
        _ => return String::new(),
    };
    message("ok", &format!("#{id} {}", t(lang, key)))
}

/// The leave form's fields, filled with what was typed (`typed`) or a leave being changed.
fn leave_fields(lang: Lang, form: Form, typed: Option<&Params>, prefix: &str) -> Form {
    let value = |k: &str| {
        typed
            .and_then(|f| f.get(k))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let kind_names: Vec<(&str, String)> = LEAVE_KINDS
        .iter()
        .map(|k| (kind_key(*k), format!("{} {}", kind_zh(*k), kind_key(*k))))
        .collect();
    let kinds: Vec<(&str, &str)> = kind_names.iter().map(|(k, n)| (*k, n.as_str())).collect();
    let sessions = [("am", t(lang, "session.am")), ("pm", t(lang, "session.pm"))];
    let half_day = |name: &str, default_session: &str| {
        let chosen = match value(&format!("{name}_session")) {
            v if v.is_empty() => default_session.to_string(),
            v => v,
        };
        format!(
            "{} {}",
            Input::new(name, &format!("{prefix}-{name}"))
                .value(&value(name))
                .placeholder("2026-11-03")
                .required()
                .html(),
            select_value(
                &format!("{name}_session"),
                Some(&format!("{prefix}-{name}-session")),
                &sessions,
                &chosen
            )
        )
    };
    form.field(
        t(lang, "leave.who"),
        &person_input(lang, "staff", &format!("{prefix}-staff"), &value("staff"))
            .required()
            .html(),
    )
    .field(
        t(lang, "leave.kind"),
        &select_value(
            "kind",
            Some(&format!("{prefix}-kind")),
            &kinds,
            &value("kind"),
        ),
    )
    .field(t(lang, "leave.from"), &half_day("from", "am"))
    .field(t(lang, "leave.to"), &half_day("to", "pm"))
    .field(
        t(lang, "leave.cover"),
        &person_input(lang, "cover", &format!("{prefix}-cover"), &value("cover")).html(),
    )
    .field(
        t(lang, "leave.reason"),
        &Input::new("reason", &format!("{prefix}-reason"))
            .value(&value("reason"))
            .html(),
    )
}

async fn leave_view(
    state: &AppState,
    s: &Signed,
    note: String,
    typed: Option<&Params>,
    status: StatusCode,
) -> Response {
    let lang = s.lang;
    let (month, list) = match s.month_list(state, |c, month| c.leaves(month)).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut b = note;
    b.push_str(
        &leave_fields(lang, Form::post("/leave", &s.session.csrf), typed, "leave")
            .submit(Some("leave-add"), t(lang, "leave.submit")),
    );
    let _ = write!(
        b,
        "<h2>{} {}</h2>",
        esc(&month.strftime("%Y-%m").to_string()),
        esc(t(lang, "leave.list")),
    );
    b.push_str(&month_nav("/leave", &s.q, month, lang));
    b.push_str(&table_head(
        "leaves",
        &[
            "#",
            t(lang, "col.id"),
            t(lang, "col.name"),
            t(lang, "leave.kind"),
            t(lang, "leave.from"),
            t(lang, "leave.to"),
            t(lang, "leave.days"),
            t(lang, "leave.cover"),
            t(lang, "leave.approval"),
            t(lang, "leave.actions"),
        ],
    ));
    let names = call(state, |c| c.names()).await.unwrap_or_default();
    for l in &list {
        b.push_str(&leave_row(s, l, &names));
    }
    b.push_str("</table>");
    s.page(status, "nav.leave", &b)
}

/// One leave of the list, with its approval and the changes still open to it.
fn leave_row(
    s: &Signed,
    l: &LeaveLine,
    names: &std::collections::BTreeMap<crate::core::ids::StaffId, String>,
) -> String {
    let lang = s.lang;
    let csrf = csrf_field(&s.session.csrf);
    let back = back_field(&s.q);
    let can_approve = allowed(s.session.role, Permission::ApproveLeave);
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
            if can_approve && !l.closed {
                let cert = if l.approval_required == ApprovalLevel::DirectorWithUnitCertificate {
                    format!(
                        " <input name=\"certified_by\" placeholder=\"{}\" required>",
                        esc(t(lang, "leave.certified_by"))
                    )
                } else {
                    String::new()
                };
                let _ = write!(
                    a,
                    " <form method=\"post\" action=\"/leave/approve\" style=\"display:inline\">{csrf}{back}<input type=\"hidden\" name=\"id\" value=\"{}\">{cert}<button id=\"approve-{}\">{}</button></form>",
                    l.id.0,
                    l.id.0,
                    esc(t(lang, "leave.approve"))
                );
            }
            a
        }
    };
    let mut actions = String::new();
    if l.closed {
        actions.push_str(&esc(t(lang, "leave.is_closed")));
    } else if l.from_centre {
        actions.push_str(&esc(t(lang, "leave.from_centre")));
    } else {
        if l.approved.is_none() {
            let _ = write!(
                actions,
                "<a id=\"edit-{}\" href=\"{}\">{}</a> ",
                l.id.0,
                esc(&link(
                    "/leave/edit",
                    &s.q,
                    &[("id", &l.id.0.to_string()), ("done", "")]
                )),
                esc(t(lang, "leave.edit"))
            );
        }
        let _ = write!(
            actions,
            "<form method=\"post\" action=\"/leave/cancel\" style=\"display:inline\">{csrf}{back}<input type=\"hidden\" name=\"id\" value=\"{id}\"><button id=\"cancel-{id}\">{}</button></form> \
             <form method=\"post\" action=\"/leave/close\" style=\"display:inline\">{csrf}{back}<input type=\"hidden\" name=\"id\" value=\"{id}\">{} <input name=\"back_date\" id=\"close-{id}-date\" size=\"10\" placeholder=\"{}\" required> {}<button id=\"close-{id}\">{}</button></form>",
            esc(t(lang, "leave.cancel")),
            esc(t(lang, "leave.back_on")),
            esc(&l.last.date.to_string()),
            select_value(
                "back_session",
                Some(&format!("close-{}-session", l.id.0)),
                &[("am", t(lang, "session.am")), ("pm", t(lang, "session.pm"))],
                "am"
            ),
            esc(t(lang, "leave.close")),
            id = l.id.0,
        );
    }
    let name_of = |id: &crate::core::ids::StaffId| names.get(id).cloned().unwrap_or_default();
    format!(
        "<tr id=\"leave-{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{} {}</td><td>{:.1}</td><td>{}</td><td>{approval}</td><td>{actions}</td></tr>",
        l.id.0,
        l.id.0,
        esc(l.staff.as_str()),
        esc(&l.name),
        esc(kind_zh(l.kind)),
        l.first.date,
        esc(session_text(lang, l.first.session)),
        l.last.date,
        esc(session_text(lang, l.last.session)),
        f64::from(l.half_days) / 2.0,
        esc(&l.cover.as_ref().map_or_else(
            || t(lang, "leave.no_cover").to_string(),
            |c| format!("{c} {}", name_of(c))
        )),
    )
}

fn half_day(
    lang: Lang,
    date: Option<&String>,
    session: Option<&String>,
    default: Session,
) -> Result<HalfDay, String> {
    let d = date.map(|d| d.trim()).unwrap_or_default();
    let date: Date = d
        .parse()
        .map_err(|_| format!("{} {d:?}", t(lang, "leave.bad_date")))?;
    let session = match session.map(String::as_str) {
        Some("am") => Session::Morning,
        Some("pm") => Session::Afternoon,
        _ => default,
    };
    Ok(HalfDay { date, session })
}

/// The leave a form describes, its people found through the port (an id, a name or pinyin
/// initials); a refusal's text otherwise.
async fn leave_form(state: &AppState, lang: Lang, f: &Params) -> Result<LeaveForm, ConsoleError> {
    let refused = ConsoleError::Refused;
    let k = f.get("kind").map(String::as_str).unwrap_or_default();
    let kind = LEAVE_KINDS
        .iter()
        .copied()
        .find(|x| kind_key(*x) == k)
        .ok_or_else(|| refused(format!("{} {k:?}", t(lang, "leave.bad_kind"))))?;
    let first =
        half_day(lang, f.get("from"), f.get("from_session"), Session::Morning).map_err(refused)?;
    let last =
        half_day(lang, f.get("to"), f.get("to_session"), Session::Afternoon).map_err(refused)?;
    if last < first {
        return Err(refused(format!(
            "{} ({first} / {last})",
            t(lang, "leave.backwards")
        )));
    }
    let typed = |k: &str| {
        f.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let staff_text =
        typed("staff").ok_or_else(|| refused(t(lang, "leave.need_staff").to_string()))?;
    let cover_text = typed("cover");
    let (staff, cover) = call(state, move |c| {
        let staff = c.find_staff(&staff_text)?;
        let cover = cover_text.map(|x| c.find_staff(&x)).transpose()?;
        Ok((staff, cover))
    })
    .await?;
    Ok(LeaveForm {
        staff,
        kind,
        first,
        last,
        cover,
        reason: typed("reason"),
    })
}

pub async fn leave_add(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::EnterLeave>,
) -> Response {
    let lang = s.lang;
    let form = match leave_form(&state, lang, &f).await {
        Ok(form) => form,
        Err(ConsoleError::Refused(e)) => {
            return leave_view(
                &state,
                &s,
                message("err", &e),
                Some(&f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => return s.failure(e),
    };
    let f2 = form.clone();
    let now = state.now();
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
            s.q.insert(
                "month".into(),
                form.first.date.strftime("%Y-%m").to_string(),
            );
            leave_view(&state, &s, note, None, StatusCode::OK).await
        }
        Err(ConsoleError::Refused(e)) => {
            leave_view(
                &state,
                &s,
                message("err", &e),
                Some(&f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => s.failure(e),
    }
}

/// The leave number a form names.
fn leave_id(lang: Lang, f: &Params) -> Result<LeaveId, ConsoleError> {
    f.get("id")
        .and_then(|i| i.trim().parse::<u64>().ok())
        .map(LeaveId)
        .ok_or_else(|| ConsoleError::Refused(t(lang, "leave.need_id").to_string()))
}

/// The answer to a change made from the list: back to the list as it was, with the note of
/// `done`; a refusal on the list, as it was, with the message.
async fn after_list_change(
    state: &AppState,
    s: &mut Signed,
    f: &Params,
    result: Result<String, ConsoleError>,
) -> Response {
    match result {
        Ok(done) => Redirect::to(&back_to("/leave", f, &done)).into_response(),
        Err(ConsoleError::Refused(e)) => {
            month_of_list(s, f);
            leave_view(
                state,
                s,
                message("err", &e),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => s.failure(e),
    }
}

/// Shows the month of the list a form was sent from (its `back` field), for a refusal.
fn month_of_list(s: &mut Signed, f: &Params) {
    if let Some(month) = f
        .get("back")
        .and_then(|b| b.split('&').find_map(|kv| kv.strip_prefix("month=")))
    {
        s.q.insert("month".into(), month.to_string());
    }
}

/// A change made from the list to the leave its form names (`change`, through the port),
/// answered as [`after_list_change`] says; `done` names it in the note (`approved`).
async fn change_from_list(
    state: &AppState,
    s: &mut Signed,
    f: &Params,
    done: &'static str,
    change: impl FnOnce(&dyn Console, LeaveId) -> Result<(), ConsoleError> + Send + 'static,
) -> Response {
    let result = match leave_id(s.lang, f) {
        Ok(id) => call(state, move |c| change(c, id))
            .await
            .map(|()| format!("{done}-{}", id.0)),
        Err(e) => Err(e),
    };
    after_list_change(state, s, f, result).await
}

pub async fn leave_approve(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::ApproveLeave>,
) -> Response {
    let cert = f
        .get("certified_by")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let now = state.now();
    change_from_list(&state, &mut s, &f, "approved", move |c, id| {
        c.approve_leave(id, &by, cert, now).map(|_| ())
    })
    .await
}

pub async fn leave_cancel(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::EnterLeave>,
) -> Response {
    let now = state.now();
    change_from_list(&state, &mut s, &f, "cancelled", move |c, id| {
        c.cancel_leave(id, now, &by)
    })
    .await
}

pub async fn leave_close(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::EnterLeave>,
) -> Response {
    let now = state.now();
    match half_day(
        s.lang,
        f.get("back_date"),
        f.get("back_session"),
        Session::Morning,
    ) {
        Ok(back) => {
            change_from_list(&state, &mut s, &f, "closed", move |c, id| {
                c.close_leave(id, back, now, &by).map(|_| ())
            })
            .await
        }
        Err(e) => after_list_change(&state, &mut s, &f, Err(ConsoleError::Refused(e))).await,
    }
}

/// The form that changes a leave: filled from the leave, or from what was typed when refused.
async fn edit_view(
    state: &AppState,
    s: &Signed,
    id: LeaveId,
    note: String,
    typed: Option<&Params>,
    status: StatusCode,
) -> Response {
    let lang = s.lang;
    let (_, list) = match s.month_list(state, |c, month| c.leaves(month)).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let from_leave: Option<Params> = list.iter().find(|l| l.id == id).map(|l| {
        let session = |h: HalfDay| match h.session {
            Session::Morning => "am",
            Session::Afternoon => "pm",
        };
        [
            ("staff", l.staff.to_string()),
            ("kind", kind_key(l.kind).to_string()),
            ("from", l.first.date.to_string()),
            ("from_session", session(l.first).to_string()),
            ("to", l.last.date.to_string()),
            ("to_session", session(l.last).to_string()),
            (
                "cover",
                l.cover
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            ),
            ("reason", l.reason.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    });
    let Some(values) = typed.cloned().or(from_leave) else {
        return s.failure(ConsoleError::Refused(format!(
            "#{} {}",
            id.0,
            t(lang, "leave.not_in_month")
        )));
    };
    let mut b = note;
    let mut back = s.q.clone();
    back.remove("id");
    let form = Form::post("/leave/edit", &s.session.csrf).field(
        "#",
        &format!(
            "{}<input type=\"hidden\" name=\"id\" value=\"{}\">{}",
            id.0,
            id.0,
            back_field(&back)
        ),
    );
    b.push_str(
        &leave_fields(lang, form, Some(&values), "edit")
            .submit(Some("edit-save"), t(lang, "leave.save")),
    );
    let _ = write!(
        b,
        "<p><a href=\"{}\">{}</a></p>",
        esc(&link("/leave", &back, &[])),
        esc(t(lang, "nav.leave"))
    );
    s.page(status, "leave.edit", &b)
}

pub async fn leave_edit_form(
    State(state): State<AppState>,
    s: SignedIn<need::EnterLeave>,
) -> Response {
    match leave_id(s.lang, &s.q) {
        Ok(id) => edit_view(&state, &s, id, String::new(), None, StatusCode::OK).await,
        Err(e) => s.failure(e),
    }
}

pub async fn leave_edit(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::EnterLeave>,
) -> Response {
    let lang = s.lang;
    let id = match leave_id(lang, &f) {
        Ok(id) => id,
        Err(e) => return s.failure(e),
    };
    let result = match leave_form(&state, lang, &f).await {
        Ok(form) => call(&state, move |c| c.edit_leave(id, &form, &by)).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&back_to("/leave", &f, &format!("edited-{}", id.0))).into_response(),
        Err(ConsoleError::Refused(e)) => {
            month_of_list(&mut s, &f);
            edit_view(
                &state,
                &s,
                id,
                message("err", &e),
                Some(&f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => s.failure(e),
    }
}

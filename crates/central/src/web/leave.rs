//! The leave page (`/leave`): a hall's leave touching a month with its state, a form to record a
//! leave (the person and the cover chosen by name), and on each line what the visitor's role may
//! do: approve (the level the leave's length needs, checked by the core's one rule
//! `check_approver`), close (销假) or cancel. Each change and its audit line are one PostgreSQL
//! transaction (`hall_facts`, `Store::end_leave`).
//!
//! Reads the forms and answers; the approval level, the overlap check and what a leave excuses
//! are the core's and the month's.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hallclock_core::ids::StaffId;
use hallclock_core::leave::{
    kind_from_word, kind_zh, parse_half_day, ApprovalLevel, LeaveId, LeaveKind, LeavePolicy,
};
use hallclock_core::schedule::Session;
use hallclock_web::html::{csrf_field, esc, message, select_value, table_head, Form, Input};
use hallclock_web::Params;

use super::i18n::t;
use super::session::{Posted, Visit};
use super::{MonthDesk, Permission, WebState};
use crate::hall_facts::{self, ApprovalAsked};
use crate::render;
use crate::store::{LeaveEnding, NewLeave, StoreError};

/// The leave page of the query's hall and month, `note` above, the form filled with `typed`.
async fn leave_page(
    state: &WebState,
    v: &Visit,
    note: &str,
    status: StatusCode,
    typed: Option<&Params>,
) -> Response {
    let desk = match MonthDesk::open(state, v, Permission::Leave, "/leave", note).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let (first, last) = desk.days;
    let lines = match desk.store.leaves(&desk.hall.id, first, last).await {
        Ok(l) => l,
        Err(e) => return v.store_failed(&e),
    };
    let lang = v.lang;
    let mut b = desk.body.clone();
    let mut header: Vec<&str> = render::LEAVE_HEADER.to_vec();
    header.insert(2, t(lang, "person.name"));
    header.push(t(lang, "leave.actions"));
    b.push_str(&table_head("leaves", &header));
    let may_approve = v.role.may_approve();
    for l in &lines {
        let mut cells: Vec<String> = render::leave_cells(&desk.hall.zone, l)
            .iter()
            .map(|c| esc(c))
            .collect();
        cells.insert(2, esc(desk.name(&l.leave.staff)));
        let id = l.leave.id.0;
        let button = |path: &str, extra: &str, label: &str| {
            format!(
                "<form method=\"post\" action=\"{}\" style=\"margin:0;display:inline\">{}<input type=\"hidden\" name=\"id\" value=\"{id}\">{extra}<button>{}</button></form>",
                esc(&desk.action(path)),
                csrf_field(&v.csrf),
                esc(label)
            )
        };
        let mut actions = String::new();
        if l.cancelled_at.is_none() {
            if l.approval.is_none() && may_approve.is_some() {
                let certifier = if l.approval_required == ApprovalLevel::DirectorWithUnitCertificate
                {
                    format!(
                        "<input name=\"certified_by\" placeholder=\"{}\" required>",
                        esc(t(lang, "leave.certified_by"))
                    )
                } else {
                    String::new()
                };
                actions.push_str(&button(
                    "/leave/approve",
                    &certifier,
                    t(lang, "leave.approve"),
                ));
            }
            if l.approval.is_some() && l.leave.closed_at.is_none() {
                actions.push_str(&button("/leave/close", "", t(lang, "leave.close")));
            }
            actions.push_str(&button("/leave/cancel", "", t(lang, "leave.cancel")));
        }
        cells.push(actions);
        b.push_str("<tr>");
        for c in &cells {
            let _ = write!(b, "<td>{c}</td>");
        }
        b.push_str("</tr>");
    }
    b.push_str("</table>");

    let typed_of = |k: &str| super::typed(typed, k);
    let staff = desk.people_choice("staff", None, typed_of("staff"));
    let cover = desk.people_choice("cover", Some(t(lang, "leave.no_cover")), typed_of("cover"));
    let kinds: Vec<(&str, &str)> = LeaveKind::ALL
        .iter()
        .map(|k| (hallclock_core::leave::kind_key(*k), kind_zh(*k)))
        .collect();
    let kind = select_value("kind", Some("kind"), &kinds, typed_of("kind"));
    let sessions = [
        ("am", t(lang, "leave.morning")),
        ("pm", t(lang, "leave.afternoon")),
    ];
    let from_session = select_value(
        "from_session",
        Some("from_session"),
        &sessions,
        typed_of("from_session"),
    );
    let to_session = select_value(
        "to_session",
        Some("to_session"),
        &sessions,
        Some(typed_of("to_session").unwrap_or("pm")),
    );
    let day = |name: &str| {
        let input = Input::new(name, name).placeholder("2026-09-14").required();
        match typed_of(name) {
            Some(d) => input.value(d).html(),
            None => input.html(),
        }
    };
    let reason = Input::new("reason", "reason").value(typed_of("reason").unwrap_or(""));
    let add = Form::post(&desk.action("/leave/add"), &v.csrf)
        .field(t(lang, "person.staff"), &staff)
        .field(t(lang, "leave.kind"), &kind)
        .field(
            t(lang, "leave.from"),
            &format!("{}{from_session}", day("from")),
        )
        .field(t(lang, "leave.to"), &format!("{}{to_session}", day("to")))
        .field(t(lang, "leave.cover"), &cover)
        .field(t(lang, "leave.reason"), &reason.html());
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "leave.add")));
    b.push_str(&add.submit(Some("add-leave"), t(lang, "leave.submit")));
    v.page(status, "leave.title", &b)
}

pub async fn leave(State(state): State<WebState>, v: Visit) -> Response {
    leave_page(&state, &v, "", StatusCode::OK, None).await
}

/// The page again with the outcome: the note (200) or the refusal (422, the form as typed); a
/// failure of ours is the failure page.
async fn again(
    state: &WebState,
    v: &Visit,
    outcome: Result<String, Refused>,
    typed: Option<&Params>,
) -> Response {
    match outcome {
        Ok(note) => leave_page(state, v, &message("ok", &note), StatusCode::OK, None).await,
        Err(Refused::Theirs(why)) => {
            leave_page(
                state,
                v,
                &message("err", &why),
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
            )
            .await
        }
        Err(Refused::Ours(e)) => v.store_failed(&e),
    }
}

/// Why a change was not made: the visitor's input (shown on the page) or our failure.
enum Refused {
    Theirs(String),
    Ours(StoreError),
}

impl From<hall_facts::FactsError> for Refused {
    fn from(e: hall_facts::FactsError) -> Refused {
        use hall_facts::FactsError as F;
        match e {
            F::Store(s) => s.into(),
            F::Month(crate::month::MonthError::Store(s)) => s.into(),
            F::Approval(why) => Refused::Theirs(format!("{} / {why}", why.zh())),
            F::Request(why) => Refused::Theirs(format!("{} / {why}", why.zh())),
            other => Refused::Theirs(other.to_string()),
        }
    }
}

impl From<StoreError> for Refused {
    fn from(e: StoreError) -> Refused {
        if super::store_theirs(&e) || matches!(e, StoreError::Leave(_)) {
            Refused::Theirs(e.to_string())
        } else {
            Refused::Ours(e)
        }
    }
}

/// The hall a change is about (the form's action), checked against the role.
fn hall_of(v: &Visit) -> Result<String, Response> {
    let hall = v.q.get("hall").cloned().unwrap_or_default();
    v.need(Permission::Leave, Some(&hall))?;
    Ok(hall)
}

fn leave_of(f: &Params) -> Result<NewLeave, String> {
    let field = |k: &str| f.get(k).map_or("", |s| s.trim());
    let staff = StaffId::new(field("staff"))
        .map_err(|e| format!("工号无效 / the staff id is not valid: {e}"))?;
    let kind = kind_from_word(field("kind"))
        .ok_or_else(|| format!("请假类别无效 / the kind {:?} is not known", field("kind")))?;
    let half = |day: &str, session: &str, default: Session| {
        let text = format!("{}{}", field(day), field(session));
        parse_half_day(&text, default)
            .map(|(h, _)| h)
            .ok_or_else(|| {
                format!(
                    "日期 {:?} 应为 年-月-日，如 2026-09-14 / {day} {:?}: expected YYYY-MM-DD",
                    field(day),
                    field(day)
                )
            })
    };
    let cover = match field("cover") {
        "" => None,
        c => Some(StaffId::new(c).map_err(|e| format!("顶岗人无效 / the cover: {e}"))?),
    };
    Ok(NewLeave {
        staff,
        kind,
        first: half("from", "from_session", Session::Morning)?,
        last: half("to", "to_session", Session::Afternoon)?,
        cover,
        reason: field("reason").to_string(),
        approval_required: ApprovalLevel::InspectionOffice,
    })
}

pub async fn add(State(state): State<WebState>, Posted(v, f): Posted) -> Response {
    let hall = match hall_of(&v) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let new = match leave_of(&f) {
        Ok(n) => n,
        Err(why) => return again(&state, &v, Err(Refused::Theirs(why)), Some(&f)).await,
    };
    let audit = v.audit(state.now(), "leave-add", String::new());
    let outcome = match state.writer().await {
        Ok(mut w) => {
            hall_facts::record_leave(&mut w, &hall, new, &LeavePolicy::hall_defaults(), &audit)
                .await
                .map(|done| {
                    format!(
                        "{} #{} ({} {})",
                        t(v.lang, "leave.added"),
                        done.id.0,
                        done.half_days,
                        t(v.lang, "leave.half_days")
                    )
                })
                .map_err(Refused::from)
        }
        Err(e) => Err(Refused::Ours(e)),
    };
    again(&state, &v, outcome, Some(&f)).await
}

fn id_of(f: &Params) -> Option<LeaveId> {
    f.get("id")
        .and_then(|i| i.trim().parse::<u64>().ok())
        .map(LeaveId)
}

pub async fn approve(State(state): State<WebState>, Posted(v, f): Posted) -> Response {
    let hall = match hall_of(&v) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let Some(id) = id_of(&f) else {
        let why = "缺少请假编号 / expected the leave's number".to_string();
        return again(&state, &v, Err(Refused::Theirs(why)), None).await;
    };
    let certified_by = f
        .get("certified_by")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty());
    let now = state.now();
    let audit = v.audit(now, "leave-approve", String::new());
    let asked = ApprovalAsked {
        id,
        level: None,
        by: &v.account,
        may_approve: v.role.may_approve(),
        certified_by,
    };
    let outcome = match state.writer().await {
        Ok(mut w) => hall_facts::approve_leave(&mut w, &hall, &asked, now, &audit)
            .await
            .map(|level| {
                format!(
                    "{} #{} ({})",
                    t(v.lang, "leave.approved"),
                    id.0,
                    hallclock_core::leave::level_title_zh(level)
                )
            })
            .map_err(Refused::from),
        Err(e) => Err(Refused::Ours(e)),
    };
    again(&state, &v, outcome, None).await
}

/// Closes (销假, now) or cancels the leave the form names.
async fn end(state: &WebState, v: &Visit, f: &Params, ending: LeaveEnding) -> Response {
    let hall = match hall_of(v) {
        Ok(h) => h,
        Err(r) => return r,
    };
    let Some(id) = id_of(f) else {
        let why = "缺少请假编号 / expected the leave's number".to_string();
        return again(state, v, Err(Refused::Theirs(why)), None).await;
    };
    let now = state.now();
    let (action, done) = match ending {
        LeaveEnding::Close => ("leave-close", "leave.closed"),
        LeaveEnding::Cancel => ("leave-cancel", "leave.cancelled"),
    };
    let audit = v.audit(now, action, format!("{hall} leave #{}", id.0));
    let outcome = match state.writer().await {
        Ok(mut w) => w
            .end_leave(&hall, id, ending, now, &audit)
            .await
            .map(|()| format!("{} #{}", t(v.lang, done), id.0))
            .map_err(Refused::from),
        Err(e) => Err(Refused::Ours(e)),
    };
    again(state, v, outcome, None).await
}

pub async fn close(State(state): State<WebState>, Posted(v, f): Posted) -> Response {
    end(&state, &v, &f, LeaveEnding::Close).await
}

pub async fn cancel(State(state): State<WebState>, Posted(v, f): Posted) -> Response {
    end(&state, &v, &f, LeaveEnding::Cancel).await
}

//! Leave: the month's list, entering a leave (half-day precision, the cover, the reason) and
//! approving it at the level it requires.
//!
//! Who may approve what is not decided here: the port checks the approver against the role and
//! the person on leave (`core::leave::check_approver`); this file only shows the form.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;

use super::common::{call, session_text, staff_param};
use super::html::{csrf_field, esc, message, select, table_head, Form, Input};
use super::i18n::{t, Lang};
use super::security::{allowed, Permission};
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::{AppState, ConsoleError, LeaveForm};
use crate::admin::report::{kind_key, kind_zh, LEAVE_KINDS};
use crate::core::leave::{ApprovalLevel, HalfDay};
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
    leave_view(&state, &s, String::new()).await
}

async fn leave_view(state: &AppState, s: &Signed, note: String) -> Response {
    let lang = s.lang;
    let (month, list) = match s.month_list(state, |c, month| c.leaves(month)).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut b = note;
    let kind_names: Vec<(&str, String)> = LEAVE_KINDS
        .iter()
        .map(|k| (kind_key(*k), format!("{} {}", kind_zh(*k), kind_key(*k))))
        .collect();
    let kinds: Vec<(&str, &str)> = kind_names.iter().map(|(k, n)| (*k, n.as_str())).collect();
    let (am, pm) = (t(lang, "session.am"), t(lang, "session.pm"));
    let half_day = |name: &str, id: &str, example: &str, first: (&str, &str), second| {
        format!(
            "{} {}",
            Input::new(name, id).placeholder(example).required().html(),
            select(
                &format!("{name}_session"),
                Some(&format!("{id}-session")),
                &[first, second]
            )
        )
    };
    b.push_str(
        &Form::post("/leave", &s.session.csrf)
            .required_field(t(lang, "col.id"), "staff", "leave-staff")
            .field(
                t(lang, "leave.kind"),
                &select("kind", Some("leave-kind"), &kinds),
            )
            .field(
                t(lang, "leave.from"),
                &half_day("from", "leave-from", "2026-11-03", ("am", am), ("pm", pm)),
            )
            .field(
                t(lang, "leave.to"),
                &half_day("to", "leave-to", "2026-11-03", ("pm", pm), ("am", am)),
            )
            .field(
                t(lang, "leave.cover"),
                &Input::new("cover", "leave-cover").html(),
            )
            .field(
                t(lang, "leave.reason"),
                &Input::new("reason", "leave-reason").html(),
            )
            .submit(Some("leave-add"), t(lang, "leave.submit")),
    );
    let _ = write!(
        b,
        "<h2>{} {}</h2>",
        esc(&month.strftime("%Y-%m").to_string()),
        esc(t(lang, "leave.list")),
    );
    b.push_str(&table_head(
        "leaves",
        &[
            "#",
            t(lang, "col.id"),
            t(lang, "leave.kind"),
            t(lang, "leave.from"),
            t(lang, "leave.to"),
            t(lang, "leave.days"),
            t(lang, "leave.cover"),
            t(lang, "leave.approval"),
        ],
    ));
    let can_approve = allowed(s.session.role, Permission::ApproveLeave);
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
                        csrf_field(&s.session.csrf),
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
    s.page(StatusCode::OK, "nav.leave", &b)
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
    CheckedForm(mut s, f, by, _): CheckedForm<need::EnterLeave>,
) -> Response {
    let lang = s.lang;
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
        Err(e) => return leave_view(&state, &s, message("err", &e)).await,
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
            leave_view(&state, &s, note).await
        }
        Err(ConsoleError::Refused(e)) => leave_view(&state, &s, message("err", &e)).await,
        Err(e) => s.failure(e),
    }
}

pub async fn leave_approve(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::ApproveLeave>,
) -> Response {
    let lang = s.lang;
    let Some(id) = f.get("id").and_then(|i| i.trim().parse::<u64>().ok()) else {
        return leave_view(&state, &s, message("err", "id: expected a leave number")).await;
    };
    let cert = f
        .get("certified_by")
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let now = state.now();
    match call(&state, move |c| {
        c.approve_leave(crate::core::leave::LeaveId(id), &by, cert, now)
    })
    .await
    {
        Ok(_level) => {
            leave_view(
                &state,
                &s,
                message("ok", &format!("#{id} {}", t(lang, "leave.approved"))),
            )
            .await
        }
        Err(ConsoleError::Refused(e)) => leave_view(&state, &s, message("err", &e)).await,
        Err(e) => s.failure(e),
    }
}

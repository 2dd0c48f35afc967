//! Punch amendments: a person's punches of a day listed to pick one to void (no time typed to
//! the second), the form that adds a punch, each with a reason, signed by the supervisor's
//! account.
//!
//! Amendments are appended, never edited: the port writes a new record and its audit line in
//! one transaction; this file only reads the form and reports the outcome.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use std::fmt::Write;

use jiff::civil::Date;
use jiff::Timestamp;

use super::common::{call, local, today};
use super::html::{csrf_field, esc, message, person_input, select, table_head, Form, Input};
use super::i18n::t;
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::{AppState, ConsoleError};
use crate::admin::sheet::DayPunch;
use crate::core::ids::StaffId;
use crate::core::rules::{Amendment, Correction};

/// The amendment page with `note` above the forms: a person's punches of a day to pick one to
/// void (when `pick` names them), then the form that adds a punch (with the time and reason
/// typed before, `typed_at` and `typed_reason` in the query, when it was refused).
async fn amend_page(
    state: &AppState,
    s: &Signed,
    status: StatusCode,
    note: &str,
    pick: Option<(StaffId, Date)>,
) -> Response {
    let lang = s.lang;
    let mut b = note.to_string();
    let (staff_text, date_text) = pick
        .as_ref()
        .map(|(st, d)| (st.to_string(), d.to_string()))
        .unwrap_or_default();
    b.push_str(
        &Form::get("/amend")
            .field(
                t(lang, "find.person"),
                &person_input(lang, "staff", "pick-staff", &staff_text).html(),
            )
            .field(
                t(lang, "col.date"),
                &Input::new("date", "pick-date")
                    .value(&date_text)
                    .placeholder("2026-11-03")
                    .html(),
            )
            .submit(Some("pick"), t(lang, "amend.list")),
    );
    if let Some((staff, date)) = pick {
        let who = staff.clone();
        match call(state, move |c| c.day_punches(&who, date)).await {
            Ok(punches) => b.push_str(&punch_list(state, s, &staff, date, &punches)),
            Err(e) => return s.failure(e),
        }
    }
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "amend.add_title")));
    b.push_str(
        &Form::post("/amend", &s.session.csrf)
            .field(
                t(lang, "find.person"),
                &person_input(lang, "staff", "amend-staff", &staff_text)
                    .required()
                    .html(),
            )
            .field(
                t(lang, "amend.at"),
                &Input::new("at", "amend-at")
                    .value(s.q.get("typed_at").map_or("", String::as_str))
                    .placeholder("2026-11-03 08:05")
                    .required()
                    .html(),
            )
            .field(
                t(lang, "amend.action"),
                &select(
                    "action",
                    None,
                    &[
                        ("add", t(lang, "amend.add")),
                        ("void", t(lang, "amend.void")),
                    ],
                ),
            )
            .field(
                t(lang, "amend.reason"),
                &Input::new("reason", "amend-reason")
                    .value(s.q.get("typed_reason").map_or("", String::as_str))
                    .required()
                    .html(),
            )
            .submit(Some("amend"), t(lang, "amend.submit")),
    );
    s.page(status, "nav.amend", &b)
}

/// The day's punches, each with a form that voids it (a reason required).
fn punch_list(
    state: &AppState,
    s: &Signed,
    staff: &StaffId,
    date: Date,
    punches: &[DayPunch],
) -> String {
    let lang = s.lang;
    let zone = state.console.zone();
    let mut b = format!(
        "<h2>{} · {} · {}</h2>",
        esc(staff.as_str()),
        esc(&date.to_string()),
        esc(t(lang, "amend.punches"))
    );
    if punches.is_empty() {
        b.push_str(&message("warn", t(lang, "amend.none")));
        return b;
    }
    b.push_str(&table_head(
        "amend-punches",
        &[
            t(lang, "col.time"),
            t(lang, "today.door"),
            t(lang, "today.state"),
            t(lang, "amend.void"),
        ],
    ));
    for (i, p) in punches.iter().enumerate() {
        let state_text = match (p.voided, p.added) {
            (true, _) => t(lang, "amend.voided"),
            (false, true) => t(lang, "sheet.added"),
            (false, false) => t(lang, "amend.valid"),
        };
        let _ = write!(
            b,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>",
            if p.voided { " class=\"off\"" } else { "" },
            esc(&zone.to_datetime(p.at).strftime("%H:%M:%S").to_string()),
            esc(&p.device),
            esc(state_text)
        );
        if !p.voided {
            let _ = write!(
                b,
                "<form method=\"post\" action=\"/amend\" style=\"margin:0\">{}\
                 <input type=\"hidden\" name=\"staff\" value=\"{}\">\
                 <input type=\"hidden\" name=\"punch\" value=\"{}\">\
                 <input type=\"hidden\" name=\"action\" value=\"void\">\
                 <input name=\"reason\" id=\"void-reason-{i}\" placeholder=\"{}\" required> \
                 <button id=\"void-{i}\">{}</button></form>",
                csrf_field(&s.session.csrf),
                esc(staff.as_str()),
                esc(&p.at.to_string()),
                esc(t(lang, "amend.reason")),
                esc(t(lang, "amend.void_this"))
            );
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</table>");
    b
}

/// The person a staff field names (an id, a name or its pinyin initials), found through the
/// port; `None` when the field is empty.
async fn typed_staff(
    state: &AppState,
    typed: Option<&String>,
) -> Result<Option<StaffId>, ConsoleError> {
    match typed
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
    {
        Some(typed) => call(state, move |c| c.find_staff(&typed)).await.map(Some),
        None => Ok(None),
    }
}

/// The person and day the page was asked about (`?staff=&date=`), when both are given.
async fn pick_param(state: &AppState, s: &Signed) -> Result<Option<(StaffId, Date)>, ConsoleError> {
    let lang = s.lang;
    let date =
        match s.q.get("date").map(|d| d.trim()).filter(|d| !d.is_empty()) {
            None => None,
            Some(d) => Some(d.parse::<Date>().map_err(|_| {
                ConsoleError::Refused(format!("{} {d:?}", t(lang, "amend.bad_date")))
            })?),
        };
    let staff = typed_staff(state, s.q.get("staff")).await?;
    Ok(staff.zip(date))
}

pub async fn amend_form(
    State(state): State<AppState>,
    s: SignedIn<need::AmendPunches>,
) -> Response {
    match pick_param(&state, &s).await {
        Ok(pick) => amend_page(&state, &s, StatusCode::OK, "", pick).await,
        Err(e) => refused_page(&state, &s, e).await,
    }
}

/// The page with the port's refusal on it (422), or the failure page.
async fn refused_page(state: &AppState, s: &Signed, e: ConsoleError) -> Response {
    match e {
        ConsoleError::Refused(e) => {
            amend_page(
                state,
                s,
                StatusCode::UNPROCESSABLE_ENTITY,
                &message("err", &e),
                None,
            )
            .await
        }
        e => s.failure(e),
    }
}

pub async fn amend(
    State(state): State<AppState>,
    CheckedForm(mut s, f, by, _): CheckedForm<need::AmendPunches>,
) -> Response {
    let lang = s.lang;
    // A refused form comes back with what was typed (a successful one, empty).
    let typed = [("typed_at", "at"), ("typed_reason", "reason")]
        .map(|(to, from)| (to, f.get(from).cloned().unwrap_or_default()));
    for (to, value) in &typed {
        s.q.insert((*to).to_string(), value.clone());
    }
    let zone = state.console.zone();
    let staff = match typed_staff(&state, f.get("staff")).await {
        Ok(staff) => staff,
        Err(e) => return refused_page(&state, &s, e).await,
    };
    let parsed = (|| -> Result<Amendment, String> {
        let staff = staff.clone().ok_or(t(lang, "amend.need_staff"))?;
        // A punch picked from the day's list carries its exact instant; a typed time is civil.
        let at = match f.get("punch").map(|p| p.trim()).filter(|p| !p.is_empty()) {
            Some(picked) => picked
                .parse::<Timestamp>()
                .map_err(|_| format!("{} {picked:?}", t(lang, "amend.bad_time")))?,
            None => {
                let text = f.get("at").map(|a| a.trim()).unwrap_or_default();
                let civil: jiff::civil::DateTime = text
                    .replace(' ', "T")
                    .parse()
                    .map_err(|_| format!("{} {text:?}", t(lang, "amend.bad_time")))?;
                zone.to_ambiguous_timestamp(civil)
                    .compatible()
                    .map_err(|_| format!("{} {text:?}", t(lang, "amend.bad_time")))?
            }
        };
        let reason = f
            .get("reason")
            .map(|r| r.trim().to_string())
            .unwrap_or_default();
        if reason.is_empty() {
            return Err(t(lang, "amend.need_reason").to_string());
        }
        let author = StaffId::new(&s.session.account)
            .map_err(|e| format!("account {}: {e}", s.session.account))?;
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
            let pick = staff.clone().zip(Some(today(&state)));
            return amend_page(
                &state,
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                &message("err", &e),
                pick,
            )
            .await;
        }
    };
    let at = match a.correction {
        Correction::AddPunch { at } | Correction::VoidPunch { at } => at,
    };
    // Back on the day's list of the corrected punch, whatever the outcome.
    let pick = Some((a.staff.clone(), zone.to_datetime(at).date()));
    let a2 = a.clone();
    let now = state.now();
    let result = call(&state, move |c| c.amend(&a2, now, &by)).await;
    if result.is_ok() {
        for (to, _) in &typed {
            s.q.remove(*to);
        }
    }
    let done = |()| {
        message(
            "ok",
            &format!(
                "{} {} {}",
                t(lang, "amend.done"),
                a.staff,
                local(&state, at)
            ),
        )
    };
    let (state2, sr) = (&state, &s);
    let again = move |note: String, status| async move {
        amend_page(state2, sr, status, &note, pick).await
    };
    s.after_change(result, done, again).await
}

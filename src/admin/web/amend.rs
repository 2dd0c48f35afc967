//! Punch amendments: the form and adding or voiding a punch with a reason, signed by the
//! supervisor's account.
//!
//! Amendments are appended, never edited: the port writes a new record and its audit line in
//! one transaction; this file only reads the form and reports the outcome.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::common::{call, local, staff_param};
use super::html::{message, select, Form, Input};
use super::i18n::t;
use super::session::{need, CheckedForm, Signed, SignedIn};
use super::AppState;
use crate::core::ids::StaffId;
use crate::core::rules::{Amendment, Correction};

/// The amendment page with `note` above the form.
fn amend_page(s: &Signed, status: StatusCode, note: &str) -> Response {
    let lang = s.lang;
    let mut b = note.to_string();
    b.push_str(
        &Form::post("/amend", &s.session.csrf)
            .required_field(t(lang, "col.id"), "staff", "amend-staff")
            .field(
                t(lang, "amend.at"),
                &Input::new("at", "amend-at")
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
            .required_field(t(lang, "amend.reason"), "reason", "amend-reason")
            .submit(Some("amend"), t(lang, "amend.submit")),
    );
    s.page(status, "nav.amend", &b)
}

pub async fn amend_form(s: SignedIn<need::AmendPunches>) -> Response {
    amend_page(&s, StatusCode::OK, "")
}

pub async fn amend(
    State(state): State<AppState>,
    CheckedForm(s, f, by, _): CheckedForm<need::AmendPunches>,
) -> Response {
    let lang = s.lang;
    let zone = state.console.zone();
    let parsed = (|| -> Result<Amendment, String> {
        let staff = staff_param(f.get("staff"))?.ok_or("staff: expected a staff id")?;
        let text = f.get("at").map(|a| a.trim()).unwrap_or_default();
        let civil: jiff::civil::DateTime = text
            .replace(' ', "T")
            .parse()
            .map_err(|_| format!("time {text:?}: expected YYYY-MM-DD HH:MM"))?;
        let at = zone
            .to_ambiguous_timestamp(civil)
            .compatible()
            .map_err(|e| e.to_string())?;
        let reason = f
            .get("reason")
            .map(|r| r.trim().to_string())
            .unwrap_or_default();
        if reason.is_empty() {
            return Err("reason: expected why the record is corrected".into());
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
        Err(e) => return amend_page(&s, StatusCode::UNPROCESSABLE_ENTITY, &message("err", &e)),
    };
    let a2 = a.clone();
    let now = state.now();
    let result = call(&state, move |c| c.amend(&a2, now, &by)).await;
    let done = |()| {
        let at = match a.correction {
            Correction::AddPunch { at } | Correction::VoidPunch { at } => at,
        };
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
    let again = |note: String, status| std::future::ready(amend_page(&s, status, &note));
    s.after_change(result, done, again).await
}

//! The month's suspected spoofs at the door (代打卡嫌疑): punches the liveness check flagged and
//! attempts it refused, with the claimed person, the time, the door and why.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::common::local;
use super::html::{esc, message, month_filter, table_head};
use super::i18n::{t, Lang};
use super::session::{need, SignedIn};
use super::AppState;

/// The supervisor's words for a reason code of the liveness check.
fn reason_text(lang: Lang, code: &str) -> String {
    match code {
        "model" | "flat" | "still" | "bezel" => {
            t(lang, &format!("spoof.reason.{code}")).to_string()
        }
        other => other.to_string(),
    }
}

pub async fn spoofs(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    let lang = s.lang;
    let (month, list) = match s.month_list(&state, |c, month| c.spoofs(month)).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let mut b = month_filter("/spoofs", lang, month);
    if list.is_empty() {
        b.push_str(&message("ok", t(lang, "spoof.none")));
        return s.page(StatusCode::OK, "nav.spoofs", &b);
    }
    b.push_str(&table_head(
        "spoofs",
        &[
            t(lang, "col.time"),
            t(lang, "col.id"),
            t(lang, "col.name"),
            t(lang, "spoof.door"),
            t(lang, "spoof.outcome"),
            t(lang, "spoof.score"),
            t(lang, "spoof.why"),
        ],
    ));
    for l in &list {
        let outcome = if l.refused {
            "spoof.refused"
        } else {
            "spoof.flagged"
        };
        let why: Vec<String> = l
            .reasons
            .split(',')
            .filter(|r| !r.is_empty())
            .map(|r| reason_text(lang, r))
            .collect();
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&local(&state, l.at)),
            esc(l.staff.as_str()),
            esc(&l.name),
            esc(&l.device),
            esc(t(lang, outcome)),
            l.live_score.map_or_else(String::new, |x| format!("{x:.2}")),
            esc(&why.join("，")),
        );
    }
    b.push_str("</table>");
    s.page(StatusCode::OK, "nav.spoofs", &b)
}

//! The month's suspected spoofs at the door (代打卡嫌疑): punches the liveness check flagged and
//! attempts it refused, with the claimed person, the time, the door and why; for admins, a link
//! to the evidence frame when the door kept one (`[liveness] keep-evidence`), served from the
//! device and never cached.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::common::call;
use super::common::local;
use super::html::{esc, message, month_filter, table_head};
use super::i18n::{t, Lang};
use super::security::{allowed, Permission};
use super::session::{need, Endpoint, SignedIn};
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
    b.push_str(&super::table::month_nav("/spoofs", &s.q, month, lang));
    if list.is_empty() {
        b.push_str(&message("ok", t(lang, "spoof.none")));
        return s.page(StatusCode::OK, "nav.spoofs", &b);
    }
    // Evidence frames are face images: admins only, and only when the door kept any.
    let evidence = allowed(s.session.role, Permission::ViewEvidence)
        && list.iter().any(|l| l.evidence.is_some());
    let mut columns = vec![
        t(lang, "col.time"),
        t(lang, "col.id"),
        t(lang, "col.name"),
        t(lang, "spoof.door"),
        t(lang, "spoof.outcome"),
        t(lang, "spoof.score"),
        t(lang, "spoof.why"),
    ];
    if evidence {
        columns.push(t(lang, "spoof.evidence"));
    }
    b.push_str(&table_head("spoofs", &columns));
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
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            esc(&local(&state, l.at)),
            esc(l.staff.as_str()),
            esc(&l.name),
            esc(&l.device),
            esc(t(lang, outcome)),
            l.live_score.map_or_else(String::new, |x| format!("{x:.2}")),
            esc(&why.join("，")),
        );
        if evidence {
            b.push_str("<td>");
            if let Some(file) = &l.evidence {
                let _ = write!(
                    b,
                    "<a href=\"/spoofs/evidence/{}\">{}</a>",
                    esc(file),
                    esc(t(lang, "spoof.evidence.view"))
                );
            }
            b.push_str("</td>");
        }
        b.push_str("</tr>");
    }
    b.push_str("</table>");
    s.page(StatusCode::OK, "nav.spoofs", &b)
}

/// `GET /spoofs/evidence/{file}`: an evidence frame (admins only), from the device; a name the
/// database does not list is answered 404 without touching the disk.
pub async fn evidence(
    State(state): State<AppState>,
    s: SignedIn<need::ViewEvidence, Endpoint>,
    Path(file): Path<String>,
) -> Response {
    match call(&state, move |c| c.evidence(&file)).await {
        Ok(Some(jpeg)) => {
            let mut r =
                (StatusCode::OK, [(header::CONTENT_TYPE, "image/jpeg")], jpeg).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            t(s.lang, "spoof.evidence.gone"),
        )
            .into_response(),
        Err(e) => s.failure(e),
    }
}

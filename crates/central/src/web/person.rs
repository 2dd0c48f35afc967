//! A person's month (`/person`: their line, every record with its void, every punch with its
//! door, in the hall's zone) and the year's eligibility list (`/year`), as `month::person` and
//! `month::year` compute them.
//!
//! Never computes a number: the line and the standing are `month`'s.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hallclock_core::ids::StaffId;
use hallclock_report::Cell;
use hallclock_web::html::{esc, row, table_head};
use hallclock_web::Lang;

use super::i18n::{t, SHEET_HEADER_EN};
use super::session::Visit;
use super::{Permission, WebState};
use crate::sheet::{item_effect_zh, YearLine};
use crate::{month, render};

pub async fn person_month(State(state): State<WebState>, v: Visit) -> Response {
    let (store, hall) = match v.hall_scope(&state, Permission::ViewPeople).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = v.lang;
    let staff = match StaffId::new(v.q.get("staff").map_or("", String::as_str)) {
        Ok(s) => s,
        Err(e) => return super::error_page(StatusCode::BAD_REQUEST, lang, &v.q, &e.to_string()),
    };
    let m = match v.month(&state, &hall.zone) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let p = match month::person(&store, &hall.id, &staff, m, state.now()).await {
        Ok(p) => p,
        Err(e) => return super::failed(lang, &v.q, &e),
    };
    let mut b = format!(
        "<p><strong>{} · {} · {} {}</strong></p>",
        esc(&p.hall.name),
        p.month,
        esc(p.row.staff.as_str()),
        esc(&p.row.name)
    );
    // The line as the sheet draws it.
    let header: Vec<&str> = match lang {
        Lang::En => SHEET_HEADER_EN.to_vec(),
        Lang::Zh => render::SHEET_HEADER.to_vec(),
    };
    let line: Vec<String> = render::row_cells(&p.row).iter().map(Cell::text).collect();
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "person.line")));
    b.push_str(&table_head("line", &header));
    b.push_str(&row(&line));
    b.push_str("</table>");
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "person.records")));
    b.push_str(&table_head(
        "records",
        &[
            t(lang, "records.id"),
            t(lang, "records.day"),
            t(lang, "records.item"),
            t(lang, "records.times"),
            t(lang, "records.note"),
            t(lang, "records.author"),
            t(lang, "records.state"),
        ],
    ));
    for l in &p.records {
        let r = &l.record;
        let effect = item_effect_zh(r.item);
        b.push_str(&row(&[
            r.id.0.to_string(),
            r.day.to_string(),
            format!("{} {effect}", r.item),
            r.times.to_string(),
            r.note.clone(),
            r.author.clone(),
            l.voided.as_ref().map_or_else(
                || t(lang, "records.valid").to_string(),
                |(why, by)| format!("{}: {why} ({by})", t(lang, "records.voided")),
            ),
        ]));
    }
    b.push_str("</table>");
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "person.punches")));
    b.push_str(&table_head(
        "punches",
        &[
            t(lang, "person.time"),
            t(lang, "person.door"),
            t(lang, "person.seq"),
            t(lang, "person.clock"),
        ],
    ));
    for d in &p.punches {
        b.push_str(&row(&[
            render::local_time(&p.hall.zone, d.at),
            d.device.clone(),
            d.seq.to_string(),
            t(
                lang,
                if d.clock_trusted {
                    "person.trusted"
                } else {
                    "person.untrusted"
                },
            )
            .to_string(),
        ]));
    }
    b.push_str("</table>");
    v.page(StatusCode::OK, "person.title", &b)
}

fn standing(lang: Lang, l: &YearLine) -> String {
    let mut why = Vec::new();
    if l.barred_by_points {
        why.push(t(lang, "year.barred_points").to_string());
    }
    if l.barred_by_d1 {
        why.push(t(lang, "year.barred_d1").to_string());
    }
    if let Some(who) = &l.barred_by_window {
        why.push(format!("{} ({who})", t(lang, "year.barred_window")));
    }
    if why.is_empty() {
        t(lang, "year.eligible").to_string()
    } else {
        why.join("; ")
    }
}

pub async fn year(State(state): State<WebState>, v: Visit) -> Response {
    let (store, hall) = match v.hall_scope(&state, Permission::ViewPeople).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let lang = v.lang;
    let now = state.now();
    let this_year = hall.zone.to_datetime(now).year();
    let y = match v.q.get("year").filter(|y| !y.is_empty()) {
        None => this_year,
        Some(y) => match y.trim().parse::<i16>() {
            Ok(y) if (2000..=2099).contains(&y) => y,
            _ => {
                let text = format!("year {y:?}: expected a year from 2000 to 2099");
                return super::error_page(StatusCode::BAD_REQUEST, lang, &v.q, &text);
            }
        },
    };
    let lines = match month::year(&store, &hall.id, y, now, None).await {
        Ok(l) => l,
        Err(e) => return super::failed(lang, &v.q, &e),
    };
    let mut b = super::hall_filter(
        "/year",
        lang,
        &hall.id,
        ("year", "year.year", &y.to_string()),
    );
    let _ = write!(b, "<p><strong>{} · {y}</strong></p>", esc(&hall.name));
    b.push_str(&table_head(
        "year",
        &[
            t(lang, "person.staff"),
            t(lang, "person.name"),
            t(lang, "year.post"),
            t(lang, "year.deducted"),
            t(lang, "year.standing"),
        ],
    ));
    for l in &lines {
        b.push_str(&row(&[
            l.staff.as_str().to_string(),
            l.name.clone(),
            l.post.clone().unwrap_or_default(),
            l.deducted.to_string(),
            standing(lang, l),
        ]));
    }
    b.push_str("</table>");
    v.page(StatusCode::OK, "year.title", &b)
}

//! The county overview (`/`): every hall the visitor sees with its doors online, today's punches
//! (the hall's day, in its zone) and the doors silent in working hours (`silence`).
//!
//! Counts and states only: nothing is scored here.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hallclock_web::html::{esc, row, row_html, table_head};
use hallclock_web::http::url_component;
use jiff::tz::TimeZone;

use super::i18n::t;
use super::session::Visit;
use super::{Permission, WebState};
use crate::silence::{door_state, DoorState, WorkingHours};
use crate::store::{DeviceRow, StoreError};

/// One hall's line of the overview.
struct HallLine {
    id: String,
    name: String,
    online: usize,
    doors: usize,
    today: i64,
    silent: Vec<(String, Option<String>)>,
}

pub async fn overview(State(state): State<WebState>, v: Visit) -> Response {
    if let Err(r) = v.need(Permission::ViewSheets, None) {
        return r;
    }
    let lines = match lines(&state, &v).await {
        Ok(l) => l,
        Err(e) => return super::failed(v.lang, &v.q, &e),
    };
    let lang = v.lang;
    let mut b = table_head(
        "halls",
        &[
            t(lang, "county.hall"),
            t(lang, "county.doors"),
            t(lang, "county.today"),
        ],
    );
    for l in &lines {
        b.push_str(&row_html(&[
            format!(
                "<a href=\"/sheet?hall={}\">{}</a> ({})",
                url_component(&l.id),
                esc(&l.name),
                esc(&l.id)
            ),
            format!("{}/{}", l.online, l.doors),
            l.today.to_string(),
        ]));
    }
    b.push_str("</table>");
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "county.silent")));
    let silent: Vec<_> = lines
        .iter()
        .flat_map(|l| l.silent.iter().map(move |d| (l, d)))
        .collect();
    if silent.is_empty() {
        let _ = write!(
            b,
            "<p id=\"no-silent\">{}</p>",
            esc(t(lang, "county.none_silent"))
        );
    } else {
        b.push_str(&table_head(
            "silent",
            &[
                t(lang, "county.hall"),
                t(lang, "county.device"),
                t(lang, "county.last_seen"),
            ],
        ));
        for (l, (door, seen)) in silent {
            let seen = seen.as_deref().unwrap_or(t(lang, "county.never"));
            b.push_str(&row(&[l.name.as_str(), door, seen]));
        }
        b.push_str("</table>");
    }
    v.page(StatusCode::OK, "county.title", &b)
}

async fn lines(state: &WebState, v: &Visit) -> Result<Vec<HallLine>, crate::month::MonthError> {
    let store = state.reader().await?;
    let now = state.now();
    let calendar = crate::month::calendar(&store).await?;
    let devices = store.devices().await?;
    let mut out = Vec::new();
    for id in store.hall_ids().await? {
        if !v.role.sees(&id) {
            continue;
        }
        let hall = store.hall(&id).await?;
        let hours = WorkingHours::new(hall.zone.clone(), calendar.clone());
        let theirs: Vec<&DeviceRow> = devices.iter().filter(|d| d.hall == id).collect();
        let state_of = |d: &DeviceRow| {
            let window = state.settings.silent_after;
            door_state(now, d.last_seen_at, d.revoked_at.is_some(), window, &hours)
        };
        let (from, to) = today(&hall.zone, now).map_err(|e| StoreError::Corrupt {
            what: "a hall's day",
            value: e.to_string(),
        })?;
        out.push(HallLine {
            online: theirs
                .iter()
                .filter(|d| state_of(d) == DoorState::Live)
                .count(),
            doors: theirs.iter().filter(|d| d.revoked_at.is_none()).count(),
            today: store.punch_count(&id, from, to).await?,
            silent: theirs
                .iter()
                .filter(|d| state_of(d) == DoorState::Silent)
                .map(|d| {
                    let seen = d.last_seen_at.map(|at| {
                        hall.zone
                            .to_datetime(at)
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string()
                    });
                    (d.id.clone(), seen)
                })
                .collect(),
            name: hall.name,
            id,
        });
    }
    Ok(out)
}

/// The instants of the hall's day that holds `now`.
fn today(
    zone: &TimeZone,
    now: jiff::Timestamp,
) -> Result<(jiff::Timestamp, jiff::Timestamp), jiff::Error> {
    let day = zone.to_datetime(now).date();
    let midnight =
        |d: jiff::civil::Date| zone.to_timestamp(d.to_datetime(jiff::civil::Time::midnight()));
    let start = midnight(day)?;
    let end = midnight(day.tomorrow()?)?;
    Ok((start, end))
}

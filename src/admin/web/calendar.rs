//! A person's month as a calendar: each day's sessions coloured by their mark, duty days and
//! days off, amended days flagged; each session with its clock-in and clock-out times and the
//! minutes late (+) or early (−), in the hall's zone.
//!
//! It only renders what the port's `person_month` judged; it decides no mark itself.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::common::{call, month_param, session_text};
use super::html::{esc, Form, Input};
use super::i18n::t;
use super::session::{need, SignedIn};
use super::today::pair_text;
use super::{AppState, CalendarDay, SessionMark};
use crate::admin::sheet::{day_points, Point};
use crate::core::rules::Period;
use crate::core::schedule::Session;

fn mark_class(m: SessionMark) -> (&'static str, &'static str) {
    match m {
        SessionMark::OnTime => ("on_time", "mark.on_time"),
        SessionMark::Late => ("late", "mark.late"),
        SessionMark::Early => ("early", "mark.early"),
        SessionMark::Missing => ("missing", "mark.missing"),
        SessionMark::Leave => ("leave", "mark.leave"),
        SessionMark::Absent => ("missing", "mark.absent"),
        SessionMark::Pending => ("pending", "mark.pending"),
        SessionMark::NotYet => ("pending", "mark.not_yet"),
    }
}

pub async fn calendar(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    let lang = s.lang;
    let month = match month_param(&state, &s.q) {
        Ok(m) => m,
        Err(e) => return s.bad_request(&e),
    };
    // The person: an id, a name or its pinyin initials, found through the port.
    let typed =
        s.q.get("staff")
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty());
    let staff = match typed {
        Some(typed) => match call(&state, move |c| c.find_staff(&typed)).await {
            Ok(id) => Some(id),
            Err(e) => return s.failure(e),
        },
        None => None,
    };
    let mut b = String::new();
    b.push_str(
        &Form::get("/calendar")
            .field(
                t(lang, "find.person"),
                &Input::new("staff", "staff")
                    .value(&staff.as_ref().map(ToString::to_string).unwrap_or_default())
                    .html(),
            )
            .field(
                t(lang, "report.month"),
                &Input::new("month", "month")
                    .value(&month.strftime("%Y-%m").to_string())
                    .html(),
            )
            .submit(None, t(lang, "search")),
    );
    b.push_str(&super::table::month_nav("/calendar", &s.q, month, lang));
    if let Some(staff) = staff {
        let who = staff.clone();
        let now = state.now();
        let period = Period {
            first: month,
            last: month.last_of_month(),
        };
        let found = call(&state, move |c| {
            let days = c.person_month(&who, month, now)?;
            let sheet = c.sheet(period, Some(&who), now)?;
            let name = c.names()?.remove(&who).unwrap_or_default();
            Ok((days, sheet, name))
        });
        let (days, sheet, name) = match found.await {
            Ok(d) => d,
            Err(e) => return s.failure(e),
        };
        let zone = state.console.zone();
        b.push_str("<p>");
        for m in [
            SessionMark::OnTime,
            SessionMark::Late,
            SessionMark::Early,
            SessionMark::Missing,
            SessionMark::Leave,
            SessionMark::NotYet,
        ] {
            let (class, key) = mark_class(m);
            let _ = write!(
                b,
                "<span class=\"s {class}\" style=\"display:inline\">{}</span> ",
                esc(t(lang, key))
            );
        }
        let _ = write!(
            b,
            "</p><h2>{} {} · {}</h2><table class=\"cal\" id=\"calendar\"><tr>",
            esc(staff.as_str()),
            esc(&name),
            esc(&month.strftime("%Y-%m").to_string())
        );
        for d in ["wd.1", "wd.2", "wd.3", "wd.4", "wd.5", "wd.6", "wd.7"] {
            let _ = write!(b, "<th>{}</th>", esc(t(lang, d)));
        }
        b.push_str("</tr><tr>");
        let lead = month.weekday().to_monday_zero_offset();
        for _ in 0..lead {
            b.push_str("<td></td>");
        }
        let mut col = lead;
        for day in &days {
            let date = match day {
                CalendarDay::NotJudged { date }
                | CalendarDay::DayOff { date }
                | CalendarDay::Duty { date, .. }
                | CalendarDay::Working { date, .. } => *date,
            };
            let _ = write!(b, "<td><b>{}</b>", date.day());
            match day {
                CalendarDay::NotJudged { .. } => {
                    let _ = write!(
                        b,
                        "<span class=\"s off\">{}</span>",
                        esc(t(lang, "mark.not_judged"))
                    );
                }
                CalendarDay::DayOff { .. } => {
                    let _ = write!(
                        b,
                        "<span class=\"s off\">{}</span>",
                        esc(t(lang, "mark.off"))
                    );
                }
                CalendarDay::Duty { done, .. } => {
                    let (class, key) = match done {
                        Some(true) => ("on_time", "mark.duty_done"),
                        Some(false) => ("missing", "mark.duty_missed"),
                        None => ("pending", "mark.duty"),
                    };
                    let _ = write!(b, "<span class=\"s {class}\">{}</span>", esc(t(lang, key)));
                }
                CalendarDay::Working {
                    morning,
                    afternoon,
                    amended,
                    ..
                } => {
                    let points = sheet
                        .days
                        .iter()
                        .find(|d| d.date == date)
                        .map(|d| day_points(&d.verdict));
                    for (i, (sess, m)) in
                        [(Session::Morning, morning), (Session::Afternoon, afternoon)]
                            .into_iter()
                            .enumerate()
                    {
                        let (class, key) = mark_class(*m);
                        // The clock-in and clock-out times, with minutes late (+) or early (−).
                        let pair = points.map(|p| [p[2 * i], p[2 * i + 1]]);
                        let times = match pair {
                            Some(pair) if pair.iter().any(|p| matches!(p, Point::Mark(_))) => {
                                format!("<br>{}", esc(&pair_text(lang, &zone, pair)))
                            }
                            _ => String::new(),
                        };
                        let _ = write!(
                            b,
                            "<span class=\"s {class}\">{} {}{times}</span>",
                            esc(session_text(lang, sess)),
                            esc(t(lang, key)),
                        );
                    }
                    if *amended {
                        let _ = write!(
                            b,
                            "<span class=\"s warn\">{}</span>",
                            esc(t(lang, "mark.amended"))
                        );
                    }
                }
            }
            b.push_str("</td>");
            col += 1;
            if col % 7 == 0 {
                b.push_str("</tr><tr>");
            }
        }
        b.push_str("</tr></table>");
    }
    s.page(StatusCode::OK, "nav.calendar", &b)
}

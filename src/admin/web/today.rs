//! The supervisor's punch-time pages: today's live board (`/today`, refreshing itself every
//! 60 s with a `Refresh` header and a meta tag, no script), the month's people × days grid
//! (`/sheet`, 签到表, also as CSV), and the renderings the daily sheet (`/report/day`) and the
//! calendar share: a clock point with its time, minutes late or early, and door.
//!
//! It renders what the port's `today` and `sheet` return; it judges nothing. Every time is shown
//! in the hall's zone.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::common::{call, month_param, print_head, session_text};
use super::html::{esc, message, month_filter, signatures, table_head};
use super::i18n::{t, Lang};
use super::report::download;
use super::session::{need, Signed, SignedIn};
use super::AppState;
use crate::admin::export::rows_csv;
use crate::admin::report::{kind_key, kind_zh};
use crate::admin::sheet::{daily_rows, day_points, grid_rows, hhmm, Point, Sheet};
use crate::core::ids::StaffId;
use crate::core::rules::{DutyOutcome, MarkSource, Period, Presence};
use crate::core::schedule::Verdict;

/// Seconds between the board's refreshes.
const REFRESH_SECS: &str = "60";

/// `/`: the today board is where a signed-in supervisor starts (it sends the anonymous on to
/// the sign-in page).
pub async fn home() -> axum::response::Redirect {
    axum::response::Redirect::to("/today")
}

pub async fn today(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    let lang = s.lang;
    let now = state.now();
    let (board, sheet) = match call(&state, move |c| c.today(now)).await {
        Ok(found) => found,
        Err(e) => return s.failure(e),
    };
    let zone = state.console.zone();
    let mut b = format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">");
    let weekday = t(
        lang,
        &format!("wd.{}", board.date.weekday().to_monday_one_offset()),
    );
    let _ = write!(
        b,
        "<p id=\"today-head\"><b>{} {}</b> · {} {} · <small>{}</small></p>",
        esc(&board.date.to_string()),
        esc(&match lang {
            Lang::Zh => format!("星期{weekday}"),
            Lang::En => weekday.to_string(),
        }),
        esc(t(lang, "today.as_of")),
        esc(&hhmm(&zone, now)),
        esc(t(lang, "today.refresh")),
    );
    let who = |staff: &StaffId| {
        format!(
            "<td>{}</td><td>{}</td>",
            esc(staff.as_str()),
            esc(sheet.name(staff))
        )
    };
    if !board.working_day {
        b.push_str(&message("warn", t(lang, "today.day_off")));
        b.push_str(&table_head(
            "today-duty",
            &[
                t(lang, "col.id"),
                t(lang, "col.name"),
                t(lang, "today.state"),
            ],
        ));
        for line in &board.lines {
            if let Presence::Duty(outcome) = line.presence {
                let key = match outcome {
                    DutyOutcome::Done => "mark.duty_done",
                    DutyOutcome::Missed => "mark.duty_missed",
                    DutyOutcome::Pending => "mark.duty",
                };
                let _ = write!(
                    b,
                    "<tr>{}<td>{}</td></tr>",
                    who(&line.staff),
                    esc(t(lang, key))
                );
            }
        }
        b.push_str("</table>");
        return s.page(StatusCode::OK, "nav.today", &b);
    }
    let _ = write!(
        b,
        "<h2>{}{}</h2>",
        esc(session_text(lang, board.session)),
        if board.started {
            String::new()
        } else {
            format!(" · {}", esc(t(lang, "today.not_started")))
        }
    );
    // 断档 first: it is what the supervisor must act on.
    let _ = write!(b, "<h3>{}</h3>", esc(t(lang, "today.gaps")));
    if board.gaps.is_empty() {
        b.push_str(&message("ok", t(lang, "today.no_gaps")));
    } else {
        b.push_str(&table_head(
            "today-gaps",
            &[t(lang, "col.post"), t(lang, "post.a"), t(lang, "post.b")],
        ));
        for post in &board.gaps {
            let person = |id: &StaffId| format!("{} {}", id, sheet.name(id));
            let _ = write!(
                b,
                "<tr class=\"missing\"><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(post.id.as_str()),
                esc(&person(&post.holder)),
                esc(&person(&post.backup))
            );
        }
        b.push_str("</table>");
    }
    let mut late = String::new();
    let mut arrived = String::new();
    let mut missing = String::new();
    let mut away = String::new();
    let (mut n_late, mut n_arrived, mut n_missing, mut n_away) = (0, 0, 0, 0);
    for line in &board.lines {
        let row = who(&line.staff);
        match &line.presence {
            Presence::Arrived {
                clock_in,
                clock_out,
            } => {
                let mark = clock_in.as_ref().or(clock_out.as_ref());
                let (time, door) = mark.map_or((String::new(), String::new()), |m| {
                    (hhmm(&zone, m.at), door_name(lang, &sheet, &line.staff, m))
                });
                match clock_in.as_ref().map(|m| m.verdict) {
                    Some(Verdict::Late { minutes }) => {
                        n_late += 1;
                        let _ = write!(
                            late,
                            "<tr class=\"late\">{row}<td>{}</td><td>{minutes} {}</td><td>{}</td></tr>",
                            esc(&time),
                            esc(t(lang, "unit.min")),
                            esc(&door)
                        );
                    }
                    _ => {
                        n_arrived += 1;
                        let _ = write!(
                            arrived,
                            "<tr>{row}<td>{}</td><td>{}</td></tr>",
                            esc(&time),
                            esc(&door)
                        );
                    }
                }
            }
            Presence::NotYet | Presence::Missed | Presence::Absent => {
                n_missing += 1;
                let (class, key) = match line.presence {
                    Presence::NotYet if board.started => ("missing", "today.not_yet"),
                    Presence::NotYet => ("pending", "today.not_yet"),
                    Presence::Missed => ("missing", "mark.missing"),
                    _ => ("missing", "mark.absent"),
                };
                let _ = write!(
                    missing,
                    "<tr class=\"{class}\">{row}<td>{}</td></tr>",
                    esc(t(lang, key))
                );
            }
            Presence::OnLeave { kind, cover } => {
                n_away += 1;
                let kind = match lang {
                    Lang::Zh => kind_zh(*kind),
                    Lang::En => kind_key(*kind),
                };
                let _ = write!(
                    away,
                    "<tr class=\"leave\">{row}<td>{} · {} · {} {} {}</td></tr>",
                    esc(t(lang, "mark.leave")),
                    esc(kind),
                    esc(t(lang, "today.cover")),
                    esc(cover.as_str()),
                    esc(sheet.name(cover))
                );
            }
            Presence::Duty(_) | Presence::DayOff => {
                n_away += 1;
                let _ = write!(away, "<tr>{row}<td>{}</td></tr>", esc(t(lang, "mark.off")));
            }
        }
    }
    let cols = |extra: &[&'static str]| {
        let mut h = vec![t(lang, "col.id"), t(lang, "col.name")];
        h.extend(extra.iter().map(|k| t(lang, k)));
        h
    };
    // In the afternoon, the morning's faults stay in view.
    let mut morning = String::new();
    let mut n_morning = 0;
    for line in &board.lines {
        let text = match &line.morning {
            Some(Presence::Arrived {
                clock_in: Some(m), ..
            }) => match m.verdict {
                Verdict::Late { minutes } => format!(
                    "{} {} {minutes} {}",
                    hhmm(&zone, m.at),
                    t(lang, "mark.late"),
                    t(lang, "unit.min")
                ),
                _ => continue,
            },
            Some(Presence::Arrived { clock_in: None, .. } | Presence::Missed) => {
                t(lang, "mark.missing").to_string()
            }
            Some(Presence::Absent) => t(lang, "mark.absent").to_string(),
            _ => continue,
        };
        n_morning += 1;
        let _ = write!(
            morning,
            "<tr class=\"late\">{}<td>{}</td></tr>",
            who(&line.staff),
            esc(&text)
        );
    }
    let sections = [
        (
            "today-late",
            "today.late",
            n_late,
            late,
            cols(&["today.clock_in", "today.late_by", "today.door"]),
        ),
        (
            "today-missing",
            "today.not_arrived",
            n_missing,
            missing,
            cols(&["today.state"]),
        ),
        (
            "today-away",
            "today.away",
            n_away,
            away,
            cols(&["today.state"]),
        ),
        (
            "today-morning",
            "today.morning_faults",
            n_morning,
            morning,
            cols(&["today.state"]),
        ),
        (
            "today-arrived",
            "today.on_time",
            n_arrived,
            arrived,
            cols(&["today.clock_in", "today.door"]),
        ),
    ];
    for (id, key, n, rows, head) in sections {
        if n == 0 && id == "today-morning" {
            continue;
        }
        let _ = write!(b, "<h3>{} ({n})</h3>", esc(t(lang, key)));
        if n > 0 {
            b.push_str(&table_head(id, &head));
            b.push_str(&rows);
            b.push_str("</table>");
        }
    }
    let mut r = s.page(StatusCode::OK, "nav.today", &b);
    r.headers_mut()
        .insert(header::REFRESH, HeaderValue::from_static(REFRESH_SECS));
    r
}

/// The month's people × days grid (签到表), or its CSV with `format=csv`.
pub async fn grid(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    let lang = s.lang;
    let month = match month_param(&state, &s.q) {
        Ok(m) => m,
        Err(e) => return s.bad_request(&e),
    };
    let period = Period {
        first: month,
        last: month.last_of_month(),
    };
    let now = state.now();
    let sheet = match call(&state, move |c| c.sheet(period, None, now)).await {
        Ok(found) => found,
        Err(e) => return s.failure(e),
    };
    let zone = state.console.zone();
    let label = month.strftime("%Y-%m").to_string();
    if s.q.get("format").map(String::as_str) == Some("csv") {
        return csv_download(
            &s,
            &format!("hallclock-sheet-{label}.csv"),
            &grid_rows(&sheet, &zone, period),
        );
    }
    let mut b = print_head(&state, lang, "nav.sheet", &label);
    b.push_str(&month_filter("/sheet", lang, month));
    b.push_str(&super::table::month_nav("/sheet", &s.q, month, lang));
    let _ = write!(
        b,
        "<p class=\"no-print\"><a id=\"grid-csv\" href=\"/sheet?month={label}&amp;format=csv\">{}</a> · {}</p>",
        esc(t(lang, "report.csv")),
        esc(t(lang, "sheet.legend"))
    );
    b.push_str("<table id=\"grid\" class=\"grid\"><tr>");
    let _ = write!(
        b,
        "<th>{}</th><th>{}</th>",
        esc(t(lang, "col.id")),
        esc(t(lang, "col.name"))
    );
    let mut date = period.first;
    while date <= period.last {
        let _ = write!(
            b,
            "<th>{}<br><small>{}</small></th>",
            date.day(),
            esc(t(
                lang,
                &format!("wd.{}", date.weekday().to_monday_one_offset())
            ))
        );
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    b.push_str("</tr>");
    for staff in sheet.people() {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td>",
            esc(staff.as_str()),
            esc(sheet.name(staff))
        );
        for day in sheet.days.iter().filter(|d| &d.staff == staff) {
            b.push_str("<td>");
            match &day.verdict {
                crate::core::rules::DayVerdict::Working { .. } => {
                    let p = day_points(&day.verdict);
                    // A day still ahead (nothing yet in either session) stays blank.
                    if p.iter().any(|x| !matches!(x, Point::Pending | Point::Open)) {
                        for pair in [[p[0], p[1]], [p[2], p[3]]] {
                            b.push_str(&pair_html(lang, &zone, pair));
                        }
                    }
                }
                crate::core::rules::DayVerdict::Absent { .. } => {
                    let _ = write!(
                        b,
                        "<span class=\"s missing\">{}</span>",
                        esc(t(lang, "mark.absent"))
                    );
                }
                crate::core::rules::DayVerdict::DayOff => {
                    let _ = write!(
                        b,
                        "<span class=\"s off\">{}</span>",
                        esc(t(lang, "sheet.off"))
                    );
                }
                crate::core::rules::DayVerdict::Duty(_) => {
                    let _ = write!(
                        b,
                        "<span class=\"s leave\">{}</span>",
                        esc(t(lang, "mark.duty"))
                    );
                }
                crate::core::rules::DayVerdict::NotEnrolled => {}
            }
            b.push_str("</td>");
        }
        b.push_str("</tr>");
    }
    b.push_str("</table>");
    b.push_str(&signatures(lang));
    s.page(StatusCode::OK, "nav.sheet", &b)
}

/// The daily sheet of `date=YYYY-MM-DD` (签到/签退 and the door) as CSV for Chinese Excel.
pub async fn day_csv(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    let given =
        s.q.get("date")
            .map(|d| d.trim().to_string())
            .unwrap_or_default();
    let Ok(day) = given.parse::<Date>() else {
        return s.bad_request(&format!("{} {given:?}", t(s.lang, "amend.bad_date")));
    };
    let now = state.now();
    let period = Period {
        first: day,
        last: day,
    };
    match call(&state, move |c| c.sheet(period, None, now)).await {
        Ok(sheet) => csv_download(
            &s,
            &format!("hallclock-daily-{day}.csv"),
            &daily_rows(&sheet, &state.console.zone()),
        ),
        Err(e) => s.failure(e),
    }
}

fn csv_download(s: &Signed, file: &str, rows: &[Vec<String>]) -> Response {
    match rows_csv(rows) {
        Ok(text) => download(file, "text/csv; charset=utf-8", text.into_bytes()),
        Err(e) => s.failure(super::ConsoleError::Failed(e.to_string())),
    }
}

/// A session's two points as text: `08:03(+3)–11:31`; one word when both say the same
/// (`缺卡`, `请假`), `…` for a session still to come.
pub(super) fn pair_text(lang: Lang, zone: &TimeZone, pair: [Point<'_>; 2]) -> String {
    match pair {
        [Point::Pending, Point::Open] => "…".to_string(),
        [a, b] if !matches!(a, Point::Mark(_)) && a == b => point_short(lang, zone, a),
        [a, b] => format!(
            "{}–{}",
            point_short(lang, zone, a),
            point_short(lang, zone, b)
        ),
    }
}

/// A session's two points in a cell: `08:03–11:31`, coloured by the worse of the two.
fn pair_html(lang: Lang, zone: &TimeZone, pair: [Point<'_>; 2]) -> String {
    let class = pair
        .iter()
        .map(|p| point_class(*p))
        .max_by_key(|c| match *c {
            "missing" => 4,
            "late" | "early" => 3,
            "leave" => 2,
            "pending" => 1,
            _ => 0,
        })
        .unwrap_or("off");
    format!(
        "<span class=\"s {class}\">{}</span>",
        esc(&pair_text(lang, zone, pair))
    )
}

fn point_class(p: Point<'_>) -> &'static str {
    match p {
        Point::Mark(m) => match m.verdict {
            Verdict::OnTime => "on_time",
            Verdict::Late { .. } => "late",
            Verdict::Early { .. } => "early",
        },
        Point::Missing | Point::Absent => "missing",
        Point::Pending | Point::Open => "pending",
        Point::Leave => "leave",
        Point::Blank => "off",
    }
}

/// `08:03`, `08:03 +3` late, `11:20 −10` early, or a short word.
fn point_short(lang: Lang, zone: &TimeZone, p: Point<'_>) -> String {
    match p {
        Point::Mark(m) => {
            let time = hhmm(zone, m.at);
            match m.verdict {
                Verdict::OnTime => time,
                Verdict::Late { minutes } => format!("{time}(+{minutes})"),
                Verdict::Early { minutes } => format!("{time}(−{minutes})"),
            }
        }
        Point::Missing => t(lang, "mark.missing").to_string(),
        Point::Absent => t(lang, "mark.absent").to_string(),
        Point::Pending => t(lang, "today.not_yet").to_string(),
        Point::Open => "…".to_string(),
        Point::Leave => t(lang, "mark.leave").to_string(),
        Point::Blank => String::new(),
    }
}

/// Appends ` 迟到 3 分钟` (`mark` the i18n key of late or early) to a mark's time.
fn late_or_early(text: &mut String, lang: Lang, mark: &str, minutes: u32) {
    let _ = write!(text, " {} {minutes} {}", t(lang, mark), t(lang, "unit.min"));
}

/// A point in full, for the daily sheet: `08:03 迟到 3 分钟`, then the door on its own line.
fn point_full(lang: Lang, zone: &TimeZone, sheet: &Sheet, staff: &StaffId, p: Point<'_>) -> String {
    let text = match p {
        Point::Mark(m) => {
            let mut text = hhmm(zone, m.at);
            match m.verdict {
                Verdict::OnTime => {}
                Verdict::Late { minutes } => late_or_early(&mut text, lang, "mark.late", minutes),
                Verdict::Early { minutes } => late_or_early(&mut text, lang, "mark.early", minutes),
            }
            return format!(
                "<span class=\"s {}\">{}</span><small>{}</small>",
                point_class(p),
                esc(&text),
                esc(&match &m.source {
                    MarkSource::Door { .. } => format!(
                        "{} {}",
                        t(lang, "today.door"),
                        door_name(lang, sheet, staff, m)
                    ),
                    MarkSource::Amendment { .. } => door_name(lang, sheet, staff, m),
                })
            );
        }
        Point::Pending => t(lang, "today.not_yet").to_string(),
        other => point_short(lang, zone, other),
    };
    format!("<span class=\"s {}\">{}</span>", point_class(p), esc(&text))
}

/// The door's name, or `补录 (0900)` for a supervisor's added punch.
fn door_name(lang: Lang, sheet: &Sheet, staff: &StaffId, m: &crate::core::rules::Mark) -> String {
    match &m.source {
        MarkSource::Amendment { author, .. } => format!("{} ({author})", t(lang, "sheet.added")),
        MarkSource::Door { .. } => sheet.door(staff, m).unwrap_or_default().to_string(),
    }
}

/// The daily sheet (签到/签退 per session with the door), for the day report's page.
pub(super) fn daily_sheet_html(lang: Lang, zone: &TimeZone, day: Date, sheet: &Sheet) -> String {
    let mut b = format!(
        "<h2>{}</h2><p class=\"no-print\"><a id=\"day-sheet-csv\" href=\"/sheet/day?date={day}\">{}</a></p>",
        esc(t(lang, "sheet.daily")),
        esc(t(lang, "report.csv"))
    );
    b.push_str(&table_head(
        "day-sheet",
        &[
            t(lang, "col.id"),
            t(lang, "col.name"),
            t(lang, "sheet.am_in"),
            t(lang, "sheet.am_out"),
            t(lang, "sheet.pm_in"),
            t(lang, "sheet.pm_out"),
        ],
    ));
    for day in &sheet.days {
        if matches!(day.verdict, crate::core::rules::DayVerdict::NotEnrolled) {
            continue;
        }
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td>",
            esc(day.staff.as_str()),
            esc(sheet.name(&day.staff))
        );
        for p in day_points(&day.verdict) {
            let _ = write!(
                b,
                "<td>{}</td>",
                point_full(lang, zone, sheet, &day.staff, p)
            );
        }
        b.push_str("</tr>");
    }
    b.push_str("</table>");
    b
}

//! The day, month and year reports with their filters (person, window post), as a page, CSV or
//! .xlsx download, and the query reading shared with the 断档 list.
//!
//! No attendance rule is applied here: the port classifies and scores; this file renders the
//! rows it gets (through `admin::export` for the downloads).

use std::fmt::Write;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use jiff::civil::Date;

use super::common::{
    call, month_param, print_head, session_text, today, url_component, year_in_range, Params,
};
use super::html::{esc, person_input, signatures, Form, Input};
use super::i18n::{t, Lang};
use super::session::{need, Signed, SignedIn};
use super::table::{sort_header, Paging};
use super::{AppState, ConsoleError, ReportQuery, ReportSpan};
use crate::admin::export::{render_csv, xlsx_bytes};
use crate::admin::report::GapRow;

/// Which report page.
#[derive(Clone, Copy)]
pub(super) enum SpanKind {
    Day,
    Month,
    Year,
}

pub async fn report(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    report_page(&state, &s, SpanKind::Month).await
}

pub async fn report_day(State(state): State<AppState>, s: SignedIn<need::ViewReports>) -> Response {
    report_page(&state, &s, SpanKind::Day).await
}

pub async fn report_year(
    State(state): State<AppState>,
    s: SignedIn<need::ViewReports>,
) -> Response {
    report_page(&state, &s, SpanKind::Year).await
}

fn span_param(state: &AppState, q: &Params, kind: SpanKind) -> Result<ReportSpan, String> {
    let given = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    match kind {
        SpanKind::Month => month_param(state, q).map(ReportSpan::Month),
        SpanKind::Day => match given("date") {
            None => Ok(ReportSpan::Day(today(state))),
            Some(d) => {
                let date = d
                    .parse::<Date>()
                    .map_err(|_| format!("date {d:?}: expected YYYY-MM-DD"))?;
                year_in_range("date", d, date.year())?;
                Ok(ReportSpan::Day(date))
            }
        },
        SpanKind::Year => match given("year") {
            None => Ok(ReportSpan::Year(today(state).year())),
            Some(y) => {
                let year = y
                    .parse::<i16>()
                    .map_err(|_| format!("year {y:?}: expected YYYY"))?;
                year_in_range("year", y, year)?;
                Ok(ReportSpan::Year(year))
            }
        },
    }
}

/// The report's filters from the query: span, person (an id, a name or its pinyin initials,
/// found through the port), window post, department. A bad span is the 400 page; a person
/// nobody or several match, the port's refusal (naming the candidates).
pub(super) async fn report_query(
    state: &AppState,
    s: &Signed,
    kind: SpanKind,
) -> Result<ReportQuery, Response> {
    let q = &s.q;
    let span = span_param(state, q, kind).map_err(|e| s.bad_request(&e))?;
    let given = |k: &str| {
        q.get(k)
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
    };
    let staff = match given("staff") {
        Some(typed) => Some(
            call(state, move |c| c.find_staff(&typed))
                .await
                .map_err(|e| s.failure(e))?,
        ),
        None => None,
    };
    Ok(ReportQuery {
        span,
        staff,
        post: given("post"),
        department: given("department"),
    })
}

async fn report_page(state: &AppState, s: &Signed, kind: SpanKind) -> Response {
    let lang = s.lang;
    let query = match report_query(state, s, kind).await {
        Ok(query) => query,
        Err(answer) => return answer,
    };
    let qq = query.clone();
    let now = state.now();
    let report = match call(state, move |c| c.report(&qq, now)).await {
        Ok(r) => r,
        Err(e) => return s.failure(e),
    };
    let (path, key, title, field, span_text) = match query.span {
        ReportSpan::Day(d) => (
            "/report/day",
            "day",
            "nav.report_day",
            "date",
            d.to_string(),
        ),
        ReportSpan::Month(m) => (
            "/report",
            "month",
            "nav.report",
            "month",
            m.strftime("%Y-%m").to_string(),
        ),
        ReportSpan::Year(y) => (
            "/report/year",
            "year",
            "nav.report_year",
            "year",
            y.to_string(),
        ),
    };
    let file = format!("hallclock-{key}-{}", report.label);
    match s.q.get("format").map(String::as_str) {
        Some("csv") => {
            return match render_csv(&report) {
                Ok(text) => download(
                    &format!("{file}.csv"),
                    "text/csv; charset=utf-8",
                    text.into_bytes(),
                ),
                Err(e) => s.failure(ConsoleError::Failed(e.to_string())),
            }
        }
        Some("xlsx") => {
            return match xlsx_bytes(&report) {
                Ok(bytes) => download(
                    &format!("{file}.xlsx"),
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    bytes,
                ),
                Err(e) => s.failure(ConsoleError::Failed(e.to_string())),
            }
        }
        _ => {}
    }
    let mut b = String::with_capacity(64 * 1024);
    b.push_str(&print_head(state, lang, title, &span_text));
    let staff_text = query
        .staff
        .as_ref()
        .map(|x| x.to_string())
        .unwrap_or_default();
    let post_text = query.post.clone().unwrap_or_default();
    let department_text = query.department.clone().unwrap_or_default();
    let _ = write!(
        b,
        "<p class=\"no-print\"><a href=\"/report/day\">{}</a> · <a href=\"/report\">{}</a> · <a href=\"/report/year\">{}</a></p>",
        esc(t(lang, "nav.report_day")),
        esc(t(lang, "nav.report")),
        esc(t(lang, "nav.report_year")),
    );
    let span_label = match kind {
        SpanKind::Day => "report.day",
        SpanKind::Month => "report.month",
        SpanKind::Year => "report.year",
    };
    b.push_str(
        &Form::get(path)
            .field(
                t(lang, span_label),
                &Input::new(field, field).value(&span_text).html(),
            )
            .field(
                t(lang, "find.person"),
                &person_input(lang, "staff", "staff", &staff_text).html(),
            )
            .field(
                t(lang, "col.post"),
                &Input::new("post", "post").value(&post_text).html(),
            )
            .field(
                t(lang, "col.department"),
                &Input::new("department", "department")
                    .value(&department_text)
                    .html(),
            )
            .submit(Some("filter"), t(lang, "search")),
    );
    if let ReportSpan::Month(month) = query.span {
        b.push_str(&super::table::month_nav("/report", &s.q, month, lang));
    }
    let qs = esc(&format!(
        "{field}={}&staff={}&department={}&post={}",
        url_component(&span_text),
        url_component(&staff_text),
        url_component(&department_text),
        url_component(&post_text)
    ));
    let _ = write!(
        b,
        "<p class=\"no-print\"><a id=\"csv\" href=\"{path}?{qs}&amp;format=csv\">{}</a> · <a id=\"xlsx\" href=\"{path}?{qs}&amp;format=xlsx\">{}</a> · {} {}</p>",
        esc(t(lang, "report.csv")),
        esc(t(lang, "report.xlsx")),
        esc(t(lang, "report.as_of")),
        esc(&report.as_of_local),
    );
    if let ReportSpan::Day(day) = query.span {
        // The daily sheet (签到/签退 and the door) first, then the day's counts.
        let only = query.staff.clone();
        let period = crate::core::rules::Period {
            first: day,
            last: day,
        };
        match call(state, move |c| c.sheet(period, only.as_ref(), now)).await {
            Ok(sheet) => b.push_str(&super::today::daily_sheet_html(
                lang,
                &state.console.zone(),
                day,
                &sheet,
            )),
            Err(e) => return s.failure(e),
        }
    }
    // Sorted on the server (`?sort=-late`): by department, then id, unless asked otherwise.
    let heads = [
        ("department", "col.id"),
        ("name", "col.name"),
        ("department", "col.department"),
        ("late", "report.late"),
        ("late_min", "report.late_min"),
        ("early", "report.early"),
        ("missing", "report.missing"),
        ("absent", "report.absent"),
        ("leave", "report.leave"),
        ("deduction", "report.deduction"),
        ("score", "report.score"),
    ];
    let paging = Paging::from_query(&s.q, &REPORT_SORTS);
    let mut people: Vec<&crate::admin::report::Row> = report.people.iter().collect();
    paging.sort(&mut people, |r, key| {
        let c = &r.counts;
        let n = match key {
            "late" => i64::from(c.late),
            "late_min" => i64::from(c.late_minutes),
            "early" => i64::from(c.early),
            "missing" => i64::from(c.missing),
            "absent" => i64::from(c.absence_half_days),
            "leave" => i64::from(c.leave_half_days_total()),
            "deduction" => i64::from(r.deduction.tenths()),
            "score" => i64::from(r.score.tenths()),
            _ => 0,
        };
        let text = match key {
            "name" => crate::core::names::pinyin_key(&r.name).0,
            "department" => r.department.clone(),
            _ => String::new(),
        };
        (n, text, r.staff.clone())
    });
    b.push_str("<table id=\"report\"><tr>");
    for (i, (key, h)) in heads.into_iter().enumerate() {
        if i == 0 {
            let _ = write!(b, "<th>{}</th>", esc(t(lang, h)));
        } else {
            b.push_str(&sort_header(path, &s.q, &paging, key, t(lang, h)));
        }
    }
    let _ = write!(b, "<th>{}</th></tr>", esc(t(lang, "report.spoofs")));
    for row in people.into_iter().chain(std::iter::once(&report.hall)) {
        let c = &row.counts;
        let id = row
            .staff
            .as_ref()
            .map_or_else(|| t(lang, "report.hall").to_string(), ToString::to_string);
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{}</td><td>{}</td><td class=\"spoofs\">{} / {}</td></tr>",
            esc(&id),
            esc(&row.name),
            esc(&row.department),
            c.late,
            c.late_minutes,
            c.early,
            c.missing,
            f64::from(c.absence_half_days) / 2.0,
            f64::from(c.leave_half_days_total()) / 2.0,
            esc(&row.deduction.to_string()),
            esc(&row.score.to_string()),
            c.spoofs.flagged,
            c.spoofs.refused,
        );
    }
    b.push_str("</table>");
    if let (ReportSpan::Month(_), true) = (query.span, report.hall.counts.spoofs.total() > 0) {
        let _ = write!(
            b,
            "<p class=\"no-print\"><a id=\"spoofs\" href=\"/spoofs?month={}\">{}</a></p>",
            url_component(&span_text),
            esc(t(lang, "report.spoofs_list")),
        );
    }
    if !report.gaps.is_empty() {
        let _ = write!(
            b,
            "<h2>{}</h2><table><tr><th>{}</th><th></th><th>{}</th><th>A</th><th>B</th></tr>",
            esc(t(lang, "report.gaps")),
            esc(t(lang, "col.date")),
            esc(t(lang, "col.post"))
        );
        let names = call(state, |c| c.names()).await.unwrap_or_default();
        gap_rows(&mut b, lang, &report.gaps, &names);
    }
    b.push_str(&signatures(lang));
    s.page(StatusCode::OK, title, &b)
}

/// The rows of a 断档 table (date, session, post, A and B with their names) and its end.
/// The report table's sort keys (the first, department then id, is the report's own order).
const REPORT_SORTS: [&str; 10] = [
    "department",
    "name",
    "late",
    "late_min",
    "early",
    "missing",
    "absent",
    "leave",
    "deduction",
    "score",
];

pub(super) fn gap_rows(
    b: &mut String,
    lang: Lang,
    gaps: &[GapRow],
    names: &std::collections::BTreeMap<crate::core::ids::StaffId, String>,
) {
    let who = |id: &crate::core::ids::StaffId| {
        format!("{id} {}", names.get(id).map_or("", String::as_str))
    };
    for g in gaps {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            g.date,
            esc(session_text(lang, g.session)),
            esc(&g.post.to_string()),
            esc(&who(&g.holder)),
            esc(&who(&g.backup))
        );
    }
    b.push_str("</table>");
}

pub(super) fn download(file: &str, mime: &'static str, bytes: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

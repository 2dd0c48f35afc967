//! A hall's month sheet (`/sheet`): per person the four parts, score, fund, withheld, and the
//! adjustment lines, as `month::sheet` computes them and `render::sheet_table` lays them out;
//! and the downloads (`/sheet.xlsx`: one worksheet per hall with totals; `/sheet.csv`), drawn
//! by `render` as the CLI's are.
//!
//! Never computes a number: every figure is `month`'s, every cell `render`'s.

use std::fmt::Write;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use hallclock_core::assessment::Month;
use hallclock_report::Table;
use hallclock_web::html::{esc, print_head, signatures, table_head};
use hallclock_web::http::url_component;
use hallclock_web::Lang;

use super::i18n::{t, SHEET_HEADER_EN};
use super::session::Visit;
use super::{month_param, Permission, WebState};
use crate::month::{self, Sheet};
use crate::render;

/// A [`Table`] as HTML: its header (in English when asked and the table is the sheet's), its
/// rows, the totals in bold, the notes under it. The staff id links to the person's month
/// (`person`: `Some((hall, month))`).
fn table_html(id: &str, lang: Lang, table: &Table, person: Option<(&str, Month)>) -> String {
    let english = lang == Lang::En && table.header.len() == SHEET_HEADER_EN.len();
    let header: Vec<&str> = if english {
        SHEET_HEADER_EN.to_vec()
    } else {
        table.header.iter().map(String::as_str).collect()
    };
    let mut h = format!("<p><strong>{}</strong></p>", esc(&table.title));
    h.push_str(&table_head(id, &header));
    let body = table.rows.len();
    for (i, row) in table.text_rows().into_iter().enumerate() {
        let total = i >= body;
        h.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for (c, cell) in row.iter().enumerate() {
            let text = esc(cell);
            match (c, person) {
                (0, Some((hall, m))) if !total => {
                    let _ = write!(
                        h,
                        "<td><a href=\"/person?hall={}&amp;staff={}&amp;month={m}\">{text}</a></td>",
                        url_component(hall),
                        url_component(cell)
                    );
                }
                _ if total => {
                    let _ = write!(h, "<td><strong>{text}</strong></td>");
                }
                _ => {
                    let _ = write!(h, "<td>{text}</td>");
                }
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
    for n in &table.notes {
        let _ = write!(h, "<p class=\"note\">{}</p>", esc(n));
    }
    h
}

pub async fn month_sheet(State(state): State<WebState>, v: Visit) -> Response {
    let hall = match v.hall_param(&state).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    if let Err(r) = v.need(Permission::ViewSheets, Some(&hall)) {
        return r;
    }
    let sheet = match load(&state, &v, std::slice::from_ref(&hall)).await {
        Ok((mut s, _)) if !s.is_empty() => s.remove(0),
        Ok(_) => return v.no_hall(),
        Err(r) => return r,
    };
    let lang = v.lang;
    let m = sheet.month.to_string();
    let mut b = super::hall_filter("/sheet", lang, &hall, ("month", "sheet.month", &m));
    let q = format!("hall={}&amp;month={m}", url_component(&hall));
    let _ = write!(
        b,
        "<p class=\"no-print\"><a id=\"xlsx\" href=\"/sheet.xlsx?{q}\">{}</a> · <a id=\"csv\" href=\"/sheet.csv?{q}\">{}</a></p>",
        esc(t(lang, "sheet.xlsx")),
        esc(t(lang, "sheet.csv"))
    );
    let printed = sheet
        .hall
        .zone
        .to_datetime(state.now())
        .strftime("%Y-%m-%d %H:%M")
        .to_string();
    b.push_str(&print_head(
        &sheet.hall.name,
        t(lang, "sheet.title"),
        &m,
        &format!(
            "{} {printed}",
            hallclock_web::lang::t(lang, "print.printed")
        ),
    ));
    let state_key = if sheet.closed.is_some() {
        "sheet.closed"
    } else {
        "sheet.open"
    };
    let _ = write!(b, "<p id=\"state\">{}</p>", esc(t(lang, state_key)));
    let person = v
        .role
        .may(Permission::ViewPeople)
        .then_some((hall.as_str(), sheet.month));
    b.push_str(&table_html(
        "sheet",
        lang,
        &render::sheet_table(&sheet),
        person,
    ));
    if !sheet.adjustments.is_empty() {
        let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "sheet.adjustments")));
        b.push_str(&table_html(
            "adjustments",
            lang,
            &render::adjustment_table(&sheet),
            None,
        ));
    }
    b.push_str(&signatures(lang));
    v.page(StatusCode::OK, "sheet.title", &b)
}

/// The sheets of `halls` (every hall the visitor sees when empty) for the query's month, or
/// the answer refusing them.
async fn load(
    state: &WebState,
    v: &Visit,
    halls: &[String],
) -> Result<(Vec<Sheet>, Month), Response> {
    let store = state
        .reader()
        .await
        .map_err(|e| super::store_failed(v.lang, &v.q, &e))?;
    let mut halls = halls.to_vec();
    if halls.is_empty() {
        halls = store
            .hall_ids()
            .await
            .map_err(|e| super::store_failed(v.lang, &v.q, &e))?
            .into_iter()
            .filter(|h| v.role.sees(h))
            .collect();
    }
    let now = state.now();
    let mut sheets = Vec::new();
    let mut month = None;
    for h in &halls {
        let zone = match store.hall(h).await {
            Ok(row) => row.zone,
            Err(_) => return Err(v.no_hall()),
        };
        let m = match month {
            Some(m) => m,
            None => month_param(&v.q, &zone, now)
                .map_err(|e| super::error_page(StatusCode::BAD_REQUEST, v.lang, &v.q, &e))?,
        };
        month = Some(m);
        sheets.push(
            month::sheet(&store, h, m, now)
                .await
                .map_err(|e| super::failed(v.lang, &v.q, &e))?,
        );
    }
    let m = month.ok_or_else(|| v.no_hall())?;
    Ok((sheets, m))
}

/// The halls a download is of: `hall=` (which the visitor must see), or every hall it sees.
async fn download(state: &WebState, v: &Visit) -> Result<(Vec<Sheet>, Month), Response> {
    let hall: Vec<String> =
        v.q.get("hall")
            .filter(|h| !h.is_empty())
            .cloned()
            .into_iter()
            .collect();
    v.need(Permission::Download, hall.first().map(String::as_str))?;
    load(state, v, &hall).await
}

fn file(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut r = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, content_type)],
        bytes,
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{name}\"; filename*=UTF-8''{}",
        url_component(name)
    )) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// The download's format.
#[derive(Debug, Clone, Copy)]
enum Download {
    Xlsx,
    Csv,
}

async fn send(state: &WebState, v: &Visit, kind: Download) -> Response {
    let (sheets, m) = match download(state, v).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let drawn = match kind {
        Download::Xlsx => render::sheets_xlsx(&sheets).map(|b| {
            let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            (b, xlsx, "xlsx")
        }),
        Download::Csv => {
            render::sheets_csv(&sheets).map(|t| (t.into_bytes(), "text/csv; charset=utf-8", "csv"))
        }
    };
    match drawn {
        Ok((bytes, content_type, ext)) => {
            file(bytes, content_type, &format!("fund-sheet-{m}.{ext}"))
        }
        Err(e) => super::refusal(v.lang, &v.q, false, &e),
    }
}

pub async fn xlsx(State(state): State<WebState>, v: Visit) -> Response {
    send(&state, &v, Download::Xlsx).await
}

pub async fn csv(State(state): State<WebState>, v: Visit) -> Response {
    send(&state, &v, Download::Csv).await
}

//! The inspection office's page (`/records`): a hall's records of a month with their voids, a
//! form to record an item, one to void a record (never an edit), and one to close the month.
//! Each change and its audit line are one PostgreSQL transaction (`Store::add_record_audited`,
//! `Store::void_record_audited`, `month::close`).
//!
//! Reads the forms and answers; what a record is worth is `sheet`'s, checking it
//! `ItemRecord::validate`'s.

use std::fmt::Write;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use hallclock_core::assessment::{ItemCode, ItemRecord, Month, RecordId};
use hallclock_core::ids::StaffId;
use hallclock_web::html::{csrf_field, esc, message, select_value, table_head, Form, Input};
use hallclock_web::Params;

use super::i18n::t;
use super::session::{Posted, Visit};
use super::{MonthDesk, Permission, WebState};
use crate::month;

/// The records page of the query's hall and month, with `note` above (a change's outcome) and
/// the record form filled with `typed` (a refused form shows what was typed).
async fn records_page(
    state: &WebState,
    v: &Visit,
    note: &str,
    status: StatusCode,
    typed: Option<&Params>,
) -> Response {
    let desk = match MonthDesk::open(state, v, Permission::Record, "/records", note).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let (first, last) = desk.days;
    let lines = match desk.store.records(&desk.hall.id, first, last).await {
        Ok(l) => l,
        Err(e) => return v.store_failed(&e),
    };
    let (lang, hall, m) = (v.lang, &desk.hall.id, desk.month);
    let mut b = desk.body.clone();
    b.push_str(&table_head(
        "records",
        &[
            t(lang, "records.id"),
            t(lang, "records.day"),
            t(lang, "person.staff"),
            t(lang, "records.item"),
            t(lang, "records.times"),
            t(lang, "records.note"),
            t(lang, "records.author"),
            t(lang, "records.state"),
        ],
    ));
    for l in &lines {
        let r = &l.record;
        let state_cell = match &l.voided {
            Some((why, by)) => esc(&format!("{}: {why} ({by})", t(lang, "records.voided"))),
            None => format!(
                "<form method=\"post\" action=\"{}\" style=\"margin:0\">{}<input type=\"hidden\" name=\"id\" value=\"{}\"><input name=\"reason\" placeholder=\"{}\" required><button>{}</button></form>",
                esc(&desk.action("/records/void")),
                csrf_field(&v.csrf),
                r.id.0,
                esc(t(lang, "records.reason")),
                esc(t(lang, "records.void"))
            ),
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td><a href=\"/person?hall={}&amp;staff={}&amp;month={m}\">{} {}</a></td><td>{} {}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state_cell}</td></tr>",
            r.id.0,
            r.day,
            esc(&hallclock_web::http::url_component(hall)),
            esc(r.staff.as_str()),
            esc(r.staff.as_str()),
            esc(desk.name(&r.staff)),
            r.item,
            r.item.title_zh(),
            if r.withhold_month { " (C3 扣发)" } else { "" },
            r.times,
            esc(&r.note),
            esc(&r.author),
        );
    }
    b.push_str("</table>");
    let typed_of = |k: &str| super::typed(typed, k);
    let staff = desk.people_choice("staff", None, typed_of("staff"));
    let titled: Vec<(&str, String)> = ItemCode::all()
        .map(|c| (c.as_str(), format!("{} {}", c.as_str(), c.title_zh())))
        .collect();
    let items: Vec<(&str, &str)> = titled.iter().map(|(c, text)| (*c, text.as_str())).collect();
    let item = select_value("item", Some("item"), &items, typed_of("item"));
    let mut day = Input::new("day", "day")
        .placeholder("2026-05-12")
        .required();
    if let Some(d) = typed_of("day") {
        day = day.value(d);
    }
    let times = Input::new("times", "times").value(typed_of("times").unwrap_or("1"));
    let note = Input::new("note", "note").value(typed_of("note").unwrap_or(""));
    let c3 = format!(
        "<input type=\"checkbox\" name=\"withhold\" id=\"withhold\" value=\"1\"{}>",
        if typed_of("withhold").is_some() {
            " checked"
        } else {
            ""
        }
    );
    let add = Form::post(&desk.action("/records/add"), &v.csrf)
        .field(t(lang, "person.staff"), &staff)
        .field(t(lang, "records.item"), &item)
        .field(t(lang, "records.day"), &day.html())
        .field(t(lang, "records.times"), &times.html())
        .field(t(lang, "records.note"), &note.html())
        .field(t(lang, "records.withhold"), &c3);
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "records.add")));
    b.push_str(&add.submit(Some("record"), t(lang, "records.submit")));
    let _ = write!(b, "<h2>{}</h2>", esc(t(lang, "records.close")));
    b.push_str(
        &Form::post(&desk.action("/month/close"), &v.csrf)
            .submit(Some("close"), t(lang, "records.close_submit")),
    );
    v.page(status, "records.title", &b)
}

pub async fn records(State(state): State<WebState>, v: Visit) -> Response {
    records_page(&state, &v, "", StatusCode::OK, None).await
}

/// The hall and month a change is about (from the form's action), checked against the role.
fn target(v: &Visit, what: Permission) -> Result<(String, Month), Response> {
    let hall = v.q.get("hall").cloned().unwrap_or_default();
    v.need(what, Some(&hall))?;
    let month =
        v.q.get("month")
            .and_then(|m| format!("{m}-01").parse::<jiff::civil::Date>().ok())
            .map(Month::of)
            .ok_or_else(|| {
                super::error_page(
                    StatusCode::BAD_REQUEST,
                    v.lang,
                    &v.q,
                    "month: expected YYYY-MM",
                )
            })?;
    Ok((hall, month))
}

/// The page again after a stored change: its note (200), the user's mistake (422, the record
/// form filled with `typed`), or the failure page.
async fn after(
    state: &WebState,
    v: &Visit,
    stored: Result<String, crate::store::StoreError>,
    typed: Option<&Params>,
) -> Response {
    let outcome = match stored {
        Ok(note) => Ok(note),
        Err(e) if super::store_theirs(&e) => Err(e.to_string()),
        Err(e) => return v.store_failed(&e),
    };
    again(state, v, outcome, typed).await
}

/// The page again with the outcome: `Ok(note)` (200, an empty form) or the refusal (422, the
/// record form filled with `typed`).
async fn again(
    state: &WebState,
    v: &Visit,
    outcome: Result<String, String>,
    typed: Option<&Params>,
) -> Response {
    match outcome {
        Ok(note) => records_page(state, v, &message("ok", &note), StatusCode::OK, None).await,
        Err(e) => {
            records_page(
                state,
                v,
                &message("err", &e),
                StatusCode::UNPROCESSABLE_ENTITY,
                typed,
            )
            .await
        }
    }
}

fn record_of(f: &Params, author: &str, now: jiff::Timestamp) -> Result<ItemRecord, String> {
    let field = |k: &str| f.get(k).map_or("", |s| s.trim());
    let record = ItemRecord {
        id: RecordId(0),
        staff: StaffId::new(field("staff"))
            .map_err(|e| format!("工号无效 / the staff id is not valid: {e}"))?,
        item: ItemCode::parse(field("item"))
            .map_err(|e| format!("项目无效 / the item is not valid: {e}"))?,
        day: field("day").parse().map_err(|_| {
            format!(
                "日期 {:?} 应为 年-月-日，如 2026-05-12 / day {:?}: expected YYYY-MM-DD",
                field("day"),
                field("day")
            )
        })?,
        times: match field("times") {
            "" => 1,
            t => t.parse().map_err(|_| {
                format!("次数 {t:?} 应为整数 / times {t:?}: expected a whole number")
            })?,
        },
        withhold_month: f.contains_key("withhold"),
        note: field("note").to_string(),
        author: author.to_string(),
        recorded_at: now,
    };
    record
        .validate()
        .map_err(|e| format!("稽查记录不成立 / the record is refused: {e}"))?;
    Ok(record)
}

pub async fn add(State(state): State<WebState>, Posted(v, f): Posted) -> Response {
    let (hall, _) = match target(&v, Permission::Record) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = state.now();
    let record = match record_of(&f, &v.account, now) {
        Ok(r) => r,
        Err(e) => return again(&state, &v, Err(e), Some(&f)).await,
    };
    let detail = format!(
        "{hall} {} {} ×{} {}",
        record.staff, record.item, record.times, record.day
    );
    let audit = v.audit(now, "record-add", detail);
    let stored = match state.writer().await {
        Ok(mut w) => w.add_record_audited(&hall, &record, &audit).await,
        Err(e) => Err(e),
    };
    let note = |id: RecordId| format!("{} #{}", t(v.lang, "records.added"), id.0);
    after(&state, &v, stored.map(note), Some(&f)).await
}

pub async fn void(State(state): State<WebState>, Posted(v, f): Posted) -> Response {
    let (hall, _) = match target(&v, Permission::Record) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let id = f.get("id").and_then(|i| i.trim().parse::<i64>().ok());
    let reason = f.get("reason").map_or("", |r| r.trim()).to_string();
    let (Some(id), false) = (id, reason.is_empty()) else {
        return again(
            &state,
            &v,
            Err("作废需要记录编号和原因 / void: expected the record's number and a reason".into()),
            None,
        )
        .await;
    };
    let audit = v.audit(
        state.now(),
        "record-void",
        format!("{hall} #{id}: {reason}"),
    );
    let voided = match state.writer().await {
        Ok(mut w) => {
            w.void_record_audited(&hall, RecordId(id), &reason, &audit)
                .await
        }
        Err(e) => Err(e),
    };
    let note = format!("{} #{id}", t(v.lang, "records.void_done"));
    after(&state, &v, voided.map(|()| note), None).await
}

pub async fn close(State(state): State<WebState>, Posted(v, _): Posted) -> Response {
    let (hall, m) = match target(&v, Permission::CloseMonth) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let now = state.now();
    let audit = v.audit(now, "month-close", format!("{hall} {m}"));
    let closed = match state.writer().await {
        Ok(mut w) => month::close(&mut w, &hall, m, &v.account, now, Some(&audit)).await,
        Err(e) => Err(e.into()),
    };
    let outcome = match closed {
        Ok(sheet) => Ok(format!(
            "{} {m}: {}",
            t(v.lang, "records.closed"),
            sheet.rows.len()
        )),
        Err(e) => return super::failed(v.lang, &v.q, &e),
    };
    again(&state, &v, outcome, None).await
}

//! The centre's sheets drawn for people: the month sheet (月度考核及专项资金发放表) as a terminal
//! table, CSV for Chinese Excel, JSON, and xlsx with one worksheet per hall and totals; the year's
//! award list; a person's month. The drawing itself (CJK widths, CSV cells, workbook styles) is
//! `hallclock-report`, shared with the door. Chinese first; no I/O.

use hallclock_core::assessment::{Fen, Part};
use hallclock_core::scoring::Points;
use hallclock_report::{csv_document, text_table, xlsx_tables, Cell, RenderError, Table};
use serde_json::{json, Value};

use crate::month::{PersonMonth, Sheet};
use crate::sheet::{item_effect_zh, SheetRow, YearLine};

/// The month sheet's column headers (Chinese, as the inspection office's form has them).
pub const SHEET_HEADER: [&str; 12] = [
    "工号",
    "姓名",
    "行为规范(30)",
    "严格考勤(30)",
    "办件管理(20)",
    "重大违纪(20)",
    "得分",
    "扣分(封底前)",
    "在册/应出勤(天)",
    "应发(元)",
    "扣发",
    "实发(元)",
];

const ADJUSTMENT_HEADER: [&str; 6] = [
    "工号",
    "姓名",
    "调整月份",
    "已发(元)",
    "现应发(元)",
    "调整(元,负数为追回)",
];

fn tenths(p: Points) -> Cell {
    Cell::Tenth(i64::from(p.tenths()))
}

fn money(f: Fen) -> Cell {
    Cell::Money(f.0)
}

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

fn state_zh(sheet: &Sheet) -> String {
    match &sheet.closed {
        Some(c) => format!(
            "已结账({} {})",
            c.closed_by,
            sheet
                .hall
                .zone
                .to_datetime(c.closed_at)
                .strftime("%Y-%m-%d %H:%M")
        ),
        None => "未结账,数据随上传更新".to_string(),
    }
}

/// One person's line as the sheet's cells, in [`SHEET_HEADER`]'s order.
pub fn row_cells(r: &SheetRow) -> Vec<Cell> {
    let mut cells = vec![text(r.staff.as_str()), text(r.name.as_str())];
    cells.extend(r.parts.iter().map(|p| tenths(*p)));
    cells.extend([
        tenths(r.score),
        tenths(r.deducted),
        text(format!(
            "{}/{}",
            r.on_list.working_days_on_list, r.on_list.working_days_in_month
        )),
        money(r.earned),
        text(r.withheld.clone().unwrap_or_default()),
        money(r.due),
    ]);
    cells
}

/// The sheet as a table: a line per person and the hall's totals.
pub fn sheet_table(sheet: &Sheet) -> Table {
    let rows: Vec<Vec<Cell>> = sheet.rows.iter().map(row_cells).collect();
    let sum = |f: fn(&SheetRow) -> i64| sheet.rows.iter().map(f).sum::<i64>();
    let mut totals = vec![text("合计"), text(format!("{}人", sheet.rows.len()))];
    totals.extend(std::iter::repeat_n(text(""), 6));
    totals.push(text(""));
    totals.extend([
        Cell::Money(sum(|r| r.earned.0)),
        text(""),
        Cell::Money(sum(|r| r.due.0)),
    ]);
    let mut notes = vec![
        format!("状态: {}", state_zh(sheet)),
        "得分 = 四部分之和(各部分最低为0); 应发 = 150 ÷ 100 × 得分, 按在册工作日折算, 四舍五入到分。".to_string(),
        "扣发: C3被群众拍摄上网或纪委查处的扣发当月; D1扣发当季度。".to_string(),
    ];
    let adjusted: i64 = sheet
        .adjustments
        .iter()
        .map(|a| a.adjustment.difference.0)
        .sum();
    if !sheet.adjustments.is_empty() {
        notes.push(format!(
            "本表另有{}条往月调整, 合计 {} 元(见\"调整\")。",
            sheet.adjustments.len(),
            Fen(adjusted)
        ));
    }
    Table {
        sheet: sheet_name(&sheet.hall.name),
        title: format!(
            "{} {} 月度考核及专项资金发放表",
            sheet.hall.name, sheet.month
        ),
        header: SHEET_HEADER.iter().map(ToString::to_string).collect(),
        rows,
        totals: Some(totals),
        notes,
    }
}

/// The sheet's adjustment lines as a table.
pub fn adjustment_table(sheet: &Sheet) -> Table {
    Table {
        sheet: sheet_name(&format!("{}调整", sheet.hall.name)),
        title: format!("{} {} 往月调整", sheet.hall.name, sheet.month),
        header: ADJUSTMENT_HEADER.iter().map(ToString::to_string).collect(),
        rows: sheet
            .adjustments
            .iter()
            .map(|a| {
                vec![
                    text(a.staff.as_str()),
                    text(a.name.as_str()),
                    text(a.adjustment.month.to_string()),
                    money(a.adjustment.paid),
                    money(a.adjustment.due_now),
                    money(a.adjustment.difference),
                ]
            })
            .collect(),
        totals: None,
        notes: Vec::new(),
    }
}

/// A worksheet name: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect()
}

/// Sheets for the terminal: the title, the table, the notes, the adjustments.
pub fn sheets_text(sheets: &[Sheet]) -> String {
    let mut out = String::new();
    for sheet in sheets {
        let t = sheet_table(sheet);
        out.push_str(&t.title);
        out.push('\n');
        let mut rows = vec![t.header.clone()];
        rows.extend(t.text_rows());
        out.push_str(&text_table(&rows, 2));
        for n in &t.notes {
            out.push_str(n);
            out.push('\n');
        }
        if !sheet.adjustments.is_empty() {
            let a = adjustment_table(sheet);
            out.push_str(&format!("\n{}\n", a.title));
            let mut rows = vec![a.header.clone()];
            rows.extend(a.text_rows());
            out.push_str(&text_table(&rows, 3));
        }
        out.push('\n');
    }
    out
}

/// Sheets as one CSV: a 厅 column first, then the sheet's columns; adjustment lines follow with
/// `调整` in the 扣发 column's place (one file that Chinese Excel opens).
///
/// # Errors
/// [`RenderError`] (only on an internal writer failure).
pub fn sheets_csv(sheets: &[Sheet]) -> Result<String, RenderError> {
    let mut header = vec!["大厅".to_string()];
    header.extend(SHEET_HEADER.iter().map(ToString::to_string));
    let mut rows = Vec::new();
    for sheet in sheets {
        for r in sheet_table(sheet).text_rows() {
            let mut row = vec![sheet.hall.id.clone()];
            row.extend(r);
            rows.push(row);
        }
        for a in &sheet.adjustments {
            let mut row = vec![
                sheet.hall.id.clone(),
                a.staff.as_str().to_string(),
                a.name.clone(),
            ];
            row.extend(std::iter::repeat_n(String::new(), 7));
            row.push(format!(
                "调整{}: 已发{} 现应发{}",
                a.adjustment.month, a.adjustment.paid, a.adjustment.due_now
            ));
            row.push(a.adjustment.difference.to_string());
            rows.push(row);
        }
    }
    Ok(csv_document(&header, &rows, &[1])?)
}

/// Sheets as an xlsx workbook: a worksheet per hall with its totals, and one for each hall's
/// adjustments when it has some.
///
/// # Errors
/// [`RenderError`].
pub fn sheets_xlsx(sheets: &[Sheet]) -> Result<Vec<u8>, RenderError> {
    let mut tables = Vec::new();
    for sheet in sheets {
        tables.push(sheet_table(sheet));
        if !sheet.adjustments.is_empty() {
            tables.push(adjustment_table(sheet));
        }
    }
    xlsx_tables(&tables)
}

fn points_json(p: Points) -> Value {
    json!(f64::from(p.tenths()) / 10.0)
}

fn fen_json(f: Fen) -> Value {
    json!(f.to_string())
}

/// One person's line as JSON: points as numbers, money as decimal strings (`"127.50"`, exact).
fn row_json(r: &SheetRow) -> Value {
    let parts: serde_json::Map<String, Value> = Part::ALL
        .iter()
        .zip(r.parts)
        .map(|(p, s)| (part_key(*p).to_string(), points_json(s)))
        .collect();
    json!({
        "staff_id": r.staff.as_str(),
        "name": r.name,
        "parts": parts,
        "score": points_json(r.score),
        "deducted": points_json(r.deducted),
        "working_days_on_list": r.on_list.working_days_on_list,
        "working_days_in_month": r.on_list.working_days_in_month,
        "earned": fen_json(r.earned),
        "withheld": r.withheld,
        "due": fen_json(r.due),
    })
}

/// A sheet as JSON: its people's lines ([`row_json`]), the adjustments and the total due.
pub fn sheet_json(sheet: &Sheet) -> Value {
    let people: Vec<Value> = sheet.rows.iter().map(row_json).collect();
    let adjustments: Vec<Value> = sheet
        .adjustments
        .iter()
        .map(|a| {
            json!({
                "staff_id": a.staff.as_str(),
                "name": a.name,
                "month": a.adjustment.month.to_string(),
                "paid": fen_json(a.adjustment.paid),
                "due_now": fen_json(a.adjustment.due_now),
                "difference": fen_json(a.adjustment.difference),
            })
        })
        .collect();
    json!({
        "hall": sheet.hall.id,
        "hall_name": sheet.hall.name,
        "month": sheet.month.to_string(),
        "closed": sheet.closed.as_ref().map(|c| json!({
            "by": c.closed_by, "at": c.closed_at.to_string()
        })),
        "people": people,
        "adjustments": adjustments,
        "total_due": fen_json(Fen(sheet.rows.iter().map(|r| r.due.0).sum())),
    })
}

fn part_key(p: Part) -> &'static str {
    match p {
        Part::Conduct => "conduct",
        Part::Attendance => "attendance",
        Part::Cases => "cases",
        Part::Discipline => "discipline",
    }
}

fn eligibility_zh(l: &YearLine) -> String {
    let mut why = Vec::new();
    if l.barred_by_points {
        why.push(format!("全年扣分{}(≥30)", l.deducted));
    }
    if l.barred_by_d1 {
        why.push("本人有D1".to_string());
    }
    if let Some(who) = &l.barred_by_window {
        why.push(format!("同窗口{}有D1", who));
    }
    if why.is_empty() {
        "可参评".to_string()
    } else {
        format!("取消评先评优: {}", why.join("; "))
    }
}

/// The year's award list as a terminal table.
pub fn year_text(hall: &str, year: i16, lines: &[YearLine]) -> String {
    let mut rows = vec![vec![
        "工号".to_string(),
        "姓名".to_string(),
        "窗口".to_string(),
        "年度评先评优".to_string(),
        "全年扣分".to_string(),
    ]];
    for l in lines {
        rows.push(vec![
            l.staff.as_str().to_string(),
            l.name.clone(),
            l.post.clone().unwrap_or_default(),
            eligibility_zh(l),
            l.deducted.to_string(),
        ]);
    }
    format!("{hall} {year}年 评先评优资格\n{}", text_table(&rows, 4))
}

/// The year's award list as JSON.
pub fn year_json(hall: &str, year: i16, lines: &[YearLine]) -> Value {
    json!({
        "hall": hall,
        "year": year,
        "people": lines.iter().map(|l| json!({
            "staff_id": l.staff.as_str(),
            "name": l.name,
            "post": l.post,
            "deducted": points_json(l.deducted),
            "months": l.months.iter().map(|(m, p)| json!({"month": m.to_string(), "deducted": points_json(*p)})).collect::<Vec<_>>(),
            "barred_by_points": l.barred_by_points,
            "barred_by_d1": l.barred_by_d1,
            "barred_by_window": l.barred_by_window.as_ref().map(|s| s.as_str().to_string()),
            "eligible": l.eligible(),
        })).collect::<Vec<_>>(),
    })
}

/// An instant in a hall's zone, to the second, as every table shows it.
pub fn local_time(zone: &jiff::tz::TimeZone, at: jiff::Timestamp) -> String {
    zone.to_datetime(at)
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// One person's month for the terminal: the line, every record (voided ones marked), every
/// punch with its door, in the hall's zone.
pub fn person_text(p: &PersonMonth) -> String {
    let r = &p.row;
    let mut out = format!(
        "{} {} {} {}\n得分 {} (行为规范 {} / 严格考勤 {} / 办件管理 {} / 重大违纪 {}), 实发 {} 元{}\n",
        p.hall.name,
        p.month,
        r.staff,
        r.name,
        r.score,
        r.parts[0],
        r.parts[1],
        r.parts[2],
        r.parts[3],
        r.due,
        r.withheld
            .as_ref()
            .map_or(String::new(), |w| format!(" ({w})"))
    );
    out.push_str("\n稽查记录:\n");
    if p.records.is_empty() {
        out.push_str("  (无)\n");
    }
    for l in &p.records {
        let rec = &l.record;
        let effect = item_effect_zh(rec.item);
        out.push_str(&format!(
            "  #{} {} {} ×{} {}{} — {} 记录{}\n",
            rec.id.0,
            rec.day,
            rec.item,
            rec.times,
            rec.note,
            if effect.is_empty() {
                String::new()
            } else {
                format!(" [{effect}]")
            },
            rec.author,
            l.voided
                .as_ref()
                .map_or(String::new(), |(why, by)| format!(" (已作废: {why}, {by})"))
        ));
    }
    out.push_str("\n打卡(各门合并):\n");
    let mut rows = vec![vec![
        "时间".to_string(),
        "门".to_string(),
        "序号".to_string(),
        "时钟".to_string(),
    ]];
    for d in &p.punches {
        rows.push(vec![
            local_time(&p.hall.zone, d.at),
            d.device.clone(),
            d.seq.to_string(),
            if d.clock_trusted {
                "已校准"
            } else {
                "未校准"
            }
            .to_string(),
        ]);
    }
    out.push_str(&text_table(&rows, 2));
    out
}

/// One person's month as JSON.
pub fn person_json(p: &PersonMonth) -> Value {
    json!({
        "hall": p.hall.id,
        "month": p.month.to_string(),
        "person": row_json(&p.row),
        "records": p.records.iter().map(|l| json!({
            "id": l.record.id.0,
            "item": l.record.item.as_str(),
            "day": l.record.day.to_string(),
            "times": l.record.times,
            "withhold_month": l.record.withhold_month,
            "note": l.record.note,
            "author": l.record.author,
            "voided": l.voided.as_ref().map(|(why, by)| json!({"reason": why, "by": by})),
        })).collect::<Vec<_>>(),
        "punches": p.punches.iter().map(|d| json!({
            "at": d.at.to_string(), "device": d.device, "seq": d.seq, "clock_trusted": d.clock_trusted,
        })).collect::<Vec<_>>(),
    })
}

//! Renders a [`Report`] for the supervisor: a terminal table, CSV, one JSON object, and a real
//! Excel workbook (.xlsx) with Chinese headers and one sheet per report part.
//!
//! This module only formats: the numbers come from [`crate::admin::report`], which got them from
//! the core. It writes nothing but the .xlsx file it is given a path for; the caller prints or
//! saves the text formats. Headers are in Chinese (the hall's staff read them), with English in
//! the CSV header after a slash so that scripts can find the columns.

use std::fmt::Write as _;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde_json::{json, Map, Value};

use crate::admin::report::{kind_key, kind_zh, session_zh, Report, ReportKind, Row, LEAVE_KINDS};
use crate::core::ids::StaffId;
use crate::core::leave::{HalfDay, LeaveClass, LeaveId, LeaveKind};
use crate::core::schedule::Session;
use crate::core::scoring::{FundEstimate, Points};
use hallclock_report::csv_document;
use hallclock_report::{col, fit_page, headers, row_index, Styles};
pub use hallclock_report::{csv_cell, csv_id_cell, display_width, text_table, CSV_BOM};

/// Why a report could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the CSV report: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the Excel report {path}: {source}")]
    Xlsx { path: String, source: XlsxError },
}

/// The note that goes with every fund figure.
pub const FUND_NOTE_ZH: &str = "考核资金为估算:按其他三项(行为规范、办件管理、重大违纪)满分计,\
                                 150元÷100×(70+考勤得分);以稽查督办科汇总为准。";
const FUND_NOTE_EN: &str = "fund is an estimate: 150 / 100 x (70 + attendance score), assuming the \
                            other three parts are full; the inspection office's figure is the real one";

/// The person columns: Chinese header, English key.
const COLUMNS: [(&str, &str); 18] = [
    ("工号", "staff_id"),
    ("姓名", "name"),
    ("派驻单位", "department"),
    ("迟到次数", "late"),
    ("迟到分钟", "late_minutes"),
    ("早退次数", "early"),
    ("早退分钟", "early_minutes"),
    ("缺卡次数", "missing"),
    ("缺岗天数", "absence_days"),
    ("请假天数", "leave_days"),
    ("会议迟到", "meetings_late"),
    ("会议缺席", "meetings_missed"),
    ("值班缺岗", "duties_missed"),
    ("扣分", "deduction"),
    ("考勤得分(满分30)", "score"),
    ("考核资金估算(元)", "fund"),
    ("代打卡嫌疑(已记打卡)", "spoofs_flagged"),
    ("代打卡嫌疑(已拒绝)", "spoofs_refused"),
];

fn cells(row: &Row) -> [String; 18] {
    let c = &row.counts;
    [
        row.staff
            .as_ref()
            .map_or_else(|| "全厅".to_string(), ToString::to_string),
        row.name.clone(),
        row.department.clone(),
        c.late.to_string(),
        c.late_minutes.to_string(),
        c.early.to_string(),
        c.early_minutes.to_string(),
        c.missing.to_string(),
        days(c.absence_half_days),
        days(c.leave_half_days_total()),
        c.meetings_late.to_string(),
        c.meetings_missed.to_string(),
        c.duties_missed.to_string(),
        row.deduction.to_string(),
        row.score.to_string(),
        yuan(row.fund),
        c.spoofs.flagged.to_string(),
        c.spoofs.refused.to_string(),
    ]
}

/// Half days as days: `1`, `0.5`, `2.5`.
fn days(half_days: u32) -> String {
    if half_days.is_multiple_of(2) {
        (half_days / 2).to_string()
    } else {
        format!("{}.5", half_days / 2)
    }
}

fn yuan(fund: FundEstimate) -> String {
    let sign = if fund.fen < 0 { "-" } else { "" };
    let abs = fund.fen.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// A half day as the command line reads it back: `2026-11-03 上午`.
pub fn half_day_zh(h: HalfDay) -> String {
    format!("{} {}", h.date, session_zh(h.session))
}

fn session_key(s: Session) -> &'static str {
    match s {
        Session::Morning => "morning",
        Session::Afternoon => "afternoon",
    }
}

fn heading(report: &Report) -> String {
    format!(
        "{} {} ({} 至 {}, {}, 截至 {})",
        report.kind.title_zh(),
        report.label,
        report.period.first,
        report.period.last,
        report.zone,
        report.as_of_local
    )
}

/// The report as a terminal table (Chinese headers, columns aligned for CJK text).
pub fn render_table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", heading(report));
    let header: Vec<String> = COLUMNS.iter().map(|(zh, _)| zh.to_string()).collect();
    let mut rows: Vec<Vec<String>> = vec![header];
    rows.extend(report.people.iter().map(|r| cells(r).to_vec()));
    rows.push(cells(&report.hall).to_vec());
    out.push_str(&text_table(&rows, 2));
    let _ = writeln!(out, "注: {FUND_NOTE_ZH}");
    if report.people.iter().any(|r| r.counts.pending_sessions > 0) {
        let _ = writeln!(
            out,
            "注: 尚未结束的时段不计入 (sessions still open are not counted)."
        );
    }

    let with_leave: Vec<&Row> = report
        .people
        .iter()
        .filter(|r| r.counts.leave_half_days_total() > 0)
        .collect();
    if !with_leave.is_empty() {
        let _ = writeln!(out, "\n请假天数(按类别) leave days by kind");
        for r in with_leave {
            let parts: Vec<String> = r
                .counts
                .leave_half_days
                .iter()
                .map(|(k, n)| format!("{} {}", kind_zh(*k), days(*n)))
                .collect();
            let _ = writeln!(out, "  {} {}: {}", id_of(r), r.name, parts.join(", "));
        }
    }
    if report.kind == ReportKind::Year {
        let _ = writeln!(out, "\n年度评先评优 awards (扣分满30分不得评先评优)");
        for r in &report.people {
            let barred = r.barred_from_awards.unwrap_or(false);
            let _ = writeln!(
                out,
                "  {} {}: 全年扣分 {}, {}",
                id_of(r),
                r.name,
                r.deduction,
                if barred {
                    "不得评先评优 (barred)"
                } else {
                    "可参评"
                }
            );
        }
    }
    let _ = writeln!(
        out,
        "\n断档 (窗口A、B角均不在岗) gaps: {}",
        report.gaps.len()
    );
    for g in &report.gaps {
        let _ = writeln!(
            out,
            "  {} {} 窗口 {} (A {}, B {})",
            g.date,
            session_zh(g.session),
            g.post,
            g.holder,
            g.backup
        );
    }
    spoof_section(&mut out, report);
    if !report.open_leaves.is_empty() {
        let _ = writeln!(out, "\n未销假 open leaves: {}", report.open_leaves.len());
        for l in &report.open_leaves {
            let _ = writeln!(
                out,
                "  {} {} {} {} 至 {}",
                l.id,
                l.staff,
                kind_zh(l.kind),
                half_day_zh(l.first),
                half_day_zh(l.last)
            );
        }
    }
    out
}

/// 代打卡嫌疑: the people the door's liveness check suspected someone clocked in for, always
/// printed (a hall with none says so).
fn spoof_section(out: &mut String, report: &Report) {
    let suspected: Vec<&Row> = report
        .people
        .iter()
        .filter(|r| r.counts.spoofs.total() > 0)
        .collect();
    let _ = writeln!(
        out,
        "\n代打卡嫌疑 (活体检测) suspected spoofs: {}",
        report.hall.counts.spoofs.total()
    );
    for r in suspected {
        let _ = writeln!(
            out,
            "  {} {}: 已记打卡待核查 {}, 已拒绝未记打卡 {}",
            id_of(r),
            r.name,
            r.counts.spoofs.flagged,
            r.counts.spoofs.refused
        );
    }
}

fn id_of(r: &Row) -> String {
    r.staff
        .as_ref()
        .map_or_else(|| "全厅".to_string(), ToString::to_string)
}

/// The per-person part as CSV for Chinese Excel: a byte-order mark, a bilingual header
/// (`迟到次数/late`), one line per person, and the hall's total as the last line (工号 `全厅`);
/// staff ids kept as text ([`csv_id_cell`]), every other cell through [`csv_cell`].
///
/// # Errors
/// [`ExportError::Csv`] (only on an internal writer failure).
pub fn render_csv(report: &Report) -> Result<String, ExportError> {
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|(zh, en)| format!("{zh}/{en}"))
        .collect();
    let mut rows = vec![header];
    rows.extend(
        report
            .people
            .iter()
            .chain(std::iter::once(&report.hall))
            .map(|r| cells(r).to_vec()),
    );
    rows_csv(&rows)
}

/// Rows (header first) as CSV for Chinese Excel: a byte-order mark, the first column (the staff
/// id) kept as text, no cell that starts a formula.
///
/// # Errors
/// [`ExportError::Csv`] when a row cannot be written.
pub fn rows_csv(rows: &[Vec<String>]) -> Result<String, ExportError> {
    match rows.split_first() {
        Some((header, body)) => Ok(csv_document(header, body, &[0])?),
        None => Ok(CSV_BOM.to_string()),
    }
}

fn points_json(p: Points) -> Value {
    json!(f64::from(p.tenths()) / 10.0)
}

fn half_days_json(n: u32) -> Value {
    json!(f64::from(n) / 2.0)
}

fn row_json(r: &Row) -> Value {
    let c = &r.counts;
    let mut by_kind = Map::new();
    for (k, n) in &c.leave_half_days {
        by_kind.insert(kind_key(*k).to_string(), half_days_json(*n));
    }
    let mut o = json!({
        "name": r.name,
        "department": r.department,
        "late": c.late,
        "late_minutes": c.late_minutes,
        "early": c.early,
        "early_minutes": c.early_minutes,
        "missing": c.missing,
        "absence_days": half_days_json(c.absence_half_days),
        "leave_days": half_days_json(c.leave_half_days_total()),
        "leave_days_by_kind": by_kind,
        "meetings_late": c.meetings_late,
        "meetings_missed": c.meetings_missed,
        "duties_missed": c.duties_missed,
        "pending_sessions": c.pending_sessions,
        "spoofs_flagged": c.spoofs.flagged,
        "spoofs_refused": c.spoofs.refused,
        "deduction": points_json(r.deduction),
        "score": points_json(r.score),
        "fund": json!(r.fund.fen as f64 / 100.0),
        "fund_is_estimate": true,
    });
    if let (Some(barred), Some(map)) = (r.barred_from_awards, o.as_object_mut()) {
        map.insert("barred_from_awards".into(), json!(barred));
        let monthly: Map<String, Value> = r
            .monthly_scores
            .iter()
            .map(|(l, s)| (l.clone(), points_json(*s)))
            .collect();
        map.insert("monthly_scores".into(), Value::Object(monthly));
    }
    o
}

/// What a listed leave and an open one show alike: its id, the person, the kind, and its first
/// and last half day (`2026-11-03 am`).
fn leave_json(
    id: LeaveId,
    staff: &StaffId,
    kind: LeaveKind,
    (first, last): (HalfDay, HalfDay),
) -> Map<String, Value> {
    let half_day = |h: HalfDay| json!(format!("{} {}", h.date, session_key(h.session)));
    let mut o = Map::new();
    o.insert("id".into(), json!(id.0));
    o.insert("staff_id".into(), json!(staff.as_str()));
    o.insert("kind".into(), json!(kind_key(kind)));
    o.insert("first".into(), half_day(first));
    o.insert("last".into(), half_day(last));
    o
}

/// The report as one JSON object: `staff` maps each staff id to its counts, deduction, score (out
/// of 30) and fund (yuan, an estimate); `hall` holds the totals; `gaps`, `open_leaves` and
/// `leaves` the other parts.
pub fn render_json(report: &Report) -> Value {
    let staff: Map<String, Value> = report
        .people
        .iter()
        .filter_map(|r| r.staff.as_ref().map(|s| (s.to_string(), row_json(r))))
        .collect();
    let gaps: Vec<Value> = report
        .gaps
        .iter()
        .map(|g| {
            json!({
                "date": g.date.to_string(),
                "session": session_key(g.session),
                "post": g.post.as_str(),
                "a": g.holder.as_str(),
                "b": g.backup.as_str(),
            })
        })
        .collect();
    let open: Vec<Value> = report
        .open_leaves
        .iter()
        .map(|l| Value::Object(leave_json(l.id, &l.staff, l.kind, (l.first, l.last))))
        .collect();
    let leaves: Vec<Value> = report
        .leaves
        .iter()
        .map(|l| {
            let mut o = leave_json(l.id, &l.staff, l.kind, (l.first, l.last));
            o.insert("public".into(), json!(l.class == LeaveClass::Public));
            o.insert("days".into(), half_days_json(l.half_days));
            o.insert("cover".into(), json!(l.cover.as_ref().map(|c| c.as_str())));
            o.insert("closed".into(), json!(l.closed));
            Value::Object(o)
        })
        .collect();
    json!({
        "report": report.kind.key(),
        "period": report.label,
        "first": report.period.first.to_string(),
        "last": report.period.last.to_string(),
        "zone": report.zone,
        "as_of": report.as_of.to_string(),
        "score_out_of": points_json(report.full_marks),
        "fund_note": FUND_NOTE_EN,
        "staff": staff,
        "hall": row_json(&report.hall),
        "gaps": gaps,
        "open_leaves": open,
        "leaves": leaves,
    })
}

/// Writes the report as an Excel workbook: 汇总 (per person and the hall), 请假 (leave days by
/// kind), 请假明细 (each leave), 断档 (gaps), 未销假 (open leaves), and for a year 月度得分
/// (each month's score) — one sheet per part, Chinese headers.
///
/// # Errors
/// [`ExportError::Xlsx`] when the workbook cannot be built or saved.
pub fn write_xlsx(report: &Report, path: &Path) -> Result<(), ExportError> {
    let err = |source| ExportError::Xlsx {
        path: path.display().to_string(),
        source,
    };
    let mut workbook = build_workbook(report).map_err(err)?;
    workbook.save(path).map_err(err)
}

/// The same workbook as [`write_xlsx`], in memory (a download from the web console).
///
/// # Errors
/// [`ExportError::Xlsx`] when the workbook cannot be built.
pub fn xlsx_bytes(report: &Report) -> Result<Vec<u8>, ExportError> {
    let err = |source| ExportError::Xlsx {
        path: "(download)".to_string(),
        source,
    };
    let mut workbook = build_workbook(report).map_err(err)?;
    workbook.save_to_buffer().map_err(err)
}

/// A new sheet named `name`, printed landscape on one page width.
fn new_sheet<'a>(wb: &'a mut Workbook, name: &str) -> Result<&'a mut Worksheet, XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    fit_page(ws);
    Ok(ws)
}

/// Writes `cells` as text in row `r`, from column `first` on.
fn texts(
    ws: &mut Worksheet,
    r: u32,
    first: usize,
    cells: &[&str],
    format: &Format,
) -> Result<(), XlsxError> {
    for (i, cell) in cells.iter().enumerate() {
        ws.write_string_with_format(r, col(first + i), *cell, format)?;
    }
    Ok(())
}

fn build_workbook(report: &Report) -> Result<Workbook, XlsxError> {
    let s = Styles::new();
    let mut wb = Workbook::new();

    // 汇总
    let ws = wb.add_worksheet();
    ws.set_name("汇总")?;
    ws.write_string_with_format(0, 0, heading(report), &s.title)?;
    let names: Vec<&str> = COLUMNS.iter().map(|(zh, _)| *zh).collect();
    headers(ws, 2, &names, &s)?;
    ws.set_row_height(2, 32)?;
    let everyone = report.people.iter().chain(std::iter::once(&report.hall));
    let mut after = 3u32;
    for (row, person) in (3u32..).zip(everyone) {
        after = row + 1;
        let r = row;
        let total = person.staff.is_none();
        let (text, int, tenth, money) = if total {
            (&s.total_text, &s.total_int, &s.total_tenth, &s.total_money)
        } else {
            (&s.text, &s.int, &s.tenth, &s.money)
        };
        let c = &person.counts;
        ws.write_string_with_format(r, 0, id_of(person), text)?;
        ws.write_string_with_format(r, 1, &person.name, text)?;
        ws.write_string_with_format(r, 2, &person.department, text)?;
        let ints = [c.late, c.late_minutes, c.early, c.early_minutes, c.missing];
        for (i, v) in ints.iter().enumerate() {
            ws.write_number_with_format(r, col(3 + i), f64::from(*v), int)?;
        }
        ws.write_number_with_format(r, 8, f64::from(c.absence_half_days) / 2.0, tenth)?;
        ws.write_number_with_format(r, 9, f64::from(c.leave_half_days_total()) / 2.0, tenth)?;
        for (i, v) in [c.meetings_late, c.meetings_missed, c.duties_missed]
            .iter()
            .enumerate()
        {
            ws.write_number_with_format(r, col(10 + i), f64::from(*v), int)?;
        }
        ws.write_number_with_format(r, 13, f64::from(person.deduction.tenths()) / 10.0, tenth)?;
        ws.write_number_with_format(r, 14, f64::from(person.score.tenths()) / 10.0, tenth)?;
        ws.write_number_with_format(r, 15, person.fund.fen as f64 / 100.0, money)?;
        for (i, v) in [c.spoofs.flagged, c.spoofs.refused].iter().enumerate() {
            ws.write_number_with_format(r, col(16 + i), f64::from(*v), int)?;
        }
    }
    ws.write_string_with_format(after + 1, 0, FUND_NOTE_ZH, &s.note)?;
    ws.write_string_with_format(
        after + 2,
        0,
        "迟到、早退次数含未考勤(上班未考勤视为迟到,下班未考勤视为早退);缺卡次数为其中未考勤的次数。",
        &s.note,
    )?;
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 12)?;
    ws.set_column_width(2, 14)?;
    ws.set_column_range_width(3, 13, 9)?;
    ws.set_column_range_width(14, 15, 13)?;
    ws.set_column_range_width(16, 17, 12)?;
    ws.set_freeze_panes(3, 2)?;
    fit_page(ws);

    // 请假 (days by kind)
    let ws = new_sheet(&mut wb, "请假")?;
    ws.write_string_with_format(0, 0, format!("请假天数(按类别) {}", report.label), &s.title)?;
    let mut names = vec!["工号", "姓名"];
    names.extend(LEAVE_KINDS.iter().map(|k| kind_zh(*k)));
    names.push("合计");
    headers(ws, 2, &names, &s)?;
    let everyone = report.people.iter().chain(std::iter::once(&report.hall));
    for (r, person) in (3u32..).zip(everyone) {
        ws.write_string_with_format(r, 0, id_of(person), &s.text)?;
        ws.write_string_with_format(r, 1, &person.name, &s.text)?;
        for (i, kind) in LEAVE_KINDS.iter().enumerate() {
            let n = person
                .counts
                .leave_half_days
                .get(kind)
                .copied()
                .unwrap_or(0);
            ws.write_number_with_format(r, col(2 + i), f64::from(n) / 2.0, &s.tenth)?;
        }
        let total = person.counts.leave_half_days_total();
        ws.write_number_with_format(
            r,
            col(2 + LEAVE_KINDS.len()),
            f64::from(total) / 2.0,
            &s.tenth,
        )?;
    }
    ws.set_column_width(0, 10)?;
    ws.set_column_width(1, 12)?;
    ws.set_column_range_width(2, 10, 12)?;

    // 请假明细
    let ws = new_sheet(&mut wb, "请假明细")?;
    headers(
        ws,
        0,
        &[
            "编号",
            "工号",
            "类别",
            "公假/私假",
            "起",
            "止",
            "天数",
            "顶岗(B角)",
            "销假",
        ],
        &s,
    )?;
    for (i, l) in report.leaves.iter().enumerate() {
        let r = row_index(i + 1);
        ws.write_number_with_format(r, 0, l.id.0 as f64, &s.int)?;
        ws.write_string_with_format(r, 1, l.staff.as_str(), &s.text)?;
        ws.write_string_with_format(r, 2, kind_zh(l.kind), &s.text)?;
        let class = match l.class {
            LeaveClass::Public => "公假",
            LeaveClass::Private => "私假",
        };
        ws.write_string_with_format(r, 3, class, &s.text)?;
        ws.write_string_with_format(r, 4, half_day_zh(l.first), &s.text)?;
        ws.write_string_with_format(r, 5, half_day_zh(l.last), &s.text)?;
        ws.write_number_with_format(r, 6, f64::from(l.half_days) / 2.0, &s.tenth)?;
        let cover = l
            .cover
            .as_ref()
            .map_or_else(|| "无(按脱岗处理)".to_string(), ToString::to_string);
        ws.write_string_with_format(r, 7, cover, &s.text)?;
        ws.write_string_with_format(r, 8, if l.closed { "已销假" } else { "未销假" }, &s.text)?;
    }
    ws.set_column_range_width(0, 3, 11)?;
    ws.set_column_range_width(4, 5, 16)?;
    ws.set_column_range_width(6, 8, 14)?;

    // 断档
    let ws = new_sheet(&mut wb, "断档")?;
    headers(ws, 0, &["日期", "时段", "窗口", "A角", "B角"], &s)?;
    for (i, g) in report.gaps.iter().enumerate() {
        let r = row_index(i + 1);
        let date = g.date.to_string();
        let cells = [
            date.as_str(),
            session_zh(g.session),
            g.post.as_str(),
            g.holder.as_str(),
            g.backup.as_str(),
        ];
        texts(ws, r, 0, &cells, &s.text)?;
    }
    if report.gaps.is_empty() {
        ws.write_string_with_format(1, 0, "无断档", &s.note)?;
    }
    ws.set_column_range_width(0, 4, 12)?;

    // 未销假
    let ws = new_sheet(&mut wb, "未销假")?;
    headers(ws, 0, &["编号", "工号", "类别", "起", "止"], &s)?;
    for (i, l) in report.open_leaves.iter().enumerate() {
        let r = row_index(i + 1);
        ws.write_number_with_format(r, 0, l.id.0 as f64, &s.int)?;
        let (first, last) = (half_day_zh(l.first), half_day_zh(l.last));
        let cells = [l.staff.as_str(), kind_zh(l.kind), &first, &last];
        texts(ws, r, 1, &cells, &s.text)?;
    }
    if report.open_leaves.is_empty() {
        ws.write_string_with_format(1, 0, "无", &s.note)?;
    }
    ws.set_column_range_width(0, 2, 11)?;
    ws.set_column_range_width(3, 4, 16)?;

    // 月度得分 (year)
    if report.kind == ReportKind::Year {
        let ws = new_sheet(&mut wb, "月度得分")?;
        let months: Vec<String> = report
            .people
            .first()
            .map(|r| r.monthly_scores.iter().map(|(l, _)| l.clone()).collect())
            .unwrap_or_default();
        let mut names: Vec<&str> = vec!["工号", "姓名"];
        names.extend(months.iter().map(String::as_str));
        names.extend(["全年扣分", "评先评优"]);
        headers(ws, 0, &names, &s)?;
        for (i, person) in report.people.iter().enumerate() {
            let r = row_index(i + 1);
            ws.write_string_with_format(r, 0, id_of(person), &s.text)?;
            ws.write_string_with_format(r, 1, &person.name, &s.text)?;
            for (j, (_, score)) in person.monthly_scores.iter().enumerate() {
                ws.write_number_with_format(
                    r,
                    col(2 + j),
                    f64::from(score.tenths()) / 10.0,
                    &s.tenth,
                )?;
            }
            let c = 2 + months.len();
            ws.write_number_with_format(
                r,
                col(c),
                f64::from(person.deduction.tenths()) / 10.0,
                &s.tenth,
            )?;
            let barred = person.barred_from_awards.unwrap_or(false);
            ws.write_string_with_format(
                r,
                col(c + 1),
                if barred {
                    "不得评先评优"
                } else {
                    "可参评"
                },
                &s.text,
            )?;
        }
        ws.set_column_range_width(0, col(3 + months.len()), 11)?;
    }
    Ok(wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_cjk_twice() {
        let rows = [
            ("0001", 4),
            ("王芳", 4),
            ("迟到次数", 8),
            ("A角", 3),
            ("(满分30)", 8),
        ];
        for (text, want) in rows {
            assert_eq!(display_width(text), want, "{text}");
        }
        assert_eq!(days(3), "1.5");
        assert_eq!(days(4), "2");
        assert_eq!(yuan(FundEstimate { fen: 14775 }), "147.75");
    }

    #[test]
    fn issue8_4_csv_cells_never_start_a_formula() {
        let rows = [
            (
                "=HYPERLINK(\"http://x\",\"y\")",
                "'=HYPERLINK(\"http://x\",\"y\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("\tTAB", "'\tTAB"),
            ("\rCR", "'\rCR"),
            ("-2.5", "-2.5"),
            ("-", "'-"),
            ("王芳", "王芳"),
            ("0001", "0001"),
            ("", ""),
        ];
        for (given, want) in rows {
            assert_eq!(csv_cell(given), want, "{given:?}");
        }
    }

    #[test]
    fn issue12_csv_ids_stay_text() {
        let rows = [
            ("0001", "=\"0001\""),
            ("42", "=\"42\""),
            ("A-01", "A-01"),
            ("全厅", "全厅"),
            ("=1+1", "'=1+1"),
            ("", ""),
        ];
        for (given, want) in rows {
            assert_eq!(csv_id_cell(given), want, "{given:?}");
        }
    }
}

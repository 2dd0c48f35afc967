//! The report renderings the door (`hallclock report`, the console's downloads) and the central
//! service (the month and fund sheets) share, written once: the terminal table aligned for CJK
//! width, CSV cells that Chinese Excel opens cleanly and cannot run, and the xlsx styles and
//! table writer.
//!
//! Values in, text or bytes out: no I/O, no clock, no database. What a report *says* (its rows)
//! belongs to each side; how a row is drawn belongs here.

use std::borrow::Cow;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// Terminal columns a string takes: CJK and full-width characters take two.
pub fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| {
            let u = c as u32;
            let wide = (0x1100..=0x115F).contains(&u)
                || (0x2E80..=0xA4CF).contains(&u)
                || (0xAC00..=0xD7A3).contains(&u)
                || (0xF900..=0xFAFF).contains(&u)
                || (0xFE30..=0xFE4F).contains(&u)
                || (0xFF00..=0xFF60).contains(&u)
                || (0xFFE0..=0xFFE6).contains(&u)
                || (0x20000..=0x3FFFD).contains(&u);
            if wide {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Rows as a terminal table, columns aligned by [`display_width`] (CJK counts twice): the first
/// `left` columns are text, aligned left; the others are numbers, aligned right.
pub fn text_table(rows: &[Vec<String>], left: usize) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| display_width(c)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(display_width(cell));
            // text columns left, numbers right
            if i < left {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
            line.push_str("  ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A CSV cell a spreadsheet will not run (OWASP "CSV injection"): a cell that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading single quote, unless it is a plain
/// number (a negative deduction stays a number).
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let risky = matches!(
        text.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    let number = text.parse::<f64>().is_ok_and(f64::is_finite)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | '.'));
    if risky && !number {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// A byte-order mark: Chinese Excel reads a CSV without one as GBK and garbles the headers.
pub const CSV_BOM: &str = "\u{feff}";

/// A staff id cell that a spreadsheet keeps as text: an all-digit id (`0001`) becomes the
/// formula `="0001"`, which Excel and LibreOffice show as `0001` rather than the number 1. Other
/// cells go through [`csv_cell`]. Only digits go inside the formula, so nothing can be injected.
pub fn csv_id_cell(text: &str) -> String {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        format!("=\"{text}\"")
    } else {
        csv_cell(text).into_owned()
    }
}

/// Why a rendering failed (only on an internal writer failure).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("writing CSV failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("building the xlsx workbook failed: {0}")]
    Xlsx(#[from] XlsxError),
}

/// A CSV document for Chinese Excel: a byte-order mark, the header, then the rows; the cells of
/// the columns in `id_columns` kept as text ([`csv_id_cell`]), every other cell (the header's
/// too) through [`csv_cell`].
///
/// # Errors
/// [`csv::Error`] (only on an internal writer failure).
pub fn csv_document<H: AsRef<str>>(
    header: &[H],
    rows: &[Vec<String>],
    id_columns: &[usize],
) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::from(CSV_BOM.as_bytes()));
    w.write_record(header.iter().map(|h| csv_cell(h.as_ref()).into_owned()))?;
    for row in rows {
        w.write_record(row.iter().enumerate().map(|(i, c)| {
            if id_columns.contains(&i) {
                csv_id_cell(c)
            } else {
                csv_cell(c).into_owned()
            }
        }))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The cell formats of every hallclock workbook: thin borders, a blue header row, a grey bold
/// totals row, numbers with 0, 1 or 2 decimals.
pub struct Styles {
    pub title: Format,
    pub header: Format,
    pub text: Format,
    pub int: Format,
    pub tenth: Format,
    pub money: Format,
    pub total_text: Format,
    pub total_tenth: Format,
    pub total_money: Format,
    pub total_int: Format,
    pub note: Format,
}

impl Styles {
    /// The one look of hallclock's workbooks.
    pub fn new() -> Styles {
        let base = Format::new().set_border(FormatBorder::Thin);
        let total = base.clone().set_bold().set_background_color("#F2F2F2");
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            header: base
                .clone()
                .set_bold()
                .set_background_color("#DDEBF7")
                .set_align(FormatAlign::Center)
                .set_text_wrap(),
            text: base.clone(),
            int: base.clone().set_num_format("0"),
            tenth: base.clone().set_num_format("0.0"),
            money: base.clone().set_num_format("0.00"),
            total_text: total.clone(),
            total_tenth: total.clone().set_num_format("0.0"),
            total_money: total.clone().set_num_format("0.00"),
            total_int: total.set_num_format("0"),
            note: Format::new().set_italic().set_font_color("#595959"),
        }
    }

    /// The format of a cell, on a plain row or on the totals row.
    pub fn of(&self, cell: &Cell, total: bool) -> &Format {
        match (cell, total) {
            (Cell::Text(_), false) => &self.text,
            (Cell::Text(_), true) => &self.total_text,
            (Cell::Int(_), false) => &self.int,
            (Cell::Int(_), true) => &self.total_int,
            (Cell::Tenth(_), false) => &self.tenth,
            (Cell::Tenth(_), true) => &self.total_tenth,
            (Cell::Money(_), false) => &self.money,
            (Cell::Money(_), true) => &self.total_money,
        }
    }
}

impl Default for Styles {
    fn default() -> Styles {
        Styles::new()
    }
}

/// Writes the header row `names` at `row`.
///
/// # Errors
/// [`XlsxError`] from the writer.
pub fn headers(ws: &mut Worksheet, row: u32, names: &[&str], s: &Styles) -> Result<(), XlsxError> {
    for (i, name) in names.iter().enumerate() {
        ws.write_string_with_format(row, col(i), *name, &s.header)?;
    }
    Ok(())
}

/// Landscape, all columns on one page width, for printing and PDF.
pub fn fit_page(ws: &mut Worksheet) {
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
}

/// A column index for the writer (saturating).
pub fn col(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

/// A row index for the writer (saturating).
pub fn row_index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Points in tenths, shown with one decimal.
    Tenth(i64),
    /// Money in fen, shown in yuan with two decimals.
    Money(i64),
}

impl Cell {
    /// The cell as text, the way the CSV and the terminal table show it.
    pub fn text(&self) -> String {
        fn decimals(v: i64, unit: i64, places: usize) -> String {
            let sign = if v < 0 { "-" } else { "" };
            let a = v.unsigned_abs();
            let u = unit.unsigned_abs();
            format!("{sign}{}.{:0places$}", a / u, a % u)
        }
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(v) => v.to_string(),
            Cell::Tenth(v) => decimals(*v, 10, 1),
            Cell::Money(v) => decimals(*v, 100, 2),
        }
    }
}

/// A titled table for one worksheet: the header, the rows, and an optional totals row.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The worksheet's name (at most 31 characters, no `[]:*?/\`).
    pub sheet: String,
    /// The line above the table.
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub totals: Option<Vec<Cell>>,
    /// Lines under the table (what the figures mean).
    pub notes: Vec<String>,
}

impl Table {
    /// Every row as text, the totals last.
    pub fn text_rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .chain(self.totals.iter())
            .map(|r| r.iter().map(Cell::text).collect())
            .collect()
    }
}

/// A workbook of one worksheet per table: the title, the header on the third row (frozen), the
/// rows, the totals row in bold, the notes below; landscape, one page wide.
///
/// # Errors
/// [`RenderError::Xlsx`].
pub fn xlsx_tables(tables: &[Table]) -> Result<Vec<u8>, RenderError> {
    let s = Styles::new();
    let mut wb = Workbook::new();
    for table in tables {
        let ws = wb.add_worksheet();
        write_table(ws, table, &s)?;
    }
    Ok(wb.save_to_buffer()?)
}

fn write_table(ws: &mut Worksheet, table: &Table, s: &Styles) -> Result<(), XlsxError> {
    ws.set_name(&table.sheet)?;
    fit_page(ws);
    ws.write_string_with_format(0, 0, &table.title, &s.title)?;
    let names: Vec<&str> = table.header.iter().map(String::as_str).collect();
    headers(ws, 2, &names, s)?;
    let plain = table.rows.iter().map(|r| (r, false));
    let total = table.totals.iter().map(|r| (r, true));
    let mut next = 3u32;
    for (r, (row, is_total)) in (3u32..).zip(plain.chain(total)) {
        next = r + 1;
        for (c, cell) in row.iter().enumerate() {
            let f = s.of(cell, is_total);
            match cell {
                Cell::Text(t) => ws.write_string_with_format(r, col(c), t, f)?,
                Cell::Int(v) => ws.write_number_with_format(r, col(c), *v as f64, f)?,
                Cell::Tenth(v) => ws.write_number_with_format(r, col(c), *v as f64 / 10.0, f)?,
                Cell::Money(v) => ws.write_number_with_format(r, col(c), *v as f64 / 100.0, f)?,
            };
        }
    }
    for (r, note) in (next + 1..).zip(&table.notes) {
        ws.write_string_with_format(r, 0, note, &s.note)?;
    }
    ws.set_column_range_width(0, col(table.header.len().max(1) - 1), 11)?;
    ws.set_freeze_panes(3, 2)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_counts_twice_and_numbers_align_right() {
        assert_eq!(display_width("王芳a"), 5);
        let t = text_table(
            &[
                vec!["工号".into(), "分".into()],
                vec!["0042".into(), "100".into()],
            ],
            1,
        );
        assert_eq!(t, "工号   分\n0042  100\n");
    }

    #[test]
    fn csv_keeps_ids_as_text_and_runs_no_formula() {
        let doc = csv_document(
            &["工号", "备注"],
            &[vec!["0042".into(), "=cmd()".into()]],
            &[0],
        )
        .expect("csv");
        assert_eq!(doc, "\u{feff}工号,备注\n\"=\"\"0042\"\"\",'=cmd()\n");
        assert_eq!(csv_cell("-1.5"), "-1.5");
    }

    #[test]
    fn cells_show_points_and_money() {
        assert_eq!(Cell::Tenth(285).text(), "28.5");
        assert_eq!(Cell::Money(-15000).text(), "-150.00");
        assert_eq!(Cell::Money(7550).text(), "75.50");
        assert_eq!(Cell::Int(3).text(), "3");
    }

    #[test]
    fn a_workbook_is_a_zip() {
        let t = Table {
            sheet: "东区".into(),
            title: "2026-05".into(),
            header: vec!["工号".into(), "得分".into()],
            rows: vec![vec![Cell::Text("0042".into()), Cell::Tenth(1000)]],
            totals: Some(vec![Cell::Text("合计".into()), Cell::Tenth(1000)]),
            notes: vec!["说明".into()],
        };
        let bytes = xlsx_tables(&[t]).expect("xlsx");
        assert_eq!(&bytes[..2], b"PK");
    }
}

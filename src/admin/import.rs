//! Import formats: punches as plain CSV (English or Chinese headers, as ZKTime and BioTime
//! export them) or as ZKTeco's ATTLOG text, the staff list as CSV or .xlsx, the duty roster (值班)
//! as CSV, and the calendar's holiday file (whose format and checks belong to
//! [`crate::core::calendar`]). Files come as bytes in UTF-8 or GBK ([`decode_text`]).
//!
//! Parsers are pure functions over the file's text (or bytes): they never read a file, the clock
//! or the database; `now` is a value. A punch file is read to the end: the caller gets every good
//! record and every bad line with its 1-based number and the reason ([`Parsed`]), and decides
//! whether to refuse the whole file (the default) or to import the good lines and write the
//! rejected ones aside. A bad line is quoted as a short escaped excerpt (a block of NUL bytes is
//! counted, never printed). A local time of the hall that does not exist (skipped by a
//! daylight-saving change) or that is not a date at all (`2026-02-30`) is refused, never guessed;
//! so is a punch dated before 2000 (a device whose clock was never set) or after tomorrow.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::{Date, DateTime};
use jiff::tz::AmbiguousOffset;
use jiff::Timestamp;

use crate::core::calendar::{Calendar, CalendarError, DutyEntry, SummerRule};
use crate::core::ids::StaffId;
use crate::core::rules::Punch;
use crate::core::schedule::{ScheduleConfig, Sessions};
use crate::core::staff::StaffImportRow;

/// One record of an import, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lined<T> {
    /// 1-based line number in the file.
    pub line: usize,
    pub value: T,
}

/// Why an import file was refused: the line, its text, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} (\"{text}\"): {problem}")]
pub struct ImportError {
    pub line: usize,
    /// A short excerpt of the line, escaped (see [`excerpt`]).
    pub text: String,
    pub problem: Problem,
}

/// A file read to its end: the good records and the bad lines, both in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    pub records: Vec<Lined<T>>,
    pub rejected: Vec<ImportError>,
}

impl<T> Parsed<T> {
    /// Every record, or the first bad line (with how many more there are).
    ///
    /// # Errors
    /// The first [`ImportError`], its problem wrapped in [`Problem::More`] when other lines are
    /// bad too.
    pub fn all_or_nothing(self) -> Result<Vec<Lined<T>>, ImportError> {
        let more = self.rejected.len().saturating_sub(1);
        match self.rejected.into_iter().next() {
            None => Ok(self.records),
            Some(first) if more == 0 => Err(first),
            Some(first) => Err(ImportError {
                problem: Problem::More {
                    first: Box::new(first.problem),
                    more,
                },
                ..first
            }),
        }
    }

    fn push(&mut self, line: usize, raw: &str, record: Result<T, Problem>) {
        match record {
            Ok(value) => self.records.push(Lined { line, value }),
            Err(problem) => self.rejected.push(error(line, raw, problem)),
        }
    }

    fn new() -> Self {
        Parsed {
            records: Vec::new(),
            rejected: Vec::new(),
        }
    }
}

/// What is wrong with one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("the file is empty; expected a header line naming at least the columns {0}")]
    Empty(&'static str),
    #[error("the header has no {column:?} column; expected at least the columns {required}")]
    MissingColumn {
        column: &'static str,
        required: &'static str,
    },
    #[error("malformed CSV: {0}")]
    Csv(String),
    #[error("expected {expected} tab-separated fields, found {found}")]
    FieldCount {
        expected: &'static str,
        found: usize,
    },
    #[error("bad staff id: {0}")]
    StaffId(String),
    #[error(
        "unknown staff id {0}; expected someone on the staff list (hint: `hallclock staff add`)"
    )]
    UnknownStaff(StaffId),
    #[error("time {text:?} is not a real date and time ({reason}); expected {expected}")]
    BadTime {
        text: String,
        reason: String,
        expected: &'static str,
    },
    #[error(
        "time {text} does not exist in zone {zone} (it is skipped by a daylight-saving change); \
         expected a real local time, or RFC 3339 with an offset"
    )]
    NonexistentTime { text: String, zone: String },
    #[error("time {text} cannot be placed in zone {zone}: {reason}")]
    AmbiguousTime {
        text: String,
        zone: String,
        reason: String,
    },
    #[error("{field} = {text:?}: expected {expected}")]
    BadField {
        field: &'static str,
        text: String,
        expected: &'static str,
    },
    #[error("the line holds {0} NUL byte(s), a damaged block of the device's file; expected text")]
    NulBytes(usize),
    #[error(
        "time {at} is before 2000: the device's clock was not set; expected a real punch time"
    )]
    BeforeClockSet { at: String },
    #[error("time {at} is in the future (now is {now}); expected a punch that has happened")]
    InFuture { at: String, now: String },
    #[error("{first} (and {more} more bad line(s))")]
    More { first: Box<Problem>, more: usize },
}

const CSV_TIME: &str = "ISO 8601 hall time (2026-11-03T07:52:00 or 2026-11-03 07:52), with \
                        slashes (2026/11/03 07:52), or RFC 3339 with an offset \
                        (2026-11-03T07:52:00+08:00)";
const ZK_TIME: &str = "YYYY-MM-DD HH:MM:SS";
const PUNCH_COLUMNS: &str = "staff_id (工号) and time (考勤时间)";
const STAFF_COLUMNS: &str = "staff_id (工号) and name (姓名)";
/// Header names of a punch file's staff column: ours, and those of ZKTime and BioTime exports.
const PUNCH_STAFF_NAMES: &[&str] = &[
    "staff_id",
    "工号",
    "考勤号码",
    "考勤号",
    "人员编号",
    "用户编号",
    "user id",
    "ac-no.",
];
/// Header names of a punch file's time column.
const PUNCH_TIME_NAMES: &[&str] = &[
    "time",
    "时间",
    "考勤时间",
    "打卡时间",
    "签到时间",
    "日期时间",
    "datetime",
];

/// What a punch import needs besides the text: the hall's schedule (its zone), the mapping of the
/// device's user ids to staff ids, and `now` (a punch after tomorrow is refused).
#[derive(Debug, Clone, Copy)]
pub struct PunchContext<'a> {
    pub schedule: &'a ScheduleConfig,
    pub ids: &'a IdMapping,
    pub now: Timestamp,
}

/// How the user ids of a device (ZKTeco numbers its users `1`, `2`, ...) become staff ids: an
/// explicit table first, then zero-padding of an all-digit id to a width (`1` → `0001`), then the
/// id as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdMapping {
    pub table: BTreeMap<String, StaffId>,
    pub pad_to: Option<usize>,
}

impl IdMapping {
    /// The staff id of a device user id.
    ///
    /// # Errors
    /// [`Problem::StaffId`] when the result is not a valid staff id.
    pub fn resolve(&self, raw: &str) -> Result<StaffId, Problem> {
        let raw = raw.trim();
        if let Some(id) = self.table.get(raw) {
            return Ok(id.clone());
        }
        match self.pad_to {
            Some(width) if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => {
                parse_staff(&format!("{raw:0>width$}"))
            }
            _ => parse_staff(raw),
        }
    }
}

/// Reads an id mapping file: a CSV whose first column is the device's user id and whose second
/// is the staff id (a header line naming them is optional; `1,0001`).
///
/// # Errors
/// [`ImportError`] for the first bad line (a staff id that is not valid, a user id twice).
pub fn parse_id_map(text: &str) -> Result<BTreeMap<String, StaffId>, ImportError> {
    let mut table = BTreeMap::new();
    for (index, raw) in strip_bom(text).lines().enumerate() {
        let line = index + 1;
        let fields: Vec<&str> = raw.split([',', '\t']).map(str::trim).collect();
        match fields.as_slice() {
            [""] => continue,
            [device, staff, ..] => {
                let staff = match StaffId::new(staff) {
                    Ok(id) => id,
                    // a header line
                    Err(_) if line == 1 => continue,
                    Err(e) => return Err(error(line, raw, Problem::StaffId(e.to_string()))),
                };
                if table.insert((*device).to_string(), staff).is_some() {
                    return Err(error(
                        line,
                        raw,
                        Problem::BadField {
                            field: "user id",
                            text: (*device).to_string(),
                            expected: "each device user id once",
                        },
                    ));
                }
            }
            _ => {
                return Err(error(
                    line,
                    raw,
                    Problem::FieldCount {
                        expected: "2 comma-separated (device user id, staff id)",
                        found: fields.len(),
                    },
                ))
            }
        }
    }
    Ok(table)
}

/// The text encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    /// GBK, read as its superset GB 18030 (what Chinese Windows and its Excel write).
    Gbk,
}

impl TextEncoding {
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gbk => "GBK",
        }
    }
}

/// A file's bytes as text: UTF-8 (a byte-order mark is dropped) when they are valid UTF-8,
/// otherwise GBK. A byte sequence that is not GBK either becomes U+FFFD, which then fails the
/// line's own checks (ids and times are ASCII).
pub fn decode_text(bytes: &[u8]) -> (String, TextEncoding) {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), TextEncoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            (text.into_owned(), TextEncoding::Gbk)
        }
    }
}
const DUTY_COLUMNS: &str = "staff_id and date (sessions optional)";

/// Reads a CSV of punches to its end. The header names the columns, in any order: the staff id
/// (`staff_id`, 工号, 考勤号码, 人员编号, ...) and the time (`time`, 时间, 考勤时间, 打卡时间, ...) are
/// required; `clock_trusted` (true/false, 1/0) is optional and defaults to true; other columns
/// (姓名, 部门, ...) are ignored. A time without an offset is the hall's local time in the
/// schedule's zone, written `2026-11-03 07:52`, `2026-11-03T07:52:00` or `2026/11/3 7:52`. Ids
/// go through the context's [`IdMapping`].
///
/// # Errors
/// [`ImportError`] when the header is unusable (no line can be read without it); bad lines are
/// in [`Parsed::rejected`].
pub fn read_punch_csv(text: &str, cx: &PunchContext<'_>) -> Result<Parsed<Punch>, ImportError> {
    let table = Table::read(text, PUNCH_COLUMNS)?;
    let staff_col = table.column(PUNCH_STAFF_NAMES, "staff_id", PUNCH_COLUMNS)?;
    let time_col = table.column(PUNCH_TIME_NAMES, "time", PUNCH_COLUMNS)?;
    let trusted_col = table.optional_column(&["clock_trusted"]);
    Ok(table.read_rows(|row| {
        let staff = cx.ids.resolve(row.get(staff_col))?;
        let at = parse_csv_time(row.get(time_col), cx.schedule)?;
        plausible(at, cx)?;
        let clock_trusted = match trusted_col.map(|c| row.get(c)) {
            None | Some("") => true,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(Problem::BadField {
                    field: "clock_trusted",
                    text: other.to_string(),
                    expected: "true or false",
                })
            }
        };
        Ok(Punch {
            staff,
            at,
            clock_trusted,
        })
    }))
}

/// [`read_punch_csv`], all or nothing, with the ids as written and no date bound: for tests and
/// callers without a mapping.
///
/// # Errors
/// [`ImportError`] for the first bad line.
pub fn parse_punch_csv(
    text: &str,
    schedule: &ScheduleConfig,
) -> Result<Vec<Lined<Punch>>, ImportError> {
    read_punch_csv(text, &unbounded(schedule, &IdMapping::default()))?.all_or_nothing()
}

/// Reads ZKTeco's ATTLOG export to its end: one punch a line, tab-separated user id,
/// `YYYY-MM-DD HH:MM:SS` local time (or with slashes), then status, verify mode and other numeric
/// fields (read for shape, not used: the rules decide clock-in and clock-out themselves). Blank
/// lines are skipped; CRLF line ends are fine. Punches from the terminal count as taken with a
/// trusted clock. User ids go through the context's [`IdMapping`].
pub fn read_zkteco(text: &str, cx: &PunchContext<'_>) -> Parsed<Punch> {
    let mut out = Parsed::new();
    for (index, raw) in strip_bom(text).lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        out.push(index + 1, raw, zkteco_line(raw, cx));
    }
    out
}

fn zkteco_line(raw: &str, cx: &PunchContext<'_>) -> Result<Punch, Problem> {
    no_nul(raw)?;
    let fields: Vec<&str> = raw.split('\t').map(str::trim).collect();
    if fields.len() < 2 {
        return Err(Problem::FieldCount {
            expected: "at least 2 (user id, time)",
            found: fields.len(),
        });
    }
    let staff = cx.ids.resolve(fields[0])?;
    let written = fields[1].replace('/', "-");
    let shape_ok = written.len() == 19 && written.as_bytes().get(10) == Some(&b' ');
    let civil = if shape_ok {
        written.parse::<DateTime>().map_err(|e| e.to_string())
    } else {
        Err("not in the terminal's format".to_string())
    };
    let civil = civil.map_err(|reason| Problem::BadTime {
        text: fields[1].to_string(),
        reason,
        expected: ZK_TIME,
    })?;
    let at = local_instant(civil, fields[1], cx.schedule)?;
    plausible(at, cx)?;
    for (name, value) in [("status", 2), ("verify mode", 3)] {
        if let Some(v) = fields.get(value).filter(|v| !v.is_empty()) {
            if v.parse::<i64>().is_err() {
                return Err(Problem::BadField {
                    field: name,
                    text: v.to_string(),
                    expected: "a number",
                });
            }
        }
    }
    Ok(Punch {
        staff,
        at,
        clock_trusted: true,
    })
}

/// [`read_zkteco`], all or nothing, with the ids as written and no date bound.
///
/// # Errors
/// [`ImportError`] for the first bad line.
pub fn parse_zkteco(
    text: &str,
    schedule: &ScheduleConfig,
) -> Result<Vec<Lined<Punch>>, ImportError> {
    read_zkteco(text, &unbounded(schedule, &IdMapping::default())).all_or_nothing()
}

/// A context whose `now` is far in the future: no punch is refused for its date after 2000.
fn unbounded<'a>(schedule: &'a ScheduleConfig, ids: &'a IdMapping) -> PunchContext<'a> {
    PunchContext {
        schedule,
        ids,
        now: Timestamp::MAX,
    }
}

fn no_nul(raw: &str) -> Result<(), Problem> {
    match raw.bytes().filter(|&b| b == 0).count() {
        0 => Ok(()),
        n => Err(Problem::NulBytes(n)),
    }
}

/// A punch before 2000 (a device whose clock was reset to 1970 or so) or after tomorrow is no
/// punch that happened.
fn plausible(at: Timestamp, cx: &PunchContext<'_>) -> Result<(), Problem> {
    // 2000-01-01T00:00:00Z
    let clock_set = Timestamp::from_second(946_684_800).unwrap_or(Timestamp::UNIX_EPOCH);
    let shown = || cx.schedule.to_civil(at).to_string();
    if at < clock_set {
        return Err(Problem::BeforeClockSet { at: shown() });
    }
    let latest = cx
        .now
        .checked_add(jiff::SignedDuration::from_hours(24))
        .unwrap_or(Timestamp::MAX);
    if at > latest {
        return Err(Problem::InFuture {
            at: shown(),
            now: cx.schedule.to_civil(cx.now).to_string(),
        });
    }
    Ok(())
}

/// Moves the records of people not in `known` to the rejected lines, keeping file order.
pub fn reject_unknown_staff<T>(
    text: &str,
    parsed: &mut Parsed<T>,
    staff_of: impl Fn(&T) -> &StaffId,
    known: &BTreeSet<StaffId>,
) {
    let lines: Vec<&str> = strip_bom(text).lines().collect();
    let records = std::mem::take(&mut parsed.records);
    for r in records {
        if known.contains(staff_of(&r.value)) {
            parsed.records.push(r);
        } else {
            let raw = lines.get(r.line.wrapping_sub(1)).copied().unwrap_or("");
            parsed.rejected.push(error(
                r.line,
                raw,
                Problem::UnknownStaff(staff_of(&r.value).clone()),
            ));
        }
    }
    parsed.rejected.sort_by_key(|e| e.line);
}

/// The rejected lines as a CSV for the admin (UTF-8 with a byte-order mark, so that Chinese
/// Excel opens it): line number, reason, excerpt.
pub fn rejected_csv(rejected: &[ImportError]) -> String {
    let mut out = String::from("\u{feff}行号/line,原因/reason,内容/excerpt\n");
    for e in rejected {
        let cells = [e.line.to_string(), e.problem.to_string(), e.text.clone()];
        let quoted: Vec<String> = cells
            .iter()
            .map(|c| format!("\"{}\"", c.replace('"', "\"\"")))
            .collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

/// Checks that every record's person is in `known`.
///
/// # Errors
/// [`Problem::UnknownStaff`] at the first record of an unknown person, with its line.
pub fn check_known_staff<T>(
    text: &str,
    records: &[Lined<T>],
    staff_of: impl Fn(&T) -> &StaffId,
    known: &BTreeSet<StaffId>,
) -> Result<(), ImportError> {
    match records.iter().find(|r| !known.contains(staff_of(&r.value))) {
        None => Ok(()),
        Some(r) => {
            let raw = strip_bom(text).lines().nth(r.line - 1).unwrap_or("");
            Err(error(
                r.line,
                raw,
                Problem::UnknownStaff(staff_of(&r.value).clone()),
            ))
        }
    }
}

/// Reads a staff list CSV (or an .xlsx sheet turned into CSV by [`xlsx_to_csv`]) to its end.
/// Columns, in any order: `staff_id` (工号) and `name` (姓名) required; `post` (窗口, 岗位),
/// `department` (派驻单位, 部门, 单位) and `active_from` (考勤起始日期, 起始日期; `2026-07-01` or
/// `2026/7/1`) optional. An all-digit id goes through `ids` (`1` → `0001` when padding is asked
/// for). An id twice is refused at its second line.
///
/// # Errors
/// [`ImportError`] when the header is unusable; bad lines are in [`Parsed::rejected`].
pub fn read_staff_csv(text: &str, ids: &IdMapping) -> Result<Parsed<StaffImportRow>, ImportError> {
    let table = Table::read(text, STAFF_COLUMNS)?;
    let id_col = table.column(
        &["staff_id", "id", "工号", "人员编号"],
        "staff_id",
        STAFF_COLUMNS,
    )?;
    let name_col = table.column(&["name", "姓名"], "name", STAFF_COLUMNS)?;
    let post_col = table.optional_column(&["post", "窗口", "岗位", "窗口岗位"]);
    let dept_col = table.optional_column(&["department", "派驻单位", "部门", "单位"]);
    let from_col = table.optional_column(&[
        "active_from",
        "active-from",
        "考勤起始日期",
        "起始日期",
        "首个考勤日",
    ]);
    let mut seen = BTreeSet::new();
    Ok(table.read_rows(|row| {
        let optional = |col: Option<usize>| {
            col.map(|c| row.get(c).to_string())
                .filter(|v| !v.is_empty())
        };
        let id = ids.resolve(row.get(id_col))?;
        if !seen.insert(id.clone()) {
            return Err(Problem::BadField {
                field: "staff_id",
                text: id.to_string(),
                expected: "each person once in the file",
            });
        }
        let name = row.get(name_col).to_string();
        if name.is_empty() {
            return Err(Problem::BadField {
                field: "name",
                text: name,
                expected: "the person's name (姓名)",
            });
        }
        let active_from = match optional(from_col) {
            None => None,
            Some(text) => Some(loose_date(&text).ok_or(Problem::BadField {
                field: "active_from",
                text,
                expected: "a real date as YYYY-MM-DD or YYYY/M/D",
            })?),
        };
        Ok(StaffImportRow {
            id,
            name,
            post: optional(post_col),
            department: optional(dept_col),
            active_from,
        })
    }))
}

/// A date as `YYYY-MM-DD`, or as spreadsheets write it: `2026/7/1`, `2026.07.01`.
pub fn loose_date(text: &str) -> Option<Date> {
    parse_date(text).or_else(|| loose_civil(&format!("{} 00:00", text.trim())).map(|dt| dt.date()))
}

/// The first sheet of an .xlsx workbook as CSV text, one line per row (so that line numbers are
/// row numbers): text as written, whole numbers without a decimal point (`42`, not `42.0`), dates
/// as `YYYY-MM-DD`.
///
/// # Errors
/// [`ImportError`] at line 1 when the bytes are not a workbook with a sheet.
pub fn xlsx_to_csv(bytes: &[u8]) -> Result<String, ImportError> {
    use calamine::{Data, Reader as _};
    let bad = |reason: String| error(1, "", Problem::Csv(reason));
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not an .xlsx workbook: {e}")))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| bad("the workbook has no sheet".to_string()))?
        .map_err(|e| bad(format!("cannot read the first sheet: {e}")))?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in range.rows() {
        let cells = row.iter().map(|cell| match cell {
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::DateTime(d) if d.is_datetime() => {
                let (year, month, day, ..) = d.to_ymd_hms_milli();
                format!("{year:04}-{month:02}-{day:02}")
            }
            other => other.to_string().replace(['\r', '\n'], " "),
        });
        w.write_record(cells)
            .map_err(|e| bad(format!("cannot copy the sheet: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| bad(format!("cannot copy the sheet: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Parses a duty roster CSV: columns `staff_id` (or 工号), `date` (or 日期, `YYYY-MM-DD`) and,
/// optionally, `sessions` (or 时段): `morning`/上午, `afternoon`/下午, `both`/全天 (the default).
///
/// # Errors
/// [`ImportError`] for the first bad line.
pub fn parse_duty_csv(text: &str) -> Result<Vec<Lined<DutyEntry>>, ImportError> {
    let table = Table::read(text, DUTY_COLUMNS)?;
    let staff_col = table.column(&["staff_id", "工号"], "staff_id", DUTY_COLUMNS)?;
    let date_col = table.column(&["date", "日期"], "date", DUTY_COLUMNS)?;
    let sessions_col = table.optional_column(&["sessions", "时段"]);
    let mut out = Vec::new();
    for row in table.rows() {
        let row = row?;
        let fail = |problem| row.error(problem);
        let staff = parse_staff(row.get(staff_col)).map_err(fail)?;
        let date = parse_date(row.get(date_col)).ok_or_else(|| {
            fail(Problem::BadField {
                field: "date",
                text: row.get(date_col).to_string(),
                expected: "a real date as YYYY-MM-DD",
            })
        })?;
        let sessions = match sessions_col.map(|c| row.get(c)) {
            None | Some("") | Some("both" | "全天") => Sessions::Both,
            Some("morning" | "am" | "上午") => Sessions::Morning,
            Some("afternoon" | "pm" | "下午") => Sessions::Afternoon,
            Some(other) => {
                return Err(fail(Problem::BadField {
                    field: "sessions",
                    text: other.to_string(),
                    expected: "am (上午), pm (下午) or both (全天)",
                }))
            }
        };
        out.push(Lined {
            line: row.line,
            value: DutyEntry {
                staff,
                date,
                sessions,
            },
        });
    }
    Ok(out)
}

/// A checked holiday file, as rows for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayFile {
    /// Every year the file mentions: an import replaces these years' entries.
    pub years: BTreeSet<i16>,
    /// `(date, true for a holiday / false for a make-up workday, name)`.
    pub days: Vec<(Date, bool, String)>,
    /// `(first, last)` summer days, one per year at most.
    pub summers: Vec<(Date, Date)>,
}

/// Checks a holiday file with [`Calendar::add_holiday_file`] (format in
/// [`crate::core::calendar`]) and returns its entries.
///
/// # Errors
/// [`CalendarError::HolidayFileLine`] for the first bad line.
pub fn parse_holiday_file(text: &str, rule: SummerRule) -> Result<HolidayFile, CalendarError> {
    Calendar::new(rule).add_holiday_file(strip_bom(text))?;
    let mut file = HolidayFile {
        years: BTreeSet::new(),
        days: Vec::new(),
        summers: Vec::new(),
    };
    // The core has accepted every line, so each has one of the two shapes below.
    for raw in strip_bom(text).lines() {
        let content = raw.split('#').next().unwrap_or("").trim();
        let fields: Vec<&str> = content.split_whitespace().collect();
        match fields.as_slice() {
            ["summer", first, last] => {
                if let (Some(first), Some(last)) = (parse_date(first), parse_date(last)) {
                    file.years.insert(first.year());
                    file.summers.push((first, last));
                }
            }
            [date, kind, name @ ..] => {
                if let Some(date) = parse_date(date) {
                    file.years.insert(date.year());
                    file.days.push((date, *kind == "holiday", name.join(" ")));
                }
            }
            _ => {}
        }
    }
    Ok(file)
}

/// A civil date as exactly `YYYY-MM-DD`, a real date.
pub fn parse_date(text: &str) -> Option<Date> {
    let t = text.trim();
    if t.len() != 10 || t.as_bytes()[4] != b'-' || t.as_bytes()[7] != b'-' {
        return None;
    }
    t.parse().ok()
}

/// A punch time from a CSV or the command line: RFC 3339 with an offset, or the hall's local
/// time as ISO 8601 (`T` or a space between date and time; seconds optional).
///
/// # Errors
/// [`Problem::BadTime`], [`Problem::NonexistentTime`] or [`Problem::AmbiguousTime`].
pub fn parse_csv_time(text: &str, schedule: &ScheduleConfig) -> Result<Timestamp, Problem> {
    let t = text.trim();
    if let Ok(at) = t.parse::<Timestamp>() {
        return Ok(at);
    }
    let has_time = t.len() > 10 && t.contains(':');
    let civil = if has_time {
        t.parse::<DateTime>()
            .or_else(|e| loose_civil(t).ok_or_else(|| e.to_string()))
    } else {
        Err("no time of day".to_string())
    };
    let civil = civil.map_err(|reason| Problem::BadTime {
        text: t.to_string(),
        reason,
        expected: CSV_TIME,
    })?;
    local_instant(civil, t, schedule)
}

/// A hall time as spreadsheets write it: `2026/11/2 7:52`, `2026-11-02 07:52:11`,
/// `2026.11.02 07:52` (a date of year, month and day joined by `/`, `-` or `.`, a space or `T`,
/// then hours and minutes with optional seconds). `None` when it is not one, or not a real time.
fn loose_civil(text: &str) -> Option<DateTime> {
    let (date, time) = text.split_once([' ', 'T'])?;
    let numbers = |part: &str, seps: &[char]| -> Option<Vec<i64>> {
        part.trim()
            .split(seps)
            .map(|n| {
                let ok = !n.is_empty() && n.len() <= 4 && n.bytes().all(|b| b.is_ascii_digit());
                ok.then(|| n.parse().ok()).flatten()
            })
            .collect()
    };
    let d = numbers(date, &['/', '-', '.'])?;
    let t = numbers(time, &[':'])?;
    let (&[year, month, day], [hour, minute, rest @ ..]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    let second = match rest {
        [] => 0,
        [s] => *s,
        _ => return None,
    };
    let small = |n: i64| i8::try_from(n).ok();
    DateTime::new(
        i16::try_from(year).ok()?,
        small(month)?,
        small(day)?,
        small(*hour)?,
        small(*minute)?,
        small(second)?,
        0,
    )
    .ok()
}

/// The instant of a hall-local civil time: a DST gap is refused whatever the policy (the time
/// never happened); a fold follows the configured policy.
fn local_instant(
    civil: DateTime,
    text: &str,
    schedule: &ScheduleConfig,
) -> Result<Timestamp, Problem> {
    let zone_name = || schedule.zone.iana_name().unwrap_or("(unnamed)").to_string();
    if let AmbiguousOffset::Gap { .. } = schedule.zone.to_ambiguous_timestamp(civil).offset() {
        return Err(Problem::NonexistentTime {
            text: text.to_string(),
            zone: zone_name(),
        });
    }
    schedule
        .to_instant(civil)
        .map_err(|e| Problem::AmbiguousTime {
            text: text.to_string(),
            zone: zone_name(),
            reason: e.to_string(),
        })
}

fn parse_staff(text: &str) -> Result<StaffId, Problem> {
    StaffId::new(text).map_err(|e| Problem::StaffId(e.to_string()))
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

fn error(line: usize, raw: &str, problem: Problem) -> ImportError {
    ImportError {
        line,
        text: excerpt(raw),
        problem,
    }
}

/// At most 60 characters of a line, escaped like a Rust string (`\t`, `\"`, `\u{1b}`); a run of
/// NUL bytes is shown once with its length (`\0×599990`), and a cut is marked with `…`.
pub fn excerpt(raw: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if out.chars().count() >= MAX {
            out.push('…');
            break;
        }
        if c == '\0' {
            let mut n = 1;
            while chars.next_if_eq(&'\0').is_some() {
                n += 1;
            }
            if n > 1 {
                out.push_str(&format!("\\0×{n}"));
            } else {
                out.push_str("\\0");
            }
            continue;
        }
        out.extend(c.escape_debug());
    }
    out
}

/// A CSV read whole: header plus records, each with its line.
struct Table<'a> {
    text: &'a str,
    header: Vec<String>,
}

struct Row<'a> {
    line: usize,
    raw: &'a str,
    record: csv::StringRecord,
}

impl<'a> Table<'a> {
    fn read(text: &'a str, required: &'static str) -> Result<Self, ImportError> {
        let text = strip_bom(text);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let header = match reader.headers() {
            Ok(h) if h.iter().any(|f| !f.is_empty()) => h.iter().map(str::to_lowercase).collect(),
            Ok(_) => {
                return Err(error(1, "", Problem::Empty(required)));
            }
            Err(e) => {
                let raw = text.lines().next().unwrap_or("");
                return Err(error(1, raw, Problem::Csv(e.to_string())));
            }
        };
        Ok(Table { text, header })
    }

    fn position(&self, names: &[&str]) -> Option<usize> {
        self.header.iter().position(|h| names.contains(&h.as_str()))
    }

    fn column(
        &self,
        names: &[&str],
        column: &'static str,
        required: &'static str,
    ) -> Result<usize, ImportError> {
        self.position(names).ok_or_else(|| {
            let raw = self.text.lines().next().unwrap_or("");
            error(1, raw, Problem::MissingColumn { column, required })
        })
    }

    fn optional_column(&self, names: &[&str]) -> Option<usize> {
        self.position(names)
    }

    /// Every row read to the end: `record` makes each good row's value (a line with NUL bytes is
    /// refused before it is asked), and every bad row is kept with its reason.
    fn read_rows<T>(&self, mut record: impl FnMut(&Row<'_>) -> Result<T, Problem>) -> Parsed<T> {
        let mut out = Parsed::new();
        for row in self.rows() {
            match row {
                Ok(row) => {
                    let value = no_nul(row.raw).and_then(|()| record(&row));
                    out.push(row.line, row.raw, value);
                }
                Err(e) => out.rejected.push(e),
            }
        }
        out
    }

    fn rows(&self) -> impl Iterator<Item = Result<Row<'a>, ImportError>> + 'a {
        let text = self.text;
        let lines: Vec<&'a str> = text.lines().collect();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let records: Vec<_> = reader.records().collect();
        records.into_iter().map(move |r| match r {
            Ok(record) => {
                let line = record.position().map_or(0, |p| line_at(text, p));
                let raw = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
                Ok(Row { line, raw, record })
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p));
                let raw = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("{len} fields where the header has {expected_len}"),
                    _ => e.to_string(),
                };
                Err(error(line, raw, Problem::Csv(message)))
            }
        })
    }
}

/// The 1-based line of a CSV position, counted from its byte offset (the csv crate's own line
/// count skips blank lines).
fn line_at(text: &str, position: &csv::Position) -> usize {
    let byte = usize::try_from(position.byte()).unwrap_or(usize::MAX);
    let before = text.as_bytes().get(..byte).unwrap_or(text.as_bytes());
    let mut line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    // A record after blank lines is reported at the first blank line: move to the record.
    let lines: Vec<&str> = text.lines().collect();
    while lines.get(line - 1).is_some_and(|l| l.trim().is_empty()) && line < lines.len() {
        line += 1;
    }
    line
}

impl Row<'_> {
    fn get(&self, column: usize) -> &str {
        self.record.get(column).unwrap_or("")
    }

    fn error(&self, problem: Problem) -> ImportError {
        error(self.line, self.raw, problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    fn shanghai() -> ScheduleConfig {
        ScheduleConfig::hall_defaults(TimeZone::posix("CST-8").unwrap())
    }

    fn berlin() -> ScheduleConfig {
        let mut s =
            ScheduleConfig::hall_defaults(TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap());
        s.disambiguation = jiff::tz::Disambiguation::Compatible;
        s
    }

    #[track_caller]
    fn check_csv(
        schedule: &ScheduleConfig,
        text: &str,
        want: Result<&[(usize, &str, &str)], &str>,
    ) {
        let got = parse_punch_csv(text, schedule)
            .map(|v| {
                v.into_iter()
                    .map(|l| (l.line, l.value.staff.to_string(), l.value.at.to_string()))
                    .collect::<Vec<_>>()
            })
            .map_err(|e| e.to_string());
        let want = want
            .map(|rows| {
                rows.iter()
                    .map(|(l, s, t)| (*l, s.to_string(), t.to_string()))
                    .collect::<Vec<_>>()
            })
            .map_err(str::to_string);
        assert_eq!(got, want, "{text}");
    }

    /// Expected `(line, staff, UTC instant)` rows, or the error text.
    type Want<'a> = Result<&'a [(usize, &'a str, &'a str)], &'a str>;

    #[test]
    fn punch_csv() {
        let sh = shanghai();
        let rows: [(&ScheduleConfig, &str, Want<'_>); 11] = [
            (
                &sh,
                "staff_id,time\n0001,2026-11-03 07:52\n0002,2026-11-03T08:00:00\n\n0003,2026-11-03T08:00:00+08:00\n",
                Ok(&[
                    (2, "0001", "2026-11-02T23:52:00Z"),
                    (3, "0002", "2026-11-03T00:00:00Z"),
                    (5, "0003", "2026-11-03T00:00:00Z"),
                ]),
            ),
            // columns in another order, extra columns, Chinese names, RFC 3339 in UTC
            (
                &sh,
                "\u{feff}姓名,时间,工号\n王芳,2026-11-03T00:00:00Z,0042\n",
                Ok(&[(2, "0042", "2026-11-03T00:00:00Z")]),
            ),
            (&sh, "", Err("line 1 (\"\"): the file is empty; expected a header line naming at least the columns staff_id (工号) and time (考勤时间)")),
            (
                &sh,
                "id,time\n0001,2026-11-03 07:52\n",
                Err("line 1 (\"id,time\"): the header has no \"staff_id\" column; expected at least the columns staff_id (工号) and time (考勤时间)"),
            ),
            (
                &sh,
                "staff_id,time\n0001,2026-11-03 07:52\n0002\n",
                Err("line 3 (\"0002\"): malformed CSV: 1 fields where the header has 2"),
            ),
            (
                &sh,
                "staff_id,time\n0001,2026-02-30 08:00\n",
                Err("line 2 (\"0001,2026-02-30 08:00\"): time \"2026-02-30 08:00\" is not a real date and time (parsed date is not valid: parameter 'day' for `2026-02` is invalid, must be in range `1..=28`); expected ISO 8601 hall time (2026-11-03T07:52:00 or 2026-11-03 07:52), with slashes (2026/11/03 07:52), or RFC 3339 with an offset (2026-11-03T07:52:00+08:00)"),
            ),
            (
                &sh,
                "staff_id,time\n0001,2026-11-03\n",
                Err("line 2 (\"0001,2026-11-03\"): time \"2026-11-03\" is not a real date and time (no time of day); expected ISO 8601 hall time (2026-11-03T07:52:00 or 2026-11-03 07:52), with slashes (2026/11/03 07:52), or RFC 3339 with an offset (2026-11-03T07:52:00+08:00)"),
            ),
            (
                &sh,
                "staff_id,time\n王芳,2026-11-03 08:00\n",
                Err("line 2 (\"王芳,2026-11-03 08:00\"): bad staff id: staff id \"王芳\" contains '王'; expected only letters, digits, '-' or '_'"),
            ),
            // a DST gap: 02:30 on 29 March 2026 never happened in Berlin
            (
                &berlin(),
                "staff_id,time\n0001,2026-03-29 02:30\n",
                Err("line 2 (\"0001,2026-03-29 02:30\"): time 2026-03-29 02:30 does not exist in zone (unnamed) (it is skipped by a daylight-saving change); expected a real local time, or RFC 3339 with an offset"),
            ),
            // a fold follows the policy (compatible: the earlier of the two)
            (
                &berlin(),
                "staff_id,time\n0001,2026-10-25 02:30\n",
                Ok(&[(2, "0001", "2026-10-25T00:30:00Z")]),
            ),
            (
                &sh,
                "staff_id,time,clock_trusted\n0001,2026-11-03 08:00,perhaps\n",
                Err("line 2 (\"0001,2026-11-03 08:00,perhaps\"): clock_trusted = \"perhaps\": expected true or false"),
            ),
        ];
        for (schedule, text, want) in rows {
            check_csv(schedule, text, want);
        }
    }

    #[test]
    fn zkteco_attlog() {
        let sh = shanghai();
        let text = "     1\t2026-11-03 07:52:11\t1\t15\t0\t0\r\n\r\n    12\t2026-11-03 17:01:00\t1\t15\t0\t0\r\n";
        let got = parse_zkteco(text, &sh).unwrap();
        assert_eq!(
            got.iter()
                .map(|l| (l.line, l.value.staff.to_string(), l.value.at.to_string()))
                .collect::<Vec<_>>(),
            [
                (1, "1".to_string(), "2026-11-02T23:52:11Z".to_string()),
                (3, "12".to_string(), "2026-11-03T09:01:00Z".to_string()),
            ]
        );
        let rows = [
            (
                "1\t2026-11-03 07:52:11\t1\t15\n2 2026-11-03 07:53:00 1 15\n",
                "line 2 (\"2 2026-11-03 07:53:00 1 15\"): expected at least 2 (user id, time) tab-separated fields, found 1",
            ),
            (
                "1\t2026-11-03T07:52:11\t1\t15\n",
                "line 1 (\"1\\t2026-11-03T07:52:11\\t1\\t15\"): time \"2026-11-03T07:52:11\" is not a real date and time (not in the terminal's format); expected YYYY-MM-DD HH:MM:SS",
            ),
            (
                "1\t2026-11-03 07:52:11\tin\t15\n",
                "line 1 (\"1\\t2026-11-03 07:52:11\\tin\\t15\"): status = \"in\": expected a number",
            ),
        ];
        for (text, want) in rows {
            assert_eq!(parse_zkteco(text, &sh).unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn issue12_excerpts_are_short_and_escaped() {
        let rows = [
            ("0001\t2026", "0001\\t2026"),
            ("say \"hi\"", "say \\\"hi\\\""),
            ("\0", "\\0"),
            ("\0\0\0 1\t2026", "\\0×3 1\\t2026"),
            ("王芳,1", "王芳,1"),
        ];
        for (raw, want) in rows {
            assert_eq!(excerpt(raw), want, "{raw:?}");
        }
        let long = "x".repeat(10_000);
        assert_eq!(excerpt(&long), format!("{}…", "x".repeat(60)));
        let nul = "\0".repeat(600_000);
        assert_eq!(excerpt(&nul), "\\0×600000");
    }

    #[test]
    fn issue12_slashed_dates_gbk_and_id_mapping() {
        let sh = shanghai();
        let ok = [
            ("2026/11/02 07:52", "2026-11-01T23:52:00Z"),
            ("2026/11/2 7:52:30", "2026-11-01T23:52:30Z"),
            ("2026.11.02 07:52", "2026-11-01T23:52:00Z"),
        ];
        for (text, want) in ok {
            assert_eq!(
                parse_csv_time(text, &sh).unwrap().to_string(),
                want,
                "{text}"
            );
        }
        for bad in [
            "2026/13/02 07:52",
            "2026/11/02",
            "2026/11/02 07",
            "11/02/2026 07:52",
        ] {
            assert!(parse_csv_time(bad, &sh).is_err(), "{bad}");
        }
        assert_eq!(loose_date("2026/7/1"), Some(jiff::civil::date(2026, 7, 1)));
        assert_eq!(
            loose_date("2026-07-01"),
            Some(jiff::civil::date(2026, 7, 1))
        );
        assert_eq!(loose_date("2026/2/30"), None);

        let (gbk, _, _) = encoding_rs::GBK.encode("工号,考勤时间\n1,2026/11/02 07:52\n");
        let (text, encoding) = decode_text(&gbk);
        assert_eq!(encoding, TextEncoding::Gbk);
        let (utf8, encoding) = decode_text("\u{feff}工号".as_bytes());
        assert_eq!((utf8.as_str(), encoding), ("工号", TextEncoding::Utf8));

        let ids = IdMapping {
            table: parse_id_map("考勤号码,工号\n7,A-07\n").unwrap(),
            pad_to: Some(4),
        };
        let cx = PunchContext {
            schedule: &sh,
            ids: &ids,
            now: "2026-11-18T00:00:00Z".parse().unwrap(),
        };
        let parsed = read_punch_csv(&text, &cx).unwrap();
        assert_eq!(parsed.records[0].value.staff.as_str(), "0001");
        assert_eq!(ids.resolve("7").unwrap().as_str(), "A-07");
        assert_eq!(ids.resolve("12345").unwrap().as_str(), "12345");
        assert!(parse_id_map("1,0001\n1,0002\n").is_err());

        // after tomorrow, before 2000
        let parsed = read_zkteco(
            "1\t2026-11-20 08:00:00\n1\t1999-12-31 08:00:00\n1\t2026-11-18 08:00:00\n",
            &cx,
        );
        assert_eq!(parsed.records.len(), 1);
        let problems: Vec<String> = parsed.rejected.iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "line 1 (\"1\\t2026-11-20 08:00:00\"): time 2026-11-20T08:00:00 is in the future (now is 2026-11-18T08:00:00); expected a punch that has happened",
                "line 2 (\"1\\t1999-12-31 08:00:00\"): time 1999-12-31T08:00:00 is before 2000: the device's clock was not set; expected a real punch time",
            ]
        );
    }

    #[test]
    fn unknown_staff_is_named_with_its_line() {
        let text = "staff_id,time\n0001,2026-11-03 07:52\n0099,2026-11-03 07:53\n";
        let punches = parse_punch_csv(text, &shanghai()).unwrap();
        let known: BTreeSet<StaffId> = [StaffId::new("0001").unwrap()].into();
        let err = check_known_staff(text, &punches, |p| &p.staff, &known).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 3 (\"0099,2026-11-03 07:53\"): unknown staff id 0099; expected someone on the \
             staff list (hint: `hallclock staff add`)"
        );
    }

    #[test]
    fn duty_csv() {
        let ok = parse_duty_csv("staff_id,date,sessions\n0001,2026-10-03,上午\n0002,2026-10-04,\n")
            .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].value.sessions, Sessions::Morning);
        assert_eq!(ok[1].value.sessions, Sessions::Both);
        let rows = [
            (
                "staff_id,date\n0001,2026-10-32\n",
                "line 2 (\"0001,2026-10-32\"): date = \"2026-10-32\": expected a real date as YYYY-MM-DD",
            ),
            (
                "staff_id,date,sessions\n0001,2026-10-03,evening\n",
                "line 2 (\"0001,2026-10-03,evening\"): sessions = \"evening\": expected am (上午), pm (下午) or both (全天)",
            ),
        ];
        for (text, want) in rows {
            assert_eq!(parse_duty_csv(text).unwrap_err().to_string(), want);
        }
    }

    #[test]
    fn holiday_file_rows() {
        let file = parse_holiday_file(
            "summer 2026-05-01 2026-09-30\n2026-10-01 holiday 国庆节 假期\n2026-10-10 workday\n# end\n",
            SummerRule::hall_defaults(),
        )
        .unwrap();
        assert_eq!(file.years, [2026].into());
        assert_eq!(
            file.days,
            [
                (
                    jiff::civil::date(2026, 10, 1),
                    true,
                    "国庆节 假期".to_string()
                ),
                (jiff::civil::date(2026, 10, 10), false, String::new()),
            ]
        );
        assert_eq!(file.summers.len(), 1);
        let err = parse_holiday_file("2026-10-01 holidy\n", SummerRule::hall_defaults())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "holiday file line 1: expected `holiday` or `workday` after the date, found \"holidy\" \
             (line: \"2026-10-01 holidy\")"
        );
    }
}

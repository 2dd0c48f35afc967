//! Import formats: punches as plain CSV or as ZKTeco's ATTLOG text, the duty roster (值班) as
//! CSV, and the calendar's holiday file (whose format and checks belong to
//! [`crate::core::calendar`]).
//!
//! Parsers are pure functions over the file's text: they never read a file, the clock or the
//! database. The caller reads the file, passes the text, and gets either every record or the
//! first bad line with its 1-based number and the reason, so that nothing is half-imported. A
//! local time of the hall that does not exist (skipped by a daylight-saving change) or that is not
//! a date at all (`2026-02-30`) is refused, never guessed.

use std::collections::BTreeSet;

use jiff::civil::{Date, DateTime};
use jiff::tz::AmbiguousOffset;
use jiff::Timestamp;

use crate::core::calendar::{Calendar, CalendarError, DutyEntry, SummerRule};
use crate::core::ids::StaffId;
use crate::core::rules::Punch;
use crate::core::schedule::{ScheduleConfig, Sessions};

/// One record of an import, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lined<T> {
    /// 1-based line number in the file.
    pub line: usize,
    pub value: T,
}

/// Why an import file was refused: the line, its text, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} ({text:?}): {problem}")]
pub struct ImportError {
    pub line: usize,
    /// The line as written (cut at 80 characters).
    pub text: String,
    pub problem: Problem,
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
}

const CSV_TIME: &str = "ISO 8601 hall time (2026-11-03T07:52:00 or 2026-11-03 07:52) or RFC 3339 \
                        with an offset (2026-11-03T07:52:00+08:00)";
const ZK_TIME: &str = "YYYY-MM-DD HH:MM:SS";
const PUNCH_COLUMNS: &str = "staff_id and time";
const DUTY_COLUMNS: &str = "staff_id and date (sessions optional)";

/// Parses a plain CSV of punches. The header names the columns, in any order: `staff_id` (or
/// 工号) and `time` (or 时间) are required; `clock_trusted` (true/false, 1/0) is optional and
/// defaults to true; other columns are ignored. A time without an offset is the hall's local time
/// in `schedule`'s zone.
///
/// # Errors
/// [`ImportError`] for the first bad line: a missing column, a line with the wrong number of
/// fields, a bad staff id, or a time that is not real or does not exist in the zone.
pub fn parse_punch_csv(
    text: &str,
    schedule: &ScheduleConfig,
) -> Result<Vec<Lined<Punch>>, ImportError> {
    let table = Table::read(text, PUNCH_COLUMNS)?;
    let staff_col = table.column(&["staff_id", "工号"], "staff_id", PUNCH_COLUMNS)?;
    let time_col = table.column(&["time", "时间"], "time", PUNCH_COLUMNS)?;
    let trusted_col = table.optional_column(&["clock_trusted"]);
    let mut out = Vec::new();
    for row in table.rows() {
        let row = row?;
        let fail = |problem| row.error(problem);
        let staff = parse_staff(row.get(staff_col)).map_err(fail)?;
        let at = parse_csv_time(row.get(time_col), schedule).map_err(fail)?;
        let clock_trusted = match trusted_col.map(|c| row.get(c)) {
            None | Some("") => true,
            Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(fail(Problem::BadField {
                    field: "clock_trusted",
                    text: other.to_string(),
                    expected: "true or false",
                }))
            }
        };
        out.push(Lined {
            line: row.line,
            value: Punch {
                staff,
                at,
                clock_trusted,
            },
        });
    }
    Ok(out)
}

/// Parses ZKTeco's ATTLOG export: one punch a line, tab-separated user id, `YYYY-MM-DD HH:MM:SS`
/// local time, then status, verify mode and other numeric fields (read for shape, not used: the
/// rules decide clock-in and clock-out themselves). Blank lines are skipped. Punches from the
/// terminal count as taken with a trusted clock.
///
/// # Errors
/// [`ImportError`] for the first bad line: fewer than two fields, a non-numeric status field, a
/// bad staff id, or a time that is not real or does not exist in the zone.
pub fn parse_zkteco(
    text: &str,
    schedule: &ScheduleConfig,
) -> Result<Vec<Lined<Punch>>, ImportError> {
    let mut out = Vec::new();
    for (index, raw) in strip_bom(text).lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let fail = |problem| error(line, raw, problem);
        let fields: Vec<&str> = raw.split('\t').map(str::trim).collect();
        if fields.len() < 2 {
            return Err(fail(Problem::FieldCount {
                expected: "at least 2 (user id, time)",
                found: fields.len(),
            }));
        }
        let staff = parse_staff(fields[0]).map_err(fail)?;
        let shape_ok = fields[1].len() == 19 && fields[1].as_bytes().get(10) == Some(&b' ');
        let civil = if shape_ok {
            fields[1].parse::<DateTime>().map_err(|e| e.to_string())
        } else {
            Err("not in the terminal's format".to_string())
        };
        let civil = civil.map_err(|reason| {
            fail(Problem::BadTime {
                text: fields[1].to_string(),
                reason,
                expected: ZK_TIME,
            })
        })?;
        let at = local_instant(civil, fields[1], schedule).map_err(fail)?;
        for (name, value) in [("status", 2), ("verify mode", 3)] {
            if let Some(v) = fields.get(value).filter(|v| !v.is_empty()) {
                if v.parse::<i64>().is_err() {
                    return Err(fail(Problem::BadField {
                        field: name,
                        text: v.to_string(),
                        expected: "a number",
                    }));
                }
            }
        }
        out.push(Lined {
            line,
            value: Punch {
                staff,
                at,
                clock_trusted: true,
            },
        });
    }
    Ok(out)
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
            Some("morning" | "上午") => Sessions::Morning,
            Some("afternoon" | "下午") => Sessions::Afternoon,
            Some(other) => {
                return Err(fail(Problem::BadField {
                    field: "sessions",
                    text: other.to_string(),
                    expected: "morning (上午), afternoon (下午) or both (全天)",
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
        t.parse::<DateTime>().map_err(|e| e.to_string())
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
    let mut text: String = raw.chars().take(80).collect();
    if raw.chars().count() > 80 {
        text.push('…');
    }
    ImportError {
        line,
        text,
        problem,
    }
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
            (&sh, "", Err("line 1 (\"\"): the file is empty; expected a header line naming at least the columns staff_id and time")),
            (
                &sh,
                "id,time\n0001,2026-11-03 07:52\n",
                Err("line 1 (\"id,time\"): the header has no \"staff_id\" column; expected at least the columns staff_id and time"),
            ),
            (
                &sh,
                "staff_id,time\n0001,2026-11-03 07:52\n0002\n",
                Err("line 3 (\"0002\"): malformed CSV: 1 fields where the header has 2"),
            ),
            (
                &sh,
                "staff_id,time\n0001,2026-02-30 08:00\n",
                Err("line 2 (\"0001,2026-02-30 08:00\"): time \"2026-02-30 08:00\" is not a real date and time (parsed date is not valid: parameter 'day' for `2026-02` is invalid, must be in range `1..=28`); expected ISO 8601 hall time (2026-11-03T07:52:00 or 2026-11-03 07:52) or RFC 3339 with an offset (2026-11-03T07:52:00+08:00)"),
            ),
            (
                &sh,
                "staff_id,time\n0001,2026-11-03\n",
                Err("line 2 (\"0001,2026-11-03\"): time \"2026-11-03\" is not a real date and time (no time of day); expected ISO 8601 hall time (2026-11-03T07:52:00 or 2026-11-03 07:52) or RFC 3339 with an offset (2026-11-03T07:52:00+08:00)"),
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
                "line 2 (\"0001,2026-10-03,evening\"): sessions = \"evening\": expected morning (上午), afternoon (下午) or both (全天)",
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

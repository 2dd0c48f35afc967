//! Punch-time sheets: the daily sheet (考勤日报 with 签到/签退 per session and the door), the
//! people × days grid of a month (签到表) and a person's calendar read the same [`Sheet`]; the
//! correction page lists a person's punches of a day as [`DayPunch`]es.
//!
//! Nothing here judges a punch: the marks are the core's (`core::rules::classify`), arranged
//! point by point; times are turned into the hall's civil time only when rendered.

use std::collections::BTreeMap;
use std::fmt::Write;

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::core::ids::StaffId;
use crate::core::rules::{DayRecord, DayVerdict, Mark, MarkSource, Period, SessionOutcome};
use crate::core::schedule::Verdict;

/// The core's verdicts for each person and day of a period, with names and the device of every
/// stored punch.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub days: Vec<DayRecord>,
    pub names: BTreeMap<StaffId, String>,
    /// The device of each stored punch, by person and instant.
    pub doors: BTreeMap<(StaffId, Timestamp), String>,
}

/// One clock point (签到 or 签退) of one session on a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point<'a> {
    /// The punch that counts for it.
    Mark(&'a Mark),
    /// The session is judged and the punch is missing (缺卡).
    Missing,
    /// The session has not ended and the clock-in has not come yet.
    Pending,
    /// The session has not ended: its clock-out is still to come.
    Open,
    /// Covered leave.
    Leave,
    /// Absence (缺岗).
    Absent,
    /// Not a working day, or not judged.
    Blank,
}

impl Sheet {
    /// The device a mark's punch came from; `None` for a supervisor's added punch.
    pub fn door(&self, staff: &StaffId, mark: &Mark) -> Option<&str> {
        match mark.source {
            MarkSource::Door { .. } => self
                .doors
                .get(&(staff.clone(), mark.at))
                .map(String::as_str),
            MarkSource::Amendment { .. } => None,
        }
    }

    /// The person's name, or an empty text.
    pub fn name(&self, staff: &StaffId) -> &str {
        self.names.get(staff).map_or("", String::as_str)
    }

    /// The people of the sheet, in order.
    pub fn people(&self) -> Vec<&StaffId> {
        let mut out: Vec<&StaffId> = self.days.iter().map(|d| &d.staff).collect();
        out.dedup();
        out
    }
}

/// The clock-in and clock-out points of a session.
pub fn session_points(outcome: &SessionOutcome) -> [Point<'_>; 2] {
    match outcome {
        SessionOutcome::Pending { arrived } => [
            arrived.as_ref().map_or(Point::Pending, Point::Mark),
            Point::Open,
        ],
        SessionOutcome::OnLeave { .. } => [Point::Leave; 2],
        SessionOutcome::Attended {
            clock_in,
            clock_out,
        } => [
            clock_in.as_ref().map_or(Point::Missing, Point::Mark),
            clock_out.as_ref().map_or(Point::Missing, Point::Mark),
        ],
        SessionOutcome::Missed { .. } => [Point::Missing; 2],
        SessionOutcome::Absent { .. } => [Point::Absent; 2],
    }
}

/// The four points of a day: morning in and out, afternoon in and out.
pub fn day_points(verdict: &DayVerdict) -> [Point<'_>; 4] {
    match verdict {
        DayVerdict::Working { morning, afternoon } => {
            let [a, b] = session_points(morning);
            let [c, d] = session_points(afternoon);
            [a, b, c, d]
        }
        DayVerdict::Absent { .. } => [Point::Absent; 4],
        DayVerdict::NotEnrolled | DayVerdict::DayOff | DayVerdict::Duty(_) => [Point::Blank; 4],
    }
}

/// `08:03` in the hall's zone.
pub fn hhmm(zone: &TimeZone, at: Timestamp) -> String {
    zone.to_datetime(at).strftime("%H:%M").to_string()
}

/// A point in Chinese, as the CLI and the CSV show it: `08:03 迟到3分`, `缺卡`, `请假`…
pub fn point_zh(zone: &TimeZone, point: Point<'_>) -> String {
    match point {
        Point::Mark(m) => {
            let mut s = hhmm(zone, m.at);
            match m.verdict {
                Verdict::OnTime => {}
                Verdict::Late { minutes } => {
                    let _ = write!(s, " 迟到{minutes}分");
                }
                Verdict::Early { minutes } => {
                    let _ = write!(s, " 早退{minutes}分");
                }
            }
            if matches!(m.source, MarkSource::Amendment { .. }) {
                s.push_str(" 补录");
            }
            s
        }
        Point::Missing => "缺卡".to_string(),
        Point::Pending => "未到".to_string(),
        Point::Open => "…".to_string(),
        Point::Leave => "请假".to_string(),
        Point::Absent => "缺岗".to_string(),
        Point::Blank => String::new(),
    }
}

/// The daily sheet as rows of text cells (header first): id, name, then for each session its
/// 签到 and 签退 with the door. For the terminal table and CSV.
pub fn daily_rows(sheet: &Sheet, zone: &TimeZone) -> Vec<Vec<String>> {
    let mut rows = vec![[
        "工号",
        "姓名",
        "上午签到",
        "门",
        "上午签退",
        "门",
        "下午签到",
        "门",
        "下午签退",
        "门",
    ]
    .map(str::to_string)
    .to_vec()];
    for day in &sheet.days {
        if matches!(day.verdict, DayVerdict::NotEnrolled) {
            continue;
        }
        let mut row = vec![day.staff.to_string(), sheet.name(&day.staff).to_string()];
        for point in day_points(&day.verdict) {
            row.push(point_zh(zone, point));
            row.push(match point {
                Point::Mark(m) => sheet.door(&day.staff, m).unwrap_or("").to_string(),
                _ => String::new(),
            });
        }
        rows.push(row);
    }
    rows
}

/// The month grid (签到表) as rows of text cells: id, name, then a cell per day of `period`
/// holding its points (`07:55-11:31 13:58-17:02`), `休` for a day off.
pub fn grid_rows(sheet: &Sheet, zone: &TimeZone, period: Period) -> Vec<Vec<String>> {
    let mut header = vec!["工号".to_string(), "姓名".to_string()];
    let mut date = period.first;
    while date <= period.last {
        header.push(date.day().to_string());
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    let mut rows = vec![header];
    for staff in sheet.people() {
        let mut row = vec![staff.to_string(), sheet.name(staff).to_string()];
        for day in sheet.days.iter().filter(|d| &d.staff == staff) {
            row.push(grid_cell_zh(zone, &day.verdict));
        }
        rows.push(row);
    }
    rows
}

/// One grid cell in Chinese: `08:12(+12)-11:20(-10) 14:00-17:05`; one word for a session whose
/// two points say the same (`缺`, `假`), `…` for a session still to come, blank for a day ahead.
pub fn grid_cell_zh(zone: &TimeZone, verdict: &DayVerdict) -> String {
    let short = |p: Point<'_>| match p {
        Point::Mark(m) => match m.verdict {
            Verdict::OnTime => hhmm(zone, m.at),
            Verdict::Late { minutes } => format!("{}(+{minutes})", hhmm(zone, m.at)),
            Verdict::Early { minutes } => format!("{}(-{minutes})", hhmm(zone, m.at)),
        },
        Point::Missing => "缺".to_string(),
        Point::Pending => "未到".to_string(),
        Point::Open => "…".to_string(),
        Point::Leave => "假".to_string(),
        Point::Absent => "旷".to_string(),
        Point::Blank => String::new(),
    };
    let pair = |a: Point<'_>, b: Point<'_>| match (a, b) {
        (Point::Pending, Point::Open) => "…".to_string(),
        (a, b) if !matches!(a, Point::Mark(_)) && a == b => short(a),
        (a, b) => format!("{}-{}", short(a), short(b)),
    };
    match verdict {
        DayVerdict::NotEnrolled => String::new(),
        DayVerdict::DayOff => "休".to_string(),
        DayVerdict::Duty(_) => "值".to_string(),
        DayVerdict::Absent { .. } => "缺岗".to_string(),
        DayVerdict::Working { .. } => {
            let [a, b, c, d] = day_points(verdict);
            if [a, b, c, d]
                .iter()
                .all(|p| matches!(p, Point::Pending | Point::Open))
            {
                return String::new();
            }
            format!("{} {}", pair(a, b), pair(c, d))
        }
    }
}

/// A person's punch of one day, for the correction page's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPunch {
    pub at: Timestamp,
    /// The device, or the supervisor's account for an added punch.
    pub device: String,
    /// Added by a supervisor (补录), not stored by a door or an import.
    pub added: bool,
    /// Voided by a supervisor (作废).
    pub voided: bool,
}

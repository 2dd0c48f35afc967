//! The supervisor's attendance report: turns the core's [`Attendance`] (per person, day and
//! session) plus its tallies and scores into report rows for a day, a month or a year, per person
//! and for the whole hall, with the 断档 list (posts with neither A nor B present at a session's
//! start) and the leaves never closed (销假).
//!
//! This module only counts and arranges what the core decided: it never judges a punch, never
//! computes points itself (the deduction, score and fund come from
//! [`ScoringConfig::score`] over [`Attendance::tally`]), and does no I/O. Formats (table, CSV,
//! JSON, Excel) are in [`crate::admin::export`].
//!
//! Decisions where the spec is silent:
//! - `late` counts late clock-ins *and* missing clock-ins (上班未考勤视为迟到), `early` likewise;
//!   `missing` says how many of those were missing punches. `late_minutes` and `early_minutes`
//!   add up only the punches that exist.
//! - A report is scored per *scoring part*: a day report has one part (the day, scored as if the
//!   month held only that day), a month report one (the month), a year report one per month up
//!   to the report's date. Over several parts the deduction and fund are sums and the score is
//!   the mean of the parts' scores (still out of 30); the yearly awards bar uses the sum.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::Timestamp;

use crate::core::calendar::Calendar;
use crate::core::ids::StaffId;
use crate::core::leave::{self, LeaveBook, LeaveClass, LeaveId, LeaveKind, Post, PostId};
use crate::core::rules::{
    Attendance, DayVerdict, DutyOutcome, MeetingOutcome, Period, RulesConfig, SessionOutcome,
};
use crate::core::schedule::{Session, Verdict};
use crate::core::scoring::{FundEstimate, Points, ScoringConfig, Tally};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Day,
    Month,
    Year,
}

impl ReportKind {
    /// `day`, `month`, `year`.
    pub fn key(self) -> &'static str {
        match self {
            ReportKind::Day => "day",
            ReportKind::Month => "month",
            ReportKind::Year => "year",
        }
    }

    /// 日报, 月报, 年报.
    pub fn title_zh(self) -> &'static str {
        match self {
            ReportKind::Day => "考勤日报",
            ReportKind::Month => "考勤月报",
            ReportKind::Year => "考勤年报",
        }
    }
}

/// One scored part of a report (a day, or a month) and the core's verdicts for it.
#[derive(Debug, Clone)]
pub struct ScoredPart {
    /// `2026-11-03` or `2026-11`.
    pub label: String,
    pub attendance: Attendance,
}

/// Everything [`build`] needs.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub kind: ReportKind,
    /// `2026-11-03`, `2026-11` or `2026`.
    pub label: &'a str,
    pub period: Period,
    pub parts: &'a [ScoredPart],
    pub names: &'a BTreeMap<StaffId, String>,
    /// Each person's department (派驻单位): the people's rows are grouped by it.
    pub departments: &'a BTreeMap<StaffId, String>,
    pub leaves: &'a LeaveBook,
    pub calendar: &'a Calendar,
    pub posts: &'a [Post],
    pub rules: &'a RulesConfig,
    pub scoring: &'a ScoringConfig,
    /// The zone's name, for the report's heading.
    pub zone: &'a str,
    /// As of when the verdicts were taken.
    pub now: Timestamp,
    /// Only these people (`None`: everyone). The hall totals and the 断档 list always cover
    /// everyone.
    pub only: Option<&'a BTreeSet<StaffId>>,
    /// The door's suspected spoofs in the period (代打卡嫌疑), per claimed person.
    pub spoofs: &'a BTreeMap<StaffId, SpoofCounts>,
}

/// A person's suspected spoofs at the door over a report's period (代打卡嫌疑), as the
/// liveness check found them: counted, never judged or scored here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoofCounts {
    /// Punches kept but marked suspect (`[liveness] mode = "flag"`).
    pub flagged: u32,
    /// Attempts refused with no punch (`mode = "refuse"`).
    pub refused: u32,
}

impl SpoofCounts {
    /// Flagged and refused together.
    pub fn total(self) -> u32 {
        self.flagged + self.refused
    }
}

/// Counts for one person (or the hall) over a report's period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Late clock-ins, missing clock-ins included.
    pub late: u32,
    pub late_minutes: u32,
    /// Early clock-outs, missing clock-outs included.
    pub early: u32,
    pub early_minutes: u32,
    /// Missing clock-ins and clock-outs (counted in `late` and `early` too).
    pub missing: u32,
    /// Half days of absence (缺岗); a day is 2.
    pub absence_half_days: u32,
    /// Half days of leave that excused a session, by kind.
    pub leave_half_days: BTreeMap<LeaveKind, u32>,
    pub meetings_late: u32,
    pub meetings_missed: u32,
    pub duties_missed: u32,
    /// Sessions not judged yet (they have not ended).
    pub pending_sessions: u32,
    /// Suspected spoofs at the door in the period (代打卡嫌疑); they change no other count.
    pub spoofs: SpoofCounts,
}

/// One row of the report: a person, or the whole hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// `None` for the hall's totals.
    pub staff: Option<StaffId>,
    pub name: String,
    /// The department (派驻单位) the person is seconded from; empty when none (and for the
    /// hall's row).
    pub department: String,
    pub counts: Counts,
    /// Points deducted (before the floor).
    pub deduction: Points,
    /// The attendance part's score, out of [`ScoringConfig::attendance_full`] (the mean over
    /// the hall, for the hall's row).
    pub score: Points,
    /// An *estimate* of the assessment fund (other parts assumed full).
    pub fund: FundEstimate,
    /// Year reports: 30 or more points deducted in the year (不得评先评优).
    pub barred_from_awards: Option<bool>,
    /// Year reports: the score of each month, in order.
    pub monthly_scores: Vec<(String, Points)>,
}

/// A window post with neither its A nor its B present at a session's start (断档).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapRow {
    pub date: Date,
    pub session: Session,
    pub post: PostId,
    pub holder: StaffId,
    pub backup: StaffId,
}

/// A leave that has ended but was never closed (销假).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenLeaveRow {
    pub id: LeaveId,
    pub staff: StaffId,
    pub kind: LeaveKind,
    pub first: leave::HalfDay,
    pub last: leave::HalfDay,
}

/// A leave in the period, for the leave sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveRow {
    pub id: LeaveId,
    pub staff: StaffId,
    pub kind: LeaveKind,
    pub class: LeaveClass,
    pub first: leave::HalfDay,
    pub last: leave::HalfDay,
    /// Working half days of the whole leave.
    pub half_days: u32,
    pub cover: Option<StaffId>,
    pub closed: bool,
}

/// The report, ready to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub kind: ReportKind,
    pub label: String,
    pub period: Period,
    pub zone: String,
    pub as_of: Timestamp,
    /// `as_of` in the hall's civil time, `2026-11-30 18:00`.
    pub as_of_local: String,
    /// One row per person, by staff id.
    pub people: Vec<Row>,
    /// The whole hall (everyone, whatever `only` says).
    pub hall: Row,
    pub gaps: Vec<GapRow>,
    pub open_leaves: Vec<OpenLeaveRow>,
    pub leaves: Vec<LeaveRow>,
    /// The attendance part's full marks (30), for headings.
    pub full_marks: Points,
}

/// Builds the report.
pub fn build(input: &ReportInput<'_>) -> Report {
    let kinds: BTreeMap<LeaveId, LeaveKind> = input
        .leaves
        .leaves()
        .iter()
        .map(|l| (l.id, l.kind))
        .collect();
    // Per person: counts over the whole period, and per part the core's tally.
    let mut counts: BTreeMap<StaffId, Counts> = BTreeMap::new();
    let mut tallies: BTreeMap<StaffId, Vec<(String, Tally)>> = BTreeMap::new();
    for part in input.parts {
        let mut part_tally: BTreeMap<StaffId, Tally> = BTreeMap::new();
        for day in &part.attendance.days {
            let c = counts.entry(day.staff.clone()).or_default();
            count_day(c, &day.verdict, &kinds);
            part_tally.entry(day.staff.clone()).or_default();
        }
        for m in &part.attendance.meetings {
            let c = counts.entry(m.staff.clone()).or_default();
            match m.outcome {
                MeetingOutcome::Late { .. } => c.meetings_late += 1,
                MeetingOutcome::Missed => c.meetings_missed += 1,
                _ => {}
            }
            part_tally.entry(m.staff.clone()).or_default();
        }
        for (staff, tally) in part_tally.iter_mut() {
            *tally = part.attendance.tally(staff);
        }
        for (staff, tally) in part_tally {
            tallies
                .entry(staff)
                .or_default()
                .push((part.label.clone(), tally));
        }
    }

    for (staff, spoofs) in input.spoofs {
        counts.entry(staff.clone()).or_default().spoofs = *spoofs;
    }

    let mut all_rows = Vec::new();
    for (staff, c) in counts {
        let parts = tallies.remove(&staff).unwrap_or_default();
        let name = input.names.get(&staff).cloned().unwrap_or_default();
        all_rows.push(person_row(input, Some(staff), name, c, &parts));
    }
    let hall = hall_row(input, &all_rows);
    let mut people: Vec<Row> = all_rows
        .into_iter()
        .filter(|r| match (input.only, &r.staff) {
            (Some(only), Some(s)) => only.contains(s),
            _ => true,
        })
        .collect();
    // Grouped by department (who has none first), by id within one: as ZKTime and BioTime do.
    people.sort_by(|a, b| (&a.department, &a.staff).cmp(&(&b.department, &b.staff)));

    let open_leaves = input
        .parts
        .iter()
        .flat_map(|p| p.attendance.open_leaves.iter().copied())
        .collect::<BTreeSet<LeaveId>>()
        .into_iter()
        .filter_map(|id| input.leaves.leaves().iter().find(|l| l.id == id))
        .map(|l| OpenLeaveRow {
            id: l.id,
            staff: l.staff.clone(),
            kind: l.kind,
            first: l.first,
            last: l.last,
        })
        .collect();
    let leaves = input
        .leaves
        .leaves()
        .iter()
        .filter(|l| l.first.date <= input.period.last && l.last.date >= input.period.first)
        .map(|l| LeaveRow {
            id: l.id,
            staff: l.staff.clone(),
            kind: l.kind,
            class: input.rules.leave.class_of(l.kind),
            first: l.first,
            last: l.last,
            half_days: l.working_half_days(input.calendar),
            cover: l.cover.clone(),
            closed: l.closed_at.is_some(),
        })
        .collect();

    Report {
        kind: input.kind,
        label: input.label.to_string(),
        period: input.period,
        zone: input.zone.to_string(),
        as_of: input.now,
        as_of_local: input
            .rules
            .schedule
            .to_civil(input.now)
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        people,
        hall,
        gaps: gaps(input),
        open_leaves,
        leaves,
        full_marks: input.scoring.attendance_full,
    }
}

fn count_day(c: &mut Counts, verdict: &DayVerdict, kinds: &BTreeMap<LeaveId, LeaveKind>) {
    match verdict {
        DayVerdict::NotEnrolled | DayVerdict::DayOff => {}
        DayVerdict::Duty(outcome) => c.duties_missed += u32::from(*outcome == DutyOutcome::Missed),
        DayVerdict::Absent { .. } => c.absence_half_days += 2,
        DayVerdict::Working { morning, afternoon } => {
            for outcome in [morning, afternoon] {
                count_session(c, outcome, kinds);
            }
        }
    }
}

fn count_session(c: &mut Counts, outcome: &SessionOutcome, kinds: &BTreeMap<LeaveId, LeaveKind>) {
    match outcome {
        SessionOutcome::Pending { .. } => c.pending_sessions += 1,
        SessionOutcome::OnLeave { leave, .. } => {
            let kind = kinds.get(leave).copied().unwrap_or(LeaveKind::Personal);
            *c.leave_half_days.entry(kind).or_default() += 1;
        }
        SessionOutcome::Attended {
            clock_in,
            clock_out,
        } => {
            // A clock-in is judged on time or late, a clock-out on time or early
            // (`Slot::judge`); a missing one counts as late (early) and as missing.
            let punches = [
                (clock_in, &mut c.late, &mut c.late_minutes),
                (clock_out, &mut c.early, &mut c.early_minutes),
            ];
            for (punch, faults, fault_minutes) in punches {
                match punch.as_ref().map(|m| m.verdict) {
                    None => {
                        *faults += 1;
                        c.missing += 1;
                    }
                    Some(Verdict::Late { minutes } | Verdict::Early { minutes }) => {
                        *faults += 1;
                        *fault_minutes += minutes;
                    }
                    Some(Verdict::OnTime) => {}
                }
            }
        }
        SessionOutcome::Missed { .. } => {
            c.late += 1;
            c.early += 1;
            c.missing += 2;
        }
        SessionOutcome::Absent { .. } => c.absence_half_days += 1,
    }
}

fn person_row(
    input: &ReportInput<'_>,
    staff: Option<StaffId>,
    name: String,
    counts: Counts,
    parts: &[(String, Tally)],
) -> Row {
    let scores: Vec<(String, _)> = parts
        .iter()
        .map(|(label, tally)| (label.clone(), input.scoring.score(tally)))
        .collect();
    let deduction: Points = scores.iter().map(|(_, s)| s.deducted).sum();
    let fund = FundEstimate {
        fen: scores.iter().map(|(_, s)| s.fund_estimate.fen).sum(),
    };
    let score = mean(scores.iter().map(|(_, s)| s.score))
        .unwrap_or(input.scoring.score(&Tally::default()).score);
    let year = input.kind == ReportKind::Year;
    Row {
        department: staff
            .as_ref()
            .and_then(|s| input.departments.get(s))
            .cloned()
            .unwrap_or_default(),
        staff,
        name,
        counts,
        deduction,
        score,
        fund,
        barred_from_awards: year.then(|| {
            let monthly: Vec<Points> = scores.iter().map(|(_, s)| s.deducted).collect();
            input.scoring.year(&monthly).barred_from_awards
        }),
        monthly_scores: if year {
            scores.iter().map(|(l, s)| (l.clone(), s.score)).collect()
        } else {
            Vec::new()
        },
    }
}

fn hall_row(input: &ReportInput<'_>, rows: &[Row]) -> Row {
    let mut c = Counts::default();
    for r in rows {
        let x = &r.counts;
        c.late += x.late;
        c.late_minutes += x.late_minutes;
        c.early += x.early;
        c.early_minutes += x.early_minutes;
        c.missing += x.missing;
        c.absence_half_days += x.absence_half_days;
        for (kind, n) in &x.leave_half_days {
            *c.leave_half_days.entry(*kind).or_default() += n;
        }
        c.meetings_late += x.meetings_late;
        c.meetings_missed += x.meetings_missed;
        c.duties_missed += x.duties_missed;
        c.pending_sessions += x.pending_sessions;
        c.spoofs.flagged += x.spoofs.flagged;
        c.spoofs.refused += x.spoofs.refused;
    }
    Row {
        staff: None,
        name: "合计".to_string(),
        department: String::new(),
        counts: c,
        deduction: rows.iter().map(|r| r.deduction).sum(),
        score: mean(rows.iter().map(|r| r.score)).unwrap_or(input.scoring.attendance_full),
        fund: FundEstimate {
            fen: rows.iter().map(|r| r.fund.fen).sum(),
        },
        barred_from_awards: None,
        monthly_scores: Vec::new(),
    }
}

/// The mean, rounded to the nearest tenth (halves up).
fn mean(points: impl Iterator<Item = Points>) -> Option<Points> {
    let (sum, n) = points.fold((0i64, 0i64), |(s, n), p| (s + i64::from(p.tenths()), n + 1));
    (n > 0).then(|| {
        let tenths = (2 * sum + n).div_euclid(2 * n);
        Points::from_tenths(i32::try_from(tenths).unwrap_or(i32::MAX))
    })
}

/// Posts with neither A nor B present at the start of each session that has started by `now`.
/// Present: the person's clock-in in that session is at or before the start.
fn gaps(input: &ReportInput<'_>) -> Vec<GapRow> {
    if input.posts.is_empty() {
        return Vec::new();
    }
    let schedule = &input.rules.schedule;
    let mut present: BTreeMap<(Date, Session), BTreeSet<StaffId>> = BTreeMap::new();
    let mut starts: BTreeMap<(Date, Session), Option<Timestamp>> = BTreeMap::new();
    let mut start_of = |date: Date, session: Session| -> Option<Timestamp> {
        *starts.entry((date, session)).or_insert_with(|| {
            schedule
                .slot(date, session, input.calendar.season(date))
                .ok()
                .map(|s| s.start)
        })
    };
    for part in input.parts {
        for day in &part.attendance.days {
            let DayVerdict::Working { morning, afternoon } = &day.verdict else {
                continue;
            };
            for (session, outcome) in [(Session::Morning, morning), (Session::Afternoon, afternoon)]
            {
                let SessionOutcome::Attended {
                    clock_in: Some(mark),
                    ..
                } = outcome
                else {
                    continue;
                };
                if start_of(day.date, session).is_some_and(|start| mark.at <= start) {
                    present
                        .entry((day.date, session))
                        .or_default()
                        .insert(day.staff.clone());
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut date = input.period.first;
    let nobody = BTreeSet::new();
    while date <= input.period.last {
        if input.calendar.is_working_day(date) {
            for session in Session::BOTH {
                let Some(start) = start_of(date, session) else {
                    continue;
                };
                if start > input.now {
                    continue;
                }
                let here = present.get(&(date, session)).unwrap_or(&nobody);
                for post in leave::gaps(input.posts, here) {
                    if let Some(p) = input.posts.iter().find(|p| &p.id == post) {
                        out.push(GapRow {
                            date,
                            session,
                            post: p.id.clone(),
                            holder: p.holder.clone(),
                            backup: p.backup.clone(),
                        });
                    }
                }
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
    }
    out
}

pub use crate::core::leave::{kind_key, kind_zh};

/// Every leave kind, in the order of the regulation.
pub const LEAVE_KINDS: [LeaveKind; 8] = LeaveKind::ALL;

/// 上午 or 下午.
pub fn session_zh(session: Session) -> &'static str {
    match session {
        Session::Morning => "上午",
        Session::Afternoon => "下午",
    }
}

impl Counts {
    /// Half days of leave of every kind.
    pub fn leave_half_days_total(&self) -> u32 {
        self.leave_half_days.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_rounds_to_a_tenth() {
        let p = Points::from_tenths;
        let rows: [(&[i32], Option<i32>); 4] = [
            (&[], None),
            (&[300], Some(300)),
            (&[300, 285], Some(293)), // 29.25 -> 29.3
            (&[0, 1], Some(1)),       // 0.05 -> 0.1
        ];
        for (input, want) in rows {
            assert_eq!(mean(input.iter().map(|&t| p(t))), want.map(p), "{input:?}");
        }
    }
}

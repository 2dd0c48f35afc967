//! A hall's month, scored (central-scoring.md sections 1-4): the punches of every door of the hall
//! merged and classified by the shared rules engine (`hallclock_core::rules::classify`, the very
//! code the door runs), the attendance part from them, the inspection office's records for the
//! other parts, the fund with its withholding and proration (`hallclock_core::assessment`), the
//! adjustment lines closed months leave on the next open sheet, and the year's award standing.
//!
//! Values in, values out: the store loads the facts, this module decides, `render` draws. No I/O,
//! no clock (`now` is a parameter: a session that has not ended counts nothing yet).

use std::collections::{BTreeMap, BTreeSet};

use hallclock_core::assessment::{
    self, AssessmentConfig, Fen, ItemCode, ItemRecord, Month, MonthFacts, MonthScore, OnList, Paid,
    Withholding,
};
use hallclock_core::calendar::{Calendar, DutyRoster};
use hallclock_core::ids::StaffId;
use hallclock_core::leave::LeaveBook;
use hallclock_core::rules::{
    classify, Enrollment, Facts, Meeting, Period, Punch, RulesConfig, RulesError,
};
use hallclock_core::scoring::{Points, ScoringConfig};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Why a month could not be scored.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("the month {0} cannot be placed in the calendar")]
    Month(Month),
    #[error("the hall's time zone cannot place {month}: {cause}")]
    Zone { month: Month, cause: jiff::Error },
    #[error(transparent)]
    Rules(#[from] RulesError),
}

/// Every setting the month's scoring reads, each **default** of the specs a field.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Sessions, windows, leave, same-pass: `attendance-rules.md`.
    pub rules: RulesConfig,
    /// Points of the attendance part's faults.
    pub attendance: ScoringConfig,
    /// Items, parts, fund, proration, the year's bar: `central-scoring.md`.
    pub assessment: AssessmentConfig,
}

impl Settings {
    /// The specs' values and defaults in the hall's zone.
    pub fn hall_defaults(zone: TimeZone) -> Settings {
        Settings {
            rules: RulesConfig::hall_defaults(zone),
            attendance: ScoringConfig::hall_defaults(),
            assessment: AssessmentConfig::hall_defaults(),
        }
    }
}

/// A person on a hall's staff list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: StaffId,
    pub name: String,
    /// The window (post) the person holds, A or B alike: a D1 bars the whole window's year.
    pub post: Option<String>,
    /// The first day on the list (`None`: always).
    pub active_from: Option<Date>,
    /// The last day on the list (`None`: still on it).
    pub active_until: Option<Date>,
}

/// The first and last day of `month`.
///
/// # Errors
/// [`SheetError::Month`] (only at the ends of jiff's range).
pub fn days_of(month: Month) -> Result<(Date, Date), SheetError> {
    let first = Date::new(month.year(), month.month(), 1).map_err(|_| SheetError::Month(month))?;
    Ok((first, first.last_of_month()))
}

/// The instants of `month` in `zone`: from its first midnight to the next month's, half-open.
///
/// # Errors
/// [`SheetError::Month`], [`SheetError::Zone`].
pub fn instants_of(month: Month, zone: &TimeZone) -> Result<(Timestamp, Timestamp), SheetError> {
    let (first, last) = days_of(month)?;
    let next = last.tomorrow().map_err(|_| SheetError::Month(month))?;
    let at = |d: Date| {
        zone.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .map_err(|cause| SheetError::Zone { month, cause })
    };
    Ok((at(first)?, at(next)?))
}

/// The month after `month`.
pub fn next(month: Month) -> Option<Month> {
    let (y, m) = if month.month() == 12 {
        (month.year().checked_add(1)?, 1)
    } else {
        (month.year(), month.month() + 1)
    };
    Month::new(y, m).ok()
}

/// The first and last day of `month`'s quarter (a D1 withholds the whole quarter).
///
/// # Errors
/// [`SheetError::Month`].
pub fn quarter_days_of(month: Month) -> Result<(Date, Date), SheetError> {
    let first_month = (month.quarter() - 1) * 3 + 1;
    let first = Month::new(month.year(), first_month).map_err(|_| SheetError::Month(month))?;
    let last = Month::new(month.year(), first_month + 2).map_err(|_| SheetError::Month(month))?;
    Ok((days_of(first)?.0, days_of(last)?.1))
}

fn working_days(calendar: &Calendar, first: Date, last: Date) -> u32 {
    let mut n = 0;
    let mut d = first;
    while d <= last {
        n += u32::from(calendar.is_working_day(d));
        match d.tomorrow() {
            Ok(t) => d = t,
            Err(_) => break,
        }
    }
    n
}

/// What one month of a hall is scored from.
#[derive(Debug, Clone, Copy)]
pub struct MonthInput<'a> {
    pub month: Month,
    pub calendar: &'a Calendar,
    pub staff: &'a [Member],
    /// The month's punches from every door of the hall, in any order.
    pub punches: &'a [Punch],
    /// The records in force (voided ones left out) of the month's quarter.
    pub records: &'a [ItemRecord],
    /// The approved leave (not cancelled) touching the month.
    pub leaves: &'a LeaveBook,
    /// Who is on duty on the month's days off.
    pub roster: &'a DutyRoster,
    /// The month's meetings with their sign-in sheets.
    pub meetings: &'a [Meeting],
}

/// One person's month, scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub staff: StaffId,
    pub name: String,
    pub on_list: OnList,
    pub score: MonthScore,
}

/// Scores everyone on the list in `input.month`, as of `now`, by staff id.
///
/// A person on the list part of the month is judged only on their days (the rules' active-from,
/// and the period cut at their last day) and paid by working days on the list.
///
/// # Errors
/// [`SheetError`] when a month or a session cannot be placed.
pub fn score_month(
    settings: &Settings,
    input: &MonthInput<'_>,
    now: Timestamp,
) -> Result<Vec<Line>, SheetError> {
    let (first, last) = days_of(input.month)?;
    let in_month = working_days(input.calendar, first, last);
    // People with the same last day are classified together (usually everyone: the month's end).
    let mut by_last: BTreeMap<Date, Vec<(&Member, Date)>> = BTreeMap::new();
    for m in input.staff {
        let from = m.active_from.map_or(first, |d| d.max(first));
        let until = m.active_until.map_or(last, |d| d.min(last));
        if from <= until {
            by_last.entry(until).or_default().push((m, from));
        }
    }
    let mut lines = Vec::new();
    for (until, members) in by_last {
        let enrolled: Vec<Enrollment> = members
            .iter()
            .map(|(m, from)| Enrollment {
                staff: m.id.clone(),
                active_from: *from,
                active_until: None,
            })
            .collect();
        let mut facts = Facts::new(&enrolled, input.calendar);
        facts.punches = input.punches;
        facts.leaves = input.leaves;
        facts.roster = input.roster;
        facts.meetings = input.meetings;
        let period = Period { first, last: until };
        let attendance = classify(&settings.rules, &facts, period, now)?;
        for (m, from) in members {
            let tally = attendance.tally(&m.id);
            let records: Vec<&ItemRecord> =
                input.records.iter().filter(|r| r.staff == m.id).collect();
            let on_list = OnList {
                working_days_on_list: working_days(input.calendar, from, until),
                working_days_in_month: in_month,
            };
            let score = settings.assessment.score_month(&MonthFacts {
                month: input.month,
                attendance_deducted: settings.attendance.deduction(&tally),
                records: &records,
                on_list,
            });
            lines.push(Line {
                staff: m.id.clone(),
                name: m.name.clone(),
                on_list,
                score,
            });
        }
    }
    lines.sort_by(|a, b| a.staff.cmp(&b.staff));
    Ok(lines)
}

/// Why a month's fund is withheld, in Chinese, naming the record.
pub fn withheld_zh(w: Withholding) -> String {
    match w {
        Withholding::C3Flagged(id) => format!("扣发本月(C3被曝光或纪委查处，记录{})", id.0),
        Withholding::D1InQuarter(id) => format!("扣发本季度(D1，记录{})", id.0),
    }
}

/// One person's line on a month sheet, fresh or as a closed sheet froze it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub staff: StaffId,
    pub name: String,
    /// In [`Part::ALL`]'s order, floored.
    pub parts: [Points; 4],
    pub score: Points,
    /// Every deduction before the floor (what the year adds up).
    pub deducted: Points,
    pub on_list: OnList,
    pub earned: Fen,
    /// Why the fund is withheld, in Chinese.
    pub withheld: Option<String>,
    pub due: Fen,
}

impl From<&Line> for SheetRow {
    fn from(l: &Line) -> SheetRow {
        SheetRow {
            staff: l.staff.clone(),
            name: l.name.clone(),
            parts: l.score.parts.map(|p| p.score),
            score: l.score.score,
            deducted: l.score.deducted,
            on_list: l.on_list,
            earned: l.score.earned,
            withheld: l.score.withheld.map(withheld_zh),
            due: l.score.due,
        }
    }
}

/// An adjustment line of a sheet: a closed month whose due amount changed after it was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdjustmentRow {
    pub staff: StaffId,
    pub name: String,
    pub adjustment: assessment::Adjustment,
}

/// What was paid for a closed month: its sheet's due plus every adjustment later sheets made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidLine {
    pub staff: StaffId,
    pub paid: Paid,
}

/// The adjustment lines for closed months, given what was paid and the months scored again.
pub fn adjustments(
    paid: &[PaidLine],
    rescored: &[(Month, Vec<Line>)],
    names: &BTreeMap<StaffId, String>,
) -> Vec<AdjustmentRow> {
    let people: BTreeSet<&StaffId> = paid.iter().map(|p| &p.staff).collect();
    let mut out = Vec::new();
    for staff in people {
        let theirs: Vec<Paid> = paid
            .iter()
            .filter(|p| &p.staff == staff)
            .map(|p| p.paid)
            .collect();
        let due_now: Vec<MonthScore> = rescored
            .iter()
            .flat_map(|(_, lines)| lines.iter().filter(|l| &l.staff == staff))
            .map(|l| l.score.clone())
            .collect();
        for adjustment in assessment::adjustments(&theirs, &due_now) {
            out.push(AdjustmentRow {
                staff: staff.clone(),
                name: names.get(staff).cloned().unwrap_or_default(),
                adjustment,
            });
        }
    }
    out.sort_by(|a, b| (a.adjustment.month, &a.staff).cmp(&(b.adjustment.month, &b.staff)));
    out
}

/// A person's standing for the year's awards (评先评优).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearLine {
    pub staff: StaffId,
    pub name: String,
    pub post: Option<String>,
    /// Each scored month's deductions before the floor.
    pub months: Vec<(Month, Points)>,
    /// Their sum (全年综合结算扣分).
    pub deducted: Points,
    pub barred_by_points: bool,
    /// A D1 of the person's own.
    pub barred_by_d1: bool,
    /// A D1 of someone else holding the same window (post): who.
    pub barred_by_window: Option<StaffId>,
}

impl YearLine {
    /// Eligible for the year's awards.
    pub fn eligible(&self) -> bool {
        !self.barred_by_points && !self.barred_by_d1 && self.barred_by_window.is_none()
    }
}

/// The year's standing of everyone on `staff` from their scored months.
pub fn year(settings: &Settings, staff: &[Member], months: &[(Month, Vec<Line>)]) -> Vec<YearLine> {
    let mut lines: Vec<YearLine> = staff
        .iter()
        .map(|m| {
            let scores: Vec<(Month, &MonthScore)> = months
                .iter()
                .flat_map(|(month, ls)| {
                    ls.iter()
                        .filter(|l| l.staff == m.id)
                        .map(move |l| (*month, &l.score))
                })
                .collect();
            let owned: Vec<MonthScore> = scores.iter().map(|(_, s)| (*s).clone()).collect();
            let standing = settings.assessment.year(&owned);
            YearLine {
                staff: m.id.clone(),
                name: m.name.clone(),
                post: m.post.clone(),
                months: scores.iter().map(|(mo, s)| (*mo, s.deducted)).collect(),
                deducted: standing.deducted,
                barred_by_points: standing.barred_by_points,
                barred_by_d1: standing.barred_by_d1,
                barred_by_window: None,
            }
        })
        .collect();
    let d1_by_post: BTreeMap<String, StaffId> = lines
        .iter()
        .filter(|l| l.barred_by_d1)
        .filter_map(|l| Some((l.post.clone()?, l.staff.clone())))
        .collect();
    for l in &mut lines {
        if let Some(who) = l.post.as_ref().and_then(|p| d1_by_post.get(p)) {
            if *who != l.staff {
                l.barred_by_window = Some(who.clone());
            }
        }
    }
    lines
}

/// Whether `item` withholds or bars beyond its points (for the record list).
pub fn item_effect_zh(item: ItemCode) -> &'static str {
    match item {
        ItemCode::C3 => "被曝光或纪委查处时扣发当月",
        ItemCode::D1 => "扣发当季度；本人及所在窗口取消年度评先评优",
        ItemCode::D2 => "严重的上报纪委",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallclock_core::assessment::RecordId;
    use jiff::civil::date;

    fn id(s: &str) -> StaffId {
        StaffId::new(s).expect("id")
    }

    fn member(s: &str, from: Option<Date>) -> Member {
        Member {
            id: id(s),
            name: format!("员工{s}"),
            post: Some("W1".into()),
            active_from: from,
            active_until: None,
        }
    }

    fn calendar() -> Calendar {
        let mut c = Calendar::hall_defaults();
        c.add_holiday_file(include_str!("../../../firmware-config/holidays-2026.txt"))
            .expect("holidays");
        c
    }

    /// Clocks in 5 minutes early and out 5 minutes late in every session of every working day.
    fn clean_punches(settings: &Settings, cal: &Calendar, who: &str, month: Month) -> Vec<Punch> {
        let (first, last) = days_of(month).expect("days");
        let mut out = Vec::new();
        let mut d = first;
        while d <= last {
            if cal.is_working_day(d) {
                for s in hallclock_core::schedule::Session::BOTH {
                    let slot = settings
                        .rules
                        .schedule
                        .slot(d, s, cal.season(d))
                        .expect("slot");
                    for at in [
                        slot.start - jiff::SignedDuration::from_mins(5),
                        slot.end + jiff::SignedDuration::from_mins(5),
                    ] {
                        out.push(Punch {
                            staff: id(who),
                            at,
                            clock_trusted: true,
                        });
                    }
                }
            }
            d = d.tomorrow().expect("day");
        }
        out
    }

    fn settings() -> Settings {
        Settings::hall_defaults(TimeZone::get("Asia/Shanghai").expect("zone"))
    }

    #[test]
    fn a_clean_month_and_half_a_month_on_the_list() {
        let s = settings();
        let cal = calendar();
        let sep = Month::new(2026, 9).expect("month");
        let staff = [
            member("0001", None),
            member("0002", Some(date(2026, 9, 16))),
        ];
        let mut punches = clean_punches(&s, &cal, "0001", sep);
        punches.extend(clean_punches(&s, &cal, "0002", sep));
        let now: Timestamp = "2026-10-08T00:00:00Z".parse().expect("now");
        let lines = score_month(
            &s,
            &MonthInput {
                month: sep,
                calendar: &cal,
                staff: &staff,
                punches: &punches,
                records: &[],
                leaves: &LeaveBook::new(),
                roster: &DutyRoster::new(),
                meetings: &[],
            },
            now,
        )
        .expect("scored");
        assert_eq!(lines[0].score.score, Points::whole(100));
        assert_eq!(lines[0].score.due, Fen(15_000));
        assert_eq!(
            lines[1].on_list,
            OnList {
                working_days_on_list: 11,
                working_days_in_month: 22
            }
        );
        assert_eq!(lines[1].score.score, Points::whole(100));
        assert_eq!(lines[1].score.due, Fen(7_500));
    }

    #[test]
    fn a_d1_bars_the_window_too() {
        let s = settings();
        let staff = [member("0001", None), member("0002", None)];
        let d1 = ItemRecord {
            id: RecordId(7),
            staff: id("0001"),
            item: ItemCode::D1,
            day: date(2026, 5, 12),
            times: 1,
            withhold_month: false,
            note: String::new(),
            author: "稽查".into(),
            recorded_at: "2026-05-12T02:00:00Z".parse().expect("t"),
        };
        let may = Month::new(2026, 5).expect("m");
        let score = |staff: &StaffId| {
            let recs: Vec<&ItemRecord> = [&d1].into_iter().filter(|r| &r.staff == staff).collect();
            s.assessment.score_month(&MonthFacts {
                month: may,
                attendance_deducted: Points::ZERO,
                records: &recs,
                on_list: OnList::whole_month(19),
            })
        };
        let lines: Vec<Line> = staff
            .iter()
            .map(|m| Line {
                staff: m.id.clone(),
                name: m.name.clone(),
                on_list: OnList::whole_month(19),
                score: score(&m.id),
            })
            .collect();
        let y = year(&s, &staff, &[(may, lines)]);
        assert!(y[0].barred_by_d1 && !y[0].eligible());
        assert_eq!(y[1].barred_by_window, Some(id("0001")));
        assert!(!y[1].eligible());
    }

    #[test]
    fn months_and_quarters() {
        let jan = Month::new(2026, 1).expect("m");
        assert_eq!(
            next(Month::new(2026, 12).expect("m")),
            Month::new(2027, 1).ok()
        );
        assert_eq!(
            quarter_days_of(Month::new(2026, 5).expect("m")).expect("q"),
            (date(2026, 4, 1), date(2026, 6, 30))
        );
        let (a, b) = instants_of(jan, &TimeZone::get("Asia/Shanghai").expect("z")).expect("i");
        assert_eq!(a.to_string(), "2025-12-31T16:00:00Z");
        assert_eq!(b.to_string(), "2026-01-31T16:00:00Z");
    }
}

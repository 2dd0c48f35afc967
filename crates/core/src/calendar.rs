//! The working-day calendar: the Monday-Friday rule, each year's extra holidays and make-up
//! working days (调休), the summer period, the duty roster (值班) for days off, and the parser for
//! the admin-edited holiday file.
//!
//! This module decides *whether* a date is worked and in which season; it does not know session
//! hours (that is [`crate::schedule`]) or who punched. It never reads the clock or a file:
//! the caller reads the holiday file and hands its text to [`Calendar::add_holiday_file`].
//!
//! Spec: `attendance-rules.md` section 1; regulation line 152 ("双休日及国家法定节假日由中心办公室
//! 发布通知,并统一安排人员值班").
//!
//! # Holiday file format
//! One entry a line; `#` starts a comment; blank lines are ignored; fields are separated by
//! spaces or tabs:
//! ```text
//! # 2026
//! summer 2026-05-01 2026-09-30      # summer period, both days inclusive
//! 2026-10-01 holiday 国庆节          # a day off; the name is optional
//! 2026-09-27 workday 调休            # a Saturday or Sunday made a working day
//! ```
//! A single bad line refuses the whole file and nothing of it is applied.

use std::collections::BTreeMap;

use jiff::civil::{Date, Weekday};

use crate::ids::StaffId;
use crate::schedule::{Season, Session, Sessions};

/// What a date is, for attendance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// Monday to Friday, not a holiday.
    Workday,
    /// A Saturday or Sunday made a working day (调休).
    MakeUpWorkday,
    /// Saturday or Sunday.
    Weekend,
    /// A declared holiday (e.g. 国庆节), whatever the weekday.
    Holiday,
}

impl DayKind {
    /// Whether sessions are held on this day.
    pub fn is_working(self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeUpWorkday)
    }
}

/// The **default** summer period of every year that has no explicit one: from a month-day to a
/// month-day, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SummerRule {
    first: (i8, i8),
    last: (i8, i8),
}

impl SummerRule {
    /// 1 May to 30 September, inclusive (spec section 1, **default**).
    pub fn hall_defaults() -> Self {
        SummerRule {
            first: (5, 1),
            last: (9, 30),
        }
    }

    /// A rule from `(month, day)` to `(month, day)`, both inclusive.
    ///
    /// # Errors
    /// [`CalendarError::BadSummerRule`] when a pair is not a date of every year (29 February is
    /// refused) or the first day is after the last.
    pub fn new(first: (i8, i8), last: (i8, i8)) -> Result<Self, CalendarError> {
        // 2001 is not a leap year: a pair valid in it is valid in every year.
        let valid = |(m, d): (i8, i8)| Date::new(2001, m, d).is_ok();
        if !valid(first) || !valid(last) || first > last {
            return Err(CalendarError::BadSummerRule { first, last });
        }
        Ok(SummerRule { first, last })
    }

    fn period(self, year: i16) -> Option<(Date, Date)> {
        let first = Date::new(year, self.first.0, self.first.1).ok()?;
        let last = Date::new(year, self.last.0, self.last.1).ok()?;
        Some((first, last))
    }
}

/// The calendar of working days and seasons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    summer_rule: SummerRule,
    summers: BTreeMap<i16, (Date, Date)>,
    holidays: BTreeMap<Date, String>,
    workdays: BTreeMap<Date, String>,
}

/// Someone on duty (值班) on a day off, for some sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DutyEntry {
    /// Who is on duty.
    pub staff: StaffId,
    /// The day off they are on duty.
    pub date: Date,
    /// Which sessions they cover.
    pub sessions: Sessions,
}

/// The duty roster published by the centre office. Entries on working days are ignored by the
/// rules: that day is judged as an ordinary working day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DutyRoster {
    entries: Vec<DutyEntry>,
}

/// Why a calendar entry, rule or holiday file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "holiday file line {line_number}: expected {expected}, found {found} (line: {line:?})"
    )]
    HolidayFileLine {
        line_number: usize,
        line: String,
        expected: &'static str,
        found: String,
    },
    #[error(
        "summer rule from {first:?} to {last:?} (month, day): expected two dates of every year \
         (not 29 February), the first on or before the last"
    )]
    BadSummerRule { first: (i8, i8), last: (i8, i8) },
    #[error("summer period {first} to {last}: expected a start on or before the end, in one year")]
    BadSummerPeriod { first: Date, last: Date },
    #[error(
        "{date} is already a {existing}; expected a date to be either a holiday or a make-up \
         workday, not both"
    )]
    ConflictingDay { date: Date, existing: &'static str },
}

impl Calendar {
    /// An empty calendar (weekday rule only) with the given default summer rule.
    pub fn new(summer_rule: SummerRule) -> Self {
        Calendar {
            summer_rule,
            summers: BTreeMap::new(),
            holidays: BTreeMap::new(),
            workdays: BTreeMap::new(),
        }
    }

    /// An empty calendar with [`SummerRule::hall_defaults`].
    pub fn hall_defaults() -> Self {
        Calendar::new(SummerRule::hall_defaults())
    }

    /// Declares `date` a holiday (a day off even if it is a weekday).
    ///
    /// # Errors
    /// [`CalendarError::ConflictingDay`] when the date is already a make-up workday.
    pub fn add_holiday(&mut self, date: Date, name: &str) -> Result<(), CalendarError> {
        declare(
            &mut self.holidays,
            &self.workdays,
            "make-up workday",
            date,
            name,
        )
    }

    /// Declares `date` a make-up working day (调休), usually a Saturday or Sunday.
    ///
    /// # Errors
    /// [`CalendarError::ConflictingDay`] when the date is already a holiday.
    pub fn add_workday(&mut self, date: Date, name: &str) -> Result<(), CalendarError> {
        declare(&mut self.workdays, &self.holidays, "holiday", date, name)
    }

    /// Sets the summer period of one year, both days inclusive, replacing the default rule for
    /// that year.
    ///
    /// # Errors
    /// [`CalendarError::BadSummerPeriod`] when `first` is after `last` or they are in different
    /// years.
    pub fn set_summer(&mut self, first: Date, last: Date) -> Result<(), CalendarError> {
        if first > last || first.year() != last.year() {
            return Err(CalendarError::BadSummerPeriod { first, last });
        }
        self.summers.insert(first.year(), (first, last));
        Ok(())
    }

    /// Parses a holiday file (format in the module docs) and applies it. All or nothing: any
    /// error leaves the calendar unchanged.
    ///
    /// # Errors
    /// [`CalendarError::HolidayFileLine`] for the first bad line, with its 1-based number, its
    /// text, what was expected and what was found: an unknown keyword, a bad date, a missing or
    /// extra field, a date declared twice, a date that conflicts with the calendar, a summer
    /// period that runs backwards or spans two years, or two summer periods for one year.
    pub fn add_holiday_file(&mut self, text: &str) -> Result<(), CalendarError> {
        let mut staged = self.clone();
        let mut seen: BTreeMap<Date, usize> = BTreeMap::new();
        let mut summers_seen: BTreeMap<i16, usize> = BTreeMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line_number = index + 1;
            let fail = |expected: &'static str, found: String| CalendarError::HolidayFileLine {
                line_number,
                line: raw.to_string(),
                expected,
                found,
            };
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let fields: Vec<&str> = content.split_whitespace().collect();
            match parse_line(&fields) {
                Err((expected, found)) => return Err(fail(expected, found)),
                Ok(Entry::Summer(first, last)) => {
                    if first > last || first.year() != last.year() {
                        return Err(fail(
                            "a summer start on or before its end, in one year",
                            format!("{first} to {last}"),
                        ));
                    }
                    if let Some(earlier) = summers_seen.insert(first.year(), line_number) {
                        return Err(fail(
                            "one summer period a year",
                            format!(
                                "a second one for {} (first on line {earlier})",
                                first.year()
                            ),
                        ));
                    }
                    staged.summers.insert(first.year(), (first, last));
                }
                Ok(Entry::Day {
                    date,
                    holiday,
                    name,
                }) => {
                    if let Some(earlier) = seen.insert(date, line_number) {
                        return Err(fail(
                            "each date once",
                            format!("{date} again (first on line {earlier})"),
                        ));
                    }
                    let added = if holiday {
                        staged.add_holiday(date, &name)
                    } else {
                        staged.add_workday(date, &name)
                    };
                    if let Err(CalendarError::ConflictingDay { existing, .. }) = added {
                        return Err(fail(
                            "a date not already declared the other way",
                            format!("{date}, already a {existing}"),
                        ));
                    }
                }
            }
        }
        *self = staged;
        Ok(())
    }

    /// What `date` is.
    pub fn day_kind(&self, date: Date) -> DayKind {
        if self.holidays.contains_key(&date) {
            DayKind::Holiday
        } else if self.workdays.contains_key(&date) {
            DayKind::MakeUpWorkday
        } else if matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) {
            DayKind::Weekend
        } else {
            DayKind::Workday
        }
    }

    /// Whether sessions are held on `date`.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.day_kind(date).is_working()
    }

    /// The name given to a holiday or make-up workday, if any.
    pub fn day_name(&self, date: Date) -> Option<&str> {
        self.holidays
            .get(&date)
            .or_else(|| self.workdays.get(&date))
            .map(String::as_str)
    }

    /// The season of `date`: the year's explicit summer period if set, else the default rule.
    pub fn season(&self, date: Date) -> Season {
        let period = match self.summers.get(&date.year()) {
            Some(&period) => Some(period),
            None => self.summer_rule.period(date.year()),
        };
        match period {
            Some((first, last)) if first <= date && date <= last => Season::Summer,
            _ => Season::Regular,
        }
    }
}

/// Enters `date` as `name` in `days` (holidays or make-up workdays), unless `other`, the days of
/// the other kind (`other_kind`), already has it.
fn declare(
    days: &mut BTreeMap<Date, String>,
    other: &BTreeMap<Date, String>,
    other_kind: &'static str,
    date: Date,
    name: &str,
) -> Result<(), CalendarError> {
    if other.contains_key(&date) {
        return Err(CalendarError::ConflictingDay {
            date,
            existing: other_kind,
        });
    }
    days.insert(date, name.to_string());
    Ok(())
}

enum Entry {
    Summer(Date, Date),
    Day {
        date: Date,
        holiday: bool,
        name: String,
    },
}

fn parse_line(fields: &[&str]) -> Result<Entry, (&'static str, String)> {
    let found = |field: Option<&&str>| match field {
        Some(text) => format!("{text:?}"),
        None => "end of line".to_string(),
    };
    match fields {
        ["summer", rest @ ..] => {
            let expected = "`summer` and two dates as YYYY-MM-DD";
            match rest {
                [first, last] => Ok(Entry::Summer(
                    parse_date(first).ok_or((expected, found(Some(first))))?,
                    parse_date(last).ok_or((expected, found(Some(last))))?,
                )),
                [_] | [] => Err((expected, "end of line".to_string())),
                [_, _, extra, ..] => Err((expected, found(Some(extra)))),
            }
        }
        [first, rest @ ..] => {
            let date = parse_date(first).ok_or((
                "a date as YYYY-MM-DD or the word `summer`",
                found(Some(first)),
            ))?;
            let holiday = match rest.first() {
                Some(&"holiday") => true,
                Some(&"workday") => false,
                other => return Err(("`holiday` or `workday` after the date", found(other))),
            };
            Ok(Entry::Day {
                date,
                holiday,
                name: rest[1..].join(" "),
            })
        }
        [] => Err(("an entry", "end of line".to_string())),
    }
}

/// `YYYY-MM-DD` exactly, a real date.
fn parse_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let year = text[0..4].parse().ok()?;
    let month = text[5..7].parse().ok()?;
    let day = text[8..10].parse().ok()?;
    Date::new(year, month, day).ok()
}

impl DutyRoster {
    /// An empty roster.
    pub const fn new() -> Self {
        DutyRoster {
            entries: Vec::new(),
        }
    }

    /// Adds an entry. A second entry for the same person and date widens the sessions.
    pub fn add(&mut self, entry: DutyEntry) {
        if let Some(existing) = self
            .entries
            .iter_mut()
            .find(|e| e.staff == entry.staff && e.date == entry.date)
        {
            if existing.sessions != entry.sessions {
                existing.sessions = Sessions::Both;
            }
            return;
        }
        self.entries.push(entry);
    }

    /// The sessions `staff` is on duty on `date`, if any.
    pub fn duty_of(&self, staff: &StaffId, date: Date) -> Option<Sessions> {
        self.entries
            .iter()
            .find(|e| &e.staff == staff && e.date == date)
            .map(|e| e.sessions)
    }

    /// Whether `staff` is on duty for `session` of `date`.
    pub fn is_on_duty(&self, staff: &StaffId, date: Date, session: Session) -> bool {
        self.duty_of(staff, date)
            .is_some_and(|sessions| sessions.contains(session))
    }

    /// All entries, in the order added.
    pub fn entries(&self) -> &[DutyEntry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn calendar_2026() -> Calendar {
        let mut calendar = Calendar::hall_defaults();
        calendar
            .add_holiday_file(
                "# 2026 notice\n\
                 2026-10-01 holiday 国庆节\n\
                 2026-10-02 holiday 国庆节\n\
                 2026-09-27 workday 调休   # a Sunday\n\
                 \n\
                 2026-10-10 workday\n",
            )
            .unwrap();
        calendar
    }

    #[track_caller]
    fn check_day(calendar: &Calendar, day: Date, want_kind: DayKind, want_season: Season) {
        assert_eq!(calendar.day_kind(day), want_kind, "{day}");
        assert_eq!(
            calendar.is_working_day(day),
            want_kind.is_working(),
            "{day}"
        );
        assert_eq!(calendar.season(day), want_season, "{day}");
    }

    #[test]
    fn day_kinds_and_seasons() {
        use DayKind::*;
        use Season::*;
        let calendar = calendar_2026();
        let rows = [
            (date(2026, 4, 30), Workday, Regular), // Thursday before summer
            (date(2026, 5, 1), Workday, Summer), // Friday, first day of summer (not declared a holiday here)
            (date(2026, 9, 30), Workday, Summer), // Wednesday, last day of summer
            (date(2026, 10, 1), Holiday, Regular), // Thursday holiday
            (date(2026, 10, 2), Holiday, Regular), // Friday holiday
            (date(2026, 10, 3), Weekend, Regular), // Saturday
            (date(2026, 9, 27), MakeUpWorkday, Summer), // Sunday made a working day
            (date(2026, 10, 10), MakeUpWorkday, Regular), // Saturday made a working day
            (date(2026, 10, 12), Workday, Regular), // Monday
        ];
        for (day, kind, season) in rows {
            check_day(&calendar, day, kind, season);
        }
        assert_eq!(calendar.day_name(date(2026, 10, 1)), Some("国庆节"));
        assert_eq!(calendar.day_name(date(2026, 10, 10)), Some(""));
        assert_eq!(calendar.day_name(date(2026, 10, 12)), None);
    }

    #[test]
    fn summer_is_settable_per_year() {
        let mut calendar = Calendar::hall_defaults();
        calendar
            .add_holiday_file("summer 2027-06-01 2027-08-31\n")
            .unwrap();
        calendar
            .set_summer(date(2028, 5, 15), date(2028, 9, 15))
            .unwrap();
        let rows = [
            (date(2027, 5, 31), Season::Regular),
            (date(2027, 6, 1), Season::Summer),
            (date(2027, 8, 31), Season::Summer),
            (date(2027, 9, 1), Season::Regular),
            (date(2028, 5, 14), Season::Regular),
            (date(2028, 5, 15), Season::Summer),
            (date(2029, 5, 1), Season::Summer), // default rule
            (date(2029, 10, 1), Season::Regular),
        ];
        for (day, season) in rows {
            assert_eq!(calendar.season(day), season, "{day}");
        }
        let custom = Calendar::new(SummerRule::new((6, 1), (8, 31)).unwrap());
        assert_eq!(custom.season(date(2026, 5, 1)), Season::Regular);
        assert_eq!(
            SummerRule::new((2, 29), (8, 31)).unwrap_err().to_string(),
            "summer rule from (2, 29) to (8, 31) (month, day): expected two dates of every year \
             (not 29 February), the first on or before the last"
        );
        assert_eq!(
            calendar.set_summer(date(2028, 9, 1), date(2028, 5, 1)).unwrap_err().to_string(),
            "summer period 2028-09-01 to 2028-05-01: expected a start on or before the end, in one year"
        );
    }

    #[track_caller]
    fn check_file_error(text: &str, want: &str) {
        let mut calendar = calendar_2026();
        let before = calendar.clone();
        let err = calendar.add_holiday_file(text).unwrap_err();
        assert_eq!(err.to_string(), want);
        assert_eq!(calendar, before, "a refused file must change nothing");
    }

    #[test]
    fn holiday_file_errors_name_the_line() {
        let rows = [
            (
                "2027-01-01 holiday 元旦\n2027-13-01 holiday\n",
                "holiday file line 2: expected a date as YYYY-MM-DD or the word `summer`, \
                 found \"2027-13-01\" (line: \"2027-13-01 holiday\")",
            ),
            (
                "\n# comment\n2027-1-1 holiday\n",
                "holiday file line 3: expected a date as YYYY-MM-DD or the word `summer`, \
                 found \"2027-1-1\" (line: \"2027-1-1 holiday\")",
            ),
            (
                "2027-02-15 holidy 春节\n",
                "holiday file line 1: expected `holiday` or `workday` after the date, \
                 found \"holidy\" (line: \"2027-02-15 holidy 春节\")",
            ),
            (
                "2027-02-15   # forgot the kind\n",
                "holiday file line 1: expected `holiday` or `workday` after the date, \
                 found end of line (line: \"2027-02-15   # forgot the kind\")",
            ),
            (
                "summer 2027-05-01\n",
                "holiday file line 1: expected `summer` and two dates as YYYY-MM-DD, \
                 found end of line (line: \"summer 2027-05-01\")",
            ),
            (
                "summer 2027-05-01 2027-09-31\n",
                "holiday file line 1: expected `summer` and two dates as YYYY-MM-DD, \
                 found \"2027-09-31\" (line: \"summer 2027-05-01 2027-09-31\")",
            ),
            (
                "summer 2027-05-01 2027-09-30 extra\n",
                "holiday file line 1: expected `summer` and two dates as YYYY-MM-DD, \
                 found \"extra\" (line: \"summer 2027-05-01 2027-09-30 extra\")",
            ),
            (
                "summer 2027-09-30 2027-05-01\n",
                "holiday file line 1: expected a summer start on or before its end, in one year, \
                 found 2027-09-30 to 2027-05-01 (line: \"summer 2027-09-30 2027-05-01\")",
            ),
            (
                "summer 2027-05-01 2027-09-30\nsummer 2027-05-02 2027-09-30\n",
                "holiday file line 2: expected one summer period a year, found a second one for \
                 2027 (first on line 1) (line: \"summer 2027-05-02 2027-09-30\")",
            ),
            (
                "2027-10-01 holiday\n2027-10-02 holiday\n2027-10-01 workday\n",
                "holiday file line 3: expected each date once, found 2027-10-01 again \
                 (first on line 1) (line: \"2027-10-01 workday\")",
            ),
            (
                // conflicts with the 2026 file loaded before
                "2026-10-01 workday\n",
                "holiday file line 1: expected a date not already declared the other way, \
                 found 2026-10-01, already a holiday (line: \"2026-10-01 workday\")",
            ),
            (
                "2027-01-01 holiday\nsumer 2027-05-01 2027-09-30\n",
                "holiday file line 2: expected a date as YYYY-MM-DD or the word `summer`, \
                 found \"sumer\" (line: \"sumer 2027-05-01 2027-09-30\")",
            ),
        ];
        for (text, want) in rows {
            check_file_error(text, want);
        }
    }

    #[test]
    fn duty_roster() {
        let a = StaffId::new("0001").unwrap();
        let b = StaffId::new("0002").unwrap();
        let saturday = date(2026, 10, 3);
        let mut roster = DutyRoster::new();
        roster.add(DutyEntry {
            staff: a.clone(),
            date: saturday,
            sessions: Sessions::Morning,
        });
        roster.add(DutyEntry {
            staff: b.clone(),
            date: saturday,
            sessions: Sessions::Afternoon,
        });
        roster.add(DutyEntry {
            staff: b.clone(),
            date: saturday,
            sessions: Sessions::Morning,
        });
        let rows = [
            (&a, Session::Morning, true),
            (&a, Session::Afternoon, false),
            (&b, Session::Morning, true),
            (&b, Session::Afternoon, true),
        ];
        for (staff, session, want) in rows {
            assert_eq!(
                roster.is_on_duty(staff, saturday, session),
                want,
                "{staff} {session:?}"
            );
        }
        assert_eq!(roster.duty_of(&a, date(2026, 10, 4)), None);
        assert_eq!(roster.entries().len(), 2);
    }
}

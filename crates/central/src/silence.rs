//! Which doors went silent: a door not heard from (by batch or heartbeat) for a while is only a
//! worry during the hall's working hours, when people are punching at it. [`door_state`] tells
//! `live`, `silent` (working hours, not heard from for the window, or never), `off-hours` (not
//! heard from, but nobody punches now) and `revoked` apart, for `device list`.
//!
//! Pure: `now` is a parameter; the caller resolves the hall's zone and builds the calendar (the
//! county's holiday files, as the month's scoring reads them). Working hours are the sessions of
//! the core's default schedule (the centre keeps no per-hall session hours) on that calendar's
//! working days, in the hall's zone.

use hallclock_core::calendar::Calendar;
use hallclock_core::schedule::{ScheduleConfig, Session};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// When doors are expected to be busy: the sessions of the working days.
#[derive(Debug, Clone)]
pub struct WorkingHours {
    schedule: ScheduleConfig,
    calendar: Calendar,
}

impl WorkingHours {
    /// The spec's default session hours in `zone`, on the working days of `calendar`.
    pub fn new(zone: TimeZone, calendar: Calendar) -> WorkingHours {
        WorkingHours {
            schedule: ScheduleConfig::hall_defaults(zone),
            calendar,
        }
    }

    /// Whether `at` falls inside a session (start included, end excluded) of a working day, in
    /// the hall's zone.
    pub fn contains(&self, at: Timestamp) -> bool {
        let local = self.schedule.to_civil(at);
        let date = local.date();
        if !self.calendar.is_working_day(date) {
            return false;
        }
        let season = self.calendar.season(date);
        Session::BOTH.iter().any(|&session| {
            let hours = self.schedule.hours(session, season);
            hours.start <= local.time() && local.time() < hours.end
        })
    }
}

/// A door as `device list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DoorState {
    /// Heard from within the window.
    Live,
    /// Working hours, and not heard from within the window (or never).
    Silent,
    /// Not heard from within the window, outside working hours.
    OffHours,
    /// Its token is revoked: nothing is expected from it.
    Revoked,
}

impl DoorState {
    /// The word `device list` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            DoorState::Live => "live",
            DoorState::Silent => "silent",
            DoorState::OffHours => "off-hours",
            DoorState::Revoked => "revoked",
        }
    }
}

/// The state of a door last heard from at `last_seen` (`None`: never), at `now`, with `window`
/// the longest quiet a working door may keep.
pub fn door_state(
    now: Timestamp,
    last_seen: Option<Timestamp>,
    revoked: bool,
    window: SignedDuration,
    hours: &WorkingHours,
) -> DoorState {
    if revoked {
        return DoorState::Revoked;
    }
    let heard = last_seen.is_some_and(|seen| now.duration_since(seen) <= window);
    if heard {
        DoorState::Live
    } else if hours.contains(now) {
        DoorState::Silent
    } else {
        DoorState::OffHours
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hours(calendar: Calendar) -> WorkingHours {
        WorkingHours::new(TimeZone::fixed(jiff::tz::offset(8)), calendar)
    }

    fn state(now: &str, last_seen: Option<&str>) -> DoorState {
        let hours = hours(Calendar::hall_defaults());
        door_state(
            at(now),
            last_seen.map(at),
            false,
            SignedDuration::from_mins(30),
            &hours,
        )
    }

    #[test]
    fn silence_counts_in_working_hours_only() {
        // Monday 2 March 2026, 09:00 in the hall (UTC+8).
        let monday_9 = "2026-03-02T01:00:00Z";
        assert_eq!(
            state(monday_9, Some("2026-03-02T00:40:00Z")),
            DoorState::Live
        );
        assert_eq!(
            state(monday_9, Some("2026-03-02T00:29:59Z")),
            DoorState::Silent
        );
        assert_eq!(state(monday_9, None), DoorState::Silent);
        // 12:30, the lunch break; 07:59, before the morning; Saturday 09:00.
        assert_eq!(state("2026-03-02T04:30:00Z", None), DoorState::OffHours);
        assert_eq!(state("2026-03-01T23:59:00Z", None), DoorState::OffHours);
        assert_eq!(state("2026-03-07T01:00:00Z", None), DoorState::OffHours);
        // 16:59 is inside the afternoon, 17:00 its end.
        assert_eq!(state("2026-03-02T08:59:00Z", None), DoorState::Silent);
        assert_eq!(state("2026-03-02T09:00:00Z", None), DoorState::OffHours);
        // A live door stays live outside working hours too.
        assert_eq!(
            state("2026-03-07T01:00:00Z", Some("2026-03-07T00:50:00Z")),
            DoorState::Live
        );
    }

    #[test]
    fn a_holiday_has_no_working_hours_and_a_make_up_day_has() {
        let mut calendar = Calendar::hall_defaults();
        calendar
            .add_holiday_file("2026-10-01 holiday 国庆节\n2026-10-10 workday 调休\n")
            .unwrap();
        let hours = hours(calendar);
        // Thursday 1 October and Saturday 10 October 2026, 09:00 in the hall.
        assert!(!hours.contains(at("2026-10-01T01:00:00Z")));
        assert!(hours.contains(at("2026-10-10T01:00:00Z")));
    }

    #[test]
    fn a_revoked_door_is_never_silent() {
        let hours = WorkingHours::new(TimeZone::UTC, Calendar::hall_defaults());
        let now = at("2026-03-02T09:00:00Z");
        assert_eq!(
            door_state(now, None, true, SignedDuration::from_mins(30), &hours),
            DoorState::Revoked
        );
    }
}

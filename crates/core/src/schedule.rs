//! Session hours, punch windows, grace, and the conversion between stored UTC instants
//! (`jiff::Timestamp`) and the hall's civil time in one configured IANA zone.
//!
//! This module owns *when* a session starts and ends on a given date and season, which punches
//! belong to it, and whether one punch is on time, late or early. It does not know which days are
//! working days or which season a date is in (that is [`crate::calendar`]), and it never
//! reads the clock, the tz database or a file: the zone is resolved by the caller and handed in.
//!
//! Spec: `attendance-rules.md` sections 1 and 2. The regulation (line 153) says "下午2:00—5:00
//! (夏季下午延迟半小时)", which could be read as only the end moving; we follow the spec, which
//! shifts the whole summer afternoon to 14:30-17:30.

use jiff::civil::{time, Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, Disambiguation, TimeZone};
use jiff::{SignedDuration, Timestamp};

/// One of the two sessions of a working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Session {
    /// 上午, default 08:00-11:30.
    Morning,
    /// 下午, default 14:00-17:00 (summer 14:30-17:30).
    Afternoon,
}

impl Session {
    /// Both sessions in the order they happen.
    pub const BOTH: [Session; 2] = [Session::Morning, Session::Afternoon];
}

/// One or both sessions of a day, e.g. the sessions of a duty (值班) entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sessions {
    /// The morning only.
    Morning,
    /// The afternoon only.
    Afternoon,
    /// The whole day.
    Both,
}

impl Sessions {
    /// Whether `session` is one of these.
    pub fn contains(self, session: Session) -> bool {
        matches!(
            (self, session),
            (Sessions::Both, _)
                | (Sessions::Morning, Session::Morning)
                | (Sessions::Afternoon, Session::Afternoon)
        )
    }
}

/// Which set of hours applies on a date; [`crate::calendar::Calendar::season`] decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Season {
    /// Ordinary hours.
    Regular,
    /// 夏季: the afternoon is shifted later.
    Summer,
}

/// Civil start and end of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionHours {
    /// The clock-in point.
    pub start: Time,
    /// The clock-out point.
    pub end: Time,
}

/// Which end of a session a punch stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PunchRole {
    /// The session's first punch (上班考勤).
    ClockIn,
    /// The session's last punch (下班考勤).
    ClockOut,
}

/// The verdict on one clock-in or clock-out.
///
/// Minutes are counted from the session's start (or end), not from the end of the grace, and are
/// rounded *up*: a clock-in at 08:00:01 is late by 1 minute, one at 08:00:00 is on time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Within the session's start (+ grace) or end (− grace).
    OnTime,
    /// 迟到: a clock-in after the start plus grace.
    Late { minutes: u32 },
    /// 早退: a clock-out before the end minus grace.
    Early { minutes: u32 },
}

/// Everything about the hall's hours. Build it with [`ScheduleConfig::hall_defaults`] and then
/// override fields from the config file.
#[derive(Debug, Clone)]
pub struct ScheduleConfig {
    /// The hall's zone. **Default** `Asia/Shanghai` ([`ScheduleConfig::DEFAULT_ZONE_NAME`]); it
    /// is resolved by the caller because reading the tz database is I/O.
    pub zone: TimeZone,
    /// How a civil time that does not exist (DST gap) or exists twice (DST fold) becomes an
    /// instant. **Default** [`Disambiguation::Compatible`] (gap: later; fold: earlier).
    pub disambiguation: Disambiguation,
    /// Morning hours, default 08:00-11:30.
    pub morning: SessionHours,
    /// Afternoon hours outside summer, default 14:00-17:00.
    pub afternoon: SessionHours,
    /// Afternoon hours in summer, default 14:30-17:30.
    pub summer_afternoon: SessionHours,
    /// A session's punch window opens this long before its start. **Default** 90 minutes.
    pub window_before_start: SignedDuration,
    /// A session's punch window closes this long after its end. **Default** 180 minutes. Both
    /// windows are cut at the midpoint of the lunch break so that they never overlap.
    pub window_after_end: SignedDuration,
    /// A clock-in up to this long after the start is on time. **Default** 0.
    pub late_grace: SignedDuration,
    /// A clock-out up to this long before the end is on time. **Default** 0.
    pub early_grace: SignedDuration,
}

/// One session on one date, resolved to instants: what it is judged against.
///
/// The punch window is half-open, `[opens, closes)`: a punch exactly at the lunch midpoint
/// belongs to the afternoon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSlot {
    /// The civil date of the session in the hall's zone.
    pub date: Date,
    /// Which session.
    pub session: Session,
    /// The clock-in point.
    pub start: Timestamp,
    /// The clock-out point.
    pub end: Timestamp,
    /// First instant of the punch window.
    pub opens: Timestamp,
    /// First instant after the punch window.
    pub closes: Timestamp,
    /// A clock-in after this instant is late (`start + late_grace`).
    pub late_after: Timestamp,
    /// A clock-out before this instant is early (`end − early_grace`).
    pub early_before: Timestamp,
}

/// Why hours could not be checked or a civil time could not be turned into an instant.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "local time {local} is {what} in zone {zone} and the policy is to reject it; \
         expected a time outside a daylight-saving transition (hint: use the `compatible` policy)"
    )]
    AmbiguousLocalTime {
        local: DateTime,
        zone: String,
        what: &'static str,
    },
    #[error("local time {local} is out of the supported range")]
    OutOfRange { local: DateTime },
    #[error("{name} starts at {start} and ends at {end}; expected the start before the end")]
    BackwardsHours {
        name: &'static str,
        start: Time,
        end: Time,
    },
    #[error(
        "the morning ends at {morning_end} but the {name} starts at {afternoon_start}; \
         expected the morning to end before the afternoon starts"
    )]
    SessionsOverlap {
        name: &'static str,
        morning_end: Time,
        afternoon_start: Time,
    },
    #[error("{name} is {value}; expected zero or more")]
    NegativeDuration {
        name: &'static str,
        value: SignedDuration,
    },
}

impl ScheduleConfig {
    /// The IANA name of the **default** zone, for the caller to resolve.
    pub const DEFAULT_ZONE_NAME: &'static str = "Asia/Shanghai";

    /// The hall's default hours and windows (spec sections 1-2), in the given zone.
    pub fn hall_defaults(zone: TimeZone) -> Self {
        ScheduleConfig {
            zone,
            disambiguation: Disambiguation::Compatible,
            morning: SessionHours {
                start: time(8, 0, 0, 0),
                end: time(11, 30, 0, 0),
            },
            afternoon: SessionHours {
                start: time(14, 0, 0, 0),
                end: time(17, 0, 0, 0),
            },
            summer_afternoon: SessionHours {
                start: time(14, 30, 0, 0),
                end: time(17, 30, 0, 0),
            },
            window_before_start: SignedDuration::from_mins(90),
            window_after_end: SignedDuration::from_mins(180),
            late_grace: SignedDuration::ZERO,
            early_grace: SignedDuration::ZERO,
        }
    }

    /// Checks that every session starts before it ends, the morning ends before either
    /// afternoon starts, and no duration is negative.
    ///
    /// # Errors
    /// The first [`ScheduleError`] found: `BackwardsHours`, `SessionsOverlap` or
    /// `NegativeDuration`.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        let hours = [
            ("the morning", self.morning),
            ("the afternoon", self.afternoon),
            ("the summer afternoon", self.summer_afternoon),
        ];
        for (name, h) in hours {
            if h.start >= h.end {
                return Err(ScheduleError::BackwardsHours {
                    name,
                    start: h.start,
                    end: h.end,
                });
            }
        }
        for (name, h) in [
            ("afternoon", self.afternoon),
            ("summer afternoon", self.summer_afternoon),
        ] {
            if self.morning.end > h.start {
                return Err(ScheduleError::SessionsOverlap {
                    name,
                    morning_end: self.morning.end,
                    afternoon_start: h.start,
                });
            }
        }
        let durations = [
            ("window-before-start", self.window_before_start),
            ("window-after-end", self.window_after_end),
            ("late-grace", self.late_grace),
            ("early-grace", self.early_grace),
        ];
        for (name, value) in durations {
            if value.is_negative() {
                return Err(ScheduleError::NegativeDuration { name, value });
            }
        }
        Ok(())
    }

    /// The civil hours of `session` in `season`.
    pub fn hours(&self, session: Session, season: Season) -> SessionHours {
        match (session, season) {
            (Session::Morning, _) => self.morning,
            (Session::Afternoon, Season::Regular) => self.afternoon,
            (Session::Afternoon, Season::Summer) => self.summer_afternoon,
        }
    }

    /// The hall's civil date and time of an instant.
    pub fn to_civil(&self, at: Timestamp) -> DateTime {
        self.zone.to_datetime(at)
    }

    /// The instant of a civil date and time in the hall's zone, resolving DST gaps and folds
    /// with [`ScheduleConfig::disambiguation`].
    ///
    /// # Errors
    /// [`ScheduleError::AmbiguousLocalTime`] when the time falls in a gap or fold and the policy
    /// is [`Disambiguation::Reject`]; [`ScheduleError::OutOfRange`] at the ends of jiff's range.
    pub fn to_instant(&self, local: DateTime) -> Result<Timestamp, ScheduleError> {
        let ambiguous = self.zone.to_ambiguous_timestamp(local);
        let what = match ambiguous.offset() {
            AmbiguousOffset::Gap { .. } => "skipped (a gap)",
            AmbiguousOffset::Fold { .. } => "repeated (a fold)",
            AmbiguousOffset::Unambiguous { .. } => "unambiguous",
        };
        ambiguous.disambiguate(self.disambiguation).map_err(|_| {
            if what == "unambiguous" {
                ScheduleError::OutOfRange { local }
            } else {
                ScheduleError::AmbiguousLocalTime {
                    local,
                    zone: self.zone.iana_name().unwrap_or("(unnamed)").to_string(),
                    what,
                }
            }
        })
    }

    /// Resolves `session` on `date` in `season` to instants, with its punch window.
    ///
    /// # Errors
    /// [`ScheduleError`] from [`ScheduleConfig::to_instant`] for any of the session's points.
    pub fn slot(
        &self,
        date: Date,
        session: Session,
        season: Season,
    ) -> Result<SessionSlot, ScheduleError> {
        let hours = self.hours(session, season);
        let lunch_start = date.to_datetime(self.morning.end);
        let afternoon_start = date.to_datetime(self.hours(Session::Afternoon, season).start);
        let lunch_midpoint = shift(lunch_start, afternoon_start.duration_since(lunch_start) / 2)?;
        let start = date.to_datetime(hours.start);
        let end = date.to_datetime(hours.end);
        let mut opens = shift(start, -self.window_before_start)?;
        let mut closes = shift(end, self.window_after_end)?;
        match session {
            Session::Morning => closes = closes.min(lunch_midpoint),
            Session::Afternoon => opens = opens.max(lunch_midpoint),
        }
        Ok(SessionSlot {
            date,
            session,
            start: self.to_instant(start)?,
            end: self.to_instant(end)?,
            opens: self.to_instant(opens)?,
            closes: self.to_instant(closes)?,
            late_after: self.to_instant(shift(start, self.late_grace)?)?,
            early_before: self.to_instant(shift(end, -self.early_grace)?)?,
        })
    }
}

fn shift(local: DateTime, by: SignedDuration) -> Result<DateTime, ScheduleError> {
    local
        .checked_add(by)
        .map_err(|_| ScheduleError::OutOfRange { local })
}

impl SessionSlot {
    /// Whether `at` is inside the punch window `[opens, closes)`.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.opens <= at && at < self.closes
    }

    /// Whether the punch window has closed by `now` (no punch can join the session any more).
    pub fn is_closed_at(&self, now: Timestamp) -> bool {
        now >= self.closes
    }

    /// Whether the session has ended by `now` (its clock-out point has passed), so it is judged:
    /// a punch still to come in the window (延时服务) changes the judgement when it comes.
    pub fn has_ended_at(&self, now: Timestamp) -> bool {
        now >= self.end
    }

    /// For a session's only punch: the point it is nearer to. Exactly half-way counts as the
    /// clock-in.
    pub fn nearer_point(&self, at: Timestamp) -> PunchRole {
        let to_start = at.duration_since(self.start).abs();
        let to_end = at.duration_since(self.end).abs();
        if to_start <= to_end {
            PunchRole::ClockIn
        } else {
            PunchRole::ClockOut
        }
    }

    /// Judges a punch at `at` taken as `role`. A clock-out after the end is never a fault
    /// (延时服务); a clock-in before the start is never late.
    pub fn judge(&self, role: PunchRole, at: Timestamp) -> Verdict {
        match role {
            PunchRole::ClockIn if at > self.late_after => Verdict::Late {
                minutes: whole_minutes_up(at.duration_since(self.start)),
            },
            PunchRole::ClockOut if at < self.early_before => Verdict::Early {
                minutes: whole_minutes_up(self.end.duration_since(at)),
            },
            _ => Verdict::OnTime,
        }
    }
}

/// Minutes in `d`, any started minute counting as a whole one (so 1 s is 1 minute); zero or
/// negative is 0. Used for late and early minutes everywhere.
pub fn whole_minutes_up(d: SignedDuration) -> u32 {
    const MINUTE_NANOS: i128 = 60_000_000_000;
    let nanos = d.as_nanos().max(0);
    let minutes = (nanos + MINUTE_NANOS - 1) / MINUTE_NANOS;
    u32::try_from(minutes).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{date, datetime};

    /// `Asia/Shanghai` as a POSIX rule (no DST since 1991), so tests need no tz database.
    fn shanghai() -> TimeZone {
        TimeZone::posix("CST-8").unwrap()
    }

    /// `Europe/Berlin`'s current rule: DST from the last Sunday of March 02:00 to the last
    /// Sunday of October 03:00.
    fn berlin() -> TimeZone {
        TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap()
    }

    fn at(local: DateTime) -> Timestamp {
        ScheduleConfig::hall_defaults(shanghai())
            .to_instant(local)
            .unwrap()
    }

    /// Checks a session's start, end, window opening and window closing, as local times.
    #[track_caller]
    fn check_slot(date: Date, session: Session, season: Season, want: [(i8, i8); 4]) {
        let config = ScheduleConfig::hall_defaults(shanghai());
        let slot = config.slot(date, session, season).unwrap();
        let got = [slot.start, slot.end, slot.opens, slot.closes].map(|t| config.to_civil(t));
        assert_eq!(got, want.map(|(h, m)| date.at(h, m, 0, 0)));
    }

    #[test]
    fn slots_and_windows() {
        use Season::*;
        use Session::*;
        let d = date(2026, 1, 12);
        let s = date(2026, 7, 13);
        let rows = [
            // (date, session, season, [start, end, opens, closes])
            (d, Morning, Regular, [(8, 0), (11, 30), (6, 30), (12, 45)]),
            (d, Afternoon, Regular, [(14, 0), (17, 0), (12, 45), (20, 0)]),
            (s, Morning, Summer, [(8, 0), (11, 30), (6, 30), (13, 0)]),
            (
                s,
                Afternoon,
                Summer,
                [(14, 30), (17, 30), (13, 0), (20, 30)],
            ),
        ];
        for (date, session, season, want) in rows {
            check_slot(date, session, season, want);
        }
    }

    /// Checks the verdict on a punch at local `(h, m, s)` on a winter Monday.
    #[track_caller]
    fn check_judge(
        session: Session,
        role: PunchRole,
        (h, m, s): (i8, i8, i8),
        late_grace_mins: i64,
        want: Verdict,
    ) {
        let mut config = ScheduleConfig::hall_defaults(shanghai());
        config.late_grace = SignedDuration::from_mins(late_grace_mins);
        let d = date(2026, 1, 12);
        let slot = config.slot(d, session, Season::Regular).unwrap();
        assert_eq!(slot.judge(role, at(d.at(h, m, s, 0))), want);
    }

    #[test]
    fn verdicts() {
        use PunchRole::*;
        use Session::*;
        use Verdict::*;
        let rows = [
            // (session, role, local time, late grace in minutes, verdict)
            // exactly at the start is on time; one second later is late by one (rounded-up) minute
            (Morning, ClockIn, (8, 0, 0), 0, OnTime),
            (Morning, ClockIn, (8, 0, 1), 0, Late { minutes: 1 }),
            (Morning, ClockIn, (8, 3, 0), 0, Late { minutes: 3 }),
            (Morning, ClockIn, (8, 3, 0), 5, OnTime),
            // past the grace, minutes still count from the start
            (Morning, ClockIn, (8, 6, 0), 5, Late { minutes: 6 }),
            (Morning, ClockOut, (11, 29, 59), 0, Early { minutes: 1 }),
            (Morning, ClockOut, (11, 30, 0), 0, OnTime),
            // overtime (延时服务) is never a fault
            (Afternoon, ClockOut, (19, 59, 0), 0, OnTime),
            (Afternoon, ClockIn, (12, 50, 0), 0, OnTime),
        ];
        for (session, role, local, late_grace_mins, want) in rows {
            check_judge(session, role, local, late_grace_mins, want);
        }
    }

    #[test]
    fn nearer_point_and_window_edges() {
        let config = ScheduleConfig::hall_defaults(shanghai());
        let d = date(2026, 1, 12);
        let morning = config.slot(d, Session::Morning, Season::Regular).unwrap();
        let afternoon = config.slot(d, Session::Afternoon, Season::Regular).unwrap();
        let rows = [
            // (local time, in morning window, in afternoon window, nearer point in the morning)
            ((6, 29, 59), false, false, PunchRole::ClockIn),
            ((6, 30, 0), true, false, PunchRole::ClockIn),
            ((9, 45, 0), true, false, PunchRole::ClockIn),
            ((9, 45, 1), true, false, PunchRole::ClockOut),
            ((12, 44, 59), true, false, PunchRole::ClockOut),
            ((12, 45, 0), false, true, PunchRole::ClockOut),
            ((19, 59, 59), false, true, PunchRole::ClockOut),
            ((20, 0, 0), false, false, PunchRole::ClockOut),
        ];
        for ((h, m, s), in_morning, in_afternoon, nearer) in rows {
            let t = at(d.at(h, m, s, 0));
            assert_eq!(morning.contains(t), in_morning, "{h}:{m}:{s}");
            assert_eq!(afternoon.contains(t), in_afternoon, "{h}:{m}:{s}");
            assert_eq!(morning.nearer_point(t), nearer, "{h}:{m}:{s}");
        }
    }

    /// Checks the UTC instant of a Berlin local time under `policy`, or the error text.
    #[track_caller]
    fn check_dst(local: DateTime, policy: Disambiguation, want: Result<&str, String>) {
        let mut config = ScheduleConfig::hall_defaults(berlin());
        config.disambiguation = policy;
        let got = config
            .to_instant(local)
            .map(|t| t.to_string())
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map(str::to_string));
    }

    #[test]
    fn dst_gap_and_fold_follow_the_policy() {
        use Disambiguation::*;
        let gap = datetime(2026, 3, 29, 2, 30, 0, 0);
        let fold = datetime(2026, 10, 25, 2, 30, 0, 0);
        let summer = datetime(2026, 7, 13, 8, 0, 0, 0);
        let rows = [
            // (local time, policy, UTC instant)
            (gap, Compatible, "2026-03-29T01:30:00Z"),
            (gap, Earlier, "2026-03-29T00:30:00Z"),
            (gap, Later, "2026-03-29T01:30:00Z"),
            (fold, Compatible, "2026-10-25T00:30:00Z"),
            (fold, Earlier, "2026-10-25T00:30:00Z"),
            (fold, Later, "2026-10-25T01:30:00Z"),
            // an ordinary summer morning in Berlin: UTC+2
            (summer, Reject, "2026-07-13T06:00:00Z"),
        ];
        for (local, policy, want) in rows {
            check_dst(local, policy, Ok(want));
        }
        // The `reject` policy refuses both, saying which it is.
        for (local, what) in [(gap, "skipped (a gap)"), (fold, "repeated (a fold)")] {
            let want = format!(
                "local time {local} is {what} in zone (unnamed) and the policy is to reject it; \
                 expected a time outside a daylight-saving transition (hint: use the \
                 `compatible` policy)"
            );
            check_dst(local, Reject, Err(want));
        }
    }

    #[test]
    fn sessions_on_a_dst_change_day_keep_civil_hours() {
        // The window of a morning on the spring-forward Sunday opens at 06:30 CEST, i.e. 04:30Z.
        let config = ScheduleConfig::hall_defaults(berlin());
        let slot = config
            .slot(date(2026, 3, 29), Session::Morning, Season::Regular)
            .unwrap();
        assert_eq!(slot.opens.to_string(), "2026-03-29T04:30:00Z");
        assert_eq!(slot.start.to_string(), "2026-03-29T06:00:00Z");
    }

    #[test]
    fn validate_reports_bad_hours() {
        let ok = ScheduleConfig::hall_defaults(shanghai());
        assert!(ok.validate().is_ok());
        let mut backwards = ok.clone();
        backwards.morning.end = time(7, 0, 0, 0);
        assert_eq!(
            backwards.validate().unwrap_err().to_string(),
            "the morning starts at 08:00:00 and ends at 07:00:00; expected the start before the end"
        );
        let mut overlap = ok.clone();
        overlap.summer_afternoon.start = time(11, 0, 0, 0);
        assert_eq!(
            overlap.validate().unwrap_err().to_string(),
            "the morning ends at 11:30:00 but the summer afternoon starts at 11:00:00; \
             expected the morning to end before the afternoon starts"
        );
        let mut negative = ok;
        negative.late_grace = SignedDuration::from_mins(-1);
        assert_eq!(
            negative.validate().unwrap_err().to_string(),
            "late-grace is -PT1M; expected zero or more"
        );
    }
}

//! Helpers shared by the rules tests (`classify.rs` and `door.rs`): the hall's settings in a
//! zone that needs no tz database, hall-time instants, and renderings of results as short text
//! so that a table row reads like the spec. Test-only; no rule is decided here.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::Timestamp;

use super::{DayVerdict, Mark, MarkSource, RulesConfig, SessionOutcome};
use crate::ids::StaffId;
use crate::leave::LeaveId;
use crate::schedule::Verdict;

pub(super) fn config() -> RulesConfig {
    // `Asia/Shanghai` as a POSIX rule, so tests need no tz database.
    RulesConfig::hall_defaults(TimeZone::posix("CST-8").unwrap())
}

pub(super) fn staff(id: &str) -> StaffId {
    StaffId::new(id).unwrap()
}

/// `"07:52"` or `"08:00:01"` on `d`, hall time.
pub(super) fn local(d: Date, hms: &str) -> Timestamp {
    let t: Time = hms.parse().unwrap();
    config().schedule.to_instant(d.to_datetime(t)).unwrap()
}

pub(super) fn hms(at: Timestamp) -> String {
    let t = config().schedule.to_civil(at).time();
    if t.second() == 0 {
        t.strftime("%H:%M").to_string()
    } else {
        t.strftime("%H:%M:%S").to_string()
    }
}

pub(super) fn render_verdict(v: Verdict) -> String {
    match v {
        Verdict::OnTime => "ok".to_string(),
        Verdict::Late { minutes } => format!("late {minutes}"),
        Verdict::Early { minutes } => format!("early {minutes}"),
    }
}

pub(super) fn render_mark(mark: &Option<Mark>) -> String {
    let Some(m) = mark else {
        return "missing".to_string();
    };
    let source = match &m.source {
        MarkSource::Door {
            clock_trusted: true,
        } => String::new(),
        MarkSource::Door {
            clock_trusted: false,
        } => " (clock?)".to_string(),
        MarkSource::Amendment { author, reason } => format!(" (amended by {author}: {reason})"),
    };
    format!("{} {}{source}", hms(m.at), render_verdict(m.verdict))
}

pub(super) fn render_uncovered(leave: &Option<LeaveId>) -> String {
    leave.map_or(String::new(), |id| format!(" (leave {id} without cover)"))
}

pub(super) fn render_session(outcome: &SessionOutcome) -> String {
    match outcome {
        SessionOutcome::Pending { arrived: None } => "pending".to_string(),
        SessionOutcome::Pending { arrived: a } => format!("pending (in {})", render_mark(a)),
        SessionOutcome::OnLeave { leave, class } => format!("leave {class:?} {leave}"),
        SessionOutcome::Attended {
            clock_in,
            clock_out,
        } => {
            format!("{} / {}", render_mark(clock_in), render_mark(clock_out))
        }
        SessionOutcome::Missed { uncovered_leave } => {
            format!("missed{}", render_uncovered(uncovered_leave))
        }
        SessionOutcome::Absent { uncovered_leave } => {
            format!("absent{}", render_uncovered(uncovered_leave))
        }
    }
}

pub(super) fn render_day(verdict: &DayVerdict) -> String {
    match verdict {
        DayVerdict::NotEnrolled => "not enrolled".to_string(),
        DayVerdict::DayOff => "day off".to_string(),
        DayVerdict::Duty(outcome) => format!("duty {outcome:?}"),
        DayVerdict::Absent { uncovered_leave } => {
            format!("absent{}", render_uncovered(uncovered_leave))
        }
        DayVerdict::Working { morning, afternoon } => {
            format!(
                "am {}; pm {}",
                render_session(morning),
                render_session(afternoon)
            )
        }
    }
}

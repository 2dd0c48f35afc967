//! [`board`]: the supervisor's live board for one day (今日考勤): who is where in the session
//! that matters at `now`, and which window posts have neither A nor B in (断档) right now.
//!
//! It arranges what [`classify`](fn@super::classify) decided for the day; it judges no punch
//! itself. Pure: `now` and the facts are parameters.
//!
//! Decisions where the spec is silent:
//! - **Which session**: the afternoon from the opening of its punch window (the lunch break's
//!   midpoint, 12:45 in winter), the morning before.
//! - **Present for 断档**: a person with a punch in the session so far, late or not. Before the
//!   session's start no post is a gap yet.
//! - **Leave**: a person with no punch yet whose session is under covered leave is on leave
//!   from before the session (classify counts the leave only once the session has ended).

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::Timestamp;

use super::classify::{Attendance, DayVerdict, DutyOutcome, Mark, SessionOutcome};
use super::{RulesConfig, RulesError};
use crate::calendar::Calendar;
use crate::ids::StaffId;
use crate::leave::{self, Leave, LeaveBook, LeaveKind, Post};
use crate::schedule::Session;

/// Where one person is in the board's session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presence {
    /// Punched in the session. `clock_in` is `None` when the session's only punch counted as
    /// its clock-out (after the session ended).
    Arrived {
        clock_in: Option<Mark>,
        clock_out: Option<Mark>,
    },
    /// No punch yet; the session has not ended.
    NotYet,
    /// The session ended without a punch (缺卡).
    Missed,
    /// Absence (缺岗): the whole day, or this half day.
    Absent,
    /// On leave with a cover arranged (the B, or whoever covers).
    OnLeave { kind: LeaveKind, cover: StaffId },
    /// A day off on the duty roster (值班).
    Duty(DutyOutcome),
    /// A day off.
    DayOff,
}

/// One person on the board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardLine {
    pub staff: StaffId,
    /// In the board's session.
    pub presence: Presence,
    /// In the morning, when the board shows the afternoon of a working day.
    pub morning: Option<Presence>,
}

/// The board of one day at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub date: Date,
    pub working_day: bool,
    /// The session the board shows.
    pub session: Session,
    /// Whether that session has started.
    pub started: bool,
    /// Everyone judged that day, in the attendance's order (by staff id).
    pub lines: Vec<BoardLine>,
    /// Posts with neither A nor B present now (empty before the session starts).
    pub gaps: Vec<Post>,
}

/// What the board needs besides the day's attendance.
#[derive(Debug, Clone, Copy)]
pub struct BoardFacts<'a> {
    pub calendar: &'a Calendar,
    pub leaves: &'a LeaveBook,
    pub posts: &'a [Post],
}

/// The board of the day `now` falls on, from that day's [`Attendance`] (classified at `now`).
///
/// # Errors
/// [`RulesError::Schedule`] when the session times cannot be placed in the zone.
pub fn board(
    config: &RulesConfig,
    facts: BoardFacts<'_>,
    attendance: &Attendance,
    now: Timestamp,
) -> Result<Board, RulesError> {
    let schedule = &config.schedule;
    let date = schedule.to_civil(now).date();
    let season = facts.calendar.season(date);
    let afternoon = schedule.slot(date, Session::Afternoon, season)?;
    let (session, start) = if now >= afternoon.opens {
        (Session::Afternoon, afternoon.start)
    } else {
        let morning = schedule.slot(date, Session::Morning, season)?;
        (Session::Morning, morning.start)
    };
    let started = now >= start;
    let on_leave = |leave: &Leave| {
        leave.cover.clone().map(|cover| Presence::OnLeave {
            kind: leave.kind,
            cover,
        })
    };
    let presence_in = |staff: &StaffId, session: Session, outcome: &SessionOutcome| {
        // A covered leave is known before its session ends (when classify judges it).
        let leave_now = facts.leaves.find(staff, date, session).and_then(on_leave);
        match outcome {
            SessionOutcome::Pending { arrived: None } => leave_now.unwrap_or(Presence::NotYet),
            SessionOutcome::Pending { arrived } => Presence::Arrived {
                clock_in: arrived.clone(),
                clock_out: None,
            },
            SessionOutcome::Attended {
                clock_in,
                clock_out,
            } => Presence::Arrived {
                clock_in: clock_in.clone(),
                clock_out: clock_out.clone(),
            },
            SessionOutcome::OnLeave { .. } => leave_now.unwrap_or(Presence::Absent),
            SessionOutcome::Missed { .. } => Presence::Missed,
            SessionOutcome::Absent { .. } => Presence::Absent,
        }
    };
    let mut lines = Vec::new();
    for day in attendance.days.iter().filter(|d| d.date == date) {
        let (presence, morning) = match &day.verdict {
            DayVerdict::NotEnrolled => continue,
            DayVerdict::DayOff => (Presence::DayOff, None),
            DayVerdict::Duty(outcome) => (Presence::Duty(*outcome), None),
            DayVerdict::Absent { .. } => (Presence::Absent, None),
            DayVerdict::Working { morning, afternoon } => match session {
                Session::Morning => (presence_in(&day.staff, session, morning), None),
                Session::Afternoon => (
                    presence_in(&day.staff, session, afternoon),
                    Some(presence_in(&day.staff, Session::Morning, morning)),
                ),
            },
        };
        lines.push(BoardLine {
            staff: day.staff.clone(),
            presence,
            morning,
        });
    }
    let working_day = facts.calendar.is_working_day(date);
    let gaps = if working_day && started {
        let present: BTreeSet<StaffId> = lines
            .iter()
            .filter(|l| matches!(l.presence, Presence::Arrived { .. }))
            .map(|l| l.staff.clone())
            .collect();
        let ids: BTreeSet<_> = leave::gaps(facts.posts, &present).into_iter().collect();
        facts
            .posts
            .iter()
            .filter(|p| ids.contains(&p.id))
            .cloned()
            .collect()
    } else {
        Vec::new()
    };
    Ok(Board {
        date,
        working_day,
        session,
        started,
        lines,
        gaps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leave::test_post;
    use crate::rules::classify::{classify, Enrollment, Facts, Period};
    use crate::rules::testing::*;
    use crate::rules::Punch;
    use jiff::civil::date;

    /// The board on a winter Monday at `now` (hall time): 0001 to 0004 enrolled, `punches`
    /// (person, hall time), `posts` (id, A, B).
    fn board_at(punches: &[(&str, &str)], posts: &[(&str, &str, &str)], now: &str) -> Board {
        let d = date(2026, 1, 12);
        let people: Vec<Enrollment> = ["0001", "0002", "0003", "0004"]
            .iter()
            .map(|id| Enrollment {
                staff: staff(id),
                active_from: date(2020, 1, 1),
                active_until: None,
            })
            .collect();
        let calendar = Calendar::hall_defaults();
        let punches: Vec<Punch> = punches
            .iter()
            .map(|(id, t)| Punch {
                staff: staff(id),
                at: local(d, t),
                clock_trusted: true,
            })
            .collect();
        let facts = Facts {
            punches: &punches,
            ..Facts::new(&people, &calendar)
        };
        let now = local(d, now);
        let attendance = classify(&config(), &facts, Period { first: d, last: d }, now).unwrap();
        let leaves = LeaveBook::default();
        let posts: Vec<Post> = posts.iter().map(|(p, a, b)| test_post(p, a, b)).collect();
        let facts = BoardFacts {
            calendar: &calendar,
            leaves: &leaves,
            posts: &posts,
        };
        board(&config(), facts, &attendance, now).unwrap()
    }

    fn gap_ids(b: &Board) -> Vec<&str> {
        b.gaps.iter().map(|p| p.id.as_str()).collect()
    }

    /// At noon the morning has ended: no punch is 缺卡, not pending; from 12:45 (the afternoon's
    /// window) the board shows the afternoon, where nobody has come yet; before 14:00 it is no gap.
    #[test]
    fn after_the_morning() {
        let punches = [("0001", "07:50"), ("0001", "11:31")];
        let posts = [("W1", "0001", "0002")];
        let noon = board_at(&punches, &posts, "12:00");
        assert_eq!(noon.session, Session::Morning);
        assert_eq!(noon.lines[1].presence, Presence::Missed);
        assert!(noon.gaps.is_empty());
        let one = board_at(&punches, &posts, "13:00");
        assert_eq!((one.session, one.started), (Session::Afternoon, false));
        assert_eq!(one.lines[0].presence, Presence::NotYet);
        assert!(one.gaps.is_empty());
        let two = board_at(&punches, &posts, "14:05");
        assert_eq!(gap_ids(&two), ["W1"]);
        assert_eq!(two.lines[1].morning, Some(Presence::Missed));
        assert!(matches!(
            two.lines[0].morning,
            Some(Presence::Arrived { .. })
        ));
    }

    /// A winter Monday at 08:10: 0001 on time, 0002 late, 0003 not yet; post W1 (0003/0004)
    /// has neither in, post W2 (0001/0003) has its A.
    #[test]
    fn a_morning_at_ten_past_eight() {
        let b = board_at(
            &[("0001", "07:55"), ("0002", "08:07")],
            &[("W1", "0003", "0004"), ("W2", "0001", "0003")],
            "08:10",
        );
        assert_eq!(
            (b.session, b.started, b.working_day),
            (Session::Morning, true, true)
        );
        let shown: Vec<String> = b
            .lines
            .iter()
            .map(|l| match &l.presence {
                Presence::Arrived {
                    clock_in: Some(m), ..
                } => format!("{} {}", l.staff, render_verdict(m.verdict)),
                other => format!("{} {other:?}", l.staff),
            })
            .collect();
        assert_eq!(
            shown,
            ["0001 ok", "0002 late 7", "0003 NotYet", "0004 NotYet"]
        );
        assert_eq!(gap_ids(&b), ["W1"]);
    }
}

//! [`classify`]: the attendance facts of a period (punches, amendments, leave, duty, meetings,
//! enrolment dates) → one [`DayRecord`] per person and day, one [`MeetingRecord`] per invited
//! person and meeting, and the leaves left open. This is the record of truth; the door's readings
//! (`door.rs`) are provisional. Pure: `now` and every fact are parameters, nothing here reads the
//! clock, the store or a device, and nothing here keeps state between calls.
//!
//! Decisions where the spec (`attendance-rules.md` sections 2-6) is silent, besides the same-pass
//! rule in the module root:
//! - **Half-day absence**: a closed working day with no punch at all, where one session is on
//!   (covered) leave and the other is not, gives half a day of absence for the other session
//!   (5 points), not two missing punches. A day with punches in one session only gives missing
//!   clock-in and clock-out for the other (spec section 4): [`SessionOutcome::Missed`].
//! - **Judged when it ends**: a session whose end (its clock-out point, 11:30 for a winter
//!   morning) has not passed at `now` is [`SessionOutcome::Pending`], carrying the arrival so
//!   far; from its end it is judged on the facts known then, although its punch window stays
//!   open for late clock-outs (延时服务): a clock-out still missing is missing until it comes, and
//!   a clock-out that comes later changes the judgement. An ended session with no punch and no
//!   leave, while the other session of the day has not ended, is [`SessionOutcome::Missed`]
//!   (缺卡, 10 points, the same as the day of absence it becomes if the other session brings no
//!   punch either), or half a day of absence when the other session is on covered leave. Duty is
//!   judged when its last rostered session ends. (Before issue 12 a session was pending until its
//!   punch window closed, 20:00 for the afternoon; the spec says nothing of when to judge.)
//! - **Leave beats punches**: a session under covered leave is leave, even if the person punched.
//! - **Untrusted clocks**: `classify` judges punches whose clock was not trusted like the others
//!   (they are the only record) but flags them in [`MarkSource::Door`]; the door gives them no
//!   verdict.
//! - **Duty** (值班) on a day off is done if the person punched in the window of any rostered
//!   session, missed otherwise (5 points per roster entry); there is no late/early on duty. Roster
//!   entries on working days are ignored: the day is judged as a working day.
//! - **Meetings**: a sign-in after `start + meeting_late_grace` is late, none before `end` is
//!   missed; a person whose session at the meeting start is under covered leave is excused.
//! - **Open leave**: a leave whose last half day has closed at `now` and that was not closed (销假)
//!   is listed in [`Attendance::open_leaves`].

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;

use super::{Punch, RulesConfig, RulesError};
use crate::calendar::{Calendar, DutyRoster};
use crate::ids::StaffId;
use crate::leave::{HalfDay, Leave, LeaveBook, LeaveClass, LeaveId};
use crate::schedule::{whole_minutes_up, PunchRole, Session, SessionSlot, Verdict};
use crate::scoring::Tally;

/// A supervisor's correction of the punch record, kept as a fact of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amendment {
    /// Whose punches are corrected.
    pub staff: StaffId,
    /// What changes.
    pub correction: Correction,
    /// Why, as the supervisor wrote it.
    pub reason: String,
    /// The supervisor who made the correction.
    pub author: StaffId,
}

/// What an [`Amendment`] changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// A pass the door missed.
    AddPunch { at: Timestamp },
    /// A punch that should not count, named by its exact instant.
    VoidPunch { at: Timestamp },
}

/// A person on the attendance list from a date on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    /// The person.
    pub staff: StaffId,
    /// The first day the person is judged (e.g. enrolled mid-month).
    pub active_from: Date,
    /// The last day the person is judged (left the hall's list); `None`: still on it.
    pub active_until: Option<Date>,
}

impl Enrollment {
    /// Whether `date` is one of the person's days on the list.
    pub fn on_list(&self, date: Date) -> bool {
        date >= self.active_from && self.active_until.is_none_or(|last| date <= last)
    }
}

/// A centre meeting or study session (会议和学习活动).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// E.g. 月例会.
    pub title: String,
    /// A sign-in after this (plus grace) is late.
    pub start: Timestamp,
    /// No sign-in before this is a missed meeting.
    pub end: Timestamp,
    /// Who must attend.
    pub invited: Vec<StaffId>,
    /// The sign-in sheet (签到); a person's earliest sign-in counts.
    pub sign_ins: Vec<SignIn>,
}

/// Someone signing in at a meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// Who signed in.
    pub staff: StaffId,
    /// When.
    pub at: Timestamp,
}

/// Every fact [`classify`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub staff: &'a [Enrollment],
    pub calendar: &'a Calendar,
    pub roster: &'a DutyRoster,
    pub leaves: &'a LeaveBook,
    pub meetings: &'a [Meeting],
    pub punches: &'a [Punch],
    pub amendments: &'a [Amendment],
}

static NO_DUTY: DutyRoster = DutyRoster::new();
static NO_LEAVE: LeaveBook = LeaveBook::new();

impl<'a> Facts<'a> {
    /// The facts of a hall with these staff and this calendar, and nothing else yet: no duty,
    /// leave, meeting, punch or amendment (set the fields that have some).
    pub fn new(staff: &'a [Enrollment], calendar: &'a Calendar) -> Facts<'a> {
        Facts {
            staff,
            calendar,
            roster: &NO_DUTY,
            leaves: &NO_LEAVE,
            meetings: &[],
            punches: &[],
            amendments: &[],
        }
    }
}

/// The days to classify, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub first: Date,
    pub last: Date,
}

/// The result of [`classify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendance {
    /// One record per enrolled person per day of the period, by person then date.
    pub days: Vec<DayRecord>,
    /// One record per invited, enrolled person per meeting starting in the period.
    pub meetings: Vec<MeetingRecord>,
    /// Leaves that have ended by `now` but were never closed (销假).
    pub open_leaves: Vec<LeaveId>,
}

/// One person's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayRecord {
    pub staff: StaffId,
    pub date: Date,
    pub verdict: DayVerdict,
}

/// What one person's day was.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a month of records is a few thousand values; boxing would only make matching clumsier"
)]
pub enum DayVerdict {
    /// Outside the person's days on the list (before active-from, after active-until): not
    /// judged.
    NotEnrolled,
    /// A day off without duty.
    DayOff,
    /// A day off on the duty roster.
    Duty(DutyOutcome),
    /// A working day judged session by session.
    Working {
        morning: SessionOutcome,
        afternoon: SessionOutcome,
    },
    /// A working day with no punch and no covered leave in either session: one day of absence
    /// (10 points), not four missing punches. `uncovered_leave` names a leave that would have
    /// excused it had a cover been arranged.
    Absent { uncovered_leave: Option<LeaveId> },
}

/// One session of a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOutcome {
    /// Not judged yet: the session has not ended (see the module docs). `arrived` is the first
    /// punch in its window so far, judged as a clock-in (for the supervisor's live board).
    Pending { arrived: Option<Mark> },
    /// Under a leave with a cover arranged.
    OnLeave { leave: LeaveId, class: LeaveClass },
    /// Punched at least once. `None` is a missing mark, which counts as late (clock-in) or
    /// early (clock-out).
    Attended {
        clock_in: Option<Mark>,
        clock_out: Option<Mark>,
    },
    /// No punch here although the other session has some: missing clock-in and clock-out.
    Missed { uncovered_leave: Option<LeaveId> },
    /// Half a day of absence: no punch that day, the other session on leave.
    Absent { uncovered_leave: Option<LeaveId> },
}

/// A clock-in or clock-out that was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub at: Timestamp,
    pub verdict: Verdict,
    pub source: MarkSource,
}

/// Where a mark's punch came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkSource {
    /// The door.
    Door { clock_trusted: bool },
    /// A supervisor's [`Correction::AddPunch`].
    Amendment { author: StaffId, reason: String },
}

/// A duty day's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyOutcome {
    Pending,
    Done,
    Missed,
}

/// One person at one meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRecord {
    pub title: String,
    pub start: Timestamp,
    pub staff: StaffId,
    pub outcome: MeetingOutcome,
}

/// How one person did at one meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingOutcome {
    /// The meeting has not ended and the person has not signed in.
    Pending,
    OnTime,
    Late {
        minutes: u32,
    },
    Missed,
    /// On covered leave at the meeting's start.
    Excused {
        leave: LeaveId,
    },
}

/// A punch after amendments and de-duplication.
#[derive(Debug, Clone)]
struct Pass {
    at: Timestamp,
    source: MarkSource,
}

/// Classifies every enrolled person's days in `period` as of `now`.
///
/// # Errors
/// [`RulesError::BackwardsPeriod`] when the period runs backwards, [`RulesError::NothingToVoid`]
/// when an amendment voids a punch that does not exist, [`RulesError::Schedule`] when a session
/// time cannot be resolved in the zone (only with [`jiff::tz::Disambiguation::Reject`]).
pub fn classify(
    config: &RulesConfig,
    facts: &Facts<'_>,
    period: Period,
    now: Timestamp,
) -> Result<Attendance, RulesError> {
    if period.first > period.last {
        return Err(RulesError::BackwardsPeriod {
            first: period.first,
            last: period.last,
        });
    }
    let passes = passes_by_staff(config, facts)?;
    let no_passes = Vec::new();
    let mut days = Vec::new();
    for enrollment in facts.staff {
        let staff = &enrollment.staff;
        let passes = passes.get(staff).unwrap_or(&no_passes);
        let mut date = period.first;
        while date <= period.last {
            let verdict = if !enrollment.on_list(date) {
                DayVerdict::NotEnrolled
            } else if facts.calendar.is_working_day(date) {
                judge_working_day(config, facts, staff, passes, date, now)?
            } else if let Some(sessions) = facts.roster.duty_of(staff, date) {
                let season = facts.calendar.season(date);
                let mut slots = Vec::new();
                for session in Session::BOTH.into_iter().filter(|&s| sessions.contains(s)) {
                    slots.push(config.schedule.slot(date, session, season)?);
                }
                DayVerdict::Duty(judge_duty(&slots, passes, now))
            } else {
                DayVerdict::DayOff
            };
            days.push(DayRecord {
                staff: staff.clone(),
                date,
                verdict,
            });
            match date.tomorrow() {
                Ok(next) => date = next,
                Err(_) => break,
            }
        }
    }
    let meetings = judge_meetings(config, facts, period, now)?;
    let mut open_leaves = Vec::new();
    for leave in facts.leaves.leaves() {
        if leave.closed_at.is_none() && half_day_closed(config, facts.calendar, leave.last, now)? {
            open_leaves.push(leave.id);
        }
    }
    Ok(Attendance {
        days,
        meetings,
        open_leaves,
    })
}

impl Attendance {
    /// The counts `staff`'s records add up to, for [`crate::scoring::ScoringConfig::score`].
    /// Pending sessions, duties and meetings count nothing.
    pub fn tally(&self, staff: &StaffId) -> Tally {
        let mut tally = Tally::default();
        for day in self.days.iter().filter(|d| &d.staff == staff) {
            match &day.verdict {
                DayVerdict::NotEnrolled | DayVerdict::DayOff => {}
                DayVerdict::Duty(outcome) => {
                    tally.duties_missed += u32::from(*outcome == DutyOutcome::Missed);
                }
                DayVerdict::Absent { .. } => tally.absence_half_days += 2,
                DayVerdict::Working { morning, afternoon } => {
                    for outcome in [morning, afternoon] {
                        tally_session(&mut tally, outcome);
                    }
                }
            }
        }
        for meeting in self.meetings.iter().filter(|m| &m.staff == staff) {
            match meeting.outcome {
                MeetingOutcome::Late { .. } => tally.meetings_late += 1,
                MeetingOutcome::Missed => tally.meetings_missed += 1,
                MeetingOutcome::Pending
                | MeetingOutcome::OnTime
                | MeetingOutcome::Excused { .. } => {}
            }
        }
        tally
    }
}

fn tally_session(tally: &mut Tally, outcome: &SessionOutcome) {
    match outcome {
        SessionOutcome::Pending { .. } => {}
        SessionOutcome::OnLeave { class, .. } => match class {
            LeaveClass::Public => tally.public_leave_half_days += 1,
            LeaveClass::Private => tally.private_leave_half_days += 1,
        },
        SessionOutcome::Attended {
            clock_in,
            clock_out,
        } => {
            for mark in [clock_in, clock_out] {
                let fault = match mark {
                    None => true,
                    Some(m) => m.verdict != Verdict::OnTime,
                };
                tally.late_or_early += u32::from(fault);
            }
        }
        SessionOutcome::Missed { .. } => tally.late_or_early += 2,
        SessionOutcome::Absent { .. } => tally.absence_half_days += 1,
    }
}

/// Door punches plus amendments, per person, sorted and de-duplicated.
fn passes_by_staff(
    config: &RulesConfig,
    facts: &Facts<'_>,
) -> Result<BTreeMap<StaffId, Vec<Pass>>, RulesError> {
    let mut all: BTreeMap<StaffId, Vec<Pass>> = BTreeMap::new();
    for punch in facts.punches {
        all.entry(punch.staff.clone()).or_default().push(Pass {
            at: punch.at,
            source: MarkSource::Door {
                clock_trusted: punch.clock_trusted,
            },
        });
    }
    for amendment in facts.amendments {
        let passes = all.entry(amendment.staff.clone()).or_default();
        match amendment.correction {
            Correction::AddPunch { at } => passes.push(Pass {
                at,
                source: MarkSource::Amendment {
                    author: amendment.author.clone(),
                    reason: amendment.reason.clone(),
                },
            }),
            Correction::VoidPunch { at } => match passes.iter().position(|p| p.at == at) {
                Some(index) => {
                    passes.remove(index);
                }
                None => {
                    return Err(RulesError::NothingToVoid {
                        staff: amendment.staff.clone(),
                        at,
                        author: amendment.author.clone(),
                    })
                }
            },
        }
    }
    for passes in all.values_mut() {
        passes.sort_by_key(|p| p.at);
        let mut kept: Vec<Pass> = Vec::with_capacity(passes.len());
        for pass in passes.drain(..) {
            let same_pass = kept
                .last()
                .is_some_and(|last| pass.at.duration_since(last.at) < config.same_pass_within);
            if !same_pass {
                kept.push(pass);
            }
        }
        *passes = kept;
    }
    Ok(all)
}

fn in_window<'p>(slot: &SessionSlot, passes: &'p [Pass]) -> &'p [Pass] {
    let from = passes.partition_point(|p| p.at < slot.opens);
    let to = passes.partition_point(|p| p.at < slot.closes);
    &passes[from..to]
}

fn judge_working_day(
    config: &RulesConfig,
    facts: &Facts<'_>,
    staff: &StaffId,
    passes: &[Pass],
    date: Date,
    now: Timestamp,
) -> Result<DayVerdict, RulesError> {
    struct Probe<'a> {
        slot: SessionSlot,
        passes: &'a [Pass],
        leave: Option<&'a Leave>,
    }
    let season = facts.calendar.season(date);
    let mut probes = Vec::with_capacity(2);
    for session in Session::BOTH {
        let slot = config.schedule.slot(date, session, season)?;
        probes.push(Probe {
            passes: in_window(&slot, passes),
            leave: facts.leaves.find(staff, date, session),
            slot,
        });
    }
    fn covered<'a>(p: &Probe<'a>) -> Option<&'a Leave> {
        p.leave.filter(|l| l.is_covered())
    }
    let uncovered = |p: &Probe<'_>| p.leave.filter(|l| !l.is_covered()).map(|l| l.id);
    let ended = |p: &Probe<'_>| p.slot.has_ended_at(now);
    let all_ended = probes.iter().all(ended);
    let any_punch = probes.iter().any(|p| !p.passes.is_empty());
    if all_ended && !any_punch && probes.iter().all(|p| covered(p).is_none()) {
        return Ok(DayVerdict::Absent {
            uncovered_leave: probes.iter().find_map(uncovered),
        });
    }
    let other_covered = |p: &Probe<'_>| {
        probes
            .iter()
            .any(|o| o.slot.session != p.slot.session && covered(o).is_some())
    };
    let outcome = |p: &Probe<'_>| {
        if !ended(p) {
            SessionOutcome::Pending {
                arrived: p.passes.first().map(|first| Mark {
                    at: first.at,
                    verdict: p.slot.judge(PunchRole::ClockIn, first.at),
                    source: first.source.clone(),
                }),
            }
        } else if let Some(leave) = covered(p) {
            SessionOutcome::OnLeave {
                leave: leave.id,
                class: config.leave.class_of(leave.kind),
            }
        } else if !p.passes.is_empty() {
            judge_session(&p.slot, p.passes)
        } else if any_punch || !other_covered(p) {
            SessionOutcome::Missed {
                uncovered_leave: uncovered(p),
            }
        } else {
            SessionOutcome::Absent {
                uncovered_leave: uncovered(p),
            }
        }
    };
    Ok(DayVerdict::Working {
        morning: outcome(&probes[0]),
        afternoon: outcome(&probes[1]),
    })
}

/// First pass is the clock-in, last the clock-out; a single pass counts for the nearer point.
fn judge_session(slot: &SessionSlot, passes: &[Pass]) -> SessionOutcome {
    let mark = |pass: &Pass, role: PunchRole| Mark {
        at: pass.at,
        verdict: slot.judge(role, pass.at),
        source: pass.source.clone(),
    };
    match passes {
        [] => SessionOutcome::Attended {
            clock_in: None,
            clock_out: None,
        },
        [only] => match slot.nearer_point(only.at) {
            PunchRole::ClockIn => SessionOutcome::Attended {
                clock_in: Some(mark(only, PunchRole::ClockIn)),
                clock_out: None,
            },
            PunchRole::ClockOut => SessionOutcome::Attended {
                clock_in: None,
                clock_out: Some(mark(only, PunchRole::ClockOut)),
            },
        },
        [first, .., last] => SessionOutcome::Attended {
            clock_in: Some(mark(first, PunchRole::ClockIn)),
            clock_out: Some(mark(last, PunchRole::ClockOut)),
        },
    }
}

fn judge_duty(slots: &[SessionSlot], passes: &[Pass], now: Timestamp) -> DutyOutcome {
    if slots.iter().any(|s| !in_window(s, passes).is_empty()) {
        DutyOutcome::Done
    } else if slots.iter().all(|s| s.has_ended_at(now)) {
        DutyOutcome::Missed
    } else {
        DutyOutcome::Pending
    }
}

fn judge_meetings(
    config: &RulesConfig,
    facts: &Facts<'_>,
    period: Period,
    now: Timestamp,
) -> Result<Vec<MeetingRecord>, RulesError> {
    let schedule = &config.schedule;
    let mut records = Vec::new();
    for meeting in facts.meetings {
        let date = schedule.to_civil(meeting.start).date();
        if date < period.first || date > period.last {
            continue;
        }
        let season = facts.calendar.season(date);
        let mut session_at_start = None;
        for session in Session::BOTH {
            if schedule
                .slot(date, session, season)?
                .contains(meeting.start)
            {
                session_at_start = Some(session);
            }
        }
        for staff in &meeting.invited {
            let enrolled = facts
                .staff
                .iter()
                .any(|e| &e.staff == staff && e.on_list(date));
            if !enrolled {
                continue;
            }
            let excuse = session_at_start
                .and_then(|s| facts.leaves.find(staff, date, s))
                .filter(|l| l.is_covered());
            let sign_in = meeting
                .sign_ins
                .iter()
                .filter(|s| &s.staff == staff && s.at < meeting.end)
                .map(|s| s.at)
                .min();
            let outcome = match (excuse, sign_in) {
                (Some(leave), _) => MeetingOutcome::Excused { leave: leave.id },
                (None, Some(at)) if at > meeting.start + config.meeting_late_grace => {
                    MeetingOutcome::Late {
                        minutes: whole_minutes_up(at.duration_since(meeting.start)),
                    }
                }
                (None, Some(_)) => MeetingOutcome::OnTime,
                (None, None) if now >= meeting.end => MeetingOutcome::Missed,
                (None, None) => MeetingOutcome::Pending,
            };
            records.push(MeetingRecord {
                title: meeting.title.clone(),
                start: meeting.start,
                staff: staff.clone(),
                outcome,
            });
        }
    }
    Ok(records)
}

fn half_day_closed(
    config: &RulesConfig,
    calendar: &Calendar,
    half_day: HalfDay,
    now: Timestamp,
) -> Result<bool, RulesError> {
    let season = calendar.season(half_day.date);
    let slot = config
        .schedule
        .slot(half_day.date, half_day.session, season)?;
    Ok(slot.is_closed_at(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DutyEntry;
    use crate::leave::LeaveKind;
    use crate::rules::testing::*;
    use crate::schedule::Sessions;
    use crate::scoring::ScoringConfig;
    use jiff::civil::date;

    // -----------------------------------------------------------------------------------------
    // classify, one person, one day

    struct DayCase {
        date: Date,
        holiday_file: &'static str,
        /// Local times; a trailing `?` marks an untrusted clock.
        punches: &'static [&'static str],
        leave: Option<(LeaveKind, Sessions, bool)>,
        duty: Option<Sessions>,
        /// `("+", time)` adds a punch, `("-", time)` voids one.
        amendments: &'static [(&'static str, &'static str)],
        /// Local time on the day; `None` means a week later.
        now: Option<&'static str>,
        want: &'static str,
        deducted: &'static str,
    }

    fn day(date: Date, punches: &'static [&'static str]) -> DayCase {
        DayCase {
            date,
            holiday_file: "",
            punches,
            leave: None,
            duty: None,
            amendments: &[],
            now: None,
            want: "",
            deducted: "",
        }
    }

    impl DayCase {
        fn file(self, holiday_file: &'static str) -> Self {
            DayCase {
                holiday_file,
                ..self
            }
        }
        fn leave(self, kind: LeaveKind, sessions: Sessions, covered: bool) -> Self {
            DayCase {
                leave: Some((kind, sessions, covered)),
                ..self
            }
        }
        fn duty(self, sessions: Sessions) -> Self {
            DayCase {
                duty: Some(sessions),
                ..self
            }
        }
        fn amend(self, amendments: &'static [(&'static str, &'static str)]) -> Self {
            DayCase { amendments, ..self }
        }
        fn now(self, now: &'static str) -> Self {
            DayCase {
                now: Some(now),
                ..self
            }
        }
        fn want(self, want: &'static str, deducted: &'static str) -> Self {
            DayCase {
                want,
                deducted,
                ..self
            }
        }
    }

    #[track_caller]
    fn check_day(case: DayCase) {
        let who = staff("0001");
        let mut calendar = Calendar::hall_defaults();
        calendar.add_holiday_file(case.holiday_file).unwrap();
        let mut roster = DutyRoster::new();
        if let Some(sessions) = case.duty {
            roster.add(DutyEntry {
                staff: who.clone(),
                date: case.date,
                sessions,
            });
        }
        let mut leaves = LeaveBook::new();
        if let Some((kind, sessions, covered)) = case.leave {
            let (first, last) = match sessions {
                Sessions::Morning => (Session::Morning, Session::Morning),
                Sessions::Afternoon => (Session::Afternoon, Session::Afternoon),
                Sessions::Both => (Session::Morning, Session::Afternoon),
            };
            leaves
                .add(Leave {
                    id: LeaveId(1),
                    staff: who.clone(),
                    kind,
                    first: HalfDay {
                        date: case.date,
                        session: first,
                    },
                    last: HalfDay {
                        date: case.date,
                        session: last,
                    },
                    cover: covered.then(|| staff("0002")),
                    closed_at: None,
                })
                .unwrap();
        }
        let punches: Vec<Punch> = case
            .punches
            .iter()
            .map(|p| Punch {
                staff: who.clone(),
                at: local(case.date, p.trim_end_matches('?')),
                clock_trusted: !p.ends_with('?'),
            })
            .collect();
        let amendments: Vec<Amendment> = case
            .amendments
            .iter()
            .map(|(op, t)| Amendment {
                staff: who.clone(),
                correction: match *op {
                    "+" => Correction::AddPunch {
                        at: local(case.date, t),
                    },
                    _ => Correction::VoidPunch {
                        at: local(case.date, t),
                    },
                },
                reason: "door missed".to_string(),
                author: staff("0900"),
            })
            .collect();
        let enrollment = [Enrollment {
            staff: who.clone(),
            active_from: date(2026, 1, 1),
            active_until: None,
        }];
        let facts = Facts {
            roster: &roster,
            leaves: &leaves,
            punches: &punches,
            amendments: &amendments,
            ..Facts::new(&enrollment, &calendar)
        };
        let now = match case.now {
            Some(t) => local(case.date, t),
            None => local(
                case.date.checked_add(jiff::Span::new().days(7)).unwrap(),
                "00:00",
            ),
        };
        let period = Period {
            first: case.date,
            last: case.date,
        };
        let attendance = classify(&config(), &facts, period, now).unwrap();
        assert_eq!(attendance.days.len(), 1);
        let got = render_day(&attendance.days[0].verdict);
        let score = ScoringConfig::hall_defaults().score(&attendance.tally(&who));
        assert_eq!(
            (got.as_str(), score.deducted.to_string().as_str()),
            (case.want, case.deducted),
            "{} {:?}",
            case.date,
            case.punches
        );
    }

    /// Spec section 8, every row. Winter: Monday 12 January 2026; summer: Monday 13 July 2026.
    #[test]
    fn spec_worked_examples() {
        use LeaveKind::*;
        let winter = date(2026, 1, 12);
        let july = date(2026, 7, 13);
        let saturday = date(2026, 1, 17);
        let rows = [
            day(winter, &["07:52", "11:31", "13:58", "17:02"])
                .want("am 07:52 ok / 11:31 ok; pm 13:58 ok / 17:02 ok", "0"),
            day(winter, &["08:03", "11:31", "13:58", "17:02"])
                .want("am 08:03 late 3 / 11:31 ok; pm 13:58 ok / 17:02 ok", "5"),
            day(winter, &["07:52", "13:58", "17:02"])
                .want("am 07:52 ok / missing; pm 13:58 ok / 17:02 ok", "5"),
            day(july, &["07:59", "11:30", "14:10", "17:31"])
                .want("am 07:59 ok / 11:30 ok; pm 14:10 ok / 17:31 ok", "0"),
            day(july, &["07:59", "11:30", "14:31", "17:20"]).want(
                "am 07:59 ok / 11:30 ok; pm 14:31 late 1 / 17:20 early 10",
                "10",
            ),
            day(winter, &[]).want("absent", "10"),
            day(winter, &[])
                .leave(Personal, Sessions::Both, true)
                .want("am leave Private #1; pm leave Private #1", "5"),
            day(winter, &[])
                .leave(Personal, Sessions::Both, false)
                .want("absent (leave #1 without cover)", "10"),
            day(winter, &["13:55", "17:00"])
                .leave(OfficialErrand, Sessions::Morning, true)
                .want("am leave Public #1; pm 13:55 ok / 17:00 ok", "1.5"),
            day(saturday, &[])
                .duty(Sessions::Both)
                .want("duty Missed", "5"),
            day(saturday, &[])
                .file("2026-01-17 workday 调休")
                .want("absent", "10"),
            day(winter, &["10:00", "13:58", "17:02"])
                .want("am missing / 10:00 early 90; pm 13:58 ok / 17:02 ok", "10"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn calendar_and_season_edges() {
        let rows = [
            // last day before summer: afternoon 14:00-17:00
            day(date(2026, 4, 30), &["07:55", "11:30", "14:10", "17:00"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 late 10 / 17:00 ok", "5"),
            // first day of summer: afternoon 14:30-17:30
            day(date(2026, 5, 1), &["07:55", "11:30", "14:10", "17:00"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 ok / 17:00 early 30", "5"),
            // last day of summer
            day(date(2026, 9, 30), &["07:55", "11:30", "14:10", "17:30"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 ok / 17:30 ok", "0"),
            // first day after summer: 17:00 is the end again
            day(date(2026, 10, 1), &["07:55", "11:30", "14:10", "17:00"])
                .want("am 07:55 ok / 11:30 ok; pm 14:10 late 10 / 17:00 ok", "5"),
            // a holiday on a Thursday: nothing is judged, even punches
            day(date(2026, 10, 1), &["09:00"])
                .file("2026-10-01 holiday 国庆节")
                .want("day off", "0"),
            day(date(2026, 10, 1), &[])
                .file("2026-10-01 holiday 国庆节")
                .want("day off", "0"),
            // an ordinary Saturday
            day(date(2026, 10, 3), &[]).want("day off", "0"),
            // a make-up Sunday worked normally (27 Sep is still summer)
            day(date(2026, 9, 27), &["07:55", "11:30", "14:25", "17:30"])
                .file("2026-09-27 workday 调休")
                .want("am 07:55 ok / 11:30 ok; pm 14:25 ok / 17:30 ok", "0"),
            // a roster entry on a working day is ignored: judged as a working day
            day(date(2026, 1, 12), &[])
                .duty(Sessions::Both)
                .want("absent", "10"),
            // duty done on a Saturday, any punch in a rostered window
            day(date(2026, 1, 17), &["09:10"])
                .duty(Sessions::Morning)
                .want("duty Done", "0"),
            // a punch in the afternoon does not fulfil a morning duty
            day(date(2026, 1, 17), &["15:00"])
                .duty(Sessions::Morning)
                .want("duty Missed", "5"),
            day(date(2026, 1, 17), &[])
                .duty(Sessions::Both)
                .now("16:00")
                .want("duty Pending", "0"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn punch_edges() {
        let d = date(2026, 1, 12);
        let s = date(2026, 7, 13);
        let rows = [
            // exactly at the start is on time; one second late is one minute late (rounded up)
            day(d, &["08:00:00", "11:30", "14:00:00", "17:00"])
                .want("am 08:00 ok / 11:30 ok; pm 14:00 ok / 17:00 ok", "0"),
            day(d, &["08:00:01", "11:30", "13:59:59", "17:00"]).want(
                "am 08:00:01 late 1 / 11:30 ok; pm 13:59:59 ok / 17:00 ok",
                "5",
            ),
            // overtime is never a fault; 20:00 is outside the window, 19:59 inside
            day(d, &["07:55", "11:30", "13:55", "19:59", "20:00"])
                .want("am 07:55 ok / 11:30 ok; pm 13:55 ok / 19:59 ok", "0"),
            // lunch gap, winter: the cut is 12:45; 12:44 is the morning's, 12:45 the afternoon's
            day(d, &["07:55", "12:44", "12:45", "17:00"])
                .want("am 07:55 ok / 12:44 ok; pm 12:45 ok / 17:00 ok", "0"),
            // lunch gap, summer: the cut is 13:00
            day(s, &["07:55", "12:59", "13:00", "17:30"])
                .want("am 07:55 ok / 12:59 ok; pm 13:00 ok / 17:30 ok", "0"),
            // a lone lunch punch at 12:30 is the morning's clock-out; the afternoon misses its clock-in
            day(d, &["07:55", "12:30", "17:00"])
                .want("am 07:55 ok / 12:30 ok; pm missing / 17:00 ok", "5"),
            // before the morning window (06:30) nothing counts
            day(d, &["06:29", "11:30", "13:55", "17:00"])
                .want("am missing / 11:30 ok; pm 13:55 ok / 17:00 ok", "5"),
            // same pass: 08:00:20 is 30 s after 07:59:50, so the morning has one punch
            day(d, &["07:59:50", "08:00:20", "13:55", "17:00"])
                .want("am 07:59:50 ok / missing; pm 13:55 ok / 17:00 ok", "5"),
            // ... and it does not slide: 07:59:50, 08:00:40 (50 s after the last seen), 08:00:50
            // (60 s after the kept one) is two passes
            day(d, &["07:59:50", "08:00:40", "08:00:50", "13:55", "17:00"]).want(
                "am 07:59:50 ok / 08:00:50 early 210; pm 13:55 ok / 17:00 ok",
                "5",
            ),
            // untrusted clock: judged, flagged
            day(d, &["07:55?", "11:30", "13:55", "17:00"]).want(
                "am 07:55 ok (clock?) / 11:30 ok; pm 13:55 ok / 17:00 ok",
                "0",
            ),
            // punches in one session only: the other's points are missing, not absence
            day(d, &["07:55", "11:30"]).want("am 07:55 ok / 11:30 ok; pm missed", "10"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn leave_edges() {
        use LeaveKind::*;
        let d = date(2026, 1, 12);
        let rows = [
            // morning official leave, afternoon worked: -1.5
            day(d, &["13:55", "17:00"])
                .leave(OfficialDuty, Sessions::Morning, true)
                .want("am leave Public #1; pm 13:55 ok / 17:00 ok", "1.5"),
            // afternoon private leave: -2.5
            day(d, &["07:55", "11:30"])
                .leave(Sick, Sessions::Afternoon, true)
                .want("am 07:55 ok / 11:30 ok; pm leave Private #1", "2.5"),
            // morning leave and no punch in the afternoon: half a day of absence
            day(d, &[])
                .leave(OfficialErrand, Sessions::Morning, true)
                .want("am leave Public #1; pm absent", "6.5"),
            // morning leave without cover, afternoon worked: the morning is missed (5 + 5)
            day(d, &["13:55", "17:00"])
                .leave(Personal, Sessions::Morning, false)
                .want(
                    "am missed (leave #1 without cover); pm 13:55 ok / 17:00 ok",
                    "10",
                ),
            // leave beats punches
            day(d, &["07:55", "11:30", "13:55", "17:00"])
                .leave(Annual, Sessions::Both, true)
                .want("am leave Public #1; pm leave Public #1", "3"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn days_in_progress() {
        let d = date(2026, 1, 12);
        let rows = [
            // mid-afternoon: the morning is judged, the afternoon pending with its arrival
            day(d, &["07:55", "11:35", "13:58"])
                .now("15:00")
                .want("am 07:55 ok / 11:35 ok; pm pending (in 13:58 ok)", "0"),
            // 16:59:59: the afternoon has not ended
            day(d, &["07:55", "11:35", "13:58"])
                .now("16:59:59")
                .want("am 07:55 ok / 11:35 ok; pm pending (in 13:58 ok)", "0"),
            // 17:00: it ended; the clock-out is missing until it comes (issue 12)
            day(d, &["07:55", "11:35", "13:58"])
                .now("17:00")
                .want("am 07:55 ok / 11:35 ok; pm 13:58 ok / missing", "5"),
            // ... and a clock-out after the end (延时服务) mends it
            day(d, &["07:55", "11:35", "13:58", "17:40"])
                .now("19:00")
                .want("am 07:55 ok / 11:35 ok; pm 13:58 ok / 17:40 ok", "0"),
            // mid-morning, nothing yet; a late arrival so far
            day(d, &[]).now("10:00").want("am pending; pm pending", "0"),
            day(d, &["08:10"])
                .now("08:10")
                .want("am pending (in 08:10 late 10); pm pending", "0"),
            // 11:30, no morning punch: judged at the session's end, 缺卡 (issue 12)
            day(d, &[])
                .now("11:29:59")
                .want("am pending; pm pending", "0"),
            day(d, &[]).now("11:30").want("am missed; pm pending", "10"),
            day(d, &[]).now("13:00").want("am missed; pm pending", "10"),
            // the afternoon comes: still missed, the same 10 points
            day(d, &["13:58"])
                .now("15:00")
                .want("am missed; pm pending (in 13:58 ok)", "10"),
            // the afternoon on covered leave: the empty morning is half a day of absence at once
            day(d, &[])
                .leave(LeaveKind::Personal, Sessions::Afternoon, true)
                .now("12:00")
                .want("am absent; pm pending", "5"),
            // nobody all day: one day of absence from 17:00
            day(d, &[]).now("17:00").want("absent", "10"),
            day(d, &[]).now("20:00").want("absent", "10"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn amendments_are_separate_facts() {
        let d = date(2026, 1, 12);
        let rows = [
            // the supervisor adds the missing morning clock-out
            day(d, &["07:52", "13:58", "17:02"])
                .amend(&[("+", "11:30")])
                .want(
                    "am 07:52 ok / 11:30 ok (amended by 0900: door missed); pm 13:58 ok / 17:02 ok",
                    "0",
                ),
            // void a wrong punch and put the right one
            day(d, &["08:03", "11:31", "13:58", "17:02"])
                .amend(&[("-", "08:03"), ("+", "07:58")])
                .want(
                    "am 07:58 ok (amended by 0900: door missed) / 11:31 ok; pm 13:58 ok / 17:02 ok",
                    "0",
                ),
            // void only: the morning is left with one punch nearer the end
            day(d, &["08:03", "11:31", "13:58", "17:02"])
                .amend(&[("-", "08:03")])
                .want("am missing / 11:31 ok; pm 13:58 ok / 17:02 ok", "5"),
        ];
        for row in rows {
            check_day(row);
        }
    }

    #[test]
    fn voiding_a_missing_punch_is_an_error() {
        let calendar = Calendar::hall_defaults();
        let d = date(2026, 1, 12);
        let enrollment = [Enrollment {
            staff: staff("0001"),
            active_from: d,
            active_until: None,
        }];
        let amendment = [Amendment {
            staff: staff("0001"),
            correction: Correction::VoidPunch {
                at: local(d, "08:03"),
            },
            reason: "double".to_string(),
            author: staff("0900"),
        }];
        let facts = Facts {
            amendments: &amendment,
            ..Facts::new(&enrollment, &calendar)
        };
        let period = Period { first: d, last: d };
        let err = classify(&config(), &facts, period, local(d, "21:00")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "amendment by 0900 voids a punch of 0001 at 2026-01-12T00:03:00Z, but there is none; \
             expected the exact instant of an existing punch"
        );
        let backwards = Period {
            first: d,
            last: date(2026, 1, 11),
        };
        assert_eq!(
            classify(&config(), &facts, backwards, local(d, "21:00"))
                .unwrap_err()
                .to_string(),
            "period from 2026-01-12 to 2026-01-11: expected the first day on or before the last"
        );
    }

    /// `facts` classified from Monday 12 January 2026 to the `last` day of that month, as of the
    /// month's end: the attendance and each day as `DATE verdict`.
    fn days_12_to(facts: &Facts<'_>, last: i8) -> (Attendance, Vec<String>) {
        let period = Period {
            first: date(2026, 1, 12),
            last: date(2026, 1, last),
        };
        let attendance =
            classify(&config(), facts, period, local(date(2026, 1, 31), "00:00")).unwrap();
        let got = attendance
            .days
            .iter()
            .map(|d| format!("{} {}", d.date, render_day(&d.verdict)))
            .collect();
        (attendance, got)
    }

    #[test]
    fn enrolled_mid_month() {
        let calendar = Calendar::hall_defaults();
        let who = staff("0001");
        let enrollment = [Enrollment {
            staff: who.clone(),
            active_from: date(2026, 1, 14),
            active_until: None,
        }];
        // Monday 12 to Sunday 18 January; punches on the 13th (before enrolment) do not count
        let punches = [Punch {
            staff: who.clone(),
            at: local(date(2026, 1, 13), "08:30"),
            clock_trusted: true,
        }];
        let facts = Facts {
            punches: &punches,
            ..Facts::new(&enrollment, &calendar)
        };
        let (attendance, got) = days_12_to(&facts, 18);
        assert_eq!(
            got,
            [
                "2026-01-12 not enrolled",
                "2026-01-13 not enrolled",
                "2026-01-14 absent",
                "2026-01-15 absent",
                "2026-01-16 absent",
                "2026-01-17 day off",
                "2026-01-18 day off",
            ]
        );
        let score = ScoringConfig::hall_defaults().score(&attendance.tally(&who));
        assert_eq!(
            (score.deducted.to_string(), score.score.to_string()),
            ("30".into(), "0".into())
        );
    }

    #[test]
    fn off_the_list_after_the_last_day() {
        let calendar = Calendar::hall_defaults();
        let who = staff("0001");
        let enrollment = [Enrollment {
            staff: who.clone(),
            active_from: date(2026, 1, 1),
            active_until: Some(date(2026, 1, 13)),
        }];
        let (_, got) = days_12_to(&Facts::new(&enrollment, &calendar), 15);
        assert_eq!(
            got,
            [
                "2026-01-12 absent",
                "2026-01-13 absent",
                "2026-01-14 not enrolled",
                "2026-01-15 not enrolled",
            ]
        );
        assert!(enrollment[0].on_list(date(2026, 1, 13)));
        assert!(!enrollment[0].on_list(date(2026, 1, 14)));
        assert!(!enrollment[0].on_list(date(2025, 12, 31)));
    }

    // -----------------------------------------------------------------------------------------
    // meetings

    struct MeetingCase {
        sign_in: Option<&'static str>,
        morning_leave: bool,
        now: &'static str,
        want: MeetingOutcome,
        deducted: &'static str,
    }

    #[track_caller]
    fn check_meeting(case: MeetingCase) {
        let d = date(2026, 1, 12);
        let who = staff("0001");
        let calendar = Calendar::hall_defaults();
        let mut leaves = LeaveBook::new();
        if case.morning_leave {
            leaves
                .add(Leave {
                    id: LeaveId(4),
                    staff: who.clone(),
                    kind: LeaveKind::OfficialErrand,
                    first: HalfDay {
                        date: d,
                        session: Session::Morning,
                    },
                    last: HalfDay {
                        date: d,
                        session: Session::Morning,
                    },
                    cover: Some(staff("0002")),
                    closed_at: None,
                })
                .unwrap();
        }
        let punches: Vec<Punch> = ["07:55", "11:30", "13:55", "17:00"]
            .iter()
            .map(|t| Punch {
                staff: who.clone(),
                at: local(d, t),
                clock_trusted: true,
            })
            .collect();
        let meeting = [Meeting {
            title: "月例会".to_string(),
            start: local(d, "09:00"),
            end: local(d, "10:00"),
            invited: vec![who.clone(), staff("0777")], // 0777 is not enrolled: no record
            sign_ins: case
                .sign_in
                .iter()
                .map(|t| SignIn {
                    staff: who.clone(),
                    at: local(d, t),
                })
                .collect(),
        }];
        let enrollment = [Enrollment {
            staff: who.clone(),
            active_from: d,
            active_until: None,
        }];
        let facts = Facts {
            leaves: &leaves,
            meetings: &meeting,
            punches: &punches,
            ..Facts::new(&enrollment, &calendar)
        };
        let period = Period { first: d, last: d };
        let attendance = classify(&config(), &facts, period, local(d, case.now)).unwrap();
        assert_eq!(attendance.meetings.len(), 1);
        let score = ScoringConfig::hall_defaults().score(&attendance.tally(&who));
        assert_eq!(
            (
                attendance.meetings[0].outcome,
                score.deducted.to_string().as_str()
            ),
            (case.want, case.deducted)
        );
    }

    #[test]
    fn meetings() {
        use MeetingOutcome::*;
        let rows = [
            MeetingCase {
                sign_in: Some("08:55"),
                morning_leave: false,
                now: "21:00",
                want: OnTime,
                deducted: "0",
            },
            MeetingCase {
                sign_in: Some("09:00"),
                morning_leave: false,
                now: "21:00",
                want: OnTime,
                deducted: "0",
            },
            MeetingCase {
                sign_in: Some("09:03"),
                morning_leave: false,
                now: "21:00",
                want: Late { minutes: 3 },
                deducted: "2",
            },
            MeetingCase {
                sign_in: None,
                morning_leave: false,
                now: "21:00",
                want: Missed,
                deducted: "5",
            },
            // signing in after the end is not attending
            MeetingCase {
                sign_in: Some("10:05"),
                morning_leave: false,
                now: "21:00",
                want: Missed,
                deducted: "5",
            },
            // the meeting is running: not judged yet (the afternoon is pending too)
            MeetingCase {
                sign_in: None,
                morning_leave: false,
                now: "09:30",
                want: Pending,
                deducted: "0",
            },
            // on covered leave in the morning: excused; the half day of public leave still costs 1.5
            MeetingCase {
                sign_in: None,
                morning_leave: true,
                now: "21:00",
                want: Excused { leave: LeaveId(4) },
                deducted: "1.5",
            },
        ];
        for row in rows {
            check_meeting(row);
        }
    }

    #[test]
    fn open_leave_is_reported() {
        let calendar = Calendar::hall_defaults();
        let d = date(2026, 1, 12);
        let mut leaves = LeaveBook::new();
        for (id, who, day, closed) in [
            (1, "0001", date(2026, 1, 12), false), // ended, never closed: open
            (2, "0002", date(2026, 1, 12), true),  // ended and closed
            (3, "0003", date(2026, 1, 13), false), // not ended yet
        ] {
            leaves
                .add(Leave {
                    id: LeaveId(id),
                    staff: staff(who),
                    kind: LeaveKind::Personal,
                    first: HalfDay {
                        date: day,
                        session: Session::Morning,
                    },
                    last: HalfDay {
                        date: day,
                        session: Session::Afternoon,
                    },
                    cover: Some(staff("0009")),
                    closed_at: closed.then(|| local(day, "20:30")),
                })
                .unwrap();
        }
        let facts = Facts {
            leaves: &leaves,
            ..Facts::new(&[], &calendar)
        };
        let attendance = classify(
            &config(),
            &facts,
            Period { first: d, last: d },
            local(date(2026, 1, 13), "12:00"),
        )
        .unwrap();
        assert_eq!(attendance.open_leaves, [LeaveId(1)]);
    }
}

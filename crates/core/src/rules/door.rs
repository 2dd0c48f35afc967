//! [`DoorEngine`]: the sans-IO state machine at the door. [`DoorEngine::handle_sighting`] and
//! [`DoorEngine::handle_tick`] take `now` and return [`Action`]s (record a punch, show a
//! [`Signal`], reject a repeat, alert a post gap); [`DoorEngine::next_deadline`] says when to tick.
//! The shell carries the actions out and rebuilds the engine from stored punches after a restart.
//! Nothing here reads the clock, the store or a device, and nothing here decides the record of
//! truth: that is [`classify`](fn@super::classify) over the stored punches.
//!
//! Decisions where the spec (`attendance-rules.md` sections 2-6) is silent, besides the same-pass
//! rule in the module root:
//! - **Door readings** are provisional (the record of truth is `classify` over stored punches).
//!   Each pass comes to one [`PassKind`] (recorded on time, late or early with minutes, recorded
//!   but not judged here, already recorded, not recorded, unknown, fault), shown as its own
//!   [`Signal`]. The person's *first* pass in a session's window before the session's end is the
//!   clock-in: arriving mid-morning is a late clock-in, not an early clock-out (`classify` reads a
//!   session's *only* punch as the nearer point, spec section 8; once the person also leaves, both
//!   agree, and if they never do, the report has the clock-in missing, which is late too). A
//!   first pass at or after the end is the clock-out. A later pass reads as the nearer point; a
//!   clock-in is judged by the first pass in the window. A later pass before the end that would be
//!   an early clock-out depends on [`ClockOutRule`]: by default the session's last pass counts,
//!   so stepping out and back is recorded without a verdict ([`NotJudged::SteppedOut`]), never
//!   shown as early. A pass outside every window or on a day off gets no verdict and reads as a
//!   clock-in for the person's first pass of the civil day, a clock-out afterwards; a pass with an
//!   untrusted clock gets the role but no verdict. A pass within the same-pass window is
//!   acknowledged ([`Signal::AlreadyRecorded`]), not recorded again. An unknown face (a citizen)
//!   sets off no alarm unless [`DoorPolicy::unknown_alarm`] says so.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use super::{Punch, RulesConfig};
use crate::calendar::Calendar;
use crate::ids::StaffId;
use crate::leave::{self, Post, PostId};
use crate::schedule::{PunchRole, Session, SessionSlot, Verdict};

/// Who the recognizer says is at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Face {
    Known(StaffId),
    /// A face that matched nobody enrolled.
    Unknown,
}

/// One recognized (or not) face at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub face: Face,
    /// Whether the device clock is synchronized; if not, the punch is recorded but not judged.
    pub clock_trusted: bool,
}

/// The feedback pattern for the LED/buzzer: one for each [`PassKind`] (on time has two, for
/// the clock-in and the clock-out; an unknown face has the alarm and the quiet one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Recorded: a clock-in on time, or a first pass without a verdict.
    ClockedIn,
    /// Recorded: a clock-out on time, or a later pass without a verdict (a step out).
    ClockedOut,
    /// Recorded, but late (迟到).
    Late,
    /// Recorded, but an early clock-out (早退).
    Early,
    /// Already recorded: the same pass as a punch a moment ago; nothing new written.
    AlreadyRecorded,
    /// A face nobody is enrolled with, with the alarm on ([`DoorPolicy::unknown_alarm`]);
    /// nothing recorded.
    Unknown,
    /// A face nobody is enrolled with (a citizen), alarm off: nothing lit, nothing sounded.
    Quiet,
    /// A system fault: the punch could not be recorded. Never a rules outcome: the shell shows it
    /// when a write fails.
    Fault,
    /// Not recorded: see the supervisor (the liveness check refused the face as a photo or a
    /// screen). Never a rules outcome: the shell shows it when it refuses a punch.
    Refused,
}

/// What one pass at the door came to, as the person at the door is told it (the meaning behind a
/// [`Signal`], with the minutes; the adapters print it, [`PassKind::signal`] shows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PassKind {
    /// Recorded, on time.
    OnTime { role: PunchRole },
    /// Recorded, late (迟到) by this many minutes.
    Late { minutes: u32 },
    /// Recorded, an early clock-out (早退) by this many minutes.
    Early { minutes: u32 },
    /// Recorded, without a verdict at the door.
    Recorded { role: PunchRole, why: NotJudged },
    /// The same pass as the punch recorded at `last_punch`: acknowledged, not recorded again.
    AlreadyRecorded { last_punch: Timestamp },
    /// Not recorded: see the supervisor (the shell refused the face).
    NotRecorded,
    /// A face nobody is enrolled with; nothing recorded.
    Unknown,
    /// A system fault: the punch could not be recorded.
    Fault,
}

/// Why a recorded pass got no verdict at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotJudged {
    /// Outside every punch window, or on a day off.
    OutsideWindows,
    /// The device clock was not synchronised.
    ClockUntrusted,
    /// A pass inside the session before its end, after the clock-in: stepping out (and maybe
    /// back). The session's last pass is its clock-out ([`ClockOutRule::SessionLastPass`]).
    SteppedOut,
}

impl PassKind {
    /// The door's reading of a recorded punch as a pass kind; `None` as the verdict means
    /// [`NotJudged`] `why`.
    pub fn of_punch(role: PunchRole, verdict: Option<Verdict>, why: NotJudged) -> PassKind {
        match verdict {
            Some(Verdict::OnTime) => PassKind::OnTime { role },
            Some(Verdict::Late { minutes }) => PassKind::Late { minutes },
            Some(Verdict::Early { minutes }) => PassKind::Early { minutes },
            None => PassKind::Recorded { role, why },
        }
    }

    /// The pattern that shows this kind at the door.
    pub fn signal(self, policy: &DoorPolicy) -> Signal {
        match self {
            PassKind::OnTime { role } | PassKind::Recorded { role, .. } => match role {
                PunchRole::ClockIn => Signal::ClockedIn,
                PunchRole::ClockOut => Signal::ClockedOut,
            },
            PassKind::Late { .. } => Signal::Late,
            PassKind::Early { .. } => Signal::Early,
            PassKind::AlreadyRecorded { .. } => Signal::AlreadyRecorded,
            PassKind::NotRecorded => Signal::Refused,
            PassKind::Unknown if policy.unknown_alarm => Signal::Unknown,
            PassKind::Unknown => Signal::Quiet,
            PassKind::Fault => Signal::Fault,
        }
    }
}

/// How the door reads a pass inside a session, after the clock-in and before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockOutRule {
    /// **Default**: the session's last pass is its clock-out (as `classify` reads it), so a pass
    /// before the end is a step out, recorded without a verdict; stepping out and back is not
    /// an early departure.
    SessionLastPass,
    /// Every such pass reads as an early clock-out (早退) at the door.
    EachPass,
}

/// The door's settings beyond the rules both halves share (`[door]` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoorPolicy {
    /// How a pass within a session counts for the clock-out. **Default**
    /// [`ClockOutRule::SessionLastPass`].
    pub clock_out: ClockOutRule,
    /// Whether an unknown face (a citizen) sets off the red light and the buzzer. **Default**
    /// `false`: nothing is shown, the face is logged and counted.
    pub unknown_alarm: bool,
}

impl DoorPolicy {
    /// The defaults above.
    pub fn hall_defaults() -> Self {
        DoorPolicy {
            clock_out: ClockOutRule::SessionLastPass,
            unknown_alarm: false,
        }
    }
}

/// Why a sighting was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The same pass as the punch at `last_punch` (see the module docs on de-duplication).
    SamePass {
        staff: StaffId,
        last_punch: Timestamp,
    },
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Store the punch (and its outbox row). `role`, `verdict` and `kind` are the door's
    /// on-the-spot reading for logs and feedback; the record of truth is [`classify`] over stored
    /// punches.
    ///
    /// [`classify`]: fn@super::classify
    RecordPunch {
        punch: Punch,
        role: PunchRole,
        verdict: Option<Verdict>,
        kind: PassKind,
    },
    /// Show a feedback pattern.
    Signal(Signal),
    /// Drop the sighting (the [`Signal::AlreadyRecorded`] that follows acknowledges it).
    Reject { reason: RejectReason },
    /// Tell the supervisor that these posts have neither A nor B present at the session's start
    /// (断档).
    AlertGap {
        date: Date,
        session: Session,
        posts: Vec<PostId>,
    },
}

/// The door's state machine. Feed it [`DoorEngine::handle_sighting`] and
/// [`DoorEngine::handle_tick`] (at [`DoorEngine::next_deadline`] or later); carry out the
/// [`Action`]s it returns.
#[derive(Debug, Clone)]
pub struct DoorEngine {
    config: RulesConfig,
    calendar: Calendar,
    posts: Vec<Post>,
    /// Punches of the last [`RECENT_KEPT`], sorted by time.
    recent: Vec<Punch>,
    next_check: Option<GapCheck>,
}

#[derive(Debug, Clone)]
struct GapCheck {
    slot: SessionSlot,
}

/// How long the door remembers punches: longer than any civil day, so "the first punch today"
/// and "the first punch in this window" are always answerable.
const RECENT_KEPT: SignedDuration = SignedDuration::from_hours(26);

/// How far ahead [`DoorEngine::next_deadline`] looks for a working day.
const DEADLINE_HORIZON_DAYS: u32 = 366;

impl DoorEngine {
    /// A door engine at `now`, its state rebuilt from the punches the store holds for (at least)
    /// the last day. The first gap check is the first session start at or after `now`; checks
    /// missed while the daemon was down are not replayed.
    pub fn new(
        config: RulesConfig,
        calendar: Calendar,
        posts: Vec<Post>,
        mut recent_punches: Vec<Punch>,
        now: Timestamp,
    ) -> Self {
        recent_punches.sort_by_key(|p| p.at);
        let mut engine = DoorEngine {
            config,
            calendar,
            posts,
            recent: recent_punches,
            next_check: None,
        };
        engine.next_check = engine.first_check_at_or_after(now);
        engine.forget_before(now);
        engine
    }

    /// Replaces the calendar and the window posts (changed in the store while the door runs)
    /// and reschedules the next gap check from `now`; the recent punches are kept.
    pub fn replace_facts(&mut self, calendar: Calendar, posts: Vec<Post>, now: Timestamp) {
        self.calendar = calendar;
        self.posts = posts;
        self.next_check = self.first_check_at_or_after(now);
    }

    /// Handles one sighting at `now`.
    pub fn handle_sighting(&mut self, now: Timestamp, sighting: Sighting) -> Vec<Action> {
        self.forget_before(now);
        let staff = match sighting.face {
            Face::Unknown => {
                return vec![Action::Signal(PassKind::Unknown.signal(&self.config.door))]
            }
            Face::Known(staff) => staff,
        };
        let last_punch = self
            .recent
            .iter()
            .filter(|p| p.staff == staff)
            .map(|p| p.at)
            .max();
        if let Some(last_punch) = last_punch {
            if now.duration_since(last_punch).abs() < self.config.same_pass_within {
                let seen = PassKind::AlreadyRecorded { last_punch };
                return vec![
                    Action::Reject {
                        reason: RejectReason::SamePass { staff, last_punch },
                    },
                    Action::Signal(seen.signal(&self.config.door)),
                ];
            }
        }
        let (role, verdict, kind) = self.read_punch(&staff, now, sighting.clock_trusted);
        let signal = kind.signal(&self.config.door);
        let punch = Punch {
            staff,
            at: now,
            clock_trusted: sighting.clock_trusted,
        };
        let index = self.recent.partition_point(|p| p.at <= now);
        self.recent.insert(index, punch.clone());
        vec![
            Action::RecordPunch {
                punch,
                role,
                verdict,
                kind,
            },
            Action::Signal(signal),
        ]
    }

    /// Handles the passing of time: runs the gap checks (断档) that are due at `now`.
    pub fn handle_tick(&mut self, now: Timestamp) -> Vec<Action> {
        let mut actions = Vec::new();
        while let Some(check) = self.next_check.take() {
            if check.slot.start > now {
                self.next_check = Some(check);
                break;
            }
            let slot = &check.slot;
            let present: BTreeSet<StaffId> = self
                .recent
                .iter()
                .filter(|p| slot.opens <= p.at && p.at <= slot.start)
                .map(|p| p.staff.clone())
                .collect();
            let gaps = leave::gaps(&self.posts, &present);
            if !gaps.is_empty() {
                actions.push(Action::AlertGap {
                    date: slot.date,
                    session: slot.session,
                    posts: gaps.into_iter().cloned().collect(),
                });
            }
            let after = slot.start.checked_add(SignedDuration::from_nanos(1)).ok();
            self.next_check = after.and_then(|t| self.first_check_at_or_after(t));
        }
        self.forget_before(now);
        actions
    }

    /// When [`DoorEngine::handle_tick`] next has something to do: the next session start on a
    /// working day. `None` when no working day falls within a year.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.next_check.as_ref().map(|c| c.slot.start)
    }

    /// The settings the engine reads by (the hall's zone, for the shell's printed lines).
    pub fn config(&self) -> &RulesConfig {
        &self.config
    }

    /// The door's reading of a punch by `staff` at `now`, using the same schedule code as
    /// [`classify`] (the module docs say where and why the two differ). Inside a punch window the
    /// person's first pass before the session's end is the clock-in, at or after the end the
    /// clock-out; a later pass stands for the nearer point. A clock-in is judged by the person's
    /// *first* punch in the window, as `classify` does, so passing the door again at 08:30 after
    /// 07:50 reads as an on-time clock-in, not a late one; a clock-out is judged by this punch,
    /// the latest so far, and before the end it is a step out unless [`ClockOutRule::EachPass`].
    ///
    /// [`classify`]: fn@super::classify
    fn read_punch(
        &self,
        staff: &StaffId,
        now: Timestamp,
        clock_trusted: bool,
    ) -> (PunchRole, Option<Verdict>, PassKind) {
        let schedule = &self.config.schedule;
        let date = schedule.to_civil(now).date();
        let first_in = |opens: Timestamp| {
            self.recent
                .iter()
                .filter(|p| &p.staff == staff && opens <= p.at && p.at < now)
                .map(|p| p.at)
                .min()
        };
        if self.calendar.is_working_day(date) {
            let season = self.calendar.season(date);
            for session in Session::BOTH {
                // A slot that cannot be resolved (DST with the reject policy) is read as outside
                // every window: recorded, not judged.
                let Ok(slot) = schedule.slot(date, session, season) else {
                    continue;
                };
                if slot.contains(now) {
                    let first = first_in(slot.opens);
                    let role = match first {
                        None if now < slot.end => PunchRole::ClockIn,
                        None => PunchRole::ClockOut,
                        Some(_) => slot.nearer_point(now),
                    };
                    if !clock_trusted {
                        let why = NotJudged::ClockUntrusted;
                        return (role, None, PassKind::of_punch(role, None, why));
                    }
                    let judged_at = match (role, first) {
                        (PunchRole::ClockIn, Some(first)) => first,
                        _ => now,
                    };
                    let verdict = match slot.judge(role, judged_at) {
                        Verdict::Early { .. }
                            if self.config.door.clock_out == ClockOutRule::SessionLastPass =>
                        {
                            None
                        }
                        v => Some(v),
                    };
                    let kind = PassKind::of_punch(role, verdict, NotJudged::SteppedOut);
                    return (role, verdict, kind);
                }
            }
        }
        let punched_today = self
            .recent
            .iter()
            .any(|p| &p.staff == staff && p.at < now && schedule.to_civil(p.at).date() == date);
        let role = if punched_today {
            PunchRole::ClockOut
        } else {
            PunchRole::ClockIn
        };
        let why = if clock_trusted {
            NotJudged::OutsideWindows
        } else {
            NotJudged::ClockUntrusted
        };
        (role, None, PassKind::of_punch(role, None, why))
    }

    fn first_check_at_or_after(&self, t: Timestamp) -> Option<GapCheck> {
        let schedule = &self.config.schedule;
        let mut date = schedule.to_civil(t).date();
        for _ in 0..DEADLINE_HORIZON_DAYS {
            if self.calendar.is_working_day(date) {
                let season = self.calendar.season(date);
                for session in Session::BOTH {
                    if let Ok(slot) = schedule.slot(date, session, season) {
                        if slot.start >= t {
                            return Some(GapCheck { slot });
                        }
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    fn forget_before(&mut self, now: Timestamp) {
        if let Ok(cutoff) = now.checked_sub(RECENT_KEPT) {
            self.recent.retain(|p| p.at >= cutoff);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::*;
    use crate::rules::{classify, Enrollment, Facts, Period};
    use jiff::civil::date;

    fn render_action(action: &Action) -> String {
        match action {
            Action::RecordPunch {
                punch,
                role,
                verdict,
                kind,
            } => {
                let role = match role {
                    PunchRole::ClockIn => "in",
                    PunchRole::ClockOut => "out",
                };
                let unjudged = match kind {
                    PassKind::Recorded {
                        why: NotJudged::SteppedOut,
                        ..
                    } => "stepped-out",
                    _ => "unjudged",
                };
                let verdict = verdict.map_or(unjudged.to_string(), render_verdict);
                let trust = if punch.clock_trusted {
                    ""
                } else {
                    " untrusted"
                };
                format!(
                    "record {} {} {role} {verdict}{trust}",
                    punch.staff,
                    hms(punch.at)
                )
            }
            Action::Signal(signal) => format!("signal {signal:?}"),
            Action::Reject {
                reason: RejectReason::SamePass { staff, last_punch },
            } => {
                format!("reject {staff} same pass as {}", hms(*last_punch))
            }
            Action::AlertGap {
                date,
                session,
                posts,
            } => {
                let posts: Vec<&str> = posts.iter().map(PostId::as_str).collect();
                format!("gap {date} {session:?} {}", posts.join(","))
            }
        }
    }

    fn posts() -> Vec<Post> {
        use crate::leave::test_post;
        vec![
            test_post("tax-1", "0001", "0002"),
            test_post("land-1", "0003", "0004"),
        ]
    }

    struct DoorCase {
        date: Date,
        /// Punches the store already holds (the engine is rebuilt from them).
        earlier: &'static [(&'static str, &'static str)],
        /// `(staff or "?" for an unknown face, local time, clock trusted)`.
        sighting: (&'static str, &'static str, bool),
        want: &'static [&'static str],
    }

    #[track_caller]
    fn check_door(case: DoorCase) {
        check_door_with(DoorPolicy::hall_defaults(), case);
    }

    #[track_caller]
    fn check_door_with(policy: DoorPolicy, case: DoorCase) {
        let (who, at, trusted) = case.sighting;
        let now = local(case.date, at);
        let mut calendar = Calendar::hall_defaults();
        calendar
            .add_holiday_file("2026-01-17 workday 调休")
            .unwrap();
        let earlier: Vec<Punch> = case
            .earlier
            .iter()
            .map(|(s, t)| Punch {
                staff: staff(s),
                at: local(case.date, t),
                clock_trusted: true,
            })
            .collect();
        let config = RulesConfig {
            door: policy,
            ..config()
        };
        let mut engine = DoorEngine::new(config, calendar, posts(), earlier, now);
        let face = if who == "?" {
            Face::Unknown
        } else {
            Face::Known(staff(who))
        };
        let actions = engine.handle_sighting(
            now,
            Sighting {
                face,
                clock_trusted: trusted,
            },
        );
        let got: Vec<String> = actions.iter().map(render_action).collect();
        assert_eq!(got, case.want, "{at} {:?}", case.earlier);
    }

    #[test]
    fn door_readings() {
        let d = date(2026, 1, 12);
        let sunday = date(2026, 1, 18);
        let rows = [
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "07:50", true),
                want: &["record 0001 07:50 in ok", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "08:00:00", true),
                want: &["record 0001 08:00 in ok", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "08:00:01", true),
                want: &["record 0001 08:00:01 in late 1", "signal Late"],
            },
            // de-dup: 59 s after the last punch is the same pass, 60 s is a new one
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "07:50:59", true),
                want: &["reject 0001 same pass as 07:50", "signal AlreadyRecorded"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "07:51:00", true),
                want: &["record 0001 07:51 in ok", "signal ClockedIn"],
            },
            // another person right after is not de-duplicated
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0002", "07:50:10", true),
                want: &["record 0002 07:50:10 in ok", "signal ClockedIn"],
            },
            // passing again at 08:30 after 07:50: the clock-in is still the on-time 07:50 one
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "08:30", true),
                want: &["record 0001 08:30 in ok", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "08:10")],
                sighting: ("0001", "08:30", true),
                want: &["record 0001 08:30 in late 10", "signal Late"],
            },
            // a pass before the end is a step out (the session's last pass counts); leaving late
            // (延时服务) is never a fault
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "11:20", true),
                want: &["record 0001 11:20 out stepped-out", "signal ClockedOut"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "13:50")],
                sighting: ("0001", "18:40", true),
                want: &["record 0001 18:40 out ok", "signal ClockedOut"],
            },
            // arriving at 10:00 is a late clock-in, not an early clock-out
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "10:00", true),
                want: &["record 0001 10:00 in late 120", "signal Late"],
            },
            // a lunch-gap punch goes to the window it is in: 12:44 morning out, 12:45 afternoon in
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "12:44", true),
                want: &["record 0001 12:44 out ok", "signal ClockedOut"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "12:45", true),
                want: &["record 0001 12:45 in ok", "signal ClockedIn"],
            },
            // untrusted clock: recorded, flagged, no verdict
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "08:20", false),
                want: &[
                    "record 0001 08:20 in unjudged untrusted",
                    "signal ClockedIn",
                ],
            },
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("?", "08:20", true),
                want: &["signal Quiet"],
            },
            // outside every window: first of the day reads as in, later ones as out
            DoorCase {
                date: d,
                earlier: &[],
                sighting: ("0001", "06:00", true),
                want: &["record 0001 06:00 in unjudged", "signal ClockedIn"],
            },
            DoorCase {
                date: d,
                earlier: &[("0001", "07:50")],
                sighting: ("0001", "21:00", true),
                want: &["record 0001 21:00 out unjudged", "signal ClockedOut"],
            },
            // a day off: no verdict
            DoorCase {
                date: sunday,
                earlier: &[],
                sighting: ("0001", "09:00", true),
                want: &["record 0001 09:00 in unjudged", "signal ClockedIn"],
            },
            // a make-up Saturday is judged like a weekday
            DoorCase {
                date: date(2026, 1, 17),
                earlier: &[],
                sighting: ("0001", "08:05", true),
                want: &["record 0001 08:05 in late 5", "signal Late"],
            },
        ];
        for row in rows {
            check_door(row);
        }
    }

    /// Issue 12, item 9: each pass kind, the pattern it shows, with the default policy and with
    /// each setting changed.
    #[test]
    fn pass_kinds_and_their_signals() {
        struct KindCase {
            policy: DoorPolicy,
            date: Date,
            earlier: &'static [&'static str],
            /// `(local time, "?" for an unknown face)`.
            sighting: (&'static str, &'static str),
            want: (&'static str, Signal),
        }
        fn row(
            policy: DoorPolicy,
            date: Date,
            earlier: &'static [&'static str],
            sighting: (&'static str, &'static str),
            want: (&'static str, Signal),
        ) -> KindCase {
            KindCase {
                policy,
                date,
                earlier,
                sighting,
                want,
            }
        }
        let d = date(2026, 1, 12);
        let july = date(2026, 7, 15);
        let defaults = DoorPolicy::hall_defaults();
        let each_pass = DoorPolicy {
            clock_out: ClockOutRule::EachPass,
            ..defaults
        };
        let alarm = DoorPolicy {
            unknown_alarm: true,
            ..defaults
        };
        let rows = [
            // on time
            row(
                defaults,
                d,
                &[],
                ("07:52", "0001"),
                ("OnTime { role: ClockIn }", Signal::ClockedIn),
            ),
            row(
                defaults,
                d,
                &["07:52"],
                ("11:31", "0001"),
                ("OnTime { role: ClockOut }", Signal::ClockedOut),
            ),
            // late
            row(
                defaults,
                d,
                &[],
                ("08:03", "0001"),
                ("Late { minutes: 3 }", Signal::Late),
            ),
            // summer: the afternoon starts at 14:30
            row(
                defaults,
                july,
                &[],
                ("14:10", "0001"),
                ("OnTime { role: ClockIn }", Signal::ClockedIn),
            ),
            row(
                defaults,
                july,
                &[],
                ("14:31", "0001"),
                ("Late { minutes: 1 }", Signal::Late),
            ),
            // mid-morning arrival: a late clock-in, whatever the clock-out rule
            row(
                defaults,
                d,
                &[],
                ("10:00", "0001"),
                ("Late { minutes: 120 }", Signal::Late),
            ),
            row(
                each_pass,
                d,
                &[],
                ("11:20", "0001"),
                ("Late { minutes: 200 }", Signal::Late),
            ),
            // a first pass after the end is the clock-out
            row(
                defaults,
                d,
                &[],
                ("11:40", "0001"),
                ("OnTime { role: ClockOut }", Signal::ClockedOut),
            ),
            // step out and back: neither pass is early by default
            row(
                defaults,
                d,
                &["07:52"],
                ("10:00", "0001"),
                (
                    "Recorded { role: ClockOut, why: SteppedOut }",
                    Signal::ClockedOut,
                ),
            ),
            row(
                defaults,
                d,
                &["07:52", "10:00"],
                ("10:20", "0001"),
                (
                    "Recorded { role: ClockOut, why: SteppedOut }",
                    Signal::ClockedOut,
                ),
            ),
            // ... and every one is, when each pass counts
            row(
                each_pass,
                d,
                &["07:52"],
                ("10:00", "0001"),
                ("Early { minutes: 90 }", Signal::Early),
            ),
            // second pass within the same-pass window: acknowledged
            row(
                defaults,
                d,
                &["07:52"],
                ("07:52:30", "0001"),
                ("AlreadyRecorded", Signal::AlreadyRecorded),
            ),
            // unknown: quiet by default, the alarm when asked for
            row(defaults, d, &[], ("08:10", "?"), ("Unknown", Signal::Quiet)),
            row(alarm, d, &[], ("08:10", "?"), ("Unknown", Signal::Unknown)),
        ];
        for row in rows {
            let (at, who) = row.sighting;
            let now = local(row.date, at);
            let earlier = row
                .earlier
                .iter()
                .map(|t| Punch {
                    staff: staff("0001"),
                    at: local(row.date, t),
                    clock_trusted: true,
                })
                .collect();
            let config = RulesConfig {
                door: row.policy,
                ..config()
            };
            let mut engine =
                DoorEngine::new(config, Calendar::hall_defaults(), vec![], earlier, now);
            let face = match who {
                "?" => Face::Unknown,
                id => Face::Known(staff(id)),
            };
            let actions = engine.handle_sighting(
                now,
                Sighting {
                    face,
                    clock_trusted: true,
                },
            );
            let kind = actions.iter().find_map(|a| match a {
                Action::RecordPunch { kind, .. } => Some(format!("{kind:?}")),
                Action::Reject { .. } => Some("AlreadyRecorded".to_string()),
                _ => None,
            });
            let signal = actions.iter().find_map(|a| match a {
                Action::Signal(s) => Some(*s),
                _ => None,
            });
            assert_eq!(
                (kind.unwrap_or_else(|| "Unknown".into()), signal),
                (row.want.0.to_string(), Some(row.want.1)),
                "{} {at} after {:?}",
                row.date,
                row.earlier
            );
        }
    }

    /// The kinds only the shell reaches (a refused face, a failed write) and the rest: one
    /// pattern each, and the alarm for an unknown face only when asked for.
    #[test]
    fn every_pass_kind_has_a_signal_of_its_own() {
        let quiet = DoorPolicy::hall_defaults();
        let alarm = DoorPolicy {
            unknown_alarm: true,
            ..quiet
        };
        let at = local(date(2026, 1, 12), "07:52");
        let rows = [
            (
                PassKind::OnTime {
                    role: PunchRole::ClockIn,
                },
                Signal::ClockedIn,
            ),
            (
                PassKind::OnTime {
                    role: PunchRole::ClockOut,
                },
                Signal::ClockedOut,
            ),
            (PassKind::Late { minutes: 3 }, Signal::Late),
            (PassKind::Early { minutes: 3 }, Signal::Early),
            (
                PassKind::AlreadyRecorded { last_punch: at },
                Signal::AlreadyRecorded,
            ),
            (PassKind::NotRecorded, Signal::Refused),
            (PassKind::Fault, Signal::Fault),
        ];
        for (kind, signal) in rows {
            assert_eq!((kind.signal(&quiet), kind.signal(&alarm)), (signal, signal));
        }
        assert_eq!(PassKind::Unknown.signal(&quiet), Signal::Quiet);
        assert_eq!(PassKind::Unknown.signal(&alarm), Signal::Unknown);
    }

    /// A virtual clock drives one Monday through the door: sightings at their times, ticks at
    /// each deadline, and the full action log is asserted.
    #[test]
    fn door_simulated_day() {
        let d = date(2026, 1, 12);
        let schedule = config().schedule;
        let start = local(d, "06:00");
        let end_of_day = local(d, "23:59");
        let mut engine =
            DoorEngine::new(config(), Calendar::hall_defaults(), posts(), vec![], start);
        let sightings: [(&str, &str, bool); 14] = [
            ("0001", "07:50:00", true),
            ("0001", "07:50:20", true), // the camera sees them again: same pass
            ("0001", "07:50:59", true),
            ("?", "07:51:00", true),
            ("0003", "08:00:01", true),
            ("0003", "08:00:30", true),
            ("0001", "11:20:00", true),
            ("0003", "11:35:00", true),
            ("0002", "13:50:00", false), // B, device clock not synchronized
            ("0004", "13:59:00", true),
            ("0003", "14:20:00", true),
            ("0004", "17:00:00", true),
            ("0002", "17:05:00", true),
            ("0001", "21:00:00", true),
        ];
        let mut log: Vec<String> = Vec::new();
        let mut recorded: Vec<Punch> = Vec::new();
        let mut next = 0;
        let mut now = start;
        loop {
            let sighting_at = sightings.get(next).map(|(_, t, _)| local(d, t));
            let deadline = engine.next_deadline().filter(|&t| t <= end_of_day);
            let actions = match (sighting_at, deadline) {
                (None, None) => break,
                (Some(at), Some(tick)) if tick <= at => {
                    now = tick;
                    engine.handle_tick(now)
                }
                (None, Some(tick)) => {
                    now = tick;
                    engine.handle_tick(now)
                }
                (Some(at), _) => {
                    assert!(at >= now, "sightings must be in time order");
                    now = at;
                    let (who, _, trusted) = sightings[next];
                    next += 1;
                    let face = if who == "?" {
                        Face::Unknown
                    } else {
                        Face::Known(staff(who))
                    };
                    engine.handle_sighting(
                        now,
                        Sighting {
                            face,
                            clock_trusted: trusted,
                        },
                    )
                }
            };
            for action in &actions {
                if let Action::RecordPunch { punch, .. } = action {
                    recorded.push(punch.clone());
                }
                log.push(format!("{} {}", hms(now), render_action(action)));
            }
        }
        assert_eq!(
            log,
            [
                "07:50 record 0001 07:50 in ok",
                "07:50 signal ClockedIn",
                "07:50:20 reject 0001 same pass as 07:50",
                "07:50:20 signal AlreadyRecorded",
                "07:50:59 reject 0001 same pass as 07:50",
                "07:50:59 signal AlreadyRecorded",
                "07:51 signal Quiet",
                // neither 0003 nor 0004 has come for land-1 by 08:00
                "08:00 gap 2026-01-12 Morning land-1",
                "08:00:01 record 0003 08:00:01 in late 1",
                "08:00:01 signal Late",
                "08:00:30 reject 0003 same pass as 08:00:01",
                "08:00:30 signal AlreadyRecorded",
                // 0001 steps out at 11:20 and never comes back: the door cannot know, the
                // report (below) reads the session's last pass as an early clock-out
                "11:20 record 0001 11:20 out stepped-out",
                "11:20 signal ClockedOut",
                "11:35 record 0003 11:35 out ok",
                "11:35 signal ClockedOut",
                "13:50 record 0002 13:50 in unjudged untrusted",
                "13:50 signal ClockedIn",
                "13:59 record 0004 13:59 in ok",
                "13:59 signal ClockedIn",
                // 14:00: 0002 (B) covers tax-1, 0004 (B) covers land-1: no gap, no alert
                "14:20 record 0003 14:20 in late 20",
                "14:20 signal Late",
                "17:00 record 0004 17:00 out ok",
                "17:00 signal ClockedOut",
                "17:05 record 0002 17:05 out ok",
                "17:05 signal ClockedOut",
                "21:00 record 0001 21:00 out unjudged",
                "21:00 signal ClockedOut",
            ]
        );
        // the next wake-up is Tuesday's morning start
        assert_eq!(
            engine
                .next_deadline()
                .map(|t| schedule.to_civil(t).to_string()),
            Some("2026-01-13T08:00:00".to_string())
        );

        // classify reads the recorded punches with the same schedule code
        let calendar = Calendar::hall_defaults();
        let enrollment: Vec<Enrollment> = ["0001", "0002", "0003", "0004"]
            .iter()
            .map(|s| Enrollment {
                staff: staff(s),
                active_from: d,
                active_until: None,
            })
            .collect();
        let facts = Facts {
            punches: &recorded,
            ..Facts::new(&enrollment, &calendar)
        };
        let attendance =
            classify(&config(), &facts, Period { first: d, last: d }, end_of_day).unwrap();
        let got: Vec<String> = attendance
            .days
            .iter()
            .map(|r| format!("{} {}", r.staff, render_day(&r.verdict)))
            .collect();
        assert_eq!(
            got,
            [
                "0001 am 07:50 ok / 11:20 early 10; pm missed",
                "0002 am missed; pm 13:50 ok (clock?) / 17:05 ok",
                "0003 am 08:00:01 late 1 / 11:35 ok; pm 14:20 late 20 / missing",
                "0004 am missed; pm 13:59 ok / 17:00 ok",
            ]
        );
    }

    #[test]
    fn door_rebuilt_after_restart() {
        let d = date(2026, 1, 12);
        let earlier = vec![Punch {
            staff: staff("0001"),
            at: local(d, "07:50"),
            clock_trusted: true,
        }];
        // restarted at 07:50:30: the 07:50 punch is remembered
        let mut engine = DoorEngine::new(
            config(),
            Calendar::hall_defaults(),
            posts(),
            earlier,
            local(d, "07:50:30"),
        );
        assert_eq!(engine.next_deadline(), Some(local(d, "08:00")));
        let seen = |engine: &mut DoorEngine, t: &str| -> Vec<String> {
            let sighting = Sighting {
                face: Face::Known(staff("0001")),
                clock_trusted: true,
            };
            engine
                .handle_sighting(local(d, t), sighting)
                .iter()
                .map(render_action)
                .collect()
        };
        assert_eq!(
            seen(&mut engine, "07:50:40"),
            ["reject 0001 same pass as 07:50", "signal AlreadyRecorded"]
        );
        assert_eq!(
            seen(&mut engine, "11:31"),
            ["record 0001 11:31 out ok", "signal ClockedOut"]
        );
        // 08:00 tick: only tax-1 is staffed
        assert_eq!(
            engine
                .handle_tick(local(d, "08:00"))
                .iter()
                .map(render_action)
                .collect::<Vec<_>>(),
            ["gap 2026-01-12 Morning land-1"]
        );
        // a late tick does not repeat the check
        assert!(engine.handle_tick(local(d, "08:05")).is_empty());
        assert_eq!(engine.next_deadline(), Some(local(d, "14:00")));
        // restarted at exactly a session start: that check is still due
        let engine = DoorEngine::new(
            config(),
            Calendar::hall_defaults(),
            posts(),
            vec![],
            local(d, "14:00"),
        );
        assert_eq!(engine.next_deadline(), Some(local(d, "14:00")));
        // Friday afternoon: the next check is Monday morning
        let friday = date(2026, 1, 16);
        let engine = DoorEngine::new(
            config(),
            Calendar::hall_defaults(),
            posts(),
            vec![],
            local(friday, "15:00"),
        );
        assert_eq!(
            engine.next_deadline(),
            Some(local(date(2026, 1, 19), "08:00"))
        );
    }

    #[test]
    fn replaced_facts_reach_the_running_engine() {
        // Issue 8, item 10: a holiday entered while the door runs changes the door's reading.
        let day = jiff::civil::date(2026, 11, 18);
        let now = local(day, "08:10");
        let mut engine = DoorEngine::new(config(), Calendar::hall_defaults(), posts(), vec![], now);
        let verdict_of = |actions: Vec<Action>| {
            actions.into_iter().find_map(|a| match a {
                Action::RecordPunch { verdict, .. } => Some(verdict),
                _ => None,
            })
        };
        let sighting = |who: &str| Sighting {
            face: Face::Known(staff(who)),
            clock_trusted: true,
        };
        assert_eq!(
            verdict_of(engine.handle_sighting(now, sighting("0001"))),
            Some(Some(Verdict::Late { minutes: 10 }))
        );
        let mut calendar = Calendar::hall_defaults();
        calendar.add_holiday(day, "停工").unwrap();
        engine.replace_facts(calendar, vec![], now);
        assert_eq!(
            verdict_of(engine.handle_sighting(now, sighting("0002"))),
            Some(None)
        );
        // No gap check on the holiday, and none without posts.
        assert!(engine
            .next_deadline()
            .is_some_and(|d| d > local(day, "23:59")));
    }
}

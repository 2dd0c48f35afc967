//! The rules engine: [`classify`] turns attendance facts into per-person, per-day, per-session
//! results, and [`DoorEngine`] is the sans-IO state machine at the door that turns sightings into
//! punches and feedback signals.
//!
//! Both use the same [`crate::schedule`] code to place and judge a punch. Nothing here
//! reads the clock, the store or a device: `now` and every fact are parameters, and the door's
//! decisions come back as [`Action`]s for the shell to carry out (STYLE.md section 1).
//!
//! A folder of two halves and what they share. `classify.rs`: the facts, [`classify`] and its
//! results. `door.rs`: [`DoorEngine`], its [`Sighting`]s and [`Action`]s. This file: the settings
//! ([`RulesConfig`]), the [`Punch`] both read, the module's error ([`RulesError`]) and the
//! re-exports, so that every path `crate::rules::X` names the same item as before the split. No
//! rule is decided here.
//!
//! Spec: `attendance-rules.md` sections 2-6. Decisions where the spec is silent are listed beside
//! the code they govern (`classify.rs`, `door.rs`); the one both halves follow is:
//! - **Same pass** (de-duplication): a punch less than [`RulesConfig::same_pass_within`] after the
//!   person's last *recorded* punch is the same pass. The window does **not** slide: it is anchored
//!   at the recorded punch, so someone standing in view for five minutes gets a punch about every
//!   minute. A sliding window would swallow the clock-out of a person who stays in view. Exactly
//!   60 s later is a new pass. `classify` applies the same rule to the punches it is given.
//!
//! [`classify`]: fn@classify

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

use crate::ids::StaffId;
use crate::leave::LeavePolicy;
use crate::schedule::{ScheduleConfig, ScheduleError};

mod classify;
mod door;
#[cfg(test)]
mod testing;
mod today;

pub use classify::{
    classify, Amendment, Attendance, Correction, DayRecord, DayVerdict, DutyOutcome, Enrollment,
    Facts, Mark, MarkSource, Meeting, MeetingOutcome, MeetingRecord, Period, SessionOutcome,
    SignIn,
};
pub use door::{
    Action, ClockOutRule, DoorEngine, DoorPolicy, Face, NotJudged, PassKind, RejectReason,
    Sighting, Signal,
};
pub use today::{board, Board, BoardFacts, BoardLine, Presence};

/// Settings of the rules engine.
#[derive(Debug, Clone)]
pub struct RulesConfig {
    /// Session hours, windows, grace and zone.
    pub schedule: ScheduleConfig,
    /// Leave classes and approval thresholds.
    pub leave: LeavePolicy,
    /// A person seen again less than this after their last punch is the same pass. **Default**
    /// 60 s.
    pub same_pass_within: SignedDuration,
    /// A meeting sign-in up to this long after the start is on time. **Default** 0.
    pub meeting_late_grace: SignedDuration,
    /// How the door reads and shows a pass (the door's alone; `classify` ignores it).
    pub door: DoorPolicy,
}

impl RulesConfig {
    /// The spec's defaults in the given zone (see [`ScheduleConfig::DEFAULT_ZONE_NAME`]).
    pub fn hall_defaults(zone: jiff::tz::TimeZone) -> Self {
        RulesConfig {
            schedule: ScheduleConfig::hall_defaults(zone),
            leave: LeavePolicy::hall_defaults(),
            same_pass_within: SignedDuration::from_secs(60),
            meeting_late_grace: SignedDuration::ZERO,
            door: DoorPolicy::hall_defaults(),
        }
    }
}

/// One recognized pass at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Punch {
    /// Who passed.
    pub staff: StaffId,
    /// When, by the device clock.
    pub at: Timestamp,
    /// Whether the device clock was synchronized when the punch was taken.
    pub clock_trusted: bool,
}

/// Why [`classify`] or [`DoorEngine::new`] could not run.
///
/// [`classify`]: fn@classify
#[derive(Debug, Clone, thiserror::Error)]
pub enum RulesError {
    #[error("period from {first} to {last}: expected the first day on or before the last")]
    BackwardsPeriod { first: Date, last: Date },
    #[error(
        "amendment by {author} voids a punch of {staff} at {at}, but there is none; expected the \
         exact instant of an existing punch"
    )]
    NothingToVoid {
        staff: StaffId,
        at: Timestamp,
        author: StaffId,
    },
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}

//! Text codes: each enum that crosses a text boundary (a database column, the facts a door takes
//! from the centre) has one table here, `(variant, code)`, read and written through [`code_of`]
//! and [`from_code`], so that the door's SQLite, the centre's PostgreSQL and the wire name a value
//! the same way and a code cannot be added on one side only. The codes are the ones the
//! migrations' `CHECK` constraints name; changing one is a schema change, not an edit here.
//!
//! Names values only: no I/O, no decision.

use std::fmt::Debug;

use crate::leave::{ApprovalLevel, LeaveKind};
use crate::schedule::{PunchRole, Session, Sessions};

/// One enum's text codes: each variant once, each code once (checked by the tests below).
pub type Codes<T> = [(T, &'static str)];

/// A leave's kind.
pub const LEAVE_KIND_CODES: &Codes<LeaveKind> = &[
    (LeaveKind::Sick, "sick"),
    (LeaveKind::Personal, "personal"),
    (LeaveKind::Annual, "annual"),
    (LeaveKind::HomeVisit, "home-visit"),
    (LeaveKind::MarriageMaternity, "marriage-maternity"),
    (LeaveKind::Bereavement, "bereavement"),
    (LeaveKind::OfficialErrand, "official-errand"),
    (LeaveKind::OfficialDuty, "official-duty"),
];

/// A half day's session (a leave's first and last).
pub const SESSION_CODES: &Codes<Session> = &[
    (Session::Morning, "morning"),
    (Session::Afternoon, "afternoon"),
];

/// The sessions of a duty (值班) entry.
pub const SESSIONS_CODES: &Codes<Sessions> = &[
    (Sessions::Morning, "morning"),
    (Sessions::Afternoon, "afternoon"),
    (Sessions::Both, "both"),
];

/// A leave's approval level, required or recorded.
pub const APPROVAL_LEVEL_CODES: &Codes<ApprovalLevel> = &[
    (ApprovalLevel::InspectionOffice, "inspection-office"),
    (ApprovalLevel::DeputyDirector, "deputy-director"),
    (ApprovalLevel::DirectorWithUnitCertificate, "director"),
];

/// A punch's role.
pub const PUNCH_ROLE_CODES: &Codes<PunchRole> =
    &[(PunchRole::ClockIn, "in"), (PunchRole::ClockOut, "out")];

/// The code of `value` in `codes`.
///
/// # Panics
/// If `value` is not in `codes`. Every variant of every table's enum is, which the round-trip
/// test of that table checks, with an exhaustive `match` that stops a new variant from compiling
/// until it is listed there.
pub fn code_of<T: Copy + PartialEq + Debug>(codes: &Codes<T>, value: T) -> &'static str {
    codes
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, code)| *code)
        .expect("every variant has a code: each table's round-trip test lists them all")
}

/// The variant whose code is `text`, `None` when no variant has it.
pub fn from_code<T: Copy>(codes: &Codes<T>, text: &str) -> Option<T> {
    codes
        .iter()
        .find(|(_, code)| *code == text)
        .map(|(v, _)| *v)
}

/// The codes of a table, for a message that lists what was expected (`sick, personal, …`).
pub fn expected<T>(codes: &Codes<T>) -> String {
    codes
        .iter()
        .map(|(_, code)| *code)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each variant's code reads back as that variant, each variant is listed once, no code is
    /// used twice, and an unknown code reads as nothing.
    #[track_caller]
    fn check_round_trip<T: Copy + PartialEq + Debug>(codes: &Codes<T>, every: &[T]) {
        assert_eq!(codes.len(), every.len(), "each variant once: {codes:?}");
        for &value in every {
            let text = code_of(codes, value);
            assert_eq!(from_code(codes, text), Some(value), "{text}");
        }
        let mut texts: Vec<&str> = codes.iter().map(|(_, code)| *code).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), codes.len(), "a code used twice: {codes:?}");
        assert_eq!(from_code(codes, "nonsense"), None);
    }

    // Each `every_*` lists the variants of one enum. Its `match` has no wildcard, so a new
    // variant does not compile until it is added here, and then the round trip fails until it has
    // a code in the table.

    fn every_session() -> Vec<Session> {
        let every = vec![Session::Morning, Session::Afternoon];
        for session in &every {
            match session {
                Session::Morning | Session::Afternoon => {}
            }
        }
        every
    }

    fn every_sessions() -> Vec<Sessions> {
        let every = vec![Sessions::Morning, Sessions::Afternoon, Sessions::Both];
        for sessions in &every {
            match sessions {
                Sessions::Morning | Sessions::Afternoon | Sessions::Both => {}
            }
        }
        every
    }

    fn every_approval_level() -> Vec<ApprovalLevel> {
        let every = vec![
            ApprovalLevel::InspectionOffice,
            ApprovalLevel::DeputyDirector,
            ApprovalLevel::DirectorWithUnitCertificate,
        ];
        for level in &every {
            match level {
                ApprovalLevel::InspectionOffice
                | ApprovalLevel::DeputyDirector
                | ApprovalLevel::DirectorWithUnitCertificate => {}
            }
        }
        every
    }

    fn every_punch_role() -> Vec<PunchRole> {
        let every = vec![PunchRole::ClockIn, PunchRole::ClockOut];
        for role in &every {
            match role {
                PunchRole::ClockIn | PunchRole::ClockOut => {}
            }
        }
        every
    }

    #[test]
    fn every_variant_round_trips_through_its_code() {
        check_round_trip(LEAVE_KIND_CODES, &LeaveKind::ALL);
        check_round_trip(SESSION_CODES, &every_session());
        check_round_trip(SESSIONS_CODES, &every_sessions());
        check_round_trip(APPROVAL_LEVEL_CODES, &every_approval_level());
        check_round_trip(PUNCH_ROLE_CODES, &every_punch_role());
        assert_eq!(expected(SESSION_CODES), "morning, afternoon");
    }
}

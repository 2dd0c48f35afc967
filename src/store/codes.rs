//! Text codes: each enum the store keeps in a TEXT column has one table here, `(variant, code)`,
//! and every write and read goes through the two generic helpers [`to_text`] and [`from_text`],
//! so a code cannot be added on one side only. The codes are the ones the migrations' `CHECK`
//! constraints name; changing one is a schema change (a new migration), not an edit here.
//!
//! This file holds no SQL and decides nothing: it only names values. A tagged value whose code
//! carries data beside it (an amendment's `add`/`void` with its instant, the outbox verdict with
//! its minutes) is converted where it is read, not here.

use std::fmt::Debug;

use super::{corrupt, StoreError};
use crate::core::leave::{ApprovalLevel, LeaveKind};
use crate::core::schedule::{PunchRole, Session, Sessions};

/// One enum's text codes: each variant once, each code once (checked by the tests below).
pub(super) type Codes<T> = [(T, &'static str)];

/// `leave.kind`.
pub(super) const LEAVE_KIND_CODES: &Codes<LeaveKind> = &[
    (LeaveKind::Sick, "sick"),
    (LeaveKind::Personal, "personal"),
    (LeaveKind::Annual, "annual"),
    (LeaveKind::HomeVisit, "home-visit"),
    (LeaveKind::MarriageMaternity, "marriage-maternity"),
    (LeaveKind::Bereavement, "bereavement"),
    (LeaveKind::OfficialErrand, "official-errand"),
    (LeaveKind::OfficialDuty, "official-duty"),
];

/// `leave.first_session`, `leave.last_session`.
pub(super) const SESSION_CODES: &Codes<Session> = &[
    (Session::Morning, "morning"),
    (Session::Afternoon, "afternoon"),
];

/// `duty_roster.sessions`.
pub(super) const SESSIONS_CODES: &Codes<Sessions> = &[
    (Sessions::Morning, "morning"),
    (Sessions::Afternoon, "afternoon"),
    (Sessions::Both, "both"),
];

/// `leave.approval_required`, `leave.approved_level`.
pub(super) const APPROVAL_LEVEL_CODES: &Codes<ApprovalLevel> = &[
    (ApprovalLevel::InspectionOffice, "inspection-office"),
    (ApprovalLevel::DeputyDirector, "deputy-director"),
    (ApprovalLevel::DirectorWithUnitCertificate, "director"),
];

/// `outbox.role`.
pub(super) const PUNCH_ROLE_CODES: &Codes<PunchRole> =
    &[(PunchRole::ClockIn, "in"), (PunchRole::ClockOut, "out")];

/// The code of `value` in `codes`.
///
/// # Panics
/// If `value` is not in `codes`. Every variant of every table's enum is, which the round-trip
/// test of that table checks, with an exhaustive `match` that stops a new variant from compiling
/// until it is listed there.
pub(super) fn to_text<T: Copy + PartialEq + Debug>(codes: &Codes<T>, value: T) -> &'static str {
    codes
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, code)| *code)
        .expect("every variant has a code: each table's round-trip test lists them all")
}

/// The variant whose code is `text`, read from `column`.
///
/// # Errors
/// [`StoreError::Corrupt`] naming `column` and `text` when no variant has that code.
pub(super) fn from_text<T: Copy>(
    codes: &Codes<T>,
    column: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    codes
        .iter()
        .find(|(_, code)| *code == text)
        .map(|(v, _)| *v)
        .ok_or_else(|| corrupt(column, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each variant's code reads back as that variant, each variant is listed once, no code is
    /// used twice, and an unknown code is a corruption naming the column and the value.
    #[track_caller]
    fn check_round_trip<T: Copy + PartialEq + Debug>(codes: &Codes<T>, every: &[T]) {
        assert_eq!(codes.len(), every.len(), "each variant once: {codes:?}");
        for &value in every {
            let text = to_text(codes, value);
            assert_eq!(from_text(codes, "t.c", text).unwrap(), value, "{text}");
        }
        let mut texts: Vec<&str> = codes.iter().map(|(_, code)| *code).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), codes.len(), "a code used twice: {codes:?}");
        let err = from_text(codes, "t.c", "nonsense").unwrap_err();
        assert_eq!(
            err.to_string(),
            "database holds a bad value in t.c: nonsense"
        );
    }

    // Each `every_*` lists the variants of one enum. Its `match` has no wildcard, so a new
    // variant does not compile until it is added here, and then the round trip fails until it has
    // a code in the table.

    fn every_leave_kind() -> Vec<LeaveKind> {
        LeaveKind::ALL.to_vec()
    }

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
        check_round_trip(LEAVE_KIND_CODES, &every_leave_kind());
        check_round_trip(SESSION_CODES, &every_session());
        check_round_trip(SESSIONS_CODES, &every_sessions());
        check_round_trip(APPROVAL_LEVEL_CODES, &every_approval_level());
        check_round_trip(PUNCH_ROLE_CODES, &every_punch_role());
    }
}

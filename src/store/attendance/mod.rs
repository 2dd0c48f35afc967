//! Attendance tables (migration 0002): punches (append-only) and their amendments, leave, window
//! posts, meetings and sign-ins, the duty roster, the calendar, and each person's active-from date.
//! Every SQL statement about attendance lives in this folder, behind typed functions that take and
//! return core types (or small row structs); the loader [`Store::load_facts`] gathers what
//! [`crate::core::rules::classify`] needs for a period.
//!
//! A folder by table: `punches.rs` (punches, imports, amendments), `leave.rs`, `posts.rs`,
//! `meetings.rs`, `duty.rs`, `calendar.rs`, `staff.rs` (staff ids, active-from) and `facts.rs` (the
//! loader). This file holds what they share: the error of a refused write, the re-exports (so every
//! `crate::store::X` path stays), and a count.
//!
//! No file here may decide anything the rules decide (lateness, absence, points): it stores and
//! loads facts. The one check it makes itself is that a new leave does not overlap another of the
//! same person, using [`LeaveBook::add`](crate::core::leave::LeaveBook::add) inside the writing
//! transaction so the check and the insert cannot be separated. Every multi-row write is one
//! transaction: an import is all or nothing, and a punch is durable when the call returns (WAL,
//! `synchronous = FULL`).

use jiff::Timestamp;

use super::{sql, Store, StoreError};
use crate::core::ids::StaffId;
use crate::core::leave::{LeaveError, LeaveId};

mod calendar;
mod centre;
mod duty;
mod facts;
mod leave;
mod meetings;
mod posts;
mod punches;
mod staff;

pub(super) use staff::ensure_staff;

pub use centre::{CentreFacts, CentreFactsApplied, CentreLeave};
pub use facts::{AttendanceFacts, FactsQuery};
pub use leave::{Approval, LeaveRecord, NewLeave};
pub use punches::{AmendmentRow, PunchImportFormat, PunchImportSummary, PunchRow};
pub use staff::{StaffImportRow, StaffImportSummary};

/// Refusals of an attendance write that are not database failures.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Leave(#[from] LeaveError),
    #[error(
        "cannot void a punch of {staff} at {at}: there is none at that instant (or it is already \
         voided); expected the exact time of a punch shown by `hallclock punch list`"
    )]
    NothingToVoid { staff: StaffId, at: Timestamp },
    #[error("leave {0} is already approved")]
    AlreadyApproved(LeaveId),
    #[error("leave {0} is already closed (销假)")]
    AlreadyClosed(LeaveId),
}

pub(super) fn count(store: &Store, query: &str, action: &'static str) -> Result<usize, StoreError> {
    let n: i64 = store
        .conn
        .query_row(query, [], |r| r.get(0))
        .map_err(sql(action))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

pub(super) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
use crate::store::testing;

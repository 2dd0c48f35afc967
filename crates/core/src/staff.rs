//! One person of a staff list, as a file or the centre gives it: the importer reads it, the
//! app passes it on and the store writes it. Plain data, written once for all three.
//!
//! Must not read files or the store, nor decide what an import changes (the store does, in one
//! transaction).

use jiff::civil::Date;

use crate::ids::StaffId;

/// One person of a staff list import. `None` leaves what is on record (a new person gets none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffImportRow {
    pub id: StaffId,
    pub name: String,
    pub post: Option<String>,
    /// 派驻单位: the unit the person is seconded from.
    pub department: Option<String>,
    /// The first day the person is judged (考勤起始日期).
    pub active_from: Option<Date>,
}

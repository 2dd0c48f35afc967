//! Who is on the list and from when: the staff ids the attendance writes check against, and each
//! person's active-from date (someone enrolled mid-month is judged from that day). The staff table
//! itself (names, embeddings) is `store/mod.rs`'s; this file only reads its ids and sets
//! `active_from`. Must not decide anything about a day before the active-from date: the rules do.

use std::collections::BTreeSet;

use jiff::civil::Date;
use rusqlite::{params, OptionalExtension, Transaction};

use crate::core::ids::StaffId;
use crate::store::audit::{write_audit, Audit};
use crate::store::{select, sql, staff_id, Store, StoreError};

impl Store {
    /// The ids of everyone on the staff list, active or not.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn staff_ids(&self) -> Result<BTreeSet<StaffId>, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(sql("list staff ids"))?;
        staff_ids_in(&tx)
    }

    /// Sets the first day `staff` is judged (someone enrolled mid-month); `None` clears it.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn set_active_from(
        &mut self,
        staff: &StaffId,
        from: Option<Date>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "set the active-from date";
        let tx = self.write(action)?;
        let n = tx
            .execute(
                "UPDATE staff SET active_from = ?2 WHERE staff_id = ?1",
                params![staff.as_str(), from.map(|d| d.to_string())],
            )
            .map_err(sql(action))?;
        if n == 0 {
            return Err(StoreError::UnknownStaff(staff.clone()));
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }
}

pub(super) fn staff_ids_in(tx: &Transaction<'_>) -> Result<BTreeSet<StaffId>, StoreError> {
    Ok(select(
        tx,
        "list staff ids",
        "SELECT staff_id FROM staff",
        [],
        |c| staff_id(&c.get::<String>(0)?, "staff.staff_id"),
    )?
    .into_iter()
    .collect())
}

pub(in crate::store) fn ensure_staff(tx: &Transaction<'_>, id: &StaffId) -> Result<(), StoreError> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM staff WHERE staff_id = ?1",
            params![id.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql("look up a staff member"))?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::UnknownStaff(id.clone())),
    }
}

//! Who is on the list and from when: the staff ids the attendance writes check against, each
//! person's active-from date (someone enrolled mid-month is judged from that day) and department
//! (派驻单位), and the staff list's bulk import. The staff table's single-person writes (names,
//! embeddings) are `store/mod.rs`'s. Must not decide anything about a day before the active-from
//! date: the rules do.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use crate::core::ids::StaffId;
use crate::store::audit::{write_audit, Audit};
use crate::store::{select, sql, staff_id, Store, StoreError};

pub use crate::core::staff::StaffImportRow;

/// What a staff list import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaffImportSummary {
    pub added: usize,
    pub updated: usize,
}

impl Store {
    /// Adds or updates everyone of a staff list in one transaction, with one audit record: all or
    /// nothing. An updated person keeps their post, department and active-from date where the row
    /// leaves them empty, and becomes active again.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn import_staff(
        &mut self,
        rows: &[StaffImportRow],
        now: Timestamp,
        audit: &Audit,
    ) -> Result<StaffImportSummary, StoreError> {
        let action = "import the staff list";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        let known = staff_ids_in(&tx)?;
        let mut summary = StaffImportSummary {
            added: 0,
            updated: 0,
        };
        {
            let mut upsert = tx
                .prepare(
                    "INSERT INTO staff (staff_id, name, post, department, active_from, active, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)
                     ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name,
                         post = COALESCE(excluded.post, staff.post),
                         department = COALESCE(excluded.department, staff.department),
                         active_from = COALESCE(excluded.active_from, staff.active_from),
                         active = 1",
                )
                .map_err(sql(action))?;
            for r in rows {
                upsert
                    .execute(params![
                        r.id.as_str(),
                        r.name,
                        r.post,
                        r.department,
                        r.active_from.map(|d| d.to_string()),
                        now.to_string()
                    ])
                    .map_err(sql(action))?;
                if known.contains(&r.id) {
                    summary.updated += 1;
                } else {
                    summary.added += 1;
                }
            }
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(summary)
    }

    /// Sets the first judged day of every active person who has none yet (a mid-year
    /// installation: nobody is judged absent for the months before it). Returns how many.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn set_active_from_where_unset(
        &mut self,
        from: Date,
        audit: &Audit,
    ) -> Result<usize, StoreError> {
        let action = "set the first judged day of everyone without one";
        let tx = self.conn.transaction().map_err(sql(action))?;
        let n = tx
            .execute(
                "UPDATE staff SET active_from = ?1 WHERE active_from IS NULL AND active = 1",
                params![from.to_string()],
            )
            .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(n)
    }

    /// Everyone's department (派驻单位), for who has one on record.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn departments(&self) -> Result<BTreeMap<StaffId, String>, StoreError> {
        let action = "list departments";
        let mut stmt = self
            .conn
            .prepare("SELECT staff_id, department FROM staff WHERE department IS NOT NULL")
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(sql(action))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (id, department) = row.map_err(sql(action))?;
            out.insert(staff_id(&id, "staff.staff_id")?, department);
        }
        Ok(out)
    }

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

    /// Sets the department (派驻单位) of `staff`; `None` clears it.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn set_department(
        &mut self,
        staff: &StaffId,
        department: Option<&str>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        self.update_person(
            "set the department",
            "UPDATE staff SET department = ?2 WHERE staff_id = ?1",
            staff,
            department.map(str::to_string),
            audit,
        )
    }

    /// Runs `update` (`?1` the staff id, `?2` the value) on one person, with its audit line.
    fn update_person(
        &mut self,
        action: &'static str,
        update: &str,
        staff: &StaffId,
        value: Option<String>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let tx = self.write(action)?;
        let n = tx
            .execute(update, params![staff.as_str(), value])
            .map_err(sql(action))?;
        if n == 0 {
            return Err(StoreError::UnknownStaff(staff.clone()));
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
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
        self.update_person(
            "set the active-from date",
            "UPDATE staff SET active_from = ?2 WHERE staff_id = ?1",
            staff,
            from.map(|d| d.to_string()),
            audit,
        )
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

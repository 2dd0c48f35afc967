//! The `duty_roster` table (值班 on days off): an import that widens an existing entry's
//! sessions, and its count. Must not judge a duty day: the rules do.

use rusqlite::params;

use super::count;
use super::staff::staff_ids_in;
use crate::core::calendar::DutyEntry;
use crate::store::audit::{write_audit, Audit};
use crate::store::codes::{to_text, SESSIONS_CODES};
use crate::store::{sql, Store, StoreError};

impl Store {
    /// Imports duty roster entries in one transaction. An entry for a person and date already on
    /// the roster widens its sessions, as [`DutyRoster::add`] does.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] for the first unknown person, or [`StoreError::Sql`].
    pub fn import_duty(
        &mut self,
        entries: &[DutyEntry],
        audit: &Audit,
    ) -> Result<usize, StoreError> {
        let action = "import the duty roster";
        let tx = self.write(action)?;
        let known = staff_ids_in(&tx)?;
        if let Some(e) = entries.iter().find(|e| !known.contains(&e.staff)) {
            return Err(StoreError::UnknownStaff(e.staff.clone()));
        }
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO duty_roster (staff_id, date, sessions) VALUES (?1, ?2, ?3)
                     ON CONFLICT (staff_id, date) DO UPDATE SET sessions =
                         CASE WHEN sessions = excluded.sessions THEN sessions ELSE 'both' END",
                )
                .map_err(sql(action))?;
            for e in entries {
                insert
                    .execute(params![
                        e.staff.as_str(),
                        e.date.to_string(),
                        to_text(SESSIONS_CODES, e.sessions)
                    ])
                    .map_err(sql(action))?;
            }
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(entries.len())
    }

    /// Number of duty roster entries.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn duty_count(&self) -> Result<usize, StoreError> {
        count(
            self,
            "SELECT COUNT(*) FROM duty_roster",
            "count duty entries",
        )
    }
}

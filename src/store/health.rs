//! The store's health and limits, for the door daemon and `hallclock doctor`: the integrity check,
//! a cap on the file's size, and the last sequence number a device used. SQL only; no decisions.

use super::{last_seq, select, sql, Store, StoreError};

impl Store {
    /// SQLite's `PRAGMA integrity_check`: `Ok(None)` when the file is sound, else the first
    /// problems SQLite lists.
    ///
    /// # Errors
    /// [`StoreError::Sql`] when the check itself cannot run.
    pub fn integrity_problems(&self) -> Result<Option<String>, StoreError> {
        let lines = select(
            &self.conn,
            "check the database's integrity",
            "PRAGMA integrity_check(20)",
            [],
            |c| c.get::<String>(0),
        )?;
        Ok((lines != ["ok"]).then(|| lines.join("; ")))
    }

    /// Caps this connection's database file at about `bytes` (SQLite's `max_page_count`): a write
    /// that would grow it further fails with "database or disk is full" and changes nothing.
    /// Keeps an SD card from filling up; tests use it to simulate a full disk.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn limit_size(&self, bytes: u64) -> Result<u64, StoreError> {
        let action = "limit the database's size";
        let page: i64 = self
            .conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(sql(action))?;
        let pages = (bytes / page.max(1) as u64).max(1);
        let set: i64 = self
            .conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get(0)
            })
            .map_err(sql(action))?;
        Ok(set as u64 * page as u64)
    }

    /// The highest punch sequence number `device` has used (0 when none).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn last_punch_seq(&self, device: &str) -> Result<u64, StoreError> {
        let seq = last_seq(&self.conn, device, "read the last punch sequence number")?;
        Ok(u64::try_from(seq).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_fresh_store_is_sound_and_can_be_capped() {
        let (_dir, s) = crate::store::testing::store_with(&[]);
        assert_eq!(s.integrity_problems().unwrap(), None);
        assert_eq!(s.last_punch_seq("door-1").unwrap(), 0);
        assert!(s.limit_size(1 << 20).unwrap() <= 1 << 20);
    }
}

//! The `punches` table (append-only: a trigger refuses UPDATE and DELETE), its `punch_imports`
//! and the `punch_amendments` that correct it: a door punch, an all-or-nothing import, the
//! listings for `punch list`, and an amendment (a void is refused unless a punch is there to
//! void). A correction is a new row, never an edit. Must not judge a punch (late, early): that is
//! the rules' work over what is loaded here.

use std::collections::BTreeSet;

use jiff::Timestamp;
use rusqlite::params;

use super::staff::{ensure_staff, staff_ids_in};
use super::{count, to_i64, RecordError};
use crate::core::ids::StaffId;
use crate::core::rules::{Amendment, Correction, Punch};
use crate::store::audit::{write_audit, Audit};
use crate::store::{corrupt, instant, last_seq, select, sql, staff_id, stamp, Store, StoreError};

/// Where an imported punch came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PunchImportFormat {
    /// Plain CSV with a header line.
    Csv,
    /// ZKTeco's ATTLOG text export.
    Zkteco,
}

/// What one import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PunchImportSummary {
    /// The import's id, stored with every punch it added.
    pub import_id: i64,
    /// Punches written.
    pub added: usize,
    /// Punches already on record (same person, same instant), not written again.
    pub skipped: usize,
}

/// A stored punch with its bookkeeping, for `punch list`.
#[derive(Debug, Clone, PartialEq)]
pub struct PunchRow {
    pub id: i64,
    pub punch: Punch,
    pub device: String,
    pub seq: u64,
    pub score: Option<f32>,
    /// `door`, `import-csv` or `import-zkteco`.
    pub source: String,
}

/// A stored amendment, for `punch list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendmentRow {
    pub id: i64,
    pub amendment: Amendment,
    pub created_at: Timestamp,
}

impl Store {
    /// Records one punch from the door: durable when this returns.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`], or [`StoreError::Sql`] (e.g. a `(device, seq)` used twice).
    pub fn record_punch(
        &mut self,
        punch: &Punch,
        device: &str,
        seq: u64,
        score: Option<f32>,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let tx = self.write("record a punch")?;
        ensure_staff(&tx, &punch.staff)?;
        tx.execute(
            "INSERT INTO punches (staff_id, at_unix_ms, device, seq, score, clock_trusted, source,
                                  created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'door', ?7)",
            params![
                punch.staff.as_str(),
                punch.at.as_millisecond(),
                device,
                to_i64(seq),
                score.map(f64::from),
                punch.clock_trusted,
                now.to_string()
            ],
        )
        .map_err(sql("record a punch"))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(sql("record a punch"))?;
        Ok(id)
    }

    /// Imports punches in one transaction: all are written, or none. A punch of the same person
    /// at the same instant as one already stored is skipped (so importing a file twice adds
    /// nothing). Each written punch gets the next sequence number of `device`.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] for the first punch of a person not on the staff list (the
    /// caller should check first, to report the line), or [`StoreError::Sql`].
    pub fn import_punches(
        &mut self,
        file_name: &str,
        format: PunchImportFormat,
        device: &str,
        punches: &[Punch],
        now: Timestamp,
        audit: &Audit,
    ) -> Result<PunchImportSummary, StoreError> {
        let (format_name, source) = match format {
            PunchImportFormat::Csv => ("csv", "import-csv"),
            PunchImportFormat::Zkteco => ("zkteco", "import-zkteco"),
        };
        let action = "import punches";
        let tx = self.write(action)?;
        let known = staff_ids_in(&tx)?;
        if let Some(p) = punches.iter().find(|p| !known.contains(&p.staff)) {
            return Err(StoreError::UnknownStaff(p.staff.clone()));
        }
        tx.execute(
            "INSERT INTO punch_imports (file_name, format, added, skipped, imported_at)
             VALUES (?1, ?2, 0, 0, ?3)",
            params![file_name, format_name, now.to_string()],
        )
        .map_err(sql(action))?;
        let import_id = tx.last_insert_rowid();
        let mut seq = last_seq(&tx, device, action)?;
        let (mut added, mut skipped) = (0usize, 0usize);
        {
            let mut exists = tx
                .prepare("SELECT 1 FROM punches WHERE staff_id = ?1 AND at_unix_ms = ?2 LIMIT 1")
                .map_err(sql(action))?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO punches (staff_id, at_unix_ms, device, seq, score, clock_trusted,
                                          source, import_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8)",
                )
                .map_err(sql(action))?;
            let created = now.to_string();
            let mut seen: BTreeSet<(&StaffId, i64)> = BTreeSet::new();
            for p in punches {
                let ms = p.at.as_millisecond();
                let on_record = !seen.insert((&p.staff, ms))
                    || exists
                        .exists(params![p.staff.as_str(), ms])
                        .map_err(sql(action))?;
                if on_record {
                    skipped += 1;
                    continue;
                }
                seq += 1;
                insert
                    .execute(params![
                        p.staff.as_str(),
                        ms,
                        device,
                        seq,
                        p.clock_trusted,
                        source,
                        import_id,
                        created
                    ])
                    .map_err(sql(action))?;
                added += 1;
            }
        }
        tx.execute(
            "UPDATE punch_imports SET added = ?1, skipped = ?2 WHERE id = ?3",
            params![to_i64(added as u64), to_i64(skipped as u64), import_id],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(PunchImportSummary {
            import_id,
            added,
            skipped,
        })
    }

    /// Number of stored punches (all sources).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn punch_count(&self) -> Result<usize, StoreError> {
        count(self, "SELECT COUNT(*) FROM punches", "count punches")
    }

    /// Punches with `from <= at < until`, optionally of one person, by time.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn punches_between(
        &self,
        from: Timestamp,
        until: Timestamp,
        staff: Option<&StaffId>,
    ) -> Result<Vec<PunchRow>, StoreError> {
        select(
            &self.conn,
            "list punches",
            "SELECT id, staff_id, at_unix_ms, clock_trusted, device, seq, score, source
             FROM punches
             WHERE at_unix_ms >= ?1 AND at_unix_ms < ?2 AND (?3 IS NULL OR staff_id = ?3)
             ORDER BY at_unix_ms, id",
            params![
                from.as_millisecond(),
                until.as_millisecond(),
                staff.map(StaffId::as_str)
            ],
            |c| {
                Ok(PunchRow {
                    id: c.get(0)?,
                    punch: Punch {
                        staff: staff_id(&c.get::<String>(1)?, "punches.staff_id")?,
                        at: instant(c.get(2)?, "punches.at_unix_ms")?,
                        clock_trusted: c.get(3)?,
                    },
                    device: c.get(4)?,
                    seq: u64::try_from(c.get::<i64>(5)?).unwrap_or(0),
                    score: c.get::<Option<f64>>(6)?.map(|s| s as f32),
                    source: c.get(7)?,
                })
            },
        )
    }

    /// Amendments about instants `from <= at < until`, optionally of one person, by time.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn amendments_between(
        &self,
        from: Timestamp,
        until: Timestamp,
        staff: Option<&StaffId>,
    ) -> Result<Vec<AmendmentRow>, StoreError> {
        select(
            &self.conn,
            "list amendments",
            "SELECT id, staff_id, action, at_unix_ms, reason, author, created_at
             FROM punch_amendments
             WHERE at_unix_ms >= ?1 AND at_unix_ms < ?2 AND (?3 IS NULL OR staff_id = ?3)
             ORDER BY id",
            params![
                from.as_millisecond(),
                until.as_millisecond(),
                staff.map(StaffId::as_str)
            ],
            |c| {
                let at = instant(c.get(3)?, "punch_amendments.at_unix_ms")?;
                let correction = match c.get::<String>(2)?.as_str() {
                    "add" => Correction::AddPunch { at },
                    "void" => Correction::VoidPunch { at },
                    other => return Err(corrupt("punch_amendments.action", other)),
                };
                Ok(AmendmentRow {
                    id: c.get(0)?,
                    amendment: Amendment {
                        staff: staff_id(&c.get::<String>(1)?, "punch_amendments.staff_id")?,
                        correction,
                        reason: c.get(4)?,
                        author: staff_id(&c.get::<String>(5)?, "punch_amendments.author")?,
                    },
                    created_at: stamp(&c.get::<String>(6)?, "punch_amendments.created_at")?,
                })
            },
        )
    }

    /// Records a supervisor's correction. A void must name the exact instant of a punch (or of
    /// an added pass) of that person that is not voided yet.
    ///
    /// # Errors
    /// [`RecordError::NothingToVoid`], [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn amend_punch(
        &mut self,
        amendment: &Amendment,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<i64, RecordError> {
        let action = "record an amendment";
        let tx = self.write(action)?;
        ensure_staff(&tx, &amendment.staff)?;
        let (kind, at) = match amendment.correction {
            Correction::AddPunch { at } => ("add", at),
            Correction::VoidPunch { at } => ("void", at),
        };
        let ms = at.as_millisecond();
        if kind == "void" {
            let count = |q: &str| -> Result<i64, StoreError> {
                tx.query_row(q, params![amendment.staff.as_str(), ms], |r| r.get(0))
                    .map_err(sql(action))
            };
            let punched =
                count("SELECT COUNT(*) FROM punches WHERE staff_id = ?1 AND at_unix_ms = ?2")?
                    + count(
                        "SELECT COUNT(*) FROM punch_amendments
                 WHERE staff_id = ?1 AND at_unix_ms = ?2 AND action = 'add'",
                    )?;
            let voided = count(
                "SELECT COUNT(*) FROM punch_amendments
                 WHERE staff_id = ?1 AND at_unix_ms = ?2 AND action = 'void'",
            )?;
            if punched <= voided {
                return Err(RecordError::NothingToVoid {
                    staff: amendment.staff.clone(),
                    at,
                });
            }
        }
        tx.execute(
            "INSERT INTO punch_amendments (staff_id, action, at_unix_ms, reason, author, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                amendment.staff.as_str(),
                kind,
                ms,
                amendment.reason.trim(),
                amendment.author.as_str(),
                now.to_string()
            ],
        )
        .map_err(sql(action))?;
        let id = tx.last_insert_rowid();
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::{Amendment, Correction};
    use crate::store::attendance::testing::*;
    #[test]
    fn punches_are_append_only_at_the_sql_level() {
        let (_dir, mut store) = store_with(&["0001"]);
        store
            .record_punch(
                &punch("0001", "2026-11-02T00:00:00Z"),
                "door-1",
                1,
                Some(0.71),
                now(),
            )
            .unwrap();
        for statement in ["UPDATE punches SET at_unix_ms = 0", "DELETE FROM punches"] {
            let err = store.conn.execute(statement, []).unwrap_err().to_string();
            assert_eq!(err, "punches are append-only; record an amendment instead");
        }
        // the same (device, seq) twice is refused
        assert!(store
            .record_punch(
                &punch("0001", "2026-11-02T01:00:00Z"),
                "door-1",
                1,
                None,
                now()
            )
            .is_err());
        assert!(matches!(
            store.record_punch(
                &punch("0009", "2026-11-02T01:00:00Z"),
                "door-1",
                2,
                None,
                now()
            ),
            Err(StoreError::UnknownStaff(_))
        ));
    }

    #[test]
    fn import_is_all_or_nothing_and_idempotent() {
        let (_dir, mut store) = store_with(&["0001", "0002"]);
        let good = [
            punch("0001", "2026-11-02T00:00:00Z"),
            punch("0002", "2026-11-02T00:01:00Z"),
            punch("0002", "2026-11-02T00:01:00Z"),
        ];
        let audit = crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", "");
        let mut import = |punches: &[Punch]| {
            store.import_punches(
                "a.csv",
                PunchImportFormat::Csv,
                "import",
                punches,
                now(),
                &audit,
            )
        };
        let summary = import(&good).unwrap();
        assert_eq!((summary.added, summary.skipped), (2, 1));
        let again = import(&good).unwrap();
        assert_eq!((again.added, again.skipped), (0, 3));
        let bad = [
            punch("0001", "2026-11-03T00:00:00Z"),
            punch("0099", "2026-11-03T00:00:00Z"),
        ];
        assert!(matches!(
            import(&bad),
            Err(StoreError::UnknownStaff(s)) if s.as_str() == "0099"
        ));
        assert_eq!(store.punch_count().unwrap(), 2);
        let rows = store
            .punches_between(
                "2026-11-01T00:00:00Z".parse().unwrap(),
                "2026-11-04T00:00:00Z".parse().unwrap(),
                None,
            )
            .unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.seq, r.source.as_str()))
                .collect::<Vec<_>>(),
            [(1, "import-csv"), (2, "import-csv")]
        );
    }

    #[test]
    fn voiding_needs_a_punch_and_only_once() {
        let (_dir, mut store) = store_with(&["0001", "0900"]);
        let at: Timestamp = "2026-11-02T00:00:00Z".parse().unwrap();
        store
            .record_punch(
                &punch("0001", "2026-11-02T00:00:00Z"),
                "door-1",
                1,
                None,
                now(),
            )
            .unwrap();
        let void = Amendment {
            staff: id("0001"),
            correction: Correction::VoidPunch { at },
            reason: "colleague's face".into(),
            author: id("0900"),
        };
        store
            .amend_punch(
                &void,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap();
        let err = store
            .amend_punch(
                &void,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap_err();
        assert!(matches!(err, RecordError::NothingToVoid { .. }), "{err}");
    }
}

//! The SQLite store: schema, numbered migrations, and every SQL statement hallclock runs.
//!
//! One file, opened in WAL mode with `synchronous = FULL`, so that a write is durable when the call
//! returns. Other modules never see SQL: they call the typed functions here. Face images are never
//! written unless the caller says the site keeps them.

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{params, Connection, OptionalExtension};

use crate::core::ids::{StaffId, StaffIdError};

mod accounts;
mod attendance;
mod audit;
mod calibration;
mod codes;
mod evidence;
mod health;
mod liveness;
mod migrations;
mod outbox;

pub use accounts::{AccountRecord, AuditRecord, ConsentRecord, SessionRecord};
pub use attendance::{
    AmendmentRow, Approval, AttendanceFacts, CentreFacts, CentreFactsApplied, CentreLeave,
    FactsQuery, LeaveRecord, NewLeave, PunchImportFormat, PunchImportSummary, PunchRow,
    RecordError, StaffImportRow, StaffImportSummary,
};
pub use audit::{Audit, AuditFilter};
pub use calibration::{Calibration, CalibrationState, LivenessSample, SampleKind, SampleSource};
pub use liveness::{AttemptRecord, SpoofAttempt, SpoofLine, SpoofOutcome};
pub use outbox::{
    DoorPunch, LivenessMark, OutboxCounts, OutboxId, OutboxRecord, OutboxVerdict, ParkedRecord,
    RecordedPunch, UnclassifiedRecord,
};

/// Failures of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path} is at schema version {found}, newer than this hallclock knows ({known}); upgrade hallclock")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot migrate database {path} to schema version {version}: {source}")]
    Migrate {
        path: PathBuf,
        version: i64,
        source: rusqlite::Error,
    },
    #[error("database error while trying to {action}: {source}")]
    Sql {
        action: &'static str,
        source: rusqlite::Error,
    },
    #[error("no staff member with id {0}")]
    UnknownStaff(StaffId),
    #[error("database holds a bad value in {what}: {detail}")]
    Corrupt { what: &'static str, detail: String },
    #[error("cannot keep or read the evidence frame {path}: {source}")]
    Evidence {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl From<StaffIdError> for StoreError {
    fn from(e: StaffIdError) -> Self {
        StoreError::Corrupt {
            what: "staff.staff_id",
            detail: e.to_string(),
        }
    }
}

/// A bad value read back from the database.
fn corrupt(what: &'static str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what,
        detail: detail.to_string(),
    }
}

fn staff_id(text: &str, what: &'static str) -> Result<StaffId, StoreError> {
    StaffId::new(text).map_err(|e| corrupt(what, e))
}

/// An instant stored as UTC milliseconds since the Unix epoch.
fn instant(ms: i64, what: &'static str) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|e| corrupt(what, format!("{ms}: {e}")))
}

/// An instant stored as RFC 3339 text.
fn stamp(text: &str, what: &'static str) -> Result<Timestamp, StoreError> {
    text.parse()
        .map_err(|e| corrupt(what, format!("{text:?}: {e}")))
}

fn date(text: &str, what: &'static str) -> Result<jiff::civil::Date, StoreError> {
    text.parse()
        .map_err(|e| corrupt(what, format!("{text:?}: {e}")))
}

fn sql(action: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |source| StoreError::Sql { action, source }
}

/// The last sequence number `device` gave a punch (0 before its first).
fn last_seq(
    conn: &rusqlite::Connection,
    device: &str,
    action: &'static str,
) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM punches WHERE device = ?1",
        rusqlite::params![device],
        |r| r.get(0),
    )
    .map_err(sql(action))
}

/// One result row, its columns read with the failure named after `action`.
struct Cols<'a, 'r> {
    row: &'a rusqlite::Row<'r>,
    action: &'static str,
}

impl Cols<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, column: usize) -> Result<T, StoreError> {
        self.row.get(column).map_err(sql(self.action))
    }
}

impl Store {
    /// Settles rows of an upload queue in one transaction: marks `acked` acknowledged and parks
    /// `parked` with the server's reasons, through `settle` (`?1` the row's id, `?2` its new
    /// state, `acked` or `parked`, `?3` the reason or NULL, `?4` the instant in milliseconds),
    /// which leaves a row already settled as it is. Returns how many rows changed.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (nothing is written then).
    fn settle_queue(
        &mut self,
        action: &'static str,
        settle: &str,
        (acked, parked): (&[i64], &[(i64, &str)]),
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let tx = self.write(action)?;
        let mut changed = 0;
        {
            let mut settle = tx.prepare_cached(settle).map_err(sql(action))?;
            let rows = acked
                .iter()
                .map(|id| (*id, "acked", None))
                .chain(parked.iter().map(|(id, why)| (*id, "parked", Some(*why))));
            for (id, state, why) in rows {
                changed += settle
                    .execute(params![id, state, why, now.as_millisecond()])
                    .map_err(sql(action))?;
            }
        }
        tx.commit().map_err(sql(action))?;
        Ok(changed)
    }
}

/// Runs the query `query` (prepared once per connection and cached) for `action` and turns each
/// row into a `T` with `convert`, which may refuse a corrupt value.
fn select<T>(
    conn: &rusqlite::Connection,
    action: &'static str,
    query: &str,
    params: impl rusqlite::Params,
    mut convert: impl FnMut(&Cols<'_, '_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(query).map_err(sql(action))?;
    let mut rows = stmt.query(params).map_err(sql(action))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql(action))? {
        out.push(convert(&Cols { row, action })?);
    }
    Ok(out)
}

impl Store {
    /// A write transaction for `action`, holding SQLite's write lock from its first statement
    /// (`BEGIN IMMEDIATE`), so that what it reads cannot change before it writes and it never
    /// fails half-way for want of the lock. Every change the store makes goes through one.
    fn write(&mut self, action: &'static str) -> Result<rusqlite::Transaction<'_>, StoreError> {
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(sql(action))
    }
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    pub staff_id: StaffId,
    pub name: String,
    pub post: Option<String>,
    pub active: bool,
    pub created_at: Timestamp,
}

/// A staff member with the number of embeddings they have for one model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffListing {
    pub staff: StaffRecord,
    pub embeddings: usize,
}

/// One embedding to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEmbedding<'a> {
    pub vector: &'a [f32],
    pub quality: Option<f32>,
    /// Where it came from (a photo's file name), never the image.
    pub source: Option<&'a str>,
}

/// Which model produced embeddings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelKey<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
}

/// The open database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    ///
    /// # Errors
    /// [`StoreError::Open`], [`StoreError::TooNew`] or [`StoreError::Migrate`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        migrations::run(&mut store.conn, path)?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql("read the schema version"))
    }

    /// Adds a staff member, or updates the name (and post, when given) of an existing one and
    /// makes them active again.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn upsert_staff(
        &mut self,
        id: &StaffId,
        name: &str,
        post: Option<&str>,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "save a staff member";
        let tx = self.write(action)?;
        tx.execute(
            "INSERT INTO staff (staff_id, name, post, active, created_at) VALUES (?1, ?2, ?3, 1, ?4)
             ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name,
                 post = COALESCE(excluded.post, staff.post), active = 1",
            params![id.as_str(), name, post, now.to_string()],
        )
        .map_err(sql(action))?;
        audit::write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// One staff member.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn staff(&self, id: &StaffId) -> Result<Option<StaffRecord>, StoreError> {
        self.conn
            .query_row(
                "SELECT staff_id, name, post, active, created_at FROM staff WHERE staff_id = ?1",
                params![id.as_str()],
                raw_staff,
            )
            .optional()
            .map_err(sql("read a staff member"))?
            .map(staff_from_raw)
            .transpose()
    }

    /// Every staff member, with how many embeddings of `model` each has, by id.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn list_staff(&self, model_sha256: &str) -> Result<Vec<StaffListing>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.staff_id, s.name, s.post, s.active, s.created_at,
                        (SELECT COUNT(*) FROM embeddings e WHERE e.staff_id = s.staff_id AND e.model_sha256 = ?1)
                 FROM staff s ORDER BY s.staff_id",
            )
            .map_err(sql("list staff"))?;
        let rows = stmt
            .query_map(params![model_sha256], |r| {
                Ok((raw_staff(r)?, r.get::<_, i64>(5)?))
            })
            .map_err(sql("list staff"))?;
        let mut out = Vec::new();
        for row in rows {
            let (raw, n) = row.map_err(sql("list staff"))?;
            out.push(StaffListing {
                staff: staff_from_raw(raw)?,
                embeddings: n.max(0) as usize,
            });
        }
        Ok(out)
    }

    /// Removes a person's face data: erases all their embeddings (and any kept images) and marks
    /// them inactive. Their attendance history stays. Returns the number of embeddings erased.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn remove_staff(&mut self, id: &StaffId, audit: &Audit) -> Result<usize, StoreError> {
        let tx = self.write("remove a staff member")?;
        let found = tx
            .execute(
                "UPDATE staff SET active = 0 WHERE staff_id = ?1",
                params![id.as_str()],
            )
            .map_err(sql("remove a staff member"))?;
        if found == 0 {
            return Err(StoreError::UnknownStaff(id.clone()));
        }
        let erased = tx
            .execute(
                "DELETE FROM embeddings WHERE staff_id = ?1",
                params![id.as_str()],
            )
            .map_err(sql("erase embeddings"))?;
        audit::write_audit(&tx, audit)?;
        tx.commit().map_err(sql("remove a staff member"))?;
        Ok(erased)
    }

    /// Writes a person's new embeddings in one transaction; with `keep_images`, the JPEG of each
    /// aligned face is kept beside its embedding (the site's admin must have turned that on).
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn add_embeddings(
        &mut self,
        id: &StaffId,
        model: &ModelKey<'_>,
        embeddings: &[NewEmbedding<'_>],
        images: Option<&[Vec<u8>]>,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let tx = self.write("add embeddings")?;
        attendance::ensure_staff(&tx, id)?;
        {
            let mut ins = tx
                .prepare(
                    "INSERT INTO embeddings (staff_id, model, model_sha256, dim, vector, quality, source, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(sql("add embeddings"))?;
            let mut img = tx
                .prepare(
                    "INSERT INTO face_images (embedding_id, jpeg, created_at) VALUES (?1, ?2, ?3)",
                )
                .map_err(sql("keep a face image"))?;
            for (i, e) in embeddings.iter().enumerate() {
                let blob: Vec<u8> = e.vector.iter().flat_map(|v| v.to_le_bytes()).collect();
                ins.execute(params![
                    id.as_str(),
                    model.name,
                    model.sha256,
                    e.vector.len() as i64,
                    blob,
                    e.quality,
                    e.source,
                    now.to_string()
                ])
                .map_err(sql("add embeddings"))?;
                if let Some(jpeg) = images.and_then(|imgs| imgs.get(i)) {
                    img.execute(params![tx.last_insert_rowid(), jpeg, now.to_string()])
                        .map_err(sql("keep a face image"))?;
                }
            }
        }
        audit::write_audit(&tx, audit)?;
        tx.commit().map_err(sql("add embeddings"))?;
        Ok(())
    }

    /// Every embedding of active staff made by the model with this sha256, grouped by person.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`] (a vector whose length does not match).
    pub fn embeddings_for_model(
        &self,
        model_sha256: &str,
    ) -> Result<Vec<(StaffId, Vec<f32>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT e.staff_id, e.dim, e.vector FROM embeddings e JOIN staff s ON s.staff_id = e.staff_id
                 WHERE e.model_sha256 = ?1 AND s.active = 1 ORDER BY e.staff_id, e.id",
            )
            .map_err(sql("load embeddings"))?;
        let rows = stmt
            .query_map(params![model_sha256], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .map_err(sql("load embeddings"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, dim, blob) = row.map_err(sql("load embeddings"))?;
            if blob.len() != dim.max(0) as usize * 4 {
                return Err(StoreError::Corrupt {
                    what: "embeddings.vector",
                    detail: format!("{} bytes for dimension {dim}", blob.len()),
                });
            }
            let v = blob
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            out.push((StaffId::new(&id)?, v));
        }
        Ok(out)
    }

    /// How many face images are kept (0 unless the site turned image keeping on).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn face_image_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM face_images", [], |r| r.get(0))
            .map_err(sql("count face images"))?;
        Ok(n.max(0) as usize)
    }
}

type RawStaff = (String, String, Option<String>, i64, String);

fn raw_staff(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawStaff> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn staff_from_raw((id, name, post, active, created): RawStaff) -> Result<StaffRecord, StoreError> {
    let created_at = created
        .parse::<Timestamp>()
        .map_err(|e| StoreError::Corrupt {
            what: "staff.created_at",
            detail: format!("{created:?}: {e}"),
        })?;
    Ok(StaffRecord {
        staff_id: StaffId::new(&id)?,
        name,
        post,
        active: active == 1,
        created_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-26T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn staff_and_embeddings_round_trip_in_a_real_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hc.db");
        let id = StaffId::new("0042").unwrap();
        let key = ModelKey {
            name: "m",
            sha256: "abc",
        };
        {
            let mut s = Store::open(&path).unwrap();
            s.upsert_staff(
                &id,
                "王芳",
                Some("W03-A"),
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap();
            let v = [0.5f32, -0.25, 1.0];
            s.add_embeddings(
                &id,
                &key,
                &[NewEmbedding {
                    vector: &v,
                    quality: Some(0.9),
                    source: Some("a.jpg"),
                }],
                None,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap();
        }
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), migrations::LATEST);
        let got = s.embeddings_for_model("abc").unwrap();
        assert_eq!(got, vec![(id.clone(), vec![0.5, -0.25, 1.0])]);
        assert!(s.embeddings_for_model("other").unwrap().is_empty());
        let list = s.list_staff("abc").unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].staff.name, "王芳");
        assert_eq!(list[0].embeddings, 1);
        assert_eq!(s.face_image_count().unwrap(), 0);

        assert_eq!(
            s.remove_staff(
                &id,
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", "")
            )
            .unwrap(),
            1
        );
        assert!(s.embeddings_for_model("abc").unwrap().is_empty());
        assert!(!s.staff(&id).unwrap().unwrap().active);
        let ghost = StaffId::new("9999").unwrap();
        assert!(matches!(
            s.remove_staff(
                &ghost,
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", "")
            ),
            Err(StoreError::UnknownStaff(_))
        ));
        assert!(matches!(
            s.add_embeddings(
                &ghost,
                &key,
                &[],
                None,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", "")
            ),
            Err(StoreError::UnknownStaff(_))
        ));
    }

    #[test]
    fn images_are_kept_only_when_asked() {
        let (_dir, mut s) = crate::store::testing::store_with(&[]);
        let id = StaffId::new("7").unwrap();
        s.upsert_staff(
            &id,
            "x",
            None,
            now(),
            &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
        )
        .unwrap();
        let key = ModelKey {
            name: "m",
            sha256: "abc",
        };
        let v = [1.0f32];
        let e = [NewEmbedding {
            vector: &v,
            quality: None,
            source: None,
        }];
        s.add_embeddings(
            &id,
            &key,
            &e,
            None,
            now(),
            &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
        )
        .unwrap();
        assert_eq!(s.face_image_count().unwrap(), 0);
        s.add_embeddings(
            &id,
            &key,
            &e,
            Some(&[vec![0xFF, 0xD8]]),
            now(),
            &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
        )
        .unwrap();
        assert_eq!(s.face_image_count().unwrap(), 1);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hc.db");
        {
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "user_version", 999).unwrap();
        }
        let e = Store::open(&path).unwrap_err().to_string();
        assert!(
            e.contains("schema version 999, newer than this hallclock knows"),
            "{e}"
        );
    }
}

/// Helpers for the store's tests: a fixed `now`, ids, a fresh database with staff.
#[cfg(test)]
pub(crate) mod testing {
    use jiff::Timestamp;

    use crate::core::ids::StaffId;
    use crate::core::rules::Punch;
    use crate::store::Store;

    pub(crate) fn now() -> Timestamp {
        "2026-11-30T12:00:00Z".parse().unwrap()
    }

    pub(crate) fn id(s: &str) -> StaffId {
        StaffId::new(s).unwrap()
    }

    pub(crate) fn store_with(staff: &[&str]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("hc.db")).unwrap();
        for s in staff {
            store
                .upsert_staff(
                    &id(s),
                    s,
                    None,
                    now(),
                    &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
                )
                .unwrap();
        }
        (dir, store)
    }

    pub(crate) fn punch(s: &str, at: &str) -> Punch {
        Punch {
            staff: id(s),
            at: at.parse().unwrap(),
            clock_trusted: true,
        }
    }
}

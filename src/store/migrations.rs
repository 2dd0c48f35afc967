//! Numbered schema migrations, applied in order inside one transaction each; the schema version
//! lives in SQLite's `user_version`. A migration is never edited once released: add a new one.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// The migrations, in order: version `i + 1` is `MIGRATIONS[i]`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_staff_and_faces.sql"),
    include_str!("migrations/0002_attendance.sql"),
    include_str!("migrations/0003_outbox.sql"),
    include_str!("migrations/0004_console.sql"),
    include_str!("migrations/0005_audit_client.sql"),
    include_str!("migrations/0006_rules_generation.sql"),
    include_str!("migrations/0007_console_sign_in.sql"),
    include_str!("migrations/0008_liveness.sql"),
    include_str!("migrations/0009_staff_department.sql"),
    include_str!("migrations/0010_spoof_attempt_upload.sql"),
    include_str!("migrations/0011_liveness_calibration.sql"),
    include_str!("migrations/0012_liveness_evidence.sql"),
    include_str!("migrations/0013_centre_facts.sql"),
    include_str!("migrations/0014_leave_cancel_post_retire.sql"),
];

/// The newest schema version.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

pub(super) fn run(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
    if current > LATEST {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: current,
            known: LATEST,
        });
    }
    for (i, script) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let version = i as i64 + 1;
        let err = |source| StoreError::Migrate {
            path: path.to_path_buf(),
            version,
            source,
        };
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(script).map_err(err)?;
        tx.pragma_update(None, "user_version", version)
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}

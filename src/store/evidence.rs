//! Evidence frames of suspected spoofs (issue 11, migration 0012): a JPEG of the face region of a
//! refused or flagged pass, kept on the device in the folder beside the database
//! (`<database>.evidence/`, mode 0700, files 0600) only when `[liveness] keep-evidence = true`,
//! with a row tying it to its punch or attempt (same person, same instant). Every SQL statement
//! and file operation about them lives here. Nothing here is uploaded; the caller decides whether
//! to keep a frame at all and when one is old enough to go.
//!
//! A file's name starts with its pass's instant in Unix milliseconds, so that a purge also finds
//! a file whose row was never written (a crash between the two).

use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};

use super::{sql, Store, StoreError};
use crate::core::ids::StaffId;

impl Store {
    /// The folder evidence frames are kept in: the database file's name with `.evidence`.
    pub fn evidence_dir(&self) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(".evidence");
        PathBuf::from(name)
    }

    /// Keeps `jpeg` (the face region of `staff`'s suspected pass at `at`) and its row; returns the
    /// file's name.
    ///
    /// # Errors
    /// [`StoreError::Evidence`] when the folder or file cannot be written, [`StoreError::Sql`]
    /// when the row cannot (the file is then removed again).
    pub fn keep_evidence(
        &mut self,
        staff: &StaffId,
        at: Timestamp,
        jpeg: &[u8],
        now: Timestamp,
    ) -> Result<String, StoreError> {
        let safe: String = staff
            .as_str()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let file = format!(
            "{}-{}.jpg",
            at.as_millisecond().max(0),
            if safe.is_empty() { "x" } else { &safe }
        );
        let dir = self.evidence_dir();
        let path = dir.join(&file);
        write_private(&dir, &path, jpeg).map_err(|source| StoreError::Evidence {
            path: path.clone(),
            source,
        })?;
        let action = "record an evidence frame";
        let written = self.write(action).and_then(|tx| {
            tx.execute(
                "INSERT INTO liveness_evidence (file, staff_id, at_unix_ms, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![file, staff.as_str(), at.as_millisecond(), now.to_string()],
            )
            .map_err(sql(action))?;
            tx.commit().map_err(sql(action))
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        Ok(file)
    }

    /// The JPEG of the evidence frame named `file`, when the database knows it and it is still
    /// on disk; `None` otherwise (a name it does not know is never opened).
    ///
    /// # Errors
    /// [`StoreError::Sql`], or [`StoreError::Evidence`] when a known file cannot be read.
    pub fn evidence_jpeg(&self, file: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let known: Option<String> = self
            .conn
            .query_row(
                "SELECT file FROM liveness_evidence WHERE file = ?1",
                [file],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql("read an evidence frame"))?;
        let Some(known) = known else { return Ok(None) };
        let path = self.evidence_dir().join(known);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StoreError::Evidence { path, source }),
        }
    }

    /// Deletes the evidence frames of passes before `before` (files and rows); returns how many
    /// files were removed.
    ///
    /// # Errors
    /// [`StoreError::Evidence`] when the folder cannot be listed or a file removed,
    /// [`StoreError::Sql`].
    pub fn purge_evidence(&mut self, before: Timestamp) -> Result<usize, StoreError> {
        let dir = self.evidence_dir();
        let limit = before.as_millisecond();
        let mut removed = 0;
        let listing = match std::fs::read_dir(&dir) {
            Ok(l) => Some(l),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(StoreError::Evidence { path: dir, source }),
        };
        for entry in listing.into_iter().flatten() {
            let entry = entry.map_err(|source| StoreError::Evidence {
                path: dir.clone(),
                source,
            })?;
            let name = entry.file_name();
            let at_ms = name
                .to_str()
                .and_then(|n| n.split('-').next())
                .and_then(|ms| ms.parse::<i64>().ok());
            if at_ms.is_some_and(|ms| ms < limit) {
                let path = entry.path();
                std::fs::remove_file(&path)
                    .map_err(|source| StoreError::Evidence { path, source })?;
                removed += 1;
            }
        }
        let action = "delete old evidence frames";
        let tx = self.write(action)?;
        tx.execute(
            "DELETE FROM liveness_evidence WHERE at_unix_ms < ?1",
            [limit],
        )
        .map_err(sql(action))?;
        tx.commit().map_err(sql(action))?;
        Ok(removed)
    }
}

/// Writes `bytes` to `path` readable by the owner alone, in `dir` (created, owner only).
fn write_private(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;
    use crate::store::testing::{id, now, store_with};

    #[test]
    fn evidence_is_private_readable_by_name_and_purged_by_its_pass_time() {
        let (_dir, mut s) = store_with(&["0001"]);
        let at: Timestamp = "2026-11-18T00:30:00Z".parse().unwrap();
        let file = s.keep_evidence(&id("0001"), at, b"jpeg", now()).unwrap();
        assert_eq!(file, format!("{}-0001.jpg", at.as_millisecond()));
        let dir = s.evidence_dir();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(&file)), 0o600);
        assert_eq!(
            s.evidence_jpeg(&file).unwrap().as_deref(),
            Some(&b"jpeg"[..])
        );
        // A name the database does not know is never opened.
        assert_eq!(s.evidence_jpeg("../hall.db").unwrap(), None);
        // Not yet old enough; then gone, file and row.
        assert_eq!(s.purge_evidence(at).unwrap(), 0);
        let later = at + jiff::SignedDuration::from_hours(24);
        assert_eq!(s.purge_evidence(later).unwrap(), 1);
        assert!(!dir.join(&file).exists());
        assert_eq!(s.evidence_jpeg(&file).unwrap(), None);
    }
}

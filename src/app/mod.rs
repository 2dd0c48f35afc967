//! The application layer: the operations the command line and the web console share (attendance
//! changes and reports, enrolment, the doctor's checks), the wiring both need (`setup`: models,
//! gallery, database; `console`: the web console's port over the store and its serving), and
//! the slots the daemon and the console share (`preview`, `telemetry`).
//!
//! It sits between the entry points and the adapters: `cli` and `daemon` import it; it imports
//! the adapters (`store`, `vision`, `hw`, `admin`, `uplink`), `config` and `core`, never `cli`
//! or `daemon` (`scripts/check-layers`). It prints nothing and parses no command-line flag: its
//! one error, [`AppError`], says whether the user's input was refused (a message fit to show
//! them as is, naming no flag) or something of ours failed (with its source). No `anyhow` here.

pub mod attendance;
pub mod console;
pub mod doctor;
pub mod enrol;
pub mod facts;
pub mod people;
pub mod preview;
pub mod setup;
pub mod sheet;
pub mod telemetry;

use std::fmt;

use crate::store::{RecordError, StoreError};

/// Any error, boxed, as the source of a [`Failure`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error of every shared operation.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's input was wrong (a bad date, an unknown person, a refused approval, a photo
    /// without a face): the message says what was expected and what was found, in Chinese (with
    /// the English the logs and the CLI have always had), fit to show as is on the console or
    /// the command line. It names no command-line flag.
    #[error("{0}")]
    Refused(String),
    /// Ours: the database, the models, a file or the runtime failed. Not the user's to fix.
    #[error(transparent)]
    Failed(Failure),
}

/// What of ours failed: what we were doing, and the error underneath (if any).
#[derive(Debug)]
pub struct Failure {
    doing: String,
    source: Option<BoxError>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.doing.is_empty(), &self.source) {
            (true, Some(source)) => source.fmt(f),
            _ => f.write_str(&self.doing),
        }
    }
}

impl std::error::Error for Failure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match (self.doing.is_empty(), &self.source) {
            // Transparent: the source's own cause comes next.
            (true, Some(source)) => source.source(),
            (false, Some(source)) => Some(source.as_ref()),
            (_, None) => None,
        }
    }
}

impl AppError {
    /// The user's input was wrong; `message` tells them, in their language.
    pub fn refused(message: impl Into<String>) -> Self {
        AppError::Refused(message.into())
    }

    /// Something of ours failed while `doing`, because of `source`.
    pub fn failed(doing: impl Into<String>, source: impl Into<BoxError>) -> Self {
        AppError::Failed(Failure {
            doing: doing.into(),
            source: Some(source.into()),
        })
    }

    /// Something of ours is wrong, with no error underneath (e.g. a missing models folder).
    pub fn failed_because(what: impl Into<String>) -> Self {
        AppError::Failed(Failure {
            doing: what.into(),
            source: None,
        })
    }

    /// Was it the user's input?
    #[must_use]
    pub fn is_refused(&self) -> bool {
        matches!(self, AppError::Refused(_))
    }

    /// The message with every cause after it, `: `-separated (as `anyhow`'s `{:#}` prints it):
    /// for a console page or a log line.
    #[must_use]
    pub fn chain(&self) -> String {
        let mut out = self.to_string();
        let mut next = std::error::Error::source(self);
        while let Some(e) = next {
            out.push_str(": ");
            out.push_str(&e.to_string());
            next = e.source();
        }
        out
    }

    /// Prefixes a refusal with `what` (e.g. which file was refused); a failure gains it as the
    /// thing we were doing.
    #[must_use]
    pub fn within(self, what: impl fmt::Display) -> Self {
        match self {
            AppError::Refused(m) => AppError::Refused(format!("{what}: {m}")),
            e => AppError::failed(what.to_string(), e),
        }
    }
}

/// A store error: an unknown staff id is the user's; anything else (SQL, a corrupt value, a
/// database that cannot be opened) is ours.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::UnknownStaff(_) => AppError::Refused(e.to_string()),
            e => AppError::failed("", e),
        }
    }
}

/// A refused attendance write (an overlapping leave, nothing to void, already approved or
/// closed) is the user's; the store failing under it is ours.
impl From<RecordError> for AppError {
    fn from(e: RecordError) -> Self {
        match e {
            RecordError::Store(e) => e.into(),
            e => AppError::Refused(e.to_string()),
        }
    }
}

/// `.failed_while("doing X")?`: any error of ours becomes [`AppError::Failed`].
pub trait FailedWhile<T> {
    /// Marks the error as ours, naming what we were doing.
    ///
    /// # Errors
    /// The error, as [`AppError::Failed`].
    fn failed_while(self, doing: impl FnOnce() -> String) -> Result<T, AppError>;
}

impl<T, E: Into<BoxError>> FailedWhile<T> for Result<T, E> {
    fn failed_while(self, doing: impl FnOnce() -> String) -> Result<T, AppError> {
        self.map_err(|e| AppError::failed(doing(), e))
    }
}

/// `.refused_as(|e| format!(..))?`: an error caused by the user's input becomes
/// [`AppError::Refused`] with the message given.
pub trait RefusedAs<T, E> {
    /// Marks the error as the user's, in the words `message` makes of it.
    ///
    /// # Errors
    /// The error, as [`AppError::Refused`].
    fn refused_as(self, message: impl FnOnce(E) -> String) -> Result<T, AppError>;
}

impl<T, E> RefusedAs<T, E> for Result<T, E> {
    fn refused_as(self, message: impl FnOnce(E) -> String) -> Result<T, AppError> {
        self.map_err(|e| AppError::Refused(message(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_chains_its_causes_once() {
        let io = std::io::Error::other("disk full");
        let e = AppError::failed("writing the report", io);
        assert_eq!(e.to_string(), "writing the report");
        assert_eq!(e.chain(), "writing the report: disk full");
        assert!(!e.is_refused());
        // Without words of its own, a failure is its source.
        let e = AppError::failed("", std::io::Error::other("disk full"));
        assert_eq!(e.chain(), "disk full");
        let e = AppError::refused("日期不对").within("import");
        assert_eq!(e.chain(), "import: 日期不对");
        assert!(e.is_refused());
    }
}

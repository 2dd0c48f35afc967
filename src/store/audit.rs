//! The audit line that goes with a change: [`Audit`] is passed to every store write made for a
//! person (console or CLI) and written by [`write_audit`] inside that write's own transaction, so
//! a change and its audit line are kept or refused together. Also the paged reading of the log,
//! with sign-in noise (sign-ins, sign-outs, failures, lock-outs) apart from the changes.
//!
//! Statements only: who may see the log and how it is shown are decided by the console.

use jiff::Timestamp;
use rusqlite::{params, Connection};

use super::{instant, sql, AuditRecord, Store, StoreError};

/// Who changed what, from where: written in the change's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    pub at: Timestamp,
    /// The console account, or `cli` (with the operating-system user when known).
    pub actor: String,
    /// A short key, e.g. `post-set`.
    pub action: String,
    /// What changed, in words.
    pub detail: String,
    /// The client's address (`cli` for the command line).
    pub client: String,
}

impl Audit {
    /// A change made from the command line: the actor is `cli` (and `$USER` when set).
    pub fn cli(at: Timestamp, action: &str, detail: impl Into<String>) -> Audit {
        let actor = match std::env::var("USER") {
            Ok(u) if !u.is_empty() => format!("cli:{u}"),
            _ => "cli".to_string(),
        };
        Audit {
            at,
            actor,
            action: action.to_string(),
            detail: detail.into(),
            client: "cli".to_string(),
        }
    }

    /// A change the door daemon makes by itself: the actor and the client are `daemon`.
    pub fn daemon(at: Timestamp, action: &str, detail: impl Into<String>) -> Audit {
        Audit {
            at,
            actor: "daemon".to_string(),
            action: action.to_string(),
            detail: detail.into(),
            client: "daemon".to_string(),
        }
    }

    /// The same line with `detail` (known only once the change is checked).
    #[must_use]
    pub fn with_detail(mut self, detail: impl Into<String>) -> Audit {
        self.detail = detail.into();
        self
    }
}

/// Which lines of the log to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFilter {
    /// Every line.
    All,
    /// Changes only: no sign-in, sign-out or failed sign-in (a lock-out stays: it changes an
    /// account).
    Changes,
    /// Sign-ins, sign-outs and failures only.
    SignIns,
}

/// The actions that are sign-in traffic rather than changes.
const SIGN_IN_ACTIONS: &str = "(action LIKE 'sign-%' OR action LIKE 'login%')";

/// Writes `audit` on `conn` (a transaction of the caller's).
///
/// # Errors
/// [`StoreError::Sql`]: the caller's transaction must then be rolled back.
pub(super) fn write_audit(conn: &Connection, audit: &Audit) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO console_audit (at_ms, actor, action, detail, client)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            audit.at.as_millisecond(),
            audit.actor,
            audit.action,
            audit.detail,
            audit.client
        ],
    )
    .map_err(sql("append to the audit log"))?;
    Ok(())
}

impl Store {
    /// Appends a line that goes with no other change (a sign-in, a sign-out).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn record_audit(&self, audit: &Audit) -> Result<(), StoreError> {
        write_audit(&self.conn, audit)
    }

    /// One page (`page` from 0) of `per_page` lines, newest first, and whether an older page
    /// exists.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn audit_page(
        &self,
        filter: AuditFilter,
        page: usize,
        per_page: usize,
    ) -> Result<(Vec<(AuditRecord, String)>, bool), StoreError> {
        let action = "read the audit log";
        let cond = match filter {
            AuditFilter::All => "1".to_string(),
            AuditFilter::Changes => format!("NOT {SIGN_IN_ACTIONS}"),
            AuditFilter::SignIns => SIGN_IN_ACTIONS.to_string(),
        };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT at_ms, actor, action, detail, client FROM console_audit WHERE {cond}
                 ORDER BY id DESC LIMIT ?1 OFFSET ?2"
            ))
            .map_err(sql(action))?;
        let limit = i64::try_from(per_page + 1).unwrap_or(i64::MAX);
        let offset = i64::try_from(page.saturating_mul(per_page)).unwrap_or(i64::MAX);
        let rows: Vec<(i64, String, String, String, String)> = stmt
            .query_map(params![limit, offset], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .map_err(sql(action))?
            .collect::<Result<_, _>>()
            .map_err(sql(action))?;
        let more = rows.len() > per_page;
        let lines = rows
            .into_iter()
            .take(per_page)
            .map(|(at, actor, action, detail, client)| {
                Ok((
                    AuditRecord {
                        at: instant(at, "console_audit.at_ms")?,
                        actor,
                        action,
                        detail,
                    },
                    client,
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((lines, more))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_filters_the_log() {
        let (_dir, s) = crate::store::testing::store_with(&[]);
        let at = Timestamp::UNIX_EPOCH;
        s.record_audit(&Audit::cli(at, "post-set", "W01")).unwrap();
        for _ in 0..60 {
            s.record_audit(&Audit::cli(at, "sign-in-failed", ""))
                .unwrap();
        }
        let (changes, more) = s.audit_page(AuditFilter::Changes, 0, 50).unwrap();
        assert_eq!((changes.len(), more), (1, false));
        assert_eq!(changes[0].1, "cli");
        let (first, more) = s.audit_page(AuditFilter::SignIns, 0, 50).unwrap();
        assert_eq!((first.len(), more), (50, true));
        let (second, more) = s.audit_page(AuditFilter::All, 1, 50).unwrap();
        assert_eq!((second.len(), more), (11, false));
    }
}

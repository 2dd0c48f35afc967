//! The web console's tables: accounts (role and argon2 hash, never a password), sessions (the
//! sha256 of the token, never the token), sign-in failures and lock-outs, the append-only audit
//! log, and the face-data consent records. Sign-in attempts are counted per account and client
//! address in one transaction ([`Store::count_sign_in_attempt`]). Every statement here is typed; what a role may do,
//! how long a lock lasts and how a password is hashed are decided by the caller, not here.

use jiff::Timestamp;
use rusqlite::{params, OptionalExtension};

use super::{sql, Store, StoreError};
use crate::core::ids::StaffId;

/// A console account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub name: String,
    /// `admin`, `supervisor` or `viewer` (checked by the schema).
    pub role: String,
    /// The argon2 PHC string.
    pub password_hash: String,
    /// Wrong passwords since the last good one.
    pub failed_count: u32,
    pub locked_until: Option<Timestamp>,
}

/// A live session's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub account: String,
    pub role: String,
    pub csrf: String,
    pub expires_at: Timestamp,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// A person's consent to their face data being enrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub staff: StaffId,
    pub consented_at: Timestamp,
    pub notice_version: String,
    pub recorded_by: String,
}

/// The failed count and lock of `account` from `client`, if any attempt is on record.
fn attempts_row(
    conn: &rusqlite::Connection,
    account: &str,
    client: &str,
) -> Result<Option<(u32, Option<i64>)>, StoreError> {
    conn.query_row(
        "SELECT failed_count, locked_until_ms FROM console_sign_in
         WHERE account = ?1 AND client = ?2",
        params![account, client],
        |r| Ok((r.get::<_, u32>(0)?, r.get::<_, Option<i64>>(1)?)),
    )
    .optional()
    .map_err(sql("read the sign-in attempts"))
}

fn ts(ms: i64, what: &'static str) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

impl Store {
    /// Adds an account. Returns `false` when the name is taken (nothing is changed).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn add_account(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = self
            .conn
            .execute(
                "INSERT INTO console_account (name, role, password_hash, created_at_ms)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT(name) DO NOTHING",
                params![name, role, password_hash, now.as_millisecond()],
            )
            .map_err(sql("add a console account"))?;
        Ok(n == 1)
    }

    /// Replaces an account's password hash, clears its failures and lock, and ends its sessions.
    /// Returns `false` when there is no such account.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn set_account_password(
        &mut self,
        name: &str,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let tx = self.write("begin a password change")?;
        let n = tx
            .execute(
                "UPDATE console_account SET password_hash = ?2, failed_count = 0, locked_until_ms = NULL
                 WHERE name = ?1",
                params![name, password_hash],
            )
            .map_err(sql("change a console password"))?;
        tx.execute(
            "DELETE FROM console_session WHERE account = ?1",
            params![name],
        )
        .map_err(sql("end an account's sessions"))?;
        tx.execute(
            "DELETE FROM console_sign_in WHERE account = ?1",
            params![name],
        )
        .map_err(sql("clear an account's sign-in failures"))?;
        tx.commit().map_err(sql("commit a password change"))?;
        Ok(n == 1)
    }

    /// One account.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn account(&self, name: &str) -> Result<Option<AccountRecord>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT name, role, password_hash, failed_count, locked_until_ms
                 FROM console_account WHERE name = ?1",
                params![name],
                |r| <(String, String, String, u32, Option<i64>)>::try_from(r),
            )
            .optional()
            .map_err(sql("read a console account"))?;
        row.map(|(name, role, password_hash, failed_count, locked)| {
            Ok(AccountRecord {
                name,
                role,
                password_hash,
                failed_count,
                locked_until: locked
                    .map(|ms| ts(ms, "console_account.locked_until_ms"))
                    .transpose()?,
            })
        })
        .transpose()
    }

    /// Every account, by name.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn accounts(&self) -> Result<Vec<AccountRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM console_account ORDER BY name")
            .map_err(sql("list console accounts"))?;
        let names: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .map_err(sql("list console accounts"))?
            .collect::<Result<_, _>>()
            .map_err(sql("list console accounts"))?;
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            if let Some(a) = self.account(&n)? {
                out.push(a);
            }
        }
        Ok(out)
    }

    /// Stores an account's sign-in failure count and lock (worked out by the caller).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn set_sign_in_state(
        &self,
        name: &str,
        failed_count: u32,
        locked_until: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE console_account SET failed_count = ?2, locked_until_ms = ?3 WHERE name = ?1",
                params![
                    name,
                    failed_count,
                    locked_until.map(|t| t.as_millisecond())
                ],
            )
            .map_err(sql("record a sign-in attempt"))?;
        Ok(())
    }

    /// Counts one sign-in attempt of `account` from `client`, before its password is checked,
    /// in one immediate transaction: `decide` gets the stored failure count and lock (none for a
    /// first attempt, whether or not the account exists) and returns the new ones with its
    /// verdict, which is returned once they are committed. Attempts older than a day that hold
    /// no lock are swept at the same time.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn count_sign_in_attempt<R>(
        &mut self,
        account: &str,
        client: &str,
        now: Timestamp,
        decide: impl FnOnce(u32, Option<Timestamp>) -> (u32, Option<Timestamp>, R),
    ) -> Result<R, StoreError> {
        let now_ms = now.as_millisecond();
        let tx = self.write("begin counting a sign-in attempt")?;
        tx.execute(
            "DELETE FROM console_sign_in WHERE last_attempt_ms < ?1
             AND (locked_until_ms IS NULL OR locked_until_ms < ?2)",
            params![now_ms - 86_400_000, now_ms],
        )
        .map_err(sql("sweep old sign-in attempts"))?;
        let row = attempts_row(&tx, account, client)?;
        let (count, locked) = match row {
            Some((count, locked)) => (
                count,
                locked
                    .map(|ms| ts(ms, "console_sign_in.locked_until_ms"))
                    .transpose()?,
            ),
            None => (0, None),
        };
        let (count, locked, verdict) = decide(count, locked);
        tx.execute(
            "INSERT INTO console_sign_in (account, client, failed_count, locked_until_ms, last_attempt_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(account, client) DO UPDATE SET failed_count = ?3, locked_until_ms = ?4,
             last_attempt_ms = ?5",
            params![account, client, count, locked.map(|t| t.as_millisecond()), now_ms],
        )
        .map_err(sql("count a sign-in attempt"))?;
        tx.commit().map_err(sql("commit a sign-in attempt"))?;
        Ok(verdict)
    }

    /// Forgets the attempts of `account` from `client` (its password was right).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn clear_sign_in_attempts(&self, account: &str, client: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM console_sign_in WHERE account = ?1 AND client = ?2",
                params![account, client],
            )
            .map_err(sql("clear sign-in attempts"))?;
        Ok(())
    }

    /// The stored attempts of `account` from `client`: count and lock.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn sign_in_attempts(
        &self,
        account: &str,
        client: &str,
    ) -> Result<(u32, Option<Timestamp>), StoreError> {
        let row = attempts_row(&self.conn, account, client)?;
        match row {
            None => Ok((0, None)),
            Some((n, locked)) => Ok((
                n,
                locked
                    .map(|ms| ts(ms, "console_sign_in.locked_until_ms"))
                    .transpose()?,
            )),
        }
    }

    /// Starts a session and ends the account's earlier ones (one sign-in, one session; expired
    /// sessions are swept at the same time).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn create_session(
        &mut self,
        token_sha256: &str,
        account: &str,
        csrf: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.write("begin a session")?;
        tx.execute(
            "DELETE FROM console_session WHERE expires_at_ms <= ?1 OR account = ?2",
            params![now.as_millisecond(), account],
        )
        .map_err(sql("sweep expired and earlier sessions"))?;
        tx.execute(
            "INSERT INTO console_session (token_sha256, account, csrf, expires_at_ms, last_seen_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                token_sha256,
                account,
                csrf,
                expires_at.as_millisecond(),
                now.as_millisecond()
            ],
        )
        .map_err(sql("start a session"))?;
        tx.commit().map_err(sql("commit a session"))?;
        Ok(())
    }

    /// The session with this token hash, if at `now` it has not expired and has been used since
    /// `idle_since`; it is marked used at `now`.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn session(
        &self,
        token_sha256: &str,
        now: Timestamp,
        idle_since: Timestamp,
    ) -> Result<Option<SessionRecord>, StoreError> {
        let touched = self
            .conn
            .execute(
                "UPDATE console_session SET last_seen_ms = ?2
                 WHERE token_sha256 = ?1 AND expires_at_ms > ?2 AND last_seen_ms > ?3",
                params![
                    token_sha256,
                    now.as_millisecond(),
                    idle_since.as_millisecond()
                ],
            )
            .map_err(sql("mark a session used"))?;
        if touched == 0 {
            return Ok(None);
        }
        let row = self
            .conn
            .query_row(
                "SELECT s.account, a.role, s.csrf, s.expires_at_ms
                 FROM console_session s JOIN console_account a ON a.name = s.account
                 WHERE s.token_sha256 = ?1 AND s.expires_at_ms > ?2",
                params![token_sha256, now.as_millisecond()],
                |r| <(String, String, String, i64)>::try_from(r),
            )
            .optional()
            .map_err(sql("read a session"))?;
        row.map(|(account, role, csrf, exp)| {
            Ok(SessionRecord {
                account,
                role,
                csrf,
                expires_at: ts(exp, "console_session.expires_at_ms")?,
            })
        })
        .transpose()
    }

    /// Ends a session.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn end_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM console_session WHERE token_sha256 = ?1",
                params![token_sha256],
            )
            .map_err(sql("end a session"))?;
        Ok(())
    }

    /// Appends a line to the audit log.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn append_audit(
        &self,
        at: Timestamp,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO console_audit (at_ms, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![at.as_millisecond(), actor, action, detail],
            )
            .map_err(sql("append to the audit log"))?;
        Ok(())
    }

    /// The newest `limit` audit lines, newest first.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT at_ms, actor, action, detail FROM console_audit ORDER BY id DESC LIMIT ?1",
            )
            .map_err(sql("read the audit log"))?;
        let rows: Vec<(i64, String, String, String)> = stmt
            .query_map(params![limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .map_err(sql("read the audit log"))?
            .collect::<Result<_, _>>()
            .map_err(sql("read the audit log"))?;
        rows.into_iter()
            .map(|(at, actor, action, detail)| {
                Ok(AuditRecord {
                    at: ts(at, "console_audit.at_ms")?,
                    actor,
                    action,
                    detail,
                })
            })
            .collect()
    }

    /// Records a person's consent to face enrolment.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn record_consent(&self, c: &ConsentRecord) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO face_consent (staff_id, consented_at_ms, notice_version, recorded_by)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    c.staff.as_str(),
                    c.consented_at.as_millisecond(),
                    c.notice_version,
                    c.recorded_by
                ],
            )
            .map_err(sql("record a consent"))?;
        Ok(())
    }

    /// A person's consent records, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Sql`], [`StoreError::Corrupt`].
    pub fn consents(&self, staff: &StaffId) -> Result<Vec<ConsentRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT consented_at_ms, notice_version, recorded_by FROM face_consent
                 WHERE staff_id = ?1 ORDER BY id",
            )
            .map_err(sql("read consents"))?;
        let rows: Vec<(i64, String, String)> = stmt
            .query_map(params![staff.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(sql("read consents"))?
            .collect::<Result<_, _>>()
            .map_err(sql("read consents"))?;
        rows.into_iter()
            .map(|(at, notice_version, recorded_by)| {
                Ok(ConsentRecord {
                    staff: staff.clone(),
                    consented_at: ts(at, "face_consent.consented_at_ms")?,
                    notice_version,
                    recorded_by,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_sessions_audit_and_consent_round_trip() {
        let (_dir, mut s) = crate::store::testing::store_with(&[]);
        let now: Timestamp = "2026-11-26T01:00:00Z".parse().unwrap();
        assert!(s.add_account("admin", "admin", "$argon2id$x", now).unwrap());
        assert!(!s
            .add_account("admin", "viewer", "$argon2id$y", now)
            .unwrap());
        assert!(s.add_account("bad", "root", "h", now).is_err());
        s.set_sign_in_state("admin", 5, Some(now)).unwrap();
        let a = s.account("admin").unwrap().unwrap();
        assert_eq!((a.failed_count, a.locked_until), (5, Some(now)));
        let later = now + jiff::SignedDuration::from_hours(1);
        let long_ago = now - jiff::SignedDuration::from_hours(1);
        s.create_session("tok", "admin", "csrf", now, later)
            .unwrap();
        assert_eq!(
            s.session("tok", now, long_ago).unwrap().unwrap().role,
            "admin"
        );
        assert!(s.session("tok", later, long_ago).unwrap().is_none());
        assert!(s.set_account_password("admin", "$argon2id$z").unwrap());
        assert!(
            s.session("tok", now, long_ago).unwrap().is_none(),
            "password change ends sessions"
        );
        let a = s.account("admin").unwrap().unwrap();
        assert_eq!((a.failed_count, a.locked_until), (0, None));
        s.append_audit(now, "admin", "enrol", "0001").unwrap();
        // A new sign-in ends the earlier session; an idle session ends.
        s.create_session("one", "admin", "c1", now, later).unwrap();
        s.create_session("two", "admin", "c2", now, later).unwrap();
        assert!(s.session("one", now, long_ago).unwrap().is_none());
        let minute = jiff::SignedDuration::from_mins(1);
        let t1 = now + minute * 10;
        assert!(s.session("two", t1, t1 - minute * 30).unwrap().is_some());
        let t2 = t1 + minute * 31;
        assert!(
            s.session("two", t2, t2 - minute * 30).unwrap().is_none(),
            "idle for 31 minutes"
        );
        // Sign-in attempts: per account and client, counted in one transaction.
        let bump = |n: u32, l: Option<Timestamp>| (n + 1, l, n + 1);
        assert_eq!(s.count_sign_in_attempt("admin", "a", now, bump).unwrap(), 1);
        assert_eq!(s.count_sign_in_attempt("admin", "a", now, bump).unwrap(), 2);
        assert_eq!(s.count_sign_in_attempt("admin", "b", now, bump).unwrap(), 1);
        assert_eq!(
            s.count_sign_in_attempt("nobody", "a", now, bump).unwrap(),
            1
        );
        assert_eq!(s.sign_in_attempts("admin", "a").unwrap(), (2, None));
        s.clear_sign_in_attempts("admin", "a").unwrap();
        assert_eq!(s.sign_in_attempts("admin", "a").unwrap(), (0, None));
        assert_eq!(s.sign_in_attempts("admin", "b").unwrap(), (1, None));
        assert_eq!(s.audit_log(10).unwrap()[0].action, "enrol");
        assert!(s.conn.execute("DELETE FROM console_audit", []).is_err());
        let id = StaffId::new("0001").unwrap();
        s.record_consent(&ConsentRecord {
            staff: id.clone(),
            consented_at: now,
            notice_version: "2026-1".into(),
            recorded_by: "admin".into(),
        })
        .unwrap();
        assert_eq!(s.consents(&id).unwrap().len(), 1);
    }
}

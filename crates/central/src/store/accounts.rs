//! The SQL of the centre's pages (migration 0004): accounts (role, a supervisor's hall, the
//! argon2 hash, never a password), sessions (the sha256 of the token, never the token), sign-in
//! attempts per typed name and client address, and the append-only audit log. A change made
//! from the pages writes its audit line in its own transaction: [`Store::add_record_audited`],
//! [`Store::void_record_audited`] and `close_month` (scoring.rs) take an [`AuditEntry`].
//!
//! Decides nothing: what a role may do, how long a lock lasts and how a password is hashed are
//! the caller's (`web`, `hallclock_web`). Instants cross the driver as RFC 3339 text and come
//! back as microseconds since the epoch.

use hallclock_core::assessment::{ItemRecord, RecordId};
use jiff::Timestamp;
use tokio_postgres::GenericClient;

use super::{exists_or, found, query, Store, StoreError};

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub name: String,
    /// `inspector`, `supervisor`, `director`, `finance` or `admin` (checked by the schema).
    pub role: String,
    /// A supervisor's hall.
    pub hall: Option<String>,
    /// The argon2 PHC string.
    pub password_hash: String,
}

/// A live session's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub account: String,
    pub role: String,
    pub hall: Option<String>,
    pub csrf: String,
}

/// A session to start: the sha256 of its token, whose, its CSRF token, and when.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    pub token_sha256: &'a str,
    pub account: &'a str,
    pub csrf: &'a str,
    pub started: Timestamp,
    pub expires: Timestamp,
}

/// An audit line to write: who, from where, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    /// The client's address, `cli` for the command line.
    pub client: String,
    pub action: String,
    pub detail: String,
}

impl AuditEntry {
    /// The same line with `detail` as its detail.
    pub fn with_detail(&self, detail: String) -> AuditEntry {
        AuditEntry {
            detail,
            ..self.clone()
        }
    }

    /// The same line with the number of what it created put before its detail (`#7 …`).
    pub fn numbered(&self, number: impl std::fmt::Display) -> AuditEntry {
        self.with_detail(format!("#{number} {}", self.detail))
    }
}

/// An audit line as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub id: i64,
    pub entry: AuditEntry,
}

fn instant(us: Option<i64>, what: &'static str) -> Result<Option<Timestamp>, StoreError> {
    us.map(|us| {
        Timestamp::from_microsecond(us).map_err(|e| StoreError::Corrupt {
            what,
            value: format!("{us} µs: {e}"),
        })
    })
    .transpose()
}

fn text(at: Timestamp) -> String {
    format!("{at:.6}")
}

/// Appends `e` through `c` (the store's client, or a change's transaction).
async fn append<C: GenericClient>(c: &C, e: &AuditEntry) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO audit_log (at, actor, client, action, detail)
         VALUES ($1::text::timestamptz, $2, $3, $4, $5)",
        &[&text(e.at), &e.actor, &e.client, &e.action, &e.detail],
    )
    .await
    .map_err(query("writing the audit log"))?;
    Ok(())
}

/// Writes `audit` in the transaction `tx`, then commits both.
pub(super) async fn commit_with(
    tx: tokio_postgres::Transaction<'_>,
    audit: Option<&AuditEntry>,
) -> Result<(), StoreError> {
    if let Some(e) = audit {
        append(&tx, e).await?;
    }
    tx.commit().await.map_err(query("committing a change"))
}

impl Store {
    /// Adds an account.
    ///
    /// # Errors
    /// [`StoreError::Exists`], [`StoreError::NotFound`] (the hall), [`StoreError::Query`]
    /// (a role the schema refuses, or a supervisor without a hall).
    pub async fn add_account(&self, a: &AccountRow) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO accounts (name, role, hall, password_hash) VALUES ($1, $2, $3, $4)",
                &[&a.name, &a.role, &a.hall, &a.password_hash],
            )
            .await
            .map_err(|e| match e.code() {
                Some(c) if *c == tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION => {
                    StoreError::NotFound {
                        what: "hall",
                        id: a.hall.clone().unwrap_or_default(),
                    }
                }
                _ => exists_or(e, "account", &a.name, "adding an account"),
            })?;
        Ok(())
    }

    /// The account named `name`.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn account(&self, name: &str) -> Result<Option<AccountRow>, StoreError> {
        let row = self
            .client
            .query_opt(
                "SELECT name, role, hall, password_hash FROM accounts WHERE name = $1",
                &[&name],
            )
            .await
            .map_err(query("reading an account"))?;
        Ok(row.map(|r| AccountRow {
            name: r.get(0),
            role: r.get(1),
            hall: r.get(2),
            password_hash: r.get(3),
        }))
    }

    /// Counts a sign-in attempt of `name` from `client` before its password is checked, in one
    /// transaction (parallel attempts queue on the row): `decide` gets the failed count and lock
    /// on record and returns the new ones with its verdict.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn count_sign_in<R>(
        &mut self,
        name: &str,
        client: &str,
        decide: impl FnOnce(u32, Option<Timestamp>) -> (u32, Option<Timestamp>, R),
    ) -> Result<R, StoreError> {
        let tx = self.begin("starting a sign-in count").await?;
        tx.execute(
            "INSERT INTO sign_in_attempts (name, client, failed_count) VALUES ($1, $2, 0)
             ON CONFLICT DO NOTHING",
            &[&name, &client],
        )
        .await
        .map_err(query("counting a sign-in"))?;
        let row = tx
            .query_one(
                "SELECT failed_count, (extract(epoch from locked_until) * 1000000)::int8
                 FROM sign_in_attempts WHERE name = $1 AND client = $2 FOR UPDATE",
                &[&name, &client],
            )
            .await
            .map_err(query("counting a sign-in"))?;
        let count = u32::try_from(row.get::<_, i32>(0)).unwrap_or(0);
        let locked = instant(row.get(1), "sign_in_attempts.locked_until")?;
        let (count, locked, verdict) = decide(count, locked);
        tx.execute(
            "UPDATE sign_in_attempts SET failed_count = $3, locked_until = $4::text::timestamptz
             WHERE name = $1 AND client = $2",
            &[
                &name,
                &client,
                &i32::try_from(count).unwrap_or(i32::MAX),
                &locked.map(text),
            ],
        )
        .await
        .map_err(query("counting a sign-in"))?;
        tx.commit().await.map_err(query("counting a sign-in"))?;
        Ok(verdict)
    }

    /// Forgets the attempts of `name` from `client`: its password was right.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn clear_sign_in(&self, name: &str, client: &str) -> Result<(), StoreError> {
        self.client
            .execute(
                "DELETE FROM sign_in_attempts WHERE name = $1 AND client = $2",
                &[&name, &client],
            )
            .await
            .map_err(query("clearing sign-in attempts"))?;
        Ok(())
    }

    /// Starts a session (the account's earlier ones end).
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn start_session(&self, s: &NewSession<'_>) -> Result<(), StoreError> {
        self.client
            .execute(
                "WITH ended AS (DELETE FROM web_sessions WHERE account = $2)
                 INSERT INTO web_sessions (token_sha256, account, csrf, started_at, last_used_at,
                                           expires_at)
                 VALUES ($1, $2, $3, $4::text::timestamptz, $4::text::timestamptz,
                         $5::text::timestamptz)",
                &[
                    &s.token_sha256,
                    &s.account,
                    &s.csrf,
                    &text(s.started),
                    &text(s.expires),
                ],
            )
            .await
            .map_err(query("starting a session"))?;
        Ok(())
    }

    /// The live session of this token at `now` (not expired, used within `idle`), marked used.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn live_session(
        &self,
        token_sha256: &str,
        now: Timestamp,
        idle: jiff::SignedDuration,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row = self
            .client
            .query_opt(
                "UPDATE web_sessions s SET last_used_at = $2::text::timestamptz
                 FROM accounts a
                 WHERE s.token_sha256 = $1 AND a.name = s.account
                   AND s.expires_at > $2::text::timestamptz
                   AND s.last_used_at >= $2::text::timestamptz - make_interval(secs => $3)
                 RETURNING a.name, a.role, a.hall, s.csrf",
                &[&token_sha256, &text(now), &idle.as_secs_f64()],
            )
            .await
            .map_err(query("reading a session"))?;
        Ok(row.map(|r| SessionRow {
            account: r.get(0),
            role: r.get(1),
            hall: r.get(2),
            csrf: r.get(3),
        }))
    }

    /// Ends the session of this token.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn end_session(&self, token_sha256: &str) -> Result<(), StoreError> {
        self.client
            .execute(
                "DELETE FROM web_sessions WHERE token_sha256 = $1",
                &[&token_sha256],
            )
            .await
            .map_err(query("ending a session"))?;
        Ok(())
    }

    /// Appends a line to the audit log on its own (sign-ins, sign-outs, locks; a change writes
    /// its line in its own transaction instead).
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn audit(&self, e: &AuditEntry) -> Result<(), StoreError> {
        append(&self.client, e).await
    }

    /// The latest `limit` audit lines, newest first.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT id, (extract(epoch from at) * 1000000)::int8, actor, client, action,
                        detail
                 FROM audit_log ORDER BY id DESC LIMIT $1",
                &[&limit],
            )
            .await
            .map_err(query("reading the audit log"))?;
        rows.into_iter()
            .map(|r| {
                Ok(AuditRow {
                    id: r.get(0),
                    entry: AuditEntry {
                        at: instant(r.get(1), "audit_log.at")?.unwrap_or_default(),
                        actor: r.get(2),
                        client: r.get(3),
                        action: r.get(4),
                        detail: r.get(5),
                    },
                })
            })
            .collect()
    }

    /// Stores an inspection record (its `id` and `recorded_at` are the store's) and its audit
    /// line (the record's number put before its detail), in one transaction; returns the id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (the person in the hall), [`StoreError::Query`]; nothing is kept
    /// on an error.
    pub async fn add_record_audited(
        &mut self,
        hall: &str,
        r: &ItemRecord,
        audit: &AuditEntry,
    ) -> Result<RecordId, StoreError> {
        let tx = self.begin("starting a record").await?;
        let id = super::scoring::insert_record(&tx, hall, r).await?;
        commit_with(tx, Some(&audit.numbered(id.0))).await?;
        Ok(id)
    }

    /// Voids record `id` of `hall` with a reason, and its audit line, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (no such record in the hall), [`StoreError::Exists`] (already
    /// voided), [`StoreError::Query`]; nothing is kept on an error.
    pub async fn void_record_audited(
        &mut self,
        hall: &str,
        id: RecordId,
        reason: &str,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let tx = self.begin("starting a void").await?;
        let n = super::scoring::insert_void(&tx, hall, id, reason, &audit.actor).await?;
        found(n, "record of that hall", &id.0.to_string())?;
        commit_with(tx, Some(audit)).await
    }
}

//! The central PostgreSQL store: the connection, the numbered migrations
//! (`crates/central/migrations/NNNN_*.sql`, applied in order in one transaction, the version kept
//! in `schema_version`) and every SQL statement the service runs, each behind a typed function.
//!
//! Must not decide anything (`ingest` does) nor know HTTP; must never print or log the database
//! password or a device token (only a token's sha256 reaches it).

use std::collections::HashSet;
use std::fmt;
use std::path::PathBuf;

use hallclock_core::ids::StaffId;
use hallclock_core::schedule::{PunchRole, Verdict};
use tokio::sync::OnceCell;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, Statement};

use crate::ingest::CheckedPunch;

mod accounts;
mod hall_facts;
mod liveness;
mod pages;
mod scoring;
pub use accounts::{AccountRow, AuditEntry, AuditRow, NewSession, SessionRow};
pub use hall_facts::{LeaveEnding, LeaveLine, NewLeave};
pub use scoring::{Closing, DoorPunch, HallRow, RecordLine};

/// The migrations, in order: (version, file name, SQL).
const MIGRATIONS: &[(i32, &str, &str)] = &[
    (
        1,
        "0001_halls_staff_devices_punches.sql",
        include_str!("../../migrations/0001_halls_staff_devices_punches.sql"),
    ),
    (
        2,
        "0002_scoring.sql",
        include_str!("../../migrations/0002_scoring.sql"),
    ),
    (
        3,
        "0003_liveness.sql",
        include_str!("../../migrations/0003_liveness.sql"),
    ),
    (
        4,
        "0004_accounts.sql",
        include_str!("../../migrations/0004_accounts.sql"),
    ),
    (
        5,
        "0005_hall_facts.sql",
        include_str!("../../migrations/0005_hall_facts.sql"),
    ),
];

/// The schema version this binary migrates to.
pub fn latest_version() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// An arbitrary constant: the advisory lock two migrating processes queue on.
const MIGRATION_LOCK: i64 = 0x6861_6c6c_636c_6f63;

/// Where the database is: a connection URL (`postgresql://user@host/db?...`) and, for production,
/// a file holding the password. `Debug` shows neither the URL (it may hold a password) nor the
/// password.
#[derive(Clone)]
pub struct DbSettings {
    pub url: String,
    pub password_file: Option<PathBuf>,
}

impl fmt::Debug for DbSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbSettings")
            .field("url", &"<redacted>")
            .field("password_file", &self.password_file)
            .finish()
    }
}

/// Failures of the store. No variant carries the URL, a password or a token.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database URL is not valid: {0}; expected postgresql://USER@HOST/DB or key=value pairs"
    )]
    BadUrl(String),
    #[error("cannot read the database password from {path}: {source}")]
    PasswordFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database password file {path} is empty; expected the password on one line")]
    PasswordEmpty { path: PathBuf },
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("migration {name} failed: {cause}")]
    Migration {
        name: &'static str,
        cause: tokio_postgres::Error,
    },
    #[error("the database schema is at version {found}, newer than this binary's {expected}; expected an older or equal schema (upgrade hallclock-central)")]
    SchemaTooNew { found: i32, expected: i32 },
    #[error("the database schema is at version {found}; expected {expected} (run hallclock-central migrate)")]
    SchemaTooOld { found: i32, expected: i32 },
    #[error("{what} {id:?} already exists")]
    Exists { what: &'static str, id: String },
    #[error("{what} {id:?} does not exist")]
    NotFound { what: &'static str, id: String },
    #[error("{what} {id:?} is not valid: expected {expected}")]
    BadId {
        what: &'static str,
        id: String,
        expected: &'static str,
    },
    #[error("{what} failed: {cause}")]
    Query {
        what: &'static str,
        cause: tokio_postgres::Error,
    },
    #[error("month {asked} cannot be closed yet: the last closed month is {last} and months close in order (close {next} first)")]
    OutOfOrder {
        last: String,
        asked: String,
        next: String,
    },
    #[error("the leave is refused: {0}")]
    Leave(String),
    #[error("the database holds a bad value in {what}: {value}")]
    Corrupt { what: &'static str, value: String },
}

fn query(what: &'static str) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    move |cause| StoreError::Query { what, cause }
}

const ID_EXPECTED: &str = "1 to 64 of A-Z a-z 0-9 . _ -";

/// Checks a hall or device id: 1 to 64 of `A-Z a-z 0-9 . _ -` (the protocol's device pattern).
///
/// # Errors
/// [`StoreError::BadId`] naming `what`.
pub fn check_id(what: &'static str, id: &str) -> Result<(), StoreError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadId {
            what,
            id: id.to_string(),
            expected: ID_EXPECTED,
        })
    }
}

/// The device a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDevice {
    pub id: String,
    pub hall: String,
}

/// One line of `device list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: String,
    pub hall: String,
    pub created_at: jiff::Timestamp,
    pub revoked_at: Option<jiff::Timestamp>,
    pub last_seen_at: Option<jiff::Timestamp>,
    /// The last heartbeat, as JSON text.
    pub health: Option<String>,
}

/// An instant column as milliseconds since the Unix epoch (`int8`, or NULL), for
/// [`instant_ms`]: the driver reads no jiff 1 types.
macro_rules! epoch_ms {
    ($col:literal) => {
        concat!("(extract(epoch from ", $col, ") * 1000)::int8")
    };
}

/// The instant of [`epoch_ms!`]'s `ms`.
fn instant_ms(ms: i64, what: &'static str) -> Result<jiff::Timestamp, StoreError> {
    jiff::Timestamp::from_millisecond(ms).map_err(|e| StoreError::Corrupt {
        what,
        value: format!("{ms} ms: {e}"),
    })
}

/// The live device a token's sha256 belongs to.
const TOKEN_SQL: &str =
    "SELECT id, hall FROM devices WHERE token_sha256 = $1 AND revoked_at IS NULL";

/// Which of a list of staff ids a hall has.
const STAFF_SQL: &str = "SELECT id FROM staff WHERE hall = $1 AND id = ANY($2::text[])";

/// A batch's punches in one statement, each `(device, seq)` once, with the liveness verdicts
/// they carry (version 2; a verdict kept before is left as it is), and the device noted as seen:
/// the seqs stored now come back. One statement, so one commit; the verdicts' foreign key to
/// `punches` is checked at its end, when the punches inserted beside them are there.
const BATCH_SQL: &str = "WITH stored AS (
         INSERT INTO punches (device, seq, hall, staff_id, at, direction, clock_trusted,
                              verdict, late_minutes, early_minutes)
         SELECT $1, u.seq, $2, u.staff_id, u.at::timestamptz, u.direction, u.clock_trusted,
                u.verdict, u.late_minutes, u.early_minutes
         FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::text[], $7::boolean[],
                     $8::text[], $9::integer[], $10::integer[])
              AS u(seq, staff_id, at, direction, clock_trusted, verdict, late_minutes,
                   early_minutes)
         ON CONFLICT (device, seq) DO NOTHING
         RETURNING seq
     ), verdicts AS (
         INSERT INTO punch_liveness (device, seq, verdict, live_score, reasons)
         SELECT $1, v.seq, v.verdict, v.live_score, string_to_array(v.reasons, ',')
         FROM UNNEST($11::bigint[], $12::text[], $13::real[], $14::text[])
              AS v(seq, verdict, live_score, reasons)
         ON CONFLICT (device, seq) DO NOTHING
     ), seen AS (
         UPDATE devices SET last_seen_at = now() WHERE id = $1
     )
     SELECT seq FROM stored";

/// The statements every batch runs, prepared once per connection (the schema must exist first,
/// so on first use rather than at connect time).
struct Prepared {
    token: Statement,
    staff: Statement,
    batch: Statement,
}

/// The connection to PostgreSQL. Queries take `&self` and are pipelined on the one connection.
pub struct Store {
    client: Client,
    prepared: OnceCell<Prepared>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Connects (no TLS: a Unix socket or a trusted network; see `docs/central.md`) and spawns the
    /// connection's task on the current tokio runtime.
    ///
    /// # Errors
    /// [`StoreError::BadUrl`], [`StoreError::PasswordFile`], [`StoreError::PasswordEmpty`] or
    /// [`StoreError::Connect`].
    pub async fn connect(settings: &DbSettings) -> Result<Store, StoreError> {
        let mut config: tokio_postgres::Config = settings
            .url
            .parse()
            .map_err(|e: tokio_postgres::Error| StoreError::BadUrl(e.to_string()))?;
        if let Some(path) = &settings.password_file {
            let text =
                std::fs::read_to_string(path).map_err(|source| StoreError::PasswordFile {
                    path: path.clone(),
                    source,
                })?;
            let password = text.trim_end_matches(['\r', '\n']);
            if password.is_empty() {
                return Err(StoreError::PasswordEmpty { path: path.clone() });
            }
            config.password(password);
        }
        config.application_name("hallclock-central");
        // A database host that does not answer (not one that refuses) must not hold a request
        // for minutes: the door gives up after its own timeout (10 s by default) anyway.
        config.connect_timeout(std::time::Duration::from_secs(5));
        let (client, connection) = config
            .connect(NoTls)
            .await
            .map_err(|e| StoreError::Connect(with_causes(&e)))?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                let error = with_causes(&error);
                tracing::error!(%error, "The database connection ended");
            }
        });
        Ok(Store {
            client,
            prepared: OnceCell::new(),
        })
    }

    /// The ingest path's statements, prepared on first use.
    async fn prepared(&self) -> Result<&Prepared, StoreError> {
        self.prepared
            .get_or_try_init(|| async {
                let prepare = |sql: &'static str| self.client.prepare(sql);
                let (token, staff, batch) =
                    tokio::try_join!(prepare(TOKEN_SQL), prepare(STAFF_SQL), prepare(BATCH_SQL))
                        .map_err(query("preparing the ingest statements"))?;
                Ok(Prepared {
                    token,
                    staff,
                    batch,
                })
            })
            .await
    }

    /// Whether the connection has ended (the server restarted or the network failed).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Starts a transaction for `doing` (named in the error when it cannot start).
    async fn begin(
        &mut self,
        doing: &'static str,
    ) -> Result<tokio_postgres::Transaction<'_>, StoreError> {
        self.client.transaction().await.map_err(query(doing))
    }

    /// Applies the migrations the database has not seen, in order, in one transaction (two
    /// processes migrating at once queue on an advisory lock). Returns the schema version.
    ///
    /// # Errors
    /// [`StoreError::Migration`] (nothing of it is kept), [`StoreError::SchemaTooNew`],
    /// [`StoreError::Query`].
    pub async fn migrate(&mut self) -> Result<i32, StoreError> {
        let tx = self.begin("starting the migration").await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(query("taking the migration lock"))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version    integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .map_err(query("creating schema_version"))?;
        let found: Option<i32> = tx
            .query_one("SELECT max(version) FROM schema_version", &[])
            .await
            .map_err(query("reading schema_version"))?
            .get(0);
        let found = found.unwrap_or(0);
        if found > latest_version() {
            return Err(StoreError::SchemaTooNew {
                found,
                expected: latest_version(),
            });
        }
        for &(version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
            tx.batch_execute(sql)
                .await
                .map_err(|cause| StoreError::Migration { name, cause })?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES ($1)",
                &[&version],
            )
            .await
            .map_err(|cause| StoreError::Migration { name, cause })?;
            tracing::info!(version, name, "Applied a migration");
        }
        tx.commit()
            .await
            .map_err(query("committing the migration"))?;
        Ok(latest_version())
    }

    /// The schema version, 0 for an empty database.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn schema_version(&self) -> Result<i32, StoreError> {
        let exists: bool = self
            .client
            .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
            .await
            .map_err(query("reading the schema version"))?
            .get(0);
        if !exists {
            return Ok(0);
        }
        let row = self
            .client
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
            .await
            .map_err(query("reading the schema version"))?;
        Ok(row.get(0))
    }

    /// Fails unless the schema is exactly this binary's.
    ///
    /// # Errors
    /// [`StoreError::SchemaTooOld`], [`StoreError::SchemaTooNew`], [`StoreError::Query`].
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let found = self.schema_version().await?;
        let expected = latest_version();
        match found.cmp(&expected) {
            std::cmp::Ordering::Less => Err(StoreError::SchemaTooOld { found, expected }),
            std::cmp::Ordering::Greater => Err(StoreError::SchemaTooNew { found, expected }),
            std::cmp::Ordering::Equal => Ok(()),
        }
    }

    /// Adds a hall.
    ///
    /// # Errors
    /// [`StoreError::BadId`], [`StoreError::Exists`], [`StoreError::Query`].
    pub async fn add_hall(&self, id: &str, name: &str) -> Result<(), StoreError> {
        check_id("hall id", id)?;
        self.client
            .execute(
                "INSERT INTO halls (id, name) VALUES ($1, $2)",
                &[&id, &name],
            )
            .await
            .map_err(|e| exists_or(e, "hall", id, "adding a hall"))?;
        Ok(())
    }

    /// Adds a person to a hall's staff list.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (the hall), [`StoreError::Exists`], [`StoreError::Query`].
    pub async fn add_staff(&self, hall: &str, id: &StaffId, name: &str) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO staff (hall, id, name) VALUES ($1, $2, $3)",
                &[&hall, &id.as_str(), &name],
            )
            .await
            .map_err(|e| match e.code() {
                Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound {
                    what: "hall",
                    id: hall.to_string(),
                },
                _ => exists_or(e, "staff id", id.as_str(), "adding a staff member"),
            })?;
        Ok(())
    }

    /// Registers a device of a hall with the sha256 of its token.
    ///
    /// # Errors
    /// [`StoreError::BadId`], [`StoreError::NotFound`] (the hall), [`StoreError::Exists`],
    /// [`StoreError::Query`].
    pub async fn add_device(
        &self,
        hall: &str,
        id: &str,
        token_sha256: &[u8; 32],
    ) -> Result<(), StoreError> {
        check_id("device id", id)?;
        self.client
            .execute(
                "INSERT INTO devices (id, hall, token_sha256) VALUES ($1, $2, $3)",
                &[&id, &hall, &&token_sha256[..]],
            )
            .await
            .map_err(|e| match e.code() {
                Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => StoreError::NotFound {
                    what: "hall",
                    id: hall.to_string(),
                },
                _ => exists_or(e, "device", id, "adding a device"),
            })?;
        Ok(())
    }

    /// Revokes a device's token: its batches are refused from now on (`rotate` issues a new one).
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Query`].
    pub async fn revoke_device(&self, id: &str) -> Result<(), StoreError> {
        let n = self
            .client
            .execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(query("revoking a device"))?;
        found(n, "device", id)
    }

    /// Replaces a device's token (the old one stops working at once) and lifts a revocation.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Query`].
    pub async fn rotate_device(&self, id: &str, token_sha256: &[u8; 32]) -> Result<(), StoreError> {
        let n = self
            .client
            .execute(
                "UPDATE devices SET token_sha256 = $2, revoked_at = NULL WHERE id = $1",
                &[&id, &&token_sha256[..]],
            )
            .await
            .map_err(query("rotating a device's token"))?;
        found(n, "device", id)
    }

    /// Every device, by hall and id (`silence` tells which went silent).
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn devices(&self) -> Result<Vec<DeviceRow>, StoreError> {
        let rows = self
            .client
            .query(
                concat!(
                    "SELECT id, hall, ",
                    epoch_ms!("created_at"),
                    ", ",
                    epoch_ms!("revoked_at"),
                    ", ",
                    epoch_ms!("last_seen_at"),
                    ", health::text FROM devices ORDER BY hall, id"
                ),
                &[],
            )
            .await
            .map_err(query("listing devices"))?;
        let optional = |ms: Option<i64>, what| ms.map(|ms| instant_ms(ms, what)).transpose();
        rows.iter()
            .map(|r| {
                Ok(DeviceRow {
                    id: r.get(0),
                    hall: r.get(1),
                    created_at: instant_ms(r.get(2), "devices.created_at")?,
                    revoked_at: optional(r.get(3), "devices.revoked_at")?,
                    last_seen_at: optional(r.get(4), "devices.last_seen_at")?,
                    health: r.get(5),
                })
            })
            .collect()
    }

    /// The live (not revoked) device whose token has this sha256.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn device_by_token(
        &self,
        token_sha256: &[u8; 32],
    ) -> Result<Option<TokenDevice>, StoreError> {
        let statement = &self.prepared().await?.token;
        let row = self
            .client
            .query_opt(statement, &[&&token_sha256[..]])
            .await
            .map_err(query("looking up a token"))?;
        Ok(row.map(|r| TokenDevice {
            id: r.get(0),
            hall: r.get(1),
        }))
    }

    /// Which of `ids` are on the hall's staff list.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn known_staff(
        &self,
        hall: &str,
        ids: &[&str],
    ) -> Result<HashSet<String>, StoreError> {
        let statement = &self.prepared().await?.staff;
        let rows = self
            .client
            .query(statement, &[&hall, &ids])
            .await
            .map_err(query("reading the staff list"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Inserts a device's punches in one statement, each `(device, seq)` once, with the liveness
    /// verdicts they carry (a verdict kept before is left as it is), and notes the device as
    /// heard from now; returns the seqs stored now (the others were stored before). Committed
    /// when it returns.
    ///
    /// # Errors
    /// [`StoreError::Query`]: nothing of the batch is stored.
    pub async fn insert_punches(
        &self,
        device: &str,
        hall: &str,
        punches: &[&CheckedPunch],
    ) -> Result<HashSet<i64>, StoreError> {
        let statement = &self.prepared().await?.batch;
        let n = punches.len();
        let mut seq = Vec::with_capacity(n);
        let mut staff = Vec::with_capacity(n);
        let mut at = Vec::with_capacity(n);
        let mut direction = Vec::with_capacity(n);
        let mut trusted = Vec::with_capacity(n);
        let mut verdict = Vec::with_capacity(n);
        let mut late = Vec::with_capacity(n);
        let mut early = Vec::with_capacity(n);
        for p in punches {
            seq.push(p.seq);
            staff.push(p.staff.as_str());
            at.push(format!("{:.6}", p.at));
            direction.push(match p.role {
                PunchRole::ClockIn => "in",
                PunchRole::ClockOut => "out",
            });
            trusted.push(p.clock_trusted);
            let (v, l, e) = match p.verdict {
                None => ("unjudged", 0, 0),
                Some(Verdict::OnTime) => ("on-time", 0, 0),
                Some(Verdict::Late { minutes }) => ("late", minutes, 0),
                Some(Verdict::Early { minutes }) => ("early", 0, minutes),
            };
            verdict.push(v);
            // `ingest` caps minutes at a day, far inside i32.
            late.push(i32::try_from(l).unwrap_or(i32::MAX));
            early.push(i32::try_from(e).unwrap_or(i32::MAX));
        }
        let live = liveness::VerdictColumns::of(punches);
        let rows = self
            .client
            .query(
                statement,
                &[
                    &device,
                    &hall,
                    &seq,
                    &staff,
                    &at,
                    &direction,
                    &trusted,
                    &verdict,
                    &late,
                    &early,
                    &live.seq,
                    &live.verdict,
                    &live.live_score,
                    &live.reasons,
                ],
            )
            .await
            .map_err(query("storing punches"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Keeps a device's heartbeat (JSON text) as its last health report and notes it as heard
    /// from now. (A batch notes it in the batch's own statement, [`Store::insert_punches`].)
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn note_heartbeat(&self, id: &str, health: &str) -> Result<(), StoreError> {
        self.client
            .execute(
                "UPDATE devices SET last_seen_at = now(), health = $2::text::jsonb WHERE id = $1",
                &[&id, &health],
            )
            .await
            .map_err(query("noting a device as seen"))?;
        Ok(())
    }
}

/// A driver error with its causes (`db error: FATAL: the database system is shutting down`,
/// not just `db error`). The driver's errors carry neither the URL nor the password.
fn with_causes(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn exists_or(
    e: tokio_postgres::Error,
    what: &'static str,
    id: &str,
    doing: &'static str,
) -> StoreError {
    match e.code() {
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => StoreError::Exists {
            what,
            id: id.to_string(),
        },
        _ => StoreError::Query {
            what: doing,
            cause: e,
        },
    }
}

fn found(rows: u64, what: &'static str, id: &str) -> Result<(), StoreError> {
    if rows == 0 {
        Err(StoreError::NotFound {
            what,
            id: id.to_string(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_id("hall id", "east-1.a_b").is_ok());
        assert_eq!(
            check_id("device id", "door 1").unwrap_err().to_string(),
            "device id \"door 1\" is not valid: expected 1 to 64 of A-Z a-z 0-9 . _ -"
        );
        assert!(check_id("hall id", "").is_err());
    }

    #[test]
    fn settings_never_show_the_url() {
        let s = DbSettings {
            url: "postgresql://u:secret@h/db".into(),
            password_file: None,
        };
        assert!(!format!("{s:?}").contains("secret"));
    }

    #[test]
    fn migrations_are_numbered_in_order() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.0, i as i32 + 1);
            assert!(m.1.starts_with(&format!("{:04}_", m.0)), "{}", m.1);
        }
    }
}

//! The uploader task: drains the SQLite outbox to the central scoring service. It joins `store`
//! (its own connection; the recorder writes through another) and `uplink` (the HTTP client), and
//! lets `core::outbox` decide what each answer means.
//!
//! Blocking SQLite calls run on `spawn_blocking`, never on the async runtime. The task wakes when
//! the recorder calls `notify_one()` on the `wake` it was handed, or every
//! [`UploadSettings::poll_interval`]. On cancel it stops at once: a batch in flight is abandoned
//! unacknowledged (the server de-duplicates the retry by idempotency key), and a store write
//! already started is finished first, so nothing is lost. It never deletes an unacknowledged
//! record; acknowledged ones are pruned after [`UploadSettings::keep_acked_for`].

use std::hash::{BuildHasher, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio::sync::{watch, Notify};
use tokio_util::sync::CancellationToken;

use crate::config::UploadSettings;
use crate::core::outbox::{BatchAnswer, Next, RetryState};
use crate::store::{
    AttemptRecord, OutboxCounts, OutboxId, OutboxRecord, OutboxVerdict, Store, StoreError,
};
use crate::uplink::{
    BearerToken, UplinkClient, UplinkError, UploadAttempt, UploadItem, UploadLiveness, UploadRecord,
};

/// What the uploader reports, for `doctor`, metrics and the admin page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadStatus {
    /// Records not yet acknowledged nor parked (held ones included).
    pub pending: u64,
    /// Records the server refused for good (see `Store::parked_outbox`).
    pub parked: u64,
    /// Pending records held back until the clock is trusted and they are classified.
    pub held: u64,
    /// The last batch the server answered in full.
    pub last_success: Option<Timestamp>,
    /// The last failure, cleared by the next full success.
    pub last_error: Option<String>,
    /// The instant of the oldest pending punch.
    pub oldest_pending: Option<Timestamp>,
}

/// Why the uploader stopped for good.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("uploader cannot open the database: {0}")]
    OpenStore(#[source] StoreError),
    #[error("uploader cannot start: {0}")]
    Uplink(#[from] UplinkError),
    #[error("uploader's database worker died: {0}")]
    Worker(String),
}

/// The HTTP client for the centre with the door's token, as every uplink task builds it.
///
/// # Errors
/// [`UplinkError`]: the token cannot be read or the client built.
pub fn client_for(settings: &UploadSettings) -> Result<UplinkClient, UplinkError> {
    UplinkClient::new(&settings.client, BearerToken::load(&settings.token)?)
}

/// The client for a task that talks to the centre, or `None` with a warning that the task
/// (`without`: what the door goes without, "No heartbeat to the centre") does not start.
pub fn client_or_warn(settings: &UploadSettings, without: &str) -> Option<UplinkClient> {
    client_for(settings)
        .map_err(|error| tracing::warn!(%error, "{without}: the uplink does not start."))
        .ok()
}

/// Runs until `cancel`: sends the oldest ready records in batches, settles them, and keeps
/// `status` current. Per-batch failures (server down, 5xx, timeouts, a busy database) are logged
/// and retried with backoff; they never end the task.
///
/// # Errors
/// [`UploadError::Uplink`] when the token cannot be read or the client built,
/// [`UploadError::OpenStore`] when the database cannot be opened, [`UploadError::Worker`] when
/// a blocking database call panicked.
#[tracing::instrument(name = "uplink", skip_all, fields(device = %settings.device_id))]
pub async fn run_uploader(
    settings: UploadSettings,
    wake: Arc<Notify>,
    db: PathBuf,
    cancel: CancellationToken,
    status: watch::Sender<UploadStatus>,
) -> Result<(), UploadError> {
    let client = client_for(&settings)?;
    let store = blocking(move || Store::open(&db))
        .await?
        .map_err(UploadError::OpenStore)?;
    tracing::info!(endpoint = %client.endpoint(), "Uploader started.");
    let mut up = Uploader {
        store: Some(store),
        client,
        state: RetryState::new(),
        jitter: Jitter::default(),
        store_failures: 0,
        last_count: None,
        last_prune: None,
        settings,
    };
    up.refresh(&status).await?;
    loop {
        if cancel.is_cancelled() {
            break;
        }
        match up.step(&status, &cancel).await? {
            Step::Cancelled => break,
            Step::Again => {}
            Step::Idle => {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => break,
                    () = wake.notified() => {}
                    () = tokio::time::sleep(up.settings.poll_interval) => {}
                }
            }
            Step::Wait(d) => {
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(d) => {}
                }
            }
        }
    }
    // A last count so the final status is true; a failure here loses nothing.
    up.refresh(&status).await?;
    tracing::info!("Uploader stopped.");
    Ok(())
}

enum Step {
    /// More may be ready: go again.
    Again,
    /// Nothing ready: wait for a wake-up or the poll interval.
    Idle,
    /// Wait this long (backoff).
    Wait(Duration),
    /// Cancelled while a batch was in flight (it stays pending).
    Cancelled,
}

struct Uploader {
    /// `None` only while a blocking call holds it.
    store: Option<Store>,
    client: UplinkClient,
    state: RetryState,
    jitter: Jitter,
    store_failures: u32,
    last_count: Option<Instant>,
    last_prune: Option<Instant>,
    settings: UploadSettings,
}

/// Full recounts at most this often while a backlog drains (counts are adjusted in between).
const RECOUNT_EVERY: Duration = Duration::from_secs(2);
/// Pruning of acknowledged rows runs this often.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

impl Uploader {
    /// One batch: fetch, send, settle. Only the send is interrupted by `cancel` (the batch then
    /// stays pending); database calls always run to the end, so a settle is never half done.
    async fn step(
        &mut self,
        status: &watch::Sender<UploadStatus>,
        cancel: &CancellationToken,
    ) -> Result<Step, UploadError> {
        self.maybe_prune().await?;
        let size = self.state.batch_size(&self.settings.policy);
        // Punches first; refused spoof attempts fill what room is left.
        let ready = self
            .with_store(move |s| {
                let punches = s.outbox_ready(size)?;
                let room = size.saturating_sub(punches.len());
                let attempts = if room > 0 {
                    s.attempts_ready(room)?
                } else {
                    Vec::new()
                };
                Ok::<_, StoreError>((punches, attempts))
            })
            .await?;
        let (batch, attempts) = match ready {
            Ok(b) => b,
            Err(e) => return Ok(self.store_failed(&e, status)),
        };
        if batch.is_empty() && attempts.is_empty() {
            self.refresh(status).await?;
            return Ok(Step::Idle);
        }
        let records: Vec<UploadItem> = batch
            .iter()
            .map(|r| UploadItem::Punch(upload_record(r)))
            .chain(
                attempts
                    .iter()
                    .map(|a| UploadItem::Attempt(upload_attempt(a))),
            )
            .collect();
        let answer = tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(Step::Cancelled),
            answer = self.client.send(&self.settings.device_id, &records, Timestamp::now()) => answer,
        };
        let settlement = self.state.settle(
            &self.settings.policy,
            records.len(),
            &answer,
            self.jitter.unit(),
        );
        // Indices below `batch.len()` are punches (outbox rows), the rest attempts.
        let n = batch.len();
        let acked: Vec<OutboxId> = settlement
            .acked
            .iter()
            .filter(|&&i| i < n)
            .map(|&i| batch[i].id)
            .collect();
        let acked_attempts: Vec<i64> = settlement
            .acked
            .iter()
            .filter(|&&i| i >= n)
            .map(|&i| attempts[i - n].id)
            .collect();
        let mut parked: Vec<(OutboxId, String)> = Vec::new();
        let mut parked_attempts: Vec<(i64, String)> = Vec::new();
        for (i, why) in &settlement.parked {
            let staff = match &records[*i] {
                UploadItem::Punch(p) => &p.staff,
                UploadItem::Attempt(a) => &a.staff,
            };
            tracing::warn!(key = %records[*i].idempotency_key(), %staff, reason = %why, "Server refused a record; parked it.");
            match batch.get(*i) {
                Some(r) => parked.push((r.id, why.clone())),
                None => parked_attempts.push((attempts[*i - n].id, why.clone())),
            }
        }
        let (n_acked, n_parked) = (acked.len() as u64, parked.len() as u64);
        let attempts_settled = acked_attempts.len() + parked_attempts.len();
        if n_acked + n_parked > 0 || attempts_settled > 0 {
            let now = Timestamp::now();
            if let Err(e) = self
                .with_store(move |s| {
                    s.settle_outbox(&acked, &parked, now)?;
                    s.settle_attempts(&acked_attempts, &parked_attempts, now)
                })
                .await?
            {
                // The server has them; the next attempt gets "duplicate" and settles them then.
                return Ok(self.store_failed(&e, status));
            }
        }
        self.store_failures = 0;
        let full_success =
            matches!(answer, BatchAnswer::PerRecord(_)) && settlement.error.is_none();
        match &settlement.error {
            Some(error) => {
                tracing::warn!(%error, records = records.len(), acked = n_acked, parked = n_parked, "Upload attempt failed; will retry.")
            }
            None => tracing::debug!(
                records = records.len(),
                acked = n_acked,
                parked = n_parked,
                "Uploaded a batch."
            ),
        }
        status.send_modify(|st| {
            st.pending = st.pending.saturating_sub(n_acked + n_parked);
            st.parked += n_parked;
            if full_success {
                st.last_success = Some(Timestamp::now());
                st.last_error = None;
            }
            if let Some(e) = &settlement.error {
                st.last_error = Some(e.clone());
            }
        });
        let due = self.last_count.is_none_or(|t| t.elapsed() >= RECOUNT_EVERY);
        if due || records.len() < size {
            self.refresh(status).await?;
        }
        Ok(match settlement.next {
            Next::Now => Step::Again,
            Next::After(d) => Step::Wait(d),
        })
    }

    fn store_failed(&mut self, e: &StoreError, status: &watch::Sender<UploadStatus>) -> Step {
        let wait = self
            .settings
            .policy
            .backoff
            .delay(self.store_failures, self.jitter.unit());
        self.store_failures = self.store_failures.saturating_add(1);
        tracing::warn!(error = %e, "Outbox database call failed; will retry.");
        status.send_modify(|st| st.last_error = Some(e.to_string()));
        Step::Wait(wait)
    }

    /// Recounts the outbox into `status`. A failed count is only logged.
    async fn refresh(&mut self, status: &watch::Sender<UploadStatus>) -> Result<(), UploadError> {
        self.last_count = Some(Instant::now());
        match self.with_store(|s| s.outbox_counts()).await? {
            Ok(c) => status.send_modify(|st| apply_counts(st, &c)),
            Err(e) => tracing::warn!(error = %e, "Cannot count the outbox."),
        }
        Ok(())
    }

    async fn maybe_prune(&mut self) -> Result<(), UploadError> {
        if self.last_prune.is_some_and(|t| t.elapsed() < PRUNE_EVERY) {
            return Ok(());
        }
        self.last_prune = Some(Instant::now());
        let keep = jiff::SignedDuration::try_from(self.settings.keep_acked_for)
            .unwrap_or(jiff::SignedDuration::MAX);
        let Some(before) = Timestamp::now().checked_sub(keep).ok() else {
            return Ok(());
        };
        match self
            .with_store(move |s| s.prune_acked_outbox(before))
            .await?
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "Pruned acknowledged outbox rows."),
            Err(e) => tracing::warn!(error = %e, "Cannot prune acknowledged outbox rows."),
        }
        Ok(())
    }

    /// Runs `f` on the store on a blocking thread and waits for it.
    async fn with_store<T: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Store) -> T + Send + 'static,
    ) -> Result<T, UploadError> {
        let mut store = self
            .store
            .take()
            .ok_or_else(|| UploadError::Worker("the store was lost by an earlier call".into()))?;
        let (store, out) = blocking(move || {
            let out = f(&mut store);
            (store, out)
        })
        .await?;
        self.store = Some(store);
        Ok(out)
    }
}

fn apply_counts(st: &mut UploadStatus, c: &OutboxCounts) {
    st.pending = c.pending;
    st.parked = c.parked;
    st.held = c.held;
    st.oldest_pending = c.oldest_pending;
}

/// The explicit conversion from the store's row to the uplink's record.
fn upload_record(r: &OutboxRecord) -> UploadRecord {
    UploadRecord {
        device: r.device.clone(),
        seq: r.seq,
        staff: r.staff.clone(),
        at: r.at,
        role: r.role,
        clock_trusted: r.clock_trusted,
        verdict: match r.verdict {
            OutboxVerdict::Judged(v) => Some(v),
            OutboxVerdict::Unjudged => None,
        },
        liveness: r.liveness.as_ref().map(|l| UploadLiveness {
            suspect: l.suspect,
            live_score: l.score,
            reasons: reason_codes(&l.reasons),
        }),
    }
}

/// The explicit conversion from a stored refused attempt to the uplink's record.
fn upload_attempt(a: &AttemptRecord) -> UploadAttempt {
    UploadAttempt {
        device: a.device.clone(),
        seq: u64::try_from(a.id).unwrap_or(0),
        staff: a.staff.clone(),
        at: a.at,
        live_score: a.live_score,
        reasons: reason_codes(&a.reasons),
    }
}

/// `"model,flat"` as `["model", "flat"]`.
fn reason_codes(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect()
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, UploadError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| UploadError::Worker(e.to_string()))
}

/// Uniform numbers in `[0, 1)` for the backoff jitter, from std's randomly keyed hasher (no
/// extra crate; this needs spread, not cryptographic strength).
#[derive(Default)]
struct Jitter {
    counter: u64,
}

impl Jitter {
    fn unit(&mut self) -> f64 {
        self.counter = self.counter.wrapping_add(1);
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(self.counter);
        (h.finish() >> 11) as f64 / (1u64 << 53) as f64
    }
}

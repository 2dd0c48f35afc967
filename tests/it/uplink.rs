//! The uplink on real parts: a real SQLite file in a temporary folder, the real uploader task
//! (`daemon::upload::run_uploader`) and a real HTTP server on 127.0.0.1 standing in for the central
//! scoring service. The server de-duplicates by idempotency key like the real one, records every
//! request, and fails on demand (down, 500, hanging after it stored a batch, acknowledging twice,
//! refusing records). Each fault of issue 4's uplink list is one test here; all traffic stays on
//! loopback and every wait is bounded.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jiff::Timestamp;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use hallclock::config::UploadSettings;
use hallclock::core::backoff::Backoff;
use hallclock::core::ids::StaffId;
use hallclock::core::outbox::OutboxPolicy;
use hallclock::core::rules::Punch;
use hallclock::core::schedule::{PunchRole, Verdict};
use hallclock::daemon::upload::{run_uploader, UploadError, UploadStatus};
use hallclock::store::{DoorPunch, Store};
use hallclock::uplink::wire::{WireBatchV2, WireRecord, WireRecordV2, WireResponse, WireResult};
use hallclock::uplink::{ClientSettings, TokenSource};

use super::repo;

const TOKEN: &str = "hc-test-token-7f3a9c1e55";
pub(crate) const DEVICE: &str = "door-1";

// ---------------------------------------------------------------------------------------------
// The fake central service.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Mode {
    #[default]
    Up,
    /// 500 for every request.
    Fail500,
    /// Stores the batch, then answers only after this long (the client times out first).
    HangAfterStoring(Duration),
    /// Every result line twice.
    AckTwice,
}

#[derive(Debug, Default)]
struct Central {
    mode: Mode,
    /// Accepted records, in the order the server first stored them.
    stored: Vec<WireRecord>,
    keys: HashSet<String>,
    requests: usize,
    duplicates: usize,
    bodies: Vec<Value>,
    auth_headers: Vec<String>,
    /// Per-record refusals: key → reason.
    reject: HashMap<String, String>,
    /// A batch holding one of these keys is refused whole with 400.
    poison: HashSet<String>,
    /// Answer 401 / 500 with the Authorization header echoed in the body (a careless server).
    echo_token_status: Option<StatusCode>,
}

type Shared = Arc<Mutex<Central>>;

async fn batch(State(st): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (answer, hang) = {
        let mut c = st.lock().unwrap();
        c.requests += 1;
        c.auth_headers.push(auth.clone());
        if let Ok(v) = serde_json::from_str::<Value>(&body) {
            c.bodies.push(v);
        }
        if let Some(code) = c.echo_token_status {
            return (code, Json(json!({ "error": format!("refused {auth}") }))).into_response();
        }
        if auth != format!("Bearer {TOKEN}") {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "error": "bad token" })),
            )
                .into_response();
        }
        if c.mode == Mode::Fail500 {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({ "error": "database is down" })),
            )
                .into_response();
        }
        let batch: WireBatchV2 = match serde_json::from_str(&body) {
            Ok(b) => b,
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({ "error": e.to_string() })),
                )
                    .into_response()
            }
        };
        if let Some(bad) = batch
            .records
            .iter()
            .find(|r| c.poison.contains(r.idempotency_key()))
        {
            let error = format!("record {} is malformed", bad.idempotency_key());
            return (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response();
        }
        let mut results = Vec::new();
        for r in batch.records {
            let key = r.idempotency_key().to_string();
            let (status, reason) = if let Some(why) = c.reject.get(&key) {
                ("rejected", Some(why.clone()))
            } else if c.keys.contains(&key) {
                c.duplicates += 1;
                ("duplicate", None)
            } else {
                c.keys.insert(key.clone());
                if let WireRecordV2::Punch(p) = r {
                    c.stored.push(p);
                }
                ("accepted", None)
            };
            let line = WireResult {
                idempotency_key: key,
                status: status.into(),
                reason,
            };
            if c.mode == Mode::AckTwice {
                results.push(line.clone());
            }
            results.push(line);
        }
        let hang = match c.mode {
            Mode::HangAfterStoring(d) => Some(d),
            _ => None,
        };
        (WireResponse { results }, hang)
    };
    if let Some(d) = hang {
        tokio::time::sleep(d).await;
    }
    Json(answer).into_response()
}

struct Server {
    central: Shared,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Server {
    /// A central on a free loopback address, set up by `configure` before it serves.
    async fn serving(configure: impl FnOnce(&mut Central)) -> (SocketAddr, Server) {
        let addr = free_addr();
        let central = Shared::default();
        configure(&mut central.lock().unwrap());
        (addr, Server::start(addr, central).await)
    }

    async fn start(addr: SocketAddr, central: Shared) -> Server {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let app = Router::new()
            .route("/v1/punches", post(batch))
            .with_state(central.clone());
        let stop = CancellationToken::new();
        let s = stop.clone();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move { s.cancelled().await })
                .await
                .unwrap();
        });
        Server {
            central,
            stop,
            task,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Central) -> T) -> T {
        f(&mut self.central.lock().unwrap())
    }

    async fn stop(self) {
        self.stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.task).await;
    }
}

/// A free loopback port, with nothing listening on it yet.
fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

// ---------------------------------------------------------------------------------------------
// The device side.

struct Device {
    _dir: tempfile::TempDir,
    db: PathBuf,
    token_file: PathBuf,
    store: Store,
}

impl Device {
    fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hallclock.db");
        let token_file = dir.path().join("upload-token");
        std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
        let mut store = Store::open(&db).unwrap();
        for s in ["0001", "0002", "0003"] {
            store
                .upsert_staff(
                    &StaffId::new(s).unwrap(),
                    "Staff",
                    None,
                    Timestamp::UNIX_EPOCH,
                    &hallclock::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
                )
                .unwrap();
        }
        Device {
            _dir: dir,
            db,
            token_file,
            store,
        }
    }

    /// Records `n` punches in transactions of up to `chunk`, continuing the sequence.
    fn record(&mut self, n: usize, chunk: usize) {
        let base: Timestamp = "2026-03-02T00:00:00Z".parse().unwrap();
        let start = self.store.punch_count().unwrap();
        let all: Vec<DoorPunch> = (start..start + n).map(|i| door_punch(base, i)).collect();
        for part in all.chunks(chunk.max(1)) {
            if part.len() == 1 {
                self.store
                    .record_door_punch(DEVICE, &part[0], Timestamp::now())
                    .unwrap();
            } else {
                self.store
                    .record_door_punches(DEVICE, part, Timestamp::now())
                    .unwrap();
            }
        }
    }

    fn settings(&self, addr: SocketAddr) -> UploadSettings {
        upload_settings(
            &format!("http://{addr}/v1/punches"),
            Duration::from_millis(400),
            self.token_file.clone(),
        )
    }
}

/// The test uploader's settings: device [`DEVICE`] posting to `endpoint` with the token in
/// `token_file`, each request given `timeout`; quick retries (10 ms to 200 ms), batches of 200,
/// a poll every 50 ms.
pub(crate) fn upload_settings(
    endpoint: &str,
    timeout: Duration,
    token_file: PathBuf,
) -> UploadSettings {
    UploadSettings {
        client: ClientSettings {
            endpoint: endpoint.parse().unwrap(),
            timeout,
        },
        token: TokenSource::File(token_file),
        device_id: DEVICE.into(),
        policy: OutboxPolicy {
            backoff: Backoff {
                base: Duration::from_millis(10),
                cap: Duration::from_millis(200),
                jitter: 0.25,
            },
            batch_size: 200,
        },
        poll_interval: Duration::from_millis(50),
        keep_acked_for: Duration::from_secs(30 * 86_400),
        facts_every: None,
    }
}

/// The `i`-th of a run of door punches, 7 s apart from `base`, by three people in turn; roles,
/// verdicts and the score vary with `i`.
pub(crate) fn door_punch(base: Timestamp, i: usize) -> DoorPunch {
    door_punch_by(base, i, ["0001", "0002", "0003"][i % 3])
}

/// [`door_punch`] by `staff`.
pub(crate) fn door_punch_by(base: Timestamp, i: usize, staff: &str) -> DoorPunch {
    DoorPunch {
        punch: Punch {
            staff: StaffId::new(staff).unwrap(),
            at: base + jiff::SignedDuration::from_secs(i as i64 * 7),
            clock_trusted: true,
        },
        role: if i.is_multiple_of(2) {
            PunchRole::ClockIn
        } else {
            PunchRole::ClockOut
        },
        verdict: match i % 4 {
            0 => Some(Verdict::OnTime),
            1 => Some(Verdict::Early { minutes: 3 }),
            2 => Some(Verdict::Late { minutes: 12 }),
            _ => None,
        },
        score: Some(0.81),
        liveness: None,
    }
}

/// A running uploader task.
pub(crate) struct Running {
    cancel: CancellationToken,
    pub(crate) status: watch::Receiver<UploadStatus>,
    task: JoinHandle<Result<(), UploadError>>,
}

/// Starts the real uploader on the outbox of the database `db`.
pub(crate) fn start_uploader(settings: UploadSettings, db: &Path) -> Running {
    let cancel = CancellationToken::new();
    let (tx, status) = watch::channel(UploadStatus::default());
    let task = tokio::spawn(run_uploader(
        settings,
        Arc::default(),
        db.to_path_buf(),
        cancel.clone(),
        tx,
    ));
    Running {
        cancel,
        status,
        task,
    }
}

impl Running {
    /// Waits, at most 60 s, until `done` holds (checked every 20 ms while the uploader works);
    /// a timeout fails the test with the uploader's status.
    pub(crate) async fn wait_until(&self, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done() {
            assert!(
                Instant::now() < deadline,
                "timed out: {:?}",
                self.status.borrow()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Cancels and waits: the uploader must stop promptly and cleanly.
    async fn stop(self) -> UploadStatus {
        let started = Instant::now();
        let st = self.cancel_and_join().await;
        assert!(started.elapsed() < Duration::from_secs(2), "slow stop");
        st
    }

    /// Cancels and waits: the uploader must stop cleanly within 5 s; its last status.
    pub(crate) async fn cancel_and_join(self) -> UploadStatus {
        self.cancel.cancel();
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("uploader stops within 5 s of cancel")
            .unwrap()
            .unwrap();
        let st = self.status.borrow().clone();
        st
    }
}

/// The text field `field` of each object in the array `list`.
pub(crate) fn texts<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap())
        .collect()
}

/// The published schema of the upload batch, its answers and its errors.
pub(crate) fn upload_schema() -> Value {
    super::read_json(&repo().join("docs/upload-batch.schema.json"))
}

/// Waits (`limit` at most) until the `n` punches queued on `dev` are acknowledged, then stops
/// the uploader `up`: `server` stored each exactly once, in order, and the outbox holds them
/// all acknowledged, none pending or parked. The uploader's last status.
async fn deliver_all(
    dev: &Device,
    up: Running,
    server: &Server,
    n: usize,
    limit: Duration,
) -> UploadStatus {
    until(&format!("all {n} delivered"), limit, || {
        dev.store.outbox_counts().unwrap().acked == n as u64
    })
    .await;
    let st = up.stop().await;
    server.with(|c| assert_exactly_once_in_order(&c.stored, n));
    let c = counts(&dev.db);
    assert_eq!((c.pending, c.parked, c.acked), (0, 0, n as u64));
    st
}

/// The uploader's last error, empty when there was none.
fn last_error(status: &watch::Receiver<UploadStatus>) -> String {
    status.borrow().last_error.clone().unwrap_or_default()
}

/// Waits (bounded) until `done` holds.
async fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every key stored exactly once, as `DEVICE:1..=n` in this order.
#[track_caller]
fn assert_exactly_once_in_order(stored: &[WireRecord], n: usize) {
    let keys: Vec<&str> = stored.iter().map(|r| r.idempotency_key.as_str()).collect();
    let expected: Vec<String> = (1..=n).map(|s| format!("{DEVICE}:{s}")).collect();
    assert_eq!(keys.len(), n, "records stored");
    assert!(
        keys.iter().zip(&expected).all(|(a, b)| a == b),
        "stored out of order or with gaps"
    );
}

fn counts(db: &Path) -> hallclock::store::OutboxCounts {
    Store::open(db).unwrap().outbox_counts().unwrap()
}

// ---------------------------------------------------------------------------------------------
// The faults.

/// The server is unreachable for a long stretch (connection refused, many backoff rounds)
/// while 3,000 punches queue up, then comes back: every punch arrives exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_down_for_long_with_thousands_queued_then_back() {
    let mut dev = Device::new();
    let addr = free_addr();
    let up = start_uploader(dev.settings(addr), &dev.db);
    // Punches arrive while the server is down: one at a time at first, then in bulk.
    dev.record(20, 1);
    dev.record(2_980, 500);
    let status = up.status.clone();
    until(
        "the uploader to see the server down",
        Duration::from_secs(10),
        || status.borrow().last_error.is_some(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await; // a long stretch: several capped retries
    assert_eq!(counts(&dev.db).pending, 3_000);

    let central = Shared::default();
    let server = Server::start(addr, central.clone()).await;
    let st = deliver_all(&dev, up, &server, 3_000, Duration::from_secs(60)).await;
    assert_eq!((st.pending, st.parked), (0, 0));
    assert!(
        st.last_success.is_some() && st.last_error.is_none(),
        "{st:?}"
    );
    server.stop().await;
}

/// The server answers 500, then stores batches but answers too late (client timeout), then
/// acknowledges every record twice: each record is still stored exactly once, in order, and
/// every outbox row ends acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_timeouts_and_double_acks_still_deliver_exactly_once() {
    let mut dev = Device::new();
    let (addr, server) = Server::serving(|c| c.mode = Mode::Fail500).await;
    let up = start_uploader(dev.settings(addr), &dev.db);
    dev.record(1_000, 250);

    until("three 500s", Duration::from_secs(10), || {
        server.with(|c| c.requests) >= 3
    })
    .await;
    assert_eq!(server.with(|c| c.stored.len()), 0);
    assert!(last_error(&up.status).contains("answered 500"));

    let before = server.with(|c| {
        c.mode = Mode::HangAfterStoring(Duration::from_secs(2));
        c.requests
    });
    until("two timed-out requests", Duration::from_secs(10), || {
        server.with(|c| c.requests) >= before + 2
    })
    .await;
    let stored_while_hanging = server.with(|c| {
        c.mode = Mode::AckTwice;
        c.stored.len()
    });
    assert!(
        stored_while_hanging > 0,
        "the server stored the batch it never answered"
    );
    assert_eq!(
        counts(&dev.db).acked,
        0,
        "nothing acknowledged without an answer"
    );

    deliver_all(&dev, up, &server, 1_000, Duration::from_secs(30)).await;
    assert!(
        server.with(|c| c.duplicates) >= stored_while_hanging,
        "the resent batch came back as duplicates"
    );
    server.stop().await;
}

/// One record refused by the server (per-record 4xx reason) and one that makes the server
/// refuse its whole batch (400): each is parked with its reason, the others flow, and nothing is
/// retried forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_records_are_parked_with_their_reason_and_the_rest_flow() {
    let mut dev = Device::new();
    let (addr, server) = Server::serving(|c| {
        c.reject.insert(
            format!("{DEVICE}:5"),
            "unknown staff id 0002 at this hall".into(),
        );
        c.poison.insert(format!("{DEVICE}:9"));
    })
    .await;
    let mut settings = dev.settings(addr);
    settings.policy.batch_size = 20;
    dev.record(50, 50);
    let up = start_uploader(settings, &dev.db);
    let status = up.status.clone();
    until("everything settled", Duration::from_secs(20), || {
        let st = status.borrow();
        st.pending == 0 && st.parked == 2
    })
    .await;
    let requests = server.with(|c| c.requests);
    tokio::time::sleep(Duration::from_millis(400)).await; // several poll intervals
    assert_eq!(
        server.with(|c| c.requests),
        requests,
        "parked records are not retried"
    );
    up.stop().await;

    let stored: Vec<u64> = server.with(|c| c.stored.iter().map(|r| r.seq).collect());
    let expected: Vec<u64> = (1..=50).filter(|s| *s != 5 && *s != 9).collect();
    assert_eq!(stored, expected);
    let store = Store::open(&dev.db).unwrap();
    let parked = store.parked_outbox(10).unwrap();
    assert_eq!(parked.iter().map(|p| p.seq).collect::<Vec<_>>(), [5, 9]);
    assert_eq!(parked[0].reason, "unknown staff id 0002 at this hall");
    assert!(
        parked[1].reason.contains("400") && parked[1].reason.contains("door-1:9 is malformed"),
        "{}",
        parked[1].reason
    );
    // bounded work: one full batch refused, its 20 records one at a time, then the last 30
    assert!(requests <= 1 + 20 + 2, "{requests} requests");
    server.stop().await;
}

/// The outbox holds 1,000,000 records (weeks offline): they go in quickly in large
/// transactions, the counts are right, and reading the oldest batch stays fast.
#[test]
fn outbox_holds_a_million_records_and_the_oldest_batch_stays_fast() {
    let mut dev = Device::new();
    let base: Timestamp = "2026-03-02T00:00:00Z".parse().unwrap();
    let started = Instant::now();
    let chunk: Vec<DoorPunch> = (0..50_000).map(|i| door_punch(base, i)).collect();
    for _ in 0..20 {
        dev.store
            .record_door_punches(DEVICE, &chunk, Timestamp::now())
            .unwrap();
    }
    let insert = started.elapsed();
    let t = Instant::now();
    let c = dev.store.outbox_counts().unwrap();
    let count_time = t.elapsed();
    assert_eq!((c.pending, c.parked, c.acked, c.held), (1_000_000, 0, 0, 0));
    assert_eq!(c.oldest_pending, Some(base));

    let t = Instant::now();
    let first = dev.store.outbox_ready(200).unwrap();
    let fetch = t.elapsed();
    assert_eq!(first.len(), 200);
    assert_eq!((first[0].seq, first[199].seq), (1, 200));
    // acknowledge half a million, then the next oldest batch is still found at once
    let ids: Vec<_> = {
        let mut out = Vec::new();
        while out.len() < 500_000 {
            let part = dev.store.outbox_ready(10_000).unwrap();
            let ids: Vec<_> = part.iter().map(|r| r.id).collect();
            dev.store
                .settle_outbox(&ids, &[], Timestamp::now())
                .unwrap();
            out.extend(ids);
        }
        out
    };
    assert_eq!(ids.len(), 500_000);
    let t = Instant::now();
    let next = dev.store.outbox_ready(200).unwrap();
    let fetch_after = t.elapsed();
    assert_eq!(next[0].seq, 500_001);
    println!(
        "outbox 1M: insert {:.1} s, count {} ms, oldest 200 {} us, oldest 200 after 500k acked {} us",
        insert.as_secs_f64(),
        count_time.as_millis(),
        fetch.as_micros(),
        fetch_after.as_micros()
    );
    assert!(fetch < Duration::from_millis(100), "fetch took {fetch:?}");
    assert!(
        fetch_after < Duration::from_millis(100),
        "fetch took {fetch_after:?}"
    );
}

/// Captured log output of everything the uploader logs, at every level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The bearer token reaches the server in the Authorization header, and nowhere else: not in
/// any log line (trace level included), not in the status, not in any Debug or error text,
/// even when the server echoes it back in its error bodies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_token_never_appears_in_logs_or_errors() {
    let mut dev = Device::new();
    let addr = free_addr();
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Process-wide, so that no callsite's interest was cached as "never" by a test running in
    // parallel; the other uplink tests' lines land here too, and must not leak the token either.
    tracing::subscriber::set_global_default(subscriber).expect("only this test sets it");

    let central = Shared::default();
    central.lock().unwrap().echo_token_status = Some(StatusCode::UNAUTHORIZED);
    let settings = dev.settings(addr);
    let settings_debug = format!("{settings:?}");
    dev.record(30, 30);
    // first the server is down (transport errors), then it refuses while echoing the token
    let cancel = CancellationToken::new();
    let (tx, status) = watch::channel(UploadStatus::default());
    let task = tokio::spawn(run_uploader(
        settings,
        Arc::default(),
        dev.db.clone(),
        cancel.clone(),
        tx,
    ));
    until("a transport error", Duration::from_secs(10), || {
        status.borrow().last_error.is_some()
    })
    .await;
    let server = Server::start(addr, central).await;
    until(
        "a 401 with the token echoed",
        Duration::from_secs(10),
        // "(401)", not "401": a refused connection's message holds the port number (40143).
        || last_error(&status).contains("(401)"),
    )
    .await;
    let error_401 = last_error(&status);
    server.with(|c| c.echo_token_status = Some(StatusCode::INTERNAL_SERVER_ERROR));
    until(
        "a 500 with the token echoed",
        Duration::from_secs(10),
        || last_error(&status).contains("answered 500"),
    )
    .await;
    server.with(|c| c.echo_token_status = None);
    until("delivery", Duration::from_secs(10), || {
        status.borrow().pending == 0
    })
    .await;
    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("Upload attempt failed"),
        "the failures were logged:\n{logs}"
    );
    assert!(
        logs.contains("<redacted>"),
        "the echoed token was redacted:\n{logs}"
    );
    assert!(error_401.contains("check the uplink token"), "{error_401}");
    server.with(|c| {
        assert!(c
            .auth_headers
            .iter()
            .any(|h| h == &format!("Bearer {TOKEN}")));
        assert_eq!(c.stored.len(), 30);
    });
    let missing = TokenSource::File(PathBuf::from("/nonexistent/upload-token"));
    let mut bad = dev.settings(addr);
    bad.token = missing;
    let (tx, _rx) = watch::channel(UploadStatus::default());
    let err = run_uploader(
        bad,
        Arc::default(),
        dev.db.clone(),
        CancellationToken::new(),
        tx,
    )
    .await
    .unwrap_err();
    for text in [
        logs.as_str(),
        &error_401,
        &settings_debug,
        &format!("{:?}", status.borrow()),
        &format!("{err} {err:?}"),
    ] {
        assert!(!text.contains(TOKEN), "token leaked in: {text}");
    }
    assert!(
        err.to_string().contains("/nonexistent/upload-token"),
        "{err}"
    );
    server.stop().await;
}

/// The JSON the client sends has every field the published schema requires, no field it does
/// not list, the types and enum values it states, and never a score, embedding or image.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wire_json_matches_the_published_schema() {
    let mut dev = Device::new();
    let (addr, server) = Server::serving(|_| {}).await;
    dev.record(8, 8);
    let up = start_uploader(dev.settings(addr), &dev.db);
    let status = up.status.clone();
    until("delivery", Duration::from_secs(10), || {
        status.borrow().pending == 0 && server.with(|c| c.stored.len()) == 8
    })
    .await;
    up.stop().await;

    let schema = upload_schema();
    let body = server.with(|c| c.bodies[0].clone());
    check_schema(&schema, &schema["$defs"]["request"], &body, "request");
    let verdicts: HashSet<&str> = texts(&body["records"], "verdict").into_iter().collect();
    assert_eq!(verdicts.len(), 4, "all four verdicts were exercised");
    let text = body.to_string();
    for never in ["score", "embedding", "image", "name", "0.81"] {
        assert!(!text.contains(never), "{never} sent: {text}");
    }
    // and the answer the fake server gives (the real one must too) fits the response schema
    let answer = serde_json::to_value(WireResponse {
        results: vec![WireResult {
            idempotency_key: "door-1:1".into(),
            status: "rejected".into(),
            reason: Some("unknown staff".into()),
        }],
    })
    .unwrap();
    check_schema(&schema, &schema["$defs"]["response"], &answer, "response");
    check_schema(
        &schema,
        &schema["$defs"]["error"],
        &json!({"error": "x"}),
        "error",
    );
    server.stop().await;
}

/// A hand check of the JSON Schema keywords the protocol schema uses: `$ref` (local),
/// `type`, `required`, `properties`, `additionalProperties: false`, `items`, `enum`, `const`,
/// `minimum`, `maximum`, `minLength`, `oneOf` (by `kind`), `pattern` (only `^...$` literal checks
/// are skipped).
#[track_caller]
pub(super) fn check_schema(root: &Value, schema: &Value, value: &Value, at: &str) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let path = r.strip_prefix("#/").expect("local $ref");
        let target = path.split('/').fold(root, |v, k| &v[k]);
        assert!(!target.is_null(), "{at}: dangling $ref {r}");
        return check_schema(root, target, value, at);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        // The protocol's one `oneOf` of records is told apart by the `kind` each branch fixes.
        let resolve = |o: &Value| {
            let r = o["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/"))
                .unwrap_or("");
            r.split('/').fold(root, |v, k| &v[k]).clone()
        };
        let branch = options
            .iter()
            .map(resolve)
            .find(|b| b["properties"]["kind"]["const"] == value["kind"])
            .unwrap_or_else(|| panic!("{at}: no branch of oneOf has kind {}", value["kind"]));
        return check_schema(root, &branch, value, at);
    }
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            other => panic!("{at}: schema type {other} not handled"),
        };
        assert!(ok, "{at}: expected {t}, found {value}");
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        assert!(options.contains(value), "{at}: {value} not in {options:?}");
    }
    if let Some(c) = schema.get("const") {
        assert_eq!(value, c, "{at}");
    }
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        assert!(
            value.as_f64().unwrap_or(f64::MIN) >= min,
            "{at}: {value} < {min}"
        );
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        assert!(
            value.as_f64().unwrap_or(f64::MAX) <= max,
            "{at}: {value} > {max}"
        );
    }
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        assert!(
            value.as_str().unwrap_or("").len() as u64 >= min,
            "{at}: too short"
        );
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        for req in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = req.as_str().unwrap();
            assert!(obj.contains_key(key), "{at}: required field {key} missing");
        }
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => check_schema(root, sub, v, &format!("{at}.{k}")),
                None => assert!(
                    schema.get("additionalProperties") != Some(&Value::Bool(false)),
                    "{at}: field {k} is not in the schema"
                ),
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            check_schema(root, items, v, &format!("{at}[{i}]"));
        }
    }
}

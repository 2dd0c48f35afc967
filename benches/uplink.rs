//! Catch-up upload (issue 4): 10,000 punches queued in a real SQLite outbox, drained by the real
//! uploader task to a de-duplicating central service on 127.0.0.1. Prints the time and the rate
//! against the target (under 30 s). Only loopback traffic.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use jiff::Timestamp;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use hallclock::config::UploadSettings;
use hallclock::core::backoff::Backoff;
use hallclock::core::ids::StaffId;
use hallclock::core::outbox::OutboxPolicy;
use hallclock::core::rules::Punch;
use hallclock::core::schedule::{PunchRole, Verdict};
use hallclock::daemon::upload::{run_uploader, UploadStatus};
use hallclock::store::{DoorPunch, Store};
use hallclock::uplink::wire::{WireBatchV2, WireResponse, WireResult};
use hallclock::uplink::{ClientSettings, TokenSource};

const RECORDS: usize = 10_000;
const TARGET: Duration = Duration::from_secs(30);

type Seen = Arc<Mutex<HashSet<String>>>;

async fn central(State(seen): State<Seen>, Json(batch): Json<WireBatchV2>) -> Json<WireResponse> {
    let mut seen = seen.lock().expect("server lock");
    let results = batch
        .records
        .into_iter()
        .map(|r| {
            let key = r.idempotency_key().to_string();
            let fresh = seen.insert(key.clone());
            WireResult {
                idempotency_key: key,
                status: if fresh { "accepted" } else { "duplicate" }.into(),
                reason: None,
            }
        })
        .collect();
    Json(WireResponse { results })
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("hallclock.db");
    let token = dir.path().join("token");
    std::fs::write(&token, "bench-token").expect("token file");
    {
        let mut store = Store::open(&db).expect("database");
        let staff = StaffId::new("0001").expect("id");
        store
            .upsert_staff(
                &staff,
                "Bench",
                None,
                Timestamp::UNIX_EPOCH,
                &hallclock::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "bench", ""),
            )
            .expect("staff");
        let base: Timestamp = "2026-03-02T00:00:00Z".parse().expect("instant");
        let punches: Vec<DoorPunch> = (0..RECORDS)
            .map(|i| DoorPunch {
                punch: Punch {
                    staff: staff.clone(),
                    at: base + jiff::SignedDuration::from_secs(i as i64),
                    clock_trusted: true,
                },
                role: PunchRole::ClockIn,
                verdict: Some(Verdict::Late { minutes: 2 }),
                score: None,
                liveness: None,
            })
            .collect();
        store
            .record_door_punches("door-1", &punches, Timestamp::now())
            .expect("queue punches");
    }
    rt.block_on(async {
        let seen = Seen::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let app = Router::new()
            .route("/v1/punches", post(central))
            .with_state(seen.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });

        let settings = UploadSettings {
            client: ClientSettings {
                endpoint: format!("http://{addr}/v1/punches").parse().expect("url"),
                timeout: Duration::from_secs(10),
            },
            token: TokenSource::File(token),
            device_id: "door-1".into(),
            policy: OutboxPolicy {
                backoff: Backoff {
                    base: Duration::from_millis(100),
                    cap: Duration::from_secs(2),
                    jitter: 0.25,
                },
                batch_size: 200,
            },
            poll_interval: Duration::from_millis(100),
            keep_acked_for: Duration::from_secs(30 * 86_400),
            facts_every: None,
        };
        let cancel = CancellationToken::new();
        let (tx, _status) = watch::channel(UploadStatus::default());
        let observer = Store::open(&db).expect("database");
        let started = Instant::now();
        let task = tokio::spawn(run_uploader(
            settings,
            Arc::default(),
            db.clone(),
            cancel.clone(),
            tx,
        ));
        let deadline = started + Duration::from_secs(120);
        loop {
            let delivered = seen.lock().expect("server lock").len();
            let acked = observer.outbox_counts().expect("counts").acked;
            if delivered >= RECORDS && acked == RECORDS as u64 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "catch-up did not finish in 120 s"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let elapsed = started.elapsed();
        cancel.cancel();
        task.await.expect("uploader task").expect("uploader");
        assert_eq!(seen.lock().expect("server lock").len(), RECORDS);
        println!(
            "uplink catch-up: {RECORDS} queued punches delivered and acknowledged in {:.2} s \
             ({:.0} records/s, batches of 200; target < {} s) {}",
            elapsed.as_secs_f64(),
            RECORDS as f64 / elapsed.as_secs_f64(),
            TARGET.as_secs(),
            if elapsed < TARGET { "OK" } else { "MISSED" }
        );
    });
}

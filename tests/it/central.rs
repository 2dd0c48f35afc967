//! The door's real uploader (`daemon::upload::run_uploader`, a real SQLite outbox) against the
//! real central receiver (`hallclock-central`'s store and router, in this process) on a real
//! PostgreSQL cluster started by `scripts/pg-throwaway` in a temporary folder: no fake server.
//! Every punch arrives once, a punch for a person the hall's central list lacks is rejected and
//! parked on the door, and a restarted uploader sends nothing twice. The centre's answers (200,
//! and a whole-batch refusal) fit the published schema.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use hallclock::config::UploadSettings;
use hallclock::core::ids::StaffId;
use hallclock::store::{Audit, DoorPunch, LivenessMark, SpoofAttempt, Store};
use hallclock::uplink::{batch_body, UploadAttempt, UploadItem};
use hallclock_central::receiver::StoreHandle;
use hallclock_central::store::{DbSettings, Store as CentralStore};
use hallclock_central::token::NewToken;

use super::central_api::{attempt_rows, liveness_rows, post, post_json};
use super::cluster::{connect, Cluster};
use super::uplink::{check_schema, start_uploader, texts, upload_schema, upload_settings, DEVICE};

/// The central service: hall `east` with staff 0001-0003 and device `door-1`; the token.
async fn central(url: &str) -> (Arc<StoreHandle>, String) {
    let settings = DbSettings {
        url: url.to_string(),
        password_file: None,
    };
    let mut store = CentralStore::connect(&settings).await.unwrap();
    store.migrate().await.unwrap();
    store.add_hall("east", "东区政务服务大厅").await.unwrap();
    for s in ["0001", "0002", "0003"] {
        store
            .add_staff("east", &StaffId::new(s).unwrap(), "员工")
            .await
            .unwrap();
    }
    let token = add_door(&store, DEVICE).await;
    (
        Arc::new(StoreHandle::new(settings, store)),
        token.reveal().to_string(),
    )
}

fn door_punch(i: usize, staff: &str) -> DoorPunch {
    let base: Timestamp = "2026-11-18T00:00:00Z".parse().unwrap();
    super::uplink::door_punch_by(base, i, staff)
}

fn settings(endpoint: &str, token_file: &Path) -> UploadSettings {
    upload_settings(endpoint, Duration::from_secs(5), token_file.to_path_buf())
}

async fn punch_count(url: &str) -> i64 {
    connect(url)
        .await
        .query_one("SELECT count(*) FROM punches", &[])
        .await
        .unwrap()
        .get(0)
}

/// The real receiver serving on a loopback port, until stopped.
struct Receiver {
    stop: CancellationToken,
    server: tokio::task::JoinHandle<()>,
}

impl Receiver {
    /// Stops serving and waits (at most 5 s) for the task to end.
    async fn stop(self) {
        self.stop.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server).await;
    }
}

/// The real receiver over `central`'s store on a loopback port: its address and the receiver.
async fn serve(central_store: Arc<StoreHandle>) -> (std::net::SocketAddr, Receiver) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let s = stop.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, hallclock_central::receiver::router(central_store))
            .with_graceful_shutdown(async move { s.cancelled().await })
            .await
            .unwrap();
    });
    (addr, Receiver { stop, server })
}

/// A door and the real centre on a throwaway cluster: the door's database (staff 0001-0003 and
/// 0009, whom the centre does not list) and token file, the receiver's endpoint.
struct Rig {
    cluster: Cluster,
    endpoint: String,
    token: String,
    receiver: Receiver,
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    token_file: std::path::PathBuf,
    door: Store,
}

impl Rig {
    async fn start() -> Rig {
        let cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
        let (central_store, token) = central(&cluster.url).await;
        let (addr, receiver) = serve(central_store).await;
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("hallclock.db");
        let token_file = dir.path().join("upload-token");
        std::fs::write(&token_file, format!("{token}\n")).unwrap();
        let door = door_store(&db);
        Rig {
            cluster,
            endpoint: format!("http://{addr}/api/hallclock/v1/punches"),
            token,
            receiver,
            _dir: dir,
            db,
            token_file,
            door,
        }
    }

    async fn stop(self) {
        self.receiver.stop().await;
    }
}

/// A door database with staff 0001-0003 and 0009 (whom the centre does not list).
fn door_store(db: &Path) -> Store {
    let mut door = Store::open(db).unwrap();
    for s in ["0001", "0002", "0003", "0009"] {
        let audit = Audit::cli(Timestamp::UNIX_EPOCH, "test", "");
        door.upsert_staff(
            &StaffId::new(s).unwrap(),
            "Staff",
            None,
            Timestamp::UNIX_EPOCH,
            &audit,
        )
        .unwrap();
    }
    door
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doors_uploader_delivers_to_the_real_central_exactly_once() {
    let mut rig = Rig::start().await;
    let (db, token_file, endpoint, token) = (
        rig.db.clone(),
        rig.token_file.clone(),
        rig.endpoint.clone(),
        rig.token.clone(),
    );
    let url = rig.cluster.url.clone();

    // The door: 450 punches of known staff and one of 0009, whom the centre does not list.
    let door = &mut rig.door;
    let mut punches: Vec<DoorPunch> = (0..450)
        .map(|i| door_punch(i, ["0001", "0002", "0003"][i % 3]))
        .collect();
    punches.insert(100, door_punch(1000, "0009"));
    door.record_door_punches(DEVICE, &punches, Timestamp::now())
        .unwrap();

    let up = start_uploader(settings(&endpoint, &token_file), &db);
    up.wait_until(|| {
        let c = door.outbox_counts().unwrap();
        c.acked == 450 && c.parked == 1
    })
    .await;
    up.cancel_and_join().await;
    assert_eq!(punch_count(&url).await, 450);
    let parked = door.parked_outbox(10).unwrap();
    assert_eq!(parked.len(), 1);
    let why = format!("{parked:?}");
    assert!(why.contains("unknown staff id 0009 at hall east"), "{why}");

    // A restarted uploader finds nothing to send; the centre still holds each punch once.
    let up = start_uploader(settings(&endpoint, &token_file), &db);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(up.cancel_and_join().await.pending, 0);
    assert_eq!(punch_count(&url).await, 450);

    // The centre's answers fit docs/upload-batch.schema.json: accepted, duplicate, rejected with
    // a reason, and the error body of a refused batch.
    let schema = upload_schema();
    let record = |seq: u64, staff: &str| {
        serde_json::json!({
            "idempotency_key": format!("{DEVICE}:{seq}"), "device": DEVICE, "seq": seq,
            "staff_id": staff, "at": "2026-11-18T00:31:12.345Z", "direction": "in",
            "clock_trusted": true, "verdict": "on-time", "late_minutes": 0, "early_minutes": 0
        })
    };
    let body = serde_json::json!({
        "protocol": 1, "device": DEVICE, "sent_at": "2026-11-18T00:31:15.000Z",
        "records": [record(1, "0001"), record(9001, "0002"), record(9002, "0099")]
    });
    let (status, answer) = post_json(&endpoint, &token, &body).await;
    assert_eq!(status, 200);
    check_schema(&schema, &schema["$defs"]["response"], &answer, "response");
    assert_eq!(
        texts(&answer["results"], "status"),
        ["duplicate", "accepted", "rejected"]
    );
    let (status, refused) = post(&endpoint, &token, "{\"protocol\": 1").await;
    assert_eq!(status, 400);
    check_schema(&schema, &schema["$defs"]["error"], &refused, "error");
    assert_eq!(punch_count(&url).await, 451);

    rig.stop().await;
}

/// Issue 11, protocol version 2 from the door's real uploader to the real receiver and
/// PostgreSQL: a punch's liveness verdict (live, suspect) is stored beside it, a refused spoof
/// attempt arrives as a record of its own and is acknowledged on the door, an attempt for a
/// person the centre does not list is parked on the door; the JSON fits the published schema and
/// carries no image or recognition score.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn liveness_verdicts_and_spoof_attempts_reach_the_real_central() {
    let mut rig = Rig::start().await;
    let (db, token_file, endpoint) = (rig.db.clone(), rig.token_file.clone(), rig.endpoint.clone());
    let door = &mut rig.door;
    let mark = |suspect: bool, score: f32, reasons: &str| LivenessMark {
        suspect,
        score,
        reasons: reasons.to_string(),
    };
    let mut punches = vec![
        door_punch(0, "0001"),
        door_punch(1, "0002"),
        door_punch(2, "0003"),
    ];
    punches[0].liveness = Some(mark(false, 0.875, ""));
    punches[1].liveness = Some(mark(true, 0.25, "model,flat"));
    door.record_door_punches(DEVICE, &punches, Timestamp::now())
        .unwrap();
    let at: Timestamp = "2026-11-18T00:05:00Z".parse().unwrap();
    for staff in ["0003", "0009"] {
        door.record_spoof_attempt(
            DEVICE,
            &SpoofAttempt {
                staff: StaffId::new(staff).unwrap(),
                at,
                match_score: Some(0.8),
                live_score: 0.125,
                reasons: "bezel,still".into(),
            },
            at,
        )
        .unwrap();
    }
    // What the door sends fits the schema: a punch with its verdict, an attempt, no image.
    let items: Vec<UploadItem> = door
        .attempts_ready(10)
        .unwrap()
        .iter()
        .map(|a| {
            UploadItem::Attempt(UploadAttempt {
                device: a.device.clone(),
                seq: a.id as u64,
                staff: a.staff.clone(),
                at: a.at,
                live_score: a.live_score,
                reasons: a.reasons.split(',').map(str::to_string).collect(),
            })
        })
        .collect();
    assert_eq!(items.len(), 2);
    let schema = upload_schema();
    let body = serde_json::to_value(batch_body(DEVICE, &items, at)).unwrap();
    check_schema(&schema, &schema["$defs"]["request"], &body, "request");

    let up = start_uploader(settings(&endpoint, &token_file), &db);
    up.wait_until(|| {
        door.outbox_counts().unwrap().acked >= 3 && door.attempts_ready(10).unwrap().is_empty()
    })
    .await;
    up.cancel_and_join().await;

    let c = connect(&rig.cluster.url).await;
    let verdicts = liveness_rows(&c).await;
    assert_eq!(
        verdicts,
        [
            (1, "live".to_string(), 0.875, vec![]),
            (
                2,
                "suspect".to_string(),
                0.25,
                vec!["model".to_string(), "flat".to_string()]
            ),
        ]
    );
    assert_eq!(
        attempt_rows(&c).await,
        [(
            1,
            "east".to_string(),
            "0003".to_string(),
            "2026-11-18T00:05:00Z".to_string(),
            0.125,
            vec!["bezel".to_string(), "still".to_string()]
        )]
    );
    assert_eq!(punch_count(&rig.cluster.url).await, 3);
    // The attempt for 0009 was refused for good: parked on the door, not sent again.
    let up = start_uploader(settings(&endpoint, &token_file), &db);
    tokio::time::sleep(Duration::from_millis(300)).await;
    up.cancel_and_join().await;
    let again: i64 = c
        .query_one("SELECT count(*) FROM spoof_attempts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(again, 1);

    rig.stop().await;
}

/// A centre on a cluster of its own with hall `east`, the 2026 holiday file and `staff`
/// (id, name): the cluster, its settings, the store (to serve or add to) and the holiday file.
pub(crate) async fn centre_of_east(
    staff: &[(&str, &str)],
) -> (Cluster, DbSettings, CentralStore, String) {
    let cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
    let db_settings = DbSettings {
        url: cluster.url.clone(),
        password_file: None,
    };
    let mut centre = CentralStore::connect(&db_settings).await.unwrap();
    centre.migrate().await.unwrap();
    centre.add_hall("east", "东区政务服务大厅").await.unwrap();
    let holidays =
        std::fs::read_to_string(super::repo().join("firmware-config/holidays-2026.txt")).unwrap();
    centre
        .put_holiday_file("holidays-2026.txt", &holidays)
        .await
        .unwrap();
    for (id, name) in staff {
        centre
            .add_staff("east", &StaffId::new(id).unwrap(), name)
            .await
            .unwrap();
    }
    (cluster, db_settings, centre, holidays)
}

/// Sets 0002's first judged day at `centre` (hall `east`).
async fn first_judged_day_of_0002(centre: &CentralStore, day: jiff::civil::Date) {
    let staff = StaffId::new("0002").unwrap();
    centre
        .set_staff_facts("east", &staff, Some(day), None, None)
        .await
        .unwrap();
}

/// Registers a door of hall `east` at `centre`: its new token.
pub(crate) async fn add_door(centre: &CentralStore, door: &str) -> NewToken {
    let token = NewToken::generate().unwrap();
    centre
        .add_device("east", door, &token.sha256())
        .await
        .unwrap();
    token
}

/// Issue 9, end to end: two doors of one hall each upload their half of October 2026 with their
/// real uploaders to one real centre (0001 comes in at door-1 and leaves by door-2; 0002 is late
/// on some mornings; 0003 misses some clock-outs). The centre's attendance part of each person
/// equals what the door's own `report month` (the rules, through the real binary) gives on the
/// merged punches, and each punch is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_doors_merge_at_the_centre_as_the_rules_say() {
    use hallclock::core::assessment::Month;
    use hallclock::core::calendar::Calendar;
    use hallclock::core::rules::{Punch, RulesConfig};
    use hallclock::core::schedule::{PunchRole, Session};
    use jiff::SignedDuration;

    let people = ["0001", "0002", "0003"];
    let (cluster, db_settings, centre, holiday_text) =
        centre_of_east(&people.map(|id| (id, "员工"))).await;
    let holidays = super::repo().join("firmware-config/holidays-2026.txt");
    let dir = tempfile::tempdir().unwrap();
    let mut doors = Vec::new();
    for door in ["door-1", "door-2"] {
        let token = add_door(&centre, door).await;
        let token_file = dir.path().join(format!("{door}.token"));
        std::fs::write(&token_file, format!("{}\n", token.reveal())).unwrap();
        doors.push((door, token_file, dir.path().join(format!("{door}.db"))));
    }
    let (addr, receiver) = serve(Arc::new(StoreHandle::new(db_settings.clone(), centre))).await;
    let endpoint = format!("http://{addr}/api/hallclock/v1/punches");

    // October's sessions, and who passes which door when.
    let rules = RulesConfig::hall_defaults(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap());
    let mut calendar = Calendar::hall_defaults();
    calendar.add_holiday_file(&holiday_text).unwrap();
    let oct = Month::new(2026, 10).unwrap();
    let (mut day, last) = hallclock_central::sheet::days_of(oct).unwrap();
    let mut by_door: [Vec<DoorPunch>; 2] = [Vec::new(), Vec::new()];
    let mut n = 0usize;
    while day <= last {
        if calendar.is_working_day(day) {
            for session in Session::BOTH {
                let slot = rules
                    .schedule
                    .slot(day, session, calendar.season(day))
                    .unwrap();
                n += 1;
                for who in people {
                    let late = who == "0002" && session == Session::Morning && n % 6 == 1;
                    let clock_in = if late {
                        slot.start + SignedDuration::from_mins(12)
                    } else {
                        slot.start - SignedDuration::from_mins(4)
                    };
                    let out_door = usize::from(who == "0001");
                    let skip_out = who == "0003" && n % 7 == 3;
                    let mut pass = |door: usize, at: Timestamp, role: PunchRole| {
                        let mut p = door_punch(0, who);
                        p.punch = Punch {
                            staff: StaffId::new(who).unwrap(),
                            at,
                            clock_trusted: true,
                        };
                        p.role = role;
                        p.verdict = None;
                        by_door[door].push(p);
                    };
                    pass(0, clock_in, PunchRole::ClockIn);
                    if !skip_out {
                        pass(
                            out_door,
                            slot.end + SignedDuration::from_mins(6),
                            PunchRole::ClockOut,
                        );
                    }
                }
            }
        }
        day = day.tomorrow().unwrap();
    }

    // Each door records its half and uploads it with its own real uploader.
    let mut running = Vec::new();
    for ((door, token_file, db), punches) in doors.iter().zip(&by_door) {
        let mut store = door_store(db);
        store
            .record_door_punches(door, punches, Timestamp::now())
            .unwrap();
        let mut s = settings(&endpoint, token_file);
        s.device_id = door.to_string();
        running.push((start_uploader(s, db), store, punches.len()));
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    for (_, store, sent) in &running {
        while store.outbox_counts().unwrap().acked < *sent as u64 {
            assert!(Instant::now() < deadline, "timed out uploading");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for (up, _, _) in running {
        up.cancel_and_join().await;
    }
    let total = by_door[0].len() + by_door[1].len();
    assert_eq!(
        punch_count(&cluster.url).await,
        total as i64,
        "each punch once"
    );
    assert!(!by_door[1].is_empty() && by_door[1].iter().all(|p| p.punch.staff.as_str() == "0001"));

    // The rules on the merged punches, through the door's own report.
    let merged = tempfile::tempdir().unwrap();
    {
        let mut store = door_store(&merged.path().join("hallclock.db"));
        let all: Vec<DoorPunch> = by_door.concat();
        store
            .record_door_punches("door-1", &all, Timestamp::now())
            .unwrap();
    }
    super::hallclock_ok(
        merged.path(),
        &["calendar", "import", holidays.to_str().unwrap()],
    );
    let report: serde_json::Value = serde_json::from_str(&super::hallclock_ok(
        merged.path(),
        &["report", "month", "--month", "2026-10", "--format", "json"],
    ))
    .unwrap();

    let store = CentralStore::connect(&db_settings).await.unwrap();
    let now: Timestamp = "2026-11-18T00:30:00Z".parse().unwrap();
    let sheet = hallclock_central::month::sheet(&store, "east", oct, now)
        .await
        .unwrap();
    let mut deducted = Vec::new();
    for who in people {
        let row = sheet.rows.iter().find(|r| r.staff.as_str() == who).unwrap();
        let door_says = report["staff"][who]["deduction"].as_f64().unwrap();
        let centre_says = 30.0 - f64::from(row.parts[1].tenths()) / 10.0;
        assert_eq!(
            centre_says,
            door_says.min(30.0),
            "{who}: the centre's attendance part against the rules on the merged punches"
        );
        deducted.push(door_says);
    }
    assert_eq!(
        deducted[0], 0.0,
        "0001 in at door-1, out by door-2: nothing missing"
    );
    assert!(deducted[1] > 0.0 && deducted[2] > 0.0, "{deducted:?}");
    receiver.stop().await;
}

/// A door of `east` registered at the centre and the real receiver serving it: the door's folder
/// (its upload token and a `hallclock.toml` with database `hallclock.db` and device `DEVICE`),
/// the receiver's endpoint and the receiver.
struct DoorOfEast {
    dir: tempfile::TempDir,
    endpoint: String,
    receiver: Receiver,
}

impl DoorOfEast {
    async fn serve(centre: CentralStore, db_settings: &DbSettings) -> DoorOfEast {
        let token = add_door(&centre, DEVICE).await;
        let (addr, receiver) = serve(Arc::new(StoreHandle::new(db_settings.clone(), centre))).await;
        let endpoint = format!("http://{addr}/api/hallclock/v1/punches");
        let dir = tempfile::tempdir().unwrap();
        let token_file = dir.path().join("upload-token");
        std::fs::write(&token_file, format!("{}\n", token.reveal())).unwrap();
        std::fs::write(
            dir.path().join("hallclock.toml"),
            format!(
                "[store]\ndatabase = \"hallclock.db\"\n[daemon]\ndevice-id = \"{DEVICE}\"\n\
                 [uplink]\nendpoint = {endpoint:?}\ntoken-file = {token_file:?}\n"
            ),
        )
        .unwrap();
        DoorOfEast {
            dir,
            endpoint,
            receiver,
        }
    }

    async fn stop(self) {
        self.receiver.stop().await;
    }
}

/// Issue 9, the centre owns the hall's facts: `hallclock facts pull` (the real binary) takes the
/// hall's staff list with their first judged days and the holiday files from the real centre
/// into the door's store, and the daemon's facts task (`daemon::facts::run_facts`, polling with
/// `If-None-Match`) follows a later change at the centre without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_door_takes_its_facts_from_the_centre_and_follows_changes() {
    use hallclock::core::calendar::SummerRule;

    let (_cluster, db_settings, centre, _) =
        centre_of_east(&[("0001", "王芳"), ("0002", "李明")]).await;
    let from: jiff::civil::Date = "2026-11-02".parse().unwrap();
    first_judged_day_of_0002(&centre, from).await;
    let door_of_east = DoorOfEast::serve(centre, &db_settings).await;
    let (dir, endpoint) = (&door_of_east.dir, door_of_east.endpoint.clone());
    let token_file = dir.path().join("upload-token");
    let config = dir.path().join("hallclock.toml");
    let pulled = super::hallclock_ok(dir.path(), &["--config", "hallclock.toml", "facts", "pull"]);
    assert!(pulled.contains("新增 2 人"), "{pulled}");
    let db = dir.path().join("hallclock.db");
    // (name, first judged day) of 0002 as the door's database holds them.
    let li = |db: &Path| -> (String, Option<String>) {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row(
                "SELECT name, active_from FROM staff WHERE staff_id = '0002'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    let calendar = Store::open(&db)
        .unwrap()
        .calendar(SummerRule::hall_defaults())
        .unwrap();
    assert!(
        !calendar.is_working_day("2026-10-05".parse().unwrap()),
        "国庆节 from the centre"
    );
    assert_eq!(li(&db), ("李明".to_string(), Some(from.to_string())));
    let again = super::hallclock_ok(dir.path(), &["--config", "hallclock.toml", "facts", "pull"]);
    assert!(again.contains("更新 2 人"), "{again}");

    // The daemon's task: a change at the centre reaches the door's store by itself.
    let settings = settings(&endpoint, &token_file);
    let mut door_config = hallclock::config::Config::load(Some(&config)).unwrap();
    door_config.store.database = db.clone();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(hallclock::daemon::facts::run_facts(
        settings,
        door_config,
        Duration::from_millis(200),
        cancel.clone(),
    ));
    let later: jiff::civil::Date = "2026-11-16".parse().unwrap();
    let centre = CentralStore::connect(&db_settings).await.unwrap();
    first_judged_day_of_0002(&centre, later).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if li(&db).1 == Some(later.to_string()) {
            break;
        }
        assert!(Instant::now() < deadline, "the door never took the change");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cancel.cancel();
    task.await.unwrap();
    door_of_east.stop().await;
}

/// Issue 9, the centre owns the posts, leave, duty and meetings too (facts protocol 2): `facts
/// pull` (the real binary) puts the centre's copy into the door's store beside the door's own
/// entries; a centre leave that overlaps a leave entered at the door is reported and not applied;
/// a leave cancelled at the centre leaves the door at the next pull.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_door_takes_the_centres_posts_leave_duty_and_meetings() {
    use hallclock::core::leave::{ApprovalLevel, HalfDay, LeaveKind, Post, PostId};
    use hallclock::core::rules::{Meeting, SignIn};
    use hallclock::core::schedule::{Session, Sessions};
    use hallclock_central::store::{AuditEntry, LeaveEnding, NewLeave};

    let (_cluster, db_settings, mut centre, _) =
        centre_of_east(&[("0001", "王芳"), ("0002", "李明")]).await;
    let id = |s: &str| StaffId::new(s).unwrap();
    let day = |s: &str| -> jiff::civil::Date { s.parse().unwrap() };
    let at = |s: &str| -> Timestamp { s.parse().unwrap() };
    let line = AuditEntry {
        at: at("2026-09-10T01:00:00Z"),
        actor: "稽查督办科".into(),
        client: "cli".into(),
        action: "test".into(),
        detail: String::new(),
    };
    centre
        .set_post(
            "east",
            &Post {
                id: PostId::new("W01"),
                holder: id("0001"),
                backup: id("0002"),
            },
            &line,
        )
        .await
        .unwrap();
    let leave = |staff: &str, first: &str, last: &str| NewLeave {
        staff: id(staff),
        kind: LeaveKind::Personal,
        first: HalfDay {
            date: day(first),
            session: Session::Morning,
        },
        last: HalfDay {
            date: day(last),
            session: Session::Afternoon,
        },
        cover: Some(id(if staff == "0001" { "0002" } else { "0001" })),
        reason: "家中有事".into(),
        approval_required: ApprovalLevel::DeputyDirector,
    };
    let first = centre
        .add_leave("east", &leave("0001", "2026-09-14", "2026-09-14"), &line)
        .await
        .unwrap();
    let second = centre
        .add_leave("east", &leave("0002", "2026-09-21", "2026-09-21"), &line)
        .await
        .unwrap();
    for l in [first, second] {
        centre
            .approve_leave(
                "east",
                l,
                ApprovalLevel::DeputyDirector,
                "张主任",
                None,
                at("2026-09-10T01:00:00Z"),
                &line,
            )
            .await
            .unwrap();
    }
    centre
        .put_duty(
            "east",
            &[hallclock::core::calendar::DutyEntry {
                staff: id("0002"),
                date: day("2026-09-12"),
                sessions: Sessions::Both,
            }],
            &line,
        )
        .await
        .unwrap();
    centre
        .add_meeting(
            "east",
            &Meeting {
                title: "月例会".into(),
                start: at("2026-09-16T07:00:00Z"),
                end: at("2026-09-16T08:00:00Z"),
                invited: vec![id("0001"), id("0002")],
                sign_ins: vec![SignIn {
                    staff: id("0002"),
                    at: at("2026-09-16T06:58:00Z"),
                }],
            },
            &line,
        )
        .await
        .unwrap();
    centre
        .set_staff_facts("east", &id("0001"), None, Some(day("2026-09-30")), None)
        .await
        .unwrap();
    let door_of_east = DoorOfEast::serve(centre, &db_settings).await;
    let dir = &door_of_east.dir;
    let door = |args: &[&str]| {
        let mut all = vec!["--config", "hallclock.toml"];
        all.extend_from_slice(args);
        super::hallclock_ok(dir.path(), &all)
    };
    // The door's own leave for 0002 on the 21st, entered before the centre's reached it.
    door(&["staff", "add", "--id", "0002", "--name", "李明"]);
    door(&[
        "leave",
        "add",
        "--staff",
        "0002",
        "--kind",
        "sick",
        "--from",
        "2026-09-21",
    ]);

    let pulled = door(&["facts", "pull"]);
    assert!(
        pulled.contains("岗位 1 个, 请假 1 条, 值班 1 条, 会议 1 个"),
        "{pulled}"
    );
    assert!(
        pulled.contains(&format!(
            "中心请假 #{} 与本机请假 #1 重叠, 未应用",
            second.0
        )),
        "{pulled}"
    );
    let db = rusqlite::Connection::open(dir.path().join("hallclock.db")).unwrap();
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        rows("SELECT holder || '/' || backup FROM posts WHERE post_id = 'W01'"),
        ["0001/0002"]
    );
    assert_eq!(
        rows("SELECT staff_id || ' ' || kind || ' ' || ifnull(centre_id, '-') || ' ' || ifnull(approved_level, '-') FROM leave ORDER BY id"),
        [
            "0002 sick - -".to_string(),
            format!("0001 personal {} deputy-director", first.0)
        ]
    );
    assert_eq!(
        rows("SELECT staff_id || ' ' || date || ' ' || sessions FROM duty_roster WHERE from_centre = 1"),
        ["0002 2026-09-12 both"]
    );
    assert_eq!(
        rows("SELECT title || ' ' || (SELECT count(*) FROM meeting_invitees i WHERE i.meeting_id = m.id) || ' ' || (SELECT count(*) FROM meeting_sign_ins s WHERE s.meeting_id = m.id) FROM meetings m WHERE centre_id IS NOT NULL"),
        ["月例会 2 1"]
    );
    assert_eq!(
        rows("SELECT staff_id || ' ' || ifnull(active_until, '-') FROM staff ORDER BY staff_id"),
        ["0001 2026-09-30", "0002 -"],
        "the last judged day from the centre"
    );
    let listed = door(&["leave", "list"]);
    assert!(listed.contains("0001"), "{listed}");

    // Cancelled at the centre: gone from the door at the next pull; the door's own stays.
    let mut centre = CentralStore::connect(&db_settings).await.unwrap();
    centre
        .end_leave(
            "east",
            first,
            LeaveEnding::Cancel,
            at("2026-09-13T00:00:00Z"),
            &line,
        )
        .await
        .unwrap();
    let again = door(&["facts", "pull"]);
    assert!(again.contains("请假 0 条"), "{again}");
    assert_eq!(
        rows("SELECT staff_id || ' ' || kind FROM leave ORDER BY id"),
        ["0002 sick"]
    );
    door_of_east.stop().await;
}

/// Issue 9, silent doors: the daemon's heartbeat task (`daemon::heartbeat::run_heartbeat`) posts
/// the door's version, outbox depth, clock state and last frame to the real centre, which keeps
/// it as the door's health for `device list`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doors_heartbeat_reaches_the_centre() {
    let rig = Rig::start().await;
    let telemetry = Arc::new(hallclock::app::telemetry::Telemetry::default());
    let frame: Timestamp = "2026-11-18T00:29:58Z".parse().unwrap();
    telemetry.frame_at(frame);
    telemetry.clock_checked(true);
    telemetry.outbox_depth(7, 0);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(hallclock::daemon::heartbeat::run_heartbeat(
        settings(&rig.endpoint, &rig.token_file),
        telemetry,
        hallclock::hw::clock::WallClock::default(),
        Duration::from_millis(200),
        cancel.clone(),
    ));
    let db_settings = DbSettings {
        url: rig.cluster.url.clone(),
        password_file: None,
    };
    let centre = CentralStore::connect(&db_settings).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        let door = centre
            .devices()
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.id == DEVICE)
            .unwrap();
        if let Some(h) = door.health {
            break h;
        }
        assert!(Instant::now() < deadline, "no heartbeat arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["outbox_depth"], 7, "{health}");
    assert_eq!(health["clock_trusted"], true, "{health}");
    assert_eq!(
        health["last_frame_at"], "2026-11-18T00:29:58.000Z",
        "{health}"
    );
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"), "{health}");
    cancel.cancel();
    task.await.unwrap();
    rig.stop().await;
}

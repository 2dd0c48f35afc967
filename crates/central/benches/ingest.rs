//! Ingest (issue 9, "Speed"): 50 simulated doors registered in 4 halls of 200 staff each post
//! batches of 200 records concurrently, in the upload protocol as the door sends it
//! (`hallclock-wire`'s shapes; every door one batch at a time, the next after the answer), to the
//! real `hallclock-central serve` on loopback over a throwaway PostgreSQL cluster
//! (`scripts/pg-throwaway`). 10% of every batch after a door's first repeats records the door
//! sent before. Two phases: *saturating* (each door posts again as soon as it is answered: the
//! most the centre takes) and *paced* at the target rate (each door a batch every 500 ms: the
//! latency a door sees at 20,000 records/s; with 50 doors always waiting, latency is only
//! 50 / batches per second). Prints records/s sustained and batch latency p50/p95/p99 against the
//! targets (20,000 records/s, p99 under 200 ms), then checks that every record is stored exactly
//! once.
//!
//! `cargo bench -p hallclock-central --bench ingest`. `INGEST_BATCHES` (default 40) sets the
//! batches each door posts a phase, `INGEST_CONNECTIONS` the centre's `serve --connections`,
//! `INGEST_SETUP_SQL` SQL run after seeding (an experiment: what does a constraint cost?),
//! `INGEST_PROTOCOL` the upload protocol version (default the door's, 2: every punch with its
//! liveness verdict, as the door's default `flag` mode sends it; 1: the first version's records). The instants are fixed (March 2026): nothing depends on today.

// The tests' throwaway cluster; the benchmark never stops it midway.
#[allow(dead_code)]
#[path = "../tests/it/cluster.rs"]
mod cluster;
#[path = "../tests/it/server.rs"]
mod server;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use hallclock_central::store::{DbSettings, Store};
use hallclock_central::token::NewToken;
use hallclock_core::ids::StaffId;
use hallclock_wire::{
    WireBatch, WireBatchV2, WireLiveness, WireRecord, WireRecordV2, WireResponse, PROTOCOL_VERSION,
};
use jiff::{SignedDuration, Timestamp};
use server::Server;

const HALLS: usize = 4;
const STAFF_PER_HALL: usize = 200;
const DEVICES: usize = 50;
const BATCH: usize = 200;
const REPEATS: usize = BATCH / 10;
const TARGET_RATE: f64 = 20_000.0;
const TARGET_P99: Duration = Duration::from_millis(200);

/// The repository's top folder (for `cluster`).
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A door of the simulation: its id, hall and token, the next seq it numbers, the records it
/// sent last (what it may send again) and its generator.
struct Door {
    id: String,
    hall: usize,
    token: String,
    next_seq: u64,
    /// The upload protocol version it speaks.
    protocol: u32,
    recent: std::collections::VecDeque<WireRecord>,
    mix: Mix,
}

/// The records a door keeps to send again: a lost answer is noticed within a few batches.
const RECENT: usize = 5 * BATCH;

/// `serve` as in production (logging at `info`, a line a batch), its log in `log`.
fn serve(db_url: &str, log: &std::path::Path) -> Server {
    let log = std::fs::File::create(log).expect("the server's log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_hallclock-central"));
    command
        .args(["--db", db_url, "serve", "--listen", "127.0.0.1:0"])
        .env_remove("RUST_LOG")
        .stderr(log);
    if let Ok(n) = std::env::var("INGEST_CONNECTIONS") {
        command.args(["--connections", &n]);
    }
    Server::spawn(command)
}

fn staff_id(hall: usize, n: usize) -> String {
    format!("{hall}{n:03}")
}

/// Halls, staff and doors through the store's own functions (as `hall add`, `staff add` and
/// `device add` do); the doors' tokens.
async fn seed(settings: &DbSettings, protocol: u32) -> Vec<Door> {
    let mut store = Store::connect(settings).await.expect("the database");
    store.migrate().await.expect("migrations");
    for h in 0..HALLS {
        let hall = format!("hall-{h}");
        store
            .add_hall(&hall, &format!("第{h}政务服务大厅"))
            .await
            .expect("hall");
        for n in 0..STAFF_PER_HALL {
            let id = StaffId::new(&staff_id(h, n)).expect("a staff id");
            store.add_staff(&hall, &id, "职员").await.expect("staff");
        }
    }
    let mut doors = Vec::with_capacity(DEVICES);
    for d in 0..DEVICES {
        let hall = d % HALLS;
        let id = format!("door-{d:02}");
        let token = NewToken::generate().expect("a token");
        store
            .add_device(&format!("hall-{hall}"), &id, &token.sha256())
            .await
            .expect("device");
        doors.push(Door {
            mix: Mix(7919 * (d as u64 + 1)),
            id,
            hall,
            token: token.reveal().to_string(),
            next_seq: 1,
            protocol,
            recent: std::collections::VecDeque::with_capacity(RECENT),
        });
    }
    doors
}

/// A small deterministic generator (splitmix64), so every run posts the same records.
struct Mix(u64);

impl Mix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// Record `seq` of a door as the door would send it: a punch a few minutes around 08:30 or 17:30
/// (UTC+8) of a working day of March 2026.
fn record(door: &mut Door, seq: u64) -> WireRecord {
    let mix = &mut door.mix;
    let start: Timestamp = "2026-03-02T00:00:00Z".parse().expect("a fixed instant");
    let day = (seq / 400) as i64;
    let clock_in = seq.is_multiple_of(2);
    let hours = if clock_in { 0 } else { 9 };
    let minutes = 20 + mix.below(20) as i64;
    let at = start
        + SignedDuration::from_hours(24 * day + hours)
        + SignedDuration::from_mins(minutes)
        + SignedDuration::from_millis(mix.below(60_000) as i64);
    let late = if clock_in {
        (minutes - 30).max(0) as u32
    } else {
        0
    };
    WireRecord {
        idempotency_key: format!("{}:{seq}", door.id),
        device: door.id.clone(),
        seq,
        staff_id: staff_id(door.hall, mix.below(STAFF_PER_HALL)),
        at: format!("{at:.3}"),
        direction: if clock_in { "in" } else { "out" }.to_string(),
        clock_trusted: true,
        verdict: if late > 0 { "late" } else { "on-time" }.to_string(),
        late_minutes: late,
        early_minutes: 0,
        // Version 2, the door's default liveness mode (`flag`): every punch with its verdict.
        liveness: (door.protocol == 2).then(|| WireLiveness {
            verdict: "live".to_string(),
            live_score: 0.9 + mix.below(100) as f32 / 1000.0,
            reasons: Vec::new(),
        }),
    }
}

/// What one door saw: each batch's latency, the records it posted, and the acknowledgements
/// counted as `accepted` and `duplicate`.
#[derive(Default)]
struct DoorRun {
    latencies: Vec<Duration>,
    /// The most a batch was posted after it was due (paced phases).
    behind: Duration,
    posted: usize,
    accepted: usize,
    duplicate: usize,
}

/// How a phase's doors post: as fast as answers come back, or each door one batch every `pace`
/// (the doors spread evenly over it).
#[derive(Clone, Copy)]
enum Load {
    Saturating,
    Paced(Duration),
}

/// The next batch of `door`: after its first, 10% repeats of records it sent before.
/// The next batch's body, in the door's protocol version.
fn next_batch(door: &mut Door) -> Vec<u8> {
    let repeats = if door.recent.is_empty() { 0 } else { REPEATS };
    let mut records: Vec<WireRecord> = (0..repeats)
        .map(|_| door.recent[door.mix.below(door.recent.len())].clone())
        .collect();
    for _ in repeats..BATCH {
        let r = record(door, door.next_seq);
        door.next_seq += 1;
        if door.recent.len() == RECENT {
            door.recent.pop_front();
        }
        door.recent.push_back(r.clone());
        records.push(r);
    }
    let (device, sent_at) = (door.id.clone(), format!("{:.3}", Timestamp::UNIX_EPOCH));
    let body = if door.protocol == 1 {
        serde_json::to_vec(&WireBatch {
            protocol: 1,
            device,
            sent_at,
            records,
        })
    } else {
        serde_json::to_vec(&WireBatchV2 {
            protocol: door.protocol,
            device,
            sent_at,
            records: records.into_iter().map(WireRecordV2::Punch).collect(),
        })
    };
    body.expect("a batch serialises")
}

async fn run_door(
    http: reqwest::Client,
    url: String,
    mut door: Door,
    batches: usize,
    start_at: Instant,
    load: Load,
) -> (Door, DoorRun) {
    let mut run = DoorRun::default();
    let offset = door.mix.below(1000) as f64 / 1000.0;
    for b in 0..batches {
        let due = match load {
            Load::Saturating => start_at,
            Load::Paced(pace) => start_at + pace.mul_f64(offset + b as f64),
        };
        tokio::time::sleep_until(due.into()).await;
        let bytes = next_batch(&mut door);
        let began = Instant::now();
        run.behind = run.behind.max(began.saturating_duration_since(due));
        let response = http
            .post(&url)
            .bearer_auth(&door.token)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .expect("the receiver answers");
        let status = response.status();
        let text = response.bytes().await.expect("the answer's body");
        run.latencies.push(began.elapsed());
        assert!(
            status.is_success(),
            "{} batch {b}: {status} {}",
            door.id,
            String::from_utf8_lossy(&text)
        );
        let answer: WireResponse = serde_json::from_slice(&text).expect("a protocol answer");
        assert_eq!(answer.results.len(), BATCH);
        for r in &answer.results {
            match r.status.as_str() {
                "accepted" => run.accepted += 1,
                "duplicate" => run.duplicate += 1,
                other => panic!("{}: {other} {:?}", r.idempotency_key, r.reason),
            }
        }
        run.posted += BATCH;
    }
    (door, run)
}

/// Totals of a phase, for the final check.
#[derive(Default)]
struct Totals {
    accepted: usize,
}

/// Runs one phase with every door and prints its figures.
fn phase(
    rt: &tokio::runtime::Runtime,
    server: &Server,
    postmaster: &str,
    doors: Vec<Door>,
    batches: usize,
    load: Load,
    totals: &mut Totals,
) -> Vec<Door> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(DEVICES)
        .build()
        .expect("an HTTP client");
    let url = &server.punches_url();
    let start_at = Instant::now() + Duration::from_millis(200);
    let cpu_before = Cpu::now(server.child.id(), postmaster);
    let results: Vec<(Door, DoorRun)> = rt.block_on(async {
        let tasks: Vec<_> = doors
            .into_iter()
            .map(|door| {
                tokio::spawn(run_door(
                    http.clone(),
                    url.to_string(),
                    door,
                    batches,
                    start_at,
                    load,
                ))
            })
            .collect();
        let mut results = Vec::with_capacity(tasks.len());
        for t in tasks {
            results.push(t.await.expect("a door's task"));
        }
        results
    });
    let wall = start_at.elapsed();
    let cpu = Cpu::now(server.child.id(), postmaster).since(cpu_before);
    let (doors, runs): (Vec<Door>, Vec<DoorRun>) = results.into_iter().unzip();
    let posted: usize = runs.iter().map(|r| r.posted).sum();
    let accepted: usize = runs.iter().map(|r| r.accepted).sum();
    let duplicate: usize = runs.iter().map(|r| r.duplicate).sum();
    totals.accepted += accepted;
    let mut latencies: Vec<Duration> = runs.iter().flat_map(|r| r.latencies.clone()).collect();
    latencies.sort();
    let p99 = percentile(&latencies, 0.99);
    let behind = runs.iter().map(|r| r.behind).max().unwrap_or_default();
    // A paced phase sustained its rate when no batch went out later than one pace after it was
    // due.
    let span = match load {
        Load::Saturating => {
            println!("saturating: every door posts its next batch as soon as the last is answered");
            wall
        }
        Load::Paced(pace) => {
            println!(
                "paced: every door posts a batch every {} ms, offered {:.0} records/s",
                pace.as_millis(),
                (DEVICES * BATCH) as f64 / pace.as_secs_f64()
            );
            println!(
                "  the latest batch went out {:.1} ms after it was due (kept pace: {})",
                ms(behind),
                if behind < pace { "yes" } else { "no" }
            );
            wall
        }
    };
    let rate = posted as f64 / span.as_secs_f64();
    println!(
        "  {posted} records ({accepted} new) posted over {:.2} s, all answered at {:.2} s: {rate:.0} records/s sustained, {:.1} batches/s (target at least {TARGET_RATE:.0} records/s: {})",
        span.as_secs_f64(),
        wall.as_secs_f64(),
        latencies.len() as f64 / span.as_secs_f64(),
        if rate >= TARGET_RATE { "met" } else { "missed" }
    );
    println!(
        "  batch latency p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms (target p99 under {} ms: {})",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.95)),
        ms(p99),
        ms(latencies[latencies.len() - 1]),
        TARGET_P99.as_millis(),
        if p99 < TARGET_P99 { "met" } else { "missed" }
    );
    println!("  answers: {accepted} accepted, {duplicate} duplicate");
    println!(
        "  CPU over the phase: doors {:.1} s, centre {:.1} s, PostgreSQL {:.1} s (of {:.1} s on {} cores); centre {:.0} us and PostgreSQL {:.0} us a batch",
        cpu.doors,
        cpu.centre,
        cpu.postgres,
        wall.as_secs_f64() * std::thread::available_parallelism().map_or(1, |n| n.get()) as f64,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu.centre * 1e6 / latencies.len() as f64,
        cpu.postgres * 1e6 / latencies.len() as f64,
    );
    doors
}

/// CPU seconds used so far by the three parties: this process (the doors), the centre's process
/// and PostgreSQL (the postmaster, its live backends and the ones that ended), from `/proc`.
#[derive(Clone, Copy, Default)]
struct Cpu {
    doors: f64,
    centre: f64,
    postgres: f64,
}

/// Fields 14-17 of `/proc/PID/stat` (user, system, children's user and system), in clock ticks.
fn ticks(pid: &str) -> Option<[f64; 4]> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    let n = |i: usize| f.get(i - 3).and_then(|v| v.parse::<f64>().ok());
    Some([n(14)?, n(15)?, n(16)?, n(17)?])
}

fn parent_of(pid: &str) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    after.split(' ').nth(1).map(str::to_string)
}

impl Cpu {
    fn now(centre: u32, postmaster: &str) -> Cpu {
        // Linux counts these in USER_HZ, 100 a second on every platform it runs on.
        let secs = |t: [f64; 4], children: bool| {
            (t[0] + t[1] + if children { t[2] + t[3] } else { 0.0 }) / 100.0
        };
        let doors = ticks("self").map_or(0.0, |t| secs(t, false));
        let centre = ticks(&centre.to_string()).map_or(0.0, |t| secs(t, false));
        let mut postgres = ticks(postmaster).map_or(0.0, |t| secs(t, true));
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let pid = entry.file_name().to_string_lossy().to_string();
            if pid.bytes().all(|b| b.is_ascii_digit())
                && parent_of(&pid).as_deref() == Some(postmaster)
            {
                postgres += ticks(&pid).map_or(0.0, |t| secs(t, false));
            }
        }
        Cpu {
            doors,
            centre,
            postgres,
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            doors: self.doors - before.doors,
            centre: self.centre - before.centre,
            postgres: self.postgres - before.postgres,
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let batches: usize = std::env::var("INGEST_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40);
    let protocol: u32 = std::env::var("INGEST_PROTOCOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(PROTOCOL_VERSION);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let cluster = cluster::Cluster::start();
    let settings = DbSettings {
        url: cluster.url.clone(),
        password_file: None,
    };
    let doors = rt.block_on(seed(&settings, protocol));
    if let Ok(sql) = std::env::var("INGEST_SETUP_SQL") {
        rt.block_on(async {
            let c = cluster::connect(&cluster.url).await;
            c.batch_execute(&sql).await.expect("INGEST_SETUP_SQL runs");
        });
        println!("after seeding: {sql}");
    }
    let halls_of: HashMap<String, usize> = doors.iter().map(|d| (d.id.clone(), d.hall)).collect();
    let logs = tempfile::tempdir().expect("a folder for the server's log");
    let server = serve(&cluster.url, &logs.path().join("serve.log"));
    println!(
        "ingest: {DEVICES} doors in {HALLS} halls ({} staff), protocol {protocol}, batches of {BATCH} ({REPEATS} of them repeats after a door's first), {batches} batches a door a phase",
        HALLS * STAFF_PER_HALL
    );
    let mut totals = Totals::default();
    // The URL names the socket folder, DIR/socket, beside the data folder, DIR/data.
    let socket = cluster.url.split("host=").nth(1).unwrap_or_default();
    let data = std::path::Path::new(socket).with_file_name("data");
    let postmaster = std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next().map(str::to_string))
        .unwrap_or_default();
    // Paced 5% above the target, so that a phase that keeps pace shows the target met.
    let pace = Duration::from_secs_f64((DEVICES * BATCH) as f64 / (TARGET_RATE * 1.05));
    let mut doors = doors;
    for load in [Load::Saturating, Load::Paced(pace)] {
        doors = phase(&rt, &server, &postmaster, doors, batches, load, &mut totals);
    }
    let fresh: u64 = doors.iter().map(|d| d.next_seq - 1).sum();

    // Every record stored exactly once: each door's seqs 1..=n, once each, and nothing else.
    let stored: Vec<(String, i64, i64, i64)> = rt.block_on(async {
        let c = cluster::connect(&cluster.url).await;
        c.query(
            "SELECT device, count(*), count(DISTINCT seq), max(seq) FROM punches GROUP BY device",
            &[],
        )
        .await
        .expect("counting the punches")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
    });
    assert_eq!(stored.len(), halls_of.len(), "every door stored punches");
    let mut total = 0;
    for (device, count, distinct, max) in &stored {
        assert!(halls_of.contains_key(device), "{device}");
        assert_eq!(
            (count, distinct, max),
            (max, max, max),
            "{device}: seqs 1..=max, each once"
        );
        total += count;
    }
    assert_eq!(total as u64, fresh, "every distinct record stored");
    assert_eq!(
        totals.accepted as u64, fresh,
        "each stored record accepted once"
    );
    println!("  checked: {total} punches stored, each record exactly once");
    drop(server);
}

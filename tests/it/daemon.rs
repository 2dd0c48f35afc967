//! The door daemon end to end: the real `hallclock run` binary on an image folder or video file
//! with staff enrolled from the demo photos, a real SQLite file in a temporary folder, and the
//! faults of issue 4: SIGTERM drains, SIGHUP reloads, the camera vanishing and coming back, a full
//! disk, a corrupt config, and SIGKILL at random points.
//!
//! Frames come from an image folder of symlinks to the demo photos, alternating two people whose
//! faces sit in different places (so each change of photo is a new track), with `vote-k = 1`,
//! `vote-n = 1` and `same-pass-secs = 0`: every photo change is a punch, and a run of a few
//! hundred milliseconds records several.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hallclock::store::Store;

use super::assert_has;
use super::console::{session, Site};
use super::web::{client, free_port, login_token};
use super::{fixture, output_ok};

/// A hall in a temporary folder: config, database, frames.
pub struct Hall {
    pub dir: tempfile::TempDir,
}

impl Hall {
    pub fn new() -> Hall {
        Hall {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A hall with `enrolled` enrolled and a door folder `frames/` of `n` frames alternating the
    /// photos of `a` and `b` ([`Hall::frames`]).
    pub fn with_frames(enrolled: &[&str], (a, b): (&str, &str), n: usize) -> Hall {
        let hall = Hall::new();
        hall.enrol(enrolled);
        hall.frames("frames", a, b, n);
        hall
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn db(&self) -> PathBuf {
        self.path("hall.db")
    }

    /// Writes `hall.toml`: the test defaults plus `extra`, whose first lines (before any section
    /// header) belong to `[camera]`.
    pub fn config(&self, source: &str, extra: &str) -> PathBuf {
        let text = format!(
            "[store]\ndatabase = {db:?}\n[vision]\nvote-k = 1\nvote-n = 1\n[rules]\nsame-pass-secs = 0\n\
             [camera]\nsource = {source:?}\n{extra}\n",
            db = self.db().to_string_lossy(),
        );
        let path = self.path("hall.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    /// `hall.toml` for a door reading the demo clip of one face, with no clock check.
    pub fn clip_config(&self) -> PathBuf {
        let clip = fixture("demo/single_face.mp4");
        self.config(&clip.to_string_lossy(), "[daemon]\nclock-check = \"off\"\n")
    }

    /// `hall.toml` for a door reading the folder `source` in a loop at `fps` frames a second,
    /// with no clock check; then `more`.
    pub fn looping_config(&self, source: &str, fps: u32, more: &str) -> PathBuf {
        self.config(
            source,
            &format!("loop-file = true\npace-fps = {fps}\n[daemon]\nclock-check = \"off\"\n{more}"),
        )
    }

    /// [`Hall::looping_config`] with the console on `127.0.0.1:port`.
    pub fn console_config(&self, source: &str, fps: u32, port: u16) -> PathBuf {
        self.looping_config(
            source,
            fps,
            &format!("[console]\nenabled = true\nlisten = \"127.0.0.1:{port}\"\n"),
        )
    }

    /// Adds a console account through the CLI, the test password typed on its standard input.
    pub fn user_add(&self, config: &Path, name: &str, role: &str) {
        super::console::user_add_through(self.with_config(config), name, role);
    }

    /// Enrols demo staff (`"0001"` … `"0004"`) through the binary.
    pub fn enrol(&self, ids: &[&str]) {
        for id in ids {
            let photo = fixture(&format!("demo/{id}_enrol.jpg"));
            output_ok(
                self.cmd()
                    .args([
                        "--db",
                        &self.db().to_string_lossy(),
                        "enroll",
                        "--id",
                        id,
                        "--name",
                    ])
                    .arg(format!("Staff {id}"))
                    .arg(&photo),
                "enroll runs",
            );
        }
    }

    /// A folder of `n` frames alternating the photos of `a` and `b`.
    pub fn frames(&self, name: &str, a: &str, b: &str, n: usize) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).expect("frames dir");
        for i in 0..n {
            let who = if i.is_multiple_of(2) { a } else { b };
            let target = fixture(&format!("demo/{who}_enrol.jpg"));
            std::os::unix::fs::symlink(target, dir.join(format!("f{i:04}.jpg"))).expect("symlink");
        }
        dir
    }

    pub fn cmd(&self) -> Command {
        let mut c = super::hallclock_command(self.dir.path());
        c.env("HALLCLOCK_LOG", "info");
        c
    }

    /// [`Hall::cmd`] with `--config config`.
    pub fn with_config(&self, config: &Path) -> Command {
        let mut c = self.cmd();
        c.arg("--config").arg(config);
        c
    }

    /// Starts `hallclock --config hall.toml run`, its output collected line by line.
    pub fn start(&self, config: &Path) -> Running {
        self.start_env(config, &[])
    }

    /// [`Hall::start`] with the environment variables `env` set.
    pub fn start_env(&self, config: &Path, env: &[(&str, &OsStr)]) -> Running {
        let mut child = self
            .with_config(config)
            .envs(env.iter().copied())
            .arg("run")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hallclock run starts");
        let out = collect(child.stdout.take().expect("stdout"));
        let err = collect(child.stderr.take().expect("stderr"));
        Running { child, out, err }
    }

    /// The door punches in the database: (staff, seq), by seq.
    pub fn punches(&self) -> Vec<(String, u64)> {
        let store = Store::open(&self.db()).expect("the database opens");
        assert_eq!(
            store.integrity_problems().expect("integrity check runs"),
            None
        );
        let mut rows: Vec<(String, u64)> = store
            .punches_between(jiff::Timestamp::MIN, jiff::Timestamp::MAX, None)
            .expect("punches")
            .into_iter()
            .filter(|r| r.source == "door")
            .map(|r| (r.punch.staff.to_string(), r.seq))
            .collect();
        rows.sort_by_key(|r| r.1);
        rows
    }
}

/// A door with its console on: `enrolled` enrolled, the photos of `a` and `b` taking turns in
/// the two frames of `frames/` at `fps` frames a second, the console on a free loopback port
/// ([`Hall::console_config`]) and its accounts `users` (name, role) added. Not running until
/// [`DoorWithConsole::start`].
pub struct DoorWithConsole {
    pub hall: Hall,
    pub config: PathBuf,
    pub base: String,
}

impl DoorWithConsole {
    pub fn new(
        enrolled: &[&str],
        (a, b): (&str, &str),
        fps: u32,
        users: &[(&str, &str)],
    ) -> DoorWithConsole {
        let hall = Hall::with_frames(enrolled, (a, b), 2);
        let port = free_port();
        let config = hall.console_config("frames", fps, port);
        for (name, role) in users {
            hall.user_add(&config, name, role);
        }
        DoorWithConsole {
            hall,
            config,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Starts `hallclock run` with the console.
    pub fn start(&self) -> Running {
        self.hall.start(&self.config)
    }

    /// Signs `name` in with the test password once the console (which comes up with the
    /// daemon) answers, within 60 s; the session cookie and its CSRF token.
    pub async fn session(&self, name: &str) -> (String, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while let Err(e) = login_token(&client(), &self.base).await {
            assert!(Instant::now() < deadline, "the console never answered: {e}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        session(self, name).await
    }
}

impl Site for DoorWithConsole {
    fn base(&self) -> &str {
        &self.base
    }
}

type Lines = Arc<Mutex<Vec<String>>>;

pub(crate) fn collect(r: impl std::io::Read + Send + 'static) -> Lines {
    let lines: Lines = Arc::default();
    let l = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            l.lock().expect("lines").push(line);
        }
    });
    lines
}

pub struct Running {
    pub child: Child,
    pub out: Lines,
    pub err: Lines,
}

impl Running {
    pub fn stdout(&self) -> Vec<String> {
        self.out.lock().expect("lines").clone()
    }

    pub fn stderr(&self) -> String {
        self.err.lock().expect("lines").join("\n")
    }

    /// Punch lines printed so far.
    pub fn punch_lines(&self) -> Vec<String> {
        self.stdout()
            .into_iter()
            .filter(|l| l.contains("  punch "))
            .collect()
    }

    /// Waits until a stdout line (or, with `stderr`, a stderr line) contains `text`.
    pub fn wait_for(&mut self, text: &str, stderr: bool, timeout: Duration) {
        let start = Instant::now();
        loop {
            let lines = if stderr { &self.err } else { &self.out };
            if lines
                .lock()
                .expect("lines")
                .iter()
                .any(|l| l.contains(text))
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(200));
                panic!(
                    "hallclock exited ({status}) before printing {text:?}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout().join("\n"),
                    self.stderr()
                );
            }
            assert!(
                start.elapsed() < timeout,
                "no {text:?} within {timeout:?}\nstdout:\n{}\nstderr:\n{}",
                self.stdout().join("\n"),
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then a clean exit (status 0) within 20 s.
    pub fn stop_cleanly(&mut self) {
        self.signal(libc::SIGTERM);
        assert_eq!(
            self.wait(Duration::from_secs(20)),
            Some(0),
            "{}",
            self.stderr()
        );
    }

    pub fn signal(&self, sig: i32) {
        let r = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(r, 0, "kill({sig})");
    }

    /// Waits for the exit; the exit code.
    pub fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the readers take the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return status.code();
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "hallclock did not exit within {timeout:?}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout().join("\n"),
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const START: Duration = Duration::from_secs(60);

#[test]
fn run_records_each_punch_and_exits_when_the_source_ends() {
    let hall = Hall::with_frames(&["0001", "0002"], ("0001", "0002"), 6);
    let config = hall.config("frames", "[daemon]\nclock-check = \"off\"\n");
    let mut run = hall.start(&config);
    assert_eq!(run.wait(START), Some(0), "{}", run.stderr());
    let lines = run.punch_lines();
    assert_eq!(lines.len(), 6, "{lines:#?}\n{}", run.stderr());
    assert!(lines[0].contains("punch 0001  clock-"), "{lines:#?}");
    assert!(lines[1].contains("punch 0002  clock-"), "{lines:#?}");
    // Each line says how the rules read it.
    for l in &lines {
        assert!(
            ["on time", "late ", "early ", "outside the punch windows"]
                .iter()
                .any(|v| l.contains(v)),
            "{l}"
        );
    }
    let db = hall.punches();
    let expected: Vec<(String, u64)> = (1..=6)
        .map(|seq| (if seq % 2 == 1 { "0001" } else { "0002" }.to_string(), seq))
        .collect();
    assert_eq!(db, expected);
}

#[test]
fn a_video_file_is_a_camera() {
    let hall = Hall::new();
    hall.enrol(&["0002"]);
    let config = hall.clip_config();
    // With vote 1 of 1 and no de-duplication the clip gives one punch per track of its face.
    let mut run = hall.start(&config);
    assert_eq!(run.wait(START), Some(0), "{}", run.stderr());
    let db = hall.punches();
    assert!(!db.is_empty(), "{}", run.stderr());
    assert!(db.iter().all(|(s, _)| s == "0002"), "{db:?}");
    assert_eq!(run.punch_lines().len(), db.len());
}

#[test]
fn sigterm_drains_and_exits_zero_with_every_printed_punch_stored() {
    let hall = Hall::with_frames(&["0001", "0002"], ("0001", "0002"), 4);
    let config = hall.looping_config("frames", 20, "");
    let mut run = hall.start(&config);
    run.wait_for("  punch 0002", false, START);
    std::thread::sleep(Duration::from_millis(300));
    run.stop_cleanly();
    let err = run.stderr();
    assert!(err.contains("Draining"), "{err}");
    assert!(err.contains("Record stage drained"), "{err}");
    assert_eq!(hall.punches().len(), run.punch_lines().len(), "{err}");
}

#[test]
fn sighup_reloads_enrolments() {
    // 0002 (not enrolled yet) and 0003 take turns at the door.
    let hall = Hall::with_frames(&["0003"], ("0002", "0003"), 2);
    let config = hall.looping_config("frames", 10, "");
    let mut run = hall.start(&config);
    run.wait_for("unknown face", false, START);
    run.wait_for("  punch 0003", false, START);
    assert!(!run.stdout().iter().any(|l| l.contains("punch 0002")));
    hall.enrol(&["0002"]);
    run.signal(libc::SIGHUP);
    run.wait_for("Enrolments reloaded", true, Duration::from_secs(20));
    run.wait_for("  punch 0002", false, Duration::from_secs(20));
    run.signal(libc::SIGTERM);
    assert_eq!(run.wait(Duration::from_secs(20)), Some(0));
    assert!(hall.punches().iter().any(|(s, _)| s == "0002"));
}

#[test]
fn the_camera_source_vanishing_and_coming_back() {
    let hall = Hall::new();
    hall.enrol(&["0001", "0002"]);
    let config = hall.looping_config("frames", 20, "");
    // The source is not there at start: no readiness, retries with backoff, no exit.
    let mut run = hall.start(&config);
    run.wait_for("Cannot open the camera source; retrying", true, START);
    std::thread::sleep(Duration::from_millis(500));
    assert!(run.child.try_wait().expect("try_wait").is_none());
    assert!(!run.stdout().iter().any(|l| l.starts_with("ready:")));
    // It appears: ready, punches.
    hall.frames("frames", "0001", "0002", 4);
    run.wait_for("ready:", false, Duration::from_secs(30));
    run.wait_for("  punch 0002", false, Duration::from_secs(30));
    // It vanishes mid-run: the daemon keeps trying, and records nothing meanwhile.
    std::fs::rename(hall.path("frames"), hall.path("gone")).expect("rename");
    std::thread::sleep(Duration::from_millis(1500));
    let before = run.punch_lines().len();
    assert!(
        run.child.try_wait().expect("try_wait").is_none(),
        "{}",
        run.stderr()
    );
    // It comes back: more punches.
    std::fs::rename(hall.path("gone"), hall.path("frames")).expect("rename back");
    let start = Instant::now();
    while run.punch_lines().len() < before + 2 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no punch after the source came back\n{}",
            run.stderr()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        run.stderr().contains("Camera source is back"),
        "{}",
        run.stderr()
    );
    run.signal(libc::SIGTERM);
    assert_eq!(run.wait(Duration::from_secs(20)), Some(0));
    assert_eq!(hall.punches().len(), run.punch_lines().len());
}

/// The disk filling up is simulated with `store.max-size-kb` (SQLite's `max_page_count`, set on
/// the recorder's connection): a write that would grow the file fails exactly as on a full disk,
/// with SQLITE_FULL, "database or disk is full". No root, loop device or tmpfs needed.
#[test]
fn a_full_disk_is_a_clear_error_and_corrupts_nothing() {
    let hall = Hall::with_frames(&["0001", "0002"], ("0001", "0002"), 300);
    let config = hall.config("frames", "[daemon]\nclock-check = \"off\"\n");
    let cfg = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        cfg.replace("[store]\n", "[store]\nmax-size-kb = 1\n"),
    )
    .expect("config");
    let mut run = hall.start(&config);
    assert_eq!(
        run.wait(Duration::from_secs(180)),
        Some(0),
        "{}",
        run.stderr()
    );
    let err = run.stderr();
    assert_has(&err, &["NOT recorded", "database or disk is full"]);
    assert!(
        err.contains("signal=Fault"),
        "the door shows a fault: {err}"
    );
    // What was committed is intact and is exactly what was printed; seqs have no gaps.
    let db = hall.punches();
    assert_eq!(db.len(), run.punch_lines().len());
    assert!(db.len() < 300, "the cap did not bite");
    for (i, (_, seq)) in db.iter().enumerate() {
        assert_eq!(*seq, i as u64 + 1);
    }
}

#[test]
fn a_corrupt_config_exits_78_naming_the_key() {
    let hall = Hall::new();
    let path = hall.path("bad.toml");
    // `hallclock run` on `text`: exit status 78 (EX_CONFIG), and its standard error.
    let run = |text: &str| {
        std::fs::write(&path, text).expect("write");
        let o = hall.with_config(&path).arg("run").output().expect("runs");
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(78), "{err}");
        err
    };
    let err = run(
        "[camera]\nqueue-frames = 0\n[feedback]\nkind = \"leds\"\n[daemon]\ndevice-id = \"door 1\"\n",
    );
    assert!(err.contains("camera.queue-frames = 0"), "{err}");
    assert!(err.contains("feedback.kind = \"leds\""), "{err}");
    assert!(err.contains("daemon.device-id = \"door 1\""), "{err}");
    assert!(run("[camera\nsource = 0\n").contains("is not valid TOML"));
    assert!(run("[camera]\nsorce = \"0\"\n").contains("unknown field `sorce`"));
}

#[test]
fn gpio_feedback_off_a_pi_is_a_clear_start_up_error() {
    if Path::new("/dev/gpiomem").exists() {
        return;
    }
    let hall = Hall::new();
    let config = hall.config("frames", "[feedback]\nkind = \"gpio\"\n");
    let o = hall.with_config(&config).arg("run").output().expect("runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("feedback.kind = \"gpio\" but /dev/gpiomem does not exist"),
        "{err}"
    );
}

/// A small deterministic generator for the kill points (no `rand` dependency).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// SIGKILL at random points, in start-up and while punches flow, 200 times (`HALLCLOCK_KILL_ITERATIONS` to
/// change): the database always opens and passes its integrity check, every punch the daemon
/// printed (it prints after the commit) is stored, none is stored twice, and the sequence numbers
/// run 1..n without a gap.
#[test]
fn sigkill_at_random_points_loses_and_duplicates_nothing() {
    let iterations: usize = std::env::var("HALLCLOCK_KILL_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let hall = Hall::with_frames(&["0001", "0002"], ("0001", "0002"), 6);
    let config = hall.config(
        "frames",
        "loop-file = true\n[daemon]\nclock-check = \"off\"\n",
    );
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ u64::from(std::process::id());
    let mut printed_total = 0usize;
    let started = Instant::now();
    for i in 0..iterations {
        let mut run = hall.start(&config);
        // One kill in four lands during start-up (opening and migrating the database, loading
        // the models); the others land at a random point after `ready`, while punches commit.
        // Timed from `ready`, not from the spawn, so that a slow start (a debug build, a loaded
        // machine) does not leave every kill before the first punch.
        let roll = next(&mut seed);
        if roll.is_multiple_of(4) {
            std::thread::sleep(Duration::from_millis(roll / 4 % 400));
        } else {
            run.wait_for("ready:", false, Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(roll / 4 % 700));
        }
        run.signal(libc::SIGKILL);
        let _ = run.child.wait();
        std::thread::sleep(Duration::from_millis(30));
        printed_total += run.punch_lines().len();
        let db = hall.punches();
        assert!(
            db.len() >= printed_total,
            "iteration {i}: {} punches stored, {printed_total} printed",
            db.len()
        );
        for (k, (_, seq)) in db.iter().enumerate() {
            assert_eq!(*seq, k as u64 + 1, "iteration {i}: a gap or a duplicate");
        }
    }
    let db = hall.punches();
    eprintln!(
        "{iterations} SIGKILLs in {:.0} s: {} punches stored, {printed_total} printed before the kills",
        started.elapsed().as_secs_f64(),
        db.len()
    );
    assert!(printed_total > iterations / 2, "too few punches flowed");
}

/// The central scoring service on `127.0.0.1:0`: records every request and stores each
/// idempotency key once (answering `duplicate` after that), as `docs/upload-protocol.md` asks.
pub struct Central {
    pub url: String,
    pub stored: Arc<Mutex<Vec<serde_json::Value>>>,
    pub auth: Arc<Mutex<Vec<String>>>,
}

impl Central {
    pub fn start() -> Central {
        use axum::http::HeaderMap;
        use axum::routing::post;
        use axum::Json;
        let stored: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
        let auth: Arc<Mutex<Vec<String>>> = Arc::default();
        let (s, a) = (stored.clone(), auth.clone());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                tx.send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                let app = axum::Router::new().route(
                    "/v1/punches",
                    post(
                        move |headers: HeaderMap, Json(body): Json<serde_json::Value>| {
                            let (s, a) = (s.clone(), a.clone());
                            async move {
                                a.lock().expect("auth").push(
                                    headers
                                        .get("authorization")
                                        .and_then(|v| v.to_str().ok())
                                        .unwrap_or("")
                                        .to_string(),
                                );
                                let mut results = Vec::new();
                                let mut stored = s.lock().expect("stored");
                                for r in body["records"].as_array().cloned().unwrap_or_default() {
                                    let key = r["idempotency_key"].clone();
                                    let dup = stored.iter().any(|x| x["idempotency_key"] == key);
                                    if !dup {
                                        stored.push(r);
                                    }
                                    results.push(serde_json::json!({
                                        "idempotency_key": key,
                                        "status": if dup { "duplicate" } else { "accepted" },
                                    }));
                                }
                                Json(serde_json::json!({ "results": results }))
                            }
                        },
                    ),
                );
                axum::serve(listener, app).await.expect("serve");
            });
        });
        let addr = rx.recv().expect("server address");
        Central {
            url: format!("http://{addr}/v1/punches"),
            stored,
            auth,
        }
    }

    pub fn records(&self) -> Vec<serde_json::Value> {
        self.stored.lock().expect("stored").clone()
    }
}

/// End to end: the real binary on enrolled staff and an image folder, a real HTTP server as the
/// central service. The punches land in SQLite, and the server receives exactly those records,
/// each once, with the bearer token from the token file.
#[test]
fn end_to_end_punches_reach_sqlite_and_the_central_service_exactly_once() {
    let hall = Hall::with_frames(&["0001", "0002"], ("0001", "0002"), 6);
    let central = Central::start();
    let token = hall.path("token");
    std::fs::write(&token, "s3cret-token\n").expect("token");
    let uplink = format!(
        "[daemon]\nclock-check = \"off\"\ndevice-id = \"hall-test-1\"\n[uplink]\nendpoint = {:?}\ntoken-file = {:?}\n\
         poll-interval-secs = 1\nbackoff-base-ms = 100\nbackoff-cap-secs = 1\n",
        central.url,
        token.to_string_lossy()
    );
    let config = hall.config("frames", &uplink);
    let mut run = hall.start(&config);
    assert_eq!(run.wait(START), Some(0), "{}", run.stderr());
    assert!(
        !run.stderr().contains("s3cret"),
        "the token leaked into the log"
    );
    let db = hall.punches();
    assert_eq!(db.len(), 6);
    // If the first run stopped before its last batch went out, a second run (on a folder with no
    // face) delivers the rest.
    if central.records().len() < 6 {
        let empty = hall.path("empty");
        std::fs::create_dir_all(&empty).expect("dir");
        std::os::unix::fs::symlink(fixture("golden/coins.png"), empty.join("a.png")).expect("ln");
        let config = hall.config(
            "empty",
            &format!("loop-file = true\npace-fps = 5\n{uplink}"),
        );
        let mut again = hall.start(&config);
        let start = Instant::now();
        while central.records().len() < 6 && start.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_millis(100));
        }
        again.stop_cleanly();
    }
    let store = Store::open(&hall.db()).expect("db");
    let rows = store
        .punches_between(jiff::Timestamp::MIN, jiff::Timestamp::MAX, None)
        .expect("punches");
    let mut got = central.records();
    got.sort_by_key(|r| r["seq"].as_u64());
    assert_eq!(got.len(), rows.len(), "{got:#?}");
    for (r, row) in got.iter().zip(&rows) {
        assert_eq!(r["idempotency_key"], format!("hall-test-1:{}", row.seq));
        assert_eq!(r["device"], "hall-test-1");
        assert_eq!(r["seq"], row.seq);
        assert_eq!(r["staff_id"], row.punch.staff.to_string());
        let at: jiff::Timestamp = r["at"].as_str().expect("at").parse().expect("RFC 3339");
        assert_eq!(at.as_millisecond(), row.punch.at.as_millisecond());
        assert_eq!(r["clock_trusted"], true);
        assert!(["in", "out"].contains(&r["direction"].as_str().expect("direction")));
        assert!(["on-time", "late", "early", "unjudged"]
            .contains(&r["verdict"].as_str().expect("verdict")));
        // Nothing biometric or personal beyond the facts.
        let keys: Vec<&str> = r
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert!(
            !keys
                .iter()
                .any(|k| k.contains("score") || k.contains("embedding") || k.contains("name")),
            "{keys:?}"
        );
    }
    assert!(central
        .auth
        .lock()
        .expect("auth")
        .iter()
        .all(|a| a == "Bearer s3cret-token"));
}

#[test]
fn doctor_says_ok_or_what_to_do_for_each_check() {
    let hall = Hall::new();
    hall.enrol(&["0001"]);
    // `hallclock doctor` on `config`: its exit code and standard output.
    let doctor = |config: &Path| {
        let o = hall
            .with_config(config)
            .arg("doctor")
            .output()
            .expect("doctor runs");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (code, out) = doctor(&hall.clip_config());
    assert_eq!(code, Some(0), "{out}");
    for line in [
        "OK    camera: video file",
        "OK    ONNX Runtime: found",
        "OK    models:",
        // OK, or WARN when the kernel says unsynchronised (clock-check is off here: issue 12).
        " clock: ",
        "OK    disk space:",
        "OK    database:",
        "integrity ok",
        "skip  uplink",
        "all checks passed",
    ] {
        assert!(out.contains(line), "missing {line:?} in\n{out}");
    }
    // A missing camera and a missing database each fail with what to do, and doctor exits 1.
    let bad = hall.config("/nonexistent/clip.mp4", "[daemon]\nclock-check = \"off\"\n");
    let text = std::fs::read_to_string(&bad).expect("config");
    std::fs::write(&bad, text.replace("hall.db", "missing.db")).expect("config");
    let (code, out) = doctor(&bad);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            "FAIL  camera: cannot open video file /nonexistent/clip.mp4: no such file; check"
        ),
        "{out}"
    );
    assert_has(
        &out,
        &["FAIL  database:", "does not exist yet; enrol staff"],
    );
    assert!(out.contains("2 check(s) failed"), "{out}");
}

/// The Prometheus endpoint over real HTTP while the daemon runs: frames and punches are counted.
#[test]
fn metrics_are_served_on_loopback_while_running() {
    use std::io::{Read, Write};
    let hall = Hall::with_frames(&["0001", "0002"], ("0001", "0002"), 4);
    let port = free_port();
    let config = hall.looping_config(
        "frames",
        20,
        &format!("[metrics]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    let mut run = hall.start(&config);
    run.wait_for("  punch 0002", false, START);
    let get = || -> String {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("metrics port open");
        s.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .expect("request");
        let mut body = String::new();
        s.read_to_string(&mut body).expect("response");
        body
    };
    let text = get();
    assert!(
        text.starts_with("HTTP/1.0 200") || text.starts_with("HTTP/1.1 200"),
        "{text}"
    );
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
    };
    assert!(value("hallclock_frames_total") >= 2.0);
    assert!(value("hallclock_punches_total") >= 2.0);
    assert_eq!(value("hallclock_clock_trusted"), 1.0);
    for name in ["hallclock_outbox_pending", "hallclock_unknowns_total"] {
        assert!(text.contains(name), "{name} missing in\n{text}");
    }
    run.stop_cleanly();
}

/// ONNX Runtime 1.32's own telemetry (a device id and an event database under
/// `~/.cache/Microsoft`, and an upload) is switched off by the binary: loading the models leaves
/// nothing in the home folder.
#[test]
fn onnx_runtime_keeps_no_device_id_and_sends_nothing() {
    let hall = Hall::new();
    let home = hall.path("home");
    std::fs::create_dir_all(&home).expect("home");
    let photo = fixture("demo/0001_enrol.jpg");
    let data_home = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".local/share")
        });
    output_ok(
        hall.cmd()
            // Where scripts/install-onnxruntime put the library, found as before.
            .env("XDG_DATA_HOME", &data_home)
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME")
            .env_remove("ORT_DISABLE_TELEMETRY")
            .env_remove("ORT_TELEMETRY_DISABLED")
            .args([
                "--db",
                &hall.db().to_string_lossy(),
                "enroll",
                "--id",
                "0001",
                "--name",
                "A",
            ])
            .arg(&photo),
        "enroll runs",
    );
    let left: Vec<_> = walk(&home);
    assert!(left.is_empty(), "files written under HOME: {left:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
            out.push(p);
        } else {
            out.push(p);
        }
    }
    out
}

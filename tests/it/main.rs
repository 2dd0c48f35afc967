//! The one integration-test binary (STYLE.md §7.4): real models through the real ONNX Runtime, a
//! real SQLite file, and the real `hallclock` binary end to end.
//!
//! Modules that need video or photo decoding are compiled only with the features that provide
//! it (the aarch64 cross-build under qemu runs without OpenCV), so some helpers may go unused.
#![allow(dead_code)]

mod attendance;
mod central;
#[path = "../../crates/central/tests/it/api.rs"]
mod central_api;
#[cfg(feature = "opencv")]
mod centre_pages;
#[cfg(feature = "opencv")]
mod cli;
mod cli_polish;
#[path = "../../crates/central/tests/it/cluster.rs"]
mod cluster;
#[cfg(feature = "opencv")]
mod console;
#[cfg(feature = "opencv")]
mod console_attack;
#[cfg(feature = "opencv")]
mod console_ops;
#[cfg(feature = "opencv")]
mod daemon;
#[cfg(feature = "opencv")]
mod door_crowd;
mod door_passes;
#[cfg(feature = "opencv")]
mod enrol_console;
#[cfg(feature = "opencv")]
mod forms;
#[cfg(any(feature = "opencv", feature = "rust-decoders"))]
mod golden;
mod imports;
#[cfg(feature = "opencv")]
mod liveness;
mod setup;
#[cfg(feature = "opencv")]
mod spoofs;
#[cfg(feature = "opencv")]
mod today;
mod uplink;
mod web;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hallclock::vision::{Detector, Embedder, ModelManifest, OrtRuntime};

/// The repository's top folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("tests/fixtures").join(rel)
}

pub fn manifest(name: &str) -> ModelManifest {
    ModelManifest::load(&repo().join("models").join(name)).expect("model manifest in models/")
}

/// ONNX Runtime plus the default detector and embedder, one inference thread.
pub fn models() -> (OrtRuntime, Detector, Embedder) {
    let rt =
        OrtRuntime::start(None).expect("ONNX Runtime installed by scripts/install-onnxruntime");
    let det = Detector::load(&rt, &manifest("yunet_2023mar.toml"), 1).expect("detector loads");
    let emb = Embedder::load(&rt, &manifest("w600k_mbf.toml"), 1).expect("embedder loads");
    (rt, det, emb)
}

/// What the spawned binaries' clocks read (`HALLCLOCK_NOW`): a fixed Wednesday morning in the
/// hall's zone, running on with this test process's real time, so that no test depends on the
/// day or the hour the suite runs, and a binary restarted within a test sees time go forward
/// (issue 8, item 1). A test that needs another day sets `HALLCLOCK_NOW` itself.
pub fn test_now() -> String {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(std::time::Instant::now);
    let base: jiff::Timestamp = "2026-11-18T00:30:00Z".parse().expect("an instant");
    let now = base
        .checked_add(started.elapsed())
        .expect("a test runs for less than a century");
    now.to_string()
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("json fixture")).expect("valid json")
}

/// The real `hallclock` binary, to be run in `dir`, with hallclock's own environment variables
/// cleared and the repository's models. Under a cross-build, `HALLCLOCK_TEST_RUNNER` (set by
/// `scripts/cross-check` to `qemu-aarch64 -L /usr/aarch64-linux-gnu`) runs it.
pub fn hallclock_command(dir: &Path) -> Command {
    let exe = env!("CARGO_BIN_EXE_hallclock");
    let runner = std::env::var("HALLCLOCK_TEST_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    let mut c = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    c.current_dir(dir)
        .env_remove("HALLCLOCK_CONFIG")
        .env_remove("HALLCLOCK_DB")
        .env_remove("NOTIFY_SOCKET")
        // No test reads the machine's own /etc/hallclock/hallclock.toml.
        .env("HALLCLOCK_SYSTEM_CONFIG", "/nonexistent/hallclock.toml")
        .env("HALLCLOCK_NOW", test_now())
        .env("HALLCLOCK_MODELS", repo().join("models"));
    c
}

/// The first line of `text` that names `check` after its 6-character status (`OK    `, `WARN  `,
/// `skip  `, `FAIL  `), as `hallclock doctor` prints it; empty when none.
pub fn line_starting_with_any(text: &str, check: &str) -> String {
    text.lines()
        .find(|l| l.get(6..).is_some_and(|rest| rest.starts_with(check)))
        .unwrap_or_default()
        .to_string()
}

/// Runs the real binary ([`hallclock_command`]) in `dir` with `args`, to its end.
pub fn run_hallclock(dir: &Path, args: &[&str]) -> Output {
    hallclock_command(dir)
        .args(args)
        .output()
        .expect("hallclock runs")
}

/// Runs the real binary in `dir` with `args` and returns what it printed; the test fails, with
/// both of its outputs, unless it succeeded.
#[track_caller]
pub fn hallclock_ok(dir: &Path, args: &[&str]) -> String {
    let o = run_hallclock(dir, args);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "hallclock {args:?} failed:\n{out}{err}");
    out
}

/// The first line of `text` that starts with `start` (empty when none): a row of a table the
/// binary printed.
pub fn line_starting(text: &str, start: &str) -> String {
    text.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_default()
        .to_string()
}

/// Each active person's first judged day in the database `db`, `(id, YYYY-MM-DD)` by id.
pub fn first_judged_days(db: &Path) -> Vec<(String, String)> {
    let store = hallclock::store::Store::open(db).expect("the database");
    let facts = store
        .load_facts(&hallclock::store::FactsQuery {
            first: jiff::civil::date(2026, 11, 1),
            last: jiff::civil::date(2026, 11, 30),
            from: "2026-10-31T00:00:00Z".parse().expect("an instant"),
            until: "2026-12-01T00:00:00Z".parse().expect("an instant"),
            summer_rule: hallclock::core::calendar::SummerRule::hall_defaults(),
        })
        .expect("the facts");
    let mut days: Vec<(String, String)> = facts
        .staff
        .iter()
        .map(|e| (e.staff.to_string(), e.active_from.to_string()))
        .collect();
    days.sort();
    days
}

/// A single-threaded tokio runtime, for a synchronous test that talks HTTP.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs `c` to its end (`runs` says what failed to start it otherwise); it must succeed, or its
/// standard output and error are the failure. Its output.
pub fn output_ok(c: &mut Command, runs: &str) -> std::process::Output {
    let out = c.output().expect(runs);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The shared dev photos, read in place (`../shared/eval/github-snapshot/identities`, never
/// copied into the repository); where they are absent, `None` and a note that `test` did not run.
pub fn shared_identities(test: &str) -> Option<PathBuf> {
    let dir = repo().join("../shared/eval/github-snapshot/identities");
    if dir.is_dir() {
        return Some(dir);
    }
    eprintln!("NOTE: {} is absent; the {test} did not run", dir.display());
    None
}

/// Asserts that `text` contains each of `needles`, naming the one missing and showing the text.
#[track_caller]
pub fn assert_has(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} is missing from: {text}");
    }
}

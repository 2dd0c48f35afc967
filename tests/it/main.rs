//! The one integration-test binary (STYLE.md §7.4): real models through the real ONNX Runtime, a
//! real SQLite file, and the real `hallclock` binary end to end.
//!
//! Modules that need video or photo decoding are compiled only with the features that provide
//! it (the aarch64 cross-build under qemu runs without OpenCV), so some helpers may go unused.
#![allow(dead_code)]

mod attendance;
mod central;
#[cfg(feature = "opencv")]
mod cli;
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
#[cfg(any(feature = "opencv", feature = "rust-decoders"))]
mod golden;
mod uplink;

use std::path::{Path, PathBuf};
use std::process::Command;

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
        .env("HALLCLOCK_NOW", test_now())
        .env("HALLCLOCK_MODELS", repo().join("models"));
    c
}

//! The door daemon's figures (issue 4), printed, not asserted:
//!
//! 1. time from a face's first frame to its punch committed, and to the feedback shown ("the light
//!    on"), through the whole pipeline (source → recognise → decide → record → feedback) with the
//!    default vote (3 of 5 frames), over an image folder of a face after an empty scene;
//! 2. CPU use with an empty scene: process CPU seconds over wall seconds while the daemon reads a
//!    still, faceless frame at 15 frames/s, with the motion gate on and off.
//!
//! Run with `cargo bench --bench daemon`. Needs ONNX Runtime and the models (as the tests do).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use hallclock::config::Config;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cpu_seconds() -> f64 {
    // SAFETY: `rusage` is plain data; getrusage fills it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn gauge(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("hallclock_{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(f64::NAN)
}

fn config(dir: &Path, source: &Path, extra: &str) -> Config {
    let path = dir.join("bench.toml");
    std::fs::write(
        &path,
        format!(
            "[store]\ndatabase = {:?}\n[rules]\nsame-pass-secs = 0\n[camera]\nsource = {:?}\n{extra}\n[daemon]\nclock-check = \"off\"\n",
            dir.join("bench.db").to_string_lossy(),
            source.to_string_lossy()
        ),
    )
    .expect("config");
    Config::load(Some(&path)).expect("valid bench config")
}

fn enrol(dir: &Path) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hallclock"))
        .env("HALLCLOCK_MODELS", repo().join("models"))
        .args([
            "--db",
            &dir.join("bench.db").to_string_lossy(),
            "enroll",
            "--id",
            "0001",
            "--name",
            "Bench",
        ])
        .arg(repo().join("tests/fixtures/demo/0001_enrol.jpg"))
        .output()
        .expect("enroll");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn serve(config: &Config) -> (hallclock::daemon::Prepared, tokio::runtime::Runtime) {
    let p = hallclock::daemon::prepare(config).expect("daemon prepares");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    (p, rt)
}

fn main() {
    std::env::set_var("HALLCLOCK_MODELS", repo().join("models"));
    let dir = tempfile::tempdir().expect("tmp");
    enrol(dir.path());
    let face = repo().join("tests/fixtures/demo/0001_enrol.jpg");
    let empty = repo().join("tests/fixtures/golden/coins.png");

    // 1. Face to punch, face to light.
    let frames = dir.path().join("frames");
    std::fs::create_dir_all(&frames).expect("dir");
    for i in 0..3 {
        std::os::unix::fs::symlink(&empty, frames.join(format!("a{i}.png"))).expect("ln");
    }
    for i in 0..5 {
        std::os::unix::fs::symlink(&face, frames.join(format!("b{i}.jpg"))).expect("ln");
    }
    let mut punch = Vec::new();
    let mut light = Vec::new();
    for _ in 0..7 {
        let c = config(dir.path(), &frames, "");
        let (p, rt) = serve(&c);
        let t = p.telemetry.clone();
        rt.block_on(hallclock::daemon::serve(p))
            .expect("daemon runs");
        let text = t.render();
        punch.push(gauge(&text, "face_to_punch_seconds") * 1e3);
        light.push(gauge(&text, "face_to_light_seconds") * 1e3);
        rt.shutdown_timeout(Duration::from_secs(1));
    }
    punch.sort_by(f64::total_cmp);
    light.sort_by(f64::total_cmp);
    println!(
        "face's first frame -> punch committed: median {:.1} ms (min {:.1}, max {:.1}); -> feedback shown: median {:.1} ms (vote 3 of 5 frames, 7 runs)",
        punch[3], punch[0], punch[6], light[3]
    );

    // 2. CPU with an empty scene at 15 frames/s.
    let still = dir.path().join("still");
    std::fs::create_dir_all(&still).expect("dir");
    std::os::unix::fs::symlink(&empty, still.join("a.png")).expect("ln");
    for gate in [true, false] {
        let c = config(
            dir.path(),
            &still,
            &format!("loop-file = true\npace-fps = 15\nmotion-gate = {gate}\n"),
        );
        let (p, rt) = serve(&c);
        let drain = p.drain_handle();
        let t = p.telemetry.clone();
        let handle = rt.spawn(hallclock::daemon::serve(p));
        std::thread::sleep(Duration::from_secs(2));
        let (c0, w0, f0) = (cpu_seconds(), Instant::now(), t.frames());
        std::thread::sleep(Duration::from_secs(10));
        let (c1, w1, f1) = (cpu_seconds(), Instant::now(), t.frames());
        drain.cancel();
        let _ = rt.block_on(handle);
        rt.shutdown_timeout(Duration::from_secs(1));
        let frac = (c1 - c0) / (w1 - w0).as_secs_f64();
        println!(
            "empty scene, motion gate {}: {:.1}% of one core ({:.2} CPU s over {:.1} s, {} frames incl. decoding each PNG)",
            if gate { "on " } else { "off" },
            frac * 100.0,
            c1 - c0,
            (w1 - w0).as_secs_f64(),
            f1 - f0
        );
    }
}

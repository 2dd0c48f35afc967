//! The doctor's checks, shared by `hallclock doctor` and the console's status page: what the
//! door daemon needs, each `Ok`, `Failed` with what to do, or `Skipped`: the camera (opens and
//! grabs a frame), ONNX Runtime, the models (manifests, sha256, shapes), the clock's
//! synchronisation, free disk space beside the database, the database's integrity, and the
//! central service's reachability when uploading is on. It reads and tries; it changes nothing,
//! and prints nothing (the CLI and the console do).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::hw::clock::{ClockTrust, KernelClock};
use crate::hw::frames::open;
use crate::store::Store;
use crate::vision::runtime::search_path;

use crate::app::setup::Vision;
use crate::config::{ClockCheck, Config};

/// Below this much free space beside the database, doctor warns.
const MIN_FREE_BYTES: u64 = 200 * 1024 * 1024;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(String),
    /// What is wrong and what to do.
    Failed(String),
    /// Why the check was not run.
    Skipped(String),
}

/// Runs every check (the camera's only when `with_camera`), in order. Shared by
/// `hallclock doctor` and the console's status page. Reads and tries; changes nothing.
pub fn checks(config: &Config, with_camera: bool) -> Vec<(&'static str, Outcome)> {
    checks_with(config, with_camera, None)
}

/// [`checks`], with the models already loaded and checked by the running daemon when
/// `loaded` names them (the console inside `hallclock run`: no second copy is loaded).
pub fn checks_with(
    config: &Config,
    with_camera: bool,
    loaded: Option<&str>,
) -> Vec<(&'static str, Outcome)> {
    let of = |r: Result<String, String>| match r {
        Ok(detail) => Outcome::Ok(detail),
        Err(todo) => Outcome::Failed(todo),
    };
    let mut out = Vec::new();
    out.push((
        "camera",
        if with_camera {
            of(camera(config))
        } else {
            Outcome::Skipped("camera check not asked for".into())
        },
    ));
    out.push(("ONNX Runtime", of(onnx_runtime(config))));
    out.push((
        "models",
        match loaded {
            Some(name) => Outcome::Ok(format!(
                "{name} loaded by the running daemon, checksums and shapes matched at start-up"
            )),
            None => of(Vision::load(config)
                .map(|v| format!("{} loaded, checksums and shapes match", v.model_name))
                .map_err(|e| e.chain())),
        },
    ));
    out.push(("clock", of(clock(config))));
    out.push(("disk space", of(disk(&config.store.database))));
    out.push(("database", of(database(&config.store.database))));
    out.push((
        "uplink",
        match &config.uplink {
            None => Outcome::Skipped("no [uplink] endpoint configured".into()),
            Some(u) => of(reach(u.client.endpoint.as_str())),
        },
    ));
    out
}

fn camera(config: &Config) -> Result<String, String> {
    let spec = config
        .camera
        .sources
        .first()
        .cloned()
        .ok_or("camera.source is empty")?;
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = std::sync::mpsc::channel();
    let (s, stop2, clock) = (spec.clone(), stop.clone(), config.clock);
    std::thread::spawn(move || {
        let got = open(&s, stop2, clock)
            .map_err(|e| e.to_string())
            .and_then(|mut src| match src.next_frame() {
                Ok(Some(f)) => Ok(format!(
                    "{s}: {}x{} frame grabbed",
                    f.image.width(),
                    f.image.height()
                )),
                Ok(None) => Err(format!("{s} opened but gave no frame")),
                Err(e) => Err(e.to_string()),
            });
        let _ = tx.send(got);
    });
    let res = rx
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| Err(format!("{spec}: no frame within 10 s")));
    stop.store(true, Ordering::Relaxed);
    res.map_err(|e| {
        format!("{e}; check the cable and camera.source, that the user is in the video group (udev rule in firmware-config/), and that no other program holds the camera (or skip the camera check while hallclock runs)")
    })
}

fn onnx_runtime(config: &Config) -> Result<String, String> {
    let dirs = search_path(config.vision.onnxruntime.as_deref());
    dirs.iter()
        .find(|p| p.is_file())
        .map(|p| format!("found {}", p.display()))
        .ok_or_else(|| "libonnxruntime.so.1.32.0 not found; install it with scripts/install-onnxruntime or the .deb, or set vision.onnxruntime".to_string())
}

fn clock(config: &Config) -> Result<String, String> {
    let s = KernelClock.status();
    match (s.trusted, config.daemon.clock_check) {
        (true, _) => Ok(s.to_string()),
        (false, ClockCheck::Off) => Ok(format!("{s}; daemon.clock-check = \"off\", so punches are judged anyway")),
        (false, ClockCheck::Kernel) => Err(format!("{s}: punches are recorded but not judged late/early until NTP syncs; check `timedatectl` and network access to an NTP server (or fit an RTC battery)")),
    }
}

fn disk(db: &Path) -> Result<String, String> {
    let dir = db
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())
        .map_err(|_| format!("{} is not a usable path", dir.display()))?;
    // SAFETY: `statvfs` is plain data; the path is a valid C string for the call's duration.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(format!(
            "cannot stat {}: {}; create the folder (store.database)",
            dir.display(),
            std::io::Error::last_os_error()
        ));
    }
    let free = st.f_bavail as u64 * st.f_frsize as u64;
    let mb = free / (1024 * 1024);
    if free < MIN_FREE_BYTES {
        Err(format!(
            "only {mb} MiB free in {}; free some space (old logs: `journalctl --vacuum-size=50M`)",
            dir.display()
        ))
    } else {
        Ok(format!("{mb} MiB free in {}", dir.display()))
    }
}

fn database(db: &Path) -> Result<String, String> {
    if !db.exists() {
        return Err(format!(
            "{} does not exist yet; enrol staff (hallclock enroll) or start the daemon once",
            db.display()
        ));
    }
    let store = Store::open(db).map_err(|e| format!("{e}"))?;
    match store.integrity_problems() {
        Ok(None) => Ok(format!(
            "{}: integrity ok, {} punch(es)",
            db.display(),
            store.punch_count().unwrap_or(0)
        )),
        Ok(Some(p)) => Err(format!(
            "{}: {p}; stop hallclock, keep a copy, and restore from the last backup",
            db.display()
        )),
        Err(e) => Err(e.to_string()),
    }
}

fn reach(endpoint: &str) -> Result<String, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?;
        match client.head(endpoint).send().await {
            Ok(resp) => Ok(format!("{endpoint} answers (HTTP {})", resp.status().as_u16())),
            Err(e) => Err(format!("{endpoint} unreachable: {e}; check the network, DNS and uplink.endpoint (punches wait in the outbox meanwhile)")),
        }
    })
}

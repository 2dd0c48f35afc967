//! The doctor's checks, shared by `hallclock doctor` and the console's status page: what the
//! door daemon needs, each `Ok`, `Warning` or `Failed` with what to do, or `Skipped`: the camera
//! (opens and grabs a frame), ONNX Runtime, the models (manifests, sha256, shapes), the clock's
//! synchronisation (and whether the status page, which follows `daemon.clock-check`, says the
//! same as the kernel), free disk space beside the database, the database's integrity, the
//! holiday calendar of the next 30 days, whether the site has calibrated the liveness check
//! (issue 11: never "正常" without a calibration on record), and the central service's
//! reachability when uploading is on. It reads and tries; it changes nothing, and prints nothing (the CLI and the console
//! do). "Now" is `Config::clock`'s.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use jiff::ToSpan;

use crate::hw::clock::{ClockStatus, ClockTrust, KernelClock};
use crate::hw::frames::open;
use crate::store::Store;
use crate::vision::runtime::search_path;

use crate::app::setup::Vision;
use crate::config::{ClockCheck, Config};
use crate::core::liveness::LivenessMode;

/// Below this much free space beside the database, doctor warns.
const MIN_FREE_BYTES: u64 = 200 * 1024 * 1024;

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(String),
    /// It works, but something will go wrong or mislead: what, and what to do.
    Warning(String),
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
    out.push(("clock", clock(config, KernelClock.status())));
    out.push(("disk space", of(disk(&config.store.database))));
    out.push(("database", of(database(&config.store.database))));
    out.push(("holiday calendar", holidays(config)));
    out.push(("liveness calibration", liveness_calibration(config)));
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

/// The kernel's word on the clock, and whether the status page (which follows
/// `daemon.clock-check`) says the same: with the check off it shows the clock as trusted, which
/// is a warning when the kernel says otherwise.
fn clock(config: &Config, s: ClockStatus) -> Outcome {
    match (s.trusted, config.daemon.clock_check) {
        (true, _) => Outcome::Ok(s.to_string()),
        (false, ClockCheck::Off) => Outcome::Warning(format!("{s}, but daemon.clock-check = \"off\": the status page shows the clock as trusted and punches are judged on it; set clock-check = \"kernel\" once NTP works (`timedatectl`)")),
        (false, ClockCheck::Kernel) => Outcome::Failed(format!("{s}: punches are recorded but not judged late/early until NTP syncs; check `timedatectl` and network access to an NTP server (or fit an RTC battery)")),
    }
}

/// Whether every year the next 30 days touch has a holiday calendar: without one, 元旦, 春节 and
/// the other holidays count as working days, and everybody as absent.
fn holidays(config: &Config) -> Outcome {
    let db = &config.store.database;
    if !db.exists() {
        return Outcome::Skipped(format!("{} does not exist yet", db.display()));
    }
    let calendar = match Store::open(db).and_then(|s| s.calendar(config.rules.summer)) {
        Ok(c) => c,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let today = config.today();
    let until = today.checked_add(30.days()).unwrap_or(today);
    let mut missing = Vec::new();
    for year in today.year()..=until.year() {
        let mut days = jiff::civil::date(year, 1, 1)
            .series(1.day())
            .take_while(|d| d.year() == year);
        if !days.any(|d| calendar.day_name(d).is_some()) {
            missing.push(year);
        }
    }
    match missing.as_slice() {
        [] => Outcome::Ok(format!("holidays on record up to {until}")),
        years => {
            let years: Vec<String> = years.iter().map(ToString::to_string).collect();
            Outcome::Warning(format!(
                "no holiday calendar for {} (the next 30 days, to {until}): its holidays would count as working days and everybody as absent; import the year's holiday file (hallclock calendar import holidays-{}.txt, or the console's calendar page)",
                years.join(", "),
                years[0]
            ))
        }
    }
}

/// Whether the site chose its liveness threshold from its own camera's captures and attack
/// drills (`eval-liveness --from-db --save`): the models' defaults were set on other cameras, so
/// an uncalibrated door is a warning, and a door with the check off is not checked at all.
fn liveness_calibration(config: &Config) -> Outcome {
    if config.liveness.mode == LivenessMode::Off {
        return Outcome::Skipped("[liveness] mode = \"off\": no liveness check runs".into());
    }
    let db = &config.store.database;
    if !db.exists() {
        return Outcome::Skipped(format!("{} does not exist yet", db.display()));
    }
    let state = match Store::open(db).and_then(|s| s.liveness_calibration()) {
        Ok(s) => s,
        Err(e) => return Outcome::Failed(e.to_string()),
    };
    let configured = config.liveness.policy.model_threshold;
    match state.last {
        None if state.attack_samples == 0 => Outcome::Warning(format!(
            "未校准：尚无攻击演练记录 (not calibrated: no attack drill on record); the check runs on the default model-threshold {configured:.2}, set on other cameras. Hold up a printed photo and a phone replay of a consenting colleague (hallclock liveness drill), then run hallclock eval-liveness --from-db --save; keep mode = \"flag\" until then"
        )),
        None => Outcome::Warning(format!(
            "未校准：已有 {} 条攻击演练、{} 条真人记录，尚未选定阈值 (not calibrated: {} attack and {} bona fide samples on record, no threshold chosen); run hallclock eval-liveness --from-db --save",
            state.attack_samples, state.bona_fide_samples, state.attack_samples, state.bona_fide_samples
        )),
        Some(c) => {
            let date = config.rules.engine.schedule.to_civil(c.at).date();
            let said = format!(
                "已校准 {date}：阈值 {:.3}，目标 BPCER {:.1}%（BPCER {:.1}%，最差 APCER {:.1}%；{} 条真人、{} 条攻击） (calibrated on {date}: model-threshold {:.3})",
                c.model_threshold,
                c.target_bpcer * 100.0,
                c.bpcer * 100.0,
                c.apcer_max * 100.0,
                c.bona_fide,
                c.attacks,
                c.model_threshold
            );
            if (configured - c.model_threshold).abs() > 0.0005 {
                Outcome::Warning(format!(
                    "{said}, but [liveness] model-threshold = {configured:.3}: set it to {:.3} (or calibrate again)",
                    c.model_threshold
                ))
            } else {
                Outcome::Ok(said)
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The clock check against what the status page shows: with `clock-check = "off"` the page
    /// calls the clock trusted, so an unsynchronised kernel is a warning, never an "OK".
    #[test]
    fn issue12_the_clock_check_and_the_status_page_agree() {
        let synced = ClockStatus {
            trusted: true,
            max_error_us: Some(2_000),
            unsynced_flag: false,
        };
        let unsynced = ClockStatus {
            trusted: false,
            max_error_us: Some(16_000_000),
            unsynced_flag: true,
        };
        let mut config = Config::load(None).expect("the defaults");
        let rows = [
            (ClockCheck::Kernel, synced, "ok"),
            (ClockCheck::Off, synced, "ok"),
            (ClockCheck::Kernel, unsynced, "failed"),
            (ClockCheck::Off, unsynced, "warning"),
        ];
        for (check, status, want) in rows {
            config.daemon.clock_check = check;
            let got = match clock(&config, status) {
                Outcome::Ok(_) => "ok",
                Outcome::Warning(w) => {
                    assert!(
                        w.contains("the status page shows the clock as trusted"),
                        "{w}"
                    );
                    "warning"
                }
                Outcome::Failed(_) => "failed",
                Outcome::Skipped(_) => "skipped",
            };
            assert_eq!(got, want, "{check:?} {status:?}");
        }
    }
}

//! The door daemon's sections of the config file: `[camera]`, `[feedback]`, `[door]`, `[daemon]`
//! and `[metrics]`, each mirrored by a `Raw*` struct (kebab-case, unknown keys refused) and validated
//! into a typed section struct. Validation adds every problem, with its key, to the caller's list.
//!
//! This file only reads settings; it opens no device, socket or file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::ranged;
use crate::core::rules::{ClockOutRule, DoorPolicy};
use crate::hw::feedback::GpioPins;
use crate::hw::frames::SourceSpec;

/// One source or several played in order (`source = "clip.mp4"` or `source = ["a.mp4", "b.mp4"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RawSources {
    One(String),
    Many(Vec<String>),
}

/// `[camera]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawCamera {
    /// A camera index (`0`), a device (`/dev/video0`), a video file, an `rtsp://` URL, a GStreamer
    /// pipeline ending in `appsink`, or an image folder; or a list of them played in order.
    pub source: Option<RawSources>,
    /// Start the (finite) sources again when the last one ends: a video file as an endless demo.
    pub loop_file: Option<bool>,
    /// Frames queued between the camera and the recogniser; a full queue drops the newest frame.
    pub queue_frames: Option<usize>,
    /// Skip the face detector while the scene is still and nobody is being followed.
    pub motion_gate: Option<bool>,
    /// Mean absolute difference (0..255) of the downscaled grey frame that counts as motion.
    pub motion_threshold: Option<f32>,
    /// While the scene is still, still run the detector on every this-many-th frame.
    pub idle_detect_every: Option<u32>,
    /// Play files and folders at most this many frames a second, dropping frames the recogniser
    /// cannot keep up with, as a camera would; without it they are read as fast as recognised.
    pub pace_fps: Option<f32>,
}

/// `[feedback]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFeedback {
    /// `"log"` (default) or `"gpio"`.
    pub kind: Option<String>,
    /// BCM pin numbers.
    pub green_pin: Option<u8>,
    pub red_pin: Option<u8>,
    pub buzzer_pin: Option<u8>,
    /// Optional door relay, pulsed on a clock-in or clock-out.
    pub relay_pin: Option<u8>,
}

/// `[door]`: how the door reads and shows a pass.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDoor {
    /// `"session-last-pass"` (default: stepping out and back is not early) or `"each-pass"`
    /// (every pass before a session's end shows as an early clock-out).
    pub clock_out: Option<String>,
    /// Red light and buzzer for an unknown face (a citizen); default `false`.
    pub unknown_alarm: Option<bool>,
}

/// `[daemon]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawDaemon {
    /// This door's id: part of every punch's idempotency key. Unique per hall.
    pub device_id: Option<String>,
    /// How long SIGTERM may take to drain the pipeline (shorter than systemd's TimeoutStopSec).
    pub drain_timeout_secs: Option<u64>,
    /// `"kernel"` (default): trust the clock only when the kernel says NTP has synchronised it;
    /// `"off"`: always trust it (a development machine without NTP).
    pub clock_check: Option<String>,
}

/// `[metrics]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawMetrics {
    /// Loopback address of the Prometheus text endpoint; without it, no endpoint.
    pub listen: Option<String>,
}

/// The validated `[camera]`.
#[derive(Debug, Clone)]
pub struct CameraConfig {
    /// Played in order; a live source never ends.
    pub sources: Vec<SourceSpec>,
    pub loop_file: bool,
    pub queue_frames: usize,
    pub motion_gate: bool,
    pub motion_threshold: f32,
    pub idle_detect_every: u32,
    pub pace_fps: Option<f32>,
}

/// Which feedback the door gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedbackKind {
    Log,
    Gpio(GpioPins),
}

/// The validated `[feedback]`.
#[derive(Debug, Clone)]
pub struct FeedbackConfig {
    pub kind: FeedbackKind,
}

/// Whether the kernel's word on clock synchronisation is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockCheck {
    Kernel,
    Off,
}

/// The validated `[daemon]`.
#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub device_id: String,
    pub drain_timeout: Duration,
    pub clock_check: ClockCheck,
}

/// The validated `[metrics]`.
#[derive(Debug, Clone)]
pub struct MetricsConfig {
    pub listen: Option<SocketAddr>,
}

/// Validates `[camera]`.
pub fn camera_from_raw(raw: RawCamera, problems: &mut Vec<String>) -> CameraConfig {
    let texts = match raw.source {
        None => vec!["0".to_string()],
        Some(RawSources::One(s)) => vec![s],
        Some(RawSources::Many(v)) => v,
    };
    if texts.is_empty() || texts.iter().any(|t| t.trim().is_empty()) {
        problems.push(
            "camera.source: expected a camera index, device, file, URL, pipeline or folder (or a non-empty list of them)"
                .to_string(),
        );
    }
    let sources: Vec<SourceSpec> = texts.iter().map(|t| SourceSpec::parse(t)).collect();
    if sources.len() > 1 && sources.iter().any(SourceSpec::is_live) {
        problems.push(
            "camera.source: a list may hold only files and folders; a live camera or stream never ends"
                .to_string(),
        );
    }
    let queue_frames = ranged(
        "camera.queue-frames",
        raw.queue_frames,
        2,
        1..=64,
        "",
        problems,
    );
    let motion_threshold = raw.motion_threshold.unwrap_or(4.0);
    if !(motion_threshold.is_finite() && (0.0..=255.0).contains(&motion_threshold)) {
        problems.push(format!(
            "camera.motion-threshold = {motion_threshold}: expected 0 to 255"
        ));
    }
    let idle_detect_every = ranged(
        "camera.idle-detect-every",
        raw.idle_detect_every,
        10,
        1..=1000,
        " frames",
        problems,
    );
    if let Some(f) = raw.pace_fps {
        if !(f.is_finite() && f > 0.0 && f <= 120.0) {
            problems.push(format!(
                "camera.pace-fps = {f}: expected more than 0 and at most 120"
            ));
        }
    }
    CameraConfig {
        pace_fps: raw.pace_fps,
        sources,
        loop_file: raw.loop_file.unwrap_or(false),
        queue_frames,
        motion_gate: raw.motion_gate.unwrap_or(true),
        motion_threshold,
        idle_detect_every,
    }
}

/// Validates `[feedback]`.
pub fn feedback_from_raw(raw: RawFeedback, problems: &mut Vec<String>) -> FeedbackConfig {
    let d = GpioPins::hall_defaults();
    let pins = GpioPins {
        green: raw.green_pin.unwrap_or(d.green),
        red: raw.red_pin.unwrap_or(d.red),
        buzzer: raw.buzzer_pin.unwrap_or(d.buzzer),
        relay: raw.relay_pin,
    };
    for (key, pin) in [
        ("feedback.green-pin", Some(pins.green)),
        ("feedback.red-pin", Some(pins.red)),
        ("feedback.buzzer-pin", Some(pins.buzzer)),
        ("feedback.relay-pin", pins.relay),
    ] {
        if let Some(p) = pin {
            if p > 27 {
                problems.push(format!(
                    "{key} = {p}: expected a BCM GPIO number from 0 to 27"
                ));
            }
        }
    }
    let mut all = vec![pins.green, pins.red, pins.buzzer];
    all.extend(pins.relay);
    all.sort_unstable();
    if all.windows(2).any(|w| w[0] == w[1]) {
        problems.push(
            "feedback.green-pin, red-pin, buzzer-pin, relay-pin: expected different pins".into(),
        );
    }
    let kind = match raw.kind.as_deref() {
        None | Some("log") => FeedbackKind::Log,
        Some("gpio") => FeedbackKind::Gpio(pins),
        Some(other) => {
            problems.push(format!(
                "feedback.kind = {other:?}: expected \"log\" or \"gpio\""
            ));
            FeedbackKind::Log
        }
    };
    FeedbackConfig { kind }
}

/// Validates `[door]` into the rules engine's door settings.
pub fn door_from_raw(raw: RawDoor, problems: &mut Vec<String>) -> DoorPolicy {
    let mut policy = DoorPolicy::hall_defaults();
    match raw.clock_out.as_deref() {
        None | Some("session-last-pass") => {}
        Some("each-pass") => policy.clock_out = ClockOutRule::EachPass,
        Some(other) => problems.push(format!(
            "door.clock-out = {other:?}: expected \"session-last-pass\" or \"each-pass\""
        )),
    }
    policy.unknown_alarm = raw.unknown_alarm.unwrap_or(policy.unknown_alarm);
    policy
}

/// Validates `[daemon]`.
pub fn daemon_from_raw(raw: RawDaemon, problems: &mut Vec<String>) -> DaemonConfig {
    let device_id = raw.device_id.unwrap_or_else(|| "door-1".to_string());
    let ok = !device_id.is_empty()
        && device_id.len() <= 64
        && device_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        problems.push(format!(
            "daemon.device-id = {device_id:?}: expected 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or '.'"
        ));
    }
    let drain = ranged(
        "daemon.drain-timeout-secs",
        raw.drain_timeout_secs,
        10,
        1..=300,
        " seconds",
        problems,
    );
    let clock_check = match raw.clock_check.as_deref() {
        None | Some("kernel") => ClockCheck::Kernel,
        Some("off") => ClockCheck::Off,
        Some(other) => {
            problems.push(format!(
                "daemon.clock-check = {other:?}: expected \"kernel\" or \"off\""
            ));
            ClockCheck::Kernel
        }
    };
    DaemonConfig {
        device_id,
        drain_timeout: Duration::from_secs(drain),
        clock_check,
    }
}

/// Validates `[metrics]`: the endpoint must be on loopback.
pub fn metrics_from_raw(raw: RawMetrics, problems: &mut Vec<String>) -> MetricsConfig {
    let listen = raw.listen.and_then(|text| match text.parse::<SocketAddr>() {
        Ok(a) if a.ip().is_loopback() => Some(a),
        Ok(_) => {
            problems.push(format!(
                "metrics.listen = {text:?}: expected a loopback address such as \"127.0.0.1:9464\" (the endpoint has no authentication)"
            ));
            None
        }
        Err(_) => {
            problems.push(format!(
                "metrics.listen = {text:?}: expected an address and port such as \"127.0.0.1:9464\""
            ));
            None
        }
    });
    MetricsConfig { listen }
}

/// The built-in source list of `hallclock demo`, for the fixtures folder `dir`.
pub fn demo_sources(dir: &std::path::Path) -> Vec<SourceSpec> {
    ["WolfgangLanger_Pexels.mp4", "single_face.mp4"]
        .iter()
        .map(|f| SourceSpec::File(PathBuf::from(dir).join(f)))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigError, RawConfig};
    use std::path::Path;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: "t.toml".into(),
            message: e.to_string(),
        })?;
        Config::from_raw(raw, Path::new("t.toml"))
    }

    #[test]
    fn daemon_sections_are_read() {
        let c = parse(
            "[camera]\nsource = [\"a.mp4\", \"b.mp4\"]\nloop-file = true\n[feedback]\nkind = \"gpio\"\nrelay-pin = 26\n\
             [daemon]\ndevice-id = \"hall-east\"\nclock-check = \"off\"\n[metrics]\nlisten = \"127.0.0.1:9464\"\n",
        )
        .unwrap();
        assert_eq!(c.camera.sources.len(), 2);
        assert!(c.camera.loop_file);
        assert!(matches!(c.feedback.kind, super::FeedbackKind::Gpio(p) if p.relay == Some(26)));
        assert_eq!(c.daemon.device_id, "hall-east");
        assert_eq!(c.daemon.clock_check, super::ClockCheck::Off);
        assert_eq!(c.metrics.listen.unwrap().port(), 9464);
        // [door] left out: the session's last pass counts, no alarm for an unknown face.
        let door = c.rules.engine.door;
        assert_eq!(
            door.clock_out,
            crate::core::rules::ClockOutRule::SessionLastPass
        );
        assert!(!door.unknown_alarm);
        let c = parse("[door]\nclock-out = \"each-pass\"\nunknown-alarm = true\n").unwrap();
        assert_eq!(
            c.rules.engine.door.clock_out,
            crate::core::rules::ClockOutRule::EachPass
        );
        assert!(c.rules.engine.door.unknown_alarm);
    }

    #[test]
    fn every_daemon_problem_is_reported_with_its_key() {
        let e = parse(
            "[camera]\nqueue-frames = 0\n[feedback]\nkind = \"leds\"\ngreen-pin = 40\n\
             [daemon]\ndevice-id = \"door 1\"\nclock-check = \"ntp\"\n[metrics]\nlisten = \"0.0.0.0:9464\"\n\
             [door]\nclock-out = \"first-pass\"\n",
        )
        .unwrap_err()
        .to_string();
        for key in [
            "camera.queue-frames = 0: expected 1 to 64",
            "feedback.green-pin = 40: expected a BCM GPIO number from 0 to 27",
            "feedback.kind = \"leds\": expected \"log\" or \"gpio\"",
            "daemon.device-id = \"door 1\": expected 1 to 64 characters",
            "daemon.clock-check = \"ntp\": expected \"kernel\" or \"off\"",
            "metrics.listen = \"0.0.0.0:9464\": expected a loopback address",
            "door.clock-out = \"first-pass\": expected \"session-last-pass\" or \"each-pass\"",
        ] {
            assert!(e.contains(key), "missing {key:?} in {e}");
        }
    }
}

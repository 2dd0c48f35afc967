//! The configuration file, read in two steps: `RawConfig` mirrors the TOML (kebab-case, unknown
//! keys refused), `Config` is validated and typed. Validation reports every problem with its key.
//!
//! Every key is optional here; a missing file means the defaults, which suit a development
//! checkout (models in `./models`, the database in `./hallclock.db`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use jiff::tz::{Disambiguation, TimeZone};
use jiff::SignedDuration;

use crate::core::calendar::SummerRule;
use crate::core::geometry::BoxF;
use crate::core::leave::LeaveClass;
use crate::core::rules::RulesConfig;
use crate::core::schedule::{ScheduleConfig, SessionHours};
use crate::core::scoring::{Points, ScoringConfig};
use crate::core::track::TrackPolicy;
use crate::vision::quality::QualityGate;

mod console;
mod daemon;
mod liveness;
mod uplink;

pub use console::{ConsoleConfig, RawConsole};
pub use daemon::{
    camera_from_raw, daemon_from_raw, demo_sources, door_from_raw, feedback_from_raw,
    metrics_from_raw, CameraConfig, ClockCheck, DaemonConfig, FeedbackConfig, FeedbackKind,
    MetricsConfig, RawCamera, RawDaemon, RawDoor, RawFeedback, RawMetrics,
};
pub use liveness::{EvidenceFrames, LivenessConfig, RawLiveness};
pub use uplink::{uplink_from_raw, RawUplink, UploadSettings};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConfig {
    #[serde(default)]
    pub store: RawStore,
    #[serde(default)]
    pub vision: RawVision,
    #[serde(default)]
    pub rules: RawRules,
    #[serde(default)]
    pub camera: RawCamera,
    #[serde(default)]
    pub feedback: RawFeedback,
    #[serde(default)]
    pub door: RawDoor,
    #[serde(default)]
    pub daemon: RawDaemon,
    #[serde(default)]
    pub metrics: RawMetrics,
    #[serde(default)]
    pub uplink: RawUplink,
    #[serde(default)]
    pub console: console::RawConsole,
    #[serde(default)]
    pub liveness: liveness::RawLiveness,
    #[serde(default)]
    pub hall: RawHall,
}

/// `[hall]`: the hall itself (written by `hallclock setup`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawHall {
    /// The hall's name as printed on reports and sheets, e.g. "某某县政务服务中心".
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStore {
    pub database: Option<PathBuf>,
    pub keep_face_images: Option<bool>,
    /// Cap on the database file's size in KiB (SQLite max_page_count); without it, no cap.
    pub max_size_kb: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawVision {
    pub models_dir: Option<PathBuf>,
    pub detector: Option<String>,
    pub embedder: Option<String>,
    pub onnxruntime: Option<PathBuf>,
    pub threads: Option<usize>,
    pub detector_width: Option<usize>,
    pub flip: Option<bool>,
    pub threshold: Option<f32>,
    pub margin: Option<f32>,
    pub roi: Option<[f32; 4]>,
    pub vote_k: Option<usize>,
    pub vote_n: Option<usize>,
    #[serde(default)]
    pub gate: RawGate,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawGate {
    pub min_eye_px: Option<f32>,
    pub min_score: Option<f32>,
    pub min_sharpness: Option<f32>,
    pub max_yaw: Option<f32>,
    pub max_roll_deg: Option<f32>,
    pub min_brightness: Option<f32>,
    pub max_brightness: Option<f32>,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreConfig,
    pub vision: VisionConfig,
    pub rules: RulesSettings,
    pub camera: CameraConfig,
    pub feedback: FeedbackConfig,
    pub daemon: DaemonConfig,
    pub metrics: MetricsConfig,
    /// `None`: uploading is off (punches still queue in the outbox).
    pub uplink: Option<UploadSettings>,
    /// `[console]`: the web console.
    pub console: console::ConsoleConfig,
    /// `[liveness]`: photos and phones held up to the camera.
    pub liveness: liveness::LivenessConfig,
    /// `[hall] name`: the hall's name, when set.
    pub hall_name: Option<String>,
    /// What "now" is. Not from the file: the system clock, unless the binary's edge was given
    /// `--now`/`HALLCLOCK_NOW` (tests, rehearsals).
    pub clock: crate::hw::clock::WallClock,
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub database: PathBuf,
    pub keep_face_images: bool,
    /// Cap on the database's size (`store.max-size-kb`), applied by the door daemon.
    pub max_size_bytes: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct VisionConfig {
    /// `None`: search the default places.
    pub models_dir: Option<PathBuf>,
    pub detector: String,
    pub embedder: String,
    pub onnxruntime: Option<PathBuf>,
    pub threads: usize,
    pub detector_width: usize,
    pub flip: bool,
    /// `None`: the embedder manifest's.
    pub threshold: Option<f32>,
    pub margin: Option<f32>,
    pub roi: Option<BoxF>,
    pub vote: TrackPolicy,
    pub gate: QualityGate,
}

/// A configuration that is not valid: every problem, each with its key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path} is not valid TOML for hallclock: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path} has {} problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<String>,
    },
}

impl Config {
    /// The hall's date now: [`Config::clock`] in the hall's zone.
    pub fn today(&self) -> jiff::civil::Date {
        self.rules.engine.schedule.to_civil(self.clock.now()).date()
    }

    /// Reads and validates `path`; `None` gives the defaults.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and every key at fault.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Config::from_raw(RawConfig::default(), Path::new("(defaults)"));
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let (raw, mut problems) = read_raw(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })?;
        match Config::from_raw(raw, path) {
            Ok(config) if problems.is_empty() => Ok(config),
            Ok(_) => Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            }),
            Err(ConfigError::Invalid { problems: more, .. }) => {
                problems.extend(more);
                Err(ConfigError::Invalid {
                    path: path.to_path_buf(),
                    problems,
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Validates a parsed file.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] listing every problem.
    pub fn from_raw(raw: RawConfig, path: &Path) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let mut rules = rules_from_raw(raw.rules, &mut problems);
        rules.engine.door = door_from_raw(raw.door, &mut problems);
        let camera = camera_from_raw(raw.camera, &mut problems);
        let feedback = feedback_from_raw(raw.feedback, &mut problems);
        let daemon = daemon_from_raw(raw.daemon, &mut problems);
        let metrics = metrics_from_raw(raw.metrics, &mut problems);
        let uplink = uplink_from_raw(raw.uplink, &daemon.device_id, &mut problems);
        let console = console::console_from_raw(raw.console, &mut problems);
        let liveness = liveness::liveness_from_raw(raw.liveness, &mut problems);
        let v = raw.vision;
        let threads = ranged("vision.threads", v.threads, 1, 1..=16, "", &mut problems);
        let detector_width = v.detector_width.unwrap_or(320);
        if !(64..=1920).contains(&detector_width) || !detector_width.is_multiple_of(32) {
            problems.push(format!("vision.detector-width = {detector_width}: expected a multiple of 32 from 64 to 1920"));
        }
        if let Some(t) = v.threshold {
            if !t.is_finite() {
                problems.push("vision.threshold: expected a finite number".to_string());
            }
        }
        if let Some(m) = v.margin {
            if !(0.0..=1.0).contains(&m) {
                problems.push(format!("vision.margin = {m}: expected 0 to 1"));
            }
        }
        let roi = match v.roi {
            None => None,
            Some([x0, y0, x1, y1]) => {
                let ok =
                    [x0, y0, x1, y1].iter().all(|c| (0.0..=1.0).contains(c)) && x0 < x1 && y0 < y1;
                if !ok {
                    problems.push(format!(
                        "vision.roi = [{x0}, {y0}, {x1}, {y1}]: expected [left, top, right, bottom] as fractions 0..1 with left < right and top < bottom"
                    ));
                }
                Some(BoxF { x0, y0, x1, y1 })
            }
        };
        let mut vote = TrackPolicy::door_defaults();
        vote.k = v.vote_k.unwrap_or(vote.k);
        vote.n = v.vote_n.unwrap_or(vote.n);
        if vote.k == 0 || vote.k > vote.n || vote.n > 30 {
            problems.push(format!(
                "vision.vote-k = {}, vision.vote-n = {}: expected 1 <= k <= n <= 30",
                vote.k, vote.n
            ));
        }
        let d = QualityGate::door_defaults();
        let g = v.gate;
        let gate = QualityGate {
            min_eye_px: g.min_eye_px.unwrap_or(d.min_eye_px),
            min_score: g.min_score.unwrap_or(d.min_score),
            min_sharpness: g.min_sharpness.unwrap_or(d.min_sharpness),
            max_yaw: g.max_yaw.unwrap_or(d.max_yaw),
            max_roll_deg: g.max_roll_deg.unwrap_or(d.max_roll_deg),
            min_brightness: g.min_brightness.unwrap_or(d.min_brightness),
            max_brightness: g.max_brightness.unwrap_or(d.max_brightness),
            ..d
        };
        if !(0.0..=1.0).contains(&gate.min_score) {
            problems.push(format!(
                "vision.gate.min-score = {}: expected 0 to 1",
                gate.min_score
            ));
        }
        if gate.min_brightness >= gate.max_brightness {
            problems.push(format!(
                "vision.gate.min-brightness = {} is not below vision.gate.max-brightness = {}",
                gate.min_brightness, gate.max_brightness
            ));
        }
        for (key, name) in [
            ("vision.detector", &v.detector),
            ("vision.embedder", &v.embedder),
        ] {
            if let Some(n) = name {
                if !n.ends_with(".toml") {
                    problems.push(format!(
                        "{key} = {n:?}: expected a model manifest file name ending in .toml"
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            });
        }
        Ok(Config {
            store: StoreConfig {
                database: raw
                    .store
                    .database
                    .unwrap_or_else(|| PathBuf::from("hallclock.db")),
                keep_face_images: raw.store.keep_face_images.unwrap_or(false),
                max_size_bytes: raw.store.max_size_kb.map(|kb| kb.saturating_mul(1024)),
            },
            vision: VisionConfig {
                models_dir: v.models_dir,
                detector: v.detector.unwrap_or_else(|| "yunet_2023mar.toml".into()),
                embedder: v.embedder.unwrap_or_else(|| "w600k_mbf.toml".into()),
                onnxruntime: v.onnxruntime,
                threads,
                detector_width,
                flip: v.flip.unwrap_or(false),
                threshold: v.threshold,
                margin: v.margin,
                roi,
                vote,
                gate,
            },
            rules,
            camera,
            feedback,
            daemon,
            metrics,
            uplink,
            console,
            liveness,
            hall_name: raw
                .hall
                .name
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            clock: crate::hw::clock::WallClock::system(),
        })
    }
}

/// A number key checked against its range, the one check every section uses: the value, or
/// `default` when the key is absent; a value out of range is noted in `problems` as
/// `{key} = {v}: expected {lo} to {hi}{unit}` and `default` is returned in its place.
pub(crate) fn ranged<T>(
    key: &str,
    value: Option<T>,
    default: T,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
    problems: &mut Vec<String>,
) -> T
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    match value {
        None => default,
        Some(v) if range.contains(&v) => v,
        Some(v) => {
            problems.push(format!(
                "{key} = {v}: expected {} to {}{unit}",
                range.start(),
                range.end()
            ));
            default
        }
    }
}

/// Reads the file's text into a [`RawConfig`], collecting every key it cannot take (an unknown
/// key or section, a value of the wrong type) rather than stopping at the first: each one found is
/// noted with its line and key, commented out (a whole unknown section with its keys), and the
/// text read again, a few dozen times at most. The keys it could take are then validated as usual.
///
/// # Errors
/// The TOML error when the text is not TOML at all (nothing can be read around a syntax error).
fn read_raw(text: &str) -> Result<(RawConfig, Vec<String>), String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut problems = Vec::new();
    for round in 0..64 {
        let current = lines.join("\n");
        let e = match toml::from_str::<RawConfig>(&current) {
            Ok(raw) => return Ok((raw, in_file_order(problems))),
            Err(e) => e,
        };
        let at = e
            .span()
            .map(|span| current[..span.start].matches('\n').count());
        let schema = [
            "unknown field",
            "invalid type",
            "invalid value",
            "invalid length",
        ]
        .iter()
        .any(|m| e.message().starts_with(m));
        let (Some(line), true) = (at, schema) else {
            // The text itself is not TOML (first round), or our own edit made it so: report
            // what was found until then.
            return if round == 0 || problems.is_empty() {
                Err(e.to_string())
            } else {
                Ok((RawConfig::default(), in_file_order(problems)))
            };
        };
        let Some(header_line) = lines.get(line).map(|l| l.trim_start().starts_with('[')) else {
            return Err(e.to_string());
        };
        let section = lines[..line]
            .iter()
            .rev()
            .find(|l| l.trim_start().starts_with('['))
            .map(|l| l.trim().trim_matches(['[', ']']).trim().to_string());
        let key = lines[line]
            .split('=')
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches(['[', ']'])
            .to_string();
        let name = match (&section, header_line) {
            (Some(section), false) => format!("{section}.{key}"),
            _ => key,
        };
        problems.push((line, format!("{name} (line {}): {}", line + 1, e.message())));
        let end = if header_line {
            lines[line + 1..]
                .iter()
                .position(|l| l.trim_start().starts_with('['))
                .map_or(lines.len(), |n| line + 1 + n)
        } else {
            line + 1
        };
        for l in &mut lines[line..end] {
            l.insert(0, '#');
        }
    }
    Err(format!(
        "more than 64 unreadable keys; {}",
        in_file_order(problems).join("; ")
    ))
}

fn in_file_order(mut problems: Vec<(usize, String)>) -> Vec<String> {
    problems.sort();
    problems.into_iter().map(|(_, p)| p).collect()
}

/// `[rules]`: the attendance rules. Every default of `attendance-rules.md` is a key here.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawRules {
    /// IANA zone of the hall; default `Asia/Shanghai`.
    pub zone: Option<String>,
    /// `compatible` (default), `earlier`, `later` or `reject`: how a civil time in a DST gap or
    /// fold becomes an instant.
    pub dst_policy: Option<String>,
    /// `"08:00-11:30"`.
    pub morning: Option<String>,
    /// `"14:00-17:00"`.
    pub afternoon: Option<String>,
    /// `"14:30-17:30"`.
    pub summer_afternoon: Option<String>,
    /// Default summer period of every year without its own, month-day: `"05-01"`.
    pub summer_first: Option<String>,
    /// `"09-30"`, inclusive.
    pub summer_last: Option<String>,
    pub late_grace_mins: Option<i64>,
    pub early_grace_mins: Option<i64>,
    /// A person seen again within this is the same pass: 60.
    pub same_pass_secs: Option<i64>,
    pub window_before_start_mins: Option<i64>,
    pub window_after_end_mins: Option<i64>,
    pub meeting_late_grace_mins: Option<i64>,
    #[serde(default)]
    pub leave: RawLeaveRules,
    #[serde(default)]
    pub points: RawPoints,
}

/// `[rules.leave]`: `public` (公假) or `private` (私假) per kind, and approval thresholds.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLeaveRules {
    pub sick: Option<String>,
    pub personal: Option<String>,
    pub annual: Option<String>,
    pub home_visit: Option<String>,
    pub marriage_maternity: Option<String>,
    pub bereavement: Option<String>,
    pub official_errand: Option<String>,
    pub official_duty: Option<String>,
    pub deputy_from_half_days: Option<u32>,
    pub director_from_half_days: Option<u32>,
}

/// `[rules.points]`: points per fault (multiples of 0.1) and the fund.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawPoints {
    pub late_or_early: Option<f64>,
    pub absence_day: Option<f64>,
    pub public_leave_day: Option<f64>,
    pub private_leave_day: Option<f64>,
    pub meeting_late: Option<f64>,
    pub meeting_missed: Option<f64>,
    pub duty_missed: Option<f64>,
    pub attendance_full: Option<f64>,
    /// The part's lowest score; default 0.
    pub attendance_floor: Option<f64>,
    /// `false`: the part's score may go below the floor (no floor at all).
    pub attendance_floor_enabled: Option<bool>,
    pub other_parts_assumed: Option<f64>,
    pub full_marks: Option<f64>,
    pub fund_yuan_per_month: Option<f64>,
    pub yearly_awards_bar: Option<f64>,
}

/// The validated `[rules]` section.
#[derive(Debug, Clone)]
pub struct RulesSettings {
    /// The zone's IANA name, for reports.
    pub zone_name: String,
    /// Hours, windows, leave classes, de-duplication: what the rules engine takes.
    pub engine: RulesConfig,
    /// Points and the fund.
    pub scoring: ScoringConfig,
    /// The default summer period of years the calendar file does not set.
    pub summer: SummerRule,
}

/// Validates `[rules]`, adding every problem (with its key) to `problems`. The returned value
/// holds the defaults wherever a key was at fault.
pub fn rules_from_raw(raw: RawRules, problems: &mut Vec<String>) -> RulesSettings {
    let zone_name = raw
        .zone
        .unwrap_or_else(|| ScheduleConfig::DEFAULT_ZONE_NAME.to_string());
    let zone = match TimeZone::get(&zone_name) {
        Ok(zone) => zone,
        Err(e) => {
            problems.push(format!(
                "rules.zone = {zone_name:?}: expected an IANA time zone name such as \"Asia/Shanghai\" ({e})"
            ));
            TimeZone::UTC
        }
    };
    let mut engine = RulesConfig::hall_defaults(zone);
    let schedule = &mut engine.schedule;
    if let Some(policy) = raw.dst_policy {
        match policy.as_str() {
            "compatible" => schedule.disambiguation = Disambiguation::Compatible,
            "earlier" => schedule.disambiguation = Disambiguation::Earlier,
            "later" => schedule.disambiguation = Disambiguation::Later,
            "reject" => schedule.disambiguation = Disambiguation::Reject,
            other => problems.push(format!(
                "rules.dst-policy = {other:?}: expected \"compatible\", \"earlier\", \"later\" or \"reject\""
            )),
        }
    }
    for (key, text, slot) in [
        ("rules.morning", raw.morning, &mut schedule.morning),
        ("rules.afternoon", raw.afternoon, &mut schedule.afternoon),
        (
            "rules.summer-afternoon",
            raw.summer_afternoon,
            &mut schedule.summer_afternoon,
        ),
    ] {
        if let Some(text) = text {
            match parse_hours(&text) {
                Some(hours) => *slot = hours,
                None => problems.push(format!(
                    "{key} = {text:?}: expected start-end as \"HH:MM-HH:MM\", e.g. \"08:00-11:30\""
                )),
            }
        }
    }
    let minutes =
        |key: &str, value: Option<i64>, default: SignedDuration, problems: &mut _| match value {
            None => default,
            v => SignedDuration::from_mins(ranged(key, v, 0, 0..=24 * 60, " minutes", problems)),
        };
    schedule.late_grace = minutes(
        "rules.late-grace-mins",
        raw.late_grace_mins,
        schedule.late_grace,
        problems,
    );
    schedule.early_grace = minutes(
        "rules.early-grace-mins",
        raw.early_grace_mins,
        schedule.early_grace,
        problems,
    );
    schedule.window_before_start = minutes(
        "rules.window-before-start-mins",
        raw.window_before_start_mins,
        schedule.window_before_start,
        problems,
    );
    schedule.window_after_end = minutes(
        "rules.window-after-end-mins",
        raw.window_after_end_mins,
        schedule.window_after_end,
        problems,
    );
    if let Err(e) = schedule.validate() {
        problems.push(format!("rules (session hours): {e}"));
    }
    engine.meeting_late_grace = minutes(
        "rules.meeting-late-grace-mins",
        raw.meeting_late_grace_mins,
        engine.meeting_late_grace,
        problems,
    );
    if let Some(v) = raw.same_pass_secs {
        let secs = ranged(
            "rules.same-pass-secs",
            Some(v),
            engine.same_pass_within.as_secs(),
            0..=3600,
            " seconds",
            problems,
        );
        engine.same_pass_within = SignedDuration::from_secs(secs);
    }

    let summer_default = SummerRule::hall_defaults();
    let first = raw
        .summer_first
        .as_deref()
        .map(|t| ("rules.summer-first", t, parse_month_day(t)));
    let last = raw
        .summer_last
        .as_deref()
        .map(|t| ("rules.summer-last", t, parse_month_day(t)));
    let mut ok = true;
    for (key, text, parsed) in first.iter().chain(last.iter()) {
        if parsed.is_none() {
            ok = false;
            problems.push(format!(
                "{key} = {text:?}: expected a month and day as \"MM-DD\", e.g. \"05-01\""
            ));
        }
    }
    let summer = match (first, last) {
        (None, None) => summer_default,
        _ if !ok => summer_default,
        (f, l) => {
            let f = f.and_then(|x| x.2).unwrap_or((5, 1));
            let l = l.and_then(|x| x.2).unwrap_or((9, 30));
            match SummerRule::new(f, l) {
                Ok(rule) => rule,
                Err(e) => {
                    problems.push(format!("rules.summer-first, rules.summer-last: {e}"));
                    summer_default
                }
            }
        }
    };

    let l = raw.leave;
    let policy = &mut engine.leave;
    for (key, text, slot) in [
        ("rules.leave.sick", l.sick, &mut policy.sick),
        ("rules.leave.personal", l.personal, &mut policy.personal),
        ("rules.leave.annual", l.annual, &mut policy.annual),
        (
            "rules.leave.home-visit",
            l.home_visit,
            &mut policy.home_visit,
        ),
        (
            "rules.leave.marriage-maternity",
            l.marriage_maternity,
            &mut policy.marriage_maternity,
        ),
        (
            "rules.leave.bereavement",
            l.bereavement,
            &mut policy.bereavement,
        ),
        (
            "rules.leave.official-errand",
            l.official_errand,
            &mut policy.official_errand,
        ),
        (
            "rules.leave.official-duty",
            l.official_duty,
            &mut policy.official_duty,
        ),
    ] {
        match text.as_deref() {
            None => {}
            Some("public") => *slot = LeaveClass::Public,
            Some("private") => *slot = LeaveClass::Private,
            Some(other) => problems.push(format!(
                "{key} = {other:?}: expected \"public\" (公假) or \"private\" (私假)"
            )),
        }
    }
    policy.deputy_from_half_days = l
        .deputy_from_half_days
        .unwrap_or(policy.deputy_from_half_days);
    policy.director_from_half_days = l
        .director_from_half_days
        .unwrap_or(policy.director_from_half_days);
    if policy.deputy_from_half_days == 0
        || policy.deputy_from_half_days > policy.director_from_half_days
    {
        problems.push(format!(
            "rules.leave.deputy-from-half-days = {}, rules.leave.director-from-half-days = {}: expected 1 <= deputy <= director",
            policy.deputy_from_half_days, policy.director_from_half_days
        ));
    }

    let p = raw.points;
    let mut scoring = ScoringConfig::hall_defaults();
    for (key, value, slot) in [
        (
            "rules.points.late-or-early",
            p.late_or_early,
            &mut scoring.late_or_early,
        ),
        (
            "rules.points.absence-day",
            p.absence_day,
            &mut scoring.absence_day,
        ),
        (
            "rules.points.public-leave-day",
            p.public_leave_day,
            &mut scoring.public_leave_day,
        ),
        (
            "rules.points.private-leave-day",
            p.private_leave_day,
            &mut scoring.private_leave_day,
        ),
        (
            "rules.points.meeting-late",
            p.meeting_late,
            &mut scoring.meeting_late,
        ),
        (
            "rules.points.meeting-missed",
            p.meeting_missed,
            &mut scoring.meeting_missed,
        ),
        (
            "rules.points.duty-missed",
            p.duty_missed,
            &mut scoring.duty_missed,
        ),
        (
            "rules.points.attendance-full",
            p.attendance_full,
            &mut scoring.attendance_full,
        ),
        (
            "rules.points.other-parts-assumed",
            p.other_parts_assumed,
            &mut scoring.other_parts_assumed,
        ),
        (
            "rules.points.full-marks",
            p.full_marks,
            &mut scoring.full_marks,
        ),
        (
            "rules.points.yearly-awards-bar",
            p.yearly_awards_bar,
            &mut scoring.yearly_awards_bar,
        ),
    ] {
        if let Some(v) = value {
            match points(v) {
                Some(points) => *slot = points,
                None => problems.push(format!(
                    "{key} = {v}: expected a number of points from 0 to 1000 in steps of 0.1"
                )),
            }
        }
    }
    if let Some(v) = p.attendance_floor {
        match points(v) {
            Some(points) => scoring.attendance_floor = Some(points),
            None => problems.push(format!(
                "rules.points.attendance-floor = {v}: expected a number of points from 0 to 1000 in steps of 0.1"
            )),
        }
    }
    if p.attendance_floor_enabled == Some(false) {
        scoring.attendance_floor = None;
    }
    if scoring.full_marks <= Points::ZERO {
        problems.push("rules.points.full-marks: expected more than 0".to_string());
    }
    if let Some(v) = p.fund_yuan_per_month {
        let fen = (v * 100.0).round();
        if v.is_finite() && (0.0..=1_000_000.0).contains(&v) && (v * 100.0 - fen).abs() < 1e-6 {
            scoring.fund_fen_per_month = fen as i64;
        } else {
            problems.push(format!(
                "rules.points.fund-yuan-per-month = {v}: expected yuan from 0 to 1000000 in steps of 0.01"
            ));
        }
    }
    RulesSettings {
        zone_name,
        engine,
        scoring,
        summer,
    }
}

fn parse_hours(text: &str) -> Option<SessionHours> {
    let (start, end) = text.split_once('-')?;
    let clock = |t: &str| -> Option<jiff::civil::Time> {
        let (h, m) = t.trim().split_once(':')?;
        if h.len() != 2 || m.len() != 2 {
            return None;
        }
        jiff::civil::Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
    };
    Some(SessionHours {
        start: clock(start)?,
        end: clock(end)?,
    })
}

fn parse_month_day(text: &str) -> Option<(i8, i8)> {
    let (m, d) = text.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    Some((m.parse().ok()?, d.parse().ok()?))
}

fn points(value: f64) -> Option<Points> {
    let tenths = (value * 10.0).round();
    let exact = (value * 10.0 - tenths).abs() < 1e-6;
    (value.is_finite() && (0.0..=1000.0).contains(&value) && exact)
        .then(|| Points::from_tenths(tenths as i32))
}

/// The places searched for the models folder when none is configured, in order: `$HALLCLOCK_MODELS`,
/// `./models`, the repository's `models/` seen from `target/<profile>/`, `../share/hallclock/models`
/// beside the executable, and `/usr/share/hallclock/models`.
pub fn model_dirs(configured: Option<&Path>) -> Vec<PathBuf> {
    if let Some(p) = configured {
        return vec![p.to_path_buf()];
    }
    let mut out = Vec::new();
    if let Some(v) = std::env::var_os("HALLCLOCK_MODELS").filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(v));
    }
    out.push(PathBuf::from("models"));
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(exe_dir.join("../../models"));
        out.push(exe_dir.join("../share/hallclock/models"));
    }
    out.push(PathBuf::from("/usr/share/hallclock/models"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path)).map_err(|e| match e {
            ConfigError::Invalid { problems, .. } => ConfigError::Invalid {
                path: "t.toml".into(),
                problems,
            },
            other => other,
        })
    }

    #[test]
    fn defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.vision.detector_width, 320);
        assert_eq!(c.vision.embedder, "w600k_mbf.toml");
        assert!(!c.store.keep_face_images);
    }

    #[test]
    fn every_problem_is_reported_with_its_key() {
        let e = parse(
            "[vision]\nthreads = 0\ndetector-width = 300\nroi = [0.5, 0.0, 0.2, 1.0]\nvote-k = 6\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "config file t.toml has 4 problem(s):\n  vision.threads = 0: expected 1 to 16\n  vision.detector-width = 300: expected a multiple of 32 from 64 to 1920\n  vision.roi = [0.5, 0, 0.2, 1]: expected [left, top, right, bottom] as fractions 0..1 with left < right and top < bottom\n  vision.vote-k = 6, vision.vote-n = 5: expected 1 <= k <= n <= 30"
        );
    }

    #[test]
    fn rules_defaults_are_the_spec() {
        let c = parse("").unwrap();
        let r = &c.rules;
        assert_eq!(r.zone_name, "Asia/Shanghai");
        assert_eq!(r.engine.same_pass_within, SignedDuration::from_secs(60));
        assert_eq!(
            r.engine.schedule.window_before_start,
            SignedDuration::from_mins(90)
        );
        assert_eq!(
            r.engine.schedule.window_after_end,
            SignedDuration::from_mins(180)
        );
        assert_eq!(r.summer, SummerRule::hall_defaults());
        assert_eq!(r.scoring, ScoringConfig::hall_defaults());
        assert_eq!(
            r.engine.leave,
            crate::core::leave::LeavePolicy::hall_defaults()
        );
    }

    #[test]
    fn rules_settings_are_read() {
        let c = parse(
            "[rules]\nzone = \"Europe/Berlin\"\nmorning = \"08:30-12:00\"\nsame-pass-secs = 30\n\
             summer-first = \"06-01\"\nsummer-last = \"08-31\"\n[rules.leave]\nbereavement = \"private\"\n\
             [rules.points]\nprivate-leave-day = 4.5\nfund-yuan-per-month = 200\nattendance-floor-enabled = false\n",
        )
        .unwrap();
        let r = &c.rules;
        assert_eq!(r.zone_name, "Europe/Berlin");
        assert_eq!(
            r.engine.schedule.morning.end,
            jiff::civil::time(12, 0, 0, 0)
        );
        assert_eq!(r.engine.same_pass_within, SignedDuration::from_secs(30));
        assert_eq!(r.summer, SummerRule::new((6, 1), (8, 31)).unwrap());
        assert_eq!(r.engine.leave.bereavement, LeaveClass::Private);
        assert_eq!(r.scoring.private_leave_day, Points::from_tenths(45));
        assert_eq!(r.scoring.fund_fen_per_month, 20_000);
        assert_eq!(r.scoring.attendance_floor, None);
    }

    #[test]
    fn every_rules_problem_is_reported_with_its_key() {
        let e = parse(
            "[rules]\nzone = \"Mars/Olympus\"\ndst-policy = \"maybe\"\nafternoon = \"2pm-5pm\"\n\
             late-grace-mins = -5\nsummer-first = \"5/1\"\n[rules.leave]\nsick = \"paid\"\n\
             [rules.points]\nabsence-day = 10.05\n",
        )
        .unwrap_err()
        .to_string();
        let problems: Vec<&str> = e.lines().skip(1).map(str::trim).collect();
        assert_eq!(problems.len(), 7, "{e}");
        for key in [
            "rules.zone = \"Mars/Olympus\": expected an IANA time zone name",
            "rules.dst-policy = \"maybe\": expected \"compatible\", \"earlier\", \"later\" or \"reject\"",
            "rules.afternoon = \"2pm-5pm\": expected start-end as \"HH:MM-HH:MM\"",
            "rules.late-grace-mins = -5: expected 0 to 1440 minutes",
            "rules.summer-first = \"5/1\": expected a month and day as \"MM-DD\"",
            "rules.leave.sick = \"paid\": expected \"public\" (公假) or \"private\" (私假)",
            "rules.points.absence-day = 10.05: expected a number of points from 0 to 1000 in steps of 0.1",
        ] {
            assert!(problems.iter().any(|p| p.starts_with(key)), "missing {key:?} in {e}");
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = parse("[vision]\nthreshhold = 0.5\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `threshhold`"), "{e}");
    }

    #[test]
    fn issue12_several_bad_keys_are_all_named() {
        let e = parse(
            "[vision]\nthreshhold = 0.5\nthreads = \"two\"\ndetector-width = 300\n\
             [vision.gate]\nmin-scor = 0.5\n[rulez]\nzone = \"x\"\nmorning = 1\n\
             [rules]\nlate-grace-mins = 5000\nzome = \"Asia/Shanghai\"\n",
        )
        .unwrap_err()
        .to_string();
        for want in [
            "has 7 problem(s)",
            "vision.detector-width = 300: expected a multiple of 32",
            "vision.threshhold (line 2): unknown field `threshhold`",
            "vision.threads (line 3): invalid type: string \"two\", expected usize",
            "vision.gate.min-scor (line 6): unknown field `min-scor`",
            "rulez (line 7): unknown field `rulez`",
            "rules.zome (line 12): unknown field `zome`",
            "rules.late-grace-mins = 5000: expected 0 to 1440 minutes",
        ] {
            assert!(e.contains(want), "{want:?} in {e}");
        }
        let first = e.find("vision.threshhold").unwrap_or(usize::MAX);
        assert!(
            first < e.find("rules.zome").unwrap_or(0),
            "in file order: {e}"
        );
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    /// The shipped example sets every key to its default: it must parse, and change nothing.
    #[test]
    fn the_example_config_is_valid_and_all_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware-config/hallclock.toml");
        let c = Config::load(Some(&path)).unwrap();
        let d = Config::load(None).unwrap();
        assert_eq!(c.vision.detector_width, d.vision.detector_width);
        assert_eq!(c.vision.gate, d.vision.gate);
        assert_eq!(c.vision.vote, d.vision.vote);
        assert_eq!(format!("{:?}", c.rules), format!("{:?}", d.rules));
        assert_eq!(
            format!("{:?}", c.console),
            format!("{:?}", d.console),
            "[console] in the example differs from the defaults"
        );
        assert_eq!(
            c.liveness, d.liveness,
            "[liveness] in the example differs from the defaults"
        );
        assert_eq!(
            c.store.database,
            Path::new("/var/lib/hallclock/hallclock.db")
        );
    }

    #[test]
    fn the_example_holiday_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("firmware-config/holidays-2026.txt");
        let text = std::fs::read_to_string(path).unwrap();
        let f = crate::admin::import::parse_holiday_file(
            &text,
            crate::core::calendar::SummerRule::hall_defaults(),
        )
        .unwrap();
        assert_eq!(f.days.iter().filter(|d| d.1).count(), 33);
        assert_eq!(f.days.iter().filter(|d| !d.1).count(), 6);
        assert_eq!(f.summers.len(), 1);
    }
}

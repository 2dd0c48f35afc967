//! The configuration file, read in two steps: `RawConfig` mirrors the TOML (kebab-case, unknown
//! keys refused), `Config` is validated and typed. Validation reports every problem with its key.
//!
//! Every key is optional here; a missing file means the defaults, which suit a development
//! checkout (models in `./models`, the database in `./hallclock.db`).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::core::geometry::BoxF;
use crate::core::track::TrackPolicy;
use crate::vision::quality::QualityGate;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConfig {
    #[serde(default)]
    pub store: RawStore,
    #[serde(default)]
    pub vision: RawVision,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStore {
    pub database: Option<PathBuf>,
    pub keep_face_images: Option<bool>,
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
}

#[derive(Debug, Clone)]
pub struct StoreConfig {
    pub database: PathBuf,
    pub keep_face_images: bool,
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
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid TOML for hallclock: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path} has {} problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { path: PathBuf, problems: Vec<String> },
}

impl Config {
    /// Reads and validates `path`; `None` gives the defaults.
    ///
    /// # Errors
    /// [`ConfigError`] naming the file and every key at fault.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Config::from_raw(RawConfig::default(), Path::new("(defaults)"));
        };
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        let raw: RawConfig =
            toml::from_str(&text).map_err(|e| ConfigError::Parse { path: path.to_path_buf(), message: e.to_string() })?;
        Config::from_raw(raw, path)
    }

    /// Validates a parsed file.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] listing every problem.
    pub fn from_raw(raw: RawConfig, path: &Path) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let v = raw.vision;
        let threads = v.threads.unwrap_or(1);
        if !(1..=16).contains(&threads) {
            problems.push(format!("vision.threads = {threads}: expected 1 to 16"));
        }
        let detector_width = v.detector_width.unwrap_or(320);
        if !(64..=1920).contains(&detector_width) || detector_width % 32 != 0 {
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
                let ok = [x0, y0, x1, y1].iter().all(|c| (0.0..=1.0).contains(c)) && x0 < x1 && y0 < y1;
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
            problems.push(format!("vision.vote-k = {}, vision.vote-n = {}: expected 1 <= k <= n <= 30", vote.k, vote.n));
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
            problems.push(format!("vision.gate.min-score = {}: expected 0 to 1", gate.min_score));
        }
        if gate.min_brightness >= gate.max_brightness {
            problems.push(format!(
                "vision.gate.min-brightness = {} is not below vision.gate.max-brightness = {}",
                gate.min_brightness, gate.max_brightness
            ));
        }
        for (key, name) in [("vision.detector", &v.detector), ("vision.embedder", &v.embedder)] {
            if let Some(n) = name {
                if !n.ends_with(".toml") {
                    problems.push(format!("{key} = {n:?}: expected a model manifest file name ending in .toml"));
                }
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError::Invalid { path: path.to_path_buf(), problems });
        }
        Ok(Config {
            store: StoreConfig {
                database: raw.store.database.unwrap_or_else(|| PathBuf::from("hallclock.db")),
                keep_face_images: raw.store.keep_face_images.unwrap_or(false),
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
        })
    }
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
    if let Some(exe_dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
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
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Parse { path: "t.toml".into(), message: e.to_string() })?;
        Config::from_raw(raw, Path::new("t.toml"))
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
        let e = parse("[vision]\nthreads = 0\ndetector-width = 300\nroi = [0.5, 0.0, 0.2, 1.0]\nvote-k = 6\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "config file t.toml has 4 problem(s):\n  vision.threads = 0: expected 1 to 16\n  vision.detector-width = 300: expected a multiple of 32 from 64 to 1920\n  vision.roi = [0.5, 0, 0.2, 1]: expected [left, top, right, bottom] as fractions 0..1 with left < right and top < bottom\n  vision.vote-k = 6, vision.vote-n = 5: expected 1 <= k <= n <= 30"
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = parse("[vision]\nthreshhold = 0.5\n").unwrap_err().to_string();
        assert!(e.contains("unknown field `threshhold`"), "{e}");
    }
}

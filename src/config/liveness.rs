//! The `[liveness]` section: what the door does about photos and phones held up to the camera.
//! Mirrored by [`RawLiveness`] (kebab-case, unknown keys refused) and validated into
//! [`LivenessConfig`], plain data; every problem is added, with its key, to the caller's list.
//! Defaults come from `core::liveness::LivenessPolicy::defaults` and are written out in
//! `firmware-config/hallclock.toml`. This file only reads settings.

use jiff::SignedDuration;
use serde::Deserialize;

use crate::core::liveness::{LivenessMode, LivenessPolicy};

/// `[liveness]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawLiveness {
    /// "off", "flag" (default: punches stored with their verdict) or "refuse".
    pub mode: Option<String>,
    /// Below this mean live share of the two models, a face is suspect (0..1, default 0.5).
    pub model_threshold: Option<f32>,
    /// Frames averaged to smooth the nose's path in the face plane (default 5).
    pub smooth_frames: Option<usize>,
    /// How far, in eye distances, the nose's path in the face plane must wander for a head;
    /// less is a flat picture (default 0.03).
    pub flat_parallax: Option<f32>,
    /// Frames with a face before flatness is judged (default 12).
    pub flat_frames: Option<usize>,
    /// How far, in eye distances, a face must travel before flatness makes it suspect
    /// (default 0.3).
    pub min_motion: Option<f32>,
    /// Frame-to-frame motion, in eye distances, below which a face is still (default 0.004).
    pub still_motion: Option<f32>,
    /// Still frames in a row that make a track suspect (default 12).
    pub still_frames: Option<usize>,
    /// Frames with a straight-edged rectangle around the face that make it suspect (default 3).
    pub bezel_frames: Option<usize>,
    /// Keep one evidence frame of a suspect track on the device (default false).
    pub keep_evidence: Option<bool>,
    /// Days an evidence frame is kept (default 30; needs keep-evidence = true).
    pub evidence_retention_days: Option<u32>,
}

/// Whether evidence frames of suspect tracks are kept on the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceFrames {
    /// Nothing is written (the default).
    Discard,
    /// One frame per suspect track, deleted after `retention`.
    Keep { retention: SignedDuration },
}

/// The validated `[liveness]` section.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LivenessConfig {
    pub mode: LivenessMode,
    pub policy: LivenessPolicy,
    pub evidence: EvidenceFrames,
}

impl Default for LivenessConfig {
    fn default() -> Self {
        liveness_from_raw(RawLiveness::default(), &mut Vec::new())
    }
}

/// Validates `[liveness]`, adding each problem (with its key) to `problems` and using the
/// default in its place.
pub fn liveness_from_raw(raw: RawLiveness, problems: &mut Vec<String>) -> LivenessConfig {
    let d = LivenessPolicy::defaults();
    let mode = match raw.mode.as_deref() {
        None | Some("flag") => LivenessMode::Flag,
        Some("off") => LivenessMode::Off,
        Some("refuse") => LivenessMode::Refuse,
        Some(other) => {
            problems.push(format!(
                "liveness.mode = {other:?}: expected \"off\", \"flag\" or \"refuse\""
            ));
            LivenessMode::Flag
        }
    };
    let mut share = |key: &str, v: Option<f32>, default: f32, max: f32| match v {
        None => default,
        Some(x) if x.is_finite() && (0.0..=max).contains(&x) => x,
        Some(x) => {
            problems.push(format!("liveness.{key} = {x}: expected 0 to {max}"));
            default
        }
    };
    let model_threshold = share(
        "model-threshold",
        raw.model_threshold,
        d.model_threshold,
        1.0,
    );
    let min_motion = share("min-motion", raw.min_motion, d.min_motion, 10.0);
    let flat_parallax = share("flat-parallax", raw.flat_parallax, d.flat_parallax, 1.0);
    let still_motion = share("still-motion", raw.still_motion, d.still_motion, 1.0);
    let mut count = |key: &str, v: Option<usize>, default: usize, max: usize| match v {
        None => default,
        Some(n) if (1..=max).contains(&n) => n,
        Some(n) => {
            problems.push(format!("liveness.{key} = {n}: expected 1 to {max}"));
            default
        }
    };
    let smooth_frames = count("smooth-frames", raw.smooth_frames, d.smooth_frames, 30);
    let flat_frames = count("flat-frames", raw.flat_frames, d.flat_frames, 300);
    let still_frames = count("still-frames", raw.still_frames, d.still_frames, 300);
    let bezel_frames = count("bezel-frames", raw.bezel_frames, d.bezel_frames, 300);
    let days = match raw.evidence_retention_days {
        None => 30,
        Some(n) if (1..=366).contains(&n) => n,
        Some(n) => {
            problems.push(format!(
                "liveness.evidence-retention-days = {n}: expected 1 to 366"
            ));
            30
        }
    };
    let evidence = match (
        raw.keep_evidence.unwrap_or(false),
        raw.evidence_retention_days,
    ) {
        (true, _) => EvidenceFrames::Keep {
            retention: SignedDuration::from_hours(24 * i64::from(days)),
        },
        (false, Some(_)) => {
            problems.push(
                "liveness.evidence-retention-days is set but keep-evidence is not true: \
                 no evidence frame is kept"
                    .to_string(),
            );
            EvidenceFrames::Discard
        }
        (false, None) => EvidenceFrames::Discard,
    };
    LivenessConfig {
        mode,
        policy: LivenessPolicy {
            model_threshold,
            smooth_frames,
            flat_parallax,
            flat_frames,
            min_motion,
            still_motion,
            still_frames,
            bezel_frames,
            max_frames: d.max_frames.max(flat_frames).max(still_frames),
        },
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (LivenessConfig, Vec<String>) {
        let raw: RawLiveness = toml::from_str(text).unwrap();
        let mut problems = Vec::new();
        (liveness_from_raw(raw, &mut problems), problems)
    }

    #[test]
    fn defaults_flag_and_keep_nothing() {
        let (c, p) = parse("");
        assert!(p.is_empty());
        assert_eq!(c.mode, LivenessMode::Flag);
        assert_eq!(c.policy, LivenessPolicy::defaults());
        assert_eq!(c.evidence, EvidenceFrames::Discard);
        assert_eq!(c, LivenessConfig::default());
    }

    #[test]
    fn values_are_read() {
        let (c, p) = parse(
            "mode = \"refuse\"\nmodel-threshold = 0.8\nflat-frames = 4\nkeep-evidence = true\nevidence-retention-days = 7\n",
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.mode, LivenessMode::Refuse);
        assert_eq!(c.policy.model_threshold, 0.8);
        assert_eq!(c.policy.flat_frames, 4);
        assert_eq!(
            c.evidence,
            EvidenceFrames::Keep {
                retention: SignedDuration::from_hours(7 * 24)
            }
        );
    }

    #[test]
    fn every_problem_is_named_by_its_key() {
        let (_, p) = parse(
            "mode = \"block\"\nmodel-threshold = 1.5\nstill-frames = 0\nevidence-retention-days = 400\n",
        );
        assert_eq!(
            p,
            [
                "liveness.mode = \"block\": expected \"off\", \"flag\" or \"refuse\"",
                "liveness.model-threshold = 1.5: expected 0 to 1",
                "liveness.still-frames = 0: expected 1 to 300",
                "liveness.evidence-retention-days = 400: expected 1 to 366",
                "liveness.evidence-retention-days is set but keep-evidence is not true: no evidence frame is kept",
            ]
        );
        let e: Result<RawLiveness, _> = toml::from_str("treshold = 1");
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("unknown field `treshold`"));
    }
}

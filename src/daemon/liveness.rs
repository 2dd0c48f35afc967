//! The liveness check in the recognise stage (issue 11): per track, while it votes, the
//! MiniFASNet pair scores a few of its faces, the bezel check looks around a few, and every face's
//! landmarks and box feed the motion check; when the vote concludes, `core::liveness`'s judge
//! gives the reading. Only a few frames of a track are scored (the models cost about as much as
//! detecting and embedding a frame), so the CPU per person passing grows by a fraction. No image is
//! kept.

use std::collections::BTreeMap;

use anyhow::Context;
use tracing::warn;

use super::recognise::{FaceCheck, NoFaceCheck};
use crate::app::setup::Vision;
use crate::config::Config;
use crate::core::image::BgrImage;
use crate::core::liveness::LivenessMode;
use crate::core::liveness::{LivenessJudge, LivenessPolicy, LivenessVerdict, Observation};
use crate::store::LivenessMark;
use crate::vision::detector::Face;
use crate::vision::liveness::{BezelCheck, LivenessModel};
use crate::vision::runtime::OrtRuntime;

/// The recognise stage's check for `config`: none with `[liveness] mode = "off"`, else the
/// liveness models from the models folder.
///
/// # Errors
/// When a liveness model is missing or does not load (saying which, and that `mode = "off"`
/// does without).
pub fn face_check(config: &Config, vision: &Vision) -> anyhow::Result<Box<dyn FaceCheck>> {
    if config.liveness.mode == LivenessMode::Off {
        return Ok(Box::new(NoFaceCheck));
    }
    let runtime = OrtRuntime::start(config.vision.onnxruntime.as_deref())
        .context("starting ONNX Runtime for the liveness models")?;
    let model = LivenessModel::load_from_dir(&runtime, &vision.models_dir, 1)
        .context("loading the liveness models")?;
    tracing::info!(models = ?model.names(), mode = config.liveness.mode.name(), "Liveness models loaded.");
    Ok(Box::new(LivenessCheck::new(model, config.liveness.policy)))
}

/// Faces of a track the two models score, at most.
pub const MODEL_FRAMES: usize = 2;
/// Faces of a track the bezel check looks around, at most.
pub const BEZEL_FRAMES: usize = 3;
/// Tracks followed at once; an older one that never concluded is forgotten first.
const MAX_TRACKS: usize = 64;

struct TrackLiveness {
    judge: LivenessJudge,
    scored: usize,
    looked: usize,
}

/// [`FaceCheck`] with the liveness models, the bezel check and the judge.
pub struct LivenessCheck {
    model: LivenessModel,
    bezel: BezelCheck,
    policy: LivenessPolicy,
    tracks: BTreeMap<u64, TrackLiveness>,
}

impl LivenessCheck {
    pub fn new(model: LivenessModel, policy: LivenessPolicy) -> LivenessCheck {
        LivenessCheck {
            model,
            bezel: BezelCheck::defaults(),
            policy,
            tracks: BTreeMap::new(),
        }
    }
}

impl FaceCheck for LivenessCheck {
    fn face(&mut self, track: u64, frame: &BgrImage, face: &Face) {
        if !self.tracks.contains_key(&track) && self.tracks.len() >= MAX_TRACKS {
            // Track ids count up: the smallest is the oldest.
            let oldest = self.tracks.keys().next().copied();
            if let Some(oldest) = oldest {
                self.tracks.remove(&oldest);
            }
        }
        let policy = self.policy;
        let t = self.tracks.entry(track).or_insert_with(|| TrackLiveness {
            judge: LivenessJudge::new(policy),
            scored: 0,
            looked: 0,
        });
        let model_score = if t.scored < MODEL_FRAMES {
            t.scored += 1;
            match self.model.score(frame, &face.bbox) {
                Ok(s) => Some(s.mean),
                Err(error) => {
                    warn!(%error, track, "The liveness models could not score a face.");
                    None
                }
            }
        } else {
            None
        };
        let bezel = t.looked < BEZEL_FRAMES && {
            t.looked += 1;
            self.bezel.sees_bezel(frame, &face.bbox)
        };
        t.judge.observe(Observation {
            landmarks: face.landmarks,
            bbox: face.bbox,
            model_score,
            bezel,
        });
    }

    fn live_score(&mut self, frame: &BgrImage, face: &Face) -> Option<f32> {
        match self.model.score(frame, &face.bbox) {
            Ok(s) => Some(s.mean),
            Err(error) => {
                warn!(%error, "The liveness models could not score a captured face.");
                None
            }
        }
    }

    fn verdict(&mut self, track: u64) -> Option<LivenessMark> {
        let t = self.tracks.remove(&track)?;
        let scores = t.judge.scores();
        Some(match t.judge.verdict() {
            LivenessVerdict::Live => LivenessMark {
                suspect: false,
                score: scores.combined,
                reasons: String::new(),
            },
            LivenessVerdict::Suspect(reasons) => LivenessMark {
                suspect: true,
                score: scores.combined,
                reasons: reasons
                    .iter()
                    .map(|r| r.code())
                    .collect::<Vec<_>>()
                    .join(","),
            },
        })
    }
}

//! The recognise stage, on a thread of its own (inference never runs on the async runtime): owns
//! the `Recognizer`, the gallery and the `DoorTracker`. For each frame: the idle gate (skip the
//! detector while the scene is still and nobody is followed, but for every k-th frame), then
//! detect → gate → embed → match → vote; a concluded vote becomes a `SightingEvent` for the decide
//! stage. A bad frame is logged and counted, never fatal. On SIGHUP the gallery is rebuilt from
//! the store between two frames.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, info_span, warn};

use crate::app::setup::Vision;
use crate::core::matcher::{Gallery, SearchScratch};
use crate::core::rules::Face;
use crate::core::track::{Conclusion, DoorTracker};
use crate::hw::frames::Frame;
use crate::store::Store;
use crate::vision::pipeline::DoorOutcome;
use crate::vision::quality::QualityGate;

use super::motion::MotionGate;
use crate::app::preview::{DoorPreview, FrameVerdict, PassedFace, PreviewPublisher};
use crate::app::telemetry::{Stage, Telemetry};

/// A tracked face the vote concluded on.
#[derive(Debug, Clone)]
pub struct SightingEvent {
    /// Counts up from 1 for this run: follows one face from frame to punch in the logs.
    pub sighting_id: u64,
    pub face: Face,
    pub score: Option<f32>,
    /// The grab time of the frame the vote concluded on: the punch's time.
    pub at: Timestamp,
    /// The grab time of the track's first frame.
    pub first_seen: Timestamp,
}

/// The idle gate's settings.
#[derive(Debug, Clone, Copy)]
pub struct IdleGate {
    pub enabled: bool,
    pub threshold: f32,
    pub detect_every: u32,
}

/// What the stage owns.
pub struct Recognise {
    /// The models, shared with the console's enrolments (`hallclock run` holds one copy).
    pub vision: Arc<Mutex<Vision>>,
    pub gallery: Gallery,
    pub idle: IdleGate,
    pub db_path: PathBuf,
    /// The console's live preview slot, when the console runs beside the stages.
    pub preview: Option<Arc<DoorPreview>>,
    /// Keep the aligned crops of passing faces in the preview slot (`store.keep-face-images`).
    pub keep_face_crops: bool,
}

/// Runs until the frame queue closes (source finished) or `cancel` fires (a fatal error
/// elsewhere).
///
/// # Errors
/// When the decide stage is gone, or a reload fails to open the store.
pub fn run(
    mut stage: Recognise,
    frames: Receiver<Frame>,
    sightings: Sender<SightingEvent>,
    reload: Arc<AtomicBool>,
    cancel: CancellationToken,
    telemetry: Arc<Telemetry>,
) -> anyhow::Result<()> {
    let _span = info_span!("stage", stage = %Stage::Recognise).entered();
    let (vote, policy) = {
        let v = stage
            .vision
            .lock()
            .map_err(|_| anyhow::anyhow!("the models lock is poisoned"))?;
        (v.vote, v.policy)
    };
    let mut tracker = DoorTracker::new(vote);
    let mut scratch = SearchScratch::default();
    let mut gate = MotionGate::new(stage.idle.threshold);
    let mut since_detect = 0u32;
    let mut track_start: Option<(u64, Timestamp)> = None;
    let mut next_sighting = 1u64;
    let mut preview = stage.preview.clone().map(PreviewPublisher::new);
    let enrol_gate = QualityGate::enrolment_defaults();
    loop {
        if cancel.is_cancelled() {
            return Ok(());
        }
        if reload.swap(false, Ordering::Relaxed) {
            let store = Store::open(&stage.db_path).with_context(|| {
                format!("reopening {} to reload enrolments", stage.db_path.display())
            })?;
            let gallery = stage
                .vision
                .lock()
                .map_err(|_| anyhow::anyhow!("the models lock is poisoned"))?
                .gallery(&store);
            match gallery {
                Ok(g) => {
                    info!(people = g.people(), faces = g.len(), "Enrolments reloaded.");
                    stage.gallery = g;
                    telemetry.enrolments_reloaded();
                }
                Err(error) => warn!(
                    error = error.chain(),
                    "Cannot reload enrolments; keeping the old ones."
                ),
            }
        }
        let frame = match frames.recv_timeout(Duration::from_millis(500)) {
            Ok(f) => f,
            Err(RecvTimeoutError::Timeout) => {
                telemetry.beat(Stage::Recognise);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        telemetry.queue_depth_changed(-1);
        telemetry.beat(Stage::Recognise);
        let at = frame.captured_at;
        if stage.idle.enabled && tracker.current_track().is_none() {
            let moved = gate.moved(&frame.image);
            since_detect += 1;
            if !moved && since_detect < stage.idle.detect_every {
                telemetry.frame_idle_skipped();
                tracker.observe_nothing(at);
                continue;
            }
        }
        since_detect = 0;
        // The console may be enrolling with the models: skip the frame rather than wait.
        let mut models = match stage.vision.try_lock() {
            Ok(m) => m,
            Err(TryLockError::WouldBlock) => {
                telemetry.frame_skipped_models_busy();
                tracker.observe_nothing(at);
                continue;
            }
            Err(TryLockError::Poisoned(_)) => anyhow::bail!("the models lock is poisoned"),
        };
        let outcome = match models.recognizer.door_frame(&frame.image) {
            Ok((outcome, _times)) => outcome,
            Err(error) => {
                telemetry.frame_failed();
                warn!(%error, seq = frame.seq, "Cannot recognise a frame; skipping it.");
                continue;
            }
        };
        if let Some(p) = preview.as_mut() {
            match &outcome {
                DoorOutcome::NoFace { .. } => {
                    p.publish(&frame.image, None, FrameVerdict::NoFace, None);
                }
                DoorOutcome::Rejected { face, reasons, .. } => {
                    let v = reasons
                        .first()
                        .map_or(FrameVerdict::NoFace, |r| FrameVerdict::Refused(*r));
                    p.publish(&frame.image, Some(face.bbox), v, None);
                }
                DoorOutcome::Embedded {
                    face,
                    report,
                    embedding,
                } => match enrol_gate.check(report).first() {
                    Some(r) => p.publish(
                        &frame.image,
                        Some(face.bbox),
                        FrameVerdict::Refused(*r),
                        None,
                    ),
                    None => {
                        let crop = if stage.keep_face_crops {
                            models.recognizer.embedder.align(&frame.image, face)
                        } else {
                            None
                        };
                        let passed = PassedFace {
                            vector: embedding.0.clone(),
                            sharpness: report.sharpness,
                            crop,
                        };
                        p.publish(
                            &frame.image,
                            Some(face.bbox),
                            FrameVerdict::Pass,
                            Some(passed),
                        );
                    }
                },
            }
        }
        drop(models);
        let verdict = match outcome {
            DoorOutcome::NoFace { .. } => {
                tracker.observe_nothing(at);
                None
            }
            DoorOutcome::Rejected { reasons, .. } => {
                telemetry.face_seen();
                if let Some(r) = reasons.first() {
                    debug!(reason = r.code(), "Face refused by the quality gate.");
                }
                tracker.observe_nothing(at);
                None
            }
            DoorOutcome::Embedded {
                face, embedding, ..
            } => {
                telemetry.face_seen();
                let decision = policy.decide(&stage.gallery.search(&embedding.0, &mut scratch));
                tracker.observe(at, face.bbox, &decision)
            }
        };
        match tracker.current_track() {
            Some(id) if track_start.is_none_or(|(t, _)| t != id) => track_start = Some((id, at)),
            Some(_) => {}
            None => track_start = None,
        }
        let Some(verdict) = verdict else { continue };
        let first_seen = track_start.map(|(_, t)| t).unwrap_or(at);
        let (face, score) = match verdict {
            Conclusion::Recognised { staff, score, .. } => (Face::Known(staff), Some(score.0)),
            Conclusion::Unrecognised { .. } => (Face::Unknown, None),
        };
        let event = SightingEvent {
            sighting_id: next_sighting,
            face,
            score,
            at,
            first_seen,
        };
        next_sighting += 1;
        telemetry.sighting_concluded();
        debug!(sighting_id = event.sighting_id, "Sighting concluded.");
        if sightings.blocking_send(event).is_err() {
            anyhow::bail!("the decide stage stopped taking sightings");
        }
    }
}

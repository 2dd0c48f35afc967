//! The recognise stage, on a thread of its own (inference never runs on the async runtime): owns
//! the `Recognizer`, the gallery and the `CrowdTracker`. For each frame: the idle gate (skip the
//! detector while the scene is still and nobody is followed, but for every k-th frame), then
//! detect every face inside the region of interest → associate the boxes with the tracks →
//! gate, embed and match only the faces whose track asks for it (voting, or its once-a-second
//! re-check) → vote. A concluded vote becomes a `SightingEvent` for the decide stage; a concluded
//! track is followed by its boxes alone, and while every face in view has concluded the detector
//! runs on one frame in [`SETTLED_DETECT_EVERY`]. A bad frame is logged and counted, never fatal. On
//! SIGHUP the gallery is rebuilt from the store between two frames. The work done (frames
//! detected, faces embedded, the thread's CPU time) is counted in [`RecogniseWork`].
//!
//! Liveness (issue 11) plugs in through [`FaceCheck`]: it sees each embedded face's aligned crop
//! and quality report per track while the track votes, and may veto the track's conclusion.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, TryLockError};
use std::time::Duration;

use anyhow::Context;
use jiff::Timestamp;
use tokio::sync::mpsc::Sender;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, info_span, warn};

use crate::app::setup::Vision;
use crate::core::image::BgrImage;
use crate::core::matcher::{Gallery, SearchScratch};
use crate::core::rules::Face;
use crate::core::track::Conclusion;
use crate::core::tracks::{CrowdPolicy, CrowdTracker, VoteOutcome};
use crate::hw::frames::Frame;
use crate::store::LivenessMark;
use crate::store::Store;
use crate::vision::detector::Face as DetectedFace;
use crate::vision::pipeline::Examined;
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
    /// The grab time of the first frame of the track's concluding vote.
    pub first_seen: Timestamp,
    /// The tracker's id of the face (unique in this run).
    pub track: u64,
    /// The liveness check's reading of the track's faces, when it ran.
    pub liveness: Option<LivenessMark>,
    /// A JPEG of the face region on the concluding frame, only for a suspect reading with
    /// `[liveness] keep-evidence = true`; kept on the device by the record stage.
    pub evidence: Option<Vec<u8>>,
}

/// Which faces are embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbedPolicy {
    /// Only what decides: a voting track's faces and a concluded track's re-check.
    Tracked,
    /// Every face on every frame (the naive pipeline, for `eval-door`'s comparison).
    EveryFrame,
}

/// The work the stage did, counted as it goes (read by `eval-door` and the logs).
#[derive(Debug, Default)]
pub struct RecogniseWork {
    pub frames: AtomicU64,
    pub frames_detected: AtomicU64,
    pub faces_detected: AtomicU64,
    pub faces_embedded: AtomicU64,
    /// CPU time of the stage's thread (nanoseconds); ONNX Runtime runs on it with one thread.
    pub cpu_nanos: AtomicU64,
}

impl RecogniseWork {
    /// The stage thread's CPU time so far.
    pub fn cpu(&self) -> Duration {
        Duration::from_nanos(self.cpu_nanos.load(Ordering::Relaxed))
    }
}

/// A check that reads a track's faces while it votes and says, when its vote concludes, whether
/// they looked alive (liveness, issue 11: [`super::liveness::LivenessCheck`]). It decides
/// nothing: the decide stage applies `[liveness] mode` to its reading.
pub trait FaceCheck: Send {
    /// One face of `track` that passed the quality gate while the track votes, in its frame.
    fn face(&mut self, track: u64, frame: &BgrImage, face: &DetectedFace);
    /// Its reading of `track`, once, when the track's vote concludes (`None`: it did not run).
    fn verdict(&mut self, track: u64) -> Option<LivenessMark>;
    /// The liveness models' live share of one face, for a capture at the console (kept as a bona
    /// fide sample of this camera); `None` when the check has no models.
    fn live_score(&mut self, _frame: &BgrImage, _face: &DetectedFace) -> Option<f32> {
        None
    }
}

/// No check (`[liveness] mode = "off"`): no reading.
#[derive(Debug, Default)]
pub struct NoFaceCheck;

impl FaceCheck for NoFaceCheck {
    fn face(&mut self, _track: u64, _frame: &BgrImage, _face: &DetectedFace) {}
    fn verdict(&mut self, _track: u64) -> Option<LivenessMark> {
        None
    }
}

/// While every followed face has concluded, the detector runs on one frame in this many.
pub const SETTLED_DETECT_EVERY: u32 = 3;

/// A frame whose grey thumbnail differs from the previous one by more than this (mean absolute
/// difference, 0..255) is a scene cut, never skipped.
const SCENE_CUT_LEVELS: f32 = 30.0;

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
    /// Keep a JPEG of a suspect face's region (`[liveness] keep-evidence`).
    pub keep_evidence: bool,
    pub embed: EmbedPolicy,
    pub work: Arc<RecogniseWork>,
    pub face_check: Box<dyn FaceCheck>,
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
    let mut tracker = CrowdTracker::new(CrowdPolicy::with_vote(vote));
    let mut scratch = SearchScratch::default();
    let mut gate = MotionGate::new(stage.idle.threshold);
    let mut cut_gate = MotionGate::new(SCENE_CUT_LEVELS);
    let mut since_detect = 0u32;
    let mut next_sighting = 1u64;
    let mut preview = stage.preview.clone().map(PreviewPublisher::new);
    let enrol_gate = QualityGate::enrolment_defaults();
    let mut boxes = Vec::new();
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
        let cpu_before = thread_cpu();
        stage.work.frames.fetch_add(1, Ordering::Relaxed);
        let at = frame.captured_at;
        if stage.idle.enabled && !tracker.is_following() {
            let moved = gate.moved(&frame.image);
            since_detect += 1;
            if !moved && since_detect < stage.idle.detect_every {
                telemetry.frame_idle_skipped();
                tracker.observe_nothing(at);
                count_cpu(&stage.work, cpu_before);
                continue;
            }
        }
        // Everyone in view concluded and no re-check due: detect on every few frames only (a
        // newcomer is found within SETTLED_DETECT_EVERY frames; nobody would be embedded anyway).
        // A scene cut (the camera moved, the light switched, a test's folder of unrelated
        // photos) is detected at once.
        let cut = tracker.is_following() && cut_gate.moved(&frame.image);
        if stage.embed == EmbedPolicy::Tracked && tracker.is_following() && tracker.settled(at) {
            since_detect += 1;
            if !cut && since_detect < SETTLED_DETECT_EVERY {
                telemetry.frame_idle_skipped();
                count_cpu(&stage.work, cpu_before);
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
        let faces = match models.recognizer.door_faces(&frame.image) {
            Ok((faces, _)) => faces,
            Err(error) => {
                telemetry.frame_failed();
                warn!(%error, seq = frame.seq, "Cannot detect faces in a frame; skipping it.");
                count_cpu(&stage.work, cpu_before);
                continue;
            }
        };
        stage.work.frames_detected.fetch_add(1, Ordering::Relaxed);
        stage
            .work
            .faces_detected
            .fetch_add(faces.len() as u64, Ordering::Relaxed);
        if faces.is_empty() {
            tracker.observe_nothing(at);
            if let Some(p) = preview.as_mut() {
                p.publish(&frame.image, None, FrameVerdict::NoFace, None);
            }
            count_cpu(&stage.work, cpu_before);
            continue;
        }
        boxes.clear();
        boxes.extend(faces.iter().map(|f| f.bbox));
        let assigned = tracker.associate(at, &boxes);
        tracing::trace!(seq = frame.seq, ?assigned, "Faces associated.");
        let largest = faces
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.bbox.area().total_cmp(&b.1.bbox.area()))
            .map(|(i, _)| i);
        let mut concluded = Vec::new();
        let mut preview_done = false;
        for (i, (face, a)) in faces.iter().zip(&assigned).enumerate() {
            telemetry.face_seen();
            // A capture at the console wants the largest face embedded on every frame.
            let capture =
                Some(i) == largest && preview.as_ref().is_some_and(|p| p.capture_wanted());
            let embed = a.embed || stage.embed == EmbedPolicy::EveryFrame || capture;
            if !embed {
                continue;
            }
            let examined = match models.recognizer.examine(&frame.image, face) {
                Ok(e) => e,
                Err(error) => {
                    telemetry.frame_failed();
                    warn!(%error, seq = frame.seq, track = a.track, "Cannot embed a face; skipping it.");
                    continue;
                }
            };
            if let (Some(p), true) = (preview.as_mut(), Some(i) == largest) {
                // A capture keeps the face's live score as a bona fide sample of this camera.
                let live_score = match (&examined, capture) {
                    (Examined::Embedded { .. }, true) => {
                        stage.face_check.live_score(&frame.image, face)
                    }
                    _ => None,
                };
                publish_examined(
                    p,
                    &frame.image,
                    face.bbox,
                    &examined,
                    &enrol_gate,
                    stage.keep_face_crops,
                    live_score,
                );
                preview_done = true;
            }
            match examined {
                Examined::NoAlignment => {}
                Examined::Rejected { reasons, .. } => {
                    if let Some(r) = reasons.first() {
                        debug!(
                            reason = r.code(),
                            track = a.track,
                            "Face refused by the quality gate."
                        );
                    }
                }
                Examined::Embedded { embedding, .. } => {
                    stage.work.faces_embedded.fetch_add(1, Ordering::Relaxed);
                    let decision = policy.decide(&stage.gallery.search(&embedding.0, &mut scratch));
                    let voting = tracker
                        .track(a.track)
                        .is_some_and(|t| t.concluded.is_none());
                    if voting {
                        stage.face_check.face(a.track, &frame.image, face);
                    }
                    if let crate::core::matcher::Decision::Known { staff, score, .. } = &decision {
                        tracing::trace!(track = a.track, %staff, score = score.0, "Face matched.");
                    } else {
                        tracing::trace!(track = a.track, "Face not matched.");
                    }
                    match tracker.vote(at, a.track, &decision) {
                        VoteOutcome::Concluded(c) => concluded.push(c),
                        VoteOutcome::Contradicted {
                            track,
                            concluded,
                            seen,
                        } => {
                            debug!(track, ?concluded, %seen, "A re-check named someone else; the track ends.");
                        }
                        VoteOutcome::Counted | VoteOutcome::NoTrack => {}
                    }
                }
            }
        }
        if let (Some(p), false, Some(i)) = (preview.as_mut(), preview_done, largest) {
            // Followed by its box alone: the face passed when its track voted.
            p.publish(&frame.image, Some(faces[i].bbox), FrameVerdict::Pass, None);
        }
        drop(models);
        count_cpu(&stage.work, cpu_before);
        for verdict in concluded {
            let (track, face, score) = match verdict {
                Conclusion::Recognised {
                    track,
                    staff,
                    score,
                    ..
                } => (track, Face::Known(staff), Some(score.0)),
                Conclusion::Unrecognised { track, .. } => (track, Face::Unknown, None),
            };
            let liveness = stage.face_check.verdict(track);
            let evidence = match &liveness {
                Some(l) if l.suspect && stage.keep_evidence => {
                    evidence_jpeg(&frame.image, tracker.track(track).map(|t| t.last_box))
                }
                _ => None,
            };
            let first_seen = tracker.track(track).map_or(at, |t| t.voting_since);
            let event = SightingEvent {
                sighting_id: next_sighting,
                face,
                score,
                at,
                first_seen,
                track,
                liveness,
                evidence,
            };
            next_sighting += 1;
            telemetry.sighting_concluded();
            debug!(
                sighting_id = event.sighting_id,
                track, "Sighting concluded."
            );
            if sightings.blocking_send(event).is_err() {
                anyhow::bail!("the decide stage stopped taking sightings");
            }
        }
    }
}

/// The JPEG of the face region in `image` around `bbox` (never the whole frame), for an evidence
/// frame; `None` (logged) when there is no box or it cannot be encoded.
fn evidence_jpeg(image: &BgrImage, bbox: Option<crate::core::geometry::BoxF>) -> Option<Vec<u8>> {
    let region = crate::vision::liveness::face_region(image, &bbox?)?;
    match crate::hw::photo::encode_jpeg(&region) {
        Ok(jpeg) => Some(jpeg),
        Err(error) => {
            warn!(%error, "Cannot encode an evidence frame.");
            None
        }
    }
}

/// The preview of the frame's largest face, when it was examined on this frame.
fn publish_examined(
    p: &mut PreviewPublisher,
    image: &BgrImage,
    bbox: crate::core::geometry::BoxF,
    examined: &Examined,
    enrol_gate: &QualityGate,
    keep_face_crops: bool,
    live_score: Option<f32>,
) {
    match examined {
        Examined::NoAlignment => p.publish(image, None, FrameVerdict::NoFace, None),
        Examined::Rejected { reasons, .. } => {
            let v = reasons
                .first()
                .map_or(FrameVerdict::NoFace, |r| FrameVerdict::Refused(*r));
            p.publish(image, Some(bbox), v, None);
        }
        Examined::Embedded {
            report,
            embedding,
            crop,
        } => match enrol_gate.check(report).first() {
            Some(r) => p.publish(image, Some(bbox), FrameVerdict::Refused(*r), None),
            None => {
                let passed = PassedFace {
                    vector: embedding.0.clone(),
                    sharpness: report.sharpness,
                    crop: keep_face_crops.then(|| crop.clone()),
                    live_score,
                };
                p.publish(image, Some(bbox), FrameVerdict::Pass, Some(passed));
            }
        },
    }
}

/// The calling thread's CPU time (zero where the clock is unavailable).
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    if !ok {
        return Duration::ZERO;
    }
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

fn count_cpu(work: &RecogniseWork, before: Duration) {
    let spent = thread_cpu().saturating_sub(before);
    work.cpu_nanos
        .fetch_add(spent.as_nanos() as u64, Ordering::Relaxed);
}

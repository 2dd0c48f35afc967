//! The recognition hot path for one frame: detect → pick the door face → gate → align → embed;
//! and the crowd path's two halves, `door_faces` (detect inside the region of interest) and
//! `examine` (align → gate → embed one face the tracker asks for).
//!
//! Owns the two models and their reusable buffers; times each stage. It does not match (that is
//! `core::matcher`, run by the caller against its gallery) and keeps no image.

use std::time::{Duration, Instant};

use crate::core::geometry::BoxF;
use crate::core::image::BgrImage;

use super::detector::{Detector, DetectorSize, Face};
use super::embedder::{Embedder, Embedding};
use super::pixels::{crop_stats, mean_luma};
use super::quality::{pose, QualityGate, QualityReport, Rejection};
use super::VisionError;

/// Settings of the recogniser.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecognizerConfig {
    pub detector_size: DetectorSize,
    /// Region of interest as fractions of the frame (0..1); only faces centred inside count.
    pub roi: Option<BoxF>,
    pub gate: QualityGate,
    /// Embed the mirror image too and average (slower, a little more accurate).
    pub flip: bool,
}

impl RecognizerConfig {
    pub fn door_defaults() -> Self {
        RecognizerConfig {
            detector_size: DetectorSize::Width(320),
            roi: None,
            gate: QualityGate::door_defaults(),
            flip: false,
        }
    }
}

/// Time spent in each stage of one frame.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    pub detect: Duration,
    pub gate: Duration,
    pub align: Duration,
    pub embed: Duration,
}

/// What became of the door face in one frame.
#[derive(Debug, Clone, PartialEq)]
pub enum DoorOutcome {
    /// No face (inside the region of interest).
    NoFace { faces_seen: usize },
    /// The largest face failed the gate.
    Rejected {
        face: Face,
        report: QualityReport,
        reasons: Vec<Rejection>,
    },
    /// The largest face passed and was embedded.
    Embedded {
        face: Face,
        report: QualityReport,
        embedding: Embedding,
    },
}

/// What became of one face [`Recognizer::examine`] looked at.
#[derive(Debug, Clone, PartialEq)]
pub enum Examined {
    /// The landmarks define no alignment (degenerate detection).
    NoAlignment,
    /// The face failed the gate.
    Rejected {
        report: QualityReport,
        reasons: Vec<Rejection>,
    },
    /// The face passed and was embedded; `crop` is its aligned crop (for a liveness check or
    /// the console's preview; never stored unless `store.keep-face-images`).
    Embedded {
        report: QualityReport,
        embedding: Embedding,
        crop: BgrImage,
    },
}

/// Detector and embedder with their settings.
#[derive(Debug)]
pub struct Recognizer {
    pub detector: Detector,
    pub embedder: Embedder,
    pub config: RecognizerConfig,
}

impl Recognizer {
    pub fn new(detector: Detector, embedder: Embedder, config: RecognizerConfig) -> Self {
        Recognizer {
            detector,
            embedder,
            config,
        }
    }

    /// Detects the faces of a door frame centred inside the region of interest, in the
    /// detector's order; also returns the detection time. The crowd path: the caller's tracker
    /// then picks which of them to [`examine`](Self::examine).
    ///
    /// # Errors
    /// [`VisionError`] when the detector fails or the frame has an impossible size.
    pub fn door_faces(&mut self, img: &BgrImage) -> Result<(Vec<Face>, Duration), VisionError> {
        let t0 = Instant::now();
        let mut faces = self.detector.detect(img, self.config.detector_size)?;
        if let Some(r) = self.config.roi {
            let roi = BoxF {
                x0: r.x0 * img.width() as f32,
                y0: r.y0 * img.height() as f32,
                x1: r.x1 * img.width() as f32,
                y1: r.y1 * img.height() as f32,
            };
            faces.retain(|f| f.bbox.center_in(&roi));
        }
        Ok((faces, t0.elapsed()))
    }

    /// Aligns, gates and (when it passes) embeds one face of `img`.
    ///
    /// # Errors
    /// [`VisionError`] when the embedder fails.
    pub fn examine(&mut self, img: &BgrImage, face: &Face) -> Result<Examined, VisionError> {
        let Some(crop) = self.embedder.align(img, face) else {
            return Ok(Examined::NoAlignment);
        };
        let report = measure(img, face, &crop);
        let reasons = self.config.gate.check(&report);
        if !reasons.is_empty() {
            return Ok(Examined::Rejected { report, reasons });
        }
        let mut e = self.embedder.embed(&[&crop], self.config.flip)?;
        let embedding = e.pop().ok_or_else(|| VisionError::Inference {
            model: self.embedder.manifest().name.clone(),
            message: "no embedding returned".into(),
        })?;
        Ok(Examined::Embedded {
            report,
            embedding,
            crop,
        })
    }

    /// Runs one door frame: only the largest face inside the region of interest is considered.
    ///
    /// # Errors
    /// [`VisionError`] when a model fails or the frame has an impossible size.
    pub fn door_frame(&mut self, img: &BgrImage) -> Result<(DoorOutcome, StageTimes), VisionError> {
        let mut times = StageTimes::default();
        let t0 = Instant::now();
        let faces = self.detector.detect(img, self.config.detector_size)?;
        times.detect = t0.elapsed();

        let t1 = Instant::now();
        let roi = self.config.roi.map(|r| BoxF {
            x0: r.x0 * img.width() as f32,
            y0: r.y0 * img.height() as f32,
            x1: r.x1 * img.width() as f32,
            y1: r.y1 * img.height() as f32,
        });
        let chosen = faces
            .iter()
            .filter(|f| roi.is_none_or(|r| f.bbox.center_in(&r)))
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
            .copied();
        let Some(face) = chosen else {
            times.gate = t1.elapsed();
            return Ok((
                DoorOutcome::NoFace {
                    faces_seen: faces.len(),
                },
                times,
            ));
        };
        let t2 = Instant::now();
        let crop = self.embedder.align(img, &face);
        times.align = t2.elapsed();
        let Some(crop) = crop else {
            times.gate = t1.elapsed() - times.align;
            return Ok((
                DoorOutcome::NoFace {
                    faces_seen: faces.len(),
                },
                times,
            ));
        };
        let report = measure(img, &face, &crop);
        let reasons = self.config.gate.check(&report);
        times.gate = t1.elapsed() - times.align;
        if !reasons.is_empty() {
            return Ok((
                DoorOutcome::Rejected {
                    face,
                    report,
                    reasons,
                },
                times,
            ));
        }
        let t3 = Instant::now();
        let mut e = self.embedder.embed(&[&crop], self.config.flip)?;
        times.embed = t3.elapsed();
        let embedding = e.pop().ok_or_else(|| VisionError::Inference {
            model: self.embedder.manifest().name.clone(),
            message: "no embedding returned".into(),
        })?;
        Ok((
            DoorOutcome::Embedded {
                face,
                report,
                embedding,
            },
            times,
        ))
    }

    /// All faces of a photo, best first, detected at `size`.
    ///
    /// # Errors
    /// [`VisionError`] as for [`Detector::detect`].
    pub fn faces(&mut self, img: &BgrImage, size: DetectorSize) -> Result<Vec<Face>, VisionError> {
        self.detector.detect(img, size)
    }

    /// Aligns, measures and embeds one face of `img`, without gating.
    ///
    /// # Errors
    /// [`VisionError`] when the embedder fails; an alignment that cannot be computed (all
    /// landmarks on one point) is reported as an inference error.
    pub fn describe(
        &mut self,
        img: &BgrImage,
        face: &Face,
    ) -> Result<(Embedding, QualityReport), VisionError> {
        let crop = self
            .embedder
            .align(img, face)
            .ok_or_else(|| VisionError::Inference {
                model: self.embedder.manifest().name.clone(),
                message: "the face's landmarks do not define an alignment".into(),
            })?;
        let report = measure(img, face, &crop);
        let mut e = self.embedder.embed(&[&crop], self.config.flip)?;
        let emb = e.pop().ok_or_else(|| VisionError::Inference {
            model: self.embedder.manifest().name.clone(),
            message: "no embedding returned".into(),
        })?;
        Ok((emb, report))
    }
}

/// Measures a face for the quality gate.
pub fn measure(img: &BgrImage, face: &Face, crop: &BgrImage) -> QualityReport {
    let (yaw, pitch, roll_deg) = pose(face);
    let (brightness, sharpness) = crop_stats(crop, 0.6);
    QualityReport {
        score: face.score,
        eye_px: face.eye_distance(),
        sharpness,
        yaw,
        pitch,
        roll_deg,
        brightness,
        scene_brightness: mean_luma(img, 8),
    }
}

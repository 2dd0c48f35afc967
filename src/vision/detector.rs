//! The YuNet face detector through ONNX Runtime: boxes, scores and five landmarks.
//!
//! Decoding follows the model's `PROVENANCE.md` (= OpenCV `FaceDetectorYN` 4.8+): per stride,
//! score = sqrt(cls · obj), centre and landmarks offset from the cell, box size exp(·)·stride,
//! then greedy NMS. Input buffers are reused from frame to frame.

use std::path::PathBuf;

use crate::core::geometry::{nms, BoxF, Point};
use crate::core::image::BgrImage;

use super::manifest::{ColourOrder, ModelManifest, ModelRole};
use super::pixels::Letterbox;
use super::runtime::{open_model, OrtRuntime};
use super::VisionError;

/// One detected face in frame coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    pub bbox: BoxF,
    pub score: f32,
    /// Eye (image-left), eye (image-right), nose tip, mouth corner (image-left), mouth corner
    /// (image-right).
    pub landmarks: [Point; 5],
}

impl Face {
    /// Distance between the eyes in pixels.
    pub fn eye_distance(&self) -> f32 {
        let (a, b) = (self.landmarks[0], self.landmarks[1]);
        ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
    }
}

/// At what size the detector looks at a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetectorSize {
    /// Scale the frame to this width (a multiple of 32), keeping its aspect ratio; the door
    /// default is 320.
    Width(usize),
    /// The image's own size rounded up to a multiple of 32, scaled down if its longer side is
    /// over `max_side`: for photos, where faces can be small.
    Native { max_side: usize },
}

/// The YuNet detector.
pub struct Detector {
    session: ort::session::Session,
    manifest: ModelManifest,
    strides: Vec<usize>,
    score_threshold: f32,
    nms_iou: f32,
    letterbox: Letterbox,
    input: Vec<f32>,
    boxes: Vec<BoxF>,
    scores: Vec<f32>,
    marks: Vec<[Point; 5]>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Detector")
            .field("model", &self.manifest.name)
            .finish()
    }
}

fn ceil32(v: usize) -> usize {
    v.div_ceil(32).max(1) * 32
}

impl Detector {
    /// Loads the detector described by `manifest`.
    ///
    /// # Errors
    /// [`VisionError`] when the manifest is not a detector's, the file's checksum or shapes are
    /// wrong, or ONNX Runtime cannot load it.
    pub fn load(
        rt: &OrtRuntime,
        manifest: &ModelManifest,
        threads: usize,
    ) -> Result<Self, VisionError> {
        let role = (ModelRole::Detector, &manifest.detector, "detector");
        let (spec, session) = open_model(rt, manifest, threads, role)?;
        for s in &spec.strides {
            for head in ["cls", "obj", "bbox", "kps"] {
                let name = format!("{head}_{s}");
                if !session.outputs().iter().any(|o| o.name() == name) {
                    return Err(VisionError::ModelShape {
                        path: manifest.model_path.clone(),
                        message: format!("it has no output {name:?}, which a YuNet model has"),
                    });
                }
            }
        }
        Ok(Detector {
            session,
            manifest: manifest.clone(),
            strides: spec.strides,
            score_threshold: spec.score_threshold,
            nms_iou: spec.nms_iou,
            letterbox: Letterbox::default(),
            input: Vec::new(),
            boxes: Vec::new(),
            scores: Vec::new(),
            marks: Vec::new(),
        })
    }

    /// The model file.
    pub fn model_path(&self) -> PathBuf {
        self.manifest.model_path.clone()
    }

    /// Changes the score a face needs to be reported.
    pub fn set_score_threshold(&mut self, t: f32) {
        self.score_threshold = t;
    }

    /// Finds faces in `img`, best first.
    ///
    /// # Errors
    /// [`VisionError::BadImageSize`] for an empty or absurdly large image,
    /// [`VisionError::Inference`] when ONNX Runtime fails.
    pub fn detect(&mut self, img: &BgrImage, size: DetectorSize) -> Result<Vec<Face>, VisionError> {
        let (w, h) = (img.width(), img.height());
        if w < 8 || h < 8 || w > 16_384 || h > 16_384 {
            return Err(VisionError::BadImageSize {
                width: w,
                height: h,
            });
        }
        let (dw, dh) = match size {
            DetectorSize::Width(tw) => {
                let tw = ceil32(tw);
                let dh = ((h as f32 * tw as f32 / w as f32).round() as usize).max(1);
                (tw, dh)
            }
            DetectorSize::Native { max_side } => {
                let longest = w.max(h);
                let s = if longest > max_side {
                    max_side as f32 / longest as f32
                } else {
                    1.0
                };
                (
                    ((w as f32 * s).round() as usize).max(1),
                    ((h as f32 * s).round() as usize).max(1),
                )
            }
        };
        let (pw, ph) = (ceil32(dw), ceil32(dh));
        let bgr = self.manifest.colour == ColourOrder::Bgr;
        self.letterbox.fill(
            img,
            dw,
            dh,
            pw,
            ph,
            bgr,
            self.manifest.mean,
            self.manifest.scale,
            &mut self.input,
        );
        let sx = dw as f32 / w as f32;
        let sy = dh as f32 / h as f32;

        let infer_err = |e: &dyn std::fmt::Display| VisionError::Inference {
            model: self.manifest.name.clone(),
            message: e.to_string(),
        };
        let tensor = ort::value::TensorRef::from_array_view(([1usize, 3, ph, pw], &self.input[..]))
            .map_err(|e| infer_err(&e))?;
        let outputs = self
            .session
            .run(ort::inputs![tensor])
            .map_err(|e| infer_err(&e))?;

        self.boxes.clear();
        self.scores.clear();
        self.marks.clear();
        for &s in &self.strides {
            let cols = pw / s;
            let n = cols * (ph / s);
            let get = |head: &str, width: usize| -> Result<&[f32], VisionError> {
                let name = format!("{head}_{s}");
                let v = outputs.get(&name).ok_or_else(|| VisionError::BadOutput {
                    model: self.manifest.name.clone(),
                    output: name.clone(),
                    shape: vec![],
                    expected: "present".into(),
                })?;
                let (shape, data) =
                    v.try_extract_tensor::<f32>()
                        .map_err(|e| VisionError::Inference {
                            model: self.manifest.name.clone(),
                            message: e.to_string(),
                        })?;
                if data.len() != n * width {
                    return Err(VisionError::BadOutput {
                        model: self.manifest.name.clone(),
                        output: name,
                        shape: shape.to_vec(),
                        expected: format!("[1, {n}, {width}]"),
                    });
                }
                Ok(data)
            };
            let cls = get("cls", 1)?;
            let obj = get("obj", 1)?;
            let bbox = get("bbox", 4)?;
            let kps = get("kps", 10)?;
            let sf = s as f32;
            for i in 0..n {
                let score = (cls[i].clamp(0.0, 1.0) * obj[i].clamp(0.0, 1.0)).sqrt();
                if score < self.score_threshold {
                    continue;
                }
                let (r, c) = ((i / cols) as f32, (i % cols) as f32);
                let b = &bbox[i * 4..i * 4 + 4];
                let cx = (c + b[0]) * sf;
                let cy = (r + b[1]) * sf;
                let bw = b[2].exp() * sf;
                let bh = b[3].exp() * sf;
                self.boxes.push(BoxF {
                    x0: (cx - bw / 2.0) / sx,
                    y0: (cy - bh / 2.0) / sy,
                    x1: (cx + bw / 2.0) / sx,
                    y1: (cy + bh / 2.0) / sy,
                });
                self.scores.push(score);
                let k = &kps[i * 10..i * 10 + 10];
                let mut lm = [Point::default(); 5];
                for (j, p) in lm.iter_mut().enumerate() {
                    *p = Point::new((c + k[2 * j]) * sf / sx, (r + k[2 * j + 1]) * sf / sy);
                }
                self.marks.push(lm);
            }
        }
        let keep = nms(&self.boxes, &self.scores, self.nms_iou);
        Ok(keep
            .into_iter()
            .map(|i| Face {
                bbox: self.boxes[i],
                score: self.scores[i],
                landmarks: self.marks[i],
            })
            .collect())
    }
}

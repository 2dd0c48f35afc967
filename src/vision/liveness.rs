//! Passive liveness through ONNX Runtime: MiniFASNet V2 and V1SE (MiniVision, Apache-2.0) look at
//! the face with its surroundings and each give a live share; the two are averaged. Also the
//! model-free pixel check that needs the frame: a rectangle of straight edges around the face (a
//! phone's bezel, a sheet's margin).
//!
//! The crop follows `PROVENANCE.md` and MiniVision's `CropImage`: the detector's box, centre kept,
//! enlarged by the manifest's `crop-scale` (2.7 for V2, 4.0 for V1SE) but never beyond the frame,
//! shifted back inside it, resized to 80x80 (bilinear), BGR, raw 0..255. This module scores;
//! it does not decide (that is `core::liveness::LivenessJudge`) and keeps no image.

use std::path::Path;

use crate::core::geometry::BoxF;
use crate::core::image::BgrImage;

use super::manifest::{ColourOrder, LivenessSpec, ModelManifest, ModelRole};
use super::pixels::Letterbox;
use super::runtime::{bad_output, build_session, run_first_output, OrtRuntime};
use super::VisionError;

/// The manifests of the two liveness models, as shipped in `models/`.
pub const LIVENESS_MANIFESTS: [&str; 2] = ["minifasnet_v2.toml", "minifasnet_v1se.toml"];

/// One model's share of "live" (softmax of the live class, 0..1) for one face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveScore {
    /// The average of the models' live shares: what the judge reads.
    pub mean: f32,
    /// Each model's share, in the order of [`LIVENESS_MANIFESTS`].
    pub per_model: [f32; 2],
}

/// One loaded liveness model with its reusable buffers.
struct LivenessNet {
    session: ort::session::Session,
    manifest: ModelManifest,
    spec: LivenessSpec,
    side: usize,
    letterbox: Letterbox,
    /// The crop's pixels, reused from frame to frame.
    crop: Vec<u8>,
    input: Vec<f32>,
}

/// The two MiniFASNet models.
pub struct LivenessModel {
    nets: [LivenessNet; 2],
}

impl std::fmt::Debug for LivenessModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LivenessModel")
            .field(
                "models",
                &[&self.nets[0].manifest.name, &self.nets[1].manifest.name],
            )
            .finish()
    }
}

impl LivenessModel {
    /// Loads both models from `dir` (the models folder), each checked against its manifest.
    ///
    /// # Errors
    /// [`VisionError::MissingLivenessModel`] when a manifest or its model file is not in `dir`
    /// (saying which and where); otherwise as [`load_net`]: a wrong role, checksum or shape.
    pub fn load_from_dir(rt: &OrtRuntime, dir: &Path, threads: usize) -> Result<Self, VisionError> {
        let mut nets = Vec::with_capacity(2);
        for name in LIVENESS_MANIFESTS {
            let path = dir.join(name);
            if !path.is_file() {
                return Err(VisionError::MissingLivenessModel {
                    path,
                    hint: "the liveness models ship in hallclock's models/ folder; restore them \
                           from the package, or set [liveness] mode = \"off\"",
                });
            }
            let manifest = ModelManifest::load(&path)?;
            if !manifest.model_path.is_file() {
                return Err(VisionError::MissingLivenessModel {
                    path: manifest.model_path.clone(),
                    hint: "its manifest is there but the .onnx file is not; restore it from the \
                           package, or set [liveness] mode = \"off\"",
                });
            }
            nets.push(load_net(rt, &manifest, threads)?);
        }
        let [a, b]: [LivenessNet; 2] = nets.try_into().map_err(|_| VisionError::LoadModel {
            path: dir.to_path_buf(),
            message: "expected two liveness models".into(),
        })?;
        Ok(LivenessModel { nets: [a, b] })
    }

    /// The models' names, for logs and reports.
    pub fn names(&self) -> [&str; 2] {
        [&self.nets[0].manifest.name, &self.nets[1].manifest.name]
    }

    /// Scores the face in `bbox` of `frame`: each model's live share and their average.
    ///
    /// # Errors
    /// [`VisionError::BadImageSize`] for an empty box or frame, [`VisionError::Inference`] or
    /// [`VisionError::BadOutput`] when a model fails.
    pub fn score(&mut self, frame: &BgrImage, bbox: &BoxF) -> Result<LiveScore, VisionError> {
        let a = self.nets[0].live_share(frame, bbox)?;
        let b = self.nets[1].live_share(frame, bbox)?;
        Ok(LiveScore {
            mean: (a + b) * 0.5,
            per_model: [a, b],
        })
    }
}

fn load_net(
    rt: &OrtRuntime,
    manifest: &ModelManifest,
    threads: usize,
) -> Result<LivenessNet, VisionError> {
    manifest.expect_role(ModelRole::Liveness)?;
    let spec = manifest.liveness.ok_or_else(|| VisionError::LoadModel {
        path: manifest.manifest_path.clone(),
        message: "manifest has no [liveness] table".into(),
    })?;
    let (h, w) = (manifest.input_shape[2], manifest.input_shape[3]);
    if h != w || !(16..=512).contains(&h) {
        return Err(VisionError::ModelShape {
            path: manifest.model_path.clone(),
            message: format!(
                "a liveness model takes a fixed square input; the manifest says {h}x{w}"
            ),
        });
    }
    let session = build_session(rt, manifest, threads)?;
    Ok(LivenessNet {
        session,
        manifest: manifest.clone(),
        spec,
        side: h as usize,
        letterbox: Letterbox::default(),
        crop: Vec::new(),
        input: Vec::new(),
    })
}

impl LivenessNet {
    fn live_share(&mut self, frame: &BgrImage, bbox: &BoxF) -> Result<f32, VisionError> {
        let bad_size = || VisionError::BadImageSize {
            width: frame.width(),
            height: frame.height(),
        };
        let (x0, y0, x1, y1) = crop_box(frame.width(), frame.height(), bbox, self.spec.crop_scale)
            .ok_or_else(bad_size)?;
        let crop = sub_image(frame, x0, y0, x1, y1, std::mem::take(&mut self.crop))
            .ok_or_else(bad_size)?;
        let s = self.side;
        self.letterbox.fill(
            &crop,
            s,
            s,
            s,
            s,
            self.manifest.colour == ColourOrder::Bgr,
            self.manifest.mean,
            self.manifest.scale,
            &mut self.input,
        );
        self.crop = crop.into_data();
        let (shape, logits) =
            run_first_output(&mut self.session, &self.manifest, [1, 3, s, s], &self.input)?;
        if logits.len() <= self.spec.live_class {
            return Err(bad_output(
                &self.manifest,
                shape,
                format!("[1, more than {}]", self.spec.live_class),
            ));
        }
        Ok(softmax_share(&logits, self.spec.live_class))
    }
}

/// The softmax probability of class `k` among `logits` (numerically stable).
pub fn softmax_share(logits: &[f32], k: usize) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|l| (l - max).exp()).sum();
    match logits.get(k) {
        Some(l) if sum > 0.0 => (l - max).exp() / sum,
        _ => 0.0,
    }
}

/// The face region of `image` for an evidence frame (issue 11): `bbox` enlarged 1.4 times around
/// its centre (enough to see a sheet's or a screen's edge near the face), kept inside the image;
/// never the whole frame. `None` for an empty box.
pub fn face_region(image: &BgrImage, bbox: &BoxF) -> Option<BgrImage> {
    let (x0, y0, x1, y1) = crop_box(image.width(), image.height(), bbox, 1.4)?;
    let (w, h) = (x1 + 1 - x0, y1 + 1 - y0);
    let mut data = Vec::with_capacity(w * h * 3);
    for y in y0..=y1 {
        let row = (y * image.width() + x0) * 3;
        data.extend_from_slice(image.data().get(row..row + w * 3)?);
    }
    BgrImage::from_bgr(w, h, data).ok()
}

/// The crop MiniVision's `CropImage._get_new_box` takes: `bbox` enlarged by `scale` around its
/// centre, `scale` reduced so the box fits the frame, shifted back inside it. Inclusive pixel
/// corners `(x0, y0, x1, y1)`; `None` for an empty box or frame.
pub fn crop_box(
    width: usize,
    height: usize,
    bbox: &BoxF,
    scale: f32,
) -> Option<(usize, usize, usize, usize)> {
    let (bw, bh) = (bbox.width(), bbox.height());
    if width < 2 || height < 2 || bw <= 0.0 || bh <= 0.0 {
        return None;
    }
    let (wmax, hmax) = ((width - 1) as f32, (height - 1) as f32);
    let s = scale.min(hmax / bh).min(wmax / bw);
    let (nw, nh) = (bw * s, bh * s);
    let c = bbox.center();
    let (mut l, mut t) = (c.x - nw * 0.5, c.y - nh * 0.5);
    let (mut r, mut b) = (c.x + nw * 0.5, c.y + nh * 0.5);
    if l < 0.0 {
        r -= l;
        l = 0.0;
    }
    if t < 0.0 {
        b -= t;
        t = 0.0;
    }
    if r > wmax {
        l -= r - wmax;
        r = wmax;
    }
    if b > hmax {
        t -= b - hmax;
        b = hmax;
    }
    let (x0, y0) = (l.max(0.0) as usize, t.max(0.0) as usize);
    let (x1, y1) = ((r as usize).min(width - 1), (b as usize).min(height - 1));
    (x1 > x0 && y1 > y0).then_some((x0, y0, x1, y1))
}

/// A copy of the inclusive rectangle `(x0, y0)..=(x1, y1)` of `img`, written into `buf`.
fn sub_image(
    img: &BgrImage,
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
    mut buf: Vec<u8>,
) -> Option<BgrImage> {
    if x1 >= img.width() || y1 >= img.height() || x1 < x0 || y1 < y0 {
        return None;
    }
    let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
    let row = img.width() * 3;
    buf.clear();
    for y in y0..=y1 {
        buf.extend_from_slice(&img.data()[y * row + x0 * 3..y * row + (x1 + 1) * 3]);
    }
    BgrImage::from_bgr(w, h, buf).ok()
}

/// Settings of the bezel check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BezelCheck {
    /// How far around the face box to look, in face-box sizes across (4: a phone or a sheet
    /// held up reaches about a face beyond the face on each side).
    pub search_scale: f32,
    /// A grey-level step across a line that counts as an edge (0..255).
    pub edge_step: f32,
    /// Share of a line's length that must be edge, with one sign, for it to be straight.
    pub min_coverage: f32,
    /// Sides (of 4) that must show a straight edge.
    pub min_sides: usize,
    /// Steepest tilt tried, as a slope (0.3: about 17 degrees; a hand tilts what it holds).
    pub max_slope: f32,
}

impl BezelCheck {
    pub fn defaults() -> Self {
        BezelCheck {
            search_scale: 4.0,
            edge_step: 24.0,
            min_coverage: 0.8,
            min_sides: 3,
            max_slope: 0.3,
        }
    }

    /// Whether the face in `bbox` sits inside a rectangle of straight edges: on at least
    /// `min_sides` of its four sides, a straight line (tilted up to `max_slope`) outside the
    /// face box and inside the search window, along which the grey level steps by `edge_step`
    /// with one sign over `min_coverage` of a span 1.8 face sizes long. A screen's bezel or a
    /// sheet's margin gives three or four; a head in a doorway rarely more than two.
    pub fn sees_bezel(&self, frame: &BgrImage, bbox: &BoxF) -> bool {
        self.sides(frame, bbox) >= self.min_sides
    }

    /// How many sides show a straight edge (0 to 4).
    pub fn sides(&self, frame: &BgrImage, bbox: &BoxF) -> usize {
        let (fw, fh) = (frame.width(), frame.height());
        let (bw, bh) = (bbox.width(), bbox.height());
        if fw < 8 || fh < 8 || bw <= 2.0 || bh <= 2.0 {
            return 0;
        }
        let c = bbox.center();
        // The window, in frame pixels, and its grey levels.
        let wx0 = (c.x - bw * self.search_scale * 0.5).max(0.0) as usize;
        let wy0 = (c.y - bh * self.search_scale * 0.5).max(0.0) as usize;
        let wx1 = ((c.x + bw * self.search_scale * 0.5) as usize).min(fw - 1);
        let wy1 = ((c.y + bh * self.search_scale * 0.5) as usize).min(fh - 1);
        if wx1 < wx0 + 8 || wy1 < wy0 + 8 {
            return 0;
        }
        let (gw, gh) = (wx1 - wx0 + 1, wy1 - wy0 + 1);
        let d = frame.data();
        let mut grey = vec![0f32; gw * gh];
        for y in 0..gh {
            for x in 0..gw {
                let i = ((wy0 + y) * fw + wx0 + x) * 3;
                grey[y * gw + x] = 0.114 * f32::from(d[i])
                    + 0.587 * f32::from(d[i + 1])
                    + 0.299 * f32::from(d[i + 2]);
            }
        }
        // In window coordinates; (along, across) → (x, y) for rows, (y, x) for columns.
        let g = |x: isize, y: isize| -> Option<f32> {
            (x >= 0 && y >= 0 && (x as usize) < gw && (y as usize) < gh)
                .then(|| grey[y as usize * gw + x as usize])
        };
        let (cx, cy) = (c.x - wx0 as f32, c.y - wy0 as f32);
        let slopes: Vec<f32> = {
            let n = (self.max_slope / 0.05).round() as i32;
            (-n..=n).map(|k| k as f32 * 0.05).collect()
        };
        // Is there a straight edge line `across = a0 + slope * (along - centre_along)` for
        // `a0` in `range` (rows when `horizontal`, else columns)?
        let line_at = |horizontal: bool, range: (f32, f32)| -> bool {
            let (centre_along, half) = if horizontal {
                (cx, 0.9 * bw)
            } else {
                (cy, 0.9 * bh)
            };
            let (lo, hi) = (range.0.max(2.0), range.1);
            let mut a0 = lo;
            while a0 <= hi {
                for &m in &slopes {
                    let (mut pos, mut neg, mut n) = (0usize, 0usize, 0usize);
                    let mut t = -half;
                    while t <= half {
                        let along = centre_along + t;
                        let across = a0 + m * t;
                        let (p, q) = if horizontal {
                            (
                                g(along as isize, (across + 2.0) as isize),
                                g(along as isize, (across - 2.0) as isize),
                            )
                        } else {
                            (
                                g((across + 2.0) as isize, along as isize),
                                g((across - 2.0) as isize, along as isize),
                            )
                        };
                        n += 1;
                        if let (Some(p), Some(q)) = (p, q) {
                            if p - q > self.edge_step {
                                pos += 1;
                            } else if q - p > self.edge_step {
                                neg += 1;
                            }
                        }
                        t += 2.0;
                    }
                    if n > 0 && pos.max(neg) as f32 >= self.min_coverage * n as f32 {
                        return true;
                    }
                }
                a0 += 2.0;
            }
            false
        };
        let (fy0, fy1) = (
            bbox.y0 - wy0 as f32 - 0.15 * bh,
            bbox.y1 - wy0 as f32 + 0.15 * bh,
        );
        let (fx0, fx1) = (
            bbox.x0 - wx0 as f32 - 0.15 * bw,
            bbox.x1 - wx0 as f32 + 0.15 * bw,
        );
        let top = line_at(true, (0.0, fy0));
        let bottom = line_at(true, (fy1, gh as f32 - 3.0));
        let left = line_at(false, (0.0, fx0));
        let right = line_at(false, (fx1, gw as f32 - 3.0));
        [top, bottom, left, right].iter().filter(|s| **s).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A face's box from its corners, `[x0, y0, x1, y1]`.
    fn face_box([x0, y0, x1, y1]: [f32; 4]) -> BoxF {
        BoxF { x0, y0, x1, y1 }
    }

    #[test]
    fn crop_box_enlarges_around_the_centre() {
        let b = face_box([300.0, 200.0, 340.0, 250.0]);
        let (x0, y0, x1, y1) = crop_box(640, 480, &b, 2.7).unwrap();
        assert_eq!((x0, y0, x1, y1), (266, 157, 374, 292));
    }

    #[test]
    fn crop_box_shrinks_and_shifts_to_stay_inside() {
        // A big face near the corner: the scale drops to fit, the box moves back inside.
        let b = face_box([0.0, 0.0, 100.0, 120.0]);
        let (x0, y0, x1, y1) = crop_box(200, 160, &b, 4.0).unwrap();
        assert_eq!((x0, y0), (0, 0));
        assert!(x1 <= 199 && y1 <= 159, "{x1} {y1}");
        // Scale limited by the height: 159 / 120.
        assert_eq!(y1, 159);
        assert!(crop_box(200, 160, &BoxF::default(), 2.7).is_none());
    }

    #[test]
    fn softmax_share_is_a_probability() {
        let p = softmax_share(&[0.0, 2.0, 0.0], 1);
        assert!((p - 0.787_012).abs() < 1e-4, "{p}");
        assert!((softmax_share(&[1000.0, 1000.0], 0) - 0.5).abs() < 1e-6);
        assert_eq!(softmax_share(&[1.0], 3), 0.0);
    }

    fn frame_with_rectangle(edge: bool) -> (BgrImage, BoxF) {
        let (w, h) = (320usize, 240usize);
        let mut d = vec![60u8; w * h * 3];
        for y in 0..h {
            for x in 0..w {
                let inside = (115..205).contains(&x) && (60..185).contains(&y);
                // A mottled face-ish patch in the middle, a bright screen around it.
                let v = if (140..180).contains(&x) && (90..150).contains(&y) {
                    ((x * 7 + y * 13) % 90 + 80) as u8
                } else if edge && inside {
                    220
                } else {
                    ((x * 3 + y * 5) % 20 + 60) as u8
                };
                d[(y * w + x) * 3..(y * w + x) * 3 + 3].fill(v);
            }
        }
        let face = BoxF {
            x0: 140.0,
            y0: 90.0,
            x1: 180.0,
            y1: 150.0,
        };
        (BgrImage::from_bgr(w, h, d).unwrap(), face)
    }

    #[test]
    fn a_bright_rectangle_around_the_face_is_a_bezel() {
        let check = BezelCheck::defaults();
        let (img, face) = frame_with_rectangle(true);
        assert_eq!(check.sides(&img, &face), 4);
        assert!(check.sees_bezel(&img, &face));
        let (plain, face) = frame_with_rectangle(false);
        assert_eq!(check.sides(&plain, &face), 0);
        assert!(!check.sees_bezel(&plain, &face));
    }
}

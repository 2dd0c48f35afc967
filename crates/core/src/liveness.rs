//! Liveness across a track, without a model: is the face in front of the door a head, or a
//! photo or a phone held up to the camera? Plus the judge that joins this motion check with the
//! model's scores and the bezel flag into one verdict.
//!
//! A printed photo or a phone moves as one flat plane: its five landmarks follow a single
//! homography from frame to frame. A real head does not: as it turns and approaches, the nose
//! moves against the eyes and mouth (parallax), and the least-squares homography between two
//! frames leaves a residual. Too flat for too long is suspicious; so is a face that stays
//! perfectly still while "walking in", and a face inside a rectangle of straight edges (the
//! flag is computed from pixels by `vision::liveness::BezelCheck`). Pure values in and out:
//! no pixels, no clock, no I/O.

use crate::geometry::{BoxF, Point};

/// A plane-to-plane projective map, row-major 3x3 with `h[8] = 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography(pub [f64; 9]);

impl Homography {
    /// The identity map.
    pub const IDENTITY: Homography = Homography([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]);

    /// Maps a point; `None` when it lands at infinity.
    pub fn apply(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        let h = &self.0;
        let w = h[6] * x + h[7] * y + h[8];
        if w.abs() < 1e-12 {
            return None;
        }
        Some((
            (h[0] * x + h[1] * y + h[2]) / w,
            (h[3] * x + h[4] * y + h[5]) / w,
        ))
    }

    /// The inverse map; `None` when singular.
    pub fn inverse(&self) -> Option<Homography> {
        let m = &self.0;
        let c = [
            m[4] * m[8] - m[5] * m[7],
            m[2] * m[7] - m[1] * m[8],
            m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8],
            m[0] * m[8] - m[2] * m[6],
            m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6],
            m[1] * m[6] - m[0] * m[7],
            m[0] * m[4] - m[1] * m[3],
        ];
        let det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
        if det.abs() < 1e-12 || c[8].abs() < 1e-12 * det.abs() {
            return None;
        }
        let s = 1.0 / c[8];
        Some(Homography(c.map(|v| v * s)))
    }

    /// `self` after `first`: the map `p ↦ self(first(p))`.
    pub fn compose(&self, first: &Homography) -> Homography {
        let (a, b) = (&self.0, &first.0);
        let mut out = [0.0; 9];
        for r in 0..3 {
            for c in 0..3 {
                out[r * 3 + c] = (0..3).map(|k| a[r * 3 + k] * b[k * 3 + c]).sum();
            }
        }
        let s = if out[8].abs() > 1e-12 {
            1.0 / out[8]
        } else {
            1.0
        };
        Homography(out.map(|v| v * s))
    }

    /// Least-squares homography taking `src[i]` to `dst[i]` (DLT with `h33 = 1`, on points
    /// normalised to their centroid and a mean distance of √2, solved through the normal
    /// equations). Needs at least 4 pairs not all on a line; `None` otherwise.
    pub fn fit(src: &[(f64, f64)], dst: &[(f64, f64)]) -> Option<Homography> {
        let n = src.len().min(dst.len());
        if n < 4 {
            return None;
        }
        let ts = normaliser(&src[..n])?;
        let td = normaliser(&dst[..n])?;
        let mut ata = [[0.0f64; 8]; 8];
        let mut atb = [0.0f64; 8];
        for i in 0..n {
            let (x, y) = ts.apply(src[i].0, src[i].1)?;
            let (u, v) = td.apply(dst[i].0, dst[i].1)?;
            let rows = [
                ([x, y, 1.0, 0.0, 0.0, 0.0, -x * u, -y * u], u),
                ([0.0, 0.0, 0.0, x, y, 1.0, -x * v, -y * v], v),
            ];
            for (a, b) in rows {
                for r in 0..8 {
                    atb[r] += a[r] * b;
                    for c in 0..8 {
                        ata[r][c] += a[r] * a[c];
                    }
                }
            }
        }
        let h = solve8(ata, atb)?;
        let hn = Homography([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]);
        let back = td.inverse()?;
        Some(back.compose(&hn.compose(&ts)))
    }
}

/// Hartley's normalisation: centroid to the origin, mean distance √2.
fn normaliser(p: &[(f64, f64)]) -> Option<Homography> {
    let n = p.len() as f64;
    let (cx, cy) = p
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let d = p
        .iter()
        .map(|(x, y)| ((x - cx).powi(2) + (y - cy).powi(2)).sqrt())
        .sum::<f64>()
        / n;
    if !(d.is_finite() && d > 1e-9) {
        return None;
    }
    let s = std::f64::consts::SQRT_2 / d;
    Some(Homography([
        s,
        0.0,
        -s * cx,
        0.0,
        s,
        -s * cy,
        0.0,
        0.0,
        1.0,
    ]))
}

/// Solves an 8x8 linear system by Gaussian elimination with partial pivoting.
fn solve8(mut a: [[f64; 8]; 8], mut b: [f64; 8]) -> Option<[f64; 8]> {
    let scale = a
        .iter()
        .flat_map(|r| r.iter())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    for col in 0..8 {
        let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() <= 1e-12 * scale.max(1e-300) {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (above, below) = a.split_at_mut(col + 1);
        let pivot_row = &above[col];
        for (k, row) in below.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (v, p) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                *v -= f * p;
            }
            b[col + 1 + k] -= f * b[col];
        }
    }
    let mut x = [0.0f64; 8];
    for r in (0..8).rev() {
        let s: f64 = (r + 1..8).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// How far five landmarks are from following one homography from frame `a` to frame `b`: the
/// root-mean-square reprojection error of the least-squares fit, divided by the eye distance in
/// `b`. Near 0 for a flat picture; a head that turns leaves a few hundredths. `None` when the
/// fit or the eye distance is degenerate.
pub fn planar_residual(a: &[Point; 5], b: &[Point; 5]) -> Option<f32> {
    let src: Vec<(f64, f64)> = a.iter().map(|p| (f64::from(p.x), f64::from(p.y))).collect();
    let dst: Vec<(f64, f64)> = b.iter().map(|p| (f64::from(p.x), f64::from(p.y))).collect();
    let h = Homography::fit(&src, &dst)?;
    let eye = eye_distance(b);
    if eye < 1.0 {
        return None;
    }
    let mut sq = 0.0f64;
    for (s, d) in src.iter().zip(&dst) {
        let (x, y) = h.apply(s.0, s.1)?;
        sq += (x - d.0).powi(2) + (y - d.1).powi(2);
    }
    Some(((sq / 5.0).sqrt() / f64::from(eye)) as f32)
}

/// Mean landmark displacement from `a` to `b`, divided by the eye distance in `b`.
pub fn landmark_motion(a: &[Point; 5], b: &[Point; 5]) -> f32 {
    let eye = eye_distance(b).max(1.0);
    let sum: f32 = a
        .iter()
        .zip(b)
        .map(|(p, q)| ((p.x - q.x).powi(2) + (p.y - q.y).powi(2)).sqrt())
        .sum();
    sum / 5.0 / eye
}

/// The eyes and mouth corners of the ArcFace template, in eye distances.
const FACE_FRAME: [(f64, f64); 4] = [
    (38.2946 / 35.24, 51.6963 / 35.24),
    (73.5318 / 35.24, 51.5014 / 35.24),
    (41.5493 / 35.24, 92.3655 / 35.24),
    (70.7299 / 35.24, 92.2041 / 35.24),
];

/// Where the nose tip sits in the face's own plane: the homography that takes the eyes and
/// mouth corners onto a fixed template is applied to the nose (units: eye distances). For a
/// flat picture this is a projective invariant, the same in every frame however the picture
/// is turned or moved; on a real head the nose stands out of that plane, so the point moves
/// as the head turns (parallax). `None` when the four points are degenerate.
pub fn nose_in_face_plane(l: &[Point; 5]) -> Option<(f64, f64)> {
    let four: Vec<(f64, f64)> = [l[0], l[1], l[3], l[4]]
        .iter()
        .map(|p| (f64::from(p.x), f64::from(p.y)))
        .collect();
    let h = Homography::fit(&four, &FACE_FRAME)?;
    h.apply(f64::from(l[2].x), f64::from(l[2].y))
}

fn eye_distance(l: &[Point; 5]) -> f32 {
    ((l[0].x - l[1].x).powi(2) + (l[0].y - l[1].y).powi(2)).sqrt()
}

/// What the door does with a suspect verdict (`[liveness] mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LivenessMode {
    /// No liveness check: the models are not loaded, nothing is judged.
    Off,
    /// Judge, store the punch with its verdict, let the supervisor see it (the default until
    /// the site has calibrated).
    Flag,
    /// A suspect gets no punch; the claimed staff id is recorded as an attempt.
    Refuse,
}

impl LivenessMode {
    /// The config's spelling.
    pub fn name(self) -> &'static str {
        match self {
            LivenessMode::Off => "off",
            LivenessMode::Flag => "flag",
            LivenessMode::Refuse => "refuse",
        }
    }
}

/// What the judge learns about one frame of a track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation {
    /// The detector's five landmarks (eyes, nose tip, mouth corners; image-left first).
    pub landmarks: [Point; 5],
    pub bbox: BoxF,
    /// The liveness model's live share (0..1) for this frame, when the model ran on it.
    pub model_score: Option<f32>,
    /// Whether the face sat inside a rectangle of straight edges in this frame.
    pub bezel: bool,
}

/// The judge's thresholds (`[liveness]` in the config).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LivenessPolicy {
    /// Below this mean live share, the model calls the face an attack.
    pub model_threshold: f32,
    /// Frames averaged to smooth the nose's path in the face plane (landmark noise is
    /// independent from frame to frame; parallax is not).
    pub smooth_frames: usize,
    /// How far (in eye distances) the nose's smoothed path in the face plane must wander for
    /// the face to be a head; less is flat.
    pub flat_parallax: f32,
    /// Frames with a face before flatness is judged.
    pub flat_frames: usize,
    /// How far (in eye distances) the face must travel across the frame before flatness makes
    /// it suspect (a face that does not move is the still check's business).
    pub min_motion: f32,
    /// Frame-to-frame landmark motion (in eye distances) below which a face is still.
    pub still_motion: f32,
    /// This many frames in a row, all still, make the track suspect.
    pub still_frames: usize,
    /// This many frames with a bezel make the track suspect.
    pub bezel_frames: usize,
    /// Observations kept (the oldest are dropped).
    pub max_frames: usize,
}

impl LivenessPolicy {
    /// The shipped defaults, set on the repository's sample videos and synthetic attacks
    /// (`hallclock eval-liveness`); a site calibrates its own.
    pub fn defaults() -> Self {
        LivenessPolicy {
            model_threshold: 0.5,
            smooth_frames: 5,
            flat_parallax: 0.03,
            flat_frames: 12,
            min_motion: 0.3,
            still_motion: 0.004,
            still_frames: 12,
            bezel_frames: 3,
            max_frames: 90,
        }
    }
}

/// Why a track looks like an attack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SuspectReason {
    /// The models' mean live share was below the threshold.
    ModelScore { mean: f32, threshold: f32 },
    /// Over this many frames, the nose stayed put in the face's plane: a flat picture.
    Flat { frames: usize, parallax: f32 },
    /// The face did not move for this many frames in a row.
    Still { frames: usize },
    /// The face sat inside a rectangle of straight edges in this many frames.
    Bezel { frames: usize },
}

impl SuspectReason {
    /// A short name for reports and the wire.
    pub fn code(&self) -> &'static str {
        match self {
            SuspectReason::ModelScore { .. } => "model",
            SuspectReason::Flat { .. } => "flat",
            SuspectReason::Still { .. } => "still",
            SuspectReason::Bezel { .. } => "bezel",
        }
    }

    /// What hall staff read (Chinese).
    pub fn hint_zh(&self) -> &'static str {
        match self {
            SuspectReason::ModelScore { .. } => "活体分数偏低（疑似照片或屏幕）",
            SuspectReason::Flat { .. } => "人脸随平面整体移动（疑似手持照片或手机）",
            SuspectReason::Still { .. } => "人脸长时间完全静止",
            SuspectReason::Bezel { .. } => "人脸外有矩形边框（疑似屏幕或相纸）",
        }
    }
}

/// The judge's answer for a track so far.
#[derive(Debug, Clone, PartialEq)]
pub enum LivenessVerdict {
    /// Nothing suspicious was seen.
    Live,
    /// One or more signs of an attack.
    Suspect(Vec<SuspectReason>),
}

/// The track's scores, each higher for "more live", 0..1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LivenessScores {
    /// The models' mean live share over the frames they scored.
    pub model: Option<f32>,
    /// The motion check: 0 for a still face, else `p / (p + flat_parallax)` for the parallax
    /// `p` of the track; `None` with too few frames to tell.
    pub motion: Option<f32>,
    /// Share of frames without a bezel.
    pub no_bezel: f32,
    /// Everything that needs no model: the lower of `motion` (when known) and `no_bezel`.
    pub model_free: f32,
    /// Both together: the lower of `model` (when known) and `model_free`.
    pub combined: f32,
    pub frames: usize,
    /// How far the nose's smoothed path wandered in the face plane (eye distances).
    pub parallax: Option<f32>,
    /// How far the face travelled across the frame (eye distances).
    pub travel: f32,
}

/// Follows one track's frames and judges its liveness. A value: feed it [`Observation`]s with
/// [`LivenessJudge::observe`], ask [`LivenessJudge::verdict`] when the track decides.
#[derive(Debug, Clone)]
pub struct LivenessJudge {
    policy: LivenessPolicy,
    frames: Vec<Observation>,
}

/// What the motion check found over the kept frames.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Motion {
    /// The smoothed nose path's largest distance from its mean (eye distances).
    parallax: Option<f32>,
    /// The largest mean landmark displacement from the first frame (eye distances).
    travel: f32,
    longest_still_run: usize,
}

impl LivenessJudge {
    pub fn new(policy: LivenessPolicy) -> Self {
        LivenessJudge {
            policy,
            frames: Vec::new(),
        }
    }

    pub fn policy(&self) -> &LivenessPolicy {
        &self.policy
    }

    /// Adds one frame of the track (the oldest is dropped beyond `max_frames`).
    pub fn observe(&mut self, obs: Observation) {
        if self.frames.len() >= self.policy.max_frames.max(2) {
            self.frames.remove(0);
        }
        self.frames.push(obs);
    }

    /// Forgets the track (a new person at the door).
    pub fn reset(&mut self) {
        self.frames.clear();
    }

    pub fn frames(&self) -> usize {
        self.frames.len()
    }

    fn motion(&self) -> Motion {
        let p = &self.policy;
        let mut m = Motion::default();
        if let Some(first) = self.frames.first() {
            m.travel = self
                .frames
                .iter()
                .map(|f| landmark_motion(&first.landmarks, &f.landmarks))
                .fold(0.0, f32::max);
        }
        let path: Vec<(f64, f64)> = self
            .frames
            .iter()
            .filter_map(|f| nose_in_face_plane(&f.landmarks))
            .collect();
        let k = p.smooth_frames.max(1);
        if path.len() > k {
            let smooth: Vec<(f64, f64)> = path
                .windows(k)
                .map(|w| {
                    let n = w.len() as f64;
                    w.iter()
                        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n))
                })
                .collect();
            let n = smooth.len() as f64;
            let (mx, my) = smooth
                .iter()
                .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
            let spread = smooth
                .iter()
                .map(|(x, y)| ((x - mx).powi(2) + (y - my).powi(2)).sqrt())
                .fold(0.0, f64::max);
            m.parallax = Some(spread as f32);
        }
        let mut still = 0usize;
        for w in self.frames.windows(2) {
            if landmark_motion(&w[0].landmarks, &w[1].landmarks) < p.still_motion {
                // A run of k still steps covers k + 1 frames.
                still += 1;
                m.longest_still_run = m.longest_still_run.max(still + 1);
            } else {
                still = 0;
            }
        }
        m
    }

    /// The scores of the track so far.
    pub fn scores(&self) -> LivenessScores {
        let p = &self.policy;
        let m = self.motion();
        let model_scores: Vec<f32> = self.frames.iter().filter_map(|f| f.model_score).collect();
        let model = (!model_scores.is_empty())
            .then(|| model_scores.iter().sum::<f32>() / model_scores.len() as f32);
        let motion = if m.longest_still_run >= p.still_frames {
            Some(0.0)
        } else {
            m.parallax.map(|r| r / (r + p.flat_parallax.max(1e-6)))
        };
        let n = self.frames.len();
        let bezels = self.frames.iter().filter(|f| f.bezel).count();
        let no_bezel = if n == 0 {
            1.0
        } else {
            1.0 - bezels as f32 / n as f32
        };
        let model_free = motion.map_or(no_bezel, |s| s.min(no_bezel));
        let combined = model.map_or(model_free, |s| s.min(model_free));
        LivenessScores {
            model,
            motion,
            no_bezel,
            model_free,
            combined,
            frames: n,
            parallax: m.parallax,
            travel: m.travel,
        }
    }

    /// The verdict on the track so far.
    pub fn verdict(&self) -> LivenessVerdict {
        let p = &self.policy;
        let m = self.motion();
        let mut reasons = Vec::new();
        let model_scores: Vec<f32> = self.frames.iter().filter_map(|f| f.model_score).collect();
        if !model_scores.is_empty() {
            let mean = model_scores.iter().sum::<f32>() / model_scores.len() as f32;
            if mean < p.model_threshold {
                reasons.push(SuspectReason::ModelScore {
                    mean,
                    threshold: p.model_threshold,
                });
            }
        }
        if let Some(parallax) = m.parallax {
            if self.frames.len() >= p.flat_frames.max(2)
                && m.travel >= p.min_motion
                && parallax < p.flat_parallax
            {
                reasons.push(SuspectReason::Flat {
                    frames: self.frames.len(),
                    parallax,
                });
            }
        }
        if m.longest_still_run >= p.still_frames.max(2) {
            reasons.push(SuspectReason::Still {
                frames: m.longest_still_run,
            });
        }
        let bezels = self.frames.iter().filter(|f| f.bezel).count();
        if bezels >= p.bezel_frames.max(1) {
            reasons.push(SuspectReason::Bezel { frames: bezels });
        }
        if reasons.is_empty() {
            LivenessVerdict::Live
        } else {
            LivenessVerdict::Suspect(reasons)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A face as 3-D points (eye distance 60 mm; the nose tip 30 mm in front of the eye and
    /// mouth plane), seen by a pinhole camera (focal 800 px, centre (320, 240)).
    fn head(yaw_deg: f64, distance_mm: f64, shift_x_mm: f64, nose_depth: f64) -> [Point; 5] {
        let pts = [
            (-30.0, -30.0, 0.0),
            (30.0, -30.0, 0.0),
            (0.0, 0.0, -nose_depth),
            (-25.0, 30.0, 0.0),
            (25.0, 30.0, 0.0),
        ];
        let (s, c) = yaw_deg.to_radians().sin_cos();
        pts.map(|(x, y, z)| {
            let (xr, zr) = (c * x + s * z, -s * x + c * z);
            let (xw, zw) = (xr + shift_x_mm, zr + distance_mm);
            Point::new(
                (320.0 + 800.0 * xw / zw) as f32,
                (240.0 + 800.0 * y / zw) as f32,
            )
        })
    }

    fn obs(l: [Point; 5]) -> Observation {
        Observation {
            landmarks: l,
            bbox: BoxF::default(),
            model_score: None,
            bezel: false,
        }
    }

    #[test]
    fn fit_recovers_a_known_homography_exactly() {
        let h = Homography([1.1, 0.05, 12.0, -0.03, 0.95, -7.0, 1e-4, -2e-4, 1.0]);
        let src = [
            (10.0, 20.0),
            (200.0, 30.0),
            (180.0, 220.0),
            (15.0, 240.0),
            (100.0, 120.0),
        ];
        let dst: Vec<(f64, f64)> = src.iter().map(|p| h.apply(p.0, p.1).unwrap()).collect();
        let fit = Homography::fit(&src, &dst).unwrap();
        for (a, b) in fit.0.iter().zip(h.0.iter()) {
            assert!((a - b).abs() < 1e-6 * (1.0 + b.abs()), "{fit:?}");
        }
        let inv = fit.inverse().unwrap();
        let back = inv.apply(dst[2].0, dst[2].1).unwrap();
        assert!((back.0 - 180.0).abs() < 1e-6 && (back.1 - 220.0).abs() < 1e-6);
        // Three points, or all on a line, define nothing.
        assert!(Homography::fit(&src[..3], &dst[..3]).is_none());
        let line = [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)];
        assert!(Homography::fit(&line, &line).is_none());
    }

    #[test]
    fn a_flat_face_is_planar_and_a_turning_head_is_not() {
        // A photo (no nose depth) turned by 15 degrees: one homography explains it.
        let flat =
            planar_residual(&head(0.0, 800.0, 0.0, 0.0), &head(15.0, 700.0, 40.0, 0.0)).unwrap();
        assert!(flat < 1e-4, "{flat}");
        // A head turned as much: the nose leaves a residual of several hundredths.
        let real =
            planar_residual(&head(0.0, 800.0, 0.0, 30.0), &head(15.0, 700.0, 40.0, 30.0)).unwrap();
        assert!(real > 0.03, "{real}");
        // Across the track: the nose in the face's plane stays put on a picture, moves on a head.
        let at = |yaw, depth| nose_in_face_plane(&head(yaw, 800.0, 20.0, depth)).unwrap();
        let (a, b) = (at(-15.0, 0.0), at(15.0, 0.0));
        assert!(
            (a.0 - b.0).abs() < 1e-4 && (a.1 - b.1).abs() < 1e-4,
            "{a:?} {b:?}"
        );
        let (a, b) = (at(-15.0, 30.0), at(15.0, 30.0));
        assert!((a.0 - b.0).abs() > 0.2, "{a:?} {b:?}");
    }

    fn judge_of(frames: impl IntoIterator<Item = [Point; 5]>) -> LivenessJudge {
        let mut j = LivenessJudge::new(LivenessPolicy::defaults());
        for f in frames {
            j.observe(obs(f));
        }
        j
    }

    #[test]
    fn a_photo_waved_as_a_plane_is_flat_for_too_long() {
        let j = judge_of((0..20).map(|i| {
            head(
                f64::from(i) * 2.0 - 20.0,
                900.0 - 10.0 * f64::from(i),
                8.0 * f64::from(i),
                0.0,
            )
        }));
        let v = j.verdict();
        assert!(
            matches!(&v, LivenessVerdict::Suspect(r) if r.iter().any(|r| r.code() == "flat")),
            "{v:?}"
        );
        let s = j.scores();
        assert!(s.motion.unwrap() < 0.1, "{s:?}");
    }

    #[test]
    fn a_head_turning_as_it_walks_in_is_live() {
        let j = judge_of((0..20).map(|i| {
            head(
                f64::from(i) * 2.0 - 20.0,
                900.0 - 10.0 * f64::from(i),
                8.0 * f64::from(i),
                30.0,
            )
        }));
        assert_eq!(j.verdict(), LivenessVerdict::Live);
        let s = j.scores();
        assert!(s.motion.unwrap() > 0.5, "{s:?}");
        assert_eq!(s.combined, s.model_free);
    }

    #[test]
    fn a_perfectly_still_face_is_suspect() {
        let j = judge_of((0..15).map(|_| head(0.0, 800.0, 0.0, 30.0)));
        let v = j.verdict();
        assert_eq!(
            v,
            LivenessVerdict::Suspect(vec![SuspectReason::Still { frames: 15 }])
        );
        assert_eq!(j.scores().motion, Some(0.0));
        // Eleven frames are not yet "too long".
        let j = judge_of((0..11).map(|_| head(0.0, 800.0, 0.0, 30.0)));
        assert_eq!(j.verdict(), LivenessVerdict::Live);
        // Not still for long enough, but no parallax either: a low motion score.
        assert!(j.scores().motion.unwrap() < 0.01);
        assert_eq!(j.scores().travel, 0.0);
    }

    #[test]
    fn model_score_and_bezel_are_reasons_too() {
        let mut j = LivenessJudge::new(LivenessPolicy::defaults());
        for i in 0..4 {
            let mut o = obs(head(f64::from(i) * 5.0, 800.0, 0.0, 30.0));
            o.model_score = Some(0.2);
            o.bezel = i > 0;
            j.observe(o);
        }
        let LivenessVerdict::Suspect(reasons) = j.verdict() else {
            panic!("expected suspect")
        };
        let codes: Vec<&str> = reasons.iter().map(SuspectReason::code).collect();
        assert_eq!(codes, ["model", "bezel"]);
        let s = j.scores();
        assert_eq!(s.model, Some(0.2));
        assert!((s.no_bezel - 0.25).abs() < 1e-6);
        assert!((s.combined - 0.2).abs() < 1e-6);
        assert!(reasons[0].hint_zh().contains("活体"));
    }

    #[test]
    fn only_the_last_frames_are_kept() {
        let mut p = LivenessPolicy::defaults();
        p.max_frames = 5;
        let mut j = LivenessJudge::new(p);
        for i in 0..9 {
            let mut o = obs(head(f64::from(i), 800.0, 0.0, 30.0));
            o.model_score = Some(if i < 4 { 0.0 } else { 1.0 });
            j.observe(o);
        }
        assert_eq!(j.frames(), 5);
        assert_eq!(j.scores().model, Some(1.0));
        j.reset();
        assert_eq!(j.frames(), 0);
        assert_eq!(j.verdict(), LivenessVerdict::Live);
    }
}

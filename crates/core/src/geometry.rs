//! Plane geometry for faces: boxes, landmarks, IoU, non-maximum suppression and the 5-point
//! similarity transform used for alignment.
//!
//! Pure maths on plain values; must not touch pixels or files (the warp itself is in `vision`).

/// A point in image pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Point { x, y }
    }
}

/// An axis-aligned box in image pixels, corners included as floats.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BoxF {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl BoxF {
    pub fn width(&self) -> f32 {
        (self.x1 - self.x0).max(0.0)
    }
    pub fn height(&self) -> f32 {
        (self.y1 - self.y0).max(0.0)
    }
    pub fn area(&self) -> f32 {
        self.width() * self.height()
    }
    pub fn center(&self) -> Point {
        Point::new((self.x0 + self.x1) * 0.5, (self.y0 + self.y1) * 0.5)
    }
    /// Intersection over union, 0 when either box is empty.
    pub fn iou(&self, other: &BoxF) -> f32 {
        let ix = (self.x1.min(other.x1) - self.x0.max(other.x0)).max(0.0);
        let iy = (self.y1.min(other.y1) - self.y0.max(other.y0)).max(0.0);
        let inter = ix * iy;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 {
            0.0
        } else {
            inter / union
        }
    }
    /// Whether the box's centre lies inside `roi`.
    pub fn center_in(&self, roi: &BoxF) -> bool {
        let c = self.center();
        c.x >= roi.x0 && c.x <= roi.x1 && c.y >= roi.y0 && c.y <= roi.y1
    }
}

/// Greedy non-maximum suppression: keeps the highest-scoring boxes, dropping any whose IoU with
/// an already kept box exceeds `iou_max`. `scores[i]` belongs to `boxes[i]`; returns kept indices,
/// best first.
pub fn nms(boxes: &[BoxF], scores: &[f32], iou_max: f32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len().min(scores.len())).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut keep: Vec<usize> = Vec::new();
    for i in order {
        if keep.iter().all(|&k| boxes[k].iou(&boxes[i]) <= iou_max) {
            keep.push(i);
        }
    }
    keep
}

/// A 2x3 affine matrix `[a b c; d e f]` mapping (x, y) to (a x + b y + c, d x + e y + f).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine(pub [f32; 6]);

impl Affine {
    pub fn apply(&self, p: Point) -> Point {
        let m = &self.0;
        Point::new(
            m[0] * p.x + m[1] * p.y + m[2],
            m[3] * p.x + m[4] * p.y + m[5],
        )
    }

    /// The inverse map, or `None` when the matrix is singular.
    pub fn inverse(&self) -> Option<Affine> {
        let [a, b, c, d, e, f] = self.0;
        let det = a * e - b * d;
        if det.abs() < 1e-12 {
            return None;
        }
        let ia = e / det;
        let ib = -b / det;
        let id = -d / det;
        let ie = a / det;
        Some(Affine([
            ia,
            ib,
            -(ia * c + ib * f),
            id,
            ie,
            -(id * c + ie * f),
        ]))
    }

    /// The uniform scale of a similarity matrix.
    pub fn scale(&self) -> f32 {
        (self.0[0] * self.0[0] + self.0[3] * self.0[3]).sqrt()
    }
}

/// Least-squares similarity transform (rotation, uniform scale, translation; never a reflection)
/// taking `src[i]` onto `dst[i]`: the 2-D case of Umeyama (1991), in closed form.
///
/// With both sets centred, the best rotation-and-scale is `a = Σ(x·u + y·v) / Σ|p|²`,
/// `b = Σ(x·v − y·u) / Σ|p|²`, giving `[a −b; b a]`; this equals Umeyama's SVD solution with its
/// reflection correction, since the complex least-squares fit ranges over proper similarities only.
///
/// Returns `None` when there are fewer than two points or all source points coincide.
pub fn similarity_lstsq(src: &[Point], dst: &[Point]) -> Option<Affine> {
    let n = src.len().min(dst.len());
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let (mut msx, mut msy, mut mdx, mut mdy) = (0f64, 0f64, 0f64, 0f64);
    for i in 0..n {
        msx += src[i].x as f64;
        msy += src[i].y as f64;
        mdx += dst[i].x as f64;
        mdy += dst[i].y as f64;
    }
    msx /= nf;
    msy /= nf;
    mdx /= nf;
    mdy /= nf;
    let (mut num_a, mut num_b, mut den) = (0f64, 0f64, 0f64);
    for i in 0..n {
        let x = src[i].x as f64 - msx;
        let y = src[i].y as f64 - msy;
        let u = dst[i].x as f64 - mdx;
        let v = dst[i].y as f64 - mdy;
        num_a += x * u + y * v;
        num_b += x * v - y * u;
        den += x * x + y * y;
    }
    if den < 1e-12 {
        return None;
    }
    let a = num_a / den;
    let b = num_b / den;
    let tx = mdx - (a * msx - b * msy);
    let ty = mdy - (b * msx + a * msy);
    Some(Affine([
        a as f32, -b as f32, tx as f32, b as f32, a as f32, ty as f32,
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f32, b: f32, tol: f32) -> bool {
        (a - b).abs() <= tol
    }

    #[track_caller]
    fn check_recovers(angle_deg: f32, scale: f32, tx: f32, ty: f32) {
        let src = [
            Point::new(38.29, 51.69),
            Point::new(73.53, 51.50),
            Point::new(56.02, 71.73),
            Point::new(41.54, 92.36),
            Point::new(70.72, 92.20),
        ];
        let (s, c) = angle_deg.to_radians().sin_cos();
        let truth = Affine([scale * c, -scale * s, tx, scale * s, scale * c, ty]);
        let dst: Vec<Point> = src.iter().map(|&p| truth.apply(p)).collect();
        let m = similarity_lstsq(&src, &dst).unwrap();
        for (got, want) in m.0.iter().zip(truth.0.iter()) {
            assert!(
                close(*got, *want, 1e-3 * want.abs().max(1.0)),
                "{m:?} vs {truth:?}"
            );
        }
    }

    #[test]
    fn similarity_recovers_known_transforms() {
        check_recovers(0.0, 1.0, 0.0, 0.0);
        check_recovers(30.0, 2.5, -100.0, 40.0);
        check_recovers(-75.0, 0.3, 12.5, 300.0);
        check_recovers(180.0, 1.7, 5.0, -5.0);
    }

    #[test]
    fn similarity_never_reflects() {
        // A mirrored point set: the best proper similarity has a positive determinant.
        let src = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 0.0),
            Point::new(0.0, 2.0),
        ];
        let dst = [
            Point::new(0.0, 0.0),
            Point::new(-1.0, 0.0),
            Point::new(0.0, 2.0),
        ];
        let m = similarity_lstsq(&src, &dst).unwrap();
        let det = m.0[0] * m.0[4] - m.0[1] * m.0[3];
        assert!(det > 0.0);
    }

    #[test]
    fn similarity_matches_skimage_on_noisy_points() {
        // Reference: numpy SVD Umeyama (PROVENANCE.md section 2) on these points.
        let src = [
            Point::new(100.0, 120.0),
            Point::new(160.0, 118.0),
            Point::new(131.0, 150.0),
            Point::new(106.0, 181.0),
            Point::new(154.0, 179.0),
        ];
        let dst = [
            Point::new(38.2946, 51.6963),
            Point::new(73.5318, 51.5014),
            Point::new(56.0252, 71.7366),
            Point::new(41.5493, 92.3655),
            Point::new(70.7299, 92.2041),
        ];
        let m = similarity_lstsq(&src, &dst).unwrap();
        let want = [
            0.634_855_7,
            -0.006_098_1,
            -25.719_781,
            0.006_098_1,
            0.634_855_7,
            -23.867_61,
        ];
        for (g, w) in m.0.iter().zip(want.iter()) {
            assert!(close(*g, *w, 2e-3), "{:?}", m.0);
        }
    }

    #[test]
    fn degenerate_inputs() {
        assert!(similarity_lstsq(&[Point::new(1.0, 1.0)], &[Point::new(0.0, 0.0)]).is_none());
        let same = [Point::new(3.0, 3.0); 5];
        assert!(similarity_lstsq(&same, &same).is_none());
    }

    #[test]
    fn inverse_round_trips() {
        let m = Affine([0.5, -0.2, 10.0, 0.2, 0.5, -4.0]);
        let inv = m.inverse().unwrap();
        let p = Point::new(33.0, -7.0);
        let q = inv.apply(m.apply(p));
        assert!(close(p.x, q.x, 1e-3) && close(p.y, q.y, 1e-3));
    }

    #[test]
    fn iou_and_nms() {
        let a = BoxF {
            x0: 0.0,
            y0: 0.0,
            x1: 10.0,
            y1: 10.0,
        };
        let b = BoxF {
            x0: 5.0,
            y0: 0.0,
            x1: 15.0,
            y1: 10.0,
        };
        let c = BoxF {
            x0: 100.0,
            y0: 100.0,
            x1: 110.0,
            y1: 110.0,
        };
        assert!(close(a.iou(&b), 50.0 / 150.0, 1e-6));
        assert_eq!(a.iou(&c), 0.0);
        assert_eq!(nms(&[a, b, c], &[0.9, 0.95, 0.5], 0.3), vec![1, 2]);
        assert_eq!(nms(&[a, b, c], &[0.9, 0.95, 0.5], 0.5), vec![1, 0, 2]);
    }
}

//! Pixel work without OpenCV, so that vision builds and runs where OpenCV is absent (the aarch64
//! cross-build): bilinear resize into a model's planar input, affine warp into an aligned crop,
//! and the statistics the quality gate reads.
//!
//! Resampling follows OpenCV's `INTER_LINEAR` conventions (pixel centres at +0.5, constant black
//! border for the warp), so that results match a Python/OpenCV reference closely.

use crate::core::geometry::Affine;
use crate::core::image::BgrImage;

/// Precomputed source indices and weights of one axis of a bilinear resize.
#[derive(Debug, Default, Clone)]
struct AxisMap {
    i0: Vec<usize>,
    i1: Vec<usize>,
    w1: Vec<f32>,
}

impl AxisMap {
    fn build(&mut self, src_len: usize, dst_len: usize) {
        self.i0.clear();
        self.i1.clear();
        self.w1.clear();
        let ratio = src_len as f32 / dst_len as f32;
        for d in 0..dst_len {
            let s = ((d as f32 + 0.5) * ratio - 0.5).max(0.0);
            let i0 = (s.floor() as usize).min(src_len - 1);
            let i1 = (i0 + 1).min(src_len - 1);
            self.i0.push(i0);
            self.i1.push(i1);
            self.w1.push(s - i0 as f32);
        }
    }
}

/// Reusable state for resizing frames into a detector's planar input; no allocation once warm.
#[derive(Debug, Default, Clone)]
pub struct Letterbox {
    xs: AxisMap,
    ys: AxisMap,
    key: (usize, usize, usize, usize),
    row_a: Vec<f32>,
    row_b: Vec<f32>,
}

impl Letterbox {
    /// Resizes `img` to `dw` x `dh` and writes it into the top-left of a zeroed planar
    /// `[3][ph][pw]` buffer as `(v - mean) * scale`, channels in BGR order when `bgr`, else RGB.
    #[allow(clippy::too_many_arguments)]
    pub fn fill(
        &mut self,
        img: &BgrImage,
        dw: usize,
        dh: usize,
        pw: usize,
        ph: usize,
        bgr: bool,
        mean: f32,
        scale: f32,
        out: &mut Vec<f32>,
    ) {
        let (sw, sh) = (img.width(), img.height());
        if self.key != (sw, sh, dw, dh) {
            self.xs.build(sw, dw);
            self.ys.build(sh, dh);
            self.key = (sw, sh, dw, dh);
        }
        out.clear();
        out.resize(3 * pw * ph, (0.0 - mean) * scale);
        let src = img.data();
        let plane = pw * ph;
        self.row_a.resize(dw * 3, 0.0);
        self.row_b.resize(dw * 3, 0.0);
        let order: [usize; 3] = if bgr { [0, 1, 2] } else { [2, 1, 0] };
        for y in 0..dh {
            let (y0, y1, wy) = (self.ys.i0[y], self.ys.i1[y], self.ys.w1[y]);
            horizontal(
                &src[y0 * sw * 3..(y0 + 1) * sw * 3],
                &self.xs,
                &mut self.row_a,
            );
            horizontal(
                &src[y1 * sw * 3..(y1 + 1) * sw * 3],
                &self.xs,
                &mut self.row_b,
            );
            for x in 0..dw {
                for (c, &oc) in order.iter().enumerate() {
                    let a = self.row_a[x * 3 + c];
                    let b = self.row_b[x * 3 + c];
                    let v = a + (b - a) * wy;
                    out[oc * plane + y * pw + x] = (v - mean) * scale;
                }
            }
        }
    }
}

fn horizontal(row: &[u8], xs: &AxisMap, out: &mut [f32]) {
    for (x, o) in out.chunks_exact_mut(3).enumerate() {
        let (i0, i1, w) = (xs.i0[x] * 3, xs.i1[x] * 3, xs.w1[x]);
        for c in 0..3 {
            let a = f32::from(row[i0 + c]);
            let b = f32::from(row[i1 + c]);
            o[c] = a + (b - a) * w;
        }
    }
}

/// Warps `img` through `m` (source → crop coordinates) into a `size` x `size` crop, bilinear,
/// black outside the source: OpenCV's `warpAffine(..., INTER_LINEAR, BORDER_CONSTANT)`.
/// Returns `None` when `m` cannot be inverted.
pub fn warp_affine(img: &BgrImage, m: &Affine, size: usize) -> Option<BgrImage> {
    let inv = m.inverse()?;
    let [a, b, c, d, e, f] = inv.0;
    let (w, h) = (img.width() as isize, img.height() as isize);
    let src = img.data();
    let mut out = BgrImage::black(size, size);
    let dst = out.data_mut();
    let px = |x: isize, y: isize, ch: usize| -> f32 {
        if x < 0 || y < 0 || x >= w || y >= h {
            0.0
        } else {
            f32::from(src[(y as usize * w as usize + x as usize) * 3 + ch])
        }
    };
    for yy in 0..size {
        for xx in 0..size {
            let (fx, fy) = (xx as f32, yy as f32);
            let sx = a * fx + b * fy + c;
            let sy = d * fx + e * fy + f;
            let x0 = sx.floor();
            let y0 = sy.floor();
            let (wx, wy) = (sx - x0, sy - y0);
            let (x0, y0) = (x0 as isize, y0 as isize);
            for ch in 0..3 {
                let top = px(x0, y0, ch) * (1.0 - wx) + px(x0 + 1, y0, ch) * wx;
                let bot = px(x0, y0 + 1, ch) * (1.0 - wx) + px(x0 + 1, y0 + 1, ch) * wx;
                let v = top * (1.0 - wy) + bot * wy;
                dst[(yy * size + xx) * 3 + ch] = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Some(out)
}

/// Writes a crop as a planar `[3][s][s]` model input, `(v - mean) * scale`, RGB unless `bgr`.
pub fn crop_to_planar(crop: &BgrImage, bgr: bool, mean: f32, scale: f32, out: &mut [f32]) {
    let plane = crop.width() * crop.height();
    let order: [usize; 3] = if bgr { [0, 1, 2] } else { [2, 1, 0] };
    for (i, p) in crop.data().chunks_exact(3).enumerate() {
        for c in 0..3 {
            out[order[c] * plane + i] = (f32::from(p[c]) - mean) * scale;
        }
    }
}

/// Luma (BT.601) of one BGR pixel.
fn luma(p: &[u8]) -> f32 {
    0.114 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.299 * f32::from(p[2])
}

/// Mean luma of the whole image, sampling every `step`-th pixel in both directions.
pub fn mean_luma(img: &BgrImage, step: usize) -> f32 {
    let step = step.max(1);
    let (w, h) = (img.width(), img.height());
    let d = img.data();
    let (mut sum, mut n) = (0f64, 0usize);
    for y in (0..h).step_by(step) {
        for x in (0..w).step_by(step) {
            sum += f64::from(luma(&d[(y * w + x) * 3..]));
            n += 1;
        }
    }
    if n == 0 {
        0.0
    } else {
        (sum / n as f64) as f32
    }
}

/// Mean luma and variance of the 4-neighbour Laplacian over the central square of a crop
/// (the middle `inner` fraction, which holds the face rather than the black warp border).
pub fn crop_stats(crop: &BgrImage, inner: f32) -> (f32, f32) {
    let s = crop.width().min(crop.height());
    let margin = ((1.0 - inner) * 0.5 * s as f32) as usize;
    let (lo, hi) = (margin.max(1), (s - margin).min(s - 1));
    let w = crop.width();
    let d = crop.data();
    let g = |x: usize, y: usize| luma(&d[(y * w + x) * 3..]);
    let (mut sum, mut lap_sum, mut lap_sq, mut n) = (0f64, 0f64, 0f64, 0usize);
    for y in lo..hi {
        for x in lo..hi {
            let c = g(x, y);
            let l = g(x - 1, y) + g(x + 1, y) + g(x, y - 1) + g(x, y + 1) - 4.0 * c;
            sum += f64::from(c);
            lap_sum += f64::from(l);
            lap_sq += f64::from(l) * f64::from(l);
            n += 1;
        }
    }
    if n == 0 {
        return (0.0, 0.0);
    }
    let nf = n as f64;
    let mean_lap = lap_sum / nf;
    (
        (sum / nf) as f32,
        (lap_sq / nf - mean_lap * mean_lap) as f32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: usize, h: usize) -> BgrImage {
        let mut d = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                d.extend_from_slice(&[(x * 255 / w.max(2)) as u8, (y * 255 / h.max(2)) as u8, 77]);
            }
        }
        BgrImage::from_bgr(w, h, d).unwrap()
    }

    #[test]
    fn identity_resize_copies_pixels() {
        let img = gradient(8, 6);
        let mut lb = Letterbox::default();
        let mut out = Vec::new();
        lb.fill(&img, 8, 6, 8, 8, true, 0.0, 1.0, &mut out);
        assert_eq!(out.len(), 3 * 64);
        for y in 0..6 {
            for x in 0..8 {
                let p = &img.data()[(y * 8 + x) * 3..];
                assert_eq!(out[y * 8 + x], f32::from(p[0]));
                assert_eq!(out[64 + y * 8 + x], f32::from(p[1]));
                assert_eq!(out[128 + y * 8 + x], f32::from(p[2]));
            }
        }
        // Padding rows stay at (0 - mean) * scale.
        assert_eq!(out[6 * 8], 0.0);
    }

    #[test]
    fn rgb_order_and_normalisation() {
        let img = BgrImage::from_bgr(1, 1, vec![10, 20, 30]).unwrap();
        let mut out = Vec::new();
        Letterbox::default().fill(&img, 1, 1, 1, 1, false, 127.5, 1.0 / 127.5, &mut out);
        let want = [
            (30.0 - 127.5) / 127.5,
            (20.0 - 127.5) / 127.5,
            (10.0 - 127.5) / 127.5,
        ];
        for (g, w) in out.iter().zip(want) {
            assert!((g - w).abs() < 1e-6);
        }
    }

    #[test]
    fn halving_averages_neighbours() {
        // OpenCV INTER_LINEAR at exactly 2x down samples between two source pixels.
        let img = BgrImage::from_bgr(
            4,
            1,
            vec![0, 0, 0, 100, 100, 100, 200, 200, 200, 40, 40, 40],
        )
        .unwrap();
        let mut out = Vec::new();
        Letterbox::default().fill(&img, 2, 1, 2, 1, true, 0.0, 1.0, &mut out);
        assert_eq!(&out[0..2], &[50.0, 120.0]);
    }

    #[test]
    fn warp_identity_and_shift() {
        let img = gradient(16, 16);
        let id = warp_affine(&img, &Affine([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]), 16).unwrap();
        assert_eq!(id, img);
        let shifted = warp_affine(&img, &Affine([1.0, 0.0, -2.0, 0.0, 1.0, 0.0]), 16).unwrap();
        assert_eq!(&shifted.data()[0..3], &img.data()[6..9]);
        // Past the right edge is black.
        let last = (15 * 16 + 15) * 3;
        assert_eq!(&shifted.data()[last..last + 3], &[0, 0, 0]);
        assert!(warp_affine(&img, &Affine([0.0; 6]), 16).is_none());
    }

    #[test]
    fn sharpness_sees_edges() {
        let flat = BgrImage::from_bgr(32, 32, vec![128; 32 * 32 * 3]).unwrap();
        let (m, v) = crop_stats(&flat, 0.8);
        assert!((m - 128.0).abs() < 0.5 && v < 1e-3);
        let mut checker = vec![0u8; 32 * 32 * 3];
        for y in 0..32 {
            for x in 0..32 {
                let v = if (x + y) % 2 == 0 { 255 } else { 0 };
                checker[(y * 32 + x) * 3..(y * 32 + x) * 3 + 3].fill(v);
            }
        }
        let (_, v) = crop_stats(&BgrImage::from_bgr(32, 32, checker).unwrap(), 0.8);
        assert!(v > 10_000.0);
    }
}

//! The idle gate: a cheap motion check on a downscaled grey copy of each frame, so that with
//! nobody at the door the face detector runs only on every k-th frame. Pure: frames in, a yes or
//! no out; the caller decides what to skip.

use crate::core::image::BgrImage;

/// Thumbnail size the check works on.
const THUMB_W: usize = 32;
const THUMB_H: usize = 24;

/// Remembers the last thumbnail and says whether the scene changed.
#[derive(Debug, Clone)]
pub struct MotionGate {
    threshold: f32,
    last: Option<Vec<u8>>,
    thumb: Vec<u8>,
}

impl MotionGate {
    /// `threshold`: mean absolute difference (0..255) of the grey thumbnail that counts as motion.
    pub fn new(threshold: f32) -> Self {
        MotionGate {
            threshold,
            last: None,
            thumb: vec![0; THUMB_W * THUMB_H],
        }
    }

    /// Whether `img` differs from the previous frame by more than the threshold (the first frame
    /// always does).
    pub fn moved(&mut self, img: &BgrImage) -> bool {
        thumbnail(img, &mut self.thumb);
        let moved = match &self.last {
            None => true,
            Some(prev) => {
                let sum: u32 = prev
                    .iter()
                    .zip(&self.thumb)
                    .map(|(a, b)| u32::from(a.abs_diff(*b)))
                    .sum();
                sum as f32 / self.thumb.len() as f32 > self.threshold
            }
        };
        match &mut self.last {
            Some(prev) => prev.copy_from_slice(&self.thumb),
            None => self.last = Some(self.thumb.clone()),
        }
        moved
    }
}

/// Samples a grey thumbnail (luma of the pixel at each cell's centre, averaged over a 2×2 patch).
fn thumbnail(img: &BgrImage, out: &mut [u8]) {
    let (w, h) = (img.width(), img.height());
    let data = img.data();
    if w < 2 || h < 2 {
        out.fill(0);
        return;
    }
    for ty in 0..THUMB_H {
        let y = ((2 * ty + 1) * h / (2 * THUMB_H)).min(h - 2);
        for tx in 0..THUMB_W {
            let x = ((2 * tx + 1) * w / (2 * THUMB_W)).min(w - 2);
            let mut acc = 0u32;
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let i = ((y + dy) * w + x + dx) * 3;
                let (b, g, r) = (data[i] as u32, data[i + 1] as u32, data[i + 2] as u32);
                acc += (29 * b + 150 * g + 77 * r) >> 8;
            }
            out[ty * THUMB_W + tx] = (acc / 4) as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(w: usize, h: usize, v: u8) -> BgrImage {
        BgrImage::from_bgr(w, h, vec![v; w * h * 3]).unwrap()
    }

    #[test]
    fn a_still_scene_is_still_and_a_change_is_motion() {
        let mut g = MotionGate::new(4.0);
        let a = grey(320, 240, 100);
        assert!(g.moved(&a), "the first frame counts as motion");
        assert!(!g.moved(&a));
        // Sensor noise of a couple of levels is not motion.
        assert!(!g.moved(&grey(320, 240, 102)));
        // Someone walking in: a third of the frame changes a lot.
        let mut b = grey(320, 240, 102);
        for y in 0..240 {
            for x in 100..210 {
                let i = (y * 320 + x) * 3;
                b.data_mut()[i..i + 3].copy_from_slice(&[20, 30, 200]);
            }
        }
        assert!(g.moved(&b));
        assert!(!g.moved(&b));
    }

    #[test]
    fn tiny_images_do_not_panic() {
        let mut g = MotionGate::new(4.0);
        g.moved(&grey(1, 1, 0));
        g.moved(&grey(3, 2, 9));
    }
}

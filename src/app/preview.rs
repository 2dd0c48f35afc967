//! The door camera's live preview for enrolment at the console: the recognise stage publishes
//! into a [`DoorPreview`] slot the latest processed frame's verdict (the *enrolment* gate's, the
//! stricter one a capture needs), a frame number that counts up, the last few frames' results
//! with the embeddings of those that passed, and, a few times a second, a small JPEG of the frame
//! with the chosen face boxed in green (passes) or red (refused).
//!
//! The stage never waits on the console: it updates the slot with `try_lock` (a busy slot is
//! refreshed on the next frame) and encodes outside the lock. Nothing here touches a device or
//! the store; the console (`app::console`) reads the slot. It lives in `app`, not `daemon`, so that both
//! the daemon (which writes it) and the console (which reads it) reach it without an upward import.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tracing::debug;

use crate::core::geometry::BoxF;
use crate::core::image::BgrImage;
use crate::hw::photo::encode_jpeg;
use crate::vision::quality::Rejection;

/// Width of the preview image, pixels (narrower frames are kept as they are).
pub const PREVIEW_WIDTH: usize = 320;
/// How often at most the preview image is encoded.
pub const ENCODE_EVERY: Duration = Duration::from_millis(250);
/// How many recent frames' results the slot keeps.
pub const RECENT_FRAMES: usize = 8;

/// The enrolment gate's verdict on one processed frame.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameVerdict {
    NoFace,
    Pass,
    Refused(Rejection),
}

/// A face that passed the enrolment gate.
#[derive(Debug, Clone, PartialEq)]
pub struct PassedFace {
    pub vector: Vec<f32>,
    pub sharpness: f32,
    /// The aligned crop, only when `store.keep-face-images` is on.
    pub crop: Option<BgrImage>,
    /// The liveness models' live share of the face, when a capture waited and the models run
    /// (kept as a bona fide sample of this camera, issue 11).
    pub live_score: Option<f32>,
}

/// One processed frame's result.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameResult {
    pub frame: u64,
    pub verdict: FrameVerdict,
    /// The face when it passed the enrolment gate.
    pub passed: Option<PassedFace>,
}

/// What the slot holds.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// The latest processed frame's number (counts up from 1 for this run).
    pub frame: u64,
    /// The latest encoded preview (may be a few frames older than `frame`).
    pub jpeg: Option<Arc<Vec<u8>>>,
    /// The last [`RECENT_FRAMES`] results, oldest first.
    pub recent: VecDeque<FrameResult>,
}

impl Preview {
    /// The latest frame's result.
    pub fn latest(&self) -> Option<&FrameResult> {
        self.recent.back()
    }
}

/// The shared slot: written by the recognise stage, read by the console.
#[derive(Debug, Default)]
pub struct DoorPreview {
    slot: Mutex<Preview>,
    /// Captures waiting for good frames: while any waits, the recognise stage embeds the
    /// largest face on every frame, even one whose track has concluded (it is otherwise followed
    /// by its box alone, with nothing to enrol from).
    captures: AtomicUsize,
}

/// A capture waiting on the slot; dropping it ends the wait.
#[derive(Debug)]
pub struct CaptureWaiting<'a>(&'a DoorPreview);

impl Drop for CaptureWaiting<'_> {
    fn drop(&mut self) {
        self.0.captures.fetch_sub(1, Ordering::SeqCst);
    }
}

impl DoorPreview {
    /// Asks the recognise stage for embeddings of the largest face on every frame, until the
    /// returned guard is dropped.
    pub fn capture_waiting(&self) -> CaptureWaiting<'_> {
        self.captures.fetch_add(1, Ordering::SeqCst);
        CaptureWaiting(self)
    }

    /// Whether a capture waits for good frames.
    pub fn capture_wanted(&self) -> bool {
        self.captures.load(Ordering::SeqCst) > 0
    }

    /// A copy of what the slot holds (the JPEG is shared, not copied); `None` when the lock is
    /// poisoned.
    pub fn snapshot(&self) -> Option<Preview> {
        self.slot.lock().ok().map(|p| p.clone())
    }
}

/// The recognise stage's side of the slot.
#[derive(Debug)]
pub struct PreviewPublisher {
    shared: Arc<DoorPreview>,
    frame: u64,
    recent: VecDeque<FrameResult>,
    last_encode: Option<Instant>,
}

impl PreviewPublisher {
    pub fn new(shared: Arc<DoorPreview>) -> Self {
        PreviewPublisher {
            shared,
            frame: 0,
            recent: VecDeque::with_capacity(RECENT_FRAMES + 1),
            last_encode: None,
        }
    }

    /// Whether the console waits for good frames to enrol from (see [`DoorPreview::capture_waiting`]).
    pub fn capture_wanted(&self) -> bool {
        self.shared.capture_wanted()
    }

    /// Records one processed frame: its verdict, the chosen face's box in `image` and, when it
    /// passed, the face. Never blocks on the console.
    pub fn publish(
        &mut self,
        image: &BgrImage,
        face: Option<BoxF>,
        verdict: FrameVerdict,
        passed: Option<PassedFace>,
    ) {
        self.frame += 1;
        let colour = if verdict == FrameVerdict::Pass {
            GREEN
        } else {
            RED
        };
        self.recent.push_back(FrameResult {
            frame: self.frame,
            verdict,
            passed,
        });
        while self.recent.len() > RECENT_FRAMES {
            self.recent.pop_front();
        }
        let due = self.last_encode.is_none_or(|t| t.elapsed() >= ENCODE_EVERY);
        let jpeg = if due {
            self.last_encode = Some(Instant::now());
            let (mut small, scale) = downscaled(image, PREVIEW_WIDTH);
            if let Some(b) = face {
                draw_box(&mut small, scaled_box(b, scale), colour, 2);
            }
            match encode_jpeg(&small) {
                Ok(bytes) => Some(Arc::new(bytes)),
                Err(error) => {
                    debug!(%error, "Cannot encode the preview frame.");
                    None
                }
            }
        } else {
            None
        };
        if let Ok(mut slot) = self.shared.slot.try_lock() {
            slot.frame = self.frame;
            slot.recent.clone_from(&self.recent);
            if jpeg.is_some() {
                slot.jpeg = jpeg;
            }
        } else if jpeg.is_some() {
            // The console holds the slot: try the picture again on the next frame.
            self.last_encode = None;
        }
    }
}

/// BGR green.
pub const GREEN: [u8; 3] = [0, 200, 0];
/// BGR red.
pub const RED: [u8; 3] = [0, 0, 230];

/// `image` shrunk (nearest neighbour) to `width` pixels wide, with the factor applied; a
/// narrower image is copied as it is (factor 1).
pub fn downscaled(image: &BgrImage, width: usize) -> (BgrImage, f32) {
    let (w, h) = (image.width(), image.height());
    if w <= width || w == 0 {
        return (image.clone(), 1.0);
    }
    let scale = width as f32 / w as f32;
    let nh = ((h as f32 * scale).round() as usize).max(1);
    let mut out = BgrImage::black(width, nh);
    let src = image.data();
    let dst = out.data_mut();
    for y in 0..nh {
        let sy = (y * h / nh).min(h - 1);
        for x in 0..width {
            let sx = (x * w / width).min(w - 1);
            let s = (sy * w + sx) * 3;
            let d = (y * width + x) * 3;
            if let (Some(from), Some(to)) = (src.get(s..s + 3), dst.get_mut(d..d + 3)) {
                to.copy_from_slice(from);
            }
        }
    }
    (out, scale)
}

fn scaled_box(b: BoxF, scale: f32) -> BoxF {
    BoxF {
        x0: b.x0 * scale,
        y0: b.y0 * scale,
        x1: b.x1 * scale,
        y1: b.y1 * scale,
    }
}

/// Draws the outline of `b` (clipped to the image), `thickness` pixels wide inwards, in `colour`.
pub fn draw_box(image: &mut BgrImage, b: BoxF, colour: [u8; 3], thickness: usize) {
    let (w, h) = (image.width(), image.height());
    if w == 0 || h == 0 {
        return;
    }
    let clamp = |v: f32, max: usize| (v.round().max(0.0) as usize).min(max - 1);
    let (x0, x1) = (clamp(b.x0.min(b.x1), w), clamp(b.x0.max(b.x1), w));
    let (y0, y1) = (clamp(b.y0.min(b.y1), h), clamp(b.y0.max(b.y1), h));
    let t = thickness.max(1);
    let data = image.data_mut();
    for y in y0..=y1 {
        for x in x0..=x1 {
            let edge = x < x0 + t || x + t > x1 || y < y0 + t || y + t > y1;
            if edge {
                let i = (y * w + x) * 3;
                if let Some(p) = data.get_mut(i..i + 3) {
                    p.copy_from_slice(&colour);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(img: &BgrImage, x: usize, y: usize) -> [u8; 3] {
        let i = (y * img.width() + x) * 3;
        [img.data()[i], img.data()[i + 1], img.data()[i + 2]]
    }

    #[test]
    fn the_box_colours_its_border_and_leaves_the_inside_and_outside_alone() {
        let mut img = BgrImage::black(20, 20);
        let b = BoxF {
            x0: 4.0,
            y0: 5.0,
            x1: 15.0,
            y1: 14.0,
        };
        draw_box(&mut img, b, GREEN, 2);
        for (x, y) in [
            (4, 5),
            (15, 14),
            (10, 5),
            (10, 6),
            (4, 10),
            (15, 10),
            (10, 14),
        ] {
            assert_eq!(pixel(&img, x, y), GREEN, "border pixel ({x},{y})");
        }
        for (x, y) in [
            (10, 10),
            (6, 7),
            (13, 12),
            (0, 0),
            (3, 5),
            (16, 14),
            (10, 4),
        ] {
            assert_eq!(pixel(&img, x, y), [0, 0, 0], "pixel ({x},{y})");
        }
    }

    #[test]
    fn a_box_past_the_edge_is_clipped() {
        let mut img = BgrImage::black(10, 10);
        let b = BoxF {
            x0: -5.0,
            y0: -5.0,
            x1: 50.0,
            y1: 50.0,
        };
        draw_box(&mut img, b, RED, 1);
        assert_eq!(pixel(&img, 0, 0), RED);
        assert_eq!(pixel(&img, 9, 9), RED);
        assert_eq!(pixel(&img, 5, 5), [0, 0, 0]);
    }

    #[test]
    fn downscaling_keeps_the_aspect_and_publishing_counts_frames() {
        let img = BgrImage::black(640, 480);
        let (small, scale) = downscaled(&img, 320);
        assert_eq!((small.width(), small.height()), (320, 240));
        assert!((scale - 0.5).abs() < 1e-6);
        let shared = Arc::new(DoorPreview::default());
        let mut p = PreviewPublisher::new(shared.clone());
        p.publish(&img, None, FrameVerdict::NoFace, None);
        p.publish(
            &img,
            None,
            FrameVerdict::Pass,
            Some(PassedFace {
                vector: vec![1.0],
                sharpness: 0.5,
                crop: None,
                live_score: None,
            }),
        );
        let snap = shared.snapshot().unwrap();
        assert_eq!(snap.frame, 2);
        assert_eq!(snap.recent.len(), 2);
        assert_eq!(snap.latest().unwrap().verdict, FrameVerdict::Pass);
    }
}

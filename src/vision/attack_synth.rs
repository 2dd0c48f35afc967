//! Synthetic presentation attacks, rendered from real captures, for testing liveness where no
//! real attack has been recorded yet: a **print** (the photo on a sheet with a white margin and
//! paper texture, held by a hand that moves it as a plane, lit unevenly) and a **replay** (the
//! photo on a phone's screen: the pixel grid resampled by the camera into moiré, the screen's
//! gamma and colour, a glare, the black bezel, the fingers holding it).
//!
//! Pure pixel work on values, seeded: the same photo, background and seed give the same frames.
//! Reads and writes no file (`cli::make_attacks` does). What these can and cannot tell about
//! real attacks is in the README ("Liveness").

use crate::core::evaluation::SplitMix;
use crate::core::geometry::BoxF;
use crate::core::image::BgrImage;
use crate::core::liveness::Homography;

/// The kinds of attack rendered here; the folder name under `attack/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttackKind {
    Print,
    Replay,
}

impl AttackKind {
    pub const ALL: [AttackKind; 2] = [AttackKind::Print, AttackKind::Replay];

    pub fn folder(self) -> &'static str {
        match self {
            AttackKind::Print => "print",
            AttackKind::Replay => "replay",
        }
    }
}

/// A seeded source of uniform numbers.
#[derive(Debug, Clone)]
pub struct Dice(SplitMix);

impl Dice {
    pub fn new(seed: u64) -> Self {
        Dice(SplitMix::new(seed))
    }
    /// Uniform in `[lo, hi)`.
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        let u = (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        lo + (hi - lo) * u
    }
    /// Uniform index below `n` (0 when `n` is 0).
    pub fn index(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.0.next_u64() % n as u64) as usize
        }
    }
}

/// A float BGR layer (the sheet or the phone) in its own coordinates, with a mask.
struct Layer {
    w: usize,
    h: usize,
    /// How wide the photo is drawn on the layer, in layer pixels.
    photo_w: usize,
    /// BGR, 0..255.
    px: Vec<[f32; 3]>,
    /// Whether each pixel belongs to the object (outside: the background shows).
    solid: Vec<bool>,
}

impl Layer {
    fn new(w: usize, h: usize, fill: [f32; 3]) -> Self {
        Layer {
            w,
            h,
            photo_w: w,
            px: vec![fill; w * h],
            solid: vec![true; w * h],
        }
    }

    fn sample(&self, x: f64, y: f64) -> Option<[f32; 3]> {
        if x < 0.0 || y < 0.0 || x > (self.w - 1) as f64 || y > (self.h - 1) as f64 {
            return None;
        }
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        if !self.solid[y0 * self.w + x0] {
            return None;
        }
        let (fx, fy) = ((x - x0 as f64) as f32, (y - y0 as f64) as f32);
        let p = |xx: usize, yy: usize| self.px[yy * self.w + xx];
        let mut out = [0.0; 3];
        for (c, o) in out.iter_mut().enumerate() {
            let top = p(x0, y0)[c] * (1.0 - fx) + p(x1, y0)[c] * fx;
            let bot = p(x0, y1)[c] * (1.0 - fx) + p(x1, y1)[c] * fx;
            *o = top * (1.0 - fy) + bot * fy;
        }
        Some(out)
    }
}

/// Copies the square around `face` (`scale` face sizes wide, clamped to the image) out of `img`:
/// the "photo" an attacker prints or shows.
pub fn photo_of(img: &BgrImage, face: &BoxF, scale: f32) -> Option<BgrImage> {
    let c = face.center();
    let half = face.width().max(face.height()) * scale * 0.5;
    let x0 = (c.x - half).max(0.0) as usize;
    let y0 = (c.y - half * 1.1).max(0.0) as usize;
    let x1 = ((c.x + half) as usize).min(img.width());
    let y1 = ((c.y + half * 0.9) as usize).min(img.height());
    if x1 <= x0 + 8 || y1 <= y0 + 8 {
        return None;
    }
    let mut data = Vec::with_capacity((x1 - x0) * (y1 - y0) * 3);
    for y in y0..y1 {
        data.extend_from_slice(&img.data()[(y * img.width() + x0) * 3..(y * img.width() + x1) * 3]);
    }
    BgrImage::from_bgr(x1 - x0, y1 - y0, data).ok()
}

/// A scene background with no face left in it: `frame` shrunk 16 times and blown up again.
pub fn blurred_background(frame: &BgrImage) -> BgrImage {
    let (w, h) = (frame.width(), frame.height());
    let k = 16usize;
    let (sw, sh) = (w.div_ceil(k), h.div_ceil(k));
    let mut small = vec![[0f32; 3]; sw * sh];
    let mut n = vec![0f32; sw * sh];
    for y in 0..h {
        for x in 0..w {
            let i = (y / k) * sw + x / k;
            let p = &frame.data()[(y * w + x) * 3..];
            for c in 0..3 {
                small[i][c] += f32::from(p[c]);
            }
            n[i] += 1.0;
        }
    }
    for (s, n) in small.iter_mut().zip(&n) {
        s.iter_mut().for_each(|v| *v /= n.max(1.0));
    }
    let layer = Layer {
        w: sw,
        h: sh,
        photo_w: sw,
        px: small,
        solid: vec![true; sw * sh],
    };
    let mut out = BgrImage::black(w, h);
    let d = out.data_mut();
    for y in 0..h {
        for x in 0..w {
            let sx = ((x as f64 + 0.5) / k as f64 - 0.5).clamp(0.0, (sw - 1) as f64);
            let sy = ((y as f64 + 0.5) / k as f64 - 0.5).clamp(0.0, (sh - 1) as f64);
            let p = layer.sample(sx, sy).unwrap_or([0.0; 3]);
            for c in 0..3 {
                d[(y * w + x) * 3 + c] = p[c].round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

/// The photo on paper: inks cannot reach the screen's range (contrast and saturation drop, a
/// warm paper white), a white margin, fibre texture and grain.
fn print_sheet(photo: &BgrImage, dice: &mut Dice) -> Layer {
    let margin = (photo.width().max(photo.height()) as f64 * dice.range(0.08, 0.14)) as usize;
    let (w, h) = (photo.width() + 2 * margin, photo.height() + 2 * margin);
    let paper = [
        dice.range(228.0, 240.0) as f32,
        dice.range(236.0, 245.0) as f32,
        dice.range(240.0, 250.0) as f32,
    ];
    let mut layer = Layer::new(w, h, paper);
    layer.photo_w = photo.width();
    let contrast = dice.range(0.72, 0.86) as f32;
    let sat = dice.range(0.7, 0.85) as f32;
    for y in 0..photo.height() {
        for x in 0..photo.width() {
            let p = &photo.data()[(y * photo.width() + x) * 3..];
            let (b, g, r) = (f32::from(p[0]), f32::from(p[1]), f32::from(p[2]));
            let grey = 0.114 * b + 0.587 * g + 0.299 * r;
            let mut out = [0f32; 3];
            for (c, v) in [b, g, r].into_iter().enumerate() {
                let v = grey + (v - grey) * sat;
                out[c] = 18.0 + v * contrast;
            }
            layer.px[(y + margin) * w + x + margin] = out;
        }
    }
    // Paper fibre (a few slow waves) and grain.
    let waves: Vec<(f64, f64, f64)> = (0..4)
        .map(|_| {
            (
                dice.range(0.02, 0.2),
                dice.range(0.02, 0.2),
                dice.range(0.0, std::f64::consts::TAU),
            )
        })
        .collect();
    for y in 0..h {
        for x in 0..w {
            let fibre: f64 = waves
                .iter()
                .map(|(fx, fy, ph)| (x as f64 * fx + y as f64 * fy + ph).sin())
                .sum::<f64>()
                * 1.5;
            let grain = dice.range(-5.0, 5.0);
            let px = &mut layer.px[y * w + x];
            px.iter_mut().for_each(|v| *v += (fibre + grain) as f32);
        }
    }
    layer
}

/// The photo on a phone: the screen's sub-pixel grid (R, G, B stripes and a dark gap, 3x3
/// cells per screen pixel) that the camera resamples into moiré, a brighter gamma, a cold
/// white, a raised black, a black bezel with a grey rim.
fn phone(photo: &BgrImage, dice: &mut Dice) -> Layer {
    // Screen resolution: the photo resampled to a size unrelated to the camera's.
    let screen_w = ((photo.width() as f64) * dice.range(0.55, 0.8)) as usize;
    let screen_h = screen_w * photo.height() / photo.width().max(1);
    let (screen_w, screen_h) = (screen_w.max(8), screen_h.max(8));
    let gamma = dice.range(0.75, 0.9) as f32;
    let tint = [
        dice.range(1.04, 1.12) as f32,
        1.0,
        dice.range(0.88, 0.96) as f32,
    ];
    let black = dice.range(10.0, 22.0) as f32;
    let cell = 3usize;
    let side = (screen_w as f64 * 0.05) as usize * cell + cell;
    let top = (screen_h as f64 * 0.09) as usize * cell + cell;
    let (w, h) = (screen_w * cell + 2 * side, screen_h * cell + 2 * top);
    let mut layer = Layer::new(w, h, [22.0, 20.0, 20.0]);
    layer.photo_w = screen_w * cell;
    // Rounded corners of the body, a lighter rim.
    let radius = side.max(top) as f64 * 1.2;
    for y in 0..h {
        for x in 0..w {
            let dx = (radius - x as f64)
                .max(x as f64 - (w as f64 - 1.0 - radius))
                .max(0.0);
            let dy = (radius - y as f64)
                .max(y as f64 - (h as f64 - 1.0 - radius))
                .max(0.0);
            let d = (dx * dx + dy * dy).sqrt();
            if d > radius {
                layer.solid[y * w + x] = false;
            } else if d > radius - 3.0 || x < 3 || y < 3 || x + 3 >= w || y + 3 >= h {
                layer.px[y * w + x] = [70.0, 70.0, 72.0];
            }
        }
    }
    let sx = photo.width() as f64 / screen_w as f64;
    let sy = photo.height() as f64 / screen_h as f64;
    for j in 0..screen_h {
        for i in 0..screen_w {
            let p = &photo.data()[(((j as f64 * sy) as usize).min(photo.height() - 1)
                * photo.width()
                + ((i as f64 * sx) as usize).min(photo.width() - 1))
                * 3..];
            let mut v = [0f32; 3];
            for c in 0..3 {
                let lin = (f32::from(p[c]) / 255.0).powf(gamma) * 255.0 * tint[c];
                v[c] = black + lin * (1.0 - black / 255.0);
            }
            // R, G, B stripes (BGR indices 2, 1, 0); the bottom row of the cell is the dim gap.
            // A lit sub-pixel carries its whole cell's light (values above 255 are fine here:
            // the camera averages them), so the cell's mean is about the pixel's value.
            for (col, ch) in [2usize, 1, 0].into_iter().enumerate() {
                for row in 0..cell {
                    // Light leaks into the neighbouring sub-pixels (diffuser, lens blur), so
                    // the grid shows as a faint texture, not as separate dots.
                    let lit = if row + 1 < cell { 1.0 } else { 0.7 };
                    let mut px = v.map(|x| x * 0.6 * lit);
                    px[ch] = v[ch] * 1.8 * lit;
                    layer.px[(top + j * cell + row) * w + side + i * cell + col] = px;
                }
            }
        }
    }
    // Glare: a soft bright ellipse somewhere on the screen.
    let (gx, gy) = (
        dice.range(0.2, 0.8) * w as f64,
        dice.range(0.15, 0.6) * h as f64,
    );
    let (rx, ry) = (
        dice.range(0.15, 0.35) * w as f64,
        dice.range(0.1, 0.25) * h as f64,
    );
    let strength = dice.range(50.0, 110.0);
    for y in top..h - top {
        for x in side..w - side {
            let d = ((x as f64 - gx) / rx).powi(2) + ((y as f64 - gy) / ry).powi(2);
            let add = (strength * (-d).exp()) as f32;
            layer.px[y * w + x].iter_mut().for_each(|v| *v += add);
        }
    }
    layer
}

/// Skin-coloured fingers over the bottom corners of the layer (they move with it).
fn fingers(layer: &mut Layer, dice: &mut Dice) {
    let skin = [
        dice.range(95.0, 140.0) as f32,
        dice.range(130.0, 170.0) as f32,
        dice.range(175.0, 220.0) as f32,
    ];
    let (w, h) = (layer.w as f64, layer.h as f64);
    let count = 1 + dice.index(2);
    for k in 0..count {
        let cx = if k == 0 {
            dice.range(0.05, 0.3) * w
        } else {
            dice.range(0.7, 0.95) * w
        };
        let cy = h - dice.range(0.0, 0.05) * h;
        let (rx, ry) = (w * dice.range(0.06, 0.1), h * dice.range(0.08, 0.14));
        for y in 0..layer.h {
            for x in 0..layer.w {
                let d = ((x as f64 - cx) / rx).powi(2) + ((y as f64 - cy) / ry).powi(2);
                if d <= 1.0 {
                    let shade = (1.0 - 0.35 * d) as f32;
                    layer.px[y * layer.w + x] = skin.map(|v| v * shade);
                    layer.solid[y * layer.w + x] = true;
                }
            }
        }
    }
}

/// How the hand moves the plane over a clip: a walk-in (the distance shrinks), a wobble of a few
/// degrees about each axis, a drift across the frame.
#[derive(Debug, Clone, Copy)]
struct HandMotion {
    yaw0: f64,
    yaw_amp: f64,
    pitch_amp: f64,
    roll_amp: f64,
    freq: f64,
    phase: f64,
    z0: f64,
    z1: f64,
    drift: (f64, f64),
    offset: (f64, f64),
}

impl HandMotion {
    fn draw(dice: &mut Dice, steady: bool) -> Self {
        let k = if steady { 0.6 } else { 1.0 };
        HandMotion {
            yaw0: dice.range(-12.0, 12.0),
            yaw_amp: dice.range(4.0, 12.0) * k,
            pitch_amp: dice.range(3.0, 9.0) * k,
            roll_amp: dice.range(2.0, 6.0) * k,
            freq: dice.range(0.15, 0.45),
            phase: dice.range(0.0, std::f64::consts::TAU),
            z0: dice.range(1.15, 1.4),
            z1: dice.range(0.85, 1.0),
            drift: (dice.range(-0.08, 0.08), dice.range(-0.05, 0.05)),
            offset: (dice.range(-0.12, 0.12), dice.range(-0.1, 0.05)),
        }
    }

    /// Where the layer's corners land in a `fw` x `fh` frame at step `t` of `n`, for a layer
    /// `lw` x `lh` whose face spans `face_frac` of its width and should look `face_px` wide.
    #[allow(clippy::too_many_arguments)]
    fn homography(
        &self,
        t: usize,
        n: usize,
        lw: f64,
        lh: f64,
        fw: f64,
        fh: f64,
        face_frac: f64,
        face_px: f64,
    ) -> Option<Homography> {
        let s = if n > 1 {
            t as f64 / (n - 1) as f64
        } else {
            0.0
        };
        let wob = (self.freq * t as f64 * std::f64::consts::TAU / 4.0 + self.phase).sin();
        let wob2 =
            (self.freq * 1.7 * t as f64 * std::f64::consts::TAU / 4.0 + self.phase * 0.5).cos();
        let yaw = (self.yaw0 + self.yaw_amp * wob).to_radians();
        let pitch = (self.pitch_amp * wob2).to_radians();
        let roll = (self.roll_amp * wob * wob2).to_radians();
        let z = self.z0 + (self.z1 - self.z0) * s;
        let f = fw;
        // The layer is 1 unit wide; at z = 1 its face is face_px wide.
        let unit_z = face_frac * f / face_px;
        let (cy, sy) = (yaw.cos(), yaw.sin());
        let (cp, sp) = (pitch.cos(), pitch.sin());
        let (cr, sr) = (roll.cos(), roll.sin());
        let tx = (self.offset.0 + self.drift.0 * s) * z * unit_z;
        let ty = (self.offset.1 + self.drift.1 * s) * z * unit_z;
        let corners = [(0.0, 0.0), (lw, 0.0), (lw, lh), (0.0, lh)];
        let mut dst = Vec::with_capacity(4);
        for (u, v) in corners {
            let (x, y) = ((u - lw / 2.0) / lw, (v - lh / 2.0) / lw);
            // roll (z), then pitch (x), then yaw (y).
            let (x, y) = (cr * x - sr * y, sr * x + cr * y);
            let (y, zz) = (cp * y, sp * y);
            let (x, zz) = (cy * x + sy * zz, -sy * x + cy * zz);
            let depth = z * unit_z + zz;
            if depth <= 0.05 {
                return None;
            }
            dst.push((
                fw / 2.0 + f * (x + tx) / depth,
                fh / 2.0 + f * (y + ty) / depth,
            ));
        }
        Homography::fit(&corners, &dst)
    }
}

/// One rendered attack clip's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttackShot {
    pub kind: AttackKind,
    /// Frames in the clip (1 for a still image).
    pub frames: usize,
    /// How wide the face in the photo should look in the frame, in pixels.
    pub face_px: f64,
    /// The face's share of the photo's width.
    pub face_frac: f64,
}

/// Renders an attack clip: `photo` made into a sheet or a phone, held up in front of
/// `background` (same size as the output frames) and moved by a hand, then seen by a camera
/// (light fall-off across the object, a slight blur, sensor noise).
pub fn render(
    shot: &AttackShot,
    photo: &BgrImage,
    background: &BgrImage,
    dice: &mut Dice,
) -> Vec<BgrImage> {
    let mut layer = match shot.kind {
        AttackKind::Print => print_sheet(photo, dice),
        AttackKind::Replay => phone(photo, dice),
    };
    // The photo's face as a share of the whole layer's width.
    let face_frac = shot.face_frac * layer.photo_w as f64 / layer.w as f64;
    fingers(&mut layer, dice);
    let motion = HandMotion::draw(dice, shot.kind == AttackKind::Replay);
    // Light: brighter towards a random point, falling off across the object (prints only; a
    // screen makes its own light).
    let (lx, ly) = (dice.range(-0.5, 1.5), dice.range(-0.5, 1.0));
    let falloff = match shot.kind {
        AttackKind::Print => dice.range(0.25, 0.45),
        AttackKind::Replay => 0.0,
    };
    let (fw, fh) = (background.width(), background.height());
    let mut out = Vec::with_capacity(shot.frames);
    for t in 0..shot.frames {
        let Some(h) = motion.homography(
            t,
            shot.frames,
            layer.w as f64,
            layer.h as f64,
            fw as f64,
            fh as f64,
            face_frac,
            shot.face_px,
        ) else {
            continue;
        };
        let Some(inv) = h.inverse() else { continue };
        let mut frame = background.clone();
        let d = frame.data_mut();
        for y in 0..fh {
            for x in 0..fw {
                let Some((u, v)) = inv.apply(x as f64 + 0.5, y as f64 + 0.5) else {
                    continue;
                };
                let Some(p) = layer.sample(u - 0.5, v - 0.5) else {
                    continue;
                };
                let (nu, nv) = (u / layer.w as f64, v / layer.h as f64);
                let light = 1.0 - falloff * (((nu - lx).powi(2) + (nv - ly).powi(2)).sqrt() / 1.4);
                for c in 0..3 {
                    d[(y * fw + x) * 3 + c] =
                        (f64::from(p[c]) * light).round().clamp(0.0, 255.0) as u8;
                }
            }
        }
        out.push(camera(&frame, dice));
    }
    out
}

/// What the door camera adds: a slight blur (3x3, centre-weighted) and sensor noise.
fn camera(img: &BgrImage, dice: &mut Dice) -> BgrImage {
    let (w, h) = (img.width(), img.height());
    let s = img.data();
    let mut out = img.clone();
    let d = out.data_mut();
    let sigma = dice.range(1.5, 3.5);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w.saturating_sub(1) {
            for c in 0..3 {
                let at = |xx: usize, yy: usize| f64::from(s[(yy * w + xx) * 3 + c]);
                let v = (4.0 * at(x, y)
                    + 2.0 * (at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1))
                    + at(x - 1, y - 1)
                    + at(x + 1, y - 1)
                    + at(x - 1, y + 1)
                    + at(x + 1, y + 1))
                    / 16.0;
                let noise = (dice.range(-1.0, 1.0) + dice.range(-1.0, 1.0)) * sigma;
                d[(y * w + x) * 3 + c] = (v + noise).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> BgrImage {
        let (w, h) = (60usize, 70usize);
        let mut d = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                d.extend_from_slice(&[(x * 4) as u8, (y * 3) as u8, 150]);
            }
        }
        BgrImage::from_bgr(w, h, d).unwrap()
    }

    #[test]
    fn rendering_is_seeded_and_changes_the_frame() {
        let bg = BgrImage::from_bgr(160, 120, vec![90; 160 * 120 * 3]).unwrap();
        for kind in AttackKind::ALL {
            let shot = AttackShot {
                kind,
                frames: 3,
                face_px: 40.0,
                face_frac: 0.5,
            };
            let a = render(&shot, &photo(), &bg, &mut Dice::new(5));
            let b = render(&shot, &photo(), &bg, &mut Dice::new(5));
            let c = render(&shot, &photo(), &bg, &mut Dice::new(6));
            assert_eq!(a.len(), 3);
            assert_eq!(a, b, "{kind:?}: same seed, same frames");
            assert_ne!(a, c, "{kind:?}: another seed, other frames");
            // The object covers the middle of the frame: it is no longer the flat background.
            let mid = &a[0].data()[(60 * 160 + 80) * 3..(60 * 160 + 80) * 3 + 3];
            assert!(
                mid.iter().any(|v| (i32::from(*v) - 90).abs() > 12),
                "{kind:?} {mid:?}"
            );
            // Frames differ: the hand moves the plane.
            assert_ne!(a[0], a[2]);
        }
    }

    #[test]
    fn photo_of_clamps_to_the_image() {
        let img = photo();
        let face = BoxF {
            x0: 40.0,
            y0: 40.0,
            x1: 60.0,
            y1: 70.0,
        };
        let p = photo_of(&img, &face, 2.0).unwrap();
        assert!(p.width() <= 60 && p.height() <= 70);
        assert!(photo_of(&img, &BoxF::default(), 2.0).is_none());
    }

    #[test]
    fn the_background_keeps_the_scene_colour() {
        let bg = blurred_background(&photo());
        assert_eq!((bg.width(), bg.height()), (60, 70));
        assert_eq!(bg.data()[2], 150);
    }
}

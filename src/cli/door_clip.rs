//! `hallclock door-clip`: composes a seeded rush-hour clip for `eval-door`. Enrolled people's
//! photos (folders of `<identity>/<image>`, e.g. `../shared/eval/github-snapshot/identities`,
//! read in place and never copied) are cut out around the face and pasted onto a real frame of
//! a sample video (its own faces pixelated away; the door camera is fixed, so one frame, with
//! sensor noise on each), walking in: in pairs side by side, in
//! a queue (the one behind half hidden by the one in front), crossing each other, growing as
//! they approach, with motion blur and the hall's light dimming half-way. Out come the frames
//! (`frames/NNNNNN.jpg`) and `truth.json`: who enters, when, from which enrolment photo.
//!
//! A test and measurement tool: the clip stays where `--out` says (keep it out of the
//! repository when it shows the snapshot's faces).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::app::setup::Vision;
use crate::config::Config;
use crate::core::evaluation::SplitMix;
use crate::core::image::BgrImage;
use crate::hw::frames::{self, SourceSpec};
use crate::hw::photo::encode_jpeg;
use crate::hw::read_photo;
use crate::vision::detector::{DetectorSize, Face};
use crate::vision::quality::QualityGate;

use super::eval::image_folders;

#[derive(Debug, Args)]
pub struct DoorClipArgs {
    /// Folder of <identity>/<image> photos (nested folders allowed).
    #[arg(long)]
    pub photos: PathBuf,
    /// A video whose frames are the background (its faces are blurred away).
    #[arg(long, default_value = "tests/fixtures/demo/WolfgangLanger_Pexels.mp4")]
    pub background: PathBuf,
    /// People entering.
    #[arg(long, default_value_t = 20)]
    pub people: usize,
    /// The seed: the same seed and photos make the same clip.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Frames per second of the clip (the times in truth.json).
    #[arg(long, default_value_t = 15)]
    pub fps: u32,
    /// The folder to write (frames/ and truth.json); emptied first.
    #[arg(long)]
    pub out: PathBuf,
}

/// How a group of people enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// Side by side.
    Pair,
    /// One behind the other in the same lane, the second half hidden at first.
    Queue,
    /// Walking across each other's path.
    Crossing,
}

/// One person in the clip.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TruthPerson {
    pub staff_id: String,
    /// The identity's folder, relative to the photos folder.
    pub identity: String,
    pub enrol_photo: PathBuf,
    pub clip_photo: PathBuf,
    pub scenario: Scenario,
    /// First and last frame the person is pasted in (inclusive).
    pub first_frame: u64,
    pub last_frame: u64,
}

/// `truth.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    pub seed: u64,
    pub fps: u32,
    pub frames: u64,
    pub width: usize,
    pub height: usize,
    pub people: Vec<TruthPerson>,
}

impl Truth {
    /// Reads `DIR/truth.json`.
    ///
    /// # Errors
    /// When the file is missing or not a clip's truth.
    pub fn read(dir: &Path) -> anyhow::Result<Truth> {
        let p = dir.join("truth.json");
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
    }
}

/// A person cut out of a photo: the pixels around the head and where the face is in them.
struct Sprite {
    img: BgrImage,
    face_cx: f32,
    face_cy: f32,
    face_w: f32,
}

/// Frames of a group's walk: face centre and width per frame offset.
struct Walk {
    sprite: usize,
    first: u64,
    len: u64,
    from: (f32, f32, f32),
    to: (f32, f32, f32),
    /// Drawn in this order (larger is nearer the camera).
    depth: u32,
}

const GROUP_FRAMES: u64 = 36;
const GROUP_GAP: u64 = 10;
const QUEUE_LAG: u64 = 12;

pub fn run(config: &Config, args: DoorClipArgs) -> anyhow::Result<ExitCode> {
    if !args.photos.is_dir() {
        bail!(
            "{} is not a folder of <identity>/<image> photos (the dev photos are in ../shared/eval/github-snapshot/identities; absent on this machine?)",
            args.photos.display()
        );
    }
    let mut vision = Vision::load(config)?;
    let mut rng = SplitMix::new(args.seed);
    let mut identities = list_identities(&args.photos)?;
    rng.shuffle(&mut identities);

    // Pick people: an enrolment photo that passes the enrolment gate and another photo to walk in.
    let gate = QualityGate::enrolment_defaults();
    let door_gate = QualityGate::door_defaults();
    let mut chosen: Vec<(String, PathBuf, PathBuf, Sprite)> = Vec::new();
    for (identity, photos) in &identities {
        if chosen.len() == args.people {
            break;
        }
        let mut enrol = None;
        let mut clip = None;
        for p in photos {
            let Ok(img) = read_photo(p) else { continue };
            let faces = vision
                .recognizer
                .faces(&img, DetectorSize::Native { max_side: 1600 })?;
            let Some(face) = largest(&faces) else {
                continue;
            };
            if enrol.is_none() {
                let (_, report) = vision.recognizer.describe(&img, &face)?;
                if gate.check(&report).is_empty() && faces.len() == 1 {
                    enrol = Some(p.clone());
                    continue;
                }
            }
            // The photo walking in must pass the door's own gate standing still (a face the
            // door refuses when sharp and still says nothing about crowds).
            if clip.is_none() && face.bbox.width() >= 48.0 && faces.len() == 1 {
                let (_, report) = vision.recognizer.describe(&img, &face)?;
                if door_gate.check(&report).is_empty() {
                    clip = Some((p.clone(), cut_out(&img, &face)));
                }
            }
            if enrol.is_some() && clip.is_some() {
                break;
            }
        }
        if let (Some(e), Some((c, s))) = (enrol, clip) {
            chosen.push((identity.clone(), e, c, s));
        }
    }
    if chosen.len() < args.people {
        eprintln!(
            "note: only {} identities in {} have an enrolment photo and a second photo; the clip has {} people",
            chosen.len(),
            args.photos.display(),
            chosen.len()
        );
    }

    // A door camera is fixed: one real frame of the video (chosen by the seed), with sensor
    // noise on every frame.
    let backgrounds = read_backgrounds(config, &args.background)?;
    let mut background = backgrounds[(rng.next_u64() % backgrounds.len() as u64) as usize].clone();
    for _ in 0..2 {
        let faces = vision
            .recognizer
            .faces(&background, DetectorSize::Native { max_side: 1280 })?;
        if faces.is_empty() {
            break;
        }
        for f in &faces {
            blur_out(&mut background, f);
        }
    }
    let (width, height) = (background.width(), background.height());
    let (w, h) = (width as f32, height as f32);

    // Groups of two, each entering in one of the scenarios.
    let mut walks = Vec::new();
    let mut people = Vec::new();
    let mut start = 5u64;
    for (g, pair) in (0..chosen.len()).collect::<Vec<_>>().chunks(2).enumerate() {
        let scenario = match (g as u64 + rng.next_u64()) % 3 {
            0 => Scenario::Pair,
            1 => Scenario::Queue,
            _ => Scenario::Crossing,
        };
        let jitter = |rng: &mut SplitMix| (rng.next_u64() % 41) as f32 - 20.0;
        let grow = (0.09 * w, 0.19 * w);
        for (k, &i) in pair.iter().enumerate() {
            let (from, to, first, depth) = match scenario {
                Scenario::Pair => {
                    let x = if k == 0 { 0.3 * w } else { 0.7 * w } + jitter(&mut rng);
                    (
                        (x, 0.42 * h, grow.0),
                        (x + (x - 0.5 * w) * 0.3, 0.5 * h, grow.1),
                        start,
                        1,
                    )
                }
                Scenario::Queue => {
                    let x = 0.5 * w + jitter(&mut rng);
                    let lag = if k == 0 { 0 } else { QUEUE_LAG };
                    (
                        (x + 0.12 * w * k as f32, 0.42 * h, grow.0),
                        (x + 0.12 * w * k as f32, 0.5 * h, grow.1),
                        start + lag,
                        if k == 0 { 2 } else { 1 },
                    )
                }
                Scenario::Crossing => {
                    let (a, b) = if k == 0 { (0.2, 0.8) } else { (0.8, 0.2) };
                    (
                        (a * w, 0.45 * h, grow.0 * 1.1),
                        (b * w, 0.48 * h + 0.02 * h * k as f32, grow.1),
                        start,
                        1 + k as u32,
                    )
                }
            };
            walks.push(Walk {
                sprite: i,
                first,
                len: GROUP_FRAMES,
                from,
                to,
                depth,
            });
            let (identity, enrol, clip, _) = &chosen[i];
            people.push(TruthPerson {
                staff_id: format!("D{:03}", i + 1),
                identity: identity.clone(),
                enrol_photo: enrol.clone(),
                clip_photo: clip.clone(),
                scenario,
                first_frame: first,
                last_frame: first + GROUP_FRAMES - 1,
            });
        }
        start += GROUP_FRAMES
            + if scenario == Scenario::Queue {
                QUEUE_LAG
            } else {
                0
            }
            + GROUP_GAP;
    }
    let frames = start + 5;

    if args.out.exists() {
        std::fs::remove_dir_all(&args.out)
            .with_context(|| format!("emptying {}", args.out.display()))?;
    }
    let frame_dir = args.out.join("frames");
    std::fs::create_dir_all(&frame_dir)
        .with_context(|| format!("creating {}", frame_dir.display()))?;
    let sprites: Vec<&Sprite> = chosen.iter().map(|c| &c.3).collect();
    for f in 0..frames {
        let mut img = background.clone();
        add_noise(&mut img, &mut rng, 2);
        let mut here: Vec<&Walk> = walks
            .iter()
            .filter(|wk| f >= wk.first && f < wk.first + wk.len)
            .collect();
        here.sort_by_key(|wk| wk.depth);
        for wk in here {
            let t = (f - wk.first) as f32 / (wk.len - 1) as f32;
            let lerp = |a: f32, b: f32| a + (b - a) * t;
            let (cx, cy, fw) = (
                lerp(wk.from.0, wk.to.0),
                lerp(wk.from.1, wk.to.1),
                lerp(wk.from.2, wk.to.2),
            );
            let dx_per_frame = (wk.to.0 - wk.from.0).abs() / wk.len as f32;
            // Exposure of 1/30 s at 15 fps: the face smears over half its per-frame travel.
            let blur = (dx_per_frame * 0.5).round() as usize + 1;
            paste(&mut img, sprites[wk.sprite], cx, cy, fw, blur);
        }
        // The light dims by a third over a second, half-way through the clip.
        let dim_from = frames / 2;
        let dim = ((f as f32 - dim_from as f32) / args.fps as f32).clamp(0.0, 1.0);
        if dim > 0.0 {
            scale_brightness(&mut img, 1.0 - 0.33 * dim);
        }
        let jpg = encode_jpeg(&img).context("encoding a frame")?;
        let p = frame_dir.join(format!("{f:06}.jpg"));
        std::fs::write(&p, jpg).with_context(|| format!("writing {}", p.display()))?;
    }
    let truth = Truth {
        seed: args.seed,
        fps: args.fps,
        frames,
        width,
        height,
        people,
    };
    let p = args.out.join("truth.json");
    std::fs::write(&p, serde_json::to_string_pretty(&truth)?)
        .with_context(|| format!("writing {}", p.display()))?;
    println!(
        "door clip: {} people, {} frames at {} fps ({:.1} s), {}x{}, seed {} -> {}",
        truth.people.len(),
        frames,
        args.fps,
        frames as f64 / f64::from(args.fps),
        width,
        height,
        args.seed,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `(identity, photos)` for every folder holding at least two images, in name order.
fn list_identities(root: &Path) -> anyhow::Result<Vec<(String, Vec<PathBuf>)>> {
    let mut out = image_folders(root)?;
    out.retain(|(_, images)| images.len() >= 2);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn largest(faces: &[Face]) -> Option<Face> {
    faces
        .iter()
        .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        .copied()
}

/// The head around `face`: a little wider than the face, with hair and chin.
fn cut_out(img: &BgrImage, face: &Face) -> Sprite {
    let b = face.bbox;
    let (fw, fh) = (b.width(), b.height());
    let x0 = (b.x0 - 0.35 * fw).max(0.0) as usize;
    let x1 = ((b.x1 + 0.35 * fw) as usize).min(img.width());
    let y0 = (b.y0 - 0.4 * fh).max(0.0) as usize;
    let y1 = ((b.y1 + 0.25 * fh) as usize).min(img.height());
    let (w, h) = (x1.saturating_sub(x0).max(1), y1.saturating_sub(y0).max(1));
    let mut data = Vec::with_capacity(w * h * 3);
    for y in y0..y0 + h {
        let row = (y * img.width() + x0) * 3;
        data.extend_from_slice(&img.data()[row..row + w * 3]);
    }
    Sprite {
        img: BgrImage::from_bgr(w, h, data).unwrap_or_else(|_| BgrImage::black(1, 1)),
        face_cx: (b.x0 + b.x1) * 0.5 - x0 as f32,
        face_cy: (b.y0 + b.y1) * 0.5 - y0 as f32,
        face_w: fw,
    }
}

/// Pastes `s` scaled so that its face is `face_w` wide and centred at (`cx`, `cy`), inside a
/// feathered ellipse, smeared horizontally over `blur` pixels (motion blur).
fn paste(dst: &mut BgrImage, s: &Sprite, cx: f32, cy: f32, face_w: f32, blur: usize) {
    // Never larger than the photo itself: an upscaled face is blurred by the scaling, not by the
    // walk.
    let scale = (face_w / s.face_w.max(1.0)).min(1.0);
    let (sw, sh) = (s.img.width() as f32, s.img.height() as f32);
    let ox = cx - s.face_cx * scale;
    let oy = cy - s.face_cy * scale;
    let (dw, dh) = (dst.width() as i64, dst.height() as i64);
    let x_start = ox.floor().max(0.0) as i64;
    let x_end = ((ox + sw * scale).ceil() as i64).min(dw);
    let y_start = oy.floor().max(0.0) as i64;
    let y_end = ((oy + sh * scale).ceil() as i64).min(dh);
    let src = s.img.data();
    let sample = |sx: f32, sy: f32, c: usize| -> f32 {
        let x = sx.clamp(0.0, sw - 1.0);
        let y = sy.clamp(0.0, sh - 1.0);
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = (
            (x0 + 1).min(s.img.width() - 1),
            (y0 + 1).min(s.img.height() - 1),
        );
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let at = |xx: usize, yy: usize| f32::from(src[(yy * s.img.width() + xx) * 3 + c]);
        (at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx) * (1.0 - fy)
            + (at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx) * fy
    };
    let out_w = dst.width();
    let data = dst.data_mut();
    for y in y_start..y_end {
        for x in x_start..x_end {
            let sx = (x as f32 + 0.5 - ox) / scale;
            let sy = (y as f32 + 0.5 - oy) / scale;
            // Feathered ellipse over the sprite.
            let ex = (sx / sw - 0.5) * 2.0;
            let ey = (sy / sh - 0.5) * 2.0;
            let r = (ex * ex + ey * ey).sqrt();
            let alpha = ((1.0 - r) / 0.15).clamp(0.0, 1.0);
            if alpha <= 0.0 {
                continue;
            }
            let i = (y as usize * out_w + x as usize) * 3;
            for c in 0..3 {
                let mut v = 0.0;
                for k in 0..blur {
                    v += sample(sx + (k as f32 - (blur - 1) as f32 * 0.5) / scale, sy, c);
                }
                v /= blur as f32;
                let d = f32::from(data[i + c]);
                data[i + c] = (d + (v - d) * alpha).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

fn scale_brightness(img: &mut BgrImage, k: f32) {
    for v in img.data_mut() {
        *v = (f32::from(*v) * k).round().min(255.0) as u8;
    }
}

/// Up to 300 frames of the background video.
fn read_backgrounds(config: &Config, video: &Path) -> anyhow::Result<Vec<BgrImage>> {
    let mut src = frames::open(
        &SourceSpec::File(video.to_path_buf()),
        Arc::new(AtomicBool::new(false)),
        config.clock,
    )
    .with_context(|| format!("opening the background video {}", video.display()))?;
    let mut out = Vec::new();
    while out.len() < 300 {
        let Some(frame) = src.next_frame().context("reading the background video")? else {
            break;
        };
        out.push(frame.image);
    }
    if out.is_empty() {
        bail!("{} has no frames", video.display());
    }
    Ok(out)
}

/// Sensor noise: every byte moved by up to `levels` either way.
fn add_noise(img: &mut BgrImage, rng: &mut SplitMix, levels: u8) {
    let span = u64::from(levels) * 2 + 1;
    let mut bits = 0u64;
    for (i, v) in img.data_mut().iter_mut().enumerate() {
        if i % 8 == 0 {
            bits = rng.next_u64();
        }
        let d = ((bits & 0xff) % span) as i16 - i16::from(levels);
        bits >>= 8;
        *v = (i16::from(*v) + d).clamp(0, 255) as u8;
    }
}

/// Replaces the face's surroundings with a heavy box blur.
fn blur_out(img: &mut BgrImage, f: &Face) {
    let b = f.bbox;
    let (w, h) = (img.width(), img.height());
    let (fw, fh) = (b.width(), b.height());
    let x0 = (b.x0 - 0.5 * fw).max(0.0) as usize;
    let x1 = ((b.x1 + 0.5 * fw) as usize).min(w);
    let y0 = (b.y0 - 0.5 * fh).max(0.0) as usize;
    let y1 = ((b.y1 + 0.5 * fh) as usize).min(h);
    if x1 <= x0 || y1 <= y0 {
        return;
    }
    let cell = ((fw / 3.0) as usize).max(8);
    let data = img.data_mut();
    // Pixelate in big cells: no detector finds a face in it.
    let mut y = y0;
    while y < y1 {
        let mut x = x0;
        while x < x1 {
            let (xe, ye) = ((x + cell).min(x1), (y + cell).min(y1));
            let mut acc = [0u64; 3];
            let n = ((xe - x) * (ye - y)) as u64;
            for yy in y..ye {
                for xx in x..xe {
                    let i = (yy * w + xx) * 3;
                    for c in 0..3 {
                        acc[c] += u64::from(data[i + c]);
                    }
                }
            }
            for yy in y..ye {
                for xx in x..xe {
                    let i = (yy * w + xx) * 3;
                    for c in 0..3 {
                        data[i + c] = (acc[c] / n.max(1)) as u8;
                    }
                }
            }
            x = xe;
        }
        y = (y + cell).min(y1);
    }
}

//! `hallclock make-attacks --source VIDEO... --out DIR`: a seeded set of synthetic presentation
//! attacks made from real captures, for `eval-liveness`. Bona fide samples are the videos' own
//! frames (real camera captures of live people); the attacks are those people's photos, taken
//! from other moments of the same videos, rendered as a print and as a phone replay by
//! `vision::attack_synth`. Layout: `live/<clip>/NNN.jpg` and `live/<image>.jpg`,
//! `attack/<kind>/<clip>/NNN.jpg` and `attack/<kind>/<image>.jpg`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::Args;

use crate::app::setup::Vision;
use crate::config::Config;
use crate::core::geometry::BoxF;
use crate::core::image::BgrImage;
use crate::hw::photo::encode_jpeg;
use crate::hw::SourceSpec;
use crate::vision::attack_synth::{
    blurred_background, photo_of, render, AttackKind, AttackShot, Dice,
};
use crate::vision::detector::DetectorSize;

#[derive(Debug, Args)]
pub struct MakeAttacksArgs {
    /// Real captures of live people (video files); each gives live samples and the photos the
    /// attacks show. Not film or TV footage: that is recaptured content, no bona fide sample.
    #[arg(long = "source", required = true)]
    pub sources: Vec<PathBuf>,
    /// Output folder (created; must be empty or new).
    #[arg(long)]
    pub out: PathBuf,
    /// The seed: the same seed and sources make the same set.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Clips per source and kind (live, print, replay).
    #[arg(long, default_value_t = 2)]
    pub clips: usize,
    /// Frames per clip.
    #[arg(long, default_value_t = 16)]
    pub frames: usize,
    /// Still images per source and kind.
    #[arg(long, default_value_t = 2)]
    pub images: usize,
    /// At most this many frames are read from each source.
    #[arg(long, default_value_t = 900)]
    pub max_frames: usize,
}

/// What pass one learnt about a source: the door face's box in each frame.
struct Survey {
    faces: Vec<Option<BoxF>>,
}

pub fn run(config: &Config, args: MakeAttacksArgs) -> anyhow::Result<ExitCode> {
    if args.frames < 2 || args.clips + args.images == 0 {
        bail!("--frames must be 2 or more, and --clips or --images above 0");
    }
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .with_context(|| format!("listing {}", args.out.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} is not empty; make-attacks writes into a new or empty folder",
            args.out.display()
        );
    }
    let mut vision = Vision::load(config)?;
    let mut dice = Dice::new(args.seed);
    let mut written = [0usize; 3];
    for (si, source) in args.sources.iter().enumerate() {
        let stem = source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("source{si}"));
        let survey = survey(config, &mut vision, source, args.max_frames)?;
        let face_frames: Vec<usize> = (0..survey.faces.len())
            .filter(|&i| survey.faces[i].is_some())
            .collect();
        if face_frames.len() < 2 {
            bail!(
                "{} shows no face in enough frames to make samples from",
                source.display()
            );
        }
        // Clip starts: runs of `frames` consecutive frames that all show a face.
        let starts: Vec<usize> = (0..survey.faces.len().saturating_sub(args.frames - 1))
            .filter(|&s| survey.faces[s..s + args.frames].iter().all(Option::is_some))
            .collect();
        let mut plan = Plan::default();
        for k in 0..args.clips {
            if starts.is_empty() {
                break;
            }
            // Spread the clips over the video, jittered by the seed.
            let slot = starts.len() * k / args.clips.max(1);
            let width = (starts.len() / args.clips.max(1)).max(1);
            let s = starts[(slot + dice.index(width)).min(starts.len() - 1)];
            let name = format!("{stem}_{k:02}");
            plan.live_clips.push((name.clone(), s));
            for kind in AttackKind::ALL {
                let face = face_frames[dice.index(face_frames.len())];
                plan.attack_clips.push((kind, name.clone(), face, s));
            }
        }
        for k in 0..args.images {
            let f = face_frames[dice.index(face_frames.len())];
            let name = format!("{stem}_still{k:02}");
            plan.live_images.push((name.clone(), f));
            for kind in AttackKind::ALL {
                let face = face_frames[dice.index(face_frames.len())];
                plan.attack_images.push((kind, name.clone(), face, f));
            }
        }
        let frames = read_needed(config, source, &plan, args.frames, args.max_frames)?;
        let get = |i: usize| -> anyhow::Result<&BgrImage> {
            frames
                .iter()
                .find(|(n, _)| *n == i)
                .map(|(_, f)| f)
                .with_context(|| format!("frame {i} of {} was not read again", source.display()))
        };
        for (name, start) in &plan.live_clips {
            let dir = args.out.join("live").join(name);
            for t in 0..args.frames {
                write_jpeg(&dir.join(format!("{t:03}.jpg")), get(start + t)?)?;
            }
            written[0] += 1;
        }
        for (name, f) in &plan.live_images {
            write_jpeg(&args.out.join("live").join(format!("{name}.jpg")), get(*f)?)?;
            written[0] += 1;
        }
        let clip_shots = plan.attack_clips.iter().map(|c| (c, args.frames, true));
        let image_shots = plan.attack_images.iter().map(|c| (c, 1, false));
        for ((kind, name, photo_frame, size_frame), n, is_clip) in clip_shots.chain(image_shots) {
            let (Some(photo_face), Some(size_face)) =
                (survey.faces[*photo_frame], survey.faces[*size_frame])
            else {
                continue;
            };
            let still = get(*photo_frame)?;
            let Some(photo) = photo_of(still, &photo_face, 2.4) else {
                continue;
            };
            // The scene behind: another moment of the video, blurred past recognition.
            let background = blurred_background(get(*size_frame)?);
            let shot = AttackShot {
                kind: *kind,
                frames: n,
                face_px: f64::from(size_face.width()) * dice.range(0.85, 1.15),
                face_frac: f64::from(photo_face.width()) / photo.width() as f64,
            };
            let rendered = render(&shot, &photo, &background, &mut dice);
            let base = args.out.join("attack").join(kind.folder());
            if is_clip {
                for (t, f) in rendered.iter().enumerate() {
                    write_jpeg(&base.join(name).join(format!("{t:03}.jpg")), f)?;
                }
            } else if let Some(f) = rendered.first() {
                write_jpeg(&base.join(format!("{name}.jpg")), f)?;
            }
            written[match kind {
                AttackKind::Print => 1,
                AttackKind::Replay => 2,
            }] += 1;
        }
    }
    std::fs::write(
        args.out.join("README.txt"),
        format!(
            "Synthetic presentation attacks made by `hallclock make-attacks --seed {}` from:\n{}\n\
             live/: frames of those real captures (bona fide). attack/print, attack/replay: \
             rendered from photos of the same people. Synthetic: they test the pipeline and the \
             motion check's geometry, not how real prints and screens look to the models.\n\
             Face data: keep on the device, never commit.\n",
            args.seed,
            args.sources
                .iter()
                .map(|s| format!("  {}", s.display()))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    )
    .with_context(|| format!("writing {}/README.txt", args.out.display()))?;
    println!(
        "wrote {} live, {} print and {} replay samples (clips of {} frames and stills) to {}",
        written[0],
        written[1],
        written[2],
        args.frames,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Which frames become which samples: (name, first frame) for clips, (name, frame) for stills;
/// attacks also name the frame their photo comes from and the frame that sets the face's size
/// and the background.
#[derive(Default)]
struct Plan {
    live_clips: Vec<(String, usize)>,
    live_images: Vec<(String, usize)>,
    attack_clips: Vec<(AttackKind, String, usize, usize)>,
    attack_images: Vec<(AttackKind, String, usize, usize)>,
}

impl Plan {
    fn needs(&self, i: usize, clip_frames: usize) -> bool {
        self.live_clips
            .iter()
            .any(|(_, s)| (*s..*s + clip_frames).contains(&i))
            || self.live_images.iter().any(|(_, f)| *f == i)
            || self
                .attack_clips
                .iter()
                .chain(&self.attack_images)
                .any(|(_, _, p, s)| *p == i || *s == i)
    }
}

fn open_source(config: &Config, source: &Path) -> anyhow::Result<Box<dyn crate::hw::FrameSource>> {
    if !source.is_file() {
        bail!("the source video {} does not exist", source.display());
    }
    crate::hw::frames::open(
        &SourceSpec::File(source.to_path_buf()),
        Arc::new(AtomicBool::new(false)),
        config.clock,
    )
    .with_context(|| format!("opening {}", source.display()))
}

/// Pass one: the largest face of every frame.
fn survey(
    config: &Config,
    vision: &mut Vision,
    source: &Path,
    max_frames: usize,
) -> anyhow::Result<Survey> {
    let mut src = open_source(config, source)?;
    let mut faces = Vec::new();
    while faces.len() < max_frames {
        let Some(frame) = src
            .next_frame()
            .with_context(|| format!("reading {}", source.display()))?
        else {
            break;
        };
        let found = vision
            .recognizer
            .faces(&frame.image, DetectorSize::Width(320))
            .with_context(|| format!("detecting faces in {}", source.display()))?;
        faces.push(
            found
                .iter()
                .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
                .map(|f| f.bbox),
        );
    }
    Ok(Survey { faces })
}

/// Pass two: the frames the plan uses, with their numbers.
fn read_needed(
    config: &Config,
    source: &Path,
    plan: &Plan,
    clip_frames: usize,
    max_frames: usize,
) -> anyhow::Result<Vec<(usize, BgrImage)>> {
    let mut src = open_source(config, source)?;
    let mut out = Vec::new();
    for i in 0..max_frames {
        let Some(frame) = src
            .next_frame()
            .with_context(|| format!("reading {}", source.display()))?
        else {
            break;
        };
        if plan.needs(i, clip_frames) {
            out.push((i, frame.image));
        }
    }
    Ok(out)
}

fn write_jpeg(path: &Path, img: &BgrImage) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let bytes = encode_jpeg(img).with_context(|| format!("encoding {}", path.display()))?;
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

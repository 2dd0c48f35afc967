//! `hallclock liveness drill --staff ID --kind print|replay [--source VIDEO_OR_FOLDER] [--count N]`:
//! an attack drill, so that a site can calibrate its liveness check (issue 11). The admin holds
//! up a printed photo or a phone showing an enrolled person (with their consent) in front of the
//! door camera; the drill reads frames from the configured camera (or `--source`: a video, a
//! folder of frames, or a photo), runs the liveness models on the largest face of each, and keeps
//! the models' scores as attack samples of that kind (`store::LivenessSample`, source `drill`),
//! with one audit line (who, when, kind, person) in the same transaction. Numbers only: no frame
//! is kept. `eval-liveness --from-db --save` then chooses the threshold from them.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};

use crate::app::setup::{open_store, Vision};
use crate::config::Config;
use crate::core::ids::StaffId;
use crate::hw::frames::{is_image_file, open, SourceSpec};
use crate::hw::read_photo;
use crate::store::{Audit, LivenessSample, SampleKind, SampleSource};
use crate::vision::{LivenessModel, OrtRuntime};

#[derive(Debug, Subcommand)]
pub enum LivenessCommand {
    /// Attack drill: hold a printed photo or a phone showing a (consenting) enrolled person up
    /// to the camera; the liveness models' scores are kept as attack samples for calibration.
    Drill(DrillArgs),
}

/// The attack presented in a drill.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DrillKind {
    /// A printed photo of the person.
    Print,
    /// The person's photo or video on a phone or tablet screen.
    Replay,
}

#[derive(Debug, Args)]
pub struct DrillArgs {
    /// The enrolled person shown on the photo or screen (with their consent).
    #[arg(long)]
    pub staff: String,
    /// What is held up to the camera.
    #[arg(long, value_enum)]
    pub kind: DrillKind,
    /// Read frames from this video, folder of frames or photo instead of the configured camera.
    #[arg(long)]
    pub source: Option<String>,
    /// Samples to keep (frames with a face), at most.
    #[arg(long, default_value_t = 20)]
    pub count: usize,
    /// Frames read at most, with or without a face.
    #[arg(long, default_value_t = 600)]
    pub max_frames: usize,
}

pub fn run(config: &Config, command: LivenessCommand) -> anyhow::Result<ExitCode> {
    match command {
        LivenessCommand::Drill(a) => drill(config, a),
    }
}

fn drill(config: &Config, args: DrillArgs) -> anyhow::Result<ExitCode> {
    if args.count == 0 {
        bail!("--count must be at least 1");
    }
    let staff =
        StaffId::new(&args.staff).map_err(|e| anyhow::anyhow!("--staff {:?}: {e}", args.staff))?;
    let mut store = open_store(config)?;
    if store
        .staff(&staff)
        .context("looking up the person")?
        .is_none()
    {
        bail!(
            "{staff} is not on the staff list: a drill shows an enrolled person (hallclock staff list)"
        );
    }
    let kind = match args.kind {
        DrillKind::Print => SampleKind::Print,
        DrillKind::Replay => SampleKind::Replay,
    };
    let spec = match &args.source {
        Some(s) => SourceSpec::parse(s),
        None => match config.camera.sources.first() {
            Some(s) => s.clone(),
            None => bail!("no camera configured ([camera] source); give --source"),
        },
    };
    let mut vision = Vision::load(config)?;
    let runtime =
        OrtRuntime::start(config.vision.onnxruntime.as_deref()).context("starting ONNX Runtime")?;
    let mut model = LivenessModel::load_from_dir(&runtime, &vision.models_dir, 1)
        .context("loading the liveness models")?;
    let size = vision.recognizer.config.detector_size;

    let mut scores: Vec<f32> = Vec::with_capacity(args.count);
    let mut frames = 0usize;
    let mut score_frame = |img: &crate::core::image::BgrImage| -> anyhow::Result<Option<f32>> {
        let found = vision
            .recognizer
            .faces(img, size)
            .context("detecting faces")?;
        if let Some(face) = found
            .iter()
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        {
            let s = model
                .score(img, &face.bbox)
                .context("the liveness models")?;
            return Ok(Some(s.mean));
        }
        Ok(None)
    };
    match &spec {
        SourceSpec::File(p) if is_image_file(p) => {
            frames += 1;
            scores.extend(score_frame(
                &read_photo(p).with_context(|| format!("reading {}", p.display()))?,
            )?);
        }
        _ => {
            let mut source = open(&spec, Arc::new(AtomicBool::new(false)), config.clock)
                .with_context(|| format!("opening {spec}"))?;
            eprintln!(
                "演练：请将{}举到摄像头前 (drill: hold the {} up to {})",
                match kind {
                    SampleKind::Replay => "显示照片的手机",
                    _ => "打印的照片",
                },
                kind.key(),
                source.describe()
            );
            while scores.len() < args.count && frames < args.max_frames {
                let Some(f) = source
                    .next_frame()
                    .with_context(|| format!("reading {spec}"))?
                else {
                    break;
                };
                frames += 1;
                scores.extend(score_frame(&f.image)?);
            }
        }
    }
    if scores.is_empty() {
        bail!("no face found in {frames} frames from {spec}: nothing recorded");
    }
    let now = config.clock.now();
    let samples: Vec<LivenessSample> = scores
        .iter()
        .map(|&model_score| LivenessSample {
            kind,
            source: SampleSource::Drill,
            staff: Some(staff.clone()),
            model_score,
            at: now,
        })
        .collect();
    let detail = format!(
        "{} {staff}: {} samples from {}",
        kind.key(),
        samples.len(),
        drill_source_name(&args.source)
    );
    store
        .record_liveness_drill(&samples, &Audit::cli(now, "liveness-drill", detail))
        .context("recording the drill")?;
    let mean = scores.iter().sum::<f32>() / scores.len() as f32;
    println!(
        "已记录攻击演练 {} 条 ({}, {staff}) (recorded {} {} samples of {staff}: mean live score {mean:.3}, threshold {:.3})",
        samples.len(),
        kind.key(),
        samples.len(),
        kind.key(),
        config.liveness.policy.model_threshold
    );
    let counts = store
        .liveness_sample_counts()
        .context("counting the samples")?;
    println!(
        "on record: {}; then: hallclock eval-liveness --from-db --save",
        counts
            .iter()
            .map(|(k, n)| format!("{n} {}", k.key()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// The audit line's source: the file's name (not its folder), or the camera.
fn drill_source_name(source: &Option<String>) -> String {
    match source {
        Some(s) => PathBuf::from(s)
            .file_name()
            .map_or_else(|| s.clone(), |n| n.to_string_lossy().into_owned()),
        None => "the camera".to_string(),
    }
}

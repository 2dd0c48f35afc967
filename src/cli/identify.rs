//! `hallclock identify`: who is in a photo, or who walks past in a video, image folder, camera or
//! stream, with scores and timings. Stream sources go through the door path (largest face,
//! quality gate, k-of-n vote per track); a photo reports every face.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Args;

use crate::core::ids::StaffId;
use crate::core::matcher::{Decision, Gallery, SearchScratch};
use crate::core::track::{Conclusion, DoorTracker};
use crate::hw::frames::{is_image_file, open, SourceSpec};
use crate::hw::read_photo;
use crate::vision::detector::DetectorSize;
use crate::vision::pipeline::{DoorOutcome, StageTimes};

use crate::app::setup::{open_store, Vision};
use crate::config::Config;

#[derive(Debug, Args)]
pub struct IdentifyArgs {
    /// A photo, a video file, a folder of images, a camera (0 or /dev/video0), an rtsp:// URL or a
    /// GStreamer pipeline.
    pub source: String,
    /// Stop after this many frames.
    #[arg(long)]
    pub max_frames: Option<u64>,
}

pub fn run(config: &Config, args: IdentifyArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(config)?;
    let mut vision = Vision::load(config)?;
    let gallery = vision.gallery(&store)?;
    if gallery.is_empty() {
        eprintln!("warning: nobody is enrolled for this embedder yet; every face will be unknown");
    }
    let names: HashMap<StaffId, String> = store
        .list_staff(&vision.model_sha256)?
        .into_iter()
        .map(|s| (s.staff.staff_id, s.staff.name))
        .collect();
    let path = PathBuf::from(&args.source);
    if path.is_file() && is_image_file(&path) {
        identify_photo(&mut vision, &gallery, &names, &path)?;
    } else {
        let summary = identify_stream(
            &mut vision,
            &gallery,
            &names,
            &SourceSpec::parse(&args.source),
            args.max_frames,
        )?;
        summary.print();
    }
    Ok(ExitCode::SUCCESS)
}

fn identify_photo(
    vision: &mut Vision,
    gallery: &Gallery,
    names: &HashMap<StaffId, String>,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let img = read_photo(path)?;
    let t = Instant::now();
    let faces = vision
        .recognizer
        .faces(&img, DetectorSize::Native { max_side: 1920 })?;
    let detect_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "{}: {} face(s), detect {detect_ms:.1} ms",
        path.display(),
        faces.len()
    );
    let mut scratch = SearchScratch::default();
    for (i, f) in faces.iter().enumerate() {
        let t = Instant::now();
        let (e, _) = vision.recognizer.describe(&img, f)?;
        let embed_ms = t.elapsed().as_secs_f64() * 1e3;
        let decision = vision.policy.decide(&gallery.search(&e.0, &mut scratch));
        let b = f.bbox;
        let who = describe_decision(&decision, names);
        println!(
            "  face {}: box ({:.0},{:.0})-({:.0},{:.0}) det {:.2}  {who}  embed {embed_ms:.1} ms",
            i + 1,
            b.x0,
            b.y0,
            b.x1,
            b.y1,
            f.score
        );
    }
    Ok(())
}

fn describe_decision(d: &Decision, names: &HashMap<StaffId, String>) -> String {
    match d {
        Decision::Known {
            staff,
            score,
            margin,
        } => format!(
            "{staff} {} (score {score}, margin {margin:.3})",
            names.get(staff).map(String::as_str).unwrap_or("")
        ),
        Decision::Unknown { reason, best } => match best {
            Some((s, sc)) => format!("unknown ({reason:?}; nearest {s} at {sc})"),
            None => format!("unknown ({reason:?})"),
        },
    }
}

/// What a stream run saw.
#[derive(Debug, Default)]
pub struct StreamSummary {
    pub frames: u64,
    pub frames_with_face: u64,
    pub rejected: HashMap<&'static str, u64>,
    pub verdicts: Vec<Conclusion>,
    pub times: StageTimes,
    pub match_time: Duration,
    pub wall: Duration,
}

impl StreamSummary {
    fn print(&self) {
        let n = self.frames.max(1) as f64;
        let ms = |d: Duration| d.as_secs_f64() * 1e3 / n;
        println!(
            "{} frames, {} with a face, {} recognised, {} unknown; per frame: detect {:.1} ms, gate {:.2} ms, align {:.2} ms, embed {:.1} ms, match {:.3} ms; {:.1} frames/s",
            self.frames,
            self.frames_with_face,
            self.verdicts.iter().filter(|v| matches!(v, Conclusion::Recognised { .. })).count(),
            self.verdicts.iter().filter(|v| matches!(v, Conclusion::Unrecognised { .. })).count(),
            ms(self.times.detect),
            ms(self.times.gate),
            ms(self.times.align),
            ms(self.times.embed),
            ms(self.match_time),
            self.frames as f64 / self.wall.as_secs_f64().max(1e-9)
        );
        if !self.rejected.is_empty() {
            let mut r: Vec<_> = self.rejected.iter().collect();
            r.sort();
            let parts: Vec<String> = r.iter().map(|(k, v)| format!("{k} {v}")).collect();
            println!("quality gate rejections: {}", parts.join(", "));
        }
    }
}

/// Runs the door path over a stream source, printing each verdict as it happens.
pub fn identify_stream(
    vision: &mut Vision,
    gallery: &Gallery,
    names: &HashMap<StaffId, String>,
    spec: &SourceSpec,
    max_frames: Option<u64>,
) -> anyhow::Result<StreamSummary> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut source = open(spec, stop, crate::hw::clock::WallClock::system())?;
    let mut tracker = DoorTracker::new(vision.vote);
    let mut scratch = SearchScratch::default();
    let mut summary = StreamSummary::default();
    let started = Instant::now();
    println!("identifying from {}", source.describe());
    loop {
        if max_frames.is_some_and(|m| summary.frames >= m) {
            break;
        }
        let frame = match source.next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if matches!(spec, SourceSpec::ImageFolder(_)) => {
                eprintln!("warning: {e}; skipping it");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        summary.frames += 1;
        let (outcome, times) = vision.recognizer.door_frame(&frame.image)?;
        summary.times.detect += times.detect;
        summary.times.gate += times.gate;
        summary.times.align += times.align;
        summary.times.embed += times.embed;
        match outcome {
            DoorOutcome::NoFace { .. } => tracker.observe_nothing(frame.captured_at),
            DoorOutcome::Rejected { reasons, .. } => {
                summary.frames_with_face += 1;
                if let Some(r) = reasons.first() {
                    *summary.rejected.entry(r.code()).or_default() += 1;
                }
                tracker.observe_nothing(frame.captured_at);
            }
            DoorOutcome::Embedded {
                face, embedding, ..
            } => {
                summary.frames_with_face += 1;
                let t = Instant::now();
                let decision = vision
                    .policy
                    .decide(&gallery.search(&embedding.0, &mut scratch));
                summary.match_time += t.elapsed();
                if let Some(verdict) = tracker.observe(frame.captured_at, face.bbox, &decision) {
                    let pos = frame
                        .position
                        .map(|p| format!("{:>7.2}s ", p.as_secs_f64()))
                        .unwrap_or_default();
                    match &verdict {
                        Conclusion::Recognised {
                            track,
                            staff,
                            score,
                            frames,
                        } => println!(
                            "{pos}{}  {staff} {}  score {score}  ({frames} frames, track {track})",
                            frame.captured_at.strftime("%H:%M:%S%.3f"),
                            names.get(staff).map(String::as_str).unwrap_or("")
                        ),
                        Conclusion::Unrecognised { track, frames } => println!(
                            "{pos}{}  unknown face  ({frames} frames, track {track})",
                            frame.captured_at.strftime("%H:%M:%S%.3f")
                        ),
                    }
                    summary.verdicts.push(verdict);
                }
            }
        }
    }
    summary.wall = started.elapsed();
    Ok(summary)
}

//! `hallclock eval-liveness --dataset DIR [--json] [--target-bpcer 0.01]`: how well liveness
//! tells real people from attacks, in ISO/IEC 30107-3's terms (`core::pad`), for the model
//! alone, the model-free checks alone (motion, stillness, bezel) and both together, plus the
//! door's verdict at the configured thresholds. `DIR` holds `live/` and `attack/<kind>/`, each
//! entry an image, a folder of frames (a clip) or a video file. How a site calibrates.
//!
//! `--from-db` takes the scores the database keeps instead (bona fide captures and attack
//! drills, `store::LivenessSample`), and `--save` records the threshold chosen for the target
//! BPCER as the site's calibration, which `doctor` and the status page report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;

use crate::app::setup::{open_store, Vision};
use crate::config::{model_dirs, Config};
use crate::core::image::BgrImage;
use crate::core::liveness::{LivenessJudge, LivenessScores, LivenessVerdict, Observation};
use crate::core::pad::{PadRates, PadScores};
use crate::hw::frames::is_image_file;
use crate::hw::{read_photo, SourceSpec};
use crate::store::{Audit, Calibration, SampleKind};
use crate::vision::{BezelCheck, LivenessModel, OrtRuntime};

#[derive(Debug, Args)]
pub struct EvalLivenessArgs {
    /// Folder with `live/` and `attack/<kind>/` (images, folders of frames, or videos).
    #[arg(long, required_unless_present = "from_db", conflicts_with = "from_db")]
    pub dataset: Option<PathBuf>,
    /// Use the liveness samples the database keeps (door-camera captures and attack drills).
    #[arg(long)]
    pub from_db: bool,
    /// With --from-db: record the threshold chosen for --target-bpcer as the site's calibration.
    #[arg(long, requires = "from_db")]
    pub save: bool,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
    /// The share of real people the chosen threshold may refuse (BPCER).
    #[arg(long, default_value_t = 0.01)]
    pub target_bpcer: f64,
    /// At most this many frames of a clip or video are looked at.
    #[arg(long, default_value_t = 90)]
    pub max_frames: usize,
}

/// One presentation: an image, or a clip's frames.
struct Sample {
    name: String,
    /// `None` for bona fide, else the attack kind.
    attack: Option<String>,
    source: SampleSource,
}

enum SampleSource {
    Image(PathBuf),
    Frames(Vec<PathBuf>),
    Video(PathBuf),
}

struct Scored {
    name: String,
    attack: Option<String>,
    frames: usize,
    faces: usize,
    scores: LivenessScores,
    verdict: LivenessVerdict,
}

const ATTACK_PRESENTATION_LIMIT: f64 = 0.05;

pub fn run(config: &Config, args: EvalLivenessArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.target_bpcer) {
        bail!(
            "--target-bpcer {} must be a share from 0 to 1",
            args.target_bpcer
        );
    }
    let Some(dataset) = args.dataset.clone() else {
        return from_db(config, &args);
    };
    let samples = list_dataset(&dataset)?;
    let mut vision = Vision::load(config)?;
    let dirs = model_dirs(config.vision.models_dir.as_deref());
    let Some(dir) = dirs
        .iter()
        .find(|d| d.join(&config.vision.detector).is_file())
        .cloned()
    else {
        bail!("cannot find the models folder; set vision.models-dir or pass --models");
    };
    let runtime =
        OrtRuntime::start(config.vision.onnxruntime.as_deref()).context("starting ONNX Runtime")?;
    let mut model = LivenessModel::load_from_dir(&runtime, &dir, config.vision.threads)
        .context("loading the liveness models")?;
    let bezel = BezelCheck::defaults();
    let policy = config.liveness.policy;
    let size = vision.recognizer.config.detector_size;
    let show_progress = !args.json && std::io::IsTerminal::is_terminal(&std::io::stderr());

    let mut scored = Vec::with_capacity(samples.len());
    // Seconds spent per stage, over every frame with a face: what liveness adds per frame.
    let (mut t_detect, mut t_models, mut t_bezel, mut t_judge) = (0f64, 0f64, 0f64, 0f64);
    let mut scored_frames = 0usize;
    for (n, s) in samples.iter().enumerate() {
        if show_progress {
            eprint!("\r{}/{} samples", n + 1, samples.len());
        }
        let mut judge = LivenessJudge::new(policy);
        let (mut frames, mut faces) = (0usize, 0usize);
        let mut look = |img: &BgrImage| -> anyhow::Result<()> {
            frames += 1;
            let t = Instant::now();
            let found = vision
                .recognizer
                .faces(img, size)
                .with_context(|| format!("detecting faces in {}", s.name))?;
            t_detect += t.elapsed().as_secs_f64();
            let Some(face) = found
                .iter()
                .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
            else {
                return Ok(());
            };
            faces += 1;
            scored_frames += 1;
            let t = Instant::now();
            let live = model
                .score(img, &face.bbox)
                .with_context(|| format!("liveness models on {}", s.name))?;
            t_models += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let framed = bezel.sees_bezel(img, &face.bbox);
            t_bezel += t.elapsed().as_secs_f64();
            let t = Instant::now();
            judge.observe(Observation {
                landmarks: face.landmarks,
                bbox: face.bbox,
                model_score: Some(live.mean),
                bezel: framed,
            });
            let _ = judge.scores();
            t_judge += t.elapsed().as_secs_f64();
            Ok(())
        };
        match &s.source {
            SampleSource::Image(p) => {
                look(&read_photo(p).with_context(|| format!("reading {}", p.display()))?)?
            }
            SampleSource::Frames(list) => {
                for p in list.iter().take(args.max_frames) {
                    look(&read_photo(p).with_context(|| format!("reading {}", p.display()))?)?;
                }
            }
            SampleSource::Video(p) => {
                let mut src = crate::hw::frames::open(
                    &SourceSpec::File(p.clone()),
                    Arc::new(AtomicBool::new(false)),
                    config.clock,
                )
                .with_context(|| format!("opening {}", p.display()))?;
                for _ in 0..args.max_frames {
                    let Some(f) = src
                        .next_frame()
                        .with_context(|| format!("reading {}", p.display()))?
                    else {
                        break;
                    };
                    look(&f.image)?;
                }
            }
        }
        scored.push(Scored {
            name: s.name.clone(),
            attack: s.attack.clone(),
            frames,
            faces,
            scores: judge.scores(),
            verdict: judge.verdict(),
        });
    }
    if show_progress {
        eprintln!();
    }
    let per = |t: f64| t * 1e3 / scored_frames.max(1) as f64;
    let stage_ms = json!({
        "detect": per(t_detect),
        "liveness_models": per(t_models),
        "bezel": per(t_bezel),
        "judge": per(t_judge),
        "frames": scored_frames,
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
    });

    // Presentations in which no face was ever found are not scored (a failure to acquire, in
    // the standard's terms): counted and listed.
    let acquired: Vec<&Scored> = scored.iter().filter(|s| s.faces > 0).collect();
    let not_acquired: Vec<&str> = scored
        .iter()
        .filter(|s| s.faces == 0)
        .map(|s| s.name.as_str())
        .collect();
    let collect = |pick: &dyn Fn(&Scored) -> Option<f32>| -> PadScores {
        let mut p = PadScores::default();
        for s in &acquired {
            let Some(v) = pick(s) else { continue };
            match &s.attack {
                None => p.bona_fide.push(v),
                Some(k) => p.add_attack(k, v),
            }
        }
        p
    };
    let checks: [(&str, &str, PadScores, f32); 4] = [
        (
            "model",
            "MiniFASNet V2 + V1SE, mean live share",
            collect(&|s| s.scores.model),
            policy.model_threshold,
        ),
        (
            "motion",
            "model-free: planar motion, stillness, bezel",
            collect(&|s| Some(s.scores.model_free)),
            0.5,
        ),
        (
            "combined",
            "the lower of the two",
            collect(&|s| Some(s.scores.combined)),
            policy.model_threshold,
        ),
        (
            "verdict",
            "the door's verdict at the configured thresholds: 1 live, 0 suspect",
            collect(&|s| {
                Some(if s.verdict == LivenessVerdict::Live {
                    1.0
                } else {
                    0.0
                })
            }),
            0.5,
        ),
    ];

    let live_count = acquired.iter().filter(|s| s.attack.is_none()).count();
    let mut kinds: Vec<(String, usize)> = Vec::new();
    for s in &acquired {
        if let Some(k) = &s.attack {
            match kinds.iter_mut().find(|(n, _)| n == k) {
                Some((_, c)) => *c += 1,
                None => kinds.push((k.clone(), 1)),
            }
        }
    }
    if args.json {
        let mut checks_json = serde_json::Map::new();
        for (name, what, pad, threshold) in &checks {
            let (mean_live, mean_attack) = pad.means();
            checks_json.insert(
                (*name).to_string(),
                json!({
                    "what": what,
                    "bona_fide": pad.bona_fide.len(),
                    "attacks": pad.attacks.iter().map(|(_, v)| v.len()).sum::<usize>(),
                    "mean_bona_fide_score": mean_live,
                    "mean_attack_score": mean_attack,
                    "at_configured_threshold": rates_json(&pad.rates_at(*threshold)),
                    "bpcer_at_apcer_5": pad.bpcer_at_apcer(ATTACK_PRESENTATION_LIMIT).as_ref().map(rates_json),
                    "for_target_bpcer": pad.threshold_for_bpcer(args.target_bpcer).as_ref().map(rates_json),
                }),
            );
        }
        let samples_json: Vec<serde_json::Value> = scored
            .iter()
            .map(|s| {
                json!({
                    "name": s.name,
                    "attack": s.attack,
                    "frames": s.frames,
                    "faces": s.faces,
                    "model": s.scores.model,
                    "motion": s.scores.motion,
                    "no_bezel": s.scores.no_bezel,
                    "model_free": s.scores.model_free,
                    "combined": s.scores.combined,
                    "parallax": s.scores.parallax,
                    "travel": s.scores.travel,
                    "verdict": verdict_codes(&s.verdict),
                })
            })
            .collect();
        let out = json!({
            "dataset": dataset.display().to_string(),
            "bona_fide": live_count,
            "attacks": kinds.iter().map(|(k, n)| (k.clone(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "not_acquired": not_acquired,
            "target_bpcer": args.target_bpcer,
            "mode": config.liveness.mode.name(),
            "models": model.names(),
            "checks": checks_json,
            "stage_ms": stage_ms,
            "samples": samples_json,
        });
        return super::print_json(&out);
    }

    println!(
        "dataset {}: {} bona fide, {}; no face found in {}",
        dataset.display(),
        live_count,
        kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", "),
        not_acquired.len()
    );
    println!(
        "ISO/IEC 30107-3 terms: APCER = attacks accepted as real, BPCER = real people refused"
    );
    for name in &not_acquired {
        println!("  no face: {name}");
    }
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let line = |r: &PadRates| {
        format!(
            "threshold {:.3}: APCER {} (worst {}), BPCER {}",
            r.threshold,
            r.apcer
                .iter()
                .map(|(k, a)| format!("{k} {}", pct(*a)))
                .collect::<Vec<_>>()
                .join(", "),
            pct(r.apcer_max),
            pct(r.bpcer)
        )
    };
    for (name, what, pad, threshold) in &checks {
        let (mean_live, mean_attack) = pad.means();
        println!("{name} ({what}):");
        println!(
            "  mean score: bona fide {}, attacks {}",
            mean_live.map_or("n/a".into(), |v| format!("{v:.3}")),
            mean_attack.map_or("n/a".into(), |v| format!("{v:.3}"))
        );
        println!("  at the configured {}", line(&pad.rates_at(*threshold)));
        match pad.bpcer_at_apcer(ATTACK_PRESENTATION_LIMIT) {
            Some(r) => println!("  BPCER at APCER 5%: {} ({})", pct(r.bpcer), line(&r)),
            None => println!("  BPCER at APCER 5%: n/a (needs bona fide and attack samples)"),
        }
        match pad.threshold_for_bpcer(args.target_bpcer) {
            Some(r) => println!("  for BPCER <= {}: {}", pct(args.target_bpcer), line(&r)),
            None => println!("  for BPCER <= {}: n/a", pct(args.target_bpcer)),
        }
    }
    println!(
        "per frame with a face ({} frames, {} build): detect {:.1} ms; liveness models {:.1} ms, bezel check {:.1} ms, judge {:.2} ms",
        scored_frames,
        if cfg!(debug_assertions) { "debug" } else { "release" },
        per(t_detect),
        per(t_models),
        per(t_bezel),
        per(t_judge)
    );
    Ok(ExitCode::SUCCESS)
}

/// The error rates at one threshold, as the JSON output shows them.
fn rates_json(r: &PadRates) -> serde_json::Value {
    json!({
        "threshold": r.threshold,
        "apcer": r.apcer.iter().map(|(k, a)| (k.clone(), json!(a))).collect::<serde_json::Map<_, _>>(),
        "apcer_max": r.apcer_max,
        "bpcer": r.bpcer,
    })
}

fn verdict_codes(v: &LivenessVerdict) -> Vec<&'static str> {
    match v {
        LivenessVerdict::Live => Vec::new(),
        LivenessVerdict::Suspect(r) => r.iter().map(|r| r.code()).collect(),
    }
}

fn is_video_file(p: &Path) -> bool {
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "mp4" | "avi" | "mkv" | "mov" | "webm" | "m4v")
}

/// The presentations of `live/` and `attack/<kind>/`, sorted by name.
fn list_dataset(root: &Path) -> anyhow::Result<Vec<Sample>> {
    let live = root.join("live");
    let attack = root.join("attack");
    if !live.is_dir() || !attack.is_dir() {
        bail!(
            "{} must hold live/ (real people) and attack/<kind>/ (e.g. attack/print, attack/replay); \
             `hallclock make-attacks` makes a synthetic set from real captures",
            root.display()
        );
    }
    let mut out = entries(&live, None)?;
    let mut kinds = sorted_dir(&attack)?;
    kinds.retain(|p| p.is_dir());
    for kind in kinds {
        let name = kind
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.extend(entries(&kind, Some(name))?);
    }
    if !out.iter().any(|s| s.attack.is_none()) || !out.iter().any(|s| s.attack.is_some()) {
        bail!(
            "{} needs samples in both live/ and attack/<kind>/",
            root.display()
        );
    }
    Ok(out)
}

fn sorted_dir(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        v.push(
            e.with_context(|| format!("listing {}", dir.display()))?
                .path(),
        );
    }
    v.sort();
    Ok(v)
}

fn entries(dir: &Path, attack: Option<String>) -> anyhow::Result<Vec<Sample>> {
    let mut out = Vec::new();
    for p in sorted_dir(dir)? {
        let name = format!(
            "{}/{}",
            attack.as_deref().unwrap_or("live"),
            p.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        let source = if p.is_dir() {
            let frames: Vec<PathBuf> = sorted_dir(&p)?
                .into_iter()
                .filter(|f| is_image_file(f))
                .collect();
            if frames.is_empty() {
                continue;
            }
            SampleSource::Frames(frames)
        } else if is_image_file(&p) {
            SampleSource::Image(p)
        } else if is_video_file(&p) {
            SampleSource::Video(p)
        } else {
            continue;
        };
        out.push(Sample {
            name,
            attack: attack.clone(),
            source,
        });
    }
    Ok(out)
}

/// `--from-db [--save]`: the figures of the model score over the samples the database keeps, and
/// with `--save` the chosen threshold recorded as the site's calibration.
fn from_db(config: &Config, args: &EvalLivenessArgs) -> anyhow::Result<ExitCode> {
    let mut store = open_store(config)?;
    let mut pad = PadScores::default();
    for (kind, score) in store
        .liveness_samples()
        .context("reading the liveness samples")?
    {
        match kind {
            SampleKind::Live => pad.bona_fide.push(score),
            attack => pad.add_attack(attack.key(), score),
        }
    }
    let attacks: usize = pad.attacks.iter().map(|(_, v)| v.len()).sum();
    if pad.bona_fide.is_empty() || attacks == 0 {
        bail!(
            "the database holds {} bona fide and {attacks} attack samples; expected some of each: \
             enrol staff from the door camera and record attack drills (hallclock liveness drill) first",
            pad.bona_fide.len()
        );
    }
    let configured = pad.rates_at(config.liveness.policy.model_threshold);
    let at_apcer_5 = pad.bpcer_at_apcer(ATTACK_PRESENTATION_LIMIT);
    let chosen = pad.threshold_for_bpcer(args.target_bpcer);
    if args.save {
        let Some(c) = &chosen else {
            bail!("no threshold keeps BPCER at or below {}", args.target_bpcer);
        };
        let now = config.clock.now();
        let calibration = Calibration {
            at: now,
            model_threshold: c.threshold,
            target_bpcer: args.target_bpcer,
            bpcer: c.bpcer,
            apcer_max: c.apcer_max,
            bona_fide: u32::try_from(pad.bona_fide.len()).unwrap_or(u32::MAX),
            attacks: u32::try_from(attacks).unwrap_or(u32::MAX),
        };
        let detail = format!(
            "model-threshold {:.3} for BPCER <= {}",
            c.threshold, args.target_bpcer
        );
        store
            .record_liveness_calibration(
                &calibration,
                &Audit::cli(now, "liveness-calibrate", detail),
            )
            .context("recording the calibration")?;
    }
    if args.json {
        let out = json!({
            "source": "database",
            "score": "model",
            "bona_fide": pad.bona_fide.len(),
            "attacks": pad.attacks.iter().map(|(k, v)| (k.clone(), json!(v.len()))).collect::<serde_json::Map<_, _>>(),
            "target_bpcer": args.target_bpcer,
            "at_configured_threshold": rates_json(&configured),
            "bpcer_at_apcer_5": at_apcer_5.as_ref().map(rates_json),
            "for_target_bpcer": chosen.as_ref().map(rates_json),
            "saved": args.save,
        });
        return super::print_json(&out);
    }
    let pct = |v: f64| format!("{:.1}%", v * 100.0);
    let line = |r: &PadRates| {
        let kinds: Vec<String> = r
            .apcer
            .iter()
            .map(|(k, a)| format!("{k} {}", pct(*a)))
            .collect();
        format!(
            "threshold {:.3}: APCER {} (worst {}), BPCER {}",
            r.threshold,
            kinds.join(", "),
            pct(r.apcer_max),
            pct(r.bpcer)
        )
    };
    println!(
        "database: {} bona fide, {attacks} attack samples (model score; ISO/IEC 30107-3: APCER = attacks accepted as real, BPCER = real people refused)",
        pad.bona_fide.len()
    );
    println!("  at the configured {}", line(&configured));
    match &at_apcer_5 {
        Some(r) => println!("  BPCER at APCER 5%: {} ({})", pct(r.bpcer), line(r)),
        None => println!("  BPCER at APCER 5%: n/a"),
    }
    match &chosen {
        Some(r) => println!("  for BPCER <= {}: {}", pct(args.target_bpcer), line(r)),
        None => println!("  for BPCER <= {}: n/a", pct(args.target_bpcer)),
    }
    if let (true, Some(r)) = (args.save, &chosen) {
        println!(
            "已校准：记录阈值 {:.3}；请在配置 [liveness] 中设置 model-threshold = {:.3} (saved as the site's calibration; set model-threshold = {:.3})",
            r.threshold, r.threshold, r.threshold
        );
    }
    Ok(ExitCode::SUCCESS)
}

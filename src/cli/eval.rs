//! `hallclock eval --dataset DIR`: detection failures, verification (TAR at FAR, EER) and an
//! open-set run with strangers, on folders of `<identity>/<image>` photos (nested folders allowed:
//! the identity is the folder path holding the images). How a site calibrates its threshold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use serde_json::json;

use crate::core::evaluation::{OpenSetCounts, PairScores, SplitMix};
use crate::core::ids::StaffId;
use crate::core::matcher::{similarity, Gallery, MatchPolicy, SearchScratch};
use crate::hw::frames::is_image_file;
use crate::hw::read_photo;
use crate::vision::detector::DetectorSize;
use crate::vision::quality::QualityGate;

use crate::app::setup::Vision;
use crate::config::Config;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Folder of <identity>/<image> photos.
    #[arg(long)]
    pub dataset: PathBuf,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Longest side the detector sees (photos are scaled down to it, never up).
    #[arg(long, default_value_t = 2048)]
    pub max_side: usize,
    /// Photos per person enrolled in the open-set run.
    #[arg(long, default_value_t = 1)]
    pub enrol: usize,
    /// Fraction of identities held back as strangers.
    #[arg(long, default_value_t = 1.0 / 3.0)]
    pub strangers: f64,
    /// How the enrolment photos are chosen.
    #[arg(long, value_enum, default_value_t = EnrolPick::Best)]
    pub enrol_pick: EnrolPick,
    /// Random splits of the open-set run (results are summed over them).
    #[arg(long, default_value_t = 20)]
    pub rounds: u64,
    /// Seed of the shuffle that picks each round's gallery and probes (same seed, same split).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Embed each face's mirror image too and average.
    #[arg(long)]
    pub flip: bool,
    /// Override the threshold of the open-set run.
    #[arg(long)]
    pub threshold: Option<f32>,
    /// Override the margin over the second-best person.
    #[arg(long)]
    pub margin: Option<f32>,
}

struct Sample {
    identity: usize,
    file: PathBuf,
    embedding: Vec<f32>,
    /// Higher is a better enrolment photo: passes the enrolment gate, then frontal and sure.
    enrol_quality: f32,
}

/// Which photos of a person are enrolled in the open-set run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnrolPick {
    /// As an admin would: photos that pass the enrolment quality gate, most frontal first.
    Best,
    /// Any photos, at random.
    Random,
}

pub fn run(config: &Config, args: EvalArgs) -> anyhow::Result<ExitCode> {
    if !args.dataset.is_dir() {
        bail!(
            "the dataset folder {} does not exist (for the project's accuracy check it is ../shared/eval/github-snapshot/identities, which is read in place and never copied into the repository)",
            args.dataset.display()
        );
    }
    let files = list_dataset(&args.dataset)?;
    if files.is_empty() {
        bail!(
            "{} holds no <identity>/<image> photos",
            args.dataset.display()
        );
    }
    let mut vision = Vision::load(config)?;
    vision.recognizer.config.flip = args.flip || config.vision.flip;
    let policy = MatchPolicy {
        threshold: args.threshold.unwrap_or(vision.policy.threshold),
        margin: args.margin.unwrap_or(vision.policy.margin),
    };

    let mut identities: Vec<String> = files.iter().map(|(id, _)| id.clone()).collect();
    identities.dedup();
    let index: BTreeMap<&str, usize> = identities
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut samples: Vec<Sample> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let (mut t_read, mut t_detect, mut t_embed) = (0f64, 0f64, 0f64);
    let enrol_gate = QualityGate::enrolment_defaults();
    let show_progress = !args.json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    for (n, (identity, path)) in files.iter().enumerate() {
        if show_progress {
            eprint!("\r{}/{} photos", n + 1, files.len());
        }
        let t = Instant::now();
        let img = match read_photo(path) {
            Ok(i) => i,
            Err(e) => {
                failures.push(format!("{}: {e}", path.display()));
                continue;
            }
        };
        t_read += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let faces = vision.recognizer.faces(
            &img,
            DetectorSize::Native {
                max_side: args.max_side,
            },
        )?;
        t_detect += t.elapsed().as_secs_f64();
        let Some(face) = faces
            .iter()
            .max_by(|a, b| a.bbox.area().total_cmp(&b.bbox.area()))
        else {
            failures.push(format!("{}: no face found", path.display()));
            continue;
        };
        let t = Instant::now();
        let (e, report) = vision.recognizer.describe(&img, face)?;
        t_embed += t.elapsed().as_secs_f64();
        let passes = if enrol_gate.check(&report).is_empty() {
            1.0
        } else {
            0.0
        };
        let enrol_quality = passes + 0.1 * report.score - 0.5 * report.yaw.abs();
        samples.push(Sample {
            identity: index[identity.as_str()],
            file: path.clone(),
            embedding: e.0,
            enrol_quality,
        });
    }
    if show_progress {
        eprintln!();
    }
    let metric = vision.recognizer.embedder.metric();

    // Verification: every pair of embedded photos.
    let mut pairs = PairScores::default();
    let mut genuine_pairs: Vec<(f32, usize, usize)> = Vec::new();
    let mut impostor_pairs: Vec<(f32, usize, usize)> = Vec::new();
    for i in 0..samples.len() {
        for j in i + 1..samples.len() {
            let s = similarity(metric, &samples[i].embedding, &samples[j].embedding).0;
            if samples[i].identity == samples[j].identity {
                pairs.genuine.push(s);
                genuine_pairs.push((s, i, j));
            } else {
                pairs.impostor.push(s);
                impostor_pairs.push((s, i, j));
            }
        }
    }
    // The hardest pairs, for a site checking its own photos: least alike genuine, most alike impostor.
    genuine_pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    impostor_pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let show = |list: &[(f32, usize, usize)]| -> Vec<serde_json::Value> {
        list.iter()
            .take(8)
            .map(|(s, i, j)| json!({"score": s, "a": samples[*i].file.display().to_string(), "b": samples[*j].file.display().to_string()}))
            .collect()
    };
    let hardest_genuine = show(&genuine_pairs);
    let hardest_impostor = show(&impostor_pairs);
    let fars = [("1e-2", 1e-2), ("1e-3", 1e-3), ("1e-4", 1e-4)];
    let tars: Vec<(&str, Option<crate::core::evaluation::TarAtFar>)> = fars
        .iter()
        .map(|(k, f)| (*k, pairs.tar_at_far(*f)))
        .collect();
    let eer = pairs.eer();

    // Open set.
    let open = open_set(&samples, identities.len(), &args, &vision, &policy);

    let n = files.len().max(1) as f64;
    let stage_ms = json!({
        "read": t_read * 1e3 / n,
        "detect": t_detect * 1e3 / n,
        "align_embed": t_embed * 1e3 / samples.len().max(1) as f64,
    });
    if args.json {
        let mut tar_obj = serde_json::Map::new();
        for (k, t) in &tars {
            tar_obj.insert((*k).to_string(), json!(t.map(|t| t.tar)));
        }
        let out = json!({
            "images": files.len(),
            "identities": identities.len(),
            "detect_failures": failures.len(),
            "detect_failure_files": failures,
            "genuine_pairs": pairs.genuine.len(),
            "impostor_pairs": pairs.impostor.len(),
            "tar_at_far": tar_obj,
            "eer": eer.map(|e| e.0),
            "eer_threshold": eer.map(|e| e.1),
            "threshold": policy.threshold,
            "margin": policy.margin,
            "embedder": vision.model_name,
            "flip": vision.recognizer.config.flip,
            "open_set": {
                "rounds": args.rounds,
                "enrol_per_person": args.enrol,
                "enrol_pick": format!("{:?}", args.enrol_pick).to_lowercase(),
                "genuine_probes": open.at_threshold.genuine_probes,
                "stranger_probes": open.at_threshold.stranger_probes,
                "correct_accept": open.at_threshold.correct_accept_rate(),
                "wrong_person_accept": open.at_threshold.wrong_person_accept_rate(),
                "stranger_accept": open.at_threshold.stranger_accept_rate(),
                "calibrated_threshold": open.calibrated_threshold,
                "calibrated_correct_accept": open.calibrated.correct_accept_rate(),
                "calibrated_wrong_person_accept": open.calibrated.wrong_person_accept_rate(),
                "calibrated_stranger_accept": open.calibrated.stranger_accept_rate(),
            },
            "stage_ms": stage_ms,
            "hardest_genuine_pairs": hardest_genuine,
            "hardest_impostor_pairs": hardest_impostor,
        });
        return super::print_json(&out);
    }
    println!(
        "dataset {}: {} photos of {} identities, embedder {}{}",
        args.dataset.display(),
        files.len(),
        identities.len(),
        vision.model_name,
        if vision.recognizer.config.flip {
            " (flip averaged)"
        } else {
            ""
        }
    );
    println!("detection failures: {}", failures.len());
    for f in &failures {
        println!("  {f}");
    }
    println!(
        "verification: {} genuine pairs, {} impostor pairs",
        pairs.genuine.len(),
        pairs.impostor.len()
    );
    for (k, t) in &tars {
        match t {
            Some(t) => println!(
                "  TAR at FAR {k}: {:.2}% (threshold {:.3})",
                t.tar * 100.0,
                t.threshold
            ),
            None => println!("  TAR at FAR {k}: n/a"),
        }
    }
    if let Some((e, t)) = eer {
        println!("  EER: {:.2}% (at {t:.3})", e * 100.0);
    }
    for (title, list) in [
        ("least alike same-person pairs", &hardest_genuine),
        ("most alike different-person pairs", &hardest_impostor),
    ] {
        println!("  {title}:");
        for p in list.iter().take(5) {
            println!(
                "    {:.3}  {}  {}",
                p["score"].as_f64().unwrap_or(0.0),
                p["a"].as_str().unwrap_or(""),
                p["b"].as_str().unwrap_or("")
            );
        }
    }
    let o = &open.at_threshold;
    println!(
        "open set ({} rounds, {} enrolment photo(s) per person picked {:?}, {:.0}% of identities as strangers):",
        args.rounds,
        args.enrol,
        args.enrol_pick,
        args.strangers * 100.0
    );
    println!(
        "  at threshold {:.3}, margin {:.3}: correct accept {:.2}% of {} probes, wrong-person accept {:.2}% ({}), strangers accepted {:.2}% of {}",
        policy.threshold,
        policy.margin,
        o.correct_accept_rate() * 100.0,
        o.genuine_probes,
        o.wrong_person_accept_rate() * 100.0,
        o.wrong_person_accept,
        o.stranger_accept_rate() * 100.0,
        o.stranger_probes
    );
    let c = &open.calibrated;
    println!(
        "  calibrated for <= 1% strangers, threshold {:.3}: correct accept {:.2}%, wrong-person accept {:.2}% ({}), strangers {:.2}%",
        open.calibrated_threshold,
        c.correct_accept_rate() * 100.0,
        c.wrong_person_accept_rate() * 100.0,
        c.wrong_person_accept,
        c.stranger_accept_rate() * 100.0
    );
    println!(
        "per photo: read {:.1} ms, detect {:.1} ms, align+embed {:.1} ms",
        t_read * 1e3 / n,
        t_detect * 1e3 / n,
        t_embed * 1e3 / samples.len().max(1) as f64
    );
    Ok(ExitCode::SUCCESS)
}

/// Leaf folders holding images, as (identity = path relative to the root, file), sorted.
fn list_dataset(root: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for (identity, images) in image_folders(root)? {
        if !identity.is_empty() {
            out.extend(images.into_iter().map(|p| (identity.clone(), p)));
        }
    }
    out.sort();
    Ok(out)
}

/// Every folder under `root`, `root` included, with the image files it holds (sorted):
/// `(identity, images)`, the identity being the folder's path relative to `root` (empty for
/// `root` itself). Shared with `door-clip`.
pub(super) fn image_folders(root: &Path) -> anyhow::Result<Vec<(String, Vec<PathBuf>)>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let listing = || format!("listing {}", dir.display());
        let mut images = Vec::new();
        for entry in std::fs::read_dir(&dir).with_context(listing)? {
            let p = entry.with_context(listing)?.path();
            if p.is_dir() {
                stack.push(p);
            } else if is_image_file(&p) {
                images.push(p);
            }
        }
        images.sort();
        let identity = dir
            .strip_prefix(root)
            .unwrap_or(&dir)
            .to_string_lossy()
            .into_owned();
        out.push((identity, images));
    }
    Ok(out)
}

struct OpenSet {
    at_threshold: OpenSetCounts,
    calibrated: OpenSetCounts,
    calibrated_threshold: f32,
}

/// (true identity or None for a stranger, best identity, best score, margin to the second person)
type Probe = (Option<usize>, Option<usize>, f32, f32);

fn open_set(
    samples: &[Sample],
    identities: usize,
    args: &EvalArgs,
    vision: &Vision,
    policy: &MatchPolicy,
) -> OpenSet {
    let metric = vision.recognizer.embedder.metric();
    let dim = samples.first().map(|s| s.embedding.len()).unwrap_or(0);
    let ids: Vec<StaffId> = (0..identities)
        .filter_map(|i| StaffId::new(&format!("id{i}")).ok())
        .collect();
    let mut probes: Vec<Probe> = Vec::new();
    let mut scratch = SearchScratch::default();
    for round in 0..args.rounds {
        let mut rng = SplitMix::new(args.seed.wrapping_add(round.wrapping_mul(7919)));
        let mut order: Vec<usize> = (0..identities).collect();
        rng.shuffle(&mut order);
        let n_strangers = ((identities as f64) * args.strangers).round() as usize;
        let strangers: Vec<usize> = order[..n_strangers.min(identities)].to_vec();
        let mut by_id: Vec<Vec<usize>> = vec![Vec::new(); identities];
        for (i, s) in samples.iter().enumerate() {
            by_id[s.identity].push(i);
        }
        let mut gallery = Gallery::new(dim, metric);
        let mut genuine_probes: Vec<usize> = Vec::new();
        for (id, list) in by_id.iter_mut().enumerate() {
            if strangers.contains(&id) {
                continue;
            }
            match args.enrol_pick {
                EnrolPick::Random => rng.shuffle(list),
                EnrolPick::Best => list.sort_by(|a, b| {
                    samples[*b]
                        .enrol_quality
                        .total_cmp(&samples[*a].enrol_quality)
                }),
            }
            for (k, &s) in list.iter().enumerate() {
                if k < args.enrol {
                    let _ = gallery.add(&ids[id], &samples[s].embedding);
                } else {
                    genuine_probes.push(s);
                }
            }
        }
        let stranger_probes: Vec<usize> = strangers
            .iter()
            .flat_map(|&id| by_id[id].iter().copied())
            .collect();
        for (truth, list) in [(true, &genuine_probes), (false, &stranger_probes)] {
            for &s in list {
                let r = gallery.search(&samples[s].embedding, &mut scratch);
                let best = r
                    .best
                    .map(|c| (ids.iter().position(|x| x == c.staff), c.score.0));
                let margin = match (r.best, r.second) {
                    (Some(b), Some(s2)) => b.score.0 - s2.score.0,
                    _ => f32::INFINITY,
                };
                let (best_id, best_score) = best.unwrap_or((None, f32::NEG_INFINITY));
                probes.push((
                    truth.then_some(samples[s].identity),
                    best_id,
                    best_score,
                    margin,
                ));
            }
        }
    }
    let count = |threshold: f32| -> OpenSetCounts {
        let mut c = OpenSetCounts::default();
        for &(truth, best, score, margin) in &probes {
            let accepted = score >= threshold && margin >= policy.margin;
            match truth {
                Some(t) => {
                    c.genuine_probes += 1;
                    if accepted && best == Some(t) {
                        c.correct_accept += 1;
                    } else if accepted {
                        c.wrong_person_accept += 1;
                    }
                }
                None => {
                    c.stranger_probes += 1;
                    if accepted {
                        c.stranger_accept += 1;
                    }
                }
            }
        }
        c
    };
    // The lowest threshold that accepts at most 1% of the strangers.
    let all_strangers = probes.iter().filter(|p| p.0.is_none()).count();
    let mut stranger_scores: Vec<f32> = probes
        .iter()
        .filter(|p| p.0.is_none() && p.3 >= policy.margin)
        .map(|p| p.2)
        .collect();
    stranger_scores.sort_by(|a, b| b.total_cmp(a));
    let allowed = (all_strangers as f64 * 0.01).floor() as usize;
    let calibrated_threshold = stranger_scores
        .get(allowed)
        .map(|s| s + 1e-4)
        .unwrap_or(policy.threshold);
    OpenSet {
        at_threshold: count(policy.threshold),
        calibrated: count(calibrated_threshold),
        calibrated_threshold,
    }
}

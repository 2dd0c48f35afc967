//! `hallclock eval-door CLIP [--json]`: runs the door's real recognise, decide and record stages
//! (a throwaway database in a temporary folder, the clip's people enrolled from their enrolment
//! photos) on a clip made by `door-clip`, feeding the frames as fast as they are recognised,
//! stamped at the clip's frame rate. Compares the punches with `truth.json`: people, punched,
//! missed, duplicated, wrong person; the time from a track's first frame to its committed punch
//! (processing, on this machine) and the vote's wait at the clip's frame rate; and the recognise
//! stage's CPU per person passing, next to the same clip run the naive way (every face embedded
//! on every frame).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::door_clip::Truth;
use crate::app::enrol::{enrol, DuplicateFaces, EnrolInput, PhotoInput};
use crate::app::setup::{open_store, Vision};
use crate::app::telemetry::Telemetry;
use crate::config::Config;
use crate::core::ids::StaffId;
use crate::core::rules::{DoorEngine, Signal};
use crate::daemon::decide::{self, FactsWatch, FeedbackJob, RecordJob};
use crate::daemon::recognise::{self, EmbedPolicy, IdleGate, RecogniseWork};
use crate::daemon::sinks;
use crate::hw::clock::{ClockTrust, FixedClock};
use crate::hw::frames::{is_image_file, Frame};
use crate::hw::read_photo;
use crate::store::{Audit, Store};

#[derive(Debug, Args)]
pub struct EvalDoorArgs {
    /// A clip folder made by `hallclock door-clip` (frames/ and truth.json).
    pub clip: PathBuf,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Skip the naive every-frame run (its CPU figure is then absent).
    #[arg(long)]
    pub no_naive: bool,
}

/// One committed punch.
#[derive(Debug, Clone)]
struct Punched {
    staff: StaffId,
    at: Timestamp,
    first_seen: Timestamp,
    /// From sending the track's first frame to the commit, on this machine.
    processing: Option<Duration>,
}

/// What one run of the pipeline over the clip gave.
struct RunResult {
    /// The first frame's time.
    t0: Timestamp,
    punches: Vec<Punched>,
    unknown_sightings: usize,
    stage_cpu: Duration,
    process_cpu: Duration,
    wall: Duration,
    frames_detected: u64,
    faces_detected: u64,
    faces_embedded: u64,
}

pub fn run(config: &Config, args: EvalDoorArgs) -> anyhow::Result<ExitCode> {
    let truth = Truth::read(&args.clip)?;
    let frames = list_frames(&args.clip.join("frames"))?;
    if frames.is_empty() {
        bail!("{} has no frames", args.clip.join("frames").display());
    }
    let work_dir = std::env::temp_dir().join(format!("hallclock-eval-door-{}", std::process::id()));
    let _cleanup = RemoveOnDrop(work_dir.clone());
    std::fs::create_dir_all(&work_dir)
        .with_context(|| format!("creating {}", work_dir.display()))?;

    let quiet = StdoutToNull::start();
    let (tracked, not_enrolled) = run_once(
        config,
        &truth,
        &frames,
        &work_dir.join("tracked"),
        EmbedPolicy::Tracked,
    )?;
    let naive = if args.no_naive {
        None
    } else {
        Some(
            run_once(
                config,
                &truth,
                &frames,
                &work_dir.join("naive"),
                EmbedPolicy::EveryFrame,
            )?
            .0,
        )
    };
    drop(quiet);

    let people = truth.people.len();
    let t0 = tracked.t0;
    let frame_at = |f: u64| {
        t0 + SignedDuration::from_nanos((f as i128 * 1_000_000_000 / i128::from(truth.fps)) as i64)
    };
    let slack = SignedDuration::from_secs(2);
    let mut by_staff: BTreeMap<&str, Vec<&Punched>> = BTreeMap::new();
    for p in &tracked.punches {
        by_staff.entry(p.staff.as_str()).or_default().push(p);
    }
    let (mut punched, mut duplicated, mut wrong_person) = (0usize, 0usize, 0usize);
    let mut known = std::collections::BTreeSet::new();
    let mut missed_people = Vec::new();
    for person in &truth.people {
        known.insert(person.staff_id.as_str());
        let list = by_staff
            .get(person.staff_id.as_str())
            .cloned()
            .unwrap_or_default();
        let (from, to) = (
            frame_at(person.first_frame),
            frame_at(person.last_frame) + slack,
        );
        let (inside, outside): (Vec<&Punched>, Vec<&Punched>) =
            list.iter().partition(|p| p.at >= from && p.at <= to);
        wrong_person += outside.len();
        if inside.is_empty() {
            missed_people.push(format!(
                "{} {} ({:?})",
                person.staff_id, person.identity, person.scenario
            ));
        } else {
            punched += 1;
            duplicated += inside.len() - 1;
        }
    }
    for (staff, list) in &by_staff {
        if !known.contains(staff) {
            wrong_person += list.len();
        }
    }
    let missed = people - punched;
    let mut processing: Vec<f64> = tracked
        .punches
        .iter()
        .filter_map(|p| p.processing.map(|d| d.as_secs_f64() * 1000.0))
        .collect();
    let mut waits: Vec<f64> = tracked
        .punches
        .iter()
        .map(|p| p.at.duration_since(p.first_seen).as_secs_f64() * 1000.0)
        .collect();
    let per_person = |d: Duration| d.as_secs_f64() * 1000.0 / people.max(1) as f64;
    let cpu = per_person(tracked.stage_cpu);
    let naive_cpu = naive.as_ref().map(|n| per_person(n.stage_cpu));
    let report = json!({
        "clip": args.clip.display().to_string(),
        "seed": truth.seed,
        "fps": truth.fps,
        "frames": truth.frames,
        "people": people,
        "punched": punched,
        "missed": missed,
        "duplicated": duplicated,
        "wrong_person": wrong_person,
        "not_enrolled": not_enrolled,
        "missed_people": missed_people,
        "unknown_sightings": tracked.unknown_sightings,
        "face_to_punch_ms": { "median": quantile(&mut processing, 0.5), "p95": quantile(&mut processing, 0.95) },
        "vote_wait_at_fps_ms": { "median": quantile(&mut waits, 0.5), "p95": quantile(&mut waits, 0.95) },
        "cpu_ms_per_person": cpu,
        "process_cpu_ms_per_person": per_person(tracked.process_cpu),
        "naive_cpu_ms_per_person": naive_cpu,
        "cpu_ratio_to_naive": naive_cpu.map(|n| cpu / n.max(1e-9)),
        "wall_ms": tracked.wall.as_secs_f64() * 1000.0,
        "frames_detected": tracked.frames_detected,
        "faces_detected": tracked.faces_detected,
        "faces_embedded": tracked.faces_embedded,
        "naive_faces_embedded": naive.as_ref().map(|n| n.faces_embedded),
        "build": if cfg!(debug_assertions) { "debug" } else { "release" },
    });
    if args.json {
        println!("{report}");
    } else {
        let f = |v: &serde_json::Value| v.as_f64().map_or("-".to_string(), |x| format!("{x:.1}"));
        println!(
            "eval-door {} (seed {}, {} frames at {} fps, {} build)",
            args.clip.display(),
            truth.seed,
            truth.frames,
            truth.fps,
            report["build"].as_str().unwrap_or("?")
        );
        println!("  people {people}, punched {punched}, missed {missed}, duplicated {duplicated}, wrong person {wrong_person}, not enrolled {}", not_enrolled.len());
        for m in &missed_people {
            println!("    missed: {m}");
        }
        for n in &not_enrolled {
            println!("    not enrolled: {n}");
        }
        println!(
            "  first sight to committed punch (processing): median {} ms, p95 {} ms",
            f(&report["face_to_punch_ms"]["median"]),
            f(&report["face_to_punch_ms"]["p95"])
        );
        println!(
            "  the vote's wait at {} fps: median {} ms, p95 {} ms",
            truth.fps,
            f(&report["vote_wait_at_fps_ms"]["median"]),
            f(&report["vote_wait_at_fps_ms"]["p95"])
        );
        println!(
            "  recognise CPU per person passing: {cpu:.1} ms (naive every-frame: {}; ratio {})",
            f(&report["naive_cpu_ms_per_person"]),
            report["cpu_ratio_to_naive"]
                .as_f64()
                .map_or("-".into(), |r| format!("{r:.3}"))
        );
        println!(
            "  faces embedded {} (naive {}), frames detected {}, faces detected {}",
            tracked.faces_embedded,
            f(&report["naive_faces_embedded"]),
            tracked.frames_detected,
            tracked.faces_detected
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn run_once(
    config: &Config,
    truth: &Truth,
    frames: &[PathBuf],
    dir: &Path,
    embed: EmbedPolicy,
) -> anyhow::Result<(RunResult, Vec<String>)> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut config = config.clone();
    config.store.database = dir.join("door.db");
    let mut store = open_store(&config)?;
    let mut vision = Vision::load(&config)?;
    let now = config.clock.now();
    let mut not_enrolled = Vec::new();
    for p in &truth.people {
        let id = StaffId::new(&p.staff_id)
            .with_context(|| format!("truth.json staff id {}", p.staff_id))?;
        let input = EnrolInput {
            id: &id,
            name: Some(&p.identity),
            post: None,
            duplicates: DuplicateFaces::Refuse,
            now,
            by: &Audit::cli(now, "enrol", "eval-door"),
        };
        let photo = PhotoInput::File(&p.enrol_photo);
        let done = enrol(&mut vision, &mut store, &input, &[photo], false);
        if let Err(e) = done {
            not_enrolled.push(format!("{}: {e}", p.staff_id));
        }
    }
    let gallery = vision.gallery(&store)?;
    let calendar = store
        .calendar(config.rules.summer)
        .context("loading the calendar")?;
    let posts = store.posts().context("loading the window posts")?;
    let engine = DoorEngine::new(config.rules.engine.clone(), calendar, posts, vec![], now);
    let generation = store
        .rules_generation()
        .context("reading the rules generation")?;
    drop(store);

    let telemetry = Arc::new(Telemetry::default());
    let work = Arc::new(RecogniseWork::default());
    // The door's liveness check as `[liveness]` sets it: its CPU is the door's.
    let face_check = crate::daemon::liveness::face_check(&config, &vision)?;
    let stage = recognise::Recognise {
        vision: Arc::new(Mutex::new(vision)),
        gallery,
        idle: IdleGate {
            enabled: config.camera.motion_gate,
            threshold: config.camera.motion_threshold,
            detect_every: config.camera.idle_detect_every,
        },
        db_path: config.store.database.clone(),
        preview: None,
        keep_face_crops: false,
        keep_evidence: false,
        embed,
        work: work.clone(),
        face_check,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let (frame_tx, frame_rx) = std::sync::mpsc::sync_channel::<Frame>(1);
    let (sight_tx, sight_rx) = tokio::sync::mpsc::channel(32);
    let (rec_tx, mut rec_rx) = tokio::sync::mpsc::channel::<RecordJob>(64);
    let (commit_tx, commit_rx) = tokio::sync::mpsc::channel::<RecordJob>(64);
    let (fb_tx, mut fb_rx) = tokio::sync::mpsc::channel::<FeedbackJob>(64);
    let (reload, cancel) = (
        Arc::new(AtomicBool::new(false)),
        tokio_util::sync::CancellationToken::new(),
    );
    let t = telemetry.clone();
    let recogniser =
        std::thread::spawn(move || recognise::run(stage, frame_rx, sight_tx, reload, cancel, t));
    let clock: Arc<dyn ClockTrust> = Arc::new(FixedClock(true));
    let watch = FactsWatch {
        db_path: config.store.database.clone(),
        summer: config.rules.summer,
        generation,
        reload: Arc::new(AtomicBool::new(false)),
        every: Duration::from_secs(3600),
    };
    let decider = rt.spawn(decide::run(
        engine,
        sight_rx,
        rec_tx,
        fb_tx.clone(),
        clock,
        config.clock,
        telemetry.clone(),
        watch,
        config.liveness.mode,
    ));
    // Between decide and record: note each punch (who, when) on its way to the commit.
    let jobs: Arc<Mutex<BTreeMap<u64, RecordJob>>> = Arc::default();
    let j = jobs.clone();
    let forwarder = rt.spawn(async move {
        while let Some(job) = rec_rx.recv().await {
            // A face the liveness check refused is an attempt, not a punch; a repeat pass is
            // acknowledged, not written.
            if let (true, Ok(mut m)) = (job.writes_punch(), j.lock()) {
                m.insert(job.sighting_id, job.clone());
            }
            if commit_tx.send(job).await.is_err() {
                break;
            }
        }
    });
    // After the commit, the record stage passes the light on: the commit's instant.
    let commits: Arc<Mutex<BTreeMap<u64, Instant>>> = Arc::default();
    let unknowns = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (c, u, j2) = (commits.clone(), unknowns.clone(), jobs.clone());
    let lights = rt.spawn(async move {
        while let Some(job) = fb_rx.recv().await {
            let committed = j2
                .lock()
                .map(|m| m.contains_key(&job.sighting_id))
                .unwrap_or(false);
            if committed {
                if let Ok(mut m) = c.lock() {
                    m.insert(job.sighting_id, Instant::now());
                }
            } else if job.sighting_id != 0 && job.signal != Signal::AlreadyRecorded {
                u.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let record = sinks::Record {
        store: Store::open(&config.store.database).context("opening the throwaway database")?,
        device_id: "eval-door".into(),
        zone: config.rules.engine.schedule.zone.clone(),
        wake_uploader: None,
        clock: config.clock,
        evidence_retention: None,
    };
    let t = telemetry.clone();
    let recorder = std::thread::spawn(move || sinks::run_record(record, commit_rx, fb_tx, t));

    // Feed the frames as fast as they are recognised, stamped at the clip's rate.
    let cpu0 = process_cpu();
    let wall0 = Instant::now();
    let mut sent = Vec::with_capacity(frames.len());
    for (i, path) in frames.iter().enumerate() {
        let image =
            read_photo(path).with_context(|| format!("reading frame {}", path.display()))?;
        let captured_at = now
            + SignedDuration::from_nanos(
                (i as i128 * 1_000_000_000 / i128::from(truth.fps)) as i64,
            );
        telemetry.queue_depth_changed(1);
        sent.push(Instant::now());
        if frame_tx
            .send(Frame {
                image,
                captured_at,
                seq: i as u64,
                position: None,
            })
            .is_err()
        {
            break;
        }
    }
    drop(frame_tx);
    let r = recogniser
        .join()
        .map_err(|_| anyhow::anyhow!("the recognise stage panicked"))?;
    r.context("the recognise stage")?;
    rt.block_on(async {
        decider
            .await
            .context("the decide task")?
            .context("the decide stage")?;
        forwarder.await.context("the forwarding task")?;
        anyhow::Ok(())
    })?;
    recorder
        .join()
        .map_err(|_| anyhow::anyhow!("the record stage panicked"))?
        .context("the record stage")?;
    rt.block_on(lights).context("the feedback task")?;
    let wall = wall0.elapsed();
    let process_cpu = process_cpu().saturating_sub(cpu0);

    let jobs = jobs
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let commits = commits
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let punches = jobs
        .values()
        .map(|job| {
            let first = job.first_seen.duration_since(now).as_secs_f64() * f64::from(truth.fps);
            let first = first.round().max(0.0) as usize;
            let processing = commits
                .get(&job.sighting_id)
                .and_then(|c| sent.get(first).map(|s| c.saturating_duration_since(*s)));
            Punched {
                staff: job.punch.staff.clone(),
                at: job.punch.at,
                first_seen: job.first_seen,
                processing,
            }
        })
        .collect();
    Ok((
        RunResult {
            t0: now,
            punches,
            unknown_sightings: unknowns.load(Ordering::Relaxed),
            stage_cpu: work.cpu(),
            process_cpu,
            wall,
            frames_detected: work.frames_detected.load(Ordering::Relaxed),
            faces_detected: work.faces_detected.load(Ordering::Relaxed),
            faces_embedded: work.faces_embedded.load(Ordering::Relaxed),
        },
        not_enrolled,
    ))
}

fn list_frames(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_image_file(p))
        .collect();
    v.sort();
    Ok(v)
}

/// The `q` quantile (nearest rank) of `v`, or `None` when empty.
fn quantile(v: &mut [f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let i = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1;
    Some(v[i])
}

/// User plus system CPU time of this process.
fn process_cpu() -> Duration {
    // SAFETY: `usage` is a valid, writable rusage; getrusage only writes it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| {
        Duration::new(
            t.tv_sec.max(0) as u64,
            (t.tv_usec.clamp(0, 999_999) * 1000) as u32,
        )
    };
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Sends this process's stdout to /dev/null until dropped (the record stage prints each punch;
/// the report is printed after).
struct StdoutToNull(Option<i32>);

impl StdoutToNull {
    fn start() -> StdoutToNull {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        // SAFETY: plain descriptor calls on this process's own descriptors; the saved copy is
        // restored and closed on drop.
        unsafe {
            let saved = libc::dup(1);
            let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
            if saved < 0 || null < 0 {
                return StdoutToNull(None);
            }
            libc::dup2(null, 1);
            libc::close(null);
            StdoutToNull(Some(saved))
        }
    }
}

impl Drop for StdoutToNull {
    fn drop(&mut self) {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        if let Some(saved) = self.0 {
            // SAFETY: as in `start`.
            unsafe {
                libc::dup2(saved, 1);
                libc::close(saved);
            }
        }
    }
}

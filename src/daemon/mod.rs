//! The door daemon (`hallclock run`): frame source → recognise → decide → record → feedback, the
//! uploader draining the outbox, signals, systemd notification and metrics.
//!
//! [`prepare`] does the slow, fallible start-up synchronously (feedback device, database, models,
//! gallery, the rules engine's state rebuilt from stored punches); [`serve`] runs the stages and
//! supervises them. One stage per task, bounded queues between them: the source and recogniser
//! and both sinks are threads (camera reads, inference, SQLite and GPIO sleeps never run on the
//! async runtime); decide, metrics and the uploader are async tasks. A full frame queue drops
//! frames, never punches (every later queue is awaited). SIGTERM/SIGINT drain: stop the source,
//! finish the frames and sightings in flight, commit the punches, close the database, then stop
//! the uploader, all within `daemon.drain-timeout-secs`. A stage that dies is fatal: everything is
//! cancelled and the process exits non-zero naming the stage. With `[console] enabled`, the web
//! console (`app::console`) is served beside the stages and stopped with the uploader. This
//! module wires; it decides nothing (`core` does) and holds no SQL (`store` does).

pub mod decide;
pub mod facts;
pub mod heartbeat;
pub mod liveness;
pub mod metrics;
pub mod motion;
pub mod notify;
pub mod recognise;
pub mod signals;
pub mod sinks;
pub mod source;
pub mod upload;

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jiff::SignedDuration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, warn};

use crate::app::console::{self, DaemonLink};
use crate::app::preview::DoorPreview;
use crate::app::setup::{open_store, Vision};
use crate::app::telemetry::{Stage, Telemetry};
use crate::config::{ClockCheck, Config, FeedbackKind};
use crate::core::backoff::Backoff;
use crate::core::matcher::Gallery;
use crate::core::rules::DoorEngine;
use crate::hw::clock::{ClockTrust, FixedClock, KernelClock};
use crate::hw::feedback::{open_gpio, Feedback, LogFeedback};
use crate::store::Store;

use notify::Notifier;
use signals::{DaemonSignal, Signals};

/// Everything loaded and checked, ready to run.
pub struct Prepared {
    pub config: Config,
    vision: Vision,
    gallery: Gallery,
    store: Store,
    engine: DoorEngine,
    /// The store's rules generation the engine's facts were loaded at.
    facts_generation: i64,
    /// The liveness check the recognise stage runs on each track (none when `mode = "off"`).
    face_check: Box<dyn recognise::FaceCheck>,
    /// The door's outputs (replaceable, e.g. by a benchmark that times the light).
    pub feedback: Box<dyn Feedback>,
    pub clock: Arc<dyn ClockTrust>,
    pub telemetry: Arc<Telemetry>,
    drain: CancellationToken,
}

impl Prepared {
    /// Cancelling this token drains and stops the daemon as SIGTERM does.
    pub fn drain_handle(&self) -> CancellationToken {
        self.drain.clone()
    }
}

/// Opens the feedback device, the database and the models, builds the gallery and rebuilds the
/// rules engine's state from the punches of the last day.
///
/// # Errors
/// Each step with its context: a GPIO config without the device, a database that cannot be
/// opened, models that cannot be loaded.
pub fn prepare(config: &Config) -> anyhow::Result<Prepared> {
    let feedback: Box<dyn Feedback> = match &config.feedback.kind {
        FeedbackKind::Log => Box::new(LogFeedback),
        FeedbackKind::Gpio(pins) => open_gpio(*pins).context("opening the door's GPIO outputs")?,
    };
    let store = open_store(config)?;
    if let Some(bytes) = config.store.max_size_bytes {
        let capped = store
            .limit_size(bytes)
            .context("applying store.max-size-kb")?;
        info!(bytes = capped, "Database size capped.");
    }
    let vision = Vision::load(config)?;
    let face_check = liveness::face_check(config, &vision)?;
    let gallery = vision.gallery(&store)?;
    if gallery.is_empty() {
        warn!("Nobody is enrolled for this embedder; every face will be unknown.");
    }
    let now = config.clock.now();
    let facts_generation = store
        .rules_generation()
        .context("reading the rules generation")?;
    let calendar = store
        .calendar(config.rules.summer)
        .context("loading the calendar")?;
    let posts = store.posts().context("loading the window posts")?;
    let since = now - SignedDuration::from_hours(26);
    let recent = store
        .punches_between(since, now + SignedDuration::from_hours(1), None)
        .context("loading the last day's punches")?
        .into_iter()
        .map(|r| r.punch)
        .collect();
    let engine = DoorEngine::new(config.rules.engine.clone(), calendar, posts, recent, now);
    let clock: Arc<dyn ClockTrust> = match config.daemon.clock_check {
        ClockCheck::Kernel => Arc::new(KernelClock),
        ClockCheck::Off => Arc::new(FixedClock(true)),
    };
    Ok(Prepared {
        config: config.clone(),
        vision,
        gallery,
        store,
        engine,
        facts_generation,
        face_check,
        feedback,
        clock,
        telemetry: Arc::new(Telemetry::default()),
        drain: CancellationToken::new(),
    })
}

type StageExit = (Stage, anyhow::Result<()>);

/// How often the decide stage reads the store's rules generation (a CLI change to the calendar
/// or the posts reaches the door within this; the console's at once).
const FACTS_LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the daemon until the sources end, a signal asks it to stop, or a stage dies.
///
/// # Errors
/// A stage that died (named), a drain that timed out, or a start-up step of the runtime part
/// (signal handlers, the metrics address).
pub async fn serve(p: Prepared) -> anyhow::Result<ExitCode> {
    let Prepared {
        config,
        vision,
        gallery,
        store,
        engine,
        facts_generation,
        face_check,
        feedback,
        clock,
        telemetry,
        drain,
    } = p;
    let notifier = Notifier::from_env();
    let mut signals = Signals::install().context("installing the signal handlers")?;
    let enrolled = gallery.people();
    let tracker = TaskTracker::new();
    let root = CancellationToken::new();
    let aux = CancellationToken::new();
    let stop = Arc::new(AtomicBool::new(false));
    let reload = Arc::new(AtomicBool::new(false));
    // The recorder wakes the uploader after each commit.
    let wake_uploader = Arc::new(tokio::sync::Notify::new());
    let facts_reload = Arc::new(AtomicBool::new(false));

    let (frame_tx, frame_rx) = std::sync::mpsc::sync_channel(config.camera.queue_frames);
    let (sight_tx, sight_rx) = mpsc::channel(32);
    let (rec_tx, rec_rx) = mpsc::channel(64);
    let (fb_tx, fb_rx) = mpsc::channel(8);
    let (exit_tx, mut exit_rx) = mpsc::channel::<StageExit>(16);
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<()>();

    let mut metrics_task = None;
    if let Some(addr) = config.metrics.listen {
        let listener = metrics::bind(addr).await?;
        info!(%addr, "Metrics endpoint listening.");
        metrics_task = Some(tracker.spawn(metrics::serve(
            listener,
            telemetry.clone(),
            aux.child_token(),
        )));
    }

    // One copy of the models: the recognise stage's, lent to the console's enrolments.
    let vision = Arc::new(std::sync::Mutex::new(vision));
    let mut console_task = None;
    let door_preview = config
        .console
        .enabled
        .then(|| Arc::new(DoorPreview::default()));
    if config.console.enabled {
        let listener = console::bind(config.console.listen).await?;
        info!(addr = %config.console.listen, "Web console listening.");
        let (c, t, cancel) = (config.clone(), telemetry.clone(), aux.child_token());
        let daemon = DaemonLink {
            gallery_reload: reload.clone(),
            preview: door_preview.clone(),
            vision: vision.clone(),
            facts_reload: facts_reload.clone(),
        };
        // Its own runtime and threads: nothing a browser does can delay a punch.
        let listener = listener
            .into_std()
            .context("handing the console's socket to its runtime")?;
        console_task = Some(console::spawn_own_runtime(
            c,
            listener,
            Some(t),
            Some(daemon),
            cancel,
        )?);
    }

    // Frame source.
    {
        let plan = source::SourcePlan {
            sources: config.camera.sources.clone(),
            loop_file: config.camera.loop_file,
            pace_fps: config.camera.pace_fps,
            backoff: Backoff::camera_defaults(),
            clock: config.clock,
        };
        let (stop, t, exit) = (stop.clone(), telemetry.clone(), exit_tx.clone());
        let mut ready_tx = Some(ready_tx);
        tracker.spawn_blocking(move || {
            let r = source::run(plan, stop, frame_tx, t, || {
                if let Some(tx) = ready_tx.take() {
                    let _ = tx.send(());
                }
            });
            let r = r.map(|end| {
                if end == source::SourceEnd::Exhausted {
                    info!("The camera source has ended.");
                }
            });
            let _ = exit.blocking_send((Stage::Source, r));
        });
    }
    // Recognise.
    {
        let stage = recognise::Recognise {
            vision,
            gallery,
            idle: recognise::IdleGate {
                enabled: config.camera.motion_gate,
                threshold: config.camera.motion_threshold,
                detect_every: config.camera.idle_detect_every,
            },
            db_path: config.store.database.clone(),
            preview: door_preview.clone(),
            keep_face_crops: config.store.keep_face_images,
            keep_evidence: matches!(
                config.liveness.evidence,
                crate::config::EvidenceFrames::Keep { .. }
            ),
            embed: recognise::EmbedPolicy::Tracked,
            work: Arc::new(recognise::RecogniseWork::default()),
            face_check,
        };
        let (reload, cancel, t, exit) = (
            reload.clone(),
            root.child_token(),
            telemetry.clone(),
            exit_tx.clone(),
        );
        tracker.spawn_blocking(move || {
            let r = recognise::run(stage, frame_rx, sight_tx, reload, cancel, t);
            let _ = exit.blocking_send((Stage::Recognise, r));
        });
    }
    // Decide.
    {
        let (t, exit, fb) = (telemetry.clone(), exit_tx.clone(), fb_tx.clone());
        let (clock, wall) = (clock.clone(), config.clock);
        let liveness_mode = config.liveness.mode;
        let watch = decide::FactsWatch {
            db_path: config.store.database.clone(),
            summer: config.rules.summer,
            generation: facts_generation,
            reload: facts_reload.clone(),
            every: FACTS_LOOK_EVERY,
        };
        tracker.spawn(async move {
            let r = decide::run(
                engine,
                sight_rx,
                rec_tx,
                fb,
                clock,
                wall,
                t,
                watch,
                liveness_mode,
            )
            .await;
            let _ = exit.send((Stage::Decide, r)).await;
        });
    }
    // Record.
    {
        let stage = sinks::Record {
            store,
            device_id: config.daemon.device_id.clone(),
            zone: config.rules.engine.schedule.zone.clone(),
            wake_uploader: config.uplink.as_ref().map(|_| wake_uploader.clone()),
            clock: config.clock,
            evidence_retention: match config.liveness.evidence {
                crate::config::EvidenceFrames::Keep { retention } => Some(retention),
                crate::config::EvidenceFrames::Discard => None,
            },
        };
        let (t, exit) = (telemetry.clone(), exit_tx.clone());
        tracker.spawn_blocking(move || {
            let r = sinks::run_record(stage, rec_rx, fb_tx, t);
            let _ = exit.blocking_send((Stage::Record, r));
        });
    }
    // Feedback.
    {
        let (t, exit, wall) = (telemetry.clone(), exit_tx.clone(), config.clock);
        tracker.spawn_blocking(move || {
            let r = sinks::run_feedback(feedback, fb_rx, wall, t);
            let _ = exit.blocking_send((Stage::Feedback, r));
        });
    }
    // Uploader: drains the outbox until the pipeline has stopped (its token is cancelled last).
    if let Some(settings) = config.uplink.clone() {
        let (status_tx, mut status_rx) =
            tokio::sync::watch::channel(upload::UploadStatus::default());
        let (db, cancel, exit) = (
            config.store.database.clone(),
            aux.child_token(),
            exit_tx.clone(),
        );
        tracker.spawn(async move {
            let r = upload::run_uploader(settings, wake_uploader, db, cancel, status_tx)
                .await
                .map_err(anyhow::Error::from);
            let _ = exit.send((Stage::Uplink, r)).await;
        });
        let t = telemetry.clone();
        tracker.spawn(async move {
            while status_rx.changed().await.is_ok() {
                let s = status_rx.borrow_and_update().clone();
                t.outbox_depth(s.pending as i64, s.parked as i64);
                if let Some(at) = s.last_success {
                    t.uploaded_at(at.as_millisecond());
                }
                t.beat(Stage::Uplink);
            }
        });
    }
    // Heartbeat: the door's health to the centre once a minute.
    if let Some(settings) = config.uplink.clone() {
        let (t, clock, cancel) = (telemetry.clone(), config.clock, aux.child_token());
        tracker.spawn(heartbeat::run_heartbeat(
            settings,
            t,
            clock,
            heartbeat::HEARTBEAT_EVERY,
            cancel,
        ));
    }
    // Facts: the hall's staff list and holidays from the centre, into the store.
    if let Some((settings, every)) = config
        .uplink
        .clone()
        .and_then(|s| s.facts_every.map(|every| (s, every)))
    {
        let (config, cancel) = (config.clone(), aux.child_token());
        tracker.spawn(facts::run_facts(settings, config, every, cancel));
    }
    drop(exit_tx);
    tracker.close();

    // Supervise.
    let mut running = Stage::WATCHED.len();
    let mut failure: Option<anyhow::Error> = None;
    let mut drain_deadline: Option<tokio::time::Instant> = None;
    let mut ready_rx = Some(ready_rx);
    let mut watchdog = tokio::time::interval(
        notifier
            .watchdog_interval()
            .unwrap_or(Duration::from_secs(5)),
    );
    let mut last_beats = telemetry.heartbeats();
    let drain_timeout = config.daemon.drain_timeout;
    let begin_drain = |deadline: &mut Option<tokio::time::Instant>, why: &str| {
        if deadline.is_none() {
            info!(
                reason = why,
                "Draining: stopping the camera, finishing the sightings in flight."
            );
            notifier.stopping();
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
            *deadline = Some(tokio::time::Instant::now() + drain_timeout);
        }
    };
    loop {
        let deadline = drain_deadline;
        tokio::select! {
            sig = signals.recv() => match sig {
                DaemonSignal::Shutdown { signal } => begin_drain(&mut drain_deadline, signal),
                DaemonSignal::ReloadEnrolments => {
                    info!("SIGHUP: reloading enrolments, the calendar and the posts.");
                    reload.store(true, std::sync::atomic::Ordering::Relaxed);
                    facts_reload.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            },
            _ = drain.cancelled(), if drain_deadline.is_none() => begin_drain(&mut drain_deadline, "asked"),
            r = async { ready_rx.as_mut().expect("polled only while Some").await }, if ready_rx.is_some() => {
                ready_rx = None;
                if r.is_ok() {
                    let status = format!("Recognising; device {}", config.daemon.device_id);
                    notifier.ready(&status);
                    info!("Ready: database open, models loaded, camera streaming.");
                    sinks::say(&format!("ready: device {}, {enrolled} people enrolled", config.daemon.device_id));
                }
            }
            exit = exit_rx.recv() => {
                let Some((stage, result)) = exit else { break };
                if Stage::WATCHED.contains(&stage) {
                    running -= 1;
                }
                match result {
                    Ok(()) => {
                        info!(%stage, "Stage finished.");
                        if stage == Stage::Source {
                            begin_drain(&mut drain_deadline, "the camera source ended");
                        }
                    }
                    Err(e) => {
                        error!(%stage, error = format!("{e:#}"), "A stage died; stopping everything.");
                        if failure.is_none() {
                            failure = Some(e.context(format!("the {stage} stage died")));
                        }
                        root.cancel();
                        begin_drain(&mut drain_deadline, "a stage died");
                    }
                }
                if running == 0 {
                    break;
                }
            }
            _ = watchdog.tick() => {
                telemetry.clock_checked(clock.status().trusted);
                let beats = telemetry.heartbeats();
                if drain_deadline.is_none() && beats.iter().zip(&last_beats).all(|(now, then)| now > then) {
                    notifier.watchdog();
                }
                last_beats = beats;
            }
            _ = async { tokio::time::sleep_until(deadline.expect("polled only while draining")).await }, if deadline.is_some() => {
                error!(timeout_secs = drain_timeout.as_secs(), "Drain timed out; exiting with punches possibly in flight.");
                failure.get_or_insert_with(|| anyhow::anyhow!("draining took longer than daemon.drain-timeout-secs = {}", drain_timeout.as_secs()));
                root.cancel();
                break;
            }
        }
    }
    // The pipeline is done (or abandoned): stop the uplink and metrics last.
    aux.cancel();
    let left = drain_deadline
        .map(|d| d.saturating_duration_since(tokio::time::Instant::now()))
        .unwrap_or(drain_timeout)
        .max(Duration::from_millis(200));
    if tokio::time::timeout(left, tracker.wait()).await.is_err() {
        warn!("Some tasks did not stop in time.");
    }
    if let Some(t) = metrics_task {
        t.abort();
    }
    // The console's thread ends with its token (cancelled with the uploader); not waited for.
    drop(console_task);
    info!(
        punches = telemetry.punches(),
        frames = telemetry.frames(),
        "Stopped."
    );
    match failure {
        Some(e) => Err(e),
        None => Ok(ExitCode::SUCCESS),
    }
}

//! The decide stage, an async task: feeds sightings and timer ticks to the sans-IO `DoorEngine`
//! and carries out its actions: a punch goes to the record stage (awaited: never dropped), and so
//! does the acknowledgement of a same-pass repeat (printed with the person's name and shown
//! there, behind the punch it repeats); any other signal without a punch (an unknown face) goes
//! to feedback; a gap alert is logged.
//! The engine's clock is the caller's: each sighting carries its frame's time, and the clock's
//! trust is asked of `hw::clock` per sighting.
//!
//! The engine's facts (calendar, window posts) follow the store while the door runs: a
//! generation counter in the store, bumped by a trigger on every change (console, CLI or
//! import), is read every few seconds, and a reload flag (raised by SIGHUP and by the console
//! after a change) makes it read at once; on a new generation the calendar and posts are loaded
//! on a blocking thread and handed to [`DoorEngine::replace_facts`].

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::tz::TimeZone;
use jiff::Timestamp;
use tokio::sync::mpsc::{Receiver, Sender};
use tracing::{debug, info, warn, Instrument};

use crate::core::calendar::{Calendar, SummerRule};
use crate::core::leave::Post;
use crate::core::liveness::LivenessMode;
use crate::core::rules::{
    Action, DoorEngine, Face, PassKind, Punch, RejectReason, Sighting, Signal,
};
use crate::core::schedule::{PunchRole, Verdict};
use crate::hw::clock::{ClockTrust, WallClock};
use crate::store::Store;

use super::recognise::SightingEvent;
use crate::app::telemetry::{Stage, Telemetry};

/// A punch to commit, and what to show once it is committed.
#[derive(Debug, Clone)]
pub struct RecordJob {
    pub sighting_id: u64,
    pub punch: Punch,
    pub role: PunchRole,
    pub verdict: Option<Verdict>,
    pub score: Option<f32>,
    pub signal: Signal,
    /// What the pass came to, for the printed line ([`PassKind::AlreadyRecorded`]: nothing is
    /// written, the record stage prints and shows the acknowledgement).
    pub kind: PassKind,
    pub first_seen: Timestamp,
    /// The liveness check's reading of the face, when it ran.
    pub liveness: Option<crate::store::LivenessMark>,
    /// `[liveness] mode = "refuse"` refused the face as a photo or a screen: the record stage
    /// keeps it as a spoof attempt against `punch.staff`, not as a punch, and shows
    /// [`Signal::Refused`].
    pub refused: bool,
    /// The face region's JPEG of a suspect pass, to keep on the device (`keep-evidence`).
    pub evidence: Option<Vec<u8>>,
}

impl RecordJob {
    /// Whether the record stage writes a punch for this job (not for a refused face, nor for the
    /// acknowledgement of a repeat pass).
    pub fn writes_punch(&self) -> bool {
        !self.refused && !matches!(self.kind, PassKind::AlreadyRecorded { .. })
    }
}

/// A pattern to show at the door.
#[derive(Debug, Clone)]
pub struct FeedbackJob {
    pub sighting_id: u64,
    pub signal: Signal,
    pub first_seen: Timestamp,
}

/// Where the engine's facts are reloaded from when they change in the store.
#[derive(Debug, Clone)]
pub struct FactsWatch {
    pub db_path: PathBuf,
    pub summer: SummerRule,
    /// The store's generation the engine's facts were loaded at.
    pub generation: i64,
    /// Raised by SIGHUP and by the console after a change: look at once.
    pub reload: Arc<AtomicBool>,
    /// How often the generation is read otherwise (a CLI change is seen within this).
    pub every: Duration,
}

/// The facts of a newer generation, or `None` when nothing changed.
type NewFacts = Option<(i64, Calendar, Vec<Post>)>;

/// Reads the store's generation and, when it differs from `known` (or `forced`), the facts.
fn load_facts(
    store: &mut Option<Store>,
    watch: &FactsWatch,
    known: i64,
    forced: bool,
) -> anyhow::Result<NewFacts> {
    use anyhow::Context;
    if store.is_none() {
        *store = Some(Store::open(&watch.db_path).with_context(|| {
            format!(
                "opening {} to reload the calendar and posts",
                watch.db_path.display()
            )
        })?);
    }
    let Some(s) = store.as_ref() else {
        return Ok(None);
    };
    let generation = s.rules_generation()?;
    if generation == known && !forced {
        return Ok(None);
    }
    let calendar = s.calendar(watch.summer).context("loading the calendar")?;
    let posts = s.posts().context("loading the window posts")?;
    Ok(Some((generation, calendar, posts)))
}

/// The longest the stage sleeps before looking at the clock again (a wall-clock step, e.g. NTP
/// synchronising after boot, is noticed within this).
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// Runs until the recogniser closes its end.
///
/// # Errors
/// When the record or feedback stage is gone.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site (serve) handing the stage its channels and handles"
)]
pub async fn run(
    mut engine: DoorEngine,
    mut sightings: Receiver<SightingEvent>,
    record: Sender<RecordJob>,
    feedback: Sender<FeedbackJob>,
    clock: Arc<dyn ClockTrust>,
    wall: WallClock,
    telemetry: Arc<Telemetry>,
    watch: FactsWatch,
    liveness: LivenessMode,
) -> anyhow::Result<()> {
    let span = tracing::info_span!("stage", stage = %Stage::Decide);
    async move {
        let mut heartbeat = tokio::time::interval(Duration::from_secs(1));
        let mut generation = watch.generation;
        let mut store: Option<Store> = None;
        let mut last_look = Instant::now();
        loop {
            let sleep = engine
                .next_deadline()
                .map(|d| {
                    let left = d.duration_since(wall.now());
                    Duration::try_from(left).unwrap_or(Duration::ZERO).min(MAX_SLEEP)
                })
                .unwrap_or(MAX_SLEEP);
            tokio::select! {
                ev = sightings.recv() => {
                    let Some(ev) = ev else { return Ok(()) };
                    telemetry.beat(Stage::Decide);
                    let status = clock.status();
                    telemetry.clock_checked(status.trusted);
                    let span = tracing::info_span!("sighting", sighting_id = ev.sighting_id);
                    if let Some(job) = refused(liveness, &ev, status.trusted) {
                        // No punch reaches the engine: the person has not clocked in.
                        info!(parent: &span, staff = %job.punch.staff, reasons = job.liveness.as_ref().map_or("", |l| l.reasons.as_str()), "Refused a suspected photo or screen.");
                        if record.send(job).await.is_err() {
                            anyhow::bail!("the record stage stopped taking punches");
                        }
                        continue;
                    }
                    let actions = engine.handle_sighting(
                        ev.at,
                        Sighting { face: ev.face.clone(), clock_trusted: status.trusted },
                    );
                    let zone = &engine.config().schedule.zone;
                    carry_out(actions, &ev, &record, &feedback, &telemetry, zone).instrument(span).await?;
                }
                _ = tokio::time::sleep(sleep) => {
                    let now = wall.now();
                    if engine.next_deadline().is_some_and(|d| d <= now) {
                        let none = SightingEvent { sighting_id: 0, face: Face::Unknown, score: None, at: now, first_seen: now, track: 0, liveness: None, evidence: None };
                        let actions = engine.handle_tick(now);
                        carry_out(actions, &none, &record, &feedback, &telemetry, &engine.config().schedule.zone).await?;
                    }
                }
                _ = heartbeat.tick() => {
                    telemetry.beat(Stage::Decide);
                    let forced = watch.reload.swap(false, Ordering::Relaxed);
                    if forced || last_look.elapsed() >= watch.every {
                        last_look = Instant::now();
                        let (w, known, mut s) = (watch.clone(), generation, store.take());
                        let looked = tokio::task::spawn_blocking(move || {
                            let r = load_facts(&mut s, &w, known, forced);
                            (s, r)
                        })
                        .await;
                        match looked {
                            Ok((s, Ok(Some((g, calendar, posts))))) => {
                                store = s;
                                generation = g;
                                info!(generation = g, posts = posts.len(), "Calendar and posts reloaded.");
                                engine.replace_facts(calendar, posts, wall.now());
                            }
                            Ok((s, Ok(None))) => store = s,
                            Ok((_, Err(error))) => warn!(
                                error = format!("{error:#}"),
                                "Cannot reload the calendar and posts; keeping the old ones."
                            ),
                            Err(error) => warn!(%error, "The calendar reload task died."),
                        }
                    }
                }
            }
        }
    }
    .instrument(span)
    .await
}

/// The attempt to keep instead of a punch when `mode` refuses what the liveness check suspects
/// of a recognised face; `None` to go on as usual (in `flag` mode the punch carries the reading).
fn refused(mode: LivenessMode, ev: &SightingEvent, clock_trusted: bool) -> Option<RecordJob> {
    let Face::Known(staff) = &ev.face else {
        return None;
    };
    let suspect = ev.liveness.as_ref().is_some_and(|l| l.suspect);
    (mode == LivenessMode::Refuse && suspect).then(|| RecordJob {
        sighting_id: ev.sighting_id,
        punch: Punch {
            staff: staff.clone(),
            at: ev.at,
            clock_trusted,
        },
        role: PunchRole::ClockIn,
        verdict: None,
        score: ev.score,
        signal: Signal::Refused,
        kind: PassKind::NotRecorded,
        first_seen: ev.first_seen,
        liveness: ev.liveness.clone(),
        refused: true,
        evidence: ev.evidence.clone(),
    })
}

async fn carry_out(
    actions: Vec<Action>,
    ev: &SightingEvent,
    record: &Sender<RecordJob>,
    feedback: &Sender<FeedbackJob>,
    telemetry: &Telemetry,
    zone: &TimeZone,
) -> anyhow::Result<()> {
    let mut pending: Option<RecordJob> = None;
    // The same pass again: acknowledged by the record stage with the signal that follows.
    let mut repeat: Option<RecordJob> = None;
    let job = |punch: Punch, role, verdict, kind| RecordJob {
        sighting_id: ev.sighting_id,
        punch,
        role,
        verdict,
        score: ev.score,
        signal: Signal::ClockedIn,
        kind,
        first_seen: ev.first_seen,
        liveness: ev.liveness.clone(),
        refused: false,
        evidence: ev.evidence.clone(),
    };
    for action in actions {
        match action {
            Action::RecordPunch {
                punch,
                role,
                verdict,
                kind,
            } => {
                pending = Some(job(punch, role, verdict, kind));
            }
            Action::Signal(signal) => match pending.take() {
                // The light goes on once the punch is committed: the record stage passes it on.
                Some(mut job) => {
                    job.signal = signal;
                    if record.send(job).await.is_err() {
                        anyhow::bail!("the record stage stopped taking punches");
                    }
                }
                None => match repeat.take() {
                    Some(mut job) => {
                        job.signal = signal;
                        if record.send(job).await.is_err() {
                            anyhow::bail!("the record stage stopped taking punches");
                        }
                    }
                    None => {
                        if matches!(signal, Signal::Unknown | Signal::Quiet) {
                            telemetry.unknown_face();
                            info!("Unknown face at the door; nothing recorded.");
                            super::sinks::say(&format!(
                                "{}  ·  unknown face (not recorded)",
                                super::sinks::pass_heading(zone, ev.at, "", PassKind::Unknown)
                            ));
                        }
                        super::sinks::show(
                            feedback,
                            telemetry,
                            ev.sighting_id,
                            ev.first_seen,
                            signal,
                        );
                    }
                },
            },
            Action::Reject {
                reason: RejectReason::SamePass { staff, last_punch },
            } => {
                telemetry.same_pass_rejected();
                debug!(%staff, %last_punch, "Same pass as a recent punch; not recorded.");
                let punch = Punch {
                    staff,
                    at: ev.at,
                    clock_trusted: false,
                };
                let kind = PassKind::AlreadyRecorded { last_punch };
                repeat = Some(job(punch, PunchRole::ClockIn, None, kind));
            }
            Action::AlertGap {
                date,
                session,
                posts,
            } => {
                telemetry.gap_alerted();
                let posts: Vec<String> = posts.iter().map(|p| p.to_string()).collect();
                warn!(%date, ?session, posts = posts.join(","), "Window posts without A or B at the session's start (断档).");
            }
        }
    }
    if let Some(job) = pending {
        // A punch the engine sent no signal for (not expected): record it all the same.
        if record.send(job).await.is_err() {
            anyhow::bail!("the record stage stopped taking punches");
        }
    }
    Ok(())
}

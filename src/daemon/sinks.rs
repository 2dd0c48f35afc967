//! The two sinks, each on a thread of its own (SQLite and GPIO sleeps never run on the async
//! runtime): **record** commits each punch (with its outbox row) and only then passes its signal on,
//! so the light means "stored"; **feedback** plays the patterns. A punch that cannot be written
//! (disk full, a database error) is logged with the reason, counted, and shown as a fault at the
//! door; the stage goes on, and the next punch may succeed once space is freed.

use std::sync::Arc;

use jiff::tz::TimeZone;
use tokio::sync::mpsc::{Receiver, Sender};
use tracing::{error, info, info_span, warn};

use crate::core::rules::Signal;
use crate::core::schedule::{PunchRole, Verdict};
use crate::hw::clock::WallClock;
use crate::hw::feedback::Feedback;
use crate::store::{DoorPunch, SpoofAttempt, Store};

use super::decide::{FeedbackJob, RecordJob};
use crate::app::telemetry::{Stage, Telemetry};

/// What the record stage owns.
pub struct Record {
    pub store: Store,
    pub device_id: String,
    pub zone: TimeZone,
    /// Wakes the uploader after each commit (when uploading is on).
    pub wake_uploader: Option<Arc<tokio::sync::Notify>>,
    /// What time it is (the commit's time; the face-to-punch delay).
    pub clock: WallClock,
}

/// Runs until the decide stage closes its end; the store is closed (and its WAL checkpointed)
/// when this returns.
///
/// # Errors
/// Never for a failed punch (that is per item); only if the stage cannot go on.
pub fn run_record(
    mut stage: Record,
    mut jobs: Receiver<RecordJob>,
    feedback: Sender<FeedbackJob>,
    telemetry: Arc<Telemetry>,
) -> anyhow::Result<()> {
    let _span = info_span!("stage", stage = %Stage::Record).entered();
    while let Some(job) = jobs.blocking_recv() {
        telemetry.beat(Stage::Record);
        let _s = info_span!("sighting", sighting_id = job.sighting_id).entered();
        if job.refused {
            record_attempt(&mut stage, &job, &feedback, &telemetry);
            continue;
        }
        // One transaction: the punch and its outbox row.
        let door = DoorPunch {
            punch: job.punch.clone(),
            role: job.role,
            verdict: job.verdict,
            score: job.score,
            liveness: job.liveness.clone(),
        };
        let result = stage
            .store
            .record_door_punch(&stage.device_id, &door, stage.clock.now());
        let signal = match result {
            Ok(recorded) => {
                let seq = recorded.seq;
                if let Some(w) = &stage.wake_uploader {
                    w.notify_one();
                }
                telemetry.punch_recorded();
                if let Ok(d) = stage.clock.now().duration_since(job.first_seen).try_into() {
                    telemetry.face_to_punch(d);
                }
                info!(staff = %job.punch.staff, seq, role = role_text(job.role), verdict = verdict_text(&job), "Punch recorded.");
                say(&punch_line(&job, &stage.zone));
                job.signal
            }
            Err(e) => {
                telemetry.punch_write_failed();
                error!(staff = %job.punch.staff, error = %e, "Cannot record a punch; it is lost. Free disk space or check the database.");
                say_err(&format!(
                    "error: punch of {} at {} NOT recorded: {e}",
                    job.punch.staff, job.punch.at
                ));
                Signal::Fault
            }
        };
        show(
            &feedback,
            &telemetry,
            job.sighting_id,
            job.first_seen,
            signal,
        );
    }
    info!("Record stage drained; closing the database.");
    drop(stage.store);
    Ok(())
}

/// Keeps a face the liveness check refused as a spoof attempt against the person it matched,
/// prints it, and shows [`Signal::Refused`] (a failed write shows the fault pattern).
fn record_attempt(
    stage: &mut Record,
    job: &RecordJob,
    feedback: &Sender<FeedbackJob>,
    telemetry: &Telemetry,
) {
    let mark = job.liveness.as_ref();
    let attempt = SpoofAttempt {
        staff: job.punch.staff.clone(),
        at: job.punch.at,
        match_score: job.score,
        live_score: mark.map_or(0.0, |m| m.score),
        reasons: mark.map(|m| m.reasons.clone()).unwrap_or_default(),
    };
    let signal = match stage.store.record_spoof_attempt(
        &stage.device_id,
        &attempt,
        stage.clock.now(),
    ) {
        Ok(_) => {
            warn!(staff = %attempt.staff, reasons = %attempt.reasons, "Spoof attempt recorded; no punch.");
            say(&format!(
                "{}  refused {}  not recorded: see the supervisor (liveness: {})",
                stage
                    .zone
                    .to_datetime(job.punch.at)
                    .strftime("%Y-%m-%d %H:%M:%S"),
                attempt.staff,
                attempt.reasons
            ));
            Signal::Refused
        }
        Err(e) => {
            error!(staff = %attempt.staff, error = %e, "Cannot record a spoof attempt.");
            Signal::Fault
        }
    };
    show(feedback, telemetry, job.sighting_id, job.first_seen, signal);
}

/// Hands `signal` for the sighting `sighting_id` to the feedback stage (never waits: a full
/// queue drops the light, counted, never the punch).
pub(super) fn show(
    feedback: &Sender<FeedbackJob>,
    telemetry: &Telemetry,
    sighting_id: u64,
    first_seen: jiff::Timestamp,
    signal: Signal,
) {
    let fb = FeedbackJob {
        sighting_id,
        signal,
        first_seen,
    };
    if feedback.try_send(fb).is_err() {
        telemetry.feedback_dropped();
    }
}

/// Runs until every sender is gone.
///
/// # Errors
/// Never: a pattern that cannot be shown is logged and counted.
pub fn run_feedback(
    mut device: Box<dyn Feedback>,
    mut jobs: Receiver<FeedbackJob>,
    clock: WallClock,
    telemetry: Arc<Telemetry>,
) -> anyhow::Result<()> {
    let _span = info_span!("stage", stage = %Stage::Feedback).entered();
    while let Some(job) = jobs.blocking_recv() {
        telemetry.beat(Stage::Feedback);
        let _s = info_span!("sighting", sighting_id = job.sighting_id).entered();
        if let Ok(d) = clock.now().duration_since(job.first_seen).try_into() {
            telemetry.face_to_light(d);
        }
        if let Err(error) = device.show(job.signal) {
            telemetry.feedback_failed();
            warn!(%error, signal = ?job.signal, "Cannot show feedback.");
        }
    }
    Ok(())
}

fn role_text(role: PunchRole) -> &'static str {
    match role {
        PunchRole::ClockIn => "clock-in",
        PunchRole::ClockOut => "clock-out",
    }
}

fn verdict_text(job: &RecordJob) -> String {
    match (&job.verdict, job.punch.clock_trusted) {
        (Some(Verdict::OnTime), _) => "on time".into(),
        (Some(Verdict::Late { minutes }), _) => format!("late {minutes} min (迟到)"),
        (Some(Verdict::Early { minutes }), _) => format!("early {minutes} min (早退)"),
        (None, false) => "not judged: clock not synchronised".into(),
        (None, true) => "outside the punch windows".into(),
    }
}

/// The line `hallclock run` prints for each committed punch.
pub fn punch_line(job: &RecordJob, zone: &TimeZone) -> String {
    let local = zone.to_datetime(job.punch.at);
    let flag = match &job.liveness {
        Some(l) if l.suspect => format!("  (liveness suspect: {})", l.reasons),
        _ => String::new(),
    };
    format!(
        "{}  punch {}  {}  {}{}{flag}",
        local.strftime("%Y-%m-%d %H:%M:%S"),
        job.punch.staff,
        role_text(job.role),
        verdict_text(job),
        job.score
            .map(|s| format!("  (score {s:.2})"))
            .unwrap_or_default()
    )
}

/// A line on stdout for whoever watches `hallclock run` (a closed pipe is not an error here).
pub fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

/// A line on stderr (journald keeps it).
pub fn say_err(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

//! The two sinks, each on a thread of its own (SQLite and GPIO sleeps never run on the async
//! runtime): **record** commits each punch (with its outbox row) and only then passes its signal on,
//! so the light means "stored"; **feedback** plays the patterns. A punch that cannot be written
//! (disk full, a database error) is logged with the reason, counted, and shown as a fault at the
//! door; the stage goes on, and the next punch may succeed once space is freed. Each pass is
//! printed on stdout for whoever watches the door: the hall's local date and time, the person's
//! name, what the pass came to in Chinese ([`pass_words`]), then the details in English.

use std::sync::Arc;

use jiff::tz::TimeZone;
use tokio::sync::mpsc::{Receiver, Sender};
use tracing::{error, info, info_span, warn};

use crate::core::ids::StaffId;
use crate::core::rules::{NotJudged, PassKind, Signal};
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
    /// How long evidence frames are kept (`[liveness] keep-evidence`); `None`: none is written.
    pub evidence_retention: Option<jiff::SignedDuration>,
}

/// How often the record stage deletes evidence frames past their retention.
const PURGE_EVIDENCE_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

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
    let mut last_purge: Option<jiff::Timestamp> = None;
    purge_evidence(&mut stage, &mut last_purge);
    while let Some(job) = jobs.blocking_recv() {
        telemetry.beat(Stage::Record);
        purge_evidence(&mut stage, &mut last_purge);
        let _s = info_span!("sighting", sighting_id = job.sighting_id).entered();
        if job.refused {
            record_attempt(&mut stage, &job, &feedback, &telemetry);
            continue;
        }
        if let PassKind::AlreadyRecorded { .. } = job.kind {
            // Nothing to write: the punch it repeats is committed (it came first).
            let name = staff_name(&stage.store, &job.punch.staff);
            say(&format!(
                "{}  ·  already recorded {} (same pass)",
                pass_heading(&stage.zone, job.punch.at, &name, job.kind),
                job.punch.staff
            ));
            show(
                &feedback,
                &telemetry,
                job.sighting_id,
                job.first_seen,
                job.signal,
            );
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
                keep_evidence(&mut stage, &job);
                let name = staff_name(&stage.store, &job.punch.staff);
                say(&punch_line(&job, &name, &stage.zone));
                job.signal
            }
            Err(e) => {
                telemetry.punch_write_failed();
                error!(staff = %job.punch.staff, error = %e, "Cannot record a punch; it is lost. Free disk space or check the database.");
                say_err(&format!(
                    "error: punch of {} at {} NOT recorded: {e}",
                    job.punch.staff, job.punch.at
                ));
                let name = staff_name(&stage.store, &job.punch.staff);
                say(&format!(
                    "{}  ·  fault: {} NOT recorded",
                    pass_heading(&stage.zone, job.punch.at, &name, PassKind::Fault),
                    job.punch.staff
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
            keep_evidence(stage, job);
            let name = staff_name(&stage.store, &attempt.staff);
            say(&format!(
                "{}  ·  refused {}  not recorded: see the supervisor (liveness: {})",
                pass_heading(&stage.zone, job.punch.at, &name, PassKind::NotRecorded),
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

/// Keeps the job's evidence frame beside the database, when it has one and the config says so
/// (a failure is logged: the punch or attempt is already stored).
fn keep_evidence(stage: &mut Record, job: &RecordJob) {
    let (Some(jpeg), Some(_)) = (&job.evidence, stage.evidence_retention) else {
        return;
    };
    match stage
        .store
        .keep_evidence(&job.punch.staff, job.punch.at, jpeg, stage.clock.now())
    {
        Ok(file) => info!(staff = %job.punch.staff, %file, "Evidence frame kept on the device."),
        Err(e) => warn!(staff = %job.punch.staff, error = %e, "Cannot keep an evidence frame."),
    }
}

/// Deletes the evidence frames past their retention, at start and then once an hour (the
/// housekeeping of `[liveness] evidence-retention-days`); with evidence off, frames left from
/// when it was on go at once.
fn purge_evidence(stage: &mut Record, last: &mut Option<jiff::Timestamp>) {
    let now = stage.clock.now();
    if last.is_some_and(|t| now.duration_since(t) < PURGE_EVIDENCE_EVERY) {
        return;
    }
    *last = Some(now);
    let before = match stage.evidence_retention {
        Some(keep) => now - keep,
        None => now,
    };
    match stage.store.purge_evidence(before) {
        Ok(0) => {}
        Ok(n) => info!(files = n, "Old evidence frames deleted."),
        Err(e) => warn!(error = %e, "Cannot delete old evidence frames."),
    }
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
    match (&job.verdict, job.kind) {
        (Some(Verdict::OnTime), _) => "on time".into(),
        (Some(Verdict::Late { minutes }), _) => format!("late {minutes} min"),
        (Some(Verdict::Early { minutes }), _) => format!("early {minutes} min"),
        (None, PassKind::Recorded { why, .. }) => not_judged_text(why).into(),
        (None, _) if !job.punch.clock_trusted => not_judged_text(NotJudged::ClockUntrusted).into(),
        (None, _) => not_judged_text(NotJudged::OutsideWindows).into(),
    }
}

fn not_judged_text(why: NotJudged) -> &'static str {
    match why {
        NotJudged::OutsideWindows => "outside the punch windows",
        NotJudged::ClockUntrusted => "not judged: clock not synchronised",
        NotJudged::SteppedOut => "stepped out: the session's last pass is its clock-out",
    }
}

/// What a pass came to, in the words hall staff read at the door (times in `zone`).
pub fn pass_words(zone: &TimeZone, kind: PassKind) -> String {
    use crate::core::schedule::PunchRole::{ClockIn, ClockOut};
    match kind {
        PassKind::OnTime { role: ClockIn } => "上班打卡成功，准时".into(),
        PassKind::OnTime { role: ClockOut } => "下班打卡成功，准时".into(),
        PassKind::Late { minutes } => format!("上班打卡已记录，迟到 {minutes} 分钟"),
        PassKind::Early { minutes } => format!("下班打卡已记录，早退 {minutes} 分钟"),
        PassKind::Recorded { why, .. } => match why {
            NotJudged::OutsideWindows => "打卡已记录（不在考勤时段内）".into(),
            NotJudged::ClockUntrusted => "打卡已记录（设备时钟未同步，暂不判定）".into(),
            NotJudged::SteppedOut => "进出已记录（本时段以最后一次打卡为下班）".into(),
        },
        PassKind::AlreadyRecorded { last_punch } => format!(
            "已打过卡（{}），不重复记录",
            zone.to_datetime(last_punch).strftime("%H:%M:%S")
        ),
        PassKind::NotRecorded => "未记录：请找主管".into(),
        PassKind::Unknown => "未识别人员，未记录".into(),
        PassKind::Fault => "系统故障，本次未记录：请找主管".into(),
    }
}

/// The start of every line printed for a pass: the hall's local date and time, the person's name
/// (none for an unknown face) and [`pass_words`].
pub fn pass_heading(zone: &TimeZone, at: jiff::Timestamp, name: &str, kind: PassKind) -> String {
    let local = zone.to_datetime(at).strftime("%Y-%m-%d %H:%M:%S");
    if name.is_empty() {
        format!("{local}  {}", pass_words(zone, kind))
    } else {
        format!("{local}  {name}  {}", pass_words(zone, kind))
    }
}

/// The person's name for the printed line; their id when the store cannot say.
fn staff_name(store: &Store, staff: &StaffId) -> String {
    match store.staff(staff) {
        Ok(Some(record)) if !record.name.trim().is_empty() => record.name,
        _ => staff.to_string(),
    }
}

/// The line `hallclock run` prints for each committed punch: [`pass_heading`], then `punch`, the
/// id, the role and the verdict in English.
pub fn punch_line(job: &RecordJob, name: &str, zone: &TimeZone) -> String {
    let flag = match &job.liveness {
        Some(l) if l.suspect => format!("  (liveness suspect: {})", l.reasons),
        _ => String::new(),
    };
    format!(
        "{}  ·  punch {}  {}  {}{}{flag}",
        pass_heading(zone, job.punch.at, name, job.kind),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::schedule::PunchRole::{ClockIn, ClockOut};
    use jiff::tz::offset;

    /// The words hall staff read for each pass kind (issue 12, item 9), pinned: they are
    /// interface.
    #[test]
    fn every_pass_kind_has_its_own_chinese_line() {
        let zone = TimeZone::fixed(offset(8));
        let at: jiff::Timestamp = "2026-11-18T02:05:00Z".parse().unwrap();
        let earlier: jiff::Timestamp = "2026-11-18T02:04:30Z".parse().unwrap();
        let line = |name: &str, kind| pass_heading(&zone, at, name, kind);
        let rows = [
            (PassKind::OnTime { role: ClockIn }, "上班打卡成功，准时"),
            (PassKind::OnTime { role: ClockOut }, "下班打卡成功，准时"),
            (
                PassKind::Late { minutes: 125 },
                "上班打卡已记录，迟到 125 分钟",
            ),
            (
                PassKind::Early { minutes: 90 },
                "下班打卡已记录，早退 90 分钟",
            ),
            (
                PassKind::Recorded {
                    role: ClockOut,
                    why: NotJudged::SteppedOut,
                },
                "进出已记录（本时段以最后一次打卡为下班）",
            ),
            (
                PassKind::Recorded {
                    role: ClockIn,
                    why: NotJudged::OutsideWindows,
                },
                "打卡已记录（不在考勤时段内）",
            ),
            (
                PassKind::Recorded {
                    role: ClockIn,
                    why: NotJudged::ClockUntrusted,
                },
                "打卡已记录（设备时钟未同步，暂不判定）",
            ),
            (
                PassKind::AlreadyRecorded {
                    last_punch: earlier,
                },
                "已打过卡（10:04:30），不重复记录",
            ),
            (PassKind::NotRecorded, "未记录：请找主管"),
            (PassKind::Fault, "系统故障，本次未记录：请找主管"),
        ];
        for (kind, words) in rows {
            assert_eq!(
                line("张伟", kind),
                format!("2026-11-18 10:05:00  张伟  {words}")
            );
        }
        assert_eq!(
            line("", PassKind::Unknown),
            "2026-11-18 10:05:00  未识别人员，未记录"
        );
    }
}

//! The frame-source stage, on a thread of its own: opens the configured sources in order, hands
//! each frame to the recogniser through a bounded queue, and reopens a source that cannot be
//! opened or is lost, with capped backoff. A live camera (or a paced file) never waits for the
//! recogniser: when the queue is full the frame is dropped and counted. An unpaced file or folder
//! waits instead, so a recorded clip is recognised frame by frame however slow the machine.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::{info, info_span, warn};

use crate::core::backoff::Backoff;
use crate::hw::clock::WallClock;
use crate::hw::frames::{open, Frame, FrameError, SourceSpec};

use crate::app::telemetry::{Stage, Telemetry};

/// What the source stage needs.
pub struct SourcePlan {
    pub sources: Vec<SourceSpec>,
    pub loop_file: bool,
    /// At most this many frames a second from a finite source (`None`: as fast as it decodes).
    pub pace_fps: Option<f32>,
    pub backoff: Backoff,
    /// Stamps each frame at its grab.
    pub clock: WallClock,
}

/// Why the source stage ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEnd {
    /// Asked to stop.
    Stopped,
    /// The last finite source ended and looping is off.
    Exhausted,
}

/// Runs until stopped or the sources are exhausted. `first_frame` is called once, when the first
/// frame is in the queue (the camera is streaming).
///
/// # Errors
/// Only when the recogniser is gone (its end of the queue closed) while we still had frames.
pub fn run(
    plan: SourcePlan,
    stop: Arc<AtomicBool>,
    tx: SyncSender<Frame>,
    telemetry: Arc<Telemetry>,
    mut first_frame: impl FnMut(),
) -> anyhow::Result<SourceEnd> {
    let _span = info_span!("stage", stage = %Stage::Source).entered();
    let drop_when_full = plan.pace_fps.is_some() || plan.sources.iter().any(SourceSpec::is_live);
    let period = plan
        .pace_fps
        .filter(|f| *f > 0.0)
        .map(|f| Duration::from_secs_f32(1.0 / f));
    let mut index = 0usize;
    let mut failures = 0u32;
    let mut started = false;
    let mut next_due = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(SourceEnd::Stopped);
        }
        let Some(spec) = plan.sources.get(index) else {
            return Ok(SourceEnd::Exhausted);
        };
        let spec = &refresh(spec);
        let mut source = match open(spec, stop.clone(), plan.clock) {
            Ok(s) => s,
            Err(error) => {
                warn!(source = %spec, %error, attempt = failures, "Cannot open the camera source; retrying.");
                if !wait(&plan.backoff, failures, &stop) {
                    return Ok(SourceEnd::Stopped);
                }
                failures = failures.saturating_add(1);
                continue;
            }
        };
        if failures > 0 {
            telemetry.source_reopened();
            info!(source = %spec, "Camera source is back.");
        }
        info!(source = %source.describe(), "Reading frames.");
        let mut lost = false;
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(SourceEnd::Stopped);
            }
            match source.next_frame() {
                Ok(Some(frame)) => {
                    failures = 0;
                    telemetry.frame_grabbed();
                    telemetry.frame_at(frame.captured_at);
                    telemetry.beat(Stage::Source);
                    if let Some(p) = period {
                        let now = Instant::now();
                        if next_due > now {
                            std::thread::sleep(next_due - now);
                        }
                        next_due = next_due.max(now) + p;
                    }
                    if drop_when_full {
                        match tx.try_send(frame) {
                            Ok(()) => telemetry.queue_depth_changed(1),
                            Err(TrySendError::Full(_)) => telemetry.frame_dropped(),
                            Err(TrySendError::Disconnected(_)) => {
                                anyhow::bail!("the recogniser stopped taking frames")
                            }
                        }
                    } else {
                        if tx.send(frame).is_err() {
                            anyhow::bail!("the recogniser stopped taking frames");
                        }
                        telemetry.queue_depth_changed(1);
                    }
                    if !started {
                        started = true;
                        first_frame();
                    }
                }
                Ok(None) => break,
                Err(FrameError::Stopped(_)) => return Ok(SourceEnd::Stopped),
                Err(error @ FrameError::Photo(_)) => {
                    // One unreadable image in a folder (or the folder vanishing under us).
                    telemetry.frame_failed();
                    warn!(%error, "Skipping a frame that cannot be read.");
                    lost = true;
                }
                Err(error) => {
                    telemetry.frame_failed();
                    warn!(source = %spec, %error, "Camera source lost; reopening.");
                    lost = true;
                    break;
                }
            }
        }
        if lost {
            // Do not spin on a source that fails on every frame.
            if !wait(&plan.backoff, failures, &stop) {
                return Ok(SourceEnd::Stopped);
            }
            failures = failures.saturating_add(1);
        }
        let live = spec.is_live();
        index += 1;
        if index == plan.sources.len() && (plan.loop_file || live) {
            index = 0;
        }
    }
}

/// A path source is read again at each opening: a folder that was missing at start (and so read
/// as a file name) is a folder once it appears.
fn refresh(spec: &SourceSpec) -> SourceSpec {
    match spec {
        SourceSpec::File(p) | SourceSpec::ImageFolder(p) => SourceSpec::parse(&p.to_string_lossy()),
        other => other.clone(),
    }
}

/// Sleeps the backoff delay for `attempt`, checking `stop`; false when stopped.
fn wait(backoff: &Backoff, attempt: u32, stop: &AtomicBool) -> bool {
    let jitter = (jiff::Timestamp::now().subsec_nanosecond().unsigned_abs() % 1000) as f64 / 1000.0;
    let delay = backoff.delay(attempt, jitter);
    let until = Instant::now() + delay;
    while Instant::now() < until {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20).min(until - Instant::now()));
    }
    true
}

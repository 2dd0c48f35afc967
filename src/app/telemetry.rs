//! Every counter and gauge of the daemon, as named functions (one per event), and their rendering
//! in Prometheus' text format. One `Telemetry` value is shared by the stages through an `Arc`;
//! nothing here is global. The stages' heartbeats live here too: the supervisor feeds systemd's
//! watchdog only when every stage has beaten since its last look. It lives in `app`, not `daemon`,
//! because the console (`app::console`) reads it too (the last upload on the status page).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering::Relaxed};

/// A stage of the pipeline, for heartbeats, logs and the fatal-exit message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    Source,
    Recognise,
    Decide,
    Record,
    Feedback,
    Uplink,
    Metrics,
}

impl Stage {
    /// The stages whose progress the watchdog needs.
    pub const WATCHED: [Stage; 5] = [
        Stage::Source,
        Stage::Recognise,
        Stage::Decide,
        Stage::Record,
        Stage::Feedback,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Source => "frame source",
            Stage::Recognise => "recognise",
            Stage::Decide => "decide",
            Stage::Record => "record",
            Stage::Feedback => "feedback",
            Stage::Uplink => "uplink",
            Stage::Metrics => "metrics",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The daemon's counters and gauges.
#[derive(Debug, Default)]
pub struct Telemetry {
    frames: AtomicU64,
    frames_dropped: AtomicU64,
    frames_idle_skipped: AtomicU64,
    frames_models_busy: AtomicU64,
    frame_errors: AtomicU64,
    source_reopens: AtomicU64,
    faces: AtomicU64,
    sightings: AtomicU64,
    punches: AtomicU64,
    punch_write_failures: AtomicU64,
    unknowns: AtomicU64,
    rejected_same_pass: AtomicU64,
    gap_alerts: AtomicU64,
    feedback_dropped: AtomicU64,
    feedback_failures: AtomicU64,
    reloads: AtomicU64,
    queue_depth: AtomicI64,
    outbox_pending: AtomicI64,
    outbox_parked: AtomicI64,
    last_upload_unix_ms: AtomicI64,
    last_face_to_punch_us: AtomicU64,
    last_face_to_light_us: AtomicU64,
    clock_trusted: AtomicBool,
    /// When the camera last delivered a frame (Unix ms; 0: none yet), for the heartbeat.
    last_frame_unix_ms: AtomicI64,
    heartbeats: [AtomicU64; 7],
}

impl Telemetry {
    pub fn frame_grabbed(&self) {
        self.frames.fetch_add(1, Relaxed);
    }
    /// The instant of the last frame the camera delivered.
    pub fn frame_at(&self, at: jiff::Timestamp) {
        self.last_frame_unix_ms.store(at.as_millisecond(), Relaxed);
    }
    /// When the camera last delivered a frame, if it has.
    pub fn last_frame(&self) -> Option<jiff::Timestamp> {
        match self.last_frame_unix_ms.load(Relaxed) {
            0 => None,
            ms => jiff::Timestamp::from_millisecond(ms).ok(),
        }
    }
    /// Records waiting in the outbox, as the uploader last counted them.
    pub fn outbox_pending(&self) -> u64 {
        u64::try_from(self.outbox_pending.load(Relaxed)).unwrap_or(0)
    }
    /// Whether the last clock check found the clock synchronised.
    pub fn clock_is_trusted(&self) -> bool {
        self.clock_trusted.load(Relaxed)
    }
    /// The recogniser's queue was full: the newest frame is dropped (never a punch).
    pub fn frame_dropped(&self) {
        self.frames_dropped.fetch_add(1, Relaxed);
    }
    /// A still scene with nobody followed: the detector was not run on this frame.
    pub fn frame_idle_skipped(&self) {
        self.frames_idle_skipped.fetch_add(1, Relaxed);
    }
    /// The console was enrolling with the shared models: the frame was skipped, not waited on.
    pub fn frame_skipped_models_busy(&self) {
        self.frames_models_busy.fetch_add(1, Relaxed);
    }
    pub fn frame_failed(&self) {
        self.frame_errors.fetch_add(1, Relaxed);
    }
    pub fn source_reopened(&self) {
        self.source_reopens.fetch_add(1, Relaxed);
    }
    pub fn face_seen(&self) {
        self.faces.fetch_add(1, Relaxed);
    }
    pub fn sighting_concluded(&self) {
        self.sightings.fetch_add(1, Relaxed);
    }
    pub fn punch_recorded(&self) {
        self.punches.fetch_add(1, Relaxed);
    }
    pub fn punch_write_failed(&self) {
        self.punch_write_failures.fetch_add(1, Relaxed);
    }
    pub fn unknown_face(&self) {
        self.unknowns.fetch_add(1, Relaxed);
    }
    pub fn same_pass_rejected(&self) {
        self.rejected_same_pass.fetch_add(1, Relaxed);
    }
    pub fn gap_alerted(&self) {
        self.gap_alerts.fetch_add(1, Relaxed);
    }
    pub fn feedback_dropped(&self) {
        self.feedback_dropped.fetch_add(1, Relaxed);
    }
    pub fn feedback_failed(&self) {
        self.feedback_failures.fetch_add(1, Relaxed);
    }
    pub fn enrolments_reloaded(&self) {
        self.reloads.fetch_add(1, Relaxed);
    }
    /// Frames waiting for the recogniser.
    pub fn queue_depth_changed(&self, delta: i64) {
        self.queue_depth.fetch_add(delta, Relaxed);
    }
    pub fn outbox_depth(&self, pending: i64, parked: i64) {
        self.outbox_pending.store(pending, Relaxed);
        self.outbox_parked.store(parked, Relaxed);
    }
    /// The last successful upload, if any (for the console's status page).
    pub fn last_upload(&self) -> Option<jiff::Timestamp> {
        match self.last_upload_unix_ms.load(Relaxed) {
            0 => None,
            ms => jiff::Timestamp::from_millisecond(ms).ok(),
        }
    }
    pub fn uploaded_at(&self, unix_ms: i64) {
        self.last_upload_unix_ms.store(unix_ms, Relaxed);
    }
    pub fn face_to_punch(&self, d: std::time::Duration) {
        self.last_face_to_punch_us
            .store(d.as_micros() as u64, Relaxed);
    }
    pub fn face_to_light(&self, d: std::time::Duration) {
        self.last_face_to_light_us
            .store(d.as_micros() as u64, Relaxed);
    }
    pub fn clock_checked(&self, trusted: bool) {
        self.clock_trusted.store(trusted, Relaxed);
    }

    /// A stage made progress (or, for an idle downstream stage, is alive and waiting).
    pub fn beat(&self, stage: Stage) {
        self.heartbeats[stage.index()].fetch_add(1, Relaxed);
    }
    /// The heartbeat counters of the watched stages.
    pub fn heartbeats(&self) -> [u64; 5] {
        Stage::WATCHED.map(|s| self.heartbeats[s.index()].load(Relaxed))
    }

    pub fn punches(&self) -> u64 {
        self.punches.load(Relaxed)
    }
    pub fn frames(&self) -> u64 {
        self.frames.load(Relaxed)
    }

    /// The Prometheus text exposition of everything above.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(2048);
        let mut put = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP hallclock_{name} {help}");
            let _ = writeln!(out, "# TYPE hallclock_{name} {kind}");
            let _ = writeln!(out, "hallclock_{name} {value}");
        };
        let c = |a: &AtomicU64| a.load(Relaxed).to_string();
        let g = |a: &AtomicI64| a.load(Relaxed).to_string();
        put(
            "frames_total",
            "counter",
            "Frames grabbed from the camera.",
            c(&self.frames),
        );
        put(
            "frames_dropped_total",
            "counter",
            "Frames dropped because the recogniser was behind.",
            c(&self.frames_dropped),
        );
        put(
            "frames_idle_skipped_total",
            "counter",
            "Frames not run through the detector because the scene was still.",
            c(&self.frames_idle_skipped),
        );
        put(
            "frames_models_busy_total",
            "counter",
            "Frames skipped while a console enrolment used the shared models.",
            c(&self.frames_models_busy),
        );
        put(
            "frame_errors_total",
            "counter",
            "Frames that could not be read or recognised.",
            c(&self.frame_errors),
        );
        put(
            "source_reopens_total",
            "counter",
            "Times the camera source was reopened.",
            c(&self.source_reopens),
        );
        put(
            "faces_total",
            "counter",
            "Frames with a usable face.",
            c(&self.faces),
        );
        put(
            "sightings_total",
            "counter",
            "Tracked faces the vote concluded on.",
            c(&self.sightings),
        );
        put(
            "punches_total",
            "counter",
            "Punches committed to the database.",
            c(&self.punches),
        );
        put(
            "punch_write_failures_total",
            "counter",
            "Punches that could not be written (disk full, database error).",
            c(&self.punch_write_failures),
        );
        put(
            "unknowns_total",
            "counter",
            "Faces that matched nobody enrolled.",
            c(&self.unknowns),
        );
        put(
            "same_pass_rejected_total",
            "counter",
            "Sightings dropped as the same pass as a recent punch.",
            c(&self.rejected_same_pass),
        );
        put(
            "gap_alerts_total",
            "counter",
            "Session starts with a window post uncovered.",
            c(&self.gap_alerts),
        );
        put(
            "feedback_dropped_total",
            "counter",
            "Feedback patterns dropped because the outputs were busy.",
            c(&self.feedback_dropped),
        );
        put(
            "feedback_failures_total",
            "counter",
            "Feedback patterns that could not be shown.",
            c(&self.feedback_failures),
        );
        put(
            "enrolment_reloads_total",
            "counter",
            "Galleries rebuilt on SIGHUP.",
            c(&self.reloads),
        );
        put(
            "queue_depth",
            "gauge",
            "Frames waiting for the recogniser.",
            g(&self.queue_depth),
        );
        put(
            "outbox_pending",
            "gauge",
            "Outbox records not yet acknowledged by the central service.",
            g(&self.outbox_pending),
        );
        put(
            "outbox_parked",
            "gauge",
            "Outbox records the central service refused, parked with their reason.",
            g(&self.outbox_parked),
        );
        put(
            "last_upload_timestamp_seconds",
            "gauge",
            "When a batch was last acknowledged (Unix time, 0 = never).",
            format!(
                "{:.3}",
                self.last_upload_unix_ms.load(Relaxed) as f64 / 1000.0
            ),
        );
        put(
            "face_to_punch_seconds",
            "gauge",
            "Last time from a face's first frame to its punch committed.",
            format!(
                "{:.6}",
                self.last_face_to_punch_us.load(Relaxed) as f64 / 1e6
            ),
        );
        put(
            "face_to_light_seconds",
            "gauge",
            "Last time from a face's first frame to the feedback shown.",
            format!(
                "{:.6}",
                self.last_face_to_light_us.load(Relaxed) as f64 / 1e6
            ),
        );
        put(
            "clock_trusted",
            "gauge",
            "1 when the kernel says the clock is synchronised.",
            u8::from(self.clock_trusted.load(Relaxed)).to_string(),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_render_as_prometheus_text() {
        let t = Telemetry::default();
        t.frame_grabbed();
        t.frame_grabbed();
        t.punch_recorded();
        t.clock_checked(true);
        t.outbox_depth(3, 1);
        let text = t.render();
        assert!(
            text.contains("# TYPE hallclock_frames_total counter\nhallclock_frames_total 2\n"),
            "{text}"
        );
        assert!(text.contains("hallclock_punches_total 1\n"));
        assert!(text.contains("hallclock_outbox_pending 3\n"));
        assert!(text.contains("hallclock_clock_trusted 1\n"));
    }

    #[test]
    fn heartbeats_are_per_stage() {
        let t = Telemetry::default();
        t.beat(Stage::Record);
        t.beat(Stage::Uplink);
        assert_eq!(t.heartbeats(), [0, 0, 0, 1, 0]);
    }
}

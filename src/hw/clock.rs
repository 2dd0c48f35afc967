//! The wall clock: what time it is ([`WallClock`], the one place that reads it) and whether it can
//! be trusted (the kernel's NTP status, `adjtimex(2)`, behind a small trait so tests can fake it).
//!
//! A Raspberry Pi has no battery-backed clock by default: after a power cut it starts at the last
//! saved time until NTP synchronises it. The kernel's `STA_UNSYNC` flag (set until a time daemon
//! has disciplined the clock) and its maximum error estimate tell us. This file reads, it does not
//! decide what a punch under an untrusted clock means (that is `core::rules`).

/// The environment variable that starts the wall clock at a chosen instant (RFC 3339, e.g.
/// `2027-03-01T09:30:00+08:00`): tests and rehearsals run the whole program on a chosen day.
pub const NOW_VARIABLE: &str = "HALLCLOCK_NOW";

/// The system clock, optionally shifted so that it started at a chosen instant and runs on from
/// there at the real pace (as `faketime` does). Built once at the binary's edge
/// ([`WallClock::from_start`] with `--now`/`HALLCLOCK_NOW`) and handed to whoever asks the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WallClock {
    /// Added to the system clock's reading.
    shift: jiff::SignedDuration,
}

impl WallClock {
    /// The system clock as it is.
    pub fn system() -> WallClock {
        WallClock::default()
    }

    /// A clock that reads `start` now and runs on at the real pace; the system clock when `None`.
    pub fn from_start(start: Option<jiff::Timestamp>) -> WallClock {
        match start {
            Some(start) => WallClock {
                shift: start.duration_since(jiff::Timestamp::now()),
            },
            None => WallClock::system(),
        }
    }

    /// The current instant by this clock.
    pub fn now(&self) -> jiff::Timestamp {
        let now = jiff::Timestamp::now();
        now.checked_add(self.shift).unwrap_or(now)
    }

    /// Whether this clock was shifted away from the system's.
    pub fn is_shifted(&self) -> bool {
        !self.shift.is_zero()
    }
}

impl crate::core::clock::Clock for WallClock {
    fn now(&self) -> jiff::Timestamp {
        WallClock::now(self)
    }
}

/// What the kernel says about the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockStatus {
    /// Whether the clock is synchronised closely enough to judge punches.
    pub trusted: bool,
    /// The kernel's maximum error estimate, in microseconds (`None` when not asked).
    pub max_error_us: Option<i64>,
    /// `STA_UNSYNC` was set.
    pub unsynced_flag: bool,
}

/// The largest maximum-error estimate still trusted: half a second.
pub const MAX_TRUSTED_ERROR_US: i64 = 500_000;

/// Something that says whether the clock is trusted.
pub trait ClockTrust: Send + Sync {
    /// The clock's status now. Never fails: a failure to ask means "not trusted".
    fn status(&self) -> ClockStatus;
}

/// The kernel's word, through `adjtimex(2)` with no modes set (a pure read).
#[derive(Debug, Default, Clone, Copy)]
pub struct KernelClock;

impl ClockTrust for KernelClock {
    fn status(&self) -> ClockStatus {
        // SAFETY: `timex` is plain old data; zeroed it is a valid argument, and with `modes = 0`
        // adjtimex only reads the kernel's state into it.
        let mut tx: libc::timex = unsafe { std::mem::zeroed() };
        let state = unsafe { libc::adjtimex(&mut tx) };
        if state < 0 {
            return ClockStatus {
                trusted: false,
                max_error_us: None,
                unsynced_flag: true,
            };
        }
        judge(state, tx.status, tx.maxerror as i64)
    }
}

/// The pure reading of an `adjtimex` answer: the return state, the status bits and `maxerror`.
pub fn judge(state: i32, status_bits: i32, max_error_us: i64) -> ClockStatus {
    let unsynced_flag = status_bits & libc::STA_UNSYNC != 0 || state == libc::TIME_ERROR;
    ClockStatus {
        trusted: !unsynced_flag && max_error_us <= MAX_TRUSTED_ERROR_US,
        max_error_us: Some(max_error_us),
        unsynced_flag,
    }
}

/// A clock that is always trusted (`daemon.clock-check = "off"`) or never (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub bool);

impl ClockTrust for FixedClock {
    fn status(&self) -> ClockStatus {
        ClockStatus {
            trusted: self.0,
            max_error_us: None,
            unsynced_flag: !self.0,
        }
    }
}

impl std::fmt::Display for ClockStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.trusted, self.max_error_us) {
            (true, Some(e)) => write!(f, "synchronised (max error {} ms)", e / 1000),
            (true, None) => write!(f, "trusted (not checked)"),
            (false, Some(e)) if !self.unsynced_flag => {
                write!(
                    f,
                    "not trusted: max error {} ms is over {} ms",
                    e / 1000,
                    MAX_TRUSTED_ERROR_US / 1000
                )
            }
            (false, _) => write!(f, "not synchronised (the kernel's STA_UNSYNC is set)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kernel_answer_is_read() {
        assert!(judge(libc::TIME_OK, libc::STA_PLL, 20_000).trusted);
        assert!(!judge(libc::TIME_OK, libc::STA_PLL, 2_000_000).trusted);
        assert!(!judge(libc::TIME_ERROR, libc::STA_UNSYNC, 16_000_000).trusted);
        assert!(!judge(libc::TIME_OK, libc::STA_UNSYNC, 1_000).trusted);
        assert_eq!(
            judge(libc::TIME_ERROR, libc::STA_UNSYNC, 16_000_000).to_string(),
            "not synchronised (the kernel's STA_UNSYNC is set)"
        );
    }

    #[test]
    fn a_shifted_wall_clock_starts_where_it_was_told_and_runs_on() {
        let start: jiff::Timestamp = "2027-03-01T01:30:00Z".parse().expect("instant");
        let clock = WallClock::from_start(Some(start));
        assert!(clock.is_shifted());
        let first = clock.now();
        let lag = first.duration_since(start);
        assert!(
            lag >= jiff::SignedDuration::ZERO && lag < jiff::SignedDuration::from_secs(5),
            "{lag:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock.now() > first, "the clock runs on");
        assert!(!WallClock::from_start(None).is_shifted());
    }

    #[test]
    fn the_kernel_can_be_asked() {
        // Whatever this machine's state, asking must not fail or panic.
        let s = KernelClock.status();
        assert!(s.max_error_us.is_some() || !s.trusted);
    }
}

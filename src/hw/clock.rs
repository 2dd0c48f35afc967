//! Whether the wall clock can be trusted: the kernel's NTP status (`adjtimex(2)`), behind a small
//! trait so tests can fake it.
//!
//! A Raspberry Pi has no battery-backed clock by default: after a power cut it starts at the last
//! saved time until NTP synchronises it. The kernel's `STA_UNSYNC` flag (set until a time daemon
//! has disciplined the clock) and its maximum error estimate tell us. This file reads, it does not
//! decide what a punch under an untrusted clock means (that is `core::rules`).

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
    fn the_kernel_can_be_asked() {
        // Whatever this machine's state, asking must not fail or panic.
        let s = KernelClock.status();
        assert!(s.max_error_us.is_some() || !s.trusted);
    }
}

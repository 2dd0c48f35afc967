//! Exponential backoff with a cap and jitter, as values: how long to wait before attempt `n`.
//!
//! Used for reopening a lost camera and (later) for upload retries. The caller supplies the
//! randomness so that this stays pure and testable.

use std::time::Duration;

/// A backoff schedule: `base * 2^attempt`, capped at `cap`, then scaled by a jitter factor in
/// `[1 - jitter, 1]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    /// Fraction of the delay that may be taken off at random (0 = none, 0.5 = up to half).
    pub jitter: f64,
}

impl Backoff {
    /// 0.5 s doubling to 30 s, up to a quarter off at random.
    pub fn camera_defaults() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            jitter: 0.25,
        }
    }

    /// The wait before retry number `attempt` (0-based); `unit_random` is uniform in `[0, 1)`.
    pub fn delay(&self, attempt: u32, unit_random: f64) -> Duration {
        let factor = 2f64.powi(attempt.min(62) as i32);
        let raw = (self.base.as_secs_f64() * factor).min(self.cap.as_secs_f64());
        let jitter = self.jitter.clamp(0.0, 1.0) * unit_random.clamp(0.0, 1.0);
        Duration::from_secs_f64(raw * (1.0 - jitter))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_then_caps() {
        let b = Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            jitter: 0.0,
        };
        let got: Vec<u128> = (0..9).map(|a| b.delay(a, 0.9).as_millis()).collect();
        assert_eq!(
            got,
            vec![500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]
        );
        assert_eq!(b.delay(u32::MAX, 0.0), Duration::from_secs(30));
    }

    #[test]
    fn jitter_only_shortens() {
        let b = Backoff::camera_defaults();
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(4));
        assert_eq!(b.delay(3, 1.0), Duration::from_secs(3));
    }
}

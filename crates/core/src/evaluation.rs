//! Verification and identification metrics for `hallclock eval`: TAR at fixed FAR, EER, and the
//! open-set rates at a threshold.
//!
//! Pure statistics over score lists; reading photos and running models is the caller's job.

/// True accept rate at a false accept rate, with the threshold that achieves it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TarAtFar {
    pub far: f64,
    pub tar: f64,
    pub threshold: f32,
}

/// Scores of same-person (genuine) and different-person (impostor) pairs.
#[derive(Debug, Clone, Default)]
pub struct PairScores {
    pub genuine: Vec<f32>,
    pub impostor: Vec<f32>,
}

impl PairScores {
    /// TAR at the given FAR: the threshold is the lowest that accepts at most `far` of the
    /// impostors (scores strictly above it are accepted). With fewer than `1 / far` impostor pairs
    /// the figure is optimistic, which the caller reports through the pair counts.
    pub fn tar_at_far(&self, far: f64) -> Option<TarAtFar> {
        if self.genuine.is_empty() || self.impostor.is_empty() {
            return None;
        }
        let mut imp = self.impostor.clone();
        imp.sort_by(|a, b| b.total_cmp(a));
        let allowed = (far * imp.len() as f64).floor() as usize;
        // Accept strictly above the (allowed)-th highest impostor score.
        let threshold = imp[allowed.min(imp.len() - 1)];
        let tar = self.genuine.iter().filter(|&&g| g > threshold).count() as f64
            / self.genuine.len() as f64;
        Some(TarAtFar {
            far,
            tar,
            threshold,
        })
    }

    /// Equal error rate and its threshold: where the false reject rate meets the false accept rate.
    pub fn eer(&self) -> Option<(f64, f32)> {
        if self.genuine.is_empty() || self.impostor.is_empty() {
            return None;
        }
        let mut all: Vec<f32> = self.genuine.iter().chain(&self.impostor).copied().collect();
        all.sort_by(|a, b| a.total_cmp(b));
        all.dedup();
        let mut best = (f64::MAX, 1.0f64, all[0]);
        for &t in &all {
            let frr =
                self.genuine.iter().filter(|&&g| g < t).count() as f64 / self.genuine.len() as f64;
            let far = self.impostor.iter().filter(|&&i| i >= t).count() as f64
                / self.impostor.len() as f64;
            let gap = (frr - far).abs();
            if gap < best.0 {
                best = (gap, (frr + far) / 2.0, t);
            }
        }
        Some((best.1, best.2))
    }
}

/// Outcome counts of an open-set identification run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OpenSetCounts {
    /// Probes of enrolled people.
    pub genuine_probes: usize,
    /// ...accepted as the right person.
    pub correct_accept: usize,
    /// ...accepted as somebody else.
    pub wrong_person_accept: usize,
    /// Probes of people never enrolled.
    pub stranger_probes: usize,
    /// ...accepted as somebody.
    pub stranger_accept: usize,
}

impl OpenSetCounts {
    pub fn correct_accept_rate(&self) -> f64 {
        ratio(self.correct_accept, self.genuine_probes)
    }
    pub fn wrong_person_accept_rate(&self) -> f64 {
        ratio(self.wrong_person_accept, self.genuine_probes)
    }
    pub fn stranger_accept_rate(&self) -> f64 {
        ratio(self.stranger_accept, self.stranger_probes)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// A small deterministic generator (SplitMix64) for reproducible splits.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_at_far_counts_strictly_above() {
        let s = PairScores {
            genuine: vec![0.9, 0.8, 0.5, 0.3],
            impostor: (0..100).map(|i| i as f32 / 200.0).collect(), // 0.0 .. 0.495
        };
        let r = s.tar_at_far(0.01).unwrap();
        // 1 impostor of 100 may pass: the threshold is the 2nd highest impostor, 0.49.
        assert!((r.threshold - 0.49).abs() < 1e-6);
        assert_eq!(r.tar, 0.75);
        let r0 = s.tar_at_far(0.0).unwrap();
        assert!((r0.threshold - 0.495).abs() < 1e-6);
    }

    #[test]
    fn eer_of_separable_and_overlapping_scores() {
        let sep = PairScores {
            genuine: vec![0.8, 0.9],
            impostor: vec![0.1, 0.2],
        };
        assert_eq!(sep.eer().unwrap().0, 0.0);
        let ov = PairScores {
            genuine: vec![0.4, 0.6, 0.8, 0.9],
            impostor: vec![0.1, 0.2, 0.5, 0.7],
        };
        let (eer, _) = ov.eer().unwrap();
        assert!((eer - 0.25).abs() < 1e-9, "{eer}");
    }

    #[test]
    fn shuffle_is_reproducible() {
        let mut a: Vec<u32> = (0..20).collect();
        let mut b = a.clone();
        SplitMix::new(7).shuffle(&mut a);
        SplitMix::new(7).shuffle(&mut b);
        assert_eq!(a, b);
        assert_ne!(a, (0..20).collect::<Vec<_>>());
    }
}

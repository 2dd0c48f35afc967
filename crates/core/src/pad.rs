//! Presentation-attack-detection figures in ISO/IEC 30107-3's terms, from liveness scores
//! (higher = more live; a presentation is accepted as bona fide when its score is at or above
//! the threshold):
//!
//! - **APCER** (attack presentation classification error rate), per attack kind: the share of
//!   that kind's attack presentations accepted as bona fide; the standard reports the worst kind.
//! - **BPCER** (bona fide presentation classification error rate): the share of bona fide
//!   presentations refused as attacks.
//! - **BPCER at APCER 5%** (BPCER20): the BPCER at the lowest threshold whose worst APCER is
//!   5% or less.
//!
//! Pure arithmetic on plain values; the command that gathers the scores is `eval-liveness`.

/// Scores of bona fide presentations and of each attack kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PadScores {
    pub bona_fide: Vec<f32>,
    /// (attack kind, its presentations' scores), in the order to report them.
    pub attacks: Vec<(String, Vec<f32>)>,
}

/// The error rates at one threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct PadRates {
    pub threshold: f32,
    /// (attack kind, APCER), in the order of [`PadScores::attacks`].
    pub apcer: Vec<(String, f64)>,
    /// The worst kind's APCER (0 with no attacks).
    pub apcer_max: f64,
    pub bpcer: f64,
}

impl PadScores {
    /// Adds one attack presentation of `kind`.
    pub fn add_attack(&mut self, kind: &str, score: f32) {
        match self.attacks.iter_mut().find(|(k, _)| k == kind) {
            Some((_, v)) => v.push(score),
            None => self.attacks.push((kind.to_string(), vec![score])),
        }
    }

    /// The rates when scores at or above `threshold` are accepted as bona fide.
    ///
    /// # Example
    /// ```
    /// use hallclock_core::pad::PadScores;
    /// let mut s = PadScores { bona_fide: vec![0.9, 0.8, 0.3], attacks: vec![] };
    /// s.add_attack("print", 0.1);
    /// s.add_attack("print", 0.85);
    /// let r = s.rates_at(0.5);
    /// assert_eq!(r.apcer, [("print".to_string(), 0.5)]);
    /// assert!((r.bpcer - 1.0 / 3.0).abs() < 1e-12);
    /// ```
    pub fn rates_at(&self, threshold: f32) -> PadRates {
        let share = |v: &[f32], accepted: bool| -> f64 {
            if v.is_empty() {
                return 0.0;
            }
            let n = v.iter().filter(|s| (**s >= threshold) == accepted).count();
            n as f64 / v.len() as f64
        };
        let apcer: Vec<(String, f64)> = self
            .attacks
            .iter()
            .map(|(k, v)| (k.clone(), share(v, true)))
            .collect();
        let apcer_max = apcer.iter().map(|(_, a)| *a).fold(0.0, f64::max);
        PadRates {
            threshold,
            apcer,
            apcer_max,
            bpcer: share(&self.bona_fide, false),
        }
    }

    /// Every threshold where a rate changes: each score (accepting it) and the float just
    /// above it (refusing it), ascending.
    fn candidates(&self) -> Vec<f32> {
        let mut t: Vec<f32> = self
            .bona_fide
            .iter()
            .chain(self.attacks.iter().flat_map(|(_, v)| v.iter()))
            .copied()
            .filter(|s| s.is_finite())
            .flat_map(|s| [s, next_up(s)])
            .collect();
        t.sort_by(f32::total_cmp);
        t.dedup();
        t
    }

    /// The lowest threshold whose worst APCER is at most `apcer`, with the BPCER it costs
    /// (`apcer` = 0.05 gives BPCER20). `None` without bona fide or attack scores.
    pub fn bpcer_at_apcer(&self, apcer: f64) -> Option<PadRates> {
        if self.bona_fide.is_empty() || self.attacks.iter().all(|(_, v)| v.is_empty()) {
            return None;
        }
        self.candidates()
            .into_iter()
            .map(|t| self.rates_at(t))
            .find(|r| r.apcer_max <= apcer + 1e-12)
    }

    /// The highest threshold whose BPCER is at most `bpcer`: the strictest setting that still
    /// refuses no more than that share of real people. `None` without bona fide scores.
    pub fn threshold_for_bpcer(&self, bpcer: f64) -> Option<PadRates> {
        if self.bona_fide.is_empty() {
            return None;
        }
        self.candidates()
            .into_iter()
            .rev()
            .map(|t| self.rates_at(t))
            .find(|r| r.bpcer <= bpcer + 1e-12)
    }

    /// Mean score of the bona fide presentations and of all attacks together.
    pub fn means(&self) -> (Option<f32>, Option<f32>) {
        let mean = |v: &mut dyn Iterator<Item = f32>| {
            let (s, n) = v.fold((0.0f64, 0usize), |(s, n), x| (s + f64::from(x), n + 1));
            (n > 0).then(|| (s / n as f64) as f32)
        };
        (
            mean(&mut self.bona_fide.iter().copied()),
            mean(&mut self.attacks.iter().flat_map(|(_, v)| v.iter().copied())),
        )
    }
}

/// The smallest f32 above `x` (for finite `x`).
fn next_up(x: f32) -> f32 {
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let bits = x.to_bits();
    f32::from_bits(if x > 0.0 { bits + 1 } else { bits - 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores() -> PadScores {
        let mut s = PadScores {
            bona_fide: vec![0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.2],
            attacks: Vec::new(),
        };
        for v in [0.1, 0.2, 0.3, 0.45, 0.6] {
            s.add_attack("print", v);
        }
        for v in [0.05, 0.1, 0.15, 0.2] {
            s.add_attack("replay", v);
        }
        s
    }

    #[track_caller]
    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn rates_per_kind_and_the_worst() {
        let r = scores().rates_at(0.3);
        assert_eq!(r.apcer[0].0, "print");
        close(r.apcer[0].1, 0.6); // 0.3, 0.45, 0.6 accepted
        close(r.apcer[1].1, 0.0);
        close(r.apcer_max, 0.6);
        close(r.bpcer, 0.1); // 0.2 refused
                             // At or above is accepted.
        close(scores().rates_at(0.6).apcer[0].1, 0.2);
    }

    #[test]
    fn bpcer_at_apcer_takes_the_lowest_threshold_that_holds_the_attacks() {
        let s = scores();
        // Worst APCER <= 5% needs every print refused: threshold just above 0.6.
        let r = s.bpcer_at_apcer(0.05).unwrap();
        assert!(r.threshold > 0.6 && r.threshold < 0.6001, "{}", r.threshold);
        close(r.apcer_max, 0.0);
        close(r.bpcer, 0.5); // 0.6, 0.55, 0.5, 0.4, 0.2 refused
                             // Allowing one print in five: 0.6 itself may pass, so the threshold is just above 0.45.
        let r = s.bpcer_at_apcer(0.2).unwrap();
        assert!(
            r.threshold > 0.45 && r.threshold < 0.4501,
            "{}",
            r.threshold
        );
        close(r.apcer_max, 0.2);
        close(r.bpcer, 0.2); // 0.4, 0.2 refused
    }

    #[test]
    fn threshold_for_a_target_bpcer() {
        let s = scores();
        // 10% of real people may be refused: the highest threshold refusing only 0.2.
        let r = s.threshold_for_bpcer(0.1).unwrap();
        close(f64::from(r.threshold), f64::from(0.4f32));
        close(r.bpcer, 0.1);
        close(r.apcer_max, 0.4); // prints 0.45, 0.6
                                 // 0%: everyone accepted, threshold at the lowest bona fide score.
        let r = s.threshold_for_bpcer(0.0).unwrap();
        close(f64::from(r.threshold), f64::from(0.2f32));
        close(r.bpcer, 0.0);
    }

    #[test]
    fn empty_sets_give_no_figures() {
        let none = PadScores::default();
        assert!(none.bpcer_at_apcer(0.05).is_none());
        assert!(none.threshold_for_bpcer(0.01).is_none());
        assert_eq!(none.means(), (None, None));
        let only_live = PadScores {
            bona_fide: vec![0.5],
            attacks: vec![],
        };
        assert!(only_live.bpcer_at_apcer(0.05).is_none());
        close(only_live.rates_at(0.5).apcer_max, 0.0);
        let (b, a) = scores().means();
        assert!((b.unwrap() - 0.645).abs() < 1e-6 && a.is_some());
    }

    #[test]
    fn next_up_is_the_next_float() {
        assert!(next_up(0.6) > 0.6);
        assert_eq!(next_up(0.0), f32::from_bits(1));
        assert!(next_up(-1.0) > -1.0);
    }
}

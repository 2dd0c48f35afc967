//! The attendance part (严格考勤, 30 points) of the monthly 100-point assessment: points per fault,
//! the part's score, the fund estimate, and the yearly awards bar.
//!
//! This module turns *counts* ([`Tally`]) into points; it does not decide what was late or absent
//! (that is [`crate::rules`]) and knows nothing about punches or dates. No I/O.
//!
//! Spec: `attendance-rules.md` sections 2-4, 6 and 7; regulation lines 240-254. Differences from
//! the regulation, following the spec:
//! - Line 253 pays `150 ÷ 100 × score` on the *whole* 100-point score compiled by the inspection
//!   office. The device only knows the attendance part, so [`FundEstimate`] assumes the other
//!   three parts (70 points) are full and is only an estimate.
//! - The regulation does not say a part's score stops at 0; the spec's **default** does.
//! - Line 254 counts "全年综合结算扣分" (all deductions of the year). We sum deductions as
//!   counted, before the floor at 0, so a month with 45 points of faults counts 45.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg, Sub};

/// Points in tenths, so that half-day leave (−1.5) is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(i32);

impl Points {
    /// No points.
    pub const ZERO: Points = Points(0);

    /// `tenths` tenths of a point.
    pub const fn from_tenths(tenths: i32) -> Points {
        Points(tenths)
    }

    /// A whole number of points.
    pub const fn whole(points: i32) -> Points {
        Points(points * 10)
    }

    /// The value in tenths of a point.
    pub const fn tenths(self) -> i32 {
        self.0
    }

    /// `count` times these points, saturating.
    pub fn times(self, count: u32) -> Points {
        Points(
            self.0
                .saturating_mul(i32::try_from(count).unwrap_or(i32::MAX)),
        )
    }

    /// `half_days` halves of these (a day's) points; an odd half tenth rounds up.
    pub fn per_half_day(self, half_days: u32) -> Points {
        let total = i64::from(self.0) * i64::from(half_days);
        Points(i32::try_from((total + 1).div_euclid(2)).unwrap_or(i32::MAX))
    }
}

impl fmt::Display for Points {
    /// `5`, `-1.5`, `28.5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        if abs.is_multiple_of(10) {
            write!(f, "{sign}{}", abs / 10)
        } else {
            write!(f, "{sign}{}.{}", abs / 10, abs % 10)
        }
    }
}

impl Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0.saturating_add(rhs.0))
    }
}

impl Sub for Points {
    type Output = Points;
    fn sub(self, rhs: Points) -> Points {
        Points(self.0.saturating_sub(rhs.0))
    }
}

impl Neg for Points {
    type Output = Points;
    fn neg(self) -> Points {
        Points(self.0.saturating_neg())
    }
}

impl Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, Add::add)
    }
}

/// The counted faults and leave of one person over one period (usually a month).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Late clock-ins and early clock-outs, a missing one counting as one of them.
    pub late_or_early: u32,
    /// Half days of absence (缺岗); a whole day is 2.
    pub absence_half_days: u32,
    /// Half days of public leave (公假).
    pub public_leave_half_days: u32,
    /// Half days of private leave (私假).
    pub private_leave_half_days: u32,
    /// Centre meetings and study sessions arrived at late.
    pub meetings_late: u32,
    /// Centre meetings and study sessions missed.
    pub meetings_missed: u32,
    /// Duty (值班) entries not turned up for.
    pub duties_missed: u32,
}

impl Add for Tally {
    type Output = Tally;
    fn add(self, rhs: Tally) -> Tally {
        Tally {
            late_or_early: self.late_or_early + rhs.late_or_early,
            absence_half_days: self.absence_half_days + rhs.absence_half_days,
            public_leave_half_days: self.public_leave_half_days + rhs.public_leave_half_days,
            private_leave_half_days: self.private_leave_half_days + rhs.private_leave_half_days,
            meetings_late: self.meetings_late + rhs.meetings_late,
            meetings_missed: self.meetings_missed + rhs.meetings_missed,
            duties_missed: self.duties_missed + rhs.duties_missed,
        }
    }
}

/// Points per fault and the limits of the attendance part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringConfig {
    /// Each late clock-in or early clock-out (line 241): 5.
    pub late_or_early: Points,
    /// Each day of absence (line 245): 10.
    pub absence_day: Points,
    /// Each day of public leave (line 244): 3.
    pub public_leave_day: Points,
    /// Each day of private leave (line 244): 5.
    pub private_leave_day: Points,
    /// Each meeting arrived at late (line 242): 2.
    pub meeting_late: Points,
    /// Each meeting missed (line 242): 5.
    pub meeting_missed: Points,
    /// Each duty not turned up for (line 243): 5.
    pub duty_missed: Points,
    /// The attendance part's full marks: 30.
    pub attendance_full: Points,
    /// The lowest score of the part; **default** `Some(0)`. `None`: no floor.
    pub attendance_floor: Option<Points>,
    /// The other three parts, assumed full for the fund estimate: 70.
    pub other_parts_assumed: Points,
    /// Full marks of the whole assessment: 100.
    pub full_marks: Points,
    /// The monthly fund per person at full marks, in fen: 150 yuan.
    pub fund_fen_per_month: i64,
    /// Deductions in a year at or above this bar the person from that year's awards: 30.
    pub yearly_awards_bar: Points,
}

/// The attendance part of one person's month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttendanceScore {
    /// Everything deducted, before the floor.
    pub deducted: Points,
    /// Out of [`ScoringConfig::attendance_full`], floored.
    pub score: Points,
    /// The fund, assuming the other parts are full.
    pub fund_estimate: FundEstimate,
}

/// An *estimate* of the month's assessment fund (考核资金): it assumes full marks in the three
/// parts the device does not see. The inspection office's figure is the real one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FundEstimate {
    /// In fen (0.01 yuan), rounded down.
    pub fen: i64,
}

impl fmt::Display for FundEstimate {
    /// `42.75 yuan (estimate)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.fen < 0 { "-" } else { "" };
        let abs = self.fen.unsigned_abs();
        write!(f, "{sign}{}.{:02} yuan (estimate)", abs / 100, abs % 100)
    }
}

/// One person's year, for the awards bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearSummary {
    /// Everything deducted in the year.
    pub deducted: Points,
    /// 30 or more deducted: no awards this year (不得评先评优).
    pub barred_from_awards: bool,
}

impl ScoringConfig {
    /// The regulation's points and the spec's defaults.
    pub fn hall_defaults() -> Self {
        ScoringConfig {
            late_or_early: Points::whole(5),
            absence_day: Points::whole(10),
            public_leave_day: Points::whole(3),
            private_leave_day: Points::whole(5),
            meeting_late: Points::whole(2),
            meeting_missed: Points::whole(5),
            duty_missed: Points::whole(5),
            attendance_full: Points::whole(30),
            attendance_floor: Some(Points::ZERO),
            other_parts_assumed: Points::whole(70),
            full_marks: Points::whole(100),
            fund_fen_per_month: 15_000,
            yearly_awards_bar: Points::whole(30),
        }
    }

    /// The points `tally` costs.
    pub fn deduction(&self, tally: &Tally) -> Points {
        [
            self.late_or_early.times(tally.late_or_early),
            self.absence_day.per_half_day(tally.absence_half_days),
            self.public_leave_day
                .per_half_day(tally.public_leave_half_days),
            self.private_leave_day
                .per_half_day(tally.private_leave_half_days),
            self.meeting_late.times(tally.meetings_late),
            self.meeting_missed.times(tally.meetings_missed),
            self.duty_missed.times(tally.duties_missed),
        ]
        .into_iter()
        .sum()
    }

    /// The attendance part's score for one month's `tally`, with the fund estimate.
    pub fn score(&self, tally: &Tally) -> AttendanceScore {
        let deducted = self.deduction(tally);
        let raw = self.attendance_full - deducted;
        let score = match self.attendance_floor {
            Some(floor) => raw.max(floor),
            None => raw,
        };
        AttendanceScore {
            deducted,
            score,
            fund_estimate: self.fund_estimate(score),
        }
    }

    /// `fund ÷ full marks × (other parts + attendance score)`, rounded down to the fen.
    pub fn fund_estimate(&self, attendance_score: Points) -> FundEstimate {
        let total = i64::from((self.other_parts_assumed + attendance_score).tenths());
        let full = i64::from(self.full_marks.tenths()).max(1);
        FundEstimate {
            fen: (self.fund_fen_per_month * total).div_euclid(full),
        }
    }

    /// The year's deductions (one entry per month, any part) and the awards bar.
    pub fn year(&self, monthly_deductions: &[Points]) -> YearSummary {
        let deducted: Points = monthly_deductions.iter().copied().sum();
        YearSummary {
            deducted,
            barred_from_awards: deducted >= self.yearly_awards_bar,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct ScoreCase {
        tally: Tally,
        deducted: &'static str,
        score: &'static str,
        fund: &'static str,
    }

    #[track_caller]
    fn check_score(config: &ScoringConfig, case: ScoreCase) {
        let got = config.score(&case.tally);
        assert_eq!(
            (
                got.deducted.to_string(),
                got.score.to_string(),
                got.fund_estimate.to_string()
            ),
            (
                case.deducted.to_string(),
                case.score.to_string(),
                case.fund.to_string()
            ),
            "{:?}",
            case.tally
        );
    }

    #[test]
    fn monthly_scores() {
        let config = ScoringConfig::hall_defaults();
        let rows = [
            ScoreCase {
                tally: Tally::default(),
                deducted: "0",
                score: "30",
                fund: "150.00 yuan (estimate)",
            },
            ScoreCase {
                tally: Tally {
                    late_or_early: 1,
                    ..Tally::default()
                },
                deducted: "5",
                score: "25",
                fund: "142.50 yuan (estimate)",
            },
            ScoreCase {
                tally: Tally {
                    absence_half_days: 2,
                    ..Tally::default()
                },
                deducted: "10",
                score: "20",
                fund: "135.00 yuan (estimate)",
            },
            // half a day of public leave: -1.5 exactly
            ScoreCase {
                tally: Tally {
                    public_leave_half_days: 1,
                    ..Tally::default()
                },
                deducted: "1.5",
                score: "28.5",
                fund: "147.75 yuan (estimate)",
            },
            ScoreCase {
                tally: Tally {
                    private_leave_half_days: 1,
                    ..Tally::default()
                },
                deducted: "2.5",
                score: "27.5",
                fund: "146.25 yuan (estimate)",
            },
            ScoreCase {
                tally: Tally {
                    private_leave_half_days: 2,
                    ..Tally::default()
                },
                deducted: "5",
                score: "25",
                fund: "142.50 yuan (estimate)",
            },
            ScoreCase {
                tally: Tally {
                    meetings_late: 1,
                    meetings_missed: 1,
                    ..Tally::default()
                },
                deducted: "7",
                score: "23",
                fund: "139.50 yuan (estimate)",
            },
            ScoreCase {
                tally: Tally {
                    duties_missed: 1,
                    ..Tally::default()
                },
                deducted: "5",
                score: "25",
                fund: "142.50 yuan (estimate)",
            },
            // the floor: 45 deducted, score stays 0, fund assumes 70 from the other parts
            ScoreCase {
                tally: Tally {
                    absence_half_days: 8,
                    late_or_early: 1,
                    ..Tally::default()
                },
                deducted: "45",
                score: "0",
                fund: "105.00 yuan (estimate)",
            },
            ScoreCase {
                tally: Tally {
                    late_or_early: 6,
                    ..Tally::default()
                },
                deducted: "30",
                score: "0",
                fund: "105.00 yuan (estimate)",
            },
        ];
        for row in rows {
            check_score(&config, row);
        }
    }

    #[test]
    fn without_a_floor_the_score_goes_negative() {
        let config = ScoringConfig {
            attendance_floor: None,
            ..ScoringConfig::hall_defaults()
        };
        check_score(
            &config,
            ScoreCase {
                tally: Tally {
                    absence_half_days: 7,
                    ..Tally::default()
                },
                deducted: "35",
                score: "-5",
                fund: "97.50 yuan (estimate)",
            },
        );
    }

    #[test]
    fn yearly_awards_bar() {
        let config = ScoringConfig::hall_defaults();
        let p = Points::from_tenths;
        let rows: [(&[Points], &str, bool); 5] = [
            (&[], "0", false),
            (&[p(50), p(100), p(135)], "28.5", false),
            (&[p(50), p(100), p(135), p(15)], "30", true), // exactly 30 bars
            (&[p(299)], "29.9", false),
            (&[p(450)], "45", true), // deductions before the floor
        ];
        for (months, deducted, barred) in rows {
            let got = config.year(months);
            assert_eq!(
                (got.deducted.to_string(), got.barred_from_awards),
                (deducted.to_string(), barred)
            );
        }
    }

    #[test]
    fn points_arithmetic_and_display() {
        let rows = [
            (Points::whole(3).per_half_day(1), "1.5"),
            (Points::whole(3).per_half_day(3), "4.5"),
            (Points::from_tenths(25).per_half_day(1), "1.3"), // 1.25 rounds up
            (-Points::from_tenths(15), "-1.5"),
            (-Points::from_tenths(5), "-0.5"),
            (Points::whole(5).times(3), "15"),
            (Points::ZERO, "0"),
        ];
        for (points, want) in rows {
            assert_eq!(points.to_string(), want);
        }
        assert_eq!(
            FundEstimate { fen: -5 }.to_string(),
            "-0.05 yuan (estimate)"
        );
    }
}

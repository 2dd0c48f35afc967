//! The whole monthly 100-point assessment (月度考核) that the inspection office (稽查督办科)
//! compiles at the centre: the item catalogue of the four parts, a person's month scored from the
//! inspection records and the attendance part, the fund with its withholding and proration, the
//! adjustment lines a closed month leaves on the next open sheet, and the year's award
//! eligibility.
//!
//! Values in, values out: the records, the attendance deductions (from [`crate::scoring`] over the
//! punches of every door, merged) and the calendar's working-day counts are parameters. This module
//! reads no clock and no store, and knows nothing of punches.
//!
//! Spec: `central-scoring.md` sections 1-4; its worked examples (section 6) are the tests below.
//! Every **default** of the spec is a field of [`AssessmentConfig`].

use std::collections::BTreeSet;
use std::fmt;

use jiff::civil::Date;
use jiff::Timestamp;

use crate::ids::StaffId;
use crate::scoring::Points;

/// The four parts of the month (regulation lines 233-250).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// 行为规范, 30 points.
    Conduct,
    /// 严格考勤, 30 points: mostly computed from the punches, plus A9 recorded by hand.
    Attendance,
    /// 办件管理, 20 points.
    Cases,
    /// 重大违纪, 20 points.
    Discipline,
}

impl Part {
    /// The four parts in the sheet's order.
    pub const ALL: [Part; 4] = [
        Part::Conduct,
        Part::Attendance,
        Part::Cases,
        Part::Discipline,
    ];

    /// The part's Chinese name, as the sheets print it.
    pub fn zh(self) -> &'static str {
        match self {
            Part::Conduct => "行为规范",
            Part::Attendance => "严格考勤",
            Part::Cases => "办件管理",
            Part::Discipline => "重大违纪",
        }
    }

    fn index(self) -> usize {
        match self {
            Part::Conduct => 0,
            Part::Attendance => 1,
            Part::Cases => 2,
            Part::Discipline => 3,
        }
    }
}

/// An item of the catalogue (spec section 2). The codes are the ones the inspector types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemCode {
    /// Quarrel with a member of the public (与服务对象争吵).
    C1,
    /// Impatience with an inquiry (厌烦情绪).
    C2,
    /// Games, chat, music, films or stocks at the post (上网玩游戏等).
    C3,
    /// Eating, horseplay or dozing at the post (吃零食、嬉戏打闹、打瞌睡).
    C4,
    /// No uniform or badge (未着装佩证).
    C5,
    /// Leaving one's post to wander (串岗), seen by an inspector.
    A9,
    /// An approval item not entered in the e-government system (未录入), per case.
    H1,
    /// A case not completed in time (办理不及时), per case.
    H2,
    /// An enterprise made to come twice under zero-contact approval (两头跑).
    H3,
    /// A violation that harms the hall's image (违纪违规，影响集体形象).
    D1,
    /// Graft: eating, taking, obstructing, demanding (吃拿卡要).
    D2,
}

/// The catalogue's codes with their text, one table for both directions.
const ITEM_CODES: &[(ItemCode, &str)] = &[
    (ItemCode::C1, "C1"),
    (ItemCode::C2, "C2"),
    (ItemCode::C3, "C3"),
    (ItemCode::C4, "C4"),
    (ItemCode::C5, "C5"),
    (ItemCode::A9, "A9"),
    (ItemCode::H1, "H1"),
    (ItemCode::H2, "H2"),
    (ItemCode::H3, "H3"),
    (ItemCode::D1, "D1"),
    (ItemCode::D2, "D2"),
];

impl ItemCode {
    /// Every item, in the catalogue's order.
    pub fn all() -> impl Iterator<Item = ItemCode> {
        ITEM_CODES.iter().map(|(c, _)| *c)
    }

    /// What the item is, as the regulation words it (Chinese), for a form's choice.
    pub fn title_zh(self) -> &'static str {
        match self {
            ItemCode::C1 => "与服务对象争吵",
            ItemCode::C2 => "厌烦情绪",
            ItemCode::C3 => "上网玩游戏、聊天、听音乐、看影视、炒股",
            ItemCode::C4 => "吃零食、嬉戏打闹、打瞌睡",
            ItemCode::C5 => "未着装佩证",
            ItemCode::A9 => "串岗",
            ItemCode::H1 => "审批事项未录入",
            ItemCode::H2 => "办理不及时",
            ItemCode::H3 => "零接触审批让企业两头跑",
            ItemCode::D1 => "违纪违规，影响集体形象",
            ItemCode::D2 => "吃拿卡要",
        }
    }

    /// The code as typed and stored: `C1` ... `D2`.
    pub fn as_str(self) -> &'static str {
        ITEM_CODES
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("?", |(_, s)| s)
    }

    /// Reads a code (`c3` and `C3` alike).
    ///
    /// # Errors
    /// [`AssessmentError::UnknownItem`] naming the text and the known codes.
    pub fn parse(text: &str) -> Result<ItemCode, AssessmentError> {
        let wanted = text.trim();
        ITEM_CODES
            .iter()
            .find(|(_, s)| s.eq_ignore_ascii_case(wanted))
            .map(|(c, _)| *c)
            .ok_or_else(|| AssessmentError::UnknownItem(text.to_string()))
    }

    /// The part the item deducts from.
    pub fn part(self) -> Part {
        match self {
            ItemCode::C1 | ItemCode::C2 | ItemCode::C3 | ItemCode::C4 | ItemCode::C5 => {
                Part::Conduct
            }
            ItemCode::A9 => Part::Attendance,
            ItemCode::H1 | ItemCode::H2 | ItemCode::H3 => Part::Cases,
            ItemCode::D1 | ItemCode::D2 => Part::Discipline,
        }
    }
}

impl fmt::Display for ItemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can be wrong with an inspection record or a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssessmentError {
    #[error("unknown item code {0:?}: expected one of C1-C5, A9, H1-H3, D1, D2")]
    UnknownItem(String),
    #[error("a record counts 1 or more times, found {0}")]
    NoTimes(u32),
    #[error("the withholding flag (filmed and posted, or the discipline commission) belongs to C3 only, found it on {0}")]
    FlagOnlyOnC3(ItemCode),
    #[error("month {year}-{month:02} does not exist")]
    BadMonth { year: i16, month: i8 },
}

/// The id of an inspection record, as the centre numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordId(pub i64);

/// One inspection record: never edited, never deleted; a mistake is voided by a [`Void`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRecord {
    pub id: RecordId,
    pub staff: StaffId,
    pub item: ItemCode,
    /// The day it happened (hall's calendar).
    pub day: Date,
    /// How many times (cases, for H1 and H2).
    pub times: u32,
    /// C3 only: filmed and posted online by the public, or dealt with by the discipline
    /// commission: that month's fund is withheld.
    pub withhold_month: bool,
    /// What was seen, a complaint's number.
    pub note: String,
    pub author: String,
    pub recorded_at: Timestamp,
}

impl ItemRecord {
    /// Checks what a record must hold before it is stored.
    ///
    /// # Errors
    /// [`AssessmentError::NoTimes`] for 0 times, [`AssessmentError::FlagOnlyOnC3`] for the
    /// withholding flag on another item.
    pub fn validate(&self) -> Result<(), AssessmentError> {
        if self.times == 0 {
            return Err(AssessmentError::NoTimes(self.times));
        }
        if self.withhold_month && self.item != ItemCode::C3 {
            return Err(AssessmentError::FlagOnlyOnC3(self.item));
        }
        Ok(())
    }
}

/// A record that voids an earlier one, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Void {
    pub voids: RecordId,
    pub reason: String,
    pub author: String,
    pub recorded_at: Timestamp,
}

/// The records still in force: every item record no void names.
pub fn in_force<'a>(records: &'a [ItemRecord], voids: &[Void]) -> Vec<&'a ItemRecord> {
    let voided: BTreeSet<RecordId> = voids.iter().map(|v| v.voids).collect();
    records.iter().filter(|r| !voided.contains(&r.id)).collect()
}

/// A calendar month of the hall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i16,
    month: i8,
}

impl Month {
    /// `year`-`month`.
    ///
    /// # Errors
    /// [`AssessmentError::BadMonth`] when `month` is not 1-12 or the year is out of jiff's range.
    pub fn new(year: i16, month: i8) -> Result<Month, AssessmentError> {
        jiff::civil::Date::new(year, month, 1)
            .map(|_| Month { year, month })
            .map_err(|_| AssessmentError::BadMonth { year, month })
    }

    /// The month `day` falls in.
    pub fn of(day: Date) -> Month {
        Month {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn year(self) -> i16 {
        self.year
    }

    pub fn month(self) -> i8 {
        self.month
    }

    /// The quarter (1-4): Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec.
    pub fn quarter(self) -> i8 {
        (self.month - 1) / 3 + 1
    }

    /// Whether `day` is in this month.
    pub fn contains(self, day: Date) -> bool {
        Month::of(day) == self
    }

    /// Whether `day` is in this month's quarter.
    pub fn quarter_contains(self, day: Date) -> bool {
        let other = Month::of(day);
        other.year == self.year && other.quarter() == self.quarter()
    }
}

impl fmt::Display for Month {
    /// `2026-05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year, self.month)
    }
}

/// Money in fen (0.01 yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(pub i64);

impl fmt::Display for Fen {
    /// `127.50`, `-150.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Points per item, the parts' limits and the fund: the spec's values and defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentConfig {
    /// Points each time, per item.
    pub points: Vec<(ItemCode, Points)>,
    /// Full marks per part, in [`Part::ALL`]'s order: 30, 30, 20, 20.
    pub part_full: [Points; 4],
    /// **Default** `Some(0)`: a part's score does not go below 0. `None`: no floor.
    pub part_floor: Option<Points>,
    /// The fund at full marks (line 253), **default** 150 yuan.
    pub fund_at_full: Fen,
    /// **Default** true: a person on the list part of the month is paid by working days on the
    /// list ÷ working days of the month.
    pub prorate: bool,
    /// Deductions of a year (before the floor) at or above this bar the person from that year's
    /// awards: 30 (以上 includes 30).
    pub yearly_awards_bar: Points,
}

impl AssessmentConfig {
    /// The regulation's points and the spec's defaults.
    pub fn hall_defaults() -> AssessmentConfig {
        let p = Points::whole;
        AssessmentConfig {
            points: vec![
                (ItemCode::C1, p(7)),
                (ItemCode::C2, p(5)),
                (ItemCode::C3, p(8)),
                (ItemCode::C4, p(5)),
                (ItemCode::C5, p(5)),
                (ItemCode::A9, p(5)),
                (ItemCode::H1, p(5)),
                (ItemCode::H2, p(5)),
                (ItemCode::H3, p(10)),
                (ItemCode::D1, p(10)),
                (ItemCode::D2, p(10)),
            ],
            part_full: [p(30), p(30), p(20), p(20)],
            part_floor: Some(Points::ZERO),
            fund_at_full: Fen(15_000),
            prorate: true,
            yearly_awards_bar: p(30),
        }
    }

    /// The points one time of `item` costs (0 for an item the table leaves out).
    pub fn points_of(&self, item: ItemCode) -> Points {
        self.points
            .iter()
            .find(|(c, _)| *c == item)
            .map_or(Points::ZERO, |(_, p)| *p)
    }

    /// The full marks of the whole month: the parts' sum (100).
    pub fn full_marks(&self) -> Points {
        self.part_full.iter().copied().sum()
    }
}

/// One part of a person's month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartScore {
    pub part: Part,
    pub full: Points,
    /// Everything deducted, before the floor.
    pub deducted: Points,
    /// Out of `full`, floored.
    pub score: Points,
}

/// Why a month's fund is not paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withholding {
    /// A C3 filmed and posted, or dealt with by the commission, in this month (this record).
    C3Flagged(RecordId),
    /// A D1 in this month's quarter (this record).
    D1InQuarter(RecordId),
}

/// The days a person was on the staff list, for proration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnList {
    /// Working days of the month the person was on the list.
    pub working_days_on_list: u32,
    /// Working days of the month.
    pub working_days_in_month: u32,
}

impl OnList {
    /// On the list the whole month.
    pub fn whole_month(working_days: u32) -> OnList {
        OnList {
            working_days_on_list: working_days,
            working_days_in_month: working_days,
        }
    }
}

/// What a person's month is scored from.
#[derive(Debug, Clone, Copy)]
pub struct MonthFacts<'a> {
    pub month: Month,
    /// The attendance part's deductions computed from the punches of every door of the hall
    /// (`ScoringConfig::deduction` of the merged tally), before the floor.
    pub attendance_deducted: Points,
    /// The person's inspection records in force for at least this month's quarter (others are
    /// ignored): the month's items deduct, a D1 anywhere in the quarter withholds.
    pub records: &'a [&'a ItemRecord],
    pub on_list: OnList,
}

/// A person's month, scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthScore {
    pub month: Month,
    /// In [`Part::ALL`]'s order.
    pub parts: [PartScore; 4],
    /// The sum of the parts' scores (0-100).
    pub score: Points,
    /// Every deduction of the month, all parts, before the floor (what the year adds up).
    pub deducted: Points,
    /// The fund the score earns, prorated, before withholding.
    pub earned: Fen,
    /// `None`: paid as earned.
    pub withheld: Option<Withholding>,
    /// What is due for this month: `earned`, or 0 when withheld.
    pub due: Fen,
    /// A D1 this month: the person and their window lose the year's award eligibility.
    pub bars_person_and_window: bool,
}

impl AssessmentConfig {
    /// Scores one person's month.
    pub fn score_month(&self, facts: &MonthFacts<'_>) -> MonthScore {
        let mut deducted = [Points::ZERO; 4];
        deducted[Part::Attendance.index()] = facts.attendance_deducted;
        let mut withheld = None;
        let mut bars = false;
        for r in facts.records {
            if facts.month.contains(r.day) {
                let i = r.item.part().index();
                deducted[i] = deducted[i] + self.points_of(r.item).times(r.times);
                if r.item == ItemCode::C3 && r.withhold_month && withheld.is_none() {
                    withheld = Some(Withholding::C3Flagged(r.id));
                }
                bars |= r.item == ItemCode::D1;
            }
        }
        // A D1 anywhere in the quarter outranks a C3 of the month: the whole quarter is withheld.
        if let Some(d1) = facts
            .records
            .iter()
            .filter(|r| r.item == ItemCode::D1 && facts.month.quarter_contains(r.day))
            .min_by_key(|r| (r.day, r.id))
        {
            withheld = Some(Withholding::D1InQuarter(d1.id));
        }
        let parts = Part::ALL.map(|part| {
            let full = self.part_full[part.index()];
            let raw = full - deducted[part.index()];
            let score = match self.part_floor {
                Some(floor) => raw.max(floor),
                None => raw,
            };
            PartScore {
                part,
                full,
                deducted: deducted[part.index()],
                score,
            }
        });
        let score: Points = parts.iter().map(|p| p.score).sum();
        let earned = self.fund(score, facts.on_list);
        MonthScore {
            month: facts.month,
            parts,
            score,
            deducted: deducted.iter().copied().sum(),
            earned,
            withheld,
            due: if withheld.is_some() { Fen(0) } else { earned },
            bars_person_and_window: bars,
        }
    }

    /// `fund ÷ full marks × score`, prorated by working days on the list, rounded half up to
    /// the fen (one rounding, at the end).
    pub fn fund(&self, score: Points, on_list: OnList) -> Fen {
        let full = i64::from(self.full_marks().tenths()).max(1);
        let (on, of) = if self.prorate && on_list.working_days_in_month > 0 {
            (
                i64::from(
                    on_list
                        .working_days_on_list
                        .min(on_list.working_days_in_month),
                ),
                i64::from(on_list.working_days_in_month),
            )
        } else {
            (1, 1)
        };
        let numerator = self.fund_at_full.0 * i64::from(score.tenths()) * on;
        let denominator = full * of;
        Fen(round_half_up(numerator, denominator))
    }

    /// The person's year from their months' scores: deductions before the floor, and whether
    /// they lose the year's award eligibility (30 or more, or any D1).
    pub fn year(&self, months: &[MonthScore]) -> YearStanding {
        let deducted: Points = months.iter().map(|m| m.deducted).sum();
        let d1 = months.iter().any(|m| m.bars_person_and_window);
        YearStanding {
            deducted,
            barred_by_points: deducted >= self.yearly_awards_bar,
            barred_by_d1: d1,
        }
    }
}

/// `n / d` rounded half up (for `n >= 0`, `d > 0`; half away from zero below 0).
fn round_half_up(n: i64, d: i64) -> i64 {
    let d = d.max(1);
    if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    }
}

/// A person's standing for the year's awards (评先评优).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearStanding {
    /// Every deduction of the year, before each month's floor (全年综合结算扣分).
    pub deducted: Points,
    /// 30 or more deducted.
    pub barred_by_points: bool,
    /// A D1 this year: the person, and their window (A and B alike), are barred.
    pub barred_by_d1: bool,
}

impl YearStanding {
    /// Eligible for the year's awards.
    pub fn eligible(&self) -> bool {
        !self.barred_by_points && !self.barred_by_d1
    }
}

/// What a closed month's sheet paid a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paid {
    pub month: Month,
    pub paid: Fen,
}

/// A line on the next open month's sheet: a closed month whose due amount changed after it was
/// paid (a late punch, an upheld correction, a withholding reaching back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adjustment {
    /// The closed month the line is about.
    pub month: Month,
    pub paid: Fen,
    pub due_now: Fen,
    /// `due_now - paid`: negative is an amount to recover (追回).
    pub difference: Fen,
}

/// The adjustment lines for the closed months `paid`, given what each is due now (`due_now`,
/// scored again with today's records). Months with no change give no line; a month absent from
/// `due_now` is left alone.
pub fn adjustments(paid: &[Paid], due_now: &[MonthScore]) -> Vec<Adjustment> {
    let mut out: Vec<Adjustment> = paid
        .iter()
        .filter_map(|p| {
            let now = due_now.iter().find(|m| m.month == p.month)?;
            (now.due != p.paid).then_some(Adjustment {
                month: p.month,
                paid: p.paid,
                due_now: now.due,
                difference: Fen(now.due.0 - p.paid.0),
            })
        })
        .collect();
    out.sort_by_key(|a| a.month);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn record(id: i64, item: ItemCode, day: Date, times: u32) -> ItemRecord {
        ItemRecord {
            id: RecordId(id),
            staff: StaffId::new("0042").expect("id"),
            item,
            day,
            times,
            withhold_month: false,
            note: String::new(),
            author: "稽查督办科".into(),
            recorded_at: "2026-05-20T02:00:00Z".parse().expect("instant"),
        }
    }

    fn may() -> Month {
        Month::new(2026, 5).expect("month")
    }

    struct Case {
        name: &'static str,
        records: Vec<ItemRecord>,
        late_twice: bool,
        on_list: OnList,
        parts: [&'static str; 4],
        score: &'static str,
        due: &'static str,
    }

    /// The worked examples of `central-scoring.md` section 6, scored for May 2026 (21 working
    /// days unless the case says otherwise).
    #[track_caller]
    fn check(case: Case) {
        let config = AssessmentConfig::hall_defaults();
        let refs: Vec<&ItemRecord> = case.records.iter().collect();
        let attendance = if case.late_twice {
            crate::scoring::ScoringConfig::hall_defaults().deduction(&crate::scoring::Tally {
                late_or_early: 2,
                ..Default::default()
            })
        } else {
            Points::ZERO
        };
        let got = config.score_month(&MonthFacts {
            month: may(),
            attendance_deducted: attendance,
            records: &refs,
            on_list: case.on_list,
        });
        let parts = got.parts.map(|p| p.score.to_string());
        assert_eq!(
            (parts, got.score.to_string(), got.due.to_string()),
            (
                case.parts.map(str::to_string),
                case.score.to_string(),
                case.due.to_string()
            ),
            "{}",
            case.name
        );
    }

    #[test]
    fn the_specs_worked_examples() {
        let d = date(2026, 5, 12);
        let whole = OnList::whole_month(21);
        check(Case {
            name: "clean",
            records: vec![],
            late_twice: false,
            on_list: whole,
            parts: ["30", "30", "20", "20"],
            score: "100",
            due: "150.00",
        });
        check(Case {
            name: "C2 once, late twice",
            records: vec![record(1, ItemCode::C2, d, 1)],
            late_twice: true,
            on_list: whole,
            parts: ["25", "20", "20", "20"],
            score: "85",
            due: "127.50",
        });
        check(Case {
            name: "C1 x5",
            records: vec![record(1, ItemCode::C1, d, 5)],
            late_twice: false,
            on_list: whole,
            parts: ["0", "30", "20", "20"],
            score: "70",
            due: "105.00",
        });
        check(Case {
            name: "H2 x3, H3 x1",
            records: vec![record(1, ItemCode::H2, d, 3), record(2, ItemCode::H3, d, 1)],
            late_twice: false,
            on_list: whole,
            parts: ["30", "30", "0", "20"],
            score: "80",
            due: "120.00",
        });
        let mut filmed = record(1, ItemCode::C3, d, 1);
        filmed.withhold_month = true;
        check(Case {
            name: "C3 filmed and posted",
            records: vec![filmed],
            late_twice: false,
            on_list: whole,
            parts: ["22", "30", "20", "20"],
            score: "92",
            due: "0.00",
        });
        check(Case {
            name: "D1 in May",
            records: vec![record(1, ItemCode::D1, d, 1)],
            late_twice: false,
            on_list: whole,
            parts: ["30", "30", "20", "10"],
            score: "90",
            due: "0.00",
        });
        check(Case {
            name: "half a month on the list",
            records: vec![],
            late_twice: false,
            on_list: OnList {
                working_days_on_list: 11,
                working_days_in_month: 22,
            },
            parts: ["30", "30", "20", "20"],
            score: "100",
            due: "75.00",
        });
    }

    #[test]
    fn c1_five_times_counts_35_in_the_year_though_the_part_stops_at_0() {
        let config = AssessmentConfig::hall_defaults();
        let r = record(1, ItemCode::C1, date(2026, 5, 6), 5);
        let refs = vec![&r];
        let m = config.score_month(&MonthFacts {
            month: may(),
            attendance_deducted: Points::ZERO,
            records: &refs,
            on_list: OnList::whole_month(21),
        });
        assert_eq!(m.deducted, Points::whole(35));
        let year = config.year(&[m]);
        assert_eq!(year.deducted, Points::whole(35));
        assert!(year.barred_by_points && !year.barred_by_d1 && !year.eligible());
    }

    #[test]
    fn a_d1_in_may_withholds_april_and_june_and_leaves_an_adjustment_for_closed_april() {
        let config = AssessmentConfig::hall_defaults();
        let d1 = record(7, ItemCode::D1, date(2026, 5, 20), 1);
        let refs = vec![&d1];
        let score = |month: Month| {
            config.score_month(&MonthFacts {
                month,
                attendance_deducted: Points::ZERO,
                records: &refs,
                on_list: OnList::whole_month(21),
            })
        };
        let april = score(Month::new(2026, 4).expect("month"));
        let june = score(Month::new(2026, 6).expect("month"));
        let july = score(Month::new(2026, 7).expect("month"));
        assert_eq!(april.withheld, Some(Withholding::D1InQuarter(RecordId(7))));
        assert_eq!((april.score, april.due), (Points::whole(100), Fen(0)));
        assert_eq!(june.due, Fen(0));
        assert_eq!(july.due, Fen(15_000), "the next quarter is paid");
        assert!(!april.bars_person_and_window && score(may()).bars_person_and_window);
        let lines = adjustments(
            &[Paid {
                month: april.month,
                paid: Fen(15_000),
            }],
            &[april],
        );
        assert_eq!(
            lines,
            vec![Adjustment {
                month: Month::new(2026, 4).expect("month"),
                paid: Fen(15_000),
                due_now: Fen(0),
                difference: Fen(-15_000),
            }]
        );
        assert_eq!(lines[0].difference.to_string(), "-150.00");
        let year = config.year(&[score(may())]);
        assert!(year.barred_by_d1 && !year.barred_by_points && !year.eligible());
    }

    #[test]
    fn a_voided_record_no_longer_counts() {
        let records = vec![
            record(1, ItemCode::C2, date(2026, 5, 6), 1),
            record(2, ItemCode::C5, date(2026, 5, 7), 1),
        ];
        let voids = vec![Void {
            voids: RecordId(1),
            reason: "认错了人".into(),
            author: "稽查督办科".into(),
            recorded_at: "2026-05-21T02:00:00Z".parse().expect("instant"),
        }];
        let live = in_force(&records, &voids);
        assert_eq!(live.len(), 1);
        assert_eq!(live[0].item, ItemCode::C5);
    }

    #[test]
    fn records_are_checked_and_codes_read_both_ways() {
        for code in ItemCode::all() {
            assert_eq!(ItemCode::parse(code.as_str()), Ok(code));
        }
        assert_eq!(ItemCode::parse(" c3 "), Ok(ItemCode::C3));
        assert_eq!(
            ItemCode::parse("X9").map_err(|e| e.to_string()),
            Err("unknown item code \"X9\": expected one of C1-C5, A9, H1-H3, D1, D2".into())
        );
        let mut r = record(1, ItemCode::C2, date(2026, 5, 6), 1);
        r.withhold_month = true;
        assert_eq!(
            r.validate(),
            Err(AssessmentError::FlagOnlyOnC3(ItemCode::C2))
        );
        r.withhold_month = false;
        r.times = 0;
        assert_eq!(r.validate(), Err(AssessmentError::NoTimes(0)));
        assert!(Month::new(2026, 13).is_err());
    }

    #[test]
    fn the_fund_rounds_half_up_to_the_fen_once() {
        let config = AssessmentConfig::hall_defaults();
        // 150 x 99.5 / 100 = 149.25; prorated 10 of 21 days: 71.0714... -> 71.07.
        let on = OnList {
            working_days_on_list: 10,
            working_days_in_month: 21,
        };
        assert_eq!(config.fund(Points::from_tenths(995), on), Fen(7107));
        // 150 x 0.1 / 100 = 0.15 exactly; 1 of 2 days: 0.075 -> 0.08 (half up).
        let half = OnList {
            working_days_on_list: 1,
            working_days_in_month: 2,
        };
        assert_eq!(config.fund(Points::from_tenths(1), half), Fen(8));
    }
}

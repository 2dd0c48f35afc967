//! The punch-time views the CLI and the console share: a period's [`Sheet`] (the daily sheet,
//! the month grid, a person's calendar), the live [`Board`] of today, and a person's punches of
//! a day for the correction page.
//!
//! Facts come from `store`, verdicts from `core::rules` (`classify`, `board`) as of the `now`
//! the caller passes; no SQL, no rule and no rendering lives here.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;

use super::attendance::{day_start, load_facts};
use super::{AppError, FailedWhile};
use crate::admin::sheet::{DayPunch, Sheet};
use crate::config::Config;
use crate::core::ids::StaffId;
use crate::core::rules::{board, classify, Attendance, Board, BoardFacts, Correction, Period};
use crate::store::{AttendanceFacts, Store};

/// The sheet of `period` as of `now`, of one person when `only` is given.
///
/// # Errors
/// [`AppError::Failed`] when the store cannot be read or a day cannot be placed in the zone.
pub fn sheet_for(
    store: &Store,
    config: &Config,
    period: Period,
    only: Option<&StaffId>,
    now: Timestamp,
) -> Result<Sheet, AppError> {
    let (facts, attendance) = judged(store, config, period, now)?;
    let mut sheet = sheet_of(store, config, period, facts, attendance)?;
    if let Some(staff) = only {
        sheet.days.retain(|d| &d.staff == staff);
    }
    Ok(sheet)
}

/// Today's board at `now`, with the day's sheet for names and doors.
///
/// # Errors
/// As [`sheet_for`].
pub fn today_for(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<(Board, Sheet), AppError> {
    let date = config.rules.engine.schedule.to_civil(now).date();
    let period = Period {
        first: date,
        last: date,
    };
    let (facts, attendance) = judged(store, config, period, now)?;
    let board = board(
        &config.rules.engine,
        BoardFacts {
            calendar: &facts.calendar,
            leaves: &facts.leaves,
            posts: &facts.posts,
        },
        &attendance,
        now,
    )
    .failed_while(|| format!("arranging the board of {date}"))?;
    let sheet = sheet_of(store, config, period, facts, attendance)?;
    Ok((board, sheet))
}

/// `staff`'s punches on `date` (hall time), the supervisor's added ones included, each marked
/// when a correction voided it.
///
/// # Errors
/// [`AppError::Failed`] when the store cannot be read.
pub fn punches_of_day(
    store: &Store,
    config: &Config,
    staff: &StaffId,
    date: Date,
) -> Result<Vec<DayPunch>, AppError> {
    let (from, until) = day_bounds(config, date, date)?;
    let punches = store
        .punches_between(from, until, Some(staff))
        .failed_while(|| format!("listing the punches of {staff} on {date}"))?;
    let amendments = store
        .amendments_between(from, until, Some(staff))
        .failed_while(|| format!("listing the corrections of {staff} on {date}"))?;
    let voided = |at: Timestamp| {
        amendments
            .iter()
            .any(|a| a.amendment.correction == Correction::VoidPunch { at })
    };
    let mut out: Vec<DayPunch> = punches
        .iter()
        .map(|p| DayPunch {
            at: p.punch.at,
            device: p.device.clone(),
            added: false,
            voided: voided(p.punch.at),
        })
        .collect();
    for a in &amendments {
        if let Correction::AddPunch { at } = a.amendment.correction {
            out.push(DayPunch {
                at,
                device: a.amendment.author.to_string(),
                added: true,
                voided: voided(at),
            });
        }
    }
    out.sort_by_key(|p| p.at);
    Ok(out)
}

fn judged(
    store: &Store,
    config: &Config,
    period: Period,
    now: Timestamp,
) -> Result<(AttendanceFacts, Attendance), AppError> {
    let facts = load_facts(store, config, period)?;
    let attendance = classify(&config.rules.engine, &facts.facts(), period, now)
        .failed_while(|| format!("judging {} to {}", period.first, period.last))?;
    Ok((facts, attendance))
}

fn sheet_of(
    store: &Store,
    config: &Config,
    period: Period,
    facts: AttendanceFacts,
    attendance: Attendance,
) -> Result<Sheet, AppError> {
    let (from, until) = day_bounds(config, period.first, period.last)?;
    let doors: BTreeMap<(StaffId, Timestamp), String> = store
        .punches_between(from, until, None)
        .failed_while(|| "listing the period's punches".into())?
        .into_iter()
        .map(|p| ((p.punch.staff, p.punch.at), p.device))
        .collect();
    Ok(Sheet {
        days: attendance.days,
        names: facts.names,
        doors,
    })
}

/// From the start of `first` to the start of the day after `last`, hall time.
fn day_bounds(
    config: &Config,
    first: Date,
    last: Date,
) -> Result<(Timestamp, Timestamp), AppError> {
    let zone = &config.rules.engine.schedule.zone;
    let after = last
        .tomorrow()
        .failed_while(|| format!("the day after {last}"))?;
    Ok((day_start(zone, first)?, day_start(zone, after)?))
}

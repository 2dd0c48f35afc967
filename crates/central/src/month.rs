//! The month's operations the commands and the pages share: load a hall's facts from the
//! store, score them with `sheet`, and close a month. Joins `store` to `sheet`; decides nothing of
//! its own beyond which lines a sheet carries.
//!
//! A closed month's sheet is read back as it was frozen. The first open month after the last
//! closed one carries the adjustment lines: every closed month whose facts changed after the last
//! closing is scored again and compared with what was paid for it.

use hallclock_core::assessment::{AssessmentError, ItemCode, ItemRecord, Month};
use hallclock_core::calendar::{Calendar, DutyRoster};
use hallclock_core::ids::StaffId;
use hallclock_core::leave::LeaveBook;
use hallclock_core::rules::Meeting;
use jiff::Timestamp;

use crate::sheet::{
    self, days_of, instants_of, quarter_days_of, AdjustmentRow, Line, MonthInput, Settings,
    SheetError, SheetRow, YearLine,
};
use crate::store::{AuditEntry, Closing, DoorPunch, HallRow, RecordLine, Store, StoreError};

/// Why a month could not be shown or closed.
#[derive(Debug, thiserror::Error)]
pub enum MonthError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error(transparent)]
    Month(#[from] AssessmentError),
    #[error("holiday file {name:?} stored at the centre does not read: {cause}")]
    Calendar {
        name: String,
        cause: hallclock_core::calendar::CalendarError,
    },
    #[error("month {month} has not ended in the hall's zone ({zone}); a month closes after its last day")]
    NotEnded { month: Month, zone: String },
    #[error("{staff} is not on hall {hall}'s list in {month}")]
    NotOnList {
        staff: StaffId,
        hall: String,
        month: Month,
    },
}

/// A hall's month sheet: one line per person on the list, and the adjustment lines it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub hall: HallRow,
    pub month: Month,
    /// `Some`: the month is closed and these lines are as it froze them.
    pub closed: Option<Closing>,
    pub rows: Vec<SheetRow>,
    pub adjustments: Vec<AdjustmentRow>,
}

/// The county's holiday calendar as the centre keeps it (`calendar import`).
///
/// # Errors
/// [`MonthError::Calendar`] naming the file, [`MonthError::Store`].
pub async fn calendar(store: &Store) -> Result<Calendar, MonthError> {
    let mut calendar = Calendar::hall_defaults();
    for (name, body) in store.holiday_files().await? {
        calendar
            .add_holiday_file(&body)
            .map_err(|cause| MonthError::Calendar { name, cause })?;
    }
    Ok(calendar)
}

/// The records in force of `month`'s quarter.
async fn records_in_force(
    store: &Store,
    hall: &str,
    month: Month,
) -> Result<Vec<ItemRecord>, MonthError> {
    let (first, last) = quarter_days_of(month)?;
    Ok(store
        .records(hall, first, last)
        .await?
        .into_iter()
        .filter(|l| l.voided.is_none())
        .map(|l| l.record)
        .collect())
}

/// Scores `month` of `hall` as of `now` from the store's facts (every door's punches merged):
/// everyone on the list, or only `person`.
///
/// # Errors
/// [`MonthError`].
pub async fn score(
    store: &Store,
    hall: &HallRow,
    calendar: &Calendar,
    month: Month,
    now: Timestamp,
    person: Option<&StaffId>,
) -> Result<Vec<Line>, MonthError> {
    let (first, last) = days_of(month)?;
    let (from, to) = instants_of(month, &hall.zone)?;
    let mut staff = store.members(&hall.id, first, last).await?;
    let mut records = records_in_force(store, &hall.id, month).await?;
    let punches = match person {
        None => store.hall_punches(&hall.id, from, to).await?,
        Some(p) => {
            staff.retain(|m| &m.id == p);
            records.retain(|r| &r.staff == p);
            store.hall_punches_of(&hall.id, p, from, to).await?
        }
    };
    let mut leaves = LeaveBook::new();
    for line in store.leaves(&hall.id, first, last).await? {
        if line.in_force() && person.is_none_or(|p| p == &line.leave.staff) {
            leaves
                .add(line.leave)
                .map_err(|e| MonthError::Store(StoreError::Leave(e.to_string())))?;
        }
    }
    let mut roster = DutyRoster::new();
    for entry in store.duty(&hall.id, first, last).await? {
        roster.add(entry);
    }
    let meetings: Vec<Meeting> = store
        .meetings(&hall.id, Some((from, to)))
        .await?
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    let settings = Settings::hall_defaults(hall.zone.clone());
    Ok(sheet::score_month(
        &settings,
        &MonthInput {
            month,
            calendar,
            staff: &staff,
            punches: &punches,
            records: &records,
            leaves: &leaves,
            roster: &roster,
            meetings: &meetings,
        },
        now,
    )?)
}

/// The sheet of `month`: frozen if closed; otherwise scored as of `now`, with the adjustment
/// lines when it is the first open month after the last closed one.
///
/// # Errors
/// [`MonthError`].
pub async fn sheet(
    store: &Store,
    hall: &str,
    month: Month,
    now: Timestamp,
) -> Result<Sheet, MonthError> {
    let hall = store.hall(hall).await?;
    let closings = store.closings(&hall.id).await?;
    if let Some(closed) = closings.iter().find(|c| c.month == month) {
        return Ok(Sheet {
            rows: store.sheet_lines(&hall.id, month).await?,
            adjustments: store.adjustment_lines(&hall.id, month).await?,
            closed: Some(closed.clone()),
            month,
            hall,
        });
    }
    let calendar = calendar(store).await?;
    let rows = score(store, &hall, &calendar, month, now, None)
        .await?
        .iter()
        .map(SheetRow::from)
        .collect();
    let first_open = closings.last().and_then(|c| sheet::next(c.month)) == Some(month);
    let adjustments = if first_open {
        adjustments(store, &hall, &calendar, &closings, now).await?
    } else {
        Vec::new()
    };
    Ok(Sheet {
        hall,
        month,
        closed: None,
        rows,
        adjustments,
    })
}

async fn adjustments(
    store: &Store,
    hall: &HallRow,
    calendar: &Calendar,
    closings: &[Closing],
    now: Timestamp,
) -> Result<Vec<AdjustmentRow>, MonthError> {
    let changed = store.changed_since_last_closing(hall, closings).await?;
    if changed.is_empty() {
        return Ok(Vec::new());
    }
    let mut rescored = Vec::new();
    for m in changed {
        rescored.push((m, score(store, hall, calendar, m, now, None).await?));
    }
    let paid = store.paid(&hall.id).await?;
    let names = store.staff_names(&hall.id).await?;
    Ok(sheet::adjustments(&paid, &rescored, &names))
}

/// Closes `month` of `hall` as `by`: its sheet as of `now` (with its adjustment lines) is frozen,
/// and `audit` (when given) written in the same transaction.
///
/// # Errors
/// [`MonthError::NotEnded`] before the month's end, [`StoreError::Exists`] when it is closed,
/// [`StoreError::OutOfOrder`] when an earlier month is still open.
pub async fn close(
    store: &mut Store,
    hall: &str,
    month: Month,
    by: &str,
    now: Timestamp,
    audit: Option<&AuditEntry>,
) -> Result<Sheet, MonthError> {
    let row = store.hall(hall).await?;
    let (_, end) = instants_of(month, &row.zone)?;
    if now < end {
        return Err(MonthError::NotEnded {
            month,
            zone: row.zone.iana_name().unwrap_or("?").to_string(),
        });
    }
    let open = sheet(store, hall, month, now).await?;
    if open.closed.is_none() {
        store
            .close_month(hall, month, by, &open.rows, &open.adjustments, audit)
            .await?;
    }
    sheet(store, hall, month, now).await
}

/// The year's award standing of everyone on the hall's list that year (or only `person`), from
/// the months up to `now` (scored again with today's facts).
///
/// # Errors
/// [`MonthError`].
pub async fn year(
    store: &Store,
    hall: &str,
    year: i16,
    now: Timestamp,
    person: Option<&StaffId>,
) -> Result<Vec<YearLine>, MonthError> {
    let hall = store.hall(hall).await?;
    let calendar = calendar(store).await?;
    let (jan, dec) = (Month::new(year, 1)?, Month::new(year, 12)?);
    let mut months = Vec::new();
    for m in 1..=12 {
        let month = Month::new(year, m)?;
        let (from, _) = instants_of(month, &hall.zone)?;
        if from > now {
            break;
        }
        months.push((
            month,
            score(store, &hall, &calendar, month, now, person).await?,
        ));
    }
    let (first, last) = (days_of(jan)?.0, days_of(dec)?.1);
    let everyone = store.members(&hall.id, first, last).await?;
    let settings = Settings::hall_defaults(hall.zone.clone());
    let Some(p) = person else {
        return Ok(sheet::year(&settings, &everyone, &months));
    };
    let theirs: Vec<_> = everyone.iter().filter(|m| &m.id == p).cloned().collect();
    let mut lines = sheet::year(&settings, &theirs, &months);
    // The window's bar: a D1 in force this year of someone else holding the same post.
    let post_of = |id: &StaffId| {
        everyone
            .iter()
            .find(|m| &m.id == id)
            .and_then(|m| m.post.clone())
    };
    let d1_of_window = store
        .records(&hall.id, first, last)
        .await?
        .into_iter()
        .filter(|l| l.voided.is_none() && l.record.item == ItemCode::D1 && &l.record.staff != p)
        .find(|l| post_of(&l.record.staff).is_some_and(|post| Some(post) == post_of(p)));
    if let (Some(d1), Some(line)) = (d1_of_window, lines.first_mut()) {
        line.barred_by_window = Some(d1.record.staff);
    }
    Ok(lines)
}

/// Everything about one person's month: their line, every record (voided ones too) and every
/// punch with its door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonMonth {
    pub hall: HallRow,
    pub month: Month,
    pub row: SheetRow,
    pub records: Vec<RecordLine>,
    pub punches: Vec<DoorPunch>,
}

/// One person's month as of `now`.
///
/// # Errors
/// [`MonthError::NotOnList`], [`MonthError`].
pub async fn person(
    store: &Store,
    hall: &str,
    staff: &StaffId,
    month: Month,
    now: Timestamp,
) -> Result<PersonMonth, MonthError> {
    let hall = store.hall(hall).await?;
    // Their line only: frozen when the month is closed, else this person scored alone (the
    // rest of the hall is not classified for one person's page).
    let closed = store
        .closings(&hall.id)
        .await?
        .iter()
        .any(|c| c.month == month);
    let row = if closed {
        store
            .sheet_lines(&hall.id, month)
            .await?
            .into_iter()
            .find(|r| &r.staff == staff)
    } else {
        let calendar = calendar(store).await?;
        score(store, &hall, &calendar, month, now, Some(staff))
            .await?
            .first()
            .map(SheetRow::from)
    };
    let row = row.ok_or_else(|| MonthError::NotOnList {
        staff: staff.clone(),
        hall: hall.id.clone(),
        month,
    })?;
    let (first, last) = days_of(month)?;
    let (from, to) = instants_of(month, &hall.zone)?;
    let records = store
        .records(&hall.id, first, last)
        .await?
        .into_iter()
        .filter(|l| &l.record.staff == staff)
        .collect();
    let punches = store.person_punches(&hall.id, staff, from, to).await?;
    Ok(PersonMonth {
        hall,
        month,
        row,
        records,
        punches,
    })
}

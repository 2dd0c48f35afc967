//! The calendar tables: `calendar_days` (holidays and make-up working days, 调休),
//! `summer_periods`, and the trigger-bumped `rules_generation` the running door polls. Must not
//! decide whether a day is a working day or which season it is in: `core::calendar` does, from
//! what is loaded here.

use std::collections::BTreeSet;

use jiff::civil::Date;
use rusqlite::{params, Transaction};

use super::count;
use crate::core::calendar::{Calendar, SummerRule};
use crate::store::audit::{write_audit, Audit};
use crate::store::{corrupt, date, select, sql, Store, StoreError};

impl Store {
    /// Replaces the calendar of `years` with `days` (date, holiday or not, name) and `summers`
    /// (first and last day of a year's summer), in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn replace_calendar_years(
        &mut self,
        years: &BTreeSet<i16>,
        days: &[(Date, bool, String)],
        summers: &[(Date, Date)],
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "import the calendar";
        let tx = self.write(action)?;
        for year in years {
            let (first, last) = (format!("{year:04}-01-01"), format!("{year:04}-12-31"));
            tx.execute(
                "DELETE FROM calendar_days WHERE date >= ?1 AND date <= ?2",
                params![first, last],
            )
            .map_err(sql(action))?;
            tx.execute(
                "DELETE FROM summer_periods WHERE year = ?1",
                params![i64::from(*year)],
            )
            .map_err(sql(action))?;
        }
        for (date, holiday, name) in days {
            tx.execute(
                "INSERT INTO calendar_days (date, kind, name) VALUES (?1, ?2, ?3)
                 ON CONFLICT (date) DO UPDATE SET kind = excluded.kind, name = excluded.name",
                params![
                    date.to_string(),
                    if *holiday { "holiday" } else { "workday" },
                    name
                ],
            )
            .map_err(sql(action))?;
        }
        for (first, last) in summers {
            tx.execute(
                "INSERT INTO summer_periods (year, first_date, last_date) VALUES (?1, ?2, ?3)
                 ON CONFLICT (year) DO UPDATE SET first_date = excluded.first_date,
                     last_date = excluded.last_date",
                params![i64::from(first.year()), first.to_string(), last.to_string()],
            )
            .map_err(sql(action))?;
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// A number that changes whenever the calendar, the summer periods, the posts, the leave or
    /// the duty roster change (a trigger bumps it): the running door polls it to reload its
    /// engine's facts.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn rules_generation(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT n FROM rules_generation WHERE id = 1", [], |r| {
                r.get(0)
            })
            .map_err(sql("read the rules generation"))
    }

    /// The stored calendar on top of `summer_rule` (for years without their own summer period).
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn calendar(&self, summer_rule: SummerRule) -> Result<Calendar, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(sql("load the calendar"))?;
        load_calendar(&tx, summer_rule)
    }

    /// Counts of the calendar's rows: (declared days, summer periods).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn calendar_counts(&self) -> Result<(usize, usize), StoreError> {
        Ok((
            count(
                self,
                "SELECT COUNT(*) FROM calendar_days",
                "count calendar days",
            )?,
            count(
                self,
                "SELECT COUNT(*) FROM summer_periods",
                "count summer periods",
            )?,
        ))
    }
}

pub(super) fn load_calendar(
    tx: &Transaction<'_>,
    summer_rule: SummerRule,
) -> Result<Calendar, StoreError> {
    let action = "load the calendar";
    let mut calendar = Calendar::new(summer_rule);
    let days = select(
        tx,
        action,
        "SELECT date, kind, name FROM calendar_days ORDER BY date",
        [],
        |c| {
            Ok((
                date(&c.get::<String>(0)?, "calendar_days.date")?,
                c.get::<String>(1)?,
                c.get::<String>(2)?,
            ))
        },
    )?;
    for (d, kind, name) in days {
        let added = match kind.as_str() {
            "holiday" => calendar.add_holiday(d, &name),
            "workday" => calendar.add_workday(d, &name),
            other => return Err(corrupt("calendar_days.kind", other)),
        };
        added.map_err(|e| corrupt("calendar_days", e))?;
    }
    let summers = select(
        tx,
        action,
        "SELECT first_date, last_date FROM summer_periods ORDER BY year",
        [],
        |c| {
            Ok((
                date(&c.get::<String>(0)?, "summer_periods.first_date")?,
                date(&c.get::<String>(1)?, "summer_periods.last_date")?,
            ))
        },
    )?;
    for (first, last) in summers {
        calendar
            .set_summer(first, last)
            .map_err(|e| corrupt("summer_periods", e))?;
    }
    Ok(calendar)
}

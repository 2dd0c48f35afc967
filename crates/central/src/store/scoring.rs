//! The SQL of the month's scoring: the staff list's dates and posts, the county's holiday files,
//! the inspection office's records and voids, a hall-month's punches from every door, and closed
//! months with the sheet and adjustment lines they froze (migration 0002).
//!
//! Days cross the driver as ISO text (`'2026-05-12'::date`, `day::text`), instants as
//! microseconds since the epoch: the driver reads no jiff 1 types.

use std::collections::BTreeMap;

use hallclock_core::assessment::{
    Adjustment, Fen, ItemCode, ItemRecord, Month, OnList, Paid, RecordId,
};
use hallclock_core::ids::StaffId;
use hallclock_core::rules::Punch;
use hallclock_core::scoring::Points;
use jiff::civil::Date;
use jiff::Timestamp;

use tokio_postgres::GenericClient;

use super::accounts::{commit_with, AuditEntry};
use super::{found, query, Store, StoreError};
use crate::sheet::{days_of, instants_of, AdjustmentRow, Member, PaidLine, SheetRow};

/// A hall's name and zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HallRow {
    pub id: String,
    pub name: String,
    pub zone: jiff::tz::TimeZone,
}

/// A record as the record list shows it: the record, and its void if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLine {
    pub record: ItemRecord,
    /// (reason, author) of the void.
    pub voided: Option<(String, String)>,
}

/// A closed month of a hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub month: Month,
    pub closed_by: String,
    pub closed_at: Timestamp,
}

/// A punch with the door that took it, for a person's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorPunch {
    pub device: String,
    pub seq: i64,
    pub at: Timestamp,
    pub clock_trusted: bool,
}

/// An instant column as microseconds since the Unix epoch (`int8`).
macro_rules! epoch_us {
    ($col:literal) => {
        concat!("(extract(epoch from ", $col, ") * 1000000)::int8")
    };
}

pub(super) fn instant_us(us: i64, what: &'static str) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|e| StoreError::Corrupt {
        what,
        value: format!("{us} µs: {e}"),
    })
}

pub(super) fn day(text: &str, what: &'static str) -> Result<Date, StoreError> {
    text.parse().map_err(|e: jiff::Error| StoreError::Corrupt {
        what,
        value: format!("{text}: {e}"),
    })
}

fn month_day(m: Month) -> Result<String, StoreError> {
    days_of(m)
        .map(|(first, _)| first.to_string())
        .map_err(|e| StoreError::Corrupt {
            what: "a month",
            value: e.to_string(),
        })
}

fn month_of(text: &str, what: &'static str) -> Result<Month, StoreError> {
    Ok(Month::of(day(text, what)?))
}

pub(super) fn staff_id(text: String, what: &'static str) -> Result<StaffId, StoreError> {
    StaffId::new(&text).map_err(|e| StoreError::Corrupt {
        what,
        value: format!("{text}: {e}"),
    })
}

fn points(tenths: i32) -> Points {
    Points::from_tenths(tenths)
}

fn count(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn zone_err(e: jiff::Error) -> StoreError {
    StoreError::Corrupt {
        what: "a hall's time zone",
        value: e.to_string(),
    }
}

/// Stores a record through `c` (the client, or a change's transaction); its id.
pub(super) async fn insert_record<C: GenericClient>(
    c: &C,
    hall: &str,
    r: &ItemRecord,
) -> Result<RecordId, StoreError> {
    let times = i32::try_from(r.times).unwrap_or(i32::MAX);
    let row = c
        .query_one(
            "INSERT INTO item_records (hall, staff_id, item, day, times, withhold_month, note,
                                       author)
             VALUES ($1, $2, $3, $4::text::date, $5, $6, $7, $8) RETURNING id",
            &[
                &hall,
                &r.staff.as_str(),
                &r.item.as_str(),
                &r.day.to_string(),
                &times,
                &r.withhold_month,
                &r.note,
                &r.author,
            ],
        )
        .await
        .map_err(|e| match e.code() {
            Some(c) if *c == tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION => {
                StoreError::NotFound {
                    what: "staff id in that hall",
                    id: r.staff.as_str().to_string(),
                }
            }
            _ => StoreError::Query {
                what: "storing a record",
                cause: e,
            },
        })?;
    Ok(RecordId(row.get(0)))
}

/// Voids record `id` of `hall` through `c`; the rows written (0: no such record in the hall).
pub(super) async fn insert_void<C: GenericClient>(
    c: &C,
    hall: &str,
    id: RecordId,
    reason: &str,
    author: &str,
) -> Result<u64, StoreError> {
    c.execute(
        "INSERT INTO item_voids (record, reason, author)
         SELECT id, $3, $4 FROM item_records WHERE id = $1 AND hall = $2",
        &[&id.0, &hall, &reason, &author],
    )
    .await
    .map_err(|e| super::exists_or(e, "void of record", &id.0.to_string(), "voiding a record"))
}

impl Store {
    /// A hall's name and zone.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Corrupt`] (a zone this machine does not know),
    /// [`StoreError::Query`].
    pub async fn hall(&self, id: &str) -> Result<HallRow, StoreError> {
        let row = self
            .client
            .query_opt("SELECT name, zone FROM halls WHERE id = $1", &[&id])
            .await
            .map_err(query("reading a hall"))?
            .ok_or_else(|| StoreError::NotFound {
                what: "hall",
                id: id.to_string(),
            })?;
        let zone: String = row.get(1);
        Ok(HallRow {
            id: id.to_string(),
            name: row.get(0),
            zone: jiff::tz::TimeZone::get(&zone).map_err(zone_err)?,
        })
    }

    /// Every hall's (id, name), by id.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn hall_names(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self
            .client
            .query("SELECT id, name FROM halls ORDER BY id", &[])
            .await
            .map_err(query("listing the halls"))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// Every hall's id, in order.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn hall_ids(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client
            .query("SELECT id FROM halls ORDER BY id", &[])
            .await
            .map_err(query("listing the halls"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Sets a hall's time zone (an IANA name this machine's tz database knows).
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Query`].
    pub async fn set_hall_zone(&self, id: &str, zone: &str) -> Result<(), StoreError> {
        let n = self
            .client
            .execute("UPDATE halls SET zone = $2 WHERE id = $1", &[&id, &zone])
            .await
            .map_err(query("setting a hall's zone"))?;
        found(n, "hall", id)
    }

    /// Sets a person's days on the list and window; `None` leaves a field as it is.
    ///
    /// # Errors
    /// [`StoreError::NotFound`], [`StoreError::Query`] (e.g. the last day before the first).
    pub async fn set_staff_facts(
        &self,
        hall: &str,
        id: &StaffId,
        active_from: Option<Date>,
        active_until: Option<Date>,
        post: Option<&str>,
    ) -> Result<(), StoreError> {
        let from = active_from.map(|d| d.to_string());
        let until = active_until.map(|d| d.to_string());
        let n = self
            .client
            .execute(
                "UPDATE staff SET active_from = coalesce($3::text::date, active_from),
                                  active_until = coalesce($4::text::date, active_until),
                                  post = coalesce($5, post)
                 WHERE hall = $1 AND id = $2",
                &[&hall, &id.as_str(), &from, &until, &post],
            )
            .await
            .map_err(query("setting a person's days and window"))?;
        found(n, "staff id", id.as_str())
    }

    /// Everyone on the hall's list at some day of `first..=last`, by id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn members(
        &self,
        hall: &str,
        first: Date,
        last: Date,
    ) -> Result<Vec<Member>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT id, name, post, active_from::text, active_until::text FROM staff
                 WHERE hall = $1
                   AND (active_from IS NULL OR active_from <= $3::text::date)
                   AND (active_until IS NULL OR active_until >= $2::text::date)
                 ORDER BY id",
                &[&hall, &first.to_string(), &last.to_string()],
            )
            .await
            .map_err(query("reading the staff list"))?;
        rows.iter()
            .map(|r| {
                let date = |i: usize| {
                    r.get::<_, Option<String>>(i)
                        .map(|t| day(&t, "staff.active_from/until"))
                        .transpose()
                };
                Ok(Member {
                    id: staff_id(r.get(0), "staff.id")?,
                    name: r.get(1),
                    post: r.get(2),
                    active_from: date(3)?,
                    active_until: date(4)?,
                })
            })
            .collect()
    }

    /// Everyone ever on the hall's list (whatever their days), by id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn hall_staff(&self, hall: &str) -> Result<Vec<Member>, StoreError> {
        self.members(
            hall,
            jiff::civil::date(1, 1, 1),
            jiff::civil::date(9999, 12, 31),
        )
        .await
    }

    /// Keeps a holiday file under `name` (a later import of the same name replaces it).
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn put_holiday_file(&self, name: &str, body: &str) -> Result<(), StoreError> {
        self.client
            .execute(
                "INSERT INTO holiday_files (name, body) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body, imported_at = now()",
                &[&name, &body],
            )
            .await
            .map_err(query("keeping a holiday file"))?;
        Ok(())
    }

    /// Every holiday file, by name.
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn holiday_files(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows = self
            .client
            .query("SELECT name, body FROM holiday_files ORDER BY name", &[])
            .await
            .map_err(query("reading the holiday files"))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    /// The hall's punches in `[from, to)` from every door, in time order.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn hall_punches(
        &self,
        hall: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Punch>, StoreError> {
        let rows = self
            .client
            .query(
                concat!(
                    "SELECT staff_id, ",
                    epoch_us!("at"),
                    ", clock_trusted FROM punches
                     WHERE hall = $1 AND at >= $2::text::timestamptz AND at < $3::text::timestamptz
                     ORDER BY at"
                ),
                &[&hall, &from.to_string(), &to.to_string()],
            )
            .await
            .map_err(query("reading a hall's punches"))?;
        rows.into_iter()
            .map(|r| {
                Ok(Punch {
                    staff: staff_id(r.get(0), "punches.staff_id")?,
                    at: instant_us(r.get(1), "punches.at")?,
                    clock_trusted: r.get(2),
                })
            })
            .collect()
    }

    /// One person's punches in `[from, to)` from every door, in time order.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn hall_punches_of(
        &self,
        hall: &str,
        staff: &StaffId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Punch>, StoreError> {
        Ok(self
            .person_punches(hall, staff, from, to)
            .await?
            .into_iter()
            .map(|d| Punch {
                staff: staff.clone(),
                at: d.at,
                clock_trusted: d.clock_trusted,
            })
            .collect())
    }

    /// One person's punches in `[from, to)` with the door that took each.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn person_punches(
        &self,
        hall: &str,
        staff: &StaffId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<DoorPunch>, StoreError> {
        let rows = self
            .client
            .query(
                concat!(
                    "SELECT device, seq, ",
                    epoch_us!("at"),
                    ", clock_trusted FROM punches
                     WHERE hall = $1 AND staff_id = $2
                       AND at >= $3::text::timestamptz AND at < $4::text::timestamptz
                     ORDER BY at, device, seq"
                ),
                &[&hall, &staff.as_str(), &from.to_string(), &to.to_string()],
            )
            .await
            .map_err(query("reading a person's punches"))?;
        rows.into_iter()
            .map(|r| {
                Ok(DoorPunch {
                    device: r.get(0),
                    seq: r.get(1),
                    at: instant_us(r.get(2), "punches.at")?,
                    clock_trusted: r.get(3),
                })
            })
            .collect()
    }

    /// The hall's records whose day is in `first..=last`, with their voids, by day and id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn records(
        &self,
        hall: &str,
        first: Date,
        last: Date,
    ) -> Result<Vec<RecordLine>, StoreError> {
        let rows = self
            .client
            .query(
                concat!(
                    "SELECT r.id, r.staff_id, r.item, r.day::text, r.times, r.withhold_month,
                            r.note, r.author, ",
                    epoch_us!("r.recorded_at"),
                    ", v.reason, v.author
                     FROM item_records r LEFT JOIN item_voids v ON v.record = r.id
                     WHERE r.hall = $1 AND r.day BETWEEN $2::text::date AND $3::text::date
                     ORDER BY r.day, r.id"
                ),
                &[&hall, &first.to_string(), &last.to_string()],
            )
            .await
            .map_err(query("reading the records"))?;
        rows.into_iter()
            .map(|r| {
                let item: String = r.get(2);
                let reason: Option<String> = r.get(9);
                let void_author: Option<String> = r.get(10);
                Ok(RecordLine {
                    record: ItemRecord {
                        id: RecordId(r.get(0)),
                        staff: staff_id(r.get(1), "item_records.staff_id")?,
                        item: ItemCode::parse(&item).map_err(|e| StoreError::Corrupt {
                            what: "item_records.item",
                            value: e.to_string(),
                        })?,
                        day: day(&r.get::<_, String>(3), "item_records.day")?,
                        times: count(r.get(4)),
                        withhold_month: r.get(5),
                        note: r.get(6),
                        author: r.get(7),
                        recorded_at: instant_us(r.get(8), "item_records.recorded_at")?,
                    },
                    voided: reason.zip(void_author),
                })
            })
            .collect()
    }

    /// The hall's closed months, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn closings(&self, hall: &str) -> Result<Vec<Closing>, StoreError> {
        let rows = self
            .client
            .query(
                concat!(
                    "SELECT month::text, closed_by, ",
                    epoch_us!("closed_at"),
                    " FROM month_closings WHERE hall = $1 ORDER BY month"
                ),
                &[&hall],
            )
            .await
            .map_err(query("reading the closed months"))?;
        rows.into_iter()
            .map(|r| {
                Ok(Closing {
                    month: month_of(&r.get::<_, String>(0), "month_closings.month")?,
                    closed_by: r.get(1),
                    closed_at: instant_us(r.get(2), "month_closings.closed_at")?,
                })
            })
            .collect()
    }

    /// The lines a closed month's sheet froze, by staff id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn sheet_lines(&self, hall: &str, month: Month) -> Result<Vec<SheetRow>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT staff_id, name, conduct, attendance, cases, discipline, score, deducted,
                        days_on_list, days_in_month, earned_fen, withheld, due_fen
                 FROM sheet_lines WHERE hall = $1 AND month = $2::text::date ORDER BY staff_id",
                &[&hall, &month_day(month)?],
            )
            .await
            .map_err(query("reading a closed sheet"))?;
        rows.into_iter()
            .map(|r| {
                Ok(SheetRow {
                    staff: staff_id(r.get(0), "sheet_lines.staff_id")?,
                    name: r.get(1),
                    parts: [
                        points(r.get(2)),
                        points(r.get(3)),
                        points(r.get(4)),
                        points(r.get(5)),
                    ],
                    score: points(r.get(6)),
                    deducted: points(r.get(7)),
                    on_list: OnList {
                        working_days_on_list: count(r.get(8)),
                        working_days_in_month: count(r.get(9)),
                    },
                    earned: Fen(r.get(10)),
                    withheld: r.get(11),
                    due: Fen(r.get(12)),
                })
            })
            .collect()
    }

    /// The adjustment lines a closed month's sheet carried.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn adjustment_lines(
        &self,
        hall: &str,
        month: Month,
    ) -> Result<Vec<AdjustmentRow>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT a.staff_id, coalesce(s.name, ''), a.about_month::text, a.paid_fen,
                        a.due_now_fen, a.difference_fen
                 FROM adjustment_lines a LEFT JOIN staff s ON s.hall = a.hall AND s.id = a.staff_id
                 WHERE a.hall = $1 AND a.month = $2::text::date
                 ORDER BY a.about_month, a.staff_id",
                &[&hall, &month_day(month)?],
            )
            .await
            .map_err(query("reading a closed sheet's adjustments"))?;
        rows.into_iter()
            .map(|r| {
                Ok(AdjustmentRow {
                    staff: staff_id(r.get(0), "adjustment_lines.staff_id")?,
                    name: r.get(1),
                    adjustment: Adjustment {
                        month: month_of(&r.get::<_, String>(2), "adjustment_lines.about_month")?,
                        paid: Fen(r.get(3)),
                        due_now: Fen(r.get(4)),
                        difference: Fen(r.get(5)),
                    },
                })
            })
            .collect()
    }

    /// What each closed month of the hall has paid each person so far: the closed sheet's due
    /// plus every adjustment later closed sheets carried for it.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn paid(&self, hall: &str) -> Result<Vec<PaidLine>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT l.staff_id, l.month::text,
                        l.due_fen + coalesce((SELECT sum(a.difference_fen) FROM adjustment_lines a
                                              WHERE a.hall = l.hall AND a.staff_id = l.staff_id
                                                AND a.about_month = l.month), 0)::int8
                 FROM sheet_lines l WHERE l.hall = $1 ORDER BY l.month, l.staff_id",
                &[&hall],
            )
            .await
            .map_err(query("reading what was paid"))?;
        rows.into_iter()
            .map(|r| {
                Ok(PaidLine {
                    staff: staff_id(r.get(0), "sheet_lines.staff_id")?,
                    paid: Paid {
                        month: month_of(&r.get::<_, String>(1), "sheet_lines.month")?,
                        paid: Fen(r.get(2)),
                    },
                })
            })
            .collect()
    }

    /// The closed months whose score may have changed since the hall's last closing: a punch of
    /// the month received after it, a record or void of a day in the month's quarter (a D1
    /// reaches back over the quarter) recorded after it, or a leave, duty entry or meeting of the
    /// month recorded, approved, closed or cancelled after it.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn changed_since_last_closing(
        &self,
        hall: &HallRow,
        closed: &[Closing],
    ) -> Result<Vec<Month>, StoreError> {
        let Some(since) = closed.iter().map(|c| c.closed_at).max() else {
            return Ok(Vec::new());
        };
        let since = since.to_string();
        let mut out = Vec::new();
        for c in closed {
            let corrupt = |e: crate::sheet::SheetError| StoreError::Corrupt {
                what: "a closed month",
                value: e.to_string(),
            };
            let (from, to) = instants_of(c.month, &hall.zone).map_err(corrupt)?;
            let (q_first, q_last) = crate::sheet::quarter_days_of(c.month).map_err(corrupt)?;
            let (m_first, m_last) = days_of(c.month).map_err(corrupt)?;
            let changed: bool = self
                .client
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM punches WHERE hall = $1
                                      AND at >= $2::text::timestamptz AND at < $3::text::timestamptz
                                      AND received_at > $4::text::timestamptz)
                         OR EXISTS (SELECT 1 FROM item_records r LEFT JOIN item_voids v
                                      ON v.record = r.id
                                    WHERE r.hall = $1
                                      AND r.day BETWEEN $5::text::date AND $6::text::date
                                      AND (r.recorded_at > $4::text::timestamptz
                                           OR v.recorded_at > $4::text::timestamptz))
                         OR EXISTS (SELECT 1 FROM leaves WHERE hall = $1
                                      AND last_day >= $7::text::date AND first_day <= $8::text::date
                                      AND greatest(recorded_at, approved_at, closed_at, cancelled_at)
                                          > $4::text::timestamptz)
                         OR EXISTS (SELECT 1 FROM duty_roster WHERE hall = $1
                                      AND day BETWEEN $7::text::date AND $8::text::date
                                      AND recorded_at > $4::text::timestamptz)
                         OR EXISTS (SELECT 1 FROM meetings WHERE hall = $1
                                      AND start_at >= $2::text::timestamptz
                                      AND start_at < $3::text::timestamptz
                                      AND recorded_at > $4::text::timestamptz)",
                    &[
                        &hall.id,
                        &from.to_string(),
                        &to.to_string(),
                        &since,
                        &q_first.to_string(),
                        &q_last.to_string(),
                        &m_first.to_string(),
                        &m_last.to_string(),
                    ],
                )
                .await
                .map_err(query("looking for changes since the last closing"))?
                .get(0);
            if changed {
                out.push(c.month);
            }
        }
        Ok(out)
    }

    /// Closes `month` of the hall: keeps its sheet lines and adjustment lines, and the `audit`
    /// line when given, in one transaction. Refused unless `month` follows the last closed
    /// month (or none is closed).
    ///
    /// # Errors
    /// [`StoreError::Exists`] (already closed), [`StoreError::OutOfOrder`], [`StoreError::Query`].
    pub async fn close_month(
        &mut self,
        hall: &str,
        month: Month,
        by: &str,
        lines: &[SheetRow],
        adjustments: &[AdjustmentRow],
        audit: Option<&AuditEntry>,
    ) -> Result<(), StoreError> {
        let first = month_day(month)?;
        let tx = self.begin("starting a closing").await?;
        // One closing of a hall at a time.
        tx.execute("SELECT 1 FROM halls WHERE id = $1 FOR UPDATE", &[&hall])
            .await
            .map_err(query("locking the hall"))?;
        let last: Option<String> = tx
            .query_one(
                "SELECT max(month)::text FROM month_closings WHERE hall = $1",
                &[&hall],
            )
            .await
            .map_err(query("reading the last closed month"))?
            .get(0);
        if let Some(last) = last {
            let last = month_of(&last, "month_closings.month")?;
            if last >= month {
                return Err(StoreError::Exists {
                    what: "closing of a month on or after",
                    id: month.to_string(),
                });
            }
            if let Some(next) = crate::sheet::next(last).filter(|n| *n != month) {
                return Err(StoreError::OutOfOrder {
                    last: last.to_string(),
                    asked: month.to_string(),
                    next: next.to_string(),
                });
            }
        }
        tx.execute(
            "INSERT INTO month_closings (hall, month, closed_by) VALUES ($1, $2::text::date, $3)",
            &[&hall, &first, &by],
        )
        .await
        .map_err(query("closing a month"))?;
        let insert_line = tx
            .prepare(
                "INSERT INTO sheet_lines (hall, month, staff_id, name, conduct, attendance, cases,
                                          discipline, score, deducted, days_on_list,
                                          days_in_month, earned_fen, withheld, due_fen)
                 VALUES ($1, $2::text::date, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
                         $15)",
            )
            .await
            .map_err(query("preparing the sheet lines"))?;
        let days = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        for l in lines {
            tx.execute(
                &insert_line,
                &[
                    &hall,
                    &first,
                    &l.staff.as_str(),
                    &l.name,
                    &l.parts[0].tenths(),
                    &l.parts[1].tenths(),
                    &l.parts[2].tenths(),
                    &l.parts[3].tenths(),
                    &l.score.tenths(),
                    &l.deducted.tenths(),
                    &days(l.on_list.working_days_on_list),
                    &days(l.on_list.working_days_in_month),
                    &l.earned.0,
                    &l.withheld,
                    &l.due.0,
                ],
            )
            .await
            .map_err(query("keeping a sheet line"))?;
        }
        for a in adjustments {
            tx.execute(
                "INSERT INTO adjustment_lines (hall, month, staff_id, about_month, paid_fen,
                                               due_now_fen, difference_fen)
                 VALUES ($1, $2::text::date, $3, $4::text::date, $5, $6, $7)",
                &[
                    &hall,
                    &first,
                    &a.staff.as_str(),
                    &month_day(a.adjustment.month)?,
                    &a.adjustment.paid.0,
                    &a.adjustment.due_now.0,
                    &a.adjustment.difference.0,
                ],
            )
            .await
            .map_err(query("keeping an adjustment line"))?;
        }
        commit_with(tx, audit).await
    }

    /// Names by staff id, for lines of people who have since left the list.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn staff_names(&self, hall: &str) -> Result<BTreeMap<StaffId, String>, StoreError> {
        let rows = self
            .client
            .query("SELECT id, name FROM staff WHERE hall = $1", &[&hall])
            .await
            .map_err(query("reading the staff names"))?;
        rows.into_iter()
            .map(|r| Ok((staff_id(r.get(0), "staff.id")?, r.get(1))))
            .collect()
    }
}

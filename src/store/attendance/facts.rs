//! The loader: [`Store::load_facts`] reads every fact of a period (staff and active-from dates,
//! calendar, duty, approved leave, meetings, punches, amendments, posts) in one read transaction, a
//! consistent snapshot, into the owned [`AttendanceFacts`] whose [`AttendanceFacts::facts`] is what
//! [`crate::core::rules::classify`] takes. Must not classify: it only loads.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::params;

use super::calendar::load_calendar;
use super::leave::query_leaves;
use crate::core::calendar::{Calendar, DutyEntry, DutyRoster, SummerRule};
use crate::core::ids::StaffId;
use crate::core::leave::{LeaveBook, Post};
use crate::core::rules::{Amendment, Enrollment, Facts, Meeting, Punch, SignIn};
use crate::store::codes::{from_text, SESSIONS_CODES};
use crate::store::{corrupt, date, instant, select, sql, staff_id, Store, StoreError};

/// What to load for a report.
#[derive(Debug, Clone)]
pub struct FactsQuery {
    /// The civil days of the period, both inclusive.
    pub first: Date,
    pub last: Date,
    /// Instants that surely cover every punch window of the period (a day either side is safe).
    pub from: Timestamp,
    pub until: Timestamp,
    /// The default summer rule for years the calendar does not set.
    pub summer_rule: SummerRule,
}

/// Everything [`crate::core::rules::classify`] and the reports need for one period, owned.
#[derive(Debug, Clone)]
pub struct AttendanceFacts {
    /// Active staff, by id.
    pub staff: Vec<Enrollment>,
    /// Names of all staff (also inactive and covers), by id.
    pub names: BTreeMap<StaffId, String>,
    pub calendar: Calendar,
    pub roster: DutyRoster,
    /// Approved leaves that touch the period.
    pub leaves: LeaveBook,
    pub meetings: Vec<Meeting>,
    pub punches: Vec<Punch>,
    pub amendments: Vec<Amendment>,
    pub posts: Vec<Post>,
}

impl AttendanceFacts {
    /// The borrowed view `classify` takes.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            staff: &self.staff,
            calendar: &self.calendar,
            roster: &self.roster,
            leaves: &self.leaves,
            meetings: &self.meetings,
            punches: &self.punches,
            amendments: &self.amendments,
        }
    }
}

impl Store {
    /// Loads every fact of a period in one read transaction (a consistent snapshot). Punches
    /// come sorted by time.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`] (including stored leaves that overlap).
    pub fn load_facts(&self, q: &FactsQuery) -> Result<AttendanceFacts, StoreError> {
        let action = "load attendance facts";
        let tx = self.conn.unchecked_transaction().map_err(sql(action))?;
        let (from_ms, until_ms) = (q.from.as_millisecond(), q.until.as_millisecond());

        let mut staff = Vec::new();
        let mut names = BTreeMap::new();
        let rows = select(
            &tx,
            action,
            "SELECT staff_id, name, active, active_from, active_until FROM staff
             ORDER BY staff_id",
            [],
            |c| {
                let active_from = match c.get::<Option<String>>(3)? {
                    Some(d) => date(&d, "staff.active_from")?,
                    None => Date::MIN,
                };
                let active_until = match c.get::<Option<String>>(4)? {
                    Some(d) => Some(date(&d, "staff.active_until")?),
                    None => None,
                };
                Ok((
                    staff_id(&c.get::<String>(0)?, "staff.staff_id")?,
                    c.get::<String>(1)?,
                    c.get::<bool>(2)?,
                    active_from,
                    active_until,
                ))
            },
        )?;
        for (id, name, active, active_from, active_until) in rows {
            if active {
                staff.push(Enrollment {
                    staff: id.clone(),
                    active_from,
                    active_until,
                });
            }
            names.insert(id, name);
        }

        let calendar = load_calendar(&tx, q.summer_rule)?;

        let mut roster = DutyRoster::new();
        for entry in select(
            &tx,
            action,
            "SELECT staff_id, date, sessions FROM duty_roster
             WHERE date >= ?1 AND date <= ?2 ORDER BY date, staff_id",
            params![q.first.to_string(), q.last.to_string()],
            |c| {
                Ok(DutyEntry {
                    staff: staff_id(&c.get::<String>(0)?, "duty_roster.staff_id")?,
                    date: date(&c.get::<String>(1)?, "duty_roster.date")?,
                    sessions: from_text(
                        SESSIONS_CODES,
                        "duty_roster.sessions",
                        &c.get::<String>(2)?,
                    )?,
                })
            },
        )? {
            roster.add(entry);
        }

        let mut leaves = LeaveBook::new();
        for record in query_leaves(&tx, None, None)? {
            let touches = record.leave.first.date <= q.last && record.leave.last.date >= q.first;
            if touches && record.approval.is_some() {
                let id = record.leave.id;
                leaves.add(record.leave).map_err(|e| StoreError::Corrupt {
                    what: "leave",
                    detail: format!("leave {id}: {e}"),
                })?;
            }
        }

        let mut meetings = Vec::new();
        let held = select(
            &tx,
            action,
            "SELECT id, title, start_unix_ms, end_unix_ms FROM meetings
             WHERE start_unix_ms >= ?1 AND start_unix_ms < ?2 ORDER BY start_unix_ms, id",
            params![from_ms, until_ms],
            |c| {
                Ok((
                    c.get::<i64>(0)?,
                    c.get::<String>(1)?,
                    instant(c.get(2)?, "meetings.start_unix_ms")?,
                    instant(c.get(3)?, "meetings.end_unix_ms")?,
                ))
            },
        )?;
        for (id, title, start, end) in held {
            let invited = select(
                &tx,
                action,
                "SELECT staff_id FROM meeting_invitees WHERE meeting_id = ?1 ORDER BY staff_id",
                params![id],
                |c| staff_id(&c.get::<String>(0)?, "meeting_invitees.staff_id"),
            )?;
            let sign_ins = select(
                &tx,
                action,
                "SELECT staff_id, at_unix_ms FROM meeting_sign_ins WHERE meeting_id = ?1
                 ORDER BY at_unix_ms, id",
                params![id],
                |c| {
                    Ok(SignIn {
                        staff: staff_id(&c.get::<String>(0)?, "meeting_sign_ins.staff_id")?,
                        at: instant(c.get(1)?, "meeting_sign_ins.at_unix_ms")?,
                    })
                },
            )?;
            meetings.push(Meeting {
                title,
                start,
                end,
                invited,
                sign_ins,
            });
        }

        let mut punches = Vec::new();
        {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT staff_id, at_unix_ms, clock_trusted FROM punches
                     WHERE at_unix_ms >= ?1 AND at_unix_ms < ?2 ORDER BY at_unix_ms",
                )
                .map_err(sql(action))?;
            let mut rows = stmt
                .query(params![from_ms, until_ms])
                .map_err(sql(action))?;
            // Staff ids repeat thousands of times: parse each once.
            let mut ids: BTreeMap<String, StaffId> = BTreeMap::new();
            while let Some(r) = rows.next().map_err(sql(action))? {
                let raw = r.get_ref(0).map_err(sql(action))?;
                let text = raw.as_str().map_err(|e| corrupt("punches.staff_id", e))?;
                let id = match ids.get(text) {
                    Some(id) => id.clone(),
                    None => {
                        let id = staff_id(text, "punches.staff_id")?;
                        ids.insert(text.to_string(), id.clone());
                        id
                    }
                };
                punches.push(Punch {
                    staff: id,
                    at: instant(r.get(1).map_err(sql(action))?, "punches.at_unix_ms")?,
                    clock_trusted: r.get(2).map_err(sql(action))?,
                });
            }
        }

        let amendments: Vec<Amendment> = self
            .amendments_between(q.from, q.until, None)?
            .into_iter()
            .map(|row| row.amendment)
            .collect();

        let posts = self.posts()?;
        Ok(AttendanceFacts {
            staff,
            names,
            calendar,
            roster,
            leaves,
            meetings,
            punches,
            amendments,
            posts,
        })
    }
}

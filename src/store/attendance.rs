//! Attendance tables (migration 0002): punches (append-only) and their amendments, leave, window
//! posts, meetings and sign-ins, the duty roster, the calendar, and each person's active-from
//! date. Every SQL statement about attendance lives here, behind typed functions that take and
//! return core types (or small row structs); the loader [`Store::load_facts`] gathers what
//! [`crate::core::rules::classify`] needs for a period.
//!
//! This file must not decide anything the rules decide (lateness, absence, points): it stores and
//! loads facts. The one check it makes itself is that a new leave does not overlap another of the
//! same person, using [`LeaveBook::add`] inside the writing transaction so the check and the
//! insert cannot be separated. Every multi-row write is one transaction: an import is all or
//! nothing, and a punch is durable when the call returns (WAL, `synchronous = FULL`).

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

use super::audit::{write_audit, Audit};
use super::{corrupt, date, instant, sql, staff_id, stamp, Store, StoreError};
use crate::core::calendar::{Calendar, DutyEntry, DutyRoster, SummerRule};
use crate::core::ids::StaffId;
use crate::core::leave::{
    ApprovalLevel, HalfDay, Leave, LeaveBook, LeaveError, LeaveId, LeaveKind, Post, PostId,
};
use crate::core::rules::{Amendment, Correction, Enrollment, Facts, Meeting, Punch, SignIn};
use crate::core::schedule::{Session, Sessions};

/// Refusals of an attendance write that are not database failures.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Leave(#[from] LeaveError),
    #[error(
        "cannot void a punch of {staff} at {at}: there is none at that instant (or it is already \
         voided); expected the exact time of a punch shown by `hallclock punch list`"
    )]
    NothingToVoid { staff: StaffId, at: Timestamp },
    #[error("leave {0} is already approved")]
    AlreadyApproved(LeaveId),
    #[error("leave {0} is already closed (销假)")]
    AlreadyClosed(LeaveId),
}

/// Where an imported punch came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PunchImportFormat {
    /// Plain CSV with a header line.
    Csv,
    /// ZKTeco's ATTLOG text export.
    Zkteco,
}

/// What one import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PunchImportSummary {
    /// The import's id, stored with every punch it added.
    pub import_id: i64,
    /// Punches written.
    pub added: usize,
    /// Punches already on record (same person, same instant), not written again.
    pub skipped: usize,
}

/// A stored punch with its bookkeeping, for `punch list`.
#[derive(Debug, Clone, PartialEq)]
pub struct PunchRow {
    pub id: i64,
    pub punch: Punch,
    pub device: String,
    pub seq: u64,
    pub score: Option<f32>,
    /// `door`, `import-csv` or `import-zkteco`.
    pub source: String,
}

/// A stored amendment, for `punch list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmendmentRow {
    pub id: i64,
    pub amendment: Amendment,
    pub created_at: Timestamp,
}

/// A leave to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeave {
    pub staff: StaffId,
    pub kind: LeaveKind,
    pub first: HalfDay,
    pub last: HalfDay,
    pub cover: Option<StaffId>,
    pub reason: String,
    /// Who must approve it, by its length (see [`crate::core::leave::LeavePolicy`]).
    pub approval_required: ApprovalLevel,
}

/// Who approved a leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub level: ApprovalLevel,
    pub by: String,
    /// The window unit's head who certified a leave of two days or more.
    pub certified_by: Option<String>,
    pub at: Timestamp,
}

/// A stored leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveRecord {
    /// The core's view: id, person, kind, half days, cover, closed.
    pub leave: Leave,
    pub reason: String,
    pub approval_required: ApprovalLevel,
    /// `None` while waiting for approval; an unapproved leave excuses nothing.
    pub approval: Option<Approval>,
    pub created_at: Timestamp,
}

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
    /// Records one punch from the door: durable when this returns.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`], or [`StoreError::Sql`] (e.g. a `(device, seq)` used twice).
    pub fn record_punch(
        &mut self,
        punch: &Punch,
        device: &str,
        seq: u64,
        score: Option<f32>,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let tx = self.conn.transaction().map_err(sql("record a punch"))?;
        ensure_staff(&tx, &punch.staff)?;
        tx.execute(
            "INSERT INTO punches (staff_id, at_unix_ms, device, seq, score, clock_trusted, source,
                                  created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'door', ?7)",
            params![
                punch.staff.as_str(),
                punch.at.as_millisecond(),
                device,
                to_i64(seq),
                score.map(f64::from),
                punch.clock_trusted,
                now.to_string()
            ],
        )
        .map_err(sql("record a punch"))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(sql("record a punch"))?;
        Ok(id)
    }

    /// Imports punches in one transaction: all are written, or none. A punch of the same person
    /// at the same instant as one already stored is skipped (so importing a file twice adds
    /// nothing). Each written punch gets the next sequence number of `device`.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] for the first punch of a person not on the staff list (the
    /// caller should check first, to report the line), or [`StoreError::Sql`].
    pub fn import_punches(
        &mut self,
        file_name: &str,
        format: PunchImportFormat,
        device: &str,
        punches: &[Punch],
        now: Timestamp,
        audit: &Audit,
    ) -> Result<PunchImportSummary, StoreError> {
        let (format_name, source) = match format {
            PunchImportFormat::Csv => ("csv", "import-csv"),
            PunchImportFormat::Zkteco => ("zkteco", "import-zkteco"),
        };
        let action = "import punches";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        let known = staff_ids_in(&tx)?;
        if let Some(p) = punches.iter().find(|p| !known.contains(&p.staff)) {
            return Err(StoreError::UnknownStaff(p.staff.clone()));
        }
        tx.execute(
            "INSERT INTO punch_imports (file_name, format, added, skipped, imported_at)
             VALUES (?1, ?2, 0, 0, ?3)",
            params![file_name, format_name, now.to_string()],
        )
        .map_err(sql(action))?;
        let import_id = tx.last_insert_rowid();
        let mut seq: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM punches WHERE device = ?1",
                params![device],
                |r| r.get(0),
            )
            .map_err(sql(action))?;
        let (mut added, mut skipped) = (0usize, 0usize);
        {
            let mut exists = tx
                .prepare("SELECT 1 FROM punches WHERE staff_id = ?1 AND at_unix_ms = ?2 LIMIT 1")
                .map_err(sql(action))?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO punches (staff_id, at_unix_ms, device, seq, score, clock_trusted,
                                          source, import_id, created_at)
                     VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6, ?7, ?8)",
                )
                .map_err(sql(action))?;
            let created = now.to_string();
            let mut seen: BTreeSet<(&StaffId, i64)> = BTreeSet::new();
            for p in punches {
                let ms = p.at.as_millisecond();
                let on_record = !seen.insert((&p.staff, ms))
                    || exists
                        .exists(params![p.staff.as_str(), ms])
                        .map_err(sql(action))?;
                if on_record {
                    skipped += 1;
                    continue;
                }
                seq += 1;
                insert
                    .execute(params![
                        p.staff.as_str(),
                        ms,
                        device,
                        seq,
                        p.clock_trusted,
                        source,
                        import_id,
                        created
                    ])
                    .map_err(sql(action))?;
                added += 1;
            }
        }
        tx.execute(
            "UPDATE punch_imports SET added = ?1, skipped = ?2 WHERE id = ?3",
            params![to_i64(added as u64), to_i64(skipped as u64), import_id],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(PunchImportSummary {
            import_id,
            added,
            skipped,
        })
    }

    /// Number of stored punches (all sources).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn punch_count(&self) -> Result<usize, StoreError> {
        count(self, "SELECT COUNT(*) FROM punches", "count punches")
    }

    /// Punches with `from <= at < until`, optionally of one person, by time.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn punches_between(
        &self,
        from: Timestamp,
        until: Timestamp,
        staff: Option<&StaffId>,
    ) -> Result<Vec<PunchRow>, StoreError> {
        let action = "list punches";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, staff_id, at_unix_ms, clock_trusted, device, seq, score, source
                 FROM punches
                 WHERE at_unix_ms >= ?1 AND at_unix_ms < ?2 AND (?3 IS NULL OR staff_id = ?3)
                 ORDER BY at_unix_ms, id",
            )
            .map_err(sql(action))?;
        let rows = stmt
            .query_map(
                params![
                    from.as_millisecond(),
                    until.as_millisecond(),
                    staff.map(StaffId::as_str)
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, bool>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<f64>>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                },
            )
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, staff, ms, clock_trusted, device, seq, score, source) =
                row.map_err(sql(action))?;
            out.push(PunchRow {
                id,
                punch: Punch {
                    staff: staff_id(&staff, "punches.staff_id")?,
                    at: instant(ms, "punches.at_unix_ms")?,
                    clock_trusted,
                },
                device,
                seq: u64::try_from(seq).unwrap_or(0),
                score: score.map(|s| s as f32),
                source,
            });
        }
        Ok(out)
    }

    /// Amendments about instants `from <= at < until`, optionally of one person, by time.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn amendments_between(
        &self,
        from: Timestamp,
        until: Timestamp,
        staff: Option<&StaffId>,
    ) -> Result<Vec<AmendmentRow>, StoreError> {
        let action = "list amendments";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, staff_id, action, at_unix_ms, reason, author, created_at
                 FROM punch_amendments
                 WHERE at_unix_ms >= ?1 AND at_unix_ms < ?2 AND (?3 IS NULL OR staff_id = ?3)
                 ORDER BY id",
            )
            .map_err(sql(action))?;
        let rows = stmt
            .query_map(
                params![
                    from.as_millisecond(),
                    until.as_millisecond(),
                    staff.map(StaffId::as_str)
                ],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, staff, kind, ms, reason, author, created_at) = row.map_err(sql(action))?;
            let at = instant(ms, "punch_amendments.at_unix_ms")?;
            let correction = match kind.as_str() {
                "add" => Correction::AddPunch { at },
                "void" => Correction::VoidPunch { at },
                other => return Err(corrupt("punch_amendments.action", other)),
            };
            out.push(AmendmentRow {
                id,
                amendment: Amendment {
                    staff: staff_id(&staff, "punch_amendments.staff_id")?,
                    correction,
                    reason,
                    author: staff_id(&author, "punch_amendments.author")?,
                },
                created_at: stamp(&created_at, "punch_amendments.created_at")?,
            });
        }
        Ok(out)
    }

    /// Records a supervisor's correction. A void must name the exact instant of a punch (or of
    /// an added pass) of that person that is not voided yet.
    ///
    /// # Errors
    /// [`RecordError::NothingToVoid`], [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn amend_punch(
        &mut self,
        amendment: &Amendment,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<i64, RecordError> {
        let action = "record an amendment";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        ensure_staff(&tx, &amendment.staff)?;
        let (kind, at) = match amendment.correction {
            Correction::AddPunch { at } => ("add", at),
            Correction::VoidPunch { at } => ("void", at),
        };
        let ms = at.as_millisecond();
        if kind == "void" {
            let count = |q: &str| -> Result<i64, StoreError> {
                tx.query_row(q, params![amendment.staff.as_str(), ms], |r| r.get(0))
                    .map_err(sql(action))
            };
            let punched =
                count("SELECT COUNT(*) FROM punches WHERE staff_id = ?1 AND at_unix_ms = ?2")?
                    + count(
                        "SELECT COUNT(*) FROM punch_amendments
                 WHERE staff_id = ?1 AND at_unix_ms = ?2 AND action = 'add'",
                    )?;
            let voided = count(
                "SELECT COUNT(*) FROM punch_amendments
                 WHERE staff_id = ?1 AND at_unix_ms = ?2 AND action = 'void'",
            )?;
            if punched <= voided {
                return Err(RecordError::NothingToVoid {
                    staff: amendment.staff.clone(),
                    at,
                });
            }
        }
        tx.execute(
            "INSERT INTO punch_amendments (staff_id, action, at_unix_ms, reason, author, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                amendment.staff.as_str(),
                kind,
                ms,
                amendment.reason.trim(),
                amendment.author.as_str(),
                now.to_string()
            ],
        )
        .map_err(sql(action))?;
        let id = tx.last_insert_rowid();
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(id)
    }

    /// The ids of everyone on the staff list, active or not.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn staff_ids(&self) -> Result<BTreeSet<StaffId>, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(sql("list staff ids"))?;
        staff_ids_in(&tx)
    }

    /// Sets the first day `staff` is judged (someone enrolled mid-month); `None` clears it.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn set_active_from(
        &mut self,
        staff: &StaffId,
        from: Option<Date>,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "set the active-from date";
        let tx = self.conn.transaction().map_err(sql(action))?;
        let n = tx
            .execute(
                "UPDATE staff SET active_from = ?2 WHERE staff_id = ?1",
                params![staff.as_str(), from.map(|d| d.to_string())],
            )
            .map_err(sql(action))?;
        if n == 0 {
            return Err(StoreError::UnknownStaff(staff.clone()));
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Records a leave after checking, in the same transaction, that the person and the cover
    /// exist and that the person has no other leave for any of its half days.
    ///
    /// # Errors
    /// [`RecordError::Leave`] (overlap, or backwards), [`StoreError::UnknownStaff`] or
    /// [`StoreError::Sql`].
    pub fn add_leave(
        &mut self,
        new: &NewLeave,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<LeaveId, RecordError> {
        let action = "record a leave";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        ensure_staff(&tx, &new.staff)?;
        if let Some(cover) = &new.cover {
            ensure_staff(&tx, cover)?;
        }
        let mut book = LeaveBook::new();
        for record in query_leaves(&tx, Some(&new.staff), None)? {
            book.add(record.leave)?;
        }
        let next_id: i64 = tx
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM leave", [], |r| {
                r.get(0)
            })
            .map_err(sql(action))?;
        let id = LeaveId(u64::try_from(next_id).unwrap_or(0));
        book.add(Leave {
            id,
            staff: new.staff.clone(),
            kind: new.kind,
            first: new.first,
            last: new.last,
            cover: new.cover.clone(),
            closed_at: None,
        })?;
        tx.execute(
            "INSERT INTO leave (id, staff_id, kind, first_date, first_session, last_date,
                                last_session, cover_staff_id, reason, approval_required, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                next_id,
                new.staff.as_str(),
                kind_sql(new.kind),
                new.first.date.to_string(),
                session_sql(new.first.session),
                new.last.date.to_string(),
                session_sql(new.last.session),
                new.cover.as_ref().map(StaffId::as_str),
                new.reason,
                level_sql(new.approval_required),
                now.to_string()
            ],
        )
        .map_err(sql(action))?;
        write_audit(
            &tx,
            &audit
                .clone()
                .with_detail(format!("#{} {}", id.0, audit.detail)),
        )?;
        tx.commit().map_err(sql(action))?;
        Ok(id)
    }

    /// One leave.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn leave(&self, id: LeaveId) -> Result<Option<LeaveRecord>, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(sql("read a leave"))?;
        Ok(query_leaves(&tx, None, Some(id))?.into_iter().next())
    }

    /// Every leave, optionally of one person, that touches `first..=last` (all dates if `None`),
    /// by first day.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn leaves(
        &self,
        staff: Option<&StaffId>,
        dates: Option<(Date, Date)>,
    ) -> Result<Vec<LeaveRecord>, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(sql("list leaves"))?;
        let mut all = query_leaves(&tx, staff, None)?;
        if let Some((first, last)) = dates {
            all.retain(|r| r.leave.first.date <= last && r.leave.last.date >= first);
        }
        Ok(all)
    }

    /// Records the approval of a leave.
    ///
    /// # Errors
    /// [`LeaveError::UnknownLeave`], [`RecordError::AlreadyApproved`] or [`StoreError::Sql`].
    pub fn approve_leave(
        &mut self,
        id: LeaveId,
        approval: &Approval,
        audit: &Audit,
    ) -> Result<(), RecordError> {
        let action = "approve a leave";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        let Some(record) = query_leaves(&tx, None, Some(id))?.into_iter().next() else {
            return Err(LeaveError::UnknownLeave(id).into());
        };
        if record.approval.is_some() {
            return Err(RecordError::AlreadyApproved(id));
        }
        tx.execute(
            "UPDATE leave SET approved_level = ?2, approved_by = ?3, certified_by = ?4,
                              approved_at = ?5
             WHERE id = ?1",
            params![
                to_i64(id.0),
                level_sql(approval.level),
                approval.by,
                approval.certified_by,
                approval.at.to_string()
            ],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Records that the person reported back (销假) at `at`.
    ///
    /// # Errors
    /// [`LeaveError::UnknownLeave`], [`RecordError::AlreadyClosed`] or [`StoreError::Sql`].
    pub fn close_leave(
        &mut self,
        id: LeaveId,
        at: Timestamp,
        audit: &Audit,
    ) -> Result<(), RecordError> {
        let action = "close a leave";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        let Some(record) = query_leaves(&tx, None, Some(id))?.into_iter().next() else {
            return Err(LeaveError::UnknownLeave(id).into());
        };
        if record.leave.closed_at.is_some() {
            return Err(RecordError::AlreadyClosed(id));
        }
        tx.execute(
            "UPDATE leave SET closed_at = ?2 WHERE id = ?1",
            params![to_i64(id.0), at.to_string()],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Sets (or replaces) a window post's A and B.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`] (e.g. A and B the same person).
    pub fn set_post(
        &mut self,
        post: &Post,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<(), StoreError> {
        let action = "set a post";
        let tx = self.conn.transaction().map_err(sql(action))?;
        ensure_staff(&tx, &post.holder)?;
        ensure_staff(&tx, &post.backup)?;
        tx.execute(
            "INSERT INTO posts (post_id, holder, backup, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (post_id) DO UPDATE SET holder = excluded.holder,
                 backup = excluded.backup, updated_at = excluded.updated_at",
            params![
                post.id.as_str(),
                post.holder.as_str(),
                post.backup.as_str(),
                now.to_string()
            ],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Every window post, by id.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn posts(&self) -> Result<Vec<Post>, StoreError> {
        let action = "list posts";
        let mut stmt = self
            .conn
            .prepare("SELECT post_id, holder, backup FROM posts ORDER BY post_id")
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, holder, backup) = row.map_err(sql(action))?;
            out.push(Post {
                id: PostId::new(&id),
                holder: staff_id(&holder, "posts.holder")?,
                backup: staff_id(&backup, "posts.backup")?,
            });
        }
        Ok(out)
    }

    /// Imports duty roster entries in one transaction. An entry for a person and date already on
    /// the roster widens its sessions, as [`DutyRoster::add`] does.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] for the first unknown person, or [`StoreError::Sql`].
    pub fn import_duty(
        &mut self,
        entries: &[DutyEntry],
        audit: &Audit,
    ) -> Result<usize, StoreError> {
        let action = "import the duty roster";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        let known = staff_ids_in(&tx)?;
        if let Some(e) = entries.iter().find(|e| !known.contains(&e.staff)) {
            return Err(StoreError::UnknownStaff(e.staff.clone()));
        }
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO duty_roster (staff_id, date, sessions) VALUES (?1, ?2, ?3)
                     ON CONFLICT (staff_id, date) DO UPDATE SET sessions =
                         CASE WHEN sessions = excluded.sessions THEN sessions ELSE 'both' END",
                )
                .map_err(sql(action))?;
            for e in entries {
                insert
                    .execute(params![
                        e.staff.as_str(),
                        e.date.to_string(),
                        sessions_sql(e.sessions)
                    ])
                    .map_err(sql(action))?;
            }
        }
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(entries.len())
    }

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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
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

    /// Number of duty roster entries.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn duty_count(&self) -> Result<usize, StoreError> {
        count(
            self,
            "SELECT COUNT(*) FROM duty_roster",
            "count duty entries",
        )
    }

    /// Records a meeting, who must attend, and its sign-in sheet, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`].
    pub fn record_meeting(
        &mut self,
        meeting: &Meeting,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<i64, StoreError> {
        let action = "record a meeting";
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(action))?;
        let known = staff_ids_in(&tx)?;
        let people = meeting
            .invited
            .iter()
            .chain(meeting.sign_ins.iter().map(|s| &s.staff));
        for staff in people {
            if !known.contains(staff) {
                return Err(StoreError::UnknownStaff(staff.clone()));
            }
        }
        tx.execute(
            "INSERT INTO meetings (title, start_unix_ms, end_unix_ms, created_at)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                meeting.title,
                meeting.start.as_millisecond(),
                meeting.end.as_millisecond(),
                now.to_string()
            ],
        )
        .map_err(sql(action))?;
        let id = tx.last_insert_rowid();
        for staff in &meeting.invited {
            tx.execute(
                "INSERT OR IGNORE INTO meeting_invitees (meeting_id, staff_id) VALUES (?1, ?2)",
                params![id, staff.as_str()],
            )
            .map_err(sql(action))?;
        }
        for s in &meeting.sign_ins {
            tx.execute(
                "INSERT INTO meeting_sign_ins (meeting_id, staff_id, at_unix_ms) VALUES (?1, ?2, ?3)",
                params![id, s.staff.as_str(), s.at.as_millisecond()],
            )
            .map_err(sql(action))?;
        }
        write_audit(
            &tx,
            &audit.clone().with_detail(format!("#{id} {}", audit.detail)),
        )?;
        tx.commit().map_err(sql(action))?;
        Ok(id)
    }

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
        {
            let mut stmt = tx
                .prepare("SELECT staff_id, name, active, active_from FROM staff ORDER BY staff_id")
                .map_err(sql(action))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })
                .map_err(sql(action))?;
            for row in rows {
                let (id, name, active, active_from) = row.map_err(sql(action))?;
                let id = staff_id(&id, "staff.staff_id")?;
                if active {
                    let active_from = match active_from {
                        Some(d) => date(&d, "staff.active_from")?,
                        None => Date::MIN,
                    };
                    staff.push(Enrollment {
                        staff: id.clone(),
                        active_from,
                    });
                }
                names.insert(id, name);
            }
        }

        let calendar = load_calendar(&tx, q.summer_rule)?;

        let mut roster = DutyRoster::new();
        {
            let mut stmt = tx
                .prepare(
                    "SELECT staff_id, date, sessions FROM duty_roster
                     WHERE date >= ?1 AND date <= ?2 ORDER BY date, staff_id",
                )
                .map_err(sql(action))?;
            let rows = stmt
                .query_map(params![q.first.to_string(), q.last.to_string()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(sql(action))?;
            for row in rows {
                let (id, d, sessions) = row.map_err(sql(action))?;
                roster.add(DutyEntry {
                    staff: staff_id(&id, "duty_roster.staff_id")?,
                    date: date(&d, "duty_roster.date")?,
                    sessions: sessions_from_sql(&sessions)?,
                });
            }
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
        {
            let mut stmt = tx
                .prepare(
                    "SELECT id, title, start_unix_ms, end_unix_ms FROM meetings
                     WHERE start_unix_ms >= ?1 AND start_unix_ms < ?2 ORDER BY start_unix_ms, id",
                )
                .map_err(sql(action))?;
            let mut invitees = tx
                .prepare(
                    "SELECT staff_id FROM meeting_invitees WHERE meeting_id = ?1 ORDER BY staff_id",
                )
                .map_err(sql(action))?;
            let mut sign_ins = tx
                .prepare(
                    "SELECT staff_id, at_unix_ms FROM meeting_sign_ins WHERE meeting_id = ?1
                     ORDER BY at_unix_ms, id",
                )
                .map_err(sql(action))?;
            let rows = stmt
                .query_map(params![from_ms, until_ms], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .map_err(sql(action))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(sql(action))?;
            for (id, title, start, end) in rows {
                let invited = invitees
                    .query_map(params![id], |r| r.get::<_, String>(0))
                    .map_err(sql(action))?
                    .map(|r| {
                        r.map_err(sql(action))
                            .and_then(|s| staff_id(&s, "meeting_invitees.staff_id"))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let signed = sign_ins
                    .query_map(params![id], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                    })
                    .map_err(sql(action))?
                    .map(|r| {
                        let (s, ms) = r.map_err(sql(action))?;
                        Ok(SignIn {
                            staff: staff_id(&s, "meeting_sign_ins.staff_id")?,
                            at: instant(ms, "meeting_sign_ins.at_unix_ms")?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                meetings.push(Meeting {
                    title,
                    start: instant(start, "meetings.start_unix_ms")?,
                    end: instant(end, "meetings.end_unix_ms")?,
                    invited,
                    sign_ins: signed,
                });
            }
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

fn query_leaves(
    tx: &Transaction<'_>,
    staff: Option<&StaffId>,
    id: Option<LeaveId>,
) -> Result<Vec<LeaveRecord>, StoreError> {
    let action = "read leaves";
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, staff_id, kind, first_date, first_session, last_date, last_session,
                    cover_staff_id, reason, approval_required, approved_level, approved_by,
                    certified_by, approved_at, closed_at, created_at
             FROM leave
             WHERE (?1 IS NULL OR staff_id = ?1) AND (?2 IS NULL OR id = ?2)
             ORDER BY first_date, first_session, id",
        )
        .map_err(sql(action))?;
    let mut rows = stmt
        .query(params![staff.map(StaffId::as_str), id.map(|i| to_i64(i.0))])
        .map_err(sql(action))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(sql(action))? {
        let text = |i: usize| -> Result<String, StoreError> { r.get(i).map_err(sql(action)) };
        let opt =
            |i: usize| -> Result<Option<String>, StoreError> { r.get(i).map_err(sql(action)) };
        let raw_id: i64 = r.get(0).map_err(sql(action))?;
        let approval = match (opt(10)?, opt(11)?, opt(13)?) {
            (Some(level), Some(by), Some(at)) => Some(Approval {
                level: level_from_sql(&level)?,
                by,
                certified_by: opt(12)?,
                at: stamp(&at, "leave.approved_at")?,
            }),
            _ => None,
        };
        out.push(LeaveRecord {
            leave: Leave {
                id: LeaveId(u64::try_from(raw_id).map_err(|e| corrupt("leave.id", e))?),
                staff: staff_id(&text(1)?, "leave.staff_id")?,
                kind: kind_from_sql(&text(2)?)?,
                first: HalfDay {
                    date: date(&text(3)?, "leave.first_date")?,
                    session: session_from_sql(&text(4)?)?,
                },
                last: HalfDay {
                    date: date(&text(5)?, "leave.last_date")?,
                    session: session_from_sql(&text(6)?)?,
                },
                cover: opt(7)?
                    .map(|c| staff_id(&c, "leave.cover_staff_id"))
                    .transpose()?,
                closed_at: opt(14)?.map(|c| stamp(&c, "leave.closed_at")).transpose()?,
            },
            reason: text(8)?,
            approval_required: level_from_sql(&text(9)?)?,
            approval,
            created_at: stamp(&text(15)?, "leave.created_at")?,
        });
    }
    Ok(out)
}

fn load_calendar(tx: &Transaction<'_>, summer_rule: SummerRule) -> Result<Calendar, StoreError> {
    let action = "load the calendar";
    let mut calendar = Calendar::new(summer_rule);
    let mut stmt = tx
        .prepare("SELECT date, kind, name FROM calendar_days ORDER BY date")
        .map_err(sql(action))?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(sql(action))?;
    for row in rows {
        let (d, kind, name) = row.map_err(sql(action))?;
        let d = date(&d, "calendar_days.date")?;
        let added = match kind.as_str() {
            "holiday" => calendar.add_holiday(d, &name),
            "workday" => calendar.add_workday(d, &name),
            other => return Err(corrupt("calendar_days.kind", other)),
        };
        added.map_err(|e| corrupt("calendar_days", e))?;
    }
    let mut stmt = tx
        .prepare("SELECT first_date, last_date FROM summer_periods ORDER BY year")
        .map_err(sql(action))?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(sql(action))?;
    for row in rows {
        let (first, last) = row.map_err(sql(action))?;
        calendar
            .set_summer(
                date(&first, "summer_periods.first_date")?,
                date(&last, "summer_periods.last_date")?,
            )
            .map_err(|e| corrupt("summer_periods", e))?;
    }
    Ok(calendar)
}

fn staff_ids_in(tx: &Transaction<'_>) -> Result<BTreeSet<StaffId>, StoreError> {
    let action = "list staff ids";
    let mut stmt = tx
        .prepare("SELECT staff_id FROM staff")
        .map_err(sql(action))?;
    let rows = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(sql(action))?;
    let mut out = BTreeSet::new();
    for row in rows {
        out.insert(staff_id(&row.map_err(sql(action))?, "staff.staff_id")?);
    }
    Ok(out)
}

fn ensure_staff(tx: &Transaction<'_>, id: &StaffId) -> Result<(), StoreError> {
    let found: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM staff WHERE staff_id = ?1",
            params![id.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql("look up a staff member"))?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::UnknownStaff(id.clone())),
    }
}

fn count(store: &Store, query: &str, action: &'static str) -> Result<usize, StoreError> {
    let n: i64 = store
        .conn
        .query_row(query, [], |r| r.get(0))
        .map_err(sql(action))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn kind_sql(kind: LeaveKind) -> &'static str {
    match kind {
        LeaveKind::Sick => "sick",
        LeaveKind::Personal => "personal",
        LeaveKind::Annual => "annual",
        LeaveKind::HomeVisit => "home-visit",
        LeaveKind::MarriageMaternity => "marriage-maternity",
        LeaveKind::Bereavement => "bereavement",
        LeaveKind::OfficialErrand => "official-errand",
        LeaveKind::OfficialDuty => "official-duty",
    }
}

fn kind_from_sql(text: &str) -> Result<LeaveKind, StoreError> {
    Ok(match text {
        "sick" => LeaveKind::Sick,
        "personal" => LeaveKind::Personal,
        "annual" => LeaveKind::Annual,
        "home-visit" => LeaveKind::HomeVisit,
        "marriage-maternity" => LeaveKind::MarriageMaternity,
        "bereavement" => LeaveKind::Bereavement,
        "official-errand" => LeaveKind::OfficialErrand,
        "official-duty" => LeaveKind::OfficialDuty,
        other => return Err(corrupt("leave.kind", other)),
    })
}

fn session_sql(session: Session) -> &'static str {
    match session {
        Session::Morning => "morning",
        Session::Afternoon => "afternoon",
    }
}

fn session_from_sql(text: &str) -> Result<Session, StoreError> {
    match text {
        "morning" => Ok(Session::Morning),
        "afternoon" => Ok(Session::Afternoon),
        other => Err(corrupt("leave session", other)),
    }
}

fn sessions_sql(sessions: Sessions) -> &'static str {
    match sessions {
        Sessions::Morning => "morning",
        Sessions::Afternoon => "afternoon",
        Sessions::Both => "both",
    }
}

fn sessions_from_sql(text: &str) -> Result<Sessions, StoreError> {
    match text {
        "morning" => Ok(Sessions::Morning),
        "afternoon" => Ok(Sessions::Afternoon),
        "both" => Ok(Sessions::Both),
        other => Err(corrupt("duty_roster.sessions", other)),
    }
}

fn level_sql(level: ApprovalLevel) -> &'static str {
    match level {
        ApprovalLevel::InspectionOffice => "inspection-office",
        ApprovalLevel::DeputyDirector => "deputy-director",
        ApprovalLevel::DirectorWithUnitCertificate => "director",
    }
}

fn level_from_sql(text: &str) -> Result<ApprovalLevel, StoreError> {
    match text {
        "inspection-office" => Ok(ApprovalLevel::InspectionOffice),
        "deputy-director" => Ok(ApprovalLevel::DeputyDirector),
        "director" => Ok(ApprovalLevel::DirectorWithUnitCertificate),
        other => Err(corrupt("leave approval level", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date as d;

    fn now() -> Timestamp {
        "2026-11-30T12:00:00Z".parse().unwrap()
    }

    fn id(s: &str) -> StaffId {
        StaffId::new(s).unwrap()
    }

    fn store_with(staff: &[&str]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("hc.db")).unwrap();
        for s in staff {
            store
                .upsert_staff(
                    &id(s),
                    s,
                    None,
                    now(),
                    &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
                )
                .unwrap();
        }
        (dir, store)
    }

    fn punch(s: &str, at: &str) -> Punch {
        Punch {
            staff: id(s),
            at: at.parse().unwrap(),
            clock_trusted: true,
        }
    }

    #[test]
    fn punches_are_append_only_at_the_sql_level() {
        let (_dir, mut store) = store_with(&["0001"]);
        store
            .record_punch(
                &punch("0001", "2026-11-02T00:00:00Z"),
                "door-1",
                1,
                Some(0.71),
                now(),
            )
            .unwrap();
        for statement in ["UPDATE punches SET at_unix_ms = 0", "DELETE FROM punches"] {
            let err = store.conn.execute(statement, []).unwrap_err().to_string();
            assert_eq!(err, "punches are append-only; record an amendment instead");
        }
        // the same (device, seq) twice is refused
        assert!(store
            .record_punch(
                &punch("0001", "2026-11-02T01:00:00Z"),
                "door-1",
                1,
                None,
                now()
            )
            .is_err());
        assert!(matches!(
            store.record_punch(
                &punch("0009", "2026-11-02T01:00:00Z"),
                "door-1",
                2,
                None,
                now()
            ),
            Err(StoreError::UnknownStaff(_))
        ));
    }

    #[test]
    fn import_is_all_or_nothing_and_idempotent() {
        let (_dir, mut store) = store_with(&["0001", "0002"]);
        let good = [
            punch("0001", "2026-11-02T00:00:00Z"),
            punch("0002", "2026-11-02T00:01:00Z"),
            punch("0002", "2026-11-02T00:01:00Z"),
        ];
        let summary = store
            .import_punches(
                "a.csv",
                PunchImportFormat::Csv,
                "import",
                &good,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap();
        assert_eq!((summary.added, summary.skipped), (2, 1));
        let again = store
            .import_punches(
                "a.csv",
                PunchImportFormat::Csv,
                "import",
                &good,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap();
        assert_eq!((again.added, again.skipped), (0, 3));
        let bad = [
            punch("0001", "2026-11-03T00:00:00Z"),
            punch("0099", "2026-11-03T00:00:00Z"),
        ];
        assert!(matches!(
            store.import_punches("b.csv", PunchImportFormat::Csv, "import", &bad, now(), &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", "")),
            Err(StoreError::UnknownStaff(s)) if s.as_str() == "0099"
        ));
        assert_eq!(store.punch_count().unwrap(), 2);
        let rows = store
            .punches_between(
                "2026-11-01T00:00:00Z".parse().unwrap(),
                "2026-11-04T00:00:00Z".parse().unwrap(),
                None,
            )
            .unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.seq, r.source.as_str()))
                .collect::<Vec<_>>(),
            [(1, "import-csv"), (2, "import-csv")]
        );
    }

    #[test]
    fn voiding_needs_a_punch_and_only_once() {
        let (_dir, mut store) = store_with(&["0001", "0900"]);
        let at: Timestamp = "2026-11-02T00:00:00Z".parse().unwrap();
        store
            .record_punch(
                &punch("0001", "2026-11-02T00:00:00Z"),
                "door-1",
                1,
                None,
                now(),
            )
            .unwrap();
        let void = Amendment {
            staff: id("0001"),
            correction: Correction::VoidPunch { at },
            reason: "colleague's face".into(),
            author: id("0900"),
        };
        store
            .amend_punch(
                &void,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap();
        let err = store
            .amend_punch(
                &void,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap_err();
        assert!(matches!(err, RecordError::NothingToVoid { .. }), "{err}");
    }

    #[test]
    fn leave_overlap_is_refused_in_the_transaction() {
        let (_dir, mut store) = store_with(&["0001", "0002"]);
        let monday = d(2026, 11, 2);
        let new = NewLeave {
            staff: id("0001"),
            kind: LeaveKind::Personal,
            first: HalfDay {
                date: monday,
                session: Session::Morning,
            },
            last: HalfDay {
                date: monday,
                session: Session::Afternoon,
            },
            cover: Some(id("0002")),
            reason: String::new(),
            approval_required: ApprovalLevel::DeputyDirector,
        };
        let first = store
            .add_leave(
                &new,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap();
        assert_eq!(first, LeaveId(1));
        let overlapping = NewLeave {
            first: HalfDay {
                date: monday,
                session: Session::Afternoon,
            },
            ..new.clone()
        };
        let err = store
            .add_leave(
                &overlapping,
                now(),
                &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
            )
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "leave #2 of 0001 (2026-11-02 afternoon to 2026-11-02 afternoon) overlaps leave #1 \
             (2026-11-02 morning to 2026-11-02 afternoon); expected one leave per person per half \
             day (hint: change or close the existing leave first)"
        );
        assert_eq!(store.leaves(None, None).unwrap().len(), 1);
    }
}

//! The `leave` table: a leave's record, its approval and its close (销假), and the read that
//! [`Store::load_facts`] and the leave pages share. The one check made here is that a new leave
//! does not overlap another of the same person, through [`LeaveBook::add`] inside the writing
//! transaction. Must not decide who may approve (that is `core::leave::check_approver`) nor
//! whether a leave excuses a session (the rules).

use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::{params, Transaction};

use super::staff::ensure_staff;
use super::{to_i64, RecordError};
use crate::core::ids::StaffId;
use crate::core::leave::{ApprovalLevel, HalfDay, Leave, LeaveBook, LeaveError, LeaveId};
use crate::store::audit::{write_audit, Audit};
use crate::store::codes::{
    from_text, to_text, APPROVAL_LEVEL_CODES, LEAVE_KIND_CODES, SESSION_CODES,
};
use crate::store::{corrupt, date, sql, staff_id, stamp, Store, StoreError};

/// A leave to record: the core's request, the same shape the centre records.
pub use crate::core::leave::LeaveRequest as NewLeave;

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
    /// Set when the leave came from the centre (its number there): the centre owns it, and
    /// its next facts replace it.
    pub centre_id: Option<u64>,
}

impl Store {
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
        let tx = self.write(action)?;
        let next_id: i64 = tx
            .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM leave", [], |r| {
                r.get(0)
            })
            .map_err(sql(action))?;
        let id = LeaveId(u64::try_from(next_id).unwrap_or(0));
        write_leave(&tx, id, new, now, action)?;
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
        let tx = self.write(action)?;
        let record = stored_leave(&tx, id)?;
        if record.approval.is_some() {
            return Err(RecordError::AlreadyApproved(id));
        }
        tx.execute(
            "UPDATE leave SET approved_level = ?2, approved_by = ?3, certified_by = ?4,
                              approved_at = ?5
             WHERE id = ?1",
            params![
                to_i64(id.0),
                to_text(APPROVAL_LEVEL_CODES, approval.level),
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
        self.close(id, None, at, audit)
    }
}

impl Store {
    /// Replaces what a leave says (person, kind, half days, cover, reason, the level it needs)
    /// after checking, in the same transaction, that the people exist and that it overlaps no
    /// other leave of the person. Its approval, if any, is kept: the caller decides whether a
    /// changed leave may keep it.
    ///
    /// # Errors
    /// [`RecordError::Leave`] (unknown, overlap, backwards), [`StoreError::UnknownStaff`] or
    /// [`StoreError::Sql`].
    pub fn update_leave(
        &mut self,
        id: LeaveId,
        new: &NewLeave,
        audit: &Audit,
    ) -> Result<(), RecordError> {
        let action = "change a leave";
        let tx = self.write(action)?;
        let record = stored_leave(&tx, id)?;
        write_leave(&tx, id, new, record.created_at, action)?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Withdraws a leave (撤销): its row stays, marked cancelled at `at`, and no read of
    /// leave sees it again.
    ///
    /// # Errors
    /// [`LeaveError::UnknownLeave`] (or already cancelled) or [`StoreError::Sql`].
    pub fn cancel_leave(
        &mut self,
        id: LeaveId,
        at: Timestamp,
        audit: &Audit,
    ) -> Result<(), RecordError> {
        let action = "cancel a leave";
        let tx = self.write(action)?;
        stored_leave(&tx, id)?;
        tx.execute(
            "UPDATE leave SET cancelled_at = ?2 WHERE id = ?1",
            params![to_i64(id.0), at.to_string()],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }

    /// Closes a leave (销假) at `at` with `last` as its last half day away (earlier than
    /// planned when the person came back early).
    ///
    /// # Errors
    /// [`LeaveError::UnknownLeave`], [`RecordError::AlreadyClosed`] or [`StoreError::Sql`].
    pub fn close_leave_with_last(
        &mut self,
        id: LeaveId,
        last: HalfDay,
        at: Timestamp,
        audit: &Audit,
    ) -> Result<(), RecordError> {
        self.close(id, Some(last), at, audit)
    }

    /// Closes a leave at `at`, with a new last half day when given.
    fn close(
        &mut self,
        id: LeaveId,
        last: Option<HalfDay>,
        at: Timestamp,
        audit: &Audit,
    ) -> Result<(), RecordError> {
        let action = "close a leave";
        let tx = self.write(action)?;
        let record = stored_leave(&tx, id)?;
        if record.leave.closed_at.is_some() {
            return Err(RecordError::AlreadyClosed(id));
        }
        tx.execute(
            "UPDATE leave SET closed_at = ?2, last_date = COALESCE(?3, last_date),
                              last_session = COALESCE(?4, last_session)
             WHERE id = ?1",
            params![
                to_i64(id.0),
                at.to_string(),
                last.map(|l| l.date.to_string()),
                last.map(|l| to_text(SESSION_CODES, l.session))
            ],
        )
        .map_err(sql(action))?;
        write_audit(&tx, audit)?;
        tx.commit().map_err(sql(action))?;
        Ok(())
    }
}

/// Writes the leave `id` as `new` says (a new row, or the one of that id replaced; its approval,
/// close and creation time kept) after checking, in the same transaction, that the person and
/// the cover exist and that the person has no other leave for any of its half days.
pub(super) fn write_leave(
    tx: &Transaction<'_>,
    id: LeaveId,
    new: &NewLeave,
    created_at: Timestamp,
    action: &'static str,
) -> Result<(), RecordError> {
    ensure_staff(tx, &new.staff)?;
    if let Some(cover) = &new.cover {
        ensure_staff(tx, cover)?;
    }
    let mut book = LeaveBook::new();
    for record in query_leaves(tx, Some(&new.staff), None)? {
        if record.leave.id != id {
            book.add(record.leave)?;
        }
    }
    book.add(new.to_leave(id))?;
    tx.execute(
        "INSERT INTO leave (id, staff_id, kind, first_date, first_session, last_date,
                            last_session, cover_staff_id, reason, approval_required, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET staff_id = excluded.staff_id, kind = excluded.kind,
             first_date = excluded.first_date, first_session = excluded.first_session,
             last_date = excluded.last_date, last_session = excluded.last_session,
             cover_staff_id = excluded.cover_staff_id, reason = excluded.reason,
             approval_required = excluded.approval_required",
        params![
            to_i64(id.0),
            new.staff.as_str(),
            to_text(LEAVE_KIND_CODES, new.kind),
            new.first.date.to_string(),
            to_text(SESSION_CODES, new.first.session),
            new.last.date.to_string(),
            to_text(SESSION_CODES, new.last.session),
            new.cover.as_ref().map(StaffId::as_str),
            new.reason,
            to_text(APPROVAL_LEVEL_CODES, new.approval_required),
            created_at.to_string()
        ],
    )
    .map_err(sql(action))?;
    Ok(())
}

/// The stored leave `id`, read inside the writing transaction that changes it.
fn stored_leave(tx: &Transaction<'_>, id: LeaveId) -> Result<LeaveRecord, RecordError> {
    query_leaves(tx, None, Some(id))?
        .into_iter()
        .next()
        .ok_or(RecordError::Leave(LeaveError::UnknownLeave(id)))
}

pub(super) fn query_leaves(
    tx: &Transaction<'_>,
    staff: Option<&StaffId>,
    id: Option<LeaveId>,
) -> Result<Vec<LeaveRecord>, StoreError> {
    let action = "read leaves";
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, staff_id, kind, first_date, first_session, last_date, last_session,
                    cover_staff_id, reason, approval_required, approved_level, approved_by,
                    certified_by, approved_at, closed_at, created_at, centre_id
             FROM leave
             WHERE (?1 IS NULL OR staff_id = ?1) AND (?2 IS NULL OR id = ?2)
                   AND cancelled_at IS NULL
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
                level: from_text(APPROVAL_LEVEL_CODES, "leave.approved_level", &level)?,
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
                kind: from_text(LEAVE_KIND_CODES, "leave.kind", &text(2)?)?,
                first: HalfDay {
                    date: date(&text(3)?, "leave.first_date")?,
                    session: from_text(SESSION_CODES, "leave.first_session", &text(4)?)?,
                },
                last: HalfDay {
                    date: date(&text(5)?, "leave.last_date")?,
                    session: from_text(SESSION_CODES, "leave.last_session", &text(6)?)?,
                },
                cover: opt(7)?
                    .map(|c| staff_id(&c, "leave.cover_staff_id"))
                    .transpose()?,
                closed_at: opt(14)?.map(|c| stamp(&c, "leave.closed_at")).transpose()?,
            },
            reason: text(8)?,
            approval_required: from_text(
                APPROVAL_LEVEL_CODES,
                "leave.approval_required",
                &text(9)?,
            )?,
            approval,
            created_at: stamp(&text(15)?, "leave.created_at")?,
            centre_id: r
                .get::<_, Option<i64>>(16)
                .map_err(sql(action))?
                .map(|c| u64::try_from(c).map_err(|e| corrupt("leave.centre_id", e)))
                .transpose()?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::leave::LeaveKind;
    use crate::core::schedule::Session;
    use crate::store::attendance::testing::*;
    use jiff::civil::date as d;

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

    #[test]
    fn a_leave_is_changed_cancelled_and_closed_early() {
        let (_dir, mut store) = store_with(&["0001", "0002"]);
        let audit = crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", "");
        let half = |day: i8, session| HalfDay {
            date: d(2026, 11, day),
            session,
        };
        let mut new = NewLeave {
            staff: id("0001"),
            kind: LeaveKind::Personal,
            first: half(16, Session::Morning),
            last: half(20, Session::Afternoon),
            cover: Some(id("0002")),
            reason: String::new(),
            approval_required: ApprovalLevel::DirectorWithUnitCertificate,
        };
        let first = store.add_leave(&new, now(), &audit).unwrap();
        new.kind = LeaveKind::Annual;
        store.update_leave(first, &new, &audit).unwrap();
        assert_eq!(
            store.leave(first).unwrap().unwrap().leave.kind,
            LeaveKind::Annual
        );
        store
            .close_leave_with_last(first, half(18, Session::Afternoon), now(), &audit)
            .unwrap();
        let closed = store.leave(first).unwrap().unwrap().leave;
        assert_eq!(closed.last, half(18, Session::Afternoon));
        assert!(closed.closed_at.is_some());
        // The days after the early return are free for another leave; cancelled, it is gone.
        new.first = half(19, Session::Morning);
        let second = store.add_leave(&new, now(), &audit).unwrap();
        store.cancel_leave(second, now(), &audit).unwrap();
        assert!(store.leave(second).unwrap().is_none());
        assert_eq!(store.leaves(None, None).unwrap().len(), 1);
        assert!(store.cancel_leave(second, now(), &audit).is_err());
        // A leave from the centre says so.
        assert_eq!(store.leave(first).unwrap().unwrap().centre_id, None);
        store
            .conn
            .execute(
                "UPDATE leave SET centre_id = 7 WHERE id = ?1",
                [to_i64(first.0)],
            )
            .unwrap();
        assert_eq!(store.leave(first).unwrap().unwrap().centre_id, Some(7));
    }
}

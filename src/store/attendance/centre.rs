//! The door's copy of the facts the centre owns (facts protocol 2): the window posts, the leave in
//! force, the duty roster and the meetings, replaced in one transaction each time the centre's
//! version changes. Rows that came from the centre are marked (`centre_id`, `from_centre`); the
//! door's own rows are left alone, and a centre leave that overlaps one of the door's own is not
//! applied (it is reported, never lost, and the door's stays). Stores; decides nothing else.

use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::{params, Transaction};

use super::leave::query_leaves;
use super::staff::staff_ids_in;
use super::to_i64;
use crate::core::calendar::DutyEntry;
use crate::core::ids::StaffId;
use crate::core::leave::{Leave, LeaveBook, LeaveId, Post};
use crate::core::rules::Meeting;
use crate::store::audit::{write_audit, Audit};
use crate::store::codes::{
    to_text, APPROVAL_LEVEL_CODES, LEAVE_KIND_CODES, SESSIONS_CODES, SESSION_CODES,
};
use crate::store::{sql, Store, StoreError};

use super::leave::Approval;

/// A leave in force at the centre, under the centre's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreLeave {
    pub centre_id: u64,
    /// The leave (its `id` is ignored: the door numbers its rows).
    pub leave: Leave,
    pub reason: String,
    pub approval: Approval,
}

/// What the centre sends beside the staff list and the holiday files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CentreFacts {
    pub posts: Vec<Post>,
    pub leaves: Vec<CentreLeave>,
    pub duty: Vec<DutyEntry>,
    /// (the centre's number, the meeting).
    pub meetings: Vec<(i64, Meeting)>,
}

/// What replacing the centre's facts did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CentreFactsApplied {
    pub posts: usize,
    pub leaves: usize,
    pub duty: usize,
    pub meetings: usize,
    /// Centre leave not applied: (the centre's number, the door's own leave it overlaps).
    pub leave_conflicts: Vec<(u64, LeaveId)>,
}

impl Store {
    /// Sets each person's last judged day as the centre keeps it (`None`: still on the list), in
    /// one transaction with its audit line; people the door does not have are skipped.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn set_last_days(
        &mut self,
        last_days: &[(StaffId, Option<Date>)],
        audit: &Audit,
    ) -> Result<usize, StoreError> {
        let action = "set the last judged days";
        let tx = self.write(action)?;
        let mut changed = 0;
        for (staff, last) in last_days {
            changed += tx
                .execute(
                    "UPDATE staff SET active_until = ?2
                     WHERE staff_id = ?1 AND active_until IS NOT ?2",
                    params![staff.as_str(), last.map(|d| d.to_string())],
                )
                .map_err(sql(action))?;
        }
        if changed > 0 {
            write_audit(
                &tx,
                &audit
                    .clone()
                    .with_detail(format!("{}: {changed} last judged day(s)", audit.detail)),
            )?;
        }
        tx.commit().map_err(sql(action))?;
        Ok(changed)
    }

    /// Replaces the door's copy of the centre's posts, leave, duty and meetings with `facts`, in
    /// one transaction with its audit line.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] for a person the door does not have (the staff list is
    /// applied first), [`StoreError::Sql`].
    pub fn replace_centre_facts(
        &mut self,
        facts: &CentreFacts,
        now: Timestamp,
        audit: &Audit,
    ) -> Result<CentreFactsApplied, StoreError> {
        let action = "apply the centre's facts";
        let tx = self.write(action)?;
        let known = staff_ids_in(&tx)?;
        let people =
            facts
                .posts
                .iter()
                .flat_map(|p| [&p.holder, &p.backup])
                .chain(
                    facts.leaves.iter().flat_map(|l| {
                        std::iter::once(&l.leave.staff).chain(l.leave.cover.as_ref())
                    }),
                )
                .chain(facts.duty.iter().map(|d| &d.staff))
                .chain(facts.meetings.iter().flat_map(|(_, m)| {
                    m.invited.iter().chain(m.sign_ins.iter().map(|s| &s.staff))
                }));
        for p in people {
            if !known.contains(p) {
                return Err(StoreError::UnknownStaff(p.clone()));
            }
        }
        let mut applied = CentreFactsApplied::default();
        for post in &facts.posts {
            tx.execute(
                "INSERT INTO posts (post_id, holder, backup, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (post_id) DO UPDATE SET holder = excluded.holder,
                     backup = excluded.backup, updated_at = excluded.updated_at
                 WHERE holder <> excluded.holder OR backup <> excluded.backup",
                params![
                    post.id.as_str(),
                    post.holder.as_str(),
                    post.backup.as_str(),
                    now.to_string()
                ],
            )
            .map_err(sql(action))?;
            applied.posts += 1;
        }
        replace_leaves(&tx, facts, now, &mut applied)?;
        tx.execute("DELETE FROM duty_roster WHERE from_centre = 1", [])
            .map_err(sql(action))?;
        for e in &facts.duty {
            tx.execute(
                "INSERT INTO duty_roster (staff_id, date, sessions, from_centre) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (staff_id, date) DO UPDATE SET sessions = excluded.sessions,
                     from_centre = 1",
                params![
                    e.staff.as_str(),
                    e.date.to_string(),
                    to_text(SESSIONS_CODES, e.sessions)
                ],
            )
            .map_err(sql(action))?;
            applied.duty += 1;
        }
        replace_meetings(&tx, facts, now)?;
        applied.meetings = facts.meetings.len();
        write_audit(
            &tx,
            &audit.clone().with_detail(format!(
                "{}: {} post(s), {} leave(s), {} duty entr(ies), {} meeting(s){}",
                audit.detail,
                applied.posts,
                applied.leaves,
                applied.duty,
                applied.meetings,
                if applied.leave_conflicts.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; centre leave not applied (overlaps the door's own): {}",
                        applied
                            .leave_conflicts
                            .iter()
                            .map(|(c, d)| format!("#{c} vs door {d}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            )),
        )?;
        tx.commit().map_err(sql(action))?;
        Ok(applied)
    }
}

fn replace_leaves(
    tx: &Transaction<'_>,
    facts: &CentreFacts,
    now: Timestamp,
    applied: &mut CentreFactsApplied,
) -> Result<(), StoreError> {
    let action = "apply the centre's leave";
    tx.execute("DELETE FROM leave WHERE centre_id IS NOT NULL", [])
        .map_err(sql(action))?;
    let mut book = LeaveBook::new();
    for record in query_leaves(tx, None, None)? {
        book.add(record.leave).map_err(|e| StoreError::Corrupt {
            what: "leave (overlapping rows)",
            detail: e.to_string(),
        })?;
    }
    let mut next_id: i64 = tx
        .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM leave", [], |r| {
            r.get(0)
        })
        .map_err(sql(action))?;
    for c in &facts.leaves {
        let id = LeaveId(u64::try_from(next_id).unwrap_or(0));
        let mut leave = c.leave.clone();
        leave.id = id;
        if let Err(e) = book.add(leave.clone()) {
            if let crate::core::leave::LeaveError::Overlap { existing, .. } = e {
                applied.leave_conflicts.push((c.centre_id, existing));
            }
            continue;
        }
        tx.execute(
            "INSERT INTO leave (id, staff_id, kind, first_date, first_session, last_date,
                                last_session, cover_staff_id, reason, approval_required,
                                approved_level, approved_by, certified_by, approved_at,
                                closed_at, created_at, centre_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                next_id,
                leave.staff.as_str(),
                to_text(LEAVE_KIND_CODES, leave.kind),
                leave.first.date.to_string(),
                to_text(SESSION_CODES, leave.first.session),
                leave.last.date.to_string(),
                to_text(SESSION_CODES, leave.last.session),
                leave.cover.as_ref().map(|s| s.as_str()),
                c.reason,
                to_text(APPROVAL_LEVEL_CODES, c.approval.level),
                c.approval.by,
                c.approval.certified_by,
                c.approval.at.to_string(),
                leave.closed_at.map(|t| t.to_string()),
                now.to_string(),
                to_i64(c.centre_id),
            ],
        )
        .map_err(sql(action))?;
        next_id += 1;
        applied.leaves += 1;
    }
    Ok(())
}

fn replace_meetings(
    tx: &Transaction<'_>,
    facts: &CentreFacts,
    now: Timestamp,
) -> Result<(), StoreError> {
    let action = "apply the centre's meetings";
    for table in ["meeting_sign_ins", "meeting_invitees"] {
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE meeting_id IN
                     (SELECT id FROM meetings WHERE centre_id IS NOT NULL)"
            ),
            [],
        )
        .map_err(sql(action))?;
    }
    tx.execute("DELETE FROM meetings WHERE centre_id IS NOT NULL", [])
        .map_err(sql(action))?;
    for (centre_id, m) in &facts.meetings {
        tx.execute(
            "INSERT INTO meetings (title, start_unix_ms, end_unix_ms, created_at, centre_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                m.title,
                m.start.as_millisecond(),
                m.end.as_millisecond(),
                now.to_string(),
                centre_id
            ],
        )
        .map_err(sql(action))?;
        let id = tx.last_insert_rowid();
        for staff in &m.invited {
            tx.execute(
                "INSERT OR IGNORE INTO meeting_invitees (meeting_id, staff_id) VALUES (?1, ?2)",
                params![id, staff.as_str()],
            )
            .map_err(sql(action))?;
        }
        for s in &m.sign_ins {
            tx.execute(
                "INSERT INTO meeting_sign_ins (meeting_id, staff_id, at_unix_ms) VALUES (?1, ?2, ?3)",
                params![id, s.staff.as_str(), s.at.as_millisecond()],
            )
            .map_err(sql(action))?;
        }
    }
    Ok(())
}

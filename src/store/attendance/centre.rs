//! The door's copy of the facts the centre owns (facts protocol 2): the window posts, the leave in
//! force, the duty roster and the meetings, replaced in one transaction each time the centre's
//! version changes. Rows that came from the centre are marked (`centre_id`, `from_centre`); the
//! door's own rows are left alone, and a centre leave that overlaps one of the door's own is not
//! applied (it is reported, never lost, and the door's stays). Stores; decides nothing else.

use jiff::civil::Date;
use jiff::Timestamp;
use rusqlite::{params, Transaction};

use super::leave::{write_leave, Approval};
use super::meetings::insert_meeting;
use super::posts::upsert_post;
use super::staff::staff_ids_in;
use super::{to_i64, RecordError};
use crate::core::calendar::DutyEntry;
use crate::core::ids::StaffId;
use crate::core::leave::{LeaveError, LeaveId, LeaveRequest, Post};
use crate::core::rules::Meeting;
use crate::store::audit::{write_audit, Audit};
use crate::store::codes::{to_text, APPROVAL_LEVEL_CODES, SESSIONS_CODES};
use crate::store::{sql, Store, StoreError};

/// A leave in force at the centre, under the centre's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreLeave {
    pub centre_id: u64,
    pub request: LeaveRequest,
    pub approval: Approval,
    /// When the person reported back (销假).
    pub closed_at: Option<Timestamp>,
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
                .chain(facts.leaves.iter().flat_map(|l| {
                    std::iter::once(&l.request.staff).chain(l.request.cover.as_ref())
                }))
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
            upsert_post(&tx, post, now)?;
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
    let mut next_id: i64 = tx
        .query_row("SELECT COALESCE(MAX(id), 0) + 1 FROM leave", [], |r| {
            r.get(0)
        })
        .map_err(sql(action))?;
    for c in &facts.leaves {
        let id = LeaveId(u64::try_from(next_id).unwrap_or(0));
        match write_leave(tx, id, &c.request, now, action) {
            Ok(()) => {}
            Err(RecordError::Leave(LeaveError::Overlap { existing, .. })) => {
                applied.leave_conflicts.push((c.centre_id, existing));
                continue;
            }
            Err(RecordError::Store(e)) => return Err(e),
            Err(other) => {
                return Err(StoreError::Corrupt {
                    what: "the centre's leave",
                    detail: other.to_string(),
                })
            }
        }
        tx.execute(
            "UPDATE leave SET approved_level = ?2, approved_by = ?3, certified_by = ?4,
                              approved_at = ?5, closed_at = ?6, centre_id = ?7
             WHERE id = ?1",
            params![
                next_id,
                to_text(APPROVAL_LEVEL_CODES, c.approval.level),
                c.approval.by,
                c.approval.certified_by,
                c.approval.at.to_string(),
                c.closed_at.map(|t| t.to_string()),
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
        insert_meeting(tx, m, now, Some(*centre_id))?;
    }
    Ok(())
}

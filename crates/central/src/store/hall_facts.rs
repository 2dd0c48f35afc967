//! The SQL of the hall's facts the centre owns beside the staff list (migration 0005): window
//! posts with their A and B, leave with its approval, close and cancellation, the duty roster and
//! meetings with their sign-in sheets. The one check made here is that a new leave does not
//! overlap another of the same person ([`LeaveBook::add`], inside the writing transaction, the
//! person's row locked). Must not decide who may approve (that is
//! `hallclock_core::leave::check_approver`) nor whether a leave excuses a session (the rules).
//!
//! Every change is written with its audit line in one transaction (`accounts::commit_with`).
//!
//! Days cross the driver as ISO text, instants as text in and microseconds since the epoch out.

use hallclock_core::calendar::DutyEntry;
use hallclock_core::codes::{
    code_of, from_code, Codes, APPROVAL_LEVEL_CODES, LEAVE_KIND_CODES, SESSIONS_CODES,
    SESSION_CODES,
};
use hallclock_core::ids::StaffId;
use hallclock_core::leave::{ApprovalLevel, HalfDay, Leave, LeaveBook, LeaveId, Post, PostId};
use hallclock_core::rules::{Meeting, SignIn};
use jiff::civil::Date;
use jiff::Timestamp;
use tokio_postgres::Row;

use super::accounts::commit_with;
use super::scoring::{day, instant_us, staff_id};
use super::{exists_or, found, query, AuditEntry, Store, StoreError};

/// A leave to record: the core's request, the same shape the door records. Who records it is
/// the audit line's actor.
pub use hallclock_core::leave::LeaveRequest as NewLeave;

/// A stored leave with its approval and state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveLine {
    /// The rules' view: id, person, kind, half days, cover, closed.
    pub leave: Leave,
    pub reason: String,
    pub approval_required: ApprovalLevel,
    /// The level approved, by whom, certified by whom, when; `None` while waiting. An
    /// unapproved leave excuses nothing.
    pub approval: Option<(ApprovalLevel, String, Option<String>, Timestamp)>,
    /// A cancelled leave excuses nothing and is not sent to the doors.
    pub cancelled_at: Option<Timestamp>,
    pub recorded_by: String,
}

impl LeaveLine {
    /// Approved and not cancelled: the leave the rules and the doors see.
    pub fn in_force(&self) -> bool {
        self.approval.is_some() && self.cancelled_at.is_none()
    }
}

fn code<T: Copy>(codes: &Codes<T>, what: &'static str, text: &str) -> Result<T, StoreError> {
    from_code(codes, text).ok_or_else(|| StoreError::Corrupt {
        what,
        value: text.to_string(),
    })
}

const LEAVE_COLUMNS: &str = "id, staff_id, kind, first_day::text, first_session, last_day::text,
    last_session, cover, reason, approval_required, approved_level, approved_by, certified_by,
    (extract(epoch from approved_at) * 1000000)::int8,
    (extract(epoch from closed_at) * 1000000)::int8,
    (extract(epoch from cancelled_at) * 1000000)::int8, recorded_by";

fn leave_line(r: &Row) -> Result<LeaveLine, StoreError> {
    let half = |d: usize, s: usize| -> Result<HalfDay, StoreError> {
        Ok(HalfDay {
            date: day(r.get(d), "leaves.first_day/last_day")?,
            session: code(SESSION_CODES, "leaves.session", r.get(s))?,
        })
    };
    let instant = |i: usize, what| {
        r.get::<_, Option<i64>>(i)
            .map(|us| instant_us(us, what))
            .transpose()
    };
    let approval = match r.get::<_, Option<&str>>(10) {
        None => None,
        Some(level) => Some((
            code(APPROVAL_LEVEL_CODES, "leaves.approved_level", level)?,
            r.get::<_, Option<String>>(11).unwrap_or_default(),
            r.get(12),
            instant(13, "leaves.approved_at")?.ok_or_else(|| StoreError::Corrupt {
                what: "leaves.approved_at",
                value: "null beside a level".into(),
            })?,
        )),
    };
    Ok(LeaveLine {
        leave: Leave {
            id: LeaveId(u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)),
            staff: staff_id(r.get(1), "leaves.staff_id")?,
            kind: code(LEAVE_KIND_CODES, "leaves.kind", r.get(2))?,
            first: half(3, 4)?,
            last: half(5, 6)?,
            cover: r
                .get::<_, Option<String>>(7)
                .map(|c| staff_id(c, "leaves.cover"))
                .transpose()?,
            closed_at: instant(14, "leaves.closed_at")?,
        },
        reason: r.get(8),
        approval_required: code(APPROVAL_LEVEL_CODES, "leaves.approval_required", r.get(9))?,
        approval,
        cancelled_at: instant(15, "leaves.cancelled_at")?,
        recorded_by: r.get(16),
    })
}

fn leave_key(id: LeaveId) -> Result<i64, StoreError> {
    i64::try_from(id.0).map_err(|_| StoreError::NotFound {
        what: "leave",
        id: id.to_string(),
    })
}

impl Store {
    /// Sets a window post's A and B, and both people's window (`staff.post`), in one
    /// transaction.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (a person not in the hall), [`StoreError::Query`] (A is B).
    pub async fn set_post(
        &mut self,
        hall: &str,
        post: &Post,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let tx = self.begin("starting to set a post").await?;
        tx.execute(
            "INSERT INTO posts (hall, id, holder, backup) VALUES ($1, $2, $3, $4)
             ON CONFLICT (hall, id) DO UPDATE
                SET holder = excluded.holder, backup = excluded.backup, updated_at = now()",
            &[
                &hall,
                &post.id.as_str(),
                &post.holder.as_str(),
                &post.backup.as_str(),
            ],
        )
        .await
        .map_err(|e| unknown_person(e, "setting a post", &post.holder, &post.backup))?;
        tx.execute(
            "UPDATE staff SET post = $2 WHERE hall = $1 AND id IN ($3, $4)",
            &[
                &hall,
                &post.id.as_str(),
                &post.holder.as_str(),
                &post.backup.as_str(),
            ],
        )
        .await
        .map_err(query("setting the post's people's window"))?;
        commit_with(tx, Some(audit)).await
    }

    /// The hall's posts, by id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn posts(&self, hall: &str) -> Result<Vec<Post>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT id, holder, backup FROM posts WHERE hall = $1 ORDER BY id",
                &[&hall],
            )
            .await
            .map_err(query("reading the posts"))?;
        rows.iter()
            .map(|r| {
                Ok(Post {
                    id: PostId::new(r.get(0)),
                    holder: staff_id(r.get(1), "posts.holder")?,
                    backup: staff_id(r.get(2), "posts.backup")?,
                })
            })
            .collect()
    }

    /// Records a leave after checking, with the person's row locked, that they have no other
    /// leave (not cancelled) for any of its half days. Returns its id.
    ///
    /// # Errors
    /// [`StoreError::Leave`] (overlap or backwards), [`StoreError::NotFound`] (the person or the
    /// cover not in the hall), [`StoreError::Query`].
    pub async fn add_leave(
        &mut self,
        hall: &str,
        new: &NewLeave,
        audit: &AuditEntry,
    ) -> Result<LeaveId, StoreError> {
        let tx = self.begin("starting to record a leave").await?;
        let n = tx
            .execute(
                "SELECT 1 FROM staff WHERE hall = $1 AND id = $2 FOR UPDATE",
                &[&hall, &new.staff.as_str()],
            )
            .await
            .map_err(query("locking the person"))?;
        found(n, "staff id in that hall", new.staff.as_str())?;
        let rows = tx
            .query(
                &format!(
                    "SELECT {LEAVE_COLUMNS} FROM leaves
                     WHERE hall = $1 AND staff_id = $2 AND cancelled_at IS NULL"
                ),
                &[&hall, &new.staff.as_str()],
            )
            .await
            .map_err(query("reading the person's leave"))?;
        let mut book = LeaveBook::new();
        for r in &rows {
            book.add(leave_line(r)?.leave)
                .map_err(|e| StoreError::Leave(e.to_string()))?;
        }
        book.add(new.to_leave(LeaveId(0)))
            .map_err(|e| StoreError::Leave(e.to_string()))?;
        let row = tx
            .query_one(
                "INSERT INTO leaves (hall, staff_id, kind, first_day, first_session, last_day,
                                     last_session, cover, reason, approval_required, recorded_by)
                 VALUES ($1, $2, $3, $4::text::date, $5, $6::text::date, $7, $8, $9, $10, $11)
                 RETURNING id",
                &[
                    &hall,
                    &new.staff.as_str(),
                    &code_of(LEAVE_KIND_CODES, new.kind),
                    &new.first.date.to_string(),
                    &code_of(SESSION_CODES, new.first.session),
                    &new.last.date.to_string(),
                    &code_of(SESSION_CODES, new.last.session),
                    &new.cover.as_ref().map(StaffId::as_str),
                    &new.reason,
                    &code_of(APPROVAL_LEVEL_CODES, new.approval_required),
                    &audit.actor,
                ],
            )
            .await
            .map_err(|e| {
                let cover = new.cover.clone().unwrap_or_else(|| new.staff.clone());
                unknown_person(e, "recording a leave", &new.staff, &cover)
            })?;
        let id = LeaveId(u64::try_from(row.get::<_, i64>(0)).unwrap_or(0));
        commit_with(tx, Some(&audit.numbered(id.0))).await?;
        Ok(id)
    }

    /// Leave `id` of `hall`, whatever its state.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn leave(&self, hall: &str, id: LeaveId) -> Result<Option<LeaveLine>, StoreError> {
        let row = self
            .client
            .query_opt(
                &format!("SELECT {LEAVE_COLUMNS} FROM leaves WHERE hall = $1 AND id = $2"),
                &[&hall, &leave_key(id)?],
            )
            .await
            .map_err(query("reading a leave"))?;
        row.as_ref().map(leave_line).transpose()
    }

    /// The hall's leave touching a day of `first..=last` (cancelled ones included: see
    /// [`LeaveLine::in_force`]), by first day and id.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn leaves(
        &self,
        hall: &str,
        first: Date,
        last: Date,
    ) -> Result<Vec<LeaveLine>, StoreError> {
        let rows = self
            .client
            .query(
                &format!(
                    "SELECT {LEAVE_COLUMNS} FROM leaves
                     WHERE hall = $1 AND last_day >= $2::text::date AND first_day <= $3::text::date
                     ORDER BY first_day, id"
                ),
                &[&hall, &first.to_string(), &last.to_string()],
            )
            .await
            .map_err(query("reading the hall's leave"))?;
        rows.iter().map(leave_line).collect()
    }

    /// Records the approval of a waiting leave.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when no leave of the hall has that id or it is already approved
    /// or cancelled, [`StoreError::Query`].
    #[allow(
        clippy::too_many_arguments,
        reason = "an approval's values, each distinct, and its audit line"
    )]
    pub async fn approve_leave(
        &mut self,
        hall: &str,
        id: LeaveId,
        level: ApprovalLevel,
        by: &str,
        certified_by: Option<&str>,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let tx = self.begin("starting an approval").await?;
        let n = tx
            .execute(
                "UPDATE leaves SET approved_level = $3, approved_by = $4, certified_by = $5,
                                   approved_at = $6::text::timestamptz
                 WHERE hall = $1 AND id = $2 AND approved_level IS NULL AND cancelled_at IS NULL",
                &[
                    &hall,
                    &leave_key(id)?,
                    &code_of(APPROVAL_LEVEL_CODES, level),
                    &by,
                    &certified_by,
                    &at.to_string(),
                ],
            )
            .await
            .map_err(query("approving a leave"))?;
        found(n, "waiting leave of that hall", &id.to_string())?;
        commit_with(tx, Some(audit)).await
    }

    /// Closes (销假) an open leave at `at`, or cancels a leave not yet cancelled.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when no such open leave of the hall exists, [`StoreError::Query`].
    pub async fn end_leave(
        &mut self,
        hall: &str,
        id: LeaveId,
        ending: LeaveEnding,
        at: Timestamp,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let (sql, what) = match ending {
            LeaveEnding::Close => (
                "UPDATE leaves SET closed_at = $3::text::timestamptz
                 WHERE hall = $1 AND id = $2 AND closed_at IS NULL AND cancelled_at IS NULL",
                "open leave of that hall",
            ),
            LeaveEnding::Cancel => (
                "UPDATE leaves SET cancelled_at = $3::text::timestamptz
                 WHERE hall = $1 AND id = $2 AND cancelled_at IS NULL",
                "leave of that hall not yet cancelled",
            ),
        };
        let tx = self.begin("starting to end a leave").await?;
        let n = tx
            .execute(sql, &[&hall, &leave_key(id)?, &at.to_string()])
            .await
            .map_err(query("ending a leave"))?;
        found(n, what, &id.to_string())?;
        commit_with(tx, Some(audit)).await
    }

    /// Adds duty roster entries in one transaction; an entry for a person and day already on the
    /// roster takes the new sessions.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (a person not in the hall), [`StoreError::Query`].
    pub async fn put_duty(
        &mut self,
        hall: &str,
        entries: &[DutyEntry],
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let tx = self.begin("starting the duty roster").await?;
        for e in entries {
            tx.execute(
                "INSERT INTO duty_roster (hall, staff_id, day, sessions)
                 VALUES ($1, $2, $3::text::date, $4)
                 ON CONFLICT (hall, staff_id, day)
                 DO UPDATE SET sessions = excluded.sessions, recorded_at = now()",
                &[
                    &hall,
                    &e.staff.as_str(),
                    &e.date.to_string(),
                    &code_of(SESSIONS_CODES, e.sessions),
                ],
            )
            .await
            .map_err(|err| unknown_person(err, "storing a duty entry", &e.staff, &e.staff))?;
        }
        commit_with(tx, Some(audit)).await
    }

    /// The hall's duty roster on `first..=last`, by day and person.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn duty(
        &self,
        hall: &str,
        first: Date,
        last: Date,
    ) -> Result<Vec<DutyEntry>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT staff_id, day::text, sessions FROM duty_roster
                 WHERE hall = $1 AND day BETWEEN $2::text::date AND $3::text::date
                 ORDER BY day, staff_id",
                &[&hall, &first.to_string(), &last.to_string()],
            )
            .await
            .map_err(query("reading the duty roster"))?;
        rows.iter()
            .map(|r| {
                Ok(DutyEntry {
                    staff: staff_id(r.get(0), "duty_roster.staff_id")?,
                    date: day(r.get(1), "duty_roster.day")?,
                    sessions: code(SESSIONS_CODES, "duty_roster.sessions", r.get(2))?,
                })
            })
            .collect()
    }

    /// Records a meeting, who must attend and its sign-in sheet in one transaction; returns its
    /// id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (a person not in the hall), [`StoreError::Query`].
    pub async fn add_meeting(
        &mut self,
        hall: &str,
        meeting: &Meeting,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let tx = self.begin("starting to record a meeting").await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO meetings (hall, title, start_at, end_at, recorded_by)
                 VALUES ($1, $2, $3::text::timestamptz, $4::text::timestamptz, $5) RETURNING id",
                &[
                    &hall,
                    &meeting.title,
                    &meeting.start.to_string(),
                    &meeting.end.to_string(),
                    &audit.actor,
                ],
            )
            .await
            .map_err(query("recording a meeting"))?
            .get(0);
        for staff in &meeting.invited {
            tx.execute(
                "INSERT INTO meeting_invitees (meeting, hall, staff_id) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&id, &hall, &staff.as_str()],
            )
            .await
            .map_err(|e| unknown_person(e, "recording an invitee", staff, staff))?;
        }
        for s in &meeting.sign_ins {
            tx.execute(
                "INSERT INTO meeting_sign_ins (meeting, hall, staff_id, at)
                 VALUES ($1, $2, $3, $4::text::timestamptz)",
                &[&id, &hall, &s.staff.as_str(), &s.at.to_string()],
            )
            .await
            .map_err(|e| unknown_person(e, "recording a sign-in", &s.staff, &s.staff))?;
        }
        commit_with(tx, Some(&audit.numbered(id))).await?;
        Ok(id)
    }

    /// The hall's meetings starting in `[from, to)` (every one with `None`), with invitees and
    /// sign-ins, by start.
    ///
    /// # Errors
    /// [`StoreError::Corrupt`], [`StoreError::Query`].
    pub async fn meetings(
        &self,
        hall: &str,
        within: Option<(Timestamp, Timestamp)>,
    ) -> Result<Vec<(i64, Meeting)>, StoreError> {
        let (from, to) = match within {
            Some((from, to)) => (Some(from.to_string()), Some(to.to_string())),
            None => (None, None),
        };
        let rows = self
            .client
            .query(
                "SELECT m.id, m.title, (extract(epoch from m.start_at) * 1000000)::int8,
                            (extract(epoch from m.end_at) * 1000000)::int8,
                            ARRAY(SELECT staff_id FROM meeting_invitees i
                                  WHERE i.meeting = m.id ORDER BY staff_id),
                            ARRAY(SELECT staff_id FROM meeting_sign_ins s
                                  WHERE s.meeting = m.id ORDER BY at, staff_id),
                            ARRAY(SELECT (extract(epoch from at) * 1000000)::int8
                                  FROM meeting_sign_ins s WHERE s.meeting = m.id
                                  ORDER BY at, staff_id)
                     FROM meetings m
                     WHERE m.hall = $1
                       AND ($2::text IS NULL OR m.start_at >= $2::text::timestamptz)
                       AND ($3::text IS NULL OR m.start_at < $3::text::timestamptz)
                     ORDER BY m.start_at, m.id",
                &[&hall, &from, &to],
            )
            .await
            .map_err(query("reading the meetings"))?;
        rows.iter()
            .map(|r| {
                let invited = r
                    .get::<_, Vec<String>>(4)
                    .into_iter()
                    .map(|s| staff_id(s, "meeting_invitees.staff_id"))
                    .collect::<Result<_, _>>()?;
                let who: Vec<String> = r.get(5);
                let at: Vec<i64> = r.get(6);
                let sign_ins = who
                    .into_iter()
                    .zip(at)
                    .map(|(s, us)| {
                        Ok(SignIn {
                            staff: staff_id(s, "meeting_sign_ins.staff_id")?,
                            at: instant_us(us, "meeting_sign_ins.at")?,
                        })
                    })
                    .collect::<Result<_, StoreError>>()?;
                Ok((
                    r.get(0),
                    Meeting {
                        title: r.get(1),
                        start: instant_us(r.get(2), "meetings.start_at")?,
                        end: instant_us(r.get(3), "meetings.end_at")?,
                        invited,
                        sign_ins,
                    },
                ))
            })
            .collect()
    }
}

/// How a leave ends before its last half day: closed (销假, the person is back) or cancelled
/// (it never happened).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveEnding {
    Close,
    Cancel,
}

/// A foreign-key failure as the person (or the other person) not being on the hall's list.
fn unknown_person(
    e: tokio_postgres::Error,
    doing: &'static str,
    one: &StaffId,
    other: &StaffId,
) -> StoreError {
    match e.code() {
        Some(c) if *c == tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION => {
            StoreError::NotFound {
                what: "staff id in that hall",
                id: if one == other {
                    one.to_string()
                } else {
                    format!("{one} or {other}")
                },
            }
        }
        _ => exists_or(e, "entry", one.as_str(), doing),
    }
}

//! The meeting tables: `meetings`, `meeting_invitees` and `meeting_sign_ins` (签到), written in
//! one transaction. Must not judge a sign-in (late, missed, excused): the rules do.

use jiff::Timestamp;
use rusqlite::{params, Transaction};

use super::staff::staff_ids_in;
use crate::core::rules::Meeting;
use crate::store::audit::{write_audit, Audit};
use crate::store::{sql, Store, StoreError};

impl Store {
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
        let tx = self.write(action)?;
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
        let id = insert_meeting(&tx, meeting, now, None)?;
        write_audit(
            &tx,
            &audit.clone().with_detail(format!("#{id} {}", audit.detail)),
        )?;
        tx.commit().map_err(sql(action))?;
        Ok(id)
    }
}

/// Writes `meeting`, its invitees and its sign-in sheet in `tx` (the centre's number with it
/// when it came from the centre); its id.
///
/// # Errors
/// [`StoreError::Sql`].
pub(super) fn insert_meeting(
    tx: &Transaction<'_>,
    meeting: &Meeting,
    now: Timestamp,
    centre_id: Option<i64>,
) -> Result<i64, StoreError> {
    let action = "record a meeting";
    tx.execute(
        "INSERT INTO meetings (title, start_unix_ms, end_unix_ms, created_at, centre_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            meeting.title,
            meeting.start.as_millisecond(),
            meeting.end.as_millisecond(),
            now.to_string(),
            centre_id
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
    Ok(id)
}

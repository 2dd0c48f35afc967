//! The door's liveness findings (issue 11): punches the check marked suspect (`flag` mode) and
//! the attempts it refused (`refuse` mode), for the supervisor's list and the month report; and
//! the attempts' upload state (migration 0010: sent upstream as records of their own, acknowledged
//! or parked as outbox rows are).

use jiff::Timestamp;
use rusqlite::params;

use super::{corrupt, instant, select, sql, staff_id, Store, StoreError};
use crate::core::ids::StaffId;

/// A suspected spoof the door refused: no punch, the claimed person on record.
#[derive(Debug, Clone, PartialEq)]
pub struct SpoofAttempt {
    /// Whom the face matched (the person someone tried to clock in for).
    pub staff: StaffId,
    pub at: Timestamp,
    /// The recognition score.
    pub match_score: Option<f32>,
    /// The combined live score, 0 to 1.
    pub live_score: f32,
    /// Why it was suspected (`model`, `flat`, `still`, `bezel`), comma-separated.
    pub reasons: String,
}

/// What became of a suspected spoof.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpoofOutcome {
    /// `flag` mode: the punch was kept, marked.
    Flagged,
    /// `refuse` mode: no punch.
    Refused,
}

/// One line of the supervisor's list of suspected spoofs (代打卡嫌疑).
#[derive(Debug, Clone, PartialEq)]
pub struct SpoofLine {
    pub staff: StaffId,
    pub at: Timestamp,
    pub device: String,
    pub outcome: SpoofOutcome,
    pub live_score: Option<f32>,
    pub reasons: String,
    /// The evidence frame's file name, when one was kept (`[liveness] keep-evidence`).
    pub evidence: Option<String>,
}

/// A refused attempt waiting to be sent upstream: exactly the facts that are sent.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// The attempt's id: its sequence number in `"<device>:attempt:<id>"`.
    pub id: i64,
    pub device: String,
    pub staff: StaffId,
    pub at: Timestamp,
    pub live_score: f32,
    /// Comma-separated reason codes.
    pub reasons: String,
}

impl Store {
    /// Records a refused attempt.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (an unknown person included: the door only claims enrolled staff).
    pub fn record_spoof_attempt(
        &mut self,
        device: &str,
        attempt: &SpoofAttempt,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let action = "record a spoof attempt";
        let tx = self.write(action)?;
        tx.execute(
            "INSERT INTO spoof_attempts (staff_id, at_unix_ms, device, match_score, live_score,
                                         reasons, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                attempt.staff.as_str(),
                attempt.at.as_millisecond(),
                device,
                attempt.match_score.map(f64::from),
                f64::from(attempt.live_score),
                attempt.reasons,
                now.to_string()
            ],
        )
        .map_err(sql(action))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(sql(action))?;
        Ok(id)
    }

    /// The oldest `limit` refused attempts not yet acknowledged nor parked, by id.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn attempts_ready(&self, limit: usize) -> Result<Vec<AttemptRecord>, StoreError> {
        select(
            &self.conn,
            "read the spoof attempts to upload",
            "SELECT id, device, staff_id, at_unix_ms, live_score, reasons
             FROM spoof_attempts INDEXED BY spoof_attempts_to_upload
             WHERE upload_state = 'pending' ORDER BY id LIMIT ?1",
            params![i64::try_from(limit).unwrap_or(i64::MAX)],
            |c| {
                let id: i64 = c.get(0)?;
                Ok(AttemptRecord {
                    id,
                    device: c.get(1)?,
                    staff: staff_id(&c.get::<String>(2)?, "spoof_attempts.staff_id")?,
                    at: instant(c.get(3)?, "spoof_attempts.at_unix_ms")?,
                    live_score: c.get::<Option<f64>>(4)?.ok_or_else(|| {
                        corrupt("spoof_attempts.live_score", format!("NULL in {id}"))
                    })? as f32,
                    reasons: c.get(5)?,
                })
            },
        )
    }

    /// Marks attempts acknowledged by the central service and parks others with the server's
    /// reasons, in one transaction; an attempt already settled is left as it is.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (nothing is written then).
    pub fn settle_attempts(
        &mut self,
        acked: &[i64],
        parked: &[(i64, String)],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let parked: Vec<(i64, &str)> = parked.iter().map(|(id, why)| (*id, why.as_str())).collect();
        self.settle_queue(
            "settle spoof attempts",
            "UPDATE spoof_attempts SET upload_state = ?2, park_reason = ?3,
                                       settled_unix_ms = ?4
             WHERE id = ?1 AND upload_state = 'pending'",
            (acked, &parked),
            now,
        )
    }

    /// Flagged punches and refused attempts at instants `from <= at < until`, by time.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn spoof_lines(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<SpoofLine>, StoreError> {
        select(
            &self.conn,
            "list suspected spoofs",
            "SELECT s.staff_id, s.at_unix_ms, s.device, s.outcome, s.score, s.reasons,
                    (SELECT e.file FROM liveness_evidence e
                     WHERE e.staff_id = s.staff_id AND e.at_unix_ms = s.at_unix_ms LIMIT 1)
             FROM (SELECT staff_id, at_unix_ms, device, 'flagged' AS outcome,
                          liveness_score AS score, liveness_reasons AS reasons
                   FROM punches WHERE liveness = 'suspect' AND at_unix_ms >= ?1 AND at_unix_ms < ?2
                   UNION ALL
                   SELECT staff_id, at_unix_ms, device, 'refused', live_score, reasons
                   FROM spoof_attempts WHERE at_unix_ms >= ?1 AND at_unix_ms < ?2) s
             ORDER BY 2, 1",
            params![from.as_millisecond(), until.as_millisecond()],
            |c| {
                Ok(SpoofLine {
                    staff: staff_id(&c.get::<String>(0)?, "spoofs.staff_id")?,
                    at: instant(c.get(1)?, "spoofs.at_unix_ms")?,
                    device: c.get(2)?,
                    outcome: if c.get::<String>(3)? == "refused" {
                        SpoofOutcome::Refused
                    } else {
                        SpoofOutcome::Flagged
                    },
                    live_score: c.get::<Option<f64>>(4)?.map(|s| s as f32),
                    reasons: c.get::<Option<String>>(5)?.unwrap_or_default(),
                    evidence: c.get(6)?,
                })
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rules::Punch;
    use crate::core::schedule::PunchRole;
    use crate::store::testing::{id, now, store_with};
    use crate::store::{DoorPunch, LivenessMark};

    #[test]
    fn flagged_punches_and_refused_attempts_are_listed_by_time() {
        let (_dir, mut s) = store_with(&["0001", "0002"]);
        let at = |t: &str| -> Timestamp { t.parse().unwrap() };
        let punch = |who: &str, t: &str, liveness: Option<LivenessMark>| DoorPunch {
            punch: Punch {
                staff: id(who),
                at: at(t),
                clock_trusted: true,
            },
            role: PunchRole::ClockIn,
            verdict: None,
            score: Some(0.9),
            liveness,
        };
        let suspect = LivenessMark {
            suspect: true,
            score: 0.12,
            reasons: "model,flat".into(),
        };
        let live = LivenessMark {
            suspect: false,
            score: 0.93,
            reasons: String::new(),
        };
        s.record_door_punches(
            "door-1",
            &[
                punch("0001", "2026-11-30T00:01:00Z", Some(live)),
                punch("0002", "2026-11-30T00:03:00Z", Some(suspect)),
                punch("0001", "2026-11-30T00:04:00Z", None),
            ],
            now(),
        )
        .unwrap();
        s.record_spoof_attempt(
            "door-1",
            &SpoofAttempt {
                staff: id("0001"),
                at: at("2026-11-30T00:02:00Z"),
                match_score: Some(0.8),
                live_score: 0.05,
                reasons: "bezel".into(),
            },
            now(),
        )
        .unwrap();
        let lines = s
            .spoof_lines(at("2026-11-30T00:00:00Z"), at("2026-12-01T00:00:00Z"))
            .unwrap();
        let got: Vec<_> = lines
            .iter()
            .map(|l| (l.staff.as_str(), l.outcome, l.reasons.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("0001", SpoofOutcome::Refused, "bezel"),
                ("0002", SpoofOutcome::Flagged, "model,flat"),
            ]
        );
        assert!(s
            .spoof_lines(at("2026-11-30T00:02:30Z"), at("2026-11-30T00:02:40Z"))
            .unwrap()
            .is_empty());
    }
}

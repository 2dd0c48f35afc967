//! The upload outbox (migration 0003): every door punch is written together with its outbox row in
//! one transaction, and the uploader reads the oldest ready rows, then marks each acknowledged or
//! parked. Every SQL statement about the outbox lives here.
//!
//! This file stores and loads; it does not decide what the server's answer means (that is
//! `core::outbox`) and never talks to the network. Guarantees, each enforced in SQL as well:
//! a row is deleted only once acknowledged (and only by [`Store::prune_acked_outbox`]); an
//! acknowledged row stays acknowledged; every write is one transaction, durable when it returns.
//!
//! A punch taken while the device clock was untrusted is stored with `clock_trusted = false` and
//! no classification. Such a row is *held back* from upload until
//! [`Store::update_outbox_classification`] fills in its verdict (the daemon does that once the
//! clock is trusted), so the server never receives a late/early reading made on a wrong clock.
//! Rows behind a held row are not blocked: the queue order is the sequence order of ready rows.

use jiff::Timestamp;
use rusqlite::{params, Row};

use super::codes::{from_text, to_text, PUNCH_ROLE_CODES};
use super::{corrupt, instant, last_seq, select, sql, staff_id, Store, StoreError};
use crate::core::ids::StaffId;
use crate::core::rules::Punch;
use crate::core::schedule::{PunchRole, Verdict};

/// One punch at the door, as the rules engine produced it, to record with its outbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct DoorPunch {
    pub punch: Punch,
    pub role: PunchRole,
    /// The engine's reading; ignored (stored as "not classified yet") when the clock was
    /// untrusted. `None` with a trusted clock means "no verdict applies" (a day off, outside
    /// every window) and is sent as unjudged.
    pub verdict: Option<Verdict>,
    /// The recognition score: stored with the punch, never in the outbox.
    pub score: Option<f32>,
    /// The liveness check's reading, when it ran: stored with the punch.
    pub liveness: Option<LivenessMark>,
}

/// What the door's liveness check said about a face (issue 11).
#[derive(Debug, Clone, PartialEq)]
pub struct LivenessMark {
    /// Suspected of being a photo or a screen (in `flag` mode the punch is kept, marked).
    pub suspect: bool,
    /// The combined live score, 0 to 1.
    pub score: f32,
    /// Why it is suspected (`model`, `flat`, `still`, `bezel`), comma-separated; empty if live.
    pub reasons: String,
}

/// Where a recorded punch landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordedPunch {
    pub punch_id: i64,
    pub seq: u64,
    pub outbox_id: OutboxId,
}

/// An outbox row's id (its place in the queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OutboxId(pub i64);

/// How a record was classified, as stored and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxVerdict {
    /// A verdict of the rules.
    Judged(Verdict),
    /// The rules give no verdict for this punch (a day off, outside every window).
    Unjudged,
}

/// One outbox row ready to upload: exactly the facts that are sent.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRecord {
    pub id: OutboxId,
    pub device: String,
    pub seq: u64,
    pub staff: StaffId,
    pub at: Timestamp,
    pub role: PunchRole,
    pub clock_trusted: bool,
    pub verdict: OutboxVerdict,
    /// The liveness check's reading of the punch, when it ran (sent from protocol version 2).
    pub liveness: Option<LivenessMark>,
}

/// A row waiting for its classification (taken with an untrusted clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnclassifiedRecord {
    pub device: String,
    pub seq: u64,
    pub punch: Punch,
    pub role: PunchRole,
}

/// A parked row, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedRecord {
    pub device: String,
    pub seq: u64,
    pub staff: StaffId,
    pub at: Timestamp,
    pub reason: String,
    pub parked_at: Timestamp,
}

/// The outbox at a glance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Not yet acknowledged nor parked (including held rows).
    pub pending: u64,
    /// Pending rows held back until their clock is trusted and they are classified.
    pub held: u64,
    /// Refused by the server for good.
    pub parked: u64,
    /// Acknowledged and not yet pruned.
    pub acked: u64,
    /// The instant of the oldest pending punch.
    pub oldest_pending: Option<Timestamp>,
}

impl Store {
    /// Records one door punch and its outbox row in one transaction: the punch gets the next
    /// sequence number of `device`, allocated inside the transaction. Durable when this returns.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`] (nothing is written then).
    pub fn record_door_punch(
        &mut self,
        device: &str,
        punch: &DoorPunch,
        now: Timestamp,
    ) -> Result<RecordedPunch, StoreError> {
        let mut out = self.record_door_punches(device, std::slice::from_ref(punch), now)?;
        out.pop().ok_or(StoreError::Corrupt {
            what: "outbox",
            detail: "a recorded punch returned no row".into(),
        })
    }

    /// Records several door punches (in order) with their outbox rows, all in one transaction:
    /// all are written, or none. For catching up and for tests; the door records one at a time.
    ///
    /// # Errors
    /// [`StoreError::UnknownStaff`] or [`StoreError::Sql`] (nothing is written then).
    pub fn record_door_punches(
        &mut self,
        device: &str,
        punches: &[DoorPunch],
        now: Timestamp,
    ) -> Result<Vec<RecordedPunch>, StoreError> {
        let action = "record a door punch";
        let tx = self.write(action)?;
        let mut out = Vec::with_capacity(punches.len());
        {
            let mut known = tx
                .prepare_cached("SELECT 1 FROM staff WHERE staff_id = ?1")
                .map_err(sql(action))?;
            let mut insert_punch = tx
                .prepare_cached(
                    "INSERT INTO punches (staff_id, at_unix_ms, device, seq, score, clock_trusted,
                                          source, created_at, liveness, liveness_score,
                                          liveness_reasons)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'door', ?7, ?8, ?9, ?10)",
                )
                .map_err(sql(action))?;
            let mut insert_outbox = tx
                .prepare_cached(
                    "INSERT INTO outbox (punch_id, device, seq, staff_id, at_unix_ms, role,
                                         clock_trusted, verdict, late_mins, early_mins,
                                         created_unix_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(sql(action))?;
            let mut seq = last_seq(&tx, device, action)?;
            let created = now.to_string();
            for p in punches {
                if !known
                    .exists(params![p.punch.staff.as_str()])
                    .map_err(sql(action))?
                {
                    return Err(StoreError::UnknownStaff(p.punch.staff.clone()));
                }
                seq += 1;
                let at_ms = p.punch.at.as_millisecond();
                insert_punch
                    .execute(params![
                        p.punch.staff.as_str(),
                        at_ms,
                        device,
                        seq,
                        p.score.map(f64::from),
                        p.punch.clock_trusted,
                        created,
                        p.liveness
                            .as_ref()
                            .map(|l| if l.suspect { "suspect" } else { "live" }),
                        p.liveness.as_ref().map(|l| f64::from(l.score)),
                        p.liveness.as_ref().map(|l| l.reasons.as_str()),
                    ])
                    .map_err(sql(action))?;
                let punch_id = tx.last_insert_rowid();
                let verdict = p.punch.clock_trusted.then(|| {
                    p.verdict
                        .map_or(OutboxVerdict::Unjudged, OutboxVerdict::Judged)
                });
                let (name, late, early) = verdict_sql(verdict);
                insert_outbox
                    .execute(params![
                        punch_id,
                        device,
                        seq,
                        p.punch.staff.as_str(),
                        at_ms,
                        to_text(PUNCH_ROLE_CODES, p.role),
                        p.punch.clock_trusted,
                        name,
                        late,
                        early,
                        now.as_millisecond()
                    ])
                    .map_err(sql(action))?;
                out.push(RecordedPunch {
                    punch_id,
                    seq: u64::try_from(seq).unwrap_or(0),
                    outbox_id: OutboxId(tx.last_insert_rowid()),
                });
            }
        }
        tx.commit().map_err(sql(action))?;
        Ok(out)
    }

    /// The oldest `limit` rows ready to upload, in queue order (held and settled rows are not).
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn outbox_ready(&self, limit: usize) -> Result<Vec<OutboxRecord>, StoreError> {
        let action = "read the outbox";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT outbox.id, outbox.device, outbox.seq, outbox.staff_id, outbox.at_unix_ms,
                        role, outbox.clock_trusted, verdict, late_mins, early_mins,
                        p.liveness, p.liveness_score, p.liveness_reasons
                 FROM outbox INDEXED BY outbox_ready
                 LEFT JOIN punches AS p ON p.id = outbox.punch_id
                 WHERE state = 'pending' AND verdict IS NOT NULL
                 ORDER BY outbox.id LIMIT ?1",
            )
            .map_err(sql(action))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![limit], |r| {
                Ok((
                    raw_record(r)?,
                    r.get::<_, Option<String>>(10)?,
                    r.get::<_, Option<f64>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                ))
            })
            .map_err(sql(action))?;
        let mut out = Vec::new();
        for row in rows {
            let (raw, verdict, score, reasons) = row.map_err(sql(action))?;
            let mut record = record_from_raw(raw)?;
            record.liveness = match (verdict.as_deref(), score) {
                (None, _) => None,
                (Some(v @ ("live" | "suspect")), Some(score)) => Some(LivenessMark {
                    suspect: v == "suspect",
                    score: score as f32,
                    reasons: reasons.unwrap_or_default(),
                }),
                (Some(other), _) => return Err(corrupt("punches.liveness", other)),
            };
            out.push(record);
        }
        Ok(out)
    }

    /// Marks rows acknowledged and parks others with their reasons, in one transaction. A row
    /// already settled is left as it is (a late duplicate acknowledgement changes nothing).
    /// Returns how many rows changed.
    ///
    /// # Errors
    /// [`StoreError::Sql`] (nothing is written then).
    pub fn settle_outbox(
        &mut self,
        acked: &[OutboxId],
        parked: &[(OutboxId, String)],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let acked: Vec<i64> = acked.iter().map(|id| id.0).collect();
        let parked: Vec<(i64, &str)> = parked
            .iter()
            .map(|(id, why)| (id.0, why.as_str()))
            .collect();
        self.settle_queue(
            "settle outbox rows",
            "UPDATE outbox SET state = ?2, park_reason = COALESCE(?3, park_reason),
                               settled_unix_ms = ?4
             WHERE id = ?1 AND state = 'pending'",
            (&acked, &parked),
            now,
        )
    }

    /// Fills in the classification of a row taken with an untrusted clock, once the clock is
    /// trusted, which releases it for upload. `verdict: None` means no verdict applies. Returns
    /// `false` when there is no such row waiting (unknown, or already classified).
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn update_outbox_classification(
        &mut self,
        device: &str,
        seq: u64,
        role: PunchRole,
        verdict: Option<Verdict>,
    ) -> Result<bool, StoreError> {
        let (name, late, early) = verdict_sql(Some(
            verdict.map_or(OutboxVerdict::Unjudged, OutboxVerdict::Judged),
        ));
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET role = ?3, verdict = ?4, late_mins = ?5, early_mins = ?6
                 WHERE device = ?1 AND seq = ?2 AND verdict IS NULL AND state = 'pending'",
                params![
                    device,
                    i64::try_from(seq).unwrap_or(i64::MAX),
                    to_text(PUNCH_ROLE_CODES, role),
                    name,
                    late,
                    early
                ],
            )
            .map_err(sql("classify an outbox row"))?;
        Ok(n == 1)
    }

    /// Rows held back for classification, oldest first.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn unclassified_outbox(&self, limit: usize) -> Result<Vec<UnclassifiedRecord>, StoreError> {
        select(
            &self.conn,
            "read unclassified outbox rows",
            "SELECT device, seq, staff_id, at_unix_ms, role, clock_trusted FROM outbox
             WHERE state = 'pending' AND verdict IS NULL ORDER BY id LIMIT ?1",
            params![i64::try_from(limit).unwrap_or(i64::MAX)],
            |c| {
                Ok(UnclassifiedRecord {
                    device: c.get(0)?,
                    seq: seq_from_sql(c.get(1)?)?,
                    punch: Punch {
                        staff: staff_id(&c.get::<String>(2)?, "outbox.staff_id")?,
                        at: instant(c.get(3)?, "outbox.at_unix_ms")?,
                        clock_trusted: c.get(5)?,
                    },
                    role: from_text(PUNCH_ROLE_CODES, "outbox.role", &c.get::<String>(4)?)?,
                })
            },
        )
    }

    /// Parked rows, oldest first, for the operator.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn parked_outbox(&self, limit: usize) -> Result<Vec<ParkedRecord>, StoreError> {
        select(
            &self.conn,
            "read parked outbox rows",
            "SELECT device, seq, staff_id, at_unix_ms, park_reason, settled_unix_ms
             FROM outbox INDEXED BY outbox_by_state WHERE state = 'parked' ORDER BY id LIMIT ?1",
            params![i64::try_from(limit).unwrap_or(i64::MAX)],
            |c| {
                Ok(ParkedRecord {
                    device: c.get(0)?,
                    seq: seq_from_sql(c.get(1)?)?,
                    staff: staff_id(&c.get::<String>(2)?, "outbox.staff_id")?,
                    at: instant(c.get(3)?, "outbox.at_unix_ms")?,
                    reason: c.get(4)?,
                    parked_at: instant(c.get(5)?, "outbox.settled_unix_ms")?,
                })
            },
        )
    }

    /// Counts by state and the oldest pending punch.
    ///
    /// # Errors
    /// [`StoreError::Sql`] or [`StoreError::Corrupt`].
    pub fn outbox_counts(&self) -> Result<OutboxCounts, StoreError> {
        let action = "count the outbox";
        let mut counts = OutboxCounts::default();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT state, COUNT(*) FROM outbox INDEXED BY outbox_by_state GROUP BY state",
            )
            .map_err(sql(action))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(sql(action))?;
        for row in rows {
            let (state, n) = row.map_err(sql(action))?;
            let n = u64::try_from(n).unwrap_or(0);
            match state.as_str() {
                "pending" => counts.pending = n,
                "parked" => counts.parked = n,
                "acked" => counts.acked = n,
                other => return Err(corrupt("outbox.state", other)),
            }
        }
        let (held, oldest): (i64, Option<i64>) = self
            .conn
            .query_row(
                "SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND verdict IS NULL),
                        (SELECT at_unix_ms FROM outbox INDEXED BY outbox_by_state
                         WHERE state = 'pending' ORDER BY id LIMIT 1)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql(action))?;
        counts.held = u64::try_from(held).unwrap_or(0);
        counts.oldest_pending = oldest
            .map(|ms| instant(ms, "outbox.at_unix_ms"))
            .transpose()?;
        Ok(counts)
    }

    /// Deletes acknowledged rows settled before `before` (the punches themselves stay). Pending
    /// and parked rows are never deleted. Returns how many rows went.
    ///
    /// # Errors
    /// [`StoreError::Sql`].
    pub fn prune_acked_outbox(&mut self, before: Timestamp) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "DELETE FROM outbox WHERE state = 'acked' AND settled_unix_ms < ?1",
                params![before.as_millisecond()],
            )
            .map_err(sql("prune acknowledged outbox rows"))
    }
}

type RawRecord = (
    i64,
    String,
    i64,
    String,
    i64,
    String,
    bool,
    String,
    i64,
    i64,
);

fn raw_record(r: &Row<'_>) -> rusqlite::Result<RawRecord> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn record_from_raw(raw: RawRecord) -> Result<OutboxRecord, StoreError> {
    let (id, device, seq, staff, at_ms, role, clock_trusted, verdict, late, early) = raw;
    let minutes = |n: i64| u32::try_from(n).map_err(|_| corrupt("outbox minutes", n));
    let verdict = match verdict.as_str() {
        "on-time" => OutboxVerdict::Judged(Verdict::OnTime),
        "late" => OutboxVerdict::Judged(Verdict::Late {
            minutes: minutes(late)?,
        }),
        "early" => OutboxVerdict::Judged(Verdict::Early {
            minutes: minutes(early)?,
        }),
        "unjudged" => OutboxVerdict::Unjudged,
        other => return Err(corrupt("outbox.verdict", other)),
    };
    Ok(OutboxRecord {
        id: OutboxId(id),
        device,
        seq: seq_from_sql(seq)?,
        staff: staff_id(&staff, "outbox.staff_id")?,
        at: instant(at_ms, "outbox.at_unix_ms")?,
        role: from_text(PUNCH_ROLE_CODES, "outbox.role", &role)?,
        clock_trusted,
        verdict,
        liveness: None,
    })
}

fn verdict_sql(v: Option<OutboxVerdict>) -> (Option<&'static str>, i64, i64) {
    match v {
        None => (None, 0, 0),
        Some(OutboxVerdict::Unjudged) => (Some("unjudged"), 0, 0),
        Some(OutboxVerdict::Judged(Verdict::OnTime)) => (Some("on-time"), 0, 0),
        Some(OutboxVerdict::Judged(Verdict::Late { minutes })) => {
            (Some("late"), i64::from(minutes), 0)
        }
        Some(OutboxVerdict::Judged(Verdict::Early { minutes })) => {
            (Some("early"), 0, i64::from(minutes))
        }
    }
}

fn seq_from_sql(seq: i64) -> Result<u64, StoreError> {
    u64::try_from(seq).map_err(|_| corrupt("outbox.seq", seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let (dir, mut s) = crate::store::testing::store_with(&[]);
        let now: Timestamp = "2026-03-02T00:00:00Z".parse().unwrap();
        s.upsert_staff(
            &StaffId::new("0042").unwrap(),
            "Wang",
            None,
            now,
            &crate::store::Audit::cli(jiff::Timestamp::UNIX_EPOCH, "test", ""),
        )
        .unwrap();
        (dir, s)
    }

    fn door(trusted: bool, verdict: Option<Verdict>) -> DoorPunch {
        DoorPunch {
            punch: Punch {
                staff: StaffId::new("0042").unwrap(),
                at: "2026-03-02T00:05:00Z".parse().unwrap(),
                clock_trusted: trusted,
            },
            role: PunchRole::ClockIn,
            verdict,
            score: Some(0.7),
            liveness: None,
        }
    }

    fn now() -> Timestamp {
        "2026-03-02T00:05:01Z".parse().unwrap()
    }

    #[test]
    fn punch_and_outbox_row_are_written_together_with_sequence_numbers() {
        let (_d, mut s) = store();
        let a = s
            .record_door_punch(
                "door-1",
                &door(true, Some(Verdict::Late { minutes: 5 })),
                now(),
            )
            .unwrap();
        let b = s
            .record_door_punch("door-1", &door(true, None), now())
            .unwrap();
        assert_eq!((a.seq, b.seq), (1, 2));
        let ready = s.outbox_ready(10).unwrap();
        assert_eq!(ready.len(), 2);
        assert_eq!(
            ready[0].verdict,
            OutboxVerdict::Judged(Verdict::Late { minutes: 5 })
        );
        assert_eq!(ready[1].verdict, OutboxVerdict::Unjudged);
        assert_eq!(s.punch_count().unwrap(), 2);
        // an unknown person writes neither
        let mut stranger = door(true, None);
        stranger.punch.staff = StaffId::new("9999").unwrap();
        assert!(matches!(
            s.record_door_punch("door-1", &stranger, now()),
            Err(StoreError::UnknownStaff(_))
        ));
        assert_eq!(s.punch_count().unwrap(), 2);
        assert_eq!(s.outbox_counts().unwrap().pending, 2);
    }

    #[test]
    fn untrusted_rows_are_held_until_classified() {
        let (_d, mut s) = store();
        s.record_door_punch("door-1", &door(false, Some(Verdict::OnTime)), now())
            .unwrap();
        s.record_door_punch("door-1", &door(true, Some(Verdict::OnTime)), now())
            .unwrap();
        let ready = s.outbox_ready(10).unwrap();
        assert_eq!(ready.iter().map(|r| r.seq).collect::<Vec<_>>(), [2]);
        let c = s.outbox_counts().unwrap();
        assert_eq!((c.pending, c.held), (2, 1));
        let waiting = s.unclassified_outbox(10).unwrap();
        assert_eq!(waiting.len(), 1);
        assert!(s
            .update_outbox_classification(
                "door-1",
                1,
                PunchRole::ClockIn,
                Some(Verdict::Late { minutes: 3 })
            )
            .unwrap());
        assert!(!s
            .update_outbox_classification("door-1", 1, PunchRole::ClockIn, None)
            .unwrap());
        let ready = s.outbox_ready(10).unwrap();
        assert_eq!(ready.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2]);
        assert!(!ready[0].clock_trusted);
    }

    #[test]
    fn only_acknowledged_rows_can_be_deleted() {
        let (_d, mut s) = store();
        let rows: Vec<_> = (0..3)
            .map(|_| {
                s.record_door_punch("door-1", &door(true, None), now())
                    .unwrap()
            })
            .collect();
        let changed = s
            .settle_outbox(
                &[rows[0].outbox_id, rows[0].outbox_id],
                &[(rows[1].outbox_id, "unknown staff".into())],
                now(),
            )
            .unwrap();
        assert_eq!(changed, 2);
        let c = s.outbox_counts().unwrap();
        assert_eq!((c.pending, c.parked, c.acked), (1, 1, 1));
        assert_eq!(s.parked_outbox(10).unwrap()[0].reason, "unknown staff");
        let later: Timestamp = "2026-04-01T00:00:00Z".parse().unwrap();
        assert_eq!(s.prune_acked_outbox(later).unwrap(), 1);
        // the SQL itself refuses to lose an unacknowledged row or un-acknowledge one
        assert!(s.conn.execute("DELETE FROM outbox", []).is_err());
        s.settle_outbox(&[rows[2].outbox_id], &[], now()).unwrap();
        assert!(s
            .conn
            .execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'acked'",
                []
            )
            .is_err());
        assert_eq!(s.punch_count().unwrap(), 3);
    }
}

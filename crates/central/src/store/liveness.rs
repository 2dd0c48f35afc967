//! The doors' liveness facts (upload protocol version 2, issue 11; migration 0002): a punch's
//! liveness verdict, kept beside the punch, and the spoof attempts a door refused. Every SQL
//! statement about them lives here.
//!
//! Must not decide anything (`ingest` checked the records) nor store an image, an embedding or a
//! recognition score: none is ever received.

use std::collections::HashSet;

use super::{query, Store, StoreError};
use crate::ingest::{CheckedAttempt, CheckedPunch};

impl Store {
    /// Keeps the liveness verdicts of a device's stored punches, each `(device, seq)` once (a
    /// verdict already kept is left as it is, so that a resent batch completes what an
    /// interrupted one began). Punches without a verdict are skipped. Committed when it returns.
    ///
    /// Call it after [`Store::insert_punches`] with the same punches: a verdict needs its punch.
    ///
    /// # Errors
    /// [`StoreError::Query`]: none of the verdicts is kept.
    pub async fn insert_punch_liveness(
        &self,
        device: &str,
        punches: &[&CheckedPunch],
    ) -> Result<(), StoreError> {
        let with: Vec<_> = punches
            .iter()
            .filter_map(|p| p.liveness.as_ref().map(|l| (p.seq, l)))
            .collect();
        if with.is_empty() {
            return Ok(());
        }
        let seq: Vec<i64> = with.iter().map(|(s, _)| *s).collect();
        let verdict: Vec<&str> = with
            .iter()
            .map(|(_, l)| if l.suspect { "suspect" } else { "live" })
            .collect();
        let score: Vec<f32> = with.iter().map(|(_, l)| l.live_score).collect();
        let reasons: Vec<String> = with.iter().map(|(_, l)| l.reasons.join(",")).collect();
        self.client
            .execute(
                "INSERT INTO punch_liveness (device, seq, verdict, live_score, reasons)
                 SELECT $1, u.seq, u.verdict, u.live_score, string_to_array(u.reasons, ',')
                 FROM UNNEST($2::bigint[], $3::text[], $4::real[], $5::text[])
                      AS u(seq, verdict, live_score, reasons)
                 ON CONFLICT (device, seq) DO NOTHING",
                &[&device, &seq, &verdict, &score, &reasons],
            )
            .await
            .map_err(query("storing punches' liveness verdicts"))?;
        Ok(())
    }

    /// Inserts a device's refused spoof attempts in one statement, each `(device, seq)` once;
    /// returns the seqs stored now (the others were stored before). Committed when it returns.
    ///
    /// # Errors
    /// [`StoreError::Query`]: nothing of the batch's attempts is stored.
    pub async fn insert_spoof_attempts(
        &self,
        device: &str,
        hall: &str,
        attempts: &[&CheckedAttempt],
    ) -> Result<HashSet<i64>, StoreError> {
        if attempts.is_empty() {
            return Ok(HashSet::new());
        }
        let seq: Vec<i64> = attempts.iter().map(|a| a.seq).collect();
        let staff: Vec<&str> = attempts.iter().map(|a| a.staff.as_str()).collect();
        let at: Vec<String> = attempts.iter().map(|a| format!("{:.6}", a.at)).collect();
        let score: Vec<f32> = attempts.iter().map(|a| a.live_score).collect();
        let reasons: Vec<String> = attempts.iter().map(|a| a.reasons.join(",")).collect();
        let rows = self
            .client
            .query(
                "INSERT INTO spoof_attempts (device, seq, hall, staff_id, at, live_score, reasons)
                 SELECT $1, u.seq, $2, u.staff_id, u.at::timestamptz, u.live_score,
                        string_to_array(u.reasons, ',')
                 FROM UNNEST($3::bigint[], $4::text[], $5::text[], $6::real[], $7::text[])
                      AS u(seq, staff_id, at, live_score, reasons)
                 ON CONFLICT (device, seq) DO NOTHING
                 RETURNING seq",
                &[&device, &hall, &seq, &staff, &at, &score, &reasons],
            )
            .await
            .map_err(query("storing spoof attempts"))?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}

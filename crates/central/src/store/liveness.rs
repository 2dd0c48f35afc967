//! The doors' liveness facts (upload protocol version 2, issue 11; migration 0002): a punch's
//! liveness verdict, kept beside the punch, and the spoof attempts a door refused. Every SQL
//! statement about them lives here, but the punches' verdicts: those are kept by the batch's own
//! statement (`Store::insert_punches`, one commit a batch), from the columns [`VerdictColumns`]
//! makes.
//!
//! Must not decide anything (`ingest` checked the records) nor store an image, an embedding or a
//! recognition score: none is ever received.

use std::collections::HashSet;

use super::{query, Store, StoreError};
use crate::ingest::{CheckedAttempt, CheckedPunch};

/// The liveness verdicts of a batch's punches as the batch statement's array parameters; punches
/// without a verdict have no row.
pub(super) struct VerdictColumns {
    pub seq: Vec<i64>,
    pub verdict: Vec<&'static str>,
    pub live_score: Vec<f32>,
    /// Each punch's reasons joined by commas (codes of a-z and '-', checked by `ingest`).
    pub reasons: Vec<String>,
}

impl VerdictColumns {
    pub(super) fn of(punches: &[&CheckedPunch]) -> VerdictColumns {
        let with: Vec<_> = punches
            .iter()
            .filter_map(|p| p.liveness.as_ref().map(|l| (p.seq, l)))
            .collect();
        VerdictColumns {
            seq: with.iter().map(|(s, _)| *s).collect(),
            verdict: with
                .iter()
                .map(|(_, l)| if l.suspect { "suspect" } else { "live" })
                .collect(),
            live_score: with.iter().map(|(_, l)| l.live_score).collect(),
            reasons: with.iter().map(|(_, l)| l.reasons.join(",")).collect(),
        }
    }
}

impl Store {
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

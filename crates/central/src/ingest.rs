//! What a batch is worth, decided without I/O: [`check_batch`] parses a request body
//! (`docs/upload-protocol.md`, version 1) against the device its token names and splits it into
//! punches to store and records to reject (with the reason the door parks them under), or refuses
//! the whole batch; [`reject_unknown_staff`] applies the hall's staff list; [`answer`] builds the
//! response from what the store inserted.
//!
//! Must not touch the database, the network or the clock: the receiver feeds it and the store
//! writes what it returns.

use std::collections::HashSet;

use hallclock_core::ids::StaffId;
use hallclock_core::schedule::{PunchRole, Verdict};
use hallclock_wire::{WireRecord, WireResponse, WireResult, PROTOCOL_VERSION};
use jiff::Timestamp;
use serde::Deserialize;

/// The most records one batch may hold (the schema's `maxItems`).
pub const MAX_RECORDS: usize = 1000;

/// The largest request body read: 1000 records of the longest legal fields fit in well under it.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The most minutes a door can report late or early: a day.
pub const MAX_MINUTES: u32 = 24 * 60;

/// Why a whole batch is refused; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchRefusal {
    #[error("malformed batch: {0}; expected a JSON object with protocol, device, sent_at and records (docs/upload-batch.schema.json)")]
    Malformed(String),
    #[error("unknown protocol {found}; expected {PROTOCOL_VERSION}")]
    UnknownProtocol { found: u64 },
    #[error("the batch holds no records; expected 1 to {MAX_RECORDS}")]
    Empty,
    #[error("the batch holds {found} records; expected at most {MAX_RECORDS}")]
    TooManyRecords { found: usize },
    #[error("the request body is over {MAX_BODY_BYTES} bytes; expected a batch of at most {MAX_RECORDS} records")]
    TooLarge,
    #[error("the batch names device {found:?} but the token belongs to device {expected:?}")]
    WrongDevice { expected: String, found: String },
    #[error("record {index} of the batch has no idempotency_key string; expected one per record")]
    RecordWithoutKey { index: usize },
}

impl BatchRefusal {
    /// The HTTP status of the refusal (`docs/upload-protocol.md`, "Status codes").
    pub fn status(&self) -> u16 {
        match self {
            BatchRefusal::Malformed(_)
            | BatchRefusal::UnknownProtocol { .. }
            | BatchRefusal::Empty => 400,
            BatchRefusal::TooManyRecords { .. } | BatchRefusal::TooLarge => 413,
            BatchRefusal::WrongDevice { .. } => 403,
            BatchRefusal::RecordWithoutKey { .. } => 422,
        }
    }
}

/// A record that passed every check but the staff list, in core types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPunch {
    pub key: String,
    pub seq: i64,
    pub staff: StaffId,
    pub at: Timestamp,
    pub role: PunchRole,
    pub clock_trusted: bool,
    /// `None`: `unjudged`.
    pub verdict: Option<Verdict>,
}

/// One record's fate before the store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Punch(CheckedPunch),
    Rejected { key: String, reason: String },
}

/// A batch's envelope with its records still unparsed, so that one malformed record is rejected
/// alone instead of refusing its neighbours.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    protocol: u64,
    device: String,
    #[allow(dead_code)]
    sent_at: String,
    records: Vec<serde_json::Value>,
}

/// Checks a request body sent with the token of `token_device`.
///
/// # Errors
/// A [`BatchRefusal`] for a body that is not a version 1 batch of 1 to 1000 records from
/// `token_device`, or that holds a record without an idempotency key to answer it by.
pub fn check_batch(body: &[u8], token_device: &str) -> Result<Vec<Line>, BatchRefusal> {
    if body.len() > MAX_BODY_BYTES {
        return Err(BatchRefusal::TooLarge);
    }
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| BatchRefusal::Malformed(e.to_string()))?;
    if envelope.protocol != u64::from(PROTOCOL_VERSION) {
        return Err(BatchRefusal::UnknownProtocol {
            found: envelope.protocol,
        });
    }
    if envelope.device != token_device {
        return Err(BatchRefusal::WrongDevice {
            expected: token_device.to_string(),
            found: envelope.device,
        });
    }
    if envelope.records.is_empty() {
        return Err(BatchRefusal::Empty);
    }
    if envelope.records.len() > MAX_RECORDS {
        return Err(BatchRefusal::TooManyRecords {
            found: envelope.records.len(),
        });
    }
    let mut lines = Vec::with_capacity(envelope.records.len());
    for (index, value) in envelope.records.into_iter().enumerate() {
        let key = match value.get("idempotency_key").and_then(|k| k.as_str()) {
            Some(k) => k.to_string(),
            None => return Err(BatchRefusal::RecordWithoutKey { index }),
        };
        let line = match serde_json::from_value::<WireRecord>(value) {
            Err(e) => Line::Rejected {
                key,
                reason: format!("malformed record: {e}"),
            },
            Ok(record) => match check_record(&record, token_device) {
                Ok(punch) => Line::Punch(punch),
                Err(reason) => Line::Rejected { key, reason },
            },
        };
        lines.push(line);
    }
    Ok(lines)
}

/// One record's checks; the error is the reason sent back with `rejected`.
fn check_record(r: &WireRecord, batch_device: &str) -> Result<CheckedPunch, String> {
    if r.device != batch_device {
        return Err(format!(
            "record names device {:?}; expected the batch's device {batch_device:?}",
            r.device
        ));
    }
    let seq = match i64::try_from(r.seq) {
        Ok(s) if s >= 1 => s,
        _ => return Err(format!("seq {}; expected 1 to {}", r.seq, i64::MAX)),
    };
    let expected_key = format!("{}:{}", r.device, r.seq);
    if r.idempotency_key != expected_key {
        return Err(format!(
            "idempotency key {:?}; expected {expected_key:?} (device:seq)",
            r.idempotency_key
        ));
    }
    let staff = match StaffId::new(&r.staff_id) {
        Ok(s) if s.as_str() == r.staff_id => s,
        Ok(_) => {
            return Err(format!(
                "staff id {:?} has surrounding white space; expected 1 to 32 of letters, digits, '-' or '_'",
                r.staff_id
            ))
        }
        Err(e) => return Err(e.to_string()),
    };
    if !r.at.ends_with('Z') {
        return Err(format!(
            "at {:?}; expected RFC 3339 in UTC with a Z, e.g. 2026-03-02T00:03:12.345Z",
            r.at
        ));
    }
    let at: Timestamp = r.at.parse().map_err(|e| {
        format!(
            "at {:?}: {e}; expected RFC 3339 in UTC with a Z, e.g. 2026-03-02T00:03:12.345Z",
            r.at
        )
    })?;
    let role = match r.direction.as_str() {
        "in" => PunchRole::ClockIn,
        "out" => PunchRole::ClockOut,
        other => return Err(format!("direction {other:?}; expected \"in\" or \"out\"")),
    };
    if r.late_minutes > MAX_MINUTES || r.early_minutes > MAX_MINUTES {
        return Err(format!(
            "late_minutes {} and early_minutes {}; expected at most {MAX_MINUTES} each",
            r.late_minutes, r.early_minutes
        ));
    }
    let verdict = match (r.verdict.as_str(), r.late_minutes, r.early_minutes) {
        ("on-time", 0, 0) => Some(Verdict::OnTime),
        ("unjudged", 0, 0) => None,
        ("late", m, 0) => Some(Verdict::Late { minutes: m }),
        ("early", 0, m) => Some(Verdict::Early { minutes: m }),
        ("on-time" | "unjudged" | "late" | "early", late, early) => {
            return Err(format!(
                "verdict {:?} with late_minutes {late} and early_minutes {early}; expected 0 minutes unless the verdict says so",
                r.verdict
            ))
        }
        (other, _, _) => {
            return Err(format!(
                "verdict {other:?}; expected \"on-time\", \"late\", \"early\" or \"unjudged\""
            ))
        }
    };
    Ok(CheckedPunch {
        key: r.idempotency_key.clone(),
        seq,
        staff,
        at,
        role,
        clock_trusted: r.clock_trusted,
        verdict,
    })
}

/// Turns punches whose staff id is not in `known` (the hall's staff ids) into rejections.
pub fn reject_unknown_staff(lines: Vec<Line>, known: &HashSet<String>, hall: &str) -> Vec<Line> {
    lines
        .into_iter()
        .map(|line| match line {
            Line::Punch(p) if !known.contains(p.staff.as_str()) => Line::Rejected {
                reason: format!("unknown staff id {} at hall {hall}", p.staff),
                key: p.key,
            },
            other => other,
        })
        .collect()
}

/// The punches to insert: each seq once, in batch order.
pub fn punches_to_insert(lines: &[Line]) -> Vec<&CheckedPunch> {
    let mut seen = HashSet::new();
    lines
        .iter()
        .filter_map(|l| match l {
            Line::Punch(p) if seen.insert(p.seq) => Some(p),
            _ => None,
        })
        .collect()
}

/// The response: `accepted` for the first line of each seq the store inserted now, `duplicate`
/// for every other punch, `rejected` with its reason for the rest. One result per record.
pub fn answer(lines: Vec<Line>, inserted: &HashSet<i64>) -> WireResponse {
    let mut answered = HashSet::new();
    let results = lines
        .into_iter()
        .map(|line| match line {
            Line::Punch(p) => {
                let status = if inserted.contains(&p.seq) && answered.insert(p.seq) {
                    "accepted"
                } else {
                    "duplicate"
                };
                WireResult {
                    idempotency_key: p.key,
                    status: status.to_string(),
                    reason: None,
                }
            }
            Line::Rejected { key, reason } => WireResult {
                idempotency_key: key,
                status: "rejected".to_string(),
                reason: Some(reason),
            },
        })
        .collect();
    WireResponse { results }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn record(seq: u64) -> Value {
        json!({
            "idempotency_key": format!("door-1:{seq}"), "device": "door-1", "seq": seq,
            "staff_id": "0042", "at": "2026-03-02T00:03:12.345Z", "direction": "in",
            "clock_trusted": true, "verdict": "late", "late_minutes": 4, "early_minutes": 0
        })
    }

    fn batch(records: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "protocol": 1, "device": "door-1", "sent_at": "2026-03-02T00:03:15.120Z", "records": records
        }))
        .unwrap()
    }

    #[track_caller]
    fn rejected(mut r: Value, field: &str, value: Value, reason_has: &str) {
        r[field] = value;
        let lines = check_batch(&batch(vec![r]), "door-1").unwrap();
        match &lines[0] {
            Line::Rejected { reason, .. } => assert!(reason.contains(reason_has), "{reason}"),
            other => panic!("expected a rejection, found {other:?}"),
        }
    }

    #[test]
    fn a_good_record_is_a_punch() {
        let lines = check_batch(&batch(vec![record(4711)]), "door-1").unwrap();
        let Line::Punch(p) = &lines[0] else {
            panic!("expected a punch, found {lines:?}")
        };
        assert_eq!(p.seq, 4711);
        assert_eq!(p.verdict, Some(Verdict::Late { minutes: 4 }));
        assert_eq!(p.role, PunchRole::ClockIn);
        assert_eq!(p.at.to_string(), "2026-03-02T00:03:12.345Z");
    }

    #[test]
    fn bad_records_are_rejected_alone_with_a_reason() {
        rejected(
            record(1),
            "device",
            json!("door-2"),
            "expected the batch's device \"door-1\"",
        );
        rejected(
            record(1),
            "idempotency_key",
            json!("door-1:2"),
            "expected \"door-1:1\"",
        );
        rejected(record(1), "staff_id", json!("00 42"), "contains ' '");
        rejected(
            record(1),
            "at",
            json!("2026-03-02T08:03:12+08:00"),
            "expected RFC 3339 in UTC",
        );
        rejected(
            record(1),
            "at",
            json!("2026-02-30T00:00:00Z"),
            "at \"2026-02-30T00:00:00Z\"",
        );
        rejected(
            record(1),
            "direction",
            json!("sideways"),
            "expected \"in\" or \"out\"",
        );
        rejected(record(1), "verdict", json!("on-time"), "expected 0 minutes");
        rejected(record(1), "verdict", json!("tardy"), "verdict \"tardy\"");
        rejected(
            record(1),
            "late_minutes",
            json!(99999),
            "expected at most 1440",
        );
        rejected(record(1), "seq", json!("one"), "malformed record");
        rejected(record(1), "seq", json!(0), "seq 0");
    }

    #[test]
    fn whole_batch_refusals() {
        let check = |body: &[u8]| check_batch(body, "door-1").unwrap_err();
        assert_eq!(check(b"{not json").status(), 400);
        assert_eq!(check(&batch(vec![])), BatchRefusal::Empty);
        let many = (1..=1001).map(record).collect();
        assert_eq!(
            check(&batch(many)),
            BatchRefusal::TooManyRecords { found: 1001 }
        );
        let other = check_batch(&batch(vec![record(1)]), "door-9").unwrap_err();
        assert_eq!(other.status(), 403);
        let mut v: Value = serde_json::from_slice(&batch(vec![record(1)])).unwrap();
        v["protocol"] = json!(2);
        assert_eq!(
            check(&serde_json::to_vec(&v).unwrap()).to_string(),
            "unknown protocol 2; expected 1"
        );
        v["protocol"] = json!(1);
        v["health"] = json!({});
        assert_eq!(check(&serde_json::to_vec(&v).unwrap()).status(), 400);
        let mut keyless = record(1);
        keyless.as_object_mut().unwrap().remove("idempotency_key");
        assert_eq!(
            check(&batch(vec![record(2), keyless])),
            BatchRefusal::RecordWithoutKey { index: 1 }
        );
    }

    #[test]
    fn answers_say_accepted_once_per_key() {
        let lines = check_batch(&batch(vec![record(1), record(2), record(1)]), "door-1").unwrap();
        assert_eq!(punches_to_insert(&lines).len(), 2);
        let inserted: HashSet<i64> = [1].into_iter().collect();
        let statuses: Vec<String> = answer(lines, &inserted)
            .results
            .into_iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, ["accepted", "duplicate", "duplicate"]);
    }

    #[test]
    fn unknown_staff_is_rejected() {
        let lines = check_batch(&batch(vec![record(1)]), "door-1").unwrap();
        let lines = reject_unknown_staff(lines, &HashSet::new(), "east");
        assert_eq!(
            lines[0],
            Line::Rejected {
                key: "door-1:1".into(),
                reason: "unknown staff id 0042 at hall east".into()
            }
        );
    }
}

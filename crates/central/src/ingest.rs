//! What a batch is worth, decided without I/O: [`check_batch`] parses a request body
//! (`docs/upload-protocol.md`, version 1 or 2) against the device its token names and splits it
//! into punches (version 2: with their liveness verdicts) and refused spoof attempts to store,
//! and records to reject (with the reason the door parks them under), or refuses
//! the whole batch; [`reject_unknown_staff`] applies the hall's staff list; [`answer`] builds the
//! response from what the store inserted.
//!
//! Must not touch the database, the network or the clock: the receiver feeds it and the store
//! writes what it returns.

use std::collections::HashSet;

use hallclock_core::ids::StaffId;
use hallclock_core::schedule::{PunchRole, Verdict};
use hallclock_wire::{
    WireLiveness, WireRecord, WireRecordV2, WireResponse, WireResult, WireSpoofAttempt,
    PROTOCOL_VERSIONS,
};
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
    #[error("unknown protocol {found}; expected 1 or 2")]
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
    /// Version 2: the door's liveness check's verdict, when it ran.
    pub liveness: Option<CheckedLiveness>,
}

/// The liveness check's verdict on a punch, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedLiveness {
    pub suspect: bool,
    /// 0 to 1.
    pub live_score: f32,
    pub reasons: Vec<String>,
}

impl Eq for CheckedLiveness {}

/// A refused spoof attempt that passed every check but the staff list.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedAttempt {
    pub key: String,
    /// The device's attempt sequence number.
    pub seq: i64,
    /// The claimed person.
    pub staff: StaffId,
    pub at: Timestamp,
    /// 0 to 1.
    pub live_score: f32,
    pub reasons: Vec<String>,
}

impl Eq for CheckedAttempt {}

/// One record's fate before the store sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Punch(CheckedPunch),
    /// Version 2: a refused spoof attempt.
    Attempt(CheckedAttempt),
    Rejected {
        key: String,
        reason: String,
    },
}

impl Line {
    /// The staff id a punch or an attempt names.
    pub fn staff(&self) -> Option<&StaffId> {
        match self {
            Line::Punch(p) => Some(&p.staff),
            Line::Attempt(a) => Some(&a.staff),
            Line::Rejected { .. } => None,
        }
    }
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
/// A [`BatchRefusal`] for a body that is not a version 1 or 2 batch of 1 to 1000 records from
/// `token_device`, or that holds a record without an idempotency key to answer it by.
pub fn check_batch(body: &[u8], token_device: &str) -> Result<Vec<Line>, BatchRefusal> {
    if body.len() > MAX_BODY_BYTES {
        return Err(BatchRefusal::TooLarge);
    }
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|e| BatchRefusal::Malformed(e.to_string()))?;
    let version_2 = envelope.protocol == 2;
    if !PROTOCOL_VERSIONS
        .iter()
        .any(|&v| u64::from(v) == envelope.protocol)
    {
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
        let checked = if version_2 {
            serde_json::from_value::<WireRecordV2>(value)
                .map_err(|e| format!("malformed record: {e}"))
                .and_then(|record| match record {
                    WireRecordV2::Punch(p) => check_record(&p, token_device).map(Line::Punch),
                    WireRecordV2::SpoofAttempt(a) => {
                        check_attempt(&a, token_device).map(Line::Attempt)
                    }
                })
        } else {
            serde_json::from_value::<WireRecord>(value)
                .map_err(|e| format!("malformed record: {e}"))
                .and_then(|p| match p.liveness {
                    Some(_) => Err(
                        "a liveness verdict needs protocol 2; expected none in a protocol 1 record"
                            .to_string(),
                    ),
                    None => check_record(&p, token_device).map(Line::Punch),
                })
        };
        lines.push(checked.unwrap_or_else(|reason| Line::Rejected { key, reason }));
    }
    Ok(lines)
}

/// The checks a punch and an attempt share: the device, the sequence number, the key (`key`
/// is what it must be for `seq`), the staff id and the instant.
struct Common {
    seq: i64,
    staff: StaffId,
    at: Timestamp,
}

fn check_common(
    batch_device: &str,
    (device, seq, key): (&str, u64, &str),
    expected_key: impl Fn(u64) -> String,
    staff_id: &str,
    at: &str,
) -> Result<Common, String> {
    if device != batch_device {
        return Err(format!(
            "record names device {device:?}; expected the batch's device {batch_device:?}"
        ));
    }
    let seq_ = match i64::try_from(seq) {
        Ok(s) if s >= 1 => s,
        _ => return Err(format!("seq {seq}; expected 1 to {}", i64::MAX)),
    };
    let expected_key = expected_key(seq);
    if key != expected_key {
        return Err(format!(
            "idempotency key {key:?}; expected {expected_key:?}"
        ));
    }
    let staff = match StaffId::new(staff_id) {
        Ok(s) if s.as_str() == staff_id => s,
        Ok(_) => {
            return Err(format!(
                "staff id {staff_id:?} has surrounding white space; expected 1 to 32 of letters, digits, '-' or '_'"
            ))
        }
        Err(e) => return Err(e.to_string()),
    };
    if !at.ends_with('Z') {
        return Err(format!(
            "at {at:?}; expected RFC 3339 in UTC with a Z, e.g. 2026-03-02T00:03:12.345Z"
        ));
    }
    let at: Timestamp = at.parse().map_err(|e| {
        format!("at {at:?}: {e}; expected RFC 3339 in UTC with a Z, e.g. 2026-03-02T00:03:12.345Z")
    })?;
    Ok(Common {
        seq: seq_,
        staff,
        at,
    })
}

/// A live score and reasons, as a punch's verdict and an attempt carry them.
fn check_liveness(live_score: f32, reasons: &[String]) -> Result<(), String> {
    if !(0.0..=1.0).contains(&live_score) {
        return Err(format!("live_score {live_score}; expected 0 to 1"));
    }
    let code = |r: &String| {
        (1..=32).contains(&r.len()) && r.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
    };
    match reasons.iter().find(|r| !code(r)) {
        Some(bad) => Err(format!(
            "liveness reason {bad:?}; expected a code of 1 to 32 of a-z and '-', e.g. \"model\""
        )),
        None => Ok(()),
    }
}

/// A spoof attempt's checks; the error is the reason sent back with `rejected`.
fn check_attempt(a: &WireSpoofAttempt, batch_device: &str) -> Result<CheckedAttempt, String> {
    let c = check_common(
        batch_device,
        (&a.device, a.seq, &a.idempotency_key),
        |seq| format!("{}:attempt:{seq}", a.device),
        &a.staff_id,
        &a.at,
    )?;
    check_liveness(a.live_score, &a.reasons)?;
    if a.reasons.is_empty() {
        return Err("a spoof attempt without reasons; expected at least one".into());
    }
    Ok(CheckedAttempt {
        key: a.idempotency_key.clone(),
        seq: c.seq,
        staff: c.staff,
        at: c.at,
        live_score: a.live_score,
        reasons: a.reasons.clone(),
    })
}

fn checked_liveness(l: &WireLiveness) -> Result<CheckedLiveness, String> {
    check_liveness(l.live_score, &l.reasons)?;
    let suspect = match l.verdict.as_str() {
        "live" => false,
        "suspect" => true,
        other => {
            return Err(format!(
                "liveness verdict {other:?}; expected \"live\" or \"suspect\""
            ))
        }
    };
    Ok(CheckedLiveness {
        suspect,
        live_score: l.live_score,
        reasons: l.reasons.clone(),
    })
}

/// One record's checks; the error is the reason sent back with `rejected`.
fn check_record(r: &WireRecord, batch_device: &str) -> Result<CheckedPunch, String> {
    let Common { seq, staff, at } = check_common(
        batch_device,
        (&r.device, r.seq, &r.idempotency_key),
        |seq| format!("{}:{seq}", r.device),
        &r.staff_id,
        &r.at,
    )
    .map_err(|e| {
        if e.starts_with("idempotency key") {
            format!("{e} (device:seq)")
        } else {
            e
        }
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
    let liveness = r.liveness.as_ref().map(checked_liveness).transpose()?;
    Ok(CheckedPunch {
        key: r.idempotency_key.clone(),
        seq,
        staff,
        at,
        role,
        clock_trusted: r.clock_trusted,
        verdict,
        liveness,
    })
}

/// Turns punches and attempts whose staff id is not in `known` (the hall's staff ids) into
/// rejections.
pub fn reject_unknown_staff(lines: Vec<Line>, known: &HashSet<String>, hall: &str) -> Vec<Line> {
    lines
        .into_iter()
        .map(|line| match line {
            Line::Punch(p) if !known.contains(p.staff.as_str()) => Line::Rejected {
                reason: format!("unknown staff id {} at hall {hall}", p.staff),
                key: p.key,
            },
            Line::Attempt(a) if !known.contains(a.staff.as_str()) => Line::Rejected {
                reason: format!("unknown staff id {} at hall {hall}", a.staff),
                key: a.key,
            },
            other => other,
        })
        .collect()
}

/// The spoof attempts to insert: each seq once, in batch order.
pub fn attempts_to_insert(lines: &[Line]) -> Vec<&CheckedAttempt> {
    let mut seen = HashSet::new();
    lines
        .iter()
        .filter_map(|l| match l {
            Line::Attempt(a) if seen.insert(a.seq) => Some(a),
            _ => None,
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

/// The response: `accepted` for the first line of each seq the store inserted now (`inserted`
/// for punches, `attempts` for spoof attempts), `duplicate` for every other punch or attempt,
/// `rejected` with its reason for the rest. One result per record.
pub fn answer(lines: Vec<Line>, inserted: &HashSet<i64>, attempts: &HashSet<i64>) -> WireResponse {
    let mut answered = HashSet::new();
    let mut answered_attempts = HashSet::new();
    let stored = |key: String, now: bool| WireResult {
        idempotency_key: key,
        status: if now { "accepted" } else { "duplicate" }.to_string(),
        reason: None,
    };
    let results = lines
        .into_iter()
        .map(|line| match line {
            Line::Punch(p) => {
                let now = inserted.contains(&p.seq) && answered.insert(p.seq);
                stored(p.key, now)
            }
            Line::Attempt(a) => {
                let now = attempts.contains(&a.seq) && answered_attempts.insert(a.seq);
                stored(a.key, now)
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
        v["protocol"] = json!(3);
        assert_eq!(
            check(&serde_json::to_vec(&v).unwrap()).to_string(),
            "unknown protocol 3; expected 1 or 2"
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
        let statuses: Vec<String> = answer(lines, &inserted, &HashSet::new())
            .results
            .into_iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, ["accepted", "duplicate", "duplicate"]);
    }

    fn v2(records: Vec<Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "protocol": 2, "device": "door-1", "sent_at": "2026-03-02T00:03:15.120Z", "records": records
        }))
        .unwrap()
    }

    fn attempt(seq: u64) -> Value {
        json!({
            "kind": "spoof-attempt", "idempotency_key": format!("door-1:attempt:{seq}"),
            "device": "door-1", "seq": seq, "staff_id": "0042", "at": "2026-03-02T00:04:00.000Z",
            "live_score": 0.125, "reasons": ["model", "bezel"]
        })
    }

    #[test]
    fn version_2_carries_liveness_and_attempts() {
        let mut punch = record(7);
        punch["kind"] = json!("punch");
        punch["liveness"] = json!({"verdict": "suspect", "live_score": 0.25, "reasons": ["flat"]});
        let mut bare = record(8);
        bare["kind"] = json!("punch");
        let mut bad_score = attempt(2);
        bad_score["live_score"] = json!(1.5);
        let mut other = attempt(3);
        other["kind"] = json!("selfie");
        let mut wrong_key = attempt(4);
        wrong_key["idempotency_key"] = json!("door-1:4");
        let lines = check_batch(
            &v2(vec![
                punch,
                bare,
                attempt(1),
                bad_score,
                other,
                wrong_key,
                record(9),
            ]),
            "door-1",
        )
        .unwrap();
        let Line::Punch(p) = &lines[0] else {
            panic!("{lines:?}")
        };
        assert_eq!(
            p.liveness,
            Some(CheckedLiveness {
                suspect: true,
                live_score: 0.25,
                reasons: vec!["flat".into()]
            })
        );
        assert!(matches!(&lines[1], Line::Punch(p) if p.liveness.is_none()));
        let Line::Attempt(a) = &lines[2] else {
            panic!("{lines:?}")
        };
        assert_eq!((a.seq, a.staff.as_str(), a.reasons.len()), (1, "0042", 2));
        let reasons: Vec<&str> = lines[3..]
            .iter()
            .map(|l| match l {
                Line::Rejected { reason, .. } => reason.as_str(),
                other => panic!("expected a rejection, found {other:?}"),
            })
            .collect();
        assert!(
            reasons[0].contains("live_score 1.5; expected 0 to 1"),
            "{reasons:?}"
        );
        assert!(
            reasons[1].contains("unknown variant `selfie`"),
            "{reasons:?}"
        );
        assert!(
            reasons[2].contains("expected \"door-1:attempt:4\""),
            "{reasons:?}"
        );
        assert!(reasons[3].contains("missing field `kind`"), "{reasons:?}");

        // A protocol 1 record may not carry a verdict of protocol 2.
        let mut old = record(1);
        old["liveness"] = json!({"verdict": "live", "live_score": 0.9, "reasons": []});
        let lines = check_batch(&batch(vec![old]), "door-1").unwrap();
        assert!(
            matches!(&lines[0], Line::Rejected { reason, .. } if reason.contains("needs protocol 2")),
            "{lines:?}"
        );

        let lines = check_batch(&v2(vec![attempt(5), attempt(5)]), "door-1").unwrap();
        assert_eq!(attempts_to_insert(&lines).len(), 1);
        let statuses: Vec<String> = answer(lines, &HashSet::new(), &[5].into_iter().collect())
            .results
            .into_iter()
            .map(|r| r.status)
            .collect();
        assert_eq!(statuses, ["accepted", "duplicate"]);
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

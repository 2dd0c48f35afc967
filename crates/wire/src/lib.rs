//! The wire shapes of the upload protocol, versions 1 and 2 (`docs/upload-protocol.md`,
//! `docs/upload-batch.schema.json`), with serde: written once, spoken by the door device
//! (`hallclock::uplink`, which re-exports this crate as `uplink::wire`) and the central service
//! (`hallclock-central`'s receiver). Both convert explicitly from and to their own types; this
//! crate decides nothing, checks nothing beyond the JSON shape, and depends on serde alone.
//!
//! Must not carry anything but attendance facts and the door's health: no recognition score,
//! embedding, image or name. Version 2 adds the liveness check's verdict on a punch (live or
//! suspect, its live score and reasons) and the attempts it refused, as facts of their own.

use serde::{Deserialize, Serialize};

/// The protocol version the door sends (batches and heartbeats).
pub const PROTOCOL_VERSION: u32 = 2;

/// Every protocol version a receiver accepts.
pub const PROTOCOL_VERSIONS: [u32; 2] = [1, 2];

/// The version 1 request body: `POST <endpoint>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireBatch {
    pub protocol: u32,
    /// The sending device (every record's `device` is this one).
    pub device: String,
    /// When the batch was sent, RFC 3339 UTC by the device clock (informational).
    pub sent_at: String,
    pub records: Vec<WireRecord>,
}

/// A version 2 request body: as [`WireBatch`], with records of two kinds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireBatchV2 {
    /// Always 2.
    pub protocol: u32,
    pub device: String,
    pub sent_at: String,
    pub records: Vec<WireRecordV2>,
}

/// A version 2 record, told apart by its `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WireRecordV2 {
    /// `"kind": "punch"`: a punch, with the liveness check's verdict when it ran.
    Punch(WireRecord),
    /// `"kind": "spoof-attempt"`: a face the liveness check refused (no punch).
    SpoofAttempt(WireSpoofAttempt),
}

impl WireRecordV2 {
    /// The record's idempotency key, whatever its kind.
    pub fn idempotency_key(&self) -> &str {
        match self {
            WireRecordV2::Punch(p) => &p.idempotency_key,
            WireRecordV2::SpoofAttempt(a) => &a.idempotency_key,
        }
    }
}

/// The liveness check's verdict on a punch (version 2): never an image or an embedding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireLiveness {
    /// `"live"` or `"suspect"` (kept by the door in `flag` mode, for the supervisor to check).
    pub verdict: String,
    /// The combined live score, 0 to 1.
    pub live_score: f32,
    /// Why it is suspected: `model`, `flat`, `still`, `bezel`; empty when live.
    pub reasons: Vec<String>,
}

/// An attempt the door refused as a suspected spoof (代打卡嫌疑, version 2): someone showed the
/// door a face the liveness check took for a photo or a screen of `staff_id`; no punch was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSpoofAttempt {
    /// `"<device>:attempt:<seq>"`.
    pub idempotency_key: String,
    pub device: String,
    /// The device's attempt sequence number (its own count, apart from the punches').
    pub seq: u64,
    /// The person the face matched: whom someone tried to clock in for.
    pub staff_id: String,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    /// The combined live score, 0 to 1.
    pub live_score: f32,
    /// Why it was refused: `model`, `flat`, `still`, `bezel`.
    pub reasons: Vec<String>,
}

/// One punch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireRecord {
    /// `"<device>:<seq>"`: the server stores a key once and answers `duplicate` afterwards.
    pub idempotency_key: String,
    pub device: String,
    pub seq: u64,
    pub staff_id: String,
    /// The punch instant, RFC 3339 UTC with milliseconds (`2026-03-02T00:03:12.345Z`).
    pub at: String,
    /// `"in"` or `"out"`.
    pub direction: String,
    pub clock_trusted: bool,
    /// `"on-time"`, `"late"`, `"early"` or `"unjudged"`.
    pub verdict: String,
    pub late_minutes: u32,
    pub early_minutes: u32,
    /// Version 2 only: the liveness check's verdict, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<WireLiveness>,
}

/// The 2xx response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireResponse {
    pub results: Vec<WireResult>,
}

/// The server's answer for one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireResult {
    pub idempotency_key: String,
    /// `"accepted"`, `"duplicate"` or `"rejected"`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The body of a whole-batch error (any non-2xx), when the server gives one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    pub error: String,
}

/// The body of `POST <base>/heartbeat` (additive to version 1, `docs/upload-protocol.md`,
/// "Heartbeat"): the door's health, sent on its own so that the batch shape stays exactly as the
/// schema fixes it. The answer is `204 No Content`, or a [`WireError`] body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireHeartbeat {
    pub protocol: u32,
    /// The sending device (the token's device).
    pub device: String,
    /// When the heartbeat was sent, RFC 3339 UTC by the device clock.
    pub sent_at: String,
    /// The door's software version (`hallclock --version`).
    pub version: String,
    /// Records waiting in the outbox, not yet acknowledged.
    pub outbox_depth: u64,
    /// Whether the device clock is synchronised (NTP) now.
    pub clock_trusted: bool,
    /// When the camera last delivered a frame, RFC 3339 UTC; `None` when no frame came yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame_at: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_with_an_unknown_field_is_refused() {
        let json = r#"{"protocol":1,"device":"d","sent_at":"2026-03-02T00:03:15.120Z","records":[],"health":{}}"#;
        let err = serde_json::from_str::<WireBatch>(json).unwrap_err();
        assert!(err.to_string().contains("unknown field `health`"), "{err}");
    }

    #[test]
    fn a_record_round_trips_with_the_documented_field_names() {
        let json = r#"{"idempotency_key":"hall-east-1:4711","device":"hall-east-1","seq":4711,"staff_id":"0042","at":"2026-03-02T00:03:12.345Z","direction":"in","clock_trusted":true,"verdict":"late","late_minutes":4,"early_minutes":0}"#;
        let r: WireRecord = serde_json::from_str(json).unwrap();
        assert_eq!(r.seq, 4711);
        assert_eq!(serde_json::to_string(&r).unwrap(), json);
    }

    #[test]
    fn version_2_records_are_told_apart_by_kind() {
        let json = r#"{"protocol":2,"device":"door-1","sent_at":"2026-03-02T00:03:15.120Z","records":[{"kind":"punch","idempotency_key":"door-1:1","device":"door-1","seq":1,"staff_id":"0042","at":"2026-03-02T00:03:12.345Z","direction":"in","clock_trusted":true,"verdict":"on-time","late_minutes":0,"early_minutes":0,"liveness":{"verdict":"suspect","live_score":0.25,"reasons":["model","flat"]}},{"kind":"spoof-attempt","idempotency_key":"door-1:attempt:3","device":"door-1","seq":3,"staff_id":"0042","at":"2026-03-02T00:04:00.000Z","live_score":0.5,"reasons":["bezel"]}]}"#;
        let b: WireBatchV2 = serde_json::from_str(json).unwrap();
        assert_eq!(b.records[1].idempotency_key(), "door-1:attempt:3");
        let WireRecordV2::Punch(p) = &b.records[0] else {
            panic!("a punch first: {b:?}");
        };
        assert_eq!(p.liveness.as_ref().map(|l| l.reasons.len()), Some(2));
        assert_eq!(serde_json::to_string(&b).unwrap(), json);
        let unknown = json.replace("\"live_score\":0.5,", "\"live_score\":0.5,\"image\":\"x\",");
        assert!(serde_json::from_str::<WireBatchV2>(&unknown).is_err());
    }

    #[test]
    fn a_result_without_a_reason_leaves_the_field_out() {
        let r = WireResult {
            idempotency_key: "d:1".into(),
            status: "accepted".into(),
            reason: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"idempotency_key":"d:1","status":"accepted"}"#
        );
    }

    #[test]
    fn a_heartbeat_without_a_frame_parses() {
        let json = r#"{"protocol":1,"device":"door-1","sent_at":"2026-03-02T00:03:15.120Z","version":"0.1.0","outbox_depth":3,"clock_trusted":true}"#;
        let h: WireHeartbeat = serde_json::from_str(json).unwrap();
        assert_eq!(h.last_frame_at, None);
        assert_eq!(h.outbox_depth, 3);
    }
}

/// The facts endpoint's path: `GET`, with the device's bearer token, answered with [`WireFacts`]
/// and an `ETag`; `If-None-Match` with that tag is answered `304 Not Modified`.
pub const FACTS_PATH: &str = "/api/hallclock/v1/facts";

/// The facts version a door asks for with `?protocol=2`: the posts, leave, duty and meetings
/// besides the staff list and the holiday files. Without it the centre answers version 1, which
/// carries none of them, so that a door of version 1 (whose reader refuses unknown fields) keeps
/// reading the centre's answer.
pub const FACTS_PROTOCOL: u32 = 2;

/// The hall's facts the centre owns and a door takes a copy of (`docs/upload-protocol.md`,
/// "Facts"): the staff list's days and windows, the county's holiday files and, from version 2,
/// the window posts, the leave in force, the duty roster and the meetings. No face data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireFacts {
    /// Always 1.
    pub protocol: u32,
    pub hall: String,
    pub hall_name: String,
    /// The hall's IANA time zone.
    pub zone: String,
    /// The content's version (the `ETag` without quotes): changes whenever anything below does.
    pub version: String,
    pub staff: Vec<WireFactsStaff>,
    pub holiday_files: Vec<WireHolidayFile>,
    /// Version 2: the window posts with their A and B.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub posts: Vec<WirePost>,
    /// Version 2: the approved leave, not cancelled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaves: Vec<WireLeave>,
    /// Version 2: the duty roster (值班).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duty: Vec<WireDuty>,
    /// Version 2: the meetings, with their sign-in sheets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meetings: Vec<WireMeeting>,
}

/// A window post: its A (主办) and B (备岗), staff ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WirePost {
    pub id: String,
    pub a: String,
    pub b: String,
}

/// An approved leave. Codes are the core's (`hallclock_core::codes`): `kind` one of `sick`,
/// `personal`, …; sessions `morning` or `afternoon`; `level` `inspection-office`,
/// `deputy-director` or `director`. Days are `YYYY-MM-DD`, instants RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireLeave {
    /// The centre's number of the leave.
    pub id: u64,
    pub staff: String,
    pub kind: String,
    pub first_day: String,
    pub first_session: String,
    pub last_day: String,
    pub last_session: String,
    /// The B who covers; `None`: the leave excuses nothing (脱岗).
    pub cover: Option<String>,
    pub reason: String,
    pub level: String,
    pub approved_by: String,
    pub certified_by: Option<String>,
    pub approved_at: String,
    /// When the person reported back (销假).
    pub closed_at: Option<String>,
}

/// A duty (值班) entry: `sessions` is `morning`, `afternoon` or `both`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireDuty {
    pub staff: String,
    pub day: String,
    pub sessions: String,
}

/// A meeting with who must attend and its sign-in sheet; instants RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireMeeting {
    /// The centre's number of the meeting.
    pub id: i64,
    pub title: String,
    pub start: String,
    pub end: String,
    pub invited: Vec<String>,
    pub sign_ins: Vec<WireSignIn>,
}

/// Someone signing in at a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireSignIn {
    pub staff: String,
    pub at: String,
}

/// A person on the hall's list, as the centre keeps them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireFactsStaff {
    pub id: String,
    pub name: String,
    /// The window (post) the person holds.
    pub post: Option<String>,
    /// The first day on the list, `YYYY-MM-DD`.
    pub active_from: Option<String>,
    /// The last day on the list, `YYYY-MM-DD`.
    pub active_until: Option<String>,
}

/// A holiday file, whole, in the door's format (`hallclock calendar import`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireHolidayFile {
    pub name: String,
    pub body: String,
}

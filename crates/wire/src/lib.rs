//! The wire shapes of the upload protocol, version 1 (`docs/upload-protocol.md`,
//! `docs/upload-batch.schema.json`), with serde: written once, spoken by the door device
//! (`hallclock::uplink`, which re-exports this crate as `uplink::wire`) and the central service
//! (`hallclock-central`'s receiver). Both convert explicitly from and to their own types; this
//! crate decides nothing, checks nothing beyond the JSON shape, and depends on serde alone.
//!
//! Must not carry anything but attendance facts and the door's health: no score, embedding, image
//! or name.

use serde::{Deserialize, Serialize};

/// The protocol version sent in every batch.
pub const PROTOCOL_VERSION: u32 = 1;

/// The request body: `POST <endpoint>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireBatch {
    pub protocol: u32,
    /// The sending device (every record's `device` is this one).
    pub device: String,
    /// When the batch was sent, RFC 3339 UTC by the device clock (informational).
    pub sent_at: String,
    pub records: Vec<WireRecord>,
}

/// One punch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

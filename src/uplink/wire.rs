//! The wire shapes of the upload protocol (`docs/upload-protocol.md`,
//! `docs/upload-batch.schema.json`), with serde. Converted explicitly from and to the core types;
//! nothing outside `uplink` sees them except tests and the fake central service.
//!
//! Must not carry anything but attendance facts: no score, embedding, image or name.

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

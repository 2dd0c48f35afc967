//! The client for the central scoring service: posts batches of attendance records as JSON over
//! HTTPS with a bearer token and an idempotency key (`"<device>:<seq>"`, `"<device>:attempt:<seq>"`)
//! per record, and turns the answer into a [`BatchAnswer`] for `core::outbox` to judge. It speaks
//! protocol version 2: punches with the liveness check's verdict, and refused spoof attempts.
//!
//! Knows nothing of SQLite and never imports `store`: the daemon reads the outbox and the
//! refused attempts, converts them to [`UploadItem`]s and hands batches here. Decides nothing about retries either (that is
//! `core::outbox`). The token is a [`BearerToken`], whose `Debug` and `Display` never show it; it
//! is only ever written into the `Authorization` header, marked sensitive.
//! The protocol is written down in `docs/upload-protocol.md`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};

use crate::core::ids::StaffId;
use crate::core::outbox::{BatchAnswer, RecordAnswer};
use crate::core::schedule::{PunchRole, Verdict};

/// The wire shapes, a crate of their own (`crates/wire`) shared with the central service:
/// re-exported so that `uplink::wire::…` names them.
pub use hallclock_wire as wire;

use wire::{
    WireBatchV2, WireError, WireLiveness, WireRecord, WireRecordV2, WireResponse, WireSpoofAttempt,
    PROTOCOL_VERSION,
};

/// The systemd credential name the token is read from when no token file is configured.
pub const DEFAULT_TOKEN_CREDENTIAL: &str = "upload-token";

/// Failures of setting up the client. Sending never fails: see [`UplinkClient::send`].
#[derive(Debug, thiserror::Error)]
pub enum UplinkError {
    #[error("cannot read the upload token from {path}: {source}")]
    TokenRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "cannot read the upload token from systemd credential {name:?}: $CREDENTIALS_DIRECTORY is \
         not set; expected the unit to say LoadCredential={name}:/etc/hallclock/upload-token, or \
         set uplink.token-file"
    )]
    NoCredentialsDirectory { name: String },
    #[error("upload token file {path} is empty; expected the token on one line")]
    TokenEmpty { path: PathBuf },
    #[error(
        "upload token file {path} holds a character that cannot go in an HTTP header; expected \
         one line of visible ASCII"
    )]
    TokenBadChar { path: PathBuf },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// What the centre said of the door's copy of the facts.
#[derive(Debug, Clone, PartialEq)]
pub enum FactsAnswer {
    /// The copy is current (`304`).
    Current,
    /// Newer facts.
    Changed(Box<wire::WireFacts>),
}

/// Why a request to the centre other than a batch (the facts, a heartbeat) failed.
#[derive(Debug, thiserror::Error)]
pub enum CentreError {
    #[error("the address cannot be made from the batch endpoint: {0}")]
    Url(String),
    #[error("the centre cannot be reached: {0}")]
    Transport(String),
    #[error("the centre answered {code}: {reason}")]
    Status { code: u16, reason: String },
    #[error("the centre's answer is not the facts: {0}")]
    Shape(String),
}

/// The upload token. Its `Debug` and `Display` print `<redacted>`, never the token.
#[derive(Clone, PartialEq, Eq)]
pub struct BearerToken(String);

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

impl fmt::Display for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the token comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// A file holding the token on one line (readable by the hallclock user only).
    File(PathBuf),
    /// A systemd credential: `$CREDENTIALS_DIRECTORY/<name>` (`LoadCredential=` in the unit).
    Credential(String),
}

impl BearerToken {
    /// Reads the token from its source; surrounding white space is dropped.
    ///
    /// # Errors
    /// [`UplinkError::TokenRead`], [`UplinkError::NoCredentialsDirectory`],
    /// [`UplinkError::TokenEmpty`] or [`UplinkError::TokenBadChar`]. No error carries the token.
    pub fn load(source: &TokenSource) -> Result<Self, UplinkError> {
        let path = match source {
            TokenSource::File(path) => path.clone(),
            TokenSource::Credential(name) => match std::env::var_os("CREDENTIALS_DIRECTORY") {
                Some(dir) => Path::new(&dir).join(name),
                None => return Err(UplinkError::NoCredentialsDirectory { name: name.clone() }),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|source| UplinkError::TokenRead {
            path: path.clone(),
            source,
        })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(UplinkError::TokenEmpty { path });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UplinkError::TokenBadChar { path });
        }
        Ok(BearerToken(token.to_string()))
    }

    /// A token from memory (tests, tools).
    ///
    /// # Errors
    /// [`UplinkError::TokenEmpty`] or [`UplinkError::TokenBadChar`].
    pub fn new(token: &str) -> Result<Self, UplinkError> {
        let path = PathBuf::from("(memory)");
        if token.is_empty() {
            return Err(UplinkError::TokenEmpty { path });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UplinkError::TokenBadChar { path });
        }
        Ok(BearerToken(token.to_string()))
    }

    fn header(&self) -> Result<HeaderValue, UplinkError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.0)).map_err(|_| {
            UplinkError::TokenBadChar {
                path: PathBuf::from("(token)"),
            }
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// The client's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// The batch endpoint (https; http only on loopback, for tests).
    pub endpoint: reqwest::Url,
    /// Per request, from connecting to the whole body read.
    pub timeout: Duration,
}

/// One record to send, in core types.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadRecord {
    pub device: String,
    pub seq: u64,
    pub staff: StaffId,
    pub at: Timestamp,
    pub role: PunchRole,
    pub clock_trusted: bool,
    /// `None`: no verdict applies (sent as `unjudged`).
    pub verdict: Option<Verdict>,
    /// The liveness check's reading, when it ran.
    pub liveness: Option<UploadLiveness>,
}

/// The liveness check's reading of a punch, as sent (protocol version 2): never an image.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadLiveness {
    pub suspect: bool,
    /// 0 to 1.
    pub live_score: f32,
    /// Reason codes: `model`, `flat`, `still`, `bezel`.
    pub reasons: Vec<String>,
}

/// A face the door refused as a suspected spoof, to send (protocol version 2).
#[derive(Debug, Clone, PartialEq)]
pub struct UploadAttempt {
    pub device: String,
    /// The attempt's sequence number on the device (its own count, apart from the punches').
    pub seq: u64,
    /// The claimed person.
    pub staff: StaffId,
    pub at: Timestamp,
    pub live_score: f32,
    pub reasons: Vec<String>,
}

/// One record of a batch: a punch or a refused attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum UploadItem {
    Punch(UploadRecord),
    Attempt(UploadAttempt),
}

impl UploadItem {
    /// The idempotency key: `"<device>:<seq>"` for a punch, `"<device>:attempt:<seq>"` for an
    /// attempt.
    pub fn idempotency_key(&self) -> String {
        match self {
            UploadItem::Punch(p) => p.idempotency_key(),
            UploadItem::Attempt(a) => format!("{}:attempt:{}", a.device, a.seq),
        }
    }

    /// The wire form (version 2).
    pub fn to_wire(&self) -> WireRecordV2 {
        match self {
            UploadItem::Punch(p) => WireRecordV2::Punch(p.to_wire()),
            UploadItem::Attempt(a) => WireRecordV2::SpoofAttempt(WireSpoofAttempt {
                idempotency_key: self.idempotency_key(),
                device: a.device.clone(),
                seq: a.seq,
                staff_id: a.staff.as_str().to_string(),
                at: rfc3339_utc(a.at),
                live_score: a.live_score,
                reasons: a.reasons.clone(),
            }),
        }
    }
}

impl UploadRecord {
    /// The idempotency key, `"<device>:<seq>"`.
    pub fn idempotency_key(&self) -> String {
        format!("{}:{}", self.device, self.seq)
    }

    /// The wire form.
    pub fn to_wire(&self) -> WireRecord {
        let (verdict, late, early) = match self.verdict {
            None => ("unjudged", 0, 0),
            Some(Verdict::OnTime) => ("on-time", 0, 0),
            Some(Verdict::Late { minutes }) => ("late", minutes, 0),
            Some(Verdict::Early { minutes }) => ("early", 0, minutes),
        };
        WireRecord {
            idempotency_key: self.idempotency_key(),
            device: self.device.clone(),
            seq: self.seq,
            staff_id: self.staff.as_str().to_string(),
            at: rfc3339_utc(self.at),
            direction: match self.role {
                PunchRole::ClockIn => "in",
                PunchRole::ClockOut => "out",
            }
            .to_string(),
            clock_trusted: self.clock_trusted,
            verdict: verdict.to_string(),
            late_minutes: late,
            early_minutes: early,
            liveness: self.liveness.as_ref().map(|l| WireLiveness {
                verdict: if l.suspect { "suspect" } else { "live" }.to_string(),
                live_score: l.live_score,
                reasons: l.reasons.clone(),
            }),
        }
    }
}

/// An instant as RFC 3339 UTC with milliseconds: `2026-03-02T00:03:12.345Z`.
pub fn rfc3339_utc(at: Timestamp) -> String {
    format!("{at:.3}")
}

/// The wire body of one batch.
pub fn batch_body(device: &str, records: &[UploadItem], sent_at: Timestamp) -> WireBatchV2 {
    WireBatchV2 {
        protocol: PROTOCOL_VERSION,
        device: device.to_string(),
        sent_at: rfc3339_utc(sent_at),
        records: records.iter().map(UploadItem::to_wire).collect(),
    }
}

/// The HTTP client with its token.
#[derive(Debug, Clone)]
pub struct UplinkClient {
    http: reqwest::Client,
    endpoint: reqwest::Url,
    token: BearerToken,
}

impl UplinkClient {
    /// Builds the client (rustls, the per-request timeout, no proxy from the environment).
    ///
    /// # Errors
    /// [`UplinkError::Client`] when TLS cannot be set up, [`UplinkError::TokenBadChar`].
    pub fn new(settings: &ClientSettings, token: BearerToken) -> Result<Self, UplinkError> {
        token.header()?;
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .no_proxy()
            .user_agent(concat!("hallclock/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| UplinkError::Client(error_chain(&e)))?;
        Ok(UplinkClient {
            http,
            endpoint: settings.endpoint.clone(),
            token,
        })
    }

    /// The endpoint batches go to.
    pub fn endpoint(&self) -> &reqwest::Url {
        &self.endpoint
    }

    /// Posts one batch and returns what the server said, aligned with `records`. Never fails:
    /// a timeout or a refused connection is a [`BatchAnswer::Transport`]. `sent_at` is only
    /// informational for the server.
    pub async fn send(
        &self,
        device: &str,
        records: &[UploadItem],
        sent_at: Timestamp,
    ) -> BatchAnswer {
        let body = batch_body(device, records, sent_at);
        let header = match self.token.header() {
            Ok(h) => h,
            Err(e) => {
                return BatchAnswer::Transport {
                    cause: e.to_string(),
                }
            }
        };
        let response = match self
            .http
            .post(self.endpoint.clone())
            .header(AUTHORIZATION, header)
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r,
            Err(e) => {
                return BatchAnswer::Transport {
                    cause: self.redact(error_chain(&e)),
                }
            }
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = match response.text().await {
            Ok(t) => t,
            Err(e) => {
                return BatchAnswer::Transport {
                    cause: self.redact(format!("reading the answer: {}", error_chain(&e))),
                }
            }
        };
        if !status.is_success() {
            let reason = serde_json::from_str::<WireError>(&text)
                .map(|e| e.error)
                .unwrap_or_else(|_| text.chars().take(200).collect());
            return BatchAnswer::Status {
                code: status.as_u16(),
                retry_after,
                reason: self.redact(reason),
            };
        }
        match serde_json::from_str::<WireResponse>(&text) {
            Ok(answer) => BatchAnswer::PerRecord(align(records, &answer, |r| self.redact(r))),
            Err(e) => BatchAnswer::Transport {
                cause: format!("the answer ({status}) is not the expected JSON: {e}"),
            },
        }
    }

    /// Posts the door's health (`POST .../heartbeat` beside the batch endpoint).
    ///
    /// # Errors
    /// [`CentreError`]: the heartbeat did not arrive.
    pub async fn heartbeat(&self, beat: &wire::WireHeartbeat) -> Result<(), CentreError> {
        let url = self
            .endpoint
            .join("heartbeat")
            .map_err(|e| CentreError::Url(e.to_string()))?;
        let header = self
            .token
            .header()
            .map_err(|e| CentreError::Transport(e.to_string()))?;
        let response = self
            .http
            .post(url)
            .header(AUTHORIZATION, header)
            .json(beat)
            .send()
            .await
            .map_err(|e| CentreError::Transport(self.redact(error_chain(&e))))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let text = response.text().await.unwrap_or_default();
        let reason = serde_json::from_str::<WireError>(&text)
            .map(|e| e.error)
            .unwrap_or_else(|_| text.chars().take(200).collect());
        Err(CentreError::Status {
            code: status.as_u16(),
            reason: self.redact(reason),
        })
    }

    /// Asks the centre for the hall's facts (`GET .../facts` beside the batch endpoint), sending
    /// `known` (the version of the copy the door holds) as `If-None-Match`.
    ///
    /// # Errors
    /// [`CentreError`]: the centre could not be reached, answered an error, or sent something
    /// that is not the facts.
    pub async fn fetch_facts(&self, known: Option<&str>) -> Result<FactsAnswer, CentreError> {
        let mut url = self
            .endpoint
            .join("facts")
            .map_err(|e| CentreError::Url(e.to_string()))?;
        url.set_query(Some(&format!("protocol={}", wire::FACTS_PROTOCOL)));
        let header = self
            .token
            .header()
            .map_err(|e| CentreError::Transport(e.to_string()))?;
        let mut request = self.http.get(url).header(AUTHORIZATION, header);
        if let Some(v) = known {
            request = request.header(reqwest::header::IF_NONE_MATCH, format!("\"{v}\""));
        }
        let response = request
            .send()
            .await
            .map_err(|e| CentreError::Transport(self.redact(error_chain(&e))))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(FactsAnswer::Current);
        }
        let text = response
            .text()
            .await
            .map_err(|e| CentreError::Transport(self.redact(error_chain(&e))))?;
        if !status.is_success() {
            let reason = serde_json::from_str::<WireError>(&text)
                .map(|e| e.error)
                .unwrap_or_else(|_| text.chars().take(200).collect());
            return Err(CentreError::Status {
                code: status.as_u16(),
                reason: self.redact(reason),
            });
        }
        serde_json::from_str::<wire::WireFacts>(&text)
            .map(|f| FactsAnswer::Changed(Box::new(f)))
            .map_err(|e| CentreError::Shape(e.to_string()))
    }

    /// Takes the token out of any text that came from outside (a server could echo it).
    fn redact(&self, text: String) -> String {
        if text.contains(&self.token.0) {
            text.replace(&self.token.0, "<redacted>")
        } else {
            text
        }
    }
}

/// Lines the server's results up with the batch by idempotency key. A key answered twice counts
/// as acknowledged if any line acknowledges it; an unknown status is no answer.
fn align(
    records: &[UploadItem],
    answer: &WireResponse,
    redact: impl Fn(String) -> String,
) -> Vec<Option<RecordAnswer>> {
    let mut by_key: std::collections::HashMap<&str, RecordAnswer> =
        std::collections::HashMap::new();
    for r in &answer.results {
        let this = match r.status.as_str() {
            "accepted" => RecordAnswer::Accepted,
            "duplicate" => RecordAnswer::Duplicate,
            "rejected" => RecordAnswer::Rejected {
                reason: redact(
                    r.reason
                        .clone()
                        .unwrap_or_else(|| "rejected without a reason".to_string()),
                ),
            },
            other => {
                tracing::warn!(key = %r.idempotency_key, status = other, "Unknown result status in the server's answer.");
                continue;
            }
        };
        let entry = by_key
            .entry(r.idempotency_key.as_str())
            .or_insert(this.clone());
        if matches!(entry, RecordAnswer::Rejected { .. }) && this != *entry {
            *entry = this;
        }
    }
    records
        .iter()
        .map(|r| by_key.get(r.idempotency_key().as_str()).cloned())
        .collect()
}

/// An error with its sources, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_never_prints() {
        let t = BearerToken::new("s3cret-xyz").unwrap();
        assert_eq!(format!("{t}"), "<redacted>");
        assert!(!format!("{t:?}").contains("s3cret"));
        let client = UplinkClient::new(
            &ClientSettings {
                endpoint: "http://127.0.0.1:9/batches".parse().unwrap(),
                timeout: Duration::from_secs(1),
            },
            t,
        )
        .unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
        assert!(BearerToken::new("two words").is_err());
    }

    #[test]
    fn wire_record_of_a_late_clock_in() {
        let r = UploadRecord {
            device: "door-1".into(),
            seq: 7,
            staff: StaffId::new("0042").unwrap(),
            at: "2026-03-02T00:05:00Z".parse().unwrap(),
            role: PunchRole::ClockIn,
            clock_trusted: true,
            verdict: Some(Verdict::Late { minutes: 5 }),
            liveness: None,
        };
        let json = serde_json::to_string(&r.to_wire()).unwrap();
        assert_eq!(
            json,
            r#"{"idempotency_key":"door-1:7","device":"door-1","seq":7,"staff_id":"0042","at":"2026-03-02T00:05:00.000Z","direction":"in","clock_trusted":true,"verdict":"late","late_minutes":5,"early_minutes":0}"#
        );
    }

    #[test]
    fn results_line_up_by_key_and_an_ack_beats_a_reject() {
        let rec = |seq| UploadRecord {
            device: "d".into(),
            seq,
            staff: StaffId::new("1").unwrap(),
            at: Timestamp::UNIX_EPOCH,
            role: PunchRole::ClockOut,
            clock_trusted: true,
            verdict: None,
            liveness: None,
        };
        let res = |k: &str, s: &str| wire::WireResult {
            idempotency_key: k.into(),
            status: s.into(),
            reason: None,
        };
        let answer = WireResponse {
            results: vec![
                res("d:2", "rejected"),
                res("d:1", "accepted"),
                res("d:2", "duplicate"),
                res("d:3", "weird"),
            ],
        };
        let got = align(
            &[rec(1), rec(2), rec(3)].map(UploadItem::Punch),
            &answer,
            |s| s,
        );
        assert_eq!(
            got,
            [
                Some(RecordAnswer::Accepted),
                Some(RecordAnswer::Duplicate),
                None
            ]
        );
    }
}

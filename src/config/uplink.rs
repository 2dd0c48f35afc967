//! The `[uplink]` config section: where and how punches are uploaded to the central scoring
//! service. `RawUplink` mirrors the TOML; [`uplink_from_raw`] validates it into the daemon's
//! [`UploadSettings`], adding every problem with its key.
//!
//! This file only reads settings: it never reads the token (the uploader does, at start, so the
//! token never sits in the config value) and opens no socket. The device id is `daemon.device-id`,
//! one id for numbering punches and for the idempotency keys.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::ranged;
use crate::core::backoff::Backoff;
use crate::core::outbox::OutboxPolicy;
use crate::uplink::{ClientSettings, TokenSource, DEFAULT_TOKEN_CREDENTIAL};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawUplink {
    pub enabled: Option<bool>,
    pub endpoint: Option<String>,
    pub token_file: Option<PathBuf>,
    pub token_credential: Option<String>,
    pub batch_size: Option<usize>,
    pub timeout_secs: Option<u64>,
    pub backoff_base_ms: Option<u64>,
    pub backoff_cap_secs: Option<u64>,
    pub poll_interval_secs: Option<u64>,
    pub keep_acked_days: Option<u64>,
    pub facts_every_secs: Option<u64>,
}

/// How the uploader runs: the validated `[uplink]` section, plain data.
#[derive(Debug, Clone)]
pub struct UploadSettings {
    /// Endpoint and per-request timeout.
    pub client: ClientSettings,
    /// Where the bearer token is read from (once, at start).
    pub token: TokenSource,
    /// This device's id: the recorder numbers its punches under it; batches name it.
    pub device_id: String,
    /// Batch size and backoff.
    pub policy: OutboxPolicy,
    /// How often to look for new records when nobody wakes the uploader.
    pub poll_interval: Duration,
    /// Acknowledged rows are deleted this long after their acknowledgement.
    pub keep_acked_for: Duration,
    /// How often the daemon takes the hall's facts from the centre (`uplink.facts-every-secs`,
    /// default 300; 0: never, `hallclock facts pull` by hand).
    pub facts_every: Option<Duration>,
}

/// Validates `[uplink]`. `None`: uploading is off (`enabled = false`, or no endpoint and
/// `enabled` not set); punches still queue in the outbox.
pub fn uplink_from_raw(
    raw: RawUplink,
    device_id: &str,
    problems: &mut Vec<String>,
) -> Option<UploadSettings> {
    let enabled = raw.enabled.unwrap_or(raw.endpoint.is_some());
    let mut number = |key: &str, value: Option<u64>, default: u64, range: (u64, u64)| {
        let key = format!("uplink.{key}");
        ranged(&key, value, default, range.0..=range.1, "", problems)
    };
    let batch_size = number(
        "batch-size",
        raw.batch_size.map(|n| n as u64),
        200,
        (1, 1000),
    );
    let timeout_secs = number("timeout-secs", raw.timeout_secs, 10, (1, 300));
    let base_ms = number("backoff-base-ms", raw.backoff_base_ms, 1000, (1, 60_000));
    let cap_secs = number("backoff-cap-secs", raw.backoff_cap_secs, 300, (1, 86_400));
    let poll_secs = number("poll-interval-secs", raw.poll_interval_secs, 5, (1, 3600));
    let keep_days = number("keep-acked-days", raw.keep_acked_days, 30, (1, 3650));
    let facts_secs = number("facts-every-secs", raw.facts_every_secs, 300, (0, 86_400));
    if base_ms > cap_secs.saturating_mul(1000) {
        problems.push(format!(
            "uplink.backoff-base-ms = {base_ms} is above uplink.backoff-cap-secs = {cap_secs}"
        ));
    }
    let token = match (raw.token_file, raw.token_credential) {
        (Some(_), Some(_)) => {
            problems.push(
                "uplink.token-file and uplink.token-credential are both set: expected one of them"
                    .to_string(),
            );
            None
        }
        (Some(path), None) => Some(TokenSource::File(path)),
        (None, credential) => {
            let name = credential.unwrap_or_else(|| DEFAULT_TOKEN_CREDENTIAL.to_string());
            if name.is_empty() || name.contains('/') {
                problems.push(format!(
                    "uplink.token-credential = {name:?}: expected a systemd credential name without '/'"
                ));
            }
            Some(TokenSource::Credential(name))
        }
    };
    let endpoint = match raw.endpoint.as_deref() {
        None if enabled => {
            problems.push(
                "uplink.endpoint: missing; expected the central service's https:// URL (or uplink.enabled = false)"
                    .to_string(),
            );
            None
        }
        None => None,
        Some(text) => match reqwest::Url::parse(text) {
            Err(e) => {
                problems.push(format!(
                    "uplink.endpoint = {text:?}: expected an https:// URL ({e})"
                ));
                None
            }
            Ok(url) if url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url)) => {
                Some(url)
            }
            Ok(_) => {
                problems.push(format!(
                    "uplink.endpoint = {text:?}: expected https:// (plain http only to a loopback address, for tests)"
                ));
                None
            }
        },
    };
    if !enabled {
        return None;
    }
    Some(UploadSettings {
        client: ClientSettings {
            endpoint: endpoint?,
            timeout: Duration::from_secs(timeout_secs),
        },
        token: token?,
        device_id: device_id.to_string(),
        policy: OutboxPolicy {
            backoff: Backoff {
                base: Duration::from_millis(base_ms),
                cap: Duration::from_secs(cap_secs),
                jitter: 0.25,
            },
            batch_size: usize::try_from(batch_size).unwrap_or(200),
        },
        poll_interval: Duration::from_secs(poll_secs),
        keep_acked_for: Duration::from_secs(keep_days * 86_400),
        facts_every: (facts_secs > 0).then(|| Duration::from_secs(facts_secs)),
    })
}

fn is_loopback(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Option<UploadSettings>, Vec<String>) {
        let raw: RawUplink = toml::from_str(text).unwrap();
        let mut problems = Vec::new();
        let s = uplink_from_raw(raw, "door-1", &mut problems);
        (s, problems)
    }

    #[test]
    fn off_without_an_endpoint_and_on_with_one() {
        let (s, p) = parse("");
        assert!(s.is_none() && p.is_empty(), "{p:?}");
        let (s, p) = parse("endpoint = \"https://central.example/api/punches\"\n");
        let s = s.unwrap();
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(s.policy.batch_size, 200);
        assert_eq!(s.client.timeout, Duration::from_secs(10));
        assert_eq!(s.token, TokenSource::Credential("upload-token".into()));
        let (s, _) = parse("enabled = false\nendpoint = \"https://c.example/\"\n");
        assert!(s.is_none());
    }

    #[test]
    fn every_uplink_problem_is_reported_with_its_key() {
        let (_, p) = parse(
            "enabled = true\nendpoint = \"http://central.example/x\"\ntoken-file = \"/t\"\n\
             token-credential = \"t\"\nbatch-size = 0\ntimeout-secs = 0\n",
        );
        assert_eq!(
            p,
            [
                "uplink.batch-size = 0: expected 1 to 1000",
                "uplink.timeout-secs = 0: expected 1 to 300",
                "uplink.token-file and uplink.token-credential are both set: expected one of them",
                "uplink.endpoint = \"http://central.example/x\": expected https:// (plain http only to a loopback address, for tests)",
            ]
        );
        let (_, p) = parse("enabled = true\n");
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("uplink.endpoint: missing"), "{p:?}");
        let (s, p) = parse("endpoint = \"http://127.0.0.1:8080/b\"\n");
        assert!(s.is_some() && p.is_empty(), "{p:?}");
    }
}

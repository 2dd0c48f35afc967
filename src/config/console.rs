//! The `[console]` section: the admin and supervisor web console. Mirrored by [`RawConsole`]
//! (kebab-case, unknown keys refused) and validated into [`ConsoleConfig`]; every problem is
//! added, with its key, to the caller's list. This file only reads settings (it checks that the
//! TLS files exist; `app::console` reads them).

use std::net::SocketAddr;
use std::path::PathBuf;

use jiff::SignedDuration;
use serde::Deserialize;

use super::ranged;
use crate::admin::web::{LockoutPolicy, WebSettings};
use crate::core::leave::{ApprovalLevel, ApprovalRights};

/// `[console]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawConsole {
    /// Serve the console from `hallclock run` (default false; `hallclock console` always serves).
    pub enabled: Option<bool>,
    /// Address to listen on (default 127.0.0.1:8080, loopback only).
    pub listen: Option<String>,
    /// How long a sign-in lasts (default 8).
    pub session_hours: Option<u32>,
    /// Wrong passwords in a row that lock an account (default 5).
    pub lockout_failures: Option<u32>,
    /// How long the lock lasts (default 15).
    pub lockout_minutes: Option<u32>,
    /// A session unused this long ends, minutes (default 30).
    pub idle_minutes: Option<u32>,
    /// Sign-in attempts per minute from one client address (default 10).
    pub sign_ins_per_minute: Option<u32>,
    /// Requests per second from one client address, bursts of ten times as many (default 20).
    pub requests_per_second: Option<u32>,
    /// Time to send a request's head, and to wait idle between requests, seconds (default 10).
    pub header_timeout_secs: Option<u32>,
    /// Time to send a request's body and get the answer, seconds (default 30).
    pub request_timeout_secs: Option<u32>,
    /// Open connections at once (default 64).
    pub max_connections: Option<u32>,
    /// Largest upload, megabytes (default 10).
    pub max_upload_mb: Option<u32>,
    /// Largest photo an enrolment upload may declare, megapixels (default 16).
    pub max_photo_megapixels: Option<u32>,
    /// The version of the face-data consent notice shown at enrolment (default "2026-1").
    pub notice_version: Option<String>,
    /// The certificate chain (PEM) to serve HTTPS with; needs `tls-key` too.
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM); needs `tls-cert` too.
    pub tls_key: Option<PathBuf>,
    /// The highest leave approval a supervisor may record: "none", "inspection-office",
    /// "deputy-director" (default) or "director".
    pub supervisor_approves: Option<String>,
    /// The highest leave approval an admin may record (default "director").
    pub admin_approves: Option<String>,
}

/// The PEM files the console serves HTTPS with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The validated `[console]`.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    pub enabled: bool,
    pub listen: SocketAddr,
    pub web: WebSettings,
    /// HTTPS (and `Secure` cookies) when set.
    pub tls: Option<TlsFiles>,
    /// Which approval level each role may record (the CLI's `--by` naming an account, too).
    pub approval: ApprovalRights,
}

/// An approval level setting; `None` inside for "none".
fn approval_level(
    key: &str,
    v: Option<String>,
    default: Option<ApprovalLevel>,
    problems: &mut Vec<String>,
) -> Option<ApprovalLevel> {
    match v.as_deref().map(str::trim) {
        None => default,
        Some("none") => None,
        Some("inspection-office") => Some(ApprovalLevel::InspectionOffice),
        Some("deputy-director") => Some(ApprovalLevel::DeputyDirector),
        Some("director") => Some(ApprovalLevel::DirectorWithUnitCertificate),
        Some(other) => {
            problems.push(format!(
                "console.{key}: expected none, inspection-office, deputy-director or director, found {other:?}"
            ));
            default
        }
    }
}

/// Validates `[console]`.
pub fn console_from_raw(raw: RawConsole, problems: &mut Vec<String>) -> ConsoleConfig {
    let mut web = WebSettings::default();
    let listen_text = raw.listen.unwrap_or_else(|| "127.0.0.1:8080".to_string());
    let listen = match listen_text.parse::<SocketAddr>() {
        Ok(a) => a,
        Err(_) => {
            problems.push(format!(
                "console.listen: expected an address and port like 127.0.0.1:8080, found {listen_text:?}"
            ));
            SocketAddr::from(([127, 0, 0, 1], 8080))
        }
    };
    let mut positive = |key: &str, v: Option<u32>, default: u32, max: u32| {
        ranged(&format!("console.{key}"), v, default, 1..=max, "", problems)
    };
    let hours = positive("session-hours", raw.session_hours, 8, 24 * 30);
    let failures = positive("lockout-failures", raw.lockout_failures, 5, 100);
    let minutes = positive("lockout-minutes", raw.lockout_minutes, 15, 24 * 60);
    let mb = positive("max-upload-mb", raw.max_upload_mb, 10, 100);
    let idle = positive("idle-minutes", raw.idle_minutes, 30, 24 * 60);
    let sign_ins = positive("sign-ins-per-minute", raw.sign_ins_per_minute, 10, 10_000);
    let rps = positive("requests-per-second", raw.requests_per_second, 20, 10_000);
    let header_secs = positive("header-timeout-secs", raw.header_timeout_secs, 10, 600);
    let request_secs = positive("request-timeout-secs", raw.request_timeout_secs, 30, 3600);
    let connections = positive("max-connections", raw.max_connections, 64, 10_000);
    web.idle_timeout = SignedDuration::from_mins(i64::from(idle));
    web.sign_ins_per_minute = sign_ins;
    web.requests_per_second = rps;
    web.header_timeout = std::time::Duration::from_secs(u64::from(header_secs));
    web.request_timeout = std::time::Duration::from_secs(u64::from(request_secs));
    web.max_connections = connections as usize;
    let megapixels = positive("max-photo-megapixels", raw.max_photo_megapixels, 16, 100);
    web.pixel_budget = u64::from(megapixels) * 1_000_000;
    web.session_ttl = SignedDuration::from_hours(i64::from(hours));
    web.lockout = LockoutPolicy {
        failures,
        lock_for: SignedDuration::from_mins(i64::from(minutes)),
    };
    web.body_limit_bytes = mb as usize * 1024 * 1024;
    if let Some(v) = raw.notice_version {
        if v.trim().is_empty() {
            problems
                .push("console.notice-version: expected a version, found an empty string".into());
        } else {
            web.notice_version = v.trim().to_string();
        }
    }
    let tls = match (raw.tls_cert, raw.tls_key) {
        (None, None) => None,
        (Some(cert), Some(key)) => {
            for (k, path) in [("tls-cert", &cert), ("tls-key", &key)] {
                if !path.is_file() {
                    problems.push(format!(
                        "console.{k}: expected a PEM file, found nothing at {}",
                        path.display()
                    ));
                }
            }
            web.secure_cookie = true;
            Some(TlsFiles { cert, key })
        }
        (Some(_), None) => {
            problems.push("console.tls-key: expected the private key's PEM file beside console.tls-cert, found none".into());
            None
        }
        (None, Some(_)) => {
            problems.push("console.tls-cert: expected the certificate's PEM file beside console.tls-key, found none".into());
            None
        }
    };
    let defaults = ApprovalRights::default();
    let approval = ApprovalRights {
        supervisor: approval_level(
            "supervisor-approves",
            raw.supervisor_approves,
            defaults.supervisor,
            problems,
        ),
        admin: approval_level(
            "admin-approves",
            raw.admin_approves,
            defaults.admin,
            problems,
        ),
    };
    ConsoleConfig {
        enabled: raw.enabled.unwrap_or(false),
        listen,
        web,
        tls,
        approval,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_needs_both_files_and_turns_on_secure_cookies() {
        let check = |cert: Option<&str>, key: Option<&str>| {
            let mut problems = Vec::new();
            let c = console_from_raw(
                RawConsole {
                    tls_cert: cert.map(PathBuf::from),
                    tls_key: key.map(PathBuf::from),
                    ..RawConsole::default()
                },
                &mut problems,
            );
            (c.tls.is_some(), c.web.secure_cookie, problems)
        };
        assert_eq!(check(None, None), (false, false, vec![]));
        let (tls, secure, problems) = check(Some("Cargo.toml"), None);
        assert_eq!((tls, secure), (false, false));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("console.tls-key:"), "{problems:?}");
        let (tls, secure, problems) = check(Some("Cargo.toml"), Some("/nonexistent/key.pem"));
        assert_eq!((tls, secure), (true, true));
        assert_eq!(
            problems,
            vec!["console.tls-key: expected a PEM file, found nothing at /nonexistent/key.pem"]
        );
    }
}

//! The `[console]` section: the admin and supervisor web console. Mirrored by [`RawConsole`]
//! (kebab-case, unknown keys refused) and validated into [`ConsoleConfig`]; every problem is
//! added, with its key, to the caller's list. This file only reads settings.

use std::net::SocketAddr;

use jiff::SignedDuration;
use serde::Deserialize;

use crate::admin::web::{LockoutPolicy, WebSettings};

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
    /// Largest upload, megabytes (default 10).
    pub max_upload_mb: Option<u32>,
    /// The version of the face-data consent notice shown at enrolment (default "2026-1").
    pub notice_version: Option<String>,
}

/// The validated `[console]`.
#[derive(Debug, Clone)]
pub struct ConsoleConfig {
    pub enabled: bool,
    pub listen: SocketAddr,
    pub web: WebSettings,
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
    let mut positive = |key: &str, v: Option<u32>, default: u32, max: u32| match v {
        None => default,
        Some(n) if (1..=max).contains(&n) => n,
        Some(n) => {
            problems.push(format!("console.{key}: expected 1 to {max}, found {n}"));
            default
        }
    };
    let hours = positive("session-hours", raw.session_hours, 8, 24 * 30);
    let failures = positive("lockout-failures", raw.lockout_failures, 5, 100);
    let minutes = positive("lockout-minutes", raw.lockout_minutes, 15, 24 * 60);
    let mb = positive("max-upload-mb", raw.max_upload_mb, 10, 100);
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
    ConsoleConfig {
        enabled: raw.enabled.unwrap_or(false),
        listen,
        web,
    }
}

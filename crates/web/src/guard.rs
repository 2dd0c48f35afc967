//! The sign-in defences that hold state: the password-check semaphores (argon2's memory is
//! bounded), the per-client token buckets for sign-ins and for every request, and the hash
//! checked for names that are no account (or locked ones), so that every failed sign-in costs
//! the same work. Both consoles keep one [`Guard`] for their lifetime.
//!
//! Must not read a store or decide a role: the caller counts the attempt and finds the account.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::security::{self, CheckMemory, ClientBuckets, SecurityError};

/// How much sign-in work a console accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardLimits {
    /// Password checks at once (each holds argon2's 19 MiB).
    pub password_checks: usize,
    /// Sign-ins waiting for a password check beyond those; more are refused as busy.
    pub password_queue: usize,
    /// Sign-in attempts per minute from one client address (and as many at once).
    pub sign_ins_per_minute: u32,
    /// Requests per second from one client address, with bursts of ten times as many.
    pub requests_per_second: u32,
}

impl Default for GuardLimits {
    fn default() -> Self {
        GuardLimits {
            password_checks: 2,
            password_queue: 8,
            sign_ins_per_minute: 10,
            requests_per_second: 20,
        }
    }
}

/// Why a sign-in is refused before its password is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turned {
    /// Too many sign-ins from this address (429).
    TooMany,
    /// Too many password checks running and waiting (503).
    Busy,
}

/// The console's stateful defences.
pub struct Guard {
    /// Password checks running at once.
    pub checks: Arc<Semaphore>,
    /// Sign-ins admitted (running and waiting).
    pub admitted: Arc<Semaphore>,
    /// One argon2 memory per running check, kept between checks.
    pub memory: Vec<Mutex<CheckMemory>>,
    pub sign_ins: Mutex<ClientBuckets>,
    pub requests: Mutex<ClientBuckets>,
    pub dummy_hash: String,
}

impl Guard {
    /// The defences for `limits` (hashes a random password once: this takes argon2's time).
    ///
    /// # Errors
    /// [`SecurityError`] when no random source or hash is available.
    pub fn new(limits: &GuardLimits) -> Result<Guard, SecurityError> {
        let checks = limits.password_checks.max(1);
        let per_minute = limits.sign_ins_per_minute.max(1);
        let per_second = limits.requests_per_second.max(1);
        Ok(Guard {
            checks: Arc::new(Semaphore::new(checks)),
            memory: (0..checks)
                .map(|_| Mutex::new(CheckMemory::for_default_params()))
                .collect(),
            admitted: Arc::new(Semaphore::new(checks + limits.password_queue)),
            sign_ins: Mutex::new(ClientBuckets::new(
                per_minute,
                f64::from(per_minute) / 60.0,
                4096,
            )),
            requests: Mutex::new(ClientBuckets::new(
                per_second.saturating_mul(10),
                f64::from(per_second),
                4096,
            )),
            dummy_hash: security::hash_password(&security::random_token()?)?,
        })
    }

    /// Checks `password` against `phc` in one of the kept memories (the caller holds a permit
    /// of `checks`, so one is free; a busy or poisoned one falls back to a fresh allocation).
    pub fn verify(&self, password: &str, phc: &str) -> bool {
        for m in &self.memory {
            if let Ok(mut memory) = m.try_lock() {
                return security::verify_password_in(password, phc, &mut memory);
            }
        }
        security::verify_password(password, phc)
    }

    /// Lets a sign-in from `client` go on: within the address's sign-in rate and with a place
    /// among the password checks, held by the permit until the attempt is answered.
    ///
    /// # Errors
    /// [`Turned`] saying which limit refused it.
    pub fn admit(&self, client: IpAddr) -> Result<OwnedSemaphorePermit, Turned> {
        let within_rate = self
            .sign_ins
            .lock()
            .map(|mut b| b.allow(client, Instant::now()))
            .unwrap_or(false);
        if !within_rate {
            return Err(Turned::TooMany);
        }
        self.admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Turned::Busy)
    }

    /// Checks `password` on a blocking thread, one of `checks` at a time, against the account's
    /// hash when `hash` is given and the attempt was admitted, else against the dummy hash (the
    /// same work, always `false`).
    pub async fn check(self: &Arc<Self>, password: String, hash: Option<String>) -> bool {
        let real = hash.is_some();
        let phc = hash.unwrap_or_else(|| self.dummy_hash.clone());
        let Ok(permit) = self.checks.clone().acquire_owned().await else {
            return false;
        };
        let guard = self.clone();
        let ok = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            guard.verify(&password, &phc)
        })
        .await
        .unwrap_or(false);
        ok && real
    }
}

//! The console's security decisions both sides share, as plain functions: the sign-in
//! lock-out arithmetic, CSRF comparison, random tokens and their hashes, argon2 password
//! hashing, the password rules and the per-client token buckets. No I/O beyond the operating
//! system's random source; nothing here reads the clock (`now` is a parameter). Roles and
//! permissions are each side's own (the door's are not the centre's).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Instant;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

/// When repeated wrong passwords lock an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Wrong passwords in a row that lock the account (default 5).
    pub failures: u32,
    /// How long the lock lasts (default 15 minutes).
    pub lock_for: SignedDuration,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            failures: 5,
            lock_for: SignedDuration::from_mins(15),
        }
    }
}

impl LockoutPolicy {
    /// Whether an account locked until `locked_until` is still locked at `now`.
    pub fn is_locked(locked_until: Option<Timestamp>, now: Timestamp) -> bool {
        locked_until.is_some_and(|t| now < t)
    }

    /// The failure count and lock after one more wrong password. A lock that has expired starts
    /// a fresh count; reaching `failures` locks until `now + lock_for`.
    pub fn after_failure(
        &self,
        failed_count: u32,
        locked_until: Option<Timestamp>,
        now: Timestamp,
    ) -> (u32, Option<Timestamp>) {
        let before = match locked_until {
            Some(t) if now >= t => 0,
            _ => failed_count,
        };
        let count = before.saturating_add(1);
        if count >= self.failures {
            (count, Some(now + self.lock_for))
        } else {
            (count, None)
        }
    }
}

/// What one sign-in attempt may do, decided (and stored, in one transaction) before its
/// password is checked, so that parallel attempts cannot all be checked against one count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInGate {
    /// Attempts since the last good one or the last lock that ran out, this one included.
    pub count: u32,
    pub locked_until: Option<Timestamp>,
    /// Check the password (`false`: refuse, after the same work as a check).
    pub admit: bool,
    /// This attempt is the one that reached the limit: if its password is wrong too, the lock
    /// it set is reported.
    pub locks: bool,
}

impl LockoutPolicy {
    /// Counts one more attempt, before its password is checked: a lock that has expired starts a
    /// fresh count; an attempt while locked is refused (the lock is not extended); the attempt
    /// that reaches `failures` is still checked, and locks until `now + lock_for` unless its
    /// password is right (then the caller clears the count).
    pub fn gate(
        &self,
        failed_count: u32,
        locked_until: Option<Timestamp>,
        now: Timestamp,
    ) -> SignInGate {
        if Self::is_locked(locked_until, now) {
            return SignInGate {
                count: failed_count.saturating_add(1),
                locked_until,
                admit: false,
                locks: false,
            };
        }
        let before = if locked_until.is_some() {
            0
        } else {
            failed_count
        };
        let count = before.saturating_add(1);
        let locks = count >= self.failures;
        SignInGate {
            count,
            locked_until: locks.then(|| now + self.lock_for),
            admit: count <= self.failures,
            locks: count == self.failures,
        }
    }
}

/// Why a new password is refused (`None`: acceptable): fewer than 10 characters, only
/// whitespace, one character repeated, or one of the most common passwords.
pub fn password_problem(password: &str) -> Option<String> {
    const MIN: usize = 10;
    let n = password.chars().count();
    if password.trim().is_empty() {
        return Some(format!(
            "the password is only whitespace ({n} characters): expected at least {MIN} characters that are not all spaces"
        ));
    }
    if n < MIN {
        return Some(format!(
            "the password is too short: expected at least {MIN} characters, found {n}"
        ));
    }
    let lower = password.trim().to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Some(
            "the password repeats one character: expected a password that is hard to guess".into(),
        );
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Some(
            "the password is one of the most common passwords: expected one that is hard to guess"
                .into(),
        );
    }
    None
}

/// Common passwords of 10 characters or more (lower-case), from the public breach lists' tops.
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "0123456789",
    "0987654321",
    "12345678910",
    "123456789a",
    "a123456789",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "qwertyuiop",
    "qwerty1234",
    "qwerty12345",
    "qwerty123456",
    "asdfghjkl1",
    "zxcvbnm123",
    "abcdefghij",
    "abc1234567",
    "abcd123456",
    "password12",
    "password123",
    "password1234",
    "passw0rd123",
    "password!1",
    "iloveyou12",
    "iloveyou123",
    "admin12345",
    "admin123456",
    "administrator",
    "welcome123",
    "welcome1234",
    "changeme123",
    "letmein123",
    "football123",
    "baseball123",
    "sunshine123",
    "princess123",
    "woaini1314",
    "5201314520",
    "1314520520",
    "12345qwert",
    "qwert12345",
    "hallclock1",
    "hallclock123",
];

/// Per-client token buckets: each address may spend `capacity` requests at once and earns
/// `per_sec` back every second. Bounded: beyond `max_clients` addresses, the buckets that are
/// full again are forgotten first, then the oldest.
#[derive(Debug)]
pub struct ClientBuckets {
    capacity: f64,
    per_sec: f64,
    max_clients: usize,
    buckets: HashMap<IpAddr, (f64, Instant)>,
}

impl ClientBuckets {
    /// Buckets of `capacity` requests refilled at `per_sec` per second.
    pub fn new(capacity: u32, per_sec: f64, max_clients: usize) -> Self {
        ClientBuckets {
            capacity: f64::from(capacity.max(1)),
            per_sec: per_sec.max(0.0),
            max_clients: max_clients.max(1),
            buckets: HashMap::new(),
        }
    }

    /// Takes one token from `client`'s bucket at `now`; `false` when it is empty.
    pub fn allow(&mut self, client: IpAddr, now: Instant) -> bool {
        if !self.buckets.contains_key(&client) && self.buckets.len() >= self.max_clients {
            self.forget(now);
        }
        let (capacity, per_sec) = (self.capacity, self.per_sec);
        let (tokens, last) = self.buckets.entry(client).or_insert((capacity, now));
        let earned = now.saturating_duration_since(*last).as_secs_f64() * per_sec;
        *tokens = (*tokens + earned).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn forget(&mut self, now: Instant) {
        let (capacity, per_sec) = (self.capacity, self.per_sec);
        self.buckets.retain(|_, (tokens, last)| {
            *tokens + now.saturating_duration_since(*last).as_secs_f64() * per_sec < capacity
        });
        while self.buckets.len() >= self.max_clients {
            let oldest = self
                .buckets
                .iter()
                .min_by_key(|(_, (_, last))| *last)
                .map(|(ip, _)| *ip);
            match oldest {
                Some(ip) => {
                    self.buckets.remove(&ip);
                }
                None => break,
            }
        }
    }

    /// Addresses remembered.
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// No address remembered.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }
}

/// Compares the CSRF token of a form with the session's, in time independent of where they
/// differ. An empty token never matches.
pub fn csrf_matches(expected: &str, given: Option<&str>) -> bool {
    let Some(given) = given else { return false };
    if expected.is_empty() || expected.len() != given.len() {
        return false;
    }
    expected
        .bytes()
        .zip(given.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Failures of the security helpers.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("cannot read the operating system's random source: {0}")]
    Random(getrandom::Error),
    #[error("cannot hash the password: {0}")]
    Hash(argon2::password_hash::Error),
}

/// 32 random bytes as 64 hex digits.
///
/// # Errors
/// [`SecurityError::Random`].
pub fn random_token() -> Result<String, SecurityError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(SecurityError::Random)?;
    Ok(hex(&bytes))
}

/// The sha256 of a session token, as stored.
pub fn token_digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Hashes a password with argon2id and a random salt (a PHC string).
///
/// # Errors
/// [`SecurityError::Random`] or [`SecurityError::Hash`].
pub fn hash_password(password: &str) -> Result<String, SecurityError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(SecurityError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(SecurityError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(SecurityError::Hash)
}

/// Whether `password` matches a stored PHC string (a malformed hash never matches).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Memory for one argon2 check, kept and reused (19 MiB at the default parameters), so that
/// checks do not allocate and free it each time.
#[derive(Debug, Default)]
pub struct CheckMemory(Vec<argon2::Block>);

impl CheckMemory {
    /// Memory for hashes made by [`hash_password`], allocated now.
    pub fn for_default_params() -> Self {
        CheckMemory(vec![
            argon2::Block::default();
            argon2::Params::default().block_count()
        ])
    }
}

/// [`verify_password`] in `memory` (grown when the stored hash needs more): the same answer.
pub fn verify_password_in(password: &str, phc: &str, memory: &mut CheckMemory) -> bool {
    use argon2::{Algorithm, Params, Version};
    let Ok(h) = PasswordHash::new(phc) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(h.algorithm),
        Params::try_from(&h),
        h.salt,
        h.hash,
    ) else {
        return false;
    };
    let version = match h.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let need = params.block_count();
    if memory.0.len() < need {
        memory.0.resize(need, argon2::Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let ok = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory.0[..need])
        .is_ok();
    ok && out.len() == expected.len()
        && out
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_arithmetic() {
        let p = LockoutPolicy::default();
        let t0: Timestamp = "2026-11-26T01:00:00Z".parse().unwrap();
        let mut state = (0, None);
        for i in 1..=4 {
            state = p.after_failure(state.0, state.1, t0);
            assert_eq!(state, (i, None));
        }
        state = p.after_failure(state.0, state.1, t0);
        let until = t0 + SignedDuration::from_mins(15);
        assert_eq!(state, (5, Some(until)));
        assert!(LockoutPolicy::is_locked(state.1, t0));
        assert!(LockoutPolicy::is_locked(
            state.1,
            until - SignedDuration::from_secs(1)
        ));
        assert!(!LockoutPolicy::is_locked(state.1, until));
        // After the lock has run out, one more wrong password starts a fresh count.
        assert_eq!(p.after_failure(state.0, state.1, until), (1, None));
        // Still locked: the count goes on and the lock is extended.
        let later = t0 + SignedDuration::from_mins(1);
        assert_eq!(
            p.after_failure(5, state.1, later),
            (6, Some(later + SignedDuration::from_mins(15)))
        );
    }

    #[test]
    fn issue8_2_the_gate_counts_before_the_check() {
        let p = LockoutPolicy::default();
        let t0: Timestamp = "2026-11-26T01:00:00Z".parse().unwrap();
        let until = t0 + SignedDuration::from_mins(15);
        let mut state = (0, None);
        let mut admitted = 0;
        let mut locks = 0;
        // Forty attempts counted one after another (as the transaction serialises them).
        for _ in 0..40 {
            let g = p.gate(state.0, state.1, t0);
            state = (g.count, g.locked_until);
            admitted += u32::from(g.admit);
            locks += u32::from(g.locks);
        }
        assert_eq!((admitted, locks), (5, 1));
        assert_eq!(state, (40, Some(until)));
        // The lock runs out: a fresh count.
        let g = p.gate(state.0, state.1, until);
        assert_eq!((g.count, g.locked_until, g.admit), (1, None, true));
        // The fifth attempt is checked, and locks unless it is right.
        let g = p.gate(4, None, t0);
        assert_eq!(
            (g.count, g.locked_until, g.admit, g.locks),
            (5, Some(until), true, true)
        );
    }

    #[test]
    fn issue8_8_password_rules() {
        for weak in [
            "12345678",
            "        ",
            "          ",
            "\t\t\t\t\t\t\t\t\t\t",
            "short-1",
            "1234567890",
            "Password123",
            "aaaaaaaaaaaa",
        ] {
            assert!(password_problem(weak).is_some(), "{weak:?}");
        }
        assert_eq!(
            password_problem("12345678").as_deref(),
            Some("the password is too short: expected at least 10 characters, found 8")
        );
        for good in ["correct-horse-1", "办事大厅考勤2026年", "tr0ub4dor&3x"] {
            assert_eq!(password_problem(good), None, "{good:?}");
        }
    }

    #[test]
    fn issue8_3_client_buckets() {
        let t0 = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let mut buckets = ClientBuckets::new(3, 1.0, 2);
        assert!((0..3).all(|_| buckets.allow(a, t0)));
        assert!(!buckets.allow(a, t0), "empty");
        assert!(buckets.allow(b, t0), "another address has its own bucket");
        let t1 = t0 + std::time::Duration::from_millis(1500);
        assert!(buckets.allow(a, t1), "one token earned back");
        assert!(!buckets.allow(a, t1));
        // A third address: the table stays at two.
        let c: IpAddr = "192.0.2.3".parse().unwrap();
        assert!(buckets.allow(c, t1));
        assert!(buckets.len() <= 2);
    }

    #[test]
    fn csrf_check() {
        assert!(csrf_matches("abc123", Some("abc123")));
        assert!(!csrf_matches("abc123", Some("abc124")));
        assert!(!csrf_matches("abc123", Some("abc12")));
        assert!(!csrf_matches("abc123", None));
        assert!(!csrf_matches("", Some("")));
    }

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
        let mut memory = CheckMemory::for_default_params();
        assert!(verify_password_in("correct horse", &h, &mut memory));
        assert!(!verify_password_in("wrong", &h, &mut memory));
        assert!(!verify_password_in("x", "not a hash", &mut memory));
        assert!(verify_password_in(
            "correct horse",
            &h,
            &mut CheckMemory::default()
        ));
        assert_ne!(hash_password("correct horse").unwrap(), h, "random salt");
        let t = random_token().unwrap();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token().unwrap());
        assert_eq!(token_digest(&t).len(), 64);
    }
}

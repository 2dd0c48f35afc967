//! The console's security decisions, as plain functions: which role may do what, the sign-in
//! lock-out arithmetic, CSRF comparison, random tokens and their hashes, and argon2 password
//! hashing. No I/O beyond the operating system's random source; nothing here reads the clock
//! (`now` is a parameter).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

/// A console account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads reports, the calendar, the staff list and the status page.
    Viewer,
    /// A viewer who also enters and approves leave and amends punches.
    Supervisor,
    /// Everything: enrolment, deactivation, the audit log.
    Admin,
}

impl Role {
    /// `admin`, `supervisor`, `viewer` (as stored).
    pub fn key(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Viewer => "viewer",
        }
    }

    /// Reads a stored or typed role.
    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "admin" => Some(Role::Admin),
            "supervisor" => Some(Role::Supervisor),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }
}

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewStaff,
    ViewReports,
    ViewStatus,
    EnterLeave,
    ApproveLeave,
    AmendPunches,
    Enrol,
    ViewAudit,
    /// Window posts, the duty roster, meetings.
    EditRoster,
    /// The holiday calendar.
    EditCalendar,
}

/// The role table.
pub fn allowed(role: Role, what: Permission) -> bool {
    use Permission::*;
    match what {
        ViewStaff | ViewReports | ViewStatus => true,
        EnterLeave | ApproveLeave | AmendPunches | EditRoster => role >= Role::Supervisor,
        Enrol | ViewAudit | EditCalendar => role == Role::Admin,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_table() {
        use Permission::*;
        let all = [
            ViewStaff,
            ViewReports,
            ViewStatus,
            EnterLeave,
            ApproveLeave,
            AmendPunches,
            Enrol,
            ViewAudit,
            EditRoster,
            EditCalendar,
        ];
        let table: Vec<(Role, Vec<Permission>)> = [Role::Viewer, Role::Supervisor, Role::Admin]
            .into_iter()
            .map(|r| (r, all.into_iter().filter(|p| allowed(r, *p)).collect()))
            .collect();
        assert_eq!(
            table,
            vec![
                (Role::Viewer, vec![ViewStaff, ViewReports, ViewStatus]),
                (
                    Role::Supervisor,
                    vec![
                        ViewStaff,
                        ViewReports,
                        ViewStatus,
                        EnterLeave,
                        ApproveLeave,
                        AmendPunches,
                        EditRoster
                    ]
                ),
                (Role::Admin, all.to_vec()),
            ]
        );
        for r in [Role::Viewer, Role::Supervisor, Role::Admin] {
            assert_eq!(Role::parse(r.key()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

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
        assert_ne!(hash_password("correct horse").unwrap(), h, "random salt");
        let t = random_token().unwrap();
        assert_eq!(t.len(), 64);
        assert_ne!(t, random_token().unwrap());
        assert_eq!(token_digest(&t).len(), 64);
    }
}

//! Device bearer tokens: made from the operating system's random source, shown once, and kept
//! only as their sha256. A token is `hc1_` followed by 64 hex digits (32 random bytes).
//!
//! Must not log, print or store a token: only `cli` prints the one it just made, once.

use std::fmt;

use sha2::{Digest, Sha256};

/// A freshly made token. `Debug` never shows it; [`NewToken::reveal`] does, once, for printing.
pub struct NewToken(String);

impl fmt::Debug for NewToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewToken(<redacted>)")
    }
}

/// Why no token could be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot read 32 random bytes from the operating system for a token: {0}")]
pub struct TokenError(String);

impl NewToken {
    /// Makes a token from 32 random bytes.
    ///
    /// # Errors
    /// [`TokenError`] when the operating system's random source fails.
    pub fn generate() -> Result<Self, TokenError> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| TokenError(e.to_string()))?;
        let mut text = String::with_capacity(68);
        text.push_str("hc1_");
        for b in bytes {
            text.push_str(&format!("{b:02x}"));
        }
        Ok(NewToken(text))
    }

    /// The token's sha256, the only form the store keeps.
    pub fn sha256(&self) -> [u8; 32] {
        token_sha256(&self.0)
    }

    /// The token itself, to print once.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

/// The sha256 of a presented token (what `devices.token_sha256` holds).
pub fn token_sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The token of an `Authorization: Bearer <token>` header value; `None` when it is not one.
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_differ_and_hash_to_what_is_presented() {
        let a = NewToken::generate().unwrap();
        let b = NewToken::generate().unwrap();
        assert_ne!(a.reveal(), b.reveal());
        assert_eq!(a.reveal().len(), 68);
        assert!(a.reveal().starts_with("hc1_"));
        assert_eq!(a.sha256(), token_sha256(a.reveal()));
        assert_eq!(format!("{a:?}"), "NewToken(<redacted>)");
    }

    #[test]
    fn bearer_headers() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer abc"), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("abc"), None);
    }
}

//! Identifier and score newtypes shared across modules: no bare `String` ids cross a module edge.
//!
//! Must not do I/O or know how ids are stored; `store` converts them to and from SQL.

use std::fmt;

/// A staff member's id as the hall writes it (e.g. `0042`): 1 to 32 characters out of ASCII
/// letters, digits, `-` and `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StaffId(String);

/// Why a string is not a valid [`StaffId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffIdError {
    #[error("staff id is empty; expected 1 to 32 characters of letters, digits, '-' or '_'")]
    Empty,
    #[error("staff id {0:?} is longer than 32 characters")]
    TooLong(String),
    #[error("staff id {0:?} contains {1:?}; expected only letters, digits, '-' or '_'")]
    BadChar(String, char),
}

impl StaffId {
    /// Parses and validates a staff id.
    ///
    /// # Errors
    /// [`StaffIdError`] when the text is empty, longer than 32 characters, or has a character
    /// other than an ASCII letter, digit, `-` or `_`.
    ///
    /// # Example
    /// ```
    /// use hallclock_core::ids::StaffId;
    /// assert_eq!(StaffId::new("0042").unwrap().as_str(), "0042");
    /// assert!(StaffId::new("a b").is_err());
    /// ```
    pub fn new(text: &str) -> Result<Self, StaffIdError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(StaffIdError::Empty);
        }
        if t.chars().count() > 32 {
            return Err(StaffIdError::TooLong(t.to_string()));
        }
        if let Some(c) = t
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(StaffIdError::BadChar(t.to_string(), c));
        }
        Ok(StaffId(t.to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for StaffId {
    type Err = StaffIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StaffId::new(s)
    }
}

/// A similarity score between two faces, higher is more alike. For cosine models it is the
/// cosine (-1..1); for distance models (dlib) it is the negated Euclidean distance, so that
/// "higher is better" holds for every metric.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Similarity(pub f32);

impl fmt::Display for Similarity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_id_rules() {
        assert_eq!(StaffId::new(" 0042 ").unwrap().as_str(), "0042");
        assert_eq!(StaffId::new(""), Err(StaffIdError::Empty));
        assert!(matches!(
            StaffId::new("x".repeat(33).as_str()),
            Err(StaffIdError::TooLong(_))
        ));
        assert_eq!(
            StaffId::new("张三").unwrap_err().to_string(),
            "staff id \"张三\" contains '张'; expected only letters, digits, '-' or '_'"
        );
    }
}

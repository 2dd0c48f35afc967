//! Text codes in the door's TEXT columns: the tables are the core's (`core::codes`, shared with
//! the centre and the facts on the wire); every write and read here goes through the two helpers
//! [`to_text`] and [`from_text`], the second turning an unknown code into a corruption that names
//! its column.
//!
//! This file holds no SQL and decides nothing: it only names values. A tagged value whose code
//! carries data beside it (an amendment's `add`/`void` with its instant, the outbox verdict with
//! its minutes) is converted where it is read, not here.

use std::fmt::Debug;

use super::{corrupt, StoreError};
pub(super) use crate::core::codes::{
    Codes, APPROVAL_LEVEL_CODES, LEAVE_KIND_CODES, PUNCH_ROLE_CODES, SESSIONS_CODES, SESSION_CODES,
};

/// The code of `value` in `codes`.
///
/// # Panics
/// Never for the core's tables, which list every variant (their round-trip test checks it).
pub(super) fn to_text<T: Copy + PartialEq + Debug>(codes: &Codes<T>, value: T) -> &'static str {
    crate::core::codes::code_of(codes, value)
}

/// The variant whose code is `text`, read from `column`.
///
/// # Errors
/// [`StoreError::Corrupt`] naming `column` and `text` when no variant has that code.
pub(super) fn from_text<T: Copy>(
    codes: &Codes<T>,
    column: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    crate::core::codes::from_code(codes, text).ok_or_else(|| corrupt(column, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_code_is_a_corruption_naming_the_column_and_the_value() {
        assert_eq!(
            from_text(SESSION_CODES, "t.c", "morning").unwrap(),
            crate::core::schedule::Session::Morning
        );
        let err = from_text(SESSION_CODES, "t.c", "nonsense").unwrap_err();
        assert_eq!(
            err.to_string(),
            "database holds a bad value in t.c: nonsense"
        );
    }
}

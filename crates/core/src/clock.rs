//! The clock as a port: what "now" is, asked of a value that the binary's edge builds once.
//!
//! Nothing in the core reads the clock; the rules take `now` as a parameter. The adapters that do
//! need the time (the daemon, the console, the CLI) ask a [`Clock`] handed to them, never
//! `Timestamp::now()`, so that a test or a rehearsal can run the whole program on a chosen day
//! (`hw::clock::WallClock`, `HALLCLOCK_NOW`).

use jiff::Timestamp;

/// Something that says what time it is.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// A clock that always says the same instant: for pure tests of code that takes a [`Clock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrozenClock(pub Timestamp);

impl Clock for FrozenClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

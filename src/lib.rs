//! hallclock: face-recognition attendance at the door of a government service hall.
//!
//! See `ARCHITECTURE.md` for the map. `core` decides, the other modules are thin adapters around
//! it, and `cli` joins them.

pub mod core;
pub mod vision;
pub mod hw;
pub mod store;
pub mod admin;
pub mod cli;

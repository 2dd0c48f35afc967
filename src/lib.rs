//! hallclock: face-recognition attendance at the door of a government service hall.
//!
//! See `ARCHITECTURE.md` for the map. `core` decides, the other modules are thin adapters around
//! it, and `cli` joins them.

pub mod admin;
pub mod cli;
pub mod core;
pub mod daemon;
pub mod hw;
pub mod store;
pub mod uplink;
pub mod vision;

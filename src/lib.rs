//! hallclock: face-recognition attendance at the door of a government service hall.
//!
//! See `ARCHITECTURE.md` for the map. `core` decides, the other modules are thin adapters around
//! it, and `cli` joins them.

pub mod admin;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod hw;
pub mod store;
pub mod uplink;
pub mod vision;

/// The pure core, a crate of its own (`crates/core`): re-exported so that `crate::core::…` names it.
pub use hallclock_core as core;

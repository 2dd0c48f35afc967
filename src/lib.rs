//! hallclock: face-recognition attendance at the door of a government service hall.
//!
//! See `ARCHITECTURE.md` for the map. `core` decides, the adapters (`vision`, `store`, `uplink`,
//! `hw`, `admin`) are thin around it, `app` holds the operations the command line and the console
//! share, and `cli` and `daemon` join them. Imports point one way: `cli`/`daemon` → `app` →
//! adapters → `core` (`scripts/check-layers`).

pub mod admin;
pub mod app;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod hw;
pub mod store;
pub mod uplink;
pub mod vision;

/// The pure core, a crate of its own (`crates/core`): re-exported so that `crate::core::…` names it.
pub use hallclock_core as core;

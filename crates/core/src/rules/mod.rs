//! The rules engine, a folder of two parts (see `classify.rs` for the module's full notes).
//!
//! This file only re-exports, so that every path `crate::rules::X` keeps working; it holds no
//! logic and must not read the clock, the store or a device.

mod classify;

pub use classify::*;

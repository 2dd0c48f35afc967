//! hallclock-central: the central scoring service's first piece. It registers halls, staff and
//! door devices, and receives the doors' punches (upload protocol version 1,
//! `docs/upload-protocol.md`) into PostgreSQL, each `device:seq` stored once.
//!
//! Rooms: `ingest` decides what a batch's records are worth (pure, no I/O), `token` makes and
//! hashes bearer tokens, `store` holds every SQL statement and the migrations, `receiver` is the
//! axum endpoint, `silence` tells which doors went quiet in working hours (pure), `cli` the
//! commands, `web` the pages for the people who use the centre (security and layout from
//! `hallclock-web`, shared with the door). It links neither OpenCV, ONNX Runtime nor SQLite; it shares the wire shapes
//! (`hallclock-wire`) and the rules (`hallclock-core`) with the door.

pub mod cli;
pub mod facts;
pub mod hall_facts;
pub mod ingest;
pub mod month;
pub mod receiver;
pub mod render;
pub mod sheet;
pub mod silence;
pub mod store;
pub mod token;
pub mod web;

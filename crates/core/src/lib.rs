//! The pure core: everything that *decides* something, as values in and values out.
//!
//! Nothing in here reads the clock, the file system, the network or a device, and nothing in here
//! depends on tokio, OpenCV, ONNX Runtime or SQLite. `now` is always a parameter. Adapters
//! (`vision`, `store`, `hw`, `uplink`, `admin`) feed this core; it never calls them.

pub mod assessment;
pub mod backoff;
pub mod clock;
pub mod codes;
pub mod evaluation;
pub mod geometry;
pub mod ids;
pub mod image;
pub mod matcher;
pub mod outbox;
pub mod pad;
pub mod track;
pub mod tracks;

pub mod calendar;
pub mod leave;
pub mod liveness;
pub mod names;
pub mod rules;
pub mod schedule;
pub mod scoring;
pub mod staff;

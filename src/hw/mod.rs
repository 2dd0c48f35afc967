//! Devices: where frames come from (camera, video file, RTSP/GStreamer URL, image folder) and
//! photos are decoded. OpenCV-backed parts sit behind the default-on `opencv` feature.
//!
//! Must not decide anything about faces or attendance; it hands `core::image::BgrImage`s on.

pub mod clock;
pub mod feedback;
pub mod frames;
pub mod photo;

pub use frames::{Frame, FrameError, FrameSource, SourceSpec};
pub use photo::{decode_photo, read_photo, PhotoError};

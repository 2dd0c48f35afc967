//! Vision: frame → faces → quality verdict → aligned crop → embedding, through ONNX Runtime.
//!
//! Synchronous and single-threaded by design (the daemon runs it on its own blocking thread).
//! Reads model files at start-up only; never writes a file, never reads the clock except to time
//! its own stages, and never decides who a face belongs to (that is `core::matcher`).

pub mod attack_synth;
pub mod detector;
pub mod embedder;
pub mod liveness;
pub mod manifest;
pub mod pipeline;
pub mod pixels;
pub mod quality;
pub mod runtime;

pub use detector::{Detector, DetectorSize, Face};
pub use embedder::{Embedder, Embedding};
pub use liveness::{BezelCheck, LiveScore, LivenessModel};
pub use manifest::{ModelManifest, ModelRole};
pub use pipeline::{Recognizer, RecognizerConfig};
pub use quality::{QualityGate, QualityReport, Rejection};
pub use runtime::{OrtRuntime, RuntimeError};

use std::path::PathBuf;

/// Errors of loading and running the models.
#[derive(Debug, thiserror::Error)]
pub enum VisionError {
    #[error(transparent)]
    Manifest(#[from] manifest::ManifestError),
    #[error("cannot load model {path}: {message}")]
    LoadModel { path: PathBuf, message: String },
    #[error("model {path} does not fit its manifest: {message}")]
    ModelShape { path: PathBuf, message: String },
    #[error("inference with {model} failed: {message}")]
    Inference { model: String, message: String },
    #[error("model {model} gave output {output} of shape {shape:?}; expected {expected}")]
    BadOutput {
        model: String,
        output: String,
        shape: Vec<i64>,
        expected: String,
    },
    #[error("liveness model {path} is missing: {hint}")]
    MissingLivenessModel { path: PathBuf, hint: &'static str },
    #[error("image of {width}x{height} pixels is too small or too large for the detector")]
    BadImageSize { width: usize, height: usize },
}

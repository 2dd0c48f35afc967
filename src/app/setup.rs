//! Building the vision stack and the gallery from the config, and opening the database: the
//! wiring every command, the daemon and the console share. A missing models folder or database
//! folder is ours to fix (an installation problem), so every error here is
//! [`AppError::Failed`].

use std::path::PathBuf;

use crate::core::matcher::{Gallery, MatchPolicy};
use crate::core::track::TrackPolicy;
use crate::store::{ModelKey, Store};
use crate::vision::detector::DetectorSize;
use crate::vision::{Detector, Embedder, ModelManifest, OrtRuntime, Recognizer, RecognizerConfig};

use super::{AppError, FailedWhile};
use crate::config::{model_dirs, Config};

/// The loaded models and their settings.
pub struct Vision {
    pub recognizer: Recognizer,
    pub policy: MatchPolicy,
    pub vote: TrackPolicy,
    pub model_name: String,
    pub model_sha256: String,
    /// The folder the models were found in (the liveness models are read from it too).
    pub models_dir: PathBuf,
    // Kept alive for the sessions' sake.
    _runtime: OrtRuntime,
}

impl Vision {
    /// Finds the models folder, starts ONNX Runtime and loads both models.
    ///
    /// # Errors
    /// When no models folder holds the detector, ONNX Runtime cannot start, or a model's
    /// manifest, checksum or shapes do not match.
    pub fn load(config: &Config) -> Result<Vision, AppError> {
        let v = &config.vision;
        let dirs = model_dirs(v.models_dir.as_deref());
        let Some(dir) = dirs.iter().find(|d| d.join(&v.detector).is_file()).cloned() else {
            let tried: Vec<String> = dirs.iter().map(|d| format!("  {}", d.display())).collect();
            return Err(AppError::failed_because(format!(
                "cannot find the models folder (with {}); looked in:\n{}\nset vision.models-dir in the config or pass --models",
                v.detector,
                tried.join("\n")
            )));
        };
        let runtime = OrtRuntime::start(v.onnxruntime.as_deref())
            .failed_while(|| "starting ONNX Runtime".into())?;
        let det_manifest = ModelManifest::load(&dir.join(&v.detector))
            .failed_while(|| "reading the detector manifest".into())?;
        let emb_path: PathBuf = dir.join(&v.embedder);
        let emb_manifest = ModelManifest::load(&emb_path)
            .failed_while(|| "reading the embedder manifest".into())?;
        let detector = Detector::load(&runtime, &det_manifest, v.threads)
            .failed_while(|| "loading the face detector".into())?;
        let embedder = Embedder::load(&runtime, &emb_manifest, v.threads)
            .failed_while(|| "loading the face embedder".into())?;
        let spec = embedder.spec().clone();
        let recognizer = Recognizer::new(
            detector,
            embedder,
            RecognizerConfig {
                detector_size: DetectorSize::Width(v.detector_width),
                roi: v.roi,
                gate: v.gate,
                flip: v.flip,
            },
        );
        tracing::info!(
            detector = %det_manifest.name,
            embedder = %emb_manifest.name,
            "Face models loaded."
        );
        Ok(Vision {
            recognizer,
            policy: MatchPolicy {
                threshold: v.threshold.unwrap_or(spec.threshold),
                margin: v.margin.unwrap_or(spec.margin),
            },
            vote: v.vote,
            model_name: emb_manifest.name.clone(),
            model_sha256: emb_manifest.sha256.clone(),
            models_dir: dir,
            _runtime: runtime,
        })
    }

    pub fn model_key(&self) -> ModelKey<'_> {
        ModelKey {
            name: &self.model_name,
            sha256: &self.model_sha256,
        }
    }

    /// The gallery of every active person's embeddings made by this embedder.
    ///
    /// # Errors
    /// When the database fails or holds a vector of the wrong size.
    pub fn gallery(&self, store: &Store) -> Result<Gallery, AppError> {
        let rows = store
            .embeddings_for_model(&self.model_sha256)
            .failed_while(|| "loading enrolled faces".into())?;
        let e = &self.recognizer.embedder;
        let mut g = Gallery::new(e.dim(), e.metric());
        g.reserve(rows.len());
        for (id, v) in rows {
            g.add(&id, &v)
                .failed_while(|| format!("loading the enrolled face of {id}"))?;
        }
        crate::vision::runtime::trim_heap();
        Ok(g)
    }
}

/// Opens the configured database.
///
/// # Errors
/// When its folder does not exist or the database cannot be opened or migrated.
pub fn open_store(config: &Config) -> Result<Store, AppError> {
    let path = &config.store.database;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            return Err(AppError::failed_because(format!(
                "the database folder {} does not exist (store.database = {})",
                parent.display(),
                path.display()
            )));
        }
    }
    Store::open(path).failed_while(|| format!("opening the database {}", path.display()))
}

/// The sha256 of the configured embedder (from its manifest), or `None` when it cannot be found:
/// the staff list counts the faces made by this embedder.
pub fn current_embedder_sha(config: &Config) -> Option<String> {
    model_dirs(config.vision.models_dir.as_deref())
        .into_iter()
        .map(|d| d.join(&config.vision.embedder))
        .find(|p| p.is_file())
        .and_then(|p| ModelManifest::load(&p).ok())
        .map(|m| m.sha256)
}

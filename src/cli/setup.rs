//! Building the vision stack and the gallery from the config: the wiring every command shares.

use std::path::PathBuf;

use anyhow::{bail, Context};

use crate::core::matcher::{Gallery, MatchPolicy};
use crate::core::track::TrackPolicy;
use crate::store::{ModelKey, Store};
use crate::vision::detector::DetectorSize;
use crate::vision::{Detector, Embedder, ModelManifest, OrtRuntime, Recognizer, RecognizerConfig};

use crate::config::{model_dirs, Config};

/// The loaded models and their settings.
pub struct Vision {
    pub recognizer: Recognizer,
    pub policy: MatchPolicy,
    pub vote: TrackPolicy,
    pub model_name: String,
    pub model_sha256: String,
    // Kept alive for the sessions' sake.
    _runtime: OrtRuntime,
}

impl Vision {
    /// Finds the models folder, starts ONNX Runtime and loads both models.
    pub fn load(config: &Config) -> anyhow::Result<Vision> {
        let v = &config.vision;
        let dirs = model_dirs(v.models_dir.as_deref());
        let Some(dir) = dirs.iter().find(|d| d.join(&v.detector).is_file()).cloned() else {
            let tried: Vec<String> = dirs.iter().map(|d| format!("  {}", d.display())).collect();
            bail!(
                "cannot find the models folder (with {}); looked in:\n{}\nset vision.models-dir in the config or pass --models",
                v.detector,
                tried.join("\n")
            );
        };
        let runtime =
            OrtRuntime::start(v.onnxruntime.as_deref()).context("starting ONNX Runtime")?;
        let det_manifest =
            ModelManifest::load(&dir.join(&v.detector)).context("reading the detector manifest")?;
        let emb_path: PathBuf = dir.join(&v.embedder);
        let emb_manifest =
            ModelManifest::load(&emb_path).context("reading the embedder manifest")?;
        let detector = Detector::load(&runtime, &det_manifest, v.threads)
            .context("loading the face detector")?;
        let embedder = Embedder::load(&runtime, &emb_manifest, v.threads)
            .context("loading the face embedder")?;
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
    pub fn gallery(&self, store: &Store) -> anyhow::Result<Gallery> {
        let rows = store
            .embeddings_for_model(&self.model_sha256)
            .context("loading enrolled faces")?;
        let e = &self.recognizer.embedder;
        let mut g = Gallery::new(e.dim(), e.metric());
        g.reserve(rows.len());
        for (id, v) in rows {
            g.add(&id, &v)
                .with_context(|| format!("loading the enrolled face of {id}"))?;
        }
        crate::vision::runtime::trim_heap();
        Ok(g)
    }
}

/// Opens the configured database.
pub fn open_store(config: &Config) -> anyhow::Result<Store> {
    let path = &config.store.database;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if !parent.is_dir() {
            bail!(
                "the database folder {} does not exist (store.database = {})",
                parent.display(),
                path.display()
            );
        }
    }
    Store::open(path).with_context(|| format!("opening the database {}", path.display()))
}

//! The small manifest beside every model file (`models/<name>.toml`): what the model is, where it
//! came from, its licence and checksum, its input and output shapes, and how to feed it.
//!
//! Switching the embedder is a change of manifest in the config, not of code. The manifest is
//! checked at load: the file's sha256, and the model's declared shapes against the manifest's.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::core::geometry::Point;
use crate::core::matcher::Metric;

/// Problems with a manifest or the model file it describes.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read model manifest {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("model manifest {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("cannot read model file {path} (named by {manifest}): {source}")]
    ReadModel {
        path: PathBuf,
        manifest: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "model file {path} has sha256 {got}; its manifest expects {expected} \
         (a corrupt or different file: restore it from the hallclock package)"
    )]
    Checksum {
        path: PathBuf,
        expected: String,
        got: String,
    },
    #[error("model manifest {path} is a {got} model; expected a {expected}")]
    WrongRole {
        path: PathBuf,
        expected: &'static str,
        got: &'static str,
    },
}

/// What a model does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelRole {
    Detector,
    Embedder,
    /// Passive liveness (anti-spoofing): a face crop in, class scores out.
    Liveness,
}

impl ModelRole {
    pub fn name(self) -> &'static str {
        match self {
            ModelRole::Detector => "detector",
            ModelRole::Embedder => "embedder",
            ModelRole::Liveness => "liveness model",
        }
    }

    /// The table of `role` (`[embedder]`, `[detector]`, `[liveness]`) in a manifest of this
    /// role, checked: `None` when the roles differ (the table, if any, is ignored); an error when
    /// they agree but the table is missing.
    fn own_table<R, T>(
        self,
        role: ModelRole,
        table: Option<R>,
        check: impl FnOnce(R) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        if self != role {
            return Ok(None);
        }
        let missing = match role {
            ModelRole::Detector => "role = \"detector\" needs a [detector] table",
            ModelRole::Embedder => "role = \"embedder\" needs an [embedder] table",
            ModelRole::Liveness => "role = \"liveness\" needs a [liveness] table",
        };
        check(table.ok_or(missing)?).map(Some)
    }
}

/// Channel order the model expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColourOrder {
    Rgb,
    Bgr,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawManifest {
    name: String,
    role: ModelRole,
    file: String,
    sha256: String,
    licence: String,
    source: String,
    input: RawTensor,
    outputs: Vec<RawTensor>,
    colour: ColourOrder,
    /// Pixel value v is fed as (v - mean) * scale.
    mean: f32,
    scale: f32,
    embedder: Option<RawEmbedder>,
    detector: Option<RawDetector>,
    liveness: Option<RawLiveness>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawTensor {
    name: String,
    /// -1 for a dimension the model leaves free.
    shape: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEmbedder {
    crop_size: usize,
    metric: String,
    normalize: bool,
    threshold: f32,
    margin: f32,
    template: Vec<[f32; 2]>,
    batch: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDetector {
    kind: String,
    score_threshold: f32,
    nms_iou: f32,
    strides: Vec<usize>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLiveness {
    crop_scale: f32,
    live_class: usize,
}

impl RawEmbedder {
    fn check(self) -> Result<EmbedderSpec, String> {
        let metric = match self.metric.as_str() {
            "cosine" => Metric::Cosine,
            "euclidean" => Metric::Euclidean,
            other => {
                return Err(format!(
                    "embedder.metric = {other:?}: expected \"cosine\" or \"euclidean\""
                ))
            }
        };
        let template: [Point; 5] = match self.template.as_slice() {
            [a, b, c, d, f] => [a, b, c, d, f].map(|p| Point::new(p[0], p[1])),
            other => {
                return Err(format!(
                    "embedder.template has {} points; expected 5",
                    other.len()
                ))
            }
        };
        if self.crop_size == 0 || self.crop_size > 1024 {
            return Err(format!(
                "embedder.crop-size = {}: expected 1 to 1024",
                self.crop_size
            ));
        }
        Ok(EmbedderSpec {
            crop_size: self.crop_size,
            metric,
            normalize: self.normalize,
            threshold: self.threshold,
            margin: self.margin,
            template,
            batch: self.batch,
        })
    }
}

impl RawDetector {
    fn check(self) -> Result<DetectorSpec, String> {
        if self.kind != "yunet" {
            return Err(format!(
                "detector.kind = {:?}: expected \"yunet\"",
                self.kind
            ));
        }
        if self.strides.is_empty() || self.strides.iter().any(|s| *s == 0 || 32 % s != 0) {
            return Err(format!(
                "detector.strides = {:?}: expected divisors of 32 such as [8, 16, 32]",
                self.strides
            ));
        }
        Ok(DetectorSpec {
            score_threshold: self.score_threshold,
            nms_iou: self.nms_iou,
            strides: self.strides,
        })
    }
}

impl RawLiveness {
    /// `outputs`: the model's, whose first one's last dimension counts the classes.
    fn check(self, outputs: &[RawTensor]) -> Result<LivenessSpec, String> {
        if !(self.crop_scale.is_finite() && (1.0..=8.0).contains(&self.crop_scale)) {
            return Err(format!(
                "liveness.crop-scale = {}: expected 1 to 8",
                self.crop_scale
            ));
        }
        let classes = outputs
            .first()
            .and_then(|t| t.shape.last().copied())
            .unwrap_or(0);
        if self.live_class as i64 >= classes {
            return Err(format!(
                "liveness.live-class = {}: expected below the {classes} output classes",
                self.live_class
            ));
        }
        Ok(LivenessSpec {
            crop_scale: self.crop_scale,
            live_class: self.live_class,
        })
    }
}

/// A validated manifest.
#[derive(Debug, Clone)]
pub struct ModelManifest {
    pub name: String,
    pub role: ModelRole,
    /// The model file, resolved against the manifest's folder.
    pub model_path: PathBuf,
    pub manifest_path: PathBuf,
    pub sha256: String,
    pub licence: String,
    pub source: String,
    pub input_name: String,
    pub input_shape: Vec<i64>,
    pub outputs: Vec<(String, Vec<i64>)>,
    pub colour: ColourOrder,
    pub mean: f32,
    pub scale: f32,
    pub embedder: Option<EmbedderSpec>,
    pub detector: Option<DetectorSpec>,
    pub liveness: Option<LivenessSpec>,
}

/// How to crop for a liveness model and read its answer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LivenessSpec {
    /// The detector's box is enlarged this many times around its centre (less where the frame
    /// is too small), then resized to the model's input.
    pub crop_scale: f32,
    /// The output class (after softmax) that means a live face.
    pub live_class: usize,
}

/// How to feed and compare an embedder.
#[derive(Debug, Clone)]
pub struct EmbedderSpec {
    pub crop_size: usize,
    pub metric: Metric,
    pub normalize: bool,
    pub threshold: f32,
    pub margin: f32,
    /// Where the five landmarks go in the crop (eyes, nose, mouth corners; image-left first).
    pub template: [Point; 5],
    /// Whether the model takes a batch larger than one.
    pub batch: bool,
}

/// How to decode a detector.
#[derive(Debug, Clone)]
pub struct DetectorSpec {
    pub score_threshold: f32,
    pub nms_iou: f32,
    pub strides: Vec<usize>,
}

impl ModelManifest {
    /// Reads and validates a manifest; does not read the model file.
    ///
    /// # Errors
    /// [`ManifestError::Read`] or [`ManifestError::Parse`], naming the file and the problem.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses manifest text; `path` is used to resolve the model file and in errors.
    ///
    /// # Errors
    /// [`ManifestError::Parse`] naming the key at fault.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ManifestError> {
        let bad = |message: String| ManifestError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawManifest = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        if raw.sha256.len() != 64 || !raw.sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad(format!(
                "sha256 = {:?}: expected 64 hex digits",
                raw.sha256
            )));
        }
        if raw.input.shape.len() != 4 {
            return Err(bad(format!(
                "input.shape = {:?}: expected 4 dimensions (N, C, H, W)",
                raw.input.shape
            )));
        }
        if !(raw.scale.is_finite() && raw.scale > 0.0) {
            return Err(bad(format!(
                "scale = {}: expected a positive number",
                raw.scale
            )));
        }
        let role = raw.role;
        let embedder = role
            .own_table(ModelRole::Embedder, raw.embedder, RawEmbedder::check)
            .map_err(bad)?;
        let detector = role
            .own_table(ModelRole::Detector, raw.detector, RawDetector::check)
            .map_err(bad)?;
        let outputs = &raw.outputs;
        let liveness = role
            .own_table(ModelRole::Liveness, raw.liveness, |l| l.check(outputs))
            .map_err(bad)?;
        Ok(ModelManifest {
            name: raw.name,
            role: raw.role,
            model_path: dir.join(&raw.file),
            manifest_path: path.to_path_buf(),
            sha256: raw.sha256.to_ascii_lowercase(),
            licence: raw.licence,
            source: raw.source,
            input_name: raw.input.name,
            input_shape: raw.input.shape,
            outputs: raw.outputs.into_iter().map(|t| (t.name, t.shape)).collect(),
            colour: raw.colour,
            mean: raw.mean,
            scale: raw.scale,
            embedder,
            detector,
            liveness,
        })
    }

    /// Insists on a role.
    ///
    /// # Errors
    /// [`ManifestError::WrongRole`].
    pub fn expect_role(&self, role: ModelRole) -> Result<(), ManifestError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ManifestError::WrongRole {
                path: self.manifest_path.clone(),
                expected: role.name(),
                got: self.role.name(),
            })
        }
    }

    /// Checks the model file's sha256 against the manifest, reading it in pieces.
    ///
    /// # Errors
    /// [`ManifestError::ReadModel`] when the file is missing or unreadable,
    /// [`ManifestError::Checksum`] when it is not the file the manifest describes.
    pub fn verify_file(&self) -> Result<(), ManifestError> {
        use std::io::Read;
        let read_err = |source| ManifestError::ReadModel {
            path: self.model_path.clone(),
            manifest: self.manifest_path.clone(),
            source,
        };
        let mut file = std::fs::File::open(&self.model_path).map_err(read_err)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf).map_err(read_err)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        let got = hex(&hasher.finalize());
        if got != self.sha256 {
            return Err(ManifestError::Checksum {
                path: self.model_path.clone(),
                expected: self.sha256.clone(),
                got,
            });
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a model's declared shape fits the manifest's (-1 in either matches anything).
pub fn shape_fits(declared: &[i64], expected: &[i64]) -> bool {
    declared.len() == expected.len()
        && declared
            .iter()
            .zip(expected)
            .all(|(d, e)| *d < 0 || *e < 0 || d == e)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "test"
role = "embedder"
file = "m.onnx"
sha256 = "9cc6e4a75f0e2bf0b1aed94578f144d15175f357bdc05e815e5c4a02b319eb4f"
licence = "x"
source = "y"
colour = "rgb"
mean = 127.5
scale = 0.0078125
input = { name = "input.1", shape = [-1, 3, 112, 112] }
outputs = [{ name = "516", shape = [-1, 512] }]
[embedder]
crop-size = 112
metric = "cosine"
normalize = true
threshold = 0.4
margin = 0.05
batch = true
template = [[38.3, 51.7], [73.5, 51.5], [56.0, 71.7], [41.5, 92.4], [70.7, 92.2]]
"#;

    #[test]
    fn parses_and_resolves_the_model_path() {
        let m = ModelManifest::parse(GOOD, Path::new("/opt/models/test.toml")).unwrap();
        assert_eq!(m.model_path, Path::new("/opt/models/m.onnx"));
        assert_eq!(m.embedder.unwrap().metric, Metric::Cosine);
    }

    #[test]
    fn errors_name_the_key() {
        let bad = GOOD.replace("metric = \"cosine\"", "metric = \"manhattan\"");
        let e = ModelManifest::parse(&bad, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "model manifest m.toml is not valid: embedder.metric = \"manhattan\": expected \"cosine\" or \"euclidean\"");
        let unknown = GOOD.replace("licence = \"x\"", "licence = \"x\"\ncolor = 1");
        let e = ModelManifest::parse(&unknown, Path::new("m.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `color`"), "{e}");
    }

    #[test]
    fn checksum_mismatch_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let man = dir.path().join("test.toml");
        std::fs::write(dir.path().join("m.onnx"), b"not a model").unwrap();
        std::fs::write(&man, GOOD).unwrap();
        let m = ModelManifest::load(&man).unwrap();
        let e = m.verify_file().unwrap_err().to_string();
        assert!(
            e.contains("has sha256 ") && e.contains("expects 9cc6e4a7"),
            "{e}"
        );
    }

    #[test]
    fn shapes() {
        assert!(shape_fits(&[-1, 3, 112, 112], &[1, 3, 112, 112]));
        assert!(!shape_fits(&[1, 3, 150, 150], &[-1, 3, 112, 112]));
        assert!(!shape_fits(&[1, 3, 112], &[-1, 3, 112, 112]));
    }
}

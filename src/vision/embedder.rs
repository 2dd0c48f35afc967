//! Face embedders through ONNX Runtime: an aligned crop in, a vector out.
//!
//! Which model, crop size, colour order, normalisation and metric come from its manifest, so any
//! 5-point-aligned embedder (w600k_mbf, dlib ResNet, SFace) is a config change.

use crate::core::geometry::{similarity_lstsq, Affine};
use crate::core::image::BgrImage;
use crate::core::matcher::{l2_normalize, Metric};

use super::detector::Face;
use super::manifest::{ColourOrder, EmbedderSpec, ModelManifest, ModelRole};
use super::pixels::{crop_to_planar, warp_affine};
use super::runtime::{bad_output, open_model, run_first_output, OrtRuntime};
use super::VisionError;

/// A face embedding as the model's metric expects it (L2-normalised for cosine models).
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(pub Vec<f32>);

/// A loaded embedder.
pub struct Embedder {
    session: ort::session::Session,
    manifest: ModelManifest,
    spec: EmbedderSpec,
    input: Vec<f32>,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("model", &self.manifest.name)
            .finish()
    }
}

impl Embedder {
    /// Loads the embedder described by `manifest`.
    ///
    /// # Errors
    /// [`VisionError`] when the manifest is not an embedder's, the checksum or shapes are wrong,
    /// or ONNX Runtime cannot load the file.
    pub fn load(
        rt: &OrtRuntime,
        manifest: &ModelManifest,
        threads: usize,
    ) -> Result<Self, VisionError> {
        let role = (ModelRole::Embedder, &manifest.embedder, "embedder");
        let (spec, session) = open_model(rt, manifest, threads, role)?;
        Ok(Embedder {
            session,
            manifest: manifest.clone(),
            spec,
            input: Vec::new(),
        })
    }

    pub fn spec(&self) -> &EmbedderSpec {
        &self.spec
    }
    pub fn manifest(&self) -> &ModelManifest {
        &self.manifest
    }
    pub fn metric(&self) -> Metric {
        self.spec.metric
    }
    /// Length of the vectors.
    pub fn dim(&self) -> usize {
        self.manifest
            .outputs
            .first()
            .and_then(|(_, s)| s.last().copied())
            .unwrap_or(0)
            .max(0) as usize
    }

    /// The similarity transform from a face's landmarks onto this model's template.
    pub fn alignment(&self, face: &Face) -> Option<Affine> {
        similarity_lstsq(&face.landmarks, &self.spec.template)
    }

    /// Warps `face` out of `img` into this model's aligned crop.
    pub fn align(&self, img: &BgrImage, face: &Face) -> Option<BgrImage> {
        let m = self.alignment(face)?;
        warp_affine(img, &m, self.spec.crop_size)
    }

    /// Embeds aligned crops (each `crop_size` square); with `flip`, each crop's mirror image is
    /// embedded too and the two vectors summed before normalising (flip averaging).
    ///
    /// # Errors
    /// [`VisionError::Inference`] or [`VisionError::BadOutput`] when the model fails.
    pub fn embed(
        &mut self,
        crops: &[&BgrImage],
        flip: bool,
    ) -> Result<Vec<Embedding>, VisionError> {
        let mut all: Vec<BgrImage> = Vec::new();
        let mut list: Vec<&BgrImage> = Vec::with_capacity(crops.len() * 2);
        if flip {
            all.extend(crops.iter().map(|c| c.flipped_horizontally()));
        }
        list.extend_from_slice(crops);
        list.extend(all.iter());
        let raw = if self.spec.batch {
            self.run(&list)?
        } else {
            let mut out = Vec::with_capacity(list.len());
            for c in &list {
                out.extend(self.run(&[c])?);
            }
            out
        };
        let n = crops.len();
        let mut result = Vec::with_capacity(n);
        for i in 0..n {
            let mut v = raw[i].clone();
            if flip {
                if self.spec.metric == Metric::Cosine {
                    l2_normalize(&mut v);
                    let mut w = raw[n + i].clone();
                    l2_normalize(&mut w);
                    v.iter_mut().zip(&w).for_each(|(a, b)| *a += b);
                } else {
                    v.iter_mut()
                        .zip(&raw[n + i])
                        .for_each(|(a, b)| *a = (*a + b) * 0.5);
                }
            }
            if self.spec.normalize {
                l2_normalize(&mut v);
            }
            result.push(Embedding(v));
        }
        Ok(result)
    }

    fn run(&mut self, crops: &[&BgrImage]) -> Result<Vec<Vec<f32>>, VisionError> {
        let s = self.spec.crop_size;
        let per = 3 * s * s;
        self.input.clear();
        self.input.resize(per * crops.len(), 0.0);
        let bgr = self.manifest.colour == ColourOrder::Bgr;
        for (i, c) in crops.iter().enumerate() {
            if c.width() != s || c.height() != s {
                return Err(VisionError::BadImageSize {
                    width: c.width(),
                    height: c.height(),
                });
            }
            crop_to_planar(
                c,
                bgr,
                self.manifest.mean,
                self.manifest.scale,
                &mut self.input[i * per..(i + 1) * per],
            );
        }
        let dim = self.dim();
        let (shape, data) = run_first_output(
            &mut self.session,
            &self.manifest,
            [crops.len(), 3, s, s],
            &self.input,
        )?;
        if dim == 0 || data.len() != dim * crops.len() {
            return Err(bad_output(
                &self.manifest,
                shape,
                format!("[{}, {dim}]", crops.len()),
            ));
        }
        Ok(data.chunks_exact(dim).map(<[f32]>::to_vec).collect())
    }
}

//! Finding and loading the ONNX Runtime shared library, and the one `ort` environment.
//!
//! hallclock links ONNX Runtime dynamically (`ort`'s `load-dynamic`), so the library is looked for
//! in a documented order at start-up; when it is nowhere, the error names every place tried and
//! how to install it. Must not download anything.

use std::path::{Path, PathBuf};

/// The ONNX Runtime release hallclock is built and tested against.
pub const ORT_VERSION: &str = "1.32.0";
/// Its file name on Linux.
pub const ORT_LIB_NAME: &str = "libonnxruntime.so.1.32.0";

/// Failures of finding or starting ONNX Runtime.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(
        "ONNX Runtime {ORT_VERSION} ({ORT_LIB_NAME}) was not found; looked in:\n{tried}\n\
         install it with `scripts/install-onnxruntime` (it takes the library out of PyPI's \
         onnxruntime=={ORT_VERSION} wheel with pip), or point HALLCLOCK_ORT_LIB at the file"
    )]
    NotFound { tried: String },
    #[error("cannot load ONNX Runtime from {path}: {message}")]
    Load { path: PathBuf, message: String },
    #[error("cannot start the ONNX Runtime environment: {0}")]
    Environment(String),
}

/// A loaded ONNX Runtime and its environment; pass it to every model that is built.
pub struct OrtRuntime {
    env: ort::environment::Environment,
    library: PathBuf,
}

impl std::fmt::Debug for OrtRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrtRuntime")
            .field("library", &self.library)
            .finish()
    }
}

/// The places searched for the library, in order:
/// 1. `explicit` (the `--onnxruntime` flag or the config's `vision.onnxruntime`);
/// 2. `$HALLCLOCK_ORT_LIB`, then `$ORT_DYLIB_PATH`;
/// 3. beside the executable, and `../lib/hallclock/` from it (the .deb layout);
/// 4. `/usr/lib/hallclock/`, `/usr/local/lib/hallclock/`;
/// 5. `$XDG_DATA_HOME/hallclock/onnxruntime-1.32.0/` (default `~/.local/share/...`), where
///    `scripts/install-onnxruntime` puts it.
pub fn search_path(explicit: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(p) = explicit {
        out.push(p.to_path_buf());
    }
    for var in ["HALLCLOCK_ORT_LIB", "ORT_DYLIB_PATH"] {
        if let Some(v) = std::env::var_os(var).filter(|v| !v.is_empty()) {
            out.push(PathBuf::from(v));
        }
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.push(dir.join(ORT_LIB_NAME));
        out.push(dir.join("../lib/hallclock").join(ORT_LIB_NAME));
    }
    out.push(Path::new("/usr/lib/hallclock").join(ORT_LIB_NAME));
    out.push(Path::new("/usr/local/lib/hallclock").join(ORT_LIB_NAME));
    if let Some(data) = data_home() {
        out.push(
            data.join(format!("hallclock/onnxruntime-{ORT_VERSION}"))
                .join(ORT_LIB_NAME),
        );
    }
    out
}

fn data_home() -> Option<PathBuf> {
    match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        Some(v) => Some(PathBuf::from(v)),
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")),
    }
}

impl OrtRuntime {
    /// Finds the library (see [`search_path`]), loads it and creates the environment.
    ///
    /// # Errors
    /// [`RuntimeError::NotFound`] listing every place tried, [`RuntimeError::Load`] when the file
    /// is there but is not a usable ONNX Runtime of a compatible version.
    pub fn start(explicit: Option<&Path>) -> Result<Self, RuntimeError> {
        // ONNX Runtime allows one environment per process, and `ort` can never make a second one
        // even after the first is dropped; so the first start keeps it here and every later
        // start hands out another handle to it. This is the one process-wide value in hallclock.
        static STARTED: std::sync::Mutex<Option<OrtRuntime>> = std::sync::Mutex::new(None);
        let mut started = STARTED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(rt) = started.as_ref() {
            return Ok(OrtRuntime {
                env: rt.env.clone(),
                library: rt.library.clone(),
            });
        }
        let candidates = search_path(explicit);
        let Some(library) = candidates.iter().find(|p| p.is_file()).cloned() else {
            let tried = candidates
                .iter()
                .map(|p| format!("  {}", p.display()))
                .collect::<Vec<_>>()
                .join("\n");
            return Err(RuntimeError::NotFound { tried });
        };
        let builder = ort::init_from(&library).map_err(|e| RuntimeError::Load {
            path: library.clone(),
            message: e.to_string(),
        })?;
        let env = builder
            .with_name("hallclock")
            // ONNX Runtime's telemetry is on by default; on Linux 1.32 it keeps a device id and
            // an event database under ~/.cache/Microsoft. Nothing leaves the door: off.
            .with_telemetry(false)
            .build()
            .map_err(|e| RuntimeError::Environment(e.to_string()))?;
        let rt = OrtRuntime { env, library };
        *started = Some(OrtRuntime {
            env: rt.env.clone(),
            library: rt.library.clone(),
        });
        Ok(rt)
    }

    /// The library file in use.
    pub fn library(&self) -> &Path {
        &self.library
    }

    /// The `ort` environment, for building a session outside the pipeline (benchmarks that
    /// measure a model's bare inference time).
    pub fn env(&self) -> &ort::environment::Environment {
        &self.env
    }
}

/// Opens a manifest's model for `role`: checks that the manifest is that role's, takes the
/// manifest's table for it (`table`, named `[name]`: `[detector]`, `[embedder]`), which that role
/// needs, and builds the session ([`build_session`]).
///
/// # Errors
/// [`super::VisionError`] when the manifest is another role's or has no such table, or as
/// [`build_session`].
pub(crate) fn open_model<T: Clone>(
    rt: &OrtRuntime,
    m: &super::ModelManifest,
    threads: usize,
    (role, table, name): (super::ModelRole, &Option<T>, &str),
) -> Result<(T, ort::session::Session), super::VisionError> {
    m.expect_role(role)?;
    let spec = table.clone().ok_or_else(|| super::VisionError::LoadModel {
        path: m.manifest_path.clone(),
        message: format!("manifest has no [{name}] table"),
    })?;
    Ok((spec, build_session(rt, m, threads)?))
}

/// Builds a session for a manifest's model: checks the file's sha256, loads it with `threads`
/// intra-op threads, and checks the model's declared input and output shapes against the manifest.
///
/// # Errors
/// [`super::VisionError`] naming the file and what was expected.
pub(crate) fn build_session(
    rt: &OrtRuntime,
    m: &super::ModelManifest,
    threads: usize,
) -> Result<ort::session::Session, super::VisionError> {
    use super::manifest::shape_fits;
    use super::VisionError;
    use ort::session::builder::GraphOptimizationLevel;

    m.verify_file()?;
    let load_err = |e: &dyn std::fmt::Display| VisionError::LoadModel {
        path: m.model_path.clone(),
        message: e.to_string(),
    };
    let mut builder = ort::session::Session::builder(rt.env()).map_err(|e| load_err(&e))?;
    builder = builder
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| load_err(&e))?
        .with_intra_threads(threads.max(1))
        .map_err(|e| load_err(&e))?
        .with_inter_threads(1)
        .map_err(|e| load_err(&e))?
        .with_intra_op_spinning(false)
        .map_err(|e| load_err(&e))?
        // No memory patterns: they keep buffers planned for the largest input ever seen
        // (measured with 10,000 people enrolled: 142 -> 135 MB resident, same speed). Turning
        // off the arena or weight prepacking was measured too and saves nothing.
        .with_memory_pattern(false)
        .map_err(|e| load_err(&e))?;
    let session = builder
        .commit_from_file(&m.model_path)
        .map_err(|e| load_err(&e))?;

    let shape_err = |message: String| VisionError::ModelShape {
        path: m.model_path.clone(),
        message,
    };
    let inputs = session.inputs();
    let Some(input) = inputs.iter().find(|i| i.name() == m.input_name) else {
        let names: Vec<&str> = inputs.iter().map(|i| i.name()).collect();
        return Err(shape_err(format!(
            "it has no input {:?} (it has {names:?})",
            m.input_name
        )));
    };
    let declared: Vec<i64> = input
        .dtype()
        .tensor_shape()
        .map(|s| s.to_vec())
        .unwrap_or_default();
    if !shape_fits(&declared, &m.input_shape) {
        return Err(shape_err(format!(
            "input {:?} has shape {declared:?}; expected {:?}",
            m.input_name, m.input_shape
        )));
    }
    for (name, shape) in &m.outputs {
        let Some(out) = session.outputs().iter().find(|o| o.name() == name) else {
            return Err(shape_err(format!("it has no output {name:?}")));
        };
        let declared: Vec<i64> = out
            .dtype()
            .tensor_shape()
            .map(|s| s.to_vec())
            .unwrap_or_default();
        if !shape_fits(&declared, shape) {
            return Err(shape_err(format!(
                "output {name:?} has shape {declared:?}; expected {shape:?}"
            )));
        }
    }
    Ok(session)
}

/// Runs `session` (the model of manifest `m`) on one planar f32 input of `shape` and returns
/// the manifest's first output: its shape and its values.
///
/// # Errors
/// [`super::VisionError::Inference`] when ONNX Runtime fails, [`super::VisionError::BadOutput`]
/// when the output is missing.
pub(crate) fn run_first_output(
    session: &mut ort::session::Session,
    m: &super::ModelManifest,
    shape: [usize; 4],
    input: &[f32],
) -> Result<(Vec<i64>, Vec<f32>), super::VisionError> {
    use super::VisionError;
    let infer_err = |e: &dyn std::fmt::Display| VisionError::Inference {
        model: m.name.clone(),
        message: e.to_string(),
    };
    let tensor =
        ort::value::TensorRef::from_array_view((shape, input)).map_err(|e| infer_err(&e))?;
    let outputs = session
        .run(ort::inputs![tensor])
        .map_err(|e| infer_err(&e))?;
    let out_name = m.outputs.first().map(|(n, _)| n.as_str()).unwrap_or("");
    let value = outputs
        .get(out_name)
        .ok_or_else(|| VisionError::BadOutput {
            model: m.name.clone(),
            output: out_name.to_string(),
            shape: vec![],
            expected: "present".into(),
        })?;
    let (out_shape, data) = value
        .try_extract_tensor::<f32>()
        .map_err(|e| infer_err(&e))?;
    Ok((out_shape.to_vec(), data.to_vec()))
}

/// The error for a model output of the wrong shape: `shape` found, `expected` described.
pub(crate) fn bad_output(
    m: &super::ModelManifest,
    shape: Vec<i64>,
    expected: String,
) -> super::VisionError {
    super::VisionError::BadOutput {
        model: m.name.clone(),
        output: m
            .outputs
            .first()
            .map(|(n, _)| n.clone())
            .unwrap_or_default(),
        shape,
        expected,
    }
}

/// Hands heap memory that was freed back to the operating system (glibc keeps it otherwise).
/// Called once after start-up, when loading the models and the gallery has freed a lot of
/// small buffers: measured 20 MB less resident with 10,000 people enrolled. A no-op off glibc.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only releases free memory of glibc's own heap; it takes no pointer
        // and is safe to call at any time from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The environment variables that switch ONNX Runtime's own telemetry off entirely. Official
/// 1.32 builds for Linux carry 1DS telemetry: at start-up they write a persistent device id and an
/// event database under `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` and try to upload a
/// process event. `with_telemetry(false)` only mutes events after the environment exists; these
/// variables, read before it is created, mean nothing is created, kept or sent. (Two spellings:
/// the release notes name one, a later fix the other.)
pub const TELEMETRY_OPT_OUT: [&str; 2] = ["ORT_DISABLE_TELEMETRY", "ORT_TELEMETRY_DISABLED"];

/// Sets [`TELEMETRY_OPT_OUT`] for this process unless the operator set them. Call it first thing
/// in `main`, before any thread starts (changing the environment is not thread-safe).
pub fn opt_out_of_telemetry() {
    for name in TELEMETRY_OPT_OUT {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, "1");
        }
    }
}

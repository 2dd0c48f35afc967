//! Frame sources behind one small trait: a camera (V4L2 index or device path), a video file, an
//! RTSP or GStreamer URL (all through OpenCV `VideoCapture`), and a folder of images.
//!
//! A lost camera or stream is reopened with backoff, never a crash; a video file that ends is the
//! end of the source. Each frame's time is taken when it is grabbed.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
#[cfg(feature = "opencv")]
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

#[cfg(feature = "opencv")]
use crate::core::backoff::Backoff;
use crate::core::image::BgrImage;

use super::clock::WallClock;
use super::photo::{read_photo, PhotoError};

/// One grabbed frame.
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: BgrImage,
    /// When the frame was grabbed (the wall clock at grab time).
    pub captured_at: Timestamp,
    /// Frames grabbed from this source so far, starting at 0.
    pub seq: u64,
    /// Position in the stream, for files.
    pub position: Option<Duration>,
}

/// Where frames come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A V4L2 camera by index (`0`).
    CameraIndex(i32),
    /// A V4L2 camera by device path (`/dev/video0`).
    CameraDevice(PathBuf),
    /// A video file.
    File(PathBuf),
    /// An RTSP/HTTP stream URL.
    Url(String),
    /// A GStreamer pipeline ending in `appsink`.
    GStreamer(String),
    /// A folder of images, read in name order.
    ImageFolder(PathBuf),
}

impl SourceSpec {
    /// Reads a source from the command line or config: a number is a camera index, `/dev/...` a
    /// camera, `scheme://` a URL, text with `!` a GStreamer pipeline, a folder an image folder,
    /// anything else a video file.
    pub fn parse(text: &str) -> SourceSpec {
        let t = text.trim();
        if let Ok(i) = t.parse::<i32>() {
            return SourceSpec::CameraIndex(i);
        }
        if t.starts_with("/dev/") {
            return SourceSpec::CameraDevice(PathBuf::from(t));
        }
        if t.contains("://") {
            return SourceSpec::Url(t.to_string());
        }
        if t.contains(" ! ") {
            return SourceSpec::GStreamer(t.to_string());
        }
        let p = PathBuf::from(t);
        if p.is_dir() {
            SourceSpec::ImageFolder(p)
        } else {
            SourceSpec::File(p)
        }
    }

    /// Whether the source is live (reopened when lost) rather than finite.
    pub fn is_live(&self) -> bool {
        matches!(
            self,
            SourceSpec::CameraIndex(_)
                | SourceSpec::CameraDevice(_)
                | SourceSpec::Url(_)
                | SourceSpec::GStreamer(_)
        )
    }
}

impl std::fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SourceSpec::CameraIndex(i) => write!(f, "camera {i}"),
            SourceSpec::CameraDevice(p) => write!(f, "camera {}", p.display()),
            SourceSpec::File(p) => write!(f, "video file {}", p.display()),
            SourceSpec::Url(u) => write!(f, "stream {}", redact_url(u)),
            SourceSpec::GStreamer(_) => write!(f, "GStreamer pipeline"),
            SourceSpec::ImageFolder(p) => write!(f, "image folder {}", p.display()),
        }
    }
}

/// Hides a password in `rtsp://user:pass@host/...`.
fn redact_url(u: &str) -> String {
    match (u.find("://"), u.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://***@{}", &u[..s], &u[at + 1..]),
        _ => u.to_string(),
    }
}

/// Failures of a frame source.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("cannot open {source_name}: {message}")]
    Open {
        source_name: String,
        message: String,
    },
    #[error("image folder {path} has no image files (expected .jpg, .jpeg, .png, .bmp or .webp)")]
    EmptyFolder { path: PathBuf },
    #[error("cannot list image folder {path}: {source}")]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Photo(#[from] PhotoError),
    #[error("{0} cannot be read: hallclock was built without the `opencv` feature")]
    NoOpenCv(String),
    #[error("stopped while waiting for {0} to come back")]
    Stopped(String),
}

/// Anything that yields frames.
pub trait FrameSource: Send {
    /// The next frame; `Ok(None)` when a finite source has ended. A live source that is lost
    /// blocks here, reopening with backoff, until it is back or the stop flag is raised.
    ///
    /// # Errors
    /// [`FrameError`]; for an image folder, an unreadable image is an error for that call only.
    fn next_frame(&mut self) -> Result<Option<Frame>, FrameError>;

    /// What this source is, for logs.
    fn describe(&self) -> String;
}

/// Opens a source whose frames are stamped by `clock`. `stop` is checked while a live source is
/// being reopened.
///
/// # Errors
/// [`FrameError`] when a file or folder cannot be opened (a live source is retried instead).
pub fn open(
    spec: &SourceSpec,
    stop: Arc<AtomicBool>,
    clock: WallClock,
) -> Result<Box<dyn FrameSource>, FrameError> {
    match spec {
        SourceSpec::ImageFolder(p) => Ok(Box::new(ImageFolder::open(p, clock)?)),
        other => open_video(other, stop, clock),
    }
}

#[cfg(feature = "opencv")]
fn open_video(
    spec: &SourceSpec,
    stop: Arc<AtomicBool>,
    clock: WallClock,
) -> Result<Box<dyn FrameSource>, FrameError> {
    let mut v = VideoSource {
        clock,
        spec: spec.clone(),
        cap: None,
        mat: opencv::core::Mat::default(),
        seq: 0,
        failures: 0,
        backoff: Backoff::camera_defaults(),
        stop,
    };
    if !spec.is_live() {
        // A file must open now, so that a wrong path is an immediate, clear error.
        if let SourceSpec::File(p) = spec {
            if !p.is_file() {
                return Err(FrameError::Open {
                    source_name: spec.to_string(),
                    message: "no such file".into(),
                });
            }
        }
        v.cap = Some(v.open_capture()?);
    }
    Ok(Box::new(v))
}

#[cfg(not(feature = "opencv"))]
fn open_video(
    spec: &SourceSpec,
    _stop: Arc<AtomicBool>,
    _clock: WallClock,
) -> Result<Box<dyn FrameSource>, FrameError> {
    Err(FrameError::NoOpenCv(spec.to_string()))
}

/// Copies a CV_8UC3 `Mat` into a [`BgrImage`].
#[cfg(feature = "opencv")]
pub(crate) fn mat_to_bgr(mat: &opencv::core::Mat) -> Option<BgrImage> {
    use opencv::prelude::*;
    if mat.typ() != opencv::core::CV_8UC3 {
        return None;
    }
    let (w, h) = (mat.cols() as usize, mat.rows() as usize);
    let data = if mat.is_continuous() {
        mat.data_bytes().ok()?.to_vec()
    } else {
        let mut v = Vec::with_capacity(w * h * 3);
        for r in 0..h as i32 {
            let row = mat.row(r).ok()?;
            let row = row.try_clone().ok()?;
            v.extend_from_slice(row.data_bytes().ok()?);
        }
        v
    };
    BgrImage::from_bgr(w, h, data).ok()
}

#[cfg(feature = "opencv")]
struct VideoSource {
    spec: SourceSpec,
    cap: Option<opencv::videoio::VideoCapture>,
    mat: opencv::core::Mat,
    seq: u64,
    failures: u32,
    backoff: Backoff,
    stop: Arc<AtomicBool>,
    /// Stamps each frame at its grab.
    clock: WallClock,
}

#[cfg(feature = "opencv")]
impl VideoSource {
    fn open_capture(&self) -> Result<opencv::videoio::VideoCapture, FrameError> {
        use opencv::prelude::*;
        use opencv::videoio::{VideoCapture, CAP_ANY, CAP_FFMPEG, CAP_GSTREAMER, CAP_V4L2};
        let err = |m: String| FrameError::Open {
            source_name: self.spec.to_string(),
            message: m,
        };
        let cap = match &self.spec {
            SourceSpec::CameraIndex(i) => VideoCapture::new(*i, CAP_V4L2),
            SourceSpec::CameraDevice(p) => VideoCapture::from_file(p.as_os_str(), CAP_V4L2),
            SourceSpec::File(p) => VideoCapture::from_file(p.as_os_str(), CAP_ANY),
            SourceSpec::Url(u) => VideoCapture::from_file(u, CAP_FFMPEG),
            SourceSpec::GStreamer(g) => VideoCapture::from_file(g, CAP_GSTREAMER),
            SourceSpec::ImageFolder(_) => return Err(err("an image folder is not a video".into())),
        }
        .map_err(|e| err(e.to_string()))?;
        if !cap.is_opened().map_err(|e| err(e.to_string()))? {
            return Err(err(
                "OpenCV could not open it (wrong path, unsupported codec, or device busy)".into(),
            ));
        }
        Ok(cap)
    }

    fn wait(&mut self) -> Result<(), FrameError> {
        let jitter = (Timestamp::now().subsec_nanosecond().unsigned_abs() % 1000) as f64 / 1000.0;
        let delay = self.backoff.delay(self.failures, jitter);
        self.failures = self.failures.saturating_add(1);
        let step = Duration::from_millis(50);
        let mut waited = Duration::ZERO;
        while waited < delay {
            if self.stop.load(Ordering::Relaxed) {
                return Err(FrameError::Stopped(self.spec.to_string()));
            }
            std::thread::sleep(step);
            waited += step;
        }
        Ok(())
    }
}

#[cfg(feature = "opencv")]
impl FrameSource for VideoSource {
    fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        use opencv::prelude::*;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return Err(FrameError::Stopped(self.spec.to_string()));
            }
            let Some(cap) = self.cap.as_mut() else {
                match self.open_capture() {
                    Ok(c) => {
                        if self.failures > 0 {
                            tracing::info!(source = %self.spec, "Source is back.");
                        }
                        self.cap = Some(c);
                    }
                    Err(error) => {
                        tracing::warn!(source = %self.spec, %error, attempt = self.failures, "Cannot open source; retrying.");
                        self.wait()?;
                    }
                }
                continue;
            };
            let ok = cap.read(&mut self.mat).unwrap_or(false);
            let captured_at = self.clock.now();
            if ok && !self.mat.empty() {
                let position = if self.spec.is_live() {
                    None
                } else {
                    cap.get(opencv::videoio::CAP_PROP_POS_MSEC)
                        .ok()
                        .filter(|ms| ms.is_finite() && *ms >= 0.0)
                        .map(|ms| Duration::from_secs_f64(ms / 1000.0))
                };
                let Some(image) = mat_to_bgr(&self.mat) else {
                    tracing::warn!(source = %self.spec, "Skipping a frame that is not 8-bit BGR.");
                    continue;
                };
                self.failures = 0;
                let seq = self.seq;
                self.seq += 1;
                return Ok(Some(Frame {
                    image,
                    captured_at,
                    seq,
                    position,
                }));
            }
            if !self.spec.is_live() {
                return Ok(None);
            }
            tracing::warn!(source = %self.spec, "Source lost; reopening.");
            self.cap = None;
            self.wait()?;
        }
    }

    fn describe(&self) -> String {
        self.spec.to_string()
    }
}

/// A folder of images, each one frame, in file-name order.
pub struct ImageFolder {
    files: Vec<PathBuf>,
    next: usize,
    clock: WallClock,
}

/// Whether a path names an image file we read.
pub fn is_image_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .map(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "jpg" | "jpeg" | "png" | "bmp" | "webp" | "tif" | "tiff"
            )
        })
        .unwrap_or(false)
}

impl ImageFolder {
    /// Lists the folder's images.
    ///
    /// # Errors
    /// [`FrameError::Folder`] when it cannot be listed, [`FrameError::EmptyFolder`] when it holds
    /// no image.
    pub fn open(path: &Path, clock: WallClock) -> Result<Self, FrameError> {
        let rd = std::fs::read_dir(path).map_err(|source| FrameError::Folder {
            path: path.to_path_buf(),
            source,
        })?;
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_image_file(p))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(FrameError::EmptyFolder {
                path: path.to_path_buf(),
            });
        }
        Ok(ImageFolder {
            files,
            next: 0,
            clock,
        })
    }
}

impl FrameSource for ImageFolder {
    fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        let Some(path) = self.files.get(self.next).cloned() else {
            return Ok(None);
        };
        let seq = self.next as u64;
        self.next += 1;
        let image = read_photo(&path)?;
        Ok(Some(Frame {
            image,
            captured_at: self.clock.now(),
            seq,
            position: None,
        }))
    }

    fn describe(&self) -> String {
        format!("image folder of {} files", self.files.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sources() {
        assert_eq!(SourceSpec::parse("0"), SourceSpec::CameraIndex(0));
        assert_eq!(
            SourceSpec::parse("/dev/video2"),
            SourceSpec::CameraDevice("/dev/video2".into())
        );
        assert_eq!(
            SourceSpec::parse("rtsp://a:b@cam/1"),
            SourceSpec::Url("rtsp://a:b@cam/1".into())
        );
        assert!(matches!(
            SourceSpec::parse("v4l2src ! videoconvert ! appsink"),
            SourceSpec::GStreamer(_)
        ));
        assert_eq!(
            SourceSpec::parse("clip.mp4"),
            SourceSpec::File("clip.mp4".into())
        );
        assert_eq!(
            SourceSpec::parse("rtsp://admin:secret@10.0.0.5/ch1").to_string(),
            "stream rtsp://***@10.0.0.5/ch1"
        );
    }

    #[test]
    fn empty_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("readme.txt"), "x").unwrap();
        let e = ImageFolder::open(dir.path(), WallClock::system())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("has no image files"), "{e}");
    }

    /// A live source that is gone is retried with backoff, never a crash, until told to stop.
    #[cfg(feature = "opencv")]
    #[test]
    fn a_lost_stream_is_retried_until_stopped() {
        let stop = Arc::new(AtomicBool::new(false));
        // Nothing listens on the discard port of loopback: every open fails at once.
        let mut src = open(
            &SourceSpec::Url("rtsp://127.0.0.1:9/door".into()),
            stop.clone(),
            WallClock::system(),
        )
        .unwrap();
        let flag = stop.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            flag.store(true, Ordering::Relaxed);
        });
        let started = std::time::Instant::now();
        let e = src.next_frame().err().unwrap();
        t.join().unwrap();
        assert!(matches!(e, FrameError::Stopped(_)), "{e}");
        assert!(started.elapsed() >= std::time::Duration::from_millis(1400));
        assert_eq!(
            e.to_string(),
            "stopped while waiting for stream rtsp://127.0.0.1:9/door to come back"
        );
    }

    #[cfg(feature = "opencv")]
    #[test]
    fn missing_video_file_is_a_clear_error() {
        let stop = Arc::new(AtomicBool::new(false));
        let e = open(
            &SourceSpec::File("/nonexistent/clip.mp4".into()),
            stop,
            WallClock::system(),
        )
        .err()
        .unwrap()
        .to_string();
        assert_eq!(
            e,
            "cannot open video file /nonexistent/clip.mp4: no such file"
        );
    }
}

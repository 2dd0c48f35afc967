//! Decoding a photo file into a BGR image, honouring its EXIF orientation (OpenCV's `imread`
//! rotates by EXIF unless told not to), and refusing truncated or unreadable files clearly.

use std::path::{Path, PathBuf};

use crate::core::image::BgrImage;

/// Why a photo could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error("cannot read photo {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("photo {path} is empty")]
    Empty { path: PathBuf },
    #[error("photo {path} is truncated: the {format} data ends early (copy it again)")]
    Truncated { path: PathBuf, format: &'static str },
    #[error(
        "photo {path} is not an image OpenCV can decode (expected JPEG, PNG, BMP, WebP or TIFF)"
    )]
    Undecodable { path: PathBuf },
    #[error(
        "photo {path} is {width}x{height} pixels; at most {max} pixels on a side are accepted"
    )]
    TooLarge {
        path: PathBuf,
        width: usize,
        height: usize,
        max: usize,
    },
    #[error("photos cannot be decoded: hallclock was built without the `opencv` and `rust-decoders` features")]
    NoDecoder,
}

/// The longest side accepted for a photo.
pub const MAX_PHOTO_SIDE: usize = 12_000;

/// Checks the file's tail for the end marker of its format, so that a cut-off copy is refused
/// instead of being decoded half grey.
fn check_complete(path: &Path, bytes: &[u8]) -> Result<(), PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty {
            path: path.to_path_buf(),
        });
    }
    let is_jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
    let is_png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
    if is_jpeg {
        // Trailing padding after EOI happens in the wild; look at the last few bytes.
        let tail = &bytes[bytes.len().saturating_sub(64)..];
        if !tail.windows(2).any(|w| w == [0xFF, 0xD9]) {
            return Err(PhotoError::Truncated {
                path: path.to_path_buf(),
                format: "JPEG",
            });
        }
    } else if is_png {
        let tail = &bytes[bytes.len().saturating_sub(64)..];
        if !tail.windows(4).any(|w| w == b"IEND") {
            return Err(PhotoError::Truncated {
                path: path.to_path_buf(),
                format: "PNG",
            });
        }
    }
    Ok(())
}

/// Reads a photo as BGR, rotated upright by its EXIF orientation.
///
/// # Errors
/// [`PhotoError`] naming the file: missing, empty, truncated, undecodable, or too large.
pub fn read_photo(path: &Path) -> Result<BgrImage, PhotoError> {
    let bytes = std::fs::read(path).map_err(|source| PhotoError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    check_complete(path, &bytes)?;
    decode(path, &bytes)
}

/// Decodes a photo held in memory (an upload), as [`read_photo`] does a file: nothing is
/// written anywhere. `name` only labels the errors.
///
/// # Errors
/// [`PhotoError`] naming `name`: empty, truncated, undecodable, or too large.
pub fn decode_photo(name: &str, bytes: &[u8]) -> Result<BgrImage, PhotoError> {
    let path = Path::new(name);
    check_complete(path, bytes)?;
    decode(path, bytes)
}

#[cfg(feature = "opencv")]
fn decode(path: &Path, bytes: &[u8]) -> Result<BgrImage, PhotoError> {
    use opencv::core::{Mat, Vector};
    use opencv::imgcodecs::{imdecode, IMREAD_COLOR};
    use opencv::prelude::*;

    let undecodable = || PhotoError::Undecodable {
        path: path.to_path_buf(),
    };
    let buf: Vector<u8> = Vector::from_slice(bytes);
    // imdecode applies the EXIF orientation for IMREAD_COLOR, like imread.
    let mat: Mat = imdecode(&buf, IMREAD_COLOR).map_err(|_| undecodable())?;
    if mat.empty() {
        return Err(undecodable());
    }
    let (w, h) = (mat.cols() as usize, mat.rows() as usize);
    if w > MAX_PHOTO_SIDE || h > MAX_PHOTO_SIDE {
        return Err(PhotoError::TooLarge {
            path: path.to_path_buf(),
            width: w,
            height: h,
            max: MAX_PHOTO_SIDE,
        });
    }
    super::frames::mat_to_bgr(&mat).ok_or_else(undecodable)
}

/// Without OpenCV: the `image` crate, with the EXIF orientation applied as `imread` does.
#[cfg(all(not(feature = "opencv"), feature = "rust-decoders"))]
fn decode(path: &Path, bytes: &[u8]) -> Result<BgrImage, PhotoError> {
    use image::{DynamicImage, ImageDecoder, ImageReader};

    let undecodable = || PhotoError::Undecodable {
        path: path.to_path_buf(),
    };
    let reader = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| undecodable())?;
    let mut decoder = reader.into_decoder().map_err(|_| undecodable())?;
    let (w, h) = decoder.dimensions();
    if w as usize > MAX_PHOTO_SIDE || h as usize > MAX_PHOTO_SIDE {
        return Err(PhotoError::TooLarge {
            path: path.to_path_buf(),
            width: w as usize,
            height: h as usize,
            max: MAX_PHOTO_SIDE,
        });
    }
    let orientation = decoder.orientation().map_err(|_| undecodable())?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| undecodable())?;
    img.apply_orientation(orientation);
    let rgb = img.to_rgb8();
    let (w, h) = (rgb.width() as usize, rgb.height() as usize);
    let mut data = rgb.into_raw();
    data.chunks_exact_mut(3).for_each(|p| p.swap(0, 2));
    BgrImage::from_bgr(w, h, data).map_err(|_| undecodable())
}

#[cfg(all(not(feature = "opencv"), not(feature = "rust-decoders")))]
fn decode(_path: &Path, _bytes: &[u8]) -> Result<BgrImage, PhotoError> {
    Err(PhotoError::NoDecoder)
}

/// Encodes an image as JPEG (for the face images a site chose to keep).
///
/// # Errors
/// [`PhotoError::NoDecoder`] when built without an image codec, [`PhotoError::Undecodable`]
/// (naming `face.jpg`) when the encoder fails.
pub fn encode_jpeg(img: &BgrImage) -> Result<Vec<u8>, PhotoError> {
    encode(img).ok_or(PhotoError::Undecodable {
        path: PathBuf::from("face.jpg"),
    })?
}

#[cfg(feature = "opencv")]
fn encode(img: &BgrImage) -> Option<Result<Vec<u8>, PhotoError>> {
    use opencv::core::{Mat, Vector};
    use opencv::prelude::*;
    let flat =
        Mat::new_rows_cols_with_data(img.height() as i32, (img.width() * 3) as i32, img.data())
            .ok()?;
    let mat = flat.reshape(3, img.height() as i32).ok()?;
    let mut buf = Vector::<u8>::new();
    opencv::imgcodecs::imencode(".jpg", &mat, &mut buf, &Vector::new()).ok()?;
    Some(Ok(buf.to_vec()))
}

#[cfg(all(not(feature = "opencv"), feature = "rust-decoders"))]
fn encode(img: &BgrImage) -> Option<Result<Vec<u8>, PhotoError>> {
    let mut rgb = img.data().to_vec();
    rgb.chunks_exact_mut(3).for_each(|p| p.swap(0, 2));
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode(
            &rgb,
            img.width() as u32,
            img.height() as u32,
            image::ExtendedColorType::Rgb8,
        )
        .ok()?;
    Some(Ok(out))
}

#[cfg(all(not(feature = "opencv"), not(feature = "rust-decoders")))]
fn encode(_img: &BgrImage) -> Option<Result<Vec<u8>, PhotoError>> {
    Some(Err(PhotoError::NoDecoder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncated_and_empty_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.jpg");
        std::fs::write(&empty, b"").unwrap();
        assert!(matches!(read_photo(&empty), Err(PhotoError::Empty { .. })));
        let cut = dir.path().join("cut.jpg");
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.extend(std::iter::repeat_n(0x11u8, 500));
        std::fs::write(&cut, &jpeg).unwrap();
        let e = read_photo(&cut).unwrap_err().to_string();
        assert!(
            e.ends_with("cut.jpg is truncated: the JPEG data ends early (copy it again)"),
            "{e}"
        );
        let missing = dir.path().join("nope.jpg");
        assert!(read_photo(&missing)
            .unwrap_err()
            .to_string()
            .starts_with("cannot read photo"));
    }

    #[cfg(any(feature = "opencv", feature = "rust-decoders"))]
    #[test]
    fn jpeg_round_trip() {
        let mut img = BgrImage::black(32, 16);
        img.data_mut()
            .chunks_exact_mut(3)
            .for_each(|p| p.copy_from_slice(&[200, 100, 50]));
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.jpg");
        std::fs::write(&p, encode_jpeg(&img).unwrap()).unwrap();
        let back = read_photo(&p).unwrap();
        assert_eq!((back.width(), back.height()), (32, 16));
        let px = &back.data()[..3];
        assert!(
            px.iter()
                .zip([200u8, 100, 50])
                .all(|(a, b)| a.abs_diff(b) <= 6),
            "{px:?}"
        );
    }

    #[cfg(any(feature = "opencv", feature = "rust-decoders"))]
    #[test]
    fn garbage_is_undecodable() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("notes.jpg");
        std::fs::write(&p, b"this is a text file, not a picture").unwrap();
        assert!(matches!(
            read_photo(&p),
            Err(PhotoError::Undecodable { .. })
        ));
    }
}

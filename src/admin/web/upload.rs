//! Checking an uploaded photo before anything decodes it: the format from its first bytes
//! (JPEG, PNG, BMP, WebP) and, for JPEG and PNG, the declared width and height read from the
//! header, so that a small file declaring a huge picture (a decompression bomb) is refused
//! without allocating for it. Pure: bytes in, verdict out.

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("{name}: not a photo (expected a JPEG or PNG file)")]
    NotAnImage { name: String },
    #[error("{name}: the header declares {width}x{height} pixels, more than the {budget} allowed")]
    TooManyPixels {
        name: String,
        width: u32,
        height: u32,
        budget: u64,
    },
    #[error("{name}: the header is truncated or damaged")]
    BadHeader { name: String },
    #[error("expected 1 to {max} photos, found {found}")]
    Count { max: usize, found: usize },
}

/// Checks one upload: a JPEG or PNG whose declared size is within `pixel_budget`.
///
/// # Errors
/// [`UploadError::NotAnImage`], [`UploadError::BadHeader`], [`UploadError::TooManyPixels`].
pub fn check_photo(name: &str, bytes: &[u8], pixel_budget: u64) -> Result<(u32, u32), UploadError> {
    let (width, height) = if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        png_size(bytes)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        jpeg_size(bytes)
    } else {
        return Err(UploadError::NotAnImage { name: name.into() });
    }
    .ok_or_else(|| UploadError::BadHeader { name: name.into() })?;
    if width == 0 || height == 0 {
        return Err(UploadError::BadHeader { name: name.into() });
    }
    if u64::from(width) * u64::from(height) > pixel_budget {
        return Err(UploadError::TooManyPixels {
            name: name.into(),
            width,
            height,
            budget: pixel_budget,
        });
    }
    Ok((width, height))
}

fn be32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

fn be16(b: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(..2)?.try_into().ok()?))
}

/// The IHDR chunk follows the signature: length (4), "IHDR", width (4), height (4).
fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.get(12..16)? != b"IHDR" {
        return None;
    }
    Some((be32(b.get(16..)?)?, be32(b.get(20..)?)?))
}

/// Walks the markers up to the first start-of-frame (SOF0..SOF15 but DHT, JPG, DAC).
fn jpeg_size(b: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        while *b.get(i)? != 0xff {
            i += 1;
        }
        while *b.get(i)? == 0xff {
            i += 1;
        }
        let marker = *b.get(i)?;
        i += 1;
        if marker == 0xd8 || (0xd0..=0xd7).contains(&marker) || marker == 0x01 {
            continue;
        }
        let len = usize::from(be16(b.get(i..)?)?);
        if (0xc0..=0xcf).contains(&marker) && ![0xc4, 0xc8, 0xcc].contains(&marker) {
            let h = be16(b.get(i + 3..)?)?;
            let w = be16(b.get(i + 5..)?)?;
            return Some((u32::from(w), u32::from(h)));
        }
        if marker == 0xd9 || marker == 0xda || len < 2 {
            return None;
        }
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 2, 0, 0, 0]);
        v
    }

    #[test]
    fn formats_sizes_and_bombs() {
        let budget = 40_000_000;
        assert_eq!(
            check_photo("a.png", &png_header(640, 480), budget),
            Ok((640, 480))
        );
        assert!(matches!(
            check_photo("bomb.png", &png_header(30_000, 30_000), budget),
            Err(UploadError::TooManyPixels { width: 30_000, .. })
        ));
        assert!(matches!(
            check_photo("x.txt", b"hello, not a photo", budget),
            Err(UploadError::NotAnImage { .. })
        ));
        assert!(matches!(
            check_photo("t.png", &png_header(1, 1)[..14], budget),
            Err(UploadError::BadHeader { .. })
        ));
        let jpeg = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/demo/0001_enrol.jpg"),
        )
        .unwrap();
        let (w, h) = check_photo("0001_enrol.jpg", &jpeg, budget).unwrap();
        assert!(w > 100 && h > 100);
        assert!(matches!(
            check_photo("j.jpg", &jpeg[..4], budget),
            Err(UploadError::BadHeader { .. })
        ));
    }
}

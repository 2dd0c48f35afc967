//! The in-memory picture every stage passes around: 8-bit BGR pixels, row-major, tightly packed.
//!
//! Plain data only; decoding files and grabbing frames belong to `hw`, pixel operations to `vision`.

/// An 8-bit, 3-channel image in OpenCV's BGR order, rows packed without padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BgrImage {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

/// The buffer does not have `width * height * 3` bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("image buffer has {got} bytes; expected {width}x{height}x3 = {expected}")]
pub struct ImageSizeError {
    pub width: usize,
    pub height: usize,
    pub expected: usize,
    pub got: usize,
}

impl BgrImage {
    /// Wraps a packed BGR buffer.
    ///
    /// # Errors
    /// [`ImageSizeError`] when `data.len() != width * height * 3`.
    pub fn from_bgr(width: usize, height: usize, data: Vec<u8>) -> Result<Self, ImageSizeError> {
        let expected = width * height * 3;
        if data.len() != expected {
            return Err(ImageSizeError {
                width,
                height,
                expected,
                got: data.len(),
            });
        }
        Ok(BgrImage {
            width,
            height,
            data,
        })
    }

    /// A black image.
    pub fn black(width: usize, height: usize) -> Self {
        BgrImage {
            width,
            height,
            data: vec![0; width * height * 3],
        }
    }

    pub fn width(&self) -> usize {
        self.width
    }
    pub fn height(&self) -> usize {
        self.height
    }
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }
    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// The image mirrored left to right.
    pub fn flipped_horizontally(&self) -> BgrImage {
        let mut out = vec![0u8; self.data.len()];
        let row = self.width * 3;
        for y in 0..self.height {
            let src = &self.data[y * row..(y + 1) * row];
            let dst = &mut out[y * row..(y + 1) * row];
            for x in 0..self.width {
                let s = (self.width - 1 - x) * 3;
                dst[x * 3..x * 3 + 3].copy_from_slice(&src[s..s + 3]);
            }
        }
        BgrImage {
            width: self.width,
            height: self.height,
            data: out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_is_checked() {
        assert!(BgrImage::from_bgr(2, 2, vec![0; 12]).is_ok());
        let e = BgrImage::from_bgr(2, 2, vec![0; 11]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "image buffer has 11 bytes; expected 2x2x3 = 12"
        );
    }

    #[test]
    fn flip_mirrors_columns() {
        let img = BgrImage::from_bgr(2, 1, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(img.flipped_horizontally().data(), &[4, 5, 6, 1, 2, 3]);
    }
}

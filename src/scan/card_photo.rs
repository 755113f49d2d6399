//! Is this photo of an insurance card worth reading? Brightness, contrast and sharpness of
//! a grey frame, measured before any OCR: a dark, blurred or empty frame is answered at
//! once with "we could not read the card, please try again or type it" instead of being
//! sealed and sent. Pure arithmetic on pixels; never panics on any size, even zero.
//!
//! Sharpness is the variance of the Laplacian (the classic focus measure), taken on the
//! frame halved in each direction so sensor noise counts less than edges. The thresholds
//! come from the synthetic cards (`devices::camera::synthetic`, several fonts, rotated,
//! noisy) and the same cards darkened and blurred (`tests/card_camera.rs` prints them):
//! sharp cards measure 1,800-2,100, the same card under a 7x7 box blur 116, a darkened
//! one has a mean grey of 19 against 158, a noisy blank wall a spread of about 5 against 90.

/// A grey (luma) image, 8 bits a pixel, rows top to bottom.
#[derive(Clone, PartialEq, Eq)]
pub struct GreyImage {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl std::fmt::Debug for GreyImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GreyImage({}x{})", self.width, self.height)
    }
}

impl GreyImage {
    /// `None` when `pixels` does not hold exactly `width * height` bytes.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Option<Self> {
        let expected = usize::try_from(u64::from(width) * u64::from(height)).ok()?;
        (pixels.len() == expected).then_some(Self {
            width,
            height,
            pixels,
        })
    }

    /// Luma (BT.601) of packed RGB; `None` on a size mismatch.
    pub fn from_rgb(width: u32, height: u32, rgb: &[u8]) -> Option<Self> {
        let pixels = rgb
            .chunks_exact(3)
            .map(|p| {
                let y = 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
                u8::try_from(y / 1000).unwrap_or(u8::MAX)
            })
            .collect();
        if !rgb.len().is_multiple_of(3) {
            return None;
        }
        Self::new(width, height, pixels)
    }

    /// The image as a binary PGM (P5) file, a format Tesseract reads from standard input.
    pub fn to_pgm(&self) -> Vec<u8> {
        let mut out = format!("P5\n{} {}\n255\n", self.width, self.height).into_bytes();
        out.extend_from_slice(&self.pixels);
        out
    }

    fn at(&self, x: u32, y: u32) -> u8 {
        self.pixels[(y as usize) * (self.width as usize) + x as usize]
    }

    /// Half the size, each pixel the mean of a 2x2 block.
    fn halved(&self) -> GreyImage {
        let (width, height) = (self.width / 2, self.height / 2);
        let mut pixels = Vec::with_capacity((width as usize) * (height as usize));
        for y in 0..height {
            for x in 0..width {
                let sum = u32::from(self.at(2 * x, 2 * y))
                    + u32::from(self.at(2 * x + 1, 2 * y))
                    + u32::from(self.at(2 * x, 2 * y + 1))
                    + u32::from(self.at(2 * x + 1, 2 * y + 1));
                pixels.push(u8::try_from(sum / 4).unwrap_or(u8::MAX));
            }
        }
        GreyImage {
            width,
            height,
            pixels,
        }
    }
}

/// What was measured on a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhotoMeasures {
    /// Mean grey level, 0-255.
    pub brightness: f64,
    /// Standard deviation of the grey levels: near zero for a frame of one colour.
    pub contrast: f64,
    /// Variance of the Laplacian of the halved frame.
    pub sharpness: f64,
}

/// Why a frame is not worth reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("too dark")]
    Dark,
    #[error("nothing in the frame")]
    Empty,
    #[error("blurred")]
    Blurred,
}

/// Below this mean grey level the card cannot be read (a covered lens, a dark room).
pub const MIN_BRIGHTNESS: f64 = 45.0;
/// Below this spread of grey levels the frame shows one flat surface, no card.
pub const MIN_CONTRAST: f64 = 12.0;
/// Below this Laplacian variance (halved frame) text edges are smeared past reading.
pub const MIN_SHARPNESS: f64 = 300.0;
/// Frames smaller than this are refused as empty (a card's text needs the pixels).
pub const MIN_SIDE: u32 = 64;

/// Measures a frame.
pub fn measure(image: &GreyImage) -> PhotoMeasures {
    let n = image.pixels.len().max(1) as f64;
    let brightness = image.pixels.iter().map(|&p| f64::from(p)).sum::<f64>() / n;
    let contrast = (image
        .pixels
        .iter()
        .map(|&p| (f64::from(p) - brightness).powi(2))
        .sum::<f64>()
        / n)
        .sqrt();
    PhotoMeasures {
        brightness,
        contrast,
        sharpness: laplacian_variance(&image.halved()),
    }
}

/// Whether a frame is worth reading, and its measures.
pub fn judge(image: &GreyImage) -> (PhotoMeasures, Result<(), Unusable>) {
    let measures = measure(image);
    let verdict = if image.width < MIN_SIDE || image.height < MIN_SIDE {
        Err(Unusable::Empty)
    } else if measures.brightness < MIN_BRIGHTNESS {
        Err(Unusable::Dark)
    } else if measures.contrast < MIN_CONTRAST {
        Err(Unusable::Empty)
    } else if measures.sharpness < MIN_SHARPNESS {
        Err(Unusable::Blurred)
    } else {
        Ok(())
    };
    (measures, verdict)
}

/// Variance of the 4-neighbour Laplacian over the inner pixels; 0 for tiny images.
fn laplacian_variance(image: &GreyImage) -> f64 {
    if image.width < 3 || image.height < 3 {
        return 0.0;
    }
    let (mut sum, mut sum_sq, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in 1..image.height - 1 {
        for x in 1..image.width - 1 {
            let centre = 4 * i32::from(image.at(x, y));
            let around = i32::from(image.at(x - 1, y))
                + i32::from(image.at(x + 1, y))
                + i32::from(image.at(x, y - 1))
                + i32::from(image.at(x, y + 1));
            let value = f64::from(around - centre);
            sum += value;
            sum_sq += value * value;
            n += 1.0;
        }
    }
    let mean = sum / n;
    sum_sq / n - mean * mean
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(width: u32, height: u32, pixel: impl Fn(u32, u32) -> u8) -> GreyImage {
        let pixels = (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| pixel(x, y))
            .collect();
        GreyImage::new(width, height, pixels).unwrap()
    }

    #[test]
    fn flat_dark_tiny_and_sharp_frames() {
        let flat = image(200, 100, |_, _| 180);
        assert_eq!(judge(&flat).1, Err(Unusable::Empty));
        let dark = image(200, 100, |x, _| if x % 8 < 4 { 10 } else { 40 });
        assert_eq!(judge(&dark).1, Err(Unusable::Dark));
        let stripes = image(200, 100, |x, _| if x % 8 < 4 { 30 } else { 230 });
        let (measures, verdict) = judge(&stripes);
        assert_eq!(verdict, Ok(()), "{measures:?}");
        // A smooth ramp has contrast but no edges: blurred.
        let ramp = image(200, 100, |x, _| u8::try_from(x).unwrap());
        assert_eq!(judge(&ramp).1, Err(Unusable::Blurred));
        for (w, h) in [(0, 0), (1, 1), (3, 2000), (63, 63)] {
            let tiny = image(w, h, |x, y| u8::try_from((x + y) % 2 * 255).unwrap());
            assert_eq!(judge(&tiny).1, Err(Unusable::Empty));
        }
    }

    #[test]
    fn sizes_must_match_and_pgm_has_its_header() {
        assert!(GreyImage::new(2, 2, vec![0; 3]).is_none());
        assert!(GreyImage::from_rgb(2, 1, &[0; 5]).is_none());
        let grey = GreyImage::from_rgb(2, 1, &[255, 255, 255, 255, 0, 0]).unwrap();
        assert_eq!(grey.pixels, [255, 76]);
        assert_eq!(grey.to_pgm(), b"P5\n2 1\n255\n\xff\x4c");
    }
}

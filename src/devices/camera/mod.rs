//! The insurance card camera beside the screen (issue 10): a [`CardCamera`] takes one
//! frame when asked. [`v4l2::V4l2Camera`] drives a USB UVC camera or the Pi camera through
//! V4L2; [`sim::SimulatedCamera`] serves image files from a folder in turn (tests and the
//! demo, with the cards [`synthetic`] draws). Which one runs is `kiosk.toml`'s `[camera]`;
//! no section, no camera. A camera that is missing or stops answering is an error the
//! camera worker reports as `CameraReadiness::Unavailable`, never a panic.

pub mod sim;
pub mod synthetic;
pub mod v4l2;

use crate::scan::card_photo::GreyImage;
use std::path::PathBuf;

/// One picture from the camera: packed 8-bit RGB, rows top to bottom.
#[derive(Clone, PartialEq, Eq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Frame({}x{})", self.width, self.height)
    }
}

impl Frame {
    /// `None` when `rgb` does not hold exactly `width * height * 3` bytes.
    pub fn new(width: u32, height: u32, rgb: Vec<u8>) -> Option<Self> {
        let expected = usize::try_from(u64::from(width) * u64::from(height) * 3).ok()?;
        (rgb.len() == expected).then_some(Self { width, height, rgb })
    }

    /// The frame in grey, as the quality check and the OCR see it.
    pub fn grey(&self) -> GreyImage {
        GreyImage::from_rgb(self.width, self.height, &self.rgb).unwrap_or(GreyImage {
            width: 0,
            height: 0,
            pixels: Vec::new(),
        })
    }

    /// Decodes a PNG or JPEG file's bytes (the simulator's folder, test fixtures).
    pub fn decode(bytes: &[u8]) -> Result<Self, CameraError> {
        let image = image::load_from_memory(bytes)
            .map_err(|error| CameraError::Image(error.to_string()))?
            .into_rgb8();
        let (width, height) = image.dimensions();
        Self::new(width, height, image.into_raw())
            .ok_or_else(|| CameraError::Image("size mismatch".into()))
    }

    /// The frame as a JPEG for the sealed outbox row, at most `max` bytes: the quality is
    /// lowered, then the frame halved, until it fits.
    pub fn to_jpeg(&self, max: usize) -> Result<Vec<u8>, CameraError> {
        let mut frame = std::borrow::Cow::Borrowed(self);
        loop {
            for quality in [85u8, 70, 50] {
                let mut out = Vec::new();
                image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
                    .encode(
                        &frame.rgb,
                        frame.width,
                        frame.height,
                        image::ExtendedColorType::Rgb8,
                    )
                    .map_err(|error| CameraError::Image(error.to_string()))?;
                if out.len() <= max {
                    return Ok(out);
                }
            }
            if frame.width < 64 || frame.height < 64 {
                return Err(CameraError::Image("cannot fit the photo".into()));
            }
            frame = std::borrow::Cow::Owned(frame.halved());
        }
    }

    /// A copy at most `max_width` × `max_height`, aspect kept (the live preview: small
    /// enough to draw several times a second on a Pi). A frame already that small is
    /// copied as it is.
    pub fn scaled_within(&self, max_width: u32, max_height: u32) -> Frame {
        if self.width <= max_width && self.height <= max_height {
            return self.clone();
        }
        // The largest size inside the bounds with the frame's aspect, at least 1×1.
        let by_width = u64::from(max_width) * u64::from(self.height);
        let by_height = u64::from(max_height) * u64::from(self.width);
        let (width, height) = if by_width <= by_height {
            let height = by_width / u64::from(self.width.max(1));
            (max_width, u32::try_from(height).unwrap_or(max_height))
        } else {
            let width = by_height / u64::from(self.height.max(1));
            (u32::try_from(width).unwrap_or(max_width), max_height)
        };
        let (width, height) = (width.max(1), height.max(1));
        let source = image::RgbImage::from_raw(self.width, self.height, self.rgb.clone());
        match source {
            Some(source) => {
                let small = image::imageops::thumbnail(&source, width, height);
                Frame {
                    width,
                    height,
                    rgb: small.into_raw(),
                }
            }
            // `new` checked the length, so this is never reached; a black frame if it is.
            None => Frame {
                width,
                height,
                rgb: vec![0; width as usize * height as usize * 3],
            },
        }
    }

    fn halved(&self) -> Frame {
        let (width, height) = (self.width / 2, self.height / 2);
        let stride = self.width as usize * 3;
        let mut rgb = Vec::with_capacity(width as usize * height as usize * 3);
        for y in 0..height as usize {
            for x in 0..width as usize {
                for c in 0..3 {
                    let at = |dx: usize, dy: usize| {
                        u16::from(self.rgb[(2 * y + dy) * stride + (2 * x + dx) * 3 + c])
                    };
                    let sum = at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1);
                    rgb.push(u8::try_from(sum / 4).unwrap_or(u8::MAX));
                }
            }
        }
        Frame { width, height, rgb }
    }
}

/// Why no frame came. Carries no image content.
#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("camera {path} cannot be opened: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("camera {0} cannot capture video")]
    NotACamera(PathBuf),
    #[error("camera {0} offers no pixel format we read (YUYV, GREY, RGB3)")]
    Format(PathBuf),
    #[error("camera i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("no frame from the camera within {0:?}")]
    TimedOut(std::time::Duration),
    #[error("no image files in {0}")]
    NoImages(PathBuf),
    #[error("image: {0}")]
    Image(String),
}

/// A camera that takes one frame when asked. Implementations open the device as they
/// need it, so a camera unplugged and plugged back in works again without a restart.
pub trait CardCamera: Send {
    /// Whether the camera is there and looks usable, without taking a picture.
    fn check(&mut self) -> Result<(), CameraError>;
    /// Takes one frame.
    fn capture(&mut self) -> Result<Frame, CameraError>;
    /// One frame of the live preview (the worker makes it small). By default a capture;
    /// a camera whose `capture` moves on (the simulator's next file) shows what the next
    /// photo would be instead.
    fn preview(&mut self) -> Result<Frame, CameraError> {
        self.capture()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_fits_the_limit_and_decodes_back() {
        let (width, height) = (320u32, 200u32);
        let rgb: Vec<u8> = (0..width * height * 3)
            .map(|i| u8::try_from((i * 7919) % 251).unwrap())
            .collect();
        let frame = Frame::new(width, height, rgb).unwrap();
        let roomy = frame.to_jpeg(1 << 20).unwrap();
        let decoded = Frame::decode(&roomy).unwrap();
        assert_eq!((decoded.width, decoded.height), (width, height));
        let tight = frame.to_jpeg(roomy.len() / 4).unwrap();
        assert!(tight.len() <= roomy.len() / 4);
        assert!(frame.to_jpeg(10).is_err());
        assert!(Frame::decode(b"not an image").is_err());
        assert!(Frame::new(2, 2, vec![0; 11]).is_none());
    }

    #[test]
    fn a_preview_fits_its_bounds_with_the_frame_s_aspect() {
        let frame = Frame::new(1280, 800, vec![128; 1280 * 800 * 3]).unwrap();
        let small = frame.scaled_within(320, 200);
        assert_eq!((small.width, small.height), (320, 200));
        assert_eq!(small.rgb.len(), 320 * 200 * 3);
        let tall = Frame::new(400, 800, vec![0; 400 * 800 * 3]).unwrap();
        let small = tall.scaled_within(320, 200);
        assert_eq!((small.width, small.height), (100, 200));
        let tiny = Frame::new(32, 20, vec![0; 32 * 20 * 3]).unwrap();
        assert_eq!(tiny.scaled_within(320, 200), tiny);
    }
}

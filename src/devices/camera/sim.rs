//! A camera that serves the image files (PNG or JPEG) of a folder in turn, by file name,
//! starting over after the last: the demo shows a card's front then its back, and tests
//! put the frames they want in the order they want. A folder that is missing or holds no
//! image is reported like an unplugged camera. The folder is read again on every photo,
//! so files can be added while the kiosk runs. Its live preview is the file the next
//! photo will be.

use super::{CameraError, CardCamera, Frame};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct SimulatedCamera {
    dir: PathBuf,
    next: usize,
}

impl SimulatedCamera {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, next: 0 }
    }

    fn images(&self) -> Result<Vec<PathBuf>, CameraError> {
        let mut files = std::fs::read_dir(&self.dir)
            .map_err(|source| CameraError::Open {
                path: self.dir.clone(),
                source,
            })?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| is_image(path))
            .collect::<Vec<_>>();
        files.sort();
        if files.is_empty() {
            return Err(CameraError::NoImages(self.dir.clone()));
        }
        Ok(files)
    }
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| matches!(ext.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

impl CardCamera for SimulatedCamera {
    fn check(&mut self) -> Result<(), CameraError> {
        self.images().map(drop)
    }

    fn capture(&mut self) -> Result<Frame, CameraError> {
        let files = self.images()?;
        let file = &files[self.next % files.len()];
        self.next = (self.next + 1) % files.len();
        Frame::decode(&std::fs::read(file)?)
    }

    /// The file the next photo will be, without moving on: the patient sees the card they
    /// are about to photograph.
    fn preview(&mut self) -> Result<Frame, CameraError> {
        let files = self.images()?;
        let file = &files[self.next % files.len()];
        Frame::decode(&std::fs::read(file)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(path: &Path, width: u32, shade: u8) {
        let image = image::RgbImage::from_pixel(width, 8, image::Rgb([shade, shade, shade]));
        image.save(path).unwrap();
    }

    #[test]
    fn serves_files_in_name_order_and_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        png(&dir.path().join("b.png"), 20, 200);
        png(&dir.path().join("a.png"), 10, 100);
        std::fs::write(dir.path().join("notes.txt"), "not an image").unwrap();
        let mut camera = SimulatedCamera::new(dir.path().to_path_buf());
        camera.check().unwrap();
        let widths: Vec<u32> = (0..3).map(|_| camera.capture().unwrap().width).collect();
        assert_eq!(widths, [10, 20, 10]);
    }

    #[test]
    fn a_missing_empty_or_broken_folder_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let mut camera = SimulatedCamera::new(dir.path().to_path_buf());
        assert!(matches!(camera.check(), Err(CameraError::NoImages(_))));
        std::fs::write(dir.path().join("broken.png"), "not a png").unwrap();
        camera.check().unwrap();
        assert!(matches!(camera.capture(), Err(CameraError::Image(_))));
        let mut gone = SimulatedCamera::new(dir.path().join("absent"));
        assert!(matches!(gone.check(), Err(CameraError::Open { .. })));
        assert!(gone.capture().is_err());
    }
}

//! Reading an insurance card photo: Tesseract on the kiosk, its text parsed into a
//! [`CardReading`] by [`super::card_text`].
//!
//! **Where OCR runs: on the kiosk.** The reading is only useful while the patient is still
//! at the screen, to pre-fill the fields they confirm. On the kiosk it needs no network
//! (the insurance step works during an office outage, like the rest of the check-in), no
//! round trip through the sealed outbox (which only the office can open, and which is
//! delivered in the background, not on demand), and no new API that would carry card
//! text back to the kiosk. The Pi has the time: Tesseract reads a card in about a second
//! there, while the patient turns the card over for the back photo. The office still gets
//! the photos themselves (sealed outbox rows) for staff to look at.
//!
//! **How: Debian's `tesseract-ocr` (and `tesseract-ocr-eng`), run as the `tesseract`
//! command** with the frame as a PGM on standard input and the text on standard output.
//! The Rust bindings (`leptess`, `tesseract-rs`) generate their bindings with bindgen at
//! build time (libclang, `libtesseract-dev`, `libleptonica-dev`, and a sysroot for the Pi
//! cross-build); a child process costs a few milliseconds beside the recognition itself,
//! cannot crash the kiosk, and is killed if it takes too long. A kiosk without Tesseract
//! still takes photos: the reading is empty and the patient types the fields.

use super::card_photo::GreyImage;
use super::card_text::{MAX_TEXT, parse_card_text};
use crate::domain::CardReading;
use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why a card could not be read. Carries nothing from the card.
#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-eng)")]
    NotInstalled,
    #[error("tesseract failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("tesseract exited with status {0}")]
    Failed(i32),
    #[error("tesseract took longer than {0:?}")]
    TimedOut(Duration),
}

/// The `tesseract` command and how long it may take.
#[derive(Debug, Clone)]
pub struct CardOcr {
    pub program: PathBuf,
    pub timeout: Duration,
}

impl Default for CardOcr {
    fn default() -> Self {
        Self {
            program: PathBuf::from("tesseract"),
            timeout: Duration::from_secs(20),
        }
    }
}

impl CardOcr {
    /// Whether the command runs at all (checked once at start, to say so in the log).
    pub fn available(&self) -> bool {
        Command::new(&self.program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// The text Tesseract finds in a frame, line by line.
    pub fn text(&self, image: &GreyImage) -> Result<String, OcrError> {
        // psm 6 (one block of text) reads a card's left-aligned lines in order; psm 3
        // (automatic) splits a card into columns and loses which value follows which label.
        let mut child = Command::new(&self.program)
            .args(["stdin", "stdout", "-l", "eng", "--psm", "6"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => OcrError::NotInstalled,
                _ => OcrError::Io(error),
            })?;
        let started = Instant::now();
        // Feed and drain on their own threads: a child blocked writing its output while
        // we block writing its input would never finish.
        let input = child.stdin.take().map(|mut stdin| {
            let pgm = image.to_pgm();
            std::thread::spawn(move || {
                let _ = stdin.write_all(&pgm);
            })
        });
        let output = child.stdout.take().map(|stdout| {
            std::thread::spawn(move || {
                let mut text = String::new();
                let _ = stdout
                    .take(u64::try_from(4 * MAX_TEXT).unwrap_or(u64::MAX))
                    .read_to_string(&mut text);
                text
            })
        });
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break status;
            }
            if started.elapsed() > self.timeout {
                let _ = child.kill();
                let _ = child.wait();
                return Err(OcrError::TimedOut(self.timeout));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        if let Some(input) = input {
            let _ = input.join();
        }
        let text = output
            .and_then(|output| output.join().ok())
            .unwrap_or_default();
        if !status.success() {
            return Err(OcrError::Failed(status.code().unwrap_or(-1)));
        }
        Ok(text)
    }

    /// What the card in a frame seems to say.
    pub fn read(&self, image: &GreyImage) -> Result<CardReading, OcrError> {
        Ok(parse_card_text(&self.text(image)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_program_is_reported_not_a_panic() {
        let ocr = CardOcr {
            program: PathBuf::from("/nonexistent/tesseract"),
            ..CardOcr::default()
        };
        assert!(!ocr.available());
        let image = GreyImage::new(1, 1, vec![0]).unwrap();
        assert!(matches!(ocr.read(&image), Err(OcrError::NotInstalled)));
    }

    #[test]
    fn a_program_that_hangs_is_killed() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("slow-ocr");
        std::fs::write(&script, "#!/bin/sh\nexec sleep 30\n").unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let ocr = CardOcr {
            program: script,
            timeout: Duration::from_millis(200),
        };
        let image = GreyImage::new(1, 1, vec![0]).unwrap();
        assert!(matches!(ocr.text(&image), Err(OcrError::TimedOut(_))));
    }
}

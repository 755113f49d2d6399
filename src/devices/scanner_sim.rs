//! A barcode scanner simulator: the far end of a pseudo-terminal, sending what a real
//! scanner in serial mode sends (the code, then its suffix: CR unless configured
//! otherwise), so the driver under test is the real one.

use super::framing::Terminator;
use serialport::{SerialPort, TTYPort};
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Why the simulator failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot create pseudo-terminal: {0}")]
    Pty(#[from] serialport::Error),
    #[error("cannot write to pseudo-terminal: {0}")]
    Write(#[from] std::io::Error),
    #[error("pseudo-terminal has no name")]
    NoName,
}

/// What the simulated scanner sends after each code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Suffix {
    /// Nothing: the scan ends when the line goes quiet.
    None,
    /// Carriage return, the "Enter" suffix most scanners ship with.
    #[default]
    Cr,
    Lf,
    CrLf,
    Tab,
}

impl Suffix {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Self::None => b"",
            Self::Cr => b"\r",
            Self::Lf => b"\n",
            Self::CrLf => b"\r\n",
            Self::Tab => b"\t",
        }
    }
}

impl From<Terminator> for Suffix {
    fn from(terminator: Terminator) -> Self {
        match terminator {
            Terminator::Cr => Self::Cr,
            Terminator::Lf => Self::Lf,
            Terminator::CrLf => Self::CrLf,
            Terminator::Tab => Self::Tab,
        }
    }
}

/// The scanner's side of a pseudo-terminal pair.
pub struct ScannerSimulator {
    device: TTYPort,
    host_path: PathBuf,
    suffix: Suffix,
}

impl ScannerSimulator {
    /// Makes a pseudo-terminal pair; the driver opens [`Self::port_path`]. Scans end with CR.
    pub fn new() -> Result<Self, SimError> {
        let (device, host_end) = TTYPort::pair()?;
        let host_path = host_end.name().map(PathBuf::from).ok_or(SimError::NoName)?;
        // Closed here so the driver can take its exclusive lock; the pseudo-terminal lives
        // on as long as the device end is open.
        drop(host_end);
        Ok(Self {
            device,
            host_path,
            suffix: Suffix::default(),
        })
    }

    /// The path the kiosk's scanner driver should open.
    pub fn port_path(&self) -> &std::path::Path {
        &self.host_path
    }

    /// Configures the suffix [`Self::scan`] sends, like the scanner's setup barcodes do.
    pub fn set_suffix(&mut self, suffix: Suffix) {
        self.suffix = suffix;
    }

    /// Scans a barcode: sends its text and the configured suffix, as one burst like the
    /// device does.
    pub fn scan(&mut self, text: &str) -> Result<(), SimError> {
        self.scan_with(text.as_bytes(), self.suffix)
    }

    /// Scans a barcode holding any bytes, with the given suffix, as one burst.
    pub fn scan_with(&mut self, bytes: &[u8], suffix: Suffix) -> Result<(), SimError> {
        self.send_raw(&[bytes, suffix.bytes()].concat())
    }

    /// Sends `pieces` one after another with `pause` between them, as a scanner that
    /// sends in blocks (or a USB adapter's packets) does.
    pub fn send_in_pieces(&mut self, pieces: &[&[u8]], pause: Duration) -> Result<(), SimError> {
        for (index, piece) in pieces.iter().enumerate() {
            if index > 0 {
                std::thread::sleep(pause);
            }
            self.send_raw(piece)?;
        }
        Ok(())
    }

    /// Sends raw bytes: noise, partial scans, whatever a failing device might.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), SimError> {
        self.device.write_all(bytes)?;
        self.device.flush()?;
        Ok(())
    }
}

//! A barcode scanner simulator: the far end of a pseudo-terminal, sending what a real
//! scanner in serial mode sends (text + CR LF), so the driver under test is the real one.

use serialport::{SerialPort, TTYPort};
use std::io::Write;
use std::path::PathBuf;

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

/// The scanner's side of a pseudo-terminal pair.
pub struct ScannerSimulator {
    device: TTYPort,
    host_path: PathBuf,
}

impl ScannerSimulator {
    /// Makes a pseudo-terminal pair; the driver opens [`Self::port_path`].
    pub fn new() -> Result<Self, SimError> {
        let (device, host_end) = TTYPort::pair()?;
        let host_path = host_end.name().map(PathBuf::from).ok_or(SimError::NoName)?;
        // Closed here so the driver can take its exclusive lock; the pseudo-terminal lives
        // on as long as the device end is open.
        drop(host_end);
        Ok(Self { device, host_path })
    }

    /// The path the kiosk's scanner driver should open.
    pub fn port_path(&self) -> &std::path::Path {
        &self.host_path
    }

    /// Scans a barcode: sends its text and CR LF, as one burst like the device does.
    pub fn scan(&mut self, text: &str) -> Result<(), SimError> {
        let mut frame = Vec::with_capacity(text.len() + 2);
        frame.extend_from_slice(text.as_bytes());
        frame.extend_from_slice(b"\r\n");
        self.send_raw(&frame)
    }

    /// Sends raw bytes: noise, partial lines, whatever a failing device might.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), SimError> {
        self.device.write_all(bytes)?;
        self.device.flush()?;
        Ok(())
    }
}

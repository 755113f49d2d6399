//! Serial ESC/POS receipt printer driver: prints a [`Receipt`] and reports the paper state
//! with the real-time `DLE EOT 4` status, which the printer answers even when it has
//! stopped for lack of paper.
//!
//! Blocking by design: the kiosk calls it from its printer worker, never the UI thread.

use super::escpos::{self, PaperSensor};
use super::receipt::{Layout, Receipt, ReceiptError};
use serialport::{ClearBuffer, SerialPort};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// Why printing or asking the printer failed.
#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error("cannot open printer port {path}: {source}")]
    Open {
        path: PathBuf,
        source: serialport::Error,
    },
    #[error("printer port is gone: {0}")]
    Disconnected(std::io::Error),
    #[error("printer did not take the receipt in time")]
    WriteTimeout,
    #[error("printer answered {0:#04x}, not a paper status")]
    BadStatus(u8),
    #[error("printer is not ready: {0:?}")]
    NotReady(PrinterStatus),
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
}

/// What the printer says about itself, for the staff page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterStatus {
    Ok,
    /// The roll is nearly used up: prints, but staff should change it.
    PaperLow,
    PaperOut,
    /// No answer to the status request: switched off, cover open or cable out.
    Offline,
}

/// Settings of a serial receipt printer.
#[derive(Debug, Clone)]
pub struct PrinterSettings {
    pub path: PathBuf,
    pub baud: u32,
    pub layout: Layout,
    /// How long a receipt may take to leave the port (a printer holding off with flow
    /// control while it prints).
    pub write_timeout: Duration,
    /// How long to wait for the one-byte status answer.
    pub status_timeout: Duration,
}

impl PrinterSettings {
    /// A printer at `path` with the usual settings: 38400 baud, 58 mm paper, native QR,
    /// 10 s to take a receipt, 500 ms to answer a status request.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: 38_400,
            layout: Layout::default(),
            write_timeout: Duration::from_secs(10),
            status_timeout: Duration::from_millis(500),
        }
    }
}

/// An open receipt printer.
pub struct ReceiptPrinter {
    port: Box<dyn SerialPort>,
    settings: PrinterSettings,
}

impl ReceiptPrinter {
    pub fn open(settings: PrinterSettings) -> Result<Self, PrinterError> {
        let port = serialport::new(settings.path.to_string_lossy(), settings.baud)
            .timeout(settings.status_timeout)
            .open()
            .map_err(|source| PrinterError::Open {
                path: settings.path.clone(),
                source,
            })?;
        Ok(Self { port, settings })
    }

    /// Asks the paper sensors. No answer in time is [`PrinterStatus::Offline`]; a port that
    /// fails is an error.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        // A stray byte (an earlier late answer) must not be read as this one.
        self.port
            .clear(ClearBuffer::Input)
            .map_err(|error| PrinterError::Disconnected(error.into()))?;
        self.send(&escpos::PAPER_STATUS)?;
        self.port
            .set_timeout(self.settings.status_timeout)
            .map_err(|error| PrinterError::Disconnected(error.into()))?;
        let mut answer = [0u8; 1];
        match self.port.read(&mut answer) {
            Ok(1) => {}
            Ok(_) => return Ok(PrinterStatus::Offline),
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                return Ok(PrinterStatus::Offline);
            }
            Err(error) => return Err(PrinterError::Disconnected(error)),
        }
        Ok(
            match PaperSensor::from_byte(answer[0]).ok_or(PrinterError::BadStatus(answer[0]))? {
                PaperSensor::Adequate => PrinterStatus::Ok,
                PaperSensor::NearEnd => PrinterStatus::PaperLow,
                PaperSensor::Out => PrinterStatus::PaperOut,
            },
        )
    }

    /// Prints `receipt` if the printer is ready, then reports the paper state after it
    /// (the answer also shows the printer took every byte before it).
    pub fn print(&mut self, receipt: &Receipt) -> Result<PrinterStatus, PrinterError> {
        let bytes = receipt.to_escpos(self.settings.layout)?;
        match self.status()? {
            PrinterStatus::Ok | PrinterStatus::PaperLow => {}
            not_ready => return Err(PrinterError::NotReady(not_ready)),
        }
        self.port
            .set_timeout(self.settings.write_timeout)
            .map_err(|error| PrinterError::Disconnected(error.into()))?;
        self.send(&bytes)?;
        tracing::debug!(bytes = bytes.len(), "receipt sent to printer");
        self.status()
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), PrinterError> {
        self.port
            .write_all(bytes)
            .and_then(|()| self.port.flush())
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::TimedOut => PrinterError::WriteTimeout,
                _ => PrinterError::Disconnected(error),
            })
    }
}

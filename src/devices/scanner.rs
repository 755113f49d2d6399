//! Barcode scanner in serial mode: it sends the decoded text followed by CR/LF.
//!
//! The driver reads the port on its own thread, frames lines, drops noise with a log
//! line (lengths only: a scan may be PHI) and hands each clean line to a callback.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Longest line a scanner may send: a PDF417 driver's licence is about 700 bytes, a
/// SMART Health Card QR about 1,200; anything past this is noise.
pub const MAX_LINE: usize = 4096;

/// Why a received line was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("line longer than {MAX_LINE} bytes")]
    Overlong,
    #[error("line holds {0} control or binary bytes")]
    Binary(usize),
    #[error("line is not UTF-8")]
    NotUtf8,
}

/// Why the scanner port could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error("cannot open scanner port {path}: {source}")]
    Open {
        path: PathBuf,
        source: serialport::Error,
    },
    #[error("cannot start scanner thread: {0}")]
    Thread(std::io::Error),
}

/// Splits a byte stream into lines ended by CR, LF or CR LF.
#[derive(Debug, Default)]
pub struct LineFramer {
    line: Vec<u8>,
    /// Inside an overlong line: drop bytes until its end.
    overflowed: bool,
}

impl LineFramer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds received bytes; returns each line they complete, or why it was dropped.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<String, LineError>> {
        let mut lines = Vec::new();
        for &byte in bytes {
            if byte == b'\r' || byte == b'\n' {
                if let Some(line) = self.finish() {
                    lines.push(line);
                }
            } else if self.overflowed {
                continue;
            } else if self.line.len() == MAX_LINE {
                self.overflowed = true;
                self.line.clear();
            } else {
                self.line.push(byte);
            }
        }
        lines
    }

    /// Bytes of an unfinished line waiting for its end.
    pub fn pending(&self) -> usize {
        self.line.len()
    }

    /// Drops an unfinished line (the scanner went quiet mid-line); returns its length.
    pub fn discard_partial(&mut self) -> usize {
        let len = self.line.len();
        self.line.clear();
        self.overflowed = false;
        len
    }

    fn finish(&mut self) -> Option<Result<String, LineError>> {
        if std::mem::take(&mut self.overflowed) {
            return Some(Err(LineError::Overlong));
        }
        let bytes = std::mem::take(&mut self.line);
        if bytes.is_empty() {
            return None; // the LF of a CR LF pair, or a blank line
        }
        let binary = bytes
            .iter()
            .filter(|&&b| b < 0x20 && b != b'\t' || b == 0x7f)
            .count();
        if binary > 0 {
            return Some(Err(LineError::Binary(binary)));
        }
        Some(String::from_utf8(bytes).map_err(|_| LineError::NotUtf8))
    }
}

/// Settings of a serial scanner.
#[derive(Debug, Clone)]
pub struct ScannerPort {
    pub path: PathBuf,
    pub baud: u32,
}

/// A running scanner driver; stops its thread when dropped.
pub struct Scanner {
    stop: Arc<AtomicBool>,
    connected: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// A quiet gap this long inside a line means the rest is not coming.
const LINE_GAP: Duration = Duration::from_millis(250);
const REOPEN_DELAY: Duration = Duration::from_secs(2);

impl Scanner {
    /// Opens the port and starts reading. The first open must succeed (a wrong path in
    /// the config is an error at start); later failures are retried every two seconds.
    pub fn start(
        port: ScannerPort,
        on_line: impl Fn(String) + Send + 'static,
    ) -> Result<Self, ScannerError> {
        let first = open(&port.path, port.baud)?;
        let stop = Arc::new(AtomicBool::new(false));
        let connected = Arc::new(AtomicBool::new(true));
        let thread = std::thread::Builder::new()
            .name("scanner".into())
            .spawn({
                let stop = stop.clone();
                let connected = connected.clone();
                move || read_loop(port, first, on_line, &stop, &connected)
            })
            .map_err(ScannerError::Thread)?;
        Ok(Self {
            stop,
            connected,
            thread: Some(thread),
        })
    }

    /// Whether the port is open and readable right now.
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::Relaxed)
    }

    /// A handle that reports the connection state, for the health report.
    pub fn connection_flag(&self) -> Arc<AtomicBool> {
        self.connected.clone()
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn open(path: &Path, baud: u32) -> Result<Box<dyn serialport::SerialPort>, ScannerError> {
    serialport::new(path.to_string_lossy(), baud)
        .timeout(LINE_GAP)
        .open()
        .map_err(|source| ScannerError::Open {
            path: path.to_owned(),
            source,
        })
}

fn read_loop(
    port: ScannerPort,
    first: Box<dyn serialport::SerialPort>,
    on_line: impl Fn(String),
    stop: &AtomicBool,
    connected: &AtomicBool,
) {
    let mut serial = Some(first);
    let mut framer = LineFramer::new();
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        let Some(reader) = serial.as_mut() else {
            std::thread::sleep(REOPEN_DELAY);
            match open(&port.path, port.baud) {
                Ok(reopened) => {
                    tracing::info!("scanner port reopened");
                    connected.store(true, Ordering::Relaxed);
                    serial = Some(reopened);
                }
                Err(error) => tracing::debug!(%error, "scanner still unavailable"),
            }
            continue;
        };
        match reader.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => {
                for line in framer.push(&buf[..n]) {
                    match line {
                        Ok(text) => on_line(text),
                        Err(error) => tracing::warn!(%error, "scanner line ignored"),
                    }
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                if framer.pending() > 0 {
                    let bytes = framer.discard_partial();
                    tracing::warn!(bytes, "partial scanner line ignored");
                }
            }
            Err(error) => {
                tracing::error!(%error, "scanner port failed; retrying");
                connected.store(false, Ordering::Relaxed);
                framer.discard_partial();
                serial = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cr_lf_cr_and_lf() {
        let mut framer = LineFramer::new();
        let lines = framer.push(b"one\r\ntwo\rthree\n\r\n");
        assert_eq!(
            lines,
            vec![Ok("one".into()), Ok("two".into()), Ok("three".into())]
        );
    }

    #[test]
    fn a_line_may_arrive_in_pieces() {
        let mut framer = LineFramer::new();
        assert!(framer.push(b"FD1:AB").is_empty());
        assert_eq!(framer.pending(), 6);
        assert_eq!(framer.push(b"CD\r\n"), vec![Ok("FD1:ABCD".into())]);
    }

    #[test]
    fn drops_binary_noise_and_bad_utf8() {
        let mut framer = LineFramer::new();
        assert_eq!(
            framer.push(b"a\x00b\x07\r"),
            vec![Err(LineError::Binary(2))]
        );
        assert_eq!(framer.push(b"\xff\xfe\r"), vec![Err(LineError::NotUtf8)]);
        assert_eq!(framer.push("Peña\r".as_bytes()), vec![Ok("Peña".into())]);
    }

    #[test]
    fn drops_overlong_lines_and_recovers() {
        let mut framer = LineFramer::new();
        let long = vec![b'A'; MAX_LINE + 10];
        assert!(framer.push(&long).is_empty());
        assert_eq!(
            framer.push(b"\r\nok\r\n"),
            vec![Err(LineError::Overlong), Ok("ok".into())]
        );
        let exact = vec![b'B'; MAX_LINE];
        let lines = framer.push(&[exact.as_slice(), b"\n"].concat());
        assert_eq!(lines.len(), 1);
        assert!(lines[0].is_ok());
    }
}

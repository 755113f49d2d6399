//! Barcode scanner in serial mode: it sends each decoded code followed by its configured
//! suffix, or by nothing (then silence ends the scan).
//!
//! The driver reads the port on its own thread, cuts scans with [`ScanFramer`], classifies
//! each into a [`Scan`] and hands it to a callback; rejected scans are logged by length
//! only (a scan may be PHI).

use super::framing::{FrameError, MAX_GAP, MIN_GAP, ScanFramer, Terminator};
use super::scan::Scan;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Why the scanner port could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    #[error("cannot open scanner port {path}: {source}")]
    Open {
        path: PathBuf,
        source: serialport::Error,
    },
    #[error("scanner gap must be {MIN_GAP:?} to {MAX_GAP:?}")]
    Gap,
    #[error("cannot start scanner thread: {0}")]
    Thread(std::io::Error),
}

/// Settings of a serial scanner.
#[derive(Debug, Clone)]
pub struct ScannerPort {
    pub path: PathBuf,
    pub baud: u32,
    /// The suffix the scanner sends after each scan.
    pub terminator: Terminator,
    /// Silence that ends a scan (for scanners without a suffix, and licences).
    pub gap: Duration,
}

impl ScannerPort {
    /// A scanner at `path` with the usual settings: 9600 baud, CR suffix, 100 ms gap.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: 9600,
            terminator: Terminator::default(),
            gap: super::framing::DEFAULT_GAP,
        }
    }
}

/// A running scanner driver; stops its thread when dropped.
pub struct Scanner {
    stop: Arc<AtomicBool>,
    connected: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

const REOPEN_DELAY: Duration = Duration::from_secs(2);

impl Scanner {
    /// Whether the scanner driver thread still runs (the watchdog asks: a thread that ended
    /// or panicked must get the program restarted).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }
    /// Opens the port and starts reading. The first open must succeed (a wrong path in
    /// the config is an error at start); later failures are retried every two seconds.
    pub fn start(
        port: ScannerPort,
        on_scan: impl Fn(Scan) + Send + 'static,
    ) -> Result<Self, ScannerError> {
        if !(MIN_GAP..=MAX_GAP).contains(&port.gap) {
            return Err(ScannerError::Gap);
        }
        let first = open(&port)?;
        let stop = Arc::new(AtomicBool::new(false));
        let connected = Arc::new(AtomicBool::new(true));
        let thread = std::thread::Builder::new()
            .name("scanner".into())
            .spawn({
                let stop = stop.clone();
                let connected = connected.clone();
                move || read_loop(port, first, on_scan, &stop, &connected)
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

/// The read timeout is the gap: a read that times out with a scan pending has seen the
/// silence that ends it.
fn open(port: &ScannerPort) -> Result<Box<dyn serialport::SerialPort>, ScannerError> {
    serialport::new(port.path.to_string_lossy(), port.baud)
        .timeout(port.gap)
        .open()
        .map_err(|source| ScannerError::Open {
            path: port.path.clone(),
            source,
        })
}

fn read_loop(
    port: ScannerPort,
    first: Box<dyn serialport::SerialPort>,
    on_scan: impl Fn(Scan),
    stop: &AtomicBool,
    connected: &AtomicBool,
) {
    let mut serial = Some(first);
    let mut framer = ScanFramer::new(port.terminator);
    let mut buf = [0u8; 512];
    while !stop.load(Ordering::Relaxed) {
        let Some(reader) = serial.as_mut() else {
            std::thread::sleep(REOPEN_DELAY);
            match open(&port) {
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
                for scan in framer.push(&buf[..n]) {
                    deliver(scan, &on_scan);
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => {
                if let Some(scan) = framer.end_of_gap() {
                    deliver(scan, &on_scan);
                }
            }
            Err(error) => {
                tracing::error!(%error, "scanner port failed; retrying");
                connected.store(false, Ordering::Relaxed);
                let bytes = framer.reset();
                if bytes > 0 {
                    tracing::warn!(bytes, "unfinished scan dropped");
                }
                serial = None;
            }
        }
    }
}

fn deliver(framed: Result<String, FrameError>, on_scan: &impl Fn(Scan)) {
    match framed {
        Ok(text) => {
            let scan = Scan::classify(text);
            tracing::debug!(kind = %scan.kind(), len = scan.len(), "scan received");
            on_scan(scan);
        }
        Err(error) => tracing::warn!(%error, "scan ignored"),
    }
}

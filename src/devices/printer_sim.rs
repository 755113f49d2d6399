//! A receipt printer simulator: the far end of a pseudo-terminal that records every byte
//! it receives, answers `DLE EOT 4` with the paper state it is set to (at once, wherever
//! the request falls in the stream, as a real printer does), and renders what it printed
//! as text with [`escpos::render`].

use super::escpos::{self, DecodeError, PaperSensor};
use serialport::{SerialPort, TTYPort};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum PrinterSimError {
    #[error("cannot create pseudo-terminal: {0}")]
    Pty(#[from] serialport::Error),
    #[error("pseudo-terminal has no name")]
    NoName,
    #[error("cannot start simulator thread: {0}")]
    Thread(std::io::Error),
}

#[derive(Debug)]
struct State {
    received: Vec<u8>,
    paper: PaperSensor,
    /// Whether it answers status requests; off line it stays silent.
    online: bool,
}

/// The printer's side of a pseudo-terminal pair; closes the line when dropped.
pub struct PrinterSimulator {
    host_path: PathBuf,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How often the simulator looks at its stop flag.
const POLL: Duration = Duration::from_millis(20);

impl PrinterSimulator {
    /// Makes a pseudo-terminal pair; the driver opens [`Self::port_path`]. The paper is
    /// adequate and the printer on line.
    pub fn new() -> Result<Self, PrinterSimError> {
        let (mut device, host_end) = TTYPort::pair()?;
        let host_path = host_end
            .name()
            .map(PathBuf::from)
            .ok_or(PrinterSimError::NoName)?;
        // Closed so the driver can take its exclusive lock; the pair lives while the device
        // end is open.
        drop(host_end);
        device.set_timeout(POLL)?;
        let state = Arc::new(Mutex::new(State {
            received: Vec::new(),
            paper: PaperSensor::Adequate,
            online: true,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("printer-sim".into())
            .spawn({
                let state = state.clone();
                let stop = stop.clone();
                move || serve(device, &state, &stop)
            })
            .map_err(PrinterSimError::Thread)?;
        Ok(Self {
            host_path,
            state,
            stop,
            thread: Some(thread),
        })
    }

    /// The path the kiosk's printer driver should open.
    pub fn port_path(&self) -> &Path {
        &self.host_path
    }

    /// Sets what the paper sensors report.
    pub fn set_paper(&self, paper: PaperSensor) {
        self.state().paper = paper;
    }

    /// Off line, the printer leaves status requests unanswered.
    pub fn set_online(&self, online: bool) {
        self.state().online = online;
    }

    /// Every byte received so far.
    pub fn received(&self) -> Vec<u8> {
        self.state().received.clone()
    }

    /// What was printed so far, as text.
    pub fn render(&self) -> Result<String, DecodeError> {
        escpos::render(&self.state().received)
    }

    /// Unplugs the printer: the line closes under the driver.
    pub fn disconnect(mut self) {
        self.shut_down();
    }

    fn shut_down(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for PrinterSimulator {
    fn drop(&mut self) {
        self.shut_down();
    }
}

fn serve(mut device: TTYPort, state: &Mutex<State>, stop: &AtomicBool) {
    let mut buf = [0u8; 4096];
    // The last two bytes seen, to find `DLE EOT n` split across reads.
    let mut last = [0u8; 2];
    while !stop.load(Ordering::Relaxed) {
        let n = match device.read(&mut buf) {
            Ok(n) => n,
            Err(error) if error.kind() == std::io::ErrorKind::TimedOut => continue,
            // No driver has the line open (before it opens, after it closes): Linux
            // answers EIO then. Wait for one.
            Err(_) => {
                std::thread::sleep(POLL);
                continue;
            }
        };
        let mut answers = Vec::new();
        {
            let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
            for &byte in &buf[..n] {
                if last == [0x10, 0x04] && byte == 4 && state.online {
                    answers.push(state.paper.byte());
                }
                last = [last[1], byte];
            }
            state.received.extend_from_slice(&buf[..n]);
        }
        // A driver that closed the line before the answer went out no longer wants it.
        let _ = device.write_all(&answers);
    }
}

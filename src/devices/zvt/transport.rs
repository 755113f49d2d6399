//! The ZVT serial link: sends an APDU as a frame until the terminal acknowledges it, and
//! receives frames, acknowledging good ones and refusing garbled ones with a NAK so the
//! terminal sends them again.
//!
//! Timings and the retry count follow wirelane/ecrterm (`ecrterm/transmission/signals.py`
//! and `transport_serial.py`, commit f17916294f5e), which implements the ZVT spec's
//! serial layer: T1 = 200 ms between the bytes of a frame, T3 = 5 s for the ACK after a
//! frame, and a frame tried three times. They come in a [`LinkSettings`] so tests run
//! with short ones. Logs carry lengths and counts only, never frame content.

use super::frame::{ACK, FrameDecoder, FrameError, MAX_APDU, NAK, Received, encode};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// A byte pipe whose read timeout the link can set: a serial port, or a test double.
pub trait LinkPort: Read + Write {
    /// How long the next reads may wait for a byte before failing with
    /// [`io::ErrorKind::TimedOut`] (or [`io::ErrorKind::WouldBlock`]).
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()>;
}

#[cfg(feature = "kiosk")]
impl LinkPort for serialport::TTYPort {
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        serialport::SerialPort::set_timeout(self, timeout).map_err(io::Error::from)
    }
}

#[cfg(feature = "kiosk")]
impl LinkPort for Box<dyn serialport::SerialPort> {
    fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.set_timeout(timeout).map_err(io::Error::from)
    }
}

/// The link's timeouts and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkSettings {
    /// T3: how long the sender waits for ACK or NAK after a frame.
    pub ack_timeout: Duration,
    /// T1: longest silence between two bytes of one frame.
    pub byte_timeout: Duration,
    /// How often a frame is sent before giving up, and how many garbled frames in a row
    /// the receiver refuses before giving up.
    pub attempts: u8,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self {
            ack_timeout: Duration::from_secs(5),
            byte_timeout: Duration::from_millis(200),
            attempts: 3,
        }
    }
}

/// What went wrong on the link. Holds counts and lengths, never frame content.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("serial port: {0}")]
    Io(#[from] io::Error),
    #[error("APDU of {len} bytes is longer than a frame can carry")]
    TooLong { len: usize },
    #[error("frame not acknowledged after {attempts} attempts ({naks} NAK)")]
    NotAcknowledged { attempts: u8, naks: u8 },
    #[error("no frame from the terminal in time")]
    NoFrame,
    #[error("{refused} garbled frames in a row, the last: {last}")]
    Garbled { refused: u8, last: FrameError },
}

/// What the link has seen since it was opened, for the staff page's terminal health.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Frames sent again after a NAK or a missing ACK.
    pub resent: u64,
    /// NAKs received for frames sent.
    pub naks_received: u64,
    /// NAKs sent for garbled frames (bad CRC, stray DLE, overlong, cut short).
    pub naks_sent: u64,
    /// Bytes between frames that meant nothing, and ACK/NAK bytes nobody waited for.
    pub junk: u64,
}

/// One end of a ZVT serial line, the ECR's (the kiosk's) or, in tests, the terminal's.
pub struct ZvtLink<P> {
    port: P,
    settings: LinkSettings,
    decoder: FrameDecoder,
    /// Bytes read past the end of the last frame, decoded before reading more.
    pending: Vec<u8>,
    stats: LinkStats,
    /// Stray ACK/NAK bytes; the decoder counts the other junk.
    stray: u64,
}

impl<P: LinkPort> ZvtLink<P> {
    pub fn new(port: P, settings: LinkSettings) -> Self {
        Self {
            port,
            settings,
            decoder: FrameDecoder::new(),
            pending: Vec::new(),
            stats: LinkStats::default(),
            stray: 0,
        }
    }

    pub fn settings(&self) -> LinkSettings {
        self.settings
    }

    pub fn stats(&self) -> LinkStats {
        LinkStats {
            junk: self.decoder.junk() + self.stray,
            ..self.stats
        }
    }

    /// The port back, e.g. to close it or hand it to another protocol.
    pub fn into_inner(self) -> P {
        self.port
    }

    /// Drops whatever the terminal sent that nobody read (a late answer to an exchange
    /// given up on, a resend, noise after a reconnect), so that the next [`Self::send`]
    /// cannot take a stale ACK byte for its own, nor the next [`Self::receive`] an old
    /// frame. Reads until the line is quiet for `quiet`; counts what it dropped as junk.
    pub fn discard_input(&mut self, quiet: Duration) -> Result<u64, LinkError> {
        let mut dropped = self.pending.len() as u64;
        self.pending.clear();
        self.decoder.timed_out();
        // A line that never goes quiet is not drained forever.
        while dropped < MAX_APDU as u64 && self.read_byte(quiet)?.is_some() {
            dropped += 1 + self.pending.len() as u64;
            self.pending.clear();
        }
        self.stray += dropped;
        Ok(dropped)
    }

    /// Sends `apdu` as one frame and waits for its ACK; a NAK or no answer within the ACK
    /// timeout sends it again, up to the configured attempts.
    pub fn send(&mut self, apdu: &[u8]) -> Result<(), LinkError> {
        if apdu.len() > MAX_APDU {
            return Err(LinkError::TooLong { len: apdu.len() });
        }
        let frame = encode(apdu);
        let attempts = self.settings.attempts.max(1);
        let mut naks = 0;
        for attempt in 1..=attempts {
            if attempt > 1 {
                self.stats.resent += 1;
            }
            self.port.write_all(&frame)?;
            self.port.flush()?;
            match self.await_ack()? {
                Some(true) => return Ok(()),
                Some(false) => {
                    naks += 1;
                    self.stats.naks_received += 1;
                    tracing::debug!(len = apdu.len(), attempt, "ZVT frame refused (NAK)");
                }
                None => tracing::debug!(len = apdu.len(), attempt, "ZVT frame not answered"),
            }
        }
        Err(LinkError::NotAcknowledged { attempts, naks })
    }

    /// Waits up to `timeout` for a frame to start, then receives it: a good one is
    /// acknowledged and its APDU returned; a garbled one is refused with a NAK and the
    /// resend awaited, up to the configured attempts in a row.
    pub fn receive(&mut self, timeout: Duration) -> Result<Vec<u8>, LinkError> {
        let mut deadline = Instant::now() + timeout;
        let mut refused = 0u8;
        loop {
            let byte = if self.decoder.in_frame() {
                self.read_byte(self.settings.byte_timeout)?
            } else {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(LinkError::NoFrame);
                }
                match self.read_byte(left)? {
                    Some(byte) => Some(byte),
                    None => return Err(LinkError::NoFrame),
                }
            };
            let outcome = match byte {
                Some(byte) => self.decoder.push(byte),
                None => self.decoder.timed_out().map(Err),
            };
            match outcome {
                None => {}
                Some(Ok(Received::Frame(apdu))) => {
                    self.port.write_all(&[ACK])?;
                    self.port.flush()?;
                    return Ok(apdu);
                }
                Some(Ok(Received::Ack | Received::Nak)) => self.stray += 1,
                Some(Err(error)) => {
                    refused += 1;
                    self.stats.naks_sent += 1;
                    tracing::debug!(%error, refused, "ZVT frame refused");
                    self.port.write_all(&[NAK])?;
                    self.port.flush()?;
                    if refused >= self.settings.attempts.max(1) {
                        return Err(LinkError::Garbled {
                            refused,
                            last: error,
                        });
                    }
                    // The terminal resends at once; give it the ACK timeout to do so.
                    deadline = deadline.max(Instant::now() + self.settings.ack_timeout);
                }
            }
        }
    }

    /// The answer to a frame just sent: ACK (`true`), NAK (`false`) or nothing in time.
    /// Other bytes meanwhile are junk.
    fn await_ack(&mut self) -> Result<Option<bool>, LinkError> {
        let deadline = Instant::now() + self.settings.ack_timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.read_byte(left)? {
                None => return Ok(None),
                Some(ACK) => return Ok(Some(true)),
                Some(NAK) => return Ok(Some(false)),
                Some(_) => self.stray += 1,
            }
        }
    }

    /// One byte, or `None` if none came within `timeout`.
    fn read_byte(&mut self, timeout: Duration) -> Result<Option<u8>, LinkError> {
        if !self.pending.is_empty() {
            return Ok(Some(self.pending.remove(0)));
        }
        // A zero timeout would make some ports non-blocking.
        self.port
            .set_read_timeout(timeout.max(Duration::from_millis(1)))?;
        let mut buffer = [0u8; 256];
        loop {
            return match self.port.read(&mut buffer) {
                Ok(0) => Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
                Ok(n) => {
                    self.pending.extend_from_slice(&buffer[1..n]);
                    Ok(Some(buffer[0]))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                    ) =>
                {
                    Ok(None)
                }
                Err(e) => Err(e.into()),
            };
        }
    }
}

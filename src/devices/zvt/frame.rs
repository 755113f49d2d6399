//! ZVT serial framing: `DLE STX` + APDU with every DLE doubled + `DLE ETX` + CRC (two
//! bytes, low first), and the single-byte ACK and NAK between frames.
//!
//! Written by hand: no maintained crate does DLE framing with this CRC (the `zvt` crate
//! speaks TCP only). Pure and free of I/O, so it is fuzzed on its own; the link feeds it
//! bytes and tells it when the line went quiet mid-frame. Errors carry lengths and codes
//! only: a frame may carry a masked card number or receipt text.

use super::crc::{ETX, frame_crc};

/// Data link escape: opens and closes a frame; doubled when it is data.
pub const DLE: u8 = 0x10;
/// Start of text, after the opening DLE.
pub const STX: u8 = 0x02;
/// Positive acknowledgement of a frame.
pub const ACK: u8 = 0x06;
/// Negative acknowledgement: the frame must be sent again.
pub const NAK: u8 = 0x15;

/// Longest APDU a frame may carry: class, instruction, the three-byte long length and
/// 65,535 bytes of data, the most ZVT's length field can describe. Anything longer is noise.
pub const MAX_APDU: usize = 2 + 3 + 0xFFFF;

/// What arrived on the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A frame whose CRC matched: its APDU, unescaped.
    Frame(Vec<u8>),
    /// A single ACK byte outside a frame.
    Ack,
    /// A single NAK byte outside a frame.
    Nak,
}

/// Why a frame was refused. The peer is told with a NAK and sends it again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("frame of {len} bytes failed its CRC")]
    BadCrc { len: usize },
    #[error("frame of {len} bytes is longer than {MAX_APDU}")]
    TooLong { len: usize },
    #[error("byte {byte:#04x} after DLE inside a frame")]
    StrayDle { byte: u8 },
    #[error("line went quiet {len} bytes into a frame")]
    Truncated { len: usize },
}

/// Where the decoder is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames: junk is skipped, ACK and NAK reported.
    Idle,
    /// Between frames, after a DLE: STX opens a frame.
    IdleDle,
    /// Inside a frame.
    Data,
    /// Inside a frame, after a DLE: DLE is data, ETX closes, STX restarts.
    DataDle,
    /// After `DLE ETX`: the CRC's low byte.
    CrcLow,
    /// The CRC's high byte; holds the low one.
    CrcHigh(u8),
}

/// Decodes ZVT serial bytes as they arrive, in any chunking.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    state: State,
    /// The APDU so far, at most [`MAX_APDU`] bytes of it.
    apdu: Vec<u8>,
    /// APDU bytes received in this frame, kept past [`MAX_APDU`] to report an overlong one.
    len: usize,
    /// Bytes skipped between frames that were neither ACK, NAK nor a frame's start.
    junk: u64,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    pub fn new() -> Self {
        Self {
            state: State::Idle,
            apdu: Vec::new(),
            len: 0,
            junk: 0,
        }
    }

    /// Whether a frame has started and not yet ended: the link then waits only the
    /// inter-byte timeout for the next byte.
    pub fn in_frame(&self) -> bool {
        !matches!(self.state, State::Idle | State::IdleDle)
    }

    /// Bytes skipped between frames so far.
    pub fn junk(&self) -> u64 {
        self.junk
    }

    /// Feeds one byte; returns what it completed, if anything.
    pub fn push(&mut self, byte: u8) -> Option<Result<Received, FrameError>> {
        match self.state {
            State::Idle => self.idle(byte),
            State::IdleDle => {
                if byte == STX {
                    self.open();
                    None
                } else {
                    // A lone DLE was junk; the byte after it may be an ACK or another DLE.
                    self.junk += 1;
                    self.state = State::Idle;
                    self.idle(byte)
                }
            }
            State::Data => {
                if byte == DLE {
                    self.state = State::DataDle;
                } else {
                    self.data(byte);
                }
                None
            }
            State::DataDle => match byte {
                DLE => {
                    self.state = State::Data;
                    self.data(DLE);
                    None
                }
                ETX => {
                    self.state = State::CrcLow;
                    None
                }
                STX => {
                    // The sender restarted: drop what came before, keep the new frame.
                    let error = FrameError::StrayDle { byte };
                    self.open();
                    Some(Err(error))
                }
                _ => {
                    self.close();
                    Some(Err(FrameError::StrayDle { byte }))
                }
            },
            State::CrcLow => {
                self.state = State::CrcHigh(byte);
                None
            }
            State::CrcHigh(low) => {
                let len = self.len;
                let apdu = std::mem::take(&mut self.apdu);
                self.close();
                Some(if len > MAX_APDU {
                    Err(FrameError::TooLong { len })
                } else if frame_crc(&apdu) != [low, byte] {
                    Err(FrameError::BadCrc { len })
                } else {
                    Ok(Received::Frame(apdu))
                })
            }
        }
    }

    /// Feeds a chunk; returns everything it completed, in order.
    pub fn push_slice(&mut self, bytes: &[u8]) -> Vec<Result<Received, FrameError>> {
        bytes.iter().filter_map(|&byte| self.push(byte)).collect()
    }

    /// The line went quiet for the inter-byte timeout: a frame in progress is abandoned.
    pub fn timed_out(&mut self) -> Option<FrameError> {
        let error = self
            .in_frame()
            .then_some(FrameError::Truncated { len: self.len });
        self.close();
        error
    }

    fn idle(&mut self, byte: u8) -> Option<Result<Received, FrameError>> {
        match byte {
            ACK => Some(Ok(Received::Ack)),
            NAK => Some(Ok(Received::Nak)),
            DLE => {
                self.state = State::IdleDle;
                None
            }
            _ => {
                self.junk += 1;
                None
            }
        }
    }

    fn open(&mut self) {
        self.apdu.clear();
        self.len = 0;
        self.state = State::Data;
    }

    fn close(&mut self) {
        self.apdu = Vec::new();
        self.len = 0;
        self.state = State::Idle;
    }

    fn data(&mut self, byte: u8) {
        self.len += 1;
        if self.len <= MAX_APDU {
            self.apdu.push(byte);
        }
    }
}

/// The bytes that carry `apdu` on the line. The caller keeps `apdu` within [`MAX_APDU`]
/// (an [`super::Apdu`] always is).
pub fn encode(apdu: &[u8]) -> Vec<u8> {
    let doubled = apdu.iter().filter(|&&byte| byte == DLE).count();
    let mut frame = Vec::with_capacity(apdu.len() + doubled + 6);
    frame.extend_from_slice(&[DLE, STX]);
    for &byte in apdu {
        frame.push(byte);
        if byte == DLE {
            frame.push(DLE);
        }
    }
    frame.extend_from_slice(&[DLE, ETX]);
    frame.extend_from_slice(&frame_crc(apdu));
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ecrterm's authorisation frame (test_data_encoding.py, `test_Zahlung_eccash`): 110.00
    /// EUR, whose amount BCD holds a DLE, sent doubled.
    const AUTHORISATION_WIRE: [u8; 20] = [
        0x10, 0x02, 0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x01, 0x10, 0x10, 0x00, 0x49, 0x09,
        0x78, 0x10, 0x03, 0xF2, 0xFF,
    ];
    const AUTHORISATION_APDU: [u8; 13] = [
        0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x01, 0x10, 0x00, 0x49, 0x09, 0x78,
    ];
    /// A print line received from a terminal, from a capture published by shopundsell.de
    /// ("Diagnose für die Kommunikation mit dem EC-Terminal", 2017): "* * Händlerbeleg * *",
    /// centred, with the umlaut in code page 437.
    const PRINT_LINE_WIRE: [u8; 33] = [
        0x10, 0x02, 0x06, 0xD1, 0x17, 0x40, 0x2A, 0x20, 0x2A, 0x20, 0x20, 0x48, 0x84, 0x6E, 0x64,
        0x6C, 0x65, 0x72, 0x62, 0x65, 0x6C, 0x65, 0x67, 0x20, 0x20, 0x2A, 0x20, 0x2A, 0x10, 0x03,
        0x1C, 0x81, 0x06,
    ];

    fn decode_all(bytes: &[u8]) -> Vec<Result<Received, FrameError>> {
        FrameDecoder::new().push_slice(bytes)
    }

    #[test]
    fn a_captured_frame_with_a_dle_in_its_data_encodes_and_decodes() {
        assert_eq!(encode(&AUTHORISATION_APDU), AUTHORISATION_WIRE);
        assert_eq!(
            decode_all(&AUTHORISATION_WIRE),
            [Ok(Received::Frame(AUTHORISATION_APDU.to_vec()))]
        );
    }

    #[test]
    fn a_captured_print_line_from_a_terminal_decodes_then_its_ack() {
        let received = decode_all(&PRINT_LINE_WIRE);
        assert_eq!(received.len(), 2);
        let Ok(Received::Frame(apdu)) = &received[0] else {
            panic!("{received:?}");
        };
        assert_eq!(apdu[..3], [0x06, 0xD1, 0x17]);
        assert_eq!(apdu.len(), 3 + 0x17);
        assert_eq!(encode(apdu), PRINT_LINE_WIRE[..32]);
        assert_eq!(received[1], Ok(Received::Ack));
    }

    #[test]
    fn dle_bytes_and_a_dle_etx_sequence_inside_the_data_survive() {
        let apdus: [&[u8]; 4] = [
            &[0x10],
            &[0x10, 0x10, 0x10],
            &[0x06, 0xD1, 0x03, 0x10, 0x03, 0x10],
            &[0x10, 0x02, 0x10, 0x03, 0x15, 0x06],
        ];
        for apdu in apdus {
            let wire = encode(apdu);
            let dles = apdu.iter().filter(|&&b| b == DLE).count();
            assert_eq!(wire.len(), apdu.len() + dles + 6);
            assert_eq!(decode_all(&wire), [Ok(Received::Frame(apdu.to_vec()))]);
        }
    }

    #[test]
    fn decoding_split_at_every_byte_boundary() {
        let mut stream = vec![0x00, 0xFF, ACK];
        stream.extend_from_slice(&AUTHORISATION_WIRE);
        stream.push(NAK);
        stream.extend_from_slice(&PRINT_LINE_WIRE);
        let whole = decode_all(&stream);
        assert_eq!(whole.len(), 5);
        for cut in 0..=stream.len() {
            let mut decoder = FrameDecoder::new();
            let mut parts = decoder.push_slice(&stream[..cut]);
            parts.extend(decoder.push_slice(&stream[cut..]));
            assert_eq!(parts, whole, "cut at {cut}");
        }
        let mut decoder = FrameDecoder::new();
        let bytewise: Vec<_> = stream.iter().filter_map(|&b| decoder.push(b)).collect();
        assert_eq!(bytewise, whole);
    }

    #[test]
    fn junk_before_a_frame_is_skipped_and_counted() {
        let mut decoder = FrameDecoder::new();
        let mut stream = vec![0x41, 0x10, 0x41, 0x10, 0x10];
        stream.extend_from_slice(&AUTHORISATION_WIRE);
        assert_eq!(
            decoder.push_slice(&stream),
            [Ok(Received::Frame(AUTHORISATION_APDU.to_vec()))]
        );
        assert_eq!(decoder.junk(), 5);
    }

    #[test]
    fn a_bad_crc_is_refused_and_the_next_frame_decodes() {
        let mut stream = AUTHORISATION_WIRE.to_vec();
        stream[19] ^= 0x01;
        stream.extend_from_slice(&AUTHORISATION_WIRE);
        assert_eq!(
            decode_all(&stream),
            [
                Err(FrameError::BadCrc { len: 13 }),
                Ok(Received::Frame(AUTHORISATION_APDU.to_vec()))
            ]
        );
    }

    #[test]
    fn a_stray_byte_after_dle_is_refused_and_stx_restarts() {
        let mut stray = vec![DLE, STX, 0x06, DLE, 0x41];
        stray.extend_from_slice(&AUTHORISATION_WIRE);
        assert_eq!(
            decode_all(&stray),
            [
                Err(FrameError::StrayDle { byte: 0x41 }),
                Ok(Received::Frame(AUTHORISATION_APDU.to_vec()))
            ]
        );
        let mut restart = vec![DLE, STX, 0x06, 0x00];
        restart.extend_from_slice(&AUTHORISATION_WIRE);
        assert_eq!(
            decode_all(&restart),
            [
                Err(FrameError::StrayDle { byte: STX }),
                Ok(Received::Frame(AUTHORISATION_APDU.to_vec()))
            ]
        );
    }

    #[test]
    fn an_overlong_frame_is_refused_at_its_end() {
        let apdu = vec![0x10; MAX_APDU + 1];
        let mut decoder = FrameDecoder::new();
        assert_eq!(
            decoder.push_slice(&encode(&apdu)),
            [Err(FrameError::TooLong { len: MAX_APDU + 1 })]
        );
        assert!(!decoder.in_frame());
        let longest = vec![0x10; MAX_APDU];
        assert_eq!(
            decoder.push_slice(&encode(&longest)),
            [Ok(Received::Frame(longest))]
        );
    }

    #[test]
    fn silence_mid_frame_abandons_it() {
        let mut decoder = FrameDecoder::new();
        assert!(decoder.push_slice(&AUTHORISATION_WIRE[..8]).is_empty());
        assert!(decoder.in_frame());
        assert_eq!(decoder.timed_out(), Some(FrameError::Truncated { len: 6 }));
        assert_eq!(decoder.timed_out(), None);
        assert_eq!(
            decoder.push_slice(&AUTHORISATION_WIRE),
            [Ok(Received::Frame(AUTHORISATION_APDU.to_vec()))]
        );
    }
}

//! MLLP framing (the Minimal Lower Layer Protocol of HL7 v2): `0x0B`, the message, then
//! `0x1C 0x0D`. Written by hand: it is a few lines, and the crates that offer it bring a
//! whole HL7 stack or an async runtime of their choice with them.
//!
//! [`FrameReader`] is sans-I/O (bytes in, frames out) so the same code serves the
//! listener, the sender, the test peer and the fuzz target, and never panics.

/// Start block.
pub const START: u8 = 0x0B;
/// End block, followed by [`CR`].
pub const END: u8 = 0x1C;
/// Carriage return after the end block.
pub const CR: u8 = 0x0D;

/// The largest message we accept (a scheduling or ADT message is a few kilobytes).
pub const MAX_MESSAGE: usize = 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MllpError {
    /// Bytes that are not a start block where a frame should begin (a peer speaking
    /// something else, or garbage between frames).
    #[error("MLLP: expected a start block (0x0B), got byte 0x{0:02X}")]
    MissingStartBlock(u8),
    /// A frame longer than the limit; the connection should be closed.
    #[error("MLLP: message longer than {limit} bytes")]
    Oversized { limit: usize },
    /// The end block was not followed by a carriage return.
    #[error("MLLP: end block not followed by a carriage return")]
    BadEndBlock,
    /// The peer closed the connection in the middle of a frame.
    #[error("MLLP: connection closed inside a frame ({0} bytes read)")]
    Truncated(usize),
}

/// Wraps `message` in a frame.
pub fn frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + 3);
    out.push(START);
    out.extend_from_slice(message);
    out.extend_from_slice(&[END, CR]);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between frames.
    Outside,
    /// After a start block.
    Inside,
    /// After an end block, waiting for its carriage return.
    SawEnd,
    /// An oversized frame: dropping bytes until its end block.
    Skipping,
}

/// Collects bytes as they arrive, in any chunking, and hands out whole frames' contents.
#[derive(Debug)]
pub struct FrameReader {
    buffer: Vec<u8>,
    limit: usize,
    state: State,
}

impl FrameReader {
    pub fn new(limit: usize) -> Self {
        Self {
            buffer: Vec::new(),
            limit,
            state: State::Outside,
        }
    }

    /// Adds `bytes` and returns what they complete: each item is one frame's message or
    /// a framing error. After an error the reader resynchronises on the next start block
    /// (callers usually answer or close instead). Whitespace between frames (some
    /// senders add a line feed) is skipped.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, MllpError>> {
        let mut out = Vec::new();
        for &byte in bytes {
            match (self.state, byte) {
                (State::Outside, START) => self.state = State::Inside,
                (State::Outside, b'\r' | b'\n' | b' ' | b'\t') => {}
                (State::Outside, other) => out.push(Err(MllpError::MissingStartBlock(other))),
                (State::Inside, END) => self.state = State::SawEnd,
                (State::Inside, other) => {
                    if self.buffer.len() == self.limit {
                        out.push(Err(MllpError::Oversized { limit: self.limit }));
                        self.buffer = Vec::new();
                        self.state = State::Skipping;
                    } else {
                        self.buffer.push(other);
                    }
                }
                (State::SawEnd, CR) => {
                    out.push(Ok(std::mem::take(&mut self.buffer)));
                    self.state = State::Outside;
                }
                (State::SawEnd, _) => {
                    out.push(Err(MllpError::BadEndBlock));
                    self.buffer.clear();
                    self.state = if byte == START {
                        State::Inside
                    } else {
                        State::Outside
                    };
                }
                (State::Skipping, END) => self.state = State::Outside,
                (State::Skipping, _) => {}
            }
        }
        out
    }

    /// The connection closed: an unfinished frame is an error.
    pub fn finish(&mut self) -> Result<(), MllpError> {
        let partial = match self.state {
            State::Inside | State::SawEnd => Some(self.buffer.len()),
            State::Outside | State::Skipping => None,
        };
        self.buffer.clear();
        self.state = State::Outside;
        partial.map_or(Ok(()), |read| Err(MllpError::Truncated(read)))
    }

    /// Bytes held for an unfinished frame.
    pub fn pending(&self) -> usize {
        self.buffer.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_in_any_chunking() {
        let mut bytes = frame(b"MSH|one");
        bytes.extend(frame(b"MSH|two"));
        for size in 1..bytes.len() {
            let mut reader = FrameReader::new(64);
            let got: Vec<_> = bytes.chunks(size).flat_map(|c| reader.push(c)).collect();
            assert_eq!(got, [Ok(b"MSH|one".to_vec()), Ok(b"MSH|two".to_vec())]);
            assert_eq!(reader.finish(), Ok(()));
        }
    }

    #[test]
    fn bad_framing_is_a_typed_error() {
        let mut reader = FrameReader::new(8);
        assert_eq!(reader.push(b"X"), [Err(MllpError::MissingStartBlock(b'X'))]);
        assert_eq!(
            reader.push(&frame(b"0123456789")),
            [Err(MllpError::Oversized { limit: 8 })]
        );
        // The reader is usable again after an oversized frame.
        assert_eq!(reader.push(&frame(b"ok")), [Ok(b"ok".to_vec())]);
        assert_eq!(reader.push(b"\x0babc\x1cZ"), [Err(MllpError::BadEndBlock)]);
        reader.push(b"\x0babc");
        assert_eq!(reader.finish(), Err(MllpError::Truncated(3)));
        // Exactly the limit fits.
        assert_eq!(reader.push(&frame(b"01234567")), [Ok(b"01234567".to_vec())]);
    }
}

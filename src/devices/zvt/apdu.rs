//! A ZVT APDU: class byte, instruction byte, length, data. The length is one byte below
//! 0xFF; longer data is announced by 0xFF followed by a two-byte little-endian length.
//!
//! The parser takes the APDU out of a frame (outside bytes) and rejects anything that
//! does not add up with a typed error; it never panics (fuzzed). Errors carry lengths
//! only: the data may hold receipt text or a masked card number.

/// Most data one APDU can carry: what the two-byte length can say.
pub const MAX_DATA: usize = 0xFFFF;
/// Length byte announcing a two-byte length after it.
const LONG_LENGTH: u8 = 0xFF;

/// Why bytes are not an APDU, or data does not fit one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApduError {
    #[error("APDU of {len} bytes is shorter than its header")]
    TooShort { len: usize },
    #[error("APDU announces {declared} data bytes but carries {actual}")]
    LengthMismatch { declared: usize, actual: usize },
    #[error("{len} data bytes do not fit an APDU (at most {MAX_DATA})")]
    TooLong { len: usize },
}

/// One ZVT command or response: `class`, `instr` and up to [`MAX_DATA`] bytes of data.
#[derive(Clone, PartialEq, Eq)]
pub struct Apdu {
    class: u8,
    instr: u8,
    data: Vec<u8>,
}

impl Apdu {
    pub fn new(class: u8, instr: u8, data: Vec<u8>) -> Result<Self, ApduError> {
        if data.len() > MAX_DATA {
            return Err(ApduError::TooLong { len: data.len() });
        }
        Ok(Self { class, instr, data })
    }

    pub fn class(&self) -> u8 {
        self.class
    }

    pub fn instr(&self) -> u8 {
        self.instr
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The bytes inside a frame: the short length form when it fits, else the long one.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.data.len() + 5);
        bytes.extend_from_slice(&[self.class, self.instr]);
        match u8::try_from(self.data.len()) {
            Ok(len) if len != LONG_LENGTH => bytes.push(len),
            _ => {
                // `new` keeps the data within MAX_DATA, so it fits two bytes.
                let len = u16::try_from(self.data.len()).unwrap_or(u16::MAX);
                bytes.push(LONG_LENGTH);
                bytes.extend_from_slice(&len.to_le_bytes());
            }
        }
        bytes.extend_from_slice(&self.data);
        bytes
    }

    /// Reads an APDU that fills `bytes` exactly. The long length form is accepted for
    /// short data too (it is unambiguous, and [`Self::encode`] never writes it).
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let too_short = ApduError::TooShort { len: bytes.len() };
        let (&[class, instr, len], rest) =
            bytes.split_first_chunk::<3>().ok_or(too_short.clone())?;
        let (declared, data) = if len == LONG_LENGTH {
            let (long, data) = rest.split_first_chunk::<2>().ok_or(too_short)?;
            (usize::from(u16::from_le_bytes(*long)), data)
        } else {
            (usize::from(len), rest)
        };
        if declared != data.len() {
            return Err(ApduError::LengthMismatch {
                declared,
                actual: data.len(),
            });
        }
        Ok(Self {
            class,
            instr,
            data: data.to_vec(),
        })
    }
}

/// Class, instruction and length only: the data may be receipt text or card-related.
impl std::fmt::Debug for Apdu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Apdu({:02X} {:02X}, {} data bytes)",
            self.class,
            self.instr,
            self.data.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_registration_parses_and_encodes_back() {
        // ecrterm test_data_encoding.py: registration, password 123456, config BA, EUR.
        let bytes = [0x06, 0x00, 0x06, 0x12, 0x34, 0x56, 0xBA, 0x09, 0x78];
        let apdu = Apdu::parse(&bytes).unwrap();
        assert_eq!((apdu.class(), apdu.instr()), (0x06, 0x00));
        assert_eq!(apdu.data(), &bytes[3..]);
        assert_eq!(apdu.encode(), bytes);
        assert_eq!(format!("{apdu:?}"), "Apdu(06 00, 6 data bytes)");
    }

    #[test]
    fn the_length_form_switches_at_255_bytes() {
        for (len, header) in [
            (0, vec![0x80, 0x00, 0x00]),
            (254, vec![0x80, 0x00, 0xFE]),
            (255, vec![0x80, 0x00, 0xFF, 0xFF, 0x00]),
            (256, vec![0x80, 0x00, 0xFF, 0x00, 0x01]),
            (MAX_DATA, vec![0x80, 0x00, 0xFF, 0xFF, 0xFF]),
        ] {
            let apdu = Apdu::new(0x80, 0x00, vec![0x20; len]).unwrap();
            let bytes = apdu.encode();
            assert_eq!(bytes[..header.len()], header, "{len}");
            assert_eq!(bytes.len(), header.len() + len);
            assert_eq!(Apdu::parse(&bytes).unwrap(), apdu);
        }
        assert_eq!(
            Apdu::new(0x80, 0x00, vec![0; MAX_DATA + 1]),
            Err(ApduError::TooLong { len: MAX_DATA + 1 })
        );
    }

    #[test]
    fn the_long_form_for_short_data_is_accepted() {
        let apdu = Apdu::parse(&[0x06, 0xD3, 0xFF, 0x02, 0x00, 0x41, 0x42]).unwrap();
        assert_eq!(apdu.data(), b"AB");
    }

    #[test]
    fn bytes_that_do_not_add_up_are_refused() {
        assert_eq!(Apdu::parse(&[]), Err(ApduError::TooShort { len: 0 }));
        assert_eq!(
            Apdu::parse(&[0x80, 0x00]),
            Err(ApduError::TooShort { len: 2 })
        );
        assert_eq!(
            Apdu::parse(&[0x80, 0x00, 0xFF, 0x01]),
            Err(ApduError::TooShort { len: 4 })
        );
        assert_eq!(
            Apdu::parse(&[0x80, 0x00, 0x02, 0x01]),
            Err(ApduError::LengthMismatch {
                declared: 2,
                actual: 1
            })
        );
        assert_eq!(
            Apdu::parse(&[0x80, 0x00, 0x00, 0x01]),
            Err(ApduError::LengthMismatch {
                declared: 0,
                actual: 1
            })
        );
    }
}

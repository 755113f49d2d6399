//! ZVT data fields ("BMPs"): a one-byte tag, then a value whose length the tag decides:
//! fixed, LLVAR / LLLVAR (two or three length bytes `0xF0 | digit`), or BER (the TLV
//! container, BMP 06). And the packed BCD numbers most of them carry.
//!
//! An unknown tag ends parsing with an error: its length cannot be known, so nothing after
//! it can be trusted. The length table follows the ZVT specification's list of bitmaps
//! (as also used by EVerest/zvt `zvt/src/packets.rs` and wirelane/ecrterm
//! `ecrterm/packets/bmp.py`). Pure and fuzzed; errors name tags and lengths, never values.

/// Why bytes are not a list of fields, or a number is not BCD.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BmpError {
    #[error("unknown BMP {tag:#04x}: its length cannot be known")]
    UnknownTag { tag: u8 },
    #[error("BMP {tag:#04x} needs {needed} bytes, {left} left")]
    Truncated { tag: u8, needed: usize, left: usize },
    #[error("BMP {tag:#04x} has a malformed length")]
    BadLength { tag: u8 },
    #[error("{len} bytes are not packed BCD")]
    NotBcd { len: usize },
    #[error("{value_digits} digits do not fit {bytes} BCD bytes")]
    TooLarge { value_digits: usize, bytes: usize },
    #[error("BMP {tag:#04x} value of {len} bytes is too long for its length form")]
    TooLong { tag: u8, len: usize },
}

/// How a field's length is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    Fixed(usize),
    /// Two bytes `0xF0 | digit`: up to 99 bytes.
    Ll,
    /// Three bytes `0xF0 | digit`: up to 999 bytes.
    Lll,
    /// BER length (BMP 06, the TLV container).
    Ber,
}

/// The length rule of `tag`, if the specification defines it.
pub fn length_of(tag: u8) -> Option<Length> {
    use Length::{Ber, Fixed, Ll, Lll};
    Some(match tag {
        0x01 | 0x02 | 0x03 | 0x05 | 0x19 | 0x27 | 0x8A | 0x8C | 0xA0 | 0xD0 | 0xD2 | 0xD3
        | 0xE0 | 0xE9 | 0xEA | 0xF0 | 0xF9 | 0xFA | 0xFB | 0xFC | 0xFD => Fixed(1),
        0x0D | 0x0E | 0x17 | 0x3A | 0x49 | 0x87 => Fixed(2),
        0x0B | 0x0C | 0x37 | 0x3D | 0x88 | 0xAA => Fixed(3),
        0x29 => Fixed(4),
        0xBA => Fixed(5),
        0x04 => Fixed(6),
        0x3B | 0xEB => Fixed(8),
        0x2A => Fixed(15),
        0x06 => Ber,
        0x22 | 0x23 | 0x2D | 0x8B | 0xA7 | 0xD1 | 0xE1..=0xE8 | 0xF1..=0xF8 => Ll,
        0x24 | 0x2E | 0x3C | 0x60 | 0x92 | 0x9A | 0xAF => Lll,
        _ => return None,
    })
}

/// One field: its tag and its value (without the length bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    pub tag: u8,
    pub value: &'a [u8],
}

/// Splits `data` into fields, all of it or an error.
pub fn parse_fields(data: &[u8]) -> Result<Vec<Field<'_>>, BmpError> {
    let mut fields = Vec::new();
    let mut rest = data;
    while let Some((&tag, after_tag)) = rest.split_first() {
        let rule = length_of(tag).ok_or(BmpError::UnknownTag { tag })?;
        let (len, after_len) = match rule {
            Length::Fixed(len) => (len, after_tag),
            Length::Ll => var_length(tag, after_tag, 2)?,
            Length::Lll => var_length(tag, after_tag, 3)?,
            Length::Ber => ber_length(after_tag).ok_or(BmpError::BadLength { tag })?,
        };
        if after_len.len() < len {
            return Err(BmpError::Truncated {
                tag,
                needed: len,
                left: after_len.len(),
            });
        }
        let (value, next) = after_len.split_at(len);
        fields.push(Field { tag, value });
        rest = next;
    }
    Ok(fields)
}

/// An LLVAR/LLLVAR length: `digits` bytes `0xF0 | d`, most significant first.
fn var_length(tag: u8, bytes: &[u8], digits: usize) -> Result<(usize, &[u8]), BmpError> {
    if bytes.len() < digits {
        return Err(BmpError::Truncated {
            tag,
            needed: digits,
            left: bytes.len(),
        });
    }
    let (head, rest) = bytes.split_at(digits);
    let mut len = 0;
    for &byte in head {
        if byte & 0xF0 != 0xF0 || byte & 0x0F > 9 {
            return Err(BmpError::BadLength { tag });
        }
        len = len * 10 + usize::from(byte & 0x0F);
    }
    Ok((len, rest))
}

/// A BER length: one byte below 0x80, or 0x81 / 0x82 followed by one / two bytes.
pub fn ber_length(bytes: &[u8]) -> Option<(usize, &[u8])> {
    match bytes {
        [len @ 0x00..=0x7F, rest @ ..] => Some((usize::from(*len), rest)),
        [0x81, len, rest @ ..] => Some((usize::from(*len), rest)),
        [0x82, high, low, rest @ ..] => {
            Some((usize::from(u16::from_be_bytes([*high, *low])), rest))
        }
        _ => None,
    }
}

/// The shortest BER length for `len` (at most 0xFFFF).
pub fn push_ber_length(out: &mut Vec<u8>, len: usize) {
    match u8::try_from(len) {
        Ok(short) if short < 0x80 => out.push(short),
        Ok(byte) => out.extend_from_slice(&[0x81, byte]),
        Err(_) => {
            let long = u16::try_from(len).unwrap_or(u16::MAX);
            out.push(0x82);
            out.extend_from_slice(&long.to_be_bytes());
        }
    }
}

/// Appends a field of fixed length (the caller passes a value of the right length).
pub fn push_fixed(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    out.extend_from_slice(value);
}

/// Appends an LLVAR (`digits` = 2) or LLLVAR (`digits` = 3) field.
pub fn push_var(out: &mut Vec<u8>, tag: u8, digits: u32, value: &[u8]) -> Result<(), BmpError> {
    let len = value.len();
    if len >= 10usize.pow(digits) {
        return Err(BmpError::TooLong { tag, len });
    }
    out.push(tag);
    for place in (0..digits).rev() {
        // The remainder is a single digit.
        out.push(0xF0 | (len / 10usize.pow(place) % 10) as u8);
    }
    out.extend_from_slice(value);
    Ok(())
}

/// Appends the TLV container (BMP 06) holding `value`.
pub fn push_tlv_container(out: &mut Vec<u8>, value: &[u8]) {
    out.push(0x06);
    push_ber_length(out, value.len());
    out.extend_from_slice(value);
}

/// Reads packed BCD (two digits a byte, most significant first). At most 9 bytes, so it
/// fits a `u64`.
pub fn from_bcd(bytes: &[u8]) -> Result<u64, BmpError> {
    let not_bcd = BmpError::NotBcd { len: bytes.len() };
    if bytes.len() > 9 {
        return Err(not_bcd);
    }
    let mut value = 0u64;
    for &byte in bytes {
        let (high, low) = (byte >> 4, byte & 0x0F);
        if high > 9 || low > 9 {
            return Err(not_bcd);
        }
        value = value * 100 + u64::from(high) * 10 + u64::from(low);
    }
    Ok(value)
}

/// Writes `value` as `bytes` bytes of packed BCD, zero-filled on the left.
pub fn to_bcd(value: u64, bytes: usize) -> Result<Vec<u8>, BmpError> {
    let digits = value.to_string();
    if digits.len() > bytes * 2 {
        return Err(BmpError::TooLarge {
            value_digits: digits.len(),
            bytes,
        });
    }
    let padded = format!("{digits:0>width$}", width = bytes * 2);
    Ok(padded
        .as_bytes()
        .chunks(2)
        .map(|pair| ((pair[0] - b'0') << 4) | (pair[1] - b'0'))
        .collect())
}

/// Bytes from hex text with spaces, for byte examples in tests.
#[cfg(test)]
pub(crate) fn hex(text: &str) -> Vec<u8> {
    let text: String = text.split_whitespace().collect();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_both_ways() {
        assert_eq!(to_bcd(2500, 6).unwrap(), [0, 0, 0, 0, 0x25, 0x00]);
        assert_eq!(to_bcd(123456, 3).unwrap(), [0x12, 0x34, 0x56]);
        assert_eq!(from_bcd(&[0x12, 0x34, 0x56]), Ok(123456));
        assert_eq!(from_bcd(&[]), Ok(0));
        assert_eq!(from_bcd(&[0x1A]), Err(BmpError::NotBcd { len: 1 }));
        assert_eq!(from_bcd(&[0x99; 10]), Err(BmpError::NotBcd { len: 10 }));
        assert_eq!(
            to_bcd(10_000, 2),
            Err(BmpError::TooLarge {
                value_digits: 5,
                bytes: 2
            })
        );
    }

    #[test]
    fn a_captured_status_information_splits_into_its_fields() {
        // EVerest/zvt zvt/data/1680728165.675509000_pt_ecr.blob (commit 05e973c), the data
        // of a 04 0F after a 25.00 EUR payment: result, amount, currency, time, date, the
        // PAN masked with E nibbles (LLVAR F0 F8), receipt number, AID 3B "750071", trace,
        // payment type, TID, expiry, card type, card-type ID, card name (LLVAR F1 F1), VU.
        let data = hex(
            "2700040000000025004909780c2255580d040522f0f8559883eeeeee80748702313b\
                        37353030373100000b000975196029525235350e24058a068c018bf1f14d61737465\
                        7243617264002a383034303131393236202020202020",
        );
        let fields = parse_fields(&data).unwrap();
        let tags: Vec<u8> = fields.iter().map(|f| f.tag).collect();
        assert_eq!(
            tags,
            [
                0x27, 0x04, 0x49, 0x0C, 0x0D, 0x22, 0x87, 0x3B, 0x0B, 0x19, 0x29, 0x0E, 0x8A, 0x8C,
                0x8B, 0x2A
            ]
        );
        assert_eq!(
            fields[5].value,
            [0x55, 0x98, 0x83, 0xEE, 0xEE, 0xEE, 0x80, 0x74]
        );
        assert_eq!(fields[7].value, b"750071\0\0");
        assert_eq!(fields[14].value, b"MasterCard\0");
    }

    #[test]
    fn lengths_that_do_not_add_up_are_refused() {
        assert_eq!(
            parse_fields(&[0x27]),
            Err(BmpError::Truncated {
                tag: 0x27,
                needed: 1,
                left: 0
            })
        );
        assert_eq!(
            parse_fields(&[0x22, 0xF1, 0x3A]),
            Err(BmpError::BadLength { tag: 0x22 })
        );
        assert_eq!(
            parse_fields(&[0x22, 0xF0, 0xF3, 0x01]),
            Err(BmpError::Truncated {
                tag: 0x22,
                needed: 3,
                left: 1
            })
        );
        assert_eq!(
            parse_fields(&[0x06, 0x83, 0, 0, 0]),
            Err(BmpError::BadLength { tag: 0x06 })
        );
        assert_eq!(
            parse_fields(&[0x42, 0x00]),
            Err(BmpError::UnknownTag { tag: 0x42 })
        );
    }

    #[test]
    fn var_and_ber_lengths_round_trip() {
        let mut out = Vec::new();
        push_var(&mut out, 0x3C, 3, &[0x41; 123]).unwrap();
        assert_eq!(out[..4], [0x3C, 0xF1, 0xF2, 0xF3]);
        push_tlv_container(&mut out, &[0x07; 0x90]);
        push_tlv_container(&mut out, &[0x07; 0x200]);
        let fields = parse_fields(&out).unwrap();
        assert_eq!(fields.len(), 3);
        assert_eq!(
            (fields[1].value.len(), fields[2].value.len()),
            (0x90, 0x200)
        );
        assert_eq!(
            push_var(&mut out, 0x22, 2, &[0; 100]),
            Err(BmpError::TooLong {
                tag: 0x22,
                len: 100
            })
        );
    }
}

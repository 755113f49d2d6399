//! The BER-TLV inside ZVT's BMP 06: tags of one or more bytes (a first byte ending in
//! five 1 bits continues), the constructed bit 0x20, BER lengths. Only what the kiosk
//! reads is interpreted: the text lines (tag 07) of a print text block, in order, at any
//! depth of constructed tags (the receipt's lines sit inside tag 25).
//!
//! Written by hand: a BER decoder crate would bring ASN.1 types for three rules. Nesting
//! is limited so hostile input cannot exhaust the stack. Pure and fuzzed.

use super::bmp::{ber_length, push_ber_length};

/// Deepest nesting of constructed tags accepted.
pub const MAX_DEPTH: usize = 8;
/// The tag of one line of text (ZVT "text-lines", tag 07).
pub const TEXT_LINE: u32 = 0x07;
/// The constructed tag holding a receipt's lines (ZVT "print-texts", tag 25).
pub const PRINT_TEXTS: u32 = 0x25;

/// Why bytes are not BER-TLV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    #[error("TLV tag cut short or longer than 4 bytes")]
    BadTag,
    #[error("TLV length missing or malformed")]
    BadLength,
    #[error("TLV value of {needed} bytes, {left} left")]
    Truncated { needed: usize, left: usize },
    #[error("TLV nested deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// One element: its tag (all tag bytes, big-endian) and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    pub tag: u32,
    pub constructed: bool,
    pub value: &'a [u8],
}

/// Splits `data` into its top-level elements.
pub fn parse(data: &[u8]) -> Result<Vec<Element<'_>>, TlvError> {
    let mut elements = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (element, next) = element(rest)?;
        elements.push(element);
        rest = next;
    }
    Ok(elements)
}

fn element(bytes: &[u8]) -> Result<(Element<'_>, &[u8]), TlvError> {
    let (&first, mut rest) = bytes.split_first().ok_or(TlvError::BadTag)?;
    let mut tag = u32::from(first);
    if first & 0x1F == 0x1F {
        for count in 1.. {
            let (&next, after) = rest.split_first().ok_or(TlvError::BadTag)?;
            if count > 3 {
                return Err(TlvError::BadTag);
            }
            tag = (tag << 8) | u32::from(next);
            rest = after;
            if next & 0x80 == 0 {
                break;
            }
        }
    }
    let (len, rest) = ber_length(rest).ok_or(TlvError::BadLength)?;
    if rest.len() < len {
        return Err(TlvError::Truncated {
            needed: len,
            left: rest.len(),
        });
    }
    let (value, next) = rest.split_at(len);
    Ok((
        Element {
            tag,
            constructed: first & 0x20 != 0,
            value,
        },
        next,
    ))
}

/// Every text line (tag 07) in `data`, in order, looking inside constructed tags.
pub fn text_lines(data: &[u8]) -> Result<Vec<&[u8]>, TlvError> {
    let mut lines = Vec::new();
    collect_lines(data, 0, &mut lines)?;
    Ok(lines)
}

fn collect_lines<'a>(
    data: &'a [u8],
    depth: usize,
    lines: &mut Vec<&'a [u8]>,
) -> Result<(), TlvError> {
    if depth > MAX_DEPTH {
        return Err(TlvError::TooDeep);
    }
    for element in parse(data)? {
        if element.constructed {
            collect_lines(element.value, depth + 1, lines)?;
        } else if element.tag == TEXT_LINE {
            lines.push(element.value);
        }
    }
    Ok(())
}

/// Appends one element with a one- or two-byte tag (`tag` ≤ 0xFFFF) and a BER length.
pub fn push(out: &mut Vec<u8>, tag: u32, value: &[u8]) {
    if tag > 0xFF {
        out.extend_from_slice(&u16::try_from(tag).unwrap_or(u16::MAX).to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    push_ber_length(out, value.len());
    out.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_of_a_captured_text_block_head() {
        // The start of EVerest/zvt zvt/data/1680728215.585561000_pt_ecr.blob (commit
        // 05e973c), a 06 D3 print text block, inside its BMP 06: receipt type 1F07 = 02,
        // then print-texts 25 holding lines 07: an empty one, then 40 characters; cut here
        // to two lines, with the lengths adjusted, and the end-of-receipt tag 09 = FF.
        let mut line = vec![0x20; 12];
        line.extend_from_slice(b"** Customer Receipt **");
        line.resize(40, 0x20);
        let mut texts = vec![0x07, 0x00, 0x07, 0x28];
        texts.extend_from_slice(&line);
        let mut data = vec![0x1F, 0x07, 0x01, 0x02, 0x25, 0x81, texts.len() as u8];
        data.extend_from_slice(&texts);
        data.extend_from_slice(&[0x09, 0x01, 0xFF]);

        let top = parse(&data).unwrap();
        assert_eq!(top.len(), 3);
        assert_eq!((top[0].tag, top[0].value), (0x1F07, &[0x02][..]));
        assert!(top[1].constructed && top[1].tag == PRINT_TEXTS);
        assert_eq!(text_lines(&data).unwrap(), [&[][..], &line[..]]);
    }

    #[test]
    fn malformed_tlv_is_refused() {
        assert_eq!(parse(&[0x1F]), Err(TlvError::BadTag));
        assert_eq!(
            parse(&[0x1F, 0x81, 0x81, 0x81, 0x81, 0x01]),
            Err(TlvError::BadTag)
        );
        assert_eq!(parse(&[0x07]), Err(TlvError::BadLength));
        assert_eq!(parse(&[0x07, 0x84, 0, 0, 0, 1]), Err(TlvError::BadLength));
        assert_eq!(
            parse(&[0x07, 0x03, 0x41]),
            Err(TlvError::Truncated { needed: 3, left: 1 })
        );
        let mut deep = vec![0x07, 0x00];
        for _ in 0..=MAX_DEPTH + 1 {
            let mut outer = Vec::new();
            push(&mut outer, 0x25, &deep);
            deep = outer;
        }
        assert_eq!(text_lines(&deep), Err(TlvError::TooDeep));
    }

    #[test]
    fn pushed_elements_parse_back() {
        let mut out = Vec::new();
        push(&mut out, 0x1F07, &[0x02]);
        push(&mut out, TEXT_LINE, &[0x41; 200]);
        let top = parse(&out).unwrap();
        assert_eq!(top[0].tag, 0x1F07);
        assert_eq!(top[1].value.len(), 200);
    }
}

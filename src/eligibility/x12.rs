//! The X12 interchange as bytes: delimiters from the ISA segment, segments and elements.

/// Why bytes are not an X12 interchange we can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum X12Error {
    #[error("not an X12 interchange: it must start with a 106-character ISA segment")]
    NoIsa,
    #[error("the ISA segment's delimiters are not distinct punctuation or control characters")]
    BadDelimiters,
    #[error("the interchange is not ASCII text")]
    NotText,
    #[error("the ISA segment has {0} elements, not 16")]
    IsaElements(usize),
    #[error("the interchange is longer than {max} bytes")]
    TooLong { max: usize },
}

/// The interchange is refused beyond this size (a 271 for one subscriber is a few KB).
pub const MAX_INTERCHANGE: usize = 1 << 20;

/// The separators of one interchange, as its ISA segment declares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    pub element: char,
    pub component: char,
    /// ISA11 (00501): the repetition separator, `None` if it is a letter or digit (the
    /// older "U" standards identifier) or the same as another delimiter.
    pub repetition: Option<char>,
    pub segment: char,
}

impl Delimiters {
    /// The delimiters frontdesk writes: `*`, `:`, `^`, `~`.
    pub const STANDARD: Delimiters = Delimiters {
        element: '*',
        component: ':',
        repetition: Some('^'),
        segment: '~',
    };
}

/// One segment: its id and its elements (element 1 is `elements[1]`; `elements[0]` is the id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    pub elements: Vec<&'a str>,
}

impl<'a> Segment<'a> {
    pub fn id(&self) -> &'a str {
        self.elements[0]
    }

    /// Element `n` (1-based, as the guide numbers them), empty when absent.
    pub fn el(&self, n: usize) -> &'a str {
        self.elements.get(n).copied().unwrap_or("")
    }
}

fn is_delimiter_char(c: u8) -> bool {
    // Printable punctuation or a control character such as LF; never a letter, digit or space.
    (c.is_ascii_punctuation() || c.is_ascii_control()) && c != 0
}

/// Splits an interchange into its segments, with the delimiters its ISA segment declares
/// (element separator at byte 3, repetition separator in ISA11, component separator at
/// byte 104, segment terminator at byte 105). Line breaks after segment terminators are
/// ignored.
pub fn split_interchange(bytes: &[u8]) -> Result<(Delimiters, Vec<Segment<'_>>), X12Error> {
    if bytes.len() > MAX_INTERCHANGE {
        return Err(X12Error::TooLong {
            max: MAX_INTERCHANGE,
        });
    }
    // A byte order mark or leading whitespace is tolerated before ISA.
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let bytes = bytes[start..]
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&bytes[start..]);
    if bytes.len() < 106 || !bytes.starts_with(b"ISA") {
        return Err(X12Error::NoIsa);
    }
    if !bytes.is_ascii() {
        return Err(X12Error::NotText);
    }
    let (element, component, segment) = (bytes[3], bytes[104], bytes[105]);
    if !is_delimiter_char(element)
        || !is_delimiter_char(component)
        || !is_delimiter_char(segment)
        || element == component
        || element == segment
        || component == segment
    {
        return Err(X12Error::BadDelimiters);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| X12Error::NotText)?;
    let isa: Vec<&str> = text[..105].split(element as char).collect();
    if isa.len() != 17 {
        return Err(X12Error::IsaElements(isa.len().saturating_sub(1)));
    }
    let rep = isa[11].as_bytes();
    let repetition = match rep {
        [r] if is_delimiter_char(*r) && ![element, component, segment].contains(r) => {
            Some(*r as char)
        }
        _ => None,
    };
    let delimiters = Delimiters {
        element: element as char,
        component: component as char,
        repetition,
        segment: segment as char,
    };
    let segments = text
        .split(delimiters.segment)
        .map(|s| s.trim_matches(|c: char| c == '\r' || c == '\n'))
        .filter(|s| !s.is_empty())
        .map(|s| Segment {
            elements: s.split(delimiters.element).collect(),
        })
        .collect();
    Ok((delimiters, segments))
}

/// Writes segments with the standard delimiters, counting them for SE01.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) out: String,
    /// Segments written since the last `ST`, including it.
    pub(crate) in_transaction: usize,
}

impl Writer {
    pub(crate) fn segment(&mut self, elements: &[&str]) {
        // Trailing empty elements are left out, as the standard asks.
        let used = elements
            .iter()
            .rposition(|e| !e.is_empty())
            .map_or(0, |i| i + 1);
        let d = Delimiters::STANDARD;
        for (i, e) in elements[..used].iter().enumerate() {
            if i > 0 {
                self.out.push(d.element);
            }
            self.out.push_str(e);
        }
        self.out.push(d.segment);
        self.out.push('\n');
        if elements[0] == "ST" {
            self.in_transaction = 0;
        }
        self.in_transaction += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_short_or_garbled_isa() {
        assert_eq!(split_interchange(b"").unwrap_err(), X12Error::NoIsa);
        assert_eq!(split_interchange(b"GS*HS~").unwrap_err(), X12Error::NoIsa);
        let mut isa = [b'A'; 106];
        isa[..3].copy_from_slice(b"ISA");
        assert_eq!(
            split_interchange(&isa).unwrap_err(),
            X12Error::BadDelimiters
        );
    }
}

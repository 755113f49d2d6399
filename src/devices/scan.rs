//! What one scan is: a check-in code, a driver's licence, a SMART Health Card or something
//! else. Classification only recognises the kind from the first bytes; parsing the fields
//! is the job of the parser for that kind.
//!
//! A scan may be a patient's licence or health record, so [`Scan`]'s `Debug` shows its kind
//! and length, never its text.

use std::fmt;

/// One complete scan, classified by what it looks like.
#[derive(Clone, PartialEq, Eq)]
pub enum Scan {
    /// A frontdesk check-in code: text starting "FD" + one or more digits + ":" (any
    /// version; the token parser decides).
    CheckInCode(String),
    /// A driver's licence or ID card (AAMVA PDF417: starts with '@' then LF, RS, CR, then
    /// "ANSI " or "AAMVA").
    DriversLicence(String),
    /// A SMART Health Card QR ("shc:/" numeric payload).
    SmartHealthCard(String),
    /// Anything else (another barcode, an insurance card's, noise that got through).
    Other(String),
}

/// The kind of a [`Scan`], without its content: safe to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScanKind {
    CheckInCode,
    DriversLicence,
    SmartHealthCard,
    Other,
}

impl fmt::Display for ScanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::CheckInCode => "check-in code",
            Self::DriversLicence => "driver's licence",
            Self::SmartHealthCard => "SMART Health Card",
            Self::Other => "other barcode",
        })
    }
}

impl Scan {
    /// Recognises what `text` is.
    ///
    /// Leading ASCII whitespace is dropped: no kind starts with it, and it is what is left
    /// of a scanner suffix the kiosk is not configured for. Trailing whitespace is dropped
    /// too, except from a licence, whose final CR is its own segment terminator.
    pub fn classify(text: String) -> Scan {
        let start = text.len() - text.trim_start_matches(is_blank).len();
        if is_licence(&text.as_bytes()[start..]) {
            return Scan::DriversLicence(without_prefix(text, start));
        }
        let trimmed = text.trim_matches(is_blank);
        if is_check_in_code(trimmed) {
            Scan::CheckInCode(trimmed.to_owned())
        } else if is_smart_health_card(trimmed) {
            Scan::SmartHealthCard(trimmed.to_owned())
        } else if trimmed.len() == text.len() {
            Scan::Other(text)
        } else {
            Scan::Other(trimmed.to_owned())
        }
    }

    pub fn kind(&self) -> ScanKind {
        match self {
            Scan::CheckInCode(_) => ScanKind::CheckInCode,
            Scan::DriversLicence(_) => ScanKind::DriversLicence,
            Scan::SmartHealthCard(_) => ScanKind::SmartHealthCard,
            Scan::Other(_) => ScanKind::Other,
        }
    }

    /// Length of the text in bytes: what logs may say about a scan.
    pub fn len(&self) -> usize {
        self.text().len()
    }

    pub fn is_empty(&self) -> bool {
        self.text().is_empty()
    }

    /// The scanned text, control bytes included.
    pub fn text(&self) -> &str {
        match self {
            Scan::CheckInCode(text)
            | Scan::DriversLicence(text)
            | Scan::SmartHealthCard(text)
            | Scan::Other(text) => text,
        }
    }

    pub fn into_text(self) -> String {
        match self {
            Scan::CheckInCode(text)
            | Scan::DriversLicence(text)
            | Scan::SmartHealthCard(text)
            | Scan::Other(text) => text,
        }
    }
}

impl fmt::Debug for Scan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let variant = match self {
            Scan::CheckInCode(_) => "Scan::CheckInCode",
            Scan::DriversLicence(_) => "Scan::DriversLicence",
            Scan::SmartHealthCard(_) => "Scan::SmartHealthCard",
            Scan::Other(_) => "Scan::Other",
        };
        f.debug_struct(variant).field("len", &self.len()).finish()
    }
}

fn is_blank(c: char) -> bool {
    c.is_ascii_whitespace()
}

fn without_prefix(mut text: String, start: usize) -> String {
    text.drain(..start);
    text
}

/// "FD" + digits + ":" (the version is the token parser's business).
fn is_check_in_code(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("FD") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest.as_bytes().get(digits) == Some(&b':')
}

/// "shc:/" then digits, with "/" between chunk numbers in a multi-part code. Scanners that
/// upper-case byte-mode QR text send "SHC:/", so the prefix is matched without case.
fn is_smart_health_card(text: &str) -> bool {
    let Some(prefix) = text.get(..5) else {
        return false;
    };
    let payload = &text[5..];
    prefix.eq_ignore_ascii_case("shc:/")
        && payload.bytes().any(|b| b.is_ascii_digit())
        && payload.bytes().all(|b| b.is_ascii_digit() || b == b'/')
}

// AAMVA DL/ID card design standard, annex D, file header:
//   '@' compliance indicator, LF data element separator, RS record separator,
//   CR segment terminator, file type "ANSI " (2003 on) or "AAMVA" (2000),
//   then the issuer identification number (IIN, 6 digits), versions, entry count.
// Hand-written rather than the `aamva` crate: that crate rejects headers whose control
// characters a scanner dropped or altered, which real scanners do, and pulls in image
// decoding we do not need to recognise the kind.

const COMPLIANCE: u8 = b'@';
const HEADER_SEPARATORS: &[u8] = b"\n\x1e\r";
/// At most this many bytes between '@' and the file type (the standard has three).
const MAX_HEADER_GAP: usize = 4;

/// A licence: '@' + exactly LF RS CR (whatever the file type says), or '@' + up to four
/// control or space bytes + "ANSI"/"AAMVA" + a six-digit IIN.
fn is_licence(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(&[COMPLIANCE]) else {
        return false;
    };
    if rest.starts_with(HEADER_SEPARATORS) {
        return true;
    }
    let gap = header_gap(rest);
    gap <= MAX_HEADER_GAP && file_type_then_iin(&rest[gap..])
}

/// Whether `bytes` may be the beginning of a licence: '@' followed so far only by a few
/// header control bytes, or by a header with its file type. The framer asks this before
/// treating a CR or LF as the end of a scan, since a licence is full of both.
pub(crate) fn may_be_licence(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(&[COMPLIANCE]) else {
        return false;
    };
    if rest.starts_with(HEADER_SEPARATORS) {
        return true;
    }
    let gap = header_gap(rest);
    gap <= MAX_HEADER_GAP && (gap == rest.len() || starts_with_file_type(&rest[gap..]))
}

fn header_gap(rest: &[u8]) -> usize {
    rest.iter()
        .take_while(|b| b.is_ascii_control() || **b == b' ')
        .count()
}

fn starts_with_file_type(bytes: &[u8]) -> bool {
    bytes.starts_with(b"ANSI") || bytes.starts_with(b"AAMVA")
}

fn file_type_then_iin(bytes: &[u8]) -> bool {
    let after = if let Some(after) = bytes.strip_prefix(b"ANSI") {
        after
    } else if let Some(after) = bytes.strip_prefix(b"AAMVA") {
        after
    } else {
        return false;
    };
    let after = after.strip_prefix(b" ").unwrap_or(after);
    after.len() >= 6 && after[..6].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Synthetic, obviously fake licence: "TESTPATIENT, ADA", IIN 636000 (the sample IIN).
    const LICENCE: &str = "@\n\x1e\rANSI 636000100002DL00410090ZV01310008DLDAQT0000001\n\
                           DCSTESTPATIENT\nDACADA\nDBB01011950\nDBA01012099\rZVZVA01\r";

    fn kind(text: &str) -> ScanKind {
        Scan::classify(text.to_owned()).kind()
    }

    #[test]
    fn check_in_codes_of_any_version() {
        assert_eq!(kind("FD1:ABCDEFGH"), ScanKind::CheckInCode);
        assert_eq!(kind("FD2:X"), ScanKind::CheckInCode);
        assert_eq!(kind("FD12:"), ScanKind::CheckInCode);
        let scan = Scan::classify("\nFD1:ABC\r".to_owned());
        assert_eq!(scan, Scan::CheckInCode("FD1:ABC".into()));
    }

    #[test]
    fn check_in_lookalikes_are_other() {
        for text in [
            "FD:ABC", "FDX1:ABC", "fd1:ABC", "FD1", "FD1-ABC", " F D1:", "XFD1:A",
        ] {
            assert_eq!(kind(text), ScanKind::Other, "{text:?}");
        }
    }

    #[test]
    fn licences_with_the_standard_header() {
        let scan = Scan::classify(LICENCE.to_owned());
        assert_eq!(scan.kind(), ScanKind::DriversLicence);
        assert_eq!(scan.text(), LICENCE, "bytes kept, final CR included");
        assert_eq!(kind("@\n\x1e\rAAMVA6360000101DL"), ScanKind::DriversLicence);
        // The separators are right but a jurisdiction botched the file type.
        assert_eq!(kind("@\n\x1e\rANSl 63600"), ScanKind::DriversLicence);
    }

    #[test]
    fn licences_whose_scanner_dropped_or_altered_the_header_controls() {
        assert_eq!(kind("@ANSI 636000100002DL"), ScanKind::DriversLicence);
        assert_eq!(kind("@\n\rANSI 636000100002DL"), ScanKind::DriversLicence);
        assert_eq!(
            kind("@\r\n\x1e\rANSI 636000100002"),
            ScanKind::DriversLicence
        );
        assert_eq!(
            kind("@\x1d\x1e\rANSI636000100002"),
            ScanKind::DriversLicence
        );
        assert_eq!(kind("@AAMVA636000"), ScanKind::DriversLicence);
        assert_eq!(kind("\n@\n\x1e\rANSI 636000"), ScanKind::DriversLicence);
    }

    #[test]
    fn licence_lookalikes_are_other() {
        for text in [
            "@",
            "@ANSI",
            "@ANSI 63600",
            "@ANSI ABCDEF",
            "@\n\x1eANSI",
            "@hello",
            "@      ANSI 636000",
            "ANSI 636000100002DL",
            "x@\n\x1e\rANSI 636000",
            "@\n\x1e",
        ] {
            assert_eq!(kind(text), ScanKind::Other, "{text:?}");
        }
    }

    #[test]
    fn smart_health_cards() {
        assert_eq!(
            kind("shc:/5676290952432060346029243740"),
            ScanKind::SmartHealthCard
        );
        assert_eq!(kind("SHC:/5676290952"), ScanKind::SmartHealthCard);
        assert_eq!(kind("shc:/1/2/567629095243"), ScanKind::SmartHealthCard);
        for text in [
            "shc:/",
            "shc:/abc",
            "shc:/12a",
            "shc:12",
            "https://shc:/12",
            "shc://",
        ] {
            assert_eq!(kind(text), ScanKind::Other, "{text:?}");
        }
    }

    #[test]
    fn anything_else_is_other_and_keeps_its_inner_bytes() {
        let scan = Scan::classify("[)>\x1e06\x1dTESTPLAN\x1e\x04".to_owned());
        assert_eq!(scan.kind(), ScanKind::Other);
        assert_eq!(scan.text(), "[)>\x1e06\x1dTESTPLAN\x1e\x04");
        assert_eq!(
            Scan::classify(" 123 \r".to_owned()),
            Scan::Other("123".into())
        );
        assert_eq!(Scan::classify("Peña".to_owned()).len(), 5);
    }

    #[test]
    fn debug_shows_kind_and_length_never_content() {
        let scan = Scan::classify(LICENCE.to_owned());
        let shown = format!("{scan:?}");
        assert_eq!(
            shown,
            format!("Scan::DriversLicence {{ len: {} }}", LICENCE.len())
        );
        for scan in [
            scan,
            Scan::classify("FD1:SECRETCODE".into()),
            Scan::classify("shc:/5676290952".into()),
            Scan::classify("TESTPATIENT".into()),
        ] {
            let shown = format!("{scan:?} {scan:#?} {}", scan.kind());
            for secret in ["TESTPATIENT", "SECRET", "5676", "ADA"] {
                assert!(!shown.contains(secret), "{shown}");
            }
        }
    }

    #[test]
    fn kinds_display_in_words() {
        assert_eq!(ScanKind::CheckInCode.to_string(), "check-in code");
        assert_eq!(ScanKind::DriversLicence.to_string(), "driver's licence");
        assert_eq!(ScanKind::SmartHealthCard.to_string(), "SMART Health Card");
        assert_eq!(ScanKind::Other.to_string(), "other barcode");
    }

    #[test]
    fn may_be_licence_while_the_header_is_arriving() {
        assert!(may_be_licence(b"@"));
        assert!(may_be_licence(b"@\n"));
        assert!(may_be_licence(b"@\n\x1e"));
        assert!(may_be_licence(b"@\n\x1e\rXNSI garbled"));
        assert!(may_be_licence(
            b"@ANSI 636000100002DL00410090ZV01310008DLDAQT0000001"
        ));
        assert!(!may_be_licence(b"FD1:ABC"));
        assert!(!may_be_licence(b"@home"));
        assert!(!may_be_licence(b""));
    }
}

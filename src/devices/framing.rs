//! Cuts a scanner's byte stream into scans: at the configured terminator (the scanner's
//! suffix) or at a quiet gap, keeping the control bytes inside a scan (a licence carries
//! LF, RS and CR; GS1 and ISO 15434 codes carry GS, RS and EOT).
//!
//! Pure and free of I/O, so it is fuzzed on its own; the serial driver feeds it bytes and
//! tells it when the line went quiet. Errors carry lengths only: a scan may be PHI.

use serde::Deserialize;
use std::fmt;
use std::time::Duration;

/// Longest scan accepted: a PDF417 driver's licence is about 700 bytes, a SMART Health
/// Card QR about 1,200; anything past this is noise.
pub const MAX_SCAN: usize = 4096;

/// Silence that ends a scan. At 9600 baud a byte takes about 1 ms and a scanner sends a
/// decoded code as one burst, but a USB-serial adapter delivers in packets up to 16 ms apart
/// (FTDI's default latency timer) and some scanners pause between blocks; 100 ms is six
/// times that, yet far below the second or more between two people's scans. It is also
/// what a gap-ended scan (a licence, or a scanner with no suffix) adds to the response.
pub const DEFAULT_GAP: Duration = Duration::from_millis(100);
/// Shorter gaps risk splitting a scan at a USB packet boundary.
pub const MIN_GAP: Duration = Duration::from_millis(50);
/// Longer gaps make a licence feel unanswered.
pub const MAX_GAP: Duration = Duration::from_millis(2000);

const CR: u8 = b'\r';
const LF: u8 = b'\n';
const TAB: u8 = b'\t';

/// The suffix the scanner is configured to send after each scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Terminator {
    /// Carriage return: most scanners' "Enter" suffix.
    #[default]
    Cr,
    Lf,
    /// CR then LF; a lone CR inside a scan stays in it.
    CrLf,
    Tab,
}

impl Terminator {
    /// The bytes the scanner sends.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Self::Cr => b"\r",
            Self::Lf => b"\n",
            Self::CrLf => b"\r\n",
            Self::Tab => b"\t",
        }
    }
}

/// Why a received scan was dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("scan of {len} bytes is longer than {MAX_SCAN}")]
    Overlong { len: usize },
    #[error("scan of {len} bytes holds {count} binary bytes")]
    Binary { len: usize, count: usize },
    #[error("scan of {len} bytes is not UTF-8")]
    NotUtf8 { len: usize },
}

/// Splits a byte stream into scans. Feed it with [`Self::push`]; call
/// [`Self::end_of_gap`] when the line has been quiet for the configured gap.
pub struct ScanFramer {
    terminator: Terminator,
    /// The scan so far, at most [`MAX_SCAN`] bytes of it.
    scan: Vec<u8>,
    /// Bytes received for this scan, kept past [`MAX_SCAN`] to report an overlong one.
    received: usize,
    /// The byte received last in this scan, stored or not.
    last: Option<u8>,
    /// This scan looks like a licence: its CR and LF are data, not the end.
    licence: bool,
    /// The last scan ended at a CR terminator: an LF right after it is the rest of a
    /// CR LF suffix, not the start of the next scan.
    after_cr: bool,
}

impl fmt::Debug for ScanFramer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanFramer")
            .field("terminator", &self.terminator)
            .field("pending", &self.received)
            .finish_non_exhaustive()
    }
}

impl ScanFramer {
    pub fn new(terminator: Terminator) -> Self {
        Self {
            terminator,
            scan: Vec::new(),
            received: 0,
            last: None,
            licence: false,
            after_cr: false,
        }
    }

    /// Feeds received bytes; returns each scan they complete, or why it was dropped.
    /// Blank scans (whitespace only, such as the halves of a mismatched suffix) are
    /// dropped without a word.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<String, FrameError>> {
        let mut scans = Vec::new();
        for &byte in bytes {
            if std::mem::take(&mut self.after_cr) && byte == LF && self.received == 0 {
                continue;
            }
            let ends = match self.terminator {
                Terminator::Cr => byte == CR && !self.is_licence(),
                Terminator::Lf => byte == LF && !self.is_licence(),
                Terminator::Tab => byte == TAB,
                Terminator::CrLf => byte == LF && self.last == Some(CR),
            };
            if !ends {
                self.last = Some(byte);
                self.received = self.received.saturating_add(1);
                if self.scan.len() < MAX_SCAN {
                    self.scan.push(byte);
                }
                continue;
            }
            if self.terminator == Terminator::CrLf && self.received <= MAX_SCAN {
                self.scan.pop();
                self.received -= 1;
            }
            self.after_cr = self.terminator == Terminator::Cr;
            scans.extend(self.finish());
        }
        scans
    }

    /// Bytes of a scan waiting for its end.
    pub fn pending(&self) -> usize {
        self.received
    }

    /// The line went quiet: whatever is pending is a complete scan (scanners without a
    /// suffix end scans only by silence, and a licence always ends this way).
    pub fn end_of_gap(&mut self) -> Option<Result<String, FrameError>> {
        self.after_cr = false;
        if self.licence && self.received <= MAX_SCAN {
            self.trim_licence_suffix();
        }
        self.finish()
    }

    /// Drops a pending scan (the port failed); returns its length.
    pub fn reset(&mut self) -> usize {
        let len = self.received;
        self.clear();
        self.after_cr = false;
        len
    }

    /// Decided at the first CR or LF of a scan and kept to its end, so a header the
    /// scanner mangled cannot flip the decision half-way through.
    fn is_licence(&mut self) -> bool {
        if !self.licence {
            self.licence = super::scan::may_be_licence(&self.scan);
        }
        self.licence
    }

    /// A licence ends with its own CR (segment terminator); a CR or LF suffix after it
    /// is the scanner's. The run of CR/LF at the end collapses to that one CR.
    fn trim_licence_suffix(&mut self) {
        let body = self
            .scan
            .iter()
            .rposition(|&b| b != CR && b != LF)
            .map_or(0, |last| last + 1);
        if self.scan[body..].contains(&CR) {
            self.scan.truncate(body);
            self.scan.push(CR);
            self.received = self.scan.len();
        }
    }

    fn clear(&mut self) {
        self.scan.clear();
        self.received = 0;
        self.last = None;
        self.licence = false;
    }

    fn finish(&mut self) -> Option<Result<String, FrameError>> {
        let len = self.received;
        let bytes = std::mem::take(&mut self.scan);
        self.clear();
        if len > MAX_SCAN {
            return Some(Err(FrameError::Overlong { len }));
        }
        let count = bytes.iter().filter(|&&b| is_binary(b)).count();
        if count > 0 {
            return Some(Err(FrameError::Binary { len, count }));
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return None;
        }
        Some(String::from_utf8(bytes).map_err(|_| FrameError::NotUtf8 { len }))
    }
}

/// Control bytes no barcode carries: everything below space except the separators that
/// real symbologies use (HT, LF, VT, FF, CR; EOT, FS, GS, RS, US), and DEL.
fn is_binary(byte: u8) -> bool {
    match byte {
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x04 | 0x1c..=0x1f => false,
        0x00..=0x1f | 0x7f => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Result<String, FrameError> {
        Ok(text.to_owned())
    }

    const LICENCE: &[u8] =
        b"@\n\x1e\rANSI 636000100002DL00310050DLDAQT0000001\nDCSTESTPATIENT\nDACADA\r";

    #[test]
    fn cr_ends_a_scan_and_swallows_the_lf_of_a_cr_lf_suffix() {
        let mut framer = ScanFramer::new(Terminator::Cr);
        assert_eq!(
            framer.push(b"one\r\ntwo\rthree\r"),
            vec![ok("one"), ok("two"), ok("three")]
        );
        // An LF that is not right after the terminator stays in the scan.
        assert_eq!(framer.push(b"a\nb\r"), vec![ok("a\nb")]);
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn lf_and_tab_terminators() {
        let mut framer = ScanFramer::new(Terminator::Lf);
        assert_eq!(framer.push(b"a\rb\nc\n"), vec![ok("a\rb"), ok("c")]);
        let mut framer = ScanFramer::new(Terminator::Tab);
        assert_eq!(framer.push(b"a\r\nb\tc\t"), vec![ok("a\r\nb"), ok("c")]);
    }

    #[test]
    fn cr_lf_ends_a_scan_and_a_lone_cr_stays() {
        let mut framer = ScanFramer::new(Terminator::CrLf);
        assert_eq!(
            framer.push(b"a\rb\nc\r\nd\r\r\n"),
            vec![ok("a\rb\nc"), ok("d\r")]
        );
        // The pair may be split across reads.
        assert!(framer.push(b"e\r").is_empty());
        assert_eq!(framer.push(b"\n"), vec![ok("e")]);
    }

    #[test]
    fn a_scan_may_arrive_in_pieces_and_the_gap_ends_it() {
        let mut framer = ScanFramer::new(Terminator::Cr);
        assert!(framer.push(b"FD1:AB").is_empty());
        assert_eq!(framer.pending(), 6);
        assert!(framer.push(b"CD").is_empty());
        assert_eq!(framer.end_of_gap(), Some(ok("FD1:ABCD")));
        assert_eq!(framer.end_of_gap(), None);
    }

    #[test]
    fn a_licence_is_one_scan_whatever_the_terminator() {
        for (terminator, suffix) in [
            (Terminator::Cr, &b"\r"[..]),
            (Terminator::Cr, b"\r\n"),
            (Terminator::Cr, b""),
            (Terminator::Lf, b"\n"),
            (Terminator::Lf, b"\r\n"),
        ] {
            let mut framer = ScanFramer::new(terminator);
            assert!(framer.push(&[LICENCE, suffix].concat()).is_empty());
            let text = String::from_utf8(LICENCE.to_vec()).unwrap();
            assert_eq!(
                framer.end_of_gap(),
                Some(Ok(text)),
                "{terminator:?} {suffix:?}"
            );
        }
        for terminator in [Terminator::Tab, Terminator::CrLf] {
            let mut framer = ScanFramer::new(terminator);
            let scans = framer.push(&[LICENCE, terminator.bytes()].concat());
            let text = String::from_utf8(LICENCE.to_vec()).unwrap();
            assert_eq!(scans, vec![Ok(text)], "{terminator:?}");
        }
    }

    #[test]
    fn blank_scans_are_dropped_silently() {
        let mut framer = ScanFramer::new(Terminator::Cr);
        assert!(framer.push(b"\r \r\t\r").is_empty());
        assert!(framer.push(b"\n").is_empty());
        assert_eq!(framer.end_of_gap(), None);
    }

    #[test]
    fn keeps_separators_and_drops_binary_noise_and_bad_utf8() {
        let mut framer = ScanFramer::new(Terminator::Cr);
        assert_eq!(
            framer.push(b"[)>\x1e06\x1dX\x1c\x1f\x04\r"),
            vec![ok("[)>\x1e06\x1dX\x1c\x1f\x04")]
        );
        assert_eq!(
            framer.push(b"a\x00b\x07\x7f\r"),
            vec![Err(FrameError::Binary { len: 5, count: 3 })]
        );
        assert_eq!(
            framer.push(b"\xff\xfe\r"),
            vec![Err(FrameError::NotUtf8 { len: 2 })]
        );
        assert_eq!(framer.push("Peña\r".as_bytes()), vec![ok("Peña")]);
    }

    #[test]
    fn drops_overlong_scans_and_recovers() {
        let mut framer = ScanFramer::new(Terminator::Cr);
        let long = vec![b'A'; MAX_SCAN + 10];
        assert!(framer.push(&long).is_empty());
        assert_eq!(
            framer.push(b"\rok\r"),
            vec![Err(FrameError::Overlong { len: MAX_SCAN + 10 }), ok("ok")]
        );
        let exact = vec![b'B'; MAX_SCAN];
        let scans = framer.push(&[exact.as_slice(), b"\r"].concat());
        assert_eq!(scans.len(), 1);
        assert!(scans[0].is_ok());
        // An overlong scan ended by silence is dropped too.
        framer.push(&long);
        assert_eq!(
            framer.end_of_gap(),
            Some(Err(FrameError::Overlong { len: MAX_SCAN + 10 }))
        );
        let mut framer = ScanFramer::new(Terminator::CrLf);
        framer.push(&long);
        assert_eq!(
            framer.push(b"\r\n"),
            vec![Err(FrameError::Overlong { len: MAX_SCAN + 11 })]
        );
    }

    #[test]
    fn reset_drops_a_pending_scan() {
        let mut framer = ScanFramer::new(Terminator::Cr);
        framer.push(b"@\n\x1e\rANSI");
        assert_eq!(framer.reset(), 8);
        assert_eq!(framer.push(b"x\r"), vec![ok("x")]);
    }

    #[test]
    fn errors_and_debug_say_lengths_only() {
        let mut framer = ScanFramer::new(Terminator::Cr);
        framer.push(b"TESTPATIENT");
        assert!(!format!("{framer:?}").contains("TESTPATIENT"));
        let error = FrameError::Binary { len: 9, count: 1 };
        assert_eq!(error.to_string(), "scan of 9 bytes holds 1 binary bytes");
    }
}

//! The patient's co-pay receipt, in the patient's language, and its layout in ESC/POS
//! bytes.
//!
//! PHI-minimal by construction: the patient appears as initials only, the card as the
//! masked number the terminal printed; nothing else about the patient is on paper. Our own
//! text (labels, the practice's name) is encoded in code page PC850 ([`super::pc850`]),
//! which has the Spanish letters; the terminal's text is reduced to printable ASCII. Either
//! way no byte from the terminal or the office can become a printer command.

use super::{escpos, pc850};
use crate::domain::Cents;
pub use crate::domain::Language;
pub use crate::domain::{AuthCode, MaskedCard};
use jiff::civil::DateTime;

/// Why a receipt or its layout was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error(
        "receipt width must be {} to {} characters",
        Columns::MIN,
        Columns::MAX
    )]
    Columns,
    #[error("initials must be 1 to 4 letters, with dots, spaces or hyphens between")]
    Initials,
    #[error(
        "check-in reference must be 1 to {} printable ASCII characters",
        Reference::MAX
    )]
    Reference,
    #[error("QR code cannot hold the reference")]
    Qr,
}

/// Characters per line in the printer's normal font.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns(u8);

impl Columns {
    const MIN: u8 = 24;
    const MAX: u8 = 64;
    /// 58 mm paper.
    pub const NARROW: Columns = Columns(32);
    /// 80 mm paper, font A on 512-dot heads.
    pub const WIDE_42: Columns = Columns(42);
    /// 80 mm paper, font A on 576-dot heads.
    pub const WIDE_48: Columns = Columns(48);

    pub fn new(columns: u8) -> Result<Self, ReceiptError> {
        (Self::MIN..=Self::MAX)
            .contains(&columns)
            .then_some(Self(columns))
            .ok_or(ReceiptError::Columns)
    }

    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

/// The patient's initials, such as `A. T.`: never a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initials(String);

impl Initials {
    pub fn new(text: &str) -> Result<Self, ReceiptError> {
        let text = text.trim();
        let letters = text.chars().filter(char::is_ascii_alphabetic).count();
        let allowed = text
            .chars()
            .all(|c| c.is_ascii_alphabetic() || matches!(c, '.' | ' ' | '-'));
        // Two letters in a row would be the start of a name.
        let spaced = !text
            .as_bytes()
            .windows(2)
            .any(|w| w[0].is_ascii_alphabetic() && w[1].is_ascii_alphabetic());
        if !(1..=4).contains(&letters) || !allowed || !spaced || text.len() > 12 {
            return Err(ReceiptError::Initials);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check-in reference printed as a QR code (and as text beneath it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference(String);

impl Reference {
    const MAX: usize = 256;

    pub fn new(text: &str) -> Result<Self, ReceiptError> {
        if !(1..=Self::MAX).contains(&text.len())
            || !text.bytes().all(|b| (0x21..=0x7e).contains(&b))
        {
            return Err(ReceiptError::Reference);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How the printer draws the QR code (`qr = "native"` or `"bitmap"` in kiosk.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QrMode {
    /// The printer's own `GS ( k` QR command (most printers since about 2010).
    #[default]
    Native,
    /// A raster image drawn here, for printers without the QR command.
    Bitmap,
}

/// The printer's line width and QR capability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub columns: Columns,
    pub qr: QrMode,
}

impl Default for Layout {
    fn default() -> Self {
        Self {
            columns: Columns::NARROW,
            qr: QrMode::default(),
        }
    }
}

/// A text of our own on the receipt; each has its words in every [`Language`] (the match
/// in [`Label::text`] will not compile without them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Patient,
    Card,
    AuthCode,
    Paid,
    /// The line under the QR code.
    Thanks,
}

impl Label {
    pub const ALL: [Label; 5] = [
        Label::Patient,
        Label::Card,
        Label::AuthCode,
        Label::Paid,
        Label::Thanks,
    ];

    pub fn text(self, language: Language) -> &'static str {
        match (self, language) {
            (Label::Patient, Language::English) => "Patient",
            (Label::Patient, Language::Spanish) => "Paciente",
            (Label::Card, Language::English) => "Card",
            (Label::Card, Language::Spanish) => "Tarjeta",
            (Label::AuthCode, Language::English) => "Auth code",
            (Label::AuthCode, Language::Spanish) => "Código de autorización",
            (Label::Paid, Language::English) => "Paid",
            (Label::Paid, Language::Spanish) => "Pagado",
            (Label::Thanks, Language::English) => "Thank you!",
            (Label::Thanks, Language::Spanish) => "¡Gracias!",
        }
    }
}

/// When the payment was made, as the patient reads dates: English "11/25/2026 9:41 AM",
/// Spanish "25/11/2026 9:41" (day first, a 24-hour clock).
pub fn paid_at_text(at: DateTime, language: Language) -> String {
    let (year, month, day) = (at.year(), at.month(), at.day());
    let time = crate::kiosk::wording::clock_time(at.time(), language);
    match language {
        Language::English => format!("{month:02}/{day:02}/{year} {time}"),
        Language::Spanish => format!("{day:02}/{month:02}/{year} {time}"),
    }
}

/// A co-pay receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The patient's language at the kiosk: labels and the date read in it.
    pub language: Language,
    pub practice: String,
    /// Local time of the payment, as the patient reads it.
    pub paid_at: DateTime,
    /// `None` when the kiosk had no name to take them from (the line is left out).
    pub initials: Option<Initials>,
    pub amount: Cents,
    pub card: MaskedCard,
    pub auth_code: AuthCode,
    /// The terminal's own receipt lines (06 D1 / 06 D3), printed as they came.
    pub terminal_lines: Vec<String>,
    pub reference: Reference,
}

/// QR module size in dots: about 4 mm wide for a short reference.
const QR_MODULE: u8 = 6;
/// Modules of white around a QR code that the standard asks for.
const QR_QUIET: usize = 4;
/// Dots per character in font A: the head width is `columns × 12`.
const DOTS_PER_COLUMN: usize = 12;

impl Receipt {
    /// The receipt as printer bytes: reset, header, lines, QR code, feed and cut.
    pub fn to_escpos(&self, layout: Layout) -> Result<Vec<u8>, ReceiptError> {
        let width = layout.columns.get();
        let words = |label: Label| label.text(self.language);
        let mut out = escpos::INIT.to_vec();
        out.extend_from_slice(&escpos::code_page(pc850::TABLE));
        out.extend_from_slice(&escpos::justify(1));
        out.extend_from_slice(&escpos::bold(true));
        out.extend_from_slice(&escpos::size(true, true));
        lines(&mut out, &wrap(&self.practice, width / 2));
        out.extend_from_slice(&escpos::size(false, false));
        out.extend_from_slice(&escpos::bold(false));
        let when = paid_at_text(self.paid_at, self.language);
        lines(&mut out, &[when, String::new()]);
        out.extend_from_slice(&escpos::justify(0));
        if let Some(initials) = &self.initials {
            lines(
                &mut out,
                &two_columns(words(Label::Patient), initials.as_str(), width),
            );
        }
        lines(
            &mut out,
            &two_columns(words(Label::Card), self.card.as_str(), width),
        );
        lines(
            &mut out,
            &two_columns(words(Label::AuthCode), self.auth_code.as_str(), width),
        );
        out.extend_from_slice(&escpos::bold(true));
        out.extend_from_slice(&escpos::size(false, true));
        lines(
            &mut out,
            &two_columns(words(Label::Paid), &self.amount.to_string(), width),
        );
        out.extend_from_slice(&escpos::size(false, false));
        out.extend_from_slice(&escpos::bold(false));
        let rule = "=".repeat(width);
        lines(&mut out, std::slice::from_ref(&rule));
        for line in &self.terminal_lines {
            // The terminal's text stays ASCII: it is not ours to encode.
            lines(&mut out, &wrap(&printable(line), width));
        }
        lines(&mut out, &[rule]);
        out.extend_from_slice(&escpos::justify(1));
        let reference = self.reference.as_str();
        match layout.qr {
            QrMode::Native => out.extend(escpos::qr_native(reference.as_bytes(), QR_MODULE)),
            QrMode::Bitmap => out.extend(qr_raster(reference, width * DOTS_PER_COLUMN)?),
        }
        lines(&mut out, &wrap(reference, width));
        lines(&mut out, &[String::new()]);
        lines(&mut out, &wrap(words(Label::Thanks), width));
        out.extend_from_slice(&escpos::justify(0));
        out.extend_from_slice(&escpos::feed(4));
        out.extend_from_slice(&escpos::CUT);
        Ok(out)
    }
}

/// Each line encoded in PC850, then a line feed.
fn lines(out: &mut Vec<u8>, lines: &[String]) {
    for line in lines {
        out.extend(pc850::encode(line));
        out.push(b'\n');
    }
}

/// Printable ASCII only: anything else (control bytes, other scripts, accents) becomes
/// `?`. For text from outside (the terminal's lines), so it can neither issue a command
/// nor print as something else.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// Characters in a line as printed: one column each.
fn columns(text: &str) -> usize {
    text.chars().count()
}

/// Wraps `text` into lines of at most `width` characters, breaking at spaces; a word longer
/// than a line is split. Characters the printer cannot show become `?`. An empty text is
/// one empty line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace().map(pc850::printable) {
        let mut word = word.as_str();
        while columns(word) > width {
            if !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            let split = word
                .char_indices()
                .nth(width)
                .map_or(word.len(), |(i, _)| i);
            let (head, tail) = word.split_at(split);
            out.push(head.to_owned());
            word = tail;
        }
        if word.is_empty() {
            continue;
        }
        if !line.is_empty() && columns(&line) + 1 + columns(word) > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || out.is_empty() {
        out.push(line);
    }
    out
}

/// `label` on the left and `value` on the right of one line, or `label: value` wrapped
/// when both do not fit.
pub fn two_columns(label: &str, value: &str, width: usize) -> Vec<String> {
    let (label, value) = (pc850::printable(label), pc850::printable(value));
    let used = columns(&label) + 1 + columns(&value);
    if used <= width {
        vec![format!("{label}{}{value}", " ".repeat(width - used + 1))]
    } else {
        wrap(&format!("{label}: {value}"), width)
    }
}

/// The QR code drawn as a `GS v 0` raster, scaled to fit `max_dots`.
fn qr_raster(payload: &str, max_dots: usize) -> Result<Vec<u8>, ReceiptError> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)
        .map_err(|_| ReceiptError::Qr)?;
    let modules = code.width();
    let side = modules + 2 * QR_QUIET;
    let scale = (max_dots / side).clamp(1, usize::from(QR_MODULE));
    let dots = side * scale;
    let row_bytes = dots.div_ceil(8);
    let colors = code.to_colors();
    let dark = |x: usize, y: usize| {
        let (mx, my) = (x / scale, y / scale);
        (QR_QUIET..QR_QUIET + modules).contains(&mx)
            && (QR_QUIET..QR_QUIET + modules).contains(&my)
            && colors[(my - QR_QUIET) * modules + (mx - QR_QUIET)] == qrcode::Color::Dark
    };
    let mut rows = vec![0u8; row_bytes * dots];
    for y in 0..dots {
        for x in 0..dots {
            if dark(x, y) {
                rows[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    let width = u16::try_from(row_bytes).map_err(|_| ReceiptError::Qr)?;
    let height = u16::try_from(dots).map_err(|_| ReceiptError::Qr)?;
    Ok(escpos::raster(width, height, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receipt(terminal_lines: &[&str]) -> Receipt {
        Receipt {
            language: Language::English,
            practice: "Demo".into(),
            paid_at: jiff::civil::date(2026, 11, 25).at(9, 30, 0, 0),
            initials: Some(Initials::new("A. T.").unwrap()),
            amount: Cents::new(2500),
            card: MaskedCard::new("****1234").unwrap(),
            auth_code: AuthCode::new("123456").unwrap(),
            terminal_lines: terminal_lines.iter().map(|l| (*l).to_owned()).collect(),
            reference: Reference::new("R1").unwrap(),
        }
    }

    #[test]
    fn wraps_at_spaces_and_splits_only_overlong_words() {
        assert_eq!(wrap("the quick brown fox", 10), ["the quick", "brown fox"]);
        assert_eq!(
            wrap("abcdefghijklmno xy", 6),
            ["abcdef", "ghijkl", "mno xy"]
        );
        assert_eq!(wrap("a  b\tc", 10), ["a b c"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("exactly10!", 10), ["exactly10!"]);
        assert_eq!(wrap("tab\u{7}bell é ß", 20), ["tab?bell é ?"]);
        assert_eq!(
            wrap("Código de autorización", 10),
            ["Código de", "autorizaci", "ón"]
        );
        for line in wrap(&"word ".repeat(40), 32) {
            assert!(line.len() <= 32 && !line.starts_with(' ') && !line.ends_with(' '));
        }
    }

    #[test]
    fn two_columns_pads_or_wraps() {
        assert_eq!(two_columns("Paid", "$25.00", 16), ["Paid      $25.00"]);
        assert_eq!(
            two_columns("Card", "************1234", 16),
            ["Card:", "************1234"]
        );
    }

    #[test]
    fn validates_what_goes_on_paper() {
        assert!(Initials::new("A. T.").is_ok());
        assert!(Initials::new("J-P. M.").is_ok());
        assert_eq!(Initials::new("Ada T."), Err(ReceiptError::Initials));
        assert_eq!(Initials::new(""), Err(ReceiptError::Initials));
        assert_eq!(Reference::new("a b"), Err(ReceiptError::Reference));
        assert_eq!(Columns::new(20), Err(ReceiptError::Columns));
        assert_eq!(Columns::new(42), Ok(Columns::WIDE_42));
    }

    #[test]
    fn tiny_receipt_bytes_exactly() {
        let layout = Layout {
            columns: Columns::new(24).unwrap(),
            qr: QrMode::Native,
        };
        let bytes = receipt(&["APPROVED"]).to_escpos(layout).unwrap();
        let expected: Vec<u8> = [
            &b"\x1b@\x1bt\x02\x1ba\x01\x1bE\x01\x1d!\x11Demo\n\x1d!\x00\x1bE\x00"[..],
            b"11/25/2026 9:30 AM\n\n\x1ba\x00",
            b"Patient            A. T.\n",
            b"Card            ****1234\n",
            b"Auth code         123456\n",
            b"\x1bE\x01\x1d!\x01Paid              $25.00\n\x1d!\x00\x1bE\x00",
            b"========================\nAPPROVED\n========================\n",
            b"\x1ba\x01",
            b"\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x06\x1d(k\x03\x001E1",
            b"\x1d(k\x05\x001P0R1\x1d(k\x03\x001Q0",
            b"R1\n\nThank you!\n\x1ba\x00\x1bd\x04\x1dV\x01",
        ]
        .concat();
        assert_eq!(bytes, expected);
        assert_eq!(
            escpos::render(&bytes).unwrap(),
            "Demo\n11/25/2026 9:30 AM\n\nPatient            A. T.\nCard            ****1234\n\
             Auth code         123456\nPaid              $25.00\n========================\n\
             APPROVED\n========================\n[QR: R1]\nR1\n\nThank you!\n\n\n\n\n\
             --------------------------------\n"
        );
    }

    #[test]
    fn every_label_reads_in_every_language() {
        for label in Label::ALL {
            let texts = Language::ALL.map(|language| label.text(language));
            for (language, text) in Language::ALL.iter().zip(texts) {
                assert!(!text.trim().is_empty(), "{label:?} in {language:?}");
                assert_eq!(pc850::printable(text), text, "{label:?} in {language:?}");
            }
            // A label left in English in another language exists in one language only.
            for (i, text) in texts.iter().enumerate() {
                assert!(!texts[i + 1..].contains(text), "{label:?}: {text}");
            }
        }
    }

    #[test]
    fn dates_read_as_each_language_writes_them() {
        let morning = jiff::civil::date(2026, 3, 5).at(0, 7, 0, 0);
        let evening = jiff::civil::date(2026, 11, 25).at(16, 45, 0, 0);
        assert_eq!(
            paid_at_text(morning, Language::English),
            "03/05/2026 12:07 AM"
        );
        assert_eq!(
            paid_at_text(evening, Language::English),
            "11/25/2026 4:45 PM"
        );
        assert_eq!(paid_at_text(morning, Language::Spanish), "05/03/2026 0:07");
        assert_eq!(paid_at_text(evening, Language::Spanish), "25/11/2026 16:45");
    }

    #[test]
    fn a_spanish_receipt_prints_its_accents_in_pc850() {
        let mut spanish = receipt(&["APROBADA ó"]);
        spanish.language = Language::Spanish;
        spanish.practice = "Clínica Demo".into();
        let bytes = spanish.to_escpos(Layout::default()).unwrap();
        assert!(bytes.starts_with(b"\x1b@\x1bt\x02"));
        // "Código de autorización": ó is 0xa2 in PC850.
        assert!(bytes.windows(6).any(|w| w == b"C\xa2digo"), "PC850 ó");
        let text = escpos::render(&bytes).unwrap();
        for line in [
            "Clínica Demo",
            "25/11/2026 9:30",
            "Paciente                   A. T.",
            "Tarjeta                 ****1234",
            "Código de autorización    123456",
            "Pagado                    $25.00",
            "APROBADA ?",
            "¡Gracias!",
        ] {
            assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
        }
    }

    #[test]
    fn terminal_text_cannot_issue_commands() {
        let bytes = receipt(&["\x1dV\x01\x1b@ evil"])
            .to_escpos(Layout::default())
            .unwrap();
        let text = escpos::render(&bytes).unwrap();
        assert!(text.contains("?V??@ evil"), "{text}");
        assert_eq!(text.matches(escpos::CUT_LINE).count(), 1);
    }

    #[test]
    fn bitmap_qr_dots_are_the_code_modules_leftmost_bit_first() {
        let payload = "FD1:9b2f0c7e-demo-ref";
        let raster = qr_raster(payload, 384).unwrap();
        assert_eq!(&raster[..4], b"\x1dv0\x00");
        let row_bytes = usize::from(u16::from_le_bytes([raster[4], raster[5]]));
        let height = usize::from(u16::from_le_bytes([raster[6], raster[7]]));
        let dots = &raster[8..];
        assert_eq!(dots.len(), row_bytes * height);
        let black = |x: usize, y: usize| dots[y * row_bytes + x / 8] & (0x80 >> (x % 8)) != 0;

        let code =
            qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M).unwrap();
        let modules = code.width();
        let scale = usize::from(QR_MODULE);
        assert_eq!(height, (modules + 2 * QR_QUIET) * scale);
        let colors = code.to_colors();
        for my in 0..modules {
            for mx in 0..modules {
                // The centre dot of each module, past the quiet zone.
                let (x, y) = (
                    (QR_QUIET + mx) * scale + scale / 2,
                    (QR_QUIET + my) * scale + scale / 2,
                );
                let dark = colors[my * modules + mx] == qrcode::Color::Dark;
                assert_eq!(black(x, y), dark, "module {mx},{my}");
            }
        }
        // The quiet zone is white.
        assert!((0..height).all(|y| !black(0, y) && !black(QR_QUIET * scale - 1, y)));
    }

    #[test]
    fn bitmap_qr_fits_the_paper_and_decodes_as_an_image() {
        for columns in [Columns::NARROW, Columns::WIDE_48] {
            let layout = Layout {
                columns,
                qr: QrMode::Bitmap,
            };
            let mut long = receipt(&[]);
            long.reference = Reference::new(&"X".repeat(256)).unwrap();
            for receipt in [receipt(&[]), long] {
                let text = escpos::render(&receipt.to_escpos(layout).unwrap()).unwrap();
                let image = text.lines().find(|l| l.starts_with("[image ")).unwrap();
                let size = image.trim_start_matches("[image ").trim_end_matches(']');
                let (w, h) = size.split_once('x').unwrap();
                let (w, h): (usize, usize) = (w.parse().unwrap(), h.parse().unwrap());
                assert!(w <= columns.get() * DOTS_PER_COLUMN && h <= w, "{image}");
            }
        }
    }
}

//! The reminder letter: one US Letter page per patient who gets reminders by post, to
//! print, fold in three and mail in a #10 window envelope. The clinic's return address
//! at the top, the patient's postal address where the envelope's window is, then the
//! visit's day, time and place, the check-in QR with the short code to type instead,
//! what to bring and how to cancel, in the patient's language.
//!
//! The minimum necessary, as in the email: the name only where the post needs it (the
//! address block) and the first name in the greeting; never the provider or a reason for
//! the visit.
//!
//! Names and addresses can hold any letter, so the text is set in DejaVu Sans embedded in
//! the file (TrueType, Identity-H, with a ToUnicode map so the text can be copied and
//! searched). The font is read at run time from the system's `fonts-dejavu-core`
//! package (a dependency of the hub's Debian package) rather than built into the
//! program: Debian keeps it updated and its licence travels with it. The whole font is
//! embedded (compressed), once per file however many pages it has.

use crate::domain::{Cents, ContactField, ContactOnFile, Language};
use crate::wording::{clock_time, long_date};
use jiff::civil::{Date, Time};
use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Where Debian's `fonts-dejavu-core` puts the fonts.
pub const DEBIAN_FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
const REGULAR_FILE: &str = "DejaVuSans.ttf";
const BOLD_FILE: &str = "DejaVuSans-Bold.ttf";

const PAGE_W: f32 = 612.0; // US Letter, points
const PAGE_H: f32 = 792.0;
const INCH: f32 = 72.0;
const LEFT: f32 = INCH;
const TEXT_W: f32 = PAGE_W - 2.0 * INCH;
/// The side of the printed QR code: 2 inches, a phone-sized code for the kiosk's scanner.
const QR_SIDE: f32 = 2.0 * INCH;

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    /// The font file is missing or unreadable (the path is the system's, not PHI).
    #[error("cannot read the letter font {0} (install fonts-dejavu-core): {1}")]
    FontMissing(String, std::io::Error),
    #[error("the letter font {0} is not a usable TrueType font")]
    BadFont(String),
    #[error("the check-in code does not fit a QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("no letter to print")]
    Empty,
}

/// A postal address good enough to mail to: street, city, state and ZIP on file.
#[derive(Clone, PartialEq, Eq)]
pub struct PostalAddress {
    lines: Vec<String>,
}

impl std::fmt::Debug for PostalAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostalAddress(..)")
    }
}

impl PostalAddress {
    /// The address lines as they go on the envelope; `None` when a part is missing.
    pub fn from_contact(contact: &ContactOnFile) -> Option<Self> {
        let line1 = contact.get(ContactField::AddressLine1)?;
        let city = contact.get(ContactField::City)?;
        let state = contact.get(ContactField::State)?;
        let zip = contact.get(ContactField::Zip)?;
        let mut lines = vec![line1.to_owned()];
        if let Some(line2) = contact.get(ContactField::AddressLine2) {
            lines.push(line2.to_owned());
        }
        lines.push(format!("{city}, {state} {zip}"));
        Some(Self { lines })
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

/// One patient's letter. PHI: never log it.
pub struct Letter<'a> {
    /// The name the post delivers to (first and last).
    pub addressee: &'a str,
    pub first_name: &'a str,
    pub address: &'a PostalAddress,
    pub language: Language,
    pub day: Date,
    pub starts_at: Time,
    /// The co-pay due at the visit; zero: not mentioned.
    pub copay: Cents,
    /// The signed check-in code the QR carries.
    pub token: &'a str,
    /// The short code to type at the kiosk, grouped ("ACDE-FGHJ").
    pub short_code: &'a str,
}

/// What the letter says about the clinic.
pub struct LetterClinic<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
}

/// The regular and bold faces, parsed once.
pub struct LetterFonts {
    faces: [Face; 2],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular = 0,
    Bold = 1,
}

struct Face {
    data: Vec<u8>,
    /// The PostScript name, for the PDF's `BaseFont`.
    name: String,
    units_per_em: f32,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    bbox: [f32; 4],
}

impl LetterFonts {
    /// Reads DejaVu Sans and DejaVu Sans Bold from `dir`.
    pub fn load(dir: &Path) -> Result<Self, LetterError> {
        let read = |file: &str| {
            let path = dir.join(file);
            std::fs::read(&path)
                .map_err(|error| LetterError::FontMissing(path.display().to_string(), error))
        };
        Ok(Self {
            faces: [
                Face::parse(read(REGULAR_FILE)?, REGULAR_FILE)?,
                Face::parse(read(BOLD_FILE)?, BOLD_FILE)?,
            ],
        })
    }

    fn face(&self, weight: Weight) -> &Face {
        &self.faces[weight as usize]
    }
}

impl Face {
    fn parse(data: Vec<u8>, file: &str) -> Result<Self, LetterError> {
        let bad = || LetterError::BadFont(file.to_owned());
        let font = skrifa::FontRef::new(&data).map_err(|_| bad())?;
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        if metrics.units_per_em == 0 || font.charmap().map('A').is_none() {
            return Err(bad());
        }
        let name = font
            .localized_strings(skrifa::string::StringId::POSTSCRIPT_NAME)
            .english_or_first()
            .map(|s| {
                s.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect::<String>()
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "EmbeddedSans".to_owned());
        let bbox = metrics
            .bounds
            .map(|b| [b.x_min, b.y_min, b.x_max, b.y_max])
            .unwrap_or([0.0, metrics.descent, 1000.0, metrics.ascent]);
        Ok(Self {
            name,
            units_per_em: f32::from(metrics.units_per_em),
            ascent: metrics.ascent,
            descent: metrics.descent,
            cap_height: metrics.cap_height.unwrap_or(metrics.ascent),
            bbox,
            data,
        })
    }

    /// The glyph for `c` (0, the font's "missing" glyph, when it has none) and its
    /// advance in 1/1000 em, as PDF widths are given.
    fn glyph(&self, c: char) -> (u16, f32) {
        let font = match skrifa::FontRef::new(&self.data) {
            Ok(font) => font,
            Err(_) => return (0, 0.0),
        };
        let id = font.charmap().map(c).unwrap_or_default();
        let advance = font
            .glyph_metrics(Size::unscaled(), LocationRef::default())
            .advance_width(id)
            .unwrap_or(0.0);
        (
            u16::try_from(id.to_u32()).unwrap_or(0),
            advance * 1000.0 / self.units_per_em,
        )
    }

    fn scale(&self, units: f32) -> f32 {
        units * 1000.0 / self.units_per_em
    }
}

/// The glyphs a face has shown: its widths and the text each stands for.
#[derive(Default)]
struct Used {
    glyphs: BTreeMap<u16, (f32, char)>,
}

/// Draws text, remembering which glyphs were used.
struct Writer<'f> {
    fonts: &'f LetterFonts,
    used: [Used; 2],
    /// Glyph and advance per face and character, looked up once.
    glyphs: HashMap<(usize, char), (u16, f32)>,
}

impl Writer<'_> {
    fn glyph(&mut self, weight: Weight, c: char) -> (u16, f32) {
        let fonts = self.fonts;
        *self
            .glyphs
            .entry((weight as usize, c))
            .or_insert_with(|| fonts.face(weight).glyph(c))
    }

    fn width(&mut self, weight: Weight, size: f32, text: &str) -> f32 {
        text.chars().map(|c| self.glyph(weight, c).1).sum::<f32>() * size / 1000.0
    }

    fn show(
        &mut self,
        content: &mut Content,
        weight: Weight,
        size: f32,
        x: f32,
        y: f32,
        text: &str,
    ) {
        let mut encoded = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (glyph, width) = self.glyph(weight, c);
            self.used[weight as usize]
                .glyphs
                .entry(glyph)
                .or_insert((width, c));
            encoded.extend_from_slice(&glyph.to_be_bytes());
        }
        let font_name = match weight {
            Weight::Regular => Name(b"F1"),
            Weight::Bold => Name(b"F2"),
        };
        content
            .begin_text()
            .set_font(font_name, size)
            .next_line(x, y)
            .show(Str(&encoded))
            .end_text();
    }

    /// Greedy word wrap within `width`; the lines.
    fn wrap(&mut self, weight: Weight, size: f32, width: f32, text: &str) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && self.width(weight, size, &candidate) > width {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// Writes `text` wrapped at `x` within `width` from baseline `y` down; the baseline
    /// after the paragraph (with a gap).
    #[allow(clippy::too_many_arguments)] // a paragraph is all of these
    fn paragraph(
        &mut self,
        content: &mut Content,
        weight: Weight,
        size: f32,
        x: f32,
        y: f32,
        width: f32,
        text: &str,
    ) -> f32 {
        let mut y = y;
        for line in self.wrap(weight, size, width, text) {
            self.show(content, weight, size, x, y, &line);
            y -= size * 1.35;
        }
        y - size * 0.6
    }
}

/// Writes every letter, a page each, into one PDF.
pub fn letters_pdf(
    letters: &[Letter<'_>],
    clinic: &LetterClinic<'_>,
    fonts: &LetterFonts,
) -> Result<Vec<u8>, LetterError> {
    if letters.is_empty() {
        return Err(LetterError::Empty);
    }
    let mut writer = Writer {
        fonts,
        used: Default::default(),
        glyphs: HashMap::new(),
    };
    let pages = letters
        .iter()
        .map(|letter| page(&mut writer, letter, clinic))
        .collect::<Result<Vec<_>, _>>()?;

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    // Per face: Type0 font, CID font, descriptor, font file, ToUnicode map.
    let font_refs: Vec<[Ref; 5]> = (0..2)
        .map(|i| {
            let base = 4 + 5 * i;
            [0, 1, 2, 3, 4].map(|k| Ref::new(base + k))
        })
        .collect();
    let first_page = 4 + 5 * 2;
    let page_count = i32::try_from(pages.len()).unwrap_or(i32::MAX);
    let page_ids: Vec<Ref> = (0..page_count)
        .map(|i| Ref::new(first_page + 2 * i))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_count);
    pdf.document_info(info)
        .title(TextStr(&format!("{}: reminder letters", clinic.name)))
        .producer(TextStr("frontdesk"));
    for (page_id, content) in page_ids.iter().zip(pages) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut names = resources.fonts();
        names.pair(Name(b"F1"), font_refs[0][0]);
        names.pair(Name(b"F2"), font_refs[1][0]);
        names.finish();
        resources.finish();
        page.finish();
        let compressed = compress_to_vec_zlib(&content.finish(), 6);
        pdf.stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
    }
    for (weight, refs) in [Weight::Regular, Weight::Bold].into_iter().zip(&font_refs) {
        embed(
            &mut pdf,
            fonts.face(weight),
            &writer.used[weight as usize],
            *refs,
        );
    }
    Ok(pdf.finish())
}

/// Writes one face as a Type 0 font with Identity-H encoding (glyph ids as codes).
fn embed(pdf: &mut Pdf, face: &Face, used: &Used, [type0, cid, descriptor, file, cmap]: [Ref; 5]) {
    let name = Name(face.name.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(system_info)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    let mut widths = cid_font.widths();
    for (glyph, (width, _)) in &used.glyphs {
        widths.consecutive(*glyph, [*width]);
    }
    widths.finish();
    cid_font.finish();
    let [x0, y0, x1, y1] = face.bbox.map(|v| face.scale(v));
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(x0, y0, x1, y1))
        .italic_angle(0.0)
        .ascent(face.scale(face.ascent))
        .descent(face.scale(face.descent))
        .cap_height(face.scale(face.cap_height))
        .stem_v(80.0)
        .font_file2(file);
    let compressed = compress_to_vec_zlib(&face.data, 6);
    let mut stream = pdf.stream(file, &compressed);
    stream.filter(Filter::FlateDecode);
    stream.pair(
        Name(b"Length1"),
        i32::try_from(face.data.len()).unwrap_or(i32::MAX),
    );
    stream.finish();
    let mut unicode = UnicodeCmap::new(Name(b"Custom"), system_info);
    for (glyph, (_, c)) in &used.glyphs {
        unicode.pair(*glyph, *c);
    }
    pdf.cmap(cmap, &unicode.finish());
}

/// One letter's page.
fn page(
    writer: &mut Writer<'_>,
    letter: &Letter<'_>,
    clinic: &LetterClinic<'_>,
) -> Result<Content, LetterError> {
    use Weight::{Bold, Regular};
    let w = Words::of(letter.language);
    let date = long_date(letter.day, letter.language);
    let time = clock_time(letter.starts_at, letter.language);
    let fill = |template: &str| {
        template
            .replace("{name}", letter.first_name)
            .replace("{clinic}", clinic.name)
            .replace("{date}", &date)
            .replace("{time}", &time)
            .replace("{phone}", clinic.phone)
            .replace("{amount}", &letter.copay.to_string())
    };
    let mut c = Content::new();

    // The return address, top left.
    let mut y = PAGE_H - 0.75 * INCH;
    writer.show(&mut c, Bold, 11.0, LEFT, y, clinic.name);
    for line in [clinic.address, clinic.phone] {
        y -= 13.0;
        writer.show(&mut c, Regular, 10.0, LEFT, y, line);
    }

    // The address, where a #10 window envelope shows it (2¼" from the top, 1" in).
    let mut y = PAGE_H - 2.25 * INCH;
    writer.show(&mut c, Regular, 11.0, LEFT, y, letter.addressee);
    for line in letter.address.lines() {
        y -= 13.5;
        writer.show(&mut c, Regular, 11.0, LEFT, y, line);
    }

    // The body, below the fold's top third.
    let mut y = PAGE_H - 3.75 * INCH;
    y = writer.paragraph(&mut c, Bold, 15.0, LEFT, y, TEXT_W, &fill(w.title));
    y = writer.paragraph(&mut c, Regular, 11.0, LEFT, y, TEXT_W, &fill(w.greeting));
    y = writer.paragraph(&mut c, Regular, 11.0, LEFT, y, TEXT_W, &fill(w.when));
    let where_x = LEFT + writer.width(Bold, 11.0, w.where_label) + 5.0;
    writer.show(&mut c, Bold, 11.0, LEFT, y, w.where_label);
    y = writer.paragraph(
        &mut c,
        Regular,
        11.0,
        where_x,
        y,
        LEFT + TEXT_W - where_x,
        clinic.address,
    );

    // The QR on the left, how to use it and the short code on its right.
    let qr_top = y - 4.0;
    draw_qr(&mut c, letter.token, LEFT, qr_top - QR_SIDE)?;
    let text_x = LEFT + QR_SIDE + 18.0;
    let text_w = LEFT + TEXT_W - text_x;
    let mut ty = qr_top - 14.0;
    ty = writer.paragraph(&mut c, Regular, 11.0, text_x, ty, text_w, w.scan);
    ty = writer.paragraph(&mut c, Regular, 11.0, text_x, ty, text_w, w.type_code);
    writer.show(&mut c, Bold, 20.0, text_x, ty - 6.0, letter.short_code);
    y = qr_top - QR_SIDE - 22.0;

    // What to bring and how to cancel.
    writer.show(&mut c, Bold, 11.0, LEFT, y, w.bring_title);
    y -= 15.0;
    let mut bring = vec![w.bring_card.to_owned(), w.bring_id.to_owned()];
    if letter.copay.get() > 0 {
        bring.push(fill(w.bring_copay));
    }
    for item in &bring {
        writer.show(&mut c, Regular, 11.0, LEFT + 6.0, y, "•");
        y = writer.paragraph(&mut c, Regular, 11.0, LEFT + 18.0, y, TEXT_W - 18.0, item) + 4.0;
    }
    y -= 8.0;
    y = writer.paragraph(&mut c, Regular, 11.0, LEFT, y, TEXT_W, &fill(w.cancel));
    writer.show(&mut c, Regular, 11.0, LEFT, y - 4.0, clinic.name);
    Ok(c)
}

/// Draws `text` as a QR code (error correction M, quiet zone included) with its
/// bottom-left corner at `x`, `y`; black modules as filled rectangles, a row's runs
/// merged.
fn draw_qr(c: &mut Content, text: &str, x: f32, y: f32) -> Result<(), LetterError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    let width = code.width();
    let colors = code.to_colors();
    const QUIET: usize = 4;
    #[allow(clippy::cast_precision_loss)] // at most 177 + 8 modules
    let module = QR_SIDE / (width + 2 * QUIET) as f32;
    c.set_fill_gray(0.0);
    for (row, line) in colors.chunks(width).enumerate() {
        let mut col = 0;
        while col < width {
            if line[col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < width && line[col] == qrcode::Color::Dark {
                col += 1;
            }
            #[allow(clippy::cast_precision_loss)]
            c.rect(
                x + (start + QUIET) as f32 * module,
                y + QR_SIDE - (row + QUIET + 1) as f32 * module,
                (col - start) as f32 * module,
                module,
            );
        }
    }
    c.fill_nonzero();
    Ok(())
}

/// Every sentence of a letter, per language; `{name}`, `{clinic}`, `{date}`, `{time}`,
/// `{phone}`, `{amount}` are filled in.
struct Words {
    title: &'static str,
    greeting: &'static str,
    when: &'static str,
    where_label: &'static str,
    scan: &'static str,
    type_code: &'static str,
    bring_title: &'static str,
    bring_card: &'static str,
    bring_id: &'static str,
    bring_copay: &'static str,
    cancel: &'static str,
}

impl Words {
    fn of(language: Language) -> &'static Words {
        match language {
            Language::English => &ENGLISH,
            Language::Spanish => &SPANISH,
        }
    }
}

// The button named in `type_code` is the kiosk's welcome button ("Code from my text" /
// "Código del mensaje"): the same code works whether it came by text or by post.
const ENGLISH: Words = Words {
    title: "Your visit on {date} at {time}",
    greeting: "Hello {name},",
    when: "This is a reminder of your visit to {clinic} on {date} at {time}.",
    where_label: "Where:",
    scan: "When you arrive, scan this code at the check-in screen in the lobby (bring this \
           letter).",
    type_code: "Or tap \u{201c}Code from my text\u{201d} on the screen and type this code:",
    bring_title: "Please bring:",
    bring_card: "your insurance card",
    bring_id: "a photo ID",
    bring_copay: "your co-pay of {amount}",
    cancel: "To cancel or change your visit, please call {phone}.",
};

const SPANISH: Words = Words {
    title: "Su cita el {date} a las {time}",
    greeting: "Hola, {name}:",
    when: "Le recordamos su cita en {clinic} el {date} a las {time}.",
    where_label: "Dirección:",
    scan: "Al llegar, escanee este código en la pantalla de registro de la sala de espera \
           (traiga esta carta).",
    type_code: "O toque \u{201c}Código del mensaje\u{201d} en la pantalla y escriba este código:",
    bring_title: "Por favor, traiga:",
    bring_card: "su tarjeta del seguro médico",
    bring_id: "una identificación con foto",
    bring_copay: "su copago de {amount}",
    cancel: "Para cancelar o cambiar su cita, llame al {phone}.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fonts() -> LetterFonts {
        LetterFonts::load(Path::new(DEBIAN_FONT_DIR))
            .expect("DejaVu fonts installed (apt-get install fonts-dejavu-core)")
    }

    fn address() -> PostalAddress {
        let mut contact = ContactOnFile::default();
        for (field, value) in [
            (ContactField::AddressLine1, "12 Sample Rd"),
            (ContactField::City, "Exampleville"),
            (ContactField::State, "TX"),
            (ContactField::Zip, "75001"),
        ] {
            contact.set(field, value).unwrap();
        }
        PostalAddress::from_contact(&contact).unwrap()
    }

    #[test]
    fn an_address_needs_street_city_state_and_zip() {
        assert_eq!(
            address().lines(),
            ["12 Sample Rd", "Exampleville, TX 75001"]
        );
        let mut contact = ContactOnFile::default();
        contact
            .set(ContactField::AddressLine1, "12 Sample Rd")
            .unwrap();
        contact.set(ContactField::Zip, "75001").unwrap();
        assert!(PostalAddress::from_contact(&contact).is_none());
        assert_eq!(format!("{:?}", address()), "PostalAddress(..)");
    }

    #[test]
    fn a_page_per_letter_with_the_font_embedded_once() {
        let fonts = fonts();
        let address = address();
        let letter = |first: &'static str, language| Letter {
            addressee: "Zoë Łukasiewicz-Testpatient",
            first_name: first,
            address: &address,
            language,
            day: date(2026, 11, 23),
            starts_at: Time::constant(14, 30, 0, 0),
            copay: Cents::new(2500),
            token: "FD2:example-token",
            short_code: "ACDE-FGHJ",
        };
        let clinic = LetterClinic {
            name: "Demo Family Practice",
            address: "100 Example St, Exampleville, TX 75001",
            phone: "(217) 555-0100",
        };
        let pdf = letters_pdf(
            &[
                letter("Zoë", Language::English),
                letter("Zoë", Language::Spanish),
            ],
            &clinic,
            &fonts,
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(
            text.matches("/Type /Page").count() - text.matches("/Type /Pages").count(),
            2
        );
        assert_eq!(
            text.matches("/FontFile2").count(),
            2,
            "regular and bold, once each"
        );
        assert!(matches!(
            letters_pdf(&[], &clinic, &fonts),
            Err(LetterError::Empty)
        ));
    }

    #[test]
    fn a_missing_font_is_an_error_naming_the_package() {
        let error = LetterFonts::load(Path::new("/nonexistent")).err().unwrap();
        assert!(error.to_string().contains("fonts-dejavu-core"), "{error}");
    }

    #[test]
    fn every_sentence_is_translated() {
        for (english, spanish) in [
            (ENGLISH.title, SPANISH.title),
            (ENGLISH.greeting, SPANISH.greeting),
            (ENGLISH.when, SPANISH.when),
            (ENGLISH.where_label, SPANISH.where_label),
            (ENGLISH.scan, SPANISH.scan),
            (ENGLISH.type_code, SPANISH.type_code),
            (ENGLISH.bring_title, SPANISH.bring_title),
            (ENGLISH.bring_card, SPANISH.bring_card),
            (ENGLISH.bring_id, SPANISH.bring_id),
            (ENGLISH.bring_copay, SPANISH.bring_copay),
            (ENGLISH.cancel, SPANISH.cancel),
        ] {
            assert_ne!(english, spanish);
        }
    }
}

//! A signed copy of a consent document as a PDF for staff to print: the title and text in
//! the language it was signed in, the signer's name, the date and the signature image.
//!
//! Uses the PDF standard Helvetica fonts with WinAnsi encoding (covers English and
//! Spanish; anything else prints as `?`), so no font is embedded and the file stays small.
//! Lines are wrapped greedily with Helvetica's advance widths.

use miniz_oxide::deflate::compress_to_vec_zlib;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::document::{Block, ConsentDocument, Run};
use super::render::{RenderError, render};
use super::signed::SignedConsent;
use crate::domain::Language;

const PAGE_W: f32 = 612.0; // US Letter
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 72.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN;
const BODY_SIZE: f32 = 11.0;
const SIG_W: f32 = 240.0;
const SIG_H: f32 = 80.0;
/// Longest signer name printed, in characters.
pub const MAX_NAME_CHARS: usize = 200;

const FONTS: [(&[u8], &[u8]); 4] = [
    (b"F1", b"Helvetica"),
    (b"F2", b"Helvetica-Bold"),
    (b"F3", b"Helvetica-Oblique"),
    (b"F4", b"Helvetica-BoldOblique"),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("the signed consent is for another document, version or language")]
    Mismatch,
    #[error("signer name must be 1 to {MAX_NAME_CHARS} characters without control characters")]
    BadSignerName,
    #[error("signature image: {0}")]
    Render(#[from] RenderError),
}

/// Writes the signed copy. `signed_on` is the signing time already put in the clinic's
/// time zone by the caller (the office knows the zone; this module reads no clock).
pub fn signed_copy(
    document: &ConsentDocument,
    signed: &SignedConsent,
    signer_name: &str,
    signed_on: &jiff::Zoned,
) -> Result<Vec<u8>, PdfError> {
    if signed.document != document.id
        || signed.version != document.version
        || signed.language != document.language
    {
        return Err(PdfError::Mismatch);
    }
    let n = signer_name.chars().count();
    if n == 0 || n > MAX_NAME_CHARS || signer_name.chars().any(char::is_control) {
        return Err(PdfError::BadSignerName);
    }
    let image = render(&signed.signature, 600, 200)?;

    let mut layout = Layout::new();
    // Most documents open with their own heading; the title is printed only when not.
    if !matches!(
        document.blocks.first(),
        Some(Block::Heading { level: 1, .. })
    ) {
        layout.paragraph(&[plain(&document.title, true)], 18.0, 0.0);
    }
    for block in &document.blocks {
        match block {
            Block::Heading { level, runs } => {
                let size = match level {
                    1 => 18.0,
                    2 => 14.0,
                    _ => 11.5,
                };
                let bold: Vec<Run> = runs
                    .iter()
                    .map(|r| Run {
                        bold: true,
                        ..r.clone()
                    })
                    .collect();
                layout.paragraph(&bold, size, 0.0);
            }
            Block::Paragraph(runs) => layout.paragraph(runs, BODY_SIZE, 0.0),
            Block::Bullets(items) => {
                for item in items {
                    layout.bullet(item);
                }
            }
        }
    }
    let (by, on, doc) = match document.language {
        Language::English => ("Signed by: ", "Signed on: ", "Document"),
        Language::Spanish => ("Firmado por: ", "Fecha de firma: ", "Documento"),
    };
    layout.need(SIG_H + 4.0 * BODY_SIZE * 1.4 + 12.0);
    layout.y -= 8.0;
    let image_y = layout.y - SIG_H;
    layout.content().save_state();
    layout
        .content()
        .transform([SIG_W, 0.0, 0.0, SIG_H, MARGIN, image_y]);
    layout.content().x_object(Name(b"Im1"));
    layout.content().restore_state();
    layout.content().set_line_width(0.75);
    layout
        .content()
        .move_to(MARGIN, image_y)
        .line_to(MARGIN + SIG_W, image_y)
        .stroke();
    layout.y = image_y - 6.0;
    layout.paragraph(
        &[plain(by, true), plain(signer_name, false)],
        BODY_SIZE,
        0.0,
    );
    let date = signed_on.strftime("%Y-%m-%d %H:%M %Z").to_string();
    layout.paragraph(&[plain(on, true), plain(&date, false)], BODY_SIZE, 0.0);
    let reference = format!("{doc}: {}, v{}", document.id, document.version);
    layout.paragraph(&[plain(&reference, false)], 9.0, 0.0);

    let pages = layout.finish();
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let image_id = Ref::new(4);
    let font_ids: Vec<Ref> = (0..FONTS.len() as i32).map(|i| Ref::new(5 + i)).collect();
    let first_page = 5 + FONTS.len() as i32;
    let page_ids: Vec<Ref> = (0..pages.len() as i32)
        .map(|i| Ref::new(first_page + 2 * i))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(pages.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&document.title))
        .producer(TextStr("frontdesk"));
    for (page_id, content) in page_ids.iter().zip(pages) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        for ((name, _), id) in FONTS.iter().zip(&font_ids) {
            fonts.pair(Name(name), *id);
        }
        fonts.finish();
        resources.x_objects().pair(Name(b"Im1"), image_id);
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    for ((_, base), id) in FONTS.iter().zip(&font_ids) {
        pdf.type1_font(*id)
            .base_font(Name(base))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let gray = compress_to_vec_zlib(&image.gray(), 6);
    let mut xobject = pdf.image_xobject(image_id, &gray);
    xobject.filter(Filter::FlateDecode);
    xobject.width(image.width() as i32);
    xobject.height(image.height() as i32);
    xobject.color_space().device_gray();
    xobject.bits_per_component(8);
    xobject.finish();
    Ok(pdf.finish())
}

fn plain(text: &str, bold: bool) -> Run {
    Run {
        text: text.to_owned(),
        bold,
        italic: false,
    }
}

/// Pages of content and the pen's height on the current one.
struct Layout {
    done: Vec<Content>,
    current: Content,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            done: Vec::new(),
            current: Content::new(),
            y: PAGE_H - MARGIN,
        }
    }

    fn content(&mut self) -> &mut Content {
        &mut self.current
    }

    /// Starts a new page unless `height` still fits on this one.
    fn need(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let full = std::mem::replace(&mut self.current, Content::new());
            self.done.push(full);
            self.y = PAGE_H - MARGIN;
        }
    }

    fn bullet(&mut self, runs: &[Run]) {
        let leading = BODY_SIZE * 1.4;
        self.need(leading);
        let y = self.y - BODY_SIZE;
        self.current
            .begin_text()
            .set_font(Name(b"F1"), BODY_SIZE)
            .next_line(MARGIN + 6.0, y)
            .show(Str(&[0x95]))
            .end_text();
        self.paragraph(runs, BODY_SIZE, 18.0);
    }

    /// Wraps runs into lines of the text width less `indent`, then a paragraph gap.
    fn paragraph(&mut self, runs: &[Run], size: f32, indent: f32) {
        let leading = size * 1.4;
        for line in wrap(runs, size, TEXT_W - indent) {
            self.need(leading);
            let y = self.y - size;
            self.current.begin_text().next_line(MARGIN + indent, y);
            for (font, text) in line {
                self.current
                    .set_font(Name(FONTS[font].0), size)
                    .show(Str(&win_ansi(&text)));
            }
            self.current.end_text();
            self.y -= leading;
        }
        self.y -= size * 0.6;
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.current);
        self.done
    }
}

fn font_index(bold: bool, italic: bool) -> usize {
    usize::from(bold) + 2 * usize::from(italic)
}

/// Greedy word wrap; a line is `(font index, text)` segments.
fn wrap(runs: &[Run], size: f32, width: f32) -> Vec<Vec<(usize, String)>> {
    let mut lines: Vec<Vec<(usize, String)>> = Vec::new();
    let mut line: Vec<(usize, String)> = Vec::new();
    let mut used = 0.0;
    let space = advance(" ", false, size);
    // A run boundary inside a word ("**co**-pay") must not add a space.
    let mut glued = false;
    for run in runs {
        let font = font_index(run.bold, run.italic);
        let starts_with_space = run.text.starts_with(char::is_whitespace);
        for (i, word) in run.text.split_whitespace().enumerate() {
            let w = advance(word, run.bold, size);
            let join = glued && i == 0 && !starts_with_space;
            if !line.is_empty() && !join && used + space + w > width {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            let sep = if line.is_empty() || join { "" } else { " " };
            used += w + if sep.is_empty() { 0.0 } else { space };
            match line.last_mut() {
                Some((f, text)) if *f == font => {
                    text.push_str(sep);
                    text.push_str(word);
                }
                Some((_, text)) => {
                    text.push_str(sep);
                    line.push((font, word.to_owned()));
                }
                None => line.push((font, word.to_owned())),
            }
        }
        glued = !run.text.ends_with(char::is_whitespace) && !run.text.is_empty();
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Helvetica advance widths (1/1000 em) for ASCII 32..=126, from the standard AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Width of text in points; bold is about 8% wider, other letters count as a digit.
fn advance(text: &str, bold: bool, size: f32) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            ' '..='~' => u32::from(HELVETICA[c as usize - 32]),
            _ => 556,
        })
        .sum();
    let factor = if bold { 1.08 } else { 1.0 };
    units as f32 * factor * size / 1000.0
}

/// Encodes text in WinAnsi (Latin-1 plus typographic punctuation); others become `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\u{a0}'..='\u{ff}' => c as u8,
            '€' => 0x80,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn win_ansi_keeps_spanish_letters() {
        assert_eq!(
            win_ansi("¿Sí? ñ – 漢"),
            vec![0xbf, b'S', 0xed, b'?', b' ', 0xf1, b' ', 0x96, b' ', b'?']
        );
    }

    #[test]
    fn wrap_breaks_lines_and_glues_styled_parts_of_a_word() {
        let runs = [plain("co", true), plain("-pay due now", false)];
        let lines = wrap(&runs, 11.0, 1000.0);
        assert_eq!(
            lines,
            vec![vec![(1, "co".to_owned()), (0, "-pay due now".to_owned())]]
        );
        let long = plain(&"word ".repeat(100), false);
        let lines = wrap(&[long], 11.0, TEXT_W);
        assert!(lines.len() > 3);
        assert!(
            lines
                .iter()
                .all(|l| advance(&l[0].1, false, 11.0) <= TEXT_W)
        );
    }
}

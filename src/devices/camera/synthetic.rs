//! Synthetic insurance card photos, drawn here so no real card (and no real member) is
//! ever needed: an obviously fake payer and member ("Testpayer Health Plan", "Member: Ada
//! Testpatient", "Member ID TST-000042", "Group GRP-100", co-pay lines), the back with
//! phone numbers and a claims address, in DejaVu Sans, Serif or Mono (Debian's
//! `fonts-dejavu-core`, installed by the README commands), held slightly rotated in front
//! of a dark background, with sensor noise. The camera simulator serves them to the demo
//! and the tests read them back with the real OCR.
//!
//! Text is drawn with `swash` (glyph outlines to coverage masks), shapes with
//! `tiny-skia`; both already in the kiosk's dependencies. Deterministic: the same card
//! and seed give the same pixels.

use super::Frame;
use crate::domain::CardSide;
use std::path::{Path, PathBuf};
use swash::FontRef;
use swash::scale::{Render, ScaleContext, Source};
use swash::zeno::Format;
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Rect, Transform};

/// Where Debian's `fonts-dejavu-core` puts its fonts.
pub const DEJAVU_DIR: &str = "/usr/share/fonts/truetype/dejavu";

/// Why a card could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error("font {path}: {source} (Debian: fonts-dejavu-core)")]
    Font {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("font {0} is not a font swash can read")]
    BadFont(PathBuf),
    #[error("cannot draw the card")]
    Canvas,
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

/// The typefaces cards are drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardFont {
    Sans,
    Serif,
    Mono,
}

impl CardFont {
    pub const ALL: [CardFont; 3] = [CardFont::Sans, CardFont::Serif, CardFont::Mono];

    pub fn name(self) -> &'static str {
        match self {
            CardFont::Sans => "sans",
            CardFont::Serif => "serif",
            CardFont::Mono => "mono",
        }
    }

    fn files(self) -> (&'static str, &'static str) {
        match self {
            CardFont::Sans => ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
            CardFont::Serif => ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
            CardFont::Mono => ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
        }
    }
}

/// One card photo to draw.
#[derive(Debug, Clone)]
pub struct SyntheticCard {
    pub side: CardSide,
    pub font: CardFont,
    /// Degrees, clockwise; a patient holds a card a little crooked (a few degrees).
    pub rotation: f32,
    /// Largest change of a channel by noise, 0-255.
    pub noise: u8,
    pub seed: u64,
    pub payer: String,
    pub member: String,
    pub member_id: String,
    pub group: String,
}

/// The size of the photo: a card filling about three quarters of a 1280x800 frame.
pub const FRAME: (u32, u32) = (1280, 800);
/// The card's size in the photo (ISO/IEC 7810 ID-1 proportions, 85.6 x 54 mm).
const CARD: (u32, u32) = (1012, 638);

impl SyntheticCard {
    /// The standard test card: Testpayer Health Plan, Ada Testpatient, TST-000042, GRP-100.
    pub fn standard(side: CardSide, font: CardFont) -> Self {
        Self {
            side,
            font,
            rotation: 0.0,
            noise: 0,
            seed: 1,
            payer: "Testpayer Health Plan".into(),
            member: "Ada Testpatient".into(),
            member_id: "TST-000042".into(),
            group: "GRP-100".into(),
        }
    }

    pub fn rotated(mut self, degrees: f32) -> Self {
        self.rotation = degrees;
        self
    }

    pub fn noisy(mut self, noise: u8, seed: u64) -> Self {
        self.noise = noise;
        self.seed = seed;
        self
    }

    /// The card's lines: (text, pixel size, bold).
    fn lines(&self) -> Vec<(String, f32, bool)> {
        match self.side {
            CardSide::Front => vec![
                (self.payer.clone(), 50.0, true),
                (format!("Member: {}", self.member), 40.0, false),
                (format!("Member ID {}", self.member_id), 40.0, false),
                (format!("Group {}", self.group), 40.0, false),
                ("PCP $25   Specialist $40   ER $150".into(), 32.0, false),
                ("Urgent care $75   Rx $10 / $35".into(), 32.0, false),
            ],
            CardSide::Back => vec![
                (self.payer.clone(), 40.0, true),
                ("Members: call 1-800-555-0100 (TTY 711)".into(), 30.0, false),
                ("Providers: submit claims to".into(), 30.0, false),
                ("PO Box 0000, Testville, TS 00000".into(), 30.0, false),
                ("Pharmacy: Rx BIN 999999  PCN TEST".into(), 30.0, false),
                ("Synthetic test card. Not insurance.".into(), 30.0, false),
            ],
        }
    }

    /// Draws the photo, with fonts from [`DEJAVU_DIR`].
    pub fn render(&self) -> Result<Frame, SyntheticError> {
        self.render_with_fonts(Path::new(DEJAVU_DIR))
    }

    pub fn render_with_fonts(&self, font_dir: &Path) -> Result<Frame, SyntheticError> {
        let (regular, bold) = self.font.files();
        let regular = load_font(&font_dir.join(regular))?;
        let bold = load_font(&font_dir.join(bold))?;
        let card = self.draw_card(&regular, &bold)?;
        Ok(self.photograph(&card))
    }

    /// The flat card, RGBA.
    fn draw_card(&self, regular: &[u8], bold: &[u8]) -> Result<Pixmap, SyntheticError> {
        let mut pixmap = Pixmap::new(CARD.0, CARD.1).ok_or(SyntheticError::Canvas)?;
        pixmap.fill(Color::from_rgba8(250, 248, 240, 255));
        let mut paint = Paint::default();
        paint.set_color_rgba8(20, 110, 120, 255);
        let stripe =
            Rect::from_xywh(0.0, 0.0, CARD.0 as f32, 36.0).ok_or(SyntheticError::Canvas)?;
        pixmap.fill_rect(stripe, &paint, Transform::identity(), None);
        let logo = PathBuilder::from_circle(CARD.0 as f32 - 90.0, 110.0, 46.0)
            .ok_or(SyntheticError::Canvas)?;
        paint.set_color_rgba8(200, 225, 228, 255);
        pixmap.fill_path(
            &logo,
            &paint,
            FillRule::Winding,
            Transform::identity(),
            None,
        );

        let mut context = ScaleContext::new();
        let mut baseline = 110.0f32;
        for (index, (text, size, is_bold)) in self.lines().into_iter().enumerate() {
            let data = if is_bold { bold } else { regular };
            let font = FontRef::from_index(data, 0).ok_or(SyntheticError::Canvas)?;
            let colour = if index == 0 {
                [10, 70, 80]
            } else {
                [25, 25, 30]
            };
            draw_text(
                &mut pixmap,
                &mut context,
                font,
                &text,
                size,
                56.0,
                baseline,
                colour,
            );
            baseline += size * if index == 0 { 2.0 } else { 1.75 };
        }
        Ok(pixmap)
    }

    /// The card held in front of a dark background, rotated, lit a little unevenly, noisy.
    fn photograph(&self, card: &Pixmap) -> Frame {
        let (fw, fh) = FRAME;
        let (angle_sin, angle_cos) = (-self.rotation).to_radians().sin_cos();
        let (cx, cy) = (fw as f32 / 2.0, fh as f32 / 2.0);
        let (hw, hh) = (CARD.0 as f32 / 2.0, CARD.1 as f32 / 2.0);
        let card_pixels = card.data();
        let mut random = Random(self.seed.max(1));
        let mut rgb = Vec::with_capacity(fw as usize * fh as usize * 3);
        for y in 0..fh {
            for x in 0..fw {
                // Where this frame pixel falls on the card (inverse rotation).
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                let u = angle_cos * dx - angle_sin * dy + hw;
                let v = angle_sin * dx + angle_cos * dy + hh;
                let light = 0.92 + 0.08 * (x as f32 / fw as f32);
                let background = [62.0, 54.0, 50.0];
                let pixel = sample(card_pixels, u, v).unwrap_or(background);
                for channel in pixel {
                    let noise = if self.noise == 0 {
                        0.0
                    } else {
                        let span = u32::from(self.noise) * 2 + 1;
                        (random.next() % span) as f32 - f32::from(self.noise)
                    };
                    rgb.push((channel * light + noise).clamp(0.0, 255.0) as u8);
                }
            }
        }
        Frame {
            width: fw,
            height: fh,
            rgb,
        }
    }
}

/// Bilinear sample of the card at (u, v); `None` off the card.
fn sample(card: &[u8], u: f32, v: f32) -> Option<[f32; 3]> {
    let (w, h) = (CARD.0 as f32, CARD.1 as f32);
    if !(0.0..w).contains(&u) || !(0.0..h).contains(&v) {
        return None;
    }
    let (u, v) = ((u - 0.5).clamp(0.0, w - 1.0), (v - 0.5).clamp(0.0, h - 1.0));
    let (x0, y0) = (u.floor() as usize, v.floor() as usize);
    let (x1, y1) = (
        (x0 + 1).min(CARD.0 as usize - 1),
        (y0 + 1).min(CARD.1 as usize - 1),
    );
    let (fx, fy) = (u - x0 as f32, v - y0 as f32);
    let at = |x: usize, y: usize, c: usize| f32::from(card[(y * CARD.0 as usize + x) * 4 + c]);
    let mut out = [0.0; 3];
    for (c, value) in out.iter_mut().enumerate() {
        let top = at(x0, y0, c) * (1.0 - fx) + at(x1, y0, c) * fx;
        let bottom = at(x0, y1, c) * (1.0 - fx) + at(x1, y1, c) * fx;
        *value = top * (1.0 - fy) + bottom * fy;
    }
    Some(out)
}

/// Draws one line of text with its baseline at `baseline`, starting at `left`.
#[allow(clippy::too_many_arguments)]
fn draw_text(
    pixmap: &mut Pixmap,
    context: &mut ScaleContext,
    font: FontRef<'_>,
    text: &str,
    size: f32,
    left: f32,
    baseline: f32,
    colour: [u8; 3],
) {
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(&[]).scale(size);
    let mut scaler = context.builder(font).size(size).hint(true).build();
    let (width, height) = (pixmap.width() as i32, pixmap.height() as i32);
    let pixels = pixmap.data_mut();
    let mut pen = left;
    for ch in text.chars() {
        let glyph = charmap.map(ch);
        if let Some(image) = Render::new(&[Source::Outline])
            .format(Format::Alpha)
            .render(&mut scaler, glyph)
        {
            let origin_x = pen.round() as i32 + image.placement.left;
            let origin_y = baseline.round() as i32 - image.placement.top;
            let glyph_width = image.placement.width as usize;
            for (i, &alpha) in image.data.iter().enumerate() {
                let (gx, gy) = (
                    (i % glyph_width.max(1)) as i32,
                    (i / glyph_width.max(1)) as i32,
                );
                let (x, y) = (origin_x + gx, origin_y + gy);
                if alpha == 0 || x < 0 || y < 0 || x >= width || y >= height {
                    continue;
                }
                let at = (y as usize * width as usize + x as usize) * 4;
                let a = u16::from(alpha);
                for c in 0..3 {
                    let old = u16::from(pixels[at + c]);
                    let new = (old * (255 - a) + u16::from(colour[c]) * a) / 255;
                    pixels[at + c] = u8::try_from(new).unwrap_or(u8::MAX);
                }
            }
        }
        pen += metrics.advance_width(glyph);
    }
}

fn load_font(path: &Path) -> Result<Vec<u8>, SyntheticError> {
    let data = std::fs::read(path).map_err(|source| SyntheticError::Font {
        path: path.to_path_buf(),
        source,
    })?;
    FontRef::from_index(&data, 0).ok_or_else(|| SyntheticError::BadFont(path.to_path_buf()))?;
    Ok(data)
}

/// xorshift64: deterministic noise, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u32
    }
}

/// Writes a front and back photo per font into `dir` as PNG, named so the camera
/// simulator serves each front before its back ("01-sans-front.png", "02-sans-back.png",
/// ...): the demo's cards. Returns the files written.
pub fn write_demo_cards(dir: &Path) -> Result<Vec<PathBuf>, SyntheticError> {
    std::fs::create_dir_all(dir).map_err(|source| SyntheticError::Write {
        path: dir.to_path_buf(),
        reason: source.to_string(),
    })?;
    let mut written = Vec::new();
    let mut number = 0;
    for (index, font) in CardFont::ALL.into_iter().enumerate() {
        for side in [CardSide::Front, CardSide::Back] {
            number += 1;
            let tilt = [-1.5f32, 1.0, 2.0][index];
            let frame = SyntheticCard::standard(side, font)
                .rotated(tilt)
                .noisy(12, number)
                .render()?;
            let path = dir.join(format!("{number:02}-{}-{}.png", font.name(), side.as_str()));
            image::save_buffer(
                &path,
                &frame.rgb,
                frame.width,
                frame.height,
                image::ExtendedColorType::Rgb8,
            )
            .map_err(|error| SyntheticError::Write {
                path: path.clone(),
                reason: error.to_string(),
            })?;
            written.push(path);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cards_are_deterministic_and_missing_fonts_are_reported() {
        let card = SyntheticCard::standard(CardSide::Front, CardFont::Sans).noisy(10, 7);
        let one = card.render().unwrap();
        assert_eq!((one.width, one.height), FRAME);
        assert_eq!(one, card.render().unwrap());
        // Text is there: the back differs from the front.
        let back = SyntheticCard {
            side: CardSide::Back,
            ..card.clone()
        };
        assert_ne!(one, back.render().unwrap());
        assert!(matches!(
            card.render_with_fonts(Path::new("/nonexistent")),
            Err(SyntheticError::Font { .. })
        ));
    }
}

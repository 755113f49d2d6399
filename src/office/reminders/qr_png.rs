//! The check-in code as a PNG QR image, for email clients that show inline images but
//! not SVG.

#[derive(Debug, thiserror::Error)]
pub enum QrPngError {
    #[error("the check-in code does not fit a QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
    #[error("cannot draw the QR image")]
    Draw,
    #[error("cannot encode the QR image as PNG: {0}")]
    Png(String),
}

/// Pixels per module: big enough for a phone camera held to the kiosk's scanner.
const SCALE: u32 = 8;
/// The quiet zone around the code, in modules (the standard's minimum).
const QUIET: u32 = 4;

/// `text` as a black-on-white QR code (error correction M, like the staff page's).
pub fn render(text: &str) -> Result<Vec<u8>, QrPngError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)?;
    let width = u32::try_from(code.width()).map_err(|_| QrPngError::Draw)?;
    let side = (width + 2 * QUIET) * SCALE;
    let mut pixmap = tiny_skia::Pixmap::new(side, side).ok_or(QrPngError::Draw)?;
    pixmap.fill(tiny_skia::Color::WHITE);
    let mut black = tiny_skia::Paint::default();
    black.set_color(tiny_skia::Color::BLACK);
    black.anti_alias = false;
    for (index, color) in code.to_colors().into_iter().enumerate() {
        if color != qrcode::Color::Dark {
            continue;
        }
        let index = u32::try_from(index).map_err(|_| QrPngError::Draw)?;
        let (x, y) = (index % width, index / width);
        #[allow(clippy::cast_precision_loss)] // at most a few thousand pixels
        let rect = tiny_skia::Rect::from_xywh(
            ((x + QUIET) * SCALE) as f32,
            ((y + QUIET) * SCALE) as f32,
            SCALE as f32,
            SCALE as f32,
        )
        .ok_or(QrPngError::Draw)?;
        pixmap.fill_rect(rect, &black, tiny_skia::Transform::identity(), None);
    }
    pixmap
        .encode_png()
        .map_err(|error| QrPngError::Png(error.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_a_png() {
        let png = super::render("FD1.example-token").unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }
}

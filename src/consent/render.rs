//! The stored signature drawn back to an image for staff: anti-aliased smoothed strokes,
//! dark ink on white, line width scaled to the image.

use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform,
};

use super::signature::{PAD_MAX, PathCommand, Signature, smooth};

/// Largest image side we draw, so a request cannot ask for gigabytes.
pub const MAX_SIDE: u32 = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("image size {width}x{height} is outside 16..={MAX_SIDE} pixels a side")]
    BadSize { width: u32, height: u32 },
    #[error("PNG encoding failed")]
    Png,
}

/// A rendered signature: straight (not premultiplied) RGBA rows, top to bottom.
#[derive(Clone, PartialEq)]
pub struct SignatureImage {
    pixmap: Pixmap,
}

impl std::fmt::Debug for SignatureImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SignatureImage({}x{})", self.width(), self.height())
    }
}

impl SignatureImage {
    pub fn width(&self) -> u32 {
        self.pixmap.width()
    }

    pub fn height(&self) -> u32 {
        self.pixmap.height()
    }

    /// The pixel's `[r, g, b, a]`, or `None` outside the image.
    pub fn rgba(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        let c = self.pixmap.pixel(x, y)?.demultiply();
        Some([c.red(), c.green(), c.blue(), c.alpha()])
    }

    /// One grey byte per pixel (the image is opaque), for embedding in a PDF.
    pub fn gray(&self) -> Vec<u8> {
        self.pixmap
            .pixels()
            .iter()
            .map(|p| p.demultiply().red())
            .collect()
    }

    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        self.pixmap.encode_png().map_err(|_| RenderError::Png)
    }
}

/// Draws the signature so the pad's box fills the image (pass the pad's aspect ratio).
pub fn render(
    signature: &Signature,
    width: u32,
    height: u32,
) -> Result<SignatureImage, RenderError> {
    let bad = RenderError::BadSize { width, height };
    if !(16..=MAX_SIDE).contains(&width) || !(16..=MAX_SIDE).contains(&height) {
        return Err(bad);
    }
    let mut pixmap = Pixmap::new(width, height).ok_or(bad)?;
    pixmap.fill(Color::WHITE);
    let mut paint = Paint::default();
    paint.set_color_rgba8(0x10, 0x18, 0x30, 0xff);
    paint.anti_alias = true;
    // About a 2.5 mm pen on a 20 cm pad; never thinner than a pixel and a half.
    let pen = (width.min(height * 3) as f32 / 160.0).max(1.5);
    let stroke = Stroke {
        width: pen,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    let sx = width as f32 / f32::from(PAD_MAX);
    let sy = height as f32 / f32::from(PAD_MAX);
    for points in signature.strokes() {
        let commands = smooth(points);
        if points.len() == 1 {
            let p = points[0];
            if let Some(dot) =
                PathBuilder::from_circle(f32::from(p.x) * sx, f32::from(p.y) * sy, pen / 2.0)
            {
                pixmap.fill_path(&dot, &paint, FillRule::Winding, Transform::identity(), None);
            }
            continue;
        }
        let mut pb = PathBuilder::new();
        for c in commands {
            match c {
                PathCommand::MoveTo { x, y } => pb.move_to(x * sx, y * sy),
                PathCommand::LineTo { x, y } => pb.line_to(x * sx, y * sy),
                PathCommand::QuadTo { cx, cy, x, y } => {
                    pb.quad_to(cx * sx, cy * sy, x * sx, y * sy)
                }
            }
        }
        if let Some(path) = pb.finish() {
            pixmap.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
        }
    }
    Ok(SignatureImage { pixmap })
}

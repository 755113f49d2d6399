//! `NotSetUpAdapter`: the kiosk is not paired with the office (its pairing code and a QR
//! of it), or an administrator turned it off; `SetupNeededAdapter`: its configuration
//! cannot be used.

use crate::checkin::{NotSetUp, PageView, Screen};
use crate::kiosk::{MainWindow, NotSetUpAdapter, NotSetUpKind, SetupNeededAdapter};
use slint::{ComponentHandle, Image, Rgb8Pixel, SharedPixelBuffer};

pub fn present(ui: &MainWindow, screen: &Screen) {
    let detail = match &screen.page {
        PageView::SetupNeeded { detail } => detail.as_str(),
        _ => "",
    };
    ui.global::<SetupNeededAdapter>().set_detail(detail.into());
    let adapter = ui.global::<NotSetUpAdapter>();
    let (kind, code) = match &screen.page {
        PageView::NotSetUp(NotSetUp::Pairing { code }) => {
            (NotSetUpKind::Pairing, code.clone().unwrap_or_default())
        }
        PageView::NotSetUp(NotSetUp::Disabled) => (NotSetUpKind::Disabled, String::new()),
        _ => (NotSetUpKind::Pairing, String::new()),
    };
    if adapter.get_code().as_str() != code {
        adapter.set_qr(qr_image(&code));
    }
    adapter.set_kind(kind);
    adapter.set_code(code.into());
}

/// The code (without its dash, as the staff page reads it) as a QR code: one pixel per
/// module, black on white with a quiet zone; the page scales it up without smoothing.
fn qr_image(code: &str) -> Image {
    let bare: String = code.chars().filter(|c| *c != '-').collect();
    if bare.is_empty() {
        return Image::default();
    }
    let Ok(qr) = qrcode::QrCode::with_error_correction_level(bare.as_bytes(), qrcode::EcLevel::M)
    else {
        return Image::default();
    };
    const QUIET: usize = 2;
    let modules = qr.width();
    let side = modules + 2 * QUIET;
    let colors = qr.to_colors();
    let mut buffer = SharedPixelBuffer::<Rgb8Pixel>::new(side as u32, side as u32);
    for (i, pixel) in buffer.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % side, i / side);
        let dark = x >= QUIET
            && y >= QUIET
            && x < QUIET + modules
            && y < QUIET + modules
            && colors[(y - QUIET) * modules + (x - QUIET)] == qrcode::Color::Dark;
        let value = if dark { 0 } else { 255 };
        *pixel = Rgb8Pixel::new(value, value, value);
    }
    Image::from_rgb8(buffer)
}

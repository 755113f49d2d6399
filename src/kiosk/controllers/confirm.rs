//! `ConfirmAdapter`: "Is this you?"

use super::{Taps, on};
use crate::checkin::{ConfirmTap, PageView, Screen, Tap};
use crate::kiosk::wording;
use crate::kiosk::{ConfirmAdapter, MainWindow};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<ConfirmAdapter>();
    adapter.on_yes(on(taps, Tap::Confirm(ConfirmTap::Yes)));
    adapter.on_no(on(taps, Tap::Confirm(ConfirmTap::No)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<ConfirmAdapter>();
    let details = match &screen.page {
        PageView::Confirm(details) => Some(details),
        _ => None,
    };
    let name = details.and_then(|d| d.display_name.as_ref());
    adapter.set_has_name(name.is_some());
    adapter.set_display_name(name.map(|n| n.as_str().into()).unwrap_or_default());
    adapter.set_appointment_time(
        details
            .map(|d| wording::clock_time(d.starts_at, screen.language).into())
            .unwrap_or_default(),
    );
    let provider = details.and_then(|d| d.provider.as_deref());
    adapter.set_has_provider(provider.is_some());
    adapter.set_provider(provider.map(Into::into).unwrap_or_default());
}

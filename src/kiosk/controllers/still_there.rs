//! `StillThereAdapter`: the countdown before the idle wipe.

use super::{Taps, on};
use crate::checkin::{OverlayView, Screen, Tap};
use crate::kiosk::{MainWindow, StillThereAdapter};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<StillThereAdapter>()
        .on_still_here(on(taps, Tap::StillHere));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let seconds = match screen.overlay {
        Some(OverlayView::StillThere { seconds_left }) => seconds_left,
        _ => 0,
    };
    ui.global::<StillThereAdapter>()
        .set_seconds_left(i32::try_from(seconds).unwrap_or(i32::MAX));
}

//! `DoneAdapter`: checked in (or registered), take a seat.

use super::{Taps, on};
use crate::checkin::{Ending, PageView, Screen, Tap};
use crate::kiosk::{DoneAdapter, MainWindow};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<DoneAdapter>()
        .on_finished(on(taps, Tap::StartOver));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let position = match screen.page {
        PageView::Ending(Ending::CheckedIn { queue_position }) => queue_position,
        _ => None,
    };
    let adapter = ui.global::<DoneAdapter>();
    adapter.set_registered(screen.page == PageView::Ending(Ending::Registered));
    adapter.set_position_known(position.is_some());
    adapter.set_queue_position(position.map_or(0, |n| i32::try_from(n).unwrap_or(i32::MAX)));
}

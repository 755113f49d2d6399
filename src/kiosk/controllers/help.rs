//! `HelpAdapter`: the "Call staff" overlay: calling, someone coming, or go to the desk.

use super::{Taps, on};
use crate::checkin::{HelpState, OverlayView, Screen, Tap};
use crate::kiosk::{HelpAdapter, HelpState as ShownHelp, MainWindow};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<HelpAdapter>().on_back(on(taps, Tap::HelpBack));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    if let Some(OverlayView::Help(state)) = screen.overlay {
        ui.global::<HelpAdapter>().set_state(match state {
            HelpState::Calling => ShownHelp::Calling,
            HelpState::Coming => ShownHelp::Coming,
            HelpState::GoToDesk => ShownHelp::GoToDesk,
        });
    }
}

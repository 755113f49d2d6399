//! `HelpAdapter`: the "someone is coming" overlay.

use super::{Taps, on};
use crate::checkin::Tap;
use crate::kiosk::{HelpAdapter, MainWindow};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<HelpAdapter>().on_back(on(taps, Tap::HelpBack));
}

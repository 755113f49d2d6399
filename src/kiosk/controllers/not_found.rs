//! `NotFoundAdapter`: no appointment matched the name and date of birth.

use super::{Taps, on};
use crate::checkin::{IdentifyTap, Tap};
use crate::kiosk::{MainWindow, NotFoundAdapter};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<NotFoundAdapter>();
    adapter.on_try_again(on(taps, Tap::Identify(IdentifyTap::TryAgain)));
    adapter.on_ask_desk(on(taps, Tap::Identify(IdentifyTap::AskDesk)));
    adapter.on_new_patient(on(taps, Tap::Identify(IdentifyTap::NewPatient)));
}

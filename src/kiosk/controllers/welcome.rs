//! `WelcomeAdapter`: the identify step's first page. Its clinic name and scanner state
//! belong to the kiosk, not the patient; the shell sets them.

use super::{Taps, on};
use crate::checkin::{IdentifyTap, Tap};
use crate::kiosk::{MainWindow, WelcomeAdapter};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<WelcomeAdapter>()
        .on_type_name(on(taps, Tap::Identify(IdentifyTap::TypeName)));
    ui.global::<WelcomeAdapter>()
        .on_type_code(on(taps, Tap::Identify(IdentifyTap::TypeCode)));
    ui.global::<WelcomeAdapter>()
        .on_register(on(taps, Tap::Identify(IdentifyTap::Register)));
}

//! `WhichTimeAdapter`: several appointments matched; the patient picks theirs by time.

use super::{Taps, on};
use crate::checkin::{IdentifyTap, PageView, Screen, Tap};
use crate::kiosk::wording;
use crate::kiosk::{MainWindow, WhichTimeAdapter};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<WhichTimeAdapter>();
    adapter.on_pick({
        let taps = taps.clone();
        move |index| {
            if let Ok(index) = u8::try_from(index) {
                taps(Tap::Identify(IdentifyTap::Appointment(index)));
            }
        }
    });
    adapter.on_none_of_these(on(taps, Tap::Identify(IdentifyTap::NoneOfThese)));
    adapter.on_back(on(taps, Tap::Identify(IdentifyTap::Back)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let times: Vec<SharedString> = match &screen.page {
        PageView::WhichAppointment(times) => times
            .iter()
            .map(|t| wording::clock_time(*t, screen.language).into())
            .collect(),
        _ => Vec::new(),
    };
    ui.global::<WhichTimeAdapter>()
        .set_times(ModelRc::new(VecModel::from(times)));
}

//! `FrontDeskAdapter`: please see the front desk.

use super::{Taps, on};
use crate::checkin::{Ending, FrontDeskReason, PageView, Screen, Tap};
use crate::kiosk::{FrontDeskAdapter, MainWindow};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<FrontDeskAdapter>()
        .on_start_over(on(taps, Tap::StartOver));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let reason = match screen.page {
        PageView::Ending(Ending::SeeFrontDesk(reason)) => Some(reason),
        _ => None,
    };
    ui.global::<FrontDeskAdapter>().set_reason(match reason {
        Some(FrontDeskReason::NotMe) | None => crate::kiosk::FrontDeskReason::NotMe,
        Some(FrontDeskReason::NoMatch) => crate::kiosk::FrontDeskReason::NoMatch,
        Some(FrontDeskReason::SeveralMatches) => crate::kiosk::FrontDeskReason::SeveralMatches,
    });
}

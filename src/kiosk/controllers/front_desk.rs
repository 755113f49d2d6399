//! `FrontDeskAdapter`: please see the front desk (and whether the desk has the call).

use super::{Taps, on};
use crate::checkin::{Ending, FrontDeskReason, HelpReached, PageView, Screen, Tap};
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
    let adapter = ui.global::<FrontDeskAdapter>();
    adapter.set_desk_told(screen.desk_call == Some(HelpReached::Told));
    adapter.set_reason(match reason {
        Some(FrontDeskReason::NotMe) | None => crate::kiosk::FrontDeskReason::NotMe,
        Some(FrontDeskReason::NoMatch) => crate::kiosk::FrontDeskReason::NoMatch,
        Some(FrontDeskReason::SeveralMatches) => crate::kiosk::FrontDeskReason::SeveralMatches,
    });
}

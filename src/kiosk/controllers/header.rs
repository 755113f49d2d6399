//! `KioskAdapter`: the header on every screen (language, "Call staff") and which page and
//! overlay show.

use super::{Taps, on};
use crate::checkin::{Ending, OverlayView, PageView, Screen, Tap};
use crate::kiosk::{KioskAdapter, MainWindow, Overlay, Page};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<KioskAdapter>();
    adapter.on_call_staff(on(taps, Tap::CallStaff));
    adapter.on_switch_language(on(taps, Tap::SwitchLanguage));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<KioskAdapter>();
    adapter.set_other_language(screen.language.other().own_name().into());
    adapter.set_overlay(match screen.overlay {
        None => Overlay::None,
        Some(OverlayView::HelpComing) => Overlay::Help,
        Some(OverlayView::StillThere { .. }) => Overlay::StillThere,
    });
    adapter.set_page(page_of(&screen.page));
}

fn page_of(page: &PageView) -> Page {
    match page {
        PageView::Identify => Page::Welcome,
        PageView::TypeName(_) => Page::TypeName,
        PageView::BirthDate(_) => Page::BirthDate,
        PageView::WhichAppointment(_) => Page::WhichTime,
        PageView::NotFound => Page::NotFound,
        PageView::Confirm(_) => Page::Confirm,
        PageView::CheckingIn => Page::Saving,
        PageView::Ending(Ending::CheckedIn { .. }) => Page::Done,
        PageView::Ending(Ending::Problem(_)) => Page::Problem,
        PageView::Ending(Ending::SeeFrontDesk(_)) => Page::FrontDesk,
    }
}

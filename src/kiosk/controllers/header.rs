//! `KioskAdapter`: the header on every screen (display toggles, language, "Call staff") and
//! which page and overlay show; the display preferences go to the `Theme` global, which
//! every page draws with.

use super::{Taps, on};
use crate::checkin::{Ending, OverlayView, PageView, Screen, Tap};
use crate::kiosk::{KioskAdapter, MainWindow, Overlay, Page, Theme};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<KioskAdapter>();
    adapter.on_call_staff(on(taps, Tap::CallStaff));
    adapter.on_switch_language(on(taps, Tap::SwitchLanguage));
    adapter.on_toggle_large_text(on(taps, Tap::LargeText));
    adapter.on_toggle_high_contrast(on(taps, Tap::HighContrast));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let theme = ui.global::<Theme>();
    theme.set_large_text(screen.display.large_text);
    theme.set_high_contrast(screen.display.high_contrast);
    let adapter = ui.global::<KioskAdapter>();
    adapter.set_other_language(screen.language.other().own_name().into());
    adapter.set_overlay(match screen.overlay {
        None => Overlay::None,
        Some(OverlayView::Help(_)) => Overlay::Help,
        Some(OverlayView::StillThere { .. }) => Overlay::StillThere,
    });
    adapter.set_page(page_of(&screen.page));
}

fn page_of(page: &PageView) -> Page {
    match page {
        PageView::Identify => Page::Welcome,
        PageView::TypeName(_) => Page::TypeName,
        PageView::TypeCode(_) => Page::TypeCode,
        PageView::BirthDate(_) | PageView::RegisterBirthDate(_) => Page::BirthDate,
        PageView::WhichAppointment(_) => Page::WhichTime,
        PageView::NotFound => Page::NotFound,
        PageView::Register(_) => Page::Register,
        PageView::RegisterReview(_) => Page::Review,
        PageView::Confirm(_) => Page::Confirm,
        PageView::ContactDetails(_) => Page::Details,
        PageView::CheckingIn => Page::Saving,
        PageView::Payment(_) => Page::Payment,
        PageView::Consent(_) => Page::Consent,
        PageView::Questions(_) => Page::Questions,
        PageView::Insurance(_) => Page::Insurance,
        PageView::Ending(Ending::CheckedIn { .. } | Ending::Registered) => Page::Done,
        PageView::Ending(Ending::Problem(_)) => Page::Problem,
        PageView::Ending(Ending::SeeFrontDesk(_)) => Page::FrontDesk,
        PageView::NotSetUp(_) => Page::NotSetUp,
        PageView::SetupNeeded { .. } => Page::SetupNeeded,
    }
}

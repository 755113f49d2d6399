//! `TypeNameAdapter`: the name keyboard. Each key is a tap the journey applies; the page
//! only shows what the journey says was typed.

use super::{Taps, on, on_key};
use crate::checkin::{IdentifyTap, NameKey, NameNotice, PageView, Screen, Tap};
use crate::kiosk::{MainWindow, TypeNameAdapter};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<TypeNameAdapter>();
    let key = |k| Tap::Identify(IdentifyTap::Key(k));
    adapter.on_key(on_key(taps, key));
    adapter.on_delete(on(taps, key(NameKey::Backspace)));
    adapter.on_clear(on(taps, key(NameKey::Clear)));
    adapter.on_next(on(taps, Tap::Identify(IdentifyTap::NameDone)));
    adapter.on_back(on(taps, Tap::Identify(IdentifyTap::Back)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<TypeNameAdapter>();
    let view = match &screen.page {
        PageView::TypeName(view) => Some(view),
        _ => None,
    };
    adapter.set_typed(view.map(|v| v.typed.as_str().into()).unwrap_or_default());
    adapter.set_can_continue(view.is_some_and(|v| v.can_continue));
    adapter.set_licence_unreadable(
        view.is_some_and(|v| v.notice == Some(NameNotice::LicenceUnreadable)),
    );
}

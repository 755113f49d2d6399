//! `TypeCodeAdapter`: the code keyboard for the short code from a text reminder. Each key
//! is a tap the journey applies; the page only shows what the journey says was typed, and
//! whether the last code was wrong or entry is locked.

use super::{Taps, on};
use crate::checkin::{CodeKey, CodeNotice, IdentifyTap, PageView, Screen, Tap};
use crate::kiosk::{CodeNoticeKind, MainWindow, TypeCodeAdapter};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<TypeCodeAdapter>();
    let key = |k| Tap::Identify(IdentifyTap::CodeKey(k));
    let typed = taps.clone();
    adapter.on_key(move |text: slint::SharedString| {
        let mut chars = text.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            typed(key(CodeKey::Char(c)));
        }
    });
    adapter.on_delete(on(taps, key(CodeKey::Backspace)));
    adapter.on_clear(on(taps, key(CodeKey::Clear)));
    adapter.on_next(on(taps, Tap::Identify(IdentifyTap::CodeDone)));
    adapter.on_back(on(taps, Tap::Identify(IdentifyTap::Back)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<TypeCodeAdapter>();
    let view = match &screen.page {
        PageView::TypeCode(view) => Some(view),
        _ => None,
    };
    adapter.set_typed(view.map(|v| v.typed.grouped().into()).unwrap_or_default());
    adapter.set_can_continue(view.is_some_and(|v| v.can_continue));
    let notice = view.and_then(|v| v.notice);
    adapter.set_notice(match notice {
        None => CodeNoticeKind::None,
        Some(CodeNotice::Wrong { .. }) => CodeNoticeKind::Wrong,
        Some(CodeNotice::Locked) => CodeNoticeKind::Locked,
    });
    adapter.set_tries_left(match notice {
        Some(CodeNotice::Wrong { tries_left }) => i32::from(tries_left),
        _ => 0,
    });
}

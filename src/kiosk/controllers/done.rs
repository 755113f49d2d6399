//! `DoneAdapter`: checked in (or registered), take a seat.

use super::{Taps, on};
use crate::checkin::{Ending, PageView, PaymentNote, Screen, Tap};
use crate::kiosk::{DoneAdapter, MainWindow, PaymentNoteKind};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<DoneAdapter>()
        .on_finished(on(taps, Tap::StartOver));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let (position, payment) = match screen.page {
        PageView::Ending(Ending::CheckedIn {
            queue_position,
            payment,
        }) => (queue_position, payment),
        _ => (None, PaymentNote::Nothing),
    };
    let adapter = ui.global::<DoneAdapter>();
    adapter.set_registered(screen.page == PageView::Ending(Ending::Registered));
    adapter.set_position_known(position.is_some());
    adapter.set_queue_position(position.map_or(0, |n| i32::try_from(n).unwrap_or(i32::MAX)));
    let (kind, amount) = match payment {
        PaymentNote::Nothing => (PaymentNoteKind::Nothing, None),
        PaymentNote::Paid {
            amount,
            receipt: false,
        } => (PaymentNoteKind::Paid, Some(amount)),
        PaymentNote::Paid {
            amount,
            receipt: true,
        } => (PaymentNoteKind::PaidWithReceipt, Some(amount)),
        PaymentNote::PayAtDesk(amount) => (PaymentNoteKind::PayAtDesk, Some(amount)),
        PaymentNote::TerminalDown(amount) => (PaymentNoteKind::TerminalDown, Some(amount)),
        PaymentNote::SeeDesk => (PaymentNoteKind::SeeDesk, None),
    };
    adapter.set_payment(kind);
    adapter.set_payment_amount(super::payment::money(amount));
}

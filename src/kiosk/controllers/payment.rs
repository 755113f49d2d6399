//! `PaymentAdapter`: the amount due, the terminal's prompt mirrored, and a card the
//! terminal did not take.

use super::{Taps, on};
use crate::checkin::{PageView, PaymentTap, PaymentView, Screen, Tap};
use crate::devices::payment::{NotTaken, TerminalPrompt};
use crate::domain::Cents;
use crate::kiosk::{MainWindow, NotTakenReason, PaymentAdapter, PaymentMode, TerminalAsk};
use slint::{ComponentHandle, SharedString};

pub fn wire(ui: &MainWindow, taps: &Taps) {
    let adapter = ui.global::<PaymentAdapter>();
    adapter.on_pay_all(on(taps, Tap::Payment(PaymentTap::PayAll)));
    adapter.on_pay_copay_only(on(taps, Tap::Payment(PaymentTap::PayCopayOnly)));
    adapter.on_pay_at_desk(on(taps, Tap::Payment(PaymentTap::PayAtDesk)));
    adapter.on_cancel(on(taps, Tap::Payment(PaymentTap::Cancel)));
    adapter.on_try_again(on(taps, Tap::Payment(PaymentTap::TryAgain)));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let adapter = ui.global::<PaymentAdapter>();
    let view = match &screen.page {
        PageView::Payment(view) => Some(view),
        _ => None,
    };
    let due = match view {
        Some(PaymentView::Offer(due)) => Some(*due),
        _ => None,
    };
    adapter.set_copay(money(due.map(|d| d.copay)));
    adapter.set_balance(money(due.map(|d| d.balance)));
    adapter.set_total(money(due.map(|d| d.copay.saturating_add(d.balance))));
    let (mode, amount) = match view {
        Some(PaymentView::Paying { amount, .. }) => (PaymentMode::Paying, Some(*amount)),
        Some(PaymentView::NotTaken { amount, .. }) => (PaymentMode::NotTaken, Some(*amount)),
        Some(PaymentView::Saving) => (PaymentMode::Saving, None),
        Some(PaymentView::Checking) => (PaymentMode::Checking, None),
        Some(PaymentView::Offer(_)) | None => (PaymentMode::Offer, None),
    };
    adapter.set_mode(mode);
    adapter.set_amount(money(amount));
    let (prompt, cancelling) = match view {
        Some(PaymentView::Paying {
            prompt, cancelling, ..
        }) => (*prompt, *cancelling),
        _ => (None, false),
    };
    adapter.set_ask(ask(prompt));
    adapter.set_cancelling(cancelling);
    let (reason, can_retry) = match view {
        Some(PaymentView::NotTaken {
            reason, can_retry, ..
        }) => (*reason, *can_retry),
        _ => (NotTaken::Declined, false),
    };
    adapter.set_reason(match reason {
        NotTaken::Declined => NotTakenReason::Declined,
        NotTaken::CardRemoved => NotTakenReason::CardRemoved,
        NotTaken::TimedOut => NotTakenReason::TimedOut,
        // An abort goes back to the offer; never shown here.
        NotTaken::Refused | NotTaken::Aborted => NotTakenReason::Refused,
    });
    adapter.set_can_retry(can_retry);
}

/// An amount as the page shows it; nothing (not "$0.00") for no amount.
pub(super) fn money(amount: Option<Cents>) -> SharedString {
    amount
        .filter(|a| *a != Cents::ZERO)
        .map(|a| a.to_string().into())
        .unwrap_or_default()
}

fn ask(prompt: Option<TerminalPrompt>) -> TerminalAsk {
    match prompt {
        None | Some(TerminalPrompt::PresentCard) => TerminalAsk::PresentCard,
        Some(TerminalPrompt::EnterPin) => TerminalAsk::EnterPin,
        Some(TerminalPrompt::ConfirmAmount) => TerminalAsk::ConfirmAmount,
        Some(TerminalPrompt::CardNotRead) => TerminalAsk::CardNotRead,
        Some(TerminalPrompt::RemoveCard) => TerminalAsk::RemoveCard,
        Some(TerminalPrompt::Processing) => TerminalAsk::Processing,
        Some(TerminalPrompt::FollowTerminal) => TerminalAsk::FollowTerminal,
    }
}

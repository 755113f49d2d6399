//! The card terminal as the check-in sees it, whatever protocol it speaks: take an amount,
//! mirror the terminal's prompts, get a result; and, after a restart, ask what its last
//! transaction was. Semi-integrated: card numbers stay in the terminal, only the masked
//! number it prints comes back. ZVT over a serial line is the first protocol; another
//! (ZVT over TCP, a US processor's semi-integrated protocol) is one more implementation.

use crate::domain::{AuthCode, Cents, MaskedCard, TerminalReceiptNo};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// What the terminal asks of the patient while it works, mirrored on the kiosk screen in
/// the patient's language (the terminal's own texts are in its language, not theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerminalPrompt {
    /// Insert, tap or swipe the card.
    PresentCard,
    /// Enter the PIN on the terminal's keypad.
    EnterPin,
    /// Confirm the amount on the terminal.
    ConfirmAmount,
    /// The card could not be read: try again.
    CardNotRead,
    /// Take the card out of the terminal.
    RemoveCard,
    /// The terminal is talking to the bank.
    Processing,
    /// Anything else the terminal shows: "follow the instructions on the terminal".
    FollowTerminal,
}

/// A transaction the terminal approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub amount: Cents,
    pub card: MaskedCard,
    pub auth_code: AuthCode,
    pub receipt_no: TerminalReceiptNo,
    /// The terminal's receipt lines (print line / print text block), to print as they came.
    pub receipt_lines: Vec<String>,
}

/// Why the terminal did not take the payment. Nothing was charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotTaken {
    /// The card issuer or the terminal declined it.
    Declined,
    /// The card was taken out before the transaction finished.
    CardRemoved,
    /// No card was presented in time.
    TimedOut,
    /// The kiosk aborted it (the patient tapped "Cancel") and the terminal confirmed.
    Aborted,
    /// The terminal refused for a reason of its own (card not accepted, ...).
    Refused,
}

/// How one authorisation ended, as the terminal said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorisation {
    Approved(Approval),
    NotTaken(NotTaken),
}

/// The terminal's last transaction, for reconciliation after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastTransaction {
    /// The terminal has no transaction on record (first use, or after end of day).
    None,
    Approved(Approval),
    /// The last one was not approved (declined, aborted, reversed).
    NotApproved {
        receipt_no: Option<TerminalReceiptNo>,
    },
}

/// The terminal's totals at end of day (the batch it just closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayTotals {
    pub count: u32,
    pub amount: Cents,
}

/// What went wrong talking to the terminal. Whether the terminal may have charged the
/// card is the one thing the caller must know, so it is part of the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalError {
    /// Nothing reached the terminal (port missing, link down before the request was
    /// acknowledged): certainly nothing charged.
    #[error("terminal not reached: {0}")]
    NotReached(String),
    /// The request was acknowledged but the answer never came or made no sense: the card may
    /// or may not have been charged, and only reconciliation can tell.
    #[error("terminal answer lost: {0}")]
    OutcomeUnknown(String),
    /// The terminal refused the command itself (busy, not registered, not supported).
    #[error("terminal refused the command (result code {0:#04x})")]
    Refused(u8),
}

impl TerminalError {
    /// Whether the card may have been charged.
    pub fn may_have_charged(&self) -> bool {
        matches!(self, TerminalError::OutcomeUnknown(_))
    }
}

/// Set by the UI thread ("Cancel"), read by the thread talking to the terminal, which then
/// asks the terminal to abort and waits for its answer: a cancel really aborts there.
#[derive(Debug, Clone, Default)]
pub struct AbortSignal(Arc<AtomicBool>);

impl AbortSignal {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn abort(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    pub fn is_aborted(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// A payment card terminal. Every call blocks until the terminal has answered, so it runs
/// on a worker thread, never the UI thread.
pub trait PaymentTerminal: Send {
    /// Logs on to the terminal (ZVT registration) so it accepts commands; done at start and
    /// after the terminal was away.
    fn connect(&mut self) -> Result<(), TerminalError>;

    /// Takes `amount` from a card: calls `prompt` with each thing the terminal asks of the
    /// patient, and aborts at the terminal once `abort` is set.
    fn authorise(
        &mut self,
        amount: Cents,
        prompt: &mut dyn FnMut(TerminalPrompt),
        abort: &AbortSignal,
    ) -> Result<Authorisation, TerminalError>;

    /// The terminal's last transaction, to settle a payment interrupted by a restart.
    fn last_transaction(&mut self) -> Result<LastTransaction, TerminalError>;

    /// Reverses an approved transaction of the current batch (charged twice, or charged
    /// for a check-in that did not happen).
    fn reverse(&mut self, receipt_no: TerminalReceiptNo) -> Result<Authorisation, TerminalError>;

    /// Closes the day's batch and returns its totals.
    fn end_of_day(&mut self) -> Result<DayTotals, TerminalError>;
}

//! Payment step: after the check-in is saved, the co-pay (and any earlier balance) on the
//! card terminal beside the screen, or at the desk. The terminal is driven by a worker;
//! this step only says what to take, mirrors the terminal's prompts and decides what the
//! patient sees next. A payment problem never undoes the check-in.
//!
//! Before a terminal offers an amount, the office is asked what is due now (an
//! eligibility check of the insurance just given may have set the co-pay since the roster
//! was fetched); offline, the roster's amount stands.

use super::{Go, Outcome, Step, StepContext};
use crate::api::PaymentSubmission;
use crate::checkin::event::{
    Completion, Effect, OpId, OpResult, PaymentAnswer, PendingPayment, ReceiptFacts,
};
use crate::checkin::knowledge::PaymentsReadiness;
use crate::checkin::screen::{PageView, PaymentNote};
use crate::checkin::session::Session;
use crate::devices::payment::{NotTaken, TerminalPrompt};
use crate::devices::scan::Scan;
use crate::domain::{AmountDue, Cents, PaymentId, PaymentOutcome};

/// After this many attempts that did not go through, the kiosk stops offering "Try again".
const MAX_DECLINES: u8 = 3;

/// Buttons of the payment pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentTap {
    /// Pay everything due (today's co-pay and the earlier balance).
    PayAll,
    /// Pay today's co-pay only, leaving the earlier balance for later.
    PayCopayOnly,
    PayAtDesk,
    /// Stop the payment under way: the terminal is asked to abort.
    Cancel,
    TryAgain,
}

/// What the payment page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentView {
    /// What is due, with "Pay now" and "Pay at the desk".
    Offer(AmountDue),
    /// The terminal has the amount: its prompt mirrored, and "Cancel".
    Paying {
        amount: Cents,
        prompt: Option<TerminalPrompt>,
        /// "Cancel" was tapped; waiting for the terminal to confirm.
        cancelling: bool,
    },
    /// The terminal did not take the card, and why: "Try again" (unless tried too often)
    /// and "Pay at the desk".
    NotTaken {
        amount: Cents,
        reason: NotTaken,
        can_retry: bool,
    },
    /// Writing down that the patient pays at the desk.
    Saving,
    /// Asking the office what is due now, before offering it.
    Checking,
}

#[derive(Debug, Default)]
pub(crate) struct Payment {
    stage: Stage,
    /// Made when the step starts, so every attempt is the same payment.
    id: Option<PaymentId>,
    due: AmountDue,
    /// Attempts the terminal did not take (declined, card removed, timed out).
    declines: u8,
}

#[derive(Debug, Default)]
enum Stage {
    #[default]
    Offer,
    /// Asking the office what is due now (the page shows "one moment").
    Refreshing {
        op: OpId,
    },
    Paying {
        op: OpId,
        amount: Cents,
        prompt: Option<TerminalPrompt>,
        cancelling: bool,
    },
    NotTaken {
        amount: Cents,
        reason: NotTaken,
    },
    Saving {
        op: OpId,
    },
}

impl Step for Payment {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let Some(appointment) = cx.session.appointment.as_ref().map(|a| a.appointment) else {
            // A new patient's registration: nothing is billed before the desk sees them.
            return Outcome::go(Go::Next);
        };
        if cx.knowledge.payments == PaymentsReadiness::Ready {
            // Even when the roster says nothing is due: eligibility may have set a co-pay.
            let op = cx.new_op();
            self.stage = Stage::Refreshing { op };
            return Outcome::stay().with(Effect::FetchDue { op, appointment });
        }
        let due = self.roster_due(cx);
        self.offer(due, cx)
    }

    fn on_scan(&mut self, _scan: &Scan, _cx: &mut StepContext<'_>) -> Outcome {
        // The patient is checked in and may be paying: a scan here starts no one else.
        Outcome::stay()
    }

    fn on_tap(&mut self, tap: crate::checkin::Tap, cx: &mut StepContext<'_>) -> Outcome {
        let crate::checkin::Tap::Payment(tap) = tap else {
            return Outcome::stay();
        };
        match (&mut self.stage, tap) {
            (Stage::Offer, PaymentTap::PayAll) => {
                let amount = self.due.copay.saturating_add(self.due.balance);
                self.take(amount, cx)
            }
            (Stage::Offer, PaymentTap::PayCopayOnly)
                if self.due.copay != Cents::ZERO && self.due.balance != Cents::ZERO =>
            {
                self.take(self.due.copay, cx)
            }
            (Stage::NotTaken { amount, .. }, PaymentTap::TryAgain)
                if self.declines < MAX_DECLINES =>
            {
                let amount = *amount;
                self.take(amount, cx)
            }
            (Stage::Offer | Stage::NotTaken { .. }, PaymentTap::PayAtDesk) => self.pay_at_desk(cx),
            (Stage::Paying { op, cancelling, .. }, PaymentTap::Cancel) if !*cancelling => {
                *cancelling = true;
                Outcome::stay().with(Effect::CancelPayment { op: *op })
            }
            _ => Outcome::stay(),
        }
    }

    fn on_completed(&mut self, completion: &Completion, cx: &mut StepContext<'_>) -> Outcome {
        match (&mut self.stage, &completion.result) {
            (Stage::Refreshing { op }, result) if *op == completion.op => {
                let due = match result {
                    OpResult::Due(due) => *due,
                    _ => {
                        tracing::info!("amount due not refreshed; the roster's stands");
                        self.roster_due(cx)
                    }
                };
                self.offer(due, cx)
            }
            (Stage::Paying { op, prompt, .. }, OpResult::TerminalPrompt(shown))
                if *op == completion.op =>
            {
                *prompt = Some(*shown);
                Outcome::stay()
            }
            (Stage::Paying { op, amount, .. }, OpResult::Payment(answer))
                if *op == completion.op =>
            {
                let amount = *amount;
                self.answered(amount, *answer, cx)
            }
            (Stage::Saving { op }, OpResult::Persisted | OpResult::PersistFailed)
                if *op == completion.op =>
            {
                if completion.result == OpResult::PersistFailed {
                    // The check-in itself is saved; the desk sees the amount due unpaid.
                    tracing::error!(payment = ?self.id, "pay-at-desk choice could not be saved");
                }
                Outcome::go(Go::Next)
            }
            _ => Outcome::stay(),
        }
    }

    fn view(&self, _session: &Session) -> PageView {
        PageView::Payment(match &self.stage {
            Stage::Offer => PaymentView::Offer(self.due),
            Stage::Paying {
                amount,
                prompt,
                cancelling,
                ..
            } => PaymentView::Paying {
                amount: *amount,
                prompt: *prompt,
                cancelling: *cancelling,
            },
            Stage::NotTaken { amount, reason } => PaymentView::NotTaken {
                amount: *amount,
                reason: *reason,
                can_retry: self.declines < MAX_DECLINES,
            },
            Stage::Refreshing { .. } => PaymentView::Checking,
            Stage::Saving { .. } => PaymentView::Saving,
        })
    }

    fn busy(&self) -> bool {
        matches!(
            self.stage,
            Stage::Refreshing { .. } | Stage::Paying { .. } | Stage::Saving { .. }
        )
    }
}

impl Payment {
    /// The roster's amount for the appointment (nothing when not on the roster).
    fn roster_due(&self, cx: &StepContext<'_>) -> AmountDue {
        cx.session
            .appointment
            .as_ref()
            .and_then(|a| cx.knowledge.roster.get(a.appointment))
            .map(|entry| entry.due)
            .unwrap_or_default()
    }

    /// Offers `due` on the terminal, or says where to pay it, or moves on when nothing
    /// is due.
    fn offer(&mut self, due: AmountDue, cx: &mut StepContext<'_>) -> Outcome {
        if due.is_nothing() {
            return Outcome::go(Go::Next);
        }
        let total = due.copay.saturating_add(due.balance);
        match cx.knowledge.payments {
            PaymentsReadiness::Ready => {}
            PaymentsReadiness::NoTerminal => {
                cx.session.payment = PaymentNote::PayAtDesk(total);
                return Outcome::go(Go::Next);
            }
            PaymentsReadiness::Unavailable => {
                cx.session.payment = PaymentNote::TerminalDown(total);
                return Outcome::go(Go::Next);
            }
        }
        self.id = Some(PaymentId::random());
        self.due = due;
        self.stage = Stage::Offer;
        Outcome::stay()
    }

    fn take(&mut self, amount: Cents, cx: &mut StepContext<'_>) -> Outcome {
        let (Some(id), Some(appointment)) = (self.id, cx.session.appointment.clone()) else {
            return Outcome::stay();
        };
        let op = cx.new_op();
        let request = PendingPayment {
            id,
            clinic: appointment.clinic,
            appointment: appointment.appointment,
            due: self.due,
            amount,
            day: appointment.day,
            receipt: ReceiptFacts {
                practice: cx
                    .knowledge
                    .trust
                    .as_ref()
                    .map(|trust| trust.clinic_name.clone())
                    .unwrap_or_default(),
                initials: appointment
                    .details
                    .display_name
                    .as_ref()
                    .map(|name| initials(name.as_str())),
                check_in: cx.session.checked_in.map(|saved| saved.id),
                language: cx.session.language,
            },
        };
        self.stage = Stage::Paying {
            op,
            amount,
            prompt: None,
            cancelling: false,
        };
        Outcome::stay().with(Effect::TakePayment { op, request })
    }

    fn pay_at_desk(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let (Some(id), Some(appointment)) = (self.id, cx.session.appointment.clone()) else {
            return Outcome::stay();
        };
        cx.session.payment =
            PaymentNote::PayAtDesk(self.due.copay.saturating_add(self.due.balance));
        let op = cx.new_op();
        let submission = PaymentSubmission {
            id,
            clinic: appointment.clinic,
            appointment: appointment.appointment,
            due: self.due,
            settled_at: cx.now,
            outcome: PaymentOutcome::PayAtDesk {
                declines: self.declines,
            },
        };
        self.stage = Stage::Saving { op };
        Outcome::stay().with(Effect::SettlePayment {
            op,
            submission: Box::new(submission),
            day: appointment.day,
        })
    }

    fn answered(
        &mut self,
        amount: Cents,
        answer: PaymentAnswer,
        cx: &mut StepContext<'_>,
    ) -> Outcome {
        match answer {
            PaymentAnswer::Approved { receipt } => {
                cx.session.payment = PaymentNote::Paid { amount, receipt };
                tracing::info!(payment = ?self.id, "payment approved");
                Outcome::go(Go::Next)
            }
            // The patient cancelled: back to the choice, nothing charged.
            PaymentAnswer::NotTaken(NotTaken::Aborted) => {
                self.stage = Stage::Offer;
                Outcome::stay()
            }
            PaymentAnswer::NotTaken(reason) => {
                self.declines = self.declines.saturating_add(1);
                self.stage = Stage::NotTaken { amount, reason };
                Outcome::stay()
            }
            // The worker has recorded it for the desk; the patient is told to go there.
            PaymentAnswer::TerminalDown => {
                cx.session.payment = PaymentNote::TerminalDown(amount);
                Outcome::go(Go::Next)
            }
            PaymentAnswer::Unsettled => {
                cx.session.payment = PaymentNote::SeeDesk;
                Outcome::go(Go::Next)
            }
        }
    }
}

/// "A. T." from a display name such as "Ada T.": the first letter of each word.
fn initials(display_name: &str) -> String {
    display_name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .map(|first| format!("{first}."))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn initials_take_the_first_letter_of_each_word() {
        assert_eq!(super::initials("Ada T."), "A. T.");
        assert_eq!(super::initials("Mary Ann T."), "M. A. T.");
        assert_eq!(super::initials(""), "");
    }
}

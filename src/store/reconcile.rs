//! Reconciliation: settling the payments a restart found unsettled. The decision
//! ([`reconcile`]) is pure: the journal entry and the terminal's answer to "last
//! transaction?" decide it. The driver ([`recover`]) runs at kiosk start, before the payment
//! step is offered: it asks the terminal at most once and settles every unsettled payment
//! (journal and outbox row together). It never reverses: a charge it cannot account for
//! goes to staff.
//!
//! | journal says | terminal's last transaction | settled as |
//! |---|---|---|
//! | intent (never sent) / not taken | not asked | not paid |
//! | approved (answer recorded) | not asked | paid, as recorded |
//! | sent / abort requested | new approval, amount asked | paid, recovered |
//! | sent / abort requested | new approval, other amount | needs staff: terminal disagrees |
//! | sent / abort requested | same receipt as the baseline, not approved, or none when there was none | not paid |
//! | sent / abort requested | none, though there was one before (end of day in between) | needs staff: outcome unknown |
//! | sent / abort requested | an approval, baseline never known | needs staff: outcome unknown |
//! | sent / abort requested | terminal does not answer | needs staff: outcome unknown |

use super::outbox::KioskStore;
use super::payments::{Baseline, JournalEntry, JournalError, JournalState, Settlement};
use crate::api::{OutboxBody, PaymentSubmission};
use crate::devices::payment::{LastTransaction, PaymentTerminal, TerminalError};
use crate::domain::{AppointmentId, PaymentId, PaymentOutcome, PaymentProblem};
use jiff::Timestamp;
use jiff::civil::Date;

/// How `entry` is settled when the journal alone can tell (nothing was in flight, or the
/// approval was recorded); `None` when the terminal must be asked.
pub fn settled_by_journal(entry: &JournalEntry) -> Option<Settlement> {
    match &entry.state {
        JournalState::Intent | JournalState::NotTaken { .. } => Some(Settlement::NotPaid),
        JournalState::Approved(approval) => Some(Settlement::Paid {
            approval: approval.clone(),
            recovered: false,
        }),
        JournalState::Sent | JournalState::AbortRequested => None,
    }
}

/// How a payment found unsettled at start is settled, given the terminal's answer to
/// "last transaction?" (ignored when the journal alone can tell).
pub fn reconcile(
    entry: &JournalEntry,
    last: &Result<LastTransaction, TerminalError>,
) -> Settlement {
    if let Some(settlement) = settled_by_journal(entry) {
        return settlement;
    }
    let unknown = Settlement::NeedsStaff(PaymentProblem::OutcomeUnknown);
    let Ok(last) = last else {
        return unknown;
    };
    match (entry.baseline, last) {
        (_, LastTransaction::NotApproved { .. }) => Settlement::NotPaid,
        // The terminal had a transaction when the attempt was sent and has none now: its
        // record was cleared (end of day) in between, so it cannot say.
        (Baseline::Receipt(_), LastTransaction::None) => unknown,
        (Baseline::NoTransaction | Baseline::Unknown, LastTransaction::None) => Settlement::NotPaid,
        // Never heard the terminal's last receipt: an approval may be older than the attempt.
        (Baseline::Unknown, LastTransaction::Approved(_)) => unknown,
        (Baseline::Receipt(before), LastTransaction::Approved(approval))
            if approval.receipt_no == before =>
        {
            Settlement::NotPaid
        }
        (_, LastTransaction::Approved(approval)) if approval.amount == entry.asked => {
            Settlement::Paid {
                approval: approval.into(),
                recovered: true,
            }
        }
        (_, LastTransaction::Approved(_)) => {
            Settlement::NeedsStaff(PaymentProblem::TerminalDisagrees)
        }
    }
}

/// A payment settled by [`recover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredPayment {
    pub id: PaymentId,
    pub appointment: AppointmentId,
    pub outcome: PaymentOutcome,
}

/// Settles every unsettled payment at kiosk start (or after an attempt's answer was lost):
/// asks the terminal its last transaction once, if any payment needs it or the baseline is
/// not known yet, and settles each payment with its outbox row (made by `outbox_row`).
pub fn recover(
    store: &mut KioskStore,
    terminal: &mut dyn PaymentTerminal,
    now: Timestamp,
    day: Date,
    outbox_row: &dyn Fn(PaymentSubmission) -> OutboxBody,
) -> Result<Vec<RecoveredPayment>, JournalError> {
    let mut last: Option<Result<LastTransaction, TerminalError>> = None;
    let mut recovered = Vec::new();
    for entry in store.unsettled_payments()? {
        let settlement = match settled_by_journal(&entry) {
            Some(settlement) => settlement,
            None => {
                let answer = match last.take() {
                    Some(answer) => answer,
                    None => ask_and_note(store, terminal)?,
                };
                let settlement = reconcile(&entry, &answer);
                last = Some(answer);
                settlement
            }
        };
        tracing::info!(
            payment = %entry.id,
            state = entry.state.as_str(),
            settled = settlement.as_str(),
            "settling a payment found unsettled"
        );
        let outcome = store.settle(entry.id, settlement, now, day, outbox_row)?;
        recovered.push(RecoveredPayment {
            id: entry.id,
            appointment: entry.appointment,
            outcome,
        });
    }
    if last.is_none() && store.terminal_baseline()? == Baseline::Unknown {
        // Only to learn the baseline; an unreachable terminal was logged in there.
        let _learned = ask_and_note(store, terminal)?;
    }
    Ok(recovered)
}

/// Asks the terminal its last transaction and keeps the answer as the next baseline at
/// once, before anything is settled by it: a recovered approval must never look new to a
/// later attempt, even if settling fails half-way through the journal.
fn ask_and_note(
    store: &mut KioskStore,
    terminal: &mut dyn PaymentTerminal,
) -> Result<Result<LastTransaction, TerminalError>, JournalError> {
    let last = terminal.last_transaction();
    match &last {
        Ok(last) => store.note_last_transaction(last)?,
        // The error's text is the driver's, never card data; the kind is enough here.
        Err(error) => tracing::warn!(
            may_have_charged = error.may_have_charged(),
            "terminal could not name its last transaction"
        ),
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::payment::Approval;
    use crate::domain::{
        AmountDue, AuthCode, Cents, ClinicId, MaskedCard, PaymentProblem::*, TerminalReceiptNo,
    };
    use crate::store::ApprovalRecord;
    use LastTransaction as Last;

    const ASKED: u32 = 2500;

    fn no(receipt: u16) -> TerminalReceiptNo {
        TerminalReceiptNo::new(receipt).unwrap()
    }

    fn approval(amount: u32, receipt: u16) -> Approval {
        Approval {
            amount: Cents::new(amount),
            card: MaskedCard::new("************0019").unwrap(),
            auth_code: AuthCode::new("A1B2C3").unwrap(),
            receipt_no: no(receipt),
            receipt_lines: vec![],
        }
    }

    fn record(amount: u32, receipt: u16) -> ApprovalRecord {
        ApprovalRecord::from(&approval(amount, receipt))
    }

    fn entry(state: JournalState, baseline: Baseline) -> JournalEntry {
        let time = Timestamp::from_second(1_795_593_600).unwrap();
        JournalEntry {
            id: PaymentId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment: AppointmentId::new(42),
            due: AmountDue {
                copay: Cents::new(ASKED),
                balance: Cents::new(1000),
            },
            asked: Cents::new(ASKED),
            state,
            baseline,
            attempts: 1,
            created_at: time,
            updated_at: time,
        }
    }

    fn approved_last(amount: u32, receipt: u16) -> Result<Last, TerminalError> {
        Ok(Last::Approved(approval(amount, receipt)))
    }

    fn recovered(amount: u32, receipt: u16) -> Settlement {
        Settlement::Paid {
            approval: record(amount, receipt),
            recovered: true,
        }
    }

    fn unreachable_terminal() -> Result<Last, TerminalError> {
        Err(TerminalError::NotReached("no port".into()))
    }

    /// One row of the reconciliation table: when the journal says `state` with `baseline`
    /// and the terminal answers `last`, the payment is settled as `expected`.
    struct Row {
        spec: &'static str,
        state: JournalState,
        baseline: Baseline,
        last: Result<Last, TerminalError>,
        expected: Settlement,
    }

    fn check(rows: Vec<Row>) {
        for row in rows {
            let entry = entry(row.state, row.baseline);
            assert_eq!(reconcile(&entry, &row.last), row.expected, "{}", row.spec);
        }
    }

    #[test]
    fn the_reconciliation_table() {
        use Baseline::*;
        use JournalState::*;
        use Settlement::*;
        let at_41 = Receipt(no(41));
        check(vec![
            Row {
                spec: "intent only (never sent) -> not paid, whatever the terminal says",
                state: Intent,
                baseline: Unknown,
                last: approved_last(ASKED, 1),
                expected: NotPaid,
            },
            Row {
                spec: "last attempt not taken -> not paid, whatever the terminal says",
                state: NotTaken { declines: 1 },
                baseline: at_41,
                last: approved_last(ASKED, 42),
                expected: NotPaid,
            },
            Row {
                spec: "approved but unsettled -> paid as recorded, without asking the terminal",
                state: Approved(record(ASKED, 42)),
                baseline: at_41,
                last: unreachable_terminal(),
                expected: Paid {
                    approval: record(ASKED, 42),
                    recovered: false,
                },
            },
            Row {
                spec: "sent + a new approval for exactly the amount asked -> paid, recovered",
                state: Sent,
                baseline: at_41,
                last: approved_last(ASKED, 42),
                expected: recovered(ASKED, 42),
            },
            Row {
                spec: "abort requested + a new approval for the amount asked (abort too late) -> paid, recovered",
                state: AbortRequested,
                baseline: at_41,
                last: approved_last(ASKED, 42),
                expected: recovered(ASKED, 42),
            },
            Row {
                spec: "sent + a new approval for another amount -> needs staff, terminal disagrees",
                state: Sent,
                baseline: at_41,
                last: approved_last(ASKED + 1, 42),
                expected: NeedsStaff(TerminalDisagrees),
            },
            Row {
                spec: "sent + last transaction unchanged from the baseline -> not paid",
                state: Sent,
                baseline: at_41,
                last: approved_last(ASKED, 41),
                expected: NotPaid,
            },
            Row {
                spec: "abort requested + last transaction unchanged -> not paid",
                state: AbortRequested,
                baseline: at_41,
                last: approved_last(ASKED, 41),
                expected: NotPaid,
            },
            Row {
                spec: "sent + last transaction not approved -> not paid",
                state: Sent,
                baseline: at_41,
                last: Ok(Last::NotApproved {
                    receipt_no: Some(no(42)),
                }),
                expected: NotPaid,
            },
            Row {
                spec: "sent + last transaction not approved, without a number -> not paid",
                state: Sent,
                baseline: at_41,
                last: Ok(Last::NotApproved { receipt_no: None }),
                expected: NotPaid,
            },
            Row {
                spec: "sent + terminal unreachable -> needs staff, outcome unknown",
                state: Sent,
                baseline: at_41,
                last: unreachable_terminal(),
                expected: NeedsStaff(OutcomeUnknown),
            },
            Row {
                spec: "abort requested + terminal unreachable -> needs staff, outcome unknown",
                state: AbortRequested,
                baseline: at_41,
                last: unreachable_terminal(),
                expected: NeedsStaff(OutcomeUnknown),
            },
        ]);
    }

    #[test]
    fn every_way_the_terminal_can_fail_to_answer_needs_staff() {
        for error in [
            TerminalError::NotReached("no port".into()),
            TerminalError::OutcomeUnknown("answer lost".into()),
            TerminalError::Refused(0x83),
        ] {
            let entry = entry(JournalState::Sent, Baseline::Receipt(no(41)));
            assert_eq!(
                reconcile(&entry, &Err(error.clone())),
                Settlement::NeedsStaff(OutcomeUnknown),
                "{error}"
            );
        }
    }

    #[test]
    fn edge_cases() {
        use Baseline::*;
        use JournalState::*;
        use Settlement::*;
        check(vec![
            Row {
                spec: "fresh terminal (it had no transaction) + still none -> not paid",
                state: Sent,
                baseline: NoTransaction,
                last: Ok(Last::None),
                expected: NotPaid,
            },
            Row {
                spec: "fresh terminal + its first approval, amount asked -> paid, recovered",
                state: Sent,
                baseline: NoTransaction,
                last: approved_last(ASKED, 1),
                expected: recovered(ASKED, 1),
            },
            Row {
                spec: "fresh terminal + its first approval, another amount -> terminal disagrees",
                state: Sent,
                baseline: NoTransaction,
                last: approved_last(ASKED - 1, 1),
                expected: NeedsStaff(TerminalDisagrees),
            },
            Row {
                spec: "baseline never known + an approval (maybe older than the attempt) -> needs staff",
                state: Sent,
                baseline: Unknown,
                last: approved_last(ASKED, 42),
                expected: NeedsStaff(OutcomeUnknown),
            },
            Row {
                spec: "baseline never known + no transaction on record -> not paid",
                state: Sent,
                baseline: Unknown,
                last: Ok(Last::None),
                expected: NotPaid,
            },
            Row {
                spec: "baseline never known + last not approved -> not paid",
                state: Sent,
                baseline: Unknown,
                last: Ok(Last::NotApproved { receipt_no: None }),
                expected: NotPaid,
            },
            Row {
                spec: "end of day in between: there was a transaction, now none -> needs staff",
                state: Sent,
                baseline: Receipt(no(41)),
                last: Ok(Last::None),
                expected: NeedsStaff(OutcomeUnknown),
            },
            Row {
                spec: "end of day before the attempt, numbers restarted: a new approval -> paid, recovered",
                state: Sent,
                baseline: Receipt(no(41)),
                last: approved_last(ASKED, 1),
                expected: recovered(ASKED, 1),
            },
            Row {
                spec: "receipt numbers wrap from 9999 to 1: still new -> paid, recovered",
                state: Sent,
                baseline: Receipt(no(9999)),
                last: approved_last(ASKED, 1),
                expected: recovered(ASKED, 1),
            },
            Row {
                spec: "an approval recorded live is paid even if the terminal has moved on since",
                state: Approved(record(ASKED, 42)),
                baseline: Receipt(no(41)),
                last: Ok(Last::None),
                expected: Paid {
                    approval: record(ASKED, 42),
                    recovered: false,
                },
            },
        ]);
    }

    #[test]
    fn two_unsettled_payments_each_settle_against_their_own_baseline() {
        // The first was approved (receipt 42) and not settled; the second was sent after it,
        // so its baseline is 42. The terminal's last transaction is the first's approval.
        let first = entry(
            JournalState::Approved(record(ASKED, 42)),
            Baseline::Receipt(no(41)),
        );
        let second = entry(JournalState::Sent, Baseline::Receipt(no(42)));
        let last = approved_last(ASKED, 42);
        assert_eq!(
            reconcile(&first, &last),
            Settlement::Paid {
                approval: record(ASKED, 42),
                recovered: false
            }
        );
        assert_eq!(
            reconcile(&second, &last),
            Settlement::NotPaid,
            "the first's approval is not counted twice"
        );
        // Had the second been charged too, the terminal's last would be its own receipt.
        assert_eq!(
            reconcile(&second, &approved_last(ASKED, 43)),
            recovered(ASKED, 43)
        );
    }

    #[test]
    fn only_in_flight_payments_need_the_terminal() {
        let baseline = Baseline::Receipt(no(41));
        for state in [
            JournalState::Intent,
            JournalState::NotTaken { declines: 0 },
            JournalState::Approved(record(ASKED, 42)),
        ] {
            assert!(settled_by_journal(&entry(state, baseline)).is_some());
        }
        for state in [JournalState::Sent, JournalState::AbortRequested] {
            assert_eq!(settled_by_journal(&entry(state, baseline)), None);
        }
    }
}

/// The driver's store side; the lead tests it against the ZVT simulator after merging.
#[cfg(test)]
mod driver_tests {
    use super::*;
    use crate::devices::payment::{AbortSignal, Authorisation, DayTotals, TerminalPrompt};
    use crate::domain::{Cents, TerminalReceiptNo};
    use crate::store::payments::fixtures::*;
    use crate::store::{AttemptEnd, Journaled, NewPayment};

    /// Answers "last transaction?" as told and records every call, to show that recovery
    /// asks at most once and never charges, reverses or closes the day.
    struct Scripted {
        last: Result<LastTransaction, TerminalError>,
        calls: Vec<&'static str>,
    }

    impl Scripted {
        fn answering(last: Result<LastTransaction, TerminalError>) -> Self {
            Self {
                last,
                calls: Vec::new(),
            }
        }
    }

    impl PaymentTerminal for Scripted {
        fn connect(&mut self) -> Result<(), TerminalError> {
            self.calls.push("connect");
            Ok(())
        }
        fn authorise(
            &mut self,
            _amount: Cents,
            _prompt: &mut dyn FnMut(TerminalPrompt),
            _abort: &AbortSignal,
        ) -> Result<Authorisation, TerminalError> {
            self.calls.push("authorise");
            Err(TerminalError::Refused(0))
        }
        fn last_transaction(&mut self) -> Result<LastTransaction, TerminalError> {
            self.calls.push("last_transaction");
            self.last.clone()
        }
        fn reverse(
            &mut self,
            _receipt_no: TerminalReceiptNo,
        ) -> Result<Authorisation, TerminalError> {
            self.calls.push("reverse");
            Err(TerminalError::Refused(0))
        }
        fn end_of_day(&mut self) -> Result<DayTotals, TerminalError> {
            self.calls.push("end_of_day");
            Err(TerminalError::Refused(0))
        }
    }

    fn receipt(number: u16) -> TerminalReceiptNo {
        TerminalReceiptNo::new(number).unwrap()
    }

    /// Opens `new`, records `answers` to as many attempts, and sends one more if asked.
    fn journal(
        store: &mut KioskStore,
        new: &NewPayment,
        answers: &[Result<Authorisation, TerminalError>],
        send_one_more: bool,
    ) {
        store.open_payment(new, at(0)).unwrap();
        for answer in answers {
            let ticket = store.begin_attempt(new.id, at(1)).unwrap();
            store.record_answer(ticket, answer, at(2)).unwrap();
        }
        if send_one_more {
            let _in_flight = store.begin_attempt(new.id, at(3)).unwrap();
        }
    }

    #[test]
    fn a_crash_mid_authorisation_is_settled_from_the_terminal_at_the_next_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let new = new_payment(2500);
        {
            let mut store = store_at(&path);
            store
                .note_last_transaction(&LastTransaction::Approved(approval(900, 41)))
                .unwrap();
            journal(&mut store, &new, &[], true);
        } // the kiosk dies while the terminal works
        let mut store = KioskStore::open(&path).unwrap();
        let outbox = Outbox::default();
        let mut terminal = Scripted::answering(Ok(LastTransaction::Approved(approval(2500, 42))));
        let recovered =
            recover(&mut store, &mut terminal, at(60), day(), &|s| outbox.row(s)).unwrap();
        let expected = PaymentOutcome::Paid {
            amount: Cents::new(2500),
            card: approval(2500, 42).card,
            auth_code: approval(2500, 42).auth_code,
            receipt_no: receipt(42),
            recovered: true,
        };
        assert_eq!(
            recovered,
            vec![RecoveredPayment {
                id: new.id,
                appointment: new.appointment,
                outcome: expected.clone()
            }]
        );
        assert_eq!(terminal.calls, ["last_transaction"]);
        assert_eq!(store.depth().unwrap(), 1);
        assert_eq!(outbox.written.borrow()[0].outcome, expected);
        assert_eq!(outbox.written.borrow()[0].settled_at, at(60));
        assert_eq!(
            store.terminal_baseline().unwrap(),
            Baseline::Receipt(receipt(42))
        );
        assert!(matches!(
            store.payment(new.id).unwrap(),
            Some(Journaled::Settled(_))
        ));

        // Started again: nothing left to settle, nothing asked.
        let mut terminal = Scripted::answering(Ok(LastTransaction::None));
        assert!(
            recover(&mut store, &mut terminal, at(61), day(), &|s| outbox.row(s))
                .unwrap()
                .is_empty()
        );
        assert!(terminal.calls.is_empty());
        assert_eq!(store.depth().unwrap(), 1);
    }

    /// Where the kiosk died in a payment, and what the terminal had done by then.
    struct CrashCase {
        spec: &'static str,
        /// Steps done before the crash: 1 open, 2 begin attempt, 3 record answer, 4 settle.
        steps: usize,
        charged: bool,
        last: LastTransaction,
    }

    #[test]
    fn a_crash_after_any_step_ends_paid_once_or_not_paid_as_the_terminal_did() {
        let unchanged = LastTransaction::Approved(approval(900, 41));
        let charged = LastTransaction::Approved(approval(2500, 42));
        let declined = LastTransaction::NotApproved {
            receipt_no: Some(receipt(42)),
        };
        let cases = [
            CrashCase {
                spec: "after the intent",
                steps: 1,
                charged: false,
                last: unchanged.clone(),
            },
            CrashCase {
                spec: "after sent, before the request left",
                steps: 2,
                charged: false,
                last: unchanged,
            },
            CrashCase {
                spec: "after sent, the terminal charged",
                steps: 2,
                charged: true,
                last: charged.clone(),
            },
            CrashCase {
                spec: "after sent, the terminal declined",
                steps: 2,
                charged: false,
                last: declined.clone(),
            },
            CrashCase {
                spec: "after the approval was journalled",
                steps: 3,
                charged: true,
                last: charged.clone(),
            },
            CrashCase {
                spec: "after the decline was journalled",
                steps: 3,
                charged: false,
                last: declined,
            },
            CrashCase {
                spec: "after settling",
                steps: 4,
                charged: true,
                last: charged,
            },
        ];
        for case in cases {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("k.db");
            let new = new_payment(2500);
            let outbox = Outbox::default();
            {
                let mut store = store_at(&path);
                store
                    .note_last_transaction(&LastTransaction::Approved(approval(900, 41)))
                    .unwrap();
                store.open_payment(&new, at(0)).unwrap();
                if case.steps >= 2 {
                    let ticket = store.begin_attempt(new.id, at(1)).unwrap();
                    if case.steps >= 3 {
                        let answer = if case.charged {
                            approved(2500, 42)
                        } else {
                            refused(crate::devices::payment::NotTaken::Declined)
                        };
                        store.record_answer(ticket, &answer, at(2)).unwrap();
                    }
                }
                if case.steps >= 4 {
                    let Some(Journaled::Open(entry)) = store.payment(new.id).unwrap() else {
                        panic!("{}: open", case.spec)
                    };
                    let settlement = settled_by_journal(&entry).unwrap();
                    store
                        .settle(new.id, settlement, at(3), day(), &|s| outbox.row(s))
                        .unwrap();
                }
                // Killed: the connection is never closed, so nothing is checkpointed or
                // flushed on the way out; only what each call committed is there.
                std::mem::forget(store);
            }
            let mut store = KioskStore::open(&path).unwrap();
            let mut terminal = Scripted::answering(Ok(case.last));
            let recovered =
                recover(&mut store, &mut terminal, at(60), day(), &|s| outbox.row(s)).unwrap();
            let written = outbox.written.borrow();
            assert_eq!(written.len(), 1, "{}: exactly one outbox row", case.spec);
            assert_eq!(store.depth().unwrap(), 1, "{}", case.spec);
            assert_eq!(
                recovered.len(),
                usize::from(case.steps < 4),
                "{}: settled once",
                case.spec
            );
            let expected = if case.charged { "paid" } else { "not_paid" };
            assert_eq!(written[0].outcome.status_str(), expected, "{}", case.spec);
            if case.charged {
                assert!(
                    matches!(written[0].outcome, PaymentOutcome::Paid { amount, receipt_no, .. }
                        if amount == Cents::new(2500) && receipt_no == receipt(42)),
                    "{}",
                    case.spec
                );
            }
            assert!(
                terminal
                    .calls
                    .iter()
                    .all(|call| *call == "last_transaction"),
                "{}: never charged or reversed",
                case.spec
            );
        }
    }

    #[test]
    fn every_unsettled_payment_is_settled_asking_the_terminal_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        store.note_last_transaction(&LastTransaction::None).unwrap();
        let (intent, declined, approved_unsettled, in_flight) = (
            new_payment(100),
            new_payment(200),
            new_payment(300),
            new_payment(400),
        );
        journal(&mut store, &intent, &[], false);
        journal(
            &mut store,
            &declined,
            &[refused(crate::devices::payment::NotTaken::Declined)],
            false,
        );
        journal(&mut store, &approved_unsettled, &[approved(300, 42)], false);
        journal(&mut store, &in_flight, &[], true);
        let outbox = Outbox::default();
        // The terminal's last is the approved payment's: the one in flight was not charged.
        let mut terminal = Scripted::answering(Ok(LastTransaction::Approved(approval(300, 42))));
        let recovered =
            recover(&mut store, &mut terminal, at(60), day(), &|s| outbox.row(s)).unwrap();
        let outcomes: Vec<_> = recovered
            .iter()
            .map(|r| (r.id, r.outcome.status_str()))
            .collect();
        assert_eq!(
            outcomes,
            [
                (intent.id, "not_paid"),
                (declined.id, "not_paid"),
                (approved_unsettled.id, "paid"),
                (in_flight.id, "not_paid"),
            ]
        );
        assert!(matches!(
            recovered[2].outcome,
            PaymentOutcome::Paid {
                recovered: false,
                ..
            }
        ));
        assert_eq!(
            terminal.calls,
            ["last_transaction"],
            "asked once, never reversed"
        );
        assert_eq!(store.depth().unwrap(), 4);
        assert!(store.unsettled_payments().unwrap().is_empty());
    }

    #[test]
    fn the_terminals_answer_is_kept_as_the_baseline_even_when_settling_fails() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        store
            .note_last_transaction(&LastTransaction::Approved(approval(900, 41)))
            .unwrap();
        let new = new_payment(2500);
        journal(&mut store, &new, &[], true);
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER full_disk BEFORE INSERT ON outbox
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .unwrap();
        let mut terminal = Scripted::answering(Ok(LastTransaction::Approved(approval(2500, 42))));
        assert!(
            recover(&mut store, &mut terminal, at(60), day(), &|s| {
                Outbox::default().row(s)
            })
            .is_err()
        );
        assert_eq!(
            store.terminal_baseline().unwrap(),
            Baseline::Receipt(receipt(42)),
            "a later payment will not take receipt 42 for its own"
        );
        let Some(Journaled::Open(entry)) = store.payment(new.id).unwrap() else {
            panic!("still unsettled")
        };
        assert_eq!(
            entry.baseline,
            Baseline::Receipt(receipt(41)),
            "the payment keeps the baseline it was sent with"
        );
        store.conn.execute_batch("DROP TRIGGER full_disk").unwrap();
        let recovered = recover(&mut store, &mut terminal, at(61), day(), &|s| {
            Outbox::default().row(s)
        })
        .unwrap();
        assert!(matches!(
            recovered[0].outcome,
            PaymentOutcome::Paid {
                recovered: true,
                ..
            }
        ));
    }

    #[test]
    fn an_unreachable_terminal_sends_the_payment_in_flight_to_staff() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        store.note_last_transaction(&LastTransaction::None).unwrap();
        let new = new_payment(2500);
        journal(&mut store, &new, &[], true);
        store.request_abort(new.id, at(4)).unwrap();
        let mut terminal = Scripted::answering(Err(TerminalError::NotReached("unplugged".into())));
        let recovered = recover(&mut store, &mut terminal, at(60), day(), &|s| {
            Outbox::default().row(s)
        })
        .unwrap();
        assert_eq!(
            recovered[0].outcome,
            PaymentOutcome::NeedsStaff {
                problem: PaymentProblem::OutcomeUnknown
            }
        );
        assert_eq!(terminal.calls, ["last_transaction"]);
        assert_eq!(
            store.terminal_baseline().unwrap(),
            Baseline::NoTransaction,
            "kept as it was"
        );
        assert_eq!(store.depth().unwrap(), 1);
    }

    #[test]
    fn a_lost_answer_is_settled_by_the_same_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        store.note_last_transaction(&LastTransaction::None).unwrap();
        let new = new_payment(2500);
        store.open_payment(&new, at(0)).unwrap();
        let ticket = store.begin_attempt(new.id, at(1)).unwrap();
        let lost = Err(TerminalError::OutcomeUnknown("link dropped".into()));
        assert_eq!(
            store.record_answer(ticket, &lost, at(2)).unwrap(),
            AttemptEnd::Unknown
        );
        let mut terminal =
            Scripted::answering(Ok(LastTransaction::NotApproved { receipt_no: None }));
        let recovered = recover(&mut store, &mut terminal, at(3), day(), &|s| {
            Outbox::default().row(s)
        })
        .unwrap();
        assert_eq!(recovered[0].outcome, PaymentOutcome::NotPaid);
    }

    #[test]
    fn with_nothing_in_flight_the_terminal_is_asked_only_to_learn_the_baseline() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let mut terminal = Scripted::answering(Ok(LastTransaction::None));
        assert!(
            recover(&mut store, &mut terminal, at(0), day(), &|_| unreachable!())
                .unwrap()
                .is_empty()
        );
        assert_eq!(terminal.calls, ["last_transaction"]);
        assert_eq!(store.terminal_baseline().unwrap(), Baseline::NoTransaction);

        let intent = new_payment(100);
        journal(&mut store, &intent, &[], false);
        let mut terminal = Scripted::answering(Ok(LastTransaction::None));
        let recovered = recover(&mut store, &mut terminal, at(1), day(), &|s| {
            Outbox::default().row(s)
        })
        .unwrap();
        assert_eq!(recovered[0].outcome, PaymentOutcome::NotPaid);
        assert!(
            terminal.calls.is_empty(),
            "baseline known, nothing in flight: not asked"
        );
    }
}

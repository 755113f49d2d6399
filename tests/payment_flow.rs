//! The payment step as a pure state machine: after the check-in is saved, what is due is
//! offered; the terminal's prompts are mirrored; declines, retries, cancel, the desk, and
//! a terminal that is down or whose answer was lost each end where the patient expects.

mod journey_support;

use ed25519_dalek::SigningKey;
use frontdesk::checkin::{
    Completion, Effect, Ending, Event, HelpState, Journey, JourneyPlan, JourneySettings,
    OfficeTrust, OpId, OpResult, OverlayView, PageView, PaymentAnswer, PaymentNote, PaymentTap,
    PaymentView, PaymentsReadiness, PendingPayment, Roster, RosterEntry, StepKind, Tap,
};
use frontdesk::devices::payment::{NotTaken, TerminalPrompt};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AmountDue, AppointmentId, Cents, ClinicId, PaymentOutcome, PersonName};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use journey_support::scan_confirm_and_save;

const CLINIC: u32 = 7;
const APPOINTMENT: u64 = 1001;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn morning() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn later(secs: i64) -> Timestamp {
    morning() + SignedDuration::from_secs(secs)
}

fn due(copay: u32, balance: u32) -> AmountDue {
    AmountDue {
        copay: Cents::new(copay),
        balance: Cents::new(balance),
    }
}

fn tap(tap: PaymentTap) -> Event {
    Event::Tapped(Tap::Payment(tap))
}

fn completed(op: OpId, result: OpResult) -> Event {
    Event::Completed(Completion { op, result })
}

fn page(journey: &Journey) -> PageView {
    journey.screen().page
}

fn done(payment: PaymentNote) -> PageView {
    PageView::Ending(Ending::CheckedIn {
        queue_position: Some(3),
        payment,
    })
}

/// A journey (without the details step) whose patient owes `owed`, on a kiosk whose
/// terminal is `readiness`, run up to the check-in being saved.
fn checked_in(owed: AmountDue, readiness: PaymentsReadiness) -> Journey {
    checked_in_by(owed, readiness).0
}

/// [`checked_in`], and the id of the check-in's own save.
fn checked_in_by(owed: AmountDue, readiness: PaymentsReadiness) -> (Journey, OpId) {
    let trust = OfficeTrust {
        clinic: ClinicId::new(CLINIC).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: key().verifying_key(),
    };
    // The consent and questions steps have their own tests (consent_flow.rs, questions_flow.rs).
    let plan = JourneyPlan::standard()
        .without(StepKind::Details)
        .without(StepKind::Consent)
        .without(StepKind::Questions)
        .without(StepKind::Insurance);
    let settings =
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8));
    let mut journey = Journey::new(settings, plan, Some(trust), [], morning());
    let entry = RosterEntry {
        appointment: AppointmentId::new(APPOINTMENT),
        display_name: PersonName::new("Ada", "Testpatient")
            .unwrap()
            .display_name(),
        starts_at: Time::constant(10, 45, 0, 0),
        provider: "Dr. Example".into(),
        checked_in: false,
        code: None,
        identity: None,
        due: owed,
    };
    journey.handle(Event::RosterUpdated(Roster::new(vec![entry], 2)), morning());
    journey.handle(Event::PaymentsReadiness(readiness), morning());
    let op = scan_confirm_and_save(
        &mut journey,
        &key(),
        ClinicId::new(CLINIC).unwrap(),
        AppointmentId::new(APPOINTMENT),
        morning(),
    );
    (journey, op)
}

fn take(effects: &[Effect]) -> (OpId, PendingPayment) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::TakePayment { op, request } => Some((*op, request.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("expected TakePayment, got {effects:?}"))
}

#[test]
fn nothing_due_goes_straight_to_take_a_seat() {
    let journey = checked_in(due(0, 0), PaymentsReadiness::Ready);
    assert_eq!(page(&journey), done(PaymentNote::Nothing));
}

#[test]
fn without_a_working_terminal_the_patient_is_told_to_pay_at_the_desk() {
    let journey = checked_in(due(2500, 1000), PaymentsReadiness::NoTerminal);
    assert_eq!(
        page(&journey),
        done(PaymentNote::PayAtDesk(Cents::new(3500)))
    );
    let journey = checked_in(due(2500, 0), PaymentsReadiness::Unavailable);
    assert_eq!(
        page(&journey),
        done(PaymentNote::TerminalDown(Cents::new(2500)))
    );
}

#[test]
fn an_approved_payment_mirrors_the_terminal_and_ends_paid() {
    let (mut journey, save) = checked_in_by(due(2500, 0), PaymentsReadiness::Ready);
    assert_eq!(
        page(&journey),
        PageView::Payment(PaymentView::Offer(due(2500, 0)))
    );
    // "Pay $25.00 only" is not offered without a balance: the tap does nothing.
    assert!(
        journey
            .handle(tap(PaymentTap::PayCopayOnly), later(1))
            .is_empty()
    );

    let effects = journey.handle(tap(PaymentTap::PayAll), later(2));
    let (op, request) = take(&effects);
    assert_eq!(request.amount, Cents::new(2500));
    assert_eq!(request.appointment, AppointmentId::new(APPOINTMENT));
    assert_eq!(request.due, due(2500, 0));
    assert_eq!(
        page(&journey),
        PageView::Payment(PaymentView::Paying {
            amount: Cents::new(2500),
            prompt: None,
            cancelling: false
        })
    );
    for prompt in [
        TerminalPrompt::PresentCard,
        TerminalPrompt::EnterPin,
        TerminalPrompt::Processing,
    ] {
        journey.handle(completed(op, OpResult::TerminalPrompt(prompt)), later(3));
        assert!(matches!(
            page(&journey),
            PageView::Payment(PaymentView::Paying { prompt: Some(p), .. }) if p == prompt
        ));
    }
    // An answer to another operation (the check-in's save) is not this payment's.
    let stale = journey.handle(
        completed(save, OpResult::TerminalPrompt(TerminalPrompt::RemoveCard)),
        later(4),
    );
    assert!(stale.is_empty());

    journey.handle(
        completed(
            op,
            OpResult::Payment(PaymentAnswer::Approved { receipt: true }),
        ),
        later(5),
    );
    assert_eq!(
        page(&journey),
        done(PaymentNote::Paid {
            amount: Cents::new(2500),
            receipt: true
        })
    );
}

#[test]
fn a_balance_can_be_paid_with_the_copay_or_left_for_later() {
    let mut journey = checked_in(due(2500, 4075), PaymentsReadiness::Ready);
    let (_, request) = take(&journey.handle(tap(PaymentTap::PayCopayOnly), later(1)));
    assert_eq!(request.amount, Cents::new(2500));

    let mut journey = checked_in(due(2500, 4075), PaymentsReadiness::Ready);
    let (_, request) = take(&journey.handle(tap(PaymentTap::PayAll), later(1)));
    assert_eq!(request.amount, Cents::new(6575));

    let mut journey = checked_in(due(0, 4075), PaymentsReadiness::Ready);
    let (_, request) = take(&journey.handle(tap(PaymentTap::PayAll), later(1)));
    assert_eq!(request.amount, Cents::new(4075));
}

#[test]
fn declines_offer_a_retry_of_the_same_payment_then_only_the_desk() {
    let mut journey = checked_in(due(2500, 0), PaymentsReadiness::Ready);
    let (op, first) = take(&journey.handle(tap(PaymentTap::PayAll), later(1)));
    let mut op = op;
    for attempt in 1..=3u8 {
        journey.handle(
            completed(
                op,
                OpResult::Payment(PaymentAnswer::NotTaken(NotTaken::Declined)),
            ),
            later(2),
        );
        let can_retry = attempt < 3;
        assert_eq!(
            page(&journey),
            PageView::Payment(PaymentView::NotTaken {
                amount: Cents::new(2500),
                reason: NotTaken::Declined,
                can_retry
            })
        );
        let effects = journey.handle(tap(PaymentTap::TryAgain), later(3));
        if can_retry {
            let (next, again) = take(&effects);
            assert_eq!(again.id, first.id, "a retry is the same payment");
            assert_ne!(next, op);
            op = next;
        } else {
            assert!(effects.is_empty(), "no fourth try: {effects:?}");
        }
    }
    let effects = journey.handle(tap(PaymentTap::PayAtDesk), later(4));
    let (settle, submission) = effects
        .iter()
        .find_map(|e| match e {
            Effect::SettlePayment { op, submission, .. } => Some((*op, submission.clone())),
            _ => None,
        })
        .expect("the desk choice is recorded");
    assert_eq!(submission.id, first.id);
    assert_eq!(
        submission.outcome,
        PaymentOutcome::PayAtDesk { declines: 3 }
    );
    assert_eq!(page(&journey), PageView::Payment(PaymentView::Saving));
    journey.handle(completed(settle, OpResult::Persisted), later(5));
    assert_eq!(
        page(&journey),
        done(PaymentNote::PayAtDesk(Cents::new(2500)))
    );
}

#[test]
fn cancel_aborts_at_the_terminal_and_returns_to_the_choice() {
    let mut journey = checked_in(due(2500, 0), PaymentsReadiness::Ready);
    let (op, _) = take(&journey.handle(tap(PaymentTap::PayAll), later(1)));
    let effects = journey.handle(tap(PaymentTap::Cancel), later(2));
    assert!(effects.contains(&Effect::CancelPayment { op }));
    assert!(matches!(
        page(&journey),
        PageView::Payment(PaymentView::Paying {
            cancelling: true,
            ..
        })
    ));
    // A second tap while the terminal confirms sends nothing more.
    assert!(journey.handle(tap(PaymentTap::Cancel), later(3)).is_empty());
    journey.handle(
        completed(
            op,
            OpResult::Payment(PaymentAnswer::NotTaken(NotTaken::Aborted)),
        ),
        later(4),
    );
    assert_eq!(
        page(&journey),
        PageView::Payment(PaymentView::Offer(due(2500, 0)))
    );
}

#[test]
fn while_the_terminal_works_nothing_wipes_or_restarts_the_payment() {
    let mut journey = checked_in(due(2500, 0), PaymentsReadiness::Ready);
    let (op, _) = take(&journey.handle(tap(PaymentTap::PayAll), later(1)));
    // Long past the idle timeout: no "still there?", no wipe.
    for secs in [30, 61, 120, 300] {
        journey.handle(Event::Tick, later(secs));
    }
    assert!(matches!(
        page(&journey),
        PageView::Payment(PaymentView::Paying { .. })
    ));
    assert_eq!(journey.screen().overlay, None);
    // Neither a scan nor "start over" can leave a payment in flight.
    journey.handle(
        Event::Scanned(Scan::classify("SOMETHING".into())),
        later(301),
    );
    journey.handle(Event::Tapped(Tap::StartOver), later(302));
    assert!(matches!(
        page(&journey),
        PageView::Payment(PaymentView::Paying { .. })
    ));
    // "Call staff" still works over it, and the answer still lands underneath.
    journey.handle(Event::Tapped(Tap::CallStaff), later(303));
    journey.handle(
        completed(
            op,
            OpResult::Payment(PaymentAnswer::Approved { receipt: true }),
        ),
        later(304),
    );
    let screen = journey.screen();
    assert_eq!(screen.overlay, Some(OverlayView::Help(HelpState::Calling)));
    assert_eq!(
        screen.page,
        done(PaymentNote::Paid {
            amount: Cents::new(2500),
            receipt: true
        })
    );
}

#[test]
fn a_terminal_that_fails_or_loses_the_answer_sends_the_patient_to_the_desk() {
    let mut journey = checked_in(due(2500, 0), PaymentsReadiness::Ready);
    let (op, _) = take(&journey.handle(tap(PaymentTap::PayAll), later(1)));
    journey.handle(
        completed(op, OpResult::Payment(PaymentAnswer::TerminalDown)),
        later(2),
    );
    assert_eq!(
        page(&journey),
        done(PaymentNote::TerminalDown(Cents::new(2500)))
    );

    let mut journey = checked_in(due(2500, 0), PaymentsReadiness::Ready);
    let (op, _) = take(&journey.handle(tap(PaymentTap::PayAll), later(1)));
    journey.handle(
        completed(op, OpResult::Payment(PaymentAnswer::Unsettled)),
        later(2),
    );
    assert_eq!(page(&journey), done(PaymentNote::SeeDesk));
}

#[test]
fn an_untouched_offer_is_wiped_like_any_page_the_check_in_stays_saved() {
    let mut journey = checked_in(due(2500, 0), PaymentsReadiness::Ready);
    journey.handle(Event::Tick, later(45));
    assert!(matches!(
        journey.screen().overlay,
        Some(OverlayView::StillThere { .. })
    ));
    journey.handle(Event::Tick, later(61));
    assert_eq!(journey.screen().page, PageView::Identify);
}

/// The check-in is saved: the payment step asks the office what is due now. Returns the
/// look-up's op.
fn asked_due(owed: AmountDue) -> (Journey, OpId) {
    let trust = OfficeTrust {
        clinic: ClinicId::new(CLINIC).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: key().verifying_key(),
    };
    let plan = JourneyPlan::standard()
        .without(StepKind::Details)
        .without(StepKind::Consent)
        .without(StepKind::Questions)
        .without(StepKind::Insurance);
    let settings =
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8));
    let mut journey = Journey::new(settings, plan, Some(trust), [], morning());
    let entry = RosterEntry {
        appointment: AppointmentId::new(APPOINTMENT),
        display_name: PersonName::new("Ada", "Testpatient")
            .unwrap()
            .display_name(),
        starts_at: Time::constant(10, 45, 0, 0),
        provider: "Dr. Example".into(),
        checked_in: false,
        code: None,
        identity: None,
        due: owed,
    };
    journey.handle(Event::RosterUpdated(Roster::new(vec![entry], 2)), morning());
    journey.handle(
        Event::PaymentsReadiness(PaymentsReadiness::Ready),
        morning(),
    );
    let code = frontdesk::token::CheckInToken {
        clinic: ClinicId::new(CLINIC).unwrap(),
        appointment: AppointmentId::new(APPOINTMENT),
        valid_on: jiff::civil::date(2026, 11, 23),
        starts_at: Time::constant(10, 45, 0, 0),
        expires_at: "2026-11-24T00:00:00Z".parse().unwrap(),
    }
    .sign(&key())
    .unwrap();
    journey.handle(
        Event::Scanned(frontdesk::devices::scan::Scan::classify(code)),
        morning(),
    );
    let effects = journey.handle(
        Event::Tapped(frontdesk::checkin::Tap::Confirm(
            frontdesk::checkin::ConfirmTap::Yes,
        )),
        morning(),
    );
    let save = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist { op, .. } => Some(*op),
            _ => None,
        })
        .unwrap();
    let effects = journey.handle(completed(save, OpResult::Persisted), morning());
    let op = effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchDue { op, appointment } => {
                assert_eq!(*appointment, AppointmentId::new(APPOINTMENT));
                Some(*op)
            }
            _ => None,
        })
        .expect("the office is asked what is due now");
    assert_eq!(page(&journey), PageView::Payment(PaymentView::Checking));
    (journey, op)
}

#[test]
fn the_amount_offered_is_the_office_s_latest_when_it_answers() {
    // Eligibility set a co-pay the roster did not have yet.
    let (mut journey, op) = asked_due(due(0, 0));
    journey.handle(completed(op, OpResult::Due(due(3000, 0))), later(1));
    assert_eq!(
        page(&journey),
        PageView::Payment(PaymentView::Offer(due(3000, 0)))
    );
    // And one it lowered to nothing: straight to take a seat.
    let (mut journey, op) = asked_due(due(2500, 0));
    journey.handle(completed(op, OpResult::Due(due(0, 0))), later(1));
    assert_eq!(page(&journey), done(PaymentNote::Nothing));
}

#[test]
fn offline_the_roster_s_amount_is_offered() {
    let (mut journey, op) = asked_due(due(2500, 1000));
    journey.handle(completed(op, OpResult::DueUnavailable), later(1));
    assert_eq!(
        page(&journey),
        PageView::Payment(PaymentView::Offer(due(2500, 1000)))
    );
}

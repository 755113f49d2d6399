//! The consent step as a pure state machine, after a returning patient's check-in: the
//! versions already signed are asked of the office and not asked again, a new version is,
//! offline every document is; each signature is one sealed outbox row written at once; an
//! empty signature cannot be given; "sign at the desk" skips the rest; a failed save goes
//! on and tells the desk; the strokes are wiped with the session and never shown in `Debug`.

mod journey_support;

use ed25519_dalek::SigningKey;
use frontdesk::api::FormSubject;
use frontdesk::checkin::{
    Completion, ConsentTap, ConsentView, Effect, Ending, Event, Forms, Journey, JourneyPlan,
    JourneySettings, OfficeTrust, OpId, OpResult, PageView, PendingConsent, PendingRow, StepKind,
    Tap,
};
use frontdesk::consent::{ConsentSet, DocumentId, SignedVersion, Version};

use frontdesk::domain::{AppointmentId, ClinicId, Language, StaffNeed};
use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;

const CLINIC: u32 = 7;
const APPOINTMENT: u64 = 1001;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn morning() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn later(ms: i64) -> Timestamp {
    morning() + SignedDuration::from_millis(ms)
}

fn trust() -> OfficeTrust {
    OfficeTrust {
        clinic: ClinicId::new(CLINIC).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: key().verifying_key(),
    }
}

/// The shipped consents (privacy notice, financial policy, treatment consent; version 1).
fn shipped() -> Arc<ConsentSet> {
    Forms::shipped().consents.expect("shipped consents")
}

fn id(text: &str) -> DocumentId {
    DocumentId::new(text).unwrap()
}

fn signed(text: &str, version: u32) -> SignedVersion {
    SignedVersion {
        id: id(text),
        version: Version::new(version).unwrap(),
    }
}

fn completed(op: OpId, result: OpResult) -> Event {
    Event::Completed(Completion { op, result })
}

fn tap(journey: &mut Journey, tap: ConsentTap, now: Timestamp) -> Vec<Effect> {
    journey.handle(Event::Tapped(Tap::Consent(tap)), now)
}

/// A journey (no details step, no terminal) that knows `forms`, where Ada has scanned her
/// code, said yes, and her check-in is saved. Returns the consent look-up's op, if the
/// office was asked.
fn checked_in_with(forms: Forms) -> (Journey, Option<OpId>) {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // The questions step after it has its own tests (questions_flow.rs).
        JourneyPlan::standard()
            .without(StepKind::Details)
            .without(StepKind::Questions)
            .without(StepKind::Insurance),
        Some(trust()),
        [],
        morning(),
    );
    journey.handle(Event::FormsLearned(Box::new(forms)), morning());
    let effects = journey_support::check_in_ada(
        &mut journey,
        &key(),
        ClinicId::new(CLINIC).unwrap(),
        AppointmentId::new(APPOINTMENT),
        morning(),
    );
    let lookup = effects.iter().find_map(|e| match e {
        Effect::FetchConsents { op, appointment } => {
            assert_eq!(*appointment, AppointmentId::new(APPOINTMENT));
            Some(*op)
        }
        _ => None,
    });
    (journey, lookup)
}

/// [`checked_in_with`] the shipped forms: the office has been asked.
fn checked_in() -> (Journey, OpId) {
    let (journey, op) = checked_in_with(Forms::shipped());
    assert_eq!(
        journey.screen().page,
        PageView::Consent(ConsentView::Looking)
    );
    (
        journey,
        op.expect("the office is asked which consents are signed"),
    )
}

/// The document showing: (id of its title, number, count).
fn reading(journey: &Journey) -> (String, usize, usize) {
    match journey.screen().page {
        PageView::Consent(ConsentView::Reading(page)) => {
            (page.document.id.to_string(), page.number, page.count)
        }
        other => panic!("expected a document to read, got {other:?}"),
    }
}

/// Draws a stroke across the pad, one point every 16 ms.
fn draw(journey: &mut Journey, from_ms: i64) {
    tap(
        journey,
        ConsentTap::PenDown { x: 1000, y: 5000 },
        later(from_ms),
    );
    for i in 1..=30u16 {
        tap(
            journey,
            ConsentTap::PenMove {
                x: 1000 + i * 200,
                y: 5000 + (i % 5) * 300,
            },
            later(from_ms + i64::from(i) * 16),
        );
    }
    tap(journey, ConsentTap::PenUp, later(from_ms + 500));
}

/// Reads, signs and taps Sign; returns the row handed to the outbox and its op.
fn sign_one(journey: &mut Journey) -> (OpId, PendingConsent) {
    tap(journey, ConsentTap::ToPad, morning());
    draw(journey, 0);
    let effects = tap(journey, ConsentTap::Sign, later(1000));
    let row = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::Consent(pending),
            } => Some((*op, (**pending).clone())),
            _ => None,
        })
        .expect("the signature goes to the outbox at once");
    assert_eq!(
        journey.screen().page,
        PageView::Consent(ConsentView::Saving)
    );
    row
}

fn checked_in_ending(journey: &Journey) -> bool {
    matches!(
        journey.screen().page,
        PageView::Ending(Ending::CheckedIn { .. })
    )
}

#[test]
fn a_patient_who_signed_every_current_version_is_not_asked_again() {
    let (mut journey, op) = checked_in();
    let all = vec![
        signed("privacy-notice", 1),
        signed("financial-policy", 1),
        signed("treatment-consent", 1),
    ];
    journey.handle(completed(op, OpResult::ConsentsOnFile(all)), morning());
    assert!(checked_in_ending(&journey));
}

#[test]
fn a_new_version_asks_again_and_a_patient_mid_way_keeps_the_set_they_started_with() {
    // The office raised the treatment consent to version 2.
    let sources: Vec<frontdesk::api::FormFile> = frontdesk::consent::DEFAULT_SOURCES
        .iter()
        .map(|(name, text)| frontdesk::api::FormFile {
            name: (*name).to_owned(),
            text: if name.starts_with("treatment-consent") {
                text.replacen("version: 1", "version: 2", 1)
            } else {
                (*text).to_owned()
            },
        })
        .collect();
    let forms = Forms::from_response(&frontdesk::api::FormsResponse {
        revision: "r2".into(),
        consents: sources,
        questionnaires: Vec::new(),
        ask: Vec::new(),
        canonical_base: "https://clinic.example/fhir".into(),
    })
    .unwrap();
    let all_v1 = || {
        vec![
            signed("privacy-notice", 1),
            signed("financial-policy", 1),
            signed("treatment-consent", 1),
        ]
    };

    // Learnt while a patient is at the step: that patient's step keeps the set it had.
    let (mut journey, op) = checked_in();
    journey.handle(Event::FormsLearned(Box::new(forms.clone())), morning());
    journey.handle(completed(op, OpResult::ConsentsOnFile(all_v1())), morning());
    assert!(checked_in_ending(&journey));

    // The next patient who signed version 1 is asked the new version, and only that.
    let (mut journey, op) = checked_in_with(forms);
    journey.handle(
        completed(op.unwrap(), OpResult::ConsentsOnFile(all_v1())),
        morning(),
    );
    assert_eq!(reading(&journey), ("treatment-consent".into(), 1, 1));
    let (op, pending) = sign_one(&mut journey);
    assert_eq!(pending.submission.consent.version, Version::new(2).unwrap());
    journey.handle(completed(op, OpResult::Persisted), later(1100));
    assert!(checked_in_ending(&journey));
}

#[test]
fn offline_every_document_is_asked_in_order_and_each_is_saved_as_signed() {
    let (mut journey, op) = checked_in();
    journey.handle(completed(op, OpResult::ConsentsUnavailable), morning());
    let order: Vec<String> = shipped().ids().iter().map(|i| i.to_string()).collect();
    for (n, expected) in order.iter().enumerate() {
        let (shown, number, count) = reading(&journey);
        assert_eq!((&shown, number, count), (expected, n + 1, 3));
        let (op, pending) = sign_one(&mut journey);
        let submission = &pending.submission;
        assert_eq!(submission.clinic, ClinicId::new(CLINIC).unwrap());
        assert_eq!(
            submission.subject,
            FormSubject::Appointment(AppointmentId::new(APPOINTMENT))
        );
        assert_eq!(submission.consent.document.to_string(), *expected);
        assert_eq!(submission.consent.version, Version::new(1).unwrap());
        assert_eq!(submission.consent.language, Language::English);
        assert_eq!(submission.consent.signed_at, later(1000));
        assert_eq!(pending.day, date(2026, 11, 23));
        let strokes = submission.consent.signature.strokes();
        assert_eq!(strokes.len(), 1);
        assert_eq!(strokes[0].len(), 31);
        assert_eq!(strokes[0][30].t_ms, 480, "times count from the first touch");
        journey.handle(completed(op, OpResult::Persisted), later(1100));
    }
    assert!(checked_in_ending(&journey));
}

#[test]
fn the_pad_needs_a_real_signature_and_undo_clear_and_back_keep_what_they_should() {
    let (mut journey, op) = checked_in();
    journey.handle(completed(op, OpResult::ConsentsUnavailable), morning());
    tap(&mut journey, ConsentTap::ToPad, morning());
    let pad = |journey: &Journey| match journey.screen().page {
        PageView::Consent(ConsentView::Signing(pad)) => pad,
        other => panic!("expected the pad, got {other:?}"),
    };
    assert!(!pad(&journey).can_sign, "an empty pad cannot be signed");
    assert!(
        tap(&mut journey, ConsentTap::Sign, morning())
            .iter()
            .all(|e| !matches!(e, Effect::Persist { .. })),
        "Sign on an empty pad saves nothing"
    );
    // A tap is a dot, not a signature.
    tap(
        &mut journey,
        ConsentTap::PenDown { x: 10, y: 10 },
        morning(),
    );
    tap(&mut journey, ConsentTap::PenUp, morning());
    assert!(!pad(&journey).can_sign);
    draw(&mut journey, 100);
    assert!(pad(&journey).can_sign);
    assert_eq!(pad(&journey).strokes.len(), 2);
    tap(&mut journey, ConsentTap::Undo, later(700));
    assert_eq!(pad(&journey).strokes.len(), 1);
    assert!(!pad(&journey).can_sign, "undo took the long stroke");
    draw(&mut journey, 800);
    // The debug text of the screen shows counts, never points.
    let debug = format!("{:?}", journey.screen());
    assert!(debug.contains("strokes: 2"), "{debug}");
    assert!(!debug.contains("5300"), "{debug}");
    // Back to the text and again: the strokes are kept.
    tap(&mut journey, ConsentTap::BackToText, later(1400));
    assert_eq!(reading(&journey).1, 1);
    tap(&mut journey, ConsentTap::ToPad, later(1500));
    assert_eq!(pad(&journey).strokes.len(), 2);
    tap(&mut journey, ConsentTap::Clear, later(1600));
    assert!(pad(&journey).strokes.is_empty());
    assert!(!pad(&journey).can_sign);
    // Moves without a finger down draw nothing.
    tap(
        &mut journey,
        ConsentTap::PenMove { x: 10, y: 10 },
        later(1700),
    );
    assert!(pad(&journey).strokes.is_empty());
}

#[test]
fn sign_at_the_desk_skips_the_rest_and_the_journey_goes_on() {
    let (mut journey, op) = checked_in();
    journey.handle(
        completed(op, OpResult::ConsentsOnFile(Vec::new())),
        morning(),
    );
    let (op, _) = sign_one(&mut journey);
    journey.handle(completed(op, OpResult::Persisted), later(1100));
    assert_eq!(reading(&journey).1, 2);
    let effects = tap(&mut journey, ConsentTap::AtDesk, later(1200));
    assert!(checked_in_ending(&journey));
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Persist { .. })),
        "nothing is saved for the skipped documents"
    );
}

#[test]
fn a_failed_save_goes_on_and_tells_the_desk() {
    let (mut journey, op) = checked_in();
    journey.handle(completed(op, OpResult::ConsentsUnavailable), morning());
    let (op, _) = sign_one(&mut journey);
    let effects = journey.handle(completed(op, OpResult::PersistFailed), later(1100));
    assert!(
        checked_in_ending(&journey),
        "the check-in stands: {effects:?}"
    );
    assert!(
        effects.contains(&Effect::RequestHelp(StaffNeed::ConsentNotSaved)),
        "{effects:?}"
    );
}

#[test]
fn an_office_that_asks_no_consent_skips_the_step_without_asking() {
    let mut none = Forms::shipped();
    none.consents = None;
    let (journey, op) = checked_in_with(none);
    assert_eq!(op, None, "the office is not asked");
    assert!(checked_in_ending(&journey));
}

#[test]
fn idle_on_the_pad_asks_are_you_still_there_then_wipes_the_strokes() {
    let (mut journey, op) = checked_in();
    journey.handle(completed(op, OpResult::ConsentsUnavailable), morning());
    tap(&mut journey, ConsentTap::ToPad, morning());
    draw(&mut journey, 0);
    journey.handle(Event::Tick, later(45_000));
    assert!(journey.screen().overlay.is_some(), "are you still there?");
    journey.handle(Event::Tick, later(61_000));
    assert_eq!(journey.screen().page, PageView::Identify);
    assert!(!format!("{journey:?}").contains("strokes: 1"));
}

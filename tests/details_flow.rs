//! The details step: after "Is this you?", a returning patient sees the address, phone
//! and email on file (asked of the office by a worker) and confirms them or types changes
//! on the registration form's screens; the changes go to the outbox as one change request.
//! Offline, the step is skipped and the desk flagged; with nothing on file, skipped quietly.

use frontdesk::checkin::{
    Completion, ConfirmTap, ContactChange, DetailsTap, DetailsView, Effect, Ending, Event, Field,
    FormError, Journey, JourneyPlan, JourneySettings, NameKey, OfficeTrust, OpId, OpResult,
    PageView, PendingRow, RegisterInput, RegisterTap, StepKind, Tap,
};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AppointmentId, ClinicId, ContactField, ContactOnFile, StaffNeed};
use frontdesk::token::CheckInToken;
use jiff::civil::{Time, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

fn morning() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[9; 32])
}

/// A journey on the standard plan with Ada's code scanned and "Yes, this is me" tapped:
/// the details step has asked the office. Returns the look-up's op.
fn at_details() -> (Journey, OpId) {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // The consent and questions steps have their own tests (consent_flow.rs, questions_flow.rs).
        JourneyPlan::standard()
            .without(StepKind::Consent)
            .without(StepKind::Questions)
            .without(StepKind::Insurance),
        Some(OfficeTrust {
            clinic: ClinicId::new(7).unwrap(),
            clinic_name: "Testville Clinic".into(),
            timezone: TimeZone::UTC,
            key: key().verifying_key(),
        }),
        [],
        morning(),
    );
    let code = CheckInToken {
        clinic: ClinicId::new(7).unwrap(),
        appointment: AppointmentId::new(1001),
        valid_on: date(2026, 11, 23),
        starts_at: Time::constant(10, 30, 0, 0),
        expires_at: "2026-11-24T00:00:00Z".parse().unwrap(),
    }
    .sign(&key())
    .unwrap();
    journey.handle(Event::Scanned(Scan::classify(code)), morning());
    let effects = journey.handle(Event::Tapped(Tap::Confirm(ConfirmTap::Yes)), morning());
    let op = effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchContact { op, appointment } => {
                assert_eq!(*appointment, AppointmentId::new(1001));
                Some(*op)
            }
            _ => None,
        })
        .expect("the office is asked for the details on file");
    assert_eq!(
        journey.screen().page,
        PageView::ContactDetails(DetailsView::Fetching)
    );
    (journey, op)
}

fn answer(journey: &mut Journey, op: OpId, result: OpResult) -> Vec<Effect> {
    journey.handle(Event::Completed(Completion { op, result }), morning())
}

fn on_file() -> ContactOnFile {
    let mut contact = ContactOnFile::default();
    contact
        .set(ContactField::AddressLine1, "100 Example St")
        .unwrap();
    contact.set(ContactField::City, "Testopolis").unwrap();
    contact.set(ContactField::State, "IL").unwrap();
    contact.set(ContactField::Zip, "62794").unwrap();
    contact.set(ContactField::Phone, "2175550100").unwrap();
    contact
}

fn tap(journey: &mut Journey, tap: Tap) -> Vec<Effect> {
    journey.handle(Event::Tapped(tap), morning())
}

fn persisted(effects: &[Effect]) -> Option<(OpId, PendingRow)> {
    effects.iter().find_map(|e| match e {
        Effect::Persist { op, row } => Some((*op, row.clone())),
        _ => None,
    })
}

fn next(journey: &mut Journey) {
    tap(journey, Tap::Register(RegisterTap::Next));
}

fn typing(journey: &mut Journey, text: &str) {
    for c in text.chars() {
        tap(journey, Tap::Register(RegisterTap::Key(NameKey::Char(c))));
    }
}

fn field_shown(journey: &Journey) -> (Field, String) {
    match journey.screen().page {
        PageView::Register(view) => match view.input {
            RegisterInput::Text { shown, .. } => (view.field, shown),
            RegisterInput::Choice { .. } => (view.field, String::new()),
        },
        other => panic!("expected a form field, got {other:?}"),
    }
}

#[test]
fn correct_details_go_on_to_the_check_in() {
    let (mut journey, op) = at_details();
    answer(&mut journey, op, OpResult::Contact(Some(on_file())));
    assert_eq!(
        journey.screen().page,
        PageView::ContactDetails(DetailsView::OnFile(on_file()))
    );
    let effects = tap(&mut journey, Tap::Details(DetailsTap::Correct));
    let (_, row) = persisted(&effects).expect("the check-in is saved");
    assert!(matches!(row, PendingRow::CheckIn(_)), "{row:?}");
}

#[test]
fn a_changed_phone_goes_to_the_outbox_as_one_field_then_the_check_in() {
    let (mut journey, op) = at_details();
    answer(&mut journey, op, OpResult::Contact(Some(on_file())));
    tap(&mut journey, Tap::Details(DetailsTap::Changed));
    // Every field starts from what is on file.
    assert_eq!(
        field_shown(&journey),
        (Field::AddressLine1, "100 EXAMPLE ST".into())
    );
    for _ in 0..5 {
        next(&mut journey);
    }
    assert_eq!(
        field_shown(&journey),
        (Field::Phone, "(217) 555-0100".into())
    );
    tap(
        &mut journey,
        Tap::Register(RegisterTap::Key(NameKey::Clear)),
    );
    typing(&mut journey, "217555");
    next(&mut journey);
    let PageView::Register(view) = journey.screen().page else {
        panic!("a short phone number is refused on its page")
    };
    assert_eq!(view.error, Some(FormError::PhoneDigits));
    typing(&mut journey, "0142");
    next(&mut journey);
    assert_eq!(field_shown(&journey).0, Field::Email);
    next(&mut journey);
    assert_eq!(
        journey.screen().page,
        PageView::ContactDetails(DetailsView::Changes(vec![ContactChange {
            field: ContactField::Phone,
            on_file: Some("2175550100".into()),
            new: "2175550142".into(),
        }]))
    );
    let effects = tap(&mut journey, Tap::Details(DetailsTap::Send));
    let (save, row) = persisted(&effects).expect("the change request is saved");
    let PendingRow::DetailsChange(change) = row else {
        panic!("expected a details change, got {row:?}")
    };
    assert_eq!(change.submission.appointment, AppointmentId::new(1001));
    assert_eq!(change.submission.changes.len(), 1);
    assert!(!change.submission.unchecked_offline);
    assert_eq!(change.day, date(2026, 11, 23));
    // Only once it is in the outbox does the check-in follow.
    let effects = answer(&mut journey, save, OpResult::Persisted);
    let (_, row) = persisted(&effects).expect("then the check-in is saved");
    assert!(matches!(row, PendingRow::CheckIn(_)));
}

#[test]
fn nothing_changed_after_all_sends_nothing() {
    let (mut journey, op) = at_details();
    answer(&mut journey, op, OpResult::Contact(Some(on_file())));
    tap(&mut journey, Tap::Details(DetailsTap::Changed));
    for _ in 0..7 {
        next(&mut journey);
    }
    assert_eq!(
        journey.screen().page,
        PageView::ContactDetails(DetailsView::Changes(Vec::new()))
    );
    let effects = tap(&mut journey, Tap::Details(DetailsTap::Send));
    let (_, row) = persisted(&effects).expect("straight on to the check-in");
    assert!(matches!(row, PendingRow::CheckIn(_)));
}

#[test]
fn back_walks_the_fields_and_change_again_starts_over_from_the_file() {
    let (mut journey, op) = at_details();
    answer(&mut journey, op, OpResult::Contact(Some(on_file())));
    tap(&mut journey, Tap::Details(DetailsTap::Changed));
    tap(
        &mut journey,
        Tap::Register(RegisterTap::Key(NameKey::Clear)),
    );
    typing(&mut journey, "456 SAMPLE AVE");
    next(&mut journey);
    tap(&mut journey, Tap::Register(RegisterTap::Back));
    assert_eq!(
        field_shown(&journey),
        (Field::AddressLine1, "456 SAMPLE AVE".into())
    );
    tap(&mut journey, Tap::Register(RegisterTap::Back));
    assert!(matches!(
        journey.screen().page,
        PageView::ContactDetails(DetailsView::OnFile(_))
    ));
}

#[test]
fn offline_the_step_is_skipped_and_the_desk_flagged_through_the_outbox() {
    let (mut journey, op) = at_details();
    let effects = answer(&mut journey, op, OpResult::ContactUnavailable);
    let (save, row) = persisted(&effects).expect("the flag goes to the outbox");
    let PendingRow::DetailsChange(change) = row else {
        panic!("expected a details change, got {row:?}")
    };
    assert!(change.submission.unchecked_offline);
    assert!(change.submission.changes.is_empty());
    let effects = answer(&mut journey, save, OpResult::Persisted);
    assert!(matches!(
        persisted(&effects),
        Some((_, PendingRow::CheckIn(_)))
    ));
}

#[test]
fn nothing_on_file_skips_quietly() {
    for on_file in [None, Some(ContactOnFile::default())] {
        let (mut journey, op) = at_details();
        let effects = answer(&mut journey, op, OpResult::Contact(on_file));
        assert!(matches!(
            persisted(&effects),
            Some((_, PendingRow::CheckIn(_)))
        ));
    }
}

#[test]
fn a_failed_flag_still_checks_the_patient_in_and_tells_the_desk() {
    let (mut journey, op) = at_details();
    let effects = answer(&mut journey, op, OpResult::ContactUnavailable);
    let (save, _) = persisted(&effects).unwrap();
    let effects = answer(&mut journey, save, OpResult::PersistFailed);
    assert!(effects.contains(&Effect::RequestHelp(StaffNeed::DetailsToReview)));
    assert!(matches!(
        persisted(&effects),
        Some((_, PendingRow::CheckIn(_)))
    ));
}

#[test]
fn while_asking_the_office_the_kiosk_waits_and_nothing_is_wiped() {
    let (mut journey, op) = at_details();
    let late = morning() + SignedDuration::from_secs(120);
    journey.handle(Event::Tick, late);
    assert_eq!(
        journey.screen().page,
        PageView::ContactDetails(DetailsView::Fetching)
    );
    journey.handle(Event::Tapped(Tap::StartOver), late);
    answer(&mut journey, op, OpResult::Contact(Some(on_file())));
    assert!(matches!(
        journey.screen().page,
        PageView::ContactDetails(DetailsView::OnFile(_))
    ));
}

#[test]
fn a_half_typed_change_is_wiped_with_the_patient_and_debug_shows_nothing() {
    let (mut journey, op) = at_details();
    answer(&mut journey, op, OpResult::Contact(Some(on_file())));
    let debug = format!("{:?} {journey:?}", journey.screen());
    assert!(!debug.contains("Example"), "{debug}");
    tap(&mut journey, Tap::Details(DetailsTap::Changed));
    typing(&mut journey, " UNIT 9");
    let debug = format!("{:?} {journey:?}", journey.screen());
    assert!(
        !debug.contains("UNIT") && !debug.contains("Example"),
        "{debug}"
    );
    let idle = morning() + SignedDuration::from_secs(61);
    journey.handle(Event::Tick, idle);
    assert_eq!(journey.screen().page, PageView::Identify);
    assert!(!matches!(
        journey.screen().page,
        PageView::Ending(Ending::CheckedIn { .. })
    ));
}

#[test]
fn a_scanned_licence_fills_in_its_address_marked_as_read_from_it() {
    use frontdesk::domain::ChangeSource;
    use frontdesk::scan::aamva_sample::{Subfile, encode};
    let (mut journey, op) = at_details();
    answer(&mut journey, op, OpResult::Contact(Some(on_file())));
    let licence = encode(
        "636000",
        10,
        0,
        &[Subfile {
            kind: "DL",
            elements: &[
                ("DCS", "TESTPATIENT"),
                ("DAC", "ADA"),
                ("DBB", "01011950"),
                ("DAG", "456 SAMPLE AVE"),
                ("DAI", "TESTOPOLIS"),
                ("DAJ", "IL"),
                ("DAK", "627940000"),
                ("DAQ", "T00000000"),
            ],
        }],
    );
    journey.handle(Event::Scanned(Scan::classify(licence)), morning());
    let PageView::Register(view) = journey.screen().page else {
        panic!("expected the first field")
    };
    assert!(view.prefilled, "shown as filled in from the ID");
    assert_eq!(
        field_shown(&journey),
        (Field::AddressLine1, "456 SAMPLE AVE".into())
    );
    for _ in 0..7 {
        next(&mut journey);
    }
    // City, state and ZIP say what is on file already: only the street changed.
    let effects = tap(&mut journey, Tap::Details(DetailsTap::Send));
    let (_, PendingRow::DetailsChange(change)) = persisted(&effects).unwrap() else {
        panic!("expected a details change")
    };
    let debug = format!("{:?}", change.submission.changes);
    assert_eq!(change.submission.changes.len(), 1, "{debug}");
    assert_eq!(
        change.submission.changes[0].field(),
        ContactField::AddressLine1
    );
    assert_eq!(
        change.submission.changes[0].source(),
        ChangeSource::FromLicence
    );
}

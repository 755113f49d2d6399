//! New-patient registration on the kiosk: from the welcome page, from "not found" with
//! what was typed, from a licence that matched nothing; answers checked on "Next",
//! optional questions skipped, "Change" from the review page, the registration handed to
//! the outbox, and nothing typed surviving a wipe or showing in `Debug`.

use frontdesk::checkin::{
    Completion, Effect, Ending, Event, Field, FormError, IdentifyTap, Journey, JourneyPlan,
    JourneySettings, NameKey, OfficeTrust, OpId, OpResult, PageView, PendingRow, Question,
    RegisterInput, RegisterTap, RegisterView, ReviewAnswer, Roster, StepKind, Tap,
};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{
    ClinicId, FieldSource, IdentityKey, Language, NewPatientRegistration, Relationship,
};
use frontdesk::scan::aamva_sample;
use jiff::civil::{Date, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

const TODAY: Date = Date::constant(2026, 11, 23);

fn morning() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn trust() -> OfficeTrust {
    OfficeTrust {
        clinic: ClinicId::new(7).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key(),
    }
}

/// A journey whose roster has nobody in it (so every name matches nothing).
fn journey() -> Journey {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // The consent and questions steps have their own tests (consent_flow.rs, questions_flow.rs).
        JourneyPlan::standard()
            .without(StepKind::Consent)
            .without(StepKind::Questions)
            .without(StepKind::Insurance),
        Some(trust()),
        [],
        morning(),
    );
    let roster =
        Roster::new(vec![], 0).with_identity_key(Some(IdentityKey::for_day(&[4; 32], TODAY)));
    journey.handle(Event::RosterUpdated(roster), morning());
    journey
}

fn tap(journey: &mut Journey, tap: Tap) -> Vec<Effect> {
    journey.handle(Event::Tapped(tap), morning())
}

fn reg(journey: &mut Journey, t: RegisterTap) -> Vec<Effect> {
    tap(journey, Tap::Register(t))
}

fn id(journey: &mut Journey, t: IdentifyTap) {
    tap(journey, Tap::Identify(t));
}

fn form(journey: &Journey) -> RegisterView {
    match journey.screen().page {
        PageView::Register(view) => view,
        other => panic!("expected a form page, got {other:?}"),
    }
}

fn field(journey: &Journey) -> Field {
    form(journey).field
}

fn shown(journey: &Journey) -> String {
    match form(journey).input {
        RegisterInput::Text { shown, .. } => shown,
        RegisterInput::Choice { .. } => panic!("a choice page"),
    }
}

/// Types `text` on the current field's keyboard.
fn type_text(journey: &mut Journey, text: &str) {
    for c in text.chars() {
        reg(journey, RegisterTap::Key(NameKey::Char(c)));
    }
}

/// Clears the field, types `text` and taps Next.
fn answer(journey: &mut Journey, text: &str) {
    reg(journey, RegisterTap::Key(NameKey::Clear));
    type_text(journey, text);
    reg(journey, RegisterTap::Next);
}

fn enter_birth_date(journey: &mut Journey, born: Date) {
    for digit in born.year().to_string().bytes() {
        id(journey, IdentifyTap::Digit(digit - b'0'));
    }
    id(journey, IdentifyTap::Month(born.month()));
    id(journey, IdentifyTap::Day(born.day()));
}

/// From the welcome page's "New patient? Register here" through every question.
fn fill_everything(journey: &mut Journey) {
    id(journey, IdentifyTap::Register);
    assert_eq!(field(journey), Field::FirstName);
    answer(journey, "ADA");
    answer(journey, "TESTPATIENT");
    answer(journey, "ADDIE");
    assert!(matches!(
        journey.screen().page,
        PageView::RegisterBirthDate(_)
    ));
    enter_birth_date(journey, date(1950, 1, 2));
    assert_eq!(field(journey), Field::Sex);
    reg(journey, RegisterTap::Choose(0));
    reg(journey, RegisterTap::Next);
    answer(journey, "123 EXAMPLE ST");
    answer(journey, "APT 4");
    answer(journey, "TESTVILLE");
    answer(journey, "IL");
    answer(journey, "62701");
    answer(journey, "2175550123");
    answer(journey, "ada@example.com");
    assert_eq!(field(journey), Field::Language);
    reg(journey, RegisterTap::Choose(1));
    reg(journey, RegisterTap::Next);
    answer(journey, "BRUNO");
    answer(journey, "SAMPLE");
    reg(journey, RegisterTap::Choose(4));
    reg(journey, RegisterTap::Next);
    answer(journey, "2175550199");
    assert!(matches!(journey.screen().page, PageView::RegisterReview(_)));
}

/// "Send", then the outbox answers: the registration handed over and the ending.
fn send(journey: &mut Journey) -> NewPatientRegistration {
    let effects = reg(journey, RegisterTap::Send);
    let (op, pending) = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::Registration(pending),
            } => Some((*op, pending.clone())),
            _ => None,
        })
        .expect("a registration to save");
    assert_eq!(journey.screen().page, PageView::CheckingIn);
    assert_eq!(pending.submission.clinic, trust().clinic);
    assert_eq!(pending.submission.submitted_at, morning());
    assert_eq!(pending.day, TODAY);
    completed(journey, op, OpResult::Persisted);
    assert_eq!(journey.screen().page, PageView::Ending(Ending::Registered));
    pending.submission.registration
}

fn completed(journey: &mut Journey, op: OpId, result: OpResult) {
    journey.handle(Event::Completed(Completion { op, result }), morning());
}

#[test]
fn a_new_patient_registers_from_the_welcome_page() {
    let mut journey = journey();
    fill_everything(&mut journey);
    let registration = send(&mut journey);
    assert_eq!(registration.legal_name.value.first(), "ADA");
    assert_eq!(registration.legal_name.value.last(), "TESTPATIENT");
    assert_eq!(registration.legal_name.source, FieldSource::TypedAtKiosk);
    assert_eq!(registration.preferred_name.unwrap().value.as_str(), "ADDIE");
    assert_eq!(registration.date_of_birth.value.date(), date(1950, 1, 2));
    assert_eq!(registration.sex.unwrap().value.as_str(), "female");
    let address = &registration.address.value;
    assert_eq!(address.line1(), "123 EXAMPLE ST");
    assert_eq!(address.line2(), Some("APT 4"));
    assert_eq!(address.city(), "TESTVILLE");
    assert_eq!(address.state().as_str(), "IL");
    assert_eq!(address.zip().as_str(), "62701");
    assert_eq!(registration.phone.value.digits(), "2175550123");
    assert_eq!(
        registration.email.unwrap().value.as_str(),
        "ada@example.com"
    );
    assert_eq!(registration.language, Language::Spanish);
    let contact = registration.emergency_contact.unwrap().value;
    assert_eq!(contact.name.first(), "BRUNO");
    assert_eq!(contact.relationship, Relationship::ALL[4]);
    assert_eq!(contact.phone.digits(), "2175550199");
}

#[test]
fn the_progress_line_counts_questions_and_the_language_is_preset() {
    let mut journey = journey();
    tap(&mut journey, Tap::SwitchLanguage);
    id(&mut journey, IdentifyTap::Register);
    let view = form(&journey);
    assert_eq!((view.step, view.steps), (1, 9));
    answer(&mut journey, "ADA");
    assert_eq!(
        form(&journey).step,
        1,
        "last name is still the name question"
    );
    answer(&mut journey, "TESTPATIENT");
    assert_eq!(form(&journey).step, 2);
    reg(&mut journey, RegisterTap::Skip);
    enter_birth_date(&mut journey, date(1950, 1, 2));
    reg(&mut journey, RegisterTap::Skip);
    for text in [
        "123 EXAMPLE ST",
        "",
        "TESTVILLE",
        "IL",
        "62701",
        "2175550123",
        "",
    ] {
        answer(&mut journey, text);
    }
    let view = form(&journey);
    assert_eq!(view.field, Field::Language);
    let RegisterInput::Choice { chosen, .. } = view.input else {
        panic!("language is a choice");
    };
    assert_eq!(chosen, Some(1), "Español, as the kiosk shows");
}

#[test]
fn optional_questions_can_be_skipped() {
    let mut journey = journey();
    id(&mut journey, IdentifyTap::Register);
    answer(&mut journey, "ADA");
    answer(&mut journey, "TESTPATIENT");
    assert!(form(&journey).optional);
    reg(&mut journey, RegisterTap::Skip);
    enter_birth_date(&mut journey, date(1950, 1, 2));
    reg(&mut journey, RegisterTap::Skip);
    answer(&mut journey, "123 EXAMPLE ST");
    reg(&mut journey, RegisterTap::Skip);
    for text in ["TESTVILLE", "IL", "62701", "2175550123"] {
        answer(&mut journey, text);
    }
    reg(&mut journey, RegisterTap::Skip); // email
    reg(&mut journey, RegisterTap::Next); // language as it is
    // Skipping the contact's first name skips the whole contact.
    assert_eq!(field(&journey), Field::ContactFirstName);
    reg(&mut journey, RegisterTap::Skip);
    let PageView::RegisterReview(review) = journey.screen().page else {
        panic!("expected review");
    };
    for question in [
        Question::PreferredName,
        Question::Sex,
        Question::Email,
        Question::EmergencyContact,
    ] {
        let row = review.rows.iter().find(|r| r.question == question).unwrap();
        assert!(row.answer == ReviewAnswer::Skipped, "{question:?}");
    }
    let registration = send(&mut journey);
    assert!(registration.preferred_name.is_none());
    assert!(registration.sex.is_none());
    assert!(registration.email.is_none());
    assert!(registration.emergency_contact.is_none());
    assert_eq!(registration.address.value.line2(), None);
    assert_eq!(registration.language, Language::English);
}

#[test]
fn answers_are_checked_on_next_with_plain_errors() {
    let mut journey = journey();
    id(&mut journey, IdentifyTap::Register);
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(form(&journey).error, Some(FormError::Required));
    assert!(!form(&journey).optional, "a legal name cannot be skipped");
    reg(&mut journey, RegisterTap::Skip);
    assert_eq!(field(&journey), Field::FirstName);
    type_text(&mut journey, "A");
    assert_eq!(form(&journey).error, None, "typing takes the error away");
    reg(&mut journey, RegisterTap::Next);
    answer(&mut journey, "TESTPATIENT");
    reg(&mut journey, RegisterTap::Skip);
    enter_birth_date(&mut journey, date(1950, 1, 2));
    reg(&mut journey, RegisterTap::Skip);
    answer(&mut journey, "123 EXAMPLE ST");
    answer(&mut journey, "");
    answer(&mut journey, "TESTVILLE");
    answer(&mut journey, "XX");
    assert_eq!(form(&journey).error, Some(FormError::State));
    answer(&mut journey, "IL");
    answer(&mut journey, "6270");
    assert_eq!(form(&journey).error, Some(FormError::ZipDigits));
    answer(&mut journey, "62701");
    answer(&mut journey, "217555012");
    assert_eq!(form(&journey).error, Some(FormError::PhoneDigits));
    assert_eq!(shown(&journey), "(217) 555-012", "shown formatted as typed");
    answer(&mut journey, "0175550123");
    assert_eq!(form(&journey).error, Some(FormError::PhoneNotReal));
    // The keypad stops at ten digits.
    reg(&mut journey, RegisterTap::Key(NameKey::Clear));
    type_text(&mut journey, "217555012399");
    assert_eq!(shown(&journey), "(217) 555-0123");
    assert!(matches!(
        form(&journey).input,
        RegisterInput::Text { full: true, .. }
    ));
    reg(&mut journey, RegisterTap::Next);
    answer(&mut journey, "ada@example");
    assert_eq!(form(&journey).error, Some(FormError::Email));
    // Keys the email keyboard does not have are refused.
    reg(&mut journey, RegisterTap::Key(NameKey::Clear));
    type_text(&mut journey, "ada;@example.com ");
    assert_eq!(shown(&journey), "ada@example.com");
    reg(&mut journey, RegisterTap::Next);
    reg(&mut journey, RegisterTap::Next);
    answer(&mut journey, "BRUNO");
    answer(&mut journey, "SAMPLE");
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(form(&journey).error, Some(FormError::ChooseOne));
}

#[test]
fn not_found_registers_with_the_typed_last_name_and_birth_date() {
    let mut journey = journey();
    id(&mut journey, IdentifyTap::TypeName);
    for c in "TESTPATIENT".chars() {
        id(&mut journey, IdentifyTap::Key(NameKey::Char(c)));
    }
    id(&mut journey, IdentifyTap::NameDone);
    enter_birth_date(&mut journey, date(1950, 1, 2));
    assert_eq!(journey.screen().page, PageView::NotFound);
    id(&mut journey, IdentifyTap::NewPatient);
    assert_eq!(field(&journey), Field::FirstName);
    assert_eq!(shown(&journey), "");
    answer(&mut journey, "ADA");
    // The last name is there, to confirm with Next.
    assert_eq!(shown(&journey), "TESTPATIENT");
    reg(&mut journey, RegisterTap::Next);
    reg(&mut journey, RegisterTap::Skip);
    // The date of birth is there too: the day is the one tap left.
    let PageView::RegisterBirthDate(birth) = journey.screen().page else {
        panic!("expected the date of birth");
    };
    let frontdesk::checkin::BirthView::Day { year, month, .. } = birth.entry else {
        panic!("expected the day of the date entered");
    };
    assert_eq!((year, month), (1950, 1));
    assert_eq!((birth.step, birth.steps), (3, 9));
    assert!(!birth.prefilled, "typed here, not from an ID");
    id(&mut journey, IdentifyTap::Day(2));
    reg(&mut journey, RegisterTap::Skip);
    for text in [
        "123 EXAMPLE ST",
        "",
        "TESTVILLE",
        "IL",
        "62701",
        "2175550123",
        "",
    ] {
        answer(&mut journey, text);
    }
    reg(&mut journey, RegisterTap::Next);
    reg(&mut journey, RegisterTap::Skip);
    let registration = send(&mut journey);
    assert_eq!(registration.legal_name.value.last(), "TESTPATIENT");
    assert_eq!(registration.date_of_birth.value.date(), date(1950, 1, 2));
    assert_eq!(registration.date_of_birth.source, FieldSource::TypedAtKiosk);
}

#[test]
fn an_unmatched_licence_prefills_the_form_from_the_licence() {
    let mut journey = journey();
    journey.handle(
        Event::Scanned(Scan::DriversLicence(aamva_sample::v10_licence())),
        morning(),
    );
    assert_eq!(journey.screen().page, PageView::NotFound);
    id(&mut journey, IdentifyTap::NewPatient);
    let view = form(&journey);
    assert_eq!(view.field, Field::FirstName);
    assert!(view.prefilled, "shown as from the licence");
    assert_eq!(shown(&journey), "ADA");
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(shown(&journey), "TESTPATIENT");
    reg(&mut journey, RegisterTap::Next);
    reg(&mut journey, RegisterTap::Skip);
    let PageView::RegisterBirthDate(birth) = journey.screen().page else {
        panic!("expected the date of birth");
    };
    assert!(birth.prefilled, "from the licence, to confirm");
    id(&mut journey, IdentifyTap::Day(1));
    // The licence's sex is chosen, still to be confirmed.
    let view = form(&journey);
    assert_eq!(view.field, Field::Sex);
    assert!(view.prefilled);
    assert!(matches!(
        view.input,
        RegisterInput::Choice {
            chosen: Some(0),
            ..
        }
    ));
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(shown(&journey), "123 EXAMPLE ST");
    assert!(form(&journey).prefilled);
    reg(&mut journey, RegisterTap::Next);
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(shown(&journey), "ANYTOWN");
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(shown(&journey), "VA");
    reg(&mut journey, RegisterTap::Next);
    // The sample licence's ZIP code (00000) is no ZIP code: the patient types theirs.
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(form(&journey).error, Some(FormError::ZipDigits));
    answer(&mut journey, "22201");
    answer(&mut journey, "2175550123");
    reg(&mut journey, RegisterTap::Skip);
    reg(&mut journey, RegisterTap::Next);
    reg(&mut journey, RegisterTap::Skip);
    let registration = send(&mut journey);
    assert_eq!(registration.legal_name.source, FieldSource::FromLicence);
    assert_eq!(registration.legal_name.value.first(), "ADA");
    assert_eq!(registration.date_of_birth.source, FieldSource::FromLicence);
    assert_eq!(registration.date_of_birth.value.date(), date(1950, 1, 1));
    assert_eq!(
        registration.sex.as_ref().unwrap().source,
        FieldSource::FromLicence
    );
    assert_eq!(registration.address.value.city(), "ANYTOWN");
    assert_eq!(
        registration.address.source,
        FieldSource::TypedAtKiosk,
        "the ZIP was typed"
    );
    assert_eq!(registration.phone.source, FieldSource::TypedAtKiosk);
    let json = serde_json::to_string(&registration).unwrap();
    assert!(!json.contains("T00000001"), "never the licence number");
}

#[test]
fn a_licence_scanned_on_the_form_fills_only_what_was_not_typed() {
    let mut journey = journey();
    id(&mut journey, IdentifyTap::Register);
    answer(&mut journey, "BEA");
    journey.handle(
        Event::Scanned(Scan::DriversLicence(aamva_sample::v10_licence())),
        morning(),
    );
    assert_eq!(field(&journey), Field::LastName, "the scan keeps the page");
    assert_eq!(shown(&journey), "TESTPATIENT");
    assert!(form(&journey).prefilled);
    reg(&mut journey, RegisterTap::Back);
    assert_eq!(shown(&journey), "BEA", "typed answers stay");
    assert!(!form(&journey).prefilled);
}

#[test]
fn change_on_the_review_page_goes_to_the_question_and_back() {
    let mut journey = journey();
    fill_everything(&mut journey);
    reg(&mut journey, RegisterTap::Change(Question::Phone));
    assert_eq!(field(&journey), Field::Phone);
    assert_eq!(shown(&journey), "(217) 555-0123");
    answer(&mut journey, "2175550100");
    assert!(matches!(journey.screen().page, PageView::RegisterReview(_)));
    // A question of several screens goes through them all, then back to review.
    reg(&mut journey, RegisterTap::Change(Question::Address));
    assert_eq!(field(&journey), Field::AddressLine1);
    for _ in 0..5 {
        reg(&mut journey, RegisterTap::Next);
    }
    assert!(matches!(journey.screen().page, PageView::RegisterReview(_)));
    // Back from a changed question's first screen is back to review.
    reg(&mut journey, RegisterTap::Change(Question::Name));
    reg(&mut journey, RegisterTap::Back);
    assert!(matches!(journey.screen().page, PageView::RegisterReview(_)));
    let registration = send(&mut journey);
    assert_eq!(registration.phone.value.digits(), "2175550100");
}

#[test]
fn idle_wipe_mid_form_leaves_nothing_and_debug_shows_nothing_typed() {
    let mut journey = journey();
    id(&mut journey, IdentifyTap::Register);
    answer(&mut journey, "ADA");
    answer(&mut journey, "TESTPATIENT");
    let debug = format!("{journey:?} {:?}", journey.screen());
    for secret in ["ADA", "TESTPATIENT"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    let mut journey = self::journey();
    fill_everything(&mut journey);
    let debug = format!("{journey:?} {:?}", journey.screen());
    for secret in [
        "ADDIE",
        "1950",
        "EXAMPLE",
        "TESTVILLE",
        "62701",
        "555",
        "example.com",
        "BRUNO",
    ] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    let later = morning() + SignedDuration::from_secs(61);
    journey.handle(Event::Tick, later);
    assert_eq!(journey.screen().page, PageView::Identify);
    // A new registration starts empty.
    journey.handle(Event::Tapped(Tap::Identify(IdentifyTap::Register)), later);
    assert_eq!(field(&journey), Field::FirstName);
    assert_eq!(shown(&journey), "");
    let debug = format!("{journey:?}");
    assert!(!debug.contains("TESTPATIENT"), "{debug}");
}

#[test]
fn back_from_the_first_question_leaves_registration() {
    let mut journey = journey();
    id(&mut journey, IdentifyTap::Register);
    type_text(&mut journey, "ADA");
    reg(&mut journey, RegisterTap::Back);
    assert_eq!(journey.screen().page, PageView::Identify);
    id(&mut journey, IdentifyTap::Register);
    assert_eq!(shown(&journey), "");
}

#[test]
fn a_failed_save_says_so() {
    let mut journey = journey();
    fill_everything(&mut journey);
    let effects = reg(&mut journey, RegisterTap::Send);
    let op = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist { op, .. } => Some(*op),
            _ => None,
        })
        .unwrap();
    completed(&mut journey, op, OpResult::PersistFailed);
    assert_eq!(
        journey.screen().page,
        PageView::Ending(Ending::Problem(frontdesk::checkin::Problem::SaveFailed))
    );
}

#[test]
fn the_office_sex_options_show_in_the_patients_language() {
    use frontdesk::checkin::Choice;
    use frontdesk::domain::{SexOption, SexOptions};
    let mut journey = journey();
    let options = SexOptions::new(vec![
        SexOption::new("woman", "Woman", "Mujer").unwrap(),
        SexOption::new("man", "Man", "Hombre").unwrap(),
        SexOption::new("x", "Another", "Otro").unwrap(),
    ])
    .unwrap();
    journey.handle(Event::SexOptionsLearned(options), morning());
    tap(&mut journey, Tap::SwitchLanguage);
    id(&mut journey, IdentifyTap::Register);
    answer(&mut journey, "ADA");
    answer(&mut journey, "TESTPATIENT");
    reg(&mut journey, RegisterTap::Skip);
    enter_birth_date(&mut journey, date(1950, 1, 2));
    let RegisterInput::Choice { choices, chosen } = form(&journey).input else {
        panic!("sex is a choice");
    };
    assert_eq!(
        choices,
        ["Mujer", "Hombre", "Otro"].map(|l| Choice::Label(l.into()))
    );
    assert_eq!(chosen, None);
    reg(&mut journey, RegisterTap::Choose(1));
    reg(&mut journey, RegisterTap::Next);
    for text in [
        "123 EXAMPLE ST",
        "",
        "TESTVILLE",
        "IL",
        "62701",
        "2175550123",
        "",
    ] {
        answer(&mut journey, text);
    }
    reg(&mut journey, RegisterTap::Next);
    reg(&mut journey, RegisterTap::Skip);
    let registration = send(&mut journey);
    assert_eq!(registration.sex.unwrap().value.as_str(), "man");
}

#[test]
fn before_the_office_is_known_registration_is_not_ready() {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // The consent and questions steps have their own tests (consent_flow.rs, questions_flow.rs).
        JourneyPlan::standard()
            .without(StepKind::Consent)
            .without(StepKind::Questions)
            .without(StepKind::Insurance),
        None,
        [],
        morning(),
    );
    id(&mut journey, IdentifyTap::Register);
    assert_eq!(
        journey.screen().page,
        PageView::Ending(Ending::Problem(frontdesk::checkin::Problem::NotReady))
    );
}

#[test]
fn a_form_tap_off_the_form_does_nothing() {
    // (A patient with an appointment goes from identify straight to "Is this you?": the
    // register step skips itself, as tests/checkin_flow.rs and identify_by_name.rs show.)
    let mut journey = journey();
    id(&mut journey, IdentifyTap::TypeName);
    id(&mut journey, IdentifyTap::Key(NameKey::Char('X')));
    id(&mut journey, IdentifyTap::NameDone);
    enter_birth_date(&mut journey, date(1950, 1, 2));
    assert_eq!(journey.screen().page, PageView::NotFound);
    reg(&mut journey, RegisterTap::Next);
    assert_eq!(journey.screen().page, PageView::NotFound, "not a form tap");
}

#[test]
fn the_thank_you_page_returns_to_welcome_like_the_check_in_one() {
    let mut journey = journey();
    fill_everything(&mut journey);
    send(&mut journey);
    journey.handle(Event::Tick, morning() + SignedDuration::from_secs(7));
    assert_eq!(journey.screen().page, PageView::Ending(Ending::Registered));
    journey.handle(Event::Tick, morning() + SignedDuration::from_secs(8));
    assert_eq!(journey.screen().page, PageView::Identify);
    assert!(
        format!("{journey:?}").contains("new_patient: None"),
        "the session is wiped"
    );
}

#[test]
fn a_new_patient_signs_every_consent_for_their_registration() {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // The questions after it have their own tests (questions_flow.rs).
        JourneyPlan::standard()
            .without(StepKind::Questions)
            .without(StepKind::Insurance),
        Some(trust()),
        [],
        morning(),
    );
    fill_everything(&mut journey);
    let effects = reg(&mut journey, RegisterTap::Send);
    let (op, id) = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::Registration(pending),
            } => Some((*op, pending.submission.id)),
            _ => None,
        })
        .expect("a registration to save");
    let effects = journey.handle(
        Event::Completed(Completion {
            op,
            result: OpResult::Persisted,
        }),
        morning(),
    );
    // Nothing to ask the office: a new patient has signed nothing yet.
    assert!(
        effects
            .iter()
            .all(|e| !matches!(e, Effect::FetchConsents { .. })),
        "{effects:?}"
    );
    let PageView::Consent(frontdesk::checkin::ConsentView::Reading(page)) = journey.screen().page
    else {
        panic!(
            "expected the first consent, got {:?}",
            journey.screen().page
        );
    };
    assert_eq!((page.number, page.count), (1, 3));
    // Signed for the registration, on the clinic's day.
    tap(
        &mut journey,
        Tap::Consent(frontdesk::checkin::ConsentTap::ToPad),
    );
    tap(
        &mut journey,
        Tap::Consent(frontdesk::checkin::ConsentTap::PenDown { x: 1000, y: 1000 }),
    );
    tap(
        &mut journey,
        Tap::Consent(frontdesk::checkin::ConsentTap::PenMove { x: 9000, y: 2000 }),
    );
    let effects = tap(
        &mut journey,
        Tap::Consent(frontdesk::checkin::ConsentTap::Sign),
    );
    let pending = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                row: PendingRow::Consent(pending),
                ..
            } => Some(pending.clone()),
            _ => None,
        })
        .expect("the signature is saved");
    assert_eq!(
        pending.submission.subject,
        frontdesk::api::FormSubject::Registration(id)
    );
    assert_eq!(pending.submission.clinic, trust().clinic);
    assert_eq!(pending.day, TODAY);
    // The rest at the desk: the registration ends as before.
    let Effect::Persist { op, .. } = effects
        .iter()
        .find(|e| matches!(e, Effect::Persist { .. }))
        .unwrap()
    else {
        unreachable!()
    };
    completed(&mut journey, *op, OpResult::Persisted);
    tap(
        &mut journey,
        Tap::Consent(frontdesk::checkin::ConsentTap::AtDesk),
    );
    assert_eq!(journey.screen().page, PageView::Ending(Ending::Registered));
}

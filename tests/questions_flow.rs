//! The questions step as a pure state machine: after the check-in is saved, the office's
//! questionnaires in order, one question at a time; conditions, Back, Skip, number bounds,
//! multiple choice, one outbox row per finished questionnaire, a failed save that goes on
//! and tells the desk, the calm page after a worrying PHQ-9 item 9, and a wipe mid-way.
//! All answers are synthetic.

mod journey_support;

use ed25519_dalek::SigningKey;
use frontdesk::api::FormSubject;
use frontdesk::checkin::{
    Completion, Effect, Ending, Event, Forms, Journey, JourneyPlan, JourneySettings, NameKey,
    OfficeTrust, OpId, OpResult, PageView, PaymentNote, PendingIntake, PendingRow, QuestionError,
    QuestionInput, QuestionView, QuestionsTap, QuestionsView, Roster, RosterEntry, StepKind, Tap,
};
use frontdesk::domain::{AmountDue, AppointmentId, ClinicId, Language, PersonName, StaffNeed};
use frontdesk::questionnaire::{Questionnaire, defaults};
use jiff::civil::{Time, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use journey_support::scan_confirm_and_save;
use serde_json::Value;
use std::sync::Arc;

const APPOINTMENT: u64 = 1001;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn morning() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn form(id: &str) -> Arc<Questionnaire> {
    Arc::new(
        defaults::all()
            .into_iter()
            .find(|q| q.id.as_str() == id)
            .expect("a shipped form"),
    )
}

/// The shipped forms, asking these questionnaires.
fn asking(ids: &[&str]) -> Forms {
    Forms {
        ask: ids.iter().map(|id| form(id)).collect(),
        ..Forms::shipped()
    }
}

/// A journey (no details step, nothing due) whose office asks `forms`, run up to the
/// check-in being saved: the questions step has started.
fn checked_in(forms: Forms) -> Journey {
    // The consent step before it has its own tests (consent_flow.rs).
    let plan = JourneyPlan::standard()
        .without(StepKind::Details)
        .without(StepKind::Consent)
        .without(StepKind::Insurance);
    let settings =
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8));
    let trust = OfficeTrust {
        clinic: ClinicId::new(7).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: key().verifying_key(),
    };
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
        due: AmountDue::default(),
    };
    journey.handle(Event::RosterUpdated(Roster::new(vec![entry], 2)), morning());
    journey.handle(Event::FormsLearned(Box::new(forms)), morning());
    scan_confirm_and_save(
        &mut journey,
        &key(),
        ClinicId::new(7).unwrap(),
        AppointmentId::new(APPOINTMENT),
        morning(),
    );
    journey
}

fn completed(op: OpId, result: OpResult) -> Event {
    Event::Completed(Completion { op, result })
}

fn tap(journey: &mut Journey, tap: QuestionsTap) -> Vec<Effect> {
    journey.handle(Event::Tapped(Tap::Questions(tap)), morning())
}

fn typing(journey: &mut Journey, keys: &str) {
    for c in keys.chars() {
        tap(journey, QuestionsTap::Key(NameKey::Char(c)));
    }
}

fn page(journey: &Journey) -> PageView {
    journey.screen().page
}

/// The question on screen.
fn question(journey: &Journey) -> QuestionView {
    match page(journey) {
        PageView::Questions(QuestionsView::Question(q)) => q,
        other => panic!("expected a question, got {other:?}"),
    }
}

/// The English text of the question on screen.
fn asked(journey: &Journey) -> String {
    question(journey).text.en
}

fn shipped_text(form_id: &str, question: &str) -> String {
    form(form_id).question(question).unwrap().text.en.clone()
}

/// The intake row among `effects`.
fn intake(effects: &[Effect]) -> (OpId, PendingIntake) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::Intake(intake),
            } => Some((*op, (**intake).clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("expected an intake row, got {effects:?}"))
}

/// The answers of a response by linkId, as JSON.
fn answers(intake: &PendingIntake) -> Vec<(String, Vec<Value>)> {
    let json = serde_json::to_value(&intake.submission.response).unwrap();
    json["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["linkId"].as_str().unwrap().to_owned(),
                item["answer"].as_array().unwrap().clone(),
            )
        })
        .collect()
}

fn link_ids(intake: &PendingIntake) -> Vec<String> {
    answers(intake).into_iter().map(|(id, _)| id).collect()
}

fn done() -> PageView {
    PageView::Ending(Ending::CheckedIn {
        queue_position: Some(3),
        payment: PaymentNote::Nothing,
    })
}

#[test]
fn the_office_questionnaires_are_asked_in_order_and_each_goes_out_as_one_row() {
    let mut journey = checked_in(Forms::shipped());
    // Reason for visit has no introduction: its first question shows at once.
    let first = question(&journey);
    assert_eq!(first.title.en, "Reason for your visit");
    assert_eq!((first.number, first.of), (1, 3));
    assert_eq!(first.text.en, shipped_text("reason-for-visit", "reason"));
    assert!(!first.optional && !first.can_back);
    tap(&mut journey, QuestionsTap::Choose(2));
    // The short text is optional: skipped.
    assert!(question(&journey).optional);
    tap(&mut journey, QuestionsTap::Skip);
    assert_eq!(
        asked(&journey),
        shipped_text("reason-for-visit", "new-symptoms")
    );
    // "No": "which symptoms" and the rest never show; the form is done.
    let effects = tap(&mut journey, QuestionsTap::No);
    let (op, visit) = intake(&effects);
    assert_eq!(page(&journey), PageView::Questions(QuestionsView::Saving));
    assert_eq!(link_ids(&visit), ["reason", "new-symptoms"]);
    assert_eq!(
        visit.submission.subject,
        FormSubject::Appointment(AppointmentId::new(APPOINTMENT))
    );
    assert_eq!(visit.submission.clinic, ClinicId::new(7).unwrap());
    assert_eq!(visit.submission.language, Language::English);
    assert_eq!(visit.day, date(2026, 11, 23));
    assert!(
        visit
            .submission
            .response
            .questionnaire
            .ends_with("/Questionnaire/reason-for-visit|1")
    );

    // Saved: the PHQ-9's introduction, then its first two items.
    journey.handle(completed(op, OpResult::Persisted), morning());
    let PageView::Questions(QuestionsView::Intro { title, intro }) = page(&journey) else {
        panic!("expected the PHQ-9 introduction, got {:?}", page(&journey));
    };
    assert_eq!(title.es, "Cómo se ha sentido (PHQ-9)");
    assert!(intro.en.starts_with("Over the last 2 weeks"));
    tap(&mut journey, QuestionsTap::Start);
    assert_eq!((question(&journey).number, question(&journey).of), (1, 2));
    tap(&mut journey, QuestionsTap::Choose(0));
    // A negative PHQ-2 (1 point): items 3 to 9 stay hidden and the form ends.
    let effects = tap(&mut journey, QuestionsTap::Choose(1));
    let (op, phq) = intake(&effects);
    assert_eq!(link_ids(&phq), ["phq9-1", "phq9-2", "phq2-score"]);
    assert_ne!(phq.submission.id, visit.submission.id);

    // Nothing is due: the patient is told to take a seat.
    journey.handle(completed(op, OpResult::Persisted), morning());
    assert_eq!(page(&journey), done());
}

#[test]
fn a_positive_phq2_asks_the_rest_and_a_worrying_item_9_shows_the_calm_page() {
    let mut journey = checked_in(asking(&["phq-9"]));
    tap(&mut journey, QuestionsTap::Start);
    tap(&mut journey, QuestionsTap::Choose(2));
    tap(&mut journey, QuestionsTap::Choose(1));
    // 3 points: item 3 follows, and the progress line counts the ten questions now shown.
    let third = question(&journey);
    assert_eq!(third.text.en, shipped_text("phq-9", "phq9-3"));
    assert_eq!((third.number, third.of), (3, 10));
    for _ in 3..=8 {
        tap(&mut journey, QuestionsTap::Choose(0));
    }
    assert_eq!(asked(&journey), shipped_text("phq-9", "phq9-9"));
    // "Several days" on item 9, then the optional difficulty question is skipped.
    tap(&mut journey, QuestionsTap::Choose(1));
    assert!(question(&journey).optional);
    let effects = tap(&mut journey, QuestionsTap::Skip);
    let (op, phq) = intake(&effects);
    let ids = link_ids(&phq);
    assert!(ids.contains(&"phq9-9".to_owned()) && !ids.contains(&"phq9-difficulty".to_owned()));

    // Saved, then the calm page: the kiosk itself raises nothing (the office alerts staff).
    let effects = journey.handle(completed(op, OpResult::Persisted), morning());
    assert!(!effects.iter().any(|e| matches!(e, Effect::RequestHelp(_))));
    assert_eq!(page(&journey), PageView::Questions(QuestionsView::Safety));
    // Nothing moves it on but the patient.
    journey.handle(Event::Tapped(Tap::Questions(QuestionsTap::Next)), morning());
    assert_eq!(page(&journey), PageView::Questions(QuestionsView::Safety));
    tap(&mut journey, QuestionsTap::Continue);
    assert_eq!(page(&journey), done());
}

#[test]
fn a_phq9_with_not_at_all_on_item_9_goes_straight_on() {
    let mut journey = checked_in(asking(&["phq-9"]));
    tap(&mut journey, QuestionsTap::Start);
    tap(&mut journey, QuestionsTap::Choose(3));
    tap(&mut journey, QuestionsTap::Choose(3));
    for _ in 3..=9 {
        tap(&mut journey, QuestionsTap::Choose(0));
    }
    let effects = tap(&mut journey, QuestionsTap::Choose(1));
    let (op, _) = intake(&effects);
    journey.handle(completed(op, OpResult::Persisted), morning());
    assert_eq!(page(&journey), done());
}

#[test]
fn back_returns_to_the_previous_question_with_its_answer_kept() {
    let mut journey = checked_in(Forms::shipped());
    tap(&mut journey, QuestionsTap::Choose(1));
    typing(&mut journey, "KNEE PAIN");
    tap(&mut journey, QuestionsTap::Next);
    assert!(question(&journey).can_back);

    tap(&mut journey, QuestionsTap::Back);
    let text = question(&journey);
    assert_eq!(
        text.text.en,
        shipped_text("reason-for-visit", "reason-detail")
    );
    let QuestionInput::Text { typed, .. } = &text.input else {
        panic!("a text question");
    };
    assert_eq!(typed, "KNEE PAIN", "as the keyboard types it");

    tap(&mut journey, QuestionsTap::Back);
    let QuestionInput::Single { chosen, .. } = question(&journey).input else {
        panic!("a single choice");
    };
    assert_eq!(chosen, Some(1));
    // The first question of a form without an introduction has no Back.
    assert!(!question(&journey).can_back);
    tap(&mut journey, QuestionsTap::Back);
    assert_eq!(asked(&journey), shipped_text("reason-for-visit", "reason"));

    // "Next" keeps the answers and goes forward again.
    tap(&mut journey, QuestionsTap::Next);
    tap(&mut journey, QuestionsTap::Next);
    assert_eq!(
        asked(&journey),
        shipped_text("reason-for-visit", "new-symptoms")
    );
    let effects = tap(&mut journey, QuestionsTap::No);
    let (_, visit) = intake(&effects);
    assert_eq!(
        answers(&visit)[1],
        (
            "reason-detail".to_owned(),
            vec![serde_json::json!({ "valueString": "KNEE PAIN" })]
        )
    );
}

#[test]
fn required_questions_cannot_be_skipped_optional_ones_can() {
    let mut journey = checked_in(Forms::shipped());
    tap(&mut journey, QuestionsTap::Next);
    assert_eq!(question(&journey).error, Some(QuestionError::Required));
    tap(&mut journey, QuestionsTap::Skip);
    assert_eq!(asked(&journey), shipped_text("reason-for-visit", "reason"));
    tap(&mut journey, QuestionsTap::Choose(0));
    assert_eq!(question(&journey).error, None);
    // "Next" on an empty optional question skips it too.
    tap(&mut journey, QuestionsTap::Next);
    assert_eq!(
        asked(&journey),
        shipped_text("reason-for-visit", "new-symptoms")
    );
}

#[test]
fn multiple_choice_and_numbers_within_the_form_bounds() {
    let mut journey = checked_in(asking(&["reason-for-visit"]));
    tap(&mut journey, QuestionsTap::Choose(2));
    tap(&mut journey, QuestionsTap::Skip);
    tap(&mut journey, QuestionsTap::Yes);
    // "Which symptoms": toggles, and "Next" needs at least one.
    assert_eq!(
        asked(&journey),
        shipped_text("reason-for-visit", "symptoms")
    );
    tap(&mut journey, QuestionsTap::Next);
    assert_eq!(question(&journey).error, Some(QuestionError::Required));
    for choice in [0, 1, 4, 1] {
        tap(&mut journey, QuestionsTap::Choose(choice));
    }
    let QuestionInput::Multiple { ticked, .. } = question(&journey).input else {
        panic!("a multiple choice");
    };
    assert_eq!(
        ticked,
        [true, false, false, false, true, false, false, false, false],
        "fever and other pain; cough ticked and unticked"
    );
    assert_eq!(question(&journey).error, None);
    tap(&mut journey, QuestionsTap::Next);

    // Days: 0 to 365, whole numbers. The keypad stops at three digits.
    assert_eq!(
        asked(&journey),
        shipped_text("reason-for-visit", "symptom-days")
    );
    typing(&mut journey, "4005");
    let QuestionInput::Number {
        typed,
        min,
        max,
        decimals,
        minus,
        full,
        unit,
    } = question(&journey).input
    else {
        panic!("a number");
    };
    assert_eq!(
        (typed.as_str(), min.as_str(), max.as_str()),
        ("400", "0", "365")
    );
    assert!(full && !decimals && !minus, "days are never below zero");
    assert_eq!(unit.map(|u| u.es), Some("días".to_owned()));
    tap(&mut journey, QuestionsTap::Next);
    assert_eq!(question(&journey).error, Some(QuestionError::OutOfRange));
    tap(&mut journey, QuestionsTap::Key(NameKey::Clear));
    assert_eq!(question(&journey).error, None);
    typing(&mut journey, "12");
    tap(&mut journey, QuestionsTap::Next);

    // Temperature: 93 to 110 with one decimal (fever was ticked).
    assert_eq!(
        asked(&journey),
        shipped_text("reason-for-visit", "temperature")
    );
    typing(&mut journey, "101.45");
    let QuestionInput::Number {
        typed, decimals, ..
    } = question(&journey).input
    else {
        panic!("a number");
    };
    assert_eq!(typed, "101.4");
    assert!(decimals);
    tap(&mut journey, QuestionsTap::Next);

    // Pain: 0 to 10 (other pain was ticked).
    typing(&mut journey, "11");
    tap(&mut journey, QuestionsTap::Next);
    assert_eq!(question(&journey).error, Some(QuestionError::OutOfRange));
    tap(&mut journey, QuestionsTap::Key(NameKey::Backspace));
    let effects = tap(&mut journey, QuestionsTap::Next);
    let (_, visit) = intake(&effects);
    let got = answers(&visit);
    let value = |id: &str| {
        got.iter()
            .find(|(link, _)| link == id)
            .map(|(_, a)| a.clone())
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let codes: Vec<String> = value("symptoms")
        .iter()
        .map(|a| a["valueCoding"]["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes, ["fever", "pain"]);
    assert_eq!(
        value("symptom-days"),
        [serde_json::json!({ "valueInteger": 12 })]
    );
    assert_eq!(
        value("temperature"),
        [serde_json::json!({ "valueDecimal": 101.4 })]
    );
    assert_eq!(
        value("pain-level"),
        [serde_json::json!({ "valueInteger": 1 })]
    );
    assert!(!got.iter().any(|(id, _)| id == "other-symptom"));
}

#[test]
fn a_failed_save_goes_on_and_tells_the_desk() {
    let mut journey = checked_in(Forms::shipped());
    tap(&mut journey, QuestionsTap::Choose(0));
    tap(&mut journey, QuestionsTap::Skip);
    let effects = tap(&mut journey, QuestionsTap::No);
    let (op, _) = intake(&effects);
    let effects = journey.handle(completed(op, OpResult::PersistFailed), morning());
    assert!(
        effects.contains(&Effect::RequestHelp(StaffNeed::AnswersNotSaved)),
        "{effects:?}"
    );
    // The check-in stands: on to the next questionnaire.
    assert!(matches!(
        page(&journey),
        PageView::Questions(QuestionsView::Intro { .. })
    ));
}

#[test]
fn forms_learnt_mid_way_change_nothing_for_this_patient() {
    let mut journey = checked_in(Forms::shipped());
    journey.handle(Event::FormsLearned(Box::new(asking(&["phq-2"]))), morning());
    tap(&mut journey, QuestionsTap::Choose(0));
    tap(&mut journey, QuestionsTap::Skip);
    let effects = tap(&mut journey, QuestionsTap::No);
    let (op, _) = intake(&effects);
    journey.handle(completed(op, OpResult::Persisted), morning());
    let PageView::Questions(QuestionsView::Intro { title, .. }) = page(&journey) else {
        panic!("expected an introduction");
    };
    assert_eq!(title.en, "How you have been feeling (PHQ-9)");
}

#[test]
fn an_office_that_asks_nothing_has_no_questions_step() {
    let journey = checked_in(asking(&[]));
    assert_eq!(page(&journey), done());
}

#[test]
fn questions_follow_the_patients_language() {
    let mut journey = checked_in(Forms::shipped());
    journey.handle(Event::Tapped(Tap::SwitchLanguage), morning());
    tap(&mut journey, QuestionsTap::Choose(0));
    tap(&mut journey, QuestionsTap::Skip);
    let effects = tap(&mut journey, QuestionsTap::No);
    let (_, visit) = intake(&effects);
    assert_eq!(visit.submission.language, Language::Spanish);
}

#[test]
fn a_wipe_mid_way_forgets_every_answer_and_debug_shows_none() {
    let mut journey = checked_in(Forms::shipped());
    tap(&mut journey, QuestionsTap::Choose(0));
    typing(&mut journey, "Zzfk");
    let shown = format!("{journey:?} {:?}", journey.screen());
    assert!(!shown.to_lowercase().contains("zzfk"), "{shown}");

    // Walked away: "still there?", then the wipe; nothing of the half-done form is sent.
    let mut effects = Vec::new();
    for secs in [45, 61] {
        effects.extend(journey.handle(Event::Tick, morning() + SignedDuration::from_secs(secs)));
    }
    assert_eq!(page(&journey), PageView::Identify);
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Persist { .. })),
        "{effects:?}"
    );
    assert!(!format!("{journey:?}").contains("Responses"));
}

//! A patient answers the intake questions by tapping through the real Slint screens
//! (testing backend, by accessible label), on a kiosk started by the product's own
//! services: a choice, a typed answer, yes, two toggles, a number refused then taken, a
//! skip, Back, the PHQ-9 in Spanish with a positive screen and a worrying item 9, the
//! calm page, and one sealed outbox row per questionnaire. Synthetic answers only.

mod ui_support;

use frontdesk::checkin::{Event, Forms};
use frontdesk::domain::AmountDue;
use frontdesk::kiosk::{AnswerInput, KioskAdapter, Page, QuestionsAdapter, QuestionsMode};
use frontdesk::store::{KioskStore, PendingRow};
use slint::ComponentHandle;
use std::time::{Duration, Instant};
use ui_support::UiKiosk;

/// A patient with nothing due scans their code and says "yes"; the office asks the
/// shipped questionnaires.
fn arrive(kiosk: &UiKiosk) {
    kiosk
        .app
        .dispatch(Event::FormsLearned(Box::new(Forms::shipped())));
    kiosk.arrive(51, AmountDue::default());
    // No office answers the details look-up here: flagged for the desk, then on.
    kiosk.until_page(Page::Questions);
}

/// Hands what the workers posted to the UI thread until the questions page is in `mode`.
fn until_mode(kiosk: &UiKiosk, mode: QuestionsMode) {
    let adapter = kiosk.ui.global::<QuestionsAdapter>();
    let deadline = Instant::now() + Duration::from_secs(20);
    while adapter.get_mode() != mode {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = kiosk
            .posted
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("waited for {mode:?}; shows {:?}", adapter.get_mode()));
        kiosk.app.dispatch(event);
    }
}

fn typed(kiosk: &UiKiosk) -> String {
    kiosk.ui.global::<QuestionsAdapter>().get_typed().into()
}

fn shows_question(kiosk: &UiKiosk, text: &str) -> bool {
    kiosk.ui.global::<KioskAdapter>().get_page() == Page::Questions
        && kiosk.ui.global::<QuestionsAdapter>().get_text() == text
        && kiosk.visible(text)
}

fn tap_keys(kiosk: &UiKiosk, keys: &[&str]) {
    for key in keys {
        kiosk.tap(key);
    }
}

#[test]
fn a_patient_answers_both_questionnaires_by_touch() {
    let kiosk = UiKiosk::start();
    arrive(&kiosk);

    // Reason for visit: one tap on a choice moves on.
    assert!(kiosk.visible("Reason for your visit · Question 1 of 3"));
    assert!(shows_question(
        &kiosk,
        "What is the main reason for your visit today?"
    ));
    kiosk.tap("A new health problem");
    // A short text on the registration keyboard.
    assert!(shows_question(
        &kiosk,
        "In a few words, what brings you in today?"
    ));
    assert!(kiosk.visible("Skip"));
    tap_keys(&kiosk, &["K", "N", "E", "E", "Space", "Delete"]);
    tap_keys(&kiosk, &["Space", "P", "A", "I", "N"]);
    assert_eq!(typed(&kiosk), "KNEE PAIN");
    kiosk.tap("Next");
    // Back: the answer is kept; Next goes on with it.
    kiosk.tap("Back");
    assert_eq!(typed(&kiosk), "KNEE PAIN");
    kiosk.tap("Next");
    assert!(shows_question(
        &kiosk,
        "Do you have any new symptoms since your last visit?"
    ));
    kiosk.tap("Yes");

    // Two toggles, then Next.
    assert_eq!(
        kiosk.ui.global::<QuestionsAdapter>().get_input(),
        AnswerInput::Multiple
    );
    kiosk.tap("Next");
    assert!(kiosk.visible("Please choose at least one."));
    kiosk.tap("Fever or chills");
    kiosk.tap("Cough");
    kiosk.tap("Next");

    // A number outside the form's range is refused, plainly.
    assert!(shows_question(
        &kiosk,
        "For how many days have you had these symptoms?"
    ));
    assert!(kiosk.visible("days"));
    tap_keys(&kiosk, &["4", "0", "0"]);
    assert!(!kiosk.enabled("5"), "three digits at most");
    kiosk.tap("Next");
    assert!(shows_question(
        &kiosk,
        "For how many days have you had these symptoms?"
    ));
    assert_eq!(kiosk.ui.global::<QuestionsAdapter>().get_error(), 2);
    assert!(kiosk.visible("Please type a number from 0 to 365."));
    kiosk.tap("Clear");
    tap_keys(&kiosk, &["1", "2"]);
    kiosk.tap("Next");
    // The temperature (fever was ticked) may be skipped; it has a decimal point.
    assert!(kiosk.visible("Decimal point"));
    kiosk.tap("Skip");

    // Saved; the PHQ-9's introduction, then its items, in Spanish.
    until_mode(&kiosk, QuestionsMode::Intro);
    assert!(kiosk.visible("How you have been feeling (PHQ-9)"));
    kiosk.tap("Español");
    assert!(kiosk.visible("Cómo se ha sentido (PHQ-9)"));
    kiosk.tap("Empezar");
    assert!(kiosk.visible("Cómo se ha sentido (PHQ-9) · Pregunta 1 de 2"));
    kiosk.tap("Varios días");
    kiosk.tap("Más de la mitad de los días");
    // 3 points: a positive screen asks the rest (never showing a score).
    assert!(kiosk.visible("Cómo se ha sentido (PHQ-9) · Pregunta 3 de 10"));
    assert!(!kiosk.visible("Puntuación total del PHQ-2"));
    for _ in 3..=8 {
        kiosk.tap("Ningún día");
    }
    assert!(shows_question(
        &kiosk,
        "Pensamientos de que estaría mejor muerto(a) o de hacerse daño de alguna manera"
    ));
    kiosk.tap("Varios días");
    kiosk.tap("Omitir");

    // The calm page, once the answers are saved; then "take a seat".
    until_mode(&kiosk, QuestionsMode::Safety);
    assert!(kiosk.visible("Gracias por decírnoslo."));
    assert!(kiosk.visible("Pedir que venga alguien del personal"));
    kiosk.tap("Continuar");
    kiosk.until_page(Page::Done);

    let intake_rows = KioskStore::open(&kiosk.db_path)
        .unwrap()
        .pending(0, 100)
        .unwrap()
        .into_iter()
        .filter(|row| matches!(row, PendingRow::Sealed(row) if row.kind.as_str() == "intake"))
        .count();
    assert_eq!(intake_rows, 2, "one sealed row per questionnaire");
}

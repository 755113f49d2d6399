//! A new patient registers on the real Slint screens (testing backend), by accessible
//! labels: in English from the welcome page, and in Spanish; the registration reaches
//! the kiosk's outbox and the thank-you page shows.
//!
//! Slint's testing platform is one per process and bound to its thread: the scenarios run
//! one after another from a single test.

mod ui_support;

use frontdesk::kiosk::{KioskAdapter, Page, RegisterAdapter};
use frontdesk::store::KioskStore;
use slint::{ComponentHandle, LogicalSize};
use ui_support::UiKiosk;

/// The label of the key that types `c`, in the language showing.
fn key_label(kiosk: &UiKiosk, c: char) -> String {
    let spanish = kiosk.visible("Siguiente");
    let pick = |en: &str, es: &str| if spanish { es } else { en }.to_owned();
    match c {
        ' ' => pick("Space", "Espacio"),
        '-' => pick("Hyphen", "Guion"),
        '@' => pick("At sign", "Arroba"),
        '.' => pick("Period", "Punto"),
        c => c.to_string(),
    }
}

/// Types `text` key by key, then taps Next.
fn answer(kiosk: &UiKiosk, text: &str) {
    for c in text.chars() {
        kiosk.tap(&key_label(kiosk, c));
    }
    let next = if kiosk.visible("Siguiente") {
        "Siguiente"
    } else {
        "Next"
    };
    kiosk.tap(next);
}

/// Makes the window tall enough for the whole review page. (Swiping needs mock time,
/// which this process's platform does not have; tests/ui_access.rs checks that every
/// page's buttons scroll into view.)
fn show_whole_page(kiosk: &UiKiosk, label: &str) {
    if !kiosk.visible(label) {
        kiosk.ui.window().set_size(LogicalSize::new(1280.0, 1800.0));
    }
    assert!(kiosk.visible(label), "{label:?} on the review page");
}

fn page(kiosk: &UiKiosk) -> Page {
    kiosk.ui.global::<KioskAdapter>().get_page()
}

fn outbox_rows(kiosk: &UiKiosk) -> usize {
    KioskStore::open(&kiosk.db_path)
        .unwrap()
        .pending(0, 100)
        .unwrap()
        .len()
}

fn a_new_patient_registers_in_english() {
    let kiosk = UiKiosk::start();
    kiosk.tap("New patient? Register here");
    assert_eq!(page(&kiosk), Page::Register);
    assert!(kiosk.visible("Step 1 of 9"));
    assert!(kiosk.visible("What is your legal first name?"));
    // Next with nothing typed says what is missing.
    kiosk.tap("Next");
    assert!(kiosk.visible("Please fill this in."));
    answer(&kiosk, "ADA");
    answer(&kiosk, "TESTPATIENT");
    assert!(kiosk.visible("Step 2 of 9"));
    kiosk.tap("Skip");
    assert!(kiosk.visible("What year were you born?"));
    assert!(kiosk.visible("Step 3 of 9"));
    for digit in ["1", "9", "5", "0"] {
        kiosk.tap(digit);
    }
    kiosk.tap("January");
    kiosk.tap("2");
    assert!(kiosk.visible("What is your sex or gender?"));
    kiosk.tap("Female");
    kiosk.tap("Next");
    answer(&kiosk, "123 EXAMPLE ST");
    kiosk.tap("Skip");
    answer(&kiosk, "TESTVILLE");
    answer(&kiosk, "IL");
    answer(&kiosk, "6270");
    assert!(kiosk.visible("A ZIP code has 5 digits."));
    answer(&kiosk, "1");
    answer(&kiosk, "217555012");
    assert!(kiosk.visible("Please check the phone number: it needs 10 digits."));
    assert_eq!(
        kiosk.ui.global::<RegisterAdapter>().get_shown(),
        "(217) 555-012"
    );
    answer(&kiosk, "3");
    answer(&kiosk, "ada@example");
    assert!(kiosk.visible("This does not look like an email address."));
    answer(&kiosk, ".com");
    assert!(kiosk.visible("Which language do you prefer?"));
    kiosk.tap("Next");
    kiosk.tap("Skip");
    assert_eq!(page(&kiosk), Page::Review);
    assert!(kiosk.visible("ADA TESTPATIENT"));
    assert!(kiosk.visible("January 2, 1950"));
    assert!(kiosk.visible("(217) 555-0123"));
    // Change the phone number, and back to the review.
    kiosk.tap("Change: Phone");
    assert!(kiosk.visible("What is your phone number?"));
    kiosk.tap("Clear");
    answer(&kiosk, "2175550100");
    assert_eq!(page(&kiosk), Page::Review);
    assert!(kiosk.visible("(217) 555-0100"));
    show_whole_page(&kiosk, "Send");
    kiosk.tap("Send");
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("Thank you."));
    assert!(
        kiosk.visible(
            "Please take a seat — the front desk will call you to finish your registration."
        )
    );
    assert_eq!(outbox_rows(&kiosk), 1, "the registration is in the outbox");
    kiosk.tap("Done");
    // The next patient starts an empty form.
    kiosk.tap("New patient? Register here");
    assert_eq!(kiosk.ui.global::<RegisterAdapter>().get_shown(), "");
}

fn un_paciente_nuevo_se_registra_en_espanol() {
    let kiosk = UiKiosk::start();
    kiosk.tap("Español");
    kiosk.tap("¿Paciente nuevo? Regístrese aquí");
    assert!(kiosk.visible("Paso 1 de 9"));
    assert!(kiosk.visible("¿Cuál es su nombre legal?"));
    answer(&kiosk, "ADA");
    answer(&kiosk, "TESTPATIENT");
    kiosk.tap("Omitir");
    for digit in ["1", "9", "5", "0"] {
        kiosk.tap(digit);
    }
    kiosk.tap("Enero");
    kiosk.tap("2");
    assert!(kiosk.visible("¿Cuál es su sexo o género?"));
    kiosk.tap("Femenino");
    kiosk.tap("Siguiente");
    answer(&kiosk, "123 EXAMPLE ST");
    kiosk.tap("Omitir");
    answer(&kiosk, "TESTVILLE");
    answer(&kiosk, "IL");
    answer(&kiosk, "62701");
    answer(&kiosk, "2175550123");
    kiosk.tap("Omitir");
    assert!(kiosk.visible("¿Qué idioma prefiere?"));
    kiosk.tap("Siguiente");
    answer(&kiosk, "BRUNO");
    answer(&kiosk, "SAMPLE");
    assert!(kiosk.visible("¿Qué relación tiene esta persona con usted?"));
    kiosk.tap("Siguiente");
    assert!(kiosk.visible("Por favor, elija una opción."));
    kiosk.tap("Hermano o hermana");
    kiosk.tap("Siguiente");
    answer(&kiosk, "2175550199");
    assert_eq!(page(&kiosk), Page::Review);
    assert!(kiosk.visible("Revise sus respuestas y toque Enviar."));
    assert!(kiosk.visible("2 de enero de 1950"));
    assert!(kiosk.visible("Español"), "the preferred language");
    show_whole_page(&kiosk, "Enviar");
    kiosk.tap("Enviar");
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("Gracias."));
    assert_eq!(outbox_rows(&kiosk), 1);
}

#[test]
fn register_on_the_screens() {
    a_new_patient_registers_in_english();
    un_paciente_nuevo_se_registra_en_espanol();
}

//! A patient types the short code from their text-message reminder on the kiosk's code
//! keyboard, on the real Slint screens (testing backend), by accessible labels, in English
//! and in Spanish: a wrong code is said so, the right one finds the visit, and five wrong
//! codes lock the keyboard while "Call staff" stays reachable.
//!
//! Slint's testing platform is one per process and bound to its thread: the scenarios run
//! one after another from a single test.

mod ui_support;

use frontdesk::checkin::{Event, Roster, RosterEntry};
use frontdesk::domain::{AppointmentId, IdentityKey, PersonName, ShortCode};
use frontdesk::kiosk::{KioskAdapter, Page, TypeCodeAdapter};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use slint::ComponentHandle;
use ui_support::UiKiosk;

/// A kiosk whose roster has Bea Testcode at 2:30 PM today; her texted code.
fn kiosk_with_roster() -> (UiKiosk, ShortCode) {
    let kiosk = UiKiosk::start();
    let today = kiosk.now.to_zoned(TimeZone::UTC).date();
    let key = IdentityKey::for_day(&[4; 32], today);
    let code = ShortCode::derive(&[9; 32], AppointmentId::new(77));
    let entry = RosterEntry {
        appointment: AppointmentId::new(77),
        display_name: PersonName::new("Bea", "Testcode").unwrap().display_name(),
        starts_at: Time::constant(14, 30, 0, 0),
        provider: "Dr. Demo Able".into(),
        checked_in: false,
        due: frontdesk::domain::AmountDue::default(),
        identity: None,
        code: Some(key.hash_code(&code)),
    };
    kiosk.app.dispatch(Event::RosterUpdated(
        Roster::new(vec![entry], 0).with_identity_key(Some(key)),
    ));
    (kiosk, code)
}

/// `code` with its last character changed: well formed, but nobody's.
fn wrong(code: &ShortCode, n: usize) -> String {
    let alphabet: Vec<char> = frontdesk::domain::SHORT_CODE_ALPHABET.chars().collect();
    let text = code.as_str();
    let last = text.chars().last().unwrap();
    let at = alphabet.iter().position(|c| *c == last).unwrap();
    format!("{}{}", &text[..7], alphabet[(at + 1 + n) % alphabet.len()])
}

fn type_keys(kiosk: &UiKiosk, text: &str) {
    for c in text.chars() {
        kiosk.tap(&c.to_string());
    }
}

fn page(kiosk: &UiKiosk) -> Page {
    kiosk.ui.global::<KioskAdapter>().get_page()
}

fn a_wrong_code_is_said_so_and_the_right_one_checks_in() {
    let (kiosk, code) = kiosk_with_roster();
    kiosk.tap("Code from my text");
    assert!(kiosk.visible("Type the code from your text message"));
    assert!(!kiosk.enabled("Check in"), "nothing typed yet");
    // Look-alikes are not on the keyboard at all.
    for absent in ["0", "O", "1", "I", "L", "5", "S", "2", "Z", "8", "B"] {
        assert!(!kiosk.visible(absent), "{absent} on the code keyboard");
    }
    type_keys(&kiosk, &wrong(&code, 0));
    assert_eq!(
        kiosk.ui.global::<TypeCodeAdapter>().get_typed(),
        format!("{}-{}", &wrong(&code, 0)[..4], &wrong(&code, 0)[4..])
    );
    kiosk.tap("Check in");
    assert!(kiosk.visible("That code is not right. Please check it and try again. Tries left: 4"));
    assert_eq!(page(&kiosk), Page::TypeCode);
    kiosk.tap("Delete");
    let last = code.as_str().chars().last().unwrap();
    kiosk.tap(&last.to_string());
    kiosk.tap("Check in");
    assert!(kiosk.visible("Is this you?"));
    assert!(kiosk.visible("Bea T."));
    kiosk.tap("Yes, this is me");
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("Thank you, you are checked in"));
}

fn cinco_codigos_incorrectos_bloquean_el_teclado() {
    let (kiosk, code) = kiosk_with_roster();
    kiosk.tap("Español");
    kiosk.tap("Código del mensaje");
    assert!(kiosk.visible("Escriba el código de su mensaje de texto"));
    for n in 0..5 {
        kiosk.tap("Borrar todo");
        type_keys(&kiosk, &wrong(&code, n));
        kiosk.tap("Registrarme");
    }
    assert!(kiosk.visible(
        "Demasiados códigos incorrectos. Escanee su código, escriba su nombre o toque «Pedir ayuda»."
    ));
    assert!(!kiosk.enabled("A"), "the keys are inert while locked");
    assert!(!kiosk.enabled("Registrarme"));
    // "Call staff" is reachable, and "Back" leads to the other ways in.
    assert!(kiosk.enabled("Pedir ayuda"));
    kiosk.tap("Volver");
    assert_eq!(page(&kiosk), Page::Welcome);
    assert!(kiosk.enabled("Escribir mi nombre"));
    // Coming back does not unlock it.
    kiosk.tap("Código del mensaje");
    assert!(kiosk.visible(
        "Demasiados códigos incorrectos. Escanee su código, escriba su nombre o toque «Pedir ayuda»."
    ));
}

fn without_todays_list_typing_a_code_goes_to_the_desk() {
    let kiosk = UiKiosk::start();
    kiosk.tap("Code from my text");
    assert_eq!(page(&kiosk), Page::Problem);
    kiosk.tap("Start over");
    assert_eq!(page(&kiosk), Page::Welcome);
}

#[test]
fn identify_by_texted_code_on_the_screens() {
    a_wrong_code_is_said_so_and_the_right_one_checks_in();
    cinco_codigos_incorrectos_bloquean_el_teclado();
    without_todays_list_typing_a_code_goes_to_the_desk();
}

//! A patient without a code types their last name on the kiosk's keyboard and picks their
//! date of birth, on the real Slint screens (testing backend), by accessible labels, in
//! English and in Spanish; and a kiosk without today's list sends them to the desk.
//!
//! Slint's testing platform is one per process and bound to its thread: the scenarios run
//! one after another from a single test.

mod ui_support;

use frontdesk::checkin::{Event, Roster, RosterEntry};
use frontdesk::domain::{AppointmentId, DateOfBirth, IdentityKey, PersonName};
use frontdesk::kiosk::{KioskAdapter, Page, TypeNameAdapter};
use jiff::civil::{Time, date};
use jiff::tz::TimeZone;
use slint::ComponentHandle;
use ui_support::UiKiosk;

/// A kiosk whose roster has Bea García-López (born 1960-05-06) at 2:30 PM today.
fn kiosk_with_roster() -> UiKiosk {
    let kiosk = UiKiosk::start();
    let today = kiosk.now.to_zoned(TimeZone::UTC).date();
    let key = IdentityKey::for_day(&[4; 32], today);
    let dob = DateOfBirth::new(date(1960, 5, 6), today).unwrap();
    let entry = RosterEntry {
        appointment: AppointmentId::new(77),
        display_name: PersonName::new("Bea", "García-López")
            .unwrap()
            .display_name(),
        starts_at: Time::constant(14, 30, 0, 0),
        provider: "Dr. Demo Able".into(),
        checked_in: false,
        due: frontdesk::domain::AmountDue::default(),
        code: None,
        identity: Some(key.hash("García-López", dob).unwrap()),
    };
    kiosk.app.dispatch(Event::RosterUpdated(
        Roster::new(vec![entry], 0).with_identity_key(Some(key)),
    ));
    kiosk
}

fn type_on_keyboard(kiosk: &UiKiosk, text: &str) {
    for c in text.chars() {
        let label = match c {
            ' ' => kiosk_space(kiosk),
            '-' => kiosk_hyphen(kiosk),
            c => c.to_string(),
        };
        kiosk.tap(&label);
    }
}

fn kiosk_space(kiosk: &UiKiosk) -> String {
    if kiosk.visible("Space") {
        "Space"
    } else {
        "Espacio"
    }
    .into()
}

fn kiosk_hyphen(kiosk: &UiKiosk) -> String {
    if kiosk.visible("Hyphen") {
        "Hyphen"
    } else {
        "Guion"
    }
    .into()
}

fn page(kiosk: &UiKiosk) -> Page {
    kiosk.ui.global::<KioskAdapter>().get_page()
}

fn a_patient_types_their_name_and_picks_their_birth_date() {
    let kiosk = kiosk_with_roster();
    kiosk.tap("Type my name instead");
    assert!(kiosk.visible("Type your last name"));
    assert!(!kiosk.enabled("Next"), "nothing typed yet");

    // A typo, deleted; the accented letters are on the keyboard.
    type_on_keyboard(&kiosk, "GARCÍX");
    kiosk.tap("Delete");
    type_on_keyboard(&kiosk, "A-LÓPEZ");
    let typed = kiosk.ui.global::<TypeNameAdapter>().get_typed();
    assert_eq!(typed, "GARCÍA-LÓPEZ");
    assert!(kiosk.enabled("Next"));
    kiosk.tap("Next");

    assert!(kiosk.visible("What year were you born?"));
    // The first digit of a year from 1900 on is 1 or 2.
    assert!(!kiosk.enabled("3"));
    for digit in ["1", "9", "6", "0"] {
        kiosk.tap(digit);
    }
    assert!(kiosk.visible("Which month were you born in?"));
    kiosk.tap("May");
    assert!(kiosk.visible("Which day were you born?"));
    assert!(kiosk.visible("Born in May 1960"));
    assert!(kiosk.enabled("31"), "May has 31 days");
    kiosk.tap("6");

    assert!(kiosk.visible("Is this you?"));
    assert!(kiosk.visible("Bea G."));
    assert!(kiosk.visible("Appointment at 2:30 PM with Dr. Demo Able"));
    kiosk.tap("Yes, this is me");
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("Thank you, you are checked in"));
    kiosk.tap("Done");
    // The next patient finds an empty keyboard.
    kiosk.tap("Type my name instead");
    assert_eq!(kiosk.ui.global::<TypeNameAdapter>().get_typed(), "");
}

fn en_espanol_con_el_teclado() {
    let kiosk = kiosk_with_roster();
    kiosk.tap("Español");
    kiosk.tap("Escribir mi nombre");
    assert!(kiosk.visible("Escriba su apellido"));
    type_on_keyboard(&kiosk, "GARCIA LOPEZ");
    kiosk.tap("Siguiente");
    assert!(kiosk.visible("¿En qué año nació?"));
    for digit in ["1", "9", "6", "0"] {
        kiosk.tap(digit);
    }
    assert!(kiosk.visible("¿En qué mes nació?"));
    kiosk.tap("Mayo");
    assert!(kiosk.visible("¿Qué día nació?"));
    kiosk.tap("6");
    assert!(kiosk.visible("¿Es usted?"));
    assert!(kiosk.visible("Cita a las 14:30 con Dr. Demo Able"));
}

fn a_wrong_birth_date_finds_nothing_and_try_again_keeps_the_name() {
    let kiosk = kiosk_with_roster();
    kiosk.tap("Type my name instead");
    type_on_keyboard(&kiosk, "GARCIA LOPEZ");
    kiosk.tap("Next");
    for digit in ["1", "9", "6", "1"] {
        kiosk.tap(digit);
    }
    kiosk.tap("May");
    kiosk.tap("6");
    assert!(kiosk.visible("We could not find your appointment"));
    kiosk.tap("Try again");
    assert_eq!(page(&kiosk), Page::TypeName);
    assert_eq!(
        kiosk.ui.global::<TypeNameAdapter>().get_typed(),
        "GARCIA LOPEZ"
    );
    kiosk.tap("Back");
    assert_eq!(page(&kiosk), Page::Welcome);
}

fn without_todays_list_typing_a_name_goes_to_the_desk() {
    let kiosk = UiKiosk::start();
    kiosk.tap("Type my name instead");
    assert_eq!(page(&kiosk), Page::Problem);
    kiosk.tap("Start over");
    assert_eq!(page(&kiosk), Page::Welcome);
}

#[test]
fn identify_by_name_on_the_screens() {
    a_patient_types_their_name_and_picks_their_birth_date();
    en_espanol_con_el_teclado();
    a_wrong_birth_date_finds_nothing_and_try_again_keeps_the_name();
    without_todays_list_typing_a_name_goes_to_the_desk();
}

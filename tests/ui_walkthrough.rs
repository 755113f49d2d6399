//! A patient taps through the real Slint screens (testing backend), found by their
//! accessible labels, on a kiosk started by the product's own services (real outbox
//! worker): welcome → Spanish and back → scan → "Is this you?" → call staff → back →
//! yes → (details, offline: flagged) → "take a seat" → done; nothing of the patient is
//! left behind. Then a patient who is sent to the front desk.

mod ui_support;

use frontdesk::checkin::Event;
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AppointmentId, ClinicId};
use frontdesk::kiosk::{KioskAdapter, Page};
use frontdesk::store::KioskStore;
use frontdesk::token::CheckInToken;
use jiff::ToSpan;
use jiff::tz::TimeZone;
use slint::ComponentHandle;
use ui_support::UiKiosk;

const SCAN_PROMPT: &str = "Scan the code from your appointment reminder, or your driver's licence";

#[test]
fn patient_checks_in_by_tapping() {
    let kiosk = UiKiosk::start();
    let ui = &kiosk.ui;

    assert!(kiosk.visible(SCAN_PROMPT));
    assert!(kiosk.visible("Welcome to Demo Family Practice"));

    // The language button is named in the language it offers, on every screen.
    kiosk.tap("Español");
    assert!(
        kiosk.visible("Escanee el código de su recordatorio de cita o su licencia de conducir")
    );
    assert!(kiosk.visible("Le damos la bienvenida a Demo Family Practice"));
    assert!(kiosk.visible("Pedir ayuda"));
    assert!(!kiosk.visible(SCAN_PROMPT));
    kiosk.tap("English");
    assert!(kiosk.visible(SCAN_PROMPT));

    // The scanner reads the reminder code.
    scan_reminder(&kiosk, 42, (16, 30));
    assert!(kiosk.visible("Is this your appointment?"));
    assert!(kiosk.visible("Appointment at 4:30 PM"));

    // In Spanish the time is on a 24-hour clock.
    kiosk.tap("Español");
    assert!(kiosk.visible("¿Es esta su cita?"));
    assert!(kiosk.visible("Cita a las 16:30"));
    kiosk.tap("English");

    // "Call staff" is on this screen too; it covers the page and comes back to it. No
    // office answers here: the call is tried, then the patient is sent to the desk rather
    // than told someone is coming.
    kiosk.tap("Call staff");
    assert!(kiosk.visible("Calling the front desk…"));
    assert!(!kiosk.visible("Yes, this is me"));
    kiosk.until_event(|event| matches!(event, Event::HelpAnswered(_)));
    assert!(kiosk.visible("Please go to the front desk"));
    assert!(!kiosk.visible("Someone is coming to help you"));
    kiosk.tap("Back");
    assert!(kiosk.visible("Is this your appointment?"));

    // The kiosk asks the office for the details on file; no office answers here, so the
    // details are flagged for the desk and the check-in goes ahead.
    kiosk.tap("Yes, this is me");
    assert!(kiosk.visible("Looking up your details."));
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("Thank you, you are checked in"));
    kiosk.tap("Done");
    assert_eq!(ui.global::<KioskAdapter>().get_page(), Page::Welcome);
    // Nothing of the patient is left in the UI.
    assert!(!kiosk.visible("Appointment at 4:30 PM"));
    let confirm = ui.global::<frontdesk::kiosk::ConfirmAdapter>();
    assert_eq!(confirm.get_appointment_time(), "");
    assert!(!confirm.get_has_name());
    assert_eq!(
        KioskStore::open(&kiosk.db_path).unwrap().depth().unwrap(),
        2,
        "the check-in and the details flag wait in the outbox for the office"
    );

    // The next patient: "not me" sends them to the desk, and the kiosk calls it. The page
    // says "they know you are coming" only once the desk has the call (no office here: it
    // never does on its own; then the office's answer is played in).
    scan_reminder(&kiosk, 43, (16, 45));
    kiosk.tap("No, this is not me");
    assert!(kiosk.visible("Please see the front desk"));
    kiosk.until_event(|event| matches!(event, Event::HelpAnswered(_)));
    let told = "Staff will help you find your appointment. They know you are coming.";
    assert!(kiosk.visible("Staff will help you find your appointment."));
    assert!(!kiosk.visible(told));
    kiosk
        .app
        .dispatch(Event::HelpAnswered(frontdesk::checkin::HelpReached::Told));
    assert!(kiosk.visible(told));
    kiosk.tap("Español");
    assert!(kiosk.visible("El personal le ayudará a encontrar su cita. Ya saben que usted va."));
    kiosk.tap("English");
    kiosk.tap("Start over");
    assert!(kiosk.visible(SCAN_PROMPT));
    assert!(!kiosk.visible(told));
}

/// The scanner reads today's reminder code for `appointment` at `starts_at` (hour, minute).
fn scan_reminder(kiosk: &UiKiosk, appointment: u64, (hour, minute): (i8, i8)) {
    let now = kiosk.now;
    let code = CheckInToken {
        clinic: ClinicId::new(1).unwrap(),
        appointment: AppointmentId::new(appointment),
        valid_on: now.to_zoned(TimeZone::UTC).date(),
        starts_at: jiff::civil::Time::constant(hour, minute, 0, 0),
        expires_at: (now + 2.hours()).max(now),
    }
    .sign(&kiosk.key)
    .expect("signs");
    kiosk.app.dispatch(Event::Scanned(Scan::classify(code)));
}

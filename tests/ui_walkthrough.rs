//! A patient taps through the real Slint screens (testing backend), found by their
//! accessible labels, on a kiosk started by the product's own services (real outbox
//! worker): welcome → Spanish and back → scan → "Is this you?" → call staff → back →
//! yes → "take a seat" → done; nothing of the patient is left behind.

use ed25519_dalek::SigningKey;
use frontdesk::checkin::{Event, OfficeTrust};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AppointmentId, ClinicId};
use frontdesk::kiosk::app::KioskApp;
use frontdesk::kiosk::config::KioskConfig;
use frontdesk::kiosk::services::KioskServices;
use frontdesk::kiosk::{KioskAdapter, MainWindow, Page};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::KioskStore;
use frontdesk::sync::WorkerSettings;
use frontdesk::token::CheckInToken;
use i_slint_backend_testing::ElementHandle;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use slint::ComponentHandle;
use std::sync::{Arc, mpsc};
use std::time::Duration;

fn tap(ui: &MainWindow, label: &str) {
    let buttons: Vec<_> = ElementHandle::find_by_accessible_label(ui, label)
        .filter(|e| e.accessible_role() == Some(i_slint_backend_testing::AccessibleRole::Button))
        .collect();
    assert_eq!(buttons.len(), 1, "exactly one {label:?} button on screen");
    buttons[0].invoke_accessible_default_action();
}

fn visible(ui: &MainWindow, label: &str) -> bool {
    ElementHandle::find_by_accessible_label(ui, label)
        .next()
        .is_some()
}

/// Hands what the workers posted to the UI thread, until the outbox has answered.
fn until_saved(app: &KioskApp, posted: &mpsc::Receiver<Event>) {
    loop {
        let event = posted
            .recv_timeout(Duration::from_secs(10))
            .expect("the outbox worker answers");
        let saved = matches!(event, Event::Completed(_));
        app.dispatch(event);
        if saved {
            return;
        }
    }
}

#[test]
fn patient_checks_in_by_tapping() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[5; 32]);
    let now = Timestamp::now();
    let today = now.to_zoned(TimeZone::UTC).date();

    // No office is listening: the sync thread just retries, and nothing waits on it.
    let config = KioskConfig {
        office_url: "http://127.0.0.1:9".into(),
        data_dir: dir.path().to_owned(),
        ..KioskConfig::default()
    };
    // The office's sealing key, as the sync thread pins it on first contact.
    KioskStore::open(&dir.path().join("kiosk.db"))
        .unwrap()
        .set_office_seal_key(&SealSecretKey::from_bytes([6; 32]).public_key())
        .unwrap();
    let (post, posted) = mpsc::channel();
    let services = KioskServices::start(
        &config,
        WorkerSettings::default(),
        Arc::new(move |event| {
            let _ = post.send(event);
        }),
        now,
    )
    .unwrap();
    let ui = MainWindow::new().unwrap();
    let app = KioskApp::install(ui.clone_strong(), services.core, "");
    ui.show().unwrap();
    app.dispatch(Event::OfficeTrusted(OfficeTrust {
        clinic: ClinicId::new(1).unwrap(),
        clinic_name: "Demo Family Practice".into(),
        timezone: TimeZone::UTC,
        key: key.verifying_key(),
    }));

    assert!(visible(&ui, "Scan the code from your appointment reminder"));
    assert!(visible(&ui, "Welcome to Demo Family Practice"));

    // "I don't have a code" leads to the desk, and back.
    tap(&ui, "I don't have a code");
    assert!(visible(&ui, "Please see the front desk"));
    tap(&ui, "Start over");
    assert_eq!(ui.global::<KioskAdapter>().get_page(), Page::Welcome);

    // The language button is named in the language it offers, on every screen.
    tap(&ui, "Español");
    assert!(visible(&ui, "Escanee el código de su recordatorio de cita"));
    assert!(visible(
        &ui,
        "Le damos la bienvenida a Demo Family Practice"
    ));
    assert!(visible(&ui, "Pedir ayuda"));
    assert!(!visible(
        &ui,
        "Scan the code from your appointment reminder"
    ));
    tap(&ui, "English");
    assert!(visible(&ui, "Scan the code from your appointment reminder"));

    // The scanner reads the reminder code.
    let code = CheckInToken {
        clinic: ClinicId::new(1).unwrap(),
        appointment: AppointmentId::new(42),
        valid_on: today,
        starts_at: jiff::civil::Time::constant(16, 30, 0, 0),
        expires_at: (now + 2.hours()).max(now),
    }
    .sign(&key)
    .expect("signs");
    app.dispatch(Event::Scanned(Scan::classify(code)));
    assert!(visible(&ui, "Is this your appointment?"));
    assert!(visible(&ui, "Appointment at 4:30 PM"));

    // In Spanish the time is on a 24-hour clock.
    tap(&ui, "Español");
    assert!(visible(&ui, "¿Es esta su cita?"));
    assert!(visible(&ui, "Cita a las 16:30"));
    tap(&ui, "English");

    // "Call staff" is on this screen too; it covers the page and comes back to it.
    tap(&ui, "Call staff");
    assert!(visible(&ui, "Someone is coming to help you"));
    assert!(!visible(&ui, "Yes, this is me"));
    tap(&ui, "Back");
    assert!(visible(&ui, "Is this your appointment?"));

    tap(&ui, "Yes, this is me");
    assert!(visible(&ui, "Checking you in."));
    until_saved(&app, &posted);
    assert!(visible(&ui, "Thank you, you are checked in"));
    tap(&ui, "Done");
    assert_eq!(ui.global::<KioskAdapter>().get_page(), Page::Welcome);
    // Nothing of the patient is left in the UI.
    assert!(!visible(&ui, "Appointment at 4:30 PM"));
    let confirm = ui.global::<frontdesk::kiosk::ConfirmAdapter>();
    assert_eq!(confirm.get_appointment_time(), "");
    assert!(!confirm.get_has_name());
    assert_eq!(
        KioskStore::open(&dir.path().join("kiosk.db"))
            .unwrap()
            .depth()
            .unwrap(),
        1,
        "the check-in waits in the outbox for the office"
    );
}

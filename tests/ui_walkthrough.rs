//! A patient taps through the real Slint screens (testing backend), found by their
//! accessible labels: welcome → scan → "Is this you?" → yes → "take a seat" → done;
//! and "Call staff" works and comes back.

use ed25519_dalek::SigningKey;
use frontdesk::checkin::{Event, Flow, FlowSettings, OfficeTrust};
use frontdesk::domain::{AppointmentId, ClinicId};
use frontdesk::kiosk::app::KioskApp;
use frontdesk::kiosk::core::{KioskCore, Notice};
use frontdesk::kiosk::{KioskAdapter, MainWindow, Page};
use frontdesk::store::KioskStore;
use frontdesk::token::CheckInToken;
use i_slint_backend_testing::ElementHandle;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use slint::ComponentHandle;
use std::cell::RefCell;
use std::rc::Rc;

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

#[test]
fn patient_checks_in_by_tapping() {
    i_slint_backend_testing::init_integration_test_with_system_time();
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[5; 32]);
    let now = Timestamp::now();
    let today = now.to_zoned(TimeZone::UTC).date();
    let trust = OfficeTrust {
        clinic: ClinicId::new(1).unwrap(),
        clinic_name: "Demo Family Practice".into(),
        timezone: TimeZone::UTC,
        key: key.verifying_key(),
    };
    let flow = Flow::new(
        FlowSettings {
            idle_timeout: SignedDuration::from_secs(60),
            done_timeout: SignedDuration::from_secs(10),
        },
        Some(trust),
        [],
        now,
    );
    let mut store = KioskStore::open(&dir.path().join("kiosk.db")).unwrap();
    // The office's sealing key, as the sync thread pins it on first contact.
    store
        .set_office_seal_key(&frontdesk::seal::SealSecretKey::from_bytes([6; 32]).public_key())
        .unwrap();
    let notices = Rc::new(RefCell::new(Vec::new()));
    let core = KioskCore::new(flow, store, {
        let notices = notices.clone();
        move |n| notices.borrow_mut().push(n)
    });
    let ui = MainWindow::new().unwrap();
    let app = KioskApp::install(ui.clone_strong(), core, "Demo Family Practice");
    ui.show().unwrap();

    assert!(visible(&ui, "Scan the code from your appointment reminder"));
    assert!(visible(&ui, "Welcome to Demo Family Practice"));

    // "I don't have a code" leads to the desk, and back.
    tap(&ui, "I don't have a code");
    assert!(visible(&ui, "Please see the front desk"));
    tap(&ui, "Start over");
    assert_eq!(ui.global::<KioskAdapter>().get_page(), Page::Welcome);

    // The scanner reads the reminder code.
    let code = CheckInToken {
        clinic: ClinicId::new(1).unwrap(),
        appointment: AppointmentId::new(42),
        valid_on: today,
        starts_at: jiff::civil::Time::constant(10, 30, 0, 0),
        expires_at: (now + 2.hours()).max(now),
    }
    .sign(&key);
    app.dispatch(Event::CodeScanned(code));
    assert!(visible(&ui, "Is this your appointment?"));
    assert!(visible(&ui, "Appointment at 10:30 AM"));

    // "Call staff" is on this screen too; it pages the desk and comes back.
    tap(&ui, "Call staff");
    assert!(visible(&ui, "Someone is coming to help you"));
    assert!(matches!(
        notices.borrow().last(),
        Some(Notice::HelpRequested(_))
    ));
    tap(&ui, "Back");
    assert!(visible(&ui, "Is this your appointment?"));

    tap(&ui, "Yes, this is me");
    assert!(visible(&ui, "Thank you, you are checked in"));
    assert!(notices.borrow().contains(&Notice::OutboxChanged));
    tap(&ui, "Done");
    assert_eq!(ui.global::<KioskAdapter>().get_page(), Page::Welcome);
    // Nothing of the patient is left in the UI.
    assert!(!visible(&ui, "Appointment at 10:30 AM"));
    assert_eq!(
        ui.global::<frontdesk::kiosk::ConfirmAdapter>()
            .get_appointment_time(),
        ""
    );
}

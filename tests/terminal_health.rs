//! The payment worker keeps an eye on an idle card terminal (the ZVT simulator on a
//! pseudo-terminal): it reports it ready once, and "unavailable" when it goes away, so staff
//! see it on the kiosk card and patients are sent to the desk before anyone tries to pay.

use frontdesk::api::TerminalHealth;
use frontdesk::checkin::{Event, PaymentsReadiness};
use frontdesk::devices::zvt_sim::ZvtSimulator;
use frontdesk::kiosk::card_terminal::SerialCardTerminal;
use frontdesk::kiosk::config::CardTerminalConfig;
use frontdesk::kiosk::payments::{PaymentWorker, PaymentWorkerSettings, TerminalHealthHandle};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::KioskStore;
use std::sync::{Arc, mpsc};
use std::time::Duration;

fn readiness(events: &mpsc::Receiver<Event>) -> PaymentsReadiness {
    loop {
        match events.recv_timeout(Duration::from_secs(20)) {
            Ok(Event::PaymentsReadiness(readiness)) => return readiness,
            Ok(_) => {}
            Err(_) => panic!("no readiness reported"),
        }
    }
}

#[test]
fn an_idle_terminal_that_goes_away_is_reported_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kiosk.db");
    KioskStore::open(&db)
        .unwrap()
        .set_office_seal_key(&SealSecretKey::from_bytes([6; 32]).public_key())
        .unwrap();
    let terminal = ZvtSimulator::start().unwrap();
    let health = TerminalHealthHandle::default();
    assert_eq!(health.get(), TerminalHealth::NotConfigured);
    let (tx, events) = mpsc::channel();
    let _worker = PaymentWorker::start(
        Box::new(
            SerialCardTerminal::new(&CardTerminalConfig::new(terminal.port_path().to_owned()))
                .unwrap(),
        ),
        None,
        KioskStore::open(&db).unwrap(),
        PaymentWorkerSettings {
            check_every: Duration::from_millis(100),
            retry_every: Duration::from_millis(100),
            health: health.clone(),
            ..PaymentWorkerSettings::default()
        },
        Arc::new(move |event| {
            let _ = tx.send(event);
        }),
        || {},
    )
    .unwrap();
    assert_eq!(readiness(&events), PaymentsReadiness::Ready);
    assert_eq!(health.get(), TerminalHealth::Ready);

    // Checked again and again while idle: still ready, and nobody is told twice.
    std::thread::sleep(Duration::from_millis(500));
    let registrations = terminal
        .commands()
        .iter()
        .filter(|c| **c == (0x06, 0x00))
        .count();
    assert!(registrations >= 3, "checked {registrations} times");
    assert!(
        events
            .try_iter()
            .all(|e| !matches!(e, Event::PaymentsReadiness(_))),
        "an unchanged terminal is not reported again"
    );

    // Unplugged: reported, to the journey and to the heartbeat.
    drop(terminal);
    assert_eq!(readiness(&events), PaymentsReadiness::Unavailable);
    assert_eq!(health.get(), TerminalHealth::Unavailable);
}

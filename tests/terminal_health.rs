//! The payment worker looks after an idle card terminal (the ZVT simulator on a
//! pseudo-terminal): it reports it ready once, and "unavailable" when it goes away, so staff
//! see it on the kiosk card and patients are sent to the desk before anyone tries to pay;
//! and past the configured time it closes the terminal's day once, keeping the totals for
//! the office's report.

use frontdesk::api::{TerminalBatch, TerminalHealth};
use frontdesk::checkin::{Event, PaymentsReadiness};
use frontdesk::devices::payment::{AbortSignal, PaymentTerminal};
use frontdesk::devices::zvt::{ZvtSettings, ZvtTerminal};
use frontdesk::devices::zvt_sim::ZvtSimulator;
use frontdesk::domain::Cents;
use frontdesk::kiosk::card_terminal::SerialCardTerminal;
use frontdesk::kiosk::config::CardTerminalConfig;
use frontdesk::kiosk::payments::{PaymentWorker, PaymentWorkerSettings, TerminalHealthHandle};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::KioskStore;
use jiff::Timestamp;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use std::sync::{Arc, mpsc};
use std::time::Duration;

/// A kiosk database that knows the office's sealing key, in `dir`.
fn kiosk_db(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("kiosk.db");
    KioskStore::open(&db)
        .unwrap()
        .set_office_seal_key(&SealSecretKey::from_bytes([6; 32]).public_key())
        .unwrap();
    db
}

/// A payment worker on `terminal` that checks it every 100 ms.
fn worker(
    terminal: &ZvtSimulator,
    db: &std::path::Path,
    settings: PaymentWorkerSettings,
) -> (PaymentWorker, mpsc::Receiver<Event>) {
    let (tx, events) = mpsc::channel();
    let worker = PaymentWorker::start(
        Box::new(
            SerialCardTerminal::new(&CardTerminalConfig::new(terminal.port_path().to_owned()))
                .unwrap(),
        ),
        None,
        KioskStore::open(db).unwrap(),
        PaymentWorkerSettings {
            check_every: Duration::from_millis(100),
            retry_every: Duration::from_millis(100),
            ..settings
        },
        Arc::new(move |event| {
            let _ = tx.send(event);
        }),
        || {},
    )
    .unwrap();
    (worker, events)
}

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
    let db = kiosk_db(dir.path());
    let terminal = ZvtSimulator::start().unwrap();
    let health = TerminalHealthHandle::default();
    assert_eq!(health.get(), TerminalHealth::NotConfigured);
    let (_worker, events) = worker(
        &terminal,
        &db,
        PaymentWorkerSettings {
            health: health.clone(),
            ..PaymentWorkerSettings::default()
        },
    );
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

#[test]
fn past_closing_time_the_terminals_day_is_closed_once_and_its_totals_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = kiosk_db(dir.path());
    let terminal = ZvtSimulator::start().unwrap();
    // Two co-pays taken today, straight on the terminal.
    let mut till = ZvtTerminal::open(terminal.port_path(), 9600, ZvtSettings::default()).unwrap();
    till.connect().unwrap();
    for cents in [2500, 4000] {
        till.authorise(Cents::new(cents), &mut |_| {}, &AbortSignal::new())
            .unwrap();
    }
    drop(till);

    let (worker, events) = worker(
        &terminal,
        &db,
        PaymentWorkerSettings {
            // Midnight: always past, so the first idle check closes the day.
            close_day_at: Some(Time::midnight()),
            zone: TimeZone::UTC,
            ..PaymentWorkerSettings::default()
        },
    );
    assert_eq!(readiness(&events), PaymentsReadiness::Ready);
    let store = KioskStore::open(&db).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let closed = loop {
        if let Some(batch) = store.last_closed_day().unwrap() {
            break batch;
        }
        assert!(std::time::Instant::now() < deadline, "the day is closed");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        closed,
        TerminalBatch {
            day: Timestamp::now().to_zoned(TimeZone::UTC).date(),
            count: 2,
            amount: Cents::new(6500),
        }
    );
    // Checked again and again: closed once only.
    std::thread::sleep(Duration::from_millis(500));
    drop(worker);
    let closes = terminal
        .commands()
        .iter()
        .filter(|c| **c == (0x06, 0x50))
        .count();
    assert_eq!(closes, 1);
}

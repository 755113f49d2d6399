//! When delivery is stuck the desk still hears the kiosk: "call staff" goes out at once
//! whatever the delivery backoff, and an unreadable outbox row or a failing kiosk
//! database shows on the staff page as a kiosk fault instead of "0 unsent".

mod support;

use frontdesk::api::{CheckInSubmission, OutboxHealth};
use frontdesk::checkin::{Event, HelpReached};
use frontdesk::domain::{CheckInId, ClinicId, StaffNeed};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::KioskStore;
use frontdesk::sync::{OfficeClient, SyncHandle, SyncWorker, WorkerSettings};
use jiff::Timestamp;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use support::{KIOSK_TOKEN, Relay, TestOffice, fast_sync, start_office, wait_until};

fn sync_worker(base: &str, db: &Path, settings: WorkerSettings) -> SyncHandle {
    SyncWorker::start(
        OfficeClient::new(base, KIOSK_TOKEN).unwrap(),
        db.to_owned(),
        settings,
        Arc::new(AtomicBool::new(true)),
        |_| {},
    )
    .unwrap()
}

fn outbox_on_staff_page(office: &TestOffice) -> Option<OutboxHealth> {
    office.queue().kiosks.first().map(|k| k.outbox)
}

#[test]
fn call_staff_reaches_the_desk_while_delivery_is_backing_off() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    // The kiosk pinned another sealing key: every sync round is refused, and each refusal
    // sends the worker into a minute's backoff.
    let db = dir.path().join("kiosk.db");
    KioskStore::open(&db)
        .unwrap()
        .set_office_seal_key(&SealSecretKey::generate().unwrap().public_key())
        .unwrap();
    let sync = sync_worker(
        &office.base,
        &db,
        WorkerSettings {
            min_backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(60),
            ..fast_sync()
        },
    );
    let error = wait_until("the first refused round", || sync.status().last_error);
    assert!(error.contains("sealing key"), "{error}");

    sync.request_help(StaffNeed::PatientAsked, Timestamp::now());
    wait_until("the desk to hear the help request", || {
        office
            .queue()
            .staff_needs
            .into_iter()
            .find(|n| n.reason == StaffNeed::PatientAsked)
    });
    let status = sync.status();
    assert!(
        !status.office_reachable && status.delivered == 0,
        "no sync round got through: the help request went on its own ({status:?})"
    );
}

#[test]
fn call_staff_is_retried_until_the_office_answers() {
    let dir = tempfile::tempdir().unwrap();
    // The kiosk's office address answers, but no office is behind it yet.
    let relay = Relay::start("127.0.0.1:9".parse().unwrap());
    relay.point_to(None);
    let (answers, heard) = std::sync::mpsc::channel();
    let answers = std::sync::Mutex::new(answers);
    let sync = SyncWorker::start(
        OfficeClient::new(&relay.base(), KIOSK_TOKEN).unwrap(),
        dir.path().join("kiosk.db"),
        fast_sync(),
        Arc::new(AtomicBool::new(true)),
        move |event| {
            if let Event::HelpAnswered(reached) = event {
                let _ = answers.lock().unwrap().send(reached);
            }
        },
    )
    .unwrap();
    sync.request_help(StaffNeed::PatientAsked, Timestamp::now());
    // The office is not there yet: the patient is sent to the desk, once however many
    // tries fail.
    let wait = Duration::from_secs(30);
    assert_eq!(heard.recv_timeout(wait), Ok(HelpReached::NotYet));
    std::thread::sleep(Duration::from_millis(300));
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    relay.point_to(Some(office.addr));
    wait_until("the help request once the office is up", || {
        office
            .queue()
            .staff_needs
            .into_iter()
            .find(|n| n.reason == StaffNeed::PatientAsked)
    });
    // The retry got through: the screen can say someone is coming after all.
    assert_eq!(heard.recv_timeout(wait), Ok(HelpReached::Told));
    // A call with the office up is told at once, and only once.
    sync.request_help(StaffNeed::PatientAsked, Timestamp::now());
    assert_eq!(heard.recv_timeout(wait), Ok(HelpReached::Told));
    assert!(heard.recv_timeout(Duration::from_millis(500)).is_err());
}

#[test]
fn an_unreadable_row_is_skipped_reported_and_a_broken_database_is_a_fault() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let db = dir.path().join("kiosk.db");
    let kiosk = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let roster = kiosk.roster().unwrap();
    let mut store = KioskStore::open(&db).unwrap();
    store
        .set_office_seal_key(&kiosk.config().unwrap().seal_public_key)
        .unwrap();

    // Two damaged rows ahead of two good ones: one the kiosk can tell is not a sealed box
    // (too short), one only the office can (random bytes of a plausible length).
    let raw = rusqlite::Connection::open(&db).unwrap();
    for (id, sealed) in [
        ("00000000-0000-4000-8000-00000000000a", vec![0x5a_u8; 20]),
        (
            "00000000-0000-4000-8000-00000000000b",
            (0..160_u32).map(|i| (i * 37 % 251) as u8).collect(),
        ),
    ] {
        raw.execute(
            "INSERT INTO outbox (id, kind, sealed, created_on) VALUES (?1, 'check_in', ?2, '')",
            rusqlite::params![id, sealed],
        )
        .unwrap();
    }
    let today = support::clinic_today();
    let good: Vec<_> = roster.entries[..2]
        .iter()
        .map(|entry| CheckInSubmission {
            id: CheckInId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment: entry.appointment,
            arrived_at: Timestamp::now(),
        })
        .collect();
    for submission in &good {
        store.enqueue(submission, today).unwrap();
    }

    let sync = sync_worker(&office.base, &db, fast_sync());
    wait_until("the rows after the damaged ones", || {
        (office.queue().checked_in.len() == 2).then_some(())
    });
    let want = OutboxHealth::Unreadable {
        depth: 2,
        unreadable_rows: 2,
    };
    wait_until("the fault on the staff page", || {
        (outbox_on_staff_page(&office) == Some(want)).then_some(())
    });
    assert_eq!(store.depth().unwrap(), 2, "the damaged rows are kept");
    assert_eq!(sync.status().outbox, Some(want));
    assert!(sync.status().office_reachable);

    // The kiosk database fails under the worker: a fault, never "0 unsent".
    raw.execute_batch("DROP TABLE outbox").unwrap();
    wait_until("the database fault on the staff page", || {
        (outbox_on_staff_page(&office) == Some(OutboxHealth::DatabaseError)).then_some(())
    });
    assert_eq!(sync.status().outbox, Some(OutboxHealth::DatabaseError));
}

//! A new patient's registration goes from the kiosk's sealed outbox to the office over
//! real HTTP: stored once however often it is delivered, announced to staff, readable in
//! no kiosk database file before or after delivery; staff accept it into the day's list
//! (once, however often they click) or discard it.

mod support;

use frontdesk::api::{
    ErrorBody, OutboxBody, RegistrationSubmission, SealedDelivery, SubmissionOutcome,
};
use frontdesk::domain::{ClinicId, RegistrationId};
use frontdesk::office::events::QueueEvent;
use frontdesk::office::registrations::{AcceptView, RegistrationsView};
use frontdesk::office::store::RegistrationStatus;
use frontdesk::store::{KioskStore, PendingRow};
use frontdesk::sync::{OfficeClient, SyncHandle, SyncWorker};
use reqwest::StatusCode;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use support::{
    KIOSK_TOKEN, TestOffice, fast_sync, sample_registration as registration, start_office,
    wait_until,
};

fn sync_worker(base: &str, db: &Path) -> SyncHandle {
    SyncWorker::start(
        OfficeClient::new(base, KIOSK_TOKEN).unwrap(),
        db.to_owned(),
        fast_sync(),
        Arc::new(AtomicBool::new(true)),
        |_| {},
    )
    .unwrap()
}

/// The kiosk database and its journal files as they are on disk now.
fn database_bytes(db: &Path) -> Vec<(String, Vec<u8>)> {
    ["", "-wal", "-shm", "-journal"]
        .into_iter()
        .filter_map(|suffix| {
            let path = format!("{}{suffix}", db.display());
            std::fs::read(&path).ok().map(|bytes| (path, bytes))
        })
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn registrations(office: &TestOffice) -> RegistrationsView {
    support::staff_get(format!("{}/api/staff/v1/registrations", office.base))
        .unwrap()
        .json()
        .unwrap()
}

fn review(office: &TestOffice, id: RegistrationId, action: &str) -> reqwest::blocking::Response {
    support::staff()
        .post(format!(
            "{}/api/staff/v1/registrations/{id}/{action}",
            office.base
        ))
        .send()
        .unwrap()
}

fn audit_count(office: &TestOffice, action: &str) -> usize {
    office
        .state
        .store
        .get()
        .unwrap()
        .audit_log(1000)
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

#[test]
fn a_registration_reaches_the_office_once_and_leaves_nothing_readable_on_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let db = dir.path().join("kiosk.db");
    {
        let sync = sync_worker(&office.base, &db);
        wait_until("first contact", || {
            sync.status().office_reachable.then_some(())
        });
    }
    let mut events = office.state.events.subscribe();

    let submission = registration("Registrantova");
    let secrets: Vec<(&str, Vec<u8>)> = vec![
        (
            "body JSON",
            serde_json::to_vec(&submission.registration).unwrap(),
        ),
        ("first name", b"Adaqueen".to_vec()),
        ("last name", b"Registrantova".to_vec()),
        ("preferred name", b"Quaddie".to_vec()),
        ("date of birth", b"1937-03-14".to_vec()),
        ("street", b"Fakeplace Testway".to_vec()),
        ("unit", b"Unit Zq9".to_vec()),
        ("city", b"Testopolis".to_vec()),
        ("zip", b"62794".to_vec()),
        ("phone", b"2175550142".to_vec()),
        ("email", b"adaqueen.registrant".to_vec()),
        ("contact", b"Brunoclaus".to_vec()),
        ("contact's last name", b"Samplecontact".to_vec()),
        ("contact phone", b"2175550187".to_vec()),
        ("sex / gender", b"nonbinary".to_vec()),
    ];
    let assert_unreadable = |when: &str| {
        let files = database_bytes(&db);
        assert!(!files.is_empty(), "{when}: the database is there to read");
        for (path, bytes) in &files {
            for (what, needle) in &secrets {
                assert!(
                    !contains(bytes, needle),
                    "{when}: {what} readable in {path}"
                );
            }
        }
        files
    };

    let mut store = KioskStore::open(&db).unwrap();
    store
        .enqueue_registration(&submission, support::clinic_today())
        .unwrap();
    assert_eq!(store.depth().unwrap(), 1);
    let before = assert_unreadable("before delivery");
    assert!(
        before
            .iter()
            .any(|(_, bytes)| contains(bytes, submission.id.to_string().as_bytes())),
        "positive control: the search reads the files the row is in"
    );

    // A delivery whose answer was lost: the office has it, the kiosk still holds the row.
    let PendingRow::Sealed(row) = store.pending(0, 10).unwrap().remove(0) else {
        panic!("the row is readable")
    };
    let client = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let delivery = SealedDelivery {
        id: row.id,
        kind: row.kind,
        sealed: row.sealed,
    };
    assert_eq!(
        client.deliver(&delivery).unwrap().outcome,
        SubmissionOutcome::Accepted
    );
    assert_eq!(
        client.deliver(&delivery).unwrap().outcome,
        SubmissionOutcome::AlreadyStored
    );
    assert_eq!(store.depth().unwrap(), 1);

    // The sync worker delivers it again, as it is, and forgets it.
    let sync = sync_worker(&office.base, &db);
    wait_until("delivery", || (store.depth().unwrap() == 0).then_some(()));
    assert_unreadable("after delivery (connections open)");
    drop(sync);
    drop(store);
    assert_unreadable("after delivery (closed)");

    let view = registrations(&office);
    assert_eq!(view.registrations.len(), 1, "stored once");
    let item = &view.registrations[0];
    assert_eq!(item.id, submission.id);
    assert_eq!(item.status, RegistrationStatus::Pending);
    assert_eq!(item.kiosk.as_str(), "lobby-1");
    assert_eq!(item.patient.as_deref(), Some("Registrantova, Adaqueen"));
    let value = |label: &str| {
        item.details
            .iter()
            .find(|d| d.label == label)
            .map(|d| d.value.clone())
    };
    assert_eq!(value("Sex / gender").as_deref(), Some("Non-binary"));
    assert_eq!(value("Phone").as_deref(), Some("(217) 555-0142"));
    assert_eq!(
        value("Address").as_deref(),
        Some("742 Fakeplace Testway, Unit Zq9, Testopolis, IL 62794-1234")
    );
    assert_eq!(audit_count(&office, "registration.create"), 1);
    assert!(
        audit_count(&office, "registration.list") >= 1,
        "PHI access is audited"
    );

    let mut announced = 0;
    while let Ok(numbered) = events.try_recv() {
        if numbered.event
            == (QueueEvent::RegistrationReceived {
                registration: submission.id,
            })
        {
            announced += 1;
        }
    }
    assert_eq!(announced, 1, "announced to staff once");
}

#[test]
fn staff_accept_once_into_the_queue_or_discard_and_the_office_refuses_foreign_clinics() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let client = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let key = client.config().unwrap().seal_public_key;
    let deliver = |submission: &RegistrationSubmission| {
        let sealed = SealedDelivery::seal(
            &OutboxBody::Registration(Box::new(submission.clone())),
            &key,
        )
        .unwrap();
        client.deliver(&sealed)
    };
    let config = client.config().unwrap();
    assert_eq!(
        config
            .sex_options
            .expect("the office sends its options")
            .options()
            .len(),
        5
    );

    let keep = registration("Keepington");
    let drop_me = registration("Discardia");
    deliver(&keep).unwrap();
    deliver(&drop_me).unwrap();
    let mut foreign = registration("Elsewhereton");
    foreign.clinic = ClinicId::new(2).unwrap();
    let refused = deliver(&foreign).unwrap_err().to_string();
    assert!(refused.contains("wrong_clinic"), "{refused}");
    assert_eq!(registrations(&office).registrations.len(), 2);

    let waiting_before = office.queue().checked_in.len();
    let first = review(&office, keep.id, "accept");
    assert_eq!(first.status(), StatusCode::OK);
    let accepted: AcceptView = first.json().unwrap();
    let appointment = accepted.appointment.expect("a walk-in appointment");
    // A double click: the same appointment, not a second one.
    let again: AcceptView = review(&office, keep.id, "accept").json().unwrap();
    assert_eq!(again.appointment, Some(appointment));
    let queue = office.queue();
    assert_eq!(queue.checked_in.len(), waiting_before + 1);
    let row = queue
        .checked_in
        .iter()
        .find(|r| r.appointment == appointment)
        .expect("the new patient is in the queue");
    assert_eq!(row.patient.as_deref(), Some("Keepington, Adaqueen"));
    assert_eq!(row.status, frontdesk::domain::CheckInStatus::Arrived);
    assert!(
        !queue.expected.iter().any(|e| e.appointment == appointment),
        "checked in, so not expected"
    );
    assert_eq!(audit_count(&office, "registration.accept"), 1);

    let conflict = review(&office, keep.id, "discard");
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    assert_eq!(
        conflict.json::<ErrorBody>().unwrap().error,
        "registration_accepted"
    );

    assert_eq!(
        review(&office, drop_me.id, "discard").status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        review(&office, drop_me.id, "discard").status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        review(&office, drop_me.id, "accept").status(),
        StatusCode::CONFLICT
    );
    assert_eq!(audit_count(&office, "registration.reject"), 1);
    let view = registrations(&office);
    let discarded = view
        .registrations
        .iter()
        .find(|r| r.id == drop_me.id)
        .unwrap();
    assert_eq!(discarded.status, RegistrationStatus::Rejected);
    assert!(discarded.patient.is_none() && discarded.details.is_empty());
    let kept = view.registrations.iter().find(|r| r.id == keep.id).unwrap();
    assert_eq!(kept.status, RegistrationStatus::Accepted);
    assert_eq!(kept.appointment, Some(appointment));

    assert_eq!(
        review(&office, RegistrationId::random(), "accept").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        review(&office, RegistrationId::random(), "discard").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        support::staff()
            .post(format!(
                "{}/api/staff/v1/registrations/not-an-id/accept",
                office.base
            ))
            .send()
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
}

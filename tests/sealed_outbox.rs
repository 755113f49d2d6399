//! The kiosk's outbox is sealed to the office's key: nothing a check-in carries is
//! readable in the kiosk's database files before or after delivery; the office opens
//! what is sealed to it and refuses everything else; the kiosk pins the sealing key.

mod support;

use frontdesk::api::{
    CheckInSubmission, ErrorBody, OutboxBody, OutboxKind, SealedDelivery, SubmissionOutcome,
};
use frontdesk::domain::{AppointmentId, CheckInId, ClinicId};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::KioskStore;
use frontdesk::sync::{OfficeClient, SyncHandle, SyncWorker};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use support::{KIOSK_TOKEN, fast_sync, start_office, wait_until};

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

#[test]
fn a_check_in_is_readable_in_no_kiosk_file_before_or_after_delivery() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let db = dir.path().join("kiosk.db");
    // First contact: the kiosk pins the office's keys; then it is stopped.
    {
        let sync = sync_worker(&office.base, &db);
        wait_until("first contact", || {
            sync.status().office_reachable.then_some(())
        });
    }

    // Recognisable synthetic values: an unusual appointment number and arrival instant.
    let arrived_at: Timestamp = "2031-07-19T04:51:37.246813579Z".parse().unwrap();
    let submission = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment: AppointmentId::new(918_273_645_546_372),
        arrived_at,
    };
    let body_json = serde_json::to_string(&submission).unwrap();
    let seconds = arrived_at.as_second();
    let mut secrets: Vec<(&str, Vec<u8>)> = vec![
        ("body JSON", body_json.clone().into_bytes()),
        (
            "appointment in JSON",
            b"\"appointment\":918273645546372".to_vec(),
        ),
        ("appointment as text", b"918273645546372".to_vec()),
        ("arrival as text", b"2031-07-19".to_vec()),
        ("arrival clock", b"04:51:37".to_vec()),
        ("arrival nanoseconds", b"246813579".to_vec()),
        (
            "arrival seconds, big-endian",
            seconds.to_be_bytes().to_vec(),
        ),
        (
            "arrival seconds, little-endian",
            seconds.to_le_bytes().to_vec(),
        ),
        (
            "arrival nanos, big-endian",
            arrived_at.as_nanosecond().to_be_bytes().to_vec(),
        ),
        (
            "arrival nanos, little-endian",
            arrived_at.as_nanosecond().to_le_bytes().to_vec(),
        ),
    ];
    // The appointment number in binary is in `used_appointments` by design (it refuses a
    // second use of a code after a restart; an id is not PHI on its own): SQLite writes it
    // big-endian there, so its text forms and its little-endian form are searched for.
    secrets.push((
        "appointment, little-endian",
        918_273_645_546_372_u64.to_le_bytes().to_vec(),
    ));
    // `open`: a connection is open, so the write-ahead log exists and is read too (the
    // last connection to close folds it into the database and removes it).
    let assert_unreadable = |when: &str, open: bool| {
        let files = database_bytes(&db);
        if open {
            assert!(
                files.iter().any(|(p, _)| p.ends_with("-wal")),
                "{when}: WAL read too"
            );
        }
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

    // Written while the office is unreachable for this kiosk: it stays in the outbox.
    let mut store = KioskStore::open(&db).unwrap();
    store.enqueue(&submission, support::clinic_today()).unwrap();
    assert_eq!(store.depth().unwrap(), 1);
    let before = assert_unreadable("before delivery", true);
    // Positive control: the search does see what is stored in the clear (the row's id).
    assert!(
        before
            .iter()
            .any(|(_, bytes)| contains(bytes, submission.id.to_string().as_bytes())),
        "the search reads the files the row is in"
    );

    let sync = sync_worker(&office.base, &db);
    wait_until("delivery", || (store.depth().unwrap() == 0).then_some(()));
    assert_unreadable("after delivery (connections open)", true);
    drop(sync);
    drop(store);
    assert_unreadable("after delivery (closed)", false);

    let hour = jiff::SignedDuration::from_hours(1);
    let stored = office
        .state
        .store
        .get()
        .unwrap()
        .queue(arrived_at - hour, arrived_at + hour)
        .unwrap();
    assert!(
        stored.iter().any(
            |row| row.check_in == submission.id && row.appointment.get() == 918_273_645_546_372
        ),
        "the office opened and stored it"
    );
}

fn post(base: &str, body: &serde_json::Value) -> reqwest::blocking::Response {
    Client::new()
        .post(format!("{base}/api/kiosk/v1/outbox"))
        .bearer_auth(KIOSK_TOKEN)
        .json(body)
        .send()
        .unwrap()
}

fn refused(response: reqwest::blocking::Response) -> String {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    response.json::<ErrorBody>().expect("a JSON error").error
}

#[test]
fn the_office_opens_its_own_seals_once_and_refuses_everything_else() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let kiosk = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let key = kiosk.config().unwrap().seal_public_key;
    let roster = kiosk.roster().unwrap();
    let submission = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment: roster.entries[4].appointment,
        arrived_at: Timestamp::now(),
    };
    let body = OutboxBody::CheckIn(submission.clone());
    let json = |d: &SealedDelivery| serde_json::to_value(d).unwrap();

    let other_office =
        SealedDelivery::seal(&body, &SealSecretKey::generate().unwrap().public_key()).unwrap();
    assert_eq!(
        refused(post(&office.base, &json(&other_office))),
        "unsealable"
    );

    let mut garbage = SealedDelivery::seal(&body, &key).unwrap();
    garbage
        .sealed
        .iter_mut()
        .for_each(|b| *b = b.wrapping_mul(31).wrapping_add(7));
    assert_eq!(refused(post(&office.base, &json(&garbage))), "unsealable");

    let mut moved = SealedDelivery::seal(&body, &key).unwrap();
    moved.id = OutboxBody::CheckIn(CheckInSubmission {
        id: CheckInId::random(),
        ..submission.clone()
    })
    .id();
    assert_eq!(refused(post(&office.base, &json(&moved))), "id_mismatch");

    let not_a_check_in = SealedDelivery {
        id: body.id(),
        kind: OutboxKind::CheckIn,
        sealed: key.seal(br#"{"appointment": "Testpatient, Ada"}"#).unwrap(),
    };
    assert_eq!(
        refused(post(&office.base, &json(&not_a_check_in))),
        "invalid_body"
    );

    let mut unknown_kind = json(&SealedDelivery::seal(&body, &key).unwrap());
    unknown_kind["kind"] = "horoscope".into();
    assert_eq!(refused(post(&office.base, &unknown_kind)), "invalid_fields");

    // Random bytes of every length: a 422 each, never a failure of the office.
    let mut seed = 0x853c_49e6_748f_ea9b_u64;
    for len in [0, 1, 31, 32, 47, 48, 49, 64, 200, 1000] {
        let sealed: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed.to_le_bytes()[2]
            })
            .collect();
        let random = SealedDelivery {
            id: body.id(),
            kind: OutboxKind::CheckIn,
            sealed,
        };
        assert_eq!(refused(post(&office.base, &json(&random))), "unsealable");
    }
    assert!(
        office.queue().checked_in.is_empty(),
        "nothing refused is stored"
    );

    let sealed = SealedDelivery::seal(&body, &key).unwrap();
    assert_eq!(
        kiosk.deliver(&sealed).unwrap().outcome,
        SubmissionOutcome::Accepted
    );
    assert_eq!(
        kiosk.deliver(&sealed).unwrap().outcome,
        SubmissionOutcome::AlreadyStored
    );
    let again = SealedDelivery::seal(&body, &key).unwrap();
    assert_ne!(again.sealed, sealed.sealed, "each seal is fresh");
    assert_eq!(
        kiosk.deliver(&again).unwrap().outcome,
        SubmissionOutcome::AlreadyStored
    );
    let queue = office.queue();
    assert_eq!(queue.checked_in.len(), 1);
    assert_eq!(queue.checked_in[0].check_in, submission.id);
}

#[test]
fn the_kiosk_pins_the_sealing_key_and_refuses_a_changed_one() {
    let dir = tempfile::tempdir().unwrap();
    let first_dir = dir.path().join("office");
    let office = start_office(&first_dir, "127.0.0.1:0".parse().unwrap());
    let db = dir.path().join("kiosk.db");
    {
        let sync = sync_worker(&office.base, &db);
        wait_until("first contact", || {
            sync.status().office_reachable.then_some(())
        });
    }
    let pinned = KioskStore::open(&db).unwrap().office_seal_key().unwrap();
    assert_eq!(
        pinned,
        Some(office.state.seal_key.public_key()),
        "pinned on first contact"
    );
    office.stop();

    // Another office with the same token-signing key but its own sealing key: only the
    // sealing key differs.
    let second_dir = dir.path().join("impostor");
    std::fs::create_dir_all(&second_dir).unwrap();
    std::fs::copy(
        first_dir.join("token-signing.key"),
        second_dir.join("token-signing.key"),
    )
    .unwrap();
    let impostor = start_office(&second_dir, "127.0.0.1:0".parse().unwrap());
    assert_ne!(
        Some(impostor.state.seal_key.public_key()),
        pinned,
        "a different sealing key"
    );
    let sync = sync_worker(&impostor.base, &db);
    let error = wait_until("the refusal", || sync.status().last_error);
    assert!(error.contains("sealing key"), "{error}");
    assert!(!sync.status().office_reachable);
    assert_eq!(
        KioskStore::open(&db).unwrap().office_seal_key().unwrap(),
        pinned,
        "the pin is kept"
    );
}

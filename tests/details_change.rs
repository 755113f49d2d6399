//! A returning patient's contact details, over real HTTP on loopback: the kiosk fetches
//! what is on file for one of today's appointments (audited); a change request travels
//! sealed through the kiosk's outbox and its real sync worker, is stored once, and staff
//! approve or reject each field, approved values going on file.

mod support;

use frontdesk::api::{DetailsChangeSubmission, OutboxBody, SealedDelivery, SubmissionOutcome};
use frontdesk::domain::{
    AppointmentId, ChangeSource, ClinicId, ContactField, DetailsChangeId, FieldChange,
};
use frontdesk::office::store::NewAppointment;
use frontdesk::store::KioskStore;
use frontdesk::sync::{OfficeClient, SyncWorker};
use jiff::Timestamp;
use reqwest::StatusCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use support::{KIOSK_TOKEN, TestOffice, fast_sync, start_office, wait_until};

fn office() -> (tempfile::TempDir, TestOffice) {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    (dir, office)
}

fn client(office: &TestOffice) -> OfficeClient {
    OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap()
}

/// Today's first appointment (Ada Testpatient, 100 Example St, (217) 555-0100 in the demo set).
fn first_appointment(office: &TestOffice) -> AppointmentId {
    client(office).roster().unwrap().entries[0].appointment
}

fn audited(office: &TestOffice, action: &str) -> Vec<String> {
    office
        .state
        .store
        .get()
        .unwrap()
        .audit_log(200)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| e.subject)
        .collect()
}

fn change_for(appointment: AppointmentId) -> DetailsChangeSubmission {
    DetailsChangeSubmission {
        id: DetailsChangeId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment,
        submitted_at: Timestamp::now(),
        changes: vec![
            FieldChange::new(
                ContactField::AddressLine1,
                "456 Sample Ave",
                ChangeSource::TypedAtKiosk,
            )
            .unwrap(),
            FieldChange::new(ContactField::Phone, "555-0199", ChangeSource::FromLicence).unwrap(),
        ],
        unchecked_offline: false,
    }
}

fn decide(office: &TestOffice, change: DetailsChangeId, field: &str, decision: &str) -> StatusCode {
    support::staff()
        .post(format!(
            "{}/api/staff/v1/details-changes/{change}/fields/{field}",
            office.base
        ))
        .json(&serde_json::json!({ "decision": decision }))
        .send()
        .unwrap()
        .status()
}

#[test]
fn a_kiosk_gets_the_contact_on_file_for_todays_appointment_only_and_it_is_audited() {
    let (_dir, office) = office();
    let kiosk = client(&office);
    let ada = first_appointment(&office);
    let contact = kiosk.contact(ada).unwrap().expect("on file");
    assert_eq!(contact.appointment, ada);
    let on_file = |field| contact.contact.get(field);
    assert_eq!(on_file(ContactField::AddressLine1), Some("100 Example St"));
    assert_eq!(on_file(ContactField::City), Some("Exampleville"));
    assert_eq!(on_file(ContactField::State), Some("TX"));
    assert_eq!(on_file(ContactField::Zip), Some("75001"));
    assert_eq!(on_file(ContactField::Phone), Some("(217) 555-0100"));
    assert_eq!(on_file(ContactField::AddressLine2), None);
    assert_eq!(audited(&office, "contact.disclose"), vec![ada.to_string()]);

    // Unknown, made-up and other-day handles are all just "not found", and not audited.
    assert!(kiosk.contact(AppointmentId::new(12345)).unwrap().is_none());
    let tomorrow = office.state.today(Timestamp::now()).tomorrow().unwrap();
    office
        .state
        .store
        .get()
        .unwrap()
        .import_appointments(&[NewAppointment {
            external_id: "TOMORROW-1".into(),
            day: tomorrow,
            starts_at: jiff::civil::Time::constant(9, 0, 0, 0),
            patient: frontdesk::domain::PersonName::new("Bruno", "Sample").unwrap(),
            provider: "Dr. Demo Able".into(),
            copay: frontdesk::domain::Cents::new(0),
            balance: frontdesk::domain::Cents::ZERO,
            date_of_birth: None,
            contact: None,
            patient_id: None,
            reminders: Default::default(),
        }])
        .unwrap();
    let later = office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(tomorrow)
        .unwrap()[0]
        .id;
    assert!(kiosk.contact(later).unwrap().is_none());
    let http = reqwest::blocking::Client::new();
    for path in ["abc", "-1", "+5", "99999999999999999999999"] {
        let status = http
            .get(format!(
                "{}/api/kiosk/v1/appointments/{path}/contact",
                office.base
            ))
            .bearer_auth(KIOSK_TOKEN)
            .send()
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let anonymous = http
        .get(format!(
            "{}/api/kiosk/v1/appointments/{}/contact",
            office.base,
            ada.get()
        ))
        .send()
        .unwrap()
        .status();
    assert_eq!(anonymous, StatusCode::UNAUTHORIZED);
    assert_eq!(audited(&office, "contact.disclose").len(), 1);
}

#[test]
fn a_change_request_goes_sealed_through_the_kiosk_outbox_and_staff_decide_each_field() {
    let (dir, office) = office();
    let db = dir.path().join("kiosk.db");
    let kiosk = client(&office);
    let ada = first_appointment(&office);
    let change = change_for(ada);
    {
        let mut store = KioskStore::open(&db).unwrap();
        store
            .set_office_seal_key(&kiosk.config().unwrap().seal_public_key)
            .unwrap();
        let today = office.state.today(Timestamp::now());
        store.enqueue_details_change(&change, today).unwrap();
    }
    let sync = SyncWorker::start(
        kiosk.clone(),
        db.clone(),
        fast_sync(),
        Arc::new(AtomicBool::new(true)),
        |_| {},
    )
    .unwrap();
    let item = wait_until("the change request on the staff queue", || {
        office.queue().details_changes.into_iter().next()
    });
    wait_until("the kiosk to forget it", || {
        (KioskStore::open(&db).unwrap().depth().unwrap() == 0).then_some(())
    });
    drop(sync);
    // Nothing the patient typed is left readable in the kiosk's database files.
    for suffix in ["", "-wal", "-shm"] {
        let file = std::fs::read(format!("{}{suffix}", db.display())).unwrap_or_default();
        for typed in [&b"456 Sample Ave"[..], b"555-0199"] {
            assert!(
                !file.windows(typed.len()).any(|w| w == typed),
                "kiosk.db{suffix} holds patient-typed text"
            );
        }
    }
    assert_eq!(item.id, change.id);
    assert_eq!(item.appointment, ada);
    assert_eq!(item.kiosk.as_str(), "lobby-1");
    assert!(!item.unchecked_offline);
    let fields: Vec<_> = item
        .fields
        .iter()
        .map(|f| {
            (
                f.label.as_str(),
                f.on_file.as_deref(),
                f.proposed.as_str(),
                f.source_label.as_str(),
                f.decision,
            )
        })
        .collect();
    assert_eq!(
        fields,
        vec![
            (
                "Address line 1",
                Some("100 Example St"),
                "456 Sample Ave",
                "Typed at the kiosk",
                None
            ),
            (
                "Phone",
                Some("(217) 555-0100"),
                "555-0199",
                "Read from licence",
                None
            ),
        ]
    );
    assert_eq!(
        audited(&office, "details_change.create"),
        vec![change.id.to_string()]
    );

    // Delivered again (an acknowledgement lost on the way back): stored once.
    let again = SealedDelivery::seal(
        &OutboxBody::DetailsChange(change.clone()),
        &kiosk.config().unwrap().seal_public_key,
    )
    .unwrap();
    assert_eq!(
        kiosk.deliver(&again).unwrap().outcome,
        SubmissionOutcome::AlreadyStored
    );
    assert_eq!(office.queue().details_changes.len(), 1);

    assert_eq!(
        decide(&office, change.id, "address_line1", "approved"),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        decide(&office, change.id, "address_line1", "rejected"),
        StatusCode::CONFLICT
    );
    assert_eq!(
        decide(&office, change.id, "city", "approved"),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        decide(&office, change.id, "shoe_size", "approved"),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        decide(&office, DetailsChangeId::random(), "phone", "approved"),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        decide(&office, change.id, "phone", "maybe"),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Half decided: still on the queue, showing what was decided.
    let half = office.queue().details_changes;
    assert_eq!(
        half[0].fields[0].decision.map(|d| d.as_str()),
        Some("approved")
    );
    assert_eq!(half[0].fields[1].decision, None);
    assert_eq!(
        decide(&office, change.id, "phone", "rejected"),
        StatusCode::NO_CONTENT
    );
    assert!(office.queue().details_changes.is_empty());

    let on_file = kiosk.contact(ada).unwrap().unwrap().contact;
    assert_eq!(
        on_file.get(ContactField::AddressLine1),
        Some("456 Sample Ave")
    );
    assert_eq!(
        on_file.get(ContactField::Phone),
        Some("(217) 555-0100"),
        "rejected"
    );
    let key = change.id.to_string();
    assert_eq!(
        audited(&office, "details_change.field.approved"),
        vec![format!("{key}/address_line1")]
    );
    assert_eq!(
        audited(&office, "details_change.field.rejected"),
        vec![format!("{key}/phone")]
    );
}

#[test]
fn malformed_or_foreign_change_requests_are_refused_and_nothing_is_stored() {
    let (_dir, office) = office();
    let kiosk = client(&office);
    let key = kiosk.config().unwrap().seal_public_key;
    let ada = first_appointment(&office);

    let mut repeated = serde_json::to_value(change_for(ada)).unwrap();
    let first = repeated["changes"][0].clone();
    repeated["changes"].as_array_mut().unwrap().push(first);
    let mut too_long = serde_json::to_value(change_for(ada)).unwrap();
    too_long["changes"][0]["value"] = serde_json::json!("9".repeat(65));
    for body in [repeated, too_long] {
        let delivery: SealedDelivery = serde_json::from_value(serde_json::json!({
            "id": body["id"],
            "kind": "details_change",
            "sealed": base64_of(&key.seal(body.to_string().as_bytes()).unwrap()),
        }))
        .unwrap();
        match kiosk.deliver(&delivery) {
            Err(frontdesk::sync::ClientError::Rejected { status, code }) => {
                assert_eq!((status, code.as_str()), (422, "invalid_body"));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    let foreign = DetailsChangeSubmission {
        clinic: ClinicId::new(2).unwrap(),
        ..change_for(ada)
    };
    let delivery = SealedDelivery::seal(&OutboxBody::DetailsChange(foreign), &key).unwrap();
    assert!(matches!(
        kiosk.deliver(&delivery),
        Err(frontdesk::sync::ClientError::Rejected { status: 422, .. })
    ));
    assert!(office.queue().details_changes.is_empty());
    assert!(audited(&office, "details_change.create").is_empty());
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn an_offline_flag_stays_on_the_queue_until_staff_say_the_details_are_checked() {
    let (_dir, office) = office();
    let kiosk = client(&office);
    let key = kiosk.config().unwrap().seal_public_key;
    let change = DetailsChangeSubmission {
        changes: Vec::new(),
        unchecked_offline: true,
        ..change_for(first_appointment(&office))
    };
    let delivery = SealedDelivery::seal(&OutboxBody::DetailsChange(change.clone()), &key).unwrap();
    assert_eq!(
        kiosk.deliver(&delivery).unwrap().outcome,
        SubmissionOutcome::Accepted
    );
    let queued = office.queue().details_changes;
    assert_eq!(queued.len(), 1);
    assert!(queued[0].unchecked_offline && queued[0].fields.is_empty());
    let close = || {
        support::staff()
            .post(format!(
                "{}/api/staff/v1/details-changes/{}/close",
                office.base, change.id
            ))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(close(), StatusCode::NO_CONTENT);
    assert!(office.queue().details_changes.is_empty());
    assert_eq!(
        audited(&office, "details_change.close"),
        vec![change.id.to_string()]
    );
}

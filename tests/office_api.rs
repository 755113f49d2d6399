//! The office API over real HTTP: authentication, bad input, the roster and the codes.

mod support;

use frontdesk::api::{ErrorBody, RosterResponse};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use support::{KIOSK_TOKEN, start_office};

fn office() -> (tempfile::TempDir, support::TestOffice) {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    (dir, office)
}

fn error_code(response: reqwest::blocking::Response) -> String {
    response
        .json::<ErrorBody>()
        .expect("a JSON error body")
        .error
}

fn roster(office: &support::TestOffice) -> RosterResponse {
    Client::new()
        .get(format!("{}/api/kiosk/v1/roster", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn unknown_kiosks_get_401_with_a_json_error() {
    let (_dir, office) = office();
    let client = Client::new();
    for auth in [
        None,
        Some("Bearer wrong-token-wrong-token"),
        Some("Basic abc"),
    ] {
        let mut request = client.get(format!("{}/api/kiosk/v1/config", office.base));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(error_code(response), "unauthorized");
    }
}

#[test]
fn malformed_wrong_and_oversized_bodies_get_4xx_json() {
    let (_dir, office) = office();
    let client = Client::new();
    let url = format!("{}/api/kiosk/v1/outbox", office.base);
    let post = |body: Vec<u8>| {
        client
            .post(&url)
            .bearer_auth(KIOSK_TOKEN)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap()
    };
    let response = post(b"{not json".to_vec());
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response), "malformed_json");

    let response = post(br#"{"id": "nope"}"#.to_vec());
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(response), "invalid_fields");

    // On a connection of its own: the office answers 413 without reading the whole body
    // and closes that connection, which a pooled connection would then trip over.
    let response = Client::new()
        .post(&url)
        .bearer_auth(KIOSK_TOKEN)
        .header("content-type", "application/json")
        // The outbox reads card photos, so its limit is the largest sealed photo.
        .body(vec![
            b' ';
            frontdesk::office::kiosk_api::MAX_OUTBOX_BODY + 1
        ])
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_code(response), "body_too_large");

    let wrong_clinic = frontdesk::api::CheckInSubmission {
        id: frontdesk::domain::CheckInId::random(),
        clinic: frontdesk::domain::ClinicId::new(99).unwrap(),
        appointment: frontdesk::domain::AppointmentId::new(1),
        arrived_at: "2026-11-23T15:00:00Z".parse().unwrap(),
    };
    let kiosk = frontdesk::sync::OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let response = post(serde_json::to_vec(&support::sealed(&kiosk, &wrong_clinic)).unwrap());
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(response), "wrong_clinic");

    let response = client
        .post(&url)
        .bearer_auth(KIOSK_TOKEN)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(response), "not_json");
    assert!(office.queue().checked_in.is_empty());
}

#[test]
fn roster_shows_the_least_needed_and_codes_render_as_qr() {
    let (_dir, office) = office();
    let roster = roster(&office);
    assert_eq!(roster.entries.len(), 12);
    assert_eq!(roster.entries[0].display_name.as_str(), "Ada T.");
    let raw = Client::new()
        .get(format!("{}/api/kiosk/v1/roster", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!raw.contains("Testpatient"), "no last names to kiosks");

    // Handles are random 64-bit numbers: strings in JSON, so a browser keeps every digit.
    let first = roster.entries[0].appointment.get();
    assert!(
        raw.contains(&format!("\"appointment\":\"{first}\"")),
        "{raw}"
    );

    let id = roster.entries[0].appointment.get();
    let svg =
        support::staff_get(format!("{}/staff/appointments/{id}/qr.svg", office.base)).unwrap();
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().unwrap().starts_with("<?xml"));
    let missing =
        support::staff_get(format!("{}/staff/appointments/999999/qr.svg", office.base)).unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[test]
fn staff_actions_are_audited_and_reach_the_queue() {
    let (_dir, office) = office();
    let check_in = support::check_in_first(&office.base);
    let status_url = format!("{}/api/staff/v1/checkins/{check_in}/status", office.base);
    let set = |status: &str| {
        support::staff()
            .post(&status_url)
            .json(&serde_json::json!({ "status": status }))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(set("roomed"), StatusCode::NO_CONTENT);
    assert_eq!(
        office.queue().checked_in[0].status,
        frontdesk::domain::CheckInStatus::Roomed
    );
    assert_eq!(set("teleported"), StatusCode::UNPROCESSABLE_ENTITY);

    let log = office.state.store.get().unwrap().audit_log(50).unwrap();
    let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"check_in.create"));
    assert!(actions.contains(&"check_in.status.roomed"));
    assert!(actions.contains(&"queue.view"));
    assert!(log.iter().all(|e| !e.subject.contains("Testpatient")));
}

#[test]
fn concurrent_submissions_are_each_stored_once() {
    // Many kiosks at once share group commits; every submission still gets its own
    // answer, and a repeat racing its original is recognised, not stored twice.
    let (_dir, office) = office();
    let roster = roster(&office);
    let kiosk = frontdesk::sync::OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let submissions: Vec<_> = roster
        .entries
        .iter()
        .map(|entry| {
            let submission = frontdesk::api::CheckInSubmission {
                id: frontdesk::domain::CheckInId::random(),
                clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
                appointment: entry.appointment,
                arrived_at: jiff::Timestamp::now(),
            };
            support::sealed(&kiosk, &submission)
        })
        .collect();
    let statuses: Vec<StatusCode> = std::thread::scope(|scope| {
        let senders: Vec<_> = submissions
            .iter()
            .chain(&submissions)
            .map(|submission| {
                let url = format!("{}/api/kiosk/v1/outbox", office.base);
                scope.spawn(move || {
                    Client::new()
                        .post(url)
                        .bearer_auth(KIOSK_TOKEN)
                        .json(submission)
                        .send()
                        .unwrap()
                        .status()
                })
            })
            .collect();
        senders.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let repeats = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!((created, repeats), (submissions.len(), submissions.len()));
    assert_eq!(office.queue().checked_in.len(), submissions.len());
}

#[test]
fn an_appointment_no_code_can_carry_gets_a_clear_500_that_names_no_one() {
    let (_dir, office) = office();
    let day: jiff::civil::Date = "1969-07-20".parse().unwrap();
    let mut store = office.state.store.get().unwrap();
    store
        .import_appointments(&[frontdesk::office::store::NewAppointment {
            external_id: "OLD-1".into(),
            day,
            starts_at: jiff::civil::Time::constant(9, 30, 0, 0),
            patient: frontdesk::domain::PersonName::new("Ada", "Testpatient").unwrap(),
            provider: "Dr. Demo Able".into(),
            copay: frontdesk::domain::Cents::new(0),
            balance: frontdesk::domain::Cents::ZERO,
            date_of_birth: None,
            contact: None,
            patient_id: None,
            reminders: Default::default(),
        }])
        .unwrap();
    let handle = store.appointments_on(day).unwrap()[0].id.get();
    drop(store);
    for path in [
        format!("/api/staff/v1/appointments/{handle}/token"),
        format!("/staff/appointments/{handle}/qr.svg"),
    ] {
        let response = support::staff_get(format!("{}{path}", office.base)).unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body: ErrorBody = response.json().expect("a JSON error body");
        assert_eq!(body.error, "code_unavailable");
        assert!(body.message.contains("date or time"), "{}", body.message);
        assert!(!body.message.contains("Testpatient") && !body.message.contains("1969"));
    }
}

//! Matching by last name + date of birth over real HTTP: the office imports dates of birth,
//! the roster carries only the day's key and a keyed hash per appointment, and a kiosk's
//! `Roster` finds the appointment from what a patient types.

mod support;

use frontdesk::api::RosterResponse;
use frontdesk::checkin::Roster;
use frontdesk::domain::DateOfBirth;
use frontdesk::office::appointments::parse_csv;
use jiff::Timestamp;
use jiff::civil::{Date, date};
use reqwest::blocking::Client;
use support::{KIOSK_TOKEN, TestOffice, start_office};

fn office() -> (tempfile::TempDir, TestOffice) {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    (dir, office)
}

/// The roster as a kiosk receives it: the raw body and what it parses to.
fn fetch_roster(office: &TestOffice) -> (String, RosterResponse) {
    let body = Client::new()
        .get(format!("{}/api/kiosk/v1/roster", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .send()
        .unwrap()
        .error_for_status()
        .unwrap()
        .text()
        .unwrap();
    let parsed = serde_json::from_str(&body).expect("a roster");
    (body, parsed)
}

fn kiosk_roster(response: RosterResponse) -> Roster {
    Roster::new(response.entries, response.waiting).with_identity_key(response.identity_key)
}

fn today(office: &TestOffice) -> Date {
    office.state.today(Timestamp::now())
}

fn dob(office: &TestOffice, y: i16, m: i8, d: i8) -> DateOfBirth {
    DateOfBirth::new(date(y, m, d), today(office)).unwrap()
}

fn import(office: &TestOffice, csv: &str) {
    let list = parse_csv(csv.as_bytes()).expect("the CSV imports");
    office
        .state
        .store
        .get()
        .unwrap()
        .import_appointments(&list)
        .unwrap();
}

#[test]
fn a_kiosk_finds_ada_by_name_and_dob_from_a_roster_that_holds_neither() {
    let (_dir, office) = office();
    let (body, response) = fetch_roster(&office);
    for secret in ["Testpatient", "testpatient", "TESTPATIENT", "1950-01-01"] {
        assert!(!body.contains(secret), "the roster carries {secret:?}");
    }
    assert!(response.identity_key.is_some());
    assert!(response.entries.iter().all(|e| e.identity.is_some()));

    let ada = office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(today(&office))
        .unwrap()
        .into_iter()
        .find(|a| a.patient.last() == "Testpatient")
        .unwrap();
    let roster = kiosk_roster(response);
    let found = roster.find_by_identity("testpatient", dob(&office, 1950, 1, 1));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].appointment, ada.id);
    assert_eq!(found[0].display_name.as_str(), "Ada T.");
    assert!(
        roster
            .find_by_identity("Testpatient", dob(&office, 1950, 1, 2))
            .is_empty()
    );
    assert!(
        roster
            .find_by_identity("Sample", dob(&office, 1950, 1, 1))
            .is_empty()
    );
}

#[test]
fn a_csv_with_dates_of_birth_matches_tolerantly_and_twice_for_two_visits() {
    let (_dir, office) = office();
    let day = today(&office);
    import(
        &office,
        &format!(
            "appointment_id,date,time,last_name,first_name,provider,copay,date_of_birth\n\
             CSV-1,{day},14:00,García-López,Zoe,Dr. Demo Able,25.00,1960-05-06\n\
             CSV-2,{day},07:30,García-López,Zoe,Dr. Demo Baker,0,1960-05-06\n\
             CSV-3,{day},07:45,O'Brien,Yusuf,Dr. Demo Able,0,\n"
        ),
    );
    let (body, response) = fetch_roster(&office);
    assert!(!body.contains("1960-05-06") && !body.contains("Brien"));
    let roster = kiosk_roster(response);
    let handles = office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(day)
        .unwrap();
    let handle = |external: &str| {
        handles
            .iter()
            .find(|a| a.external_id == external)
            .unwrap()
            .id
    };
    for typed in ["GARCIA LOPEZ", "garcia  lopez", "García-López"] {
        let found = roster.find_by_identity(typed, dob(&office, 1960, 5, 6));
        let ids: Vec<_> = found.iter().map(|e| e.appointment).collect();
        assert_eq!(ids, [handle("CSV-2"), handle("CSV-1")], "{typed}");
    }
    // No date of birth on file: present on the roster, but not matchable by name.
    assert_eq!(roster.get(handle("CSV-3")).unwrap().identity, None);
    assert!(
        roster
            .find_by_identity("OBrien", dob(&office, 1960, 5, 6))
            .is_empty()
    );
}

#[test]
fn a_csv_without_the_column_still_imports() {
    let (_dir, office) = office();
    let day = today(&office);
    import(
        &office,
        &format!(
            "appointment_id,date,time,last_name,first_name,provider,copay\n\
             CSV-9,{day},16:00,Example,Xena,Dr. Demo Able,10.00\n"
        ),
    );
    let (_, response) = fetch_roster(&office);
    let handle = office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(day)
        .unwrap()
        .into_iter()
        .find(|a| a.external_id == "CSV-9")
        .unwrap()
        .id;
    let roster = kiosk_roster(response);
    let entry = roster.get(handle).expect("imported and on the roster");
    assert_eq!(entry.identity, None);
    assert_eq!(entry.display_name.as_str(), "Xena E.");
}

#[test]
fn the_kiosk_sync_worker_hands_the_day_key_to_its_roster() {
    let (dir, office) = office();
    let (sender, rosters) = std::sync::mpsc::channel();
    let client = frontdesk::sync::OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let sync = frontdesk::sync::SyncWorker::start(
        client,
        dir.path().join("kiosk.db"),
        support::fast_sync(),
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true)),
        move |event| {
            if let frontdesk::checkin::Event::RosterUpdated(roster) = event {
                let _ = sender.send(roster);
            }
        },
    )
    .unwrap();
    let roster = rosters
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("a roster arrives");
    drop(sync);
    assert_eq!(
        roster
            .find_by_identity("Testpatient", dob(&office, 1950, 1, 1))
            .len(),
        1
    );
}

#[test]
fn a_roster_from_an_older_office_still_parses() {
    let json = r#"{"entries":[{"appointment":"7","display_name":"Ada T.",
        "starts_at":"09:00:00","provider":"Dr. Demo Able","checked_in":false}],"waiting":0}"#;
    let response: RosterResponse = serde_json::from_str(json).unwrap();
    assert!(response.identity_key.is_none());
    let roster = kiosk_roster(response);
    assert!(
        roster
            .find_by_identity(
                "Testpatient",
                DateOfBirth::new(date(1950, 1, 1), date(2026, 1, 1)).unwrap()
            )
            .is_empty()
    );
}

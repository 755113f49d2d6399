//! The FHIR R4 interface over real sockets: today's appointments pulled from a FHIR server
//! of ours (tests/fhir/server.py, in memory) and arrivals written back to it. The server
//! validates every resource written with PyPI's `fhir.resources` 6.1.0 (an independent R4
//! model) and refuses an invalid one with 422, so a delivered write is valid R4.
//!
//! The server runs under `$FRONTDESK_FHIR_PYTHON` (default `python3`), which needs
//! `pip install 'fhir.resources==6.1.0' 'pydantic<2'`.

mod fhir_support;
mod support;

use frontdesk::office::fhir::status::FhirStatus;
use frontdesk::office::staff::QueueView;
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};
use support::{Relay, TestOffice};

/// Long enough for a slow machine; only a broken build ever waits this long.
const PATIENCE: Duration = Duration::from_secs(60);
const TOKEN: &str = "test-fhir-token-0123";

/// tests/fhir/server.py, logging accepted writes as JSON lines.
struct FhirServer {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    http: reqwest::blocking::Client,
}

impl FhirServer {
    fn start(dir: &Path, page_size: usize) -> Self {
        let log = dir.join("fhir-writes.jsonl");
        let python = fhir_support::fhir_python();
        let (child, addr) = support::spawn_listening(
            Command::new(python)
                .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fhir/server.py"))
                .arg(&log)
                .args(["--token", TOKEN, "--page-size", &page_size.to_string()]),
            "pip install 'fhir.resources==6.1.0' 'pydantic<2'",
        );
        Self {
            child,
            addr,
            log,
            http: reqwest::blocking::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}/fhir/{path}", self.addr)
    }

    /// Stores `resource` as the EHR's own (not logged as a write of ours).
    fn seed(&self, resource: Value) {
        let path = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap(),
            resource["id"].as_str().unwrap()
        );
        let answer = self
            .http
            .put(self.url(&path))
            .bearer_auth(TOKEN)
            .header("X-Test-Seed", "1")
            .json(&resource)
            .send()
            .unwrap();
        assert!(
            answer.status().is_success(),
            "seed {path}: {}",
            answer.text().unwrap()
        );
    }

    fn get(&self, path: &str) -> Value {
        self.http
            .get(self.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    /// Makes Appointment searches answer `body` as is; `None`: search again.
    fn search_body(&self, body: Option<&[u8]>) {
        let url = format!("http://{}/_admin/search-body", self.addr);
        let request = match body {
            Some(body) => self.http.put(url).body(body.to_vec()),
            None => self.http.delete(url),
        };
        assert!(request.send().unwrap().status().is_success());
    }

    /// Makes writes of resource type `kind` answer 422; `None`: take them again.
    fn refuse(&self, kind: Option<&str>) {
        let url = format!("http://{}/_admin/refuse", self.addr);
        let request = match kind {
            Some(kind) => self.http.put(url).body(kind.to_owned()),
            None => self.http.delete(url),
        };
        assert!(request.send().unwrap().status().is_success());
    }

    /// Our writes the server accepted, in the order it took them.
    fn writes(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for FhirServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn patient(id: &str, family: &str, mrn: &str) -> Value {
    json!({"resourceType": "Patient", "id": id,
           "identifier": [{"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                           "system": "urn:frontdesk:patient-number", "value": mrn}],
           "name": [{"use": "official", "family": family, "given": ["Ada"]}],
           "gender": "female", "birthDate": "1950-01-01",
           "telecom": [{"system": "phone", "value": "(217) 555-0100", "use": "home"}],
           "address": [{"use": "home", "line": ["100 Example St"], "city": "Exampleville",
                        "state": "TX", "postalCode": "75001"}]})
}

fn practitioner() -> Value {
    json!({"resourceType": "Practitioner", "id": "dr-1",
           "name": [{"prefix": ["Dr."], "given": ["Demo"], "family": "Fhirable"}]})
}

fn appointment(id: &str, patient: &str, start: &str, status: &str) -> Value {
    json!({"resourceType": "Appointment", "id": id, "status": status,
           "start": start, "end": start,
           "participant": [
               {"actor": {"reference": format!("Patient/{patient}")}, "status": "accepted"},
               {"actor": {"reference": "Practitioner/dr-1"}, "status": "accepted"}]})
}

/// `HH:MM` on the test clinic's day, in its zone, as an R4 instant (in UTC).
fn today_at(office_day: jiff::civil::Date, hhmm: &str) -> String {
    let time: jiff::civil::Time = format!("{hhmm}:00").parse().unwrap();
    office_day
        .to_datetime(time)
        .to_zoned(support::clinic_zone())
        .unwrap()
        .timestamp()
        .to_string()
}

fn office_with_fhir(
    dir: &Path,
    base: String,
    configure: impl FnOnce(&mut frontdesk::office::config::OfficeConfig),
) -> TestOffice {
    support::start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        config.fhir.base_url = Some(base);
        config.fhir.bearer_token = Some(TOKEN.into());
        config.fhir.pull_every_secs = 1;
        config.fhir.timeout_ms = 5_000;
        config.fhir.max_backoff_ms = 200;
        configure(config);
    })
}

fn status(office: &TestOffice) -> FhirStatus {
    support::staff_get(format!("{}/api/staff/v1/fhir", office.base))
        .unwrap()
        .json()
        .unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The staff list's FHIR patients (family names starting "Testfhir"): (name, time).
fn fhir_expected(office: &TestOffice) -> Vec<(String, String)> {
    let queue: QueueView = office.queue();
    let mut list: Vec<_> = queue
        .expected
        .into_iter()
        .filter(|e| e.patient.as_str().starts_with("Testfhir"))
        .map(|e| (e.patient.as_str().to_owned(), e.starts_at))
        .collect();
    list.sort();
    list
}

fn handle(office: &TestOffice, external_id: &str) -> frontdesk::domain::AppointmentId {
    let today = office.state.today(Timestamp::now());
    office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(today)
        .unwrap()
        .into_iter()
        .find(|a| a.external_id == external_id)
        .unwrap_or_else(|| panic!("{external_id} is on the list"))
        .id
}

fn check_in(office: &TestOffice, handles: &[frontdesk::domain::AppointmentId]) {
    let client = frontdesk::sync::OfficeClient::new(&office.base, support::KIOSK_TOKEN).unwrap();
    for handle in handles {
        let submission = frontdesk::api::CheckInSubmission {
            id: frontdesk::domain::CheckInId::random(),
            clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
            appointment: *handle,
            arrived_at: Timestamp::now(),
        };
        client
            .deliver(&support::sealed(&client, &submission))
            .unwrap();
    }
}

/// Delivers a kiosk's reason-for-visit answers about `appointment`; their id.
fn intake_for(office: &TestOffice, appointment: frontdesk::domain::AppointmentId) -> String {
    use frontdesk::questionnaire::fhir::{CanonicalBase, questionnaire_response};
    use frontdesk::questionnaire::{Answer, OptionCode, Responses, defaults};
    let form = defaults::all()
        .into_iter()
        .find(|q| q.id.as_str() == "reason-for-visit")
        .unwrap();
    let mut r = Responses::new(std::sync::Arc::new(form));
    r.answer(
        "reason",
        Answer::Choice(OptionCode::new("follow-up").unwrap()),
    )
    .unwrap();
    r.answer("new-symptoms", Answer::YesNo(false)).unwrap();
    let base = CanonicalBase::new(&office.state.config.forms.canonical_base).unwrap();
    let submission = frontdesk::api::IntakeSubmission {
        id: frontdesk::domain::IntakeResponseId::random(),
        clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
        subject: frontdesk::api::FormSubject::Appointment(appointment),
        language: frontdesk::domain::Language::English,
        response: questionnaire_response(&r.finish(Timestamp::now()).unwrap(), &base),
    };
    let client = frontdesk::sync::OfficeClient::new(&office.base, support::KIOSK_TOKEN).unwrap();
    let key = client.config().unwrap().seal_public_key;
    let sealed = frontdesk::api::SealedDelivery::seal(
        &frontdesk::api::OutboxBody::Intake(Box::new(submission.clone())),
        &key,
    )
    .unwrap();
    client.deliver(&sealed).unwrap();
    submission.id.to_string()
}

#[test]
fn the_pull_puts_todays_appointments_on_the_staff_list_and_follows_changes() {
    let dir = tempfile::tempdir().unwrap();
    // Two to a page: the pull follows `next` links.
    let server = FhirServer::start(dir.path(), 2);
    let day = support::clinic_today();
    let tomorrow = day.tomorrow().unwrap();
    server.seed(practitioner());
    server.seed(patient("p-1", "Testfhirone", "MRN-F1"));
    server.seed(patient("p-2", "Testfhirtwo", "MRN-F2"));
    server.seed(appointment("a-1", "p-1", &today_at(day, "13:40"), "booked"));
    server.seed(appointment("a-2", "p-2", &today_at(day, "14:00"), "booked"));
    server.seed(appointment("a-3", "p-2", &today_at(day, "15:00"), "booked"));
    server.seed(appointment(
        "a-4",
        "p-1",
        &today_at(day, "16:00"),
        "cancelled",
    ));
    server.seed(appointment(
        "a-5",
        "p-1",
        &today_at(tomorrow, "09:00"),
        "booked",
    ));
    server.seed(appointment(
        "a-6",
        "p-1",
        &today_at(day, "16:30"),
        "proposed",
    ));
    // The first and last minutes of the clinic's day fall on two UTC dates (the test
    // clinic is twelve hours from UTC at most): the pull asks for the clinic's day.
    server.seed(patient("p-3", "Testfhirthree", "MRN-F3"));
    server.seed(appointment("a-7", "p-3", &today_at(day, "00:05"), "booked"));
    server.seed(appointment("a-8", "p-3", &today_at(day, "23:55"), "booked"));
    let office = office_with_fhir(dir.path(), server.url(""), |_| {});

    let want = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
            .collect()
    };
    wait_for("the first pull", || {
        fhir_expected(&office)
            == want(&[
                ("Testfhirone, Ada", "13:40"),
                ("Testfhirthree, Ada", "00:05"),
                ("Testfhirthree, Ada", "23:55"),
                ("Testfhirtwo, Ada", "14:00"),
                ("Testfhirtwo, Ada", "15:00"),
            ])
    });
    let entry = office
        .queue()
        .expected
        .into_iter()
        .find(|e| e.patient.as_str() == "Testfhirone, Ada")
        .unwrap();
    assert_eq!(entry.provider, "Dr. Demo Fhirable");
    let first = handle(&office, "a-1");

    // Pulled again and again: still one row each. Then a-1 moves, a-2 is cancelled and
    // a-3 moved to tomorrow: the list follows, a-1 keeping its handle.
    for _ in 0..2 {
        let before = status(&office).pull.last_pulled_at;
        wait_for("another pull", || {
            status(&office).pull.last_pulled_at != before
        });
    }
    assert_eq!(fhir_expected(&office).len(), 5);
    server.seed(appointment("a-1", "p-1", &today_at(day, "14:15"), "booked"));
    server.seed(appointment(
        "a-2",
        "p-2",
        &today_at(day, "14:00"),
        "cancelled",
    ));
    server.seed(appointment(
        "a-3",
        "p-2",
        &today_at(tomorrow, "15:00"),
        "booked",
    ));
    wait_for("the changes to be pulled", || {
        fhir_expected(&office)
            == want(&[
                ("Testfhirone, Ada", "14:15"),
                ("Testfhirthree, Ada", "00:05"),
                ("Testfhirthree, Ada", "23:55"),
            ])
    });
    assert_eq!(handle(&office, "a-1"), first);
    let status = status(&office);
    assert!(status.enabled && status.reachable);
    assert_eq!(status.pull.appointments, 3);
    assert_eq!(status.pull.last_error, None);
    assert!(status.pull.last_pulled_at.is_some());
    // Nobody checked in: nothing written.
    assert!(server.writes().is_empty());
}

#[test]
fn a_check_in_marks_the_appointment_arrived_and_writes_patient_and_encounter() {
    let dir = tempfile::tempdir().unwrap();
    let server = FhirServer::start(dir.path(), 50);
    let day = support::clinic_today();
    server.seed(practitioner());
    server.seed(patient("p-1", "Testfhirone", "MRN-F1"));
    server.seed(appointment("a-1", "p-1", &today_at(day, "13:40"), "booked"));
    let office = office_with_fhir(dir.path(), server.url(""), |config| {
        use frontdesk::office::config::FhirWrite;
        config.fhir.write = vec![
            FhirWrite::Appointment,
            FhirWrite::Patient,
            FhirWrite::Encounter,
            FhirWrite::QuestionnaireResponse,
        ];
    });
    wait_for("the pull", || fhir_expected(&office).len() == 1);

    check_in(&office, &[handle(&office, "a-1")]);
    let intake = intake_for(&office, handle(&office, "a-1"));
    wait_for("four writes to be delivered", || {
        status(&office).outbound.delivered == 4
    });
    let status = status(&office);
    assert_eq!((status.outbound.waiting, status.outbound.failed), (0, 0));
    assert_eq!(status.outbound.last_error, None);

    let writes = server.writes();
    let what: Vec<_> = writes
        .iter()
        .map(|w| {
            format!(
                "{} {}/{}",
                w["method"].as_str().unwrap(),
                w["type"].as_str().unwrap(),
                w["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        what,
        [
            "PUT Patient/p-1".to_owned(),
            "PUT Appointment/a-1".to_owned(),
            "POST Encounter/encounter-1".to_owned(),
            format!("PUT QuestionnaireResponse/{intake}"),
        ]
    );
    // The server's Appointment is arrived, everything else it held kept.
    let held = server.get("Appointment/a-1");
    assert_eq!(held["status"], "arrived");
    assert_eq!(
        held["participant"][1]["actor"]["reference"],
        "Practitioner/dr-1"
    );
    // The Patient kept what the hub does not model (gender) and has the number once.
    let p = server.get("Patient/p-1");
    assert_eq!(p["gender"], "female");
    assert_eq!(p["identifier"].as_array().unwrap().len(), 1);
    assert_eq!(p["telecom"][0]["value"], "(217) 555-0100");
    let encounter = &writes[2]["resource"];
    assert_eq!(encounter["status"], "arrived");
    assert_eq!(encounter["subject"]["reference"], "Patient/p-1");
    assert_eq!(encounter["appointment"][0]["reference"], "Appointment/a-1");
    let answers = &writes[3]["resource"];
    assert_eq!(answers["subject"]["reference"], "Patient/p-1");
    assert_eq!(answers["status"], "completed");
    assert!(
        answers["questionnaire"]
            .as_str()
            .unwrap()
            .contains("/Questionnaire/reason-for-visit|")
    );
    // Each write read the patient's details: audited.
    let audited = office
        .state
        .store
        .get()
        .unwrap()
        .audit_log(500)
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "fhir.send")
        .count();
    assert_eq!(audited, 4);
}

/// Delivers `body` sealed, as a kiosk's outbox would; the office's status code.
fn deliver(office: &TestOffice, body: frontdesk::api::OutboxBody) -> u16 {
    support::post_sealed(&office.base, &body).status().as_u16()
}

/// A coverage answer about `appointment`: TSTPAYER1 primary with the patient as
/// subscriber, and a secondary (a payer not on the office's list) held by a spouse.
fn coverage_for(
    appointment: frontdesk::domain::AppointmentId,
) -> frontdesk::api::CoverageSubmission {
    use frontdesk::domain::{
        Coverage, CoverageAnswer, CoverageRank, CoverageSource, Coverages, DateOfBirth, MemberId,
        Payer, PayerId, PayerName, PersonName, Subscriber, SubscriberRelationship,
    };
    let secondary = Coverage::new(
        CoverageRank::Secondary,
        Payer {
            id: Some(PayerId::new("TSTOTHER9").unwrap()),
            name: PayerName::new("Typedname Mutual").unwrap(),
        },
        MemberId::new("SEC0002").unwrap(),
        None,
        SubscriberRelationship::Spouse,
        Some(Subscriber {
            name: PersonName::new("Bea", "Testspouse").unwrap(),
            date_of_birth: DateOfBirth::new("1951-02-03".parse().unwrap(), support::clinic_today())
                .unwrap(),
        }),
        CoverageSource::Typed,
    )
    .unwrap();
    frontdesk::api::CoverageSubmission {
        id: frontdesk::domain::CoverageSubmissionId::random(),
        clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
        subject: frontdesk::api::FormSubject::Appointment(appointment),
        submitted_at: Timestamp::now(),
        language: frontdesk::domain::Language::English,
        answer: CoverageAnswer::Coverages(
            Coverages::new(vec![
                support::sample_coverage(CoverageRank::Primary, "TST0001", CoverageSource::Typed),
                secondary,
            ])
            .unwrap(),
        ),
    }
}

#[test]
fn coverage_and_consents_follow_the_patient_once_each_and_a_refusal_shows_on_the_row() {
    use frontdesk::api::{FormSubject, OutboxBody};
    use frontdesk::domain::Language;
    let dir = tempfile::tempdir().unwrap();
    let server = FhirServer::start(dir.path(), 50);
    let day = support::clinic_today();
    server.seed(practitioner());
    server.seed(patient("p-1", "Testfhirone", "MRN-F1"));
    server.seed(patient("p-2", "Testfhirtwo", "MRN-F2"));
    server.seed(appointment("a-1", "p-1", &today_at(day, "13:40"), "booked"));
    server.seed(appointment("a-2", "p-2", &today_at(day, "14:00"), "booked"));
    // The default writes: Appointment, Patient, QuestionnaireResponse, Coverage, Consent.
    let office = office_with_fhir(dir.path(), server.url(""), |_| {});
    wait_for("the pull", || fhir_expected(&office).len() == 2);
    let a1 = handle(&office, "a-1");

    // At the kiosk: insurance, then the privacy notice, both before the check-in.
    let plans = coverage_for(a1);
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(plans.clone()))),
        201
    );
    let privacy = support::sample_consent(
        FormSubject::Appointment(a1),
        "privacy-notice",
        1,
        Language::English,
    );
    assert_eq!(
        deliver(&office, OutboxBody::Consent(Box::new(privacy.clone()))),
        201
    );
    // Nothing is written before the patient has checked in.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(status(&office).outbound.waiting, 0);
    check_in(&office, &[a1]);
    // Signed after the check-in reached the office (the outbox's order is the kiosk's).
    let treatment = support::sample_consent(
        FormSubject::Appointment(a1),
        "treatment-consent",
        1,
        Language::Spanish,
    );
    assert_eq!(
        deliver(&office, OutboxBody::Consent(Box::new(treatment.clone()))),
        201
    );
    // Redelivered by a kiosk that missed the answer: stored once, written once.
    assert_eq!(
        deliver(&office, OutboxBody::Consent(Box::new(privacy.clone()))),
        200
    );
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(plans.clone()))),
        200
    );
    wait_for("six writes to be delivered", || {
        status(&office).outbound.delivered == 6
    });
    let up = status(&office);
    assert_eq!((up.outbound.waiting, up.outbound.failed), (0, 0));

    let writes = server.writes();
    let what: Vec<_> = writes
        .iter()
        .map(|w| {
            format!(
                "{} {}/{}",
                w["method"].as_str().unwrap(),
                w["type"].as_str().unwrap(),
                w["id"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        what,
        [
            "PUT Patient/p-1".to_owned(),
            "PUT Appointment/a-1".to_owned(),
            format!("PUT Coverage/{}-primary", plans.id),
            format!("PUT Coverage/{}-secondary", plans.id),
            format!("PUT Consent/{}", privacy.id),
            format!("PUT Consent/{}", treatment.id),
        ]
    );
    // Coverage: the patient's, the payer by id with the office's name for a listed payer
    // and the typed name otherwise.
    let primary = &writes[2]["resource"];
    assert_eq!(primary["status"], "active");
    assert_eq!(primary["beneficiary"]["reference"], "Patient/p-1");
    assert_eq!(primary["subscriber"]["reference"], "Patient/p-1");
    assert_eq!(primary["subscriberId"], "TST0001");
    assert_eq!(primary["order"], 1);
    assert_eq!(primary["relationship"]["coding"][0]["code"], "self");
    assert_eq!(
        primary["payor"][0],
        json!({"identifier": {"system": "urn:frontdesk:payer-id", "value": "TSTPAYER1"},
               "display": "Testpayer Health Plan"})
    );
    assert_eq!(primary["class"][0]["type"]["coding"][0]["code"], "group");
    assert_eq!(primary["class"][0]["value"], "GRP-100");
    let secondary = &writes[3]["resource"];
    assert_eq!(secondary["order"], 2);
    assert_eq!(secondary["relationship"]["coding"][0]["code"], "spouse");
    assert_eq!(
        secondary["subscriber"],
        json!({"display": "Bea Testspouse"})
    );
    assert_eq!(secondary["payor"][0]["display"], "Typedname Mutual");
    assert!(secondary.get("class").is_none());
    // Consent: the scope by document, the patient, when, and the version signed.
    let notice = &writes[4]["resource"];
    assert_eq!(notice["status"], "active");
    assert_eq!(notice["scope"]["coding"][0]["code"], "patient-privacy");
    assert_eq!(notice["category"][0]["coding"][0]["code"], "57016-8");
    assert_eq!(notice["patient"]["reference"], "Patient/p-1");
    assert_eq!(notice["performer"][0]["reference"], "Patient/p-1");
    fhir_support::check_timestamp(notice["dateTime"].as_str().unwrap());
    assert!(
        notice["policy"][0]["uri"]
            .as_str()
            .unwrap()
            .ends_with("/consent/privacy-notice/1")
    );
    assert_eq!(notice["provision"]["type"], "permit");
    assert!(
        notice.get("sourceAttachment").is_none(),
        "the signature stays on the hub"
    );
    let agreed = &writes[5]["resource"];
    assert_eq!(agreed["scope"]["coding"][0]["code"], "treatment");
    assert_eq!(agreed["category"][0]["coding"][0]["code"], "59284-0");

    // A server that refuses Coverage: the plan is marked failed and the row says so,
    // naming no patient; the patient's other writes still go.
    server.refuse(Some("Coverage"));
    let a2 = handle(&office, "a-2");
    let refused = coverage_for(a2);
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(refused))),
        201
    );
    check_in(&office, &[a2]);
    wait_for("the refusal on the row", || {
        status(&office).outbound.failed == 2
    });
    let row = status(&office);
    assert_eq!(row.outbound.waiting, 0);
    assert_eq!(
        row.outbound.last_error.as_deref(),
        Some("the server answered 422 (business-rule)")
    );
    assert!(row.reachable);
    let later: Vec<_> = server.writes()[6..]
        .iter()
        .map(|w| w["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(later, ["Patient", "Appointment"]);
}

/// A FHIR server with one booked appointment today (`a-1`, patient `p-1`) and an office
/// with the default writes that has pulled it.
fn one_appointment_pulled(dir: &Path) -> (FhirServer, TestOffice) {
    let server = FhirServer::start(dir, 50);
    server.seed(practitioner());
    server.seed(patient("p-1", "Testfhirone", "MRN-F1"));
    server.seed(appointment(
        "a-1",
        "p-1",
        &today_at(support::clinic_today(), "13:40"),
        "booked",
    ));
    let office = office_with_fhir(dir, server.url(""), |_| {});
    wait_for("the pull", || fhir_expected(&office).len() == 1);
    (server, office)
}

/// A "self pay" answer about `appointment`.
fn self_pay_for(
    appointment: frontdesk::domain::AppointmentId,
) -> frontdesk::api::CoverageSubmission {
    frontdesk::api::CoverageSubmission {
        answer: frontdesk::domain::CoverageAnswer::SelfPay,
        ..coverage_for(appointment)
    }
}

#[test]
fn a_newer_coverage_answer_cancels_the_older_ones_and_self_pay_is_a_coverage() {
    use frontdesk::api::OutboxBody;
    let dir = tempfile::tempdir().unwrap();
    let (server, office) = one_appointment_pulled(dir.path());
    let a1 = handle(&office, "a-1");
    check_in(&office, &[a1]);

    // Two plans, then at the same visit "I pay myself", then plans again.
    // Each answer, then the writes it makes delivered (`what`, `delivered` in all).
    let answer = |given: &frontdesk::api::CoverageSubmission, what: &str, delivered: u64| {
        assert_eq!(
            deliver(&office, OutboxBody::Coverage(Box::new(given.clone()))),
            201
        );
        wait_for(what, || status(&office).outbound.delivered == delivered);
    };
    let plans = coverage_for(a1);
    answer(&plans, "patient, arrival and two plans", 4);
    let self_pay = self_pay_for(a1);
    answer(&self_pay, "self-pay and two cancellations", 7);
    let again = coverage_for(a1);
    answer(&again, "two plans and one cancellation", 10);
    // Redelivered: stored once, nothing written or cancelled again.
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(self_pay.clone()))),
        200
    );
    std::thread::sleep(Duration::from_millis(300));
    let row = status(&office);
    assert_eq!(
        (
            row.outbound.waiting,
            row.outbound.failed,
            row.outbound.delivered
        ),
        (0, 0, 10)
    );

    // Every write was valid R4 to the server's fhir.resources model (it refuses others
    // with 422), in this order: each answer's own, then the older ones cancelled.
    let writes = server.writes();
    let coverage: Vec<_> = writes
        .iter()
        .filter(|w| w["type"] == "Coverage")
        .map(|w| {
            format!(
                "{} {}",
                w["id"].as_str().unwrap(),
                w["resource"]["status"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        coverage,
        [
            format!("{}-primary active", plans.id),
            format!("{}-secondary active", plans.id),
            format!("{}-self-pay active", self_pay.id),
            format!("{}-primary cancelled", plans.id),
            format!("{}-secondary cancelled", plans.id),
            format!("{}-primary active", again.id),
            format!("{}-secondary active", again.id),
            format!("{}-self-pay cancelled", self_pay.id),
        ]
    );
    // Self-pay: R4's coverage-selfpay type, paid by the patient themselves.
    let own = &writes
        .iter()
        .find(|w| w["id"] == format!("{}-self-pay", self_pay.id))
        .unwrap()["resource"];
    assert_eq!(
        own["type"]["coding"][0],
        json!({"system": "http://terminology.hl7.org/CodeSystem/coverage-selfpay",
               "code": "pay", "display": "PAY"})
    );
    assert_eq!(own["payor"], json!([{"reference": "Patient/p-1"}]));
    assert_eq!(own["beneficiary"]["reference"], "Patient/p-1");
    assert_eq!(own["relationship"]["coding"][0]["code"], "self");
    assert!(own.get("subscriberId").is_none() && own.get("order").is_none());
    // What the server holds now: only the newest answer's plans are active.
    let held = |id: String| server.get(&format!("Coverage/{id}"))["status"].clone();
    for (id, now) in [
        (format!("{}-primary", plans.id), "cancelled"),
        (format!("{}-secondary", plans.id), "cancelled"),
        (format!("{}-self-pay", self_pay.id), "cancelled"),
        (format!("{}-primary", again.id), "active"),
        (format!("{}-secondary", again.id), "active"),
    ] {
        assert_eq!(held(id.clone()), now, "{id}");
    }
    // A cancellation is the resource as the server held it, only its status changed.
    let cancelled = server.get(&format!("Coverage/{}-primary", plans.id));
    assert_eq!(cancelled["subscriberId"], "TST0001");
}

#[test]
fn with_the_server_down_every_write_is_delivered_once_in_order_per_patient() {
    let dir = tempfile::tempdir().unwrap();
    let server = FhirServer::start(dir.path(), 50);
    let day = support::clinic_today();
    server.seed(practitioner());
    // 30 appointments today for 6 patients, five each.
    const VISITS: usize = 30;
    for p in 0..6 {
        server.seed(patient(
            &format!("p-{p}"),
            &format!("Testfhir{}", (b'a' + p as u8) as char),
            &format!("MRN-L{p}"),
        ));
    }
    for i in 0..VISITS {
        let time = format!("{:02}:{:02}", 8 + i / 4, (i % 4) * 15);
        server.seed(appointment(
            &format!("load-{i:02}"),
            &format!("p-{}", i % 6),
            &today_at(day, &time),
            "booked",
        ));
    }
    // The server's address is a relay that closes every connection while it is "down".
    let relay = Relay::start(server.addr);
    let office = office_with_fhir(dir.path(), format!("{}/fhir", relay.base()), |_| {});
    wait_for("the pull", || fhir_expected(&office).len() == VISITS);

    relay.point_to(None);
    let mut order: Vec<_> = (0..VISITS).map(|i| format!("load-{i:02}")).collect();
    order.sort_by_key(|id| {
        let n: u64 = id[5..].parse().unwrap();
        n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
    });
    let handles: Vec<_> = order.iter().map(|id| handle(&office, id)).collect();
    // Each check-in is accepted at once: the down server is not on its path.
    check_in(&office, &handles);
    wait_for("a failed write", || {
        status(&office).outbound.last_error.is_some()
    });
    let down = status(&office);
    assert_eq!(down.outbound.waiting, 2 * VISITS as u64);
    assert_eq!(down.outbound.delivered, 0);
    assert!(!down.reachable);
    assert!(down.outbound.oldest_waiting.is_some());
    assert!(
        down.outbound
            .last_error
            .unwrap()
            .starts_with("cannot reach the server")
    );

    relay.point_to(Some(server.addr));
    wait_for("every write to be delivered", || {
        status(&office).outbound.delivered == 2 * VISITS as u64
    });
    let up = status(&office);
    assert_eq!((up.outbound.waiting, up.outbound.failed), (0, 0));

    let writes = server.writes();
    assert_eq!(writes.len(), 2 * VISITS);
    let arrivals: Vec<_> = writes
        .iter()
        .filter(|w| w["type"] == "Appointment")
        .map(|w| w["id"].as_str().unwrap().to_owned())
        .collect();
    let distinct: std::collections::HashSet<_> = arrivals.iter().collect();
    assert_eq!(
        (arrivals.len(), distinct.len()),
        (VISITS, VISITS),
        "an arrival went twice"
    );
    // Per patient, the arrivals come in the order the patient's visits checked in, each
    // right after its Patient write.
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    for id in &order {
        let patient = format!("p-{}", id[5..].parse::<usize>().unwrap() % 6);
        expected.entry(patient).or_default().push(id.clone());
    }
    let mut got: HashMap<String, Vec<String>> = HashMap::new();
    let mut last_patient_write: HashMap<String, usize> = HashMap::new();
    for (at, w) in writes.iter().enumerate() {
        if w["type"] == "Patient" {
            last_patient_write.insert(w["id"].as_str().unwrap().to_owned(), at);
            continue;
        }
        let patient = w["resource"]["participant"][0]["actor"]["reference"]
            .as_str()
            .unwrap()
            .trim_start_matches("Patient/")
            .to_owned();
        assert!(
            last_patient_write.contains_key(&patient),
            "arrival before its patient"
        );
        assert_eq!(w["resource"]["status"], "arrived");
        got.entry(patient)
            .or_default()
            .push(w["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, expected);
    for id in &order {
        assert_eq!(
            server.get(&format!("Appointment/{id}"))["status"],
            "arrived"
        );
    }
}

#[test]
fn a_malformed_schedule_stores_nothing_and_the_row_says_what_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (server, office) = one_appointment_pulled(dir.path());
    let day = support::clinic_today();

    // A page whose first appointment moved (and would be stored first) and whose second
    // names a patient the Bundle lacks: nothing of it is stored.
    let broken = json!({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": appointment("a-1", "p-1", &today_at(day, "08:05"), "booked")},
        {"resource": patient("p-1", "Testfhirone", "MRN-F1")},
        {"resource": practitioner()},
        {"resource": appointment("a-9", "p-9", &today_at(day, "08:10"), "booked")}]});
    server.search_body(Some(&serde_json::to_vec(&broken).unwrap()));
    wait_for("the row to say what failed", || {
        status(&office).pull.last_error.as_deref()
            == Some("the schedule is not usable: Appointment/a-9: its Patient is not in the Bundle")
    });
    assert_eq!(
        fhir_expected(&office),
        [("Testfhirone, Ada".to_owned(), "13:40".to_owned())]
    );

    for (garbage, says) in [
        (
            &b"{\"resourceType\": \"Bundle\", \"entry\": [{\"resource\": "[..],
            "not FHIR JSON (truncation error",
        ),
        (b"<html>Gateway</html>", "not FHIR JSON (syntax error"),
        (
            br#"{"resourceType": "Patient", "id": "p-1"}"#,
            "expected a Bundle",
        ),
    ] {
        server.search_body(Some(garbage));
        wait_for(says, || {
            status(&office)
                .pull
                .last_error
                .is_some_and(|e| e.contains(says))
        });
        assert_eq!(fhir_expected(&office).len(), 1);
    }
    assert!(
        !status(&office)
            .pull
            .last_error
            .unwrap()
            .contains("Testfhir")
    );

    server.search_body(None);
    wait_for("a good pull again", || {
        status(&office).pull.last_error.is_none()
    });
    assert_eq!(
        fhir_expected(&office),
        [("Testfhirone, Ada".to_owned(), "13:40".to_owned())]
    );
}

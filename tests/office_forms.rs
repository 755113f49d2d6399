//! Forms and consents at the office over real HTTP on loopback: the forms a folder holds
//! are published to kiosks with their revision as ETag (304 while unchanged); a refused
//! file (named with its line) leaves the last good set published, also after a restart;
//! every version stays in the archive; Questionnaires are published as FHIR; signed
//! consents are stored once, conflicts and unknown versions refused; what a patient signed
//! at one visit is on file at the next (by patient number); staff open the signature
//! (PNG) and a signed copy (PDF), audited.

mod support;

use frontdesk::api::{
    ConsentsOnFile, ErrorBody, FormSubject, FormsResponse, OutboxBody, SubmissionOutcome,
    SubmissionReceipt,
};
use frontdesk::consent::{DocumentId, SignedVersion, Version};
use frontdesk::domain::{AppointmentId, Cents, Language, PersonName};
use frontdesk::office::Office;
use frontdesk::office::appointments::{self, PatientNumber};
use frontdesk::office::consents::ConsentsView;
use frontdesk::office::forms::Reloaded;
use frontdesk::office::server::{AppState, BackgroundOffice};
use frontdesk::office::store::NewAppointment;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::path::Path;
use support::{KIOSK_TOKEN, post_sealed, sample_consent};

struct TestOffice {
    base: String,
    state: AppState,
    server: BackgroundOffice,
}

/// An office over `data` whose forms come from `forms` (`None`: the shipped ones), with
/// today's demo appointments.
fn start(data: &Path, forms: Option<&Path>) -> TestOffice {
    let addr = "127.0.0.1:0".parse().unwrap();
    let mut config = support::office_config(data, addr);
    config.forms.dir = forms.map(Path::to_owned);
    config.forms.canonical_base = "https://forms.example.test/fhir".into();
    let office = Office::open(config).unwrap();
    let state = office.state().clone();
    let today = state.today(Timestamp::now());
    state
        .store
        .get()
        .unwrap()
        .import_appointments(&appointments::demo_set(today))
        .unwrap();
    let server = office
        .serve_in_background(std::net::TcpListener::bind(addr).unwrap())
        .unwrap();
    let base = format!("http://{}", server.addr());
    support::register_office(&state, &base);
    TestOffice {
        base,
        state,
        server,
    }
}

impl TestOffice {
    fn get(&self, path: &str) -> reqwest::blocking::Response {
        support::staff()
            .get(format!("{}{path}", self.base))
            .bearer_auth(KIOSK_TOKEN)
            .send()
            .unwrap()
    }

    fn forms(&self, if_none_match: Option<&str>) -> reqwest::blocking::Response {
        let mut request = Client::new()
            .get(format!("{}/api/kiosk/v1/forms", self.base))
            .bearer_auth(KIOSK_TOKEN);
        if let Some(tag) = if_none_match {
            request = request.header("if-none-match", tag);
        }
        request.send().unwrap()
    }

    fn reload(&self) -> Reloaded {
        let mut store = self.state.store.get().unwrap();
        self.state
            .forms
            .reload(&mut store, Timestamp::now())
            .unwrap()
    }

    fn staff_consents(&self) -> ConsentsView {
        self.get("/api/staff/v1/consents").json().unwrap()
    }

    fn audit_actions(&self) -> Vec<(String, String)> {
        let store = self.state.store.get().unwrap();
        store
            .audit_log(500)
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.subject))
            .collect()
    }

    /// Today's appointments' handles, by start time.
    fn handles(&self) -> Vec<AppointmentId> {
        let today = self.state.today(Timestamp::now());
        let store = self.state.store.get().unwrap();
        store
            .appointments_on(today)
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    }
}

fn consent_file(id: &str, version: u32, language: &str, title: &str) -> String {
    format!(
        "---\nid: {id}\nversion: {version}\nlanguage: {language}\ntitle: {title}\n---\n# {title}\n\
         Please read and sign. Version {version}.\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A forms folder with one document of its own (both languages), shipped questionnaires.
fn forms_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("forms");
    write(
        &dir,
        "consent/visit-rules.en.md",
        &consent_file("visit-rules", 1, "en", "Visit rules"),
    );
    write(
        &dir,
        "consent/visit-rules.es.md",
        &consent_file("visit-rules", 1, "es", "Reglas de visita"),
    );
    dir
}

#[test]
fn forms_are_published_with_a_revision_and_a_refused_file_keeps_the_last_good_set() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("office");
    let dir = forms_dir(root.path());
    let office = start(&data, Some(&dir));

    let first = office.forms(None);
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let forms: FormsResponse = first.json().unwrap();
    assert_eq!(etag, format!("\"{}\"", forms.revision));
    let names: Vec<_> = forms.consents.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["visit-rules.en.md", "visit-rules.es.md"]);
    assert_eq!(forms.ask, ["reason-for-visit", "phq-9"]);
    assert_eq!(forms.questionnaires.len(), 3, "the shipped questionnaires");
    assert_eq!(forms.canonical_base, "https://forms.example.test/fhir");
    frontdesk::checkin::Forms::from_response(&forms).expect("a kiosk can use what it is sent");

    // Unchanged: 304, with the bare revision or the ETag as sent.
    for tag in [forms.revision.as_str(), etag.as_str()] {
        let again = office.forms(Some(tag));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    }
    assert_eq!(office.forms(Some("\"other\"")).status(), StatusCode::OK);

    // A broken file (no title, line 4 is where the front matter ends) is refused with its
    // file and line; kiosks keep getting the last good set.
    write(
        &dir,
        "consent/broken.en.md",
        "---\nid: broken\nversion: 1\nlanguage: en\n---\n# Broken\nText.\n",
    );
    let Reloaded::Refused(refusals) = office.reload() else {
        panic!("a broken file is refused");
    };
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0].file, "consent/broken.en.md");
    assert!(refusals[0].line.is_some());
    assert!(refusals[0].reason.contains("title"), "{}", refusals[0]);
    assert_eq!(office.forms(Some(&etag)).status(), StatusCode::NOT_MODIFIED);
    let view = office.staff_consents();
    assert_eq!(view.refusals, refusals, "staff see why");
    assert_eq!(view.revision, forms.revision);
    assert_eq!(view.documents[0].title, "Visit rules");

    // A restart reads the same broken folder: the last good set is still what is sent.
    office.server.stop();
    let office = start(&data, Some(&dir));
    assert_eq!(office.forms(Some(&etag)).status(), StatusCode::NOT_MODIFIED);
    assert_eq!(office.staff_consents().refusals, refusals);

    // Changing the text of a published version is refused too: the patients who signed it
    // read the old text.
    std::fs::remove_file(dir.join("consent/broken.en.md")).unwrap();
    write(
        &dir,
        "consent/visit-rules.en.md",
        &consent_file("visit-rules", 1, "en", "Visit rules, new"),
    );
    let Reloaded::Refused(refusals) = office.reload() else {
        panic!("a changed text under an old version is refused");
    };
    assert_eq!(refusals[0].file, "consent/visit-rules.en.md");
    assert_eq!(refusals[0].line, Some(2));
    assert!(
        refusals[0].reason.contains("new version"),
        "{}",
        refusals[0]
    );

    // With a new version it is published; the old version's text stays in the archive,
    // also across a restart.
    write(
        &dir,
        "consent/visit-rules.en.md",
        &consent_file("visit-rules", 2, "en", "Visit rules, new"),
    );
    write(
        &dir,
        "consent/visit-rules.es.md",
        &consent_file("visit-rules", 2, "es", "Reglas, nuevas"),
    );
    let Reloaded::Published { revision, changed } = office.reload() else {
        panic!("a new version is published");
    };
    assert!(changed);
    assert_ne!(revision, forms.revision);
    assert!(office.staff_consents().refusals.is_empty());
    let response = office.forms(Some(&etag));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<FormsResponse>().unwrap().revision, revision);
    office.server.stop();
    let office = start(&data, Some(&dir));
    let id = DocumentId::new("visit-rules").unwrap();
    for version in [1, 2] {
        let doc = office
            .state
            .forms
            .consent(&id, Version::new(version).unwrap(), Language::Spanish)
            .unwrap_or_else(|| panic!("version {version} is kept"));
        assert_eq!(doc.version.get(), version);
    }
    let actions = office.audit_actions();
    assert_eq!(
        actions.iter().filter(|(a, _)| a == "forms.publish").count(),
        2,
        "each set published once: {actions:?}"
    );
}

#[test]
fn questionnaires_are_published_as_fhir_under_the_canonical_base() {
    let root = tempfile::tempdir().unwrap();
    let office = start(&root.path().join("office"), None);
    let response = Client::new()
        .get(format!("{}/fhir/Questionnaire/phq-9", office.base))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/fhir+json")
    );
    let resource: serde_json::Value = response.json().unwrap();
    assert_eq!(resource["resourceType"], "Questionnaire");
    assert_eq!(resource["id"], "phq-9");
    assert_eq!(
        resource["url"],
        "https://forms.example.test/fhir/Questionnaire/phq-9"
    );
    assert_eq!(resource["status"], "active");
    let missing = Client::new()
        .get(format!("{}/fhir/Questionnaire/nope", office.base))
        .send()
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

fn receipt(response: reqwest::blocking::Response) -> (StatusCode, SubmissionOutcome) {
    let status = response.status();
    (
        status,
        response.json::<SubmissionReceipt>().unwrap().outcome,
    )
}

fn refused(response: reqwest::blocking::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.json::<ErrorBody>().unwrap().error)
}

#[test]
fn a_consent_is_stored_once_and_conflicts_and_unknown_versions_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let office = start(&root.path().join("office"), None);
    let ada = office.handles()[0];
    let consent = sample_consent(
        FormSubject::Appointment(ada),
        "privacy-notice",
        1,
        Language::Spanish,
    );
    let body = OutboxBody::Consent(Box::new(consent.clone()));
    assert_eq!(
        receipt(post_sealed(&office.base, &body)),
        (StatusCode::CREATED, SubmissionOutcome::Accepted)
    );
    assert_eq!(
        receipt(post_sealed(&office.base, &body)),
        (StatusCode::OK, SubmissionOutcome::AlreadyStored)
    );

    let mut other = consent.clone();
    other.consent.signed_at += jiff::SignedDuration::from_secs(60);
    assert_eq!(
        refused(post_sealed(
            &office.base,
            &OutboxBody::Consent(Box::new(other))
        )),
        (StatusCode::CONFLICT, "consent_conflict".to_owned())
    );

    let never = sample_consent(
        FormSubject::Appointment(ada),
        "privacy-notice",
        7,
        Language::English,
    );
    let (status, code) = refused(post_sealed(
        &office.base,
        &OutboxBody::Consent(Box::new(never)),
    ));
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, "unknown_form_version")
    );
    let unknown_doc = sample_consent(
        FormSubject::Appointment(ada),
        "no-such-form",
        1,
        Language::English,
    );
    let (status, _) = refused(post_sealed(
        &office.base,
        &OutboxBody::Consent(Box::new(unknown_doc)),
    ));
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let nobody = sample_consent(
        FormSubject::Appointment(AppointmentId::new(12345)),
        "privacy-notice",
        1,
        Language::English,
    );
    assert_eq!(
        refused(post_sealed(
            &office.base,
            &OutboxBody::Consent(Box::new(nobody))
        )),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_subject".to_owned()
        )
    );

    // Stored once, as sent, with one audit entry.
    let stored = office
        .state
        .store
        .get()
        .unwrap()
        .consent(consent.id)
        .unwrap()
        .unwrap();
    assert_eq!(stored.signature.as_ref(), Some(&consent.consent.signature));
    assert_eq!(stored.language, Language::Spanish);
    let actions = office.audit_actions();
    let created: Vec<_> = actions
        .iter()
        .filter(|(a, _)| a == "consent.create")
        .collect();
    assert_eq!(
        created,
        [&("consent.create".to_owned(), consent.id.to_string())]
    );

    // A registration's consents go with it.
    let registration = support::sample_registration("Formtester");
    support::deliver_registration(&office.base, &registration);
    let for_registration = sample_consent(
        FormSubject::Registration(registration.id),
        "financial-policy",
        1,
        Language::English,
    );
    assert_eq!(
        receipt(post_sealed(
            &office.base,
            &OutboxBody::Consent(Box::new(for_registration))
        ))
        .1,
        SubmissionOutcome::Accepted
    );
    let view = office.staff_consents();
    let theirs = view
        .registrations
        .iter()
        .find(|s| s.subject == FormSubject::Registration(registration.id))
        .unwrap();
    assert_eq!(theirs.signed.len(), 1);
    assert_eq!(theirs.signed[0].document.as_str(), "financial-policy");
    let adas = view
        .appointments
        .iter()
        .find(|s| s.subject == FormSubject::Appointment(ada))
        .unwrap();
    assert_eq!(adas.signed.len(), 1);
    assert!(!adas.signed[0].earlier_visit);

    // Discarding the registration (not a patient) deletes its signatures too.
    let discard = support::staff()
        .post(format!(
            "{}/api/staff/v1/registrations/{}/discard",
            office.base, registration.id
        ))
        .send()
        .unwrap();
    assert!(discard.status().is_success(), "{}", discard.status());
    let left = office
        .state
        .store
        .get()
        .unwrap()
        .consents_of_registration(registration.id)
        .unwrap();
    assert!(left.is_empty());
    let late = sample_consent(
        FormSubject::Registration(registration.id),
        "privacy-notice",
        1,
        Language::English,
    );
    assert_eq!(
        refused(post_sealed(
            &office.base,
            &OutboxBody::Consent(Box::new(late))
        )),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_subject".to_owned()
        )
    );
}

fn on_file(office: &TestOffice, appointment: AppointmentId) -> Option<Vec<SignedVersion>> {
    let response = office.get(&format!(
        "/api/kiosk/v1/appointments/{}/consents",
        appointment.get()
    ));
    match response.status() {
        StatusCode::NOT_FOUND => None,
        StatusCode::OK => Some(response.json::<ConsentsOnFile>().unwrap().signed),
        other => panic!("unexpected {other}"),
    }
}

fn appointment_on(
    external_id: &str,
    day: jiff::civil::Date,
    patient_id: Option<&str>,
) -> NewAppointment {
    NewAppointment {
        external_id: external_id.into(),
        day,
        starts_at: jiff::civil::Time::constant(16, 0, 0, 0),
        patient: PersonName::new("Ada", "Testpatient").unwrap(),
        provider: "Dr. Demo Able".into(),
        copay: Cents::ZERO,
        balance: Cents::ZERO,
        date_of_birth: None,
        contact: None,
        patient_id: patient_id.map(|p| PatientNumber::new(p).unwrap()),
        reminders: Default::default(),
    }
}

#[test]
fn what_a_patient_signed_at_one_visit_is_on_file_at_the_next() {
    let root = tempfile::tempdir().unwrap();
    let office = start(&root.path().join("office"), None);
    let today = office.state.today(Timestamp::now());
    let yesterday = today.yesterday().unwrap();
    // Ada (demo patient DEMO-0001) came yesterday too; a walk-in today has no number.
    office
        .state
        .store
        .get()
        .unwrap()
        .import_appointments(&[
            appointment_on("PAST-1", yesterday, Some("DEMO-0001")),
            appointment_on("NONUMBER-1", today, None),
        ])
        .unwrap();
    let handle_of = |external: &str| {
        let store = office.state.store.get().unwrap();
        store
            .appointments_on(if external == "PAST-1" {
                yesterday
            } else {
                today
            })
            .unwrap()
            .into_iter()
            .find(|a| a.external_id == external)
            .unwrap()
            .id
    };
    let (past, walk_in) = (handle_of("PAST-1"), handle_of("NONUMBER-1"));
    let handles = office.handles();
    let (ada, bruno) = (handles[0], handles[1]);

    let signed = |subject, document| {
        let consent = sample_consent(subject, document, 1, Language::English);
        let body = OutboxBody::Consent(Box::new(consent));
        assert_eq!(
            receipt(post_sealed(&office.base, &body)).1,
            SubmissionOutcome::Accepted
        );
    };
    signed(FormSubject::Appointment(past), "privacy-notice");
    signed(FormSubject::Appointment(walk_in), "treatment-consent");

    let privacy = SignedVersion {
        id: DocumentId::new("privacy-notice").unwrap(),
        version: Version::new(1).unwrap(),
    };
    assert_eq!(
        on_file(&office, ada),
        Some(vec![privacy.clone()]),
        "signed yesterday"
    );
    assert_eq!(on_file(&office, bruno), Some(vec![]), "another patient");
    assert_eq!(
        on_file(&office, walk_in).unwrap()[0].id.as_str(),
        "treatment-consent",
        "no number: this appointment's own"
    );
    assert_eq!(on_file(&office, past), None, "not today's");
    assert_eq!(on_file(&office, AppointmentId::new(42)), None);
    assert_eq!(
        office
            .get("/api/kiosk/v1/appointments/not-a-number/consents")
            .status(),
        StatusCode::NOT_FOUND
    );
    let unauthenticated = Client::new()
        .get(format!(
            "{}/api/kiosk/v1/appointments/{}/consents",
            office.base,
            ada.get()
        ))
        .send()
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);

    // Signing it again today counts once.
    signed(FormSubject::Appointment(ada), "privacy-notice");
    assert_eq!(on_file(&office, ada), Some(vec![privacy]));

    let actions = office.audit_actions();
    let disclosed: Vec<_> = actions
        .iter()
        .filter(|(a, _)| a == "consents.disclose")
        .map(|(_, s)| s.clone())
        .collect();
    assert_eq!(
        disclosed,
        [ada, walk_in, bruno, ada].map(|a| a.to_string()),
        "newest first, only today's appointments"
    );

    // Staff see Ada's earlier signature on her row, marked as from another visit.
    let view = office.staff_consents();
    let adas = view
        .appointments
        .iter()
        .find(|s| s.subject == FormSubject::Appointment(ada))
        .unwrap();
    assert_eq!(adas.signed.len(), 2);
    assert!(adas.signed[0].earlier_visit && !adas.signed[1].earlier_visit);
}

#[test]
fn staff_open_the_signature_and_a_signed_copy_and_each_is_audited() {
    let root = tempfile::tempdir().unwrap();
    let office = start(&root.path().join("office"), None);
    let ada = office.handles()[0];
    let consent = sample_consent(
        FormSubject::Appointment(ada),
        "financial-policy",
        1,
        Language::Spanish,
    );
    post_sealed(
        &office.base,
        &OutboxBody::Consent(Box::new(consent.clone())),
    );

    let png = support::staff()
        .get(format!(
            "{}/staff/consents/{}/signature.png",
            office.base, consent.id
        ))
        .send()
        .unwrap();
    assert_eq!(png.status(), StatusCode::OK);
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(png.headers()["cache-control"], "no-store");
    let png = png.bytes().unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));

    let pdf = support::staff()
        .get(format!(
            "{}/staff/consents/{}/signed-copy.pdf",
            office.base, consent.id
        ))
        .send()
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let pdf = pdf.bytes().unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // Kept to look at (pdftoppm).
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(out.join("signed-copy.pdf"), &pdf).unwrap();
    std::fs::write(out.join("signature.png"), &png).unwrap();

    let actions = office.audit_actions();
    for action in ["consent.signature.view", "consent.copy.print"] {
        assert!(
            actions.contains(&(action.to_owned(), consent.id.to_string())),
            "{action}: {actions:?}"
        );
    }
    for path in [
        format!(
            "/staff/consents/{}/signature.png",
            frontdesk::domain::SignedConsentId::random()
        ),
        "/staff/consents/nonsense/signed-copy.pdf".to_owned(),
    ] {
        let missing = support::staff()
            .get(format!("{}{path}", office.base))
            .send()
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

/// An `office.toml` for the binary: one kiosk, the forms folder `forms`, data in `data`.
fn config_file(root: &Path, forms: &Path, data: &Path) -> std::path::PathBuf {
    let path = root.join("office.toml");
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = {data:?}\ntimezone = \"UTC\"\n\
             [[kiosks]]\nid = \"lobby-1\"\ntoken = \"{KIOSK_TOKEN}\"\n\
             [forms]\ndir = {forms:?}\n"
        ),
    )
    .unwrap();
    path
}

#[test]
fn check_forms_prints_each_refusal_and_fails() {
    let root = tempfile::tempdir().unwrap();
    let dir = forms_dir(root.path());
    let config = config_file(root.path(), &dir, &root.path().join("office"));
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk-office"))
            .arg("--config")
            .arg(&config)
            .arg("check-forms")
            .arg(&dir)
            .output()
            .unwrap()
    };
    let good = run();
    assert!(good.status.success());
    assert!(
        String::from_utf8_lossy(&good.stdout)
            .starts_with("ok: consent documents: 1, questionnaires: 3, revision ")
    );

    write(
        &dir,
        "questionnaires/mine.toml",
        "id = \"mine\"\nversion = \"1\"\n\ntitle = 7\n",
    );
    write(
        &dir,
        "consent/visit-rules.es.md",
        &consent_file("visit-rules", 2, "es", "Reglas"),
    );
    let bad = run();
    assert!(!bad.status.success());
    let out = String::from_utf8_lossy(&bad.stdout);
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[0].starts_with(
            "refused: consent/visit-rules.es.md: line 2: document `visit-rules` has version 2"
        ),
        "{out}"
    );
    assert!(
        lines[1].starts_with("refused: questionnaires/mine.toml: line 4: "),
        "{out}"
    );
    // Files of its own replace the shipped questionnaires: the ones asked are missing.
    assert!(
        lines[2].starts_with("refused: [forms] ask: questionnaire `reason-for-visit`"),
        "{out}"
    );
}

#[test]
fn a_running_office_reads_its_forms_again_on_sighup() {
    use std::io::BufRead as _;
    let root = tempfile::tempdir().unwrap();
    let dir = forms_dir(root.path());
    let config = config_file(root.path(), &dir, &root.path().join("office"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_frontdesk-office"))
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let base = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("Staff page: ")
                .map(|url| url.trim_end_matches('/').to_owned())
        })
        .expect("the office says where it listens");
    let revision = || {
        Client::new()
            .get(format!("{base}/api/kiosk/v1/forms"))
            .bearer_auth(KIOSK_TOKEN)
            .send()
            .unwrap()
            .json::<FormsResponse>()
            .unwrap()
            .revision
    };
    let first = revision();
    write(
        &dir,
        "consent/visit-rules.en.md",
        &consent_file("visit-rules", 2, "en", "Visit rules"),
    );
    write(
        &dir,
        "consent/visit-rules.es.md",
        &consent_file("visit-rules", 2, "es", "Reglas"),
    );
    assert_eq!(revision(), first, "read at start and on SIGHUP only");
    let hangup = std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(hangup.success());
    support::wait_until("the new forms", || (revision() != first).then_some(()));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn an_office_whose_first_files_are_refused_publishes_and_keeps_the_shipped_set() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("forms");
    write(&dir, "consent/broken.en.md", "---\nid: broken\n---\n");
    let office = start(&root.path().join("office"), Some(&dir));
    let forms: FormsResponse = office.forms(None).json().unwrap();
    assert_eq!(
        forms.consents.len(),
        6,
        "the shipped documents, both languages"
    );
    assert_eq!(
        office.staff_consents().refusals[0].file,
        "consent/broken.en.md"
    );
    let kept = office.state.store.get().unwrap().last_form_set().unwrap();
    assert_eq!(kept.map(|set| set.revision), Some(forms.revision));
}

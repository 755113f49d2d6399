//! Intake answers at the office over real HTTP on loopback: kiosks deliver sealed FHIR
//! QuestionnaireResponses through the outbox route; the office checks each against its own
//! copy of the form, scores it itself, stores it once (a conflicting re-delivery, an
//! unknown form or version, answers that break the form's conditions are refused with a
//! typed 422 and nothing stored), flags positive screens, raises the PHQ-9 item 9 alert
//! until staff acknowledge it, serves the answers and the FHIR JSON, and audits each read.
//! All answers and names are synthetic.

mod fhir_support;
mod support;

use frontdesk::api::{
    ErrorBody, FormSubject, IntakeSubmission, OutboxBody, SealedDelivery, SubmissionOutcome,
    SubmissionReceipt,
};
use frontdesk::domain::{AppointmentId, ClinicId, IntakeResponseId, Language, RegistrationId};
use frontdesk::office::events::QueueEvent;
use frontdesk::office::intake_answers::{IntakeRowOf, IntakeView};
use frontdesk::questionnaire::fhir::{self, CanonicalBase, FhirQuestionnaireResponse};
use frontdesk::questionnaire::{Answer, OptionCode, Questionnaire, Responses, defaults};
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use std::sync::Arc;
use support::{KIOSK_TOKEN, TestOffice};

fn office() -> (tempfile::TempDir, TestOffice) {
    let dir = tempfile::tempdir().unwrap();
    let office = support::start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    (dir, office)
}

fn handles(office: &TestOffice) -> Vec<AppointmentId> {
    let today = office.state.today(Timestamp::now());
    let store = office.state.store.get().unwrap();
    store
        .appointments_on(today)
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect()
}

fn form(id: &str) -> Arc<Questionnaire> {
    Arc::new(
        defaults::all()
            .into_iter()
            .find(|q| q.id.as_str() == id)
            .unwrap(),
    )
}

fn base() -> CanonicalBase {
    CanonicalBase::new("https://clinic.example.org/fhir").unwrap()
}

fn choice(c: &str) -> Answer {
    Answer::Choice(OptionCode::new(c).unwrap())
}

/// The PHQ-9 answered with these points, items 3 to 9 only when the PHQ-2 shows them.
fn phq9(points: [u8; 9]) -> FhirQuestionnaireResponse {
    let form = form("phq-9");
    let mut r = Responses::new(Arc::clone(&form));
    for (i, p) in points.iter().enumerate() {
        let id = format!("phq9-{}", i + 1);
        if form.question(&id).is_some_and(|q| r.is_shown(q)) {
            r.answer(&id, choice(&p.to_string())).unwrap();
        }
    }
    fhir::questionnaire_response(&r.finish(Timestamp::now()).unwrap(), &base())
}

fn visit() -> FhirQuestionnaireResponse {
    let mut r = Responses::new(form("reason-for-visit"));
    r.answer("reason", choice("new-problem")).unwrap();
    r.answer("reason-detail", Answer::Text("Synthetic sore knee".into()))
        .unwrap();
    r.answer("new-symptoms", Answer::YesNo(true)).unwrap();
    r.answer(
        "symptoms",
        Answer::Choices(vec![
            OptionCode::new("fever").unwrap(),
            OptionCode::new("pain").unwrap(),
        ]),
    )
    .unwrap();
    r.answer("symptom-days", Answer::Number(3.0)).unwrap();
    r.answer("temperature", Answer::Number(100.4)).unwrap();
    r.answer("pain-level", Answer::Number(6.0)).unwrap();
    fhir::questionnaire_response(&r.finish(Timestamp::now()).unwrap(), &base())
}

fn submission(subject: FormSubject, response: FhirQuestionnaireResponse) -> IntakeSubmission {
    IntakeSubmission {
        id: IntakeResponseId::random(),
        clinic: ClinicId::new(1).unwrap(),
        subject,
        language: Language::Spanish,
        response,
    }
}

fn for_appointment(a: AppointmentId, response: FhirQuestionnaireResponse) -> IntakeSubmission {
    submission(FormSubject::Appointment(a), response)
}

fn deliver(office: &TestOffice, intake: &IntakeSubmission) -> Response {
    let key = frontdesk::sync::OfficeClient::new(&office.base, KIOSK_TOKEN)
        .unwrap()
        .config()
        .unwrap()
        .seal_public_key;
    let sealed = SealedDelivery::seal(&OutboxBody::Intake(Box::new(intake.clone())), &key).unwrap();
    Client::new()
        .post(format!("{}/api/kiosk/v1/outbox", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .json(&sealed)
        .send()
        .unwrap()
}

fn accepted(office: &TestOffice, intake: &IntakeSubmission) {
    let response = deliver(office, intake);
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.json::<SubmissionReceipt>().unwrap().outcome,
        SubmissionOutcome::Accepted
    );
}

fn refused(response: Response) -> ErrorBody {
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    response.json().expect("a JSON error body")
}

fn intake(office: &TestOffice) -> IntakeView {
    support::staff_get(format!("{}/api/staff/v1/intake", office.base))
        .unwrap()
        .json()
        .unwrap()
}

fn stored(office: &TestOffice) -> usize {
    let store = office.state.store.get().unwrap();
    let (start, end) = office
        .state
        .day_bounds(office.state.today(Timestamp::now()))
        .unwrap();
    store.intake_responses(start, end).unwrap().len()
}

/// The newest audit entries as (actor, action, subject), newest first.
fn audit(office: &TestOffice) -> Vec<(String, String, String)> {
    let store = office.state.store.get().unwrap();
    store
        .audit_log(200)
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action, e.subject))
        .collect()
}

fn flags_of(view: &IntakeView, a: AppointmentId) -> (bool, Vec<String>, bool) {
    let p = view
        .patients
        .iter()
        .find(|p| p.of == IntakeRowOf::Appointment(a))
        .expect("the patient has answers");
    (p.positive, p.flags.clone(), p.alert_open)
}

#[test]
fn a_response_is_stored_once_and_a_conflicting_redelivery_is_refused() {
    let (_dir, office) = office();
    let ada = handles(&office)[0];
    let first = for_appointment(ada, phq9([2, 2, 1, 1, 0, 0, 3, 1, 0]));
    accepted(&office, &first);
    // The kiosk never heard the answer and sends the same row again.
    let again = deliver(&office, &first);
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<SubmissionReceipt>().unwrap().outcome,
        SubmissionOutcome::AlreadyStored
    );
    // Other answers under the same id are not written over.
    let other = IntakeSubmission {
        response: phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ..first.clone()
    };
    let error = refused(deliver(&office, &other));
    assert_eq!(error.error, "intake_conflict");
    assert_eq!(stored(&office), 1);
    let (positive, flags, alert) = flags_of(&intake(&office), ada);
    assert!(positive && !alert);
    assert_eq!(flags, ["PHQ-2 positive (4/6)", "PHQ-9 10: moderate"]);
    let creates = audit(&office)
        .into_iter()
        .filter(|(actor, action, subject)| {
            actor == "kiosk:lobby-1"
                && action == "intake.create"
                && *subject == first.id.to_string()
        })
        .count();
    assert_eq!(creates, 1, "one audit row for one stored response");
}

#[test]
fn a_response_to_an_unknown_form_or_version_is_refused() {
    let (_dir, office) = office();
    let ada = handles(&office)[0];
    let mut newer = phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    newer.questionnaire = newer.questionnaire.replace("phq-9|1", "phq-9|7");
    let error = refused(deliver(&office, &for_appointment(ada, newer)));
    assert_eq!(error.error, "unknown_questionnaire");
    assert_eq!(
        error.message,
        "this office has no questionnaire 'phq-9' version '7'"
    );
    let mut unknown = phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    unknown.questionnaire = "https://clinic.example.org/fhir/Questionnaire/gad-7|1".into();
    assert_eq!(
        refused(deliver(&office, &for_appointment(ada, unknown))).error,
        "unknown_questionnaire"
    );
    let mut bare = phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]);
    bare.questionnaire = "phq-9".into();
    assert_eq!(
        refused(deliver(&office, &for_appointment(ada, bare))).error,
        "bad_questionnaire_reference"
    );
    assert_eq!(stored(&office), 0);
}

#[test]
fn answers_that_break_the_forms_rules_are_refused_with_the_question_named() {
    let (_dir, office) = office();
    let ada = handles(&office)[0];
    // A negative PHQ-2 (total 1) keeps items 3 to 9 hidden; an item 9 answer breaks that.
    let mut hidden = phq9([0, 1, 0, 0, 0, 0, 0, 0, 0]);
    let item9 = phq9([3, 3, 0, 0, 0, 0, 0, 0, 2])
        .item
        .into_iter()
        .find(|i| i.link_id == "phq9-9")
        .unwrap();
    hidden.item.push(item9);
    let error = refused(deliver(&office, &for_appointment(ada, hidden)));
    assert_eq!(error.error, "invalid_response");
    assert_eq!(
        error.message,
        "the answers do not fit the questionnaire: question 'phq9-9' is not shown given the answers so far"
    );
    // A required answer left out.
    let mut missing = phq9([2, 2, 1, 1, 0, 0, 3, 1, 0]);
    missing.item.retain(|i| i.link_id != "phq9-4");
    let error = refused(deliver(&office, &for_appointment(ada, missing)));
    assert!(
        error.message.contains("'phq9-4' is shown, required"),
        "{}",
        error.message
    );
    // Out of range, and a choice the form does not have.
    let mut pain = visit();
    for item in &mut pain.item {
        if item.link_id == "pain-level" {
            item.answer[0].value_integer = Some(12);
        }
    }
    let error = refused(deliver(&office, &for_appointment(ada, pain)));
    assert!(
        error.message.contains("'pain-level' is outside its range"),
        "{}",
        error.message
    );
    let mut odd = phq9([1, 1, 0, 0, 0, 0, 0, 0, 0]);
    odd.item[0].answer[0].value_coding.as_mut().unwrap().code = Some("4".into());
    assert_eq!(
        refused(deliver(&office, &for_appointment(ada, odd))).error,
        "invalid_response"
    );
    // Neither names what the patient answered.
    assert!(!error.message.contains("12"));
    assert_eq!(stored(&office), 0);
}

#[test]
fn the_office_scores_sample_answers_itself() {
    let (_dir, office) = office();
    let ids = handles(&office);
    let cases: [([u8; 9], bool, &[&str]); 5] = [
        // PHQ-2 negative: the rest of the PHQ-9 is never asked, no flag.
        ([1, 1, 0, 0, 0, 0, 0, 0, 0], false, &[]),
        // PHQ-2 positive at 3, PHQ-9 mild: the PHQ-2 flags the patient.
        (
            [2, 1, 1, 1, 1, 1, 1, 1, 0],
            true,
            &["PHQ-2 positive (3/6)", "PHQ-9 9: mild"],
        ),
        (
            [3, 3, 2, 2, 2, 1, 1, 1, 0],
            true,
            &["PHQ-2 positive (6/6)", "PHQ-9 15: moderately severe"],
        ),
        (
            [3, 3, 3, 3, 3, 3, 3, 3, 3],
            true,
            &["PHQ-2 positive (6/6)", "PHQ-9 27: severe"],
        ),
        (
            [2, 2, 0, 0, 0, 0, 0, 0, 0],
            true,
            &["PHQ-2 positive (4/6)", "PHQ-9 4: none–minimal"],
        ),
    ];
    for (n, (points, _, _)) in cases.iter().enumerate() {
        let mut response = phq9(*points);
        // What the kiosk wrote as totals counts for nothing.
        for item in &mut response.item {
            if item.link_id.ends_with("-score") {
                item.answer[0].value_integer = Some(0);
            }
        }
        accepted(&office, &for_appointment(ids[n], response));
    }
    let view = intake(&office);
    for (n, (_, positive, flags)) in cases.iter().enumerate() {
        let (p, f, alert) = flags_of(&view, ids[n]);
        assert_eq!((p, alert), (*positive, n == 3), "case {n}");
        assert_eq!(f, *flags, "case {n}");
    }
    // The served FHIR JSON carries the office's totals, not the kiosk's zeros.
    let store = office.state.store.get().unwrap();
    let row = store
        .intake_of(FormSubject::Appointment(ids[3]))
        .unwrap()
        .pop()
        .unwrap();
    drop(store);
    let served: FhirQuestionnaireResponse = support::staff_get(format!(
        "{}/api/staff/v1/intake/{}/fhir",
        office.base, row.submission.id
    ))
    .unwrap()
    .json()
    .unwrap();
    let total = served
        .item
        .iter()
        .find(|i| i.link_id == "phq9-score")
        .and_then(|i| i.answer[0].value_integer);
    assert_eq!(total, Some(27));
}

#[test]
fn item_9_raises_an_alert_only_above_not_at_all_until_staff_acknowledge_it() {
    let (_dir, office) = office();
    let ids = handles(&office);
    let mut live = office.state.events.resume(None).live;
    // Item 9 "not at all" with a high total: flagged, no alert.
    accepted(
        &office,
        &for_appointment(ids[0], phq9([3, 3, 3, 3, 3, 3, 3, 3, 0])),
    );
    assert!(intake(&office).alerts.is_empty());
    let quiet = live.try_recv().unwrap().event;
    assert!(
        matches!(quiet, QueueEvent::IntakeReceived { alert: false, .. }),
        "{quiet:?}"
    );
    // Item 9 "several days" with a low total: the alert.
    let raised = for_appointment(ids[1], phq9([2, 1, 0, 0, 0, 0, 0, 0, 1]));
    accepted(&office, &raised);
    assert_eq!(
        live.try_recv().unwrap().event,
        QueueEvent::IntakeReceived {
            response: raised.id,
            alert: true
        }
    );
    let view = intake(&office);
    assert_eq!(view.alerts.len(), 1);
    let alert = &view.alerts[0];
    assert_eq!(alert.response, raised.id);
    assert_eq!(
        alert.patient.as_ref().map(|p| p.as_str()),
        Some("Sample, Bruno")
    );
    assert_eq!(alert.kiosk.as_str(), "lobby-1");
    assert_eq!(alert.lines.len(), 1);
    assert_eq!(alert.lines[0].label, "PHQ-9 item 9");
    assert_eq!(
        alert.lines[0].question,
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    );
    assert_eq!(alert.lines[0].answer, "Several days (1)");
    assert!(flags_of(&view, ids[1]).2, "the row shows it too");
    // A reload (a new page) still has it.
    assert_eq!(intake(&office).alerts.len(), 1);

    let ack = |id: IntakeResponseId| {
        support::staff()
            .post(format!(
                "{}/api/staff/v1/intake/{id}/acknowledge",
                office.base
            ))
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(ack(raised.id), StatusCode::NO_CONTENT);
    assert_eq!(
        live.try_recv().unwrap().event,
        QueueEvent::IntakeAlertAcknowledged {
            response: raised.id
        }
    );
    let after = intake(&office);
    assert!(after.alerts.is_empty());
    let row = after
        .patients
        .iter()
        .find(|p| p.of == IntakeRowOf::Appointment(ids[1]))
        .unwrap();
    assert!(!row.alert_open && row.alert_acknowledged);
    // A second tap (another desk) changes nothing; no alert, no response: refused.
    assert_eq!(ack(raised.id), StatusCode::NO_CONTENT);
    let quiet_id = office
        .state
        .store
        .get()
        .unwrap()
        .intake_of(FormSubject::Appointment(ids[0]))
        .unwrap()[0]
        .submission
        .id;
    assert_eq!(ack(quiet_id), StatusCode::CONFLICT);
    assert_eq!(ack(IntakeResponseId::random()), StatusCode::NOT_FOUND);

    let log = audit(&office);
    let has = |actor: &str, action: &str| {
        log.iter()
            .filter(|(a, b, c)| a == actor && b == action && *c == raised.id.to_string())
            .count()
    };
    assert_eq!(has("kiosk:lobby-1", "intake.alert.raise"), 1);
    assert_eq!(
        has(
            &support::staff_actor(&office.base),
            "intake.alert.acknowledge"
        ),
        1,
        "once, not per tap"
    );
    assert!(log.iter().any(|(_, action, _)| action == "intake.view"));
    // Who and when stay on the answers page.
    let page = support::staff_get(format!(
        "{}/staff/answers/appointment/{}",
        office.base,
        ids[1].get()
    ))
    .unwrap()
    .text()
    .unwrap();
    let by = support::staff_actor(&office.base).replace("staff:", "staff user ");
    assert!(
        page.contains(&format!("acknowledged by {by} at ")),
        "{page}"
    );
}

#[test]
fn staff_read_the_answers_and_the_fhir_json_audited() {
    let (_dir, office) = office();
    let ada = handles(&office)[0];
    let visit = for_appointment(ada, visit());
    accepted(&office, &visit);
    let phq = for_appointment(ada, phq9([2, 2, 1, 1, 0, 0, 3, 1, 0]));
    accepted(&office, &phq);

    let url = format!("{}/staff/answers/appointment/{}", office.base, ada.get());
    let response = support::staff_get(&url).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().unwrap();
    for text in [
        "Testpatient, Ada",
        "Reason for your visit",
        "A new health problem",
        "Synthetic sore knee",
        "Fever or chills; Other pain",
        "100.4 °F",
        "in Spanish",
        "Feeling down, depressed, or hopeless</th><td>More than half the days (2)",
        "PHQ-2 4/6 · PHQ-9 10/27, moderate — positive screen",
    ] {
        assert!(page.contains(text), "{text} not in {page}");
    }
    assert!(audit(&office).iter().any(|(actor, action, subject)| *actor
        == support::staff_actor(&office.base)
        && action == "intake.answers.view"
        && *subject == format!("appointment:{ada}")));
    let nobody = format!("{}/staff/answers/appointment/1", office.base);
    assert_eq!(
        support::staff_get(nobody).unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // The FHIR JSON, checked against R4's structure and its Questionnaire.
    for (sent, form_id) in [(&visit, "reason-for-visit"), (&phq, "phq-9")] {
        let response = support::staff_get(format!(
            "{}/api/staff/v1/intake/{}/fhir",
            office.base, sent.id
        ))
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/fhir+json");
        let json: serde_json::Value = response.json().unwrap();
        let q = serde_json::to_value(fhir::questionnaire(&form(form_id), &base())).unwrap();
        fhir_support::check_response(&json, &q);
        assert_eq!(json, serde_json::to_value(&sent.response).unwrap());
        assert!(audit(&office).iter().any(|(_, action, subject)| {
            action == "intake.fhir.view" && *subject == sent.id.to_string()
        }));
    }
}

#[test]
fn a_new_patients_answers_belong_to_the_registration() {
    let (_dir, office) = office();
    let registration = support::sample_registration("Intaketest");
    support::deliver_registration(&office.base, &registration);
    let answers = submission(
        FormSubject::Registration(registration.id),
        phq9([2, 2, 0, 0, 0, 0, 0, 0, 2]),
    );
    accepted(&office, &answers);
    let view = intake(&office);
    let of = IntakeRowOf::Registration(registration.id);
    assert!(
        view.patients
            .iter()
            .any(|p| p.of == of && p.positive && p.alert_open)
    );
    assert_eq!(
        view.alerts[0].patient.as_ref().map(|p| p.as_str()),
        Some("Intaketest, Adaqueen")
    );
    // A registration the office never received.
    let stranger = submission(
        FormSubject::Registration(RegistrationId::random()),
        phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]),
    );
    assert_eq!(
        refused(deliver(&office, &stranger)).error,
        "unknown_subject"
    );
    let page = support::staff_get(format!("{}{}", office.base, view.alerts[0].answers_url))
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("not yet acknowledged"), "{page}");
    assert!(page.contains("Intaketest, Adaqueen"), "{page}");

    // Once staff accept the registration, the answers go with the walk-in appointment.
    let accepted: frontdesk::office::registrations::AcceptView = support::staff()
        .post(format!(
            "{}/api/staff/v1/registrations/{}/accept",
            office.base, registration.id
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let walk_in = accepted.appointment.unwrap();
    let view = intake(&office);
    assert!(flags_of(&view, walk_in).0);
    assert_eq!(view.alerts[0].of, IntakeRowOf::Appointment(walk_in));
    let page = support::staff_get(format!(
        "{}/staff/answers/appointment/{}",
        office.base,
        walk_in.get()
    ))
    .unwrap()
    .text()
    .unwrap();
    assert!(
        page.contains("Thoughts that you would be better off dead"),
        "{page}"
    );
}

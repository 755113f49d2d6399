//! Retention over real HTTP on loopback: a check-in's intake answers, consent signature
//! and card photo are removed `keep_days` days after its visit day (not a day before),
//! another patient's not yet due are left alone, the check-in row and the consent's
//! "signed" stay, the staff routes answer "removed under the retention policy" (410)
//! instead of failing, and the audit log records each purge by check-in id. The pass is
//! run with `now` given, as the hub's background task runs it with the clock's. All
//! patients are synthetic.

mod support;

use frontdesk::api::{
    CardPhotoSubmission, CheckInSubmission, CoverageSubmission, FormSubject, IntakeSubmission,
    OutboxBody,
};
use frontdesk::domain::{
    AppointmentId, CardPhotoId, CardSide, CheckInId, ClinicId, CoverageAnswer, CoverageRank,
    CoverageSource, CoverageSubmissionId, Coverages, IntakeResponseId, Language, PersonName,
    SignedConsentId,
};
use frontdesk::office::audit::routes::AuditPage;
use frontdesk::office::consents::ConsentsView;
use frontdesk::office::retention::{self, RetentionPolicy};
use frontdesk::office::store::{NewAppointment, Purged};
use frontdesk::questionnaire::fhir::{CanonicalBase, questionnaire_response};
use frontdesk::questionnaire::{Answer, OptionCode, Responses, defaults};
use jiff::civil::{Date, time};
use jiff::{Timestamp, ToSpan};
use reqwest::StatusCode;
use std::sync::Arc;
use support::{TestOffice, post_sealed, sample_consent, staff_get};

const KEEP_DAYS: u16 = 30;

fn deliver(office: &TestOffice, body: OutboxBody) {
    let response = post_sealed(&office.base, &body);
    assert!(response.status().is_success(), "{}", response.status());
}

fn check_in(office: &TestOffice, appointment: AppointmentId) -> CheckInId {
    let id = CheckInId::random();
    deliver(
        office,
        OutboxBody::CheckIn(CheckInSubmission {
            id,
            clinic: ClinicId::new(1).unwrap(),
            appointment,
            arrived_at: Timestamp::now(),
        }),
    );
    id
}

fn sign(office: &TestOffice, appointment: AppointmentId) -> SignedConsentId {
    let consent = sample_consent(
        FormSubject::Appointment(appointment),
        "privacy-notice",
        1,
        Language::English,
    );
    deliver(office, OutboxBody::Consent(Box::new(consent.clone())));
    consent.id
}

/// The PHQ-9 answered "not at all" throughout: no flag, no alert.
fn answer_questions(office: &TestOffice, appointment: AppointmentId) -> IntakeResponseId {
    let form = Arc::new(
        defaults::all()
            .into_iter()
            .find(|q| q.id.as_str() == "phq-9")
            .unwrap(),
    );
    let mut responses = Responses::new(Arc::clone(&form));
    for i in 1..=9 {
        let id = format!("phq9-{i}");
        if form.question(&id).is_some_and(|q| responses.is_shown(q)) {
            responses
                .answer(&id, Answer::Choice(OptionCode::new("0").unwrap()))
                .unwrap();
        }
    }
    let canonical = CanonicalBase::new(frontdesk::office::forms::DEFAULT_CANONICAL_BASE).unwrap();
    let id = IntakeResponseId::random();
    deliver(
        office,
        OutboxBody::Intake(Box::new(IntakeSubmission {
            id,
            clinic: ClinicId::new(1).unwrap(),
            subject: FormSubject::Appointment(appointment),
            language: Language::English,
            response: questionnaire_response(
                &responses.finish(Timestamp::now()).unwrap(),
                &canonical,
            ),
        })),
    );
    id
}

/// Insurance with a photo of the card's front (a synthetic JPEG header).
fn photograph_card(office: &TestOffice, appointment: AppointmentId) -> CardPhotoId {
    let coverage =
        support::sample_coverage(CoverageRank::Primary, "TST0001", CoverageSource::CardPhoto);
    let answer = CoverageSubmission {
        id: CoverageSubmissionId::random(),
        clinic: ClinicId::new(1).unwrap(),
        subject: FormSubject::Appointment(appointment),
        submitted_at: Timestamp::now(),
        language: Language::English,
        answer: CoverageAnswer::Coverages(Coverages::new(vec![coverage]).unwrap()),
    };
    let photo = CardPhotoSubmission {
        id: CardPhotoId::random(),
        clinic: ClinicId::new(1).unwrap(),
        subject: FormSubject::Appointment(appointment),
        coverage: answer.id,
        rank: CoverageRank::Primary,
        side: CardSide::Front,
        taken_at: Timestamp::now(),
        jpeg: vec![0xFF, 0xD8, 0xFF, 0xE0, 0x11, 0x22],
    };
    deliver(office, OutboxBody::Coverage(Box::new(answer)));
    deliver(office, OutboxBody::CardPhoto(Box::new(photo.clone())));
    photo.id
}

/// Noon at the test clinic `days` days after `day`.
fn noon_after(day: Date, days: i64) -> Timestamp {
    day.checked_add(days.days())
        .unwrap()
        .to_datetime(time(12, 0, 0, 0))
        .to_zoned(support::clinic_zone())
        .unwrap()
        .timestamp()
}

fn purge_at(office: &TestOffice, now: Timestamp) -> Purged {
    let policy = RetentionPolicy::of(&office.state.config, office.state.timezone.clone())
        .expect("retention is configured");
    retention::purge(&office.state.store, &policy, now).unwrap()
}

fn status(url: String) -> (StatusCode, String) {
    let response = staff_get(url).unwrap();
    (response.status(), response.text().unwrap())
}

#[test]
fn a_check_ins_phi_goes_at_n_days_after_the_visit_not_before_and_staff_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let office = support::start_office_with(dir.path(), "127.0.0.1:0".parse().unwrap(), |c| {
        c.retention.keep_days = Some(KEEP_DAYS);
    });
    let base = office.base.clone();
    let today = office.state.today(Timestamp::now());
    let ada = support::first_appointment_id(&office);
    // Bruno's visit is tomorrow: due a day after Ada's.
    let tomorrow = today.tomorrow().unwrap();
    office
        .state
        .store
        .get()
        .unwrap()
        .import_appointments(&[NewAppointment {
            external_id: "RET-BRUNO".into(),
            day: tomorrow,
            starts_at: time(9, 0, 0, 0),
            patient: PersonName::new("Bruno", "Testpatient").unwrap(),
            provider: "Dr. Example".into(),
            copay: frontdesk::domain::Cents::new(0),
            balance: frontdesk::domain::Cents::new(0),
            date_of_birth: None,
            contact: None,
            patient_id: None,
            reminders: Default::default(),
        }])
        .unwrap();
    let bruno = office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(tomorrow)
        .unwrap()[0]
        .id;

    let ada_check_in = check_in(&office, ada);
    let ada_consent = sign(&office, ada);
    answer_questions(&office, ada);
    let ada_photo = photograph_card(&office, ada);
    check_in(&office, bruno);
    let bruno_consent = sign(&office, bruno);

    let answers = format!("{base}/staff/answers/appointment/{}", ada.get());
    let signature = |id: SignedConsentId| format!("{base}/staff/consents/{id}/signature.png");
    let copy = format!("{base}/staff/consents/{ada_consent}/signed-copy.pdf");
    let photo = format!("{base}/staff/insurance/photos/{ada_photo}");
    for url in [&answers, &signature(ada_consent), &copy, &photo] {
        assert_eq!(status(url.clone()).0, StatusCode::OK, "{url} before");
    }

    // A day short of N: nothing goes.
    let day_29 = noon_after(today, i64::from(KEEP_DAYS) - 1);
    assert_eq!(purge_at(&office, day_29), Purged::default());
    for url in [&answers, &signature(ada_consent), &copy, &photo] {
        assert_eq!(status(url.clone()).0, StatusCode::OK, "{url} at N-1 days");
    }

    // N days after Ada's visit: her answers, signature and photo go (one row each).
    let day_30 = noon_after(today, i64::from(KEEP_DAYS));
    assert_eq!(
        purge_at(&office, day_30),
        Purged {
            check_ins: 1,
            unarrived: 0,
            rows: 3
        }
    );
    let (code, page) = status(answers.clone());
    assert_eq!(code, StatusCode::GONE);
    assert!(
        page.contains("removed under the retention policy"),
        "{page}"
    );
    for url in [&signature(ada_consent), &copy, &photo] {
        let (code, body) = status(url.clone());
        assert_eq!(code, StatusCode::GONE, "{url}");
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"], "removed_by_retention");
        assert_eq!(body["message"], "removed under the retention policy");
    }
    // Bruno's visit is a day later: his signature is still there.
    assert_eq!(status(signature(bruno_consent)).0, StatusCode::OK);

    // What staff still need stays: the check-in in the queue, the consent as signed.
    let queue = office.queue();
    assert!(
        queue
            .checked_in
            .iter()
            .any(|row| row.check_in == ada_check_in)
    );
    let consents: ConsentsView = staff_get(format!("{base}/api/staff/v1/consents"))
        .unwrap()
        .json()
        .unwrap();
    let ada_signed = consents
        .appointments
        .iter()
        .find(|s| s.subject == FormSubject::Appointment(ada))
        .expect("Ada's consents are listed");
    assert_eq!(
        ada_signed.signed.len(),
        1,
        "the version still counts as signed"
    );
    assert!(ada_signed.signed[0].signature_removed);

    // The audit log names the check-in, nothing else.
    let purges: AuditPage = staff_get(format!(
        "{base}/api/staff/v1/audit?action=retention.purge&from=2000-01-01T00:00:00Z"
    ))
    .unwrap()
    .json()
    .unwrap();
    assert_eq!(purges.entries.len(), 1);
    assert_eq!(purges.entries[0].subject, ada_check_in.to_string());
    assert_eq!(purges.entries[0].actor, "system");

    // Again at day 30: nothing more. A day later Bruno's goes.
    assert_eq!(purge_at(&office, day_30), Purged::default());
    let bruno_day_30 = noon_after(tomorrow, i64::from(KEEP_DAYS));
    assert_eq!(
        purge_at(&office, bruno_day_30),
        Purged {
            check_ins: 1,
            unarrived: 0,
            rows: 1
        }
    );
    assert_eq!(status(signature(bruno_consent)).0, StatusCode::GONE);
}

#[test]
fn without_a_retention_section_nothing_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let office = support::start_office(dir.path(), "127.0.0.1:0".parse().unwrap());
    assert!(RetentionPolicy::of(&office.state.config, office.state.timezone.clone()).is_none());
}

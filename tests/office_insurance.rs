//! Insurance at the office over real HTTP on loopback: the payer list with its ETag, the
//! coverage on file and the amount due (404 when not today's, audited), coverage answers
//! and card photos delivered sealed and stored once, and eligibility through the
//! clearinghouse simulator end to end: an active member's co-pay in `/due` and on the
//! staff view; inactive, not found, a slow or absent clearinghouse "not verified" with the
//! check-in still fine; a re-check.

mod support;

use frontdesk::api::{
    AppointmentDue, CardPhotoSubmission, CoverageOnFile, CoverageSubmission, FormSubject,
    InsuranceReference, OutboxBody,
};
use frontdesk::domain::{
    AppointmentId, CardPhotoId, CardSide, ClinicId, Coverage, CoverageAnswer, CoverageRank,
    CoverageSource, CoverageSubmissionId, Coverages, Language, Payer, PayerName,
    SubscriberRelationship,
};
use frontdesk::office::coverage::{InsuranceView, SubjectInsurance};
use frontdesk::office::store::NewAppointment;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::time::Duration;
use support::{KIOSK_TOKEN, TestOffice, start_office_with, wait_until};

fn office_with(dir: &std::path::Path, url: Option<String>, timeout_ms: u64) -> TestOffice {
    start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        config.eligibility.clearinghouse_url = url;
        config.eligibility.timeout_ms = timeout_ms;
    })
}

fn coverage(rank: CoverageRank, member: &str, source: CoverageSource) -> Coverage {
    support::sample_coverage(rank, member, source)
}

fn submission(appointment: AppointmentId, answer: CoverageAnswer) -> CoverageSubmission {
    CoverageSubmission {
        id: CoverageSubmissionId::random(),
        clinic: ClinicId::new(1).unwrap(),
        subject: FormSubject::Appointment(appointment),
        submitted_at: Timestamp::now(),
        language: Language::English,
        answer,
    }
}

fn typed(appointment: AppointmentId, member: &str) -> CoverageSubmission {
    submission(
        appointment,
        CoverageAnswer::Coverages(
            Coverages::new(vec![coverage(
                CoverageRank::Primary,
                member,
                CoverageSource::Typed,
            )])
            .unwrap(),
        ),
    )
}

fn deliver(office: &TestOffice, body: OutboxBody) -> StatusCode {
    support::post_sealed(&office.base, &body).status()
}

fn kiosk_get(office: &TestOffice, path: &str) -> reqwest::blocking::Response {
    Client::new()
        .get(format!("{}{path}", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .send()
        .unwrap()
}

fn appointments(office: &TestOffice) -> Vec<AppointmentId> {
    let today = office.state.today(Timestamp::now());
    let store = office.state.store.get().unwrap();
    store
        .appointments_on(today)
        .unwrap()
        .iter()
        .map(|a| a.id)
        .collect()
}

fn audit_actions(office: &TestOffice) -> Vec<(String, String)> {
    let store = office.state.store.get().unwrap();
    store
        .audit_log(1000)
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.subject))
        .collect()
}

fn insurance_of(office: &TestOffice, appointment: AppointmentId) -> Option<SubjectInsurance> {
    let view: InsuranceView = support::staff_get(format!("{}/api/staff/v1/insurance", office.base))
        .unwrap()
        .json()
        .unwrap();
    view.appointments
        .into_iter()
        .find(|s| s.subject == FormSubject::Appointment(appointment))
}

/// Waits until the primary coverage's eligibility is no longer unchecked or running.
fn settled(office: &TestOffice, appointment: AppointmentId) -> SubjectInsurance {
    wait_until("the eligibility check", || {
        insurance_of(office, appointment).filter(|s| {
            s.coverages
                .first()
                .and_then(|c| c.eligibility.as_ref())
                .is_some_and(|e| e.state != "checking")
        })
    })
}

fn due(office: &TestOffice, appointment: AppointmentId) -> AppointmentDue {
    let res = kiosk_get(
        office,
        &format!("/api/kiosk/v1/appointments/{}/due", appointment.get()),
    );
    assert_eq!(res.status(), StatusCode::OK);
    res.json().unwrap()
}

#[test]
fn the_payer_list_is_served_with_its_etag() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with(dir.path(), None, 5000);
    let res = kiosk_get(&office, "/api/kiosk/v1/insurance");
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let reference: InsuranceReference = res.json().unwrap();
    assert_eq!(etag, format!("\"{}\"", reference.revision));
    assert!(
        reference
            .payers
            .iter()
            .any(|p| p.id.as_str() == "TSTPAYER1" && p.name.as_str() == "Testpayer Health Plan")
    );
    assert!(reference.shc_issuers.is_empty());
    let again = Client::new()
        .get(format!("{}/api/kiosk/v1/insurance", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .header("If-None-Match", &etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let anonymous = support::staff_get(format!("{}/api/kiosk/v1/insurance", office.base)).unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn coverage_on_file_and_due_are_todays_only_and_audited() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with(dir.path(), None, 5000);
    let ada = appointments(&office)[0];
    let tomorrow = {
        let today = office.state.today(Timestamp::now());
        let mut list = frontdesk::office::appointments::demo_set(today.tomorrow().unwrap());
        list.truncate(1);
        let mut store = office.state.store.get().unwrap();
        store.import_appointments(&list).unwrap();
        let day: &NewAppointment = &list[0];
        store.appointments_on(day.day).unwrap()[0].id
    };
    for path in ["coverage", "due"] {
        for handle in [tomorrow.get().to_string(), "12345".into(), "abc".into()] {
            let res = kiosk_get(
                &office,
                &format!("/api/kiosk/v1/appointments/{handle}/{path}"),
            );
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path} {handle}");
        }
    }
    let on_file: CoverageOnFile = kiosk_get(
        &office,
        &format!("/api/kiosk/v1/appointments/{}/coverage", ada.get()),
    )
    .json()
    .unwrap();
    assert_eq!(on_file.appointment, ada);
    assert!(on_file.coverages.is_empty());
    let owed = due(&office, ada);
    assert_eq!(owed.due.copay.get(), 2500);
    assert!(!owed.copay_verified);
    let audit = audit_actions(&office);
    for action in ["coverage.disclose", "due.disclose"] {
        let rows: Vec<_> = audit.iter().filter(|(a, _)| a == action).collect();
        assert_eq!(rows.len(), 1, "{action}: {audit:?}");
        assert_eq!(rows[0].1, ada.to_string());
    }

    // After an answer, the kiosk sees the payer and the last four only.
    assert_eq!(
        deliver(
            &office,
            OutboxBody::Coverage(Box::new(typed(ada, "TST-000042")))
        ),
        StatusCode::CREATED
    );
    let on_file: CoverageOnFile = kiosk_get(
        &office,
        &format!("/api/kiosk/v1/appointments/{}/coverage", ada.get()),
    )
    .json()
    .unwrap();
    assert_eq!(on_file.coverages.len(), 1);
    assert_eq!(on_file.coverages[0].member_id_last_four, "0042");
    assert_eq!(
        on_file.coverages[0].payer_name.as_str(),
        "Testpayer Health Plan"
    );
    // No clearinghouse configured: "not verified", the scheduled co-pay stands.
    let seen = settled(&office, ada);
    assert_eq!(
        seen.coverages[0].eligibility.as_ref().unwrap().label,
        "Not verified: no clearinghouse configured"
    );
    assert!(!due(&office, ada).copay_verified);
}

#[test]
fn answers_and_photos_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with(dir.path(), None, 5000);
    let [ada, bruno, carmen, ..] = appointments(&office)[..] else {
        panic!("demo day")
    };
    let answer = typed(ada, "TST0001");
    let body = OutboxBody::Coverage(Box::new(answer.clone()));
    assert_eq!(deliver(&office, body.clone()), StatusCode::CREATED);
    assert_eq!(deliver(&office, body), StatusCode::OK);
    let mut other = typed(ada, "TST0002");
    other.id = answer.id;
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(other))),
        StatusCode::CONFLICT
    );
    let mut wrong = typed(ada, "TST0001");
    wrong.clinic = ClinicId::new(2).unwrap();
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(wrong))),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let unknown = typed(AppointmentId::new(77), "TST0001");
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(unknown))),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Photos: a JPEG stored once and served to staff, audited; anything else refused.
    let jpeg = [
        &[0xFF, 0xD8, 0xFF, 0xE0][..],
        &[7u8; 600][..],
        &[0xFF, 0xD9][..],
    ]
    .concat();
    let photo = CardPhotoSubmission {
        id: CardPhotoId::random(),
        clinic: ClinicId::new(1).unwrap(),
        subject: FormSubject::Appointment(ada),
        coverage: answer.id,
        rank: CoverageRank::Primary,
        side: CardSide::Front,
        taken_at: Timestamp::now(),
        jpeg: jpeg.clone(),
    };
    let body = OutboxBody::CardPhoto(Box::new(photo.clone()));
    assert_eq!(deliver(&office, body.clone()), StatusCode::CREATED);
    assert_eq!(deliver(&office, body), StatusCode::OK);
    let mut png = photo.clone();
    png.id = CardPhotoId::random();
    png.jpeg = b"\x89PNG\r\n\x1a\n....".to_vec();
    assert_eq!(
        deliver(&office, OutboxBody::CardPhoto(Box::new(png))),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // A photo near the size limit passes the body limit.
    let mut big = photo.clone();
    big.id = CardPhotoId::random();
    big.side = CardSide::Back;
    big.jpeg = [&[0xFF, 0xD8, 0xFF][..], &vec![0x55; 1_500_000][..]].concat();
    assert_eq!(
        deliver(&office, OutboxBody::CardPhoto(Box::new(big))),
        StatusCode::CREATED
    );

    let seen = insurance_of(&office, ada).unwrap();
    assert_eq!(seen.answer, "coverages");
    assert_eq!(seen.coverages[0].member_id_masked, "•••• 0001");
    assert_eq!(seen.coverages[0].source, "typed");
    assert_eq!(seen.photos.len(), 2);
    assert_eq!(seen.photos[0].side, "front");
    let served = support::staff_get(format!("{}{}", office.base, seen.photos[0].url)).unwrap();
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.bytes().unwrap().to_vec(), jpeg);
    let revealed: serde_json::Value = support::staff()
        .post(format!("{}{}", office.base, seen.coverages[0].reveal_url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(revealed["member_id"], "TST0001");
    let audit = audit_actions(&office);
    for (action, count) in [
        ("coverage.create", 1),
        ("card_photo.create", 2),
        ("card_photo.view", 1),
        ("insurance.member_id.reveal", 1),
    ] {
        assert_eq!(
            audit.iter().filter(|(a, _)| a == action).count(),
            count,
            "{action}: {audit:?}"
        );
    }
    assert!(audit.iter().any(|(a, _)| a == "insurance.view"));

    // "Unchanged" copies Ada's coverage forward; self-pay is recorded as such.
    let unchanged = submission(ada, CoverageAnswer::UnchangedOnFile);
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(unchanged.clone()))),
        StatusCode::CREATED
    );
    let seen = insurance_of(&office, ada).unwrap();
    assert_eq!(
        (seen.coverage, seen.answer.as_str()),
        (unchanged.id, "unchanged_on_file")
    );
    assert_eq!(seen.coverages[0].member_id_masked, "•••• 0001");
    assert!(!seen.nothing_on_file);
    let nothing = submission(bruno, CoverageAnswer::UnchangedOnFile);
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(nothing))),
        StatusCode::CREATED
    );
    assert!(insurance_of(&office, bruno).unwrap().nothing_on_file);
    let self_pay = submission(carmen, CoverageAnswer::SelfPay);
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(self_pay))),
        StatusCode::CREATED
    );
    let seen = insurance_of(&office, carmen).unwrap();
    assert_eq!(seen.answer, "self_pay");
    assert!(seen.coverages.is_empty());
}

#[test]
fn a_smart_health_card_is_verified_again_at_the_office() {
    use frontdesk::scan::shc_sample;
    let dir = tempfile::tempdir().unwrap();
    let issuers = dir.path().join("issuers");
    std::fs::create_dir_all(&issuers).unwrap();
    let mut jwks: serde_json::Value = serde_json::from_str(&shc_sample::jwks()).unwrap();
    jwks["iss"] = shc_sample::ISSUER.into();
    std::fs::write(issuers.join("testpayer.json"), jwks.to_string()).unwrap();
    let trusting = start_office_with(&dir.path().join("a"), "127.0.0.1:0".parse().unwrap(), |c| {
        c.insurance.shc_issuers_dir = Some(issuers.clone());
    });
    let reference: InsuranceReference = kiosk_get(&trusting, "/api/kiosk/v1/insurance")
        .json()
        .unwrap();
    assert_eq!(reference.shc_issuers.len(), 1);
    assert_eq!(reference.shc_issuers[0].iss, shc_sample::ISSUER);
    let untrusting = office_with(&dir.path().join("b"), None, 5000);

    let card = shc_sample::card_jws(Timestamp::now().as_second() - 60);
    for (office, want, flagged) in [
        (&trusting, "smart health card verified", false),
        (
            &untrusting,
            "typed (smart health card could not be verified)",
            true,
        ),
    ] {
        let ada = appointments(office)[0];
        let answer = submission(
            ada,
            CoverageAnswer::Coverages(
                Coverages::new(vec![coverage(
                    CoverageRank::Primary,
                    "TST000123401",
                    CoverageSource::SmartHealthCard { jws: card.clone() },
                )])
                .unwrap(),
            ),
        );
        assert_eq!(
            deliver(office, OutboxBody::Coverage(Box::new(answer))),
            StatusCode::CREATED
        );
        let seen = insurance_of(office, ada).unwrap();
        assert_eq!(seen.coverages[0].source, want);
        assert_eq!(seen.coverages[0].source_flagged, flagged);
    }
}

#[test]
fn eligibility_through_the_simulator_sets_the_copay_or_says_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    // TST0003 answers after 30 s; the office waits 1.5 s.
    let url = support::start_clearinghouse(Duration::from_secs(30));
    let office = office_with(&dir.path().join("up"), Some(url), 1500);
    let ids = appointments(&office);
    let check_in = support::check_in_first(&office.base);

    // Ada: active, the office-visit co-pay in network is $30.00.
    let ada = ids[0];
    assert_eq!(due(&office, ada).due.copay.get(), 2500);
    let answer = typed(ada, "TST0001");
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(answer.clone()))),
        StatusCode::CREATED
    );
    let seen = settled(&office, ada);
    let eligibility = seen.coverages[0].eligibility.clone().unwrap();
    assert_eq!(eligibility.state, "active");
    assert_eq!(eligibility.label, "Active, co-pay $30.00");
    assert_eq!(eligibility.plan_name.as_deref(), Some("TESTPAYER GOLD PPO"));
    let owed = due(&office, ada);
    assert_eq!((owed.due.copay.get(), owed.copay_verified), (3000, true));
    // The roster kiosks fetch and the staff queue carry it too.
    let roster = frontdesk::sync::OfficeClient::new(&office.base, KIOSK_TOKEN)
        .unwrap()
        .roster()
        .unwrap();
    let entry = roster
        .entries
        .iter()
        .find(|e| e.appointment == ada)
        .unwrap();
    assert_eq!(entry.due.copay.get(), 3000);
    let queued = office
        .queue()
        .checked_in
        .into_iter()
        .find(|r| r.appointment == ada)
        .unwrap();
    assert_eq!(queued.due.unwrap().copay.get(), 3000);

    // Re-check: audited, checked again.
    let first_at = eligibility.checked_at.unwrap();
    let res = support::staff()
        .post(format!("{}{}", office.base, seen.recheck_url))
        .send()
        .unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    wait_until("the re-check", || {
        let e = insurance_of(&office, ada)?.coverages[0]
            .eligibility
            .clone()?;
        (e.state == "active" && e.checked_at? > first_at).then_some(())
    });
    assert!(
        audit_actions(&office)
            .iter()
            .any(|(a, s)| a == "eligibility.recheck" && *s == answer.id.to_string())
    );

    // Ada changes her answer to self-pay: the scheduled co-pay is back.
    assert_eq!(
        deliver(
            &office,
            OutboxBody::Coverage(Box::new(submission(ada, CoverageAnswer::SelfPay)))
        ),
        StatusCode::CREATED
    );
    let owed = due(&office, ada);
    assert_eq!((owed.due.copay.get(), owed.copay_verified), (2500, false));

    // Inactive, not found, too slow: the scheduled co-pay stands.
    for (i, member, state, label) in [
        (1, "TST0002", "inactive", "Inactive"),
        (2, "TST0099", "not_found", "Not found"),
        (3, "TST0003", "not_verified", "Not verified: timeout"),
    ] {
        let appointment = ids[i];
        let scheduled = due(&office, appointment).due.copay;
        assert_eq!(
            deliver(
                &office,
                OutboxBody::Coverage(Box::new(typed(appointment, member)))
            ),
            StatusCode::CREATED
        );
        let e = settled(&office, appointment).coverages[0]
            .eligibility
            .clone()
            .unwrap();
        assert_eq!(
            (e.state.as_str(), e.label.as_str()),
            (state, label),
            "{member}"
        );
        let owed = due(&office, appointment);
        assert_eq!(
            (owed.due.copay, owed.copay_verified),
            (scheduled, false),
            "{member}"
        );
    }
    // A payer the office does not list: no check, the desk sorts it out.
    let unlisted = ids[4];
    let mut answer = typed(unlisted, "TST0001");
    if let CoverageAnswer::Coverages(coverages) = &mut answer.answer {
        let c = coverages.primary();
        let other = Coverage::new(
            CoverageRank::Primary,
            Payer {
                id: None,
                name: PayerName::new("Some Other Plan").unwrap(),
            },
            c.member_id().clone(),
            None,
            SubscriberRelationship::Patient,
            None,
            CoverageSource::Typed,
        )
        .unwrap();
        *coverages = Coverages::new(vec![other]).unwrap();
    }
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(answer))),
        StatusCode::CREATED
    );
    let e = settled(&office, unlisted).coverages[0]
        .eligibility
        .clone()
        .unwrap();
    assert_eq!(e.label, "Not verified: payer not on the office's list");

    // A new patient's registration: checked with the name and birth date registered.
    let registration = support::sample_registration("Insured");
    support::deliver_registration(&office.base, &registration);
    let mut answer = typed(ids[0], "TST0001");
    answer.id = CoverageSubmissionId::random();
    answer.subject = FormSubject::Registration(registration.id);
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(answer.clone()))),
        StatusCode::CREATED
    );
    let seen = wait_until("the registration's eligibility", || {
        let view: InsuranceView =
            support::staff_get(format!("{}/api/staff/v1/insurance", office.base))
                .ok()?
                .json()
                .ok()?;
        view.registrations
            .into_iter()
            .find(|s| s.coverage == answer.id)
            .filter(|s| {
                s.coverages[0]
                    .eligibility
                    .as_ref()
                    .is_some_and(|e| e.state != "checking")
            })
    });
    assert_eq!(
        seen.coverages[0].eligibility.as_ref().unwrap().label,
        "Active, co-pay $30.00"
    );

    // The check-in made before all this still stands.
    assert!(
        office
            .queue()
            .checked_in
            .iter()
            .any(|r| r.check_in == check_in)
    );

    // A clearinghouse that is not there: "not verified", and check-ins go on.
    let down = office_with(
        &dir.path().join("down"),
        Some("http://127.0.0.1:9/270".into()),
        1500,
    );
    let ada = appointments(&down)[0];
    assert_eq!(
        deliver(&down, OutboxBody::Coverage(Box::new(typed(ada, "TST0001")))),
        StatusCode::CREATED
    );
    let e = settled(&down, ada).coverages[0]
        .eligibility
        .clone()
        .unwrap();
    assert_eq!(e.label, "Not verified: clearinghouse error");
    assert!(!due(&down, ada).copay_verified);
    let check_in = support::check_in_first(&down.base);
    assert!(
        down.queue()
            .checked_in
            .iter()
            .any(|r| r.check_in == check_in)
    );
}

#[test]
fn a_check_cut_short_by_a_restart_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let url = support::start_clearinghouse(Duration::from_secs(120));
    let office = office_with(dir.path(), Some(url.clone()), 60_000);
    let ada = appointments(&office)[0];
    assert_eq!(
        deliver(
            &office,
            OutboxBody::Coverage(Box::new(typed(ada, "TST0003")))
        ),
        StatusCode::CREATED
    );
    wait_until("the check to start", || {
        let e = insurance_of(&office, ada)?.coverages[0]
            .eligibility
            .clone()?;
        (e.state == "checking").then_some(())
    });
    office.stop();
    let office = office_with(dir.path(), Some(url), 60_000);
    let e = insurance_of(&office, ada).unwrap().coverages[0]
        .eligibility
        .clone()
        .unwrap();
    assert_eq!(
        e.label,
        "Not verified: the office restarted during the check"
    );
    assert!(!due(&office, ada).copay_verified);
}

#[test]
fn a_bad_payer_list_or_issuer_file_stops_the_office_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let payers = dir.path().join("payers.csv");
    std::fs::write(
        &payers,
        "payer_id,name\nTSTPAYER1,Testpayer\nTST*2,Broken\n",
    )
    .unwrap();
    let mut config = support::office_config(&dir.path().join("a"), "127.0.0.1:0".parse().unwrap());
    config.insurance.payers = Some(payers.clone());
    let error = frontdesk::office::Office::open(config)
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains(&format!("{} line 3:", payers.display())) && error.contains("payer id"),
        "{error}"
    );

    let issuers = dir.path().join("issuers");
    std::fs::create_dir_all(&issuers).unwrap();
    std::fs::write(
        issuers.join("nokeys.json"),
        r#"{"iss":"https://x.example","keys":[]}"#,
    )
    .unwrap();
    let mut config = support::office_config(&dir.path().join("b"), "127.0.0.1:0".parse().unwrap());
    config.insurance.shc_issuers_dir = Some(issuers.clone());
    let error = frontdesk::office::Office::open(config)
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("nokeys.json") && error.contains("usable"),
        "{error}"
    );
}

/// Ada is a dependent on her parent Bea's plan (the payer gives dependents no member id
/// of their own): the office asks about her in a 2000D loop under Bea, and the simulator's
/// dependent co-pay ($20.00) is the one set. Her secondary (her own plan) is checked too
/// and shown to staff, but the co-pay the kiosk asks stays the primary's: what two plans
/// share is the desk's to settle.
#[test]
fn a_dependent_is_checked_under_the_subscriber_and_a_secondary_is_shown_not_billed() {
    use frontdesk::domain::{DateOfBirth, GroupNumber, MemberId, PayerId, PersonName, Subscriber};
    let dir = tempfile::tempdir().unwrap();
    let url = support::start_clearinghouse(Duration::from_secs(30));
    let office = office_with(dir.path(), Some(url), 5000);
    let ada = appointments(&office)[0];
    let today = office.state.today(Timestamp::now());
    let payer = Payer {
        id: Some(PayerId::new("TSTPAYER1").unwrap()),
        name: PayerName::new("Testpayer Health Plan").unwrap(),
    };
    let primary = Coverage::new(
        CoverageRank::Primary,
        payer.clone(),
        MemberId::new("TST0001").unwrap(),
        Some(GroupNumber::new("GRP-100").unwrap()),
        SubscriberRelationship::Child,
        Some(Subscriber {
            name: PersonName::new("Bea", "Testparent").unwrap(),
            date_of_birth: DateOfBirth::new(jiff::civil::date(1970, 3, 14), today).unwrap(),
        }),
        CoverageSource::Typed,
    )
    .unwrap();
    let secondary = coverage(CoverageRank::Secondary, "TST0001", CoverageSource::Typed);
    let answer = submission(
        ada,
        CoverageAnswer::Coverages(Coverages::new(vec![primary, secondary]).unwrap()),
    );
    assert_eq!(
        deliver(&office, OutboxBody::Coverage(Box::new(answer))),
        StatusCode::CREATED
    );
    let seen = wait_until("both coverages checked", || {
        insurance_of(&office, ada).filter(|s| {
            s.coverages.len() == 2
                && s.coverages.iter().all(|c| {
                    c.eligibility
                        .as_ref()
                        .is_some_and(|e| e.state != "checking")
                })
        })
    });
    let labels: Vec<String> = seen
        .coverages
        .iter()
        .map(|c| c.eligibility.as_ref().unwrap().label.clone())
        .collect();
    // The primary asked about Ada as Bea's dependent: the dependent's co-pay. The
    // secondary (Ada her own subscriber): the subscriber's.
    assert_eq!(labels, ["Active, co-pay $20.00", "Active, co-pay $30.00"]);
    let due = due(&office, ada);
    assert!(due.copay_verified);
    assert_eq!(due.due.copay, frontdesk::domain::Cents::new(2000));
}

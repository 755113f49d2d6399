//! The staff page's intake answers in real headless Chromium: a positive PHQ-2 is flagged
//! on the patient's queue row with a link to the answers; a PHQ-9 item 9 answer other than
//! "not at all" raises an alert at the top of the page, live, that survives a reload and
//! goes only when a staff member taps "Acknowledge" (audited). Needs `chromium` and
//! `chromium-driver` (as `staff_dashboard` does). All names and answers are synthetic.

mod browser_support;
mod support;

use browser_support::{
    click, office_in, open_browser_sized, open_live, screenshot, start_chromedriver, text_of,
    wait_gone,
};
use frontdesk::api::{
    CheckInSubmission, FormSubject, IntakeSubmission, OutboxBody, SealedDelivery,
};
use frontdesk::domain::{AppointmentId, CheckInId, ClinicId, IntakeResponseId, Language};
use frontdesk::questionnaire::fhir::{CanonicalBase, questionnaire_response};
use frontdesk::questionnaire::{Answer, OptionCode, Responses, defaults};
use frontdesk::sync::OfficeClient;
use jiff::Timestamp;
use std::sync::Arc;
use support::KIOSK_TOKEN;

fn deliver(base: &str, body: OutboxBody) {
    let client = OfficeClient::new(base, KIOSK_TOKEN).unwrap();
    let key = client.config().unwrap().seal_public_key;
    client
        .deliver(&SealedDelivery::seal(&body, &key).unwrap())
        .unwrap();
}

fn check_in(base: &str, appointment: AppointmentId) -> CheckInId {
    let id = CheckInId::random();
    deliver(
        base,
        OutboxBody::CheckIn(CheckInSubmission {
            id,
            clinic: ClinicId::new(1).unwrap(),
            appointment,
            arrived_at: Timestamp::now(),
        }),
    );
    id
}

/// The PHQ-9 answered with these points (items 3 to 9 only when shown), as a kiosk sends it.
fn answer_phq9(base: &str, appointment: AppointmentId, points: [u8; 9]) -> IntakeResponseId {
    answer_phq9_for(base, FormSubject::Appointment(appointment), points)
}

fn answer_phq9_for(base: &str, subject: FormSubject, points: [u8; 9]) -> IntakeResponseId {
    let form = Arc::new(
        defaults::all()
            .into_iter()
            .find(|q| q.id.as_str() == "phq-9")
            .unwrap(),
    );
    let mut r = Responses::new(Arc::clone(&form));
    for (i, p) in points.iter().enumerate() {
        let id = format!("phq9-{}", i + 1);
        if form.question(&id).is_some_and(|q| r.is_shown(q)) {
            r.answer(
                &id,
                Answer::Choice(OptionCode::new(&p.to_string()).unwrap()),
            )
            .unwrap();
        }
    }
    let canonical = CanonicalBase::new(frontdesk::office::forms::DEFAULT_CANONICAL_BASE).unwrap();
    let id = IntakeResponseId::random();
    deliver(
        base,
        OutboxBody::Intake(Box::new(IntakeSubmission {
            id,
            clinic: ClinicId::new(1).unwrap(),
            subject,
            language: Language::English,
            response: questionnaire_response(&r.finish(Timestamp::now()).unwrap(), &canonical),
        })),
    );
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_positive_screen_is_flagged_and_the_item_9_alert_stays_until_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 1000).await;
    open_live(&browser, &office.base).await;

    let today = office.state.today(Timestamp::now());
    let ids: Vec<AppointmentId> = {
        let store = office.state.store.get().unwrap();
        store
            .appointments_on(today)
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    let (base, ids_for_kiosk) = (office.base.clone(), ids.clone());
    let (ada, bruno, alert) = tokio::task::spawn_blocking(move || {
        let ids = ids_for_kiosk;
        let ada = check_in(&base, ids[0]);
        // Ada: PHQ-2 positive (4), item 9 "not at all": flagged, no alert.
        answer_phq9(&base, ids[0], [2, 2, 1, 1, 1, 0, 1, 0, 0]);
        // Bruno: PHQ-2 negative (1): nothing to flag.
        let bruno = check_in(&base, ids[1]);
        answer_phq9(&base, ids[1], [1, 0, 0, 0, 0, 0, 0, 0, 0]);
        // Carmen, not checked in yet: item 9 "several days".
        let alert = answer_phq9(&base, ids[2], [3, 2, 1, 1, 0, 0, 0, 0, 1]);
        // A new patient, still to be reviewed: PHQ-2 positive.
        let registration = support::sample_registration("Intakeflag");
        support::deliver_registration(&base, &registration);
        answer_phq9_for(
            &base,
            FormSubject::Registration(registration.id),
            [1, 2, 3, 0, 0, 0, 0, 0, 0],
        );
        (ada, bruno, alert)
    })
    .await
    .unwrap();

    // Live, without a reload: the flag on Ada's row, none on Bruno's.
    let flag = text_of(
        &browser,
        &format!("#waiting tr[data-check-in='{ada}'] .intake-flag"),
    )
    .await;
    assert_eq!(flag, "PHQ-2 positive (4/6) · PHQ-9 8: mild");
    let bruno_row = format!("#waiting tr[data-check-in='{bruno}'] td.patient");
    assert_eq!(
        text_of(&browser, &format!("{bruno_row} .intake-answers")).await,
        "Answers"
    );
    wait_gone(&browser, &format!("{bruno_row} .intake-flag")).await;

    // The alert, at the top of the page.
    let item = format!("#intake-alerts .intake-alert[data-response='{alert}']");
    let shown = text_of(&browser, &item).await;
    assert!(shown.contains("Example, Carmen"), "{shown}");
    assert!(
        shown.contains(
            "PHQ-9 item 9: “Thoughts that you would be better off dead or of hurting yourself \
             in some way” — answered “Several days (1)”"
        ),
        "{shown}"
    );
    let top = browser
        .execute(
            "return document.querySelector('main').firstElementChild.id",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(top, "intake-alerts-section");
    let carmen = text_of(
        &browser,
        &format!(
            "#expected tr[data-appointment='{}'] .intake-flag.alert",
            ids[2].get()
        ),
    )
    .await;
    assert_eq!(carmen, "Item 9 alert");
    let card = text_of(
        &browser,
        "#registrations .registration .reg-head .intake-flag",
    )
    .await;
    assert_eq!(card, "PHQ-2 positive (3/6) · PHQ-9 6: mild");
    screenshot(&browser, "staff-intake-alert.png").await;

    // A reload keeps it.
    browser.refresh().await.unwrap();
    assert!(text_of(&browser, &item).await.contains("Example, Carmen"));

    // "Answers" opens Ada's answers.
    let href = browser_support::attr_of(
        &browser,
        &format!("#waiting tr[data-check-in='{ada}'] a.intake-answers"),
        "href",
    )
    .await
    .unwrap();
    assert_eq!(href, format!("/staff/answers/appointment/{}", ids[0].get()));

    click(&browser, &format!("{item} button"), "Acknowledge").await;
    wait_gone(&browser, &item).await;
    wait_gone(&browser, "#intake-alerts-section:not([hidden])").await;
    let carmen = format!("#expected tr[data-appointment='{}']", ids[2].get());
    assert_eq!(
        text_of(&browser, &format!("{carmen} .intake-flag.acknowledged")).await,
        "Item 9 alert acknowledged"
    );
    screenshot(&browser, "staff-intake-acknowledged.png").await;
    let log = {
        let store = office.state.store.get().unwrap();
        store.audit_log(100).unwrap()
    };
    assert!(log.iter().any(|e| e.action == "intake.alert.acknowledge"
        && e.actor == support::staff_actor(&office.base)
        && e.subject == alert.to_string()));

    browser
        .goto(&format!("{}{}", office.base, href))
        .await
        .unwrap();
    let table = text_of(&browser, "section[data-form='phq-9'] table").await;
    assert!(
        table.contains("Feeling down, depressed, or hopeless More than half the days (2)"),
        "{table}"
    );
    screenshot(&browser, "staff-intake-answers.png").await;

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

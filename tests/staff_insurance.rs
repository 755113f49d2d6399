//! The staff page's insurance section in real headless Chromium, with the clearinghouse
//! simulator: a coverage given at the kiosk shows on its patient's queue row with the
//! member id masked until "Show" (audited), the eligibility badge arriving live ("Active,
//! co-pay $30.00", checked at), "Re-check", and the card photo as a thumbnail. Needs
//! `chromium` and `chromium-driver`.

mod browser_support;
mod support;

use base64::Engine as _;
use browser_support::{
    click, open_browser_sized, open_live, screenshot, start_chromedriver, text_of,
};
use fantoccini::Locator;
use frontdesk::api::{CardPhotoSubmission, CoverageSubmission, FormSubject, OutboxBody};
use frontdesk::domain::{
    CardPhotoId, CardSide, ClinicId, Coverage, CoverageAnswer, CoverageRank, CoverageSource,
    CoverageSubmissionId, Coverages, GroupNumber, Language, MemberId, Payer, PayerId, PayerName,
    SubscriberRelationship,
};
use jiff::Timestamp;
use std::time::Duration;

/// A synthetic card drawn on a canvas in the browser and exported as JPEG.
async fn synthetic_card_jpeg(browser: &fantoccini::Client) -> Vec<u8> {
    let url = browser
        .execute(
            r##"const c = document.createElement("canvas"); c.width = 428; c.height = 270;
            const g = c.getContext("2d");
            g.fillStyle = "#dbe8f7"; g.fillRect(0, 0, 428, 270);
            g.fillStyle = "#0b5cad"; g.fillRect(0, 0, 428, 54);
            g.fillStyle = "#fff"; g.font = "bold 24px sans-serif"; g.fillText("TESTPAYER HEALTH PLAN", 16, 36);
            g.fillStyle = "#000"; g.font = "18px sans-serif";
            g.fillText("Member: TESTPATIENT, ADA", 16, 100); g.fillText("ID: TST0001", 16, 130);
            g.fillText("Group: GRP-100", 16, 160); g.fillText("SAMPLE - NOT A REAL CARD", 16, 240);
            return c.toDataURL("image/jpeg", 0.85);"##,
            vec![],
        )
        .await
        .unwrap();
    let url = url.as_str().unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(url.trim_start_matches("data:image/jpeg;base64,"))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insurance_shows_on_the_row_masked_with_eligibility_arriving_live() {
    let dir = tempfile::tempdir().unwrap();
    let clearinghouse = support::start_clearinghouse(Duration::from_secs(30));
    let data = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        support::start_office_with(&data, "127.0.0.1:0".parse().unwrap(), |config| {
            config.eligibility.clearinghouse_url = Some(clearinghouse);
        })
    })
    .await
    .unwrap();
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 1000).await;
    open_live(&browser, &office.base).await;
    let jpeg = synthetic_card_jpeg(&browser).await;

    let base = office.base.clone();
    let ada = support::first_appointment_id(&office);
    let (check_in, answer) = tokio::task::spawn_blocking(move || {
        let check_in = support::check_in_first(&base);
        let coverage =
            support::sample_coverage(CoverageRank::Primary, "TST0001", CoverageSource::CardPhoto);
        let answer = CoverageSubmission {
            id: CoverageSubmissionId::random(),
            clinic: ClinicId::new(1).unwrap(),
            subject: FormSubject::Appointment(ada),
            submitted_at: Timestamp::now(),
            language: Language::English,
            answer: CoverageAnswer::Coverages(Coverages::new(vec![coverage]).unwrap()),
        };
        let photo = CardPhotoSubmission {
            id: CardPhotoId::random(),
            clinic: ClinicId::new(1).unwrap(),
            subject: FormSubject::Appointment(ada),
            coverage: answer.id,
            rank: CoverageRank::Primary,
            side: CardSide::Front,
            taken_at: Timestamp::now(),
            jpeg,
        };
        for body in [
            OutboxBody::Coverage(Box::new(answer.clone())),
            OutboxBody::CardPhoto(Box::new(photo)),
        ] {
            let res = support::post_sealed(&base, &body);
            assert!(res.status().is_success(), "{}", res.status());
        }
        (check_in, answer)
    })
    .await
    .unwrap();

    let row = format!(
        "#waiting tr[data-check-in='{check_in}'] .insurance[data-coverage='{}']",
        answer.id
    );
    let line = text_of(&browser, &format!("{row} .coverage[data-rank='primary']")).await;
    assert!(line.contains("Primary: Testpayer Health Plan"), "{line}");
    assert!(
        line.contains("Group GRP-100") && line.contains("photo"),
        "{line}"
    );
    assert!(
        !line.contains("TST0001"),
        "the member id shows masked: {line}"
    );
    assert_eq!(
        text_of(&browser, &format!("{row} .member-id")).await,
        "•••• 0001"
    );
    // The eligibility check lands while the page is open.
    let badge = text_of(&browser, &format!("{row} .elig.active")).await;
    assert_eq!(badge, "Active, co-pay $30.00");
    assert!(
        text_of(&browser, &format!("{row} .checked-at"))
            .await
            .starts_with("checked ")
    );
    // The row's amount due follows the verified co-pay.
    let mut due = String::new();
    for _ in 0..200 {
        due = text_of(
            &browser,
            &format!("#waiting tr[data-check-in='{check_in}']"),
        )
        .await;
        if due.contains("Due $30.00") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(due.contains("Due $30.00"), "{due}");
    let thumb = browser
        .find(Locator::Css(&format!("{row} .card-photos img")))
        .await
        .unwrap();
    assert_eq!(
        thumb.attr("alt").await.unwrap().as_deref(),
        Some("Primary card, front")
    );
    let loaded = browser
        .execute(
            "const i = document.querySelector('.card-photos img'); return i.complete && i.naturalWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded.as_u64(), Some(428), "the thumbnail is the photo");
    // Others as they show before arrival: an inactive plan with a spouse's coverage
    // second, and self-pay.
    let base = office.base.clone();
    let (bruno, carmen) = {
        let today = office.state.today(Timestamp::now());
        let store = office.state.store.get().unwrap();
        let day = store.appointments_on(today).unwrap();
        (day[1].id, day[2].id)
    };
    tokio::task::spawn_blocking(move || {
        let payer = |id: &str, name: &str| Payer {
            id: Some(PayerId::new(id).unwrap()),
            name: PayerName::new(name).unwrap(),
        };
        let spouse = frontdesk::domain::Subscriber {
            name: frontdesk::domain::PersonName::new("Bea", "Sample").unwrap(),
            date_of_birth: frontdesk::domain::DateOfBirth::new(
                jiff::civil::date(1970, 1, 2),
                jiff::civil::date(2026, 12, 3),
            )
            .unwrap(),
        };
        let coverages = Coverages::new(vec![
            Coverage::new(
                CoverageRank::Primary,
                payer("TSTPAYER1", "Testpayer Health Plan"),
                MemberId::new("TST0002").unwrap(),
                None,
                SubscriberRelationship::Patient,
                None,
                CoverageSource::Typed,
            )
            .unwrap(),
            Coverage::new(
                CoverageRank::Secondary,
                payer("TSTPAYER2", "Sampleshield Insurance"),
                MemberId::new("TST0099").unwrap(),
                Some(GroupNumber::new("SS-7").unwrap()),
                SubscriberRelationship::Spouse,
                Some(spouse),
                CoverageSource::Typed,
            )
            .unwrap(),
        ])
        .unwrap();
        for (who, answer) in [
            (bruno, CoverageAnswer::Coverages(coverages)),
            (carmen, CoverageAnswer::SelfPay),
        ] {
            let body = OutboxBody::Coverage(Box::new(CoverageSubmission {
                id: CoverageSubmissionId::random(),
                clinic: ClinicId::new(1).unwrap(),
                subject: FormSubject::Appointment(who),
                submitted_at: Timestamp::now(),
                language: Language::Spanish,
                answer,
            }));
            assert!(support::post_sealed(&base, &body).status().is_success());
        }
    })
    .await
    .unwrap();
    let bruno_row = format!("#expected tr[data-appointment='{}']", bruno.get());
    assert_eq!(
        text_of(
            &browser,
            &format!("{bruno_row} .coverage[data-rank='secondary'] .elig.not_found")
        )
        .await,
        "Not found"
    );
    assert_eq!(
        text_of(
            &browser,
            &format!("{bruno_row} .coverage[data-rank='primary'] .elig.inactive")
        )
        .await,
        "Inactive"
    );
    let carmen_row = format!("#expected tr[data-appointment='{}']", carmen.get());
    assert_eq!(
        text_of(&browser, &format!("{carmen_row} .ins-answer")).await,
        "Self-pay"
    );
    screenshot(&browser, "staff-insurance.png").await;

    click(&browser, &format!("{row} button.show-member-id"), "Show").await;
    for _ in 0..200 {
        if text_of(&browser, &format!("{row} .member-id")).await == "TST0001" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        text_of(&browser, &format!("{row} .member-id")).await,
        "TST0001"
    );
    screenshot(&browser, "staff-insurance-shown.png").await;

    click(&browser, &format!("{row} button.recheck"), "Re-check").await;
    let audit = |action: &'static str| {
        let store = office.state.store.get().unwrap();
        store
            .audit_log(200)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == action)
            .count()
    };
    for _ in 0..200 {
        if audit("eligibility.recheck") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(audit("eligibility.recheck"), 1);
    assert_eq!(audit("insurance.member_id.reveal"), 1);
    assert!(audit("card_photo.view") >= 1);

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

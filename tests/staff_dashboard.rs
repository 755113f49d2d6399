//! The staff page in real headless Chromium: a check-in appears in the queue live,
//! without a reload, and a kiosk fault shows as an alert; a patient waiting for staff
//! shows at the top with the reason; a returning patient's changed details are reviewed
//! field by field; a new patient's registration shows flagged, opens in the check-in
//! panel with its details, and accepting it there puts the
//! patient in the queue. Needs `chromium` and `chromium-driver` (the README test command
//! installs them).

mod browser_support;
mod support;

use browser_support::{
    click, office_in, open_browser, open_live, start_chromedriver, text_of, wait_gone,
};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_row_appears_live_without_reload() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;

    open_live(&browser, &office.base).await;
    browser
        .wait()
        .for_element(Locator::Css("#expected tr[data-appointment]"))
        .await
        .unwrap();
    // A marker that a reload would wipe.
    browser
        .execute("window.__noReload = 'still here'; return true;", vec![])
        .await
        .unwrap();

    let base = office.base.clone();
    let check_in = tokio::task::spawn_blocking(move || support::check_in_first(&base))
        .await
        .unwrap();

    let row = format!("#waiting tr[data-check-in='{check_in}']");
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&row))
        .await
        .expect("the new check-in appears in the waiting list");
    let text = text_of(&browser, &row).await;
    assert!(text.contains("Testpatient, Ada"), "{text}");
    assert!(text.contains("Arrived"), "{text}");
    let marker = browser
        .execute("return window.__noReload || null;", vec![])
        .await
        .unwrap();
    assert_eq!(
        marker,
        serde_json::json!("still here"),
        "the page did not reload"
    );

    // A kiosk whose outbox has unreadable rows shows as a fault, in plain words.
    let base = office.base.clone();
    tokio::task::spawn_blocking(move || {
        frontdesk::sync::OfficeClient::new(&base, support::KIOSK_TOKEN)
            .unwrap()
            .heartbeat(&frontdesk::api::Heartbeat {
                sent_at: jiff::Timestamp::now(),
                version: "test".into(),
                uptime_secs: 1,
                outbox: frontdesk::api::OutboxHealth::Unreadable {
                    depth: 3,
                    unreadable_rows: 2,
                },
                scanner_connected: true,
                printer: frontdesk::api::PrinterHealth::NotConfigured,
                terminal: frontdesk::api::TerminalHealth::NotConfigured,
                terminal_batch: None,
            })
            .unwrap()
    })
    .await
    .unwrap();
    let fault = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            "#kiosks [data-kiosk='lobby-1'] [role='alert']",
        ))
        .await
        .expect("the kiosk fault appears live");
    assert_eq!(
        fault.text().await.unwrap(),
        "Kiosk fault: 2 saved items (check-ins, registrations, details) cannot be read"
    );

    // Keep a picture of what staff see, for people to look at.
    if let Ok(png) = browser.screenshot().await {
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("staff-dashboard.png");
        let _ = std::fs::write(out, png);
    }
    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_needs_staff_item_shows_why_at_the_top_and_on_my_way_answers_it() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;
    open_live(&browser, &office.base).await;
    assert!(
        browser
            .find(Locator::Css("#needs-section"))
            .await
            .unwrap()
            .attr("hidden")
            .await
            .unwrap()
            .is_some(),
        "no needs, no section"
    );

    // The kiosk's patient typed a name and date of birth that match no one.
    let base = office.base.clone();
    tokio::task::spawn_blocking(move || {
        frontdesk::sync::OfficeClient::new(&base, support::KIOSK_TOKEN)
            .unwrap()
            .help(&frontdesk::api::HelpRequest {
                requested_at: jiff::Timestamp::now(),
                reason: frontdesk::domain::StaffNeed::NoMatch,
            })
            .unwrap()
    })
    .await
    .unwrap();
    let text = text_of(&browser, "#needs .need[data-kiosk='lobby-1']").await;
    assert!(text.contains("lobby-1"), "{text}");
    assert!(
        text.contains("Typed name and date of birth: no appointment found"),
        "{text}"
    );
    assert!(text.contains("just now"), "{text}");
    // It comes before the queue itself, and the kiosk card says so too.
    let first_section = browser
        .execute(
            "return document.querySelector('main > section:not([hidden])').id;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first_section, serde_json::json!("needs-section"));

    click(
        &browser,
        "#needs .need[data-kiosk='lobby-1'] button",
        "On my way",
    )
    .await;
    wait_gone(&browser, "#needs .need").await;
    let log = office.state.store.get().unwrap().audit_log(50).unwrap();
    assert!(log.iter().any(|e| e.action == "staff_need.answer"));

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

/// Delivers a change request for today's first appointment as a kiosk would (sealed);
/// returns its id.
fn deliver_details_change(base: &str) -> frontdesk::domain::DetailsChangeId {
    use frontdesk::domain::{ChangeSource, ContactField, FieldChange};
    let client = frontdesk::sync::OfficeClient::new(base, support::KIOSK_TOKEN).unwrap();
    let change = frontdesk::api::DetailsChangeSubmission {
        id: frontdesk::domain::DetailsChangeId::random(),
        clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
        appointment: client.roster().unwrap().entries[0].appointment,
        submitted_at: jiff::Timestamp::now(),
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
    };
    let delivery = frontdesk::api::SealedDelivery::seal(
        &frontdesk::api::OutboxBody::DetailsChange(change.clone()),
        &client.config().unwrap().seal_public_key,
    )
    .unwrap();
    client.deliver(&delivery).unwrap();
    change.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_details_change_is_reviewed_field_by_field_on_the_patients_row() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;
    open_live(&browser, &office.base).await;

    // Ada checks in, then asks to change her address and phone; another patient at the
    // kiosk matched no appointment.
    let base = office.base.clone();
    let (check_in, change) = tokio::task::spawn_blocking(move || {
        let check_in = support::check_in_first(&base);
        let change = deliver_details_change(&base);
        let kiosk = frontdesk::sync::OfficeClient::new(&base, support::KIOSK_TOKEN).unwrap();
        kiosk
            .heartbeat(&frontdesk::api::Heartbeat {
                sent_at: jiff::Timestamp::now(),
                version: "test".into(),
                uptime_secs: 1,
                outbox: frontdesk::api::OutboxHealth::Ok { depth: 0 },
                scanner_connected: true,
                printer: frontdesk::api::PrinterHealth::NotConfigured,
                terminal: frontdesk::api::TerminalHealth::NotConfigured,
                terminal_batch: None,
            })
            .unwrap();
        kiosk
            .help(&frontdesk::api::HelpRequest {
                requested_at: jiff::Timestamp::now(),
                reason: frontdesk::domain::StaffNeed::NoMatch,
            })
            .unwrap();
        (check_in, change)
    })
    .await
    .unwrap();

    let review = format!("#waiting tr.details-change[data-details-change='{change}']");
    let text = text_of(&browser, &review).await;
    for part in [
        "Details changed — review",
        "Address line 1",
        "100 Example St",
        "456 Sample Ave",
        "Typed at the kiosk",
        "Phone",
        "(217) 555-0100",
        "555-0199",
        "Read from licence",
    ] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
    let row = text_of(
        &browser,
        &format!("#waiting tr[data-check-in='{check_in}']"),
    )
    .await;
    assert!(
        row.contains("Testpatient, Ada") && row.contains("Details changed — review"),
        "{row}"
    );
    text_of(&browser, "#needs .need[data-kiosk='lobby-1']").await;
    // The kiosk's card says its patient is waiting for staff, too.
    let mut card = String::new();
    for _ in 0..200 {
        card = text_of(&browser, "#kiosks [data-kiosk='lobby-1']").await;
        if card.contains("Patient waiting for staff") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(card.contains("Patient waiting for staff"), "{card}");

    // Keep a picture of what staff see, for people to look at.
    if let Ok(png) = browser.screenshot().await {
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("staff-handoff.png");
        let _ = std::fs::write(out, png);
    }

    // A failed decision would open an alert and block the page: record it instead, so a
    // failure says why.
    browser
        .execute(
            "window.__alerts = []; window.alert = m => window.__alerts.push(m); return true;",
            vec![],
        )
        .await
        .unwrap();
    click(
        &browser,
        &format!("{review} tr[data-field='address_line1'] button"),
        "Approve",
    )
    .await;

    let line = format!("{review} tr[data-field='address_line1']");
    let mut decided = String::new();
    for _ in 0..200 {
        decided = text_of(&browser, &line).await;
        if decided.contains("Approved") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let alerts = browser
        .execute("return window.__alerts;", vec![])
        .await
        .unwrap();
    assert!(decided.contains("Approved"), "{decided} {alerts}");
    assert!(
        !decided.contains("Reject"),
        "decided fields offer no buttons: {decided}"
    );
    click(
        &browser,
        &format!("{review} tr[data-field='phone'] button"),
        "Reject",
    )
    .await;
    wait_gone(&browser, &review).await;
    wait_gone(&browser, ".details-badge").await;

    let ada = support::first_appointment_id(&office);
    let on_file = office
        .state
        .store
        .get()
        .unwrap()
        .contact_on_file(ada)
        .unwrap()
        .unwrap()
        .1;
    use frontdesk::domain::ContactField;
    assert_eq!(
        on_file.get(ContactField::AddressLine1),
        Some("456 Sample Ave")
    );
    assert_eq!(on_file.get(ContactField::Phone), Some("(217) 555-0100"));

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

// ---- New-patient registrations ----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_shows_flagged_and_accepting_it_puts_the_patient_in_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;
    open_live(&browser, &office.base).await;
    browser
        .wait()
        .for_element(Locator::Css("#expected tr[data-appointment]"))
        .await
        .unwrap();
    assert!(
        !browser
            .find(Locator::Id("registrations-section"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap(),
        "no registrations, no section"
    );

    let submission = support::sample_registration("Registrantova");
    let base = office.base.clone();
    let delivered = submission.clone();
    tokio::task::spawn_blocking(move || support::deliver_registration(&base, &delivered))
        .await
        .unwrap();

    let pending = format!(
        "#registrations [data-registration='{}'][data-status='pending']",
        submission.id
    );
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&pending))
        .await
        .expect("the registration appears live, flagged");
    let text = text_of(&browser, &pending).await;
    for shown in ["New patient — please review", "Registrantova, Adaqueen"] {
        assert!(text.contains(shown), "{shown:?} not in {text}");
    }
    // "Review" opens it in the check-in panel: every detail with where it came from.
    click(&browser, &format!("{pending} button"), "Review").await;
    let panel = format!(
        "#check-in-detail[open][data-registration='{}']",
        submission.id
    );
    let text = text_of(&browser, &panel).await;
    for shown in [
        "New patient — please review",
        "Registrantova, Adaqueen",
        "742 Fakeplace Testway, Unit Zq9, Testopolis, IL 62794-1234",
        "(217) 555-0142",
        "Non-binary",
        "from licence",
        "typed at kiosk",
        "Samplecontact, Brunoclaus (Sibling), (217) 555-0187",
    ] {
        assert!(text.contains(shown), "{shown:?} not in {text}");
    }
    assert_eq!(
        browser
            .find(Locator::Id("registrations-count"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "(1 to review)"
    );
    if let Ok(png) = browser.screenshot().await {
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("staff-registration.png");
        let _ = std::fs::write(out, png);
    }

    // The page re-renders on every event: find (and find again) rather than hold on to
    // an element that may be gone.
    click(&browser, &format!("{panel} button"), "Accept").await;
    // Decided: the panel closes.
    wait_gone(&browser, "#check-in-detail[open]").await;
    let text = text_of(&browser, "#waiting tr[data-check-in]").await;
    assert!(text.contains("Registrantova, Adaqueen"), "{text}");
    assert!(text.contains("Walk-in (new patient)"), "{text}");
    assert!(text.contains("Arrived"), "{text}");
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(
            "#registrations [data-registration='{}'][data-status='accepted']",
            submission.id
        )))
        .await
        .expect("the registration shows as accepted");
    // A second click on a stale page (or a double click) adds no second appointment.
    let base = office.base.clone();
    let id = submission.id;
    tokio::task::spawn_blocking(move || {
        support::staff()
            .post(format!("{base}/api/staff/v1/registrations/{id}/accept"))
            .send()
            .unwrap()
    })
    .await
    .unwrap();
    let office = tokio::task::spawn_blocking(move || {
        let walk_ins = office
            .queue()
            .checked_in
            .iter()
            .filter(|r| r.patient.as_deref() == Some("Registrantova, Adaqueen"))
            .count();
        assert_eq!(walk_ins, 1);
        office
    })
    .await
    .unwrap();
    if let Ok(png) = browser.screenshot().await {
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("staff-registration-accepted.png");
        let _ = std::fs::write(out, png);
    }
    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

//! Login, the live queue and a staff action in real headless Chromium over HTTPS: the hub
//! serves its self-signed certificate, Chromium trusts exactly that key (by its SPKI pin),
//! a staff member signs in through the login page, a kiosk's check-in (over HTTPS with the
//! pinned certificate, as kiosks send them) appears without a reload, and "Roomed" is
//! pressed: the change is read back over HTTPS and found in the audit log under the user
//! who pressed it. Signed out from another request, the page's live stream ends and the
//! page goes back to the login page. Needs `chromium` and `chromium-driver`.

mod browser_support;
mod support;

use browser_support::{
    click, open_browser_with, open_live, screenshot, start_chromedriver, text_of,
};
use frontdesk::office::audit::routes::AuditPage;
use frontdesk::office::signin::Role;
use frontdesk::office::staff::QueueView;
use frontdesk::office::tls::TlsConfig;
use frontdesk::sync::OfficeClient;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_queue_and_a_staff_action_in_chromium_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        support::start_office_with(&data_dir, "127.0.0.1:0".parse().unwrap(), |config| {
            config.tls = Some(TlsConfig::default());
        })
    })
    .await
    .unwrap();
    let base = office.base.clone();
    assert!(base.starts_with("https://"), "{base}");
    let certificate = office.state.tls.clone().unwrap();
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_with(
        &driver_url,
        1280,
        900,
        &[format!(
            "--ignore-certificate-errors-spki-list={}",
            certificate.spki_sha256_base64()
        )],
    )
    .await;

    // Signed out, the queue sends the browser to the login page; signing in there lands
    // on the queue, which hears the live stream.
    open_live(&browser, &base).await;
    assert!(
        browser
            .current_url()
            .await
            .unwrap()
            .as_str()
            .starts_with("https://"),
        "the page is served over HTTPS"
    );
    browser
        .execute("window.__noReload = 1;", vec![])
        .await
        .unwrap();

    // A kiosk checks the first patient in over HTTPS, trusting the pinned certificate.
    let pin = certificate.fingerprint();
    let kiosk_base = base.clone();
    let (check_in, arrived_at) = tokio::task::spawn_blocking(move || {
        let client = OfficeClient::connect(
            &kiosk_base,
            support::KIOSK_TOKEN,
            Duration::from_secs(10),
            Some(pin),
        )
        .unwrap();
        let roster = client.roster().unwrap();
        let submission = frontdesk::api::CheckInSubmission {
            id: frontdesk::domain::CheckInId::random(),
            clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
            appointment: roster.entries[0].appointment,
            arrived_at: jiff::Timestamp::now(),
        };
        client
            .deliver(&support::sealed(&client, &submission))
            .unwrap();
        (submission.id, submission.arrived_at)
    })
    .await
    .unwrap();

    let row = format!("#waiting tr[data-check-in='{check_in}']");
    let text = text_of(&browser, &row).await;
    assert!(text.contains("Testpatient, Ada"), "{text}");
    assert!(text.contains("Arrived"), "{text}");
    assert_eq!(
        browser
            .execute("return window.__noReload || null;", vec![])
            .await
            .unwrap(),
        serde_json::json!(1),
        "the row arrived without a reload"
    );
    screenshot(&browser, "staff-https-chromium-arrived.png").await;

    // The staff action: "Roomed" (a POST carrying the page's CSRF token).
    click(&browser, &format!("{row} button.primary"), "Roomed").await;
    let roomed = text_of(&browser, &format!("#roomed tr[data-check-in='{check_in}']")).await;
    assert!(roomed.contains("Roomed"), "{roomed}");
    // Arrival times show on the clinic's clock, not the browser's (the test clinic's zone
    // is hours away from UTC, the browser's).
    let clinic_clock = arrived_at
        .to_zoned(support::clinic_zone())
        .strftime("%I:%M %p")
        .to_string();
    assert!(roomed.contains(&clinic_clock), "{clinic_clock} in {roomed}");
    browser
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView()",
            vec![serde_json::json!(format!(
                "#roomed tr[data-check-in='{check_in}']"
            ))],
        )
        .await
        .unwrap();
    screenshot(&browser, "staff-https-chromium-roomed.png").await;

    // Persisted: read back over HTTPS by another signed-in client, and audited under the
    // browser's user (the test admin), from loopback.
    let state = office.state.clone();
    let api_base = base.clone();
    let (queue, audit, admin) = tokio::task::spawn_blocking(move || {
        let manager = support::sign_in(&state, &api_base, "test-manager", Role::Manager);
        let queue: QueueView = manager
            .get(format!("{api_base}/api/staff/v1/queue"))
            .unwrap()
            .json()
            .unwrap();
        let audit: AuditPage = manager
            .get(format!(
                "{api_base}/api/staff/v1/audit?action=check_in.status.roomed"
            ))
            .unwrap()
            .json()
            .unwrap();
        (queue, audit, support::staff_actor(&api_base))
    })
    .await
    .unwrap();
    let item = queue
        .checked_in
        .iter()
        .find(|item| item.check_in == check_in)
        .expect("the check-in is on the queue");
    assert_eq!(item.status, frontdesk::domain::CheckInStatus::Roomed);
    let entry = audit
        .entries
        .iter()
        .find(|e| e.subject.contains(&check_in.to_string()))
        .unwrap_or_else(|| panic!("no roomed entry for the check-in: {audit:?}"));
    assert_eq!(entry.actor, admin, "audited as the browser's user");
    assert_eq!(entry.origin.as_deref(), Some("127.0.0.1"));

    // The browser's session is signed out from another request (as from another tab):
    // the hub ends the page's live stream, and the page goes back to the login page.
    let cookie = browser
        .get_named_cookie(frontdesk::office::signin::COOKIE)
        .await
        .unwrap();
    let csrf = browser
        .execute(
            "return document.querySelector('meta[name=\"csrf-token\"]').content;",
            vec![],
        )
        .await
        .unwrap();
    let logout_base = base.clone();
    let status = tokio::task::spawn_blocking(move || {
        reqwest::blocking::Client::builder()
            .use_preconfigured_tls(frontdesk::tls::pinned_client_config(pin).unwrap())
            .build()
            .unwrap()
            .post(format!("{logout_base}/logout"))
            .header("cookie", format!("{}={}", cookie.name(), cookie.value()))
            .header("x-csrf-token", csrf.as_str().unwrap())
            .send()
            .unwrap()
            .status()
    })
    .await
    .unwrap();
    assert_eq!(status, reqwest::StatusCode::NO_CONTENT);
    // Bounded only so a hang fails: the test waits for the page to leave.
    let mut path = String::new();
    for _ in 0..1200 {
        path = browser.current_url().await.unwrap().path().to_owned();
        if path == "/login" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        path, "/login",
        "the page went to the login page once its session ended"
    );

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

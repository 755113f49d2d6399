//! Pairing a kiosk from the staff page in real headless Chromium: the admin types the code
//! a kiosk shows (the kiosk's own sync client registered it over HTTP), the kiosk collects
//! its credential, and the admin disables and revokes it from the same section; a wrong
//! code shows the office's words. Needs `chromium` and `chromium-driver`.

mod browser_support;
mod support;

use browser_support::{
    click, office_in, open_browser_sized, screenshot, sign_in, start_chromedriver, text_of,
    wait_gone,
};
use fantoccini::Locator;
use frontdesk::domain::KioskId;
use frontdesk::sync::OfficeClient;
use frontdesk::sync::pairing::{CredentialStore, Pairer, PairingStep};
use jiff::Timestamp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_pairs_disables_and_revokes_a_kiosk_on_the_staff_page() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let base = office.base.clone();
    let kiosk_dir = dir.path().join("kiosk");
    // The kiosk shows a code (its sync client registered it with the office).
    let (client, mut pairer, code) = tokio::task::spawn_blocking({
        let base = base.clone();
        let kiosk_dir = kiosk_dir.clone();
        move || {
            let client = OfficeClient::new(&base, "").unwrap();
            let mut pairer = Pairer::new(
                client.clone(),
                CredentialStore::new(&kiosk_dir),
                KioskId::new("lobby-2").unwrap(),
            );
            let PairingStep::Showing(shown) = pairer.step(Timestamp::now()).unwrap() else {
                panic!("a code first");
            };
            (client, pairer, shown.code.display())
        }
    })
    .await
    .unwrap();

    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 900).await;
    sign_in(&browser, &base).await;
    browser.goto(&format!("{base}/kiosks")).await.unwrap();
    browser
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Css("#pairing-section"))
        .await
        .expect("an admin sees the pairing section on the kiosks view");

    let field = browser.find(Locator::Css("#pair-code")).await.unwrap();
    field.send_keys("ZZZZ-ZZZZ").await.unwrap();
    click(&browser, "#pair-button", "Pair this kiosk").await;
    let said = text_of(&browser, "#pair-result").await;
    assert!(said.starts_with("no kiosk is showing this code"), "{said}");

    field.clear().await.unwrap();
    field.send_keys(&code.to_lowercase()).await.unwrap();
    click(&browser, "#pair-button", "Pair this kiosk").await;
    browser
        .wait()
        .at_most(std::time::Duration::from_secs(20))
        .for_element(Locator::Css("#paired-kiosks tr[data-kiosk='lobby-2']"))
        .await
        .expect("the paired kiosk is listed");
    assert_eq!(
        text_of(&browser, "#pair-result").await,
        "Paired lobby-2. It shows the welcome screen in a few seconds."
    );
    screenshot(&browser, "staff-pairing.png").await;

    // The kiosk collects its credential and is let in.
    let client = tokio::task::spawn_blocking(move || {
        let PairingStep::Paired { .. } = pairer.step(Timestamp::now()).unwrap() else {
            panic!("paired");
        };
        client.roster().unwrap();
        client
    })
    .await
    .unwrap();

    click(&browser, "#paired-kiosks button", "Disable").await;
    click(&browser, "#paired-kiosks button", "Enable").await;
    // Revoking asks first; the browser's dialog is accepted.
    click(&browser, "#paired-kiosks button", "Revoke").await;
    browser.accept_alert().await.unwrap();
    wait_gone(&browser, "#paired-kiosks tr[data-kiosk='lobby-2']").await;
    tokio::task::spawn_blocking(move || {
        assert!(matches!(
            client.roster(),
            Err(frontdesk::sync::ClientError::Unauthorized)
        ));
    })
    .await
    .unwrap();
    let store = office.state.store.get().unwrap();
    let actions: Vec<String> = store
        .audit_log(50)
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("kiosk."))
        .map(|e| format!("{} {}", e.action, e.subject))
        .collect();
    assert_eq!(
        actions,
        vec![
            "kiosk.revoke lobby-2",
            "kiosk.enable lobby-2",
            "kiosk.disable lobby-2",
            "kiosk.pair lobby-2",
            "kiosk.pair_refused no_such_code",
        ]
    );
}

//! The staff page over HTTPS in real headless Chromium that trusts only the hub's
//! self-signed certificate (by its public key): it loads, hears the live stream and shows
//! the certificate's fingerprint under Settings (kiosks view); a Chromium trusting another key gets no
//! page. Needs `chromium` and `chromium-driver` (the README test command installs them).

mod browser_support;
mod support;

use browser_support::{open_browser_with, open_view, screenshot, start_chromedriver, text_of};
use fantoccini::Locator;
use frontdesk::office::tls::TlsConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_page_loads_over_https_and_shows_the_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        support::start_office_with(&data_dir, "127.0.0.1:0".parse().unwrap(), |config| {
            config.tls = Some(TlsConfig::default());
        })
    })
    .await
    .unwrap();
    assert!(office.base.starts_with("https://"));
    let certificate = office.state.tls.clone().unwrap();
    let (_driver, driver_url) = start_chromedriver();

    let trust = |spki: &str| vec![format!("--ignore-certificate-errors-spki-list={spki}")];
    let (browser, _profile) = open_browser_with(
        &driver_url,
        1280,
        900,
        &trust(&certificate.spki_sha256_base64()),
    )
    .await;
    open_view(&browser, &office.base, "/kiosks").await;
    // The section fills in once its own request is answered.
    let mut shown = String::new();
    for _ in 0..200 {
        shown = text_of(&browser, "#tls-fingerprint").await;
        if shown != "none" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(shown, certificate.fingerprint().to_string());
    assert_eq!(text_of(&browser, "#settings-https").await, "HTTPS: on");
    let validity = text_of(&browser, "#tls-validity").await;
    assert!(validity.contains("self-signed"), "{validity}");
    browser
        .execute(
            "document.getElementById('settings-section').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&browser, "staff_settings_https.png").await;
    browser.close().await.unwrap();

    // Another key trusted: Chromium shows its certificate error, not the page.
    let (browser, _other_profile) = open_browser_with(
        &driver_url,
        1280,
        900,
        &trust("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
    )
    .await;
    let _ = browser.goto(&format!("{}/kiosks", office.base)).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        browser
            .find_all(Locator::Css("#settings-section, #username"))
            .await
            .unwrap()
            .is_empty(),
        "an untrusted certificate still showed the page"
    );
    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

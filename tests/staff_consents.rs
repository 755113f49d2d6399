//! The staff page's consents in real headless Chromium: a consent signed at a kiosk shows
//! on its patient's queue row, live, with links to the signature and a signed copy; the
//! documents not signed say so. Needs `chromium` and `chromium-driver`.

mod browser_support;
mod support;

use browser_support::{
    office_in, open_browser_sized, open_live, screenshot, start_chromedriver, text_of,
};
use frontdesk::api::{FormSubject, OutboxBody};
use frontdesk::domain::Language;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_consent_shows_on_the_queue_row_with_its_links() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 1100).await;
    open_live(&browser, &office.base).await;

    let base = office.base.clone();
    let ada = support::first_appointment_id(&office);
    let (check_in, consent) = tokio::task::spawn_blocking(move || {
        let check_in = support::check_in_first(&base);
        let consent = support::sample_consent(
            FormSubject::Appointment(ada),
            "privacy-notice",
            1,
            Language::Spanish,
        );
        let answer = support::post_sealed(&base, &OutboxBody::Consent(Box::new(consent.clone())));
        assert!(answer.status().is_success(), "{}", answer.status());
        (check_in, consent)
    })
    .await
    .unwrap();

    let row = format!("#waiting tr[data-check-in='{check_in}']");
    let signed = text_of(
        &browser,
        &format!("{row} .consent.signed[data-consent='{}']", consent.id),
    )
    .await;
    assert!(
        signed.starts_with("✓ Notice of Privacy Practices"),
        "{signed}"
    );
    assert!(signed.contains("(in Spanish)"), "{signed}");
    assert!(
        signed.contains("Signature") && signed.contains("Signed copy"),
        "{signed}"
    );
    let unsigned = text_of(
        &browser,
        &format!("{row} .consent.unsigned[data-document='financial-policy']"),
    )
    .await;
    assert!(unsigned.ends_with("not signed"), "{unsigned}");
    for (link, want) in [
        (
            "signature-link",
            format!("/staff/consents/{}/signature.png", consent.id),
        ),
        (
            "copy-link",
            format!("/staff/consents/{}/signed-copy.pdf", consent.id),
        ),
    ] {
        let href = browser_support::attr_of(&browser, &format!("{row} a.{link}"), "href").await;
        assert_eq!(href.as_deref(), Some(want.as_str()));
    }
    // Before arrival, rows show only consents on file from earlier visits: none here.
    browser_support::wait_gone(&browser, "#expected .consents").await;
    screenshot(&browser, "staff-consents.png").await;

    // The signature opens (and is audited).
    browser
        .goto(&format!(
            "{}/staff/consents/{}/signature.png",
            office.base, consent.id
        ))
        .await
        .unwrap();
    screenshot(&browser, "staff-signature.png").await;
    let audited = office
        .state
        .store
        .get()
        .unwrap()
        .audit_log(50)
        .unwrap()
        .into_iter()
        .any(|e| e.action == "consent.signature.view" && e.subject == consent.id.to_string());
    assert!(audited);

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_form_files_show_in_the_kiosk_area_and_registrations_show_their_consents() {
    use frontdesk::office::Office;
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms");
    std::fs::create_dir_all(forms.join("consent")).unwrap();
    // No title: refused, with its file and line; the shipped consents stay published.
    std::fs::write(
        forms.join("consent/broken.en.md"),
        "---\nid: broken\nversion: 1\nlanguage: en\n---\n# Broken\nText.\n",
    )
    .unwrap();
    let data = dir.path().join("office");
    let (base, server) = tokio::task::spawn_blocking(move || {
        let addr = "127.0.0.1:0".parse().unwrap();
        let mut config = support::office_config(&data, addr);
        config.forms.dir = Some(forms);
        let office = Office::open(config).unwrap();
        let state = office.state().clone();
        let server = office
            .serve_in_background(std::net::TcpListener::bind(addr).unwrap())
            .unwrap();
        support::register_office(&state, &format!("http://{}", server.addr()));
        (format!("http://{}", server.addr()), server)
    })
    .await
    .unwrap();
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 1100).await;
    open_live(&browser, &base).await;

    let refused = text_of(&browser, "#forms-refused").await;
    assert!(
        refused.starts_with("Form files refused — kiosks keep the last good forms:"),
        "{refused}"
    );
    assert!(
        refused.contains("consent/broken.en.md line 5: front matter lacks `title`"),
        "{refused}"
    );

    let registration = support::sample_registration("Consentgiver");
    let consent = support::sample_consent(
        FormSubject::Registration(registration.id),
        "treatment-consent",
        1,
        Language::English,
    );
    let sent = base.clone();
    tokio::task::spawn_blocking(move || {
        support::deliver_registration(&sent, &registration);
        let answer = support::post_sealed(&sent, &OutboxBody::Consent(Box::new(consent)));
        assert!(answer.status().is_success(), "{}", answer.status());
    })
    .await
    .unwrap();
    let card = text_of(
        &browser,
        "#registrations .registration .consent.signed[data-document='treatment-consent']",
    )
    .await;
    assert!(card.starts_with("✓ Consent to Treatment: signed"), "{card}");
    screenshot(&browser, "staff-consents-refused.png").await;

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || server.stop())
        .await
        .unwrap();
}

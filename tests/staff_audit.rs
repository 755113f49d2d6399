//! The staff app's audit log view in real headless Chromium: opened, it lists the newest
//! entries (who, from where, what, which record); the filters narrow it and the CSV link
//! carries them. Needs `chromium` and `chromium-driver` (as `staff_dashboard` does).

mod browser_support;
mod support;

use browser_support::{
    click, office_in, open_browser_sized, open_view, screenshot, start_chromedriver, text_of,
};
use fantoccini::Locator;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_open_filter_and_export_the_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let base = office.base.clone();
    let check_in = tokio::task::spawn_blocking(move || support::check_in_first(&base))
        .await
        .unwrap();
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 1400).await;
    open_view(&browser, &office.base, "/audit").await;

    let newest = text_of(&browser, "#audit-rows tr:first-child").await;
    assert!(
        newest.contains("staff:1"),
        "the signed-in user, by number: {newest}"
    );
    assert!(newest.contains("127.0.0.1"), "{newest}");
    let all = text_of(&browser, "#audit-rows").await;
    assert!(all.contains("queue.view"), "{all}");

    let subject = browser
        .find(Locator::Css("#audit-filters input[name=subject]"))
        .await
        .unwrap();
    subject.send_keys(&check_in.to_string()).await.unwrap();
    click(&browser, "#audit-filters button", "Show").await;
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = browser
            .find_all(Locator::Css("#audit-rows tr"))
            .await
            .unwrap();
        if rows.len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(rows.len(), 1, "only the check-in's entry");
    let row = rows[0].text().await.unwrap();
    assert!(
        row.contains("check_in.create") && row.contains("kiosk:lobby-1"),
        "{row}"
    );
    let csv = browser
        .find(Locator::Css("#audit-csv"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(csv, format!("/staff/audit.csv?subject={check_in}"));
    screenshot(&browser, "staff-audit.png").await;
    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

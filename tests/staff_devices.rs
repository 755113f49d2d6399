//! The staff page in real headless Chromium shows a kiosk's receipt printer and card
//! terminal: OK, then "Receipt printer: paper out" and "Card terminal: not answering" as
//! faults, live without a reload, then the printer off line. Needs
//! `chromium` and `chromium-driver` (the README test command installs them).

mod browser_support;
mod support;

use browser_support::{
    office_in, open_browser, open_live, screenshot, start_chromedriver, text_of,
};
use fantoccini::Locator;
use frontdesk::api::{Heartbeat, OutboxHealth, PrinterHealth, TerminalHealth};
use std::time::Duration;

/// The kiosk `lobby-1` reports its printer and terminal, over the kiosk API.
async fn heartbeat(base: &str, printer: PrinterHealth, terminal: TerminalHealth) {
    let base = base.to_owned();
    tokio::task::spawn_blocking(move || {
        frontdesk::sync::OfficeClient::new(&base, support::KIOSK_TOKEN)
            .unwrap()
            .heartbeat(&Heartbeat {
                sent_at: jiff::Timestamp::now(),
                version: "test".into(),
                uptime_secs: 1,
                outbox: OutboxHealth::Ok { depth: 0 },
                scanner_connected: true,
                printer,
                terminal,
                terminal_batch: None,
            })
            .unwrap()
    })
    .await
    .unwrap();
}

/// Waits for the kiosk card's printer chip to say `state`; returns its text and class.
async fn printer_chip(browser: &fantoccini::Client, state: &str) -> (String, String) {
    chip(browser, "printer", state).await
}

/// Waits for the kiosk card's `device` chip to say `state`; returns its text and class.
async fn chip(browser: &fantoccini::Client, device: &str, state: &str) -> (String, String) {
    let css = format!("#kiosks [data-kiosk='lobby-1'] [data-{device}='{state}']");
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&css))
        .await
        .unwrap_or_else(|_| panic!("the {device} chip turns {state}"));
    let text = text_of(browser, &css).await;
    let class = browser_support::attr_of(browser, &css, "class")
        .await
        .unwrap_or_default();
    (text, class)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_card_shows_the_printer_out_of_paper_and_the_terminal_not_answering() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;

    heartbeat(&office.base, PrinterHealth::Ok, TerminalHealth::Ready).await;
    open_live(&browser, &office.base).await;
    let (text, class) = printer_chip(&browser, "ok").await;
    assert_eq!(text, "Receipt printer OK");
    assert!(class.split(' ').any(|c| c == "ok"), "{class}");
    let (text, class) = chip(&browser, "terminal", "ready").await;
    assert_eq!(text, "Card terminal OK");
    assert!(class.split(' ').any(|c| c == "ok"), "{class}");
    browser
        .execute("window.__noReload = 'still here'; return true;", vec![])
        .await
        .unwrap();

    heartbeat(
        &office.base,
        PrinterHealth::PaperOut,
        TerminalHealth::Unavailable,
    )
    .await;
    let (text, class) = printer_chip(&browser, "paper_out").await;
    assert_eq!(text, "Receipt printer: paper out");
    assert!(class.split(' ').any(|c| c == "bad"), "{class}");
    let (text, class) = chip(&browser, "terminal", "unavailable").await;
    assert_eq!(text, "Card terminal: not answering");
    assert!(class.split(' ').any(|c| c == "bad"), "{class}");
    let marker = browser
        .execute("return window.__noReload || null;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!("still here"), "no reload");
    screenshot(&browser, "staff-devices.png").await;

    heartbeat(
        &office.base,
        PrinterHealth::Offline,
        TerminalHealth::Unavailable,
    )
    .await;
    let (text, _) = printer_chip(&browser, "offline").await;
    assert_eq!(text, "Receipt printer: offline");

    // A kiosk without a printer or terminal shows no chip for them at all.
    heartbeat(
        &office.base,
        PrinterHealth::NotConfigured,
        TerminalHealth::NotConfigured,
    )
    .await;
    let mut gone = false;
    for _ in 0..200 {
        let chips = browser
            .find_all(Locator::Css(
                "#kiosks [data-kiosk='lobby-1'] [data-printer], #kiosks [data-kiosk='lobby-1'] [data-terminal]",
            ))
            .await
            .unwrap();
        if chips.is_empty() {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(gone, "the printer and terminal chips go away");
    assert!(
        text_of(&browser, "#kiosks [data-kiosk='lobby-1']")
            .await
            .contains("Scanner OK")
    );

    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

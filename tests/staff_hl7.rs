//! The staff page in real headless Chromium shows the EHR interface's row: arrivals
//! waiting while the EHR's MLLP peer is down, then delivered once it is back, without a
//! reload; and a refused schedule message. Needs `chromium`, `chromium-driver` and PyPI's
//! `hl7` (the test peer).

mod browser_support;
mod support;

use browser_support::{open_browser, open_view, screenshot, start_chromedriver, text_of};
use std::io::BufRead;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

/// Waits until the row `key` ("in" / "out") says `words`; returns its text.
async fn row_saying(browser: &fantoccini::Client, key: &str, words: &str) -> String {
    let css = format!("#hl7 [data-hl7='{key}']");
    for _ in 0..600 {
        if let Ok(element) = browser.find(fantoccini::Locator::Css(&css)).await
            && let Ok(text) = element.text().await
            && text.contains(words)
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the {key} row never said {words:?}: {:?}",
        text_of(browser, &css).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interface_row_shows_arrivals_waiting_while_the_ehr_is_down_then_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let relay = support::Relay::start("127.0.0.1:9".parse().unwrap());
    relay.point_to(None);
    let peer_addr = relay.base().trim_start_matches("http://").to_owned();
    let office_dir = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        support::start_office_with(&office_dir, "127.0.0.1:0".parse().unwrap(), |config| {
            config.hl7.listen = Some("127.0.0.1:0".parse().unwrap());
            config.hl7.peer = Some(peer_addr);
            config.hl7.max_backoff_ms = 200;
        })
    })
    .await
    .unwrap();
    let base = office.base.clone();
    tokio::task::spawn_blocking(move || {
        for _ in 0..3 {
            support::check_in_first(&base);
        }
    })
    .await
    .unwrap();
    // A schedule message the office cannot take.
    let listener = office.state.hl7.listening().unwrap();
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(listener).unwrap();
        stream
            .write_all(&frontdesk::hl7::mllp::frame(b"not a message"))
            .unwrap();
        let mut answer = [0u8; 1024];
        let _ = std::io::Read::read(&mut stream, &mut answer);
    })
    .await
    .unwrap();

    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;
    open_view(&browser, &office.base, "/interfaces").await;
    // check_in_first checks in the same appointment: one arrival, one message.
    let out = row_saying(&browser, "out", "Not connected").await;
    assert!(out.contains("1 waiting"), "{out}");
    // The relay with no EHR behind it hangs up: a close, or a reset when our message was
    // already on its way (which of the two is the kernel's timing).
    assert!(
        out.contains("Last problem: connection closed by the peer")
            || out.contains("Last problem: connection lost: Connection reset by peer"),
        "{out}"
    );
    let inbound = row_saying(&browser, "in", "1 refused").await;
    assert!(inbound.contains("Listening"), "{inbound}");
    screenshot(&browser, "staff-hl7-down.png").await;
    browser
        .execute("window.__noReload = 'still here'; return true;", vec![])
        .await
        .unwrap();

    let log = dir.path().join("peer.jsonl");
    let mut peer = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hl7/peer.py"))
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(peer.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .trim_start_matches("listening ")
        .parse()
        .unwrap();
    relay.point_to(Some(SocketAddr::from(([127, 0, 0, 1], port))));

    let out = row_saying(&browser, "out", "Nothing waiting").await;
    assert!(out.contains("Connected"), "{out}");
    assert!(!out.contains("Last problem"), "{out}");
    let marker = browser
        .execute("return window.__noReload || null;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!("still here"), "no reload");
    screenshot(&browser, "staff-hl7-up.png").await;
    browser.close().await.unwrap();
    let _ = peer.kill();
    let _ = peer.wait();
}

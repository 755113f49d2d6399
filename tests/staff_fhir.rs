//! The staff page in real headless Chromium shows the FHIR interface's row: the schedule
//! pull failing and a patient write waiting while the EHR's FHIR server is unreachable,
//! then the pull done and the write delivered once it is back, without a reload. The
//! write is a new `Patient` (the appointment came from the CSV import, so the server does
//! not know the patient yet), created conditionally on the patient number. Needs
//! `chromium`, `chromium-driver` and PyPI's `fhir.resources==6.1.0` on `pydantic<2`
//! (under `$FRONTDESK_FHIR_PYTHON`, default `python3`) for the test server.

mod browser_support;
mod fhir_support;
mod support;

use browser_support::{open_browser, open_view, screenshot, start_chromedriver, text_of};
use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;

/// Waits until the row `key` ("in" / "out") says `words`; returns its text.
async fn row_saying(browser: &fantoccini::Client, key: &str, words: &str) -> String {
    let css = format!("#fhir [data-fhir='{key}']");
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
async fn the_fhir_row_shows_the_server_down_then_the_patient_written_when_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let relay = support::Relay::start("127.0.0.1:9".parse().unwrap());
    relay.point_to(None);
    let base_url = format!("{}/fhir", relay.base());
    let office_dir = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        support::start_office_with(&office_dir, "127.0.0.1:0".parse().unwrap(), |config| {
            config.fhir.base_url = Some(base_url);
            config.fhir.pull_every_secs = 1;
            config.fhir.max_backoff_ms = 200;
        })
    })
    .await
    .unwrap();
    let base = office.base.clone();
    tokio::task::spawn_blocking(move || support::check_in_first(&base))
        .await
        .unwrap();

    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;
    open_view(&browser, &office.base, "/interfaces").await;
    let out = row_saying(&browser, "out", "Not reachable").await;
    assert!(out.contains("1 waiting"), "{out}");
    assert!(
        out.contains("Last problem: cannot reach the server"),
        "{out}"
    );
    let inbound = row_saying(&browser, "in", "Last pull failed").await;
    assert!(inbound.contains("Not pulled yet"), "{inbound}");
    screenshot(&browser, "staff-fhir-down.png").await;
    browser
        .execute("window.__noReload = 'still here'; return true;", vec![])
        .await
        .unwrap();

    let log = dir.path().join("fhir-writes.jsonl");
    let python = fhir_support::fhir_python();
    let mut server = std::process::Command::new(python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fhir/server.py"))
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .trim()
        .trim_start_matches("listening ")
        .parse()
        .unwrap_or_else(|_| panic!("the FHIR server starts: {line:?}"));
    relay.point_to(Some(SocketAddr::from(([127, 0, 0, 1], port))));

    let out = row_saying(&browser, "out", "Nothing waiting").await;
    assert!(out.contains("Reachable"), "{out}");
    assert!(!out.contains("Last problem"), "{out}");
    let inbound = row_saying(&browser, "in", "0 appointments").await;
    assert!(!inbound.contains("failed"), "{inbound}");
    let marker = browser
        .execute("return window.__noReload || null;", vec![])
        .await
        .unwrap();
    assert_eq!(marker, serde_json::json!("still here"), "no reload");
    screenshot(&browser, "staff-fhir-up.png").await;
    browser.close().await.unwrap();

    // The server took a valid new Patient with the practice's number (the first demo
    // appointment's), and the hub keeps its id for the next write.
    let writes: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(writes.len(), 1);
    assert_eq!(
        (writes[0]["method"].as_str(), writes[0]["type"].as_str()),
        (Some("POST"), Some("Patient"))
    );
    let patient = &writes[0]["resource"];
    assert_eq!(patient["identifier"][0]["value"], "DEMO-0001");
    assert_eq!(patient["name"][0]["family"], "Testpatient");
    let first = support::first_appointment_id(&office);
    let visit = office
        .state
        .store
        .get()
        .unwrap()
        .fhir_visit(first)
        .unwrap()
        .unwrap();
    assert_eq!(
        visit.fhir_patient.unwrap().as_str(),
        writes[0]["id"].as_str().unwrap()
    );
    let _ = server.kill();
    let _ = server.wait();
}

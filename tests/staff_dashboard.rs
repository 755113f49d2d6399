//! The staff page in real headless Chromium: a check-in appears in the queue live,
//! without a reload, and a kiosk fault shows as an alert; a new patient's registration
//! shows flagged for review, and accepting it puts the patient in the queue. Needs `chromium` and
//! `chromium-driver` (the README test command installs them).

mod support;

use fantoccini::{ClientBuilder, Locator};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use support::start_office;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a port it picks itself (`--port=0`) and reads which from its
/// start-up line, so no port is released and bound again.
fn start_chromedriver() -> (Driver, String) {
    use std::io::BufRead as _;
    let mut child = Command::new("chromedriver")
        .arg("--port=0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver is installed (apt-get install chromium chromium-driver)");
    let stdout = child.stdout.take().unwrap();
    let driver = Driver(child);
    let mut lines = std::io::BufReader::new(stdout).lines();
    let port: u16 = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split_once("started successfully on port ")
                .and_then(|(_, rest)| rest.trim_end_matches('.').trim().parse().ok())
        })
        .expect("chromedriver says which port it listens on");
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let url = format!("http://127.0.0.1:{port}");
    support::wait_until("chromedriver", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    (driver, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_row_appears_live_without_reload() {
    let dir = tempfile::tempdir().unwrap();
    let office_dir = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        start_office(&office_dir, "127.0.0.1:0".parse().unwrap())
    })
    .await
    .unwrap();
    let (_driver, driver_url) = start_chromedriver();

    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver_url)
        .await
        .expect("chromium starts under chromedriver");

    browser.goto(&format!("{}/", office.base)).await.unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath("//*[@id='live' and text()='Live']"))
        .await
        .expect("the page connects to the live stream");
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

    let row = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(
            "#waiting tr[data-check-in='{check_in}']"
        )))
        .await
        .expect("the new check-in appears in the waiting list");
    let text = row.text().await.unwrap();
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
        "Kiosk fault: 2 check-ins cannot be read"
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

// ---- New-patient registrations ----------------------------------------------------------

async fn registration_browser(driver_url: &str, profile: &Path) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("chromium starts under chromedriver")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_shows_flagged_and_accepting_it_puts_the_patient_in_the_queue() {
    let dir = tempfile::tempdir().unwrap();
    let office_dir = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        start_office(&office_dir, "127.0.0.1:0".parse().unwrap())
    })
    .await
    .unwrap();
    let (_driver, driver_url) = start_chromedriver();
    let profile = tempfile::tempdir().unwrap();
    let browser = registration_browser(&driver_url, profile.path()).await;
    browser.goto(&format!("{}/", office.base)).await.unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath("//*[@id='live' and text()='Live']"))
        .await
        .expect("the page connects to the live stream");
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

    let card = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(
            "#registrations [data-registration='{}'][data-status='pending']",
            submission.id
        )))
        .await
        .expect("the registration appears live, flagged");
    let text = card.text().await.unwrap();
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

    let accept = card
        .find(Locator::XPath(".//button[text()='Accept']"))
        .await
        .unwrap();
    accept.click().await.unwrap();
    let row = browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//tbody[@id='waiting']/tr[td[text()='Registrantova, Adaqueen']]",
        ))
        .await
        .expect("the accepted patient is in the waiting queue");
    let text = row.text().await.unwrap();
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
        reqwest::blocking::Client::new()
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

//! Headless Chromium under chromedriver for the staff page tests, and the page helpers
//! they share (the page re-renders on every event: helpers look again rather than hold an
//! element). Needs `chromium` and `chromium-driver`.
#![allow(dead_code)]

pub mod firefox;

use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running chromedriver; killed when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver on a port it picks itself (`--port=0`) and reads which from its
/// start-up line, so no port is released and bound again.
pub fn start_chromedriver() -> (Driver, String) {
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
    crate::support::wait_until("chromedriver", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).ok()
    });
    (driver, url)
}

/// Headless Chromium under `driver_url`, 1280×900, with a profile of its own (kept while
/// it runs).
pub async fn open_browser(driver_url: &str) -> (fantoccini::Client, tempfile::TempDir) {
    open_browser_sized(driver_url, 1280, 900).await
}

/// [`open_browser`] with a window of `width` × `height`.
pub async fn open_browser_sized(
    driver_url: &str,
    width: u32,
    height: u32,
) -> (fantoccini::Client, tempfile::TempDir) {
    open_browser_with(driver_url, width, height, &[]).await
}

/// [`open_browser_sized`] with Chromium flags of the test's own added (e.g. which
/// certificate to trust).
pub async fn open_browser_with(
    driver_url: &str,
    width: u32,
    height: u32,
    extra_args: &[String],
) -> (fantoccini::Client, tempfile::TempDir) {
    let profile = tempfile::tempdir().unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    if let Some(args) = caps["goog:chromeOptions"]["args"].as_array_mut() {
        args.extend(extra_args.iter().cloned().map(serde_json::Value::from));
    }
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .expect("chromium starts under chromedriver");
    (browser, profile)
}

/// The text of the first element matching `css`, once there; the page re-renders on
/// every event, so an element found a moment ago may be gone: look again.
pub async fn text_of(browser: &fantoccini::Client, css: &str) -> String {
    for _ in 0..200 {
        if let Ok(element) = browser.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} never appeared");
}

/// The attribute `name` of the first element matching `css` (`None`: it has none),
/// looking again if the page re-rendered under it (a live queue replaces its rows).
pub async fn attr_of(browser: &fantoccini::Client, css: &str, name: &str) -> Option<String> {
    for _ in 0..200 {
        if let Ok(element) = browser.find(Locator::Css(css)).await
            && let Ok(value) = element.attr(name).await
        {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} never appeared");
}

/// Clicks the first element matching `css` whose text is `label`, looking again if the
/// page re-rendered under it.
pub async fn click(browser: &fantoccini::Client, css: &str, label: &str) {
    for _ in 0..200 {
        if let Ok(elements) = browser.find_all(Locator::Css(css)).await {
            for element in elements {
                if element.text().await.is_ok_and(|text| text == label)
                    && element.click().await.is_ok()
                {
                    return;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {label:?} button at {css}");
}

/// Polls the page until nothing matches `css`.
pub async fn wait_gone(browser: &fantoccini::Client, css: &str) {
    for _ in 0..200 {
        if browser
            .find_all(Locator::Css(css))
            .await
            .unwrap()
            .is_empty()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} is still on the page");
}

/// Saves what the browser shows to `CARGO_TARGET_TMPDIR/name`, to look at.
pub async fn screenshot(browser: &fantoccini::Client, name: &str) {
    if let Ok(png) = browser.screenshot().await {
        let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
        let _ = std::fs::write(out, png);
    }
}

/// An office on loopback with today's synthetic appointments, started off the async
/// runtime (its start-up blocks).
pub async fn office_in(dir: std::path::PathBuf) -> crate::support::TestOffice {
    tokio::task::spawn_blocking(move || {
        crate::support::start_office(&dir, "127.0.0.1:0".parse().unwrap())
    })
    .await
    .unwrap()
}

/// Signs in as the test office's admin through the real login page (the browser lands on
/// the staff page).
pub async fn sign_in(browser: &fantoccini::Client, base: &str) {
    let office = base.to_owned();
    tokio::task::spawn_blocking(move || crate::support::ensure_staff_admin(&office))
        .await
        .unwrap();
    browser.goto(&format!("{base}/login")).await.unwrap();
    let field = |css: &'static str| browser.find(Locator::Css(css));
    field("#username")
        .await
        .unwrap()
        .send_keys(crate::support::STAFF_ADMIN)
        .await
        .unwrap();
    field("#password")
        .await
        .unwrap()
        .send_keys(crate::support::STAFF_PASSWORD)
        .await
        .unwrap();
    field("#sign-in").await.unwrap().click().await.unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#clinic"))
        .await
        .expect("the staff page after signing in");
}

/// Opens the staff page at `base` (signing in first if the browser is not) and waits
/// until it hears the live stream.
pub async fn open_live(browser: &fantoccini::Client, base: &str) {
    open_view(browser, base, "/").await;
}

/// Opens the staff view at `path` (`/`, `/interfaces`, `/audit`, `/kiosks`, `/users`),
/// signing in first if the browser is not, and waits until it hears the live stream.
pub async fn open_view(browser: &fantoccini::Client, base: &str, path: &str) {
    browser.goto(&format!("{base}{path}")).await.unwrap();
    if browser.current_url().await.unwrap().path() == "/login" {
        sign_in(browser, base).await;
        if path != "/" {
            browser.goto(&format!("{base}{path}")).await.unwrap();
        }
    }
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath("//*[@id='live' and text()='Live']"))
        .await
        .expect("the page connects to the live stream");
}

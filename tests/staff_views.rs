//! The staff web app's views in real headless Chromium: a live event fetches only the
//! check-in it names (a second check-in appears with one row fetched, the queue not
//! reloaded); each role's navigation shows only its views and the hub refuses the others
//! (403, audited, a page saying so); an administrator manages users on the users view; every view fits a
//! desk and a tablet; and every page is sent with a Content-Security-Policy without
//! `'unsafe-inline'`. Needs `chromium` and `chromium-driver`.

mod browser_support;
mod support;

use browser_support::{
    office_in, open_browser_sized, open_view, screenshot, start_chromedriver, text_of,
};
use fantoccini::Locator;
use frontdesk::office::signin::{Password, Role, Username};
use std::time::Duration;

/// How many times the page fetched a URL whose path starts with `prefix`.
async fn fetched(browser: &fantoccini::Client, prefix: &str) -> u64 {
    browser
        .execute(
            "return performance.getEntriesByType('resource')\
               .filter(e => new URL(e.name).pathname.startsWith(arguments[0])).length;",
            vec![serde_json::json!(prefix)],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_check_in_appears_live_with_only_its_row_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 900).await;
    open_view(&browser, &office.base, "/").await;
    browser
        .wait()
        .for_element(Locator::Css("#expected tr[data-appointment]"))
        .await
        .unwrap();
    browser
        .execute(
            "performance.setResourceTimingBufferSize(10000); window.__noReload = 1; return 1;",
            vec![],
        )
        .await
        .unwrap();

    let base = office.base.clone();
    let first = tokio::task::spawn_blocking(move || support::check_in_nth(&base, 0))
        .await
        .unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(
            "#waiting tr[data-check-in='{first}']"
        )))
        .await
        .expect("the first check-in appears");
    let queue_loads = fetched(&browser, "/api/staff/v1/queue").await;

    let base = office.base.clone();
    let second = tokio::task::spawn_blocking(move || support::check_in_nth(&base, 1))
        .await
        .unwrap();
    let row = format!("#waiting tr[data-check-in='{second}']");
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&row))
        .await
        .expect("the second check-in appears without a reload");
    let text = text_of(&browser, &row).await;
    assert!(text.contains("Arrived"), "{text}");
    assert_eq!(
        browser
            .execute("return window.__noReload || null;", vec![])
            .await
            .unwrap(),
        serde_json::json!(1),
        "the page did not reload"
    );
    assert_eq!(
        fetched(&browser, &format!("/api/staff/v1/checkins/{second}")).await,
        1,
        "the new check-in's row, once"
    );
    assert_eq!(
        fetched(&browser, "/api/staff/v1/queue").await,
        queue_loads,
        "the queue was not fetched again"
    );
    // Both rows are there, the first one untouched, in arrival order.
    let rows = browser
        .find_all(Locator::Css("#waiting tr[data-check-in]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].attr("data-check-in").await.unwrap(),
        Some(first.to_string())
    );
    drop(rows);
    // Opened, a check-in shows its details with its actions, from what the page holds.
    let requests = fetched(&browser, "/api/").await;
    browser_support::click(&browser, &format!("{row} button"), "Details").await;
    let detail = format!("#check-in-detail[data-check-in='{second}']");
    let shown = text_of(&browser, &detail).await;
    for part in ["Insurance", "Consents", "Answers", "Payment", "Roomed"] {
        assert!(shown.contains(part), "{part} not in {shown}");
    }
    assert_eq!(
        fetched(&browser, "/api/").await,
        requests,
        "opening fetched nothing"
    );
    screenshot(&browser, "staff-check-in-detail.png").await;
    browser_support::click(
        &browser,
        &format!("{detail} .detail-actions button"),
        "Roomed",
    )
    .await;
    browser
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(&format!(
            "#roomed tr[data-check-in='{second}']"
        )))
        .await
        .expect("roomed from its details");
    let after = text_of(&browser, &format!("{detail} .detail-meta")).await;
    assert!(after.contains("Roomed"), "the open details follow: {after}");

    // Each row a page fetches alone is audited as a look at that check-in.
    let log = office.state.store.get().unwrap().audit_log(100).unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "check_in.view" && e.subject == second.to_string()),
        "{log:?}"
    );
    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

/// Adds `username` with `role` to the office (as `add-user` would).
fn add_user(office: &support::TestOffice, username: &str, role: Role) {
    let mut store = office.state.store.get().unwrap();
    frontdesk::office::signin::add_user(
        &mut store,
        &Username::new(username).unwrap(),
        role,
        &Password::new(support::STAFF_PASSWORD.into()).unwrap(),
        jiff::Timestamp::now(),
    )
    .unwrap();
}

/// Signs in through the login page as `username`.
async fn sign_in_as(browser: &fantoccini::Client, base: &str, username: &str) {
    browser.goto(&format!("{base}/login")).await.unwrap();
    let field = |css: &'static str| browser.find(Locator::Css(css));
    field("#username")
        .await
        .unwrap()
        .send_keys(username)
        .await
        .unwrap();
    field("#password")
        .await
        .unwrap()
        .send_keys(support::STAFF_PASSWORD)
        .await
        .unwrap();
    field("#sign-in").await.unwrap().click().await.unwrap();
    browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#clinic"))
        .await
        .expect("the queue after signing in");
}

/// The navigation's links a user can see, by their words.
async fn visible_views(browser: &fantoccini::Client) -> Vec<String> {
    let mut shown = Vec::new();
    for link in browser.find_all(Locator::Css("nav#views a")).await.unwrap() {
        if link.is_displayed().await.unwrap() {
            shown.push(link.text().await.unwrap());
        }
    }
    shown
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_only_its_views_and_the_hub_refuses_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    add_user(&office, "desk.one", Role::FrontDesk);
    add_user(&office, "manager.one", Role::Manager);
    let (_driver, driver_url) = start_chromedriver();

    for (username, views, refused) in [
        (
            "desk.one",
            vec!["Queue", "Interfaces"],
            vec!["/audit", "/kiosks", "/users"],
        ),
        (
            "manager.one",
            vec!["Queue", "Interfaces", "Audit log"],
            vec!["/kiosks", "/users"],
        ),
    ] {
        let (browser, _profile) = open_browser_sized(&driver_url, 1280, 900).await;
        sign_in_as(&browser, &office.base, username).await;
        assert_eq!(visible_views(&browser).await, views, "{username}");
        let denied_before = office
            .state
            .store
            .get()
            .unwrap()
            .audit_log(1000)
            .unwrap()
            .iter()
            .filter(|e| e.action == "access.denied")
            .count();
        for path in &refused {
            // The browser shows the hub's refusal, not the view.
            browser
                .goto(&format!("{}{path}", office.base))
                .await
                .unwrap();
            let said = text_of(&browser, "#forbidden").await;
            let role_words = if username == "desk.one" {
                "front desk"
            } else {
                "manager"
            };
            assert!(said.contains(role_words), "{username} {path}: {said}");
            let heading = text_of(&browser, "h1").await;
            assert_eq!(heading, "This page is not open to your role");
            screenshot(&browser, &format!("staff-forbidden-{username}.png")).await;
            assert!(
                browser
                    .find_all(Locator::Css("nav#views"))
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
        let denied_after = office
            .state
            .store
            .get()
            .unwrap()
            .audit_log(1000)
            .unwrap()
            .iter()
            .filter(|e| e.action == "access.denied")
            .count();
        assert_eq!(denied_after - denied_before, refused.len(), "each audited");
        browser.close().await.unwrap();
    }

    // The admin sees all five, and the current one is marked.
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 900).await;
    open_view(&browser, &office.base, "/audit").await;
    assert_eq!(
        visible_views(&browser).await,
        vec!["Queue", "Interfaces", "Audit log", "Kiosks", "Users"]
    );
    assert_eq!(
        text_of(&browser, "nav#views a[aria-current='page']").await,
        "Audit log"
    );
    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

/// Polls `css` until its text contains `want`.
async fn text_saying(browser: &fantoccini::Client, css: &str, want: &str) -> String {
    let mut text = String::new();
    for _ in 0..200 {
        text = text_of(browser, css).await;
        if text.contains(want) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{css} never said {want:?}: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_a_user_changes_their_role_resets_and_disables_them() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 900).await;
    open_view(&browser, &office.base, "/users").await;
    let me = text_saying(&browser, "#users", "(you)").await;
    assert!(me.contains(support::STAFF_ADMIN), "{me}");

    // A password too short is the hub's to refuse, in its words.
    let form = |name: &'static str| {
        let css = format!("#add-user [name='{name}']");
        let browser = browser.clone();
        async move { browser.find(Locator::Css(&css)).await.unwrap() }
    };
    form("username").await.send_keys("Desk.Two").await.unwrap();
    form("password")
        .await
        .send_keys("a-long-enough-password")
        .await
        .unwrap();
    browser
        .find(Locator::Css("#add-user-button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_saying(&browser, "#add-user-result", "Added").await,
        "Added desk.two."
    );
    let row = "#users tr[data-user='desk.two']";
    let text = text_saying(&browser, row, "Never").await;
    assert!(text.contains("Active"), "{text}");

    // Role: a select on the row.
    browser
        .find(Locator::Css(&format!("{row} select")))
        .await
        .unwrap()
        .select_by_value("manager")
        .await
        .unwrap();
    text_saying(&browser, "#users-result", "desk.two is now Manager.").await;

    // A new password, then disabled (asked first).
    browser_support::click(&browser, &format!("{row} button"), "Reset password").await;
    browser
        .find(Locator::Css("#password-form [name='password']"))
        .await
        .unwrap()
        .send_keys("another-long-password")
        .await
        .unwrap();
    browser_support::click(&browser, "#password-form button", "Set password").await;
    text_saying(&browser, "#users-result", "New password set for desk.two.").await;
    browser_support::click(&browser, &format!("{row} button"), "Disable").await;
    browser.accept_alert().await.unwrap();
    text_saying(&browser, row, "Disabled").await;
    screenshot(&browser, "staff-users.png").await;

    let (user, actions) = {
        let store = office.state.store.get().unwrap();
        let user = store
            .staff_users()
            .unwrap()
            .into_iter()
            .find(|u| u.username.as_str() == "desk.two")
            .unwrap();
        let actions: Vec<String> = store
            .audit_log(100)
            .unwrap()
            .into_iter()
            .filter(|e| e.action.starts_with("staff.user_"))
            .map(|e| format!("{} {}", e.action, e.subject))
            .collect();
        (user, actions)
    };
    assert_eq!(user.role, Role::Manager);
    assert!(user.disabled);
    let id = user.id;
    assert_eq!(
        &actions[..4],
        &[
            format!("staff.user_disable {id}"),
            format!("staff.user_password {id}"),
            format!("staff.user_role {id} manager"),
            format!("staff.user_add {id} front_desk"),
        ]
    );
    browser.close().await.unwrap();
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_view_fits_a_desk_and_a_tablet() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let base = office.base.clone();
    tokio::task::spawn_blocking(move || support::check_in_first(&base))
        .await
        .unwrap();
    let (_driver, driver_url) = start_chromedriver();
    for (size, width, height) in [("desk", 1280, 900), ("tablet", 820, 1180)] {
        let (browser, _profile) = open_browser_sized(&driver_url, width, height).await;
        for (name, path) in [
            ("queue", "/"),
            ("interfaces", "/interfaces"),
            ("audit", "/audit"),
            ("kiosks", "/kiosks"),
            ("users", "/users"),
        ] {
            open_view(&browser, &office.base, path).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            // Nothing wider than the screen (tables scroll inside their sections).
            let overflow = browser
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(overflow, serde_json::json!(0), "{name} at {size}");
            if size == "tablet" {
                // Fingers: the navigation and the buttons are at least 44 px high.
                let small = browser
                    .execute(
                        "return [...document.querySelectorAll('nav#views a, header button')]\
                           .filter(e => e.offsetParent && e.getBoundingClientRect().height < 44)\
                           .map(e => e.textContent);",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(small, serde_json::json!([]), "{name}");
            }
            screenshot(&browser, &format!("staff-view-{name}-{size}.png")).await;
        }
        browser.close().await.unwrap();
    }
    tokio::task::spawn_blocking(move || office.stop())
        .await
        .unwrap();
}

#[test]
fn every_page_has_a_content_security_policy_without_unsafe_inline() {
    let dir = tempfile::tempdir().unwrap();
    let office = support::start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    support::check_in_first(&office.base);
    let base = &office.base;
    let mut pages = vec![format!("{base}/login")];
    for path in [
        "/",
        "/interfaces",
        "/audit",
        "/kiosks",
        "/users",
        "/staff/reports/payments",
    ] {
        pages.push(format!("{base}{path}"));
    }
    for url in &pages {
        let response = support::staff().get(url).send().unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("default-src 'self'")
                && csp.contains("script-src 'self'")
                && csp.contains("style-src 'self'")
                && !csp.contains("unsafe-inline")
                && !csp.contains("unsafe-eval"),
            "{url}: {csp}"
        );
        let html = response.text().unwrap();
        for inline in ["<style", "<script>", " style=", " onclick=", " onload="] {
            assert!(!html.contains(inline), "{inline} in {url}");
        }
        // Every stylesheet and script it links is served, from this hub.
        for (attr, kind) in [
            ("href=\"/static/", "text/css"),
            ("src=\"/static/", "text/javascript"),
        ] {
            for (at, _) in html.match_indices(attr) {
                let rest = &html[at + attr.len() - "/static/".len()..];
                let path = &rest[..rest.find('"').unwrap()];
                if !path.ends_with(if kind == "text/css" { ".css" } else { ".js" }) {
                    continue;
                }
                let asset = reqwest::blocking::get(format!("{base}{path}")).unwrap();
                assert_eq!(asset.status(), reqwest::StatusCode::OK, "{path}");
                assert!(
                    asset.headers()["content-type"]
                        .to_str()
                        .unwrap()
                        .starts_with(kind),
                    "{path}"
                );
            }
        }
    }
    office.stop();
}

/// The next message block of an event stream (the lines up to a blank one).
fn next_block(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> Vec<String> {
    let mut block = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line.is_empty() {
            if block.is_empty() {
                continue;
            }
            return block;
        }
        // Keep-alive comments are not messages.
        if !line.starts_with(':') {
            block.push(line);
        }
    }
    panic!("the stream ended");
}

#[test]
fn a_fresh_stream_learns_the_newest_id_and_resumes_from_it_after_a_drop() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let office = support::start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let url = format!("{}/api/staff/v1/events", office.base);
    let client = reqwest::blocking::Client::builder()
        .timeout(None)
        .build()
        .unwrap();
    let stream = support::staff()
        .signed_in(&url, client.get(&url))
        .send()
        .unwrap();
    let mut lines = std::io::BufReader::new(stream).lines();
    // An id and nothing else: browsers keep it as their last id and dispatch nothing.
    let first = next_block(&mut lines);
    assert_eq!(first.len(), 1, "{first:?}");
    let id = first[0].strip_prefix("id:").unwrap().trim().to_owned();
    assert!(id.parse::<u64>().is_ok(), "{id}");
    drop(lines);

    // While the page is away, a patient checks in; back, it sends the id it kept.
    let check_in = support::check_in_first(&office.base);
    let stream = support::staff()
        .signed_in(&url, client.get(&url).header("last-event-id", &id))
        .send()
        .unwrap();
    let mut lines = std::io::BufReader::new(stream).lines();
    let missed = next_block(&mut lines);
    assert!(
        missed
            .iter()
            .any(|l| l.strip_prefix("event:").map(str::trim) == Some("queue")),
        "{missed:?}"
    );
    let data = missed.iter().find_map(|l| l.strip_prefix("data:")).unwrap();
    let event: serde_json::Value = serde_json::from_str(data.trim()).unwrap();
    assert_eq!(event["kind"], "checked_in");
    assert_eq!(event["check_in"], check_in.to_string());
    let resumed_id: u64 = missed
        .iter()
        .find_map(|l| l.strip_prefix("id:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(resumed_id > id.parse::<u64>().unwrap());
    drop(lines);
    office.stop();
}

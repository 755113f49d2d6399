//! The staff app in real headless Firefox (Debian's `firefox-esr`, driven over its
//! built-in Marionette protocol): sign in through the login page, the queue hears the
//! live stream, a check-in appears without a reload, and "Roomed" (a change carrying the
//! CSRF token) moves it; at a desk and at a tablet's size. Needs `firefox-esr`.

mod browser_support;
mod support;

use browser_support::firefox::Firefox;

#[test]
fn staff_sign_in_and_work_the_queue_in_firefox() {
    let dir = tempfile::tempdir().unwrap();
    let office = support::start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    support::ensure_staff_admin(&office.base);
    let mut firefox = Firefox::start(1280, 900);

    firefox.goto(&format!("{}/", office.base));
    // Signed out: the hub sends the browser to the login page.
    firefox.find("#username");
    firefox.send_keys("#username", support::STAFF_ADMIN);
    firefox.send_keys("#password", support::STAFF_PASSWORD);
    firefox.click("#sign-in");
    firefox.text_saying("#live", "Live");
    firefox.text_saying("#expected", "Testpatient, Ada");
    firefox.script("window.__noReload = 1; return 1;", serde_json::json!([]));

    let check_in = support::check_in_first(&office.base);
    let row = format!("#waiting tr[data-check-in='{check_in}']");
    let text = firefox.text_saying(&row, "Testpatient, Ada");
    assert!(text.contains("Arrived"), "{text}");
    assert_eq!(
        firefox.script("return window.__noReload || null;", serde_json::json!([])),
        serde_json::json!(1),
        "the page did not reload"
    );
    firefox.screenshot("staff-firefox-desk.png");

    firefox.click(&format!("{row} button.primary"));
    firefox.text_saying(&format!("#roomed tr[data-check-in='{check_in}']"), "Roomed");
    let log = office.state.store.get().unwrap().audit_log(50).unwrap();
    assert!(log.iter().any(|e| e.action == "check_in.status.roomed"));

    firefox.resize(820, 1180);
    firefox.text_saying("#live", "Live");
    let overflow = firefox.script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
        serde_json::json!([]),
    );
    assert_eq!(overflow, serde_json::json!(0), "fits a tablet");
    firefox.screenshot("staff-firefox-tablet.png");
    drop(firefox);
    office.stop();
}

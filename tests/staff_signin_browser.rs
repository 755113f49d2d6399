//! Staff sign-in in real headless Chromium: the login page at a desk and on a tablet, a
//! wrong password, signing in to the live queue, the page's policy refusing an inline
//! script, and signing out. Needs `chromium` and `chromium-driver`.

mod browser_support;
mod support;

use browser_support::{
    office_in, open_browser_sized, open_live, screenshot, start_chromedriver, text_of,
};
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_sign_in_and_out_in_chromium_under_a_strict_policy() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_in(dir.path().join("office")).await;
    let base = office.base.clone();
    let (_driver, driver_url) = start_chromedriver();

    // A tablet first: the login page, looked at.
    let (tablet, _tablet_profile) = open_browser_sized(&driver_url, 768, 1024).await;
    tablet.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(
        tablet.current_url().await.unwrap().path(),
        "/login",
        "signed out: the login page"
    );
    screenshot(&tablet, "login-tablet.png").await;
    tablet.close().await.unwrap();

    let (browser, _profile) = open_browser_sized(&driver_url, 1280, 900).await;
    browser.goto(&format!("{base}/login")).await.unwrap();
    let styled = browser
        .execute(
            "return getComputedStyle(document.querySelector('button')).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        styled, "rgb(11, 92, 173)",
        "the stylesheet loads under the policy"
    );
    screenshot(&browser, "login-desk.png").await;

    // A wrong password: the page says so, in words that name no account.
    let office_base = base.clone();
    tokio::task::spawn_blocking(move || support::ensure_staff_admin(&office_base))
        .await
        .unwrap();
    browser
        .find(Locator::Css("#username"))
        .await
        .unwrap()
        .send_keys(support::STAFF_ADMIN)
        .await
        .unwrap();
    browser
        .find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys("not the password at all")
        .await
        .unwrap();
    browser
        .find(Locator::Css("#sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let message = text_of(&browser, "#message").await;
    assert_eq!(
        message,
        "That username and password do not match an account."
    );
    screenshot(&browser, "login-failed.png").await;

    // Signing in through the page lands on the live queue.
    open_live(&browser, &base).await;
    let csp = browser
        .execute(
            "return document.querySelectorAll('script:not([src]), style').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(csp, 0, "no inline script or style on the staff page");
    // The policy refuses an inline script put on the page.
    let ran = browser
        .execute(
            "const s = document.createElement('script');
             s.textContent = 'window.inlineRan = true;';
             document.body.appendChild(s);
             return window.inlineRan === true;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ran, false, "an inline script must not run");

    // Sign out: back at the login page, and the queue is closed again.
    browser
        .find(Locator::Css("#sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if browser.current_url().await.unwrap().path() == "/login" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        browser.current_url().await.unwrap().path(),
        "/login",
        "signed out"
    );
    browser.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(browser.current_url().await.unwrap().path(), "/login");
    browser.close().await.unwrap();
}

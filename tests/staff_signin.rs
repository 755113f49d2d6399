//! Staff sign-in over real HTTP: every staff route the source declares × every role × no
//! session; CSRF; lockout; forged, expired and logged-out cookies; the form login.

mod support;

use frontdesk::office::signin::Role;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::path::Path;
use support::{STAFF_PASSWORD, StaffClient, TestOffice, sign_in, start_office_with};

fn office(
    configure: impl FnOnce(&mut frontdesk::office::OfficeConfig),
) -> (tempfile::TempDir, TestOffice) {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office_with(
        &dir.path().join("office"),
        "127.0.0.1:0".parse().unwrap(),
        configure,
    );
    (dir, office)
}

fn no_redirects() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A route as the source declares it: `.route("/path", get(..).post(..))`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Declared {
    method: &'static str,
    path: String,
    file: String,
}

/// Every `.route(...)` in the hub's source (not the clearinghouse simulator's), read from
/// the files so a route added anywhere is in the matrix without anyone listing it.
fn declared_routes() -> Vec<Declared> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/office")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("eligibility/simulator.rs")
            {
                files.push(path);
            }
        }
    }
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(".route(") {
            rest = &rest[at + ".route(".len()..];
            let declaration = rest.trim_start();
            // Paths that are constants (the login stylesheet) are public assets.
            let Some(literal) = declaration.strip_prefix('"') else {
                continue;
            };
            let path = &literal[..literal.find('"').unwrap()];
            let end = declaration.find(".route(").unwrap_or(declaration.len());
            let body = &declaration[..end];
            for method in ["get", "post", "put", "delete", "patch"] {
                let mut search = body;
                while let Some(found) = search.find(&format!("{method}(")) {
                    let before = search[..found].chars().last();
                    if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                        routes.push(Declared {
                            method: match method {
                                "get" => "GET",
                                "post" => "POST",
                                "put" => "PUT",
                                "delete" => "DELETE",
                                _ => "PATCH",
                            },
                            path: path.to_owned(),
                            file: file.display().to_string(),
                        });
                        break;
                    }
                    search = &search[found + 1..];
                }
            }
        }
    }
    routes.sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
    routes.dedup_by(|a, b| a.path == b.path && a.method == b.method);
    routes
}

/// Who may call a route: `None` for the public ones. This is the policy; the router is
/// held to it.
fn needs(path: &str) -> Option<Role> {
    // Kiosks, the FHIR test peer and the text gateway's replies (its shared secret,
    // tests/reminders_sms.rs) have their own authentication; a reminder's public links
    // (`/r/`, `/u/`) their unguessable token (tests/reminders_links.rs).
    let public = [
        "/api/kiosk/",
        "/api/sms/",
        "/fhir/",
        "/healthz",
        "/login",
        "/r/",
        "/static/",
        "/u/",
    ];
    if public.iter().any(|p| path.starts_with(p)) {
        return None;
    }
    if path.starts_with("/api/staff/v1/users")
        || path.starts_with("/api/staff/v1/kiosks")
        || path == "/kiosks"
        || path == "/users"
    {
        return Some(Role::Admin);
    }
    if path.starts_with("/api/staff/v1/audit")
        || path.starts_with("/staff/audit")
        || path == "/audit"
    {
        return Some(Role::Manager);
    }
    Some(Role::FrontDesk)
}

/// The path with every `{param}` filled with `1` (a user's with a number no user has, so
/// the matrix disables and resets no one it signs in with).
fn concrete(path: &str) -> String {
    let fill = if path.starts_with("/api/staff/v1/users/") {
        "999"
    } else {
        "1"
    };
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        out.push_str(fill);
        rest = &rest[rest[open..].find('}').unwrap() + open + 1..];
    }
    out.push_str(rest);
    out
}

fn send(
    client: &Client,
    office: &TestOffice,
    route: &Declared,
    staff: Option<&StaffClient>,
) -> reqwest::blocking::Response {
    let url = format!("{}{}", office.base, concrete(&route.path));
    let mut request = match route.method {
        "GET" => client.get(&url),
        "POST" => client.post(&url).json(&serde_json::json!({})),
        "PUT" => client.put(&url).json(&serde_json::json!({})),
        "DELETE" => client.delete(&url),
        _ => client.patch(&url).json(&serde_json::json!({})),
    };
    if let Some(staff) = staff {
        request = request
            .header("cookie", &staff.cookie)
            .header("x-csrf-token", &staff.csrf);
    }
    request.send().unwrap()
}

fn audit_count(office: &TestOffice, action: &str) -> usize {
    let store = office.state.store.get().unwrap();
    store
        .audit_log(100_000)
        .unwrap()
        .iter()
        .filter(|entry| entry.action == action)
        .count()
}

#[test]
fn every_staff_route_needs_a_session_with_the_right_role() {
    let (_dir, office) = office(|_| {});
    let mut routes = declared_routes();
    // Sanity: the reader finds the routes we know.
    for known in [
        "/api/staff/v1/queue",
        "/",
        "/staff/insurance/photos/{id}",
        "/api/kiosk/v1/roster",
        "/logout",
        "/api/staff/v1/users",
    ] {
        assert!(
            routes.iter().any(|r| r.path == known),
            "{known} not found in {routes:?}"
        );
    }
    // Logging out ends the session the rest of the matrix uses: last.
    routes.sort_by_key(|r| r.path == "/logout");
    let staff: Vec<(Role, StaffClient)> = Role::ALL
        .iter()
        .map(|role| {
            (
                *role,
                sign_in(
                    &office.state,
                    &office.base,
                    &format!("matrix-{role}"),
                    *role,
                ),
            )
        })
        .collect();
    let client = no_redirects();
    let forged = StaffClient {
        client: client.clone(),
        user: staff[0].1.user,
        csrf: staff[0].1.csrf.clone(),
        cookie: "fd_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into(),
    };
    let mut denied = 0;
    let mut checked = 0;
    for route in &routes {
        let Some(needed) = needs(&route.path) else {
            continue;
        };
        checked += 1;
        let what = format!("{} {} ({})", route.method, route.path, route.file);
        for session in [None, Some(&forged)] {
            let response = send(&client, &office, route, session);
            let page = route.method == "GET" && !route.path.starts_with("/api/");
            if page {
                assert_eq!(
                    response.status(),
                    StatusCode::SEE_OTHER,
                    "{what} signed out"
                );
                assert_eq!(response.headers()["location"], "/login", "{what}");
            } else {
                assert_eq!(
                    response.status(),
                    StatusCode::UNAUTHORIZED,
                    "{what} signed out"
                );
            }
        }
        for (role, signed_in) in &staff {
            let response = send(&client, &office, route, Some(signed_in));
            let status = response.status();
            if role.allows(needed) {
                assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{what} as {role}: {status}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{what} as {role}");
                // A page says so in a page; an API in its JSON error body.
                let kind = response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                let page = route.method == "GET" && !route.path.starts_with("/api/");
                if page {
                    assert!(kind.starts_with("text/html"), "{what}: {kind}");
                    let html = response.text().unwrap();
                    assert!(html.contains("id=\"forbidden\""), "{what}: {html}");
                } else {
                    assert!(kind.starts_with("application/json"), "{what}: {kind}");
                    let body: serde_json::Value = response.json().unwrap();
                    assert_eq!(body["error"], "forbidden", "{what}");
                }
                denied += 1;
            }
        }
    }
    assert!(checked >= 25, "only {checked} staff routes found");
    assert!(denied >= 2, "the admin routes refuse the others");
    assert_eq!(
        audit_count(&office, "access.denied"),
        denied,
        "every 403 is audited"
    );
}

#[test]
fn a_change_without_the_csrf_token_or_from_another_site_is_refused_and_nothing_changes() {
    let (_dir, office) = office(|_| {});
    let check_in = support::check_in_first(&office.base);
    let desk = sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    let url = format!("{}/api/staff/v1/checkins/{check_in}/status", office.base);
    let raw = Client::new();
    let roomed = serde_json::json!({ "status": "roomed" });
    let attempts = [
        raw.post(&url).header("cookie", &desk.cookie),
        raw.post(&url)
            .header("cookie", &desk.cookie)
            .header("x-csrf-token", "not-the-token"),
        raw.post(&url)
            .header("cookie", &desk.cookie)
            .header("x-csrf-token", &desk.csrf)
            .header("origin", "http://evil.example"),
        raw.post(&url)
            .header("cookie", &desk.cookie)
            .header("x-csrf-token", &desk.csrf)
            .header("sec-fetch-site", "cross-site"),
    ];
    for attempt in attempts {
        let response = attempt.json(&roomed).send().unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: serde_json::Value = response.json().unwrap();
        assert_eq!(body["error"], "csrf");
        assert_eq!(
            office.queue().checked_in[0].status,
            frontdesk::domain::CheckInStatus::Arrived,
            "nothing written"
        );
    }
    assert_eq!(audit_count(&office, "access.denied"), 4);
    let ok = desk.post(&url).json(&roomed).send().unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    // The change is audited under the user's number.
    let store = office.state.store.get().unwrap();
    let entry = store
        .audit_log(50)
        .unwrap()
        .into_iter()
        .find(|e| e.action.starts_with("check_in.status"))
        .unwrap();
    assert_eq!(entry.actor, format!("staff:{}", desk.user));
}

fn json_login(office: &TestOffice, username: &str, password: &str) -> reqwest::blocking::Response {
    Client::new()
        .post(format!("{}/login", office.base))
        .json(&serde_json::json!({ "username": username, "password": password }))
        .send()
        .unwrap()
}

#[test]
fn failed_logins_look_alike_and_lock_the_username() {
    let (_dir, office) = office(|config| {
        config.staff.failure_delay_ms = 1;
        config.staff.lock_after_failures = 3;
    });
    sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    let unknown = json_login(&office, "nobody", STAFF_PASSWORD);
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().unwrap();
    for n in 1..=3 {
        let wrong = json_login(&office, "desk", "wrong password, nearly");
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "failure {n}");
        assert_eq!(
            wrong.text().unwrap(),
            unknown,
            "same answer as an unknown user"
        );
    }
    // Locked: even the right password is refused for now.
    let locked = json_login(&office, "desk", STAFF_PASSWORD);
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().get("set-cookie").is_none());
    assert_eq!(
        json_login(&office, "DESK", STAFF_PASSWORD).status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another user from the same address is not locked out by it.
    sign_in(&office.state, &office.base, "other-desk", Role::FrontDesk);
    assert_eq!(audit_count(&office, "staff.login_failed"), 6);
    assert!(audit_count(&office, "staff.login") >= 2);
}

#[test]
fn too_many_failures_from_one_address_lock_it() {
    let (_dir, office) = office(|config| {
        config.staff.failure_delay_ms = 1;
        config.staff.address_lock_after_failures = 4;
    });
    sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    for n in 0..4 {
        let response = json_login(&office, &format!("guess-{n}"), "some password or other");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        json_login(&office, "desk", STAFF_PASSWORD).status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[test]
fn forged_expired_and_logged_out_cookies_are_signed_out() {
    let (_dir, office) = office(|_| {});
    let client = no_redirects();
    let queue = format!("{}/api/staff/v1/queue", office.base);
    for cookie in [
        "fd_session=forged",
        "fd_session=",
        "other=1",
        "fd_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let response = client.get(&queue).header("cookie", cookie).send().unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{cookie}");
        let page = client
            .get(format!("{}/", office.base))
            .header("cookie", cookie)
            .send()
            .unwrap();
        assert_eq!(page.status(), StatusCode::SEE_OTHER);
    }

    let desk = sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    assert_eq!(desk.get(&queue).unwrap().status(), StatusCode::OK);
    let session: serde_json::Value = desk
        .get(format!("{}/api/staff/v1/session", office.base))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(session["role"], "front_desk");
    let logout = desk.post(format!("{}/logout", office.base)).send().unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        desk.get(&queue).unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "the row is gone"
    );
    assert_eq!(audit_count(&office, "staff.logout"), 1);
}

#[test]
fn a_session_past_its_idle_limit_is_signed_out() {
    // Idle limit 0: every session is over by its next request.
    let (_dir, office) = office(|config| config.staff.idle_minutes = 0);
    let desk = sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    let response = desk
        .get(format!("{}/api/staff/v1/queue", office.base))
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[test]
fn the_login_form_signs_in_with_a_strict_cookie_and_shows_one_message_for_every_failure() {
    let (_dir, office) = office(|config| config.staff.failure_delay_ms = 1);
    sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    let client = no_redirects();
    let page = client.get(format!("{}/login", office.base)).send().unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = page.text().unwrap();
    assert!(
        html.contains("name=\"password\"") && !html.contains("<script") && !html.contains("<style")
    );

    let login = |username: &str, password: &str| {
        client
            .post(format!("{}/login", office.base))
            .form(&[("username", username), ("password", password)])
            .send()
            .unwrap()
    };
    let wrong = login("desk", "not the password at all");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().unwrap();
    assert!(wrong.contains("do not match an account"));
    assert_eq!(
        login("nobody-here", "not the password at all")
            .text()
            .unwrap(),
        wrong
    );

    let cross_site = client
        .post(format!("{}/login", office.base))
        .header("origin", "http://evil.example")
        .form(&[("username", "desk"), ("password", STAFF_PASSWORD)])
        .send()
        .unwrap();
    assert_eq!(
        cross_site.status(),
        StatusCode::FORBIDDEN,
        "another site's login form"
    );
    assert!(cross_site.headers().get("set-cookie").is_none());

    let ok = login("Desk", STAFF_PASSWORD);
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(ok.headers()["location"], "/");
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in ["fd_session=", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP on loopback: {cookie}"
    );
    let session = cookie.split(';').next().unwrap();
    let staff_page = client
        .get(format!("{}/", office.base))
        .header("cookie", session)
        .send()
        .unwrap();
    assert_eq!(staff_page.status(), StatusCode::OK);
    assert!(staff_page.text().unwrap().contains("name=\"csrf-token\""));
    let css = client
        .get(format!("{}/static/signin/login.v1.css", office.base))
        .send()
        .unwrap();
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
}

//! Pairing a kiosk over real HTTP on loopback: the kiosk's own sync client shows a code
//! and polls; an administrator enters it through the staff API (signed in, CSRF token);
//! the kiosk gets its credential and the office's sealing key. Wrong, expired, replayed
//! and guessed codes, the front desk's 403, disabling and revoking.

mod support;

use frontdesk::domain::KioskId;
use frontdesk::office::signin::Role;
use frontdesk::pairing::{KioskKey, PairingCode, PollAnswer};
use frontdesk::sync::pairing::{CredentialStore, Pairer, PairingStep, ShownCode};
use frontdesk::sync::{ClientError, OfficeClient};
use jiff::Timestamp;
use reqwest::StatusCode;
use support::{KIOSK_TOKEN, StaffClient, TestOffice, sign_in, start_office_with};

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

/// A kiosk with no credential, as on first boot.
fn new_kiosk(office: &TestOffice, dir: &std::path::Path) -> (OfficeClient, Pairer) {
    let client = OfficeClient::new(&office.base, "").unwrap();
    let pairer = Pairer::new(
        client.clone(),
        CredentialStore::new(dir),
        KioskId::new("lobby-2").unwrap(),
    );
    (client, pairer)
}

fn showing(step: PairingStep) -> ShownCode {
    match step {
        PairingStep::Showing(shown) => shown,
        PairingStep::Paired { .. } => panic!("paired too early"),
    }
}

fn enter(staff: &StaffClient, office: &TestOffice, code: &str) -> reqwest::blocking::Response {
    staff
        .post(format!("{}/api/staff/v1/kiosks/pair", office.base))
        .json(&serde_json::json!({ "code": code }))
        .send()
        .unwrap()
}

fn error_code(response: reqwest::blocking::Response) -> String {
    response.json::<frontdesk::api::ErrorBody>().unwrap().error
}

fn audit(office: &TestOffice, action: &str) -> Vec<String> {
    let store = office.state.store.get().unwrap();
    store
        .audit_log(10_000)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == action)
        .map(|entry| format!("{} {}", entry.actor, entry.subject))
        .collect()
}

fn kiosks(staff: &StaffClient, office: &TestOffice) -> frontdesk::office::pairing::KiosksView {
    staff
        .get(format!("{}/api/staff/v1/kiosks", office.base))
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn an_admin_pairs_a_kiosk_by_its_code_and_can_rename_disable_and_revoke_it() {
    let (dir, office) = office(|_| {});
    let (client, mut pairer) = new_kiosk(&office, dir.path());
    assert!(matches!(client.roster(), Err(ClientError::Unauthorized)));

    let shown = showing(pairer.step(Timestamp::now()).unwrap());
    let code = shown.code.display();
    // Polling before anyone entered it: the same code stays up.
    let again = showing(pairer.step(Timestamp::now()).unwrap());
    assert_eq!(again.code, shown.code);

    let desk = sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    let response = enter(&desk, &office, &code);
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        audit(&office, "access.denied"),
        vec![format!(
            "staff:{} role POST /api/staff/v1/kiosks/pair",
            desk.user
        )]
    );
    showing(pairer.step(Timestamp::now()).unwrap());

    let admin = sign_in(&office.state, &office.base, "admin", Role::Admin);
    assert_eq!(kiosks(&admin, &office).waiting, 1);
    let wrong = if code.starts_with('A') {
        "BBBB-BBBB"
    } else {
        "AAAA-AAAA"
    };
    let response = enter(&admin, &office, wrong);
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response), "no_such_code");
    // Without the CSRF token the gate refuses before the code is looked at.
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/api/staff/v1/kiosks/pair", office.base))
        .header("cookie", &admin.cookie)
        .json(&serde_json::json!({ "code": code }))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Typed as a person might: lower case, a space instead of the dash.
    let response = enter(&admin, &office, &code.to_lowercase().replace('-', " "));
    assert_eq!(response.status(), StatusCode::OK);
    let paired: frontdesk::office::pairing::Paired = response.json().unwrap();
    assert_eq!(paired.kiosk_id.as_str(), "lobby-2");
    assert_eq!(
        audit(&office, "kiosk.pair"),
        vec![format!("staff:{} lobby-2", admin.user)]
    );
    assert_eq!(
        audit(&office, "kiosk.pair_refused"),
        vec![format!("staff:{} no_such_code", admin.user)]
    );

    let PairingStep::Paired { credential, config } = pairer.step(Timestamp::now()).unwrap() else {
        panic!("the kiosk is paired");
    };
    assert_eq!(credential.kiosk_id.as_str(), "lobby-2");
    assert_eq!(config.seal_public_key, office.state.seal_key.public_key());
    // Kept in the state directory, and already in use by the sync client.
    assert_eq!(
        CredentialStore::new(dir.path()).load().unwrap(),
        Some(credential.clone())
    );
    client.roster().unwrap();
    client.config().unwrap();

    // The code is used up: entered again, it finds nothing.
    let response = enter(&admin, &office, &code);
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let listed = kiosks(&admin, &office);
    assert_eq!(listed.kiosks.len(), 1);
    assert_eq!(listed.waiting, 0);
    let url = |what: &str| format!("{}/api/staff/v1/kiosks/lobby-2/{what}", office.base);
    let response = admin
        .post(url("name"))
        .json(&serde_json::json!({ "name": "Lobby by the door" }))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        kiosks(&admin, &office).kiosks[0].name.as_str(),
        "Lobby by the door"
    );

    // Disabled: refused as disabled (the kiosk keeps its credential); enabled: back.
    let response = admin.post(url("disable")).send().unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(matches!(client.roster(), Err(ClientError::Disabled)));
    admin.post(url("enable")).send().unwrap();
    client.roster().unwrap();

    // Revoked: unknown for good.
    let response = admin.post(url("revoke")).send().unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(matches!(client.roster(), Err(ClientError::Unauthorized)));
    assert!(kiosks(&admin, &office).kiosks.is_empty());
    for action in [
        "kiosk.rename",
        "kiosk.disable",
        "kiosk.enable",
        "kiosk.revoke",
    ] {
        assert_eq!(
            audit(&office, action),
            vec![format!("staff:{} lobby-2", admin.user)],
            "{action}"
        );
    }

    // A kiosk on a static token from the config still gets in.
    OfficeClient::new(&office.base, KIOSK_TOKEN)
        .unwrap()
        .roster()
        .unwrap();
}

#[test]
fn an_expired_code_is_refused_and_the_kiosk_shows_a_new_one() {
    let (dir, office) = office(|config| config.pairing.code_lifetime_secs = 1);
    let (_client, mut pairer) = new_kiosk(&office, dir.path());
    let first = showing(pairer.step(Timestamp::now()).unwrap());
    let admin = sign_in(&office.state, &office.base, "admin", Role::Admin);
    // Wait out the code's lifetime (the office's clock decides).
    support::wait_until("the code to expire", || {
        (kiosks(&admin, &office).waiting == 0).then_some(())
    });
    let response = enter(&admin, &office, &first.code.display());
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let second = showing(pairer.step(Timestamp::now()).unwrap());
    assert_ne!(second.request_id, first.request_id);
}

#[test]
fn wrong_codes_lock_pairing_even_for_the_right_code() {
    let (dir, office) = office(|_| {});
    let (_client, mut pairer) = new_kiosk(&office, dir.path());
    let shown = showing(pairer.step(Timestamp::now()).unwrap());
    let admin = sign_in(&office.state, &office.base, "admin", Role::Admin);
    // Not a code at all: said so, and not counted.
    let response = enter(&admin, &office, "1234");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut wrong = 0;
    let mut guess = 0u32;
    while wrong < frontdesk::pairing::MAX_WRONG_CODES {
        let code = format!("ZZZZ-{:04}", 2222 + guess);
        guess += 1;
        if code.contains(['0', '1']) || code == shown.code.display() {
            continue;
        }
        let response = enter(&admin, &office, &code);
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{code}");
        wrong += 1;
    }
    let response = enter(&admin, &office, &shown.code.display());
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(response), "pairing_locked");
    assert!(kiosks(&admin, &office).locked_until.is_some());
    let refused = audit(&office, "kiosk.pair_refused");
    assert_eq!(refused.len(), 7, "{refused:?}");
    assert!(refused[0].ends_with(" locked"));
    showing(pairer.step(Timestamp::now()).unwrap());
}

#[test]
fn without_the_code_or_the_key_nobody_pairs() {
    let (dir, office) = office(|_| {});
    let (_client, mut pairer) = new_kiosk(&office, dir.path());
    let shown = showing(pairer.step(Timestamp::now()).unwrap());
    let http = reqwest::blocking::Client::new();
    let api = |path: &str| format!("{}/api/kiosk/v1/pairing{path}", office.base);

    // An attacker registers a request of their own with a code they guessed.
    let attacker = KioskKey::random().unwrap();
    let guess = PairingCode::random().unwrap();
    let attack = attacker.request(
        &guess,
        uuid::Uuid::new_v4(),
        KioskId::new("lobby-2").unwrap(),
    );
    let response = http.post(api("")).json(&attack).send().unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // A request whose signature does not match its key is refused.
    let mut forged = attacker.request(
        &guess,
        uuid::Uuid::new_v4(),
        KioskId::new("lobby-2").unwrap(),
    );
    forged.public_key = KioskKey::random()
        .unwrap()
        .request(&guess, forged.request_id, KioskId::new("lobby-2").unwrap())
        .public_key;
    let response = http.post(api("")).json(&forged).send().unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // Replaying the kiosk's request id is refused too.
    let response = http.post(api("")).json(&attack).send().unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);

    let admin = sign_in(&office.state, &office.base, "admin", Role::Admin);
    let response = enter(&admin, &office, &shown.code.display());
    assert_eq!(response.status(), StatusCode::OK);

    // The attacker cannot collect the kiosk's credential without its key...
    let response = http
        .post(api("/poll"))
        .json(&attacker.poll(shown.request_id))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // ...and their own request was never approved.
    let answer: PollAnswer = http
        .post(api("/poll"))
        .json(&attacker.poll(attack.request_id))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(matches!(answer, PollAnswer::Waiting { .. }));
    assert!(matches!(
        pairer.step(Timestamp::now()).unwrap(),
        PairingStep::Paired { .. }
    ));
    // Collected once: the same poll again finds nothing.
    let response = http
        .post(api("/poll"))
        .json(
            &CredentialStore::new(dir.path())
                .key()
                .unwrap()
                .poll(shown.request_id),
        )
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

/// The code a kiosk shows on its "not set up" page, once it has one.
fn code_on_screen(kiosk: &support::HeadlessKiosk) -> String {
    use frontdesk::checkin::{NotSetUp, PageView};
    let page = kiosk.wait_for_page("a pairing code", |page| {
        matches!(
            page,
            PageView::NotSetUp(NotSetUp::Pairing { code: Some(_) })
        )
    });
    let PageView::NotSetUp(NotSetUp::Pairing { code: Some(code) }) = page else {
        unreachable!()
    };
    code
}

#[test]
fn a_revoked_kiosk_shows_a_new_code_and_keeps_its_check_in_until_paired_again() {
    use frontdesk::checkin::{ConfirmTap, DetailsTap, DetailsView, PageView, Tap};
    use support::{HeadlessKiosk, is_confirm, is_done, wait_until};
    let (dir, office) = office(|_| {});
    let admin = sign_in(&office.state, &office.base, "admin", Role::Admin);
    // First boot: no credential, no token.
    let mut kiosk = HeadlessKiosk::start_with(&dir.path().join("kiosk"), &office.base, "", |c| {
        c.kiosk_id = KioskId::new("lobby-2").unwrap();
    });
    let code = code_on_screen(&kiosk);
    // Nobody starts a check-in on it: a scanned code is ignored.
    kiosk.scanner.scan(&office.token(0)).unwrap();
    assert_eq!(enter(&admin, &office, &code).status(), StatusCode::OK);
    kiosk.wait_for_page("welcome", |page| *page == PageView::Identify);
    wait_until("the kiosk to reach the office", || {
        kiosk.sync.status().office_reachable.then_some(())
    });

    // A patient is mid-way when an administrator revokes the kiosk.
    kiosk.scanner.scan(&office.token(0)).unwrap();
    kiosk.wait_for_page("the confirm screen", is_confirm);
    kiosk.tap(Tap::Confirm(ConfirmTap::Yes));
    kiosk.wait_for_page("the details on file", |page| {
        matches!(page, PageView::ContactDetails(DetailsView::OnFile(_)))
    });
    let revoke = admin
        .post(format!(
            "{}/api/staff/v1/kiosks/lobby-2/revoke",
            office.base
        ))
        .send()
        .unwrap();
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    // She finishes; her check-in waits in the outbox, refused by the office.
    kiosk.tap(Tap::Details(DetailsTap::Correct));
    kiosk.wait_for_page("the done screen", is_done);
    // Her "take a seat" stays up; then the next patient finds the kiosk not set up.
    kiosk.tap(Tap::StartOver);
    let second = code_on_screen(&kiosk);
    assert_ne!(second, code);
    assert_eq!(kiosk.outbox_depth(), 1);
    assert!(office.queue().checked_in.is_empty());
    assert!(
        CredentialStore::new(&dir.path().join("kiosk"))
            .load()
            .unwrap()
            .is_none(),
        "the revoked credential is forgotten"
    );

    // Paired again: the kept check-in is delivered.
    assert_eq!(enter(&admin, &office, &second).status(), StatusCode::OK);
    kiosk.wait_for_page("welcome", |page| *page == PageView::Identify);
    wait_until("the outbox to drain", || {
        (kiosk.outbox_depth() == 0).then_some(())
    });
    let row = wait_until("the check-in in the staff queue", || {
        office.queue().checked_in.into_iter().next()
    });
    assert_eq!(row.kiosk.as_str(), "lobby-2");
}

/// No token is needed to send a pairing request, so new ones are limited for the whole
/// hub (30 a minute): a flood of them, even malformed, is turned away with 429 and
/// `Retry-After` before it reaches the store, while check-ins go on.
#[test]
fn a_flood_of_pairing_requests_is_turned_away() {
    let (_dir, office) = office(|_| {});
    let http = reqwest::blocking::Client::new();
    let url = format!("{}/api/kiosk/v1/pairing", office.base);
    let key = KioskKey::random().unwrap();
    let code = PairingCode::random().unwrap();
    let mut forged = key.request(
        &code,
        uuid::Uuid::new_v4(),
        KioskId::new("lobby-2").unwrap(),
    );
    forged.proof = forged.public_key.clone();
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(http.post(&url).json(&forged).send().unwrap());
    }
    assert!(
        statuses[..30]
            .iter()
            .all(|r| r.status() == StatusCode::BAD_REQUEST)
    );
    let busy = statuses.pop().unwrap();
    assert_eq!(busy.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(busy.headers()["retry-after"], "60");
    assert_eq!(error_code(busy), "pairing_busy");
    support::check_in_first(&office.base);
}

//! Warm hand-off: whenever a kiosk sends a patient to the desk, the staff queue gets a
//! "needs staff" item with the reason and the kiosk's name, over real HTTP on loopback;
//! the request survives a short office outage, and staff answer it with "On my way".

mod support;

use frontdesk::checkin::{Ending, FrontDeskReason, IdentifyTap, NameKey, PageView, Tap};
use frontdesk::domain::StaffNeed;
use frontdesk::sync::{OfficeClient, SyncWorker};
use jiff::Timestamp;
use reqwest::StatusCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use support::{HeadlessKiosk, KIOSK_TOKEN, Relay, TestOffice, fast_sync, start_office, wait_until};

fn audit_actions(office: &TestOffice, prefix: &str) -> Vec<(String, String)> {
    office
        .state
        .store
        .get()
        .unwrap()
        .audit_log(200)
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with(prefix))
        .map(|e| (e.action, e.subject))
        .collect()
}

fn post_help(office: &TestOffice, body: &str) -> StatusCode {
    reqwest::blocking::Client::new()
        .post(format!("{}/api/kiosk/v1/help", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .unwrap()
        .status()
}

fn answer(office: &TestOffice, id: &str) -> StatusCode {
    support::staff()
        .post(format!("{}/api/staff/v1/needs/{id}/answer", office.base))
        .send()
        .unwrap()
        .status()
}

#[test]
fn a_kiosk_ending_at_the_desk_puts_why_on_the_staff_queue_and_on_my_way_answers_it() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    // A name and date of birth that match no one; the patient asks for the desk.
    kiosk.open_name_keyboard();
    for c in "NOBODY".chars() {
        kiosk.tap(Tap::Identify(IdentifyTap::Key(NameKey::Char(c))));
    }
    kiosk.tap(Tap::Identify(IdentifyTap::NameDone));
    for digit in [1, 9, 6, 0] {
        kiosk.tap(Tap::Identify(IdentifyTap::Digit(digit)));
    }
    kiosk.tap(Tap::Identify(IdentifyTap::Month(1)));
    kiosk.tap(Tap::Identify(IdentifyTap::Day(1)));
    kiosk.wait_for_page("not found", |page| *page == PageView::NotFound);
    kiosk.tap(Tap::Identify(IdentifyTap::AskDesk));
    kiosk.wait_for_page("the front desk ending", |page| {
        *page == PageView::Ending(Ending::SeeFrontDesk(FrontDeskReason::NoMatch))
    });
    let need = wait_until("the needs-staff item", || {
        office.queue().staff_needs.into_iter().next()
    });
    assert_eq!(need.kiosk.as_str(), "lobby-1");
    assert_eq!(need.reason, StaffNeed::NoMatch);
    assert_eq!(
        need.sentence,
        "Typed name and date of birth: no appointment found"
    );

    // The patient then taps "Call staff" too: still one item, still saying why.
    kiosk.tap(Tap::CallStaff);
    // Delivery is at least once (a request whose answer was lost is sent again), so look
    // for the second request rather than count exactly two.
    wait_until("the second request to be recorded", || {
        audit_actions(&office, "staff_need.raise.patient_asked")
            .first()
            .map(|_| ())
    });
    let queue = office.queue();
    assert_eq!(queue.staff_needs.len(), 1);
    assert_eq!(queue.staff_needs[0].reason, StaffNeed::NoMatch);
    assert_eq!(queue.staff_needs[0].raised_at, need.raised_at);

    let id = need.id.get().to_string();
    assert_eq!(answer(&office, &id), StatusCode::NO_CONTENT);
    assert!(office.queue().staff_needs.is_empty());
    // Someone else pressed it too: fine, and audited once.
    assert_eq!(answer(&office, &id), StatusCode::NO_CONTENT);
    assert_eq!(
        audit_actions(&office, "staff_need.answer"),
        vec![("staff_need.answer".to_owned(), need.id.to_string())]
    );
    assert_eq!(answer(&office, "987654"), StatusCode::NOT_FOUND);
    assert_eq!(answer(&office, "lobby-1"), StatusCode::NOT_FOUND);
}

#[test]
fn older_kiosks_without_a_reason_mean_call_staff_and_junk_reasons_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    assert_eq!(
        post_help(
            &office,
            r#"{"reason":"no_such_reason","requested_at":"2026-11-23T15:00:00Z"}"#
        ),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(office.queue().staff_needs.is_empty());
    assert_eq!(
        post_help(&office, r#"{"requested_at":"2026-11-23T15:00:00Z"}"#),
        StatusCode::NO_CONTENT
    );
    let needs = office.queue().staff_needs;
    assert_eq!(needs.len(), 1);
    assert_eq!(needs[0].reason, StaffNeed::PatientAsked);
    assert_eq!(needs[0].sentence, "Patient tapped \"Call staff\"");
}

#[test]
fn a_help_request_waits_out_an_office_outage_and_the_newest_need_wins() {
    let dir = tempfile::tempdir().unwrap();
    // The kiosk's office address answers, but no office is behind it yet.
    let relay = Relay::start("127.0.0.1:9".parse().unwrap());
    relay.point_to(None);
    let sync = SyncWorker::start(
        OfficeClient::new(&relay.base(), KIOSK_TOKEN).unwrap(),
        dir.path().join("kiosk.db"),
        fast_sync(),
        Arc::new(AtomicBool::new(true)),
        |_| {},
    )
    .unwrap();
    sync.request_help(StaffNeed::NoCode, Timestamp::now());
    sync.request_help(StaffNeed::NoMatch, Timestamp::now());
    // Both are in the help thread's hands before the office exists; the older is never
    // sent (however the threads are scheduled: the office is not there to take it).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    relay.point_to(Some(office.addr));
    let need = wait_until("the help request once the office is up", || {
        office.queue().staff_needs.into_iter().next()
    });
    assert_eq!(need.reason, StaffNeed::NoMatch);
    assert_eq!(
        need.sentence,
        "Typed name and date of birth: no appointment found"
    );
    let raised = audit_actions(&office, "staff_need.raise");
    assert_eq!(
        raised,
        vec![("staff_need.raise.no_match".to_owned(), need.id.to_string())],
        "the superseded request was never sent"
    );
}

//! A patient checks in end to end over real HTTP on loopback: the office hub, a kiosk
//! core (no window) with the real scanner driver on a pseudo-terminal fed by the scanner
//! simulator, and the sync worker. The check-in shows up in the staff API and on the
//! live event stream.

mod support;

use frontdesk::checkin::{
    ConfirmTap, DetailsTap, DetailsView, Ending, IdentifyTap, NameKey, PageView, Problem,
    RegisterTap, Tap,
};
use frontdesk::domain::ContactField;
use frontdesk::office::staff::QueueItem;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use support::{
    HeadlessKiosk, KIOSK_TOKEN, TestOffice, is_confirm, is_done, start_office, wait_until,
};

#[test]
fn scanned_code_reaches_staff_queue_and_event_stream() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());

    // A staff browser listening to the live stream.
    let (sse_tx, sse_rx) = mpsc::channel::<String>();
    let events_url = format!("{}/api/staff/v1/events", office.base);
    std::thread::spawn(move || {
        let response = reqwest::blocking::Client::builder()
            .timeout(None)
            .build()
            .unwrap()
            .get(&events_url);
        let response = support::staff()
            .signed_in(&events_url, response)
            .send()
            .unwrap();
        for line in BufReader::new(response).lines() {
            let Ok(line) = line else { break };
            if sse_tx.send(line).is_err() {
                break;
            }
        }
    });

    let mut kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    wait_until("the kiosk to learn the office", || {
        kiosk.sync.status().office_reachable.then_some(())
    });

    let token = office.token(0);
    kiosk.scanner.send_raw(b"\x00\x01garbage\xff\r\n").unwrap(); // noise is ignored
    kiosk.scanner.scan(&token).unwrap();
    let confirm = kiosk.wait_for_page("the confirm screen", is_confirm);
    let row = ada_says_yes_and_reaches_the_queue(&kiosk, &office, confirm);
    assert_eq!(row.kiosk.as_str(), "lobby-1");

    let event = wait_until("the SSE event", || {
        sse_rx
            .try_iter()
            .find(|line| line.starts_with("data:") && line.contains("checked_in"))
    });
    assert!(event.contains(&row.check_in.to_string()), "{event}");
    assert!(
        !event.contains("Testpatient"),
        "events carry ids only: {event}"
    );

    wait_until("the outbox to drain", || {
        (kiosk.outbox_depth() == 0).then_some(())
    });

    // The same code again is refused on the kiosk, without a round trip.
    kiosk.scanner.scan(&token).unwrap();
    kiosk.wait_for_page("already used", |page| {
        *page == PageView::Ending(Ending::Problem(Problem::AlreadyUsed))
    });
}

/// On "Is this you?" showing Ada T., the patient taps yes, sees the address the office
/// has on file and says it is right; the check-in reaches the staff queue under her name.
fn ada_says_yes_and_reaches_the_queue(
    kiosk: &HeadlessKiosk,
    office: &TestOffice,
    confirm: PageView,
) -> QueueItem {
    let PageView::Confirm(details) = confirm else {
        panic!("expected the confirm screen, got {confirm:?}")
    };
    assert_eq!(details.display_name.unwrap().as_str(), "Ada T.");
    kiosk.tap(Tap::Confirm(ConfirmTap::Yes));
    let PageView::ContactDetails(DetailsView::OnFile(on_file)) = kiosk
        .wait_for_page("the details on file", |page| {
            matches!(page, PageView::ContactDetails(DetailsView::OnFile(_)))
        })
    else {
        unreachable!()
    };
    assert_eq!(
        on_file.get(ContactField::AddressLine1),
        Some("100 Example St")
    );
    kiosk.tap(Tap::Details(DetailsTap::Correct));
    kiosk.wait_for_page("the done screen", is_done);
    let row = wait_until("the check-in in the staff queue", || {
        office.queue().checked_in.into_iter().next()
    });
    assert_eq!(row.patient.as_deref(), Some("Testpatient, Ada"));
    row
}

/// The bytes of every file of the kiosk's database, for looking for what must not be there.
fn kiosk_database_bytes(kiosk: &HeadlessKiosk) -> Vec<u8> {
    let dir = kiosk.db.parent().unwrap();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[test]
fn typed_name_and_birth_date_reach_the_staff_queue_and_leave_nothing_on_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    kiosk.open_name_keyboard();
    for c in "TESTPATIENT".chars() {
        kiosk.tap(Tap::Identify(IdentifyTap::Key(NameKey::Char(c))));
    }
    kiosk.tap(Tap::Identify(IdentifyTap::NameDone));
    // The demo set's Ada Testpatient was born on 1 January 1950.
    for digit in [1, 9, 5, 0] {
        kiosk.tap(Tap::Identify(IdentifyTap::Digit(digit)));
    }
    kiosk.tap(Tap::Identify(IdentifyTap::Month(1)));
    kiosk.tap(Tap::Identify(IdentifyTap::Day(1)));
    let confirm = kiosk.wait_for_page("the confirm screen", is_confirm);
    ada_says_yes_and_reaches_the_queue(&kiosk, &office, confirm);
    wait_until("the outbox to drain", || {
        (kiosk.outbox_depth() == 0).then_some(())
    });
    let bytes = kiosk_database_bytes(&kiosk);
    for typed in ["TESTPATIENT", "1950-01-01", "01011950"] {
        assert!(
            !contains(&bytes, typed),
            "the kiosk database holds {typed:?}"
        );
    }
}

#[test]
fn a_scanned_licence_checks_the_patient_in() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let mut kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    // Ada Testpatient, born 1950-01-01, on a synthetic licence, read by the real driver.
    let licence = frontdesk::scan::aamva_sample::v10_licence();
    let confirm = wait_until("the licence to find Ada", || {
        kiosk.scanner.scan(&licence).unwrap();
        let page = kiosk.wait_for_page("a page after the scan", |page| {
            is_confirm(page) || matches!(page, PageView::Ending(_))
        });
        if is_confirm(&page) {
            return Some(page);
        }
        // Before today's list arrives the kiosk cannot match; try again shortly.
        kiosk.tap(Tap::StartOver);
        std::thread::sleep(std::time::Duration::from_millis(100));
        None
    });
    ada_says_yes_and_reaches_the_queue(&kiosk, &office, confirm);
}

#[test]
fn a_changed_phone_reaches_the_office_as_a_change_request_and_the_patient_is_checked_in() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let mut kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    wait_until("the kiosk to learn the office", || {
        kiosk.sync.status().office_reachable.then_some(())
    });
    kiosk.scanner.scan(&office.token(0)).unwrap();
    kiosk.wait_for_page("the confirm screen", is_confirm);
    kiosk.tap(Tap::Confirm(ConfirmTap::Yes));
    kiosk.wait_for_page("the details on file", |page| {
        matches!(page, PageView::ContactDetails(DetailsView::OnFile(_)))
    });
    kiosk.tap(Tap::Details(DetailsTap::Changed));
    // Street, unit, city, state, ZIP as on file; then the phone, typed anew.
    for _ in 0..5 {
        kiosk.tap(Tap::Register(RegisterTap::Next));
    }
    kiosk.tap(Tap::Register(RegisterTap::Key(NameKey::Clear)));
    for c in "2175550142".chars() {
        kiosk.tap(Tap::Register(RegisterTap::Key(NameKey::Char(c))));
    }
    kiosk.tap(Tap::Register(RegisterTap::Next));
    kiosk.tap(Tap::Register(RegisterTap::Next));
    kiosk.wait_for_page(
        "the list of changes",
        |page| matches!(page, PageView::ContactDetails(DetailsView::Changes(c)) if c.len() == 1),
    );
    kiosk.tap(Tap::Details(DetailsTap::Send));
    kiosk.wait_for_page("the done screen", is_done);
    let change = wait_until("the change request at the office", || {
        office.queue().details_changes.into_iter().next()
    });
    assert!(!change.unchecked_offline);
    assert_eq!(change.fields.len(), 1);
    assert_eq!(change.fields[0].field, ContactField::Phone);
    wait_until("the check-in in the staff queue", || {
        office.queue().checked_in.into_iter().next()
    });
    wait_until("the outbox to drain", || {
        (kiosk.outbox_depth() == 0).then_some(())
    });
    let bytes = kiosk_database_bytes(&kiosk);
    for typed in ["2175550142", "(217) 555-0142"] {
        assert!(
            !contains(&bytes, typed),
            "the kiosk database holds {typed:?}"
        );
    }
}

//! A patient checks in end to end over real HTTP on loopback: the office hub, a kiosk
//! core (no window) with the real scanner driver on a pseudo-terminal fed by the scanner
//! simulator, and the sync worker. The check-in shows up in the staff API and on the
//! live event stream.

mod support;

use frontdesk::checkin::{ConfirmTap, Ending, PageView, Problem, Tap};
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use support::{HeadlessKiosk, KIOSK_TOKEN, is_confirm, is_done, start_office, wait_until};

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
            .get(events_url)
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
    let PageView::Confirm(details) = confirm else {
        unreachable!()
    };
    assert_eq!(details.display_name.unwrap().as_str(), "Ada T.");

    kiosk.tap(Tap::Confirm(ConfirmTap::Yes));
    kiosk.wait_for_page("the done screen", is_done);

    let row = wait_until("the check-in in the staff queue", || {
        office.queue().checked_in.into_iter().next()
    });
    assert_eq!(row.patient.as_deref(), Some("Testpatient, Ada"));
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

//! The office is down: check-ins queue on the kiosk and are delivered exactly once when it
//! comes back; a kiosk whose token the office refuses shows a pairing code; retries never
//! duplicate.

mod support;

use frontdesk::api::{CheckInSubmission, SubmissionOutcome};
use frontdesk::checkin::{ConfirmTap, NotSetUp, PageView, Tap};
use frontdesk::domain::{CheckInId, ClinicId};
use frontdesk::sync::{ClientError, OfficeClient};
use jiff::Timestamp;
use support::{
    HeadlessKiosk, KIOSK_TOKEN, Relay, is_confirm, is_done, sealed, start_office, wait_until,
};

fn any_port() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

#[test]
fn check_in_while_office_is_down_is_delivered_exactly_once_later() {
    let dir = tempfile::tempdir().unwrap();
    let office_dir = dir.path().join("office");

    // First contact so the kiosk knows the office's key, then the office goes away. The
    // kiosk talks to the relay, whose address stays while offices come and go behind it.
    let office = start_office(&office_dir, any_port());
    let relay = Relay::start(office.addr);
    let token = office.token(1);
    let kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &relay.base(), KIOSK_TOKEN);
    wait_until("first contact", || {
        kiosk.sync.status().office_reachable.then_some(())
    });
    relay.point_to(None);
    office.stop();

    let mut kiosk = kiosk;
    kiosk.scanner.scan(&token).unwrap();
    kiosk.wait_for_page("confirm", is_confirm);
    kiosk.tap(Tap::Confirm(ConfirmTap::Yes));
    // The patient is told "done" although the office is down: it is in the outbox.
    kiosk.wait_for_page("done", is_done);
    // The check-in, and the flag that the details on file could not be checked.
    assert_eq!(kiosk.outbox_depth(), 2);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(kiosk.outbox_depth(), 2, "kept while the office is down");

    let office = start_office(&office_dir, any_port());
    relay.point_to(Some(office.addr));
    wait_until("delivery", || (kiosk.outbox_depth() == 0).then_some(()));
    // Let a few more sync rounds run: still exactly one row.
    std::thread::sleep(std::time::Duration::from_millis(800));
    let queue = office.queue();
    assert_eq!(queue.checked_in.len(), 1);
    assert_eq!(
        queue.checked_in[0].patient.as_deref(),
        Some("Sample, Bruno")
    );
}

#[test]
fn retried_submissions_and_office_restarts_never_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let office_dir = dir.path().join("office");
    let office = start_office(&office_dir, any_port());
    let relay = Relay::start(office.addr);
    let client = OfficeClient::new(&relay.base(), KIOSK_TOKEN).unwrap();
    let roster = client.roster().unwrap();
    let submission = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment: roster.entries[2].appointment,
        arrived_at: Timestamp::now(),
    };
    let delivery = sealed(&client, &submission);
    assert_eq!(
        client.deliver(&delivery).unwrap().outcome,
        SubmissionOutcome::Accepted
    );
    // The office restarts between the commit and the kiosk hearing the answer.
    relay.point_to(None);
    office.stop();
    let office = start_office(&office_dir, any_port());
    relay.point_to(Some(office.addr));
    assert_eq!(
        client.deliver(&delivery).unwrap().outcome,
        SubmissionOutcome::AlreadyStored
    );
    // Another check-in for the same appointment (say from a second kiosk) adds nothing.
    let other = CheckInSubmission {
        id: CheckInId::random(),
        ..submission.clone()
    };
    assert_eq!(
        client.deliver(&sealed(&client, &other)).unwrap().outcome,
        SubmissionOutcome::AppointmentAlreadyCheckedIn
    );
    assert_eq!(office.queue().checked_in.len(), 1);
}

#[test]
fn a_kiosk_with_a_wrong_token_gets_401_and_shows_a_pairing_code() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), any_port());
    let bad = OfficeClient::new(&office.base, "not-the-right-token-at-all").unwrap();
    assert!(matches!(bad.config(), Err(ClientError::Unauthorized)));

    // Learn the office with the right token, then run with a wrong one.
    let kiosk_dir = dir.path().join("kiosk");
    let token = office.token(3);
    {
        let kiosk = HeadlessKiosk::start(&kiosk_dir, &office.base, KIOSK_TOKEN);
        wait_until("first contact", || {
            kiosk.sync.status().office_reachable.then_some(())
        });
    }
    let mut kiosk = HeadlessKiosk::start(&kiosk_dir, &office.base, "not-the-right-token-at-all");
    // Refused as if revoked: the kiosk forgets the token and shows a pairing code (a
    // revoked kiosk keeping its outbox until paired again is in tests/pairing.rs).
    kiosk.wait_for_page("a pairing code", |page| {
        matches!(
            page,
            PageView::NotSetUp(NotSetUp::Pairing { code: Some(_) })
        )
    });
    assert!(
        kiosk
            .sync
            .status()
            .last_error
            .is_some_and(|e| e.contains("not set up"))
    );
    // Nobody checks in on it.
    kiosk.scanner.scan(&token).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    kiosk.wait_for_page("still a pairing code", |page| {
        matches!(page, PageView::NotSetUp(_))
    });
    assert_eq!(kiosk.outbox_depth(), 0);
    assert!(office.queue().checked_in.is_empty());
}

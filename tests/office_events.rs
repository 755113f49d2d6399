//! The staff event stream over real HTTP on loopback: a check-in is announced after its
//! commit even when the kiosk's request was cancelled; events carry increasing ids; a
//! page reconnecting with `Last-Event-ID` gets exactly what it missed, or `resync` when
//! that is no longer known (too old, from before a restart, garbage).

mod support;

use frontdesk::api::{CheckInSubmission, SubmissionOutcome};
use frontdesk::domain::{CheckInId, ClinicId, KioskId};
use frontdesk::office::events::{QueueEvent, RING_LEN};
use frontdesk::sync::OfficeClient;
use jiff::Timestamp;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc;
use std::time::Duration;
use support::{KIOSK_TOKEN, TestOffice, sealed, start_office, wait_until};

/// One server-sent event as a browser would see it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sse {
    id: Option<String>,
    event: String,
    data: String,
}

impl Sse {
    fn id(&self) -> u64 {
        self.id
            .as_deref()
            .expect("an id")
            .parse()
            .expect("a numeric id")
    }
}

/// A staff page's stream, opened with `last_event_id` as a reconnecting browser sends it.
/// Returns once the office has answered (it is subscribed by then).
fn open_stream(office: &TestOffice, last_event_id: Option<&str>) -> mpsc::Receiver<Sse> {
    let url = format!("{}/api/staff/v1/events", office.base);
    let last_event_id = last_event_id.map(str::to_owned);
    let (events, received) = mpsc::channel();
    let (connected, is_connected) = mpsc::channel();
    std::thread::spawn(move || {
        let request = reqwest::blocking::Client::builder()
            .timeout(None)
            .build()
            .unwrap()
            .get(&url);
        let mut request = support::staff().signed_in(&url, request);
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id);
        }
        let response = request.send().unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        let _ = connected.send(());
        let (mut id, mut event, mut data) = (None, String::new(), String::new());
        for line in BufReader::new(response).lines() {
            let Ok(line) = line else { break };
            if line.is_empty() {
                if !event.is_empty() || !data.is_empty() {
                    let sse = Sse {
                        id: id.take(),
                        event: std::mem::take(&mut event),
                        data: std::mem::take(&mut data),
                    };
                    if events.send(sse).is_err() {
                        break;
                    }
                }
                id = None;
            } else if let Some(value) = line.strip_prefix("id:") {
                id = Some(value.trim().to_owned());
            } else if let Some(value) = line.strip_prefix("event:") {
                event = value.trim().to_owned();
            } else if let Some(value) = line.strip_prefix("data:") {
                data.push_str(value.trim());
            }
        }
    });
    is_connected
        .recv_timeout(Duration::from_secs(20))
        .expect("the stream connects");
    received
}

/// The next event; the timeout only keeps a broken build from hanging.
fn next(stream: &mpsc::Receiver<Sse>) -> Sse {
    stream
        .recv_timeout(Duration::from_secs(20))
        .expect("an event arrives")
}

fn submission(office: &TestOffice, n: usize) -> CheckInSubmission {
    let roster = OfficeClient::new(&office.base, KIOSK_TOKEN)
        .unwrap()
        .roster()
        .unwrap();
    CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment: roster.entries[n].appointment,
        arrived_at: Timestamp::now(),
    }
}

fn submit(office: &TestOffice, submission: &CheckInSubmission) -> SubmissionOutcome {
    let client = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    client
        .deliver(&sealed(&client, submission))
        .unwrap()
        .outcome
}

/// An event a kiosk's heartbeat causes, to mark a point in the stream.
fn mark(office: &TestOffice) {
    OfficeClient::new(&office.base, KIOSK_TOKEN)
        .unwrap()
        .heartbeat(&frontdesk::api::Heartbeat {
            sent_at: Timestamp::now(),
            version: "test".into(),
            uptime_secs: 1,
            outbox: frontdesk::api::OutboxHealth::Ok { depth: 0 },
            scanner_connected: true,
            printer: frontdesk::api::PrinterHealth::NotConfigured,
            terminal: frontdesk::api::TerminalHealth::NotConfigured,
            terminal_batch: None,
        })
        .unwrap();
}

fn office() -> (tempfile::TempDir, TestOffice) {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    (dir, office)
}

#[test]
fn a_check_in_whose_request_was_cancelled_is_still_announced() {
    let (_dir, office) = office();
    let staff = open_stream(&office, None);
    let submission = submission(&office, 0);
    let client = OfficeClient::new(&office.base, KIOSK_TOKEN).unwrap();
    let body = serde_json::to_string(&sealed(&client, &submission)).unwrap();

    // Hold the store, so the office cannot commit, let alone answer, until we let go.
    let store = office.state.store.get().unwrap();
    let mut kiosk = std::net::TcpStream::connect(office.addr).unwrap();
    write!(
        kiosk,
        "POST /api/kiosk/v1/outbox HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {KIOSK_TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        office.addr,
        body.len()
    )
    .unwrap();
    wait_until("the check-in to reach the writer", || {
        (office.state.intake.in_hand() == 1).then_some(())
    });
    // The kiosk gives up. The office drops the request and closes the connection
    // without a word: the handler is gone before anything was committed.
    kiosk.shutdown(std::net::Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    let _ = kiosk.read_to_end(&mut answer);
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    drop(kiosk);
    drop(store);

    let event = next(&staff);
    assert_eq!(event.event, "queue");
    let announced: serde_json::Value = serde_json::from_str(&event.data).unwrap();
    assert_eq!(
        announced,
        serde_json::json!({
            "kind": "checked_in",
            "check_in": submission.id.to_string(),
            "appointment": submission.appointment.get().to_string(),
        })
    );
    assert!(event.id.is_some());
    assert_eq!(office.queue().checked_in.len(), 1);

    // The kiosk retries: "already stored", and it is not announced a second time.
    assert_eq!(
        submit(&office, &submission),
        SubmissionOutcome::AlreadyStored
    );
    mark(&office);
    let marker = next(&staff);
    assert!(marker.data.contains("kiosk_health"), "{marker:?}");
    assert!(marker.id() > event.id());
}

#[test]
fn a_reconnecting_stream_gets_exactly_the_events_after_its_last_id() {
    let (_dir, office) = office();
    let first = open_stream(&office, None);
    for n in 0..3 {
        assert_eq!(
            submit(&office, &submission(&office, n)),
            SubmissionOutcome::Accepted
        );
    }
    let seen: Vec<Sse> = (0..3).map(|_| next(&first)).collect();
    assert!(seen.iter().all(|e| e.data.contains("checked_in")));
    assert!(
        seen[0].id() < seen[1].id() && seen[1].id() < seen[2].id(),
        "{seen:?}"
    );

    // The page lost its connection after the first event and comes back.
    let again = open_stream(&office, seen[0].id.as_deref());
    mark(&office);
    let live = next(&first);
    assert!(live.data.contains("kiosk_health"));
    let resumed: Vec<Sse> = (0..3).map(|_| next(&again)).collect();
    assert_eq!(
        resumed,
        vec![seen[1].clone(), seen[2].clone(), live.clone()],
        "what it missed, then live, nothing twice"
    );

    // Up to date: nothing to replay, only what comes next.
    let current = open_stream(&office, live.id.as_deref());
    mark(&office);
    let after = next(&current);
    assert!(after.id() > live.id());
    assert_eq!(after, next(&first));
}

#[test]
fn an_unknown_or_too_old_id_gets_resync() {
    let (_dir, office) = office();
    let events = &office.state.events;
    let fresh = open_stream(&office, None);
    mark(&office);
    let oldest = next(&fresh);

    // Nothing this run gave out: far in the past, in the future, not a number.
    for unknown in ["1", "18446744073709551615", "soon", ""] {
        let stream = open_stream(&office, Some(unknown));
        let first = next(&stream);
        assert_eq!(first.event, "resync", "{unknown:?}");
        assert_eq!(
            first.id(),
            oldest.id(),
            "{unknown:?}: resumes from the newest"
        );
    }

    // More events than the office keeps: the oldest ones fall out.
    for n in 0..=RING_LEN {
        events.publish(QueueEvent::KioskHealth {
            kiosk: KioskId::new(&format!("lobby-{}", n % 50)).unwrap(),
        });
    }
    let newest = oldest.id() + RING_LEN as u64 + 1;
    let behind = open_stream(&office, oldest.id.as_deref());
    let first = next(&behind);
    assert_eq!(first.event, "resync");
    assert_eq!(first.id(), newest);

    // The page resumes from the resync's id like from any other.
    let resumed = open_stream(&office, first.id.as_deref());
    mark(&office);
    let after = next(&resumed);
    assert_eq!((after.event.as_str(), after.id()), ("queue", newest + 1));

    // Just inside what is kept (the last RING_LEN, up to newest + 1): all of it, in order.
    let edge = newest + 1 - RING_LEN as u64;
    let replayed = open_stream(&office, Some(&edge.to_string()));
    let ids: Vec<u64> = (0..RING_LEN).map(|_| next(&replayed).id()).collect();
    let expected: Vec<u64> = (edge + 1..=newest + 1).collect();
    assert_eq!(ids, expected);
}

#[test]
fn after_a_restart_old_ids_resync_and_new_ids_are_larger() {
    let dir = tempfile::tempdir().unwrap();
    let office_dir = dir.path().join("office");
    let office = start_office(&office_dir, "127.0.0.1:0".parse().unwrap());
    let stream = open_stream(&office, None);
    mark(&office);
    let before = next(&stream);
    office.stop();

    let office = start_office(&office_dir, "127.0.0.1:0".parse().unwrap());
    let back = open_stream(&office, before.id.as_deref());
    let first = next(&back);
    assert_eq!(first.event, "resync", "the old run's events are gone");
    mark(&office);
    let after = next(&back);
    assert!(
        after.id() > before.id(),
        "ids never go backwards for the page"
    );
}

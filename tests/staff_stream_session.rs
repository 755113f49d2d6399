//! An open live stream does not outlive its session: over real HTTP, a staff member's
//! event stream ends when they sign out in another request, and when an administrator
//! disables them; another member's stream carries on and still hears the queue. The test
//! waits for the stream's end of body, never for an amount of time (the bound below only
//! turns a hang into a failure).

mod support;

use frontdesk::office::signin::Role;
use reqwest::StatusCode;
use std::io::Read as _;
use std::sync::mpsc;
use std::time::Duration;
use support::{StaffClient, sign_in, start_office};

/// What a stream reader saw.
#[derive(Debug, PartialEq, Eq)]
enum Heard {
    Bytes(String),
    Closed,
}

/// Opens the event stream as `staff` and reads it on a thread of its own, reporting each
/// chunk and the end of the body.
fn open_stream(base: &str, staff: &StaffClient) -> mpsc::Receiver<Heard> {
    let client = reqwest::blocking::Client::builder()
        .timeout(None)
        .build()
        .unwrap();
    let mut response = client
        .get(format!("{base}/api/staff/v1/events"))
        .header("cookie", &staff.cookie)
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        loop {
            match response.read(&mut buf) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Heard::Closed);
                    return;
                }
                Ok(n) => {
                    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                    if tx.send(Heard::Bytes(text)).is_err() {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// A failure bound, far above the keep-alive period: the test waits for what it names.
const HANG: Duration = Duration::from_secs(120);

fn wait_closed(rx: &mpsc::Receiver<Heard>, who: &str) {
    loop {
        match rx.recv_timeout(HANG) {
            Ok(Heard::Closed) => return,
            Ok(Heard::Bytes(_)) => {}
            Err(error) => panic!("{who}'s stream never closed: {error}"),
        }
    }
}

fn wait_hearing(rx: &mpsc::Receiver<Heard>, what: &str, who: &str) {
    let mut heard = String::new();
    loop {
        match rx.recv_timeout(HANG) {
            Ok(Heard::Bytes(text)) => {
                heard.push_str(&text);
                if heard.contains(what) {
                    return;
                }
            }
            Ok(Heard::Closed) => panic!("{who}'s stream closed before {what:?}: {heard}"),
            Err(error) => panic!("{who}'s stream never carried {what:?}: {error}; {heard}"),
        }
    }
}

#[test]
fn a_live_stream_ends_with_its_session() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let base = office.base.clone();
    let desk = sign_in(&office.state, &base, "stream-desk", Role::FrontDesk);
    let nurse = sign_in(&office.state, &base, "stream-nurse", Role::FrontDesk);
    let admin = sign_in(&office.state, &base, "stream-admin", Role::Admin);

    let desk_stream = open_stream(&base, &desk);
    let nurse_stream = open_stream(&base, &nurse);

    // The desk signs out in another request: their stream ends.
    let response = desk.post(format!("{base}/logout")).send().unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    wait_closed(&desk_stream, "the signed-out desk");

    // The nurse's stream looked again at its session and carries on: it hears a check-in.
    let check_in = support::check_in_first(&base);
    wait_hearing(&nurse_stream, &check_in.to_string(), "the nurse");

    // A stream opened with the ended session is refused at once.
    let refused = reqwest::blocking::Client::new()
        .get(format!("{base}/api/staff/v1/events"))
        .header("cookie", &desk.cookie)
        .send()
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

    // An administrator disables the nurse: the nurse's stream ends.
    let response = admin
        .post(format!("{base}/api/staff/v1/users/{}/disable", nurse.user))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    wait_closed(&nurse_stream, "the disabled nurse");

    office.stop();
}

//! The HL7 v2 interface over real sockets: SIU in through our MLLP listener, ADT^A04 out
//! to an MLLP peer from PyPI (python-hl7, `pip install hl7`), which parses what we send.

mod hl7_support;
mod support;

use frontdesk::hl7::message::{AckCode, read_ack};
use frontdesk::hl7::mllp::{FrameReader, frame};
use frontdesk::office::hl7::status::Hl7Status;
use frontdesk::office::staff::QueueView;
use hl7_support::{PATIENCE, Peer, office_sending_to, status, wait_for};
use jiff::Timestamp;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use support::{Relay, TestOffice};

fn office_with_listener(dir: &Path) -> TestOffice {
    support::start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        config.hl7.listen = Some("127.0.0.1:0".parse().unwrap());
    })
}

fn listener_addr(office: &TestOffice) -> SocketAddr {
    office
        .state
        .hl7
        .listening()
        .expect("the HL7 listener is bound")
}

/// Sends framed `bytes` on a new connection and reads the one answer.
fn send(addr: SocketAddr, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(bytes).unwrap();
    read_answer(&mut stream)
}

fn read_answer(stream: &mut TcpStream) -> String {
    let mut reader = FrameReader::new(64 * 1024);
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).unwrap();
        assert!(read > 0, "the listener closed without answering");
        if let Some(answer) = reader.push(&buffer[..read]).into_iter().next() {
            return String::from_utf8(answer.unwrap()).unwrap();
        }
    }
}

fn siu(trigger: &str, control_id: &str, appointment_id: &str, day: &str, time: &str) -> String {
    format!(
        "MSH|^~\\&|EHR|DEMO|FRONTDESK|DEMO|{day}0800||SIU^{trigger}^SIU_S12|{control_id}|P|2.5.1\r\
         SCH|PL-{appointment_id}|{appointment_id}|||||ROUTINE\r\
         PID|1||MRN-7001^^^DEMO^MR||Testhl7^Olga||19610203|F\r\
         RGS|1\r\
         AIS|1||OFFICE^Office visit|{day}{time}|||15|min\r\
         AIP|1||7^Able^Demo^^^Dr.|ATTENDING\r"
    )
}

fn queue(office: &TestOffice) -> QueueView {
    office.queue()
}

fn expected_times(office: &TestOffice, patient: &str) -> Vec<String> {
    queue(office)
        .expected
        .into_iter()
        .filter(|e| e.patient.as_str() == patient)
        .map(|e| e.starts_at)
        .collect()
}

fn today(office: &TestOffice) -> String {
    office
        .state
        .today(Timestamp::now())
        .strftime("%Y%m%d")
        .to_string()
}

#[test]
fn siu_booked_in_over_a_socket_shows_on_the_staff_queue_and_s15_cancels_it() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_listener(dir.path());
    let addr = listener_addr(&office);
    let day = today(&office);

    let answer = send(
        addr,
        &frame(siu("S12", "C-1", "HL7-1", &day, "1340").as_bytes()),
    );
    let ack = read_ack(answer.as_bytes()).unwrap();
    assert_eq!(ack.code, AckCode::Accept, "{answer}");
    assert_eq!(ack.answers, "C-1");
    assert_eq!(expected_times(&office, "Testhl7, Olga"), ["13:40"]);
    let entry = queue(&office)
        .expected
        .into_iter()
        .find(|e| e.patient.as_str() == "Testhl7, Olga")
        .unwrap();
    assert_eq!(entry.provider, "Dr. Demo Able");

    // The same booking again (a resend) changes nothing; a reschedule moves it, keeping
    // its handle (a printed code stays good).
    let again = send(
        addr,
        &frame(siu("S12", "C-2", "HL7-1", &day, "1340").as_bytes()),
    );
    assert_eq!(read_ack(again.as_bytes()).unwrap().code, AckCode::Accept);
    assert_eq!(expected_times(&office, "Testhl7, Olga"), ["13:40"]);
    let moved = send(
        addr,
        &frame(siu("S13", "C-3", "HL7-1", &day, "1415").as_bytes()),
    );
    assert_eq!(read_ack(moved.as_bytes()).unwrap().code, AckCode::Accept);
    let after: Vec<_> = queue(&office)
        .expected
        .into_iter()
        .filter(|e| e.patient.as_str() == "Testhl7, Olga")
        .collect();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].starts_at, "14:15");
    assert_eq!(after[0].appointment, entry.appointment);

    // Several messages on one connection are answered in order.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let mut both = frame(siu("S14", "C-4", "HL7-1", &day, "1430").as_bytes());
    both.extend(frame(siu("S15", "C-5", "HL7-1", &day, "1430").as_bytes()));
    stream.write_all(&both).unwrap();
    assert_eq!(
        read_ack(read_answer(&mut stream).as_bytes())
            .unwrap()
            .answers,
        "C-4"
    );
    let cancelled = read_ack(read_answer(&mut stream).as_bytes()).unwrap();
    assert_eq!(
        (cancelled.code, cancelled.answers.as_str()),
        (AckCode::Accept, "C-5")
    );
    assert!(expected_times(&office, "Testhl7, Olga").is_empty());

    let status: Hl7Status = support::staff_get(format!("{}/api/staff/v1/hl7", office.base))
        .unwrap()
        .json()
        .unwrap();
    assert!(status.enabled);
    assert_eq!(status.inbound.accepted, 5);
    assert_eq!(status.inbound.refused, 0);
    assert_eq!(status.outbound.peer, None);
}

#[test]
fn garbage_gets_a_nak_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let office = office_with_listener(dir.path());
    let addr = listener_addr(&office);
    let day = today(&office);
    let before = queue(&office).expected.len();

    // Framed, but not HL7.
    let answer = send(addr, &frame(b"hello, is this the EHR?"));
    let nak = read_ack(answer.as_bytes()).unwrap();
    assert_eq!(nak.code, AckCode::Reject);
    assert!(answer.contains("\rERR|"), "{answer}");

    // Not framed at all: rejected, then the connection is closed.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    assert_eq!(
        read_ack(read_answer(&mut stream).as_bytes()).unwrap().code,
        AckCode::Reject
    );
    let mut rest = Vec::new();
    let _ = stream.read_to_end(&mut rest);

    // HL7, but the wrong version, an unknown type, or a booking without a patient name.
    let old = siu("S12", "C-6", "HL7-2", &day, "1000").replace("|P|2.5.1", "|P|2.1");
    let answer = send(addr, &frame(old.as_bytes()));
    assert_eq!(read_ack(answer.as_bytes()).unwrap().code, AckCode::Reject);
    assert!(answer.contains("203^Unsupported version id"), "{answer}");
    let adt = siu("S12", "C-7", "HL7-2", &day, "1000").replace("SIU^S12^SIU_S12", "ADT^A01");
    let answer = send(addr, &frame(adt.as_bytes()));
    assert_eq!(read_ack(answer.as_bytes()).unwrap().code, AckCode::Reject);
    let nameless = siu("S12", "C-8", "HL7-2", &day, "1000").replace("Testhl7^Olga", "");
    let answer = send(addr, &frame(nameless.as_bytes()));
    let nak = read_ack(answer.as_bytes()).unwrap();
    assert_eq!((nak.code, nak.answers.as_str()), (AckCode::Error, "C-8"));
    assert!(answer.contains("101^Required field missing^HL70357|E||||HL7: PID-5 is required"));
    // A malformed segment after good ones.
    let broken = format!("{}p!d|x\r", siu("S12", "C-9", "HL7-2", &day, "1000"));
    let answer = send(addr, &frame(broken.as_bytes()));
    assert_eq!(read_ack(answer.as_bytes()).unwrap().code, AckCode::Reject);

    assert_eq!(queue(&office).expected.len(), before);
    let status: Hl7Status = support::staff_get(format!("{}/api/staff/v1/hl7", office.base))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(status.inbound.accepted, 0);
    assert_eq!(status.inbound.refused, 6);
    assert!(status.inbound.last_error.is_some());
}

#[test]
fn a_check_in_sends_an_adt_a04_the_peer_parses_and_acknowledges() {
    let dir = tempfile::tempdir().unwrap();
    let peer = Peer::start(dir.path(), "peer", None);
    let office = office_sending_to(dir.path(), peer.addr, |_| {});
    support::check_in_first(&office.base);
    wait_for("the A04 to be acknowledged", || {
        status(&office).outbound.delivered == 1
    });
    let received = peer.received();
    assert_eq!(received.len(), 1);
    let a04 = &received[0];
    assert_eq!(a04["type"], "ADT");
    assert_eq!(a04["event"], "A04");
    assert_eq!(a04["version"], "2.5.1");
    assert_eq!(
        a04["segments"],
        serde_json::json!(["MSH", "EVN", "PID", "PV1"])
    );
    // The first appointment of the synthetic day.
    assert_eq!(a04["family"], "Testpatient");
    assert_eq!(a04["given"], "Ada");
    assert_eq!(a04["patient_id"], "DEMO-0001");
    assert_eq!(a04["birth_date"], "19500101");
    let status = status(&office);
    assert!(status.outbound.connected);
    assert_eq!(status.outbound.waiting, 0);
    assert_eq!(status.outbound.last_error, None);
}

#[test]
fn with_the_peer_down_200_check_ins_are_each_delivered_once_in_order_when_it_returns() {
    let dir = tempfile::tempdir().unwrap();
    // The peer's address is a relay that closes every connection until the peer is up.
    let relay = Relay::start("127.0.0.1:9".parse().unwrap());
    relay.point_to(None);
    let relay_addr: SocketAddr = relay.base().trim_start_matches("http://").parse().unwrap();
    let office = office_sending_to(dir.path(), relay_addr, |_| {});

    // 200 appointments today for 40 patients, five each.
    let today = office.state.today(Timestamp::now());
    let list: Vec<_> = (0..200)
        .map(|i| {
            let mut a = frontdesk::office::appointments::demo_set(today)[0].clone();
            a.external_id = format!("LOAD-{i:03}");
            a.patient_id = frontdesk::office::appointments::PatientNumber::new(&format!(
                "LOAD-P{:02}",
                i % 40
            ));
            a
        })
        .collect();
    office
        .state
        .store
        .get()
        .unwrap()
        .import_appointments(&list)
        .unwrap();
    let handles: std::collections::HashMap<_, _> = office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(today)
        .unwrap()
        .into_iter()
        .filter(|a| a.external_id.starts_with("LOAD-"))
        .map(|a| (a.id, a.external_id))
        .collect();
    assert_eq!(handles.len(), 200);

    // Check in all 200 in a shuffled order while the peer is down.
    let client = frontdesk::sync::OfficeClient::new(&office.base, support::KIOSK_TOKEN).unwrap();
    let mut order: Vec<_> = handles.keys().copied().collect();
    order.sort_by_key(|h| h.get().wrapping_mul(0x9E37_79B9_7F4A_7C15));
    for handle in &order {
        let submission = frontdesk::api::CheckInSubmission {
            id: frontdesk::domain::CheckInId::random(),
            clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
            appointment: *handle,
            arrived_at: Timestamp::now(),
        };
        client
            .deliver(&support::sealed(&client, &submission))
            .unwrap();
    }
    wait_for("a failed delivery attempt", || {
        status(&office).outbound.last_error.is_some()
    });
    let down = status(&office);
    assert_eq!(down.outbound.waiting, 200);
    assert_eq!(down.outbound.delivered, 0);
    assert!(!down.outbound.connected);
    assert!(down.outbound.oldest_waiting.is_some());

    let peer = Peer::start(dir.path(), "peer", None);
    relay.point_to(Some(peer.addr));
    wait_for("all 200 to be delivered", || {
        status(&office).outbound.delivered == 200
    });
    let up = status(&office);
    assert_eq!((up.outbound.waiting, up.outbound.failed), (0, 0));

    let received = peer.received();
    let ids: std::collections::HashSet<_> = received
        .iter()
        .map(|r| r["control_id"].to_string())
        .collect();
    assert_eq!(ids.len(), received.len(), "a message was delivered twice");
    assert_eq!(received.len(), 200);
    // Per patient, the visits arrive in the order they checked in.
    let mut expected: std::collections::HashMap<String, Vec<String>> = Default::default();
    for handle in &order {
        let visit = handles[handle].clone();
        let patient = format!("LOAD-P{:02}", visit[5..].parse::<usize>().unwrap() % 40);
        expected.entry(patient).or_default().push(visit);
    }
    let mut got: std::collections::HashMap<String, Vec<String>> = Default::default();
    for r in &received {
        got.entry(r["patient_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(r["visit"].as_str().unwrap().to_owned());
    }
    assert_eq!(got, expected);
}

#[test]
fn the_demo_ehr_simulator_acknowledges_a_check_ins_a04() {
    let dir = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let (heard_tx, heard) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = frontdesk::office::hl7::sim::serve(listener, move |line| {
                let _ = heard_tx.send(line.to_owned());
            })
            .await;
        });
    });
    let office = office_sending_to(dir.path(), addr, |_| {});
    support::check_in_first(&office.base);
    wait_for("the A04 to be acknowledged", || {
        status(&office).outbound.delivered == 1
    });
    let line = heard.recv_timeout(PATIENCE).unwrap();
    assert!(line.starts_with("ADT^A04 FD"), "{line}");
    assert!(line.ends_with(" acknowledged"), "{line}");
    assert!(!line.contains("Testpatient"), "no PHI printed: {line}");
    // Garbage is refused with AR, and says so without quoting it.
    let answer = send(addr, &frame(b"NOT HL7 Secretname"));
    assert!(answer.contains("MSA|AR"), "{answer}");
    let refused = heard.recv_timeout(PATIENCE).unwrap();
    assert!(
        refused.starts_with("unreadable message refused"),
        "{refused}"
    );
    assert!(!refused.contains("Secretname"), "{refused}");
}

//! Figure 16 (EHR interface, issue 14): a check-in → its ADT^A04 acknowledged by the
//! EHR's MLLP peer (p50 / p99), against the check-in's own HTTP round trip; and 1,000
//! ADT messages queued during an outage drained once the peer is back (s), against the
//! same messages pushed over one connection with no store. The peer is ours, in-process
//! (framing and ACK from `frontdesk::hl7`), so the figure measures the office.

use crate::Scale;
use crate::office_rig::OfficeRig;
use crate::outbound;
use crate::report::{Report, percentile};
use anyhow::bail;
use frontdesk::hl7::message::{self, AckCode, Parties};
use frontdesk::hl7::mllp::{FrameReader, MAX_MESSAGE, frame};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

/// An MLLP peer on its own thread: while `up` is false it hangs up on every connection
/// (an EHR that is down); once up it answers every message `AA` and reports when.
struct Peer {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    acked: mpsc::Receiver<Instant>,
}

impl Peer {
    fn start(up: bool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let up = Arc::new(AtomicBool::new(up));
        let (tx, acked) = mpsc::channel();
        let flag = up.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let tx = tx.clone();
                std::thread::spawn(move || answer_all(stream, &tx));
            }
        });
        Ok(Self { addr, up, acked })
    }
}

fn parties() -> Parties {
    Parties {
        sending_application: "EHR".into(),
        sending_facility: "EHR".into(),
        receiving_application: "FRONTDESK".into(),
        receiving_facility: "FRONTDESK".into(),
    }
}

fn answer_all(mut stream: TcpStream, acked: &mpsc::Sender<Instant>) {
    let _ = stream.set_nodelay(true);
    let mut reader = FrameReader::new(MAX_MESSAGE);
    let mut buffer = [0u8; 16 * 1024];
    while let Ok(read) = stream.read(&mut buffer) {
        if read == 0 {
            return;
        }
        for item in reader.push(&buffer[..read]) {
            let Ok(bytes) = item else { return };
            let Ok(parsed) = message::parse(&bytes) else {
                return;
            };
            let ack = message::ack(
                &parties(),
                Some(&parsed.header),
                &parsed.header.control_id,
                AckCode::Accept,
                None,
                "BENCHACK",
                "20261203090000",
            );
            if stream.write_all(&frame(ack.as_bytes())).is_err() {
                return;
            }
            let _ = acked.send(Instant::now());
        }
    }
}

fn office(
    dir: &std::path::Path,
    peer: SocketAddr,
    appointments: usize,
) -> anyhow::Result<OfficeRig> {
    OfficeRig::start_with(dir, "127.0.0.1:0".parse()?, 1, appointments, |config| {
        config.hl7.peer = Some(peer.to_string());
        config.hl7.max_backoff_ms = 200;
    })
}

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let rounds = scale.timed_events;
    let queued = (scale.drain_count / 10).max(50);
    println!(
        "16. HL7: {rounds} check-ins → ADT^A04 acknowledged; {queued} queued messages drained"
    );
    let dir = tempfile::tempdir()?;

    // Check-in → A04 acknowledged, one at a time.
    let peer = Peer::start(true)?;
    let warmup = rounds / 10 + 1;
    let rig = office(&dir.path().join("latency"), peer.addr, warmup + rounds)?;
    let (check_in_ms, ack_ms) = outbound::timed_check_ins(&rig, warmup, &peer.acked, "A04")?;
    for (p, label) in [(50.0, "p50"), (99.0, "p99")] {
        report.figure(
            "16",
            format!("check-in → ADT^A04 acknowledged, {label} of {rounds}"),
            (percentile(&ack_ms, p), percentile(&check_in_ms, p)),
            "ms",
            "the check-in's HTTP round trip alone",
        );
    }
    rig.stop();

    // An outage: the peer hangs up while `queued` check-ins are stored, then comes back.
    let peer = Peer::start(false)?;
    let rig = office(&dir.path().join("drain"), peer.addr, queued)?;
    let drained = outbound::drain_after_outage(
        &rig,
        queued,
        &peer.up,
        |store| Ok(store.hl7_summary()?.waiting),
        "messages",
    )?;
    let summary = outbound::store(&rig)?.hl7_summary()?;
    report.check(
        format!("all {queued} queued ADT messages delivered, none failed"),
        summary.delivered == queued as u64 && summary.failed == 0,
    );
    rig.stop();

    // Baseline: the same number of A04-sized messages over one connection, no store.
    let wire = Peer::start(true)?;
    let sample = "MSH|^~\\&|FRONTDESK|FRONTDESK|EHR|EHR|20261203090000+0000||ADT^A04^ADT_A01|FD0000000000000001|P|2.5.1\rEVN|A04|20261203090000+0000\rPID|1||DEMO-0001^^^FRONTDESK^MR||Testpatient^Ada^^^^^L||19500101|||100 Example St^^Exampleville^TX^75001^^H||(217) 555-0100^PRN^PH\rPV1|1|O|||||^Dr. Demo Able||||||||||||BENCH-000001|||||||||||||||||||||||||20261203090000+0000\r";
    let mut stream = TcpStream::connect(wire.addr)?;
    stream.set_nodelay(true)?;
    let started = Instant::now();
    let mut reader = FrameReader::new(MAX_MESSAGE);
    let mut buffer = [0u8; 4096];
    for _ in 0..queued {
        stream.write_all(&frame(sample.as_bytes()))?;
        let mut answered = false;
        while !answered {
            let read = stream.read(&mut buffer)?;
            if read == 0 {
                bail!("baseline peer hung up");
            }
            answered = !reader.push(&buffer[..read]).is_empty();
        }
    }
    let wire_secs = started.elapsed().as_secs_f64();
    report.figure(
        "16",
        format!("{queued} ADT messages queued in an outage, drained"),
        (drained, wire_secs),
        "s",
        "the same count over one connection, no store",
    );
    Ok(())
}

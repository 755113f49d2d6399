//! Figure 16 (EHR interface, issue 14): a check-in → its `Appointment.status = arrived`
//! written to the FHIR server (p50 / p99), against the check-in's own HTTP round trip; and
//! 1,000 arrival writes queued during an outage drained once the server is back (s),
//! against the same number of PUTs from one client with no store.
//!
//! The server is a minimal FHIR endpoint in Rust on loopback (axum, in-process), not the
//! tests' Python server: that one validates every write with pydantic, which would put
//! Python's time into the office's figure. It answers the read of an Appointment with a
//! booked one, and takes the PUT of it back; while "down" it answers 503.

use crate::Scale;
use crate::office_rig::{OfficeRig, appointments};
use crate::outbound;
use crate::report::{Report, percentile};
use anyhow::Context as _;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use frontdesk::fhir::FhirId;
use frontdesk::office::config::FhirWrite;
use frontdesk::office::store::PulledAppointment;
use jiff::Timestamp;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

#[derive(Clone)]
struct Server {
    up: Arc<AtomicBool>,
    written: mpsc::Sender<Instant>,
}

/// The endpoint on its own thread and runtime.
struct Endpoint {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    written: mpsc::Receiver<Instant>,
}

impl Endpoint {
    fn start(up: bool) -> anyhow::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let up = Arc::new(AtomicBool::new(up));
        let (tx, written) = mpsc::channel();
        let server = Server {
            up: up.clone(),
            written: tx,
        };
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let app = axum::Router::new()
                    .route("/fhir/Appointment/{id}", get(read).put(write))
                    .with_state(server);
                let listener =
                    tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                let _ = axum::serve(listener, app).await;
            });
        });
        Ok(Self { addr, up, written })
    }
}

fn fhir_json(body: String) -> Response {
    ([("content-type", "application/fhir+json")], body).into_response()
}

async fn read(State(server): State<Server>, Path(id): Path<String>) -> Response {
    if !server.up.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    fhir_json(format!(
        r#"{{"resourceType":"Appointment","id":"{id}","status":"booked","participant":[{{"actor":{{"reference":"Patient/bench-patient"}},"status":"accepted"}}]}}"#
    ))
}

async fn write(State(server): State<Server>, body: String) -> Response {
    if !server.up.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let _ = server.written.send(Instant::now());
    fhir_json(body)
}

/// An office writing arrivals to `endpoint`, with `count` of today's appointments pulled
/// from it (stored as a pull would store them).
fn office(dir: &std::path::Path, endpoint: SocketAddr, count: usize) -> anyhow::Result<OfficeRig> {
    let rig = OfficeRig::start_with(dir, "127.0.0.1:0".parse()?, 1, 0, |config| {
        config.fhir.base_url = Some(format!("http://{endpoint}/fhir"));
        config.fhir.pull_every_secs = 0;
        config.fhir.write = vec![FhirWrite::Appointment];
        config.fhir.timeout_ms = 5_000;
        config.fhir.max_backoff_ms = 200;
    })?;
    let now = Timestamp::now();
    let today = rig.state.today(now);
    let pulled: Vec<PulledAppointment> = appointments(today, count)
        .into_iter()
        .enumerate()
        .map(|(i, appointment)| {
            Ok(PulledAppointment {
                appointment,
                fhir_appointment: FhirId::new(&format!("bench-{i}")).context("an id")?,
                fhir_patient: FhirId::new(&format!("bench-patient-{i}")).context("an id")?,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    outbound::store(&rig)?.import_fhir_day(today, &pulled, now)?;
    Ok(rig)
}

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let rounds = scale.timed_events;
    let queued = (scale.drain_count / 10).max(50);
    println!(
        "16. FHIR: {rounds} check-ins → Appointment arrived written; {queued} queued writes drained"
    );
    let dir = tempfile::tempdir()?;

    // Check-in → arrival written, one at a time.
    let endpoint = Endpoint::start(true)?;
    let warmup = rounds / 10 + 1;
    let rig = office(&dir.path().join("latency"), endpoint.addr, warmup + rounds)?;
    let (check_in_ms, written_ms) =
        outbound::timed_check_ins(&rig, warmup, &endpoint.written, "arrival")?;
    for (p, label) in [(50.0, "p50"), (99.0, "p99")] {
        report.figure(
            "16",
            format!("check-in → FHIR Appointment arrived written, {label} of {rounds}"),
            (percentile(&written_ms, p), percentile(&check_in_ms, p)),
            "ms",
            "the check-in's HTTP round trip alone",
        );
    }
    rig.stop();

    // An outage: the server answers 503 while `queued` check-ins are stored, then is back.
    let endpoint = Endpoint::start(false)?;
    let rig = office(&dir.path().join("drain"), endpoint.addr, queued)?;
    let drained = outbound::drain_after_outage(
        &rig,
        queued,
        &endpoint.up,
        |store| Ok(store.fhir_summary()?.waiting),
        "writes",
    )?;
    let after = outbound::store(&rig)?.fhir_summary()?;
    report.check(
        format!("all {queued} queued FHIR writes delivered, none failed"),
        after.delivered == queued as u64 && after.failed == 0,
    );
    rig.stop();

    // Baseline: the same number of GET + PUT pairs from one client, no store.
    let http = reqwest::blocking::Client::new();
    let body = r#"{"resourceType":"Appointment","id":"bench-0","status":"arrived","participant":[{"actor":{"reference":"Patient/bench-patient"},"status":"accepted"}]}"#;
    let url = format!("http://{}/fhir/Appointment/bench-0", endpoint.addr);
    let started = Instant::now();
    for _ in 0..queued {
        http.get(&url).send()?.error_for_status()?.bytes()?;
        http.put(&url)
            .header("content-type", "application/fhir+json")
            .body(body)
            .send()?
            .error_for_status()?
            .bytes()?;
    }
    let wire_secs = started.elapsed().as_secs_f64();
    report.figure(
        "16",
        format!("{queued} FHIR writes queued in an outage, drained"),
        (drained, wire_secs),
        "s",
        "the same reads and writes from one client, no store",
    );
    Ok(())
}

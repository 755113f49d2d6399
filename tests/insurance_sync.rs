//! The kiosk's insurance client against a small office stub on loopback that speaks the
//! contract: `GET /insurance` (ETag = revision, `If-None-Match` → 304; 404 from an office
//! without it) taken once, kept in `insurance.json` and posted to the journey; a
//! restarted kiosk sends the kept revision; `GET /appointments/{handle}/coverage` and
//! `/due` read, a 404 (not today's) read as nothing.

mod sync_support;

use axum::Json;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use frontdesk::api::{
    AppointmentDue, CoverageOnFile, CoverageSummary, InsuranceReference, KioskConfig,
    PayerListEntry, RosterResponse, TrustedShcIssuer,
};
use frontdesk::checkin::Event;
use frontdesk::domain::{
    AmountDue, AppointmentId, Cents, ClinicId, CoverageRank, PayerId, PayerName,
    SubscriberRelationship,
};
use frontdesk::seal::SealSecretKey;
use frontdesk::sync::insurance::{INSURANCE_FILE, load};
use frontdesk::sync::{InsuranceFetch, OfficeClient, SyncHandle, WorkerSettings};
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

const TOKEN: &str = "test-kiosk-token-0123456789";

#[derive(Clone, Default)]
struct Stub {
    /// `None`: an office from before insurance (404).
    publish: Arc<Mutex<Option<InsuranceReference>>>,
    /// The `If-None-Match` of every `/insurance` request, in order.
    seen: Arc<Mutex<Vec<Option<String>>>>,
}

async fn config() -> Json<KioskConfig> {
    let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
    Json(KioskConfig {
        clinic: ClinicId::new(1).unwrap(),
        clinic_name: "Demo Family Practice".into(),
        timezone: "UTC".into(),
        token_public_key: base64::engine::general_purpose::STANDARD
            .encode(key.verifying_key().as_bytes()),
        seal_public_key: SealSecretKey::from_bytes([6; 32]).public_key(),
        sex_options: None,
    })
}

async fn roster() -> Json<RosterResponse> {
    Json(RosterResponse {
        entries: Vec::new(),
        waiting: 0,
        identity_key: None,
    })
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({"error": "not_found"})),
    )
        .into_response()
}

async fn insurance(State(stub): State<Stub>, headers: HeaderMap) -> Response {
    let sent = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    stub.seen.lock().unwrap().push(sent.clone());
    match stub.publish.lock().unwrap().clone() {
        None => not_found(),
        Some(reference) if sent.as_deref() == Some(reference.revision.as_str()) => {
            StatusCode::NOT_MODIFIED.into_response()
        }
        Some(reference) => Json(reference).into_response(),
    }
}

/// Appointment 7 is today's, with one coverage on file and $30.00 due; any other is not.
async fn coverage(UrlPath(handle): UrlPath<u64>) -> Response {
    if handle != 7 {
        return not_found();
    }
    Json(CoverageOnFile {
        appointment: AppointmentId::new(7),
        coverages: vec![CoverageSummary {
            rank: CoverageRank::Primary,
            payer_name: PayerName::new("Testpayer Health Plan").unwrap(),
            member_id_last_four: "0042".into(),
            relationship: SubscriberRelationship::Patient,
        }],
    })
    .into_response()
}

async fn due(UrlPath(handle): UrlPath<u64>) -> Response {
    if handle != 7 {
        return not_found();
    }
    Json(AppointmentDue {
        appointment: AppointmentId::new(7),
        due: AmountDue {
            copay: Cents::new(3000),
            balance: Cents::new(0),
        },
        copay_verified: true,
    })
    .into_response()
}

fn start_stub(stub: Stub) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/api/kiosk/v1/config", get(config))
        .route("/api/kiosk/v1/roster", get(roster))
        .route("/api/kiosk/v1/heartbeat", post(|| async { StatusCode::OK }))
        .route("/api/kiosk/v1/forms", get(|| async { not_found() }))
        .route("/api/kiosk/v1/insurance", get(insurance))
        .route(
            "/api/kiosk/v1/appointments/{handle}/coverage",
            get(coverage),
        )
        .route("/api/kiosk/v1/appointments/{handle}/due", get(due))
        .with_state(stub);
    std::thread::spawn(move || {
        runtime.block_on(async { axum::serve(listener, app).await.unwrap() });
    });
    base
}

fn reference(revision: &str) -> InsuranceReference {
    InsuranceReference {
        revision: revision.into(),
        payers: vec![PayerListEntry {
            id: PayerId::new("TSTPAYER1").unwrap(),
            name: PayerName::new("Testpayer Health Plan").unwrap(),
        }],
        shc_issuers: vec![TrustedShcIssuer {
            iss: frontdesk::scan::shc_sample::ISSUER.into(),
            jwks: frontdesk::scan::shc_sample::jwks(),
        }],
    }
}

fn sync(base: &str, dir: &Path, revision: Option<String>) -> (SyncHandle, mpsc::Receiver<Event>) {
    sync_support::start(
        base,
        TOKEN,
        dir,
        WorkerSettings {
            insurance_file: Some(dir.join(INSURANCE_FILE)),
            insurance_revision: revision,
            ..sync_support::quick_settings()
        },
    )
}

fn until_requests(stub: &Stub, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while stub.seen.lock().unwrap().len() < count {
        assert!(Instant::now() < deadline, "the kiosk kept asking");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn learned(events: &mpsc::Receiver<Event>) -> Vec<InsuranceReference> {
    events
        .try_iter()
        .filter_map(|e| match e {
            Event::InsuranceLearned(reference) => Some(*reference),
            _ => None,
        })
        .collect()
}

#[test]
fn the_reference_is_fetched_once_kept_and_its_revision_sent_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let stub = Stub::default();
    let base = start_stub(stub.clone());
    let (handle, events) = sync(&base, dir.path(), None);

    // An office without the endpoint: nothing learned, nothing kept.
    until_requests(&stub, 2);
    assert!(learned(&events).is_empty());
    assert!(!dir.path().join(INSURANCE_FILE).exists());

    // Published: learned once, kept, then 304 to its own revision.
    *stub.publish.lock().unwrap() = Some(reference("r1"));
    let before = stub.seen.lock().unwrap().len();
    until_requests(&stub, before + 3);
    let got = learned(&events);
    assert_eq!(got, [reference("r1")], "learned once, then 304");
    assert_eq!(
        stub.seen.lock().unwrap().last().unwrap().as_deref(),
        Some("r1")
    );
    assert_eq!(
        load(&dir.path().join(INSURANCE_FILE)).unwrap(),
        Some(reference("r1"))
    );
    drop(handle);

    // A restarted kiosk sends the kept revision at once.
    let kept = frontdesk::sync::insurance::load_kept(&dir.path().join(INSURANCE_FILE));
    let (_handle, events) = sync(&base, dir.path(), kept.map(|r| r.revision));
    let before = stub.seen.lock().unwrap().len();
    until_requests(&stub, before + 1);
    assert_eq!(stub.seen.lock().unwrap()[before].as_deref(), Some("r1"));
    assert!(learned(&events).is_empty());
}

#[test]
fn the_client_reads_coverage_on_file_and_what_is_due() {
    let stub = Stub::default();
    let base = start_stub(stub.clone());
    let client = OfficeClient::new(&base, TOKEN).unwrap();
    let on_file = client.coverage(AppointmentId::new(7)).unwrap().unwrap();
    assert_eq!(on_file.coverages.len(), 1);
    assert_eq!(on_file.coverages[0].member_id_last_four, "0042");
    assert_eq!(client.coverage(AppointmentId::new(8)).unwrap(), None);
    let due = client.due(AppointmentId::new(7)).unwrap().unwrap();
    assert_eq!(due.due.copay, Cents::new(3000));
    assert!(due.copay_verified);
    assert_eq!(client.due(AppointmentId::new(8)).unwrap(), None);
    // The client on its own: 404, then the reference, then 304.
    assert_eq!(
        client.insurance(None).unwrap(),
        InsuranceFetch::NotPublished
    );
    *stub.publish.lock().unwrap() = Some(reference("r9"));
    assert_eq!(
        client.insurance(Some("r8")).unwrap(),
        InsuranceFetch::Published(Box::new(reference("r9")))
    );
    assert_eq!(
        client.insurance(Some("r9")).unwrap(),
        InsuranceFetch::NotModified
    );
}

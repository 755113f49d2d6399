//! The kiosk's sync thread and the office's forms, against a small office stub on loopback
//! that speaks the contract (`GET /api/kiosk/v1/forms`, `If-None-Match` → 304): an office
//! without the endpoint (404) leaves the kiosk with what it has; a good set is taken, kept
//! in `forms.json` and posted to the journey; an unchanged set is answered 304 and not
//! taken again; a set the kiosk cannot use is refused and the last good one stays, on disk
//! too; a restarted kiosk starts from `forms.json` and sends its revision.

mod sync_support;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use frontdesk::api::{FormFile, FormsResponse, KioskConfig, RosterResponse};
use frontdesk::checkin::{Event, Forms};
use frontdesk::domain::ClinicId;
use frontdesk::seal::SealSecretKey;
use frontdesk::sync::forms::{FORMS_FILE, load, load_or_shipped};
use frontdesk::sync::{SyncHandle, WorkerSettings};
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// What the stub answers on `/forms`.
#[derive(Clone)]
enum Publish {
    /// An office from before forms.
    Nothing,
    Set(FormsResponse),
}

#[derive(Default)]
struct Seen {
    /// The `If-None-Match` of every `/forms` request, in order.
    forms: Vec<Option<String>>,
}

#[derive(Clone)]
struct Stub {
    publish: Arc<Mutex<Publish>>,
    seen: Arc<Mutex<Seen>>,
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

async fn forms(State(stub): State<Stub>, headers: HeaderMap) -> Response {
    let sent = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    stub.seen.lock().unwrap().forms.push(sent.clone());
    match stub.publish.lock().unwrap().clone() {
        Publish::Nothing => (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "not_found"})),
        )
            .into_response(),
        Publish::Set(set) if sent.as_deref() == Some(set.revision.as_str()) => {
            StatusCode::NOT_MODIFIED.into_response()
        }
        Publish::Set(set) => Json(set).into_response(),
    }
}

/// Starts the stub on a loopback port of its own; it runs until the test process ends.
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
        .route("/api/kiosk/v1/forms", get(forms))
        .with_state(stub);
    std::thread::spawn(move || {
        runtime.block_on(async { axum::serve(listener, app).await.unwrap() });
    });
    base
}

/// The shipped privacy notice and financial policy (both languages) as revision `revision`.
fn two_documents(revision: &str) -> FormsResponse {
    FormsResponse {
        revision: revision.into(),
        consents: frontdesk::consent::DEFAULT_SOURCES
            .iter()
            .take(4)
            .map(|(name, text)| FormFile {
                name: (*name).into(),
                text: (*text).into(),
            })
            .collect(),
        questionnaires: Vec::new(),
        ask: Vec::new(),
        canonical_base: "https://clinic.example/fhir".into(),
    }
}

fn sync(base: &str, dir: &Path, revision: Option<String>) -> (SyncHandle, mpsc::Receiver<Event>) {
    sync_support::start(
        base,
        "test-kiosk-token-0123456789",
        dir,
        WorkerSettings {
            forms_file: Some(dir.join(FORMS_FILE)),
            forms_revision: revision,
            ..sync_support::quick_settings()
        },
    )
}

/// Waits until the stub has seen `count` `/forms` requests in all.
fn until_requests(stub: &Stub, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while stub.seen.lock().unwrap().forms.len() < count {
        assert!(Instant::now() < deadline, "the kiosk kept asking for forms");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn requests(stub: &Stub) -> usize {
    stub.seen.lock().unwrap().forms.len()
}

fn learned(events: &mpsc::Receiver<Event>) -> Vec<Forms> {
    events
        .try_iter()
        .filter_map(|e| match e {
            Event::FormsLearned(forms) => Some(*forms),
            _ => None,
        })
        .collect()
}

#[test]
fn forms_are_fetched_kept_refused_and_reloaded() {
    let dir = tempfile::tempdir().unwrap();
    let stub = Stub {
        publish: Arc::new(Mutex::new(Publish::Nothing)),
        seen: Arc::default(),
    };
    let base = start_stub(stub.clone());
    let (handle, events) = sync(&base, dir.path(), None);

    // An office without the endpoint: nothing learned, nothing kept.
    until_requests(&stub, 2);
    assert!(learned(&events).is_empty());
    assert!(!dir.path().join(FORMS_FILE).exists());

    // A good set: learned once, kept, then answered 304 to its own revision.
    *stub.publish.lock().unwrap() = Publish::Set(two_documents("r1"));
    let before = requests(&stub);
    until_requests(&stub, before + 3);
    let got = learned(&events);
    assert_eq!(got.len(), 1, "learned once, then 304");
    assert_eq!(got[0], Forms::from_response(&two_documents("r1")).unwrap());
    assert_eq!(got[0].consents.as_ref().map(|c| c.ids().len()), Some(2));
    let seen = stub.seen.lock().unwrap().forms.clone();
    assert_eq!(seen.last().unwrap().as_deref(), Some("r1"));
    let (kept, response) = load(&dir.path().join(FORMS_FILE)).unwrap().unwrap();
    assert_eq!(response.revision, "r1");
    assert_eq!(kept, got[0]);

    // A set the kiosk cannot use (a document without its Spanish text): refused, the last
    // good one stays, on disk too, and the refused set is not fetched again.
    let mut bad = two_documents("r2");
    bad.consents.remove(1);
    *stub.publish.lock().unwrap() = Publish::Set(bad);
    let before = requests(&stub);
    until_requests(&stub, before + 3);
    assert!(learned(&events).is_empty(), "a refused set is not posted");
    let seen = stub.seen.lock().unwrap().forms.clone();
    assert_eq!(seen.last().unwrap().as_deref(), Some("r2"));
    assert_eq!(
        load(&dir.path().join(FORMS_FILE))
            .unwrap()
            .unwrap()
            .1
            .revision,
        "r1"
    );
    drop(handle);

    // A restart: the kiosk starts from forms.json and asks with its revision.
    *stub.publish.lock().unwrap() = Publish::Set(two_documents("r1"));
    let (forms, revision) = load_or_shipped(&dir.path().join(FORMS_FILE));
    assert_eq!(forms, got[0]);
    assert_eq!(revision.as_deref(), Some("r1"));
    let before = requests(&stub);
    let (_handle, events) = sync(&base, dir.path(), revision);
    until_requests(&stub, before + 2);
    assert_eq!(
        stub.seen.lock().unwrap().forms[before].as_deref(),
        Some("r1")
    );
    assert!(learned(&events).is_empty(), "unchanged: nothing to learn");
}

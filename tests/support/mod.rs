//! Shared helpers for integration tests: an office hub on loopback, a windowless kiosk,
//! and synthetic appointments.
#![allow(dead_code)]

use frontdesk::checkin::{Event, Flow, FlowSettings, Screen};
use frontdesk::devices::Scan;
use frontdesk::devices::scanner::{Scanner, ScannerPort};
use frontdesk::devices::scanner_sim::ScannerSimulator;
use frontdesk::domain::KioskId;
use frontdesk::kiosk::core::{KioskCore, Notice};
use frontdesk::office::config::KioskEntry;
use frontdesk::office::server::AppState;
use frontdesk::office::server::BackgroundOffice;
use frontdesk::office::staff::{QueueView, TokenView};
use frontdesk::office::{Office, OfficeConfig, appointments};
use frontdesk::store::KioskStore;
use frontdesk::sync::{OfficeClient, SyncHandle, SyncWorker, WorkerSettings, cached_trust};
use jiff::{SignedDuration, Timestamp};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const KIOSK_TOKEN: &str = "test-kiosk-token-0123456789";

/// An office hub serving on loopback from its own runtime thread.
pub struct TestOffice {
    pub base: String,
    pub addr: SocketAddr,
    pub state: AppState,
    server: BackgroundOffice,
}

pub fn office_config(data_dir: &Path, addr: SocketAddr) -> OfficeConfig {
    OfficeConfig {
        listen: addr,
        data_dir: data_dir.to_owned(),
        timezone: "UTC".into(),
        kiosks: vec![KioskEntry {
            id: KioskId::new("lobby-1").unwrap(),
            token: KIOSK_TOKEN.into(),
        }],
        ..OfficeConfig::default()
    }
}

/// Starts an office with today's synthetic appointments on `addr` (port 0: any).
pub fn start_office(data_dir: &Path, addr: SocketAddr) -> TestOffice {
    let office = Office::open(office_config(data_dir, addr)).expect("office opens");
    let state = office.state().clone();
    let today = state.today(Timestamp::now());
    state
        .store
        .lock()
        .unwrap()
        .import_appointments(&appointments::demo_set(today))
        .unwrap();
    let server = office
        .serve_in_background(std::net::TcpListener::bind(addr).expect("port free"))
        .expect("office serves");
    let addr = server.addr();
    TestOffice {
        base: format!("http://{addr}"),
        addr,
        state,
        server,
    }
}

impl TestOffice {
    /// Stops the server and waits for it.
    pub fn stop(self) {
        self.server.stop();
    }

    pub fn queue(&self) -> QueueView {
        reqwest::blocking::get(format!("{}/api/staff/v1/queue", self.base))
            .unwrap()
            .json()
            .unwrap()
    }

    /// The reminder code of the `n`th (0-based) appointment of today.
    pub fn token(&self, n: usize) -> String {
        let queue = self.queue();
        let mut ids: Vec<u64> = queue.expected.iter().map(|a| a.appointment.get()).collect();
        ids.extend(queue.checked_in.iter().map(|c| c.appointment.get()));
        ids.sort_unstable();
        let view: TokenView = reqwest::blocking::get(format!(
            "{}/api/staff/v1/appointments/{}/token",
            self.base, ids[n]
        ))
        .unwrap()
        .json()
        .unwrap();
        view.token
    }
}

/// Submits a check-in for today's first appointment, as a kiosk would; returns its id.
pub fn check_in_first(base: &str) -> frontdesk::domain::CheckInId {
    let client = OfficeClient::new(base, KIOSK_TOKEN).unwrap();
    let roster = client.roster().unwrap();
    let submission = frontdesk::api::CheckInSubmission {
        id: frontdesk::domain::CheckInId::random(),
        clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
        appointment: roster.entries[0].appointment,
        arrived_at: Timestamp::now(),
    };
    client.submit(&submission).unwrap();
    submission.id
}

/// A free loopback port (bound and released; fine for tests on one machine).
pub fn free_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

/// A kiosk without a window: the core on its own thread, the real scanner driver on a
/// pseudo-terminal fed by the scanner simulator, and the real sync worker.
pub struct HeadlessKiosk {
    pub scanner: ScannerSimulator,
    events: mpsc::Sender<Event>,
    screens: Arc<Mutex<Vec<Screen>>>,
    pub sync: Arc<SyncHandle>,
    _driver: Scanner,
    pub db: PathBuf,
}

pub fn fast_sync() -> WorkerSettings {
    WorkerSettings {
        heartbeat_every: Duration::from_millis(300),
        roster_every: Duration::from_millis(300),
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
    }
}

impl HeadlessKiosk {
    pub fn start(data_dir: &Path, office_url: &str, token: &str) -> Self {
        std::fs::create_dir_all(data_dir).unwrap();
        let db = data_dir.join("kiosk.db");
        let (events, inbox) = mpsc::channel::<Event>();
        let screens = Arc::new(Mutex::new(Vec::new()));
        let client = OfficeClient::new(office_url, token).unwrap();
        let sync = Arc::new(
            SyncWorker::start(
                client,
                db.clone(),
                fast_sync(),
                Arc::new(AtomicBool::new(true)),
                {
                    let events = Mutex::new(events.clone());
                    move |event| {
                        let _ = events.lock().unwrap().send(event);
                    }
                },
            )
            .unwrap(),
        );
        // Detached: the core thread ends when the last event sender is dropped.
        std::thread::spawn({
            let screens = screens.clone();
            let sync = sync.clone();
            let db = db.clone();
            move || {
                let store = KioskStore::open(&db).unwrap();
                let trust = cached_trust(&store).unwrap();
                let flow = Flow::new(
                    FlowSettings {
                        idle_timeout: SignedDuration::from_secs(60),
                        done_timeout: SignedDuration::from_secs(10),
                    },
                    trust,
                    [],
                    Timestamp::now(),
                );
                let mut core = KioskCore::new(flow, store, move |notice| match notice {
                    Notice::OutboxChanged => sync.wake(),
                    Notice::HelpRequested(at) => sync.request_help(at),
                });
                while let Ok(event) = inbox.recv() {
                    if let Some(screen) = core.handle(event, Timestamp::now()) {
                        screens.lock().unwrap().push(screen);
                    }
                }
            }
        });
        let scanner = ScannerSimulator::new().unwrap();
        let driver = Scanner::start(ScannerPort::new(scanner.port_path()), {
            let events = Mutex::new(events.clone());
            move |scan: Scan| {
                let _ = events
                    .lock()
                    .unwrap()
                    .send(Event::CodeScanned(scan.into_text()));
            }
        })
        .unwrap();
        Self {
            scanner,
            events,
            screens,
            sync,
            _driver: driver,
            db,
        }
    }

    pub fn send(&self, event: Event) {
        self.events.send(event).unwrap();
    }

    /// Waits until the kiosk shows a screen matching `want`, returning it.
    pub fn wait_for_screen(&self, what: &str, want: impl Fn(&Screen) -> bool) -> Screen {
        wait_until(what, || {
            self.screens
                .lock()
                .unwrap()
                .last()
                .filter(|s| want(s))
                .cloned()
        })
    }

    pub fn outbox_depth(&self) -> u64 {
        KioskStore::open(&self.db).unwrap().depth().unwrap()
    }
}

/// Polls `check` until it returns something, for up to 20 seconds.
pub fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

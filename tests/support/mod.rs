//! Shared helpers for integration tests: an office hub on loopback, a windowless kiosk,
//! and synthetic appointments.
#![allow(dead_code)]

use frontdesk::checkin::{Ending, Event, Forms, IdentifyTap, PageView, Screen, Tap};
use frontdesk::devices::scanner::Scanner;
use frontdesk::devices::scanner_sim::ScannerSimulator;
use frontdesk::domain::KioskId;
use frontdesk::kiosk::config::{KioskConfig, ScannerConfig};
use frontdesk::kiosk::services::KioskServices;
use frontdesk::kiosk::workers::Post;
use frontdesk::office::config::KioskEntry;
use frontdesk::office::server::AppState;
use frontdesk::office::server::BackgroundOffice;
use frontdesk::office::staff::{QueueView, TokenView};
use frontdesk::office::store::{DatabaseConfig, fresh_postgres_schema};
use frontdesk::office::{Office, OfficeConfig, appointments};
use frontdesk::store::KioskStore;
use frontdesk::sync::{OfficeClient, SyncHandle, WorkerSettings};
use jiff::Timestamp;
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

/// The test clinic's time zone: a whole-hour zone where it was about noon when this test
/// process started, so no run crosses the clinic's midnight (a check-in code carries its
/// day, and a test that asks for "today" twice must get the same day). Its date at the
/// start is the UTC date.
pub fn clinic_zone_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let hour = i32::from(Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).hour());
        // POSIX-style names: Etc/GMT-3 is three hours *ahead* of UTC.
        match 12 - hour {
            0 => "Etc/GMT".to_owned(),
            ahead => format!("Etc/GMT{:+}", -ahead),
        }
    })
}

/// [`clinic_zone_name`] as a zone.
pub fn clinic_zone() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(clinic_zone_name()).expect("the Etc/GMT zones are in tzdata")
}

/// Today at the test clinic.
pub fn clinic_today() -> jiff::civil::Date {
    Timestamp::now().to_zoned(clinic_zone()).date()
}

pub fn office_config(data_dir: &Path, addr: SocketAddr) -> OfficeConfig {
    OfficeConfig {
        listen: addr,
        data_dir: data_dir.to_owned(),
        timezone: clinic_zone_name().into(),
        kiosks: vec![KioskEntry {
            id: KioskId::new("lobby-1").unwrap(),
            token: KIOSK_TOKEN.into(),
        }],
        database: test_database(data_dir),
        ..OfficeConfig::default()
    }
}

/// The PostgreSQL server of the test command's second pass (`FRONTDESK_TEST_POSTGRES`),
/// or `None` (said on stderr, with `why` the test needs it) in the first pass.
pub fn postgres_server(why: &str) -> Option<String> {
    let base = std::env::var("FRONTDESK_TEST_POSTGRES")
        .ok()
        .filter(|b| !b.is_empty());
    if base.is_none() {
        eprintln!("FRONTDESK_TEST_POSTGRES unset: {why} (the second pass)");
    }
    base
}

/// The hub's store for a test: a PostgreSQL schema of the data directory's own when
/// `FRONTDESK_TEST_POSTGRES` names a server (the test command's second pass), so a hub
/// restarted on the same directory finds its data; else SQLite in the data directory.
pub fn test_database(data_dir: &Path) -> DatabaseConfig {
    static SCHEMAS: Mutex<Vec<(std::path::PathBuf, String)>> = Mutex::new(Vec::new());
    match std::env::var("FRONTDESK_TEST_POSTGRES") {
        Ok(base) if !base.is_empty() => {
            let mut schemas = SCHEMAS.lock().unwrap();
            let url = match schemas.iter().find(|(dir, _)| dir == data_dir) {
                Some((_, url)) => url.clone(),
                None => {
                    let url = fresh_postgres_schema(&base).expect("a fresh PostgreSQL schema");
                    schemas.push((data_dir.to_owned(), url.clone()));
                    url
                }
            };
            DatabaseConfig {
                url: Some(url),
                pool_size: Some(4),
                ..DatabaseConfig::default()
            }
        }
        _ => DatabaseConfig::default(),
    }
}

/// Starts an office with today's synthetic appointments on `addr` (port 0: any).
pub fn start_office(data_dir: &Path, addr: SocketAddr) -> TestOffice {
    start_office_with(data_dir, addr, |_| {})
}

/// Like [`start_office`], with the configuration changed by `configure` first.
pub fn start_office_with(
    data_dir: &Path,
    addr: SocketAddr,
    configure: impl FnOnce(&mut OfficeConfig),
) -> TestOffice {
    let mut config = office_config(data_dir, addr);
    configure(&mut config);
    let office = Office::open(config).expect("office opens");
    let state = office.state().clone();
    let today = state.today(Timestamp::now());
    state
        .store
        .get()
        .unwrap()
        .import_appointments(&appointments::demo_set(today))
        .unwrap();
    let server = office
        .serve_in_background(std::net::TcpListener::bind(addr).expect("port free"))
        .expect("office serves");
    let addr = server.addr();
    let scheme = if state.tls.is_some() { "https" } else { "http" };
    register_office(&state, &format!("{scheme}://{addr}"));
    TestOffice {
        base: format!("{scheme}://{addr}"),
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
        staff_get(format!("{}/api/staff/v1/queue", self.base))
            .unwrap()
            .json()
            .unwrap()
    }

    /// The reminder code of the `n`th (0-based, by start time) appointment of today.
    pub fn token(&self, n: usize) -> String {
        let today = self.state.today(Timestamp::now());
        // Handles are random: the order is the day's, as the store lists it.
        let id = self
            .state
            .store
            .get()
            .unwrap()
            .appointments_on(today)
            .unwrap()[n]
            .id;
        let view: TokenView = staff_get(format!(
            "{}/api/staff/v1/appointments/{}/token",
            self.base,
            id.get()
        ))
        .unwrap()
        .json()
        .unwrap();
        view.token
    }
}

/// The password of every test office's staff users (synthetic).
pub const STAFF_PASSWORD: &str = "test-staff-password-0123";
/// The administrator every test office has, for the browser tests' login page.
pub const STAFF_ADMIN: &str = "test-admin";

/// A signed-in staff member's HTTP client: every request carries the session cookie and
/// the CSRF token, as the staff page's would.
#[derive(Clone)]
pub struct StaffClient {
    pub client: reqwest::blocking::Client,
    pub user: frontdesk::office::signin::StaffUserId,
    pub csrf: String,
    pub cookie: String,
}

impl StaffClient {
    /// Sends a GET now (like `reqwest::blocking::get`).
    pub fn get(&self, url: impl AsRef<str>) -> reqwest::Result<reqwest::blocking::Response> {
        self.client.get(url.as_ref()).send()
    }

    pub fn post(&self, url: impl AsRef<str>) -> reqwest::blocking::RequestBuilder {
        self.client.post(url.as_ref())
    }
}

/// Adds a user with `role` to the office behind `state` and signs them in through
/// `POST {base}/login`.
pub fn sign_in(
    state: &AppState,
    base: &str,
    username: &str,
    role: frontdesk::office::signin::Role,
) -> StaffClient {
    // An office serving HTTPS is trusted by its pinned certificate, as kiosks do.
    let pin = state
        .tls
        .as_ref()
        .map(|certificate| certificate.fingerprint());
    let builder = move || match pin {
        Some(pin) => reqwest::blocking::Client::builder()
            .use_preconfigured_tls(frontdesk::tls::pinned_client_config(pin).unwrap()),
        None => reqwest::blocking::Client::builder(),
    };
    sign_in_over(builder, state, base, username, role)
}

/// [`sign_in`] with clients made by `builder` (e.g. one trusting a pinned certificate).
pub fn sign_in_over(
    builder: impl Fn() -> reqwest::blocking::ClientBuilder,
    state: &AppState,
    base: &str,
    username: &str,
    role: frontdesk::office::signin::Role,
) -> StaffClient {
    use frontdesk::office::signin::{self, Password, Username};
    let username = Username::new(username).unwrap();
    {
        let mut store = state.store.get().unwrap();
        let known = store
            .staff_users()
            .unwrap()
            .into_iter()
            .any(|u| u.username == username);
        if !known {
            signin::add_user(
                &mut store,
                &username,
                role,
                &Password::new(STAFF_PASSWORD.into()).unwrap(),
                Timestamp::now(),
            )
            .unwrap();
        }
    }
    let response = builder()
        .build()
        .unwrap()
        .post(format!("{base}/login"))
        .json(&serde_json::json!({ "username": username.as_str(), "password": STAFF_PASSWORD }))
        .send()
        .unwrap();
    assert_eq!(
        response.status(),
        reqwest::StatusCode::OK,
        "login at {base}"
    );
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let view: signin::SessionView = response.json().unwrap();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().unwrap());
    headers.insert("x-csrf-token", view.csrf.parse().unwrap());
    StaffClient {
        client: builder().default_headers(headers).build().unwrap(),
        user: view.user,
        csrf: view.csrf,
        cookie,
    }
}

/// Offices the staff helpers below can sign in to, by base URL; each signs its admin in
/// on first use.
type Registered = (AppState, Arc<std::sync::OnceLock<StaffClient>>);
static OFFICES: Mutex<Vec<(String, Registered)>> = Mutex::new(Vec::new());
/// Where a relay forwards to now.
type RelayTarget = Arc<Mutex<Option<SocketAddr>>>;
/// Relays, by base URL, to the office they forward to now.
static RELAYS: Mutex<Vec<(String, RelayTarget)>> = Mutex::new(Vec::new());

/// Lets [`staff`] and [`staff_get`] sign in to the office behind `state` at `base` (the
/// shared test office registers itself).
pub fn register_office(state: &AppState, base: &str) {
    OFFICES.lock().unwrap().push((
        base.to_owned(),
        (state.clone(), Arc::new(std::sync::OnceLock::new())),
    ));
}

/// The signed-in admin of the office `url` points into (through a relay too); `None` for
/// a URL no registered office serves.
fn staff_for(url: &str) -> Option<StaffClient> {
    let mut base_url = url.to_owned();
    for (relay, target) in RELAYS.lock().unwrap().iter() {
        if let Some(rest) = url.strip_prefix(relay.as_str())
            && let Some(target) = *target.lock().unwrap()
        {
            base_url = format!("http://{target}{rest}");
        }
    }
    let found = OFFICES
        .lock()
        .unwrap()
        .iter()
        .rev()
        .find(|(base, _)| base_url.starts_with(base.as_str()))
        .map(|(base, (state, client))| (base.clone(), state.clone(), client.clone()))?;
    let (base, state, client) = found;
    Some(
        client
            .get_or_init(|| {
                sign_in(
                    &state,
                    &base,
                    STAFF_ADMIN,
                    frontdesk::office::signin::Role::Admin,
                )
            })
            .clone(),
    )
}

/// Makes sure the office at `base` has its admin ([`STAFF_ADMIN`], [`STAFF_PASSWORD`]),
/// for a browser to sign in with.
pub fn ensure_staff_admin(base: &str) {
    assert!(
        staff_for(base).is_some(),
        "{base} is a registered test office"
    );
}

/// The audit log's name for the signed-in admin of the office at `base` (`staff:<id>`).
pub fn staff_actor(base: &str) -> String {
    format!(
        "staff:{}",
        staff_for(base).expect("a registered test office").user
    )
}

/// Requests as the signed-in admin of whichever test office the URL points into.
pub struct StaffHttp;

/// See [`StaffHttp`].
pub fn staff() -> StaffHttp {
    StaffHttp
}

impl StaffHttp {
    /// `request` (to `url`) with the session of the office `url` points into.
    pub fn signed_in(
        &self,
        url: &str,
        request: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        match staff_for(url) {
            Some(staff) => request
                .header("cookie", staff.cookie)
                .header("x-csrf-token", staff.csrf),
            None => request,
        }
    }

    pub fn get(&self, url: impl AsRef<str>) -> reqwest::blocking::RequestBuilder {
        let url = url.as_ref();
        self.signed_in(url, reqwest::blocking::Client::new().get(url))
    }

    pub fn post(&self, url: impl AsRef<str>) -> reqwest::blocking::RequestBuilder {
        let url = url.as_ref();
        self.signed_in(url, reqwest::blocking::Client::new().post(url))
    }
}

/// `reqwest::blocking::get` as the office's signed-in admin.
pub fn staff_get(url: impl AsRef<str>) -> reqwest::Result<reqwest::blocking::Response> {
    staff().get(url).send()
}

/// The handle of today's first appointment (by start time).
pub fn first_appointment_id(office: &TestOffice) -> frontdesk::domain::AppointmentId {
    let today = office.state.today(Timestamp::now());
    office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(today)
        .unwrap()[0]
        .id
}

/// Submits a check-in for today's first appointment, as a kiosk would; returns its id.
pub fn check_in_first(base: &str) -> frontdesk::domain::CheckInId {
    check_in_nth(base, 0)
}

/// Submits a check-in for today's `n`th appointment (by the roster's order), as a kiosk
/// would; returns its id.
pub fn check_in_nth(base: &str, n: usize) -> frontdesk::domain::CheckInId {
    let client = OfficeClient::new(base, KIOSK_TOKEN).unwrap();
    let roster = client.roster().unwrap();
    let submission = frontdesk::api::CheckInSubmission {
        id: frontdesk::domain::CheckInId::random(),
        clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
        appointment: roster.entries[n].appointment,
        arrived_at: Timestamp::now(),
    };
    client.deliver(&sealed(&client, &submission)).unwrap();
    submission.id
}

/// `submission` sealed to the office's key as `/config` gives it, as a kiosk's outbox
/// holds it.
pub fn sealed(
    client: &OfficeClient,
    submission: &frontdesk::api::CheckInSubmission,
) -> frontdesk::api::SealedDelivery {
    let key = client.config().unwrap().seal_public_key;
    frontdesk::api::SealedDelivery::seal(
        &frontdesk::api::OutboxBody::CheckIn(submission.clone()),
        &key,
    )
    .unwrap()
}

/// A stand-in for the office's address that outlives office restarts: a TCP relay on a
/// loopback port of its own, held for the whole test, forwarding each connection to the
/// office it currently points at, or closing it at once while there is none (an office
/// that is down). Nothing ever binds a port someone else released.
pub struct Relay {
    addr: SocketAddr,
    target: Arc<Mutex<Option<SocketAddr>>>,
    closing: Arc<AtomicBool>,
}

impl Relay {
    /// Starts relaying to `target`.
    pub fn start(target: SocketAddr) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let target = Arc::new(Mutex::new(Some(target)));
        RELAYS
            .lock()
            .unwrap()
            .push((format!("http://{addr}"), target.clone()));
        let closing = Arc::new(AtomicBool::new(false));
        std::thread::spawn({
            let target = target.clone();
            let closing = closing.clone();
            move || {
                for client in listener.incoming() {
                    if closing.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    let office = *target.lock().unwrap();
                    match office.and_then(|office| std::net::TcpStream::connect(office).ok()) {
                        Some(office) => pipe(client, office),
                        // Down: accept and close, as a host with nothing listening would.
                        None => drop(client),
                    }
                }
            }
        });
        Self {
            addr,
            target,
            closing,
        }
    }

    /// The address kiosks are given.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// New connections go to `office` (`None`: refused, the office is down). Connections
    /// already relayed end when their office closes them.
    pub fn point_to(&self, office: Option<SocketAddr>) {
        *self.target.lock().unwrap() = office;
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and lets go of the port.
        let _ = std::net::TcpStream::connect(self.addr);
    }
}

/// Copies bytes both ways until either side closes, then closes both.
fn pipe(client: std::net::TcpStream, office: std::net::TcpStream) {
    let (Ok(client_back), Ok(office_back)) = (client.try_clone(), office.try_clone()) else {
        return;
    };
    let one_way = |mut from: std::net::TcpStream, mut to: std::net::TcpStream| {
        move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = from.shutdown(std::net::Shutdown::Both);
            let _ = to.shutdown(std::net::Shutdown::Both);
        }
    };
    std::thread::spawn(one_way(client, office));
    std::thread::spawn(one_way(office_back, client_back));
}

/// A kiosk without a window, started by the product's own [`KioskServices`]: the journey
/// and its outbox worker on a thread of their own, the real scanner driver on a
/// pseudo-terminal fed by the scanner simulator, and the real sync worker.
pub struct HeadlessKiosk {
    pub scanner: ScannerSimulator,
    events: mpsc::Sender<Option<Event>>,
    screens: Arc<Mutex<Vec<Screen>>>,
    pub sync: Arc<SyncHandle>,
    _driver: Option<Scanner>,
    pub db: PathBuf,
    core: Option<std::thread::JoinHandle<()>>,
}

pub fn fast_sync() -> WorkerSettings {
    WorkerSettings {
        heartbeat_every: Duration::from_millis(300),
        roster_every: Duration::from_millis(300),
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        help_retry_every: Duration::from_millis(50),
        help_give_up_after: Duration::from_secs(60),
        pairing_poll_every: Duration::from_millis(100),
        ..WorkerSettings::default()
    }
}

impl HeadlessKiosk {
    pub fn start(data_dir: &Path, office_url: &str, token: &str) -> Self {
        Self::start_with(data_dir, office_url, token, |_| {})
    }

    /// [`Self::start`], with `configure` changing the kiosk's settings first (steps put
    /// back into the journey).
    pub fn start_with(
        data_dir: &Path,
        office_url: &str,
        token: &str,
        configure: impl FnOnce(&mut KioskConfig),
    ) -> Self {
        let scanner = ScannerSimulator::new().unwrap();
        let mut config = KioskConfig {
            office_url: office_url.to_owned(),
            office_token: token.to_owned(),
            data_dir: data_dir.to_owned(),
            scanner: Some(ScannerConfig::new(scanner.port_path().to_owned())),
            // Consent and questions have their own tests; these check in and go on.
            leave_out: vec![
                frontdesk::checkin::StepKind::Consent,
                frontdesk::checkin::StepKind::Questions,
                frontdesk::checkin::StepKind::Insurance,
            ],
            ..KioskConfig::default()
        };
        configure(&mut config);
        // `None` stops the core thread (the sync thread holds a sender too).
        let (events, inbox) = mpsc::channel::<Option<Event>>();
        let post: Post = Arc::new({
            let events = events.clone();
            move |event| {
                let _ = events.send(Some(event));
            }
        });
        let services = KioskServices::start(&config, fast_sync(), post, Timestamp::now()).unwrap();
        // An office that asks no intake questions (the questions step has its own tests).
        events
            .send(Some(Event::FormsLearned(Box::new(Forms {
                ask: Vec::new(),
                ..Forms::shipped()
            }))))
            .unwrap();
        let screens = Arc::new(Mutex::new(Vec::new()));
        let mut core = services.core;
        let core = std::thread::spawn({
            let screens = screens.clone();
            move || {
                while let Ok(Some(event)) = inbox.recv() {
                    if let Some(screen) = core.handle(event, Timestamp::now()) {
                        screens.lock().unwrap().push(screen);
                    }
                }
            }
        });
        Self {
            scanner,
            events,
            screens,
            sync: services.sync,
            _driver: services.scanner,
            db: services.db_path,
            core: Some(core),
        }
    }

    pub fn send(&self, event: Event) {
        self.events.send(Some(event)).unwrap();
    }

    pub fn tap(&self, tap: Tap) {
        self.send(Event::Tapped(tap));
    }

    /// Waits until the kiosk shows a page matching `want`, returning it.
    pub fn wait_for_page(&self, what: &str, want: impl Fn(&PageView) -> bool) -> PageView {
        let last = || self.screens.lock().unwrap().last().map(|s| s.page.clone());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(page) = last().filter(|page| want(page)) {
                return page;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the kiosk shows {:?}",
                last()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts identifying by name, once the kiosk has today's list (before that, it sends
    /// the patient to the desk, and this starts over).
    pub fn open_name_keyboard(&self) {
        wait_until("the name keyboard", || {
            self.tap(Tap::Identify(IdentifyTap::TypeName));
            let page = self.wait_for_page("a page after the tap", |page| {
                matches!(page, PageView::TypeName(_) | PageView::Ending(_))
            });
            if matches!(page, PageView::TypeName(_)) {
                return Some(());
            }
            self.tap(Tap::StartOver);
            self.wait_for_page("welcome", |page| *page == PageView::Identify);
            std::thread::sleep(Duration::from_millis(100));
            None
        });
    }

    pub fn outbox_depth(&self) -> u64 {
        KioskStore::open(&self.db).unwrap().depth().unwrap()
    }
}

impl Drop for HeadlessKiosk {
    /// Stops the kiosk as a whole: the core and its workers, then (with the last handle)
    /// the sync thread, so a stopped kiosk can never deliver another's outbox.
    fn drop(&mut self) {
        let _ = self.events.send(None);
        if let Some(core) = self.core.take() {
            let _ = core.join();
        }
    }
}

/// Whether `page` is the "Is this you?" page.
pub fn is_confirm(page: &PageView) -> bool {
    matches!(page, PageView::Confirm(_))
}

/// Whether `page` is the "take a seat" ending.
pub fn is_done(page: &PageView) -> bool {
    matches!(page, PageView::Ending(Ending::CheckedIn { .. }))
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

/// A new patient's registration for clinic 1 with recognisable, obviously fake values
/// ("Adaqueen `last`", 742 Fakeplace Testway, (217) 555-0142).
pub fn sample_registration(last: &str) -> frontdesk::api::RegistrationSubmission {
    use frontdesk::domain::{
        ClinicId, DateOfBirth, EmailAddress, EmergencyContact, Language, NewPatientRegistration,
        PersonName, PhoneNumber, PostalAddress, PreferredName, RegistrationId, Relationship,
        SexCode, Sourced, UsState, ZipCode,
    };
    use jiff::civil::date;
    frontdesk::api::RegistrationSubmission {
        id: RegistrationId::random(),
        clinic: ClinicId::new(1).unwrap(),
        submitted_at: Timestamp::now(),
        registration: NewPatientRegistration {
            legal_name: Sourced::from_licence(PersonName::new("Adaqueen", last).unwrap()),
            preferred_name: Some(Sourced::typed(PreferredName::new("Quaddie").unwrap())),
            date_of_birth: Sourced::from_licence(
                DateOfBirth::new(date(1937, 3, 14), date(2026, 11, 25)).unwrap(),
            ),
            sex: Some(Sourced::typed(SexCode::new("nonbinary").unwrap())),
            address: Sourced::from_licence(
                PostalAddress::new(
                    "742 Fakeplace Testway",
                    "Unit Zq9",
                    "Testopolis",
                    UsState::parse("IL").unwrap(),
                    ZipCode::parse("62794-1234").unwrap(),
                )
                .unwrap(),
            ),
            phone: Sourced::typed(PhoneNumber::parse("(217) 555-0142").unwrap()),
            email: Some(Sourced::typed(
                EmailAddress::parse("adaqueen.registrant@example.com").unwrap(),
            )),
            language: Language::Spanish,
            emergency_contact: Some(Sourced::typed(EmergencyContact {
                name: PersonName::new("Brunoclaus", "Samplecontact").unwrap(),
                relationship: Relationship::Sibling,
                phone: PhoneNumber::parse("217-555-0187").unwrap(),
            })),
        },
    }
}

/// Delivers `submission` sealed to the office's key, as a kiosk's sync worker would.
pub fn deliver_registration(base: &str, submission: &frontdesk::api::RegistrationSubmission) {
    let client = OfficeClient::new(base, KIOSK_TOKEN).unwrap();
    let key = client.config().unwrap().seal_public_key;
    let sealed = frontdesk::api::SealedDelivery::seal(
        &frontdesk::api::OutboxBody::Registration(Box::new(submission.clone())),
        &key,
    )
    .unwrap();
    client.deliver(&sealed).unwrap();
}

/// A synthetic signature: two looping strokes across the pad, sampled every 10 ms.
pub fn sample_signature() -> frontdesk::consent::Signature {
    use frontdesk::consent::{Point, Signature};
    let mut t = 0u32;
    let strokes = (0..2u32)
        .map(|s| {
            (0..60u32)
                .map(|i| {
                    let angle = f64::from(i) / 5.0;
                    let point = Point {
                        x: (1200.0
                            + f64::from(s) * 4000.0
                            + f64::from(i) * 50.0
                            + 600.0 * angle.cos()) as u16,
                        y: (5000.0 + 2200.0 * angle.sin()) as u16,
                        t_ms: t,
                    };
                    t += 10;
                    point
                })
                .collect()
        })
        .collect();
    Signature::new(strokes).expect("the sample signature is valid")
}

/// A consent to `document` version `version` in `language`, signed now, for `subject`.
pub fn sample_consent(
    subject: frontdesk::api::FormSubject,
    document: &str,
    version: u32,
    language: frontdesk::domain::Language,
) -> frontdesk::api::ConsentSubmission {
    use frontdesk::consent::{DocumentId, SignedConsent, Version};
    frontdesk::api::ConsentSubmission {
        id: frontdesk::domain::SignedConsentId::random(),
        clinic: frontdesk::domain::ClinicId::new(1).unwrap(),
        subject,
        consent: SignedConsent::new(
            DocumentId::new(document).unwrap(),
            Version::new(version).unwrap(),
            language,
            Timestamp::now(),
            sample_signature(),
        ),
    }
}

/// Posts `body` sealed to the office's key, as a kiosk's sync worker would, and returns
/// the office's answer as it came.
pub fn post_sealed(base: &str, body: &frontdesk::api::OutboxBody) -> reqwest::blocking::Response {
    let client = OfficeClient::new(base, KIOSK_TOKEN).unwrap();
    let key = client.config().unwrap().seal_public_key;
    let sealed = frontdesk::api::SealedDelivery::seal(body, &key).unwrap();
    reqwest::blocking::Client::new()
        .post(format!("{base}/api/kiosk/v1/outbox"))
        .bearer_auth(KIOSK_TOKEN)
        .json(&sealed)
        .send()
        .unwrap()
}

/// The clearinghouse simulator on a loopback port of its own, served from its own thread
/// until the test process ends; `slow` is how long member TST0003 waits. Returns the URL
/// to POST 270s to.
pub fn start_clearinghouse(slow: Duration) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/270", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = frontdesk::office::eligibility::simulator::serve(listener, slow).await;
        });
    });
    url
}

/// A coverage with the synthetic payer "Testpayer Health Plan" (TSTPAYER1), group GRP-100,
/// the patient the subscriber.
pub fn sample_coverage(
    rank: frontdesk::domain::CoverageRank,
    member: &str,
    source: frontdesk::domain::CoverageSource,
) -> frontdesk::domain::Coverage {
    use frontdesk::domain::{
        Coverage, GroupNumber, MemberId, Payer, PayerId, PayerName, SubscriberRelationship,
    };
    Coverage::new(
        rank,
        Payer {
            id: Some(PayerId::new("TSTPAYER1").unwrap()),
            name: PayerName::new("Testpayer Health Plan").unwrap(),
        },
        MemberId::new(member).unwrap(),
        Some(GroupNumber::new("GRP-100").unwrap()),
        SubscriberRelationship::Patient,
        None,
        source,
    )
    .unwrap()
}

/// Starts a test peer that prints `listening PORT` on its first line (the Python FHIR
/// server and HL7 peer); the process and its loopback address. `hint`: what to install
/// when it does not start.
pub fn spawn_listening(
    command: &mut std::process::Command,
    hint: &str,
) -> (std::process::Child, SocketAddr) {
    use std::io::BufRead as _;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("the peer starts ({hint}): {line:?}"))
        .trim()
        .parse()
        .unwrap();
    (child, SocketAddr::from(([127, 0, 0, 1], port)))
}

//! The sync thread: one loop that delivers, beats, fetches and sleeps until the next job
//! is due or it is woken.

use super::client::{ClientError, OfficeClient};
use crate::api::{Heartbeat, HelpRequest, KioskConfig};
use crate::checkin::{Event, OfficeTrust, Roster};
use crate::domain::{CheckInId, ClinicId};
use crate::store::{KioskStore, StoreError};
use base64::Engine as _;
use jiff::Timestamp;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Timings of the sync loop.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub heartbeat_every: Duration,
    pub roster_every: Duration,
    /// First retry delay after a failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            heartbeat_every: Duration::from_secs(15),
            roster_every: Duration::from_secs(30),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
        }
    }
}

/// What the sync thread last saw; read by the shell for diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub office_reachable: bool,
    pub outbox_depth: u64,
    pub delivered: u64,
    pub last_error: Option<String>,
}

enum Command {
    Wake,
    Help(Timestamp),
    Stop,
}

/// Handle to the running sync thread; stops it when dropped.
pub struct SyncHandle {
    commands: mpsc::Sender<Command>,
    status: Arc<Mutex<SyncStatus>>,
    thread: Option<JoinHandle<()>>,
}

impl SyncHandle {
    /// Something new is in the outbox: deliver now, not at the next retry.
    pub fn wake(&self) {
        let _ = self.commands.send(Command::Wake);
    }

    /// A patient asked for help; sent as soon as the office answers.
    pub fn request_help(&self, at: Timestamp) {
        let _ = self.commands.send(Command::Help(at));
    }

    pub fn status(&self) -> SyncStatus {
        self.status.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for SyncHandle {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const KEY_CLINIC: &str = "office.clinic";
const KEY_TIMEZONE: &str = "office.timezone";
const KEY_NAME: &str = "office.clinic_name";
const KEY_PUBLIC_KEY: &str = "office.token_public_key";

/// Why the office's answer could not be trusted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("office key is not a valid Ed25519 public key")]
    BadKey,
    #[error("office time zone {0:?} is unknown here")]
    BadZone(String),
    #[error("office presented a different signing key than the one pinned on first contact")]
    KeyChanged,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn trust_from(
    clinic: ClinicId,
    clinic_name: String,
    zone: &str,
    key_b64: &str,
) -> Result<OfficeTrust, TrustError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key_b64)
        .map_err(|_| TrustError::BadKey)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| TrustError::BadKey)?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| TrustError::BadKey)?;
    let timezone =
        jiff::tz::TimeZone::get(zone).map_err(|_| TrustError::BadZone(zone.to_owned()))?;
    Ok(OfficeTrust {
        clinic,
        clinic_name,
        timezone,
        key,
    })
}

/// The office identity learned on an earlier run, if any.
pub fn cached_trust(store: &KioskStore) -> Result<Option<OfficeTrust>, TrustError> {
    let (Some(clinic), Some(zone), Some(key)) = (
        store.setting(KEY_CLINIC)?,
        store.setting(KEY_TIMEZONE)?,
        store.setting(KEY_PUBLIC_KEY)?,
    ) else {
        return Ok(None);
    };
    let Some(clinic) = clinic.parse().ok().and_then(|n| ClinicId::new(n).ok()) else {
        return Ok(None);
    };
    let name = store.setting(KEY_NAME)?.unwrap_or_default();
    trust_from(clinic, name, &zone, &key).map(Some)
}

/// Accepts the office's configuration: the first key seen is pinned; a different key
/// later is refused (re-enrolling the kiosk clears the pin).
fn learn_trust(store: &mut KioskStore, config: &KioskConfig) -> Result<OfficeTrust, TrustError> {
    let trust = trust_from(
        config.clinic,
        config.clinic_name.clone(),
        &config.timezone,
        &config.token_public_key,
    )?;
    if let Some(pinned) = store.setting(KEY_PUBLIC_KEY)?
        && pinned != config.token_public_key
    {
        return Err(TrustError::KeyChanged);
    }
    store.set_setting(KEY_PUBLIC_KEY, &config.token_public_key)?;
    store.set_setting(KEY_CLINIC, &config.clinic.get().to_string())?;
    store.set_setting(KEY_TIMEZONE, &config.timezone)?;
    store.set_setting(KEY_NAME, &config.clinic_name)?;
    Ok(trust)
}

/// Why the sync thread could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start sync thread: {0}")]
    Thread(std::io::Error),
}

/// Why one sync round stopped early.
#[derive(Debug, thiserror::Error)]
enum RoundError {
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("office identity not accepted: {0}")]
    Trust(#[from] TrustError),
}

impl RoundError {
    fn is_transient(&self) -> bool {
        matches!(self, RoundError::Client(error) if error.is_transient())
    }
}

/// Starts the sync thread.
pub struct SyncWorker;

impl SyncWorker {
    /// `on_event` receives what the flow must learn (office trust, roster); it is called
    /// on the sync thread.
    pub fn start(
        client: OfficeClient,
        store_path: PathBuf,
        settings: WorkerSettings,
        scanner_connected: Arc<AtomicBool>,
        on_event: impl Fn(Event) + Send + 'static,
    ) -> Result<SyncHandle, StartError> {
        let store = KioskStore::open(&store_path)?;
        let (commands, receiver) = mpsc::channel();
        let status = Arc::new(Mutex::new(SyncStatus::default()));
        let thread = std::thread::Builder::new()
            .name("sync".into())
            .spawn({
                let status = status.clone();
                move || {
                    let mut worker = Worker {
                        client,
                        store,
                        settings,
                        scanner_connected,
                        on_event: Box::new(on_event),
                        status,
                        started: Instant::now(),
                        trusted: false,
                        help: VecDeque::new(),
                        failures: 0,
                        retry_at: None,
                    };
                    worker.run(&receiver);
                }
            })
            .map_err(StartError::Thread)?;
        Ok(SyncHandle {
            commands,
            status,
            thread: Some(thread),
        })
    }
}

struct Worker {
    client: OfficeClient,
    store: KioskStore,
    settings: WorkerSettings,
    scanner_connected: Arc<AtomicBool>,
    on_event: Box<dyn Fn(Event) + Send>,
    status: Arc<Mutex<SyncStatus>>,
    started: Instant,
    trusted: bool,
    help: VecDeque<Timestamp>,
    failures: u32,
    /// While set, the office is not contacted before this instant (backoff).
    retry_at: Option<Instant>,
}

impl Worker {
    fn run(&mut self, commands: &mpsc::Receiver<Command>) {
        let mut next_heartbeat = Instant::now();
        let mut next_roster = Instant::now();
        loop {
            let now = Instant::now();
            if self.retry_at.is_none_or(|at| now >= at) {
                self.retry_at = None;
                let outcome = self.sync_once(now >= next_heartbeat, now >= next_roster);
                match outcome {
                    Ok(()) => {
                        self.failures = 0;
                        if now >= next_heartbeat {
                            next_heartbeat = now + self.settings.heartbeat_every;
                        }
                        if now >= next_roster {
                            next_roster = now + self.settings.roster_every;
                        }
                    }
                    Err(error) => self.back_off(&error),
                }
            }
            let wake_at = self
                .retry_at
                .unwrap_or_else(|| next_heartbeat.min(next_roster));
            let timeout = wake_at.saturating_duration_since(Instant::now());
            match commands.recv_timeout(timeout) {
                Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(Command::Help(at)) => self.help.push_back(at),
                Ok(Command::Wake) | Err(RecvTimeoutError::Timeout) => {}
            }
            // A wake-up during backoff waits out the backoff: hammering a down office helps no one.
        }
    }

    /// One round: learn the office, send help requests, deliver the outbox, then the
    /// periodic calls that are due.
    fn sync_once(&mut self, heartbeat_due: bool, roster_due: bool) -> Result<(), RoundError> {
        if !self.trusted {
            let config = self.client.config()?;
            let trust = learn_trust(&mut self.store, &config)?;
            tracing::info!(clinic = %trust.clinic, "office key learned");
            self.trusted = true;
            (self.on_event)(Event::OfficeTrusted(trust));
        }
        while let Some(at) = self.help.front().copied() {
            self.client.help(&HelpRequest { requested_at: at })?;
            self.help.pop_front();
        }
        self.deliver()?;
        if heartbeat_due {
            self.heartbeat()?;
        }
        if roster_due {
            let roster = self.client.roster()?;
            (self.on_event)(Event::RosterUpdated(Roster::new(
                roster.entries,
                roster.waiting,
            )));
        }
        self.update_status(|s| {
            s.office_reachable = true;
            s.last_error = None;
        });
        Ok(())
    }

    fn deliver(&mut self) -> Result<(), ClientError> {
        const BATCH: usize = 100;
        loop {
            let items = match self.store.pending(BATCH) {
                Ok(items) => items,
                Err(error) => {
                    tracing::error!(%error, "cannot read the outbox");
                    return Ok(());
                }
            };
            let full = items.len() == BATCH;
            let mut rejected = None;
            let mut delivered = Vec::with_capacity(items.len());
            for item in items {
                let id = item.submission.id;
                match self.client.submit(&item.submission) {
                    Ok(receipt) => {
                        tracing::info!(check_in = %id, outcome = ?receipt.outcome, "check-in delivered");
                        delivered.push(id);
                    }
                    Err(error @ ClientError::Rejected { .. }) => {
                        // Kept: a misconfigured office gets fixed, and nothing is lost meanwhile.
                        tracing::error!(%error, check_in = %id, "office rejected a check-in; kept in outbox");
                        rejected = Some(error);
                    }
                    Err(error) => {
                        self.forget_delivered(&delivered);
                        return Err(error);
                    }
                }
            }
            self.forget_delivered(&delivered);
            if let Some(error) = rejected {
                return Err(error);
            }
            if !full {
                return Ok(());
            }
        }
    }

    /// Removes what the office has acknowledged from the outbox, all in one commit.
    fn forget_delivered(&mut self, delivered: &[CheckInId]) {
        if delivered.is_empty() {
            return;
        }
        if let Err(error) = self.store.acknowledge_all(delivered) {
            tracing::error!(%error, count = delivered.len(), "delivered but not removed from outbox; they will be sent again");
        }
        let count = delivered.len() as u64;
        self.update_status(|s| s.delivered += count);
    }

    fn heartbeat(&mut self) -> Result<(), ClientError> {
        let depth = self.store.depth().unwrap_or(0);
        self.update_status(|s| s.outbox_depth = depth);
        self.client.heartbeat(&Heartbeat {
            sent_at: Timestamp::now(),
            version: env!("CARGO_PKG_VERSION").into(),
            uptime_secs: self.started.elapsed().as_secs(),
            outbox_depth: depth,
            scanner_connected: self.scanner_connected.load(Ordering::Relaxed),
        })
    }

    fn back_off(&mut self, error: &RoundError) {
        self.failures = self.failures.saturating_add(1);
        let factor = 1u32 << self.failures.saturating_sub(1).min(10);
        let delay = self
            .settings
            .min_backoff
            .saturating_mul(factor)
            .min(self.settings.max_backoff);
        self.retry_at = Some(Instant::now() + delay);
        if self.failures == 1 || !error.is_transient() {
            tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "office sync failed");
        } else {
            tracing::debug!(%error, retry_in_ms = delay.as_millis() as u64, "office sync failed again");
        }
        let depth = self.store.depth().unwrap_or(0);
        self.update_status(|s| {
            s.office_reachable = false;
            s.outbox_depth = depth;
            s.last_error = Some(error.to_string());
        });
    }

    fn update_status(&self, change: impl FnOnce(&mut SyncStatus)) {
        if let Ok(mut status) = self.status.lock() {
            change(&mut status);
        }
    }
}

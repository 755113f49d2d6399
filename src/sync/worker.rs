//! The sync thread: one loop that delivers, beats, fetches and sleeps until the next job
//! is due or it is woken. Help requests go out from a thread of their own (see `help`).

use super::client::{ClientError, FormsFetch, InsuranceFetch, OfficeClient};
use super::help::{HelpRetry, HelpSender};
use crate::api::{Heartbeat, HelpRequest, KioskConfig, OutboxHealth, OutboxId, SealedDelivery};
use crate::checkin::{Event, Forms, NotSetUp, OfficeTrust, Roster, Setup};
use crate::domain::{ClinicId, StaffNeed};
use crate::kiosk::payments::TerminalHealthHandle;
use crate::kiosk::printer_worker::PrinterHealthHandle;
use crate::store::{KioskStore, PendingRow, StoreError};
use base64::Engine as _;
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Timings of the sync loop, and the device health its heartbeat reports.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub heartbeat_every: Duration,
    pub roster_every: Duration,
    /// First retry delay after a failure; doubles up to `max_backoff`.
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    /// How often an undelivered help request is tried again (its own schedule, not the
    /// delivery backoff: a patient waiting for staff must not wait out an outage).
    pub help_retry_every: Duration,
    /// A help request still undelivered after this long is dropped: by then the patient
    /// has gone to the desk or left.
    pub help_give_up_after: Duration,
    /// The receipt printer worker's health (default: no printer configured).
    pub printer: PrinterHealthHandle,
    /// The card terminal's health, as the payment worker finds it (default: none).
    pub terminal: TerminalHealthHandle,
    /// Where the last good forms from the office are kept (`None`: not kept, e.g. tests
    /// of other things).
    pub forms_file: Option<PathBuf>,
    /// The revision of the forms the kiosk started with (from `forms_file`), sent as
    /// `If-None-Match` so an unchanged set is not sent again.
    pub forms_revision: Option<String>,
    /// Where the office's last insurance reference is kept (`None`: not kept).
    pub insurance_file: Option<PathBuf>,
    /// The revision of the insurance reference the kiosk started with, sent as
    /// `If-None-Match`.
    pub insurance_revision: Option<String>,
    /// Where the kiosk keeps its pairing key and credential, and its id: with these, a
    /// kiosk without a credential (or whose credential the office revoked) shows a code
    /// and pairs. `None`: the client's token is all there is (tests of other things).
    pub pairing: Option<PairingSettings>,
    /// How often a kiosk showing a code asks whether it was entered.
    pub pairing_poll_every: Duration,
}

/// What the sync thread needs to pair the kiosk.
#[derive(Debug, Clone)]
pub struct PairingSettings {
    pub files: super::pairing::CredentialStore,
    pub kiosk_id: crate::domain::KioskId,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            heartbeat_every: Duration::from_secs(15),
            roster_every: Duration::from_secs(30),
            min_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(30),
            help_retry_every: Duration::from_secs(2),
            help_give_up_after: Duration::from_secs(5 * 60),
            printer: PrinterHealthHandle::default(),
            terminal: TerminalHealthHandle::default(),
            forms_file: None,
            forms_revision: None,
            insurance_file: None,
            insurance_revision: None,
            pairing: None,
            pairing_poll_every: Duration::from_secs(2),
        }
    }
}

/// What the sync thread last saw; read by the shell for diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStatus {
    pub office_reachable: bool,
    pub outbox_depth: u64,
    /// The outbox as the last heartbeat described it (`None` before the first look).
    pub outbox: Option<OutboxHealth>,
    pub delivered: u64,
    pub last_error: Option<String>,
}

enum Command {
    Wake,
    Stop,
}

/// Handle to the running sync and help threads; stops them when dropped.
pub struct SyncHandle {
    commands: mpsc::Sender<Command>,
    help: HelpSender,
    status: Arc<Mutex<SyncStatus>>,
    thread: Option<JoinHandle<()>>,
}

impl SyncHandle {
    /// Whether the sync thread still runs (the watchdog asks: a thread that ended
    /// or panicked must get the program restarted).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }
    /// Something new is in the outbox: deliver now, not at the next retry.
    pub fn wake(&self) {
        let _ = self.commands.send(Command::Wake);
    }

    /// The patient at this kiosk needs the desk, for `need`; sent at once, and retried
    /// until the office answers (for a few minutes at most). A newer need supersedes one
    /// not yet sent.
    pub fn request_help(&self, need: StaffNeed, at: Timestamp) {
        self.help.request(HelpRequest {
            requested_at: at,
            reason: need,
        });
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

/// A "not set up" state for the log: never the pairing code (whoever reads the log could
/// pair with it).
struct NotSetUpLog<'a>(&'a NotSetUp);

impl std::fmt::Debug for NotSetUpLog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            NotSetUp::Pairing { .. } => f.write_str("pairing"),
            NotSetUp::Disabled => f.write_str("disabled"),
        }
    }
}

/// Why the office's answer could not be trusted.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("office key is not a valid Ed25519 public key")]
    BadKey,
    #[error("office time zone {0:?} is unknown here")]
    BadZone(String),
    #[error("office presented a different signing key than the one pinned on first contact")]
    KeyChanged,
    #[error("office presented a different sealing key than the one pinned on first contact")]
    SealKeyChanged,
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
    // A kiosk that knows the token key but not yet the sealing key (one upgraded from
    // before sealing) could check a code but not keep the check-in: until the office is
    // reached, patients are told check-in is not ready rather than that it failed.
    if store.office_seal_key()?.is_none() {
        return Ok(None);
    }
    let name = store.setting(KEY_NAME)?.unwrap_or_default();
    trust_from(clinic, name, &zone, &key).map(Some)
}

/// Accepts the office's configuration: the first keys seen (token signing, outbox
/// sealing) are pinned; a different key later is refused (re-enrolling the kiosk clears
/// the pins).
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
    if let Some(pinned) = store.office_seal_key()?
        && pinned != config.seal_public_key
    {
        return Err(TrustError::SealKeyChanged);
    }
    store.set_setting(KEY_PUBLIC_KEY, &config.token_public_key)?;
    store.set_office_seal_key(&config.seal_public_key)?;
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
    #[error("pairing: {0}")]
    Pairing(#[from] super::pairing::PairingFailure),
}

impl RoundError {
    fn is_transient(&self) -> bool {
        match self {
            RoundError::Client(error) => error.is_transient(),
            RoundError::Pairing(super::pairing::PairingFailure::Office(error)) => {
                error.is_transient()
            }
            _ => false,
        }
    }
}

/// Starts the sync thread.
pub struct SyncWorker;

impl SyncWorker {
    /// `on_event` receives what the flow must learn (office trust, roster, whether a help
    /// request reached the desk); it is called on the sync and help threads.
    pub fn start(
        client: OfficeClient,
        store_path: PathBuf,
        settings: WorkerSettings,
        scanner_connected: Arc<AtomicBool>,
        on_event: impl Fn(Event) + Send + Sync + 'static,
    ) -> Result<SyncHandle, StartError> {
        let store = KioskStore::open(&store_path)?;
        let on_event = Arc::new(on_event);
        let help = HelpSender::start(
            client.clone(),
            HelpRetry {
                every: settings.help_retry_every,
                give_up_after: settings.help_give_up_after,
            },
            {
                let on_event = on_event.clone();
                move |reached| on_event(Event::HelpAnswered(reached))
            },
        )
        .map_err(StartError::Thread)?;
        let (commands, receiver) = mpsc::channel();
        let status = Arc::new(Mutex::new(SyncStatus::default()));
        let thread = std::thread::Builder::new()
            .name("sync".into())
            .spawn({
                let status = status.clone();
                move || {
                    let pairer = settings
                        .pairing
                        .clone()
                        .map(|p| super::pairing::Pairer::new(client.clone(), p.files, p.kiosk_id));
                    let mut worker = Worker {
                        pairer,
                        setup: None,
                        forms_revision: settings.forms_revision.clone(),
                        insurance_revision: settings.insurance_revision.clone(),
                        client,
                        store,
                        settings,
                        scanner_connected,
                        on_event: Box::new(move |event| on_event(event)),
                        status,
                        started: Instant::now(),
                        trusted: false,
                        failures: 0,
                        retry_at: None,
                        skipped: BTreeSet::new(),
                        outbox_broken: false,
                    };
                    worker.run(&receiver);
                }
            })
            .map_err(StartError::Thread)?;
        Ok(SyncHandle {
            commands,
            help,
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
    failures: u32,
    /// While set, the office is not contacted before this instant (backoff).
    retry_at: Option<Instant>,
    /// Outbox rows (by `seq`) the last delivery pass skipped: unreadable here, or refused
    /// by the office. Kept in the outbox and reported in the heartbeat.
    skipped: BTreeSet<i64>,
    /// The last attempt to read the outbox failed.
    outbox_broken: bool,
    /// The revision of the last forms answer handled (taken or refused), so the office
    /// answers 304 until it publishes something new.
    forms_revision: Option<String>,
    /// The revision of the last insurance reference handled.
    insurance_revision: Option<String>,
    /// Pairs the kiosk while it has no credential (`None`: no pairing here).
    pairer: Option<super::pairing::Pairer>,
    /// What the journey was last told of the kiosk's setup (`None`: nothing yet).
    setup: Option<Setup>,
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
            let mut wake_at = self
                .retry_at
                .unwrap_or_else(|| next_heartbeat.min(next_roster));
            if self.retry_at.is_none() && self.pairing() {
                wake_at = wake_at.min(Instant::now() + self.settings.pairing_poll_every);
            }
            let timeout = wake_at.saturating_duration_since(Instant::now());
            match commands.recv_timeout(timeout) {
                Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(Command::Wake) | Err(RecvTimeoutError::Timeout) => {}
            }
            // A wake-up during backoff waits out the backoff: hammering a down office helps no one.
        }
    }

    /// One round: learn the office, deliver the outbox, then the periodic calls that are
    /// due.
    fn sync_once(&mut self, heartbeat_due: bool, roster_due: bool) -> Result<(), RoundError> {
        if self.pairing() && !self.pair()? {
            return Ok(());
        }
        match self.learn_and_deliver(heartbeat_due, roster_due) {
            Err(RoundError::Client(ClientError::Unauthorized)) if self.pairer.is_some() => {
                self.unpair();
                Ok(())
            }
            Err(RoundError::Client(ClientError::Disabled)) => {
                self.tell_setup(Setup::NotSetUp(NotSetUp::Disabled));
                Err(RoundError::Client(ClientError::Disabled))
            }
            Ok(()) => {
                self.tell_setup(Setup::Ready);
                Ok(())
            }
            Err(error) => Err(error),
        }
    }

    /// Whether the kiosk is pairing now: it can pair, and has no credential.
    fn pairing(&self) -> bool {
        self.pairer.is_some() && !self.client.has_token()
    }

    /// Tells the journey whether the kiosk is set up, when that changed.
    fn tell_setup(&mut self, setup: Setup) {
        if self.setup.as_ref() != Some(&setup) {
            if let Setup::NotSetUp(why) = &setup {
                tracing::warn!(state = ?NotSetUpLog(why), "kiosk not set up");
            }
            self.setup = Some(setup.clone());
            (self.on_event)(Event::SetupChanged(setup));
        }
    }

    /// The office refused the credential for good (revoked, or never known): it is
    /// forgotten, and the next round shows a code. The outbox keeps every row.
    fn unpair(&mut self) {
        tracing::warn!("office refused this kiosk's credential; pairing again");
        if let Some(pairer) = &self.pairer
            && let Err(error) = pairer.forget()
        {
            tracing::error!(%error, "cannot forget the refused credential");
        }
        self.client.set_token("");
        self.update_status(|s| {
            s.office_reachable = true;
            s.last_error = Some("not set up: waiting to be paired".into());
        });
        self.tell_setup(Setup::NotSetUp(NotSetUp::Pairing { code: None }));
    }

    /// One step of pairing; `true` once paired (the round goes on with the credential).
    fn pair(&mut self) -> Result<bool, RoundError> {
        let Some(pairer) = self.pairer.as_mut() else {
            return Ok(false);
        };
        match pairer.step(Timestamp::now())? {
            super::pairing::PairingStep::Showing(shown) => {
                self.tell_setup(Setup::NotSetUp(NotSetUp::Pairing {
                    code: Some(shown.code.display()),
                }));
                Ok(false)
            }
            super::pairing::PairingStep::Paired { config, .. } => {
                // The keys the office handed over with the credential are the ones pinned.
                let trust = learn_trust(&mut self.store, &config)?;
                self.trusted = true;
                (self.on_event)(Event::OfficeTrusted(trust));
                (self.on_event)(Event::SexOptionsLearned(
                    config.sex_options.clone().unwrap_or_default(),
                ));
                Ok(true)
            }
        }
    }

    /// Learns the office (once), delivers the outbox, then the periodic calls that are
    /// due.
    fn learn_and_deliver(
        &mut self,
        heartbeat_due: bool,
        roster_due: bool,
    ) -> Result<(), RoundError> {
        if !self.trusted {
            let config = self.client.config()?;
            let trust = learn_trust(&mut self.store, &config)?;
            tracing::info!(clinic = %trust.clinic, "office key learned");
            self.trusted = true;
            (self.on_event)(Event::OfficeTrusted(trust));
            (self.on_event)(Event::SexOptionsLearned(
                config.sex_options.clone().unwrap_or_default(),
            ));
        }
        self.deliver()?;
        if heartbeat_due {
            self.heartbeat()?;
        }
        if roster_due {
            let roster = self.client.roster()?;
            (self.on_event)(Event::RosterUpdated(
                Roster::new(roster.entries, roster.waiting).with_identity_key(roster.identity_key),
            ));
            self.refresh_forms();
            self.refresh_insurance();
        }
        self.update_status(|s| {
            s.office_reachable = true;
            s.last_error = None;
        });
        Ok(())
    }

    /// Asks the office for its forms unless they are unchanged. A good set is kept on disk
    /// and handed to the journey; a set the kiosk cannot use is logged (file, line,
    /// reason) and the last good one stays. Never fails the round: the forms wait for the
    /// next roster refresh.
    fn refresh_forms(&mut self) {
        let response = match self.client.forms(self.forms_revision.as_deref()) {
            Ok(FormsFetch::Published(response)) => response,
            Ok(FormsFetch::NotModified | FormsFetch::NotPublished) => return,
            Err(error) => {
                tracing::warn!(%error, "forms not fetched; keeping the ones the kiosk has");
                return;
            }
        };
        // Handled either way: a refused set is not fetched again until it changes.
        self.forms_revision = Some(response.revision.clone());
        let forms = match Forms::from_response(&response) {
            Ok(forms) => forms,
            Err(error) => {
                tracing::error!(%error, revision = %response.revision, "office's forms refused; keeping the last good set");
                return;
            }
        };
        if let Some(path) = &self.settings.forms_file
            && let Err(error) = super::forms::save(path, &response)
        {
            tracing::error!(%error, "forms not kept on disk; in use until restart");
        }
        tracing::info!(
            revision = %response.revision,
            consents = forms.consents.as_ref().map_or(0, |c| c.ids().len()),
            questionnaires = forms.ask.len(),
            "forms learned"
        );
        (self.on_event)(Event::FormsLearned(Box::new(forms)));
    }

    /// Asks the office for its payer list and trusted health card issuers unless they are
    /// unchanged; keeps the answer on disk and hands it to the journey. Never fails the
    /// round.
    fn refresh_insurance(&mut self) {
        let reference = match self.client.insurance(self.insurance_revision.as_deref()) {
            Ok(InsuranceFetch::Published(reference)) => reference,
            Ok(InsuranceFetch::NotModified | InsuranceFetch::NotPublished) => return,
            Err(error) => {
                tracing::warn!(%error, "insurance reference not fetched; keeping what the kiosk has");
                return;
            }
        };
        self.insurance_revision = Some(reference.revision.clone());
        if let Some(path) = &self.settings.insurance_file
            && let Err(error) = super::insurance::save(path, &reference)
        {
            tracing::error!(%error, "insurance reference not kept on disk; in use until restart");
        }
        tracing::info!(
            revision = %reference.revision,
            payers = reference.payers.len(),
            issuers = reference.shc_issuers.len(),
            "insurance reference learned"
        );
        (self.on_event)(Event::InsuranceLearned(reference));
    }

    /// One pass over the whole outbox, oldest first. The rows are sent sealed as they are
    /// (the kiosk cannot open them). A row that cannot be read here or that the office
    /// refuses is kept and skipped, so it never holds up the rows after it; the heartbeat
    /// reports it. Stops early only when the office cannot be reached.
    fn deliver(&mut self) -> Result<(), ClientError> {
        const BATCH: usize = 100;
        let mut after = 0;
        let mut skipped = BTreeSet::new();
        let outcome = loop {
            let rows = match self.store.pending(after, BATCH) {
                Ok(rows) => rows,
                Err(error) => {
                    if !self.outbox_broken {
                        tracing::error!(%error, "cannot read the outbox");
                    }
                    self.outbox_broken = true;
                    break Ok(false);
                }
            };
            self.outbox_broken = false;
            let full = rows.len() == BATCH;
            let mut delivered = Vec::with_capacity(rows.len());
            let mut failure = None;
            for row in rows {
                let seq = row.seq();
                after = seq;
                let row = match row {
                    PendingRow::Sealed(row) => row,
                    PendingRow::Unreadable { seq } => {
                        if !self.skipped.contains(&seq) {
                            tracing::error!(seq, "outbox row is unreadable; kept and skipped");
                        }
                        skipped.insert(seq);
                        continue;
                    }
                };
                let id = row.id;
                let delivery = SealedDelivery {
                    id,
                    kind: row.kind,
                    sealed: row.sealed,
                };
                match self.client.deliver(&delivery) {
                    Ok(receipt) => {
                        tracing::info!(outbox = %id, kind = delivery.kind.as_str(), outcome = ?receipt.outcome, "outbox row delivered");
                        delivered.push(id);
                    }
                    Err(error @ ClientError::Rejected { .. }) => {
                        // Kept: a misconfigured office gets fixed, and nothing is lost meanwhile.
                        if !self.skipped.contains(&seq) {
                            tracing::error!(%error, outbox = %id, "office refused an outbox row; kept, the rest go on");
                        }
                        skipped.insert(seq);
                    }
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
            self.forget_delivered(&delivered);
            if let Some(error) = failure {
                break Err(error);
            }
            if !full {
                break Ok(true);
            }
        };
        match outcome {
            // A whole pass: what it skipped is exactly what is stuck now.
            Ok(true) => self.skipped = skipped,
            Ok(false) | Err(_) => self.skipped.extend(skipped),
        }
        outcome.map(drop)
    }

    /// Removes what the office has acknowledged from the outbox, all in one commit.
    fn forget_delivered(&mut self, delivered: &[OutboxId]) {
        if delivered.is_empty() {
            return;
        }
        if let Err(error) = self.store.acknowledge_all(delivered) {
            tracing::error!(%error, count = delivered.len(), "delivered but not removed from outbox; they will be sent again");
        }
        let count = delivered.len() as u64;
        self.update_status(|s| s.delivered += count);
    }

    /// The outbox's state for the heartbeat and the status: never "0 unsent" when it
    /// cannot be read.
    fn outbox_health(&mut self) -> OutboxHealth {
        let depth = match self.store.depth() {
            Ok(depth) if !self.outbox_broken => Some(depth),
            Ok(_) => None,
            Err(error) => {
                tracing::error!(%error, "cannot count the outbox");
                None
            }
        };
        let health = match depth {
            None => OutboxHealth::DatabaseError,
            Some(depth) if self.skipped.is_empty() => OutboxHealth::Ok { depth },
            Some(depth) => OutboxHealth::Unreadable {
                depth,
                unreadable_rows: self.skipped.len() as u64,
            },
        };
        self.update_status(|s| {
            if let Some(depth) = depth {
                s.outbox_depth = depth;
            }
            s.outbox = Some(health);
        });
        health
    }

    fn heartbeat(&mut self) -> Result<(), ClientError> {
        let outbox = self.outbox_health();
        self.client.heartbeat(&Heartbeat {
            sent_at: Timestamp::now(),
            version: env!("CARGO_PKG_VERSION").into(),
            uptime_secs: self.started.elapsed().as_secs(),
            outbox,
            scanner_connected: self.scanner_connected.load(Ordering::Relaxed),
            printer: self.settings.printer.get(),
            terminal: self.settings.terminal.get(),
            terminal_batch: self.store.last_closed_day().unwrap_or_else(|error| {
                tracing::warn!(%error, "terminal's closed day unreadable; not reported");
                None
            }),
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
        self.outbox_health();
        self.update_status(|s| {
            s.office_reachable = false;
            s.last_error = Some(error.to_string());
        });
    }

    fn update_status(&self, change: impl FnOnce(&mut SyncStatus)) {
        if let Ok(mut status) = self.status.lock() {
            change(&mut status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seal::SealSecretKey;

    #[test]
    fn the_cached_office_counts_only_with_both_keys_pinned() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = KioskStore::open(&dir.path().join("kiosk.db")).unwrap();
        assert!(cached_trust(&store).unwrap().is_none());
        let signing = ed25519_dalek::SigningKey::from_bytes(&[4; 32]);
        store.set_setting(KEY_CLINIC, "3").unwrap();
        store.set_setting(KEY_TIMEZONE, "UTC").unwrap();
        store.set_setting(KEY_NAME, "Testville Clinic").unwrap();
        store
            .set_setting(
                KEY_PUBLIC_KEY,
                &base64::engine::general_purpose::STANDARD
                    .encode(signing.verifying_key().as_bytes()),
            )
            .unwrap();
        // As a kiosk upgraded from before sealing has it: not ready until first contact.
        assert!(cached_trust(&store).unwrap().is_none());
        store
            .set_office_seal_key(&SealSecretKey::from_bytes([8; 32]).public_key())
            .unwrap();
        let trust = cached_trust(&store).unwrap().expect("both keys pinned");
        assert_eq!(trust.clinic.get(), 3);
        assert_eq!(trust.key, signing.verifying_key());
    }
}

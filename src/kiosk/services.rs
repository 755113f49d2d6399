//! Everything a running kiosk needs besides its window, started in order: the store, the
//! journey, the outbox worker, the scanner driver and the sync thread. The product's
//! `assemble` and the integration tests both start a kiosk through here.

use super::camera::{CameraWorker, CameraWorkerSettings};
use super::card_terminal::{CardTerminalError, SerialCardTerminal};
use super::config::KioskConfig;
use super::core::KioskCore;
use super::gpio_worker::GpioWorker;
use super::payments::{PaymentWorker, PaymentWorkerSettings, TerminalHealthHandle};
use super::printer_worker::{PrinterWorker, PrinterWorkerError};
use super::workers::{LookupWorker, OutboxWorker, Post};
use crate::api::TerminalHealth;
use crate::checkin::{Event, Journey, JourneyPlan, JourneySettings};
use crate::devices::gpio::{CdevPins, LedPattern};
use crate::devices::scanner::{Scanner, ScannerError, ScannerPort};
use crate::store::{KioskStore, StoreError};
use crate::sync::{
    OfficeClient, StartError, SyncHandle, SyncWorker, TrustError, WorkerSettings, cached_trust,
};
use jiff::{SignedDuration, Timestamp};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Why the kiosk could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error("cannot create {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Scanner(#[from] ScannerError),
    #[error(transparent)]
    Sync(#[from] StartError),
    #[error("office client: {0}")]
    Client(#[from] crate::sync::ClientError),
    #[error("cannot start a worker thread: {0}")]
    Thread(std::io::Error),
    #[error(transparent)]
    CardTerminal(#[from] CardTerminalError),
    #[error(transparent)]
    Config(#[from] super::config::ConfigError),
    #[error(transparent)]
    Printer(#[from] PrinterWorkerError),
    #[error(transparent)]
    Credential(crate::sync::pairing::CredentialError),
}

/// A kiosk's running parts. Dropping it stops the scanner, the outbox writer (after the
/// writes already handed over) and the sync thread.
pub struct KioskServices {
    /// The journey and its workers; lives on the thread that handles events.
    pub core: KioskCore,
    pub sync: Arc<SyncHandle>,
    pub scanner: Option<Scanner>,
    /// Whether the scanner is usable now (the driver's own flag).
    pub scanner_connected: Arc<AtomicBool>,
    pub db_path: PathBuf,
    /// The clinic's name as last learned from the office; empty before first contact.
    pub clinic_name: String,
    /// The receipt printer when no payment worker took it, kept running for its health.
    pub printer: Option<PrinterWorker>,
    /// The status LED and the call-staff button; `None` without `[gpio]` or when the
    /// pins cannot be opened (logged: the kiosk runs without them).
    pub gpio: Option<GpioWorker>,
}

/// How often the receipt printer's paper is checked between receipts.
const PRINTER_STATUS_EVERY: Duration = Duration::from_secs(10);

impl KioskServices {
    /// Starts everything. Events from the scanner, the workers and the sync thread go to
    /// `post`, which must hand them to the thread that owns `core`.
    pub fn start(
        config: &KioskConfig,
        mut sync_settings: WorkerSettings,
        post: Post,
        now: Timestamp,
    ) -> Result<Self, ServicesError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ServicesError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let db_path = config.data_dir.join("kiosk.db");
        let mut store = KioskStore::open(&db_path)?;
        let trust = cached_trust(&store)?;
        let clinic_name = trust
            .as_ref()
            .map(|t| t.clinic_name.clone())
            .unwrap_or_default();
        let zone = trust
            .as_ref()
            .map(|t| t.timezone.clone())
            .unwrap_or_else(jiff::tz::TimeZone::system);
        let used = store.used_on(now.to_zoned(zone.clone()).date())?;
        tracing::info!(
            kiosk = %config.kiosk_id,
            outbox = store.depth()?,
            office_known = trust.is_some(),
            "kiosk starting"
        );
        let forms_file = config.data_dir.join(crate::sync::forms::FORMS_FILE);
        let (forms, forms_revision) = crate::sync::forms::load_or_shipped(&forms_file);
        sync_settings.forms_file = Some(forms_file);
        sync_settings.forms_revision = forms_revision;
        let insurance_file = config.data_dir.join(crate::sync::insurance::INSURANCE_FILE);
        let insurance = crate::sync::insurance::load_kept(&insurance_file);
        sync_settings.insurance_file = Some(insurance_file);
        sync_settings.insurance_revision = insurance.as_ref().map(|r| r.revision.clone());
        let mut plan = JourneyPlan::standard();
        for step in &config.leave_out {
            plan = plan.without(*step);
        }
        let mut journey = Journey::new(
            JourneySettings::new(
                SignedDuration::from_secs(config.idle_timeout_secs.cast_signed()),
                SignedDuration::from_secs(config.done_timeout_secs.cast_signed()),
            ),
            plan,
            trust,
            used,
            now,
        );
        // Nothing shows yet: the effects (a first `Show`) are for a screen not up.
        let _ = journey.handle(Event::FormsLearned(Box::new(forms)), now);
        if let Some(reference) = insurance {
            let _ = journey.handle(Event::InsuranceLearned(Box::new(reference)), now);
        }

        // Scans that arrive before the window is up wait in the event queue.
        let scanner = match &config.scanner {
            Some(port) => Some(Scanner::start(
                ScannerPort {
                    path: port.port.clone(),
                    baud: port.baud,
                    terminator: port.terminator,
                    gap: port.gap(),
                },
                {
                    let post = post.clone();
                    move |scan| post(Event::Scanned(scan))
                },
            )?),
            None => {
                tracing::warn!("no scanner configured");
                None
            }
        };
        let scanner_connected = scanner.as_ref().map_or_else(
            || Arc::new(AtomicBool::new(false)),
            Scanner::connection_flag,
        );

        // The printer's health rides on the heartbeat; its receipts come from payments.
        let mut printer = match &config.receipt_printer {
            Some(printer) => {
                let worker = PrinterWorker::start(printer.settings()?, PRINTER_STATUS_EVERY)?;
                sync_settings.printer = worker.health();
                Some(worker)
            }
            None => None,
        };

        let printer_health = printer.as_ref().map(PrinterWorker::health);
        let terminal_health = TerminalHealthHandle::default();
        if config.card_terminal.is_some() {
            sync_settings.terminal = terminal_health.clone();
        }

        // A credential from pairing (in the state directory) wins over a static token
        // from the TOML (installs from before pairing); with neither, the kiosk pairs.
        let files = crate::sync::pairing::CredentialStore::new(&config.data_dir);
        let token = match files.load() {
            Ok(Some(stored)) => stored.credential.expose().to_owned(),
            Ok(None) => config.office_token.clone(),
            Err(error) => {
                tracing::error!(%error, "kiosk credential unreadable; pairing again");
                files.forget().map_err(ServicesError::Credential)?;
                String::new()
            }
        };
        if token.is_empty() {
            let _ = journey.handle(
                Event::SetupChanged(crate::checkin::Setup::NotSetUp(
                    crate::checkin::NotSetUp::Pairing { code: None },
                )),
                now,
            );
        }
        sync_settings.pairing = Some(crate::sync::PairingSettings {
            files,
            kiosk_id: config.kiosk_id.clone(),
        });
        let client = OfficeClient::connect(
            &config.office_url,
            &token,
            Duration::from_secs(10),
            config.office_certificate_sha256,
        )?;
        let sync = Arc::new(SyncWorker::start(
            client.clone(),
            db_path.clone(),
            sync_settings,
            scanner_connected.clone(),
            {
                let post = post.clone();
                move |event| post(event)
            },
        )?);
        // A patient waits at the screen for this one: give up sooner than the sync does.
        let lookup_client = OfficeClient::connect(
            &config.office_url,
            &token,
            Duration::from_secs(4),
            config.office_certificate_sha256,
        )?
        .sharing_credential_of(&client);
        let lookup =
            LookupWorker::start(lookup_client, post.clone()).map_err(ServicesError::Thread)?;
        let outbox = OutboxWorker::start(KioskStore::open(&db_path)?, post.clone(), {
            let sync = sync.clone();
            move || sync.wake()
        })
        .map_err(ServicesError::Thread)?;
        let mut core = KioskCore::new(journey, outbox, lookup, {
            let sync = sync.clone();
            move |need, at| sync.request_help(need, at)
        });
        if let Some(terminal) = &config.card_terminal {
            let payments = PaymentWorker::start(
                Box::new(SerialCardTerminal::new(terminal)?),
                printer.take(),
                KioskStore::open(&db_path)?,
                PaymentWorkerSettings {
                    zone,
                    health: terminal_health.clone(),
                    close_day_at: terminal.close_day_at,
                    ..PaymentWorkerSettings::default()
                },
                post.clone(),
                {
                    let sync = sync.clone();
                    move || sync.wake()
                },
            )
            .map_err(ServicesError::Thread)?;
            core = core.with_payments(payments);
        } else {
            tracing::info!("no card terminal configured; co-pays are paid at the desk");
        }
        let gpio = config.gpio.as_ref().and_then(|pins| {
            let device_fault = {
                let connected = scanner_connected.clone();
                let has_scanner = config.scanner.is_some();
                let printer = printer_health.clone();
                let terminal = config.card_terminal.is_some().then(|| terminal_health.clone());
                move || {
                    (has_scanner && !connected.load(Ordering::Relaxed))
                        || printer.as_ref().is_some_and(|p| p.get().is_fault())
                        || terminal
                            .as_ref()
                            .is_some_and(|t| t.get() == TerminalHealth::Unavailable)
                }
            };
            let sync = sync.clone();
            let state = move || LedPattern::for_state(sync.status().office_reachable, device_fault());
            match CdevPins::open(pins) {
                Ok(pins) => match GpioWorker::start(Box::new(pins), state, post.clone()) {
                    Ok(worker) => Some(worker),
                    Err(error) => {
                        tracing::error!(%error, "cannot start the GPIO thread");
                        None
                    }
                },
                Err(error) => {
                    tracing::error!(%error, "GPIO pins not available; no status LED or call-staff button");
                    None
                }
            }
        });
        // Validated: a `[camera]` section names exactly one camera.
        if let Some(camera) = config.camera.as_ref().and_then(|c| c.open()) {
            let worker = CameraWorker::start(
                camera,
                crate::scan::card_ocr::CardOcr::default(),
                CameraWorkerSettings::default(),
                post.clone(),
            )
            .map_err(ServicesError::Thread)?;
            core = core.with_camera(worker);
        } else {
            tracing::info!("no card camera configured; insurance cards are scanned or typed");
        }
        Ok(Self {
            gpio,
            printer,
            core,
            sync,
            scanner,
            scanner_connected,
            db_path,
            clinic_name,
        })
    }
}

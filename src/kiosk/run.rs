//! Starting the kiosk: store, flow, devices, sync and the window, in that order.

use super::app::{self, KioskApp};
use super::config::KioskConfig;
use super::core::{KioskCore, Notice};
use super::headless::{HeadlessPlatform, HeadlessWindow, write_png};
use super::{ConfirmAdapter, DoneAdapter, KioskAdapter, MainWindow, Page};
use crate::checkin::{Event, Flow, FlowSettings};
use crate::devices::scanner::{Scanner, ScannerPort};
use crate::store::KioskStore;
use crate::sync::{OfficeClient, SyncHandle, SyncWorker, WorkerSettings, cached_trust};
use anyhow::Context as _;
use jiff::{SignedDuration, Timestamp};
use slint::{ComponentHandle, PhysicalSize};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How the kiosk shows itself.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// No display: render in memory (optionally to a PNG after each change).
    pub headless: bool,
    pub size: PhysicalSize,
    /// Headless only: write each new frame here.
    pub snapshot: Option<PathBuf>,
    /// A scripted patient taps "Yes" and "Done" (for the demo without a display).
    pub demo_patient: bool,
    /// When the process started, for the first-frame figure.
    pub started: Instant,
    /// Headless only: stop once the first frame is drawn (and written to `snapshot`).
    /// Used to check a kiosk's configuration and by the start-up benchmark.
    pub exit_after_first_frame: bool,
}

/// Also told of every frame drawn headless (benchmarks time input to pixels with it).
pub type FrameObserver = Box<dyn FnMut(&[slint::Rgb8Pixel], PhysicalSize)>;

/// A kiosk put together and shown, ready for its event loop. Dropping it stops the sync
/// thread and the scanner driver.
pub struct AssembledKiosk {
    pub ui: MainWindow,
    /// Present when headless: draws on demand.
    pub window: Option<HeadlessWindow>,
    pub sync: Arc<SyncHandle>,
    pub db_path: PathBuf,
    _app: std::rc::Rc<KioskApp>,
    _scanner: Option<Scanner>,
    _timers: Vec<slint::Timer>,
}

/// Runs the kiosk until the window closes or Ctrl-C / SIGTERM.
pub fn run(config: KioskConfig, options: RunOptions) -> anyhow::Result<()> {
    let kiosk = assemble(config, options, None)?;
    ctrlc::set_handler(|| {
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    })
    .context("cannot install the Ctrl-C handler")?;
    slint::run_event_loop_until_quit()?;
    tracing::info!(outbox = kiosk.sync.status().outbox_depth, "kiosk stopping");
    Ok(())
}

/// Opens the store, learns what is cached of the office, starts the scanner driver and the
/// sync thread, and shows the window (or the headless platform). Everything the running
/// kiosk needs, in the order it needs it; the caller runs the event loop.
pub fn assemble(
    config: KioskConfig,
    options: RunOptions,
    mut observer: Option<FrameObserver>,
) -> anyhow::Result<AssembledKiosk> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
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
    let now = Timestamp::now();
    let used = store.used_on(now.to_zoned(zone).date())?;
    tracing::info!(
        kiosk = %config.kiosk_id,
        outbox = store.depth()?,
        office_known = trust.is_some(),
        "kiosk starting"
    );
    let flow = Flow::new(
        FlowSettings {
            idle_timeout: SignedDuration::from_secs(config.idle_timeout_secs.cast_signed()),
            done_timeout: SignedDuration::from_secs(config.done_timeout_secs.cast_signed()),
        },
        trust,
        used,
        now,
    );

    let window = if options.headless {
        let started = options.started;
        let snapshot = options.snapshot.clone();
        let exit_after_first = options.exit_after_first_frame;
        let mut first = true;
        Some(HeadlessPlatform::install(
            options.size,
            Some(Box::new(move |pixels, size| {
                if first {
                    first = false;
                    tracing::info!(
                        ms = started.elapsed().as_secs_f64() * 1000.0,
                        "first frame rendered"
                    );
                }
                if let Some(path) = &snapshot
                    && let Err(error) = write_png(path, pixels, size)
                {
                    tracing::warn!(%error, "cannot write snapshot");
                }
                if let Some(observer) = observer.as_mut() {
                    observer(pixels, size);
                }
                if exit_after_first {
                    let _ = slint::quit_event_loop();
                }
            })),
        )?)
    } else {
        None
    };

    let ui = MainWindow::new()?;
    if window.is_none() {
        ui.window().set_size(options.size);
    }

    // Lines scanned before the window is up wait in the event loop's queue.
    let scanner = match &config.scanner {
        Some(port) => Some(Scanner::start(
            ScannerPort {
                path: port.port.clone(),
                baud: port.baud,
                terminator: port.terminator,
                gap: port.gap(),
            },
            |scan| app::post(Event::CodeScanned(scan.into_text())),
        )?),
        None => {
            tracing::warn!("no scanner configured");
            None
        }
    };
    // The driver's own flag feeds both the heartbeat and the welcome screen.
    let scanner_connected = scanner.as_ref().map_or_else(
        || Arc::new(AtomicBool::new(false)),
        Scanner::connection_flag,
    );

    let client = OfficeClient::new(&config.office_url, &config.office_token)?;
    let sync = Arc::new(SyncWorker::start(
        client,
        db_path.clone(),
        WorkerSettings::default(),
        scanner_connected.clone(),
        app::post,
    )?);

    let core = KioskCore::new(flow, store, {
        let sync = sync.clone();
        move |notice| match notice {
            Notice::OutboxChanged => sync.wake(),
            Notice::HelpRequested(at) => sync.request_help(at),
        }
    });
    let kiosk = KioskApp::install(ui.clone_strong(), core, &clinic_name);
    kiosk.set_scanner_ready(scanner_connected.load(Ordering::Relaxed));
    let mut timers = Vec::new();
    let scanner_health = slint::Timer::default();
    if scanner.is_some() {
        let app_ref = std::rc::Rc::downgrade(&kiosk);
        scanner_health.start(
            slint::TimerMode::Repeated,
            Duration::from_secs(1),
            move || {
                if let Some(app) = app_ref.upgrade() {
                    app.set_scanner_ready(scanner_connected.load(Ordering::Relaxed));
                }
            },
        );
    }

    timers.push(scanner_health);
    if options.demo_patient {
        timers.push(scripted_patient(&ui));
    }
    ui.show()?;
    Ok(AssembledKiosk {
        ui,
        _app: kiosk,
        window,
        sync,
        db_path,
        _scanner: scanner,
        _timers: timers,
    })
}

/// For the demo without a display: someone who taps "Yes, this is me" two seconds after
/// seeing their name, and "Done" three seconds after being told to sit. It presses the
/// same adapter callbacks the buttons do.
fn scripted_patient(ui: &MainWindow) -> slint::Timer {
    let timer = slint::Timer::default();
    let weak = ui.as_weak();
    let mut seen = (Page::Welcome, Instant::now());
    timer.start(
        slint::TimerMode::Repeated,
        Duration::from_millis(250),
        move || {
            let Some(ui) = weak.upgrade() else { return };
            let page = ui.global::<KioskAdapter>().get_page();
            if page != seen.0 {
                seen = (page, Instant::now());
                return;
            }
            let waited = seen.1.elapsed();
            match page {
                Page::Confirm if waited >= Duration::from_secs(2) => {
                    tracing::info!("scripted patient taps \"Yes, this is me\"");
                    ui.global::<ConfirmAdapter>().invoke_yes();
                    seen.1 = Instant::now();
                }
                Page::Done if waited >= Duration::from_secs(3) => {
                    ui.global::<DoneAdapter>().invoke_finished();
                    seen.1 = Instant::now();
                }
                _ => {}
            }
        },
    );
    timer
}

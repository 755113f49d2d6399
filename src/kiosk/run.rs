//! Starting the kiosk: store, flow, devices, sync and the window, in that order.

use super::app::{self, KioskApp};
use super::config::KioskConfig;
use super::display::{DisplayBackend, DisplayConfig};
use super::gpio_worker::GpioWorker;
use super::headless::{HeadlessPlatform, HeadlessWindow, write_png};
use super::printer_worker::PrinterWorker;
use super::screen_sleep::ScreenSleep;
use super::services::KioskServices;
use super::{
    AnswerInput, ConfirmAdapter, ConsentAdapter, ConsentMode, DetailsAdapter, DetailsMode,
    DoneAdapter, KioskAdapter, MainWindow, Page, PaymentAdapter, PaymentMode, QuestionsAdapter,
    QuestionsMode,
};
use super::{InsuranceAdapter, InsuranceMode};
use crate::devices::backlight::{Backlight, SYSFS_BACKLIGHTS};
use crate::devices::scanner::Scanner;
use crate::service::{Health, ServiceManager};
use crate::sync::{SyncHandle, WorkerSettings};
use anyhow::Context as _;
use jiff::Timestamp;
use slint::{ComponentHandle, Model as _, PhysicalSize};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How the kiosk shows itself.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// What draws the screen. Headless renders in memory (optionally to a PNG after each
    /// change).
    pub backend: super::display::DisplayBackend,
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
    _scanner: Option<Rc<Scanner>>,
    _printer: Option<Rc<PrinterWorker>>,
    _gpio: Option<Rc<GpioWorker>>,
    _screen_sleep: Option<Rc<ScreenSleep>>,
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
    if let Err(error) = ServiceManager::from_env().stopping() {
        tracing::warn!(%error, "cannot tell systemd the kiosk is stopping");
    }
    tracing::info!(outbox = kiosk.sync.status().outbox_depth, "kiosk stopping");
    Ok(())
}

/// Installs the platform (headless or a window), starts the kiosk's services and shows
/// the window. Everything the running kiosk needs, in the order it needs it; the caller
/// runs the event loop.
pub fn assemble(
    config: KioskConfig,
    options: RunOptions,
    mut observer: Option<FrameObserver>,
) -> anyhow::Result<AssembledKiosk> {
    let manager = ServiceManager::from_env();
    let window = if options.backend == DisplayBackend::Headless {
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
                    tell_ready(&manager);
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
        options.backend.install()?;
        tracing::info!(backend = %options.backend, "display backend selected");
        None
    };

    let ui = MainWindow::new()?;
    if window.is_none() {
        ui.window().set_size(options.size);
    }

    let KioskServices {
        core,
        sync,
        scanner,
        scanner_connected,
        db_path,
        clinic_name,
        printer,
        gpio,
    } = KioskServices::start(
        &config,
        WorkerSettings::default(),
        app::poster(),
        Timestamp::now(),
    )?;
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
    let printer = printer.map(Rc::new);
    let scanner = scanner.map(Rc::new);
    let gpio = gpio.map(Rc::new);
    if let Some(every) = manager.watchdog_every() {
        timers.push(watchdog(
            manager,
            every,
            Rc::downgrade(&kiosk),
            sync.clone(),
            scanner.clone(),
            printer.clone(),
            gpio.clone(),
        ));
    }
    let screen_sleep = start_screen_sleep(&config.display, options.backend, &ui, &kiosk);
    ui.show()?;
    if window.is_none() {
        // With a display the first frame is drawn once the event loop runs.
        slint::Timer::single_shot(Duration::ZERO, move || tell_ready(&manager));
    }
    Ok(AssembledKiosk {
        ui,
        _app: kiosk,
        window,
        sync,
        db_path,
        _scanner: scanner,
        _printer: printer,
        _gpio: gpio,
        _screen_sleep: screen_sleep,
        _timers: timers,
    })
}

/// Shows the "setup needed" screen naming `detail` (from
/// [`super::config::ConfigError::setup_detail`]) until stopped, instead of exiting: under
/// systemd an exit would only be restarted into the same error. The language button
/// works; the watchdog is fed while the UI thread runs.
pub fn run_setup_needed(detail: String, options: RunOptions) -> anyhow::Result<()> {
    let manager = ServiceManager::from_env();
    let window = if options.backend == DisplayBackend::Headless {
        let snapshot = options.snapshot.clone();
        let exit_after_first = options.exit_after_first_frame;
        let ready = manager;
        let mut first = true;
        Some(HeadlessPlatform::install(
            options.size,
            Some(Box::new(move |pixels, size| {
                if first {
                    first = false;
                    tell_ready(&ready);
                }
                if let Some(path) = &snapshot
                    && let Err(error) = write_png(path, pixels, size)
                {
                    tracing::warn!(%error, "cannot write snapshot");
                }
                if exit_after_first {
                    let _ = slint::quit_event_loop();
                }
            })),
        )?)
    } else {
        options.backend.install()?;
        None
    };
    let ui = MainWindow::new()?;
    if window.is_none() {
        ui.window().set_size(options.size);
    }
    let screen = std::rc::Rc::new(std::cell::RefCell::new(crate::checkin::Screen {
        page: crate::checkin::PageView::SetupNeeded { detail },
        overlay: None,
        desk_call: None,
        language: crate::domain::Language::default(),
        display: crate::checkin::DisplayPrefs::default(),
    }));
    app::present(&ui, &screen.borrow());
    {
        let weak = ui.as_weak();
        let screen = screen.clone();
        ui.global::<KioskAdapter>().on_switch_language(move || {
            let mut screen = screen.borrow_mut();
            screen.language = screen.language.other();
            if let Some(ui) = weak.upgrade() {
                app::present(&ui, &screen);
            }
        });
    }
    let mut timers = Vec::new();
    if let Some(every) = manager.watchdog_every() {
        let timer = slint::Timer::default();
        let feeder = manager;
        timer.start(slint::TimerMode::Repeated, every, move || {
            if let Err(error) = feeder.watchdog(Health::Ok) {
                tracing::warn!(%error, "cannot feed systemd's watchdog");
            }
        });
        timers.push(timer);
    }
    ui.show()?;
    if window.is_none() {
        let ready = manager;
        slint::Timer::single_shot(Duration::ZERO, move || tell_ready(&ready));
    }
    ctrlc::set_handler(|| {
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    })
    .context("cannot install the Ctrl-C handler")?;
    slint::run_event_loop_until_quit()?;
    drop(timers);
    if let Err(error) = manager.stopping() {
        tracing::warn!(%error, "cannot tell systemd the kiosk is stopping");
    }
    Ok(())
}

/// The screen's sleep, where blanking is on and there is a backlight to switch (a
/// desktop monitor has none; headless has no screen).
fn start_screen_sleep(
    display: &DisplayConfig,
    backend: DisplayBackend,
    ui: &MainWindow,
    app: &Rc<KioskApp>,
) -> Option<Rc<ScreenSleep>> {
    if display.blank_after_secs == 0 || backend == DisplayBackend::Headless {
        return None;
    }
    let class_dir = std::path::Path::new(SYSFS_BACKLIGHTS);
    match Backlight::find(display.backlight.as_deref(), class_dir) {
        Ok(Some(backlight)) => Some(ScreenSleep::start(
            ui,
            app,
            backlight,
            Duration::from_secs(display.blank_after_secs),
        )),
        Ok(None) => {
            tracing::info!("no backlight to switch; the screen never sleeps");
            None
        }
        Err(error) => {
            tracing::error!(%error, "the screen never sleeps");
            None
        }
    }
}

/// Tells systemd the kiosk is up (its first frame is drawn).
fn tell_ready(manager: &ServiceManager) {
    if let Err(error) = manager.ready("showing the welcome screen") {
        tracing::warn!(%error, "cannot tell systemd the kiosk is ready");
    }
}

/// Feeds systemd's watchdog from the UI event loop, and only while every worker thread
/// runs: a frozen UI thread never gets here, a dead worker is named in the unit's status,
/// and either way systemd restarts the kiosk once `WatchdogSec` passes.
fn watchdog(
    manager: ServiceManager,
    every: Duration,
    app: std::rc::Weak<KioskApp>,
    sync: Arc<SyncHandle>,
    scanner: Option<Rc<Scanner>>,
    printer: Option<Rc<PrinterWorker>>,
    gpio: Option<Rc<GpioWorker>>,
) -> slint::Timer {
    let timer = slint::Timer::default();
    let mut was = Health::Ok;
    timer.start(slint::TimerMode::Repeated, every, move || {
        let health = match app.upgrade().map(|app| app.health()) {
            Some(Health::Ok) => Health::of(&[
                ("sync", sync.is_running()),
                ("scanner", scanner.as_ref().is_none_or(|s| s.is_running())),
                ("printer", printer.as_ref().is_none_or(|p| p.is_running())),
                ("gpio", gpio.as_ref().is_none_or(|g| g.is_running())),
            ]),
            Some(failing) => failing,
            None => Health::Failing("ui"),
        };
        if health != was {
            tracing::error!(
                ?health,
                "kiosk health changed; the watchdog is fed only when Ok"
            );
            was = health;
        }
        if let Err(error) = manager.watchdog(health) {
            tracing::warn!(%error, "cannot feed systemd's watchdog");
        }
    });
    timer
}

/// For the demo without a display: someone who taps "Yes, this is me" two seconds after
/// seeing their name, "Yes, this is right" two seconds after seeing their address, the
/// intake questions briskly (the first choice, "No", skipping what may be skipped), "Pay
/// now" (or, declined, "Pay at the front desk") two seconds after seeing the co-pay, and
/// "Done" three seconds after being told to sit. Each consent is read for a second,
/// then signed with a scripted scrawl. It presses the same adapter callbacks
/// the buttons do.
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
                Page::Details
                    if waited >= Duration::from_secs(2)
                        && ui.global::<DetailsAdapter>().get_mode() == DetailsMode::OnFile =>
                {
                    tracing::info!("scripted patient taps \"Yes, this is right\"");
                    ui.global::<DetailsAdapter>().invoke_correct();
                    seen.1 = Instant::now();
                }
                Page::Payment if waited >= Duration::from_secs(2) => {
                    let payment = ui.global::<PaymentAdapter>();
                    match payment.get_mode() {
                        PaymentMode::Offer => {
                            tracing::info!("scripted patient taps \"Pay now\"");
                            payment.invoke_pay_all();
                        }
                        PaymentMode::NotTaken => {
                            tracing::info!("scripted patient taps \"Pay at the front desk\"");
                            payment.invoke_pay_at_desk();
                        }
                        PaymentMode::Paying | PaymentMode::Saving | PaymentMode::Checking => {}
                    }
                    seen.1 = Instant::now();
                }
                Page::Consent if waited >= Duration::from_secs(1) => {
                    let consent = ui.global::<ConsentAdapter>();
                    match consent.get_mode() {
                        ConsentMode::Reading => consent.invoke_to_pad(),
                        ConsentMode::Signing if consent.get_can_sign() => {
                            tracing::info!("scripted patient signs");
                            consent.invoke_sign();
                        }
                        ConsentMode::Signing => {
                            consent.invoke_pen_down(0.1, 0.6);
                            for i in 1..=40u8 {
                                let x = 0.1 + f32::from(i) * 0.02;
                                let y = 0.6 - 0.15 * (f32::from(i) / 3.0).sin();
                                consent.invoke_pen_move(x, y);
                            }
                            consent.invoke_pen_up();
                        }
                        ConsentMode::Looking | ConsentMode::Saving => {}
                    }
                    seen.1 = Instant::now();
                }
                Page::Insurance if waited >= Duration::from_millis(700) => {
                    answer_insurance(&ui.global::<InsuranceAdapter>());
                    seen.1 = Instant::now();
                }
                Page::Questions if waited >= Duration::from_millis(500) => {
                    answer_briskly(&ui.global::<QuestionsAdapter>());
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

/// The scripted patient's answer to the question on screen: quick and unremarkable.
fn answer_briskly(questions: &QuestionsAdapter<'_>) {
    match questions.get_mode() {
        QuestionsMode::Intro => questions.invoke_start(),
        QuestionsMode::Safety => questions.invoke_go_on(),
        QuestionsMode::Saving => {}
        QuestionsMode::Question if questions.get_optional() => questions.invoke_skip(),
        QuestionsMode::Question => match questions.get_input() {
            AnswerInput::YesNo => questions.invoke_no(),
            AnswerInput::Single => questions.invoke_choose(0),
            AnswerInput::Multiple => {
                questions.invoke_choose(0);
                questions.invoke_next();
            }
            AnswerInput::Number => {
                // One key per digit, as the keypad sends them.
                for digit in questions.get_lowest().chars() {
                    questions.invoke_key(digit.to_string().into());
                }
                questions.invoke_next();
            }
            AnswerInput::Text => {
                questions.invoke_key("A".into());
                questions.invoke_next();
            }
        },
    }
}

/// The scripted patient's insurance: "still the same" when the office has it on file,
/// else typed: the first payer matching "TE" (or the plan typed when the office lists
/// none), the synthetic member the demo's clearinghouse simulator finds active (so the
/// staff page shows a verified co-pay), no group number, in their own name, no second
/// insurance.
fn answer_insurance(insurance: &InsuranceAdapter<'_>) {
    let keys = |text: &str| {
        for c in text.chars() {
            insurance.invoke_key(c.to_string().into());
        }
    };
    match insurance.get_mode() {
        InsuranceMode::OnFile => insurance.invoke_still_same(),
        InsuranceMode::How => insurance.invoke_type_in(),
        InsuranceMode::Payer if insurance.get_shown().is_empty() => {
            keys(if insurance.get_listed() {
                "TE"
            } else {
                "TESTPAYER"
            });
        }
        InsuranceMode::Payer if insurance.get_listed() && insurance.get_chosen().is_empty() => {
            if insurance.get_left_matches().row_count() == 0 {
                insurance.invoke_not_listed();
            } else {
                insurance.invoke_choose(0);
            }
        }
        // Field 3 is the group number.
        InsuranceMode::Text if insurance.get_field() == 3 => insurance.invoke_no_group(),
        InsuranceMode::Text if insurance.get_shown().is_empty() => keys("TST0001"),
        InsuranceMode::Relationship if insurance.get_relationship() < 0 => {
            insurance.invoke_choose(0);
        }
        InsuranceMode::Payer | InsuranceMode::Text | InsuranceMode::Relationship => {
            insurance.invoke_next();
        }
        InsuranceMode::Review => insurance.invoke_confirm(),
        InsuranceMode::Secondary => insurance.invoke_no_secondary(),
        InsuranceMode::Scan | InsuranceMode::Frame | InsuranceMode::Taken => {
            insurance.invoke_back();
        }
        InsuranceMode::Looking | InsuranceMode::Taking | InsuranceMode::Saving => {}
    }
}

//! Binds the Slint window to the kiosk core: taps become events, screens go to the
//! controllers, the language is switched, and events from device, worker and sync
//! threads reach the UI thread.

use super::controllers::{self, Taps};
use super::core::KioskCore;
use super::workers::Post;
use super::{MainWindow, WelcomeAdapter};
use crate::checkin::{Event, PageView, Screen};
use crate::domain::Language;
use jiff::Timestamp;
use slint::ComponentHandle;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

thread_local! {
    /// The running kiosk on the UI thread, for events that arrive from other threads.
    static RUNNING: RefCell<Option<Rc<KioskApp>>> = const { RefCell::new(None) };
}

/// The kiosk UI and its core, living on the UI thread.
pub struct KioskApp {
    ui: MainWindow,
    core: RefCell<KioskCore>,
    language: Cell<Language>,
    tick: slint::Timer,
    /// Screens shown so far: a new one is someone doing something (the screen's sleep).
    pages_presented: Cell<u64>,
    on_welcome: Cell<bool>,
}

impl KioskApp {
    /// Whether the journey's worker threads all run (for the watchdog).
    pub fn health(&self) -> crate::service::Health {
        self.core.borrow().health()
    }

    /// Shows the core's current screen in `ui` and wires every button to the core.
    pub fn install(ui: MainWindow, core: KioskCore, clinic_name: &str) -> Rc<Self> {
        ui.global::<WelcomeAdapter>()
            .set_clinic_name(clinic_name.into());
        let app = Rc::new(Self {
            ui,
            core: RefCell::new(core),
            language: Cell::new(Language::default()),
            tick: slint::Timer::default(),
            pages_presented: Cell::new(0),
            on_welcome: Cell::new(true),
        });
        app.core
            .borrow()
            .set_preview_sink(Arc::new(show_camera_preview));
        // Slint's translation is process-wide: set it, whatever a previous window left.
        select_language(Language::default());
        app.present(&app.core.borrow().screen());
        let weak = Rc::downgrade(&app);
        let taps: Taps = Rc::new(move |tap| {
            if let Some(app) = weak.upgrade() {
                app.dispatch(Event::Tapped(tap));
            }
        });
        controllers::wire(&app.ui, &taps);
        let weak = Rc::downgrade(&app);
        app.tick.start(
            slint::TimerMode::Repeated,
            Duration::from_secs(1),
            move || {
                if let Some(app) = weak.upgrade() {
                    app.dispatch(Event::Tick);
                }
            },
        );
        RUNNING.with(|running| *running.borrow_mut() = Some(app.clone()));
        app
    }

    /// Handles one event now (on the UI thread) and shows the result.
    pub fn dispatch(&self, event: Event) {
        self.dispatch_at(event, Timestamp::now());
    }

    /// Handles one event as if at `now` and shows the result (tests move time on with it).
    pub fn dispatch_at(&self, event: Event, now: Timestamp) {
        if let Event::OfficeTrusted(trust) = &event {
            self.ui
                .global::<WelcomeAdapter>()
                .set_clinic_name(trust.clinic_name.as_str().into());
        }
        let screen = self.core.borrow_mut().handle(event, now);
        if let Some(screen) = screen {
            self.present(&screen);
        }
    }

    /// Whether the scanner is usable; shown on the welcome screen.
    pub fn set_scanner_ready(&self, ready: bool) {
        self.ui.global::<WelcomeAdapter>().set_scanner_ready(ready);
    }

    /// How many screens have been shown (each different from the one before).
    pub fn pages_presented(&self) -> u64 {
        self.pages_presented.get()
    }

    /// Whether the welcome screen is up with nothing over it: nobody is checking in.
    pub fn on_welcome(&self) -> bool {
        self.on_welcome.get()
    }

    fn present(&self, screen: &Screen) {
        self.pages_presented.set(self.pages_presented.get() + 1);
        self.on_welcome
            .set(screen.page == PageView::Identify && screen.overlay.is_none());
        if self.language.replace(screen.language) != screen.language {
            select_language(screen.language);
        }
        controllers::present(&self.ui, screen);
    }
}

/// Switches every `@tr` string of the UI to `language`.
pub fn select_language(language: Language) {
    if let Err(error) = slint::select_bundled_translation(language.code()) {
        tracing::error!(%error, language = language.code(), "no translation bundled");
    }
}

/// Shows `screen` in `ui` without a core (the screen renderer).
pub fn present(ui: &MainWindow, screen: &Screen) {
    select_language(screen.language);
    controllers::present(ui, screen);
}

/// Sends an event from any thread to the running kiosk's UI thread.
pub fn post(event: Event) {
    let _ = slint::invoke_from_event_loop(move || {
        RUNNING.with(|running| {
            if let Some(app) = running.borrow().as_ref() {
                app.dispatch(event);
            }
        });
    });
}

/// Shows a camera preview frame (from the camera thread) behind the frame guide of the
/// running kiosk; `None` clears it. A frame that arrives after the photo page has gone is
/// dropped there.
pub fn show_camera_preview(frame: Option<crate::devices::camera::Frame>) {
    // The pixel buffer crosses threads; the image is made on the UI thread.
    let buffer = frame.as_ref().map(controllers::insurance::pixels_of);
    drop(frame);
    let _ = slint::invoke_from_event_loop(move || {
        RUNNING.with(|running| {
            if let Some(app) = running.borrow().as_ref() {
                app.show_preview(buffer);
            }
        });
    });
}

impl KioskApp {
    /// Draws a preview frame behind the photo page's frame guide (nothing when the page is
    /// no longer showing).
    pub fn show_preview(&self, buffer: Option<slint::SharedPixelBuffer<slint::Rgb8Pixel>>) {
        controllers::insurance::show_preview(&self.ui, buffer);
    }
}

/// [`post`] in the shape workers take.
pub fn poster() -> Post {
    Arc::new(post)
}

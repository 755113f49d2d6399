//! Puts the lobby screen to sleep and wakes it, on the UI thread: the pure [`Blanking`]
//! looked at every second, told of page changes, of the touch on the dark screen and of
//! the motion sensor; it switches the backlight and the dark overlay that swallows the
//! waking touch.

use super::app::KioskApp;
use super::blanking::{Blanking, ScreenChange};
use super::{KioskAdapter, MainWindow};
use crate::devices::backlight::Backlight;
use slint::ComponentHandle;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use std::time::{Duration, Instant};

thread_local! {
    /// The running screen sleep on the UI thread, for the motion sensor's thread.
    static RUNNING: RefCell<Weak<ScreenSleep>> = const { RefCell::new(Weak::new()) };
}

/// The screen's sleep, running until dropped (then the backlight is left lit).
pub struct ScreenSleep {
    ui: slint::Weak<MainWindow>,
    app: std::rc::Weak<KioskApp>,
    backlight: Backlight,
    blanking: RefCell<Blanking>,
    /// The app's page count at the last look: a change is someone doing something.
    seen_pages: Cell<u64>,
    timer: slint::Timer,
}

impl ScreenSleep {
    /// Lights the panel (a previous run may have stopped with it dark) and starts looking.
    pub fn start(
        ui: &MainWindow,
        app: &Rc<KioskApp>,
        backlight: Backlight,
        after: Duration,
    ) -> Rc<Self> {
        if let Err(error) = backlight.set_lit(true) {
            tracing::error!(%error, "cannot light the screen");
        }
        let sleep = Rc::new(Self {
            ui: ui.as_weak(),
            app: Rc::downgrade(app),
            backlight,
            blanking: RefCell::new(Blanking::new(after, Instant::now())),
            seen_pages: Cell::new(app.pages_presented()),
            timer: slint::Timer::default(),
        });
        let weak = Rc::downgrade(&sleep);
        sleep.timer.start(
            slint::TimerMode::Repeated,
            Duration::from_secs(1),
            move || {
                if let Some(sleep) = weak.upgrade() {
                    sleep.look(Instant::now());
                }
            },
        );
        let weak = Rc::downgrade(&sleep);
        ui.global::<KioskAdapter>().on_wake(move || {
            if let Some(sleep) = weak.upgrade() {
                sleep.activity(Instant::now());
            }
        });
        RUNNING.with(|running| *running.borrow_mut() = Rc::downgrade(&sleep));
        sleep
    }

    /// One look at the kiosk as if at `now` (the timer's every second; tests move time
    /// on with it).
    pub fn look(&self, now: Instant) {
        let Some(app) = self.app.upgrade() else {
            return;
        };
        let pages = app.pages_presented();
        let change = if self.seen_pages.replace(pages) != pages {
            self.blanking.borrow_mut().activity(now)
        } else {
            self.blanking.borrow_mut().tick(now, app.on_welcome())
        };
        self.apply(change);
    }

    /// Someone touched the dark screen or moved in front of the sensor.
    pub fn activity(&self, now: Instant) {
        let change = self.blanking.borrow_mut().activity(now);
        self.apply(change);
    }

    pub fn is_asleep(&self) -> bool {
        self.blanking.borrow().is_asleep()
    }

    fn apply(&self, change: Option<ScreenChange>) {
        let Some(change) = change else {
            return;
        };
        let asleep = change == ScreenChange::Sleep;
        match self.backlight.set_lit(!asleep) {
            Ok(()) => tracing::info!(asleep, "screen backlight switched"),
            // Dark overlay or not, the patient must be able to wake it: keep going.
            Err(error) => tracing::error!(%error, "cannot switch the screen backlight"),
        }
        if let Some(ui) = self.ui.upgrade() {
            ui.global::<KioskAdapter>().set_asleep(asleep);
        }
    }
}

/// The motion sensor saw someone: wakes the screen (from any thread).
pub fn motion_seen() {
    let _ = slint::invoke_from_event_loop(|| {
        if let Some(sleep) = RUNNING.with(|running| running.borrow().upgrade()) {
            sleep.activity(Instant::now());
        }
    });
}

impl Drop for ScreenSleep {
    fn drop(&mut self) {
        if let Err(error) = self.backlight.set_lit(true) {
            tracing::warn!(%error, "cannot light the screen on the way out");
        }
    }
}

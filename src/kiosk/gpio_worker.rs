//! The pins' thread: shows the kiosk's state on the status LED (steady green, blinking
//! amber while the office is unreachable, steady red on a device fault) and turns a press
//! of the physical "call staff" button into the same tap as the on-screen one. The
//! motion sensor wakes a sleeping screen.

use super::workers::Post;
use crate::checkin::{Event, Tap};
use crate::devices::gpio::{GpioError, LedColour, LedPattern, PinEvent, Pins};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long each half of the amber blink lasts.
const BLINK_HALF: Duration = Duration::from_millis(500);
/// How long to wait for a pin event before looking at the LED again.
const POLL: Duration = Duration::from_millis(100);

/// The running pins thread; stops when dropped.
pub struct GpioWorker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl GpioWorker {
    /// Starts the thread. `state` says what the LED should show now; `post` receives the
    /// button's taps.
    pub fn start(
        mut pins: Box<dyn Pins>,
        state: impl Fn() -> LedPattern + Send + 'static,
        post: Post,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new().name("gpio".into()).spawn({
            let stop = stop.clone();
            move || {
                let mut shown = None;
                let mut failing = false;
                let started = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    let blink_on =
                        (started.elapsed().as_millis() / BLINK_HALF.as_millis()).is_multiple_of(2);
                    let colour = state().colour(blink_on);
                    let result = show(&mut *pins, colour, &mut shown)
                        .and_then(|()| pins.next_event(POLL))
                        .map(|event| handle(event, &post));
                    match (result, failing) {
                        (Ok(()), true) => {
                            tracing::info!("GPIO pins answer again");
                            failing = false;
                        }
                        (Ok(()), false) => {}
                        (Err(error), false) => {
                            tracing::error!(%error, "GPIO pins failing; retrying");
                            failing = true;
                            shown = None;
                            std::thread::sleep(Duration::from_secs(1));
                        }
                        (Err(_), true) => std::thread::sleep(Duration::from_secs(1)),
                    }
                }
                let _ = pins.show(LedColour::Off);
            }
        })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    /// Whether the pins thread still runs (the watchdog asks).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }
}

/// Sets the LED when its colour changes.
fn show(
    pins: &mut dyn Pins,
    colour: LedColour,
    shown: &mut Option<LedColour>,
) -> Result<(), GpioError> {
    if *shown != Some(colour) {
        pins.show(colour)?;
        *shown = Some(colour);
    }
    Ok(())
}

fn handle(event: Option<PinEvent>, post: &Post) {
    match event {
        Some(PinEvent::CallStaff) => {
            tracing::info!("call-staff button pressed");
            post(Event::Tapped(Tap::CallStaff));
        }
        Some(PinEvent::Motion) => {
            tracing::debug!("motion in front of the kiosk");
            super::screen_sleep::motion_seen();
        }
        None => {}
    }
}

impl Drop for GpioWorker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

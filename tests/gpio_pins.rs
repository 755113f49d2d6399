//! The kiosk's pins on simulated GPIO (what a machine without a Pi runs): the status LED
//! follows the kiosk's state (green, amber blinking while the office is unreachable, red
//! on a device fault) and the physical "call staff" button posts the same tap as the
//! on-screen one.

use frontdesk::checkin::{Event, Tap};
use frontdesk::devices::gpio::{LedColour, LedPattern, SimulatedPins};
use frontdesk::kiosk::gpio_worker::GpioWorker;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Waits (up to 10 s) until `done` holds for the LED's history.
fn until(
    shown: impl Fn() -> Vec<LedColour>,
    done: impl Fn(&[LedColour]) -> bool,
) -> Vec<LedColour> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let history = shown();
        if done(&history) {
            return history;
        }
        assert!(Instant::now() < deadline, "the LED showed only {history:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_led_shows_the_kiosk_state_and_the_button_calls_staff() {
    let (pins, handle) = SimulatedPins::new();
    // 0: ready, 1: office unreachable, 2: device fault.
    let state = Arc::new(AtomicU8::new(0));
    let (post, posted) = mpsc::channel();
    let worker = GpioWorker::start(
        Box::new(pins),
        {
            let state = state.clone();
            move || match state.load(Ordering::Relaxed) {
                0 => LedPattern::for_state(true, false),
                1 => LedPattern::for_state(false, false),
                _ => LedPattern::for_state(false, true),
            }
        },
        Arc::new(move |event| {
            let _ = post.send(event);
        }),
    )
    .unwrap();
    assert!(worker.is_running());

    until(|| handle.shown(), |h| h == [LedColour::Green]);

    // The office goes away: amber, off, amber... (a blink, each change once).
    state.store(1, Ordering::Relaxed);
    let history = until(|| handle.shown(), |h| h.len() >= 4);
    assert_eq!(
        history[1..4]
            .iter()
            .filter(|c| **c == LedColour::Amber)
            .count(),
        2,
        "blinking amber: {history:?}"
    );
    assert!(history[1..4].contains(&LedColour::Off), "{history:?}");

    // A printer out of paper: steady red, whatever the network.
    state.store(2, Ordering::Relaxed);
    until(|| handle.shown(), |h| h.last() == Some(&LedColour::Red));
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        handle.shown().last(),
        Some(&LedColour::Red),
        "red does not blink"
    );

    // Someone presses the button beside the screen; movement posts nothing.
    handle.move_in_front();
    handle.press_call_staff();
    let event = posted.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(matches!(event, Event::Tapped(Tap::CallStaff)), "{event:?}");
    assert!(posted.recv_timeout(Duration::from_millis(300)).is_err());

    // Stopping turns the LED off.
    drop(worker);
    assert_eq!(handle.shown().last(), Some(&LedColour::Off));
}

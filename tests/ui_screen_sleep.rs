//! The lobby screen sleeps and wakes (Slint testing backend, a backlight in a directory
//! laid out like sysfs): left alone on welcome it powers the backlight down and covers
//! the screen; the first finger on the dark screen only wakes it (the welcome button under
//! the finger is not pressed); someone in front of the motion sensor wakes it through the
//! GPIO thread; a patient mid-way keeps it awake; stopping leaves it lit.

mod ui_support;

use frontdesk::devices::backlight::Backlight;
use frontdesk::devices::gpio::{LedPattern, SimulatedPins};
use frontdesk::kiosk::gpio_worker::GpioWorker;
use frontdesk::kiosk::screen_sleep::ScreenSleep;
use frontdesk::kiosk::{KioskAdapter, Page};
use slint::ComponentHandle;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ui_support::UiKiosk;

const AFTER: Duration = Duration::from_secs(300);

fn bl_power(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("bl_power")).unwrap()
}

#[test]
fn the_screen_sleeps_on_welcome_and_wakes_to_a_finger_or_motion() {
    let kiosk = UiKiosk::start();
    let sysfs = tempfile::tempdir().unwrap();
    let light_dir = sysfs.path().join("10-0045");
    std::fs::create_dir(&light_dir).unwrap();
    // A previous run stopped with the panel dark: starting lights it.
    std::fs::write(light_dir.join("bl_power"), "4\n").unwrap();
    let light = Backlight::find(None, sysfs.path()).unwrap().unwrap();
    let sleep = ScreenSleep::start(&kiosk.ui, &kiosk.app, light, AFTER);
    let start = Instant::now();
    assert_eq!(bl_power(&light_dir), "0");

    // Left alone on welcome, just short of the wait: still lit.
    sleep.look(start + AFTER - Duration::from_secs(1));
    assert!(!sleep.is_asleep());
    assert!(!kiosk.visible("Wake the screen"));
    sleep.look(start + AFTER);
    assert!(sleep.is_asleep());
    assert_eq!(bl_power(&light_dir), "4");
    assert!(kiosk.ui.global::<KioskAdapter>().get_asleep());

    // A finger on the dark screen, over the welcome page's buttons: it only wakes.
    let shown = kiosk.app.pages_presented();
    kiosk.press("Wake the screen");
    assert!(!sleep.is_asleep());
    assert_eq!(bl_power(&light_dir), "0");
    assert!(!kiosk.visible("Wake the screen"));
    assert_eq!(kiosk.ui.global::<KioskAdapter>().get_page(), Page::Welcome);
    assert_eq!(
        kiosk.app.pages_presented(),
        shown,
        "the touch pressed nothing"
    );

    // A patient mid-way (the name keyboard) keeps it awake however long they take.
    let later = Instant::now();
    sleep.look(later + AFTER * 2);
    assert!(sleep.is_asleep());
    kiosk.press("Wake the screen");
    // (This kiosk has no name index yet: the name search says to see the desk.)
    kiosk.press("Type my name instead");
    assert_eq!(kiosk.ui.global::<KioskAdapter>().get_page(), Page::Problem);
    let typing = Instant::now();
    sleep.look(typing + Duration::from_secs(1));
    sleep.look(typing + AFTER * 3);
    assert!(!sleep.is_asleep(), "slept on a patient");

    // Back on welcome and dark again; then someone walks up to the motion sensor.
    kiosk.press("Start over");
    let back = Instant::now();
    sleep.look(back + Duration::from_secs(1));
    sleep.look(back + AFTER * 2);
    assert!(sleep.is_asleep());
    let (pins, pins_handle) = SimulatedPins::new();
    let _gpio = GpioWorker::start(
        Box::new(pins),
        || LedPattern::for_state(true, false),
        Arc::new(|_| {}),
    )
    .unwrap();
    pins_handle.move_in_front();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sleep.is_asleep() && Instant::now() < deadline {
        // The GPIO thread's wake-up reaches the UI thread through the event loop.
        let sleep_timer = slint::Timer::default();
        sleep_timer.start(
            slint::TimerMode::SingleShot,
            Duration::from_millis(50),
            || {
                let _ = slint::quit_event_loop();
            },
        );
        slint::run_event_loop().unwrap();
    }
    assert!(!sleep.is_asleep(), "motion did not wake the screen");
    assert_eq!(bl_power(&light_dir), "0");

    // Stopping the kiosk leaves the panel lit.
    sleep.look(Instant::now() + AFTER * 2);
    assert_eq!(bl_power(&light_dir), "4");
    drop(sleep);
    assert_eq!(bl_power(&light_dir), "0");
}

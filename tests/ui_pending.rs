//! The UI thread never waits on a worker: while the outbox write is held up (another
//! connection holds the kiosk database's write lock), the real kiosk, put together by
//! `assemble` with the headless software renderer, keeps drawing frames whose spinner
//! advances, and answers taps ("Call staff", "Back"); "done" shows once the write lands.

use ed25519_dalek::SigningKey;
use frontdesk::checkin::{Event, Forms, OfficeTrust};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AppointmentId, ClinicId};
use frontdesk::kiosk::app::post;
use frontdesk::kiosk::config::KioskConfig;
use frontdesk::kiosk::run::{FrameObserver, RunOptions, assemble};
use frontdesk::kiosk::{KioskAdapter, MainWindow, Overlay, Page};
use frontdesk::token::CheckInToken;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use slint::ComponentHandle;
use std::cell::RefCell;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A drawn frame: what it showed and a fingerprint of its pixels.
struct Frame {
    page: Page,
    overlay: Overlay,
    pixels: u64,
}

/// Ends the event loop when the driver is done, passed or panicked.
struct QuitWhenDone;

impl Drop for QuitWhenDone {
    fn drop(&mut self) {
        let _ = slint::invoke_from_event_loop(|| {
            let _ = slint::quit_event_loop();
        });
    }
}

fn tap(ui: &slint::Weak<MainWindow>, label: &'static str) {
    ui.upgrade_in_event_loop(move |ui| {
        let button = ElementHandle::find_by_accessible_label(&ui, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .unwrap_or_else(|| panic!("no {label:?} button"));
        button.invoke_accessible_default_action();
    })
    .unwrap();
}

/// Waits for a frame that `want` accepts.
fn wait_for(frames: &mpsc::Receiver<Frame>, what: &str, want: impl Fn(&Frame) -> bool) -> Frame {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = frames
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no frame showing {what}"));
        if want(&frame) {
            return frame;
        }
    }
}

#[test]
fn frames_keep_coming_while_the_outbox_write_is_pending() {
    let dir = tempfile::tempdir().unwrap();
    let config = KioskConfig {
        office_url: "http://127.0.0.1:9".into(),
        data_dir: dir.path().to_owned(),
        // A static token: a kiosk without any credential shows the pairing screen.
        office_token: "static-kiosk-token-0123456789".into(),
        leave_out: vec![
            frontdesk::checkin::StepKind::Consent,
            frontdesk::checkin::StepKind::Insurance,
        ],
        ..KioskConfig::default()
    };
    // The office's sealing key, as the sync thread pins it on first contact.
    std::fs::create_dir_all(dir.path()).unwrap();
    frontdesk::store::KioskStore::open(&dir.path().join("kiosk.db"))
        .unwrap()
        .set_office_seal_key(&frontdesk::seal::SealSecretKey::from_bytes([6; 32]).public_key())
        .unwrap();
    let (frames_tx, frames) = mpsc::channel::<Frame>();
    let window: Rc<RefCell<Option<slint::Weak<MainWindow>>>> = Rc::default();
    let observer: FrameObserver = Box::new({
        let window = window.clone();
        move |pixels, _| {
            let Some(ui) = window.borrow().as_ref().and_then(slint::Weak::upgrade) else {
                return;
            };
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for pixel in pixels {
                (pixel.r, pixel.g, pixel.b).hash(&mut hasher);
            }
            let adapter = ui.global::<KioskAdapter>();
            let _ = frames_tx.send(Frame {
                page: adapter.get_page(),
                overlay: adapter.get_overlay(),
                pixels: hasher.finish(),
            });
        }
    });
    let kiosk = assemble(
        config,
        RunOptions {
            backend: frontdesk::kiosk::display::DisplayBackend::Headless,
            size: slint::PhysicalSize::new(800, 480),
            snapshot: None,
            demo_patient: false,
            started: Instant::now(),
            exit_after_first_frame: false,
        },
        Some(observer),
    )
    .unwrap();
    *window.borrow_mut() = Some(kiosk.ui.as_weak());

    let ui = kiosk.ui.as_weak();
    let db = kiosk.db_path.clone();
    let driver = std::thread::spawn(move || {
        let _quit = QuitWhenDone;
        let key = SigningKey::from_bytes(&[3; 32]);
        let now = Timestamp::now();
        post(Event::OfficeTrusted(OfficeTrust {
            clinic: ClinicId::new(1).unwrap(),
            clinic_name: "Demo Family Practice".into(),
            timezone: TimeZone::UTC,
            key: key.verifying_key(),
        }));
        // An office that asks no intake questions: after the check-in comes "done".
        post(Event::FormsLearned(Box::new(Forms {
            ask: Vec::new(),
            ..Forms::shipped()
        })));
        let code = CheckInToken {
            clinic: ClinicId::new(1).unwrap(),
            appointment: AppointmentId::new(7),
            valid_on: now.to_zoned(TimeZone::UTC).date(),
            starts_at: jiff::civil::Time::constant(9, 0, 0, 0),
            expires_at: now + 2.hours(),
        }
        .sign(&key)
        .expect("signs");
        post(Event::Scanned(Scan::classify(code)));
        wait_for(&frames, "the confirm page", |f| f.page == Page::Confirm);

        // Another connection takes the database's write lock: the outbox write waits.
        let blocker = rusqlite::Connection::open(&db).unwrap();
        blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
        tap(&ui, "Yes, this is me");
        let first = wait_for(&frames, "the saving page", |f| f.page == Page::Saving);

        // The spinner goes round: several different frames of the same page.
        let mut seen = HashSet::from([first.pixels]);
        while seen.len() < 3 {
            let frame = wait_for(&frames, "a spinner frame", |f| f.page == Page::Saving);
            seen.insert(frame.pixels);
        }
        // Taps are answered meanwhile.
        tap(&ui, "Call staff");
        wait_for(&frames, "the help overlay", |f| f.overlay == Overlay::Help);
        tap(&ui, "Back");
        let back = wait_for(&frames, "the saving page again", |f| {
            f.overlay == Overlay::None
        });
        assert_eq!(back.page, Page::Saving, "still waiting on the write");

        blocker.execute_batch("ROLLBACK").unwrap();
        wait_for(&frames, "the done page", |f| f.page == Page::Done);
        seen.len()
    });
    slint::run_event_loop_until_quit().unwrap();
    let distinct = driver.join().expect("the driver thread passes");
    assert!(distinct >= 3);
    let store = frontdesk::store::KioskStore::open(&kiosk.db_path).unwrap();
    assert_eq!(
        store.depth().unwrap(),
        1,
        "saved once the lock was released"
    );
}

//! A kiosk on Slint's testing backend, started by the product's own services (real outbox
//! worker, no office listening), and a patient's hands: tap a button by its accessible
//! label, look for a label on screen.

#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use frontdesk::api::{OutboxBody, SealedDelivery};
use frontdesk::checkin::{Event, Forms, OfficeTrust, Roster, RosterEntry, StepKind};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AmountDue, AppointmentId, ClinicId, PersonName};
use frontdesk::kiosk::app::KioskApp;
use frontdesk::kiosk::config::KioskConfig;
use frontdesk::kiosk::services::KioskServices;
use frontdesk::kiosk::{KioskAdapter, MainWindow, Page};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::{KioskStore, PendingRow};
use frontdesk::sync::WorkerSettings;
use frontdesk::token::CheckInToken;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, mpsc};
use std::time::Duration;

/// The kiosk's window and app, what its workers post back, and its data directory.
pub struct UiKiosk {
    pub ui: MainWindow,
    pub app: Rc<KioskApp>,
    pub posted: mpsc::Receiver<Event>,
    pub db_path: PathBuf,
    /// The office's token key.
    pub key: SigningKey,
    pub now: Timestamp,
    _dir: tempfile::TempDir,
}

impl UiKiosk {
    /// A kiosk that knows its office (Demo Family Practice, UTC) and is on welcome. Call
    /// from one thread only: Slint's testing platform belongs to the first caller's.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// [`Self::start`], with `configure` adding to the kiosk's settings (devices).
    pub fn start_with(configure: impl FnOnce(&mut KioskConfig)) -> Self {
        static PLATFORM: std::sync::Once = std::sync::Once::new();
        PLATFORM.call_once(i_slint_backend_testing::init_integration_test_with_system_time);
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::from_bytes(&[5; 32]);
        let now = Timestamp::now();
        // No office is listening: the sync thread just retries, and nothing waits on it.
        let mut config = KioskConfig {
            office_url: "http://127.0.0.1:9".into(),
            data_dir: dir.path().to_owned(),
            // A static token: a kiosk without any credential shows the pairing screen.
            office_token: "static-kiosk-token-0123456789".into(),
            // Consent and insurance have their own tests (ui_consent.rs, ui_insurance.rs);
            // `configure` may put them back.
            leave_out: vec![StepKind::Consent, StepKind::Insurance],
            ..KioskConfig::default()
        };
        configure(&mut config);
        let db_path = dir.path().join("kiosk.db");
        // The office's sealing key, as the sync thread pins it on first contact.
        KioskStore::open(&db_path)
            .unwrap()
            .set_office_seal_key(&SealSecretKey::from_bytes([6; 32]).public_key())
            .unwrap();
        let (post, posted) = mpsc::channel();
        let services = KioskServices::start(
            &config,
            WorkerSettings::default(),
            Arc::new(move |event| {
                let _ = post.send(event);
            }),
            now,
        )
        .unwrap();
        let ui = MainWindow::new().unwrap();
        let app = KioskApp::install(ui.clone_strong(), services.core, "");
        ui.show().unwrap();
        app.dispatch(Event::OfficeTrusted(OfficeTrust {
            clinic: ClinicId::new(1).unwrap(),
            clinic_name: "Demo Family Practice".into(),
            timezone: TimeZone::UTC,
            key: key.verifying_key(),
        }));
        // An office that asks no intake questions; tests of the questions step send
        // their own forms.
        app.dispatch(Event::FormsLearned(Box::new(Forms {
            ask: Vec::new(),
            ..Forms::shipped()
        })));
        Self {
            ui,
            app,
            posted,
            db_path,
            key,
            now,
            _dir: dir,
        }
    }

    /// Ada Testpatient, owing `due` for appointment `id` at 16:30 today, scans her code and
    /// taps "Yes, this is me".
    pub fn arrive(&self, id: u64, due: AmountDue) {
        let entry = RosterEntry {
            appointment: AppointmentId::new(id),
            display_name: PersonName::new("Ada", "Testpatient")
                .unwrap()
                .display_name(),
            starts_at: Time::constant(16, 30, 0, 0),
            provider: "Dr. Example".into(),
            checked_in: false,
            code: None,
            identity: None,
            due,
        };
        self.app
            .dispatch(Event::RosterUpdated(Roster::new(vec![entry], 0)));
        let code = CheckInToken {
            clinic: ClinicId::new(1).unwrap(),
            appointment: AppointmentId::new(id),
            valid_on: self.now.to_zoned(TimeZone::UTC).date(),
            starts_at: Time::constant(16, 30, 0, 0),
            expires_at: self.now + 2.hours(),
        }
        .sign(&self.key)
        .unwrap();
        self.app.dispatch(Event::Scanned(Scan::classify(code)));
        self.tap("Yes, this is me");
    }

    /// Taps the one button labelled `label`.
    pub fn tap(&self, label: &str) {
        let buttons: Vec<_> = ElementHandle::find_by_accessible_label(&self.ui, label)
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect();
        assert_eq!(buttons.len(), 1, "exactly one {label:?} button on screen");
        buttons[0].invoke_accessible_default_action();
    }

    /// Taps the one button labelled `label` with a finger, as a patient does: pointer down
    /// and up at its centre, which must be inside the window (a button below the fold
    /// cannot be pressed this way).
    pub fn press(&self, label: &str) {
        let buttons: Vec<_> = ElementHandle::find_by_accessible_label(&self.ui, label)
            .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .collect();
        assert_eq!(buttons.len(), 1, "exactly one {label:?} button on screen");
        let (at, size) = (buttons[0].absolute_position(), buttons[0].size());
        let centre = LogicalPosition::new(at.x + size.width / 2.0, at.y + size.height / 2.0);
        let window = self.ui.window();
        let shown = window.size().to_logical(window.scale_factor());
        assert!(
            centre.x > 0.0 && centre.y > 0.0 && centre.x < shown.width && centre.y < shown.height,
            "{label:?} is off screen: its centre {centre:?}, the window {shown:?}"
        );
        self.finger(&[centre]);
    }

    /// A finger down at the first point, moved through the rest, lifted at the last.
    pub fn finger(&self, path: &[LogicalPosition]) {
        let (Some(&first), Some(&last)) = (path.first(), path.last()) else {
            return;
        };
        let window = self.ui.window();
        window.dispatch_event(WindowEvent::PointerMoved { position: first });
        window.dispatch_event(WindowEvent::PointerPressed {
            position: first,
            button: PointerEventButton::Left,
        });
        for &position in &path[1..] {
            window.dispatch_event(WindowEvent::PointerMoved { position });
        }
        window.dispatch_event(WindowEvent::PointerReleased {
            position: last,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerExited);
    }

    /// Every readable row waiting in the kiosk's outbox, opened with the office's key.
    pub fn outbox(&self) -> Vec<OutboxBody> {
        let office = SealSecretKey::from_bytes([6; 32]);
        KioskStore::open(&self.db_path)
            .unwrap()
            .pending(0, 100)
            .unwrap()
            .into_iter()
            .filter_map(|row| match row {
                PendingRow::Sealed(row) => Some(row),
                PendingRow::Unreadable { .. } => None,
            })
            .map(|row| {
                SealedDelivery {
                    id: row.id,
                    kind: row.kind,
                    sealed: row.sealed,
                }
                .open(&office)
                .unwrap()
            })
            .collect()
    }

    /// Whether an element labelled `label` is on screen.
    pub fn visible(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.ui, label)
            .next()
            .is_some()
    }

    /// Whether the one button labelled `label` can be pressed.
    pub fn enabled(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.ui, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
            .and_then(|e| e.accessible_enabled())
            .unwrap_or(false)
    }

    /// Hands what the workers posted to the UI thread until one of them is `wanted`.
    pub fn until_event(&self, wanted: impl Fn(&Event) -> bool) {
        loop {
            let event = self
                .posted
                .recv_timeout(Duration::from_secs(20))
                .expect("the awaited event comes");
            let found = wanted(&event);
            self.app.dispatch(event);
            if found {
                return;
            }
        }
    }

    /// Hands what the workers posted (look-ups, outbox writes) to the UI thread until the
    /// kiosk shows `page`.
    pub fn until_page(&self, page: Page) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while self.ui.global::<KioskAdapter>().get_page() != page {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let event = self.posted.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "waited for {page:?}; the kiosk shows {:?}",
                    self.ui.global::<KioskAdapter>().get_page()
                )
            });
            self.app.dispatch(event);
        }
    }
}

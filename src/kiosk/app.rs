//! Binds the Slint window to the kiosk core: taps become events, screens become
//! adapter properties, and events from device and sync threads reach the UI thread.

use super::core::KioskCore;
use super::wording;
use super::{
    ConfirmAdapter, DoneAdapter, FrontDeskAdapter, HelpAdapter, KioskAdapter, MainWindow, Page,
    ProblemAdapter, ProblemKind, WelcomeAdapter,
};
use crate::checkin::{Event, FrontDeskReason, Problem, Screen, Tap};
use jiff::Timestamp;
use slint::ComponentHandle;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

thread_local! {
    /// The running kiosk on the UI thread, for events that arrive from other threads.
    static RUNNING: RefCell<Option<Rc<KioskApp>>> = const { RefCell::new(None) };
}

/// The kiosk UI and its core, living on the UI thread.
pub struct KioskApp {
    ui: MainWindow,
    core: RefCell<KioskCore>,
    tick: slint::Timer,
}

impl KioskApp {
    /// Shows the core's current screen in `ui` and wires every button to the core.
    pub fn install(ui: MainWindow, core: KioskCore, clinic_name: &str) -> Rc<Self> {
        ui.global::<WelcomeAdapter>()
            .set_clinic_name(clinic_name.into());
        let app = Rc::new(Self {
            ui,
            core: RefCell::new(core),
            tick: slint::Timer::default(),
        });
        present(&app.ui, &app.core.borrow().screen());
        app.wire();
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
        if let Event::OfficeTrusted(trust) = &event {
            self.ui
                .global::<WelcomeAdapter>()
                .set_clinic_name(trust.clinic_name.as_str().into());
        }
        let screen = self.core.borrow_mut().handle(event, Timestamp::now());
        if let Some(screen) = screen {
            present(&self.ui, &screen);
        }
    }

    /// Whether the scanner is usable; shown on the welcome screen.
    pub fn set_scanner_ready(&self, ready: bool) {
        self.ui.global::<WelcomeAdapter>().set_scanner_ready(ready);
    }

    fn wire(self: &Rc<Self>) {
        let tap = |app: &Rc<Self>, tap: Tap| {
            let weak = Rc::downgrade(app);
            move || {
                if let Some(app) = weak.upgrade() {
                    app.dispatch(Event::Tapped(tap));
                }
            }
        };
        let ui = &self.ui;
        ui.global::<KioskAdapter>()
            .on_call_staff(tap(self, Tap::CallStaff));
        ui.global::<WelcomeAdapter>()
            .on_no_code(tap(self, Tap::NoCode));
        ui.global::<ConfirmAdapter>()
            .on_yes(tap(self, Tap::ConfirmYes));
        ui.global::<ConfirmAdapter>()
            .on_no(tap(self, Tap::ConfirmNo));
        ui.global::<DoneAdapter>()
            .on_finished(tap(self, Tap::StartOver));
        ui.global::<ProblemAdapter>()
            .on_start_over(tap(self, Tap::StartOver));
        ui.global::<FrontDeskAdapter>()
            .on_start_over(tap(self, Tap::StartOver));
        ui.global::<HelpAdapter>().on_back(tap(self, Tap::Back));
    }
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

/// Puts a screen's content into the adapters and switches page. Every page's data is
/// overwritten on every change, so nothing of a previous patient lingers.
pub fn present(ui: &MainWindow, screen: &Screen) {
    let confirm = ui.global::<ConfirmAdapter>();
    let (name, time, provider) = match screen {
        Screen::Confirm(details) => (
            details
                .display_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default(),
            wording::clock_time(details.starts_at),
            details.provider.clone().unwrap_or_default(),
        ),
        _ => Default::default(),
    };
    confirm.set_display_name(name.into());
    confirm.set_appointment_time(time.into());
    confirm.set_provider(provider.into());

    let position = match screen {
        Screen::Done {
            queue_position: Some(n),
        } => i32::try_from(*n).unwrap_or(0),
        _ => 0,
    };
    ui.global::<DoneAdapter>().set_queue_position(position);

    if let Screen::Problem(problem) = screen {
        let adapter = ui.global::<ProblemAdapter>();
        adapter.set_kind(problem_kind(*problem));
        adapter.set_date(match problem {
            Problem::WrongDay(date) => wording::long_date(*date).into(),
            _ => Default::default(),
        });
    }
    if let Screen::SeeFrontDesk(reason) = screen {
        ui.global::<FrontDeskAdapter>().set_reason(match reason {
            FrontDeskReason::NoCode => super::FrontDeskReason::NoCode,
            FrontDeskReason::NotMe => super::FrontDeskReason::NotMe,
        });
    }
    ui.global::<KioskAdapter>().set_page(page_of(screen));
}

fn page_of(screen: &Screen) -> Page {
    match screen {
        Screen::Welcome => Page::Welcome,
        Screen::Confirm(_) => Page::Confirm,
        Screen::Saving => Page::Saving,
        Screen::Done { .. } => Page::Done,
        Screen::Problem(_) => Page::Problem,
        Screen::SeeFrontDesk(_) => Page::FrontDesk,
        Screen::HelpComing => Page::Help,
    }
}

fn problem_kind(problem: Problem) -> ProblemKind {
    match problem {
        Problem::UnknownCode => ProblemKind::UnknownCode,
        Problem::Forged => ProblemKind::Forged,
        Problem::OtherClinic => ProblemKind::OtherClinic,
        Problem::Expired => ProblemKind::Expired,
        Problem::WrongDay(_) => ProblemKind::WrongDay,
        Problem::AlreadyUsed => ProblemKind::AlreadyUsed,
        Problem::NotOnToday => ProblemKind::NotOnToday,
        Problem::NotReady => ProblemKind::NotReady,
        Problem::SaveFailed => ProblemKind::SaveFailed,
    }
}

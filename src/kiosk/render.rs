//! `frontdesk-kiosk render-screens`: every kiosk screen, at both display sizes, to PNG,
//! with the software renderer and no display. For looking at what patients see.

use super::app::present;
use super::headless::{FrameError, HeadlessPlatform, HeadlessWindow, write_png};
use super::{MainWindow, WelcomeAdapter};
use crate::checkin::{ConfirmDetails, FrontDeskReason, Problem, Screen};
use crate::domain::PersonName;
use jiff::civil::{Time, date};
use slint::{ComponentHandle, PhysicalSize, PlatformError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("Slint platform: {0}")]
    Platform(#[from] PlatformError),
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("cannot create {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The display sizes the kiosk is designed for: a 1280x800 panel and the official 7" Pi display.
pub const SIZES: [(u32, u32); 2] = [(1280, 800), (800, 480)];

/// Every screen, with synthetic content, by file name.
pub fn sample_screens() -> Vec<(&'static str, Screen)> {
    let name = PersonName::new("Ada", "Testpatient")
        .expect("valid")
        .display_name();
    vec![
        ("welcome", Screen::Welcome),
        (
            "confirm",
            Screen::Confirm(ConfirmDetails {
                display_name: Some(name),
                starts_at: Time::constant(10, 30, 0, 0),
                provider: Some("Dr. Demo Able".into()),
            }),
        ),
        (
            "confirm-offline",
            Screen::Confirm(ConfirmDetails {
                display_name: None,
                starts_at: Time::constant(10, 30, 0, 0),
                provider: None,
            }),
        ),
        ("saving", Screen::Saving),
        (
            "done",
            Screen::Done {
                queue_position: Some(3),
            },
        ),
        (
            "done-offline",
            Screen::Done {
                queue_position: None,
            },
        ),
        (
            "problem-unknown-code",
            Screen::Problem(Problem::UnknownCode),
        ),
        ("problem-forged", Screen::Problem(Problem::Forged)),
        (
            "problem-other-clinic",
            Screen::Problem(Problem::OtherClinic),
        ),
        ("problem-expired", Screen::Problem(Problem::Expired)),
        (
            "problem-wrong-day",
            Screen::Problem(Problem::WrongDay(date(2026, 11, 30))),
        ),
        (
            "problem-already-used",
            Screen::Problem(Problem::AlreadyUsed),
        ),
        ("problem-not-on-today", Screen::Problem(Problem::NotOnToday)),
        ("problem-not-ready", Screen::Problem(Problem::NotReady)),
        ("problem-save-failed", Screen::Problem(Problem::SaveFailed)),
        (
            "front-desk-no-code",
            Screen::SeeFrontDesk(FrontDeskReason::NoCode),
        ),
        (
            "front-desk-not-me",
            Screen::SeeFrontDesk(FrontDeskReason::NotMe),
        ),
        ("help", Screen::HelpComing),
    ]
}

/// Renders every screen at every size into `dir`; returns the files written.
pub fn render_all(dir: &Path) -> Result<Vec<PathBuf>, RenderError> {
    std::fs::create_dir_all(dir).map_err(|source| RenderError::Dir {
        path: dir.to_owned(),
        source,
    })?;
    let (width, height) = SIZES[0];
    let window = HeadlessPlatform::install(PhysicalSize::new(width, height), None)?;
    let ui = MainWindow::new()?;
    ui.global::<WelcomeAdapter>()
        .set_clinic_name("Demo Family Practice".into());
    ui.show()?;
    let mut written = Vec::new();
    for (width, height) in SIZES {
        window.set_size(PhysicalSize::new(width, height));
        for (name, screen) in sample_screens() {
            present(&ui, &screen);
            written.push(snapshot(
                &window,
                &dir.join(format!("{name}-{width}x{height}.png")),
            )?);
        }
        // The welcome screen as it reads when the scanner is unplugged.
        present(&ui, &Screen::Welcome);
        ui.global::<WelcomeAdapter>().set_scanner_ready(false);
        written.push(snapshot(
            &window,
            &dir.join(format!("welcome-no-scanner-{width}x{height}.png")),
        )?);
        ui.global::<WelcomeAdapter>().set_scanner_ready(true);
    }
    Ok(written)
}

/// Draws the window and writes it to `path`; returns the path.
fn snapshot(window: &HeadlessWindow, path: &Path) -> Result<PathBuf, FrameError> {
    window
        .redraw(|pixels, size| write_png(path, pixels, size))
        .unwrap_or(Ok(()))?;
    Ok(path.to_owned())
}

//! Figure 12 (signing a consent): pointer move → ink on screen while a finger is on the
//! signature box. A kiosk put together as `frontdesk-kiosk run` does (software renderer,
//! the journey holding the strokes, the smoothed path drawn by Slint) is driven to the pad;
//! each pointer move is timed from its dispatch to the end of drawing the frame that shows
//! it. Every 150 moves the finger lifts and "Clear" is tapped, so the strokes stay within a
//! signature's limits. Baseline: a full repaint of the same window with no input.
//!
//! The kiosk runs in a child process of the bench (Slint's platform is one per process).

use crate::Scale;
use crate::kiosk_day::{assemble_observed, on_ui, step, tap};
use crate::report::{Report, percentile};
use anyhow::{Context as _, bail};
use ed25519_dalek::SigningKey;
use frontdesk::checkin::{Event, OfficeTrust, Roster, RosterEntry};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AmountDue, AppointmentId, ClinicId, PersonName};
use frontdesk::kiosk::app::post;
use frontdesk::kiosk::config::KioskConfig;
use frontdesk::kiosk::{ConsentAdapter, ConsentMode, MainWindow, Page};
use frontdesk::seal::SealSecretKey;
use frontdesk::store::KioskStore;
use frontdesk::token::CheckInToken;
use i_slint_backend_testing::ElementHandle;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set (to the JSON plan) when the bench binary runs as the signing kiosk's child.
pub const CHILD_ENV: &str = "FRONTDESK_BENCH_SIGNING";

/// Moves per stroke before the finger lifts and the box is cleared.
const MOVES_PER_STROKE: usize = 150;

#[derive(Serialize, Deserialize)]
struct Plan {
    data_dir: std::path::PathBuf,
    warmup: usize,
    moves: usize,
}

#[derive(Serialize, Deserialize, Default)]
struct Outcome {
    move_ms: Vec<f64>,
    repaint_ms: Vec<f64>,
    /// Signed, and the next document came up.
    finished: bool,
}

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let moves = scale.timed_events;
    println!("12. signing: {moves} pointer moves on the signature box");
    let dir = tempfile::tempdir()?;
    let plan = Plan {
        data_dir: dir.path().join("kiosk"),
        warmup: scale.warmup_events,
        moves,
    };
    let output = Command::new(std::env::current_exe()?)
        .env(CHILD_ENV, serde_json::to_string(&plan)?)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start the signing kiosk child")?;
    if !output.status.success() {
        bail!("the signing kiosk child failed: {}", output.status);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rfind(|l| l.starts_with('{'))
        .context("the signing kiosk child printed no result")?;
    let outcome: Outcome = serde_json::from_str(line)?;
    report.check(
        format!("signing: every one of {moves} pointer moves drew a frame"),
        outcome.move_ms.len() == moves,
    );
    report.check(
        "signing: the last stroke signed, and the next document came up".to_owned(),
        outcome.finished,
    );
    for p in [50.0, 99.0] {
        report.figure(
            "12",
            format!("pointer move → ink on screen while signing p{p:.0}, {moves} moves, 1280×800"),
            (
                percentile(&outcome.move_ms, p),
                percentile(&outcome.repaint_ms, p),
            ),
            "ms",
            format!("a full repaint of the same window with no input, p{p:.0}"),
        );
    }
    Ok(())
}

/// The child: a kiosk with a patient checked in and signing.
pub fn child_main(plan: &str) -> anyhow::Result<()> {
    let plan: Plan = serde_json::from_str(plan)?;
    std::fs::create_dir_all(&plan.data_dir)?;
    KioskStore::open(&plan.data_dir.join("kiosk.db"))?
        .set_office_seal_key(&SealSecretKey::from_bytes([6; 32]).public_key())?;
    let config = KioskConfig {
        office_url: "http://127.0.0.1:9".into(),
        data_dir: plan.data_dir.clone(),
        // A static token: a kiosk without any credential shows the pairing screen.
        office_token: "static-kiosk-token-0123456789".into(),
        // Straight from the check-in to the consents (insurance has its own figures).
        leave_out: vec![frontdesk::checkin::StepKind::Insurance],
        ..KioskConfig::default()
    };
    let (kiosk, frames) = assemble_observed(config)?;
    let driver = std::thread::spawn({
        let ui = kiosk.ui.as_weak();
        move || {
            let result = sign(&plan, &frames, &ui);
            let _ = slint::invoke_from_event_loop(|| {
                let _ = slint::quit_event_loop();
            });
            result
        }
    });
    slint::run_event_loop_until_quit()?;
    let mut outcome = driver
        .join()
        .map_err(|_| anyhow::anyhow!("driver panicked"))??;
    let window = kiosk.window.clone().context("headless window")?;
    outcome.repaint_ms = (0..200)
        .map(|_| {
            let started = Instant::now();
            window.redraw(|_, _| ());
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!("{}", serde_json::to_string(&outcome)?);
    Ok(())
}

/// Waits until the consent page is in `mode`.
fn until_mode(ui: &slint::Weak<MainWindow>, mode: ConsentMode) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while on_ui(ui, |ui| ui.global::<ConsentAdapter>().get_mode())? != mode {
        if Instant::now() > deadline {
            bail!("the consent page never showed {mode:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// Taps the button labelled `label` with a finger: pointer down and up at its centre.
fn press(ui: &slint::Weak<MainWindow>, label: &'static str) -> anyhow::Result<()> {
    let centre = on_ui(ui, move |ui| {
        ElementHandle::find_by_accessible_label(&ui, label)
            .next()
            .map(|button| {
                let (at, size) = (button.absolute_position(), button.size());
                LogicalPosition::new(at.x + size.width / 2.0, at.y + size.height / 2.0)
            })
    })?
    .with_context(|| format!("no {label:?} button on screen"))?;
    pointer(ui, WindowEvent::PointerMoved { position: centre })?;
    pointer(
        ui,
        WindowEvent::PointerPressed {
            position: centre,
            button: PointerEventButton::Left,
        },
    )?;
    pointer(
        ui,
        WindowEvent::PointerReleased {
            position: centre,
            button: PointerEventButton::Left,
        },
    )
}

fn pointer(ui: &slint::Weak<MainWindow>, event: WindowEvent) -> anyhow::Result<()> {
    ui.upgrade_in_event_loop(move |ui| ui.window().dispatch_event(event))?;
    Ok(())
}

fn sign(
    plan: &Plan,
    frames: &mpsc::Receiver<(Instant, Page)>,
    ui: &slint::Weak<MainWindow>,
) -> anyhow::Result<Outcome> {
    let key = SigningKey::from_bytes(&[4; 32]);
    post(Event::OfficeTrusted(OfficeTrust {
        clinic: ClinicId::new(1)?,
        clinic_name: "Bench Family Practice".into(),
        timezone: TimeZone::UTC,
        key: key.verifying_key(),
    }));
    let appointment = AppointmentId::new(1000);
    let now = Timestamp::now();
    post(Event::RosterUpdated(Roster::new(
        vec![RosterEntry {
            appointment,
            display_name: PersonName::new("Bench", "Signer")?.display_name(),
            starts_at: jiff::civil::Time::constant(16, 0, 0, 0),
            provider: "Dr. Bench Able".into(),
            checked_in: false,
            code: None,
            identity: None,
            due: AmountDue::default(),
        }],
        0,
    )));
    let code = CheckInToken {
        clinic: ClinicId::new(1)?,
        appointment,
        valid_on: now.to_zoned(TimeZone::UTC).date(),
        starts_at: jiff::civil::Time::constant(16, 0, 0, 0),
        expires_at: now + 2.hours(),
    }
    .sign(&key)?;
    step(frames, Page::Confirm, || {
        post(Event::Scanned(Scan::classify(code)));
        Ok(())
    })?;
    // No office answers the look-ups: the details are flagged, every consent is asked.
    step(frames, Page::Consent, || tap(ui, "Yes, this is me"))?;
    until_mode(ui, ConsentMode::Reading)?;
    // The buttons stay at the bottom of the screen while the document scrolls.
    press(ui, "Sign this document")?;
    until_mode(ui, ConsentMode::Signing)?;
    let (x, y, w, h) = on_ui(ui, |ui| {
        ElementHandle::find_by_accessible_label(&ui, "Signature box")
            .next()
            .map(|pad| {
                let (at, size) = (pad.absolute_position(), pad.size());
                (at.x, at.y, size.width, size.height)
            })
    })?
    .context("no signature box on screen")?;
    let at = |i: usize| {
        let f = (i % MOVES_PER_STROKE) as f32 / MOVES_PER_STROKE as f32;
        LogicalPosition::new(
            x + w * (0.05 + 0.9 * f),
            y + h * (0.5 + 0.3 * (f * 25.0).sin()),
        )
    };
    let mut outcome = Outcome::default();
    let mut moved = 0;
    let mut i = 0;
    while outcome.move_ms.len() < plan.moves {
        if i % MOVES_PER_STROKE == 0 {
            // Lift the finger, clear, and put it down again: a fresh stroke.
            if i > 0 {
                pointer(
                    ui,
                    WindowEvent::PointerReleased {
                        position: at(i - 1),
                        button: PointerEventButton::Left,
                    },
                )?;
                step(frames, Page::Consent, || tap(ui, "Clear"))?;
            }
            pointer(ui, WindowEvent::PointerMoved { position: at(i) })?;
            step(frames, Page::Consent, || {
                pointer(
                    ui,
                    WindowEvent::PointerPressed {
                        position: at(i),
                        button: PointerEventButton::Left,
                    },
                )
            })?;
        } else {
            let ms = step(frames, Page::Consent, || {
                pointer(ui, WindowEvent::PointerMoved { position: at(i) })
            })?;
            moved += 1;
            if moved > plan.warmup {
                outcome.move_ms.push(ms);
            }
        }
        i += 1;
    }
    // The last stroke is a signature: sign it; the next document comes up.
    pointer(
        ui,
        WindowEvent::PointerReleased {
            position: at(i - 1),
            button: PointerEventButton::Left,
        },
    )?;
    tap(ui, "Sign")?;
    until_mode(ui, ConsentMode::Reading)?;
    outcome.finished = true;
    Ok(outcome)
}

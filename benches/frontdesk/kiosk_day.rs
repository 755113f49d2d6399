//! Figures 2 and 6: a kiosk process put together exactly as `frontdesk-kiosk run` does
//! (`kiosk::run::assemble`, software renderer, 1280×800, real scanner driver on a
//! pseudo-terminal, real sync thread to an office on loopback) and driven like a busy day:
//! scan a reminder code, tap "Yes, this is me", tap "Done", thousands of times. Before the
//! day, a patient without a code types on the name keyboard: each key tap is timed too.
//!
//! Input → pixels is timed from the moment a scanner line is written to the terminal, or
//! a tap is handed to the event loop, to the end of drawing the first frame that shows
//! the screen the input leads to. The kiosk runs in a child process of the bench so its
//! resident memory is its own. To profile it, name a wrapper in `FRONTDESK_BENCH_WRAP`,
//! e.g. `FRONTDESK_BENCH_WRAP="heaptrack -o /tmp/kiosk-day" cargo bench --bench frontdesk -- input`.

use crate::Scale;
use crate::memory;
use crate::office_rig::OfficeRig;
use crate::report::{Report, percentile};
use anyhow::{Context as _, bail};
use frontdesk::devices::scanner_sim::ScannerSimulator;
use frontdesk::domain::KioskId;
use frontdesk::kiosk::config::{KioskConfig, ScannerConfig};
use frontdesk::kiosk::run::{AssembledKiosk, FrameObserver, RunOptions, assemble};
use frontdesk::kiosk::{KioskAdapter, MainWindow, Page, WelcomeAdapter};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use serde::{Deserialize, Serialize};
use slint::ComponentHandle;
use slint::platform::{PointerEventButton, WindowEvent};
use std::cell::RefCell;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Set (to the JSON plan) when the bench binary runs as the kiosk child.
pub const CHILD_ENV: &str = "FRONTDESK_BENCH_KIOSK_DAY";

#[derive(Serialize, Deserialize)]
struct Plan {
    office_url: String,
    kiosk_id: String,
    token: String,
    data_dir: PathBuf,
    tokens_file: PathBuf,
    check_ins: usize,
    warmup_events: usize,
    timed_events: usize,
    rss_every: usize,
    /// Idle time after the day, so the sync thread refreshes the roster a few more times.
    idle_after: Duration,
}

#[derive(Serialize, Deserialize, Default)]
struct Outcome {
    scan_ms: Vec<f64>,
    tap_ms: Vec<f64>,
    /// Name keyboard key taps.
    key_ms: Vec<f64>,
    repaint_ms: Vec<f64>,
    /// (check-ins done, resident KiB).
    rss: Vec<(usize, u64)>,
    /// Resident KiB once the outbox was empty again.
    rss_drained: u64,
    /// Resident KiB after idling with the screen up and the sync thread running.
    rss_idle: u64,
    /// (seconds idle, resident KiB), every 5 s of the idle time.
    rss_idle_samples: Vec<(u64, u64)>,
}

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    println!(
        "2 + 6. input → pixels over {} events, and kiosk memory over {} check-ins",
        scale.timed_events, scale.day_check_ins
    );
    let dir = tempfile::tempdir()?;
    let office = OfficeRig::start(
        &dir.path().join("office"),
        "127.0.0.1:0".parse()?,
        1,
        scale.day_check_ins,
    )?;
    let tokens_file = dir.path().join("codes.txt");
    std::fs::write(&tokens_file, office.tokens()?.join("\n"))?;
    let plan = Plan {
        office_url: office.base.clone(),
        kiosk_id: office.kiosks[0].0.clone(),
        token: office.kiosks[0].1.clone(),
        data_dir: dir.path().join("kiosk"),
        tokens_file,
        check_ins: scale.day_check_ins,
        warmup_events: scale.warmup_events,
        timed_events: scale.timed_events,
        rss_every: scale.rss_every,
        idle_after: scale.idle_after,
    };
    let exe = std::env::current_exe()?;
    let wrapper = std::env::var("FRONTDESK_BENCH_WRAP").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut command = match words.next() {
        Some(program) => {
            let mut command = Command::new(program);
            command.args(words).arg(&exe);
            command
        }
        None => Command::new(&exe),
    };
    let output = command
        .env(CHILD_ENV, serde_json::to_string(&plan)?)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .context("cannot start the kiosk child")?;
    if !output.status.success() {
        bail!("the kiosk child failed: {}", output.status);
    }
    // The last JSON line: a profiler wrapping the child may print lines of its own.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rfind(|l| l.starts_with('{'))
        .context("the kiosk child printed no result")?;
    let outcome: Outcome = serde_json::from_str(line).context("kiosk child output")?;

    let all: Vec<f64> = outcome
        .scan_ms
        .iter()
        .chain(&outcome.tap_ms)
        .copied()
        .collect();
    let repaint = &outcome.repaint_ms;
    report.note(format!(
        "input → pixels: scans p50 {:.2} / p99 {:.2} ms (n={}), taps p50 {:.2} / p99 {:.2} ms (n={}); full repaint alone p50 {:.2} / p99 {:.2} ms",
        percentile(&outcome.scan_ms, 50.0),
        percentile(&outcome.scan_ms, 99.0),
        outcome.scan_ms.len(),
        percentile(&outcome.tap_ms, 50.0),
        percentile(&outcome.tap_ms, 99.0),
        outcome.tap_ms.len(),
        percentile(repaint, 50.0),
        percentile(repaint, 99.0),
    ));
    for p in [50.0, 99.0] {
        report.figure(
            "10",
            format!(
                "keyboard tap → pixels p{p:.0}, {} key taps, 1280×800",
                outcome.key_ms.len()
            ),
            (percentile(&outcome.key_ms, p), percentile(repaint, p)),
            "ms",
            format!("a full repaint of the same window with no input, p{p:.0}"),
        );
        report.figure(
            "2",
            format!(
                "input → pixels p{p:.0}, {} scans and taps, 1280×800",
                all.len()
            ),
            (percentile(&all, p), percentile(repaint, p)),
            "ms",
            format!("a full repaint of the same window with no input, p{p:.0}"),
        );
    }

    let samples: Vec<String> = outcome
        .rss
        .iter()
        .map(|(n, kib)| format!("{n}: {:.1}", *kib as f64 / 1024.0))
        .collect();
    report.note(format!(
        "kiosk RSS (MiB) by check-ins done: {}; after the outbox drained: {:.1}; after {} s more with the screen up (the roster refreshed every 30 s): {:.1}",
        samples.join(", "),
        outcome.rss_drained as f64 / 1024.0,
        scale.idle_after.as_secs(),
        outcome.rss_idle as f64 / 1024.0
    ));
    let idle: Vec<String> = outcome
        .rss_idle_samples
        .iter()
        .map(|(secs, kib)| format!("{secs} s: {:.1}", *kib as f64 / 1024.0))
        .collect();
    report.note(format!("kiosk RSS (MiB) while idle: {}", idle.join(", ")));
    let first = outcome.rss.first().map_or(0, |s| s.1);
    let last = outcome.rss_idle;
    if let (Some(a), Some(b)) = (outcome.rss.get(1), outcome.rss.last())
        && b.0 > a.0
    {
        report.note(format!(
            "kiosk RSS growth from {} to {} check-ins: {:.1} KiB per 1,000 check-ins",
            a.0,
            b.0,
            (b.1 as f64 - a.1 as f64) / ((b.0 - a.0) as f64 / 1000.0)
        ));
    }
    report.figure(
        "6",
        format!(
            "kiosk RSS after {} check-ins and {} s idle",
            scale.day_check_ins,
            scale.idle_after.as_secs()
        ),
        (last as f64 / 1024.0, first as f64 / 1024.0),
        "MiB",
        format!(
            "the same kiosk after its first {} check-ins",
            outcome.rss.first().map_or(0, |s| s.0)
        ),
    );
    let (stored, ids, appointments, audits) = office.check_in_counts()?;
    report.check(
        format!(
            "kiosk day: {} check-ins delivered once each ({stored} stored, {ids} ids, {appointments} appointments, {audits} audit rows)",
            scale.day_check_ins
        ),
        [stored, ids, appointments, audits] == [scale.day_check_ins as u64; 4],
    );
    Ok(())
}

/// The child: a kiosk and the patient driving it.
pub fn child_main(plan: &str) -> anyhow::Result<()> {
    let plan: Plan = serde_json::from_str(plan)?;
    let codes: Vec<String> = std::fs::read_to_string(&plan.tokens_file)?
        .lines()
        .map(str::to_owned)
        .collect();
    if codes.len() < plan.check_ins {
        bail!("{} codes for {} check-ins", codes.len(), plan.check_ins);
    }
    let scanner = ScannerSimulator::new()?;
    let config = KioskConfig {
        kiosk_id: KioskId::new(&plan.kiosk_id)?,
        office_url: plan.office_url.clone(),
        office_token: plan.token.clone(),
        office_certificate_sha256: None,
        data_dir: plan.data_dir.clone(),
        idle_timeout_secs: 60,
        done_timeout_secs: 10,
        scanner: Some(ScannerConfig::new(scanner.port_path().to_owned())),
        card_terminal: None,
        receipt_printer: None,
        camera: None,
        // The figures time identify → check-in as before consent existed (figure 12
        // times the signature pad on its own).
        leave_out: vec![
            frontdesk::checkin::StepKind::Consent,
            frontdesk::checkin::StepKind::Questions,
            frontdesk::checkin::StepKind::Insurance,
        ],
        gpio: None,
        display: Default::default(),
        wifi: None,
    };

    let (kiosk, frames) = assemble_observed(config)?;

    let driver = std::thread::spawn({
        let ui = kiosk.ui.as_weak();
        let db = kiosk.db_path.clone();
        move || {
            let result = drive(&plan, &codes, scanner, &frames, &ui).and_then(|mut outcome| {
                idle(&plan, &db, &mut outcome)?;
                Ok(outcome)
            });
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
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &outcome)?;
    writeln!(out)?;
    out.flush()?;
    drop(kiosk);
    Ok(())
}

fn drive(
    plan: &Plan,
    codes: &[String],
    mut scanner: ScannerSimulator,
    frames: &mpsc::Receiver<(Instant, Page)>,
    ui: &slint::Weak<MainWindow>,
) -> anyhow::Result<Outcome> {
    // The office's name and key arrive with the sync thread's first round.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !on_ui(ui, |ui| {
        ui.global::<WelcomeAdapter>().get_clinic_name() != ""
    })? {
        if Instant::now() > deadline {
            bail!("the kiosk did not learn the office within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));

    let mut outcome = Outcome::default();
    type_names(plan, frames, ui, &mut outcome)?;
    let mut events = 0;
    let timed = plan.warmup_events..plan.warmup_events + plan.timed_events;
    for (done, code) in codes.iter().take(plan.check_ins).enumerate() {
        let scan = step(frames, Page::Confirm, || Ok(scanner.scan(code)?))?;
        let yes = step(frames, Page::Done, || tap(ui, "Yes, this is me"))?;
        let finished = step(frames, Page::Welcome, || tap(ui, "Done"))?;
        for (ms, is_scan) in [(scan, true), (yes, false), (finished, false)] {
            if timed.contains(&events) {
                if is_scan {
                    outcome.scan_ms.push(ms);
                } else {
                    outcome.tap_ms.push(ms);
                }
            }
            events += 1;
        }
        if (done + 1) % plan.rss_every == 0 {
            outcome.rss.push((done + 1, memory::rss_self_kib()));
        }
    }
    Ok(outcome)
}

/// A patient without a code on the name keyboard: taps "Type my name instead", then keys
/// (the letters of demo last names, cleared now and then), each timed to the frame that
/// shows it; back to welcome at the end.
fn type_names(
    plan: &Plan,
    frames: &mpsc::Receiver<(Instant, Page)>,
    ui: &slint::Weak<MainWindow>,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    const LETTERS: [&str; 11] = ["T", "E", "S", "T", "P", "A", "T", "I", "E", "N", "T"];
    // Until today's list (and its key) has arrived, the kiosk sends the patient to the desk.
    let deadline = Instant::now() + Duration::from_secs(30);
    while step(frames, Page::TypeName, || tap(ui, "Type my name instead")).is_err() {
        if Instant::now() > deadline {
            bail!("the name keyboard did not open within 30 s");
        }
        tap(ui, "Start over")?;
        std::thread::sleep(Duration::from_millis(200));
    }
    for i in 0..plan.warmup_events + plan.timed_events {
        let label = if i % 12 == 11 {
            "Clear"
        } else {
            LETTERS[i % 12]
        };
        let ms = step(frames, Page::TypeName, || tap(ui, label))?;
        if i >= plan.warmup_events {
            outcome.key_ms.push(ms);
        }
    }
    step(frames, Page::Welcome, || tap(ui, "Back"))?;
    Ok(())
}

/// Waits for the outbox to empty, then idles with the kiosk up; notes resident memory.
fn idle(plan: &Plan, db: &std::path::Path, outcome: &mut Outcome) -> anyhow::Result<()> {
    let outbox = frontdesk::store::KioskStore::open(db)?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while outbox.depth()? > 0 {
        if Instant::now() > deadline {
            bail!("the outbox did not drain");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    outcome.rss_drained = memory::rss_self_kib();
    let started = Instant::now();
    while started.elapsed() < plan.idle_after {
        std::thread::sleep((plan.idle_after - started.elapsed()).min(Duration::from_secs(5)));
        outcome
            .rss_idle_samples
            .push((started.elapsed().as_secs(), memory::rss_self_kib()));
    }
    outcome.rss_idle = memory::rss_self_kib();
    Ok(())
}

/// A headless 1280×800 kiosk put together as `frontdesk-kiosk run` does, and each frame it
/// draws, with the page it shows, as reported from the UI thread.
pub(crate) fn assemble_observed(
    config: KioskConfig,
) -> anyhow::Result<(AssembledKiosk, mpsc::Receiver<(Instant, Page)>)> {
    let (frames_tx, frames) = mpsc::channel::<(Instant, Page)>();
    let shown: Rc<RefCell<Option<slint::Weak<MainWindow>>>> = Rc::default();
    let observer: FrameObserver = Box::new({
        let shown = shown.clone();
        move |_, _| {
            let page = shown
                .borrow()
                .as_ref()
                .and_then(slint::Weak::upgrade)
                .map(|ui| ui.global::<KioskAdapter>().get_page());
            if let Some(page) = page {
                let _ = frames_tx.send((Instant::now(), page));
            }
        }
    });
    let kiosk = assemble(
        config,
        RunOptions {
            backend: frontdesk::kiosk::display::DisplayBackend::Headless,
            size: slint::PhysicalSize::new(1280, 800),
            snapshot: None,
            demo_patient: false,
            started: Instant::now(),
            exit_after_first_frame: false,
        },
        Some(observer),
    )?;
    *shown.borrow_mut() = Some(kiosk.ui.as_weak());
    Ok((kiosk, frames))
}

/// Runs `act`, then waits for the first frame showing `expected`; milliseconds between.
pub(crate) fn step(
    frames: &mpsc::Receiver<(Instant, Page)>,
    expected: Page,
    act: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    while frames.try_recv().is_ok() {}
    let started = Instant::now();
    act()?;
    let deadline = started + Duration::from_secs(10);
    let mut last = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match frames.recv_timeout(left) {
            Ok((at, page)) if page == expected => {
                return Ok(at.duration_since(started).as_secs_f64() * 1000.0);
            }
            Ok((_, page)) => last = Some(page),
            Err(_) => bail!("expected the {expected:?} screen; last frame showed {last:?}"),
        }
    }
}

/// A finger on the button labelled `label`: pointer moved, pressed and released at its
/// centre, through the window's own event dispatch (hit-testing included).
pub(crate) fn tap(ui: &slint::Weak<MainWindow>, label: &'static str) -> anyhow::Result<()> {
    ui.upgrade_in_event_loop(move |ui| {
        let Some(button) = ElementHandle::find_by_accessible_label(&ui, label)
            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        else {
            eprintln!("bench: no {label:?} button on screen");
            return;
        };
        let (at, size) = (button.absolute_position(), button.size());
        let centre = slint::LogicalPosition::new(at.x + size.width / 2.0, at.y + size.height / 2.0);
        let window = ui.window();
        window.dispatch_event(WindowEvent::PointerMoved { position: centre });
        window.dispatch_event(WindowEvent::PointerPressed {
            position: centre,
            button: PointerEventButton::Left,
        });
        window.dispatch_event(WindowEvent::PointerReleased {
            position: centre,
            button: PointerEventButton::Left,
        });
    })?;
    Ok(())
}

/// Asks the UI thread a question and waits for the answer.
pub(crate) fn on_ui<T: Send + 'static>(
    ui: &slint::Weak<MainWindow>,
    ask: impl FnOnce(MainWindow) -> T + Send + 'static,
) -> anyhow::Result<T> {
    let (tx, rx) = mpsc::channel();
    ui.upgrade_in_event_loop(move |ui| {
        let _ = tx.send(ask(ui));
    })?;
    Ok(rx.recv_timeout(Duration::from_secs(10))?)
}

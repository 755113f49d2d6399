//! Figure 1: start → first frame, and steady memory, of the real `frontdesk-kiosk` binary
//! against headless Chromium showing the same welcome screen as an HTML page
//! (`welcome.html`, beside this file). Both run warm: the kiosk with its office trust
//! cached, Chromium with its profile made; the warm-up runs are not counted.

use crate::Scale;
use crate::memory;
use crate::office_rig::OfficeRig;
use crate::report::{Report, median};
use anyhow::{Context as _, bail};
use frontdesk::devices::scanner_sim::ScannerSimulator;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium as a lobby kiosk would run it headless here (as root, no GPU, no network
/// chatter: this machine's closed network would otherwise stall it).
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1280,800",
];

struct Setup {
    dir: tempfile::TempDir,
    kiosk_bin: PathBuf,
    config: PathBuf,
    page: String,
    _office: OfficeRig,
    _scanner: ScannerSimulator,
}

pub fn run(scale: &Scale, kiosk_bin: &Path, report: &mut Report) -> anyhow::Result<()> {
    println!("1. start → first frame and steady memory: kiosk vs headless Chromium");
    let setup = prepare(kiosk_bin)?;

    let kiosk_ms = repeat(scale.start_runs, || kiosk_first_frame(&setup))?;
    let chromium_ms = repeat(scale.start_runs, || chromium_first_frame(&setup))?;
    report.note(format!(
        "start → first frame written as PNG: kiosk runs {kiosk_ms:.0?} ms; Chromium runs {chromium_ms:.0?} ms"
    ));
    report.figure(
        "1",
        format!("start → first frame (median of {})", scale.start_runs),
        (median(&kiosk_ms), median(&chromium_ms)),
        "ms",
        "headless Chromium, `--screenshot` of welcome.html",
    );

    let kiosk_pss = repeat(scale.start_runs, || {
        steady_pss(kiosk_command(&setup, None), scale.settle)
    })?;
    let chromium_pss = repeat(scale.start_runs, || {
        steady_pss(chromium_command(&setup, None), scale.settle)
    })?;
    report.note(format!(
        "PSS {} s after start, summed over the process tree: kiosk {kiosk_pss:.1?} MiB; Chromium {chromium_pss:.1?} MiB",
        scale.settle.as_secs_f64()
    ));
    report.figure(
        "1",
        format!("steady memory, PSS (median of {})", scale.start_runs),
        (median(&kiosk_pss), median(&chromium_pss)),
        "MiB",
        "headless Chromium showing welcome.html, all processes",
    );
    Ok(())
}

/// `runs` measurements, stopping at the first that fails.
fn repeat(runs: usize, measure: impl FnMut() -> anyhow::Result<f64>) -> anyhow::Result<Vec<f64>> {
    std::iter::repeat_with(measure).take(runs).collect()
}

fn prepare(kiosk_bin: &Path) -> anyhow::Result<Setup> {
    let dir = tempfile::tempdir()?;
    let office = OfficeRig::start(&dir.path().join("office"), "127.0.0.1:0".parse()?, 1, 12)?;
    let scanner = ScannerSimulator::new()?;
    let config = dir.path().join("kiosk.toml");
    std::fs::write(
        &config,
        format!(
            "kiosk_id = {:?}\noffice_url = {:?}\noffice_token = {:?}\ndata_dir = {:?}\n\
             [scanner]\nport = {:?}\nbaud = 9600\n",
            office.kiosks[0].0,
            office.base,
            office.kiosks[0].1,
            dir.path().join("kiosk"),
            scanner.port_path(),
        ),
    )?;
    let page = format!(
        "file://{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("benches/frontdesk/welcome.html")
            .display()
    );
    let setup = Setup {
        dir,
        kiosk_bin: kiosk_bin.to_owned(),
        config,
        page,
        _office: office,
        _scanner: scanner,
    };
    // Warm-up: the kiosk learns the office (name, key) as it would on its first boot.
    let mut kiosk = kiosk_command(&setup, None).spawn().context("start kiosk")?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while !trust_cached(&setup) {
        if Instant::now() > deadline {
            memory::kill_tree(kiosk.id());
            bail!("the kiosk did not reach the bench office within 20 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    memory::kill_tree(kiosk.id());
    let _ = kiosk.wait();
    kiosk_first_frame(&setup)?;
    chromium_first_frame(&setup)?;
    Ok(setup)
}

fn trust_cached(setup: &Setup) -> bool {
    frontdesk::store::KioskStore::open(&setup.dir.path().join("kiosk/kiosk.db"))
        .ok()
        .and_then(|store| frontdesk::sync::cached_trust(&store).ok().flatten())
        .is_some()
}

fn kiosk_command(setup: &Setup, snapshot: Option<&Path>) -> Command {
    let mut command = Command::new(&setup.kiosk_bin);
    command
        .arg("--config")
        .arg(&setup.config)
        .args(["run", "--headless", "--size", "1280x800"])
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(path) = snapshot {
        command
            .arg("--snapshot")
            .arg(path)
            .arg("--exit-after-first-frame");
    }
    command
}

fn chromium_command(setup: &Setup, screenshot: Option<&Path>) -> Command {
    let mut command = Command::new("chromium");
    command
        .args(CHROMIUM_FLAGS)
        .arg(format!(
            "--user-data-dir={}",
            setup.dir.path().join("chromium-profile").display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(path) = screenshot {
        command.arg(format!("--screenshot={}", path.display()));
    }
    command.arg(&setup.page);
    command
}

/// Milliseconds from spawn until `png` holds a whole PNG (its IEND trailer written), for a
/// command that draws one frame to it and quits. Teardown is not counted.
fn timed_frame(mut command: Command, png: &Path) -> anyhow::Result<f64> {
    let _ = std::fs::remove_file(png);
    let started = Instant::now();
    let mut child = command.spawn().context("cannot start")?;
    let ms = loop {
        if png_complete(png) {
            break started.elapsed().as_secs_f64() * 1000.0;
        }
        if let Some(status) = child.try_wait()? {
            if png_complete(png) {
                break started.elapsed().as_secs_f64() * 1000.0;
            }
            bail!("no first frame ({status}) at {}", png.display());
        }
        if started.elapsed() > Duration::from_secs(30) {
            memory::kill_tree(child.id());
            bail!("no first frame within 30 s");
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    let status = child.wait()?;
    if !status.success() {
        bail!("exited with {status} after its first frame");
    }
    Ok(ms)
}

/// Whether the file ends with a PNG's IEND chunk.
fn png_complete(path: &Path) -> bool {
    const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    std::fs::read(path).is_ok_and(|bytes| bytes.ends_with(&IEND))
}

fn kiosk_first_frame(setup: &Setup) -> anyhow::Result<f64> {
    let png = setup.dir.path().join("kiosk-first.png");
    timed_frame(kiosk_command(setup, Some(&png)), &png).context("kiosk first frame")
}

fn chromium_first_frame(setup: &Setup) -> anyhow::Result<f64> {
    let png = setup.dir.path().join("chromium-first.png");
    timed_frame(chromium_command(setup, Some(&png)), &png).context("Chromium first frame")
}

/// PSS in MiB of a long-running command's process tree, `settle` after it starts.
fn steady_pss(mut command: Command, settle: Duration) -> anyhow::Result<f64> {
    let mut child: Child = command.spawn().context("cannot start")?;
    std::thread::sleep(settle);
    let alive = child.try_wait()?.is_none();
    let kib = memory::pss_tree_kib(child.id());
    memory::kill_tree(child.id());
    let _ = child.wait();
    if !alive || kib == 0 {
        bail!("process ended before its memory was read");
    }
    Ok(kib as f64 / 1024.0)
}

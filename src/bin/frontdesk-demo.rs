//! `frontdesk-demo`: the office hub, one kiosk and a simulated barcode scanner on one
//! machine, with synthetic appointments. Prints the staff page URL. Without a display the
//! kiosk runs headless and a scripted patient checks in every few seconds.

use anyhow::{Context as _, bail};
use clap::Parser;
use frontdesk::devices::scanner_sim::ScannerSimulator;
use frontdesk::devices::zvt_sim::{Behaviour, SimTimings, ZvtSimulator};
use frontdesk::office::appointments::demo_set;
use frontdesk::office::staff::{ExpectedItem, QueueView, TokenView};
use frontdesk::scan::aamva_sample::{Subfile, encode};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Run the office hub, a kiosk and a simulated scanner together")]
struct Cli {
    /// Port of the staff page and kiosk API on 127.0.0.1.
    #[arg(long, default_value_t = 8480)]
    port: u16,
    /// Where the demo keeps its databases and key (made fresh each run).
    #[arg(long, default_value = "/tmp/frontdesk-demo")]
    state_dir: PathBuf,
    /// Run the kiosk without a window even when a display is available.
    #[arg(long)]
    headless: bool,
    /// Seconds between scripted scans (headless).
    #[arg(long, default_value_t = 30)]
    scan_every: u64,
}

fn main() -> anyhow::Result<()> {
    frontdesk::logging::init();
    let cli = Cli::parse();
    let stop = Arc::new(AtomicBool::new(false));
    ctrlc::set_handler({
        let stop = stop.clone();
        move || stop.store(true, Ordering::SeqCst)
    })?;

    if cli.state_dir.exists() {
        std::fs::remove_dir_all(&cli.state_dir)
            .with_context(|| format!("cannot clear {}", cli.state_dir.display()))?;
    }
    std::fs::create_dir_all(&cli.state_dir)?;
    let base = format!("http://127.0.0.1:{}", cli.port);
    let kiosk_token = random_token()?;
    let office_config = cli.state_dir.join("office.toml");
    // The demo office trusts the synthetic SMART Health Card issuer (its key is public:
    // never in a real office) and checks eligibility with the clearinghouse simulator.
    let issuers = cli.state_dir.join("shc-issuers");
    std::fs::create_dir_all(&issuers)?;
    let mut jwks: serde_json::Value = serde_json::from_str(&frontdesk::scan::shc_sample::jwks())?;
    jwks["iss"] = frontdesk::scan::shc_sample::ISSUER.into();
    std::fs::write(issuers.join("testpayer.json"), jwks.to_string())?;
    let clearinghouse_listen = format!("127.0.0.1:{}", cli.port.saturating_add(10));
    let ehr_listen = format!("127.0.0.1:{}", cli.port.saturating_add(11));
    std::fs::write(
        &office_config,
        format!(
            "listen = \"127.0.0.1:{port}\"\ndata_dir = {data:?}\nclinic_id = 1\n\
             clinic_name = \"Demo Family Practice\"\n\n[[kiosks]]\nid = \"lobby-1\"\ntoken = \"{kiosk_token}\"\n\n\
             [insurance]\nshc_issuers_dir = {issuers:?}\n\n\
             [eligibility]\nclearinghouse_url = \"http://{clearinghouse_listen}/270\"\ntimeout_ms = 3000\n\n\
             [hl7]\npeer = \"{ehr_listen}\"\nmax_backoff_ms = 5000\n",
            port = cli.port,
            data = cli.state_dir.join("office").display().to_string(),
            issuers = issuers.display().to_string(),
        ),
    )?;

    let scanner = ScannerSimulator::new()?;
    // A terminal that takes its time like a patient at it: card, PIN, bank.
    let terminal = ZvtSimulator::with_timings(SimTimings::lifelike())?;
    let kiosk_config = cli.state_dir.join("kiosk.toml");
    std::fs::write(
        &kiosk_config,
        format!(
            "kiosk_id = \"lobby-1\"\noffice_url = \"{base}\"\noffice_token = \"{kiosk_token}\"\n\
             data_dir = {data:?}\n\n[scanner]\nport = {port:?}\nbaud = 9600\n\n\
             [card_terminal]\nport = {terminal:?}\n",
            data = cli.state_dir.join("kiosk").display().to_string(),
            port = scanner.port_path().display().to_string(),
            terminal = terminal.port_path().display().to_string(),
        ),
    )?;
    // The insurance card camera: the simulator serving synthetic cards (front, back; three
    // fonts) drawn now; without the DejaVu fonts the demo runs without a camera.
    let cards = cli.state_dir.join("cards");
    match frontdesk::devices::camera::synthetic::write_demo_cards(&cards) {
        Ok(_) => {
            let mut config = std::fs::read_to_string(&kiosk_config)?;
            config.push_str(&format!(
                "\n[camera]\nsimulator = {:?}\n",
                cards.display().to_string()
            ));
            std::fs::write(&kiosk_config, config)?;
        }
        Err(error) => eprintln!("no card camera in the demo: {error}"),
    }

    let bin_dir = std::env::current_exe()?
        .parent()
        .context("no directory for this program")?
        .to_owned();
    // TST0003 answers after 10 s: past the office's 3 s, so the demo shows "not verified".
    let clearinghouse = Command::new(bin_dir.join("frontdesk-office"))
        .args([
            "clearinghouse-sim",
            "--listen",
            &clearinghouse_listen,
            "--slow-secs",
            "10",
        ])
        .spawn()
        .context("cannot start the clearinghouse simulator")?;
    // The EHR's MLLP side: each check-in's ADT^A04 is acknowledged there (and printed).
    let ehr = Command::new(bin_dir.join("frontdesk-office"))
        .args(["ehr-sim", "--listen", &ehr_listen])
        .spawn()
        .context("cannot start the EHR simulator")?;
    // A synthetic front-desk user with a fresh random password (shown once below), made
    // the way an office makes its first admin.
    let desk_password = random_token()?;
    let password_file = cli.state_dir.join("demo-desk-password");
    std::fs::write(&password_file, &desk_password)?;
    let added = Command::new(bin_dir.join("frontdesk-office"))
        .args(["--config".as_ref(), office_config.as_os_str()])
        .args(["add-user", "--username", DEMO_USER, "--role", "front-desk"])
        .arg("--password-file")
        .arg(&password_file)
        .stdout(std::process::Stdio::null())
        .status()
        .context("cannot run frontdesk-office add-user")?;
    std::fs::remove_file(&password_file)?;
    anyhow::ensure!(added.success(), "frontdesk-office add-user failed");
    let mut office = Command::new(bin_dir.join("frontdesk-office"))
        .args([
            "--config".as_ref(),
            office_config.as_os_str(),
            "serve".as_ref(),
            "--demo".as_ref(),
        ])
        .spawn()
        .context("cannot start frontdesk-office (build it with `cargo build --bins`)")?;
    let http = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?;
    wait_until_up(&http, &base, &mut office)?;
    // The scripted patient reads the queue as the demo user.
    let http = signed_in(&base, &desk_password)?;

    // The demo may guess (the kiosk itself never does): a desktop window under X11 (or
    // XWayland), else headless.
    let no_display = std::env::var_os("DISPLAY").is_none();
    let headless = cli.headless || no_display;
    let snapshot = cli.state_dir.join("kiosk-screen.png");
    let mut kiosk_cmd = Command::new(bin_dir.join("frontdesk-kiosk"));
    kiosk_cmd.args([
        "--config".as_ref(),
        kiosk_config.as_os_str(),
        "run".as_ref(),
    ]);
    if headless {
        kiosk_cmd
            .args(["--headless", "--demo-patient", "--snapshot"])
            .arg(&snapshot);
    } else {
        kiosk_cmd.args(["--backend", "winit"]);
    }
    let kiosk = kiosk_cmd.spawn().context("cannot start frontdesk-kiosk")?;
    let mut children = Children(vec![office, kiosk, clearinghouse, ehr]);

    println!();
    println!("  Staff page: {base}/");
    println!("  Staff sign-in: username {DEMO_USER}, password {desk_password} (this run only)");
    println!(
        "  Clearinghouse simulator: http://{clearinghouse_listen}/270 (members TST0001 active, \
         TST0002 inactive, TST0003 slow, other TST ids not found)"
    );
    println!(
        "  EHR simulator: MLLP on {ehr_listen}, acknowledging each check-in's ADT^A04 \
         (the staff page's HL7 row shows it)"
    );
    if headless {
        println!(
            "  Kiosk: headless; its screen is written to {}",
            snapshot.display()
        );
        println!(
            "  A scripted patient scans a reminder code (every third one a driver's licence) every {}s.",
            cli.scan_every
        );
    } else {
        println!(
            "  Kiosk: in its own window. Press Enter here to scan the next patient's code \
             (every third one a driver's licence)."
        );
    }
    println!("  Ctrl-C stops everything.");
    println!();

    let mut scanner = scanner;
    let mut scans = 0u32;
    if headless {
        let mut next = Instant::now() + Duration::from_secs(3);
        while !stop.load(Ordering::SeqCst) && children.all_running() {
            if Instant::now() >= next {
                next = Instant::now() + Duration::from_secs(cli.scan_every);
                scan_next(&http, &base, &mut scanner, &mut scans);
                // Every fourth card is declined (the patient then pays at the desk).
                terminal.set_next(if scans % 4 == 3 {
                    Behaviour::Decline
                } else {
                    Behaviour::Approve
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    } else {
        let (lines, input) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                if lines.send(line.is_ok()).is_err() {
                    break;
                }
            }
        });
        while !stop.load(Ordering::SeqCst) && children.all_running() {
            if input.recv_timeout(Duration::from_millis(200)).is_ok() {
                scan_next(&http, &base, &mut scanner, &mut scans);
            }
        }
    }
    children.stop();
    println!("demo stopped");
    Ok(())
}

/// Scans the reminder code of the next patient expected, like a patient at the scanner;
/// every third patient scans their (synthetic) driver's licence instead.
fn scan_next(
    http: &reqwest::blocking::Client,
    base: &str,
    scanner: &mut ScannerSimulator,
    scans: &mut u32,
) {
    let next = http
        .get(format!("{base}/api/staff/v1/queue"))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json::<QueueView>());
    let expected = match next {
        Ok(view) => match view.expected.into_iter().next() {
            Some(expected) => expected,
            None => {
                println!("  Everyone expected today has checked in.");
                return;
            }
        },
        Err(error) => {
            tracing::warn!(%error, "cannot read the queue");
            return;
        }
    };
    *scans += 1;
    if scans.is_multiple_of(3)
        && let Some(licence) = demo_licence(&expected)
    {
        tracing::info!(appointment = %expected.appointment, "simulated scanner reads a licence");
        if let Err(error) = scanner.scan(&licence) {
            tracing::warn!(%error, "scanner simulator failed");
        }
        return;
    }
    let appointment = expected.appointment;
    let token = http
        .get(format!(
            "{base}/api/staff/v1/appointments/{}/token",
            appointment.get()
        ))
        .send()
        .and_then(|r| r.error_for_status())
        .and_then(|r| r.json::<TokenView>());
    match token {
        Ok(token) => {
            tracing::info!(%appointment, "simulated scanner reads a reminder code");
            if let Err(error) = scanner.scan(&token.token) {
                tracing::warn!(%error, "scanner simulator failed");
            }
        }
        Err(error) => tracing::warn!(%error, "cannot fetch a check-in code"),
    }
}

/// A synthetic licence (sample issuer 636000) for a patient of the demo set, with the name
/// and date of birth the office has for them.
fn demo_licence(expected: &ExpectedItem) -> Option<String> {
    let today = jiff::Zoned::now().date();
    let patient = demo_set(today)
        .into_iter()
        .find(|a| a.patient.staff_form().as_str() == expected.patient.as_str())?;
    let born = patient.date_of_birth?.date();
    let (last, first) = (
        patient.patient.last().to_uppercase(),
        patient.patient.first().to_uppercase(),
    );
    let dob = born.strftime("%m%d%Y").to_string();
    let elements = [
        ("DCS", last.as_str()),
        ("DAC", first.as_str()),
        ("DBB", dob.as_str()),
        ("DBA", "01012099"),
        ("DAJ", "VA"),
        ("DAQ", "T00000000"),
    ];
    Some(encode(
        "636000",
        10,
        0,
        &[Subfile {
            kind: "DL",
            elements: &elements,
        }],
    ))
}

fn wait_until_up(
    http: &reqwest::blocking::Client,
    base: &str,
    office: &mut Child,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(status) = office.try_wait()? {
            bail!("the office hub exited at start ({status}); is port already in use?");
        }
        if http
            .get(format!("{base}/healthz"))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("the office hub did not answer within 20 s")
}

/// The demo's synthetic staff user.
const DEMO_USER: &str = "demo-desk";

/// A client signed in as [`DEMO_USER`] (its session cookie on every request).
fn signed_in(base: &str, password: &str) -> anyhow::Result<reqwest::blocking::Client> {
    let response = reqwest::blocking::Client::new()
        .post(format!("{base}/login"))
        .json(&serde_json::json!({ "username": DEMO_USER, "password": password }))
        .send()?
        .error_for_status()?;
    let cookie = response
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .context("the office set no session cookie")?
        .to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, cookie.parse()?);
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .default_headers(headers)
        .build()?)
}

fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(data_encoding::HEXLOWER.encode(&bytes))
}

/// Child processes, stopped with SIGTERM (then killed) when the demo ends.
struct Children(Vec<Child>);

impl Children {
    fn all_running(&mut self) -> bool {
        self.0.iter_mut().all(|c| matches!(c.try_wait(), Ok(None)))
    }

    fn stop(&mut self) {
        for child in &self.0 {
            terminate(child);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for child in &mut self.0 {
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Children {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
        }
    }
}

/// Asks a child to stop cleanly (SIGTERM); std can only SIGKILL, so use kill(1).
fn terminate(child: &Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
}

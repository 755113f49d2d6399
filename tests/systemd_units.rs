//! The shipped systemd units (`systemd/*.service`): `systemd-analyze verify` accepts them
//! (pointed at the binaries just built), their command lines parse, and `systemd-analyze
//! security` scores their exposure, printed, with the kiosk's at 2.0 or below (the
//! appliance issue's bar) and the hub's too.

use std::path::{Path, PathBuf};
use std::process::Command;

fn unit(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("systemd")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn analyze(args: &[&str]) -> (bool, String) {
    let out = Command::new("systemd-analyze").args(args).output().expect(
        "systemd-analyze is needed (apt-get install systemd; the README test command does)",
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The unit's `ExecStart=` words.
fn exec_start(text: &str) -> Vec<String> {
    text.lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .expect("an ExecStart line")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The unit with its program at `binary`, written to `dir` under its own name.
fn pointed_at(dir: &Path, name: &str, binary: &str) -> PathBuf {
    let text = unit(name);
    let program = exec_start(&text)[0].clone();
    let path = dir.join(name);
    std::fs::write(&path, text.replace(&program, binary)).unwrap();
    path
}

/// "→ Overall exposure level for x.service: 1.5 OK 🙂" → 1.5
fn exposure(report: &str) -> f64 {
    let line = report
        .lines()
        .find(|line| line.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no overall exposure in:\n{report}"));
    let after = line.rsplit_once(": ").expect("a score after the colon").1;
    after
        .split_whitespace()
        .next()
        .and_then(|score| score.parse().ok())
        .unwrap_or_else(|| panic!("no score in {line:?}"))
}

#[test]
fn the_units_verify_and_their_exposure_is_low() {
    let dir = tempfile::tempdir().unwrap();
    for (name, binary, bar) in [
        (
            "frontdesk-kiosk.service",
            env!("CARGO_BIN_EXE_frontdesk-kiosk"),
            2.0,
        ),
        (
            "frontdesk-office.service",
            env!("CARGO_BIN_EXE_frontdesk-office"),
            2.0,
        ),
    ] {
        let path = pointed_at(dir.path(), name, binary);
        let path = path.to_str().unwrap();
        let (ok, report) = analyze(&["verify", path]);
        assert!(
            ok && report.trim().is_empty(),
            "{name} does not verify:\n{report}"
        );

        // The command line parses (`--help` after it: nothing starts).
        let words = exec_start(&unit(name));
        let help = Command::new(binary)
            .args(&words[1..])
            .arg("--help")
            .output()
            .unwrap();
        assert!(
            help.status.success(),
            "{name}: {:?} is not a valid command line: {}",
            words,
            String::from_utf8_lossy(&help.stderr)
        );

        let (ok, report) = analyze(&["security", "--offline=true", path]);
        assert!(ok, "{report}");
        let score = exposure(&report);
        println!("{name}: exposure {score}");
        assert!(score <= bar, "{name} exposure {score} > {bar}:\n{report}");
    }
}

/// The hub's nightly backup: the service and its timer verify together (the timer names
/// the service), the service's command line parses, and its exposure is as low as the
/// hub's (it has no network at all).
#[test]
fn the_backup_unit_and_its_timer_verify() {
    let dir = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_frontdesk-office");
    let service = pointed_at(dir.path(), "frontdesk-office-backup.service", binary);
    let timer = dir.path().join("frontdesk-office-backup.timer");
    std::fs::write(&timer, unit("frontdesk-office-backup.timer")).unwrap();
    let (ok, report) = analyze(&["verify", service.to_str().unwrap(), timer.to_str().unwrap()]);
    assert!(
        ok && report.trim().is_empty(),
        "the backup units do not verify:\n{report}"
    );
    assert!(unit("frontdesk-office-backup.timer").contains("OnCalendar="));

    let words = exec_start(&unit("frontdesk-office-backup.service"));
    assert!(words.iter().any(|w| w == "backup"), "{words:?}");
    let help = Command::new(binary)
        .args(&words[1..])
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        help.status.success(),
        "{words:?} is not a valid command line: {}",
        String::from_utf8_lossy(&help.stderr)
    );

    let (ok, report) = analyze(&["security", "--offline=true", service.to_str().unwrap()]);
    assert!(ok, "{report}");
    let score = exposure(&report);
    println!("frontdesk-office-backup.service: exposure {score}");
    assert!(score <= 2.0, "backup exposure {score} > 2.0:\n{report}");
}

/// The kiosk unit's watchdog and restart settings are what the program expects: notify,
/// a watchdog the UI loop feeds, restarted whatever the exit.
#[test]
fn the_kiosk_unit_is_notify_with_a_watchdog_and_always_restarts() {
    let text = unit("frontdesk-kiosk.service");
    for line in [
        "Type=notify",
        "WatchdogSec=30s",
        "Restart=always",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=",
        "ProtectSystem=strict",
        "DevicePolicy=closed",
        "StateDirectory=frontdesk/kiosk",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?}");
    }
}

/// Runs `program` as systemd would, with a notify socket and a 0.4 s watchdog, and
/// collects what it says until it has said READY=1 and fed the watchdog twice.
fn notified_by(mut program: Command) -> Vec<String> {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut child = program
        .env("NOTIFY_SOCKET", &path)
        .env("WATCHDOG_USEC", "400000")
        .env_remove("WATCHDOG_PID")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut heard = Vec::new();
    let mut buf = [0u8; 512];
    while heard
        .iter()
        .filter(|m: &&String| m.trim() == "WATCHDOG=1")
        .count()
        < 2
    {
        match socket.recv(&mut buf) {
            Ok(n) => heard.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(error) => {
                let _ = child.kill();
                panic!("{error}; heard {heard:?}");
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    heard
}

#[test]
fn the_programs_say_ready_then_feed_the_watchdog() {
    let dir = tempfile::tempdir().unwrap();
    let kiosk_config = dir.path().join("kiosk.toml");
    std::fs::write(
        &kiosk_config,
        format!(
            "office_url = \"http://127.0.0.1:9\"\ndata_dir = {:?}\n",
            dir.path().join("kiosk")
        ),
    )
    .unwrap();
    let mut kiosk = Command::new(env!("CARGO_BIN_EXE_frontdesk-kiosk"));
    kiosk
        .arg("--config")
        .arg(&kiosk_config)
        .args(["run", "--headless"]);

    let office_config = dir.path().join("office.toml");
    std::fs::write(
        &office_config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = {:?}\ntimezone = \"UTC\"\n",
            dir.path().join("office")
        ),
    )
    .unwrap();
    let mut office = Command::new(env!("CARGO_BIN_EXE_frontdesk-office"));
    office.arg("--config").arg(&office_config).arg("serve");

    for (name, program) in [("kiosk", kiosk), ("office", office)] {
        let heard = notified_by(program);
        let ready = heard
            .iter()
            .position(|m| m.lines().any(|l| l == "READY=1"))
            .unwrap_or_else(|| panic!("{name} never said READY=1: {heard:?}"));
        let first_fed = heard.iter().position(|m| m.trim() == "WATCHDOG=1").unwrap();
        assert!(
            ready < first_fed,
            "{name}: ready before the watchdog: {heard:?}"
        );
    }
}

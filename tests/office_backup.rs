//! `frontdesk-office backup` against the real hub process while it serves and writes:
//! kiosks check in and staff views are audited between and during the backups; each
//! copy opens, passes `PRAGMA integrity_check`, and is consistent (every check-in in it
//! has its audit entry, the chain verifies). Then the documented restore: stop the hub,
//! put the copy and its checkpoints back, `verify-audit` passes, start the hub, and the
//! queue is the one backed up. All data is synthetic.

mod support;

use frontdesk::api::CheckInSubmission;
use frontdesk::domain::{CheckInId, ClinicId};
use frontdesk::office::staff::QueueView;
use frontdesk::sync::OfficeClient;
use jiff::Timestamp;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use support::{KIOSK_TOKEN, STAFF_PASSWORD};

const OFFICE: &str = env!("CARGO_BIN_EXE_frontdesk-office");

fn config_file(root: &Path, data_dir: &Path) -> PathBuf {
    let path = root.join("office.toml");
    std::fs::write(
        &path,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\ntimezone = \"UTC\"\n\
             [[kiosks]]\nid = \"lobby-1\"\ntoken = \"{KIOSK_TOKEN}\"\n",
            data_dir.display()
        ),
    )
    .unwrap();
    path
}

fn office(config: &Path) -> Command {
    let mut command = Command::new(OFFICE);
    command.arg("--config").arg(config);
    command
}

/// Starts `serve` and returns the child and its base URL.
fn serve(config: &Path, demo: bool) -> (Child, String) {
    let mut command = office(config);
    command.arg("serve");
    if demo {
        command.arg("--demo");
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let base = std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.strip_prefix("Staff page: ")
                .map(|url| url.trim_end_matches('/').to_owned())
        })
        .expect("the office says where it listens");
    (child, base)
}

/// SIGTERM, as systemd stops it, and wait.
fn stop(mut child: Child) {
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(child.wait().unwrap().success(), "the hub stops cleanly");
}

/// A staff client signed in as the admin made with `add-user`.
fn staff(base: &str) -> reqwest::blocking::Client {
    let response = reqwest::blocking::Client::new()
        .post(format!("{base}/login"))
        .json(&serde_json::json!({ "username": "test-admin", "password": STAFF_PASSWORD }))
        .send()
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", cookie.parse().unwrap());
    reqwest::blocking::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

fn queue(staff: &reqwest::blocking::Client, base: &str) -> QueueView {
    staff
        .get(format!("{base}/api/staff/v1/queue"))
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn check_in(base: &str, n: usize) -> CheckInId {
    let client = OfficeClient::new(base, KIOSK_TOKEN).unwrap();
    let roster = client.roster().unwrap();
    let submission = CheckInSubmission {
        id: CheckInId::random(),
        clinic: ClinicId::new(1).unwrap(),
        appointment: roster.entries[n].appointment,
        arrived_at: Timestamp::now(),
    };
    client
        .deliver(&support::sealed(&client, &submission))
        .unwrap();
    submission.id
}

fn backup(config: &Path, to: &Path) -> String {
    let out = office(config)
        .args(["backup", "--to"])
        .arg(to)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "backup failed: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn a_backup_taken_while_the_hub_writes_is_consistent_and_restores() {
    let root = tempfile::tempdir().unwrap();
    let data_dir = root.path().join("office");
    let config = config_file(root.path(), &data_dir);
    let password = root.path().join("password");
    std::fs::write(&password, STAFF_PASSWORD).unwrap();
    let added = office(&config)
        .args(["add-user", "--username", "test-admin", "--role", "admin"])
        .arg("--password-file")
        .arg(&password)
        .output()
        .unwrap();
    assert!(added.status.success());

    let (hub, base) = serve(&config, true);
    let desk = staff(&base);
    // Staff keep reading the queue (each read is an audit entry written) all along.
    let stop_writing = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop_writing, reads, base, desk) = (
            stop_writing.clone(),
            reads.clone(),
            base.clone(),
            desk.clone(),
        );
        std::thread::spawn(move || {
            while !stop_writing.load(Ordering::Relaxed) {
                queue(&desk, &base);
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };

    let copy = root.path().join("backups").join("office.db");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let mut backed_up = Vec::new();
    for n in 0..3 {
        backed_up.push(check_in(&base, n));
        let said = backup(&config, &copy);
        assert!(said.contains("audit entries verified"), "{said}");
    }
    // After the last backup: not in the copy, so gone after the restore.
    let later = check_in(&base, 3);
    support::wait_until("staff reads during the backups", || {
        (reads.load(Ordering::Relaxed) >= 3).then_some(())
    });
    stop_writing.store(true, Ordering::Relaxed);
    writer.join().unwrap();

    // The copy on its own: opens, intact, one commit's state.
    {
        let conn = rusqlite::Connection::open_with_flags(
            &copy,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        let check_ins: i64 = conn
            .query_row("SELECT count(*) FROM checkins", [], |row| row.get(0))
            .unwrap();
        let audited: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE action = 'check_in.create'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(check_ins, 3);
        assert_eq!(audited, check_ins, "every check-in with its audit entry");
    }
    assert!(frontdesk::office::backup::checkpoints_path(&copy).exists());

    // Restore as README says: stop, keep the live checkpoints aside, copy back, verify.
    stop(hub);
    std::fs::rename(
        data_dir.join("audit-checkpoints.txt"),
        data_dir.join("audit-checkpoints.before-restore.txt"),
    )
    .unwrap();
    for stale in ["office.db-wal", "office.db-shm"] {
        let _ = std::fs::remove_file(data_dir.join(stale));
    }
    std::fs::copy(&copy, data_dir.join("office.db")).unwrap();
    std::fs::copy(
        frontdesk::office::backup::checkpoints_path(&copy),
        data_dir.join("audit-checkpoints.txt"),
    )
    .unwrap();
    let verified = office(&config).arg("verify-audit").output().unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );

    let (hub, base) = serve(&config, false);
    let desk = staff(&base);
    let restored: Vec<CheckInId> = queue(&desk, &base)
        .checked_in
        .iter()
        .map(|row| row.check_in)
        .collect();
    for id in &backed_up {
        assert!(restored.contains(id), "{id} is back");
    }
    assert!(!restored.contains(&later), "after the backup: not in it");
    stop(hub);
}

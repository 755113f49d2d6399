//! The audit log over real HTTP and the real `verify-audit` binary: entries carry the
//! staff request's address, the view pages and filters, the CSV export is audited, an
//! untouched log verifies, and each kind of tampering with a copy of the database (or its
//! checkpoint file) is named at its seq.

mod support;

use frontdesk::office::audit::routes::AuditPage;
use std::path::Path;
use std::process::Command;
use support::{check_in_first, start_office, start_office_with};

/// A GET by the test office's admin (the audit log needs a manager or above).
fn get(url: &str) -> reqwest::blocking::Response {
    support::staff_get(url).expect("office answers")
}

#[test]
fn staff_see_and_export_the_log_with_filters_and_the_export_is_audited() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(dir.path(), "127.0.0.1:0".parse().unwrap());
    let check_in = check_in_first(&office.base);
    for _ in 0..3 {
        office.queue();
    }

    let page: AuditPage = get(&format!(
        "{}/api/staff/v1/audit?action=queue.view&limit=2",
        office.base
    ))
    .json()
    .unwrap();
    assert_eq!(page.entries.len(), 2);
    assert!(page.entries[0].seq > page.entries[1].seq, "newest first");
    for entry in &page.entries {
        assert_eq!(entry.action, "queue.view");
        assert!(entry.actor.starts_with("staff:"), "a user's number");
        assert_eq!(entry.origin.as_deref(), Some("127.0.0.1"), "from where");
    }
    let before = page.next_before.expect("a third queue view is older");
    let older: AuditPage = get(&format!(
        "{}/api/staff/v1/audit?action=queue.view&limit=2&before={before}",
        office.base
    ))
    .json()
    .unwrap();
    assert_eq!(older.entries.len(), 1);
    assert_eq!(older.next_before, None);

    // Kiosk entries: the kiosk is the actor, no address.
    let created: AuditPage = get(&format!(
        "{}/api/staff/v1/audit?subject={check_in}&from=2000-01-01T00:00:00Z",
        office.base
    ))
    .json()
    .unwrap();
    assert_eq!(created.entries.len(), 1);
    assert_eq!(created.entries[0].action, "check_in.create");
    assert_eq!(created.entries[0].actor, "kiosk:lobby-1");
    assert_eq!(created.entries[0].origin, None);

    let csv = get(&format!(
        "{}/staff/audit.csv?action=queue.view",
        office.base
    ));
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["seq", "at", "actor", "action", "subject", "origin"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| &r[3] == "queue.view" && &r[5] == "127.0.0.1")
    );

    let exports: AuditPage = get(&format!(
        "{}/api/staff/v1/audit?action=audit.export",
        office.base
    ))
    .json()
    .unwrap();
    assert_eq!(exports.entries.len(), 1, "the export is audited");
    assert_eq!(exports.entries[0].subject, "audit_log");

    let bad = get(&format!("{}/api/staff/v1/audit?action=nope", office.base));
    assert_eq!(bad.status(), 400);
    let body: serde_json::Value = bad.json().unwrap();
    assert_eq!(body["error"], "bad_action");
    let bad = get(&format!("{}/staff/audit.csv?to=tomorrow", office.base));
    assert_eq!(bad.status(), 400);
    office.stop();
}

/// Runs `frontdesk-office verify-audit` on `data_dir`: (succeeded, stdout).
fn verify_audit(data_dir: &Path) -> (bool, String) {
    let config = data_dir.join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_frontdesk-office"))
        .arg("--config")
        .arg(&config)
        .arg("verify-audit")
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// A copy of the stopped hub's data directory.
fn copy_of(data_dir: &Path) -> tempfile::TempDir {
    let copy = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
        }
    }
    copy
}

fn tamper(data_dir: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(data_dir.join("office.db")).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn verify_audit_passes_an_untouched_log_and_names_each_tampering() {
    let dir = tempfile::tempdir().unwrap();
    // The tampering is done to the SQLite file, whichever store the suite runs on.
    let office = start_office_with(dir.path(), "127.0.0.1:0".parse().unwrap(), |config| {
        config.database = Default::default();
    });
    check_in_first(&office.base);
    for _ in 0..6 {
        office.queue();
    }
    let last = office
        .state
        .store
        .get()
        .unwrap()
        .audit_tail()
        .unwrap()
        .unwrap()
        .0;
    assert!(last >= 7);
    // Stopping signs the tail.
    office.stop();

    let (ok, out) = verify_audit(copy_of(dir.path()).path());
    assert!(ok, "{out}");
    assert!(out.contains(&format!("checked {last} entries")), "{out}");
    assert!(out.contains(&format!("last signed seq {last}")), "{out}");

    let shift_up = "UPDATE audit_log SET seq = -seq WHERE seq >= 3;
                    UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;";
    let cases = [
        (
            "UPDATE audit_log SET subject = 'someone-else' WHERE seq = 3".to_owned(),
            "seq 3: edited".to_owned(),
        ),
        (
            format!(
                "{shift_up}
                 INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, hash)
                   SELECT 3, at, actor, action, 'made-up', prev_hash, hash
                   FROM audit_log WHERE seq = 4"
            ),
            "seq 3: inserted".to_owned(),
        ),
        (
            "DELETE FROM audit_log WHERE seq = 3".to_owned(),
            "seq 3: deleted".to_owned(),
        ),
        (
            "UPDATE audit_log SET seq = -1 WHERE seq = 3;
             UPDATE audit_log SET seq = 3 WHERE seq = 4;
             UPDATE audit_log SET seq = 4 WHERE seq = -1"
                .to_owned(),
            "seq 3: reordered".to_owned(),
        ),
        (
            format!("DELETE FROM audit_log WHERE seq > {}", last - 2),
            format!(
                "seq {}: truncated (the log ends before the signed checkpoint at seq {last})",
                last - 1
            ),
        ),
    ];
    for (sql, named) in cases {
        let copy = copy_of(dir.path());
        tamper(copy.path(), &sql);
        let (ok, out) = verify_audit(copy.path());
        assert!(!ok, "{sql}: {out}");
        assert!(out.contains(&format!("TAMPERED: {named}")), "{sql}: {out}");
    }

    // A forged checkpoint: one signature character changed.
    let copy = copy_of(dir.path());
    let file = copy.path().join("audit-checkpoints.txt");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text.lines().last().unwrap();
    let mut forged = line.to_owned();
    let flip = forged.len() - 3;
    let was = forged.as_bytes()[flip];
    forged.replace_range(flip..=flip, if was == b'A' { "B" } else { "A" });
    std::fs::write(&file, text.replace(line, &forged)).unwrap();
    let (ok, out) = verify_audit(copy.path());
    assert!(!ok, "{out}");
    assert!(out.contains("checkpoint signature broken"), "{out}");

    // The whole chain made again after an edit (hashes recomputed): only the signed
    // checkpoint shows it.
    let copy = copy_of(dir.path());
    rechain_after_editing(copy.path());
    let (ok, out) = verify_audit(copy.path());
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("seq {last}: rewritten")), "{out}");
}

/// Edits entry 2 and recomputes every hash, as an attacker who knows the algorithm would.
fn rechain_after_editing(data_dir: &Path) {
    use frontdesk::office::audit::chain::{EntryFields, GENESIS};
    let conn = rusqlite::Connection::open(data_dir.join("office.db")).unwrap();
    conn.execute(
        "UPDATE audit_log SET subject = 'someone-else' WHERE seq = 2",
        [],
    )
    .unwrap();
    let rows: Vec<(i64, String, String, String, String, Option<String>)> = conn
        .prepare("SELECT seq, at, actor, action, subject, origin FROM audit_log ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev = GENESIS;
    for (seq, at, actor, action, subject, origin) in rows {
        let hash = EntryFields {
            seq: u64::try_from(seq).unwrap(),
            at: &at,
            actor: &actor,
            action: &action,
            subject: &subject,
            origin: origin.as_deref(),
        }
        .hash(&prev);
        conn.execute(
            "UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1",
            rusqlite::params![seq, prev, hash],
        )
        .unwrap();
        prev = hash;
    }
}

/// On PostgreSQL (the test command's second pass) `verify-audit` reads the chain from the
/// configured database: it verifies while untouched and names an entry edited in place.
#[test]
fn verify_audit_reads_the_chain_from_postgres_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let Some(url) = support::test_database(dir.path()).url else {
        eprintln!("FRONTDESK_TEST_POSTGRES unset: this one is for the PostgreSQL pass");
        return;
    };
    let office = start_office(dir.path(), "127.0.0.1:0".parse().unwrap());
    check_in_first(&office.base);
    for _ in 0..4 {
        office.queue();
    }
    office.stop();
    let config = dir.path().join("frontdesk.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[database]\nurl = {url:?}\n",
            dir.path().display().to_string()
        ),
    )
    .unwrap();
    let run = || {
        let output = Command::new(env!("CARGO_BIN_EXE_frontdesk-office"))
            .arg("--config")
            .arg(&config)
            .arg("verify-audit")
            .output()
            .expect("the binary runs");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
        )
    };
    let (ok, out) = run();
    assert!(ok, "{out}");
    assert!(out.contains("ok: the audit log verifies"), "{out}");

    let mut client = url
        .parse::<postgres::Config>()
        .unwrap()
        .connect(postgres::NoTls)
        .unwrap();
    client
        // A session sees a practice's rows only once it names one (row-level security).
        .batch_execute(
            "SET frontdesk.clinic = 1; UPDATE audit_log SET subject = 'someone-else' WHERE seq = 3",
        )
        .unwrap();
    let (ok, out) = run();
    assert!(!ok, "{out}");
    assert!(out.contains("TAMPERED: seq 3: edited"), "{out}");
}

//! Figure 15 (audit log): `verify-audit` over a 1,000,000-entry chain (the whole check:
//! read-only open, every hash recomputed, the signed checkpoint), against reading the same
//! rows without hashing; and a staff change (a check-in's status) committed with its
//! chained audit entry, against the same change committed without one, interleaved in the
//! same run on the same database (WAL, `synchronous=FULL` as the hub opens it).

use crate::Scale;
use crate::report::{Report, median};
use ed25519_dalek::SigningKey;
use frontdesk::office::audit::checkpoint::Checkpointer;
use frontdesk::office::audit::{AuditAction, AuditContext, verify};
use frontdesk::office::store::audit::audit_in;
use frontdesk::office::store::db::{Connection, params};
use frontdesk::office::store::{Actor, OfficeStore};
use jiff::Timestamp;
use std::sync::Arc;
use std::time::Instant;

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let entries = scale.audit_entries;
    println!(
        "15. audit: verify {entries} entries; {} changes with and without their entry",
        scale.audit_changes
    );
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("office.db");
    drop(OfficeStore::open(&db)?);
    let mut conn = Connection::sqlite({
        let conn = rusqlite::Connection::open(&db)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn
    });
    let now: Timestamp = "2026-12-03T10:00:00Z".parse()?;
    let staff = AuditContext {
        actor: Actor::Staff("bench-desk".into()),
        origin: Some("192.0.2.10".parse()?),
    };

    let filling = Instant::now();
    let tx = conn.transaction()?;
    for n in 0..entries {
        audit_in(
            &tx,
            now,
            &staff,
            AuditAction::QueueView,
            &format!("2026-12-{:02}", n % 28 + 1),
        )?;
    }
    tx.commit()?;
    report.note(format!(
        "15: wrote {entries} chained entries in one transaction in {:.1} s",
        filling.elapsed().as_secs_f64()
    ));
    let key = Arc::new(SigningKey::from_bytes(&[13; 32]));
    std::fs::write(dir.path().join("token-signing.key"), key.to_bytes())?;
    let tail = OfficeStore::open(&db)?.audit_tail()?;
    Checkpointer::new(dir.path(), key).maybe_write(tail, now, true)?;

    let started = Instant::now();
    let verified = verify::verify_data_dir(dir.path())?;
    let verify_s = started.elapsed().as_secs_f64();
    report.check(
        "the untouched audit log verifies to its signed checkpoint",
        verified.findings.is_empty()
            && verified.checked == entries
            && verified.last_checkpoint == Some(entries),
    );
    let started = Instant::now();
    let read = read_all(&conn)?;
    let read_s = started.elapsed().as_secs_f64();
    report.check("reading without hashing sees every entry", read == entries);
    report.figure(
        "15 audit",
        format!("verify-audit over {entries} entries"),
        (verify_s, read_s),
        "s",
        "reading the same rows without hashing",
    );

    conn.execute(
        "INSERT INTO checkins (id, appointment, kiosk, arrived_at, received_at, status,
           status_changed_at)
         VALUES ('bench', 1, 'lobby-1', ?1, ?1, 'arrived', ?1)",
        [now.to_string()],
    )?;
    let mut audited_ms = Vec::with_capacity(scale.audit_changes);
    let mut plain_ms = Vec::with_capacity(scale.audit_changes);
    for i in 0..scale.audit_changes {
        let status = if i % 2 == 0 { "roomed" } else { "arrived" };
        let started = Instant::now();
        change(&mut conn, status, None)?;
        plain_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        change(&mut conn, status, Some(&staff))?;
        audited_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    report.figure(
        "15 audit",
        format!(
            "a status change with its chained audit entry ({} commits, log of {entries}), median",
            scale.audit_changes
        ),
        (median(&audited_ms), median(&plain_ms)),
        "ms",
        "the same change committed unaudited",
    );
    Ok(())
}

/// One committed status change, with its audit entry when `who` is given.
fn change(conn: &mut Connection, status: &str, who: Option<&AuditContext>) -> anyhow::Result<()> {
    let now = Timestamp::now();
    let tx = conn.transaction()?;
    tx.execute(
        "UPDATE checkins SET status = ?1, status_changed_at = ?2 WHERE id = 'bench'",
        params![status, now.to_string()],
    )?;
    if let Some(who) = who {
        audit_in(&tx, now, who, AuditAction::CheckInRoomed, "bench")?;
    }
    tx.commit()?;
    Ok(())
}

/// Every row's hashed columns read and touched, nothing hashed.
fn read_all(conn: &Connection) -> anyhow::Result<u64> {
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, origin, prev_hash, hash FROM audit_log
         ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut count = 0u64;
    let mut bytes = 0usize;
    while let Some(row) = rows.next()? {
        let at: String = row.get(1)?;
        let actor: String = row.get(2)?;
        let subject: String = row.get(4)?;
        let hash: Vec<u8> = row.get(7)?;
        bytes += at.len() + actor.len() + subject.len() + hash.len();
        count += 1;
    }
    std::hint::black_box(bytes);
    Ok(count)
}

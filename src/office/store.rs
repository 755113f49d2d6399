//! The office database (SQLite, WAL): appointments, check-ins, kiosk health, audit log.
//!
//! Every method takes `now` from the caller; nothing here reads the clock.

use crate::api::{CheckInSubmission, Heartbeat, OutboxHealth, SubmissionOutcome};
use crate::domain::{AppointmentId, Cents, CheckInId, CheckInStatus, KioskId, PersonName};
use crate::store::{MigrateError, open_database};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE appointments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        external_id TEXT NOT NULL UNIQUE,
        day TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        provider TEXT NOT NULL,
        copay_cents INTEGER NOT NULL CHECK (copay_cents >= 0)
    ) STRICT;
    CREATE INDEX appointments_by_day ON appointments (day, starts_at);
    -- No foreign key on appointment: an arrival for an appointment deleted since its
    -- code was printed is still recorded, and shown to staff as needing attention.
    CREATE TABLE checkins (
        id TEXT PRIMARY KEY,
        appointment INTEGER NOT NULL UNIQUE,
        kiosk TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('arrived', 'needs_attention', 'roomed')),
        status_changed_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE kiosk_health (
        kiosk TEXT PRIMARY KEY,
        last_seen_at TEXT NOT NULL,
        version TEXT NOT NULL,
        uptime_secs INTEGER NOT NULL,
        outbox_depth INTEGER NOT NULL,
        scanner_connected INTEGER NOT NULL,
        help_requested_at TEXT
    ) STRICT;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL
    ) STRICT;
",
    "
    -- The kiosk's outbox as an explicit state (see `OutboxHealth`); `outbox_depth` is
    -- meaningless when the state is 'database_error'.
    ALTER TABLE kiosk_health ADD COLUMN outbox_state TEXT NOT NULL DEFAULT 'ok'
        CHECK (outbox_state IN ('ok', 'unreadable', 'database_error'));
    ALTER TABLE kiosk_health ADD COLUMN outbox_unreadable INTEGER NOT NULL DEFAULT 0;
",
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("office database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("office database: {0}")]
    Migrate(#[from] MigrateError),
    #[error("office database holds an unreadable {0}")]
    Corrupt(&'static str),
}

/// An appointment as the office holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    pub id: AppointmentId,
    /// The practice-management system's id (or the demo's).
    pub external_id: String,
    pub day: Date,
    pub starts_at: Time,
    pub patient: PersonName,
    pub provider: String,
    pub copay: Cents,
}

/// An appointment to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    pub external_id: String,
    pub day: Date,
    pub starts_at: Time,
    pub patient: PersonName,
    pub provider: String,
    pub copay: Cents,
}

/// A check-in with what staff need to see of its appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub check_in: CheckInId,
    pub appointment: AppointmentId,
    /// `None` when the appointment has been deleted since its code was printed.
    pub details: Option<Appointment>,
    pub kiosk: KioskId,
    pub arrived_at: Timestamp,
    pub status: CheckInStatus,
}

/// The last health report of a kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskHealth {
    pub kiosk: KioskId,
    pub last_seen_at: Timestamp,
    pub version: String,
    pub uptime_secs: u64,
    pub outbox: OutboxHealth,
    pub scanner_connected: bool,
    pub help_requested_at: Option<Timestamp>,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Kiosk(KioskId),
    Staff(String),
    System,
}

impl Actor {
    fn label(&self) -> String {
        match self {
            Actor::Kiosk(id) => format!("kiosk:{id}"),
            Actor::Staff(who) => format!("staff:{who}"),
            Actor::System => "system".into(),
        }
    }
}

/// An audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject: String,
}

pub struct OfficeStore {
    conn: Connection,
}

fn parse<T: std::str::FromStr>(text: &str, what: &'static str) -> Result<T, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt(what))
}

const APPOINTMENT_COLUMNS: &str =
    "a.id, a.external_id, a.day, a.starts_at, a.first_name, a.last_name, a.provider, a.copay_cents";

fn appointment_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Result<Appointment, StoreError>> {
    let id: i64 = row.get(at)?;
    let external_id: String = row.get(at + 1)?;
    let day: String = row.get(at + 2)?;
    let starts_at: String = row.get(at + 3)?;
    let first: String = row.get(at + 4)?;
    let last: String = row.get(at + 5)?;
    let provider: String = row.get(at + 6)?;
    let copay: i64 = row.get(at + 7)?;
    Ok((|| {
        Ok(Appointment {
            id: AppointmentId::new(id.cast_unsigned()),
            external_id,
            day: parse(&day, "appointment day")?,
            starts_at: parse(&starts_at, "appointment time")?,
            patient: PersonName::new(&first, &last)
                .map_err(|_| StoreError::Corrupt("patient name"))?,
            provider,
            copay: Cents::new(u32::try_from(copay).map_err(|_| StoreError::Corrupt("co-pay"))?),
        })
    })())
}

impl OfficeStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            conn: open_database(path, MIGRATIONS)?,
        })
    }

    /// Adds or updates appointments by external id; returns how many were written.
    pub fn import_appointments(&mut self, list: &[NewAppointment]) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO appointments
                   (external_id, day, starts_at, first_name, last_name, provider, copay_cents)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (external_id) DO UPDATE SET
                   day = excluded.day, starts_at = excluded.starts_at,
                   first_name = excluded.first_name, last_name = excluded.last_name,
                   provider = excluded.provider, copay_cents = excluded.copay_cents",
            )?;
            for a in list {
                stmt.execute(params![
                    a.external_id,
                    a.day.to_string(),
                    a.starts_at.strftime("%H:%M").to_string(),
                    a.patient.first(),
                    a.patient.last(),
                    a.provider,
                    i64::from(a.copay.get()),
                ])?;
            }
        }
        tx.commit()?;
        Ok(list.len())
    }

    /// Appointments on `day`, by start time.
    pub fn appointments_on(&self, day: Date) -> Result<Vec<Appointment>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments a WHERE a.day = ?1
             ORDER BY a.starts_at, a.last_name, a.id"
        ))?;
        let rows = stmt.query_map([day.to_string()], |row| appointment_from(row, 0))?;
        rows.map(|r| r?).collect()
    }

    pub fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments a WHERE a.id = ?1"),
                [id.get().cast_signed()],
                |row| appointment_from(row, 0),
            )
            .optional()?
            .transpose()
    }

    /// Stores several check-ins in one transaction (one disk flush), each once however
    /// often it is submitted; outcomes in the order given. A later item sees the earlier
    /// ones, so a repeat within the batch is recognised too.
    pub fn record_check_ins(
        &mut self,
        batch: &[(&CheckInSubmission, &KioskId)],
        now: Timestamp,
    ) -> Result<Vec<SubmissionOutcome>, StoreError> {
        let tx = self.conn.transaction()?;
        let outcomes = batch
            .iter()
            .map(|(submission, kiosk)| insert_check_in_once(&tx, submission, kiosk, now))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(outcomes)
    }

    /// Check-ins that arrived on `day` (counted in UTC bounds the caller gives), oldest first.
    pub fn queue(&self, from: Timestamp, until: Timestamp) -> Result<Vec<QueueRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT c.id, c.appointment, c.kiosk, c.arrived_at, c.status, a.id IS NOT NULL,
                    {APPOINTMENT_COLUMNS}
             FROM checkins c LEFT JOIN appointments a ON a.id = c.appointment
             WHERE c.arrived_at >= ?1 AND c.arrived_at < ?2
             ORDER BY c.arrived_at, c.id"
        ))?;
        let rows = stmt.query_map([ts(from), ts(until)], |row| {
            let id: String = row.get(0)?;
            let appointment: i64 = row.get(1)?;
            let kiosk: String = row.get(2)?;
            let arrived_at: String = row.get(3)?;
            let status: String = row.get(4)?;
            let has_details: bool = row.get(5)?;
            let details = if has_details {
                Some(appointment_from(row, 6)?)
            } else {
                None
            };
            Ok((|| {
                Ok(QueueRow {
                    check_in: CheckInId::parse(&id).ok_or(StoreError::Corrupt("check-in id"))?,
                    appointment: AppointmentId::new(appointment.cast_unsigned()),
                    details: details.transpose()?,
                    kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                    arrived_at: parse(&arrived_at, "arrival time")?,
                    status: CheckInStatus::parse(&status).ok_or(StoreError::Corrupt("status"))?,
                })
            })())
        })?;
        rows.map(|r| r?).collect()
    }

    /// Appointments on `day` with their check-in status, if any.
    pub fn checked_in_appointments(
        &self,
        day: Date,
    ) -> Result<Vec<(AppointmentId, CheckInStatus)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.appointment, c.status FROM checkins c
             JOIN appointments a ON a.id = c.appointment WHERE a.day = ?1",
        )?;
        let rows = stmt.query_map([day.to_string()], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        rows.map(|r| {
            let (id, status) = r?;
            Ok((
                AppointmentId::new(id.cast_unsigned()),
                CheckInStatus::parse(&status).ok_or(StoreError::Corrupt("status"))?,
            ))
        })
        .collect()
    }

    /// Staff moved a check-in along; `false` if there is no such check-in.
    pub fn set_status(
        &mut self,
        id: CheckInId,
        status: CheckInStatus,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE checkins SET status = ?2, status_changed_at = ?3 WHERE id = ?1",
            params![id.to_string(), status.as_str(), ts(now)],
        )?;
        if changed > 0 {
            audit_in(
                &tx,
                now,
                actor,
                &format!("check_in.status.{}", status.as_str()),
                &id.to_string(),
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    pub fn record_heartbeat(
        &mut self,
        kiosk: &KioskId,
        beat: &Heartbeat,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (state, depth, unreadable) = match beat.outbox {
            OutboxHealth::Ok { depth } => ("ok", depth, 0),
            OutboxHealth::Unreadable {
                depth,
                unreadable_rows,
            } => ("unreadable", depth, unreadable_rows),
            OutboxHealth::DatabaseError => ("database_error", 0, 0),
        };
        self.conn.execute(
            "INSERT INTO kiosk_health
               (kiosk, last_seen_at, version, uptime_secs, outbox_depth, scanner_connected,
                outbox_state, outbox_unreadable)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (kiosk) DO UPDATE SET
               last_seen_at = excluded.last_seen_at, version = excluded.version,
               uptime_secs = excluded.uptime_secs, outbox_depth = excluded.outbox_depth,
               scanner_connected = excluded.scanner_connected,
               outbox_state = excluded.outbox_state,
               outbox_unreadable = excluded.outbox_unreadable",
            params![
                kiosk.as_str(),
                ts(now),
                beat.version,
                i64::try_from(beat.uptime_secs).unwrap_or(i64::MAX),
                i64::try_from(depth).unwrap_or(i64::MAX),
                beat.scanner_connected,
                state,
                i64::try_from(unreadable).unwrap_or(i64::MAX),
            ],
        )?;
        Ok(())
    }

    /// A patient asked for help at `kiosk`; `None` clears the request (staff went over).
    pub fn set_help_requested(
        &mut self,
        kiosk: &KioskId,
        at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO kiosk_health
               (kiosk, last_seen_at, version, uptime_secs, outbox_depth, scanner_connected, help_requested_at)
             VALUES (?1, ?2, '', 0, 0, 0, ?3)
             ON CONFLICT (kiosk) DO UPDATE SET help_requested_at = excluded.help_requested_at",
            params![kiosk.as_str(), ts(now), at.map(ts)],
        )?;
        Ok(())
    }

    pub fn kiosks(&self) -> Result<Vec<KioskHealth>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kiosk, last_seen_at, version, uptime_secs, outbox_depth, scanner_connected,
                    help_requested_at, outbox_state, outbox_unreadable
             FROM kiosk_health ORDER BY kiosk",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, bool>(5)?,
                row.get::<_, Option<String>>(6)?,
                row.get::<_, String>(7)?,
                row.get::<_, i64>(8)?,
            ))
        })?;
        rows.map(|r| {
            let (kiosk, seen, version, uptime, depth, scanner, help, state, unreadable) = r?;
            let depth = depth.cast_unsigned();
            let outbox = match state.as_str() {
                "ok" => OutboxHealth::Ok { depth },
                "unreadable" => OutboxHealth::Unreadable {
                    depth,
                    unreadable_rows: unreadable.cast_unsigned(),
                },
                "database_error" => OutboxHealth::DatabaseError,
                _ => return Err(StoreError::Corrupt("kiosk outbox state")),
            };
            Ok(KioskHealth {
                kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                last_seen_at: parse(&seen, "heartbeat time")?,
                version,
                uptime_secs: uptime.cast_unsigned(),
                outbox,
                scanner_connected: scanner,
                help_requested_at: help.map(|h| parse(&h, "help time")).transpose()?,
            })
        })
        .collect()
    }

    /// Writes an audit entry (who looked at or changed what; ids only, never names).
    pub fn audit(
        &mut self,
        now: Timestamp,
        actor: &Actor,
        action: &str,
        subject: &str,
    ) -> Result<(), StoreError> {
        audit_in(&self.conn, now, actor, action, subject)
    }

    /// The newest audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, actor, action, subject FROM audit_log ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
            ))
        })?;
        rows.map(|r| {
            let (at, actor, action, subject) = r?;
            Ok(AuditEntry {
                at: parse(&at, "audit time")?,
                actor,
                action,
                subject,
            })
        })
        .collect()
    }
}

/// Timestamps as fixed-width UTC text, so SQL compares them in time order.
fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn insert_check_in_once(
    tx: &Connection,
    submission: &CheckInSubmission,
    kiosk: &KioskId,
    now: Timestamp,
) -> Result<SubmissionOutcome, StoreError> {
    let existing: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM checkins WHERE id = ?1 OR appointment = ?2
             ORDER BY id = ?1 DESC LIMIT 1",
        )?
        .query_row(
            params![
                submission.id.to_string(),
                submission.appointment.get().cast_signed()
            ],
            |row| row.get(0),
        )
        .optional()?;
    Ok(match existing {
        Some(id) if id == submission.id.to_string() => SubmissionOutcome::AlreadyStored,
        Some(_) => SubmissionOutcome::AppointmentAlreadyCheckedIn,
        None => {
            let known: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM appointments WHERE id = ?1)")?
                .query_row([submission.appointment.get().cast_signed()], |row| {
                    row.get(0)
                })?;
            let status = if known {
                CheckInStatus::Arrived
            } else {
                CheckInStatus::NeedsAttention
            };
            tx.prepare_cached(
                "INSERT INTO checkins
                   (id, appointment, kiosk, arrived_at, received_at, status, status_changed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
            )?
            .execute(params![
                submission.id.to_string(),
                submission.appointment.get().cast_signed(),
                kiosk.as_str(),
                ts(submission.arrived_at),
                ts(now),
                status.as_str(),
            ])?;
            audit_in(
                tx,
                now,
                &Actor::Kiosk(kiosk.clone()),
                "check_in.create",
                &submission.id.to_string(),
            )?;
            SubmissionOutcome::Accepted
        }
    })
}

fn audit_in(
    conn: &Connection,
    now: Timestamp,
    actor: &Actor,
    action: &str,
    subject: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, subject) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![ts(now), actor.label(), action, subject])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_recognises_repeats_within_itself_and_commits_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::open(&dir.path().join("office.db")).unwrap();
        let kiosk = KioskId::new("lobby-1").unwrap();
        let now: Timestamp = "2026-11-23T15:00:01Z".parse().unwrap();
        let first = CheckInSubmission::sample(7);
        let same_visit_new_id = CheckInSubmission::sample(7);
        let second = CheckInSubmission::sample(8);
        let outcomes = store
            .record_check_ins(
                &[
                    (&first, &kiosk),
                    (&first, &kiosk),
                    (&same_visit_new_id, &kiosk),
                    (&second, &kiosk),
                ],
                now,
            )
            .unwrap();
        assert_eq!(
            outcomes,
            vec![
                SubmissionOutcome::Accepted,
                SubmissionOutcome::AlreadyStored,
                SubmissionOutcome::AppointmentAlreadyCheckedIn,
                SubmissionOutcome::Accepted,
            ]
        );
        let day = "2026-11-23T00:00:00Z".parse().unwrap();
        let next = "2026-11-24T00:00:00Z".parse().unwrap();
        assert_eq!(store.queue(day, next).unwrap().len(), 2);
        let creates = store
            .audit_log(10)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "check_in.create")
            .count();
        assert_eq!(creates, 2, "one audit row per stored check-in");
        assert_eq!(
            store.record_check_ins(&[(&second, &kiosk)], now).unwrap(),
            vec![SubmissionOutcome::AlreadyStored]
        );
    }
}

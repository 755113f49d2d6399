//! Outbox: check-ins are written here before the patient is told "done", and deleted
//! only when the office acknowledges them, so nothing is lost and nothing is kept.

use super::migrate::{MigrateError, open_database};
use crate::api::CheckInSubmission;
use crate::domain::{AppointmentId, CheckInId};
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;

const MIGRATIONS: &[&str] = &["
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE used_appointments (
        appointment INTEGER NOT NULL,
        day TEXT NOT NULL,
        PRIMARY KEY (appointment, day)
    ) STRICT;
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) STRICT;
"];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("kiosk database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("kiosk database: {0}")]
    Migrate(#[from] MigrateError),
    #[error("outbox row {0} is unreadable")]
    Corrupt(String),
}

/// One undelivered check-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub seq: i64,
    pub submission: CheckInSubmission,
}

/// The kiosk database. One connection; the UI thread and the sync worker each open their own.
pub struct KioskStore {
    conn: Connection,
}

impl KioskStore {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            conn: open_database(path, MIGRATIONS)?,
        })
    }

    /// Writes a check-in to the outbox and marks its appointment used, atomically.
    pub fn enqueue(&mut self, submission: &CheckInSubmission, day: Date) -> Result<(), StoreError> {
        let body = serde_json::to_string(submission)
            .map_err(|_| StoreError::Corrupt(submission.id.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO outbox (id, body, created_at) VALUES (?1, ?2, ?3)",
            params![
                submission.id.to_string(),
                body,
                submission.arrived_at.to_string()
            ],
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO used_appointments (appointment, day) VALUES (?1, ?2)",
            params![appointment_key(submission.appointment), day.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The oldest undelivered check-ins, up to `limit`.
    pub fn pending(&self, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid, id, body FROM outbox ORDER BY rowid LIMIT ?1")?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        let mut items = Vec::new();
        for row in rows {
            let (seq, id, body) = row?;
            let submission = serde_json::from_str(&body).map_err(|_| StoreError::Corrupt(id))?;
            items.push(OutboxItem { seq, submission });
        }
        Ok(items)
    }

    /// Deletes delivered check-ins, the kiosk keeps nothing it has handed over; one
    /// transaction (one disk flush) for the lot. Safe to delay: a check-in delivered but
    /// not yet removed is sent again after a crash, and the office recognises its id.
    pub fn acknowledge_all(&mut self, ids: &[CheckInId]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut delete = tx.prepare_cached("DELETE FROM outbox WHERE id = ?1")?;
            for id in ids {
                delete.execute([id.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Check-ins waiting for delivery.
    pub fn depth(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Appointments checked in here on `day` (to refuse a second use after a restart).
    /// Older days are forgotten.
    pub fn used_on(&mut self, day: Date) -> Result<Vec<AppointmentId>, StoreError> {
        let day = day.to_string();
        self.conn
            .execute("DELETE FROM used_appointments WHERE day <> ?1", [&day])?;
        let mut stmt = self
            .conn
            .prepare("SELECT appointment FROM used_appointments WHERE day = ?1")?;
        let ids = stmt
            .query_map([&day], |row| row.get::<_, i64>(0))?
            .map(|id| id.map(|id| AppointmentId::new(id.cast_unsigned())))
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}

/// SQLite integers are signed; appointment ids are stored bit-for-bit.
fn appointment_key(id: AppointmentId) -> i64 {
    id.get().cast_signed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn outbox_keeps_until_acknowledged_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        let first = CheckInSubmission::sample(1);
        let second = CheckInSubmission::sample(2);
        {
            let mut store = KioskStore::open(&path).unwrap();
            store.enqueue(&first, date(2026, 11, 23)).unwrap();
            store.enqueue(&second, date(2026, 11, 23)).unwrap();
            store.enqueue(&first, date(2026, 11, 23)).unwrap(); // a retry: no second row
        }
        let mut store = KioskStore::open(&path).unwrap();
        assert_eq!(store.depth().unwrap(), 2);
        let pending = store.pending(10).unwrap();
        assert_eq!(pending[0].submission, first);
        assert_eq!(pending[1].submission, second);
        store.acknowledge_all(&[first.id]).unwrap();
        assert_eq!(store.pending(10).unwrap().len(), 1);
        assert_eq!(
            store.used_on(date(2026, 11, 23)).unwrap().len(),
            2,
            "used appointments outlive delivery"
        );
        assert!(store.used_on(date(2026, 11, 24)).unwrap().is_empty());
    }

    #[test]
    fn acknowledging_a_batch_removes_exactly_those() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = KioskStore::open(&dir.path().join("k.db")).unwrap();
        let items: Vec<_> = (1..=5).map(CheckInSubmission::sample).collect();
        for item in &items {
            store.enqueue(item, date(2026, 11, 23)).unwrap();
        }
        store
            .acknowledge_all(&[items[0].id, items[2].id, items[4].id])
            .unwrap();
        let left: Vec<_> = store
            .pending(10)
            .unwrap()
            .into_iter()
            .map(|i| i.submission)
            .collect();
        assert_eq!(left, vec![items[1].clone(), items[3].clone()]);
        store.acknowledge_all(&[]).unwrap();
        assert_eq!(store.depth().unwrap(), 2);
    }

    #[test]
    fn settings_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = KioskStore::open(&dir.path().join("k.db")).unwrap();
        assert_eq!(store.setting("k").unwrap(), None);
        store.set_setting("k", "a").unwrap();
        store.set_setting("k", "b").unwrap();
        assert_eq!(store.setting("k").unwrap().as_deref(), Some("b"));
    }
}

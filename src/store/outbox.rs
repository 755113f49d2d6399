//! Outbox: what a patient entered is written here before they are told "done", sealed to
//! the office's public key (the kiosk cannot read it back), and deleted only when the
//! office acknowledges it, so nothing is lost and nothing is kept readable.

use super::migrate::{MigrateError, open_database};
use crate::api::{
    CheckInSubmission, DetailsChangeSubmission, IntakeSubmission, OutboxBody, OutboxId, OutboxKind,
    RegistrationSubmission,
};
use crate::domain::AppointmentId;
use crate::seal::{SEAL_OVERHEAD, SealError, SealPublicKey};
use jiff::civil::Date;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use std::path::Path;

const MIGRATIONS: &[&str] = &[
    "
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
",
    // Sealed, typed rows. `kind` is checked in Rust, not by a CHECK constraint, so new
    // kinds need no table rebuild; a kind this program does not know is an unreadable row.
    // `created_on` is the clinic day only: an exact time would say when the patient came.
    // Rows of the plaintext table are sealed by `seal_legacy_rows` once the office key
    // is known (see there).
    "
    ALTER TABLE outbox RENAME TO legacy_outbox;
    CREATE TABLE outbox (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        sealed BLOB NOT NULL,
        created_on TEXT NOT NULL
    ) STRICT;
",
    super::payments::JOURNAL_MIGRATION,
];

/// Where the pinned office sealing key is kept in `settings`.
const KEY_SEAL: &str = "office.seal_public_key";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("kiosk database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("kiosk database: {0}")]
    Migrate(#[from] MigrateError),
    #[error("the office's sealing key is not known yet; nothing can be written")]
    NoOfficeKey,
    #[error("cannot seal: {0}")]
    Seal(#[from] SealError),
}

/// One undelivered row, as sealed on the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedRow {
    /// Order of writing.
    pub seq: i64,
    pub id: OutboxId,
    pub kind: OutboxKind,
    pub sealed: Vec<u8>,
}

/// A row read back from the outbox: deliverable, or damaged beyond what the kiosk can send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PendingRow {
    Sealed(SealedRow),
    /// Kept (it may be evidence of a fault) but skipped, so it never holds up the rest.
    Unreadable {
        seq: i64,
    },
}

impl PendingRow {
    pub fn seq(&self) -> i64 {
        match self {
            PendingRow::Sealed(row) => row.seq,
            PendingRow::Unreadable { seq } => *seq,
        }
    }
}

/// The kiosk database. One connection; the UI thread and the sync worker each open their own.
pub struct KioskStore {
    /// Shared with the payments journal, which settles a payment and writes its outbox row
    /// in one transaction.
    pub(super) conn: Connection,
}

impl KioskStore {
    /// Opens (creating and migrating) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = open_database(path, MIGRATIONS)?;
        // Deleted rows are overwritten with zeros, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        let mut store = Self { conn };
        if let Some(key) = store.office_seal_key()? {
            store.seal_legacy_rows(&key)?;
        }
        Ok(store)
    }

    /// The office sealing key pinned on first contact, if any.
    pub fn office_seal_key(&self) -> Result<Option<SealPublicKey>, StoreError> {
        let Some(text) = self.setting(KEY_SEAL)? else {
            return Ok(None);
        };
        Ok(Some(SealPublicKey::from_base64(&text)?))
    }

    /// Pins the office's sealing key (the caller has checked it against an earlier pin)
    /// and seals any rows left from before outbox rows were sealed.
    pub fn set_office_seal_key(&mut self, key: &SealPublicKey) -> Result<(), StoreError> {
        self.set_setting(KEY_SEAL, &key.to_base64())?;
        self.seal_legacy_rows(key)
    }

    /// Rows written by a version that stored check-ins as plain JSON are sealed into the
    /// new table and wiped. They hold ids and an arrival time only, so until the kiosk first
    /// hears the office's sealing key (it cannot seal without it) they wait where they
    /// are rather than being dropped: losing a check-in is worse than an id at rest a
    /// little longer. The write-ahead log is then checkpointed and truncated so no copy
    /// of the old pages remains there.
    fn seal_legacy_rows(&mut self, key: &SealPublicKey) -> Result<(), StoreError> {
        const EXISTS: &str = "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'legacy_outbox'";
        if !self
            .conn
            .query_row(EXISTS, [], |row| row.get::<_, bool>(0))?
        {
            return Ok(());
        }
        // Immediate, and checked again: the move happens under the write lock, so two
        // connections opening at once cannot both move the same rows.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !tx.query_row(EXISTS, [], |row| row.get::<_, bool>(0))? {
            return Ok(());
        }
        let legacy: Vec<(String, String)> = {
            let mut stmt = tx.prepare("SELECT id, body FROM legacy_outbox ORDER BY rowid")?;
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let sealed_any = !legacy.is_empty();
        for (id, body) in legacy {
            match serde_json::from_str::<CheckInSubmission>(&body) {
                Ok(submission) => {
                    let day = submission
                        .arrived_at
                        .to_zoned(jiff::tz::TimeZone::UTC)
                        .date();
                    insert_sealed(&tx, &OutboxBody::CheckIn(submission), key, day)?;
                }
                // Kept sealed as it is: the office will refuse it and staff see the fault.
                Err(_) => {
                    tracing::error!(outbox = %id, "unreadable plaintext outbox row; sealed as is");
                    tx.execute(
                        "INSERT OR IGNORE INTO outbox (id, kind, sealed, created_on) VALUES (?1, ?2, ?3, '')",
                        params![id, OutboxKind::CheckIn.as_str(), key.seal(body.as_bytes())?],
                    )?;
                }
            }
        }
        tx.execute_batch("DELETE FROM legacy_outbox; DROP TABLE legacy_outbox;")?;
        tx.commit()?;
        if sealed_any {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// Seals a check-in to the office's key, writes it to the outbox and marks its
    /// appointment used, atomically. Without a pinned office key nothing is written
    /// ([`StoreError::NoOfficeKey`]): the kiosk never stores what it cannot seal.
    pub fn enqueue(&mut self, submission: &CheckInSubmission, day: Date) -> Result<(), StoreError> {
        let key = self.office_seal_key()?.ok_or(StoreError::NoOfficeKey)?;
        let tx = self.conn.transaction()?;
        insert_sealed(&tx, &OutboxBody::CheckIn(submission.clone()), &key, day)?;
        tx.execute(
            "INSERT OR IGNORE INTO used_appointments (appointment, day) VALUES (?1, ?2)",
            params![appointment_key(submission.appointment), day.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Seals a returning patient's change to their contact details to the office's key
    /// and writes it to the outbox, to be delivered like a check-in. Without a pinned
    /// office key nothing is written ([`StoreError::NoOfficeKey`]).
    pub fn enqueue_details_change(
        &mut self,
        change: &DetailsChangeSubmission,
        day: Date,
    ) -> Result<(), StoreError> {
        self.enqueue_body(&OutboxBody::DetailsChange(change.clone()), day)
    }

    /// Seals a new patient's registration to the office's key and writes it to the outbox;
    /// a retry of the same id keeps the first row. Without a pinned office key nothing is
    /// written ([`StoreError::NoOfficeKey`]).
    pub fn enqueue_registration(
        &mut self,
        submission: &RegistrationSubmission,
        day: Date,
    ) -> Result<(), StoreError> {
        self.enqueue_body(&OutboxBody::Registration(Box::new(submission.clone())), day)
    }

    /// Seals one finished intake questionnaire to the office's key and writes it to the
    /// outbox; a retry of the same id keeps the first row. Without a pinned office key
    /// nothing is written ([`StoreError::NoOfficeKey`]).
    pub fn enqueue_intake(
        &mut self,
        submission: &IntakeSubmission,
        day: Date,
    ) -> Result<(), StoreError> {
        self.enqueue_body(&OutboxBody::Intake(Box::new(submission.clone())), day)
    }

    /// Seals any outbox row to the office's key and writes it. A check-in goes through
    /// [`Self::enqueue`], so its appointment is marked used in the same transaction.
    pub fn enqueue_body(&mut self, body: &OutboxBody, day: Date) -> Result<(), StoreError> {
        if let OutboxBody::CheckIn(submission) = body {
            return self.enqueue(submission, day);
        }
        let key = self.office_seal_key()?.ok_or(StoreError::NoOfficeKey)?;
        let tx = self.conn.transaction()?;
        insert_sealed(&tx, body, &key, day)?;
        tx.commit()?;
        Ok(())
    }

    /// Undelivered rows written after `after_seq` (0: from the start), oldest first, up to
    /// `limit`. A damaged row comes back as [`PendingRow::Unreadable`], not as an error,
    /// so the rows after it still go out.
    pub fn pending(&self, after_seq: i64, limit: usize) -> Result<Vec<PendingRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT rowid, id, kind, sealed FROM outbox WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
        )?;
        let mut rows = stmt.query(params![after_seq, i64::try_from(limit).unwrap_or(i64::MAX)])?;
        let mut items = Vec::new();
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let id = text(row.get_ref(1)?).and_then(OutboxId::parse);
            let kind = text(row.get_ref(2)?).and_then(OutboxKind::parse);
            let sealed = match row.get_ref(3)? {
                // Shorter than the seal's own overhead: cannot be a sealed box.
                ValueRef::Blob(bytes) if bytes.len() > SEAL_OVERHEAD => Some(bytes.to_vec()),
                _ => None,
            };
            items.push(match (id, kind, sealed) {
                (Some(id), Some(kind), Some(sealed)) => PendingRow::Sealed(SealedRow {
                    seq,
                    id,
                    kind,
                    sealed,
                }),
                _ => PendingRow::Unreadable { seq },
            });
        }
        Ok(items)
    }

    /// Deletes delivered rows, the kiosk keeps nothing it has handed over; one
    /// transaction (one disk flush) for the lot. Safe to delay: a row delivered but not yet
    /// removed is sent again after a crash, and the office recognises its id.
    pub fn acknowledge_all(&mut self, ids: &[OutboxId]) -> Result<(), StoreError> {
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

    /// Rows waiting for delivery (including any unreadable ones).
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

pub(super) fn insert_sealed(
    tx: &Transaction<'_>,
    body: &OutboxBody,
    key: &SealPublicKey,
    day: Date,
) -> Result<(), StoreError> {
    // A retry of the same id keeps the first row.
    tx.execute(
        "INSERT OR IGNORE INTO outbox (id, kind, sealed, created_on) VALUES (?1, ?2, ?3, ?4)",
        params![
            body.id().to_string(),
            body.kind().as_str(),
            body.seal(key)?,
            day.to_string()
        ],
    )?;
    Ok(())
}

fn text(value: ValueRef<'_>) -> Option<&str> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

/// SQLite integers are signed; appointment ids are stored bit-for-bit.
fn appointment_key(id: AppointmentId) -> i64 {
    id.get().cast_signed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::SealedDelivery;
    use crate::seal::SealSecretKey;
    use jiff::civil::date;

    /// A store with an office key pinned, and that office's secret key to read it back.
    fn store_at(path: &Path) -> (KioskStore, SealSecretKey) {
        let office = SealSecretKey::generate().unwrap();
        let mut store = KioskStore::open(path).unwrap();
        store.set_office_seal_key(&office.public_key()).unwrap();
        (store, office)
    }

    #[test]
    fn a_details_change_is_sealed_in_the_outbox_and_uses_no_appointment() {
        use crate::domain::{ChangeSource, ContactField, DetailsChangeId, FieldChange};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        let change = DetailsChangeSubmission {
            id: DetailsChangeId::random(),
            clinic: crate::domain::ClinicId::new(1).unwrap(),
            appointment: AppointmentId::new(42),
            submitted_at: "2026-11-23T15:00:00Z".parse().unwrap(),
            changes: vec![
                FieldChange::new(
                    ContactField::AddressLine1,
                    "123 Example St",
                    ChangeSource::TypedAtKiosk,
                )
                .unwrap(),
            ],
            unchecked_offline: false,
        };
        let mut bare = KioskStore::open(&dir.path().join("bare.db")).unwrap();
        assert!(matches!(
            bare.enqueue_details_change(&change, date(2026, 11, 23)),
            Err(StoreError::NoOfficeKey)
        ));
        let (mut store, office) = store_at(&path);
        store
            .enqueue_details_change(&change, date(2026, 11, 23))
            .unwrap();
        // A retry of the same request is one row.
        store
            .enqueue_details_change(&change, date(2026, 11, 23))
            .unwrap();
        let rows = store.pending(0, 10).unwrap();
        assert_eq!(rows.len(), 1);
        let PendingRow::Sealed(row) = &rows[0] else {
            panic!("unreadable row")
        };
        assert_eq!(row.kind, OutboxKind::DetailsChange);
        let delivery = SealedDelivery {
            id: row.id,
            kind: row.kind,
            sealed: row.sealed.clone(),
        };
        assert_eq!(
            delivery.open(&office),
            Ok(OutboxBody::DetailsChange(change))
        );
        assert!(store.used_on(date(2026, 11, 23)).unwrap().is_empty());
        drop(store);
        let bytes = std::fs::read(&path).unwrap();
        let wal = std::fs::read(dir.path().join("kiosk.db-wal")).unwrap_or_default();
        for file in [bytes, wal] {
            assert!(
                !file.windows(7).any(|w| w == b"Example"),
                "no plaintext at rest"
            );
        }
    }

    fn opened_bodies(rows: Vec<PendingRow>, office: &SealSecretKey) -> Vec<OutboxBody> {
        rows.into_iter()
            .map(|row| {
                let PendingRow::Sealed(row) = row else {
                    panic!("unreadable row")
                };
                let delivery = SealedDelivery {
                    id: row.id,
                    kind: row.kind,
                    sealed: row.sealed,
                };
                delivery.open(office).unwrap()
            })
            .collect()
    }

    fn opened(rows: Vec<PendingRow>, office: &SealSecretKey) -> Vec<CheckInSubmission> {
        opened_bodies(rows, office)
            .into_iter()
            .map(|body| match body {
                OutboxBody::CheckIn(submission) => submission,
                other => panic!("not a check-in: {:?}", other.kind()),
            })
            .collect()
    }

    #[test]
    fn a_registration_is_sealed_kept_once_and_delivered_like_any_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let day = date(2026, 11, 23);
        let registration = RegistrationSubmission::sample();
        let check_in = CheckInSubmission::sample(3);
        {
            let mut store = KioskStore::open(&path).unwrap();
            assert!(matches!(
                store.enqueue_registration(&registration, day),
                Err(StoreError::NoOfficeKey)
            ));
            assert_eq!(store.depth().unwrap(), 0);
        }
        let (mut store, office) = store_at(&path);
        store.enqueue_registration(&registration, day).unwrap();
        store.enqueue_registration(&registration, day).unwrap(); // a retry: no second row
        store
            .enqueue_body(&OutboxBody::CheckIn(check_in.clone()), day)
            .unwrap();
        assert_eq!(store.depth().unwrap(), 2);
        assert_eq!(
            store.used_on(day).unwrap(),
            vec![check_in.appointment],
            "a check-in written as a body still marks its appointment used"
        );
        let rows = store.pending(0, 10).unwrap();
        assert!(
            matches!(&rows[0], PendingRow::Sealed(row) if row.kind == OutboxKind::Registration)
        );
        assert_eq!(
            opened_bodies(rows, &office),
            vec![
                OutboxBody::Registration(Box::new(registration.clone())),
                OutboxBody::CheckIn(check_in)
            ]
        );
        store.acknowledge_all(&[registration.id.into()]).unwrap();
        assert_eq!(store.depth().unwrap(), 1);
    }

    #[test]
    fn outbox_keeps_until_acknowledged_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.db");
        let first = CheckInSubmission::sample(1);
        let second = CheckInSubmission::sample(2);
        let office = {
            let (mut store, office) = store_at(&path);
            store.enqueue(&first, date(2026, 11, 23)).unwrap();
            store.enqueue(&second, date(2026, 11, 23)).unwrap();
            store.enqueue(&first, date(2026, 11, 23)).unwrap(); // a retry: no second row
            office
        };
        let mut store = KioskStore::open(&path).unwrap();
        assert_eq!(store.depth().unwrap(), 2);
        let pending = store.pending(0, 10).unwrap();
        assert_eq!(
            opened(pending.clone(), &office),
            vec![first.clone(), second.clone()]
        );
        assert_eq!(store.pending(pending[0].seq(), 10).unwrap().len(), 1);
        store.acknowledge_all(&[first.id.into()]).unwrap();
        assert_eq!(store.pending(0, 10).unwrap().len(), 1);
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
        let (mut store, office) = store_at(&dir.path().join("k.db"));
        let items: Vec<_> = (1..=5).map(CheckInSubmission::sample).collect();
        for item in &items {
            store.enqueue(item, date(2026, 11, 23)).unwrap();
        }
        store
            .acknowledge_all(&[items[0].id.into(), items[2].id.into(), items[4].id.into()])
            .unwrap();
        let left = opened(store.pending(0, 10).unwrap(), &office);
        assert_eq!(left, vec![items[1].clone(), items[3].clone()]);
        store.acknowledge_all(&[]).unwrap();
        assert_eq!(store.depth().unwrap(), 2);
    }

    #[test]
    fn nothing_is_written_before_the_office_key_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = KioskStore::open(&dir.path().join("k.db")).unwrap();
        let result = store.enqueue(&CheckInSubmission::sample(1), date(2026, 11, 23));
        assert!(matches!(result, Err(StoreError::NoOfficeKey)), "{result:?}");
        assert_eq!(store.depth().unwrap(), 0);
        assert!(store.used_on(date(2026, 11, 23)).unwrap().is_empty());
    }

    #[test]
    fn damaged_rows_are_reported_and_never_hide_the_rows_after_them() {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, office) = store_at(&dir.path().join("k.db"));
        let before = CheckInSubmission::sample(1);
        let after = CheckInSubmission::sample(2);
        store.enqueue(&before, date(2026, 11, 23)).unwrap();
        for (id, kind, sealed) in [
            ("not-a-uuid", "check_in", vec![7u8; 90]),
            (
                "00000000-0000-4000-8000-000000000001",
                "horoscope",
                vec![7; 90],
            ),
            (
                "00000000-0000-4000-8000-000000000002",
                "check_in",
                vec![7; 12],
            ),
        ] {
            store
                .conn
                .execute(
                    "INSERT INTO outbox (id, kind, sealed, created_on) VALUES (?1, ?2, ?3, '')",
                    params![id, kind, sealed],
                )
                .unwrap();
        }
        store.enqueue(&after, date(2026, 11, 23)).unwrap();
        let rows = store.pending(0, 10).unwrap();
        let unreadable = rows
            .iter()
            .filter(|r| matches!(r, PendingRow::Unreadable { .. }))
            .count();
        assert_eq!(unreadable, 3);
        let readable: Vec<_> = rows
            .into_iter()
            .filter(|r| matches!(r, PendingRow::Sealed(_)))
            .collect();
        assert_eq!(opened(readable, &office), vec![before, after]);
        assert_eq!(store.depth().unwrap(), 5);
    }

    #[test]
    fn plaintext_rows_from_before_sealing_wait_for_the_key_then_are_sealed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let old = CheckInSubmission::sample(918_273_645_546_372);
        {
            let conn = open_database(&path, &MIGRATIONS[..1]).unwrap();
            conn.execute(
                "INSERT INTO outbox (id, body, created_at) VALUES (?1, ?2, ?3)",
                params![
                    old.id.to_string(),
                    serde_json::to_string(&old).unwrap(),
                    old.arrived_at.to_string()
                ],
            )
            .unwrap();
            conn.close().unwrap();
        }
        let mut store = KioskStore::open(&path).unwrap();
        assert_eq!(store.depth().unwrap(), 0, "not sealed yet: no key");
        let office = SealSecretKey::generate().unwrap();
        store.set_office_seal_key(&office.public_key()).unwrap();
        assert_eq!(opened(store.pending(0, 10).unwrap(), &office), vec![old]);
        drop(store);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(dir.path().join("k.db-wal")).unwrap_or_default());
        assert!(
            !bytes.windows(15).any(|w| w == b"918273645546372"),
            "the plaintext row is wiped"
        );
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

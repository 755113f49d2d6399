//! The audit log's table: appending a chained entry inside the caller's transaction,
//! reading entries back for staff, chaining the rows written before the chain existed, and
//! walking the chain for `verify-audit` (see `office::audit` for what that proves).

use super::db::{Connection, OptionalExtension, Row, params};
use super::{OfficeStore, StoreError, parse, ts};
use crate::office::audit::chain::{EntryFields, GENESIS, Hash};
use crate::office::audit::verify::{Finding, Tamper};
use crate::office::audit::{AuditAction, AuditContext};
use jiff::Timestamp;

/// The migration step that chains the log (appended to the store's list): the table is
/// rebuilt with `seq` as its key, numbered in the old id order, and left for
/// [`chain_backfill`] to hash in Rust, which SQL cannot; the marker table says it must.
pub(super) const MIGRATION: &str = "
    CREATE TABLE audit_log_v2 (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        origin TEXT,
        prev_hash BLOB,
        hash BLOB
    ) STRICT;
    INSERT INTO audit_log_v2 (seq, at, actor, action, subject)
      SELECT row_number() OVER (ORDER BY id), at, actor, action, subject FROM audit_log;
    DROP TABLE audit_log;
    ALTER TABLE audit_log_v2 RENAME TO audit_log;
    CREATE INDEX audit_log_by_at ON audit_log (at);
    CREATE TABLE audit_chain_backfill (pending INTEGER NOT NULL) STRICT;
";

/// An audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: String,
    /// The stored code (see [`AuditAction::as_str`]); kept as text so that a log holding
    /// a code this build does not know can still be read.
    pub action: String,
    pub subject: String,
    pub origin: Option<String>,
}

/// Which entries to list; every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// At or after.
    pub from: Option<Timestamp>,
    /// Before.
    pub to: Option<Timestamp>,
    /// The actor's label exactly (`staff:NAME`, `kiosk:ID`, `system`).
    pub actor: Option<String>,
    pub action: Option<AuditAction>,
    pub subject: Option<String>,
    /// Entries older than this `seq` (the next page, newest first).
    pub before_seq: Option<u64>,
}

/// Appends an entry chained to the last one, on `conn` (the caller's transaction, so the
/// entry commits or rolls back with the change it records). Public for the benchmark.
pub fn audit_in(
    conn: &Connection,
    now: Timestamp,
    who: &AuditContext,
    action: AuditAction,
    subject: &str,
) -> Result<(), StoreError> {
    let (seq, prev) = tail(conn)?.unwrap_or((0, GENESIS));
    let at = ts(now);
    let actor = who.actor.label();
    let origin = who.origin.map(|ip| ip.to_string());
    let fields = EntryFields {
        seq: seq + 1,
        at: &at,
        actor: &actor,
        action: action.as_str(),
        subject,
        origin: origin.as_deref(),
    };
    let hash = fields.hash(&prev);
    conn.prepare_cached(
        "INSERT INTO audit_log (seq, at, actor, action, subject, origin, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        seq_sql(fields.seq),
        at,
        actor,
        fields.action,
        subject,
        origin,
        prev,
        hash
    ])?;
    Ok(())
}

/// The last entry's `seq` and hash, `None` for an empty log.
pub(crate) fn tail(conn: &Connection) -> Result<Option<(u64, Hash)>, StoreError> {
    let row: Option<(i64, Option<Vec<u8>>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    row.map(|(seq, hash)| {
        Ok((
            u64::try_from(seq).map_err(|_| StoreError::Corrupt("audit seq"))?,
            hash_from(hash).ok_or(StoreError::Corrupt("audit hash"))?,
        ))
    })
    .transpose()
}

/// The stored hash of entry `seq`, `None` when there is no such entry or it has no hash.
pub(crate) fn hash_at(conn: &Connection, seq: u64) -> Result<Option<Hash>, StoreError> {
    let hash: Option<Option<Vec<u8>>> = conn
        .prepare_cached("SELECT hash FROM audit_log WHERE seq = ?1")?
        .query_row([seq_sql(seq)], |row| row.get(0))
        .optional()?;
    Ok(hash.flatten().and_then(|h| hash_from(Some(h))))
}

/// Chains the rows the migration renumbered, once (the marker table goes with it).
pub(super) fn chain_backfill(conn: &mut Connection) -> Result<(), StoreError> {
    let pending: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'audit_chain_backfill')",
        [],
        |row| row.get(0),
    )?;
    if !pending {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let mut prev = GENESIS;
    let mut chained = Vec::new();
    {
        let mut stmt = tx.prepare(
            "SELECT seq, at, actor, action, subject, origin FROM audit_log ORDER BY seq",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let stored = StoredText::from_row(&row)?;
            let hash = stored.fields()?.hash(&prev);
            chained.push((stored.seq, prev, hash));
            prev = hash;
        }
    }
    {
        let mut update =
            tx.prepare("UPDATE audit_log SET prev_hash = ?2, hash = ?3 WHERE seq = ?1")?;
        for (seq, prev, hash) in chained {
            update.execute(params![seq, prev, hash])?;
        }
    }
    tx.execute_batch("DROP TABLE audit_chain_backfill")?;
    tx.commit()?;
    Ok(())
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainWalk {
    /// Entries whose hash and link were checked before the walk stopped.
    pub checked: u64,
    /// The last entry's `seq` and hash (whatever the walk found).
    pub tail: Option<(u64, Hash)>,
    /// The first entry that does not fit, and why.
    pub finding: Option<Finding>,
}

/// How far back or ahead of its place a moved entry is looked for (renumbered entries
/// after an insertion or a deletion of up to this many).
const SHIFT_SEARCH: u64 = 1024;

/// Walks the whole chain in `seq` order, stopping at the first entry that does not fit.
pub fn walk_chain(conn: &Connection) -> Result<ChainWalk, StoreError> {
    let tail = tail(conn).ok().flatten();
    let mut stmt = conn.prepare(
        "SELECT seq, at, actor, action, subject, origin, prev_hash, hash
         FROM audit_log ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut checked = 0u64;
    let mut last: Option<(i64, Hash)> = None;
    while let Some(row) = rows.next()? {
        let stored = StoredText::from_row(&row)?;
        let expected = last.map_or(1, |(seq, _)| seq + 1);
        let before = last.map_or(GENESIS, |(_, hash)| hash);
        let finding = check_one(conn, &stored, expected, &before, &row)?;
        if let Some(finding) = finding {
            return Ok(ChainWalk {
                checked,
                tail,
                finding: Some(finding),
            });
        }
        checked += 1;
        let hash = hash_from(row.get(7)?).ok_or(StoreError::Corrupt("audit hash"))?;
        last = Some((stored.seq, hash));
    }
    Ok(ChainWalk {
        checked,
        tail,
        finding: None,
    })
}

/// `None` when the entry fits after `before` at `expected`; otherwise what went wrong.
fn check_one(
    conn: &Connection,
    stored: &StoredText,
    expected: i64,
    before: &Hash,
    row: &Row<'_>,
) -> Result<Option<Finding>, StoreError> {
    let at = |seq: i64, tamper| {
        Some(Finding {
            seq: u64::try_from(seq).unwrap_or(0),
            tamper,
        })
    };
    if stored.seq > expected {
        let count = u64::try_from(stored.seq - expected).unwrap_or(u64::MAX);
        return Ok(at(expected, Tamper::Deleted { count: Some(count) }));
    }
    if stored.seq < expected {
        // Only a first entry numbered 0 or below gets here (seq is the table's key).
        return Ok(at(stored.seq, Tamper::Inserted));
    }
    let (Some(prev), Some(hash)) = (hash_from(row.get(6)?), hash_from(row.get(7)?)) else {
        return Ok(at(stored.seq, Tamper::Unchained));
    };
    let fields = stored.fields()?;
    let own_ok = fields.hash(&prev) == hash;
    let link_ok = prev == *before;
    if own_ok && link_ok {
        return Ok(None);
    }
    // It follows an entry now placed after it: entries were swapped around.
    let later: Option<i64> = conn
        .prepare_cached("SELECT seq FROM audit_log WHERE hash = ?1 AND seq > ?2 LIMIT 1")?
        .query_row(params![prev, stored.seq], |row| row.get(0))
        .optional()?;
    if later.is_some() {
        return Ok(at(stored.seq, Tamper::Reordered));
    }
    if !own_ok {
        // Written at another position: entries were added or removed before it and the
        // rest renumbered.
        for shift in 1..=SHIFT_SEARCH {
            if fields.seq > shift && fields.hash_as(fields.seq - shift, &prev) == hash {
                return Ok(at(stored.seq - shift as i64, Tamper::Inserted));
            }
            if fields.hash_as(fields.seq + shift, &prev) == hash {
                return Ok(at(stored.seq, Tamper::Deleted { count: Some(shift) }));
            }
        }
        // The entry after it still follows the one before it: this one was slipped in.
        let next_prev: Option<Option<Vec<u8>>> = conn
            .prepare_cached("SELECT prev_hash FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT 1")?
            .query_row([stored.seq], |row| row.get(0))
            .optional()?;
        if next_prev.flatten().and_then(|h| hash_from(Some(h))) == Some(*before) {
            return Ok(at(stored.seq, Tamper::Inserted));
        }
        return Ok(at(stored.seq, Tamper::Edited));
    }
    // Its own hash holds but it no longer follows the entry before it, which is nowhere
    // else: that one was changed and its hash made again.
    if fields.seq > 1 {
        return Ok(at(stored.seq - 1, Tamper::Edited));
    }
    Ok(at(stored.seq, Tamper::Deleted { count: None }))
}

/// One row's hashed columns as stored.
struct StoredText {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    subject: String,
    origin: Option<String>,
}

impl StoredText {
    fn from_row(row: &Row<'_>) -> super::db::Result<Self> {
        Ok(Self {
            seq: row.get(0)?,
            at: row.get(1)?,
            actor: row.get(2)?,
            action: row.get(3)?,
            subject: row.get(4)?,
            origin: row.get(5)?,
        })
    }

    fn fields(&self) -> Result<EntryFields<'_>, StoredError> {
        Ok(EntryFields {
            seq: u64::try_from(self.seq).map_err(|_| StoredError)?,
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            subject: &self.subject,
            origin: self.origin.as_deref(),
        })
    }
}

/// A `seq` at or below zero, which the hub never writes.
struct StoredError;

impl From<StoredError> for StoreError {
    fn from(_: StoredError) -> Self {
        StoreError::Corrupt("audit seq")
    }
}

fn hash_from(bytes: Option<Vec<u8>>) -> Option<Hash> {
    bytes.and_then(|b| b.try_into().ok())
}

fn seq_sql(seq: u64) -> i64 {
    // A log of 2^63 entries is out of reach; saturate rather than wrap.
    i64::try_from(seq).unwrap_or(i64::MAX)
}

impl OfficeStore {
    /// Writes an audit entry (who looked at or changed what; ids only, never names).
    pub fn audit(
        &mut self,
        now: Timestamp,
        who: impl Into<AuditContext>,
        action: AuditAction,
        subject: &str,
    ) -> Result<(), StoreError> {
        audit_in(&self.conn, now, &who.into(), action, subject)
    }

    /// The newest audit entries, newest first.
    pub fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.audit_entries(&AuditFilter::default(), limit)
    }

    /// Entries matching `filter`, newest first, at most `limit`.
    pub fn audit_entries(
        &self,
        filter: &AuditFilter,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, at, actor, action, subject, origin FROM audit_log
             WHERE (CAST(?1 AS TEXT) IS NULL OR at >= ?1)
               AND (CAST(?2 AS TEXT) IS NULL OR at < ?2)
               AND (CAST(?3 AS TEXT) IS NULL OR actor = ?3)
               AND (CAST(?4 AS TEXT) IS NULL OR action = ?4)
               AND (CAST(?5 AS TEXT) IS NULL OR subject = ?5)
               AND (CAST(?6 AS BIGINT) IS NULL OR seq < ?6)
             ORDER BY seq DESC LIMIT ?7",
        )?;
        let rows = stmt.query_map(
            params![
                filter.from.map(ts),
                filter.to.map(ts),
                filter.actor,
                filter.action.map(AuditAction::as_str),
                filter.subject,
                filter.before_seq.map(seq_sql),
                i64::try_from(limit).unwrap_or(i64::MAX),
            ],
            StoredText::from_row,
        )?;
        rows.map(|row| {
            let row = row?;
            Ok(AuditEntry {
                seq: u64::try_from(row.seq).map_err(|_| StoreError::Corrupt("audit seq"))?,
                at: parse(&row.at, "audit time")?,
                actor: row.actor,
                action: row.action,
                subject: row.subject,
                origin: row.origin,
            })
        })
        .collect()
    }

    /// The last entry's `seq` and hash (what a checkpoint signs).
    pub fn audit_tail(&self) -> Result<Option<(u64, Hash)>, StoreError> {
        tail(&self.conn)
    }

    /// Walks the chain (see [`walk_chain`]).
    pub fn verify_audit_chain(&self) -> Result<ChainWalk, StoreError> {
        walk_chain(&self.conn)
    }

    /// The raw connection, for tests that tamper with the log on purpose.
    #[cfg(test)]
    pub(crate) fn conn_for_tests(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::office::store::Actor;

    fn store_with(entries: u64) -> (tempfile::TempDir, OfficeStore) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let now: Timestamp = "2026-12-03T10:00:00Z".parse().unwrap();
        for n in 0..entries {
            store
                .audit(
                    now,
                    Actor::System,
                    AuditAction::QueueView,
                    &format!("subject-{n}"),
                )
                .unwrap();
        }
        (dir, store)
    }

    fn finding(store: &OfficeStore) -> Option<Finding> {
        store.verify_audit_chain().unwrap().finding
    }

    #[test]
    fn an_untouched_chain_verifies_and_filters_work() {
        let (_dir, store) = store_with(5);
        let walk = store.verify_audit_chain().unwrap();
        assert_eq!(walk.checked, 5);
        assert_eq!(walk.finding, None);
        let page = store
            .audit_entries(
                &AuditFilter {
                    before_seq: Some(4),
                    ..AuditFilter::default()
                },
                2,
            )
            .unwrap();
        assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 2]);
        let one = store
            .audit_entries(
                &AuditFilter {
                    subject: Some("subject-0".into()),
                    action: Some(AuditAction::QueueView),
                    ..AuditFilter::default()
                },
                10,
            )
            .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].seq, 1);
    }

    #[test]
    fn each_kind_of_tampering_is_named_at_its_seq() {
        let cases: [(&str, Finding); 6] = [
            (
                "UPDATE audit_log SET subject = 'other' WHERE seq = 3",
                Finding {
                    seq: 3,
                    tamper: Tamper::Edited,
                },
            ),
            (
                "DELETE FROM audit_log WHERE seq = 3",
                Finding {
                    seq: 3,
                    tamper: Tamper::Deleted { count: Some(1) },
                },
            ),
            (
                "DELETE FROM audit_log WHERE seq = 3;
                 UPDATE audit_log SET seq = seq - 1 WHERE seq > 3",
                Finding {
                    seq: 3,
                    tamper: Tamper::Deleted { count: Some(1) },
                },
            ),
            (
                "UPDATE audit_log SET seq = -seq WHERE seq >= 3;
                 UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;
                 INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, hash)
                   SELECT 3, at, actor, action, 'made-up', prev_hash, hash
                   FROM audit_log WHERE seq = 4",
                Finding {
                    seq: 3,
                    tamper: Tamper::Inserted,
                },
            ),
            (
                "UPDATE audit_log SET seq = -1 WHERE seq = 3;
                 UPDATE audit_log SET seq = 3 WHERE seq = 4;
                 UPDATE audit_log SET seq = 4 WHERE seq = -1",
                Finding {
                    seq: 3,
                    tamper: Tamper::Reordered,
                },
            ),
            (
                "UPDATE audit_log SET hash = NULL WHERE seq = 2",
                Finding {
                    seq: 2,
                    tamper: Tamper::Unchained,
                },
            ),
        ];
        for (sql, expected) in cases {
            let (_dir, store) = store_with(5);
            store.conn_for_tests().execute_batch(sql).unwrap();
            assert_eq!(finding(&store), Some(expected), "{sql}");
        }
    }

    #[test]
    fn an_inserted_entry_with_a_correct_hash_is_found_at_its_place() {
        let (_dir, store) = store_with(5);
        let conn = store.conn_for_tests();
        conn.execute_batch(
            "UPDATE audit_log SET seq = -seq WHERE seq >= 3;
             UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;",
        )
        .unwrap();
        // Made as the hub would have made it, after entry 2.
        let prev = hash_at(conn, 2).unwrap().unwrap();
        let fields = EntryFields {
            seq: 3,
            at: "2026-12-03T10:00:00.000000Z",
            actor: "system",
            action: "queue.view",
            subject: "made-up",
            origin: None,
        };
        conn.execute(
            "INSERT INTO audit_log (seq, at, actor, action, subject, prev_hash, hash)
             VALUES (3, ?1, 'system', 'queue.view', 'made-up', ?2, ?3)",
            params![fields.at, prev, fields.hash(&prev)],
        )
        .unwrap();
        assert_eq!(
            finding(&store),
            Some(Finding {
                seq: 3,
                tamper: Tamper::Inserted
            })
        );
    }

    #[test]
    fn migration_chains_the_rows_already_there() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("office.db");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            let before = super::super::MIGRATIONS
                .iter()
                .position(|step| *step == MIGRATION)
                .unwrap();
            crate::store::migrate(&mut conn, &super::super::MIGRATIONS[..before]).unwrap();
            for (id, action) in [(5, "queue.view"), (9, "check_in.create")] {
                conn.execute(
                    "INSERT INTO audit_log (id, at, actor, action, subject)
                     VALUES (?1, '2026-12-01T09:00:00.000000Z', 'system', ?2, 'x')",
                    rusqlite::params![id, action],
                )
                .unwrap();
            }
        }
        let store = OfficeStore::open(&path).unwrap();
        let walk = store.verify_audit_chain().unwrap();
        assert_eq!((walk.checked, walk.finding), (2, None));
        let log = store.audit_log(10).unwrap();
        assert_eq!(log[0].seq, 2);
        assert_eq!(log[0].action, "check_in.create");
        drop(store);
        // Opening again chains nothing twice.
        let store = OfficeStore::open(&path).unwrap();
        assert_eq!(store.verify_audit_chain().unwrap().finding, None);
    }
}

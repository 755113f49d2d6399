//! Schema migrations by `PRAGMA user_version`: each step runs once, in order, in a transaction.

use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("database schema {found} is newer than this program knows ({known})")]
    TooNew { found: usize, known: usize },
    #[error("migration failed: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// Opens a database in WAL mode with `synchronous=FULL` (a check-in a patient was told
/// about must survive a power cut) and brings its schema up to date.
pub fn open_database(path: &std::path::Path, steps: &[&str]) -> Result<Connection, MigrateError> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    migrate(&mut conn, steps)?;
    Ok(conn)
}

/// Brings the schema up to date with `steps` (step `i` moves version `i` to `i + 1`).
pub fn migrate(conn: &mut Connection, steps: &[&str]) -> Result<(), MigrateError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let version = usize::try_from(version).unwrap_or(usize::MAX);
    if version > steps.len() {
        return Err(MigrateError::TooNew {
            found: version,
            known: steps.len(),
        });
    }
    for (index, step) in steps.iter().enumerate().skip(version) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

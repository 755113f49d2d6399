//! Schema migrations by `PRAGMA user_version`: each step runs once, in order, in a transaction.

use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("database schema {found} is newer than this program knows ({known})")]
    TooNew { found: usize, known: usize },
    #[error("migration failed: {0}")]
    Sql(#[from] rusqlite::Error),
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

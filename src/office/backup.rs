//! `frontdesk-office backup --to FILE`: a copy of the office database taken while the hub
//! runs, with SQLite's online backup API, then checked before it is called a backup.
//!
//! The copy is read in one step inside one read transaction, so it is the database as of
//! one commit: in WAL mode that neither blocks the hub's writers nor sees half of their
//! transactions. It is written beside `FILE` and renamed onto it only once it opens,
//! passes `PRAGMA integrity_check` and its audit chain verifies against the signed
//! checkpoints that cover it. Those checkpoints are written beside it
//! (`FILE.audit-checkpoints.txt`): the live file goes on signing entries the copy does
//! not have, and a restore puts this one in its place (see README, "Backup and restore").
//!
//! The data directory's keys (token signing, outbox sealing, identity, TLS) are not in
//! the database and never change once made: they are backed up once, on their own.

use super::audit::checkpoint::{self, Checkpoint, CheckpointError};
use super::audit::verify::{self, VerifyError};
use super::keys::{self, KeyError};
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The database file in a data directory.
pub const DATABASE: &str = "office.db";
/// What is appended to the backup's name for the checkpoints that cover it.
pub const CHECKPOINTS_SUFFIX: &str = ".audit-checkpoints.txt";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("no database at {0}")]
    NoDatabase(PathBuf),
    #[error("office database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("cannot write the backup: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database stayed locked for a minute; try again")]
    Busy,
    #[error("the copy fails PRAGMA integrity_check: {0}")]
    Integrity(String),
    #[error("the copy's audit log does not verify: {0}")]
    Audit(String),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    #[error(transparent)]
    Checkpoints(#[from] CheckpointError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// What a backup copied and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// Audit entries in the copy (its last seq), all verified.
    pub audit_entries: u64,
    /// Signed checkpoints covering the copy, written beside it.
    pub checkpoints: usize,
    pub elapsed: Duration,
}

/// The checkpoint file that goes with the backup at `to`.
pub fn checkpoints_path(to: &Path) -> PathBuf {
    let mut name = to.as_os_str().to_owned();
    name.push(CHECKPOINTS_SUFFIX);
    PathBuf::from(name)
}

/// Copies `data_dir`'s database to `to` (replacing it only once the copy is checked).
pub fn backup(data_dir: &Path, to: &Path) -> Result<BackupReport, BackupError> {
    let started = Instant::now();
    let source_path = data_dir.join(DATABASE);
    if !source_path.exists() {
        return Err(BackupError::NoDatabase(source_path));
    }
    // Read-write without create: a read-only connection cannot always join a WAL
    // database whose hub is stopped; nothing is written through it.
    let source = Connection::open_with_flags(
        &source_path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    source.busy_timeout(Duration::from_secs(10))?;
    let partial = with_suffix(to, ".partial");
    let partial_checkpoints = with_suffix(&checkpoints_path(to), ".partial");
    remove_if_there(&partial)?;
    let mut copy = Connection::open(&partial)?;
    copy_all(&source, &mut copy)?;
    drop(source);
    // One self-contained file (the hub turns WAL back on when it opens a restored copy).
    copy.pragma_update(None, "journal_mode", "DELETE")?;
    let integrity: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if integrity != "ok" {
        return Err(BackupError::Integrity(integrity));
    }
    let key = keys::load_verifying(data_dir)?;
    let tail = last_seq(&copy)?;
    let covering: Vec<Checkpoint> = checkpoint::read(data_dir)?
        .into_iter()
        .filter(|c| tail.is_some_and(|tail| c.seq <= tail))
        .collect();
    let copy = crate::office::store::db::Connection::sqlite(copy);
    let report = verify::verify(&copy, &covering, key.as_ref())?;
    if let Some(first) = report.findings.first() {
        return Err(BackupError::Audit(first.to_string()));
    }
    drop(copy);
    write_synced(
        &partial_checkpoints,
        covering
            .iter()
            .map(Checkpoint::line)
            .collect::<String>()
            .as_bytes(),
    )?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial_checkpoints, checkpoints_path(to))?;
    std::fs::rename(&partial, to)?;
    sync_dir(to)?;
    Ok(BackupReport {
        path: to.to_owned(),
        bytes: std::fs::metadata(to)?.len(),
        audit_entries: tail.unwrap_or(0),
        checkpoints: covering.len(),
        elapsed: started.elapsed(),
    })
}

/// How often a step the hub's locks refused is tried again, [`RETRY`] apart.
const TRIES: u32 = 600;
const RETRY: Duration = Duration::from_millis(100);

/// Copies every page in one step (-1), so in one read transaction: the copy is one
/// commit's state. A step refused for a lock is tried again a little later.
fn copy_all(source: &Connection, copy: &mut Connection) -> Result<(), BackupError> {
    let backup = Backup::new(source, copy)?;
    for _ in 0..TRIES {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            _ => std::thread::sleep(RETRY),
        }
    }
    Err(BackupError::Busy)
}

fn last_seq(conn: &Connection) -> Result<Option<u64>, BackupError> {
    let seq: Option<i64> =
        conn.query_row("SELECT max(seq) FROM audit_log", [], |row| row.get(0))?;
    Ok(seq.and_then(|s| u64::try_from(s).ok()))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The renames survive a power cut once the directory is synced.
fn sync_dir(file: &Path) -> std::io::Result<()> {
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)?.sync_all()
}

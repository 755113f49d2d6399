//! `verify-audit`: walks the chain in the data directory's database (opened read-only)
//! and checks it against the signed checkpoints; names the first entry that does not fit
//! and how (see the module above for what can and cannot be hidden).

use super::checkpoint::{self, Checkpoint, CheckpointError};
use crate::domain::ClinicId;
use crate::office::keys::{self, KeyError};
use crate::office::store::db::Connection;
use crate::office::store::{DatabaseConfig, OfficeStore, StoreError, audit as store_audit};
use ed25519_dalek::VerifyingKey;
use rusqlite::OpenFlags;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How an entry (or the log's end) does not fit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// Its contents no longer match its hash.
    Edited,
    /// It was not in the chain as written (added later, the rest renumbered or not).
    Inserted,
    /// Entries before it are gone (`count` when it can be told).
    Deleted { count: Option<u64> },
    /// It follows an entry now placed after it.
    Reordered,
    /// It has no hash: written behind the hub's back.
    Unchained,
    /// The log ends before a signed checkpoint: entries were cut off its end.
    Truncated { checkpoint: u64 },
    /// The chain's hash here differs from the signed checkpoint: rewritten up to here.
    Rewritten,
    /// A checkpoint whose signature does not verify (line of the checkpoint file).
    BadCheckpoint { line: usize },
}

/// The first place the log does not fit, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub seq: u64,
    pub tamper: Tamper,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seq = self.seq;
        match &self.tamper {
            Tamper::Edited => write!(f, "seq {seq}: edited (contents do not match its hash)"),
            Tamper::Inserted => write!(f, "seq {seq}: inserted (not in the chain as written)"),
            Tamper::Deleted { count: Some(n) } => {
                write!(f, "seq {seq}: deleted ({n} entr(ies) missing here)")
            }
            Tamper::Deleted { count: None } => {
                write!(f, "seq {seq}: deleted (the entry it followed is gone)")
            }
            Tamper::Reordered => {
                write!(f, "seq {seq}: reordered (it follows an entry now after it)")
            }
            Tamper::Unchained => write!(f, "seq {seq}: inserted (it has no hash)"),
            Tamper::Truncated { checkpoint } => write!(
                f,
                "seq {seq}: truncated (the log ends before the signed checkpoint at seq {checkpoint})"
            ),
            Tamper::Rewritten => write!(
                f,
                "seq {seq}: rewritten (the chain's hash differs from the signed checkpoint)"
            ),
            Tamper::BadCheckpoint { line } => write!(
                f,
                "seq {seq}: checkpoint signature broken (line {line} of {})",
                checkpoint::FILE
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("no database at {0}")]
    NoDatabase(PathBuf),
    #[error("cannot read the database: {0}")]
    Open(#[from] rusqlite::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Checkpoints(#[from] CheckpointError),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Entries whose hash and link were checked.
    pub checked: u64,
    /// The last entry's seq.
    pub last_seq: Option<u64>,
    pub checkpoints: usize,
    /// The highest checkpoint whose signature verified.
    pub last_checkpoint: Option<u64>,
    /// Everything that does not fit, first seq first; empty when the log verifies.
    pub findings: Vec<Finding>,
    pub elapsed: Duration,
}

/// Verifies the log in `data_dir` (`office.db`, the checkpoint file, the signing key).
pub fn verify_data_dir(data_dir: &Path) -> Result<Report, VerifyError> {
    let path = data_dir.join("office.db");
    if !path.exists() {
        return Err(VerifyError::NoDatabase(path));
    }
    let conn = Connection::sqlite(rusqlite::Connection::open_with_flags(
        &path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?);
    let checkpoints = checkpoint::read(data_dir)?;
    let key = keys::load_verifying(data_dir)?;
    verify(&conn, &checkpoints, key.as_ref())
}

/// Verifies the log of the store `database` names (the SQLite file in `data_dir`, or
/// practice `clinic`'s chain on PostgreSQL, read in one snapshot while hubs go on
/// writing) against the checkpoints and key in `data_dir`.
pub fn verify_configured(
    database: &DatabaseConfig,
    clinic: ClinicId,
    data_dir: &Path,
) -> Result<Report, VerifyError> {
    let Some(server) = database.server().map_err(StoreError::from)? else {
        return verify_data_dir(data_dir);
    };
    let store = OfficeStore::postgres_snapshot(&server.for_clinic(clinic))?;
    let checkpoints = checkpoint::read(data_dir)?;
    let key = keys::load_verifying(data_dir)?;
    verify(store.connection(), &checkpoints, key.as_ref())
}

/// Verifies the log on `conn` against `checkpoints` signed by `key` (none known: every
/// checkpoint counts as broken).
pub fn verify(
    conn: &Connection,
    checkpoints: &[Checkpoint],
    key: Option<&VerifyingKey>,
) -> Result<Report, VerifyError> {
    let started = Instant::now();
    let walk = store_audit::walk_chain(conn)?;
    let mut findings: Vec<Finding> = walk.finding.into_iter().collect();
    let last_seq = walk.tail.map(|(seq, _)| seq);
    let mut last_checkpoint = None;
    for (index, checkpoint) in checkpoints.iter().enumerate() {
        if !key.is_some_and(|key| checkpoint.is_signed_by(key)) {
            findings.push(Finding {
                seq: checkpoint.seq,
                tamper: Tamper::BadCheckpoint { line: index + 1 },
            });
            continue;
        }
        last_checkpoint = last_checkpoint.max(Some(checkpoint.seq));
        if last_seq.is_some_and(|last| last >= checkpoint.seq)
            && store_audit::hash_at(conn, checkpoint.seq)? != Some(checkpoint.hash)
        {
            findings.push(Finding {
                seq: checkpoint.seq,
                tamper: Tamper::Rewritten,
            });
        }
    }
    if let Some(checkpoint) = last_checkpoint
        && last_seq.is_none_or(|last| last < checkpoint)
    {
        findings.push(Finding {
            seq: last_seq.map_or(1, |last| last + 1),
            tamper: Tamper::Truncated { checkpoint },
        });
    }
    findings.sort_by_key(|f| f.seq);
    findings.dedup();
    Ok(Report {
        checked: walk.checked,
        last_seq,
        checkpoints: checkpoints.len(),
        last_checkpoint,
        findings,
        elapsed: started.elapsed(),
    })
}

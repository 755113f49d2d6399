//! Signed checkpoints: now and then the hub signs the chain's tail (`seq` and hash) with
//! its Ed25519 key and appends it to a file beside the database, so cutting entries off
//! the end of the log, or recomputing the whole chain, shows against the last one.
//!
//! One checkpoint per line: `v1 SEQ HASH-HEX AT SIGNATURE-BASE64`. The signature covers a
//! domain tag, `seq` (8 bytes big-endian), the hash and `at` (length-prefixed), so a
//! checkpoint cannot be replayed as anything else the key signs (check-in tokens).

use super::chain::{self, Hash};
use crate::office::store::{StoreError, StoreHandle};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use jiff::Timestamp;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The checkpoint file in the data directory.
pub const FILE: &str = "audit-checkpoints.txt";
/// A checkpoint is written once this many entries have been added since the last one
/// (looked at every [`TICK`])...
pub const EVERY: u64 = 1000;
/// ...or this long after the last one when any entry was added, and at shutdown.
pub const INTERVAL: std::time::Duration = std::time::Duration::from_secs(600);

const DOMAIN: &[u8] = b"frontdesk audit checkpoint v1\0";

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot read or write the checkpoint file: {0}")]
    Io(#[from] std::io::Error),
    #[error("checkpoint file line {line}: {why}")]
    Malformed { line: usize, why: &'static str },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The chain's tail, signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: Hash,
    pub at: Timestamp,
    pub signature: Signature,
}

impl Checkpoint {
    pub fn sign(key: &SigningKey, seq: u64, hash: Hash, at: Timestamp) -> Self {
        let signature = key.sign(&message(seq, &hash, at));
        Self {
            seq,
            hash,
            at,
            signature,
        }
    }

    /// Whether `key` signed exactly this.
    pub fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        key.verify(&message(self.seq, &self.hash, self.at), &self.signature)
            .is_ok()
    }

    /// The checkpoint as a line of the checkpoint file (with its line end).
    pub fn line(&self) -> String {
        format!(
            "v1 {} {} {} {}\n",
            self.seq,
            chain::to_hex(&self.hash),
            self.at,
            STANDARD_NO_PAD.encode(self.signature.to_bytes())
        )
    }
}

fn message(seq: u64, hash: &Hash, at: Timestamp) -> Vec<u8> {
    let at = at.to_string();
    let mut out = Vec::with_capacity(DOMAIN.len() + 8 + 32 + 4 + at.len());
    out.extend_from_slice(DOMAIN);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(&u32::try_from(at.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(at.as_bytes());
    out
}

/// Parses a checkpoint file's text (lines numbered from 1 in errors). Signatures are not
/// checked here.
pub fn parse(text: &str) -> Result<Vec<Checkpoint>, CheckpointError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let malformed = |why| CheckpointError::Malformed {
                line: index + 1,
                why,
            };
            let mut parts = line.split(' ');
            let (Some("v1"), Some(seq), Some(hash), Some(at), Some(signature), None) = (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Err(malformed("expected: v1 SEQ HASH AT SIGNATURE"));
            };
            let signature: [u8; 64] = STANDARD_NO_PAD
                .decode(signature)
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| malformed("signature is not 64 bytes of base64"))?;
            Ok(Checkpoint {
                seq: seq.parse().map_err(|_| malformed("seq is not a number"))?,
                hash: chain::from_hex(hash)
                    .ok_or_else(|| malformed("hash is not 64 hex digits"))?,
                at: at.parse().map_err(|_| malformed("time is not RFC 3339"))?,
                signature: Signature::from_bytes(&signature),
            })
        })
        .collect()
}

/// The checkpoints in `dir`; none when the file does not exist yet.
pub fn read(dir: &Path) -> Result<Vec<Checkpoint>, CheckpointError> {
    match std::fs::read_to_string(dir.join(FILE)) {
        Ok(text) => parse(&text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(error) => Err(error.into()),
    }
}

/// Writes checkpoints for a running hub; see [`EVERY`] and [`INTERVAL`].
pub struct Checkpointer {
    file: PathBuf,
    key: std::sync::Arc<SigningKey>,
    /// The last checkpoint written: its seq and when.
    last: Mutex<Option<(u64, Timestamp)>>,
}

impl Checkpointer {
    /// Continues the checkpoint file in `dir` (an unreadable file is continued too: the
    /// new lines are good, and `verify-audit` reports the bad ones).
    pub fn new(dir: &Path, key: std::sync::Arc<SigningKey>) -> Self {
        let last = read(dir)
            .ok()
            .and_then(|list| list.last().map(|c| (c.seq, c.at)));
        Self {
            file: dir.join(FILE),
            key,
            last: Mutex::new(last),
        }
    }

    /// Signs the store's tail if it is due (see [`Self::maybe_write`]); failures are
    /// logged, the hub carries on. Blocking: run it off the async threads.
    pub fn tick(&self, store: &StoreHandle, force: bool) {
        let tail = store.get().and_then(|store| store.audit_tail());
        let written = tail
            .map_err(CheckpointError::from)
            .and_then(|tail| self.maybe_write(tail, Timestamp::now(), force));
        if let Err(error) = written {
            tracing::error!(%error, "cannot sign an audit checkpoint");
        }
    }

    /// Signs `tail` if [`EVERY`] entries or [`INTERVAL`] have passed since the last
    /// checkpoint (`force`: whenever the tail moved, as at shutdown). Returns the seq
    /// signed, if any.
    pub fn maybe_write(
        &self,
        tail: Option<(u64, Hash)>,
        now: Timestamp,
        force: bool,
    ) -> Result<Option<u64>, CheckpointError> {
        let Some((seq, hash)) = tail else {
            return Ok(None);
        };
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let due = match *last {
            None => true,
            Some((done, _)) if done >= seq => false,
            Some((done, at)) => {
                force || seq - done >= EVERY || now.duration_since(at).unsigned_abs() >= INTERVAL
            }
        };
        if !due {
            return Ok(None);
        }
        let checkpoint = Checkpoint::sign(&self.key, seq, hash, now);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)?;
        file.write_all(checkpoint.line().as_bytes())?;
        file.sync_all()?;
        *last = Some((seq, now));
        // A second anchor wherever the journal goes: ids and hashes only.
        tracing::info!(seq, hash = %chain::to_hex(&hash), "audit checkpoint signed");
        Ok(Some(seq))
    }

    /// Checks every [`TICK`] until the hub stops, then signs whatever tail is left.
    pub async fn run(
        self: std::sync::Arc<Self>,
        store: StoreHandle,
        mut stopping: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut every = tokio::time::interval(TICK);
        loop {
            let stop = tokio::select! {
                _ = every.tick() => false,
                _ = stopping.wait_for(|stop| *stop) => true,
            };
            let (me, store) = (self.clone(), store.clone());
            let _ = tokio::task::spawn_blocking(move || me.tick(&store, stop)).await;
            if stop {
                return;
            }
        }
    }
}

/// How often a running hub looks whether a checkpoint is due.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(15);

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    #[test]
    fn a_checkpoint_line_parses_back_and_verifies() {
        let at: Timestamp = "2026-12-03T10:00:00Z".parse().unwrap();
        let checkpoint = Checkpoint::sign(&key(), 42, [9; 32], at);
        let parsed = parse(&checkpoint.line()).unwrap();
        assert_eq!(parsed, vec![checkpoint.clone()]);
        assert!(parsed[0].is_signed_by(&key().verifying_key()));
        let moved = Checkpoint {
            seq: 43,
            ..checkpoint
        };
        assert!(!moved.is_signed_by(&key().verifying_key()));
    }

    #[test]
    fn a_checkpoint_is_written_when_due_and_not_twice() {
        let dir = tempfile::tempdir().unwrap();
        let writer = Checkpointer::new(dir.path(), std::sync::Arc::new(key()));
        let at: Timestamp = "2026-12-03T10:00:00Z".parse().unwrap();
        assert_eq!(writer.maybe_write(None, at, true).unwrap(), None);
        assert_eq!(
            writer.maybe_write(Some((5, [1; 32])), at, false).unwrap(),
            Some(5)
        );
        assert_eq!(
            writer.maybe_write(Some((5, [1; 32])), at, true).unwrap(),
            None
        );
        assert_eq!(
            writer.maybe_write(Some((6, [2; 32])), at, false).unwrap(),
            None
        );
        assert_eq!(
            writer.maybe_write(Some((6, [2; 32])), at, true).unwrap(),
            Some(6)
        );
        let later = at + INTERVAL;
        assert_eq!(
            writer
                .maybe_write(Some((7, [3; 32])), later, false)
                .unwrap(),
            Some(7)
        );
        let list = read(dir.path()).unwrap();
        assert_eq!(
            list.iter().map(|c| c.seq).collect::<Vec<_>>(),
            vec![5, 6, 7]
        );
        // A restarted hub continues after the last one.
        let again = Checkpointer::new(dir.path(), std::sync::Arc::new(key()));
        assert_eq!(
            again.maybe_write(Some((7, [3; 32])), later, true).unwrap(),
            None
        );
    }

    #[test]
    fn malformed_lines_are_named() {
        for (text, why) in [
            ("v2 1 aa 2026-12-03T10:00:00Z sig", "expected"),
            ("v1 x 00 2026-12-03T10:00:00Z sig", "signature"),
            ("v1 1 00 2026-12-03T10:00:00Z", "expected"),
        ] {
            let error = parse(&format!("\n{text}\n")).unwrap_err().to_string();
            assert!(error.contains("line 2") && error.contains(why), "{error}");
        }
    }
}

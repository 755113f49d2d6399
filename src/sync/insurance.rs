//! The office's insurance reference (payer list, trusted SMART Health Card issuers) kept
//! on the kiosk: the last answer is written to `<data_dir>/insurance.json` (it holds no
//! PHI), so a restarted kiosk searches the same payers and trusts the same issuers before
//! it reaches the office. Until the office first answers there is none: the payer is typed
//! and no health card verifies.

use crate::api::InsuranceReference;
use std::path::{Path, PathBuf};

/// The file's name in the kiosk's data directory.
pub const INSURANCE_FILE: &str = "insurance.json";

/// Why the insurance file could not be read or written. Names the path only.
#[derive(Debug, thiserror::Error)]
pub enum InsuranceFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not an insurance reference (line {line}, column {column})")]
    Garbled {
        path: PathBuf,
        line: usize,
        column: usize,
    },
}

/// The reference kept at `path`; `Ok(None)` when there is no file yet.
pub fn load(path: &Path) -> Result<Option<InsuranceReference>, InsuranceFileError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(InsuranceFileError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| InsuranceFileError::Garbled {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
        })
}

/// The reference to start with, or `None` (logged) when there is none or it is damaged.
pub fn load_kept(path: &Path) -> Option<InsuranceReference> {
    match load(path) {
        Ok(Some(reference)) => {
            tracing::info!(revision = %reference.revision, payers = reference.payers.len(), "insurance reference loaded from the last office answer");
            Some(reference)
        }
        Ok(None) => None,
        Err(error) => {
            tracing::error!(%error, "kept insurance reference unusable; waiting for the office");
            None
        }
    }
}

/// Writes the office's answer to `path` atomically.
pub fn save(path: &Path, reference: &InsuranceReference) -> Result<(), InsuranceFileError> {
    super::forms::write_json_atomically(path, reference).map_err(|source| InsuranceFileError::Io {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PayerListEntry;
    use crate::domain::{PayerId, PayerName};

    #[test]
    fn a_saved_reference_loads_back_and_a_damaged_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(INSURANCE_FILE);
        assert!(load(&path).unwrap().is_none());
        let reference = InsuranceReference {
            revision: "r3".into(),
            payers: vec![PayerListEntry {
                id: PayerId::new("TSTPAYER1").unwrap(),
                name: PayerName::new("Testpayer Health Plan").unwrap(),
            }],
            shc_issuers: Vec::new(),
        };
        save(&path, &reference).unwrap();
        assert_eq!(load_kept(&path), Some(reference));
        assert!(!dir.path().join("insurance.json.tmp").exists());
        std::fs::write(&path, b"[1, 2").unwrap();
        assert!(matches!(
            load(&path),
            Err(InsuranceFileError::Garbled { .. })
        ));
        assert_eq!(load_kept(&path), None);
    }
}

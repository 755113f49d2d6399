//! The office's forms (consent documents, questionnaires) kept on the kiosk: the last set
//! that parsed and checked here is written to `<data_dir>/forms.json` (it holds no PHI),
//! so a restarted kiosk asks the same forms before it reaches the office. A set the kiosk
//! cannot use never replaces it.

use crate::api::FormsResponse;
use crate::checkin::{Forms, FormsError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The file's name in the kiosk's data directory.
pub const FORMS_FILE: &str = "forms.json";

/// Why the forms file could not be read or written. Names the path, never a form's text.
#[derive(Debug, thiserror::Error)]
pub enum FormsFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a forms file (line {line}, column {column})")]
    Garbled {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    #[error("{path}: {error}")]
    Refused { path: PathBuf, error: FormsError },
}

/// The forms kept at `path`, with the office's answer they came from (its revision is
/// sent back as `If-None-Match`). `Ok(None)` when there is no file yet.
pub fn load(path: &Path) -> Result<Option<(Forms, FormsResponse)>, FormsFileError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(FormsFileError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let response: FormsResponse =
        serde_json::from_slice(&bytes).map_err(|e| FormsFileError::Garbled {
            path: path.to_owned(),
            line: e.line(),
            column: e.column(),
        })?;
    let forms = Forms::from_response(&response).map_err(|error| FormsFileError::Refused {
        path: path.to_owned(),
        error,
    })?;
    Ok(Some((forms, response)))
}

/// The forms to start with: those kept at `path` when they are good, else the shipped
/// set. Returns the kept revision too (`None` with the shipped set).
pub fn load_or_shipped(path: &Path) -> (Forms, Option<String>) {
    match load(path) {
        Ok(Some((forms, response))) => {
            tracing::info!(revision = %response.revision, "forms loaded from the last office answer");
            (forms, Some(response.revision))
        }
        Ok(None) => (Forms::shipped(), None),
        Err(error) => {
            tracing::error!(%error, "kept forms unusable; using the shipped forms");
            (Forms::shipped(), None)
        }
    }
}

/// Writes the office's answer to `path` atomically: a crash leaves the old file or the
/// new one, never half of one.
pub fn save(path: &Path, response: &FormsResponse) -> Result<(), FormsFileError> {
    write_json_atomically(path, response).map_err(|source| FormsFileError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Writes `value` as JSON to `path` through a temporary file and a rename, both synced:
/// a crash leaves the old file or the new one, never half of one.
pub(crate) fn write_json_atomically(
    path: &Path,
    value: &impl serde::Serialize,
) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(&bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(dir) = std::fs::File::open(dir)
    {
        // The rename itself must reach the disk; a failure here only risks the old file.
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::FormFile;

    fn response(revision: &str) -> FormsResponse {
        FormsResponse {
            revision: revision.into(),
            consents: crate::consent::DEFAULT_SOURCES
                .iter()
                .take(2)
                .map(|(name, text)| FormFile {
                    name: (*name).into(),
                    text: (*text).into(),
                })
                .collect(),
            questionnaires: Vec::new(),
            ask: Vec::new(),
            canonical_base: "https://clinic.example/fhir".into(),
        }
    }

    #[test]
    fn a_saved_set_loads_back_and_a_damaged_file_falls_back_to_shipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FORMS_FILE);
        assert!(load(&path).unwrap().is_none());
        assert_eq!(load_or_shipped(&path), (Forms::shipped(), None));

        save(&path, &response("r7")).unwrap();
        let (forms, revision) = load_or_shipped(&path);
        assert_eq!(revision.as_deref(), Some("r7"));
        assert_eq!(forms.consents.map(|c| c.ids().len()), Some(1));
        assert!(!dir.path().join("forms.json.tmp").exists());

        std::fs::write(&path, b"{ not json").unwrap();
        assert!(matches!(load(&path), Err(FormsFileError::Garbled { .. })));
        assert_eq!(load_or_shipped(&path), (Forms::shipped(), None));
    }
}

//! The office's Ed25519 key that signs check-in tokens: made on first start, kept in the
//! data directory readable by the service user only.

use ed25519_dalek::SigningKey;
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the signing key: {0}")]
    Io(#[from] std::io::Error),
    #[error("signing key file is damaged (expected 32 bytes)")]
    Damaged,
    #[error("no randomness available: {0}")]
    Random(getrandom::Error),
}

const KEY_FILE: &str = "token-signing.key";

/// Loads the key from `dir`, or makes and saves a new one.
pub fn load_or_create(dir: &Path) -> Result<SigningKey, KeyError> {
    let path = dir.join(KEY_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Damaged)?;
            Ok(SigningKey::from_bytes(&bytes))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(KeyError::Random)?;
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!("{KEY_FILE}.tmp"));
            {
                use std::os::unix::fs::OpenOptionsExt;
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .mode(0o600)
                    .open(&tmp)?;
                file.write_all(&secret)?;
                file.sync_all()?;
            }
            std::fs::rename(&tmp, &path)?;
            tracing::info!("made a new token-signing key");
            Ok(SigningKey::from_bytes(&secret))
        }
        Err(error) => Err(error.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn makes_once_then_loads_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let second = load_or_create(dir.path()).unwrap();
        assert_eq!(first.to_bytes(), second.to_bytes());
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::write(dir.path().join(KEY_FILE), b"short").unwrap();
        assert!(matches!(load_or_create(dir.path()), Err(KeyError::Damaged)));
    }
}

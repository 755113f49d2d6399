//! The office's secret keys, each made on first start and kept in the data directory
//! readable by the service user only: the Ed25519 key that signs check-in tokens, and the
//! X25519 key kiosks seal their outbox rows to, and the identity secret each day's
//! name-and-date-of-birth hashing key is derived from.

use crate::domain::IdentityKey;
use crate::seal::SealSecretKey;
use ed25519_dalek::SigningKey;
use std::io::Write;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write a key file: {0}")]
    Io(#[from] std::io::Error),
    #[error("key file {0} is damaged (expected 32 bytes)")]
    Damaged(&'static str),
    #[error("no randomness available: {0}")]
    Random(getrandom::Error),
}

const KEY_FILE: &str = "token-signing.key";
const SEAL_KEY_FILE: &str = "outbox-sealing.key";
const IDENTITY_KEY_FILE: &str = "identity.key";

/// The long-lived secret behind each clinic day's [`IdentityKey`]; only the day's key ever
/// leaves the office, so a kiosk's copy stops matching anything the next day.
#[derive(Clone)]
pub struct IdentitySecret([u8; 32]);

impl IdentitySecret {
    /// The key kiosks hash names and dates of birth with on `day` (the clinic's day).
    pub fn key_for(&self, day: jiff::civil::Date) -> IdentityKey {
        IdentityKey::for_day(&self.0, day)
    }

    /// The short code of `appointment` for text-message reminders: derived, never stored
    /// (see [`crate::domain::ShortCode`]).
    pub fn short_code(
        &self,
        appointment: crate::domain::AppointmentId,
    ) -> crate::domain::ShortCode {
        crate::domain::ShortCode::derive(&self.0, appointment)
    }
}

impl std::fmt::Debug for IdentitySecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdentitySecret(<redacted>)")
    }
}

/// Loads the token-signing key from `dir`, or makes and saves a new one.
pub fn load_or_create(dir: &Path) -> Result<SigningKey, KeyError> {
    load_or_create_secret(dir, KEY_FILE).map(|secret| SigningKey::from_bytes(&secret))
}

/// The public half of the token-signing key in `dir`, without making one (`verify-audit`
/// must not create the key whose signatures it checks).
pub fn load_verifying(dir: &Path) -> Result<Option<ed25519_dalek::VerifyingKey>, KeyError> {
    match std::fs::read(dir.join(KEY_FILE)) {
        Ok(bytes) => {
            let secret: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Damaged(KEY_FILE))?;
            Ok(Some(SigningKey::from_bytes(&secret).verifying_key()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Loads the outbox-sealing key from `dir`, or makes and saves a new one. Losing it means
/// rows still sealed on kiosks can never be opened, so it is backed up with the database.
pub fn load_or_create_sealing(dir: &Path) -> Result<SealSecretKey, KeyError> {
    load_or_create_secret(dir, SEAL_KEY_FILE).map(SealSecretKey::from_bytes)
}

/// Loads the identity secret from `dir`, or makes and saves a new one. Losing it only
/// changes the day's hashes, which the next roster carries anyway.
pub fn load_or_create_identity(dir: &Path) -> Result<IdentitySecret, KeyError> {
    load_or_create_secret(dir, IDENTITY_KEY_FILE).map(IdentitySecret)
}

/// 32 random bytes kept in `dir/file` (mode 0600), made on first use.
fn load_or_create_secret(dir: &Path, file: &'static str) -> Result<[u8; 32], KeyError> {
    let path = dir.join(file);
    match std::fs::read(&path) {
        Ok(bytes) => bytes.try_into().map_err(|_| KeyError::Damaged(file)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(KeyError::Random)?;
            write_private(dir, file, &secret)?;
            tracing::info!(file, "made a new secret key");
            Ok(secret)
        }
        Err(error) => Err(error.into()),
    }
}

/// Writes `bytes` to `dir/file` readable by the service user only (mode 0600), whole or
/// not at all (a temporary file renamed into place).
pub(crate) fn write_private(dir: &Path, file: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!("{file}.tmp"));
    {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, dir.join(file))
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
        assert!(matches!(
            load_or_create(dir.path()),
            Err(KeyError::Damaged(KEY_FILE))
        ));
    }

    #[test]
    fn the_sealing_key_is_its_own_and_kept_the_same_way() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_sealing(dir.path()).unwrap();
        let second = load_or_create_sealing(dir.path()).unwrap();
        assert_eq!(first.to_bytes(), second.to_bytes());
        let token = load_or_create(dir.path()).unwrap();
        assert_ne!(first.to_bytes(), token.to_bytes());
        let mode = std::fs::metadata(dir.path().join(SEAL_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn the_identity_secret_is_kept_and_gives_a_key_per_day() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create_identity(dir.path()).unwrap();
        let second = load_or_create_identity(dir.path()).unwrap();
        let day = jiff::civil::date(2026, 11, 23);
        assert_eq!(first.key_for(day), second.key_for(day));
        assert_ne!(first.key_for(day), first.key_for(day.tomorrow().unwrap()));
        let other = load_or_create_identity(tempfile::tempdir().unwrap().path()).unwrap();
        assert_ne!(first.key_for(day), other.key_for(day));
        assert_eq!(format!("{first:?}"), "IdentitySecret(<redacted>)");
        let mode = std::fs::metadata(dir.path().join(IDENTITY_KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

//! The kiosk's half of pairing (the protocol is in `crate::pairing`): its key pair and
//! credential kept in its state directory (never in the TOML), and [`Pairer`], which
//! shows a code, registers it with the office and polls until an administrator enters it.

use super::client::{ClientError, OfficeClient};
use crate::api::KioskConfig;
use crate::domain::KioskId;
use crate::pairing::{KioskCredential, KioskKey, PairingCode, PollAnswer};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const KEY_FILE: &str = "pairing.key";
const CREDENTIAL_FILE: &str = "office-credential.json";

/// Why the kiosk's pairing files could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("cannot read or write {0}: {1}")]
    Io(&'static str, std::io::Error),
    #[error("{0} is damaged; delete it and pair the kiosk again")]
    Damaged(&'static str),
    #[error("no randomness available")]
    Random,
    #[error("cannot encode the credential")]
    Encode,
}

/// What a paired kiosk keeps: its id at the office and its credential.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StoredCredential {
    pub kiosk_id: KioskId,
    pub credential: KioskCredential,
}

impl std::fmt::Debug for StoredCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredCredential")
            .field("kiosk_id", &self.kiosk_id)
            .finish_non_exhaustive()
    }
}

/// The kiosk's pairing files in its state directory (mode 0600).
#[derive(Debug, Clone)]
pub struct CredentialStore {
    dir: PathBuf,
}

impl CredentialStore {
    pub fn new(dir: &Path) -> Self {
        Self {
            dir: dir.to_owned(),
        }
    }

    /// The credential from an earlier pairing, if any.
    pub fn load(&self) -> Result<Option<StoredCredential>, CredentialError> {
        match std::fs::read(self.dir.join(CREDENTIAL_FILE)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|_| CredentialError::Damaged(CREDENTIAL_FILE)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(CredentialError::Io(CREDENTIAL_FILE, error)),
        }
    }

    pub fn save(&self, credential: &StoredCredential) -> Result<(), CredentialError> {
        let bytes = serde_json::to_vec(credential).map_err(|_| CredentialError::Encode)?;
        write_private(&self.dir, CREDENTIAL_FILE, &bytes)
    }

    /// Forgets the credential (revoked) and the key it was paired with: the next pairing
    /// starts from a new key.
    pub fn forget(&self) -> Result<(), CredentialError> {
        for file in [CREDENTIAL_FILE, KEY_FILE] {
            match std::fs::remove_file(self.dir.join(file)) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(CredentialError::Io(file, error)),
            }
        }
        Ok(())
    }

    /// The kiosk's key pair, made on first use.
    pub fn key(&self) -> Result<KioskKey, CredentialError> {
        match std::fs::read(self.dir.join(KEY_FILE)) {
            Ok(bytes) => {
                let secret: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| CredentialError::Damaged(KEY_FILE))?;
                Ok(KioskKey::from_bytes(&secret))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = KioskKey::random().map_err(|_| CredentialError::Random)?;
                write_private(&self.dir, KEY_FILE, &key.to_bytes())?;
                Ok(key)
            }
            Err(error) => Err(CredentialError::Io(KEY_FILE, error)),
        }
    }
}

/// Writes `bytes` to `dir/file` readable by the service user only, whole or not at all.
fn write_private(dir: &Path, file: &'static str, bytes: &[u8]) -> Result<(), CredentialError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let io = |error| CredentialError::Io(file, error);
    std::fs::create_dir_all(dir).map_err(io)?;
    let tmp = dir.join(format!("{file}.tmp"));
    {
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io)?;
        out.write_all(bytes).map_err(io)?;
        out.sync_all().map_err(io)?;
    }
    std::fs::rename(&tmp, dir.join(file)).map_err(io)
}

/// A code on screen, registered with the office.
#[derive(Debug, Clone)]
pub struct ShownCode {
    pub code: PairingCode,
    pub request_id: uuid::Uuid,
    pub expires_at: Timestamp,
}

/// What one [`Pairer::step`] came to.
#[derive(Debug)]
pub enum PairingStep {
    /// Show this code (new or still the same) and step again later.
    Showing(ShownCode),
    /// Paired: the credential is saved and in use by the client.
    Paired {
        credential: StoredCredential,
        config: Box<KioskConfig>,
    },
}

/// Why a step failed; the kiosk keeps showing "not set up" and steps again later.
#[derive(Debug, thiserror::Error)]
pub enum PairingFailure {
    #[error(transparent)]
    Office(#[from] ClientError),
    #[error(transparent)]
    Files(#[from] CredentialError),
    #[error("the office paired another kiosk id ({0}) than this kiosk's")]
    OtherKiosk(KioskId),
}

/// Drives pairing from the kiosk: one short call to the office per step.
pub struct Pairer {
    client: OfficeClient,
    files: CredentialStore,
    kiosk_id: KioskId,
    shown: Option<ShownCode>,
}

impl Pairer {
    pub fn new(client: OfficeClient, files: CredentialStore, kiosk_id: KioskId) -> Self {
        Self {
            client,
            files,
            kiosk_id,
            shown: None,
        }
    }

    /// Forgets the credential and key (the office refused them for good): the next step
    /// starts again with a new key and code.
    pub fn forget(&self) -> Result<(), CredentialError> {
        self.files.forget()
    }

    /// The code on screen now, if any.
    pub fn shown(&self) -> Option<&ShownCode> {
        self.shown.as_ref()
    }

    /// Registers a new code when there is none (or it expired at `now`), otherwise asks
    /// whether the shown one was entered.
    pub fn step(&mut self, now: Timestamp) -> Result<PairingStep, PairingFailure> {
        let key = self.files.key()?;
        let shown = match self.shown.take() {
            Some(shown) if shown.expires_at > now => shown,
            _ => {
                let code = PairingCode::random().map_err(|_| CredentialError::Random)?;
                let request_id = uuid::Uuid::new_v4();
                let waiting = self.client.request_pairing(&key.request(
                    &code,
                    request_id,
                    self.kiosk_id.clone(),
                ))?;
                let shown = ShownCode {
                    code,
                    request_id,
                    expires_at: waiting.expires_at,
                };
                self.shown = Some(shown.clone());
                return Ok(PairingStep::Showing(shown));
            }
        };
        match self.client.poll_pairing(&key.poll(shown.request_id))? {
            Some(PollAnswer::Waiting { expires_at }) => {
                let shown = ShownCode {
                    expires_at,
                    ..shown
                };
                self.shown = Some(shown.clone());
                Ok(PairingStep::Showing(shown))
            }
            Some(PollAnswer::Paired {
                kiosk_id,
                credential,
                config,
            }) => {
                if kiosk_id != self.kiosk_id {
                    return Err(PairingFailure::OtherKiosk(kiosk_id));
                }
                let stored = StoredCredential {
                    kiosk_id,
                    credential,
                };
                self.files.save(&stored)?;
                self.client.set_token(stored.credential.expose());
                tracing::info!(kiosk = %stored.kiosk_id, "paired with the office");
                Ok(PairingStep::Paired {
                    credential: stored,
                    config,
                })
            }
            // Expired, or the office restarted: a new code at once.
            None => self.step(now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn credential_and_key_are_kept_private_and_forgotten_together() {
        let dir = tempfile::tempdir().unwrap();
        let files = CredentialStore::new(dir.path());
        assert!(files.load().unwrap().is_none());
        let key = files.key().unwrap();
        assert_eq!(files.key().unwrap().public_key(), key.public_key());
        let stored = StoredCredential {
            kiosk_id: KioskId::new("lobby-2").unwrap(),
            credential: KioskCredential::random().unwrap(),
        };
        files.save(&stored).unwrap();
        assert_eq!(files.load().unwrap(), Some(stored.clone()));
        for file in [KEY_FILE, CREDENTIAL_FILE] {
            let mode = std::fs::metadata(dir.path().join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        assert!(!format!("{stored:?}").contains(stored.credential.expose()));
        files.forget().unwrap();
        assert!(files.load().unwrap().is_none());
        assert_ne!(files.key().unwrap().public_key(), key.public_key());
        std::fs::write(dir.path().join(CREDENTIAL_FILE), b"{").unwrap();
        assert!(matches!(
            files.load(),
            Err(CredentialError::Damaged(CREDENTIAL_FILE))
        ));
    }
}

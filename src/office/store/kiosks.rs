//! Paired kiosks (see `office::pairing`): each kiosk's public key, the SHA-256 of its
//! credential (never the credential), its name for staff, and whether it is active,
//! disabled or revoked. Every change is audited in the same transaction.

use super::db::{OptionalExtension, params};
use super::{OfficeStore, StoreError, audit_in, parse, ts};
use crate::domain::KioskId;
use crate::office::audit::{AuditAction, AuditContext};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub(super) const MIGRATION: &str = "
    -- Kiosks paired from the staff page. `credential_hash`: SHA-256 of the kiosk's bearer
    -- token. A revoked row stays (history) and frees its kiosk id for a new pairing.
    CREATE TABLE paired_kiosks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk_id TEXT NOT NULL,
        name TEXT NOT NULL,
        public_key BLOB NOT NULL,
        credential_hash BLOB NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('active', 'disabled', 'revoked')),
        paired_at TEXT NOT NULL,
        changed_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX paired_kiosks_live ON paired_kiosks (kiosk_id) WHERE state != 'revoked';
";

/// Whether a paired kiosk may use its credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairedState {
    Active,
    /// Refused for now; enabling it again lets the same credential back in.
    Disabled,
    /// Refused for good; the kiosk must be paired again.
    Revoked,
}

impl PairedState {
    fn as_str(self) -> &'static str {
        match self {
            PairedState::Active => "active",
            PairedState::Disabled => "disabled",
            PairedState::Revoked => "revoked",
        }
    }

    fn parse_stored(text: &str) -> Result<Self, StoreError> {
        match text {
            "active" => Ok(PairedState::Active),
            "disabled" => Ok(PairedState::Disabled),
            "revoked" => Ok(PairedState::Revoked),
            _ => Err(StoreError::Corrupt("paired kiosk state")),
        }
    }
}

/// A kiosk's name on the staff page: 1-40 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KioskName(String);

/// A name that is empty, too long or has control characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a kiosk name has 1-40 characters and no control characters")]
pub struct BadKioskName;

impl KioskName {
    pub fn new(text: &str) -> Result<Self, BadKioskName> {
        let text = text.trim();
        let count = text.chars().count();
        if count == 0 || count > 40 || text.chars().any(char::is_control) {
            return Err(BadKioskName);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KioskName {
    type Error = BadKioskName;
    fn try_from(value: String) -> Result<Self, BadKioskName> {
        Self::new(&value)
    }
}

impl From<KioskName> for String {
    fn from(name: KioskName) -> String {
        name.0
    }
}

/// A paired kiosk as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairedKiosk {
    pub kiosk_id: KioskId,
    pub name: KioskName,
    pub state: PairedState,
    pub paired_at: Timestamp,
    pub changed_at: Timestamp,
}

/// A credential the kiosk API accepts or refuses (revoked ones are not listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRow {
    pub kiosk_id: KioskId,
    pub digest: [u8; 32],
    pub state: PairedState,
}

/// Pairing under an id a live (not revoked) kiosk already has.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a paired kiosk already has this id")]
pub struct KioskIdTaken;

impl OfficeStore {
    /// Records a newly paired kiosk, active, audited as `who` pairing it.
    pub fn pair_kiosk(
        &mut self,
        kiosk_id: &KioskId,
        public_key: &[u8; 32],
        credential_hash: &[u8; 32],
        now: Timestamp,
        who: &AuditContext,
    ) -> Result<Result<(), KioskIdTaken>, StoreError> {
        let tx = self.conn.transaction()?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM paired_kiosks WHERE kiosk_id = ?1 AND state != 'revoked')",
            [kiosk_id.as_str()],
            |row| row.get(0),
        )?;
        if taken {
            return Ok(Err(KioskIdTaken));
        }
        tx.execute(
            "INSERT INTO paired_kiosks
                 (kiosk_id, name, public_key, credential_hash, state, paired_at, changed_at)
             VALUES (?1, ?1, ?2, ?3, 'active', ?4, ?4)",
            params![
                kiosk_id.as_str(),
                public_key.as_slice(),
                credential_hash.as_slice(),
                ts(now)
            ],
        )?;
        audit_in(&tx, now, who, AuditAction::KioskPair, kiosk_id.as_str())?;
        tx.commit()?;
        Ok(Ok(()))
    }

    /// Every kiosk not revoked, by id.
    pub fn paired_kiosks(&self) -> Result<Vec<PairedKiosk>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kiosk_id, name, state, paired_at, changed_at FROM paired_kiosks
             WHERE state != 'revoked' ORDER BY kiosk_id",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (id, name, state, paired_at, changed_at) = row?;
            Ok(PairedKiosk {
                kiosk_id: KioskId::new(&id).map_err(|_| StoreError::Corrupt("paired kiosk id"))?,
                name: KioskName::new(&name).map_err(|_| StoreError::Corrupt("kiosk name"))?,
                state: PairedState::parse_stored(&state)?,
                paired_at: parse(&paired_at, "kiosk paired_at")?,
                changed_at: parse(&changed_at, "kiosk changed_at")?,
            })
        })
        .collect()
    }

    /// The credentials of every kiosk not revoked, for the kiosk API's gate.
    pub fn kiosk_credentials(&self) -> Result<Vec<CredentialRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kiosk_id, credential_hash, state FROM paired_kiosks WHERE state != 'revoked'",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, Vec<u8>>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (id, digest, state) = row?;
            Ok(CredentialRow {
                kiosk_id: KioskId::new(&id).map_err(|_| StoreError::Corrupt("paired kiosk id"))?,
                digest: digest
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("kiosk credential hash"))?,
                state: PairedState::parse_stored(&state)?,
            })
        })
        .collect()
    }

    /// Moves a live kiosk to `state` (a revoked one stays revoked); `false` when no live
    /// kiosk has that id.
    pub fn set_kiosk_state(
        &mut self,
        kiosk_id: &KioskId,
        state: PairedState,
        now: Timestamp,
        who: &AuditContext,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE paired_kiosks SET state = ?2, changed_at = ?3
             WHERE kiosk_id = ?1 AND state != 'revoked'",
            params![kiosk_id.as_str(), state.as_str(), ts(now)],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        let action = match state {
            PairedState::Active => AuditAction::KioskEnable,
            PairedState::Disabled => AuditAction::KioskDisable,
            PairedState::Revoked => AuditAction::KioskRevoke,
        };
        audit_in(&tx, now, who, action, kiosk_id.as_str())?;
        tx.commit()?;
        Ok(true)
    }

    /// Gives a live kiosk a new name for staff; `false` when no live kiosk has that id.
    pub fn rename_kiosk(
        &mut self,
        kiosk_id: &KioskId,
        name: &KioskName,
        now: Timestamp,
        who: &AuditContext,
    ) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE paired_kiosks SET name = ?2, changed_at = ?3
             WHERE kiosk_id = ?1 AND state != 'revoked'",
            params![kiosk_id.as_str(), name.as_str(), ts(now)],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        audit_in(&tx, now, who, AuditAction::KioskRename, kiosk_id.as_str())?;
        tx.commit()?;
        Ok(true)
    }

    /// The public key a live kiosk paired with.
    pub fn kiosk_public_key(&self, kiosk_id: &KioskId) -> Result<Option<[u8; 32]>, StoreError> {
        let key: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT public_key FROM paired_kiosks WHERE kiosk_id = ?1 AND state != 'revoked'",
                [kiosk_id.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        key.map(|k| {
            k.try_into()
                .map_err(|_| StoreError::Corrupt("kiosk public key"))
        })
        .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::office::store::Actor;

    fn admin() -> AuditContext {
        Actor::Staff("1".into()).into()
    }

    #[test]
    fn pair_rename_disable_revoke_and_pair_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let id = KioskId::new("lobby-2").unwrap();
        store
            .pair_kiosk(&id, &[1; 32], &[2; 32], now, &admin())
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .pair_kiosk(&id, &[3; 32], &[4; 32], now, &admin())
                .unwrap(),
            Err(KioskIdTaken)
        );
        assert_eq!(store.kiosk_public_key(&id).unwrap(), Some([1; 32]));
        let name = KioskName::new("  Lobby by the door ").unwrap();
        assert!(store.rename_kiosk(&id, &name, now, &admin()).unwrap());
        assert!(
            store
                .set_kiosk_state(&id, PairedState::Disabled, now, &admin())
                .unwrap()
        );
        let listed = store.paired_kiosks().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].name.as_str(), "Lobby by the door");
        assert_eq!(listed[0].state, PairedState::Disabled);
        assert_eq!(
            store.kiosk_credentials().unwrap(),
            vec![CredentialRow {
                kiosk_id: id.clone(),
                digest: [2; 32],
                state: PairedState::Disabled
            }]
        );
        assert!(
            store
                .set_kiosk_state(&id, PairedState::Revoked, now, &admin())
                .unwrap()
        );
        assert!(store.kiosk_credentials().unwrap().is_empty());
        assert!(
            !store
                .set_kiosk_state(&id, PairedState::Active, now, &admin())
                .unwrap()
        );
        store
            .pair_kiosk(&id, &[5; 32], &[6; 32], now, &admin())
            .unwrap()
            .unwrap();
        let actions: Vec<_> = store
            .audit_log(10)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            vec![
                AuditAction::KioskPair.as_str().to_owned(),
                AuditAction::KioskRevoke.as_str().to_owned(),
                AuditAction::KioskDisable.as_str().to_owned(),
                AuditAction::KioskRename.as_str().to_owned(),
                AuditAction::KioskPair.as_str().to_owned(),
            ]
        );
    }

    #[test]
    fn kiosk_names_are_checked() {
        assert!(KioskName::new("").is_err());
        assert!(KioskName::new("   ").is_err());
        assert!(KioskName::new(&"x".repeat(41)).is_err());
        assert!(KioskName::new("a\nb").is_err());
        assert_eq!(
            KioskName::new("Sala de espera ñ").unwrap().as_str(),
            "Sala de espera ñ"
        );
    }
}

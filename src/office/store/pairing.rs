//! Kiosks waiting to be paired (see `office::pairing`), kept in the store so every hub of a
//! practice knows them: a kiosk may show its code to one hub, be paired by an
//! administrator on another and collect its credential from a third. A request keeps the
//! kiosk's public key and proof (never its code); once paired, the credential waits here
//! sealed to the practice's outbox key until the kiosk collects it (a copy of the
//! database alone cannot open it), then the row is deleted. The wrong-code counter and
//! lockout are one row per practice.

use super::db::{Connection, OptionalExtension, Params, Value, params};
use super::{OfficeStore, StoreError, parse, ts};
use crate::domain::KioskId;
use crate::pairing::VerifiedRequest;
use jiff::Timestamp;

pub(super) const MIGRATION: &str = "
    -- Kiosks showing a pairing code. `state`: waiting for an administrator, taken (the
    -- code was entered and the pairing is being stored), approved (`sealed_credential`
    -- waits for the kiosk's poll).
    CREATE TABLE pairing_requests (
        request_id TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL,
        public_key BLOB NOT NULL,
        proof BLOB NOT NULL,
        received_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'taken', 'approved')),
        sealed_credential BLOB
    ) STRICT;
    CREATE TABLE pairing_lockout (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        wrong_codes INTEGER NOT NULL,
        locked_until TEXT
    ) STRICT;
";

/// The same tables on PostgreSQL (a step of `POSTGRES_MIGRATIONS`), kept per practice
/// like every other table (see schema_postgres_clinics.sql).
pub(super) const POSTGRES_MIGRATION: &str = "
    CREATE TABLE pairing_requests (
        request_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        public_key BYTEA NOT NULL,
        proof BYTEA NOT NULL,
        received_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'taken', 'approved')),
        sealed_credential BYTEA,
        clinic_id BIGINT NOT NULL DEFAULT current_setting('frontdesk.clinic')::bigint,
        PRIMARY KEY (request_id, clinic_id)
    );
    CREATE TABLE pairing_lockout (
        id BIGINT NOT NULL CHECK (id = 1),
        wrong_codes BIGINT NOT NULL,
        locked_until TEXT,
        clinic_id BIGINT NOT NULL DEFAULT current_setting('frontdesk.clinic')::bigint,
        PRIMARY KEY (id, clinic_id)
    );
    ALTER TABLE pairing_requests ENABLE ROW LEVEL SECURITY;
    ALTER TABLE pairing_requests FORCE ROW LEVEL SECURITY;
    CREATE POLICY clinic_rows ON pairing_requests
        USING (clinic_id = current_setting('frontdesk.clinic')::bigint);
    ALTER TABLE pairing_lockout ENABLE ROW LEVEL SECURITY;
    ALTER TABLE pairing_lockout FORCE ROW LEVEL SECURITY;
    CREATE POLICY clinic_rows ON pairing_lockout
        USING (clinic_id = current_setting('frontdesk.clinic')::bigint);
";

/// Where a request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PairingRequestState {
    Waiting,
    /// An administrator entered its code; the pairing is being stored.
    Taken,
    /// Paired: the credential, sealed, waits for the kiosk.
    Approved {
        sealed_credential: Vec<u8>,
    },
}

/// A kiosk's request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingRequestRow {
    pub request: VerifiedRequest,
    pub expires_at: Timestamp,
    pub state: PairingRequestState,
}

/// Wrong codes entered since the last right one, and the lockout they caused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairingLockout {
    pub wrong_codes: u32,
    pub locked_until: Option<Timestamp>,
}

const REQUEST_COLUMNS: &str =
    "request_id, kiosk_id, public_key, proof, expires_at, state, sealed_credential";

type RawRequest = (
    String,
    String,
    Vec<u8>,
    Vec<u8>,
    String,
    String,
    Option<Vec<u8>>,
);

fn request_from(raw: RawRequest) -> Result<PairingRequestRow, StoreError> {
    let (request_id, kiosk_id, public_key, proof, expires_at, state, sealed) = raw;
    let bytes = |b: Vec<u8>, what| <[u8; 32]>::try_from(b).map_err(|_| StoreError::Corrupt(what));
    let state = match (state.as_str(), sealed) {
        ("waiting", _) => PairingRequestState::Waiting,
        ("taken", _) => PairingRequestState::Taken,
        ("approved", Some(sealed_credential)) => {
            PairingRequestState::Approved { sealed_credential }
        }
        _ => return Err(StoreError::Corrupt("pairing request state")),
    };
    Ok(PairingRequestRow {
        request: VerifiedRequest {
            request_id: parse(&request_id, "pairing request id")?,
            kiosk_id: KioskId::new(&kiosk_id)
                .map_err(|_| StoreError::Corrupt("pairing request kiosk id"))?,
            public_key: bytes(public_key, "pairing request key")?,
            proof: bytes(proof, "pairing request proof")?,
        },
        expires_at: parse(&expires_at, "pairing request expiry")?,
        state,
    })
}

/// A request's columns up to its state, in table order (`?1`-`?6`).
fn request_values(request: &VerifiedRequest, now: Timestamp, expires_at: Timestamp) -> Vec<Value> {
    vec![
        Value::Text(request.request_id.to_string()),
        Value::Text(request.kiosk_id.as_str().to_owned()),
        Value::Blob(request.public_key.to_vec()),
        Value::Blob(request.proof.to_vec()),
        Value::Text(ts(now)),
        Value::Text(ts(expires_at)),
    ]
}

fn read_requests<P: Params>(
    conn: &Connection,
    filter: &str,
    params: P,
) -> Result<Vec<PairingRequestRow>, StoreError> {
    let raw: Vec<RawRequest> = conn
        .prepare_cached(&format!(
            "SELECT {REQUEST_COLUMNS} FROM pairing_requests WHERE {filter} ORDER BY received_at, request_id"
        ))?
        .query_map(params, |row| RawRequest::try_from(row))?
        .collect::<Result<_, _>>()?;
    raw.into_iter().map(request_from).collect()
}

impl OfficeStore {
    /// Drops requests that expired by `now` and a lockout that has ended.
    pub fn forget_expired_pairing(&self, now: Timestamp) -> Result<(), StoreError> {
        self.conn.execute(
            "DELETE FROM pairing_requests WHERE expires_at <= ?1",
            [ts(now)],
        )?;
        self.conn.execute(
            "UPDATE pairing_lockout SET locked_until = NULL WHERE locked_until <= ?1",
            [ts(now)],
        )?;
        Ok(())
    }

    /// Every request not expired yet, oldest first.
    pub fn pairing_requests(&self) -> Result<Vec<PairingRequestRow>, StoreError> {
        read_requests(&self.conn, "TRUE", params![])
    }

    /// The request `id`, if kept.
    pub fn pairing_request(&self, id: uuid::Uuid) -> Result<Option<PairingRequestRow>, StoreError> {
        Ok(
            read_requests(&self.conn, "request_id = ?1", [id.to_string()])?
                .into_iter()
                .next(),
        )
    }

    /// Keeps a new waiting request; `false` when one with its id is kept already.
    pub fn add_pairing_request(
        &self,
        request: &VerifiedRequest,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let added = self.conn.execute(
            "INSERT INTO pairing_requests
               (request_id, kiosk_id, public_key, proof, received_at, expires_at, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'waiting') ON CONFLICT DO NOTHING",
            request_values(request, now, expires_at),
        )?;
        Ok(added == 1)
    }

    /// Marks a waiting request taken; `false` when it was not waiting (another hub took it
    /// first, or it is gone).
    pub fn take_pairing_request(&self, id: uuid::Uuid) -> Result<bool, StoreError> {
        let taken = self.conn.execute(
            "UPDATE pairing_requests SET state = 'taken'
             WHERE request_id = ?1 AND state = 'waiting'",
            [id.to_string()],
        )?;
        Ok(taken == 1)
    }

    /// The request is paired: its kiosk may collect `sealed_credential` until
    /// `expires_at` (kept again if it expired meanwhile).
    pub fn approve_pairing_request(
        &self,
        request: &VerifiedRequest,
        sealed_credential: &[u8],
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO pairing_requests
               (request_id, kiosk_id, public_key, proof, received_at, expires_at, state,
                sealed_credential)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'approved', ?7)
             ON CONFLICT (request_id) DO UPDATE SET
               expires_at = excluded.expires_at, state = 'approved',
               sealed_credential = excluded.sealed_credential",
            {
                let mut values = request_values(request, now, expires_at);
                values.push(Value::Blob(sealed_credential.to_vec()));
                values
            },
        )?;
        Ok(())
    }

    /// Deletes request `id`; `false` when it was gone already (so only one hub hands a
    /// credential over).
    pub fn remove_pairing_request(&self, id: uuid::Uuid) -> Result<bool, StoreError> {
        let removed = self.conn.execute(
            "DELETE FROM pairing_requests WHERE request_id = ?1",
            [id.to_string()],
        )?;
        Ok(removed == 1)
    }

    pub fn pairing_lockout(&self) -> Result<PairingLockout, StoreError> {
        let row: Option<(i64, Option<String>)> = self
            .conn
            .prepare_cached("SELECT wrong_codes, locked_until FROM pairing_lockout WHERE id = 1")?
            .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?;
        let Some((wrong_codes, locked_until)) = row else {
            return Ok(PairingLockout::default());
        };
        Ok(PairingLockout {
            wrong_codes: u32::try_from(wrong_codes)
                .map_err(|_| StoreError::Corrupt("pairing wrong codes"))?,
            locked_until: locked_until
                .map(|t| parse(&t, "pairing lockout"))
                .transpose()?,
        })
    }

    pub fn set_pairing_lockout(&self, lockout: PairingLockout) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO pairing_lockout (id, wrong_codes, locked_until) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET
               wrong_codes = excluded.wrong_codes, locked_until = excluded.locked_until",
            params![i64::from(lockout.wrong_codes), lockout.locked_until.map(ts)],
        )?;
        Ok(())
    }
}

//! Kiosk authentication: a bearer token per kiosk, either the credential a paired kiosk
//! received (see `office::pairing`; the office keeps its SHA-256) or, for installs from
//! before pairing, a static token from the office config.

use super::config::KioskEntry;
use super::error::ApiError;
use super::server::AppState;
use super::store::{CredentialRow, PairedState};
use crate::domain::KioskId;
use crate::pairing::KioskCredential;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::sync::RwLock;
use subtle::ConstantTimeEq;

/// What the gate makes of a presented token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    Allowed(KioskId),
    /// A paired kiosk an administrator disabled.
    Disabled(KioskId),
    /// No kiosk has this token (never had, or revoked).
    Unknown,
}

/// The kiosks allowed in: static tokens from the config, and paired kiosks' credential
/// digests (a copy of the store's, replaced after every change).
#[derive(Debug, Default)]
pub struct KioskRegistry {
    kiosks: Vec<KioskEntry>,
    paired: RwLock<Vec<CredentialRow>>,
}

impl KioskRegistry {
    pub fn new(kiosks: Vec<KioskEntry>) -> Self {
        Self {
            kiosks,
            paired: RwLock::new(Vec::new()),
        }
    }

    /// Replaces the paired kiosks' credentials (from [`super::store::OfficeStore::kiosk_credentials`]).
    pub fn set_paired(&self, rows: Vec<CredentialRow>) {
        *self.paired.write().unwrap_or_else(|p| p.into_inner()) = rows;
    }

    /// The kiosk whose token this is. Compares every entry in constant time so timing
    /// does not reveal how much of a guess was right.
    pub fn identify(&self, presented: &str) -> Option<KioskId> {
        match self.check(presented) {
            Access::Allowed(id) => Some(id),
            Access::Disabled(_) | Access::Unknown => None,
        }
    }

    /// Whether `presented` lets a kiosk in, and which.
    pub fn check(&self, presented: &str) -> Access {
        let mut found = Access::Unknown;
        for kiosk in &self.kiosks {
            let same = kiosk.token.len() == presented.len()
                && bool::from(kiosk.token.as_bytes().ct_eq(presented.as_bytes()));
            if same {
                found = Access::Allowed(kiosk.id.clone());
            }
        }
        let digest = KioskCredential::from_presented(presented).digest();
        let paired = self.paired.read().unwrap_or_else(|p| p.into_inner());
        for row in paired.iter() {
            if bool::from(row.digest.as_slice().ct_eq(digest.as_slice())) {
                found = match row.state {
                    PairedState::Active => Access::Allowed(row.kiosk_id.clone()),
                    PairedState::Disabled => Access::Disabled(row.kiosk_id.clone()),
                    PairedState::Revoked => Access::Unknown,
                };
            }
        }
        found
    }
}

/// A request made by an enrolled kiosk.
#[derive(Debug, Clone)]
pub struct AuthenticatedKiosk(pub KioskId);

impl FromRequestParts<AppState> for AuthenticatedKiosk {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(ApiError::Unauthorized)?;
        match state.kiosks.check(presented.trim()) {
            Access::Allowed(id) => Ok(Self(id)),
            Access::Disabled(id) => {
                tracing::info!(kiosk = %id, "disabled kiosk refused");
                Err(ApiError::BadRequest {
                    status: axum::http::StatusCode::FORBIDDEN,
                    code: crate::api::KIOSK_DISABLED,
                    message: "this kiosk is disabled on the office's staff page".into(),
                })
            }
            Access::Unknown => {
                tracing::warn!("kiosk request with unknown credentials refused");
                Err(ApiError::Unauthorized)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_tokens_and_paired_credentials() {
        let registry = KioskRegistry::new(vec![KioskEntry {
            id: KioskId::new("lobby-1").unwrap(),
            token: "static-token-0123456789".into(),
        }]);
        let active = KioskCredential::random().unwrap();
        let disabled = KioskCredential::random().unwrap();
        registry.set_paired(vec![
            CredentialRow {
                kiosk_id: KioskId::new("lobby-2").unwrap(),
                digest: active.digest(),
                state: PairedState::Active,
            },
            CredentialRow {
                kiosk_id: KioskId::new("lobby-3").unwrap(),
                digest: disabled.digest(),
                state: PairedState::Disabled,
            },
        ]);
        assert_eq!(
            registry.check("static-token-0123456789"),
            Access::Allowed(KioskId::new("lobby-1").unwrap())
        );
        assert_eq!(
            registry.check(active.expose()),
            Access::Allowed(KioskId::new("lobby-2").unwrap())
        );
        assert_eq!(
            registry.check(disabled.expose()),
            Access::Disabled(KioskId::new("lobby-3").unwrap())
        );
        assert_eq!(registry.check("fdk1_guess"), Access::Unknown);
        registry.set_paired(Vec::new());
        assert_eq!(registry.check(active.expose()), Access::Unknown);
    }
}

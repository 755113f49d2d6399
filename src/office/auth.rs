//! Kiosk authentication: a bearer token per kiosk from the office config.

use super::config::KioskEntry;
use super::error::ApiError;
use super::server::AppState;
use crate::domain::KioskId;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use subtle::ConstantTimeEq;

/// The kiosks allowed in, by token.
#[derive(Debug, Clone, Default)]
pub struct KioskRegistry {
    kiosks: Vec<KioskEntry>,
}

impl KioskRegistry {
    pub fn new(kiosks: Vec<KioskEntry>) -> Self {
        Self { kiosks }
    }

    /// The kiosk whose token this is. Compares every entry in constant time so timing
    /// does not reveal how much of a guess was right.
    pub fn identify(&self, presented: &str) -> Option<KioskId> {
        let mut found = None;
        for kiosk in &self.kiosks {
            let same = kiosk.token.len() == presented.len()
                && bool::from(kiosk.token.as_bytes().ct_eq(presented.as_bytes()));
            if same {
                found = Some(kiosk.id.clone());
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
        match state.kiosks.identify(presented.trim()) {
            Some(id) => Ok(Self(id)),
            None => {
                tracing::warn!("kiosk request with unknown credentials refused");
                Err(ApiError::Unauthorized)
            }
        }
    }
}

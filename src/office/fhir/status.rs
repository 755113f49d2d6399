//! The FHIR interface's row on the staff page: `GET /api/staff/v1/fhir`.

use crate::office::error::ApiError;
use crate::office::server::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The staff page's script for the interface's row (a file of its own, not inline).
const SCRIPT: &str = include_str!("staff_fhir.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/fhir", get(status))
        .route("/staff/fhir.js", get(script))
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        SCRIPT,
    )
}

/// What staff see of the FHIR interface. Errors are short texts without PHI.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FhirStatus {
    /// Whether a server is configured; `false`: the page shows nothing.
    pub enabled: bool,
    /// The server's base URL.
    pub server: Option<String>,
    /// Whether the last request got an answer from the server.
    pub reachable: bool,
    pub pull: PullStatus,
    pub outbound: WriteStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PullStatus {
    /// Seconds between pulls; 0: the schedule is not pulled.
    pub every_secs: u64,
    /// The last pull that stored the day.
    pub last_pulled_at: Option<Timestamp>,
    /// Appointments in that pull.
    pub appointments: u64,
    /// Why the last pull stored nothing; `None` once one succeeds again.
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct WriteStatus {
    /// Writes waiting to be delivered.
    pub waiting: u64,
    pub oldest_waiting: Option<Timestamp>,
    pub delivered: u64,
    /// Writes the server refused (or that could not be built); not sent again.
    pub failed: u64,
    pub last_delivered_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
}

async fn status(State(state): State<AppState>) -> Result<Json<FhirStatus>, ApiError> {
    let summary = state.db(|db| db.fhir_summary()).await?;
    let link = state.fhir.lock().clone();
    let config = &state.config.fhir;
    Ok(Json(FhirStatus {
        enabled: config.base_url.is_some(),
        server: config.base_url.clone(),
        reachable: link.reachable,
        pull: PullStatus {
            every_secs: config.pull_every_secs,
            last_pulled_at: link.last_pulled_at,
            appointments: link.pulled_appointments,
            last_error: link.last_pull_error.as_ref().map(|e| e.1.clone()),
            last_error_at: link.last_pull_error.as_ref().map(|e| e.0),
        },
        outbound: WriteStatus {
            waiting: summary.waiting,
            oldest_waiting: summary.oldest_waiting,
            delivered: summary.delivered,
            failed: summary.failed,
            last_delivered_at: link.last_delivered_at,
            last_error: link.last_error.as_ref().map(|e| e.1.clone()),
            last_error_at: link.last_error.as_ref().map(|e| e.0),
        },
    }))
}

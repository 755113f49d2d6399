//! The interface's row on the staff page: `GET /api/staff/v1/hl7`.

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
const SCRIPT: &str = include_str!("staff_hl7.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/hl7", get(status))
        .route("/staff/hl7.js", get(script))
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

/// What staff see of the EHR interface. Errors are short texts without PHI.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hl7Status {
    /// Whether either side is configured; `false`: the page shows nothing.
    pub enabled: bool,
    pub inbound: InboundStatus,
    pub outbound: OutboundStatus,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InboundStatus {
    /// Where schedule messages are taken; `None`: no listener.
    pub listening: Option<String>,
    pub last_received_at: Option<Timestamp>,
    pub accepted: u64,
    pub refused: u64,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutboundStatus {
    /// `host:port`; `None`: nothing is sent.
    pub peer: Option<String>,
    pub connected: bool,
    /// Messages waiting to be delivered.
    pub waiting: u64,
    pub oldest_waiting: Option<Timestamp>,
    pub delivered: u64,
    /// Messages the peer refused (or that could not be built); not sent again.
    pub failed: u64,
    pub last_delivered_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
}

async fn status(State(state): State<AppState>) -> Result<Json<Hl7Status>, ApiError> {
    let summary = state.db(|db| db.hl7_summary()).await?;
    let link = state.hl7.lock().clone();
    let config = &state.config.hl7;
    Ok(Json(Hl7Status {
        enabled: config.listen.is_some() || config.peer.is_some(),
        inbound: InboundStatus {
            listening: state.hl7.listening().map(|a| a.to_string()),
            last_received_at: link.last_received_at,
            accepted: link.received_accepted,
            refused: link.received_refused,
            last_error: link.last_inbound_error.as_ref().map(|e| e.1.clone()),
            last_error_at: link.last_inbound_error.as_ref().map(|e| e.0),
        },
        outbound: OutboundStatus {
            peer: config.peer.clone(),
            connected: link.connected,
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

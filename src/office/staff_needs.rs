//! Staff answer "needs staff" items: "On my way" closes the item, audited.

use super::error::ApiError;
use super::events::QueueEvent;
use super::server::AppState;
use super::store::{Answer, NeedId, OpenNeed};
use crate::domain::{KioskId, StaffNeed};
use crate::office::signin::StaffSession;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/staff/v1/needs/{id}/answer", post(answer))
}

/// A patient waiting at a kiosk for staff, as the queue page shows it. Names no one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StaffNeedItem {
    pub id: NeedId,
    pub kiosk: KioskId,
    pub reason: StaffNeed,
    /// The reason in words, for the page.
    pub sentence: String,
    pub raised_at: Timestamp,
}

impl From<OpenNeed> for StaffNeedItem {
    fn from(need: OpenNeed) -> Self {
        Self {
            id: need.id,
            kiosk: need.kiosk,
            reason: need.reason,
            sentence: need.reason.staff_sentence().to_owned(),
            raised_at: need.raised_at,
        }
    }
}

/// `POST /api/staff/v1/needs/{id}/answer`: "On my way". Answering an item someone else
/// answered already is fine (204); an unknown item is a 404.
async fn answer(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = NeedId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let answer = state
        .db(move |db| db.answer_need(id, session.actor(), now))
        .await?;
    match answer {
        Answer::Answered { kiosk } => {
            tracing::info!(need = %id, %kiosk, "staff on their way to a kiosk");
            state
                .events
                .publish(QueueEvent::StaffNeedAnswered { need: id });
            Ok(StatusCode::NO_CONTENT)
        }
        Answer::AlreadyAnswered => Ok(StatusCode::NO_CONTENT),
        Answer::NotFound => Err(ApiError::NotFound),
    }
}

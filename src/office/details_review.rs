//! Staff review of returning patients' contact-detail changes: each field approved or
//! rejected on its own (approved values go on file), with where each value came from.

use super::error::{ApiError, ApiJson};
use super::events::QueueEvent;
use super::server::AppState;
use super::store::{Close, Decided, DetailsChangeReview, FieldDecision, FieldReview};
use crate::domain::{AppointmentId, ChangeSource, ContactField, DetailsChangeId, KioskId};
use crate::office::signin::StaffSession;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/staff/v1/details-changes/{id}/fields/{field}",
            post(decide),
        )
        .route("/api/staff/v1/details-changes/{id}/close", post(close))
}

/// A change request on the queue page, under its patient's row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DetailsChangeItem {
    pub id: DetailsChangeId,
    pub appointment: AppointmentId,
    pub kiosk: KioskId,
    pub received_at: Timestamp,
    /// The kiosk could not fetch the details on file: go over them with the patient.
    pub unchecked_offline: bool,
    pub fields: Vec<FieldReviewItem>,
}

/// One changed field, with what is on file and where the new value came from.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FieldReviewItem {
    pub field: ContactField,
    pub label: String,
    pub on_file: Option<String>,
    pub proposed: String,
    pub source: ChangeSource,
    pub source_label: String,
    pub decision: Option<FieldDecision>,
}

impl fmt::Debug for FieldReviewItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldReviewItem")
            .field("field", &self.field)
            .field("source", &self.source)
            .field("decision", &self.decision)
            .finish_non_exhaustive()
    }
}

impl From<FieldReview> for FieldReviewItem {
    fn from(review: FieldReview) -> Self {
        Self {
            field: review.field,
            label: review.field.label().to_owned(),
            on_file: review.on_file,
            proposed: review.proposed,
            source: review.source,
            source_label: review.source.label().to_owned(),
            decision: review.decision,
        }
    }
}

impl From<DetailsChangeReview> for DetailsChangeItem {
    fn from(review: DetailsChangeReview) -> Self {
        Self {
            id: review.id,
            appointment: review.appointment,
            kiosk: review.kiosk,
            received_at: review.received_at,
            unchecked_offline: review.unchecked_offline,
            fields: review
                .fields
                .into_iter()
                .map(FieldReviewItem::from)
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    decision: FieldDecision,
}

fn change_id(text: &str) -> Result<DetailsChangeId, ApiError> {
    DetailsChangeId::parse(text).ok_or(ApiError::NotFound)
}

/// `POST /api/staff/v1/details-changes/{id}/fields/{field}` with
/// `{"decision": "approved" | "rejected"}`. A field decided already is a 409: the page
/// that still offered it was out of date.
async fn decide(
    State(state): State<AppState>,
    session: StaffSession,
    Path((id, field)): Path<(String, String)>,
    ApiJson(Decision { decision }): ApiJson<Decision>,
) -> Result<StatusCode, ApiError> {
    let id = change_id(&id)?;
    let field = ContactField::parse(&field).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let decided = state
        .db(move |db| db.decide_field(id, field, decision, session.actor(), now))
        .await?;
    match decided {
        Decided::Decided {
            appointment,
            closed,
        } => {
            tracing::info!(details_change = %id, %appointment, field = field.as_str(), decision = decision.as_str(), closed, "details change field decided");
            state
                .events
                .publish(QueueEvent::DetailsChangeDecided { change: id });
            Ok(StatusCode::NO_CONTENT)
        }
        Decided::AlreadyDecided => Err(ApiError::BadRequest {
            status: StatusCode::CONFLICT,
            code: "already_decided",
            message: "this field was decided already; reload the queue".into(),
        }),
        Decided::NotFound => Err(ApiError::NotFound),
    }
}

/// `POST /api/staff/v1/details-changes/{id}/close`: staff went over the details with
/// the patient. Only once every field is decided (409 before).
async fn close(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = change_id(&id)?;
    let now = Timestamp::now();
    let closed = state
        .db(move |db| db.close_details_change(id, session.actor(), now))
        .await?;
    match closed {
        Close::Closed => {
            state
                .events
                .publish(QueueEvent::DetailsChangeDecided { change: id });
            Ok(StatusCode::NO_CONTENT)
        }
        Close::AlreadyClosed => Ok(StatusCode::NO_CONTENT),
        Close::FieldsPending => Err(ApiError::BadRequest {
            status: StatusCode::CONFLICT,
            code: "fields_pending",
            message: "approve or reject every changed field first".into(),
        }),
        Close::NotFound => Err(ApiError::NotFound),
    }
}

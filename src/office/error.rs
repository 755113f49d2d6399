//! API errors: every failure is a JSON body with a stable code, and never carries PHI.

use crate::api::ErrorBody;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// What staff read where an item removed under the retention policy was.
pub const REMOVED_BY_RETENTION: &str = "removed under the retention policy";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or unknown kiosk credentials")]
    Unauthorized,
    #[error("{message}")]
    BadRequest {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    #[error("not found")]
    NotFound,
    /// The item existed and was removed under the retention policy (410).
    #[error("removed under the retention policy")]
    RemovedByRetention,
    #[error("internal error")]
    Internal(String),
    /// The office cannot do this, for a reason it can explain (no internals, no PHI).
    #[error("{message}")]
    Server { code: &'static str, message: String },
}

impl ApiError {
    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or unknown kiosk credentials".to_owned(),
            ),
            ApiError::BadRequest {
                status,
                code,
                message,
            } => (status, code, message),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "no such thing".into()),
            ApiError::RemovedByRetention => (
                StatusCode::GONE,
                "removed_by_retention",
                REMOVED_BY_RETENTION.into(),
            ),
            ApiError::Internal(detail) => {
                // Store errors name tables and columns, never row contents.
                tracing::error!(%detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the office server failed; try again".into(),
                )
            }
            ApiError::Server { code, message } => {
                tracing::error!(code, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, code, message)
            }
        };
        let body = ErrorBody {
            error: code.into(),
            message,
        };
        (status, axum::Json(body)).into_response()
    }
}

/// `Json<T>` whose rejections (bad JSON, wrong type, too large) are JSON errors too.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(rejection_error(&rejection)),
        }
    }
}

fn rejection_error(rejection: &JsonRejection) -> ApiError {
    let status = rejection.status();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "not_json",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_fields",
        _ => "malformed_json",
    };
    // serde's messages quote field names and types, not values beyond a short snippet;
    // keep only the first line so nothing long from the body is echoed back.
    let message = rejection
        .body_text()
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect();
    ApiError::BadRequest {
        status,
        code,
        message,
    }
}

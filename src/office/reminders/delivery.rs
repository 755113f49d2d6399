//! Delivery reports from the SMS gateway: a text the gateway took (so *sent*) that it
//! later could not deliver is reported to `POST /api/sms/v1/status?reminder=<id>` (the
//! Messages API's status callback: form `MessageStatus`, optionally `ErrorCode`), and the
//! reminder becomes *bounced* on the staff page with the gateway's error code.
//!
//! The hub asks for reports by sending `StatusCallback` with each text
//! (`[reminders.sms] status_callback`); the report names the reminder by its id, which
//! is random and carries no PHI. Authenticated like replies ([`super::inbound`]): the
//! shared secret as `Authorization: Bearer …`. Other statuses (queued, sent, delivered,
//! read) change nothing.

use super::inbound::MAX_BODY;
use crate::office::error::ApiError;
use crate::office::server::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use jiff::Timestamp;
use serde::Deserialize;

/// Why a delivery report is refused. Carries no part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("the body is not form-encoded")]
    NotForm,
    #[error("the form has no MessageStatus, or more than one")]
    Status,
    #[error("ErrorCode is not a number")]
    ErrorCode,
    #[error("the reminder id is not one this office makes")]
    Reminder,
}

/// What the gateway says became of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// The carrier could not deliver it (`undelivered`).
    Undelivered,
    /// The gateway gave up on it (`failed`).
    Failed,
    /// On its way or delivered (`queued`, `sent`, `delivered`, `read`, …).
    Other,
}

/// A delivery report, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    pub status: DeliveryStatus,
    /// The gateway's error code (Twilio's are five digits).
    pub error_code: Option<u32>,
}

impl DeliveryReport {
    /// What the staff page shows for a report that bounces the reminder; `None` for one
    /// that changes nothing.
    pub fn bounce_reason(self) -> Option<String> {
        let word = match self.status {
            DeliveryStatus::Undelivered => "undelivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Other => return None,
        };
        Some(match self.error_code {
            Some(code) => format!("text gateway reported {word} ({code})"),
            None => format!("text gateway reported {word}"),
        })
    }
}

/// Reads a status callback's form body. Fields other than `MessageStatus` and
/// `ErrorCode` (ids, numbers, the account) are ignored.
pub fn parse(body: &[u8]) -> Result<DeliveryReport, ReportError> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| ReportError::NotForm)?;
    let values = |name: &str| {
        fields
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let status = match values("MessageStatus").as_slice() {
        [one] => match one.to_ascii_lowercase().as_str() {
            "undelivered" => DeliveryStatus::Undelivered,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Other,
        },
        _ => return Err(ReportError::Status),
    };
    let error_code = match values("ErrorCode").as_slice() {
        [] | [""] => None,
        [code] if code.len() <= 9 && code.bytes().all(|b| b.is_ascii_digit()) => {
            Some(code.parse().map_err(|_| ReportError::ErrorCode)?)
        }
        _ => return Err(ReportError::ErrorCode),
    };
    Ok(DeliveryReport { status, error_code })
}

/// A reminder's id as the store makes it: `reminder-` and 16 hex digits.
pub fn reminder_id_ok(id: &str) -> bool {
    id.strip_prefix("reminder-")
        .is_some_and(|hex| hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/sms/v1/status",
        post(status).layer(DefaultBodyLimit::max(MAX_BODY)),
    )
}

#[derive(Debug, Deserialize)]
struct StatusQuery {
    reminder: Option<String>,
}

/// `POST /api/sms/v1/status?reminder=<id>`: 204 taken (whatever the status), 401
/// without the secret, 404 when replies are not configured or no text reminder has that
/// id, 413 too large, 400/422 garbage.
async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<StatusQuery>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let sms = &state.config.reminders.sms;
    let gate = super::signature::Gatekeeper::of(sms);
    if !gate.is_open() {
        return Err(ApiError::NotFound);
    }
    // The URL the hub gave the gateway with the text.
    let url = sms
        .status_callback
        .as_ref()
        .zip(query.reminder.as_ref())
        .map(|(callback, reminder)| format!("{callback}?reminder={reminder}"));
    if !gate.lets_in(&headers, url.as_deref(), &body) {
        tracing::warn!("delivery report refused: no valid secret or signature");
        return Err(ApiError::BadRequest {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "missing or wrong reply secret or signature".into(),
        });
    }
    let refuse = |error: ReportError| ApiError::BadRequest {
        status: match error {
            ReportError::NotForm => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        },
        code: "bad_report",
        message: error.to_string(),
    };
    let reminder = query
        .reminder
        .filter(|id| reminder_id_ok(id))
        .ok_or(refuse(ReportError::Reminder))?;
    let report = parse(&body).map_err(refuse)?;
    let Some(reason) = report.bounce_reason() else {
        return Ok(StatusCode::NO_CONTENT);
    };
    let now = Timestamp::now();
    let id = reminder.clone();
    let found = state
        .db(move |db| db.report_undelivered(&id, &reason, now))
        .await?;
    if !found {
        return Err(ApiError::NotFound);
    }
    tracing::info!(%reminder, "text reported undelivered");
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undelivered_and_failed_bounce_and_nothing_else_does() {
        let report = parse(b"MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003").unwrap();
        assert_eq!(
            report.bounce_reason().as_deref(),
            Some("text gateway reported undelivered (30003)")
        );
        let report = parse(b"MessageStatus=failed&ErrorCode=").unwrap();
        assert_eq!(
            report.bounce_reason().as_deref(),
            Some("text gateway reported failed")
        );
        for other in ["delivered", "sent", "queued", "read", "whatever"] {
            let body = format!("MessageStatus={other}");
            assert_eq!(parse(body.as_bytes()).unwrap().bounce_reason(), None);
        }
    }

    #[test]
    fn garbage_is_refused_by_type() {
        for (body, error) in [
            (&b"ErrorCode=1"[..], ReportError::Status),
            (
                b"MessageStatus=failed&MessageStatus=sent",
                ReportError::Status,
            ),
            (
                b"MessageStatus=failed&ErrorCode=abc",
                ReportError::ErrorCode,
            ),
            (
                b"MessageStatus=failed&ErrorCode=12345678901",
                ReportError::ErrorCode,
            ),
            (
                b"MessageStatus=failed&ErrorCode=1&ErrorCode=2",
                ReportError::ErrorCode,
            ),
        ] {
            assert_eq!(parse(body), Err(error), "{}", String::from_utf8_lossy(body));
        }
        assert!(reminder_id_ok("reminder-0123456789abcdef"));
        for bad in [
            "reminder-0123",
            "reminder-0123456789abcdeg",
            "x-0123456789abcdef",
            "",
        ] {
            assert!(!reminder_id_ok(bad), "{bad}");
        }
    }
}

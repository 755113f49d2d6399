//! Replies to text reminders, forwarded by the SMS gateway to
//! `POST /api/sms/v1/inbound` (form-encoded `From` and `Body`, the Messages API's
//! webhook shape). "STOP" and its usual synonyms (and "ALTO" / "PARAR" in Spanish) opt
//! the patient with that number out of reminders, audited like the staff toggle; any other
//! reply is taken and ignored (the desk phone is for conversations).
//!
//! The route is not behind the staff sign-in: the gateway proves itself by the shared
//! secret or its request signature over `{public_url}/api/sms/v1/inbound` (see
//! [`super::signature`]). Bodies are limited to
//! [`MAX_BODY`] bytes; garbage gets a typed 4xx. The number and the words are never
//! logged.

use crate::domain::PhoneNumber;
use crate::office::error::ApiError;
use crate::office::server::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use jiff::Timestamp;

/// Largest reply body taken, in bytes (a long text is 1,600 characters, form-encoded).
pub const MAX_BODY: usize = 8 * 1024;

/// Longest text looked at, in characters.
const MAX_TEXT: usize = 1600;

/// Why a forwarded reply is refused. Carries no part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InboundError {
    #[error("the body is not form-encoded")]
    NotForm,
    #[error("the form has no From, or more than one")]
    From,
    #[error("From is not a phone number this office texts")]
    BadNumber,
    #[error("the form has no Body, or more than one")]
    Body,
    #[error("Body is longer than a text can be")]
    TooLong,
}

/// What a reply asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKeyword {
    /// No more reminders.
    Stop,
    /// Anything else.
    Other,
}

/// A forwarded reply, parsed. PHI: `Debug` hides the number.
#[derive(Clone, PartialEq, Eq)]
pub struct InboundText {
    pub from: PhoneNumber,
    pub keyword: ReplyKeyword,
}

impl std::fmt::Debug for InboundText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InboundText")
            .field("keyword", &self.keyword)
            .finish_non_exhaustive()
    }
}

/// The words that stop reminders: the carriers' standard English opt-out keywords and
/// the Spanish ones.
const STOP_WORDS: [&str; 8] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "ALTO",
    "PARAR",
];

/// What a reply's text asks for: a stop word alone, in any case, with spaces and closing
/// punctuation around it ("Stop.", " alto! ").
pub fn keyword(text: &str) -> ReplyKeyword {
    let word = text
        .trim()
        .trim_end_matches(['.', '!', '?'])
        .trim()
        .to_uppercase();
    if STOP_WORDS.contains(&word.as_str()) {
        ReplyKeyword::Stop
    } else {
        ReplyKeyword::Other
    }
}

/// Reads a forwarded reply's form body. Fields other than `From` and `Body` (the
/// gateway's ids and metadata) are ignored.
pub fn parse(body: &[u8]) -> Result<InboundText, InboundError> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|_| InboundError::NotForm)?;
    let one = |name: &str, error| {
        let mut values = fields.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (Some(value), None) => Ok(value),
            _ => Err(error),
        }
    };
    let from = one("From", InboundError::From)?;
    let from = PhoneNumber::parse(from).map_err(|_| InboundError::BadNumber)?;
    let text = one("Body", InboundError::Body)?;
    if text.chars().count() > MAX_TEXT {
        return Err(InboundError::TooLong);
    }
    Ok(InboundText {
        from,
        keyword: keyword(text),
    })
}

/// Where the gateway forwards replies.
pub const PATH: &str = "/api/sms/v1/inbound";

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, post(inbound).layer(DefaultBodyLimit::max(MAX_BODY)))
}

/// `POST /api/sms/v1/inbound`: 200 with an empty Messages-API reply document (no
/// answer text), 401 without the secret or a valid signature, 404 when neither a reply
/// secret nor a gateway token is configured, 413 for a
/// body over [`MAX_BODY`], 400/422 for garbage.
async fn inbound(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let gate = super::signature::Gatekeeper::of(&state.config.reminders.sms);
    if !gate.is_open() {
        return Err(ApiError::NotFound);
    }
    let url = state
        .config
        .reminders
        .public_url
        .as_ref()
        .map(|base| format!("{}{PATH}", base.as_str()));
    if !gate.lets_in(&headers, url.as_deref(), &body) {
        tracing::warn!("text reply refused: no valid secret or signature");
        return Err(ApiError::BadRequest {
            status: StatusCode::UNAUTHORIZED,
            code: "unauthorized",
            message: "missing or wrong reply secret or signature".into(),
        });
    }
    let reply = parse(&body).map_err(|error| ApiError::BadRequest {
        status: match error {
            InboundError::NotForm => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        },
        code: "bad_reply",
        message: error.to_string(),
    })?;
    if reply.keyword == ReplyKeyword::Stop {
        let now = Timestamp::now();
        let from = reply.from.clone();
        let patients = state.db(move |db| db.opt_out_by_phone(&from, now)).await?;
        tracing::info!(patients, "text reply: opted out");
    } else {
        tracing::info!("text reply: not a keyword, ignored");
    }
    Ok((
        [(header::CONTENT_TYPE, "application/xml")],
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_in_either_language_and_nothing_else() {
        for text in [
            "STOP",
            "stop",
            " Stop. ",
            "StopAll",
            "unsubscribe",
            "CANCEL",
            "end",
            "Quit!",
            "ALTO",
            "parar",
        ] {
            assert_eq!(keyword(text), ReplyKeyword::Stop, "{text}");
        }
        for text in ["", "thanks", "stop please", "don't stop", "STOP STOP", "ok"] {
            assert_eq!(keyword(text), ReplyKeyword::Other, "{text}");
        }
    }

    #[test]
    fn parses_the_webhook_form_and_refuses_garbage() {
        let ok = parse(b"MessageSid=SM1&From=%2B12175550123&To=%2B12175550100&Body=Stop").unwrap();
        assert_eq!(ok.from.digits(), "2175550123");
        assert_eq!(ok.keyword, ReplyKeyword::Stop);
        assert_eq!(format!("{ok:?}"), "InboundText { keyword: Stop, .. }");
        for (body, error) in [
            (&b"Body=STOP"[..], InboundError::From),
            (b"From=%2B12175550123", InboundError::Body),
            (
                b"From=%2B12175550123&From=%2B12175550124&Body=x",
                InboundError::From,
            ),
            (b"From=%2B442071234567&Body=STOP", InboundError::BadNumber),
            (b"From=hello&Body=STOP", InboundError::BadNumber),
        ] {
            assert_eq!(parse(body), Err(error), "{}", String::from_utf8_lossy(body));
        }
        let long = format!("From=%2B12175550123&Body={}", "a".repeat(1700));
        assert_eq!(parse(long.as_bytes()), Err(InboundError::TooLong));
    }
}

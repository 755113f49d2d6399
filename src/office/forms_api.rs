//! The forms on the wire: `GET /api/kiosk/v1/forms` for kiosks (with its revision as the
//! ETag, so an unchanged set is a `304`), and `GET /fhir/Questionnaire/{id}`, each
//! published questionnaire as a FHIR R4 Questionnaire under the configured canonical base.

use super::auth::AuthenticatedKiosk;
use super::error::ApiError;
use super::server::AppState;
use crate::questionnaire::fhir;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/kiosk/v1/forms", get(forms))
        .route("/fhir/Questionnaire/{id}", get(fhir_questionnaire))
}

/// Whether an `If-None-Match` header names `revision` (quoted or not, weak or not, or `*`).
pub fn names_revision(headers: &HeaderMap, revision: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/").trim_matches('"'))
        .any(|tag| tag == "*" || tag == revision)
}

/// `GET /api/kiosk/v1/forms`: what this office asks patients to sign and answer. No PHI.
async fn forms(
    State(state): State<AppState>,
    _kiosk: AuthenticatedKiosk,
    headers: HeaderMap,
) -> Response {
    let published = state.forms.published();
    let etag = format!("\"{}\"", published.revision);
    if names_revision(&headers, &published.revision) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        Json(published.as_ref()),
    )
        .into_response()
}

/// `GET /fhir/Questionnaire/{id}`: the version published now. Forms hold no PHI, so this
/// is open like the staff page (the office is on the practice's network).
async fn fhir_questionnaire(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let form = state
        .forms
        .current_questionnaire(&id)
        .ok_or(ApiError::NotFound)?;
    let resource = fhir::questionnaire(&form, &state.forms.canonical_base());
    let body = serde_json::to_vec(&resource).map_err(ApiError::internal)?;
    Ok((
        [(header::CONTENT_TYPE, "application/fhir+json; charset=utf-8")],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn if_none_match_is_read_quoted_weak_listed_or_bare() {
        for value in ["abc", "\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"] {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
            assert!(names_revision(&headers, "abc"), "{value}");
        }
        let mut headers = HeaderMap::new();
        assert!(!names_revision(&headers, "abc"));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abd\""));
        assert!(!names_revision(&headers, "abc"));
    }
}

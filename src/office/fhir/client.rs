//! HTTP to the FHIR server: JSON in and out, the bearer token on every request, bounded
//! answers, and errors that say what happened without quoting what was sent.

use crate::fhir::FhirError;
use crate::fhir::resources::OperationOutcome;
use crate::office::config::FhirConfig;
use reqwest::{Method, header};
use std::time::Duration;

/// The largest answer read (a day's schedule page with its patients fits many times).
pub const MAX_ANSWER: usize = 16 * 1024 * 1024;
const FHIR_JSON: &str = "application/fhir+json";

/// Why a request did not give a usable answer. Short, no PHI.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("cannot reach the server: {0}")]
    Unreachable(&'static str),
    #[error("the server answered {status}{}", .code.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Status {
        status: u16,
        /// The first `OperationOutcome` issue's code (`invalid`, `not-found`, …).
        code: Option<String>,
    },
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
    #[error("the answer is not usable: {0}")]
    Fhir(#[from] FhirError),
    #[error("a next-page link points away from the server")]
    ForeignLink,
}

impl CallError {
    /// Whether sending the same again cannot help (the server refused it as it is).
    /// Authorisation failures are not: the token may be fixed, and nothing is lost.
    pub fn is_final(&self) -> bool {
        match self {
            CallError::Status { status, .. } => {
                (400..500).contains(status) && ![401, 403, 408, 429].contains(status)
            }
            CallError::Fhir(_) | CallError::TooLarge(_) => true,
            CallError::Unreachable(_) | CallError::ForeignLink => false,
        }
    }

    /// Whether the server answered at all.
    pub fn reached_server(&self) -> bool {
        !matches!(self, CallError::Unreachable(_))
    }
}

impl From<reqwest::Error> for CallError {
    fn from(error: reqwest::Error) -> Self {
        CallError::Unreachable(if error.is_timeout() {
            "timed out"
        } else if error.is_connect() {
            "connection refused"
        } else {
            "connection lost"
        })
    }
}

/// What a successful write answered.
#[derive(Debug)]
pub struct Written {
    /// The `Location` header (`…/Patient/123/_history/1`), if any.
    pub location: Option<String>,
    pub body: Vec<u8>,
}

/// A client for one server.
pub struct FhirClient {
    http: reqwest::Client,
    /// The base URL without a trailing `/`.
    base: String,
    token: Option<String>,
}

impl FhirClient {
    pub fn new(config: &FhirConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.timeout_ms))
            .connect_timeout(Duration::from_millis(config.timeout_ms))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base: config
                .base_url
                .clone()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned(),
            token: config.bearer_token.clone(),
        })
    }

    /// `base/path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    /// Whether `url` is on this server (a next-page link may only lead there: the token
    /// goes with it).
    pub fn is_own(&self, url: &str) -> bool {
        url.strip_prefix(&self.base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
    }

    fn request(&self, method: Method, url: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, url)
            .header(header::ACCEPT, FHIR_JSON);
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// GETs `url` (on this server); the answer's bytes.
    pub async fn read(&self, url: &str) -> Result<Vec<u8>, CallError> {
        if !self.is_own(url) {
            return Err(CallError::ForeignLink);
        }
        let response = self.request(Method::GET, url).send().await?;
        answer(response).await.map(|(_, body)| body)
    }

    /// PUTs or POSTs `body` to `url`; `if_none_exist`: a conditional create's search.
    pub async fn write(
        &self,
        method: Method,
        url: &str,
        body: &impl serde::Serialize,
        if_none_exist: Option<&str>,
    ) -> Result<Written, CallError> {
        let bytes = serde_json::to_vec(body).map_err(FhirError::from)?;
        let mut request = self
            .request(method, url)
            .header(header::CONTENT_TYPE, FHIR_JSON)
            .body(bytes);
        if let Some(search) = if_none_exist {
            request = request.header("If-None-Exist", search);
        }
        let response = request.send().await?;
        let (location, body) = answer(response).await?;
        Ok(Written { location, body })
    }
}

/// Reads an answer (at most [`MAX_ANSWER`] bytes): its body when it is a success, else
/// the status with the `OperationOutcome`'s first issue code.
async fn answer(mut response: reqwest::Response) -> Result<(Option<String>, Vec<u8>), CallError> {
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER as u64)
    {
        return Err(CallError::TooLarge(MAX_ANSWER));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(CallError::TooLarge(MAX_ANSWER));
        }
        body.extend_from_slice(&chunk);
    }
    if status.is_success() {
        return Ok((location, body));
    }
    let code = serde_json::from_slice::<OperationOutcome>(&body)
        .ok()
        .filter(|o| o.resource_type == "OperationOutcome")
        .and_then(|o| o.issue.into_iter().find_map(|i| i.code))
        .filter(|c| {
            !c.is_empty() && c.len() <= 40 && c.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
        });
    Err(CallError::Status {
        status: status.as_u16(),
        code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_client_errors_are_final_and_links_stay_on_the_server() {
        let status = |status| CallError::Status { status, code: None };
        assert!(status(422).is_final());
        assert!(status(404).is_final());
        for again in [401, 403, 408, 429, 500, 503] {
            assert!(!status(again).is_final(), "{again}");
        }
        assert!(!CallError::Unreachable("timed out").is_final());
        let refused = CallError::Status {
            status: 422,
            code: Some("invalid".into()),
        };
        assert_eq!(refused.to_string(), "the server answered 422 (invalid)");
        let client = FhirClient::new(&FhirConfig {
            base_url: Some("https://ehr.example/fhir/".into()),
            ..FhirConfig::default()
        })
        .unwrap();
        assert_eq!(
            client.url("Patient/1"),
            "https://ehr.example/fhir/Patient/1"
        );
        assert!(client.is_own("https://ehr.example/fhir/Appointment?_page=2"));
        assert!(client.is_own("https://ehr.example/fhir?_getpages=x"));
        assert!(!client.is_own("https://ehr.example/fhirsteal/Appointment"));
        assert!(!client.is_own("https://evil.example/fhir/Appointment"));
    }
}

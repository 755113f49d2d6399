//! The HTTP client for the office's kiosk API.

use crate::api::{
    AppointmentContact, AppointmentDue, ConsentsOnFile, CoverageOnFile, ErrorBody, FormsResponse,
    Heartbeat, HelpRequest, InsuranceReference, KioskConfig, RosterResponse, SealedDelivery,
    SubmissionReceipt,
};
use crate::domain::AppointmentId;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::time::Duration;

/// Why a call to the office failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("office unreachable: {0}")]
    Unreachable(String),
    #[error("office refused this kiosk's credentials")]
    Unauthorized,
    #[error("this kiosk is disabled on the office's staff page")]
    Disabled,
    #[error("office rejected the request ({status}): {code}")]
    Rejected { status: u16, code: String },
    #[error("office failed ({0}); will retry")]
    ServerError(u16),
    #[error("office sent an unreadable answer")]
    BadAnswer,
}

impl ClientError {
    /// Worth retrying as-is later (the office may come back, or be fixed).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClientError::Unreachable(_) | ClientError::ServerError(_)
        )
    }
}

/// What the office answered to "which forms do you publish?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormsFetch {
    /// Nothing changed since the revision the kiosk has (`304 Not Modified`).
    NotModified,
    /// A set of forms, not yet checked.
    Published(Box<FormsResponse>),
    /// The office publishes no forms (an office from before forms answers 404): the kiosk
    /// keeps what it has.
    NotPublished,
}

/// What the office answered to "which payers and health card issuers do you trust?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsuranceFetch {
    /// Nothing changed since the revision the kiosk has (`304 Not Modified`).
    NotModified,
    Published(Box<InsuranceReference>),
    /// The office publishes none (an office from before insurance answers 404): the kiosk
    /// keeps what it has.
    NotPublished,
}

/// Talks to one office as one kiosk. Clones share the credential, so a kiosk paired (or
/// unpaired) while running switches every thread's client at once.
#[derive(Clone)]
pub struct OfficeClient {
    http: Client,
    base: String,
    token: std::sync::Arc<std::sync::RwLock<String>>,
}

impl OfficeClient {
    pub fn new(base_url: &str, token: &str) -> Result<Self, ClientError> {
        Self::with_timeout(base_url, token, Duration::from_secs(10))
    }

    /// A client whose requests give up after `timeout`: a patient waiting at the screen
    /// for a look-up should not wait as long as a background sync may.
    pub fn with_timeout(
        base_url: &str,
        token: &str,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        Self::connect(base_url, token, timeout, None)
    }

    /// A client for an `https://` office that trusts exactly the certificate `pin` names
    /// (see [`crate::tls::PinnedVerifier`]); with no pin, the plain client of
    /// [`Self::with_timeout`]. A certificate other than the pinned one fails every call
    /// as [`ClientError::Unreachable`]: the outbox keeps its rows.
    pub fn connect(
        base_url: &str,
        token: &str,
        timeout: Duration,
        pin: Option<crate::tls::Fingerprint>,
    ) -> Result<Self, ClientError> {
        let mut builder = Client::builder()
            .connect_timeout(Duration::from_secs(3).min(timeout))
            .timeout(timeout)
            .user_agent(concat!("frontdesk-kiosk/", env!("CARGO_PKG_VERSION")));
        if let Some(pin) = pin {
            let tls = crate::tls::pinned_client_config(pin)
                .map_err(|e| ClientError::Unreachable(e.to_string()))?;
            builder = builder.use_preconfigured_tls(tls);
        }
        let http = builder
            .build()
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        Ok(Self {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            token: std::sync::Arc::new(std::sync::RwLock::new(token.to_owned())),
        })
    }

    /// Uses `token` from now on, in this client and every clone of it (empty: none).
    pub fn set_token(&self, token: &str) {
        *self.token.write().unwrap_or_else(|p| p.into_inner()) = token.to_owned();
    }

    /// This client, presenting whatever credential `other` presents, now and after it is
    /// changed (a client with another timeout for the same kiosk).
    pub fn sharing_credential_of(mut self, other: &OfficeClient) -> Self {
        self.token = other.token.clone();
        self
    }

    /// Whether the client has a credential to present.
    pub fn has_token(&self) -> bool {
        !self
            .token
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}{path}", self.base, crate::api::KIOSK_API)
    }

    fn send(&self, request: RequestBuilder) -> Result<Response, ClientError> {
        let token = self.token.read().unwrap_or_else(|p| p.into_inner()).clone();
        let request = if token.is_empty() {
            request
        } else {
            request.bearer_auth(token)
        };
        let response = request
            .send()
            // reqwest's error text names the URL and the kind of failure; no body.
            .map_err(|e| ClientError::Unreachable(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status == StatusCode::UNAUTHORIZED {
            return Err(ClientError::Unauthorized);
        }
        if status.is_server_error() {
            return Err(ClientError::ServerError(status.as_u16()));
        }
        let code = response
            .json::<ErrorBody>()
            .map(|body| body.error)
            .unwrap_or_else(|_| "unknown".into());
        if status == StatusCode::FORBIDDEN && code == crate::api::KIOSK_DISABLED {
            return Err(ClientError::Disabled);
        }
        Err(ClientError::Rejected {
            status: status.as_u16(),
            code,
        })
    }

    pub fn config(&self) -> Result<KioskConfig, ClientError> {
        self.send(self.http.get(self.url("/config")))?
            .json()
            .map_err(|_| ClientError::BadAnswer)
    }

    pub fn roster(&self) -> Result<RosterResponse, ClientError> {
        self.send(self.http.get(self.url("/roster")))?
            .json()
            .map_err(|_| ClientError::BadAnswer)
    }

    /// Hands one sealed outbox row to the office.
    pub fn deliver(&self, delivery: &SealedDelivery) -> Result<SubmissionReceipt, ClientError> {
        self.send(self.http.post(self.url("/outbox")).json(delivery))?
            .json()
            .map_err(|_| ClientError::BadAnswer)
    }

    pub fn heartbeat(&self, beat: &Heartbeat) -> Result<(), ClientError> {
        self.send(self.http.post(self.url("/heartbeat")).json(beat))
            .map(drop)
    }

    /// The contact details on file for one of today's appointments, for its patient to
    /// confirm; `None` when the office knows no such appointment today.
    pub fn contact(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<AppointmentContact>, ClientError> {
        self.about_appointment(appointment, "contact")
    }

    /// The consent versions the patient of one of today's appointments has signed;
    /// `None` when the office knows no such appointment today.
    pub fn consents(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<ConsentsOnFile>, ClientError> {
        self.about_appointment(appointment, "consents")
    }

    /// The coverage on file for the patient of one of today's appointments; `None` when
    /// the office knows no such appointment today.
    pub fn coverage(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<CoverageOnFile>, ClientError> {
        self.about_appointment(appointment, "coverage")
    }

    /// What the patient of one of today's appointments owes now; `None` when the office
    /// knows no such appointment today.
    pub fn due(&self, appointment: AppointmentId) -> Result<Option<AppointmentDue>, ClientError> {
        self.about_appointment(appointment, "due")
    }

    /// The office's payer list and trusted health card issuers, unless still at
    /// `revision`.
    pub fn insurance(&self, revision: Option<&str>) -> Result<InsuranceFetch, ClientError> {
        let mut request = self.http.get(self.url("/insurance"));
        if let Some(revision) = revision.filter(|r| !r.is_empty()) {
            request = request.header(reqwest::header::IF_NONE_MATCH, revision);
        }
        match self.send(request) {
            Ok(response) => response
                .json()
                .map(|reference| InsuranceFetch::Published(Box::new(reference)))
                .map_err(|_| ClientError::BadAnswer),
            // Not a success to `send`: 304 carries no body.
            Err(ClientError::Rejected { status: 304, .. }) => Ok(InsuranceFetch::NotModified),
            Err(ClientError::Rejected { status: 404, .. }) => Ok(InsuranceFetch::NotPublished),
            Err(error) => Err(error),
        }
    }

    /// `GET /appointments/{handle}/{what}`: a 404 means the office knows no such
    /// appointment today.
    fn about_appointment<T: serde::de::DeserializeOwned>(
        &self,
        appointment: AppointmentId,
        what: &str,
    ) -> Result<Option<T>, ClientError> {
        let path = format!("/appointments/{}/{what}", appointment.get());
        match self.send(self.http.get(self.url(&path))) {
            Ok(response) => response
                .json()
                .map(Some)
                .map_err(|_| ClientError::BadAnswer),
            Err(ClientError::Rejected { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The office's published forms, unless they are still at `revision`.
    pub fn forms(&self, revision: Option<&str>) -> Result<FormsFetch, ClientError> {
        let mut request = self.http.get(self.url("/forms"));
        if let Some(revision) = revision.filter(|r| !r.is_empty()) {
            request = request.header(reqwest::header::IF_NONE_MATCH, revision);
        }
        match self.send(request) {
            Ok(response) => response
                .json()
                .map(|forms| FormsFetch::Published(Box::new(forms)))
                .map_err(|_| ClientError::BadAnswer),
            // Not a success to `send`: 304 carries no body.
            Err(ClientError::Rejected { status: 304, .. }) => Ok(FormsFetch::NotModified),
            Err(ClientError::Rejected { status: 404, .. }) => Ok(FormsFetch::NotPublished),
            Err(error) => Err(error),
        }
    }

    pub fn help(&self, request: &HelpRequest) -> Result<(), ClientError> {
        self.send(self.http.post(self.url("/help")).json(request))
            .map(drop)
    }

    /// Asks the office to pair this kiosk (no credential needed): the request waits until
    /// an administrator enters its code, or expires.
    pub fn request_pairing(
        &self,
        request: &crate::pairing::PairingRequest,
    ) -> Result<crate::pairing::PairingWaiting, ClientError> {
        self.send(self.http.post(self.url("/pairing")).json(request))?
            .json()
            .map_err(|_| ClientError::BadAnswer)
    }

    /// Asks after a pairing request; `None` when the office knows it no more (expired,
    /// collected, or the office restarted): the kiosk shows a new code.
    pub fn poll_pairing(
        &self,
        poll: &crate::pairing::PairingPoll,
    ) -> Result<Option<crate::pairing::PollAnswer>, ClientError> {
        match self.send(self.http.post(self.url("/pairing/poll")).json(poll)) {
            Ok(response) => response
                .json()
                .map(Some)
                .map_err(|_| ClientError::BadAnswer),
            Err(ClientError::Rejected { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }
}

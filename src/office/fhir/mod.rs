//! The office's FHIR R4 interface to the EHR (issue 14): a puller taking today's
//! appointments from the server on a schedule into the appointment list, a sender
//! delivering the durable write queue (patient, arrival, encounter, answers, coverage,
//! consent), and the interface's row on the staff page.
//!
//! Both run as tasks on the office's runtime; neither is on a check-in's path: a check-in
//! only writes queue rows in its own transaction.

pub mod client;
pub mod pull;
pub mod sender;
pub mod status;

use super::server::AppState;
use super::store::FhirWrites;
use crate::office::config::{FhirConfig, FhirWrite};
use jiff::Timestamp;
use std::sync::Mutex;

/// Live state of the interface, for the staff page. Errors are short texts without PHI.
#[derive(Debug, Default)]
pub struct FhirLink {
    state: Mutex<LinkState>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct LinkState {
    /// Whether the last request reached the server and got an answer.
    pub(crate) reachable: bool,
    pub(crate) last_error: Option<(Timestamp, String)>,
    pub(crate) last_delivered_at: Option<Timestamp>,
    pub(crate) last_pulled_at: Option<Timestamp>,
    pub(crate) pulled_appointments: u64,
    pub(crate) last_pull_error: Option<(Timestamp, String)>,
}

impl FhirLink {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn reachable(&self, reachable: bool) {
        self.lock().reachable = reachable;
    }

    fn outbound_error(&self, at: Timestamp, error: String) {
        self.lock().last_error = Some((at, error));
    }

    fn delivered(&self, at: Timestamp) {
        let mut state = self.lock();
        state.last_delivered_at = Some(at);
        state.last_error = None;
        state.reachable = true;
    }

    fn pulled(&self, at: Timestamp, outcome: Result<u64, String>) {
        let mut state = self.lock();
        match outcome {
            Ok(count) => {
                state.last_pulled_at = Some(at);
                state.pulled_appointments = count;
                state.last_pull_error = None;
            }
            Err(error) => state.last_pull_error = Some((at, error)),
        }
    }
}

/// What check-ins queue, from the configuration.
pub fn writes(config: &FhirConfig) -> FhirWrites {
    FhirWrites {
        patient: config.writes(FhirWrite::Patient),
        arrived: config.writes(FhirWrite::Appointment),
        encounter: config.writes(FhirWrite::Encounter),
        questionnaire_response: config.writes(FhirWrite::QuestionnaireResponse),
        coverage: config.writes(FhirWrite::Coverage),
        consent: config.writes(FhirWrite::Consent),
    }
}

/// Starts the puller (when a schedule is set) and the sender on the current runtime, when
/// a server is configured; they end when the office stops.
pub fn start(state: &AppState) {
    let config = &state.config.fhir;
    if config.base_url.is_none() {
        return;
    }
    let client = match client::FhirClient::new(config) {
        Ok(client) => std::sync::Arc::new(client),
        Err(error) => {
            tracing::error!(%error, "FHIR client not built; the interface is off");
            state.fhir.outbound_error(
                Timestamp::now(),
                "the HTTP client could not be built".into(),
            );
            return;
        }
    };
    if config.pull_every_secs > 0 {
        tokio::spawn(pull::run(state.clone(), client.clone()));
    }
    if !config.write.is_empty() {
        tokio::spawn(sender::run(state.clone(), client));
    }
}

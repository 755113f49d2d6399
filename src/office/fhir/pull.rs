//! Appointments in: every `[fhir] pull_every_secs`, today's appointments with their
//! patients and practitioners (`_include`) are read from the server, page by page, and
//! stored in one transaction (see `OfficeStore::import_fhir_day`): the same appointment
//! pulled twice is one row, a changed time updates it, one the server no longer lists for
//! today (cancelled, moved) leaves the list unless the patient is here. A page that cannot
//! be read stores nothing; the staff row says why.

use super::client::{CallError, FhirClient};
use crate::domain::Cents;
use crate::fhir::FhirError;
use crate::fhir::schedule::{ScheduledVisit, read_schedule};
use crate::office::appointments::PatientNumber;
use crate::office::events::QueueEvent;
use crate::office::reminders::ReminderPrefs;
use crate::office::server::AppState;
use crate::office::store::{NewAppointment, PullStored, PulledAppointment};
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The most pages one pull follows (at the server's page size, thousands of visits).
const MAX_PAGES: usize = 50;
/// Asked page size; servers may give fewer.
const PAGE_SIZE: usize = 200;

/// Why a pull stored nothing. Short, no PHI.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Call(#[from] CallError),
    #[error("the schedule is not usable: {0}")]
    Schedule(#[from] FhirError),
    #[error("the schedule has more than {MAX_PAGES} pages")]
    TooManyPages,
    #[error("the office database is unavailable")]
    Store,
    #[error("the clinic's day has no start in its time zone")]
    Day,
}

/// Runs until the office stops: a pull at once, then one every `pull_every_secs`.
pub async fn run(state: AppState, client: Arc<FhirClient>) {
    let every = Duration::from_secs(state.config.fhir.pull_every_secs);
    let mut stopping = state.stopping.clone();
    loop {
        if *stopping.borrow() {
            return;
        }
        let now = Timestamp::now();
        match pull_once(&state, &client, now).await {
            Ok(stored) => {
                tracing::info!(
                    stored = stored.stored,
                    removed = stored.removed,
                    "FHIR schedule pulled"
                );
            }
            Err(error) => tracing::warn!(%error, "FHIR schedule pull failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stopping.changed() => return,
        }
    }
}

/// Pulls the clinic's day of `now` once and stores it; the outcome is also on the
/// staff row.
pub async fn pull_once(
    state: &AppState,
    client: &FhirClient,
    now: Timestamp,
) -> Result<PullStored, PullError> {
    let outcome = pull_day(state, client, state.today(now), now).await;
    match &outcome {
        Ok(_) => state.fhir.reachable(true),
        Err(PullError::Call(error)) => state.fhir.reachable(error.reached_server()),
        Err(_) => {}
    }
    state.fhir.pulled(
        now,
        outcome
            .as_ref()
            .map(|s| s.stored as u64)
            .map_err(ToString::to_string),
    );
    outcome
}

async fn pull_day(
    state: &AppState,
    client: &FhirClient,
    day: Date,
    now: Timestamp,
) -> Result<PullStored, PullError> {
    // The clinic's day as UTC instants: a bare `date=YYYY-MM-DD` is read in the FHIR
    // server's own zone, which need not be the clinic's. `Z`, so no `+` to escape.
    let (from, until) = state.day_bounds(day).ok_or(PullError::Day)?;
    let mut url = client.url(&format!(
        "Appointment?date=ge{from}&date=lt{until}&_include=Appointment:patient\
         &_include=Appointment:practitioner&_count={PAGE_SIZE}"
    ));
    // By appointment id: a page boundary moving during the pull may repeat one.
    let mut visits = BTreeMap::new();
    let mut pages = 0;
    loop {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(PullError::TooManyPages);
        }
        let bytes = client.read(&url).await?;
        let page = read_schedule(&bytes, &state.timezone, day)?;
        for visit in page.visits {
            visits.insert(visit.appointment.clone(), visit);
        }
        match page.next {
            Some(next) => url = next,
            None => break,
        }
    }
    let system = state.config.fhir.patient_identifier_system.clone();
    let list: Vec<_> = visits
        .into_values()
        .map(|visit| pulled(visit, &system))
        .collect();
    let stored = state
        .db(move |db| db.import_fhir_day(day, &list, now))
        .await
        .map_err(|_| PullError::Store)?;
    state.events.publish(QueueEvent::AppointmentsChanged);
    Ok(stored)
}

/// The appointment list's row for a visit. The patient number is the identifier of the
/// configured system, else the first medical record number the hub can hold.
fn pulled(visit: ScheduledVisit, system: &str) -> PulledAppointment {
    let patient_id = visit
        .identifiers
        .iter()
        .find(|(s, _)| s.as_deref() == Some(system))
        .or(visit.identifiers.first())
        .and_then(|(_, value)| PatientNumber::new(value));
    PulledAppointment {
        appointment: NewAppointment {
            external_id: visit.appointment.as_str().to_owned(),
            day: visit.day,
            starts_at: visit.starts_at,
            patient: visit.patient,
            provider: visit.provider,
            copay: Cents::ZERO,
            balance: Cents::ZERO,
            date_of_birth: visit.date_of_birth,
            contact: Some(visit.contact),
            patient_id,
            reminders: ReminderPrefs {
                language: visit.language,
                channel: None,
            },
        },
        fhir_appointment: visit.appointment,
        fhir_patient: visit.patient_id,
    }
}

//! Arrivals and registrations out: delivers the durable write queue to the FHIR server,
//! one write at a time, in order per patient. A success marks it delivered; a refusal
//! (a 4xx other than 401/403/408/429) marks it failed (the same again will not help);
//! anything else leaves it waiting, tried again with backoff.
//!
//! Updates read the server's resource first and write it back changed (a PUT of the
//! whole resource), so what the hub does not model is kept.

use super::client::{CallError, FhirClient, Written};
use crate::fhir::write::{self, ArrivalUpdate, CoverageCancel, PatientFacts};
use crate::fhir::{FhirError, FhirId, split_reference};
use crate::office::outbound::{self, backoff};
use crate::office::server::AppState;
use crate::office::store::{
    CoveragePart, CoverageWrite, FhirItem, FhirKind, FhirVisit, StoreError,
};
use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use std::sync::Arc;

/// How one write ended.
enum Outcome {
    Delivered {
        created: Option<FhirId>,
    },
    /// Not sent and never will be (reason without PHI).
    Refused(String),
}

/// Runs until the office stops.
pub async fn run(state: AppState, client: Arc<FhirClient>) {
    let max_backoff = state.config.fhir.max_backoff_ms;
    let mut stopping = state.stopping.clone();
    let mut events = state.events.subscribe();
    // Writes in a row that did not get through.
    let mut failures: u32 = 0;
    loop {
        if *stopping.borrow() {
            return;
        }
        let now = Timestamp::now();
        let item = match state.db(move |db| db.next_fhir_outbound(now)).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                let due = state.db(|db| db.next_fhir_due()).await.ok().flatten();
                if !outbound::idle(due, &mut events, &mut stopping).await {
                    return;
                }
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "FHIR queue unreadable");
                if !outbound::pause(&mut stopping).await {
                    return;
                }
                continue;
            }
        };
        let row = item.row;
        let outcome = deliver(&state, &client, &item).await;
        let now = Timestamp::now();
        let settled = match outcome {
            Ok(Outcome::Delivered { created }) => {
                failures = 0;
                state.fhir.delivered(now);
                state
                    .db(move |db| db.fhir_delivered(row, created.as_ref(), now))
                    .await
            }
            Ok(Outcome::Refused(reason)) => {
                failures = 0;
                state.fhir.outbound_error(now, reason.clone());
                state.db(move |db| db.fhir_failed(row, &reason, now)).await
            }
            Err(error) if error.is_final() => {
                failures = 0;
                state.fhir.reachable(true);
                let reason = error.to_string();
                state.fhir.outbound_error(now, reason.clone());
                state.db(move |db| db.fhir_failed(row, &reason, now)).await
            }
            Err(error) => {
                state.fhir.reachable(error.reached_server());
                let reason = error.to_string();
                state.fhir.outbound_error(now, reason.clone());
                let next = now
                    + SignedDuration::try_from(backoff(item.attempts, max_backoff))
                        .unwrap_or_default();
                let settled = state
                    .db(move |db| db.fhir_retry(row, &reason, next, now))
                    .await;
                // The server is in trouble: wait before the next write too, so an outage
                // costs one try per backoff period, not one per waiting patient.
                let wait = backoff(failures, max_backoff);
                failures = failures.saturating_add(1);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopping.changed() => return,
                }
                settled
            }
        };
        if let Err(error) = settled {
            tracing::warn!(%error, "FHIR write outcome not recorded");
        }
    }
}

/// Why a write stopped short of the server's answer: refused by us (not sent, never
/// will be; a reason without PHI), or the call failed.
enum Halt {
    Refused(String),
    Call(CallError),
}

impl From<CallError> for Halt {
    fn from(error: CallError) -> Self {
        Self::Call(error)
    }
}

impl From<FhirError> for Halt {
    fn from(error: FhirError) -> Self {
        Self::Call(error.into())
    }
}

impl Halt {
    fn refused(reason: impl Into<String>) -> Self {
        Self::Refused(reason.into())
    }
}

/// Builds and sends one write.
async fn deliver(
    state: &AppState,
    client: &FhirClient,
    item: &FhirItem,
) -> Result<Outcome, CallError> {
    let appointment = item.appointment;
    let sent = match on_file(state, "appointment", move |db| db.fhir_visit(appointment)).await {
        Ok(visit) => match item.kind {
            FhirKind::Patient => patient(state, client, &visit).await,
            FhirKind::Arrived => arrival(client, &visit).await,
            FhirKind::Encounter => encounter(state, client, &visit).await,
            FhirKind::QuestionnaireResponse => answers(state, client, item, &visit).await,
            FhirKind::Coverage => coverage(state, client, item, &visit).await,
            FhirKind::Consent => consent(state, client, item, &visit).await,
        },
        Err(halt) => Err(halt),
    };
    match sent {
        Ok(outcome) => Ok(outcome),
        Err(Halt::Refused(reason)) => Ok(Outcome::Refused(reason)),
        Err(Halt::Call(error)) => Err(error),
    }
}

/// The server's `Patient` of the visit: a write about the patient needs it.
fn known_patient(visit: &FhirVisit) -> Result<&FhirId, Halt> {
    visit
        .fhir_patient
        .as_ref()
        .ok_or_else(|| Halt::refused("patient not known to the FHIR server"))
}

/// What a row's item names, read as `read` reads it (`what`: its name in the refusal).
fn item_of<T>(
    item: &FhirItem,
    what: &'static str,
    read: impl FnOnce(&str) -> Option<T>,
) -> Result<T, Halt> {
    item.item
        .as_deref()
        .and_then(read)
        .ok_or_else(|| Halt::refused(format!("{what} unreadable")))
}

/// What a write sends, from the office database as it is now: refused once it is no
/// longer on file (`what`: its name in the refusal); tried again while the database is
/// unavailable.
async fn on_file<T, F>(state: &AppState, what: &'static str, read: F) -> Result<T, Halt>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::office::store::OfficeStore) -> Result<Option<T>, StoreError>
        + Send
        + 'static,
{
    match state.db(read).await {
        Ok(Some(found)) => Ok(found),
        Ok(None) => Err(Halt::refused(format!("{what} no longer on file"))),
        Err(_) => Err(Halt::Call(CallError::Unreachable(
            "office database unavailable",
        ))),
    }
}

/// A `Coverage` row ([`CoverageWrite`]): one plan of the patient's coverage answer, or
/// their self-pay, PUT under an id of the answer and part (a retry writes the same
/// resource again); or such a resource of an older answer cancelled at the server.
async fn coverage(
    state: &AppState,
    client: &FhirClient,
    item: &FhirItem,
    visit: &FhirVisit,
) -> Result<Outcome, Halt> {
    let patient = known_patient(visit)?;
    let write = item_of(item, "coverage item", CoverageWrite::parse)?;
    let id = write.fhir_id();
    let url = client.url(&format!("Coverage/{id}"));
    if write.cancel {
        return cancel_coverage(client, &url, &id).await;
    }
    let resource = match write.part {
        CoveragePart::SelfPay => write::self_pay_coverage(&id, patient),
        CoveragePart::Plan(rank) => {
            let answer = write.answer.to_string();
            let plan =
                on_file(state, "coverage", move |db| db.fhir_coverage(&answer, rank)).await?;
            let payer = plan.payer();
            let payer_name = payer
                .id
                .as_ref()
                .and_then(|id| state.insurance.setup.payer_name(id))
                .unwrap_or(&payer.name);
            write::coverage(&write::CoverageFacts {
                id: &id,
                patient,
                coverage: &plan,
                payer_name: payer_name.as_str(),
                payer_system: &state.config.fhir.payer_identifier_system,
            })
        }
    };
    client.write(Method::PUT, &url, &resource, None).await?;
    Ok(Outcome::Delivered { created: None })
}

/// Marks the server's `Coverage` at `url` cancelled (read, changed, written back). One
/// the server does not have (never written, or removed there) has nothing to cancel.
async fn cancel_coverage(client: &FhirClient, url: &str, id: &FhirId) -> Result<Outcome, Halt> {
    let existing: serde_json::Value = match client.read(url).await {
        Ok(body) => crate::fhir::from_json(&body)?,
        Err(CallError::Status {
            status: 404 | 410, ..
        }) => return Ok(Outcome::Delivered { created: None }),
        Err(error) => return Err(error.into()),
    };
    if let CoverageCancel::Put(cancelled) = write::cancelled_coverage(existing, id)? {
        client.write(Method::PUT, url, &cancelled, None).await?;
    }
    Ok(Outcome::Delivered { created: None })
}

/// A document the patient signed (`item.item`: the signature's id) as a `Consent`, PUT
/// under the signature's id. The signature itself stays on the hub (see the README).
async fn consent(
    state: &AppState,
    client: &FhirClient,
    item: &FhirItem,
    visit: &FhirVisit,
) -> Result<Outcome, Halt> {
    let patient = known_patient(visit)?;
    let (signed, id) = item_of(item, "consent id", |text| {
        crate::domain::SignedConsentId::parse(text).zip(FhirId::new(text))
    })?;
    let row = on_file(state, "consent", move |db| db.consent(signed)).await?;
    let signed_at = fhir_date_time(state, row.signed_at);
    let base = state.config.forms.canonical_base.trim_end_matches('/');
    let resource = write::consent(&write::ConsentFacts {
        id: &id,
        patient,
        scope: state.config.fhir.consent_scope(row.document.as_str()),
        signed_at: &signed_at,
        policy: format!("{base}/consent/{}/{}", row.document, row.version),
    });
    let url = client.url(&format!("Consent/{id}"));
    client.write(Method::PUT, &url, &resource, None).await?;
    Ok(Outcome::Delivered { created: None })
}

/// `at` as an R4 `dateTime` in the clinic's zone.
fn fhir_date_time(state: &AppState, at: Timestamp) -> String {
    at.to_zoned(state.timezone.clone())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The intake response `item.item` as a `QuestionnaireResponse` about the patient, PUT
/// under the response's own id (a retry writes the same resource again).
async fn answers(
    state: &AppState,
    client: &FhirClient,
    item: &FhirItem,
    visit: &FhirVisit,
) -> Result<Outcome, Halt> {
    let patient = known_patient(visit)?;
    let (intake, id) = item_of(item, "intake response id", |text| {
        crate::domain::IntakeResponseId::parse(text).zip(FhirId::new(text))
    })?;
    let row = on_file(state, "intake response", move |db| {
        db.intake_response(intake)
    })
    .await?;
    let mut response = crate::office::intake_answers::office_response(state, &row)
        .map(|(_, _, fhir)| fhir)
        .unwrap_or(row.submission.response);
    response.subject = Some(crate::questionnaire::fhir::Reference {
        reference: format!("Patient/{patient}"),
    });
    // The resource carries its id on an update.
    let mut body = serde_json::to_value(&response).map_err(FhirError::from)?;
    body["id"] = serde_json::Value::String(id.as_str().to_owned());
    let url = client.url(&format!("QuestionnaireResponse/{id}"));
    client.write(Method::PUT, &url, &body, None).await?;
    Ok(Outcome::Delivered { created: None })
}

async fn patient(
    state: &AppState,
    client: &FhirClient,
    visit: &FhirVisit,
) -> Result<Outcome, Halt> {
    let system = &state.config.fhir.patient_identifier_system;
    let facts = PatientFacts {
        name: visit.appointment.patient.clone(),
        date_of_birth: visit.appointment.date_of_birth,
        contact: visit.contact.clone(),
        number: visit
            .patient_number
            .as_ref()
            .map(|n| (system.clone(), n.clone())),
    };
    if let Some(id) = &visit.fhir_patient {
        let url = client.url(&format!("Patient/{id}"));
        let existing: serde_json::Value = crate::fhir::from_json(&client.read(&url).await?)?;
        let updated = write::updated_patient(existing, id, &facts)?;
        client.write(Method::PUT, &url, &updated, None).await?;
        return Ok(Outcome::Delivered { created: None });
    }
    // Not known to the server by id: create it, unless it has the patient number already.
    let search = facts
        .number
        .as_ref()
        .map(|(system, value)| format!("identifier={system}|{value}"));
    let written = client
        .write(
            Method::POST,
            &client.url("Patient"),
            &write::new_patient(&facts),
            search.as_deref(),
        )
        .await?;
    Ok(Outcome::Delivered {
        created: Some(created_id(&written, "Patient")?),
    })
}

/// The id of what a create made (or found): from `Location`, else the answer's body.
fn created_id(written: &Written, kind: &'static str) -> Result<FhirId, FhirError> {
    if let Some((k, id)) = written.location.as_deref().and_then(split_reference)
        && k == kind
    {
        return Ok(id);
    }
    let head: crate::fhir::resources::ResourceHead = crate::fhir::from_json(&written.body)?;
    if head.resource_type != kind {
        return Err(FhirError::WrongResource { expected: kind });
    }
    head.id
        .as_deref()
        .and_then(FhirId::new)
        .ok_or(FhirError::BadId { resource: kind })
}

async fn arrival(client: &FhirClient, visit: &FhirVisit) -> Result<Outcome, Halt> {
    let Some(id) = &visit.fhir_appointment else {
        return Err(Halt::refused("appointment not from the FHIR server"));
    };
    let url = client.url(&format!("Appointment/{id}"));
    let existing: serde_json::Value = crate::fhir::from_json(&client.read(&url).await?)?;
    match write::arrived(existing, id)? {
        ArrivalUpdate::Put(updated) => {
            client.write(Method::PUT, &url, &updated, None).await?;
            Ok(Outcome::Delivered { created: None })
        }
        ArrivalUpdate::AlreadyArrived => Ok(Outcome::Delivered { created: None }),
        ArrivalUpdate::Off => Ok(Outcome::Refused(format!(
            "Appointment/{id} is cancelled at the server"
        ))),
    }
}

async fn encounter(
    state: &AppState,
    client: &FhirClient,
    visit: &FhirVisit,
) -> Result<Outcome, Halt> {
    let (Some(appointment), Some(patient)) = (&visit.fhir_appointment, &visit.fhir_patient) else {
        return Err(Halt::refused("appointment not from the FHIR server"));
    };
    let arrived_at = fhir_date_time(state, visit.arrived_at.unwrap_or_else(Timestamp::now));
    let resource = write::encounter(patient, appointment, &arrived_at);
    // Conditional: a retry after a lost answer finds the first one instead of a second.
    let search = format!("appointment=Appointment/{appointment}");
    client
        .write(
            Method::POST,
            &client.url("Encounter"),
            &resource,
            Some(&search),
        )
        .await?;
    Ok(Outcome::Delivered { created: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        assert_eq!(backoff(0, 60_000), Duration::from_millis(250));
        assert_eq!(backoff(3, 60_000), Duration::from_millis(2000));
        assert_eq!(backoff(40, 60_000), Duration::from_millis(60_000));
    }

    #[test]
    fn a_created_id_comes_from_the_location_or_the_body() {
        let located = Written {
            location: Some("http://127.0.0.1:1/fhir/Patient/p-9/_history/1".into()),
            body: Vec::new(),
        };
        assert_eq!(created_id(&located, "Patient").unwrap().as_str(), "p-9");
        let bodied = Written {
            location: None,
            body: br#"{"resourceType":"Patient","id":"p-8"}"#.to_vec(),
        };
        assert_eq!(created_id(&bodied, "Patient").unwrap().as_str(), "p-8");
        let neither = Written {
            location: None,
            body: Vec::new(),
        };
        assert!(created_id(&neither, "Patient").is_err());
    }
}

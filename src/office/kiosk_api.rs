//! `/api/kiosk/v1`: configuration, today's roster, sealed outbox delivery (check-ins here,
//! registrations in `registrations`, payments in `payments`), heartbeat, help.

use super::auth::AuthenticatedKiosk;
use super::error::{ApiError, ApiJson};
use super::events::QueueEvent;
use super::server::AppState;
use super::store::Actor;
use crate::api::{
    AppointmentContact, CheckInSubmission, DetailsChangeSubmission, Heartbeat, HelpRequest,
    KioskConfig, OpenError, OutboxBody, RosterResponse, SealedDelivery, SubmissionOutcome,
    SubmissionReceipt,
};
use crate::checkin::RosterEntry;
use crate::domain::{AmountDue, AppointmentId, KioskId};
use crate::office::audit::AuditAction;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;

/// Largest sealed outbox row read: a card photo at its limit, twice base64-encoded.
pub const MAX_OUTBOX_BODY: usize = crate::api::CardPhotoSubmission::MAX_JPEG * 2 + 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/kiosk/v1/config", get(config))
        .route("/api/kiosk/v1/roster", get(roster))
        // A card photo is up to 2 MiB of JPEG, base64 inside a sealed box, base64 again.
        .route(
            "/api/kiosk/v1/outbox",
            post(deliver_outbox).layer(axum::extract::DefaultBodyLimit::max(MAX_OUTBOX_BODY)),
        )
        .route("/api/kiosk/v1/heartbeat", post(heartbeat))
        .route("/api/kiosk/v1/help", post(help))
        .route(
            "/api/kiosk/v1/appointments/{handle}/contact",
            get(appointment_contact),
        )
}

async fn config(State(state): State<AppState>, _kiosk: AuthenticatedKiosk) -> Json<KioskConfig> {
    Json(super::pairing::kiosk_config(&state))
}

async fn roster(
    State(state): State<AppState>,
    _kiosk: AuthenticatedKiosk,
) -> Result<Json<RosterResponse>, ApiError> {
    let today = state.today(Timestamp::now());
    let (appointments, checked_in) = state
        .db(move |db| {
            let mut appointments = db.appointments_on(today)?;
            // The co-pay an eligibility check set replaces the scheduled one.
            let verified = db.verified_copays_on(today)?;
            for a in &mut appointments {
                a.copay = verified.get(&a.id).copied().unwrap_or(a.copay);
            }
            Ok((appointments, db.checked_in_appointments(today)?))
        })
        .await?;
    let waiting = checked_in
        .iter()
        .filter(|(_, status)| status.is_waiting())
        .count();
    let checked: std::collections::HashSet<_> = checked_in.iter().map(|(id, _)| *id).collect();
    let identity_key = state.identity_secret.key_for(today);
    let entries = appointments
        .into_iter()
        .map(|a| RosterEntry {
            // A name on file always normalises (a `PersonName` has letters); if one ever did
            // not, that patient is simply not matchable by name, as without a DOB.
            code: Some(identity_key.hash_code(&state.identity_secret.short_code(a.id))),
            identity: a
                .date_of_birth
                .and_then(|dob| identity_key.hash(a.patient.last(), dob).ok()),
            appointment: a.id,
            display_name: a.patient.display_name(),
            starts_at: a.starts_at,
            provider: a.provider,
            checked_in: checked.contains(&a.id),
            due: AmountDue {
                copay: a.copay,
                balance: a.balance,
            },
        })
        .collect();
    Ok(Json(RosterResponse {
        entries,
        waiting: u32::try_from(waiting).unwrap_or(u32::MAX),
        identity_key: Some(identity_key),
    }))
}

/// `POST /api/kiosk/v1/outbox`: one sealed outbox row. Opened here with the office's
/// secret key and handed to where its kind goes; anything that does not open, or opens to
/// something other than its envelope says, is a 422 and nothing is stored.
async fn deliver_outbox(
    State(state): State<AppState>,
    AuthenticatedKiosk(kiosk): AuthenticatedKiosk,
    ApiJson(delivery): ApiJson<SealedDelivery>,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    let body = delivery.open(&state.seal_key).map_err(|error| {
        tracing::warn!(%kiosk, outbox = %delivery.id, %error, "outbox row refused");
        let code = match error {
            OpenError::Unsealable => "unsealable",
            OpenError::BadBody(_) => "invalid_body",
            OpenError::IdMismatch => "id_mismatch",
        };
        ApiError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message: error.to_string(),
        }
    })?;
    match body {
        OutboxBody::CheckIn(submission) => {
            submit_check_in(State(state), AuthenticatedKiosk(kiosk), ApiJson(submission)).await
        }
        OutboxBody::Registration(submission) => {
            super::registrations::receive(&state, kiosk, *submission).await
        }
        OutboxBody::DetailsChange(change) => submit_details_change(&state, kiosk, change).await,
        OutboxBody::Payment(payment) => super::payments::receive(&state, kiosk, payment).await,
        OutboxBody::Consent(consent) => super::consents::receive(&state, kiosk, *consent).await,
        OutboxBody::Intake(intake) => super::intake_answers::receive(&state, kiosk, *intake).await,
        OutboxBody::Coverage(coverage) => super::coverage::receive(&state, kiosk, *coverage).await,
        OutboxBody::CardPhoto(photo) => super::coverage::receive_photo(&state, kiosk, *photo).await,
    }
}

/// A returning patient's change request, opened from its sealed delivery: stored once,
/// then announced to staff for review.
async fn submit_details_change(
    state: &AppState,
    kiosk: KioskId,
    change: DetailsChangeSubmission,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    if change.clinic != state.config.clinic_id {
        return Err(ApiError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "wrong_clinic",
            message: format!("this office is clinic {}", state.config.clinic_id),
        });
    }
    let (id, appointment, fields) = (change.id, change.appointment, change.changes.len());
    let now = Timestamp::now();
    let outcome = state
        .db({
            let kiosk = kiosk.clone();
            move |db| db.record_details_change(&change, &kiosk, now)
        })
        .await?;
    tracing::info!(details_change = %id, %appointment, %kiosk, fields, ?outcome, "details change received");
    if outcome == SubmissionOutcome::Accepted {
        state.events.publish(QueueEvent::DetailsChanged {
            change: id,
            appointment,
        });
    }
    let status = match outcome {
        SubmissionOutcome::Accepted => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    Ok((status, Json(SubmissionReceipt { outcome })))
}

/// `GET /api/kiosk/v1/appointments/{handle}/contact`: the contact details on file for
/// one of today's appointments, so its patient can confirm them at the kiosk. A PHI
/// disclosure to a kiosk: audited. Any other day's appointment is as unknown as a
/// made-up handle (404).
async fn appointment_contact(
    State(state): State<AppState>,
    AuthenticatedKiosk(kiosk): AuthenticatedKiosk,
    Path(handle): Path<String>,
) -> Result<Json<AppointmentContact>, ApiError> {
    let appointment = appointment_from_path(&handle)?;
    let now = Timestamp::now();
    let today = state.today(now);
    let contact = state
        .db({
            let kiosk = kiosk.clone();
            move |db| {
                let found = db
                    .contact_on_file(appointment)?
                    .filter(|(day, _)| *day == today)
                    .map(|(_, contact)| contact);
                if found.is_some() {
                    db.audit(
                        now,
                        Actor::Kiosk(kiosk),
                        AuditAction::ContactDisclose,
                        &appointment.to_string(),
                    )?;
                }
                Ok(found)
            }
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    tracing::info!(%appointment, %kiosk, "contact details sent to kiosk");
    Ok(Json(AppointmentContact {
        appointment,
        contact,
    }))
}

/// An appointment handle from a kiosk route's path: digits only; anything else is as
/// unknown as a made-up handle (404).
pub(super) fn appointment_from_path(handle: &str) -> Result<AppointmentId, ApiError> {
    if handle.is_empty() || handle.len() > 20 || !handle.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::NotFound);
    }
    Ok(AppointmentId::new(
        handle.parse().map_err(|_| ApiError::NotFound)?,
    ))
}

/// A check-in, opened from its sealed delivery, into the intake.
async fn submit_check_in(
    State(state): State<AppState>,
    AuthenticatedKiosk(kiosk): AuthenticatedKiosk,
    ApiJson(submission): ApiJson<CheckInSubmission>,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    if submission.clinic != state.config.clinic_id {
        return Err(ApiError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "wrong_clinic",
            message: format!("this office is clinic {}", state.config.clinic_id),
        });
    }
    let (check_in, appointment) = (submission.id, submission.appointment);
    let outcome = state
        .intake
        .submit(submission, kiosk.clone())
        .await
        .map_err(ApiError::internal)?;
    tracing::info!(
        %check_in,
        %appointment,
        %kiosk,
        ?outcome,
        "check-in received"
    );
    // The writer has announced it to staff already (see `Intake`).
    let status = match outcome {
        SubmissionOutcome::Accepted => StatusCode::CREATED,
        SubmissionOutcome::AlreadyStored | SubmissionOutcome::AppointmentAlreadyCheckedIn => {
            StatusCode::OK
        }
    };
    Ok((status, Json(SubmissionReceipt { outcome })))
}

async fn heartbeat(
    State(state): State<AppState>,
    AuthenticatedKiosk(kiosk): AuthenticatedKiosk,
    ApiJson(beat): ApiJson<Heartbeat>,
) -> Result<StatusCode, ApiError> {
    let now = Timestamp::now();
    state
        .db({
            let kiosk = kiosk.clone();
            move |db| db.record_heartbeat(&kiosk, &beat, now)
        })
        .await?;
    state.events.publish(QueueEvent::KioskHealth { kiosk });
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/kiosk/v1/help`: the patient at this kiosk needs the desk; becomes (or
/// updates) the kiosk's "needs staff" item at the top of the staff queue.
async fn help(
    State(state): State<AppState>,
    AuthenticatedKiosk(kiosk): AuthenticatedKiosk,
    ApiJson(request): ApiJson<HelpRequest>,
) -> Result<StatusCode, ApiError> {
    let now = Timestamp::now();
    // The kiosk's clock may be off; the office's clock orders the desk's work.
    let _ = request.requested_at;
    let reason = request.reason;
    let need = state
        .db({
            let kiosk = kiosk.clone();
            move |db| db.raise_need(&kiosk, reason, now)
        })
        .await?;
    tracing::info!(%kiosk, %need, reason = reason.as_str(), "kiosk sent a patient to the desk");
    state
        .events
        .publish(QueueEvent::StaffNeeded { need, kiosk });
    Ok(StatusCode::NO_CONTENT)
}

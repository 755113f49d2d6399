//! Signed consents at the office: a kiosk's sealed consent is checked (its clinic, a
//! document version this office published, a known appointment or registration) and
//! stored once; kiosks ask which versions a patient has on file (this visit, or any visit
//! under the same patient number); staff see on each queue row and registration which
//! documents are signed, open the signature (PNG) and print a signed copy (PDF). Every PHI
//! read is audited.

use super::error::ApiError;
use super::events::QueueEvent;
use super::forms::{DocumentSummary, Refusal};
use super::kiosk_api::appointment_from_path;
use super::server::AppState;
use super::store::{Actor, ConsentRow, ConsentStored};
use crate::api::{
    ConsentSubmission, ConsentsOnFile, FormSubject, SubmissionOutcome, SubmissionReceipt,
};
use crate::consent::{DocumentId, SignedVersion, Version};
use crate::domain::{KioskId, Language, SignedConsentId};
use crate::office::audit::AuditAction;
use crate::office::signin::StaffSession;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The signature image staff open: the pad's 3:1 box.
const IMAGE_WIDTH: u32 = 600;
const IMAGE_HEIGHT: u32 = 200;

/// Why the office refused a consent; nothing of it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ConsentRefused {
    #[error("this office is another clinic")]
    WrongClinic,
    #[error("this office never published that document version in that language")]
    UnknownVersion,
    #[error("the consent names no appointment or registration this office knows")]
    UnknownSubject,
    #[error("a different consent was stored under this id before")]
    Conflict,
}

impl ConsentRefused {
    /// The stable code in the error body.
    pub fn code(self) -> &'static str {
        match self {
            ConsentRefused::WrongClinic => "wrong_clinic",
            ConsentRefused::UnknownVersion => "unknown_form_version",
            ConsentRefused::UnknownSubject => "unknown_subject",
            ConsentRefused::Conflict => "consent_conflict",
        }
    }

    fn into_error(self) -> ApiError {
        ApiError::BadRequest {
            status: match self {
                ConsentRefused::Conflict => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            code: self.code(),
            message: self.to_string(),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/api/kiosk/v1/appointments/{handle}/consents",
        get(consents_on_file),
    )
}

/// The staff side (behind the sign-in gate).
pub fn staff_routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/consents", get(staff_view))
        .route("/staff/consents/{id}/signature.png", get(signature_png))
        .route("/staff/consents/{id}/signed-copy.pdf", get(signed_copy_pdf))
}

/// A consent, opened from its sealed delivery: stored once, announced once.
pub(super) async fn receive(
    state: &AppState,
    kiosk: KioskId,
    submission: ConsentSubmission,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    let (id, subject) = (submission.id, submission.subject);
    let consent = &submission.consent;
    let refused = if submission.clinic != state.config.clinic_id {
        Some(ConsentRefused::WrongClinic)
    } else if state
        .forms
        .consent(&consent.document, consent.version, consent.language)
        .is_none()
    {
        Some(ConsentRefused::UnknownVersion)
    } else {
        None
    };
    let (document, version) = (consent.document.clone(), consent.version);
    let stored = match refused {
        Some(refused) => Err(refused),
        None => {
            let now = Timestamp::now();
            state
                .db({
                    let kiosk = kiosk.clone();
                    move |db| db.record_consent(&submission, &kiosk, now)
                })
                .await?
        }
    };
    match stored {
        Ok(stored) => {
            tracing::info!(consent = %id, %kiosk, %document, %version, ?stored, "consent received");
            let (code, outcome) = match stored {
                ConsentStored::Accepted => {
                    state.events.publish(QueueEvent::ConsentSigned {
                        consent: id,
                        subject,
                    });
                    (StatusCode::CREATED, SubmissionOutcome::Accepted)
                }
                ConsentStored::AlreadyStored => (StatusCode::OK, SubmissionOutcome::AlreadyStored),
            };
            Ok((code, Json(SubmissionReceipt { outcome })))
        }
        Err(refused) => {
            tracing::warn!(
                consent = %id, %kiosk, %document, %version, code = refused.code(),
                "consent refused"
            );
            Err(refused.into_error())
        }
    }
}

/// Each (document, version) once, in the order first signed.
fn signed_versions(rows: &[ConsentRow]) -> Vec<SignedVersion> {
    let mut out: Vec<SignedVersion> = Vec::new();
    for row in rows {
        let version = row.signed_version();
        if !out.contains(&version) {
            out.push(version);
        }
    }
    out
}

/// `GET /api/kiosk/v1/appointments/{handle}/consents`: the versions the patient of one of
/// today's appointments has signed, at this visit or (by patient number) any other. A PHI
/// disclosure to a kiosk: audited. Any other day's appointment is as unknown as a made-up
/// handle (404).
async fn consents_on_file(
    State(state): State<AppState>,
    super::auth::AuthenticatedKiosk(kiosk): super::auth::AuthenticatedKiosk,
    Path(handle): Path<String>,
) -> Result<Json<ConsentsOnFile>, ApiError> {
    let appointment = appointment_from_path(&handle)?;
    let now = Timestamp::now();
    let today = state.today(now);
    let rows = state
        .db({
            let kiosk = kiosk.clone();
            move |db| {
                let found = db
                    .consents_of_appointment(appointment)?
                    .filter(|(day, _)| *day == today)
                    .map(|(_, rows)| rows);
                if found.is_some() {
                    db.audit(
                        now,
                        Actor::Kiosk(kiosk),
                        AuditAction::ConsentsDisclose,
                        &appointment.to_string(),
                    )?;
                }
                Ok(found)
            }
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let signed = signed_versions(&rows);
    tracing::info!(%appointment, %kiosk, count = signed.len(), "consents on file sent to kiosk");
    Ok(Json(ConsentsOnFile {
        appointment,
        signed,
    }))
}

/// One signed document as the staff page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignedItem {
    pub consent: SignedConsentId,
    pub document: DocumentId,
    pub version: Version,
    pub language: Language,
    pub signed_at: Timestamp,
    /// Signed for another appointment or registration of the same patient.
    pub earlier_visit: bool,
    pub signature_url: String,
    pub copy_url: String,
    /// The signature was removed under the retention policy (the links answer 410).
    #[serde(default)]
    pub signature_removed: bool,
}

/// What one appointment's patient, or one registration, has signed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubjectConsents {
    pub subject: FormSubject,
    pub signed: Vec<SignedItem>,
}

/// `GET /api/staff/v1/consents`: the documents asked for now, what each of today's
/// appointments and registrations has signed, and any refused form files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConsentsView {
    pub revision: String,
    pub documents: Vec<DocumentSummary>,
    /// Form files the office refused at its last reload (the last good set is published).
    pub refusals: Vec<Refusal>,
    pub appointments: Vec<SubjectConsents>,
    pub registrations: Vec<SubjectConsents>,
}

fn signed_item(row: ConsentRow, subject: FormSubject) -> SignedItem {
    let id = row.id;
    SignedItem {
        consent: id,
        earlier_visit: row.subject != subject,
        signature_removed: row.signature.is_none(),
        document: row.document,
        version: row.version,
        language: row.language,
        signed_at: row.signed_at,
        signature_url: format!("/staff/consents/{id}/signature.png"),
        copy_url: format!("/staff/consents/{id}/signed-copy.pdf"),
    }
}

async fn staff_view(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<ConsentsView>, ApiError> {
    let (appointments, registrations) = super::staff::read_day_subjects(
        &state,
        session.actor(),
        AuditAction::ConsentsView,
        |db, subject| {
            let rows = match subject {
                FormSubject::Appointment(id) => db
                    .consents_of_appointment(id)?
                    .map(|(_, rows)| rows)
                    .unwrap_or_default(),
                FormSubject::Registration(id) => db.consents_of_registration(id)?,
            };
            Ok(Some((subject, rows)))
        },
    )
    .await?;
    let subject_consents = |subject: FormSubject, rows: Vec<ConsentRow>| SubjectConsents {
        subject,
        signed: rows.into_iter().map(|r| signed_item(r, subject)).collect(),
    };
    Ok(Json(ConsentsView {
        revision: state.forms.published().revision.clone(),
        documents: state.forms.documents(),
        refusals: state.forms.refusals(),
        appointments: appointments
            .into_iter()
            .map(|(subject, rows)| subject_consents(subject, rows))
            .collect(),
        registrations: registrations
            .into_iter()
            .map(|(subject, rows)| subject_consents(subject, rows))
            .collect(),
    }))
}

/// Reads one consent for staff and audits the read as `action`; 404 when unknown.
async fn staff_read(
    state: &AppState,
    session: &StaffSession,
    id: &str,
    action: crate::office::audit::AuditAction,
) -> Result<(ConsentRow, Option<crate::domain::PersonName>), ApiError> {
    let id = SignedConsentId::parse(id).ok_or(ApiError::NotFound)?;
    let actor = session.actor();
    let now = Timestamp::now();
    state
        .db(move |db| {
            let Some(row) = db.consent(id)? else {
                return Ok(None);
            };
            let signer = db.signer_name(row.subject)?;
            db.audit(now, &actor, action, &id.to_string())?;
            Ok(Some((row, signer)))
        })
        .await?
        .ok_or(ApiError::NotFound)
}

fn private(content_type: &'static str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// `GET /staff/consents/{id}/signature.png`: the signature drawn back. Audited
/// (`consent.signature.view`).
async fn signature_png(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (row, _) = staff_read(&state, &session, &id, AuditAction::ConsentSignatureView).await?;
    let signature = row.signature.ok_or(ApiError::RemovedByRetention)?;
    let png = crate::consent::render::render(&signature, IMAGE_WIDTH, IMAGE_HEIGHT)
        .and_then(|image| image.to_png())
        .map_err(ApiError::internal)?;
    Ok(private("image/png", png))
}

/// `GET /staff/consents/{id}/signed-copy.pdf`: the document as the patient read it (that
/// version, that language), their name, the date and the signature, to print. Audited
/// (`consent.copy.print`).
async fn signed_copy_pdf(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (row, signer) = staff_read(&state, &session, &id, AuditAction::ConsentCopyPrint).await?;
    let consent = &row.signed().ok_or(ApiError::RemovedByRetention)?;
    let document = state
        .forms
        .consent(&consent.document, consent.version, consent.language)
        .ok_or_else(|| ApiError::Server {
            code: "document_text_missing",
            message: "the text of this document version is not in the office's archive".into(),
        })?;
    let signer = signer.map_or_else(
        || "(name no longer on file)".to_owned(),
        |name| format!("{} {}", name.first(), name.last()),
    );
    let signed_on = consent.signed_at.to_zoned(state.timezone.clone());
    let pdf = crate::consent::pdf::signed_copy(&document, consent, &signer, &signed_on)
        .map_err(ApiError::internal)?;
    Ok(private("application/pdf", pdf))
}

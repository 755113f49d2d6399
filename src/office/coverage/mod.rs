//! Insurance at the office (issue 10): the payer list and trusted SMART Health Card issuers
//! kiosks fetch; the patient's answer at the insurance step and the card photos, received
//! sealed and stored once; an eligibility check of each coverage with the clearinghouse,
//! run in a task of its own so it never holds up a delivery or a check-in; the co-pay an
//! active check sets; and what staff see of it all. Every PHI read is audited; logs carry
//! ids and counts only.

mod check;
mod setup;
mod staff_view;

pub use check::spawn_checks;
pub use setup::{DEFAULT_PAYERS, EligibilitySettings, InsuranceSetup, SetupError, parse_issuer};
pub use staff_view::{CoverageView, EligibilityView, InsuranceView, PhotoView, SubjectInsurance};

use super::auth::AuthenticatedKiosk;
use super::error::ApiError;
use super::events::QueueEvent;
use super::kiosk_api::appointment_from_path;
use super::server::AppState;
use super::store::{Actor, CoverageStored};
use crate::api::{
    AppointmentDue, CardPhotoSubmission, CoverageOnFile, CoverageSubmission, CoverageSummary,
    SubmissionOutcome, SubmissionReceipt,
};
use crate::domain::{AmountDue, Cents, CoverageAnswer, CoverageRank, CoverageSource, KioskId};
use crate::office::audit::AuditAction;
use crate::office::eligibility::{Clearinghouse, HttpClearinghouse};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use jiff::Timestamp;
use std::sync::Arc;

/// Why a coverage answer or a card photo was refused; nothing of it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CoverageRefused {
    #[error("this office is another clinic")]
    WrongClinic,
    #[error("the answer names no appointment or registration this office knows")]
    UnknownSubject,
    #[error("a different answer was stored under this id before")]
    Conflict,
    #[error("the photo is not a JPEG within the size limit")]
    NotAPhoto,
}

impl CoverageRefused {
    /// The stable code in the error body.
    pub fn code(self) -> &'static str {
        match self {
            CoverageRefused::WrongClinic => "wrong_clinic",
            CoverageRefused::UnknownSubject => "unknown_subject",
            CoverageRefused::Conflict => "coverage_conflict",
            CoverageRefused::NotAPhoto => "not_a_photo",
        }
    }

    fn into_error(self) -> ApiError {
        ApiError::BadRequest {
            status: match self {
                CoverageRefused::Conflict => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            code: self.code(),
            message: self.to_string(),
        }
    }
}

/// How the office's own check of a smart health card source went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShcCheck {
    /// Signed by an issuer the office trusts: the card's data is the payer's.
    Verified,
    /// Not verifiable here (unknown issuer, bad signature, expired...): kept as if typed,
    /// flagged for staff, never trusted.
    Unverified,
}

/// Why an eligibility check has no answer from the payer ("not verified").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotVerified {
    /// The office has no clearinghouse configured.
    NoClearinghouse,
    /// The payer is not on the office's list (no payer id to ask).
    PayerNotListed,
    /// The subscriber's name or date of birth is missing or cannot be sent.
    DetailsMissing,
    Timeout,
    ClearinghouseError,
    /// The payer answered that it could not answer (AAA at the payer or provider level).
    PayerUnavailable,
    Malformed271,
    /// The office stopped while the check ran.
    Interrupted,
}

impl NotVerified {
    const ALL: [NotVerified; 8] = [
        NotVerified::NoClearinghouse,
        NotVerified::PayerNotListed,
        NotVerified::DetailsMissing,
        NotVerified::Timeout,
        NotVerified::ClearinghouseError,
        NotVerified::PayerUnavailable,
        NotVerified::Malformed271,
        NotVerified::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotVerified::NoClearinghouse => "no_clearinghouse",
            NotVerified::PayerNotListed => "payer_not_listed",
            NotVerified::DetailsMissing => "details_missing",
            NotVerified::Timeout => "timeout",
            NotVerified::ClearinghouseError => "clearinghouse_error",
            NotVerified::PayerUnavailable => "payer_unavailable",
            NotVerified::Malformed271 => "malformed_271",
            NotVerified::Interrupted => "interrupted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// For the staff page.
    pub fn english(self) -> &'static str {
        match self {
            NotVerified::NoClearinghouse => "no clearinghouse configured",
            NotVerified::PayerNotListed => "payer not on the office's list",
            NotVerified::DetailsMissing => "subscriber name or date of birth missing",
            NotVerified::Timeout => "timeout",
            NotVerified::ClearinghouseError => "clearinghouse error",
            NotVerified::PayerUnavailable => "payer could not answer",
            NotVerified::Malformed271 => "malformed 271",
            NotVerified::Interrupted => "the office restarted during the check",
        }
    }
}

/// What the payer said about a coverage, or why it could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eligibility {
    Active,
    Inactive,
    NotFound,
    NotVerified(NotVerified),
}

/// One eligibility check's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityFinding {
    pub status: Eligibility,
    pub plan_name: Option<String>,
    /// The co-pay for the visit's service type (only ever with `Active`).
    pub copay: Option<Cents>,
}

impl EligibilityFinding {
    pub fn not_verified(why: NotVerified) -> Self {
        Self {
            status: Eligibility::NotVerified(why),
            plan_name: None,
            copay: None,
        }
    }
}

/// What the office needs for insurance while it runs.
pub struct Insurance {
    pub setup: InsuranceSetup,
    pub eligibility: EligibilitySettings,
    /// `None`: no clearinghouse; every check is "not verified".
    pub clearinghouse: Option<Arc<dyn Clearinghouse>>,
}

impl Insurance {
    /// The set-up with an HTTP clearinghouse where the settings name one.
    pub fn new(setup: InsuranceSetup, eligibility: EligibilitySettings) -> Self {
        let clearinghouse = eligibility.clearinghouse_url.as_ref().map(|url| {
            Arc::new(HttpClearinghouse::new(url.clone(), eligibility.timeout))
                as Arc<dyn Clearinghouse>
        });
        Self {
            setup,
            eligibility,
            clearinghouse,
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/kiosk/v1/insurance", get(insurance_reference))
        .route(
            "/api/kiosk/v1/appointments/{handle}/coverage",
            get(coverage_on_file),
        )
        .route("/api/kiosk/v1/appointments/{handle}/due", get(due))
}

/// The staff side (behind the sign-in gate).
pub fn staff_routes() -> Router<AppState> {
    staff_view::routes()
}

fn refused_response(
    refused: CoverageRefused,
    what: &'static str,
    id: &dyn std::fmt::Display,
    kiosk: &KioskId,
) -> ApiError {
    tracing::warn!(%id, %kiosk, code = refused.code(), "{what} refused");
    refused.into_error()
}

fn receipt(stored: &CoverageStored) -> (StatusCode, Json<SubmissionReceipt>) {
    match stored {
        CoverageStored::Accepted { .. } => (
            StatusCode::CREATED,
            Json(SubmissionReceipt {
                outcome: SubmissionOutcome::Accepted,
            }),
        ),
        CoverageStored::AlreadyStored => (
            StatusCode::OK,
            Json(SubmissionReceipt {
                outcome: SubmissionOutcome::AlreadyStored,
            }),
        ),
    }
}

/// A coverage answer, opened from its sealed delivery: a smart health card source is
/// verified again against the issuers this office trusts, the answer stored once and
/// announced, and each coverage checked with the payer in a task of its own.
pub(super) async fn receive(
    state: &AppState,
    kiosk: KioskId,
    submission: CoverageSubmission,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    let (id, subject) = (submission.id, submission.subject);
    if submission.clinic != state.config.clinic_id {
        return Err(refused_response(
            CoverageRefused::WrongClinic,
            "coverage",
            &id,
            &kiosk,
        ));
    }
    let now = Timestamp::now();
    // A card valid when the patient showed it stays so however long the row took to come.
    let shown_at = submission.submitted_at;
    let shc: Vec<(CoverageRank, ShcCheck)> = match &submission.answer {
        CoverageAnswer::Coverages(coverages) => coverages
            .iter()
            .filter_map(|c| match c.source() {
                CoverageSource::SmartHealthCard { jws } => Some((
                    c.rank(),
                    verify_card(&state.insurance.setup, jws, c, shown_at),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let unverified = shc
        .iter()
        .filter(|(_, c)| *c == ShcCheck::Unverified)
        .count();
    let stored = state
        .db({
            let kiosk = kiosk.clone();
            let shc = shc.clone();
            move |db| db.record_coverage(&submission, &shc, &kiosk, now)
        })
        .await?
        .map_err(|refused| refused_response(refused, "coverage", &id, &kiosk))?;
    tracing::info!(
        coverage = %id, %kiosk, ?stored, shc_cards = shc.len(), shc_unverified = unverified,
        "coverage received"
    );
    if let CoverageStored::Accepted { to_check } = &stored {
        state.events.publish(QueueEvent::CoverageReceived {
            coverage: id,
            subject,
        });
        spawn_checks(state.clone(), id, to_check.clone());
    }
    Ok(receipt(&stored))
}

/// Verifies a smart health card source again: signed by a trusted issuer, valid now, and
/// carrying the member id the patient confirmed. Anything else is "unverified".
fn verify_card(
    setup: &InsuranceSetup,
    jws: &str,
    coverage: &crate::domain::Coverage,
    now: Timestamp,
) -> ShcCheck {
    match crate::scan::shc::verify_jws(jws, &setup.trusted, now) {
        Ok(card) => {
            let same_member = card.coverage.as_ref().is_some_and(|c| {
                [c.member_id.as_deref(), c.subscriber_id.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(|m| m.eq_ignore_ascii_case(coverage.member_id().as_str()))
            });
            if same_member {
                ShcCheck::Verified
            } else {
                ShcCheck::Unverified
            }
        }
        Err(error) => {
            tracing::warn!(%error, "smart health card not verified at the office");
            ShcCheck::Unverified
        }
    }
}

/// A card photo, opened from its sealed delivery: stored once.
pub(super) async fn receive_photo(
    state: &AppState,
    kiosk: KioskId,
    photo: CardPhotoSubmission,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    let (id, coverage, bytes) = (photo.id, photo.coverage, photo.jpeg.len());
    let refused = if photo.clinic != state.config.clinic_id {
        Some(CoverageRefused::WrongClinic)
    } else if !photo.is_plausible() {
        Some(CoverageRefused::NotAPhoto)
    } else {
        None
    };
    if let Some(refused) = refused {
        return Err(refused_response(refused, "card photo", &id, &kiosk));
    }
    let subject = photo.subject;
    let now = Timestamp::now();
    let stored = state
        .db({
            let kiosk = kiosk.clone();
            move |db| db.record_card_photo(&photo, &kiosk, now)
        })
        .await?
        .map_err(|refused| refused_response(refused, "card photo", &id, &kiosk))?;
    tracing::info!(photo = %id, %coverage, %kiosk, bytes, ?stored, "card photo received");
    if matches!(stored, CoverageStored::Accepted { .. }) {
        state
            .events
            .publish(QueueEvent::CoverageReceived { coverage, subject });
    }
    Ok(receipt(&stored))
}

/// `GET /api/kiosk/v1/insurance`: the payer list and trusted issuers. No PHI; the
/// revision is the ETag, so an unchanged set is a `304`.
async fn insurance_reference(
    State(state): State<AppState>,
    _kiosk: AuthenticatedKiosk,
    headers: HeaderMap,
) -> Response {
    let reference = &state.insurance.setup.reference;
    let etag = format!("\"{}\"", reference.revision);
    if super::forms_api::names_revision(&headers, &reference.revision) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::ETAG, etag),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        Json(reference),
    )
        .into_response()
}

/// `GET /api/kiosk/v1/appointments/{handle}/coverage`: the newest coverage on file for the
/// patient of one of today's appointments (payer, last four of the member id). A PHI
/// disclosure to a kiosk: audited. Any other day's appointment is a 404.
async fn coverage_on_file(
    State(state): State<AppState>,
    AuthenticatedKiosk(kiosk): AuthenticatedKiosk,
    Path(handle): Path<String>,
) -> Result<Json<CoverageOnFile>, ApiError> {
    let appointment = appointment_from_path(&handle)?;
    let now = Timestamp::now();
    let today = state.today(now);
    let coverages = state
        .db({
            let kiosk = kiosk.clone();
            move |db| {
                let found = db
                    .coverage_on_file(appointment)?
                    .filter(|(day, _)| *day == today)
                    .map(|(_, coverages)| coverages);
                if found.is_some() {
                    db.audit(
                        now,
                        Actor::Kiosk(kiosk),
                        AuditAction::CoverageDisclose,
                        &appointment.to_string(),
                    )?;
                }
                Ok(found)
            }
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    tracing::info!(%appointment, %kiosk, count = coverages.len(), "coverage on file sent to kiosk");
    Ok(Json(CoverageOnFile {
        appointment,
        coverages: coverages
            .iter()
            .map(|c| CoverageSummary {
                rank: c.rank(),
                payer_name: c.payer().name.clone(),
                member_id_last_four: c.member_id().last_four().to_owned(),
                relationship: c.relationship(),
            })
            .collect(),
    }))
}

/// `GET /api/kiosk/v1/appointments/{handle}/due`: what the patient of one of today's
/// appointments owes now: the co-pay an eligibility check set, else the scheduled one,
/// and any balance. Audited like `/contact`; any other day's appointment is a 404.
async fn due(
    State(state): State<AppState>,
    AuthenticatedKiosk(kiosk): AuthenticatedKiosk,
    Path(handle): Path<String>,
) -> Result<Json<AppointmentDue>, ApiError> {
    let appointment = appointment_from_path(&handle)?;
    let now = Timestamp::now();
    let today = state.today(now);
    let found = state
        .db({
            let kiosk = kiosk.clone();
            move |db| {
                let Some(a) = db.appointment(appointment)?.filter(|a| a.day == today) else {
                    return Ok(None);
                };
                let verified = db.verified_copay(appointment)?;
                db.audit(
                    now,
                    Actor::Kiosk(kiosk),
                    AuditAction::DueDisclose,
                    &appointment.to_string(),
                )?;
                Ok(Some((a, verified)))
            }
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let (a, verified) = found;
    tracing::info!(%appointment, %kiosk, copay_verified = verified.is_some(), "amount due sent to kiosk");
    Ok(Json(AppointmentDue {
        appointment,
        due: AmountDue {
            copay: verified.unwrap_or(a.copay),
            balance: a.balance,
        },
        copay_verified: verified.is_some(),
    }))
}

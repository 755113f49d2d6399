//! What staff see of insurance: per appointment and registration today, the answer given at
//! the kiosk (coverages with the member id masked, eligibility, card photos, or "self-pay"
//! / "unchanged"), the member id in full on "Show", the photos, and "Re-check". Every read
//! is audited.

use super::{Eligibility, spawn_checks};
use crate::api::FormSubject;
use crate::domain::{CardPhotoId, CoverageRank, CoverageSource, CoverageSubmissionId};
use crate::office::audit::AuditAction;
use crate::office::error::ApiError;
use crate::office::server::AppState;
use crate::office::signin::StaffSession;
use crate::office::store::{CoverageAnswerRow, CoverageItem};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/insurance", get(staff_view))
        .route(
            "/api/staff/v1/insurance/{answer}/{rank}/member-id",
            post(reveal_member_id),
        )
        .route("/api/staff/v1/insurance/{answer}/recheck", post(recheck))
        .route("/staff/insurance/photos/{id}", get(photo))
}

/// The eligibility of one coverage as the staff page shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct EligibilityView {
    /// `active`, `inactive`, `not_found`, `not_verified`, or `checking` while it runs.
    pub state: String,
    /// The badge: "Active, co-pay $30.00", "Inactive", "Not found", "Not verified: timeout",
    /// "Checking…".
    pub label: String,
    pub plan_name: Option<String>,
    pub copay_cents: Option<u32>,
    pub checked_at: Option<Timestamp>,
}

/// One coverage, its member id masked.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CoverageView {
    pub rank: CoverageRank,
    pub payer_name: String,
    pub payer_id: Option<String>,
    /// "•••• 0042".
    pub member_id_masked: String,
    pub group: Option<String>,
    /// "Self", "Spouse", "Child", "Other".
    pub relationship: String,
    /// The subscriber when not the patient: "Bob Testsubscriber, born 1970-01-02".
    pub subscriber: Option<String>,
    /// "typed", "photo", "smart health card verified", "barcode"...
    pub source: String,
    /// A smart health card the office could not verify: kept as typed, flagged.
    pub source_flagged: bool,
    /// `None`: never checked.
    pub eligibility: Option<EligibilityView>,
    /// POST here to see the whole member id (audited).
    pub reveal_url: String,
}

/// A card photo: its thumbnail and full size are the same audited URL.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PhotoView {
    pub id: CardPhotoId,
    pub rank: CoverageRank,
    pub side: String,
    pub url: String,
}

/// What one appointment's patient or one registration answered at the insurance step.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SubjectInsurance {
    pub subject: FormSubject,
    pub coverage: CoverageSubmissionId,
    /// `coverages`, `unchanged_on_file` or `self_pay`.
    pub answer: String,
    pub received_at: Timestamp,
    /// "Unchanged from last visit" with nothing on file to copy.
    pub nothing_on_file: bool,
    pub coverages: Vec<CoverageView>,
    pub photos: Vec<PhotoView>,
    /// POST here to check eligibility again (audited).
    pub recheck_url: String,
}

/// `GET /api/staff/v1/insurance`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InsuranceView {
    pub appointments: Vec<SubjectInsurance>,
    pub registrations: Vec<SubjectInsurance>,
}

fn eligibility_view(item: &CoverageItem) -> Option<EligibilityView> {
    let check = item.eligibility.as_ref()?;
    let Some((finding, at)) = &check.finding else {
        return Some(EligibilityView {
            state: "checking".into(),
            label: "Checking…".into(),
            plan_name: None,
            copay_cents: None,
            checked_at: None,
        });
    };
    let (state, label) = match finding.status {
        Eligibility::Active => (
            "active",
            match finding.copay {
                Some(copay) => format!("Active, co-pay {copay}"),
                None => "Active".to_owned(),
            },
        ),
        Eligibility::Inactive => ("inactive", "Inactive".to_owned()),
        Eligibility::NotFound => ("not_found", "Not found".to_owned()),
        Eligibility::NotVerified(why) => {
            ("not_verified", format!("Not verified: {}", why.english()))
        }
    };
    Some(EligibilityView {
        state: state.into(),
        label,
        plan_name: finding.plan_name.clone(),
        copay_cents: finding.copay.map(|c| c.get()),
        checked_at: Some(*at),
    })
}

fn coverage_view(answer: CoverageSubmissionId, item: &CoverageItem) -> CoverageView {
    let c = &item.coverage;
    let (source, source_flagged) = match (c.source(), item.shc) {
        (CoverageSource::Typed, _) => ("typed", false),
        (CoverageSource::CardPhoto, _) => ("photo", false),
        (CoverageSource::Barcode { .. }, _) => ("barcode", false),
        (CoverageSource::SmartHealthCard { .. }, Some(super::ShcCheck::Verified)) => {
            ("smart health card verified", false)
        }
        (CoverageSource::SmartHealthCard { .. }, _) => {
            ("typed (smart health card could not be verified)", true)
        }
    };
    CoverageView {
        rank: item.rank,
        payer_name: c.payer().name.as_str().to_owned(),
        payer_id: c.payer().id.as_ref().map(|id| id.as_str().to_owned()),
        member_id_masked: format!("•••• {}", c.member_id().last_four()),
        group: c.group().map(|g| g.as_str().to_owned()),
        relationship: c.relationship().english().to_owned(),
        subscriber: c.subscriber().map(|s| {
            format!(
                "{} {}, born {}",
                s.name.first(),
                s.name.last(),
                s.date_of_birth.date()
            )
        }),
        source: source.to_owned(),
        source_flagged,
        eligibility: eligibility_view(item),
        reveal_url: format!(
            "/api/staff/v1/insurance/{answer}/{}/member-id",
            item.rank.as_str()
        ),
    }
}

fn subject_view(row: CoverageAnswerRow) -> SubjectInsurance {
    let id = row.id;
    SubjectInsurance {
        subject: row.subject,
        coverage: id,
        nothing_on_file: row.answer == "unchanged_on_file" && row.items.is_empty(),
        answer: row.answer,
        received_at: row.received_at,
        coverages: row.items.iter().map(|i| coverage_view(id, i)).collect(),
        photos: row
            .photos
            .iter()
            .map(|p| PhotoView {
                id: p.id,
                rank: p.rank,
                side: p.side.as_str().to_owned(),
                url: format!("/staff/insurance/photos/{}", p.id),
            })
            .collect(),
        recheck_url: format!("/api/staff/v1/insurance/{id}/recheck"),
    }
}

async fn staff_view(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<InsuranceView>, ApiError> {
    let (appointments, registrations) = crate::office::staff::read_day_subjects(
        &state,
        session.actor(),
        AuditAction::InsuranceView,
        |db, subject| db.coverage_answer_of(subject),
    )
    .await?;
    Ok(Json(InsuranceView {
        appointments: appointments.into_iter().map(subject_view).collect(),
        registrations: registrations.into_iter().map(subject_view).collect(),
    }))
}

/// The whole member id, answered to "Show".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberIdView {
    pub member_id: String,
}

/// `POST /api/staff/v1/insurance/{answer}/{rank}/member-id`: the member id unmasked.
/// Audited (`insurance.member_id.reveal`).
async fn reveal_member_id(
    State(state): State<AppState>,
    session: StaffSession,
    Path((answer, rank)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let answer = CoverageSubmissionId::parse(&answer).ok_or(ApiError::NotFound)?;
    let rank = CoverageRank::parse(&rank).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let member_id = state
        .db(move |db| {
            let Some(item) = db
                .coverage_answer_by_id(answer)?
                .and_then(|row| row.items.into_iter().find(|i| i.rank == rank))
            else {
                return Ok(None);
            };
            db.audit(
                now,
                session.actor(),
                AuditAction::MemberIdReveal,
                &format!("{answer}/{}", rank.as_str()),
            )?;
            Ok(Some(item.coverage.member_id().as_str().to_owned()))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(MemberIdView { member_id }),
    )
        .into_response())
}

/// `POST /api/staff/v1/insurance/{answer}/recheck`: checks every coverage of the answer
/// again, in the background (`202`). Audited (`eligibility.recheck`).
async fn recheck(
    State(state): State<AppState>,
    session: StaffSession,
    Path(answer): Path<String>,
) -> Result<StatusCode, ApiError> {
    let answer = CoverageSubmissionId::parse(&answer).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let ranks = state
        .db(move |db| {
            let Some(row) = db.coverage_answer_by_id(answer)? else {
                return Ok(None);
            };
            db.audit(
                now,
                session.actor(),
                AuditAction::EligibilityRecheck,
                &answer.to_string(),
            )?;
            Ok(Some(row.items.iter().map(|i| i.rank).collect::<Vec<_>>()))
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    tracing::info!(coverage = %answer, count = ranks.len(), "eligibility re-check asked by staff");
    spawn_checks(state.clone(), answer, ranks);
    Ok(StatusCode::ACCEPTED)
}

/// `GET /staff/insurance/photos/{id}`: a card photo as JPEG. Audited (`card_photo.view`).
async fn photo(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = CardPhotoId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let jpeg = state
        .db(move |db| {
            let found = db.card_photo(id)?;
            if found.as_ref().is_some_and(|jpeg| !jpeg.is_empty()) {
                db.audit(
                    now,
                    session.actor(),
                    AuditAction::CardPhotoView,
                    &id.to_string(),
                )?;
            }
            Ok(found)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    // Emptied under the retention policy.
    if jpeg.is_empty() {
        return Err(ApiError::RemovedByRetention);
    }
    Ok((
        [
            (header::CONTENT_TYPE, "image/jpeg"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        jpeg,
    )
        .into_response())
}

//! The eligibility check of a coverage: a 270 through the clearinghouse, its 271 read,
//! the finding stored (and the co-pay set), staff pages told. Runs in a task of its own:
//! whatever happens here, the delivery has been answered and the check-in stands.

use super::{Eligibility, EligibilityFinding, NotVerified};
use crate::domain::SubscriberRelationship;
use crate::domain::{CoverageRank, CoverageSubmissionId};
use crate::eligibility::{
    ControlNumbers, Dependent, DependentRelationship, EligibilityRequest, EligibilityStatus,
    MemberId, PersonNamePart, ReadError,
};
use crate::office::eligibility::{ClearinghouseError, EligibilityError, check_eligibility};
use crate::office::events::QueueEvent;
use crate::office::server::AppState;
use jiff::Timestamp;
use jiff::civil::Date;

/// Checks each of `ranks` of the answer `answer`, one after the other, in the background.
pub fn spawn_checks(state: AppState, answer: CoverageSubmissionId, ranks: Vec<CoverageRank>) {
    if ranks.is_empty() {
        return;
    }
    tokio::spawn(async move {
        for rank in ranks {
            if let Err(error) = check_one(&state, answer, rank).await {
                tracing::error!(coverage = %answer, rank = rank.as_str(), %error, "eligibility check not recorded");
            }
        }
    });
}

/// What a 270 needs that the coverage itself does not say: the subscriber's name and date
/// of birth, and the payer's id and name as the office lists them.
struct Asked {
    request: Option<EligibilityRequest>,
    why_not: NotVerified,
}

async fn check_one(
    state: &AppState,
    answer: CoverageSubmissionId,
    rank: CoverageRank,
) -> Result<(), crate::office::error::ApiError> {
    let now = Timestamp::now();
    let today = state.today(now);
    let insurance = state.insurance.clone();
    let found = state
        .db(move |db| {
            let Some(row) = db.coverage_answer_by_id(answer)? else {
                return Ok(None);
            };
            let Some(item) = row.items.into_iter().find(|i| i.rank == rank) else {
                return Ok(None);
            };
            let patient = db.patient_of_subject(row.subject)?;
            let check = db.start_eligibility_check(answer, rank, now)?;
            Ok(Some((item.coverage, patient, check)))
        })
        .await?;
    let Some((coverage, patient, check)) = found else {
        return Ok(());
    };
    let asked = request_for(&insurance, &coverage, patient, today);
    let finding = match (&insurance.clearinghouse, asked.request) {
        (None, _) => EligibilityFinding::not_verified(NotVerified::NoClearinghouse),
        (_, None) => EligibilityFinding::not_verified(asked.why_not),
        (Some(clearinghouse), Some(request)) => {
            let control = ControlNumbers {
                interchange: u32::try_from(check % 999_999_999).unwrap_or(1),
                group: u32::try_from(check % 999_999_999).unwrap_or(1),
                transaction: u32::try_from(check % 9999).unwrap_or(1),
            };
            let at = now.to_zoned(state.timezone.clone()).datetime();
            let result = check_eligibility(
                clearinghouse.as_ref(),
                &request,
                &insurance.eligibility.parties,
                control,
                at,
            )
            .await;
            finding_of(result, &insurance.eligibility.service_type)
        }
    };
    let status = match finding.status {
        Eligibility::Active => "active",
        Eligibility::Inactive => "inactive",
        Eligibility::NotFound => "not_found",
        Eligibility::NotVerified(why) => why.as_str(),
    };
    let subject = state
        .db({
            let finding = finding.clone();
            move |db| db.finish_eligibility_check(check, &finding, Timestamp::now())
        })
        .await?;
    tracing::info!(coverage = %answer, rank = rank.as_str(), check, status, copay = finding.copay.is_some(), "eligibility checked");
    if let Some(subject) = subject {
        state.events.publish(QueueEvent::EligibilityChecked {
            coverage: answer,
            subject,
        });
    }
    Ok(())
}

fn request_for(
    insurance: &super::Insurance,
    coverage: &crate::domain::Coverage,
    patient: Option<(crate::domain::PersonName, Option<Date>)>,
    today: Date,
) -> Asked {
    let not = |why_not| Asked {
        request: None,
        why_not,
    };
    // Only a payer on the office's list has an id the clearinghouse knows.
    let Some((payer_id, payer_name)) = coverage
        .payer()
        .id
        .as_ref()
        .and_then(|id| Some((id.clone(), insurance.setup.payer_name(id)?.clone())))
    else {
        return not(NotVerified::PayerNotListed);
    };
    let payer_name = match crate::eligibility::OrgName::new(payer_name.as_str()) {
        Ok(name) => name,
        Err(_) => return not(NotVerified::DetailsMissing),
    };
    let part = |name: &crate::domain::PersonName| {
        Some((
            PersonNamePart::last(name.last()).ok()?,
            PersonNamePart::first(name.first()).ok()?,
        ))
    };
    let own_ids = insurance.setup.dependents_have_own_ids(&payer_id);
    // Who goes in 2000C, and the patient in 2000D when they are a dependent under the
    // subscriber's member id. A payer that gives dependents ids of their own is asked
    // about the patient as its subscriber; a patient the office has no name or birth date
    // for is asked about as the subscriber alone (the payer then answers for them).
    let (subscriber, dependent) = match (coverage.subscriber(), &patient) {
        (None, Some((name, dob))) => ((name.clone(), *dob), None),
        (Some(_), Some((name, dob))) if own_ids => ((name.clone(), *dob), None),
        (Some(subscriber), patient) => {
            let dependent = match patient {
                Some((name, Some(dob))) => part(name).map(|(last, first)| Dependent {
                    last_name: last,
                    first_name: first,
                    date_of_birth: *dob,
                    relationship: match coverage.relationship() {
                        SubscriberRelationship::Spouse => DependentRelationship::Spouse,
                        SubscriberRelationship::Child => DependentRelationship::Child,
                        _ => DependentRelationship::OtherAdult,
                    },
                }),
                _ => None,
            };
            (
                (
                    subscriber.name.clone(),
                    Some(subscriber.date_of_birth.date()),
                ),
                dependent,
            )
        }
        (None, None) => return not(NotVerified::DetailsMissing),
    };
    let ((name, dob), dependent) = (subscriber, dependent);
    let (Some(dob), Some((last, first))) = (dob, part(&name)) else {
        return not(NotVerified::DetailsMissing);
    };
    let settings = &insurance.eligibility;
    Asked {
        request: Some(EligibilityRequest {
            provider_npi: settings.practice_npi.clone(),
            provider_name: settings.practice_name.clone(),
            payer_id,
            payer_name,
            member_id: MemberId::clone(coverage.member_id()),
            last_name: last,
            first_name: first,
            date_of_birth: dob,
            service_type: settings.service_type.clone(),
            service_date: today,
            dependent,
        }),
        why_not: NotVerified::DetailsMissing,
    }
}

/// The finding for a check's outcome. Anything but a readable answer is "not verified".
pub(crate) fn finding_of(
    result: Result<crate::eligibility::EligibilityResult, EligibilityError>,
    service: &crate::eligibility::ServiceTypeCode,
) -> EligibilityFinding {
    match result {
        Ok(result) => {
            let status = match result.status {
                EligibilityStatus::Active => Eligibility::Active,
                EligibilityStatus::Inactive => Eligibility::Inactive,
                EligibilityStatus::NotFound(_) => Eligibility::NotFound,
            };
            EligibilityFinding {
                status,
                copay: (status == Eligibility::Active)
                    .then(|| result.copay_for(service))
                    .flatten(),
                plan_name: result.plan_name,
            }
        }
        Err(EligibilityError::Clearinghouse(ClearinghouseError::Timeout)) => {
            EligibilityFinding::not_verified(NotVerified::Timeout)
        }
        Err(EligibilityError::Clearinghouse(_)) => {
            EligibilityFinding::not_verified(NotVerified::ClearinghouseError)
        }
        Err(EligibilityError::Read(ReadError::PayerRejected { .. })) => {
            EligibilityFinding::not_verified(NotVerified::PayerUnavailable)
        }
        Err(EligibilityError::Read(_)) => {
            EligibilityFinding::not_verified(NotVerified::Malformed271)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eligibility::ServiceTypeCode;

    #[test]
    fn failures_are_not_verified_with_their_reason() {
        let visit = ServiceTypeCode::office_visit();
        for (error, want) in [
            (
                EligibilityError::Clearinghouse(ClearinghouseError::Timeout),
                NotVerified::Timeout,
            ),
            (
                EligibilityError::Clearinghouse(ClearinghouseError::Status(500)),
                NotVerified::ClearinghouseError,
            ),
            (
                EligibilityError::Read(ReadError::NotA271),
                NotVerified::Malformed271,
            ),
            (
                EligibilityError::Read(ReadError::PayerRejected { code: "42".into() }),
                NotVerified::PayerUnavailable,
            ),
        ] {
            assert_eq!(
                finding_of(Err(error), &visit),
                EligibilityFinding::not_verified(want)
            );
        }
        for reason in NotVerified::ALL {
            assert_eq!(NotVerified::parse(reason.as_str()), Some(reason));
        }
    }
}

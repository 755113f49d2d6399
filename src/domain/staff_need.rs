//! `StaffNeed`: why a kiosk sends a patient to the desk, so staff greet them knowing why.
//! It names a situation, never a person: it travels in the clear and is logged.

use serde::{Deserialize, Serialize};

/// Why a patient at a kiosk needs someone from the front desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffNeed {
    /// The patient tapped "Call staff". The default: kiosks from before reasons existed
    /// only ever sent this.
    #[default]
    PatientAsked,
    /// The patient tapped "I don't have a code" (kiosks from before name entry).
    NoCode,
    /// The patient said "this is not me" on the confirm screen.
    NotMe,
    /// The typed name and date of birth matched no appointment today.
    NoMatch,
    /// Name and date of birth matched several appointments the kiosk could not tell apart.
    SeveralMatches,
    /// A driver's licence or ID card was scanned but could not be read.
    UnreadableLicence,
    /// A check-in code was refused: expired, for another day, forged...
    CodeProblem,
    /// The appointment found (by code, name or licence) is already checked in.
    AlreadyCheckedIn,
    /// The kiosk has not reached the office yet (or is offline) and cannot identify anyone.
    KioskNotReady,
    /// The kiosk could not save the check-in.
    SaveFailed,
    /// The patient changed their details, or the details could not be checked offline.
    DetailsToReview,
    /// A co-pay ended unsettled (the terminal could not say whether the card was
    /// charged, or disagreed with the kiosk): someone must look at the terminal.
    PaymentProblem,
    /// The kiosk could not save the patient's answers to the intake questions (the
    /// check-in stands): someone asks them at the desk.
    AnswersNotSaved,
    /// A signed consent could not be saved on the kiosk (the check-in stands): the
    /// patient signs the rest at the desk.
    ConsentNotSaved,
    /// The patient chose to give their insurance at the desk (the check-in stands).
    InsuranceAtDesk,
    /// The kiosk could not save the patient's insurance answer or card photos (the
    /// check-in stands): the desk takes the card.
    CoverageNotSaved,
}

impl StaffNeed {
    /// Every need, in declaration order.
    pub const ALL: [StaffNeed; 16] = [
        StaffNeed::PatientAsked,
        StaffNeed::NoCode,
        StaffNeed::NotMe,
        StaffNeed::NoMatch,
        StaffNeed::SeveralMatches,
        StaffNeed::UnreadableLicence,
        StaffNeed::CodeProblem,
        StaffNeed::AlreadyCheckedIn,
        StaffNeed::KioskNotReady,
        StaffNeed::SaveFailed,
        StaffNeed::DetailsToReview,
        StaffNeed::PaymentProblem,
        StaffNeed::AnswersNotSaved,
        StaffNeed::ConsentNotSaved,
        StaffNeed::InsuranceAtDesk,
        StaffNeed::CoverageNotSaved,
    ];

    /// What staff read on the queue page (English: the staff page is English only).
    pub fn staff_sentence(self) -> &'static str {
        match self {
            StaffNeed::PatientAsked => "Patient tapped \"Call staff\"",
            StaffNeed::NoCode => "Patient has no check-in code",
            StaffNeed::NotMe => "Patient said the appointment shown is not theirs",
            StaffNeed::NoMatch => "Typed name and date of birth: no appointment found",
            StaffNeed::SeveralMatches => "Name and date of birth match more than one appointment",
            StaffNeed::UnreadableLicence => "Licence or ID card could not be read",
            StaffNeed::CodeProblem => "Check-in code refused (expired, another day, or not valid)",
            StaffNeed::AlreadyCheckedIn => "Patient's appointment is already checked in",
            StaffNeed::KioskNotReady => {
                "Kiosk cannot reach the office and could not identify the patient"
            }
            StaffNeed::SaveFailed => "Kiosk could not save the check-in",
            StaffNeed::DetailsToReview => "Patient's details need review",
            StaffNeed::PaymentProblem => {
                "Co-pay not settled: check the card terminal before charging again"
            }
            StaffNeed::AnswersNotSaved => {
                "Kiosk could not save the patient's intake answers: ask them at the desk"
            }
            StaffNeed::ConsentNotSaved => {
                "Kiosk could not save a signed consent: patient signs at the desk"
            }
            StaffNeed::InsuranceAtDesk => "Patient will give their insurance at the desk",
            StaffNeed::CoverageNotSaved => {
                "Kiosk could not save the patient's insurance: take the card at the desk"
            }
        }
    }

    /// The stable text stored in the database (the same as in JSON).
    pub fn as_str(self) -> &'static str {
        match self {
            StaffNeed::PatientAsked => "patient_asked",
            StaffNeed::NoCode => "no_code",
            StaffNeed::NotMe => "not_me",
            StaffNeed::NoMatch => "no_match",
            StaffNeed::SeveralMatches => "several_matches",
            StaffNeed::UnreadableLicence => "unreadable_licence",
            StaffNeed::CodeProblem => "code_problem",
            StaffNeed::AlreadyCheckedIn => "already_checked_in",
            StaffNeed::KioskNotReady => "kiosk_not_ready",
            StaffNeed::SaveFailed => "save_failed",
            StaffNeed::DetailsToReview => "details_to_review",
            StaffNeed::PaymentProblem => "payment_problem",
            StaffNeed::AnswersNotSaved => "answers_not_saved",
            StaffNeed::ConsentNotSaved => "consent_not_saved",
            StaffNeed::InsuranceAtDesk => "insurance_at_desk",
            StaffNeed::CoverageNotSaved => "coverage_not_saved",
        }
    }

    /// Parses the stable text; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|need| need.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_is_the_json_text_and_round_trips() {
        for need in StaffNeed::ALL {
            let json = serde_json::to_string(&need).unwrap();
            assert_eq!(json, format!("\"{}\"", need.as_str()));
            assert_eq!(StaffNeed::parse(need.as_str()), Some(need));
            assert_eq!(serde_json::from_str::<StaffNeed>(&json).unwrap(), need);
        }
        assert_eq!(StaffNeed::parse("PatientAsked"), None);
        assert!(serde_json::from_str::<StaffNeed>("\"nothing\"").is_err());
    }

    #[test]
    fn every_need_has_its_own_sentence() {
        let sentences: std::collections::HashSet<_> =
            StaffNeed::ALL.iter().map(|n| n.staff_sentence()).collect();
        assert_eq!(sentences.len(), StaffNeed::ALL.len());
        assert_eq!(
            StaffNeed::NoMatch.staff_sentence(),
            "Typed name and date of birth: no appointment found"
        );
    }
}

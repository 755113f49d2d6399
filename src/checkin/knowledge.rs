//! What the kiosk knows beyond any one patient: the office's identity and key, today's
//! roster, and the appointments already checked in here. Outlives every session.

use super::forms::Forms;
use super::roster::Roster;
use crate::domain::{AppointmentId, ClinicId, SexOptions};
use ed25519_dalek::VerifyingKey;
use jiff::tz::TimeZone;
use std::collections::HashSet;

/// What the kiosk must know of its office to check codes on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeTrust {
    pub clinic: ClinicId,
    /// Shown on the welcome screen.
    pub clinic_name: String,
    /// The clinic's zone: a code is valid on the clinic's calendar day.
    pub timezone: TimeZone,
    pub key: VerifyingKey,
}

/// The kiosk's standing knowledge.
#[derive(Debug, Clone, Default)]
pub struct Knowledge {
    /// `None` until the office has been reached once (then cached across restarts).
    pub trust: Option<OfficeTrust>,
    pub roster: Roster,
    /// Appointments checked in at this kiosk today (survives restarts via the store).
    pub used: HashSet<AppointmentId>,
    /// The sex / gender choices of the registration form, as the office configures them.
    pub sex_options: SexOptions,
    /// Whether co-pays can be taken on a card terminal here now.
    pub payments: PaymentsReadiness,
    /// The consent documents and intake questionnaires the office asks for (the shipped
    /// set until the office has been reached; then cached across restarts).
    pub forms: Forms,
    /// Whether a card photo can be taken now (the insurance step offers it only then).
    pub camera: CameraReadiness,
    /// The office's payer list and the SMART Health Card issuers it trusts (empty until
    /// the office answers; then cached across restarts).
    pub insurance: InsuranceKnowledge,
    /// Wrong short codes typed here, and the lock they lead to (outlives sessions).
    pub code_attempts: super::steps::CodeAttempts,
    /// Whether the office accepts this kiosk (paired and enabled).
    pub setup: super::Setup,
}

/// What the insurance step needs of the office: its payers to search, and the issuers
/// whose SMART Health Cards it trusts. Holds no PHI.
#[derive(Debug, Clone, Default)]
pub struct InsuranceKnowledge {
    /// The office's answer's revision (`None`: the office has not answered yet).
    pub revision: Option<String>,
    pub payers: Vec<crate::api::PayerListEntry>,
    pub issuers: crate::scan::shc::TrustedIssuers,
}

impl InsuranceKnowledge {
    /// From the office's answer. An issuer whose key set cannot be used is left out (and
    /// logged): its cards are then "could not verify", never trusted by mistake.
    pub fn from_reference(reference: &crate::api::InsuranceReference) -> Self {
        let mut issuers = crate::scan::shc::TrustedIssuers::new();
        for issuer in &reference.shc_issuers {
            if let Err(error) = issuers.add_jwks(&issuer.iss, &issuer.jwks) {
                tracing::warn!(%error, iss = %issuer.iss, "health card issuer's keys unusable");
            }
        }
        Self {
            revision: Some(reference.revision.clone()),
            payers: reference.payers.clone(),
            issuers,
        }
    }
}

/// Whether this kiosk can photograph an insurance card now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CameraReadiness {
    /// No camera configured: the insurance step offers scanning and typing only.
    #[default]
    NoCamera,
    Ready,
    /// Configured but not answering (unplugged, faulty).
    Unavailable,
}

/// Whether this kiosk can take a card payment now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaymentsReadiness {
    /// No card terminal configured: the payment step is left out.
    #[default]
    NoTerminal,
    Ready,
    /// Configured but not answering (unplugged, faulty): patients are sent to the desk
    /// to pay.
    Unavailable,
}

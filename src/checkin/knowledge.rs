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

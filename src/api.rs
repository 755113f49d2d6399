//! The kiosk ↔ office wire contract (JSON under `/api/kiosk/v1`), shared by both programs
//! so the two sides cannot drift apart.

use crate::checkin::RosterEntry;
use crate::domain::{AppointmentId, CheckInId, ClinicId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Path prefix of the kiosk API.
pub const KIOSK_API: &str = "/api/kiosk/v1";

/// `GET /api/kiosk/v1/config`: what a kiosk needs from its office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskConfig {
    pub clinic: ClinicId,
    pub clinic_name: String,
    /// IANA zone the clinic's day is counted in, e.g. `America/Chicago`.
    pub timezone: String,
    /// Ed25519 key that signs check-in tokens, base64 (standard, padded).
    pub token_public_key: String,
}

/// `POST /api/kiosk/v1/checkins`: one check-in, idempotent by `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInSubmission {
    pub id: CheckInId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub arrived_at: Timestamp,
}

#[cfg(test)]
impl CheckInSubmission {
    /// A fresh submission for clinic 1 and `appointment`, arrived at a fixed time.
    pub(crate) fn sample(appointment: u64) -> Self {
        Self {
            id: CheckInId::random(),
            clinic: ClinicId::new(1).expect("clinic 1 is valid"),
            appointment: AppointmentId::new(appointment),
            arrived_at: "2026-11-23T15:00:00Z".parse().expect("a valid timestamp"),
        }
    }
}

/// What the office answers to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionOutcome {
    /// Stored now.
    Accepted,
    /// Stored before (a retry of the same id).
    AlreadyStored,
    /// The appointment was already checked in under another id (e.g. by staff); nothing stored.
    AppointmentAlreadyCheckedIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionReceipt {
    pub outcome: SubmissionOutcome,
}

/// `POST /api/kiosk/v1/heartbeat`: the kiosk's health, every few seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub sent_at: Timestamp,
    pub version: String,
    pub uptime_secs: u64,
    /// Check-ins written but not yet acknowledged by the office.
    pub outbox_depth: u64,
    pub scanner_connected: bool,
}

/// `GET /api/kiosk/v1/roster`: today's appointments, minimal details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterResponse {
    pub entries: Vec<RosterEntry>,
    /// Patients waiting in the lobby now.
    pub waiting: u32,
}

/// `POST /api/kiosk/v1/help`: a patient tapped "Call staff".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpRequest {
    pub requested_at: Timestamp,
}

/// Every error body the office sends: a stable code for programs, a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

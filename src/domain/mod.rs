//! Types of the check-in domain that validate on construction, shared by kiosk and office.

mod address;
mod coverage;
mod date_of_birth;
mod details_change;
mod email;
mod identity;
mod ids;
mod language;
mod money;
mod name;
mod payment;
mod phone;
mod registration;
mod sex;
mod short_code;
mod staff_need;
mod text;

pub use address::{AddressError, PostalAddress, StateError, UsState, ZipCode, ZipError};
pub use coverage::{
    CardReading, CardSide, Coverage, CoverageAnswer, CoverageError, CoverageRank, CoverageSource,
    Coverages, GroupNumber, MemberId, Payer, PayerId, PayerName, Subscriber,
    SubscriberRelationship,
};
pub use date_of_birth::{DateOfBirth, DobError};
pub use details_change::{
    ChangeSource, ContactField, ContactOnFile, DetailsChangeError, DetailsChangeId, FieldChange,
    check_changes,
};
pub use email::{EmailAddress, EmailError};
pub use identity::{IdentityError, IdentityHash, IdentityKey, normalise_name};
pub use ids::{
    AppointmentId, CardPhotoId, CheckInId, ClinicId, CoverageSubmissionId, IdError,
    IntakeResponseId, KioskId, PaymentId, RegistrationId, SignedConsentId,
};
pub use language::Language;
pub use money::{Cents, MoneyError};
pub use name::{DisplayName, NameError, PersonName, StaffName};
pub use payment::{
    AmountDue, AuthCode, MaskedCard, PaymentOutcome, PaymentProblem, PaymentTextError,
    TerminalReceiptNo,
};
pub use phone::{PhoneError, PhoneNumber};
pub use registration::{
    EmergencyContact, FieldSource, NewPatientRegistration, PreferredName, Relationship, Sourced,
};
pub use sex::{SexCode, SexOption, SexOptionError, SexOptions};
pub use short_code::{SHORT_CODE_ALPHABET, SHORT_CODE_LEN, ShortCode, ShortCodeError};
pub use staff_need::StaffNeed;
pub use text::TextError;

use serde::{Deserialize, Serialize};

/// Where a check-in stands in the office's queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckInStatus {
    /// Checked in at the kiosk, waiting in the lobby.
    Arrived,
    /// Staff flagged it: the patient needs someone at the desk.
    NeedsAttention,
    /// Taken to an exam room; leaves the waiting queue.
    Roomed,
}

impl CheckInStatus {
    /// The stable text used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Arrived => "arrived",
            Self::NeedsAttention => "needs_attention",
            Self::Roomed => "roomed",
        }
    }

    /// Parses the stable text; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "arrived" => Some(Self::Arrived),
            "needs_attention" => Some(Self::NeedsAttention),
            "roomed" => Some(Self::Roomed),
            _ => None,
        }
    }

    /// Whether the patient is still waiting in the lobby.
    pub fn is_waiting(self) -> bool {
        !matches!(self, Self::Roomed)
    }
}

//! Identifiers: each a newtype so an appointment id can never be passed as a clinic id.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("kiosk id must be 1-32 characters of a-z, 0-9 and '-'")]
    BadKioskId,
    #[error("clinic id must be a positive number")]
    BadClinicId,
}

/// The office (practice location) a kiosk and its appointments belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct ClinicId(u32);

impl ClinicId {
    pub fn new(value: u32) -> Result<Self, IdError> {
        if value == 0 {
            return Err(IdError::BadClinicId);
        }
        Ok(Self(value))
    }
    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for ClinicId {
    type Error = IdError;
    fn try_from(value: u32) -> Result<Self, IdError> {
        Self::new(value)
    }
}

impl From<ClinicId> for u32 {
    fn from(id: ClinicId) -> u32 {
        id.0
    }
}

impl fmt::Display for ClinicId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An appointment: its stable random handle, given once when the office first imports it
/// and kept through re-imports, restores and moves to another database. Codes, kiosks and
/// staff pages use only this; the database's own row numbers never leave the office
/// store. Safe to log: it names no one by itself.
///
/// In JSON it is a decimal string: a random 64-bit number does not survive a browser's
/// `JSON.parse` (doubles carry 53 bits). A JSON number is still accepted on the way in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppointmentId(u64);

impl AppointmentId {
    pub fn new(value: u64) -> Self {
        Self(value)
    }
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for AppointmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "appt-{}", self.0)
    }
}

impl Serialize for AppointmentId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AppointmentId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Handle;
        impl serde::de::Visitor<'_> for Handle {
            type Value = AppointmentId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an appointment handle (decimal string or unsigned integer)")
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<AppointmentId, E> {
                Ok(AppointmentId(value))
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<AppointmentId, E> {
                // Digits only: `u64::from_str` would also take a leading '+'.
                if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom("appointment handle must be decimal digits"));
                }
                text.parse()
                    .map(AppointmentId)
                    .map_err(|_| E::custom("appointment handle out of range"))
            }
        }
        deserializer.deserialize_any(Handle)
    }
}

/// A random id the kiosk makes for what it sends, so that a retried delivery is
/// recognised as the same one.
macro_rules! kiosk_made_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Self {
                Self(uuid::Uuid::new_v4())
            }
            pub fn parse(text: &str) -> Option<Self> {
                uuid::Uuid::parse_str(text).ok().map(Self)
            }
            pub fn as_uuid(self) -> uuid::Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

kiosk_made_id!(
    /// One check-in, made by the kiosk so that a retried submit is recognised as the same one.
    CheckInId
);
kiosk_made_id!(
    /// One new-patient registration, made by the kiosk so that a retried delivery is
    /// recognised as the same one.
    RegistrationId
);
kiosk_made_id!(
    /// One change request to a patient's contact details, made by the kiosk so that a
    /// retried delivery is recognised as the same one.
    DetailsChangeId
);
kiosk_made_id!(
    /// One payment (one amount the patient agreed to pay, with all its attempts), made by
    /// the kiosk before the terminal is asked, so the journal, the outbox and the office all
    /// name it the same.
    PaymentId
);

kiosk_made_id!(
    /// One signed consent document (one document, one version, one patient), made by the
    /// kiosk as the patient signs, so that a retried delivery is recognised as the same one.
    SignedConsentId
);
kiosk_made_id!(
    /// One finished intake questionnaire (a FHIR QuestionnaireResponse), made by the kiosk
    /// as the patient finishes it, so that a retried delivery is recognised as the same one.
    IntakeResponseId
);

kiosk_made_id!(
    /// One answer at the insurance step (new coverage, "unchanged", or self-pay), made by
    /// the kiosk as the patient confirms it, so that a retried delivery is recognised.
    CoverageSubmissionId
);
kiosk_made_id!(
    /// One photo of one side of an insurance card, made by the kiosk as it is taken.
    CardPhotoId
);

/// A lobby kiosk, named in configuration (e.g. `lobby-1`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KioskId(String);

impl KioskId {
    pub fn new(value: &str) -> Result<Self, IdError> {
        let ok = !value.is_empty()
            && value.len() <= 32
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(value.to_owned()))
        } else {
            Err(IdError::BadKioskId)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KioskId {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, IdError> {
        Self::new(&value)
    }
}

impl From<KioskId> for String {
    fn from(id: KioskId) -> String {
        id.0
    }
}

impl fmt::Display for KioskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosk_ids_are_short_slugs() {
        assert!(KioskId::new("lobby-1").is_ok());
        assert_eq!(KioskId::new(""), Err(IdError::BadKioskId));
        assert_eq!(KioskId::new("Lobby 1"), Err(IdError::BadKioskId));
        assert_eq!(KioskId::new(&"a".repeat(33)), Err(IdError::BadKioskId));
    }

    #[test]
    fn appointment_handles_are_strings_in_json_and_numbers_are_still_read() {
        let id = AppointmentId::new(u64::MAX - 1);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, "\"18446744073709551614\"");
        assert_eq!(serde_json::from_str::<AppointmentId>(&json).unwrap(), id);
        assert_eq!(
            serde_json::from_str::<AppointmentId>("42").unwrap(),
            AppointmentId::new(42)
        );
        for bad in [
            "\"\"",
            "\"+1\"",
            "\"-1\"",
            "\"1e3\"",
            "\"99999999999999999999\"",
            "-1",
            "1.5",
            "null",
        ] {
            assert!(serde_json::from_str::<AppointmentId>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clinic_zero_is_refused() {
        assert_eq!(ClinicId::new(0), Err(IdError::BadClinicId));
        assert!(serde_json::from_str::<ClinicId>("0").is_err());
        assert_eq!(serde_json::from_str::<ClinicId>("7").unwrap().get(), 7);
    }
}

//! A new patient's registration, as the kiosk's form collects it: every field a checked
//! type, each tagged with where it came from (typed at the kiosk, read from a licence, on
//! file), so staff know what to double-check.
//!
//! PHI throughout: `Debug` shows which fields are present and their sources, never their
//! contents.

use super::address::PostalAddress;
use super::date_of_birth::DateOfBirth;
use super::email::EmailAddress;
use super::language::Language;
use super::name::{NameError, PersonName};
use super::phone::PhoneNumber;
use super::sex::SexCode;
use super::text::{TextError, clean_line};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldSource {
    /// The patient typed or picked it on the kiosk.
    TypedAtKiosk,
    /// Read from the patient's driver's licence or ID card (and not changed since).
    FromLicence,
    /// What the office already had.
    OnFile,
}

impl FieldSource {
    /// The stable text used in the API and on the staff page.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldSource::TypedAtKiosk => "typed_at_kiosk",
            FieldSource::FromLicence => "from_licence",
            FieldSource::OnFile => "on_file",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            FieldSource::TypedAtKiosk,
            FieldSource::FromLicence,
            FieldSource::OnFile,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    /// What staff read.
    pub fn label(self) -> &'static str {
        match self {
            FieldSource::TypedAtKiosk => "Typed at the kiosk",
            FieldSource::FromLicence => "Read from licence",
            FieldSource::OnFile => "On file",
        }
    }
}

/// A value with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sourced<T> {
    pub value: T,
    pub source: FieldSource,
}

impl<T> Sourced<T> {
    pub fn typed(value: T) -> Self {
        Self {
            value,
            source: FieldSource::TypedAtKiosk,
        }
    }

    pub fn from_licence(value: T) -> Self {
        Self {
            value,
            source: FieldSource::FromLicence,
        }
    }
}

/// The name a patient likes to be called ("Ada" for "Adelaide"): one line, length-limited.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PreferredName(String);

impl PreferredName {
    /// Longest preferred name, in characters (as a part of a [`PersonName`]).
    pub const MAX: usize = 64;

    pub fn new(text: &str) -> Result<Self, NameError> {
        clean_line(text, Self::MAX)
            .map(Self)
            .map_err(|error| match error {
                TextError::Empty => NameError::Empty,
                TextError::TooLong { .. } => NameError::TooLong,
                TextError::ControlCharacters => NameError::ControlCharacters,
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PreferredName {
    type Error = NameError;
    fn try_from(text: String) -> Result<Self, NameError> {
        Self::new(&text)
    }
}

impl From<PreferredName> for String {
    fn from(name: PreferredName) -> String {
        name.0
    }
}

impl fmt::Debug for PreferredName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PreferredName(<redacted>)")
    }
}

/// How an emergency contact is related to the patient: picked from a list, so it
/// translates and needs no typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Spouse,
    Partner,
    Parent,
    Child,
    Sibling,
    Guardian,
    Friend,
    Other,
}

impl Relationship {
    /// Every relationship, in the order the kiosk offers them.
    pub const ALL: [Relationship; 8] = [
        Relationship::Spouse,
        Relationship::Partner,
        Relationship::Parent,
        Relationship::Child,
        Relationship::Sibling,
        Relationship::Guardian,
        Relationship::Friend,
        Relationship::Other,
    ];

    /// The English word, for the staff page.
    pub fn english(self) -> &'static str {
        match self {
            Relationship::Spouse => "Spouse",
            Relationship::Partner => "Partner",
            Relationship::Parent => "Parent",
            Relationship::Child => "Child",
            Relationship::Sibling => "Sibling",
            Relationship::Guardian => "Guardian",
            Relationship::Friend => "Friend",
            Relationship::Other => "Other",
        }
    }
}

/// Someone to call in an emergency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyContact {
    pub name: PersonName,
    pub relationship: Relationship,
    pub phone: PhoneNumber,
}

/// Everything a new patient registers with. Each part checked itself, so a value of this
/// type (built or read from the wire) is a valid registration. The sex / gender code is
/// one from the office's list when the kiosk built it; the office shows an unknown one
/// as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPatientRegistration {
    pub legal_name: Sourced<PersonName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<Sourced<PreferredName>>,
    pub date_of_birth: Sourced<DateOfBirth>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sourced<SexCode>>,
    pub address: Sourced<PostalAddress>,
    pub phone: Sourced<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Sourced<EmailAddress>>,
    pub language: Language,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_contact: Option<Sourced<EmergencyContact>>,
}

#[cfg(test)]
impl NewPatientRegistration {
    /// A complete, obviously fake registration.
    pub(crate) fn sample() -> Self {
        use crate::domain::{UsState, ZipCode};
        use jiff::civil::date;
        Self {
            legal_name: Sourced::from_licence(PersonName::new("Ada", "Testpatient").unwrap()),
            preferred_name: Some(Sourced::typed(PreferredName::new("Addie").unwrap())),
            date_of_birth: Sourced::from_licence(
                DateOfBirth::new(date(1950, 1, 2), date(2026, 11, 25)).unwrap(),
            ),
            sex: Some(Sourced::typed(SexCode::new("female").unwrap())),
            address: Sourced::from_licence(
                PostalAddress::new(
                    "123 Example St",
                    "Apt 4",
                    "Testville",
                    UsState::parse("IL").unwrap(),
                    ZipCode::parse("62701").unwrap(),
                )
                .unwrap(),
            ),
            phone: Sourced::typed(PhoneNumber::parse("217-555-0123").unwrap()),
            email: Some(Sourced::typed(
                EmailAddress::parse("ada@example.com").unwrap(),
            )),
            language: Language::Spanish,
            emergency_contact: Some(Sourced::typed(EmergencyContact {
                name: PersonName::new("Bruno", "Sample").unwrap(),
                relationship: Relationship::Sibling,
                phone: PhoneNumber::parse("217-555-0199").unwrap(),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> NewPatientRegistration {
        NewPatientRegistration::sample()
    }

    #[test]
    fn preferred_names_are_one_limited_line() {
        assert_eq!(PreferredName::new("  Addie ").unwrap().as_str(), "Addie");
        assert_eq!(PreferredName::new(""), Err(NameError::Empty));
        assert_eq!(PreferredName::new(&"a".repeat(65)), Err(NameError::TooLong));
        assert_eq!(
            PreferredName::new("Ad\u{1b}die"),
            Err(NameError::ControlCharacters)
        );
        assert!(serde_json::from_str::<PreferredName>("\"  \"").is_err());
    }

    #[test]
    fn a_registration_round_trips_and_debug_names_nothing() {
        let registration = sample();
        let json = serde_json::to_string(&registration).unwrap();
        assert!(json.contains(r#""source":"from_licence""#), "{json}");
        assert!(json.contains(r#""relationship":"sibling""#), "{json}");
        assert_eq!(
            serde_json::from_str::<NewPatientRegistration>(&json).unwrap(),
            registration
        );
        let debug = format!("{registration:?}");
        for secret in [
            "Ada",
            "Testpatient",
            "Addie",
            "1950",
            "female",
            "Example",
            "Testville",
            "62701",
            "555",
            "example.com",
            "Bruno",
            "Sample",
        ] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(
            debug.contains("FromLicence") && debug.contains("Spanish"),
            "{debug}"
        );
    }

    #[test]
    fn optional_fields_may_be_left_out_and_bad_fields_are_refused_on_the_wire() {
        let mut minimal = sample();
        minimal.preferred_name = None;
        minimal.sex = None;
        minimal.email = None;
        minimal.emergency_contact = None;
        let json = serde_json::to_value(&minimal).unwrap();
        assert_eq!(
            json.as_object().unwrap().len(),
            5,
            "absent options are left out: {json}"
        );
        assert_eq!(
            serde_json::from_value::<NewPatientRegistration>(json.clone()).unwrap(),
            minimal
        );
        let full = serde_json::to_value(sample()).unwrap();
        let spoil = |path: &[&str], value: serde_json::Value| {
            let mut json = full.clone();
            let mut at = &mut json;
            for key in &path[..path.len() - 1] {
                at = &mut at[*key];
            }
            at[path[path.len() - 1]] = value;
            serde_json::from_value::<NewPatientRegistration>(json)
        };
        for (path, value) in [
            (&["legal_name", "value", "first"][..], serde_json::json!("")),
            (
                &["legal_name", "value", "last"][..],
                serde_json::json!("a".repeat(65)),
            ),
            (&["legal_name", "source"][..], serde_json::json!("guessed")),
            (
                &["date_of_birth", "value"][..],
                serde_json::json!("1950-02-30"),
            ),
            (&["address", "value", "zip"][..], serde_json::json!("1234")),
            (&["address", "value", "state"][..], serde_json::json!("XX")),
            (&["phone", "value"][..], serde_json::json!("0175550123")),
            (&["email", "value"][..], serde_json::json!("ada@localhost")),
            (&["sex", "value"][..], serde_json::json!("Female")),
            (&["language"][..], serde_json::json!("klingon")),
            (
                &["emergency_contact", "value", "relationship"][..],
                serde_json::json!("boss"),
            ),
            (&["preferred_name", "value"][..], serde_json::json!(" ")),
            (&["surprise"][..], serde_json::json!(1)),
        ] {
            assert!(spoil(path, value).is_err(), "{path:?}");
        }
    }
}

//! A returning patient's contact details: what the office has on file, and the changes a
//! patient asks for at the kiosk, each field tagged with where its value came from. All of
//! it is PHI: `Debug` shows which fields, never their values.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a contact value or a change request was refused. Names no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DetailsChangeError {
    #[error("{} is longer than {} characters", .0.label(), .0.max_len())]
    TooLong(ContactField),
    #[error("{} contains control characters", .0.label())]
    ControlCharacters(ContactField),
    #[error("{} is empty", .0.label())]
    Empty(ContactField),
    #[error("{} is changed twice in one request", .0.label())]
    Repeated(ContactField),
    #[error("a change request changes nothing and flags nothing")]
    Nothing,
}

/// A contact detail a patient may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactField {
    AddressLine1,
    AddressLine2,
    City,
    State,
    Zip,
    Phone,
    Email,
}

impl ContactField {
    pub const ALL: [ContactField; 7] = [
        ContactField::AddressLine1,
        ContactField::AddressLine2,
        ContactField::City,
        ContactField::State,
        ContactField::Zip,
        ContactField::Phone,
        ContactField::Email,
    ];

    /// Longest value accepted, in characters (what a kiosk keyboard field allows).
    pub fn max_len(self) -> usize {
        match self {
            ContactField::AddressLine1 | ContactField::AddressLine2 => 64,
            ContactField::City => 40,
            ContactField::State => 20,
            ContactField::Zip => 10,
            ContactField::Phone => 20,
            ContactField::Email => 254,
        }
    }

    /// The stable text used in the database, CSV headers and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactField::AddressLine1 => "address_line1",
            ContactField::AddressLine2 => "address_line2",
            ContactField::City => "city",
            ContactField::State => "state",
            ContactField::Zip => "zip",
            ContactField::Phone => "phone",
            ContactField::Email => "email",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    /// What staff read.
    pub fn label(self) -> &'static str {
        match self {
            ContactField::AddressLine1 => "Address line 1",
            ContactField::AddressLine2 => "Address line 2",
            ContactField::City => "City",
            ContactField::State => "State",
            ContactField::Zip => "ZIP",
            ContactField::Phone => "Phone",
            ContactField::Email => "Email",
        }
    }

    /// Checks a value for this field: trimmed, within length, no control characters.
    /// Empty is allowed (a detail removed) only where a patient may have none.
    pub fn check(self, value: &str) -> Result<String, DetailsChangeError> {
        let value = value.trim();
        if value.chars().count() > self.max_len() {
            return Err(DetailsChangeError::TooLong(self));
        }
        if value.chars().any(char::is_control) {
            return Err(DetailsChangeError::ControlCharacters(self));
        }
        if value.is_empty() && !matches!(self, ContactField::AddressLine2 | ContactField::Email) {
            return Err(DetailsChangeError::Empty(self));
        }
        Ok(value.to_owned())
    }
}

/// Where a value in a change request came from: the registration form's sources, one
/// type for both so staff read them the same way.
pub type ChangeSource = super::FieldSource;

/// One field a patient wants changed, checked on construction and on parse.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawFieldChange")]
pub struct FieldChange {
    field: ContactField,
    value: String,
    source: ChangeSource,
}

#[derive(Deserialize)]
struct RawFieldChange {
    field: ContactField,
    value: String,
    source: ChangeSource,
}

impl TryFrom<RawFieldChange> for FieldChange {
    type Error = DetailsChangeError;
    fn try_from(raw: RawFieldChange) -> Result<Self, DetailsChangeError> {
        Self::new(raw.field, &raw.value, raw.source)
    }
}

impl FieldChange {
    pub fn new(
        field: ContactField,
        value: &str,
        source: ChangeSource,
    ) -> Result<Self, DetailsChangeError> {
        Ok(Self {
            field,
            value: field.check(value)?,
            source,
        })
    }
    pub fn field(&self) -> ContactField {
        self.field
    }
    /// PHI: never log it.
    pub fn value(&self) -> &str {
        &self.value
    }
    pub fn source(&self) -> ChangeSource {
        self.source
    }
}

impl fmt::Debug for FieldChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldChange")
            .field("field", &self.field)
            .field("value_len", &self.value.chars().count())
            .field("source", &self.source)
            .finish()
    }
}

/// Checks the changes of one request: each field at most once, and something to review.
pub fn check_changes(
    changes: &[FieldChange],
    unchecked_offline: bool,
) -> Result<(), DetailsChangeError> {
    let mut seen = std::collections::BTreeSet::new();
    for change in changes {
        if !seen.insert(change.field) {
            return Err(DetailsChangeError::Repeated(change.field));
        }
    }
    if changes.is_empty() && !unchecked_offline {
        return Err(DetailsChangeError::Nothing);
    }
    Ok(())
}

/// The contact details the office has for an appointment's patient; any may be unknown.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawContact")]
pub struct ContactOnFile {
    address_line1: Option<String>,
    address_line2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct RawContact {
    address_line1: Option<String>,
    address_line2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    phone: Option<String>,
    email: Option<String>,
}

impl TryFrom<RawContact> for ContactOnFile {
    type Error = DetailsChangeError;
    fn try_from(raw: RawContact) -> Result<Self, DetailsChangeError> {
        let values = [
            raw.address_line1,
            raw.address_line2,
            raw.city,
            raw.state,
            raw.zip,
            raw.phone,
            raw.email,
        ];
        let mut contact = ContactOnFile::default();
        for (field, value) in ContactField::ALL.into_iter().zip(values) {
            if let Some(value) = value {
                contact.set(field, &value)?;
            }
        }
        Ok(contact)
    }
}

impl ContactOnFile {
    fn slot(&mut self, field: ContactField) -> &mut Option<String> {
        match field {
            ContactField::AddressLine1 => &mut self.address_line1,
            ContactField::AddressLine2 => &mut self.address_line2,
            ContactField::City => &mut self.city,
            ContactField::State => &mut self.state,
            ContactField::Zip => &mut self.zip,
            ContactField::Phone => &mut self.phone,
            ContactField::Email => &mut self.email,
        }
    }

    /// The value on file for `field`, if known. PHI: never log it.
    pub fn get(&self, field: ContactField) -> Option<&str> {
        match field {
            ContactField::AddressLine1 => self.address_line1.as_deref(),
            ContactField::AddressLine2 => self.address_line2.as_deref(),
            ContactField::City => self.city.as_deref(),
            ContactField::State => self.state.as_deref(),
            ContactField::Zip => self.zip.as_deref(),
            ContactField::Phone => self.phone.as_deref(),
            ContactField::Email => self.email.as_deref(),
        }
    }

    /// Sets `field` to `value` (checked as for a change; empty: unknown).
    pub fn set(&mut self, field: ContactField, value: &str) -> Result<(), DetailsChangeError> {
        let value = match field.check(value) {
            Err(DetailsChangeError::Empty(_)) => String::new(),
            checked => checked?,
        };
        *self.slot(field) = (!value.is_empty()).then_some(value);
        Ok(())
    }

    /// Whether nothing at all is on file.
    pub fn is_empty(&self) -> bool {
        ContactField::ALL.into_iter().all(|f| self.get(f).is_none())
    }
}

impl fmt::Debug for ContactOnFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known: Vec<_> = ContactField::ALL
            .into_iter()
            .filter(|field| self.get(*field).is_some())
            .map(ContactField::as_str)
            .collect();
        f.debug_struct("ContactOnFile")
            .field("known", &known)
            .finish()
    }
}

pub use super::ids::DetailsChangeId;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_length_limited_and_never_shown_by_debug() {
        let change = FieldChange::new(
            ContactField::City,
            "  Exampleville ",
            ChangeSource::TypedAtKiosk,
        )
        .unwrap();
        assert_eq!(change.value(), "Exampleville");
        assert!(!format!("{change:?}").contains("Exampleville"));
        assert_eq!(
            FieldChange::new(ContactField::Zip, "12345-67890", ChangeSource::OnFile),
            Err(DetailsChangeError::TooLong(ContactField::Zip))
        );
        assert_eq!(
            FieldChange::new(ContactField::Phone, "555\u{0}0100", ChangeSource::OnFile),
            Err(DetailsChangeError::ControlCharacters(ContactField::Phone))
        );
        assert_eq!(
            FieldChange::new(ContactField::AddressLine1, " ", ChangeSource::OnFile),
            Err(DetailsChangeError::Empty(ContactField::AddressLine1))
        );
        assert!(FieldChange::new(ContactField::AddressLine2, "", ChangeSource::OnFile).is_ok());
        let long = "x".repeat(65);
        let json =
            format!(r#"{{"field":"address_line1","value":"{long}","source":"typed_at_kiosk"}}"#);
        assert!(serde_json::from_str::<FieldChange>(&json).is_err());
        assert!(
            serde_json::from_str::<FieldChange>(
                r#"{"field":"shoe_size","value":"9","source":"typed_at_kiosk"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn a_request_changes_each_field_once_and_says_something() {
        let phone = |v: &str| FieldChange::new(ContactField::Phone, v, ChangeSource::TypedAtKiosk);
        let twice = [phone("555-0100").unwrap(), phone("555-0101").unwrap()];
        assert_eq!(
            check_changes(&twice, false),
            Err(DetailsChangeError::Repeated(ContactField::Phone))
        );
        assert_eq!(check_changes(&[], false), Err(DetailsChangeError::Nothing));
        assert_eq!(check_changes(&[], true), Ok(()));
        assert_eq!(check_changes(&twice[..1], false), Ok(()));
    }

    #[test]
    fn contact_on_file_round_trips_checks_on_parse_and_hides_values() {
        let mut contact = ContactOnFile::default();
        assert!(contact.is_empty());
        contact
            .set(ContactField::AddressLine1, "123 Example St")
            .unwrap();
        contact.set(ContactField::Phone, "555-0100").unwrap();
        contact.set(ContactField::AddressLine2, "").unwrap();
        assert_eq!(contact.get(ContactField::AddressLine2), None);
        let json = serde_json::to_string(&contact).unwrap();
        assert_eq!(
            serde_json::from_str::<ContactOnFile>(&json).unwrap(),
            contact
        );
        let debug = format!("{contact:?}");
        assert!(
            !debug.contains("Example") && !debug.contains("0100"),
            "{debug}"
        );
        assert!(debug.contains("address_line1"), "{debug}");
        let junk = format!(r#"{{"city":"{}"}}"#, "c".repeat(41));
        assert!(serde_json::from_str::<ContactOnFile>(&junk).is_err());
        for field in ContactField::ALL {
            assert_eq!(ContactField::parse(field.as_str()), Some(field));
        }
    }
}

//! Patient names, and the minimum of a name a lobby screen may show.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("name part is empty")]
    Empty,
    #[error("name part is longer than 64 characters")]
    TooLong,
    #[error("name part contains control characters")]
    ControlCharacters,
}

fn clean_part(text: &str) -> Result<String, NameError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NameError::Empty);
    }
    if text.chars().count() > PersonName::MAX_PART {
        return Err(NameError::TooLong);
    }
    if text.chars().any(char::is_control) {
        return Err(NameError::ControlCharacters);
    }
    Ok(text.to_owned())
}

/// A patient's full name. PHI: never log it. Checked again when read from the wire.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawName")]
pub struct PersonName {
    first: String,
    last: String,
}

impl PersonName {
    /// Longest first or last name, in characters (the kiosk keyboard stops there too).
    pub const MAX_PART: usize = 64;

    pub fn new(first: &str, last: &str) -> Result<Self, NameError> {
        Ok(Self {
            first: clean_part(first)?,
            last: clean_part(last)?,
        })
    }
    pub fn first(&self) -> &str {
        &self.first
    }
    pub fn last(&self) -> &str {
        &self.last
    }
    /// "Last, First", as staff lists sort and show names.
    pub fn staff_form(&self) -> StaffName {
        StaffName(format!("{}, {}", self.last, self.first))
    }
    /// First name and last initial: what the lobby screen may show.
    pub fn display_name(&self) -> DisplayName {
        let initial: String = self.last.chars().take(1).collect();
        DisplayName(format!("{} {}.", self.first, initial))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawName {
    first: String,
    last: String,
}

impl TryFrom<RawName> for PersonName {
    type Error = NameError;
    fn try_from(raw: RawName) -> Result<Self, NameError> {
        Self::new(&raw.first, &raw.last)
    }
}

/// Names are PHI: keep them out of `{:?}` output that could reach a log.
impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PersonName(<redacted>)")
    }
}

/// First name and last initial ("Ada T."), the least a patient needs to recognise themselves.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DisplayName(<redacted>)")
    }
}

/// A patient's name on its way to staff ("Last, First"). Serializes to the plain text the
/// staff page shows; `Debug` hides it, so a view model that reaches a log names no one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StaffName(String);

impl StaffName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for StaffName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for StaffName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaffName(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_name_is_first_name_and_last_initial() {
        let name = PersonName::new(" Ada ", "Testpatient").unwrap();
        assert_eq!(name.display_name().as_str(), "Ada T.");
        assert_eq!(name.staff_form().as_str(), "Testpatient, Ada");
    }

    #[test]
    fn debug_output_hides_names() {
        let name = PersonName::new("Ada", "Testpatient").unwrap();
        assert!(!format!("{name:?}").contains("Ada"));
        assert!(!format!("{:?}", name.display_name()).contains("Ada"));
        assert!(!format!("{:?}", name.staff_form()).contains("Ada"));
        assert_eq!(
            serde_json::to_string(&name.staff_form()).unwrap(),
            "\"Testpatient, Ada\""
        );
    }

    #[test]
    fn the_wire_form_is_checked_again() {
        let name = PersonName::new("Ada", "Testpatient").unwrap();
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, r#"{"first":"Ada","last":"Testpatient"}"#);
        assert_eq!(serde_json::from_str::<PersonName>(&json).unwrap(), name);
        for bad in [
            r#"{"first":"","last":"Testpatient"}"#,
            r#"{"first":"Ada","last":"Test\u0007"}"#,
            r#"{"first":"Ada"}"#,
            r#"{"first":"Ada","last":"Testpatient","middle":"X"}"#,
        ] {
            assert!(serde_json::from_str::<PersonName>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_bad_parts() {
        assert_eq!(PersonName::new("", "X"), Err(NameError::Empty));
        assert_eq!(
            PersonName::new("A\u{7}", "X"),
            Err(NameError::ControlCharacters)
        );
        assert_eq!(
            PersonName::new(&"a".repeat(65), "X"),
            Err(NameError::TooLong)
        );
    }
}

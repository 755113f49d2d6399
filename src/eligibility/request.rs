//! What the office asks a payer: validated fields of a 270 request.

use jiff::civil::Date;
use std::fmt;

/// Why a request field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("NPI must be 10 digits with a valid check digit")]
    Npi,
    #[error("payer id must be 2 to 80 letters or digits")]
    PayerId,
    #[error("member id must be 2 to 80 letters, digits or hyphens")]
    MemberId,
    #[error("name must be 1 to {max} letters, spaces, hyphens, apostrophes or periods")]
    Name { max: usize },
    #[error("organisation name must be 1 to 60 letters, digits, spaces or . , & ' -")]
    OrgName,
    #[error("service type code must be 1 or 2 letters or digits")]
    ServiceType,
    #[error("interchange id must be 1 to 15 letters, digits or spaces")]
    InterchangeId,
}

fn all(text: &str, ok: impl Fn(char) -> bool) -> bool {
    text.chars().all(ok)
}

/// A National Provider Identifier: 10 digits, the last a Luhn check digit over "80840" +
/// the first nine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Npi(String);

impl Npi {
    pub fn new(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.len() != 10 || !all(text, |c| c.is_ascii_digit()) {
            return Err(FieldError::Npi);
        }
        // Luhn over the prefix 80840 and all ten digits: the sum must end in 0.
        let digits: Vec<u32> = "80840"
            .chars()
            .chain(text.chars())
            .filter_map(|c| c.to_digit(10))
            .collect();
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                if i % 2 == 1 {
                    let d2 = d * 2;
                    if d2 > 9 { d2 - 9 } else { d2 }
                } else {
                    d
                }
            })
            .sum();
        if !sum.is_multiple_of(10) {
            return Err(FieldError::Npi);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The payer's identifier at the clearinghouse (NM1*PR, qualifier PI). Checked again when
/// read from the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PayerId(String);

impl PayerId {
    pub fn new(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if !(2..=80).contains(&text.len()) || !all(text, |c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::PayerId);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The subscriber's member id (NM1*IL, qualifier MI). Its `Debug` shows only its length.
/// Checked again when read from the wire.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MemberId(String);

impl MemberId {
    pub fn new(text: &str) -> Result<Self, FieldError> {
        let text = text.trim().to_ascii_uppercase();
        if !(2..=80).contains(&text.len()) || !all(&text, |c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(FieldError::MemberId);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl MemberId {
    /// The last four characters, as a masked member id shows them ("•••• 0042").
    pub fn last_four(&self) -> &str {
        let start = self.0.len().saturating_sub(4);
        // Member ids are ASCII (checked in `new`), so any byte index is a boundary.
        &self.0[start..]
    }
}

macro_rules! string_newtype_serde {
    ($name:ident) => {
        impl TryFrom<String> for $name {
            type Error = FieldError;
            fn try_from(text: String) -> Result<Self, FieldError> {
                Self::new(&text)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}
string_newtype_serde!(PayerId);
string_newtype_serde!(MemberId);

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberId(<{} characters>)", self.0.len())
    }
}

/// A last or first name as X12 carries it: upper case, basic characters only (never a
/// delimiter). Its `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonNamePart(String);

impl PersonNamePart {
    /// `max` is the element's length in the guide: 60 for a last name, 35 for a first.
    pub fn new(text: &str, max: usize) -> Result<Self, FieldError> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = text.to_ascii_uppercase();
        if text.is_empty()
            || text.len() > max
            || !all(&text, |c| c.is_ascii_uppercase() || " -'.".contains(c))
        {
            return Err(FieldError::Name { max });
        }
        Ok(Self(text))
    }

    pub fn last(text: &str) -> Result<Self, FieldError> {
        Self::new(text, 60)
    }

    pub fn first(text: &str) -> Result<Self, FieldError> {
        Self::new(text, 35)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PersonNamePart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonNamePart(<{} characters>)", self.0.len())
    }
}

/// An organisation's name (the practice, the payer): basic characters only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn new(text: &str) -> Result<Self, FieldError> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = text.to_ascii_uppercase();
        if text.is_empty()
            || text.len() > 60
            || !all(&text, |c| c.is_ascii_alphanumeric() || " .,&'-".contains(c))
        {
            return Err(FieldError::OrgName);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An X12 service type code (EQ01, EB03): `30` health benefit plan coverage, `98`
/// professional (physician) visit, office, `UC` urgent care...
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceTypeCode(String);

impl ServiceTypeCode {
    /// 30: health benefit plan coverage (the general question).
    pub fn plan_coverage() -> Self {
        Self("30".into())
    }

    /// 98: professional (physician) visit, office.
    pub fn office_visit() -> Self {
        Self("98".into())
    }

    pub fn new(text: &str) -> Result<Self, FieldError> {
        let text = text.trim().to_ascii_uppercase();
        if !(1..=2).contains(&text.len()) || !all(&text, |c| c.is_ascii_alphanumeric()) {
            return Err(FieldError::ServiceType);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sender or receiver id in the ISA (padded to 15) and GS segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterchangeId(String);

impl InterchangeId {
    pub fn new(text: &str) -> Result<Self, FieldError> {
        let text = text.trim();
        if text.is_empty()
            || text.len() > 15
            || !all(text, |c| c.is_ascii_alphanumeric() || c == ' ')
        {
            return Err(FieldError::InterchangeId);
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a dependent patient is related to the subscriber (INS02 of loop 2100D).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DependentRelationship {
    /// 01.
    Spouse,
    /// 19.
    Child,
    /// 34: other adult.
    OtherAdult,
}

impl DependentRelationship {
    /// The individual relationship code of 005010X279A1 (INS02 in 2100D).
    pub fn code(self) -> &'static str {
        match self {
            DependentRelationship::Spouse => "01",
            DependentRelationship::Child => "19",
            DependentRelationship::OtherAdult => "34",
        }
    }
}

/// The patient, when they are a dependent on the subscriber's coverage and the payer gives
/// dependents no member id of their own: the 270 then carries the subscriber in 2000C and
/// the patient in a 2000D dependent loop. Its `Debug` hides the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependent {
    pub last_name: PersonNamePart,
    pub first_name: PersonNamePart,
    pub date_of_birth: Date,
    pub relationship: DependentRelationship,
}

/// One eligibility question: is this subscriber (or their dependent) covered by this payer
/// for this kind of service on this day? Its `Debug` hides the member id and the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityRequest {
    pub provider_npi: Npi,
    pub provider_name: OrgName,
    pub payer_id: PayerId,
    pub payer_name: OrgName,
    pub member_id: MemberId,
    pub last_name: PersonNamePart,
    pub first_name: PersonNamePart,
    /// The subscriber's date of birth.
    pub date_of_birth: Date,
    pub service_type: ServiceTypeCode,
    pub service_date: Date,
    /// The patient, when the question is about a dependent (`None`: the patient is the
    /// subscriber, or a dependent with a member id of their own).
    pub dependent: Option<Dependent>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npi_check_digit() {
        assert!(Npi::new("1234567893").is_ok());
        assert_eq!(Npi::new("1234567890"), Err(FieldError::Npi));
        assert_eq!(Npi::new("123456789"), Err(FieldError::Npi));
        assert_eq!(Npi::new("12345678a3"), Err(FieldError::Npi));
    }

    #[test]
    fn fields_refuse_delimiters() {
        assert!(MemberId::new("TST*0001").is_err());
        assert!(PersonNamePart::last("Test~patient").is_err());
        assert!(OrgName::new("A:B").is_err());
        assert!(ServiceTypeCode::new("301").is_err());
        assert_eq!(
            PersonNamePart::last("  o'Neil  smith ").unwrap().as_str(),
            "O'NEIL SMITH"
        );
    }

    #[test]
    fn debug_hides_member_id_and_names() {
        let text = format!(
            "{:?} {:?}",
            MemberId::new("TST0001").unwrap(),
            PersonNamePart::last("Testpatient").unwrap()
        );
        assert!(
            !text.contains("TST0001") && !text.contains("TESTPATIENT"),
            "{text}"
        );
    }
}

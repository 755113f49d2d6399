//! FHIR R4, as the hub speaks it with the practice's EHR (issue 14): serde types for the
//! resources used ([`resources`]), a reader for the day's schedule as a search Bundle
//! returns it ([`schedule`]), and the resources written on arrival ([`write`]).
//!
//! Pure: no I/O, no clock. The office's interface (`office::fhir`) does the HTTP.

pub mod resources;
pub mod schedule;
pub mod write;

/// Why what a FHIR server sent cannot be used. Says where, never what: values may be PHI,
/// so only element names and resource ids (checked to be ids) appear.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FhirError {
    #[error("not FHIR JSON ({category} error at line {line}, column {column})")]
    Json {
        category: &'static str,
        line: usize,
        column: usize,
    },
    #[error("expected a {expected}, got another kind of resource")]
    WrongResource { expected: &'static str },
    #[error("the Bundle is not a searchset")]
    NotSearchset,
    #[error("the Bundle has more than {0} entries")]
    TooManyEntries(usize),
    #[error("a {resource} without a valid id")]
    BadId { resource: &'static str },
    #[error("{resource}/{id}: {element} is missing")]
    Missing {
        resource: &'static str,
        id: FhirId,
        element: &'static str,
    },
    #[error("{resource}/{id}: {element} is not valid")]
    Invalid {
        resource: &'static str,
        id: FhirId,
        element: &'static str,
    },
    #[error("Appointment/{appointment}: its {kind} is not in the Bundle")]
    Unresolved {
        appointment: FhirId,
        kind: &'static str,
    },
}

impl From<serde_json::Error> for FhirError {
    fn from(error: serde_json::Error) -> Self {
        use serde_json::error::Category;
        FhirError::Json {
            category: match error.classify() {
                Category::Io => "read",
                Category::Syntax => "syntax",
                Category::Data => "structure",
                Category::Eof => "truncation",
            },
            line: error.line(),
            column: error.column(),
        }
    }
}

/// A FHIR resource id: 1 to 64 of ASCII letters, digits, `-` and `.` (R4's `id` type).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FhirId(String);

impl FhirId {
    pub fn new(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for FhirId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Reads `bytes` as a resource of type `T`, mapping JSON errors to [`FhirError::Json`].
pub fn from_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, FhirError> {
    Ok(serde_json::from_slice(bytes)?)
}

/// `Type/id` (relative) or `…/Type/id` (absolute, or with `_history/n` after): the type
/// and id, if it has that shape.
pub fn split_reference(reference: &str) -> Option<(&str, FhirId)> {
    let path = reference.split("/_history/").next()?;
    let mut parts = path.rsplit('/');
    let id = FhirId::new(parts.next()?)?;
    let kind = parts.next()?;
    kind.bytes()
        .all(|b| b.is_ascii_alphabetic())
        .then_some((kind, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_references() {
        assert!(FhirId::new("appt-1.a").is_some());
        assert!(FhirId::new("").is_none());
        assert!(FhirId::new("a/b").is_none());
        assert!(FhirId::new(&"x".repeat(65)).is_none());
        let (kind, id) = split_reference("Patient/p-1").unwrap();
        assert_eq!((kind, id.as_str()), ("Patient", "p-1"));
        let (kind, id) = split_reference("https://ehr.example/fhir/Patient/7/_history/3").unwrap();
        assert_eq!((kind, id.as_str()), ("Patient", "7"));
        assert!(split_reference("p-1").is_none());
        assert!(split_reference("#contained").is_none());
    }

    #[test]
    fn json_errors_say_where_not_what() {
        let error =
            from_json::<resources::Patient>(br#"{"resourceType": 7, "name": "Secretname"}"#)
                .unwrap_err();
        assert!(matches!(
            error,
            FhirError::Json {
                category: "structure",
                ..
            }
        ));
        assert!(!error.to_string().contains("Secretname"));
    }
}

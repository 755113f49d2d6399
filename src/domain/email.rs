//! An email address as a patient types it. Checked with the `email_address` crate (RFC
//! 5322 / 6531) in its strictest mode, plus what a kiosk keyboard never produces and a
//! mail system would trip on: spaces, quotes, comments, brackets, an address without a
//! top-level domain.
//!
//! PHI: `Debug` hides the address, errors carry no part of it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an email address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("nothing was entered")]
    Empty,
    #[error("longer than {} characters", EmailAddress::MAX)]
    TooLong,
    #[error("an email address needs one @ between the name and the domain")]
    MissingAt,
    #[error("an email address cannot contain spaces or these characters: \" ( ) < > [ ] , ; : \\")]
    InvalidCharacter,
    #[error("the part before the @ is not valid")]
    BadName,
    #[error("the part after the @ is not a valid domain, like example.com")]
    BadDomain,
}

/// A checked email address, trimmed, with its domain in lower case.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Longest address, in characters (RFC 5321's limit on a path is 254 for the address).
    pub const MAX: usize = 254;

    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.chars().count() > Self::MAX {
            return Err(EmailError::TooLong);
        }
        if text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"()<>[],;:\\".contains(c))
        {
            return Err(EmailError::InvalidCharacter);
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(EmailError::MissingAt);
        };
        if local.contains('@') {
            return Err(EmailError::InvalidCharacter);
        }
        let options = email_address::Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        email_address::EmailAddress::parse_with_options(text, options).map_err(|error| {
            use email_address::Error as E;
            match error {
                E::MissingSeparator => EmailError::MissingAt,
                E::LocalPartEmpty | E::LocalPartTooLong | E::UnbalancedQuotes => {
                    EmailError::BadName
                }
                E::DomainEmpty
                | E::DomainTooLong
                | E::SubDomainEmpty
                | E::SubDomainTooLong
                | E::DomainTooFew
                | E::DomainInvalidSeparator
                | E::InvalidIPAddress
                | E::UnsupportedDomainLiteral => EmailError::BadDomain,
                _ => EmailError::InvalidCharacter,
            }
        })?;
        // Domains are case-insensitive; the name before the @ may not be, so it is kept.
        Ok(Self(format!("{local}@{}", domain.to_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(text: String) -> Result<Self, EmailError> {
        Self::parse(&text)
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> String {
        email.0
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EmailAddress(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for (input, kept) in [
            ("ada.testpatient@example.com", "ada.testpatient@example.com"),
            (" Ada@Example.COM ", "Ada@example.com"),
            ("ada+clinic@mail.example.org", "ada+clinic@mail.example.org"),
            ("a_b-c@example.co.uk", "a_b-c@example.co.uk"),
            ("josé@example.com", "josé@example.com"),
        ] {
            assert_eq!(
                EmailAddress::parse(input).unwrap().as_str(),
                kept,
                "{input}"
            );
        }
        let longest = format!(
            "{}@{}.{}.{}.com",
            "a".repeat(64),
            "b".repeat(60),
            "c".repeat(60),
            "d".repeat(63)
        );
        assert_eq!(longest.len(), 254);
        assert!(EmailAddress::parse(&longest).is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_deliverable_address() {
        for (input, error) in [
            ("", EmailError::Empty),
            ("  ", EmailError::Empty),
            ("ada.example.com", EmailError::MissingAt),
            ("ada@", EmailError::BadDomain),
            ("@example.com", EmailError::BadName),
            ("ada@localhost", EmailError::BadDomain),
            ("ada@example..com", EmailError::BadDomain),
            ("ada@.example.com", EmailError::BadDomain),
            ("ada@example.com.", EmailError::BadDomain),
            ("ada@@example.com", EmailError::InvalidCharacter),
            ("ada@b@example.com", EmailError::InvalidCharacter),
            ("ada test@example.com", EmailError::InvalidCharacter),
            ("\"ada\"@example.com", EmailError::InvalidCharacter),
            ("ada(x)@example.com", EmailError::InvalidCharacter),
            ("Ada <ada@example.com>", EmailError::InvalidCharacter),
            ("ada@[127.0.0.1]", EmailError::InvalidCharacter),
            ("ada@exa\u{7}mple.com", EmailError::InvalidCharacter),
            (
                &format!("{}@example.com", "a".repeat(65)),
                EmailError::BadName,
            ),
            (&format!("a@{}.com", "b".repeat(64)), EmailError::BadDomain),
            (
                &format!("{}@example.com", "a".repeat(250)),
                EmailError::TooLong,
            ),
        ] {
            assert_eq!(EmailAddress::parse(input), Err(error), "{input:?}");
        }
    }

    #[test]
    fn wire_form_is_checked_again_and_debug_hides_it() {
        let email = EmailAddress::parse("ada@example.com").unwrap();
        assert_eq!(
            serde_json::to_string(&email).unwrap(),
            "\"ada@example.com\""
        );
        assert_eq!(
            serde_json::from_str::<EmailAddress>("\"ada@example.com\"").unwrap(),
            email
        );
        assert!(serde_json::from_str::<EmailAddress>("\"ada@localhost\"").is_err());
        assert_eq!(format!("{email:?}"), "EmailAddress(<redacted>)");
    }
}

//! A North American (NANP) phone number: 10 digits, area code and exchange each starting
//! 2-9. Typed with any of the usual punctuation and an optional leading 1 or +1; stored as
//! the 10 digits; shown as "(217) 555-0123".
//!
//! PHI: `Debug` hides the number, errors carry no part of it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a phone number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("nothing was entered")]
    Empty,
    #[error("longer than a phone number can be")]
    TooLong,
    #[error("only digits, spaces, ( ) - . and a leading + are allowed")]
    InvalidCharacter,
    #[error("a phone number has 10 digits (area code and number)")]
    WrongLength,
    #[error("the area code cannot start with 0 or 1, or be a service code like 911")]
    BadAreaCode,
    #[error("the number after the area code cannot start with 0 or 1")]
    BadExchange,
}

/// A NANP phone number, the 10 digits.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Longest input accepted, punctuation included ("+1 (217) 555-0123" is 17).
    pub const MAX_INPUT: usize = 24;

    pub fn parse(text: &str) -> Result<Self, PhoneError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        if text.chars().count() > Self::MAX_INPUT {
            return Err(PhoneError::TooLong);
        }
        let mut digits = String::with_capacity(11);
        for (at, c) in text.char_indices() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '(' | ')' | '-' | '.' => {}
                '+' if at == 0 => {}
                _ => return Err(PhoneError::InvalidCharacter),
            }
        }
        if text.starts_with('+') && !digits.starts_with('1') {
            // Another country's code: not a NANP number.
            return Err(PhoneError::WrongLength);
        }
        let digits = match digits.len() {
            10 => digits,
            11 if digits.starts_with('1') => digits[1..].to_owned(),
            _ => return Err(PhoneError::WrongLength),
        };
        let bytes = digits.as_bytes();
        // N11 codes (211, 411, 911…) are service codes, never area codes.
        if matches!(bytes[0], b'0' | b'1') || (bytes[1] == b'1' && bytes[2] == b'1') {
            return Err(PhoneError::BadAreaCode);
        }
        if matches!(bytes[3], b'0' | b'1') {
            return Err(PhoneError::BadExchange);
        }
        Ok(Self(digits))
    }

    /// The 10 digits.
    pub fn digits(&self) -> &str {
        &self.0
    }

    /// "(217) 555-0123", as people write it.
    pub fn formatted(&self) -> String {
        let d = &self.0;
        format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..])
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(text: String) -> Result<Self, PhoneError> {
        Self::parse(&text)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> String {
        phone.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_ways_of_writing_a_number() {
        for input in [
            "2175550123",
            "217-555-0123",
            "(217) 555-0123",
            "217.555.0123",
            " 217 555 0123 ",
            "1 217 555 0123",
            "1-217-555-0123",
            "+1 (217) 555-0123",
            "+12175550123",
        ] {
            let phone = PhoneNumber::parse(input).unwrap();
            assert_eq!(phone.digits(), "2175550123", "{input}");
            assert_eq!(phone.formatted(), "(217) 555-0123");
        }
    }

    #[test]
    fn refuses_what_cannot_be_a_nanp_number() {
        for (input, error) in [
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("555-0123", PhoneError::WrongLength),
            ("217555012", PhoneError::WrongLength),
            ("21755501234", PhoneError::WrongLength),
            ("2 2175550123", PhoneError::WrongLength),
            ("+44 20 7946 0123", PhoneError::WrongLength),
            ("+2175550123", PhoneError::WrongLength),
            ("217-555-O123", PhoneError::InvalidCharacter),
            ("217/555/0123", PhoneError::InvalidCharacter),
            ("217 555 0123 x12", PhoneError::InvalidCharacter),
            ("1+2175550123", PhoneError::InvalidCharacter),
            ("２１７５５５０１２３", PhoneError::InvalidCharacter),
            ("0175550123", PhoneError::BadAreaCode),
            ("1175550123", PhoneError::BadAreaCode),
            ("11175550123", PhoneError::BadAreaCode),
            ("9115550123", PhoneError::BadAreaCode),
            ("2170550123", PhoneError::BadExchange),
            ("2171550123", PhoneError::BadExchange),
            ("1 217 055 0123", PhoneError::BadExchange),
            (&"1".repeat(25), PhoneError::TooLong),
        ] {
            assert_eq!(PhoneNumber::parse(input), Err(error), "{input:?}");
        }
    }

    #[test]
    fn wire_form_is_the_digits_checked_again_and_debug_hides_them() {
        let phone = PhoneNumber::parse("(217) 555-0123").unwrap();
        assert_eq!(serde_json::to_string(&phone).unwrap(), "\"2175550123\"");
        assert_eq!(
            serde_json::from_str::<PhoneNumber>("\"2175550123\"").unwrap(),
            phone
        );
        assert!(serde_json::from_str::<PhoneNumber>("\"0175550123\"").is_err());
        assert!(serde_json::from_str::<PhoneNumber>("2175550123").is_err());
        assert_eq!(format!("{phone:?}"), "PhoneNumber(<redacted>)");
        let error = serde_json::from_str::<PhoneNumber>("\"2170550123\"").unwrap_err();
        assert!(!error.to_string().contains("217"), "{error}");
    }
}

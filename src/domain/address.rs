//! A US postal address as a new patient types it: street lines, city, USPS state code and
//! ZIP code, each checked on construction and again when read from the wire.
//!
//! PHI: `Debug` hides everything below the state, and errors carry no part of the input.

use super::text::{TextError, clean_line};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// USPS two-letter codes: the 50 states, DC, the territories (AS, GU, MP, PR, VI, UM), the
/// freely associated states that use US mail (FM, MH, PW) and military mail (AA, AE, AP).
const STATE_CODES: [&str; 63] = [
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY",
    "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV",
    "WI", "WY", "DC", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// Why a state was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("not a two-letter USPS state code")]
    Unknown,
}

/// A USPS state or territory code, upper case ("TX", "DC", "PR").
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct UsState([u8; 2]);

impl UsState {
    /// Reads a code in any case, with surrounding spaces ignored.
    pub fn parse(text: &str) -> Result<Self, StateError> {
        let text = text.trim();
        let bytes: [u8; 2] = text
            .as_bytes()
            .try_into()
            .map_err(|_| StateError::Unknown)?;
        let upper = bytes.map(|b| b.to_ascii_uppercase());
        let known = STATE_CODES.iter().any(|code| code.as_bytes() == upper);
        if known {
            Ok(Self(upper))
        } else {
            Err(StateError::Unknown)
        }
    }

    pub fn as_str(&self) -> &str {
        // Only known ASCII codes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl TryFrom<String> for UsState {
    type Error = StateError;
    fn try_from(text: String) -> Result<Self, StateError> {
        Self::parse(&text)
    }
}

impl Serialize for UsState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A state alone names no one.
impl fmt::Debug for UsState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UsState({})", self.as_str())
    }
}

/// Why a ZIP code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("a ZIP code is 5 digits, or 5 + 4 digits")]
    Format,
}

/// A ZIP code: "12345" or ZIP+4 "12345-6789".
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ZipCode(String);

impl ZipCode {
    /// Longest input accepted ("12345-6789").
    pub const MAX_INPUT: usize = 10;

    /// Reads "12345", "12345-6789", "12345 6789" or "123456789"; spaces around are ignored.
    pub fn parse(text: &str) -> Result<Self, ZipError> {
        let text = text.trim();
        // ASCII first: the splits below are by byte.
        if text.len() > Self::MAX_INPUT || !text.is_ascii() {
            return Err(ZipError::Format);
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let (five, four) = match text.len() {
            5 => (text, None),
            9 => (&text[..5], Some(&text[5..])),
            10 if matches!(text.as_bytes()[5], b'-' | b' ') => (&text[..5], Some(&text[6..])),
            _ => return Err(ZipError::Format),
        };
        if !digits(five) || !four.is_none_or(digits) || five == "00000" {
            return Err(ZipError::Format);
        }
        Ok(Self(match four {
            Some(four) => format!("{five}-{four}"),
            None => five.to_owned(),
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ZipCode {
    type Error = ZipError;
    fn try_from(text: String) -> Result<Self, ZipError> {
        Self::parse(&text)
    }
}

impl From<ZipCode> for String {
    fn from(zip: ZipCode) -> String {
        zip.0
    }
}

impl fmt::Debug for ZipCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ZipCode(<redacted>)")
    }
}

/// Why an address was refused: which line, and what is wrong with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("street address: {0}")]
    Line1(TextError),
    #[error("second address line: {0}")]
    Line2(TextError),
    #[error("city: {0}")]
    City(TextError),
}

/// A US postal address. PHI: `Debug` shows only the state.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawAddress")]
pub struct PostalAddress {
    line1: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line2: Option<String>,
    city: String,
    state: UsState,
    zip: ZipCode,
}

impl PostalAddress {
    /// Longest street line, in characters.
    pub const MAX_LINE: usize = 64;
    /// Longest city name, in characters.
    pub const MAX_CITY: usize = 40;

    /// `line2` empty or blank means there is none.
    pub fn new(
        line1: &str,
        line2: &str,
        city: &str,
        state: UsState,
        zip: ZipCode,
    ) -> Result<Self, AddressError> {
        let line2 = match clean_line(line2, Self::MAX_LINE) {
            Ok(line) => Some(line),
            Err(TextError::Empty) => None,
            Err(error) => return Err(AddressError::Line2(error)),
        };
        Ok(Self {
            line1: clean_line(line1, Self::MAX_LINE).map_err(AddressError::Line1)?,
            line2,
            city: clean_line(city, Self::MAX_CITY).map_err(AddressError::City)?,
            state,
            zip,
        })
    }

    pub fn line1(&self) -> &str {
        &self.line1
    }
    pub fn line2(&self) -> Option<&str> {
        self.line2.as_deref()
    }
    pub fn city(&self) -> &str {
        &self.city
    }
    pub fn state(&self) -> UsState {
        self.state
    }
    pub fn zip(&self) -> &ZipCode {
        &self.zip
    }

    /// The address as an envelope shows it, one string per line.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.line1.clone()];
        lines.extend(self.line2.clone());
        lines.push(format!(
            "{}, {} {}",
            self.city,
            self.state.as_str(),
            self.zip.as_str()
        ));
        lines
    }
}

/// The wire form, checked again on the way in.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAddress {
    line1: String,
    #[serde(default)]
    line2: Option<String>,
    city: String,
    state: UsState,
    zip: ZipCode,
}

impl TryFrom<RawAddress> for PostalAddress {
    type Error = AddressError;
    fn try_from(raw: RawAddress) -> Result<Self, AddressError> {
        Self::new(
            &raw.line1,
            raw.line2.as_deref().unwrap_or_default(),
            &raw.city,
            raw.state,
            raw.zip,
        )
    }
}

impl fmt::Debug for PostalAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostalAddress(<redacted>, {})", self.state.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_usps_codes_in_any_case() {
        for (input, code) in [
            ("tx", "TX"),
            (" Dc ", "DC"),
            ("PR", "PR"),
            ("gu", "GU"),
            ("ap", "AP"),
        ] {
            assert_eq!(UsState::parse(input).unwrap().as_str(), code, "{input}");
        }
        for bad in ["", "T", "TXX", "XX", "ZZ", "Texas", "T1", "ñx", "é", "  "] {
            assert_eq!(UsState::parse(bad), Err(StateError::Unknown), "{bad:?}");
        }
        let unique: std::collections::HashSet<_> = STATE_CODES.iter().collect();
        assert_eq!(unique.len(), 63);
        assert_eq!(
            serde_json::to_string(&UsState::parse("ny").unwrap()).unwrap(),
            "\"NY\""
        );
        assert_eq!(
            serde_json::from_str::<UsState>("\"ny\"").unwrap().as_str(),
            "NY"
        );
        assert!(serde_json::from_str::<UsState>("\"QQ\"").is_err());
    }

    #[test]
    fn zip_codes_are_five_digits_or_zip_plus_four() {
        for (input, zip) in [
            ("62701", "62701"),
            (" 62701 ", "62701"),
            ("62701-1234", "62701-1234"),
            ("62701 1234", "62701-1234"),
            ("627011234", "62701-1234"),
            ("00501", "00501"),
        ] {
            assert_eq!(ZipCode::parse(input).unwrap().as_str(), zip, "{input}");
        }
        for bad in [
            "",
            "6270",
            "627011",
            "62701-",
            "62701-123",
            "62701-12345",
            "6270a",
            "00000",
            "62701_1234",
            "62701--234",
            "６２７０１",
            "62701\u{0}123",
            "1234567890123",
            "é123456",
            "1234é6789",
        ] {
            assert_eq!(ZipCode::parse(bad), Err(ZipError::Format), "{bad:?}");
        }
        assert!(serde_json::from_str::<ZipCode>("\"1234\"").is_err());
    }

    fn sample() -> PostalAddress {
        PostalAddress::new(
            " 123 Example St ",
            "",
            "Testville",
            UsState::parse("IL").unwrap(),
            ZipCode::parse("62701").unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn an_address_needs_a_street_and_city_and_limits_each_line() {
        let address = sample();
        assert_eq!(address.line1(), "123 Example St");
        assert_eq!(address.line2(), None);
        assert_eq!(
            address.lines(),
            vec![
                "123 Example St".to_owned(),
                "Testville, IL 62701".to_owned()
            ]
        );
        let state = UsState::parse("IL").unwrap();
        let zip = ZipCode::parse("62701").unwrap();
        let with_unit =
            PostalAddress::new("123 Example St", " Apt 4 ", "Testville", state, zip.clone())
                .unwrap();
        assert_eq!(with_unit.line2(), Some("Apt 4"));
        assert_eq!(
            PostalAddress::new(" ", "", "Testville", state, zip.clone()),
            Err(AddressError::Line1(TextError::Empty))
        );
        assert_eq!(
            PostalAddress::new("1 Example St", "", "", state, zip.clone()),
            Err(AddressError::City(TextError::Empty))
        );
        assert_eq!(
            PostalAddress::new(&"a".repeat(65), "", "Testville", state, zip.clone()),
            Err(AddressError::Line1(TextError::TooLong { max: 64 }))
        );
        assert_eq!(
            PostalAddress::new(
                "1 Example St",
                &"a".repeat(65),
                "Testville",
                state,
                zip.clone()
            ),
            Err(AddressError::Line2(TextError::TooLong { max: 64 }))
        );
        assert_eq!(
            PostalAddress::new("1 Example St", "", &"a".repeat(41), state, zip.clone()),
            Err(AddressError::City(TextError::TooLong { max: 40 }))
        );
        assert_eq!(
            PostalAddress::new("1 Example\tSt", "", "Testville", state, zip),
            Err(AddressError::Line1(TextError::ControlCharacters))
        );
    }

    #[test]
    fn the_wire_form_is_checked_again_and_debug_hides_the_street() {
        let address = sample();
        let json = serde_json::to_string(&address).unwrap();
        assert_eq!(
            json,
            r#"{"line1":"123 Example St","city":"Testville","state":"IL","zip":"62701"}"#
        );
        assert_eq!(
            serde_json::from_str::<PostalAddress>(&json).unwrap(),
            address
        );
        for bad in [
            r#"{"line1":"","city":"Testville","state":"IL","zip":"62701"}"#,
            r#"{"line1":"1 Example St","city":"Testville","state":"ZZ","zip":"62701"}"#,
            r#"{"line1":"1 Example St","city":"Testville","state":"IL","zip":"627"}"#,
            r#"{"line1":"1 Example St","city":"Testville","state":"IL","zip":"62701","x":1}"#,
        ] {
            assert!(serde_json::from_str::<PostalAddress>(bad).is_err(), "{bad}");
        }
        let debug = format!("{address:?}");
        assert!(
            !debug.contains("Example") && !debug.contains("Testville") && !debug.contains("62701"),
            "{debug}"
        );
        assert!(!format!("{:?}", address.zip()).contains("62701"));
    }
}

//! The keyed hash that lets a kiosk match a patient by last name and date of birth offline
//! without holding a readable list of them: the office sends, per appointment,
//! HMAC-SHA256(today's key, normalised last name ‖ 0x00 ‖ YYYY-MM-DD), and the kiosk hashes
//! what the patient types with the same key and compares.
//!
//! Normalisation makes the match tolerant of how a name is typed: case, accents, spaces,
//! hyphens and apostrophes do not matter ("García-López" = "GARCIA LOPEZ").
//!
//! PHI: neither type's `Debug` shows its bytes, and errors carry no part of the input.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::DateOfBirth;

type HmacSha256 = Hmac<Sha256>;

/// Longest name accepted, in characters (as for [`super::PersonName`]).
const MAX_CHARS: usize = 64;

/// Why a typed name cannot be matched. Carries no part of the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("name has no letters or digits")]
    Empty,
    #[error("name is longer than {MAX_CHARS} characters")]
    TooLong,
    #[error("identity value is not 32 bytes of base64")]
    Encoding,
}

/// A last name reduced to what matching compares: accents dropped (NFKD, combining marks
/// removed), lowercased, only letters and digits kept.
pub fn normalise_name(name: &str) -> Result<String, IdentityError> {
    if name.chars().count() > MAX_CHARS {
        return Err(IdentityError::TooLong);
    }
    let normal: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect();
    if normal.is_empty() {
        Err(IdentityError::Empty)
    } else {
        Ok(normal)
    }
}

/// One clinic day's hashing key. Anyone holding it can test guesses, so it lives only as
/// long as the day's roster and never appears in logs.
#[derive(Clone)]
pub struct IdentityKey([u8; 32]);

impl IdentityKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key for `day`, derived from the office's long-lived identity secret, so it
    /// rotates daily by construction and needs no storage.
    pub fn for_day(secret: &[u8; 32], day: Date) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"frontdesk identity key ");
        mac.update(iso_date(day).as_bytes());
        Self(mac.finalize().into_bytes().into())
    }

    /// The hash of a last name (as typed or as on file) and a date of birth.
    pub fn hash(&self, last_name: &str, dob: DateOfBirth) -> Result<IdentityHash, IdentityError> {
        Ok(self.hash_normalised(&normalise_name(last_name)?, dob))
    }

    /// The hash of a short check-in code (from a text-message reminder). The label and
    /// separator keep it apart from every name + date hash: a normalised name has no
    /// `0x00`, and a code no dashes.
    pub fn hash_code(&self, code: &super::ShortCode) -> IdentityHash {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"short code");
        mac.update(&[0]);
        mac.update(code.as_str().as_bytes());
        IdentityHash(mac.finalize().into_bytes().into())
    }

    fn hash_normalised(&self, normal: &str, dob: DateOfBirth) -> IdentityHash {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(normal.as_bytes());
        // The separator keeps name and date from running into each other.
        mac.update(&[0]);
        mac.update(iso_date(dob.date()).as_bytes());
        IdentityHash(mac.finalize().into_bytes().into())
    }
}

impl PartialEq for IdentityKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for IdentityKey {}

impl fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityKey(<redacted>)")
    }
}

/// A keyed hash of last name and date of birth; says nothing without the day's key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdentityHash([u8; 32]);

impl IdentityHash {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for IdentityHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityHash(..)")
    }
}

fn iso_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn decode_32(text: &str) -> Result<[u8; 32], IdentityError> {
    BASE64
        .decode(text)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(IdentityError::Encoding)
}

/// Both types travel as standard padded base64, like the office's other keys.
macro_rules! base64_serde {
    ($ty:ident) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&BASE64.encode(self.0))
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                decode_32(&text).map(Self).map_err(serde::de::Error::custom)
            }
        }
    };
}

base64_serde!(IdentityKey);
base64_serde!(IdentityHash);

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = Date::constant(2026, 11, 25);

    fn dob(y: i16, m: i8, d: i8) -> DateOfBirth {
        DateOfBirth::new(date(y, m, d), TODAY).unwrap()
    }

    fn key() -> IdentityKey {
        IdentityKey::for_day(&[7; 32], TODAY)
    }

    #[test]
    fn tolerates_case_accents_spaces_hyphens_apostrophes() {
        for group in [
            &[
                "García-López",
                "GARCIA LOPEZ",
                "garcia  lopez",
                " Garcia-Lopez ",
            ][..],
            &["O'Brien", "OBRIEN", "o brien", "O’Brien"][..],
            &["Testpatient", "TESTPATIENT", "test-patient"][..],
        ] {
            let first = normalise_name(group[0]).unwrap();
            for other in group {
                assert_eq!(normalise_name(other).unwrap(), first, "{other}");
                assert_eq!(
                    key().hash(other, dob(1950, 1, 1)).unwrap(),
                    key().hash(group[0], dob(1950, 1, 1)).unwrap()
                );
            }
        }
        assert_eq!(normalise_name("García-López").unwrap(), "garcialopez");
    }

    #[test]
    fn refuses_empty_and_overlong_names() {
        for empty in ["", "   ", "-'-", "\u{301}"] {
            assert_eq!(
                normalise_name(empty),
                Err(IdentityError::Empty),
                "{empty:?}"
            );
        }
        assert_eq!(normalise_name(&"a".repeat(64)).unwrap().len(), 64);
        assert_eq!(normalise_name(&"a".repeat(65)), Err(IdentityError::TooLong));
        assert_eq!(key().hash("  ", dob(1950, 1, 1)), Err(IdentityError::Empty));
    }

    #[test]
    fn different_name_dob_or_key_gives_a_different_hash() {
        let base = key().hash("Testpatient", dob(1950, 1, 1)).unwrap();
        assert_ne!(base, key().hash("Testpatiant", dob(1950, 1, 1)).unwrap());
        assert_ne!(base, key().hash("Testpatient", dob(1950, 1, 2)).unwrap());
        let tomorrow = IdentityKey::for_day(&[7; 32], date(2026, 11, 26));
        assert_ne!(tomorrow, key());
        assert_ne!(base, tomorrow.hash("Testpatient", dob(1950, 1, 1)).unwrap());
        let other_office = IdentityKey::for_day(&[8; 32], TODAY);
        assert_ne!(
            base,
            other_office.hash("Testpatient", dob(1950, 1, 1)).unwrap()
        );
    }

    #[test]
    fn the_separator_keeps_name_and_date_apart() {
        // Digits are kept, so without the 0x00 "ab1" + date could collide with "ab" + "1…".
        let a = key().hash_normalised("ab", dob(1950, 1, 1));
        let b = key().hash_normalised("ab1", dob(1950, 1, 1));
        assert_ne!(a, b);
    }

    #[test]
    fn serde_is_base64_and_rejects_garbage() {
        let hash = key().hash("Testpatient", dob(1950, 1, 1)).unwrap();
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json.len(), 44 + 2);
        assert_eq!(serde_json::from_str::<IdentityHash>(&json).unwrap(), hash);
        let key_json = serde_json::to_string(&key()).unwrap();
        assert_eq!(
            serde_json::from_str::<IdentityKey>(&key_json).unwrap(),
            key()
        );
        for bad in ["\"\"", "\"AAAA\"", "\"not base64!\"", "12"] {
            assert!(serde_json::from_str::<IdentityHash>(bad).is_err(), "{bad}");
            assert!(serde_json::from_str::<IdentityKey>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_shows_no_bytes() {
        let hash = key().hash("Testpatient", dob(1950, 1, 1)).unwrap();
        assert_eq!(format!("{hash:?}"), "IdentityHash(..)");
        assert_eq!(format!("{:?}", key()), "IdentityKey(<redacted>)");
    }
}

//! The short check-in code a text-message reminder carries (issue 16): 8 characters the
//! patient types on the kiosk, from an alphabet without look-alikes (no 0/O, 1/I/L, 5/S,
//! 2/Z, 8/B), so what is read off a phone is what gets typed.
//!
//! The hub stores no code: it derives each appointment's code from its identity secret
//! (HMAC, so unguessable without the secret, different for every appointment, the same on
//! every try), and kiosks receive only a keyed hash of it under the day's key, like last
//! name + date of birth ([`super::IdentityKey::hash_code`]).
//!
//! PHI-adjacent (it checks a patient in): `Debug` hides it and errors carry no part of
//! the input.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// The characters of a code: digits and capital letters that no other one looks like.
pub const SHORT_CODE_ALPHABET: &str = "34679ACDEFGHJKMNPQRTUVWXY";

/// Characters in a code.
pub const SHORT_CODE_LEN: usize = 8;

/// Longest input looked at: a code with generous spacing and dashes.
const MAX_INPUT: usize = 32;

/// Why a typed or received code is not one. Carries no part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ShortCodeError {
    #[error("no code was entered")]
    Empty,
    #[error("longer than a code can be")]
    TooLong,
    #[error("a code has {SHORT_CODE_LEN} characters")]
    WrongLength,
    #[error("a character that is not in a code")]
    BadCharacter,
}

/// A valid short code, upper case, without separators.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ShortCode([u8; SHORT_CODE_LEN]);

impl ShortCode {
    /// Reads a code as typed or pasted: case does not matter, and spaces and dashes
    /// between characters are ignored ("acde-fghj", "ACDE FGHJ").
    pub fn parse(text: &str) -> Result<Self, ShortCodeError> {
        if text.len() > MAX_INPUT {
            return Err(ShortCodeError::TooLong);
        }
        let mut code = [0u8; SHORT_CODE_LEN];
        let mut len = 0;
        for c in text.chars() {
            if matches!(c, ' ' | '-' | '\t') {
                continue;
            }
            let upper = c.to_ascii_uppercase();
            if !upper.is_ascii() || !SHORT_CODE_ALPHABET.contains(upper) {
                return Err(ShortCodeError::BadCharacter);
            }
            if len == SHORT_CODE_LEN {
                return Err(ShortCodeError::WrongLength);
            }
            // ASCII, checked above.
            code[len] = upper as u8;
            len += 1;
        }
        match len {
            0 => Err(ShortCodeError::Empty),
            SHORT_CODE_LEN => Ok(Self(code)),
            _ => Err(ShortCodeError::WrongLength),
        }
    }

    /// The code of `appointment` (its stable handle) under the office's secret. Each
    /// character comes from two bytes of the HMAC taken modulo the alphabet's 25: a bias
    /// of 11 in 65,536, too small to help a guesser.
    pub fn derive(secret: &[u8; 32], appointment: super::AppointmentId) -> Self {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(b"frontdesk short code ");
        mac.update(&appointment.get().to_be_bytes());
        let bytes = mac.finalize().into_bytes();
        let alphabet = SHORT_CODE_ALPHABET.as_bytes();
        let mut code = [0u8; SHORT_CODE_LEN];
        for (i, slot) in code.iter_mut().enumerate() {
            let n = usize::from(u16::from_be_bytes([bytes[2 * i], bytes[2 * i + 1]]));
            *slot = alphabet[n % alphabet.len()];
        }
        Self(code)
    }

    /// The 8 characters, upper case, no separator.
    pub fn as_str(&self) -> &str {
        // Only alphabet bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// As printed in a text: two groups of four ("ACDE-FGHJ"), easier to read and type.
    pub fn grouped(&self) -> String {
        let text = self.as_str();
        format!("{}-{}", &text[..4], &text[4..])
    }
}

impl fmt::Debug for ShortCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ShortCode(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AppointmentId;

    #[test]
    fn the_alphabet_has_no_look_alikes() {
        for c in "0O1IL5S2Z8B".chars() {
            assert!(!SHORT_CODE_ALPHABET.contains(c), "{c}");
        }
        assert_eq!(SHORT_CODE_ALPHABET.len(), 25);
        let mut sorted: Vec<char> = SHORT_CODE_ALPHABET.chars().collect();
        sorted.dedup();
        assert_eq!(sorted.len(), 25);
    }

    #[test]
    fn case_spaces_and_dashes_do_not_matter() {
        let code = ShortCode::parse("ACDE-FGHJ").unwrap();
        for typed in ["acdefghj", "ACDE FGHJ", " acde - fghj ", "A-C-D-E-F-G-H-J"] {
            assert_eq!(ShortCode::parse(typed).unwrap(), code, "{typed}");
        }
        assert_eq!(code.as_str(), "ACDEFGHJ");
        assert_eq!(code.grouped(), "ACDE-FGHJ");
    }

    #[test]
    fn look_alikes_wrong_lengths_and_garbage_are_refused() {
        for (typed, error) in [
            ("", ShortCodeError::Empty),
            (" - ", ShortCodeError::Empty),
            ("ACDEFGH", ShortCodeError::WrongLength),
            ("ACDEFGHJK", ShortCodeError::WrongLength),
            ("ACDEFGH0", ShortCodeError::BadCharacter),
            ("ACDEFGHO", ShortCodeError::BadCharacter),
            ("ACDEFGHI", ShortCodeError::BadCharacter),
            ("ACDEFGHÁ", ShortCodeError::BadCharacter),
            ("ACDE_FGH", ShortCodeError::BadCharacter),
        ] {
            assert_eq!(ShortCode::parse(typed), Err(error), "{typed}");
        }
        assert_eq!(
            ShortCode::parse(&"A".repeat(40)),
            Err(ShortCodeError::TooLong)
        );
    }

    #[test]
    fn derived_codes_are_stable_per_appointment_and_differ_between_them() {
        let a = ShortCode::derive(&[1; 32], AppointmentId::new(10));
        assert_eq!(a, ShortCode::derive(&[1; 32], AppointmentId::new(10)));
        assert_ne!(a, ShortCode::derive(&[1; 32], AppointmentId::new(11)));
        assert_ne!(a, ShortCode::derive(&[2; 32], AppointmentId::new(10)));
        assert_eq!(ShortCode::parse(a.as_str()).unwrap(), a);
        assert_eq!(format!("{a:?}"), "ShortCode(..)");
        // Every character of the alphabet turns up across many appointments.
        let mut seen = std::collections::HashSet::new();
        for id in 0..200 {
            seen.extend(
                ShortCode::derive(&[1; 32], AppointmentId::new(id))
                    .as_str()
                    .chars(),
            );
        }
        assert_eq!(seen.len(), 25);
    }
}

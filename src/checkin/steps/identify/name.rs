//! The last name as the patient types it on the kiosk's keyboard: letters (accented ones
//! too), space, apostrophe and hyphen, at most [`MAX_NAME_CHARS`]. Keys outside that set
//! are refused (by the form's name keyboard), so a stale or forged tap cannot put
//! anything else in.

use crate::checkin::steps::register::{FormText, Keyboard};
use crate::domain::normalise_name;
use std::fmt;

/// Longest last name the keyboard takes. Long enough for compound Spanish surnames
/// ("Fernández de Córdoba y Aguilar" is 29).
pub const MAX_NAME_CHARS: usize = 40;

/// A key of the name keyboard.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NameKey {
    /// A letter, space, apostrophe or hyphen.
    Char(char),
    Backspace,
    Clear,
}

/// Hides which key: a sequence of key taps in a log would spell the name.
impl fmt::Debug for NameKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameKey::Char(_) => f.write_str("Char(..)"),
            NameKey::Backspace => f.write_str("Backspace"),
            NameKey::Clear => f.write_str("Clear"),
        }
    }
}

/// What has been typed so far: the registration form's text on its name keyboard.
/// PHI: `Debug` shows only the length.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TypedName(FormText);

impl TypedName {
    /// A name from elsewhere (a licence), cut to what the keyboard accepts.
    pub fn from_text(text: &str) -> Self {
        Self(FormText::from_text(text, Keyboard::Name, MAX_NAME_CHARS))
    }

    /// Applies one key. Returns whether the text changed.
    pub fn press(&mut self, key: NameKey) -> bool {
        self.0.press(key, Keyboard::Name, MAX_NAME_CHARS)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the text can be looked up: it has at least one letter.
    pub fn is_searchable(&self) -> bool {
        normalise_name(self.as_str()).is_ok()
    }

    pub fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

impl fmt::Debug for TypedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypedName({} chars)", self.as_str().chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &str) -> TypedName {
        let mut name = TypedName::default();
        for c in keys.chars() {
            name.press(NameKey::Char(c));
        }
        name
    }

    #[test]
    fn takes_letters_accents_and_name_punctuation() {
        assert_eq!(typed("GARCÍA-LÓPEZ").as_str(), "GARCÍA-LÓPEZ");
        assert_eq!(typed("O'NEIL").as_str(), "O'NEIL");
        assert_eq!(typed("DE LA CRUZ").as_str(), "DE LA CRUZ");
        assert_eq!(typed("MUÑOZ").as_str(), "MUÑOZ");
    }

    #[test]
    fn refuses_digits_symbols_and_pointless_spaces() {
        assert_eq!(typed("A1B;C<").as_str(), "ABC");
        assert_eq!(typed("  DE  LA").as_str(), "DE LA");
    }

    #[test]
    fn is_length_limited() {
        let long = "A".repeat(MAX_NAME_CHARS + 10);
        assert_eq!(typed(&long).as_str().chars().count(), MAX_NAME_CHARS);
        assert_eq!(
            TypedName::from_text(&long).as_str().chars().count(),
            MAX_NAME_CHARS
        );
    }

    #[test]
    fn backspace_and_clear() {
        let mut name = typed("NÚÑEZ");
        assert!(name.press(NameKey::Backspace));
        assert_eq!(name.as_str(), "NÚÑE");
        assert!(name.press(NameKey::Clear));
        assert!(name.is_empty());
        assert!(!name.press(NameKey::Backspace));
        assert!(!name.press(NameKey::Clear));
    }

    #[test]
    fn searchable_only_with_a_letter() {
        assert!(!typed("-' ").is_searchable());
        assert!(typed("-A").is_searchable());
    }

    #[test]
    fn debug_shows_no_letters() {
        assert_eq!(format!("{:?}", typed("TESTPATIENT")), "TypedName(11 chars)");
        assert_eq!(format!("{:?}", NameKey::Char('Q')), "Char(..)");
    }

    #[test]
    fn from_text_uppercases() {
        assert_eq!(TypedName::from_text("Testpatient").as_str(), "TESTPATIENT");
    }
}

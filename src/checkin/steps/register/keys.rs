//! The keyboards of the registration form and the text typed on them: each field takes
//! only its keyboard's characters, up to the field's length limit, so a stale or forged
//! tap cannot put anything else in. PHI: `Debug` shows only the length.

use crate::checkin::steps::NameKey;
use std::fmt;

/// Which keyboard a text field shows (and which characters it takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyboard {
    /// Letters (accented too), space, apostrophe, hyphen: a name.
    Name,
    /// Letters only: a two-letter state code.
    Letters,
    /// Letters, digits, space and the punctuation of street addresses.
    Address,
    /// Lower-case letters, digits and `@ . _ - +`.
    Email,
    /// Digits only: a ZIP code, a phone number.
    Digits,
}

impl Keyboard {
    /// Whether a key of this keyboard types `c`.
    pub fn accepts(self, c: char) -> bool {
        match self {
            Keyboard::Name => c.is_alphabetic() || matches!(c, ' ' | '\'' | '-' | '’'),
            Keyboard::Letters => c.is_ascii_alphabetic(),
            Keyboard::Address => {
                c.is_alphanumeric() || matches!(c, ' ' | '\'' | '-' | '#' | '.' | ',' | '/')
            }
            Keyboard::Email => {
                c.is_ascii_lowercase()
                    || c.is_ascii_digit()
                    || matches!(c, '@' | '.' | '_' | '-' | '+')
            }
            Keyboard::Digits => c.is_ascii_digit(),
        }
    }

    /// What a typed `c` is stored as: upper case on the letter keyboards (as the keys
    /// show), lower case for email.
    fn normalise(self, c: char) -> char {
        match self {
            Keyboard::Email => c.to_lowercase().next().unwrap_or(c),
            Keyboard::Digits => c,
            _ => c.to_uppercase().next().unwrap_or(c),
        }
    }
}

/// Text typed into one field of the form.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct FormText(String);

impl FormText {
    /// Text from elsewhere (a licence, the name typed to look up an appointment), with
    /// what the keyboard would not take left out and cut to `max` characters.
    pub fn from_text(text: &str, keyboard: Keyboard, max: usize) -> Self {
        let mut typed = Self::default();
        for c in text.trim().chars() {
            typed.press(NameKey::Char(keyboard.normalise(c)), keyboard, max);
        }
        typed
    }

    /// Applies one key. Returns whether the text changed; at `max` characters the
    /// keyboard takes no more.
    pub fn press(&mut self, key: NameKey, keyboard: Keyboard, max: usize) -> bool {
        match key {
            NameKey::Char(c) if keyboard.accepts(c) => {
                let len = self.0.chars().count();
                // No leading space and no doubled space: they are never meant.
                let pointless = c == ' ' && (len == 0 || self.0.ends_with(' '));
                if len >= max || pointless {
                    return false;
                }
                self.0.push(c);
                true
            }
            NameKey::Char(_) => false,
            NameKey::Backspace => self.0.pop().is_some(),
            NameKey::Clear => {
                let had = !self.0.is_empty();
                self.0.clear();
                had
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for FormText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FormText({} chars)", self.0.chars().count())
    }
}

/// A phone number's digits as people write them while typing: "(217) 555-01".
pub fn phone_as_typed(digits: &str) -> String {
    let digits: Vec<char> = digits.chars().filter(char::is_ascii_digit).collect();
    let part = |from: usize, to: usize| -> String {
        digits[from.min(digits.len())..to.min(digits.len())]
            .iter()
            .collect()
    };
    match digits.len() {
        0 => String::new(),
        1..=3 => format!("({}", part(0, 3)),
        4..=6 => format!("({}) {}", part(0, 3), part(3, 6)),
        _ => format!("({}) {}-{}", part(0, 3), part(3, 6), part(6, digits.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keyboard: Keyboard, max: usize, keys: &str) -> String {
        let mut text = FormText::default();
        for c in keys.chars() {
            text.press(NameKey::Char(c), keyboard, max);
        }
        text.as_str().to_owned()
    }

    #[test]
    fn each_keyboard_takes_its_own_characters_up_to_the_limit() {
        assert_eq!(typed(Keyboard::Digits, 5, "62a7011"), "62701");
        assert_eq!(typed(Keyboard::Letters, 2, "I1L"), "IL");
        assert_eq!(
            typed(Keyboard::Email, 254, "ada+1@example.com;"),
            "ada+1@example.com"
        );
        assert_eq!(
            typed(Keyboard::Address, 64, "123 EXAMPLE ST. #4"),
            "123 EXAMPLE ST. #4"
        );
        assert_eq!(typed(Keyboard::Name, 64, "O'NEIL-2"), "O'NEIL-");
    }

    #[test]
    fn from_text_normalises_case_and_limits() {
        let name = FormText::from_text(" Testpatient ", Keyboard::Name, 64);
        assert_eq!(name.as_str(), "TESTPATIENT");
        assert_eq!(
            FormText::from_text("Ada@Example.COM", Keyboard::Email, 254).as_str(),
            "ada@example.com"
        );
        assert_eq!(
            FormText::from_text("627011234", Keyboard::Digits, 5).as_str(),
            "62701"
        );
        assert_eq!(format!("{name:?}"), "FormText(11 chars)");
    }

    #[test]
    fn phone_shows_as_typed() {
        assert_eq!(phone_as_typed(""), "");
        assert_eq!(phone_as_typed("21"), "(21");
        assert_eq!(phone_as_typed("2175"), "(217) 5");
        assert_eq!(phone_as_typed("2175550123"), "(217) 555-0123");
    }
}

//! The short code from a text-message reminder, typed on the kiosk's code keyboard (only
//! the code's characters, so no look-alike can be typed), and the lock that stops
//! guessing: after [`MAX_WRONG_CODES`] wrong codes in a row, code entry is refused on this
//! kiosk for [`CODE_LOCK`], whoever stands at it (starting over does not reset it).

use crate::domain::{SHORT_CODE_ALPHABET, SHORT_CODE_LEN, ShortCode};
use jiff::{SignedDuration, Timestamp};
use std::fmt;

/// Wrong codes in a row before code entry locks.
pub const MAX_WRONG_CODES: u8 = 5;

/// How long code entry stays locked.
pub const CODE_LOCK: SignedDuration = SignedDuration::from_mins(5);

/// A key of the code keyboard.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum CodeKey {
    /// A character of the code alphabet.
    Char(char),
    Backspace,
    Clear,
}

/// Hides which key: the taps in a log would spell the code.
impl fmt::Debug for CodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeKey::Char(_) => f.write_str("Char(..)"),
            CodeKey::Backspace => f.write_str("Backspace"),
            CodeKey::Clear => f.write_str("Clear"),
        }
    }
}

/// The code typed so far: at most [`SHORT_CODE_LEN`] characters of the alphabet. `Debug`
/// shows only the length.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TypedCode(String);

impl TypedCode {
    /// Applies one key; a character outside the alphabet (a stale or forged tap) or past
    /// the eighth is refused. Returns whether the text changed.
    pub fn press(&mut self, key: CodeKey) -> bool {
        match key {
            CodeKey::Char(c) => {
                let c = c.to_ascii_uppercase();
                if c.is_ascii() && SHORT_CODE_ALPHABET.contains(c) && self.0.len() < SHORT_CODE_LEN
                {
                    self.0.push(c);
                    true
                } else {
                    false
                }
            }
            CodeKey::Backspace => self.0.pop().is_some(),
            CodeKey::Clear => {
                let changed = !self.0.is_empty();
                self.0.clear();
                changed
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The whole code, once all eight characters are in.
    pub fn code(&self) -> Option<ShortCode> {
        ShortCode::parse(&self.0).ok()
    }

    /// As shown on the page: two groups of four, like the text prints it.
    pub fn grouped(&self) -> String {
        match self.0.len() {
            0..=4 => self.0.clone(),
            _ => format!("{}-{}", &self.0[..4], &self.0[4..]),
        }
    }
}

impl fmt::Debug for TypedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypedCode({} chars)", self.0.len())
    }
}

/// A line above the code keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeNotice {
    /// The code matched no appointment today; this many tries are left before the lock.
    Wrong { tries_left: u8 },
    /// Too many wrong codes: code entry is locked for a while.
    Locked,
}

/// The code keyboard page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeView {
    pub typed: TypedCode,
    /// "Check in" is offered: all eight characters are in and entry is not locked.
    pub can_continue: bool,
    pub notice: Option<CodeNotice>,
}

/// Wrong codes typed at this kiosk, and the lock they lead to. Kiosk-wide (in the
/// kiosk's knowledge), so a new session does not reset it; `now` is passed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeAttempts {
    wrong: u8,
    locked_until: Option<Timestamp>,
}

impl CodeAttempts {
    pub fn is_locked(&self, now: Timestamp) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// Notes a wrong code; what to tell the patient.
    pub fn wrong(&mut self, now: Timestamp) -> CodeNotice {
        if self.is_locked(now) {
            return CodeNotice::Locked;
        }
        self.locked_until = None;
        self.wrong = self.wrong.saturating_add(1);
        if self.wrong >= MAX_WRONG_CODES {
            self.wrong = 0;
            self.locked_until = Some(now + CODE_LOCK);
            CodeNotice::Locked
        } else {
            CodeNotice::Wrong {
                tries_left: MAX_WRONG_CODES - self.wrong,
            }
        }
    }

    /// A right code: the count starts again.
    pub fn right(&mut self) {
        self.wrong = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(keys: &str) -> TypedCode {
        let mut code = TypedCode::default();
        for c in keys.chars() {
            code.press(CodeKey::Char(c));
        }
        code
    }

    #[test]
    fn takes_only_the_alphabet_and_eight_characters() {
        assert_eq!(typed("acde0O1f").as_str(), "ACDEF");
        assert_eq!(typed("ACDEFGHJKM").as_str(), "ACDEFGHJ");
        assert_eq!(typed("ACDEFG").grouped(), "ACDE-FG");
        assert_eq!(typed("ACD").grouped(), "ACD");
        assert!(typed("ACDEFGH").code().is_none());
        assert_eq!(typed("ACDEFGHJ").code().unwrap().as_str(), "ACDEFGHJ");
        let mut code = typed("AC");
        assert!(code.press(CodeKey::Backspace));
        assert_eq!(code.as_str(), "A");
        assert!(code.press(CodeKey::Clear));
        assert!(!code.press(CodeKey::Clear));
        assert_eq!(format!("{:?}", typed("ACDE")), "TypedCode(4 chars)");
        assert_eq!(format!("{:?}", CodeKey::Char('A')), "Char(..)");
    }

    #[test]
    fn five_wrong_codes_lock_for_five_minutes_then_counting_starts_again() {
        let t0 = Timestamp::from_second(1_795_000_000).unwrap();
        let mut attempts = CodeAttempts::default();
        for left in (1..MAX_WRONG_CODES).rev() {
            assert_eq!(attempts.wrong(t0), CodeNotice::Wrong { tries_left: left });
        }
        assert!(!attempts.is_locked(t0));
        assert_eq!(attempts.wrong(t0), CodeNotice::Locked);
        assert!(attempts.is_locked(t0));
        assert!(attempts.is_locked(t0 + SignedDuration::from_secs(299)));
        assert_eq!(
            attempts.wrong(t0 + SignedDuration::from_secs(10)),
            CodeNotice::Locked
        );
        let later = t0 + CODE_LOCK;
        assert!(!attempts.is_locked(later));
        assert_eq!(attempts.wrong(later), CodeNotice::Wrong { tries_left: 4 });
        attempts.right();
        assert_eq!(attempts.wrong(later), CodeNotice::Wrong { tries_left: 4 });
    }
}

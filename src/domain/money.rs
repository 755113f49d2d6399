//! Money as integer cents: never a float.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount must look like 25 or 25.00")]
    Malformed,
    #[error("amount is too large")]
    TooLarge,
}

/// A non-negative amount of US cents.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(u32);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub const fn new(cents: u32) -> Self {
        Self(cents)
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The sum, or the largest amount if it would overflow (four billion cents is far
    /// beyond anything a kiosk is asked to take).
    pub fn saturating_add(self, other: Cents) -> Cents {
        Cents(self.0.saturating_add(other.0))
    }

    /// Parses dollars as written in a spreadsheet: `25`, `25.5`, `25.00`, `$25.00`.
    pub fn parse_dollars(text: &str) -> Result<Self, MoneyError> {
        let text = text.trim();
        let text = text.strip_prefix('$').unwrap_or(text);
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 2 {
            return Err(MoneyError::Malformed);
        }
        let dollars: u32 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
        let frac_cents: u32 = match frac.len() {
            0 => 0,
            1 => frac.parse::<u32>().map_err(|_| MoneyError::Malformed)? * 10,
            _ => frac.parse().map_err(|_| MoneyError::Malformed)?,
        };
        dollars
            .checked_mul(100)
            .and_then(|c| c.checked_add(frac_cents))
            .map(Self)
            .ok_or(MoneyError::TooLarge)
    }
}

impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "${}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dollar_amounts() {
        assert_eq!(Cents::parse_dollars("25").unwrap(), Cents(2500));
        assert_eq!(Cents::parse_dollars("$25.5").unwrap(), Cents(2550));
        assert_eq!(Cents::parse_dollars(" 0.05 ").unwrap(), Cents(5));
        assert_eq!(Cents::parse_dollars("25.005"), Err(MoneyError::Malformed));
        assert_eq!(Cents::parse_dollars("-3"), Err(MoneyError::Malformed));
        assert_eq!(Cents::parse_dollars("abc"), Err(MoneyError::Malformed));
        assert_eq!(Cents::parse_dollars(""), Err(MoneyError::Malformed));
        assert_eq!(
            Cents::parse_dollars("99999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn displays_as_dollars() {
        assert_eq!(Cents(2505).to_string(), "$25.05");
        assert_eq!(Cents::ZERO.to_string(), "$0.00");
    }
}

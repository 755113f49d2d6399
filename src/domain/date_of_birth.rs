//! A patient's date of birth: a real calendar date, not in the future, not before 1900.
//!
//! PHI: `Debug` hides it, and there is deliberately no `Display`; callers that must show or
//! send it ask for [`DateOfBirth::date`].

use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Why a date of birth was refused. Carries no part of the date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DobError {
    #[error("date of birth is after today")]
    InFuture,
    #[error("date of birth is before 1900")]
    Before1900,
    #[error("date of birth is not a YYYY-MM-DD calendar date")]
    Format,
}

/// The earliest date of birth accepted: older entries are typing or scanning mistakes.
const EARLIEST: Date = Date::constant(1900, 1, 1);

/// A validated date of birth.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateOfBirth(Date);

impl DateOfBirth {
    /// Checks `date` against `today` (passed in: logic never reads the clock).
    pub fn new(date: Date, today: Date) -> Result<Self, DobError> {
        if date < EARLIEST {
            Err(DobError::Before1900)
        } else if date > today {
            Err(DobError::InFuture)
        } else {
            Ok(Self(date))
        }
    }

    pub fn date(self) -> Date {
        self.0
    }

    /// Parses exactly "YYYY-MM-DD". Only the format and the 1900 floor are checked: stored
    /// values were checked against their own "today" when they were made.
    fn parse_stored(text: &str) -> Result<Self, DobError> {
        let bytes = text.as_bytes();
        let digits_at = |range: std::ops::Range<usize>| {
            bytes[range.clone()]
                .iter()
                .all(u8::is_ascii_digit)
                .then(|| {
                    bytes[range]
                        .iter()
                        .fold(0i16, |n, b| n * 10 + i16::from(b - b'0'))
                })
        };
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return Err(DobError::Format);
        }
        let (Some(year), Some(month), Some(day)) =
            (digits_at(0..4), digits_at(5..7), digits_at(8..10))
        else {
            return Err(DobError::Format);
        };
        // Month and day have two digits, so they fit an i8.
        let date = Date::new(year, month as i8, day as i8).map_err(|_| DobError::Format)?;
        if date < EARLIEST {
            return Err(DobError::Before1900);
        }
        Ok(Self(date))
    }
}

impl fmt::Debug for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DateOfBirth(<redacted>)")
    }
}

impl Serialize for DateOfBirth {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        serializer.collect_str(&format_args!(
            "{:04}-{:02}-{:02}",
            d.year(),
            d.month(),
            d.day()
        ))
    }
}

impl<'de> Deserialize<'de> for DateOfBirth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse_stored(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = Date::constant(2026, 11, 25);

    #[test]
    fn accepts_dates_from_1900_to_today() {
        for d in [date(1900, 1, 1), date(1950, 1, 1), date(2000, 2, 29), TODAY] {
            assert_eq!(DateOfBirth::new(d, TODAY).unwrap().date(), d);
        }
    }

    #[test]
    fn refuses_the_future_and_before_1900() {
        assert_eq!(
            DateOfBirth::new(date(2026, 11, 26), TODAY),
            Err(DobError::InFuture)
        );
        assert_eq!(
            DateOfBirth::new(date(1899, 12, 31), TODAY),
            Err(DobError::Before1900)
        );
    }

    #[test]
    fn today_is_a_parameter() {
        let d = date(2030, 6, 1);
        assert!(DateOfBirth::new(d, TODAY).is_err());
        assert!(DateOfBirth::new(d, date(2031, 1, 1)).is_ok());
    }

    #[test]
    fn serde_is_iso_date_text() {
        let dob = DateOfBirth::new(date(1950, 1, 2), TODAY).unwrap();
        let json = serde_json::to_string(&dob).unwrap();
        assert_eq!(json, "\"1950-01-02\"");
        let back: DateOfBirth = serde_json::from_str(&json).unwrap();
        assert_eq!(back, dob);
    }

    #[test]
    fn deserialising_checks_format_and_floor() {
        for bad in [
            "\"19500102\"",
            "\"1950-1-2\"",
            "\"1950-02-30\"",
            "\"1950-13-01\"",
            "\"1899-12-31\"",
            "\"+1950-01-02\"",
            "\"1950-01-02T00:00\"",
            "\"195a-01-02\"",
            "\"\"",
            "19500102",
        ] {
            assert!(serde_json::from_str::<DateOfBirth>(bad).is_err(), "{bad}");
        }
        // A stored date is not checked against today: the record was valid when made.
        let later: DateOfBirth = serde_json::from_str("\"2099-01-01\"").unwrap();
        assert_eq!(later.date(), date(2099, 1, 1));
    }

    #[test]
    fn debug_and_errors_hide_the_date() {
        let dob = DateOfBirth::new(date(1950, 1, 2), TODAY).unwrap();
        assert_eq!(format!("{dob:?}"), "DateOfBirth(<redacted>)");
        let error = serde_json::from_str::<DateOfBirth>("\"1950-02-30\"").unwrap_err();
        assert!(!error.to_string().contains("1950"), "{error}");
    }
}

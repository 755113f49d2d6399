//! Date-of-birth entry that cannot produce an impossible date: the year on a keypad whose
//! keys that cannot lead to a year between 1900 and this year are disabled, then the month
//! from twelve buttons, then the day from a grid of exactly that month's days. Nothing in
//! the future is offered.

use crate::domain::DateOfBirth;
use jiff::civil::Date;
use std::fmt;

/// The first year offered (as [`DateOfBirth`] refuses earlier ones).
const FIRST_YEAR: i16 = 1900;

/// Where the entry is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum BirthEntry {
    /// Typing the year: `digits` so far (0–3 of them), as a number.
    Year {
        digits: u8,
        value: i16,
    },
    Month {
        year: i16,
    },
    Day {
        year: i16,
        month: i8,
    },
}

/// What the page shows for the entry. PHI: `Debug` shows only which part is asked.
#[derive(Clone, PartialEq, Eq)]
pub enum BirthView {
    /// `typed` is the digits so far; `enabled[d]` says whether digit `d` can be pressed.
    Year { typed: String, enabled: [bool; 10] },
    /// `enabled[m - 1]` says whether month `m` can be chosen.
    Month { year: i16, enabled: [bool; 12] },
    /// Days `1..=last_day` exist; `1..=last_enabled` can be chosen (today's month stops
    /// at today).
    Day {
        year: i16,
        month: i8,
        last_day: i8,
        last_enabled: i8,
    },
}

impl fmt::Debug for BirthEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BirthEntry::Year { .. } => "BirthEntry::Year",
            BirthEntry::Month { .. } => "BirthEntry::Month",
            BirthEntry::Day { .. } => "BirthEntry::Day",
        })
    }
}

impl fmt::Debug for BirthView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BirthView::Year { .. } => "BirthView::Year",
            BirthView::Month { .. } => "BirthView::Month",
            BirthView::Day { .. } => "BirthView::Day",
        })
    }
}

/// What a press came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BirthStep {
    /// Still entering.
    Entering,
    /// The date is complete.
    Done(DateOfBirth),
    /// "Back" before anything was entered: leave the date entry.
    Left,
    /// A press the page did not offer (a stale tap): nothing changed.
    Ignored,
}

impl Default for BirthEntry {
    fn default() -> Self {
        BirthEntry::Year {
            digits: 0,
            value: 0,
        }
    }
}

impl BirthEntry {
    /// A year digit. The fourth completes the year and moves on to the month.
    pub fn digit(&mut self, digit: u8, today: Date) -> BirthStep {
        let BirthEntry::Year { digits, value } = *self else {
            return BirthStep::Ignored;
        };
        if !digit_enabled(digits, value, digit, today) {
            return BirthStep::Ignored;
        }
        let value = value * 10 + i16::from(digit);
        *self = if digits == 3 {
            BirthEntry::Month { year: value }
        } else {
            BirthEntry::Year {
                digits: digits + 1,
                value,
            }
        };
        BirthStep::Entering
    }

    pub fn month(&mut self, month: i8, today: Date) -> BirthStep {
        let BirthEntry::Month { year } = *self else {
            return BirthStep::Ignored;
        };
        if !month_enabled(year, month, today) {
            return BirthStep::Ignored;
        }
        *self = BirthEntry::Day { year, month };
        BirthStep::Entering
    }

    pub fn day(&mut self, day: i8, today: Date) -> BirthStep {
        let BirthEntry::Day { year, month } = *self else {
            return BirthStep::Ignored;
        };
        match Date::new(year, month, day)
            .ok()
            .and_then(|date| DateOfBirth::new(date, today).ok())
        {
            Some(dob) => BirthStep::Done(dob),
            None => BirthStep::Ignored,
        }
    }

    /// Takes the last year digit off.
    pub fn delete_digit(&mut self) -> BirthStep {
        match *self {
            BirthEntry::Year { digits, value } if digits > 0 => {
                *self = BirthEntry::Year {
                    digits: digits - 1,
                    value: value / 10,
                };
                BirthStep::Entering
            }
            _ => BirthStep::Ignored,
        }
    }

    /// One part back: from the day to the month, from the month to the year (its last
    /// digit off, to be typed again), from the year out of the date entry.
    pub fn back(&mut self) -> BirthStep {
        *self = match *self {
            BirthEntry::Year { .. } => return BirthStep::Left,
            BirthEntry::Month { year } => BirthEntry::Year {
                digits: 3,
                value: year / 10,
            },
            BirthEntry::Day { year, .. } => BirthEntry::Month { year },
        };
        BirthStep::Entering
    }

    pub fn view(&self, today: Date) -> BirthView {
        match *self {
            BirthEntry::Year { digits, value } => BirthView::Year {
                typed: if digits == 0 {
                    String::new()
                } else {
                    format!("{value:0width$}", width = usize::from(digits))
                },
                enabled: std::array::from_fn(|d| digit_enabled(digits, value, d as u8, today)),
            },
            BirthEntry::Month { year } => BirthView::Month {
                year,
                enabled: std::array::from_fn(|m| month_enabled(year, m as i8 + 1, today)),
            },
            BirthEntry::Day { year, month } => {
                let last_day = Date::new(year, month, 1).map_or(28, |d| d.days_in_month());
                let last_enabled = if (year, month) == (today.year(), today.month()) {
                    today.day()
                } else {
                    last_day
                };
                BirthView::Day {
                    year,
                    month,
                    last_day,
                    last_enabled,
                }
            }
        }
    }
}

/// Whether pressing `digit` after `digits` digits making `value` can still end in a year
/// from 1900 to this year.
fn digit_enabled(digits: u8, value: i16, digit: u8, today: Date) -> bool {
    if digits >= 4 || digit > 9 {
        return false;
    }
    let span = 10i16.pow(u32::from(3 - digits));
    let lowest = (value * 10 + i16::from(digit)) * span;
    let highest = lowest + span - 1;
    highest >= FIRST_YEAR && lowest <= today.year()
}

fn month_enabled(year: i16, month: i8, today: Date) -> bool {
    (1..=12).contains(&month) && (year < today.year() || month <= today.month())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const TODAY: Date = Date::constant(2026, 11, 25);

    fn enter(entry: &mut BirthEntry, year: &str) {
        for c in year.bytes() {
            assert_eq!(entry.digit(c - b'0', TODAY), BirthStep::Entering, "{year}");
        }
    }

    fn enabled_digits(entry: &BirthEntry) -> Vec<u8> {
        let BirthView::Year { enabled, .. } = entry.view(TODAY) else {
            panic!("not on the year")
        };
        (0..10).filter(|&d| enabled[usize::from(d)]).collect()
    }

    #[test]
    fn a_whole_date() {
        let mut entry = BirthEntry::default();
        enter(&mut entry, "1950");
        assert_eq!(entry.month(3, TODAY), BirthStep::Entering);
        let BirthStep::Done(dob) = entry.day(31, TODAY) else {
            panic!("not done")
        };
        assert_eq!(dob.date(), date(1950, 3, 31));
    }

    #[test]
    fn only_digits_that_can_make_a_year_from_1900_to_now() {
        let mut entry = BirthEntry::default();
        assert_eq!(enabled_digits(&entry), [1, 2]);
        enter(&mut entry, "1");
        assert_eq!(enabled_digits(&entry), [9]);
        assert_eq!(entry.digit(8, TODAY), BirthStep::Ignored);
        let mut entry = BirthEntry::default();
        enter(&mut entry, "20");
        assert_eq!(enabled_digits(&entry), [0, 1, 2]);
        enter(&mut entry, "2");
        assert_eq!(enabled_digits(&entry), [0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(entry.digit(7, TODAY), BirthStep::Ignored);
    }

    #[test]
    fn no_month_or_day_after_today() {
        let mut entry = BirthEntry::default();
        enter(&mut entry, "2026");
        let BirthView::Month { enabled, .. } = entry.view(TODAY) else {
            panic!()
        };
        assert_eq!(enabled.iter().filter(|e| **e).count(), 11);
        assert_eq!(entry.month(12, TODAY), BirthStep::Ignored);
        assert_eq!(entry.month(11, TODAY), BirthStep::Entering);
        assert_eq!(
            entry.view(TODAY),
            BirthView::Day {
                year: 2026,
                month: 11,
                last_day: 30,
                last_enabled: 25
            }
        );
        assert_eq!(entry.day(26, TODAY), BirthStep::Ignored);
        assert!(matches!(entry.day(25, TODAY), BirthStep::Done(_)));
    }

    #[test]
    fn february_has_its_own_days() {
        for (year, last) in [("1960", 29), ("1961", 28), ("1900", 28), ("2000", 29)] {
            let mut entry = BirthEntry::default();
            enter(&mut entry, year);
            entry.month(2, TODAY);
            let BirthView::Day { last_day, .. } = entry.view(TODAY) else {
                panic!()
            };
            assert_eq!(last_day, last, "{year}");
            assert_eq!(entry.day(last + 1, TODAY), BirthStep::Ignored);
            assert_eq!(entry.day(0, TODAY), BirthStep::Ignored);
        }
    }

    #[test]
    fn back_walks_the_entry_backwards_then_leaves() {
        let mut entry = BirthEntry::default();
        enter(&mut entry, "1950");
        entry.month(6, TODAY);
        assert_eq!(entry.back(), BirthStep::Entering);
        assert_eq!(entry, BirthEntry::Month { year: 1950 });
        assert_eq!(entry.back(), BirthStep::Entering);
        assert_eq!(
            entry.view(TODAY),
            BirthView::Year {
                typed: "195".into(),
                enabled: std::array::from_fn(|_| true)
            }
        );
        for _ in 0..3 {
            assert_eq!(entry.delete_digit(), BirthStep::Entering);
        }
        assert_eq!(entry.delete_digit(), BirthStep::Ignored);
        enter(&mut entry, "19");
        assert_eq!(entry.back(), BirthStep::Left);
    }

    #[test]
    fn presses_for_another_part_are_ignored() {
        let mut entry = BirthEntry::default();
        assert_eq!(entry.month(1, TODAY), BirthStep::Ignored);
        assert_eq!(entry.day(1, TODAY), BirthStep::Ignored);
        enter(&mut entry, "1950");
        assert_eq!(entry.digit(1, TODAY), BirthStep::Ignored);
    }

    #[test]
    fn debug_shows_no_date() {
        let mut entry = BirthEntry::default();
        enter(&mut entry, "1950");
        assert_eq!(format!("{entry:?}"), "BirthEntry::Month");
        assert_eq!(format!("{:?}", entry.view(TODAY)), "BirthView::Month");
    }
}

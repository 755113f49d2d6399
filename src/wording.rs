//! How times and dates read to a patient (the kiosk screen, the hub's reminders), in the
//! patient's language: the way people say them, not ISO. Hand-written for our two
//! languages: jiff formats English names only, and a locale library (ICU) would add
//! megabytes for two tables.

use crate::domain::{Language, Relationship};
use jiff::civil::{Date, Time, Weekday};

/// English "9:05 AM", "12:30 PM"; Spanish "9:05", "16:45" (a 24-hour clock, no AM/PM).
pub fn clock_time(time: Time, language: Language) -> String {
    let (hour, minute) = (time.hour(), time.minute());
    match language {
        Language::English => {
            let suffix = if hour < 12 { "AM" } else { "PM" };
            let hour12 = match hour % 12 {
                0 => 12,
                h => h,
            };
            format!("{hour12}:{minute:02} {suffix}")
        }
        Language::Spanish => format!("{hour}:{minute:02}"),
    }
}

/// English "Monday, November 30"; Spanish "lunes 30 de noviembre".
pub fn long_date(date: Date, language: Language) -> String {
    let month = usize::try_from(date.month() - 1).unwrap_or(0);
    let weekday = date.weekday().to_monday_zero_offset() as usize;
    match language {
        Language::English => format!(
            "{}, {} {}",
            EN_WEEKDAYS[weekday],
            EN_MONTHS[month],
            date.day()
        ),
        Language::Spanish => format!(
            "{} {} de {}",
            ES_WEEKDAYS[weekday],
            date.day(),
            ES_MONTHS[month]
        ),
    }
}

/// A full date, as a date of birth reads: English "January 2, 1950"; Spanish
/// "2 de enero de 1950".
pub fn full_date(date: Date, language: Language) -> String {
    let month = month_in_sentence(date.month(), language);
    match language {
        Language::English => format!("{month} {}, {}", date.day(), date.year()),
        Language::Spanish => format!("{} de {month} de {}", date.day(), date.year()),
    }
}

/// How an emergency contact is related, as a button says it.
pub fn relationship(relationship: Relationship, language: Language) -> &'static str {
    match language {
        Language::English => relationship.english(),
        Language::Spanish => match relationship {
            Relationship::Spouse => "Cónyuge",
            Relationship::Partner => "Pareja",
            Relationship::Parent => "Padre o madre",
            Relationship::Child => "Hijo o hija",
            Relationship::Sibling => "Hermano o hermana",
            Relationship::Guardian => "Tutor legal",
            Relationship::Friend => "Amigo o amiga",
            Relationship::Other => "Otro",
        },
    }
}

/// A month's name inside a sentence: English "March", Spanish "marzo".
pub fn month_in_sentence(month: i8, language: Language) -> &'static str {
    let index = usize::try_from(month - 1).unwrap_or(0).min(11);
    match language {
        Language::English => EN_MONTHS[index],
        Language::Spanish => ES_MONTHS[index],
    }
}

/// A month's name on its own, as a button says it: English "March", Spanish "Marzo"
/// (capitalised, as a label on its own is).
pub fn month_name(month: i8, language: Language) -> String {
    let mut chars = month_in_sentence(month, language).chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

const EN_WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const ES_WEEKDAYS: [&str; 7] = [
    "lunes",
    "martes",
    "miércoles",
    "jueves",
    "viernes",
    "sábado",
    "domingo",
];
const ES_MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

// Keeps the tables in step with jiff's numbering.
const _: () = assert!(matches!(Weekday::Monday.to_monday_zero_offset(), 0));

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn english_reads_like_people_say_it() {
        let en = Language::English;
        assert_eq!(clock_time(Time::constant(9, 5, 0, 0), en), "9:05 AM");
        assert_eq!(clock_time(Time::constant(0, 0, 0, 0), en), "12:00 AM");
        assert_eq!(clock_time(Time::constant(12, 30, 0, 0), en), "12:30 PM");
        assert_eq!(clock_time(Time::constant(16, 45, 0, 0), en), "4:45 PM");
        assert_eq!(long_date(date(2026, 11, 30), en), "Monday, November 30");
        assert_eq!(long_date(date(2027, 1, 3), en), "Sunday, January 3");
    }

    #[test]
    fn dates_of_birth_and_relationships_in_both_languages() {
        let born = date(1950, 1, 2);
        assert_eq!(full_date(born, Language::English), "January 2, 1950");
        assert_eq!(full_date(born, Language::Spanish), "2 de enero de 1950");
        for relationship in Relationship::ALL {
            let en = super::relationship(relationship, Language::English);
            let es = super::relationship(relationship, Language::Spanish);
            assert_eq!(en, relationship.english());
            assert_ne!(en, es, "{relationship:?} has a Spanish word");
        }
    }

    #[test]
    fn spanish_has_no_english_names_and_no_am_pm() {
        let es = Language::Spanish;
        assert_eq!(clock_time(Time::constant(9, 5, 0, 0), es), "9:05");
        assert_eq!(clock_time(Time::constant(16, 45, 0, 0), es), "16:45");
        assert_eq!(long_date(date(2026, 11, 30), es), "lunes 30 de noviembre");
        assert_eq!(long_date(date(2027, 1, 3), es), "domingo 3 de enero");
        for month in 1..=12 {
            for day in [1, 2, 3, 4, 5, 6, 7] {
                let text = long_date(date(2026, month, day), es);
                for english in EN_MONTHS.iter().chain(EN_WEEKDAYS.iter()) {
                    assert!(!text.contains(english), "{text}");
                }
            }
        }
    }

    #[test]
    fn month_names_for_buttons() {
        assert_eq!(month_name(3, Language::English), "March");
        assert_eq!(month_name(3, Language::Spanish), "Marzo");
        assert_eq!(month_name(12, Language::Spanish), "Diciembre");
        assert_eq!(month_in_sentence(2, Language::Spanish), "febrero");
    }
}

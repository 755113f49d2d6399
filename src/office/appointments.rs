//! Getting today's appointments in: a CSV export from the practice-management system,
//! or the synthetic demo set.

use super::reminders::{ReminderChannel, ReminderPrefs};
use super::store::NewAppointment;
use crate::domain::{
    Cents, ContactField, ContactOnFile, DateOfBirth, EmailAddress, Language, PersonName,
};
use jiff::civil::{Date, Time};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use std::io::Read;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("CSV line {line}: {reason}")]
    Row { line: u64, reason: String },
    #[error(
        "CSV header must be: {COLUMNS}, optionally followed by any of \
         {DOB_COLUMN},{BALANCE_COLUMN},{PATIENT_ID_COLUMN},{LANGUAGE_COLUMN},{CHANNEL_COLUMN},\
         address_line1,address_line2,city,state,zip,phone,email (each once)"
    )]
    Header,
    #[error("CSV: {0}")]
    Csv(#[from] csv::Error),
}

/// One row of the appointments CSV. Columns, with a header row:
/// `appointment_id,date,time,last_name,first_name,provider,copay` (`date` as 2026-11-23,
/// `time` as 09:30, `copay` in dollars as 25.00), then optionally, in any order:
/// `date_of_birth` (1950-01-01), `balance` (what is left to pay from earlier visits, in
/// dollars like `copay`; empty or absent is none) and the contact details on file
/// `address_line1`, `address_line2`, `city`, `state`, `zip`, `phone`, `email`, and
/// `patient_id` (the practice's patient number, so what a patient signed at one visit
/// counts at the next), `language` (`en` or `es`, what reminders are written in; empty:
/// `en`) and `reminder_channel` (`email`, `sms` (needs a usable `phone`), `letter`
/// (needs `address_line1`, `city`, `state` and `zip`), or `none` for a patient who wants
/// no reminders; empty: `email`). An empty cell is unknown. A file without contact columns
/// leaves the contact details on file as they are, one without `language` and
/// `reminder_channel` the patient's choices; an empty or absent patient number keeps the
/// one on file. An email address that no mail could go to refuses the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CsvRow {
    appointment_id: String,
    date: String,
    time: String,
    last_name: String,
    first_name: String,
    provider: String,
    copay: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    balance: String,
    #[serde(default)]
    address_line1: String,
    #[serde(default)]
    address_line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    zip: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    patient_id: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    reminder_channel: String,
}

impl CsvRow {
    fn contact_cell(&self, field: ContactField) -> &str {
        match field {
            ContactField::AddressLine1 => &self.address_line1,
            ContactField::AddressLine2 => &self.address_line2,
            ContactField::City => &self.city,
            ContactField::State => &self.state,
            ContactField::Zip => &self.zip,
            ContactField::Phone => &self.phone,
            ContactField::Email => &self.email,
        }
    }
}

const COLUMNS: &str = "appointment_id,date,time,last_name,first_name,provider,copay";
const DOB_COLUMN: &str = "date_of_birth";
const BALANCE_COLUMN: &str = "balance";
const PATIENT_ID_COLUMN: &str = "patient_id";
const LANGUAGE_COLUMN: &str = "language";
const CHANNEL_COLUMN: &str = "reminder_channel";

/// The practice-management system's patient number (e.g. `MRN-00123`): 1 to 64 of ASCII
/// letters, digits and `-_./`. An identifier of a person: `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PatientNumber(String);

impl PatientNumber {
    pub const MAX_CHARS: usize = 64;

    pub fn new(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= Self::MAX_CHARS
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b));
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for PatientNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PatientNumber(..)")
    }
}

/// Reads and validates every row; a single bad row rejects the file (naming its line, not
/// its contents), so a half-imported day never happens.
pub fn parse_csv(input: impl Read) -> Result<Vec<NewAppointment>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = reader.headers().map_err(|_| ImportError::Header)?.clone();
    let (has_contact, has_prefs) = check_header(&header)?;
    let mut list = Vec::new();
    for (index, record) in reader.deserialize::<CsvRow>().enumerate() {
        let line = index as u64 + 2;
        let row = record.map_err(|error| ImportError::Row {
            line,
            reason: match error.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                _ => "unreadable row".into(),
            },
        })?;
        let bad = |reason: &str| ImportError::Row {
            line,
            reason: reason.to_owned(),
        };
        if row.appointment_id.is_empty() || row.appointment_id.len() > 64 {
            return Err(bad("appointment_id must be 1-64 characters"));
        }
        if row.provider.is_empty() || row.provider.len() > 80 {
            return Err(bad("provider must be 1-80 characters"));
        }
        if !row.email.is_empty() {
            EmailAddress::parse(&row.email).map_err(|e| bad(&format!("email: {e}")))?;
        }
        let reminders = if has_prefs {
            ReminderPrefs {
                language: Some(match row.language.as_str() {
                    "" | "en" => Language::English,
                    "es" => Language::Spanish,
                    _ => return Err(bad("language must be en or es")),
                }),
                channel: Some(match row.reminder_channel.as_str() {
                    "" => ReminderChannel::Email,
                    text => ReminderChannel::parse(text).ok_or_else(|| {
                        bad("reminder_channel must be email, sms, letter or none")
                    })?,
                }),
            }
        } else {
            ReminderPrefs::default()
        };
        if reminders.channel == Some(ReminderChannel::Sms)
            && crate::domain::PhoneNumber::parse(&row.phone).is_err()
        {
            return Err(bad("reminder_channel sms needs a usable phone number"));
        }
        if reminders.channel == Some(ReminderChannel::Letter)
            && [&row.address_line1, &row.city, &row.state, &row.zip]
                .iter()
                .any(|cell| cell.trim().is_empty())
        {
            return Err(bad(
                "reminder_channel letter needs address_line1, city, state and zip",
            ));
        }
        let contact = if has_contact {
            let mut contact = ContactOnFile::default();
            for field in ContactField::ALL {
                contact
                    .set(field, row.contact_cell(field))
                    .map_err(|e| bad(&e.to_string()))?;
            }
            Some(contact)
        } else {
            None
        };
        list.push(NewAppointment {
            external_id: row.appointment_id,
            day: row
                .date
                .parse::<Date>()
                .map_err(|_| bad("date must look like 2026-11-23"))?,
            starts_at: row
                .time
                .parse::<Time>()
                .map_err(|_| bad("time must look like 09:30"))?,
            patient: PersonName::new(&row.first_name, &row.last_name)
                .map_err(|e| bad(&format!("patient name: {e}")))?,
            provider: row.provider,
            copay: Cents::parse_dollars(&row.copay).map_err(|e| bad(&format!("copay: {e}")))?,
            balance: if row.balance.is_empty() {
                Cents::ZERO
            } else {
                Cents::parse_dollars(&row.balance).map_err(|e| bad(&format!("balance: {e}")))?
            },
            date_of_birth: parse_dob(&row.date_of_birth)
                .map_err(|_| bad("date_of_birth must look like 1950-01-01"))?,
            contact,
            patient_id: if row.patient_id.is_empty() {
                None
            } else {
                Some(
                    PatientNumber::new(&row.patient_id).ok_or_else(|| {
                        bad("patient_id must be 1-64 of letters, digits and - _ . /")
                    })?,
                )
            },
            reminders,
        });
    }
    Ok(list)
}

/// Checks the header: the required columns in order, then known optional ones, each at
/// most once. Says whether the file carries contact details, and reminder choices.
fn check_header(header: &csv::StringRecord) -> Result<(bool, bool), ImportError> {
    let required = COLUMNS.split(',').count();
    if !header.iter().take(required).eq(COLUMNS.split(',')) {
        return Err(ImportError::Header);
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut has_contact = false;
    let mut has_prefs = false;
    for name in header.iter().skip(required) {
        let contact = ContactField::parse(name).is_some();
        let prefs = [LANGUAGE_COLUMN, CHANNEL_COLUMN].contains(&name);
        let known =
            contact || prefs || [DOB_COLUMN, BALANCE_COLUMN, PATIENT_ID_COLUMN].contains(&name);
        if !known || !seen.insert(name) {
            return Err(ImportError::Header);
        }
        has_contact |= contact;
        has_prefs |= prefs;
    }
    Ok((has_contact, has_prefs))
}

/// An empty cell is an unknown date of birth. Checked for format and the 1900 floor only,
/// like a stored date (the export's day is not "today" here).
fn parse_dob(text: &str) -> Result<Option<DateOfBirth>, serde::de::value::Error> {
    if text.is_empty() {
        return Ok(None);
    }
    DateOfBirth::deserialize(text.into_deserializer()).map(Some)
}

/// Synthetic, obviously fake appointments for `day`, every 15 minutes from 08:00.
pub fn demo_set(day: Date) -> Vec<NewAppointment> {
    const PATIENTS: &[(&str, &str)] = &[
        ("Ada", "Testpatient"),
        ("Bruno", "Sample"),
        ("Carmen", "Example"),
        ("Dmitri", "Placeholder"),
        ("Esther", "Fakename"),
        ("Farid", "Mockup"),
        ("Greta", "Dummy"),
        ("Hiro", "Specimen"),
        ("Ines", "Fixture"),
        ("Jonas", "Testcase"),
        ("Kwame", "Sandbox"),
        ("Lucia", "Prototype"),
    ];
    const PROVIDERS: &[&str] = &["Dr. Demo Able", "Dr. Demo Baker", "NP Demo Chen"];
    PATIENTS
        .iter()
        .enumerate()
        .map(|(i, (first, last))| {
            let minutes = 8 * 60 + 15 * i as i32;
            NewAppointment {
                external_id: format!("DEMO-{}-{:03}", day.strftime("%Y%m%d"), i + 1),
                day,
                starts_at: Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
                    .expect("demo times are within the day"),
                patient: PersonName::new(first, last).expect("demo names are valid"),
                provider: PROVIDERS[i % PROVIDERS.len()].into(),
                copay: Cents::new([2500, 4000, 0, 1500][i % 4]),
                // A few patients owe from earlier visits, one of them with no co-pay today.
                balance: Cents::new(match i {
                    5 => 7550,
                    10 => 1200,
                    _ => 0,
                }),
                date_of_birth: Some(demo_dob(i)),
                contact: Some(demo_contact(i)),
                // Demo patient numbers, so a second demo day finds the first day's consents.
                patient_id: PatientNumber::new(&format!("DEMO-{:04}", i + 1)),
                reminders: Default::default(),
            }
        })
        .collect()
}

/// Obviously fake contact details: numbered Example St addresses, (217) 555-01xx phones.
fn demo_contact(i: usize) -> ContactOnFile {
    let mut contact = ContactOnFile::default();
    let values = [
        (
            ContactField::AddressLine1,
            format!("{} Example St", 100 + i),
        ),
        (ContactField::City, "Exampleville".to_owned()),
        (ContactField::State, "TX".to_owned()),
        (ContactField::Zip, "75001".to_owned()),
        (ContactField::Phone, format!("(217) 555-{:04}", 100 + i)),
    ];
    for (field, value) in values {
        contact.set(field, &value).expect("demo contacts are valid");
    }
    contact
}

/// Obviously fake dates of birth: 1950-01-01, then two years and a day apart.
fn demo_dob(i: usize) -> DateOfBirth {
    let first = Date::constant(1950, 1, 1);
    let date = first
        .checked_add(jiff::Span::new().days(731 * i as i64))
        .expect("demo dates are within range");
    DateOfBirth::new(date, date).expect("demo dates are after 1900")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const HEADER: &str = "appointment_id,date,time,last_name,first_name,provider,copay\n";

    #[test]
    fn parses_a_good_file() {
        let csv = format!(
            "{HEADER}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25.00\n\
             A-2, 2026-11-23 , 10:00 ,Sample,Bruno,Dr. Demo Baker,$0\n"
        );
        let list = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].starts_at, Time::constant(9, 30, 0, 0));
        assert_eq!(list[0].copay, Cents::new(2500));
        assert_eq!(list[1].day, date(2026, 11, 23));
    }

    #[test]
    fn a_bad_row_names_its_line_not_its_contents() {
        let csv = format!(
            "{HEADER}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25.00\n\
             A-2,2026-13-45,10:00,Secretname,Bruno,Dr. Demo Baker,0\n"
        );
        let error = parse_csv(csv.as_bytes()).unwrap_err().to_string();
        assert!(error.contains("line 3"), "{error}");
        assert!(!error.contains("Secretname"), "{error}");
        assert!(parse_csv("a,b\n1,2\n".as_bytes()).is_err());
        assert!(parse_csv(&b"\xff\xfe\x00garbage"[..]).is_err());
    }

    #[test]
    fn an_unusable_email_is_refused_with_its_line_and_reminder_choices_are_read() {
        let header = "appointment_id,date,time,last_name,first_name,provider,copay,email,\
                      language,reminder_channel\n";
        let good = format!(
            "{header}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,ada@example.invalid,es,\n\
             A-2,2026-11-23,09:45,Sample,Bruno,Dr. Demo Able,25,,,none\n"
        );
        let list = parse_csv(good.as_bytes()).unwrap();
        assert_eq!(
            list[0].reminders,
            ReminderPrefs {
                language: Some(Language::Spanish),
                channel: Some(ReminderChannel::Email),
            }
        );
        assert_eq!(list[1].reminders.language, Some(Language::English));
        assert_eq!(list[1].reminders.channel, Some(ReminderChannel::None));
        let without = format!("{HEADER}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25\n");
        assert_eq!(
            parse_csv(without.as_bytes()).unwrap()[0].reminders,
            ReminderPrefs::default()
        );

        for (cell, reason) in [
            ("ada.secret@nodomain", "email"),
            ("ada secret@example.invalid", "email"),
        ] {
            let bad = format!(
                "{header}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,ok@example.invalid,,\n\
                 A-2,2026-11-23,09:45,Sample,Bruno,Dr. Demo Able,25,{cell},,\n"
            );
            let error = parse_csv(bad.as_bytes()).unwrap_err().to_string();
            assert!(
                error.contains("line 3") && error.contains(reason),
                "{error}"
            );
            assert!(!error.contains("secret"), "{error}");
        }
        for (cells, reason) in [
            (",,fr,", "language"),
            (",,en,fax", "reminder_channel"),
            (",,en,sms", "sms needs a usable phone number"),
            (
                ",,en,letter",
                "letter needs address_line1, city, state and zip",
            ),
        ] {
            let bad =
                format!("{header}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25{cells}\n");
            let error = parse_csv(bad.as_bytes()).unwrap_err().to_string();
            assert!(
                error.contains("line 2") && error.contains(reason),
                "{error}"
            );
        }
    }

    #[test]
    fn demo_set_is_synthetic_and_valid() {
        let list = demo_set(date(2026, 11, 23));
        assert_eq!(list.len(), 12);
        assert_eq!(list[0].patient.staff_form().as_str(), "Testpatient, Ada");
        assert_eq!(list[11].starts_at, Time::constant(10, 45, 0, 0));
        assert_eq!(list[0].date_of_birth.unwrap().date(), date(1950, 1, 1));
        assert_eq!(list[1].date_of_birth.unwrap().date(), date(1952, 1, 2));
    }

    #[test]
    fn the_date_of_birth_column_is_optional() {
        let without = format!("{HEADER}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25\n");
        assert_eq!(
            parse_csv(without.as_bytes()).unwrap()[0].date_of_birth,
            None
        );
        let with = "appointment_id,date,time,last_name,first_name,provider,copay,date_of_birth\n\
                    A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,1950-01-01\n\
                    A-2,2026-11-23,09:45,Sample,Bruno,Dr. Demo Able,25,\n";
        let list = parse_csv(with.as_bytes()).unwrap();
        assert_eq!(list[0].date_of_birth.unwrap().date(), date(1950, 1, 1));
        assert_eq!(list[1].date_of_birth, None);
    }

    #[test]
    fn contact_columns_are_optional_in_any_order_and_checked() {
        let without = format!("{HEADER}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25\n");
        assert_eq!(parse_csv(without.as_bytes()).unwrap()[0].contact, None);
        let with = "appointment_id,date,time,last_name,first_name,provider,copay,phone,\
                    date_of_birth,address_line1,zip\n\
                    A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,555-0100,1950-01-01,\
                    123 Example St,75001\n\
                    A-2,2026-11-23,09:45,Sample,Bruno,Dr. Demo Able,25,,,,\n";
        let list = parse_csv(with.as_bytes()).unwrap();
        let ada = list[0].contact.as_ref().unwrap();
        assert_eq!(ada.get(ContactField::Phone), Some("555-0100"));
        assert_eq!(ada.get(ContactField::AddressLine1), Some("123 Example St"));
        assert_eq!(ada.get(ContactField::City), None);
        assert_eq!(list[0].date_of_birth.unwrap().date(), date(1950, 1, 1));
        assert!(list[1].contact.as_ref().unwrap().is_empty());

        let long = "9".repeat(11);
        let bad = format!(
            "{}zip\nA-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,{long}\n",
            HEADER.trim_end().to_owned() + ","
        );
        let error = parse_csv(bad.as_bytes()).unwrap_err().to_string();
        assert!(error.contains("line 2") && error.contains("ZIP"), "{error}");
        assert!(!error.contains(&long), "{error}");
        for header in [
            "appointment_id,date,time,last_name,first_name,provider,copay,phone,phone\n",
            "appointment_id,date,time,last_name,first_name,provider,copay,shoe_size\n",
            "appointment_id,date,time,last_name,first_name,provider,phone,copay\n",
        ] {
            assert!(matches!(
                parse_csv(header.as_bytes()),
                Err(ImportError::Header)
            ));
        }
    }

    #[test]
    fn the_balance_column_is_optional_in_dollars_and_checked() {
        let without = format!("{HEADER}A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25\n");
        assert_eq!(
            parse_csv(without.as_bytes()).unwrap()[0].balance,
            Cents::ZERO
        );
        let with = "appointment_id,date,time,last_name,first_name,provider,copay,balance\n\
                    A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,75.50\n\
                    A-2,2026-11-23,09:45,Sample,Bruno,Dr. Demo Able,25,\n";
        let list = parse_csv(with.as_bytes()).unwrap();
        assert_eq!(list[0].balance, Cents::new(7550));
        assert_eq!(list[1].balance, Cents::ZERO);
        let bad = "appointment_id,date,time,last_name,first_name,provider,copay,balance\n\
                   A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,-3\n";
        let error = parse_csv(bad.as_bytes()).unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("balance"),
            "{error}"
        );
        let twice =
            "appointment_id,date,time,last_name,first_name,provider,copay,balance,balance\n";
        assert!(matches!(
            parse_csv(twice.as_bytes()),
            Err(ImportError::Header)
        ));
        let demo = demo_set(date(2026, 11, 23));
        assert_eq!(demo[5].balance, Cents::new(7550));
        assert_eq!(demo.iter().filter(|a| a.balance > Cents::ZERO).count(), 2);
    }

    #[test]
    fn the_patient_id_column_is_optional_checked_and_hidden_from_debug() {
        let with = "appointment_id,date,time,last_name,first_name,provider,copay,patient_id\n\
                    A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,MRN-0042\n\
                    A-2,2026-11-23,09:45,Sample,Bruno,Dr. Demo Able,25,\n";
        let list = parse_csv(with.as_bytes()).unwrap();
        assert_eq!(list[0].patient_id.as_ref().unwrap().as_str(), "MRN-0042");
        assert_eq!(list[1].patient_id, None);
        assert!(!format!("{:?}", list[0]).contains("0042"));
        let bad = "appointment_id,date,time,last_name,first_name,provider,copay,patient_id\n\
                   A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,MRN 42\n";
        let error = parse_csv(bad.as_bytes()).unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("patient_id"),
            "{error}"
        );
        assert!(!error.contains("MRN 42"), "{error}");
    }

    #[test]
    fn a_bad_date_of_birth_names_its_line_not_its_value() {
        for bad in ["1950-02-30", "01/02/1950", "1899-12-31"] {
            let csv = format!(
                "appointment_id,date,time,last_name,first_name,provider,copay,date_of_birth\n\
                 A-1,2026-11-23,09:30,Testpatient,Ada,Dr. Demo Able,25,1950-01-01\n\
                 A-2,2026-11-23,09:45,Sample,Bruno,Dr. Demo Able,25,{bad}\n"
            );
            let error = parse_csv(csv.as_bytes()).unwrap_err().to_string();
            assert!(error.contains("line 3"), "{error}");
            assert!(!error.contains(bad), "{error}");
        }
        // A date-of-birth column in any other place is not the known header.
        let moved = "appointment_id,date,time,last_name,first_name,date_of_birth,provider,copay\n";
        assert!(matches!(
            parse_csv(moved.as_bytes()),
            Err(ImportError::Header)
        ));
    }
}

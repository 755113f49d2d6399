//! Appointments from the EHR's schedule: SIU^S12 (booked), S13 (rescheduled), S14
//! (modified), S15 (cancelled), read into plain values the office stores.
//!
//! Where things are: the appointment's id in SCH-2 (filler, the scheduling system's) or
//! SCH-1 (placer); its start in AIS-4, else SCH-11.4 (timing quantity, before 2.7), else
//! TQ1-7; the provider in AIP-3, else AIG-3, else PV1-7; the patient in PID-3 (number),
//! PID-5 (name), PID-7 (date of birth), PID-11 (home address), PID-13 (home phones and
//! email, for reminders) and PID-15 (language).

use super::message::{Hl7Error, Parsed};
use crate::domain::{
    ContactField, ContactOnFile, DateOfBirth, EmailAddress, Language, PersonName, PhoneNumber,
};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;

/// Longest appointment id we take (as the CSV import).
pub const MAX_ID: usize = 64;
/// Longest provider text we take (as the CSV import).
pub const MAX_PROVIDER: usize = 80;

/// What the message asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleEvent {
    Booked,
    Rescheduled,
    Modified,
    Cancelled,
}

impl ScheduleEvent {
    pub fn trigger(self) -> &'static str {
        match self {
            ScheduleEvent::Booked => "S12",
            ScheduleEvent::Rescheduled => "S13",
            ScheduleEvent::Modified => "S14",
            ScheduleEvent::Cancelled => "S15",
        }
    }
}

/// An appointment as SIU describes it. PHI: `Debug` shows only the id's length.
#[derive(Clone, PartialEq, Eq)]
pub struct SiuAppointment {
    pub day: Date,
    pub starts_at: Time,
    pub patient: PersonName,
    pub date_of_birth: Option<DateOfBirth>,
    pub provider: String,
    /// PID-3.1, unchecked beyond length (the office checks it as a patient number).
    pub patient_id: Option<String>,
    /// PID-11 and PID-13; `None` when the message carries neither (what is on file stays).
    pub contact: Option<ContactOnFile>,
    /// PID-15, when it names a language the kiosk speaks.
    pub language: Option<Language>,
}

impl std::fmt::Debug for SiuAppointment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiuAppointment")
            .field("day", &self.day)
            .field("starts_at", &self.starts_at)
            .finish_non_exhaustive()
    }
}

/// A schedule message read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleMessage {
    pub event: ScheduleEvent,
    /// SCH-2.1, else SCH-1.1.
    pub external_id: String,
    /// `None` for a cancellation (only the id matters).
    pub appointment: Option<SiuAppointment>,
}

/// Reads a parsed message as a schedule change. `zone`: the clinic's, for times that
/// carry an offset.
pub fn read(parsed: &Parsed<'_>, zone: &TimeZone) -> Result<ScheduleMessage, Hl7Error> {
    let header = &parsed.header;
    let event = match (header.message_type.as_str(), header.trigger.as_str()) {
        ("SIU", "S12") => ScheduleEvent::Booked,
        ("SIU", "S13") => ScheduleEvent::Rescheduled,
        ("SIU", "S14") => ScheduleEvent::Modified,
        ("SIU", "S15") => ScheduleEvent::Cancelled,
        (kind, trigger) => {
            return Err(Hl7Error::UnknownMessageType(
                format!("{kind}^{trigger}").chars().take(12).collect(),
            ));
        }
    };
    if !parsed.has_segment("SCH") {
        return Err(Hl7Error::MissingSegment("SCH"));
    }
    let external_id = parsed
        .component("SCH", 2, 1)
        .or_else(|| parsed.component("SCH", 1, 1))
        .ok_or(Hl7Error::MissingField {
            segment: "SCH",
            field: 2,
        })?;
    if external_id.len() > MAX_ID || external_id.chars().any(char::is_control) {
        return Err(invalid("SCH", 2, "appointment id must be 1-64 characters"));
    }
    if event == ScheduleEvent::Cancelled {
        return Ok(ScheduleMessage {
            event,
            external_id,
            appointment: None,
        });
    }
    if !parsed.has_segment("PID") {
        return Err(Hl7Error::MissingSegment("PID"));
    }
    let start = [("AIS", 4, 1), ("SCH", 11, 4), ("TQ1", 7, 1)]
        .into_iter()
        .find_map(|(segment, field, component)| {
            parsed
                .component(segment, field, component)
                .map(|text| (segment, field, text))
        })
        .ok_or(Hl7Error::MissingField {
            segment: "AIS",
            field: 4,
        })?;
    let (segment, field, text) = start;
    let start = read_datetime(&text, zone)
        .ok_or_else(|| invalid(segment_name(segment), field, "not a date and time"))?;
    let family = parsed
        .component("PID", 5, 1)
        .ok_or(Hl7Error::MissingField {
            segment: "PID",
            field: 5,
        })?;
    let given = parsed
        .component("PID", 5, 2)
        .ok_or(Hl7Error::MissingField {
            segment: "PID",
            field: 5,
        })?;
    let patient =
        PersonName::new(&given, &family).map_err(|_| invalid("PID", 5, "not a usable name"))?;
    let date_of_birth = parsed
        .component("PID", 7, 1)
        .map(|text| {
            read_date(&text)
                .and_then(|date| DateOfBirth::new(date, start.date()).ok())
                .ok_or_else(|| invalid("PID", 7, "not a date of birth"))
        })
        .transpose()?;
    let provider = provider(parsed).ok_or(Hl7Error::MissingField {
        segment: "AIP",
        field: 3,
    })?;
    if provider.chars().count() > MAX_PROVIDER || provider.chars().any(char::is_control) {
        return Err(invalid("AIP", 3, "provider must be 1-80 characters"));
    }
    let patient_id = parsed.component("PID", 3, 1);
    if patient_id.as_ref().is_some_and(|id| id.len() > MAX_ID) {
        return Err(invalid("PID", 3, "patient id longer than 64 characters"));
    }
    Ok(ScheduleMessage {
        event,
        external_id,
        appointment: Some(SiuAppointment {
            day: start.date(),
            starts_at: start.time(),
            patient,
            date_of_birth,
            provider,
            patient_id,
            contact: contact(parsed),
            language: parsed
                .component("PID", 15, 1)
                .and_then(|code| Language::from_ehr(&code))
                .or_else(|| {
                    parsed
                        .component("PID", 15, 2)
                        .and_then(|name| Language::from_ehr(&name))
                }),
        }),
    })
}

/// Component `n` (1-based) of a repetition, empty when absent.
fn xtn(telecom: &[String], n: usize) -> &str {
    telecom.get(n - 1).map_or("", String::as_str)
}

/// PID-11 (the first address) and PID-13 (home phones and email) as contact details. A
/// value the hub cannot use (a number that is not a North American phone, an email that
/// is not an address, a line too long) is left out rather than refusing the visit.
fn contact(parsed: &Parsed<'_>) -> Option<ContactOnFile> {
    let telecoms = parsed.repetitions("PID", 13);
    let address = parsed.repetitions("PID", 11).into_iter().next();
    if telecoms.is_empty() && address.is_none() {
        return None;
    }
    let mut contact = ContactOnFile::default();
    let mut put = |field, value: Option<String>| {
        if let Some(value) = value {
            let _ = contact.set(field, &value);
        }
    };
    if let Some(address) = address {
        let part = |n: usize| address.get(n - 1).filter(|v| !v.is_empty()).cloned();
        put(ContactField::AddressLine1, part(1));
        put(ContactField::AddressLine2, part(2));
        put(ContactField::City, part(3));
        put(ContactField::State, part(4));
        put(ContactField::Zip, part(5));
    }
    // XTN: 2 use (NET: network address), 3 equipment (CP: cell, Internet), 4 email,
    // 6 area code, 7 local number, 12 unformatted number, 1 the number as written.
    let email = telecoms
        .iter()
        .map(|t| xtn(t, 4))
        .find(|text| EmailAddress::parse(text).is_ok());
    put(ContactField::Email, email.map(str::to_owned));
    let number = |telecom: &Vec<String>| {
        if xtn(telecom, 2) == "NET" || matches!(xtn(telecom, 3), "Internet" | "X.400" | "FX") {
            return None;
        }
        let split = format!("{}{}", xtn(telecom, 6), xtn(telecom, 7));
        [split.as_str(), xtn(telecom, 12), xtn(telecom, 1)]
            .into_iter()
            .find_map(|text| PhoneNumber::parse(text).ok())
    };
    // A cell phone first: it can take the text with the check-in code.
    let phone = telecoms
        .iter()
        .filter(|t| xtn(t, 3) == "CP")
        .find_map(number)
        .or_else(|| telecoms.iter().find_map(number));
    put(ContactField::Phone, phone.map(|p| p.formatted()));
    Some(contact)
}

fn invalid(segment: &'static str, field: usize, reason: &'static str) -> Hl7Error {
    Hl7Error::InvalidField {
        segment,
        field,
        reason,
    }
}

fn segment_name(name: &str) -> &'static str {
    match name {
        "AIS" => "AIS",
        "SCH" => "SCH",
        _ => "TQ1",
    }
}

/// "Dr. Demo Able" from an XCN (id^family^given^middle^suffix^prefix), or a CWE's text.
fn provider(parsed: &Parsed<'_>) -> Option<String> {
    for segment in ["AIP", "PV1"] {
        let field = if segment == "AIP" { 3 } else { 7 };
        let part = |n| parsed.component(segment, field, n).unwrap_or_default();
        let words = [part(6), part(3), part(4), part(2), part(5)];
        let name = words
            .iter()
            .filter(|w| !w.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        if !name.is_empty() {
            return Some(name);
        }
        // Only an id: better than nothing.
        let id = part(1);
        if !id.is_empty() {
            return Some(id);
        }
        if segment == "AIP"
            && let Some(text) = parsed
                .component("AIG", 3, 2)
                .or_else(|| parsed.component("AIG", 3, 1))
        {
            return Some(text);
        }
    }
    None
}

/// An HL7 date (`YYYYMMDD`, more digits ignored).
fn read_date(text: &str) -> Option<Date> {
    let digits = text.get(..8)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Date::new(
        digits[..4].parse().ok()?,
        digits[4..6].parse().ok()?,
        digits[6..8].parse().ok()?,
    )
    .ok()
}

/// An HL7 date and time to the minute at least (`YYYYMMDDHHMM[SS[.S+]][+/-ZZZZ]`), in
/// the clinic's wall-clock time: a time with an offset is moved into `zone`, one without
/// is taken as the clinic's own.
pub fn read_datetime(text: &str, zone: &TimeZone) -> Option<DateTime> {
    let (clock, offset) = match text.find(['+', '-']) {
        Some(at) => (&text[..at], Some(&text[at..])),
        None => (text, None),
    };
    let clock = clock.split('.').next()?;
    if clock.len() < 12 || clock.len() > 14 || !clock.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = read_date(clock)?;
    let hour: i8 = clock[8..10].parse().ok()?;
    let minute: i8 = clock[10..12].parse().ok()?;
    let second: i8 = match clock.get(12..14) {
        Some(s) => s.parse().ok()?,
        None if clock.len() == 12 => 0,
        None => return None,
    };
    let local = date.to_datetime(Time::new(hour, minute, second, 0).ok()?);
    let Some(offset) = offset else {
        return Some(local);
    };
    if offset.len() != 5 || !offset[1..].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i8 = offset[1..3].parse().ok()?;
    let minutes: i8 = offset[3..5].parse().ok()?;
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let seconds = sign * (i32::from(hours) * 3600 + i32::from(minutes) * 60);
    let offset = jiff::tz::Offset::from_seconds(seconds).ok()?;
    let instant = offset.to_timestamp(local).ok()?;
    Some(instant.to_zoned(zone.clone()).datetime())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hl7::message::parse;
    use jiff::civil::date;

    pub(crate) const S12: &str = "MSH|^~\\&|EHR|DEMO|FRONTDESK|DEMO|20261203080000||SIU^S12^SIU_S12|MSG-1|P|2.5.1\r\
        SCH|PL-7^EHR|FL-7^EHR|||||ROUTINE|||^^15^20261203093000|||||||||||||||BOOKED\r\
        PID|1||MRN-0042^^^DEMO^MR||Testpatient^Ada||19500101|F\r\
        RGS|1\r\
        AIS|1||OFFICE^Office visit|20261203093000|||15|min\r\
        AIP|1||1234^Able^Demo^^^Dr.|ATTENDING\r";

    #[test]
    fn reads_a_booking() {
        let parsed = parse(S12.as_bytes()).unwrap();
        let read = read(&parsed, &TimeZone::UTC).unwrap();
        assert_eq!(read.event, ScheduleEvent::Booked);
        assert_eq!(read.external_id, "FL-7");
        let a = read.appointment.unwrap();
        assert_eq!(a.day, date(2026, 12, 3));
        assert_eq!(a.starts_at, Time::constant(9, 30, 0, 0));
        assert_eq!(a.patient.staff_form().as_str(), "Testpatient, Ada");
        assert_eq!(a.date_of_birth.unwrap().date(), date(1950, 1, 1));
        assert_eq!(a.provider, "Dr. Demo Able");
        assert_eq!(a.patient_id.as_deref(), Some("MRN-0042"));
        assert_eq!(a.contact, None);
        assert_eq!(a.language, None);
    }

    #[test]
    fn reads_the_address_phones_email_and_language_reminders_need() {
        let with = |pid: &str| {
            let message = S12.replace(
                "PID|1||MRN-0042^^^DEMO^MR||Testpatient^Ada||19500101|F\r",
                &format!("{pid}\r"),
            );
            read(&parse(message.as_bytes()).unwrap(), &TimeZone::UTC)
                .unwrap()
                .appointment
                .unwrap()
        };
        let a = with(
            "PID|1||MRN-0042||Testpatient^Ada||19500101|F|||100 Test Lane^Apt 2^Springfield^IL^62701^USA^H||\
             ^PRN^PH^^1^217^5550100~^NET^Internet^ada.testpatient@example.com~^PRN^CP^^1^217^5550199||spa^Spanish^ISO639",
        );
        let contact = a.contact.unwrap();
        assert_eq!(
            contact.get(ContactField::AddressLine1),
            Some("100 Test Lane")
        );
        assert_eq!(contact.get(ContactField::AddressLine2), Some("Apt 2"));
        assert_eq!(contact.get(ContactField::City), Some("Springfield"));
        assert_eq!(contact.get(ContactField::State), Some("IL"));
        assert_eq!(contact.get(ContactField::Zip), Some("62701"));
        // The cell phone, though listed after the home phone.
        assert_eq!(contact.get(ContactField::Phone), Some("(217) 555-0199"));
        assert_eq!(
            contact.get(ContactField::Email),
            Some("ada.testpatient@example.com")
        );
        assert_eq!(a.language, Some(Language::Spanish));

        // 2.3-style: the number as written in XTN-1, the language by name only.
        let a = with("PID|1||MRN-0042||Testpatient^Ada||19500101|F|||||(217) 555-0100||^English");
        let contact = a.contact.unwrap();
        assert_eq!(contact.get(ContactField::Phone), Some("(217) 555-0100"));
        assert_eq!(contact.get(ContactField::Email), None);
        assert_eq!(contact.get(ContactField::City), None);
        assert_eq!(a.language, Some(Language::English));

        // What the hub cannot use is left out; the visit is still read.
        let a = with(
            "PID|1||MRN-0042||Testpatient^Ada||19500101|F|||||+44 20 7946 0000~^NET^Internet^not-an-address||vie",
        );
        assert!(a.contact.unwrap().is_empty());
        assert_eq!(a.language, None);
    }

    #[test]
    fn a_cancellation_needs_only_the_id_and_bad_content_is_typed() {
        let s15 = S12.replace("SIU^S12^SIU_S12", "SIU^S15^SIU_S12");
        let read = read(&parse(s15.as_bytes()).unwrap(), &TimeZone::UTC).unwrap();
        assert_eq!(read.event, ScheduleEvent::Cancelled);
        assert_eq!(read.appointment, None);

        let no_name = S12.replace("Testpatient^Ada", "");
        assert_eq!(
            super::read(&parse(no_name.as_bytes()).unwrap(), &TimeZone::UTC).unwrap_err(),
            Hl7Error::MissingField {
                segment: "PID",
                field: 5
            }
        );
        let bad_time = S12.replace("|20261203093000|||15", "|2026120|||15");
        assert!(matches!(
            super::read(&parse(bad_time.as_bytes()).unwrap(), &TimeZone::UTC).unwrap_err(),
            Hl7Error::InvalidField { segment: "AIS", .. }
        ));
        let adt = S12.replace("SIU^S12^SIU_S12", "ADT^A01");
        assert_eq!(
            super::read(&parse(adt.as_bytes()).unwrap(), &TimeZone::UTC).unwrap_err(),
            Hl7Error::UnknownMessageType("ADT^A01".into())
        );
    }

    #[test]
    fn times_with_an_offset_move_into_the_clinic_zone() {
        let chicago = TimeZone::get("America/Chicago").unwrap();
        let read = read_datetime("202612031530-0500", &chicago).unwrap();
        assert_eq!(read.time(), Time::constant(14, 30, 0, 0));
        assert_eq!(
            read_datetime("20261203093000.123", &chicago)
                .unwrap()
                .time(),
            Time::constant(9, 30, 0, 0)
        );
        assert_eq!(read_datetime("2026120309", &chicago), None);
        assert_eq!(read_datetime("202612030930+05", &chicago), None);
    }
}

//! Reads one page of the day's schedule: the Bundle a search
//! `Appointment?date=ge…&date=lt…&_include=Appointment:patient&_include=Appointment:practitioner`
//! returns, into visits for the appointment list. All or nothing: any entry that cannot be
//! used fails the page with a [`FhirError`] naming it by id, so a half-read day is never
//! stored.

use super::resources::{Appointment, Bundle, HumanName, Patient, Practitioner, ResourceHead};
use super::{FhirError, FhirId, split_reference};
use crate::domain::{ContactField, ContactOnFile, DateOfBirth, Language, PersonName};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use std::collections::HashMap;

/// The most entries one page may have (servers page at 10–1000).
pub const MAX_ENTRIES: usize = 5000;
/// The longest provider name kept (longer ones are cut).
const MAX_PROVIDER: usize = 80;

/// An appointment on the day's list, with what the Bundle says of its patient. PHI.
#[derive(Clone, PartialEq, Eq)]
pub struct ScheduledVisit {
    pub appointment: FhirId,
    pub patient_id: FhirId,
    pub day: Date,
    pub starts_at: Time,
    pub patient: PersonName,
    pub provider: String,
    pub date_of_birth: Option<DateOfBirth>,
    /// Contact points and the first address; a value the hub could not hold (too long) is
    /// left out rather than failing the day.
    pub contact: ContactOnFile,
    /// `(system, value)` of the patient's identifiers, medical record numbers first.
    pub identifiers: Vec<(Option<String>, String)>,
    /// `Patient.communication` (the preferred one first), when it names a language the
    /// kiosk speaks.
    pub language: Option<Language>,
}

impl std::fmt::Debug for ScheduledVisit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScheduledVisit")
            .field("appointment", &self.appointment)
            .field("patient_id", &self.patient_id)
            .field("day", &self.day)
            .field("starts_at", &self.starts_at)
            .finish_non_exhaustive()
    }
}

/// What one page says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedulePage {
    /// Booked (or already arrived) appointments starting on the day asked for.
    pub visits: Vec<ScheduledVisit>,
    /// Appointments the server says are off (cancelled, no-show, entered in error).
    pub cancelled: Vec<FhirId>,
    /// The next page's URL (`link[relation=next]`), if any.
    pub next: Option<String>,
}

/// Where an appointment stands, by R4's `AppointmentStatus` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppointmentStatus {
    /// proposed, pending, waitlist: not on the day's list yet.
    NotConfirmed,
    /// booked, arrived, checked-in, fulfilled.
    OnTheList,
    /// cancelled, noshow, entered-in-error.
    Off,
}

impl AppointmentStatus {
    pub fn parse(code: &str) -> Option<Self> {
        Some(match code {
            "proposed" | "pending" | "waitlist" => Self::NotConfirmed,
            "booked" | "arrived" | "checked-in" | "fulfilled" => Self::OnTheList,
            "cancelled" | "noshow" | "entered-in-error" => Self::Off,
            _ => return None,
        })
    }
}

/// Reads a search page for `day` (in the clinic's zone `tz`).
pub fn read_schedule(bytes: &[u8], tz: &TimeZone, day: Date) -> Result<SchedulePage, FhirError> {
    let bundle: Bundle = super::from_json(bytes)?;
    if bundle.resource_type != "Bundle" {
        return Err(FhirError::WrongResource { expected: "Bundle" });
    }
    if bundle.kind.as_deref() != Some("searchset") {
        return Err(FhirError::NotSearchset);
    }
    if bundle.entry.len() > MAX_ENTRIES {
        return Err(FhirError::TooManyEntries(MAX_ENTRIES));
    }
    let mut appointments = Vec::new();
    let mut patients = HashMap::new();
    let mut practitioners = HashMap::new();
    for entry in bundle.entry {
        let Some(resource) = entry.resource else {
            continue;
        };
        let head: ResourceHead = serde_json::from_value(resource.clone())?;
        match head.resource_type.as_str() {
            "Appointment" => {
                let read: Appointment = serde_json::from_value(resource)?;
                let id = read
                    .id
                    .as_deref()
                    .and_then(FhirId::new)
                    .ok_or(FhirError::BadId {
                        resource: "Appointment",
                    })?;
                appointments.push((id, read));
            }
            "Patient" => {
                let read: Patient = serde_json::from_value(resource)?;
                let id = read
                    .id
                    .as_deref()
                    .and_then(FhirId::new)
                    .ok_or(FhirError::BadId {
                        resource: "Patient",
                    })?;
                patients.insert(id, read);
            }
            "Practitioner" => {
                let read: Practitioner = serde_json::from_value(resource)?;
                let id = read
                    .id
                    .as_deref()
                    .and_then(FhirId::new)
                    .ok_or(FhirError::BadId {
                        resource: "Practitioner",
                    })?;
                practitioners.insert(id, read);
            }
            // Warnings (search.mode = outcome) and anything else included: not ours.
            _ => {}
        }
    }
    let mut page = SchedulePage {
        next: bundle
            .link
            .into_iter()
            .find(|l| l.relation == "next")
            .map(|l| l.url),
        ..SchedulePage::default()
    };
    for (id, appointment) in appointments {
        let invalid = |element| FhirError::Invalid {
            resource: "Appointment",
            id: id.clone(),
            element,
        };
        let missing = |element| FhirError::Missing {
            resource: "Appointment",
            id: id.clone(),
            element,
        };
        let status = appointment
            .status
            .as_deref()
            .ok_or_else(|| missing("status"))?;
        match AppointmentStatus::parse(status).ok_or_else(|| invalid("status"))? {
            AppointmentStatus::NotConfirmed => continue,
            AppointmentStatus::Off => {
                page.cancelled.push(id);
                continue;
            }
            AppointmentStatus::OnTheList => {}
        }
        let start: jiff::Timestamp = appointment
            .start
            .as_deref()
            .ok_or_else(|| missing("start"))?
            .parse()
            .map_err(|_| invalid("start"))?;
        let local = start.to_zoned(tz.clone());
        if local.date() != day {
            continue;
        }
        let mut patient_ref = None;
        let mut practitioner_ref = None;
        for actor in appointment
            .participant
            .iter()
            .filter_map(|p| p.actor.as_ref())
        {
            let Some(reference) = actor.reference.as_deref() else {
                continue;
            };
            match split_reference(reference) {
                Some(("Patient", target)) => patient_ref = patient_ref.or(Some(target)),
                Some(("Practitioner", target)) => {
                    practitioner_ref = practitioner_ref.or(Some((target, actor.display.clone())))
                }
                _ => {}
            }
        }
        let patient_id = patient_ref.ok_or_else(|| missing("participant (Patient)"))?;
        let patient = patients.get(&patient_id).ok_or(FhirError::Unresolved {
            appointment: id.clone(),
            kind: "Patient",
        })?;
        let provider = match practitioner_ref {
            None => "No provider".to_owned(),
            Some((target, display)) => match practitioners.get(&target) {
                Some(p) => pick_name(&p.name)
                    .map(provider_name)
                    .or(display)
                    .unwrap_or_else(|| "No provider".to_owned()),
                None => display.ok_or(FhirError::Unresolved {
                    appointment: id.clone(),
                    kind: "Practitioner",
                })?,
            },
        };
        page.visits
            .push(visit(id, patient_id, patient, local, provider, day)?);
    }
    Ok(page)
}

fn visit(
    appointment: FhirId,
    patient_id: FhirId,
    patient: &Patient,
    local: jiff::Zoned,
    provider: String,
    day: Date,
) -> Result<ScheduledVisit, FhirError> {
    let invalid = |element| FhirError::Invalid {
        resource: "Patient",
        id: patient_id.clone(),
        element,
    };
    let name = pick_name(&patient.name).ok_or_else(|| FhirError::Missing {
        resource: "Patient",
        id: patient_id.clone(),
        element: "name",
    })?;
    let first = name.given.join(" ");
    let last = name.family.as_deref().unwrap_or_default();
    let person = PersonName::new(&first, last).map_err(|_| invalid("name"))?;
    // A partial date (1961, 1961-02) says too little to match a patient by.
    let date_of_birth = match patient.birth_date.as_deref() {
        Some(text) if text.len() == 10 => {
            let date: Date = text.parse().map_err(|_| invalid("birthDate"))?;
            Some(DateOfBirth::new(date, day).map_err(|_| invalid("birthDate"))?)
        }
        _ => None,
    };
    let mut contact = ContactOnFile::default();
    let mut put = |field, value: Option<&str>| {
        if let Some(value) = value {
            let _ = contact.set(field, value);
        }
    };
    let telecom = |system: &str| {
        patient
            .telecom
            .iter()
            .find(|t| t.system.as_deref() == Some(system) && t.value.is_some())
            .and_then(|t| t.value.as_deref())
    };
    put(ContactField::Phone, telecom("phone"));
    put(ContactField::Email, telecom("email"));
    if let Some(address) = patient
        .address
        .iter()
        .find(|a| a.use_.as_deref() == Some("home"))
        .or(patient.address.first())
    {
        put(
            ContactField::AddressLine1,
            address.line.first().map(String::as_str),
        );
        put(
            ContactField::AddressLine2,
            address.line.get(1).map(String::as_str),
        );
        put(ContactField::City, address.city.as_deref());
        put(ContactField::State, address.state.as_deref());
        put(ContactField::Zip, address.postal_code.as_deref());
    }
    let is_mrn = |i: &&super::resources::Identifier| {
        i.kind
            .as_ref()
            .is_some_and(|k| k.coding.iter().any(|c| c.code.as_deref() == Some("MR")))
    };
    let mut identifiers: Vec<_> = patient.identifier.iter().filter(is_mrn).collect();
    identifiers.extend(patient.identifier.iter().filter(|i| !is_mrn(i)));
    Ok(ScheduledVisit {
        appointment,
        patient_id,
        day,
        starts_at: local.time(),
        patient: person,
        provider,
        date_of_birth,
        contact,
        identifiers: identifiers
            .into_iter()
            .filter_map(|i| Some((i.system.clone(), i.value.clone()?)))
            .collect(),
        language: spoken(patient),
    })
}

/// The patient's language: the preferred `communication` first, each by its codes, then
/// by its text.
fn spoken(patient: &Patient) -> Option<Language> {
    let mut communications: Vec<_> = patient.communication.iter().collect();
    communications.sort_by_key(|c| c.preferred != Some(true));
    communications.into_iter().find_map(|c| {
        c.language
            .coding
            .iter()
            .filter_map(|coding| coding.code.as_deref())
            .chain(c.language.text.as_deref())
            .find_map(Language::from_ehr)
    })
}

/// The official name, else the usual one, else the first.
fn pick_name(names: &[HumanName]) -> Option<&HumanName> {
    let by_use = |u: &str| names.iter().find(|n| n.use_.as_deref() == Some(u));
    by_use("official")
        .or_else(|| by_use("usual"))
        .or(names.first())
}

/// "Dr. Demo Able": prefixes, given names, family name; or the name's text.
fn provider_name(name: &HumanName) -> String {
    let parts: Vec<&str> = name
        .prefix
        .iter()
        .chain(&name.given)
        .map(String::as_str)
        .chain(name.family.as_deref())
        .collect();
    let text = if parts.is_empty() {
        name.text.clone().unwrap_or_default()
    } else {
        parts.join(" ")
    };
    text.chars().take(MAX_PROVIDER).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day() -> Date {
        Date::constant(2026, 12, 3)
    }

    fn bundle(entries: Vec<serde_json::Value>) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "resourceType": "Bundle", "type": "searchset",
            "entry": entries.into_iter().map(|r| json!({"resource": r})).collect::<Vec<_>>()
        }))
        .unwrap()
    }

    fn appointment(id: &str, status: &str, start: &str) -> serde_json::Value {
        json!({"resourceType": "Appointment", "id": id, "status": status, "start": start,
               "participant": [
                   {"actor": {"reference": "Patient/p-1"}, "status": "accepted"},
                   {"actor": {"reference": "Practitioner/dr-1"}, "status": "accepted"}]})
    }

    fn patient() -> serde_json::Value {
        json!({"resourceType": "Patient", "id": "p-1",
               "identifier": [{"system": "urn:other", "value": "X-1"},
                              {"type": {"coding": [{"code": "MR"}]}, "system": "urn:mrn", "value": "MRN-1"}],
               "name": [{"use": "nickname", "given": ["Addy"]},
                        {"use": "official", "family": "Testfhir", "given": ["Ada", "Q"]}],
               "birthDate": "1950-01-01",
               "telecom": [{"system": "phone", "value": "(217) 555-0100"}],
               "address": [{"use": "home", "line": ["100 Example St"], "city": "Exampleville",
                            "state": "TX", "postalCode": "75001"}]})
    }

    fn practitioner() -> serde_json::Value {
        json!({"resourceType": "Practitioner", "id": "dr-1",
               "name": [{"prefix": ["Dr."], "given": ["Demo"], "family": "Able"}]})
    }

    #[test]
    fn reads_a_day_with_its_patient_and_practitioner() {
        let tz = TimeZone::get("America/Chicago").unwrap();
        let page = read_schedule(
            &bundle(vec![
                appointment("a-1", "booked", "2026-12-03T09:30:00-06:00"),
                appointment("a-2", "cancelled", "2026-12-03T10:00:00-06:00"),
                appointment("a-3", "booked", "2026-12-04T09:30:00-06:00"),
                appointment("a-4", "proposed", "2026-12-03T11:00:00-06:00"),
                // 15:45 UTC is 09:45 in Chicago.
                appointment("a-5", "arrived", "2026-12-03T15:45:00Z"),
                patient(),
                practitioner(),
                json!({"resourceType": "OperationOutcome", "issue": []}),
            ]),
            &tz,
            day(),
        )
        .unwrap();
        let ids: Vec<_> = page.visits.iter().map(|v| v.appointment.as_str()).collect();
        assert_eq!(ids, ["a-1", "a-5"]);
        assert_eq!(page.cancelled, [FhirId::new("a-2").unwrap()]);
        let v = &page.visits[0];
        assert_eq!(v.starts_at, Time::constant(9, 30, 0, 0));
        assert_eq!(page.visits[1].starts_at, Time::constant(9, 45, 0, 0));
        assert_eq!(v.patient, PersonName::new("Ada Q", "Testfhir").unwrap());
        assert_eq!(v.provider, "Dr. Demo Able");
        assert_eq!(v.date_of_birth.unwrap().date(), Date::constant(1950, 1, 1));
        assert_eq!(v.contact.get(ContactField::Zip), Some("75001"));
        assert_eq!(v.identifiers[0], (Some("urn:mrn".into()), "MRN-1".into()));
        assert_eq!(v.language, None);
        assert!(!format!("{v:?}").contains("Testfhir"));
    }

    #[test]
    fn the_preferred_language_the_kiosk_speaks_is_read() {
        let speaking = |communication: serde_json::Value| {
            let mut patient = patient();
            patient["communication"] = communication;
            let page = read_schedule(
                &bundle(vec![
                    appointment("a-1", "booked", "2026-12-03T09:30:00Z"),
                    patient,
                    practitioner(),
                ]),
                &TimeZone::UTC,
                day(),
            )
            .unwrap();
            page.visits[0].language
        };
        let english =
            json!({"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "en"}]}});
        let spanish = json!({"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es-MX"}]},
                             "preferred": true});
        assert_eq!(speaking(json!([english, spanish])), Some(Language::Spanish));
        assert_eq!(speaking(json!([english])), Some(Language::English));
        let by_text = json!({"language": {"coding": [{"code": "x-local-7"}], "text": "Español"}});
        assert_eq!(speaking(json!([by_text])), Some(Language::Spanish));
        let vietnamese = json!({"language": {"coding": [{"code": "vi"}]}, "preferred": true});
        assert_eq!(speaking(json!([vietnamese])), None);
    }

    #[test]
    fn refuses_what_it_cannot_use_naming_ids_only() {
        let tz = TimeZone::UTC;
        let read = |entries| read_schedule(&bundle(entries), &tz, day());
        let at = "2026-12-03T09:30:00Z";
        assert!(matches!(
            read(vec![appointment("a-1", "booked", at), practitioner()]),
            Err(FhirError::Unresolved {
                kind: "Patient",
                ..
            })
        ));
        assert!(matches!(
            read(vec![appointment("a-1", "soon", at), patient()]),
            Err(FhirError::Invalid {
                element: "status",
                ..
            })
        ));
        assert!(matches!(
            read(vec![appointment("a-1", "booked", "tomorrow"), patient()]),
            Err(FhirError::Invalid {
                element: "start",
                ..
            })
        ));
        assert!(matches!(
            read(vec![appointment("a/1", "booked", at), patient()]),
            Err(FhirError::BadId { .. })
        ));
        let mut nameless = patient();
        nameless["name"] = json!([]);
        let error = read(vec![
            appointment("a-1", "booked", at),
            nameless,
            practitioner(),
        ])
        .unwrap_err();
        assert_eq!(error.to_string(), "Patient/p-1: name is missing");
        let mut bad_name = patient();
        bad_name["name"][1]["family"] = json!("Secret\u{7}name");
        let error = read(vec![
            appointment("a-1", "booked", at),
            bad_name,
            practitioner(),
        ])
        .unwrap_err();
        assert!(!error.to_string().contains("Secret"));
        for garbage in [&b"{"[..], b"[]", b"{\"resourceType\":\"Patient\"}", b"\xff"] {
            assert!(read_schedule(garbage, &tz, day()).is_err());
        }
        let not_search = br#"{"resourceType":"Bundle","type":"transaction"}"#;
        assert_eq!(
            read_schedule(not_search, &tz, day()),
            Err(FhirError::NotSearchset)
        );
    }
}

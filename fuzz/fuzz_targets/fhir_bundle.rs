//! Any bytes as what a FHIR server answers an Appointment search (a Bundle with its
//! patients and practitioners), to `fhir::schedule::read_schedule`; the same bytes as the
//! entries of a valid searchset Bundle, so the resource readers are reached; and any JSON
//! as the Appointment and Patient the hub updates on arrival (`fhir::write`).
#![no_main]

use frontdesk::domain::{ContactOnFile, PersonName};
use frontdesk::fhir::schedule::read_schedule;
use frontdesk::fhir::write::{self, PatientFacts};
use frontdesk::fhir::{FhirError, FhirId};
use jiff::civil::Date;
use libfuzzer_sys::fuzz_target;

const DAY: Date = Date::constant(2026, 12, 3);

fn read(bytes: &[u8]) {
    let zone = jiff::tz::TimeZone::UTC;
    match read_schedule(bytes, &zone, DAY) {
        Ok(page) => {
            for visit in &page.visits {
                // Only what starts on the day asked for, with a provider the list can hold.
                assert_eq!(visit.day, DAY);
                assert!(visit.provider.chars().count() <= 80);
                assert!(FhirId::new(visit.appointment.as_str()).is_some());
                // `Debug` names ids, never the patient.
                let debug = format!("{visit:?}");
                assert!(!debug.contains(visit.patient.last()), "{debug}");
            }
        }
        Err(error) => short(&error),
    }
}

/// Errors carry no content from the answer: they stay short.
fn short(error: &FhirError) {
    assert!(error.to_string().len() < 200, "{error}");
}

fuzz_target!(|data: &[u8]| {
    read(data);
    let mut wrapped = br#"{"resourceType":"Bundle","type":"searchset","entry":["#.to_vec();
    wrapped.extend_from_slice(data);
    wrapped.extend_from_slice(b"]}");
    read(&wrapped);

    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let id = FhirId::new("x-1").expect("a valid id");
        match write::arrived(value.clone(), &id) {
            Ok(write::ArrivalUpdate::Put(out)) => assert_eq!(out["status"], "arrived"),
            Ok(_) => {}
            Err(error) => short(&error),
        }
        match write::cancelled_coverage(value.clone(), &id) {
            Ok(write::CoverageCancel::Put(out)) => assert_eq!(out["status"], "cancelled"),
            Ok(write::CoverageCancel::AlreadyOff) => {}
            Err(error) => short(&error),
        }
        let facts = PatientFacts {
            name: PersonName::new("Ada", "Testfuzz").expect("a valid name"),
            date_of_birth: None,
            contact: ContactOnFile::default(),
            number: Some(("urn:frontdesk:patient-number".into(), "MRN-1".into())),
        };
        match write::updated_patient(value, &id, &facts) {
            Ok(out) => assert_eq!(out["id"], "x-1"),
            Err(error) => short(&error),
        }
    }
});

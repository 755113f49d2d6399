//! Arrivals out: ADT^A04 (register a patient: they are here for an outpatient visit) and
//! ADT^A08 (update patient information) built from what the office holds.

use super::message::{Parties, SegmentBuilder, join, msh};
use crate::domain::{ContactField, ContactOnFile, DateOfBirth, PersonName};

/// The event sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdtEvent {
    /// A04: the patient arrived (check-in, or an accepted new-patient registration).
    Register,
    /// A08: staff accepted changed details.
    Update,
}

impl AdtEvent {
    pub fn trigger(self) -> &'static str {
        match self {
            AdtEvent::Register => "A04",
            AdtEvent::Update => "A08",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "A04" => Some(AdtEvent::Register),
            "A08" => Some(AdtEvent::Update),
            _ => None,
        }
    }
}

/// What goes into the message. PHI: `Debug` shows the event only.
#[derive(Clone)]
pub struct AdtPatient {
    /// PID-3: the practice's patient number, or our own key when it has none.
    pub patient_id: String,
    /// PID-3.4: whose number it is ("the practice's" or ours).
    pub assigning_authority: String,
    pub name: PersonName,
    pub date_of_birth: Option<DateOfBirth>,
    pub contact: ContactOnFile,
    /// PV1-19: the visit (the appointment's id in the EHR).
    pub visit_number: String,
    /// PV1-7, as text.
    pub provider: String,
    /// PV1-44: the arrival, as an HL7 timestamp.
    pub arrived_at: Option<String>,
}

impl std::fmt::Debug for AdtPatient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdtPatient(..)")
    }
}

/// The message's text (segments ending with CR, unframed).
pub fn build(
    parties: &Parties,
    event: AdtEvent,
    control_id: &str,
    at: &str,
    patient: &AdtPatient,
) -> String {
    let trigger = event.trigger();
    let contact = |field| patient.contact.get(field).unwrap_or_default();
    let dob = patient
        .date_of_birth
        .map(|d| d.date().strftime("%Y%m%d").to_string())
        .unwrap_or_default();
    let segments = [
        msh(parties, at, ("ADT", trigger, "ADT_A01"), control_id),
        SegmentBuilder::new("EVN")
            .field(1, &[trigger])
            .field(2, &[at]),
        SegmentBuilder::new("PID")
            .field(1, &["1"])
            .field(
                3,
                &[
                    &patient.patient_id,
                    "",
                    "",
                    &patient.assigning_authority,
                    "MR",
                ],
            )
            .field(
                5,
                &[
                    patient.name.last(),
                    patient.name.first(),
                    "",
                    "",
                    "",
                    "",
                    "L",
                ],
            )
            .field(7, &[&dob])
            .field(
                11,
                &[
                    contact(ContactField::AddressLine1),
                    contact(ContactField::AddressLine2),
                    contact(ContactField::City),
                    contact(ContactField::State),
                    contact(ContactField::Zip),
                    "",
                    "H",
                ],
            )
            .field(
                13,
                &[
                    contact(ContactField::Phone),
                    "PRN",
                    "PH",
                    contact(ContactField::Email),
                ],
            ),
        SegmentBuilder::new("PV1")
            .field(1, &["1"])
            .field(2, &["O"])
            .field(7, &["", &patient.provider])
            .field(19, &[&patient.visit_number])
            .field(44, &[patient.arrived_at.as_deref().unwrap_or_default()]),
    ];
    join(&segments)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hl7::message::parse;

    #[test]
    fn an_a04_reads_back_with_escapes_decoded() {
        let mut contact = ContactOnFile::default();
        contact
            .set(ContactField::AddressLine1, "100 Example St")
            .unwrap();
        contact.set(ContactField::Phone, "(217) 555-0100").unwrap();
        let patient = AdtPatient {
            patient_id: "MRN-0042".into(),
            assigning_authority: "DEMO".into(),
            name: PersonName::new("Ada", "Test&patient").unwrap(),
            date_of_birth: None,
            contact,
            visit_number: "FL-7".into(),
            provider: "Dr. Demo Able".into(),
            arrived_at: Some("20261203092500+0000".into()),
        };
        let parties = Parties {
            sending_application: "FRONTDESK".into(),
            sending_facility: "DEMO".into(),
            receiving_application: "EHR".into(),
            receiving_facility: "DEMO".into(),
        };
        let text = build(
            &parties,
            AdtEvent::Register,
            "FD-1",
            "20261203092500+0000",
            &patient,
        );
        assert!(text.contains("\rPID|1||MRN-0042^^^DEMO^MR||Test\\T\\patient^Ada^^^^^L|"));
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.header.trigger, "A04");
        assert_eq!(parsed.header.control_id, "FD-1");
        assert_eq!(parsed.component("PID", 5, 1).unwrap(), "Test&patient");
        assert_eq!(parsed.component("PID", 13, 1).unwrap(), "(217) 555-0100");
        assert_eq!(parsed.component("PV1", 19, 1).unwrap(), "FL-7");
    }
}

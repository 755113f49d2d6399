//! The resources the hub writes on arrival: `Appointment.status = arrived` (on the
//! resource the server gave, so nothing we do not model is lost), the patient's
//! `Patient` (new, or what the server holds with our contact details in), an
//! `Encounter` when the practice wants one, the patient's insurance as `Coverage` and
//! the documents they signed as `Consent`.

use super::resources::{
    Address, CodeableConcept, Coding, Consent, ConsentPolicy, ConsentProvision, ContactPoint,
    Coverage, CoverageClass, Encounter, HumanName, Identifier, Patient, PayorReference, Period,
    Reference, ResourceHead,
};
use super::{FhirError, FhirId};
use crate::domain::{ContactField, ContactOnFile, CoverageRank, DateOfBirth, PersonName};
use serde_json::Value;

/// What the hub knows of a patient, to write. PHI.
#[derive(Clone)]
pub struct PatientFacts {
    pub name: PersonName,
    pub date_of_birth: Option<DateOfBirth>,
    pub contact: ContactOnFile,
    /// The practice's patient number, with the system it belongs to.
    pub number: Option<(String, String)>,
}

/// A new `Patient` from what the hub knows.
pub fn new_patient(facts: &PatientFacts) -> Patient {
    Patient {
        resource_type: "Patient".into(),
        id: None,
        identifier: facts
            .number
            .iter()
            .map(|(system, value)| mrn(system, value))
            .collect(),
        active: Some(true),
        name: vec![HumanName {
            use_: Some("official".into()),
            family: Some(facts.name.last().to_owned()),
            given: vec![facts.name.first().to_owned()],
            ..HumanName::default()
        }],
        telecom: telecom(&facts.contact),
        birth_date: facts.date_of_birth.map(|d| d.date().to_string()),
        address: address(&facts.contact).into_iter().collect(),
        communication: Vec::new(),
    }
}

fn mrn(system: &str, value: &str) -> Identifier {
    Identifier {
        use_: Some("usual".into()),
        kind: Some(CodeableConcept {
            coding: vec![Coding {
                system: Some("http://terminology.hl7.org/CodeSystem/v2-0203".into()),
                code: Some("MR".into()),
                display: None,
            }],
            text: None,
        }),
        system: Some(system.to_owned()),
        value: Some(value.to_owned()),
    }
}

fn telecom(contact: &ContactOnFile) -> Vec<ContactPoint> {
    [
        ("phone", ContactField::Phone),
        ("email", ContactField::Email),
    ]
    .into_iter()
    .filter_map(|(system, field)| {
        Some(ContactPoint {
            system: Some(system.into()),
            value: Some(contact.get(field)?.to_owned()),
            use_: (system == "phone").then(|| "home".into()),
        })
    })
    .collect()
}

fn address(contact: &ContactOnFile) -> Option<Address> {
    let get = |field| contact.get(field).map(str::to_owned);
    let address = Address {
        use_: Some("home".into()),
        line: [ContactField::AddressLine1, ContactField::AddressLine2]
            .into_iter()
            .filter_map(get)
            .collect(),
        city: get(ContactField::City),
        state: get(ContactField::State),
        postal_code: get(ContactField::Zip),
    };
    let empty = address.line.is_empty()
        && address.city.is_none()
        && address.state.is_none()
        && address.postal_code.is_none();
    (!empty).then_some(address)
}

/// Checks that `resource` is the `expected` resource `id`.
fn check(resource: &Value, expected: &'static str, id: &FhirId) -> Result<(), FhirError> {
    let head: ResourceHead = serde_json::from_value(resource.clone())?;
    if head.resource_type != expected {
        return Err(FhirError::WrongResource { expected });
    }
    if head.id.as_deref() != Some(id.as_str()) {
        return Err(FhirError::Invalid {
            resource: expected,
            id: id.clone(),
            element: "id",
        });
    }
    Ok(())
}

/// The server's `Patient` `id` with our details in: our phone and email replace its
/// contact points of those kinds, our address its home address; its birth date is filled
/// if it has none, our patient number added if it lacks it. The rest is left as it was.
pub fn updated_patient(
    mut existing: Value,
    id: &FhirId,
    facts: &PatientFacts,
) -> Result<Value, FhirError> {
    check(&existing, "Patient", id)?;
    let ours = new_patient(facts);
    let Some(object) = existing.as_object_mut() else {
        return Err(FhirError::WrongResource {
            expected: "Patient",
        });
    };
    let mut points: Vec<ContactPoint> = match object.get("telecom") {
        Some(v) => serde_json::from_value(v.clone())?,
        None => Vec::new(),
    };
    for point in &ours.telecom {
        points.retain(|p| p.system != point.system);
    }
    points.extend(ours.telecom.iter().cloned());
    if !points.is_empty() {
        object.insert("telecom".into(), serde_json::to_value(points)?);
    }
    if let Some(home) = ours.address.first() {
        let mut addresses: Vec<Value> = match object.get("address") {
            Some(v) => serde_json::from_value(v.clone())?,
            None => Vec::new(),
        };
        addresses.retain(|a| a.get("use").and_then(Value::as_str) != Some("home"));
        addresses.insert(0, serde_json::to_value(home)?);
        object.insert("address".into(), Value::Array(addresses));
    }
    if !object.contains_key("birthDate")
        && let Some(date) = &ours.birth_date
    {
        object.insert("birthDate".into(), Value::String(date.clone()));
    }
    if let Some((system, value)) = &facts.number {
        let mut identifiers: Vec<Value> = match object.get("identifier") {
            Some(v) => serde_json::from_value(v.clone())?,
            None => Vec::new(),
        };
        let has = identifiers.iter().any(|i| {
            i.get("system").and_then(Value::as_str) == Some(system)
                && i.get("value").and_then(Value::as_str) == Some(value)
        });
        if !has {
            identifiers.push(serde_json::to_value(mrn(system, value))?);
            object.insert("identifier".into(), Value::Array(identifiers));
        }
    }
    Ok(existing)
}

/// What to do with the server's `Appointment` `id` on arrival.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrivalUpdate {
    /// Write this (the same resource, `status = arrived`).
    Put(Value),
    /// The server has it as arrived (or further along) already.
    AlreadyArrived,
    /// Cancelled, no-show or entered in error at the server: not ours to revive.
    Off,
}

/// The server's `Appointment` with `status = arrived`.
pub fn arrived(mut existing: Value, id: &FhirId) -> Result<ArrivalUpdate, FhirError> {
    check(&existing, "Appointment", id)?;
    let status = existing
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| FhirError::Missing {
            resource: "Appointment",
            id: id.clone(),
            element: "status",
        })?;
    use super::schedule::AppointmentStatus;
    match AppointmentStatus::parse(status) {
        None => Err(FhirError::Invalid {
            resource: "Appointment",
            id: id.clone(),
            element: "status",
        }),
        Some(AppointmentStatus::Off) => Ok(ArrivalUpdate::Off),
        Some(_) if ["arrived", "checked-in", "fulfilled"].contains(&status) => {
            Ok(ArrivalUpdate::AlreadyArrived)
        }
        Some(_) => {
            existing["status"] = Value::String("arrived".into());
            Ok(ArrivalUpdate::Put(existing))
        }
    }
}

/// An ambulatory `Encounter` for the visit, arrived at `arrived_at` (an R4 `dateTime`).
pub fn encounter(patient: &FhirId, appointment: &FhirId, arrived_at: &str) -> Encounter {
    Encounter {
        resource_type: "Encounter".into(),
        status: "arrived".into(),
        class: Coding {
            system: Some("http://terminology.hl7.org/CodeSystem/v3-ActCode".into()),
            code: Some("AMB".into()),
            display: Some("ambulatory".into()),
        },
        subject: Reference::to("Patient", patient.as_str()),
        appointment: vec![Reference::to("Appointment", appointment.as_str())],
        period: Period {
            start: Some(arrived_at.to_owned()),
        },
    }
}

/// R4's table of identifier types (`MR`: medical record number, `MB`: member number).
const V2_0203: &str = "http://terminology.hl7.org/CodeSystem/v2-0203";

fn coded(system: &str, code: &str, display: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(system.to_owned()),
            code: Some(code.to_owned()),
            display: Some(display.to_owned()),
        }],
        text: None,
    }
}

/// One of the patient's plans, to write as a `Coverage`. PHI.
#[derive(Clone)]
pub struct CoverageFacts<'a> {
    /// The resource's id (the hub's: the same plan of the same answer is the same id).
    pub id: &'a FhirId,
    /// The server's `Patient` (the beneficiary).
    pub patient: &'a FhirId,
    pub coverage: &'a crate::domain::Coverage,
    /// The payer's name: the office's payer list's for a listed payer id, else as typed.
    pub payer_name: &'a str,
    /// The system of payer ids in `Coverage.payor.identifier`.
    pub payer_system: &'a str,
}

/// An active `Coverage` of the patient: the payer (by payer id and name), the member id as
/// `subscriberId`, the group as a `group` class, the patient's relationship to the
/// subscriber, and the plan's order (primary 1, secondary 2). A subscriber who is not the
/// patient is named by display only: the hub has no resource for them.
pub fn coverage(facts: &CoverageFacts<'_>) -> Coverage {
    let plan = facts.coverage;
    let patient = Reference::to("Patient", facts.patient.as_str());
    let relationship = plan.relationship();
    let subscriber = match plan.subscriber() {
        None => Some(patient.clone()),
        Some(other) => Some(Reference {
            reference: None,
            display: Some(format!("{} {}", other.name.first(), other.name.last())),
        }),
    };
    Coverage {
        resource_type: "Coverage".into(),
        id: facts.id.as_str().to_owned(),
        identifier: vec![Identifier {
            use_: Some("usual".into()),
            kind: Some(coded(V2_0203, "MB", "Member Number")),
            system: None,
            value: Some(plan.member_id().as_str().to_owned()),
        }],
        status: "active".into(),
        kind: None,
        subscriber,
        subscriber_id: Some(plan.member_id().as_str().to_owned()),
        beneficiary: patient,
        relationship: coded(
            "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            relationship.as_str(),
            relationship.english(),
        ),
        payor: vec![PayorReference {
            reference: None,
            identifier: plan.payer().id.as_ref().map(|id| Identifier {
                system: Some(facts.payer_system.to_owned()),
                value: Some(id.as_str().to_owned()),
                ..Identifier::default()
            }),
            display: Some(facts.payer_name.to_owned()),
        }],
        class: plan
            .group()
            .map(|group| CoverageClass {
                kind: coded(
                    "http://terminology.hl7.org/CodeSystem/coverage-class",
                    "group",
                    "Group",
                ),
                value: group.as_str().to_owned(),
            })
            .into_iter()
            .collect(),
        order: Some(match plan.rank() {
            CoverageRank::Primary => 1,
            CoverageRank::Secondary => 2,
        }),
    }
}

/// The patient pays themselves: an active `Coverage` of type `pay` (R4's
/// `http://terminology.hl7.org/CodeSystem/coverage-selfpay`, in the `coverage-type` value
/// set) whose payor is the patient, as R4's Coverage notes say for self-pay. `id`: the
/// hub's id of the answer's self-pay.
pub fn self_pay_coverage(id: &FhirId, patient: &FhirId) -> Coverage {
    let patient = Reference::to("Patient", patient.as_str());
    let relationship = crate::domain::SubscriberRelationship::Patient;
    Coverage {
        resource_type: "Coverage".into(),
        id: id.as_str().to_owned(),
        identifier: Vec::new(),
        status: "active".into(),
        kind: Some(coded(
            "http://terminology.hl7.org/CodeSystem/coverage-selfpay",
            "pay",
            "PAY",
        )),
        subscriber: Some(patient.clone()),
        subscriber_id: None,
        payor: vec![PayorReference {
            reference: patient.reference.clone(),
            ..PayorReference::default()
        }],
        beneficiary: patient,
        relationship: coded(
            "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            relationship.as_str(),
            relationship.english(),
        ),
        class: Vec::new(),
        order: None,
    }
}

/// What cancelling a `Coverage` the hub wrote comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum CoverageCancel {
    /// The server's resource with `status = cancelled`, to PUT back.
    Put(Value),
    /// Already cancelled or entered in error at the server: nothing to write.
    AlreadyOff,
}

/// The server's `Coverage` `id` with `status = cancelled` (a newer answer at the same
/// visit replaced it); the rest is left as the server holds it.
pub fn cancelled_coverage(mut existing: Value, id: &FhirId) -> Result<CoverageCancel, FhirError> {
    check(&existing, "Coverage", id)?;
    match existing.get("status").and_then(Value::as_str) {
        Some("cancelled" | "entered-in-error") => Ok(CoverageCancel::AlreadyOff),
        Some("active" | "draft") => {
            existing["status"] = Value::String("cancelled".into());
            Ok(CoverageCancel::Put(existing))
        }
        _ => Err(FhirError::Invalid {
            resource: "Coverage",
            id: id.clone(),
            element: "status",
        }),
    }
}

/// What a signed document is about, as R4's `Consent.scope` says it
/// (`http://terminology.hl7.org/CodeSystem/consentscope`; advance directives and research
/// are not signed at a kiosk).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsentScope {
    /// A privacy notice acknowledged, or a disclosure permitted.
    PatientPrivacy,
    /// Consent to treatment (and the practice's terms that go with it, such as its
    /// financial policy).
    Treatment,
}

/// A document the patient signed, to write as a `Consent`. PHI (whose consent, when).
#[derive(Clone)]
pub struct ConsentFacts<'a> {
    /// The resource's id: the kiosk-made id of the signature.
    pub id: &'a FhirId,
    /// The server's `Patient`.
    pub patient: &'a FhirId,
    pub scope: ConsentScope,
    /// When it was signed (an R4 `dateTime` with its zone).
    pub signed_at: &'a str,
    /// The document and version signed, as a URI.
    pub policy: String,
}

/// An active `Consent`: the patient agreed (`provision.type = permit`, from the moment
/// they signed) to the document `policy` names, and signed it themselves (`performer`).
/// Privacy notices are categorised as LOINC 57016-8 (privacy policy acknowledgment),
/// everything else as LOINC 59284-0 (patient consent).
pub fn consent(facts: &ConsentFacts<'_>) -> Consent {
    let patient = Reference::to("Patient", facts.patient.as_str());
    let (scope, category) = match facts.scope {
        ConsentScope::PatientPrivacy => (
            ("patient-privacy", "Privacy Consent"),
            ("57016-8", "Privacy policy acknowledgment Document"),
        ),
        ConsentScope::Treatment => (("treatment", "Treatment"), ("59284-0", "Patient Consent")),
    };
    Consent {
        resource_type: "Consent".into(),
        id: facts.id.as_str().to_owned(),
        identifier: vec![Identifier {
            system: Some("urn:ietf:rfc:3986".into()),
            value: Some(format!("urn:uuid:{}", facts.id)),
            ..Identifier::default()
        }],
        status: "active".into(),
        scope: coded(
            "http://terminology.hl7.org/CodeSystem/consentscope",
            scope.0,
            scope.1,
        ),
        category: vec![coded("http://loinc.org", category.0, category.1)],
        patient: patient.clone(),
        date_time: facts.signed_at.to_owned(),
        performer: vec![patient],
        policy: vec![ConsentPolicy {
            uri: facts.policy.clone(),
        }],
        provision: ConsentProvision {
            kind: "permit".into(),
            period: Period {
                start: Some(facts.signed_at.to_owned()),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn facts() -> PatientFacts {
        let mut contact = ContactOnFile::default();
        contact.set(ContactField::Phone, "(217) 555-0199").unwrap();
        contact
            .set(ContactField::AddressLine1, "1 New Example St")
            .unwrap();
        contact.set(ContactField::Zip, "75002").unwrap();
        PatientFacts {
            name: PersonName::new("Ada", "Testfhir").unwrap(),
            date_of_birth: None,
            contact,
            number: Some(("urn:mrn".into(), "MRN-1".into())),
        }
    }

    #[test]
    fn an_update_keeps_what_it_does_not_know() {
        let id = FhirId::new("p-1").unwrap();
        let server = json!({"resourceType": "Patient", "id": "p-1", "gender": "female",
            "meta": {"versionId": "3"},
            "telecom": [{"system": "phone", "value": "(217) 555-0100"},
                        {"system": "fax", "value": "(217) 555-0101"}],
            "address": [{"use": "work", "city": "Elsewhere"}, {"use": "home", "city": "Old"}],
            "birthDate": "1950-01-01"});
        let out = updated_patient(server, &id, &facts()).unwrap();
        assert_eq!(out["gender"], "female");
        assert_eq!(out["meta"]["versionId"], "3");
        assert_eq!(out["birthDate"], "1950-01-01");
        let systems: Vec<_> = out["telecom"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["system"].as_str().unwrap(), t["value"].as_str().unwrap()))
            .collect();
        assert_eq!(
            systems,
            [("fax", "(217) 555-0101"), ("phone", "(217) 555-0199")]
        );
        assert_eq!(out["address"][0]["line"], json!(["1 New Example St"]));
        assert_eq!(out["address"][1]["use"], "work");
        assert_eq!(out["address"].as_array().unwrap().len(), 2);
        assert_eq!(out["identifier"][0]["value"], "MRN-1");
        let other = FhirId::new("p-2").unwrap();
        assert!(
            updated_patient(
                json!({"resourceType": "Patient", "id": "p-1"}),
                &other,
                &facts()
            )
            .is_err()
        );
    }

    #[test]
    fn arrival_only_moves_a_booked_appointment() {
        let id = FhirId::new("a-1").unwrap();
        let booked = json!({"resourceType": "Appointment", "id": "a-1", "status": "booked",
                            "participant": [{"status": "accepted"}]});
        let ArrivalUpdate::Put(out) = arrived(booked, &id).unwrap() else {
            panic!()
        };
        assert_eq!(out["status"], "arrived");
        assert_eq!(out["participant"][0]["status"], "accepted");
        let here = json!({"resourceType": "Appointment", "id": "a-1", "status": "fulfilled"});
        assert_eq!(arrived(here, &id).unwrap(), ArrivalUpdate::AlreadyArrived);
        let off = json!({"resourceType": "Appointment", "id": "a-1", "status": "noshow"});
        assert_eq!(arrived(off, &id).unwrap(), ArrivalUpdate::Off);
        let patient = json!({"resourceType": "Patient", "id": "a-1"});
        assert!(arrived(patient, &id).is_err());
    }
}

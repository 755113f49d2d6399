//! serde types for the FHIR R4 resources the hub reads and writes: only the elements we
//! use. Reading ignores the rest (servers send `meta`, `text`, extensions, ...); a write
//! that updates a resource the server holds changes those elements in the JSON it gave
//! (see [`super::write`]), so what we do not model is kept.

use serde::{Deserialize, Serialize};

/// A search result (`Bundle.type = searchset`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub link: Vec<BundleLink>,
    #[serde(default)]
    pub entry: Vec<BundleEntry>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

/// One entry; its resource is read as JSON first and typed by its `resourceType`.
#[derive(Debug, Clone, Deserialize)]
pub struct BundleEntry {
    pub resource: Option<serde_json::Value>,
}

/// Just enough of any resource to tell what it is.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceHead {
    pub resource_type: String,
    pub id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    pub fn to(kind: &str, id: &str) -> Self {
        Self {
            reference: Some(format!("{kind}/{id}")),
            display: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HumanName {
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefix: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPoint {
    /// phone | fax | email | pager | url | sms | other
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct AppointmentParticipant {
    pub actor: Option<Reference>,
}

/// `Appointment`, as read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    pub resource_type: String,
    pub id: Option<String>,
    pub status: Option<String>,
    pub start: Option<String>,
    #[serde(default)]
    pub participant: Vec<AppointmentParticipant>,
}

/// `Patient`, as read and as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    pub resource_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub telecom: Vec<ContactPoint>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<Address>,
    /// Languages the patient speaks; only read (an update keeps the server's).
    #[serde(default, skip_serializing)]
    pub communication: Vec<PatientCommunication>,
}

/// One of `Patient.communication`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PatientCommunication {
    pub language: CodeableConcept,
    pub preferred: Option<bool>,
}

/// `Practitioner`, as read.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Practitioner {
    pub id: Option<String>,
    #[serde(default)]
    pub name: Vec<HumanName>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
}

/// `Encounter`, as written on arrival (when configured).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    pub resource_type: String,
    pub status: String,
    /// R4's `class` is one Coding (v3 ActCode), not a CodeableConcept.
    pub class: Coding,
    pub subject: Reference,
    pub appointment: Vec<Reference>,
    pub period: Period,
}

/// `OperationOutcome`: what a server says went wrong. Only the issue codes are used
/// (diagnostics may quote what was sent).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationOutcome {
    pub resource_type: String,
    #[serde(default)]
    pub issue: Vec<OutcomeIssue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OutcomeIssue {
    pub severity: Option<String>,
    pub code: Option<String>,
}

/// `Coverage.class`: one of the plan's classes (only `group` is written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageClass {
    #[serde(rename = "type")]
    pub kind: CodeableConcept,
    pub value: String,
}

/// `Coverage`, as written on check-in: one of the patient's insurance plans, or the
/// patient paying themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    pub resource_type: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: String,
    /// Set for self-pay only (`coverage-selfpay#pay`); a plan's type is the payer's.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<CodeableConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Reference>,
    /// The member id of a plan; self-pay has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_id: Option<String>,
    pub beneficiary: Reference,
    pub relationship: CodeableConcept,
    pub payor: Vec<PayorReference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class: Vec<CoverageClass>,
    /// 1 for the primary plan, 2 for the secondary; self-pay has no order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
}

/// `Coverage.payor`: a plan's payer named by identifier (R4 `Reference.identifier`: the
/// payer is known by its payer id, not as a resource on the server), or for self-pay the
/// server's `Patient` by reference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayorReference {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// `Consent.policy`: the document the patient agreed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentPolicy {
    pub uri: String,
}

/// `Consent.provision`: what the consent permits, from when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentProvision {
    #[serde(rename = "type")]
    pub kind: String,
    pub period: Period,
}

/// `Consent`, as written on check-in: a document the patient signed at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub resource_type: String,
    pub id: String,
    pub identifier: Vec<Identifier>,
    pub status: String,
    pub scope: CodeableConcept,
    pub category: Vec<CodeableConcept>,
    pub patient: Reference,
    pub date_time: String,
    pub performer: Vec<Reference>,
    pub policy: Vec<ConsentPolicy>,
    pub provision: ConsentProvision,
}

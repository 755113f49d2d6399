//! The kiosk ↔ office wire contract (JSON under `/api/kiosk/v1`), shared by both programs
//! so the two sides cannot drift apart.

use crate::checkin::RosterEntry;
use crate::consent::{SignedConsent, SignedVersion};
use crate::domain::{
    AmountDue, AppointmentId, Cents, CheckInId, ClinicId, ContactOnFile, DetailsChangeError,
    DetailsChangeId, FieldChange, IdentityKey, NewPatientRegistration, PaymentId, PaymentOutcome,
    RegistrationId, SexOptions, StaffNeed, check_changes,
};
use crate::domain::{
    CardPhotoId, CardSide, CoverageAnswer, CoverageRank, CoverageSubmissionId, IntakeResponseId,
    Language, PayerId, PayerName, SignedConsentId, SubscriberRelationship,
};
use crate::questionnaire::fhir::FhirQuestionnaireResponse;
use crate::seal::{SealError, SealPublicKey, SealSecretKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Path prefix of the kiosk API.
pub const KIOSK_API: &str = "/api/kiosk/v1";

/// The error code the office answers a disabled kiosk with (403): it keeps its credential
/// and shows "not set up" until an administrator enables it again.
pub const KIOSK_DISABLED: &str = "kiosk_disabled";

/// `GET /api/kiosk/v1/config`: what a kiosk needs from its office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskConfig {
    pub clinic: ClinicId,
    pub clinic_name: String,
    /// IANA zone the clinic's day is counted in, e.g. `America/Chicago`.
    pub timezone: String,
    /// Ed25519 key that signs check-in tokens, base64 (standard, padded).
    pub token_public_key: String,
    /// X25519 key the kiosk seals its outbox to, base64 (standard, padded).
    pub seal_public_key: SealPublicKey,
    /// The sex / gender choices the registration form offers; absent from offices that
    /// predate registration (the kiosk then offers [`SexOptions::default`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex_options: Option<SexOptions>,
}

/// A check-in, carried sealed inside a [`SealedDelivery`]; idempotent by `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInSubmission {
    pub id: CheckInId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub arrived_at: Timestamp,
}

#[cfg(test)]
impl CheckInSubmission {
    /// A fresh submission for clinic 1 and `appointment`, arrived at a fixed time.
    pub(crate) fn sample(appointment: u64) -> Self {
        Self {
            id: CheckInId::random(),
            clinic: ClinicId::new(1).expect("clinic 1 is valid"),
            appointment: AppointmentId::new(appointment),
            arrived_at: "2026-11-23T15:00:00Z".parse().expect("a valid timestamp"),
        }
    }
}

/// How a co-pay payment at the kiosk ended, carried sealed inside a [`SealedDelivery`];
/// idempotent by `id`. Sent once per payment, when it is settled (live, or by
/// reconciliation after a restart).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentSubmission {
    pub id: PaymentId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    /// What the office said was due when the patient started.
    pub due: AmountDue,
    /// When the payment was settled.
    pub settled_at: Timestamp,
    pub outcome: PaymentOutcome,
}

#[cfg(test)]
impl PaymentSubmission {
    /// A fresh approved $25.00 co-pay for clinic 1 and `appointment`.
    pub(crate) fn sample(appointment: u64) -> Self {
        use crate::domain::{AuthCode, Cents, MaskedCard, TerminalReceiptNo};
        Self {
            id: PaymentId::random(),
            clinic: ClinicId::new(1).expect("clinic 1 is valid"),
            appointment: AppointmentId::new(appointment),
            due: AmountDue {
                copay: Cents::new(2500),
                balance: Cents::ZERO,
            },
            settled_at: "2026-11-23T15:02:00Z".parse().expect("a valid timestamp"),
            outcome: PaymentOutcome::Paid {
                amount: Cents::new(2500),
                card: MaskedCard::new("************0019").expect("a masked card"),
                auth_code: AuthCode::new("A1B2C3").expect("an auth code"),
                receipt_no: TerminalReceiptNo::new(42).expect("a receipt number"),
                recovered: false,
            },
        }
    }
}

/// A new patient's registration, carried sealed inside a [`SealedDelivery`]; idempotent
/// by `id`. `Debug` names no one (see [`NewPatientRegistration`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationSubmission {
    pub id: RegistrationId,
    pub clinic: ClinicId,
    /// When the patient finished the form, by the kiosk's clock.
    pub submitted_at: Timestamp,
    pub registration: NewPatientRegistration,
}

#[cfg(test)]
impl RegistrationSubmission {
    /// A fresh registration of the sample patient for clinic 1.
    pub(crate) fn sample() -> Self {
        Self {
            id: RegistrationId::random(),
            clinic: ClinicId::new(1).expect("clinic 1 is valid"),
            submitted_at: "2026-11-23T15:00:00Z".parse().expect("a valid timestamp"),
            registration: NewPatientRegistration::sample(),
        }
    }
}

/// A returning patient's change to their contact details, carried sealed inside a
/// [`SealedDelivery`]; idempotent by `id`. Staff approve or reject each field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawDetailsChange")]
pub struct DetailsChangeSubmission {
    pub id: DetailsChangeId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub submitted_at: Timestamp,
    /// At most one per field.
    pub changes: Vec<FieldChange>,
    /// The kiosk could not fetch the details on file (offline): the desk should go over
    /// them with the patient. May come with no changes.
    pub unchecked_offline: bool,
}

#[derive(Deserialize)]
struct RawDetailsChange {
    id: DetailsChangeId,
    clinic: ClinicId,
    appointment: AppointmentId,
    submitted_at: Timestamp,
    changes: Vec<FieldChange>,
    #[serde(default)]
    unchecked_offline: bool,
}

impl TryFrom<RawDetailsChange> for DetailsChangeSubmission {
    type Error = DetailsChangeError;
    fn try_from(raw: RawDetailsChange) -> Result<Self, DetailsChangeError> {
        check_changes(&raw.changes, raw.unchecked_offline)?;
        Ok(Self {
            id: raw.id,
            clinic: raw.clinic,
            appointment: raw.appointment,
            submitted_at: raw.submitted_at,
            changes: raw.changes,
            unchecked_offline: raw.unchecked_offline,
        })
    }
}

/// `GET /api/kiosk/v1/appointments/{handle}/contact`: the contact details on file for
/// one of today's appointments, for the patient to confirm. PHI: the office audits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentContact {
    pub appointment: AppointmentId,
    pub contact: ContactOnFile,
}

/// Whom a consent or an intake questionnaire belongs to: a returning patient's appointment
/// today, or a new patient's registration (not yet an appointment until staff accept it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FormSubject {
    Appointment(AppointmentId),
    Registration(RegistrationId),
}

/// One consent document the patient signed at the kiosk, carried sealed inside a
/// [`SealedDelivery`]; idempotent by `id`. One row per document, written as it is signed,
/// so a patient who walks away after two of three documents still has those two on file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentSubmission {
    pub id: SignedConsentId,
    pub clinic: ClinicId,
    pub subject: FormSubject,
    pub consent: SignedConsent,
}

/// One intake questionnaire the patient finished at the kiosk, carried sealed inside a
/// [`SealedDelivery`]; idempotent by `id`. The answers travel as the FHIR R4
/// QuestionnaireResponse (texts in English, as the published Questionnaire has them); the
/// office checks it against its own copy of the form and scores it itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeSubmission {
    pub id: IntakeResponseId,
    pub clinic: ClinicId,
    pub subject: FormSubject,
    /// The language the patient answered in (the response itself is in English).
    pub language: Language,
    pub response: FhirQuestionnaireResponse,
}

/// One configured form file as the office publishes it to kiosks: its file name (for
/// error messages) and its text, parsed on the kiosk by the same parser as at the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormFile {
    pub name: String,
    pub text: String,
}

/// `GET /api/kiosk/v1/forms`: the consent documents and intake questionnaires this office
/// asks patients for. Holds no PHI. Only files the office accepted are sent; a kiosk that
/// cannot use what it receives keeps the last good set it had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormsResponse {
    /// Changes whenever any published file changes; the kiosk sends it back as
    /// `If-None-Match` and gets `304 Not Modified` while nothing changed.
    pub revision: String,
    /// Consent documents (Markdown with front matter), every document in every language.
    pub consents: Vec<FormFile>,
    /// Questionnaires (TOML).
    pub questionnaires: Vec<FormFile>,
    /// The ids of the questionnaires patients answer at check-in, in the order asked.
    pub ask: Vec<String>,
    /// The canonical base the published FHIR Questionnaires live under (the kiosk names the
    /// Questionnaire answered with it).
    pub canonical_base: String,
}

/// `GET /api/kiosk/v1/appointments/{handle}/consents`: the consent versions the patient of
/// one of today's appointments has already signed (any visit). PHI: the office audits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentsOnFile {
    pub appointment: AppointmentId,
    pub signed: Vec<SignedVersion>,
}

/// The patient's answer at the insurance step, carried sealed inside a [`SealedDelivery`];
/// idempotent by `id`. One row per answer; the card photos taken for it travel as their
/// own rows ([`CardPhotoSubmission`]) naming this `id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageSubmission {
    pub id: CoverageSubmissionId,
    pub clinic: ClinicId,
    pub subject: FormSubject,
    /// When the patient confirmed it, by the kiosk's clock.
    pub submitted_at: Timestamp,
    /// The language the patient used (for the desk, should it call them back).
    pub language: Language,
    pub answer: CoverageAnswer,
}

/// One photo of one side of an insurance card, carried sealed inside a
/// [`SealedDelivery`]; idempotent by `id`. Staff see it on the check-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardPhotoSubmission {
    pub id: CardPhotoId,
    pub clinic: ClinicId,
    pub subject: FormSubject,
    /// The insurance answer this photo belongs to.
    pub coverage: CoverageSubmissionId,
    pub rank: CoverageRank,
    pub side: CardSide,
    pub taken_at: Timestamp,
    /// The photo as a baseline JPEG (at most [`CardPhotoSubmission::MAX_JPEG`] bytes).
    #[serde(with = "base64_bytes")]
    pub jpeg: Vec<u8>,
}

impl CardPhotoSubmission {
    /// Largest photo accepted: a card at 1280×800 is about 150 KB as JPEG.
    pub const MAX_JPEG: usize = 2 * 1024 * 1024;

    /// Whether `jpeg` looks like what it claims: a JPEG (SOI marker) within the size limit.
    pub fn is_plausible(&self) -> bool {
        self.jpeg.len() <= Self::MAX_JPEG && self.jpeg.starts_with(&[0xFF, 0xD8, 0xFF])
    }
}

impl fmt::Debug for CardPhotoSubmission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardPhotoSubmission")
            .field("id", &self.id)
            .field("coverage", &self.coverage)
            .field("rank", &self.rank)
            .field("side", &self.side)
            .field("jpeg_len", &self.jpeg.len())
            .finish()
    }
}

/// One payer on the office's list: the patient picks it by name, the office asks the
/// clearinghouse by its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayerListEntry {
    pub id: PayerId,
    pub name: PayerName,
}

/// An issuer of SMART Health Cards the office trusts, with its public keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedShcIssuer {
    /// The issuer URL as it appears in the card's `iss`.
    pub iss: String,
    /// Its JSON Web Key Set (the `/.well-known/jwks.json` document), as text.
    pub jwks: String,
}

/// `GET /api/kiosk/v1/insurance`: what the kiosk needs to take insurance: the payer list
/// and the SMART Health Card issuers the office trusts. Holds no PHI. Sent with an ETag
/// (the `revision`): `If-None-Match` gets `304 Not Modified` while nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InsuranceReference {
    pub revision: String,
    pub payers: Vec<PayerListEntry>,
    pub shc_issuers: Vec<TrustedShcIssuer>,
}

/// One coverage the office has on file for a patient, as the kiosk may show it: payer
/// name and the member id's last four characters, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageSummary {
    pub rank: CoverageRank,
    pub payer_name: PayerName,
    /// The member id's last (up to) four characters.
    pub member_id_last_four: String,
    pub relationship: SubscriberRelationship,
}

/// `GET /api/kiosk/v1/appointments/{handle}/coverage`: the coverage on file for the
/// patient of one of today's appointments (empty: none on file), for a one-tap "still
/// the same". 404 like `/contact` when not today's. PHI: the office audits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageOnFile {
    pub appointment: AppointmentId,
    pub coverages: Vec<CoverageSummary>,
}

/// `GET /api/kiosk/v1/appointments/{handle}/due`: what the patient of one of today's
/// appointments owes now, asked just before the payment step (eligibility may have
/// changed the co-pay since the roster was fetched). 404 like `/contact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentDue {
    pub appointment: AppointmentId,
    pub due: AmountDue,
    /// The co-pay comes from an eligibility check of this visit's coverage.
    pub copay_verified: bool,
}

/// What the office answers to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionOutcome {
    /// Stored now.
    Accepted,
    /// Stored before (a retry of the same id).
    AlreadyStored,
    /// The appointment was already checked in under another id (e.g. by staff); nothing stored.
    AppointmentAlreadyCheckedIn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmissionReceipt {
    pub outcome: SubmissionOutcome,
}

/// `POST /api/kiosk/v1/heartbeat`: the kiosk's health, every few seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub sent_at: Timestamp,
    pub version: String,
    pub uptime_secs: u64,
    pub outbox: OutboxHealth,
    pub scanner_connected: bool,
    /// Absent from kiosks older than the receipt printer: read as not configured.
    #[serde(default)]
    pub printer: PrinterHealth,
    /// Absent from kiosks older than the card terminal: read as not configured.
    #[serde(default)]
    pub terminal: TerminalHealth,
    /// The card terminal's last closed day (its batch), for the office's end-of-day
    /// report; absent until the kiosk has closed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_batch: Option<TerminalBatch>,
}

/// A day the kiosk closed at its card terminal (ZVT end of day): what the terminal says it
/// took, to set beside what the kiosk reported. Totals only: no card, no patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalBatch {
    /// The clinic's calendar day that was closed.
    pub day: jiff::civil::Date,
    pub count: u32,
    pub amount: Cents,
}

/// The card terminal as the kiosk's payment worker last found it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminalHealth {
    /// Logged on, nothing left unsettled: patients can pay here.
    Ready,
    /// Not answering (or payments left unsettled): patients are sent to the desk to pay.
    Unavailable,
    /// This kiosk has no card terminal.
    #[default]
    NotConfigured,
}

impl TerminalHealth {
    pub const ALL: [TerminalHealth; 3] = [
        TerminalHealth::Ready,
        TerminalHealth::Unavailable,
        TerminalHealth::NotConfigured,
    ];

    /// The name used on the wire and in the office database.
    pub fn as_str(self) -> &'static str {
        match self {
            TerminalHealth::Ready => "ready",
            TerminalHealth::Unavailable => "unavailable",
            TerminalHealth::NotConfigured => "not_configured",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == text)
    }
}

/// The receipt printer as the kiosk last saw it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrinterHealth {
    Ok,
    /// The roll is nearly used up: still prints, but staff should change it soon.
    PaperLow,
    /// Nothing prints until the roll is changed.
    PaperOut,
    /// No answer: switched off, cover open, cable out.
    Offline,
    /// This kiosk has no receipt printer.
    #[default]
    NotConfigured,
}

impl PrinterHealth {
    pub const ALL: [PrinterHealth; 5] = [
        PrinterHealth::Ok,
        PrinterHealth::PaperLow,
        PrinterHealth::PaperOut,
        PrinterHealth::Offline,
        PrinterHealth::NotConfigured,
    ];

    /// The name used on the wire and in the office database.
    pub fn as_str(self) -> &'static str {
        match self {
            PrinterHealth::Ok => "ok",
            PrinterHealth::PaperLow => "paper_low",
            PrinterHealth::PaperOut => "paper_out",
            PrinterHealth::Offline => "offline",
            PrinterHealth::NotConfigured => "not_configured",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == text)
    }

    /// Whether staff should see it as a fault (paper low is one: it will soon be out).
    pub fn is_fault(self) -> bool {
        matches!(
            self,
            PrinterHealth::PaperLow | PrinterHealth::PaperOut | PrinterHealth::Offline
        )
    }
}

/// The state of the kiosk's outbox, as its heartbeat reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxHealth {
    /// `depth` rows written but not yet acknowledged by the office, all deliverable.
    Ok { depth: u64 },
    /// Of `depth` undelivered rows, `unreadable_rows` cannot be read (by the kiosk, or by
    /// the office once opened); they are kept, and the rows after them still go out.
    Unreadable { depth: u64, unreadable_rows: u64 },
    /// The kiosk cannot read its outbox at all: how much is waiting is unknown.
    DatabaseError,
}

impl OutboxHealth {
    pub fn is_fault(&self) -> bool {
        !matches!(self, OutboxHealth::Ok { .. })
    }
}

/// `GET /api/kiosk/v1/roster`: today's appointments, minimal details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterResponse {
    pub entries: Vec<RosterEntry>,
    /// Patients waiting in the lobby now.
    pub waiting: u32,
    /// Today's key for matching by last name + date of birth (base64); absent from offices
    /// that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_key: Option<IdentityKey>,
}

/// `POST /api/kiosk/v1/help`: the patient at this kiosk needs someone from the desk, and
/// why ("Call staff", or an ending that sends them there). Names no one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpRequest {
    pub requested_at: Timestamp,
    /// Kiosks from before reasons existed send none: they only had "Call staff".
    #[serde(default)]
    pub reason: StaffNeed,
}

/// What an outbox row holds; the variant is the row's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxBody {
    CheckIn(CheckInSubmission),
    /// Boxed: a registration is ten times the size of a check-in.
    Registration(Box<RegistrationSubmission>),
    DetailsChange(DetailsChangeSubmission),
    Payment(PaymentSubmission),
    Consent(Box<ConsentSubmission>),
    Intake(Box<IntakeSubmission>),
    Coverage(Box<CoverageSubmission>),
    CardPhoto(Box<CardPhotoSubmission>),
}

/// An outbox row's kind: stored and sent in the clear beside the sealed body, so the
/// office knows what to expect inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    CheckIn,
    Registration,
    DetailsChange,
    Payment,
    Consent,
    Intake,
    Coverage,
    CardPhoto,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::CheckIn => "check_in",
            OutboxKind::Registration => "registration",
            OutboxKind::DetailsChange => "details_change",
            OutboxKind::Payment => "payment",
            OutboxKind::Consent => "consent",
            OutboxKind::Intake => "intake",
            OutboxKind::Coverage => "coverage",
            OutboxKind::CardPhoto => "card_photo",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "check_in" => Some(OutboxKind::CheckIn),
            "registration" => Some(OutboxKind::Registration),
            "details_change" => Some(OutboxKind::DetailsChange),
            "payment" => Some(OutboxKind::Payment),
            "consent" => Some(OutboxKind::Consent),
            "intake" => Some(OutboxKind::Intake),
            "coverage" => Some(OutboxKind::Coverage),
            "card_photo" => Some(OutboxKind::CardPhoto),
            _ => None,
        }
    }
}

/// An outbox row's id: the id of what it carries (a check-in's id for a check-in), so a
/// retried delivery is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutboxId(uuid::Uuid);

impl OutboxId {
    pub fn parse(text: &str) -> Option<Self> {
        uuid::Uuid::parse_str(text).ok().map(Self)
    }
}

impl From<CheckInId> for OutboxId {
    fn from(id: CheckInId) -> Self {
        Self(id.as_uuid())
    }
}

impl From<RegistrationId> for OutboxId {
    fn from(id: RegistrationId) -> Self {
        Self(id.as_uuid())
    }
}

impl From<DetailsChangeId> for OutboxId {
    fn from(id: DetailsChangeId) -> Self {
        Self(id.as_uuid())
    }
}

impl From<PaymentId> for OutboxId {
    fn from(id: PaymentId) -> Self {
        Self(id.as_uuid())
    }
}

impl From<SignedConsentId> for OutboxId {
    fn from(id: SignedConsentId) -> Self {
        Self(id.as_uuid())
    }
}

impl From<IntakeResponseId> for OutboxId {
    fn from(id: IntakeResponseId) -> Self {
        Self(id.as_uuid())
    }
}

impl From<CoverageSubmissionId> for OutboxId {
    fn from(id: CoverageSubmissionId) -> Self {
        Self(id.as_uuid())
    }
}

impl From<CardPhotoId> for OutboxId {
    fn from(id: CardPhotoId) -> Self {
        Self(id.as_uuid())
    }
}

impl fmt::Display for OutboxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl OutboxBody {
    pub fn kind(&self) -> OutboxKind {
        match self {
            OutboxBody::CheckIn(_) => OutboxKind::CheckIn,
            OutboxBody::Registration(_) => OutboxKind::Registration,
            OutboxBody::DetailsChange(_) => OutboxKind::DetailsChange,
            OutboxBody::Payment(_) => OutboxKind::Payment,
            OutboxBody::Consent(_) => OutboxKind::Consent,
            OutboxBody::Intake(_) => OutboxKind::Intake,
            OutboxBody::Coverage(_) => OutboxKind::Coverage,
            OutboxBody::CardPhoto(_) => OutboxKind::CardPhoto,
        }
    }

    pub fn id(&self) -> OutboxId {
        match self {
            OutboxBody::CheckIn(submission) => submission.id.into(),
            OutboxBody::Registration(submission) => submission.id.into(),
            OutboxBody::DetailsChange(change) => change.id.into(),
            OutboxBody::Payment(payment) => payment.id.into(),
            OutboxBody::Consent(consent) => consent.id.into(),
            OutboxBody::Intake(intake) => intake.id.into(),
            OutboxBody::Coverage(coverage) => coverage.id.into(),
            OutboxBody::CardPhoto(photo) => photo.id.into(),
        }
    }

    /// The bytes that get sealed: the body's JSON (the kind travels outside).
    fn plaintext(&self) -> Vec<u8> {
        let json = match self {
            OutboxBody::CheckIn(submission) => serde_json::to_vec(submission),
            OutboxBody::Registration(submission) => serde_json::to_vec(submission),
            OutboxBody::DetailsChange(change) => serde_json::to_vec(change),
            OutboxBody::Payment(payment) => serde_json::to_vec(payment),
            OutboxBody::Consent(consent) => serde_json::to_vec(consent),
            OutboxBody::Intake(intake) => serde_json::to_vec(intake),
            OutboxBody::Coverage(coverage) => serde_json::to_vec(coverage),
            OutboxBody::CardPhoto(photo) => serde_json::to_vec(photo),
        };
        // Serialising plain structs of strings, ids and timestamps to memory cannot fail.
        json.unwrap_or_default()
    }

    fn from_plaintext(kind: OutboxKind, bytes: &[u8]) -> Result<Self, OpenError> {
        match kind {
            OutboxKind::CheckIn => serde_json::from_slice(bytes)
                .map(OutboxBody::CheckIn)
                .map_err(|_| OpenError::BadBody(kind)),
            OutboxKind::Registration => serde_json::from_slice(bytes)
                .map(|submission| OutboxBody::Registration(Box::new(submission)))
                .map_err(|_| OpenError::BadBody(kind)),
            OutboxKind::DetailsChange => serde_json::from_slice(bytes)
                .map(OutboxBody::DetailsChange)
                .map_err(|_| OpenError::BadBody(kind)),
            OutboxKind::Payment => serde_json::from_slice(bytes)
                .map(OutboxBody::Payment)
                .map_err(|_| OpenError::BadBody(kind)),
            OutboxKind::Consent => serde_json::from_slice(bytes)
                .map(|consent| OutboxBody::Consent(Box::new(consent)))
                .map_err(|_| OpenError::BadBody(kind)),
            OutboxKind::Intake => serde_json::from_slice(bytes)
                .map(|intake| OutboxBody::Intake(Box::new(intake)))
                .map_err(|_| OpenError::BadBody(kind)),
            OutboxKind::Coverage => serde_json::from_slice(bytes)
                .map(|coverage| OutboxBody::Coverage(Box::new(coverage)))
                .map_err(|_| OpenError::BadBody(kind)),
            OutboxKind::CardPhoto => serde_json::from_slice(bytes)
                .map(|photo| OutboxBody::CardPhoto(Box::new(photo)))
                .map_err(|_| OpenError::BadBody(kind)),
        }
    }

    /// Seals the body to the office's key.
    pub fn seal(&self, key: &SealPublicKey) -> Result<Vec<u8>, SealError> {
        let mut plaintext = self.plaintext();
        let sealed = key.seal(&plaintext);
        plaintext.fill(0);
        sealed
    }
}

/// `POST /api/kiosk/v1/outbox`: one outbox row as the kiosk holds it, sealed to the
/// office's key (the kiosk cannot open it); idempotent by `id`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedDelivery {
    pub id: OutboxId,
    pub kind: OutboxKind,
    #[serde(with = "base64_bytes")]
    pub sealed: Vec<u8>,
}

/// Why the office could not take a sealed delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("sealed body cannot be opened with this office's key")]
    Unsealable,
    #[error("sealed body is not a valid {}", .0.as_str())]
    BadBody(OutboxKind),
    #[error("sealed body belongs to another id than its envelope")]
    IdMismatch,
}

impl SealedDelivery {
    /// Seals `body` to `key`, ready to send (tests and benchmarks; the kiosk's outbox
    /// seals on write).
    pub fn seal(body: &OutboxBody, key: &SealPublicKey) -> Result<Self, SealError> {
        Ok(Self {
            id: body.id(),
            kind: body.kind(),
            sealed: body.seal(key)?,
        })
    }

    /// Opens the body (office side) and checks it is what the envelope says.
    pub fn open(&self, key: &SealSecretKey) -> Result<OutboxBody, OpenError> {
        let mut plaintext = key.open(&self.sealed).map_err(|_| OpenError::Unsealable)?;
        let body = OutboxBody::from_plaintext(self.kind, &plaintext);
        plaintext.fill(0);
        let body = body?;
        if body.id() != self.id {
            return Err(OpenError::IdMismatch);
        }
        Ok(body)
    }
}

impl fmt::Debug for SealedDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedDelivery")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("sealed_len", &self.sealed.len())
            .finish()
    }
}

/// Bytes as standard padded base64 in JSON.
mod base64_bytes {
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("sealed is not base64"))
    }
}

/// Every error body the office sends: a stable code for programs, a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn office_key() -> SealSecretKey {
        SealSecretKey::generate().unwrap()
    }

    #[test]
    fn a_sealed_check_in_opens_at_the_office_and_round_trips_as_json() {
        let key = office_key();
        let submission = CheckInSubmission::sample(42);
        let body = OutboxBody::CheckIn(submission.clone());
        assert_eq!(body.kind(), OutboxKind::CheckIn);
        let delivery = SealedDelivery::seal(&body, &key.public_key()).unwrap();
        let json = serde_json::to_string(&delivery).unwrap();
        assert!(json.contains(r#""kind":"check_in""#), "{json}");
        assert!(
            !json.contains("2026-11-23"),
            "the arrival is sealed: {json}"
        );
        let received: SealedDelivery = serde_json::from_str(&json).unwrap();
        assert_eq!(received.open(&key), Ok(body));
        assert!(format!("{delivery:?}").contains("sealed_len"));
    }

    #[test]
    fn a_sealed_registration_opens_at_the_office_and_names_no_one_on_the_way() {
        let key = office_key();
        let submission = RegistrationSubmission::sample();
        let body = OutboxBody::Registration(Box::new(submission.clone()));
        assert_eq!(body.kind(), OutboxKind::Registration);
        assert_eq!(body.id(), OutboxId::from(submission.id));
        let delivery = SealedDelivery::seal(&body, &key.public_key()).unwrap();
        let json = serde_json::to_string(&delivery).unwrap();
        assert!(json.contains(r#""kind":"registration""#), "{json}");
        for secret in ["Testpatient", "Example St", "2175550123", "1950-01-02"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        let received: SealedDelivery = serde_json::from_str(&json).unwrap();
        assert_eq!(received.open(&key), Ok(body.clone()));
        assert!(!format!("{body:?}").contains("Testpatient"));

        // A check-in's body under a registration's kind, and the reverse, do not open.
        let check_in = OutboxBody::CheckIn(CheckInSubmission::sample(1));
        let mislabelled = SealedDelivery {
            kind: OutboxKind::Registration,
            ..SealedDelivery::seal(&check_in, &key.public_key()).unwrap()
        };
        assert_eq!(
            mislabelled.open(&key),
            Err(OpenError::BadBody(OutboxKind::Registration))
        );
        let mislabelled = SealedDelivery {
            kind: OutboxKind::CheckIn,
            ..delivery
        };
        assert_eq!(
            mislabelled.open(&key),
            Err(OpenError::BadBody(OutboxKind::CheckIn))
        );
        assert_eq!(
            OutboxKind::parse(OutboxKind::Registration.as_str()),
            Some(OutboxKind::Registration)
        );
    }

    #[test]
    fn a_sealed_payment_opens_at_the_office_and_hides_the_card_on_the_way() {
        let key = office_key();
        let submission = PaymentSubmission::sample(42);
        let body = OutboxBody::Payment(submission.clone());
        assert_eq!(body.kind(), OutboxKind::Payment);
        assert_eq!(body.id(), OutboxId::from(submission.id));
        let delivery = SealedDelivery::seal(&body, &key.public_key()).unwrap();
        let json = serde_json::to_string(&delivery).unwrap();
        assert!(json.contains(r#""kind":"payment""#), "{json}");
        for secret in ["0019", "A1B2C3", "2500"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        let received: SealedDelivery = serde_json::from_str(&json).unwrap();
        assert_eq!(received.open(&key), Ok(body));
        assert_eq!(OutboxKind::parse("payment"), Some(OutboxKind::Payment));
        // A check-in's body under a payment's kind does not open.
        let check_in = OutboxBody::CheckIn(CheckInSubmission::sample(1));
        let mislabelled = SealedDelivery {
            kind: OutboxKind::Payment,
            ..SealedDelivery::seal(&check_in, &key.public_key()).unwrap()
        };
        assert_eq!(
            mislabelled.open(&key),
            Err(OpenError::BadBody(OutboxKind::Payment))
        );
    }

    #[test]
    fn a_roster_entry_from_an_office_before_payments_owes_nothing() {
        let old = r#"{"appointment":"7","display_name":"Ada T.","starts_at":"09:30:00",
            "provider":"Dr. Demo Able","checked_in":false}"#;
        let entry: RosterEntry = serde_json::from_str(old).unwrap();
        assert!(entry.due.is_nothing());
        let due = AmountDue {
            copay: crate::domain::Cents::new(2500),
            balance: crate::domain::Cents::new(1250),
        };
        let json = serde_json::to_value(RosterEntry { due, ..entry }).unwrap();
        assert_eq!(
            json["due"],
            serde_json::json!({"copay": 2500, "balance": 1250})
        );
        assert_eq!(
            serde_json::from_value::<RosterEntry>(json).unwrap().due,
            due
        );
    }

    #[test]
    fn the_kiosk_config_reads_with_or_without_sex_options() {
        let key = office_key().public_key();
        let config = KioskConfig {
            clinic: ClinicId::new(1).unwrap(),
            clinic_name: "Demo Family Practice".into(),
            timezone: "UTC".into(),
            token_public_key: "AAAA".into(),
            seal_public_key: key,
            sex_options: None,
        };
        let old = serde_json::to_value(&config).unwrap();
        assert!(old.get("sex_options").is_none(), "{old}");
        assert_eq!(serde_json::from_value::<KioskConfig>(old).unwrap(), config);
        let new = KioskConfig {
            sex_options: Some(SexOptions::default()),
            ..config
        };
        let json = serde_json::to_value(&new).unwrap();
        assert_eq!(json["sex_options"][0]["spanish"], "Femenino");
        assert_eq!(serde_json::from_value::<KioskConfig>(json).unwrap(), new);
    }

    #[test]
    fn foreign_forged_and_mismatched_seals_are_typed_errors() {
        let key = office_key();
        let body = OutboxBody::CheckIn(CheckInSubmission::sample(1));
        let other_office = SealedDelivery::seal(&body, &office_key().public_key()).unwrap();
        assert_eq!(other_office.open(&key), Err(OpenError::Unsealable));

        let mut moved = SealedDelivery::seal(&body, &key.public_key()).unwrap();
        moved.id = CheckInSubmission::sample(1).id.into();
        assert_eq!(moved.open(&key), Err(OpenError::IdMismatch));

        let not_a_check_in = SealedDelivery {
            id: body.id(),
            kind: OutboxKind::CheckIn,
            sealed: key.public_key().seal(b"{\"hello\": 1}").unwrap(),
        };
        assert_eq!(
            not_a_check_in.open(&key),
            Err(OpenError::BadBody(OutboxKind::CheckIn))
        );
        assert!(
            serde_json::from_str::<SealedDelivery>(
                r#"{"id":"00000000-0000-4000-8000-000000000000","kind":"check_in","sealed":"%%"}"#
            )
            .is_err()
        );
        assert!(
            serde_json::from_str::<SealedDelivery>(
                r#"{"id":"00000000-0000-4000-8000-000000000000","kind":"insurance","sealed":""}"#
            )
            .is_err()
        );
    }

    #[test]
    fn random_sealed_bytes_never_panic() {
        let key = office_key();
        let id = CheckInSubmission::sample(1).id.into();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for len in (0..600).step_by(3) {
            let sealed = crate::seal::noise(len, &mut seed);
            let delivery = SealedDelivery {
                id,
                kind: OutboxKind::CheckIn,
                sealed,
            };
            assert_eq!(delivery.open(&key), Err(OpenError::Unsealable));
        }
    }

    fn details_change() -> DetailsChangeSubmission {
        use crate::domain::{ChangeSource, ContactField};
        DetailsChangeSubmission {
            id: DetailsChangeId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment: AppointmentId::new(42),
            submitted_at: "2026-11-23T15:00:00Z".parse().unwrap(),
            changes: vec![
                FieldChange::new(
                    ContactField::AddressLine1,
                    "123 Example St",
                    ChangeSource::TypedAtKiosk,
                )
                .unwrap(),
                FieldChange::new(ContactField::Phone, "555-0100", ChangeSource::FromLicence)
                    .unwrap(),
            ],
            unchecked_offline: false,
        }
    }

    #[test]
    fn a_sealed_details_change_opens_at_the_office_and_hides_its_values() {
        let key = office_key();
        let body = OutboxBody::DetailsChange(details_change());
        assert_eq!(body.kind(), OutboxKind::DetailsChange);
        let delivery = SealedDelivery::seal(&body, &key.public_key()).unwrap();
        let json = serde_json::to_string(&delivery).unwrap();
        assert!(json.contains(r#""kind":"details_change""#), "{json}");
        assert!(!json.contains("Example"), "sealed: {json}");
        assert_eq!(delivery.open(&key), Ok(body.clone()));
        let debug = format!("{body:?}");
        assert!(
            !debug.contains("Example") && !debug.contains("0100"),
            "{debug}"
        );
        assert_eq!(
            OutboxKind::parse("details_change"),
            Some(OutboxKind::DetailsChange)
        );
    }

    #[test]
    fn a_details_change_that_repeats_a_field_or_says_nothing_does_not_parse() {
        let key = office_key();
        let mut twice = serde_json::to_value(details_change()).unwrap();
        let first = twice["changes"][0].clone();
        twice["changes"].as_array_mut().unwrap().push(first);
        let mut empty = serde_json::to_value(details_change()).unwrap();
        empty["changes"] = serde_json::json!([]);
        for bad in [twice, empty] {
            let id = bad["id"].as_str().unwrap().to_owned();
            let delivery = SealedDelivery {
                id: OutboxId::parse(&id).unwrap(),
                kind: OutboxKind::DetailsChange,
                sealed: key.public_key().seal(bad.to_string().as_bytes()).unwrap(),
            };
            assert_eq!(
                delivery.open(&key),
                Err(OpenError::BadBody(OutboxKind::DetailsChange))
            );
        }
        // Offline, with nothing changed: the flag alone is worth telling the desk.
        let mut flagged = serde_json::to_value(details_change()).unwrap();
        flagged["changes"] = serde_json::json!([]);
        flagged["unchecked_offline"] = serde_json::json!(true);
        let parsed: DetailsChangeSubmission = serde_json::from_value(flagged).unwrap();
        assert!(parsed.unchecked_offline && parsed.changes.is_empty());
    }

    #[test]
    fn a_help_request_without_a_reason_is_call_staff() {
        let old: HelpRequest =
            serde_json::from_str(r#"{"requested_at":"2026-11-23T15:00:00Z"}"#).unwrap();
        assert_eq!(old.reason, StaffNeed::PatientAsked);
        let new: HelpRequest =
            serde_json::from_str(r#"{"requested_at":"2026-11-23T15:00:00Z","reason":"no_match"}"#)
                .unwrap();
        assert_eq!(new.reason, StaffNeed::NoMatch);
        assert!(
            serde_json::from_str::<HelpRequest>(
                r#"{"requested_at":"2026-11-23T15:00:00Z","reason":"bored"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn outbox_health_is_tagged_json() {
        let json = serde_json::to_value(OutboxHealth::Unreadable {
            depth: 3,
            unreadable_rows: 2,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"state": "unreadable", "depth": 3, "unreadable_rows": 2})
        );
        assert!(OutboxHealth::DatabaseError.is_fault());
        assert!(!OutboxHealth::Ok { depth: 9 }.is_fault());
    }

    #[test]
    fn the_payment_fuzz_seeds_parse() {
        let paid: PaymentSubmission =
            serde_json::from_str(include_str!("../fuzz/seeds/payment_json/paid.json")).unwrap();
        assert_eq!(paid.outcome.status_str(), "paid");
        assert_eq!(paid.due.balance, crate::domain::Cents::new(1250));
        let unsettled: PaymentSubmission =
            serde_json::from_str(include_str!("../fuzz/seeds/payment_json/needs_staff.json"))
                .unwrap();
        assert_eq!(unsettled.outcome.status_str(), "needs_staff");
        assert!(unsettled.due.balance == crate::domain::Cents::ZERO);
    }

    #[test]
    fn the_details_change_fuzz_seed_parses() {
        let seed = include_str!("../fuzz/seeds/details_change_json/sample.json");
        let change: DetailsChangeSubmission = serde_json::from_str(seed).unwrap();
        assert_eq!(change.changes.len(), 2);
        let contact: AppointmentContact = serde_json::from_str(seed).unwrap();
        assert_eq!(
            contact.contact.get(crate::domain::ContactField::City),
            Some("Testopolis")
        );
    }

    #[test]
    fn printer_health_names_match_the_wire_and_older_kiosks_have_none() {
        for health in PrinterHealth::ALL {
            let json = serde_json::to_string(&health).unwrap();
            assert_eq!(json, format!("\"{}\"", health.as_str()));
            assert_eq!(PrinterHealth::parse(health.as_str()), Some(health));
        }
        assert_eq!(PrinterHealth::parse("jammed"), None);
        let older = r#"{"sent_at":"2026-11-25T09:00:00Z","version":"0.1.0","uptime_secs":5,
            "outbox":{"state":"ok","depth":0},"scanner_connected":true}"#;
        let beat: Heartbeat = serde_json::from_str(older).unwrap();
        assert_eq!(beat.printer, PrinterHealth::NotConfigured);
        assert_eq!(beat.terminal, TerminalHealth::NotConfigured);
        for health in TerminalHealth::ALL {
            assert_eq!(TerminalHealth::parse(health.as_str()), Some(health));
        }
        assert_eq!(TerminalHealth::parse("busy"), None);
    }
}

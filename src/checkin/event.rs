//! What goes into the journey (events) and what comes out of it (effects).

use super::forms::Forms;
use super::knowledge::OfficeTrust;
use super::knowledge::{CameraReadiness, PaymentsReadiness};
use super::roster::Roster;
use super::screen::Screen;
use super::steps::{
    ConfirmTap, ConsentTap, DetailsTap, IdentifyTap, InsuranceTap, PaymentTap, QuestionsTap,
    RegisterTap,
};
use crate::api::{
    CardPhotoSubmission, ConsentSubmission, CoverageSubmission, CoverageSummary,
    DetailsChangeSubmission, InsuranceReference, IntakeSubmission, PaymentSubmission,
    RegistrationSubmission,
};
use crate::consent::SignedVersion;
use crate::devices::payment::{NotTaken, TerminalPrompt};
use crate::devices::scan::Scan;
use crate::domain::{
    AmountDue, AppointmentId, CardReading, CardSide, Cents, CheckInId, ClinicId, ContactOnFile,
    Language, PaymentId, SexOptions, StaffNeed,
};
use jiff::Timestamp;
use jiff::civil::Date;
use std::fmt;

/// Something that happened: a scan, a tap, a worker's answer, news from the office, or
/// time passing.
#[derive(Debug, Clone)]
pub enum Event {
    /// A complete scan from the barcode scanner, already classified.
    Scanned(Scan),
    /// The patient tapped a button.
    Tapped(Tap),
    /// A worker finished an operation the journey asked for.
    Completed(Completion),
    /// The office sent today's appointments.
    RosterUpdated(Roster),
    /// The office's identity and token-signing key became known.
    OfficeTrusted(OfficeTrust),
    /// The office's sex / gender options for the registration form.
    SexOptionsLearned(SexOptions),
    /// The card terminal became ready, or stopped answering.
    PaymentsReadiness(PaymentsReadiness),
    /// The card camera's worker says whether photos can be taken now.
    CameraReadiness(CameraReadiness),
    /// The office's consent documents and questionnaires (already checked; boxed: large).
    FormsLearned(Box<Forms>),
    /// The office's payer list and trusted SMART Health Card issuers.
    InsuranceLearned(Box<InsuranceReference>),
    /// The sync thread found the kiosk paired and accepted, or not (see [`super::Setup`]).
    SetupChanged(super::Setup),
    /// Whether the newest help request reached the front desk.
    HelpAnswered(HelpReached),
    /// Time passed (the shell sends one every second or so).
    Tick,
}

/// What became of a help request: the help thread says so after each try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpReached {
    /// The office has it: staff see the kiosk calling.
    Told,
    /// The office could not be reached, or refused it (it is still retried for a while).
    NotYet,
}

/// Buttons a patient can tap: the ones on every screen, and each step's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tap {
    /// "Call staff", in the header of every screen.
    CallStaff,
    /// "Back" on the "Call staff" overlay.
    HelpBack,
    /// "I am still here" on the "are you still there?" overlay.
    StillHere,
    /// The language button in the header of every screen: switches to the language it
    /// names (the one not showing).
    SwitchLanguage,
    /// "Larger text" in the header of every screen: turns large text on or off.
    LargeText,
    /// "High contrast" in the header of every screen: turns high contrast on or off.
    HighContrast,
    /// "Start over" / "Done" on an ending screen.
    StartOver,
    Identify(IdentifyTap),
    Confirm(ConfirmTap),
    Register(RegisterTap),
    Details(DetailsTap),
    Payment(PaymentTap),
    Consent(ConsentTap),
    Questions(QuestionsTap),
    Insurance(InsuranceTap),
}

/// Names one operation a worker carries out, so its answer reaches the step that asked
/// and no other (an answer for a wiped session is recognised as stale).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OpId(u64);

impl OpId {
    pub(crate) fn first() -> Self {
        Self(1)
    }
    pub(crate) fn following(self) -> Self {
        Self(self.0.wrapping_add(1))
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "op-{}", self.0)
    }
}

/// A worker's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub op: OpId,
    pub result: OpResult,
}

/// What an operation came to, by kind of operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpResult {
    /// The row (check-in, registration, details change) is durably in the outbox.
    Persisted,
    /// The outbox write failed; the patient is not checked in (or registered).
    PersistFailed,
    /// The office's contact details for the appointment (`None`: nothing on file).
    Contact(Option<ContactOnFile>),
    /// The office could not be asked (offline, or it did not answer in time).
    ContactUnavailable,
    /// Not an answer yet: the terminal asks something of the patient (the payment goes on).
    TerminalPrompt(TerminalPrompt),
    /// How the payment ended at the terminal; already in the journal, and in the outbox
    /// when it is settled.
    Payment(PaymentAnswer),
    /// The consent versions the patient has already signed, as the office has them.
    ConsentsOnFile(Vec<SignedVersion>),
    /// The office could not say which consents are signed (offline, no answer in time).
    ConsentsUnavailable,
    /// How taking a card photo ended.
    CardPhoto(CardPhotoOutcome),
    /// The coverage the office has on file for the appointment (empty: none).
    CoverageOnFile(Vec<CoverageSummary>),
    /// The office could not say (offline, no answer in time, not today's): treated as
    /// nothing on file.
    CoverageUnavailable,
    /// What the patient owes now, as the office says just before the payment step.
    Due(AmountDue),
    /// The office could not say: the roster's amount is used.
    DueUnavailable,
}

/// How taking one photo of an insurance card ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardPhotoOutcome {
    /// A usable photo, and what its text seemed to say (possibly nothing).
    Taken(Box<TakenCardPhoto>),
    /// Too dark, blurred or empty: "we could not read the card, please try again or type it".
    Unreadable,
    /// The camera did not answer.
    CameraUnavailable,
}

/// A usable card photo: the JPEG to send sealed, and the OCR's guesses to confirm.
#[derive(Clone, PartialEq, Eq)]
pub struct TakenCardPhoto {
    pub side: CardSide,
    pub jpeg: Vec<u8>,
    pub reading: CardReading,
}

impl std::fmt::Debug for TakenCardPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TakenCardPhoto")
            .field("side", &self.side)
            .field("jpeg_len", &self.jpeg.len())
            .field("reading", &self.reading)
            .finish()
    }
}

/// How a payment on the terminal ended, as the patient is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentAnswer {
    /// Approved, recorded and sent to the office; `receipt` when a receipt is printing.
    Approved { receipt: bool },
    /// Nothing charged; the patient may try again or pay at the desk.
    NotTaken(NotTaken),
    /// The terminal could not be reached or failed before taking the card: nothing
    /// charged, the desk takes the payment (recorded for the office).
    TerminalDown,
    /// The terminal's answer was lost and could not be settled: the desk must look at the
    /// terminal (recorded for the office as needing staff).
    Unsettled,
}

/// A check-in to write to the kiosk outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCheckIn {
    pub id: CheckInId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub arrived_at: Timestamp,
    /// The clinic's calendar day of the arrival.
    pub day: Date,
}

/// A new patient's registration to write to the kiosk outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRegistration {
    pub submission: RegistrationSubmission,
    /// The clinic's calendar day it was sent on (the outbox keeps days, never times).
    pub day: Date,
}

/// A returning patient's change to their contact details, to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDetailsChange {
    pub submission: DetailsChangeSubmission,
    /// The clinic's calendar day it was sent on.
    pub day: Date,
}

/// A payment for the worker to take on the terminal; every attempt at the same payment
/// has the same `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingPayment {
    pub id: PaymentId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub due: AmountDue,
    pub amount: Cents,
    /// The clinic's calendar day (for the outbox).
    pub day: Date,
    /// What the receipt prints besides the terminal's answer.
    pub receipt: ReceiptFacts,
}

/// What a co-pay receipt says about the visit: never a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptFacts {
    /// The practice's name, as the office gave it.
    pub practice: String,
    /// The patient's initials ("A. T."); `None` when no name was known.
    pub initials: Option<String>,
    /// The check-in the payment belongs to (its QR code on the receipt).
    pub check_in: Option<CheckInId>,
    /// The patient's language at the kiosk.
    pub language: Language,
}

/// One signed consent to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConsent {
    pub submission: ConsentSubmission,
    /// The clinic's calendar day it was signed on.
    pub day: Date,
}

/// One finished intake questionnaire to write to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingIntake {
    pub submission: IntakeSubmission,
    /// The clinic's calendar day it was answered on.
    pub day: Date,
}

/// The patient's answer at the insurance step, to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCoverage {
    pub submission: CoverageSubmission,
    /// The clinic's calendar day it was given on.
    pub day: Date,
}

/// One insurance card photo the patient kept, to write to the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCardPhoto {
    pub submission: CardPhotoSubmission,
    /// The clinic's calendar day it was taken on.
    pub day: Date,
}

/// A row for the kiosk outbox. (Not `Eq`: a QuestionnaireResponse holds numbers.)
#[derive(Debug, Clone, PartialEq)]
pub enum PendingRow {
    CheckIn(PendingCheckIn),
    Registration(Box<PendingRegistration>),
    DetailsChange(Box<PendingDetailsChange>),
    Consent(Box<PendingConsent>),
    Intake(Box<PendingIntake>),
    Coverage(Box<PendingCoverage>),
    CardPhoto(Box<PendingCardPhoto>),
}

/// What the shell must do. Anything that takes time is carried out off the UI thread and
/// answered with [`Event::Completed`].
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Replace what is on screen.
    Show(Screen),
    /// Write this row to the outbox.
    Persist { op: OpId, row: PendingRow },
    /// Ask the office for the contact details on file for this appointment.
    FetchContact {
        op: OpId,
        appointment: AppointmentId,
    },
    /// Ask the office which consent versions the patient of this appointment has signed.
    FetchConsents {
        op: OpId,
        appointment: AppointmentId,
    },
    /// Ask the office for the coverage it has on file for this appointment's patient;
    /// answered with [`OpResult::CoverageOnFile`] or [`OpResult::CoverageUnavailable`].
    FetchCoverage {
        op: OpId,
        appointment: AppointmentId,
    },
    /// Ask the office what this appointment's patient owes now; answered with
    /// [`OpResult::Due`] or [`OpResult::DueUnavailable`].
    FetchDue {
        op: OpId,
        appointment: AppointmentId,
    },
    /// Tell the front desk someone at this kiosk needs them, and why.
    RequestHelp(StaffNeed),
    /// Photograph this side of the insurance card held in the frame; answered with
    /// [`OpResult::CardPhoto`].
    TakeCardPhoto { op: OpId, side: CardSide },
    /// Take this payment on the card terminal: prompts come back as
    /// [`OpResult::TerminalPrompt`], the end as [`OpResult::Payment`].
    TakePayment { op: OpId, request: PendingPayment },
    /// Abort the payment under way at the terminal.
    CancelPayment { op: OpId },
    /// Record how a payment ended without the terminal (the patient pays at the desk):
    /// journal and outbox in one write, answered with `Persisted` / `PersistFailed`.
    SettlePayment {
        op: OpId,
        submission: Box<PaymentSubmission>,
        day: Date,
    },
}

//! The check-in as a journey of steps: pure state machines, events in, effects out, no
//! I/O, no Slint and no clock reads (`now` is a parameter).
//!
//! A [`Session`] holds everything about the patient at the kiosk now and is wiped as one
//! unit. The clinic's [`JourneyPlan`] is an ordered list of steps, each a small state
//! machine in its own module under `steps/`. Overlays ("someone is coming", "are you still
//! there?") sit beside the step: results that arrive while one shows still reach the step.

mod display;
mod event;
mod forms;
mod journey;
mod knowledge;
mod roster;
mod screen;
mod session;
mod steps;

pub use display::DisplayPrefs;
pub use event::{
    CardPhotoOutcome, Completion, Effect, Event, HelpReached, OpId, OpResult, PaymentAnswer,
    PendingCardPhoto, PendingCheckIn, PendingConsent, PendingCoverage, PendingDetailsChange,
    PendingIntake, PendingPayment, PendingRegistration, PendingRow, ReceiptFacts, TakenCardPhoto,
    Tap,
};
pub use forms::{Forms, FormsError, SHIPPED_CANONICAL_BASE};
pub use journey::{Journey, JourneyPlan, JourneySettings, StepKind};
pub use knowledge::{
    CameraReadiness, InsuranceKnowledge, Knowledge, OfficeTrust, PaymentsReadiness,
};
pub use roster::{Roster, RosterEntry};
pub use screen::{
    ConfirmDetails, Ending, FrontDeskReason, HelpState, NameNotice, NameView, NotSetUp,
    OverlayView, PageView, PaymentNote, Problem, Screen, Setup,
};
pub use session::{IdentifiedAppointment, IdentifiedBy, SavedCheckIn, Session};
pub use steps::{
    BirthView, Choice, ConfirmTap, ConsentPage, ConsentTap, ConsentView, ContactChange, DetailsTap,
    DetailsView, Field, FieldKind, FormError, FormText, IdentifyTap, Keyboard, MAX_NAME_CHARS,
    NameKey, NewPatient, PaymentTap, PaymentView, Prefill, Question, RegisterBirthView,
    RegisterInput, RegisterTap, RegisterView, ReviewAnswer, ReviewRow, ReviewView, SignaturePad,
    TypedName, phone_as_typed,
};
pub use steps::{
    CODE_LOCK, CodeAttempts, CodeKey, CodeNotice, CodeView, MAX_WRONG_CODES, TypedCode,
};
pub use steps::{
    CoverageField, CoverageFieldError, InsuranceFieldView, InsuranceInput, InsuranceNotice,
    InsuranceReviewRow, InsuranceTap, InsuranceView, OnFileLine,
};
pub use steps::{QuestionError, QuestionInput, QuestionView, QuestionsTap, QuestionsView};

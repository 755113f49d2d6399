//! The steps of a check-in, one module each. A step is a small state machine: it gets
//! the events meant for it with a [`StepContext`] and answers with an [`Outcome`]: effects
//! to carry out, and whether to stay, move on, or end the journey.

mod check_in;
mod confirm;
mod consent;
mod details;
mod identify;
mod insurance;
mod payment;
mod questions;
mod register;

use super::event::{Completion, Effect, OpId, Tap};
use super::knowledge::Knowledge;
use super::screen::{Ending, PageView};
use super::session::Session;
use crate::devices::scan::Scan;
use jiff::Timestamp;

pub(crate) use check_in::CheckIn;
pub(crate) use confirm::Confirm;
pub use confirm::ConfirmTap;
pub(crate) use consent::Consent;
pub use consent::{ConsentPage, ConsentTap, ConsentView, SignaturePad};
pub(crate) use details::Details;
pub use details::{ContactChange, DetailsTap, DetailsView};
pub(crate) use identify::Identify;
pub use identify::{
    BirthView, CODE_LOCK, CodeAttempts, CodeKey, CodeNotice, CodeView, IdentifyTap, MAX_NAME_CHARS,
    MAX_WRONG_CODES, NameKey, TypedCode, TypedName,
};
pub(crate) use insurance::Insurance;
pub use insurance::{
    CoverageField, CoverageFieldError, InsuranceFieldView, InsuranceInput, InsuranceNotice,
    InsuranceReviewRow, InsuranceTap, InsuranceView, OnFileLine,
};
pub(crate) use payment::Payment;
pub use payment::{PaymentTap, PaymentView};
pub(crate) use questions::Questions;
pub use questions::{QuestionError, QuestionInput, QuestionView, QuestionsTap, QuestionsView};
pub(crate) use register::Register;
pub use register::{
    Choice, Field, FieldKind, FormError, FormText, Keyboard, NewPatient, Prefill, Question,
    RegisterBirthView, RegisterInput, RegisterTap, RegisterView, ReviewAnswer, ReviewRow,
    ReviewView, phone_as_typed,
};

/// What a step may read and change while it handles an event.
pub(crate) struct StepContext<'a> {
    pub session: &'a mut Session,
    pub knowledge: &'a mut Knowledge,
    pub now: Timestamp,
    next_op: &'a mut OpId,
}

impl<'a> StepContext<'a> {
    pub fn new(
        session: &'a mut Session,
        knowledge: &'a mut Knowledge,
        now: Timestamp,
        next_op: &'a mut OpId,
    ) -> Self {
        Self {
            session,
            knowledge,
            now,
            next_op,
        }
    }

    /// A fresh id for an operation this step hands to a worker.
    pub fn new_op(&mut self) -> OpId {
        let op = *self.next_op;
        *self.next_op = op.following();
        op
    }
}

/// Where the journey goes after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Go {
    Stay,
    /// On to the next step of the plan.
    Next,
    /// The journey is over.
    End(Ending),
    /// The scan belongs to a new patient: wipe and identify them with it.
    NewPatient,
}

/// A step's answer to an event.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub effects: Vec<Effect>,
    pub go: Go,
}

impl Outcome {
    pub fn stay() -> Self {
        Self::go(Go::Stay)
    }
    pub fn go(go: Go) -> Self {
        Self {
            effects: Vec::new(),
            go,
        }
    }
    pub fn end(ending: Ending) -> Self {
        Self::go(Go::End(ending))
    }
    pub fn with(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }
}

/// One step of the journey. Every handler has a default, so a step implements only what
/// it reacts to.
pub(crate) trait Step: std::fmt::Debug + Send {
    /// Called once when the journey arrives at this step.
    fn enter(&mut self, _cx: &mut StepContext<'_>) -> Outcome {
        Outcome::stay()
    }
    /// A scan while this step shows. By default a scan is a new patient starting over.
    fn on_scan(&mut self, _scan: &Scan, _cx: &mut StepContext<'_>) -> Outcome {
        Outcome::go(Go::NewPatient)
    }
    /// A tap on this step's page.
    fn on_tap(&mut self, _tap: Tap, _cx: &mut StepContext<'_>) -> Outcome {
        Outcome::stay()
    }
    /// A worker's answer; steps ignore answers to operations they did not start.
    fn on_completed(&mut self, _completion: &Completion, _cx: &mut StepContext<'_>) -> Outcome {
        Outcome::stay()
    }
    /// The page to show.
    fn view(&self, session: &Session) -> PageView;
    /// Whether the step holds nothing a patient entered (a welcome page nobody has
    /// touched): such a step is never wiped for idleness.
    fn at_rest(&self) -> bool {
        false
    }
    /// While busy the step waits on a worker: the session is not wiped for idleness, scans
    /// are ignored and nobody can start over, so the answer cannot be lost.
    fn busy(&self) -> bool {
        false
    }
}

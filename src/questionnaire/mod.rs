//! Intake questionnaires: the format the office configures, the shipped defaults (PHQ-2,
//! PHQ-9, reason for visit), answering and scoring, and the FHIR R4 resources we publish
//! and send. Pure: no I/O, no clock; both programs use it.

pub mod defaults;
pub mod fhir;
pub mod from_fhir;
pub mod model;
pub mod parse;
pub mod responses;
pub mod scoring;

pub use from_fhir::{FromFhirError, canonical_parts, completed_from_fhir};
pub use model::{
    Condition, IdError, Instrument, LocalText, NumberSpec, OptionCode, Question, QuestionId,
    QuestionKind, Questionnaire, QuestionnaireId, ScoreRule, Version,
};
pub use parse::{QuestionnaireError, Reason};
pub use responses::{Answer, AnswerError, Completed, IncompleteError, Responses};
pub use scoring::{Phq2, Phq9, Phq9Severity};

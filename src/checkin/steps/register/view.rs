//! What the registration pages show: one question with its input, or the review of every
//! answer. PHI: `Debug` of the views shows which screen, never what was typed.

use super::form::{Answers, Field, FieldKind, FormError, Question};
use super::keys::{Keyboard, phone_as_typed};
use crate::checkin::steps::BirthView;
use crate::domain::{Language, Relationship, SexOptions};
use jiff::civil::Date;
use std::fmt;

/// One screen of the form as the page draws it.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisterView {
    pub field: Field,
    /// The question's number, for "Step 3 of 9".
    pub step: u8,
    pub steps: u8,
    pub input: RegisterInput,
    /// The answer came from a licence (or was typed to find an appointment) and is shown
    /// for the patient to confirm.
    pub prefilled: bool,
    /// "Skip" is offered.
    pub optional: bool,
    /// Why "Next" did not move on.
    pub error: Option<FormError>,
}

/// The date-of-birth question: the identify step's date entry with the form's progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterBirthView {
    pub entry: BirthView,
    pub step: u8,
    pub steps: u8,
    /// The date came from a licence (or was typed to find an appointment).
    pub prefilled: bool,
}

/// What the page's input is.
#[derive(Clone, PartialEq, Eq)]
pub enum RegisterInput {
    /// A text field and its keyboard. `shown` is the text as displayed (a phone number
    /// formatted while it is typed).
    Text {
        shown: String,
        keyboard: Keyboard,
        /// The field is full: the keyboard takes no more.
        full: bool,
    },
    /// Buttons; `chosen` is the one picked.
    Choice {
        choices: Vec<Choice>,
        chosen: Option<usize>,
    },
}

/// One choice button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// A label from the office, already in the patient's language.
    Label(String),
    Language(Language),
    Relationship(Relationship),
}

/// The review page: every question and its answer.
#[derive(Clone, PartialEq, Eq)]
pub struct ReviewView {
    pub rows: Vec<ReviewRow>,
}

/// One answer on the review page.
#[derive(Clone, PartialEq, Eq)]
pub struct ReviewRow {
    pub question: Question,
    pub answer: ReviewAnswer,
    /// Came from a licence and is unchanged.
    pub prefilled: bool,
}

/// An answer as the review page shows it.
#[derive(Clone, PartialEq, Eq)]
pub enum ReviewAnswer {
    /// An optional question left out.
    Skipped,
    /// Lines of text, as typed (or an office label).
    Lines(Vec<String>),
    Date(Date),
    Language(Language),
    Contact {
        name: String,
        relationship: Relationship,
        phone: String,
    },
}

/// PHI: only which screen shows.
impl fmt::Debug for RegisterView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterView")
            .field("field", &self.field)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}

/// PHI: only how many rows.
impl fmt::Debug for ReviewView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReviewView({} rows)", self.rows.len())
    }
}

/// One question of the form as its page shows it.
pub(crate) fn question(
    answers: &Answers,
    field: Field,
    error: Option<FormError>,
    sex_options: &SexOptions,
    language: Language,
) -> RegisterView {
    let input = match field.kind() {
        FieldKind::Text { keyboard, max } => {
            let text = answers.text(field).text.as_str();
            RegisterInput::Text {
                shown: if keyboard == Keyboard::Digits && max == 10 {
                    phone_as_typed(text)
                } else {
                    text.to_owned()
                },
                keyboard,
                full: text.chars().count() >= max,
            }
        }
        FieldKind::Choice | FieldKind::Date => choices(answers, field, sex_options, language),
    };
    RegisterView {
        field,
        step: field.question().number(),
        steps: Question::ALL.len() as u8,
        input,
        prefilled: answers.prefilled(field),
        optional: field.optional(),
        error,
    }
}

fn choices(
    answers: &Answers,
    field: Field,
    sex_options: &SexOptions,
    language: Language,
) -> RegisterInput {
    match field {
        Field::Sex => {
            let options = sex_options;
            RegisterInput::Choice {
                choices: options
                    .options()
                    .iter()
                    .map(|o| Choice::Label(o.label(language).to_owned()))
                    .collect(),
                chosen: answers
                    .sex
                    .as_ref()
                    .and_then(|s| options.options().iter().position(|o| *o.code() == s.value)),
            }
        }
        Field::Language => RegisterInput::Choice {
            choices: Language::ALL.into_iter().map(Choice::Language).collect(),
            chosen: Language::ALL.iter().position(|l| *l == answers.language),
        },
        _ => RegisterInput::Choice {
            choices: Relationship::ALL
                .into_iter()
                .map(Choice::Relationship)
                .collect(),
            chosen: answers
                .relationship
                .and_then(|r| Relationship::ALL.iter().position(|x| *x == r)),
        },
    }
}

/// Every question and its answer, for the review page.
pub(super) fn review(
    answers: &Answers,
    sex_options: &SexOptions,
    language: Language,
) -> ReviewView {
    let text = |field| answers.text(field).text.as_str().to_owned();
    let lines = |fields: &[Field]| {
        let lines: Vec<String> = fields
            .iter()
            .map(|f| text(*f))
            .filter(|t| !t.trim().is_empty())
            .collect();
        if lines.is_empty() {
            ReviewAnswer::Skipped
        } else {
            ReviewAnswer::Lines(lines)
        }
    };
    let prefilled = |fields: &[Field]| fields.iter().any(|f| answers.prefilled(*f));
    let rows = Question::ALL
        .into_iter()
        .map(|question| {
            let (answer, from_elsewhere) = match question {
                Question::Name => (
                    ReviewAnswer::Lines(vec![format!(
                        "{} {}",
                        text(Field::FirstName),
                        text(Field::LastName)
                    )]),
                    prefilled(&[Field::FirstName, Field::LastName]),
                ),
                Question::PreferredName => (lines(&[Field::PreferredName]), false),
                Question::BirthDate => (
                    answers
                        .date_of_birth
                        .as_ref()
                        .map_or(ReviewAnswer::Skipped, |d| {
                            ReviewAnswer::Date(d.value.date())
                        }),
                    answers.prefilled(Field::BirthDate),
                ),
                Question::Sex => (
                    answers
                        .sex
                        .as_ref()
                        .and_then(|s| sex_options.find(&s.value).cloned())
                        .map_or(ReviewAnswer::Skipped, |o| {
                            ReviewAnswer::Lines(vec![o.label(language).to_owned()])
                        }),
                    answers.prefilled(Field::Sex),
                ),
                Question::Address => {
                    let city_line = format!(
                        "{}, {} {}",
                        text(Field::City),
                        text(Field::State),
                        text(Field::Zip)
                    );
                    let mut lines = vec![text(Field::AddressLine1)];
                    lines.extend(Some(text(Field::AddressLine2)).filter(|t| !t.is_empty()));
                    lines.push(city_line);
                    (
                        ReviewAnswer::Lines(lines),
                        prefilled(&[Field::AddressLine1, Field::City, Field::State, Field::Zip]),
                    )
                }
                Question::Phone => (
                    ReviewAnswer::Lines(vec![phone_as_typed(&text(Field::Phone))]),
                    false,
                ),
                Question::Email => (lines(&[Field::Email]), false),
                Question::Language => (ReviewAnswer::Language(answers.language), false),
                Question::EmergencyContact => (
                    match answers.relationship {
                        Some(relationship) if !answers.skipped_contact() => ReviewAnswer::Contact {
                            name: format!(
                                "{} {}",
                                text(Field::ContactFirstName),
                                text(Field::ContactLastName)
                            ),
                            relationship,
                            phone: phone_as_typed(&text(Field::ContactPhone)),
                        },
                        _ => ReviewAnswer::Skipped,
                    },
                    false,
                ),
            };
            ReviewRow {
                question,
                answer,
                prefilled: from_elsewhere,
            }
        })
        .collect();
    ReviewView { rows }
}

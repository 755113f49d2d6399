//! Register step: a new patient fills in the registration form, one question per screen,
//! then reviews every answer and sends it. Reached only when the identify step started a
//! new patient (`Session::new_patient`); skipped otherwise. What the patient types lives
//! only in this step and the session, both wiped with the patient.

mod form;
mod keys;
mod view;

pub use form::{Field, FieldKind, FormError, Prefill, Question};
pub use keys::{FormText, Keyboard, phone_as_typed};
pub use view::{
    Choice, RegisterBirthView, RegisterInput, RegisterView, ReviewAnswer, ReviewRow, ReviewView,
};

use super::identify::{BirthEntry, BirthStep};
use super::{Go, IdentifyTap, NameKey, Outcome, Step, StepContext};
use crate::checkin::event::Tap;
use crate::checkin::screen::{Ending, PageView, Problem};
use crate::checkin::session::Session;
use crate::devices::scan::Scan;
use crate::domain::{FieldSource, Language, Relationship, SexCode, SexOptions, Sourced};
use crate::scan::aamva;
pub(crate) use form::Answers;
use jiff::civil::Date;
pub(crate) use view::question;

/// Taps on the registration pages. The date of birth reuses the identify step's date
/// page, so its taps arrive as [`IdentifyTap`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterTap {
    /// A key of the page's keyboard.
    Key(NameKey),
    /// One of the page's choice buttons (index into what it shows).
    Choose(u8),
    Next,
    Back,
    /// "Skip" on an optional question.
    Skip,
    /// "Change" beside an answer on the review page.
    Change(Question),
    /// "Send" on the review page.
    Send,
}

/// A new patient starting registration. Held in the session until the check-in step has
/// written it to the outbox; wiped with the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPatient {
    /// What the form starts with, if anything.
    pub prefill: Option<Prefill>,
    /// Set by the register step when the patient taps "Send".
    pub finished: Option<crate::domain::NewPatientRegistration>,
}

impl NewPatient {
    pub fn new(prefill: Option<Prefill>) -> Self {
        Self {
            prefill,
            finished: None,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Register {
    form: Option<Form>,
}

#[derive(Debug)]
struct Form {
    answers: Answers,
    at: At,
    /// Came to the current question from the review page: back there when it is done.
    from_review: bool,
    error: Option<FormError>,
    /// The clinic's day when the form began: bounds the date of birth.
    today: Date,
    birth: BirthEntry,
    /// The office's sex / gender options when the form began.
    sex_options: SexOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Field(Field),
    Review,
}

impl Step for Register {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let Some(new_patient) = &cx.session.new_patient else {
            return Outcome::go(Go::Next);
        };
        let Some(trust) = &cx.knowledge.trust else {
            tracing::warn!("registration started before the office is known");
            return Outcome::end(Ending::Problem(Problem::NotReady));
        };
        let today = cx.now.to_zoned(trust.timezone.clone()).date();
        let mut answers = Answers::new(cx.session.language);
        if let Some(prefill) = &new_patient.prefill {
            answers.prefill(prefill);
            tracing::info!(source = prefill.source.as_str(), "registration pre-filled");
        }
        let mut form = Form {
            answers,
            at: At::Field(Field::FirstName),
            from_review: false,
            error: None,
            today,
            birth: BirthEntry::default(),
            sex_options: cx.knowledge.sex_options.clone(),
        };
        form.arrive();
        self.form = Some(form);
        Outcome::stay()
    }

    fn on_scan(&mut self, scan: &Scan, _cx: &mut StepContext<'_>) -> Outcome {
        let Some(form) = &mut self.form else {
            return Outcome::go(Go::NewPatient);
        };
        match scan {
            // A licence fills in what the patient has not typed.
            Scan::DriversLicence(text) => {
                match aamva::parse(text, form.today) {
                    Ok(licence) => {
                        form.answers.prefill(&Prefill::from_licence(&licence));
                        form.arrive();
                        tracing::info!("licence scanned during registration");
                    }
                    Err(error) => tracing::info!(%error, "licence unreadable during registration"),
                }
                Outcome::stay()
            }
            // Someone with an appointment code is someone else: start over with it.
            Scan::CheckInCode(_) => Outcome::go(Go::NewPatient),
            // Nothing of the form is lost to a stray scan.
            Scan::SmartHealthCard(_) | Scan::Other(_) => Outcome::stay(),
        }
    }

    fn on_tap(&mut self, tap: Tap, cx: &mut StepContext<'_>) -> Outcome {
        let Some(form) = &mut self.form else {
            return Outcome::stay();
        };
        match tap {
            Tap::Register(tap) => form.on_tap(tap, cx),
            Tap::Identify(tap) if form.at == At::Field(Field::BirthDate) => form.on_birth(tap),
            _ => Outcome::stay(),
        }
    }

    fn view(&self, session: &Session) -> PageView {
        match &self.form {
            Some(form) => form.view(session),
            None => PageView::Ending(Ending::Problem(Problem::NotReady)),
        }
    }
}

impl Form {
    /// Sets up the entry of the field now showing.
    fn arrive(&mut self) {
        if self.at == At::Field(Field::BirthDate) {
            // A date already given is shown at its day, to be confirmed with one tap.
            self.birth = match &self.answers.date_of_birth {
                Some(dob) => BirthEntry::Day {
                    year: dob.value.date().year(),
                    month: dob.value.date().month(),
                },
                None => BirthEntry::default(),
            };
        }
    }

    fn go_to(&mut self, at: At) {
        self.at = at;
        self.error = None;
        self.arrive();
    }

    fn on_tap(&mut self, tap: RegisterTap, cx: &mut StepContext<'_>) -> Outcome {
        let At::Field(field) = self.at else {
            return self.on_review(tap, cx);
        };
        match tap {
            RegisterTap::Key(key) => {
                if let FieldKind::Text { keyboard, max } = field.kind() {
                    let answer = self.answers.text_mut(field);
                    if answer.text.press(key, keyboard, max) {
                        answer.source = FieldSource::TypedAtKiosk;
                        self.error = None;
                    }
                }
                Outcome::stay()
            }
            RegisterTap::Choose(index) => {
                self.choose(field, usize::from(index));
                Outcome::stay()
            }
            RegisterTap::Next => {
                match self.answers.check(field) {
                    Ok(())
                        if field == Field::ContactFirstName && self.answers.skipped_contact() =>
                    {
                        self.skip(field)
                    }
                    Ok(()) => self.forward(field),
                    Err(error) => {
                        tracing::info!(?field, ?error, "answer not taken");
                        self.error = Some(error);
                    }
                }
                Outcome::stay()
            }
            RegisterTap::Skip if field.optional() => {
                self.skip(field);
                Outcome::stay()
            }
            RegisterTap::Back => self.back(field),
            RegisterTap::Skip | RegisterTap::Change(_) | RegisterTap::Send => Outcome::stay(),
        }
    }

    fn on_review(&mut self, tap: RegisterTap, cx: &mut StepContext<'_>) -> Outcome {
        match tap {
            RegisterTap::Change(question) => {
                self.from_review = true;
                self.go_to(At::Field(question.first_field()));
                Outcome::stay()
            }
            RegisterTap::Back => {
                self.from_review = false;
                self.go_to(At::Field(Field::ContactFirstName));
                Outcome::stay()
            }
            RegisterTap::Send => match self.answers.build() {
                Ok(registration) => {
                    let Some(new_patient) = &mut cx.session.new_patient else {
                        return Outcome::end(Ending::Problem(Problem::SaveFailed));
                    };
                    new_patient.finished = Some(registration);
                    tracing::info!("registration complete");
                    Outcome::go(Go::Next)
                }
                Err((field, error)) => {
                    // Unreachable through the pages ("Next" checks each answer); shown
                    // on the field rather than sent wrong.
                    self.from_review = true;
                    self.go_to(At::Field(field));
                    self.error = Some(error);
                    Outcome::stay()
                }
            },
            _ => Outcome::stay(),
        }
    }

    fn on_birth(&mut self, tap: IdentifyTap) -> Outcome {
        let today = self.today;
        let step = match tap {
            IdentifyTap::Digit(d) => self.birth.digit(d, today),
            IdentifyTap::DeleteDigit => self.birth.delete_digit(),
            IdentifyTap::Month(m) => self.birth.month(m, today),
            IdentifyTap::Day(d) => self.birth.day(d, today),
            IdentifyTap::Back => self.birth.back(),
            _ => BirthStep::Ignored,
        };
        match step {
            BirthStep::Entering | BirthStep::Ignored => Outcome::stay(),
            BirthStep::Left => self.back(Field::BirthDate),
            BirthStep::Done(dob) => {
                let unchanged = self
                    .answers
                    .date_of_birth
                    .clone()
                    .filter(|d| d.value == dob);
                self.answers.date_of_birth = Some(unchanged.unwrap_or(Sourced::typed(dob)));
                self.forward(Field::BirthDate);
                Outcome::stay()
            }
        }
    }

    fn choose(&mut self, field: Field, index: usize) {
        match field {
            Field::Sex => {
                if let Some(option) = self.sex_options.options().get(index) {
                    let code: SexCode = option.code().clone();
                    let keep = self
                        .answers
                        .sex
                        .as_ref()
                        .filter(|s| s.value == code)
                        .cloned();
                    self.answers.sex = Some(keep.unwrap_or(Sourced::typed(code)));
                }
            }
            Field::Language => {
                if let Some(language) = Language::ALL.get(index) {
                    self.answers.language = *language;
                }
            }
            Field::Relationship => {
                if let Some(relationship) = Relationship::ALL.get(index) {
                    self.answers.relationship = Some(*relationship);
                }
            }
            _ => return,
        }
        self.error = None;
    }

    /// On from `field`, its answer taken.
    fn forward(&mut self, field: Field) {
        let next = match field.next() {
            Some(next) if !(self.from_review && field.ends_question()) => At::Field(next),
            _ => At::Review,
        };
        if next == At::Review {
            self.from_review = false;
        }
        self.go_to(next);
    }

    /// Leaves an optional field out.
    fn skip(&mut self, field: Field) {
        match field {
            Field::Sex => self.answers.sex = None,
            Field::ContactFirstName => {
                self.answers.clear_contact();
                // The contact's other screens are for a contact given.
                self.from_review = false;
                self.go_to(At::Review);
                return;
            }
            _ => *self.answers.text_mut(field) = Default::default(),
        }
        self.forward(field);
    }

    fn back(&mut self, field: Field) -> Outcome {
        if self.from_review && field == field.question().first_field() {
            self.from_review = false;
            self.go_to(At::Review);
            return Outcome::stay();
        }
        match field.previous() {
            Some(previous) => {
                self.go_to(At::Field(previous));
                Outcome::stay()
            }
            // Back from the first question: the patient did not mean to register.
            None => Outcome::go(Go::NewPatient),
        }
    }

    fn view(&self, session: &Session) -> PageView {
        let language = session.language;
        match self.at {
            At::Review => {
                PageView::RegisterReview(view::review(&self.answers, &self.sex_options, language))
            }
            At::Field(Field::BirthDate) => PageView::RegisterBirthDate(RegisterBirthView {
                entry: self.birth.view(self.today),
                step: Question::BirthDate.number(),
                steps: Question::ALL.len() as u8,
                prefilled: self.answers.prefilled(Field::BirthDate),
            }),
            At::Field(field) => PageView::Register(view::question(
                &self.answers,
                field,
                self.error,
                &self.sex_options,
                language,
            )),
        }
    }
}

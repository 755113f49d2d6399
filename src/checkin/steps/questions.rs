//! Questions step: after the check-in (or a new patient's registration) is saved, the
//! intake questionnaires the office asks, one question per screen. The forms are taken
//! from [`Knowledge`](crate::checkin::Knowledge) when the step starts, so forms learnt
//! mid-way change nothing for this patient; `questionnaire::Responses` decides which
//! questions show. Each finished questionnaire becomes a FHIR QuestionnaireResponse in one
//! sealed outbox row before the next one starts. A failed save never undoes the check-in:
//! the patient goes on and the desk is told. Patients never see scores.

use super::{FormText, Go, Keyboard, NameKey, Outcome, Step, StepContext};
use crate::api::{FormSubject, IntakeSubmission};
use crate::checkin::event::{Completion, Effect, OpId, OpResult, PendingIntake, PendingRow, Tap};
use crate::checkin::screen::PageView;
use crate::checkin::session::Session;
use crate::devices::scan::Scan;
use crate::domain::{ClinicId, IntakeResponseId, StaffNeed};
use crate::questionnaire::fhir::{self, CanonicalBase};
use crate::questionnaire::{
    Answer, LocalText, NumberSpec, Question, QuestionId, QuestionKind, Questionnaire, Responses,
};
use jiff::civil::Date;
use std::fmt;
use std::sync::Arc;

/// Buttons and keys of the question pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionsTap {
    /// "Start" on a questionnaire's introduction.
    Start,
    /// The two buttons of a yes/no question: each answers and moves on.
    Yes,
    No,
    /// A choice by its index: a single choice answers and moves on; a multiple choice
    /// is ticked or unticked.
    Choose(u8),
    /// A key of the number keypad or the text keyboard.
    Key(NameKey),
    /// Takes the answer on the page (multiple choice, number, text, or one kept from
    /// before "Back") and moves on.
    Next,
    /// Leaves an optional question unanswered.
    Skip,
    /// To the previous question shown, its answer kept.
    Back,
    /// "Continue" on the page shown after a worrying answer.
    Continue,
}

/// What the question pages show. PHI: `Debug` shows which page, never an answer.
#[derive(Clone, PartialEq, Eq)]
pub enum QuestionsView {
    /// A questionnaire's title and introduction, with "Start".
    Intro {
        title: LocalText,
        intro: LocalText,
    },
    Question(QuestionView),
    /// Writing a finished questionnaire down.
    Saving,
    /// After a PHQ-9 item 9 answer other than "not at all": tell someone here now, or
    /// call or text 988. The office alerts staff on its own.
    Safety,
}

/// One question on screen, its texts in every language (the page shows the patient's).
#[derive(Clone, PartialEq, Eq)]
pub struct QuestionView {
    /// The questionnaire's title.
    pub title: LocalText,
    /// "Question 2 of 5": its place among the questions shown now.
    pub number: u16,
    pub of: u16,
    /// The questionnaire's introduction, repeated above each of its questions (the
    /// PHQ's "Over the last 2 weeks…" gives its items their sense).
    pub stem: Option<LocalText>,
    pub text: LocalText,
    /// "Skip" is offered.
    pub optional: bool,
    /// "Back" is offered.
    pub can_back: bool,
    pub input: QuestionInput,
    /// Why "Next" did not move on.
    pub error: Option<QuestionError>,
}

/// How the question is answered, and the answer so far.
#[derive(Clone, PartialEq, Eq)]
pub enum QuestionInput {
    YesNo {
        chosen: Option<bool>,
    },
    Single {
        choices: Vec<LocalText>,
        chosen: Option<usize>,
    },
    Multiple {
        choices: Vec<LocalText>,
        ticked: Vec<bool>,
    },
    Number {
        typed: String,
        unit: Option<LocalText>,
        /// The range, as the error says it ("from 0 to 365").
        min: String,
        max: String,
        /// The keypad offers a decimal point.
        decimals: bool,
        /// The keypad offers a minus sign (the form allows numbers below zero).
        minus: bool,
        /// No digit fits any more.
        full: bool,
    },
    Text {
        typed: String,
        full: bool,
    },
}

/// Why an answer was not taken. The page says it in the patient's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionError {
    /// Nothing chosen or typed on a question that must be answered.
    Required,
    /// The number is outside the question's range (the page names the range).
    OutOfRange,
}

impl fmt::Debug for QuestionsView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuestionsView::Intro { .. } => f.write_str("Intro"),
            QuestionsView::Question(q) => f
                .debug_struct("Question")
                .field("number", &q.number)
                .field("of", &q.of)
                .field("input", &q.input)
                .field("error", &q.error)
                .finish_non_exhaustive(),
            QuestionsView::Saving => f.write_str("Saving"),
            QuestionsView::Safety => f.write_str("Safety"),
        }
    }
}

/// PHI: the kind of input only.
impl fmt::Debug for QuestionInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuestionInput::YesNo { .. } => "YesNo",
            QuestionInput::Single { .. } => "Single",
            QuestionInput::Multiple { .. } => "Multiple",
            QuestionInput::Number { .. } => "Number",
            QuestionInput::Text { .. } => "Text",
        })
    }
}

/// Whom the answers belong to and where they are sent from.
#[derive(Debug, Clone)]
struct Target {
    subject: FormSubject,
    clinic: ClinicId,
    /// The clinic's calendar day (the outbox keeps days, never times).
    day: Date,
    base: CanonicalBase,
}

#[derive(Debug, Default)]
enum Stage {
    /// Not started, or every questionnaire is done.
    #[default]
    Idle,
    Intro,
    Asking,
    Saving {
        op: OpId,
        /// Show the safety page once it is saved.
        alert: bool,
    },
    Safety,
}

/// What the patient is entering on the current page, before "Next".
#[derive(Default)]
enum Draft {
    #[default]
    None,
    Ticked(Vec<bool>),
    Number(String),
    Text(FormText),
}

/// The questions step. PHI: `Debug` shows where it is, never an answer.
#[derive(Default)]
pub(crate) struct Questions {
    /// The questionnaires to ask, as they were when the step started.
    forms: Vec<Arc<Questionnaire>>,
    /// The one being answered.
    index: usize,
    responses: Option<Responses>,
    /// The questions of this form shown so far, in order; the last one is on screen.
    trail: Vec<QuestionId>,
    draft: Draft,
    error: Option<QuestionError>,
    stage: Stage,
    target: Option<Target>,
}

impl fmt::Debug for Questions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Questions")
            .field("forms", &self.forms.len())
            .field("index", &self.index)
            .field("responses", &self.responses)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

impl Step for Questions {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let Some(subject) = cx.session.form_subject() else {
            return Outcome::go(Go::Next);
        };
        let forms = &cx.knowledge.forms;
        if forms.ask.is_empty() {
            return Outcome::go(Go::Next);
        }
        let place = match (&cx.knowledge.trust, &cx.session.appointment) {
            (Some(trust), _) => {
                Some((trust.clinic, cx.now.to_zoned(trust.timezone.clone()).date()))
            }
            (None, Some(appointment)) => Some((appointment.clinic, appointment.day)),
            (None, None) => None,
        };
        let Some((clinic, day)) = place else {
            tracing::error!("questions step reached without knowing the clinic");
            return Outcome::go(Go::Next);
        };
        self.forms = forms.ask.clone();
        self.target = Some(Target {
            subject,
            clinic,
            day,
            base: forms.canonical_base.clone(),
        });
        self.start_form(0)
    }

    fn on_scan(&mut self, _scan: &Scan, _cx: &mut StepContext<'_>) -> Outcome {
        // While a finished form is written, nothing may start over; otherwise the
        // patient has walked away and the next one is scanning (what is sent is sent).
        if self.busy() {
            Outcome::stay()
        } else {
            Outcome::go(Go::NewPatient)
        }
    }

    fn on_tap(&mut self, tap: Tap, cx: &mut StepContext<'_>) -> Outcome {
        let Tap::Questions(tap) = tap else {
            return Outcome::stay();
        };
        match (&self.stage, tap) {
            (Stage::Intro, QuestionsTap::Start) => {
                let first = self
                    .responses
                    .as_ref()
                    .and_then(|r| r.shown().next().map(|q| q.id.clone()));
                match first {
                    Some(first) => {
                        self.ask(first);
                        Outcome::stay()
                    }
                    None => self.start_form(self.index + 1),
                }
            }
            (Stage::Safety, QuestionsTap::Continue) => self.start_form(self.index + 1),
            (Stage::Asking, QuestionsTap::Back) => {
                self.back();
                Outcome::stay()
            }
            (Stage::Asking, tap) => self.on_answer_tap(tap, cx),
            _ => Outcome::stay(),
        }
    }

    fn on_completed(&mut self, completion: &Completion, _cx: &mut StepContext<'_>) -> Outcome {
        let Stage::Saving { op, alert } = self.stage else {
            return Outcome::stay();
        };
        if op != completion.op {
            return Outcome::stay();
        }
        let id = self.forms.get(self.index).map(|f| f.id.clone());
        let help = if completion.result == OpResult::Persisted {
            tracing::info!(questionnaire = ?id, "answers saved to outbox");
            None
        } else {
            // The check-in stands; the desk asks the questions instead.
            tracing::error!(questionnaire = ?id, "answers could not be saved on the kiosk");
            Some(Effect::RequestHelp(StaffNeed::AnswersNotSaved))
        };
        let outcome = if alert {
            self.stage = Stage::Safety;
            Outcome::stay()
        } else {
            self.start_form(self.index + 1)
        };
        match help {
            Some(effect) => outcome.with(effect),
            None => outcome,
        }
    }

    fn view(&self, _session: &Session) -> PageView {
        let form = self.forms.get(self.index);
        PageView::Questions(match (&self.stage, form) {
            (Stage::Intro, Some(form)) => QuestionsView::Intro {
                title: form.title.clone(),
                intro: form.intro.clone().unwrap_or(LocalText {
                    en: String::new(),
                    es: String::new(),
                }),
            },
            (Stage::Asking, Some(form)) => match self.question_view(form) {
                Some(view) => QuestionsView::Question(view),
                None => QuestionsView::Saving,
            },
            (Stage::Safety, _) => QuestionsView::Safety,
            _ => QuestionsView::Saving,
        })
    }

    fn busy(&self) -> bool {
        matches!(self.stage, Stage::Saving { .. })
    }
}

impl Questions {
    /// Starts the questionnaire at `index`, or moves on when none is left. A form that
    /// shows no question at all is passed over (nothing to send).
    fn start_form(&mut self, mut index: usize) -> Outcome {
        loop {
            self.trail.clear();
            self.draft = Draft::None;
            self.error = None;
            self.index = index;
            let Some(form) = self.forms.get(index).cloned() else {
                self.responses = None;
                self.stage = Stage::Idle;
                return Outcome::go(Go::Next);
            };
            let responses = Responses::new(Arc::clone(&form));
            let first = responses.shown().next().map(|q| q.id.clone());
            self.responses = Some(responses);
            match first {
                None => index += 1,
                Some(_) if form.intro.is_some() => {
                    self.stage = Stage::Intro;
                    return Outcome::stay();
                }
                Some(first) => {
                    self.ask(first);
                    return Outcome::stay();
                }
            }
        }
    }

    /// Puts `question` on screen with the answer it has (after "Back").
    fn ask(&mut self, question: QuestionId) {
        self.stage = Stage::Asking;
        self.error = None;
        self.draft = match (&self.responses, self.form_question(&question)) {
            (Some(responses), Some(q)) => draft_of(&q, responses.answer_of(q.id.as_str())),
            _ => Draft::None,
        };
        self.trail.push(question);
    }

    fn form_question(&self, id: &QuestionId) -> Option<Question> {
        self.forms
            .get(self.index)
            .and_then(|f| f.question(id.as_str()))
            .cloned()
    }

    fn current(&self) -> Option<Question> {
        self.trail.last().and_then(|id| self.form_question(id))
    }

    fn back(&mut self) {
        if self.trail.len() > 1 {
            self.trail.pop();
            if let Some(previous) = self.trail.pop() {
                self.ask(previous);
            }
        } else if self
            .forms
            .get(self.index)
            .is_some_and(|f| f.intro.is_some())
        {
            self.trail.clear();
            self.draft = Draft::None;
            self.error = None;
            self.stage = Stage::Intro;
        }
    }

    fn can_back(&self, form: &Questionnaire) -> bool {
        self.trail.len() > 1 || form.intro.is_some()
    }

    fn on_answer_tap(&mut self, tap: QuestionsTap, cx: &mut StepContext<'_>) -> Outcome {
        let Some(q) = self.current() else {
            return Outcome::stay();
        };
        let answer = match (&q.kind, tap) {
            (QuestionKind::YesNo, QuestionsTap::Yes) => Some(Answer::YesNo(true)),
            (QuestionKind::YesNo, QuestionsTap::No) => Some(Answer::YesNo(false)),
            (QuestionKind::SingleChoice(choices), QuestionsTap::Choose(i)) => {
                match choices.get(usize::from(i)) {
                    Some(choice) => Some(Answer::Choice(choice.code.clone())),
                    None => return Outcome::stay(),
                }
            }
            (QuestionKind::MultipleChoice(_), QuestionsTap::Choose(i)) => {
                if let Draft::Ticked(ticked) = &mut self.draft
                    && let Some(tick) = ticked.get_mut(usize::from(i))
                {
                    *tick = !*tick;
                    self.error = None;
                }
                return Outcome::stay();
            }
            (QuestionKind::Number(spec), QuestionsTap::Key(key)) => {
                if let Draft::Number(typed) = &mut self.draft {
                    press_number(typed, key, spec);
                    self.error = None;
                }
                return Outcome::stay();
            }
            (QuestionKind::ShortText { max_length }, QuestionsTap::Key(key)) => {
                if let Draft::Text(typed) = &mut self.draft {
                    typed.press(key, Keyboard::Address, *max_length as usize);
                    self.error = None;
                }
                return Outcome::stay();
            }
            (_, QuestionsTap::Next) => match self.drafted(&q) {
                Ok(answer) => answer,
                Err(error) => {
                    self.error = Some(error);
                    return Outcome::stay();
                }
            },
            (_, QuestionsTap::Skip) if !q.required => None,
            _ => return Outcome::stay(),
        };
        let Some(responses) = self.responses.as_mut() else {
            return Outcome::stay();
        };
        match answer {
            Some(answer) => {
                if let Err(error) = responses.answer(q.id.as_str(), answer) {
                    // The page only offers what the question takes; never seen.
                    tracing::error!(%error, "answer refused");
                    self.error = Some(QuestionError::Required);
                    return Outcome::stay();
                }
            }
            None if q.required => {
                self.error = Some(QuestionError::Required);
                return Outcome::stay();
            }
            None => responses.clear(q.id.as_str()),
        }
        self.advance(&q, cx)
    }

    /// The answer on the page when "Next" is tapped: `Ok(None)` when nothing is entered
    /// (skipped if the question is optional).
    fn drafted(&self, q: &Question) -> Result<Option<Answer>, QuestionError> {
        let kept = || {
            self.responses
                .as_ref()
                .and_then(|r| r.answer_of(q.id.as_str()))
                .cloned()
        };
        let answer = match (&q.kind, &self.draft) {
            (QuestionKind::YesNo | QuestionKind::SingleChoice(_), _) => kept(),
            (QuestionKind::MultipleChoice(choices), Draft::Ticked(ticked)) => {
                let codes: Vec<_> = choices
                    .iter()
                    .zip(ticked)
                    .filter(|(_, t)| **t)
                    .map(|(c, _)| c.code.clone())
                    .collect();
                (!codes.is_empty()).then_some(Answer::Choices(codes))
            }
            (QuestionKind::Number(spec), Draft::Number(typed)) if !typed.is_empty() => {
                match typed.parse::<f64>() {
                    Ok(n) if spec.min <= n && n <= spec.max => Some(Answer::Number(n)),
                    _ => return Err(QuestionError::OutOfRange),
                }
            }
            (QuestionKind::ShortText { .. }, Draft::Text(typed)) if !typed.is_empty() => {
                Some(Answer::Text(typed.as_str().to_owned()))
            }
            _ => None,
        };
        if answer.is_none() && q.required {
            return Err(QuestionError::Required);
        }
        Ok(answer)
    }

    /// On to the next question shown after `q` (conditions look only at earlier
    /// questions, so the answers so far decide it), or the questionnaire is finished.
    fn advance(&mut self, q: &Question, cx: &mut StepContext<'_>) -> Outcome {
        let next = self.responses.as_ref().and_then(|responses| {
            let form = responses.form();
            let at = form.questions.iter().position(|x| x.id == q.id)?;
            form.questions[at + 1..]
                .iter()
                .find(|x| responses.is_shown(x))
                .map(|x| x.id.clone())
        });
        match next {
            Some(next) => {
                self.ask(next);
                Outcome::stay()
            }
            None => self.finish(cx),
        }
    }

    /// The questionnaire is done: its response goes to the outbox.
    fn finish(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let (Some(responses), Some(target)) = (self.responses.take(), &self.target) else {
            return self.start_form(self.index + 1);
        };
        let done = match responses.clone().finish(cx.now) {
            Ok(done) => done,
            Err(missing) => {
                // The pages never let a required question by; ask it rather than lose it.
                tracing::error!(%missing, "questionnaire not complete");
                self.responses = Some(responses);
                self.trail.clear();
                self.ask(missing.missing);
                return Outcome::stay();
            }
        };
        let alert = !done.responses().alerts().is_empty();
        let submission = IntakeSubmission {
            id: IntakeResponseId::random(),
            clinic: target.clinic,
            subject: target.subject,
            language: cx.session.language,
            response: fhir::questionnaire_response(&done, &target.base),
        };
        let day = target.day;
        let op = cx.new_op();
        self.stage = Stage::Saving { op, alert };
        self.trail.clear();
        self.draft = Draft::None;
        Outcome::stay().with(Effect::Persist {
            op,
            row: PendingRow::Intake(Box::new(PendingIntake { submission, day })),
        })
    }

    fn question_view(&self, form: &Questionnaire) -> Option<QuestionView> {
        let responses = self.responses.as_ref()?;
        let q = self.current()?;
        let shown: Vec<&QuestionId> = responses.shown().map(|x| &x.id).collect();
        let number = shown.iter().position(|id| **id == q.id).unwrap_or(0) + 1;
        let kept = responses.answer_of(q.id.as_str());
        let texts = |q: &Question| -> Vec<LocalText> {
            q.kind.choices().iter().map(|c| c.text.clone()).collect()
        };
        let input = match (&q.kind, &self.draft) {
            (QuestionKind::YesNo, _) => QuestionInput::YesNo {
                chosen: match kept {
                    Some(Answer::YesNo(yes)) => Some(*yes),
                    _ => None,
                },
            },
            (QuestionKind::SingleChoice(choices), _) => QuestionInput::Single {
                choices: texts(&q),
                chosen: match kept {
                    Some(Answer::Choice(code)) => choices.iter().position(|c| &c.code == code),
                    _ => None,
                },
            },
            (QuestionKind::MultipleChoice(choices), draft) => QuestionInput::Multiple {
                choices: texts(&q),
                ticked: match draft {
                    Draft::Ticked(ticked) => ticked.clone(),
                    _ => vec![false; choices.len()],
                },
            },
            (QuestionKind::Number(spec), draft) => {
                let typed = match draft {
                    Draft::Number(typed) => typed.clone(),
                    _ => String::new(),
                };
                QuestionInput::Number {
                    full: number_full(&typed, spec),
                    typed,
                    unit: spec.unit.clone(),
                    min: format!("{}", spec.min),
                    max: format!("{}", spec.max),
                    decimals: spec.decimals > 0,
                    minus: spec.min < 0.0,
                }
            }
            (QuestionKind::ShortText { max_length }, draft) => {
                let typed = match draft {
                    Draft::Text(typed) => typed.as_str().to_owned(),
                    _ => String::new(),
                };
                QuestionInput::Text {
                    full: typed.chars().count() >= *max_length as usize,
                    typed,
                }
            }
        };
        Some(QuestionView {
            title: form.title.clone(),
            number: u16::try_from(number).unwrap_or(u16::MAX),
            of: u16::try_from(shown.len()).unwrap_or(u16::MAX),
            stem: form.intro.clone(),
            text: q.text.clone(),
            optional: !q.required,
            can_back: self.can_back(form),
            input,
            error: self.error,
        })
    }
}

/// The page's starting state for `q`, from the answer it already has.
fn draft_of(q: &Question, kept: Option<&Answer>) -> Draft {
    match (&q.kind, kept) {
        (QuestionKind::MultipleChoice(choices), kept) => Draft::Ticked(
            choices
                .iter()
                .map(|c| matches!(kept, Some(Answer::Choices(codes)) if codes.contains(&c.code)))
                .collect(),
        ),
        (QuestionKind::Number(_), Some(Answer::Number(n))) => Draft::Number(format!("{n}")),
        (QuestionKind::Number(_), _) => Draft::Number(String::new()),
        (QuestionKind::ShortText { max_length }, kept) => Draft::Text(match kept {
            Some(Answer::Text(text)) => {
                FormText::from_text(text, Keyboard::Address, *max_length as usize)
            }
            _ => FormText::default(),
        }),
        _ => Draft::None,
    }
}

/// How many digits the whole part of a number in `spec` can have.
fn whole_digits(spec: &NumberSpec) -> usize {
    let largest = spec.max.abs().max(spec.min.abs()).trunc();
    format!("{largest}").len()
}

/// Whether no digit can be added to `typed`.
fn number_full(typed: &str, spec: &NumberSpec) -> bool {
    let typed = typed.trim_start_matches('-');
    match typed.split_once('.') {
        Some((_, fraction)) => fraction.len() >= usize::from(spec.decimals),
        None => typed.len() >= whole_digits(spec) && spec.decimals == 0,
    }
}

/// One key of the number keypad: digits (as many as the form's range and precision
/// allow), one decimal point when the form takes decimals, a minus sign that turns the
/// number negative and back when the form goes below zero, delete and clear.
fn press_number(typed: &mut String, key: NameKey, spec: &NumberSpec) {
    match key {
        NameKey::Char('-') if spec.min < 0.0 => {
            if typed.starts_with('-') {
                typed.remove(0);
            } else {
                typed.insert(0, '-');
            }
        }
        NameKey::Char('.') if spec.decimals > 0 && !typed.contains('.') => {
            if typed.is_empty() {
                typed.push('0');
            }
            typed.push('.');
        }
        NameKey::Char(c) if c.is_ascii_digit() => {
            let digits = typed.trim_start_matches('-');
            let fraction = digits.split_once('.').map(|(_, fraction)| fraction.len());
            match fraction {
                Some(len) if len >= usize::from(spec.decimals) => return,
                Some(_) => {}
                None if digits.len() >= whole_digits(spec) => return,
                // "07" is "7" (and "-07" is "-7"): a leading zero is replaced.
                None if digits == "0" => {
                    typed.pop();
                }
                None => {}
            }
            typed.push(c);
        }
        NameKey::Char(_) => {}
        NameKey::Backspace => {
            typed.pop();
        }
        NameKey::Clear => typed.clear(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkin::forms::Forms;
    use crate::checkin::knowledge::{Knowledge, OfficeTrust};
    use crate::domain::RegistrationId;

    fn typed(spec: &NumberSpec, keys: &str) -> String {
        let mut typed = String::new();
        for c in keys.chars() {
            let key = match c {
                '<' => NameKey::Backspace,
                '!' => NameKey::Clear,
                c => NameKey::Char(c),
            };
            press_number(&mut typed, key, spec);
        }
        typed
    }

    fn spec(min: f64, max: f64, decimals: u8) -> NumberSpec {
        NumberSpec {
            min,
            max,
            decimals,
            unit: None,
        }
    }

    fn knowledge() -> Knowledge {
        let phq2 = crate::questionnaire::defaults::all()
            .into_iter()
            .find(|q| q.id.as_str() == "phq-2")
            .map(Arc::new);
        Knowledge {
            trust: Some(OfficeTrust {
                clinic: ClinicId::new(7).unwrap(),
                clinic_name: "Testville Clinic".into(),
                timezone: jiff::tz::TimeZone::UTC,
                key: ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key(),
            }),
            forms: Forms {
                ask: phq2.into_iter().collect(),
                ..Forms::shipped()
            },
            ..Knowledge::default()
        }
    }

    #[test]
    fn a_new_patients_answers_belong_to_their_registration_and_nobodys_are_not_asked() {
        let now: jiff::Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut knowledge = knowledge();
        let mut next_op = OpId::first();

        // Nothing saved yet (no check-in, no registration): no one to answer for.
        let mut nobody = Session::default();
        let mut cx = StepContext::new(&mut nobody, &mut knowledge, now, &mut next_op);
        assert_eq!(Questions::default().enter(&mut cx).go, Go::Next);

        let id = RegistrationId::random();
        let mut session = Session {
            registered: Some(id),
            ..Session::default()
        };
        let mut cx = StepContext::new(&mut session, &mut knowledge, now, &mut next_op);
        let mut step = Questions::default();
        assert_eq!(step.enter(&mut cx).go, Go::Stay);
        let tap = |t| Tap::Questions(t);
        step.on_tap(tap(QuestionsTap::Start), &mut cx);
        step.on_tap(tap(QuestionsTap::Choose(0)), &mut cx);
        let outcome = step.on_tap(tap(QuestionsTap::Choose(0)), &mut cx);
        let Some(Effect::Persist {
            row: PendingRow::Intake(intake),
            ..
        }) = outcome.effects.first()
        else {
            panic!("expected the PHQ-2's row, got {:?}", outcome.effects);
        };
        assert_eq!(intake.submission.subject, FormSubject::Registration(id));
        assert!(step.busy(), "nothing starts over while the row is written");
    }

    #[test]
    fn the_keypad_takes_only_what_the_range_and_precision_allow() {
        let days = spec(0.0, 365.0, 0);
        assert_eq!(typed(&days, "12345"), "123");
        assert_eq!(typed(&days, "1.5"), "15", "no point for whole numbers");
        assert_eq!(typed(&days, "007"), "7");
        assert_eq!(typed(&days, "12<9"), "19");
        assert_eq!(typed(&days, "12!4"), "4");
        assert!(number_full("365", &days));
        assert!(!number_full("36", &days));

        let temperature = spec(93.0, 110.0, 1);
        assert_eq!(typed(&temperature, "101.45"), "101.4");
        assert_eq!(typed(&temperature, "99..5"), "99.5");
        assert_eq!(typed(&temperature, ".5"), "0.5");
        assert!(!number_full("101", &temperature), "the point still fits");
        assert!(number_full("101.4", &temperature));
        assert_eq!(
            typed(&temperature, "-5"),
            "5",
            "no minus when the range has none"
        );

        let change = spec(-50.0, 50.0, 0);
        assert_eq!(typed(&change, "-12"), "-12");
        assert_eq!(
            typed(&change, "12-"),
            "-12",
            "the sign key turns the number negative"
        );
        assert_eq!(typed(&change, "-12-"), "12", "and back");
        assert_eq!(typed(&change, "-123"), "-12", "the sign is not a digit");
        assert_eq!(typed(&change, "-07"), "-7");
        assert!(number_full("-50", &change) && !number_full("-5", &change));
    }
}

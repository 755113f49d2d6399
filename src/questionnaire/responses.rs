//! Answering a questionnaire: each answer checked against its question, which questions
//! are shown given the answers so far, the next one to ask, completeness and scores.

use super::model::*;
use super::scoring::{Phq2, Phq9, Phq9Severity};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// A patient's answer to one question. PHI: `Debug` shows only its kind.
#[derive(Clone, PartialEq)]
pub enum Answer {
    YesNo(bool),
    Choice(OptionCode),
    /// One or more choices of a multiple-choice question.
    Choices(Vec<OptionCode>),
    Number(f64),
    Text(String),
}

impl Answer {
    fn kind_name(&self) -> &'static str {
        match self {
            Answer::YesNo(_) => "YesNo",
            Answer::Choice(_) => "Choice",
            Answer::Choices(_) => "Choices",
            Answer::Number(_) => "Number",
            Answer::Text(_) => "Text",
        }
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Answer::{}(<hidden>)", self.kind_name())
    }
}

/// An answer was refused. Names the question, never the answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("the form has no question '{0}'")]
    UnknownQuestion(String),
    #[error("question '{0}' is not shown given the answers so far")]
    NotShown(QuestionId),
    #[error("question '{question}' takes a {expected} answer")]
    WrongKind {
        question: QuestionId,
        expected: &'static str,
    },
    #[error("question '{0}' has no such choice")]
    UnknownChoice(QuestionId),
    #[error("question '{0}' needs at least one choice, each once")]
    BadChoices(QuestionId),
    #[error("the answer to question '{0}' is outside its range or precision")]
    OutOfRange(QuestionId),
    #[error(
        "the answer to question '{question}' is blank, longer than {max_length} characters or has control characters"
    )]
    BadText {
        question: QuestionId,
        max_length: u32,
    },
}

/// The form cannot be finished yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("question '{missing}' is shown, required and not answered")]
pub struct IncompleteError {
    pub missing: QuestionId,
}

/// The answers given so far to one questionnaire. Only answers to questions shown now are
/// kept: changing an earlier answer that hides a later question drops that question's answer.
#[derive(Clone)]
pub struct Responses {
    form: Arc<Questionnaire>,
    answers: BTreeMap<QuestionId, Answer>,
}

impl fmt::Debug for Responses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Responses")
            .field("form", &self.form.id)
            .field("answered", &self.answers.len())
            .finish()
    }
}

impl Responses {
    pub fn new(form: Arc<Questionnaire>) -> Self {
        Self {
            form,
            answers: BTreeMap::new(),
        }
    }

    pub fn form(&self) -> &Arc<Questionnaire> {
        &self.form
    }

    /// Checks an answer against its question and records it (replacing an earlier one).
    pub fn answer(&mut self, question: &str, answer: Answer) -> Result<(), AnswerError> {
        let q = self
            .form
            .question(question)
            .ok_or_else(|| AnswerError::UnknownQuestion(question.chars().take(64).collect()))?;
        if !self.is_shown(q) {
            return Err(AnswerError::NotShown(q.id.clone()));
        }
        let answer = check(q, answer)?;
        let id = q.id.clone();
        self.answers.insert(id, answer);
        self.prune();
        Ok(())
    }

    /// Withdraws an answer (the patient cleared it).
    pub fn clear(&mut self, question: &str) {
        self.answers.retain(|id, _| id.as_str() != question);
        self.prune();
    }

    /// Drops answers to questions no longer shown. One pass in file order suffices because
    /// conditions only look at earlier questions.
    fn prune(&mut self) {
        let form = Arc::clone(&self.form);
        for q in &form.questions {
            if !self.is_shown(q) {
                self.answers.remove(&q.id);
            }
        }
    }

    pub fn answer_of(&self, question: &str) -> Option<&Answer> {
        self.answers
            .iter()
            .find(|(id, _)| id.as_str() == question)
            .map(|(_, a)| a)
    }

    /// Whether every condition of a question holds now.
    pub fn is_shown(&self, q: &Question) -> bool {
        q.show_when.iter().all(|c| self.holds(c))
    }

    fn holds(&self, c: &Condition) -> bool {
        match c {
            Condition::IsYes { question, yes } => {
                self.answers.get(question) == Some(&Answer::YesNo(*yes))
            }
            Condition::IsChoice { question, code } => {
                matches!(self.answers.get(question), Some(Answer::Choice(c)) if c == code)
            }
            Condition::Includes { question, code } => {
                matches!(self.answers.get(question), Some(Answer::Choices(cs)) if cs.contains(code))
            }
            Condition::NumberAtLeast { question, min } => {
                matches!(self.answers.get(question), Some(Answer::Number(n)) if n >= min)
            }
            Condition::ScoreAtLeast { score, min } => {
                self.score(score.as_str()).is_some_and(|s| s >= *min)
            }
        }
    }

    /// The questions shown now, in order.
    pub fn shown(&self) -> impl Iterator<Item = &Question> {
        self.form.questions.iter().filter(|q| self.is_shown(q))
    }

    /// The first shown question without an answer (optional ones included: the kiosk asks
    /// them in order and the patient may skip).
    pub fn next_unanswered(&self) -> Option<&Question> {
        self.shown().find(|q| !self.answers.contains_key(&q.id))
    }

    /// The first shown, required question without an answer.
    fn first_missing(&self) -> Option<&Question> {
        self.shown()
            .find(|q| q.required && !self.answers.contains_key(&q.id))
    }

    pub fn is_complete(&self) -> bool {
        self.first_missing().is_none()
    }

    /// A score's total, once every one of its items is answered.
    pub fn score(&self, score: &str) -> Option<u32> {
        let rule = self.form.score_rule(score)?;
        rule.items
            .iter()
            .map(|item| self.points(item))
            .sum::<Option<u32>>()
    }

    fn points(&self, item: &QuestionId) -> Option<u32> {
        let Some(Answer::Choice(code)) = self.answers.get(item) else {
            return None;
        };
        let q = self.form.question(item.as_str())?;
        q.kind.choices().iter().find(|c| &c.code == code)?.score
    }

    pub fn phq2(&self) -> Option<Phq2> {
        let rule = self.form.instrument(Instrument::Phq2)?;
        let total = u8::try_from(self.score(rule.id.as_str())?).ok()?;
        Some(Phq2 { total })
    }

    /// The PHQ-9 result, once all nine items are answered (never when a negative PHQ-2
    /// kept items 3 to 9 hidden).
    pub fn phq9(&self) -> Option<Phq9> {
        let rule = self.form.instrument(Instrument::Phq9)?;
        let total = u8::try_from(self.score(rule.id.as_str())?).ok()?;
        let item9 = rule.items.get(8)?;
        Some(Phq9 {
            total,
            severity: Phq9Severity::from_total(total)?,
            item9_alert: self.points(item9)? > 0,
        })
    }

    /// Questions whose answer raises an alert (`alert_unless`), in form order.
    pub fn alerts(&self) -> Vec<&QuestionId> {
        self.form
            .questions
            .iter()
            .filter(|q| {
                q.alert_unless.as_ref().is_some_and(
                    |safe| matches!(self.answers.get(&q.id), Some(Answer::Choice(c)) if c != safe),
                )
            })
            .map(|q| &q.id)
            .collect()
    }

    /// Answers in form order (only shown questions have answers).
    pub fn answers(&self) -> impl Iterator<Item = (&Question, &Answer)> {
        self.form
            .questions
            .iter()
            .filter_map(|q| self.answers.get(&q.id).map(|a| (q, a)))
    }

    /// Closes the form at `authored` once every shown required question is answered.
    pub fn finish(self, authored: jiff::Timestamp) -> Result<Completed, IncompleteError> {
        if let Some(q) = self.first_missing() {
            return Err(IncompleteError {
                missing: q.id.clone(),
            });
        }
        Ok(Completed {
            responses: self,
            authored,
        })
    }
}

/// A finished form: what becomes a QuestionnaireResponse.
#[derive(Debug, Clone)]
pub struct Completed {
    responses: Responses,
    authored: jiff::Timestamp,
}

impl Completed {
    pub fn responses(&self) -> &Responses {
        &self.responses
    }

    pub fn authored(&self) -> jiff::Timestamp {
        self.authored
    }
}

fn check(q: &Question, answer: Answer) -> Result<Answer, AnswerError> {
    let id = || q.id.clone();
    let wrong = |expected| AnswerError::WrongKind {
        question: q.id.clone(),
        expected,
    };
    match (&q.kind, answer) {
        (QuestionKind::YesNo, a @ Answer::YesNo(_)) => Ok(a),
        (QuestionKind::YesNo, _) => Err(wrong("yes/no")),
        (QuestionKind::SingleChoice(choices), Answer::Choice(code)) => {
            if choices.iter().any(|c| c.code == code) {
                Ok(Answer::Choice(code))
            } else {
                Err(AnswerError::UnknownChoice(id()))
            }
        }
        (QuestionKind::SingleChoice(_), _) => Err(wrong("single choice")),
        (QuestionKind::MultipleChoice(choices), Answer::Choices(codes)) => {
            if codes.is_empty() || (1..codes.len()).any(|i| codes[..i].contains(&codes[i])) {
                return Err(AnswerError::BadChoices(id()));
            }
            if !codes
                .iter()
                .all(|code| choices.iter().any(|c| &c.code == code))
            {
                return Err(AnswerError::UnknownChoice(id()));
            }
            // Kept in the form's order, so equal selections compare and serialise equal.
            Ok(Answer::Choices(
                choices
                    .iter()
                    .filter(|c| codes.contains(&c.code))
                    .map(|c| c.code.clone())
                    .collect(),
            ))
        }
        (QuestionKind::MultipleChoice(_), _) => Err(wrong("multiple choice")),
        (QuestionKind::Number(spec), Answer::Number(n)) => {
            let scale = 10f64.powi(i32::from(spec.decimals));
            let scaled = n * scale;
            let exact = (scaled - scaled.round()).abs() < 1e-6;
            if n.is_finite() && spec.min <= n && n <= spec.max && exact {
                Ok(Answer::Number(scaled.round() / scale))
            } else {
                Err(AnswerError::OutOfRange(id()))
            }
        }
        (QuestionKind::Number(_), _) => Err(wrong("number")),
        (QuestionKind::ShortText { max_length }, Answer::Text(text)) => {
            let text = text.trim();
            let ok = !text.is_empty()
                && text.chars().count() <= *max_length as usize
                && !text.chars().any(char::is_control);
            if ok {
                Ok(Answer::Text(text.to_owned()))
            } else {
                Err(AnswerError::BadText {
                    question: id(),
                    max_length: *max_length,
                })
            }
        }
        (QuestionKind::ShortText { .. }, _) => Err(wrong("short text")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Arc<Questionnaire> {
        let src = r#"id = "t"
version = "1"
title = { en = "T", es = "T" }

[[question]]
id = "a"
kind = "yes_no"
text = { en = "A?", es = "¿A?" }

[[question]]
id = "b"
kind = "yes_no"
show_when = [{ question = "a", is = true }]
text = { en = "B?", es = "¿B?" }

[[question]]
id = "c"
kind = "short_text"
max_length = 5
required = false
show_when = [{ question = "b", is = true }]
text = { en = "C?", es = "¿C?" }
"#;
        Arc::new(super::super::parse::parse(src).unwrap())
    }

    #[test]
    fn hiding_a_question_drops_the_answers_that_hang_on_it() {
        let mut r = Responses::new(form());
        r.answer("a", Answer::YesNo(true)).unwrap();
        r.answer("b", Answer::YesNo(true)).unwrap();
        r.answer("c", Answer::Text("Zzfk".into())).unwrap();
        r.clear("a");
        assert_eq!(r.answers().count(), 0, "b and c went with a");
        assert_eq!(r.next_unanswered().map(|q| q.id.as_str()), Some("a"));
        assert!(!r.is_complete());
    }

    #[test]
    fn optional_questions_do_not_block_completion() {
        let mut r = Responses::new(form());
        r.answer("a", Answer::YesNo(true)).unwrap();
        r.answer("b", Answer::YesNo(true)).unwrap();
        assert!(r.is_complete());
        assert_eq!(r.next_unanswered().map(|q| q.id.as_str()), Some("c"));
    }

    #[test]
    fn debug_hides_answers() {
        let mut r = Responses::new(form());
        r.answer("a", Answer::YesNo(true)).unwrap();
        r.answer("b", Answer::YesNo(true)).unwrap();
        r.answer("c", Answer::Text("Zzfk".into())).unwrap();
        let shown = format!("{r:?} {:?}", r.answer_of("c"));
        assert!(!shown.contains("Zzfk"), "{shown}");
    }
}

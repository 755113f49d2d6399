//! Reading a questionnaire file (TOML) into a checked [`Questionnaire`]: every refusal
//! names the line and the reason.
//!
//! ```toml
//! id = "demo"
//! version = "1"
//! title = { en = "Demo", es = "Demostración" }
//! intro = { en = "A few questions.", es = "Unas preguntas." }   # optional
//!
//! [[choice_sets.frequency]]
//! code = "0"
//! score = 0
//! text = { en = "Not at all", es = "Nunca" }
//!
//! [[question]]
//! id = "smokes"
//! kind = "yes_no"            # yes_no | single_choice | multiple_choice | number | short_text
//! text = { en = "Do you smoke?", es = "¿Fuma usted?" }
//!
//! [[question]]
//! id = "cigarettes"
//! kind = "number"
//! min = 0
//! max = 100
//! unit = { en = "per day", es = "al día" }
//! show_when = [{ question = "smokes", is = true }]
//! ```
//!
//! Conditions: `{ question = ID, is = VALUE }` (yes/no, single choice, number),
//! `{ question = ID, includes = CODE }` (multiple choice), `{ question = ID, at_least = N }`
//! (number) and `{ score = ID, at_least = N }`; each only on something earlier in the file.

use super::model::*;
use crate::domain::Language;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use toml::Spanned;

/// A questionnaire file was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct QuestionnaireError {
    /// 1-based line of the file the reason points at.
    pub line: usize,
    pub reason: Reason,
}

/// Why a questionnaire file was refused. Names ids and codes from the file, nothing else.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Reason {
    #[error("not valid TOML for a questionnaire: {0}")]
    Syntax(String),
    #[error("text lacks its {} version ('{}')", language_name(*.0), .0.code())]
    MissingLanguage(Language),
    #[error("file is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    #[error("text is longer than {MAX_TEXT_CHARS} characters")]
    TextTooLong,
    #[error("text is blank")]
    BlankText,
    #[error("'{value}' is not usable: {error}")]
    BadId { value: String, error: IdError },
    #[error("id '{0}' is used twice")]
    DuplicateId(String),
    #[error("choice code '{0}' is used twice in one question")]
    DuplicateChoice(String),
    #[error("the form has no questions")]
    NoQuestions,
    #[error("question '{0}' does not exist")]
    UnknownQuestion(String),
    #[error("score '{0}' does not exist")]
    UnknownScore(String),
    #[error("choice set '{0}' does not exist")]
    UnknownChoiceSet(String),
    #[error("question '{question}' has no choice '{code}'")]
    UnknownChoice { question: String, code: String },
    #[error("a condition may only refer to an earlier question or score, and '{0}' is not earlier")]
    NotEarlier(String),
    #[error("condition does not fit: {0}")]
    BadCondition(&'static str),
    #[error("{kind} question: {problem}")]
    BadQuestion {
        kind: &'static str,
        problem: &'static str,
    },
    #[error(
        "score item '{0}' must be a single-choice question whose every choice has a score (0 to 3 for PHQ, at most 1000 otherwise)"
    )]
    BadScoreItem(String),
    #[error("a score needs at least one item")]
    EmptyScore,
    #[error("a {instrument} score needs {expected} items, not {found}")]
    ItemCount {
        instrument: &'static str,
        expected: usize,
        found: usize,
    },
}

/// The language's name in English, the language of these errors.
fn language_name(language: Language) -> &'static str {
    match language {
        Language::English => "English",
        Language::Spanish => "Spanish",
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    en: Option<Spanned<String>>,
    es: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChoice {
    code: Spanned<String>,
    text: Spanned<RawText>,
    score: Option<u32>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawKind {
    YesNo,
    SingleChoice,
    MultipleChoice,
    Number,
    ShortText,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    question: Option<Spanned<String>>,
    score: Option<Spanned<String>>,
    is: Option<toml::Value>,
    includes: Option<Spanned<String>>,
    at_least: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    kind: RawKind,
    text: Spanned<RawText>,
    #[serde(default = "yes")]
    required: bool,
    #[serde(default)]
    choice: Vec<Spanned<RawChoice>>,
    choice_set: Option<Spanned<String>>,
    min: Option<f64>,
    max: Option<f64>,
    decimals: Option<u8>,
    unit: Option<Spanned<RawText>>,
    max_length: Option<u32>,
    #[serde(default)]
    show_when: Vec<Spanned<RawCondition>>,
    alert_unless: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum RawInstrument {
    Phq2,
    Phq9,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScore {
    id: Spanned<String>,
    text: Spanned<RawText>,
    instrument: Option<RawInstrument>,
    items: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    id: Spanned<String>,
    version: Spanned<String>,
    title: Spanned<RawText>,
    intro: Option<Spanned<RawText>>,
    #[serde(default)]
    choice_sets: BTreeMap<String, Vec<Spanned<RawChoice>>>,
    #[serde(default)]
    question: Vec<Spanned<RawQuestion>>,
    #[serde(default)]
    score: Vec<Spanned<RawScore>>,
}

/// Longest file accepted: questionnaires are a few kilobytes; this bounds parse work.
pub const MAX_FILE_BYTES: usize = 256 * 1024;
/// Longest text (question, choice, title) accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Parses and checks a questionnaire file.
pub fn parse(source: &str) -> Result<Questionnaire, QuestionnaireError> {
    if source.len() > MAX_FILE_BYTES {
        return Err(QuestionnaireError {
            line: 1,
            reason: Reason::TooLarge,
        });
    }
    let raw: RawForm = toml::from_str(source).map_err(|e| QuestionnaireError {
        line: e.span().map_or(1, |s| line_of(source, s.start)),
        reason: Reason::Syntax(e.message().to_owned()),
    })?;
    Checker {
        source,
        all_questions: Vec::new(),
    }
    .form(raw)
}

/// 1-based line of a byte offset.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Checker<'s> {
    source: &'s str,
    /// Every question id in the file, to tell a condition on a later question from one on
    /// a missing question.
    all_questions: Vec<QuestionId>,
}

impl Checker<'_> {
    fn err(&self, span: Range<usize>, reason: Reason) -> QuestionnaireError {
        QuestionnaireError {
            line: line_of(self.source, span.start),
            reason,
        }
    }

    fn text(&self, raw: &Spanned<RawText>) -> Result<LocalText, QuestionnaireError> {
        let one = |t: &Option<Spanned<String>>, language| match t {
            None => Err(self.err(raw.span(), Reason::MissingLanguage(language))),
            Some(s) if s.get_ref().trim().is_empty() => Err(self.err(s.span(), Reason::BlankText)),
            Some(s) if s.get_ref().chars().count() > MAX_TEXT_CHARS => {
                Err(self.err(s.span(), Reason::TextTooLong))
            }
            Some(s) => Ok(s.get_ref().trim().to_owned()),
        };
        let r = raw.get_ref();
        Ok(LocalText {
            en: one(&r.en, Language::English)?,
            es: one(&r.es, Language::Spanish)?,
        })
    }

    fn id<T>(
        &self,
        raw: &Spanned<String>,
        new: fn(&str) -> Result<T, IdError>,
    ) -> Result<T, QuestionnaireError> {
        new(raw.get_ref()).map_err(|error| {
            self.err(
                raw.span(),
                Reason::BadId {
                    value: raw.get_ref().chars().take(64).collect(),
                    error,
                },
            )
        })
    }

    fn choices(&self, raw: &[Spanned<RawChoice>]) -> Result<Vec<Choice>, QuestionnaireError> {
        let mut seen = HashSet::new();
        raw.iter()
            .map(|c| {
                let code = self.id(&c.get_ref().code, OptionCode::new)?;
                if !seen.insert(code.clone()) {
                    return Err(self.err(c.span(), Reason::DuplicateChoice(code.to_string())));
                }
                Ok(Choice {
                    code,
                    text: self.text(&c.get_ref().text)?,
                    score: c.get_ref().score,
                })
            })
            .collect()
    }

    fn form(&mut self, raw: RawForm) -> Result<Questionnaire, QuestionnaireError> {
        let id = self.id(&raw.id, QuestionnaireId::new)?;
        let version = Version::new(raw.version.get_ref()).map_err(|error| {
            self.err(
                raw.version.span(),
                Reason::BadId {
                    value: raw.version.get_ref().chars().take(64).collect(),
                    error,
                },
            )
        })?;
        let title = self.text(&raw.title)?;
        let intro = raw.intro.as_ref().map(|t| self.text(t)).transpose()?;
        let mut sets = BTreeMap::new();
        for (name, choices) in &raw.choice_sets {
            sets.insert(name.clone(), self.choices(choices)?);
        }
        if raw.question.is_empty() {
            return Err(self.err(raw.id.span(), Reason::NoQuestions));
        }

        let mut form = Questionnaire {
            id,
            version,
            title,
            intro,
            questions: Vec::new(),
            scores: Vec::new(),
        };
        let mut ids = HashSet::new();
        let question_ids: Vec<(QuestionId, usize)> = raw
            .question
            .iter()
            .map(|q| Ok((self.id(&q.get_ref().id, QuestionId::new)?, q.span().start)))
            .collect::<Result<_, QuestionnaireError>>()?;
        for (qid, start) in &question_ids {
            if !ids.insert(qid.clone()) {
                return Err(self.err(*start..*start, Reason::DuplicateId(qid.to_string())));
            }
        }
        self.all_questions = question_ids.into_iter().map(|(id, _)| id).collect();
        for q in &raw.question {
            let question = self.question(q.get_ref(), q.span(), &sets, &form)?;
            form.questions.push(question);
        }
        for s in &raw.score {
            let rule = self.score(s, &form)?;
            if !ids.insert(rule.id.clone()) {
                return Err(self.err(s.span(), Reason::DuplicateId(rule.id.to_string())));
            }
            form.scores.push(rule);
        }
        // Score conditions were accepted provisionally; now check them against the rules.
        for (q, raw_q) in form.questions.iter().zip(&raw.question) {
            for (c, raw_c) in q.show_when.iter().zip(&raw_q.get_ref().show_when) {
                if let Condition::ScoreAtLeast { score, .. } = c {
                    let Some(rule) = form.score_rule(score.as_str()) else {
                        return Err(self.err(raw_c.span(), Reason::UnknownScore(score.to_string())));
                    };
                    let here = form.position(&q.id);
                    if rule.items.iter().any(|i| form.position(i) >= here) {
                        return Err(self.err(raw_c.span(), Reason::NotEarlier(score.to_string())));
                    }
                }
            }
        }
        Ok(form)
    }

    fn question(
        &self,
        raw: &RawQuestion,
        span: Range<usize>,
        sets: &BTreeMap<String, Vec<Choice>>,
        earlier: &Questionnaire,
    ) -> Result<Question, QuestionnaireError> {
        let id = self.id(&raw.id, QuestionId::new)?;
        let text = self.text(&raw.text)?;
        let bad = |kind, problem| self.err(span.clone(), Reason::BadQuestion { kind, problem });
        let has_choices = !raw.choice.is_empty() || raw.choice_set.is_some();
        let has_number = raw.min.is_some() || raw.max.is_some() || raw.decimals.is_some();
        let choices = || -> Result<Vec<Choice>, QuestionnaireError> {
            let list = match (&raw.choice_set, raw.choice.is_empty()) {
                (Some(_), false) => {
                    return Err(bad("choice", "give choices or a choice_set, not both"));
                }
                (Some(name), true) => sets.get(name.get_ref()).cloned().ok_or_else(|| {
                    self.err(
                        name.span(),
                        Reason::UnknownChoiceSet(name.get_ref().clone()),
                    )
                })?,
                (None, _) => self.choices(&raw.choice)?,
            };
            if list.len() < 2 {
                return Err(bad("choice", "needs at least two choices"));
            }
            Ok(list)
        };
        let kind = match raw.kind {
            RawKind::YesNo | RawKind::ShortText | RawKind::Number if has_choices => {
                return Err(bad("non-choice", "choices are only for choice questions"));
            }
            RawKind::YesNo
            | RawKind::ShortText
            | RawKind::SingleChoice
            | RawKind::MultipleChoice
                if has_number || raw.unit.is_some() =>
            {
                return Err(bad(
                    "non-number",
                    "min, max, decimals and unit are only for number questions",
                ));
            }
            RawKind::YesNo | RawKind::Number | RawKind::SingleChoice | RawKind::MultipleChoice
                if raw.max_length.is_some() =>
            {
                return Err(bad(
                    "non-text",
                    "max_length is only for short_text questions",
                ));
            }
            RawKind::YesNo => QuestionKind::YesNo,
            RawKind::SingleChoice => QuestionKind::SingleChoice(choices()?),
            RawKind::MultipleChoice => QuestionKind::MultipleChoice(choices()?),
            RawKind::Number => {
                let (Some(min), Some(max)) = (raw.min, raw.max) else {
                    return Err(bad("number", "needs min and max"));
                };
                let decimals = raw.decimals.unwrap_or(0);
                // Bounded so that every accepted number is exact in an f64 and in FHIR JSON.
                let limit = 1e9;
                if !(min.is_finite()
                    && max.is_finite()
                    && min <= max
                    && -limit <= min
                    && max <= limit)
                {
                    return Err(bad("number", "needs finite min <= max within ±1e9"));
                }
                if decimals > 3 {
                    return Err(bad("number", "allows at most 3 decimals"));
                }
                // So that min itself is an answer and the range is never empty at its precision.
                let scale = 10f64.powi(i32::from(decimals));
                if [min, max]
                    .iter()
                    .any(|v| ((v * scale) - (v * scale).round()).abs() >= 1e-6)
                {
                    return Err(bad(
                        "number",
                        "min and max may have no more decimals than `decimals`",
                    ));
                }
                let unit = raw.unit.as_ref().map(|u| self.text(u)).transpose()?;
                QuestionKind::Number(NumberSpec {
                    min,
                    max,
                    decimals,
                    unit,
                })
            }
            RawKind::ShortText => match raw.max_length {
                Some(n @ 1..=500) => QuestionKind::ShortText { max_length: n },
                Some(_) => return Err(bad("short_text", "max_length must be 1 to 500")),
                None => return Err(bad("short_text", "needs max_length")),
            },
        };
        let show_when = raw
            .show_when
            .iter()
            .map(|c| self.condition(c, earlier))
            .collect::<Result<_, _>>()?;
        let alert_unless = match &raw.alert_unless {
            None => None,
            Some(code) => {
                let QuestionKind::SingleChoice(choices) = &kind else {
                    return Err(bad(
                        "non-single-choice",
                        "alert_unless is only for single_choice questions",
                    ));
                };
                let code_id = self.id(code, OptionCode::new)?;
                if !choices.iter().any(|c| c.code == code_id) {
                    return Err(self.err(
                        code.span(),
                        Reason::UnknownChoice {
                            question: id.to_string(),
                            code: code_id.to_string(),
                        },
                    ));
                }
                Some(code_id)
            }
        };
        Ok(Question {
            id,
            text,
            kind,
            required: raw.required,
            show_when,
            alert_unless,
        })
    }

    fn condition(
        &self,
        raw: &Spanned<RawCondition>,
        earlier: &Questionnaire,
    ) -> Result<Condition, QuestionnaireError> {
        let span = raw.span();
        let bad = |why| self.err(span.clone(), Reason::BadCondition(why));
        let c = raw.get_ref();
        match (&c.question, &c.score) {
            (Some(_), Some(_)) | (None, None) => Err(bad("give exactly one of question or score")),
            (None, Some(score)) => {
                let score_id = self.id(score, QuestionId::new)?;
                match (&c.is, &c.includes, c.at_least) {
                    (None, None, Some(min))
                        if min >= 0.0 && min <= u32::MAX as f64 && min.fract() == 0.0 =>
                    {
                        Ok(Condition::ScoreAtLeast {
                            score: score_id,
                            min: min as u32,
                        })
                    }
                    (None, None, Some(_)) => {
                        Err(bad("a score's at_least must be a whole number >= 0"))
                    }
                    _ => Err(bad("a score condition takes only at_least")),
                }
            }
            (Some(qname), None) => {
                let qid = self.id(qname, QuestionId::new)?;
                let Some(target) = earlier.question(qid.as_str()) else {
                    // Not among the questions checked so far: later in the file, or absent.
                    return Err(self.err(
                        qname.span(),
                        if self.all_questions.contains(&qid) {
                            Reason::NotEarlier(qid.to_string())
                        } else {
                            Reason::UnknownQuestion(qid.to_string())
                        },
                    ));
                };
                let choice = |code: &str| -> Result<OptionCode, QuestionnaireError> {
                    let code = OptionCode::new(code).ok();
                    code.filter(|code| target.kind.choices().iter().any(|ch| &ch.code == code))
                        .ok_or_else(|| bad("no such choice in that question"))
                };
                match (&target.kind, &c.is, &c.includes, c.at_least) {
                    (QuestionKind::YesNo, Some(toml::Value::Boolean(yes)), None, None) => {
                        Ok(Condition::IsYes {
                            question: qid,
                            yes: *yes,
                        })
                    }
                    (
                        QuestionKind::SingleChoice(_),
                        Some(toml::Value::String(code)),
                        None,
                        None,
                    ) => Ok(Condition::IsChoice {
                        question: qid,
                        code: choice(code)?,
                    }),
                    (QuestionKind::MultipleChoice(_), None, Some(code), None) => {
                        Ok(Condition::Includes {
                            question: qid,
                            code: choice(code.get_ref())?,
                        })
                    }
                    (QuestionKind::Number(_), None, None, Some(min)) if min.is_finite() => {
                        Ok(Condition::NumberAtLeast { question: qid, min })
                    }
                    (QuestionKind::Number(_), Some(v), None, None) => match v {
                        toml::Value::Integer(_) | toml::Value::Float(_) => {
                            Err(bad("use at_least for number questions"))
                        }
                        _ => Err(bad("a number question is compared with at_least")),
                    },
                    (QuestionKind::YesNo, ..) => {
                        Err(bad("a yes/no question takes is = true or false"))
                    }
                    (QuestionKind::SingleChoice(_), ..) => {
                        Err(bad("a single-choice question takes is = \"code\""))
                    }
                    (QuestionKind::MultipleChoice(_), ..) => {
                        Err(bad("a multiple-choice question takes includes = \"code\""))
                    }
                    (QuestionKind::Number(_), ..) => {
                        Err(bad("a number question takes at_least = N"))
                    }
                    (QuestionKind::ShortText { .. }, ..) => {
                        Err(bad("a short-text answer cannot be a condition"))
                    }
                }
            }
        }
    }

    fn score(
        &self,
        raw: &Spanned<RawScore>,
        form: &Questionnaire,
    ) -> Result<ScoreRule, QuestionnaireError> {
        let r = raw.get_ref();
        let id = self.id(&r.id, QuestionId::new)?;
        let text = self.text(&r.text)?;
        let mut items = Vec::new();
        for item in &r.items {
            let qid = self.id(item, QuestionId::new)?;
            let Some(q) = form.question(qid.as_str()) else {
                return Err(self.err(item.span(), Reason::UnknownQuestion(qid.to_string())));
            };
            // PHQ items score 0 to 3 each, which keeps the totals within the published bands.
            let most = if r.instrument.is_some() { 3 } else { 1000 };
            let scored = matches!(&q.kind, QuestionKind::SingleChoice(c)
                if c.iter().all(|c| c.score.is_some_and(|s| s <= most)));
            if !scored {
                return Err(self.err(item.span(), Reason::BadScoreItem(qid.to_string())));
            }
            if items.contains(&qid) {
                return Err(self.err(item.span(), Reason::DuplicateId(qid.to_string())));
            }
            items.push(qid);
        }
        let instrument = r.instrument.map(|i| match i {
            RawInstrument::Phq2 => Instrument::Phq2,
            RawInstrument::Phq9 => Instrument::Phq9,
        });
        let count_error = |instrument, expected| {
            self.err(
                raw.span(),
                Reason::ItemCount {
                    instrument,
                    expected,
                    found: items.len(),
                },
            )
        };
        match (instrument, items.len()) {
            (Some(Instrument::Phq2), n) if n != 2 => return Err(count_error("PHQ-2", 2)),
            (Some(Instrument::Phq9), n) if n != 9 => return Err(count_error("PHQ-9", 9)),
            (None, 0) => return Err(self.err(raw.span(), Reason::EmptyScore)),
            _ => {}
        }
        Ok(ScoreRule {
            id,
            text,
            instrument,
            items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"id = "test-form"
version = "1"
title = { en = "Test", es = "Prueba" }
"#;

    fn refused(body: &str) -> (usize, Reason) {
        let e = parse(&format!("{HEAD}{body}")).expect_err("must be refused");
        (e.line, e.reason)
    }

    const YES_NO: &str = r#"
[[question]]
id = "a"
kind = "yes_no"
text = { en = "A?", es = "¿A?" }
"#;

    #[test]
    fn a_good_file_parses() {
        let form = parse(&format!("{HEAD}{YES_NO}")).unwrap();
        assert_eq!(form.questions.len(), 1);
        assert_eq!(form.questions[0].kind, QuestionKind::YesNo);
        assert!(form.questions[0].required);
    }

    #[test]
    fn syntax_errors_name_their_line() {
        let (line, reason) = refused("\n\nid = = 3\n");
        assert_eq!(line, 6);
        assert!(matches!(reason, Reason::Syntax(_)));
    }

    #[test]
    fn unknown_fields_are_refused_with_their_line() {
        let (line, reason) = refused(&format!("{YES_NO}colour = \"red\"\n"));
        assert!(
            matches!(reason, Reason::Syntax(ref m) if m.contains("colour")),
            "{reason}"
        );
        assert!((5..=9).contains(&line), "{line}");
    }

    #[test]
    fn a_missing_spanish_text_names_its_line() {
        let body = "\n[[question]]\nid = \"a\"\nkind = \"yes_no\"\ntext = { en = \"A?\" }\n";
        assert_eq!(
            refused(body),
            (8, Reason::MissingLanguage(Language::Spanish))
        );
    }

    #[test]
    fn a_blank_text_is_refused() {
        let body =
            "\n[[question]]\nid = \"a\"\nkind = \"yes_no\"\ntext = { en = \"A?\", es = \"  \" }\n";
        assert_eq!(refused(body), (8, Reason::BlankText));
    }

    #[test]
    fn a_missing_title_language_is_refused() {
        let e = parse("id = \"x\"\nversion = \"1\"\ntitle = { es = \"T\" }\n").unwrap_err();
        assert_eq!(
            (e.line, e.reason),
            (3, Reason::MissingLanguage(Language::English))
        );
    }

    #[test]
    fn duplicate_ids_are_refused_at_the_second() {
        let (line, reason) = refused(&format!("{YES_NO}{YES_NO}"));
        assert_eq!(reason, Reason::DuplicateId("a".into()));
        assert_eq!(line, 10);
    }

    #[test]
    fn conditions_on_missing_or_later_questions_are_refused() {
        let cond = |on: &str| {
            format!(
                "\n[[question]]\nid = \"b\"\nkind = \"yes_no\"\nshow_when = [{{ question = \"{on}\", is = true }}]\ntext = {{ en = \"B?\", es = \"¿B?\" }}\n"
            )
        };
        assert_eq!(
            refused(&format!("{YES_NO}{}", cond("zzz"))),
            (13, Reason::UnknownQuestion("zzz".into()))
        );
        // On itself or on a later question: refused, which is what rules out cycles.
        assert_eq!(
            refused(&format!("{YES_NO}{}", cond("b"))),
            (13, Reason::NotEarlier("b".into()))
        );
        let later = cond("a").replace("id = \"b\"", "id = \"first\"");
        assert_eq!(
            refused(&format!("{later}{YES_NO}")),
            (8, Reason::NotEarlier("a".into()))
        );
        assert_eq!(
            parse(&format!("{HEAD}{YES_NO}{}", cond("a")))
                .unwrap()
                .questions
                .len(),
            2
        );
    }

    #[test]
    fn a_condition_must_fit_the_kind_of_question() {
        let body = format!(
            "{YES_NO}\n[[question]]\nid = \"b\"\nkind = \"yes_no\"\nshow_when = [{{ question = \"a\", includes = \"x\" }}]\ntext = {{ en = \"B?\", es = \"¿B?\" }}\n"
        );
        let (line, reason) = refused(&body);
        assert_eq!(line, 13);
        assert!(matches!(reason, Reason::BadCondition(_)));
    }

    #[test]
    fn score_conditions_need_an_existing_earlier_score() {
        let body = r#"
[[choice_sets.f]]
code = "0"
score = 0
text = { en = "No", es = "No" }

[[choice_sets.f]]
code = "1"
score = 1
text = { en = "Yes", es = "Sí" }

[[question]]
id = "early"
kind = "yes_no"
show_when = [{ score = "s", at_least = 1 }]
text = { en = "E?", es = "¿E?" }

[[question]]
id = "item"
kind = "single_choice"
choice_set = "f"
text = { en = "I?", es = "¿I?" }

[[score]]
id = "s"
items = ["item"]
text = { en = "S", es = "S" }
"#;
        assert_eq!(refused(body), (18, Reason::NotEarlier("s".into())));
        let unknown = body.replace("score = \"s\", at_least", "score = \"t\", at_least");
        assert_eq!(refused(&unknown), (18, Reason::UnknownScore("t".into())));
        let bad_item = body.replace("items = [\"item\"]", "items = [\"early\"]");
        assert_eq!(
            refused(&bad_item),
            (29, Reason::BadScoreItem("early".into()))
        );
    }

    #[test]
    fn kind_specific_fields_are_checked() {
        let number = "\n[[question]]\nid = \"n\"\nkind = \"number\"\nmin = 5\ntext = { en = \"N?\", es = \"¿N?\" }\n";
        assert!(matches!(
            refused(number),
            (5, Reason::BadQuestion { kind: "number", .. })
        ));
        let precise = number.replace("min = 5", "min = 0.5\nmax = 2");
        assert!(matches!(
            refused(&precise),
            (5, Reason::BadQuestion { kind: "number", .. })
        ));
        let ok = number.replace("min = 5", "min = 0.5\nmax = 2\ndecimals = 1");
        assert!(parse(&format!("{HEAD}{ok}")).is_ok());
        let text = "\n[[question]]\nid = \"t\"\nkind = \"short_text\"\ntext = { en = \"T?\", es = \"¿T?\" }\n";
        assert!(matches!(
            refused(text),
            (
                5,
                Reason::BadQuestion {
                    kind: "short_text",
                    ..
                }
            )
        ));
        let set = "\n[[question]]\nid = \"c\"\nkind = \"single_choice\"\nchoice_set = \"nope\"\ntext = { en = \"C?\", es = \"¿C?\" }\n";
        assert_eq!(refused(set), (8, Reason::UnknownChoiceSet("nope".into())));
    }

    #[test]
    fn bad_identifiers_and_empty_forms_are_refused() {
        let e = parse("id = \"Bad Id\"\nversion = \"1\"\ntitle = { en = \"T\", es = \"T\" }\n")
            .unwrap_err();
        assert_eq!(e.line, 1);
        assert!(matches!(e.reason, Reason::BadId { .. }));
        assert_eq!(refused(""), (1, Reason::NoQuestions));
        let e = parse(&HEAD.replace("version = \"1\"", "version = \"1|2\"")).unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn errors_point_inside_the_file_and_never_panic_on_odd_input() {
        for src in [
            "",
            "\u{0}",
            "[[question]]",
            "id = 1",
            "title = {}",
            "[[score]]\nitems = [1]",
        ] {
            let e = parse(src).unwrap_err();
            assert!(
                e.line >= 1 && e.line <= src.lines().count().max(1),
                "{src:?}: {e}"
            );
        }
    }
}

//! A validated questionnaire: what `parse` produces and everything else reads.

use crate::domain::Language;
use std::fmt;

/// Why an identifier or version was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error(
        "an identifier must be 1 to 64 of a-z, 0-9, '-' and '_', starting with a letter or digit"
    )]
    BadIdentifier,
    #[error("a version must be 1 to 32 of A-Z, a-z, 0-9, '.', '-' and '_'")]
    BadVersion,
}

/// The identifier rule shared by questionnaire, question and option ids: short, lowercase
/// and URL-safe, because they become FHIR `id`s, `linkId`s and coding codes.
fn check_identifier(s: &str) -> Result<(), IdError> {
    let ok = (1..=64).contains(&s.len())
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(IdError::BadIdentifier)
    }
}

macro_rules! identifier {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps an identifier.
            pub fn new(s: &str) -> Result<Self, IdError> {
                check_identifier(s)?;
                Ok(Self(s.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

identifier!(
    /// A questionnaire's id (`phq-9`): the last part of its canonical URL.
    QuestionnaireId
);
identifier!(
    /// A question's or score's id within its questionnaire: the FHIR `linkId`.
    QuestionId
);
identifier!(
    /// A choice's code within its question: the FHIR coding `code`.
    OptionCode
);

/// A questionnaire's version. No `|`, since the canonical reference is `url|version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    pub fn new(s: &str) -> Result<Self, IdError> {
        let ok = (1..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(IdError::BadVersion)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A text in every language the kiosk speaks; the parser refuses a file that lacks one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalText {
    pub en: String,
    pub es: String,
}

impl LocalText {
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::English => &self.en,
            Language::Spanish => &self.es,
        }
    }
}

/// A choice a patient can pick.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub code: OptionCode,
    pub text: LocalText,
    /// Points towards a score rule, where the form has one.
    pub score: Option<u32>,
}

/// The range and unit of a number question. `decimals == 0` means whole numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberSpec {
    pub min: f64,
    pub max: f64,
    pub decimals: u8,
    pub unit: Option<LocalText>,
}

/// What kind of answer a question takes.
#[derive(Debug, Clone, PartialEq)]
pub enum QuestionKind {
    YesNo,
    SingleChoice(Vec<Choice>),
    MultipleChoice(Vec<Choice>),
    Number(NumberSpec),
    ShortText { max_length: u32 },
}

impl QuestionKind {
    /// The choices of a choice question; empty for the others.
    pub fn choices(&self) -> &[Choice] {
        match self {
            QuestionKind::SingleChoice(c) | QuestionKind::MultipleChoice(c) => c,
            _ => &[],
        }
    }
}

/// When a question is shown. Each refers only to questions or scores before it, so
/// conditions can never form a cycle.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// A yes/no question's answer is this.
    IsYes { question: QuestionId, yes: bool },
    /// A single-choice question's answer is this choice.
    IsChoice {
        question: QuestionId,
        code: OptionCode,
    },
    /// A multiple-choice question's answers include this choice.
    Includes {
        question: QuestionId,
        code: OptionCode,
    },
    /// A number question's answer is at least this.
    NumberAtLeast { question: QuestionId, min: f64 },
    /// A score's total (all its items answered) is at least this.
    ScoreAtLeast { score: QuestionId, min: u32 },
}

/// One question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    pub id: QuestionId,
    pub text: LocalText,
    pub kind: QuestionKind,
    pub required: bool,
    /// Every condition must hold for the question to be shown.
    pub show_when: Vec<Condition>,
    /// Raises an alert staff must acknowledge when the answer is any choice but this one
    /// (PHQ-9 item 9).
    pub alert_unless: Option<OptionCode>,
}

/// The standard instrument a score rule computes, which fixes how its total is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Instrument {
    Phq2,
    Phq9,
}

/// A total of the choices' points over some single-choice questions.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRule {
    pub id: QuestionId,
    pub text: LocalText,
    pub instrument: Option<Instrument>,
    pub items: Vec<QuestionId>,
}

/// A whole questionnaire, checked: ids unique, texts in both languages, conditions refer
/// to earlier questions of the right kind, score items are scored single-choice questions.
#[derive(Debug, Clone, PartialEq)]
pub struct Questionnaire {
    pub id: QuestionnaireId,
    pub version: Version,
    pub title: LocalText,
    /// Shown before the first question (the PHQ's "Over the last 2 weeks…").
    pub intro: Option<LocalText>,
    pub questions: Vec<Question>,
    pub scores: Vec<ScoreRule>,
}

impl Questionnaire {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id.as_str() == id)
    }

    pub fn score_rule(&self, id: &str) -> Option<&ScoreRule> {
        self.scores.iter().find(|s| s.id.as_str() == id)
    }

    /// The score rule computing an instrument, if this form has one.
    pub fn instrument(&self, instrument: Instrument) -> Option<&ScoreRule> {
        self.scores
            .iter()
            .find(|s| s.instrument == Some(instrument))
    }

    pub(crate) fn position(&self, id: &QuestionId) -> Option<usize> {
        self.questions.iter().position(|q| &q.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_short_lowercase_and_url_safe() {
        assert!(QuestionId::new("phq9-1").is_ok());
        assert!(QuestionId::new("a_b").is_ok());
        for bad in ["", "-a", "A", "a b", "a/b", "é", &"a".repeat(65)] {
            assert_eq!(QuestionId::new(bad), Err(IdError::BadIdentifier), "{bad:?}");
        }
    }

    #[test]
    fn versions_cannot_contain_the_canonical_separator() {
        assert!(Version::new("2024.1-a").is_ok());
        assert_eq!(Version::new("1|2"), Err(IdError::BadVersion));
        assert_eq!(Version::new(""), Err(IdError::BadVersion));
    }
}

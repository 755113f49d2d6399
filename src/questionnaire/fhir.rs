//! FHIR R4 (4.0.1) `Questionnaire` and `QuestionnaireResponse`: only the elements we
//! publish and send, as serde types (no maintained R4 crate exists, see NOTES.md).
//!
//! Scores are published as read-only integer items so that "show when the PHQ-2 score is
//! at least 3" is a plain `enableWhen` on an earlier item, and the response carries them.

use super::model::*;
use super::responses::{Answer, Completed};
use crate::domain::Language;
use serde::{Deserialize, Serialize};

/// The `resourceType` of a Questionnaire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionnaireType {
    Questionnaire,
}

/// The `resourceType` of a QuestionnaireResponse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionnaireResponseType {
    QuestionnaireResponse,
}

/// `PublicationStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicationStatus {
    Draft,
    Active,
    Retired,
    Unknown,
}

/// `QuestionnaireItemType` (the subset we use, plus `open-choice` for forms that add one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemType {
    Display,
    Boolean,
    Decimal,
    Integer,
    String,
    Choice,
    OpenChoice,
}

/// `QuestionnaireItemOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operator {
    #[serde(rename = "exists")]
    Exists,
    #[serde(rename = "=")]
    Equal,
    #[serde(rename = "!=")]
    NotEqual,
    #[serde(rename = ">")]
    Greater,
    #[serde(rename = "<")]
    Less,
    #[serde(rename = ">=")]
    GreaterOrEqual,
    #[serde(rename = "<=")]
    LessOrEqual,
}

/// `EnableWhenBehavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnableBehavior {
    All,
    Any,
}

/// `QuestionnaireResponseStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResponseStatus {
    InProgress,
    Completed,
    Amended,
    EnteredInError,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coding {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

/// An extension with the value types we use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
}

impl Extension {
    fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            extension: Vec::new(),
            value_code: None,
            value_string: None,
            value_integer: None,
            value_decimal: None,
            value_coding: None,
        }
    }
}

/// The extensions of a primitive element (`_text`): where the Spanish text goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrimitiveExtensions {
    pub extension: Vec<Extension>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerOption {
    pub value_coding: Coding,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableWhen {
    pub question: String,
    pub operator: Operator,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_decimal: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_coding: Option<Coding>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub link_id: String,
    pub text: String,
    #[serde(rename = "_text", skip_serializing_if = "Option::is_none")]
    pub text_ext: Option<PrimitiveExtensions>,
    #[serde(rename = "type")]
    pub kind: ItemType,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enable_when: Vec<EnableWhen>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_behavior: Option<EnableBehavior>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub answer_option: Vec<AnswerOption>,
}

/// A FHIR R4 Questionnaire resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FhirQuestionnaire {
    pub resource_type: QuestionnaireType,
    pub id: String,
    pub url: String,
    pub version: String,
    pub name: String,
    pub title: String,
    #[serde(rename = "_title", skip_serializing_if = "Option::is_none")]
    pub title_ext: Option<PrimitiveExtensions>,
    pub status: PublicationStatus,
    pub language: String,
    pub item: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub reference: String,
}

/// One answer: PHI, so its `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseAnswer {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_boolean: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_decimal: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_integer: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_coding: Option<Coding>,
}

impl std::fmt::Debug for ResponseAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResponseAnswer(<hidden>)")
    }
}

impl ResponseAnswer {
    fn empty() -> Self {
        Self {
            value_boolean: None,
            value_decimal: None,
            value_integer: None,
            value_string: None,
            value_coding: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseItem {
    pub link_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub answer: Vec<ResponseAnswer>,
}

/// A FHIR R4 QuestionnaireResponse. Its `Debug` would show answers: PHI, never log it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FhirQuestionnaireResponse {
    pub resource_type: QuestionnaireResponseType,
    /// Canonical `url|version` of the Questionnaire answered.
    pub questionnaire: String,
    pub status: ResponseStatus,
    /// The patient; the kiosk leaves it out and the office fills it in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    pub authored: String,
    pub language: String,
    pub item: Vec<ResponseItem>,
}

impl std::fmt::Debug for FhirQuestionnaireResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FhirQuestionnaireResponse")
            .field("questionnaire", &self.questionnaire)
            .field("items", &self.item.len())
            .finish()
    }
}

/// Why a publisher base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FhirError {
    #[error(
        "the canonical base must start with https:// or http://, have a host and no '|', '?', '#' or spaces"
    )]
    BadBase,
}

/// Where our Questionnaires live: `{base}/Questionnaire/{id}` is each one's canonical URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalBase(String);

impl CanonicalBase {
    pub fn new(base: &str) -> Result<Self, FhirError> {
        let base = base.trim_end_matches('/');
        let rest = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .ok_or(FhirError::BadBase)?;
        let bad = rest.is_empty()
            || rest.starts_with('/')
            || rest
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "|?#".contains(c));
        if bad {
            Err(FhirError::BadBase)
        } else {
            Ok(Self(base.to_owned()))
        }
    }

    /// The canonical URL of a questionnaire.
    pub fn url(&self, id: &QuestionnaireId) -> String {
        format!("{}/Questionnaire/{id}", self.0)
    }
}

const TRANSLATION: &str = "http://hl7.org/fhir/StructureDefinition/translation";
const MIN_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
const MAX_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";
const UNIT: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit";
/// linkId of the intro display item; `_` cannot start a question id, so it never clashes.
pub const INTRO_LINK_ID: &str = "_intro";

/// English is the resource's language; Spanish rides along in the R4 translation extension.
fn spanish(text: &LocalText) -> Option<PrimitiveExtensions> {
    let mut lang = Extension::new("lang");
    lang.value_code = Some(Language::Spanish.code().to_owned());
    let mut content = Extension::new("content");
    content.value_string = Some(text.es.clone());
    let mut translation = Extension::new(TRANSLATION);
    translation.extension = vec![lang, content];
    Some(PrimitiveExtensions {
        extension: vec![translation],
    })
}

fn choice_coding(choice: &Choice, language: Language) -> Coding {
    Coding {
        system: None,
        code: Some(choice.code.to_string()),
        display: Some(choice.text.get(language).to_owned()),
    }
}

fn number_extension(url: &str, decimals: u8, value: f64) -> Extension {
    let mut e = Extension::new(url);
    if decimals == 0 {
        // Whole by construction: the parser bounds min and max to ±1e9.
        e.value_integer = Some(value as i64);
    } else {
        e.value_decimal = Some(value);
    }
    e
}

fn enable_when(c: &Condition, form: &Questionnaire) -> EnableWhen {
    let mut e = EnableWhen {
        question: String::new(),
        operator: Operator::Equal,
        answer_boolean: None,
        answer_decimal: None,
        answer_integer: None,
        answer_coding: None,
    };
    let coding = |question: &QuestionId, code: &OptionCode| {
        form.question(question.as_str())
            .and_then(|q| q.kind.choices().iter().find(|c| &c.code == code))
            .map(|c| choice_coding(c, Language::English))
    };
    match c {
        Condition::IsYes { question, yes } => {
            e.question = question.to_string();
            e.answer_boolean = Some(*yes);
        }
        Condition::IsChoice { question, code } | Condition::Includes { question, code } => {
            // `=` on a repeating item holds when any of its answers is equal.
            e.question = question.to_string();
            e.answer_coding = coding(question, code);
        }
        Condition::NumberAtLeast { question, min } => {
            e.question = question.to_string();
            e.operator = Operator::GreaterOrEqual;
            match form.question(question.as_str()).map(|q| &q.kind) {
                Some(QuestionKind::Number(spec)) if spec.decimals == 0 => {
                    e.answer_integer = Some(min.ceil() as i64);
                }
                _ => e.answer_decimal = Some(*min),
            }
        }
        Condition::ScoreAtLeast { score, min } => {
            e.question = score.to_string();
            e.operator = Operator::GreaterOrEqual;
            e.answer_integer = Some(i64::from(*min));
        }
    }
    e
}

fn question_item(q: &Question, form: &Questionnaire) -> Item {
    let mut extension = Vec::new();
    let (kind, repeats, max_length, answer_option) = match &q.kind {
        QuestionKind::YesNo => (ItemType::Boolean, None, None, Vec::new()),
        QuestionKind::SingleChoice(c) | QuestionKind::MultipleChoice(c) => (
            ItemType::Choice,
            matches!(q.kind, QuestionKind::MultipleChoice(_)).then_some(true),
            None,
            c.iter()
                .map(|c| AnswerOption {
                    value_coding: choice_coding(c, Language::English),
                })
                .collect(),
        ),
        QuestionKind::Number(spec) => {
            extension.push(number_extension(MIN_VALUE, spec.decimals, spec.min));
            extension.push(number_extension(MAX_VALUE, spec.decimals, spec.max));
            if let Some(unit) = &spec.unit {
                let mut e = Extension::new(UNIT);
                // Display only: free-text units have no UCUM code we could vouch for.
                e.value_coding = Some(Coding {
                    system: None,
                    code: None,
                    display: Some(unit.en.clone()),
                });
                extension.push(e);
            }
            let kind = if spec.decimals == 0 {
                ItemType::Integer
            } else {
                ItemType::Decimal
            };
            (kind, None, None, Vec::new())
        }
        QuestionKind::ShortText { max_length } => {
            (ItemType::String, None, Some(*max_length), Vec::new())
        }
    };
    Item {
        extension,
        link_id: q.id.to_string(),
        text: q.text.en.clone(),
        text_ext: spanish(&q.text),
        kind,
        enable_when: q.show_when.iter().map(|c| enable_when(c, form)).collect(),
        enable_behavior: (q.show_when.len() > 1).then_some(EnableBehavior::All),
        required: Some(q.required),
        repeats,
        read_only: None,
        max_length,
        answer_option,
    }
}

fn score_item(s: &ScoreRule) -> Item {
    Item {
        extension: Vec::new(),
        link_id: s.id.to_string(),
        text: s.text.en.clone(),
        text_ext: spanish(&s.text),
        kind: ItemType::Integer,
        enable_when: Vec::new(),
        enable_behavior: None,
        required: Some(false),
        repeats: None,
        read_only: Some(true),
        max_length: None,
        answer_option: Vec::new(),
    }
}

/// Items in the order the FHIR rules want: each score right after its last item, so an
/// `enableWhen` on a score refers to an earlier item, as on the kiosk.
fn ordered(form: &Questionnaire) -> Vec<Item> {
    let mut items = Vec::new();
    if let Some(intro) = &form.intro {
        items.push(Item {
            extension: Vec::new(),
            link_id: INTRO_LINK_ID.to_owned(),
            text: intro.en.clone(),
            text_ext: spanish(intro),
            kind: ItemType::Display,
            enable_when: Vec::new(),
            enable_behavior: None,
            required: None,
            repeats: None,
            read_only: None,
            max_length: None,
            answer_option: Vec::new(),
        });
    }
    for (i, q) in form.questions.iter().enumerate() {
        items.push(question_item(q, form));
        for s in &form.scores {
            let last = s.items.iter().filter_map(|id| form.position(id)).max();
            if last == Some(i) {
                items.push(score_item(s));
            }
        }
    }
    items
}

/// `name` per invariant que-0 (`[A-Z]([A-Za-z0-9_]){0,254}`): `phq-9` becomes `Phq9`.
fn machine_name(id: &QuestionnaireId) -> String {
    let mut name: String = id
        .as_str()
        .split(['-', '_'])
        .flat_map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        name.insert(0, 'Q');
    }
    name
}

/// The Questionnaire resource we publish for a form.
pub fn questionnaire(form: &Questionnaire, base: &CanonicalBase) -> FhirQuestionnaire {
    FhirQuestionnaire {
        resource_type: QuestionnaireType::Questionnaire,
        id: form.id.to_string(),
        url: base.url(&form.id),
        version: form.version.to_string(),
        name: machine_name(&form.id),
        title: form.title.en.clone(),
        title_ext: spanish(&form.title),
        status: PublicationStatus::Active,
        language: Language::English.code().to_owned(),
        item: ordered(form),
    }
}

/// The QuestionnaireResponse for a finished form. Texts and displays are the
/// Questionnaire's (English), so they match it exactly whatever language the patient used.
/// Scores whose items were all answered are included as integer answers.
pub fn questionnaire_response(done: &Completed, base: &CanonicalBase) -> FhirQuestionnaireResponse {
    let language = Language::English;
    let responses = done.responses();
    let form = responses.form();
    let mut item = Vec::new();
    for (i, q) in form.questions.iter().enumerate() {
        if let Some(answer) = responses.answer_of(q.id.as_str()) {
            item.push(ResponseItem {
                link_id: q.id.to_string(),
                text: Some(q.text.get(language).to_owned()),
                answer: answers(q, answer, language),
            });
        }
        for s in &form.scores {
            let last = s.items.iter().filter_map(|id| form.position(id)).max();
            if last == Some(i)
                && let Some(total) = responses.score(s.id.as_str())
            {
                let mut a = ResponseAnswer::empty();
                a.value_integer = Some(i64::from(total));
                item.push(ResponseItem {
                    link_id: s.id.to_string(),
                    text: Some(s.text.get(language).to_owned()),
                    answer: vec![a],
                });
            }
        }
    }
    FhirQuestionnaireResponse {
        resource_type: QuestionnaireResponseType::QuestionnaireResponse,
        questionnaire: format!("{}|{}", base.url(&form.id), form.version),
        status: ResponseStatus::Completed,
        subject: None,
        authored: done.authored().to_string(),
        language: language.code().to_owned(),
        item,
    }
}

fn answers(q: &Question, answer: &Answer, language: Language) -> Vec<ResponseAnswer> {
    let coding = |code: &OptionCode| {
        let mut a = ResponseAnswer::empty();
        a.value_coding = q
            .kind
            .choices()
            .iter()
            .find(|c| &c.code == code)
            .map(|c| choice_coding(c, language));
        a
    };
    let mut a = ResponseAnswer::empty();
    match answer {
        Answer::YesNo(yes) => a.value_boolean = Some(*yes),
        Answer::Choice(code) => return vec![coding(code)],
        Answer::Choices(codes) => return codes.iter().map(coding).collect(),
        Answer::Number(n) => match &q.kind {
            // Whole by construction: `Responses` checked the precision and ±1e9 range.
            QuestionKind::Number(spec) if spec.decimals == 0 => a.value_integer = Some(*n as i64),
            _ => a.value_decimal = Some(*n),
        },
        Answer::Text(text) => a.value_string = Some(text.clone()),
    }
    vec![a]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_que_0() {
        let name = |id| machine_name(&QuestionnaireId::new(id).unwrap());
        assert_eq!(name("phq-9"), "Phq9");
        assert_eq!(name("reason_for-visit"), "ReasonForVisit");
        assert_eq!(name("9-a"), "Q9A");
    }

    #[test]
    fn answers_do_not_show_in_debug() {
        let mut a = ResponseAnswer::empty();
        a.value_string = Some("Zzfake synthetic".into());
        assert!(!format!("{a:?}").contains("Zzfake"));
    }

    #[test]
    fn integer_number_conditions_round_up() {
        let form = super::super::parse::parse(
            r#"id = "t"
version = "1"
title = { en = "T", es = "T" }

[[question]]
id = "n"
kind = "number"
min = 0
max = 10
text = { en = "N?", es = "¿N?" }

[[question]]
id = "m"
kind = "yes_no"
show_when = [{ question = "n", at_least = 2.5 }]
text = { en = "M?", es = "¿M?" }
"#,
        )
        .unwrap();
        let e = enable_when(&form.questions[1].show_when[0], &form);
        assert_eq!(
            (e.operator, e.answer_integer),
            (Operator::GreaterOrEqual, Some(3))
        );
    }
}

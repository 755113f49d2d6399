//! Reading a FHIR QuestionnaireResponse back into [`Responses`], checked against the
//! receiver's own copy of the form: every item a question (or score) of the form, each
//! answer of the question's kind and in its range, conditions respected, every shown
//! required question answered. What the sender put in score items is ignored: the
//! receiver scores the answers itself.
//!
//! Pure; errors name questions (ids), never answers.

use super::fhir::{FhirQuestionnaireResponse, ResponseAnswer, ResponseStatus};
use super::model::{OptionCode, Question, QuestionId, QuestionKind, Questionnaire};
use super::responses::{Answer, AnswerError, Completed, IncompleteError, Responses};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Why a QuestionnaireResponse does not fit its form. Names questions, never answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FromFhirError {
    #[error("the response does not name a questionnaire as 'url|version'")]
    BadReference,
    #[error("the response is for questionnaire '{id}' version '{version}', not this form")]
    OtherForm { id: String, version: String },
    #[error("the response is not completed")]
    NotCompleted,
    #[error("the response's authored time is not a date and time with a zone")]
    BadAuthored,
    #[error("the form has no question '{0}'")]
    UnknownItem(String),
    #[error("question '{0}' is answered more than once")]
    Repeated(QuestionId),
    #[error("question '{0}' has an item but no answer")]
    NoAnswer(QuestionId),
    #[error("question '{0}' takes one answer, not several")]
    TooManyAnswers(QuestionId),
    #[error("an answer to question '{question}' is not a single {expected} value")]
    BadValue {
        question: QuestionId,
        expected: &'static str,
    },
    #[error(transparent)]
    Answer(#[from] AnswerError),
    #[error(transparent)]
    Incomplete(#[from] IncompleteError),
}

/// The id and version a canonical reference `…/Questionnaire/{id}|{version}` names.
pub fn canonical_parts(reference: &str) -> Option<(&str, &str)> {
    let (url, version) = reference.split_once('|')?;
    let (_, id) = url.rsplit_once("/Questionnaire/")?;
    (!id.is_empty() && !version.is_empty() && !id.contains('/')).then_some((id, version))
}

/// Longest linkId quoted back in an error.
const MAX_QUOTED: usize = 64;

/// Reads `response` as answers to `form`, checking it fully (see the module docs), and
/// closes it at its `authored` time.
pub fn completed_from_fhir(
    form: Arc<Questionnaire>,
    response: &FhirQuestionnaireResponse,
) -> Result<Completed, FromFhirError> {
    let (id, version) =
        canonical_parts(&response.questionnaire).ok_or(FromFhirError::BadReference)?;
    if id != form.id.as_str() || version != form.version.as_str() {
        return Err(FromFhirError::OtherForm {
            id: id.chars().take(MAX_QUOTED).collect(),
            version: version.chars().take(MAX_QUOTED).collect(),
        });
    }
    if response.status != ResponseStatus::Completed {
        return Err(FromFhirError::NotCompleted);
    }
    let authored: jiff::Timestamp = response
        .authored
        .parse()
        .map_err(|_| FromFhirError::BadAuthored)?;
    let responses = responses_from_fhir(form, response)?;
    Ok(responses.finish(authored)?)
}

/// The answers of `response` to `form`, each checked as the kiosk checked it when the
/// patient gave it. Does not look at the reference, status or time, nor at completeness
/// (see [`completed_from_fhir`]).
pub fn responses_from_fhir(
    form: Arc<Questionnaire>,
    response: &FhirQuestionnaireResponse,
) -> Result<Responses, FromFhirError> {
    let mut given: BTreeMap<QuestionId, Answer> = BTreeMap::new();
    let mut scores: Vec<&str> = Vec::new();
    for item in &response.item {
        let link_id = item.link_id.as_str();
        if let Some(q) = form.question(link_id) {
            if given.contains_key(&q.id) {
                return Err(FromFhirError::Repeated(q.id.clone()));
            }
            given.insert(q.id.clone(), answer_of(q, &item.answer)?);
        } else if let Some(rule) = form.score_rule(link_id) {
            // The sender's total is not trusted (see the module docs), only its place.
            if scores.contains(&link_id) {
                return Err(FromFhirError::Repeated(rule.id.clone()));
            }
            scores.push(link_id);
        } else {
            return Err(FromFhirError::UnknownItem(
                link_id.chars().take(MAX_QUOTED).collect(),
            ));
        }
    }
    // In form order: conditions only look at earlier questions, so each answer meets the
    // form exactly as it stood when the patient gave it.
    let mut responses = Responses::new(Arc::clone(&form));
    for q in &form.questions {
        if let Some(answer) = given.remove(&q.id) {
            responses.answer(q.id.as_str(), answer)?;
        }
    }
    Ok(responses)
}

/// One question's answer from its FHIR answers, by the question's kind.
fn answer_of(q: &Question, answers: &[ResponseAnswer]) -> Result<Answer, FromFhirError> {
    let bad = |expected| FromFhirError::BadValue {
        question: q.id.clone(),
        expected,
    };
    let repeats = matches!(q.kind, QuestionKind::MultipleChoice(_));
    match answers {
        [] => return Err(FromFhirError::NoAnswer(q.id.clone())),
        [_, _, ..] if !repeats => return Err(FromFhirError::TooManyAnswers(q.id.clone())),
        _ => {}
    }
    let one = &answers[0];
    Ok(match &q.kind {
        QuestionKind::YesNo => match (one.value_boolean, value_count(one)) {
            (Some(yes), 1) => Answer::YesNo(yes),
            _ => return Err(bad("boolean")),
        },
        QuestionKind::SingleChoice(_) => Answer::Choice(code_of(one).ok_or_else(|| bad("coding"))?),
        QuestionKind::MultipleChoice(_) => Answer::Choices(
            answers
                .iter()
                .map(code_of)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("coding"))?,
        ),
        QuestionKind::Number(spec) if spec.decimals == 0 => {
            match (one.value_integer, value_count(one)) {
                // Any integer the range admits is well inside f64's exact integers.
                (Some(n), 1) => Answer::Number(n as f64),
                _ => return Err(bad("integer")),
            }
        }
        QuestionKind::Number(_) => match (one.value_decimal, value_count(one)) {
            (Some(n), 1) => Answer::Number(n),
            _ => return Err(bad("decimal")),
        },
        QuestionKind::ShortText { .. } => match (&one.value_string, value_count(one)) {
            (Some(text), 1) => Answer::Text(text.clone()),
            _ => return Err(bad("string")),
        },
    })
}

/// How many `value[x]` an answer carries (FHIR allows exactly one).
fn value_count(a: &ResponseAnswer) -> usize {
    usize::from(a.value_boolean.is_some())
        + usize::from(a.value_decimal.is_some())
        + usize::from(a.value_integer.is_some())
        + usize::from(a.value_string.is_some())
        + usize::from(a.value_coding.is_some())
}

/// A coding answer's code, when that is its only value and the code is well formed. The
/// display is the sender's copy of the choice's text and is not read.
fn code_of(a: &ResponseAnswer) -> Option<OptionCode> {
    if value_count(a) != 1 {
        return None;
    }
    OptionCode::new(a.value_coding.as_ref()?.code.as_deref()?).ok()
}

#[cfg(test)]
mod tests {
    use super::super::fhir::{CanonicalBase, ResponseItem, questionnaire_response};
    use super::super::{defaults, parse::parse};
    use super::*;

    fn form(id: &str) -> Arc<Questionnaire> {
        Arc::new(
            defaults::all()
                .into_iter()
                .find(|q| q.id.as_str() == id)
                .unwrap(),
        )
    }

    fn base() -> CanonicalBase {
        CanonicalBase::new("https://clinic.example.org/fhir").unwrap()
    }

    fn noon() -> jiff::Timestamp {
        "2026-11-25T12:00:00Z".parse().unwrap()
    }

    fn choice(c: &str) -> Answer {
        Answer::Choice(OptionCode::new(c).unwrap())
    }

    fn phq9(points: [u8; 9]) -> Responses {
        let form = form("phq-9");
        let mut r = Responses::new(Arc::clone(&form));
        for (i, p) in points.iter().enumerate() {
            let id = format!("phq9-{}", i + 1);
            // Items 3 to 9 only after a positive PHQ-2, as on the kiosk.
            if form.question(&id).is_some_and(|q| r.is_shown(q)) {
                r.answer(&id, choice(&p.to_string())).unwrap();
            }
        }
        r
    }

    fn visit() -> Responses {
        let mut r = Responses::new(form("reason-for-visit"));
        r.answer("reason", choice("new-problem")).unwrap();
        r.answer("reason-detail", Answer::Text("Synthetic visit".into()))
            .unwrap();
        r.answer("new-symptoms", Answer::YesNo(true)).unwrap();
        r.answer(
            "symptoms",
            Answer::Choices(vec![
                OptionCode::new("fever").unwrap(),
                OptionCode::new("pain").unwrap(),
            ]),
        )
        .unwrap();
        r.answer("symptom-days", Answer::Number(3.0)).unwrap();
        r.answer("temperature", Answer::Number(100.4)).unwrap();
        r.answer("pain-level", Answer::Number(6.0)).unwrap();
        r
    }

    fn fhir_of(r: Responses) -> FhirQuestionnaireResponse {
        questionnaire_response(&r.finish(noon()).unwrap(), &base())
    }

    fn answers(r: &Responses) -> Vec<(String, Answer)> {
        r.answers()
            .map(|(q, a)| (q.id.to_string(), a.clone()))
            .collect()
    }

    #[test]
    fn what_the_kiosk_sends_reads_back_to_the_same_answers_and_scores() {
        for original in [
            phq9([2, 2, 1, 1, 0, 0, 3, 1, 1]),
            phq9([0, 1, 0, 0, 0, 0, 0, 0, 0]),
            visit(),
        ] {
            let form = Arc::clone(original.form());
            let sent = fhir_of(original.clone());
            let back = completed_from_fhir(form, &sent).unwrap();
            assert_eq!(answers(back.responses()), answers(&original));
            assert_eq!(back.authored(), noon());
            assert_eq!(back.responses().phq9(), original.phq9());
            assert_eq!(back.responses().phq2(), original.phq2());
            assert_eq!(questionnaire_response(&back, &base()), sent);
        }
    }

    #[test]
    fn scores_the_sender_wrote_are_ignored() {
        let mut sent = fhir_of(phq9([3, 3, 3, 3, 3, 3, 3, 3, 0]));
        for item in &mut sent.item {
            if item.link_id.ends_with("-score") {
                item.answer[0].value_integer = Some(0);
            }
        }
        let back = completed_from_fhir(form("phq-9"), &sent).unwrap();
        assert_eq!(back.responses().phq9().map(|p| p.total), Some(24));
    }

    #[test]
    fn a_hidden_question_answered_breaks_the_forms_conditions() {
        // PHQ-2 negative (total 1), yet item 9 answered: the kiosk never shows item 9 then.
        let mut sent = fhir_of(phq9([0, 1, 0, 0, 0, 0, 0, 0, 0]));
        let item9 = fhir_of(phq9([3, 3, 0, 0, 0, 0, 0, 0, 2]))
            .item
            .into_iter()
            .find(|i| i.link_id == "phq9-9")
            .unwrap();
        sent.item.push(item9);
        assert_eq!(
            completed_from_fhir(form("phq-9"), &sent).unwrap_err(),
            FromFhirError::Answer(AnswerError::NotShown(QuestionId::new("phq9-9").unwrap()))
        );
    }

    #[test]
    fn a_missing_required_answer_is_incomplete() {
        let mut sent = fhir_of(phq9([2, 2, 1, 1, 0, 0, 3, 1, 1]));
        sent.item.retain(|i| i.link_id != "phq9-5");
        assert_eq!(
            completed_from_fhir(form("phq-9"), &sent).unwrap_err(),
            FromFhirError::Incomplete(IncompleteError {
                missing: QuestionId::new("phq9-5").unwrap()
            })
        );
    }

    #[test]
    fn answers_of_the_wrong_kind_or_range_are_refused() {
        let sent = fhir_of(visit());
        let with = |link: &str, edit: &dyn Fn(&mut ResponseItem)| {
            let mut r = sent.clone();
            edit(r.item.iter_mut().find(|i| i.link_id == link).unwrap());
            completed_from_fhir(form("reason-for-visit"), &r).unwrap_err()
        };
        let q = |id| QuestionId::new(id).unwrap();
        assert_eq!(
            with("pain-level", &|i| i.answer[0].value_integer = Some(11)),
            FromFhirError::Answer(AnswerError::OutOfRange(q("pain-level")))
        );
        assert_eq!(
            with("temperature", &|i| i.answer[0].value_decimal = Some(100.45)),
            FromFhirError::Answer(AnswerError::OutOfRange(q("temperature")))
        );
        assert_eq!(
            with("symptom-days", &|i| {
                i.answer[0].value_integer = None;
                i.answer[0].value_decimal = Some(3.0);
            }),
            FromFhirError::BadValue {
                question: q("symptom-days"),
                expected: "integer"
            }
        );
        assert_eq!(
            with("new-symptoms", &|i| i.answer[0].value_string =
                Some("yes".into())),
            FromFhirError::BadValue {
                question: q("new-symptoms"),
                expected: "boolean"
            }
        );
        assert_eq!(
            with("reason", &|i| {
                i.answer[0].value_coding.as_mut().unwrap().code = Some("surgery".into())
            }),
            FromFhirError::Answer(AnswerError::UnknownChoice(q("reason")))
        );
        assert_eq!(
            with("reason", &|i| i.answer.push(i.answer[0].clone())),
            FromFhirError::TooManyAnswers(q("reason"))
        );
        assert_eq!(
            with("symptoms", &|i| i.answer.push(i.answer[0].clone())),
            FromFhirError::Answer(AnswerError::BadChoices(q("symptoms")))
        );
        assert_eq!(
            with("symptoms", &|i| i.answer.clear()),
            FromFhirError::NoAnswer(q("symptoms"))
        );
        assert_eq!(
            with("reason-detail", &|i| i.answer[0].value_string =
                Some(" ".into())),
            FromFhirError::Answer(AnswerError::BadText {
                question: q("reason-detail"),
                max_length: 200
            })
        );
        assert_eq!(
            with("reason-detail", &|i| i.link_id = "Zzfake".into()),
            FromFhirError::UnknownItem("Zzfake".into())
        );
    }

    #[test]
    fn the_reference_status_and_time_are_checked() {
        let sent = fhir_of(visit());
        let mut other = sent.clone();
        other.questionnaire = other.questionnaire.replace("|1", "|2");
        assert_eq!(
            completed_from_fhir(form("reason-for-visit"), &other).unwrap_err(),
            FromFhirError::OtherForm {
                id: "reason-for-visit".into(),
                version: "2".into()
            }
        );
        let mut bare = sent.clone();
        bare.questionnaire = "reason-for-visit".into();
        assert_eq!(
            completed_from_fhir(form("reason-for-visit"), &bare).unwrap_err(),
            FromFhirError::BadReference
        );
        let mut open = sent.clone();
        open.status = ResponseStatus::InProgress;
        assert_eq!(
            completed_from_fhir(form("reason-for-visit"), &open).unwrap_err(),
            FromFhirError::NotCompleted
        );
        let mut when = sent;
        when.authored = "2026-11-25".into();
        assert_eq!(
            completed_from_fhir(form("reason-for-visit"), &when).unwrap_err(),
            FromFhirError::BadAuthored
        );
    }

    #[test]
    fn canonical_parts_split_url_and_version() {
        assert_eq!(
            canonical_parts("http://x.invalid/fhir/Questionnaire/phq-9|1"),
            Some(("phq-9", "1"))
        );
        for bad in [
            "phq-9|1",
            "http://x/Questionnaire/|1",
            "http://x/Questionnaire/a|",
            "http://x/Questionnaire/a",
        ] {
            assert_eq!(canonical_parts(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_repeated_item_is_refused() {
        let form = Arc::new(
            parse(
                "id = \"t\"\nversion = \"1\"\ntitle = { en = \"T\", es = \"T\" }\n\n[[question]]\nid = \"a\"\nkind = \"yes_no\"\ntext = { en = \"A?\", es = \"¿A?\" }\n",
            )
            .unwrap(),
        );
        let mut r = Responses::new(Arc::clone(&form));
        r.answer("a", Answer::YesNo(true)).unwrap();
        let mut sent = fhir_of(r);
        sent.item.push(sent.item[0].clone());
        assert_eq!(
            completed_from_fhir(form, &sent).unwrap_err(),
            FromFhirError::Repeated(QuestionId::new("a").unwrap())
        );
    }
}

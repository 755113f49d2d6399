//! Any bytes as a questionnaire file, as the office reads one: it must parse or be refused
//! with a line inside the file, never panic. A form that parses is answered through
//! (first choice, its min, a short text) to drive conditions and scores, and its FHIR
//! Questionnaire and QuestionnaireResponse write out and read back equal.
#![no_main]

use frontdesk::questionnaire::fhir::{self, CanonicalBase, FhirQuestionnaire};
use frontdesk::questionnaire::{Answer, QuestionKind, Responses, parse::parse};
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let form = match parse(text) {
        Ok(form) => Arc::new(form),
        Err(e) => {
            assert!(e.line >= 1 && e.line <= text.lines().count() + 1, "line {} out of file", e.line);
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let mut responses = Responses::new(Arc::clone(&form));
    // Each answer can reveal at most the questions after it, so this ends.
    while let Some(q) = responses.next_unanswered() {
        let answer = match &q.kind {
            QuestionKind::YesNo => Answer::YesNo(true),
            QuestionKind::SingleChoice(c) => Answer::Choice(c[0].code.clone()),
            QuestionKind::MultipleChoice(c) => Answer::Choices(vec![c[0].code.clone()]),
            QuestionKind::Number(spec) => Answer::Number(spec.min),
            QuestionKind::ShortText { .. } => Answer::Text("x".into()),
        };
        let id = q.id.to_string();
        responses
            .answer(&id, answer)
            .expect("every shown question takes its first choice, its min or a short text");
    }
    let _ = (responses.phq2(), responses.phq9(), responses.alerts());
    let base = CanonicalBase::new("https://fuzz.example.org/fhir").unwrap();
    let q = fhir::questionnaire(&form, &base);
    let json = serde_json::to_string(&q).expect("a questionnaire always serialises");
    let back: FhirQuestionnaire = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, q);
    let done = responses.finish(jiff::Timestamp::UNIX_EPOCH).expect("complete");
    let r = fhir::questionnaire_response(&done, &base);
    let json = serde_json::to_string(&r).expect("a response always serialises");
    let back: fhir::FhirQuestionnaireResponse = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, r);
});

//! Any bytes as the JSON of a FHIR QuestionnaireResponse, as the office reads one inside
//! an intake row's seal, read back into answers against each shipped form (the response
//! is pointed at the form, so every form's checks are reached): it must read or be refused,
//! never panic. What reads is complete, and what the office writes from it reads back to
//! the same answers, scores and alerts.
#![no_main]

use frontdesk::questionnaire::fhir::{
    CanonicalBase, FhirQuestionnaireResponse, questionnaire_response,
};
use frontdesk::questionnaire::{Answer, Completed, Questionnaire, completed_from_fhir, defaults};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, LazyLock};

static FORMS: LazyLock<Vec<Arc<Questionnaire>>> =
    LazyLock::new(|| defaults::all().into_iter().map(Arc::new).collect());
static BASE: LazyLock<CanonicalBase> =
    LazyLock::new(|| CanonicalBase::new("https://clinic.example.org/fhir").unwrap());

fn answers(done: &Completed) -> Vec<(String, Answer)> {
    done.responses()
        .answers()
        .map(|(q, a)| (q.id.to_string(), a.clone()))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(response) = serde_json::from_slice::<FhirQuestionnaireResponse>(data) else {
        return;
    };
    for form in FORMS.iter() {
        let mut response = response.clone();
        response.questionnaire = format!("{}|{}", BASE.url(&form.id), form.version);
        match completed_from_fhir(Arc::clone(form), &response) {
            Ok(done) => {
                assert!(done.responses().is_complete());
                let written = questionnaire_response(&done, &BASE);
                let back = completed_from_fhir(Arc::clone(form), &written)
                    .expect("what the office writes it reads back");
                assert_eq!(answers(&back), answers(&done));
                assert_eq!(back.authored(), done.authored());
                assert_eq!(back.responses().phq2(), done.responses().phq2());
                assert_eq!(back.responses().phq9(), done.responses().phq9());
                assert_eq!(back.responses().alerts(), done.responses().alerts());
                assert_eq!(questionnaire_response(&back, &BASE), written);
            }
            Err(error) => {
                // Refusals quote at most a question id (64 characters), never answers.
                assert!(error.to_string().len() < 200, "{error}");
            }
        }
    }
});

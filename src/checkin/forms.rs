//! `Forms`: the consent documents and intake questionnaires the office asks patients for,
//! parsed and checked on the kiosk (by the same parsers as at the office). Outlives every
//! session; a set the kiosk cannot use never replaces the last good one.

use std::sync::Arc;

use crate::api::FormsResponse;
use crate::consent::{ConsentSet, SetError};
use crate::questionnaire::fhir::{CanonicalBase, FhirError};
use crate::questionnaire::{Questionnaire, QuestionnaireError, defaults, parse};

/// The canonical base of the shipped forms, until an office says otherwise.
pub const SHIPPED_CANONICAL_BASE: &str = "http://frontdesk.invalid/fhir";

/// What the consent and intake steps ask, as the kiosk last learnt it.
#[derive(Debug, Clone, PartialEq)]
pub struct Forms {
    /// The office's revision of this set (empty for the shipped set).
    pub revision: String,
    /// `None`: the office asks for no consent (the consent step is skipped).
    pub consents: Option<Arc<ConsentSet>>,
    /// The questionnaires patients answer, in the order asked.
    pub ask: Vec<Arc<Questionnaire>>,
    /// Names the Questionnaire a response answers.
    pub canonical_base: CanonicalBase,
}

/// Why a set of forms from the office was not taken (the kiosk keeps what it had). Names
/// files, lines and ids, never text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormsError {
    #[error("consent documents: {0}")]
    Consent(#[from] SetError),
    #[error("questionnaire {file}: {error}")]
    Questionnaire {
        file: String,
        error: QuestionnaireError,
    },
    #[error("questionnaire `{0}` is asked for but not published")]
    MissingQuestionnaire(String),
    #[error("canonical base: {0}")]
    Base(#[from] FhirError),
}

impl Forms {
    /// The forms frontdesk ships: the three template consents, reason for visit and the
    /// PHQ-9 (which asks items 3–9 only after a positive PHQ-2).
    pub fn shipped() -> Self {
        let base = CanonicalBase::new(SHIPPED_CANONICAL_BASE);
        let all = defaults::all();
        let ask = ["reason-for-visit", "phq-9"]
            .iter()
            .filter_map(|id| all.iter().find(|q| q.id.as_str() == *id))
            .map(|q| Arc::new(q.clone()))
            .collect();
        Self {
            revision: String::new(),
            // The shipped files are parsed by unit tests; a failure here is a build defect.
            consents: crate::consent::default_set().ok().map(Arc::new),
            ask,
            canonical_base: base.unwrap_or_else(|_| unreachable!("the shipped base is valid")),
        }
    }

    /// Parses and checks what the office published. An office with no consent files asks
    /// for none.
    pub fn from_response(response: &FormsResponse) -> Result<Self, FormsError> {
        let consents = if response.consents.is_empty() {
            None
        } else {
            let sources = response
                .consents
                .iter()
                .map(|f| (f.name.as_str(), f.text.as_str()));
            Some(Arc::new(ConsentSet::from_sources(sources)?))
        };
        let mut published = Vec::new();
        for file in &response.questionnaires {
            let form = parse::parse(&file.text).map_err(|error| FormsError::Questionnaire {
                file: file.name.clone(),
                error,
            })?;
            published.push(form);
        }
        let mut ask = Vec::new();
        for id in &response.ask {
            let form = published
                .iter()
                .find(|q| q.id.as_str() == id)
                .ok_or_else(|| FormsError::MissingQuestionnaire(id.clone()))?;
            ask.push(Arc::new(form.clone()));
        }
        Ok(Self {
            revision: response.revision.clone(),
            consents,
            ask,
            canonical_base: CanonicalBase::new(&response.canonical_base)?,
        })
    }
}

impl Default for Forms {
    fn default() -> Self {
        Self::shipped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::FormFile;

    fn response() -> FormsResponse {
        FormsResponse {
            revision: "r1".into(),
            consents: crate::consent::DEFAULT_SOURCES
                .iter()
                .map(|(name, text)| FormFile {
                    name: (*name).into(),
                    text: (*text).into(),
                })
                .collect(),
            questionnaires: defaults::FILES
                .iter()
                .map(|(name, text)| FormFile {
                    name: (*name).into(),
                    text: (*text).into(),
                })
                .collect(),
            ask: vec!["phq-2".into()],
            canonical_base: "https://clinic.example/fhir".into(),
        }
    }

    #[test]
    fn shipped_forms_ask_reason_for_visit_then_phq9() {
        let forms = Forms::shipped();
        let ids: Vec<&str> = forms.ask.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(ids, ["reason-for-visit", "phq-9"]);
        assert_eq!(forms.consents.map(|c| c.ids().len()), Some(3));
    }

    #[test]
    fn a_published_set_is_parsed_in_the_order_asked() {
        let forms = Forms::from_response(&response()).unwrap();
        assert_eq!(forms.revision, "r1");
        assert_eq!(forms.ask.len(), 1);
        assert_eq!(forms.ask[0].id.as_str(), "phq-2");
    }

    #[test]
    fn a_bad_set_is_refused_by_file() {
        let mut bad = response();
        bad.questionnaires[0].text = "id = ".into();
        let error = Forms::from_response(&bad).unwrap_err();
        assert!(matches!(&error, FormsError::Questionnaire { file, .. } if file == "phq-2.toml"));

        let mut missing = response();
        missing.ask.push("nope".into());
        assert_eq!(
            Forms::from_response(&missing).unwrap_err(),
            FormsError::MissingQuestionnaire("nope".into())
        );

        let mut no_consent = response();
        no_consent.consents.clear();
        assert!(
            Forms::from_response(&no_consent)
                .unwrap()
                .consents
                .is_none()
        );
    }
}

//! `FormsLibrary`: the consent documents and intake questionnaires this office publishes to
//! its kiosks, and every version of them it ever published (a signature or an answer names
//! the version the patient saw, which may be older than today's).

use std::sync::Arc;

use crate::api::{FormFile, FormsResponse};
use crate::consent::{ConsentDocument, DEFAULT_SOURCES, DocumentId, Version};
use crate::domain::Language;
use crate::questionnaire::{Questionnaire, defaults};

/// The canonical base the office names its Questionnaires under until configured.
pub const DEFAULT_CANONICAL_BASE: &str = "http://frontdesk.invalid/fhir";

/// The forms of this office.
#[derive(Debug)]
pub struct FormsLibrary {
    published: FormsResponse,
    consents: Vec<ConsentDocument>,
    questionnaires: Vec<Arc<Questionnaire>>,
}

impl FormsLibrary {
    /// The shipped forms: three template consents, reason for visit and PHQ-9 asked.
    pub fn shipped() -> Self {
        let consents = DEFAULT_SOURCES
            .iter()
            .filter_map(|(_, text)| ConsentDocument::parse(text).ok())
            .collect();
        let questionnaires = defaults::all().into_iter().map(Arc::new).collect();
        let files = |sources: &[(&str, &str)]| {
            sources
                .iter()
                .map(|(name, text)| FormFile {
                    name: (*name).to_owned(),
                    text: (*text).to_owned(),
                })
                .collect::<Vec<_>>()
        };
        let published = FormsResponse {
            revision: "shipped-1".to_owned(),
            consents: files(&DEFAULT_SOURCES),
            questionnaires: files(&defaults::FILES),
            ask: vec!["reason-for-visit".to_owned(), "phq-9".to_owned()],
            canonical_base: DEFAULT_CANONICAL_BASE.to_owned(),
        };
        Self {
            published,
            consents,
            questionnaires,
        }
    }

    /// What kiosks are sent now.
    pub fn published(&self) -> &FormsResponse {
        &self.published
    }

    /// A questionnaire by id and version, as published at any time.
    pub fn questionnaire(&self, id: &str, version: &str) -> Option<Arc<Questionnaire>> {
        self.questionnaires
            .iter()
            .find(|q| q.id.as_str() == id && q.version.as_str() == version)
            .cloned()
    }

    /// A consent document's text by id, version and language, as published at any time.
    pub fn consent(
        &self,
        id: &DocumentId,
        version: Version,
        language: Language,
    ) -> Option<&ConsentDocument> {
        self.consents
            .iter()
            .find(|d| &d.id == id && d.version == version && d.language == language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_forms_are_all_findable() {
        let library = FormsLibrary::shipped();
        assert!(library.questionnaire("phq-9", "1").is_some());
        assert!(library.questionnaire("phq-9", "2").is_none());
        let id = DocumentId::new("privacy-notice").unwrap();
        let v1 = Version::new(1).unwrap();
        for language in Language::ALL {
            assert!(library.consent(&id, v1, language).is_some());
        }
        let forms = crate::checkin::Forms::from_response(library.published()).unwrap();
        assert_eq!(forms.ask.len(), 2);
    }
}

//! The consent documents a clinic asks patients to sign, in every kiosk language, and
//! which of them a patient still has to sign.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::document::{ConsentDocument, DocumentError, DocumentId, Version};
use crate::domain::Language;

/// Why a set of consent files was refused. Names files, lines and ids, never text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("{file}: {error}")]
    Document { file: String, error: DocumentError },
    #[error(
        "{file}: line {line}: document `{id}` in `{language}` is given twice (also in {first})"
    )]
    Duplicate {
        file: String,
        line: usize,
        id: DocumentId,
        language: &'static str,
        first: String,
    },
    #[error(
        "{file}: line {line}: document `{id}` has version {version} here but {other} in another language"
    )]
    VersionMismatch {
        file: String,
        line: usize,
        id: DocumentId,
        version: Version,
        other: Version,
    },
    #[error("document `{id}` lacks its `{language}` text")]
    MissingLanguage {
        id: DocumentId,
        language: &'static str,
    },
    #[error("no consent documents")]
    Empty,
}

/// A document and version a patient has signed (as the office remembers it).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SignedVersion {
    pub id: DocumentId,
    pub version: Version,
}

/// One document in every language, same version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    version: Version,
    texts: BTreeMap<LanguageKey, ConsentDocument>,
}

/// `Language` has no `Ord`; index texts by its code.
type LanguageKey = &'static str;

/// The documents a clinic asks for, in the order it configured them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentSet {
    order: Vec<DocumentId>,
    entries: BTreeMap<DocumentId, Entry>,
}

impl ConsentSet {
    /// Builds a set from `(file name, file text)` pairs; every document must exist in
    /// every kiosk language, once, with one version.
    pub fn from_sources<'a>(
        sources: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, SetError> {
        let mut order = Vec::new();
        let mut entries: BTreeMap<DocumentId, Entry> = BTreeMap::new();
        let mut files: BTreeMap<(DocumentId, LanguageKey), String> = BTreeMap::new();
        for (file, text) in sources {
            let doc = ConsentDocument::parse(text).map_err(|error| SetError::Document {
                file: file.to_owned(),
                error,
            })?;
            let key = (doc.id.clone(), doc.language.code());
            if let Some(first) = files.get(&key) {
                return Err(SetError::Duplicate {
                    file: file.to_owned(),
                    line: doc.id_line,
                    id: doc.id,
                    language: key.1,
                    first: first.clone(),
                });
            }
            files.insert(key, file.to_owned());
            match entries.get_mut(&doc.id) {
                Some(entry) if entry.version != doc.version => {
                    return Err(SetError::VersionMismatch {
                        file: file.to_owned(),
                        line: doc.id_line,
                        id: doc.id,
                        version: doc.version,
                        other: entry.version,
                    });
                }
                Some(entry) => {
                    entry.texts.insert(doc.language.code(), doc);
                }
                None => {
                    order.push(doc.id.clone());
                    let id = doc.id.clone();
                    let version = doc.version;
                    let texts = BTreeMap::from([(doc.language.code(), doc)]);
                    entries.insert(id, Entry { version, texts });
                }
            }
        }
        if order.is_empty() {
            return Err(SetError::Empty);
        }
        for id in &order {
            for language in Language::ALL {
                if !entries[id].texts.contains_key(language.code()) {
                    return Err(SetError::MissingLanguage {
                        id: id.clone(),
                        language: language.code(),
                    });
                }
            }
        }
        Ok(Self { order, entries })
    }

    /// The document ids, in the clinic's order.
    pub fn ids(&self) -> &[DocumentId] {
        &self.order
    }

    /// The current version of a document.
    pub fn version(&self, id: &DocumentId) -> Option<Version> {
        self.entries.get(id).map(|e| e.version)
    }

    /// A document's text in a language (every document has every kiosk language).
    pub fn document(&self, id: &DocumentId, language: Language) -> Option<&ConsentDocument> {
        self.entries.get(id)?.texts.get(language.code())
    }

    /// The documents this patient must sign now, in the clinic's order: those whose
    /// current version is not among what they signed. A new version asks again; an
    /// older or newer signed version does not count (the text they saw was different).
    pub fn to_sign(&self, signed: &[SignedVersion]) -> Vec<&DocumentId> {
        self.order
            .iter()
            .filter(|id| {
                let current = self.entries[*id].version;
                !signed.iter().any(|s| &s.id == *id && s.version == current)
            })
            .collect()
    }
}

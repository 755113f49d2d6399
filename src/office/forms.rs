//! `FormsLibrary`: the consent documents and intake questionnaires this office publishes to
//! its kiosks, and every version of them it ever published (a signature or an answer names
//! the version the patient saw, which may be older than today's).
//!
//! The files come from the folder `[forms] dir` names (`consent/*.md`,
//! `questionnaires/*.toml`; a subfolder missing or empty means the shipped files). They are
//! read at start and on reload (SIGHUP). A set with any file that does not parse, a
//! document missing a language, a questionnaire asked for but not there, or a version
//! published before with other text, is refused as a whole: each refusal names the file,
//! the line and the reason (logged, and shown on the staff page), and the office keeps
//! publishing the last good set. Every set published, and every file version in it, is kept
//! in the office database, so the last good set and old versions survive a restart.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, RwLock};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::FormsConfig;
use super::store::{OfficeStore, PublishedFile, StoreError};
use crate::api::{FormFile, FormsResponse};
use crate::consent::{ConsentDocument, ConsentSet, DEFAULT_SOURCES, DocumentId, SetError, Version};
use crate::domain::Language;
use crate::questionnaire::fhir::CanonicalBase;
use crate::questionnaire::{Questionnaire, defaults, parse};

/// The canonical base the office names its Questionnaires under until configured.
pub const DEFAULT_CANONICAL_BASE: &str = "http://frontdesk.invalid/fhir";

/// The subfolder of consent documents, and of questionnaires.
pub const CONSENT_FOLDER: &str = "consent";
pub const QUESTIONNAIRE_FOLDER: &str = "questionnaires";

/// Larger files are refused unread (the parsers' own limits are smaller still).
const MAX_FILE_BYTES: u64 = 512 * 1024;

/// One reason a form file (or the `[forms]` settings) was refused: the file, the line when
/// known, the reason. Names files, lines, ids and codes; never patient data (forms hold none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub file: String,
    pub line: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}: line {line}: {}", self.file, self.reason),
            None => write!(f, "{}: {}", self.file, self.reason),
        }
    }
}

fn refusal(file: impl Into<String>, line: Option<usize>, reason: impl ToString) -> Refusal {
    Refusal {
        file: file.into(),
        line,
        reason: reason.to_string(),
    }
}

/// A consent document of the current set, for the staff page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSummary {
    pub id: DocumentId,
    pub version: Version,
    /// The English title.
    pub title: String,
}

/// The files of a set, as read: `(name, text)` per subfolder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormSources {
    pub consents: Vec<FormFile>,
    pub questionnaires: Vec<FormFile>,
}

impl FormSources {
    /// The shipped files.
    pub fn shipped() -> Self {
        Self {
            consents: files(&DEFAULT_SOURCES),
            questionnaires: files(&defaults::FILES),
        }
    }
}

fn files(sources: &[(&str, &str)]) -> Vec<FormFile> {
    sources
        .iter()
        .map(|(name, text)| FormFile {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// Reads `dir` (`None`: the shipped files). A subfolder missing or without a file of its
/// kind is the shipped files of that kind; an unreadable file is a refusal.
pub fn read_dir(dir: Option<&Path>) -> Result<FormSources, Vec<Refusal>> {
    let shipped = FormSources::shipped();
    let Some(dir) = dir else {
        return Ok(shipped);
    };
    let mut refusals = Vec::new();
    let mut read = |folder: &str, extension: &str, fallback: Vec<FormFile>| {
        let found = read_folder(&dir.join(folder), folder, extension, &mut refusals);
        if found.is_empty() { fallback } else { found }
    };
    let consents = read(CONSENT_FOLDER, "md", shipped.consents);
    let questionnaires = read(QUESTIONNAIRE_FOLDER, "toml", shipped.questionnaires);
    if refusals.is_empty() {
        Ok(FormSources {
            consents,
            questionnaires,
        })
    } else {
        Err(refusals)
    }
}

/// The `*.extension` files of one folder, by name; none when the folder is missing.
fn read_folder(
    path: &Path,
    folder: &str,
    extension: &str,
    refusals: &mut Vec<Refusal>,
) -> Vec<FormFile> {
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == extension))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let shown = format!("{folder}/{name}");
        let file = path.join(&name);
        match std::fs::metadata(&file) {
            Ok(meta) if meta.len() > MAX_FILE_BYTES => {
                refusals.push(refusal(
                    shown,
                    None,
                    format!("file is larger than {MAX_FILE_BYTES} bytes"),
                ));
                continue;
            }
            Ok(_) => {}
            Err(error) => {
                refusals.push(refusal(
                    shown,
                    None,
                    format!("cannot read: {}", error.kind()),
                ));
                continue;
            }
        }
        match std::fs::read(&file).map(String::from_utf8) {
            Ok(Ok(text)) => out.push(FormFile { name, text }),
            Ok(Err(_)) => refusals.push(refusal(shown, None, "not UTF-8 text")),
            Err(error) => {
                refusals.push(refusal(
                    shown,
                    None,
                    format!("cannot read: {}", error.kind()),
                ));
            }
        }
    }
    out
}

/// A set checked and ready to publish.
#[derive(Debug, Clone)]
pub struct CheckedForms {
    pub response: FormsResponse,
    consents: Vec<Arc<ConsentDocument>>,
    questionnaires: Vec<Arc<Questionnaire>>,
    /// The ids of the consent documents in the clinic's order.
    order: Vec<DocumentId>,
    /// Where each file's version is named, for refusals against the archive.
    archived: Vec<(PublishedFile, usize)>,
}

impl CheckedForms {
    pub fn consent_count(&self) -> usize {
        self.order.len()
    }

    pub fn questionnaire_count(&self) -> usize {
        self.questionnaires.len()
    }
}

/// The 1-based line of a questionnaire's `version` key (1 when not found).
fn version_line(text: &str) -> usize {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.starts_with("version") && l["version".len()..].trim_start().starts_with('=')
        })
        .map_or(1, |i| i + 1)
}

fn set_refusal(error: SetError, parsed: &[(String, ConsentDocument)]) -> Refusal {
    let file = |name: &str| format!("{CONSENT_FOLDER}/{name}");
    match error {
        SetError::Document { file: name, error } => {
            refusal(file(&name), Some(error.line), error.reason)
        }
        SetError::Duplicate {
            file: name,
            line,
            id,
            language,
            first,
        } => refusal(
            file(&name),
            Some(line),
            format!("document `{id}` in `{language}` is given twice (also in {first})"),
        ),
        SetError::VersionMismatch {
            file: name,
            line,
            id,
            version,
            other,
        } => refusal(
            file(&name),
            Some(line),
            format!("document `{id}` has version {version} here but {other} in another language"),
        ),
        SetError::MissingLanguage { id, language } => {
            let at = parsed.iter().find(|(_, d)| d.id == id);
            refusal(
                at.map_or_else(|| CONSENT_FOLDER.to_owned(), |(name, _)| file(name)),
                at.map(|(_, d)| d.id_line),
                format!("document `{id}` lacks its `{language}` text (add a file for it)"),
            )
        }
        SetError::Empty => refusal(CONSENT_FOLDER, None, "no consent documents"),
    }
}

/// Checks a set of files with the settings' questionnaire order and canonical base:
/// every refusal at once, or the set ready to publish.
pub fn check(sources: &FormSources, config: &FormsConfig) -> Result<CheckedForms, Vec<Refusal>> {
    let mut refusals = Vec::new();
    let mut parsed = Vec::new();
    for file in &sources.consents {
        match ConsentDocument::parse(&file.text) {
            Ok(doc) => parsed.push((file.name.clone(), doc)),
            Err(error) => refusals.push(refusal(
                format!("{CONSENT_FOLDER}/{}", file.name),
                Some(error.line),
                error.reason,
            )),
        }
    }
    let mut order = Vec::new();
    if refusals.is_empty() && !sources.consents.is_empty() {
        let pairs = sources
            .consents
            .iter()
            .map(|f| (f.name.as_str(), f.text.as_str()));
        match ConsentSet::from_sources(pairs) {
            Ok(set) => order = set.ids().to_vec(),
            Err(error) => refusals.push(set_refusal(error, &parsed)),
        }
    }
    let mut questionnaires: Vec<(String, Arc<Questionnaire>, usize)> = Vec::new();
    for file in &sources.questionnaires {
        let shown = format!("{QUESTIONNAIRE_FOLDER}/{}", file.name);
        match parse::parse(&file.text) {
            Ok(form) => {
                if let Some((first, _, _)) = questionnaires.iter().find(|(_, q, _)| q.id == form.id)
                {
                    refusals.push(refusal(
                        shown,
                        Some(1),
                        format!("questionnaire `{}` is also in {first}", form.id),
                    ));
                } else {
                    let line = version_line(&file.text);
                    questionnaires.push((file.name.clone(), Arc::new(form), line));
                }
            }
            Err(error) => refusals.push(refusal(shown, Some(error.line), error.reason)),
        }
    }
    for id in &config.ask {
        if !questionnaires.iter().any(|(_, q, _)| q.id.as_str() == id) {
            refusals.push(refusal(
                "[forms] ask",
                None,
                format!(
                    "questionnaire `{id}` is asked for but no file in {QUESTIONNAIRE_FOLDER}/ has \
                     that id (a folder with files of its own replaces the shipped ones)"
                ),
            ));
        }
    }
    if let Err(error) = CanonicalBase::new(&config.canonical_base) {
        refusals.push(refusal("[forms] canonical_base", None, error));
    }
    if !refusals.is_empty() {
        return Err(refusals);
    }
    let mut archived = Vec::new();
    for (name, doc) in &parsed {
        let text = sources
            .consents
            .iter()
            .find(|f| &f.name == name)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        archived.push((
            PublishedFile {
                kind: "consent",
                id: doc.id.as_str().to_owned(),
                version: doc.version.get().to_string(),
                language: doc.language.code().to_owned(),
                name: name.clone(),
                text,
            },
            doc.id_line,
        ));
    }
    for (name, form, line) in &questionnaires {
        let text = sources
            .questionnaires
            .iter()
            .find(|f| &f.name == name)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        archived.push((
            PublishedFile {
                kind: "questionnaire",
                id: form.id.to_string(),
                version: form.version.to_string(),
                language: String::new(),
                name: name.clone(),
                text,
            },
            *line,
        ));
    }
    let mut response = FormsResponse {
        revision: String::new(),
        consents: sources.consents.clone(),
        questionnaires: sources.questionnaires.clone(),
        ask: config.ask.clone(),
        canonical_base: config.canonical_base.clone(),
    };
    response.revision = revision_of(&response);
    Ok(CheckedForms {
        response,
        consents: parsed.into_iter().map(|(_, d)| Arc::new(d)).collect(),
        questionnaires: questionnaires.into_iter().map(|(_, q, _)| q).collect(),
        order,
        archived,
    })
}

/// Reads and checks a folder (`frontdesk-office check-forms`).
pub fn check_dir(dir: &Path, config: &FormsConfig) -> Result<CheckedForms, Vec<Refusal>> {
    check(&read_dir(Some(dir))?, config)
}

/// The same files and settings always give the same revision (so a restart does not make
/// every kiosk download the set again); any change gives another.
fn revision_of(response: &FormsResponse) -> String {
    let mut hash = Sha256::new();
    let mut add = |part: &str| {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part.as_bytes());
    };
    for file in response.consents.iter().chain(&response.questionnaires) {
        add(&file.name);
        add(&file.text);
    }
    add("--ask--");
    for id in &response.ask {
        add(id);
    }
    add(&response.canonical_base);
    let digest = hash.finalize();
    data_encoding::HEXLOWER.encode(&digest[..12])
}

type ConsentKey = (DocumentId, Version, &'static str);
type FileKey = (&'static str, String, String, String);

fn file_key(file: &PublishedFile) -> FileKey {
    (
        file.kind,
        file.id.clone(),
        file.version.clone(),
        file.language.clone(),
    )
}

/// Every version ever published, parsed.
#[derive(Debug, Default)]
struct Archive {
    texts: HashMap<FileKey, String>,
    consents: HashMap<ConsentKey, Arc<ConsentDocument>>,
    questionnaires: HashMap<(String, String), Arc<Questionnaire>>,
}

impl Archive {
    fn add_checked(&mut self, set: &CheckedForms) {
        for (file, _) in &set.archived {
            self.texts
                .entry(file_key(file))
                .or_insert_with(|| file.text.clone());
        }
        for doc in &set.consents {
            self.consents
                .entry((doc.id.clone(), doc.version, doc.language.code()))
                .or_insert_with(|| doc.clone());
        }
        for form in &set.questionnaires {
            self.questionnaires
                .entry((form.id.to_string(), form.version.to_string()))
                .or_insert_with(|| form.clone());
        }
    }

    fn add_stored(&mut self, file: PublishedFile) {
        match file.kind {
            "consent" => match ConsentDocument::parse(&file.text) {
                Ok(doc) => {
                    self.consents.insert(
                        (doc.id.clone(), doc.version, doc.language.code()),
                        Arc::new(doc),
                    );
                }
                Err(error) => tracing::warn!(
                    id = %file.id, version = %file.version, %error,
                    "an archived consent version no longer parses"
                ),
            },
            _ => match parse::parse(&file.text) {
                Ok(form) => {
                    self.questionnaires.insert(
                        (form.id.to_string(), form.version.to_string()),
                        Arc::new(form),
                    );
                }
                Err(error) => tracing::warn!(
                    id = %file.id, version = %file.version, %error,
                    "an archived questionnaire version no longer parses"
                ),
            },
        }
        self.texts.insert(file_key(&file), file.text);
    }

    /// A version published before with other text: the patient who signed or answered it
    /// saw that text, so a change needs a new version.
    fn conflicts(&self, set: &CheckedForms) -> Vec<Refusal> {
        set.archived
            .iter()
            .filter(|(file, _)| {
                self.texts
                    .get(&file_key(file))
                    .is_some_and(|text| *text != file.text)
            })
            .map(|(file, line)| {
                let folder = match file.kind {
                    "consent" => CONSENT_FOLDER,
                    _ => QUESTIONNAIRE_FOLDER,
                };
                refusal(
                    format!("{folder}/{}", file.name),
                    Some(*line),
                    format!(
                        "version {} of `{}` was published before with other text; give the \
                         changed {} a new version",
                        file.version, file.id, file.kind
                    ),
                )
            })
            .collect()
    }
}

/// What is published now.
#[derive(Debug)]
struct Current {
    response: Arc<FormsResponse>,
    questionnaires: Vec<Arc<Questionnaire>>,
    documents: Vec<DocumentSummary>,
    base: CanonicalBase,
}

impl Current {
    fn of(set: &CheckedForms) -> Self {
        let documents = set
            .order
            .iter()
            .filter_map(|id| {
                set.consents
                    .iter()
                    .find(|d| &d.id == id && d.language == Language::English)
            })
            .map(|d| DocumentSummary {
                id: d.id.clone(),
                version: d.version,
                title: d.title.clone(),
            })
            .collect();
        Self {
            response: Arc::new(set.response.clone()),
            questionnaires: set.questionnaires.clone(),
            documents,
            // Checked by `check`.
            base: CanonicalBase::new(&set.response.canonical_base)
                .unwrap_or_else(|_| unreachable!("a checked set has a valid base")),
        }
    }
}

#[derive(Debug)]
struct Inner {
    current: Current,
    archive: Archive,
    /// Why the files last read were not published (empty when they were).
    refusals: Vec<Refusal>,
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// The files are published; `changed` when they differ from what was.
    Published { revision: String, changed: bool },
    /// The files were refused; the last good set stays published.
    Refused(Vec<Refusal>),
}

/// The forms of this office.
#[derive(Debug)]
pub struct FormsLibrary {
    config: FormsConfig,
    inner: RwLock<Inner>,
}

impl FormsLibrary {
    /// The shipped forms with default settings, kept nowhere (tests, tools).
    pub fn shipped() -> Self {
        let config = FormsConfig::default();
        let set = check(&FormSources::shipped(), &config)
            .unwrap_or_else(|e| unreachable!("the shipped forms are checked by tests: {e:?}"));
        let mut archive = Archive::default();
        archive.add_checked(&set);
        Self {
            config,
            inner: RwLock::new(Inner {
                current: Current::of(&set),
                archive,
                refusals: Vec::new(),
            }),
        }
    }

    /// Opens the library over the office database: every version it ever published, the
    /// last good set; then reads the configured files (see [`Self::reload`]).
    pub fn open(
        config: FormsConfig,
        store: &mut OfficeStore,
        now: Timestamp,
    ) -> Result<Self, StoreError> {
        let shipped = Self::shipped();
        let last = store.last_form_set()?;
        let first_start = last.is_none();
        {
            let mut inner = shipped.write();
            for file in store.form_archive()? {
                inner.archive.add_stored(file);
            }
            if let Some(last) = last {
                let sources = FormSources {
                    consents: last.consents.clone(),
                    questionnaires: last.questionnaires.clone(),
                };
                let settings = FormsConfig {
                    dir: None,
                    ask: last.ask.clone(),
                    canonical_base: last.canonical_base.clone(),
                };
                match check(&sources, &settings) {
                    Ok(set) => inner.current = Current::of(&set),
                    Err(refusals) => tracing::error!(
                        count = refusals.len(),
                        "the last published form set no longer checks; starting from the shipped set"
                    ),
                }
            }
        }
        let library = Self {
            config,
            inner: shipped.inner,
        };
        if let Reloaded::Refused(_) = library.reload(store, now)?
            && first_start
        {
            // Nothing good was ever published: kiosks get the shipped set, so it is kept
            // (and archived) like any other published set.
            let set = check(&FormSources::shipped(), &FormsConfig::default())
                .unwrap_or_else(|e| unreachable!("the shipped forms are checked by tests: {e:?}"));
            let files: Vec<PublishedFile> = set.archived.iter().map(|(f, _)| f.clone()).collect();
            store.publish_form_set(&set.response, &files, now)?;
        }
        Ok(library)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the configured files again and publishes them, or, when any is refused, logs
    /// every refusal and keeps the last good set. A published set and its files are kept
    /// in `store` before kiosks are sent it.
    pub fn reload(&self, store: &mut OfficeStore, now: Timestamp) -> Result<Reloaded, StoreError> {
        let checked = read_dir(self.config.dir.as_deref())
            .and_then(|sources| check(&sources, &self.config))
            .and_then(|set| {
                let conflicts = self.read().archive.conflicts(&set);
                if conflicts.is_empty() {
                    Ok(set)
                } else {
                    Err(conflicts)
                }
            });
        let set = match checked {
            Ok(set) => set,
            Err(refusals) => {
                for r in &refusals {
                    tracing::error!(
                        file = %r.file, line = ?r.line, reason = %r.reason,
                        "form file refused; the last good forms stay published"
                    );
                }
                self.write().refusals = refusals.clone();
                return Ok(Reloaded::Refused(refusals));
            }
        };
        let files: Vec<PublishedFile> = set.archived.iter().map(|(f, _)| f.clone()).collect();
        store.publish_form_set(&set.response, &files, now)?;
        let revision = set.response.revision.clone();
        let mut inner = self.write();
        let changed = inner.current.response.revision != revision;
        inner.archive.add_checked(&set);
        inner.current = Current::of(&set);
        inner.refusals.clear();
        tracing::info!(
            %revision, changed,
            consents = set.consent_count(), questionnaires = set.questionnaire_count(),
            "forms published"
        );
        Ok(Reloaded::Published { revision, changed })
    }

    /// What kiosks are sent now.
    pub fn published(&self) -> Arc<FormsResponse> {
        self.read().current.response.clone()
    }

    /// A questionnaire by id and version, as published at any time.
    pub fn questionnaire(&self, id: &str, version: &str) -> Option<Arc<Questionnaire>> {
        self.read()
            .archive
            .questionnaires
            .get(&(id.to_owned(), version.to_owned()))
            .cloned()
    }

    /// The questionnaire published now under `id`.
    pub fn current_questionnaire(&self, id: &str) -> Option<Arc<Questionnaire>> {
        self.read()
            .current
            .questionnaires
            .iter()
            .find(|q| q.id.as_str() == id)
            .cloned()
    }

    /// The canonical base the published Questionnaires live under.
    pub fn canonical_base(&self) -> CanonicalBase {
        self.read().current.base.clone()
    }

    /// A consent document's text by id, version and language, as published at any time.
    pub fn consent(
        &self,
        id: &DocumentId,
        version: Version,
        language: Language,
    ) -> Option<Arc<ConsentDocument>> {
        self.read()
            .archive
            .consents
            .get(&(id.clone(), version, language.code()))
            .cloned()
    }

    /// The consent documents published now, in the clinic's order.
    pub fn documents(&self) -> Vec<DocumentSummary> {
        self.read().current.documents.clone()
    }

    /// Why the files last read were refused (empty when they were published).
    pub fn refusals(&self) -> Vec<Refusal> {
        self.read().refusals.clone()
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
        let forms = crate::checkin::Forms::from_response(&library.published()).unwrap();
        assert_eq!(forms.ask.len(), 2);
        assert_eq!(library.documents().len(), 3);
        assert_eq!(
            library.published().revision,
            FormsLibrary::shipped().published().revision,
            "the same files give the same revision"
        );
    }

    fn with_consent(name: &str, text: &str) -> FormSources {
        let mut sources = FormSources::shipped();
        sources.consents.push(FormFile {
            name: name.into(),
            text: text.into(),
        });
        sources
    }

    #[test]
    fn every_refusal_names_its_file_and_line() {
        let config = FormsConfig::default();
        let bad = with_consent(
            "extra.en.md",
            "---\nid: extra\nversion: 1\nlanguage: en\n---\n# X\n",
        );
        let refusals = check(&bad, &config).unwrap_err();
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert_eq!(refusals[0].file, "consent/extra.en.md");
        assert!(refusals[0].line.is_some());
        assert!(refusals[0].reason.contains("title"), "{}", refusals[0]);

        let lonely = with_consent(
            "extra.en.md",
            "---\nid: extra\nversion: 1\nlanguage: en\ntitle: Extra\n---\n# Extra\nText.\n",
        );
        let refusals = check(&lonely, &config).unwrap_err();
        assert_eq!(
            refusals[0].to_string(),
            "consent/extra.en.md: line 2: document `extra` lacks its `es` text (add a file for it)"
        );

        let mut form = FormSources::shipped();
        form.questionnaires[0].text = "id = \"phq-2\"\nversion = \"1\"\ntitle = 3\n".into();
        let mut config = FormsConfig::default();
        config.ask.push("nope".into());
        let refusals = check(&form, &config).unwrap_err();
        assert_eq!(refusals.len(), 2, "{refusals:?}");
        assert_eq!(refusals[0].file, "questionnaires/phq-2.toml");
        assert_eq!(refusals[0].line, Some(3));
        assert!(refusals[1].reason.contains("`nope`"));

        // A condition on a question the file does not have.
        let mut missing = FormSources::shipped();
        missing.questionnaires.push(FormFile {
            name: "mine.toml".into(),
            text: "id = \"mine\"\nversion = \"1\"\ntitle = { en = \"Mine\", es = \"Mío\" }\n\n\
                   [[question]]\nid = \"smokes\"\nkind = \"yes_no\"\n\
                   text = { en = \"Do you smoke?\", es = \"¿Fuma usted?\" }\n\
                   show_when = [{ question = \"nope\", is = true }]\n"
                .into(),
        });
        let refusals = check(&missing, &FormsConfig::default()).unwrap_err();
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert_eq!(refusals[0].file, "questionnaires/mine.toml");
        assert_eq!(refusals[0].line, Some(9), "{}", refusals[0]);
        assert!(
            refusals[0].reason.contains("'nope' does not exist"),
            "{}",
            refusals[0]
        );
    }

    #[test]
    fn a_version_published_before_with_other_text_is_refused() {
        let config = FormsConfig::default();
        let shipped = check(&FormSources::shipped(), &config).unwrap();
        let mut archive = Archive::default();
        archive.add_checked(&shipped);
        let mut edited = FormSources::shipped();
        edited.consents[0].text = edited.consents[0].text.replace("Privacy", "Privacy (new)");
        let edited = check(&edited, &config).unwrap();
        let refusals = archive.conflicts(&edited);
        assert_eq!(refusals.len(), 1, "{refusals:?}");
        assert_eq!(refusals[0].file, "consent/privacy-notice.en.md");
        assert_eq!(refusals[0].line, Some(2));
        assert!(refusals[0].reason.contains("new version"));
        assert!(archive.conflicts(&shipped).is_empty());
        assert_ne!(edited.response.revision, shipped.response.revision);
    }
}

//! One consent document in one language: a small front matter and a Markdown body,
//! parsed into blocks the kiosk can lay out (headings, paragraphs, bullet lists of
//! bold/italic runs).
//!
//! Format (one file per document and language, so a translation is reviewed and replaced
//! on its own, and a file never mixes two languages' line numbers):
//!
//! ```text
//! ---
//! id: financial-policy
//! version: 3
//! language: es
//! title: Política financiera
//! template: true
//! ---
//! # Política financiera
//! Usted es responsable de **todos** los cargos…
//! ```
//!
//! Links and inline code are flattened to their text; HTML, images, code blocks, block
//! quotes, numbered or nested lists and rules are refused, as is anything over the size
//! limits. Errors name the line and a reason, never document text.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};

use crate::domain::Language;

/// Largest consent file accepted, so a mistaken upload cannot eat the kiosk's memory.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 120;
/// Longest document id, in characters.
pub const MAX_ID_CHARS: usize = 64;

/// Why a consent file was refused, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct DocumentError {
    pub line: usize,
    pub reason: DocumentErrorReason,
}

/// What was wrong on that line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentErrorReason {
    #[error("file is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    #[error("file must start with a `---` front matter line")]
    NoFrontMatter,
    #[error("front matter is not closed by a `---` line")]
    UnclosedFrontMatter,
    #[error("front matter line is not `key: value`")]
    BadFrontMatterLine,
    #[error("unknown front matter key `{0}`")]
    UnknownKey(String),
    #[error("front matter key `{0}` given twice")]
    DuplicateKey(&'static str),
    #[error("front matter lacks `{0}`")]
    MissingKey(&'static str),
    #[error("id must be 1 to {MAX_ID_CHARS} of a-z, 0-9 and `-`")]
    BadId,
    #[error("version must be a whole number from 1 to 999999")]
    BadVersion,
    #[error("language must be `en` or `es`")]
    BadLanguage,
    #[error("title must be 1 to {MAX_TITLE_CHARS} characters")]
    BadTitle,
    #[error("template must be `true` or `false`")]
    BadTemplate,
    #[error("document has no text after the front matter")]
    EmptyBody,
    #[error("{0} is not allowed in a consent document")]
    Unsupported(&'static str),
}

/// A document's id, the same in every language: 1–64 of `a-z`, `0-9`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DocumentId(String);

impl DocumentId {
    pub fn new(id: &str) -> Result<Self, DocumentErrorReason> {
        let ok = !id.is_empty()
            && id.len() <= MAX_ID_CHARS
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(DocumentErrorReason::BadId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DocumentId {
    type Error = DocumentErrorReason;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(&s)
    }
}

impl From<DocumentId> for String {
    fn from(id: DocumentId) -> String {
        id.0
    }
}

impl std::fmt::Display for DocumentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A document's version: a whole number the office raises whenever the text changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Version(u32);

impl Version {
    pub const MAX: u32 = 999_999;

    pub fn new(v: u32) -> Result<Self, DocumentErrorReason> {
        if (1..=Self::MAX).contains(&v) {
            Ok(Self(v))
        } else {
            Err(DocumentErrorReason::BadVersion)
        }
    }

    /// Digits only: `+3`, `03x` and ` 3` are mistakes, not versions.
    fn parse(s: &str) -> Result<Self, DocumentErrorReason> {
        if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DocumentErrorReason::BadVersion);
        }
        s.parse::<u32>()
            .map_err(|_| DocumentErrorReason::BadVersion)
            .and_then(Self::new)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Version {
    type Error = DocumentErrorReason;
    fn try_from(v: u32) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Version> for u32 {
    fn from(v: Version) -> u32 {
        v.0
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
    pub italic: bool,
}

/// One block of a document, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Level 1 to 6, as in Markdown.
    Heading {
        level: u8,
        runs: Vec<Run>,
    },
    Paragraph(Vec<Run>),
    /// One entry of runs per bullet.
    Bullets(Vec<Vec<Run>>),
}

/// A parsed consent document in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDocument {
    pub id: DocumentId,
    pub version: Version,
    pub language: Language,
    pub title: String,
    /// Shipped wording the practice has not reviewed yet (`template: true`).
    pub template: bool,
    pub blocks: Vec<Block>,
    /// Line of the `id:` key, for errors about the set of documents.
    pub id_line: usize,
}

fn err(line: usize, reason: DocumentErrorReason) -> DocumentError {
    DocumentError { line, reason }
}

impl ConsentDocument {
    /// Parses one consent file.
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(err(1, DocumentErrorReason::TooLarge));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut lines = text.split_inclusive('\n');
        if lines.next().map(str::trim_end) != Some("---") {
            return Err(err(1, DocumentErrorReason::NoFrontMatter));
        }
        let mut offset = text.split_inclusive('\n').next().map_or(0, str::len);
        let mut id = None;
        let mut version = None;
        let mut language = None;
        let mut title = None;
        let mut template = None;
        let mut closed_at = None;
        for (i, raw) in lines.enumerate() {
            let line_no = i + 2;
            offset += raw.len();
            let line = raw.trim_end();
            if line == "---" {
                closed_at = Some(line_no);
                break;
            }
            if line.trim().is_empty() {
                continue;
            }
            let (key, value) = line
                .split_once(':')
                .ok_or(err(line_no, DocumentErrorReason::BadFrontMatterLine))?;
            let (key, value) = (key.trim(), value.trim());
            let at = |r| err(line_no, r);
            match key {
                "id" => set_once(&mut id, "id", line_no, || {
                    DocumentId::new(value).map(|v| (v, line_no)).map_err(at)
                })?,
                "version" => set_once(&mut version, "version", line_no, || {
                    Version::parse(value).map_err(at)
                })?,
                "language" => set_once(&mut language, "language", line_no, || match value {
                    "en" => Ok(Language::English),
                    "es" => Ok(Language::Spanish),
                    _ => Err(at(DocumentErrorReason::BadLanguage)),
                })?,
                "title" => set_once(&mut title, "title", line_no, || {
                    let n = value.chars().count();
                    if n == 0 || n > MAX_TITLE_CHARS || value.chars().any(char::is_control) {
                        Err(at(DocumentErrorReason::BadTitle))
                    } else {
                        Ok(value.to_owned())
                    }
                })?,
                "template" => set_once(&mut template, "template", line_no, || match value {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err(at(DocumentErrorReason::BadTemplate)),
                })?,
                other => {
                    // Name the key only if it looks like one: the line could be prose.
                    let shown = if DocumentId::new(other).is_ok() && other.len() <= 20 {
                        other.to_owned()
                    } else {
                        "?".to_owned()
                    };
                    return Err(at(DocumentErrorReason::UnknownKey(shown)));
                }
            }
        }
        let closed_at = closed_at.ok_or(err(1, DocumentErrorReason::UnclosedFrontMatter))?;
        let missing = |k| err(closed_at, DocumentErrorReason::MissingKey(k));
        let (id, id_line) = id.ok_or(missing("id"))?;
        let version = version.ok_or(missing("version"))?;
        let language = language.ok_or(missing("language"))?;
        let title = title.ok_or(missing("title"))?;
        let body = &text[offset.min(text.len())..];
        let blocks = parse_body(body, closed_at)?;
        Ok(Self {
            id,
            version,
            language,
            title,
            template: template.unwrap_or(false),
            blocks,
            id_line,
        })
    }
}

fn set_once<T>(
    slot: &mut Option<T>,
    key: &'static str,
    line: usize,
    parse: impl FnOnce() -> Result<T, DocumentError>,
) -> Result<(), DocumentError> {
    if slot.is_some() {
        return Err(err(line, DocumentErrorReason::DuplicateKey(key)));
    }
    *slot = Some(parse()?);
    Ok(())
}

/// Where a block is being collected.
enum Open {
    None,
    Heading(u8, Vec<Run>),
    Paragraph(Vec<Run>),
    List {
        items: Vec<Vec<Run>>,
        current: Option<Vec<Run>>,
    },
}

fn parse_body(body: &str, lines_before: usize) -> Result<Vec<Block>, DocumentError> {
    let line_of = |offset: usize| {
        lines_before
            + 1
            + body.as_bytes()[..offset.min(body.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
    };
    let mut blocks = Vec::new();
    let mut open = Open::None;
    let (mut bold, mut italic) = (0u32, 0u32);
    for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
        let line = line_of(range.start);
        let refuse = |what| Err(err(line, DocumentErrorReason::Unsupported(what)));
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                if matches!(open, Open::List { .. }) {
                    return refuse("a heading inside a list");
                }
                open = Open::Heading(heading_level(level), Vec::new());
            }
            Event::End(TagEnd::Heading(_)) => {
                if let Open::Heading(level, runs) = std::mem::replace(&mut open, Open::None) {
                    blocks.push(Block::Heading { level, runs });
                }
            }
            Event::Start(Tag::Paragraph) => match &mut open {
                Open::List {
                    current: Some(runs),
                    ..
                } if !runs.is_empty() => push_text(runs, " ", false, false),
                Open::List { .. } => {}
                _ => open = Open::Paragraph(Vec::new()),
            },
            Event::End(TagEnd::Paragraph) => {
                if let Open::Paragraph(_) = open
                    && let Open::Paragraph(runs) = std::mem::replace(&mut open, Open::None)
                {
                    blocks.push(Block::Paragraph(runs));
                }
            }
            Event::Start(Tag::List(Some(_))) => return refuse("a numbered list"),
            Event::Start(Tag::List(None)) => {
                if matches!(open, Open::List { .. }) {
                    return refuse("a list inside a list");
                }
                open = Open::List {
                    items: Vec::new(),
                    current: None,
                };
            }
            Event::Start(Tag::Item) => {
                if let Open::List { current, .. } = &mut open {
                    *current = Some(Vec::new());
                }
            }
            Event::End(TagEnd::Item) => {
                if let Open::List { items, current } = &mut open
                    && let Some(runs) = current.take()
                {
                    items.push(runs);
                }
            }
            Event::End(TagEnd::List(_)) => {
                if let Open::List { items, .. } = std::mem::replace(&mut open, Open::None) {
                    blocks.push(Block::Bullets(items));
                }
            }
            Event::Start(Tag::Emphasis) => italic += 1,
            Event::End(TagEnd::Emphasis) => italic = italic.saturating_sub(1),
            Event::Start(Tag::Strong) => bold += 1,
            Event::End(TagEnd::Strong) => bold = bold.saturating_sub(1),
            // Links are flattened to their text: a kiosk has nowhere to go.
            Event::Start(Tag::Link { .. }) | Event::End(TagEnd::Link) => {}
            Event::Text(t) | Event::Code(t) => {
                let runs = match &mut open {
                    Open::Heading(_, runs) | Open::Paragraph(runs) => runs,
                    Open::List {
                        current: Some(runs),
                        ..
                    } => runs,
                    _ => return refuse("text outside a paragraph"),
                };
                push_text(runs, &t, bold > 0, italic > 0);
            }
            Event::SoftBreak | Event::HardBreak => match &mut open {
                Open::Heading(_, runs) | Open::Paragraph(runs) => {
                    push_text(runs, " ", false, false)
                }
                Open::List {
                    current: Some(runs),
                    ..
                } => push_text(runs, " ", false, false),
                _ => {}
            },
            Event::Html(_) | Event::InlineHtml(_) | Event::Start(Tag::HtmlBlock) => {
                return refuse("HTML");
            }
            Event::Start(Tag::Image { .. }) => return refuse("an image"),
            Event::Start(Tag::CodeBlock(_)) => return refuse("a code block"),
            Event::Start(Tag::BlockQuote(_)) => return refuse("a block quote"),
            Event::Rule => return refuse("a horizontal rule"),
            Event::End(_) => {}
            _ => return refuse("this Markdown element"),
        }
    }
    if blocks.is_empty() {
        // The closing `---` line: the file may end right there.
        return Err(err(lines_before, DocumentErrorReason::EmptyBody));
    }
    Ok(blocks)
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Appends text, merging with the previous run when the style is the same.
fn push_text(runs: &mut Vec<Run>, text: &str, bold: bool, italic: bool) {
    match runs.last_mut() {
        Some(last) if last.bold == bold && last.italic == italic => last.text.push_str(text),
        _ => runs.push(Run {
            text: text.to_owned(),
            bold,
            italic,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "---\nid: test-doc\nversion: 2\nlanguage: en\ntitle: Test\n---\n";

    fn parse_body_of(body: &str) -> Result<ConsentDocument, DocumentError> {
        ConsentDocument::parse(&format!("{HEAD}{body}"))
    }

    #[test]
    fn parses_front_matter_and_blocks() {
        let doc = parse_body_of("# Title\n\nSome *soft* and **bold** text\nwrapped.\n\n- one\n- [two](https://example.invalid)\n").unwrap();
        assert_eq!(doc.id.as_str(), "test-doc");
        assert_eq!(doc.version.get(), 2);
        assert_eq!(doc.language, Language::English);
        assert!(!doc.template);
        assert_eq!(doc.id_line, 2);
        assert_eq!(doc.blocks.len(), 3);
        let Block::Paragraph(runs) = &doc.blocks[1] else {
            panic!("paragraph expected")
        };
        assert_eq!(runs.len(), 5);
        assert!(runs[1].italic && !runs[1].bold);
        assert!(runs[3].bold);
        assert_eq!(runs[4].text, " text wrapped.");
        assert_eq!(
            doc.blocks[2],
            Block::Bullets(vec![
                vec![Run {
                    text: "one".into(),
                    bold: false,
                    italic: false
                }],
                vec![Run {
                    text: "two".into(),
                    bold: false,
                    italic: false
                }],
            ])
        );
    }

    #[test]
    fn refusals_name_the_line() {
        let e = parse_body_of("Fine.\n\n<b>html</b>\n").unwrap_err();
        assert_eq!(e.line, 9);
        assert_eq!(e.reason, DocumentErrorReason::Unsupported("HTML"));
        let e = parse_body_of("Fine.\n\n![x](y.png)\n").unwrap_err();
        assert_eq!(
            (e.line, e.reason),
            (9, DocumentErrorReason::Unsupported("an image"))
        );
        let e = parse_body_of("1. one\n").unwrap_err();
        assert_eq!(e.line, 7);
        let e = parse_body_of("- a\n  - b\n").unwrap_err();
        assert_eq!(
            e.reason,
            DocumentErrorReason::Unsupported("a list inside a list")
        );
        let e = parse_body_of("- a\n- # b\n").unwrap_err();
        assert_eq!(
            (e.line, e.reason),
            (
                8,
                DocumentErrorReason::Unsupported("a heading inside a list")
            )
        );
        assert_eq!(
            parse_body_of("\n\n").unwrap_err().reason,
            DocumentErrorReason::EmptyBody
        );
    }

    #[test]
    fn front_matter_errors() {
        let cases = [
            ("id: x\n", 1, DocumentErrorReason::NoFrontMatter),
            ("---\nid: a\n", 1, DocumentErrorReason::UnclosedFrontMatter),
            ("---\nid: A b\n---\nx\n", 2, DocumentErrorReason::BadId),
            (
                "---\nid: a\nversion: 0\n---\nx\n",
                3,
                DocumentErrorReason::BadVersion,
            ),
            (
                "---\nid: a\nversion: +3\n---\nx\n",
                3,
                DocumentErrorReason::BadVersion,
            ),
            (
                "---\nid: a\nid: b\n---\nx\n",
                3,
                DocumentErrorReason::DuplicateKey("id"),
            ),
            (
                "---\nid: a\nlanguage: fr\n---\nx\n",
                3,
                DocumentErrorReason::BadLanguage,
            ),
            (
                "---\nid: a\nversion: 1\ntitle: T\n---\nx\n",
                5,
                DocumentErrorReason::MissingKey("language"),
            ),
            (
                "---\nid: a\nnonsense\n---\nx\n",
                3,
                DocumentErrorReason::BadFrontMatterLine,
            ),
            (
                "---\ncolour: blue\n---\nx\n",
                2,
                DocumentErrorReason::UnknownKey("colour".into()),
            ),
            (
                "---\nid: a\nversion: 1\nlanguage: en\ntitle: T\n---",
                6,
                DocumentErrorReason::EmptyBody,
            ),
        ];
        for (text, line, reason) in cases {
            let e = ConsentDocument::parse(text).unwrap_err();
            assert_eq!((e.line, e.reason), (line, reason), "{text:?}");
        }
    }
}

//! Every patient-facing string has a Spanish translation: each `@tr("…")` in `ui/` must
//! have a non-empty `msgstr` in `lang/es/LC_MESSAGES/frontdesk.po` with the same `{}`
//! placeholders, and the file holds no translation for a string the UI no longer has.

use std::collections::BTreeMap;
use std::path::Path;

/// The `@tr("…")` strings of every `.slint` file under `dir`.
fn tr_strings(dir: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            tr_strings(&path, found);
        } else if path.extension().is_some_and(|e| e == "slint") {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut rest = text.as_str();
            while let Some(at) = rest.find("@tr(") {
                rest = &rest[at + 4..];
                let quoted = rest.trim_start();
                assert!(
                    quoted.starts_with('"'),
                    "{}: @tr must start with a string literal",
                    path.display()
                );
                let (literal, after) = string_literal(&quoted[1..]);
                assert!(
                    !after.trim_start().starts_with("=>"),
                    "{}: no explicit contexts; the .po has none",
                    path.display()
                );
                found.push((literal, path.display().to_string()));
                rest = after;
            }
        }
    }
}

/// Reads a string literal body up to its closing quote; returns it and what follows.
fn string_literal(text: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (out, &text[i + 1..]),
            '\\' => {
                let (_, escaped) = chars.next().expect("escape");
                out.push(match escaped {
                    'n' => '\n',
                    other => other,
                });
            }
            c => out.push(c),
        }
    }
    panic!("unterminated string literal");
}

/// msgid → msgstr of a gettext file (single- and multi-line strings).
fn po_entries(text: &str) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    let (mut id, mut string, mut in_str) = (None::<String>, String::new(), false);
    let mut flush = |id: &mut Option<String>, string: &mut String| {
        if let Some(id) = id.take()
            && !id.is_empty()
        {
            entries.insert(id, std::mem::take(string));
        }
        string.clear();
    };
    for line in text.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("msgid ") {
            flush(&mut id, &mut string);
            id = Some(string_literal(&rest[1..]).0);
            in_str = false;
        } else if let Some(rest) = line.strip_prefix("msgstr ") {
            string = string_literal(&rest[1..]).0;
            in_str = true;
        } else if let Some(rest) = line.strip_prefix('"') {
            let part = string_literal(rest).0;
            if in_str {
                string.push_str(&part);
            } else if let Some(id) = id.as_mut() {
                id.push_str(&part);
            }
        }
    }
    flush(&mut id, &mut string);
    entries
}

/// Words spelt the same in both languages: their translation is the word itself.
const SAME_IN_SPANISH: &[&str] = &["No"];

#[test]
fn every_ui_string_has_a_spanish_translation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut strings = Vec::new();
    tr_strings(&root.join("ui"), &mut strings);
    assert!(strings.len() > 30, "found only {} strings", strings.len());
    let po = std::fs::read_to_string(root.join("lang/es/LC_MESSAGES/frontdesk.po")).unwrap();
    let spanish = po_entries(&po);

    let mut missing = Vec::new();
    for (english, file) in &strings {
        match spanish.get(english) {
            Some(translated) if !translated.trim().is_empty() => {
                assert_eq!(
                    translated.matches("{}").count(),
                    english.matches("{}").count(),
                    "placeholders differ for {english:?}"
                );
                if !SAME_IN_SPANISH.contains(&english.as_str()) {
                    assert_ne!(translated, english, "{english:?} is not translated");
                }
            }
            _ => missing.push(format!("{file}: {english:?}")),
        }
    }
    assert!(
        missing.is_empty(),
        "no Spanish for:\n{}",
        missing.join("\n")
    );

    let used: std::collections::BTreeSet<_> = strings.iter().map(|(s, _)| s).collect();
    let stale: Vec<_> = spanish.keys().filter(|k| !used.contains(k)).collect();
    assert!(
        stale.is_empty(),
        "translations for strings the UI no longer has: {stale:?}"
    );
}

#[test]
fn the_po_reader_reads_what_gettext_writes() {
    let entries = po_entries(
        "msgid \"\"\nmsgstr \"Language: es\\n\"\n\nmsgid \"Say \\\"hi\\\"\"\nmsgstr \"\"\n\"Diga \"\n\"hola\"\n",
    );
    assert_eq!(
        entries.get("Say \"hi\"").map(String::as_str),
        Some("Diga hola")
    );
    assert_eq!(entries.len(), 1);
}

//! Any text as a consent file, and any text as the body after a valid front matter, to
//! `ConsentDocument::parse`: it parses or names a line inside the file, never panics.
//! What parses has at least one block and no empty bullet list.
#![no_main]

use frontdesk::consent::{Block, ConsentDocument, ConsentSet};
use libfuzzer_sys::fuzz_target;

const HEAD: &str = "---\nid: fuzz\nversion: 1\nlanguage: en\ntitle: Fuzz\n---\n";

fn check(text: &str) {
    let lines = text.split('\n').count().max(1);
    match ConsentDocument::parse(text) {
        Ok(doc) => {
            assert!(!doc.blocks.is_empty());
            for block in &doc.blocks {
                if let Block::Bullets(items) = block {
                    assert!(!items.is_empty());
                }
            }
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines, "line {} of {lines}", e.line);
            // Errors name a reason, never a stretch of the document.
            assert!(e.to_string().len() < 120, "{e}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    check(&text);
    let with_head = format!("{HEAD}{text}");
    check(&with_head);
    let _ = ConsentSet::from_sources([("a.md", with_head.as_str()), ("b.md", text.as_ref())]);
});

//! The questionnaires frontdesk ships: PHQ-2, PHQ-9 after a positive PHQ-2, and reason
//! for visit / new symptoms. Embedded so a fresh install works; a unit test parses them.

use super::model::Questionnaire;
use super::parse::parse;

/// The shipped files, by file name.
pub const FILES: [(&str, &str); 3] = [
    ("phq-2.toml", include_str!("defaults/phq-2.toml")),
    ("phq-9.toml", include_str!("defaults/phq-9.toml")),
    (
        "reason-for-visit.toml",
        include_str!("defaults/reason-for-visit.toml"),
    ),
];

/// Every shipped questionnaire, parsed.
pub fn all() -> Vec<Questionnaire> {
    FILES
        .iter()
        // Cannot fail: `shipped_files_parse` below parses every embedded file.
        .map(|(name, text)| parse(text).unwrap_or_else(|e| panic!("shipped {name}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_parse() {
        for (name, text) in FILES {
            if let Err(e) = parse(text) {
                panic!("{name}: {e}");
            }
        }
        let ids: Vec<String> = all().iter().map(|q| q.id.to_string()).collect();
        assert_eq!(ids, ["phq-2", "phq-9", "reason-for-visit"]);
    }
}

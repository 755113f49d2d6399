//! Reading a program's TOML configuration file.

use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

/// Why a configuration file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Never toml's whole message: it quotes the line, which may hold a secret.
    #[error("{path} is not valid: {}", without_values(source))]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
}

/// Reads and parses a TOML file (the caller validates what serde cannot).
pub fn load_toml<T: DeserializeOwned>(path: &Path) -> Result<T, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|source| FileError::Parse {
        path: path.to_owned(),
        source: Box::new(source),
    })
}

/// A TOML error's message with the values serde quotes in it left out (`invalid type:
/// integer, expected a string`, not `integer `12345678``): a config file holds tokens and
/// passphrases, and its errors reach logs and the kiosk's screen. Names of fields and the
/// expected variants stay: they are what the reader must fix.
pub fn without_values(error: &toml::de::Error) -> String {
    let message = error.message();
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    // serde's `Unexpected` and `unknown variant` say "<kind> `<value>`" or "string \"...\"".
    const KINDS: [&str; 6] = [
        "integer ",
        "floating point ",
        "boolean ",
        "character ",
        "string ",
        "unknown variant ",
    ];
    while let Some((at, kind)) = KINDS
        .iter()
        .filter_map(|kind| rest.find(kind).map(|at| (at, *kind)))
        .min_by_key(|(at, _)| *at)
    {
        let after = at + kind.len();
        out.push_str(&rest[..at]);
        out.push_str(kind.trim_end());
        rest = &rest[after..];
        let close = match rest.chars().next() {
            Some('`') => rest[1..].find('`'),
            Some('"') => rest[1..].rfind('"'),
            _ => None,
        };
        match close {
            Some(close) => rest = &rest[close + 2..],
            None => out.push(' '),
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        token: Option<String>,
        count: Option<u8>,
        mode: Option<Mode>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        Fast,
    }

    fn error(text: &str) -> String {
        let error = toml::from_str::<Sample>(text).unwrap_err();
        without_values(&error)
    }

    #[test]
    fn errors_name_the_kind_of_value_but_never_the_value() {
        assert_eq!(
            error("token = 87654321"),
            "invalid type: integer, expected a string"
        );
        assert_eq!(
            error("count = \"s3cret-\\\"quoted\\\"\""),
            "invalid type: string, expected u8"
        );
        assert_eq!(
            error("count = 1.5"),
            "invalid type: floating point, expected u8"
        );
        assert_eq!(
            error("token = true"),
            "invalid type: boolean, expected a string"
        );
        let variant = error("mode = \"hunter2\"");
        assert!(!variant.contains("hunter2"), "{variant}");
        assert!(variant.contains("fast"), "{variant}");
    }

    #[test]
    fn a_file_error_shows_the_path_and_not_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sample.toml");
        std::fs::write(&path, "token = 87654321\n").unwrap();
        let shown = load_toml::<Sample>(&path).unwrap_err().to_string();
        assert!(
            shown.contains("sample.toml is not valid: invalid type: integer"),
            "{shown}"
        );
        assert!(!shown.contains("87654321"), "{shown}");
    }
}

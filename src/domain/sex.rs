//! The sex / gender choices a registration offers: a list each office configures (codes
//! with an English and a Spanish label), and the code a patient picked from it.

use super::Language;
use super::text::{TextError, clean_line};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a sex / gender code or the office's list of them was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SexOptionError {
    #[error("an option code is 1-32 characters of a-z, 0-9, '_' and '-'")]
    BadCode,
    #[error("option label: {0}")]
    Label(TextError),
    #[error("the list of sex / gender options is empty")]
    Empty,
    #[error("more than {} sex / gender options", SexOptions::MAX)]
    TooMany,
    #[error("two sex / gender options share a code")]
    DuplicateCode,
}

/// The code of one option ("female", "nonbinary"). A code in a registration is PHI:
/// `Debug` hides it.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SexCode(String);

impl SexCode {
    pub fn new(text: &str) -> Result<Self, SexOptionError> {
        let ok = !text.is_empty()
            && text.len() <= 32
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(SexOptionError::BadCode)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SexCode {
    type Error = SexOptionError;
    fn try_from(text: String) -> Result<Self, SexOptionError> {
        Self::new(&text)
    }
}

impl From<SexCode> for String {
    fn from(code: SexCode) -> String {
        code.0
    }
}

impl fmt::Debug for SexCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SexCode(<redacted>)")
    }
}

/// One choice on the registration form, labelled in both kiosk languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawOption")]
pub struct SexOption {
    code: SexCode,
    english: String,
    spanish: String,
}

impl SexOption {
    /// Longest label, in characters (it must fit a kiosk button).
    pub const MAX_LABEL: usize = 40;

    pub fn new(code: &str, english: &str, spanish: &str) -> Result<Self, SexOptionError> {
        let label = |text| clean_line(text, Self::MAX_LABEL).map_err(SexOptionError::Label);
        Ok(Self {
            code: SexCode::new(code)?,
            english: label(english)?,
            spanish: label(spanish)?,
        })
    }

    pub fn code(&self) -> &SexCode {
        &self.code
    }

    /// The label in `language`.
    pub fn label(&self, language: Language) -> &str {
        match language {
            Language::English => &self.english,
            Language::Spanish => &self.spanish,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    code: String,
    english: String,
    spanish: String,
}

impl TryFrom<RawOption> for SexOption {
    type Error = SexOptionError;
    fn try_from(raw: RawOption) -> Result<Self, SexOptionError> {
        Self::new(&raw.code, &raw.english, &raw.spanish)
    }
}

/// The office's list, in the order the kiosk shows it: 1 to [`SexOptions::MAX`] options
/// with distinct codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<SexOption>", into = "Vec<SexOption>")]
pub struct SexOptions(Vec<SexOption>);

impl SexOptions {
    /// Most options (a screen of buttons).
    pub const MAX: usize = 12;

    pub fn new(options: Vec<SexOption>) -> Result<Self, SexOptionError> {
        if options.is_empty() {
            return Err(SexOptionError::Empty);
        }
        if options.len() > Self::MAX {
            return Err(SexOptionError::TooMany);
        }
        let mut seen = std::collections::HashSet::new();
        if !options.iter().all(|o| seen.insert(o.code.as_str())) {
            return Err(SexOptionError::DuplicateCode);
        }
        Ok(Self(options))
    }

    pub fn options(&self) -> &[SexOption] {
        &self.0
    }

    /// The option with `code`, if the list has it.
    pub fn find(&self, code: &SexCode) -> Option<&SexOption> {
        self.0.iter().find(|o| &o.code == code)
    }
}

/// What an office that configured nothing offers.
impl Default for SexOptions {
    fn default() -> Self {
        let defaults = [
            ("female", "Female", "Femenino"),
            ("male", "Male", "Masculino"),
            ("nonbinary", "Non-binary", "No binario"),
            ("another", "Another gender", "Otro género"),
            ("not_said", "Prefer not to say", "Prefiero no decirlo"),
        ];
        Self(
            defaults
                .into_iter()
                .map(|(code, en, es)| SexOption::new(code, en, es).expect("defaults are valid"))
                .collect(),
        )
    }
}

impl TryFrom<Vec<SexOption>> for SexOptions {
    type Error = SexOptionError;
    fn try_from(options: Vec<SexOption>) -> Result<Self, SexOptionError> {
        Self::new(options)
    }
}

impl From<SexOptions> for Vec<SexOption> {
    fn from(options: SexOptions) -> Self {
        options.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_list_is_valid_and_bilingual() {
        let list = SexOptions::default();
        assert_eq!(SexOptions::new(list.options().to_vec()), Ok(list.clone()));
        let female = list.find(&SexCode::new("female").unwrap()).unwrap();
        assert_eq!(female.label(Language::English), "Female");
        assert_eq!(female.label(Language::Spanish), "Femenino");
        assert!(list.find(&SexCode::new("unknown").unwrap()).is_none());
    }

    #[test]
    fn codes_labels_and_lists_are_checked() {
        for bad in ["", "Female", "fe male", "é", &"a".repeat(33)] {
            assert_eq!(SexCode::new(bad), Err(SexOptionError::BadCode), "{bad:?}");
        }
        assert!(SexCode::new("not_said-2").is_ok());
        assert_eq!(
            SexOption::new("x", "", "X"),
            Err(SexOptionError::Label(TextError::Empty))
        );
        assert_eq!(
            SexOption::new("x", "X", &"y".repeat(41)),
            Err(SexOptionError::Label(TextError::TooLong { max: 40 }))
        );
        let x = SexOption::new("x", "X", "X").unwrap();
        assert_eq!(SexOptions::new(vec![]), Err(SexOptionError::Empty));
        assert_eq!(
            SexOptions::new(vec![x.clone(), x.clone()]),
            Err(SexOptionError::DuplicateCode)
        );
        let many = (0..13)
            .map(|i| SexOption::new(&format!("o{i}"), "O", "O").unwrap())
            .collect();
        assert_eq!(SexOptions::new(many), Err(SexOptionError::TooMany));
    }

    #[test]
    fn the_wire_form_is_checked_again() {
        let json = serde_json::to_string(&SexOptions::default()).unwrap();
        assert!(
            json.starts_with(r#"[{"code":"female","english":"Female","spanish":"Femenino"}"#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<SexOptions>(&json).unwrap(),
            SexOptions::default()
        );
        for bad in [
            "[]",
            r#"[{"code":"X","english":"X","spanish":"X"}]"#,
            r#"[{"code":"x","english":"","spanish":"X"}]"#,
            r#"[{"code":"x","english":"X","spanish":"X"},{"code":"x","english":"Y","spanish":"Y"}]"#,
        ] {
            assert!(serde_json::from_str::<SexOptions>(bad).is_err(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", SexCode::new("female").unwrap()),
            "SexCode(<redacted>)"
        );
    }
}

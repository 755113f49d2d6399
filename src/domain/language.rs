//! The languages the kiosk speaks to patients.

use serde::{Deserialize, Serialize};

/// A language a patient can choose at the kiosk. English is the source language of every
/// screen; every other language has a bundled translation under `lang/`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    English,
    Spanish,
}

impl Language {
    /// Every language, in the order the kiosk offers them.
    pub const ALL: [Language; 2] = [Language::English, Language::Spanish];

    /// The BCP 47 / gettext code (`lang/<code>/LC_MESSAGES`).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Spanish => "es",
        }
    }

    /// The language's own name for itself, as a patient looking for it would read it.
    pub fn own_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Spanish => "Español",
        }
    }

    /// The language an EHR names by code or by name, when it is one the kiosk speaks:
    /// ISO 639-1 or -2 or BCP 47 (`es`, `spa`, `es-MX`, any case), as HL7 PID-15 and FHIR
    /// `Patient.communication` carry it, or the language's English or own name.
    pub fn from_ehr(text: &str) -> Option<Language> {
        let text = text.trim().to_lowercase();
        let primary = text.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "en" | "eng" | "english" => Some(Language::English),
            "es" | "spa" | "spanish" | "español" | "espanol" | "castellano" => {
                Some(Language::Spanish)
            }
            _ => None,
        }
    }

    /// The language the language button switches to.
    pub fn other(self) -> Language {
        match self {
            Language::English => Language::Spanish,
            Language::Spanish => Language::English,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_codes_and_names_ehrs_send() {
        for spanish in [
            "es",
            "SPA",
            "es-MX",
            "es_US",
            "Spanish",
            " Español ",
            "espanol",
        ] {
            assert_eq!(
                Language::from_ehr(spanish),
                Some(Language::Spanish),
                "{spanish}"
            );
        }
        for english in ["en", "ENG", "en-US", "English"] {
            assert_eq!(
                Language::from_ehr(english),
                Some(Language::English),
                "{english}"
            );
        }
        for other in ["", "vi", "vie", "zh-Hans", "Tagalog", "e", "esperanto"] {
            assert_eq!(Language::from_ehr(other), None, "{other}");
        }
    }
}

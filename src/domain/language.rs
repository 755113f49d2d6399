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

    /// The language the language button switches to.
    pub fn other(self) -> Language {
        match self {
            Language::English => Language::Spanish,
            Language::Spanish => Language::English,
        }
    }
}

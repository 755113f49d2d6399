//! The consent documents shipped with frontdesk: templates (`template: true`) that a
//! practice must review before patients sign them.

use super::set::{ConsentSet, SetError};

/// `(file name, text)` of every shipped document, English and Spanish.
pub const DEFAULT_SOURCES: [(&str, &str); 6] = [
    (
        "privacy-notice.en.md",
        include_str!("defaults/privacy-notice.en.md"),
    ),
    (
        "privacy-notice.es.md",
        include_str!("defaults/privacy-notice.es.md"),
    ),
    (
        "financial-policy.en.md",
        include_str!("defaults/financial-policy.en.md"),
    ),
    (
        "financial-policy.es.md",
        include_str!("defaults/financial-policy.es.md"),
    ),
    (
        "treatment-consent.en.md",
        include_str!("defaults/treatment-consent.en.md"),
    ),
    (
        "treatment-consent.es.md",
        include_str!("defaults/treatment-consent.es.md"),
    ),
];

/// The shipped set: privacy notice acknowledgement, financial policy, consent to treatment.
pub fn default_set() -> Result<ConsentSet, SetError> {
    ConsentSet::from_sources(DEFAULT_SOURCES)
}

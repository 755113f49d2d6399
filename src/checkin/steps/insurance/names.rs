//! Whether the member name read from an insurance card is the patient's own. The kiosk
//! knows a patient with an appointment only by first name and last initial (what the
//! roster shows), a new patient by the full name they typed; names are compared without
//! case, accents, spaces, hyphens or apostrophes ("García-López" = "GARCIA LOPEZ"), and
//! only the first word of a first name counts (a card may print a middle initial).

use crate::checkin::session::Session;
use crate::domain::PersonName;
use crate::domain::normalise_name;

/// What the kiosk knows of the patient's name, normalised.
#[derive(Clone, PartialEq, Eq)]
pub(super) struct KnownName {
    first: String,
    /// The whole last name, or only its first letter (an appointment's display name).
    last: LastKnown,
}

#[derive(Clone, PartialEq, Eq)]
enum LastKnown {
    Full(String),
    Initial(char),
}

/// The card's name against the patient's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameMatch {
    /// The card is in the patient's name: they are the subscriber.
    Same,
    /// Someone else's name: the patient is a dependent.
    Different,
    /// The kiosk does not know the patient's name.
    Unknown,
}

fn fold(text: &str) -> String {
    normalise_name(text).unwrap_or_default()
}

/// The first word of a first name, folded.
fn first_word(first: &str) -> String {
    fold(first.split_whitespace().next().unwrap_or_default())
}

impl KnownName {
    /// The patient's name as this session knows it.
    pub(super) fn of(session: &Session) -> Option<Self> {
        if let Some(registration) = session
            .new_patient
            .as_ref()
            .and_then(|p| p.finished.as_ref())
        {
            let name = &registration.legal_name.value;
            return Some(Self {
                first: first_word(name.first()),
                last: LastKnown::Full(fold(name.last())),
            });
        }
        // "Ada T.": first name, space, last initial and a period.
        let shown = session
            .appointment
            .as_ref()?
            .details
            .display_name
            .as_ref()?
            .as_str()
            .to_owned();
        let (first, initial) = shown.trim_end_matches('.').rsplit_once(' ')?;
        let initial = fold(initial).chars().next()?;
        let first = first_word(first);
        (!first.is_empty()).then_some(Self {
            first,
            last: LastKnown::Initial(initial),
        })
    }

    /// Whether `card` names this patient.
    pub(super) fn compare(known: Option<&Self>, card: &PersonName) -> NameMatch {
        let Some(known) = known else {
            return NameMatch::Unknown;
        };
        let last = fold(card.last());
        let same_last = match &known.last {
            LastKnown::Full(full) => *full == last,
            LastKnown::Initial(initial) => last.starts_with(*initial),
        };
        if same_last && first_word(card.first()) == known.first {
            NameMatch::Same
        } else {
            NameMatch::Different
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(first: &str, last: LastKnown) -> KnownName {
        KnownName {
            first: first_word(first),
            last,
        }
    }

    #[test]
    fn names_match_without_case_or_accents() {
        let card = |first, last| PersonName::new(first, last).unwrap();
        let full = known("Ada", LastKnown::Full(fold("García-López")));
        let compare = |k: &KnownName, c| KnownName::compare(Some(k), &c);
        assert_eq!(
            compare(&full, card("ADA M", "GARCIA LOPEZ")),
            NameMatch::Same
        );
        assert_eq!(
            compare(&full, card("BEA", "GARCIA LOPEZ")),
            NameMatch::Different
        );
        assert_eq!(compare(&full, card("ADA", "GARCIA")), NameMatch::Different);
        let initial = known("Ádá", LastKnown::Initial('t'));
        assert_eq!(
            compare(&initial, card("ada", "Testpatient")),
            NameMatch::Same
        );
        assert_eq!(
            compare(&initial, card("ada", "Sample")),
            NameMatch::Different
        );
        assert_eq!(
            KnownName::compare(None, &card("Ada", "Testpatient")),
            NameMatch::Unknown
        );
    }
}

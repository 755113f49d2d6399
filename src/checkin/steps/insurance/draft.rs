//! One coverage being entered at the insurance step: the fields typed or pre-filled so
//! far, where the pre-fill came from, and the checks that turn it into a validated
//! [`Coverage`]. Pre-fills come from a card photo's reading, a verified SMART Health Card
//! or a plain barcode; every one is shown to the patient to confirm. PHI: `Debug` shows
//! which fields are filled, never their values.

use crate::api::PayerListEntry;
use crate::checkin::steps::{FormText, Keyboard};
use crate::domain::{
    CardReading, Coverage, CoverageRank, CoverageSource, DateOfBirth, GroupNumber, MemberId, Payer,
    PayerName, PersonName, Subscriber, SubscriberRelationship,
};
use crate::scan::shc;
use jiff::civil::Date;
use std::fmt;

/// The fields of one coverage, in the order they are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CoverageField {
    /// The payer, searched in the office's list.
    Payer,
    /// The plan's name typed, when it is not in the list.
    PayerName,
    MemberId,
    /// Optional: "no group number".
    Group,
    Relationship,
    SubscriberFirst,
    SubscriberLast,
    /// Typed as MMDDYYYY on the digits keyboard.
    SubscriberBirth,
}

impl CoverageField {
    pub const ALL: [CoverageField; 8] = [
        CoverageField::Payer,
        CoverageField::PayerName,
        CoverageField::MemberId,
        CoverageField::Group,
        CoverageField::Relationship,
        CoverageField::SubscriberFirst,
        CoverageField::SubscriberLast,
        CoverageField::SubscriberBirth,
    ];

    /// The keyboard and length limit of a typed field (`None`: chosen, not typed).
    pub fn keyboard(self) -> Option<(Keyboard, usize)> {
        match self {
            CoverageField::Payer | CoverageField::PayerName => {
                Some((Keyboard::Address, PayerName::MAX))
            }
            CoverageField::MemberId => Some((Keyboard::Address, 30)),
            CoverageField::Group => Some((Keyboard::Address, GroupNumber::MAX)),
            CoverageField::Relationship => None,
            CoverageField::SubscriberFirst | CoverageField::SubscriberLast => {
                Some((Keyboard::Name, 40))
            }
            CoverageField::SubscriberBirth => Some((Keyboard::Digits, 8)),
        }
    }
}

/// Why "Next" did not move on; each has a plain sentence in both languages on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageFieldError {
    /// Nothing typed or chosen.
    Required,
    /// Choose a plan from the list, or "My plan is not listed".
    ChoosePayer,
    /// A plan name with characters a name cannot have.
    PayerName,
    /// Member ids are letters, digits and hyphens.
    MemberId,
    /// Group numbers are letters, digits, spaces and hyphens.
    Group,
    /// The date is not a real date of birth (MM DD YYYY).
    BirthDate,
    /// A name with characters a name cannot have.
    Name,
}

/// The payer as chosen so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftPayer {
    /// One of the office's payers.
    Listed(PayerListEntry),
    /// A plan the list lacks, named by the patient (or printed on the card).
    Typed,
}

/// One coverage being entered.
#[derive(Clone, PartialEq, Eq)]
pub struct Draft {
    pub rank: CoverageRank,
    pub payer: Option<DraftPayer>,
    /// The search text on the payer page.
    pub query: FormText,
    /// The plan's name when it is not listed.
    pub payer_name: FormText,
    pub member_id: FormText,
    pub group: FormText,
    /// "No group number" was chosen.
    pub no_group: bool,
    pub relationship: Option<SubscriberRelationship>,
    pub subscriber_first: FormText,
    pub subscriber_last: FormText,
    /// Digits typed, MMDDYYYY.
    pub subscriber_birth: FormText,
    pub source: CoverageSource,
    /// The fields filled in from a card (shown with "from your card, please check").
    pub prefilled: Vec<CoverageField>,
    /// The member name printed on the card when it is not (or may not be) the patient's:
    /// shown on the relationship page, so the patient sees whose card it is.
    pub card_name: Option<String>,
}

impl fmt::Debug for Draft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Draft")
            .field("rank", &self.rank)
            .field("payer", &self.payer.is_some())
            .field("member_id", &!self.member_id.is_empty())
            .field("relationship", &self.relationship)
            .field("source", &self.source)
            .field("prefilled", &self.prefilled.len())
            .finish_non_exhaustive()
    }
}

/// Letters and digits only, lower case, single spaces: how payer names are compared.
pub fn normalise_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The office's payer whose normalised name is `name`'s, if any.
pub fn match_payer<'a>(payers: &'a [PayerListEntry], name: &str) -> Option<&'a PayerListEntry> {
    let wanted = normalise_name(name);
    if wanted.is_empty() {
        return None;
    }
    payers
        .iter()
        .find(|p| normalise_name(p.name.as_str()) == wanted)
}

/// Most payers listed under the search field: with "My plan is not listed" they make two
/// rows of big buttons, which fit above the keyboard at 800×480.
pub const MAX_MATCHES: usize = 3;

/// The payers whose name has a word starting with the typed text (or contains it), in the
/// list's order, at most [`MAX_MATCHES`].
pub fn search_payers<'a>(payers: &'a [PayerListEntry], query: &str) -> Vec<&'a PayerListEntry> {
    let query = normalise_name(query);
    if query.is_empty() {
        return Vec::new();
    }
    let mut starts: Vec<&PayerListEntry> = Vec::new();
    let mut contains: Vec<&PayerListEntry> = Vec::new();
    for payer in payers {
        let name = normalise_name(payer.name.as_str());
        if name.starts_with(&query) || name.contains(&format!(" {query}")) {
            starts.push(payer);
        } else if name.contains(&query) {
            contains.push(payer);
        }
    }
    starts.extend(contains);
    starts.truncate(MAX_MATCHES);
    starts
}

impl Draft {
    pub fn new(rank: CoverageRank) -> Self {
        Self {
            rank,
            payer: None,
            query: FormText::default(),
            payer_name: FormText::default(),
            member_id: FormText::default(),
            group: FormText::default(),
            no_group: false,
            relationship: None,
            subscriber_first: FormText::default(),
            subscriber_last: FormText::default(),
            subscriber_birth: FormText::default(),
            source: CoverageSource::Typed,
            prefilled: Vec::new(),
            card_name: None,
        }
    }

    /// The text of a typed field.
    pub fn text(&self, field: CoverageField) -> Option<&FormText> {
        Some(match field {
            CoverageField::Payer => &self.query,
            CoverageField::PayerName => &self.payer_name,
            CoverageField::MemberId => &self.member_id,
            CoverageField::Group => &self.group,
            CoverageField::SubscriberFirst => &self.subscriber_first,
            CoverageField::SubscriberLast => &self.subscriber_last,
            CoverageField::SubscriberBirth => &self.subscriber_birth,
            CoverageField::Relationship => return None,
        })
    }

    pub fn text_mut(&mut self, field: CoverageField) -> Option<&mut FormText> {
        Some(match field {
            CoverageField::Payer => &mut self.query,
            CoverageField::PayerName => &mut self.payer_name,
            CoverageField::MemberId => &mut self.member_id,
            CoverageField::Group => &mut self.group,
            CoverageField::SubscriberFirst => &mut self.subscriber_first,
            CoverageField::SubscriberLast => &mut self.subscriber_last,
            CoverageField::SubscriberBirth => &mut self.subscriber_birth,
            CoverageField::Relationship => return None,
        })
    }

    /// Whether the field is asked for this draft (the plan name only when not listed, the
    /// subscriber only when it is not the patient).
    pub fn asks(&self, field: CoverageField) -> bool {
        match field {
            CoverageField::PayerName => self.payer == Some(DraftPayer::Typed),
            CoverageField::SubscriberFirst
            | CoverageField::SubscriberLast
            | CoverageField::SubscriberBirth => self
                .relationship
                .is_some_and(|r| r != SubscriberRelationship::Patient),
            _ => true,
        }
    }

    /// The fields asked, in order.
    pub fn fields(&self) -> Vec<CoverageField> {
        CoverageField::ALL
            .into_iter()
            .filter(|f| self.asks(*f))
            .collect()
    }

    /// Whether the field has an answer (right or wrong).
    pub fn answered(&self, field: CoverageField) -> bool {
        match field {
            CoverageField::Payer => self.payer.is_some(),
            CoverageField::Group => self.no_group || !self.group.is_empty(),
            CoverageField::Relationship => self.relationship.is_some(),
            other => self.text(other).is_some_and(|t| !t.is_empty()),
        }
    }

    /// Checks one field as the patient leaves it.
    pub fn check(&self, field: CoverageField, today: Date) -> Result<(), CoverageFieldError> {
        let text = |f| self.text(f).map(FormText::as_str).unwrap_or_default();
        match field {
            CoverageField::Payer => self
                .payer
                .as_ref()
                .map(drop)
                .ok_or(CoverageFieldError::ChoosePayer),
            CoverageField::PayerName => {
                required(text(field))?;
                PayerName::new(text(field))
                    .map(drop)
                    .map_err(|_| CoverageFieldError::PayerName)
            }
            CoverageField::MemberId => {
                required(text(field))?;
                MemberId::new(text(field))
                    .map(drop)
                    .map_err(|_| CoverageFieldError::MemberId)
            }
            CoverageField::Group => {
                if self.no_group && self.group.is_empty() {
                    return Ok(());
                }
                required(text(field))?;
                GroupNumber::new(text(field))
                    .map(drop)
                    .map_err(|_| CoverageFieldError::Group)
            }
            CoverageField::Relationship => self
                .relationship
                .map(drop)
                .ok_or(CoverageFieldError::Required),
            CoverageField::SubscriberFirst | CoverageField::SubscriberLast => {
                required(text(field))?;
                PersonName::new(text(field), text(field))
                    .map(drop)
                    .map_err(|_| CoverageFieldError::Name)
            }
            CoverageField::SubscriberBirth => {
                required(text(field))?;
                birth_date(text(field), today)
                    .map(drop)
                    .ok_or(CoverageFieldError::BirthDate)
            }
        }
    }

    /// The first field asked that is missing or wrong.
    pub fn first_gap(&self, today: Date) -> Option<CoverageField> {
        self.fields()
            .into_iter()
            .find(|f| !self.answered(*f) || self.check(*f, today).is_err())
    }

    /// The validated coverage, when every field asked is right.
    pub fn coverage(&self, today: Date) -> Option<Coverage> {
        if self.first_gap(today).is_some() {
            return None;
        }
        let payer = match self.payer.as_ref()? {
            DraftPayer::Listed(entry) => Payer {
                id: Some(entry.id.clone()),
                name: entry.name.clone(),
            },
            DraftPayer::Typed => Payer {
                id: None,
                name: PayerName::new(self.payer_name.as_str()).ok()?,
            },
        };
        let group = if self.group.is_empty() {
            None
        } else {
            Some(GroupNumber::new(self.group.as_str()).ok()?)
        };
        let relationship = self.relationship?;
        let subscriber = if relationship == SubscriberRelationship::Patient {
            None
        } else {
            Some(Subscriber {
                name: PersonName::new(
                    self.subscriber_first.as_str(),
                    self.subscriber_last.as_str(),
                )
                .ok()?,
                date_of_birth: birth_date(self.subscriber_birth.as_str(), today)?,
            })
        };
        Coverage::new(
            self.rank,
            payer,
            MemberId::new(self.member_id.as_str()).ok()?,
            group,
            relationship,
            subscriber,
            self.source.clone(),
        )
        .ok()
    }

    fn set_text(&mut self, field: CoverageField, value: &str) {
        let Some((keyboard, max)) = field.keyboard() else {
            return;
        };
        let text = FormText::from_text(value, keyboard, max);
        if text.is_empty() {
            return;
        }
        if let Some(slot) = self.text_mut(field) {
            *slot = text;
            self.mark(field);
        }
    }

    fn mark(&mut self, field: CoverageField) {
        if !self.prefilled.contains(&field) {
            self.prefilled.push(field);
        }
    }

    /// A printed payer name: the office's payer with that name, else offered as a typed
    /// plan name.
    fn prefill_payer(&mut self, name: &str, payers: &[PayerListEntry]) {
        if let Some(entry) = match_payer(payers, name) {
            self.payer = Some(DraftPayer::Listed(entry.clone()));
            self.mark(CoverageField::Payer);
        } else if PayerName::new(name).is_ok() {
            self.payer = Some(DraftPayer::Typed);
            self.mark(CoverageField::Payer);
            self.set_text(CoverageField::PayerName, name);
        }
    }

    /// What a card photo's text seemed to say (front and back merged by the caller).
    pub fn prefill_from_reading(&mut self, reading: &CardReading, payers: &[PayerListEntry]) {
        self.source = CoverageSource::CardPhoto;
        if let Some(name) = &reading.payer_name {
            self.prefill_payer(name, payers);
        }
        if let Some(member_id) = &reading.member_id {
            self.set_text(CoverageField::MemberId, member_id.as_str());
        }
        if let Some(group) = &reading.group {
            self.set_text(CoverageField::Group, group.as_str());
        }
    }

    /// The member name a card photo read. `patient`: whether it is the patient's own name
    /// (`None`: the kiosk cannot tell). The patient's own: "Mine" is pre-filled as whose
    /// insurance it is. Someone else's (or unknown): the name is pre-filled as the
    /// subscriber's and shown on the relationship page, which is asked. Either way the
    /// patient confirms it like every other pre-filled field.
    pub fn prefill_member_name(&mut self, name: &PersonName, patient: Option<bool>) {
        if patient == Some(true) {
            self.relationship = Some(SubscriberRelationship::Patient);
            self.mark(CoverageField::Relationship);
            return;
        }
        self.set_text(CoverageField::SubscriberFirst, name.first());
        self.set_text(CoverageField::SubscriberLast, name.last());
        self.card_name = Some(format!("{} {}", name.first(), name.last()));
    }

    /// A verified SMART Health Card's Coverage.
    pub fn prefill_from_health_card(
        &mut self,
        jws: String,
        card: &shc::Coverage,
        payers: &[PayerListEntry],
    ) {
        self.source = CoverageSource::SmartHealthCard { jws };
        let by_id = card
            .payer
            .identifier
            .as_deref()
            .and_then(|id| payers.iter().find(|p| p.id.as_str() == id));
        if let Some(entry) = by_id {
            self.payer = Some(DraftPayer::Listed(entry.clone()));
            self.mark(CoverageField::Payer);
        } else if let Some(name) = &card.payer.name {
            self.prefill_payer(name, payers);
        }
        if let Some(member_id) = card.member_id.as_ref().or(card.subscriber_id.as_ref()) {
            self.set_text(CoverageField::MemberId, member_id);
        }
        if let Some(group) = &card.group {
            self.set_text(CoverageField::Group, &group.value);
        }
        let relationship = card
            .relationship
            .as_deref()
            .and_then(SubscriberRelationship::parse);
        if let Some(relationship) = relationship {
            self.relationship = Some(relationship);
            self.mark(CoverageField::Relationship);
            if relationship != SubscriberRelationship::Patient
                && let Some(person) = &card.subscriber
            {
                if let Some(first) = person.given.first() {
                    self.set_text(CoverageField::SubscriberFirst, first);
                }
                if let Some(last) = &person.family {
                    self.set_text(CoverageField::SubscriberLast, last);
                }
                if let Some(date) = person.birth_date {
                    let digits = format!("{:02}{:02}{:04}", date.month(), date.day(), date.year());
                    self.set_text(CoverageField::SubscriberBirth, &digits);
                }
            }
        }
    }

    /// A plain barcode's text: kept as read; a member id and group number are filled in
    /// where the text names them (or is nothing but an id).
    pub fn prefill_from_barcode(&mut self, text: &str) {
        let kept: String = text.chars().take(CoverageSource::MAX_TEXT).collect();
        self.source = CoverageSource::Barcode { text: kept };
        let recognised = recognise_barcode(text);
        if let Some(member_id) = recognised.member_id {
            self.set_text(CoverageField::MemberId, &member_id);
        }
        if let Some(group) = recognised.group {
            self.set_text(CoverageField::Group, &group);
        }
    }
}

fn required(text: &str) -> Result<(), CoverageFieldError> {
    if text.trim().is_empty() {
        Err(CoverageFieldError::Required)
    } else {
        Ok(())
    }
}

/// MMDDYYYY digits to a date of birth (none in the future, none before 1900).
pub fn birth_date(digits: &str, today: Date) -> Option<DateOfBirth> {
    if digits.len() != 8 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let month: i8 = digits.get(0..2)?.parse().ok()?;
    let day: i8 = digits.get(2..4)?.parse().ok()?;
    let year: i16 = digits.get(4..8)?.parse().ok()?;
    let date = Date::new(year, month, day).ok()?;
    DateOfBirth::new(date, today).ok()
}

/// MMDDYYYY digits as people write a date while typing: "03/14/19".
pub fn birth_as_typed(digits: &str) -> String {
    let mut shown = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i == 2 || i == 4 {
            shown.push('/');
        }
        shown.push(c);
    }
    shown
}

/// What a plain insurance-card barcode seemed to carry.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BarcodeReading {
    pub member_id: Option<String>,
    pub group: Option<String>,
}

/// Finds "MEMBER ID: …" / "ID# …" and "GROUP …" / "GRP …" in a barcode's text, or takes
/// a text that is one plausible member id (letters and digits with at least one digit).
pub fn recognise_barcode(text: &str) -> BarcodeReading {
    let upper = text.to_ascii_uppercase();
    let value_after = |keys: &[&str]| -> Option<String> {
        for key in keys {
            let mut from = 0;
            while let Some(at) = upper[from..].find(key) {
                let start = from + at;
                from = start + key.len();
                // A key is a word of its own: "ID" inside "PAID" is not one.
                let before = upper[..start].chars().next_back();
                if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                    continue;
                }
                let rest = upper[from..].trim_start_matches([' ', ':', '#', '=', '.', '\t']);
                let value: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                if value.len() >= 2 && value.chars().any(|c| c.is_ascii_digit()) {
                    return Some(value);
                }
            }
        }
        None
    };
    let member_id = value_after(&[
        "MEMBER ID",
        "MEMBER",
        "MBR ID",
        "MBR",
        "SUBSCRIBER ID",
        "ID",
    ]);
    let group = value_after(&["GROUP NUMBER", "GROUP", "GRP"]);
    let member_id = member_id.or_else(|| {
        let whole = upper.trim();
        let plausible = (6..=30).contains(&whole.len())
            && whole.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && whole.chars().any(|c| c.is_ascii_digit());
        plausible.then(|| whole.to_owned())
    });
    BarcodeReading { member_id, group }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PayerId;

    fn payers() -> Vec<PayerListEntry> {
        [
            "Testpayer Health Plan",
            "Acme Test Insurance",
            "Sample Mutual",
        ]
        .iter()
        .enumerate()
        .map(|(i, name)| PayerListEntry {
            id: PayerId::new(&format!("TST{i}")).unwrap(),
            name: PayerName::new(name).unwrap(),
        })
        .collect()
    }

    #[test]
    fn payers_match_by_normalised_name_and_search_by_word() {
        let payers = payers();
        assert_eq!(
            match_payer(&payers, "TESTPAYER  health-plan").map(|p| p.id.as_str()),
            Some("TST0")
        );
        assert!(match_payer(&payers, "Testpayer").is_none());
        let names = |q| -> Vec<&str> {
            search_payers(&payers, q)
                .iter()
                .map(|p| p.name.as_str())
                .collect()
        };
        assert_eq!(names("ins"), ["Acme Test Insurance"]);
        assert_eq!(
            names("te"),
            ["Testpayer Health Plan", "Acme Test Insurance"]
        );
        assert!(names("").is_empty());
        let many: Vec<PayerListEntry> = (0..6)
            .map(|i| PayerListEntry {
                id: PayerId::new(&format!("TST{i}")).unwrap(),
                name: PayerName::new(&format!("Test Plan {i}")).unwrap(),
            })
            .collect();
        assert_eq!(
            search_payers(&many, "te").len(),
            MAX_MATCHES,
            "a page of matches"
        );
    }

    #[test]
    fn barcodes_give_what_they_name() {
        let reading = recognise_barcode("MEMBER ID: TST-000042|GRP 100A|PAID");
        assert_eq!(reading.member_id.as_deref(), Some("TST-000042"));
        assert_eq!(reading.group.as_deref(), Some("100A"));
        let reading = recognise_barcode("tst000042");
        assert_eq!(reading.member_id.as_deref(), Some("TST000042"));
        assert_eq!(recognise_barcode("HELLO WORLD"), BarcodeReading::default());
    }

    #[test]
    fn birth_dates_are_typed_as_mmddyyyy() {
        let today = jiff::civil::date(2026, 12, 3);
        assert_eq!(
            birth_date("03141970", today).map(|d| d.date()),
            Some(jiff::civil::date(1970, 3, 14))
        );
        assert!(birth_date("02301970", today).is_none());
        assert!(birth_date("01012030", today).is_none());
        assert_eq!(birth_as_typed("031419"), "03/14/19");
    }
}

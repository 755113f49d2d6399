//! Insurance coverage as a patient gives it at the kiosk (issue 10): which plan, whose it
//! is, how it was read, and what a photo of the card seemed to say. Validated on
//! construction and again when read from the wire. PHI: every `Debug` here hides member
//! ids, group numbers and names.

use super::text::{TextError, clean_line};
use super::{DateOfBirth, PersonName};
pub use crate::eligibility::{MemberId, PayerId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why coverage was refused. Carries no part of what was entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CoverageError {
    #[error(
        "group number must be 1 to {} letters, digits, spaces or hyphens",
        GroupNumber::MAX
    )]
    GroupNumber,
    #[error("payer name: {0}")]
    PayerName(TextError),
    #[error(
        "the subscriber's name and date of birth are needed when the patient is not the subscriber"
    )]
    SubscriberMissing,
    #[error("the patient is the subscriber: no other subscriber may be given")]
    SubscriberNotExpected,
    #[error("one or two coverages: a primary, then optionally a secondary")]
    Ranks,
    #[error("a smart health card or barcode source is too long")]
    SourceTooLong,
}

/// Primary pays first; secondary covers what primary does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageRank {
    Primary,
    Secondary,
}

impl CoverageRank {
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageRank::Primary => "primary",
            CoverageRank::Secondary => "secondary",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "primary" => Some(CoverageRank::Primary),
            "secondary" => Some(CoverageRank::Secondary),
            _ => None,
        }
    }
}

/// The patient's relationship to the subscriber (the person the plan is in the name of).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberRelationship {
    /// The patient is the subscriber.
    #[serde(rename = "self")]
    Patient,
    Spouse,
    Child,
    Other,
}

impl SubscriberRelationship {
    /// Every relationship, in the order the kiosk offers them.
    pub const ALL: [SubscriberRelationship; 4] = [
        SubscriberRelationship::Patient,
        SubscriberRelationship::Spouse,
        SubscriberRelationship::Child,
        SubscriberRelationship::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberRelationship::Patient => "self",
            SubscriberRelationship::Spouse => "spouse",
            SubscriberRelationship::Child => "child",
            SubscriberRelationship::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The X12 individual relationship code (INS02 in the 2000C/D loops): 18 self,
    /// 01 spouse, 19 child, G8 other.
    pub fn x12_code(self) -> &'static str {
        match self {
            SubscriberRelationship::Patient => "18",
            SubscriberRelationship::Spouse => "01",
            SubscriberRelationship::Child => "19",
            SubscriberRelationship::Other => "G8",
        }
    }

    /// The English word, for the staff page.
    pub fn english(self) -> &'static str {
        match self {
            SubscriberRelationship::Patient => "Self",
            SubscriberRelationship::Spouse => "Spouse",
            SubscriberRelationship::Child => "Child",
            SubscriberRelationship::Other => "Other",
        }
    }
}

/// The plan's group number as printed on the card. `Debug` shows only its length.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GroupNumber(String);

impl GroupNumber {
    pub const MAX: usize = 30;

    pub fn new(text: &str) -> Result<Self, CoverageError> {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = text.to_ascii_uppercase();
        if text.is_empty()
            || text.len() > Self::MAX
            || !text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
        {
            return Err(CoverageError::GroupNumber);
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GroupNumber {
    type Error = CoverageError;
    fn try_from(text: String) -> Result<Self, CoverageError> {
        Self::new(&text)
    }
}

impl From<GroupNumber> for String {
    fn from(value: GroupNumber) -> String {
        value.0
    }
}

impl fmt::Debug for GroupNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupNumber(<{} characters>)", self.0.len())
    }
}

/// A payer's (insurance company's or plan's) name, as the office lists it or the patient
/// typed it. Not PHI by itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PayerName(String);

impl PayerName {
    pub const MAX: usize = 80;

    pub fn new(text: &str) -> Result<Self, CoverageError> {
        clean_line(text, Self::MAX)
            .map(Self)
            .map_err(CoverageError::PayerName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PayerName {
    type Error = CoverageError;
    fn try_from(text: String) -> Result<Self, CoverageError> {
        Self::new(&text)
    }
}

impl From<PayerName> for String {
    fn from(value: PayerName) -> String {
        value.0
    }
}

/// The payer of a coverage: one from the office's list (with its clearinghouse id), or a
/// name the patient typed for a plan the list does not have (no eligibility check then;
/// the desk sorts it out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<PayerId>,
    pub name: PayerName,
}

/// The person the plan is in the name of, when it is not the patient.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscriber {
    pub name: PersonName,
    pub date_of_birth: DateOfBirth,
}

impl fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Subscriber(<redacted>)")
    }
}

/// How the kiosk came by a coverage. Whatever the source, the patient saw and confirmed
/// every field before it was sent.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CoverageSource {
    /// Typed on the kiosk's keyboard.
    Typed,
    /// Read from a photo of the card (OCR), then confirmed or corrected by the patient.
    CardPhoto,
    /// A SMART Health Card the kiosk verified; the compact JWS travels so the office can
    /// verify it again against the issuers it trusts.
    SmartHealthCard { jws: String },
    /// A plain barcode printed on the card: its text, kept as read.
    Barcode { text: String },
}

impl CoverageSource {
    /// Longest JWS or barcode text carried (an SHC QR holds at most about 3 KB).
    pub const MAX_TEXT: usize = 8 * 1024;

    pub fn as_str(&self) -> &'static str {
        match self {
            CoverageSource::Typed => "typed",
            CoverageSource::CardPhoto => "card_photo",
            CoverageSource::SmartHealthCard { .. } => "smart_health_card",
            CoverageSource::Barcode { .. } => "barcode",
        }
    }
}

impl fmt::Debug for CoverageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One coverage as the patient confirmed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawCoverage")]
pub struct Coverage {
    rank: CoverageRank,
    payer: Payer,
    member_id: MemberId,
    group: Option<GroupNumber>,
    relationship: SubscriberRelationship,
    subscriber: Option<Subscriber>,
    source: CoverageSource,
}

impl Coverage {
    /// `subscriber` must be given exactly when the patient is not the subscriber.
    pub fn new(
        rank: CoverageRank,
        payer: Payer,
        member_id: MemberId,
        group: Option<GroupNumber>,
        relationship: SubscriberRelationship,
        subscriber: Option<Subscriber>,
        source: CoverageSource,
    ) -> Result<Self, CoverageError> {
        match (relationship, &subscriber) {
            (SubscriberRelationship::Patient, Some(_)) => {
                return Err(CoverageError::SubscriberNotExpected);
            }
            (SubscriberRelationship::Patient, None) | (_, Some(_)) => {}
            (_, None) => return Err(CoverageError::SubscriberMissing),
        }
        if let CoverageSource::SmartHealthCard { jws: text } | CoverageSource::Barcode { text } =
            &source
            && text.len() > CoverageSource::MAX_TEXT
        {
            return Err(CoverageError::SourceTooLong);
        }
        Ok(Self {
            rank,
            payer,
            member_id,
            group,
            relationship,
            subscriber,
            source,
        })
    }

    pub fn rank(&self) -> CoverageRank {
        self.rank
    }
    pub fn payer(&self) -> &Payer {
        &self.payer
    }
    pub fn member_id(&self) -> &MemberId {
        &self.member_id
    }
    pub fn group(&self) -> Option<&GroupNumber> {
        self.group.as_ref()
    }
    pub fn relationship(&self) -> SubscriberRelationship {
        self.relationship
    }
    /// `None` when the patient is the subscriber.
    pub fn subscriber(&self) -> Option<&Subscriber> {
        self.subscriber.as_ref()
    }
    pub fn source(&self) -> &CoverageSource {
        &self.source
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoverage {
    rank: CoverageRank,
    payer: Payer,
    member_id: MemberId,
    #[serde(default)]
    group: Option<GroupNumber>,
    relationship: SubscriberRelationship,
    #[serde(default)]
    subscriber: Option<Subscriber>,
    source: CoverageSource,
}

impl TryFrom<RawCoverage> for Coverage {
    type Error = CoverageError;
    fn try_from(raw: RawCoverage) -> Result<Self, CoverageError> {
        Self::new(
            raw.rank,
            raw.payer,
            raw.member_id,
            raw.group,
            raw.relationship,
            raw.subscriber,
            raw.source,
        )
    }
}

/// One or two coverages: a primary, then optionally a secondary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Coverage>", into = "Vec<Coverage>")]
pub struct Coverages(Vec<Coverage>);

impl Coverages {
    pub fn new(coverages: Vec<Coverage>) -> Result<Self, CoverageError> {
        let ranks: Vec<CoverageRank> = coverages.iter().map(Coverage::rank).collect();
        match ranks.as_slice() {
            [CoverageRank::Primary] | [CoverageRank::Primary, CoverageRank::Secondary] => {
                Ok(Self(coverages))
            }
            _ => Err(CoverageError::Ranks),
        }
    }

    pub fn primary(&self) -> &Coverage {
        &self.0[0]
    }

    pub fn secondary(&self) -> Option<&Coverage> {
        self.0.get(1)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Coverage> {
        self.0.iter()
    }
}

impl TryFrom<Vec<Coverage>> for Coverages {
    type Error = CoverageError;
    fn try_from(coverages: Vec<Coverage>) -> Result<Self, CoverageError> {
        Self::new(coverages)
    }
}

impl From<Coverages> for Vec<Coverage> {
    fn from(value: Coverages) -> Vec<Coverage> {
        value.0
    }
}

/// What the patient answered at the insurance step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", content = "coverages", rename_all = "snake_case")]
pub enum CoverageAnswer {
    /// New or changed coverage, confirmed field by field.
    Coverages(Coverages),
    /// The coverage the office has on file is still right (one tap).
    UnchangedOnFile,
    /// No insurance: the patient pays themselves.
    SelfPay,
}

/// Which side of an insurance card a photo shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardSide {
    Front,
    Back,
}

impl CardSide {
    pub fn as_str(self) -> &'static str {
        match self {
            CardSide::Front => "front",
            CardSide::Back => "back",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "front" => Some(CardSide::Front),
            "back" => Some(CardSide::Back),
            _ => None,
        }
    }
}

/// What the text on a card photo seemed to say (OCR guesses): each field only where it
/// was recognised, every one shown to the patient to confirm or correct, never sent
/// unconfirmed. `Debug` shows which fields were found, never their values.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CardReading {
    /// The payer's name as printed (matched to the office's payer list by the kiosk).
    pub payer_name: Option<String>,
    pub member_id: Option<MemberId>,
    pub group: Option<GroupNumber>,
    /// The member's name as printed.
    pub member_name: Option<PersonName>,
}

impl CardReading {
    /// Whether nothing at all was recognised.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl fmt::Debug for CardReading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardReading")
            .field("payer_name", &self.payer_name.is_some())
            .field("member_id", &self.member_id.is_some())
            .field("group", &self.group.is_some())
            .field("member_name", &self.member_name.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payer() -> Payer {
        Payer {
            id: Some(PayerId::new("TSTPAYER1").unwrap()),
            name: PayerName::new("Testpayer Health Plan").unwrap(),
        }
    }

    fn coverage(rank: CoverageRank) -> Coverage {
        Coverage::new(
            rank,
            payer(),
            MemberId::new("tst-000042").unwrap(),
            Some(GroupNumber::new(" grp  100 ").unwrap()),
            SubscriberRelationship::Patient,
            None,
            CoverageSource::Typed,
        )
        .unwrap()
    }

    #[test]
    fn a_coverage_round_trips_and_its_debug_hides_the_member_id() {
        let coverage = coverage(CoverageRank::Primary);
        assert_eq!(coverage.group().unwrap().as_str(), "GRP 100");
        assert_eq!(coverage.member_id().last_four(), "0042");
        let json = serde_json::to_string(&coverage).unwrap();
        assert!(json.contains(r#""relationship":"self""#), "{json}");
        let back: Coverage = serde_json::from_str(&json).unwrap();
        assert_eq!(back, coverage);
        let debug = format!("{coverage:?}");
        assert!(!debug.contains("0042") && !debug.contains("GRP"), "{debug}");
    }

    #[test]
    fn the_subscriber_is_given_exactly_when_it_is_not_the_patient() {
        let today = jiff::civil::date(2026, 12, 3);
        let subscriber = Subscriber {
            name: PersonName::new("Bob", "Testsubscriber").unwrap(),
            date_of_birth: DateOfBirth::new(jiff::civil::date(1970, 1, 2), today).unwrap(),
        };
        let make = |relationship, subscriber| {
            Coverage::new(
                CoverageRank::Primary,
                payer(),
                MemberId::new("TST1").unwrap(),
                None,
                relationship,
                subscriber,
                CoverageSource::Typed,
            )
        };
        assert_eq!(
            make(SubscriberRelationship::Spouse, None),
            Err(CoverageError::SubscriberMissing)
        );
        assert_eq!(
            make(SubscriberRelationship::Patient, Some(subscriber.clone())),
            Err(CoverageError::SubscriberNotExpected)
        );
        let child = make(SubscriberRelationship::Child, Some(subscriber)).unwrap();
        let json = serde_json::to_string(&child).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value.as_object_mut().unwrap().remove("subscriber");
        assert!(serde_json::from_value::<Coverage>(value).is_err());
    }

    #[test]
    fn coverages_are_a_primary_then_maybe_a_secondary() {
        let primary = coverage(CoverageRank::Primary);
        let secondary = coverage(CoverageRank::Secondary);
        assert!(Coverages::new(vec![primary.clone()]).is_ok());
        assert!(Coverages::new(vec![primary.clone(), secondary.clone()]).is_ok());
        for wrong in [
            vec![],
            vec![secondary.clone()],
            vec![secondary.clone(), primary.clone()],
            vec![primary.clone(), primary.clone()],
            vec![primary.clone(), secondary.clone(), secondary],
        ] {
            assert_eq!(Coverages::new(wrong), Err(CoverageError::Ranks));
        }
        let answer = CoverageAnswer::Coverages(Coverages::new(vec![primary]).unwrap());
        let json = serde_json::to_string(&answer).unwrap();
        assert_eq!(
            serde_json::from_str::<CoverageAnswer>(&json).unwrap(),
            answer
        );
        let json = serde_json::to_string(&CoverageAnswer::SelfPay).unwrap();
        assert_eq!(json, r#"{"answer":"self_pay"}"#);
        assert!(
            serde_json::from_str::<CoverageAnswer>(r#"{"answer":"coverages","coverages":[]}"#)
                .is_err()
        );
    }

    #[test]
    fn a_card_reading_shows_only_which_fields_were_found() {
        let reading = CardReading {
            member_id: Some(MemberId::new("TST-000042").unwrap()),
            ..CardReading::default()
        };
        let debug = format!("{reading:?}");
        assert!(
            debug.contains("member_id: true") && !debug.contains("0042"),
            "{debug}"
        );
        assert!(CardReading::default().is_empty() && !reading.is_empty());
    }
}

//! What the insurance pages show. PHI: `Debug` of the views shows which page, never a
//! value (member ids appear only as their last four characters, and only on screen).

use super::draft::{CoverageField, CoverageFieldError, Draft, DraftPayer, birth_as_typed};
use super::{Insurance, Stage, search_payers};
use crate::checkin::session::Session;
use crate::checkin::steps::Keyboard;
use crate::domain::{CardSide, CoverageRank, SubscriberRelationship};
use std::fmt;

/// The insurance pages.
#[derive(Clone, PartialEq, Eq)]
pub enum InsuranceView {
    /// Asking the office what it has on file (or writing the answer down).
    Looking,
    /// "Is this still your insurance?" with the coverage on file.
    OnFile(Vec<OnFileLine>),
    /// How the patient will give their insurance.
    How {
        rank: CoverageRank,
        /// "Take a photo of my card" is offered.
        camera: bool,
        /// "I do not have insurance" is offered (not for a second insurance).
        self_pay: bool,
        notice: Option<InsuranceNotice>,
        /// "Back" is offered: to the coverage on file, or to "a second insurance?".
        back: bool,
    },
    /// "Hold the code on your card to the scanner".
    ScanWait,
    /// The frame guide for one side of the card, with "Take photo".
    Frame(CardSide),
    /// The camera is taking the photo.
    Taking(CardSide),
    /// The photo was taken, shown (its JPEG) with "Retake" or "Use this photo".
    Taken { side: CardSide, jpeg: Vec<u8> },
    /// One field of the coverage.
    Field(InsuranceFieldView),
    /// Every field, each with "Change", and "This is right".
    Review {
        rank: CoverageRank,
        rows: Vec<InsuranceReviewRow>,
    },
    /// "Do you have a second insurance?"
    AskSecondary,
    /// Writing the answer down.
    Saving,
}

/// One coverage on file, as the kiosk may show it.
#[derive(Clone, PartialEq, Eq)]
pub struct OnFileLine {
    pub rank: CoverageRank,
    pub payer_name: String,
    pub member_id_last_four: String,
}

/// A line above the choices saying what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsuranceNotice {
    /// "We could not read the card. Please try again, or type it in."
    Unreadable,
    /// The camera failed: same words, without the photo choice.
    CameraUnavailable,
    /// "We could not verify that card. Please type it in."
    CouldNotVerify,
}

/// One field's page.
#[derive(Clone, PartialEq, Eq)]
pub struct InsuranceFieldView {
    pub rank: CoverageRank,
    pub field: CoverageField,
    /// "Step 2 of 5".
    pub step: u8,
    pub steps: u8,
    pub input: InsuranceInput,
    /// Filled in from the card: shown to confirm.
    pub prefilled: bool,
    pub error: Option<CoverageFieldError>,
}

/// What a field's page asks with.
#[derive(Clone, PartialEq, Eq)]
pub enum InsuranceInput {
    /// Text on a keyboard; `shown` as displayed (a date with slashes).
    Text {
        shown: String,
        keyboard: Keyboard,
        full: bool,
    },
    /// The payer search: the typed letters, the matching payers (big rows), the payer
    /// chosen so far. `listed` is false when the office's list is empty (then the plan's
    /// name is typed right here).
    PayerSearch {
        query: String,
        matches: Vec<String>,
        chosen: Option<String>,
        listed: bool,
    },
    /// The four relationships; `chosen` is the one picked; `card_name` the member name
    /// the card photo read, when it is not the patient's own (or the kiosk cannot tell).
    Relationship {
        chosen: Option<SubscriberRelationship>,
        card_name: Option<String>,
    },
}

/// One row of the review page.
#[derive(Clone, PartialEq, Eq)]
pub struct InsuranceReviewRow {
    pub field: CoverageField,
    /// The value as shown; empty for "no group number".
    pub value: String,
    pub relationship: Option<SubscriberRelationship>,
    pub prefilled: bool,
}

impl fmt::Debug for InsuranceView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsuranceView::Looking => f.write_str("Looking"),
            InsuranceView::OnFile(lines) => write!(f, "OnFile({} coverages)", lines.len()),
            InsuranceView::How {
                rank,
                camera,
                self_pay,
                notice,
                back,
            } => f
                .debug_struct("How")
                .field("rank", rank)
                .field("camera", camera)
                .field("self_pay", self_pay)
                .field("notice", notice)
                .field("back", back)
                .finish(),
            InsuranceView::ScanWait => f.write_str("ScanWait"),
            InsuranceView::Frame(side) => write!(f, "Frame({side:?})"),
            InsuranceView::Taking(side) => write!(f, "Taking({side:?})"),
            InsuranceView::Taken { side, jpeg } => {
                write!(f, "Taken({side:?}, {} bytes)", jpeg.len())
            }
            InsuranceView::Field(field) => f
                .debug_struct("Field")
                .field("rank", &field.rank)
                .field("field", &field.field)
                .field("prefilled", &field.prefilled)
                .field("error", &field.error)
                .finish_non_exhaustive(),
            InsuranceView::Review { rank, rows } => {
                write!(f, "Review({rank:?}, {} rows)", rows.len())
            }
            InsuranceView::AskSecondary => f.write_str("AskSecondary"),
            InsuranceView::Saving => f.write_str("Saving"),
        }
    }
}

impl Insurance {
    pub(super) fn view_of(&self, _session: &Session) -> InsuranceView {
        let rank = self.rank();
        match self.stage {
            Stage::Idle | Stage::Looking { .. } => InsuranceView::Looking,
            Stage::Saving { .. } => InsuranceView::Saving,
            Stage::OnFile => InsuranceView::OnFile(
                self.on_file
                    .iter()
                    .map(|c| OnFileLine {
                        rank: c.rank,
                        payer_name: c.payer_name.as_str().to_owned(),
                        member_id_last_four: c.member_id_last_four.clone(),
                    })
                    .collect(),
            ),
            Stage::How => InsuranceView::How {
                rank,
                camera: self.camera_ready && !self.camera_failed,
                self_pay: rank == CoverageRank::Primary,
                notice: self.notice,
                back: !self.done.is_empty() || !self.on_file.is_empty(),
            },
            Stage::ScanWait => InsuranceView::ScanWait,
            Stage::Frame(side) => InsuranceView::Frame(side),
            Stage::Taking { side, .. } => InsuranceView::Taking(side),
            Stage::Taken(side) => InsuranceView::Taken {
                side,
                jpeg: self
                    .taken
                    .as_ref()
                    .map(|photo| photo.jpeg.clone())
                    .unwrap_or_default(),
            },
            Stage::AskSecondary => InsuranceView::AskSecondary,
            Stage::Field(field) => match &self.draft {
                Some(draft) => InsuranceView::Field(self.field_view(draft, field)),
                None => InsuranceView::Looking,
            },
            Stage::Review => match &self.draft {
                Some(draft) => InsuranceView::Review {
                    rank,
                    rows: review_rows(draft),
                },
                None => InsuranceView::Looking,
            },
        }
    }

    fn field_view(&self, draft: &Draft, field: CoverageField) -> InsuranceFieldView {
        let fields = draft.fields();
        let step = fields.iter().position(|f| *f == field).unwrap_or(0) + 1;
        let input = match field {
            CoverageField::Payer => InsuranceInput::PayerSearch {
                query: draft.query.as_str().to_owned(),
                matches: search_payers(&self.payers, draft.query.as_str())
                    .iter()
                    .map(|p| p.name.as_str().to_owned())
                    .collect(),
                chosen: payer_shown(draft),
                listed: !self.payers.is_empty(),
            },
            CoverageField::Relationship => InsuranceInput::Relationship {
                chosen: draft.relationship,
                card_name: draft.card_name.clone(),
            },
            other => {
                let (keyboard, max) = other.keyboard().unwrap_or((Keyboard::Address, 0));
                let typed = draft.text(other).map(|t| t.as_str()).unwrap_or_default();
                let shown = if other == CoverageField::SubscriberBirth {
                    birth_as_typed(typed)
                } else {
                    typed.to_owned()
                };
                InsuranceInput::Text {
                    shown,
                    keyboard,
                    full: typed.chars().count() >= max,
                }
            }
        };
        InsuranceFieldView {
            rank: draft.rank,
            field,
            step: u8::try_from(step).unwrap_or(u8::MAX),
            steps: u8::try_from(fields.len()).unwrap_or(u8::MAX),
            input,
            prefilled: draft.prefilled.contains(&field),
            error: self.error,
        }
    }
}

fn payer_shown(draft: &Draft) -> Option<String> {
    match draft.payer.as_ref()? {
        DraftPayer::Listed(entry) => Some(entry.name.as_str().to_owned()),
        DraftPayer::Typed if !draft.payer_name.is_empty() => {
            Some(draft.payer_name.as_str().to_owned())
        }
        DraftPayer::Typed => None,
    }
}

fn review_rows(draft: &Draft) -> Vec<InsuranceReviewRow> {
    draft
        .fields()
        .into_iter()
        // The plan's typed name shows on the payer's row.
        .filter(|f| *f != CoverageField::PayerName)
        .map(|field| {
            let value = match field {
                CoverageField::Payer => payer_shown(draft).unwrap_or_default(),
                CoverageField::Relationship => String::new(),
                CoverageField::SubscriberBirth => birth_as_typed(draft.subscriber_birth.as_str()),
                other => draft
                    .text(other)
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
            };
            InsuranceReviewRow {
                field,
                value,
                relationship: (field == CoverageField::Relationship)
                    .then_some(draft.relationship)
                    .flatten(),
                prefilled: draft.prefilled.contains(&field)
                    || (field == CoverageField::Payer
                        && draft.prefilled.contains(&CoverageField::PayerName)),
            }
        })
        .collect()
}

//! Consent step: after the check-in (or a new patient's registration) is saved, the
//! documents the office asks patients to sign, one at a time: the text to read, then a
//! signature pad. For an appointment the office is asked which versions the patient has
//! already signed (offline: every document is asked; signing again is harmless). Each
//! signature is written to the outbox as its own sealed row as soon as it is given. A
//! patient may sign at the desk instead; a failed save never undoes the check-in (the desk
//! is told).
//!
//! The strokes live in this step only, so they are wiped with the session; `Debug` shows
//! counts, never points.

use std::fmt;
use std::sync::Arc;

use super::{Go, Outcome, Step, StepContext};
use crate::api::{ConsentSubmission, FormSubject};
use crate::checkin::event::{Completion, Effect, OpId, OpResult, PendingConsent, PendingRow, Tap};
use crate::checkin::screen::PageView;
use crate::checkin::session::Session;
use crate::consent::signature::{MAX_POINTS, MAX_STROKES, MAX_TIME_MS, PAD_MAX};
use crate::consent::{ConsentDocument, ConsentSet, DocumentId, Point, Signature, SignedConsent};
use crate::devices::scan::Scan;
use crate::domain::{ClinicId, SignedConsentId, StaffNeed};
use jiff::Timestamp;
use jiff::civil::Date;

/// Buttons of the consent pages, and the finger on the signature pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentTap {
    /// "Sign" under the text: on to the signature pad.
    ToPad,
    /// "Back to the text" on the pad (the strokes are kept).
    BackToText,
    /// "Clear": every stroke goes.
    Clear,
    /// "Undo": the last stroke goes.
    Undo,
    /// "Sign" on the pad: the signature is saved (only when it is one).
    Sign,
    /// "Sign at the front desk instead": the documents left are skipped.
    AtDesk,
    /// A finger touches the pad, in pad units (`0..=PAD_MAX` both ways).
    PenDown { x: u16, y: u16 },
    /// The finger moves on the pad.
    PenMove { x: u16, y: u16 },
    /// The finger leaves the pad.
    PenUp,
}

/// What the consent pages show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentView {
    /// Asking the office which documents are already signed.
    Looking,
    /// A document to read.
    Reading(ConsentPage),
    /// The signature pad for a document.
    Signing(SignaturePad),
    /// Writing the signature down.
    Saving,
}

/// A document to read, in the patient's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentPage {
    /// 1-based place of this document among those to sign now.
    pub number: usize,
    pub count: usize,
    pub document: ConsentDocument,
}

/// The signature pad. PHI: `Debug` shows counts only.
#[derive(Clone, PartialEq, Eq)]
pub struct SignaturePad {
    pub number: usize,
    pub count: usize,
    /// The document's title in the patient's language.
    pub title: String,
    /// The strokes drawn so far, in pad units.
    pub strokes: Vec<Vec<Point>>,
    /// "Sign" is offered: the strokes make a signature.
    pub can_sign: bool,
}

impl fmt::Debug for SignaturePad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignaturePad")
            .field("number", &self.number)
            .field("count", &self.count)
            .field("strokes", &self.strokes.len())
            .field("points", &point_count(&self.strokes))
            .field("can_sign", &self.can_sign)
            .finish()
    }
}

/// Whose consents these are, and where they go.
#[derive(Debug, Clone, Copy)]
struct Target {
    clinic: ClinicId,
    subject: FormSubject,
    /// The clinic's calendar day (for the outbox).
    day: Date,
}

#[derive(Default)]
pub(crate) struct Consent {
    set: Option<Arc<ConsentSet>>,
    target: Option<Target>,
    /// The documents to sign now, in the clinic's order.
    to_sign: Vec<DocumentId>,
    /// Index into `to_sign` of the document showing.
    at: usize,
    stage: Stage,
    /// The signature being drawn.
    strokes: Vec<Vec<Point>>,
    /// The first touch of this signature: point times count from it.
    first_touch: Option<Timestamp>,
    /// A finger is on the pad (moves add to the last stroke).
    pen_down: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not entered yet (or skipped).
    #[default]
    Idle,
    Looking {
        op: OpId,
    },
    Reading,
    Signing,
    Saving {
        op: OpId,
    },
}

/// PHI: counts only.
impl fmt::Debug for Consent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consent")
            .field("stage", &self.stage)
            .field("at", &self.at)
            .field("to_sign", &self.to_sign.len())
            .field("strokes", &self.strokes.len())
            .field("points", &point_count(&self.strokes))
            .finish()
    }
}

fn point_count(strokes: &[Vec<Point>]) -> usize {
    strokes.iter().map(Vec::len).sum()
}

impl Step for Consent {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let Some(set) = cx.knowledge.forms.consents.clone() else {
            return Outcome::go(Go::Next);
        };
        let Some(subject) = cx.session.form_subject() else {
            tracing::error!("consent step reached before anything was saved");
            return Outcome::go(Go::Next);
        };
        let target = match (subject, &cx.session.appointment, &cx.knowledge.trust) {
            (FormSubject::Appointment(_), Some(appointment), _) => Target {
                clinic: appointment.clinic,
                subject,
                day: appointment.day,
            },
            (FormSubject::Registration(_), _, Some(trust)) => Target {
                clinic: trust.clinic,
                subject,
                day: cx.now.to_zoned(trust.timezone.clone()).date(),
            },
            _ => {
                tracing::error!("consent step cannot tell whose consents these are");
                return Outcome::go(Go::Next);
            }
        };
        self.set = Some(set);
        self.target = Some(target);
        match subject {
            FormSubject::Appointment(appointment) => {
                let op = cx.new_op();
                self.stage = Stage::Looking { op };
                Outcome::stay().with(Effect::FetchConsents { op, appointment })
            }
            // A new patient has signed nothing here yet.
            FormSubject::Registration(_) => self.start_signing(&[]),
        }
    }

    fn on_scan(&mut self, _scan: &Scan, _cx: &mut StepContext<'_>) -> Outcome {
        // The patient is checked in and may be signing: a scan here starts no one else.
        Outcome::stay()
    }

    fn on_tap(&mut self, tap: Tap, cx: &mut StepContext<'_>) -> Outcome {
        let Tap::Consent(tap) = tap else {
            return Outcome::stay();
        };
        match (self.stage, tap) {
            (Stage::Reading, ConsentTap::ToPad) => {
                self.stage = Stage::Signing;
                Outcome::stay()
            }
            (Stage::Reading | Stage::Signing, ConsentTap::AtDesk) => {
                let left = self.to_sign.len() - self.at;
                tracing::info!(left, "patient chose to sign the rest at the desk");
                self.forget_strokes();
                self.stage = Stage::Idle;
                Outcome::go(Go::Next)
            }
            (Stage::Signing, ConsentTap::BackToText) => {
                self.pen_down = false;
                self.stage = Stage::Reading;
                Outcome::stay()
            }
            (Stage::Signing, ConsentTap::Clear) => {
                self.forget_strokes();
                Outcome::stay()
            }
            (Stage::Signing, ConsentTap::Undo) => {
                self.strokes.pop();
                self.pen_down = false;
                if self.strokes.is_empty() {
                    self.first_touch = None;
                }
                Outcome::stay()
            }
            (Stage::Signing, ConsentTap::PenDown { x, y }) => {
                self.pen_down(x, y, cx.now);
                Outcome::stay()
            }
            (Stage::Signing, ConsentTap::PenMove { x, y }) => {
                self.pen_move(x, y, cx.now);
                Outcome::stay()
            }
            (Stage::Signing, ConsentTap::PenUp) => {
                self.pen_down = false;
                Outcome::stay()
            }
            (Stage::Signing, ConsentTap::Sign) => self.sign(cx),
            // A tap for a page no longer showing.
            _ => Outcome::stay(),
        }
    }

    fn on_completed(&mut self, completion: &Completion, _cx: &mut StepContext<'_>) -> Outcome {
        match (self.stage, &completion.result) {
            (Stage::Looking { op }, result) if op == completion.op => match result {
                OpResult::ConsentsOnFile(signed) => self.start_signing(signed),
                _ => {
                    tracing::info!("signed consents not known; asking for every document");
                    self.start_signing(&[])
                }
            },
            (Stage::Saving { op }, OpResult::Persisted) if op == completion.op => {
                tracing::info!(
                    document = self.at + 1,
                    of = self.to_sign.len(),
                    "consent saved"
                );
                self.at += 1;
                if self.at < self.to_sign.len() {
                    self.stage = Stage::Reading;
                    Outcome::stay()
                } else {
                    self.stage = Stage::Idle;
                    Outcome::go(Go::Next)
                }
            }
            (Stage::Saving { op }, _) if op == completion.op => {
                // The check-in stands; the desk has the patient sign on paper.
                tracing::error!(
                    document = self.at + 1,
                    "signed consent could not be saved on the kiosk"
                );
                self.stage = Stage::Idle;
                Outcome::go(Go::Next).with(Effect::RequestHelp(StaffNeed::ConsentNotSaved))
            }
            _ => Outcome::stay(),
        }
    }

    fn view(&self, session: &Session) -> PageView {
        let number = self.at + 1;
        let count = self.to_sign.len();
        let document = || {
            let id = self.to_sign.get(self.at)?;
            self.set.as_ref()?.document(id, session.language).cloned()
        };
        PageView::Consent(match self.stage {
            Stage::Idle | Stage::Looking { .. } => ConsentView::Looking,
            Stage::Saving { .. } => ConsentView::Saving,
            Stage::Reading => match document() {
                Some(document) => ConsentView::Reading(ConsentPage {
                    number,
                    count,
                    document,
                }),
                None => ConsentView::Looking,
            },
            Stage::Signing => ConsentView::Signing(SignaturePad {
                number,
                count,
                title: document().map(|d| d.title).unwrap_or_default(),
                strokes: self.strokes.clone(),
                can_sign: Signature::new(self.strokes.clone()).is_ok(),
            }),
        })
    }

    fn busy(&self) -> bool {
        matches!(self.stage, Stage::Looking { .. } | Stage::Saving { .. })
    }
}

impl Consent {
    /// On to the first document not yet signed, or past the step when there is none.
    fn start_signing(&mut self, signed: &[crate::consent::SignedVersion]) -> Outcome {
        let Some(set) = &self.set else {
            return Outcome::go(Go::Next);
        };
        self.to_sign = set.to_sign(signed).into_iter().cloned().collect();
        self.at = 0;
        if self.to_sign.is_empty() {
            tracing::info!("every consent already signed");
            self.stage = Stage::Idle;
            return Outcome::go(Go::Next);
        }
        self.stage = Stage::Reading;
        Outcome::stay()
    }

    fn forget_strokes(&mut self) {
        self.strokes.clear();
        self.first_touch = None;
        self.pen_down = false;
    }

    /// Milliseconds since the first touch, never going back within a stroke (the clock
    /// may be set back) and never past what a signature may last.
    fn time(&mut self, now: Timestamp) -> u32 {
        let first = *self.first_touch.get_or_insert(now);
        let ms = now
            .duration_since(first)
            .as_millis()
            .clamp(0, i128::from(MAX_TIME_MS));
        let ms = u32::try_from(ms).unwrap_or(MAX_TIME_MS);
        let last = self
            .strokes
            .last()
            .filter(|_| self.pen_down)
            .and_then(|s| s.last())
            .map_or(0, |p| p.t_ms);
        ms.max(last)
    }

    fn pen_down(&mut self, x: u16, y: u16, now: Timestamp) {
        if self.strokes.len() >= MAX_STROKES || point_count(&self.strokes) >= MAX_POINTS {
            return;
        }
        self.pen_down = false;
        let t_ms = self.time(now);
        self.strokes.push(vec![Point {
            x: x.min(PAD_MAX),
            y: y.min(PAD_MAX),
            t_ms,
        }]);
        self.pen_down = true;
    }

    fn pen_move(&mut self, x: u16, y: u16, now: Timestamp) {
        if !self.pen_down || point_count(&self.strokes) >= MAX_POINTS {
            return;
        }
        let t_ms = self.time(now);
        let point = Point {
            x: x.min(PAD_MAX),
            y: y.min(PAD_MAX),
            t_ms,
        };
        if let Some(stroke) = self.strokes.last_mut()
            && stroke
                .last()
                .is_none_or(|p| (p.x, p.y) != (point.x, point.y))
        {
            stroke.push(point);
        }
    }

    /// Saves the signature for the document showing, if it is one.
    fn sign(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let (Some(set), Some(target), Some(id)) =
            (&self.set, self.target, self.to_sign.get(self.at))
        else {
            return Outcome::stay();
        };
        let Ok(signature) = Signature::new(self.strokes.clone()) else {
            // "Sign" is not offered then; a stale tap changes nothing.
            return Outcome::stay();
        };
        let Some(version) = set.version(id) else {
            return Outcome::stay();
        };
        let consent =
            SignedConsent::new(id.clone(), version, cx.session.language, cx.now, signature);
        let submission = ConsentSubmission {
            id: SignedConsentId::random(),
            clinic: target.clinic,
            subject: target.subject,
            consent,
        };
        tracing::info!(consent = %submission.id, document = %id, %version, "consent signed");
        self.forget_strokes();
        let op = cx.new_op();
        self.stage = Stage::Saving { op };
        Outcome::stay().with(Effect::Persist {
            op,
            row: PendingRow::Consent(Box::new(PendingConsent {
                submission,
                day: target.day,
            })),
        })
    }
}

//! Insurance step: after the check-in (or a new patient's registration) is saved, the
//! patient's insurance. For an appointment the office is asked what it has on file; when
//! it has something, "Is this still your insurance?" takes one tap. Otherwise the patient
//! gives it by a photo of the card (when the camera is ready), by scanning the code on the
//! card (a SMART Health Card is verified against the issuers the office trusts; any other
//! barcode's text is kept), by typing it (payer searched in the office's list), says they
//! have none (self-pay), or gives it at the desk. Every pre-filled value is shown again,
//! one field per screen, then on a review page; then a second insurance may follow. The
//! answer is one sealed outbox row, each accepted photo another; a failed save never
//! undoes the check-in (the desk is told).
//!
//! What the patient types lives in this step only and is wiped with the session; `Debug`
//! shows where the step is, never a value.

mod draft;
mod names;
mod view;

pub use draft::{CoverageField, CoverageFieldError};
pub use view::{
    InsuranceFieldView, InsuranceInput, InsuranceNotice, InsuranceReviewRow, InsuranceView,
    OnFileLine,
};

use super::{Go, NameKey, Outcome, Step, StepContext};
use crate::api::{
    CardPhotoSubmission, CoverageSubmission, CoverageSummary, FormSubject, PayerListEntry,
};
use crate::checkin::event::{
    CardPhotoOutcome, Completion, Effect, OpId, OpResult, PendingCardPhoto, PendingCoverage,
    PendingRow, Tap,
};
use crate::checkin::knowledge::CameraReadiness;
use crate::checkin::screen::PageView;
use crate::checkin::session::Session;
use crate::devices::scan::Scan;
use crate::domain::{
    CardPhotoId, CardReading, CardSide, ClinicId, CoverageAnswer, CoverageRank,
    CoverageSubmissionId, Coverages, StaffNeed, SubscriberRelationship,
};
use crate::scan::shc;
use draft::{Draft, DraftPayer, search_payers};
use jiff::Timestamp;
use jiff::civil::Date;
use names::{KnownName, NameMatch};
use std::collections::VecDeque;
use std::fmt;

/// Buttons of the insurance pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsuranceTap {
    /// "Yes, still the same" under the coverage on file.
    StillSame,
    /// "It has changed".
    Changed,
    /// "Take a photo of my card".
    Photo,
    /// "Scan the code on my card".
    Scan,
    /// "Type it in".
    Type,
    /// "I do not have insurance".
    SelfPay,
    /// "Give it at the front desk".
    AtDesk,
    /// "Take photo" on the frame guide.
    TakePhoto,
    /// "Skip the back" on the back's frame guide.
    SkipBack,
    Retake,
    /// "Use this photo".
    UsePhoto,
    /// A key of the field's keyboard.
    Key(NameKey),
    /// A choice on the page: a payer among the matches, or a relationship (index into
    /// what the page shows).
    Choose(u8),
    /// "My plan is not listed": type its name.
    NotListed,
    /// "No group number".
    NoGroup,
    Next,
    Back,
    /// "Change" beside a field on the review page.
    Change(CoverageField),
    /// "This is right" on the review page.
    Confirm,
    /// "Yes" to "Do you have a second insurance?".
    AddSecondary,
    /// "No" to it.
    NoSecondary,
}

/// Whose insurance this is and where it goes.
#[derive(Debug, Clone, Copy)]
struct Target {
    clinic: ClinicId,
    subject: FormSubject,
    /// The clinic's calendar day (outbox; bounds the subscriber's date of birth).
    day: Date,
}

/// A photo the patient kept.
#[derive(Clone)]
struct KeptPhoto {
    rank: CoverageRank,
    side: CardSide,
    jpeg: Vec<u8>,
    taken_at: Timestamp,
    reading: CardReading,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Stage {
    #[default]
    Idle,
    Looking {
        op: OpId,
    },
    OnFile,
    How,
    ScanWait,
    Frame(CardSide),
    Taking {
        op: OpId,
        side: CardSide,
    },
    Taken(CardSide),
    Field(CoverageField),
    Review,
    AskSecondary,
    Saving {
        op: OpId,
    },
}

#[derive(Default)]
pub(crate) struct Insurance {
    target: Option<Target>,
    stage: Stage,
    on_file: Vec<CoverageSummary>,
    /// The coverage being entered.
    draft: Option<Draft>,
    /// Coverages confirmed so far (a primary, then maybe a secondary).
    done: Vec<crate::domain::Coverage>,
    photos: Vec<KeptPhoto>,
    /// The photo just taken, before "Use this photo".
    taken: Option<KeptPhoto>,
    notice: Option<InsuranceNotice>,
    /// The camera failed during this step: photos are not offered again.
    camera_failed: bool,
    error: Option<CoverageFieldError>,
    /// Came to a field from the review page: back there when it is done.
    from_review: bool,
    /// Rows still to write after the one being written.
    to_save: VecDeque<PendingRow>,
    /// A row failed to save: the desk is told once, at the end.
    save_failed: bool,
    /// The office's payer list, as known when the patient last did something.
    payers: Vec<PayerListEntry>,
    /// The camera was ready when the patient last did something.
    camera_ready: bool,
}

/// PHI: where the step is, never a value.
impl fmt::Debug for Insurance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Insurance")
            .field("stage", &self.stage)
            .field("on_file", &self.on_file.len())
            .field("draft", &self.draft)
            .field("done", &self.done.len())
            .field("photos", &self.photos.len())
            .finish_non_exhaustive()
    }
}

impl Step for Insurance {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        self.refresh(cx);
        let Some(subject) = cx.session.form_subject() else {
            tracing::error!("insurance step reached before anything was saved");
            return Outcome::go(Go::Next);
        };
        let place = match (&cx.session.appointment, &cx.knowledge.trust) {
            (Some(appointment), _) => Some((appointment.clinic, appointment.day)),
            (None, Some(trust)) => {
                Some((trust.clinic, cx.now.to_zoned(trust.timezone.clone()).date()))
            }
            (None, None) => None,
        };
        let Some((clinic, day)) = place else {
            tracing::error!("insurance step cannot tell whose insurance this is");
            return Outcome::go(Go::Next);
        };
        self.target = Some(Target {
            clinic,
            subject,
            day,
        });
        match subject {
            FormSubject::Appointment(appointment) => {
                let op = cx.new_op();
                self.stage = Stage::Looking { op };
                Outcome::stay().with(Effect::FetchCoverage { op, appointment })
            }
            // A new patient has nothing on file yet.
            FormSubject::Registration(_) => {
                self.start(CoverageRank::Primary);
                Outcome::stay()
            }
        }
    }

    fn on_scan(&mut self, scan: &Scan, cx: &mut StepContext<'_>) -> Outcome {
        self.refresh(cx);
        // The patient is checked in: a scan here is their insurance card, never someone
        // else starting over.
        if self.busy() || self.target.is_none() || self.stage == Stage::AskSecondary {
            return Outcome::stay();
        }
        let rank = self.rank();
        match scan {
            Scan::SmartHealthCard(text) => self.health_card(text, rank, cx),
            Scan::Other(text) => {
                tracing::info!(len = text.len(), "barcode scanned at the insurance step");
                let mut draft = Draft::new(rank);
                draft.prefill_from_barcode(text);
                self.fill_from(draft);
                Outcome::stay()
            }
            Scan::CheckInCode(_) | Scan::DriversLicence(_) => {
                tracing::info!(kind = %scan.kind(), "scan ignored at the insurance step");
                Outcome::stay()
            }
        }
    }

    fn on_tap(&mut self, tap: Tap, cx: &mut StepContext<'_>) -> Outcome {
        let Tap::Insurance(tap) = tap else {
            return Outcome::stay();
        };
        self.refresh(cx);
        match (self.stage, tap) {
            (Stage::OnFile, InsuranceTap::StillSame) => {
                tracing::info!(on_file = self.on_file.len(), "coverage on file unchanged");
                self.save(CoverageAnswer::UnchangedOnFile, cx)
            }
            (Stage::OnFile, InsuranceTap::Changed) => {
                self.start(CoverageRank::Primary);
                Outcome::stay()
            }
            (Stage::How, InsuranceTap::Photo) if self.camera_offered(cx) => {
                self.notice = None;
                self.stage = Stage::Frame(CardSide::Front);
                Outcome::stay()
            }
            (Stage::How, InsuranceTap::Scan) => {
                self.notice = None;
                self.stage = Stage::ScanWait;
                Outcome::stay()
            }
            (Stage::How | Stage::ScanWait, InsuranceTap::Type) => {
                self.notice = None;
                self.fill_from(Draft::new(self.rank()));
                Outcome::stay()
            }
            (Stage::How, InsuranceTap::SelfPay) if self.rank() == CoverageRank::Primary => {
                tracing::info!("patient has no insurance");
                self.save(CoverageAnswer::SelfPay, cx)
            }
            (Stage::How, InsuranceTap::AtDesk) => self.at_desk(cx),
            (Stage::How, InsuranceTap::Back) => {
                if !self.on_file.is_empty() && self.done.is_empty() {
                    self.stage = Stage::OnFile;
                } else if !self.done.is_empty() {
                    self.stage = Stage::AskSecondary;
                }
                Outcome::stay()
            }
            (Stage::ScanWait, InsuranceTap::Back) => {
                self.stage = Stage::How;
                Outcome::stay()
            }
            (Stage::Frame(side), InsuranceTap::TakePhoto) => {
                let op = cx.new_op();
                self.stage = Stage::Taking { op, side };
                Outcome::stay().with(Effect::TakeCardPhoto { op, side })
            }
            (Stage::Frame(CardSide::Back), InsuranceTap::SkipBack) => {
                self.photos_done(cx.session);
                Outcome::stay()
            }
            (Stage::Frame(side), InsuranceTap::Back) => {
                // Back from either side starts this card's photos again.
                let rank = self.rank();
                self.photos.retain(|p| p.rank != rank);
                self.stage = match side {
                    CardSide::Front => Stage::How,
                    CardSide::Back => Stage::Frame(CardSide::Front),
                };
                Outcome::stay()
            }
            (Stage::Taken(side), InsuranceTap::Retake) => {
                self.taken = None;
                self.stage = Stage::Frame(side);
                Outcome::stay()
            }
            (Stage::Taken(side), InsuranceTap::UsePhoto) => {
                if let Some(photo) = self.taken.take() {
                    self.photos.push(photo);
                }
                match side {
                    CardSide::Front => self.stage = Stage::Frame(CardSide::Back),
                    CardSide::Back => self.photos_done(cx.session),
                }
                Outcome::stay()
            }
            (Stage::Field(field), tap) => {
                self.on_field(field, tap);
                Outcome::stay()
            }
            (Stage::Review, InsuranceTap::Change(field)) => {
                if self.draft.as_ref().is_some_and(|d| d.asks(field)) {
                    self.from_review = true;
                    self.go_to(field);
                }
                Outcome::stay()
            }
            (Stage::Review, InsuranceTap::Back) => {
                if let Some(last) = self.draft.as_ref().and_then(|d| d.fields().last().copied()) {
                    self.go_to(last);
                }
                Outcome::stay()
            }
            (Stage::Review, InsuranceTap::Confirm) => self.confirm(cx),
            (Stage::AskSecondary, InsuranceTap::AddSecondary) => {
                self.start(CoverageRank::Secondary);
                Outcome::stay()
            }
            (Stage::AskSecondary, InsuranceTap::NoSecondary) => self.save_coverages(cx),
            // A tap for a page no longer showing.
            _ => Outcome::stay(),
        }
    }

    fn on_completed(&mut self, completion: &Completion, cx: &mut StepContext<'_>) -> Outcome {
        match (self.stage, &completion.result) {
            (Stage::Looking { op }, result) if op == completion.op => {
                match result {
                    OpResult::CoverageOnFile(on_file) => {
                        tracing::info!(coverages = on_file.len(), "coverage on file");
                        self.on_file = on_file.clone();
                        self.on_file
                            .sort_by_key(|c| c.rank == CoverageRank::Secondary);
                    }
                    _ => tracing::info!("coverage on file not known; asking for it"),
                }
                if self.on_file.is_empty() {
                    self.start(CoverageRank::Primary);
                } else {
                    self.stage = Stage::OnFile;
                }
                Outcome::stay()
            }
            (Stage::Taking { op, side }, OpResult::CardPhoto(outcome)) if op == completion.op => {
                match outcome {
                    CardPhotoOutcome::Taken(photo) => {
                        tracing::info!(
                            side = side.as_str(),
                            bytes = photo.jpeg.len(),
                            "card photo taken"
                        );
                        self.taken = Some(KeptPhoto {
                            rank: self.rank(),
                            side,
                            jpeg: photo.jpeg.clone(),
                            taken_at: cx.now,
                            reading: photo.reading.clone(),
                        });
                        self.stage = Stage::Taken(side);
                    }
                    CardPhotoOutcome::Unreadable => {
                        tracing::info!(side = side.as_str(), "card photo unreadable");
                        self.notice = Some(InsuranceNotice::Unreadable);
                        self.stage = Stage::How;
                    }
                    CardPhotoOutcome::CameraUnavailable => {
                        tracing::warn!("camera unavailable at the insurance step");
                        self.camera_failed = true;
                        self.notice = Some(InsuranceNotice::CameraUnavailable);
                        self.stage = Stage::How;
                    }
                }
                Outcome::stay()
            }
            (Stage::Saving { op }, result) if op == completion.op => {
                if *result != OpResult::Persisted {
                    tracing::error!("insurance row could not be saved on the kiosk");
                    self.save_failed = true;
                }
                self.save_next(cx)
            }
            _ => Outcome::stay(),
        }
    }

    fn view(&self, session: &Session) -> PageView {
        PageView::Insurance(self.view_of(session))
    }

    fn busy(&self) -> bool {
        matches!(
            self.stage,
            Stage::Looking { .. } | Stage::Taking { .. } | Stage::Saving { .. }
        )
    }
}

impl Insurance {
    fn rank(&self) -> CoverageRank {
        if self.done.is_empty() {
            CoverageRank::Primary
        } else {
            CoverageRank::Secondary
        }
    }

    fn today(&self) -> Date {
        self.target.map_or(Date::MAX, |t| t.day)
    }

    fn camera_offered(&self, cx: &StepContext<'_>) -> bool {
        cx.knowledge.camera == CameraReadiness::Ready && !self.camera_failed
    }

    /// What the pages need of the kiosk's knowledge (a page is drawn without it).
    fn refresh(&mut self, cx: &StepContext<'_>) {
        if self.payers != cx.knowledge.insurance.payers {
            self.payers = cx.knowledge.insurance.payers.clone();
        }
        self.camera_ready = cx.knowledge.camera == CameraReadiness::Ready;
    }

    /// The "how will you give it?" page for `rank`, with nothing entered.
    fn start(&mut self, rank: CoverageRank) {
        debug_assert_eq!(rank, self.rank());
        self.draft = None;
        self.notice = None;
        self.error = None;
        self.stage = Stage::How;
    }

    /// Walks the patient through `draft`, from its first field (pre-filled ones are shown
    /// to confirm too).
    fn fill_from(&mut self, draft: Draft) {
        self.draft = Some(draft);
        self.from_review = false;
        self.go_to(CoverageField::Payer);
    }

    fn go_to(&mut self, field: CoverageField) {
        self.error = None;
        self.stage = Stage::Field(field);
    }

    fn health_card(&mut self, text: &str, rank: CoverageRank, cx: &StepContext<'_>) -> Outcome {
        let insurance = &cx.knowledge.insurance;
        let verified = shc::numeric_to_jws(text).and_then(|jws| {
            shc::verify_jws(&jws, &insurance.issuers, cx.now).map(|card| (jws, card))
        });
        match verified {
            Ok((jws, card)) => match card.coverage {
                Some(coverage) => {
                    tracing::info!(issuer = %card.issuer, "health card verified at the insurance step");
                    let mut draft = Draft::new(rank);
                    draft.prefill_from_health_card(jws, &coverage, &insurance.payers);
                    self.fill_from(draft);
                }
                None => {
                    tracing::info!("verified health card carries no coverage");
                    self.could_not_verify();
                }
            },
            Err(error) => {
                tracing::info!(%error, "health card refused at the insurance step");
                self.could_not_verify();
            }
        }
        Outcome::stay()
    }

    /// Nothing is kept from a card that did not verify.
    fn could_not_verify(&mut self) {
        self.draft = None;
        self.notice = Some(InsuranceNotice::CouldNotVerify);
        self.stage = Stage::How;
    }

    /// The photos of this coverage are taken: the form, pre-filled from what they read
    /// (the member name checked against the patient's own).
    fn photos_done(&mut self, session: &Session) {
        let rank = self.rank();
        let mut reading = CardReading::default();
        for photo in self.photos.iter().filter(|p| p.rank == rank) {
            let r = &photo.reading;
            reading.payer_name = reading.payer_name.or_else(|| r.payer_name.clone());
            reading.member_id = reading.member_id.or_else(|| r.member_id.clone());
            reading.group = reading.group.or_else(|| r.group.clone());
            reading.member_name = reading.member_name.or_else(|| r.member_name.clone());
        }
        let mut draft = Draft::new(rank);
        draft.prefill_from_reading(&reading, &self.payers);
        if let Some(name) = &reading.member_name {
            let patient = match KnownName::compare(KnownName::of(session).as_ref(), name) {
                NameMatch::Same => Some(true),
                NameMatch::Different => Some(false),
                NameMatch::Unknown => None,
            };
            tracing::info!(?patient, "member name read from the card");
            draft.prefill_member_name(name, patient);
        }
        self.fill_from(draft);
    }

    fn on_field(&mut self, field: CoverageField, tap: InsuranceTap) {
        let today = self.today();
        let Some(draft) = &mut self.draft else {
            return;
        };
        match tap {
            InsuranceTap::Key(key) => {
                if let (Some((keyboard, max)), Some(text)) =
                    (field.keyboard(), draft.text_mut(field))
                    && text.press(key, keyboard, max)
                {
                    draft.prefilled.retain(|f| *f != field);
                    if field == CoverageField::Group {
                        draft.no_group = false;
                    }
                    self.error = None;
                }
            }
            InsuranceTap::Choose(index) => {
                let index = usize::from(index);
                match field {
                    CoverageField::Payer => {
                        if let Some(entry) =
                            search_payers(&self.payers, draft.query.as_str()).get(index)
                        {
                            draft.payer = Some(DraftPayer::Listed((*entry).clone()));
                            draft.prefilled.retain(|f| *f != field);
                            self.error = None;
                            self.forward(field);
                        }
                    }
                    CoverageField::Relationship => {
                        if let Some(relationship) = SubscriberRelationship::ALL.get(index) {
                            draft.relationship = Some(*relationship);
                            draft.prefilled.retain(|f| *f != field);
                            self.error = None;
                        }
                    }
                    _ => {}
                }
            }
            InsuranceTap::NotListed if field == CoverageField::Payer => {
                draft.payer = Some(DraftPayer::Typed);
                if draft.payer_name.is_empty() {
                    let query = draft.query.clone();
                    draft.payer_name = query;
                }
                self.error = None;
                self.forward(field);
            }
            InsuranceTap::NoGroup if field == CoverageField::Group => {
                draft.no_group = true;
                draft.group = Default::default();
                self.error = None;
                self.forward(field);
            }
            InsuranceTap::Next => {
                // An empty list: the plan's name is typed right on the payer page.
                if field == CoverageField::Payer
                    && draft.payer.is_none()
                    && self.payers.is_empty()
                    && !draft.query.is_empty()
                {
                    draft.payer = Some(DraftPayer::Typed);
                    draft.payer_name = draft.query.clone();
                }
                match draft.check(field, today) {
                    Ok(()) => self.forward(field),
                    Err(error) => self.error = Some(error),
                }
            }
            InsuranceTap::Back => self.backward(field),
            _ => {}
        }
    }

    /// On from `field`: to the next field asked (from the review page, the next one
    /// missing), or the review page.
    fn forward(&mut self, field: CoverageField) {
        let today = self.today();
        let Some(draft) = &self.draft else {
            return;
        };
        let next = if self.from_review {
            draft.first_gap(today)
        } else {
            draft
                .fields()
                .into_iter()
                .skip_while(|f| *f != field)
                .nth(1)
        };
        match next {
            Some(next) => self.go_to(next),
            None => {
                self.from_review = false;
                self.error = None;
                self.stage = Stage::Review;
            }
        }
    }

    fn backward(&mut self, field: CoverageField) {
        let Some(draft) = &self.draft else {
            return;
        };
        // Back from a change, with nothing missing: the review again.
        if self.from_review && draft.first_gap(self.today()).is_none() {
            self.from_review = false;
            self.stage = Stage::Review;
            return;
        }
        let fields = draft.fields();
        let at = fields.iter().position(|f| *f == field).unwrap_or(0);
        match at.checked_sub(1).and_then(|i| fields.get(i)) {
            Some(previous) => self.go_to(*previous),
            None => {
                self.draft = None;
                self.stage = Stage::How;
            }
        }
    }

    /// "This is right": this coverage is done; a primary asks about a secondary.
    fn confirm(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let today = self.today();
        let Some(coverage) = self.draft.as_ref().and_then(|d| d.coverage(today)) else {
            // Only a stale tap gets here: the review shows only complete drafts.
            if let Some(gap) = self.draft.as_ref().and_then(|d| d.first_gap(today)) {
                self.go_to(gap);
            }
            return Outcome::stay();
        };
        tracing::info!(
            rank = coverage.rank().as_str(),
            source = coverage.source().as_str(),
            "coverage confirmed"
        );
        self.done.push(coverage);
        self.draft = None;
        if self.done.len() == 1 {
            self.stage = Stage::AskSecondary;
            Outcome::stay()
        } else {
            self.save_coverages(cx)
        }
    }

    fn save_coverages(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        match Coverages::new(self.done.clone()) {
            Ok(coverages) => self.save(CoverageAnswer::Coverages(coverages), cx),
            Err(error) => {
                tracing::error!(%error, "confirmed coverages do not make a set");
                Outcome::go(Go::Next).with(Effect::RequestHelp(StaffNeed::InsuranceAtDesk))
            }
        }
    }

    /// "Give it at the front desk": whatever was confirmed is kept; the desk is told.
    fn at_desk(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        tracing::info!(
            confirmed = self.done.len(),
            "patient gives insurance at the desk"
        );
        self.draft = None;
        self.save_failed = false;
        if self.done.is_empty() {
            self.photos.clear();
            self.stage = Stage::Idle;
            return Outcome::go(Go::Next).with(Effect::RequestHelp(StaffNeed::InsuranceAtDesk));
        }
        // The primary is sent; the desk takes the secondary.
        self.photos.retain(|p| p.rank == CoverageRank::Primary);
        let outcome = self.save_coverages(cx);
        outcome.with(Effect::RequestHelp(StaffNeed::InsuranceAtDesk))
    }

    /// Writes the answer, then the photos kept for it, one row at a time.
    fn save(&mut self, answer: CoverageAnswer, cx: &mut StepContext<'_>) -> Outcome {
        let Some(target) = self.target else {
            return Outcome::go(Go::Next);
        };
        let id = CoverageSubmissionId::random();
        let keeps_photos = matches!(answer, CoverageAnswer::Coverages(_));
        let submission = CoverageSubmission {
            id,
            clinic: target.clinic,
            subject: target.subject,
            submitted_at: cx.now,
            language: cx.session.language,
            answer,
        };
        tracing::info!(coverage = %id, photos = self.photos.len(), "insurance answer given");
        self.to_save.clear();
        self.to_save
            .push_back(PendingRow::Coverage(Box::new(PendingCoverage {
                submission,
                day: target.day,
            })));
        if keeps_photos {
            for photo in self.photos.drain(..) {
                self.to_save
                    .push_back(PendingRow::CardPhoto(Box::new(PendingCardPhoto {
                        submission: CardPhotoSubmission {
                            id: CardPhotoId::random(),
                            clinic: target.clinic,
                            subject: target.subject,
                            coverage: id,
                            rank: photo.rank,
                            side: photo.side,
                            taken_at: photo.taken_at,
                            jpeg: photo.jpeg,
                        },
                        day: target.day,
                    })));
            }
        }
        self.photos.clear();
        self.taken = None;
        self.save_next(cx)
    }

    fn save_next(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        match self.to_save.pop_front() {
            Some(row) => {
                let op = cx.new_op();
                self.stage = Stage::Saving { op };
                Outcome::stay().with(Effect::Persist { op, row })
            }
            None => {
                self.stage = Stage::Idle;
                self.done.clear();
                if std::mem::take(&mut self.save_failed) {
                    // The check-in stands; the desk takes the card instead.
                    Outcome::go(Go::Next).with(Effect::RequestHelp(StaffNeed::CoverageNotSaved))
                } else {
                    Outcome::go(Go::Next)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkin::knowledge::{Knowledge, OfficeTrust};
    use crate::domain::RegistrationId;

    fn knowledge() -> Knowledge {
        Knowledge {
            trust: Some(OfficeTrust {
                clinic: ClinicId::new(7).unwrap(),
                clinic_name: "Testville Clinic".into(),
                timezone: jiff::tz::TimeZone::UTC,
                key: ed25519_dalek::SigningKey::from_bytes(&[1; 32]).verifying_key(),
            }),
            ..Knowledge::default()
        }
    }

    #[test]
    fn a_new_patient_is_asked_at_once_and_answers_for_their_registration() {
        let registration = RegistrationId::random();
        let mut session = Session {
            registered: Some(registration),
            ..Session::default()
        };
        let mut knowledge = knowledge();
        let mut next = OpId::first();
        let now: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        let mut step = Insurance::default();
        let outcome = step.enter(&mut StepContext::new(
            &mut session,
            &mut knowledge,
            now,
            &mut next,
        ));
        // Nothing on file to ask the office about.
        assert!(outcome.effects.is_empty() && outcome.go == Go::Stay);
        assert!(matches!(
            step.view_of(&session),
            InsuranceView::How {
                rank: CoverageRank::Primary,
                self_pay: true,
                ..
            }
        ));
        // Back from a field returns to the choices, keeping nothing typed.
        let mut cx = StepContext::new(&mut session, &mut knowledge, now, &mut next);
        step.on_tap(Tap::Insurance(InsuranceTap::Type), &mut cx);
        step.on_tap(Tap::Insurance(InsuranceTap::Back), &mut cx);
        assert!(step.draft.is_none() && step.stage == Stage::How);
        let outcome = step.on_tap(Tap::Insurance(InsuranceTap::SelfPay), &mut cx);
        let Some(Effect::Persist {
            row: PendingRow::Coverage(row),
            ..
        }) = outcome.effects.first()
        else {
            panic!("expected the answer saved, got {:?}", outcome.effects);
        };
        assert_eq!(
            row.submission.subject,
            FormSubject::Registration(registration)
        );
        assert_eq!(row.day, jiff::civil::date(2026, 11, 23));
    }
}

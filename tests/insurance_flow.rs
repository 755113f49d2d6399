//! The insurance step as a pure state machine, after a returning patient's check-in: the
//! coverage on file confirmed with one tap; typed with a payer searched in the office's
//! list and a second insurance; self-pay; a SMART Health Card verified against the
//! office's issuers (and one refused, keeping nothing); a plain barcode; photos taken,
//! unreadable and retaken; the desk; a failed save that leaves the check-in standing.

mod journey_support;

use ed25519_dalek::SigningKey;
use frontdesk::api::{
    CoverageSummary, FormSubject, InsuranceReference, PayerListEntry, TrustedShcIssuer,
};
use frontdesk::checkin::{
    CameraReadiness, CardPhotoOutcome, Completion, CoverageField, CoverageFieldError, Effect,
    Ending, Event, InsuranceInput, InsuranceNotice, InsuranceTap, InsuranceView, Journey,
    JourneyPlan, JourneySettings, NameKey, OfficeTrust, OpId, OpResult, PageView, PendingCardPhoto,
    PendingCoverage, PendingRow, StepKind, TakenCardPhoto, Tap,
};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{
    AppointmentId, CardReading, CardSide, ClinicId, CoverageAnswer, CoverageRank, CoverageSource,
    MemberId, PayerId, PayerName, PersonName, StaffNeed, SubscriberRelationship,
};
use frontdesk::scan::shc_sample;
use jiff::civil::date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

const CLINIC: u32 = 7;
const APPOINTMENT: u64 = 1001;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn morning() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn trust() -> OfficeTrust {
    OfficeTrust {
        clinic: ClinicId::new(CLINIC).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: key().verifying_key(),
    }
}

fn payer(id: &str, name: &str) -> PayerListEntry {
    PayerListEntry {
        id: PayerId::new(id).unwrap(),
        name: PayerName::new(name).unwrap(),
    }
}

/// The office's reference: three synthetic payers, the synthetic card issuer trusted.
fn reference() -> InsuranceReference {
    InsuranceReference {
        revision: "r1".into(),
        payers: vec![
            payer("TSTPAYER1", "Testpayer Health Plan"),
            payer("ACME01", "Acme Test Insurance"),
            payer("SMPL9", "Sample Mutual"),
        ],
        shc_issuers: vec![TrustedShcIssuer {
            iss: shc_sample::ISSUER.into(),
            jwks: shc_sample::jwks(),
        }],
    }
}

fn completed(op: OpId, result: OpResult) -> Event {
    Event::Completed(Completion { op, result })
}

fn tap(journey: &mut Journey, tap: InsuranceTap) -> Vec<Effect> {
    journey.handle(Event::Tapped(Tap::Insurance(tap)), morning())
}

/// Types `text` as the kiosk's keys do (their letters are capitals).
fn typed(journey: &mut Journey, text: &str) {
    for c in text.to_uppercase().chars() {
        tap(journey, InsuranceTap::Key(NameKey::Char(c)));
    }
}

fn view(journey: &Journey) -> InsuranceView {
    match journey.screen().page {
        PageView::Insurance(view) => view,
        other => panic!("expected an insurance page, got {other:?}"),
    }
}

fn field(journey: &Journey) -> (CoverageField, bool, Option<CoverageFieldError>) {
    match view(journey) {
        InsuranceView::Field(f) => (f.field, f.prefilled, f.error),
        other => panic!("expected a field, got {other:?}"),
    }
}

/// A journey that knows the office's insurance reference (when `reference` is given) and
/// the camera's state, where Ada has scanned her code, said yes, and her check-in is saved.
/// Returns the coverage look-up's op.
fn checked_in(reference: Option<InsuranceReference>, camera: CameraReadiness) -> (Journey, OpId) {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // The other steps after the check-in have their own tests.
        JourneyPlan::standard()
            .without(StepKind::Details)
            .without(StepKind::Consent)
            .without(StepKind::Questions)
            .without(StepKind::Payment),
        Some(trust()),
        [],
        morning(),
    );
    if let Some(reference) = reference {
        journey.handle(Event::InsuranceLearned(Box::new(reference)), morning());
    }
    journey.handle(Event::CameraReadiness(camera), morning());
    let effects = journey_support::check_in_ada(
        &mut journey,
        &key(),
        ClinicId::new(CLINIC).unwrap(),
        AppointmentId::new(APPOINTMENT),
        morning(),
    );
    let lookup = effects
        .iter()
        .find_map(|e| match e {
            Effect::FetchCoverage { op, appointment } => {
                assert_eq!(*appointment, AppointmentId::new(APPOINTMENT));
                Some(*op)
            }
            _ => None,
        })
        .expect("the office is asked for the coverage on file");
    assert_eq!(view(&journey), InsuranceView::Looking);
    (journey, lookup)
}

/// Checked in, nothing on file: on the "how will you give it?" page.
fn asked_how(reference: Option<InsuranceReference>, camera: CameraReadiness) -> Journey {
    let (mut journey, op) = checked_in(reference, camera);
    journey.handle(completed(op, OpResult::CoverageUnavailable), morning());
    assert!(matches!(view(&journey), InsuranceView::How { .. }));
    journey
}

/// The row handed to the outbox by `effects` and its op.
fn coverage_row(effects: &[Effect]) -> (OpId, PendingCoverage) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::Coverage(pending),
            } => Some((*op, (**pending).clone())),
            _ => None,
        })
        .expect("the insurance answer goes to the outbox")
}

fn photo_row(effects: &[Effect]) -> (OpId, PendingCardPhoto) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::CardPhoto(pending),
            } => Some((*op, (**pending).clone())),
            _ => None,
        })
        .expect("the photo goes to the outbox")
}

fn checked_in_ending(journey: &Journey) -> bool {
    matches!(
        journey.screen().page,
        PageView::Ending(Ending::CheckedIn { .. })
    )
}

/// Types a member id, no group number, "mine": the review page.
fn member_self_no_group(journey: &mut Journey, member: &str) {
    assert_eq!(field(journey).0, CoverageField::MemberId);
    typed(journey, member);
    tap(journey, InsuranceTap::Next);
    assert_eq!(field(journey).0, CoverageField::Group);
    tap(journey, InsuranceTap::NoGroup);
    assert_eq!(field(journey).0, CoverageField::Relationship);
    tap(journey, InsuranceTap::Choose(0));
    tap(journey, InsuranceTap::Next);
    assert!(matches!(view(journey), InsuranceView::Review { .. }));
}

#[test]
fn coverage_on_file_is_confirmed_with_one_tap() {
    let (mut journey, op) = checked_in(Some(reference()), CameraReadiness::NoCamera);
    let on_file = vec![CoverageSummary {
        rank: CoverageRank::Primary,
        payer_name: PayerName::new("Testpayer Health Plan").unwrap(),
        member_id_last_four: "0042".into(),
        relationship: SubscriberRelationship::Patient,
    }];
    journey.handle(completed(op, OpResult::CoverageOnFile(on_file)), morning());
    let InsuranceView::OnFile(lines) = view(&journey) else {
        panic!("expected the coverage on file");
    };
    assert_eq!(lines[0].payer_name, "Testpayer Health Plan");
    assert_eq!(lines[0].member_id_last_four, "0042");

    let effects = tap(&mut journey, InsuranceTap::StillSame);
    let (op, row) = coverage_row(&effects);
    assert_eq!(row.submission.answer, CoverageAnswer::UnchangedOnFile);
    assert_eq!(
        row.submission.subject,
        FormSubject::Appointment(AppointmentId::new(APPOINTMENT))
    );
    assert_eq!(row.submission.clinic, ClinicId::new(CLINIC).unwrap());
    assert_eq!(row.day, date(2026, 11, 23));
    assert_eq!(view(&journey), InsuranceView::Saving);
    // A scan while saving changes nothing.
    journey.handle(
        Event::Scanned(Scan::classify("TST123456".into())),
        morning(),
    );
    assert_eq!(view(&journey), InsuranceView::Saving);
    let effects = journey.handle(completed(op, OpResult::Persisted), morning());
    assert!(!effects.iter().any(|e| matches!(e, Effect::RequestHelp(_))));
    assert!(checked_in_ending(&journey));
}

#[test]
fn it_has_changed_leads_to_the_choices() {
    let (mut journey, op) = checked_in(Some(reference()), CameraReadiness::Ready);
    let on_file = vec![CoverageSummary {
        rank: CoverageRank::Primary,
        payer_name: PayerName::new("Sample Mutual").unwrap(),
        member_id_last_four: "9876".into(),
        relationship: SubscriberRelationship::Patient,
    }];
    journey.handle(completed(op, OpResult::CoverageOnFile(on_file)), morning());
    tap(&mut journey, InsuranceTap::Changed);
    assert_eq!(
        view(&journey),
        InsuranceView::How {
            rank: CoverageRank::Primary,
            camera: true,
            self_pay: true,
            notice: None,
            back: true
        }
    );
    tap(&mut journey, InsuranceTap::Back);
    assert!(matches!(view(&journey), InsuranceView::OnFile(_)));
}

#[test]
fn typed_primary_from_the_list_and_a_secondary_not_listed() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    tap(&mut journey, InsuranceTap::Type);
    assert_eq!(field(&journey).0, CoverageField::Payer);
    // Next without a payer: say so.
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey).2, Some(CoverageFieldError::ChoosePayer));
    typed(&mut journey, "te");
    let InsuranceView::Field(f) = view(&journey) else {
        panic!()
    };
    let InsuranceInput::PayerSearch { matches, .. } = f.input else {
        panic!("expected the payer search");
    };
    assert_eq!(matches, ["Testpayer Health Plan", "Acme Test Insurance"]);
    tap(&mut journey, InsuranceTap::Choose(1));
    // A wrong member id is refused in plain words.
    assert_eq!(field(&journey).0, CoverageField::MemberId);
    typed(&mut journey, "A#1");
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey).2, Some(CoverageFieldError::MemberId));
    tap(&mut journey, InsuranceTap::Key(NameKey::Clear));
    member_self_no_group(&mut journey, "acm-0042");
    let InsuranceView::Review { rows, .. } = view(&journey) else {
        panic!()
    };
    assert_eq!(rows[0].value, "Acme Test Insurance");
    assert_eq!(rows[1].value, "ACM-0042");
    // "Change" goes to the field and back to the review.
    tap(&mut journey, InsuranceTap::Change(CoverageField::Group));
    assert_eq!(field(&journey).0, CoverageField::Group);
    typed(&mut journey, "g-7");
    tap(&mut journey, InsuranceTap::Next);
    assert!(matches!(view(&journey), InsuranceView::Review { .. }));
    tap(&mut journey, InsuranceTap::Confirm);
    assert_eq!(view(&journey), InsuranceView::AskSecondary);

    tap(&mut journey, InsuranceTap::AddSecondary);
    assert!(matches!(
        view(&journey),
        InsuranceView::How {
            rank: CoverageRank::Secondary,
            self_pay: false,
            back: true,
            ..
        }
    ));
    // "Yes" by mistake: back to the question.
    tap(&mut journey, InsuranceTap::Back);
    assert_eq!(view(&journey), InsuranceView::AskSecondary);
    tap(&mut journey, InsuranceTap::AddSecondary);
    tap(&mut journey, InsuranceTap::Type);
    typed(&mut journey, "Local Union Plan");
    tap(&mut journey, InsuranceTap::NotListed);
    assert_eq!(field(&journey).0, CoverageField::PayerName);
    tap(&mut journey, InsuranceTap::Next);
    typed(&mut journey, "LU-77");
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::NoGroup);
    // The spouse's plan: their name and date of birth are asked.
    tap(&mut journey, InsuranceTap::Choose(1));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey).0, CoverageField::SubscriberFirst);
    typed(&mut journey, "Bob");
    tap(&mut journey, InsuranceTap::Next);
    typed(&mut journey, "Testsubscriber");
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey).0, CoverageField::SubscriberBirth);
    typed(&mut journey, "02301970");
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey).2, Some(CoverageFieldError::BirthDate));
    tap(&mut journey, InsuranceTap::Key(NameKey::Clear));
    typed(&mut journey, "03141970");
    tap(&mut journey, InsuranceTap::Next);
    assert!(matches!(
        view(&journey),
        InsuranceView::Review {
            rank: CoverageRank::Secondary,
            ..
        }
    ));
    let effects = tap(&mut journey, InsuranceTap::Confirm);
    let (op, row) = coverage_row(&effects);
    let CoverageAnswer::Coverages(coverages) = &row.submission.answer else {
        panic!("expected coverages");
    };
    let primary = coverages.primary();
    assert_eq!(primary.payer().id.as_ref().unwrap().as_str(), "ACME01");
    assert_eq!(primary.member_id().as_str(), "ACM-0042");
    assert_eq!(primary.group().unwrap().as_str(), "G-7");
    assert_eq!(*primary.source(), CoverageSource::Typed);
    let secondary = coverages.secondary().expect("a secondary");
    assert_eq!(secondary.payer().id, None);
    assert_eq!(secondary.payer().name.as_str(), "LOCAL UNION PLAN");
    assert_eq!(secondary.relationship(), SubscriberRelationship::Spouse);
    let subscriber = secondary.subscriber().unwrap();
    assert_eq!(subscriber.name.last(), "TESTSUBSCRIBER");
    assert_eq!(subscriber.date_of_birth.date(), date(1970, 3, 14));
    journey.handle(completed(op, OpResult::Persisted), morning());
    assert!(checked_in_ending(&journey));
}

#[test]
fn an_empty_payer_list_takes_the_plan_name_typed() {
    let mut journey = asked_how(None, CameraReadiness::NoCamera);
    tap(&mut journey, InsuranceTap::Type);
    let InsuranceView::Field(f) = view(&journey) else {
        panic!()
    };
    assert!(matches!(
        f.input,
        InsuranceInput::PayerSearch { listed: false, .. }
    ));
    typed(&mut journey, "Testpayer");
    tap(&mut journey, InsuranceTap::Next);
    // The typed name is shown to confirm on its own page.
    assert_eq!(field(&journey).0, CoverageField::PayerName);
    tap(&mut journey, InsuranceTap::Next);
    member_self_no_group(&mut journey, "T1000");
    tap(&mut journey, InsuranceTap::Confirm);
    let (_, row) = coverage_row(&tap(&mut journey, InsuranceTap::NoSecondary));
    let CoverageAnswer::Coverages(coverages) = row.submission.answer else {
        panic!()
    };
    assert_eq!(coverages.primary().payer().id, None);
    assert_eq!(coverages.primary().payer().name.as_str(), "TESTPAYER");
}

#[test]
fn self_pay_is_one_row() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    let (op, row) = coverage_row(&tap(&mut journey, InsuranceTap::SelfPay));
    assert_eq!(row.submission.answer, CoverageAnswer::SelfPay);
    journey.handle(completed(op, OpResult::Persisted), morning());
    assert!(checked_in_ending(&journey));
}

#[test]
fn a_verified_health_card_fills_in_every_field_to_confirm() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    tap(&mut journey, InsuranceTap::Scan);
    assert_eq!(view(&journey), InsuranceView::ScanWait);
    let qr = shc_sample::card_qr(morning().as_second() - 60);
    journey.handle(Event::Scanned(Scan::classify(qr)), morning());
    // Every pre-filled field is shown, one by one.
    assert_eq!(field(&journey), (CoverageField::Payer, true, None));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey), (CoverageField::MemberId, true, None));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey), (CoverageField::Group, true, None));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey), (CoverageField::Relationship, true, None));
    tap(&mut journey, InsuranceTap::Next);
    let InsuranceView::Review { rows, .. } = view(&journey) else {
        panic!()
    };
    assert!(rows.iter().all(|r| r.prefilled));
    tap(&mut journey, InsuranceTap::Confirm);
    let (_, row) = coverage_row(&tap(&mut journey, InsuranceTap::NoSecondary));
    let CoverageAnswer::Coverages(coverages) = row.submission.answer else {
        panic!()
    };
    let coverage = coverages.primary();
    assert_eq!(coverage.payer().id.as_ref().unwrap().as_str(), "TSTPAYER1");
    assert_eq!(coverage.member_id().as_str(), "TST000123401");
    assert_eq!(coverage.group().unwrap().as_str(), "GRP-4242");
    assert_eq!(coverage.relationship(), SubscriberRelationship::Patient);
    let CoverageSource::SmartHealthCard { jws } = coverage.source() else {
        panic!("expected the card's JWS kept");
    };
    assert_eq!(
        *jws,
        shc_sample::card_jws(morning().as_second() - 60),
        "the JWS travels for the office to verify again"
    );
}

#[test]
fn an_unverified_health_card_keeps_nothing() {
    // No issuer trusted yet: the office has not answered.
    let mut journey = asked_how(None, CameraReadiness::NoCamera);
    tap(&mut journey, InsuranceTap::Scan);
    let qr = shc_sample::card_qr(morning().as_second() - 60);
    journey.handle(Event::Scanned(Scan::classify(qr)), morning());
    assert_eq!(
        view(&journey),
        InsuranceView::How {
            rank: CoverageRank::Primary,
            camera: false,
            self_pay: true,
            notice: Some(InsuranceNotice::CouldNotVerify),
            back: false
        }
    );
    // A malformed one, with the issuer trusted: the same.
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    journey.handle(
        Event::Scanned(Scan::classify("shc:/5676290952432060".into())),
        morning(),
    );
    assert!(matches!(
        view(&journey),
        InsuranceView::How {
            notice: Some(InsuranceNotice::CouldNotVerify),
            ..
        }
    ));
    // Typing afterwards starts from nothing.
    tap(&mut journey, InsuranceTap::Type);
    assert_eq!(field(&journey), (CoverageField::Payer, false, None));
}

#[test]
fn a_plain_barcode_is_kept_and_its_member_id_filled_in() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    tap(&mut journey, InsuranceTap::Scan);
    let text = "MEMBER ID: TST-000042|GRP 100A";
    journey.handle(Event::Scanned(Scan::classify(text.into())), morning());
    assert_eq!(field(&journey), (CoverageField::Payer, false, None));
    typed(&mut journey, "sample");
    tap(&mut journey, InsuranceTap::Choose(0));
    assert_eq!(field(&journey), (CoverageField::MemberId, true, None));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey), (CoverageField::Group, true, None));
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::Choose(0));
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::Confirm);
    let (_, row) = coverage_row(&tap(&mut journey, InsuranceTap::NoSecondary));
    let CoverageAnswer::Coverages(coverages) = row.submission.answer else {
        panic!()
    };
    let coverage = coverages.primary();
    assert_eq!(coverage.member_id().as_str(), "TST-000042");
    assert_eq!(coverage.group().unwrap().as_str(), "100A");
    assert_eq!(
        *coverage.source(),
        CoverageSource::Barcode { text: text.into() }
    );
}

fn jpeg(byte: u8) -> Vec<u8> {
    vec![0xFF, 0xD8, 0xFF, 0xE0, byte, byte]
}

fn take(journey: &mut Journey, side: CardSide, outcome: CardPhotoOutcome) {
    let effects = tap(journey, InsuranceTap::TakePhoto);
    let op = effects
        .iter()
        .find_map(|e| match e {
            Effect::TakeCardPhoto { op, side: s } if *s == side => Some(*op),
            _ => None,
        })
        .expect("the camera is asked");
    assert_eq!(view(journey), InsuranceView::Taking(side));
    journey.handle(completed(op, OpResult::CardPhoto(outcome)), morning());
}

#[test]
fn photos_unreadable_retaken_and_kept_become_rows_of_their_own() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::Ready);
    tap(&mut journey, InsuranceTap::Photo);
    assert_eq!(view(&journey), InsuranceView::Frame(CardSide::Front));
    take(&mut journey, CardSide::Front, CardPhotoOutcome::Unreadable);
    assert_eq!(
        view(&journey),
        InsuranceView::How {
            rank: CoverageRank::Primary,
            camera: true,
            self_pay: true,
            notice: Some(InsuranceNotice::Unreadable),
            back: false
        }
    );
    tap(&mut journey, InsuranceTap::Photo);
    let front = |byte| {
        CardPhotoOutcome::Taken(Box::new(TakenCardPhoto {
            side: CardSide::Front,
            jpeg: jpeg(byte),
            reading: CardReading {
                payer_name: Some("TESTPAYER HEALTH PLAN".into()),
                member_id: Some(MemberId::new("TST-000042").unwrap()),
                ..CardReading::default()
            },
        }))
    };
    take(&mut journey, CardSide::Front, front(1));
    // The patient sees the photo itself before choosing.
    assert_eq!(
        view(&journey),
        InsuranceView::Taken {
            side: CardSide::Front,
            jpeg: jpeg(1)
        }
    );
    tap(&mut journey, InsuranceTap::Retake);
    assert_eq!(view(&journey), InsuranceView::Frame(CardSide::Front));
    take(&mut journey, CardSide::Front, front(2));
    tap(&mut journey, InsuranceTap::UsePhoto);
    assert_eq!(view(&journey), InsuranceView::Frame(CardSide::Back));
    let back = CardPhotoOutcome::Taken(Box::new(TakenCardPhoto {
        side: CardSide::Back,
        jpeg: jpeg(3),
        reading: CardReading::default(),
    }));
    take(&mut journey, CardSide::Back, back);
    tap(&mut journey, InsuranceTap::UsePhoto);
    // The reading is matched to the office's list and shown to confirm.
    assert_eq!(field(&journey), (CoverageField::Payer, true, None));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey), (CoverageField::MemberId, true, None));
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::NoGroup);
    tap(&mut journey, InsuranceTap::Choose(0));
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::Confirm);
    let effects = tap(&mut journey, InsuranceTap::NoSecondary);
    let (op, row) = coverage_row(&effects);
    let CoverageAnswer::Coverages(coverages) = &row.submission.answer else {
        panic!()
    };
    assert_eq!(*coverages.primary().source(), CoverageSource::CardPhoto);
    assert_eq!(
        coverages.primary().payer().id.as_ref().unwrap().as_str(),
        "TSTPAYER1"
    );
    // Then each kept photo (the retaken one, not the first), naming the answer.
    let effects = journey.handle(completed(op, OpResult::Persisted), morning());
    let (op, first) = photo_row(&effects);
    assert_eq!(first.submission.side, CardSide::Front);
    assert_eq!(first.submission.jpeg, jpeg(2));
    assert_eq!(first.submission.coverage, row.submission.id);
    assert_eq!(first.submission.rank, CoverageRank::Primary);
    assert!(first.submission.is_plausible());
    let effects = journey.handle(completed(op, OpResult::Persisted), morning());
    let (op, second) = photo_row(&effects);
    assert_eq!(second.submission.side, CardSide::Back);
    journey.handle(completed(op, OpResult::Persisted), morning());
    assert!(checked_in_ending(&journey));
}

/// A front photo whose reading has the member name `first last`, kept; the back skipped.
fn photo_with_member(journey: &mut Journey, first: &str, last: &str) {
    tap(journey, InsuranceTap::Photo);
    let front = CardPhotoOutcome::Taken(Box::new(TakenCardPhoto {
        side: CardSide::Front,
        jpeg: jpeg(1),
        reading: CardReading {
            payer_name: Some("TESTPAYER HEALTH PLAN".into()),
            member_id: Some(MemberId::new("TST-000042").unwrap()),
            member_name: Some(PersonName::new(first, last).unwrap()),
            ..CardReading::default()
        },
    }));
    take(journey, CardSide::Front, front);
    tap(journey, InsuranceTap::UsePhoto);
    tap(journey, InsuranceTap::SkipBack);
}

fn review_rows(journey: &Journey) -> Vec<(CoverageField, bool)> {
    match view(journey) {
        InsuranceView::Review { rows, .. } => rows.iter().map(|r| (r.field, r.prefilled)).collect(),
        other => panic!("expected the review, got {other:?}"),
    }
}

#[test]
fn the_card_in_the_patient_s_own_name_pre_fills_mine_to_confirm() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::Ready);
    // Ada is "Ada T." on the roster; the card prints her name in capitals, with an
    // accent the roster lacks: still hers.
    photo_with_member(&mut journey, "ÁDA", "TESTPATIENT");
    assert_eq!(field(&journey), (CoverageField::Payer, true, None));
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::NoGroup);
    // Whose insurance: "Mine", pre-filled and shown to confirm.
    assert_eq!(field(&journey), (CoverageField::Relationship, true, None));
    let InsuranceView::Field(page) = view(&journey) else {
        unreachable!()
    };
    assert!(
        page.input
            == InsuranceInput::Relationship {
                chosen: Some(SubscriberRelationship::Patient),
                card_name: None,
            }
    );
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(
        review_rows(&journey),
        [
            (CoverageField::Payer, true),
            (CoverageField::MemberId, true),
            (CoverageField::Group, false),
            (CoverageField::Relationship, true),
        ]
    );
}

#[test]
fn a_card_in_someone_else_s_name_asks_whose_with_that_name_pre_filled() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::Ready);
    photo_with_member(&mut journey, "BEA", "TESTPARENT");
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::Next);
    tap(&mut journey, InsuranceTap::NoGroup);
    // Asked, not guessed: the card's name is shown with the question.
    assert_eq!(field(&journey), (CoverageField::Relationship, false, None));
    let InsuranceView::Field(page) = view(&journey) else {
        unreachable!()
    };
    assert!(
        page.input
            == InsuranceInput::Relationship {
                chosen: None,
                card_name: Some("BEA TESTPARENT".into()),
            }
    );
    // Her parent's: the subscriber's name is the card's, to confirm; the birth date is
    // typed.
    tap(&mut journey, InsuranceTap::Choose(2));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(
        field(&journey),
        (CoverageField::SubscriberFirst, true, None)
    );
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(field(&journey), (CoverageField::SubscriberLast, true, None));
    tap(&mut journey, InsuranceTap::Next);
    assert_eq!(
        field(&journey),
        (CoverageField::SubscriberBirth, false, None)
    );
    typed(&mut journey, "03141970");
    tap(&mut journey, InsuranceTap::Next);
    let rows = review_rows(&journey);
    assert!(rows.contains(&(CoverageField::SubscriberFirst, true)));
    assert!(rows.contains(&(CoverageField::SubscriberLast, true)));
    assert!(rows.contains(&(CoverageField::Relationship, false)));
    tap(&mut journey, InsuranceTap::Confirm);
    let effects = tap(&mut journey, InsuranceTap::NoSecondary);
    let (_, row) = coverage_row(&effects);
    let CoverageAnswer::Coverages(coverages) = &row.submission.answer else {
        panic!()
    };
    let coverage = coverages.primary();
    assert_eq!(coverage.relationship(), SubscriberRelationship::Child);
    let subscriber = coverage.subscriber().unwrap();
    assert_eq!(
        (subscriber.name.first(), subscriber.name.last()),
        ("BEA", "TESTPARENT")
    );
}

#[test]
fn a_camera_that_fails_is_not_offered_again() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::Ready);
    tap(&mut journey, InsuranceTap::Photo);
    take(
        &mut journey,
        CardSide::Front,
        CardPhotoOutcome::CameraUnavailable,
    );
    assert_eq!(
        view(&journey),
        InsuranceView::How {
            rank: CoverageRank::Primary,
            camera: false,
            self_pay: true,
            notice: Some(InsuranceNotice::CameraUnavailable),
            back: false
        }
    );
    let effects = tap(&mut journey, InsuranceTap::Photo);
    assert!(effects.is_empty() || !matches!(view(&journey), InsuranceView::Frame(_)));
    // No camera at all: never offered.
    let journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    assert!(matches!(
        view(&journey),
        InsuranceView::How { camera: false, .. }
    ));
}

#[test]
fn the_desk_is_told_and_the_check_in_stands() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    let effects = tap(&mut journey, InsuranceTap::AtDesk);
    assert!(effects.contains(&Effect::RequestHelp(StaffNeed::InsuranceAtDesk)));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Persist { .. })));
    assert!(checked_in_ending(&journey));
}

#[test]
fn a_failed_save_tells_the_desk_and_the_check_in_stands() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    let (op, _) = coverage_row(&tap(&mut journey, InsuranceTap::SelfPay));
    let effects = journey.handle(completed(op, OpResult::PersistFailed), morning());
    assert!(effects.contains(&Effect::RequestHelp(StaffNeed::CoverageNotSaved)));
    assert!(checked_in_ending(&journey));
}

#[test]
fn nothing_typed_shows_in_debug() {
    let mut journey = asked_how(Some(reference()), CameraReadiness::NoCamera);
    tap(&mut journey, InsuranceTap::Type);
    typed(&mut journey, "acme");
    tap(&mut journey, InsuranceTap::Choose(0));
    typed(&mut journey, "SECRET-0042");
    let debug = format!("{:?} {:?}", journey, journey.screen());
    assert!(
        !debug.contains("SECRET") && !debug.contains("0042"),
        "{debug}"
    );
}

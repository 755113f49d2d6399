//! Identifying without a code: last name on the keyboard + date of birth, or a driver's
//! licence scan, matched against the roster's keyed hashes. Every path: one match, two,
//! none, already checked in, offline, unreadable licence, back, and the idle wipe.

use frontdesk::checkin::{
    BirthView, ConfirmTap, Effect, Ending, Event, FrontDeskReason, IdentifyTap, Journey,
    JourneyPlan, JourneySettings, NameKey, NameNotice, OfficeTrust, OverlayView, PageView,
    PendingRow, Problem, Roster, RosterEntry, StepKind, Tap,
};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AppointmentId, ClinicId, DateOfBirth, IdentityKey, PersonName};
use frontdesk::scan::aamva_sample;
use jiff::civil::{Date, Time, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

const TODAY: Date = Date::constant(2026, 11, 23);

fn morning() -> Timestamp {
    "2026-11-23T10:00:00Z".parse().unwrap()
}

fn trust() -> OfficeTrust {
    OfficeTrust {
        clinic: ClinicId::new(7).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: ed25519_dalek::SigningKey::from_bytes(&[9; 32]).verifying_key(),
    }
}

fn identity_key() -> IdentityKey {
    IdentityKey::for_day(&[4; 32], TODAY)
}

/// An appointment for `last`, born `born`, at `hour`.
fn entry(id: u64, first: &str, last: &str, born: Date, hour: i8) -> RosterEntry {
    let dob = DateOfBirth::new(born, TODAY).unwrap();
    RosterEntry {
        appointment: AppointmentId::new(id),
        display_name: PersonName::new(first, last).unwrap().display_name(),
        starts_at: Time::constant(hour, 0, 0, 0),
        provider: "Dr. Demo Able".into(),
        checked_in: false,
        due: frontdesk::domain::AmountDue::default(),
        code: None,
        identity: Some(identity_key().hash(last, dob).unwrap()),
    }
}

/// Ada Testpatient (1950-01-01) at 9, Bea García-López (1960-05-06) twice, at 11 and 14,
/// and the Sampletwins (1990-02-03), two of them, both at 15.
fn roster() -> Roster {
    Roster::new(
        vec![
            entry(1, "Ada", "Testpatient", date(1950, 1, 1), 9),
            entry(2, "Bea", "García-López", date(1960, 5, 6), 14),
            entry(3, "Bea", "García-López", date(1960, 5, 6), 11),
            entry(4, "Cy", "Sampletwin", date(1990, 2, 3), 15),
            entry(5, "Di", "Sampletwin", date(1990, 2, 3), 15),
        ],
        0,
    )
    .with_identity_key(Some(identity_key()))
}

fn journey_with(roster: Roster) -> Journey {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // The details step has its own tests (details_flow.rs).
        JourneyPlan::standard()
            .without(StepKind::Details)
            .without(StepKind::Consent)
            .without(StepKind::Questions)
            .without(StepKind::Insurance),
        Some(trust()),
        [],
        morning(),
    );
    journey.handle(Event::RosterUpdated(roster), morning());
    journey
}

fn journey() -> Journey {
    journey_with(roster())
}

fn id(tap: IdentifyTap) -> Event {
    Event::Tapped(Tap::Identify(tap))
}

/// Taps each character of `text` on the keyboard, like a patient.
fn type_name(journey: &mut Journey, text: &str) {
    for c in text.chars() {
        journey.handle(id(IdentifyTap::Key(NameKey::Char(c))), morning());
    }
}

/// Taps the year's digits, the month and the day.
fn enter_birth_date(journey: &mut Journey, born: Date) {
    for digit in born.year().to_string().bytes() {
        journey.handle(id(IdentifyTap::Digit(digit - b'0')), morning());
    }
    journey.handle(id(IdentifyTap::Month(born.month())), morning());
    journey.handle(id(IdentifyTap::Day(born.day())), morning());
}

/// Welcome → "Type my name instead" → name → Next → date of birth.
fn identify(journey: &mut Journey, name: &str, born: Date) -> PageView {
    journey.handle(id(IdentifyTap::TypeName), morning());
    type_name(journey, name);
    journey.handle(id(IdentifyTap::NameDone), morning());
    enter_birth_date(journey, born);
    journey.screen().page
}

fn confirmed_time(page: &PageView) -> Time {
    match page {
        PageView::Confirm(details) => details.starts_at,
        other => panic!("expected confirm, got {other:?}"),
    }
}

fn desk(reason: FrontDeskReason) -> PageView {
    PageView::Ending(Ending::SeeFrontDesk(reason))
}

#[test]
fn name_and_birth_date_find_the_appointment_and_check_it_in() {
    let mut journey = journey();
    let page = identify(&mut journey, "TESTPATIENT", date(1950, 1, 1));
    let PageView::Confirm(details) = &page else {
        panic!("expected confirm, got {page:?}");
    };
    assert_eq!(details.display_name.as_ref().unwrap().as_str(), "Ada T.");
    assert_eq!(details.starts_at, Time::constant(9, 0, 0, 0));
    let effects = journey.handle(Event::Tapped(Tap::Confirm(ConfirmTap::Yes)), morning());
    let check_in = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                row: PendingRow::CheckIn(check_in),
                ..
            } => Some(check_in.clone()),
            _ => None,
        })
        .expect("a check-in to save");
    assert_eq!(check_in.appointment, AppointmentId::new(1));
    assert_eq!(check_in.clinic, trust().clinic);
    assert_eq!(check_in.day, TODAY);
}

#[test]
fn matching_ignores_case_accents_spaces_hyphens_and_apostrophes() {
    for typed in [
        "GARCIA LOPEZ",
        "GARCÍA-LÓPEZ",
        "GARCIALOPEZ",
        "GARCIA'LOPEZ",
    ] {
        let mut journey = journey();
        let page = identify(&mut journey, typed, date(1960, 5, 6));
        assert!(
            matches!(page, PageView::WhichAppointment(_)),
            "{typed}: {page:?}"
        );
    }
}

#[test]
fn two_matches_ask_the_appointment_time() {
    let mut journey = journey();
    let page = identify(&mut journey, "GARCIA LOPEZ", date(1960, 5, 6));
    assert_eq!(
        page,
        PageView::WhichAppointment(vec![
            Time::constant(11, 0, 0, 0),
            Time::constant(14, 0, 0, 0)
        ])
    );
    journey.handle(id(IdentifyTap::Appointment(1)), morning());
    assert_eq!(
        confirmed_time(&journey.screen().page),
        Time::constant(14, 0, 0, 0)
    );

    let mut journey = self::journey();
    identify(&mut journey, "GARCIA LOPEZ", date(1960, 5, 6));
    // A stale index changes nothing.
    journey.handle(id(IdentifyTap::Appointment(7)), morning());
    assert!(matches!(
        journey.screen().page,
        PageView::WhichAppointment(_)
    ));
    journey.handle(id(IdentifyTap::NoneOfThese), morning());
    assert_eq!(journey.screen().page, desk(FrontDeskReason::SeveralMatches));
}

#[test]
fn matches_at_the_same_time_go_to_the_desk() {
    let mut journey = journey();
    let page = identify(&mut journey, "SAMPLETWIN", date(1990, 2, 3));
    assert_eq!(page, desk(FrontDeskReason::SeveralMatches));
}

#[test]
fn no_match_offers_try_again_with_the_name_kept_or_the_desk() {
    let mut journey = journey();
    let page = identify(&mut journey, "TESTPATIANT", date(1950, 1, 1));
    assert_eq!(page, PageView::NotFound);
    journey.handle(id(IdentifyTap::TryAgain), morning());
    let PageView::TypeName(view) = journey.screen().page else {
        panic!("expected the keyboard");
    };
    assert_eq!(view.typed.as_str(), "TESTPATIANT");
    // Fix the typo: two deletes, then the right letters.
    for _ in 0..3 {
        journey.handle(id(IdentifyTap::Key(NameKey::Backspace)), morning());
    }
    type_name(&mut journey, "ENT");
    journey.handle(id(IdentifyTap::NameDone), morning());
    enter_birth_date(&mut journey, date(1950, 1, 1));
    assert!(matches!(journey.screen().page, PageView::Confirm(_)));

    let mut journey = self::journey();
    identify(&mut journey, "NOBODY", date(1950, 1, 1));
    journey.handle(id(IdentifyTap::AskDesk), morning());
    assert_eq!(journey.screen().page, desk(FrontDeskReason::NoMatch));
}

#[test]
fn a_match_already_checked_in_says_so() {
    let mut entries = vec![entry(1, "Ada", "Testpatient", date(1950, 1, 1), 9)];
    entries[0].checked_in = true;
    let mut journey = journey_with(Roster::new(entries, 1).with_identity_key(Some(identity_key())));
    let page = identify(&mut journey, "TESTPATIENT", date(1950, 1, 1));
    assert_eq!(
        page,
        PageView::Ending(Ending::Problem(Problem::AlreadyUsed))
    );
}

#[test]
fn without_todays_list_the_kiosk_sends_the_patient_to_the_desk_at_once() {
    // A kiosk that restarted while the office is unreachable has no list and no key.
    let mut journey = journey_with(Roster::default());
    journey.handle(id(IdentifyTap::TypeName), morning());
    assert_eq!(
        journey.screen().page,
        PageView::Ending(Ending::Problem(Problem::NotReady))
    );
    let mut journey = journey_with(Roster::default());
    journey.handle(licence(&aamva_sample::v10_licence()), morning());
    assert_eq!(
        journey.screen().page,
        PageView::Ending(Ending::Problem(Problem::NotReady))
    );
}

fn licence(text: &str) -> Event {
    let scan = Scan::classify(text.to_owned());
    assert!(matches!(scan, Scan::DriversLicence(_)), "{scan:?}");
    Event::Scanned(scan)
}

#[test]
fn a_licence_scan_identifies_the_patient() {
    let mut journey = journey();
    journey.handle(licence(&aamva_sample::v10_licence()), morning());
    assert_eq!(
        confirmed_time(&journey.screen().page),
        Time::constant(9, 0, 0, 0)
    );
    // Also from the keyboard: the scan replaces what was being typed.
    let mut journey = self::journey();
    journey.handle(id(IdentifyTap::TypeName), morning());
    type_name(&mut journey, "XYZ");
    journey.handle(licence(&aamva_sample::v10_licence()), morning());
    assert!(matches!(journey.screen().page, PageView::Confirm(_)));
}

#[test]
fn an_unreadable_licence_asks_for_the_name_and_keeps_nothing_of_it() {
    let mut journey = journey();
    let mut damaged = aamva_sample::v10_licence();
    damaged = damaged.replace("DBB01011950", "DBB13451950");
    journey.handle(licence(&damaged), morning());
    let PageView::TypeName(view) = journey.screen().page else {
        panic!("expected the keyboard");
    };
    assert_eq!(view.notice, Some(NameNotice::LicenceUnreadable));
    assert!(view.typed.is_empty());
    assert!(!view.can_continue);
}

#[test]
fn a_licence_with_no_appointment_today_is_not_found() {
    let roster = Roster::new(
        vec![entry(2, "Bea", "García-López", date(1960, 5, 6), 14)],
        0,
    )
    .with_identity_key(Some(identity_key()));
    let mut journey = journey_with(roster);
    journey.handle(licence(&aamva_sample::v10_licence()), morning());
    assert_eq!(journey.screen().page, PageView::NotFound);
    journey.handle(id(IdentifyTap::TryAgain), morning());
    let PageView::TypeName(view) = journey.screen().page else {
        panic!("expected the keyboard");
    };
    assert_eq!(view.typed.as_str(), "TESTPATIENT");
}

#[test]
fn next_needs_a_letter_and_back_walks_back() {
    let mut journey = journey();
    journey.handle(id(IdentifyTap::TypeName), morning());
    type_name(&mut journey, "-' ");
    journey.handle(id(IdentifyTap::NameDone), morning());
    assert!(matches!(journey.screen().page, PageView::TypeName(_)));
    journey.handle(id(IdentifyTap::Key(NameKey::Clear)), morning());
    type_name(&mut journey, "TESTPATIENT");
    journey.handle(id(IdentifyTap::NameDone), morning());
    journey.handle(id(IdentifyTap::Digit(1)), morning());
    assert!(matches!(
        journey.screen().page,
        PageView::BirthDate(BirthView::Year { .. })
    ));
    journey.handle(id(IdentifyTap::Back), morning());
    let PageView::TypeName(view) = journey.screen().page else {
        panic!("expected the keyboard");
    };
    assert_eq!(view.typed.as_str(), "TESTPATIENT");
    journey.handle(id(IdentifyTap::Back), morning());
    assert_eq!(journey.screen().page, PageView::Identify);
}

#[test]
fn taps_cannot_make_an_impossible_date() {
    let mut journey = journey();
    journey.handle(id(IdentifyTap::TypeName), morning());
    type_name(&mut journey, "TESTPATIENT");
    journey.handle(id(IdentifyTap::NameDone), morning());
    for digit in [3, 1, 9, 6, 1] {
        journey.handle(id(IdentifyTap::Digit(digit)), morning());
    }
    journey.handle(id(IdentifyTap::Month(2)), morning());
    assert_eq!(
        journey.screen().page,
        PageView::BirthDate(BirthView::Day {
            year: 1961,
            month: 2,
            last_day: 28,
            last_enabled: 28
        })
    );
    journey.handle(id(IdentifyTap::Day(29)), morning());
    journey.handle(id(IdentifyTap::Day(31)), morning());
    assert!(matches!(
        journey.screen().page,
        PageView::BirthDate(BirthView::Day { .. })
    ));
}

#[test]
fn a_half_typed_name_is_wiped_after_asking_are_you_still_there() {
    let mut journey = journey();
    journey.handle(id(IdentifyTap::TypeName), morning());
    type_name(&mut journey, "TESTPAT");
    let at = |secs| morning() + SignedDuration::from_secs(secs);
    journey.handle(Event::Tick, at(45));
    assert_eq!(
        journey.screen().overlay,
        Some(OverlayView::StillThere { seconds_left: 15 })
    );
    journey.handle(Event::Tick, at(61));
    assert_eq!(journey.screen().page, PageView::Identify);
    journey.handle(id(IdentifyTap::TypeName), at(62));
    let PageView::TypeName(view) = journey.screen().page else {
        panic!("expected the keyboard");
    };
    assert!(view.typed.is_empty(), "the next patient sees nothing typed");
}

#[test]
fn nothing_typed_shows_in_debug_output() {
    let mut journey = journey();
    journey.handle(id(IdentifyTap::TypeName), morning());
    type_name(&mut journey, "TESTPATIENT");
    let debug = format!("{:?}", journey.screen());
    assert!(!debug.contains("TESTPATIENT"), "{debug}");
    journey.handle(id(IdentifyTap::NameDone), morning());
    for digit in [1, 9, 5, 0] {
        journey.handle(id(IdentifyTap::Digit(digit)), morning());
    }
    let debug = format!("{:?} {:?}", journey.screen(), journey);
    assert!(!debug.contains("1950"), "{debug}");
    assert!(!debug.contains("TESTPATIENT"), "{debug}");
}

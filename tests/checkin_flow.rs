//! The check-in journey as a pure state machine: every step's transitions, the overlays
//! beside them, results that arrive while an overlay shows, language, display preferences
//! and the idle wipe.

use ed25519_dalek::SigningKey;
use frontdesk::checkin::{
    Completion, ConfirmDetails, ConfirmTap, DisplayPrefs, Effect, Ending, Event, FrontDeskReason,
    HelpReached, HelpState, Journey, JourneyPlan, JourneySettings, OfficeTrust, OpId, OpResult,
    OverlayView, PageView, PaymentNote, PendingCheckIn, PendingRow, Problem, Roster, RosterEntry,
    Screen, StepKind, Tap,
};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AppointmentId, ClinicId, Language, PersonName, StaffNeed};
use frontdesk::token::CheckInToken;
use jiff::civil::{Time, date};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

const CLINIC: u32 = 7;

fn key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

/// 10:00 on 2026-11-23 in the clinic's zone (UTC here, to keep the arithmetic plain).
fn morning() -> Timestamp {
    at("2026-11-23T10:00:00Z")
}

fn later(secs: i64) -> Timestamp {
    morning() + SignedDuration::from_secs(secs)
}

/// Idle 60 s (the last 20 asking "are you still there?"), done 8 s.
fn settings() -> JourneySettings {
    JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8))
}

fn trust() -> OfficeTrust {
    OfficeTrust {
        clinic: ClinicId::new(CLINIC).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: key().verifying_key(),
    }
}

/// The plan these tests follow: the standard one without the details step (tested on its
/// own in details_flow.rs), so "Yes, this is me" goes straight to the check-in, and
/// without the consent step (consent_flow.rs).
fn plan() -> JourneyPlan {
    // The consent and questions steps have their own tests (consent_flow.rs, questions_flow.rs).
    JourneyPlan::standard()
        .without(StepKind::Details)
        .without(StepKind::Consent)
        .without(StepKind::Questions)
        // The insurance step has its own tests (insurance_flow.rs).
        .without(StepKind::Insurance)
}

fn journey() -> Journey {
    Journey::new(settings(), plan(), Some(trust()), [], morning())
}

fn token(appointment: u64) -> CheckInToken {
    CheckInToken {
        clinic: ClinicId::new(CLINIC).unwrap(),
        appointment: AppointmentId::new(appointment),
        valid_on: date(2026, 11, 23),
        starts_at: Time::constant(10, 30, 0, 0),
        expires_at: at("2026-11-24T00:00:00Z"),
    }
}

fn sign(token: CheckInToken, key: &SigningKey) -> String {
    token.sign(key).expect("signs")
}

fn scan_of(appointment: u64) -> Event {
    scan(sign(token(appointment), &key()))
}

fn scan(text: String) -> Event {
    Event::Scanned(Scan::classify(text))
}

fn tap(tap: Tap) -> Event {
    Event::Tapped(tap)
}

const YES: Tap = Tap::Confirm(ConfirmTap::Yes);
const NO: Tap = Tap::Confirm(ConfirmTap::No);

fn entry(appointment: u64, checked_in: bool) -> RosterEntry {
    RosterEntry {
        appointment: AppointmentId::new(appointment),
        display_name: PersonName::new("Ada", "Testpatient")
            .unwrap()
            .display_name(),
        starts_at: Time::constant(10, 45, 0, 0),
        provider: "Dr. Example".into(),
        checked_in,
        due: frontdesk::domain::AmountDue::default(),
        code: None,
        identity: None,
    }
}

fn roster(entries: Vec<RosterEntry>, waiting: u32) -> Event {
    Event::RosterUpdated(Roster::new(entries, waiting))
}

/// The first screen, in the default language, with nothing of anyone on it.
fn welcome() -> Screen {
    Screen {
        page: PageView::Identify,
        overlay: None,
        desk_call: None,
        language: Language::English,
        display: DisplayPrefs::default(),
    }
}

fn shown(effects: &[Effect]) -> Option<Screen> {
    effects.iter().find_map(|e| match e {
        Effect::Show(screen) => Some(screen.clone()),
        _ => None,
    })
}

fn page(effects: &[Effect]) -> Option<PageView> {
    shown(effects).map(|s| s.page)
}

/// What the desk was told, in order.
fn desk_told(effects: &[Effect]) -> Vec<StaffNeed> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::RequestHelp(need) => Some(*need),
            _ => None,
        })
        .collect()
}

fn problem(problem: Problem) -> Option<PageView> {
    Some(PageView::Ending(Ending::Problem(problem)))
}

fn persisted(effects: &[Effect]) -> (OpId, PendingCheckIn) {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::CheckIn(check_in),
            } => Some((*op, check_in.clone())),
            _ => None,
        })
        .expect("a Persist effect")
}

fn completed(op: OpId, result: OpResult) -> Event {
    Event::Completed(Completion { op, result })
}

#[test]
fn the_standard_journey_identifies_registers_new_patients_confirms_checks_in_and_pays() {
    assert_eq!(
        JourneyPlan::standard().steps(),
        [
            StepKind::Identify,
            StepKind::Register,
            StepKind::Confirm,
            StepKind::Details,
            StepKind::CheckIn,
            StepKind::Insurance,
            StepKind::Consent,
            StepKind::Questions,
            StepKind::Payment,
        ]
    );
    // An office may leave a step out, but never identifying or checking in.
    assert_eq!(
        JourneyPlan::standard()
            .without(StepKind::Details)
            .without(StepKind::Identify)
            .without(StepKind::CheckIn)
            .steps(),
        [
            StepKind::Identify,
            StepKind::Register,
            StepKind::Confirm,
            StepKind::CheckIn,
            StepKind::Insurance,
            StepKind::Consent,
            StepKind::Questions,
            StepKind::Payment,
        ]
    );
    assert_eq!(journey().screen(), welcome());
}

#[test]
fn a_valid_code_asks_is_this_you_with_roster_details() {
    let mut journey = journey();
    journey.handle(roster(vec![entry(1001, false)], 2), morning());
    let effects = journey.handle(scan_of(1001), morning());
    let Some(PageView::Confirm(details)) = page(&effects) else {
        panic!("expected confirm, got {effects:?}");
    };
    assert_eq!(details.display_name.unwrap().as_str(), "Ada T.");
    assert_eq!(details.starts_at, Time::constant(10, 45, 0, 0));
    assert_eq!(details.provider.as_deref(), Some("Dr. Example"));
}

#[test]
fn without_a_roster_the_code_alone_is_enough() {
    let mut journey = journey();
    let effects = journey.handle(scan_of(1001), morning());
    assert_eq!(
        page(&effects),
        Some(PageView::Confirm(ConfirmDetails {
            display_name: None,
            starts_at: Time::constant(10, 30, 0, 0),
            provider: None,
        }))
    );
}

#[test]
fn yes_hands_the_check_in_to_a_worker_and_done_shows_only_after_it_is_saved() {
    let mut journey = journey();
    journey.handle(roster(vec![entry(1001, false)], 2), morning());
    journey.handle(scan_of(1001), morning());
    let effects = journey.handle(tap(YES), morning());
    assert_eq!(page(&effects), Some(PageView::CheckingIn));
    let (op, pending) = persisted(&effects);
    assert_eq!(pending.appointment, AppointmentId::new(1001));
    assert_eq!(pending.arrived_at, morning());
    assert_eq!(pending.day, date(2026, 11, 23));

    // Not done until the worker says so; a second tap, scan or start-over does nothing.
    assert!(journey.handle(tap(YES), morning()).is_empty());
    assert!(journey.handle(scan_of(1001), morning()).is_empty());
    assert!(journey.handle(tap(Tap::StartOver), morning()).is_empty());

    let effects = journey.handle(completed(op, OpResult::Persisted), morning());
    assert_eq!(
        page(&effects),
        Some(PageView::Ending(Ending::CheckedIn {
            queue_position: Some(3),
            payment: PaymentNote::Nothing,
        }))
    );
}

#[test]
fn a_failed_save_says_so() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    let (op, _) = persisted(&journey.handle(tap(YES), morning()));
    let effects = journey.handle(completed(op, OpResult::PersistFailed), morning());
    assert_eq!(page(&effects), problem(Problem::SaveFailed));
    assert_eq!(desk_told(&effects), vec![StaffNeed::SaveFailed]);
}

#[test]
fn answers_to_earlier_operations_are_ignored() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    let (first, _) = persisted(&journey.handle(tap(YES), morning()));
    journey.handle(completed(first, OpResult::PersistFailed), morning());
    journey.handle(tap(Tap::StartOver), morning());
    journey.handle(scan_of(1001), morning());
    let (second, _) = persisted(&journey.handle(tap(YES), morning()));
    assert_ne!(first, second);
    // A late or repeated answer to the first attempt is not the second one's.
    for stale in [OpResult::Persisted, OpResult::PersistFailed] {
        assert!(
            journey
                .handle(completed(first, stale), morning())
                .is_empty()
        );
    }
    assert_eq!(journey.screen().page, PageView::CheckingIn);
}

#[test]
fn a_result_that_arrives_while_help_shows_is_kept_and_applied() {
    let mut journey = journey();
    journey.handle(roster(vec![entry(1001, false)], 0), morning());
    journey.handle(scan_of(1001), morning());
    let (op, _) = persisted(&journey.handle(tap(YES), morning()));
    let effects = journey.handle(tap(Tap::CallStaff), later(1));
    assert!(effects.contains(&Effect::RequestHelp(StaffNeed::PatientAsked)));
    assert_eq!(
        shown(&effects).unwrap().overlay,
        Some(OverlayView::Help(HelpState::Calling))
    );

    // The outbox answers while "someone is coming" is up: the overlay stays, the
    // check-in is done underneath.
    let effects = journey.handle(completed(op, OpResult::Persisted), later(2));
    let screen = shown(&effects).unwrap();
    assert_eq!(screen.overlay, Some(OverlayView::Help(HelpState::Calling)));
    let done = PageView::Ending(Ending::CheckedIn {
        queue_position: Some(1),
        payment: PaymentNote::Nothing,
    });
    assert_eq!(screen.page, done);
    let effects = journey.handle(tap(Tap::HelpBack), later(3));
    assert_eq!(
        shown(&effects).unwrap(),
        Screen {
            page: done,
            overlay: None,
            desk_call: None,
            language: Language::English,
            display: DisplayPrefs::default(),
        }
    );
    // And it counts: the code is now used.
    journey.handle(tap(Tap::StartOver), later(4));
    assert_eq!(
        page(&journey.handle(scan_of(1001), later(5))),
        problem(Problem::AlreadyUsed)
    );
}

#[test]
fn a_scan_that_changes_nothing_leaves_help_showing_and_one_that_does_closes_it() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    journey.handle(tap(YES), morning());
    journey.handle(tap(Tap::CallStaff), morning());
    // Saving ignores scans: the patient still sees that someone is coming.
    assert!(journey.handle(scan_of(1002), morning()).is_empty());
    assert_eq!(
        journey.screen().overlay,
        Some(OverlayView::Help(HelpState::Calling))
    );

    let mut journey = self::journey();
    journey.handle(tap(Tap::CallStaff), morning());
    let effects = journey.handle(scan_of(1001), morning());
    let screen = shown(&effects).unwrap();
    assert_eq!(screen.overlay, None);
    assert!(matches!(screen.page, PageView::Confirm(_)));
}

#[test]
fn the_same_code_cannot_be_used_twice() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    let (op, _) = persisted(&journey.handle(tap(YES), morning()));
    journey.handle(completed(op, OpResult::Persisted), morning());
    let effects = journey.handle(scan_of(1001), morning());
    assert_eq!(page(&effects), problem(Problem::AlreadyUsed));
}

#[test]
fn used_appointments_survive_a_restart_and_come_from_the_office_too() {
    let mut journey = Journey::new(
        settings(),
        plan(),
        Some(trust()),
        [AppointmentId::new(1001)],
        morning(),
    );
    let effects = journey.handle(scan_of(1001), morning());
    assert_eq!(page(&effects), problem(Problem::AlreadyUsed));

    journey.handle(roster(vec![entry(1002, true)], 1), morning());
    journey.handle(tap(Tap::StartOver), morning());
    let effects = journey.handle(scan_of(1002), morning());
    assert_eq!(page(&effects), problem(Problem::AlreadyUsed));
}

#[test]
fn a_code_missing_from_todays_list_goes_to_the_desk() {
    let mut journey = journey();
    journey.handle(roster(vec![entry(1002, false)], 0), morning());
    let effects = journey.handle(scan_of(1001), morning());
    assert_eq!(page(&effects), problem(Problem::NotOnToday));
}

#[test]
fn bad_codes_and_other_barcodes_get_a_problem_screen_each() {
    let other_key = SigningKey::from_bytes(&[1; 32]);
    let base = token(1001);
    let cases = [
        ("FD2:NOTBASE32!".to_string(), Problem::UnknownCode),
        // The shape of a code printed before appointment handles (version 1, 87 bytes).
        (
            format!("FD1:{}", data_encoding::BASE32_NOPAD.encode(&[1u8; 87])),
            Problem::OldCode,
        ),
        ("0123456789012".to_string(), Problem::NotACheckInCode),
        (
            "shc:/5676290952432060346029".to_string(),
            Problem::NotACheckInCode,
        ),
        (sign(base, &other_key), Problem::Forged),
        (
            sign(
                CheckInToken {
                    clinic: ClinicId::new(8).unwrap(),
                    ..base
                },
                &key(),
            ),
            Problem::OtherClinic,
        ),
        (
            sign(
                CheckInToken {
                    expires_at: at("2026-11-23T09:00:00Z"),
                    ..base
                },
                &key(),
            ),
            Problem::Expired,
        ),
        (
            sign(
                CheckInToken {
                    valid_on: date(2026, 11, 24),
                    expires_at: at("2026-11-25T00:00:00Z"),
                    ..base
                },
                &key(),
            ),
            Problem::WrongDay(date(2026, 11, 24)),
        ),
    ];
    for (text, expected) in cases {
        let mut journey = journey();
        let effects = journey.handle(scan(text), morning());
        assert_eq!(page(&effects), problem(expected));
        assert_eq!(desk_told(&effects), vec![StaffNeed::CodeProblem]);
        // Every problem screen has a way back.
        let effects = journey.handle(tap(Tap::StartOver), morning());
        assert_eq!(page(&effects), Some(PageView::Identify));
    }
}

#[test]
fn without_the_office_key_codes_cannot_be_checked_until_it_arrives() {
    let mut journey = Journey::new(settings(), plan(), None, [], morning());
    let effects = journey.handle(scan_of(1001), morning());
    assert_eq!(page(&effects), problem(Problem::NotReady));
    assert_eq!(desk_told(&effects), vec![StaffNeed::KioskNotReady]);
    journey.handle(Event::OfficeTrusted(trust()), morning());
    let effects = journey.handle(scan_of(1001), morning());
    assert!(matches!(page(&effects), Some(PageView::Confirm(_))));
}

#[test]
fn not_me_sends_the_patient_to_the_desk() {
    let mut journey = self::journey();
    journey.handle(scan_of(1001), morning());
    let effects = journey.handle(tap(NO), morning());
    assert_eq!(
        page(&effects),
        Some(PageView::Ending(Ending::SeeFrontDesk(
            FrontDeskReason::NotMe
        )))
    );
    assert_eq!(desk_told(&effects), vec![StaffNeed::NotMe]);
}

/// "They know you are coming" only once the desk has the ending's call; a check-in's
/// ending, which calls no one, hears nothing of answers.
#[test]
fn a_see_the_desk_ending_says_the_desk_knows_only_once_it_does() {
    let mut journey = self::journey();
    journey.handle(scan_of(1001), morning());
    let effects = journey.handle(tap(NO), morning());
    assert_eq!(shown(&effects).unwrap().desk_call, None);
    let effects = journey.handle(Event::HelpAnswered(HelpReached::NotYet), later(1));
    assert_eq!(
        shown(&effects).unwrap().desk_call,
        Some(HelpReached::NotYet)
    );
    let effects = journey.handle(Event::HelpAnswered(HelpReached::Told), later(2));
    assert_eq!(shown(&effects).unwrap().desk_call, Some(HelpReached::Told));
    // The next patient starts with no call.
    let effects = journey.handle(tap(Tap::StartOver), later(3));
    assert_eq!(shown(&effects).unwrap().desk_call, None);

    let mut journey = self::journey();
    journey.handle(roster(vec![entry(1001, false)], 0), morning());
    journey.handle(scan_of(1001), morning());
    let (op, _) = persisted(&journey.handle(tap(YES), morning()));
    journey.handle(completed(op, OpResult::Persisted), morning());
    journey.handle(Event::HelpAnswered(HelpReached::Told), later(1));
    assert_eq!(journey.screen().desk_call, None);
}

#[test]
fn the_desk_is_told_once_per_ending_and_never_for_a_check_in() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    let effects = journey.handle(tap(NO), morning());
    assert_eq!(desk_told(&effects), vec![StaffNeed::NotMe]);
    // Time passing on the ending, or the patient touching it, tells no one again.
    for second in 1..=5 {
        assert!(desk_told(&journey.handle(Event::Tick, later(second))).is_empty());
    }
    assert!(desk_told(&journey.handle(tap(Tap::SwitchLanguage), later(6))).is_empty());
    // "Call staff" on top still says the patient asked.
    assert_eq!(
        desk_told(&journey.handle(tap(Tap::CallStaff), later(7))),
        vec![StaffNeed::PatientAsked]
    );

    let mut journey = self::journey();
    journey.handle(roster(vec![entry(1001, false)], 0), morning());
    journey.handle(scan_of(1001), morning());
    let (op, _) = persisted(&journey.handle(tap(YES), morning()));
    let effects = journey.handle(completed(op, OpResult::Persisted), morning());
    assert!(matches!(
        page(&effects),
        Some(PageView::Ending(Ending::CheckedIn { .. }))
    ));
    assert!(desk_told(&effects).is_empty());
}

#[test]
fn call_staff_works_from_every_screen_and_back_returns() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    let before = journey.screen();
    let effects = journey.handle(tap(Tap::CallStaff), morning());
    assert!(effects.contains(&Effect::RequestHelp(StaffNeed::PatientAsked)));
    assert_eq!(
        shown(&effects).unwrap().overlay,
        Some(OverlayView::Help(HelpState::Calling))
    );
    // A second tap does not page the desk twice; the covered page's buttons are dead.
    assert!(journey.handle(tap(Tap::CallStaff), morning()).is_empty());
    assert!(journey.handle(tap(YES), morning()).is_empty());
    let effects = journey.handle(tap(Tap::HelpBack), morning());
    assert_eq!(shown(&effects), Some(before));

    let mut journey = self::journey();
    let effects = journey.handle(tap(Tap::CallStaff), morning());
    assert!(effects.contains(&Effect::RequestHelp(StaffNeed::PatientAsked)));
}

/// "Someone is coming" only once the desk has the call; when the office cannot be told,
/// the patient is sent to the desk, and may call again.
#[test]
fn the_help_overlay_says_what_became_of_the_call() {
    let help = |state| Some(OverlayView::Help(state));
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    journey.handle(tap(Tap::CallStaff), morning());
    assert_eq!(journey.screen().overlay, help(HelpState::Calling));
    let effects = journey.handle(Event::HelpAnswered(HelpReached::Told), later(1));
    assert_eq!(shown(&effects).unwrap().overlay, help(HelpState::Coming));
    assert!(journey.handle(tap(Tap::CallStaff), later(2)).is_empty());
    journey.handle(tap(Tap::HelpBack), later(3));
    // An answer about a request no overlay is waiting for (an ending's) shows nothing.
    assert!(
        journey
            .handle(Event::HelpAnswered(HelpReached::NotYet), later(4))
            .is_empty()
    );

    let mut journey = self::journey();
    journey.handle(tap(Tap::CallStaff), morning());
    let effects = journey.handle(Event::HelpAnswered(HelpReached::NotYet), later(1));
    assert_eq!(shown(&effects).unwrap().overlay, help(HelpState::GoToDesk));
    // Told after all (a retry got through): someone is coming.
    let effects = journey.handle(Event::HelpAnswered(HelpReached::Told), later(2));
    assert_eq!(shown(&effects).unwrap().overlay, help(HelpState::Coming));

    let mut journey = self::journey();
    journey.handle(tap(Tap::CallStaff), morning());
    journey.handle(Event::HelpAnswered(HelpReached::NotYet), later(1));
    // Sent to the desk, the patient may try again.
    let effects = journey.handle(tap(Tap::CallStaff), later(2));
    assert!(effects.contains(&Effect::RequestHelp(StaffNeed::PatientAsked)));
    assert_eq!(shown(&effects).unwrap().overlay, help(HelpState::Calling));
}

#[test]
fn the_language_button_switches_every_screen_and_a_wipe_switches_back() {
    let mut journey = journey();
    let effects = journey.handle(tap(Tap::SwitchLanguage), morning());
    assert_eq!(shown(&effects).unwrap().language, Language::Spanish);
    journey.handle(scan_of(1001), later(1));
    assert_eq!(journey.screen().language, Language::Spanish);
    journey.handle(tap(NO), later(2));
    assert_eq!(journey.screen().language, Language::Spanish);
    // The next patient starts in the default language.
    let effects = journey.handle(tap(Tap::StartOver), later(3));
    assert_eq!(shown(&effects).unwrap().language, Language::English);

    // A welcome screen left in Spanish goes back to English when nobody uses it.
    journey.handle(tap(Tap::SwitchLanguage), later(10));
    assert!(journey.handle(Event::Tick, later(69)).is_empty());
    let effects = journey.handle(Event::Tick, later(70));
    assert_eq!(shown(&effects).unwrap(), welcome());
}

#[test]
fn display_toggles_work_on_every_screen_and_reset_with_the_patient() {
    let large = DisplayPrefs {
        large_text: true,
        high_contrast: false,
    };
    let both = DisplayPrefs {
        large_text: true,
        high_contrast: true,
    };
    let mut journey = journey();
    let effects = journey.handle(tap(Tap::LargeText), morning());
    assert_eq!(shown(&effects).unwrap().display, large);
    journey.handle(scan_of(1001), later(1));
    let screen = journey.screen();
    assert!(matches!(screen.page, PageView::Confirm(_)));
    assert_eq!(screen.display, large, "kept from one step to the next");

    // Under the "someone is coming" overlay too; the overlay stays up.
    journey.handle(tap(Tap::CallStaff), later(2));
    let effects = journey.handle(tap(Tap::HighContrast), later(3));
    let screen = shown(&effects).unwrap();
    assert_eq!(screen.display, both);
    assert_eq!(screen.overlay, Some(OverlayView::Help(HelpState::Calling)));
    journey.handle(tap(Tap::HelpBack), later(4));

    // A second tap turns a mode off again.
    let effects = journey.handle(tap(Tap::LargeText), later(5));
    assert_eq!(
        shown(&effects).unwrap().display,
        DisplayPrefs {
            large_text: false,
            high_contrast: true
        }
    );
    journey.handle(tap(Tap::LargeText), later(6));

    // On an ending screen; "Start over" gives the next patient the normal display.
    journey.handle(tap(NO), later(7));
    journey.handle(tap(Tap::HighContrast), later(8));
    journey.handle(tap(Tap::HighContrast), later(9));
    assert_eq!(journey.screen().display, both);
    let effects = journey.handle(tap(Tap::StartOver), later(10));
    assert_eq!(shown(&effects).unwrap(), welcome());

    // "Are you still there?" is answered by a toggle, like by any touch.
    journey.handle(scan_of(1001), later(20));
    journey.handle(Event::Tick, later(60));
    assert!(journey.screen().overlay.is_some());
    let effects = journey.handle(tap(Tap::HighContrast), later(61));
    let screen = shown(&effects).unwrap();
    assert_eq!(screen.overlay, None);
    assert!(screen.display.high_contrast);
    // Nobody answers the next time: the idle wipe resets the display with the rest.
    journey.handle(Event::Tick, later(101));
    let effects = journey.handle(Event::Tick, later(121));
    assert_eq!(shown(&effects).unwrap(), welcome());

    // A welcome screen left in large text goes back to normal when nobody uses it.
    journey.handle(tap(Tap::LargeText), later(200));
    assert!(journey.handle(Event::Tick, later(259)).is_empty());
    let effects = journey.handle(Event::Tick, later(260));
    assert_eq!(shown(&effects).unwrap(), welcome());
}

#[test]
fn a_new_scan_replaces_the_previous_patient() {
    let mut journey = journey();
    journey.handle(
        roster(vec![entry(1001, false), entry(1002, false)], 0),
        morning(),
    );
    journey.handle(scan_of(1001), morning());
    journey.handle(scan_of(1002), morning());
    let (_, pending) = persisted(&journey.handle(tap(YES), morning()));
    assert_eq!(pending.appointment, AppointmentId::new(1002));
}

#[test]
fn are_you_still_there_counts_down_then_the_session_is_wiped() {
    let mut journey = journey();
    journey.handle(tap(Tap::SwitchLanguage), morning());
    journey.handle(scan_of(1001), morning());
    assert!(journey.handle(Event::Tick, later(39)).is_empty());
    let effects = journey.handle(Event::Tick, later(40));
    assert_eq!(
        shown(&effects).unwrap().overlay,
        Some(OverlayView::StillThere { seconds_left: 20 })
    );
    let effects = journey.handle(Event::Tick, later(45));
    assert_eq!(
        shown(&effects).unwrap().overlay,
        Some(OverlayView::StillThere { seconds_left: 15 })
    );
    // "I am still here": back to the page as it was, with a fresh clock.
    let effects = journey.handle(tap(Tap::StillHere), later(50));
    let screen = shown(&effects).unwrap();
    assert_eq!(screen.overlay, None);
    assert!(matches!(screen.page, PageView::Confirm(_)));
    assert_eq!(screen.language, Language::Spanish);
    assert!(journey.handle(Event::Tick, later(89)).is_empty());
    journey.handle(Event::Tick, later(90));
    // Nobody answers this time: wiped, language and all.
    let effects = journey.handle(Event::Tick, later(110));
    assert_eq!(shown(&effects).unwrap(), welcome());
    // Nothing of that patient is left: "Yes" has nothing to confirm, "Back" nowhere to go.
    assert!(journey.handle(tap(YES), later(111)).is_empty());
    assert!(journey.handle(tap(Tap::HelpBack), later(112)).is_empty());
    assert!(journey.handle(Event::Tick, later(500)).is_empty());
}

#[test]
fn any_touch_answers_are_you_still_there() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    journey.handle(Event::Tick, later(41));
    assert!(journey.screen().overlay.is_some());
    let effects = journey.handle(tap(Tap::CallStaff), later(42));
    assert_eq!(
        shown(&effects).unwrap().overlay,
        Some(OverlayView::Help(HelpState::Calling))
    );
}

#[test]
fn done_returns_to_welcome_soon_and_never_times_out_while_saving() {
    let mut journey = journey();
    journey.handle(scan_of(1001), morning());
    let (op, _) = persisted(&journey.handle(tap(YES), morning()));
    assert!(journey.handle(Event::Tick, later(600)).is_empty());
    assert_eq!(journey.screen().page, PageView::CheckingIn);
    journey.handle(completed(op, OpResult::Persisted), later(600));
    assert!(journey.handle(Event::Tick, later(607)).is_empty());
    assert_eq!(
        page(&journey.handle(Event::Tick, later(608))),
        Some(PageView::Identify)
    );
}

#[test]
fn problem_screens_are_wiped_after_the_idle_timeout_without_asking() {
    let mut journey = journey();
    journey.handle(scan("not a code".into()), morning());
    assert!(journey.handle(Event::Tick, later(59)).is_empty());
    assert_eq!(
        page(&journey.handle(Event::Tick, later(60))),
        Some(PageView::Identify)
    );
}

/// A kiosk the office does not accept (not paired, or disabled): "not set up" replaces
/// welcome and a scan starts nothing; a patient already mid-way finishes; set up again,
/// welcome is back.
#[test]
fn not_set_up_replaces_welcome_but_lets_a_patient_mid_way_finish() {
    use frontdesk::checkin::{NotSetUp, Setup};
    let mut journey = journey();
    journey.handle(roster(vec![entry(42, false)], 0), morning());
    let pairing = Setup::NotSetUp(NotSetUp::Pairing {
        code: Some("K7QM-W3XP".into()),
    });
    let effects = journey.handle(Event::SetupChanged(pairing.clone()), morning());
    assert_eq!(
        page(&effects),
        Some(PageView::NotSetUp(NotSetUp::Pairing {
            code: Some("K7QM-W3XP".into())
        }))
    );
    assert!(journey.handle(scan_of(42), later(1)).is_empty());
    assert!(journey.handle(tap(YES), later(2)).is_empty());
    // The language still switches; the page stays.
    let effects = journey.handle(tap(Tap::SwitchLanguage), later(3));
    assert!(matches!(page(&effects), Some(PageView::NotSetUp(_))));
    journey.handle(tap(Tap::SwitchLanguage), later(3));
    // "Call staff" has no office to tell: the patient is sent to the desk at once.
    let effects = journey.handle(tap(Tap::CallStaff), later(3));
    assert!(!effects.iter().any(|e| matches!(e, Effect::RequestHelp(_))));
    assert_eq!(
        shown(&effects).unwrap().overlay,
        Some(OverlayView::Help(HelpState::GoToDesk))
    );
    journey.handle(tap(Tap::HelpBack), later(3));

    let effects = journey.handle(Event::SetupChanged(Setup::Ready), later(4));
    assert_eq!(page(&effects), Some(PageView::Identify));
    let effects = journey.handle(scan_of(42), later(5));
    assert!(matches!(page(&effects), Some(PageView::Confirm(_))));
    // Disabled while she is on "Is this you?": she goes on.
    let effects = journey.handle(
        Event::SetupChanged(Setup::NotSetUp(NotSetUp::Disabled)),
        later(6),
    );
    assert!(shown(&effects).is_none());
    let effects = journey.handle(tap(YES), later(7));
    let (_, check_in) = persisted(&effects);
    assert_eq!(check_in.appointment, AppointmentId::new(42));
}

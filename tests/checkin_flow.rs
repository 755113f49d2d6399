//! Every transition of the check-in state machine, and the idle wipe.

use ed25519_dalek::SigningKey;
use frontdesk::checkin::{
    ConfirmDetails, Effect, Event, Flow, FlowSettings, FrontDeskReason, OfficeTrust,
    PendingCheckIn, Problem, Roster, RosterEntry, Screen, Tap,
};
use frontdesk::domain::{AppointmentId, ClinicId, PersonName};
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

fn settings() -> FlowSettings {
    FlowSettings {
        idle_timeout: SignedDuration::from_secs(60),
        done_timeout: SignedDuration::from_secs(8),
    }
}

fn trust() -> OfficeTrust {
    OfficeTrust {
        clinic: ClinicId::new(CLINIC).unwrap(),
        clinic_name: "Testville Clinic".into(),
        timezone: TimeZone::UTC,
        key: key().verifying_key(),
    }
}

fn flow() -> Flow {
    Flow::new(settings(), Some(trust()), [], morning())
}

fn code_for(appointment: u64) -> String {
    CheckInToken {
        clinic: ClinicId::new(CLINIC).unwrap(),
        appointment: AppointmentId::new(appointment),
        valid_on: date(2026, 11, 23),
        starts_at: Time::constant(10, 30, 0, 0),
        expires_at: at("2026-11-24T00:00:00Z"),
    }
    .sign(&key())
    .expect("signs")
}

fn entry(appointment: u64, checked_in: bool) -> RosterEntry {
    RosterEntry {
        appointment: AppointmentId::new(appointment),
        display_name: PersonName::new("Ada", "Testpatient")
            .unwrap()
            .display_name(),
        starts_at: Time::constant(10, 45, 0, 0),
        provider: "Dr. Example".into(),
        checked_in,
    }
}

fn shown(effects: &[Effect]) -> Option<Screen> {
    effects.iter().rev().find_map(|e| match e {
        Effect::Show(screen) => Some(screen.clone()),
        _ => None,
    })
}

fn persisted(effects: &[Effect]) -> PendingCheckIn {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a Persist effect")
}

#[test]
fn starts_on_welcome() {
    assert_eq!(flow().screen(), Screen::Welcome);
}

#[test]
fn a_valid_code_asks_is_this_you_with_roster_details() {
    let mut flow = flow();
    flow.handle(
        Event::RosterUpdated(Roster::new(vec![entry(1001, false)], 2)),
        morning(),
    );
    let effects = flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let Some(Screen::Confirm(details)) = shown(&effects) else {
        panic!("expected confirm, got {effects:?}");
    };
    assert_eq!(details.display_name.unwrap().as_str(), "Ada T.");
    assert_eq!(details.starts_at, Time::constant(10, 45, 0, 0));
    assert_eq!(details.provider.as_deref(), Some("Dr. Example"));
}

#[test]
fn without_a_roster_the_code_alone_is_enough() {
    let mut flow = flow();
    let effects = flow.handle(Event::CodeScanned(code_for(1001)), morning());
    assert_eq!(
        shown(&effects),
        Some(Screen::Confirm(ConfirmDetails {
            display_name: None,
            starts_at: Time::constant(10, 30, 0, 0),
            provider: None,
        }))
    );
}

#[test]
fn yes_persists_before_showing_done() {
    let mut flow = flow();
    flow.handle(
        Event::RosterUpdated(Roster::new(vec![entry(1001, false)], 2)),
        morning(),
    );
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let effects = flow.handle(Event::Tapped(Tap::ConfirmYes), morning());
    assert_eq!(shown(&effects), Some(Screen::Saving));
    let pending = persisted(&effects);
    assert_eq!(pending.appointment, AppointmentId::new(1001));
    assert_eq!(pending.arrived_at, morning());

    // Not done until the outbox says so; a second tap or scan does nothing meanwhile.
    assert!(
        flow.handle(Event::Tapped(Tap::ConfirmYes), morning())
            .is_empty()
    );
    assert!(
        flow.handle(Event::CodeScanned(code_for(1001)), morning())
            .is_empty()
    );
    assert!(
        flow.handle(Event::Tapped(Tap::StartOver), morning())
            .is_empty()
    );

    let effects = flow.handle(Event::Persisted(pending.id), morning());
    assert_eq!(
        shown(&effects),
        Some(Screen::Done {
            queue_position: Some(3)
        })
    );
}

#[test]
fn a_failed_save_says_so() {
    let mut flow = flow();
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let pending = persisted(&flow.handle(Event::Tapped(Tap::ConfirmYes), morning()));
    let effects = flow.handle(Event::PersistFailed(pending.id), morning());
    assert_eq!(shown(&effects), Some(Screen::Problem(Problem::SaveFailed)));
}

#[test]
fn results_for_another_check_in_are_ignored() {
    let mut flow = flow();
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    flow.handle(Event::Tapped(Tap::ConfirmYes), morning());
    let stranger = frontdesk::domain::CheckInId::random();
    assert!(
        flow.handle(Event::Persisted(stranger), morning())
            .is_empty()
    );
    assert!(
        flow.handle(Event::PersistFailed(stranger), morning())
            .is_empty()
    );
    assert_eq!(flow.screen(), Screen::Saving);
}

#[test]
fn the_same_code_cannot_be_used_twice() {
    let mut flow = flow();
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let pending = persisted(&flow.handle(Event::Tapped(Tap::ConfirmYes), morning()));
    flow.handle(Event::Persisted(pending.id), morning());
    let effects = flow.handle(Event::CodeScanned(code_for(1001)), morning());
    assert_eq!(shown(&effects), Some(Screen::Problem(Problem::AlreadyUsed)));
}

#[test]
fn used_appointments_survive_a_restart_and_come_from_the_office_too() {
    let mut flow = Flow::new(
        settings(),
        Some(trust()),
        [AppointmentId::new(1001)],
        morning(),
    );
    let effects = flow.handle(Event::CodeScanned(code_for(1001)), morning());
    assert_eq!(shown(&effects), Some(Screen::Problem(Problem::AlreadyUsed)));

    flow.handle(
        Event::RosterUpdated(Roster::new(vec![entry(1002, true)], 1)),
        morning(),
    );
    let effects = flow.handle(Event::CodeScanned(code_for(1002)), morning());
    assert_eq!(shown(&effects), Some(Screen::Problem(Problem::AlreadyUsed)));
}

#[test]
fn a_code_missing_from_todays_list_goes_to_the_desk() {
    let mut flow = flow();
    flow.handle(
        Event::RosterUpdated(Roster::new(vec![entry(1002, false)], 0)),
        morning(),
    );
    let effects = flow.handle(Event::CodeScanned(code_for(1001)), morning());
    assert_eq!(shown(&effects), Some(Screen::Problem(Problem::NotOnToday)));
}

#[test]
fn bad_codes_get_a_problem_screen_each() {
    let other_key = SigningKey::from_bytes(&[1; 32]);
    let base = CheckInToken {
        clinic: ClinicId::new(CLINIC).unwrap(),
        appointment: AppointmentId::new(1001),
        valid_on: date(2026, 11, 23),
        starts_at: Time::constant(10, 30, 0, 0),
        expires_at: at("2026-11-24T00:00:00Z"),
    };
    let forged = base.sign(&other_key).expect("signs");
    let other_clinic = CheckInToken {
        clinic: ClinicId::new(8).unwrap(),
        ..base
    }
    .sign(&key())
    .expect("signs");
    let expired = CheckInToken {
        expires_at: at("2026-11-23T09:00:00Z"),
        ..base
    }
    .sign(&key())
    .expect("signs");
    let tomorrow = CheckInToken {
        valid_on: date(2026, 11, 24),
        expires_at: at("2026-11-25T00:00:00Z"),
        ..base
    }
    .sign(&key())
    .expect("signs");
    let cases = [
        ("0123456789012".to_string(), Problem::UnknownCode),
        ("FD1:NOTBASE32!".to_string(), Problem::UnknownCode),
        (forged, Problem::Forged),
        (other_clinic, Problem::OtherClinic),
        (expired, Problem::Expired),
        (tomorrow, Problem::WrongDay(date(2026, 11, 24))),
    ];
    for (text, problem) in cases {
        let mut flow = flow();
        let effects = flow.handle(Event::CodeScanned(text), morning());
        assert_eq!(shown(&effects), Some(Screen::Problem(problem)));
        // Every problem screen has a way back.
        let effects = flow.handle(Event::Tapped(Tap::StartOver), morning());
        assert_eq!(shown(&effects), Some(Screen::Welcome));
    }
}

#[test]
fn without_the_office_key_codes_cannot_be_checked_until_it_arrives() {
    let mut flow = Flow::new(settings(), None, [], morning());
    let effects = flow.handle(Event::CodeScanned(code_for(1001)), morning());
    assert_eq!(shown(&effects), Some(Screen::Problem(Problem::NotReady)));
    flow.handle(Event::OfficeTrusted(trust()), morning());
    let effects = flow.handle(Event::CodeScanned(code_for(1001)), morning());
    assert!(matches!(shown(&effects), Some(Screen::Confirm(_))));
}

#[test]
fn no_code_and_not_me_send_the_patient_to_the_desk() {
    let mut flow = flow();
    let effects = flow.handle(Event::Tapped(Tap::NoCode), morning());
    assert_eq!(
        shown(&effects),
        Some(Screen::SeeFrontDesk(FrontDeskReason::NoCode))
    );

    let mut flow = self::flow();
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let effects = flow.handle(Event::Tapped(Tap::ConfirmNo), morning());
    assert_eq!(
        shown(&effects),
        Some(Screen::SeeFrontDesk(FrontDeskReason::NotMe))
    );
}

#[test]
fn call_staff_works_from_every_screen_and_back_returns() {
    let mut flow = flow();
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let before = flow.screen();
    let effects = flow.handle(Event::Tapped(Tap::CallStaff), morning());
    assert!(effects.contains(&Effect::RequestHelp));
    assert_eq!(shown(&effects), Some(Screen::HelpComing));
    // A second tap does not page the desk twice.
    assert!(
        flow.handle(Event::Tapped(Tap::CallStaff), morning())
            .is_empty()
    );
    let effects = flow.handle(Event::Tapped(Tap::Back), morning());
    assert_eq!(shown(&effects), Some(before));

    let mut flow = self::flow();
    let effects = flow.handle(Event::Tapped(Tap::CallStaff), morning());
    assert!(effects.contains(&Effect::RequestHelp));
}

#[test]
fn a_new_scan_replaces_the_previous_patient() {
    let mut flow = flow();
    flow.handle(
        Event::RosterUpdated(Roster::new(vec![entry(1001, false), entry(1002, false)], 0)),
        morning(),
    );
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    flow.handle(Event::CodeScanned(code_for(1002)), morning());
    let pending = persisted(&flow.handle(Event::Tapped(Tap::ConfirmYes), morning()));
    assert_eq!(pending.appointment, AppointmentId::new(1002));
}

#[test]
fn idle_timeout_wipes_back_to_welcome() {
    let mut flow = flow();
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let later = |secs| morning() + SignedDuration::from_secs(secs);
    assert!(flow.handle(Event::Tick, later(59)).is_empty());
    // Input restarts the clock.
    flow.handle(Event::Tapped(Tap::CallStaff), later(30));
    assert!(flow.handle(Event::Tick, later(89)).is_empty());
    let effects = flow.handle(Event::Tick, later(90));
    assert_eq!(shown(&effects), Some(Screen::Welcome));
    // Nothing of that patient is left: "Back" has nowhere to go.
    assert!(flow.handle(Event::Tapped(Tap::Back), later(91)).is_empty());
    assert!(flow.handle(Event::Tick, later(500)).is_empty());
}

#[test]
fn done_returns_to_welcome_soon_and_never_times_out_while_saving() {
    let mut flow = flow();
    flow.handle(Event::CodeScanned(code_for(1001)), morning());
    let pending = persisted(&flow.handle(Event::Tapped(Tap::ConfirmYes), morning()));
    let later = |secs| morning() + SignedDuration::from_secs(secs);
    assert!(flow.handle(Event::Tick, later(600)).is_empty());
    assert_eq!(flow.screen(), Screen::Saving);
    flow.handle(Event::Persisted(pending.id), later(600));
    assert!(flow.handle(Event::Tick, later(607)).is_empty());
    assert_eq!(
        shown(&flow.handle(Event::Tick, later(608))),
        Some(Screen::Welcome)
    );
}

//! For journey tests: a patient scans the signed code of a roster appointment, taps "Yes,
//! this is me", and the check-in's outbox write succeeds.

#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use frontdesk::checkin::{
    Completion, ConfirmTap, Effect, Event, Journey, OpId, OpResult, PendingRow, Roster,
    RosterEntry, Tap,
};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AmountDue, AppointmentId, ClinicId, PersonName};
use frontdesk::token::CheckInToken;
use jiff::Timestamp;
use jiff::civil::{Time, date};

/// Runs `journey` (on 2026-11-23, the code valid until midnight UTC) up to the check-in of
/// `appointment` at 10:45 being saved; returns the id of that save.
pub fn scan_confirm_and_save(
    journey: &mut Journey,
    key: &SigningKey,
    clinic: ClinicId,
    appointment: AppointmentId,
    now: Timestamp,
) -> OpId {
    let (op, effects) = saved(journey, key, clinic, appointment, now);
    // A payment step asks what is due now; the office does not answer: the roster's
    // amount stands (tests of the refresh answer it themselves).
    for effect in effects {
        if let Effect::FetchDue { op, .. } = effect {
            journey.handle(
                Event::Completed(Completion {
                    op,
                    result: OpResult::DueUnavailable,
                }),
                now,
            );
        }
    }
    op
}

/// Scans the code, taps "Yes, this is me" and completes the check-in's save: its op and
/// what the journey does next.
fn saved(
    journey: &mut Journey,
    key: &SigningKey,
    clinic: ClinicId,
    appointment: AppointmentId,
    now: Timestamp,
) -> (OpId, Vec<Effect>) {
    let code = CheckInToken {
        clinic,
        appointment,
        valid_on: date(2026, 11, 23),
        starts_at: Time::constant(10, 45, 0, 0),
        expires_at: "2026-11-24T00:00:00Z".parse().unwrap(),
    }
    .sign(key)
    .unwrap();
    journey.handle(Event::Scanned(Scan::classify(code)), now);
    let effects = journey.handle(Event::Tapped(Tap::Confirm(ConfirmTap::Yes)), now);
    let op = effects
        .iter()
        .find_map(|e| match e {
            Effect::Persist {
                op,
                row: PendingRow::CheckIn(_),
            } => Some(*op),
            _ => None,
        })
        .expect("the check-in is saved first");
    let effects = journey.handle(
        Event::Completed(Completion {
            op,
            result: OpResult::Persisted,
        }),
        now,
    );
    (op, effects)
}

/// Ada Testpatient's appointment at 10:45 with Dr. Example, nothing due, in the roster.
pub fn roster_with_ada(appointment: AppointmentId) -> Event {
    let entry = RosterEntry {
        appointment,
        display_name: PersonName::new("Ada", "Testpatient")
            .unwrap()
            .display_name(),
        starts_at: Time::constant(10, 45, 0, 0),
        provider: "Dr. Example".into(),
        checked_in: false,
        due: AmountDue::default(),
        code: None,
        identity: None,
    };
    Event::RosterUpdated(Roster::new(vec![entry], 0))
}

/// Puts Ada's appointment in the roster, then scans, confirms and saves her check-in (as
/// [`scan_confirm_and_save`] does, without answering what follows); returns the effects
/// of the saved check-in: what the journey does next.
pub fn check_in_ada(
    journey: &mut Journey,
    key: &SigningKey,
    clinic: ClinicId,
    appointment: AppointmentId,
    now: Timestamp,
) -> Vec<Effect> {
    journey.handle(roster_with_ada(appointment), now);
    saved(journey, key, clinic, appointment, now).1
}

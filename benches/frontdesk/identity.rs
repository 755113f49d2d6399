//! Figure 9 (name + date-of-birth match): `Roster::find_by_identity` on a 2,000-appointment
//! day, timed one lookup at a time, against hashing the typed input alone (the part every
//! lookup must do) measured in the same run; the difference is the scan of the day.

use crate::Scale;
use crate::report::{Report, median, percentile};
use frontdesk::checkin::{Roster, RosterEntry};
use frontdesk::domain::{AppointmentId, DateOfBirth, IdentityKey, PersonName};
use jiff::civil::{Date, Time};
use std::hint::black_box;
use std::time::Instant;

const TODAY: Date = Date::constant(2026, 11, 25);
/// The day: 2,000 appointments, whatever the scale.
const DAY_SIZE: usize = 2_000;

/// Synthetic, distinct patients: "Benchpatient<i>", born 1950-01-01 plus i days.
fn patient(i: usize) -> (String, DateOfBirth) {
    let born = Date::constant(1950, 1, 1)
        .checked_add(jiff::Span::new().days(i as i64))
        .expect("within range");
    (
        format!("Benchpatient{i}"),
        DateOfBirth::new(born, TODAY).expect("after 1900"),
    )
}

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    println!(
        "9. Name + date-of-birth match: {} lookups on a {DAY_SIZE}-appointment day vs hashing the input alone",
        scale.identity_lookups
    );
    let key = IdentityKey::for_day(&[9; 32], TODAY);
    let entries = (0..DAY_SIZE)
        .map(|i| {
            let (last, dob) = patient(i);
            let minute = 8 * 60 + (i % 600) as i32;
            Ok(RosterEntry {
                appointment: AppointmentId::new(i as u64 + 1),
                display_name: PersonName::new("Bench", &last)?.display_name(),
                starts_at: Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0)?,
                provider: "Dr. Bench Able".into(),
                checked_in: false,
                due: frontdesk::domain::AmountDue::default(),
                code: None,
                identity: Some(key.hash(&last, dob)?),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let roster = Roster::new(entries, 0).with_identity_key(Some(key.clone()));
    let (last, dob) = patient(DAY_SIZE / 2);
    let typed = last.to_uppercase();
    let found = roster.find_by_identity(&typed, dob);
    report.check(
        "a typed name + date of birth finds exactly its appointment",
        found.len() == 1 && found[0].appointment == AppointmentId::new(DAY_SIZE as u64 / 2 + 1),
    );

    // Interleaved, so both see the same machine state.
    let warmup = scale.identity_lookups / 10;
    let mut find_us = Vec::with_capacity(scale.identity_lookups);
    let mut hash_us = Vec::with_capacity(scale.identity_lookups);
    for i in 0..warmup + scale.identity_lookups {
        let started = Instant::now();
        let _ = black_box(roster.find_by_identity(black_box(&typed), dob));
        let find = started.elapsed();
        let started = Instant::now();
        let _ = black_box(key.hash(black_box(&typed), dob));
        let hash = started.elapsed();
        if i >= warmup {
            find_us.push(find.as_secs_f64() * 1e6);
            hash_us.push(hash.as_secs_f64() * 1e6);
        }
    }
    report.figure(
        "9",
        format!(
            "name + DOB match, {DAY_SIZE} appointments, median of {}",
            scale.identity_lookups
        ),
        (median(&find_us), median(&hash_us)),
        "µs",
        "hashing the typed name + DOB alone",
    );
    report.figure(
        "9",
        format!(
            "name + DOB match, {DAY_SIZE} appointments, p99 of {}",
            scale.identity_lookups
        ),
        (percentile(&find_us, 99.0), percentile(&hash_us, 99.0)),
        "µs",
        "hashing the typed name + DOB alone",
    );
    Ok(())
}

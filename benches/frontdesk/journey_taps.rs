//! Figure 10 (taps and screens): what a returning patient without a code does at the
//! kiosk, counted by driving the real journey (no UI) through every patient of the demo
//! set: "Type my name instead", the last name key by key, Next, the four digits of the
//! year, the month, the day, "Yes, this is me", "Yes, this is right" (their address on
//! file); and, beside it, the same patient with the code from their reminder, and with
//! their driver's licence.

use crate::report::Report;
use frontdesk::checkin::{
    Completion, ConfirmTap, DetailsTap, DetailsView, Effect, Ending, Event, IdentifyTap, Journey,
    JourneyPlan, JourneySettings, NameKey, OfficeTrust, OpResult, PageView, Roster, RosterEntry,
    Tap,
};
use frontdesk::devices::Scan;
use frontdesk::domain::{AppointmentId, ClinicId, ContactField, ContactOnFile, IdentityKey};
use frontdesk::office::appointments::demo_set;
use frontdesk::scan::aamva_sample::{Subfile, encode};
use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::VecDeque;
use std::mem::discriminant;

/// Which screen a page is: the kind of page, and for the date of birth which part (year,
/// month and day are three screens to the patient).
fn screen_of(page: &PageView) -> String {
    match page {
        PageView::BirthDate(part) => format!("{part:?}"),
        other => format!("{:?}", discriminant(other)),
    }
}

/// What one way of identifying cost the patient.
#[derive(Default, Clone, Copy)]
struct Cost {
    taps: usize,
    scans: usize,
    /// Screens shown, from welcome to "take a seat" inclusive.
    screens: usize,
}

pub fn run(report: &mut Report) -> anyhow::Result<()> {
    println!("10. Taps and screens a returning patient needs, by how they identify");
    let now: Timestamp = "2026-11-25T15:00:00Z".parse()?;
    let today = now.to_zoned(TimeZone::UTC).date();
    let demo = demo_set(today);
    let key = IdentityKey::for_day(&[2; 32], today);
    let entries = demo
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(RosterEntry {
                appointment: AppointmentId::new(i as u64 + 1),
                display_name: a.patient.display_name(),
                starts_at: Time::constant(16, 0, 0, 0),
                provider: a.provider.clone(),
                checked_in: false,
                due: frontdesk::domain::AmountDue::default(),
                code: None,
                identity: match a.date_of_birth {
                    Some(dob) => Some(key.hash(a.patient.last(), dob)?),
                    None => None,
                },
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let roster = Roster::new(entries, 0).with_identity_key(Some(key));
    let signing = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
    let trust = OfficeTrust {
        clinic: ClinicId::new(1)?,
        clinic_name: "Demo Family Practice".into(),
        timezone: TimeZone::UTC,
        key: signing.verifying_key(),
    };

    let (mut typed, mut licensed, mut coded) = (Vec::new(), Vec::new(), Vec::new());
    for (i, appointment) in demo.iter().enumerate() {
        let dob = appointment
            .date_of_birth
            .expect("demo patients have one")
            .date();
        let mut journey = fresh(&trust, &roster, now);
        let mut events = vec![Event::Tapped(Tap::Identify(IdentifyTap::TypeName))];
        events.extend(
            appointment
                .patient
                .last()
                .to_uppercase()
                .chars()
                .map(|c| Event::Tapped(Tap::Identify(IdentifyTap::Key(NameKey::Char(c))))),
        );
        events.push(Event::Tapped(Tap::Identify(IdentifyTap::NameDone)));
        events.extend(
            dob.year()
                .to_string()
                .bytes()
                .map(|d| Event::Tapped(Tap::Identify(IdentifyTap::Digit(d - b'0')))),
        );
        events.push(Event::Tapped(Tap::Identify(IdentifyTap::Month(
            dob.month(),
        ))));
        events.push(Event::Tapped(Tap::Identify(IdentifyTap::Day(dob.day()))));
        typed.push(drive(&mut journey, events, now)?);

        let licence = encode(
            "636000",
            10,
            0,
            &[Subfile {
                kind: "DL",
                elements: &[
                    ("DCS", &appointment.patient.last().to_uppercase()),
                    ("DAC", &appointment.patient.first().to_uppercase()),
                    ("DBB", &dob.strftime("%m%d%Y").to_string()),
                    ("DAQ", "T00000000"),
                ],
            }],
        );
        let mut journey = fresh(&trust, &roster, now);
        licensed.push(drive(
            &mut journey,
            vec![Event::Scanned(Scan::classify(licence))],
            now,
        )?);

        let code = frontdesk::token::CheckInToken {
            clinic: trust.clinic,
            appointment: AppointmentId::new(i as u64 + 1),
            valid_on: today,
            starts_at: Time::constant(16, 0, 0, 0),
            expires_at: now + SignedDuration::from_hours(8),
        }
        .sign(&signing)?;
        let mut journey = fresh(&trust, &roster, now);
        coded.push(drive(
            &mut journey,
            vec![Event::Scanned(Scan::classify(code))],
            now,
        )?);
    }
    let mean = |costs: &[Cost], of: fn(&Cost) -> usize| {
        costs.iter().map(of).sum::<usize>() as f64 / costs.len() as f64
    };
    let max_taps = typed.iter().map(|c| c.taps).max().unwrap_or(0);
    report.figure(
        "10",
        format!(
            "taps, returning patient typing name + DOB, mean of {} demo patients (max {max_taps})",
            typed.len()
        ),
        (mean(&typed, |c| c.taps), mean(&coded, |c| c.taps)),
        "taps",
        "the same patients scanning their reminder code (plus one scan)",
    );
    report.figure(
        "10",
        "screens, returning patient typing name + DOB, welcome to done".to_owned(),
        (mean(&typed, |c| c.screens), mean(&coded, |c| c.screens)),
        "screens",
        "the same patients scanning their reminder code",
    );
    report.note(format!(
        "identify by licence: scans {:.0}, taps {:.0}, screens {:.0}, as with a code",
        mean(&licensed, |c| c.scans),
        mean(&licensed, |c| c.taps),
        mean(&licensed, |c| c.screens),
    ));
    report.check(
        "every demo patient is identified by typed name, licence and code alike",
        [&typed, &licensed, &coded]
            .iter()
            .all(|costs| costs.len() == demo.len()),
    );
    Ok(())
}

fn fresh(trust: &OfficeTrust, roster: &Roster, now: Timestamp) -> Journey {
    let mut journey = Journey::new(
        JourneySettings::new(SignedDuration::from_secs(60), SignedDuration::from_secs(8)),
        // Taps to identify and check in, as before consent existed.
        // Figure 10 counts identifying and checking in, as before consent and questions.
        JourneyPlan::standard()
            .without(frontdesk::checkin::StepKind::Consent)
            .without(frontdesk::checkin::StepKind::Questions)
            .without(frontdesk::checkin::StepKind::Insurance),
        Some(trust.clone()),
        [],
        now,
    );
    journey.handle(Event::RosterUpdated(roster.clone()), now);
    journey
}

/// Plays `events`, then "Yes, this is me"; answers the look-up of the details on file
/// with an address and taps "Yes, this is right", and answers each save; counts what it
/// took to reach "take a seat".
fn drive(journey: &mut Journey, events: Vec<Event>, now: Timestamp) -> anyhow::Result<Cost> {
    let mut cost = Cost {
        screens: 1,
        ..Cost::default()
    };
    let mut last = screen_of(&journey.screen().page);
    let mut queue: VecDeque<Event> = events.into();
    queue.push_back(Event::Tapped(Tap::Confirm(ConfirmTap::Yes)));
    while let Some(event) = queue.pop_front() {
        match event {
            Event::Tapped(_) => cost.taps += 1,
            Event::Scanned(_) => cost.scans += 1,
            _ => {}
        }
        for effect in journey.handle(event, now) {
            let answer = match effect {
                Effect::Show(screen) => {
                    if matches!(
                        screen.page,
                        PageView::ContactDetails(DetailsView::OnFile(_))
                    ) {
                        queue.push_back(Event::Tapped(Tap::Details(DetailsTap::Correct)));
                    }
                    let shown = screen_of(&screen.page);
                    if shown != last {
                        cost.screens += 1;
                        last = shown;
                    }
                    None
                }
                Effect::FetchContact { op, .. } => Some((op, OpResult::Contact(Some(on_file())))),
                Effect::Persist { op, .. } => Some((op, OpResult::Persisted)),
                // No card terminal in this count: payment effects never come; nor does the
                // consent look-up (the consent step is left out), nor a card photo (no camera),
                // nor the insurance or due look-ups (insurance left out, no terminal).
                Effect::RequestHelp(_)
                | Effect::FetchConsents { .. }
                | Effect::FetchCoverage { .. }
                | Effect::FetchDue { .. }
                | Effect::TakeCardPhoto { .. }
                | Effect::TakePayment { .. }
                | Effect::CancelPayment { .. }
                | Effect::SettlePayment { .. } => None,
            };
            if let Some((op, result)) = answer {
                queue.push_back(Event::Completed(Completion { op, result }));
            }
        }
    }
    if !matches!(
        journey.screen().page,
        PageView::Ending(Ending::CheckedIn { .. })
    ) {
        anyhow::bail!("the journey did not check the patient in; on {last:?}");
    }
    Ok(cost)
}

/// An address and phone on file, as a returning patient confirms them.
fn on_file() -> ContactOnFile {
    let mut contact = ContactOnFile::default();
    for (field, value) in [
        (ContactField::AddressLine1, "100 Example St"),
        (ContactField::City, "Exampleville"),
        (ContactField::State, "TX"),
        (ContactField::Zip, "75001"),
        (ContactField::Phone, "2175550100"),
    ] {
        contact.set(field, value).expect("a valid sample contact");
    }
    contact
}

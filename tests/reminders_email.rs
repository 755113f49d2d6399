//! Appointment reminders by email over real sockets (issue 16): the hub sends to a mail
//! server on loopback (PyPI `aiosmtpd`, `tests/reminders/smtp_peer.py`), which parses
//! each message with Python's own `email` package; the QR image in it is decoded with
//! an independent decoder (`zbarimg`, Debian `zbar-tools`) and scanned at a test kiosk.
//!
//! The clinic's zone is chosen so that it is between 02:00 and 18:59 there now, the
//! visits are at 22:00 and later, and the morning reminder goes from midnight on: the
//! morning reminders are due at once and the visits still ahead, whatever the time of
//! day the test runs (nothing here asserts the clock).

mod reminders_support;
mod support;

use frontdesk::checkin::{ConfirmTap, DetailsTap, DetailsView, PageView, Tap};
use frontdesk::domain::{ContactField, ContactOnFile, Language};
use frontdesk::office::config::{OfficeConfig, SmtpSecurity};
use frontdesk::office::events::QueueEvent;
use frontdesk::office::reminders::routes::{AppointmentRemindersView, RemindersView};
use frontdesk::office::reminders::{ReminderChannel, ReminderKind, ReminderPrefs, ReminderState};
use frontdesk::office::store::{Actor, NewAppointment};
use jiff::Timestamp;
use jiff::civil::Time;
use reminders_support::{MailPeer, booked, daytime_zone, import, reminders, zbar};
use std::path::Path;
use support::{HeadlessKiosk, KIOSK_TOKEN, TestOffice, is_confirm, is_done, wait_until};

fn configure(config: &mut OfficeConfig, zone: &str, port: u16) {
    config.timezone = zone.to_owned();
    let reminders = &mut config.reminders;
    reminders.smtp_host = Some("127.0.0.1".into());
    reminders.smtp_port = port;
    reminders.smtp_security = SmtpSecurity::None;
    reminders.from = "Demo Family Practice <reminders@example.invalid>".into();
    reminders.days_before = 1;
    reminders.morning_at = Time::constant(0, 0, 0, 0);
    reminders.per_minute = 6000;
    reminders.max_backoff_ms = 100;
    reminders.timeout_ms = 5000;
}

fn start(dir: &Path, zone: &str, port: u16, change: impl FnOnce(&mut OfficeConfig)) -> TestOffice {
    support::start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        configure(config, zone, port);
        change(config);
    })
}

/// An appointment today at `time` for an obviously fake patient with an email on file.
fn visit(
    office: &TestOffice,
    id: &str,
    (first, last): (&str, &str),
    time: Time,
    email: &str,
    language: Language,
) -> NewAppointment {
    let mut contact = ContactOnFile::default();
    for (field, value) in [
        (ContactField::AddressLine1, "100 Example St"),
        (ContactField::City, "Exampleville"),
        (ContactField::State, "TX"),
        (ContactField::Zip, "75001"),
        (ContactField::Phone, "(217) 555-0100"),
        (ContactField::Email, email),
    ] {
        contact.set(field, value).unwrap();
    }
    booked(
        office,
        id,
        &format!("P-{id}"),
        (first, last),
        time,
        contact,
        ReminderPrefs::new(language, ReminderChannel::Email),
    )
}

/// Imports `list` and opts the patient of `opted_out` out, in one store call.
fn import_opting_out(office: &TestOffice, opted_out: &str, list: &[NewAppointment]) {
    let mut store = office.state.store.get().unwrap();
    store.import_appointments(list).unwrap();
    let today = office.state.today(Timestamp::now());
    let id = store
        .appointments_on(today)
        .unwrap()
        .into_iter()
        .find(|a| a.external_id == opted_out)
        .unwrap()
        .id;
    assert!(
        store
            .set_reminder_opt_out(id, true, Actor::Staff("1".into()), Timestamp::now())
            .unwrap()
    );
}

/// Tells the hub the day's appointments changed (as an import does), so it queues now.
fn appointments_changed(office: &TestOffice) {
    office.state.events.publish(QueueEvent::AppointmentsChanged);
}

fn row_of(view: &RemindersView, patient: &str) -> AppointmentRemindersView {
    view.appointments
        .iter()
        .find(|a| a.patient.as_str() == patient)
        .unwrap_or_else(|| panic!("{patient} on the reminders list"))
        .clone()
}

fn morning_state(office: &TestOffice, patient: &str) -> Option<ReminderState> {
    row_of(&reminders(office), patient)
        .reminders
        .iter()
        .find(|r| r.kind == ReminderKind::Morning)
        .map(|r| r.state)
}

#[test]
fn the_emailed_qr_checks_the_patient_in_in_either_language_and_an_opted_out_patient_gets_none() {
    let dir = tempfile::tempdir().unwrap();
    let peer = MailPeer::start(&dir.path().join("mail"));
    let zone = daytime_zone();
    let office = start(&dir.path().join("office"), &zone, peer.port, |_| {});
    // Quinn opted out at an earlier visit (same patient number), in the same store call as
    // the import, so the worker never sees her without it.
    import_opting_out(
        &office,
        "R-3",
        &[
            visit(
                &office,
                "R-1",
                ("Olga", "Testmail"),
                Time::constant(22, 0, 0, 0),
                "olga.testmail@example.invalid",
                Language::English,
            ),
            visit(
                &office,
                "R-2",
                ("Pablo", "Ejemplo"),
                Time::constant(22, 15, 0, 0),
                "pablo.ejemplo@example.invalid",
                Language::Spanish,
            ),
            visit(
                &office,
                "R-3",
                ("Quinn", "Optout"),
                Time::constant(22, 30, 0, 0),
                "quinn.optout@example.invalid",
                Language::English,
            ),
            visit(
                &office,
                "R-4",
                ("Rita", "Bouncer"),
                Time::constant(22, 45, 0, 0),
                "rita@bounce.example.invalid",
                Language::English,
            ),
        ],
    );
    appointments_changed(&office);

    for (patient, state) in [
        ("Testmail, Olga", ReminderState::Sent),
        ("Ejemplo, Pablo", ReminderState::Sent),
        ("Optout, Quinn", ReminderState::OptedOut),
        ("Bouncer, Rita", ReminderState::Bounced),
    ] {
        wait_until(&format!("{patient}'s reminder {state:?}"), || {
            (morning_state(&office, patient) == Some(state)).then_some(())
        });
    }
    let view = reminders(&office);
    assert!(view.enabled);
    let rita = row_of(&view, "Bouncer, Rita");
    assert_eq!(
        rita.reminders[0].last_error.as_deref(),
        Some("mail server answered 550")
    );
    // Booked for tonight: the "day before" reminder's time is over, so only the
    // morning one was queued.
    assert_eq!(row_of(&view, "Testmail, Olga").reminders.len(), 1);

    let mail = peer.received();
    assert_eq!(mail.len(), 2, "{mail:#?}");
    let olga = mail
        .iter()
        .find(|m| m.rcpt_tos == ["olga.testmail@example.invalid"])
        .unwrap();
    assert_eq!(olga.to, "olga.testmail@example.invalid");
    assert!(
        olga.subject.starts_with("Today at 10:00 PM"),
        "{}",
        olga.subject
    );
    assert!(
        olga.message_id.starts_with("<reminder-"),
        "{}",
        olga.message_id
    );
    for part in [&olga.plain, &olga.html] {
        assert!(part.contains("Hello Olga,"), "{part}");
        assert!(part.contains("$25.00"), "{part}");
        assert!(part.contains("(217) 555-0100"), "{part}");
        // The minimum necessary: no last name, no provider.
        assert!(!part.contains("Testmail"), "{part}");
        assert!(!part.contains("Secretspecialty"), "{part}");
    }
    assert!(
        olga.content_types
            .starts_with(&["multipart/alternative".to_owned(), "text/plain".to_owned()]),
        "{:?}",
        olga.content_types
    );
    assert!(olga.content_types.contains(&"image/png".to_owned()));
    let pablo = mail
        .iter()
        .find(|m| m.rcpt_tos == ["pablo.ejemplo@example.invalid"])
        .unwrap();
    assert!(
        pablo.subject.starts_with("Hoy a las 22:15"),
        "{}",
        pablo.subject
    );
    assert!(pablo.plain.contains("Hola, Pablo:"), "{}", pablo.plain);
    assert!(pablo.html.contains("<html lang=\"es\">"));
    // Staff opt Olga out on the staff page (her reminder went already): the toggle is a
    // change like any other, refused without the session's CSRF token, and audited.
    let olga_id = row_of(&view, "Testmail, Olga").appointment;
    let url = format!(
        "{}/api/staff/v1/appointments/{}/reminders/opt-out",
        office.base,
        olga_id.get()
    );
    let forged = reqwest::blocking::Client::new()
        .post(&url)
        .json(&serde_json::json!({ "opted_out": true }))
        .send()
        .unwrap();
    assert!(forged.status().is_client_error(), "{}", forged.status());
    let opted = support::staff()
        .post(&url)
        .json(&serde_json::json!({ "opted_out": true }))
        .send()
        .unwrap();
    assert_eq!(opted.status(), 204);
    assert!(row_of(&reminders(&office), "Testmail, Olga").opted_out);
    let missing = support::staff()
        .post(format!(
            "{}/api/staff/v1/appointments/1/reminders/opt-out",
            office.base
        ))
        .json(&serde_json::json!({ "opted_out": true }))
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);
    let audited = support::staff_get(format!(
        "{}/api/staff/v1/audit?action=reminder.send",
        office.base
    ))
    .unwrap()
    .text()
    .unwrap();
    assert!(audited.contains("reminder-"), "{audited}");
    let opt_outs = support::staff_get(format!(
        "{}/api/staff/v1/audit?action=reminder.opt_out",
        office.base
    ))
    .unwrap()
    .text()
    .unwrap();
    assert!(
        opt_outs.contains(&support::staff_actor(&office.base)),
        "{opt_outs}"
    );

    // The code in Olga's email, read by an independent decoder, checks her in.
    let token = zbar(olga.png.as_deref().unwrap());
    let mut kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    wait_until("the kiosk to learn the office", || {
        kiosk.sync.status().office_reachable.then_some(())
    });
    kiosk.scanner.scan(&token).unwrap();
    let PageView::Confirm(details) = kiosk.wait_for_page("the confirm screen", is_confirm) else {
        unreachable!()
    };
    assert_eq!(details.display_name.unwrap().as_str(), "Olga T.");
    kiosk.tap(Tap::Confirm(ConfirmTap::Yes));
    kiosk.wait_for_page("the details on file", |page| {
        matches!(page, PageView::ContactDetails(DetailsView::OnFile(_)))
    });
    kiosk.tap(Tap::Details(DetailsTap::Correct));
    kiosk.wait_for_page("the done screen", is_done);
    let row = wait_until("the check-in in the staff queue", || {
        office.queue().checked_in.into_iter().next()
    });
    assert_eq!(row.patient.as_deref(), Some("Testmail, Olga"));
}

#[test]
fn a_restart_in_the_middle_of_a_batch_sends_each_reminder_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let peer = MailPeer::start(&dir.path().join("mail"));
    let zone = daytime_zone();
    let office_dir = dir.path().join("office");
    // Two a second: the batch of eight takes a few seconds, time to stop in between.
    let slow = |config: &mut OfficeConfig| config.reminders.per_minute = 120;
    let office = start(&office_dir, &zone, peer.port, slow);
    let names = [
        ("Una", "Testbatch"),
        ("Vera", "Testbatch"),
        ("Wanda", "Testbatch"),
        ("Xavi", "Testbatch"),
        ("Yara", "Testbatch"),
        ("Zeno", "Testbatch"),
        ("Abel", "Testbatch"),
        ("Bea", "Testbatch"),
    ];
    let list: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            visit(
                &office,
                &format!("B-{i}"),
                *name,
                Time::new(22, i8::try_from(5 * i).unwrap(), 0, 0).unwrap(),
                &format!("patient{i}@example.invalid"),
                Language::English,
            )
        })
        .collect();
    import(&office, &list);
    appointments_changed(&office);
    wait_until("two reminders out", || {
        (peer.received().len() >= 2).then_some(())
    });
    office.stop();
    let sent_before = peer.received().len();
    assert!(
        sent_before < names.len(),
        "stopped in the middle of the batch"
    );

    let office = start(&office_dir, &zone, peer.port, slow);
    let view = wait_until("every reminder settled", || {
        let view = reminders(&office);
        let all_sent = names.iter().all(|(first, last)| {
            row_of(&view, &format!("{last}, {first}")).reminders[0].state == ReminderState::Sent
        });
        all_sent.then_some(view)
    });
    let mail = peer.received();
    let mut recipients: Vec<_> = mail.iter().map(|m| m.rcpt_tos[0].clone()).collect();
    recipients.sort();
    let mut expected: Vec<_> = (0..names.len())
        .map(|i| format!("patient{i}@example.invalid"))
        .collect();
    expected.sort();
    assert_eq!(recipients, expected, "each patient exactly once");
    let mut ids: Vec<_> = mail.iter().map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), names.len());
    assert!(
        view.appointments
            .iter()
            .flat_map(|a| &a.reminders)
            .all(|r| r.attempts <= 1)
    );
}

#[test]
fn an_unreachable_mail_server_is_tried_again_then_shown_failed() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let zone = daytime_zone();
    let office = start(&dir.path().join("office"), &zone, port, |config| {
        config.reminders.max_attempts = 3;
    });
    import(
        &office,
        &[visit(
            &office,
            "F-1",
            ("Olga", "Testmail"),
            Time::constant(22, 0, 0, 0),
            "olga.testmail@example.invalid",
            Language::English,
        )],
    );
    appointments_changed(&office);
    let failed = wait_until("the reminder to fail", || {
        let row = row_of(&reminders(&office), "Testmail, Olga");
        (row.reminders.first()?.state == ReminderState::Failed).then_some(row)
    });
    assert_eq!(failed.reminders[0].attempts, 3);
    assert_eq!(
        failed.reminders[0].last_error.as_deref(),
        Some("mail server unreachable")
    );
}

/// A visit booked by the EHR over HL7 (SIU^S12 to the hub's MLLP listener) carries the
/// patient's email in PID-13 and language in PID-15: the reminder goes there, in Spanish,
/// with no CSV import involved.
#[test]
fn a_visit_booked_over_hl7_is_reminded_at_the_email_and_in_the_language_pid_gives() {
    use frontdesk::hl7::mllp::{FrameReader, frame};
    use std::io::{Read, Write};

    let dir = tempfile::tempdir().unwrap();
    let peer = MailPeer::start(&dir.path().join("mail"));
    let zone = daytime_zone();
    let office = start(&dir.path().join("office"), &zone, peer.port, |config| {
        config.hl7.listen = Some("127.0.0.1:0".parse().unwrap());
    });
    let day = office.state.today(Timestamp::now()).strftime("%Y%m%d");
    let siu = format!(
        "MSH|^~\\&|EHR|DEMO|FRONTDESK|DEMO|{day}0800||SIU^S12^SIU_S12|REM-HL7-1|P|2.5.1\r\
         SCH|PL-H-1|H-1|||||ROUTINE\r\
         PID|1||MRN-7002^^^DEMO^MR||Testhl7^Paz||19610203|F|||100 Example St^^Exampleville^TX^75001||\
         ^PRN^PH^^1^217^5550100~^NET^Internet^paz.testhl7@example.invalid||spa^Spanish^ISO639\r\
         RGS|1\r\
         AIS|1||OFFICE^Office visit|{day}2230|||15|min\r\
         AIP|1||7^Able^Demo^^^Dr.|ATTENDING\r"
    );
    let listener = office
        .state
        .hl7
        .listening()
        .expect("the HL7 listener is bound");
    let mut stream = std::net::TcpStream::connect(listener).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    stream.write_all(&frame(siu.as_bytes())).unwrap();
    let mut reader = FrameReader::new(64 * 1024);
    let mut buffer = [0u8; 4096];
    let ack = loop {
        let read = stream.read(&mut buffer).unwrap();
        assert!(read > 0, "the listener closed without answering");
        if let Some(answer) = reader.push(&buffer[..read]).into_iter().next() {
            break String::from_utf8(answer.unwrap()).unwrap();
        }
    };
    assert!(ack.contains("MSA|AA|REM-HL7-1"), "{ack}");

    wait_until("Paz's reminder sent", || {
        (morning_state(&office, "Testhl7, Paz") == Some(ReminderState::Sent)).then_some(())
    });
    let mail = peer.received();
    let paz = mail
        .iter()
        .find(|m| m.rcpt_tos == ["paz.testhl7@example.invalid"])
        .unwrap_or_else(|| panic!("{mail:#?}"));
    assert!(
        paz.subject.starts_with("Hoy a las 22:30"),
        "{}",
        paz.subject
    );
    assert!(paz.plain.contains("Hola, Paz:"), "{}", paz.plain);
}

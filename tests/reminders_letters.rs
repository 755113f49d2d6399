//! Reminder letters (issue 16): a front-desk user downloads the day's letters over real
//! HTTP as one PDF, a page per patient who gets reminders by post; the PDF is read back
//! with independent tools (`pdfinfo`, `pdftotext`, `pdftoppm` from Debian's
//! poppler-utils), the QR on a page rendered to PNG is decoded with `zbarimg` (zbar-tools)
//! and scanned at a test kiosk to a check-in. Each download is audited per letter; no
//! staff session, no letters.
//!
//! The clinic's zone is chosen so that it is between 02:00 and 18:59 there now and the
//! visits are at 22:00 and later, so they are still ahead whatever the time the test runs.

mod reminders_support;
mod support;

use frontdesk::checkin::{ConfirmTap, DetailsTap, DetailsView, PageView, Tap};
use frontdesk::domain::{Cents, ContactField, ContactOnFile, Language, PersonName};
use frontdesk::office::appointments::PatientNumber;
use frontdesk::office::reminders::routes::RemindersView;
use frontdesk::office::reminders::{ReminderChannel, ReminderPrefs};
use frontdesk::office::signin::Role;
use frontdesk::office::store::{Actor, NewAppointment};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use reminders_support::daytime_zone;
use std::process::Command;
use support::{HeadlessKiosk, KIOSK_TOKEN, TestOffice, is_confirm, is_done, wait_until};

/// A visit on `day` at 22:`minute` for an obviously fake patient with `contact` on file.
fn visit(
    day: Date,
    id: &str,
    (first, last): (&str, &str),
    minute: i8,
    contact: &[(ContactField, &str)],
    language: Language,
    channel: ReminderChannel,
) -> NewAppointment {
    let mut on_file = ContactOnFile::default();
    for (field, value) in contact {
        on_file.set(*field, value).unwrap();
    }
    NewAppointment {
        external_id: id.into(),
        day,
        starts_at: Time::constant(22, minute, 0, 0),
        patient: PersonName::new(first, last).unwrap(),
        provider: "Dr. Demo Secretspecialty".into(),
        copay: Cents::new(2500),
        balance: Cents::ZERO,
        date_of_birth: None,
        contact: Some(on_file),
        patient_id: PatientNumber::new(&format!("P-{id}")),
        reminders: ReminderPrefs::new(language, channel),
    }
}

const ADDRESS: [(ContactField, &str); 5] = [
    (ContactField::AddressLine1, "12 Sample Rd"),
    (ContactField::AddressLine2, "Apt 3"),
    (ContactField::City, "Exampleville"),
    (ContactField::State, "TX"),
    (ContactField::Zip, "75001"),
];

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} runs (apt-get install poppler-utils zbar-tools): {e}")
        });
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn id_of(office: &TestOffice, day: Date, external: &str) -> frontdesk::domain::AppointmentId {
    office
        .state
        .store
        .get()
        .unwrap()
        .appointments_on(day)
        .unwrap()
        .into_iter()
        .find(|a| a.external_id == external)
        .unwrap()
        .id
}

#[test]
fn front_desk_prints_the_days_letters_and_the_qr_on_one_checks_the_patient_in() {
    let dir = tempfile::tempdir().unwrap();
    let zone = daytime_zone();
    let office_dir = dir.path().join("office");
    let office = support::start_office_with(&office_dir, "127.0.0.1:0".parse().unwrap(), |c| {
        c.timezone = zone.clone();
    });
    let today = office.state.today(Timestamp::now());
    let phone_and_email = [
        (ContactField::Phone, "(217) 555-0142"),
        (ContactField::Email, "carla.testmail@example.invalid"),
    ];
    {
        let mut store = office.state.store.get().unwrap();
        store
            .import_appointments(&[
                // Asked for letters.
                visit(
                    today,
                    "L-1",
                    ("Ada", "Testletter"),
                    0,
                    &ADDRESS,
                    Language::English,
                    ReminderChannel::Letter,
                ),
                // Wants email but has neither an address nor a phone: a letter, in Spanish.
                visit(
                    today,
                    "L-2",
                    ("Bruno", "Ejemplo"),
                    15,
                    &ADDRESS,
                    Language::Spanish,
                    ReminderChannel::Email,
                ),
                // Gets email: no letter.
                visit(
                    today,
                    "L-3",
                    ("Carla", "Testmail"),
                    30,
                    &[ADDRESS.as_slice(), phone_and_email.as_slice()].concat(),
                    Language::English,
                    ReminderChannel::Email,
                ),
                // Opted out: no letter.
                visit(
                    today,
                    "L-4",
                    ("Dora", "Optout"),
                    45,
                    &ADDRESS,
                    Language::English,
                    ReminderChannel::Letter,
                ),
                // No address to mail to: no letter, and the staff page says so.
                visit(
                    today,
                    "L-5",
                    ("Eve", "Noaddress"),
                    50,
                    &[],
                    Language::English,
                    ReminderChannel::Letter,
                ),
            ])
            .unwrap();
    }
    let dora = id_of(&office, today, "L-4");
    office
        .state
        .store
        .get()
        .unwrap()
        .set_reminder_opt_out(dora, true, Actor::Staff("1".into()), Timestamp::now())
        .unwrap();

    // The staff view says who gets a letter (no mail server or gateway is configured:
    // the letters alone show the section).
    let view: RemindersView = support::staff_get(format!("{}/api/staff/v1/reminders", office.base))
        .unwrap()
        .json()
        .unwrap();
    assert!(view.enabled);
    let row = |name: &str| {
        view.appointments
            .iter()
            .find(|a| a.patient.as_str() == name)
            .unwrap_or_else(|| panic!("{name} listed"))
            .clone()
    };
    assert!(row("Testletter, Ada").by_letter && row("Testletter, Ada").has_address);
    assert!(row("Ejemplo, Bruno").by_letter);
    assert!(!row("Testmail, Carla").by_letter);
    assert!(row("Noaddress, Eve").by_letter && !row("Noaddress, Eve").has_address);

    // A front-desk user downloads them.
    let desk = support::sign_in(&office.state, &office.base, "desk", Role::FrontDesk);
    let url = format!("{}/staff/reminders/letters.pdf?day={today}", office.base);
    let response = desk.get(&url).unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "no-store"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let pdf = response.bytes().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let file = out.join("letters.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let file = file.to_str().unwrap();

    let info = run("pdfinfo", &[file]);
    assert!(info.contains("Pages:           2"), "{info}");
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
    let fonts = run("pdffonts", &[file]);
    assert!(fonts.contains("DejaVuSans "), "{fonts}");
    assert!(fonts.contains("DejaVuSans-Bold"), "{fonts}");
    assert!(
        fonts.lines().skip(2).all(|l| l.contains(" yes ")),
        "every font embedded: {fonts}"
    );
    let text = run("pdftotext", &["-layout", file, "-"]);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), 2, "{text}");
    let ada_code = office
        .state
        .identity_secret
        .short_code(id_of(&office, today, "L-1"))
        .grouped();
    let bruno_code = office
        .state
        .identity_secret
        .short_code(id_of(&office, today, "L-2"))
        .grouped();
    for words in [
        "Ada Testletter",
        "12 Sample Rd",
        "Apt 3",
        "Exampleville, TX 75001",
        "Hello Ada,",
        "at 10:00 PM",
        "Where:",
        "Code from my text",
        &ada_code,
        "your co-pay of $25.00",
        "a photo ID",
        "To cancel or change your visit, please call (217) 555-0100.",
    ] {
        assert!(
            pages[0].contains(words),
            "{words:?} on page 1:\n{}",
            pages[0]
        );
    }
    for words in [
        "Bruno Ejemplo",
        "Hola, Bruno:",
        "a las 22:15",
        "Dirección:",
        "Código del mensaje",
        &bruno_code,
        "su copago de $25.00",
        "llame al (217) 555-0100",
    ] {
        assert!(
            pages[1].contains(words),
            "{words:?} on page 2:\n{}",
            pages[1]
        );
    }
    for absent in ["Carla", "Dora", "Eve", "Secretspecialty", "Dr. Demo"] {
        assert!(!text.contains(absent), "{absent:?} in the letters:\n{text}");
    }

    // Page 1 as an image (what a printer gets); the QR on it read by zbar.
    let prefix = out.join("page");
    run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            file,
            prefix.to_str().unwrap(),
        ],
    );
    let png = out.join("page-1.png");
    if let Ok(keep) = std::env::var("FRONTDESK_LETTER_PNG") {
        std::fs::copy(&png, keep).unwrap();
    }
    let token = run("zbarimg", &["--raw", "-q", png.to_str().unwrap()])
        .trim()
        .to_owned();
    assert!(token.starts_with("FD"), "a check-in code: {token}");

    // Each letter's download is in the audit log, by the front-desk user.
    let audited = support::staff_get(format!(
        "{}/api/staff/v1/audit?action=reminder.letter.print",
        office.base
    ))
    .unwrap()
    .text()
    .unwrap();
    assert_eq!(
        audited.matches(&format!("staff:{}", desk.user)).count(),
        2,
        "{audited}"
    );

    // Without a staff session: no letters (the kiosk's credential is not one).
    let anonymous = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for request in [
        anonymous.get(&url),
        anonymous.get(&url).bearer_auth(KIOSK_TOKEN),
    ] {
        let response = request.send().unwrap();
        assert!(
            response.status() == 401 || response.status().is_redirection(),
            "{}",
            response.status()
        );
        assert_ne!(
            response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned()),
            Some("application/pdf".to_owned())
        );
    }
    // A day without letters, and a day that is not one.
    let tomorrow = today.tomorrow().unwrap();
    let none = desk
        .get(format!(
            "{}/staff/reminders/letters.pdf?day={tomorrow}",
            office.base
        ))
        .unwrap();
    assert_eq!(none.status(), 404);
    assert!(none.text().unwrap().contains("no_letters"));
    let bad = desk
        .get(format!(
            "{}/staff/reminders/letters.pdf?day=soon",
            office.base
        ))
        .unwrap();
    assert_eq!(bad.status(), 400);

    // The code from Ada's letter checks her in.
    let mut kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    wait_until("the kiosk to learn the office", || {
        kiosk.sync.status().office_reachable.then_some(())
    });
    kiosk.scanner.scan(&token).unwrap();
    let PageView::Confirm(details) = kiosk.wait_for_page("the confirm screen", is_confirm) else {
        unreachable!()
    };
    assert_eq!(details.display_name.unwrap().as_str(), "Ada T.");
    kiosk.tap(Tap::Confirm(ConfirmTap::Yes));
    kiosk.wait_for_page("the details on file", |page| {
        matches!(page, PageView::ContactDetails(DetailsView::OnFile(_)))
    });
    kiosk.tap(Tap::Details(DetailsTap::Correct));
    kiosk.wait_for_page("the done screen", is_done);
    let row = wait_until("the check-in in the staff queue", || {
        office.queue().checked_in.into_iter().next()
    });
    assert_eq!(row.patient.as_deref(), Some("Testletter, Ada"));
}

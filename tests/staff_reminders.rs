//! The staff page in real headless Chromium shows the reminders (issue 16): with the
//! mail server and the text gateway down, a reminder (email or text) is tried again and
//! then shown failed with why, beside its channel; an opted-out
//! patient's shows opted out; staff tick "Opted out" for a patient and the hub keeps it;
//! a patient who gets letters shows "Letter" and the letters download counts theirs.
//! Needs `chromium` and `chromium-driver`.

mod browser_support;
mod support;

use browser_support::{open_browser, open_view, screenshot, start_chromedriver, text_of};
use fantoccini::Locator;
use frontdesk::domain::{Cents, ContactField, ContactOnFile, PersonName};
use frontdesk::office::config::SmtpSecurity;
use frontdesk::office::store::{Actor, NewAppointment};
use jiff::Timestamp;
use jiff::civil::Time;
use std::time::Duration;

/// Waits until the reminders row of `patient` says `words`; returns its text.
async fn row_saying(browser: &fantoccini::Client, patient: &str, words: &str) -> String {
    let xpath = format!("//tbody[@id='reminders']/tr[td[2][text()='{patient}']]");
    for _ in 0..600 {
        if let Ok(element) = browser.find(Locator::XPath(&xpath)).await
            && let Ok(text) = element.text().await
            && text.contains(words)
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "the reminders row of {patient} never said {words:?}: {:?}",
        text_of(browser, "#reminders").await
    );
}

fn visit(id: &str, first: &str, last: &str, day: jiff::civil::Date, hour: i8) -> NewAppointment {
    let mut contact = ContactOnFile::default();
    contact
        .set(
            ContactField::Email,
            &format!("{}@example.invalid", first.to_lowercase()),
        )
        .unwrap();
    NewAppointment {
        external_id: id.into(),
        day,
        starts_at: Time::constant(hour, 0, 0, 0),
        patient: PersonName::new(first, last).unwrap(),
        provider: "Dr. Demo Able".into(),
        copay: Cents::ZERO,
        balance: Cents::ZERO,
        date_of_birth: None,
        contact: Some(contact),
        patient_id: None,
        reminders: Default::default(),
    }
}

/// `appointment`, for a patient who wants text reminders.
fn texting(mut appointment: NewAppointment) -> NewAppointment {
    if let Some(contact) = &mut appointment.contact {
        contact.set(ContactField::Phone, "(217) 555-0177").unwrap();
    }
    appointment.reminders = frontdesk::office::reminders::ReminderPrefs::new(
        frontdesk::domain::Language::Spanish,
        frontdesk::office::reminders::ReminderChannel::Sms,
    );
    appointment
}

/// `appointment`, for a patient who wants letters (an address, no email).
fn by_letter(mut appointment: NewAppointment) -> NewAppointment {
    let mut contact = ContactOnFile::default();
    for (field, value) in [
        (ContactField::AddressLine1, "12 Sample Rd"),
        (ContactField::City, "Exampleville"),
        (ContactField::State, "TX"),
        (ContactField::Zip, "75001"),
    ] {
        contact.set(field, value).unwrap();
    }
    appointment.contact = Some(contact);
    appointment.reminders = frontdesk::office::reminders::ReminderPrefs::new(
        frontdesk::domain::Language::English,
        frontdesk::office::reminders::ReminderChannel::Letter,
    );
    appointment
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_server_that_is_down_shows_failed_and_staff_can_opt_a_patient_out() {
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let office_dir = dir.path().join("office");
    let office = tokio::task::spawn_blocking(move || {
        support::start_office_with(&office_dir, "127.0.0.1:0".parse().unwrap(), |config| {
            let reminders = &mut config.reminders;
            reminders.smtp_host = Some("127.0.0.1".into());
            reminders.smtp_port = port;
            reminders.smtp_security = SmtpSecurity::None;
            reminders.days_before = 1;
            reminders.days_before_at = Time::constant(0, 0, 0, 0);
            reminders.max_attempts = 2;
            reminders.max_backoff_ms = 100;
            reminders.per_minute = 6000;
            let sms = &mut reminders.sms;
            sms.base_url = Some(format!("http://127.0.0.1:{port}"));
            sms.account = "ACtest0001".into();
            sms.token = Some("test-token-not-secret".into());
        })
    })
    .await
    .unwrap();
    // Tomorrow's visits: their "day before" reminders are due from midnight today, so at
    // once whatever the time now.
    let state = office.state.clone();
    tokio::task::spawn_blocking(move || {
        let tomorrow = state.today(Timestamp::now()).tomorrow().unwrap();
        let mut store = state.store.get().unwrap();
        store
            .import_appointments(&[
                visit("S-1", "Olga", "Testmail", tomorrow, 9),
                visit("S-2", "Quinn", "Optout", tomorrow, 10),
                visit("S-3", "Pablo", "Ejemplo", tomorrow, 11),
                texting(visit("S-4", "Tina", "Testtext", tomorrow, 12)),
                by_letter(visit("S-5", "Lena", "Testletter", tomorrow, 13)),
            ])
            .unwrap();
        let quinn = store
            .appointments_on(tomorrow)
            .unwrap()
            .into_iter()
            .find(|a| a.external_id == "S-2")
            .unwrap()
            .id;
        store
            .set_reminder_opt_out(quinn, true, Actor::Staff("1".into()), Timestamp::now())
            .unwrap();
        drop(store);
        state
            .events
            .publish(frontdesk::office::events::QueueEvent::AppointmentsChanged);
    })
    .await
    .unwrap();

    let tomorrow_text = office
        .state
        .today(Timestamp::now())
        .tomorrow()
        .unwrap()
        .to_string();
    let (_driver, driver_url) = start_chromedriver();
    let (browser, _profile) = open_browser(&driver_url).await;
    open_view(&browser, &office.base, "/interfaces").await;
    let olga = row_saying(&browser, "Testmail, Olga", "Days before: Failed").await;
    assert!(olga.contains("mail server unreachable"), "{olga}");
    assert!(olga.contains("Email (English)"), "{olga}");
    let tina = row_saying(&browser, "Testtext, Tina", "Days before: Failed").await;
    assert!(tina.contains("Text (Spanish)"), "{tina}");
    assert!(tina.contains("text gateway unreachable"), "{tina}");
    browser
        .execute(
            "document.querySelector('#reminders tr:last-child').scrollIntoView()",
            Vec::new(),
        )
        .await
        .unwrap();
    screenshot(&browser, "staff-reminders-text.png").await;
    // Lena's reminders go by letter: her row says so, and the letters form counts hers
    // for tomorrow (the visits whose first reminder goes today).
    let lena = row_saying(&browser, "Testletter, Lena", "Letter (English)").await;
    assert!(lena.contains("by letter"), "{lena}");
    let day = browser
        .find(Locator::Css("#letters-day"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(day.as_deref(), Some(tomorrow_text.as_str()));
    assert_eq!(text_of(&browser, "#letters-count").await, "1 letter");
    let button = text_of(&browser, "#letters-download").await;
    assert_eq!(button, "Download letters (PDF)");
    browser
        .execute(
            "document.getElementById('reminders-section').scrollIntoView()",
            Vec::new(),
        )
        .await
        .unwrap();
    screenshot(&browser, "staff-reminders-letters.png").await;
    let quinn = row_saying(&browser, "Optout, Quinn", "Days before: Opted out").await;
    assert!(!quinn.contains("Failed"), "{quinn}");

    // Staff tick "Opted out" for Pablo.
    let checkbox = browser
        .find(Locator::Css(
            "input[aria-label='Opt Ejemplo, Pablo out of reminders']",
        ))
        .await
        .unwrap();
    checkbox.click().await.unwrap();
    let base = office.base.clone();
    let saved = tokio::task::spawn_blocking(move || {
        support::wait_until("the opt-out stored", || {
            let view: frontdesk::office::reminders::routes::RemindersView =
                support::staff_get(format!("{base}/api/staff/v1/reminders"))
                    .unwrap()
                    .json()
                    .unwrap();
            view.appointments
                .into_iter()
                .find(|a| a.patient.as_str() == "Ejemplo, Pablo" && a.opted_out)
        })
    })
    .await
    .unwrap();
    assert!(saved.opted_out);
    screenshot(&browser, "staff-reminders.png").await;
    browser.close().await.unwrap();
}

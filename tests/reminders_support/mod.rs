//! Shared by the reminder tests: the mail server on loopback (PyPI `aiosmtpd`,
//! `tests/reminders/smtp_peer.py`, which parses each message with Python's own `email`
//! package), a clinic zone where it is day now, the staff page's reminders list and the
//! QR decoder (`zbarimg`, Debian `zbar-tools`).
#![allow(dead_code)]

use crate::support::{self, TestOffice};
use frontdesk::domain::{Cents, ContactOnFile, PersonName};
use frontdesk::office::appointments::PatientNumber;
use frontdesk::office::events::QueueEvent;
use frontdesk::office::reminders::ReminderPrefs;
use frontdesk::office::reminders::routes::RemindersView;
use frontdesk::office::store::NewAppointment;
use jiff::Timestamp;
use jiff::civil::Time;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A mail server on loopback, stopped when dropped.
pub struct MailPeer {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl MailPeer {
    pub fn start(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reminders/smtp_peer.py");
        let (child, addr) = support::spawn_listening(
            Command::new("python3")
                .arg(script)
                .arg(dir)
                .stderr(Stdio::inherit()),
            "pip install aiosmtpd",
        );
        let port = addr.port();
        Self {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    /// Every message taken so far.
    pub fn received(&self) -> Vec<Received> {
        let Ok(text) = std::fs::read_to_string(self.dir.join("received.jsonl")) else {
            return Vec::new();
        };
        text.lines()
            .filter(|line| line.ends_with('}'))
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for MailPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One message as the mail server's parser read it.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub rcpt_tos: Vec<String>,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub content_types: Vec<String>,
    pub plain: String,
    pub html: String,
    pub png: Option<String>,
}

/// A zone where it is between 02:00 and 18:59 now: visits from 22:00 are still ahead
/// and a morning reminder from midnight is due, whatever the time the test runs.
pub fn daytime_zone() -> String {
    let now = Timestamp::now();
    (-12..=14)
        .map(|offset: i32| {
            // POSIX-style names: Etc/GMT-3 is three hours *ahead* of UTC.
            if offset == 0 {
                "Etc/GMT".to_owned()
            } else {
                format!("Etc/GMT{:+}", -offset)
            }
        })
        .find(|name| {
            let zone = jiff::tz::TimeZone::get(name).unwrap();
            (2..19).contains(&now.to_zoned(zone).hour())
        })
        .expect("some zone is in the day")
}

/// Today's visit at `time` for an obviously fake patient (patient number `patient_id`)
/// with `contact` on file and `prefs` for reminders; the provider's name is one no
/// reminder may show.
pub fn booked(
    office: &TestOffice,
    id: &str,
    patient_id: &str,
    (first, last): (&str, &str),
    time: Time,
    contact: ContactOnFile,
    prefs: ReminderPrefs,
) -> NewAppointment {
    NewAppointment {
        external_id: id.into(),
        day: office.state.today(Timestamp::now()),
        starts_at: time,
        patient: PersonName::new(first, last).unwrap(),
        provider: "Dr. Demo Secretspecialty".into(),
        copay: Cents::new(2500),
        balance: Cents::ZERO,
        date_of_birth: None,
        contact: Some(contact),
        patient_id: PatientNumber::new(patient_id),
        reminders: prefs,
    }
}

/// Imports `list` and tells the hub, as an import does, so it queues at once.
pub fn import(office: &TestOffice, list: &[NewAppointment]) {
    office
        .state
        .store
        .get()
        .unwrap()
        .import_appointments(list)
        .unwrap();
    office.state.events.publish(QueueEvent::AppointmentsChanged);
}

/// The staff page's reminders list.
pub fn reminders(office: &TestOffice) -> RemindersView {
    let response = support::staff_get(format!("{}/api/staff/v1/reminders", office.base)).unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().unwrap()
}

/// The code in a PNG, read by an independent decoder.
pub fn zbar(png: impl AsRef<Path>) -> String {
    let png = png.as_ref();
    let output = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(png)
        .output()
        .expect("zbarimg runs (apt-get install zbar-tools)");
    assert!(output.status.success(), "zbarimg found no code in {png:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

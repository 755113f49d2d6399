//! Figure 17 (appointment reminders, issue 16): a day's appointments imported → every
//! reminder queued, written (plain text, HTML, the QR as PNG) and handed to a mail server
//! on loopback (the tests' `aiosmtpd` peer, `tests/reminders/smtp_peer.py`), in reminders
//! a second, against the same messages sent by one `lettre` client with no store and no
//! rate limit; and the hub's memory over that day (peak resident set above the idle
//! hub's).
//!
//! The hub sends at most `per_minute` a minute; the bench sets the most the
//! configuration allows (6,000, so at most 100 a second): the figure says whether the
//! queue keeps up with that limit, the baseline what the mail server takes without it.
//! The clinic's zone is chosen so that it is before 07:00 there now: the day's visits
//! (08:00-17:59) are all ahead and their morning reminders (from 00:00) all due.

use crate::Scale;
use crate::memory::rss_self_kib;
use crate::office_rig::OfficeRig;
use crate::report::Report;
use anyhow::{Context as _, bail};
use frontdesk::domain::{Cents, ContactField, ContactOnFile, Language};
use frontdesk::office::config::SmtpSecurity;
use frontdesk::office::events::QueueEvent;
use frontdesk::office::reminders::email::{self, Clinic, Reminder};
use frontdesk::office::reminders::{ReminderChannel, ReminderKind, ReminderPrefs};
use frontdesk::office::store::NewAppointment;
use jiff::Timestamp;
use jiff::civil::Time;
use lettre::Transport as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The tests' mail server, stopped when dropped.
struct MailPeer {
    child: Child,
    port: u16,
}

impl MailPeer {
    fn start(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reminders/smtp_peer.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("python3 runs (pip install aiosmtpd)")?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().context("peer stdout")?).read_line(&mut line)?;
        let port = line
            .trim()
            .strip_prefix("listening ")
            .with_context(|| format!("the mail peer did not start: {line:?}"))?
            .parse()?;
        Ok(Self { child, port })
    }
}

impl Drop for MailPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn received(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("received.jsonl"))
        .map(|text| text.lines().filter(|l| l.ends_with('}')).count())
        .unwrap_or(0)
}

/// A zone where it is before 07:00 now.
fn early_zone() -> anyhow::Result<String> {
    let now = Timestamp::now();
    (-12..=14)
        .map(|offset: i32| {
            if offset == 0 {
                "Etc/GMT".to_owned()
            } else {
                format!("Etc/GMT{:+}", -offset)
            }
        })
        .find(|name| jiff::tz::TimeZone::get(name).is_ok_and(|zone| now.to_zoned(zone).hour() < 7))
        .context("some zone is before 07:00")
}

/// `count` visits on `day` between 08:00 and 17:59, each patient with an email address.
fn visits(day: jiff::civil::Date, count: usize) -> anyhow::Result<Vec<NewAppointment>> {
    let mut list = crate::office_rig::appointments(day, count);
    for (i, visit) in list.iter_mut().enumerate() {
        let mut contact = ContactOnFile::default();
        contact.set(
            ContactField::Email,
            &format!("bench.patient{i}@example.invalid"),
        )?;
        visit.contact = Some(contact);
        visit.reminders = ReminderPrefs::new(
            if i % 3 == 0 {
                Language::Spanish
            } else {
                Language::English
            },
            ReminderChannel::Email,
        );
    }
    Ok(list)
}

/// Samples this process's resident set until stopped; the peak in KiB.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<()>,
}

impl RssSampler {
    fn start() -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(rss_self_kib()));
        let thread = {
            let (stop, peak) = (stop.clone(), peak.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_self_kib(), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(20));
                }
            })
        };
        Self { stop, peak, thread }
    }

    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
        self.peak.load(Ordering::Relaxed)
    }
}

pub fn run(scale: &Scale, report: &mut Report) -> anyhow::Result<()> {
    let count = scale.reminder_day;
    println!("17. Reminders: {count} appointments → reminders queued and handed to an SMTP server");
    let dir = tempfile::tempdir()?;
    let mail_dir = dir.path().join("mail");
    let peer = MailPeer::start(&mail_dir)?;
    let zone = early_zone()?;
    let port = peer.port;
    let rig = OfficeRig::start_with(&dir.path().join("office"), "127.0.0.1:0".parse()?, 1, 0, {
        let zone = zone.clone();
        move |config| {
            config.timezone = zone;
            let r = &mut config.reminders;
            r.smtp_host = Some("127.0.0.1".into());
            r.smtp_port = port;
            r.smtp_security = SmtpSecurity::None;
            r.days_before = 0;
            r.morning = true;
            r.morning_at = Time::constant(0, 0, 0, 0);
            r.per_minute = 6000;
            r.timeout_ms = 30_000;
        }
    })?;
    // Let the idle hub settle before reading its memory.
    std::thread::sleep(Duration::from_millis(500));
    let idle_kib = rss_self_kib();
    let today = rig.state.today(Timestamp::now());
    let list = visits(today, count)?;
    let sampler = RssSampler::start();
    let started = Instant::now();
    rig.state
        .store
        .get()
        .map_err(anyhow::Error::from)?
        .import_appointments(&list)?;
    rig.state.events.publish(QueueEvent::AppointmentsChanged);
    let deadline = started + Duration::from_secs(30 + count as u64 / 10);
    while received(&mail_dir) < count {
        if Instant::now() > deadline {
            bail!(
                "only {} of {count} reminders reached the mail server",
                received(&mail_dir)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let hub_secs = started.elapsed().as_secs_f64();
    let peak_kib = sampler.finish();
    let view = rig
        .state
        .store
        .get()
        .map_err(anyhow::Error::from)?
        .reminders_between(today, today)?;
    let sent = view
        .iter()
        .flat_map(|a| &a.reminders)
        .filter(|r| {
            r.kind == ReminderKind::Morning
                && r.state == frontdesk::office::reminders::ReminderState::Sent
                && r.attempts == 1
        })
        .count();
    report.check(
        format!("each of the {count} morning reminders sent exactly once"),
        sent == count && received(&mail_dir) == count,
    );
    // The database and its write-ahead log (not checkpointed yet).
    let db_kib: u64 = ["office.db", "office.db-wal"]
        .iter()
        .filter_map(|name| std::fs::metadata(rig.state.config.data_dir.join(name)).ok())
        .map(|m| m.len() / 1024)
        .sum();
    rig.stop();

    // Baseline: the same number of messages built and sent by one client, no store, no
    // rate limit, to the same mail server.
    let clinic = Clinic {
        name: "Demo Family Practice".into(),
        address: "100 Example St, Exampleville, TX 75001".into(),
        phone: "(217) 555-0100".into(),
        from: "Demo Family Practice <reminders@example.invalid>".into(),
        reply_to: None,
    };
    let mailer = lettre::SmtpTransport::builder_dangerous("127.0.0.1")
        .port(port)
        .timeout(Some(Duration::from_secs(30)))
        .build();
    let before = received(&mail_dir);
    let started = Instant::now();
    for (i, visit) in list.iter().enumerate() {
        let to = format!("bench.patient{i}@example.invalid");
        let message_id = format!("bench-{i:016x}");
        let message = email::build(
            &Reminder {
                to: &to,
                first_name: visit.patient.first(),
                language: Language::English,
                kind: ReminderKind::Morning,
                day: today,
                starts_at: visit.starts_at,
                copay: Cents::new(2500),
                token: "FD2:bench-token-of-a-typical-length-0123456789-0123456789-0123456789-0123456789-0123456789",
                message_id: &message_id,
                links: None,
            },
            &clinic,
        )?;
        mailer.send(&message)?;
    }
    while received(&mail_dir) < before + count {
        std::thread::sleep(Duration::from_millis(5));
    }
    let wire_secs = started.elapsed().as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let per_sec = |secs: f64| count as f64 / secs;
    report.figure(
        "17",
        format!("{count} reminders queued, written and handed to SMTP (per_minute = 6000)"),
        (per_sec(hub_secs), per_sec(wire_secs)),
        "/s",
        "the same emails from one lettre client, no store, no limit",
    );
    #[allow(clippy::cast_precision_loss)]
    let mib = |kib: u64| kib as f64 / 1024.0;
    report.figure(
        "17",
        format!("memory for a {count}-appointment reminder day: peak RSS above the idle hub"),
        (mib(peak_kib.saturating_sub(idle_kib)), mib(idle_kib)),
        "MiB",
        "the idle hub's (and bench process's) RSS",
    );
    report.note(format!(
        "reminders: zone {zone}; database after the day {db_kib} KiB; hub {hub_secs:.1} s, client alone {wire_secs:.1} s"
    ));
    Ok(())
}

//! Text-message reminders over real sockets (issue 16): the hub texts through an SMS
//! gateway simulator on loopback (`tests/reminders/sms_peer.py`, Python's standard
//! library, speaking the Messages API shape), which records each text. The short code in
//! the text, typed at a test kiosk, checks the patient in; a wrong code does not; five
//! wrong codes lock code entry; "STOP" sent back opts the patient out and no further text
//! goes; a restart in the middle of a batch sends each text once; with a `public_url`
//! the text also carries the code page's link, which opens the page.
//!
//! As in `reminders_email.rs`, the clinic's zone is chosen so that it is day there now and
//! the visits are late in the evening; nothing asserts the clock.

mod reminders_support;
mod support;

use frontdesk::checkin::{
    CodeKey, CodeNotice, CodeView, ConfirmTap, DetailsTap, DetailsView, IdentifyTap, PageView, Tap,
};
use frontdesk::domain::{ContactField, ContactOnFile, Language};
use frontdesk::office::config::{OfficeConfig, PublicUrl};
use frontdesk::office::reminders::routes::{AppointmentRemindersView, RemindersView};
use frontdesk::office::reminders::{ReminderChannel, ReminderKind, ReminderPrefs, ReminderState};
use frontdesk::office::store::NewAppointment;
use jiff::civil::Time;
use reminders_support::{booked, daytime_zone, import, reminders};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use support::{HeadlessKiosk, KIOSK_TOKEN, TestOffice, is_confirm, is_done, wait_until};

const ACCOUNT: &str = "ACtest0001";
const TOKEN: &str = "test-token-not-secret";
const REPLY_SECRET: &str = "reply-secret-for-tests-only";

/// The SMS gateway simulator, stopped when dropped.
struct SmsPeer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmsPeer {
    fn start(dir: &Path) -> Self {
        std::fs::create_dir_all(dir).unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reminders/sms_peer.py");
        // No report secret: its delivery reports are proven by signature only.
        let (child, addr) = support::spawn_listening(
            Command::new("python3")
                .args([script, dir.to_str().unwrap(), ACCOUNT, TOKEN])
                .stderr(Stdio::inherit()),
            "python3",
        );
        let port = addr.port();
        Self {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    fn texts(&self) -> Vec<Text> {
        let Ok(text) = std::fs::read_to_string(self.dir.join("texts.jsonl")) else {
            return Vec::new();
        };
        text.lines()
            .filter(|line| line.ends_with('}'))
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn texts_to(&self, number: &str) -> Vec<Text> {
        self.texts()
            .into_iter()
            .filter(|t| t.to == number)
            .collect()
    }
}

impl SmsPeer {
    fn reports(&self) -> Vec<Report> {
        let Ok(text) = std::fs::read_to_string(self.dir.join("reports.jsonl")) else {
            return Vec::new();
        };
        text.lines()
            .filter(|line| line.ends_with('}'))
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }
}

impl Drop for SmsPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One text as the gateway received it.
#[derive(Debug, Clone, Deserialize)]
struct Text {
    to: String,
    from: String,
    body: String,
    idempotency_key: Option<String>,
    /// Where the text asked the gateway to report its delivery.
    status_callback: Option<String>,
}

/// A delivery report the simulator posted, and the hub's answer.
#[derive(Debug, Clone, Deserialize)]
struct Report {
    status: String,
    answer: u16,
}

/// The short code in a text: the first "XXXX-XXXX" of code characters.
fn code_in(body: &str) -> String {
    let alphabet = frontdesk::domain::SHORT_CODE_ALPHABET;
    let chars: Vec<char> = body.chars().collect();
    chars
        .windows(9)
        .find(|w| {
            w[4] == '-'
                && w.iter()
                    .enumerate()
                    .all(|(i, c)| i == 4 || alphabet.contains(*c))
        })
        .map(|w| w.iter().filter(|c| **c != '-').collect())
        .unwrap_or_else(|| panic!("no code in {body:?}"))
}

fn configure(config: &mut OfficeConfig, zone: &str, port: u16) {
    config.timezone = zone.to_owned();
    let reminders = &mut config.reminders;
    reminders.days_before = 1;
    reminders.morning_at = Time::constant(0, 0, 0, 0);
    reminders.per_minute = 6000;
    reminders.max_backoff_ms = 100;
    reminders.timeout_ms = 5000;
    reminders.clinic_address = "100 Example St, Exampleville".into();
    let sms = &mut reminders.sms;
    sms.base_url = Some(format!("http://127.0.0.1:{port}"));
    sms.account = ACCOUNT.into();
    sms.token = Some(TOKEN.into());
    sms.from = "+12175550100".into();
    sms.reply_secret = Some(REPLY_SECRET.into());
}

fn start(dir: &Path, zone: &str, port: u16, change: impl FnOnce(&mut OfficeConfig)) -> TestOffice {
    support::start_office_with(dir, "127.0.0.1:0".parse().unwrap(), |config| {
        configure(config, zone, port);
        change(config);
    })
}

/// An appointment today at `time` for an obviously fake patient who wants texts.
fn visit(
    office: &TestOffice,
    id: &str,
    patient: &str,
    (first, last): (&str, &str),
    time: Time,
    phone: &str,
    language: Language,
) -> NewAppointment {
    let mut contact = ContactOnFile::default();
    contact.set(ContactField::Phone, phone).unwrap();
    booked(
        office,
        id,
        patient,
        (first, last),
        time,
        contact,
        ReminderPrefs::new(language, ReminderChannel::Sms),
    )
}

/// The reminders of `patient`'s visit at `time`.
fn row_of(view: &RemindersView, patient: &str, time: &str) -> AppointmentRemindersView {
    view.appointments
        .iter()
        .find(|a| a.patient.as_str() == patient && a.starts_at == time)
        .unwrap_or_else(|| panic!("{patient} at {time} on the reminders list"))
        .clone()
}

fn morning_state(office: &TestOffice, patient: &str, time: &str) -> Option<ReminderState> {
    row_of(&reminders(office), patient, time)
        .reminders
        .iter()
        .find(|r| r.kind == ReminderKind::Morning)
        .map(|r| r.state)
}

/// Opens the code keyboard once the kiosk has today's list.
fn open_code_keyboard(kiosk: &HeadlessKiosk) -> CodeView {
    wait_until("the code keyboard", || {
        kiosk.tap(Tap::Identify(IdentifyTap::TypeCode));
        let page = kiosk.wait_for_page("a page after the tap", |page| {
            matches!(page, PageView::TypeCode(_) | PageView::Ending(_))
        });
        if let PageView::TypeCode(view) = page {
            return Some(view);
        }
        kiosk.tap(Tap::StartOver);
        kiosk.wait_for_page("welcome", |page| *page == PageView::Identify);
        std::thread::sleep(std::time::Duration::from_millis(100));
        None
    })
}

/// Clears the keyboard, types `code` and taps "Check in"; the page that follows.
fn type_code(kiosk: &HeadlessKiosk, code: &str) -> PageView {
    kiosk.tap(Tap::Identify(IdentifyTap::CodeKey(CodeKey::Clear)));
    for c in code.chars() {
        kiosk.tap(Tap::Identify(IdentifyTap::CodeKey(CodeKey::Char(c))));
    }
    // The keys are in (or refused, while locked) before "Check in", so the answer below
    // is not the page from before.
    let upper = code.to_uppercase();
    kiosk.wait_for_page("the code typed", |page| match page {
        PageView::TypeCode(view) => {
            (view.typed.as_str() == upper && view.notice.is_none())
                || view.notice == Some(CodeNotice::Locked)
        }
        _ => false,
    });
    kiosk.tap(Tap::Identify(IdentifyTap::CodeDone));
    kiosk.wait_for_page("the answer to the code", |page| match page {
        PageView::TypeCode(view) => view.notice.is_some(),
        page => is_confirm(page) || matches!(page, PageView::Ending(_)),
    })
}

/// `code` with its last character changed: well formed, but nobody's.
fn wrong(code: &str, n: usize) -> String {
    let alphabet: Vec<char> = frontdesk::domain::SHORT_CODE_ALPHABET.chars().collect();
    let last = code.chars().last().unwrap();
    let at = alphabet.iter().position(|c| *c == last).unwrap();
    format!("{}{}", &code[..7], alphabet[(at + 1 + n) % alphabet.len()])
}

fn inbound(office: &TestOffice, secret: Option<&str>, body: String) -> reqwest::blocking::Response {
    let mut request = reqwest::blocking::Client::new()
        .post(format!("{}/api/sms/v1/inbound", office.base))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(secret) = secret {
        request = request.bearer_auth(secret);
    }
    request.send().unwrap()
}

#[test]
fn the_texted_code_checks_the_patient_in_wrong_codes_lock_and_stop_ends_the_texts() {
    let dir = tempfile::tempdir().unwrap();
    let peer = SmsPeer::start(&dir.path().join("sms"));
    let zone = daytime_zone();
    let office = start(&dir.path().join("office"), &zone, peer.port, |_| {});
    import(
        &office,
        &[
            visit(
                &office,
                "T-1",
                "P-OLGA",
                ("Olga", "Testtext"),
                Time::constant(22, 0, 0, 0),
                "(217) 555-0111",
                Language::English,
            ),
            visit(
                &office,
                "T-2",
                "P-PABLO",
                ("Pablo", "Ejemplo"),
                Time::constant(22, 15, 0, 0),
                "(217) 555-0122",
                Language::Spanish,
            ),
            visit(
                &office,
                "T-3",
                "P-RITA",
                ("Rita", "Nocell"),
                Time::constant(22, 30, 0, 0),
                "(217) 555-0199",
                Language::English,
            ),
        ],
    );
    for (patient, time, state) in [
        ("Testtext, Olga", "22:00", ReminderState::Sent),
        ("Ejemplo, Pablo", "22:15", ReminderState::Sent),
        ("Nocell, Rita", "22:30", ReminderState::Bounced),
    ] {
        wait_until(&format!("{patient}'s text {state:?}"), || {
            (morning_state(&office, patient, time) == Some(state)).then_some(())
        });
    }
    let view = reminders(&office);
    assert!(view.enabled);
    let olga_row = row_of(&view, "Testtext, Olga", "22:00");
    assert_eq!(olga_row.channel, ReminderChannel::Sms);
    assert!(olga_row.has_phone);
    assert_eq!(
        row_of(&view, "Nocell, Rita", "22:30").reminders[0]
            .last_error
            .as_deref(),
        Some("text gateway refused it (400)")
    );

    let olga = peer.texts_to("+12175550111");
    assert_eq!(olga.len(), 1, "{olga:#?}");
    let olga = &olga[0];
    assert_eq!(olga.from, "+12175550100");
    assert!(
        olga.idempotency_key
            .as_deref()
            .is_some_and(|k| k.starts_with("reminder-")),
        "{olga:?}"
    );
    assert!(
        olga.body.starts_with(
            "Hello Olga, your visit to Demo Family Practice is today at 10:00 PM, \
             100 Example St, Exampleville."
        ),
        "{}",
        olga.body
    );
    // The minimum necessary: no last name, no provider.
    assert!(!olga.body.contains("Testtext"), "{}", olga.body);
    assert!(!olga.body.contains("Secretspecialty"), "{}", olga.body);
    let pablo = &peer.texts_to("+12175550122")[0];
    assert!(
        pablo
            .body
            .starts_with("Hola, Pablo: su cita en Demo Family Practice es hoy a las 22:15"),
        "{}",
        pablo.body
    );
    assert!(pablo.body.contains("Responda ALTO"), "{}", pablo.body);
    let olga_code = code_in(&olga.body);
    let pablo_code = code_in(&pablo.body);
    assert_ne!(olga_code, pablo_code);

    // At the kiosk: a wrong code is said so, then Olga's own code finds her visit, and
    // she checks in exactly as with a scanned code.
    let kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &office.base, KIOSK_TOKEN);
    let keyboard = open_code_keyboard(&kiosk);
    assert_eq!(keyboard.notice, None);
    let PageView::TypeCode(after_wrong) = type_code(&kiosk, &wrong(&olga_code, 0)) else {
        panic!("a wrong code stays on the keyboard")
    };
    assert_eq!(
        after_wrong.notice,
        Some(CodeNotice::Wrong { tries_left: 4 })
    );
    // Typed in lower case: the same code.
    let PageView::Confirm(details) = type_code(&kiosk, &olga_code.to_lowercase()) else {
        panic!("Olga's code leads to her visit")
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
    assert_eq!(row.patient.as_deref(), Some("Testtext, Olga"));

    // Five wrong codes in a row lock code entry: even Pablo's right code is refused then.
    kiosk.tap(Tap::StartOver);
    kiosk.wait_for_page("welcome", |page| *page == PageView::Identify);
    open_code_keyboard(&kiosk);
    for n in 0..4 {
        let PageView::TypeCode(view) = type_code(&kiosk, &wrong(&pablo_code, n)) else {
            panic!("a wrong code stays on the keyboard")
        };
        assert_eq!(
            view.notice,
            Some(CodeNotice::Wrong {
                tries_left: 4 - u8::try_from(n).unwrap()
            })
        );
    }
    let PageView::TypeCode(locked) = type_code(&kiosk, &wrong(&pablo_code, 4)) else {
        panic!("the fifth wrong code stays on the keyboard")
    };
    assert_eq!(locked.notice, Some(CodeNotice::Locked));
    assert!(!locked.can_continue);
    let PageView::TypeCode(still) = type_code(&kiosk, &pablo_code) else {
        panic!("a locked keyboard takes no code")
    };
    assert_eq!(still.notice, Some(CodeNotice::Locked));
    // Starting over does not unlock it.
    kiosk.tap(Tap::StartOver);
    kiosk.wait_for_page("welcome", |page| *page == PageView::Identify);
    assert_eq!(open_code_keyboard(&kiosk).notice, Some(CodeNotice::Locked));

    // Olga replies STOP. Without the secret, or with garbage, the hub refuses.
    let stop = "MessageSid=SM1&From=%2B12175550111&To=%2B12175550100&Body=Stop".to_owned();
    assert_eq!(inbound(&office, None, stop.clone()).status(), 401);
    assert_eq!(
        inbound(&office, Some("wrong-secret"), stop.clone()).status(),
        401
    );
    assert_eq!(
        inbound(&office, Some(REPLY_SECRET), "Body=STOP".into()).status(),
        422
    );
    assert_eq!(
        inbound(&office, Some(REPLY_SECRET), "x".repeat(20_000)).status(),
        413
    );
    let chat = "From=%2B12175550122&Body=thank+you".to_owned();
    assert_eq!(inbound(&office, Some(REPLY_SECRET), chat).status(), 200);
    assert_eq!(inbound(&office, Some(REPLY_SECRET), stop).status(), 200);
    let view = reminders(&office);
    assert!(row_of(&view, "Testtext, Olga", "22:00").opted_out);
    assert!(!row_of(&view, "Ejemplo, Pablo", "22:15").opted_out);
    let audited = support::staff_get(format!(
        "{}/api/staff/v1/audit?action=reminder.opt_out",
        office.base
    ))
    .unwrap()
    .text()
    .unwrap();
    assert!(audited.contains("system"), "{audited}");

    // Olga books again for later tonight: no text goes to her.
    import(
        &office,
        &[visit(
            &office,
            "T-4",
            "P-OLGA",
            ("Olga", "Testtext"),
            Time::constant(23, 0, 0, 0),
            "(217) 555-0111",
            Language::English,
        )],
    );
    wait_until("Olga's new reminder opted out", || {
        (morning_state(&office, "Testtext, Olga", "23:00") == Some(ReminderState::OptedOut))
            .then_some(())
    });
    assert_eq!(peer.texts_to("+12175550111").len(), 1);
}

#[test]
fn a_restart_in_the_middle_of_a_batch_sends_each_text_once() {
    let dir = tempfile::tempdir().unwrap();
    let peer = SmsPeer::start(&dir.path().join("sms"));
    let zone = daytime_zone();
    let office_dir = dir.path().join("office");
    // Two a second: the batch of eight takes a few seconds, time to stop in between.
    let slow = |config: &mut OfficeConfig| config.reminders.per_minute = 120;
    let office = start(&office_dir, &zone, peer.port, slow);
    let list: Vec<_> = (0..8)
        .map(|i| {
            visit(
                &office,
                &format!("B-{i}"),
                &format!("P-B{i}"),
                ("Una", format!("Testbatch{}", char::from(b'a' + i)).as_str()),
                Time::new(22, i8::try_from(5 * i).unwrap(), 0, 0).unwrap(),
                &format!("(217) 555-01{:02}", 40 + i),
                Language::English,
            )
        })
        .collect();
    import(&office, &list);
    wait_until("two texts out", || (peer.texts().len() >= 2).then_some(()));
    office.stop();
    let sent_before = peer.texts().len();
    assert!(
        sent_before < list.len(),
        "stopped in the middle of the batch"
    );

    let office = start(&office_dir, &zone, peer.port, slow);
    wait_until("every text settled", || {
        let view = reminders(&office);
        let batch: Vec<_> = view
            .appointments
            .iter()
            .filter(|a| a.patient.as_str().starts_with("Testbatch"))
            .collect();
        (batch.len() == list.len()
            && batch.iter().all(|a| {
                a.reminders
                    .first()
                    .is_some_and(|r| r.state == ReminderState::Sent && r.attempts == 1)
            }))
        .then_some(())
    });
    let mut numbers: Vec<_> = peer.texts().into_iter().map(|t| t.to).collect();
    numbers.sort();
    let expected: Vec<_> = (0..8).map(|i| format!("+1217555014{i}")).collect();
    assert_eq!(numbers, expected, "each patient exactly once");
}

fn status_report(
    office: &TestOffice,
    reminder: &str,
    secret: Option<&str>,
    body: &str,
) -> reqwest::blocking::Response {
    let mut request = reqwest::blocking::Client::new()
        .post(format!(
            "{}/api/sms/v1/status?reminder={reminder}",
            office.base
        ))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    if let Some(secret) = secret {
        request = request.bearer_auth(secret);
    }
    request.send().unwrap()
}

/// Delivery reports: the simulator reports each text's delivery to the status callback
/// the hub sent with it, as a gateway does; the text the carrier could not deliver shows
/// bounced with the gateway's code, the delivered one stays sent.
#[test]
fn a_text_the_carrier_cannot_deliver_is_reported_and_shown_bounced() {
    let dir = tempfile::tempdir().unwrap();
    let peer = SmsPeer::start(&dir.path().join("sms"));
    let zone = daytime_zone();
    // The hub's own port goes into the callback URL, so it is picked first.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let office = support::start_office_with(
        &dir.path().join("office"),
        format!("127.0.0.1:{port}").parse().unwrap(),
        |config| {
            configure(config, &zone, peer.port);
            config.reminders.sms.status_callback =
                Some(format!("http://127.0.0.1:{port}/api/sms/v1/status"));
        },
    );
    import(
        &office,
        &[
            visit(
                &office,
                "D-1",
                "P-UMA",
                ("Uma", "Unreachable"),
                Time::constant(22, 0, 0, 0),
                "(217) 555-0198",
                Language::English,
            ),
            visit(
                &office,
                "D-2",
                "P-VIC",
                ("Vic", "Delivered"),
                Time::constant(22, 15, 0, 0),
                "(217) 555-0142",
                Language::Spanish,
            ),
        ],
    );
    let row = wait_until("Uma's text reported undelivered", || {
        let view = reminders(&office);
        let row = row_of(&view, "Unreachable, Uma", "22:00");
        row.reminders
            .iter()
            .any(|r| r.kind == ReminderKind::Morning && r.state == ReminderState::Bounced)
            .then_some(row)
    });
    let morning = row
        .reminders
        .iter()
        .find(|r| r.kind == ReminderKind::Morning)
        .unwrap();
    assert_eq!(
        morning.last_error.as_deref(),
        Some("text gateway reported undelivered (30003)")
    );
    assert_eq!(morning.attempts, 1, "sent once, then reported");
    wait_until("both reports answered", || {
        (peer.reports().len() == 2).then_some(())
    });
    for report in peer.reports() {
        assert_eq!(report.answer, 204, "{report:?}");
    }
    assert!(peer.reports().iter().any(|r| r.status == "delivered"));
    assert_eq!(
        morning_state(&office, "Delivered, Vic", "22:15"),
        Some(ReminderState::Sent)
    );
    // Each text asked for its report by the reminder's id, nothing else.
    let texts = peer.texts();
    assert_eq!(texts.len(), 2);
    let callback = texts[0].status_callback.clone().unwrap();
    let reminder = callback
        .strip_prefix(&format!(
            "http://127.0.0.1:{port}/api/sms/v1/status?reminder="
        ))
        .unwrap()
        .to_owned();
    assert_eq!(Some(reminder.as_str()), texts[0].idempotency_key.as_deref());

    // The route is the gateway's: its secret, a reminder id the hub made, a status.
    let failed = "MessageSid=SM1&MessageStatus=failed&ErrorCode=30008";
    assert_eq!(
        status_report(&office, &reminder, None, failed).status(),
        401
    );
    assert_eq!(
        status_report(
            &office,
            &reminder,
            Some("wrong-secret-wrong-secret"),
            failed
        )
        .status(),
        401
    );
    assert_eq!(
        status_report(
            &office,
            "reminder-0000000000000000",
            Some(REPLY_SECRET),
            failed
        )
        .status(),
        404
    );
    assert_eq!(
        status_report(&office, "SM1", Some(REPLY_SECRET), failed).status(),
        422
    );
    assert_eq!(
        status_report(&office, &reminder, Some(REPLY_SECRET), "ErrorCode=1").status(),
        422
    );
    let big = format!("MessageStatus=failed&x={}", "a".repeat(9000));
    assert_eq!(
        status_report(&office, &reminder, Some(REPLY_SECRET), &big).status(),
        413
    );
}

#[test]
fn with_a_public_url_the_text_carries_the_code_pages_link() {
    let dir = tempfile::tempdir().unwrap();
    let peer = SmsPeer::start(&dir.path().join("sms"));
    let zone = daytime_zone();
    // The link names the hub's own port: find a free one first.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let base = format!("http://{addr}");
    let office = support::start_office_with(&dir.path().join("office"), addr, |config| {
        configure(config, &zone, peer.port);
        config.reminders.public_url = Some(PublicUrl::parse(&base).unwrap());
    });
    import(
        &office,
        &[visit(
            &office,
            "K-1",
            "P-K1",
            ("Pablo", "Ejemplo"),
            Time::constant(22, 15, 0, 0),
            "(217) 555-0161",
            Language::Spanish,
        )],
    );
    let text = wait_until("the text", || {
        peer.texts_to("+12175550161").into_iter().next()
    });
    // The short code stays; the link comes after it, in Spanish.
    let code = code_in(&text.body);
    assert!(
        text.body.contains("O escanee su código desde"),
        "{}",
        text.body
    );
    let at = text.body.find(&format!("{base}/r/")).unwrap();
    assert!(text.body.find(&code[..4]).unwrap() < at);
    let link = text.body[at..].split_whitespace().next().unwrap();
    assert_eq!(link.len(), base.len() + 3 + 43, "{link}");
    let page = reqwest::blocking::get(link).unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains("<html lang=\"es\">"), "{html}");
    assert!(html.contains("22:15"), "{html}");
    assert!(
        !html.contains("Pablo") && !html.contains("Ejemplo"),
        "{html}"
    );
    // A text gets no unsubscribe link ("ALTO" does that).
    assert!(!text.body.contains(&format!("{base}/u/")), "{}", text.body);
}

/// The gateway's signature of a form POST to `url`, computed by the simulator (Python's
/// own HMAC, not the hub's code).
fn gateway_signature(url: &str, form: &str) -> String {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reminders/sms_peer.py");
    let output = Command::new("python3")
        .args([script, "--sign", TOKEN, url, form])
        .output()
        .expect("python3 runs");
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

/// A real gateway cannot add a bearer header to its webhooks; it signs them. With no
/// shared secret configured, a "STOP" signed with the account's token over the address
/// the hub is published at opts the patient out; one signed over another address, or
/// with another token, or unsigned, is refused.
#[test]
fn a_stop_signed_by_the_gateway_opts_out_without_a_shared_secret() {
    let dir = tempfile::tempdir().unwrap();
    let peer = SmsPeer::start(&dir.path().join("sms"));
    let zone = daytime_zone();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let public = format!("http://{addr}");
    let office = support::start_office_with(&dir.path().join("office"), addr, |config| {
        configure(config, &zone, peer.port);
        config.reminders.sms.reply_secret = None;
        config.reminders.public_url = Some(PublicUrl::parse(&public).unwrap());
    });
    import(
        &office,
        &[visit(
            &office,
            "G-1",
            "P-GIA",
            ("Gia", "Signedstop"),
            Time::constant(22, 0, 0, 0),
            "(217) 555-0161",
            Language::English,
        )],
    );
    let stop = "From=%2B12175550161&Body=STOP&To=%2B12175550100&AccountSid=ACtest0001";
    let post = |signature: Option<String>| {
        let mut request = reqwest::blocking::Client::new()
            .post(format!("{}/api/sms/v1/inbound", office.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(stop);
        if let Some(signature) = signature {
            request = request.header("X-Twilio-Signature", signature);
        }
        request.send().unwrap().status()
    };
    assert_eq!(post(None), 401);
    let elsewhere = gateway_signature("https://another.example.test/api/sms/v1/inbound", stop);
    assert_eq!(post(Some(elsewhere)), 401);
    assert_eq!(
        inbound(&office, Some(REPLY_SECRET), stop.into()).status(),
        401
    );
    assert!(!row_of(&reminders(&office), "Signedstop, Gia", "22:00").opted_out);

    let signed = gateway_signature(&format!("{public}/api/sms/v1/inbound"), stop);
    assert_eq!(post(Some(signed)), 200);
    assert!(row_of(&reminders(&office), "Signedstop, Gia", "22:00").opted_out);
}

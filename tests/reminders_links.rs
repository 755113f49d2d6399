//! The reminder's public links over real sockets (issue 16): with `[reminders]
//! public_url`, the email a mail server on loopback receives (PyPI `aiosmtpd`,
//! `tests/reminders/smtp_peer.py`) carries a link to the code page and an unsubscribe
//! link. Headless Chromium opens them: the code page shows the QR (read back with
//! `zbarimg`, Debian `zbar-tools`: the same code as the email's image) and the visit's
//! time and never the patient's name; an unknown or expired link gets its plain page;
//! unsubscribing stops the patient's next reminder. Both languages. Screenshots go to
//! `target/tmp/reminder-link-*.png`. Needs `chromium`, `chromium-driver`, `aiosmtpd`,
//! `zbarimg`.
//!
//! Times as in `reminders_email.rs`: a clinic zone where it is day now, visits from 22:00.

mod browser_support;
mod reminders_support;
mod support;

use frontdesk::domain::{ContactField, ContactOnFile, Language};
use frontdesk::office::config::{OfficeConfig, PublicUrl, SmtpSecurity};
use frontdesk::office::reminders::links::{LinkPurpose, LinkToken};
use frontdesk::office::reminders::{ReminderChannel, ReminderKind, ReminderPrefs, ReminderState};
use frontdesk::office::store::NewAppointment;
use jiff::civil::Time;
use jiff::{SignedDuration, Timestamp};
use reminders_support::{MailPeer, booked, daytime_zone, import, reminders, zbar};
use std::path::{Path, PathBuf};
use support::{TestOffice, wait_until};

fn visit(
    office: &TestOffice,
    id: &str,
    patient_id: &str,
    (first, last): (&str, &str),
    time: Time,
    email: &str,
    language: Language,
) -> NewAppointment {
    let mut contact = ContactOnFile::default();
    contact.set(ContactField::Email, email).unwrap();
    booked(
        office,
        id,
        patient_id,
        (first, last),
        time,
        contact,
        ReminderPrefs::new(language, ReminderChannel::Email),
    )
}

/// The morning reminder's state of the visit at `time` ("HH:MM").
fn morning_state(office: &TestOffice, time: &str) -> Option<ReminderState> {
    reminders(office)
        .appointments
        .iter()
        .find(|a| a.starts_at == time)?
        .reminders
        .iter()
        .find(|r| r.kind == ReminderKind::Morning)
        .map(|r| r.state)
}

/// The first link in `text` that starts with `prefix`.
fn link_in(text: &str, prefix: &str) -> String {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[at..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .next()
        .unwrap()
        .to_owned()
}

fn audit(office: &TestOffice, action: &str) -> String {
    support::staff_get(format!(
        "{}/api/staff/v1/audit?action={action}",
        office.base
    ))
    .unwrap()
    .text()
    .unwrap()
}

fn shot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

/// Opens `url` in the browser, waits for `css`, saves a screenshot as `name` and
/// returns the page's text.
fn look(
    rt: &tokio::runtime::Runtime,
    browser: &fantoccini::Client,
    url: &str,
    css: &str,
    name: &str,
) -> String {
    rt.block_on(async {
        browser.goto(url).await.unwrap();
        browser_support::text_of(browser, css).await;
        browser_support::screenshot(browser, name).await;
        browser
            .find(fantoccini::Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
}

#[test]
fn the_emailed_links_open_the_code_page_and_unsubscribe_in_either_language() {
    let dir = tempfile::tempdir().unwrap();
    let peer = MailPeer::start(&dir.path().join("mail"));
    let zone = daytime_zone();
    // The public URL names the hub's own port (patients' phones would reach it through a
    // proxy): find a free one first.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let base = format!("http://{addr}");
    let office = support::start_office_with(&dir.path().join("office"), addr, |config| {
        configure(config, &zone, peer.port, &base);
    });
    import(
        &office,
        &[
            visit(
                &office,
                "L-1",
                "P-L1",
                ("Olga", "Testmail"),
                Time::constant(22, 0, 0, 0),
                "olga.testmail@example.invalid",
                Language::English,
            ),
            visit(
                &office,
                "L-2",
                "P-L2",
                ("Pablo", "Ejemplo"),
                Time::constant(22, 15, 0, 0),
                "pablo.ejemplo@example.invalid",
                Language::Spanish,
            ),
        ],
    );
    for time in ["22:00", "22:15"] {
        wait_until(&format!("the {time} reminder sent"), || {
            (morning_state(&office, time) == Some(ReminderState::Sent)).then_some(())
        });
    }
    let mail = peer.received();
    let to = |address: &str| {
        mail.iter()
            .find(|m| m.rcpt_tos == [address])
            .unwrap_or_else(|| panic!("a reminder to {address}"))
            .clone()
    };
    let olga = to("olga.testmail@example.invalid");
    let pablo = to("pablo.ejemplo@example.invalid");
    let olga_code = link_in(&olga.plain, &format!("{base}/r/"));
    let olga_stop = link_in(&olga.plain, &format!("{base}/u/"));
    assert!(olga.html.contains(&format!("href=\"{olga_code}\"")));
    assert!(olga.html.contains(&format!("href=\"{olga_stop}\"")));
    let pablo_code = link_in(&pablo.plain, &format!("{base}/r/"));
    let pablo_stop = link_in(&pablo.plain, &format!("{base}/u/"));
    assert_ne!(olga_code, pablo_code);
    assert!(
        pablo.plain.contains("Abra aquí su código"),
        "{}",
        pablo.plain
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_driver, driver_url) = browser_support::start_chromedriver();
    // A phone's screen.
    let (browser, _profile) =
        rt.block_on(browser_support::open_browser_sized(&driver_url, 412, 915));

    // Olga's code page: the code, the visit's time and the clinic; no name, no provider.
    let text = look(
        &rt,
        &browser,
        &olga_code,
        "#visit",
        "reminder-link-code-en.png",
    );
    assert!(text.contains("Your check-in code"), "{text}");
    assert!(text.contains("10:00 PM"), "{text}");
    assert!(text.contains("Demo Family Practice"), "{text}");
    for secret in ["Olga", "Testmail", "Secretspecialty"] {
        assert!(!text.contains(secret), "{secret} on the page: {text}");
    }
    let (shown, styled) = rt.block_on(async {
        let width = browser
            .execute(
                "return document.getElementById('code').naturalWidth;",
                vec![],
            )
            .await
            .unwrap();
        let color = browser
            .execute(
                "return getComputedStyle(document.querySelector('.clinic')).color;",
                vec![],
            )
            .await
            .unwrap();
        (width, color)
    });
    assert!(shown.as_u64().unwrap() > 0, "the QR image loads: {shown}");
    assert_eq!(
        styled, "rgb(11, 92, 173)",
        "the stylesheet loads under the policy"
    );
    // The QR on the screen and the one the hub serves carry the email's code.
    let emailed = zbar(Path::new(olga.png.as_deref().unwrap()));
    assert_eq!(zbar(shot_path("reminder-link-code-en.png")), emailed);
    let image = reqwest::blocking::get(format!("{olga_code}/qr.png")).unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["cache-control"], "no-store");
    let served = dir.path().join("served.png");
    std::fs::write(&served, image.bytes().unwrap()).unwrap();
    assert_eq!(zbar(&served), emailed);
    let page = reqwest::blocking::get(&olga_code).unwrap();
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(
        !page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("unsafe-inline")
    );
    let olga_id = reminders(&office)
        .appointments
        .iter()
        .find(|a| a.starts_at == "22:00")
        .unwrap()
        .appointment;
    let opened = audit(&office, "reminder.link.open");
    assert!(
        opened.contains(&format!("\"{}\"", olga_id.get())),
        "{opened}"
    );
    for secret in ["Olga", "Testmail", &olga_code[base.len() + 3..]] {
        assert!(!opened.contains(secret), "{secret} in the audit log");
    }

    // Pablo's, in Spanish.
    let text = look(
        &rt,
        &browser,
        &pablo_code,
        "#visit",
        "reminder-link-code-es.png",
    );
    assert!(text.contains("Su código de registro"), "{text}");
    assert!(text.contains("22:15"), "{text}");
    assert!(
        !text.contains("Pablo") && !text.contains("Ejemplo"),
        "{text}"
    );
    let lang = rt.block_on(async {
        browser
            .execute("return document.documentElement.lang;", vec![])
            .await
            .unwrap()
    });
    assert_eq!(lang, "es");

    // A token nobody made (or not a token at all): the plain page, 404, both languages.
    let unknown = format!("{base}/r/{}", "A".repeat(43));
    for url in [
        &unknown,
        &format!("{base}/r/not-a-token"),
        &format!("{base}/u/x"),
    ] {
        let answer = reqwest::blocking::get(url.as_str()).unwrap();
        assert_eq!(answer.status(), 404, "{url}");
        let body = answer.text().unwrap();
        assert!(body.contains("This link does not work"), "{body}");
        assert!(body.contains("Este enlace no funciona"), "{body}");
    }
    assert_eq!(
        reqwest::blocking::get(format!("{unknown}/qr.png"))
            .unwrap()
            .status(),
        404
    );
    look(&rt, &browser, &unknown, "h1", "reminder-link-unknown.png");
    // Single-purpose: the unsubscribe link opens no code page, and the other way round.
    let swapped = olga_stop.replacen("/u/", "/r/", 1);
    assert_eq!(reqwest::blocking::get(&swapped).unwrap().status(), 404);
    let swapped = olga_code.replacen("/r/", "/u/", 1);
    assert_eq!(reqwest::blocking::get(&swapped).unwrap().status(), 404);

    // A link whose time is over (made through the store as it was yesterday): 410, the
    // expired page, audited.
    let expired = LinkToken::generate().unwrap();
    let yesterday = Timestamp::now() - SignedDuration::from_hours(24);
    office
        .state
        .store
        .get()
        .unwrap()
        .add_reminder_link(
            &expired.hash(),
            olga_id,
            LinkPurpose::CodePage,
            yesterday + SignedDuration::from_hours(1),
            yesterday,
        )
        .unwrap();
    let expired_url = format!("{base}/r/{}", expired.as_text());
    let answer = reqwest::blocking::get(&expired_url).unwrap();
    assert_eq!(answer.status(), 410);
    let body = answer.text().unwrap();
    assert!(body.contains("This link has expired"), "{body}");
    assert!(body.contains("Este enlace ha caducado"), "{body}");
    assert!(!body.contains("Olga"), "{body}");
    assert_eq!(
        reqwest::blocking::get(format!("{expired_url}/qr.png"))
            .unwrap()
            .status(),
        404
    );
    let text = look(
        &rt,
        &browser,
        &expired_url,
        "h1",
        "reminder-link-expired.png",
    );
    assert!(text.contains("(217) 555-0100"), "{text}");
    assert!(audit(&office, "reminder.link.expired").contains(&format!("\"{}\"", olga_id.get())));

    // Pablo unsubscribes: asked first (opening the link changes nothing), then done, in
    // Spanish.
    let text = look(
        &rt,
        &browser,
        &pablo_stop,
        "#unsubscribe",
        "reminder-link-unsubscribe-es.png",
    );
    assert!(text.contains("¿Desea dejar de recibir"), "{text}");
    let pablo_row = |office: &TestOffice| {
        reminders(office)
            .appointments
            .into_iter()
            .find(|a| a.starts_at == "22:15")
            .unwrap()
    };
    assert!(!pablo_row(&office).opted_out);
    let done = rt.block_on(async {
        browser
            .find(fantoccini::Locator::Css("#unsubscribe"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let done = browser_support::text_of(&browser, "#unsubscribed").await;
        browser_support::screenshot(&browser, "reminder-link-unsubscribed-es.png").await;
        done
    });
    assert_eq!(done, "Listo. No recibirá más recordatorios.");
    let pablo_id = pablo_row(&office).appointment;
    assert!(pablo_row(&office).opted_out);
    assert!(audit(&office, "reminder.unsubscribe").contains(&format!("\"{}\"", pablo_id.get())));
    // Olga's confirm page, in English, for the record.
    let text = look(
        &rt,
        &browser,
        &olga_stop,
        "#unsubscribe",
        "reminder-link-unsubscribe-en.png",
    );
    assert!(text.contains("Stop appointment reminders"), "{text}");
    rt.block_on(browser.clone().close()).unwrap();

    // Pablo's next visit (same patient number) gets no reminder; Olga's does.
    import(
        &office,
        &[
            visit(
                &office,
                "L-3",
                "P-L2",
                ("Pablo", "Ejemplo"),
                Time::constant(23, 0, 0, 0),
                "pablo.ejemplo@example.invalid",
                Language::Spanish,
            ),
            visit(
                &office,
                "L-4",
                "P-L1",
                ("Olga", "Testmail"),
                Time::constant(23, 15, 0, 0),
                "olga.testmail@example.invalid",
                Language::English,
            ),
        ],
    );
    wait_until("Pablo's next reminder opted out", || {
        (morning_state(&office, "23:00") == Some(ReminderState::OptedOut)).then_some(())
    });
    wait_until("Olga's next reminder sent", || {
        (morning_state(&office, "23:15") == Some(ReminderState::Sent)).then_some(())
    });
    let to_pablo = peer
        .received()
        .iter()
        .filter(|m| m.rcpt_tos == ["pablo.ejemplo@example.invalid"])
        .count();
    assert_eq!(to_pablo, 1, "no reminder after unsubscribing");
    // Opting out again by the same link changes nothing and still says done.
    let again = reqwest::blocking::Client::new()
        .post(&pablo_stop)
        .send()
        .unwrap();
    assert_eq!(again.status(), 200);
}

fn configure(config: &mut OfficeConfig, zone: &str, port: u16, base: &str) {
    config.timezone = zone.to_owned();
    let reminders = &mut config.reminders;
    reminders.smtp_host = Some("127.0.0.1".into());
    reminders.smtp_port = port;
    reminders.smtp_security = SmtpSecurity::None;
    reminders.days_before = 1;
    reminders.morning_at = Time::constant(0, 0, 0, 0);
    reminders.per_minute = 6000;
    reminders.max_backoff_ms = 100;
    reminders.timeout_ms = 5000;
    reminders.public_url = Some(PublicUrl::parse(base).unwrap());
}

#[test]
fn without_a_public_url_the_email_carries_no_link() {
    let dir = tempfile::tempdir().unwrap();
    let peer = MailPeer::start(&dir.path().join("mail"));
    let zone = daytime_zone();
    let office = support::start_office_with(
        &dir.path().join("office"),
        "127.0.0.1:0".parse().unwrap(),
        |config| {
            configure(config, &zone, peer.port, "http://127.0.0.1:1");
            config.reminders.public_url = None;
        },
    );
    import(
        &office,
        &[visit(
            &office,
            "N-1",
            "P-N1",
            ("Olga", "Testmail"),
            Time::constant(22, 0, 0, 0),
            "olga.testmail@example.invalid",
            Language::English,
        )],
    );
    wait_until("the reminder sent", || {
        (morning_state(&office, "22:00") == Some(ReminderState::Sent)).then_some(())
    });
    let mail = peer.received();
    let olga = mail
        .iter()
        .find(|m| m.rcpt_tos == ["olga.testmail@example.invalid"])
        .unwrap();
    assert!(!olga.plain.contains("http"), "{}", olga.plain);
    assert!(!olga.html.contains("href"), "{}", olga.html);
}

/// A flood at the link pages (made-up tokens, as a scanner would send) meets the hub-wide
/// limit: past it, 429 with `Retry-After` and a page in both languages, whatever the
/// token; kiosks and staff go on being served.
#[test]
fn a_flood_of_link_requests_is_turned_away_and_the_hub_goes_on_serving() {
    let dir = tempfile::tempdir().unwrap();
    let office = support::start_office_with(dir.path(), "127.0.0.1:0".parse().unwrap(), |c| {
        c.reminders.public_pages_per_minute = 5;
    });
    let client = reqwest::blocking::Client::new();
    let answers: Vec<_> = (0..12)
        .map(|_| {
            let token = LinkToken::generate().unwrap().as_text();
            client
                .get(format!("{}/r/{token}", office.base))
                .send()
                .unwrap()
        })
        .collect();
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    // A burst of five is answered; the sixth, right after, is not.
    assert_eq!(
        statuses[..6],
        [404, 404, 404, 404, 404, 429],
        "{statuses:?}"
    );
    let busy = answers.into_iter().last().unwrap();
    assert_eq!(busy.status(), 429);
    assert_eq!(busy.headers()["retry-after"], "60");
    let page = busy.text().unwrap();
    assert!(page.contains("Please try again in a minute."), "{page}");
    assert!(page.contains("Inténtelo de nuevo en un minuto."), "{page}");
    // What a patient's phone shows then.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_driver, driver_url) = browser_support::start_chromedriver();
    let (browser, _profile) =
        rt.block_on(browser_support::open_browser_sized(&driver_url, 412, 915));
    let shown = look(
        &rt,
        &browser,
        &format!("{}/r/{}", office.base, "A".repeat(43)),
        "section.busy h1",
        "reminder-link-busy.png",
    );
    assert!(shown.contains("Llámenos"), "{shown}");
    rt.block_on(browser.close()).unwrap();

    // The other link kinds share the limit.
    let unsubscribe = client
        .post(format!("{}/u/{}", office.base, "A".repeat(43)))
        .send()
        .unwrap();
    assert_eq!(unsubscribe.status(), 429);

    let id = support::check_in_first(&office.base);
    assert!(office.queue().checked_in.iter().any(|c| c.check_in == id));
    assert_eq!(
        client
            .get(format!("{}/healthz", office.base))
            .send()
            .unwrap()
            .status(),
        200
    );
}

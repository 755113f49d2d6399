//! A new patient registers at a kiosk end to end over real HTTP on loopback: the office
//! hub, a kiosk core (no window) with its outbox worker and the real sync worker. The
//! kiosk offers the office's sex / gender options, what the patient typed arrives in the
//! staff API, and no kiosk database file holds any of it afterwards.

mod support;

use frontdesk::checkin::{Choice, RegisterInput};
use frontdesk::checkin::{Ending, Field, IdentifyTap, NameKey, PageView, RegisterTap, Tap};
use frontdesk::domain::{SexOption, SexOptions};
use frontdesk::office::Office;
use frontdesk::office::registrations::RegistrationsView;
use support::{HeadlessKiosk, KIOSK_TOKEN, office_config, wait_until};

/// Starts a registration once the kiosk knows its office (before that it says it is not
/// ready, and the test starts over).
fn open_registration(kiosk: &HeadlessKiosk) {
    wait_until("the registration form", || {
        kiosk.tap(Tap::Identify(IdentifyTap::Register));
        let page = kiosk.wait_for_page("a page after the tap", |page| {
            matches!(page, PageView::Register(_) | PageView::Ending(_))
        });
        if matches!(page, PageView::Register(_)) {
            return Some(());
        }
        kiosk.tap(Tap::StartOver);
        kiosk.wait_for_page("welcome", |page| *page == PageView::Identify);
        std::thread::sleep(std::time::Duration::from_millis(100));
        None
    });
}

fn on(kiosk: &HeadlessKiosk, field: Field) {
    kiosk.wait_for_page(
        &format!("{field:?}"),
        |page| matches!(page, PageView::Register(view) if view.field == field),
    );
}

fn register(kiosk: &HeadlessKiosk, tap: RegisterTap) {
    kiosk.tap(Tap::Register(tap));
}

/// Types `text` on the field showing, then Next.
fn answer(kiosk: &HeadlessKiosk, field: Field, text: &str) {
    on(kiosk, field);
    for c in text.chars() {
        register(kiosk, RegisterTap::Key(NameKey::Char(c)));
    }
    register(kiosk, RegisterTap::Next);
}

/// The bytes of every file of the kiosk's database.
fn kiosk_database_bytes(kiosk: &HeadlessKiosk) -> Vec<u8> {
    let dir = kiosk.db.parent().unwrap();
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[test]
fn a_registration_typed_at_the_kiosk_reaches_the_office_and_leaves_nothing_on_the_kiosk() {
    let dir = tempfile::tempdir().unwrap();
    // An office with its own sex / gender options: the kiosk offers them.
    let mut config = office_config(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    config.sex_options = SexOptions::new(vec![
        SexOption::new("woman", "Woman", "Mujer").unwrap(),
        SexOption::new("man", "Man", "Hombre").unwrap(),
        SexOption::new("nonbinary", "Non-binary", "No binario").unwrap(),
    ])
    .unwrap();
    let office = Office::open(config).unwrap();
    let state = office.state().clone();
    let server = office
        .serve_in_background(std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .unwrap();
    let base = format!("http://{}", server.addr());
    support::register_office(&state, &base);
    let kiosk = HeadlessKiosk::start(&dir.path().join("kiosk"), &base, KIOSK_TOKEN);
    open_registration(&kiosk);
    answer(&kiosk, Field::FirstName, "ADAQUEEN");
    answer(&kiosk, Field::LastName, "REGISTRANTOVA");
    answer(&kiosk, Field::PreferredName, "QUADDIE");
    kiosk.wait_for_page("the date of birth", |page| {
        matches!(page, PageView::RegisterBirthDate(_))
    });
    for digit in [1, 9, 3, 7] {
        kiosk.tap(Tap::Identify(IdentifyTap::Digit(digit)));
    }
    kiosk.tap(Tap::Identify(IdentifyTap::Month(3)));
    kiosk.tap(Tap::Identify(IdentifyTap::Day(14)));
    let PageView::Register(sex) = kiosk.wait_for_page(
        "the sex / gender question",
        |page| matches!(page, PageView::Register(view) if view.field == Field::Sex),
    ) else {
        unreachable!()
    };
    let RegisterInput::Choice { choices, .. } = sex.input else {
        panic!("a choice")
    };
    assert_eq!(
        choices,
        ["Woman", "Man", "Non-binary"].map(|l| Choice::Label(l.into()))
    );
    register(&kiosk, RegisterTap::Choose(2));
    register(&kiosk, RegisterTap::Next);
    answer(&kiosk, Field::AddressLine1, "77 FAKEPLACE TESTWAY");
    answer(&kiosk, Field::AddressLine2, "UNIT ZQ9");
    answer(&kiosk, Field::City, "TESTOPOLIS");
    answer(&kiosk, Field::State, "IL");
    answer(&kiosk, Field::Zip, "62794");
    answer(&kiosk, Field::Phone, "2175550142");
    answer(&kiosk, Field::Email, "adaqueen.registrant@example.com");
    on(&kiosk, Field::Language);
    register(&kiosk, RegisterTap::Next);
    answer(&kiosk, Field::ContactFirstName, "BRUNOCLAUS");
    answer(&kiosk, Field::ContactLastName, "SAMPLECONTACT");
    on(&kiosk, Field::Relationship);
    register(&kiosk, RegisterTap::Choose(0));
    register(&kiosk, RegisterTap::Next);
    answer(&kiosk, Field::ContactPhone, "2175550187");
    kiosk.wait_for_page("the review", |page| {
        matches!(page, PageView::RegisterReview(_))
    });
    register(&kiosk, RegisterTap::Send);
    kiosk.wait_for_page("thank you", |page| {
        *page == PageView::Ending(Ending::Registered)
    });

    let item = wait_until("the registration at the office", || {
        let view: RegistrationsView =
            support::staff_get(format!("{base}/api/staff/v1/registrations"))
                .unwrap()
                .json()
                .unwrap();
        view.registrations.into_iter().next()
    });
    assert_eq!(
        item.patient.as_ref().map(|p| p.as_str()),
        Some("REGISTRANTOVA, ADAQUEEN")
    );
    let details: Vec<String> = item
        .details
        .iter()
        .map(|d| format!("{}: {}", d.label, d.value))
        .collect();
    let all = details.join("\n");
    for typed in [
        "QUADDIE",
        "77 FAKEPLACE TESTWAY",
        "UNIT ZQ9",
        "TESTOPOLIS",
        "62794",
        "adaqueen.registrant@example.com",
        "BRUNOCLAUS",
        "Non-binary",
    ] {
        assert!(all.contains(typed), "{typed:?} not in {all}");
    }

    wait_until("the outbox to drain", || {
        (kiosk.outbox_depth() == 0).then_some(())
    });
    let bytes = kiosk_database_bytes(&kiosk);
    assert!(!bytes.is_empty(), "the database files are there to read");
    for typed in [
        "ADAQUEEN",
        "REGISTRANTOVA",
        "QUADDIE",
        "1937-03-14",
        "FAKEPLACE",
        "ZQ9",
        "TESTOPOLIS",
        "62794",
        "2175550142",
        "adaqueen.registrant",
        "BRUNOCLAUS",
        "SAMPLECONTACT",
        "2175550187",
        "nonbinary",
    ] {
        assert!(
            !contains(&bytes, typed),
            "the kiosk database holds {typed:?}"
        );
    }
}

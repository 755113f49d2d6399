//! The insurance step on the real Slint screens (testing backend), tapped by accessible
//! label: in English, typed with the payer searched in the office's list; in Spanish, a
//! SMART Health Card scanned and every field confirmed. Each answer ends as one sealed
//! coverage row in the kiosk's outbox, opened here with the office's key. On the small
//! display, the payers found sit in full view above the search field.
//!
//! Slint's testing platform is one per process and bound to its thread: the scenarios run
//! one after another from a single test.

mod ui_support;

use frontdesk::api::{
    CoverageSubmission, FormSubject, InsuranceReference, OutboxBody, PayerListEntry,
    TrustedShcIssuer,
};
use frontdesk::checkin::{Event, OpResult, StepKind};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{
    AmountDue, AppointmentId, CoverageAnswer, CoverageSource, PayerId, PayerName,
    SubscriberRelationship,
};
use frontdesk::kiosk::Page;
use frontdesk::scan::shc_sample;
use i_slint_backend_testing::ElementHandle;
use slint::{ComponentHandle, LogicalSize};
use ui_support::UiKiosk;

/// The label of the key that types `c`, in the language showing.
fn key_label(kiosk: &UiKiosk, c: char) -> String {
    let spanish = kiosk.visible("Siguiente");
    match c {
        '-' if spanish => "Guion".into(),
        '-' => "Hyphen".into(),
        c => c.to_string(),
    }
}

fn type_keys(kiosk: &UiKiosk, text: &str) {
    for c in text.chars() {
        kiosk.tap(&key_label(kiosk, c));
    }
}

/// The office's payers and trusted card issuer (synthetic).
fn reference() -> InsuranceReference {
    let payer = |id: &str, name: &str| PayerListEntry {
        id: PayerId::new(id).unwrap(),
        name: PayerName::new(name).unwrap(),
    };
    InsuranceReference {
        revision: "r1".into(),
        payers: vec![
            payer("TSTPAYER1", "Testpayer Health Plan"),
            payer("ACME01", "Acme Test Insurance"),
            payer("TSTMUT1", "Tested Mutual of Example"),
        ],
        shc_issuers: vec![TrustedShcIssuer {
            iss: shc_sample::ISSUER.into(),
            jwks: shc_sample::jwks(),
        }],
    }
}

/// Ada checks in for appointment `id`; the coverage look-up finds no office, so she is
/// asked how she gives her insurance.
fn arrive(kiosk: &UiKiosk, id: u64) {
    kiosk.arrive(id, AmountDue::default());
    kiosk.until_page(Page::Insurance);
    kiosk.until_event(
        |e| matches!(e, Event::Completed(c) if c.result == OpResult::CoverageUnavailable),
    );
}

/// The coverage rows waiting in the outbox, opened with the office's key.
fn coverage_rows(kiosk: &UiKiosk) -> Vec<CoverageSubmission> {
    kiosk
        .outbox()
        .into_iter()
        .filter_map(|body| match body {
            OutboxBody::Coverage(coverage) => Some(*coverage),
            _ => None,
        })
        .collect()
}

#[test]
fn a_patient_types_their_insurance_then_another_scans_a_health_card_in_spanish() {
    let kiosk = UiKiosk::start_with(|config| {
        config.leave_out.retain(|s| *s != StepKind::Insurance);
    });
    // Tall enough for every page's buttons (tests/ui_access.rs checks they scroll into
    // view on the real sizes).
    kiosk.ui.window().set_size(LogicalSize::new(1280.0, 1800.0));
    kiosk
        .app
        .dispatch(Event::InsuranceLearned(Box::new(reference())));

    // English, typed.
    arrive(&kiosk, 61);
    assert!(kiosk.visible("How would you like to give your insurance?"));
    assert!(
        !kiosk.visible("Take a photo of my card"),
        "no camera, no photo"
    );
    kiosk.tap("Type it in");
    assert!(kiosk.visible("Who is your insurance company?"));
    type_keys(&kiosk, "TE");
    kiosk.tap("Testpayer Health Plan");
    assert!(kiosk.visible("What is your member ID?"));
    type_keys(&kiosk, "TST-000042");
    kiosk.tap("Next");
    assert!(kiosk.visible("What is your group number?"));
    kiosk.tap("No group number");
    kiosk.tap("Mine");
    kiosk.tap("Next");
    assert!(kiosk.visible("Please check your insurance"));
    assert!(kiosk.visible("TST-000042"));
    kiosk.tap("This is right");
    assert!(kiosk.visible("Do you have a second insurance?"));
    kiosk.tap("No");
    kiosk.until_page(Page::Done);

    let rows = coverage_rows(&kiosk);
    assert_eq!(rows.len(), 1, "one row per answer");
    let row = &rows[0];
    assert_eq!(
        row.subject,
        FormSubject::Appointment(AppointmentId::new(61))
    );
    let CoverageAnswer::Coverages(coverages) = &row.answer else {
        panic!("expected coverages, got {:?}", row.answer);
    };
    let coverage = coverages.primary();
    assert_eq!(coverage.payer().id.as_ref().unwrap().as_str(), "TSTPAYER1");
    assert_eq!(coverage.member_id().as_str(), "TST-000042");
    assert_eq!(coverage.group(), None);
    assert_eq!(coverage.relationship(), SubscriberRelationship::Patient);
    assert_eq!(*coverage.source(), CoverageSource::Typed);
    assert!(coverages.secondary().is_none());
    kiosk.tap("Done");
    kiosk.until_page(Page::Welcome);

    // Spanish, a SMART Health Card: every field it fills in is shown to confirm.
    arrive(&kiosk, 62);
    kiosk.tap("Español");
    assert!(kiosk.visible("¿Cómo quiere darnos su seguro?"));
    kiosk.tap("Escanear el código de mi tarjeta");
    assert!(kiosk.visible("Acerque su tarjeta al escáner"));
    let qr = shc_sample::card_qr(kiosk.now.as_second() - 60);
    kiosk.app.dispatch(Event::Scanned(Scan::classify(qr)));
    assert!(kiosk.visible("¿Cuál es su compañía de seguro médico?"));
    assert!(kiosk.visible("De su tarjeta: revíselo"));
    assert!(kiosk.visible("Elegido: Testpayer Health Plan"));
    kiosk.tap("Siguiente");
    assert!(kiosk.visible("¿Cuál es su número de miembro?"));
    kiosk.tap("Siguiente");
    assert!(kiosk.visible("¿Cuál es su número de grupo?"));
    kiosk.tap("Siguiente");
    assert!(kiosk.visible("¿A nombre de quién está el seguro?"));
    kiosk.tap("Siguiente");
    assert!(kiosk.visible("Revise su seguro"));
    assert!(kiosk.visible("GRP-4242"));
    kiosk.tap("Está correcto");
    kiosk.tap("No");
    kiosk.until_page(Page::Done);

    let rows = coverage_rows(&kiosk);
    assert_eq!(rows.len(), 2);
    let row = rows
        .iter()
        .find(|r| r.subject == FormSubject::Appointment(AppointmentId::new(62)))
        .expect("the second patient's row");
    assert_eq!(row.language, frontdesk::domain::Language::Spanish);
    let CoverageAnswer::Coverages(coverages) = &row.answer else {
        panic!("expected coverages");
    };
    let coverage = coverages.primary();
    assert_eq!(coverage.member_id().as_str(), "TST000123401");
    assert!(matches!(
        coverage.source(),
        CoverageSource::SmartHealthCard { .. }
    ));
    kiosk.tap("Terminar");
    kiosk.until_page(Page::Welcome);

    // The small display: typing "TE" finds three payers; they and "My plan is not listed"
    // lie wholly between the top bar and the search field, none cut off by the box.
    kiosk.ui.window().set_size(LogicalSize::new(800.0, 480.0));
    arrive(&kiosk, 63);
    kiosk.tap("Type it in");
    type_keys(&kiosk, "TE");
    let rect = |label: &str| {
        let found: Vec<_> = ElementHandle::find_by_accessible_label(&kiosk.ui, label).collect();
        assert_eq!(found.len(), 1, "one {label:?}");
        let (at, size) = (found[0].absolute_position(), found[0].size());
        (at.y, at.y + size.height)
    };
    let (field_top, _) = rect("Search for your insurance company");
    assert!(
        !kiosk.visible("Who is your insurance company?"),
        "the question moved into the field, out of the payers' room"
    );
    for payer in [
        "Testpayer Health Plan",
        "Acme Test Insurance",
        "Tested Mutual of Example",
        "My plan is not listed",
    ] {
        let (top, bottom) = rect(payer);
        assert!(
            top >= 60.0 && bottom + 1.0 <= field_top,
            "{payer} in full view: {top}..{bottom}, field at {field_top}"
        );
    }
}

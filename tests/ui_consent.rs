//! A patient reads a consent document and signs it with a finger, through the real Slint
//! screens (testing backend) on a kiosk started by the product's own services: pointer
//! pressed / moved / released on the signature box draw ink as they go, "Sign" waits for a
//! real signature, and the sealed outbox row holds strokes that draw back to an image with
//! ink on it. Offline (no office answers the look-up), every document is asked.

mod ui_support;

use frontdesk::api::OutboxBody;
use frontdesk::checkin::{Event, OpResult, Roster, RosterEntry, StepKind};
use frontdesk::devices::scan::Scan;
use frontdesk::domain::{AmountDue, AppointmentId, ClinicId, PersonName};
use frontdesk::kiosk::{ConsentAdapter, ConsentMode, Page};
use frontdesk::token::CheckInToken;
use i_slint_backend_testing::ElementHandle;
use jiff::ToSpan;
use jiff::civil::Time;
use jiff::tz::TimeZone;
use slint::platform::{PointerEventButton, WindowEvent};
use slint::{ComponentHandle, LogicalPosition};
use ui_support::UiKiosk;

/// Ada scans her code and says yes; the details look-up and the consent look-up find no
/// office, so she is checked in and asked every document.
fn arrive(kiosk: &UiKiosk) {
    let today = kiosk.now.to_zoned(TimeZone::UTC).date();
    let entry = RosterEntry {
        appointment: AppointmentId::new(51),
        display_name: PersonName::new("Ada", "Testpatient")
            .unwrap()
            .display_name(),
        starts_at: Time::constant(16, 30, 0, 0),
        provider: "Dr. Example".into(),
        checked_in: false,
        code: None,
        identity: None,
        due: AmountDue::default(),
    };
    kiosk
        .app
        .dispatch(Event::RosterUpdated(Roster::new(vec![entry], 0)));
    let code = CheckInToken {
        clinic: ClinicId::new(1).unwrap(),
        appointment: AppointmentId::new(51),
        valid_on: today,
        starts_at: Time::constant(16, 30, 0, 0),
        expires_at: kiosk.now + 2.hours(),
    }
    .sign(&kiosk.key)
    .unwrap();
    kiosk.app.dispatch(Event::Scanned(Scan::classify(code)));
    kiosk.tap("Yes, this is me");
    kiosk.until_page(Page::Consent);
    kiosk.until_event(
        |e| matches!(e, Event::Completed(c) if c.result == OpResult::ConsentsUnavailable),
    );
}

/// The signature box's corner and size on screen, in logical pixels.
fn pad(kiosk: &UiKiosk) -> (f32, f32, f32, f32) {
    let boxes: Vec<_> =
        ElementHandle::find_by_accessible_label(&kiosk.ui, "Signature box").collect();
    assert_eq!(boxes.len(), 1, "one signature box");
    let at = boxes[0].absolute_position();
    let size = boxes[0].size();
    (at.x, at.y, size.width, size.height)
}

/// A finger writes a wave across the box: pressed, 40 moves, released.
fn scrawl(kiosk: &UiKiosk) {
    let (x, y, w, h) = pad(kiosk);
    let point = |i: u8| {
        let f = f32::from(i) / 40.0;
        LogicalPosition::new(
            x + w * (0.1 + 0.8 * f),
            y + h * (0.5 + 0.25 * (f * 12.0).sin()),
        )
    };
    let window = kiosk.ui.window();
    window.dispatch_event(WindowEvent::PointerMoved { position: point(0) });
    window.dispatch_event(WindowEvent::PointerPressed {
        position: point(0),
        button: PointerEventButton::Left,
    });
    for i in 1..=40 {
        window.dispatch_event(WindowEvent::PointerMoved { position: point(i) });
        if i == 20 {
            // Ink shows while the finger is still down.
            assert!(
                !kiosk.ui.global::<ConsentAdapter>().get_ink().is_empty(),
                "strokes are drawn as they are made"
            );
        }
    }
    window.dispatch_event(WindowEvent::PointerReleased {
        position: point(40),
        button: PointerEventButton::Left,
    });
}

/// Slint's testing platform belongs to one thread: the scenarios run one after the other.
#[test]
fn consent_by_finger() {
    a_patient_reads_signs_with_a_finger_and_the_sealed_row_draws_back_with_ink();
    on_a_small_screen_in_large_text_every_document_is_signed_by_finger();
}

fn a_patient_reads_signs_with_a_finger_and_the_sealed_row_draws_back_with_ink() {
    let kiosk = UiKiosk::start_with(|config| {
        config
            .leave_out
            .retain(|s| *s != frontdesk::checkin::StepKind::Consent)
    });
    arrive(&kiosk);

    // The first document to read, in the clinic's order.
    assert!(kiosk.visible("Document 1 of 3"));
    assert!(kiosk.visible("Notice of Privacy Practices – Acknowledgement"));
    assert!(
        ElementHandle::find_by_accessible_label(&kiosk.ui, "Notice of Privacy Practices")
            .next()
            .is_some(),
        "the document's heading is on the page"
    );
    kiosk.tap("Sign this document");
    assert_eq!(
        kiosk.ui.global::<ConsentAdapter>().get_mode(),
        ConsentMode::Signing
    );
    assert!(!kiosk.enabled("Sign"), "an empty box cannot be signed");
    assert!(!kiosk.enabled("Undo"));

    // A wave, then undone and written again.
    scrawl(&kiosk);
    assert!(kiosk.enabled("Sign"));
    kiosk.tap("Undo");
    assert!(!kiosk.enabled("Sign"));
    assert!(kiosk.ui.global::<ConsentAdapter>().get_ink().is_empty());
    scrawl(&kiosk);
    kiosk.tap("Sign");
    kiosk.until_event(|e| matches!(e, Event::Completed(c) if c.result == OpResult::Persisted));

    // Saved at once; the next document shows (the rest of the documents: the small-screen
    // scenario below).
    assert!(kiosk.visible("Document 2 of 3"));

    // One sealed consent row, for the appointment, with the strokes drawn.
    let consents: Vec<_> = kiosk
        .outbox()
        .into_iter()
        .filter_map(|body| match body {
            OutboxBody::Consent(consent) => Some(consent),
            _ => None,
        })
        .collect();
    assert_eq!(consents.len(), 1, "one row per signed document");
    let consent = &consents[0];
    assert_eq!(
        consent.subject,
        frontdesk::api::FormSubject::Appointment(AppointmentId::new(51))
    );
    assert_eq!(consent.consent.document.as_str(), "privacy-notice");
    let signature = &consent.consent.signature;
    assert_eq!(signature.strokes().len(), 1, "the undone stroke is gone");
    assert!(signature.point_count() >= 30, "{signature:?}");
    let image = frontdesk::consent::render::render(signature, 500, 200).unwrap();
    let ink = (0..image.height())
        .flat_map(|y| (0..image.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| image.rgba(x, y).is_some_and(|p| p[0] < 128))
        .count();
    assert!(
        ink > 500,
        "the signature draws back with ink: {ink} dark pixels"
    );
    // Where the finger went: the wave spans most of the width.
    let columns = (0..image.width())
        .filter(|&x| (0..image.height()).any(|y| image.rgba(x, y).is_some_and(|p| p[0] < 128)))
        .count();
    assert!(columns > 350, "{columns} columns inked");
}

/// On the smallest screen (800×480) in large text, a patient signs all three documents
/// with a finger only: the document scrolls inside its card when dragged, and "Sign this
/// document" and "Sign" are on screen and answer a real pointer tap.
fn on_a_small_screen_in_large_text_every_document_is_signed_by_finger() {
    let kiosk = UiKiosk::start_with(|config| config.leave_out.retain(|s| *s != StepKind::Consent));
    kiosk
        .ui
        .window()
        .set_size(slint::PhysicalSize::new(800, 480));
    arrive(&kiosk);
    kiosk.press("Larger text");
    // Dragging the text up scrolls the document, not the page.
    // (The testing API finds only what shows: a heading scrolled out of the card is gone.)
    let heading = || {
        ElementHandle::find_by_accessible_label(&kiosk.ui, "Notice of Privacy Practices")
            .next()
            .map(|e| e.absolute_position().y)
    };
    let before = heading().expect("the document's heading shows");
    let (x, y) = {
        let title =
            ElementHandle::find_by_accessible_label(&kiosk.ui, "Notice of Privacy Practices")
                .next()
                .unwrap();
        let at = title.absolute_position();
        (at.x + 40.0, at.y + 30.0)
    };
    let drag: Vec<_> = (0..=10)
        .map(|i| LogicalPosition::new(x, y - 8.0 * i as f32))
        .collect();
    kiosk.finger(&drag);
    let after = heading();
    assert!(
        after.is_none_or(|y| y < before),
        "the text moved up: {before} → {after:?}"
    );

    for number in 1..=3 {
        assert!(kiosk.visible(&format!("Document {number} of 3")));
        kiosk.press("Sign this document");
        assert_eq!(
            kiosk.ui.global::<ConsentAdapter>().get_mode(),
            ConsentMode::Signing
        );
        scrawl(&kiosk);
        kiosk.press("Sign");
        kiosk.until_event(|e| matches!(e, Event::Completed(c) if c.result == OpResult::Persisted));
    }
    kiosk.until_page(Page::Done);

    let rows = kiosk
        .outbox()
        .iter()
        .filter(|body| matches!(body, OutboxBody::Consent(_)))
        .count();
    assert_eq!(rows, 3, "one sealed row per signed document");
}

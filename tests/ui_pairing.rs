//! The "not set up" screen on Slint's testing backend, read and tapped by accessible
//! labels in English and Spanish: a kiosk with no credential shows it (first boot), then
//! its pairing code and the code's QR; a scan starts nothing; "Call staff" still works;
//! disabled says so; set up again, welcome is back.

mod ui_support;

use frontdesk::checkin::{Event, NotSetUp, Setup};
use frontdesk::devices::scan::Scan;
use frontdesk::kiosk::{KioskAdapter, Overlay, Page};
use slint::ComponentHandle;
use ui_support::UiKiosk;

fn page(kiosk: &UiKiosk) -> Page {
    kiosk.ui.global::<KioskAdapter>().get_page()
}

#[test]
fn a_kiosk_without_a_credential_shows_its_pairing_code_in_both_languages() {
    // First boot: no static token, no credential; no office answers.
    let kiosk = UiKiosk::start_with(|config| config.office_token = String::new());
    assert_eq!(page(&kiosk), Page::NotSetUp);
    assert!(kiosk.visible("This check-in screen is not set up yet"));
    assert!(kiosk.visible("Please check in at the front desk."));
    assert!(kiosk.visible("Staff: getting a pairing code from the office…"));
    assert!(!kiosk.visible("QR code of the pairing code"));

    kiosk
        .app
        .dispatch(Event::SetupChanged(Setup::NotSetUp(NotSetUp::Pairing {
            code: Some("K7QM-W3XP".into()),
        })));
    assert!(kiosk.visible("Pairing code K7QM-W3XP"));
    assert!(kiosk.visible("QR code of the pairing code"));
    assert!(kiosk.visible(
        "Staff: an administrator opens Kiosks on the staff page and enters this code, or scans it."
    ));

    // A patient's scan starts nothing here.
    kiosk
        .app
        .dispatch(Event::Scanned(Scan::classify("not a check-in code".into())));
    assert_eq!(page(&kiosk), Page::NotSetUp);

    // "Call staff" is still in the header.
    kiosk.tap("Call staff");
    assert_eq!(
        kiosk.ui.global::<KioskAdapter>().get_overlay(),
        Overlay::Help
    );
    kiosk.tap("Back");
    assert_eq!(
        kiosk.ui.global::<KioskAdapter>().get_overlay(),
        Overlay::None
    );

    kiosk.tap("Español");
    assert!(kiosk.visible("Esta pantalla de registro todavía no está configurada"));
    assert!(kiosk.visible("Por favor, regístrese en la recepción."));
    assert!(kiosk.visible("Código de vinculación K7QM-W3XP"));
    assert!(kiosk.visible("Código QR del código de vinculación"));

    kiosk
        .app
        .dispatch(Event::SetupChanged(Setup::NotSetUp(NotSetUp::Disabled)));
    assert!(kiosk.visible("Esta pantalla de registro está apagada"));
    assert!(kiosk.visible(
        "Personal: un administrador puede volver a encenderla en Quioscos, en la página del personal."
    ));
    assert!(!kiosk.visible("Código de vinculación K7QM-W3XP"));
    kiosk.tap("English");
    assert!(kiosk.visible("This check-in screen is turned off"));

    // Paired and enabled: patients check in again.
    kiosk.app.dispatch(Event::SetupChanged(Setup::Ready));
    assert_eq!(page(&kiosk), Page::Welcome);
}

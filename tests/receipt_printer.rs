//! The production receipt printer driver against the printer simulator on a
//! pseudo-terminal: a full receipt prints and reads back as text with its QR payload, in
//! English and in Spanish (accents through code page PC850); paper low, paper out and an
//! off-line printer are reported; a printer unplugged under the driver is a typed error.

use frontdesk::devices::escpos::{CUT_LINE, PaperSensor};
use frontdesk::devices::printer::{PrinterError, PrinterSettings, PrinterStatus, ReceiptPrinter};
use frontdesk::devices::printer_sim::PrinterSimulator;
use frontdesk::devices::receipt::{
    AuthCode, Columns, Initials, Language, Layout, MaskedCard, QrMode, Receipt, Reference,
};
use frontdesk::domain::Cents;
use std::time::Duration;

/// Synthetic: a demo practice, made-up initials, the terminal's masked test card.
fn receipt() -> Receipt {
    Receipt {
        language: Language::English,
        practice: "Demo Family Practice".into(),
        paid_at: jiff::civil::date(2026, 11, 25).at(9, 41, 0, 0),
        initials: Some(Initials::new("A. T.").unwrap()),
        amount: Cents::new(2500),
        card: MaskedCard::new("************1234").unwrap(),
        auth_code: AuthCode::new("123456").unwrap(),
        terminal_lines: vec![
            "DEMO TERMINAL 0001".into(),
            "SALE".into(),
            "VISA CONTACTLESS".into(),
            "Please keep this receipt for your records and thank you for your payment".into(),
        ],
        reference: Reference::new("FD1:9b2f0c7e-demo-ref").unwrap(),
    }
}

fn printer(sim: &PrinterSimulator, layout: Layout) -> ReceiptPrinter {
    ReceiptPrinter::open(PrinterSettings {
        layout,
        status_timeout: Duration::from_millis(200),
        write_timeout: Duration::from_secs(2),
        ..PrinterSettings::new(sim.port_path())
    })
    .unwrap()
}

#[test]
fn a_full_receipt_prints_and_reads_back_as_text() {
    let sim = PrinterSimulator::new().unwrap();
    let mut printer = printer(&sim, Layout::default());

    assert_eq!(printer.print(&receipt()).unwrap(), PrinterStatus::Ok);
    // The status answer after the receipt means the simulator has read every byte of it.
    let expected = [
        "Demo Family",
        "Practice",
        "11/25/2026 9:41 AM",
        "",
        "Patient                    A. T.",
        "Card            ************1234",
        "Auth code                 123456",
        "Paid                      $25.00",
        "================================",
        "DEMO TERMINAL 0001",
        "SALE",
        "VISA CONTACTLESS",
        "Please keep this receipt for",
        "your records and thank you for",
        "your payment",
        "================================",
        "[QR: FD1:9b2f0c7e-demo-ref]",
        "FD1:9b2f0c7e-demo-ref",
        "",
        "Thank you!",
        "",
        "",
        "",
        "",
        CUT_LINE,
    ]
    .map(|line| format!("{line}\n"))
    .concat();
    assert_eq!(sim.render().unwrap(), expected);
}

#[test]
fn a_spanish_receipt_prints_with_its_accents() {
    let sim = PrinterSimulator::new().unwrap();
    let mut printer = printer(&sim, Layout::default());
    let receipt = Receipt {
        language: Language::Spanish,
        practice: "Clínica Familiar Demo".into(),
        // The terminal's own lines stay ASCII: an accent from it prints as `?`.
        terminal_lines: vec!["VENTA".into(), "TRANSACCIÓN APROBADA".into()],
        ..receipt()
    };

    assert_eq!(printer.print(&receipt).unwrap(), PrinterStatus::Ok);
    let expected = [
        "Clínica Familiar",
        "Demo",
        "25/11/2026 9:41",
        "",
        "Paciente                   A. T.",
        "Tarjeta         ************1234",
        "Código de autorización    123456",
        "Pagado                    $25.00",
        "================================",
        "VENTA",
        "TRANSACCI?N APROBADA",
        "================================",
        "[QR: FD1:9b2f0c7e-demo-ref]",
        "FD1:9b2f0c7e-demo-ref",
        "",
        "¡Gracias!",
        "",
        "",
        "",
        "",
        CUT_LINE,
    ]
    .map(|line| format!("{line}\n"))
    .concat();
    assert_eq!(sim.render().unwrap(), expected);
    // The code page is chosen before any text: the status request, ESC @, ESC t 2 (PC850).
    assert!(sim.received().starts_with(b"\x10\x04\x04\x1b@\x1bt\x02"));
}

#[test]
fn a_wide_printer_without_native_qr_gets_a_bitmap() {
    let sim = PrinterSimulator::new().unwrap();
    let layout = Layout {
        columns: Columns::WIDE_48,
        qr: QrMode::Bitmap,
    };
    let mut printer = printer(&sim, layout);

    printer.print(&receipt()).unwrap();
    let text = sim.render().unwrap();
    assert!(text.starts_with("Demo Family Practice\n"), "{text}");
    assert!(
        text.contains(&format!("Paid{}$25.00\n", " ".repeat(38))),
        "{text}"
    );
    assert!(
        text.contains("\n[image 200x198]\nFD1:9b2f0c7e-demo-ref\n"),
        "{text}"
    );
    assert!(!text.contains("[QR:"));
}

#[test]
fn paper_states_are_reported_and_paper_out_refuses_to_print() {
    let sim = PrinterSimulator::new().unwrap();
    let mut printer = printer(&sim, Layout::default());
    assert_eq!(printer.status().unwrap(), PrinterStatus::Ok);

    sim.set_paper(PaperSensor::NearEnd);
    assert_eq!(printer.status().unwrap(), PrinterStatus::PaperLow);
    assert_eq!(printer.print(&receipt()).unwrap(), PrinterStatus::PaperLow);

    sim.set_paper(PaperSensor::Out);
    let before = sim.received().len();
    assert_eq!(printer.status().unwrap(), PrinterStatus::PaperOut);
    assert!(matches!(
        printer.print(&receipt()),
        Err(PrinterError::NotReady(PrinterStatus::PaperOut))
    ));
    // Only the two status requests went out, no receipt.
    assert_eq!(sim.received().len(), before + 6);
    assert_eq!(sim.render().unwrap().matches(CUT_LINE).count(), 1);

    sim.set_paper(PaperSensor::Adequate);
    assert_eq!(printer.status().unwrap(), PrinterStatus::Ok);
}

#[test]
fn a_silent_printer_is_offline() {
    let sim = PrinterSimulator::new().unwrap();
    let mut printer = printer(&sim, Layout::default());
    sim.set_online(false);
    assert_eq!(printer.status().unwrap(), PrinterStatus::Offline);
    assert!(matches!(
        printer.print(&receipt()),
        Err(PrinterError::NotReady(PrinterStatus::Offline))
    ));
    sim.set_online(true);
    assert_eq!(printer.print(&receipt()).unwrap(), PrinterStatus::Ok);
}

#[test]
fn an_unplugged_printer_is_a_typed_error() {
    let sim = PrinterSimulator::new().unwrap();
    let mut printer = printer(&sim, Layout::default());
    assert_eq!(printer.status().unwrap(), PrinterStatus::Ok);

    sim.disconnect();
    assert!(matches!(
        printer.print(&receipt()),
        Err(PrinterError::Disconnected(_))
    ));
    assert!(matches!(
        printer.status(),
        Err(PrinterError::Disconnected(_))
    ));
}

#[test]
fn a_missing_port_is_a_typed_error() {
    let settings = PrinterSettings::new("/dev/frontdesk-no-such-printer");
    assert!(matches!(
        ReceiptPrinter::open(settings),
        Err(PrinterError::Open { .. })
    ));
}

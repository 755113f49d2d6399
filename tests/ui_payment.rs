//! A patient pays the co-pay by tapping through the real Slint screens (testing backend),
//! against the ZVT terminal simulator on a pseudo-terminal, on a kiosk started by the
//! product's own services, with the receipt printer simulator on another: approved
//! (charged once, payment row in the outbox, receipt printed in the patient's language),
//! declined then the desk, a cancel that really aborts at the terminal, and an answer
//! the kiosk cannot read, settled by asking the terminal.

mod ui_support;

use frontdesk::checkin::{Event, PaymentsReadiness};
use frontdesk::devices::printer_sim::PrinterSimulator;
use frontdesk::devices::zvt_sim::{Behaviour, SimTimings, ZvtSimulator};
use frontdesk::domain::{AmountDue, Cents};
use frontdesk::kiosk::Page;
use frontdesk::kiosk::config::{CardTerminalConfig, ReceiptPrinterConfig};
use frontdesk::store::{KioskStore, PendingRow};
use std::time::{Duration, Instant};
use ui_support::UiKiosk;

/// A patient with appointment `id` owing $25.00 scans their code and says "yes".
fn arrive(kiosk: &UiKiosk, id: u64) {
    kiosk.arrive(
        id,
        AmountDue {
            copay: Cents::new(2500),
            balance: Cents::ZERO,
        },
    );
    // No office answers the details look-up here: flagged for the desk, then on.
    kiosk.until_page(Page::Payment);
    // Nor the look-up of what is due now: the roster's amount is offered.
    kiosk.until_event(|e| {
        matches!(e, Event::Completed(c) if c.result == frontdesk::checkin::OpResult::DueUnavailable)
    });
    assert!(kiosk.visible("Your co-pay today is $25.00"));
}

fn outbox_kinds(kiosk: &UiKiosk) -> Vec<&'static str> {
    KioskStore::open(&kiosk.db_path)
        .unwrap()
        .pending(0, 100)
        .unwrap()
        .into_iter()
        .map(|row| match row {
            PendingRow::Sealed(row) => row.kind.as_str(),
            PendingRow::Unreadable { .. } => "unreadable",
        })
        .collect()
}

#[test]
fn a_patient_pays_is_declined_and_cancels_on_the_terminal() {
    let terminal = ZvtSimulator::with_timings(SimTimings {
        card_wait: Duration::from_secs(30),
        ..SimTimings::instant()
    })
    .unwrap();
    let printer = PrinterSimulator::new().unwrap();
    let kiosk = UiKiosk::start_with(|config| {
        config.card_terminal = Some(CardTerminalConfig::new(terminal.port_path().to_owned()));
        config.receipt_printer = Some(ReceiptPrinterConfig::new(printer.port_path().to_owned()));
    });
    kiosk.until_event(|e| matches!(e, Event::PaymentsReadiness(PaymentsReadiness::Ready)));
    // The printer worker asks the paper state as it starts; wait until it has answered.
    let deadline = Instant::now() + Duration::from_secs(10);
    while printer.received().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));

    // Approved, in Spanish: charged once, the done page says so, the payment waits
    // sealed in the outbox, and the receipt prints in Spanish with initials only.
    arrive(&kiosk, 41);
    kiosk.tap("Español");
    kiosk.tap("Pagar $25.00 ahora");
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("Pagó $25.00. Por favor, tome su recibo."));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut printed = String::new();
    while !printed.contains("Pagado") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        printed = printer.render().unwrap_or_default();
    }
    assert!(printed.contains("Código de autorización"), "{printed}");
    assert!(printed.contains("A. T."), "{printed}");
    assert!(printed.contains("$25.00"), "{printed}");
    assert!(
        !printed.contains("Testpatient"),
        "no name on paper: {printed}"
    );
    assert_eq!(
        terminal
            .charged()
            .iter()
            .map(|c| c.amount)
            .collect::<Vec<_>>(),
        [Cents::new(2500)]
    );
    assert!(outbox_kinds(&kiosk).contains(&"payment"));
    kiosk.tap("Terminar");
    kiosk.until_page(Page::Welcome);
    assert!(
        kiosk.visible("Español"),
        "the next patient starts in English"
    );

    // Declined: nothing charged, try again offered, then the desk.
    arrive(&kiosk, 42);
    terminal.set_next(Behaviour::Decline);
    kiosk.tap("Pay $25.00 now");
    kiosk.until_event(|e| {
        matches!(
            e,
            Event::Completed(c) if matches!(c.result, frontdesk::checkin::OpResult::Payment(_))
        )
    });
    assert!(kiosk.visible("The card was declined"));
    assert!(kiosk.visible("Try again"));
    kiosk.tap("Pay at the front desk");
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("Please pay $25.00 at the front desk."));
    assert_eq!(terminal.charged().len(), 1, "the decline charged nothing");
    kiosk.tap("Done");

    // Cancel while the terminal waits for a card: it aborts there, back to the choice.
    arrive(&kiosk, 43);
    terminal.set_next(Behaviour::NoCard);
    kiosk.tap("Pay $25.00 now");
    kiosk.until_event(|e| {
        matches!(
            e,
            Event::Completed(c) if matches!(c.result, frontdesk::checkin::OpResult::TerminalPrompt(_))
        )
    });
    assert!(kiosk.visible("Insert, tap or swipe your card"));
    kiosk.tap("Cancel payment");
    assert!(!kiosk.enabled("Cancelling…"));
    kiosk.until_event(|e| {
        matches!(
            e,
            Event::Completed(c) if matches!(c.result, frontdesk::checkin::OpResult::Payment(_))
        )
    });
    assert!(kiosk.visible("Your co-pay today is $25.00"));
    assert_eq!(
        terminal.charged().len(),
        1,
        "the cancelled payment charged nothing"
    );
    assert!(
        terminal.commands().contains(&(0x06, 0xB0)),
        "the kiosk sent the terminal an abort"
    );

    kiosk.tap("Pay at the front desk");
    kiosk.until_page(Page::Done);
    kiosk.tap("Done");

    // The terminal charges but its answer cannot be read: the kiosk asks it what
    // happened, finds the charge, and the patient is told they paid (no receipt: the
    // terminal's lines were in the lost answer).
    arrive(&kiosk, 44);
    terminal.set_next(Behaviour::GarbledResult);
    kiosk.tap("Pay $25.00 now");
    kiosk.until_page(Page::Done);
    assert!(kiosk.visible("You paid $25.00. Thank you."));
    assert_eq!(
        terminal.charged().len(),
        2,
        "charged once more, exactly once"
    );
}

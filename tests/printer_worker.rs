//! The kiosk's printer worker against the printer simulator on a pseudo-terminal: it
//! prints what it is handed, in order, without holding up the caller; reports paper low,
//! paper out and a silent printer; drops a receipt it cannot print; finds the printer
//! again after the cable is pulled and plugged back in.

mod support;

use frontdesk::api::PrinterHealth;
use frontdesk::devices::escpos::{CUT_LINE, PaperSensor};
use frontdesk::devices::printer::PrinterSettings;
use frontdesk::devices::printer_sim::PrinterSimulator;
use frontdesk::devices::receipt::{AuthCode, Initials, Language, MaskedCard, Receipt, Reference};
use frontdesk::domain::Cents;
use frontdesk::kiosk::printer_worker::{PrinterHealthHandle, PrinterWorker};
use std::path::Path;
use std::time::Duration;
use support::wait_until;

/// Synthetic: a demo practice, made-up initials, the terminal's masked test card.
fn receipt(reference: &str) -> Receipt {
    Receipt {
        language: Language::Spanish,
        practice: "Clínica Demo".into(),
        paid_at: jiff::civil::date(2026, 11, 25).at(9, 41, 0, 0),
        initials: Some(Initials::new("A. T.").unwrap()),
        amount: Cents::new(2500),
        card: MaskedCard::new("************1234").unwrap(),
        auth_code: AuthCode::new("123456").unwrap(),
        terminal_lines: vec!["VENTA".into()],
        reference: Reference::new(reference).unwrap(),
    }
}

fn worker(port: &Path, status_every: Duration) -> PrinterWorker {
    PrinterWorker::start(
        PrinterSettings {
            status_timeout: Duration::from_millis(50),
            write_timeout: Duration::from_secs(2),
            ..PrinterSettings::new(port)
        },
        status_every,
    )
    .unwrap()
}

fn wait_for_health(health: &PrinterHealthHandle, want: PrinterHealth) {
    wait_until(&format!("printer health {want:?}"), || {
        (health.get() == want).then_some(())
    });
}

fn receipts_printed(sim: &PrinterSimulator) -> usize {
    sim.render().unwrap().matches(CUT_LINE).count()
}

#[test]
fn prints_what_it_is_handed_and_reports_the_paper() {
    let sim = PrinterSimulator::new().unwrap();
    let worker = worker(sim.port_path(), Duration::from_millis(20));
    let health = worker.health();
    wait_for_health(&health, PrinterHealth::Ok);

    worker.print(receipt("FD1:first"));
    worker.print(receipt("FD1:second"));
    wait_until("both receipts", || {
        (receipts_printed(&sim) == 2).then_some(())
    });
    let text = sim.render().unwrap();
    assert!(text.contains("Código de autorización    123456"), "{text}");
    let first = text.find("[QR: FD1:first]").unwrap();
    assert!(first < text.find("[QR: FD1:second]").unwrap(), "in order");

    // Asked every few milliseconds here, without any print.
    sim.set_paper(PaperSensor::NearEnd);
    wait_for_health(&health, PrinterHealth::PaperLow);
    sim.set_paper(PaperSensor::Out);
    wait_for_health(&health, PrinterHealth::PaperOut);
    sim.set_paper(PaperSensor::Adequate);
    wait_for_health(&health, PrinterHealth::Ok);
}

#[test]
fn a_receipt_for_a_printer_out_of_paper_is_dropped_not_kept() {
    let sim = PrinterSimulator::new().unwrap();
    // No periodic question during the test: every status request comes from a print.
    let worker = worker(sim.port_path(), Duration::from_secs(3600));
    let health = worker.health();
    wait_for_health(&health, PrinterHealth::Ok);

    sim.set_paper(PaperSensor::Out);
    worker.print(receipt("FD1:lost"));
    // The print's own status question saw the paper out.
    wait_for_health(&health, PrinterHealth::PaperOut);
    assert_eq!(receipts_printed(&sim), 0);

    // Paper back: the next receipt prints, the dropped one never comes out.
    sim.set_paper(PaperSensor::Adequate);
    worker.print(receipt("FD1:next"));
    wait_until("the next receipt", || {
        (receipts_printed(&sim) == 1).then_some(())
    });
    wait_for_health(&health, PrinterHealth::Ok);
    let text = sim.render().unwrap();
    assert!(
        text.contains("[QR: FD1:next]") && !text.contains("FD1:lost"),
        "{text}"
    );
}

#[test]
fn a_silent_printer_is_offline_until_it_answers_again() {
    let sim = PrinterSimulator::new().unwrap();
    let worker = worker(sim.port_path(), Duration::from_millis(20));
    let health = worker.health();
    wait_for_health(&health, PrinterHealth::Ok);

    sim.set_online(false);
    wait_for_health(&health, PrinterHealth::Offline);
    sim.set_online(true);
    wait_for_health(&health, PrinterHealth::Ok);
    worker.print(receipt("FD1:after"));
    wait_until("the receipt after", || {
        (receipts_printed(&sim) == 1).then_some(())
    });
}

#[test]
fn a_pulled_cable_is_offline_and_the_printer_is_found_again() {
    let dir = tempfile::tempdir().unwrap();
    // The configured port is a stable name, as a udev rule gives a USB printer: here a
    // link to whichever pseudo-terminal is "plugged in".
    let port = dir.path().join("receipt-printer");
    let plug = |sim: &PrinterSimulator| {
        let staged = dir.path().join("staged");
        std::os::unix::fs::symlink(sim.port_path(), &staged).unwrap();
        std::fs::rename(&staged, &port).unwrap();
    };
    let first = PrinterSimulator::new().unwrap();
    plug(&first);
    let worker = worker(&port, Duration::from_millis(20));
    let health = worker.health();
    wait_for_health(&health, PrinterHealth::Ok);

    first.disconnect();
    wait_for_health(&health, PrinterHealth::Offline);

    let second = PrinterSimulator::new().unwrap();
    plug(&second);
    wait_for_health(&health, PrinterHealth::Ok);
    worker.print(receipt("FD1:replugged"));
    wait_until("a receipt on the printer plugged back in", || {
        (receipts_printed(&second) == 1).then_some(())
    });
    assert!(second.render().unwrap().contains("[QR: FD1:replugged]"));
}

#[test]
fn a_printer_that_is_not_there_at_start_is_offline_and_print_returns_at_once() {
    let worker = worker(
        Path::new("/dev/frontdesk-no-such-printer"),
        Duration::from_millis(20),
    );
    let health = worker.health();
    assert_eq!(health.get(), PrinterHealth::Offline);
    for n in 0..20 {
        worker.print(receipt(&format!("FD1:{n}")));
    }
    // Dropping the worker stops its thread even with receipts still queued.
    drop(worker);
    assert_eq!(health.get(), PrinterHealth::Offline);
    assert_eq!(
        PrinterHealthHandle::default().get(),
        PrinterHealth::NotConfigured
    );
}

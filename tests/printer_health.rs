//! The receipt printer's health travels with the kiosk's heartbeat to the office over
//! real HTTP: the printer simulator on a pseudo-terminal, the kiosk's printer worker and
//! sync thread, the office hub on loopback. Paper out and a silent printer reach the staff
//! view, and so does the recovery; a kiosk without a printer, or from before printers,
//! reports none.

mod support;

use frontdesk::api::PrinterHealth;
use frontdesk::devices::escpos::PaperSensor;
use frontdesk::devices::printer::PrinterSettings;
use frontdesk::devices::printer_sim::PrinterSimulator;
use frontdesk::kiosk::printer_worker::PrinterWorker;
use frontdesk::sync::{OfficeClient, SyncHandle, SyncWorker, WorkerSettings};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use support::{KIOSK_TOKEN, TestOffice, fast_sync, start_office, wait_until};

fn sync_worker(base: &str, db: &Path, settings: WorkerSettings) -> SyncHandle {
    SyncWorker::start(
        OfficeClient::new(base, KIOSK_TOKEN).unwrap(),
        db.to_owned(),
        settings,
        Arc::new(AtomicBool::new(true)),
        |_| {},
    )
    .unwrap()
}

fn wait_for_staff_view(office: &TestOffice, want: PrinterHealth) {
    wait_until(
        &format!("the staff view to show the printer {want:?}"),
        || {
            office
                .queue()
                .kiosks
                .first()
                .is_some_and(|k| k.printer == want)
                .then_some(())
        },
    );
}

#[test]
fn paper_out_and_a_silent_printer_reach_the_office_and_so_does_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());
    let sim = PrinterSimulator::new().unwrap();
    let printer = PrinterWorker::start(
        PrinterSettings {
            status_timeout: Duration::from_millis(50),
            ..PrinterSettings::new(sim.port_path())
        },
        Duration::from_millis(20),
    )
    .unwrap();
    let _sync = sync_worker(
        &office.base,
        &dir.path().join("kiosk.db"),
        WorkerSettings {
            printer: printer.health(),
            ..fast_sync()
        },
    );

    wait_for_staff_view(&office, PrinterHealth::Ok);
    sim.set_paper(PaperSensor::Out);
    wait_for_staff_view(&office, PrinterHealth::PaperOut);
    sim.set_paper(PaperSensor::NearEnd);
    wait_for_staff_view(&office, PrinterHealth::PaperLow);
    sim.set_online(false);
    wait_for_staff_view(&office, PrinterHealth::Offline);
    sim.set_online(true);
    sim.set_paper(PaperSensor::Adequate);
    wait_for_staff_view(&office, PrinterHealth::Ok);
}

#[test]
fn a_kiosk_without_a_printer_or_from_before_printers_reports_none() {
    let dir = tempfile::tempdir().unwrap();
    let office = start_office(&dir.path().join("office"), "127.0.0.1:0".parse().unwrap());

    // A kiosk from before printers: its heartbeat has no `printer` at all.
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/api/kiosk/v1/heartbeat", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .json(&serde_json::json!({
            "sent_at": "2026-11-25T09:00:00Z",
            "version": "0.0.9",
            "uptime_secs": 5,
            "outbox": { "state": "ok", "depth": 0 },
            "scanner_connected": true,
        }))
        .send()
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let kiosk = office.queue().kiosks.remove(0);
    assert_eq!(
        (kiosk.version.as_str(), kiosk.printer),
        ("0.0.9", PrinterHealth::NotConfigured)
    );

    // A kiosk of today with no `[receipt_printer]`: the default settings report none.
    let _sync = sync_worker(&office.base, &dir.path().join("kiosk.db"), fast_sync());
    let printer = wait_until("the new kiosk's heartbeat", || {
        let kiosk = office.queue().kiosks.remove(0);
        (kiosk.version == env!("CARGO_PKG_VERSION")).then_some(kiosk.printer)
    });
    assert_eq!(printer, PrinterHealth::NotConfigured);

    // An unknown printer state is refused, not stored as something else.
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/api/kiosk/v1/heartbeat", office.base))
        .bearer_auth(KIOSK_TOKEN)
        .json(&serde_json::json!({
            "sent_at": "2026-11-25T09:00:00Z",
            "version": "0.0.9",
            "uptime_secs": 5,
            "outbox": { "state": "ok", "depth": 0 },
            "scanner_connected": true,
            "printer": "on_fire",
        }))
        .send()
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}

//! The production scanner driver against the scanner simulator on a pseudo-terminal:
//! clean lines come through; noise, partial and overlong lines are dropped, never a crash.

use frontdesk::devices::scanner::{MAX_LINE, Scanner, ScannerPort};
use frontdesk::devices::scanner_sim::ScannerSimulator;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn driver_passes_clean_lines_and_drops_garbage() {
    let mut sim = ScannerSimulator::new().unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let scanner = Scanner::start(
        ScannerPort {
            path: sim.port_path().to_owned(),
            baud: 9600,
        },
        move |line| tx.lock().unwrap().send(line).unwrap(),
    )
    .unwrap();
    assert!(scanner.is_connected());

    sim.scan("FD1:FIRST").unwrap();
    sim.send_raw(b"\x00\x1b[binary\x07noise\r\n").unwrap();
    sim.send_raw(&vec![b'X'; MAX_LINE * 2]).unwrap();
    sim.send_raw(b"\r\n").unwrap();
    sim.send_raw(b"\xc3\x28 bad utf8\r\n").unwrap();
    // A partial line, then the scanner goes quiet: it must not glue onto the next scan.
    sim.send_raw(b"FD1:PART").unwrap();
    std::thread::sleep(Duration::from_millis(600));
    sim.scan("FD1:SECOND").unwrap();
    sim.scan("Peña 123").unwrap();

    let mut lines = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(3)) {
        lines.push(line);
        if lines.len() == 3 {
            break;
        }
    }
    assert_eq!(lines, ["FD1:FIRST", "FD1:SECOND", "Peña 123"]);
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
}

#[test]
fn a_wrong_port_is_an_error_at_start() {
    let result = Scanner::start(
        ScannerPort {
            path: "/dev/does-not-exist-frontdesk".into(),
            baud: 9600,
        },
        |_| {},
    );
    assert!(result.is_err());
}

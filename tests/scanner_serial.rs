//! The production scanner driver against the scanner simulator on a pseudo-terminal: a
//! scan ends at the configured suffix or at silence, keeps its control bytes (a licence
//! arrives whole) and is classified; noise and overlong scans are dropped, never a crash.

use frontdesk::devices::framing::{MAX_SCAN, Terminator};
use frontdesk::devices::scanner::{Scanner, ScannerError, ScannerPort};
use frontdesk::devices::scanner_sim::{ScannerSimulator, Suffix};
use frontdesk::devices::{Scan, ScanKind};
use std::sync::{Mutex, mpsc};
use std::time::Duration;

/// A synthetic licence (obviously fake: "TESTPATIENT, ADA", born 01011950, the sample IIN
/// 636000): the AAMVA header's LF, RS and CR, LF between fields, CR after each subfile.
const LICENCE: &str = "@\n\x1e\rANSI 636000100002DL00410099ZV01400008\
                       DLDAQT0000001\nDCSTESTPATIENT\nDACADA\nDBB01011950\nDBA01012099\nDAJZZ\r\
                       ZVZVA01\r";
const SHC: &str = "shc:/56762909524320603460292437404460312229595326546034602925407728";
/// Long enough for one scan to arrive in pieces, short enough to fit the allowed range.
const LONG_GAP: Duration = Duration::from_millis(1500);
const WAIT: Duration = Duration::from_secs(5);

fn start(
    sim: &ScannerSimulator,
    terminator: Terminator,
    gap: Duration,
) -> (Scanner, mpsc::Receiver<Scan>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let scanner = Scanner::start(
        ScannerPort {
            terminator,
            gap,
            ..ScannerPort::new(sim.port_path())
        },
        move |scan| tx.lock().unwrap().send(scan).unwrap(),
    )
    .unwrap();
    assert!(scanner.is_connected());
    (scanner, rx)
}

/// The next `n` scans, then nothing more.
fn receive(rx: &mpsc::Receiver<Scan>, n: usize) -> Vec<Scan> {
    let scans: Vec<Scan> = (0..n).map_while(|_| rx.recv_timeout(WAIT).ok()).collect();
    assert_eq!(scans.len(), n, "received {scans:?}");
    assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
    scans
}

#[test]
fn a_licence_arrives_as_one_scan_with_its_control_bytes() {
    let mut sim = ScannerSimulator::new().unwrap();
    let (_scanner, rx) = start(&sim, Terminator::Cr, Duration::from_millis(100));

    sim.scan(LICENCE).unwrap();
    let scan = rx.recv_timeout(WAIT).unwrap();
    assert_eq!(scan, Scan::DriversLicence(LICENCE.into()));
    assert!(scan.text().contains("\n\x1e\r") && scan.text().ends_with("ZVA01\r"));

    // The scanner goes back to ordinary codes, ended by its CR.
    sim.scan("FD1:AFTERLICENCE").unwrap();
    assert_eq!(
        receive(&rx, 1),
        [Scan::CheckInCode("FD1:AFTERLICENCE".into())]
    );
}

#[test]
fn clean_scans_are_classified_and_garbage_is_dropped() {
    let mut sim = ScannerSimulator::new().unwrap();
    let (_scanner, rx) = start(&sim, Terminator::Cr, Duration::from_millis(100));

    sim.scan("FD1:FIRST").unwrap();
    sim.send_raw(b"\x00\x1b[binary\x07noise\r").unwrap();
    sim.send_raw(&vec![b'X'; MAX_SCAN * 2]).unwrap();
    sim.send_raw(b"\r").unwrap();
    sim.send_raw(b"\xc3\x28 bad utf8\r").unwrap();
    sim.scan("FD1:SECOND").unwrap();
    // A scanner still set up for CR LF: the LF is not a scan of its own.
    sim.scan_with("Peña 123".as_bytes(), Suffix::CrLf).unwrap();
    sim.scan(SHC).unwrap();

    assert_eq!(
        receive(&rx, 4),
        [
            Scan::CheckInCode("FD1:FIRST".into()),
            Scan::CheckInCode("FD1:SECOND".into()),
            Scan::Other("Peña 123".into()),
            Scan::SmartHealthCard(SHC.into()),
        ]
    );
}

#[test]
fn each_terminator_setting_ends_scans_at_its_suffix_only() {
    // Per setting: a text holding the other settings' suffix bytes, which must stay inside.
    for (terminator, inner) in [
        (Terminator::Cr, "GS1\x1d0105\tLOT\n7"),
        (Terminator::Lf, "GS1\x1d0105\tLOT\r7"),
        (Terminator::CrLf, "GS1\x1d0105\tLOT\r7\n8"),
        (Terminator::Tab, "GS1\x1d0105\r\nLOT\r7"),
    ] {
        let mut sim = ScannerSimulator::new().unwrap();
        sim.set_suffix(terminator.into());
        let (_scanner, rx) = start(&sim, terminator, Duration::from_millis(100));
        sim.scan("FD1:CODE").unwrap();
        sim.scan(inner).unwrap();
        sim.scan(LICENCE).unwrap();
        assert_eq!(
            receive(&rx, 3),
            [
                Scan::CheckInCode("FD1:CODE".into()),
                Scan::Other(inner.into()),
                Scan::DriversLicence(LICENCE.into()),
            ],
            "{terminator:?}"
        );
    }
}

#[test]
fn silence_ends_a_scan_and_pieces_within_the_gap_stay_one_scan() {
    let mut sim = ScannerSimulator::new().unwrap();
    sim.set_suffix(Suffix::None);
    let (_scanner, rx) = start(&sim, Terminator::Cr, LONG_GAP);

    // A scanner that sends in blocks: the pauses are far shorter than the gap.
    sim.send_in_pieces(&[b"FD1:PA", b"RT", b"S"], Duration::from_millis(20))
        .unwrap();
    assert_eq!(
        rx.recv_timeout(WAIT).unwrap(),
        Scan::CheckInCode("FD1:PARTS".into())
    );

    // That scan arrived only because the line went quiet; the next one is its own.
    sim.scan("FD1:NEXT").unwrap();
    assert_eq!(receive(&rx, 1), [Scan::CheckInCode("FD1:NEXT".into())]);
}

#[test]
fn a_wrong_port_or_gap_is_an_error_at_start() {
    let result = Scanner::start(ScannerPort::new("/dev/does-not-exist-frontdesk"), |_| {});
    assert!(matches!(result, Err(ScannerError::Open { .. })));
    let sim = ScannerSimulator::new().unwrap();
    let result = Scanner::start(
        ScannerPort {
            gap: Duration::ZERO,
            ..ScannerPort::new(sim.port_path())
        },
        |_| {},
    );
    assert!(matches!(result, Err(ScannerError::Gap)));
}

#[test]
fn scan_kinds_reach_the_callback_without_their_content_in_debug() {
    let mut sim = ScannerSimulator::new().unwrap();
    let (_scanner, rx) = start(&sim, Terminator::Tab, Duration::from_millis(100));
    sim.set_suffix(Suffix::Tab);
    sim.scan(LICENCE).unwrap();
    let scan = rx.recv_timeout(WAIT).unwrap();
    assert_eq!(scan.kind(), ScanKind::DriversLicence);
    assert_eq!(
        format!("{scan:?}"),
        format!("Scan::DriversLicence {{ len: {} }}", LICENCE.len())
    );
}

//! The ZVT serial link against a small terminal-side peer on the other end of a
//! pseudo-terminal: the peer speaks raw bytes (frames captured from real terminals, see
//! wirelane/ecrterm `ecrterm/tests/test_data_encoding.py`), so the link's framing, CRC,
//! ACK/NAK and retries are checked byte for byte. Timeouts are short; nothing asserts on
//! how long anything took.
#![cfg(feature = "kiosk")]

use frontdesk::devices::zvt::{FrameError, LinkError, LinkSettings, LinkStats, ZvtLink};
use serialport::{SerialPort, TTYPort};
use std::io::{Read, Write};
use std::thread::{self, JoinHandle};
use std::time::Duration;

const ACK: u8 = 0x06;
const NAK: u8 = 0x15;
/// Registration 06 00 (password 123456, config byte BA, EUR) and its frame on the wire.
const REGISTRATION: [u8; 9] = [0x06, 0x00, 0x06, 0x12, 0x34, 0x56, 0xBA, 0x09, 0x78];
const REGISTRATION_WIRE: [u8; 15] = [
    0x10, 0x02, 0x06, 0x00, 0x06, 0x12, 0x34, 0x56, 0xBA, 0x09, 0x78, 0x10, 0x03, 0x24, 0xC3,
];
/// Authorisation 06 01 of 110.00 EUR: its amount holds a DLE, doubled on the wire.
const AUTHORISATION: [u8; 13] = [
    0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x01, 0x10, 0x00, 0x49, 0x09, 0x78,
];
const AUTHORISATION_WIRE: [u8; 20] = [
    0x10, 0x02, 0x06, 0x01, 0x0A, 0x04, 0x00, 0x00, 0x00, 0x01, 0x10, 0x10, 0x00, 0x49, 0x09, 0x78,
    0x10, 0x03, 0xF2, 0xFF,
];
/// The terminal's acknowledgement 80 00, as the terminal sends it.
const COMPLETION: [u8; 3] = [0x80, 0x00, 0x00];
const COMPLETION_WIRE: [u8; 9] = [0x10, 0x02, 0x80, 0x00, 0x00, 0x10, 0x03, 0xF5, 0x1F];
/// How long the peer waits for the link before the test fails.
const PEER_WAIT: Duration = Duration::from_secs(5);

/// Short enough for quick tests, long enough that a peer slowed by a busy machine still
/// answers in time.
const TEST_SETTINGS: LinkSettings = LinkSettings {
    ack_timeout: Duration::from_secs(1),
    byte_timeout: Duration::from_millis(200),
    attempts: 3,
};

/// The kiosk's link and the terminal's end of the line.
fn line(settings: LinkSettings) -> (ZvtLink<TTYPort>, TTYPort) {
    let (mut terminal, kiosk) = TTYPort::pair().unwrap();
    terminal.set_timeout(PEER_WAIT).unwrap();
    (ZvtLink::new(kiosk, settings), terminal)
}

/// One whole frame as it came over the wire, raw (escaped, with its CRC).
fn read_frame(port: &mut TTYPort) -> Vec<u8> {
    let mut frame = Vec::new();
    let mut dle = false;
    let mut crc_left = None::<u8>;
    while crc_left != Some(0) {
        let byte = read_byte(port);
        frame.push(byte);
        if let Some(left) = crc_left.as_mut() {
            *left -= 1;
        } else if dle {
            dle = false;
            if byte == 0x03 {
                crc_left = Some(2);
            }
        } else {
            dle = byte == 0x10;
        }
    }
    frame
}

fn read_byte(port: &mut TTYPort) -> u8 {
    let mut byte = [0];
    port.read_exact(&mut byte).unwrap();
    byte[0]
}

/// Runs the terminal's side. The port outlives the script (it comes back with the result)
/// so that closing it cannot swallow the peer's last bytes.
fn peer<T: Send + 'static>(
    mut terminal: TTYPort,
    script: impl FnOnce(&mut TTYPort) -> T + Send + 'static,
) -> JoinHandle<(T, TTYPort)> {
    thread::spawn(move || (script(&mut terminal), terminal))
}

#[test]
fn a_frame_acknowledged_at_once_then_the_terminals_answer_is_acknowledged() {
    let (mut link, terminal) = line(TEST_SETTINGS);
    let terminal = peer(terminal, |t| {
        assert_eq!(read_frame(t), REGISTRATION_WIRE);
        t.write_all(&[ACK]).unwrap();
        t.write_all(&COMPLETION_WIRE).unwrap();
        read_byte(t)
    });
    link.send(&REGISTRATION).unwrap();
    assert_eq!(link.receive(PEER_WAIT).unwrap(), COMPLETION);
    assert_eq!(terminal.join().unwrap().0, ACK);
    assert_eq!(link.stats(), LinkStats::default());
}

#[test]
fn a_nak_makes_the_link_send_the_same_frame_again() {
    let (mut link, terminal) = line(TEST_SETTINGS);
    let terminal = peer(terminal, |t| {
        let first = read_frame(t);
        t.write_all(&[NAK]).unwrap();
        let second = read_frame(t);
        t.write_all(&[ACK]).unwrap();
        (first, second)
    });
    link.send(&AUTHORISATION).unwrap();
    let (first, second) = terminal.join().unwrap().0;
    assert_eq!(first, AUTHORISATION_WIRE);
    assert_eq!(second, AUTHORISATION_WIRE);
    let stats = link.stats();
    assert_eq!((stats.resent, stats.naks_received), (1, 1));
}

#[test]
fn a_silent_terminal_gets_the_frame_three_times_then_the_link_gives_up() {
    let (mut link, terminal) = line(LinkSettings {
        ack_timeout: Duration::from_millis(50),
        ..TEST_SETTINGS
    });
    let terminal = peer(terminal, |t| {
        let frames: Vec<_> = (0..3).map(|_| read_frame(t)).collect();
        // Nothing more comes: the link gave up.
        t.set_timeout(Duration::from_millis(200)).unwrap();
        let mut rest = [0];
        (frames, t.read(&mut rest).is_err())
    });
    let error = link.send(&REGISTRATION).unwrap_err();
    assert!(
        matches!(
            error,
            LinkError::NotAcknowledged {
                attempts: 3,
                naks: 0
            }
        ),
        "{error:?}"
    );
    let (frames, quiet_after) = terminal.join().unwrap().0;
    assert!(frames.iter().all(|f| f == &REGISTRATION_WIRE));
    assert!(quiet_after);
    assert_eq!(link.stats().resent, 2);
}

#[test]
fn a_frame_with_a_bad_crc_is_refused_and_its_resend_accepted() {
    let (mut link, terminal) = line(TEST_SETTINGS);
    let terminal = peer(terminal, |t| {
        let mut bad = COMPLETION_WIRE;
        bad[8] ^= 0xFF;
        // Junk before the frame, as after a terminal's reboot.
        t.write_all(&[0x00, 0xFF, 0x41]).unwrap();
        t.write_all(&bad).unwrap();
        let answer_to_bad = read_byte(t);
        t.write_all(&COMPLETION_WIRE).unwrap();
        (answer_to_bad, read_byte(t))
    });
    assert_eq!(link.receive(PEER_WAIT).unwrap(), COMPLETION);
    assert_eq!(terminal.join().unwrap().0, (NAK, ACK));
    let stats = link.stats();
    assert_eq!((stats.naks_sent, stats.junk), (1, 3));
}

#[test]
fn garbled_frames_in_a_row_are_refused_until_the_link_gives_up() {
    let (mut link, terminal) = line(TEST_SETTINGS);
    let terminal = peer(terminal, |t| {
        let mut bad = AUTHORISATION_WIRE;
        bad[18] ^= 0x01;
        (0..3)
            .map(|_| {
                t.write_all(&bad).unwrap();
                read_byte(t)
            })
            .collect::<Vec<_>>()
    });
    let error = link.receive(PEER_WAIT).unwrap_err();
    assert!(
        matches!(
            error,
            LinkError::Garbled {
                refused: 3,
                last: FrameError::BadCrc { len: 13 }
            }
        ),
        "{error:?}"
    );
    assert_eq!(terminal.join().unwrap().0, [NAK; 3]);
}

#[test]
fn a_frame_cut_short_is_refused_and_silence_is_no_frame() {
    let (mut link, terminal) = line(TEST_SETTINGS);
    let terminal = peer(terminal, |t| {
        t.write_all(&COMPLETION_WIRE[..5]).unwrap();
        let answer = read_byte(t);
        t.write_all(&COMPLETION_WIRE).unwrap();
        (answer, read_byte(t))
    });
    assert_eq!(link.receive(PEER_WAIT).unwrap(), COMPLETION);
    let (answers, _open) = terminal.join().unwrap();
    assert_eq!(answers, (NAK, ACK));

    let error = link.receive(Duration::from_millis(50)).unwrap_err();
    assert!(matches!(error, LinkError::NoFrame), "{error:?}");
}

//! Any bytes in any chunking, with quiet gaps anywhere: framing must not panic, and no
//! scan it delivers is longer than `MAX_SCAN` or blank.
//!
//! Input layout: byte 0 picks the terminator; then repeated (control, chunk): the control
//! byte's low 6 bits are the chunk length, bit 6 feeds the chunk 100 times (so short
//! inputs reach overlong scans), bit 7 says a gap follows.
#![no_main]

use frontdesk::devices::framing::{FrameError, MAX_SCAN, ScanFramer, Terminator};
use libfuzzer_sys::fuzz_target;

const TERMINATORS: [Terminator; 4] = [
    Terminator::Cr,
    Terminator::Lf,
    Terminator::CrLf,
    Terminator::Tab,
];

/// Delivered scans fit, are not blank, and hold no Tab or CR LF when that is the suffix.
fn check(terminator: Terminator, scan: &Result<String, FrameError>) {
    if let Ok(text) = scan {
        assert!(text.len() <= MAX_SCAN);
        assert!(
            !text
                .trim_matches(|c: char| c.is_ascii_whitespace())
                .is_empty()
        );
        match terminator {
            Terminator::Tab => assert!(!text.contains('\t')),
            Terminator::CrLf => assert!(!text.contains("\r\n")),
            Terminator::Cr | Terminator::Lf => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let terminator = TERMINATORS[usize::from(first) % TERMINATORS.len()];
    let mut framer = ScanFramer::new(terminator);
    while let Some((&control, tail)) = rest.split_first() {
        let take = usize::from(control & 0x3f).min(tail.len());
        let (chunk, next) = tail.split_at(take);
        let times = if control & 0x40 != 0 { 100 } else { 1 };
        for _ in 0..times {
            for scan in framer.push(chunk) {
                check(terminator, &scan);
            }
        }
        if control & 0x80 != 0 {
            if let Some(scan) = framer.end_of_gap() {
                check(terminator, &scan);
            }
        }
        rest = next;
    }
    if let Some(scan) = framer.end_of_gap() {
        check(terminator, &scan);
    }
    assert_eq!(framer.pending(), 0);
});

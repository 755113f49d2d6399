//! Any bytes in any chunking, with quiet gaps anywhere: framing must not panic, and no
//! scan it delivers is longer than `MAX_SCAN` or blank.
//!
//! Input layout: byte 0 picks the terminator; then repeated (control, chunk): the control
//! byte's low 6 bits are the chunk length, bit 7 says a gap follows the chunk.
#![no_main]

use frontdesk::devices::framing::{MAX_SCAN, ScanFramer, Terminator};
use libfuzzer_sys::fuzz_target;

const TERMINATORS: [Terminator; 4] = [
    Terminator::Cr,
    Terminator::Lf,
    Terminator::CrLf,
    Terminator::Tab,
];

fn check(scan: &Result<String, frontdesk::devices::framing::FrameError>) {
    if let Ok(text) = scan {
        assert!(text.len() <= MAX_SCAN);
        assert!(
            !text
                .trim_matches(|c: char| c.is_ascii_whitespace())
                .is_empty()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, mut rest)) = data.split_first() else {
        return;
    };
    let mut framer = ScanFramer::new(TERMINATORS[usize::from(first) % TERMINATORS.len()]);
    while let Some((&control, tail)) = rest.split_first() {
        let take = usize::from(control & 0x3f).min(tail.len());
        let (chunk, next) = tail.split_at(take);
        for scan in framer.push(chunk) {
            check(&scan);
        }
        if control & 0x80 != 0 {
            if let Some(scan) = framer.end_of_gap() {
                check(&scan);
            }
        }
        rest = next;
    }
    if let Some(scan) = framer.end_of_gap() {
        check(&scan);
    }
    assert_eq!(framer.pending(), 0);
});

//! Any bytes from an MLLP peer, in any chunking: framing must not panic, no frame
//! delivered is longer than the limit, and a frame's content framed again reads back.
//!
//! Input layout: repeated (control, chunk): the control byte's low 6 bits are the chunk
//! length, bit 6 feeds the chunk 50 times (so short inputs reach oversized frames), bit 7
//! closes the connection after it.
#![no_main]

use frontdesk::hl7::mllp::{FrameReader, MllpError, frame};
use libfuzzer_sys::fuzz_target;

/// Small, so oversized frames are reached.
const LIMIT: usize = 1024;

fn check(item: &Result<Vec<u8>, MllpError>) {
    if let Ok(message) = item {
        assert!(message.len() <= LIMIT);
        let mut again = FrameReader::new(LIMIT);
        let read = again.push(&frame(message));
        // A message holding the end block and CR reads back as a shorter frame and the
        // rest: only messages without 0x1C are plain round trips.
        if !message.contains(&0x1C) {
            assert_eq!(read, vec![Ok(message.clone())]);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut reader = FrameReader::new(LIMIT);
    let mut rest = data;
    while let Some((&control, tail)) = rest.split_first() {
        let take = usize::from(control & 0x3f).min(tail.len());
        let (chunk, next) = tail.split_at(take);
        let times = if control & 0x40 != 0 { 50 } else { 1 };
        for _ in 0..times {
            for item in reader.push(chunk) {
                check(&item);
            }
        }
        assert!(reader.pending() <= LIMIT);
        if control & 0x80 != 0 {
            let _ = reader.finish();
            assert_eq!(reader.pending(), 0);
        }
        rest = next;
    }
});

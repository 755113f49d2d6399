//! Any bytes from a card terminal, in any chunking, with the line going quiet anywhere:
//! the ZVT frame decoder and the APDU parser must not panic; every decoded frame fits
//! `MAX_APDU` and re-encodes to bytes that decode to the same frame; every parsed APDU
//! encodes to bytes that parse to the same APDU.
//!
//! Input layout: repeated (control, chunk): the control byte's low 6 bits are the chunk
//! length, bit 6 says the line goes quiet after it (`timed_out`). The whole input is also
//! parsed as one APDU.
#![no_main]

use frontdesk::devices::zvt::frame::{FrameDecoder, MAX_APDU, Received, encode};
use frontdesk::devices::zvt::{Apdu, FrameError};
use libfuzzer_sys::fuzz_target;

fn check_apdu(bytes: &[u8]) {
    if let Ok(apdu) = Apdu::parse(bytes) {
        let again = apdu.encode();
        assert_eq!(Apdu::parse(&again).as_ref(), Ok(&apdu));
        assert!(again.len() <= bytes.len());
    }
}

fn check(received: Result<Received, FrameError>) {
    if let Ok(Received::Frame(apdu)) = received {
        assert!(apdu.len() <= MAX_APDU);
        let wire = encode(&apdu);
        assert_eq!(
            FrameDecoder::new().push_slice(&wire),
            [Ok(Received::Frame(apdu.clone()))]
        );
        check_apdu(&apdu);
    }
}

fuzz_target!(|data: &[u8]| {
    check_apdu(data);
    let mut decoder = FrameDecoder::new();
    let mut rest = data;
    while let Some((&control, tail)) = rest.split_first() {
        let take = usize::from(control & 0x3f).min(tail.len());
        let (chunk, next) = tail.split_at(take);
        for received in decoder.push_slice(chunk) {
            check(received);
        }
        if control & 0x40 != 0 {
            decoder.timed_out();
            assert!(!decoder.in_frame());
        }
        rest = next;
    }
});

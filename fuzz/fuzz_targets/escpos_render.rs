//! Any bytes as what a receipt printer received: the simulator's decoder must not panic,
//! points its errors inside the input, and renders only lines a printer could show
//! (printable ASCII and the PC850 letters we encode) when no QR payload (whose bytes it
//! passes through) is in the input.
#![no_main]

use frontdesk::devices::escpos::render;
use frontdesk::devices::pc850;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match render(data) {
        Ok(text) => {
            assert!(text.is_empty() || text.ends_with('\n'));
            let has_qr = data.windows(2).any(|w| w == b"\x1d(");
            if !has_qr {
                assert!(text.chars().all(|c| c == '\n' || pc850::encode_char(c).is_some()));
            }
        }
        Err(error) => assert!(error.offset() < data.len()),
    }
});

//! Any bytes as what a receipt printer received: the simulator's decoder must not panic,
//! points its errors inside the input, and renders only printable ASCII lines when no QR
//! payload (whose bytes it passes through) is in the input.
#![no_main]

use frontdesk::devices::escpos::render;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match render(data) {
        Ok(text) => {
            assert!(text.is_empty() || text.ends_with('\n'));
            let has_qr = data.windows(2).any(|w| w == b"\x1d(");
            if !has_qr {
                assert!(text.bytes().all(|b| b == b'\n' || (0x20..=0x7e).contains(&b)));
            }
        }
        Err(error) => assert!(error.offset() < data.len()),
    }
});

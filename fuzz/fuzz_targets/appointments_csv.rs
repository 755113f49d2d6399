//! Any bytes as an appointments CSV file to `appointments::parse_csv` (the staff page's
//! import and `frontdesk-office import`): no panic; a refusal is typed and short; an
//! accepted file gives no more appointments than it has lines.
#![no_main]

use frontdesk::office::appointments::parse_csv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse_csv(data) {
        Ok(appointments) => {
            let lines = data.split(|&b| b == b'\n' || b == b'\r').count();
            assert!(appointments.len() < lines.max(1));
        }
        Err(error) => assert!(error.to_string().len() < 400),
    }
});

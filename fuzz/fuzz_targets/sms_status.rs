//! Any bytes as the body of a delivery report from the SMS gateway
//! (`POST /api/sms/v1/status`), to `delivery::parse`; and any text as the reminder id:
//! no panic, refusals are typed and short.
#![no_main]

use frontdesk::office::reminders::delivery::{parse, reminder_id_ok};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(report) => {
            if let Some(reason) = report.bounce_reason() {
                assert!(reason.len() < 60);
            }
        }
        Err(error) => assert!(error.to_string().len() < 60),
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = reminder_id_ok(text);
    }
});

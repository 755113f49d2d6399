//! Any bytes as the body of a reply forwarded by the SMS gateway
//! (`POST /api/sms/v1/inbound`), to `inbound::parse`; and any text to `keyword`: no
//! panic, refusals are typed and short, and a parsed number is a valid one.
#![no_main]

use frontdesk::domain::PhoneNumber;
use frontdesk::office::reminders::inbound::{keyword, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse(data) {
        Ok(reply) => {
            assert_eq!(
                PhoneNumber::parse(reply.from.digits()).ok(),
                Some(reply.from.clone())
            );
        }
        Err(error) => assert!(error.to_string().len() < 60),
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = keyword(text);
    }
});

//! Any bytes as the body of a reply forwarded by the SMS gateway
//! (`POST /api/sms/v1/inbound`), to `inbound::parse`; and any text to `keyword`; the
//! same bytes as a signed webhook (`signature::verify`, the signature taken from the
//! body's first line): no panic, refusals are typed and short, a parsed number is a
//! valid one, what the hub signs it verifies, and a made-up signature never verifies.
#![no_main]

use frontdesk::domain::PhoneNumber;
use frontdesk::office::reminders::inbound::{keyword, parse};
use frontdesk::office::reminders::signature::{sign, verify};
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
    const TOKEN: &str = "fuzz-gateway-token";
    const URL: &str = "https://hub.example.test/api/sms/v1/inbound";
    let (claimed, body) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&data[..0], data),
    };
    if let Some(signature) = sign(TOKEN, URL, body) {
        assert!(verify(TOKEN, URL, body, &signature));
        let claimed = String::from_utf8_lossy(claimed);
        if claimed.trim() != signature {
            assert!(!verify(TOKEN, URL, body, &claimed));
        }
    }
});

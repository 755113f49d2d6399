//! The kiosk's `office_certificate_sha256` reader on any text: no panic, and what parses
//! writes back to the colon form that reads again to the same fingerprint.
#![no_main]

use frontdesk::tls::Fingerprint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(pin) = text.parse::<Fingerprint>() {
        let written = pin.to_string();
        assert_eq!(written.len(), 95);
        assert_eq!(written.parse::<Fingerprint>(), Ok(pin));
        assert!(pin.matches(&pin));
    }
});

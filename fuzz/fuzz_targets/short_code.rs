//! Any text as a typed or received short check-in code, to `ShortCode::parse`: no
//! panic, refusals are typed and short, and a code that parses is 8 characters of the
//! alphabet that parse again, grouped or not, to the same code.
#![no_main]

use frontdesk::domain::{SHORT_CODE_ALPHABET, SHORT_CODE_LEN, ShortCode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ShortCode::parse(text) {
        Ok(code) => {
            assert_eq!(code.as_str().len(), SHORT_CODE_LEN);
            assert!(code.as_str().chars().all(|c| SHORT_CODE_ALPHABET.contains(c)));
            assert_eq!(ShortCode::parse(code.as_str()).ok(), Some(code.clone()));
            assert_eq!(ShortCode::parse(&code.grouped()).ok(), Some(code));
        }
        Err(error) => assert!(error.to_string().len() < 60),
    }
});

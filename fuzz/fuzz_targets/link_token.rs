//! Any bytes, as lossy UTF-8, as the token of a reminder's public link (`/r/{token}`,
//! `/u/{token}`) to `LinkToken::parse`: no panic; refusals typed and short; a token that
//! parses is the expected length and writes back as exactly the text it came from (one
//! spelling per token, so one hash per token).
#![no_main]

use frontdesk::office::reminders::links::{LinkToken, TOKEN_CHARS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match LinkToken::parse(&text) {
        Ok(token) => {
            assert_eq!(text.len(), TOKEN_CHARS);
            assert_eq!(token.as_text(), text);
            assert_eq!(LinkToken::parse(&token.as_text()).unwrap().hash(), token.hash());
        }
        Err(error) => assert!(error.to_string().len() < 60),
    }
});

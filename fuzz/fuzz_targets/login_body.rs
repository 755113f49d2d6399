//! Any bytes as the body of `POST /login`, as a form and as JSON (and under a content
//! type picked by byte 0), to `parse_login_body`; what it gives to `Username::new` and
//! `Password::presented`: no panic, refusals are typed and short, a username that
//! validates validates again unchanged.
#![no_main]

use frontdesk::office::signin::{Password, Username, parse_login_body};
use libfuzzer_sys::fuzz_target;

const TYPES: &[Option<&str>] = &[
    Some("application/x-www-form-urlencoded"),
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("Application/X-WWW-Form-Urlencoded; charset=UTF-8"),
    Some("text/plain"),
    None,
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let content_type = TYPES[usize::from(pick) % TYPES.len()];
    match parse_login_body(content_type, body) {
        Ok(form) => {
            if let Ok(name) = Username::new(&form.username) {
                assert_eq!(Username::new(name.as_str()).ok(), Some(name.clone()));
            }
            let _ = Password::presented(form.password);
        }
        Err(error) => assert!(error.to_string().len() < 120),
    }
});

//! Any bytes as the `Cookie` headers of a staff request (one header a line) to
//! `SessionToken::from_cookie_values`, the gate's reader: no panic; a token it finds is
//! well formed, and the `Set-Cookie` value made for it reads back to the same token.
#![no_main]

use frontdesk::office::signin::SessionToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(token) = SessionToken::from_cookie_values(text.lines()) else {
        return;
    };
    let set = token.set_cookie(true, jiff::SignedDuration::from_hours(8));
    let value = set.split(';').next().expect("name=value first");
    let again = SessionToken::from_cookie_values([value]).expect("our own cookie reads");
    assert_eq!(again.digest(), token.digest());
    // Ours plus whatever the browser sends beside it still finds it.
    let mixed = format!("theme=dark; {value}; other=1");
    let found = SessionToken::from_cookie_values([mixed.as_str()]).expect("found among others");
    assert_eq!(found.digest(), token.digest());
});

//! Any bytes as the headers of a state-changing staff request (`X-CSRF-Token`, `Origin`,
//! `Host`, `Sec-Fetch-Site`, split at NUL bytes) to the gate's `same_site` check against
//! a session's token: no panic, and the request passes only with exactly the session's
//! token.
#![no_main]

use frontdesk::office::signin::{CSRF_HEADER, CsrfToken, Role, StaffSession, StaffUserId, same_site};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let session = StaffSession {
        user: serde_json::from_str::<StaffUserId>("1").expect("a user number"),
        role: Role::FrontDesk,
        csrf: CsrfToken::random().expect("randomness"),
        origin: None,
    };
    let mut parts = data.split(|&b| b == 0);
    let mut headers = HeaderMap::new();
    for name in [CSRF_HEADER, "origin", "host", "sec-fetch-site"] {
        if let Some(value) = parts.next().and_then(|v| HeaderValue::from_bytes(v).ok()) {
            headers.insert(name, value);
        }
    }
    assert!(!same_site(&headers, &session), "a made-up token never passes");
    // The right token passes exactly when the browser's own headers say this site.
    headers.insert(CSRF_HEADER, HeaderValue::from_str(session.csrf.as_str()).unwrap());
    let passes = same_site(&headers, &session);
    assert_eq!(passes, frontdesk::office::signin::from_this_site(&headers));
});

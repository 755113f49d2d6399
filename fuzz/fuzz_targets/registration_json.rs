//! Any bytes as the JSON of a registration, as the office reads one after opening its
//! seal: it must parse to a registration or fail with an error, never panic. What parses
//! is valid by construction, so writing it out and reading it back must give the same
//! registration (the checks normalise — ZIP+4, e-mail domain case — and must accept their
//! own output).
#![no_main]

use frontdesk::api::RegistrationSubmission;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(submission) = serde_json::from_slice::<RegistrationSubmission>(data) else {
        return;
    };
    let json = serde_json::to_vec(&submission).expect("a registration always serialises");
    let again: RegistrationSubmission =
        serde_json::from_slice(&json).expect("a registration reads back what it wrote");
    assert_eq!(again, submission);
    let debug = format!("{submission:?}");
    let name = &submission.registration.legal_name.value;
    assert!(!debug.contains(&format!("{:?}", name.last())));
});

//! The SMART Health Card decoder on any scan text, and on fuzzed payloads signed with the
//! test key (so the fuzzer reaches the bundle reader past the signature): no panic, errors
//! short, and `Debug` of what verifies does not depend on member ids, classes or people.
#![no_main]

use frontdesk::scan::shc::{self, Person};
use frontdesk::scan::shc_sample as sample;
use jiff::Timestamp;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const NBF: i64 = 1_796_000_000;

fuzz_target!(|data: &[u8]| {
    static TRUSTED: OnceLock<shc::TrustedIssuers> = OnceLock::new();
    let trusted = TRUSTED.get_or_init(sample::trusted);
    let now = Timestamp::from_second(NBF + 86_400).unwrap();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let result = match mode % 3 {
        // The scan as the scanner delivers it.
        0 => shc::verify(&String::from_utf8_lossy(rest), trusted, now),
        // A compact JWS (file form).
        1 => shc::verify_jws(&String::from_utf8_lossy(rest), trusted, now),
        // Fuzzed payload JSON, compressed and signed: exercises the bundle reader.
        _ => {
            let Ok(payload) = serde_json::from_slice(rest) else {
                return;
            };
            let jws = sample::sign_with_header(&sample::header(), &payload, &sample::signing_key());
            shc::verify_jws(&jws, trusted, now)
        }
    };
    match result {
        Ok(card) => {
            // Debug does not depend on member data: the same card with other member ids,
            // classes and people shows the same.
            let mut other = card.clone();
            if let Some(coverage) = other.coverage.as_mut() {
                coverage.member_id = coverage.member_id.as_ref().map(|_| "X".into());
                coverage.subscriber_id = None;
                coverage.group = None;
                coverage.plan = None;
                coverage.subscriber = Some(Person::default());
                coverage.beneficiary = None;
            }
            assert_eq!(format!("{card:?}"), format!("{other:?}"));
            serde_json::to_string(&card).expect("serialises");
        }
        Err(error) => assert!(error.to_string().len() < 100),
    }
});

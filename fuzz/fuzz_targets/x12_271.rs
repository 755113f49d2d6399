//! Any bytes as a 271 eligibility response from a clearinghouse, to `read_271`; and the
//! same bytes with their ISA delimiters swapped, so that both the envelope and the body are
//! reached with odd separators.
#![no_main]

use frontdesk::eligibility::{EligibilityStatus, ReadError, read_271, split_interchange};
use libfuzzer_sys::fuzz_target;

fn check(data: &[u8]) {
    match read_271(data) {
        Ok(result) => {
            // A result has a status, co-pays in cents and a short plan name.
            if let Some(plan) = &result.plan_name {
                assert!(plan.chars().count() <= 80 && !plan.trim().is_empty());
            }
            if result.status != EligibilityStatus::Active {
                assert!(result.copays.is_empty() || result.status == EligibilityStatus::Inactive);
            }
            for code in result.copays.keys() {
                assert!((1..=2).contains(&code.as_str().len()));
            }
        }
        Err(error) => {
            // Errors are short and never echo the input.
            let text = error.to_string();
            assert!(text.len() < 200, "{text}");
            if let ReadError::BadAmount { segment } = error {
                assert!(segment >= 1);
            }
        }
    }
    if let Ok((_, segments)) = split_interchange(data) {
        assert!(!segments.is_empty() && segments[0].id() == "ISA");
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if data.len() >= 106 {
        let mut swapped = data.to_vec();
        let (e, c, s) = (data[3], data[104], data[105]);
        for b in swapped.iter_mut() {
            *b = if *b == e {
                b'|'
            } else if *b == c {
                b'^'
            } else if *b == s {
                b'\n'
            } else {
                *b
            };
        }
        check(&swapped);
    }
});

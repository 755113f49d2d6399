//! The AAMVA licence parser on any text, and on fuzzed elements inside a well-formed header
//! and directory (so the fuzzer spends its time past the header): no panic, and what
//! parses shows only issuer and version in `Debug`.
#![no_main]

use frontdesk::scan::aamva::{self, LicenceData};
use frontdesk::scan::aamva_sample::{Subfile, encode};
use jiff::civil::Date;
use libfuzzer_sys::fuzz_target;

const TODAY: Date = Date::constant(2026, 11, 25);
/// Elements a licence needs, so fuzzed ones after them reach the field readers.
const VALID: &[(&str, &str)] = &[("DCS", "TESTPATIENT"), ("DAC", "ADA"), ("DBB", "01011950")];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((&version, rest)) = rest.split_first() else {
        return;
    };
    let fuzzed = String::from_utf8_lossy(rest);
    let text = match mode % 3 {
        0 => fuzzed.into_owned(),
        // The fuzzed bytes are the DL subfile's whole body (an element id of "").
        1 => licence(version, &[("", &fuzzed)]),
        _ => {
            let mut elements = VALID.to_vec();
            elements.push(("", &fuzzed));
            licence(version, &elements)
        }
    };
    match aamva::parse(&text, TODAY) {
        Ok(data) => check(&data),
        Err(error) => assert!(error.to_string().len() < 100),
    }
});

fn licence(version: u8, elements: &[(&str, &str)]) -> String {
    let kind = if version & 0x80 == 0 { "DL" } else { "ID" };
    encode(
        "636000",
        version % 12,
        1,
        &[
            Subfile { kind, elements },
            Subfile {
                kind: "ZV",
                elements: &[("ZVA", "01")],
            },
        ],
    )
}

fn check(data: &LicenceData) {
    let shown = format!("{data:?}");
    assert!(shown.starts_with("LicenceData { issuer: Iin("), "{shown}");
    assert!(shown.ends_with(", .. }"));
    assert!(data.date_of_birth.date() <= TODAY);
    assert!(!data.family_name.is_empty() && !data.given_name.is_empty());
    serde_json::to_string(data).expect("serialises");
}

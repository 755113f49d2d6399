//! Any bytes a scanner might send, as text: classifying must not panic, and the kind,
//! length and text must agree.
#![no_main]

use frontdesk::devices::{Scan, ScanKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let len = text.len();
    let scan = Scan::classify(text);
    assert!(scan.len() <= len);
    assert_eq!(scan.len(), scan.text().len());
    let shown = format!("{scan:?}");
    assert!(shown.ends_with(&format!("{{ len: {} }}", scan.len())));
    if scan.kind() == ScanKind::DriversLicence {
        assert!(scan.text().starts_with('@'));
    }
});

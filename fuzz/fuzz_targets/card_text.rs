//! The insurance card OCR text parser on any text: no panic; every field it returns
//! passes its own validation again unchanged; `Debug` shows which fields were found,
//! never their values.
#![no_main]

use frontdesk::domain::{GroupNumber, MemberId, PayerName, PersonName};
use frontdesk::scan::card_text::parse_card_text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let reading = parse_card_text(&text);
    if let Some(id) = &reading.member_id {
        assert_eq!(MemberId::new(id.as_str()).ok().as_ref(), Some(id));
    }
    if let Some(group) = &reading.group {
        assert_eq!(GroupNumber::new(group.as_str()).ok().as_ref(), Some(group));
    }
    if let Some(payer) = &reading.payer_name {
        assert_eq!(
            PayerName::new(payer)
                .map(|p| p.as_str().to_string())
                .ok()
                .as_ref(),
            Some(payer)
        );
    }
    if let Some(name) = &reading.member_name {
        assert_eq!(
            PersonName::new(name.first(), name.last()).ok().as_ref(),
            Some(name)
        );
    }
    let debug = format!("{reading:?}");
    assert!(!debug.contains(char::is_numeric), "{debug}");
});

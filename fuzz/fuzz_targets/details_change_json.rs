//! Any bytes as the JSON of a returning patient's details change, as the office reads one
//! after opening its seal, and as the kiosk reads the contact details on file from the
//! office: each must parse or fail with an error, never panic. What parses was checked on
//! the way in, so writing it out and reading it back gives the same value, and `Debug`
//! shows none of the values.
#![no_main]

use frontdesk::api::{AppointmentContact, DetailsChangeSubmission};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(change) = serde_json::from_slice::<DetailsChangeSubmission>(data) {
        let json = serde_json::to_vec(&change).expect("a change always serialises");
        let again: DetailsChangeSubmission =
            serde_json::from_slice(&json).expect("a change reads back what it wrote");
        assert_eq!(again, change);
    }
    if let Ok(contact) = serde_json::from_slice::<AppointmentContact>(data) {
        let json = serde_json::to_vec(&contact).expect("contact details always serialise");
        let again: AppointmentContact =
            serde_json::from_slice(&json).expect("contact details read back what they wrote");
        assert_eq!(again, contact);
    }
});

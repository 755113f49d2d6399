//! Any bytes as the JSON of a co-pay report, as the office reads one after opening its
//! seal: it must parse or fail with an error, never panic. What parses was checked on the
//! way in, so it writes out and reads back equal, and a paid outcome's card shows at most
//! the ten digits PCI DSS allows on a receipt.
#![no_main]

use frontdesk::api::PaymentSubmission;
use frontdesk::domain::PaymentOutcome;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(payment) = serde_json::from_slice::<PaymentSubmission>(data) else {
        return;
    };
    let json = serde_json::to_vec(&payment).expect("a payment always serialises");
    let again: PaymentSubmission =
        serde_json::from_slice(&json).expect("a payment reads back what it wrote");
    assert_eq!(again, payment);
    assert!(!payment.outcome.status_str().is_empty());
    if let PaymentOutcome::Paid { card, .. } = &payment.outcome {
        let digits = card.as_str().chars().filter(char::is_ascii_digit).count();
        assert!(digits <= 10, "a card with {digits} digits shown");
    }
});

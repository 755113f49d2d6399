//! Any bytes as an encoded signature, and as the JSON of a signed consent, as the office
//! reads them after opening a seal: they parse or fail with a typed error, never panic.
//! What parses is a valid signature, encodes to bytes that decode equal, and its `Debug`
//! shows only counts.
#![no_main]

use frontdesk::consent::{Signature, SignedConsent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sig) = Signature::decode(data) {
        let again = Signature::decode(sig.encode().as_bytes()).expect("decodes what it encoded");
        assert_eq!(again, sig);
        assert!(Signature::new(sig.strokes().to_vec()).is_ok());
        let debug = format!("{sig:?}");
        assert_eq!(debug, format!("Signature {{ strokes: {}, points: {} }}", sig.strokes().len(), sig.point_count()));
    }
    if let Ok(signed) = serde_json::from_slice::<SignedConsent>(data) {
        let json = serde_json::to_vec(&signed).expect("serialises");
        let again: SignedConsent = serde_json::from_slice(&json).expect("reads back");
        assert_eq!(again, signed);
    }
});

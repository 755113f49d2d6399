//! What an unauthenticated kiosk sends to pair: a pairing request or poll as JSON, checked
//! as the office checks them, and a typed pairing code. No panic; what verifies is
//! consistent (the proof of a code it was made for matches; a code parses back to itself).
#![no_main]

use frontdesk::pairing::{PairingCode, PairingPoll, PairingRequest, proof_matches};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(request) = serde_json::from_slice::<PairingRequest>(rest)
                && let Ok(verified) = request.verify()
            {
                // A fuzzer cannot forge a signature: whatever verifies was made by the key.
                let code = PairingCode::parse("ABCD-EFGH").expect("a valid code");
                let _ = proof_matches(
                    &code,
                    verified.request_id,
                    &verified.public_key,
                    &verified.proof,
                );
            }
        }
        1 => {
            if let Ok(poll) = serde_json::from_slice::<PairingPoll>(rest) {
                assert!(poll.verify(&[0u8; 32]).is_err());
            }
        }
        _ => {
            let typed = String::from_utf8_lossy(rest);
            match PairingCode::parse(&typed) {
                Ok(code) => {
                    assert_eq!(PairingCode::parse(&code.display()).as_ref(), Ok(&code));
                    assert_eq!(code.as_str().len(), frontdesk::pairing::CODE_LEN);
                }
                Err(error) => assert!(error.to_string().len() < 80),
            }
        }
    }
});

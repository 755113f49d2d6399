//! Any request body the office's `POST /api/kiosk/v1/outbox` might receive, through the
//! same parsing and opening the handler does: it must answer with a body or a typed error,
//! never panic.
//!
//! Byte 0 picks the mode. Even: the rest is the HTTP body (JSON envelope, base64 seal).
//! Odd: the rest is any plaintext, correctly sealed to the office's key, so the fuzzer
//! reaches the body parsing behind the decryption.
#![no_main]

use frontdesk::api::{OutboxKind, SealedDelivery};
use frontdesk::domain::CheckInId;
use frontdesk::seal::SealSecretKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let office = SealSecretKey::from_bytes([11; 32]);
    let delivery = if mode % 2 == 0 {
        match serde_json::from_slice::<SealedDelivery>(rest) {
            Ok(delivery) => delivery,
            Err(_) => return,
        }
    } else {
        let Ok(sealed) = office.public_key().seal(rest) else {
            return;
        };
        SealedDelivery {
            id: CheckInId::random().into(),
            kind: OutboxKind::CheckIn,
            sealed,
        }
    };
    let _ = delivery.open(&office);
});

//! Any scanned text against the check-in token verifier with a fixed key: it must answer
//! with a token or a typed error, never panic.
//!
//! Byte 0 picks the mode. Even: the rest is the scanned text. Odd: the rest is a token
//! body of arbitrary bytes, correctly signed and encoded ("FD<first byte>:" + BASE32 of
//! body + signature), so the fuzzer reaches the field parsing behind the signature check.
#![no_main]

use ed25519_dalek::{Signer, SigningKey};
use frontdesk::domain::ClinicId;
use frontdesk::token::CheckInToken;
use jiff::Timestamp;
use jiff::civil::date;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let signing = SigningKey::from_bytes(&[7; 32]);
    let text = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let mut bytes = rest.to_vec();
        bytes.extend_from_slice(&signing.sign(rest).to_bytes());
        let version = rest.first().copied().unwrap_or(1);
        format!("FD{version}:{}", data_encoding::BASE32_NOPAD.encode(&bytes))
    };
    let clinic = ClinicId::new(1).expect("valid clinic");
    let today = date(2026, 11, 25);
    let now = Timestamp::from_second(1_795_600_000).expect("valid time");
    let _ = CheckInToken::verify(&text, &signing.verifying_key(), clinic, today, now);
});

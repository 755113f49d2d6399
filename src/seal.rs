//! Sealed boxes: the kiosk encrypts what a patient entered to the office's public key, so
//! only the office can read it; the kiosk itself holds no secret and cannot open its own
//! outbox.
//!
//! Why `crypto_box` sealed boxes (libsodium's `crypto_box_seal`) rather than `age`: our
//! rows are a few hundred bytes, and a sealed box adds 48 bytes to each (age adds ~200 and
//! a text header); the crate is small (X25519 + XSalsa20-Poly1305 + BLAKE2b, sharing
//! `curve25519-dalek` with the Ed25519 token key) where `age` brings streaming, armour,
//! plugins and localisation we do not need; its construction was audited (NCC Group,
//! 0.7); and the format is libsodium's, so any other program can open a row.

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Bytes a sealed box adds to its plaintext (ephemeral public key + tag).
pub const SEAL_OVERHEAD: usize = crypto_box::SEALBYTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("not an X25519 public key (expected 32 bytes, base64)")]
    BadKey,
    #[error("sealed box cannot be opened with this key")]
    Unsealable,
    #[error("no randomness available")]
    Random,
}

/// The office's public sealing key: anyone may seal to it.
#[derive(Clone, PartialEq, Eq)]
pub struct SealPublicKey(crypto_box::PublicKey);

impl SealPublicKey {
    /// Reads the key from standard padded base64 (as `/config` carries it).
    pub fn from_base64(text: &str) -> Result<Self, SealError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| SealError::BadKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| SealError::BadKey)?;
        // The all-zero point would make every shared secret zero.
        if bytes == [0; 32] {
            return Err(SealError::BadKey);
        }
        Ok(Self(crypto_box::PublicKey::from(bytes)))
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0.as_bytes())
    }

    /// Seals `plaintext` with a fresh ephemeral key: only the holder of the secret key can
    /// open the result, and nothing in it identifies who sealed it.
    pub fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
        self.0
            .seal(&mut crypto_box::aead::OsRng, plaintext)
            .map_err(|_| SealError::Random)
    }
}

impl fmt::Debug for SealPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealPublicKey({})", self.to_base64())
    }
}

impl Serialize for SealPublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for SealPublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

/// The office's secret sealing key. `Debug` shows nothing of it; it is wiped on drop.
pub struct SealSecretKey(crypto_box::SecretKey);

impl SealSecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(crypto_box::SecretKey::from(bytes))
    }

    /// A new random key.
    pub fn generate() -> Result<Self, SealError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| SealError::Random)?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public_key(&self) -> SealPublicKey {
        SealPublicKey(self.0.public_key())
    }

    /// Opens a box sealed to this key's public half; anything else (garbage, truncated,
    /// sealed to another key, tampered with) is [`SealError::Unsealable`].
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        self.0.unseal(sealed).map_err(|_| SealError::Unsealable)
    }
}

impl fmt::Debug for SealSecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealSecretKey(..)")
    }
}

/// `len` bytes of reproducible noise (xorshift), for tests that feed garbage.
#[cfg(test)]
pub(crate) fn noise(len: usize, seed: &mut u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            seed.to_le_bytes()[0]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_to_the_public_key_and_only_its_secret_opens() {
        let office = SealSecretKey::generate().unwrap();
        let other = SealSecretKey::generate().unwrap();
        let sealed = office.public_key().seal(b"Testpatient, Ada").unwrap();
        assert_eq!(sealed.len(), 16 + SEAL_OVERHEAD);
        assert!(!sealed.windows(11).any(|w| w == b"Testpatient"));
        assert_eq!(office.open(&sealed).unwrap(), b"Testpatient, Ada");
        assert_eq!(other.open(&sealed), Err(SealError::Unsealable));
        let mut tampered = sealed.clone();
        tampered[40] ^= 1;
        assert_eq!(office.open(&tampered), Err(SealError::Unsealable));
        // Two seals of the same text differ (fresh ephemeral key each time).
        assert_ne!(
            sealed,
            office.public_key().seal(b"Testpatient, Ada").unwrap()
        );
    }

    #[test]
    fn keys_round_trip_through_base64_and_bad_keys_are_refused() {
        let office = SealSecretKey::generate().unwrap();
        let public = office.public_key();
        assert_eq!(SealPublicKey::from_base64(&public.to_base64()), Ok(public));
        for bad in ["", "not base64!", "AAAA", &"A".repeat(44)] {
            assert_eq!(
                SealPublicKey::from_base64(bad),
                Err(SealError::BadKey),
                "{bad}"
            );
        }
        assert_eq!(format!("{office:?}"), "SealSecretKey(..)");
    }

    #[test]
    fn random_bytes_never_open_and_never_panic() {
        let office = SealSecretKey::generate().unwrap();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for len in 0..400 {
            let bytes = noise(len, &mut seed);
            assert_eq!(office.open(&bytes), Err(SealError::Unsealable));
        }
    }
}

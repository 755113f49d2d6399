//! Pairing a kiosk with its office: the code shown on a new kiosk, the proofs both sides
//! compute, and the messages they exchange. Pure: no I/O, no clock (both sides pass `now`).
//!
//! # The protocol
//! 1. On first boot (no credential in its state directory) the kiosk makes an Ed25519 key
//!    pair ([`KioskKey`], kept in its state directory) and, per attempt, a random
//!    [`PairingCode`] (8 characters from an alphabet without look-alikes) and a random
//!    request id. It shows the code (and a QR of it) on screen and sends the office a
//!    [`PairingRequest`] over the pinned HTTPS connection: its public key, the request id
//!    and `proof = HMAC-SHA256(key = code, "frontdesk-pairing-v1" ‖ request id ‖ public
//!    key)` ([`code_proof`]), signed with its key. The code itself never crosses the wire.
//! 2. An administrator reads the code off the kiosk's screen (or scans its QR) and enters
//!    it on the staff page. The office computes the proof of that code for each request
//!    still waiting; the one that matches is the kiosk on whose screen the code is, and its
//!    public key becomes that kiosk's. A request whose code nobody enters expires
//!    ([`CODE_LIFETIME`]); a code is used once; after [`MAX_WRONG_CODES`] wrong codes the
//!    office refuses every code for [`LOCKOUT`].
//! 3. The kiosk polls with a [`PairingPoll`] signed by its key. Only once the request is
//!    approved, and only to the holder of the bound key, does the office answer with the
//!    kiosk's own credential (a random bearer token the office keeps only as its SHA-256)
//!    and the office's configuration, which carries its sealing public key. The answer is
//!    given once: a second poll finds nothing.
//!
//! # What this protects against
//! An attacker who does not know the code on the kiosk's screen cannot pair: a request
//! they send carries a proof for a code they guessed (29⁸ ≈ 5 × 10¹¹ codes, and the
//! office keeps at most [`MAX_WAITING`] requests waiting), and they cannot collect another
//! request's credential without its private key. The pinned TLS connection keeps the proof
//! (which would allow an offline search of the code space) and the credential off the
//! network. An administrator's session and role are checked by the staff sign-in.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::fmt;

/// The characters a code is made of: digits and capitals without 0/O, 1/I/L and U/V.
pub const ALPHABET: &[u8; 29] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";
/// Characters in a code (shown as two groups of four).
pub const CODE_LEN: usize = 8;
/// How long a code may wait for an administrator.
pub const CODE_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_secs(15 * 60);
/// Wrong codes entered on the staff page before pairing locks.
pub const MAX_WRONG_CODES: u32 = 5;
/// How long pairing stays locked after too many wrong codes.
pub const LOCKOUT: jiff::SignedDuration = jiff::SignedDuration::from_secs(15 * 60);
/// Requests the office keeps waiting at once (more are refused until some expire).
pub const MAX_WAITING: usize = 16;

const PROOF_CONTEXT: &[u8] = b"frontdesk-pairing-v1";
const REQUEST_CONTEXT: &[u8] = b"frontdesk-pairing-request-v1";
const POLL_CONTEXT: &[u8] = b"frontdesk-pairing-poll-v1";
/// Prefix of a paired kiosk's bearer token (static tokens from the config have none).
pub const CREDENTIAL_PREFIX: &str = "fdk1_";

/// Why a pairing message or code was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error("a pairing code has {CODE_LEN} letters and digits")]
    CodeLength,
    #[error("a pairing code has no 0, O, 1, I, L, U or V")]
    CodeCharacter,
    #[error("the kiosk's public key is not a valid Ed25519 key")]
    BadKey,
    #[error("the signature is malformed or does not verify")]
    BadSignature,
    #[error("the code proof is malformed")]
    BadProof,
    #[error("no randomness available")]
    Random,
}

/// A pairing code: [`CODE_LEN`] characters of [`ALPHABET`]. Shown as `ABCD-EFGH`; typed
/// in any case, with or without spaces and dashes.
#[derive(Clone, PartialEq, Eq)]
pub struct PairingCode([u8; CODE_LEN]);

impl PairingCode {
    /// A new code, every character uniformly drawn.
    pub fn random() -> Result<Self, PairingError> {
        let mut code = [0u8; CODE_LEN];
        let mut filled = 0;
        // Rejection sampling: bytes at or above the largest multiple of 29 are drawn again,
        // so no character is likelier than another.
        let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
        while filled < CODE_LEN {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).map_err(|_| PairingError::Random)?;
            for byte in bytes {
                if byte < limit && filled < CODE_LEN {
                    code[filled] = ALPHABET[usize::from(byte) % ALPHABET.len()];
                    filled += 1;
                }
            }
        }
        Ok(Self(code))
    }

    /// A code as a person typed it: case, spaces and dashes do not matter.
    pub fn parse(typed: &str) -> Result<Self, PairingError> {
        let mut code = [0u8; CODE_LEN];
        let mut n = 0;
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            if n == CODE_LEN {
                return Err(PairingError::CodeLength);
            }
            let upper = c.to_ascii_uppercase();
            let byte = u8::try_from(upper).map_err(|_| PairingError::CodeCharacter)?;
            if !ALPHABET.contains(&byte) {
                return Err(PairingError::CodeCharacter);
            }
            code[n] = byte;
            n += 1;
        }
        if n != CODE_LEN {
            return Err(PairingError::CodeLength);
        }
        Ok(Self(code))
    }

    /// The code as shown on the kiosk: `ABCD-EFGH`.
    pub fn display(&self) -> String {
        let text = self.as_str();
        format!("{}-{}", &text[..4], &text[4..])
    }

    /// The bare eight characters (what the QR holds).
    pub fn as_str(&self) -> &str {
        // Only ALPHABET bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Never printed: a code in a log would let whoever reads it pair.
impl fmt::Debug for PairingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PairingCode(<hidden>)")
    }
}

/// `HMAC-SHA256(code, context ‖ request id ‖ public key)`: binds the kiosk's key and
/// request to the code on its screen without sending the code.
pub fn code_proof(code: &PairingCode, request_id: uuid::Uuid, public_key: &[u8; 32]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(&code.0).expect("HMAC takes any key length");
    mac.update(PROOF_CONTEXT);
    mac.update(request_id.as_bytes());
    mac.update(public_key);
    mac.finalize().into_bytes().into()
}

/// Whether `proof` is the proof of `code` for this request (constant time).
pub fn proof_matches(
    code: &PairingCode,
    request_id: uuid::Uuid,
    public_key: &[u8; 32],
    proof: &[u8; 32],
) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(&code.0).expect("HMAC takes any key length");
    mac.update(PROOF_CONTEXT);
    mac.update(request_id.as_bytes());
    mac.update(public_key);
    mac.verify_slice(proof).is_ok()
}

/// The kiosk's own key pair, made on first boot and kept in its state directory.
pub struct KioskKey(SigningKey);

impl KioskKey {
    /// A new key.
    pub fn random() -> Result<Self, PairingError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|_| PairingError::Random)?;
        Ok(Self(SigningKey::from_bytes(&secret)))
    }

    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        Self(SigningKey::from_bytes(secret))
    }

    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The request to send for `code`: proof of the code, signed by this key.
    pub fn request(
        &self,
        code: &PairingCode,
        request_id: uuid::Uuid,
        kiosk_id: crate::domain::KioskId,
    ) -> PairingRequest {
        let public_key = self.public_key();
        let proof = code_proof(code, request_id, &public_key);
        let signature = self
            .0
            .sign(&signed_request(request_id, &kiosk_id, &public_key, &proof));
        PairingRequest {
            request_id,
            kiosk_id,
            public_key: STANDARD.encode(public_key),
            proof: STANDARD.encode(proof),
            signature: STANDARD.encode(signature.to_bytes()),
        }
    }

    /// A poll for `request_id`, signed by this key.
    pub fn poll(&self, request_id: uuid::Uuid) -> PairingPoll {
        let signature = self.0.sign(&signed_poll(request_id));
        PairingPoll {
            request_id,
            signature: STANDARD.encode(signature.to_bytes()),
        }
    }
}

impl fmt::Debug for KioskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KioskKey(<secret>)")
    }
}

fn signed_request(
    request_id: uuid::Uuid,
    kiosk_id: &crate::domain::KioskId,
    public_key: &[u8; 32],
    proof: &[u8; 32],
) -> Vec<u8> {
    let mut message = REQUEST_CONTEXT.to_vec();
    message.extend_from_slice(request_id.as_bytes());
    message.extend_from_slice(public_key);
    message.extend_from_slice(proof);
    message.extend_from_slice(kiosk_id.as_str().as_bytes());
    message
}

fn signed_poll(request_id: uuid::Uuid) -> Vec<u8> {
    let mut message = POLL_CONTEXT.to_vec();
    message.extend_from_slice(request_id.as_bytes());
    message
}

fn decode_32(text: &str, error: PairingError) -> Result<[u8; 32], PairingError> {
    let bytes = STANDARD.decode(text).map_err(|_| error.clone())?;
    bytes.try_into().map_err(|_| error)
}

fn verifying_key(bytes: &[u8; 32]) -> Result<VerifyingKey, PairingError> {
    VerifyingKey::from_bytes(bytes).map_err(|_| PairingError::BadKey)
}

fn signature(text: &str) -> Result<Signature, PairingError> {
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| PairingError::BadSignature)?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| PairingError::BadSignature)?;
    Ok(Signature::from_bytes(&bytes))
}

/// `POST /api/kiosk/v1/pairing`: a kiosk without a credential asks to be paired.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PairingRequest {
    pub request_id: uuid::Uuid,
    /// The id the kiosk's config gives it; the office pairs it under this id.
    pub kiosk_id: crate::domain::KioskId,
    /// Ed25519, base64.
    pub public_key: String,
    /// [`code_proof`], base64.
    pub proof: String,
    /// Ed25519 over the request, base64: the sender holds the key.
    pub signature: String,
}

/// A [`PairingRequest`] whose key, proof and signature checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRequest {
    pub request_id: uuid::Uuid,
    pub kiosk_id: crate::domain::KioskId,
    pub public_key: [u8; 32],
    pub proof: [u8; 32],
}

impl PairingRequest {
    /// Checks the request's encoding and signature.
    pub fn verify(&self) -> Result<VerifiedRequest, PairingError> {
        let public_key = decode_32(&self.public_key, PairingError::BadKey)?;
        let proof = decode_32(&self.proof, PairingError::BadProof)?;
        let key = verifying_key(&public_key)?;
        key.verify_strict(
            &signed_request(self.request_id, &self.kiosk_id, &public_key, &proof),
            &signature(&self.signature)?,
        )
        .map_err(|_| PairingError::BadSignature)?;
        Ok(VerifiedRequest {
            request_id: self.request_id,
            kiosk_id: self.kiosk_id.clone(),
            public_key,
            proof,
        })
    }
}

/// `POST /api/kiosk/v1/pairing/poll`: "has someone entered my code yet?".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PairingPoll {
    pub request_id: uuid::Uuid,
    /// Ed25519 over the request id, by the key of the request, base64.
    pub signature: String,
}

impl PairingPoll {
    /// Whether the poll was signed by `public_key`.
    pub fn verify(&self, public_key: &[u8; 32]) -> Result<(), PairingError> {
        verifying_key(public_key)?
            .verify_strict(&signed_poll(self.request_id), &signature(&self.signature)?)
            .map_err(|_| PairingError::BadSignature)
    }
}

/// The office's answer to a request it accepted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PairingWaiting {
    /// After this the code is no good; the kiosk shows a new one.
    pub expires_at: jiff::Timestamp,
}

/// The office's answer to a poll.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PollAnswer {
    /// Nobody has entered the code yet.
    Waiting { expires_at: jiff::Timestamp },
    /// Paired: the kiosk's own credential and the office's configuration (its sealing
    /// public key, its token-signing key).
    Paired {
        kiosk_id: crate::domain::KioskId,
        credential: KioskCredential,
        config: Box<crate::api::KioskConfig>,
    },
}

/// A paired kiosk's bearer token: [`CREDENTIAL_PREFIX`] and 32 random bytes. The office
/// keeps only its [`KioskCredential::digest`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KioskCredential(String);

impl KioskCredential {
    pub fn random() -> Result<Self, PairingError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|_| PairingError::Random)?;
        Ok(Self(format!(
            "{CREDENTIAL_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
        )))
    }

    /// A token as presented; any text (an unknown one simply matches nothing).
    pub fn from_presented(text: &str) -> Self {
        Self(text.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the office stores: SHA-256 of the token.
    pub fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl fmt::Debug for KioskCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KioskCredential(<secret>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::KioskId;

    #[test]
    fn codes_use_the_alphabet_and_read_back_however_typed() {
        for _ in 0..200 {
            let code = PairingCode::random().unwrap();
            assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            assert_eq!(code.as_str().len(), CODE_LEN);
            let shown = code.display();
            assert_eq!(shown.len(), CODE_LEN + 1);
            assert_eq!(PairingCode::parse(&shown).unwrap(), code);
            let typed = format!(" {} ", shown.to_lowercase().replace('-', " "));
            assert_eq!(PairingCode::parse(&typed).unwrap(), code);
        }
        assert_eq!(
            PairingCode::parse("ABCD-EFG"),
            Err(PairingError::CodeLength)
        );
        assert_eq!(
            PairingCode::parse("ABCD-EFGHJ"),
            Err(PairingError::CodeLength)
        );
        assert_eq!(
            PairingCode::parse("ABCD-EFG0"),
            Err(PairingError::CodeCharacter)
        );
        assert_eq!(
            PairingCode::parse("ABCD-EFGI"),
            Err(PairingError::CodeCharacter)
        );
        assert_eq!(
            PairingCode::parse("ABCD-EFGé"),
            Err(PairingError::CodeCharacter)
        );
        assert_eq!(
            format!("{:?}", PairingCode::parse("ABCD-EFGH").unwrap()),
            "PairingCode(<hidden>)"
        );
    }

    #[test]
    fn no_look_alikes_in_the_alphabet() {
        for c in b"0O1ILUV" {
            assert!(!ALPHABET.contains(c), "{}", *c as char);
        }
        let mut sorted = ALPHABET.to_vec();
        sorted.dedup();
        assert_eq!(sorted.len(), ALPHABET.len());
    }

    #[test]
    fn a_request_verifies_and_proves_its_code_only() {
        let key = KioskKey::random().unwrap();
        let code = PairingCode::parse("ABCD-EFGH").unwrap();
        let id = uuid::Uuid::new_v4();
        let request = key.request(&code, id, KioskId::new("lobby-1").unwrap());
        let verified = request.verify().unwrap();
        assert_eq!(verified.public_key, key.public_key());
        assert!(proof_matches(
            &code,
            id,
            &verified.public_key,
            &verified.proof
        ));
        let other = PairingCode::parse("ABCD-EFGJ").unwrap();
        assert!(!proof_matches(
            &other,
            id,
            &verified.public_key,
            &verified.proof
        ));
        assert!(!proof_matches(
            &code,
            uuid::Uuid::new_v4(),
            &verified.public_key,
            &verified.proof
        ));

        // Another kiosk id, key or proof breaks the signature.
        let mut renamed = request.clone();
        renamed.kiosk_id = KioskId::new("lobby-2").unwrap();
        assert_eq!(renamed.verify(), Err(PairingError::BadSignature));
        let mut swapped = request.clone();
        swapped.public_key = STANDARD.encode(KioskKey::random().unwrap().public_key());
        assert_eq!(swapped.verify(), Err(PairingError::BadSignature));
        let mut bad = request.clone();
        bad.proof = "not base64!".into();
        assert_eq!(bad.verify(), Err(PairingError::BadProof));
        let mut short = request;
        short.public_key = STANDARD.encode([1u8; 5]);
        assert_eq!(short.verify(), Err(PairingError::BadKey));
    }

    #[test]
    fn a_poll_verifies_with_its_own_key_only() {
        let key = KioskKey::random().unwrap();
        let id = uuid::Uuid::new_v4();
        let poll = key.poll(id);
        poll.verify(&key.public_key()).unwrap();
        let stranger = KioskKey::random().unwrap();
        assert_eq!(
            poll.verify(&stranger.public_key()),
            Err(PairingError::BadSignature)
        );
        let mut other = poll.clone();
        other.request_id = uuid::Uuid::new_v4();
        assert_eq!(
            other.verify(&key.public_key()),
            Err(PairingError::BadSignature)
        );
        let restored = KioskKey::from_bytes(&key.to_bytes());
        assert_eq!(restored.public_key(), key.public_key());
        assert_eq!(format!("{restored:?}"), "KioskKey(<secret>)");
    }

    #[test]
    fn credentials_are_random_and_stored_as_a_digest() {
        let one = KioskCredential::random().unwrap();
        let two = KioskCredential::random().unwrap();
        assert_ne!(one, two);
        assert!(one.expose().starts_with(CREDENTIAL_PREFIX));
        assert_eq!(
            KioskCredential::from_presented(one.expose()).digest(),
            one.digest()
        );
        assert_ne!(one.digest(), two.digest());
        assert_eq!(format!("{one:?}"), "KioskCredential(<secret>)");
    }
}

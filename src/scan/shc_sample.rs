//! A synthetic insurance health card, signed with a fixed test key, for tests, fuzz seeds,
//! the bench and the demo. Obviously fake: payer "Testpayer Health Plan", member
//! "Testpatient, Ada". The key is public knowledge (it is in this file): never trust
//! [`ISSUER`] outside tests.

use super::shc::{TrustedIssuers, jws_to_numeric};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The synthetic payer's issuer URL.
pub const ISSUER: &str = "https://cards.testpayer.example/issuer";
/// The fixed test secret (a valid P-256 scalar).
const SECRET: [u8; 32] = *b"frontdesk-shc-test-key-not-real!";

/// The test signing key.
pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&SECRET.into()).expect("the test secret is a valid scalar")
}

/// The test key as a public JWK: kty EC, crv P-256, x, y, and its kid (the RFC 7638
/// thumbprint, as the specification asks).
pub fn public_jwk(key: &VerifyingKey) -> Value {
    let point = key.to_encoded_point(false);
    let x = URL_SAFE_NO_PAD.encode(point.x().expect("uncompressed point"));
    let y = URL_SAFE_NO_PAD.encode(point.y().expect("uncompressed point"));
    let thumbprint = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(thumbprint.as_bytes()));
    json!({"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256", "x": x, "y": y})
}

/// The test issuer's JWKS document.
pub fn jwks() -> String {
    json!({"keys": [public_jwk(signing_key().verifying_key())]}).to_string()
}

/// A trust store holding only the test issuer.
pub fn trusted() -> TrustedIssuers {
    let mut trusted = TrustedIssuers::new();
    trusted
        .add_jwks(ISSUER, &jwks())
        .expect("the test key set is usable");
    trusted
}

/// The test key's kid.
pub fn kid() -> String {
    public_jwk(signing_key().verifying_key())["kid"]
        .as_str()
        .expect("kid")
        .to_owned()
}

/// A C4DIC-shaped insurance card bundle: Patient, payer Organization, Coverage.
pub fn insurance_bundle() -> Value {
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "resource:0", "resource": {
                "resourceType": "Patient",
                "name": [{"family": "Testpatient", "given": ["Ada"]}],
                "birthDate": "1980-02-29"
            }},
            {"fullUrl": "resource:1", "resource": {
                "resourceType": "Organization",
                "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "99999"}],
                "name": "Testpayer Health Plan"
            }},
            {"fullUrl": "resource:2", "resource": {
                "resourceType": "Coverage",
                "meta": {"profile": ["http://hl7.org/fhir/us/insurance-card/StructureDefinition/C4DIC-Coverage"]},
                "identifier": [{
                    "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MB"}]},
                    "value": "TST000123401"
                }],
                "status": "active",
                "subscriberId": "TST000123400",
                "subscriber": {"reference": "resource:0"},
                "beneficiary": {"reference": "resource:0"},
                "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "code": "self"}]},
                "period": {"start": "2026-01-01", "end": "2026-12-31"},
                "payor": [{"reference": "resource:1"}],
                "class": [
                    {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "group"}]},
                     "value": "GRP-4242", "name": "Testemployer Inc"},
                    {"type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/coverage-class", "code": "plan"}]},
                     "value": "PLN-7", "name": "Test Silver PPO"}
                ]
            }}
        ]
    })
}

/// A health card payload around `bundle`, issued at `nbf` (seconds).
pub fn payload(issuer: &str, nbf: i64, bundle: Value) -> Value {
    json!({
        "iss": issuer,
        "nbf": nbf,
        "vc": {
            "type": ["https://smarthealth.cards#health-card"],
            "credentialSubject": {"fhirVersion": "4.0.1", "fhirBundle": bundle}
        }
    })
}

/// Signs `payload` as a compact JWS with `header` (raw DEFLATE of the minified payload).
pub fn sign_with_header(header: &Value, payload: &Value, key: &SigningKey) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec(payload.to_string().as_bytes(), 9);
    sign_raw(header, &compressed, key)
}

/// Signs already-compressed payload bytes (for bombs and broken streams in tests).
pub fn sign_raw(header: &Value, compressed: &[u8], key: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(compressed)
    );
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// The standard header with the test key's kid.
pub fn header() -> Value {
    json!({"zip": "DEF", "alg": "ES256", "kid": kid()})
}

/// The synthetic insurance card as a compact JWS, issued at `nbf`.
pub fn card_jws(nbf: i64) -> String {
    sign_with_header(
        &header(),
        &payload(ISSUER, nbf, insurance_bundle()),
        &signing_key(),
    )
}

/// The synthetic insurance card as a scanner reads it.
pub fn card_qr(nbf: i64) -> String {
    jws_to_numeric(&card_jws(nbf))
}

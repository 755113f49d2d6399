//! SMART Health Cards: the specification's published example (an immunization card: it
//! proves decoding and ES256 verification against the spec's example issuer key) and a
//! synthetic insurance card signed here with a test key (proves the Coverage reading), then
//! each kind of bad card refused with its own typed error.

use frontdesk::scan::shc::{self, ShcError, TrustedIssuers};
use frontdesk::scan::shc_sample as sample;
use jiff::Timestamp;
use jiff::civil::date;
use serde_json::json;

/// The SMART Health Cards example issuer's published key set, as in the spec repository
/// (smart-on-fhir/health-cards, `generate-examples/issuer/.well-known/jwks.json`, MIT):
/// the ES256 key that signs the spec's examples, and the x5c-carrying second key.
const SPEC_JWKS: &str = r#"{"keys":[
 {"kty":"EC","kid":"3Kfdg-XwP-7gXyywtUfUADwBumDOPKMQx-iELL11W9s","use":"sig","alg":"ES256","crv":"P-256",
  "x":"11XvRWy1I2S0EyJlyf_bWfw_TQ5CJJNLw78bHXNxcgw","y":"eZXwxvO1hvCY0KucrPfKo7yAyMT6Ajc3N7OkAB6VYy8","crlVersion":1},
 {"kty":"EC","kid":"EBKOr72QQDcTBUuVzAzkfBTGew0ZA16GuWty64nS-sw","use":"sig","alg":"ES256","crv":"P-256",
  "x":"PQHApUWm94mflvswQgAnfHlETMwJFqjUVSs7WU6LQy4","y":"7mj8IO-8V5VZjDbRVsJINC_Rq5ai5CDhFX18ceRsLWQ"}]}"#;
const SPEC_ISSUER: &str = "https://spec.smarthealth.cards/examples/issuer";

/// The specification's example-00 card (example-00-d-jws.txt as generated in December 2021:
/// John B. Anyperson, two COVID-19 immunizations), signed by the example issuer's key.
/// Copied from ruby-jwt's SMART Health Cards spec (MIT), which quotes it verbatim.
const SPEC_JWS: &str = "eyJ6aXAiOiJERUYiLCJhbGciOiJFUzI1NiIsImtpZCI6IjNLZmRnLVh3UC03Z1h5eXd0VWZVQUR3QnVtRE9QS01ReC1pRUxMMTFXOXMifQ.3ZJJb9swEIX_SjC9ytoSR5VutQt0Q4sWTXMpfKCpscWCi8BFsBvov3dIO2haJDn1VN1GM_PxvUfegXAOOhi8H11XFG5EnjvFrB-QST_knNneFXhgapToCpoOaCEDvd1BV11ftldtednU-XL5MoOJQ3cH_jgidN9_M__GvTgVi1gQ6uk5oVTQ4ifzwuhnB7mZRF-1sMmAW-xRe8Hk17D9gdxHSbtB2Fu0LnI6uMrLvCJe_LsKupcYZyw6EyzHmyQfzo3sbAe4kZJoJyV0gD2SRyIHKb9ZSQP3-11JA_fFI-DPZIf2Y4ZM4QnClJDEg1eaZqxLZ-zFhDrm-N4MsV7lsJnJ4FaQ-dfMR1bVLqtFWS3qEuY5e1RN9byad39G7DzzwSW78cI9xguaGOdC49r0icBNL_Q-CXdH51Gd3w_dzCCb3Nh9EZMtnOgLPh0IwNMm1GUD82bOYDxHkOTs0KKO2h4mSEOG82BTK5q9EeqEqJPhMtqiqHbGKnqPUQvj3tiI7IUbJUtxrtYXb1CjZfLirXGj8ExSUBSiNP5TUNu4CmX6qicTrP_LBOv2XyfYxAaFCFb09PPjh-P6MDTjdfhCjV8.F248favB7uvtKSo9GbwIC-QtmpWeAsB-AtiFq2iACiDZQE0s38603dJp50vc1HEvZAB80RXecKQ1LYdkZbq8Rw";

/// The synthetic card's issue time and "now" at the kiosk, a day later.
const NBF: i64 = 1_796_000_000;
fn now() -> Timestamp {
    Timestamp::from_second(NBF + 86_400).unwrap()
}

fn spec_trusted() -> TrustedIssuers {
    let mut trusted = TrustedIssuers::new();
    assert_eq!(trusted.add_jwks(SPEC_ISSUER, SPEC_JWKS), Ok(2));
    trusted
}

#[test]
fn the_specifications_example_card_decodes_and_verifies() {
    let now: Timestamp = "2026-12-03T09:00:00Z".parse().unwrap();
    let card = shc::verify_jws(SPEC_JWS, &spec_trusted(), now).expect("spec example verifies");
    assert_eq!(card.issuer, SPEC_ISSUER);
    assert_eq!(
        card.issued,
        Timestamp::from_millisecond(1_639_490_372_558).unwrap()
    );
    assert!(
        card.types
            .iter()
            .any(|t| t == "https://smarthealth.cards#immunization")
    );
    assert_eq!(
        card.resource_types,
        ["Patient", "Immunization", "Immunization"]
    );
    assert_eq!(
        card.coverage, None,
        "an immunization card carries no Coverage"
    );

    // The same card through its QR numeric form, as the scanner delivers it.
    let numeric = shc::jws_to_numeric(SPEC_JWS);
    assert!(
        numeric.starts_with("shc:/5676290952432060346029243740"),
        "the spec's header prefix"
    );
    assert_eq!(shc::numeric_to_jws(&numeric).as_deref(), Ok(SPEC_JWS));
    assert_eq!(shc::verify(&numeric, &spec_trusted(), now), Ok(card));

    // One character of the signature altered: it no longer verifies.
    let mut parts: Vec<String> = SPEC_JWS.split('.').map(str::to_owned).collect();
    let flipped = if &parts[2][5..6] == "A" { "B" } else { "A" };
    parts[2].replace_range(5..6, flipped);
    assert_eq!(
        shc::verify_jws(&parts.join("."), &spec_trusted(), now),
        Err(ShcError::BadSignature)
    );
}

#[test]
fn the_synthetic_insurance_card_reads_its_coverage() {
    let card = shc::verify(&sample::card_qr(NBF), &sample::trusted(), now()).expect("verifies");
    assert_eq!(card.issuer, sample::ISSUER);
    assert_eq!(card.resource_types, ["Patient", "Organization", "Coverage"]);
    let coverage = card.coverage.as_ref().expect("a Coverage");
    assert_eq!(
        coverage.payer.name.as_deref(),
        Some("Testpayer Health Plan")
    );
    assert_eq!(coverage.payer.identifier.as_deref(), Some("99999"));
    assert_eq!(coverage.member_id.as_deref(), Some("TST000123401"));
    assert_eq!(coverage.subscriber_id.as_deref(), Some("TST000123400"));
    let group = coverage.group.as_ref().expect("group");
    assert_eq!(
        (group.value.as_str(), group.name.as_deref()),
        ("GRP-4242", Some("Testemployer Inc"))
    );
    assert_eq!(
        coverage.plan.as_ref().map(|p| p.value.as_str()),
        Some("PLN-7")
    );
    assert_eq!(coverage.relationship.as_deref(), Some("self"));
    assert_eq!(coverage.status.as_deref(), Some("active"));
    assert_eq!(coverage.period_start, Some(date(2026, 1, 1)));
    assert_eq!(coverage.period_end, Some(date(2026, 12, 31)));
    for person in [&coverage.subscriber, &coverage.beneficiary] {
        let person = person.as_ref().expect("resolved from resource:0");
        assert_eq!(person.family.as_deref(), Some("Testpatient"));
        assert_eq!(person.given, ["Ada"]);
        assert_eq!(person.birth_date, Some(date(1980, 2, 29)));
    }

    // Debug shows no member id, name or birth date.
    let shown = format!("{card:?}");
    for secret in ["TST0001234", "Testpatient", "Ada", "1980", "GRP-4242"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("Testpayer Health Plan"), "{shown}");
}

#[test]
fn a_coverage_without_c4dic_parts_is_read_as_far_as_it_goes() {
    // No Organization (payor as display), no MB identifier, no classes, `Type/id` references.
    let bundle = json!({"resourceType": "Bundle", "entry": [
        {"fullUrl": "https://x.example/Patient/p1", "resource": {"resourceType": "Patient", "id": "p1",
            "name": [{"use": "nickname", "given": ["Ace"]}, {"use": "official", "family": "Testpatient", "given": ["Ada", " "]}],
            "birthDate": "1980"}},
        {"resource": {"resourceType": "Coverage", "subscriberId": "TST-9",
            "beneficiary": {"reference": "Patient/p1"},
            "payor": [{"display": "Testpayer Health Plan"}]}}
    ]});
    let jws = sample::sign_with_header(
        &sample::header(),
        &sample::payload(sample::ISSUER, NBF, bundle),
        &sample::signing_key(),
    );
    let coverage = shc::verify_jws(&jws, &sample::trusted(), now())
        .unwrap()
        .coverage
        .unwrap();
    assert_eq!(
        coverage.payer.name.as_deref(),
        Some("Testpayer Health Plan")
    );
    assert_eq!(coverage.payer.identifier, None);
    assert_eq!(
        coverage.member_id.as_deref(),
        Some("TST-9"),
        "falls back to subscriberId"
    );
    assert_eq!(
        (coverage.group, coverage.plan, coverage.subscriber),
        (None, None, None)
    );
    let beneficiary = coverage.beneficiary.unwrap();
    assert_eq!(beneficiary.family.as_deref(), Some("Testpatient"));
    assert_eq!(beneficiary.given, ["Ada"]);
    assert_eq!(
        beneficiary.birth_date, None,
        "a year alone is not a birth date"
    );
}

#[test]
fn a_tampered_signature_is_refused() {
    let jws = sample::card_jws(NBF);
    let (signed, signature) = jws.rsplit_once('.').unwrap();
    let other = sample::card_jws(NBF + 1);
    let other_signature = other.rsplit_once('.').unwrap().1;
    let trusted = sample::trusted();
    assert_eq!(
        shc::verify_jws(&format!("{signed}.{other_signature}"), &trusted, now()),
        Err(ShcError::BadSignature)
    );
    assert_eq!(
        shc::verify_jws(&format!("{signed}.{}", &signature[..40]), &trusted, now()),
        Err(ShcError::BadSignature),
        "a short signature"
    );
    // Signed by another key under the test issuer's kid.
    let impostor = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).unwrap();
    let forged = sample::sign_with_header(
        &sample::header(),
        &sample::payload(sample::ISSUER, NBF, sample::insurance_bundle()),
        &impostor,
    );
    assert_eq!(
        shc::verify_jws(&forged, &trusted, now()),
        Err(ShcError::BadSignature)
    );
}

#[test]
fn an_unknown_issuer_or_key_is_refused() {
    let card = sample::card_qr(NBF);
    assert_eq!(
        shc::verify(&card, &spec_trusted(), now()),
        Err(ShcError::UnknownIssuer)
    );
    assert_eq!(
        shc::verify(&card, &TrustedIssuers::new(), now()),
        Err(ShcError::UnknownIssuer)
    );
    // The right issuer, but a kid it does not publish.
    let header = json!({"zip": "DEF", "alg": "ES256", "kid": "not-a-published-kid"});
    let jws = sample::sign_with_header(
        &header,
        &sample::payload(sample::ISSUER, NBF, sample::insurance_bundle()),
        &sample::signing_key(),
    );
    assert_eq!(
        shc::verify_jws(&jws, &sample::trusted(), now()),
        Err(ShcError::UnknownKey)
    );
    // The trailing slash the spec forbids on `iss` is tolerated.
    let jws = sample::sign_with_header(
        &sample::header(),
        &sample::payload(
            &format!("{}/", sample::ISSUER),
            NBF,
            sample::insurance_bundle(),
        ),
        &sample::signing_key(),
    );
    assert!(shc::verify_jws(&jws, &sample::trusted(), now()).is_ok());
}

#[test]
fn validity_times_come_from_the_caller() {
    let card = sample::card_qr(NBF);
    let trusted = sample::trusted();
    let at = |s| Timestamp::from_second(s).unwrap();
    assert_eq!(
        shc::verify(&card, &trusted, at(NBF - 3600)),
        Err(ShcError::NotYetValid)
    );
    assert!(
        shc::verify(&card, &trusted, at(NBF - 60)).is_ok(),
        "within the clock skew"
    );
    let mut payload = sample::payload(sample::ISSUER, NBF, sample::insurance_bundle());
    payload["exp"] = json!(NBF + 1000);
    let jws = sample::sign_with_header(&sample::header(), &payload, &sample::signing_key());
    assert!(shc::verify_jws(&jws, &trusted, at(NBF + 999)).is_ok());
    assert_eq!(
        shc::verify_jws(&jws, &trusted, at(NBF + 1000)),
        Err(ShcError::Expired)
    );
}

#[test]
fn a_deflate_bomb_is_refused_at_the_limit() {
    // 10 MB of spaces compresses to about 10 KB; inflating stops at MAX_INFLATED.
    let bomb = miniz_oxide::deflate::compress_to_vec(&vec![b' '; 10 << 20], 10);
    assert!(bomb.len() < shc::MAX_LEN * 2);
    let jws = sample::sign_raw(
        &sample::header(),
        &bomb[..bomb.len().min(4000)],
        &sample::signing_key(),
    );
    assert_eq!(
        shc::verify_jws(&jws, &sample::trusted(), now()),
        Err(ShcError::TooLarge {
            limit: shc::MAX_INFLATED
        })
    );
    let jws = sample::sign_raw(
        &sample::header(),
        b"\xff\xff not deflate",
        &sample::signing_key(),
    );
    assert_eq!(
        shc::verify_jws(&jws, &sample::trusted(), now()),
        Err(ShcError::Inflate)
    );
    // Uncompressed (or zlib-wrapped) payloads are refused too.
    let header = json!({"alg": "ES256", "kid": sample::kid()});
    let jws = sample::sign_raw(&header, b"{}", &sample::signing_key());
    assert_eq!(
        shc::verify_jws(&jws, &sample::trusted(), now()),
        Err(ShcError::NotCompressed)
    );
}

#[test]
fn malformed_numeric_codes_are_refused() {
    let card = sample::card_qr(NBF);
    let digits = &card[5..];
    let cases: [(String, ShcError); 9] = [
        ("shc:/".into(), ShcError::OddLength { len: 0 }),
        (
            format!("shc:/{}", &digits[1..]),
            ShcError::OddLength {
                len: digits.len() - 1,
            },
        ),
        ("shc:/5676x9".into(), ShcError::NotADigit),
        ("shc:/567678".into(), ShcError::PairOutOfRange { pair: 78 }),
        ("shc:/1/2/5676290952".into(), ShcError::MultiChunk),
        ("https://example.org".into(), ShcError::NotAHealthCard),
        ("shc".into(), ShcError::NotAHealthCard),
        (
            format!("shc:/{}", "5".repeat(shc::MAX_LEN)),
            ShcError::TooLong {
                len: shc::MAX_LEN + 5,
            },
        ),
        ("shc:/5676".into(), ShcError::NotAJws),
    ];
    for (scan, error) in cases {
        assert_eq!(
            shc::verify(&scan, &sample::trusted(), now()),
            Err(error),
            "{scan:.40}"
        );
    }
    // Upper-case prefix (scanners do this) and a trailing CR LF are accepted.
    assert!(shc::verify(&format!("SHC:/{digits}\r\n"), &sample::trusted(), now()).is_ok());
}

#[test]
fn a_wrong_algorithm_or_header_is_refused() {
    let payload = sample::payload(sample::ISSUER, NBF, sample::insurance_bundle());
    let key = sample::signing_key();
    for (header, error) in [
        (
            json!({"zip": "DEF", "alg": "none", "kid": sample::kid()}),
            ShcError::WrongAlgorithm,
        ),
        (
            json!({"zip": "DEF", "alg": "HS256", "kid": sample::kid()}),
            ShcError::WrongAlgorithm,
        ),
        (
            json!({"zip": "DEF", "kid": sample::kid()}),
            ShcError::WrongAlgorithm,
        ),
        (
            json!({"zip": "GZ", "alg": "ES256", "kid": sample::kid()}),
            ShcError::NotCompressed,
        ),
        (json!({"zip": "DEF", "alg": "ES256"}), ShcError::BadHeader),
        (json!(["ES256"]), ShcError::BadHeader),
    ] {
        let jws = sample::sign_with_header(&header, &payload, &key);
        assert_eq!(
            shc::verify_jws(&jws, &sample::trusted(), now()),
            Err(error),
            "{header}"
        );
    }
    assert_eq!(
        shc::verify_jws("a.b", &sample::trusted(), now()),
        Err(ShcError::NotAJws)
    );
    assert_eq!(
        shc::verify_jws("a.b.c.d", &sample::trusted(), now()),
        Err(ShcError::NotAJws)
    );
    assert_eq!(
        shc::verify_jws("!!.b.c", &sample::trusted(), now()),
        Err(ShcError::Base64 { part: "header" })
    );
}

#[test]
fn signed_payloads_without_a_bundle_are_refused() {
    let key = sample::signing_key();
    for (payload, field) in [
        (json!({"iss": sample::ISSUER, "vc": {}}), "nbf"),
        (json!({"iss": sample::ISSUER, "nbf": NBF}), "vc"),
        (
            json!({"iss": sample::ISSUER, "nbf": NBF, "vc": {"credentialSubject": {}}}),
            "vc.credentialSubject.fhirBundle",
        ),
        (
            json!({"iss": sample::ISSUER, "nbf": "yesterday", "vc": {}}),
            "nbf",
        ),
        (json!({"nbf": NBF}), "iss"),
        (json!([1, 2]), "iss"),
    ] {
        let jws = sample::sign_with_header(&sample::header(), &payload, &key);
        assert_eq!(
            shc::verify_jws(&jws, &sample::trusted(), now()),
            Err(ShcError::BadPayload { field }),
            "{payload}"
        );
    }
}

#[test]
fn key_sets_keep_only_usable_p256_keys() {
    let mut trusted = TrustedIssuers::new();
    assert_eq!(
        trusted.add_jwks("https://x.example", "not json"),
        Err(shc::JwksError::NotAKeySet)
    );
    let rsa = r#"{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"},
        {"kty":"EC","crv":"P-384","kid":"p","x":"AA","y":"AA"},
        {"kty":"EC","crv":"P-256","kid":"short","x":"AA","y":"AA"}]}"#;
    assert_eq!(
        trusted.add_jwks("https://x.example", rsa),
        Err(shc::JwksError::NoUsableKey)
    );
    assert!(trusted.is_empty());
    // A private key set: its `d` is ignored, the public key kept.
    let mut jwk = sample::public_jwk(sample::signing_key().verifying_key());
    jwk["d"] = json!("c2VjcmV0");
    let jwks = json!({"keys": [jwk]}).to_string();
    assert_eq!(trusted.add_jwks(sample::ISSUER, &jwks), Ok(1));
    assert!(shc::verify(&sample::card_qr(NBF), &trusted, now()).is_ok());
    assert!(!format!("{trusted:?}").contains("c2VjcmV0"));
}

#[test]
fn the_fuzz_seeds_are_the_synthetic_card() {
    // fuzz/seeds/shc_decode: a mode byte, then the card as QR text, JWS and payload JSON.
    let qr = include_str!("../fuzz/seeds/shc_decode/card_qr");
    let jws = include_str!("../fuzz/seeds/shc_decode/card_jws");
    let from_qr = shc::verify(&qr[1..], &sample::trusted(), now()).expect("seed verifies");
    assert_eq!(
        shc::verify_jws(&jws[1..], &sample::trusted(), now()),
        Ok(from_qr.clone())
    );
    assert_eq!(
        from_qr,
        shc::verify(&sample::card_qr(NBF), &sample::trusted(), now()).unwrap()
    );
}

//! SMART Health Cards: the `shc:/` QR a patient shows from a payer's app, decoded, verified
//! against issuer keys the office trusts, and its FHIR Coverage (the CARIN Digital Insurance
//! Card profile, C4DIC-Coverage, where the issuer follows it) read into [`Coverage`].
//!
//! No crate does this; it is a short pipeline of well-kept ones:
//!
//! ```text
//! "shc:/" digits   pairs of digits, each + 45 = one character of a compact JWS
//! JWS              header.payload.signature, base64url without padding
//! header           {"alg":"ES256","zip":"DEF","kid":...}
//! payload          raw DEFLATE (inflated with a size limit) of JSON:
//!                  {"iss", "nbf", "exp"?, "vc": {"type", "credentialSubject": {"fhirBundle"}}}
//! signature        ES256 (P-256, SHA-256, r || s) over "header.payload", checked with the
//!                  issuer's JWK (kty EC, crv P-256, x, y) found by `iss` and `kid`
//! ```
//!
//! Multi-chunk codes (`shc:/1/2/...`) are refused: the specification deprecated them.
//!
//! The signature covers the compressed payload, and the issuer is named inside it, so the
//! payload is inflated before the signature is checked: the inflate is bounded by
//! [`MAX_INFLATED`], and nothing read from the card is returned unless the signature holds.
//!
//! Privacy: errors carry no text from the card (not even the issuer URL), and `Debug` of a
//! [`HealthCard`] or [`Coverage`] shows neither member ids nor names nor birth dates.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;

/// Longest scan accepted: a version 40 QR code holds 7089 digits.
pub const MAX_LEN: usize = 8 * 1024;
/// Largest inflated payload accepted. Real cards inflate to a few KB (a QR code holds under
/// 3.6 KB of JWS); this bounds a DEFLATE bomb.
pub const MAX_INFLATED: usize = 64 * 1024;
/// How far a card's `nbf` may lie ahead of the kiosk's clock: clocks drift, and a card
/// issued in the payer's app a minute ago should not be refused.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// Why a scan is not a verified health card. Carries nothing read from the card, so it can
/// be logged; every variant means "we could not verify that card, please enter it".
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ShcError {
    #[error("scan of {len} bytes is too long for a health card")]
    TooLong { len: usize },
    #[error("scan is not a SMART Health Card (no shc:/ prefix)")]
    NotAHealthCard,
    #[error("multi-chunk health card QR codes are deprecated by the specification")]
    MultiChunk,
    #[error("health card numeric code has an odd number of digits ({len})")]
    OddLength { len: usize },
    #[error("health card numeric code has a character that is not a digit")]
    NotADigit,
    #[error("health card numeric code has a pair {pair} above 77")]
    PairOutOfRange { pair: u8 },
    #[error("health card is not a compact JWS (three parts)")]
    NotAJws,
    #[error("health card JWS {part} is not base64url")]
    Base64 { part: &'static str },
    #[error("health card JWS header is not a readable JSON object")]
    BadHeader,
    #[error("health card is signed with an algorithm other than ES256")]
    WrongAlgorithm,
    #[error("health card payload is not DEFLATE compressed (zip DEF)")]
    NotCompressed,
    #[error("health card payload is not valid raw DEFLATE")]
    Inflate,
    #[error("health card payload inflates beyond {limit} bytes")]
    TooLarge { limit: usize },
    #[error("health card payload field {field} is missing or malformed")]
    BadPayload { field: &'static str },
    #[error("health card issuer is not one the office trusts")]
    UnknownIssuer,
    #[error("health card key id is not among its issuer's trusted keys")]
    UnknownKey,
    #[error("health card signature does not verify")]
    BadSignature,
    #[error("health card is not valid yet")]
    NotYetValid,
    #[error("health card has expired")]
    Expired,
}

/// Why an issuer's key set could not be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwksError {
    #[error("key set is not JSON with a \"keys\" array")]
    NotAKeySet,
    #[error("key set has no usable EC P-256 key with kid, x and y")]
    NoUsableKey,
}

/// The issuers the office trusts: issuer URL (`iss`) → its EC P-256 keys by `kid`.
#[derive(Clone, Default)]
pub struct TrustedIssuers {
    issuers: HashMap<String, HashMap<String, VerifyingKey>>,
}

impl fmt::Debug for TrustedIssuers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.issuers.iter().map(|(iss, keys)| (iss, keys.len())))
            .finish()
    }
}

impl TrustedIssuers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Trusts the keys of a JWKS document (the issuer's `/.well-known/jwks.json`) for the
    /// issuer `iss`. Keeps EC P-256 keys with `kid`, `x` and `y`; skips other keys (and any
    /// private part). Returns how many keys were added.
    pub fn add_jwks(&mut self, iss: &str, jwks: &str) -> Result<usize, JwksError> {
        let doc: Value = serde_json::from_str(jwks).map_err(|_| JwksError::NotAKeySet)?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JwksError::NotAKeySet)?;
        let usable: Vec<(String, VerifyingKey)> = keys.iter().filter_map(jwk_key).collect();
        if usable.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        let count = usable.len();
        self.issuers
            .entry(normalise_issuer(iss).to_owned())
            .or_default()
            .extend(usable);
        Ok(count)
    }

    /// Trusts one key directly (tests, and keys configured by hand).
    pub fn add_key(&mut self, iss: &str, kid: &str, key: VerifyingKey) {
        self.issuers
            .entry(normalise_issuer(iss).to_owned())
            .or_default()
            .insert(kid.to_owned(), key);
    }

    pub fn is_empty(&self) -> bool {
        self.issuers.is_empty()
    }

    fn key(&self, iss: &str, kid: &str) -> Result<&VerifyingKey, ShcError> {
        self.issuers
            .get(normalise_issuer(iss))
            .ok_or(ShcError::UnknownIssuer)?
            .get(kid)
            .ok_or(ShcError::UnknownKey)
    }
}

/// The specification forbids a trailing slash on `iss`; tolerate one on either side.
fn normalise_issuer(iss: &str) -> &str {
    iss.strip_suffix('/').unwrap_or(iss)
}

fn jwk_key(jwk: &Value) -> Option<(String, VerifyingKey)> {
    let field = |name| jwk.get(name).and_then(Value::as_str);
    if field("kty")? != "EC" || field("crv")? != "P-256" {
        return None;
    }
    if field("alg").is_some_and(|alg| alg != "ES256") {
        return None;
    }
    let coordinate =
        |name| -> Option<[u8; 32]> { URL_SAFE_NO_PAD.decode(field(name)?).ok()?.try_into().ok() };
    let (x, y) = (coordinate("x")?, coordinate("y")?);
    let point = p256::EncodedPoint::from_affine_coordinates(&x.into(), &y.into(), false);
    let key = VerifyingKey::from_encoded_point(&point).ok()?;
    Some((field("kid")?.to_owned(), key))
}

/// A verified card: who issued it, when, what it claims, and the Coverage it carries.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct HealthCard {
    /// The issuer URL (`iss`): trusted, since the signature verified against its key.
    pub issuer: String,
    /// When the card was issued (`nbf`).
    pub issued: Timestamp,
    /// When it stops being valid (`exp`), if it says.
    pub expires: Option<Timestamp>,
    /// The credential types (`vc.type`), e.g. `https://smarthealth.cards#health-card`.
    pub types: Vec<String>,
    /// The `resourceType` of each bundle entry, in order (no content: no PHI).
    pub resource_types: Vec<String>,
    /// The bundle's first Coverage, if it has one.
    pub coverage: Option<Coverage>,
}

impl fmt::Debug for HealthCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HealthCard")
            .field("issuer", &self.issuer)
            .field("issued", &self.issued)
            .field("types", &self.types)
            .field("resource_types", &self.resource_types)
            .field("coverage", &self.coverage)
            .finish_non_exhaustive()
    }
}

/// An insurance Coverage as the card states it. Every part is optional: issuers that do not
/// follow C4DIC leave some out, and the patient confirms or completes each field.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub payer: Payer,
    /// The member id: the identifier typed `MB` (C4DIC), else `subscriberId`.
    pub member_id: Option<String>,
    /// `subscriberId`, as the card states it.
    pub subscriber_id: Option<String>,
    /// The class of type `group`.
    pub group: Option<CoverageClass>,
    /// The class of type `plan`.
    pub plan: Option<CoverageClass>,
    /// The beneficiary's relationship to the subscriber (`self`, `spouse`, `child`, ...).
    pub relationship: Option<String>,
    /// `active`, `cancelled`, ...
    pub status: Option<String>,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
    /// The subscriber, from the Patient (or RelatedPerson) the Coverage refers to.
    pub subscriber: Option<Person>,
    /// The beneficiary (the patient).
    pub beneficiary: Option<Person>,
}

impl fmt::Debug for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Coverage")
            .field("payer", &self.payer)
            .field("has_member_id", &self.member_id.is_some())
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// The payer: the Organization the Coverage's `payor` refers to, or its display text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Payer {
    pub name: Option<String>,
    /// The Organization's first identifier (a payer id, e.g. an NAIC code).
    pub identifier: Option<String>,
}

/// A coverage class (group or plan): its value (the number) and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageClass {
    pub value: String,
    pub name: Option<String>,
}

/// A person named on the card. `Debug` shows nothing of them.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
pub struct Person {
    pub family: Option<String>,
    pub given: Vec<String>,
    /// `None` when absent or partial (a year alone).
    pub birth_date: Option<Date>,
}

impl fmt::Debug for Person {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Person { .. }")
    }
}

/// Decodes, verifies and reads a `shc:/` scan.
pub fn verify(
    scan: &str,
    trusted: &TrustedIssuers,
    now: Timestamp,
) -> Result<HealthCard, ShcError> {
    verify_jws(&numeric_to_jws(scan)?, trusted, now)
}

/// The `shc:/` numeric encoding back to the compact JWS it carries.
pub fn numeric_to_jws(scan: &str) -> Result<String, ShcError> {
    let scan = scan.trim_end_matches(['\r', '\n']);
    if scan.len() > MAX_LEN {
        return Err(ShcError::TooLong { len: scan.len() });
    }
    let digits = match scan.get(..5) {
        Some(prefix) if prefix.eq_ignore_ascii_case("shc:/") => &scan[5..],
        _ => return Err(ShcError::NotAHealthCard),
    };
    if digits.contains('/') {
        return Err(ShcError::MultiChunk);
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ShcError::NotADigit);
    }
    if digits.is_empty() || digits.len() % 2 != 0 {
        return Err(ShcError::OddLength { len: digits.len() });
    }
    digits
        .as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            let pair = (pair[0] - b'0') * 10 + (pair[1] - b'0');
            if pair > 77 {
                Err(ShcError::PairOutOfRange { pair })
            } else {
                Ok(char::from(pair + 45))
            }
        })
        .collect()
}

/// A compact JWS in the `shc:/` numeric encoding (for tests, fuzz seeds and the demo).
pub fn jws_to_numeric(jws: &str) -> String {
    let mut out = String::with_capacity(5 + jws.len() * 2);
    out.push_str("shc:/");
    for b in jws.bytes() {
        let n = b.saturating_sub(45);
        out.push(char::from(b'0' + n / 10 % 10));
        out.push(char::from(b'0' + n % 10));
    }
    out
}

/// Verifies a compact JWS (the numeric code decoded, or a `.smart-health-card` file's entry)
/// and reads its bundle.
pub fn verify_jws(
    jws: &str,
    trusted: &TrustedIssuers,
    now: Timestamp,
) -> Result<HealthCard, ShcError> {
    if jws.len() > MAX_LEN {
        return Err(ShcError::TooLong { len: jws.len() });
    }
    let mut parts = jws.trim().split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ShcError::NotAJws);
    };
    let header = decode_part(header_b64, "header")?;
    let header: Value = serde_json::from_slice(&header).map_err(|_| ShcError::BadHeader)?;
    if !header.is_object() {
        return Err(ShcError::BadHeader);
    }
    if header.get("alg").and_then(Value::as_str) != Some("ES256") {
        return Err(ShcError::WrongAlgorithm);
    }
    if header.get("zip").and_then(Value::as_str) != Some("DEF") {
        return Err(ShcError::NotCompressed);
    }
    let kid = header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(ShcError::BadHeader)?;
    let signature = decode_part(signature_b64, "signature")?;
    let signature = Signature::from_slice(&signature).map_err(|_| ShcError::BadSignature)?;

    let compressed = decode_part(payload_b64, "payload")?;
    let json = inflate(&compressed)?;
    let payload: Value =
        serde_json::from_slice(&json).map_err(|_| ShcError::BadPayload { field: "payload" })?;
    let iss = payload
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(ShcError::BadPayload { field: "iss" })?;

    let key = trusted.key(iss, kid)?;
    let signing_input = &jws.trim().as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    key.verify(signing_input, &signature)
        .map_err(|_| ShcError::BadSignature)?;

    // Signed: from here on the content is the issuer's word.
    let issued = timestamp(payload.get("nbf")).ok_or(ShcError::BadPayload { field: "nbf" })?;
    if issued > now.saturating_add(CLOCK_SKEW).unwrap_or(now) {
        return Err(ShcError::NotYetValid);
    }
    let expires = match payload.get("exp") {
        None | Some(Value::Null) => None,
        exp => Some(timestamp(exp).ok_or(ShcError::BadPayload { field: "exp" })?),
    };
    if expires.is_some_and(|exp| exp <= now) {
        return Err(ShcError::Expired);
    }
    let vc = payload
        .get("vc")
        .filter(|vc| vc.is_object())
        .ok_or(ShcError::BadPayload { field: "vc" })?;
    let types = vc
        .get("type")
        .and_then(Value::as_array)
        .map(|types| {
            types
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let bundle = vc
        .pointer("/credentialSubject/fhirBundle")
        .filter(|b| b.get("resourceType").and_then(Value::as_str) == Some("Bundle"))
        .ok_or(ShcError::BadPayload {
            field: "vc.credentialSubject.fhirBundle",
        })?;
    let entries = Entries::of(bundle);
    Ok(HealthCard {
        issuer: normalise_issuer(iss).to_owned(),
        issued,
        expires,
        types,
        resource_types: entries
            .list
            .iter()
            .map(|(_, r)| str_at(r, "resourceType").unwrap_or_default())
            .collect(),
        coverage: entries.coverage(),
    })
}

fn decode_part(part: &str, name: &'static str) -> Result<Vec<u8>, ShcError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| ShcError::Base64 { part: name })
}

/// Raw DEFLATE (no zlib header), bounded by [`MAX_INFLATED`].
fn inflate(compressed: &[u8]) -> Result<Vec<u8>, ShcError> {
    use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit};
    decompress_to_vec_with_limit(compressed, MAX_INFLATED).map_err(|error| match error.status {
        TINFLStatus::HasMoreOutput => ShcError::TooLarge {
            limit: MAX_INFLATED,
        },
        _ => ShcError::Inflate,
    })
}

/// NumericDate: seconds since the epoch, possibly fractional (the spec's examples are).
fn timestamp(value: Option<&Value>) -> Option<Timestamp> {
    let seconds = value?.as_f64()?;
    if !seconds.is_finite() || seconds.abs() > 1e11 {
        return None;
    }
    Timestamp::from_millisecond((seconds * 1000.0) as i64).ok()
}

fn str_at(value: &Value, pointer: &str) -> Option<String> {
    let pointer = if pointer.starts_with('/') {
        value.pointer(pointer)
    } else {
        value.get(pointer)
    };
    pointer
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A FHIR date: `YYYY-MM-DD` only (a year or year-month alone is not a birth date we use).
fn date_at(value: &Value, field: &str) -> Option<Date> {
    let text = value.get(field)?.as_str()?;
    if text.len() != 10 {
        return None;
    }
    text.parse().ok()
}

/// The bundle's entries: (fullUrl, resource).
struct Entries<'a> {
    list: Vec<(Option<&'a str>, &'a Value)>,
}

impl<'a> Entries<'a> {
    fn of(bundle: &'a Value) -> Self {
        let list = bundle
            .get("entry")
            .and_then(Value::as_array)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| {
                        let resource = e.get("resource").filter(|r| r.is_object())?;
                        Some((e.get("fullUrl").and_then(Value::as_str), resource))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { list }
    }

    /// What a Reference points to: by fullUrl (`resource:0` in health cards), or by
    /// `Type/id`.
    fn resolve(&self, reference: Option<&Value>) -> Option<&'a Value> {
        let target = reference?.get("reference")?.as_str()?;
        self.list.iter().find_map(|(full_url, resource)| {
            let by_url = *full_url == Some(target);
            let by_id = || {
                let (kind, id) = target.rsplit_once('/')?;
                let kind = kind.rsplit('/').next()?;
                (str_at(resource, "resourceType")? == kind && str_at(resource, "id")? == id)
                    .then_some(())
            };
            (by_url || by_id().is_some()).then_some(*resource)
        })
    }

    fn coverage(&self) -> Option<Coverage> {
        let coverage = self
            .list
            .iter()
            .map(|(_, r)| *r)
            .find(|r| r.get("resourceType").and_then(Value::as_str) == Some("Coverage"))?;
        let member_identifier = coverage
            .get("identifier")
            .and_then(Value::as_array)
            .and_then(|ids| {
                ids.iter()
                    .find(|id| {
                        id.pointer("/type/coding")
                            .and_then(Value::as_array)
                            .is_some_and(|codings| {
                                codings
                                    .iter()
                                    .any(|c| c.get("code").and_then(Value::as_str) == Some("MB"))
                            })
                    })
                    .and_then(|id| str_at(id, "value"))
            });
        let subscriber_id = str_at(coverage, "subscriberId");
        let payor = coverage
            .get("payor")
            .and_then(Value::as_array)
            .and_then(|p| p.first());
        let payer = match self.resolve(payor) {
            Some(org) => Payer {
                name: str_at(org, "name"),
                identifier: org
                    .get("identifier")
                    .and_then(Value::as_array)
                    .and_then(|ids| ids.iter().find_map(|id| str_at(id, "value"))),
            },
            None => Payer {
                name: payor.and_then(|p| str_at(p, "display")),
                identifier: payor.and_then(|p| str_at(p, "/identifier/value")),
            },
        };
        Some(Coverage {
            payer,
            member_id: member_identifier.or_else(|| subscriber_id.clone()),
            subscriber_id,
            group: class(coverage, "group"),
            plan: class(coverage, "plan"),
            relationship: coverage
                .pointer("/relationship/coding")
                .and_then(Value::as_array)
                .and_then(|codings| codings.iter().find_map(|c| str_at(c, "code"))),
            status: str_at(coverage, "status"),
            period_start: coverage.get("period").and_then(|p| date_at(p, "start")),
            period_end: coverage.get("period").and_then(|p| date_at(p, "end")),
            subscriber: self.resolve(coverage.get("subscriber")).map(person),
            beneficiary: self.resolve(coverage.get("beneficiary")).map(person),
        })
    }
}

fn class(coverage: &Value, kind: &str) -> Option<CoverageClass> {
    coverage.get("class")?.as_array()?.iter().find_map(|c| {
        let codings = c.pointer("/type/coding")?.as_array()?;
        codings
            .iter()
            .any(|coding| coding.get("code").and_then(Value::as_str) == Some(kind))
            .then(|| {
                Some(CoverageClass {
                    value: str_at(c, "value")?,
                    name: str_at(c, "name"),
                })
            })?
    })
}

/// A Patient or RelatedPerson: the first (official, if marked) name and the birth date.
fn person(resource: &Value) -> Person {
    let names = resource.get("name").and_then(Value::as_array);
    let name = names.and_then(|names| {
        names
            .iter()
            .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
            .or_else(|| names.first())
    });
    Person {
        family: name.and_then(|n| str_at(n, "family")),
        given: name
            .and_then(|n| n.get("given"))
            .and_then(Value::as_array)
            .map(|given| {
                given
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        birth_date: date_at(resource, "birthDate"),
    }
}

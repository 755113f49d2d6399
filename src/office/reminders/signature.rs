//! Who may post text replies and delivery reports: the gateway, proven either by the
//! shared `reply_secret` as `Authorization: Bearer …` (a gateway or relay that can set a
//! header), or by the request signature the Messages API's gateway puts on its webhooks
//! (`X-Twilio-Signature`: Base64 of HMAC-SHA1, keyed with the account's token, over the
//! URL it posted to followed by every form field's name and value, sorted by name).
//!
//! The signature is written here (with `ring`'s HMAC, already in the graph): the gateway
//! publishes the scheme, its SDKs are the only implementations and none is in Rust. The
//! URL is the one the hub told the gateway (the status callback it sent, or the public
//! address's reply path), never the Host header a proxy may have changed.

use axum::http::HeaderMap;
use base64::Engine as _;
use subtle::ConstantTimeEq as _;

/// The gateway's signature header.
pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// What a webhook request may present to be taken.
pub struct Gatekeeper<'a> {
    /// `[reminders.sms] reply_secret`.
    pub secret: Option<&'a str>,
    /// `[reminders.sms] token` (the account's token, the signing key).
    pub token: Option<&'a str>,
}

impl<'a> Gatekeeper<'a> {
    /// From `[reminders.sms]`.
    pub fn of(sms: &'a crate::office::config::SmsConfig) -> Self {
        Self {
            secret: sms.reply_secret.as_deref(),
            token: sms.token.as_deref(),
        }
    }

    /// Whether the request to `url` with form `body` comes from the gateway.
    pub fn lets_in(&self, headers: &HeaderMap, url: Option<&str>, body: &[u8]) -> bool {
        let bearer = self.secret.is_some_and(|secret| {
            headers
                .get(axum::http::header::AUTHORIZATION)
                .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "))
                .is_some_and(|token| bool::from(token.ct_eq(secret.as_bytes())))
        });
        let signed = || {
            let (Some(token), Some(url)) = (self.token, url) else {
                return false;
            };
            headers
                .get(SIGNATURE_HEADER)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|signature| verify(token, url, body, signature))
        };
        bearer || signed()
    }

    /// Whether anything at all could be let in.
    pub fn is_open(&self) -> bool {
        self.secret.is_some() || self.token.is_some()
    }
}

/// The bytes the gateway signs: the URL, then each form field's name and value, sorted by
/// name (then value). `None` when the body is not a form.
fn signed_text(url: &str, body: &[u8]) -> Option<Vec<u8>> {
    let mut fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
    fields.sort();
    let mut text = url.as_bytes().to_vec();
    for (name, value) in fields {
        text.extend_from_slice(name.as_bytes());
        text.extend_from_slice(value.as_bytes());
    }
    Some(text)
}

/// The signature of a request to `url` with form `body`, as the gateway computes it.
pub fn sign(token: &str, url: &str, body: &[u8]) -> Option<String> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, token.as_bytes());
    let tag = ring::hmac::sign(&key, &signed_text(url, body)?);
    Some(base64::engine::general_purpose::STANDARD.encode(tag.as_ref()))
}

/// Whether `signature` is the gateway's for this request (compared in constant time).
pub fn verify(token: &str, url: &str, body: &[u8], signature: &str) -> bool {
    let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Some(text) = signed_text(url, body) else {
        return false;
    };
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, token.as_bytes());
    ring::hmac::verify(&key, &text, &tag).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "test-gateway-token-0123";
    const URL: &str = "https://hub.example.test/api/sms/v1/inbound";

    #[test]
    fn the_fields_are_signed_sorted_after_the_url() {
        let body = b"From=%2B12175550100&Body=STOP&AccountSid=AC1";
        assert_eq!(
            signed_text(URL, body).unwrap(),
            format!("{URL}AccountSidAC1BodySTOPFrom+12175550100").into_bytes()
        );
        let signature = sign(TOKEN, URL, body).unwrap();
        assert!(verify(TOKEN, URL, body, &signature));
        // The same fields in another order sign alike.
        let reordered = b"Body=STOP&AccountSid=AC1&From=%2B12175550100";
        assert!(verify(TOKEN, URL, reordered, &signature));
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let body = b"From=%2B12175550100&Body=STOP";
        let signature = sign(TOKEN, URL, body).unwrap();
        assert!(!verify("another-token-000000", URL, body, &signature));
        assert!(!verify(TOKEN, &format!("{URL}?x=1"), body, &signature));
        assert!(!verify(
            TOKEN,
            URL,
            b"From=%2B12175550101&Body=STOP",
            &signature
        ));
        assert!(!verify(
            TOKEN,
            URL,
            b"From=%2B12175550100&Body=START",
            &signature
        ));
        assert!(!verify(TOKEN, URL, body, "not base64 at all!"));
        assert!(!verify(TOKEN, URL, body, ""));
    }

    #[test]
    fn a_bearer_secret_or_a_signature_lets_in_and_nothing_else() {
        let body = b"From=%2B12175550100&Body=STOP";
        let gate = Gatekeeper {
            secret: Some("a-shared-secret-0123"),
            token: Some(TOKEN),
        };
        let with = |name: &str, value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
            headers
        };
        let signature = sign(TOKEN, URL, body).unwrap();
        assert!(gate.lets_in(
            &with("authorization", "Bearer a-shared-secret-0123"),
            None,
            body
        ));
        assert!(gate.lets_in(&with(SIGNATURE_HEADER, &signature), Some(URL), body));
        assert!(!gate.lets_in(&with(SIGNATURE_HEADER, &signature), None, body));
        assert!(!gate.lets_in(&with("authorization", "Bearer wrong"), Some(URL), body));
        assert!(!gate.lets_in(&HeaderMap::new(), Some(URL), body));
        let unsigned = Gatekeeper {
            secret: None,
            token: None,
        };
        assert!(!unsigned.is_open());
        assert!(!unsigned.lets_in(&with(SIGNATURE_HEADER, &signature), Some(URL), body));
    }
}

//! Session tokens and the `fd_session` cookie. The browser holds a random 256-bit token;
//! the store holds only its SHA-256, so a copy of the database signs no one in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE: &str = "fd_session";

/// `[staff]` in `office.toml`: how long sessions last and how failed logins are slowed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaffConfig {
    /// A session unused this long is over.
    pub idle_minutes: u32,
    /// A session is over this long after the login, used or not.
    pub absolute_hours: u32,
    /// Mark the cookie `Secure` (sent over HTTPS only). Off for plain HTTP on loopback;
    /// on whenever the hub serves HTTPS.
    pub secure_cookie: bool,
    /// Failed logins for one username before it is locked.
    pub lock_after_failures: u32,
    /// Failed logins from one address (any usernames) before it is locked.
    pub address_lock_after_failures: u32,
    /// How long a lock lasts; failures older than this are forgotten.
    pub lock_minutes: u32,
    /// The pause before answering the first failed login; it doubles with each further
    /// failure (up to 16 times this).
    pub failure_delay_ms: u64,
}

impl Default for StaffConfig {
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            absolute_hours: 12,
            secure_cookie: false,
            lock_after_failures: 5,
            address_lock_after_failures: 20,
            lock_minutes: 15,
            failure_delay_ms: 250,
        }
    }
}

impl StaffConfig {
    pub fn limits(&self) -> SessionLimits {
        SessionLimits {
            idle: SignedDuration::from_mins(i64::from(self.idle_minutes)),
            absolute: SignedDuration::from_hours(i64::from(self.absolute_hours)),
        }
    }

    pub fn lock_for(&self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.lock_minutes))
    }

    /// The pause after a login that failed for the `failures`th time in a row.
    pub fn failure_delay(&self, failures: u32) -> std::time::Duration {
        let doublings = failures.saturating_sub(1).min(4);
        std::time::Duration::from_millis(self.failure_delay_ms.saturating_mul(1 << doublings))
    }
}

/// When a session ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    pub idle: SignedDuration,
    pub absolute: SignedDuration,
}

impl SessionLimits {
    /// Whether a session made at `created` and last used at `last_seen` is over at `now`.
    pub fn expired(&self, created: Timestamp, last_seen: Timestamp, now: Timestamp) -> bool {
        now.duration_since(last_seen) >= self.idle || now.duration_since(created) >= self.absolute
    }
}

/// The random secret in a browser's cookie.
pub struct SessionToken([u8; 32]);

impl SessionToken {
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// Reads a cookie value: 43 characters of unpadded base64url, else `None`.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 43 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// What the store keeps and looks up by.
    pub fn digest(&self) -> TokenDigest {
        TokenDigest(Sha256::digest(self.0).into())
    }

    fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// The `Set-Cookie` value that hands this token to the browser.
    pub fn set_cookie(&self, secure: bool, max_age: SignedDuration) -> String {
        format!(
            "{COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
            self.encode(),
            max_age.as_secs().max(0),
            if secure { "; Secure" } else { "" }
        )
    }

    /// The session token in a request's `Cookie` headers, if one is there and well formed.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Option<Self> {
        Self::from_cookie_values(
            headers
                .get_all(axum::http::header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok()),
        )
    }

    /// The session token in the values of a request's `Cookie` headers: the first
    /// cookie of our name, if it is well formed.
    pub fn from_cookie_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Self> {
        values
            .into_iter()
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == COOKIE)
            .and_then(|(_, value)| Self::parse(value.trim()))
    }
}

/// The `Set-Cookie` value that makes the browser forget its session.
pub fn clear_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// SHA-256 of a session token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenDigest(pub [u8; 32]);

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenDigest(<hidden>)")
    }
}

/// The per-session synchronizer token the staff page sends back as `X-CSRF-Token`.
#[derive(Clone, PartialEq, Eq)]
pub struct CsrfToken(String);

impl CsrfToken {
    pub fn random() -> Result<Self, getrandom::Error> {
        let mut bytes = [0; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub(crate) fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this token, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        self.0.len() == presented.len() && bool::from(self.0.as_bytes().ct_eq(presented.as_bytes()))
    }
}

impl std::fmt::Debug for CsrfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfToken(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue, header};

    #[test]
    fn a_token_round_trips_through_its_cookie_and_nothing_else_parses() {
        let token = SessionToken::random().unwrap();
        let set = token.set_cookie(false, SignedDuration::from_hours(12));
        assert!(set.contains("HttpOnly; SameSite=Strict; Path=/; Max-Age=43200"));
        assert!(!set.contains("Secure"));
        assert!(
            token
                .set_cookie(true, SignedDuration::ZERO)
                .ends_with("; Secure")
        );
        let value = set.split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {value}")).unwrap(),
        );
        let back = SessionToken::from_headers(&headers).unwrap();
        assert_eq!(back.digest(), token.digest());
        for bad in ["", "short", &"A".repeat(44), &"*".repeat(43)] {
            assert!(SessionToken::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let limits = StaffConfig::default().limits();
        let start: Timestamp = "2026-12-03T08:00:00Z".parse().unwrap();
        let at = |mins: i64| start + SignedDuration::from_mins(mins);
        assert!(!limits.expired(start, at(20), at(49)));
        assert!(limits.expired(start, at(20), at(50)), "idle for 30 minutes");
        assert!(!limits.expired(start, at(700), at(719)));
        assert!(
            limits.expired(start, at(710), at(720)),
            "12 hours after login"
        );
    }

    #[test]
    fn failed_logins_wait_longer_each_time_up_to_a_cap() {
        let config = StaffConfig::default();
        let ms = |n| config.failure_delay(n).as_millis();
        assert_eq!(
            [ms(1), ms(2), ms(3), ms(5), ms(50)],
            [250, 500, 1000, 4000, 4000]
        );
    }

    #[test]
    fn csrf_tokens_compare_whole() {
        let token = CsrfToken::random().unwrap();
        assert!(token.matches(token.as_str()));
        assert!(!token.matches(&token.as_str()[1..]));
        assert!(!token.matches(""));
    }
}

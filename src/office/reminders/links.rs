//! The public links a reminder carries when the hub has a `public_url`: one to a page
//! showing the check-in QR (until the end of the visit's day) and one to unsubscribe
//! (for [`UNSUBSCRIBE_DAYS`] days). Each link is single-purpose and carries a token of
//! [`TOKEN_BYTES`] random bytes; the store keeps only its SHA-256, so neither a copy of
//! the database nor the audit log opens a page.

use crate::domain::AppointmentId;
use crate::office::config::PublicUrl;
use crate::office::store::{OfficeStore, StoreError};
use jiff::{SignedDuration, Timestamp};
use sha2::Digest as _;

/// Random bytes in a token: 256 bits, far past guessing.
pub const TOKEN_BYTES: usize = 32;
/// Characters in a token's text (URL-safe base64 without padding).
pub const TOKEN_CHARS: usize = 43;
/// How long an unsubscribe link works: long enough for a reminder read late.
pub const UNSUBSCRIBE_DAYS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("a link token is {TOKEN_CHARS} characters")]
    Length,
    #[error("a link token is URL-safe base64")]
    Alphabet,
    #[error("no randomness for a link token: {0}")]
    Random(getrandom::Error),
    #[error("the visit's day is out of range")]
    DayOutOfRange,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a link is for; a token opens only the page of its own purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// The page with the check-in QR and the visit's time.
    CodePage,
    /// The page that opts the patient out of reminders.
    Unsubscribe,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::CodePage => "code_page",
            LinkPurpose::Unsubscribe => "unsubscribe",
        }
    }

    /// The path a link of this purpose starts with.
    pub fn path(self) -> &'static str {
        match self {
            LinkPurpose::CodePage => "r",
            LinkPurpose::Unsubscribe => "u",
        }
    }

    /// Until when a link made at `now` works; `day_ends` is the instant the visit's day
    /// ends in the clinic's zone.
    pub fn expires_at(self, day_ends: Timestamp, now: Timestamp) -> Timestamp {
        match self {
            LinkPurpose::CodePage => day_ends,
            LinkPurpose::Unsubscribe => now
                .checked_add(SignedDuration::from_hours(24 * UNSUBSCRIBE_DAYS))
                .unwrap_or(Timestamp::MAX),
        }
    }
}

/// A link's token. Its text opens a page: never log it (`Debug` hides it).
#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken([u8; TOKEN_BYTES]);

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkToken(..)")
    }
}

/// The SHA-256 of a token, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl LinkToken {
    /// A new token from the system's randomness.
    pub fn generate() -> Result<Self, LinkError> {
        let mut bytes = [0; TOKEN_BYTES];
        getrandom::fill(&mut bytes).map_err(LinkError::Random)?;
        Ok(Self(bytes))
    }

    /// A token as a link carries it: exactly [`TOKEN_CHARS`] characters of URL-safe
    /// base64 in its one canonical spelling; anything else is refused before the store
    /// is asked.
    pub fn parse(text: &str) -> Result<Self, LinkError> {
        if text.len() != TOKEN_CHARS {
            return Err(LinkError::Length);
        }
        // Canonical only: the last character's unused bits must be zero, so one token
        // has one spelling.
        let bytes = data_encoding::BASE64URL_NOPAD
            .decode(text.as_bytes())
            .map_err(|_| LinkError::Alphabet)?;
        Ok(Self(bytes.try_into().map_err(|_| LinkError::Length)?))
    }

    pub fn as_text(&self) -> String {
        data_encoding::BASE64URL_NOPAD.encode(&self.0)
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(sha2::Sha256::digest(self.0).into())
    }
}

/// The links one reminder carries. Each opens a page: never log them.
#[derive(Clone, PartialEq, Eq)]
pub struct ReminderLinks {
    pub code_page: String,
    pub unsubscribe: String,
}

impl std::fmt::Debug for ReminderLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReminderLinks(..)")
    }
}

/// `base/r/TOKEN` or `base/u/TOKEN`.
pub fn link(base: &PublicUrl, purpose: LinkPurpose, token: &LinkToken) -> String {
    format!("{}/{}/{}", base.as_str(), purpose.path(), token.as_text())
}

/// Makes and stores a new link of `purpose` to `appointment`, whose day ends at
/// `day_ends`. A new one per try: a token exists only in the message it went out in.
pub fn make_one(
    store: &mut OfficeStore,
    base: &PublicUrl,
    purpose: LinkPurpose,
    appointment: AppointmentId,
    day_ends: Timestamp,
    now: Timestamp,
) -> Result<String, LinkError> {
    let token = LinkToken::generate()?;
    store.add_reminder_link(
        &token.hash(),
        appointment,
        purpose,
        purpose.expires_at(day_ends, now),
        now,
    )?;
    Ok(link(base, purpose, &token))
}

/// An email's pair of links (see [`make_one`]).
pub fn make(
    store: &mut OfficeStore,
    base: &PublicUrl,
    appointment: AppointmentId,
    day_ends: Timestamp,
    now: Timestamp,
) -> Result<ReminderLinks, LinkError> {
    Ok(ReminderLinks {
        code_page: make_one(
            store,
            base,
            LinkPurpose::CodePage,
            appointment,
            day_ends,
            now,
        )?,
        unsubscribe: make_one(
            store,
            base,
            LinkPurpose::Unsubscribe,
            appointment,
            day_ends,
            now,
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_has_one_spelling_of_the_expected_length() {
        let token = LinkToken::generate().unwrap();
        let text = token.as_text();
        assert_eq!(text.len(), TOKEN_CHARS);
        assert_eq!(LinkToken::parse(&text).unwrap(), token);
        assert_ne!(LinkToken::generate().unwrap(), token);
        assert_eq!(format!("{token:?}"), "LinkToken(..)");
        assert!(matches!(
            LinkToken::parse(&text[1..]),
            Err(LinkError::Length)
        ));
        assert!(matches!(LinkToken::parse(""), Err(LinkError::Length)));
        let mut plus = text.clone();
        plus.replace_range(0..1, "+");
        assert!(matches!(LinkToken::parse(&plus), Err(LinkError::Alphabet)));
        // 32 bytes leave 2 unused bits in the last character: only one spelling counts.
        let zeros = "A".repeat(TOKEN_CHARS);
        assert!(LinkToken::parse(&zeros).is_ok());
        let other_spelling = format!("{}B", "A".repeat(TOKEN_CHARS - 1));
        assert!(matches!(
            LinkToken::parse(&other_spelling),
            Err(LinkError::Alphabet)
        ));
        let multibyte = format!("{}é", "A".repeat(TOKEN_CHARS - 2));
        assert!(LinkToken::parse(&multibyte).is_err());
    }

    #[test]
    fn links_expire_by_purpose() {
        let now = Timestamp::from_second(1_795_000_000).unwrap();
        let day_ends = Timestamp::from_second(1_795_050_000).unwrap();
        assert_eq!(LinkPurpose::CodePage.expires_at(day_ends, now), day_ends);
        assert_eq!(
            LinkPurpose::Unsubscribe.expires_at(day_ends, now),
            now + SignedDuration::from_hours(24 * 60)
        );
        let base = PublicUrl::parse("https://checkin.example-clinic.test/").unwrap();
        let token = LinkToken::parse(&"A".repeat(TOKEN_CHARS)).unwrap();
        assert_eq!(
            link(&base, LinkPurpose::CodePage, &token),
            format!("https://checkin.example-clinic.test/r/{}", "A".repeat(43))
        );
    }
}

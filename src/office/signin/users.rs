//! Staff accounts: who they are (a number, a username), what they may do (a role), and how
//! their password is kept (an Argon2id PHC string, never the password).

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash as Phc, PasswordHasher, PasswordVerifier, SaltString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest: hashing is the expensive part of a login, so an attacker's megabyte
/// "password" is refused before it is hashed.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a username, password or role was refused. Never carries the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("a username is 2 to 64 characters: letters, digits, '.', '_' or '-'")]
    Username,
    #[error(
        "a password is at least {MIN_PASSWORD_CHARS} characters (and at most {MAX_PASSWORD_BYTES} bytes)"
    )]
    PasswordLength,
    #[error("unknown role {0:?}: front-desk, manager or admin")]
    Role(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// A staff user's number: what the audit log records (never the name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StaffUserId(i64);

impl StaffUserId {
    pub(crate) fn new(n: i64) -> Self {
        Self(n)
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for StaffUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a user may do; each role may do everything the ones before it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The queue, check-in details and every staff action.
    FrontDesk,
    /// And the audit log.
    Manager,
    /// And users and kiosks.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::FrontDesk, Role::Manager, Role::Admin];

    /// As stored and as the JSON says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::FrontDesk => "front_desk",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AccountError;

    /// `front-desk`, `front_desk`, `frontdesk` (any case), `manager`, `admin`.
    fn from_str(text: &str) -> Result<Self, AccountError> {
        match text.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "frontdesk" => Ok(Role::FrontDesk),
            "manager" => Ok(Role::Manager),
            "admin" => Ok(Role::Admin),
            _ => Err(AccountError::Role(text.chars().take(40).collect())),
        }
    }
}

/// A username, kept in lower case so two spellings cannot be two users.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn new(text: &str) -> Result<Self, AccountError> {
        let text = text.trim();
        let fits = (2..=64).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if fits {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(AccountError::Username)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = AccountError;
    fn try_from(text: String) -> Result<Self, AccountError> {
        Self::new(&text)
    }
}

impl From<Username> for String {
    fn from(name: Username) -> String {
        name.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as typed; `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// A new password: at least [`MIN_PASSWORD_CHARS`] characters.
    pub fn new(text: String) -> Result<Self, AccountError> {
        if text.chars().count() < MIN_PASSWORD_CHARS || text.len() > MAX_PASSWORD_BYTES {
            return Err(AccountError::PasswordLength);
        }
        Ok(Self(text))
    }

    /// A password typed at the login form: any length is checked against the hash (a
    /// short one simply does not match), only an oversized one is refused.
    pub fn presented(text: String) -> Result<Self, AccountError> {
        if text.len() > MAX_PASSWORD_BYTES {
            return Err(AccountError::PasswordLength);
        }
        Ok(Self(text))
    }

    /// Hashes with Argon2id (the crate's default parameters) and a random salt.
    pub fn hash(&self) -> Result<PasswordHash, AccountError> {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|hash| PasswordHash(hash.to_string()))
            .map_err(|error| AccountError::Hash(error.to_string()))
    }

    /// Whether this is the password behind `hash`. An unreadable hash matches nothing.
    pub fn matches(&self, hash: &PasswordHash) -> bool {
        Phc::new(&hash.0).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(self.0.as_bytes(), &parsed)
                .is_ok()
        })
    }

    /// Spends the time a real check takes, for a user who does not exist or may not sign
    /// in, so the answer's timing does not tell them apart from a wrong password.
    pub fn waste_a_check(&self) {
        static DUMMY: OnceLock<Option<PasswordHash>> = OnceLock::new();
        let dummy = DUMMY.get_or_init(|| {
            Password("not a real password, never matches".into())
                .hash()
                .ok()
        });
        if let Some(dummy) = dummy {
            let _ = self.matches(dummy);
        }
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<secret>)")
    }
}

/// An Argon2id hash in PHC string form (`$argon2id$v=19$m=…`), as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub(crate) fn from_stored(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<hidden>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lower_case_and_plain() {
        assert_eq!(Username::new(" Desk.One ").unwrap().as_str(), "desk.one");
        for bad in ["", "a", "has space", "semi;colon", &"x".repeat(65), "ünï"] {
            assert_eq!(Username::new(bad), Err(AccountError::Username), "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_hash_with_argon2id() {
        assert_eq!(
            Password::new("elevenchars".into()).unwrap_err(),
            AccountError::PasswordLength
        );
        assert!(Password::new("x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        let password = Password::new("correct horse battery".into()).unwrap();
        let hash = password.hash().unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$"), "{hash:?}");
        assert!(!format!("{password:?}{hash:?}").contains("horse"));
        assert!(password.matches(&hash));
        let wrong = Password::presented("correct horse battery!".into()).unwrap();
        assert!(!wrong.matches(&hash));
        assert!(!password.matches(&PasswordHash::from_stored("garbage".into())));
    }

    #[test]
    fn roles_are_ordered_and_read_from_several_spellings() {
        assert!(Role::Admin.allows(Role::Manager) && Role::Manager.allows(Role::FrontDesk));
        assert!(!Role::FrontDesk.allows(Role::Manager));
        for (text, role) in [
            ("front-desk", Role::FrontDesk),
            ("FrontDesk", Role::FrontDesk),
            ("front_desk", Role::FrontDesk),
            ("Manager", Role::Manager),
            ("admin", Role::Admin),
        ] {
            assert_eq!(text.parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}

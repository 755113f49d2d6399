//! The hash chain: each entry's hash covers its own fields and the hash of the entry
//! before it, so changing, adding, removing or moving one breaks the chain from there on.
//!
//! The hashed bytes are a canonical encoding that cannot be read two ways: a domain tag,
//! `seq` as 8 big-endian bytes, each text field as its 4-byte big-endian length and its
//! UTF-8 bytes, `origin` as a 0 byte (none) or a 1 byte and a length-prefixed text, and the
//! 32-byte previous hash (all zeros for the first entry). `at` is hashed as stored (fixed-
//! width UTC text), so verifying needs no parsing.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// What the first entry chains to.
pub const GENESIS: Hash = [0; 32];

const DOMAIN: &[u8] = b"frontdesk audit entry v1\0";

/// The fields of one entry that its hash covers, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFields<'a> {
    pub seq: u64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub origin: Option<&'a str>,
}

impl EntryFields<'_> {
    /// The entry's hash when it follows `prev`.
    pub fn hash(&self, prev: &Hash) -> Hash {
        self.hash_as(self.seq, prev)
    }

    /// The hash these fields would have had at position `seq` (to tell a moved entry from
    /// an edited one).
    pub fn hash_as(&self, seq: u64, prev: &Hash) -> Hash {
        let mut hasher = Sha256::new();
        hasher.update(DOMAIN);
        hasher.update(seq.to_be_bytes());
        for text in [self.at, self.actor, self.action, self.subject] {
            text_into(&mut hasher, text);
        }
        match self.origin {
            None => hasher.update([0]),
            Some(origin) => {
                hasher.update([1]);
                text_into(&mut hasher, origin);
            }
        }
        hasher.update(prev);
        hasher.finalize().into()
    }
}

fn text_into(hasher: &mut Sha256, text: &str) {
    // Audit fields are ids and short codes; a field of 4 GiB cannot be stored anyway.
    let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
    hasher.update(len.to_be_bytes());
    hasher.update(text.as_bytes());
}

/// Lower-case hex, for checkpoints, the CLI and the JSON view.
pub fn to_hex(hash: &Hash) -> String {
    use std::fmt::Write;
    hash.iter()
        .fold(String::with_capacity(64), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Parses 64 hex digits; `None` for anything else.
pub fn from_hex(text: &str) -> Option<Hash> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut hash = [0u8; 32];
    for (out, pair) in hash.iter_mut().zip(bytes.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        *out = u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> EntryFields<'static> {
        EntryFields {
            seq: 7,
            at: "2026-12-03T10:00:00.000000Z",
            actor: "staff:front-desk",
            action: "queue.view",
            subject: "2026-12-03",
            origin: Some("127.0.0.1"),
        }
    }

    #[test]
    fn every_field_and_the_link_change_the_hash() {
        let base = entry().hash(&GENESIS);
        let changed = [
            EntryFields { seq: 8, ..entry() },
            EntryFields {
                at: "2026-12-03T10:00:00.000001Z",
                ..entry()
            },
            EntryFields {
                actor: "staff:front-des",
                ..entry()
            },
            EntryFields {
                action: "queue.vie",
                ..entry()
            },
            EntryFields {
                subject: "2026-12-04",
                ..entry()
            },
            EntryFields {
                origin: None,
                ..entry()
            },
        ];
        for fields in changed {
            assert_ne!(fields.hash(&GENESIS), base, "{fields:?}");
        }
        assert_ne!(entry().hash(&[1; 32]), base);
    }

    #[test]
    fn moving_text_between_fields_changes_the_hash() {
        let a = EntryFields {
            actor: "staff:ab",
            action: "c",
            ..entry()
        };
        let b = EntryFields {
            actor: "staff:a",
            action: "bc",
            ..entry()
        };
        assert_ne!(a.hash(&GENESIS), b.hash(&GENESIS));
        let none = EntryFields {
            origin: None,
            ..entry()
        };
        let empty = EntryFields {
            origin: Some(""),
            ..entry()
        };
        assert_ne!(none.hash(&GENESIS), empty.hash(&GENESIS));
    }

    #[test]
    fn hex_round_trips_and_refuses_junk() {
        let hash = entry().hash(&GENESIS);
        assert_eq!(from_hex(&to_hex(&hash)), Some(hash));
        assert_eq!(from_hex("zz"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }
}

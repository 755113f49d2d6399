//! A consent the patient signed: which document, which version, in which language, when,
//! and the signature. This is what travels in the sealed outbox.

use serde::{Deserialize, Serialize};

use super::document::{DocumentId, Version};
use super::set::SignedVersion;
use super::signature::Signature;
use crate::domain::Language;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedConsent {
    pub document: DocumentId,
    pub version: Version,
    pub language: Language,
    pub signed_at: jiff::Timestamp,
    pub signature: Signature,
}

impl SignedConsent {
    /// Records a signature; the time comes in as a parameter (the kiosk's clock).
    pub fn new(
        document: DocumentId,
        version: Version,
        language: Language,
        signed_at: jiff::Timestamp,
        signature: Signature,
    ) -> Self {
        Self {
            document,
            version,
            language,
            signed_at,
            signature,
        }
    }

    /// What the office keeps to answer "already signed this version".
    pub fn signed_version(&self) -> SignedVersion {
        SignedVersion {
            id: self.document.clone(),
            version: self.version,
        }
    }
}

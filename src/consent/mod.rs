//! Consent documents and signatures: Markdown documents the office configures, the set a
//! clinic asks patients to sign, validated signature strokes with their outbox encoding,
//! and (office only) the signature image and the signed copy as a PDF.

pub mod defaults;
pub mod document;
pub mod set;
pub mod signature;
pub mod signed;

#[cfg(feature = "office")]
pub mod pdf;
#[cfg(feature = "office")]
pub mod render;

pub use defaults::{DEFAULT_SOURCES, default_set};
pub use document::{
    Block, ConsentDocument, DocumentError, DocumentErrorReason, DocumentId, Run, Version,
};
pub use set::{ConsentSet, SetError, SignedVersion};
pub use signature::{PathCommand, Point, Signature, SignatureError, smooth};
pub use signed::SignedConsent;

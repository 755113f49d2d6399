//! HL7 v2 for the EHR interface (issue 14): MLLP framing, reading and building messages,
//! appointments from SIU^S12–S15 and arrivals as ADT^A04 / A08. Plain library code (no
//! sockets, no store) so the fuzz targets reach every reader; the office's listener,
//! sender and queue live in `office::hl7`.

pub mod adt;
pub mod message;
pub mod mllp;
pub mod siu;

pub use message::{AckCode, Header, Hl7Error, Parties};

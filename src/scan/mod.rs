//! Parsers for what a scanner reads, once `devices::Scan` has recognised its kind: pure
//! functions from scanned text to typed data, always compiled (the fuzzers use them).

pub mod aamva;
pub mod aamva_sample;
pub mod shc;
pub mod shc_sample;

//! Devices beside the screen: each a driver for the real hardware and a simulator that
//! speaks the same bytes on a pseudo-terminal, so tests run the production driver.
//!
//! `scan` and `framing` are pure and always compiled (the check-in logic and the fuzzers
//! use them without the `kiosk` feature); the serial drivers need it.

pub mod framing;
pub mod scan;
#[cfg(feature = "kiosk")]
pub mod scanner;
#[cfg(feature = "kiosk")]
pub mod scanner_sim;

pub use scan::{Scan, ScanKind};

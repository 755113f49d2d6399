//! Devices beside the screen: each a driver for the real hardware and a simulator that
//! speaks the same bytes on a pseudo-terminal, so tests run the production driver.
//!
//! `scan`, `framing` and `escpos` are pure and always compiled (the check-in logic and the fuzzers
//! use them without the `kiosk` feature); the serial drivers need it.

pub mod escpos;
pub mod framing;
#[cfg(feature = "kiosk")]
pub mod printer;
#[cfg(feature = "kiosk")]
pub mod printer_sim;
#[cfg(feature = "kiosk")]
pub mod receipt;
pub mod scan;
#[cfg(feature = "kiosk")]
pub mod scanner;
#[cfg(feature = "kiosk")]
pub mod scanner_sim;

pub use scan::{Scan, ScanKind};

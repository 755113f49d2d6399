//! Devices beside the screen: each a driver for the real hardware and a simulator that
//! speaks the same bytes on a pseudo-terminal, so tests run the production driver.
//!
//! `scan`, `framing`, `escpos` (with its `pc850` code page), the `payment` terminal trait
//! and the ZVT link and terminal driver (`zvt`, generic over any byte pipe) are always
//! compiled (the check-in logic and the fuzzers use them without the `kiosk` feature); the
//! serial drivers and the serial port impls need it.

pub mod backlight;
#[cfg(feature = "kiosk")]
pub mod camera;
pub mod escpos;
pub mod framing;
#[cfg(feature = "kiosk")]
pub mod gpio;
pub mod payment;
pub mod pc850;
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
pub mod zvt;
#[cfg(feature = "kiosk")]
pub mod zvt_sim;

pub use scan::{Scan, ScanKind};

//! Devices beside the screen: each a driver for the real hardware and a simulator that
//! speaks the same bytes on a pseudo-terminal, so tests run the production driver.

pub mod scan;
#[cfg(feature = "kiosk")]
pub mod scanner;
#[cfg(feature = "kiosk")]
pub mod scanner_sim;

//! The kiosk shell: runs the pure [`crate::checkin::Journey`], hands its effects to
//! workers, and binds it to the Slint screens.

pub mod app;
pub mod blanking;
pub mod camera;
pub mod card_terminal;
pub mod config;
pub mod controllers;
pub mod core;
pub mod display;
pub mod gpio_worker;
pub mod headless;
pub mod payments;
pub mod printer_worker;
pub mod render;
pub mod run;
pub mod screen_sleep;
pub mod services;
pub mod wifi;
// Shared with the office hub's reminders, so it lives beside the domain types.
pub use crate::wording;
pub mod workers;

slint::include_modules!();

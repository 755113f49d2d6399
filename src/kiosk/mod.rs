//! The kiosk shell: runs the pure [`crate::checkin::Flow`], carries out its effects, and
//! binds it to the Slint screens.

pub mod app;
pub mod config;
pub mod core;
pub mod headless;
pub mod render;
pub mod run;
pub mod wording;

slint::include_modules!();

//! frontdesk: a self check-in appliance for medical offices.
//!
//! Two programs share this library: `frontdesk-kiosk` (the lobby touch screen, feature
//! `kiosk`) and `frontdesk-office` (the hub staff watch, feature `office`).

pub mod api;
pub mod checkin;
pub mod config_file;
pub mod consent;
pub mod devices;
pub mod domain;
pub mod eligibility;
pub mod fhir;
pub mod hl7;
pub mod logging;
pub mod pairing;
pub mod questionnaire;
pub mod scan;
pub mod seal;
pub mod service;
pub mod store;
pub mod tls;
pub mod token;
pub mod wording;

#[cfg(feature = "kiosk")]
pub mod kiosk;
#[cfg(feature = "kiosk")]
pub mod sync;

#[cfg(feature = "office")]
pub mod office;

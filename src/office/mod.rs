//! The office hub: today's appointments, the kiosk API, the live staff queue and the audit log.

pub mod appointments;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod config;
pub mod consents;
pub mod coverage;
pub mod details_review;
pub mod eligibility;
pub mod error;
pub mod events;
pub mod fhir;
pub mod forms;
pub mod forms_api;
pub mod hl7;
pub mod hubs;
pub mod intake;
pub mod intake_answers;
pub mod keys;
pub mod kiosk_api;
mod outbound;
pub mod pairing;
pub mod payments;
pub mod registrations;
pub mod reminders;
pub mod retention;
pub mod server;
pub mod signin;
pub mod staff;
pub mod staff_needs;
pub mod store;
pub mod templates;
pub mod tls;
pub mod views;

pub use config::OfficeConfig;
pub use server::{Office, OfficeError};

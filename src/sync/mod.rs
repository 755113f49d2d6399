//! Kiosk → office: delivers the sealed outbox with retry and backoff, sends heartbeats,
//! learns the office's keys and today's roster (one thread), and sends help requests at
//! once (a thread of their own). The screen never waits on the network.

mod client;
pub mod forms;
mod help;
pub mod insurance;
pub mod pairing;
mod worker;

pub use client::{ClientError, FormsFetch, InsuranceFetch, OfficeClient};
pub use worker::{
    PairingSettings, StartError, SyncHandle, SyncStatus, SyncWorker, TrustError, WorkerSettings,
    cached_trust,
};

//! Kiosk → office: delivers the outbox with retry and backoff, sends heartbeats and help
//! requests, and learns the office's key and today's roster. Runs on its own thread so
//! the screen never waits on the network.

mod client;
mod worker;

pub use client::{ClientError, OfficeClient};
pub use worker::{
    StartError, SyncHandle, SyncStatus, SyncWorker, TrustError, WorkerSettings, cached_trust,
};

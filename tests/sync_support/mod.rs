//! For tests of the kiosk's sync thread against a stub office on loopback: quick timings,
//! and events collected on a channel.

#![allow(dead_code)]

use frontdesk::checkin::Event;
use frontdesk::sync::{OfficeClient, SyncHandle, SyncWorker, WorkerSettings};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// Heartbeats and roster fetches every 0.1 s, retries within 0.2 s.
pub fn quick_settings() -> WorkerSettings {
    WorkerSettings {
        heartbeat_every: Duration::from_millis(100),
        roster_every: Duration::from_millis(100),
        min_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        ..WorkerSettings::default()
    }
}

/// Starts the sync thread against `base` with its database in `dir`; what it posts
/// arrives on the receiver.
pub fn start(
    base: &str,
    token: &str,
    dir: &Path,
    settings: WorkerSettings,
) -> (SyncHandle, mpsc::Receiver<Event>) {
    let (events, received) = mpsc::channel();
    let events = Mutex::new(events);
    let handle = SyncWorker::start(
        OfficeClient::new(base, token).unwrap(),
        dir.join("kiosk.db"),
        settings,
        Arc::new(AtomicBool::new(true)),
        move |event| {
            let _ = events.lock().unwrap().send(event);
        },
    )
    .unwrap();
    (handle, received)
}

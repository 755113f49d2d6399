//! What the hub's outbound interface senders (HL7 v2 and FHIR) share: the retry backoff
//! and the wait for the next queued item.

use crate::office::events::Numbered;
use jiff::Timestamp;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// The first retry waits this long; each further one twice as long, up to the maximum.
const FIRST_BACKOFF_MS: u64 = 250;
/// With nothing due, the queue is looked at again after this long at the latest (a
/// check-in wakes the sender sooner through the office's events).
const IDLE_POLL: Duration = Duration::from_secs(1);

/// The wait before try `attempts + 1`: doubling from 250 ms, at most `max_ms`.
pub(crate) fn backoff(attempts: u32, max_ms: u64) -> Duration {
    let factor = 1u64.checked_shl(attempts.min(30)).unwrap_or(u64::MAX);
    Duration::from_millis(FIRST_BACKOFF_MS.saturating_mul(factor).min(max_ms))
}

/// Nothing is ready: waits until `due` (the next retry), an office event or at most
/// [`IDLE_POLL`]. `false` when the hub is stopping.
pub(crate) async fn idle(
    due: Option<Timestamp>,
    events: &mut broadcast::Receiver<Numbered>,
    stopping: &mut watch::Receiver<bool>,
) -> bool {
    let wait = due
        .map(|at| {
            let left = at.duration_since(Timestamp::now());
            Duration::try_from(left).unwrap_or_default().min(IDLE_POLL)
        })
        .unwrap_or(IDLE_POLL);
    tokio::select! {
        _ = events.recv() => true,
        _ = tokio::time::sleep(wait) => true,
        _ = stopping.changed() => false,
    }
}

/// The queue could not be read: waits [`IDLE_POLL`]. `false` when the hub is stopping.
pub(crate) async fn pause(stopping: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(IDLE_POLL) => true,
        _ = stopping.changed() => false,
    }
}

//! Group commit for arriving check-ins. Submissions that arrive while the previous commit
//! is being flushed to disk are stored together in the next transaction, so many kiosks
//! at once cost one disk flush per batch instead of one each. A lone kiosk waits for
//! nothing extra: its check-in is committed as soon as the store is free. Every kiosk is
//! still answered only after its check-in is on disk.
//!
//! The writer, not the HTTP handler, announces new check-ins to staff, right after the
//! commit: a kiosk that gave up waiting (timeout, dropped connection) has still checked
//! the patient in, and its retry is answered "already stored", which announces nothing.

use super::events::{Events, QueueEvent};
use super::store::{OfficeStore, StoreError};
use crate::api::{CheckInSubmission, SubmissionOutcome};
use crate::domain::KioskId;
use jiff::Timestamp;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

/// Most check-ins in one transaction; bounds how long the store stays locked.
const MAX_BATCH: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("{0}")]
    Store(Arc<StoreError>),
    #[error("the check-in writer has stopped")]
    Stopped,
}

struct Pending {
    submission: CheckInSubmission,
    kiosk: KioskId,
    reply: tokio::sync::oneshot::Sender<Result<SubmissionOutcome, Arc<StoreError>>>,
}

/// The way in for check-ins; cheap to clone. The writer thread ends with the last clone.
#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<Pending>,
    in_hand: Arc<AtomicUsize>,
}

impl Intake {
    /// Starts the writer thread over the shared store; it announces what it stores on
    /// `events`.
    pub fn start(store: Arc<Mutex<OfficeStore>>, events: Events) -> std::io::Result<Self> {
        let (queue, arrivals) = mpsc::channel::<Pending>();
        let in_hand = Arc::new(AtomicUsize::new(0));
        std::thread::Builder::new()
            .name("check-in writer".into())
            .spawn({
                let in_hand = in_hand.clone();
                move || write_batches(&store, &arrivals, &events, &in_hand)
            })?;
        Ok(Self { queue, in_hand })
    }

    /// Check-ins handed to the writer and not yet stored (or refused by the store).
    pub fn in_hand(&self) -> usize {
        self.in_hand.load(Ordering::SeqCst)
    }

    /// Stores `submission`; returns once it is committed (or known already).
    pub async fn submit(
        &self,
        submission: CheckInSubmission,
        kiosk: KioskId,
    ) -> Result<SubmissionOutcome, IntakeError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.in_hand.fetch_add(1, Ordering::SeqCst);
        // From here the check-in is the writer's: if this future is dropped (the kiosk
        // went away), it is still stored and announced.
        if self
            .queue
            .send(Pending {
                submission,
                kiosk,
                reply,
            })
            .is_err()
        {
            self.in_hand.fetch_sub(1, Ordering::SeqCst);
            return Err(IntakeError::Stopped);
        }
        match answer.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(error)) => Err(IntakeError::Store(error)),
            Err(_) => Err(IntakeError::Stopped),
        }
    }
}

fn write_batches(
    store: &Mutex<OfficeStore>,
    arrivals: &mpsc::Receiver<Pending>,
    events: &Events,
    in_hand: &AtomicUsize,
) {
    while let Ok(first) = arrivals.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match arrivals.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        let items: Vec<(&CheckInSubmission, &KioskId)> =
            batch.iter().map(|p| (&p.submission, &p.kiosk)).collect();
        let result = store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .record_check_ins(&items, Timestamp::now());
        let count = batch.len();
        match result {
            Ok(outcomes) => {
                for (pending, outcome) in batch.into_iter().zip(outcomes) {
                    if outcome == SubmissionOutcome::Accepted {
                        events.publish(QueueEvent::CheckedIn {
                            check_in: pending.submission.id,
                            appointment: pending.submission.appointment,
                        });
                    }
                    if pending.reply.send(Ok(outcome)).is_err() {
                        tracing::info!(
                            check_in = %pending.submission.id,
                            "check-in stored; its kiosk stopped waiting for the answer"
                        );
                    }
                }
            }
            Err(error) => {
                // Nothing of the batch was stored; every kiosk keeps its check-in and retries.
                tracing::error!(%error, count = batch.len(), "cannot store check-ins");
                let error = Arc::new(error);
                for pending in batch {
                    let _ = pending.reply.send(Err(error.clone()));
                }
            }
        }
        in_hand.fetch_sub(count, Ordering::SeqCst);
    }
}

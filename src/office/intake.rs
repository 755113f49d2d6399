//! Group commit for arriving check-ins. Submissions that arrive while the previous commit
//! is being flushed to disk are stored together in the next transaction, so many kiosks
//! at once cost one disk flush per batch instead of one each. A lone kiosk waits for
//! nothing extra: its check-in is committed as soon as the store is free. Every kiosk is
//! still answered only after its check-in is on disk.

use super::store::{OfficeStore, StoreError};
use crate::api::{CheckInSubmission, SubmissionOutcome};
use crate::domain::KioskId;
use jiff::Timestamp;
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
}

impl Intake {
    /// Starts the writer thread over the shared store.
    pub fn start(store: Arc<Mutex<OfficeStore>>) -> std::io::Result<Self> {
        let (queue, arrivals) = mpsc::channel::<Pending>();
        std::thread::Builder::new()
            .name("check-in writer".into())
            .spawn(move || write_batches(&store, &arrivals))?;
        Ok(Self { queue })
    }

    /// Stores `submission`; returns once it is committed (or known already).
    pub async fn submit(
        &self,
        submission: CheckInSubmission,
        kiosk: KioskId,
    ) -> Result<SubmissionOutcome, IntakeError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .send(Pending {
                submission,
                kiosk,
                reply,
            })
            .map_err(|_| IntakeError::Stopped)?;
        match answer.await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(error)) => Err(IntakeError::Store(error)),
            Err(_) => Err(IntakeError::Stopped),
        }
    }
}

fn write_batches(store: &Mutex<OfficeStore>, arrivals: &mpsc::Receiver<Pending>) {
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
        match result {
            Ok(outcomes) => {
                for (pending, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = pending.reply.send(Ok(outcome));
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
    }
}

//! Group commit for arriving check-ins and payments. Submissions that arrive while the
//! previous commit is being flushed to disk are stored together in the next transaction,
//! so many kiosks at once cost one disk flush per batch instead of one each. A lone kiosk
//! waits for nothing extra: its submission is committed as soon as the store is free.
//! Every kiosk is still answered only after its submission is on disk.
//!
//! The writer, not the HTTP handler, announces what it stored to staff, right after the
//! commit: a kiosk that gave up waiting (timeout, dropped connection) has still checked
//! the patient in (or reported the payment), and its retry is answered "already stored",
//! which announces nothing.

use super::events::{Events, QueueEvent};
use super::payments::PaymentRefused;
use super::store::{Arrival, PaymentStored, Recorded, StoreError, StoreHandle};
use crate::api::{CheckInSubmission, PaymentSubmission, SubmissionOutcome};
use crate::domain::KioskId;
use jiff::Timestamp;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

/// Most submissions in one transaction; bounds how long the store stays locked.
const MAX_BATCH: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("{0}")]
    Store(Arc<StoreError>),
    #[error("the check-in writer has stopped")]
    Stopped,
    /// The writer answers each submission with an outcome of its own kind; this is that
    /// promise broken, reported instead of trusted.
    #[error("the check-in writer answered for another kind of submission")]
    Mismatched,
}

struct Pending {
    arrival: Arrival,
    kiosk: KioskId,
    reply: tokio::sync::oneshot::Sender<Result<Recorded, Arc<StoreError>>>,
}

/// The way in for check-ins and payments; cheap to clone. The writer thread ends with
/// the last clone.
#[derive(Clone)]
pub struct Intake {
    queue: mpsc::Sender<Pending>,
    in_hand: Arc<AtomicUsize>,
}

impl Intake {
    /// Starts the writer thread over the shared store; it announces what it stores on
    /// `events`.
    pub fn start(store: StoreHandle, events: Events) -> std::io::Result<Self> {
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

    /// Submissions handed to the writer and not yet stored (or refused by the store).
    pub fn in_hand(&self) -> usize {
        self.in_hand.load(Ordering::SeqCst)
    }

    /// Stores `submission`; returns once it is committed (or known already).
    pub async fn submit(
        &self,
        submission: CheckInSubmission,
        kiosk: KioskId,
    ) -> Result<SubmissionOutcome, IntakeError> {
        match self.hand_over(Arrival::CheckIn(submission), kiosk).await? {
            Recorded::CheckIn(outcome) => Ok(outcome),
            Recorded::Payment(_) => Err(IntakeError::Mismatched),
        }
    }

    /// Stores `payment` (or refuses it, storing nothing); returns once it is committed.
    pub async fn submit_payment(
        &self,
        payment: PaymentSubmission,
        kiosk: KioskId,
    ) -> Result<Result<PaymentStored, PaymentRefused>, IntakeError> {
        match self.hand_over(Arrival::Payment(payment), kiosk).await? {
            Recorded::Payment(outcome) => Ok(outcome),
            Recorded::CheckIn(_) => Err(IntakeError::Mismatched),
        }
    }

    async fn hand_over(&self, arrival: Arrival, kiosk: KioskId) -> Result<Recorded, IntakeError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.in_hand.fetch_add(1, Ordering::SeqCst);
        // From here the submission is the writer's: if this future is dropped (the kiosk
        // went away), it is still stored and announced.
        if self
            .queue
            .send(Pending {
                arrival,
                kiosk,
                reply,
            })
            .is_err()
        {
            self.in_hand.fetch_sub(1, Ordering::SeqCst);
            return Err(IntakeError::Stopped);
        }
        match answer.await {
            Ok(Ok(recorded)) => Ok(recorded),
            Ok(Err(error)) => Err(IntakeError::Store(error)),
            Err(_) => Err(IntakeError::Stopped),
        }
    }
}

fn write_batches(
    store: &StoreHandle,
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
        let items: Vec<(&Arrival, &KioskId)> =
            batch.iter().map(|p| (&p.arrival, &p.kiosk)).collect();
        let result = store
            .get()
            .and_then(|mut store| store.record_arrivals(&items, Timestamp::now()));
        let count = batch.len();
        match result {
            Ok(outcomes) => {
                for (pending, outcome) in batch.into_iter().zip(outcomes) {
                    announce(events, &pending, outcome);
                    if pending.reply.send(Ok(outcome)).is_err() {
                        tracing::info!(
                            kiosk = %pending.kiosk,
                            "submission stored; its kiosk stopped waiting for the answer"
                        );
                    }
                }
            }
            Err(error) => {
                // Nothing of the batch was stored; every kiosk keeps its rows and retries.
                tracing::error!(%error, count = batch.len(), "cannot store check-ins or payments");
                let error = Arc::new(error);
                for pending in batch {
                    let _ = pending.reply.send(Err(error.clone()));
                }
            }
        }
        in_hand.fetch_sub(count, Ordering::SeqCst);
    }
}

/// Tells staff pages what was stored now (never a repeat or a refusal).
fn announce(events: &Events, pending: &Pending, outcome: Recorded) {
    match (&pending.arrival, outcome) {
        (Arrival::CheckIn(submission), Recorded::CheckIn(SubmissionOutcome::Accepted)) => {
            events.publish(QueueEvent::CheckedIn {
                check_in: submission.id,
                appointment: submission.appointment,
            });
        }
        (Arrival::Payment(payment), Recorded::Payment(Ok(PaymentStored::Accepted { need }))) => {
            events.publish(QueueEvent::PaymentRecorded {
                payment: payment.id,
                appointment: payment.appointment,
            });
            if let Some(need) = need {
                events.publish(QueueEvent::StaffNeeded {
                    need,
                    kiosk: pending.kiosk.clone(),
                });
            }
        }
        _ => {}
    }
}

//! Workers: effects that take time run here, off the UI thread, and answer with
//! [`Event::Completed`] carrying the operation's id. The UI thread only hands a job over.

use crate::api::CheckInSubmission;
use crate::api::OutboxBody;
use crate::checkin::{
    Completion, Event, OpId, OpResult, PendingCheckIn, PendingConsent, PendingDetailsChange,
    PendingIntake, PendingRegistration, PendingRow,
};
use crate::domain::AppointmentId;
use crate::store::KioskStore;
use crate::sync::OfficeClient;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Where workers send their answers (the UI thread's event queue, or a test's channel).
pub type Post = std::sync::Arc<dyn Fn(Event) + Send + Sync>;

enum Job {
    Persist { op: OpId, row: PendingRow },
}

/// The outbox writer: one thread with its own connection to the kiosk database, so a
/// slow disk flush (`synchronous=FULL`) never holds up a frame.
pub struct OutboxWorker {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl OutboxWorker {
    /// Whether the outbox writer thread still runs (the watchdog asks: a thread that ended
    /// or panicked must get the program restarted).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }
    /// Starts the writer. `post` receives each answer; `saved` is called after each
    /// row reaches the outbox (to wake the sync thread).
    pub fn start(
        mut store: KioskStore,
        post: Post,
        saved: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("outbox".into())
            .spawn(move || {
                while let Ok(job) = queue.recv() {
                    match job {
                        Job::Persist { op, row } => {
                            let result = match &row {
                                PendingRow::CheckIn(check_in) => persist(&mut store, check_in),
                                PendingRow::Registration(registration) => {
                                    persist_registration(&mut store, registration)
                                }
                                PendingRow::DetailsChange(change) => {
                                    persist_details_change(&mut store, change)
                                }
                                PendingRow::Consent(consent) => {
                                    persist_consent(&mut store, consent)
                                }
                                PendingRow::Intake(intake) => persist_intake(&mut store, intake),
                                PendingRow::Coverage(coverage) => persist_body(
                                    &mut store,
                                    &OutboxBody::Coverage(Box::new(coverage.submission.clone())),
                                    coverage.day,
                                ),
                                PendingRow::CardPhoto(photo) => persist_body(
                                    &mut store,
                                    &OutboxBody::CardPhoto(Box::new(photo.submission.clone())),
                                    photo.day,
                                ),
                            };
                            if result == OpResult::Persisted {
                                saved();
                            }
                            post(Event::Completed(Completion { op, result }));
                        }
                    }
                }
            })?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Queues a check-in or registration for the outbox; the answer comes as an event.
    pub fn persist(&self, op: OpId, row: PendingRow) {
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(Job::Persist { op, row }).is_ok());
        if !sent {
            tracing::error!(%op, "outbox writer has stopped");
        }
    }
}

impl Drop for OutboxWorker {
    /// Finishes the writes already handed over, then stops.
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn persist(store: &mut KioskStore, check_in: &PendingCheckIn) -> OpResult {
    let submission = CheckInSubmission {
        id: check_in.id,
        clinic: check_in.clinic,
        appointment: check_in.appointment,
        arrived_at: check_in.arrived_at,
    };
    match store.enqueue(&submission, check_in.day) {
        Ok(()) => {
            tracing::info!(check_in = %check_in.id, appointment = %check_in.appointment, "check-in saved to outbox");
            OpResult::Persisted
        }
        Err(error) => {
            tracing::error!(%error, check_in = %check_in.id, "outbox write failed");
            OpResult::PersistFailed
        }
    }
}

fn persist_registration(store: &mut KioskStore, pending: &PendingRegistration) -> OpResult {
    let id = pending.submission.id;
    match store.enqueue_registration(&pending.submission, pending.day) {
        Ok(()) => {
            tracing::info!(registration = %id, "registration saved to outbox");
            OpResult::Persisted
        }
        Err(error) => {
            tracing::error!(%error, registration = %id, "outbox write failed");
            OpResult::PersistFailed
        }
    }
}

fn persist_details_change(store: &mut KioskStore, pending: &PendingDetailsChange) -> OpResult {
    let id = pending.submission.id;
    match store.enqueue_details_change(&pending.submission, pending.day) {
        Ok(()) => {
            tracing::info!(details_change = %id, fields = pending.submission.changes.len(), "details change saved to outbox");
            OpResult::Persisted
        }
        Err(error) => {
            tracing::error!(%error, details_change = %id, "outbox write failed");
            OpResult::PersistFailed
        }
    }
}

fn persist_consent(store: &mut KioskStore, pending: &PendingConsent) -> OpResult {
    let id = pending.submission.id;
    let body = OutboxBody::Consent(Box::new(pending.submission.clone()));
    match store.enqueue_body(&body, pending.day) {
        Ok(()) => {
            tracing::info!(consent = %id, "signed consent saved to outbox");
            OpResult::Persisted
        }
        Err(error) => {
            tracing::error!(%error, consent = %id, "outbox write failed");
            OpResult::PersistFailed
        }
    }
}

/// Writes any sealed row kind that needs nothing beyond its body (insurance answers,
/// card photos); logs its kind and id only.
fn persist_body(store: &mut KioskStore, body: &OutboxBody, day: jiff::civil::Date) -> OpResult {
    let (kind, id) = (body.kind().as_str(), body.id());
    match store.enqueue_body(body, day) {
        Ok(()) => {
            tracing::info!(kind, %id, "row saved to outbox");
            OpResult::Persisted
        }
        Err(error) => {
            tracing::error!(%error, kind, %id, "outbox write failed");
            OpResult::PersistFailed
        }
    }
}

fn persist_intake(store: &mut KioskStore, pending: &PendingIntake) -> OpResult {
    let id = pending.submission.id;
    match store.enqueue_intake(&pending.submission, pending.day) {
        Ok(()) => {
            tracing::info!(intake = %id, "intake answers saved to outbox");
            OpResult::Persisted
        }
        Err(error) => {
            tracing::error!(%error, intake = %id, "outbox write failed");
            OpResult::PersistFailed
        }
    }
}

/// What the look-up worker asks the office.
enum Lookup {
    Contact,
    Consents,
    Coverage,
    Due,
}

/// Asks the office for the contact details on file, and the consents already signed, one
/// appointment at a time, on its own thread with its own connection: the UI thread never
/// waits on the network. The thread ends with the worker (after the look-up in hand, if
/// any).
pub struct LookupWorker {
    jobs: mpsc::Sender<(OpId, AppointmentId, Lookup)>,
    thread: Option<JoinHandle<()>>,
}

impl LookupWorker {
    pub fn start(client: OfficeClient, post: Post) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<(OpId, AppointmentId, Lookup)>();
        let thread = std::thread::Builder::new()
            .name("lookup".into())
            .spawn(move || {
                while let Ok((op, appointment, what)) = queue.recv() {
                    let result = match what {
                        Lookup::Contact => contact(&client, appointment),
                        Lookup::Consents => consents(&client, appointment),
                        Lookup::Coverage => coverage(&client, appointment),
                        Lookup::Due => due(&client, appointment),
                    };
                    post(Event::Completed(Completion { op, result }));
                }
            })?;
        Ok(Self {
            jobs,
            thread: Some(thread),
        })
    }

    /// Whether the look-up thread still runs (the watchdog asks).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }

    /// Queues a look-up of the contact details; the answer comes as an event.
    pub fn fetch(&self, op: OpId, appointment: AppointmentId) {
        self.queue(op, appointment, Lookup::Contact);
    }

    /// Queues a look-up of the consents signed; the answer comes as an event.
    pub fn fetch_consents(&self, op: OpId, appointment: AppointmentId) {
        self.queue(op, appointment, Lookup::Consents);
    }

    /// Queues a look-up of the coverage on file; the answer comes as an event.
    pub fn fetch_coverage(&self, op: OpId, appointment: AppointmentId) {
        self.queue(op, appointment, Lookup::Coverage);
    }

    /// Queues a look-up of what is due now; the answer comes as an event.
    pub fn fetch_due(&self, op: OpId, appointment: AppointmentId) {
        self.queue(op, appointment, Lookup::Due);
    }

    fn queue(&self, op: OpId, appointment: AppointmentId, what: Lookup) {
        if self.jobs.send((op, appointment, what)).is_err() {
            tracing::error!(%op, "look-up worker has stopped");
        }
    }
}

fn contact(client: &OfficeClient, appointment: AppointmentId) -> OpResult {
    match client.contact(appointment) {
        Ok(found) => OpResult::Contact(found.map(|answer| answer.contact)),
        Err(error) => {
            tracing::info!(%error, %appointment, "contact details not available");
            OpResult::ContactUnavailable
        }
    }
}

/// The office not knowing the appointment today counts as "nothing known": every
/// document is asked (signing again is harmless).
fn consents(client: &OfficeClient, appointment: AppointmentId) -> OpResult {
    match client.consents(appointment) {
        Ok(Some(on_file)) => {
            tracing::info!(%appointment, signed = on_file.signed.len(), "consents on file");
            OpResult::ConsentsOnFile(on_file.signed)
        }
        Ok(None) => OpResult::ConsentsUnavailable,
        Err(error) => {
            tracing::info!(%error, %appointment, "consents on file not available");
            OpResult::ConsentsUnavailable
        }
    }
}

/// Offline, or not today's appointment: nothing on file (the patient gives it anew).
fn coverage(client: &OfficeClient, appointment: AppointmentId) -> OpResult {
    match client.coverage(appointment) {
        Ok(Some(on_file)) => OpResult::CoverageOnFile(on_file.coverages),
        Ok(None) => OpResult::CoverageUnavailable,
        Err(error) => {
            tracing::info!(%error, %appointment, "coverage on file not available");
            OpResult::CoverageUnavailable
        }
    }
}

/// Offline, or not today's appointment: the roster's amount stands.
fn due(client: &OfficeClient, appointment: AppointmentId) -> OpResult {
    match client.due(appointment) {
        Ok(Some(answer)) => {
            tracing::info!(%appointment, verified = answer.copay_verified, "amount due refreshed");
            OpResult::Due(answer.due)
        }
        Ok(None) => OpResult::DueUnavailable,
        Err(error) => {
            tracing::info!(%error, %appointment, "amount due not available");
            OpResult::DueUnavailable
        }
    }
}

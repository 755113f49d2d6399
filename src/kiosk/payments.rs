//! The payment worker: one thread owns the card terminal and its own connection to the
//! kiosk database, and carries out the journey's payment effects in the order that makes a
//! double charge impossible: journal the intent, then ask the terminal, then journal the
//! answer, then settle (journal and sealed outbox row in one write). At start, and after an
//! answer was lost, it reconciles with the terminal before taking anything new.
//!
//! The UI thread only hands jobs over and flips the abort flag; nothing here blocks it.

use super::printer_worker::PrinterWorker;
use super::workers::Post;
use crate::api::{OutboxBody, PaymentSubmission};
use crate::api::{PrinterHealth, TerminalBatch, TerminalHealth};
use crate::checkin::{
    Completion, Event, OpId, OpResult, PaymentAnswer, PaymentsReadiness, PendingPayment,
};
use crate::devices::payment::{
    AbortSignal, Authorisation, NotTaken, PaymentTerminal, TerminalError,
};
use crate::devices::receipt::{Initials, Receipt, Reference};
use crate::domain::{PaymentId, PaymentOutcome, PaymentProblem};
use crate::store::{
    ApprovalRecord, AttemptEnd, Baseline, JournalError, KioskStore, NewPayment, RecoveredPayment,
    Settlement, recover, settled_by_journal,
};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The terminal's health as the payment worker last found it, shared with whoever
/// reports it (the sync thread's heartbeat). The default handle, for a kiosk without a
/// terminal, always reads [`TerminalHealth::NotConfigured`].
#[derive(Debug, Clone, Default)]
pub struct TerminalHealthHandle(Arc<Mutex<TerminalHealth>>);

impl TerminalHealthHandle {
    pub fn get(&self) -> TerminalHealth {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set(&self, health: TerminalHealth) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = health;
    }
}

/// How the worker treats a terminal that does not answer.
#[derive(Debug, Clone)]
pub struct PaymentWorkerSettings {
    /// How often an unreachable terminal is tried again.
    pub retry_every: Duration,
    /// How often an idle terminal is asked whether it is still there, so that staff see a
    /// terminal switched off or unplugged before a patient tries to pay.
    pub check_every: Duration,
    /// The clinic's zone, for the calendar day of payments settled at start.
    pub zone: TimeZone,
    /// Where the terminal's health is published for the heartbeat.
    pub health: TerminalHealthHandle,
    /// When (clinic time) to close the terminal's day, once a day while idle; `None`: the
    /// terminal closes its own day.
    pub close_day_at: Option<jiff::civil::Time>,
}

impl Default for PaymentWorkerSettings {
    fn default() -> Self {
        Self {
            retry_every: Duration::from_secs(30),
            check_every: Duration::from_secs(60),
            zone: TimeZone::system(),
            health: TerminalHealthHandle::default(),
            close_day_at: None,
        }
    }
}

enum Job {
    Take {
        op: OpId,
        request: PendingPayment,
    },
    Settle {
        op: OpId,
        submission: Box<PaymentSubmission>,
        day: Date,
    },
}

/// The abort flag of the payment at the terminal now, if any.
type Current = Arc<Mutex<Option<(OpId, AbortSignal)>>>;

/// Carries out payment effects on its own thread. Dropping it finishes the job in hand,
/// then stops.
pub struct PaymentWorker {
    jobs: Option<mpsc::Sender<Job>>,
    current: Current,
    thread: Option<JoinHandle<()>>,
}

impl PaymentWorker {
    /// Whether the payment thread still runs (the watchdog asks: a thread that ended
    /// or panicked must get the program restarted).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }
    /// Starts the worker: it connects to the terminal, settles what a restart left
    /// unsettled, and posts [`Event::PaymentsReadiness`]; `saved` is called after each
    /// outbox row (to wake the sync thread). Receipts of approvals go to `printer`.
    pub fn start(
        terminal: Box<dyn PaymentTerminal>,
        printer: Option<PrinterWorker>,
        store: KioskStore,
        settings: PaymentWorkerSettings,
        post: Post,
        saved: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let current = Current::default();
        let mut runner = Runner {
            terminal,
            store,
            settings,
            post,
            saved: Box::new(saved),
            current: current.clone(),
            ready: false,
            reported: None,
            printer,
        };
        let thread = std::thread::Builder::new()
            .name("payments".into())
            .spawn(move || runner.run(&queue))?;
        Ok(Self {
            jobs: Some(jobs),
            current,
            thread: Some(thread),
        })
    }

    /// Takes a payment on the terminal; prompts and the end come back as events.
    pub fn take(&self, op: OpId, request: PendingPayment) {
        self.send(Job::Take { op, request });
    }

    /// Records that the patient pays at the desk; answered `Persisted` / `PersistFailed`.
    pub fn settle(&self, op: OpId, submission: Box<PaymentSubmission>, day: Date) {
        self.send(Job::Settle {
            op,
            submission,
            day,
        });
    }

    /// Asks the terminal to abort payment `op`, if it is the one under way.
    pub fn cancel(&self, op: OpId) {
        let current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        match current.as_ref() {
            Some((running, abort)) if *running == op => abort.abort(),
            _ => tracing::info!(%op, "cancel for a payment no longer at the terminal"),
        }
    }

    fn send(&self, job: Job) {
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(job).is_ok());
        if !sent {
            tracing::error!("payment worker has stopped");
        }
    }
}

impl Drop for PaymentWorker {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some((_, abort)) = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            abort.abort();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The worker thread's state.
struct Runner {
    terminal: Box<dyn PaymentTerminal>,
    store: KioskStore,
    settings: PaymentWorkerSettings,
    post: Post,
    saved: Box<dyn Fn() + Send>,
    current: Current,
    /// The terminal answered and nothing is left unsettled.
    ready: bool,
    /// What the journey was last told (`None` before the first try).
    reported: Option<bool>,
    /// Where receipts go; `None` on a kiosk without a printer.
    printer: Option<PrinterWorker>,
}

/// The sealed outbox row of a settled payment.
fn payment_row(submission: PaymentSubmission) -> OutboxBody {
    OutboxBody::Payment(submission)
}

impl Runner {
    fn run(&mut self, queue: &mpsc::Receiver<Job>) {
        self.reach_terminal();
        loop {
            let wait = if self.ready {
                self.settings.check_every
            } else {
                self.settings.retry_every
            };
            let job = match queue.recv_timeout(wait) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    self.reach_terminal();
                    if self.ready {
                        self.close_day_if_due(Timestamp::now());
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => return,
            };
            match job {
                Job::Take { op, request } => {
                    let answer = self.take(op, &request);
                    self.answer(op, OpResult::Payment(answer));
                }
                Job::Settle {
                    op,
                    submission,
                    day,
                } => {
                    let result = self.pay_at_desk(*submission, day);
                    self.answer(op, result);
                }
            }
        }
    }

    fn answer(&self, op: OpId, result: OpResult) {
        (self.post)(Event::Completed(Completion { op, result }));
    }

    /// Records whether the terminal can take payments; the journey and the heartbeat hear
    /// of changes only.
    fn set_ready(&mut self, ready: bool) {
        if self.reported == Some(ready) {
            return;
        }
        tracing::info!(ready, "card terminal readiness");
        self.reported = Some(ready);
        self.ready = ready;
        self.settings.health.set(if ready {
            TerminalHealth::Ready
        } else {
            TerminalHealth::Unavailable
        });
        (self.post)(Event::PaymentsReadiness(if ready {
            PaymentsReadiness::Ready
        } else {
            PaymentsReadiness::Unavailable
        }));
    }

    /// Connects, then settles whatever a restart left unsettled; ready only if both work.
    fn reach_terminal(&mut self) {
        if let Err(error) = self.terminal.connect() {
            tracing::warn!(%error, "card terminal not reachable");
            self.set_ready(false);
            return;
        }
        let ready = match self.reconcile(Timestamp::now()) {
            Ok(_) => true,
            Err(error) => {
                tracing::error!(%error, "payments could not be reconciled");
                false
            }
        };
        self.set_ready(ready);
    }

    /// Closes the terminal's day (ZVT end of day) once it is past the configured time and
    /// the day is not closed yet; the totals go to the office with the heartbeat. Never
    /// with a payment unsettled: its reconciliation needs the terminal's record.
    fn close_day_if_due(&mut self, now: Timestamp) {
        let Some(close_at) = self.settings.close_day_at else {
            return;
        };
        let local = now.to_zoned(self.settings.zone.clone());
        if local.time() < close_at {
            return;
        }
        let day = local.date();
        let closed = self.store.last_closed_day();
        let unsettled = self.store.unsettled_payments();
        match (&closed, &unsettled) {
            (Ok(Some(last)), _) if last.day >= day => return,
            (Ok(_), Ok(unsettled)) if unsettled.is_empty() => {}
            (Ok(_), Ok(_)) => {
                tracing::info!("terminal day not closed: a payment is still unsettled");
                return;
            }
            _ => {
                tracing::error!("payments journal unreadable; terminal day not closed");
                return;
            }
        }
        match self.terminal.end_of_day() {
            Ok(totals) => {
                let batch = TerminalBatch {
                    day,
                    count: totals.count,
                    amount: totals.amount,
                };
                if let Err(error) = self.store.record_closed_day(&batch) {
                    tracing::error!(%error, "closed terminal day not recorded");
                }
            }
            Err(error) => tracing::warn!(%error, "terminal day not closed; trying again later"),
        }
    }

    /// Settles every unsettled payment with the terminal's help; how each ended.
    fn reconcile(&mut self, now: Timestamp) -> Result<Vec<RecoveredPayment>, JournalError> {
        let day = now.to_zoned(self.settings.zone.clone()).date();
        let settled = recover(
            &mut self.store,
            self.terminal.as_mut(),
            now,
            day,
            &payment_row,
        )?;
        if !settled.is_empty() {
            (self.saved)();
        }
        Ok(settled)
    }

    /// One attempt at `request` on the terminal, journalled at every step.
    fn take(&mut self, op: OpId, request: &PendingPayment) -> PaymentAnswer {
        let now = Timestamp::now();
        if let Err(error) = self.settle_abandoned(request.id, now) {
            tracing::error!(%error, "earlier payments could not be settled; not taking another");
            return PaymentAnswer::TerminalDown;
        }
        if let Err(error) = self.journal_intent(request, now) {
            tracing::error!(%error, payment = %request.id, "payment could not be journalled");
            return PaymentAnswer::TerminalDown;
        }
        self.learn_baseline();
        let ticket = match self.store.begin_attempt(request.id, now) {
            Ok(ticket) => ticket,
            Err(error) => {
                tracing::error!(%error, payment = %request.id, "payment attempt could not be journalled");
                return PaymentAnswer::TerminalDown;
            }
        };
        let abort = AbortSignal::new();
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((op, abort.clone()));
        let answer = {
            let post = self.post.clone();
            let mut prompt = move |shown| {
                post(Event::Completed(Completion {
                    op,
                    result: OpResult::TerminalPrompt(shown),
                }));
            };
            self.terminal.authorise(request.amount, &mut prompt, &abort)
        };
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let fault = matches!(answer, Err(TerminalError::NotReached(_)));
        let end = self.store.record_answer(ticket, &answer, Timestamp::now());
        match end {
            Ok(AttemptEnd::Approved(approval)) => {
                let lines = match &answer {
                    Ok(Authorisation::Approved(approved)) => approved.receipt_lines.clone(),
                    _ => Vec::new(),
                };
                let receipt = self.print_receipt(request, &approval, lines);
                let settled = self.settle(
                    request.id,
                    Settlement::Paid {
                        approval,
                        recovered: false,
                    },
                    request.day,
                );
                if let Err(error) = settled {
                    // The approval is journalled: reconciliation settles it at the next
                    // start; the patient paid and is told so.
                    tracing::error!(%error, payment = %request.id, "approved payment not settled yet");
                }
                PaymentAnswer::Approved { receipt }
            }
            Ok(AttemptEnd::NotTaken { .. }) if fault => {
                self.set_ready(false);
                let settled = self.settle(
                    request.id,
                    Settlement::NeedsStaff(PaymentProblem::TerminalFault),
                    request.day,
                );
                if let Err(error) = settled {
                    tracing::error!(%error, payment = %request.id, "payment not settled");
                }
                PaymentAnswer::TerminalDown
            }
            Ok(AttemptEnd::NotTaken { .. }) => PaymentAnswer::NotTaken(match answer {
                Ok(Authorisation::NotTaken(reason)) => reason,
                _ => NotTaken::Refused,
            }),
            Ok(AttemptEnd::Unknown) => self.after_lost_answer(request.id),
            Err(error) => {
                tracing::error!(%error, payment = %request.id, "payment answer could not be journalled");
                match answer {
                    Ok(Authorisation::Approved(_)) => PaymentAnswer::Unsettled,
                    _ => PaymentAnswer::TerminalDown,
                }
            }
        }
    }

    /// The first attempt journals the payment; a retry finds it there.
    fn journal_intent(
        &mut self,
        request: &PendingPayment,
        now: Timestamp,
    ) -> Result<(), JournalError> {
        if self.store.payment(request.id)?.is_some() {
            return Ok(());
        }
        self.store.open_payment(
            &NewPayment {
                id: request.id,
                clinic: request.clinic,
                appointment: request.appointment,
                due: request.due,
                asked: request.amount,
            },
            now,
        )
    }

    /// Before an attempt, make sure the journal knows the terminal's last receipt, so a
    /// lost answer can be told apart from an older transaction.
    fn learn_baseline(&mut self) {
        if !matches!(self.store.terminal_baseline(), Ok(Baseline::Unknown)) {
            return;
        }
        match self.terminal.last_transaction() {
            Ok(last) => {
                if let Err(error) = self.store.note_last_transaction(&last) {
                    tracing::warn!(%error, "terminal's last receipt not journalled");
                }
            }
            Err(error) => tracing::warn!(%error, "terminal's last receipt not known"),
        }
    }

    /// Payments a wiped session left behind (declined, then the patient walked away) are
    /// settled before a new one starts; they charged nothing.
    fn settle_abandoned(&mut self, keep: PaymentId, now: Timestamp) -> Result<(), JournalError> {
        let day = now.to_zoned(self.settings.zone.clone()).date();
        for entry in self.store.unsettled_payments()? {
            if entry.id == keep {
                continue;
            }
            if let Some(settlement) = settled_by_journal(&entry) {
                self.settle(entry.id, settlement, day)?;
            }
        }
        Ok(())
    }

    /// The answer was lost after the terminal took the request: ask it what happened.
    fn after_lost_answer(&mut self, id: PaymentId) -> PaymentAnswer {
        tracing::warn!(payment = %id, "terminal answer lost; reconciling");
        let _ = self.terminal.connect();
        let settled = match self.reconcile(Timestamp::now()) {
            Ok(settled) => settled,
            Err(error) => {
                tracing::error!(%error, payment = %id, "payment could not be reconciled");
                self.set_ready(false);
                return PaymentAnswer::Unsettled;
            }
        };
        match settled.into_iter().find(|p| p.id == id).map(|p| p.outcome) {
            // Found by reconciliation: the terminal's receipt lines are gone, so the desk
            // reprints from the terminal if the patient wants one.
            Some(PaymentOutcome::Paid { .. }) => PaymentAnswer::Approved { receipt: false },
            // Nothing charged, but a terminal that loses answers is not trusted for the
            // next patient until it answers again.
            Some(PaymentOutcome::NotPaid) => {
                self.set_ready(false);
                PaymentAnswer::TerminalDown
            }
            _ => PaymentAnswer::Unsettled,
        }
    }

    /// Hands the receipt of an approval to the printer; whether one is printing.
    fn print_receipt(
        &self,
        request: &PendingPayment,
        approval: &ApprovalRecord,
        terminal_lines: Vec<String>,
    ) -> bool {
        let Some(printer) = &self.printer else {
            return false;
        };
        if !matches!(
            printer.health().get(),
            PrinterHealth::Ok | PrinterHealth::PaperLow
        ) {
            tracing::warn!(payment = %request.id, "receipt not printed: printer not ready");
            return false;
        }
        let facts = &request.receipt;
        let reference = facts
            .check_in
            .map(|id| id.to_string())
            .unwrap_or_else(|| request.id.to_string());
        let Ok(reference) = Reference::new(&reference) else {
            return false;
        };
        printer.print(Receipt {
            language: facts.language,
            practice: facts.practice.clone(),
            paid_at: Timestamp::now()
                .to_zoned(self.settings.zone.clone())
                .datetime(),
            initials: facts
                .initials
                .as_deref()
                .and_then(|i| Initials::new(i).ok()),
            amount: approval.amount,
            card: approval.card.clone(),
            auth_code: approval.auth_code.clone(),
            terminal_lines,
            reference,
        });
        true
    }

    fn settle(
        &mut self,
        id: PaymentId,
        settlement: Settlement,
        day: Date,
    ) -> Result<PaymentOutcome, JournalError> {
        let outcome = self
            .store
            .settle(id, settlement, Timestamp::now(), day, &payment_row)?;
        (self.saved)();
        Ok(outcome)
    }

    /// The patient pays at the desk: settles the journalled payment, or (no attempt was
    /// ever made) writes the desk choice straight to the outbox.
    fn pay_at_desk(&mut self, submission: PaymentSubmission, day: Date) -> OpResult {
        let id = submission.id;
        let journalled = match self.store.payment(id) {
            Ok(found) => found.is_some(),
            Err(error) => {
                tracing::error!(%error, payment = %id, "payments journal unreadable");
                return OpResult::PersistFailed;
            }
        };
        let written = if journalled {
            self.settle(id, Settlement::PayAtDesk, day).map(|_| ())
        } else {
            self.store
                .enqueue_body(&payment_row(submission), day)
                .map_err(JournalError::from)
                .map(|()| (self.saved)())
        };
        match written {
            Ok(()) => OpResult::Persisted,
            Err(error) => {
                tracing::error!(%error, payment = %id, "pay-at-desk not recorded");
                OpResult::PersistFailed
            }
        }
    }
}

//! The receipt printer on a thread of its own: prints the receipts handed to it, asks the
//! paper state every few seconds and after each print, and publishes the latest
//! [`PrinterHealth`] through a [`PrinterHealthHandle`] the heartbeat reads.
//!
//! The port is opened lazily and reopened after any failure, so a printer switched on
//! late or a cable pulled and plugged back in needs no restart.
//!
//! Receipts are a courtesy: by the time one is printed the payment is already recorded
//! in the payments journal. A receipt that cannot be printed (paper out, printer off line
//! or unplugged) is dropped with a log line that names no one, never queued for later (it
//! would come out for the next patient) and never retried.

use crate::api::PrinterHealth;
use crate::devices::printer::{PrinterError, PrinterSettings, PrinterStatus, ReceiptPrinter};
use crate::devices::receipt::Receipt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Why the printer worker could not start.
#[derive(Debug, thiserror::Error)]
pub enum PrinterWorkerError {
    #[error("cannot start the printer thread: {0}")]
    Thread(std::io::Error),
}

impl From<PrinterStatus> for PrinterHealth {
    fn from(status: PrinterStatus) -> Self {
        match status {
            PrinterStatus::Ok => PrinterHealth::Ok,
            PrinterStatus::PaperLow => PrinterHealth::PaperLow,
            PrinterStatus::PaperOut => PrinterHealth::PaperOut,
            PrinterStatus::Offline => PrinterHealth::Offline,
        }
    }
}

/// The printer's latest health, shared between the printer thread (which writes it) and
/// whoever reports it (the sync thread's heartbeat). The default handle, for a kiosk
/// without a printer, always reads [`PrinterHealth::NotConfigured`].
#[derive(Debug, Clone, Default)]
pub struct PrinterHealthHandle(Arc<Mutex<PrinterHealth>>);

impl PrinterHealthHandle {
    pub fn get(&self) -> PrinterHealth {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sets the health; returns the one before.
    fn set(&self, health: PrinterHealth) -> PrinterHealth {
        std::mem::replace(
            &mut self.0.lock().unwrap_or_else(PoisonError::into_inner),
            health,
        )
    }
}

/// Receipts waiting for the printer; more than this and the printer is stuck (a receipt
/// takes seconds), so a further one is dropped rather than the caller held up.
const QUEUE: usize = 8;

enum Command {
    Print(Box<Receipt>),
    Stop,
}

/// Handle to the running printer thread; stops it when dropped (after the receipt being
/// printed, if any).
pub struct PrinterWorker {
    commands: SyncSender<Command>,
    health: PrinterHealthHandle,
    thread: Option<JoinHandle<()>>,
}

impl PrinterWorker {
    /// Whether the printer thread still runs (the watchdog asks: a thread that ended
    /// or panicked must get the program restarted).
    pub fn is_running(&self) -> bool {
        self.thread
            .as_ref()
            .is_some_and(|thread| !thread.is_finished())
    }
    /// Starts the thread for the printer `settings` describe; it asks the paper state at
    /// once and then every `status_every`. Until the printer first answers, it reads as
    /// [`PrinterHealth::Offline`].
    pub fn start(
        settings: PrinterSettings,
        status_every: Duration,
    ) -> Result<Self, PrinterWorkerError> {
        let health = PrinterHealthHandle::default();
        health.set(PrinterHealth::Offline);
        let (commands, receiver) = mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("printer".into())
            .spawn({
                let link = Link {
                    settings,
                    printer: None,
                    health: health.clone(),
                };
                move || link.run(&receiver, status_every)
            })
            .map_err(PrinterWorkerError::Thread)?;
        Ok(Self {
            commands,
            health,
            thread: Some(thread),
        })
    }

    /// Hands `receipt` to the printer thread; returns at once.
    pub fn print(&self, receipt: Receipt) {
        match self.commands.try_send(Command::Print(Box::new(receipt))) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!(
                    waiting = QUEUE,
                    "receipt not printed: printer is behind; dropped"
                );
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::warn!("receipt not printed: printer thread has stopped; dropped");
            }
        }
    }

    /// The printer's latest health, for the heartbeat.
    pub fn health(&self) -> PrinterHealthHandle {
        self.health.clone()
    }
}

impl Drop for PrinterWorker {
    fn drop(&mut self) {
        // With the queue full the stop cannot be queued: the thread also ends once it has
        // drained the queue and finds the sender gone, so this one is swapped out.
        let _ = self.commands.try_send(Command::Stop);
        let (closed, _) = mpsc::sync_channel(0);
        drop(std::mem::replace(&mut self.commands, closed));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The printer thread's side: the port (while open) and where health goes.
struct Link {
    settings: PrinterSettings,
    printer: Option<ReceiptPrinter>,
    health: PrinterHealthHandle,
}

impl Link {
    fn run(mut self, commands: &Receiver<Command>, status_every: Duration) {
        let mut next_poll = Instant::now();
        loop {
            let wait = next_poll.saturating_duration_since(Instant::now());
            match commands.recv_timeout(wait) {
                Ok(Command::Print(receipt)) => self.print(&receipt),
                Err(RecvTimeoutError::Timeout) => self.poll(),
                Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            }
            // A print asks the status too: the next question is due a full period later.
            next_poll = Instant::now() + status_every;
        }
    }

    /// The open printer, opening it first if need be; `None` while it cannot be opened.
    fn printer(&mut self) -> Option<&mut ReceiptPrinter> {
        if self.printer.is_none() {
            match ReceiptPrinter::open(self.settings.clone()) {
                Ok(printer) => self.printer = Some(printer),
                Err(error) => tracing::debug!(%error, "receipt printer not there"),
            }
        }
        self.printer.as_mut()
    }

    fn poll(&mut self) {
        let health = match self.printer().map(ReceiptPrinter::status) {
            Some(Ok(status)) => status.into(),
            Some(Err(error)) => self.lost(&error),
            None => PrinterHealth::Offline,
        };
        self.publish(health);
    }

    fn print(&mut self, receipt: &Receipt) {
        let Some(printer) = self.printer() else {
            self.publish(PrinterHealth::Offline);
            dropped(PrinterHealth::Offline);
            return;
        };
        match printer.print(receipt) {
            Ok(status) => {
                tracing::info!("receipt printed");
                self.publish(status.into());
            }
            Err(PrinterError::NotReady(status)) => {
                self.publish(status.into());
                dropped(status.into());
            }
            Err(PrinterError::Receipt(error)) => {
                tracing::warn!(%error, "receipt not printed: cannot lay it out; dropped");
            }
            Err(error) => {
                let health = self.lost(&error);
                self.publish(health);
                dropped(health);
            }
        }
    }

    /// The port failed or answered nonsense: closes it, to be reopened at the next try.
    fn lost(&mut self, error: &PrinterError) -> PrinterHealth {
        tracing::debug!(%error, "receipt printer port closed, reopening later");
        self.printer = None;
        PrinterHealth::Offline
    }

    fn publish(&self, health: PrinterHealth) {
        let before = self.health.set(health);
        if before != health {
            if health.is_fault() {
                tracing::warn!(
                    from = before.as_str(),
                    to = health.as_str(),
                    "receipt printer"
                );
            } else {
                tracing::info!(
                    from = before.as_str(),
                    to = health.as_str(),
                    "receipt printer"
                );
            }
        }
    }
}

/// The log line for a receipt that will not be printed: why, and nothing about whose.
fn dropped(health: PrinterHealth) {
    tracing::warn!(
        printer = health.as_str(),
        "receipt not printed (the payment is recorded); dropped"
    );
}

//! "Call staff" on a thread of its own: a help request goes to the office the moment it
//! is made and is retried on a short schedule of its own until the office answers. It
//! never waits behind the outbox's delivery backoff or a long delivery pass.

use super::client::{ClientError, OfficeClient};
use crate::api::HelpRequest;
use jiff::Timestamp;
use std::collections::VecDeque;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

enum Command {
    Help(Timestamp),
    Stop,
}

/// The help thread; stops when dropped.
pub(super) struct HelpSender {
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl HelpSender {
    pub(super) fn start(client: OfficeClient, retry_every: Duration) -> std::io::Result<Self> {
        let (commands, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("help".into())
            .spawn(move || run(&client, retry_every, &receiver))?;
        Ok(Self {
            commands,
            thread: Some(thread),
        })
    }

    pub(super) fn request(&self, at: Timestamp) {
        let _ = self.commands.send(Command::Help(at));
    }
}

impl Drop for HelpSender {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(client: &OfficeClient, retry_every: Duration, commands: &mpsc::Receiver<Command>) {
    let mut waiting = VecDeque::new();
    loop {
        // Nothing waiting: sleep until asked. Something undelivered: try again in a while.
        let command = if waiting.is_empty() {
            commands.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            commands.recv_timeout(retry_every)
        };
        match command {
            Ok(Command::Help(at)) => waiting.push_back(at),
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        send_waiting(client, &mut waiting);
    }
}

/// Sends waiting requests, oldest first, until one fails to get through.
fn send_waiting(client: &OfficeClient, waiting: &mut VecDeque<Timestamp>) {
    while let Some(at) = waiting.front().copied() {
        match client.help(&HelpRequest { requested_at: at }) {
            Ok(()) => {
                tracing::info!("help request delivered");
                waiting.pop_front();
            }
            Err(error @ ClientError::Rejected { .. }) => {
                // Retrying an answer that will not change would page no one.
                tracing::error!(%error, "office refused a help request");
                waiting.pop_front();
            }
            Err(error) => {
                tracing::warn!(%error, "help request not delivered yet; retrying");
                return;
            }
        }
    }
}

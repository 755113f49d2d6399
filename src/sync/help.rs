//! Getting the desk to the kiosk, on a thread of its own: a help request ("Call staff",
//! or an ending that sends the patient to the desk) goes to the office the moment it is
//! made and is retried on a short schedule of its own, never behind the outbox's delivery
//! backoff or a long delivery pass.
//!
//! Retries are bounded: a request still undelivered after `give_up_after` is dropped,
//! since the patient has long gone to the desk by then or left. Only the newest request
//! waits: a newer need from this kiosk supersedes an older one not yet sent (it is the
//! same patient, or the next one). A request names no one, so it need not be sealed or
//! kept on disk.
//!
//! After each try it tells the journey whether the desk has the call
//! ([`HelpReached`]), so the patient is told "someone is coming" only when someone was
//! told, and sent to the desk when the office cannot be reached.

use super::client::{ClientError, OfficeClient};
use crate::api::HelpRequest;
use crate::checkin::HelpReached;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

enum Command {
    Help(HelpRequest),
    Stop,
}

/// How the help thread retries.
#[derive(Debug, Clone, Copy)]
pub(super) struct HelpRetry {
    pub every: Duration,
    pub give_up_after: Duration,
}

/// The help thread; stops when dropped.
pub(super) struct HelpSender {
    commands: mpsc::Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl HelpSender {
    /// `report` hears what became of each request (called on the help thread).
    pub(super) fn start(
        client: OfficeClient,
        retry: HelpRetry,
        report: impl Fn(HelpReached) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (commands, receiver) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("help".into())
            .spawn(move || run(&client, retry, &receiver, &report))?;
        Ok(Self {
            commands,
            thread: Some(thread),
        })
    }

    pub(super) fn request(&self, request: HelpRequest) {
        let _ = self.commands.send(Command::Help(request));
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

/// The one request waiting to go out, and when it stops being worth sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Waiting {
    request: HelpRequest,
    give_up_at: Instant,
}

impl Waiting {
    /// `request`, made at `now`, takes the place of whatever was waiting.
    fn supersede(
        previous: Option<Waiting>,
        request: HelpRequest,
        now: Instant,
        retry: HelpRetry,
    ) -> Waiting {
        if let Some(previous) = previous {
            tracing::info!(
                old = previous.request.reason.as_str(),
                new = request.reason.as_str(),
                "an unsent help request was superseded by a newer one"
            );
        }
        Waiting {
            request,
            give_up_at: now + retry.give_up_after,
        }
    }

    fn expired(&self, now: Instant) -> bool {
        now >= self.give_up_at
    }
}

fn run(
    client: &OfficeClient,
    retry: HelpRetry,
    commands: &mpsc::Receiver<Command>,
    report: &dyn Fn(HelpReached),
) {
    let mut waiting: Option<Waiting> = None;
    // What the journey was last told about the waiting request: said once, not per retry.
    let mut told: Option<HelpReached> = None;
    loop {
        // Nothing waiting: sleep until asked. Something undelivered: try again in a while.
        let command = if waiting.is_none() {
            commands.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            commands.recv_timeout(retry.every)
        };
        match command {
            Ok(Command::Help(request)) => {
                waiting = Some(Waiting::supersede(waiting, request, Instant::now(), retry));
                told = None;
            }
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let Some(current) = waiting else { continue };
        if current.expired(Instant::now()) {
            tracing::error!(
                reason = current.request.reason.as_str(),
                "help request could not reach the office in time; given up"
            );
            waiting = None;
            continue;
        }
        let sent = send(client, &current.request);
        if sent.done {
            waiting = None;
        }
        if told != Some(sent.reached) {
            report(sent.reached);
            told = Some(sent.reached);
        }
    }
}

/// One try's outcome.
struct Sent {
    /// Nothing more to do with this request.
    done: bool,
    reached: HelpReached,
}

/// Tries once.
fn send(client: &OfficeClient, request: &HelpRequest) -> Sent {
    match client.help(request) {
        Ok(()) => {
            tracing::info!(reason = request.reason.as_str(), "help request delivered");
            Sent {
                done: true,
                reached: HelpReached::Told,
            }
        }
        Err(error @ ClientError::Rejected { .. }) => {
            // Retrying an answer that will not change would page no one.
            tracing::error!(%error, "office refused a help request");
            Sent {
                done: true,
                reached: HelpReached::NotYet,
            }
        }
        Err(error) => {
            tracing::warn!(%error, "help request not delivered yet; retrying");
            Sent {
                done: false,
                reached: HelpReached::NotYet,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StaffNeed;

    const RETRY: HelpRetry = HelpRetry {
        every: Duration::from_secs(2),
        give_up_after: Duration::from_secs(300),
    };

    fn request(reason: StaffNeed) -> HelpRequest {
        HelpRequest {
            requested_at: "2026-11-23T15:00:00Z".parse().unwrap(),
            reason,
        }
    }

    #[test]
    fn a_newer_need_replaces_the_waiting_one_and_restarts_its_clock() {
        let start = Instant::now();
        let first = Waiting::supersede(None, request(StaffNeed::PatientAsked), start, RETRY);
        assert_eq!(first.give_up_at, start + RETRY.give_up_after);
        let later = start + Duration::from_secs(60);
        let second = Waiting::supersede(Some(first), request(StaffNeed::NoMatch), later, RETRY);
        assert_eq!(second.request.reason, StaffNeed::NoMatch);
        assert_eq!(second.give_up_at, later + RETRY.give_up_after);
    }

    #[test]
    fn a_request_is_given_up_after_the_bound_not_before() {
        let start = Instant::now();
        let waiting = Waiting::supersede(None, request(StaffNeed::NoCode), start, RETRY);
        assert!(!waiting.expired(start));
        assert!(!waiting.expired(start + RETRY.give_up_after - Duration::from_millis(1)));
        assert!(waiting.expired(start + RETRY.give_up_after));
    }
}

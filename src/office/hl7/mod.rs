//! The office's HL7 v2 interface to the EHR (issue 14): an MLLP listener taking the
//! schedule (SIU^S12–S15) into the appointments, a sender delivering the durable ADT
//! queue (A04 on arrival, A08 on accepted details) to the configured peer (over TLS when
//! configured), and the
//! interface's row on the staff page.
//!
//! Both sides run as tasks on the office's runtime; neither is on a check-in's path: a
//! check-in only writes a queue row in its own transaction.

pub mod listener;
pub mod sender;
pub mod sim;
pub mod status;
pub mod tls;

use super::config::Hl7Config;
use super::server::AppState;
use crate::hl7::Parties;
use jiff::Timestamp;
use std::net::SocketAddr;
use std::sync::Mutex;

/// Live state of the interface, for the staff page. Errors are short texts without PHI.
#[derive(Debug, Default)]
pub struct Hl7Link {
    /// Where the listener is bound, once it is.
    listening: Mutex<Option<SocketAddr>>,
    state: Mutex<LinkState>,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct LinkState {
    pub(crate) connected: bool,
    pub(crate) last_error: Option<(Timestamp, String)>,
    pub(crate) last_delivered_at: Option<Timestamp>,
    pub(crate) last_received_at: Option<Timestamp>,
    pub(crate) received_accepted: u64,
    pub(crate) received_refused: u64,
    pub(crate) last_inbound_error: Option<(Timestamp, String)>,
}

impl Hl7Link {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, LinkState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The address the listener took (port 0 in the configuration: any free port).
    pub fn listening(&self) -> Option<SocketAddr> {
        *self.listening.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_listening(&self, addr: SocketAddr) {
        *self.listening.lock().unwrap_or_else(|p| p.into_inner()) = Some(addr);
    }

    fn connected(&self, connected: bool) {
        self.lock().connected = connected;
    }

    fn outbound_error(&self, at: Timestamp, error: String) {
        let mut state = self.lock();
        state.last_error = Some((at, error));
    }

    fn delivered(&self, at: Timestamp) {
        let mut state = self.lock();
        state.last_delivered_at = Some(at);
        state.last_error = None;
    }

    fn received(&self, at: Timestamp, refused: Option<String>) {
        let mut state = self.lock();
        state.last_received_at = Some(at);
        match refused {
            None => state.received_accepted += 1,
            Some(error) => {
                state.received_refused += 1;
                state.last_inbound_error = Some((at, error));
            }
        }
    }
}

/// MSH-3..6 of what the office sends.
pub fn parties(config: &Hl7Config) -> Parties {
    Parties {
        sending_application: config.sending_application.clone(),
        sending_facility: config.sending_facility.clone(),
        receiving_application: config.receiving_application.clone(),
        receiving_facility: config.receiving_facility.clone(),
    }
}

/// A fresh message control id (MSH-10, at most 20 characters in 2.5).
fn control_id(prefix: &str) -> String {
    let random = getrandom::u64().unwrap_or_else(|_| Timestamp::now().as_nanosecond() as u64);
    format!("{prefix}{random:016X}")
}

/// Starts the listener (on `listener`, bound at open) and the sender (when a peer is
/// configured) on the current runtime; they end when the office stops.
pub fn start(state: &AppState, listener: Option<std::net::TcpListener>) {
    if let Some(listener) = listener {
        let state = state.clone();
        tokio::spawn(async move {
            if let Err(error) = listener::serve(listener, state).await {
                tracing::error!(%error, "HL7 listener stopped");
            }
        });
    }
    if let Some(peer) = state.config.hl7.peer.clone() {
        tokio::spawn(sender::run(state.clone(), peer));
    }
}

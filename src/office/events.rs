//! Queue events fanned out to staff browsers. They carry ids only: a browser that hears
//! one fetches the queue again, so PHI goes only where staff access is audited.

use crate::domain::{AppointmentId, CheckInId, CheckInStatus, KioskId};
use serde::Serialize;
use tokio::sync::broadcast;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QueueEvent {
    CheckedIn {
        check_in: CheckInId,
        appointment: AppointmentId,
    },
    StatusChanged {
        check_in: CheckInId,
        status: CheckInStatus,
    },
    KioskHealth {
        kiosk: KioskId,
    },
    HelpRequested {
        kiosk: KioskId,
    },
    AppointmentsChanged,
}

/// The fan-out of queue events.
#[derive(Debug, Clone)]
pub struct Events {
    sender: broadcast::Sender<QueueEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new()
    }
}

impl Events {
    pub fn new() -> Self {
        // A browser more than this many events behind is told to resync.
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }

    pub fn publish(&self, event: QueueEvent) {
        // No subscribers is normal (no staff page open).
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<QueueEvent> {
        self.sender.subscribe()
    }
}

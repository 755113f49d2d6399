//! `KioskCore`: the flow plus the effects that are not drawing (outbox writes, help
//! requests). No Slint here, so end-to-end tests can run a kiosk without a window.

use crate::api::CheckInSubmission;
use crate::checkin::{Effect, Event, Flow, Screen};
use crate::store::KioskStore;
use jiff::Timestamp;

/// What the core tells the rest of the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A check-in was written to the outbox: deliver it.
    OutboxChanged,
    /// A patient asked for help at this moment.
    HelpRequested(Timestamp),
}

/// The flow and its outbox, driven by one thread.
pub struct KioskCore {
    flow: Flow,
    store: KioskStore,
    notify: Box<dyn FnMut(Notice)>,
}

impl KioskCore {
    pub fn new(flow: Flow, store: KioskStore, notify: impl FnMut(Notice) + 'static) -> Self {
        Self {
            flow,
            store,
            notify: Box::new(notify),
        }
    }

    /// The screen that should be showing.
    pub fn screen(&self) -> Screen {
        self.flow.screen()
    }

    /// Handles an event and every effect it leads to; returns the screen to show if it
    /// changed.
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Option<Screen> {
        let mut queue = vec![event];
        let mut shown = None;
        while let Some(event) = queue.pop() {
            for effect in self.flow.handle(event, now) {
                match effect {
                    Effect::Show(screen) => shown = Some(screen),
                    Effect::Persist(pending) => {
                        let submission = CheckInSubmission {
                            id: pending.id,
                            clinic: pending.clinic,
                            appointment: pending.appointment,
                            arrived_at: pending.arrived_at,
                        };
                        let result = self.store.enqueue(&submission, pending.day);
                        match result {
                            Ok(()) => {
                                tracing::info!(check_in = %pending.id, appointment = %pending.appointment, "check-in saved to outbox");
                                (self.notify)(Notice::OutboxChanged);
                                queue.push(Event::Persisted(pending.id));
                            }
                            Err(error) => {
                                tracing::error!(%error, check_in = %pending.id, "outbox write failed");
                                queue.push(Event::PersistFailed(pending.id));
                            }
                        }
                    }
                    Effect::RequestHelp => {
                        tracing::info!("patient asked for help");
                        (self.notify)(Notice::HelpRequested(now));
                    }
                }
            }
        }
        shown
    }
}

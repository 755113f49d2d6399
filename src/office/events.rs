//! Queue events fanned out to staff browsers. They carry ids only: a browser that hears
//! one fetches the queue again, so PHI goes only where staff access is audited.
//!
//! Every event gets an increasing [`EventId`] (the SSE `id:` field). The last
//! [`RING_LEN`] events are kept, so a page whose stream dropped resumes with
//! `Last-Event-ID` and gets exactly what it missed; a page too far behind, or holding an
//! id from before this process started, is told to resync (reload the whole queue).

use super::store::NeedId;
use crate::domain::{
    AppointmentId, CheckInId, CheckInStatus, DetailsChangeId, IntakeResponseId, KioskId, PaymentId,
    RegistrationId,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Events kept for pages that reconnect; also how far a live stream may fall behind
/// before it is told to resync.
pub const RING_LEN: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// A kiosk sent its patient to the desk (a new "needs staff" item, or a newer reason
    /// on the open one).
    StaffNeeded {
        need: NeedId,
        kiosk: KioskId,
    },
    /// Staff are on their way.
    StaffNeedAnswered {
        need: NeedId,
    },
    AppointmentsChanged,
    /// A new patient registered at a kiosk; staff review it.
    RegistrationReceived {
        registration: RegistrationId,
    },
    /// Staff accepted or discarded a registration.
    RegistrationReviewed {
        registration: RegistrationId,
    },
    /// A returning patient asked to change their contact details.
    DetailsChanged {
        change: DetailsChangeId,
        appointment: AppointmentId,
    },
    /// Staff decided a field of a change request (or closed it).
    DetailsChangeDecided {
        change: DetailsChangeId,
    },
    /// A kiosk reported how a co-pay ended (paid, pay at desk, needs staff...).
    PaymentRecorded {
        payment: PaymentId,
        appointment: AppointmentId,
    },
    /// A patient signed a consent document at a kiosk.
    ConsentSigned {
        consent: crate::domain::SignedConsentId,
        subject: crate::api::FormSubject,
    },
    /// The forms published to kiosks changed, or their files were refused.
    FormsChanged,
    /// A patient finished an intake questionnaire; `alert`: an answer raised an alert
    /// staff must acknowledge (PHQ-9 item 9).
    IntakeReceived {
        response: IntakeResponseId,
        alert: bool,
    },
    /// Staff acknowledged an intake alert.
    IntakeAlertAcknowledged {
        response: IntakeResponseId,
    },
    /// A patient answered the insurance step, or a card photo of it arrived.
    CoverageReceived {
        coverage: crate::domain::CoverageSubmissionId,
        subject: crate::api::FormSubject,
    },
    /// An eligibility check of a coverage finished (its co-pay may have changed).
    EligibilityChecked {
        coverage: crate::domain::CoverageSubmissionId,
        subject: crate::api::FormSubject,
    },
}

/// Where an event stands in the stream: increasing within a process and across restarts
/// (see [`Events::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(u64);

impl EventId {
    pub fn get(self) -> u64 {
        self.0
    }

    /// Reads a `Last-Event-ID` header: decimal digits only, else `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().map(Self)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An event with its place in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Numbered {
    pub id: EventId,
    pub event: QueueEvent,
}

/// How a new stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// A page with no last id: nothing to send first but `upto`, the newest id at this
    /// moment, for it to resume from should its stream drop.
    Fresh { upto: EventId },
    /// Send these first (oldest first; empty when nothing was missed), then live events.
    Replay(Vec<Numbered>),
    /// The page's last id is unknown here: it reloads the queue. `upto` is the newest id
    /// at this moment (the one before the first, before any event), for the page to
    /// resume from next time.
    Resync { upto: EventId },
}

/// A stream's start: what to send first, then the live events that follow it, with no
/// gap and no repeat between the two.
pub struct Subscription {
    pub resume: Resume,
    pub live: broadcast::Receiver<Numbered>,
}

struct Ring {
    /// The first id this process gives; anything below is from an earlier run.
    first: u64,
    next: u64,
    recent: VecDeque<Numbered>,
}

/// The fan-out of queue events; cheap to clone.
#[derive(Clone)]
pub struct Events {
    ring: Arc<Mutex<Ring>>,
    sender: broadcast::Sender<Numbered>,
    /// Where events for the other hubs sharing the database go (see `hubs`).
    relay: Arc<std::sync::OnceLock<std::sync::mpsc::Sender<super::hubs::Crossing>>>,
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events").finish_non_exhaustive()
    }
}

impl Events {
    /// Ids start at `now` in microseconds since 1970. The ring lives in memory, so after
    /// a restart a page's old id must read as "from an earlier run" (resync), never as a
    /// position in the new run. Counting from the start time does that without a disk
    /// write per event: the previous run gave one id per event from its own start time,
    /// and it could only have caught up with the clock by publishing more than a million
    /// events a second. (A wall clock set back across a restart breaks this; then a page
    /// holding an id in the new run's range may miss what happened in between until the
    /// next full reload, which the page also does every minute.)
    pub fn new(now: Timestamp) -> Self {
        // A clock before 1970 is broken; ids still increase within this run.
        let first = u64::try_from(now.as_microsecond()).unwrap_or(0);
        Self::starting_at(first)
    }

    fn starting_at(first: u64) -> Self {
        let (sender, _) = broadcast::channel(RING_LEN);
        Self {
            ring: Arc::new(Mutex::new(Ring {
                first,
                next: first,
                recent: VecDeque::with_capacity(RING_LEN),
            })),
            sender,
            relay: Arc::default(),
        }
    }

    /// From now on, every event published here is also handed to `relay`.
    pub fn relay_to(&self, relay: std::sync::mpsc::Sender<super::hubs::Crossing>) {
        let _ = self.relay.set(relay);
    }

    /// Tells the other hubs sharing the database that kiosk credentials changed.
    pub fn kiosks_changed(&self) {
        if let Some(relay) = self.relay.get() {
            let _ = relay.send(super::hubs::Crossing::KioskCredentials);
        }
    }

    /// An event another hub published: to this hub's streams, not relayed back.
    pub fn publish_from_other_hub(&self, event: QueueEvent) -> EventId {
        self.publish_here(event)
    }

    fn ring(&self) -> std::sync::MutexGuard<'_, Ring> {
        self.ring
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Numbers `event`, keeps it for reconnecting pages and sends it to every open stream,
    /// here and on the other hubs sharing the database.
    pub fn publish(&self, event: QueueEvent) -> EventId {
        if let Some(relay) = self.relay.get() {
            let _ = relay.send(super::hubs::Crossing::Queue(event.clone()));
        }
        self.publish_here(event)
    }

    fn publish_here(&self, event: QueueEvent) -> EventId {
        let mut ring = self.ring();
        let id = EventId(ring.next);
        ring.next += 1;
        let numbered = Numbered { id, event };
        if ring.recent.len() == RING_LEN {
            ring.recent.pop_front();
        }
        ring.recent.push_back(numbered.clone());
        // Sent under the lock, so streams see ids in order and `resume` can split replay
        // from live without a gap. No subscribers is normal (no staff page open).
        let _ = self.sender.send(numbered);
        id
    }

    /// Live events only, from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Numbered> {
        self.sender.subscribe()
    }

    /// A stream for a page that last saw `last_seen` (its `Last-Event-ID`, `None` for a
    /// fresh page): the events after it if all are still kept, else a resync.
    pub fn resume(&self, last_seen: Option<&str>) -> Subscription {
        let ring = self.ring();
        let live = self.sender.subscribe();
        let newest = EventId(ring.next.saturating_sub(1));
        let resume = match last_seen.map(EventId::parse) {
            None => Resume::Fresh { upto: newest },
            Some(Some(EventId(seen))) if resumable(&ring, seen) => Resume::Replay(
                ring.recent
                    .iter()
                    .filter(|e| e.id.0 > seen)
                    .cloned()
                    .collect(),
            ),
            Some(_) => Resume::Resync { upto: newest },
        };
        Subscription { resume, live }
    }
}

/// Whether every event after `seen` is still in the ring, and `seen` is from this run.
/// `first - 1` counts: it is what a page resynced before the first event holds (no run
/// before this one got that far; see [`Events::new`]).
fn resumable(ring: &Ring, seen: u64) -> bool {
    let oldest_kept = ring.recent.front().map_or(ring.next, |e| e.id.0);
    seen < ring.next && seen.saturating_add(1) >= oldest_kept.max(ring.first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beat(n: u8) -> QueueEvent {
        QueueEvent::KioskHealth {
            kiosk: KioskId::new(&format!("lobby-{n}")).unwrap(),
        }
    }

    fn ids(resume: &Resume) -> Vec<u64> {
        match resume {
            Resume::Replay(events) => events.iter().map(|e| e.id.get()).collect(),
            other => panic!("{other:?}, not a replay"),
        }
    }

    #[test]
    fn ids_increase_and_start_from_the_clock() {
        let events = Events::new("2026-11-23T15:00:00Z".parse().unwrap());
        let a = events.publish(beat(1));
        let b = events.publish(beat(2));
        assert_eq!(a.get(), 1_795_446_000_000_000);
        assert_eq!(b.get(), a.get() + 1);
        let restarted = Events::new("2026-11-23T15:00:01Z".parse().unwrap());
        assert!(restarted.publish(beat(3)) > b);
    }

    #[test]
    fn a_page_gets_exactly_what_it_missed() {
        let events = Events::starting_at(100);
        for n in 0..5 {
            events.publish(beat(n));
        }
        assert_eq!(ids(&events.resume(Some("101")).resume), vec![102, 103, 104]);
        assert_eq!(ids(&events.resume(Some("104")).resume), Vec::<u64>::new());
        assert_eq!(
            events.resume(None).resume,
            Resume::Fresh { upto: EventId(104) },
            "a fresh page learns the newest id"
        );
        assert_eq!(ids(&events.resume(Some("104")).resume), Vec::<u64>::new());
        let mut sub = events.resume(Some("102"));
        events.publish(beat(9));
        assert_eq!(
            sub.live.try_recv().unwrap().id.get(),
            105,
            "then live, no gap"
        );
    }

    #[test]
    fn unknown_old_future_and_garbage_ids_resync() {
        let events = Events::starting_at(100);
        assert_eq!(
            events.resume(Some("98")).resume,
            Resume::Resync { upto: EventId(99) },
            "before the first event, resume from just before it"
        );
        for n in 0..(RING_LEN + 10) {
            events.publish(beat((n % 200) as u8));
        }
        let newest = EventId(100 + RING_LEN as u64 + 9);
        for stale in ["5", "99", "100", "108", "999999999", "abc", "", "-1"] {
            assert_eq!(
                events.resume(Some(stale)).resume,
                Resume::Resync { upto: newest },
                "{stale:?}"
            );
        }
        // The oldest id still answerable is the one just before the oldest kept event.
        assert_eq!(ids(&events.resume(Some("109")).resume).len(), RING_LEN);
    }

    #[test]
    fn a_page_resynced_before_the_first_event_resumes_from_there() {
        let events = Events::starting_at(100);
        events.publish(beat(1));
        assert_eq!(ids(&events.resume(Some("99")).resume), vec![100]);
    }
}

//! Hubs sharing one PostgreSQL database tell each other what changed, by `LISTEN/NOTIFY`:
//! staff events, so every staff page is live whichever hub serves it, and kiosk
//! credentials, so a kiosk paired on one hub is let in by all.
//!
//! Messages carry ids only, like the events themselves (PostgreSQL logs a failed
//! `NOTIFY` payload). Each hub numbers the events it shows by itself: a page that moves to
//! another hub resyncs, as after a restart. A message lost while the listening
//! connection is down is made up for by the pages' periodic reload; the listener
//! reconnects and reloads kiosk credentials then.

use super::auth::KioskRegistry;
use super::events::{Events, QueueEvent};
use super::store::StoreHandle;
use postgres::fallible_iterator::FallibleIterator;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// What crosses to the other hubs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Crossing {
    Queue(QueueEvent),
    /// A kiosk was paired, renamed, disabled or revoked: reload the credentials.
    KioskCredentials,
}

/// A [`Crossing`] with the hub it came from, as sent.
#[derive(Serialize, Deserialize)]
struct Message {
    hub: u64,
    crossing: Crossing,
}

/// How long the listener waits between looks at whether the hub is stopping, and
/// before reconnecting.
const POLL: Duration = Duration::from_secs(1);

/// The channel of the hubs sharing the connection's schema.
fn channel(client: &mut postgres::Client) -> Result<String, postgres::Error> {
    let schema: String = client.query_one("SELECT current_schema()", &[])?.get(0);
    // Schema names are identifiers already; keep the channel one too.
    let safe: String = schema
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Ok(format!("frontdesk_{safe}"))
}

/// Starts relaying when `store` is PostgreSQL: events published here go to the other
/// hubs, theirs come here. Returns at once; the threads end with the hub.
pub fn start(
    store: &StoreHandle,
    events: &Events,
    kiosks: &Arc<KioskRegistry>,
    stopping: tokio::sync::watch::Receiver<bool>,
) {
    if !store.is_postgres() {
        return;
    }
    let hub = getrandom::u64().unwrap_or_else(|_| u64::from(std::process::id()));
    let (relay, outgoing) = mpsc::channel();
    events.relay_to(relay);
    {
        let store = store.clone();
        let spawned = std::thread::Builder::new()
            .name("hub notify".into())
            .spawn(move || send_all(&store, hub, &outgoing));
        if let Err(error) = spawned {
            tracing::error!(%error, "cannot start telling other hubs about events");
        }
    }
    let (store, events, kiosks) = (store.clone(), events.clone(), kiosks.clone());
    let spawned = std::thread::Builder::new()
        .name("hub listen".into())
        .spawn(move || listen(&store, hub, &events, &kiosks, &stopping));
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start hearing events from other hubs");
    }
}

/// Sends each crossing as a NOTIFY until the hub's events are gone.
fn send_all(store: &StoreHandle, hub: u64, outgoing: &mpsc::Receiver<Crossing>) {
    let mut client: Option<(postgres::Client, String)> = None;
    while let Ok(crossing) = outgoing.recv() {
        let Ok(payload) = serde_json::to_string(&Message { hub, crossing }) else {
            continue;
        };
        for _ in 0..2 {
            if client.is_none() {
                client = connect(store);
            }
            let Some((conn, channel)) = client.as_mut() else {
                break;
            };
            match conn.execute("SELECT pg_notify($1, $2)", &[&*channel, &payload]) {
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "cannot tell other hubs about an event; reconnecting");
                    client = None;
                }
            }
        }
    }
}

fn connect(store: &StoreHandle) -> Option<(postgres::Client, String)> {
    let mut client = match store.postgres_listener()? {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(%error, "cannot reach the database for other hubs' events");
            return None;
        }
    };
    match channel(&mut client) {
        Ok(channel) => Some((client, channel)),
        Err(error) => {
            tracing::warn!(%error, "cannot name the hubs' event channel");
            None
        }
    }
}

/// Hears the other hubs until this one stops, reconnecting when the connection drops.
fn listen(
    store: &StoreHandle,
    hub: u64,
    events: &Events,
    kiosks: &KioskRegistry,
    stopping: &tokio::sync::watch::Receiver<bool>,
) {
    while !*stopping.borrow() {
        let Some((mut client, channel)) = connect(store) else {
            std::thread::sleep(POLL);
            continue;
        };
        if let Err(error) = client.batch_execute(&format!("LISTEN \"{channel}\"")) {
            tracing::warn!(%error, "cannot listen for other hubs' events");
            std::thread::sleep(POLL);
            continue;
        }
        // Whatever changed while not listening: kiosk credentials are read again.
        reload_kiosks(store, kiosks);
        let mut notifications = client.notifications();
        let mut heard = notifications.timeout_iter(POLL);
        loop {
            if *stopping.borrow() {
                return;
            }
            match heard.next() {
                Ok(Some(note)) => hear(note.payload(), hub, store, events, kiosks),
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(%error, "lost the connection for other hubs' events");
                    break;
                }
            }
        }
    }
}

fn hear(payload: &str, hub: u64, store: &StoreHandle, events: &Events, kiosks: &KioskRegistry) {
    let Ok(message) = serde_json::from_str::<Message>(payload) else {
        tracing::warn!("ignored an unreadable message on the hubs' event channel");
        return;
    };
    if message.hub == hub {
        return;
    }
    match message.crossing {
        Crossing::Queue(event) => {
            events.publish_from_other_hub(event);
        }
        Crossing::KioskCredentials => reload_kiosks(store, kiosks),
    }
}

fn reload_kiosks(store: &StoreHandle, kiosks: &KioskRegistry) {
    match store.get().and_then(|store| store.kiosk_credentials()) {
        Ok(rows) => kiosks.set_paired(rows),
        Err(error) => tracing::error!(%error, "cannot reload kiosk credentials"),
    }
}

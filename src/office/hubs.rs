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

/// The channel of one practice's hubs in the connection's schema (hubs of other
/// practices there hear nothing of it).
fn channel(client: &mut postgres::Client) -> Result<String, postgres::Error> {
    let row = client.query_one(
        "SELECT current_schema()::text, current_setting('frontdesk.clinic')",
        &[],
    )?;
    let (schema, clinic): (String, String) = (row.get(0), row.get(1));
    Ok(channel_name(&schema, &clinic))
}

/// A channel name is an identifier of at most 63 bytes; a schema's name may take all of
/// them, so the channel is named by a digest of schema and practice.
fn channel_name(schema: &str, clinic: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{schema}\0{clinic}").as_bytes(),
    );
    let hex: String = digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("frontdesk_{hex}")
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

#[cfg(test)]
mod tests {
    use super::channel_name;

    #[test]
    fn each_practice_of_a_schema_has_a_channel_of_its_own() {
        let one = channel_name("frontdesk", "1");
        assert_eq!(one, channel_name("frontdesk", "1"));
        assert_ne!(one, channel_name("frontdesk", "2"));
        assert_ne!(one, channel_name("frontdes", "k1"));
        let long = channel_name(&"s".repeat(63), "4294967295");
        assert!(long.len() <= 63 && long.is_ascii(), "{long}");
    }
}

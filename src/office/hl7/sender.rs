//! Arrivals out: delivers the durable ADT queue to the EHR's MLLP peer, one message at a
//! time, waiting for each ACK (with a timeout). `AA` marks a message delivered; `AE` /
//! `AR` mark it failed (resending the same content will not help); no answer, a broken
//! connection or a garbled answer leaves it waiting, tried again with backoff. Messages
//! of one patient go in the order queued. With `[hl7] tls`, each connection is a TLS one;
//! a handshake that fails (a certificate not trusted) is a connection that failed: the
//! messages wait, and the row says why.

use super::super::store::OutboundItem;
use super::tls::PeerTls;
use crate::hl7::adt::{self, AdtPatient};
use crate::hl7::message::{self, AckCode};
use crate::hl7::mllp::{FrameReader, MAX_MESSAGE, frame};
use crate::office::outbound::{self, backoff};
use crate::office::server::AppState;
use jiff::{SignedDuration, Timestamp};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Why an exchange did not end with an answer; short, no PHI.
#[derive(Debug, thiserror::Error)]
enum ExchangeError {
    #[error("no acknowledgement within the timeout")]
    Timeout,
    #[error("connection lost: {0}")]
    Io(#[from] std::io::Error),
    #[error("connection closed by the peer")]
    Closed,
    #[error(transparent)]
    Framing(#[from] crate::hl7::mllp::MllpError),
    #[error("unreadable acknowledgement: {0}")]
    Ack(#[from] crate::hl7::Hl7Error),
}

/// A connection to the peer: plain TCP, or TLS over it.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

struct Link {
    stream: Box<dyn Stream>,
    reader: FrameReader,
}

/// Connects to `peer` (and does the TLS handshake when `tls` is set), within `timeout`.
async fn connect(
    peer: &str,
    tls: Option<&PeerTls>,
    timeout: Duration,
) -> Result<Box<dyn Stream>, String> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(peer)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(error)) => return Err(format!("cannot connect: {}", error.kind())),
        Err(_) => return Err("cannot connect: timed out".to_owned()),
    };
    let _ = stream.set_nodelay(true);
    let Some(tls) = tls else {
        return Ok(Box::new(stream));
    };
    match tokio::time::timeout(timeout, tls.connect(stream)).await {
        Ok(Ok(stream)) => Ok(Box::new(stream)),
        Ok(Err(why)) => Err(why),
        Err(_) => Err("TLS: no handshake within the timeout".to_owned()),
    }
}

/// Runs until the office stops.
pub async fn run(state: AppState, peer: String) {
    let settings = state.config.hl7.clone();
    let timeout = Duration::from_millis(settings.ack_timeout_ms);
    let mut stopping = state.stopping.clone();
    let mut events = state.events.subscribe();
    let mut link: Option<Link> = None;
    let tls = match PeerTls::from_config(&settings, &peer) {
        Ok(tls) => tls,
        Err(error) => {
            // Nothing can be sent as configured; the messages wait for a corrected one.
            tracing::error!(%error, "HL7 TLS not set up; nothing is sent");
            state.hl7.connected(false);
            state
                .hl7
                .outbound_error(Timestamp::now(), error.to_string());
            return;
        }
    };
    // Tries in a row that found no working peer (connection or exchange).
    let mut failed_connects: u32 = 0;
    loop {
        if *stopping.borrow() {
            return;
        }
        let now = Timestamp::now();
        let item = match state.db(move |db| db.next_hl7_outbound(now)).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                let due = state.db(|db| db.next_hl7_due()).await.ok().flatten();
                if !outbound::idle(due, &mut events, &mut stopping).await {
                    return;
                }
                continue;
            }
            Err(error) => {
                tracing::warn!(%error, "HL7 queue unreadable");
                if !outbound::pause(&mut stopping).await {
                    return;
                }
                continue;
            }
        };
        if link.is_none() {
            match connect(&peer, tls.as_ref(), timeout).await {
                Ok(stream) => {
                    link = Some(Link {
                        stream,
                        reader: FrameReader::new(MAX_MESSAGE),
                    });
                    // "Connected" once the peer answers: a host that accepts and hangs
                    // up is not.
                    failed_connects = 0;
                }
                Err(reason) => {
                    state.hl7.connected(false);
                    state.hl7.outbound_error(Timestamp::now(), reason);
                    let wait = backoff(failed_connects, settings.max_backoff_ms);
                    failed_connects = failed_connects.saturating_add(1);
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stopping.changed() => return,
                    }
                    continue;
                }
            }
        }
        let Some(open) = link.as_mut() else {
            continue;
        };
        match deliver(&state, open, &item, timeout).await {
            Ok(()) => failed_connects = 0,
            Err(error) => {
                // The stream may be out of step: start again on a new connection.
                link = None;
                state.hl7.connected(false);
                state
                    .hl7
                    .outbound_error(Timestamp::now(), error.to_string());
                let next = Timestamp::now()
                    + SignedDuration::try_from(backoff(item.attempts, settings.max_backoff_ms))
                        .unwrap_or_default();
                let reason = error.to_string();
                let row = item.row;
                let now = Timestamp::now();
                if let Err(error) = state
                    .db(move |db| db.hl7_retry(row, &reason, next, now))
                    .await
                {
                    tracing::warn!(%error, "HL7 retry not recorded");
                }
                // The peer is in trouble: wait before the next message too, so an outage
                // costs one try per backoff period, not one per waiting patient.
                let wait = backoff(failed_connects, settings.max_backoff_ms);
                failed_connects = failed_connects.saturating_add(1);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stopping.changed() => return,
                }
            }
        }
    }
}

/// Builds, sends and settles one message. `Err`: no usable answer (try again later).
async fn deliver(
    state: &AppState,
    link: &mut Link,
    item: &OutboundItem,
    timeout: Duration,
) -> Result<(), ExchangeError> {
    let now = Timestamp::now();
    let appointment = item.appointment;
    let patient = state
        .db(move |db| db.hl7_patient(appointment))
        .await
        .map_err(|_| ExchangeError::Io(std::io::Error::other("office database")))?;
    let row = item.row;
    let Some(patient) = patient else {
        let _ = state
            .db(move |db| db.hl7_failed(row, "appointment no longer on file", now))
            .await;
        return Ok(());
    };
    let config = &state.config.hl7;
    let a = &patient.appointment;
    let adt_patient = AdtPatient {
        patient_id: patient
            .patient_id
            .clone()
            .unwrap_or_else(|| format!("APPT-{}", a.external_id)),
        assigning_authority: config.sending_facility.clone(),
        name: a.patient.clone(),
        date_of_birth: a.date_of_birth,
        contact: patient.contact.clone(),
        visit_number: a.external_id.clone(),
        provider: a.provider.clone(),
        arrived_at: patient
            .arrived_at
            .map(|at| message::timestamp(at, &state.timezone)),
    };
    let text = adt::build(
        &super::parties(config),
        item.event,
        &item.message_id,
        &message::timestamp(now, &state.timezone),
        &adt_patient,
    );
    let answer = tokio::time::timeout(timeout, exchange(link, text.as_bytes(), &item.message_id))
        .await
        .map_err(|_| ExchangeError::Timeout)??;
    let now = Timestamp::now();
    state.hl7.connected(true);
    match answer {
        AckCode::Accept => {
            state.hl7.delivered(now);
            state
                .db(move |db| db.hl7_delivered(row, now))
                .await
                .map_err(|_| ExchangeError::Io(std::io::Error::other("office database")))?;
        }
        code => {
            let reason = format!("peer answered {}", code.as_str());
            state.hl7.outbound_error(now, reason.clone());
            state
                .db(move |db| db.hl7_failed(row, &reason, now))
                .await
                .map_err(|_| ExchangeError::Io(std::io::Error::other("office database")))?;
        }
    }
    Ok(())
}

/// Sends one framed message and reads frames until the ACK that names it.
async fn exchange(
    link: &mut Link,
    message: &[u8],
    message_id: &str,
) -> Result<AckCode, ExchangeError> {
    link.stream.write_all(&frame(message)).await?;
    let mut buffer = [0u8; 4096];
    loop {
        let read = link.stream.read(&mut buffer).await?;
        if read == 0 {
            return Err(ExchangeError::Closed);
        }
        for item in link.reader.push(&buffer[..read]) {
            let ack = message::read_ack(&item?)?;
            // An answer to an earlier message (sent before a timeout) is not this one's.
            if ack.answers == message_id {
                return Ok(ack.code);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        assert_eq!(backoff(0, 60_000), Duration::from_millis(250));
        assert_eq!(backoff(2, 60_000), Duration::from_millis(1000));
        assert_eq!(backoff(40, 60_000), Duration::from_millis(60_000));
    }
}

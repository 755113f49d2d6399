//! Appointments in: an MLLP listener answering each SIU message with an ACK after the
//! store has committed it (`AA`), or with `AE` / `AR` and an ERR segment when it cannot
//! be taken; a refused message stores nothing.

use super::super::appointments::PatientNumber;
use super::super::events::QueueEvent;
use super::super::store::{Cancelled, NewAppointment};
use super::control_id;
use crate::domain::Cents;
use crate::hl7::message::{self, AckCode, Header, Hl7Error};
use crate::hl7::mllp::{FrameReader, MAX_MESSAGE, frame};
use crate::hl7::siu::{self, ScheduleEvent};
use crate::office::reminders::ReminderPrefs;
use crate::office::server::AppState;
use jiff::Timestamp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Accepts connections until the office stops.
pub async fn serve(listener: std::net::TcpListener, state: AppState) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let mut stopping = state.stopping.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        tracing::warn!(%error, "HL7 listener could not accept");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let state = state.clone();
                tokio::spawn(async move {
                    if let Err(error) = connection(stream, state).await {
                        tracing::info!(%error, "HL7 connection ended");
                    }
                });
            }
            _ = stopping.changed() => return Ok(()),
        }
    }
}

/// One sender's connection: frames in, one answer per frame, in order. Broken framing is
/// answered with a rejection and the connection closed (the stream cannot be trusted to
/// be back in step).
async fn connection(mut stream: TcpStream, state: AppState) -> std::io::Result<()> {
    let mut reader = FrameReader::new(MAX_MESSAGE);
    let mut buffer = vec![0u8; 16 * 1024];
    let mut stopping = state.stopping.clone();
    loop {
        let read = tokio::select! {
            read = stream.read(&mut buffer) => read?,
            _ = stopping.changed() => return Ok(()),
        };
        if read == 0 {
            if let Err(error) = reader.finish() {
                tracing::info!(%error, "HL7 sender closed inside a frame");
            }
            return Ok(());
        }
        for item in reader.push(&buffer[..read]) {
            match item {
                Ok(message) => {
                    let answer = answer(&state, &message).await;
                    stream.write_all(&frame(answer.as_bytes())).await?;
                }
                Err(error) => {
                    tracing::info!(%error, "HL7 framing error; rejecting and closing");
                    state
                        .hl7
                        .received(Timestamp::now(), Some(error.to_string()));
                    let nak = nak(&state, None, "", &Hl7Error::Malformed(0));
                    stream.write_all(&frame(nak.as_bytes())).await?;
                    stream.shutdown().await?;
                    return Ok(());
                }
            }
        }
    }
}

/// What a stored message came to.
enum Applied {
    Stored,
    /// A cancellation of an appointment the patient checked in for.
    CheckedIn,
}

/// Reads, stores and answers one message.
pub async fn answer(state: &AppState, bytes: &[u8]) -> String {
    let now = Timestamp::now();
    let parsed = match message::parse(bytes) {
        Ok(parsed) => parsed,
        Err(error) => {
            let id = message::control_id_of(bytes);
            return refuse(state, None, &id, &error, now);
        }
    };
    let header = parsed.header.clone();
    let read = siu::read(&parsed, &state.timezone).and_then(to_change);
    let change = match read {
        Ok(change) => change,
        Err(error) => return refuse(state, Some(&header), &header.control_id, &error, now),
    };
    let applied = state
        .db(move |db| match change {
            Change::Upsert(appointment) => {
                db.import_appointments(&[*appointment])?;
                Ok(Applied::Stored)
            }
            Change::Cancel(id) => Ok(match db.cancel_appointment(&id, now)? {
                Cancelled::Removed | Cancelled::NotFound => Applied::Stored,
                Cancelled::AlreadyCheckedIn => Applied::CheckedIn,
            }),
        })
        .await;
    match applied {
        Ok(Applied::Stored) => {
            state.events.publish(QueueEvent::AppointmentsChanged);
            state.hl7.received(now, None);
            let at = crate::hl7::message::timestamp(now, &state.timezone);
            message::ack(
                &super::parties(&state.config.hl7),
                Some(&header),
                &header.control_id,
                AckCode::Accept,
                None,
                &control_id("FDA"),
                &at,
            )
        }
        Ok(Applied::CheckedIn) => {
            let error = Hl7Error::InvalidField {
                segment: "SCH",
                field: 2,
                reason: "the patient has checked in; cancel at the front desk",
            };
            refuse(state, Some(&header), &header.control_id, &error, now)
        }
        Err(_) => {
            // Nothing was written (the transaction rolled back): ask for it again later.
            let error = Hl7Error::Unavailable;
            refuse(state, Some(&header), &header.control_id, &error, now)
        }
    }
}

fn refuse(
    state: &AppState,
    header: Option<&Header>,
    control: &str,
    error: &Hl7Error,
    now: Timestamp,
) -> String {
    tracing::info!(%error, "HL7 message refused");
    state.hl7.received(now, Some(error.to_string()));
    nak(state, header, control, error)
}

fn nak(state: &AppState, header: Option<&Header>, control: &str, error: &Hl7Error) -> String {
    let at = crate::hl7::message::timestamp(Timestamp::now(), &state.timezone);
    message::ack(
        &super::parties(&state.config.hl7),
        header,
        control,
        error.ack_code(),
        Some(error),
        &control_id("FDA"),
        &at,
    )
}

enum Change {
    Upsert(Box<NewAppointment>),
    Cancel(String),
}

/// The schedule message as the store takes it, checked as a CSV row is. SIU carries no
/// co-pay or balance (both are stored as none) and no reminder channel (kept as on
/// file); contact details and language replace what is on file when PID carries them.
fn to_change(read: siu::ScheduleMessage) -> Result<Change, Hl7Error> {
    if read.event == ScheduleEvent::Cancelled {
        return Ok(Change::Cancel(read.external_id));
    }
    let a = read.appointment.ok_or(Hl7Error::MissingSegment("PID"))?;
    let patient_id = a
        .patient_id
        .map(|id| {
            PatientNumber::new(&id).ok_or(Hl7Error::InvalidField {
                segment: "PID",
                field: 3,
                reason: "patient id must be 1-64 of letters, digits and - _ . /",
            })
        })
        .transpose()?;
    Ok(Change::Upsert(Box::new(NewAppointment {
        external_id: read.external_id,
        day: a.day,
        starts_at: a.starts_at,
        patient: a.patient,
        provider: a.provider,
        copay: Cents::ZERO,
        balance: Cents::ZERO,
        date_of_birth: a.date_of_birth,
        contact: a.contact,
        patient_id,
        reminders: ReminderPrefs {
            language: a.language,
            channel: None,
        },
    })))
}

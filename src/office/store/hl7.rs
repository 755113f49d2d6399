//! The HL7 v2 interface's side of the office database: the durable outbound queue of
//! ADT messages (`hl7_outbound`), written in the same transaction as what caused them,
//! and cancellations from the schedule.
//!
//! A queued row names its event and appointment only; the message is built when it is
//! sent, from what is on file then (so an A08 says the latest details).

use super::db::{Connection, OptionalExtension, params};
use super::outbound_queue::{self, Queue, QueueSummary, Settle};
use super::{Actor, Appointment, OfficeStore, StoreError, audit_in, parse, ts};
use crate::domain::{AppointmentId, ContactOnFile};
use crate::hl7::adt::AdtEvent;
use crate::office::audit::AuditAction;
use jiff::Timestamp;

/// A queued message due for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundItem {
    pub row: i64,
    /// MSH-10.
    pub message_id: String,
    pub event: AdtEvent,
    pub appointment: AppointmentId,
    pub attempts: u32,
}

/// What a message is built from. PHI.
#[derive(Clone)]
pub struct OutboundPatient {
    pub appointment: Appointment,
    pub contact: ContactOnFile,
    pub patient_id: Option<String>,
    /// When the patient checked in, if they have.
    pub arrived_at: Option<Timestamp>,
}

/// The queue at a glance, for the staff page.
pub type OutboundSummary = QueueSummary;

/// What a cancellation came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancelled {
    Removed,
    /// Not on file (never was, or cancelled already): nothing to do.
    NotFound,
    /// The patient has checked in; the appointment stays for staff to sort out.
    AlreadyCheckedIn,
}

/// Queues `event` for the appointment `handle` unless the same event already waits for it
/// (a message is built at send time, so one waiting covers both). The patient key orders
/// messages per patient: the practice's patient number, else the appointment's own id.
pub(super) fn enqueue_in(
    tx: &Connection,
    event: AdtEvent,
    handle: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    let message_id = format!("FD{:016X}", getrandom::u64().map_err(StoreError::Random)?);
    tx.prepare_cached(
        "INSERT INTO hl7_outbound
           (message_id, event, appointment, patient_key, created_at, next_try_at, state)
         SELECT ?1, ?2, a.handle, coalesce(a.patient_id, 'appointment:' || a.external_id),
                ?4, ?4, 'pending'
         FROM appointments a WHERE a.handle = ?3
           AND NOT EXISTS (SELECT 1 FROM hl7_outbound o WHERE o.appointment = ?3
                           AND o.event = ?2 AND o.state = 'pending' AND o.attempts = 0)",
    )?
    .execute(params![message_id, event.trigger(), handle, ts(now)])?;
    Ok(())
}

impl OfficeStore {
    /// Turns queueing of ADT messages on (an `[hl7] peer` is configured) or off.
    pub fn set_hl7_outbound(&mut self, on: bool) {
        self.hl7_outbound = on;
    }

    /// The oldest waiting message due by `now` whose patient has no earlier message
    /// waiting (messages go one at a time, in order per patient).
    pub fn next_hl7_outbound(&self, now: Timestamp) -> Result<Option<OutboundItem>, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT o.id, o.message_id, o.event, o.appointment, o.attempts
                 FROM hl7_outbound o WHERE {} ORDER BY o.id LIMIT 1",
                Queue::Hl7.due_where()
            ))?
            .query_row([ts(now)], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, i64>(4)?,
                ))
            })
            .optional()?;
        row.map(|(row, message_id, event, appointment, attempts)| {
            Ok(OutboundItem {
                row,
                message_id,
                event: AdtEvent::parse(&event).ok_or(StoreError::Corrupt("hl7 event"))?,
                appointment: AppointmentId::new(appointment.cast_unsigned()),
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            })
        })
        .transpose()
    }

    /// When the next message [`Self::next_hl7_outbound`] can give is due, if any waits.
    pub fn next_hl7_due(&self) -> Result<Option<Timestamp>, StoreError> {
        outbound_queue::next_due(&self.conn, Queue::Hl7)
    }

    /// What a message for `appointment` is built from; `None` if it is no longer on file.
    /// The read is audited with the attempt's outcome ([`Self::hl7_delivered`],
    /// [`Self::hl7_failed`], [`Self::hl7_retry`]): one disk flush per message.
    pub fn hl7_patient(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<OutboundPatient>, StoreError> {
        let Some(found) = self.appointment(appointment)? else {
            return Ok(None);
        };
        let Some((_, contact)) = self.contact_on_file(appointment)? else {
            return Ok(None);
        };
        let handle = appointment.get().cast_signed();
        let patient_id: Option<String> = self.conn.query_row(
            "SELECT patient_id FROM appointments WHERE handle = ?1",
            [handle],
            |row| row.get(0),
        )?;
        let arrived_at: Option<String> = self
            .conn
            .query_row(
                "SELECT arrived_at FROM checkins WHERE appointment = ?1",
                [handle],
                |row| row.get(0),
            )
            .optional()?;
        Ok(Some(OutboundPatient {
            appointment: found,
            contact,
            patient_id,
            arrived_at: arrived_at
                .map(|at| parse(&at, "arrival time"))
                .transpose()?,
        }))
    }

    /// The peer acknowledged the message (`AA`).
    pub fn hl7_delivered(&mut self, row: i64, now: Timestamp) -> Result<(), StoreError> {
        self.settle(Queue::Hl7, row, Settle::Delivered, now)
    }

    /// The peer refused the message (`AR` / `AE`), or it cannot be built: it is not sent
    /// again. `reason` carries no PHI.
    pub fn hl7_failed(&mut self, row: i64, reason: &str, now: Timestamp) -> Result<(), StoreError> {
        self.settle(Queue::Hl7, row, Settle::Failed { reason }, now)
    }

    /// The message went unanswered: try again at `next_try`.
    pub fn hl7_retry(
        &mut self,
        row: i64,
        reason: &str,
        next_try: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.settle(Queue::Hl7, row, Settle::Retry { reason, next_try }, now)
    }

    /// The queue at a glance.
    pub fn hl7_summary(&self) -> Result<OutboundSummary, StoreError> {
        outbound_queue::summary(&self.conn, Queue::Hl7)
    }

    /// The schedule cancelled the appointment `external_id`: it is removed unless the
    /// patient has checked in. Audited.
    pub fn cancel_appointment(
        &mut self,
        external_id: &str,
        now: Timestamp,
    ) -> Result<Cancelled, StoreError> {
        let tx = self.conn.transaction()?;
        let found: Option<(i64, bool)> = tx
            .query_row(
                "SELECT a.handle, EXISTS (SELECT 1 FROM checkins c WHERE c.appointment = a.handle)
                 FROM appointments a WHERE a.external_id = ?1",
                [external_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let outcome = match found {
            None => Cancelled::NotFound,
            Some((_, true)) => Cancelled::AlreadyCheckedIn,
            Some((handle, false)) => {
                tx.execute("DELETE FROM appointments WHERE handle = ?1", [handle])?;
                audit_in(
                    &tx,
                    now,
                    &Actor::System.into(),
                    AuditAction::AppointmentCancel,
                    &AppointmentId::new(handle.cast_unsigned()).get().to_string(),
                )?;
                Cancelled::Removed
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::CheckInSubmission;
    use crate::domain::{CheckInId, ClinicId, KioskId, PersonName};
    use crate::office::appointments::PatientNumber;
    use crate::office::store::NewAppointment;
    use jiff::civil::Time;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    fn booked(external_id: &str, patient: &str) -> NewAppointment {
        NewAppointment {
            external_id: external_id.into(),
            day: "2026-11-23".parse().unwrap(),
            starts_at: Time::constant(9, 30, 0, 0),
            patient: PersonName::new("Ada", "Testpatient").unwrap(),
            provider: "Dr. Demo Able".into(),
            copay: crate::domain::Cents::ZERO,
            balance: crate::domain::Cents::ZERO,
            date_of_birth: None,
            contact: None,
            patient_id: PatientNumber::new(patient),
            reminders: Default::default(),
        }
    }

    fn handle(store: &OfficeStore, external_id: &str) -> AppointmentId {
        store
            .appointments_on("2026-11-23".parse().unwrap())
            .unwrap()
            .into_iter()
            .find(|a| a.external_id == external_id)
            .unwrap()
            .id
    }

    fn check_in(store: &mut OfficeStore, external_id: &str, now: Timestamp) {
        let appointment = handle(store, external_id);
        let submission = CheckInSubmission {
            id: CheckInId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment,
            arrived_at: now,
        };
        let kiosk = KioskId::new("lobby-1").unwrap();
        store
            .record_check_ins(&[(&submission, &kiosk)], now)
            .unwrap();
    }

    #[test]
    fn check_ins_queue_an_a04_sent_in_order_per_patient_and_retried_later() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store
            .import_appointments(&[
                booked("A-1", "P-1"),
                booked("A-2", "P-1"),
                booked("B-1", "P-2"),
                booked("C-1", "P-3"),
            ])
            .unwrap();
        // No peer configured: a check-in queues nothing.
        check_in(&mut store, "C-1", at(0));
        assert_eq!(store.hl7_summary().unwrap(), OutboundSummary::default());

        store.set_hl7_outbound(true);
        for id in ["A-1", "A-2", "B-1"] {
            check_in(&mut store, id, at(1));
        }
        let summary = store.hl7_summary().unwrap();
        assert_eq!((summary.waiting, summary.oldest_waiting), (3, Some(at(1))));
        let first = store.next_hl7_outbound(at(2)).unwrap().unwrap();
        assert_eq!(first.appointment, handle(&store, "A-1"));
        assert_eq!(first.event, AdtEvent::Register);
        // A-1 goes unanswered: B-1 (another patient) may pass it, A-2 (the same) may not.
        store
            .hl7_retry(first.row, "timed out", at(60), at(2))
            .unwrap();
        let next = store.next_hl7_outbound(at(3)).unwrap().unwrap();
        assert_eq!(next.appointment, handle(&store, "B-1"));
        store.hl7_delivered(next.row, at(3)).unwrap();
        assert_eq!(store.next_hl7_outbound(at(4)).unwrap(), None);
        assert_eq!(store.next_hl7_due().unwrap(), Some(at(60)));
        let again = store.next_hl7_outbound(at(60)).unwrap().unwrap();
        assert_eq!((again.row, again.attempts), (first.row, 1));
        store
            .hl7_failed(again.row, "peer answered AR", at(61))
            .unwrap();
        let last = store.next_hl7_outbound(at(62)).unwrap().unwrap();
        assert_eq!(last.appointment, handle(&store, "A-2"));
        let summary = store.hl7_summary().unwrap();
        assert_eq!(
            (summary.waiting, summary.delivered, summary.failed),
            (1, 1, 1)
        );
        let sends = store
            .audit_log(100)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "hl7.send")
            .count();
        assert_eq!(sends, 3);
    }

    #[test]
    fn a_cancellation_removes_the_appointment_unless_the_patient_is_here() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store
            .import_appointments(&[booked("A-1", "P-1"), booked("A-2", "P-2")])
            .unwrap();
        check_in(&mut store, "A-2", at(0));
        assert_eq!(
            store.cancel_appointment("A-1", at(1)).unwrap(),
            Cancelled::Removed
        );
        assert_eq!(
            store.cancel_appointment("A-1", at(2)).unwrap(),
            Cancelled::NotFound
        );
        assert_eq!(
            store.cancel_appointment("A-2", at(3)).unwrap(),
            Cancelled::AlreadyCheckedIn
        );
        let left: Vec<_> = store
            .appointments_on("2026-11-23".parse().unwrap())
            .unwrap()
            .into_iter()
            .map(|a| a.external_id)
            .collect();
        assert_eq!(left, ["A-2"]);
    }
}

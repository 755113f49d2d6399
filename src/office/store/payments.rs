//! Co-pays as kiosks report them: stored once by the kiosk-made id, with the appointment
//! (its handle) and the kiosk that took them. A redelivery must repeat the stored
//! submission exactly; anything else under the same id is refused as a conflict, never
//! written over (money was, or was not, taken once).

use super::db::{Connection, OptionalExtension, params};
use super::needs::raise_need_in;
use super::{Actor, NeedId, OfficeStore, StoreError, audit_in, parse, ts};
use crate::api::PaymentSubmission;
use crate::domain::{AppointmentId, KioskId, PaymentId, PaymentOutcome, StaffNeed};
use crate::office::audit::AuditAction;
use crate::office::payments::{PaymentRefused, check_plausible};
use jiff::Timestamp;

/// What storing a payment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStored {
    /// Stored now; `need` is the "needs staff" item it raised, if it needs staff.
    Accepted { need: Option<NeedId> },
    /// The same payment was stored before (a retried delivery); nothing changed.
    AlreadyStored,
}

/// A payment as the office holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub kiosk: KioskId,
    pub received_at: Timestamp,
    pub submission: PaymentSubmission,
}

impl PaymentRow {
    pub fn id(&self) -> PaymentId {
        self.submission.id
    }

    pub fn appointment(&self) -> AppointmentId {
        self.submission.appointment
    }
}

/// Stores `payment` from `kiosk` inside the caller's transaction; a refusal writes nothing.
pub(super) fn record_payment_in(
    tx: &Connection,
    payment: &PaymentSubmission,
    kiosk: &KioskId,
    now: Timestamp,
) -> Result<Result<PaymentStored, PaymentRefused>, StoreError> {
    let id = payment.id.to_string();
    let stored: Option<String> = tx
        .prepare_cached("SELECT body FROM payments WHERE id = ?1")?
        .query_row([&id], |row| row.get(0))
        .optional()?;
    if let Some(body) = stored {
        let stored: PaymentSubmission =
            serde_json::from_str(&body).map_err(|_| StoreError::Corrupt("payment"))?;
        return Ok(if stored == *payment {
            Ok(PaymentStored::AlreadyStored)
        } else {
            Err(PaymentRefused::Conflict)
        });
    }
    if let Err(refused) = check_plausible(payment) {
        return Ok(Err(refused));
    }
    let known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM appointments WHERE handle = ?1)")?
        .query_row([payment.appointment.get().cast_signed()], |row| row.get(0))?;
    if !known {
        return Ok(Err(PaymentRefused::UnknownAppointment));
    }
    let body = serde_json::to_string(payment).map_err(|_| StoreError::Corrupt("payment"))?;
    let paid = match &payment.outcome {
        PaymentOutcome::Paid { amount, .. } => amount.get(),
        _ => 0,
    };
    let due = u64::from(payment.due.copay.get()) + u64::from(payment.due.balance.get());
    tx.prepare_cached(
        "INSERT INTO payments
           (id, appointment, kiosk, settled_at, received_at, status, paid_cents, due_cents, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        id,
        payment.appointment.get().cast_signed(),
        kiosk.as_str(),
        ts(payment.settled_at),
        ts(now),
        payment.outcome.status_str(),
        i64::from(paid),
        i64::try_from(due).unwrap_or(i64::MAX),
        body,
    ])?;
    audit_in(
        tx,
        now,
        &Actor::Kiosk(kiosk.clone()).into(),
        AuditAction::payment_created(&payment.outcome),
        &id,
    )?;
    let need = match payment.outcome {
        PaymentOutcome::NeedsStaff { .. } => {
            Some(raise_need_in(tx, kiosk, StaffNeed::PaymentProblem, now)?)
        }
        _ => None,
    };
    Ok(Ok(PaymentStored::Accepted { need }))
}

impl OfficeStore {
    /// Stores one payment in a transaction of its own (see [`Self::record_arrivals`] for
    /// the intake's batches).
    pub fn record_payment(
        &mut self,
        payment: &PaymentSubmission,
        kiosk: &KioskId,
        now: Timestamp,
    ) -> Result<Result<PaymentStored, PaymentRefused>, StoreError> {
        let tx = self.conn.transaction()?;
        let outcome = record_payment_in(&tx, payment, kiosk, now)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Payments settled in `[from, until)`, oldest first.
    pub fn payments_settled(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<PaymentRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kiosk, received_at, body FROM payments
             WHERE settled_at >= ?1 AND settled_at < ?2 ORDER BY settled_at, id",
        )?;
        let rows = stmt.query_map([ts(from), ts(until)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (kiosk, received_at, body) = r?;
            Ok(PaymentRow {
                kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                received_at: parse(&received_at, "payment time")?,
                submission: serde_json::from_str(&body)
                    .map_err(|_| StoreError::Corrupt("payment"))?,
            })
        })
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Cents, PaymentProblem};
    use crate::office::store::NewAppointment;

    fn store_with_ada() -> (tempfile::TempDir, OfficeStore, AppointmentId) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store
            .import_appointments(&[NewAppointment {
                external_id: "A-1".into(),
                day: "2026-11-23".parse().unwrap(),
                starts_at: jiff::civil::Time::constant(9, 30, 0, 0),
                patient: crate::domain::PersonName::new("Ada", "Testpatient").unwrap(),
                provider: "Dr. Demo Able".into(),
                copay: Cents::new(2500),
                balance: Cents::new(1000),
                date_of_birth: None,
                contact: None,
                patient_id: None,
                reminders: Default::default(),
            }])
            .unwrap();
        let ada = store
            .appointments_on("2026-11-23".parse().unwrap())
            .unwrap()[0]
            .id;
        (dir, store, ada)
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn a_payment_is_stored_once_and_a_changed_redelivery_is_a_conflict() {
        let (_dir, mut store, ada) = store_with_ada();
        assert_eq!(
            store.appointment(ada).unwrap().unwrap().balance,
            Cents::new(1000)
        );
        let kiosk = KioskId::new("lobby-1").unwrap();
        let payment = PaymentSubmission::sample(ada.get());
        let now = at("2026-11-23T15:02:01Z");
        assert_eq!(
            store.record_payment(&payment, &kiosk, now).unwrap(),
            Ok(PaymentStored::Accepted { need: None })
        );
        assert_eq!(
            store.record_payment(&payment, &kiosk, now).unwrap(),
            Ok(PaymentStored::AlreadyStored)
        );
        let changed = PaymentSubmission {
            outcome: PaymentOutcome::PayAtDesk { declines: 1 },
            ..payment.clone()
        };
        assert_eq!(
            store.record_payment(&changed, &kiosk, now).unwrap(),
            Err(PaymentRefused::Conflict)
        );
        let rows = store
            .payments_settled(at("2026-11-23T00:00:00Z"), at("2026-11-24T00:00:00Z"))
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].submission, payment);
        assert_eq!(rows[0].kiosk, kiosk);
        assert_eq!(rows[0].received_at, now);
        let log = store.audit_log(10).unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, "payment.create.paid");
        assert_eq!(log[0].subject, payment.id.to_string());
    }

    #[test]
    fn unknown_appointments_and_implausible_amounts_store_nothing() {
        let (_dir, mut store, ada) = store_with_ada();
        let kiosk = KioskId::new("lobby-1").unwrap();
        let now = at("2026-11-23T15:02:01Z");
        let elsewhere = PaymentSubmission::sample(ada.get().wrapping_add(1));
        assert_eq!(
            store.record_payment(&elsewhere, &kiosk, now).unwrap(),
            Err(PaymentRefused::UnknownAppointment)
        );
        let mut huge = PaymentSubmission::sample(ada.get());
        if let PaymentOutcome::Paid { amount, .. } = &mut huge.outcome {
            *amount = Cents::new(25_001);
        }
        assert!(matches!(
            store.record_payment(&huge, &kiosk, now).unwrap(),
            Err(PaymentRefused::Implausible { .. })
        ));
        assert!(
            store
                .payments_settled(at("2026-11-23T00:00:00Z"), at("2026-11-24T00:00:00Z"))
                .unwrap()
                .is_empty()
        );
        assert!(store.audit_log(10).unwrap().is_empty());
    }

    #[test]
    fn a_payment_that_needs_staff_raises_a_need_with_it() {
        let (_dir, mut store, ada) = store_with_ada();
        let kiosk = KioskId::new("lobby-1").unwrap();
        let payment = PaymentSubmission {
            outcome: PaymentOutcome::NeedsStaff {
                problem: PaymentProblem::OutcomeUnknown,
            },
            ..PaymentSubmission::sample(ada.get())
        };
        let now = at("2026-11-23T15:02:01Z");
        let Ok(PaymentStored::Accepted { need: Some(need) }) =
            store.record_payment(&payment, &kiosk, now).unwrap()
        else {
            panic!("no need raised");
        };
        let open = store.open_needs().unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].id, need);
        assert_eq!(open[0].reason, StaffNeed::PaymentProblem);
        // A redelivery raises nothing more.
        assert_eq!(
            store.record_payment(&payment, &kiosk, now).unwrap(),
            Ok(PaymentStored::AlreadyStored)
        );
        assert_eq!(store.open_needs().unwrap().len(), 1);
    }

    #[test]
    fn a_batch_stores_check_ins_and_payments_and_a_refusal_spoils_nothing_else() {
        use crate::api::{CheckInSubmission, SubmissionOutcome};
        use crate::office::store::{Arrival, Recorded};
        let (_dir, mut store, ada) = store_with_ada();
        let kiosk = KioskId::new("lobby-1").unwrap();
        let check_in = Arrival::CheckIn(CheckInSubmission {
            id: crate::domain::CheckInId::random(),
            clinic: crate::domain::ClinicId::new(1).unwrap(),
            appointment: ada,
            arrived_at: at("2026-11-23T15:01:00Z"),
        });
        let payment = PaymentSubmission::sample(ada.get());
        let stranger = Arrival::Payment(PaymentSubmission::sample(ada.get().wrapping_add(1)));
        let paid = Arrival::Payment(payment.clone());
        let outcomes = store
            .record_arrivals(
                &[
                    (&check_in, &kiosk),
                    (&stranger, &kiosk),
                    (&paid, &kiosk),
                    (&paid, &kiosk),
                ],
                at("2026-11-23T15:02:01Z"),
            )
            .unwrap();
        assert_eq!(
            outcomes,
            vec![
                Recorded::CheckIn(SubmissionOutcome::Accepted),
                Recorded::Payment(Err(PaymentRefused::UnknownAppointment)),
                Recorded::Payment(Ok(PaymentStored::Accepted { need: None })),
                Recorded::Payment(Ok(PaymentStored::AlreadyStored)),
            ]
        );
        let day = (at("2026-11-23T00:00:00Z"), at("2026-11-24T00:00:00Z"));
        assert_eq!(store.queue(day.0, day.1).unwrap().len(), 1);
        assert_eq!(store.payments_settled(day.0, day.1).unwrap().len(), 1);
    }
}

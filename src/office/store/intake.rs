//! Intake answers as kiosks deliver them: one row per finished questionnaire, stored once
//! by the kiosk-made id for an appointment or a registration, with the scores the office
//! worked out itself and, when an answer calls for it (PHQ-9 item 9), an alert that stays
//! open until a staff member acknowledges it (who and when kept, audited).

use super::db::{Connection, OptionalExtension, Row, params};
use super::{Actor, OfficeStore, StoreError, audit_in, parse, ts};
use crate::api::{FormSubject, IntakeSubmission};
use crate::domain::{AppointmentId, IntakeResponseId, KioskId, RegistrationId};
use crate::office::audit::{AuditAction, AuditContext};
use jiff::Timestamp;

/// What the office worked out from the answers when it stored them (never the kiosk's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntakeScores {
    /// PHQ-2 total (0–6), when the form has one and both items are answered.
    pub phq2: Option<u8>,
    /// PHQ-9 total (0–27), when all nine items are answered.
    pub phq9: Option<u8>,
    /// Ids of the questions whose answer raises an alert (PHQ-9 item 9), in form order.
    pub alert_questions: Vec<String>,
}

/// Where a response's alert stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertState {
    /// No answer called for one.
    None,
    /// Raised; staff have not acknowledged it yet.
    Open,
    Acknowledged {
        at: Timestamp,
        by: String,
    },
}

/// A stored intake response.
#[derive(Clone, PartialEq)]
pub struct IntakeRow {
    pub kiosk: KioskId,
    pub received_at: Timestamp,
    pub submission: IntakeSubmission,
    pub scores: IntakeScores,
    pub alert: AlertState,
    /// The walk-in appointment a registration became, when staff accepted it.
    pub appointment: Option<AppointmentId>,
}

impl std::fmt::Debug for IntakeRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntakeRow")
            .field("id", &self.submission.id)
            .field("kiosk", &self.kiosk)
            .field("alert", &self.alert)
            .finish_non_exhaustive()
    }
}

/// What storing a response did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakeStored {
    Accepted,
    /// The same response was stored before (a retried delivery); nothing changed.
    AlreadyStored,
}

/// Why the store refused a response; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IntakeStoreRefused {
    #[error("a different response was stored under this id before")]
    Conflict,
    #[error("the response names no appointment or registration this office knows")]
    UnknownSubject,
}

/// What acknowledging an alert came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acknowledge {
    Acknowledged {
        subject: FormSubject,
    },
    /// Someone acknowledged it first; nothing changed.
    AlreadyAcknowledged,
    /// The response raised no alert.
    NoAlert,
    NotFound,
}

/// The subject as two columns: its kind and its id as text.
fn subject_columns(subject: &FormSubject) -> (&'static str, String) {
    match subject {
        FormSubject::Appointment(a) => ("appointment", a.get().to_string()),
        FormSubject::Registration(r) => ("registration", r.to_string()),
    }
}

const COLUMNS: &str = "i.kiosk, i.received_at, i.body, i.phq2, i.phq9, i.alert_questions, \
     i.alert_acknowledged_at, i.alert_acknowledged_by, r.appointment";
const FROM: &str = "intake_responses i LEFT JOIN registrations r \
     ON i.subject_kind = 'registration' AND r.id = i.subject";

fn row_from(row: &Row<'_>) -> super::db::Result<Result<IntakeRow, StoreError>> {
    let kiosk: String = row.get(0)?;
    let received: String = row.get(1)?;
    let body: String = row.get(2)?;
    let phq2: Option<i64> = row.get(3)?;
    let phq9: Option<i64> = row.get(4)?;
    let alerts: Option<String> = row.get(5)?;
    let acked_at: Option<String> = row.get(6)?;
    let acked_by: Option<String> = row.get(7)?;
    let appointment: Option<i64> = row.get(8)?;
    Ok((|| -> Result<IntakeRow, StoreError> {
        let total = |n: Option<i64>| {
            n.map(|n| u8::try_from(n).map_err(|_| StoreError::Corrupt("intake score")))
                .transpose()
        };
        let alert_questions: Vec<String> = alerts
            .as_deref()
            .map(|a| a.split(',').map(str::to_owned).collect())
            .unwrap_or_default();
        let alert = match (alert_questions.is_empty(), acked_at, acked_by) {
            (true, _, _) => AlertState::None,
            (false, Some(at), Some(by)) => AlertState::Acknowledged {
                at: parse(&at, "intake alert time")?,
                by,
            },
            (false, _, _) => AlertState::Open,
        };
        Ok(IntakeRow {
            kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
            received_at: parse(&received, "intake time")?,
            submission: serde_json::from_str(&body)
                .map_err(|_| StoreError::Corrupt("intake response"))?,
            scores: IntakeScores {
                phq2: total(phq2)?,
                phq9: total(phq9)?,
                alert_questions,
            },
            alert,
            appointment: appointment.map(|a| AppointmentId::new(a.cast_unsigned())),
        })
    })())
}

fn rows(
    conn: &Connection,
    condition: &str,
    params: impl super::db::Params,
) -> Result<Vec<IntakeRow>, StoreError> {
    let sql =
        format!("SELECT {COLUMNS} FROM {FROM} WHERE {condition} ORDER BY i.received_at, i.id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let found = stmt.query_map(params, row_from)?;
    found.map(|r| r?).collect()
}

impl OfficeStore {
    /// Stores a response checked and scored by the caller, once: a redelivery must repeat
    /// the stored submission exactly, anything else under its id is a conflict.
    pub fn record_intake(
        &mut self,
        submission: &IntakeSubmission,
        scores: &IntakeScores,
        kiosk: &KioskId,
        now: Timestamp,
    ) -> Result<Result<IntakeStored, IntakeStoreRefused>, StoreError> {
        let id = submission.id.to_string();
        // Compared as written: the same bytes delivered again serialise the same.
        let body = serde_json::to_string(submission)
            .map_err(|_| StoreError::Corrupt("intake response"))?;
        let tx = self.conn.transaction()?;
        let stored: Option<String> = tx
            .prepare_cached("SELECT body FROM intake_responses WHERE id = ?1")?
            .query_row([&id], |row| row.get(0))
            .optional()?;
        if let Some(stored) = stored {
            return Ok(if stored == body {
                Ok(IntakeStored::AlreadyStored)
            } else {
                Err(IntakeStoreRefused::Conflict)
            });
        }
        let (kind, subject) = subject_columns(&submission.subject);
        let known: bool = match submission.subject {
            FormSubject::Appointment(a) => tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM appointments WHERE handle = ?1)")?
                .query_row([a.get().cast_signed()], |row| row.get(0))?,
            FormSubject::Registration(_) => tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM registrations WHERE id = ?1)")?
                .query_row([&subject], |row| row.get(0))?,
        };
        if !known {
            return Ok(Err(IntakeStoreRefused::UnknownSubject));
        }
        let (form, version) =
            crate::questionnaire::canonical_parts(&submission.response.questionnaire)
                .unwrap_or_default();
        let alerts = (!scores.alert_questions.is_empty()).then(|| scores.alert_questions.join(","));
        tx.prepare_cached(
            "INSERT INTO intake_responses
               (id, subject_kind, subject, kiosk, form, version, received_at, body,
                phq2, phq9, alert_questions)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            id,
            kind,
            subject,
            kiosk.as_str(),
            form,
            version,
            ts(now),
            body,
            scores.phq2,
            scores.phq9,
            alerts,
        ])?;
        let actor = AuditContext::from(Actor::Kiosk(kiosk.clone()));
        audit_in(&tx, now, &actor, AuditAction::IntakeCreate, &id)?;
        if let FormSubject::Appointment(appointment) = submission.subject {
            super::fhir::enqueue_intake_in(
                &tx,
                self.fhir_writes,
                appointment.get().cast_signed(),
                &id,
                now,
            )?;
        }
        if alerts.is_some() {
            audit_in(&tx, now, &actor, AuditAction::IntakeAlertRaise, &id)?;
        }
        tx.commit()?;
        Ok(Ok(IntakeStored::Accepted))
    }

    /// Responses received in `[from, until)`, and any whose alert is still open from
    /// before, oldest first.
    pub fn intake_responses(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<IntakeRow>, StoreError> {
        rows(
            &self.conn,
            "(i.received_at >= ?1 AND i.received_at < ?2)
             OR (i.alert_questions IS NOT NULL AND i.alert_acknowledged_at IS NULL)",
            [ts(from), ts(until)],
        )
    }

    /// One response by id.
    pub fn intake_response(&self, id: IntakeResponseId) -> Result<Option<IntakeRow>, StoreError> {
        Ok(rows(&self.conn, "i.id = ?1", [id.to_string()])?.pop())
    }

    /// Every response of an appointment (with those its patient gave while registering,
    /// once the registration became this appointment), or of a registration.
    pub fn intake_of(&self, subject: FormSubject) -> Result<Vec<IntakeRow>, StoreError> {
        match subject {
            FormSubject::Appointment(a) => rows(
                &self.conn,
                "(i.subject_kind = 'appointment' AND i.subject = ?1) OR r.appointment = ?2",
                params![a.get().to_string(), a.get().cast_signed()],
            ),
            FormSubject::Registration(r) => rows(
                &self.conn,
                "i.subject_kind = 'registration' AND i.subject = ?1",
                [r.to_string()],
            ),
        }
    }

    /// A staff member acknowledged a response's alert: who and when are kept and audited.
    pub fn acknowledge_intake_alert(
        &mut self,
        id: IntakeResponseId,
        actor: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<Acknowledge, StoreError> {
        let actor = &actor.into();
        let tx = self.conn.transaction()?;
        let found: Option<(String, String, Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT subject_kind, subject, alert_questions, alert_acknowledged_at
                 FROM intake_responses WHERE id = ?1",
                [id.to_string()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let outcome = match found {
            None => Acknowledge::NotFound,
            Some((_, _, None, _)) => Acknowledge::NoAlert,
            Some((_, _, Some(_), Some(_))) => Acknowledge::AlreadyAcknowledged,
            Some((kind, subject, Some(_), None)) => {
                let subject = match kind.as_str() {
                    "appointment" => FormSubject::Appointment(AppointmentId::new(parse(
                        &subject,
                        "intake subject",
                    )?)),
                    _ => FormSubject::Registration(
                        RegistrationId::parse(&subject)
                            .ok_or(StoreError::Corrupt("intake subject"))?,
                    ),
                };
                tx.execute(
                    "UPDATE intake_responses
                     SET alert_acknowledged_at = ?2, alert_acknowledged_by = ?3 WHERE id = ?1",
                    params![id.to_string(), ts(now), actor.actor.label()],
                )?;
                audit_in(
                    &tx,
                    now,
                    actor,
                    AuditAction::IntakeAlertAcknowledge,
                    &id.to_string(),
                )?;
                Acknowledge::Acknowledged { subject }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}

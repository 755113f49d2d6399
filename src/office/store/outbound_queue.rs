//! What the hub's durable outbound queues to the EHR (HL7 v2 `hl7_outbound`, FHIR
//! `fhir_outbound`) share in the database: a row's state, the next row due in order per
//! patient, settling a send (delivered, failed, tried again later) together with the audit
//! entry of the patient's details read for it, and the queue at a glance. What a row
//! carries, and when one is queued, is each interface's own (see `hl7` and `fhir`).

use super::db::{Connection, OptionalExtension, params};
use super::{Actor, OfficeStore, StoreError, audit_in, parse, ts};
use crate::office::audit::AuditAction;
use jiff::Timestamp;

/// One of the queues; both tables have the same state columns (`patient_key`,
/// `created_at`, `attempts`, `next_try_at`, `state`, `last_error`, `done_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Queue {
    Hl7,
    Fhir,
}

impl Queue {
    pub(super) fn table(self) -> &'static str {
        match self {
            Self::Hl7 => "hl7_outbound",
            Self::Fhir => "fhir_outbound",
        }
    }

    fn audit_action(self) -> AuditAction {
        match self {
            Self::Hl7 => AuditAction::Hl7Send,
            Self::Fhir => AuditAction::FhirSend,
        }
    }

    /// The audit entry's subject for a row, without PHI: the message's control id, or
    /// the write's kind and row.
    fn subject(self) -> &'static str {
        match self {
            Self::Hl7 => "message_id",
            Self::Fhir => "kind || ':' || id",
        }
    }

    /// The condition on row `o` of this queue that it is due: pending, its time come, and
    /// no earlier row of the same patient still pending (order per patient).
    pub(super) fn due_where(self) -> String {
        let table = self.table();
        format!(
            "o.state = 'pending' AND o.next_try_at <= ?1
             AND NOT EXISTS (SELECT 1 FROM {table} p WHERE p.state = 'pending'
                             AND p.patient_key = o.patient_key AND p.id < o.id)"
        )
    }
}

/// A queued row's state (the `state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueState {
    /// Waiting to be sent, or to be tried again.
    Pending,
    /// The other end took it.
    Delivered,
    /// Refused, or it could not be built: not sent again.
    Failed,
}

impl QueueState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
}

/// How one send of a row ended. Reasons carry no PHI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Settle<'a> {
    Delivered,
    Failed {
        reason: &'a str,
    },
    Retry {
        reason: &'a str,
        next_try: Timestamp,
    },
}

/// Records how the send of `row` ended and audits the read of the patient's details it
/// needed, inside `tx`.
pub(super) fn settle_in(
    tx: &Connection,
    queue: Queue,
    row: i64,
    settle: Settle<'_>,
    now: Timestamp,
) -> Result<(), StoreError> {
    let table = queue.table();
    let (state, next_try, reason) = match settle {
        Settle::Delivered => (QueueState::Delivered, None, None),
        Settle::Failed { reason } => (QueueState::Failed, None, Some(reason)),
        Settle::Retry { reason, next_try } => (QueueState::Pending, Some(next_try), Some(reason)),
    };
    tx.prepare_cached(&format!(
        "UPDATE {table} SET state = ?2, attempts = attempts + 1, last_error = ?3,
                done_at = CASE WHEN ?2 = 'pending' THEN done_at ELSE ?4 END,
                next_try_at = coalesce(?5, next_try_at)
         WHERE id = ?1"
    ))?
    .execute(params![
        row,
        state.as_str(),
        reason,
        ts(now),
        next_try.map(ts)
    ])?;
    let subject: Option<String> = tx
        .prepare_cached(&format!(
            "SELECT {} FROM {table} WHERE id = ?1",
            queue.subject()
        ))?
        .query_row([row], |r| r.get(0))
        .optional()?;
    if let Some(subject) = subject {
        audit_in(
            tx,
            now,
            &Actor::System.into(),
            queue.audit_action(),
            &subject,
        )?;
    }
    Ok(())
}

/// When the next row that [`Queue::due_where`] can give is due, if any waits.
pub(super) fn next_due(conn: &Connection, queue: Queue) -> Result<Option<Timestamp>, StoreError> {
    let table = queue.table();
    // Only a patient's first waiting row can be due: the ones behind it wait for it,
    // whatever their own time says.
    let at: Option<String> = conn
        .prepare_cached(&format!(
            "SELECT min(o.next_try_at) FROM {table} o WHERE o.state = 'pending'
               AND NOT EXISTS (SELECT 1 FROM {table} p WHERE p.state = 'pending'
                               AND p.patient_key = o.patient_key AND p.id < o.id)"
        ))?
        .query_row([], |row| row.get(0))?;
    at.map(|at| parse(&at, "next try")).transpose()
}

/// A queue at a glance, for the staff page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueSummary {
    pub waiting: u64,
    pub oldest_waiting: Option<Timestamp>,
    pub failed: u64,
    pub delivered: u64,
}

pub(super) fn summary(conn: &Connection, queue: Queue) -> Result<QueueSummary, StoreError> {
    let (waiting, oldest, failed, delivered): (i64, Option<String>, i64, i64) = conn
        .prepare_cached(&format!(
            "SELECT count(*) FILTER (WHERE state = 'pending'),
                    min(created_at) FILTER (WHERE state = 'pending'),
                    count(*) FILTER (WHERE state = 'failed'),
                    count(*) FILTER (WHERE state = 'delivered')
             FROM {}",
            queue.table()
        ))?
        .query_row([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?;
    Ok(QueueSummary {
        waiting: waiting.cast_unsigned(),
        oldest_waiting: oldest.map(|at| parse(&at, "queued at")).transpose()?,
        failed: failed.cast_unsigned(),
        delivered: delivered.cast_unsigned(),
    })
}

impl OfficeStore {
    /// [`settle_in`] in a transaction of its own: one disk flush per send.
    pub(super) fn settle(
        &mut self,
        queue: Queue,
        row: i64,
        settle: Settle<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        settle_in(&tx, queue, row, settle, now)?;
        tx.commit()?;
        Ok(())
    }
}

//! The FHIR interface's side of the office database: which appointments came from the
//! FHIR server (their `Appointment` and `Patient` ids), the day's pull stored in one
//! transaction, and the durable outbound queue of writes (`fhir_outbound`), each row
//! written in the same transaction as what caused it.
//!
//! A queued row names its kind, its appointment and (for answers, plans and signatures)
//! the item it writes; the resource is built when it is sent, from what is on file then.

use super::db::{Connection, OptionalExtension, params};
use super::outbound_queue::{self, Queue, QueueSummary, Settle};
use super::{Actor, Appointment, NewAppointment, OfficeStore, StoreError, audit_in, parse, ts};
use crate::domain::{AppointmentId, ContactOnFile, CoverageRank, CoverageSubmissionId};
use crate::fhir::FhirId;
use crate::office::audit::AuditAction;
use jiff::Timestamp;
use jiff::civil::Date;

pub(super) const MIGRATION: &str = "
    -- The FHIR interface (see `fhir`): the server's ids of appointments pulled from it,
    -- and the outbound queue, one row per resource write, sent one at a time in order
    -- per patient (`patient_key`).
    ALTER TABLE appointments ADD COLUMN fhir_appointment TEXT;
    ALTER TABLE appointments ADD COLUMN fhir_patient TEXT;
    CREATE TABLE fhir_outbound (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL
            CHECK (kind IN ('patient', 'arrived', 'encounter', 'questionnaire_response')),
        appointment INTEGER NOT NULL,
        -- The intake response written (kind questionnaire_response).
        intake TEXT,
        patient_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        last_error TEXT,
        done_at TEXT
    ) STRICT;
    CREATE INDEX fhir_outbound_waiting ON fhir_outbound (patient_key, id) WHERE state = 'pending';
";

pub(super) const MIGRATION_COVERAGE_CONSENT: &str = "
    -- Coverage and Consent writes (see `fhir`): two more kinds, and `intake` becomes
    -- `item`, what a row writes beside its appointment (an intake response id, a coverage
    -- answer id and rank as `answer:rank`, a signed consent id). The CHECK on `kind`
    -- cannot be altered in place, so the table is made again with its rows.
    CREATE TABLE fhir_outbound_new (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN
            ('patient', 'arrived', 'encounter', 'questionnaire_response', 'coverage', 'consent')),
        appointment INTEGER NOT NULL,
        item TEXT,
        patient_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        last_error TEXT,
        done_at TEXT
    ) STRICT;
    INSERT INTO fhir_outbound_new
        (id, kind, appointment, item, patient_key, created_at, attempts, next_try_at, state,
         last_error, done_at)
    SELECT id, kind, appointment, intake, patient_key, created_at, attempts, next_try_at, state,
           last_error, done_at
    FROM fhir_outbound;
    DROP TABLE fhir_outbound;
    ALTER TABLE fhir_outbound_new RENAME TO fhir_outbound;
    CREATE INDEX fhir_outbound_waiting ON fhir_outbound (patient_key, id) WHERE state = 'pending';
    CREATE INDEX fhir_outbound_by_item ON fhir_outbound (kind, item) WHERE item IS NOT NULL;
";

/// Who a queued row is about, for ordering: the practice's patient number, else the
/// server's patient, else the appointment (`a`: the appointment row).
const PATIENT_KEY: &str = "coalesce(a.patient_id, a.fhir_patient, 'appointment:' || a.external_id)";

/// What a queued row writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FhirKind {
    /// The patient's `Patient` (update, or create when the server has none yet).
    Patient,
    /// `Appointment.status = arrived`.
    Arrived,
    /// A new `Encounter` for the visit.
    Encounter,
    /// The patient's answers to a questionnaire (`FhirItem::item`: the response's id).
    QuestionnaireResponse,
    /// One of the patient's plans, their self-pay, or the cancellation of either
    /// (`FhirItem::item`: a [`CoverageWrite`]).
    Coverage,
    /// A document the patient signed (`FhirItem::item`: the signature's id).
    Consent,
}

impl FhirKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Patient => "patient",
            Self::Arrived => "arrived",
            Self::Encounter => "encounter",
            Self::QuestionnaireResponse => "questionnaire_response",
            Self::Coverage => "coverage",
            Self::Consent => "consent",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "patient" => Self::Patient,
            "arrived" => Self::Arrived,
            "encounter" => Self::Encounter,
            "questionnaire_response" => Self::QuestionnaireResponse,
            "coverage" => Self::Coverage,
            "consent" => Self::Consent,
            _ => return None,
        })
    }
}

/// Which writes check-ins and accepted registrations queue (from `[fhir] write`; all off
/// without a server).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FhirWrites {
    pub patient: bool,
    pub arrived: bool,
    pub encounter: bool,
    pub questionnaire_response: bool,
    pub coverage: bool,
    pub consent: bool,
}

/// A queued write due for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FhirItem {
    pub row: i64,
    pub kind: FhirKind,
    pub appointment: AppointmentId,
    pub attempts: u32,
    /// What the write sends beside the visit: the intake response of a
    /// `QuestionnaireResponse`, a [`CoverageWrite`] of a `Coverage`, the signature of a
    /// `Consent`.
    pub item: Option<String>,
}

/// Which `Coverage` one answer of the patient's makes: a plan, or self-pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoveragePart {
    Plan(CoverageRank),
    SelfPay,
}

impl CoveragePart {
    fn as_str(self) -> &'static str {
        match self {
            Self::Plan(rank) => rank.as_str(),
            Self::SelfPay => "self_pay",
        }
    }
}

/// What a `coverage` row writes (its `FhirItem::item`): the `Coverage` of `part` of
/// coverage answer `answer` (`answer:primary`, `answer:secondary`, `answer:self_pay`),
/// active; or, with `cancel`, that same resource cancelled because a newer answer at the
/// same visit replaced it (`cancel:` before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoverageWrite {
    pub answer: CoverageSubmissionId,
    pub part: CoveragePart,
    pub cancel: bool,
}

impl CoverageWrite {
    const CANCEL: &'static str = "cancel:";

    /// Reads a row's item; `None` for anything else.
    pub fn parse(item: &str) -> Option<Self> {
        let (cancel, line) = match item.strip_prefix(Self::CANCEL) {
            Some(line) => (true, line),
            None => (false, item),
        };
        let (answer, part) = line.split_once(':')?;
        let part = match part {
            "self_pay" => CoveragePart::SelfPay,
            rank => CoveragePart::Plan(CoverageRank::parse(rank)?),
        };
        Some(Self {
            answer: CoverageSubmissionId::parse(answer)?,
            part,
            cancel,
        })
    }

    /// The resource's id at the server, the same for the write and its cancellation:
    /// `{answer}-primary`, `{answer}-secondary` or `{answer}-self-pay`.
    pub fn fhir_id(&self) -> FhirId {
        let part = match self.part {
            CoveragePart::Plan(rank) => rank.as_str(),
            CoveragePart::SelfPay => "self-pay",
        };
        FhirId::new(&format!("{}-{part}", self.answer))
            .expect("a UUID and a part name make a FHIR id")
    }
}

impl std::fmt::Display for CoverageWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.cancel {
            f.write_str(Self::CANCEL)?;
        }
        write!(f, "{}:{}", self.answer, self.part.as_str())
    }
}

/// What a write is built from. PHI.
#[derive(Clone)]
pub struct FhirVisit {
    pub appointment: Appointment,
    pub contact: ContactOnFile,
    pub patient_number: Option<String>,
    pub fhir_appointment: Option<FhirId>,
    pub fhir_patient: Option<FhirId>,
    pub arrived_at: Option<Timestamp>,
}

/// The queue at a glance, for the staff page.
pub type FhirSummary = QueueSummary;

/// An appointment of the day's pull, with the server's ids.
#[derive(Debug, Clone)]
pub struct PulledAppointment {
    pub appointment: NewAppointment,
    pub fhir_appointment: FhirId,
    pub fhir_patient: FhirId,
}

/// What storing a pull came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullStored {
    /// Appointments added or updated.
    pub stored: usize,
    /// Appointments pulled earlier that the server no longer lists (or cancelled).
    pub removed: usize,
}

/// Queues the writes `writes` asks for after a check-in (or an accepted registration:
/// `new_patient`) of appointment `handle`, patient first. Each only where it can be
/// written: an arrival needs the server's appointment; a patient update on a check-in
/// needs the server's patient or the practice's patient number (a new patient is
/// created). One row of a kind waiting for an appointment covers a second.
pub(super) fn enqueue_in(
    tx: &Connection,
    writes: FhirWrites,
    handle: i64,
    new_patient: bool,
    now: Timestamp,
) -> Result<(), StoreError> {
    let wanted = [
        (FhirKind::Patient, writes.patient),
        (FhirKind::Arrived, writes.arrived && !new_patient),
        (FhirKind::Encounter, writes.encounter && !new_patient),
    ];
    for (kind, on) in wanted {
        if !on {
            continue;
        }
        let condition = match kind {
            FhirKind::Patient if new_patient => "TRUE",
            FhirKind::Patient => "(a.fhir_patient IS NOT NULL OR a.patient_id IS NOT NULL)",
            FhirKind::Arrived | FhirKind::Encounter => "a.fhir_appointment IS NOT NULL",
            FhirKind::QuestionnaireResponse | FhirKind::Coverage | FhirKind::Consent => continue,
        };
        tx.prepare_cached(&format!(
            "INSERT INTO fhir_outbound
               (kind, appointment, patient_key, created_at, next_try_at, state)
             SELECT ?1, a.handle, {PATIENT_KEY}, ?3, ?3, 'pending'
             FROM appointments a WHERE a.handle = ?2 AND {condition}
               AND NOT EXISTS (SELECT 1 FROM fhir_outbound o WHERE o.appointment = ?2
                               AND o.kind = ?1 AND o.state = 'pending' AND o.attempts = 0)"
        ))?
        .execute(params![kind.as_str(), handle, ts(now)])?;
    }
    enqueue_signed_in(tx, writes, handle, now)
}

/// Queues what the patient of appointment `handle` gave at this visit and the server has
/// not been sent: the plans of the newest coverage answer (`Coverage`, primary first) or
/// its self-pay, then the cancellation of every `Coverage` an older answer at this visit
/// wrote, and every signed consent (`Consent`, in the order signed), given for the
/// appointment or for the registration it was made from. Only once the patient has checked
/// in, and only when the server can know the patient (by id, by number, or by a `Patient`
/// write queued for this visit before them). Called at check-in, and again whenever an
/// answer or a signature arrives after it; each plan of an answer, each cancellation and
/// each signature is queued once ever (see [`CoverageWrite`] for the items).
pub(super) fn enqueue_signed_in(
    tx: &Connection,
    writes: FhirWrites,
    handle: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    const VISIT: &str = "a.handle = ?1
        AND EXISTS (SELECT 1 FROM checkins c WHERE c.appointment = a.handle)
        AND (a.fhir_patient IS NOT NULL OR a.patient_id IS NOT NULL
             OR EXISTS (SELECT 1 FROM fhir_outbound p WHERE p.appointment = a.handle
                        AND p.kind = 'patient'))";
    const OF_VISIT: &str = "(x.appointment = a.handle OR x.registration IN
        (SELECT r.id FROM registrations r WHERE r.appointment = a.handle))";
    if writes.coverage {
        let newest = format!(
            "(SELECT x.id FROM coverage_answers x WHERE {OF_VISIT}
              ORDER BY x.received_at DESC, x.rowid DESC LIMIT 1)"
        );
        // The newest answer's plans, or its self-pay (CoverageWrite's item forms).
        tx.prepare_cached(&format!(
            "INSERT INTO fhir_outbound
               (kind, appointment, item, patient_key, created_at, next_try_at, state)
             SELECT 'coverage', a.handle, w.item, {PATIENT_KEY}, ?2, ?2, 'pending'
             FROM appointments a JOIN (
                 SELECT i.answer || ':' || i.rank AS item, i.answer, i.rank AS part
                 FROM coverage_items i
                 UNION ALL
                 SELECT x.id || ':self_pay', x.id, 'self_pay'
                 FROM coverage_answers x WHERE x.answer = 'self_pay') w
               ON w.answer = {newest}
             WHERE {VISIT}
               AND NOT EXISTS (SELECT 1 FROM fhir_outbound o WHERE o.kind = 'coverage'
                               AND o.item = w.item)
             ORDER BY w.part"
        ))?
        .execute(params![handle, ts(now)])?;
        // What older answers at this visit wrote (or are writing) is cancelled at the
        // server after it, each once; what the server refused is not there to cancel.
        tx.prepare_cached(&format!(
            "INSERT INTO fhir_outbound
               (kind, appointment, item, patient_key, created_at, next_try_at, state)
             SELECT 'coverage', a.handle, 'cancel:' || o.item, {PATIENT_KEY}, ?2, ?2, 'pending'
             FROM appointments a JOIN fhir_outbound o ON o.appointment = a.handle
             WHERE {VISIT}
               AND o.kind = 'coverage' AND o.state IN ('pending', 'delivered')
               AND o.item NOT LIKE 'cancel:%'
               AND substr(o.item, 1, instr(o.item, ':') - 1) <> {newest}
               AND NOT EXISTS (SELECT 1 FROM fhir_outbound c WHERE c.kind = 'coverage'
                               AND c.item = 'cancel:' || o.item)
             ORDER BY o.id"
        ))?
        .execute(params![handle, ts(now)])?;
    }
    if writes.consent {
        tx.prepare_cached(&format!(
            "INSERT INTO fhir_outbound
               (kind, appointment, item, patient_key, created_at, next_try_at, state)
             SELECT 'consent', a.handle, x.id, {PATIENT_KEY}, ?2, ?2, 'pending'
             FROM appointments a JOIN consents x ON {OF_VISIT}
             WHERE {VISIT}
               AND NOT EXISTS (SELECT 1 FROM fhir_outbound o WHERE o.kind = 'consent'
                               AND o.item = x.id)
             ORDER BY x.signed_at, x.rowid"
        ))?
        .execute(params![handle, ts(now)])?;
    }
    Ok(())
}

/// [`enqueue_signed_in`] for the visit a coverage answer or a signature was given for
/// (`appointment`, or `registration` once it was taken into an appointment).
pub(super) fn enqueue_signed_for_subject_in(
    tx: &Connection,
    writes: FhirWrites,
    appointment: Option<i64>,
    registration: Option<&str>,
    now: Timestamp,
) -> Result<(), StoreError> {
    if !(writes.coverage || writes.consent) {
        return Ok(());
    }
    let handle = match (appointment, registration) {
        (Some(handle), _) => Some(handle),
        (None, Some(registration)) => tx
            .prepare_cached("SELECT appointment FROM registrations WHERE id = ?1")?
            .query_row([registration], |row| row.get::<_, Option<i64>>(0))
            .optional()?
            .flatten(),
        (None, None) => None,
    };
    match handle {
        Some(handle) => enqueue_signed_in(tx, writes, handle, now),
        None => Ok(()),
    }
}

/// Queues a `Patient` write for appointment `handle` after staff approved a change of
/// the patient's contact details (when `writes` asks for Patient writes and the server
/// can know the patient); one still unsent covers it.
pub(super) fn enqueue_patient_update_in(
    tx: &Connection,
    writes: FhirWrites,
    handle: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    let patient_only = FhirWrites {
        patient: writes.patient,
        ..FhirWrites::default()
    };
    enqueue_in(tx, patient_only, handle, false, now)
}

/// Queues the `QuestionnaireResponse` of intake response `intake` about appointment
/// `handle`, when `writes` asks for it and the server can know the patient (by id, or by
/// number once the patient write before it has created them).
pub(super) fn enqueue_intake_in(
    tx: &Connection,
    writes: FhirWrites,
    handle: i64,
    intake: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    if !writes.questionnaire_response {
        return Ok(());
    }
    tx.prepare_cached(&format!(
        "INSERT INTO fhir_outbound
           (kind, appointment, item, patient_key, created_at, next_try_at, state)
         SELECT 'questionnaire_response', a.handle, ?2, {PATIENT_KEY}, ?3, ?3, 'pending'
         FROM appointments a WHERE a.handle = ?1
           AND (a.fhir_patient IS NOT NULL OR a.patient_id IS NOT NULL)"
    ))?
    .execute(params![handle, intake, ts(now)])?;
    Ok(())
}

impl OfficeStore {
    /// Sets what check-ins queue for the FHIR server (`[fhir]`).
    pub fn set_fhir_writes(&mut self, writes: FhirWrites) {
        self.fhir_writes = writes;
    }

    /// Stores the day's pull in one transaction: adds or updates every appointment given
    /// (keeping the handles of those known), and removes the appointments on `day` pulled
    /// earlier that this pull no longer lists, unless the patient has checked in. A
    /// removal is audited like a cancellation.
    pub fn import_fhir_day(
        &mut self,
        day: Date,
        list: &[PulledAppointment],
        now: Timestamp,
    ) -> Result<PullStored, StoreError> {
        let tx = self.conn.transaction()?;
        // Contact details the server has not been sent yet (a patient's correction at the
        // kiosk, approved by staff, or the details a check-in's Patient write carries) win
        // over the server's until that write is delivered: then the server holds them,
        // and what it says after (staff editing the chart) is the newer word again.
        let unsent: std::collections::HashSet<String> = tx
            .prepare_cached(
                "SELECT a.external_id FROM appointments a JOIN fhir_outbound o
                   ON o.appointment = a.handle
                 WHERE o.kind = 'patient' AND o.state = 'pending'",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        let plain: Vec<NewAppointment> = list
            .iter()
            .map(|p| {
                let mut appointment = p.appointment.clone();
                if unsent.contains(&appointment.external_id) {
                    appointment.contact = None;
                }
                appointment
            })
            .collect();
        super::upsert_appointments_in(&tx, &plain, || {
            getrandom::u64().map_err(StoreError::Random)
        })?;
        tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS fhir_pulled (external_id TEXT PRIMARY KEY); DELETE FROM fhir_pulled;")?;
        for p in list {
            tx.prepare_cached(
                "UPDATE appointments SET fhir_appointment = ?2, fhir_patient = ?3
                 WHERE external_id = ?1",
            )?
            .execute(params![
                p.appointment.external_id,
                p.fhir_appointment.as_str(),
                p.fhir_patient.as_str()
            ])?;
            tx.prepare_cached(
                "INSERT INTO fhir_pulled (external_id) VALUES (?1) ON CONFLICT DO NOTHING",
            )?
            .execute([&p.appointment.external_id])?;
        }
        let gone: Vec<i64> = tx
            .prepare(
                "SELECT a.handle FROM appointments a
                 WHERE a.day = ?1 AND a.fhir_appointment IS NOT NULL
                   AND a.external_id NOT IN (SELECT external_id FROM fhir_pulled)
                   AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.appointment = a.handle)",
            )?
            .query_map([day.to_string()], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        for handle in &gone {
            tx.execute("DELETE FROM appointments WHERE handle = ?1", [handle])?;
            audit_in(
                &tx,
                now,
                &Actor::System.into(),
                AuditAction::AppointmentCancel,
                &handle.cast_unsigned().to_string(),
            )?;
        }
        tx.execute("DELETE FROM fhir_pulled", [])?;
        tx.commit()?;
        Ok(PullStored {
            stored: list.len(),
            removed: gone.len(),
        })
    }

    /// The oldest waiting write due by `now` whose patient has no earlier write waiting.
    pub fn next_fhir_outbound(&self, now: Timestamp) -> Result<Option<FhirItem>, StoreError> {
        let row = self
            .conn
            .prepare_cached(&format!(
                "SELECT o.id, o.kind, o.appointment, o.attempts, o.item
                 FROM fhir_outbound o WHERE {} ORDER BY o.id LIMIT 1",
                Queue::Fhir.due_where()
            ))?
            .query_row([ts(now)], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, Option<String>>(4)?,
                ))
            })
            .optional()?;
        row.map(|(row, kind, appointment, attempts, item)| {
            Ok(FhirItem {
                row,
                kind: FhirKind::parse(&kind).ok_or(StoreError::Corrupt("fhir write kind"))?,
                appointment: AppointmentId::new(appointment.cast_unsigned()),
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                item,
            })
        })
        .transpose()
    }

    /// When the next write [`Self::next_fhir_outbound`] can give is due, if any waits.
    pub fn next_fhir_due(&self) -> Result<Option<Timestamp>, StoreError> {
        outbound_queue::next_due(&self.conn, Queue::Fhir)
    }

    /// What a write for `appointment` is built from; `None` if it is no longer on file.
    /// The read is audited with the attempt's outcome (one disk flush per write).
    pub fn fhir_visit(&self, appointment: AppointmentId) -> Result<Option<FhirVisit>, StoreError> {
        let Some(found) = self.appointment(appointment)? else {
            return Ok(None);
        };
        let Some((_, contact)) = self.contact_on_file(appointment)? else {
            return Ok(None);
        };
        let handle = appointment.get().cast_signed();
        let (patient_number, fhir_appointment, fhir_patient): (
            Option<String>,
            Option<String>,
            Option<String>,
        ) = self.conn.query_row(
            "SELECT patient_id, fhir_appointment, fhir_patient FROM appointments
             WHERE handle = ?1",
            [handle],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        let arrived_at: Option<String> = self
            .conn
            .query_row(
                "SELECT arrived_at FROM checkins WHERE appointment = ?1",
                [handle],
                |row| row.get(0),
            )
            .optional()?;
        let id = |text: Option<String>| {
            text.map(|t| FhirId::new(&t).ok_or(StoreError::Corrupt("fhir id")))
                .transpose()
        };
        Ok(Some(FhirVisit {
            appointment: found,
            contact,
            patient_number,
            fhir_appointment: id(fhir_appointment)?,
            fhir_patient: id(fhir_patient)?,
            arrived_at: arrived_at
                .map(|at| parse(&at, "arrival time"))
                .transpose()?,
        }))
    }

    /// The plan `rank` of coverage answer `answer` (a `Coverage` write's item), `None`
    /// once it is no longer on file. Its read is audited with the write.
    pub fn fhir_coverage(
        &self,
        answer: &str,
        rank: crate::domain::CoverageRank,
    ) -> Result<Option<crate::domain::Coverage>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT coverage FROM coverage_items WHERE answer = ?1 AND rank = ?2",
                params![answer, rank.as_str()],
                |row| row.get(0),
            )
            .optional()?;
        json.map(|json| serde_json::from_str(&json).map_err(|_| StoreError::Corrupt("coverage")))
            .transpose()
    }

    /// The server took the write. `created`: the id of the `Patient` it created, kept
    /// for this appointment and every other of the same patient number without one.
    pub fn fhir_delivered(
        &mut self,
        row: i64,
        created: Option<&FhirId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        outbound_queue::settle_in(&tx, Queue::Fhir, row, Settle::Delivered, now)?;
        if let Some(created) = created {
            tx.execute(
                "UPDATE appointments SET fhir_patient = ?2
                 WHERE handle = (SELECT appointment FROM fhir_outbound WHERE id = ?1)
                    OR (fhir_patient IS NULL AND patient_id IS NOT NULL AND patient_id =
                        (SELECT a.patient_id FROM appointments a JOIN fhir_outbound o
                           ON o.appointment = a.handle WHERE o.id = ?1))",
                params![row, created.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The server refused the write (or it cannot be built): it is not sent again.
    /// `reason` carries no PHI.
    pub fn fhir_failed(
        &mut self,
        row: i64,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.settle(Queue::Fhir, row, Settle::Failed { reason }, now)
    }

    /// The write did not get through: try again at `next_try`.
    pub fn fhir_retry(
        &mut self,
        row: i64,
        reason: &str,
        next_try: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.settle(Queue::Fhir, row, Settle::Retry { reason, next_try }, now)
    }

    /// The queue at a glance.
    pub fn fhir_summary(&self) -> Result<FhirSummary, StoreError> {
        outbound_queue::summary(&self.conn, Queue::Fhir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::CheckInSubmission;
    use crate::domain::{CheckInId, ClinicId, KioskId, PersonName};
    use crate::office::appointments::PatientNumber;
    use jiff::civil::Time;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    fn day() -> Date {
        "2026-11-23".parse().unwrap()
    }

    fn pulled(id: &str, patient: &str, time: Time) -> PulledAppointment {
        PulledAppointment {
            appointment: NewAppointment {
                external_id: id.into(),
                day: day(),
                starts_at: time,
                patient: PersonName::new("Ada", "Testfhir").unwrap(),
                provider: "Dr. Demo Able".into(),
                copay: crate::domain::Cents::ZERO,
                balance: crate::domain::Cents::ZERO,
                date_of_birth: None,
                contact: Some(ContactOnFile::default()),
                patient_id: PatientNumber::new(&format!("MRN-{patient}")),
                reminders: Default::default(),
            },
            fhir_appointment: FhirId::new(id).unwrap(),
            fhir_patient: FhirId::new(patient).unwrap(),
        }
    }

    fn listed(store: &OfficeStore) -> Vec<(String, Time)> {
        store
            .appointments_on(day())
            .unwrap()
            .into_iter()
            .map(|a| (a.external_id, a.starts_at))
            .collect()
    }

    fn handle(store: &OfficeStore, id: &str) -> AppointmentId {
        store
            .appointments_on(day())
            .unwrap()
            .into_iter()
            .find(|a| a.external_id == id)
            .unwrap()
            .id
    }

    fn check_in(store: &mut OfficeStore, id: &str, now: Timestamp) {
        let submission = CheckInSubmission {
            id: CheckInId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment: handle(store, id),
            arrived_at: now,
        };
        store
            .record_check_ins(&[(&submission, &KioskId::new("lobby-1").unwrap())], now)
            .unwrap();
    }

    #[test]
    fn a_coverage_item_reads_back_what_it_was_written_as() {
        let answer = CoverageSubmissionId::random();
        for (part, name) in [
            (CoveragePart::Plan(CoverageRank::Primary), "primary"),
            (CoveragePart::Plan(CoverageRank::Secondary), "secondary"),
            (CoveragePart::SelfPay, "self-pay"),
        ] {
            for cancel in [false, true] {
                let write = CoverageWrite {
                    answer,
                    part,
                    cancel,
                };
                assert_eq!(CoverageWrite::parse(&write.to_string()), Some(write));
                assert_eq!(write.fhir_id().as_str(), format!("{answer}-{name}"));
            }
        }
        assert!(CoverageWrite::parse(&format!("{answer}:primary")).is_some());
        assert!(CoverageWrite::parse(&format!("cancel:{answer}:self_pay")).is_some());
        for bad in [
            String::new(),
            "cancel:".into(),
            format!("{answer}"),
            format!("{answer}:tertiary"),
            format!("{answer}:self-pay"),
            format!("cancel:cancel:{answer}:primary"),
            "not-a-uuid:primary".into(),
        ] {
            assert_eq!(CoverageWrite::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_pull_is_idempotent_moves_and_drops_but_keeps_who_is_here() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let nine = Time::constant(9, 0, 0, 0);
        let ten = Time::constant(10, 0, 0, 0);
        let day_list = [
            pulled("a-1", "p-1", nine),
            pulled("a-2", "p-2", nine),
            pulled("a-3", "p-3", nine),
        ];
        store.import_fhir_day(day(), &day_list, at(0)).unwrap();
        let first = handle(&store, "a-1");
        store.import_fhir_day(day(), &day_list, at(1)).unwrap();
        assert_eq!(listed(&store).len(), 3);
        check_in(&mut store, "a-3", at(2));
        // a-1 moved to ten, a-2 and a-3 gone from the server's list: a-2 leaves ours,
        // a-3 stays (the patient is here).
        let stored = store
            .import_fhir_day(day(), &[pulled("a-1", "p-1", ten)], at(3))
            .unwrap();
        assert_eq!(
            stored,
            PullStored {
                stored: 1,
                removed: 1
            }
        );
        assert_eq!(
            listed(&store),
            [("a-3".to_owned(), nine), ("a-1".to_owned(), ten)]
        );
        assert_eq!(handle(&store, "a-1"), first);
    }

    #[test]
    fn check_ins_queue_patient_then_arrival_in_order_per_patient() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let nine = Time::constant(9, 0, 0, 0);
        store
            .import_fhir_day(
                day(),
                &[pulled("a-1", "p-1", nine), pulled("a-2", "p-2", nine)],
                at(0),
            )
            .unwrap();
        check_in(&mut store, "a-1", at(1));
        assert_eq!(store.fhir_summary().unwrap(), FhirSummary::default());
        store.set_fhir_writes(FhirWrites {
            patient: true,
            arrived: true,
            ..FhirWrites::default()
        });
        check_in(&mut store, "a-2", at(2));
        let summary = store.fhir_summary().unwrap();
        assert_eq!((summary.waiting, summary.oldest_waiting), (2, Some(at(2))));
        let first = store.next_fhir_outbound(at(3)).unwrap().unwrap();
        assert_eq!(first.kind, FhirKind::Patient);
        store
            .fhir_retry(first.row, "server down", at(60), at(3))
            .unwrap();
        // The arrival waits behind its patient's write.
        assert_eq!(store.next_fhir_outbound(at(4)).unwrap(), None);
        assert_eq!(store.next_fhir_due().unwrap(), Some(at(60)));
        let again = store.next_fhir_outbound(at(60)).unwrap().unwrap();
        assert_eq!((again.row, again.attempts), (first.row, 1));
        store.fhir_delivered(again.row, None, at(61)).unwrap();
        let arrival = store.next_fhir_outbound(at(62)).unwrap().unwrap();
        assert_eq!(arrival.kind, FhirKind::Arrived);
        let visit = store.fhir_visit(arrival.appointment).unwrap().unwrap();
        assert_eq!(visit.fhir_appointment.unwrap().as_str(), "a-2");
        assert_eq!(visit.fhir_patient.unwrap().as_str(), "p-2");
        assert_eq!(visit.arrived_at, Some(at(2)));
        store
            .fhir_failed(arrival.row, "server answered 422", at(63))
            .unwrap();
        let summary = store.fhir_summary().unwrap();
        assert_eq!(
            (summary.waiting, summary.delivered, summary.failed),
            (0, 1, 1)
        );
        let sends = store
            .audit_log(100)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "fhir.send")
            .count();
        assert_eq!(sends, 3);
    }

    #[test]
    fn a_pull_keeps_contact_details_the_server_has_not_been_sent() {
        use crate::api::DetailsChangeSubmission;
        use crate::domain::{ChangeSource, ContactField, DetailsChangeId, FieldChange};
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store.set_fhir_writes(FhirWrites {
            patient: true,
            arrived: true,
            ..FhirWrites::default()
        });
        let with_phone = |phone: &str| {
            let mut p = pulled("a-1", "p-1", Time::constant(9, 0, 0, 0));
            let mut contact = ContactOnFile::default();
            contact.set(ContactField::Phone, phone).unwrap();
            p.appointment.contact = Some(contact);
            p
        };
        let phone = |store: &OfficeStore| {
            let (_, contact) = store
                .contact_on_file(handle(store, "a-1"))
                .unwrap()
                .unwrap();
            contact.get(ContactField::Phone).unwrap().to_owned()
        };
        let deliver_all = |store: &mut OfficeStore, now| {
            while let Some(item) = store.next_fhir_outbound(now).unwrap() {
                store.fhir_delivered(item.row, None, now).unwrap();
            }
        };
        store
            .import_fhir_day(day(), &[with_phone("(217) 555-0100")], at(0))
            .unwrap();
        check_in(&mut store, "a-1", at(1));
        deliver_all(&mut store, at(2));

        // At the kiosk the patient corrects the phone; staff approve it: a Patient write
        // is queued to tell the server.
        let request = DetailsChangeSubmission {
            id: DetailsChangeId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment: handle(&store, "a-1"),
            submitted_at: at(3),
            changes: vec![
                FieldChange::new(
                    ContactField::Phone,
                    "(217) 555-0199",
                    ChangeSource::TypedAtKiosk,
                )
                .unwrap(),
            ],
            unchecked_offline: false,
        };
        let lobby = KioskId::new("lobby-1").unwrap();
        store
            .record_details_change(&request, &lobby, at(3))
            .unwrap();
        store
            .decide_field(
                request.id,
                ContactField::Phone,
                crate::office::store::FieldDecision::Approved,
                Actor::Staff("front-desk".into()),
                at(4),
            )
            .unwrap();
        assert_eq!(store.fhir_summary().unwrap().waiting, 1);

        // A pull before that write is delivered brings the old number: ours stays.
        store
            .import_fhir_day(day(), &[with_phone("(217) 555-0100")], at(5))
            .unwrap();
        assert_eq!(phone(&store), "(217) 555-0199");
        // Once delivered, the server holds it; a later change there (staff editing the
        // chart) is the newer word and is taken.
        deliver_all(&mut store, at(6));
        store
            .import_fhir_day(day(), &[with_phone("(217) 555-0142")], at(7))
            .unwrap();
        assert_eq!(phone(&store), "(217) 555-0142");
    }
}

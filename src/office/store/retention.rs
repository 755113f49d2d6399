//! Retention on the office database: which check-ins' PHI is due for removal, and the
//! removal itself, one check-in per transaction with its audit entry.
//!
//! What goes and what stays, table by table, is in README ("Retention"). In short: intake
//! answers and card photo images are deleted; consent signatures are emptied (the consent
//! row stays, so a signed version still counts at the next visit); a registration's
//! details and a closed details change's values are emptied; the check-in row, ids,
//! statuses, coverage, payments and the audit log stay. The check-in is stamped
//! `phi_removed_at`, so the staff page can say "removed under the retention policy"
//! instead of failing.

use super::db::{Connection, OptionalExtension, params};
use super::{Actor, OfficeStore, StoreError, audit_in, parse, ts};
use crate::api::FormSubject;
use crate::office::audit::AuditAction;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// The migration step: when a check-in's PHI was removed (NULL: still here).
pub(super) const MIGRATION: &str = "
    ALTER TABLE checkins ADD COLUMN phi_removed_at TEXT;
    CREATE INDEX checkins_phi_kept ON checkins (appointment) WHERE phi_removed_at IS NULL;
";

/// Which check-ins are due, worked out by the caller from `now`, the clinic's zone and
/// the configured number of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeDue {
    /// With an EHR interface: a check-in whose ADT messages were all acknowledged at or
    /// before this instant is due (one with a message waiting or failed is kept).
    pub delivered_by: Timestamp,
    /// Otherwise (no interface, or nothing was ever queued for it): a check-in whose
    /// appointment is on or before this day is due...
    pub visit_on_or_before: Date,
    /// ...or, its appointment gone, one that arrived before this instant (the start of
    /// the day after `visit_on_or_before` in the clinic's zone).
    pub arrived_before: Timestamp,
    /// Whether an EHR interface is configured (`[hl7] peer`).
    pub ehr: bool,
}

impl PurgeDue {
    /// What is due at `now` when PHI is kept `days` days, for a clinic in `zone`: `None`
    /// only at the ends of the calendar.
    pub fn at(now: Timestamp, days: u16, zone: &TimeZone, ehr: bool) -> Option<Self> {
        let span = i64::from(days).days();
        let today = now.to_zoned(zone.clone()).date();
        let visit_on_or_before = today.checked_sub(span).ok()?;
        let arrived_before = visit_on_or_before
            .tomorrow()
            .ok()?
            .to_zoned(zone.clone())
            .ok()?
            .timestamp();
        let delivered_by = now.checked_sub((24 * i64::from(days)).hours()).ok()?;
        Some(Self {
            delivered_by,
            visit_on_or_before,
            arrived_before,
            ehr,
        })
    }
}

/// What one run removed: the figure the hub logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Check-ins whose PHI was removed.
    pub check_ins: u64,
    /// Appointments and registrations whose check-in never arrived (the patient left
    /// after answering, a registration nobody checked in) whose PHI was removed.
    pub unarrived: u64,
    /// Rows deleted or emptied, across every table.
    pub rows: u64,
}

/// What PHI can belong to without a check-in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unarrived {
    /// An appointment handle, as the tables other than `intake_responses` hold it.
    Appointment(i64),
    Registration(String),
}

impl OfficeStore {
    /// Removes the PHI of every check-in `due` names, one check-in per transaction with a
    /// `retention.purge` audit entry (subject: the check-in id). A check-in with an intake
    /// alert nobody has acknowledged yet is kept: staff still need it.
    pub fn purge_due(&mut self, due: &PurgeDue, now: Timestamp) -> Result<Purged, StoreError> {
        let ids = self.due_check_ins(due)?;
        let mut purged = Purged::default();
        for (id, appointment) in ids {
            if has_open_alert(&self.conn, appointment)? {
                continue;
            }
            let tx = self.conn.transaction()?;
            let rows = purge_check_in(&tx, appointment)?;
            tx.execute(
                "UPDATE checkins SET phi_removed_at = ?2 WHERE id = ?1",
                params![id, ts(now)],
            )?;
            audit_in(
                &tx,
                now,
                &Actor::System.into(),
                AuditAction::RetentionPurge,
                &id,
            )?;
            tx.commit()?;
            purged.check_ins += 1;
            purged.rows += rows;
        }
        for subject in self.due_unarrived(due)? {
            let tx = self.conn.transaction()?;
            let rows = purge_unarrived(&tx, &subject)?;
            let audit_subject = match &subject {
                Unarrived::Appointment(handle) => subject_text(*handle),
                Unarrived::Registration(id) => id.clone(),
            };
            audit_in(
                &tx,
                now,
                &Actor::System.into(),
                AuditAction::RetentionPurgeUnarrived,
                &audit_subject,
            )?;
            tx.commit()?;
            purged.unarrived += 1;
            purged.rows += rows;
        }
        Ok(purged)
    }

    /// Appointments and registrations holding PHI that arrived before
    /// `due.arrived_before` but whose check-in never did: the appointment's day is past
    /// the kept days (or it is gone), the registration is no longer pending (staff
    /// decided it) and became no checked-in appointment. Those with an intake alert
    /// nobody acknowledged are kept.
    fn due_unarrived(&self, due: &PurgeDue) -> Result<Vec<Unarrived>, StoreError> {
        let cutoff = ts(due.arrived_before);
        let mut found = std::collections::BTreeSet::new();
        let mut intake = self.conn.prepare_cached(
            "SELECT subject_kind, subject FROM intake_responses WHERE received_at < ?1",
        )?;
        for row in intake.query_map([&cutoff], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })? {
            let (kind, subject) = row?;
            if kind == "registration" {
                found.insert(Unarrived::Registration(subject));
            } else if let Ok(handle) = subject.parse::<u64>() {
                found.insert(Unarrived::Appointment(handle.cast_signed()));
            }
        }
        for table in [
            "card_photos WHERE length(jpeg) > 0",
            "consents WHERE signature <> ''",
        ] {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT appointment, registration FROM {table} AND received_at < ?1"
            ))?;
            for row in stmt.query_map([&cutoff], |row| {
                Ok((
                    row.get::<_, Option<i64>>(0)?,
                    row.get::<_, Option<String>>(1)?,
                ))
            })? {
                match row? {
                    (Some(handle), _) => found.insert(Unarrived::Appointment(handle)),
                    (None, Some(id)) => found.insert(Unarrived::Registration(id)),
                    (None, None) => false,
                };
            }
        }
        let day = due.visit_on_or_before.to_string();
        let mut due_now = Vec::new();
        for subject in found {
            let (unarrived, alert) = match &subject {
                Unarrived::Appointment(handle) => (
                    self.conn
                        .prepare_cached(
                            "SELECT NOT EXISTS (SELECT 1 FROM checkins WHERE appointment = ?1)
                            AND NOT EXISTS (SELECT 1 FROM appointments
                                            WHERE handle = ?1 AND day > ?2)",
                        )?
                        .query_row(params![handle, day], |row| row.get::<_, bool>(0))?,
                    open_alert_of(&self.conn, "appointment", &subject_text(*handle))?,
                ),
                Unarrived::Registration(id) => (
                    self.conn
                        .prepare_cached(
                            "SELECT NOT EXISTS (SELECT 1 FROM registrations r
                            WHERE r.id = ?1 AND (r.status = 'pending' OR EXISTS
                              (SELECT 1 FROM checkins c WHERE c.appointment = r.appointment)))",
                        )?
                        .query_row([id], |row| row.get::<_, bool>(0))?,
                    open_alert_of(&self.conn, "registration", id)?,
                ),
            };
            if unarrived && !alert {
                due_now.push(subject);
            }
        }
        Ok(due_now)
    }

    /// The due check-ins' ids and appointment handles, oldest first.
    fn due_check_ins(&self, due: &PurgeDue) -> Result<Vec<(String, i64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.appointment FROM checkins c
             LEFT JOIN appointments a ON a.handle = c.appointment
             WHERE c.phi_removed_at IS NULL
               AND CASE
                 WHEN ?1 AND EXISTS (SELECT 1 FROM hl7_outbound o WHERE o.appointment = c.appointment)
                   THEN NOT EXISTS (SELECT 1 FROM hl7_outbound o
                                    WHERE o.appointment = c.appointment AND o.state <> 'delivered')
                        AND (SELECT max(o.done_at) FROM hl7_outbound o
                             WHERE o.appointment = c.appointment) <= ?2
                 WHEN a.day IS NOT NULL THEN a.day <= ?3
                 ELSE c.arrived_at < ?4
               END
             ORDER BY c.arrived_at, c.id",
        )?;
        let rows = stmt.query_map(
            params![
                due.ehr,
                ts(due.delivered_by),
                due.visit_on_or_before.to_string(),
                ts(due.arrived_before)
            ],
            |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)),
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// When the PHI of `subject`'s check-in was removed under the retention policy
    /// (`None`: it was not, or there is no check-in). A registration counts through the
    /// appointment it became.
    pub fn phi_removed_at(&self, subject: FormSubject) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<Option<String>> = match subject {
            FormSubject::Appointment(a) => self
                .conn
                .query_row(
                    "SELECT phi_removed_at FROM checkins WHERE appointment = ?1",
                    [a.get().cast_signed()],
                    |row| row.get(0),
                )
                .optional()?,
            FormSubject::Registration(r) => self
                .conn
                .query_row(
                    "SELECT c.phi_removed_at FROM checkins c
                     JOIN registrations r ON r.appointment = c.appointment WHERE r.id = ?1",
                    [r.to_string()],
                    |row| row.get(0),
                )
                .optional()?,
        };
        at.flatten()
            .map(|at| parse(&at, "removal time"))
            .transpose()
    }
}

/// How `intake_responses.subject` names an appointment: its handle as an unsigned number
/// (the columns elsewhere hold the same 64 bits signed).
fn subject_text(handle: i64) -> String {
    handle.cast_unsigned().to_string()
}

/// Whether an intake alert of the appointment `handle` (or of the registration it came
/// from) waits for a staff member's acknowledgement.
fn has_open_alert(conn: &Connection, handle: i64) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM intake_responses
               WHERE alert_questions IS NOT NULL AND alert_acknowledged_at IS NULL
                 AND ((subject_kind = 'appointment' AND subject = ?2)
                   OR (subject_kind = 'registration' AND subject IN
                       (SELECT id FROM registrations WHERE appointment = ?1))))",
        )?
        .query_row(params![handle, subject_text(handle)], |row| row.get(0))?)
}

/// Whether an intake alert of one subject waits for a staff member's acknowledgement.
fn open_alert_of(conn: &Connection, kind: &str, subject: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM intake_responses
               WHERE alert_questions IS NOT NULL AND alert_acknowledged_at IS NULL
                 AND subject_kind = ?1 AND subject = ?2)",
        )?
        .query_row(params![kind, subject], |row| row.get(0))?)
}

/// Removes the PHI held for an appointment or registration whose check-in never
/// arrived: its intake answers, card photo images and consent signatures, and a decided
/// registration's details; returns the rows deleted or emptied.
/// An emptied photo (an empty blob, which both databases take as bytes).
const NO_BYTES: &[u8] = &[];

fn purge_unarrived(tx: &Connection, subject: &Unarrived) -> Result<u64, StoreError> {
    let (kind, intake_subject, column) = match subject {
        Unarrived::Appointment(handle) => ("appointment", subject_text(*handle), "appointment"),
        Unarrived::Registration(id) => ("registration", id.clone(), "registration"),
    };
    let value: &dyn super::db::ToSql = match subject {
        Unarrived::Appointment(handle) => handle,
        Unarrived::Registration(id) => id,
    };
    let mut rows = tx.execute(
        "DELETE FROM intake_responses WHERE subject_kind = ?1 AND subject = ?2",
        params![kind, intake_subject],
    )?;
    rows += tx.execute(
        &format!("UPDATE card_photos SET jpeg = ?2 WHERE {column} = ?1 AND length(jpeg) > 0"),
        params![value, NO_BYTES],
    )?;
    rows += tx.execute(
        &format!("UPDATE consents SET signature = '' WHERE {column} = ?1 AND signature <> ''"),
        [value],
    )?;
    if let Unarrived::Registration(id) = subject {
        rows += tx.execute(
            "UPDATE registrations SET body = NULL
             WHERE id = ?1 AND status <> 'pending' AND body IS NOT NULL",
            [id],
        )?;
    }
    Ok(u64::try_from(rows).unwrap_or(u64::MAX))
}

/// Removes the PHI held for the appointment `handle` and the registrations it was made
/// from; returns the rows deleted or emptied.
fn purge_check_in(tx: &Connection, handle: i64) -> Result<u64, StoreError> {
    let mut rows = 0usize;
    // The appointment's own rows, and its registration's.
    let of_subject = "(appointment = ?1 OR registration IN
                       (SELECT id FROM registrations WHERE appointment = ?1))";
    rows += tx.execute(
        "DELETE FROM intake_responses
         WHERE (subject_kind = 'appointment' AND subject = ?2)
            OR (subject_kind = 'registration' AND subject IN
                (SELECT id FROM registrations WHERE appointment = ?1))",
        params![handle, subject_text(handle)],
    )?;
    rows += tx.execute(
        &format!("UPDATE card_photos SET jpeg = ?2 WHERE {of_subject} AND length(jpeg) > 0"),
        params![handle, NO_BYTES],
    )?;
    rows += tx.execute(
        &format!("UPDATE consents SET signature = '' WHERE {of_subject} AND signature <> ''"),
        [handle],
    )?;
    rows += tx.execute(
        "UPDATE registrations SET body = NULL WHERE appointment = ?1 AND body IS NOT NULL",
        [handle],
    )?;
    // Open changes stay: staff still decide them.
    rows += tx.execute(
        "UPDATE details_change_fields SET value = ''
         WHERE value <> '' AND change_id IN
           (SELECT id FROM details_changes WHERE appointment = ?1 AND closed_at IS NOT NULL)",
        [handle],
    )?;
    Ok(u64::try_from(rows).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::CheckInSubmission;
    use crate::domain::{AppointmentId, CheckInId, ClinicId, KioskId};
    use crate::office::appointments::demo_set;
    use jiff::civil::date;

    const DAY: Date = date(2026, 12, 1);

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// A store with the demo day on `DAY` and a check-in for its first appointment.
    fn checked_in(ehr: bool) -> (OfficeStore, tempfile::TempDir, String, AppointmentId) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store.set_hl7_outbound(ehr);
        // Handles with the top bit set: negative as SQL integers, which the intake
        // table's text subjects must still match.
        let mut next = 0xF000_0000_0000_0000_u64;
        store
            .import_with_handles(&demo_set(DAY), || {
                next += 1;
                Ok(next)
            })
            .unwrap();
        let appointment = store.appointments_on(DAY).unwrap()[0].id;
        let submission = CheckInSubmission {
            id: CheckInId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment,
            arrived_at: at("2026-12-01T15:00:00Z"),
        };
        let kiosk = KioskId::new("lobby-1").unwrap();
        store
            .record_check_ins(&[(&submission, &kiosk)], at("2026-12-01T15:00:01Z"))
            .unwrap();
        (store, dir, submission.id.to_string(), appointment)
    }

    /// What is due `days_later` days after the visit day (at 18:00 UTC) with 30 days kept.
    fn due(days_later: i64, ehr: bool) -> (PurgeDue, Timestamp) {
        let now = at("2026-12-01T18:00:00Z")
            .checked_add((24 * days_later).hours())
            .unwrap();
        (PurgeDue::at(now, 30, &TimeZone::UTC, ehr).unwrap(), now)
    }

    #[test]
    fn without_an_ehr_a_check_in_is_due_n_days_after_its_visit_day_and_is_audited() {
        let (mut store, _dir, id, appointment) = checked_in(false);
        let (not_yet, now) = due(29, false);
        assert_eq!(store.purge_due(&not_yet, now).unwrap(), Purged::default());
        let (due, now) = due(30, false);
        assert_eq!(store.purge_due(&due, now).unwrap().check_ins, 1);
        assert_eq!(
            store
                .phi_removed_at(FormSubject::Appointment(appointment))
                .unwrap(),
            Some(now)
        );
        let last = store.audit_log(1).unwrap().remove(0);
        assert_eq!(last.action, "retention.purge");
        assert_eq!(last.subject, id);
        assert_eq!(last.actor, "system");
        // Once only.
        assert_eq!(store.purge_due(&due, now).unwrap(), Purged::default());
    }

    #[test]
    fn with_an_ehr_a_check_in_waits_for_its_acknowledgement_then_n_days() {
        let (mut store, _dir, _id, _) = checked_in(true);
        // Long after the visit day, but the A04 is still waiting: kept.
        let (due_later, now) = due(60, true);
        assert_eq!(store.purge_due(&due_later, now).unwrap().check_ins, 0);
        let item = store
            .next_hl7_outbound(at("2026-12-01T16:00:00Z"))
            .unwrap()
            .unwrap();
        let acked = at("2026-12-20T10:00:00Z");
        store.hl7_delivered(item.row, acked).unwrap();
        let rule = |now: Timestamp| PurgeDue::at(now, 30, &TimeZone::UTC, true).unwrap();
        let almost = acked.checked_add((30 * 24).hours()).unwrap();
        let almost = almost.checked_sub(1.second()).unwrap();
        assert_eq!(store.purge_due(&rule(almost), almost).unwrap().check_ins, 0);
        let thirty_days = acked.checked_add((30 * 24).hours()).unwrap();
        assert_eq!(
            store
                .purge_due(&rule(thirty_days), thirty_days)
                .unwrap()
                .check_ins,
            1
        );
    }

    #[test]
    fn an_open_intake_alert_keeps_the_check_in_until_acknowledged() {
        let (mut store, _dir, _id, appointment) = checked_in(false);
        let subject = appointment.get().to_string();
        store
            .conn
            .execute(
                "INSERT INTO intake_responses
                   (id, subject_kind, subject, kiosk, form, version, received_at, body,
                    alert_questions)
                 VALUES ('r-1', 'appointment', ?1, 'lobby-1', 'phq-9', '1',
                         '2026-12-01T15:01:00Z', '{}', '[\"phq9-9\"]')",
                [&subject],
            )
            .unwrap();
        let (due, now) = due(45, false);
        assert_eq!(store.purge_due(&due, now).unwrap(), Purged::default());
        store
            .conn
            .execute(
                "UPDATE intake_responses SET alert_acknowledged_at = '2026-12-02T09:00:00Z',
                   alert_acknowledged_by = 'staff:1'",
                [],
            )
            .unwrap();
        assert_eq!(
            store.purge_due(&due, now).unwrap(),
            Purged {
                check_ins: 1,
                unarrived: 0,
                rows: 1
            }
        );
        let left: i64 = store
            .conn
            .query_row("SELECT count(*) FROM intake_responses", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(left, 0);
    }

    /// Inserts intake answers for `subject` received at `received_at`.
    fn answers(store: &OfficeStore, id: &str, kind: &str, subject: &str, received_at: &str) {
        store
            .conn
            .execute(
                "INSERT INTO intake_responses
                   (id, subject_kind, subject, kiosk, form, version, received_at, body)
                 VALUES (?1, ?2, ?3, 'lobby-1', 'phq-9', '1', ?4, '{}')",
                params![id, kind, subject, received_at],
            )
            .unwrap();
    }

    fn intake_ids(store: &OfficeStore) -> Vec<String> {
        let mut stmt = store
            .conn
            .prepare("SELECT id FROM intake_responses ORDER BY id")
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn answers_whose_check_in_never_arrived_go_n_days_after_the_visit_day_and_are_audited() {
        let (mut store, _dir, _id, checked) = checked_in(false);
        let unarrived = store.appointments_on(DAY).unwrap()[1].id;
        let subject = unarrived.get().to_string();
        answers(
            &store,
            "r-left",
            "appointment",
            &subject,
            "2026-12-01T15:05:00Z",
        );
        // A registration staff turned down, and one they have not decided yet.
        for (id, status) in [("reg-no", "rejected"), ("reg-open", "pending")] {
            store
                .conn
                .execute(
                    "INSERT INTO registrations (id, kiosk, submitted_at, received_at, body,
                        status, status_changed_at)
                     VALUES (?1, 'lobby-1', '2026-12-01T15:00:00Z', '2026-12-01T15:00:01Z',
                             '{}', ?2, '2026-12-01T16:00:00Z')",
                    params![id, status],
                )
                .unwrap();
            answers(
                &store,
                &format!("r-{id}"),
                "registration",
                id,
                "2026-12-01T15:06:00Z",
            );
        }
        let (not_yet, now) = due(29, false);
        assert_eq!(store.purge_due(&not_yet, now).unwrap(), Purged::default());
        let (due, now) = due(30, false);
        let purged = store.purge_due(&due, now).unwrap();
        // The answers twice, and the turned-down registration's details.
        assert_eq!((purged.check_ins, purged.unarrived, purged.rows), (1, 2, 3));
        // The pending registration's answers wait for staff.
        assert_eq!(intake_ids(&store), ["r-reg-open"]);
        let log = store.audit_log(3).unwrap();
        let purges: Vec<(&str, &str)> = log
            .iter()
            .filter(|entry| entry.action == "retention.purge_unarrived")
            .map(|entry| (entry.action.as_str(), entry.subject.as_str()))
            .collect();
        assert_eq!(purges.len(), 2);
        assert!(
            purges
                .iter()
                .any(|(_, subject)| *subject == unarrived.get().to_string())
        );
        assert!(purges.iter().any(|(_, subject)| *subject == "reg-no"));
        assert_ne!(checked, unarrived);
        assert_eq!(store.purge_due(&due, now).unwrap(), Purged::default());
    }
}

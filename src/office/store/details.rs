//! Contact details on file and returning patients' change requests: stored once per
//! kiosk-made id, reviewed by staff field by field; an approved field updates what is on
//! file. Every decision is audited (ids and field names, never values).

use super::db::{OptionalExtension, Transaction, params};
use super::{Actor, OfficeStore, StoreError, audit_in, parse, ts};
use crate::api::{DetailsChangeSubmission, SubmissionOutcome};
use crate::domain::{
    AppointmentId, ChangeSource, ContactField, ContactOnFile, DetailsChangeId, KioskId,
};
use crate::office::audit::{AuditAction, AuditContext};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Staff's answer to one changed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldDecision {
    /// The new value replaces what is on file.
    Approved,
    /// What is on file stays.
    Rejected,
}

impl FieldDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldDecision::Approved => "approved",
            FieldDecision::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "approved" => Some(FieldDecision::Approved),
            "rejected" => Some(FieldDecision::Rejected),
            _ => None,
        }
    }
}

/// One changed field as staff review it.
#[derive(Clone, PartialEq, Eq)]
pub struct FieldReview {
    pub field: ContactField,
    /// What the patient asked for. PHI.
    pub proposed: String,
    pub source: ChangeSource,
    /// What is on file now. PHI.
    pub on_file: Option<String>,
    pub decision: Option<FieldDecision>,
}

impl fmt::Debug for FieldReview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldReview")
            .field("field", &self.field)
            .field("source", &self.source)
            .field("decision", &self.decision)
            .finish_non_exhaustive()
    }
}

/// A change request still waiting for staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetailsChangeReview {
    pub id: DetailsChangeId,
    pub appointment: AppointmentId,
    pub kiosk: KioskId,
    pub received_at: Timestamp,
    pub unchecked_offline: bool,
    pub fields: Vec<FieldReview>,
}

/// What deciding a field came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    /// Recorded; `closed` when it was the request's last open question.
    Decided {
        appointment: AppointmentId,
        closed: bool,
    },
    AlreadyDecided,
    NotFound,
}

/// What closing a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Close {
    Closed,
    /// Some field still waits for a decision.
    FieldsPending,
    AlreadyClosed,
    NotFound,
}

/// `field`'s column in `appointments` (a fixed name, never input).
fn column(field: ContactField) -> &'static str {
    field.as_str()
}

pub(super) const CONTACT_COLUMNS: &str =
    "address_line1, address_line2, city, state, zip, phone, email";

pub(super) fn contact_from(values: [Option<String>; 7]) -> Result<ContactOnFile, StoreError> {
    let mut contact = ContactOnFile::default();
    for (field, value) in ContactField::ALL.into_iter().zip(values) {
        if let Some(value) = value {
            contact
                .set(field, &value)
                .map_err(|_| StoreError::Corrupt("contact detail"))?;
        }
    }
    Ok(contact)
}

fn contact_in(
    tx: &super::db::Connection,
    appointment: AppointmentId,
) -> Result<Option<(Date, ContactOnFile)>, StoreError> {
    let row = tx
        .query_row(
            &format!("SELECT day, {CONTACT_COLUMNS} FROM appointments WHERE handle = ?1"),
            [appointment.get().cast_signed()],
            |row| {
                let day: String = row.get(0)?;
                let mut values: [Option<String>; 7] = Default::default();
                for (i, value) in values.iter_mut().enumerate() {
                    *value = row.get(i + 1)?;
                }
                Ok((day, values))
            },
        )
        .optional()?;
    row.map(|(day, values)| Ok((parse(&day, "appointment day")?, contact_from(values)?)))
        .transpose()
}

/// Closes `id` if nothing is left for staff; returns whether it did.
fn close_if_done(tx: &Transaction<'_>, id: &str, now: Timestamp) -> Result<bool, StoreError> {
    let closed = tx.execute(
        "UPDATE details_changes SET closed_at = ?2
         WHERE id = ?1 AND closed_at IS NULL AND unchecked_offline = 0
           AND NOT EXISTS (SELECT 1 FROM details_change_fields
                           WHERE change_id = ?1 AND decision IS NULL)",
        params![id, ts(now)],
    )?;
    Ok(closed > 0)
}

impl OfficeStore {
    /// The appointment's day and the contact details on file for it, if it exists.
    pub fn contact_on_file(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<(Date, ContactOnFile)>, StoreError> {
        contact_in(&self.conn, appointment)
    }

    /// Stores a change request once however often it is delivered; audited.
    pub fn record_details_change(
        &mut self,
        change: &DetailsChangeSubmission,
        kiosk: &KioskId,
        now: Timestamp,
    ) -> Result<SubmissionOutcome, StoreError> {
        let tx = self.conn.transaction()?;
        let id = change.id.to_string();
        let inserted = tx.execute(
            "INSERT INTO details_changes
               (id, appointment, kiosk, submitted_at, received_at, unchecked_offline)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            params![
                id,
                change.appointment.get().cast_signed(),
                kiosk.as_str(),
                ts(change.submitted_at),
                ts(now),
                change.unchecked_offline,
            ],
        )?;
        if inserted == 0 {
            return Ok(SubmissionOutcome::AlreadyStored);
        }
        for field in &change.changes {
            tx.execute(
                "INSERT INTO details_change_fields (change_id, field, value, source)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    id,
                    field.field().as_str(),
                    field.value(),
                    field.source().as_str()
                ],
            )?;
        }
        audit_in(
            &tx,
            now,
            &Actor::Kiosk(kiosk.clone()).into(),
            AuditAction::DetailsChangeCreate,
            &id,
        )?;
        tx.commit()?;
        Ok(SubmissionOutcome::Accepted)
    }

    /// Requests still open, oldest first, with what is on file now beside each field.
    pub fn open_details_changes(&self) -> Result<Vec<DetailsChangeReview>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, appointment, kiosk, received_at, unchecked_offline
             FROM details_changes WHERE closed_at IS NULL ORDER BY received_at, id",
        )?;
        let heads = stmt
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, bool>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let mut fields = self.conn.prepare_cached(
            "SELECT field, value, source, decision FROM details_change_fields
             WHERE change_id = ?1",
        )?;
        let mut reviews = Vec::with_capacity(heads.len());
        for (id, appointment, kiosk, received_at, unchecked_offline) in heads {
            let appointment = AppointmentId::new(appointment.cast_unsigned());
            let on_file = contact_in(&self.conn, appointment)?
                .map(|(_, contact)| contact)
                .unwrap_or_default();
            let mut list = fields
                .query_map([&id], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<String>>(3)?,
                    ))
                })?
                .map(|r| {
                    let (field, proposed, source, decision) = r?;
                    let field =
                        ContactField::parse(&field).ok_or(StoreError::Corrupt("contact field"))?;
                    Ok(FieldReview {
                        field,
                        proposed,
                        source: ChangeSource::parse(&source)
                            .ok_or(StoreError::Corrupt("change source"))?,
                        on_file: on_file.get(field).map(str::to_owned),
                        decision: decision
                            .map(|d| {
                                FieldDecision::parse(&d).ok_or(StoreError::Corrupt("decision"))
                            })
                            .transpose()?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            list.sort_by_key(|f| f.field);
            reviews.push(DetailsChangeReview {
                id: DetailsChangeId::parse(&id).ok_or(StoreError::Corrupt("details change id"))?,
                appointment,
                kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                received_at: parse(&received_at, "details change time")?,
                unchecked_offline,
                fields: list,
            });
        }
        Ok(reviews)
    }

    /// Staff decide one field of a request; an approved value goes on file. Audited.
    pub fn decide_field(
        &mut self,
        id: DetailsChangeId,
        field: ContactField,
        decision: FieldDecision,
        actor: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<Decided, StoreError> {
        let actor = &actor.into();
        let tx = self.conn.transaction()?;
        let key = id.to_string();
        let found: Option<(i64, String, Option<String>)> = tx
            .query_row(
                "SELECT c.appointment, f.value, f.decision
                 FROM details_change_fields f JOIN details_changes c ON c.id = f.change_id
                 WHERE f.change_id = ?1 AND f.field = ?2",
                params![key, field.as_str()],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((appointment, value, earlier)) = found else {
            return Ok(Decided::NotFound);
        };
        if earlier.is_some() {
            return Ok(Decided::AlreadyDecided);
        }
        tx.execute(
            "UPDATE details_change_fields SET decision = ?3, decided_at = ?4, decided_by = ?5
             WHERE change_id = ?1 AND field = ?2",
            params![
                key,
                field.as_str(),
                decision.as_str(),
                ts(now),
                actor.actor.label()
            ],
        )?;
        if decision == FieldDecision::Approved {
            // Empty (a line removed) is stored as unknown, as an import does.
            let value = (!value.is_empty()).then_some(value);
            tx.execute(
                &format!(
                    "UPDATE appointments SET {} = ?2 WHERE handle = ?1",
                    column(field)
                ),
                params![appointment, value],
            )?;
            if self.hl7_outbound {
                super::hl7::enqueue_in(&tx, crate::hl7::adt::AdtEvent::Update, appointment, now)?;
            }
            super::fhir::enqueue_patient_update_in(&tx, self.fhir_writes, appointment, now)?;
        }
        audit_in(
            &tx,
            now,
            actor,
            match decision {
                FieldDecision::Approved => AuditAction::DetailsFieldApproved,
                FieldDecision::Rejected => AuditAction::DetailsFieldRejected,
            },
            &format!("{key}/{}", field.as_str()),
        )?;
        let closed = close_if_done(&tx, &key, now)?;
        tx.commit()?;
        Ok(Decided::Decided {
            appointment: AppointmentId::new(appointment.cast_unsigned()),
            closed,
        })
    }

    /// Staff went over a request's details with the patient (the kiosk could not check
    /// them offline): closes it once no field waits for a decision. Audited.
    pub fn close_details_change(
        &mut self,
        id: DetailsChangeId,
        actor: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<Close, StoreError> {
        let actor = &actor.into();
        let tx = self.conn.transaction()?;
        let key = id.to_string();
        let found: Option<(bool, i64)> = tx
            .query_row(
                "SELECT closed_at IS NOT NULL,
                        (SELECT count(*) FROM details_change_fields
                         WHERE change_id = ?1 AND decision IS NULL)
                 FROM details_changes WHERE id = ?1",
                [&key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let outcome = match found {
            None => Close::NotFound,
            Some((true, _)) => Close::AlreadyClosed,
            Some((false, pending)) if pending > 0 => Close::FieldsPending,
            Some((false, _)) => {
                tx.execute(
                    "UPDATE details_changes SET closed_at = ?2 WHERE id = ?1",
                    params![key, ts(now)],
                )?;
                audit_in(&tx, now, actor, AuditAction::DetailsChangeClose, &key)?;
                Close::Closed
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClinicId, FieldChange, PersonName};
    use crate::office::store::NewAppointment;
    use jiff::civil::Time;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    fn contact(line1: &str, phone: &str) -> ContactOnFile {
        let mut contact = ContactOnFile::default();
        contact.set(ContactField::AddressLine1, line1).unwrap();
        contact.set(ContactField::Phone, phone).unwrap();
        contact
    }

    fn ada(contact: Option<ContactOnFile>) -> NewAppointment {
        NewAppointment {
            external_id: "A-1".into(),
            day: "2026-11-23".parse().unwrap(),
            starts_at: Time::constant(9, 30, 0, 0),
            patient: PersonName::new("Ada", "Testpatient").unwrap(),
            provider: "Dr. Demo Able".into(),
            copay: crate::domain::Cents::new(0),
            balance: crate::domain::Cents::ZERO,
            date_of_birth: None,
            contact,
            patient_id: None,
            reminders: Default::default(),
        }
    }

    fn store_with_ada() -> (tempfile::TempDir, OfficeStore, AppointmentId) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store
            .import_appointments(&[ada(Some(contact("123 Example St", "555-0100")))])
            .unwrap();
        let id = store
            .appointments_on("2026-11-23".parse().unwrap())
            .unwrap()[0]
            .id;
        (dir, store, id)
    }

    fn change(appointment: AppointmentId, unchecked_offline: bool) -> DetailsChangeSubmission {
        DetailsChangeSubmission {
            id: DetailsChangeId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment,
            submitted_at: at(0),
            changes: vec![
                FieldChange::new(
                    ContactField::AddressLine1,
                    "456 Sample Ave",
                    ChangeSource::TypedAtKiosk,
                )
                .unwrap(),
                FieldChange::new(ContactField::Phone, "555-0199", ChangeSource::FromLicence)
                    .unwrap(),
            ],
            unchecked_offline,
        }
    }

    #[test]
    fn a_reimport_keeps_contact_details_unless_it_carries_them() {
        let (_dir, mut store, id) = store_with_ada();
        let on_file = |store: &OfficeStore| store.contact_on_file(id).unwrap().unwrap().1;
        assert_eq!(on_file(&store), contact("123 Example St", "555-0100"));
        store.import_appointments(&[ada(None)]).unwrap();
        assert_eq!(on_file(&store), contact("123 Example St", "555-0100"));
        store
            .import_appointments(&[ada(Some(contact("9 Placeholder Rd", "555-0111")))])
            .unwrap();
        assert_eq!(on_file(&store), contact("9 Placeholder Rd", "555-0111"));
        assert!(
            store
                .contact_on_file(AppointmentId::new(1))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_request_is_stored_once_and_each_field_is_decided_once_and_audited() {
        let (_dir, mut store, id) = store_with_ada();
        let lobby = KioskId::new("lobby-1").unwrap();
        let request = change(id, false);
        assert_eq!(
            store
                .record_details_change(&request, &lobby, at(1))
                .unwrap(),
            SubmissionOutcome::Accepted
        );
        assert_eq!(
            store
                .record_details_change(&request, &lobby, at(2))
                .unwrap(),
            SubmissionOutcome::AlreadyStored
        );
        let open = store.open_details_changes().unwrap();
        assert_eq!(open.len(), 1);
        let fields = &open[0].fields;
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0].field, ContactField::AddressLine1);
        assert_eq!(fields[0].proposed, "456 Sample Ave");
        assert_eq!(fields[0].on_file.as_deref(), Some("123 Example St"));
        assert_eq!(fields[1].source, ChangeSource::FromLicence);
        assert!(!format!("{open:?}").contains("Sample"), "{open:?}");

        let staff = Actor::Staff("front-desk".into());
        let approve = |store: &mut OfficeStore, field, decision| {
            store
                .decide_field(request.id, field, decision, &staff, at(10))
                .unwrap()
        };
        assert_eq!(
            approve(
                &mut store,
                ContactField::AddressLine1,
                FieldDecision::Approved
            ),
            Decided::Decided {
                appointment: id,
                closed: false
            }
        );
        assert_eq!(
            approve(
                &mut store,
                ContactField::AddressLine1,
                FieldDecision::Rejected
            ),
            Decided::AlreadyDecided
        );
        assert_eq!(
            approve(&mut store, ContactField::City, FieldDecision::Approved),
            Decided::NotFound
        );
        assert_eq!(
            approve(&mut store, ContactField::Phone, FieldDecision::Rejected),
            Decided::Decided {
                appointment: id,
                closed: true
            }
        );
        // The approved field is on file now; the rejected one is not.
        assert_eq!(
            store.contact_on_file(id).unwrap().unwrap().1,
            contact("456 Sample Ave", "555-0100")
        );
        assert!(store.open_details_changes().unwrap().is_empty());
        let subjects: Vec<_> = store
            .audit_log(20)
            .unwrap()
            .into_iter()
            .filter(|e| e.action.starts_with("details_change."))
            .map(|e| (e.action, e.subject))
            .collect();
        let key = request.id.to_string();
        assert_eq!(
            subjects,
            vec![
                (
                    "details_change.field.rejected".into(),
                    format!("{key}/phone")
                ),
                (
                    "details_change.field.approved".into(),
                    format!("{key}/address_line1")
                ),
                ("details_change.create".into(), key.clone()),
            ]
        );
    }

    #[test]
    fn an_offline_request_stays_open_until_staff_went_over_it() {
        let (_dir, mut store, id) = store_with_ada();
        let lobby = KioskId::new("lobby-1").unwrap();
        let staff = Actor::Staff("front-desk".into());
        let request = change(id, true);
        store
            .record_details_change(&request, &lobby, at(1))
            .unwrap();
        assert_eq!(
            store
                .close_details_change(request.id, &staff, at(2))
                .unwrap(),
            Close::FieldsPending
        );
        for field in [ContactField::AddressLine1, ContactField::Phone] {
            store
                .decide_field(request.id, field, FieldDecision::Rejected, &staff, at(3))
                .unwrap();
        }
        assert_eq!(store.open_details_changes().unwrap().len(), 1);
        assert_eq!(
            store
                .close_details_change(request.id, &staff, at(4))
                .unwrap(),
            Close::Closed
        );
        assert_eq!(
            store
                .close_details_change(request.id, &staff, at(5))
                .unwrap(),
            Close::AlreadyClosed
        );
        assert_eq!(
            store
                .close_details_change(DetailsChangeId::random(), &staff, at(5))
                .unwrap(),
            Close::NotFound
        );
        assert!(store.open_details_changes().unwrap().is_empty());
    }

    #[test]
    fn approved_details_queue_one_adt_a08_when_the_ehr_interface_sends() {
        let (_dir, mut store, id) = store_with_ada();
        let lobby = KioskId::new("lobby-1").unwrap();
        let staff = Actor::Staff("front-desk".into());
        let request = change(id, false);
        store
            .record_details_change(&request, &lobby, at(1))
            .unwrap();
        // Off (no peer): nothing is queued.
        store
            .decide_field(
                request.id,
                ContactField::AddressLine1,
                FieldDecision::Approved,
                &staff,
                at(2),
            )
            .unwrap();
        assert_eq!(store.next_hl7_outbound(at(3)).unwrap(), None);
        store.set_hl7_outbound(true);
        let again = change(id, false);
        store.record_details_change(&again, &lobby, at(4)).unwrap();
        for field in [ContactField::AddressLine1, ContactField::Phone] {
            store
                .decide_field(again.id, field, FieldDecision::Approved, &staff, at(5))
                .unwrap();
        }
        // Two fields approved, one message: it is built when sent, with both.
        let item = store.next_hl7_outbound(at(6)).unwrap().unwrap();
        assert_eq!(item.event, crate::hl7::adt::AdtEvent::Update);
        assert_eq!(item.appointment, id);
        assert_eq!(store.hl7_summary().unwrap().waiting, 1);
        let patient = store.hl7_patient(id).unwrap().unwrap();
        assert_eq!(patient.contact.get(ContactField::Phone), Some("555-0199"));
    }
}

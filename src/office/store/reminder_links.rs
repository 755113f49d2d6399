//! The reminders' public links (see `office::reminders::links`): one row per link, kept
//! by the SHA-256 of its token only (a copy of the database opens no page), with its
//! appointment, purpose and expiry. Opening a link and opting out by one are each audited
//! in the transaction that reads it.

use super::db::{Connection, OptionalExtension, params};
use super::reminders::{PATIENT_KEY, language_from};
use super::{APPOINTMENT_COLUMNS, Actor, Appointment, OfficeStore, StoreError, appointment_from};
use super::{audit_in, parse, ts};
use crate::domain::{AppointmentId, Language};
use crate::office::audit::AuditAction;
use crate::office::reminders::links::{LinkPurpose, TokenHash};
use jiff::Timestamp;

pub(super) const MIGRATION: &str = "
    -- Public links in reminders (the code page, unsubscribing): the token's SHA-256, never
    -- the token; `appointment` is the handle.
    CREATE TABLE reminder_links (
        token_hash BLOB PRIMARY KEY,
        appointment INTEGER NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('code_page', 'unsubscribe')),
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX reminder_links_expiry ON reminder_links (expires_at);
";

/// The same table on PostgreSQL (a step of `POSTGRES_MIGRATIONS`).
pub(super) const POSTGRES_MIGRATION: &str = "
    CREATE TABLE reminder_links (
        token_hash BYTEA PRIMARY KEY,
        appointment BIGINT NOT NULL,
        purpose TEXT NOT NULL CHECK (purpose IN ('code_page', 'unsubscribe')),
        expires_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        rowid BIGINT GENERATED ALWAYS AS IDENTITY
    );
    CREATE INDEX reminder_links_expiry ON reminder_links (expires_at);
";

/// How long a link's row outlives its expiry: a late opening still gets "expired"
/// (and is audited as such) rather than "unknown".
const KEEP_EXPIRED_DAYS: i64 = 30;

/// What a link led to. PHI inside `Open`: never log it.
#[derive(Clone, PartialEq, Eq)]
pub enum LinkLookup {
    /// No such link for this purpose (never made, another clinic's, or the other kind).
    Unknown,
    /// The link's time is over.
    Expired,
    /// The appointment is no longer on file (cancelled).
    Gone,
    /// The appointment, and the patient's language for the page.
    Open(Appointment, Language),
}

impl std::fmt::Debug for LinkLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkLookup::Unknown => f.write_str("Unknown"),
            LinkLookup::Expired => f.write_str("Expired"),
            LinkLookup::Gone => f.write_str("Gone"),
            LinkLookup::Open(appointment, _) => write!(f, "Open({})", appointment.id),
        }
    }
}

/// The link's appointment, or why it does not lead to one.
fn look_up(
    conn: &Connection,
    hash: &TokenHash,
    purpose: LinkPurpose,
    now: Timestamp,
) -> Result<(LinkLookup, Option<AppointmentId>), StoreError> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT appointment, expires_at FROM reminder_links
             WHERE token_hash = ?1 AND purpose = ?2",
            params![hash.as_bytes().as_slice(), purpose.as_str()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((handle, expires_at)) = row else {
        return Ok((LinkLookup::Unknown, None));
    };
    let id = AppointmentId::new(handle.cast_unsigned());
    let expires_at: Timestamp = parse(&expires_at, "reminder link expiry")?;
    if now >= expires_at {
        return Ok((LinkLookup::Expired, Some(id)));
    }
    let found = conn
        .query_row(
            &format!(
                "SELECT {APPOINTMENT_COLUMNS}, a.language FROM appointments a WHERE a.handle = ?1"
            ),
            [handle],
            |row| Ok((appointment_from(row, 0)?, row.get::<_, String>(10)?)),
        )
        .optional()?;
    match found {
        None => Ok((LinkLookup::Gone, Some(id))),
        Some((appointment, language)) => Ok((
            LinkLookup::Open(appointment?, language_from(&language)?),
            Some(id),
        )),
    }
}

impl OfficeStore {
    /// Keeps a new link's token hash for `appointment`, usable for `purpose` until
    /// `expires_at`; forgets links expired more than [`KEEP_EXPIRED_DAYS`] ago.
    pub fn add_reminder_link(
        &mut self,
        hash: &TokenHash,
        appointment: AppointmentId,
        purpose: LinkPurpose,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let forget_before = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * KEEP_EXPIRED_DAYS))
            .unwrap_or(Timestamp::MIN);
        tx.execute(
            "DELETE FROM reminder_links WHERE expires_at < ?1",
            [ts(forget_before)],
        )?;
        tx.execute(
            "INSERT INTO reminder_links (token_hash, appointment, purpose, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                hash.as_bytes().as_slice(),
                appointment.get().cast_signed(),
                purpose.as_str(),
                ts(expires_at),
                ts(now),
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Where the link leads, without a trace (the code page's image: the page itself was
    /// audited when it was opened).
    pub fn reminder_link(
        &self,
        hash: &TokenHash,
        purpose: LinkPurpose,
        now: Timestamp,
    ) -> Result<LinkLookup, StoreError> {
        Ok(look_up(&self.conn, hash, purpose, now)?.0)
    }

    /// Opens a link: where it leads, audited when it led to a page
    /// (`reminder.link.open`) or came too late (`reminder.link.expired`), by appointment.
    pub fn open_reminder_link(
        &mut self,
        hash: &TokenHash,
        purpose: LinkPurpose,
        now: Timestamp,
    ) -> Result<LinkLookup, StoreError> {
        let tx = self.conn.transaction()?;
        let (found, id) = look_up(&tx, hash, purpose, now)?;
        let action = match found {
            LinkLookup::Open(..) => Some(AuditAction::ReminderLinkOpen),
            LinkLookup::Expired => Some(AuditAction::ReminderLinkExpired),
            LinkLookup::Unknown | LinkLookup::Gone => None,
        };
        if let (Some(action), Some(id)) = (action, id) {
            audit_in(
                &tx,
                now,
                &Actor::System.into(),
                action,
                &id.get().to_string(),
            )?;
        }
        tx.commit()?;
        Ok(found)
    }

    /// The patient of an unsubscribe link opts out of reminders (kept like the staff
    /// toggle and "STOP", by `link`; audited `reminder.unsubscribe`), when the link
    /// leads to an appointment. Opting out again changes nothing but is audited again.
    pub fn unsubscribe_by_link(
        &mut self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<LinkLookup, StoreError> {
        let tx = self.conn.transaction()?;
        let (found, id) = look_up(&tx, hash, LinkPurpose::Unsubscribe, now)?;
        match (&found, id) {
            (LinkLookup::Open(..), Some(id)) => {
                tx.execute(
                    &format!(
                        "INSERT INTO reminder_opt_outs (patient_key, opted_out_at, opted_out_by)
                         SELECT {PATIENT_KEY}, ?2, 'link' FROM appointments a WHERE a.handle = ?1
                         ON CONFLICT DO NOTHING"
                    ),
                    params![id.get().cast_signed(), ts(now)],
                )?;
                audit_in(
                    &tx,
                    now,
                    &Actor::System.into(),
                    AuditAction::ReminderUnsubscribe,
                    &id.get().to_string(),
                )?;
            }
            (LinkLookup::Expired, Some(id)) => audit_in(
                &tx,
                now,
                &Actor::System.into(),
                AuditAction::ReminderLinkExpired,
                &id.get().to_string(),
            )?,
            _ => {}
        }
        tx.commit()?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Cents, PersonName};
    use crate::office::reminders::links::LinkToken;
    use crate::office::store::NewAppointment;
    use jiff::civil::Time;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    #[test]
    fn a_link_is_single_purpose_expires_and_is_audited() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let day: jiff::civil::Date = "2026-11-23".parse().unwrap();
        store
            .import_appointments(&[NewAppointment {
                external_id: "L-1".into(),
                day,
                starts_at: Time::constant(9, 30, 0, 0),
                patient: PersonName::new("Ada", "Testpatient").unwrap(),
                provider: "Dr. Demo Able".into(),
                copay: Cents::ZERO,
                balance: Cents::ZERO,
                date_of_birth: None,
                contact: None,
                patient_id: None,
                reminders: Default::default(),
            }])
            .unwrap();
        let id = store.appointments_on(day).unwrap()[0].id;
        let code = LinkToken::generate().unwrap();
        let stop = LinkToken::generate().unwrap();
        store
            .add_reminder_link(&code.hash(), id, LinkPurpose::CodePage, at(100), at(0))
            .unwrap();
        store
            .add_reminder_link(&stop.hash(), id, LinkPurpose::Unsubscribe, at(100), at(0))
            .unwrap();
        let opened = store
            .open_reminder_link(&code.hash(), LinkPurpose::CodePage, at(1))
            .unwrap();
        assert!(matches!(opened, LinkLookup::Open(a, Language::English) if a.id == id));
        // Single-purpose: the code page's token unsubscribes nobody and vice versa.
        assert_eq!(
            store.unsubscribe_by_link(&code.hash(), at(2)).unwrap(),
            LinkLookup::Unknown
        );
        assert_eq!(
            store
                .open_reminder_link(&stop.hash(), LinkPurpose::CodePage, at(2))
                .unwrap(),
            LinkLookup::Unknown
        );
        assert!(!store.reminder_subject(id).unwrap().unwrap().opted_out);
        assert_eq!(
            store
                .open_reminder_link(&code.hash(), LinkPurpose::CodePage, at(100))
                .unwrap(),
            LinkLookup::Expired
        );
        assert!(matches!(
            store.unsubscribe_by_link(&stop.hash(), at(3)).unwrap(),
            LinkLookup::Open(..)
        ));
        assert!(store.reminder_subject(id).unwrap().unwrap().opted_out);
        // A month past its expiry, the next link made forgets it: unknown from then on.
        let later = at(100) + jiff::SignedDuration::from_hours(24 * KEEP_EXPIRED_DAYS + 1);
        let next = LinkToken::generate().unwrap();
        store
            .add_reminder_link(&next.hash(), id, LinkPurpose::CodePage, later, later)
            .unwrap();
        assert_eq!(
            store
                .reminder_link(&code.hash(), LinkPurpose::CodePage, later)
                .unwrap(),
            LinkLookup::Unknown
        );
        let actions: Vec<_> = store
            .audit_log(10)
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.subject))
            .collect();
        let subject = id.get().to_string();
        for action in [
            "reminder.link.open",
            "reminder.link.expired",
            "reminder.unsubscribe",
        ] {
            assert!(
                actions.contains(&(action.to_owned(), subject.clone())),
                "{action}: {actions:?}"
            );
        }
    }
}

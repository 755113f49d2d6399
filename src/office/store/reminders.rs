//! The reminder queue (see `office::reminders`): one row per appointment, kind and visit
//! time (`UNIQUE`), so queueing again after a restart adds nothing and a rescheduled
//! visit gets reminders of its own. A row is settled (sent, retried, failed, bounced,
//! opted out, skipped) in one transaction with its audit entry. Opt-outs are kept per
//! patient (the practice's patient number, else the appointment), so they carry over to
//! the patient's next visits.

use super::db::{OptionalExtension, params};
use super::{
    APPOINTMENT_COLUMNS, Actor, Appointment, OfficeStore, StoreError, appointment_from, audit_in,
    parse, ts,
};
use crate::domain::{AppointmentId, Language};
use crate::office::audit::{AuditAction, AuditContext};
use crate::office::reminders::letter::PostalAddress;
use crate::office::reminders::plan::Planned;
use crate::office::reminders::{ReminderChannel, ReminderKind, ReminderState};
use jiff::Timestamp;
use jiff::civil::{Date, Time};

pub(super) const MIGRATION: &str = "
    -- Appointment reminders (see `reminders`). The patient's language and preferred
    -- channel come with the import.
    ALTER TABLE appointments ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
    ALTER TABLE appointments ADD COLUMN reminder_channel TEXT NOT NULL DEFAULT 'email';
    -- `appointment` is the handle; `visit` the day and time the reminder is for
    -- ('2026-11-23T09:30'); `message_id` names the email (its Message-ID), the same on
    -- every try.
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        appointment INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('days_before', 'morning')),
        visit TEXT NOT NULL,
        message_id TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        latest_at TEXT NOT NULL,
        next_try_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL CHECK (state IN
            ('pending', 'sent', 'bounced', 'failed', 'opted_out', 'skipped')),
        last_error TEXT,
        done_at TEXT,
        UNIQUE (appointment, kind, visit)
    ) STRICT;
    CREATE INDEX reminders_waiting ON reminders (next_try_at) WHERE state = 'pending';
    CREATE TABLE reminder_opt_outs (
        patient_key TEXT PRIMARY KEY,
        opted_out_at TEXT NOT NULL,
        opted_out_by TEXT NOT NULL
    ) STRICT;
";

/// Whether street, city, state and ZIP are on file, as SQL over the appointment `a`.
const HAS_ADDRESS: &str = "(coalesce(a.address_line1, '') <> '' AND coalesce(a.city, '') <> ''
     AND coalesce(a.state, '') <> '' AND coalesce(a.zip, '') <> '')";

/// The key opt-outs are kept under, as SQL over the appointment `a`.
pub(super) const PATIENT_KEY: &str = "coalesce(a.patient_id, 'appointment:' || a.external_id)";

/// A reminder due to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderItem {
    pub row: i64,
    pub message_id: String,
    pub appointment: AppointmentId,
    pub kind: ReminderKind,
    /// The visit it was queued for, as `day` and `starts_at`.
    pub day: Date,
    pub starts_at: Time,
    /// Sending from this instant on is pointless.
    pub latest_at: Timestamp,
    pub attempts: u32,
}

/// What a reminder is written from. PHI: never log it.
#[derive(Clone, PartialEq, Eq)]
pub struct ReminderSubject {
    pub appointment: Appointment,
    pub email: Option<String>,
    /// The phone on file, as imported (checked when a text is written).
    pub phone: Option<String>,
    pub language: Language,
    pub channel: ReminderChannel,
    pub opted_out: bool,
    /// The patient has checked in already (a reminder now would only confuse).
    pub checked_in: bool,
}

impl std::fmt::Debug for ReminderSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReminderSubject")
            .field("appointment", &self.appointment.id)
            .finish_non_exhaustive()
    }
}

/// How a try ended. Reasons are short and carry no PHI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReminderOutcome {
    Sent,
    /// Try again at `next_try`.
    Retry {
        next_try: Timestamp,
        reason: String,
    },
    Failed(String),
    Bounced(String),
    OptedOut,
    Skipped(String),
}

/// A patient whose reminder goes by post, with an address to mail it to. PHI: never log
/// it.
#[derive(Clone, PartialEq, Eq)]
pub struct LetterSubject {
    pub appointment: Appointment,
    pub address: PostalAddress,
    pub language: Language,
}

impl std::fmt::Debug for LetterSubject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterSubject")
            .field("appointment", &self.appointment.id)
            .finish_non_exhaustive()
    }
}

/// One reminder as staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRow {
    pub kind: ReminderKind,
    pub state: ReminderState,
    pub due_at: Timestamp,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub done_at: Option<Timestamp>,
}

/// An appointment's reminders as staff see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentReminders {
    pub appointment: Appointment,
    pub has_email: bool,
    pub has_phone: bool,
    pub language: Language,
    pub channel: ReminderChannel,
    /// Street, city, state and ZIP are on file (what a letter needs).
    pub has_address: bool,
    pub opted_out: bool,
    pub reminders: Vec<ReminderRow>,
}

fn visit_key(day: Date, starts_at: Time) -> String {
    format!("{day}T{}", starts_at.strftime("%H:%M"))
}

pub(super) fn language_from(code: &str) -> Result<Language, StoreError> {
    Language::ALL
        .into_iter()
        .find(|l| l.code() == code)
        .ok_or(StoreError::Corrupt("appointment language"))
}

impl OfficeStore {
    /// Appointments on `from` up to `to` (both included): handle, day, time.
    pub fn reminder_candidates(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<(AppointmentId, Date, Time)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT handle, day, starts_at FROM appointments
             WHERE day >= ?1 AND day <= ?2 ORDER BY day, starts_at, id",
        )?;
        let rows = stmt.query_map([from.to_string(), to.to_string()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?;
        rows.map(|row| {
            let (handle, day, time) = row?;
            Ok((
                AppointmentId::new(handle.cast_unsigned()),
                parse(&day, "appointment day")?,
                parse(&time, "appointment time")?,
            ))
        })
        .collect()
    }

    /// Queues each planned reminder unless it is queued already (whatever became of it);
    /// one transaction. Returns how many are new.
    pub fn queue_reminders(
        &mut self,
        list: &[(AppointmentId, Date, Time, Planned)],
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let mut added = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO reminders
                   (appointment, kind, visit, message_id, created_at, due_at, latest_at,
                    next_try_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6, 'pending') ON CONFLICT DO NOTHING",
            )?;
            for (appointment, day, starts_at, planned) in list {
                let message_id = format!(
                    "reminder-{:016x}",
                    getrandom::u64().map_err(StoreError::Random)?
                );
                added += insert.execute(params![
                    appointment.get().cast_signed(),
                    planned.kind.as_str(),
                    visit_key(*day, *starts_at),
                    message_id,
                    ts(now),
                    ts(planned.due_at),
                    ts(planned.latest_at),
                ])?;
            }
        }
        tx.commit()?;
        Ok(added)
    }

    /// The waiting reminder due longest ago by `now`, if any.
    pub fn next_reminder(&self, now: Timestamp) -> Result<Option<ReminderItem>, StoreError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT id, message_id, appointment, kind, visit, latest_at, attempts
                 FROM reminders WHERE state = 'pending' AND next_try_at <= ?1
                 ORDER BY next_try_at, id LIMIT 1",
            )?
            .query_row([ts(now)], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            })
            .optional()?;
        row.map(
            |(row, message_id, appointment, kind, visit, latest_at, attempts)| {
                let (day, time) = visit
                    .split_once('T')
                    .ok_or(StoreError::Corrupt("reminder visit"))?;
                Ok(ReminderItem {
                    row,
                    message_id,
                    appointment: AppointmentId::new(appointment.cast_unsigned()),
                    kind: ReminderKind::parse(&kind).ok_or(StoreError::Corrupt("reminder kind"))?,
                    day: parse(day, "reminder visit")?,
                    starts_at: parse(time, "reminder visit")?,
                    latest_at: parse(&latest_at, "reminder latest")?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                })
            },
        )
        .transpose()
    }

    /// When the next waiting reminder is due, if any waits.
    pub fn next_reminder_due(&self) -> Result<Option<Timestamp>, StoreError> {
        let at: Option<String> = self.conn.query_row(
            "SELECT min(next_try_at) FROM reminders WHERE state = 'pending'",
            [],
            |row| row.get(0),
        )?;
        at.map(|at| parse(&at, "reminder next try")).transpose()
    }

    /// What the reminder for `appointment` is written from; `None` if it is no longer on
    /// file. The read is audited when the try is settled ([`Self::settle_reminder`]).
    pub fn reminder_subject(
        &self,
        appointment: AppointmentId,
    ) -> Result<Option<ReminderSubject>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!(
                    "SELECT {APPOINTMENT_COLUMNS}, a.email, a.language, a.reminder_channel,
                            EXISTS (SELECT 1 FROM reminder_opt_outs o
                                    WHERE o.patient_key = {PATIENT_KEY}),
                            EXISTS (SELECT 1 FROM checkins c WHERE c.appointment = a.handle),
                            a.phone
                     FROM appointments a WHERE a.handle = ?1"
                ),
                [appointment.get().cast_signed()],
                |row| {
                    Ok((
                        appointment_from(row, 0)?,
                        row.get::<_, Option<String>>(10)?,
                        row.get::<_, String>(11)?,
                        row.get::<_, String>(12)?,
                        row.get::<_, bool>(13)?,
                        row.get::<_, bool>(14)?,
                        row.get::<_, Option<String>>(15)?,
                    ))
                },
            )
            .optional()?;
        row.map(
            |(found, email, language, channel, opted_out, checked_in, phone)| {
                Ok(ReminderSubject {
                    appointment: found?,
                    email: email.filter(|e| !e.is_empty()),
                    phone: phone.filter(|p| !p.is_empty()),
                    language: language_from(&language)?,
                    channel: ReminderChannel::parse(&channel)
                        .ok_or(StoreError::Corrupt("reminder channel"))?,
                    opted_out,
                    checked_in,
                })
            },
        )
        .transpose()
    }

    /// Records how a try of reminder `row` ended. Whenever the patient's address was read
    /// to send it, the send is audited (subject: the reminder's message id) in the same
    /// transaction.
    pub fn settle_reminder(
        &mut self,
        row: i64,
        outcome: &ReminderOutcome,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let (state, next_try, reason, tried) = match outcome {
            ReminderOutcome::Sent => (ReminderState::Sent, None, None, true),
            ReminderOutcome::Retry { next_try, reason } => {
                (ReminderState::Pending, Some(*next_try), Some(reason), true)
            }
            ReminderOutcome::Failed(reason) => (ReminderState::Failed, None, Some(reason), true),
            ReminderOutcome::Bounced(reason) => (ReminderState::Bounced, None, Some(reason), true),
            ReminderOutcome::OptedOut => (ReminderState::OptedOut, None, None, false),
            ReminderOutcome::Skipped(reason) => (ReminderState::Skipped, None, Some(reason), false),
        };
        // A delivery report can arrive before the send is settled: "sent" then keeps
        // the report's "bounced" ([`Self::report_undelivered`]).
        tx.execute(
            "UPDATE reminders SET
                    state = iif(state = 'bounced' AND ?2 = 'sent', state, ?2),
                    attempts = attempts + ?3,
                    next_try_at = coalesce(?4, next_try_at),
                    last_error = iif(state = 'bounced' AND ?2 = 'sent', last_error, ?5),
                    done_at = CASE WHEN ?2 = 'pending' THEN NULL ELSE ?6 END
             WHERE id = ?1",
            params![
                row,
                state.as_str(),
                i64::from(tried),
                next_try.map(ts),
                reason,
                ts(now),
            ],
        )?;
        if tried {
            let message_id: Option<String> = tx
                .query_row(
                    "SELECT message_id FROM reminders WHERE id = ?1",
                    [row],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(message_id) = message_id {
                audit_in(
                    &tx,
                    now,
                    &Actor::System.into(),
                    AuditAction::ReminderSend,
                    &message_id,
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The reminders of appointments on `from` up to `to`, by visit, for staff. Not
    /// audited here: the caller audits the view.
    pub fn reminders_between(
        &self,
        from: Date,
        to: Date,
    ) -> Result<Vec<AppointmentReminders>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS}, coalesce(a.email, '') <> '', a.language,
                    a.reminder_channel,
                    EXISTS (SELECT 1 FROM reminder_opt_outs o WHERE o.patient_key = {PATIENT_KEY}),
                    coalesce(a.phone, '') <> '', {HAS_ADDRESS}
             FROM appointments a WHERE a.day >= ?1 AND a.day <= ?2
             ORDER BY a.day, a.starts_at, a.last_name, a.id"
        ))?;
        let rows = stmt.query_map([from.to_string(), to.to_string()], |row| {
            Ok((
                appointment_from(row, 0)?,
                row.get::<_, bool>(10)?,
                row.get::<_, String>(11)?,
                row.get::<_, String>(12)?,
                row.get::<_, bool>(13)?,
                row.get::<_, bool>(14)?,
                row.get::<_, bool>(15)?,
            ))
        })?;
        let mut list = Vec::new();
        for row in rows {
            let (appointment, has_email, language, channel, opted_out, has_phone, has_address) =
                row?;
            let appointment = appointment?;
            let reminders = self.reminder_rows(&appointment)?;
            list.push(AppointmentReminders {
                has_email,
                has_phone,
                has_address,
                language: language_from(&language)?,
                channel: ReminderChannel::parse(&channel)
                    .ok_or(StoreError::Corrupt("reminder channel"))?,
                opted_out,
                reminders,
                appointment,
            });
        }
        Ok(list)
    }

    /// The reminders of `appointment`'s current visit, in the order they go.
    fn reminder_rows(&self, appointment: &Appointment) -> Result<Vec<ReminderRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kind, state, due_at, attempts, last_error, done_at FROM reminders
             WHERE appointment = ?1 AND visit = ?2 ORDER BY due_at, id",
        )?;
        let rows = stmt.query_map(
            params![
                appointment.id.get().cast_signed(),
                visit_key(appointment.day, appointment.starts_at)
            ],
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, i64>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<String>>(5)?,
                ))
            },
        )?;
        rows.map(|row| {
            let (kind, state, due_at, attempts, last_error, done_at) = row?;
            Ok(ReminderRow {
                kind: ReminderKind::parse(&kind).ok_or(StoreError::Corrupt("reminder kind"))?,
                state: ReminderState::parse(&state).ok_or(StoreError::Corrupt("reminder state"))?,
                due_at: parse(&due_at, "reminder due")?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                last_error,
                done_at: done_at.map(|at| parse(&at, "reminder done")).transpose()?,
            })
        })
        .collect()
    }

    /// The letters for visits on `day`: each patient whose reminders go by post
    /// ([`ReminderChannel::by_letter`]), not opted out, with an address to mail to, by
    /// visit time. Each is audited (`reminder.letter.print`, by the appointment) in one
    /// transaction with the read.
    pub fn reminder_letters(
        &mut self,
        day: Date,
        who: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<Vec<LetterSubject>, StoreError> {
        let who = who.into();
        let tx = self.conn.transaction()?;
        let mut list = Vec::new();
        {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT {APPOINTMENT_COLUMNS}, a.language, a.reminder_channel,
                        coalesce(a.email, '') <> '', coalesce(a.phone, '') <> '',
                        {contact}
                 FROM appointments a
                 WHERE a.day = ?1 AND NOT EXISTS
                     (SELECT 1 FROM reminder_opt_outs o WHERE o.patient_key = {PATIENT_KEY})
                 ORDER BY a.starts_at, a.last_name, a.id",
                contact = super::details::CONTACT_COLUMNS
                    .split(", ")
                    .map(|c| format!("a.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))?;
            let rows = stmt.query_map([day.to_string()], |row| {
                let mut contact: [Option<String>; 7] = Default::default();
                for (i, value) in contact.iter_mut().enumerate() {
                    *value = row.get(14 + i)?;
                }
                Ok((
                    appointment_from(row, 0)?,
                    row.get::<_, String>(10)?,
                    row.get::<_, String>(11)?,
                    row.get::<_, bool>(12)?,
                    row.get::<_, bool>(13)?,
                    contact,
                ))
            })?;
            for row in rows {
                let (appointment, language, channel, has_email, has_phone, contact) = row?;
                let channel = ReminderChannel::parse(&channel)
                    .ok_or(StoreError::Corrupt("reminder channel"))?;
                if !channel.by_letter(has_email, has_phone) {
                    continue;
                }
                let contact = super::details::contact_from(contact)?;
                let Some(address) = PostalAddress::from_contact(&contact) else {
                    continue;
                };
                list.push(LetterSubject {
                    appointment: appointment?,
                    address,
                    language: language_from(&language)?,
                });
            }
        }
        for letter in &list {
            audit_in(
                &tx,
                now,
                &who,
                AuditAction::ReminderLetterPrint,
                &letter.appointment.id.get().to_string(),
            )?;
        }
        tx.commit()?;
        Ok(list)
    }

    /// The SMS gateway reported that it could not deliver the text of reminder
    /// `message_id`: the reminder is *bounced* with `reason` (short, no PHI). Only a text
    /// reminder handed to the gateway (sent, or being sent now) changes. Returns whether
    /// one did.
    pub fn report_undelivered(
        &mut self,
        message_id: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = self.conn.execute(
            "UPDATE reminders SET state = 'bounced', last_error = ?2, done_at = ?3
             WHERE message_id = ?1 AND state IN ('pending', 'sent', 'bounced')",
            params![message_id, reason, ts(now)],
        )?;
        Ok(changed > 0)
    }

    /// A patient replied "STOP" to a text from `phone`: every patient with that number on
    /// file is opted out (as the staff toggle does; by `sms`), each audited with its
    /// appointment. Returns how many appointments carried the number.
    pub fn opt_out_by_phone(
        &mut self,
        phone: &crate::domain::PhoneNumber,
        now: Timestamp,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let matching: Vec<(i64, String)> = {
            let mut stmt = tx.prepare_cached(&format!(
                "SELECT a.handle, a.phone, {PATIENT_KEY} FROM appointments a
                 WHERE coalesce(a.phone, '') <> ''"
            ))?;
            let rows = stmt.query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })?;
            let mut matching = Vec::new();
            for row in rows {
                let (handle, on_file, key) = row?;
                // Numbers are kept as imported: compared by their digits.
                if crate::domain::PhoneNumber::parse(&on_file).is_ok_and(|p| p == *phone) {
                    matching.push((handle, key));
                }
            }
            matching
        };
        for (handle, key) in &matching {
            tx.execute(
                "INSERT INTO reminder_opt_outs (patient_key, opted_out_at, opted_out_by)
                 VALUES (?1, ?2, 'sms') ON CONFLICT DO NOTHING",
                params![key, ts(now)],
            )?;
            audit_in(
                &tx,
                now,
                &Actor::System.into(),
                AuditAction::ReminderOptOut,
                &handle.cast_unsigned().to_string(),
            )?;
        }
        tx.commit()?;
        Ok(matching.len())
    }

    /// Staff opted the patient of `appointment` out of reminders (or back in); audited.
    /// `false` if there is no such appointment.
    pub fn set_reminder_opt_out(
        &mut self,
        appointment: AppointmentId,
        opted_out: bool,
        who: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let who = who.into();
        let tx = self.conn.transaction()?;
        let key: Option<String> = tx
            .query_row(
                &format!("SELECT {PATIENT_KEY} FROM appointments a WHERE a.handle = ?1"),
                [appointment.get().cast_signed()],
                |row| row.get(0),
            )
            .optional()?;
        let Some(key) = key else {
            return Ok(false);
        };
        if opted_out {
            tx.execute(
                "INSERT INTO reminder_opt_outs (patient_key, opted_out_at, opted_out_by)
                 VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![key, ts(now), who.actor.label()],
            )?;
        } else {
            tx.execute(
                "DELETE FROM reminder_opt_outs WHERE patient_key = ?1",
                [&key],
            )?;
        }
        let action = if opted_out {
            AuditAction::ReminderOptOut
        } else {
            AuditAction::ReminderOptIn
        };
        audit_in(&tx, now, &who, action, &appointment.get().to_string())?;
        tx.commit()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Cents, PersonName};
    use crate::office::store::NewAppointment;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_795_000_000 + seconds).unwrap()
    }

    fn booked(external_id: &str, time: Time) -> NewAppointment {
        NewAppointment {
            external_id: external_id.into(),
            day: "2026-11-23".parse().unwrap(),
            starts_at: time,
            patient: PersonName::new("Ada", "Testpatient").unwrap(),
            provider: "Dr. Demo Able".into(),
            copay: Cents::ZERO,
            balance: Cents::ZERO,
            date_of_birth: None,
            contact: None,
            patient_id: None,
            reminders: Default::default(),
        }
    }

    fn planned(kind: ReminderKind, due: i64) -> Planned {
        Planned {
            kind,
            due_at: at(due),
            latest_at: at(due + 1000),
        }
    }

    #[test]
    fn queueing_twice_adds_nothing_and_a_reschedule_gets_its_own_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store
            .import_appointments(&[booked("A-1", Time::constant(9, 30, 0, 0))])
            .unwrap();
        let day: Date = "2026-11-23".parse().unwrap();
        let found = store.reminder_candidates(day, day).unwrap();
        assert_eq!(found.len(), 1);
        let (id, d, t) = found[0];
        let list = [
            (id, d, t, planned(ReminderKind::DaysBefore, 10)),
            (id, d, t, planned(ReminderKind::Morning, 20)),
        ];
        assert_eq!(store.queue_reminders(&list, at(0)).unwrap(), 2);
        assert_eq!(store.queue_reminders(&list, at(1)).unwrap(), 0);
        assert_eq!(store.next_reminder(at(5)).unwrap(), None);
        assert_eq!(store.next_reminder_due().unwrap(), Some(at(10)));
        let first = store.next_reminder(at(10)).unwrap().unwrap();
        assert_eq!(first.kind, ReminderKind::DaysBefore);
        store
            .settle_reminder(
                first.row,
                &ReminderOutcome::Retry {
                    next_try: at(30),
                    reason: "mail server busy".into(),
                },
                at(10),
            )
            .unwrap();
        let second = store.next_reminder(at(25)).unwrap().unwrap();
        assert_eq!(second.kind, ReminderKind::Morning);
        store
            .settle_reminder(second.row, &ReminderOutcome::Sent, at(25))
            .unwrap();
        let again = store.next_reminder(at(30)).unwrap().unwrap();
        assert_eq!((again.row, again.attempts), (first.row, 1));
        store
            .settle_reminder(
                again.row,
                &ReminderOutcome::Failed("no answer".into()),
                at(30),
            )
            .unwrap();
        assert_eq!(store.next_reminder(at(99)).unwrap(), None);

        let view = store.reminders_between(day, day).unwrap();
        let states: Vec<_> = view[0].reminders.iter().map(|r| r.state).collect();
        assert_eq!(states, [ReminderState::Failed, ReminderState::Sent]);
        assert_eq!(view[0].reminders[0].attempts, 2);

        // Moved to 11:00: new rows for the new visit; the staff view shows only those.
        store
            .import_appointments(&[booked("A-1", Time::constant(11, 0, 0, 0))])
            .unwrap();
        let moved = [(
            id,
            d,
            Time::constant(11, 0, 0, 0),
            planned(ReminderKind::Morning, 40),
        )];
        assert_eq!(store.queue_reminders(&moved, at(31)).unwrap(), 1);
        let view = store.reminders_between(day, day).unwrap();
        assert_eq!(view[0].reminders.len(), 1);
        assert_eq!(view[0].reminders[0].state, ReminderState::Pending);
        let sends = store
            .audit_log(100)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "reminder.send")
            .count();
        assert_eq!(sends, 3);
    }

    #[test]
    fn an_opt_out_is_per_patient_and_audited() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let mut first = booked("A-1", Time::constant(9, 0, 0, 0));
        first.patient_id = crate::office::appointments::PatientNumber::new("P-1");
        let mut next = booked("A-2", Time::constant(10, 0, 0, 0));
        next.patient_id = crate::office::appointments::PatientNumber::new("P-1");
        let other = booked("B-1", Time::constant(11, 0, 0, 0));
        store.import_appointments(&[first, next, other]).unwrap();
        let day: Date = "2026-11-23".parse().unwrap();
        let ids: Vec<_> = store
            .reminder_candidates(day, day)
            .unwrap()
            .into_iter()
            .map(|c| c.0)
            .collect();
        assert!(
            store
                .set_reminder_opt_out(ids[0], true, Actor::Staff("desk".into()), at(0))
                .unwrap()
        );
        let opted: Vec<_> = ids
            .iter()
            .map(|id| store.reminder_subject(*id).unwrap().unwrap().opted_out)
            .collect();
        assert_eq!(opted, [true, true, false]);
        store
            .set_reminder_opt_out(ids[1], false, Actor::Staff("desk".into()), at(1))
            .unwrap();
        assert!(!store.reminder_subject(ids[0]).unwrap().unwrap().opted_out);
        assert!(
            !store
                .set_reminder_opt_out(AppointmentId::new(7), true, Actor::System, at(2))
                .unwrap()
        );
        let actions: Vec<_> = store
            .audit_log(10)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert!(actions.contains(&"reminder.opt_out".to_string()));
        assert!(actions.contains(&"reminder.opt_in".to_string()));
    }
}

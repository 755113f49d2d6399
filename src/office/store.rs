//! The office database (SQLite, WAL): appointments, check-ins, payments, new-patient
//! registrations, kiosk health, audit log.
//!
//! Every method takes `now` from the caller; nothing here reads the clock.
//!
//! An appointment has two numbers: its row id, private to this module, and its handle, a
//! random 64-bit number given once at import and kept by re-imports (same external id),
//! file copies and restores. Only the handle leaves this module (as [`AppointmentId`]);
//! check-ins refer to it, so a printed code never comes to mean a row reused for someone
//! else after a restore or a move to another database.

use crate::api::{
    CheckInSubmission, Heartbeat, OutboxHealth, PaymentSubmission, PrinterHealth,
    RegistrationSubmission, SubmissionOutcome, TerminalHealth,
};
use crate::domain::{
    AppointmentId, Cents, CheckInId, CheckInStatus, ContactField, ContactOnFile, DateOfBirth,
    KioskId, NewPatientRegistration, PersonName, RegistrationId,
};
use crate::office::audit::{AuditAction, AuditContext};
use crate::office::payments::PaymentRefused;
use crate::store::{MigrateError, open_database};
use db::{Connection, OptionalExtension, Row, params};
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use serde::Deserialize;
use serde::de::IntoDeserializer;
use std::path::Path;

pub mod audit;
mod coverage;
pub mod db;
mod details;
mod fhir;
mod forms;
mod handle;
mod hl7;
mod intake;
mod kiosks;
mod needs;
mod outbound_queue;
mod pairing;
mod payments;
pub mod pg_server;
mod reminder_links;
mod reminders;
mod retention;
mod staff;
pub(crate) use audit::audit_in;
pub use audit::{AuditEntry, AuditFilter, ChainWalk};
pub use coverage::{CheckRow, CoverageAnswerRow, CoverageItem, CoverageStored, PhotoMeta};
pub use details::{Close, Decided, DetailsChangeReview, FieldDecision, FieldReview};
pub use fhir::{
    CoveragePart, CoverageWrite, FhirItem, FhirKind, FhirSummary, FhirVisit, FhirWrites,
    PullStored, PulledAppointment,
};
pub use forms::{ConsentRow, ConsentStored, PublishedFile};
pub use handle::{DatabaseConfig, StoreGuard, StoreHandle, fresh_postgres_schema};
pub use hl7::{Cancelled, OutboundItem, OutboundPatient, OutboundSummary};
pub use intake::{
    Acknowledge, AlertState, IntakeRow, IntakeScores, IntakeStoreRefused, IntakeStored,
};
pub use kiosks::{BadKioskName, CredentialRow, KioskIdTaken, KioskName, PairedKiosk, PairedState};
pub use needs::{Answer, NeedId, OpenNeed};
pub use outbound_queue::{QueueState, QueueSummary};
pub use pairing::{PairingLockout, PairingRequestRow, PairingRequestState};
pub use payments::{PaymentRow, PaymentStored};
pub use reminder_links::LinkLookup;
pub use reminders::{
    AppointmentReminders, LetterSubject, ReminderItem, ReminderOutcome, ReminderRow,
    ReminderSubject,
};
pub use retention::{PurgeDue, Purged};
pub use staff::{SessionRow, StaffUser, UsernameTaken};

const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE appointments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        external_id TEXT NOT NULL UNIQUE,
        day TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        provider TEXT NOT NULL,
        copay_cents INTEGER NOT NULL CHECK (copay_cents >= 0)
    ) STRICT;
    CREATE INDEX appointments_by_day ON appointments (day, starts_at);
    -- No foreign key on appointment: an arrival for an appointment deleted since its
    -- code was printed is still recorded, and shown to staff as needing attention.
    CREATE TABLE checkins (
        id TEXT PRIMARY KEY,
        appointment INTEGER NOT NULL UNIQUE,
        kiosk TEXT NOT NULL,
        arrived_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('arrived', 'needs_attention', 'roomed')),
        status_changed_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE kiosk_health (
        kiosk TEXT PRIMARY KEY,
        last_seen_at TEXT NOT NULL,
        version TEXT NOT NULL,
        uptime_secs INTEGER NOT NULL,
        outbox_depth INTEGER NOT NULL,
        scanner_connected INTEGER NOT NULL,
        help_requested_at TEXT
    ) STRICT;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL
    ) STRICT;
",
    // Stable random handles. SQLite cannot add a NOT NULL UNIQUE column in place, so the
    // table is rebuilt (row ids kept); `random()` is SQLite's CSPRNG-seeded 64-bit value. A
    // collision would fail the step and leave the database as it was, to retry at next open.
    // Check-ins then name the handle; one whose appointment is gone keeps its old number,
    // which matches no handle and stays shown as "unknown appointment".
    "
    CREATE TABLE appointments_v2 (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        handle INTEGER NOT NULL UNIQUE,
        external_id TEXT NOT NULL UNIQUE,
        day TEXT NOT NULL,
        starts_at TEXT NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        provider TEXT NOT NULL,
        copay_cents INTEGER NOT NULL CHECK (copay_cents >= 0)
    ) STRICT;
    INSERT INTO appointments_v2
        (id, handle, external_id, day, starts_at, first_name, last_name, provider, copay_cents)
      SELECT id, random(), external_id, day, starts_at, first_name, last_name, provider,
             copay_cents
      FROM appointments;
    UPDATE checkins SET appointment =
        (SELECT a.handle FROM appointments_v2 a WHERE a.id = checkins.appointment)
      WHERE appointment IN (SELECT id FROM appointments_v2);
    DROP TABLE appointments;
    ALTER TABLE appointments_v2 RENAME TO appointments;
    CREATE INDEX appointments_by_day ON appointments (day, starts_at);
",
    "
    -- The kiosk's outbox as an explicit state (see `OutboxHealth`); `outbox_depth` is
    -- meaningless when the state is 'database_error'.
    ALTER TABLE kiosk_health ADD COLUMN outbox_state TEXT NOT NULL DEFAULT 'ok'
        CHECK (outbox_state IN ('ok', 'unreadable', 'database_error'));
    ALTER TABLE kiosk_health ADD COLUMN outbox_unreadable INTEGER NOT NULL DEFAULT 0;
",
    "
    -- The patient's date of birth (YYYY-MM-DD), when the import carried it: the kiosk
    -- matches on last name + date of birth through a keyed hash of both.
    ALTER TABLE appointments ADD COLUMN date_of_birth TEXT;
",
    "
    -- New-patient registrations from kiosks, by the id the kiosk gave them. `body` is the
    -- registration's JSON, wiped (NULL) when staff discard it; `appointment` is the
    -- handle of the walk-in appointment made when staff accept it.
    CREATE TABLE registrations (
        id TEXT PRIMARY KEY,
        kiosk TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
        status_changed_at TEXT NOT NULL,
        appointment INTEGER
    ) STRICT;
    CREATE INDEX registrations_by_arrival ON registrations (received_at);
",
    "
    -- 'Needs staff' items (see `needs`); they replace kiosk_health.help_requested_at,
    -- which is no longer written or read.
    CREATE TABLE staff_needs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk TEXT NOT NULL,
        reason TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        answered_at TEXT,
        answered_by TEXT
    ) STRICT;
    CREATE INDEX staff_needs_open ON staff_needs (kiosk) WHERE answered_at IS NULL;
",
    "
    -- Contact details on file (see `details`), when the import carried them; staff
    -- approving a patient's change request updates them.
    ALTER TABLE appointments ADD COLUMN address_line1 TEXT;
    ALTER TABLE appointments ADD COLUMN address_line2 TEXT;
    ALTER TABLE appointments ADD COLUMN city TEXT;
    ALTER TABLE appointments ADD COLUMN state TEXT;
    ALTER TABLE appointments ADD COLUMN zip TEXT;
    ALTER TABLE appointments ADD COLUMN phone TEXT;
    ALTER TABLE appointments ADD COLUMN email TEXT;
    -- A returning patient's change request, stored once by its kiosk-made id, open until
    -- staff have decided every field (and gone over the details, when the kiosk could
    -- not check them offline).
    CREATE TABLE details_changes (
        id TEXT PRIMARY KEY,
        appointment INTEGER NOT NULL,
        kiosk TEXT NOT NULL,
        submitted_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        unchecked_offline INTEGER NOT NULL,
        closed_at TEXT
    ) STRICT;
    CREATE TABLE details_change_fields (
        change_id TEXT NOT NULL REFERENCES details_changes (id),
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        decision TEXT CHECK (decision IN ('approved', 'rejected')),
        decided_at TEXT,
        decided_by TEXT,
        PRIMARY KEY (change_id, field)
    ) STRICT;
",
    "
    -- What is left to pay from earlier visits (see `payments`), when the import carried it.
    ALTER TABLE appointments ADD COLUMN balance_cents INTEGER NOT NULL DEFAULT 0
        CHECK (balance_cents >= 0);
    -- Co-pays taken (or not) at kiosks, stored once by the kiosk-made id. `appointment`
    -- is the handle; `body` is the submission's JSON, which a redelivery must repeat
    -- exactly. The other columns are copies for the day's totals and the report.
    CREATE TABLE payments (
        id TEXT PRIMARY KEY,
        appointment INTEGER NOT NULL,
        kiosk TEXT NOT NULL,
        settled_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        status TEXT NOT NULL
            CHECK (status IN ('paid', 'declined', 'pay_at_desk', 'not_paid', 'needs_staff')),
        paid_cents INTEGER NOT NULL CHECK (paid_cents >= 0),
        due_cents INTEGER NOT NULL CHECK (due_cents >= 0),
        body TEXT NOT NULL
    ) STRICT;
    CREATE INDEX payments_by_settled ON payments (settled_at);
    CREATE INDEX payments_by_appointment ON payments (appointment);
",
    "
    -- The kiosk's receipt printer as its heartbeat reports it (see `PrinterHealth`);
    -- kiosks from before the printer report none.
    ALTER TABLE kiosk_health ADD COLUMN printer TEXT NOT NULL DEFAULT 'not_configured'
        CHECK (printer IN ('ok', 'paper_low', 'paper_out', 'offline', 'not_configured'));
",
    "
    -- The kiosk's card terminal as its heartbeat reports it (see `TerminalHealth`);
    -- kiosks from before the terminal report none.
    ALTER TABLE kiosk_health ADD COLUMN terminal TEXT NOT NULL DEFAULT 'not_configured'
        CHECK (terminal IN ('ready', 'unavailable', 'not_configured'));
    -- Days kiosks closed at their card terminals (ZVT end of day), with the terminal's
    -- totals, for the end-of-day report beside what the kiosk reported.
    CREATE TABLE terminal_batches (
        kiosk TEXT NOT NULL,
        day TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count >= 0),
        cents INTEGER NOT NULL CHECK (cents >= 0),
        PRIMARY KEY (kiosk, day)
    ) STRICT;
",
    "
    -- Forms (see `forms`): every consent document and questionnaire version this office
    -- ever published, by kind, id, version and language ('' for a questionnaire), with
    -- its text: a signature names the version the patient saw, and its signed copy needs
    -- that text. `form_sets` are the sets published, the last one the last good set.
    CREATE TABLE form_files (
        kind TEXT NOT NULL CHECK (kind IN ('consent', 'questionnaire')),
        id TEXT NOT NULL,
        version TEXT NOT NULL,
        language TEXT NOT NULL,
        name TEXT NOT NULL,
        text TEXT NOT NULL,
        first_published_at TEXT NOT NULL,
        PRIMARY KEY (kind, id, version, language)
    ) STRICT;
    CREATE TABLE form_sets (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        revision TEXT NOT NULL,
        body TEXT NOT NULL,
        published_at TEXT NOT NULL
    ) STRICT;
    -- The practice's own patient number, when the import carries it: consents signed at
    -- one visit count at the next.
    ALTER TABLE appointments ADD COLUMN patient_id TEXT;
    CREATE INDEX appointments_by_patient ON appointments (patient_id)
        WHERE patient_id IS NOT NULL;
    -- Signed consents, stored once by the kiosk-made id, for an appointment (its handle)
    -- or a registration; `signature` is the compact encoding. `patient_id` is copied from
    -- the appointment when it arrives.
    CREATE TABLE consents (
        id TEXT PRIMARY KEY,
        appointment INTEGER,
        registration TEXT,
        patient_id TEXT,
        kiosk TEXT NOT NULL,
        document TEXT NOT NULL,
        version INTEGER NOT NULL,
        language TEXT NOT NULL,
        signed_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        signature TEXT NOT NULL,
        CHECK ((appointment IS NULL) <> (registration IS NULL))
    ) STRICT;
    CREATE INDEX consents_by_appointment ON consents (appointment);
    CREATE INDEX consents_by_registration ON consents (registration);
    CREATE INDEX consents_by_patient ON consents (patient_id) WHERE patient_id IS NOT NULL;
",
    "
    -- Intake answers (see `intake`), stored once by the kiosk-made id for an appointment
    -- (its handle) or a registration (its id). `body` is the submission's JSON, which a
    -- redelivery must repeat exactly; the scores are the office's own. `alert_questions`
    -- lists the questions whose answer raised an alert (NULL: none), open until staff
    -- acknowledge it.
    CREATE TABLE intake_responses (
        id TEXT PRIMARY KEY,
        subject_kind TEXT NOT NULL CHECK (subject_kind IN ('appointment', 'registration')),
        subject TEXT NOT NULL,
        kiosk TEXT NOT NULL,
        form TEXT NOT NULL,
        version TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL,
        phq2 INTEGER CHECK (phq2 BETWEEN 0 AND 6),
        phq9 INTEGER CHECK (phq9 BETWEEN 0 AND 27),
        alert_questions TEXT,
        alert_acknowledged_at TEXT,
        alert_acknowledged_by TEXT
    ) STRICT;
    CREATE INDEX intake_by_subject ON intake_responses (subject_kind, subject);
    CREATE INDEX intake_by_received ON intake_responses (received_at);
    CREATE INDEX intake_open_alerts ON intake_responses (id)
        WHERE alert_questions IS NOT NULL AND alert_acknowledged_at IS NULL;
",
    "
    -- Insurance (see `coverage`): the patient's answer at the insurance step, stored once by
    -- the kiosk-made id (`body`: the submission's JSON, which a redelivery must repeat), for
    -- an appointment (its handle) or a registration. `copied_from`: for 'unchanged', the
    -- answer whose coverages were copied forward.
    CREATE TABLE coverage_answers (
        id TEXT PRIMARY KEY,
        appointment INTEGER,
        registration TEXT,
        patient_id TEXT,
        kiosk TEXT NOT NULL,
        answer TEXT NOT NULL CHECK (answer IN ('coverages', 'unchanged_on_file', 'self_pay')),
        submitted_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        body TEXT NOT NULL,
        copied_from TEXT,
        CHECK ((appointment IS NULL) <> (registration IS NULL))
    ) STRICT;
    CREATE INDEX coverage_by_appointment ON coverage_answers (appointment);
    CREATE INDEX coverage_by_registration ON coverage_answers (registration);
    CREATE INDEX coverage_by_patient ON coverage_answers (patient_id) WHERE patient_id IS NOT NULL;
    -- Each coverage of an answer (`coverage`: its JSON); `shc`: for a smart health card
    -- source, whether the office verified it again ('verified') or not ('unverified').
    CREATE TABLE coverage_items (
        answer TEXT NOT NULL,
        rank TEXT NOT NULL CHECK (rank IN ('primary', 'secondary')),
        coverage TEXT NOT NULL,
        shc TEXT CHECK (shc IN ('verified', 'unverified')),
        PRIMARY KEY (answer, rank)
    ) STRICT;
    -- Every eligibility check (its id is the 270's interchange control number); status
    -- NULL while it runs.
    CREATE TABLE eligibility_checks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        answer TEXT NOT NULL,
        rank TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        checked_at TEXT,
        status TEXT CHECK (status IN ('active', 'inactive', 'not_found', 'not_verified')),
        reason TEXT,
        plan_name TEXT,
        copay_cents INTEGER CHECK (copay_cents >= 0)
    ) STRICT;
    CREATE INDEX eligibility_by_coverage ON eligibility_checks (answer, rank, id);
    CREATE TABLE card_photos (
        id TEXT PRIMARY KEY,
        coverage_answer TEXT NOT NULL,
        appointment INTEGER,
        registration TEXT,
        kiosk TEXT NOT NULL,
        rank TEXT NOT NULL CHECK (rank IN ('primary', 'secondary')),
        side TEXT NOT NULL CHECK (side IN ('front', 'back')),
        taken_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        jpeg BLOB NOT NULL,
        CHECK ((appointment IS NULL) <> (registration IS NULL))
    ) STRICT;
    CREATE INDEX card_photos_by_answer ON card_photos (coverage_answer);
    -- The co-pay an eligibility check of the primary coverage set for an appointment
    -- (absent: the scheduled one stands).
    CREATE TABLE verified_copays (
        appointment INTEGER PRIMARY KEY,
        copay_cents INTEGER NOT NULL CHECK (copay_cents >= 0),
        check_id INTEGER NOT NULL,
        set_at TEXT NOT NULL
    ) STRICT;
",
    "
    -- Staff sign-in (see `signin`): users (`username` kept in lower case, unique in any
    -- case; `password_hash`: an Argon2id PHC string), sessions (`token_hash`: SHA-256 of
    -- the browser's cookie token, never the token), and failed-login counters by key
    -- ('user:<name>' or 'addr:<ip>').
    CREATE TABLE staff_users (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        username TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('front_desk', 'manager', 'admin')),
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
        created_at TEXT NOT NULL
    ) STRICT;
    CREATE TABLE staff_sessions (
        token_hash BLOB PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES staff_users (id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX staff_sessions_by_user ON staff_sessions (user_id);
    CREATE TABLE staff_login_failures (
        key TEXT PRIMARY KEY,
        failures INTEGER NOT NULL,
        last_failed_at TEXT NOT NULL,
        locked_until TEXT
    ) STRICT;
",
    // The audit log as a hash chain (see `audit`).
    audit::MIGRATION,
    "
    -- The HL7 v2 interface's outbound queue (see `hl7`): one row per ADT message, written
    -- in the transaction that caused it; built and sent later, one at a time in order per
    -- patient (`patient_key`). `message_id` is MSH-10.
    CREATE TABLE hl7_outbound (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL UNIQUE,
        event TEXT NOT NULL CHECK (event IN ('A04', 'A08')),
        appointment INTEGER NOT NULL,
        patient_key TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_try_at TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
        last_error TEXT,
        done_at TEXT
    ) STRICT;
    CREATE INDEX hl7_outbound_waiting ON hl7_outbound (patient_key, id) WHERE state = 'pending';
",
    fhir::MIGRATION,
    reminders::MIGRATION,
    kiosks::MIGRATION,
    // Retention (see `retention`).
    retention::MIGRATION,
    fhir::MIGRATION_COVERAGE_CONSENT,
    // When each staff user last signed in (the users view shows it).
    "ALTER TABLE staff_users ADD COLUMN last_sign_in_at TEXT;",
    // The reminders' public links (see `reminder_links`).
    reminder_links::MIGRATION,
    // Kiosks waiting to be paired, shared by a practice's hubs (see `pairing`).
    pairing::MIGRATION,
];

/// Tries at giving a new appointment a handle no other has; a collision of random 64-bit
/// numbers is already a one-in-billions event per import.
const HANDLE_TRIES: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("office database: {0}")]
    Sql(#[from] db::Error),
    #[error("office database: {0}")]
    Migrate(#[from] MigrateError),
    #[error("office database holds an unreadable {0}")]
    Corrupt(&'static str),
    #[error("no randomness for a new appointment handle: {0}")]
    Random(getrandom::Error),
    #[error(transparent)]
    Server(#[from] pg_server::PgServerError),
}

/// An appointment as the office holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// The stable random handle (not the row id).
    pub id: AppointmentId,
    /// The practice-management system's id (or the demo's).
    pub external_id: String,
    pub day: Date,
    pub starts_at: Time,
    pub patient: PersonName,
    pub provider: String,
    pub copay: Cents,
    /// Left to pay from earlier visits; zero when the import did not carry it.
    pub balance: Cents,
    /// `None` when the import did not carry it.
    pub date_of_birth: Option<DateOfBirth>,
}

/// An appointment to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAppointment {
    pub external_id: String,
    pub day: Date,
    pub starts_at: Time,
    pub patient: PersonName,
    pub provider: String,
    pub copay: Cents,
    /// Left to pay from earlier visits; zero when the import did not carry it.
    pub balance: Cents,
    /// `None` when the import did not carry it.
    pub date_of_birth: Option<DateOfBirth>,
    /// `None` when the import carried no contact columns: what is on file is kept.
    pub contact: Option<ContactOnFile>,
    /// The practice's patient number; `None` keeps what is on file.
    pub patient_id: Option<crate::office::appointments::PatientNumber>,
    /// The patient's language and preferred reminder channel, each kept as on file when
    /// the import did not carry it.
    pub reminders: crate::office::reminders::ReminderPrefs,
}

/// What the intake stores in its batches (see [`OfficeStore::record_arrivals`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    CheckIn(CheckInSubmission),
    Payment(PaymentSubmission),
}

/// What storing an [`Arrival`] came to, of the same kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    CheckIn(SubmissionOutcome),
    Payment(Result<PaymentStored, PaymentRefused>),
}

/// A check-in with what staff need to see of its appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueRow {
    pub check_in: CheckInId,
    pub appointment: AppointmentId,
    /// `None` when the appointment has been deleted since its code was printed.
    pub details: Option<Appointment>,
    pub kiosk: KioskId,
    pub arrived_at: Timestamp,
    pub status: CheckInStatus,
}

/// The last health report of a kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskHealth {
    pub kiosk: KioskId,
    pub last_seen_at: Timestamp,
    pub version: String,
    pub uptime_secs: u64,
    pub outbox: OutboxHealth,
    pub scanner_connected: bool,
    pub printer: PrinterHealth,
    pub terminal: TerminalHealth,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Kiosk(KioskId),
    Staff(String),
    System,
}

impl Actor {
    pub(crate) fn label(&self) -> String {
        match self {
            Actor::Kiosk(id) => format!("kiosk:{id}"),
            Actor::Staff(who) => format!("staff:{who}"),
            Actor::System => "system".into(),
        }
    }
}

pub struct OfficeStore {
    conn: Connection,
    /// Whether check-ins and accepted details queue ADT messages (an `[hl7] peer` is set).
    hl7_outbound: bool,
    /// What check-ins and accepted registrations queue for the FHIR server (`[fhir]`).
    fhir_writes: FhirWrites,
}

fn parse<T: std::str::FromStr>(text: &str, what: &'static str) -> Result<T, StoreError> {
    text.parse().map_err(|_| StoreError::Corrupt(what))
}

const APPOINTMENT_COLUMNS: &str = "a.handle, a.external_id, a.day, a.starts_at, a.first_name, a.last_name, a.provider, a.copay_cents, a.date_of_birth, a.balance_cents";

fn appointment_from(row: &Row<'_>, at: usize) -> db::Result<Result<Appointment, StoreError>> {
    let id: i64 = row.get(at)?;
    let external_id: String = row.get(at + 1)?;
    let day: String = row.get(at + 2)?;
    let starts_at: String = row.get(at + 3)?;
    let first: String = row.get(at + 4)?;
    let last: String = row.get(at + 5)?;
    let provider: String = row.get(at + 6)?;
    let copay: i64 = row.get(at + 7)?;
    let dob: Option<String> = row.get(at + 8)?;
    let balance: i64 = row.get(at + 9)?;
    Ok((|| {
        Ok(Appointment {
            id: AppointmentId::new(id.cast_unsigned()),
            external_id,
            day: parse(&day, "appointment day")?,
            starts_at: parse(&starts_at, "appointment time")?,
            patient: PersonName::new(&first, &last)
                .map_err(|_| StoreError::Corrupt("patient name"))?,
            provider,
            copay: Cents::new(u32::try_from(copay).map_err(|_| StoreError::Corrupt("co-pay"))?),
            balance: Cents::new(
                u32::try_from(balance).map_err(|_| StoreError::Corrupt("balance"))?,
            ),
            date_of_birth: dob
                .map(|text| {
                    DateOfBirth::deserialize(text.as_str().into_deserializer())
                        .map_err(|_: serde::de::value::Error| StoreError::Corrupt("date of birth"))
                })
                .transpose()?,
        })
    })())
}

impl OfficeStore {
    /// What a check-in queues for the EHR's interfaces.
    fn outbound(&self) -> Outbound {
        Outbound {
            hl7: self.hl7_outbound,
            fhir: self.fhir_writes,
        }
    }

    /// Whether the database answers a trivial query (the watchdog's health check).
    pub fn check(&self) -> Result<(), StoreError> {
        self.conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    /// The SQLite store in the file at `path`, created or brought up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = Connection::sqlite(open_database(path, MIGRATIONS)?);
        audit::chain_backfill(&mut conn)?;
        Ok(Self::with_connection(conn))
    }

    /// For tests: a fresh store, on PostgreSQL when `FRONTDESK_TEST_POSTGRES` is set
    /// (see [`StoreHandle::for_tests`]).
    #[cfg(test)]
    pub(crate) fn for_tests(dir: &Path) -> Self {
        StoreHandle::for_tests(dir)
            .and_then(StoreHandle::into_store)
            .expect("test store")
    }

    /// A read-only view of the PostgreSQL store at `url` (the practice's rows `server`
    /// was given for), as of one instant (a repeatable read transaction), taking no lock:
    /// hubs go on writing while it is read.
    pub fn postgres_snapshot(server: &pg_server::PgServer) -> Result<Self, StoreError> {
        let conn = db::PgConnection::connect(server)?;
        conn.run(|session| handle::refuse_unbound_role(&mut session.client))?;
        conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(Self::with_connection(Connection::postgres(Box::new(conn))))
    }

    /// The connection, for what reads the store's tables directly (`verify-audit`).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The store over a connection whose schema is up to date.
    fn with_connection(conn: Connection) -> Self {
        Self {
            conn,
            hl7_outbound: false,
            fhir_writes: FhirWrites::default(),
        }
    }

    /// Adds or updates appointments by external id; returns how many were written. A new
    /// appointment gets a random handle; one already known keeps its handle.
    pub fn import_appointments(&mut self, list: &[NewAppointment]) -> Result<usize, StoreError> {
        self.import_with_handles(list, || getrandom::u64().map_err(StoreError::Random))
    }

    /// [`Self::import_appointments`] with new handles drawn from `draw`.
    fn import_with_handles(
        &mut self,
        list: &[NewAppointment],
        draw: impl FnMut() -> Result<u64, StoreError>,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        upsert_appointments_in(&tx, list, draw)?;
        tx.commit()?;
        Ok(list.len())
    }

    /// Appointments on `day`, by start time.
    pub fn appointments_on(&self, day: Date) -> Result<Vec<Appointment>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {APPOINTMENT_COLUMNS} FROM appointments a WHERE a.day = ?1
             ORDER BY a.starts_at, a.last_name, a.id"
        ))?;
        let rows = stmt.query_map([day.to_string()], |row| appointment_from(row, 0))?;
        rows.map(|r| r?).collect()
    }

    pub fn appointment(&self, id: AppointmentId) -> Result<Option<Appointment>, StoreError> {
        self.conn
            .query_row(
                &format!("SELECT {APPOINTMENT_COLUMNS} FROM appointments a WHERE a.handle = ?1"),
                [id.get().cast_signed()],
                |row| appointment_from(row, 0),
            )
            .optional()?
            .transpose()
    }

    /// Stores several check-ins in one transaction (one disk flush), each once however
    /// often it is submitted; outcomes in the order given. A later item sees the earlier
    /// ones, so a repeat within the batch is recognised too.
    pub fn record_check_ins(
        &mut self,
        batch: &[(&CheckInSubmission, &KioskId)],
        now: Timestamp,
    ) -> Result<Vec<SubmissionOutcome>, StoreError> {
        let out = self.outbound();
        let tx = self.conn.transaction()?;
        let outcomes = batch
            .iter()
            .map(|(submission, kiosk)| insert_check_in_once(&tx, submission, kiosk, out, now))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(outcomes)
    }

    /// Stores check-ins and payments in one transaction (one disk flush), each once
    /// however often it is submitted, with its audit entry (and, for a payment that needs
    /// staff, its "needs staff" item); outcomes in the order given. A refused payment
    /// stores nothing and leaves the rest of the batch alone.
    pub fn record_arrivals(
        &mut self,
        batch: &[(&Arrival, &KioskId)],
        now: Timestamp,
    ) -> Result<Vec<Recorded>, StoreError> {
        let out = self.outbound();
        let tx = self.conn.transaction()?;
        let outcomes = batch
            .iter()
            .map(|(arrival, kiosk)| match arrival {
                Arrival::CheckIn(submission) => {
                    insert_check_in_once(&tx, submission, kiosk, out, now).map(Recorded::CheckIn)
                }
                Arrival::Payment(payment) => {
                    payments::record_payment_in(&tx, payment, kiosk, now).map(Recorded::Payment)
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit()?;
        Ok(outcomes)
    }

    /// Check-ins that arrived on `day` (counted in UTC bounds the caller gives), oldest first.
    pub fn queue(&self, from: Timestamp, until: Timestamp) -> Result<Vec<QueueRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT c.id, c.appointment, c.kiosk, c.arrived_at, c.status, a.id IS NOT NULL,
                    {APPOINTMENT_COLUMNS}
             FROM checkins c LEFT JOIN appointments a ON a.handle = c.appointment
             WHERE c.arrived_at >= ?1 AND c.arrived_at < ?2
             ORDER BY c.arrived_at, c.id"
        ))?;
        let rows = stmt.query_map([ts(from), ts(until)], |row| {
            let id: String = row.get(0)?;
            let appointment: i64 = row.get(1)?;
            let kiosk: String = row.get(2)?;
            let arrived_at: String = row.get(3)?;
            let status: String = row.get(4)?;
            let has_details: bool = row.get(5)?;
            let details = if has_details {
                Some(appointment_from(row, 6)?)
            } else {
                None
            };
            Ok((|| {
                Ok(QueueRow {
                    check_in: CheckInId::parse(&id).ok_or(StoreError::Corrupt("check-in id"))?,
                    appointment: AppointmentId::new(appointment.cast_unsigned()),
                    details: details.transpose()?,
                    kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                    arrived_at: parse(&arrived_at, "arrival time")?,
                    status: CheckInStatus::parse(&status).ok_or(StoreError::Corrupt("status"))?,
                })
            })())
        })?;
        rows.map(|r| r?).collect()
    }

    /// Appointments on `day` with their check-in status, if any.
    pub fn checked_in_appointments(
        &self,
        day: Date,
    ) -> Result<Vec<(AppointmentId, CheckInStatus)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.appointment, c.status FROM checkins c
             JOIN appointments a ON a.handle = c.appointment WHERE a.day = ?1",
        )?;
        let rows = stmt.query_map([day.to_string()], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?;
        rows.map(|r| {
            let (id, status) = r?;
            Ok((
                AppointmentId::new(id.cast_unsigned()),
                CheckInStatus::parse(&status).ok_or(StoreError::Corrupt("status"))?,
            ))
        })
        .collect()
    }

    /// Staff moved a check-in along; `false` if there is no such check-in.
    pub fn set_status(
        &mut self,
        id: CheckInId,
        status: CheckInStatus,
        actor: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let actor = &actor.into();
        let tx = self.conn.transaction()?;
        let changed = tx.execute(
            "UPDATE checkins SET status = ?2, status_changed_at = ?3 WHERE id = ?1",
            params![id.to_string(), status.as_str(), ts(now)],
        )?;
        if changed > 0 {
            audit_in(
                &tx,
                now,
                actor,
                AuditAction::check_in_status(status),
                &id.to_string(),
            )?;
        }
        tx.commit()?;
        Ok(changed > 0)
    }

    pub fn record_heartbeat(
        &mut self,
        kiosk: &KioskId,
        beat: &Heartbeat,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let (state, depth, unreadable) = match beat.outbox {
            OutboxHealth::Ok { depth } => ("ok", depth, 0),
            OutboxHealth::Unreadable {
                depth,
                unreadable_rows,
            } => ("unreadable", depth, unreadable_rows),
            OutboxHealth::DatabaseError => ("database_error", 0, 0),
        };
        self.conn.execute(
            "INSERT INTO kiosk_health
               (kiosk, last_seen_at, version, uptime_secs, outbox_depth, scanner_connected,
                outbox_state, outbox_unreadable, printer, terminal)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (kiosk) DO UPDATE SET
               last_seen_at = excluded.last_seen_at, version = excluded.version,
               uptime_secs = excluded.uptime_secs, outbox_depth = excluded.outbox_depth,
               scanner_connected = excluded.scanner_connected,
               outbox_state = excluded.outbox_state,
               outbox_unreadable = excluded.outbox_unreadable,
               printer = excluded.printer, terminal = excluded.terminal",
            params![
                kiosk.as_str(),
                ts(now),
                beat.version,
                i64::try_from(beat.uptime_secs).unwrap_or(i64::MAX),
                i64::try_from(depth).unwrap_or(i64::MAX),
                beat.scanner_connected,
                state,
                i64::try_from(unreadable).unwrap_or(i64::MAX),
                beat.printer.as_str(),
                beat.terminal.as_str(),
            ],
        )?;
        if let Some(batch) = &beat.terminal_batch {
            self.conn.execute(
                "INSERT INTO terminal_batches (kiosk, day, count, cents) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (kiosk, day) DO UPDATE SET
                   count = excluded.count, cents = excluded.cents",
                params![
                    kiosk.as_str(),
                    batch.day.to_string(),
                    batch.count,
                    batch.amount.get()
                ],
            )?;
        }
        Ok(())
    }

    /// The days kiosks closed at their terminals on `day`: kiosk, transactions, cents.
    pub fn terminal_batches_on(&self, day: Date) -> Result<Vec<(KioskId, u32, u64)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kiosk, count, cents FROM terminal_batches WHERE day = ?1 ORDER BY kiosk",
        )?;
        let rows = stmt.query_map([day.to_string()], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })?;
        rows.map(|r| {
            let (kiosk, count, cents) = r?;
            Ok((
                KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                u32::try_from(count).map_err(|_| StoreError::Corrupt("batch count"))?,
                cents.cast_unsigned(),
            ))
        })
        .collect()
    }

    pub fn kiosks(&self) -> Result<Vec<KioskHealth>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT kiosk, last_seen_at, version, uptime_secs, outbox_depth, scanner_connected,
                    outbox_state, outbox_unreadable, printer, terminal
             FROM kiosk_health ORDER BY kiosk",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
                row.get::<_, bool>(5)?,
                row.get::<_, String>(6)?,
                row.get::<_, i64>(7)?,
                row.get::<_, String>(8)?,
                row.get::<_, String>(9)?,
            ))
        })?;
        rows.map(|r| {
            let (
                kiosk,
                seen,
                version,
                uptime,
                depth,
                scanner,
                state,
                unreadable,
                printer,
                terminal,
            ) = r?;
            let depth = depth.cast_unsigned();
            let outbox = match state.as_str() {
                "ok" => OutboxHealth::Ok { depth },
                "unreadable" => OutboxHealth::Unreadable {
                    depth,
                    unreadable_rows: unreadable.cast_unsigned(),
                },
                "database_error" => OutboxHealth::DatabaseError,
                _ => return Err(StoreError::Corrupt("kiosk outbox state")),
            };
            Ok(KioskHealth {
                kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                last_seen_at: parse(&seen, "heartbeat time")?,
                version,
                uptime_secs: uptime.cast_unsigned(),
                outbox,
                scanner_connected: scanner,
                printer: PrinterHealth::parse(&printer)
                    .ok_or(StoreError::Corrupt("kiosk printer state"))?,
                terminal: TerminalHealth::parse(&terminal)
                    .ok_or(StoreError::Corrupt("kiosk terminal state"))?,
            })
        })
        .collect()
    }
}

/// Adds or updates appointments by external id inside `tx` (see
/// [`OfficeStore::import_appointments`]), drawing new handles from `draw`.
fn upsert_appointments_in(
    tx: &Connection,
    list: &[NewAppointment],
    mut draw: impl FnMut() -> Result<u64, StoreError>,
) -> Result<(), StoreError> {
    // The handle is only written by the insert; the update leaves it alone.
    let mut stmt = tx.prepare_cached(
        "INSERT INTO appointments
               (handle, external_id, day, starts_at, first_name, last_name, provider,
                copay_cents, date_of_birth, address_line1, address_line2, city, state,
                zip, phone, email, balance_cents, patient_id, language, reminder_channel)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?18, ?19, ?21, ?22)
             ON CONFLICT (external_id) DO UPDATE SET
               day = excluded.day, starts_at = excluded.starts_at,
               first_name = excluded.first_name, last_name = excluded.last_name,
               provider = excluded.provider, copay_cents = excluded.copay_cents,
               balance_cents = excluded.balance_cents,
               date_of_birth = excluded.date_of_birth,
               address_line1 = CASE WHEN ?17 THEN excluded.address_line1 ELSE appointments.address_line1 END,
               address_line2 = CASE WHEN ?17 THEN excluded.address_line2 ELSE appointments.address_line2 END,
               city = CASE WHEN ?17 THEN excluded.city ELSE appointments.city END,
               state = CASE WHEN ?17 THEN excluded.state ELSE appointments.state END,
               zip = CASE WHEN ?17 THEN excluded.zip ELSE appointments.zip END,
               phone = CASE WHEN ?17 THEN excluded.phone ELSE appointments.phone END,
               email = CASE WHEN ?17 THEN excluded.email ELSE appointments.email END,
               patient_id = coalesce(excluded.patient_id, appointments.patient_id),
               language = CASE WHEN ?20 THEN excluded.language ELSE appointments.language END,
               reminder_channel = CASE WHEN ?23 THEN excluded.reminder_channel ELSE appointments.reminder_channel END",
    )?;
    for a in list {
        let mut tries = 0;
        loop {
            let handle = draw()?;
            let contact = a.contact.clone().unwrap_or_default();
            let on_file = |field| contact.get(field);
            let prefs = a.reminders;
            let written = tx.attempt(|| {
                stmt.execute(params![
                    handle.cast_signed(),
                    a.external_id,
                    a.day.to_string(),
                    a.starts_at.strftime("%H:%M").to_string(),
                    a.patient.first(),
                    a.patient.last(),
                    a.provider,
                    i64::from(a.copay.get()),
                    a.date_of_birth.map(|d| d.date().to_string()),
                    on_file(ContactField::AddressLine1),
                    on_file(ContactField::AddressLine2),
                    on_file(ContactField::City),
                    on_file(ContactField::State),
                    on_file(ContactField::Zip),
                    on_file(ContactField::Phone),
                    on_file(ContactField::Email),
                    a.contact.is_some(),
                    i64::from(a.balance.get()),
                    a.patient_id.as_ref().map(|p| p.as_str()),
                    prefs.language.is_some(),
                    prefs.language.unwrap_or_default().code(),
                    prefs.channel.unwrap_or_default().as_str(),
                    prefs.channel.is_some(),
                ])
            });
            tries += 1;
            match written {
                // The external id's conflict is the upsert; any other uniqueness
                // failure is the handle, taken already: draw another.
                Err(e) if e.is_unique_violation() && tries < HANDLE_TRIES => {}
                written => {
                    written?;
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Timestamps as fixed-width UTC text, so SQL compares them in time order.
fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// What a new check-in of a known appointment queues for the EHR's interfaces.
#[derive(Debug, Clone, Copy)]
struct Outbound {
    /// An ADT^A04.
    hl7: bool,
    fhir: FhirWrites,
}

/// Stores a check-in once, queueing what `out` asks for if its appointment is known.
fn insert_check_in_once(
    tx: &Connection,
    submission: &CheckInSubmission,
    kiosk: &KioskId,
    out: Outbound,
    now: Timestamp,
) -> Result<SubmissionOutcome, StoreError> {
    // The same check-in first, else another for its appointment. Two index lookups, not
    // `id = ?1 OR appointment = ?2`: PostgreSQL planned that OR afresh on every call under
    // row-level security (0.6 ms, most of a check-in's time there).
    let existing: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM (
               SELECT id, 0 AS pref FROM checkins WHERE id = ?1
               UNION ALL
               SELECT id, 1 AS pref FROM checkins WHERE appointment = ?2
             ) AS found ORDER BY pref LIMIT 1",
        )?
        .query_row(
            params![
                submission.id.to_string(),
                submission.appointment.get().cast_signed()
            ],
            |row| row.get(0),
        )
        .optional()?;
    Ok(match existing {
        Some(id) if id == submission.id.to_string() => SubmissionOutcome::AlreadyStored,
        Some(_) => SubmissionOutcome::AppointmentAlreadyCheckedIn,
        None => {
            let known: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM appointments WHERE handle = ?1)")?
                .query_row([submission.appointment.get().cast_signed()], |row| {
                    row.get(0)
                })?;
            let status = if known {
                CheckInStatus::Arrived
            } else {
                CheckInStatus::NeedsAttention
            };
            tx.prepare_cached(
                "INSERT INTO checkins
                   (id, appointment, kiosk, arrived_at, received_at, status, status_changed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
            )?
            .execute(params![
                submission.id.to_string(),
                submission.appointment.get().cast_signed(),
                kiosk.as_str(),
                ts(submission.arrived_at),
                ts(now),
                status.as_str(),
            ])?;
            audit_in(
                tx,
                now,
                &Actor::Kiosk(kiosk.clone()).into(),
                AuditAction::CheckInCreate,
                &submission.id.to_string(),
            )?;
            if out.hl7 && known {
                hl7::enqueue_in(
                    tx,
                    crate::hl7::adt::AdtEvent::Register,
                    submission.appointment.get().cast_signed(),
                    now,
                )?;
            }
            if known {
                fhir::enqueue_in(
                    tx,
                    out.fhir,
                    submission.appointment.get().cast_signed(),
                    false,
                    now,
                )?;
            }
            SubmissionOutcome::Accepted
        }
    })
}

// ---- New-patient registrations -------------------------------------------------------

/// Where a registration stands with staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Waiting for staff to review it.
    Pending,
    /// Staff took the patient into the day's list.
    Accepted,
    /// Staff discarded it (not a patient, a test, a duplicate); its contents are wiped.
    Rejected,
}

impl RegistrationStatus {
    /// The stable text used in the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "accepted" => Some(Self::Accepted),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }
}

/// A registration as the office holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRow {
    pub id: RegistrationId,
    pub kiosk: KioskId,
    pub submitted_at: Timestamp,
    pub received_at: Timestamp,
    pub status: RegistrationStatus,
    /// `None` once discarded: the office keeps no details of someone who is not a patient.
    pub registration: Option<NewPatientRegistration>,
    /// The walk-in appointment made when it was accepted.
    pub appointment: Option<AppointmentId>,
}

/// Where an accepted registration's walk-in appointment goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalkIn {
    /// The clinic day of the appointment (today).
    pub day: Date,
    /// Its time on the day's list.
    pub starts_at: Time,
    /// The start of that day: a registration received before it (left pending overnight)
    /// arrives now instead, so the patient is in today's queue.
    pub day_start: Timestamp,
}

/// What accepting a registration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptOutcome {
    /// The patient is on the day's list now, checked in.
    Accepted {
        appointment: AppointmentId,
        check_in: CheckInId,
    },
    /// Accepted before (a double click): nothing changed.
    AlreadyAccepted {
        appointment: Option<AppointmentId>,
    },
    /// Discarded before; it cannot be accepted any more.
    AlreadyRejected,
    NotFound,
}

/// What discarding a registration did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectOutcome {
    Rejected,
    AlreadyRejected,
    /// Accepted before: the patient is on the list; discarding is refused.
    AlreadyAccepted,
    NotFound,
}

/// status, body, kiosk, received_at, appointment.
type ReviewColumns = (String, Option<String>, String, String, Option<i64>);

/// The provider column of a walk-in made from a registration.
pub const WALK_IN_PROVIDER: &str = "Walk-in (new patient)";

impl OfficeStore {
    /// Stores a registration once however often it is delivered (by id).
    pub fn record_registration(
        &mut self,
        submission: &RegistrationSubmission,
        kiosk: &KioskId,
        now: Timestamp,
    ) -> Result<SubmissionOutcome, StoreError> {
        let body = serde_json::to_string(&submission.registration)
            .map_err(|_| StoreError::Corrupt("registration"))?;
        let tx = self.conn.transaction()?;
        let inserted = tx.execute(
            "INSERT INTO registrations
               (id, kiosk, submitted_at, received_at, body, status, status_changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?4) ON CONFLICT DO NOTHING",
            params![
                submission.id.to_string(),
                kiosk.as_str(),
                ts(submission.submitted_at),
                ts(now),
                body
            ],
        )?;
        let outcome = if inserted == 1 {
            audit_in(
                &tx,
                now,
                &Actor::Kiosk(kiosk.clone()).into(),
                AuditAction::RegistrationCreate,
                &submission.id.to_string(),
            )?;
            SubmissionOutcome::Accepted
        } else {
            SubmissionOutcome::AlreadyStored
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Registrations received in `[from, until)`, and any still pending from before,
    /// oldest first.
    pub fn registrations(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<RegistrationRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kiosk, submitted_at, received_at, status, body, appointment
             FROM registrations
             WHERE (received_at >= ?1 AND received_at < ?2) OR status = 'pending'
             ORDER BY received_at, id",
        )?;
        let rows = stmt.query_map([ts(from), ts(until)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<i64>>(6)?,
            ))
        })?;
        rows.map(|r| {
            let (id, kiosk, submitted, received, status, body, appointment) = r?;
            Ok(RegistrationRow {
                id: RegistrationId::parse(&id).ok_or(StoreError::Corrupt("registration id"))?,
                kiosk: KioskId::new(&kiosk).map_err(|_| StoreError::Corrupt("kiosk id"))?,
                submitted_at: parse(&submitted, "registration time")?,
                received_at: parse(&received, "registration time")?,
                status: RegistrationStatus::parse(&status)
                    .ok_or(StoreError::Corrupt("registration status"))?,
                registration: body
                    .map(|body| {
                        serde_json::from_str(&body).map_err(|_| StoreError::Corrupt("registration"))
                    })
                    .transpose()?,
                appointment: appointment.map(|a| AppointmentId::new(a.cast_unsigned())),
            })
        })
        .collect()
    }

    /// Staff accepted a pending registration: in one transaction, the patient becomes a
    /// walk-in appointment on `walk_in.day`, already checked in (waiting), and the
    /// registration is marked accepted. Accepting again changes nothing.
    pub fn accept_registration(
        &mut self,
        id: RegistrationId,
        walk_in: WalkIn,
        actor: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<AcceptOutcome, StoreError> {
        let actor = &actor.into();
        self.accept_with_handles(id, walk_in, actor, now, || {
            getrandom::u64().map_err(StoreError::Random)
        })
    }

    fn accept_with_handles(
        &mut self,
        id: RegistrationId,
        walk_in: WalkIn,
        actor: impl Into<AuditContext>,
        now: Timestamp,
        mut draw: impl FnMut() -> Result<u64, StoreError>,
    ) -> Result<AcceptOutcome, StoreError> {
        let actor = &actor.into();
        let tx = self
            .conn
            .transaction_with_behavior(db::TransactionBehavior::Immediate)?;
        let found: Option<ReviewColumns> = tx
            .query_row(
                "SELECT status, body, kiosk, received_at, appointment
                 FROM registrations WHERE id = ?1",
                [id.to_string()],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((status, body, kiosk, received_at, appointment)) = found else {
            return Ok(AcceptOutcome::NotFound);
        };
        match RegistrationStatus::parse(&status) {
            Some(RegistrationStatus::Pending) => {}
            Some(RegistrationStatus::Accepted) => {
                return Ok(AcceptOutcome::AlreadyAccepted {
                    appointment: appointment.map(|a| AppointmentId::new(a.cast_unsigned())),
                });
            }
            Some(RegistrationStatus::Rejected) => return Ok(AcceptOutcome::AlreadyRejected),
            None => return Err(StoreError::Corrupt("registration status")),
        }
        let registration: NewPatientRegistration = body
            .as_deref()
            .and_then(|body| serde_json::from_str(body).ok())
            .ok_or(StoreError::Corrupt("registration"))?;
        let received_at: Timestamp = parse(&received_at, "registration time")?;
        let name = &registration.legal_name.value;
        let mut tries = 0;
        let handle = loop {
            let handle = draw()?;
            let written = tx.attempt(|| {
                tx.prepare_cached(
                    "INSERT INTO appointments
                       (handle, external_id, day, starts_at, first_name, last_name, provider,
                        copay_cents, date_of_birth)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
                )?
                .execute(params![
                    handle.cast_signed(),
                    format!("REG-{id}"),
                    walk_in.day.to_string(),
                    walk_in.starts_at.strftime("%H:%M").to_string(),
                    name.first(),
                    name.last(),
                    WALK_IN_PROVIDER,
                    registration.date_of_birth.value.date().to_string(),
                ])
            });
            tries += 1;
            match written {
                // The external id is this registration's own, so a uniqueness failure
                // is the handle, taken already: draw another.
                Err(e) if e.is_unique_violation() && tries < HANDLE_TRIES => {}
                written => {
                    written?;
                    break AppointmentId::new(handle);
                }
            }
        };
        let check_in = CheckInId::random();
        let arrived_at = if received_at >= walk_in.day_start {
            received_at
        } else {
            now
        };
        tx.prepare_cached(
            "INSERT INTO checkins
               (id, appointment, kiosk, arrived_at, received_at, status, status_changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'arrived', ?5)",
        )?
        .execute(params![
            check_in.to_string(),
            handle.get().cast_signed(),
            kiosk,
            ts(arrived_at),
            ts(now),
        ])?;
        tx.execute(
            "UPDATE registrations SET status = 'accepted', status_changed_at = ?2, appointment = ?3
             WHERE id = ?1",
            params![id.to_string(), ts(now), handle.get().cast_signed()],
        )?;
        audit_in(
            &tx,
            now,
            actor,
            AuditAction::RegistrationAccept,
            &id.to_string(),
        )?;
        audit_in(
            &tx,
            now,
            actor,
            AuditAction::CheckInCreate,
            &check_in.to_string(),
        )?;
        if self.hl7_outbound {
            hl7::enqueue_in(
                &tx,
                crate::hl7::adt::AdtEvent::Register,
                handle.get().cast_signed(),
                now,
            )?;
        }
        fhir::enqueue_in(&tx, self.fhir_writes, handle.get().cast_signed(), true, now)?;
        tx.commit()?;
        Ok(AcceptOutcome::Accepted {
            appointment: handle,
            check_in,
        })
    }

    /// Staff discarded a pending registration (not a patient): it is marked rejected and
    /// its contents wiped; the row and the audit entry stay.
    pub fn reject_registration(
        &mut self,
        id: RegistrationId,
        actor: impl Into<AuditContext>,
        now: Timestamp,
    ) -> Result<RejectOutcome, StoreError> {
        let actor = &actor.into();
        let tx = self.conn.transaction()?;
        let status: Option<String> = tx
            .query_row(
                "SELECT status FROM registrations WHERE id = ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        let outcome = match status.as_deref().map(RegistrationStatus::parse) {
            None => RejectOutcome::NotFound,
            Some(None) => return Err(StoreError::Corrupt("registration status")),
            Some(Some(RegistrationStatus::Accepted)) => RejectOutcome::AlreadyAccepted,
            Some(Some(RegistrationStatus::Rejected)) => RejectOutcome::AlreadyRejected,
            Some(Some(RegistrationStatus::Pending)) => {
                tx.execute(
                    "UPDATE registrations SET status = 'rejected', status_changed_at = ?2,
                       body = NULL
                     WHERE id = ?1",
                    params![id.to_string(), ts(now)],
                )?;
                // Nor the signatures of someone who is not a patient.
                tx.execute(
                    "DELETE FROM consents WHERE registration = ?1",
                    [id.to_string()],
                )?;
                audit_in(
                    &tx,
                    now,
                    actor,
                    AuditAction::RegistrationReject,
                    &id.to_string(),
                )?;
                RejectOutcome::Rejected
            }
        };
        tx.commit()?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_recognises_repeats_within_itself_and_commits_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let kiosk = KioskId::new("lobby-1").unwrap();
        let now: Timestamp = "2026-11-23T15:00:01Z".parse().unwrap();
        let first = CheckInSubmission::sample(7);
        let same_visit_new_id = CheckInSubmission::sample(7);
        let second = CheckInSubmission::sample(8);
        let outcomes = store
            .record_check_ins(
                &[
                    (&first, &kiosk),
                    (&first, &kiosk),
                    (&same_visit_new_id, &kiosk),
                    (&second, &kiosk),
                ],
                now,
            )
            .unwrap();
        assert_eq!(
            outcomes,
            vec![
                SubmissionOutcome::Accepted,
                SubmissionOutcome::AlreadyStored,
                SubmissionOutcome::AppointmentAlreadyCheckedIn,
                SubmissionOutcome::Accepted,
            ]
        );
        let day = "2026-11-23T00:00:00Z".parse().unwrap();
        let next = "2026-11-24T00:00:00Z".parse().unwrap();
        assert_eq!(store.queue(day, next).unwrap().len(), 2);
        let creates = store
            .audit_log(10)
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "check_in.create")
            .count();
        assert_eq!(creates, 2, "one audit row per stored check-in");
        assert_eq!(
            store.record_check_ins(&[(&second, &kiosk)], now).unwrap(),
            vec![SubmissionOutcome::AlreadyStored]
        );
    }

    fn day() -> Date {
        "2026-11-23".parse().unwrap()
    }

    fn appointment(external_id: &str, first: &str, last: &str) -> NewAppointment {
        NewAppointment {
            external_id: external_id.into(),
            day: day(),
            starts_at: Time::constant(9, 30, 0, 0),
            patient: PersonName::new(first, last).unwrap(),
            provider: "Dr. Demo Able".into(),
            copay: Cents::new(2500),
            balance: Cents::ZERO,
            date_of_birth: None,
            contact: None,
            patient_id: None,
            reminders: Default::default(),
        }
    }

    fn handle_of(store: &OfficeStore, external_id: &str) -> Option<AppointmentId> {
        store
            .appointments_on(day())
            .unwrap()
            .into_iter()
            .find(|a| a.external_id == external_id)
            .map(|a| a.id)
    }

    fn row_id_of(store: &OfficeStore, external_id: &str) -> i64 {
        store
            .conn
            .query_row(
                "SELECT id FROM appointments WHERE external_id = ?1",
                [external_id],
                |row| row.get(0),
            )
            .unwrap()
    }

    fn key() -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&[3; 32])
    }

    fn code_for(appointment: &Appointment) -> String {
        crate::token::CheckInToken {
            clinic: crate::domain::ClinicId::new(1).unwrap(),
            appointment: appointment.id,
            valid_on: appointment.day,
            starts_at: appointment.starts_at,
            expires_at: "2026-11-24T06:00:00Z".parse().unwrap(),
        }
        .sign(&key())
        .expect("signs")
    }

    /// What a kiosk would do with a scanned code at this office: the appointment it names.
    fn resolve(store: &OfficeStore, code: &str) -> Option<Appointment> {
        let token = crate::token::CheckInToken::verify(
            code,
            &key().verifying_key(),
            crate::domain::ClinicId::new(1).unwrap(),
            day(),
            "2026-11-23T15:00:00Z".parse().unwrap(),
        )
        .expect("the code verifies");
        store.appointment(token.appointment).unwrap()
    }

    #[test]
    fn a_handle_is_random_not_the_row_and_survives_a_reimport() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store
            .import_appointments(&[appointment("A-1", "Ada", "Testpatient")])
            .unwrap();
        let handle = handle_of(&store, "A-1").unwrap();
        assert_ne!(
            handle.get(),
            row_id_of(&store, "A-1").cast_unsigned(),
            "the handle is not the row id"
        );
        let mut moved = appointment("A-1", "Ada", "Testpatient");
        moved.starts_at = Time::constant(11, 0, 0, 0);
        store
            .import_appointments(&[moved, appointment("A-2", "Bruno", "Sample")])
            .unwrap();
        assert_eq!(handle_of(&store, "A-1"), Some(handle));
        let found = store.appointment(handle).unwrap().unwrap();
        assert_eq!(found.starts_at, Time::constant(11, 0, 0, 0));
        assert_eq!(found.patient.first(), "Ada");
    }

    #[test]
    fn a_date_of_birth_is_kept_replaced_by_reimport_and_checked_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let born = |d: &str| -> DateOfBirth { serde_json::from_str(&format!("\"{d}\"")).unwrap() };
        let mut ada = appointment("A-1", "Ada", "Testpatient");
        ada.date_of_birth = Some(born("1950-01-01"));
        store
            .import_appointments(&[ada.clone(), appointment("A-2", "Bruno", "Sample")])
            .unwrap();
        let handle = handle_of(&store, "A-1").unwrap();
        let found = store.appointment(handle).unwrap().unwrap();
        assert_eq!(found.date_of_birth, Some(born("1950-01-01")));
        let bruno = handle_of(&store, "A-2").unwrap();
        assert_eq!(
            store.appointment(bruno).unwrap().unwrap().date_of_birth,
            None
        );
        ada.date_of_birth = Some(born("1951-02-03"));
        store.import_appointments(&[ada]).unwrap();
        let found = store.appointment(handle).unwrap().unwrap();
        assert_eq!(found.date_of_birth, Some(born("1951-02-03")));
        store
            .conn
            .execute("UPDATE appointments SET date_of_birth = '1951-02-30'", [])
            .unwrap();
        assert!(matches!(
            store.appointment(handle),
            Err(StoreError::Corrupt("date of birth"))
        ));
    }

    #[test]
    fn two_appointments_never_share_a_handle() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let list: Vec<_> = (0..200)
            .map(|i| appointment(&format!("A-{i}"), "Ada", "Testpatient"))
            .collect();
        store.import_appointments(&list).unwrap();
        let handles: std::collections::HashSet<_> = store
            .appointments_on(day())
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        assert_eq!(handles.len(), 200);
        // The schema refuses a shared handle, whoever writes the row.
        let taken = handle_of(&store, "A-0").unwrap().get().cast_signed();
        let copied = store.conn.execute(
            "INSERT INTO appointments
               (handle, external_id, day, starts_at, first_name, last_name, provider, copay_cents)
             VALUES (?1, 'B-1', '2026-11-23', '09:30', 'Bruno', 'Sample', 'Dr. Demo Able', 0)",
            [taken],
        );
        assert!(copied.is_err());
    }

    #[test]
    fn a_handle_drawn_twice_is_drawn_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let mut draws = [41, 41, 41, 42].into_iter();
        store
            .import_with_handles(
                &[
                    appointment("A-1", "Ada", "Testpatient"),
                    appointment("A-2", "Bruno", "Sample"),
                ],
                || Ok(draws.next().unwrap()),
            )
            .unwrap();
        assert_eq!(handle_of(&store, "A-1"), Some(AppointmentId::new(41)));
        assert_eq!(handle_of(&store, "A-2"), Some(AppointmentId::new(42)));
        // Re-importing draws (the insert needs a value) but keeps the handle.
        store
            .import_with_handles(&[appointment("A-2", "Bruno", "Sample")], || Ok(99))
            .unwrap();
        assert_eq!(handle_of(&store, "A-2"), Some(AppointmentId::new(42)));
        // Never an endless loop: a source that only repeats itself is an error.
        let refused =
            store.import_with_handles(&[appointment("A-3", "Carmen", "Example")], || Ok(41));
        assert!(refused.is_err());
        assert_eq!(handle_of(&store, "A-3"), None, "nothing half-imported");
    }

    #[test]
    fn a_restored_copy_resolves_a_printed_code_to_the_same_appointment() {
        let dir = tempfile::tempdir().unwrap();
        let live_path = dir.path().join("office.db");
        let mut live = OfficeStore::open(&live_path).unwrap();
        live.import_appointments(&[
            appointment("A-1", "Ada", "Testpatient"),
            appointment("A-2", "Bruno", "Sample"),
        ])
        .unwrap();
        let ada = live
            .appointment(handle_of(&live, "A-1").unwrap())
            .unwrap()
            .unwrap();
        let ada_code = code_for(&ada);
        drop(live); // closing checkpoints the WAL into the file
        let backup = dir.path().join("backup.db");
        std::fs::copy(&live_path, &backup).unwrap();

        // After the backup, the live office imports Carmen and prints her code.
        let mut live = OfficeStore::open(&live_path).unwrap();
        live.import_appointments(&[appointment("A-3", "Carmen", "Example")])
            .unwrap();
        let carmen = live
            .appointment(handle_of(&live, "A-3").unwrap())
            .unwrap()
            .unwrap();
        let carmen_code = code_for(&carmen);
        drop(live);

        // The backup is restored somewhere else and someone new is imported: they take the
        // row Carmen had, but not her handle.
        let restored_path = dir.path().join("elsewhere").join("office.db");
        std::fs::create_dir_all(restored_path.parent().unwrap()).unwrap();
        std::fs::copy(&backup, &restored_path).unwrap();
        let mut restored = OfficeStore::open(&restored_path).unwrap();
        restored
            .import_appointments(&[appointment("B-9", "Dmitri", "Placeholder")])
            .unwrap();
        assert_eq!(row_id_of(&restored, "B-9"), carmen_rowid(&dir));

        assert_eq!(resolve(&restored, &ada_code), Some(ada));
        assert_eq!(resolve(&restored, &carmen_code), None, "never someone else");
    }

    fn carmen_rowid(dir: &tempfile::TempDir) -> i64 {
        let live = OfficeStore::open(&dir.path().join("office.db")).unwrap();
        row_id_of(&live, "A-3")
    }

    #[test]
    fn migration_gives_existing_appointments_handles_and_repoints_check_ins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("office.db");
        {
            // A database as the previous version left it: check-ins name row ids.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            crate::store::migrate(&mut conn, &MIGRATIONS[..1]).unwrap();
            conn.execute_batch(
                "INSERT INTO appointments
                   (id, external_id, day, starts_at, first_name, last_name, provider, copay_cents)
                 VALUES (1, 'A-1', '2026-11-23', '09:00', 'Ada', 'Testpatient', 'Dr. Demo Able', 0),
                        (2, 'A-2', '2026-11-23', '09:15', 'Bruno', 'Sample', 'Dr. Demo Able', 0);
                 INSERT INTO checkins
                   (id, appointment, kiosk, arrived_at, received_at, status, status_changed_at)
                 VALUES ('6d5f2b52-1c5e-4c1a-9d55-6f1f8d7c0a01', 2, 'lobby-1',
                         '2026-11-23T09:01:00.000000Z', '2026-11-23T09:01:00.000000Z',
                         'arrived', '2026-11-23T09:01:00.000000Z'),
                        ('6d5f2b52-1c5e-4c1a-9d55-6f1f8d7c0a02', 77, 'lobby-1',
                         '2026-11-23T09:02:00.000000Z', '2026-11-23T09:02:00.000000Z',
                         'needs_attention', '2026-11-23T09:02:00.000000Z');",
            )
            .unwrap();
        }
        let mut store = OfficeStore::open(&path).unwrap();
        let ada = handle_of(&store, "A-1").unwrap();
        let bruno = handle_of(&store, "A-2").unwrap();
        assert_ne!(ada, bruno);
        assert_eq!(row_id_of(&store, "A-2"), 2, "row ids are kept");
        assert_eq!(
            store.appointment(ada).unwrap().unwrap().date_of_birth,
            None,
            "rows from before the date-of-birth column have none"
        );
        let queue = store
            .queue(
                "2026-11-23T00:00:00Z".parse().unwrap(),
                "2026-11-24T00:00:00Z".parse().unwrap(),
            )
            .unwrap();
        assert_eq!(queue.len(), 2);
        assert_eq!(queue[0].appointment, bruno);
        let details = queue[0].details.as_ref().unwrap();
        assert_eq!(details.patient.first(), "Bruno");
        assert!(
            queue[1].details.is_none(),
            "a vanished appointment stays unknown"
        );
        assert_eq!(
            store.checked_in_appointments(day()).unwrap(),
            vec![(bruno, CheckInStatus::Arrived)]
        );
        // Re-importing after the migration keeps the migrated handles.
        store
            .import_appointments(&[appointment("A-1", "Ada", "Testpatient")])
            .unwrap();
        assert_eq!(handle_of(&store, "A-1"), Some(ada));
    }

    #[test]
    fn kiosk_health_keeps_the_printer_and_older_rows_have_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("office.db");
        let printer_step = MIGRATIONS
            .iter()
            .position(|step| step.contains("ADD COLUMN printer"))
            .unwrap();
        {
            // A kiosk that reported before the printer column existed.
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            crate::store::migrate(&mut conn, &MIGRATIONS[..printer_step]).unwrap();
            conn.execute_batch(
                "INSERT INTO kiosk_health
                   (kiosk, last_seen_at, version, uptime_secs, outbox_depth, scanner_connected)
                 VALUES ('lobby-1', '2026-11-23T09:01:00.000000Z', '0.1.0', 5, 0, 1);",
            )
            .unwrap();
        }
        let mut store = OfficeStore::open(&path).unwrap();
        assert_eq!(
            store.kiosks().unwrap()[0].printer,
            PrinterHealth::NotConfigured
        );
        let now: Timestamp = "2026-11-23T09:02:00Z".parse().unwrap();
        for printer in PrinterHealth::ALL {
            let beat = Heartbeat {
                sent_at: now,
                version: "0.1.0".into(),
                uptime_secs: 60,
                outbox: OutboxHealth::Ok { depth: 0 },
                scanner_connected: true,
                printer,
                terminal: TerminalHealth::Ready,
                terminal_batch: None,
            };
            store
                .record_heartbeat(&KioskId::new("lobby-1").unwrap(), &beat, now)
                .unwrap();
            assert_eq!(store.kiosks().unwrap()[0].printer, printer);
        }
        for terminal in TerminalHealth::ALL {
            let beat = Heartbeat {
                sent_at: now,
                version: "0.1.0".into(),
                uptime_secs: 60,
                outbox: OutboxHealth::Ok { depth: 0 },
                scanner_connected: true,
                printer: PrinterHealth::Ok,
                terminal,
                terminal_batch: None,
            };
            store
                .record_heartbeat(&KioskId::new("lobby-1").unwrap(), &beat, now)
                .unwrap();
            assert_eq!(store.kiosks().unwrap()[0].terminal, terminal);
        }
    }

    fn walk_in() -> WalkIn {
        WalkIn {
            day: day(),
            starts_at: Time::constant(10, 5, 0, 0),
            day_start: "2026-11-23T00:00:00Z".parse().unwrap(),
        }
    }

    fn staff() -> Actor {
        Actor::Staff("front-desk".into())
    }

    fn actions(store: &OfficeStore) -> Vec<String> {
        let mut log: Vec<_> = store
            .audit_log(50)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        log.reverse();
        log
    }

    #[test]
    fn a_registration_is_stored_once_and_listed_until_reviewed() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let kiosk = KioskId::new("lobby-1").unwrap();
        let now: Timestamp = "2026-11-23T15:00:01Z".parse().unwrap();
        let submission = RegistrationSubmission::sample();
        assert_eq!(
            store.record_registration(&submission, &kiosk, now).unwrap(),
            SubmissionOutcome::Accepted
        );
        assert_eq!(
            store.record_registration(&submission, &kiosk, now).unwrap(),
            SubmissionOutcome::AlreadyStored
        );
        let today = walk_in().day_start;
        let tomorrow: Timestamp = "2026-11-24T00:00:00Z".parse().unwrap();
        let rows = store.registrations(today, tomorrow).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].id, submission.id);
        assert_eq!(rows[0].status, RegistrationStatus::Pending);
        assert_eq!(
            rows[0].registration.as_ref(),
            Some(&submission.registration)
        );
        assert_eq!(actions(&store), vec!["registration.create"]);
        // Still pending the next day: still listed.
        let later: Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
        assert_eq!(store.registrations(tomorrow, later).unwrap().len(), 1);
        assert!(!format!("{:?}", rows[0]).contains("Testpatient"));
    }

    #[test]
    fn accepting_makes_one_checked_in_walk_in_however_often_it_is_clicked() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let kiosk = KioskId::new("lobby-1").unwrap();
        let received: Timestamp = "2026-11-23T15:00:01Z".parse().unwrap();
        let now: Timestamp = "2026-11-23T15:04:00Z".parse().unwrap();
        let submission = RegistrationSubmission::sample();
        store
            .record_registration(&submission, &kiosk, received)
            .unwrap();
        let AcceptOutcome::Accepted {
            appointment,
            check_in,
        } = store
            .accept_registration(submission.id, walk_in(), staff(), now)
            .unwrap()
        else {
            panic!("not accepted")
        };
        assert_eq!(
            store
                .accept_registration(submission.id, walk_in(), staff(), now)
                .unwrap(),
            AcceptOutcome::AlreadyAccepted {
                appointment: Some(appointment)
            }
        );
        assert_eq!(
            store
                .reject_registration(submission.id, staff(), now)
                .unwrap(),
            RejectOutcome::AlreadyAccepted
        );
        let list = store.appointments_on(day()).unwrap();
        assert_eq!(list.len(), 1, "one appointment, not two");
        let walk = &list[0];
        assert_eq!(walk.id, appointment);
        assert_eq!(walk.patient.staff_form().as_str(), "Testpatient, Ada");
        assert_eq!(walk.provider, WALK_IN_PROVIDER);
        assert_eq!(walk.starts_at, Time::constant(10, 5, 0, 0));
        assert_eq!(walk.copay, Cents::new(0));
        assert_eq!(
            walk.date_of_birth,
            Some(submission.registration.date_of_birth.value)
        );
        let queue = store
            .queue(walk_in().day_start, "2026-11-24T00:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(queue.len(), 1);
        assert_eq!(queue[0].check_in, check_in);
        assert_eq!(queue[0].status, CheckInStatus::Arrived);
        assert_eq!(queue[0].arrived_at, received, "waiting since the kiosk");
        let rows = store
            .registrations(walk_in().day_start, "2026-11-24T00:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(rows[0].status, RegistrationStatus::Accepted);
        assert_eq!(rows[0].appointment, Some(appointment));
        assert_eq!(
            actions(&store),
            vec![
                "registration.create",
                "registration.accept",
                "check_in.create"
            ]
        );
        assert_eq!(
            store
                .accept_registration(RegistrationId::random(), walk_in(), staff(), now)
                .unwrap(),
            AcceptOutcome::NotFound
        );
    }

    #[test]
    fn a_registration_left_overnight_arrives_when_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        let kiosk = KioskId::new("lobby-1").unwrap();
        let submission = RegistrationSubmission::sample();
        store
            .record_registration(&submission, &kiosk, "2026-11-22T23:00:00Z".parse().unwrap())
            .unwrap();
        let now: Timestamp = "2026-11-23T09:00:00Z".parse().unwrap();
        store
            .accept_registration(submission.id, walk_in(), staff(), now)
            .unwrap();
        let queue = store
            .queue(walk_in().day_start, "2026-11-24T00:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(queue[0].arrived_at, now);
    }

    #[test]
    fn discarding_wipes_the_details_keeps_the_audit_and_blocks_accepting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("office.db");
        let mut store = OfficeStore::open(&path).unwrap();
        let kiosk = KioskId::new("lobby-1").unwrap();
        let now: Timestamp = "2026-11-23T15:00:01Z".parse().unwrap();
        let submission = RegistrationSubmission::sample();
        store.record_registration(&submission, &kiosk, now).unwrap();
        assert_eq!(
            store
                .reject_registration(submission.id, staff(), now)
                .unwrap(),
            RejectOutcome::Rejected
        );
        assert_eq!(
            store
                .reject_registration(submission.id, staff(), now)
                .unwrap(),
            RejectOutcome::AlreadyRejected
        );
        assert_eq!(
            store
                .accept_registration(submission.id, walk_in(), staff(), now)
                .unwrap(),
            AcceptOutcome::AlreadyRejected
        );
        assert_eq!(
            store
                .reject_registration(RegistrationId::random(), staff(), now)
                .unwrap(),
            RejectOutcome::NotFound
        );
        let rows = store
            .registrations(walk_in().day_start, "2026-11-24T00:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(rows[0].status, RegistrationStatus::Rejected);
        assert_eq!(rows[0].registration, None);
        assert!(store.appointments_on(day()).unwrap().is_empty());
        assert_eq!(
            actions(&store),
            vec!["registration.create", "registration.reject"]
        );
        // A redelivery of the discarded registration does not bring it back.
        assert_eq!(
            store.record_registration(&submission, &kiosk, now).unwrap(),
            SubmissionOutcome::AlreadyStored
        );
        let body: Option<String> = store
            .conn
            .query_row("SELECT body FROM registrations", [], |row| row.get(0))
            .unwrap();
        assert_eq!(body, None);
    }

    #[test]
    fn a_walk_in_handle_drawn_twice_is_drawn_again() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = OfficeStore::for_tests(dir.path());
        store
            .import_with_handles(&[appointment("A-1", "Ada", "Testpatient")], || Ok(41))
            .unwrap();
        let kiosk = KioskId::new("lobby-1").unwrap();
        let now: Timestamp = "2026-11-23T15:00:01Z".parse().unwrap();
        let submission = RegistrationSubmission::sample();
        store.record_registration(&submission, &kiosk, now).unwrap();
        let mut draws = [41, 42].into_iter();
        let outcome = store
            .accept_with_handles(submission.id, walk_in(), staff(), now, || {
                Ok(draws.next().unwrap())
            })
            .unwrap();
        assert!(matches!(
            outcome,
            AcceptOutcome::Accepted { appointment, .. } if appointment == AppointmentId::new(42)
        ));
    }
}

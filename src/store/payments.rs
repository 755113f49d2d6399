//! Payments journal: one row per co-pay payment, written before the terminal is asked and
//! after each of its answers, so that after a crash the kiosk knows what may have been in
//! flight and neither charges twice nor loses a payment.
//!
//! The payment worker calls, in order: [`KioskStore::open_payment`] (the patient agreed to
//! an amount), [`KioskStore::begin_attempt`] (durable *before* the authorisation is sent;
//! it hands out the [`AttemptTicket`] that [`KioskStore::record_answer`] takes back), then
//! [`KioskStore::settle`], which marks the payment settled and writes its sealed outbox row
//! in one transaction. Card fields (masked card, auth code) live here only between the
//! approval and the settlement; settling clears them. Settled rows keep id, outcome and
//! receipt number (so a payment id is never used twice) until [`KioskStore::prune_settled_payments`].

use super::outbox::{KioskStore, StoreError, insert_sealed};
use crate::api::{OutboxBody, PaymentSubmission, TerminalBatch};
use crate::devices::payment::{Approval, Authorisation, LastTransaction, NotTaken, TerminalError};
use crate::domain::{
    AmountDue, AppointmentId, AuthCode, Cents, ClinicId, MaskedCard, PaymentId, PaymentOutcome,
    PaymentProblem, TerminalReceiptNo,
};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// The journal's table, appended to the store's migrations. Columns other than id, state,
/// outcome, receipt number and times are NULL once a payment is settled.
pub(super) const JOURNAL_MIGRATION: &str = "
    CREATE TABLE payments (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        clinic INTEGER,
        appointment INTEGER,
        copay INTEGER,
        balance INTEGER,
        asked INTEGER,
        baseline TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        declines INTEGER NOT NULL DEFAULT 0,
        approved_amount INTEGER,
        card TEXT,
        auth_code TEXT,
        receipt_no INTEGER,
        outcome TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    ) STRICT;
";

/// The terminal's last receipt number as last reported, in `settings`: `none` (it said it
/// had no transaction) or four digits; absent until the terminal first said either.
const KEY_LAST_RECEIPT: &str = "payments.terminal_last_receipt";
/// The last day closed at the terminal (JSON `TerminalBatch`): totals only.
const KEY_LAST_BATCH: &str = "payments.terminal_last_batch";

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("kiosk database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("payment {0} is not in the journal")]
    Unknown(PaymentId),
    #[error("payment {0} is already in the journal")]
    AlreadyOpen(PaymentId),
    #[error("payment {0} is already settled")]
    AlreadySettled(PaymentId),
    #[error("payment {id}: cannot go from {from} to {to}")]
    IllegalTransition {
        id: PaymentId,
        from: &'static str,
        to: &'static str,
    },
    #[error("payment {0}: the answer is for an attempt that is no longer in flight")]
    StaleTicket(PaymentId),
    #[error("payment {id}: payment {in_flight} is still in flight at the terminal")]
    AnotherInFlight { id: PaymentId, in_flight: PaymentId },
    #[error("payment {0}: the amount asked must be more than nothing and at most what is due")]
    BadAmount(PaymentId),
    #[error("payments journal row {0:?} cannot be read")]
    Corrupt(String),
}

/// A payment the patient agreed to: what was due and what the terminal will be asked for
/// (the co-pay, the balance, or both together).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub id: PaymentId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub due: AmountDue,
    pub asked: Cents,
}

/// The terminal's last receipt number when an attempt was sent: a later transaction with
/// another number is new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The kiosk has never heard the terminal name its last transaction.
    Unknown,
    /// The terminal said it had no transaction on record.
    NoTransaction,
    Receipt(TerminalReceiptNo),
}

impl Baseline {
    fn to_text(self) -> String {
        match self {
            Baseline::Unknown => "unknown".to_owned(),
            Baseline::NoTransaction => "none".to_owned(),
            Baseline::Receipt(no) => no.to_string(),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "unknown" => Some(Baseline::Unknown),
            "none" => Some(Baseline::NoTransaction),
            digits if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) => digits
                .parse()
                .ok()
                .and_then(TerminalReceiptNo::new)
                .map(Baseline::Receipt),
            _ => None,
        }
    }

    /// What the terminal's answer to "last transaction?" makes the baseline.
    fn after(last: &LastTransaction) -> Option<Self> {
        match last {
            LastTransaction::None => Some(Baseline::NoTransaction),
            LastTransaction::Approved(approval) => Some(Baseline::Receipt(approval.receipt_no)),
            LastTransaction::NotApproved { receipt_no } => receipt_no.map(Baseline::Receipt),
        }
    }
}

/// An approval as the journal keeps it until settlement (no receipt lines: those are
/// printed, not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalRecord {
    pub amount: Cents,
    pub card: MaskedCard,
    pub auth_code: AuthCode,
    pub receipt_no: TerminalReceiptNo,
}

impl From<&Approval> for ApprovalRecord {
    fn from(approval: &Approval) -> Self {
        Self {
            amount: approval.amount,
            card: approval.card.clone(),
            auth_code: approval.auth_code.clone(),
            receipt_no: approval.receipt_no,
        }
    }
}

/// Where an unsettled payment stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalState {
    /// Agreed, no attempt sent yet.
    Intent,
    /// An attempt is (or may be) at the terminal: written before the authorisation is sent.
    Sent,
    /// The patient cancelled while an attempt was at the terminal; its answer is awaited.
    AbortRequested,
    /// The terminal approved; settlement (outbox row) pending.
    Approved(ApprovalRecord),
    /// The last attempt was not taken; another may follow, or the patient pays at the desk.
    NotTaken { declines: u8 },
}

impl JournalState {
    /// The stable text stored in the journal and logged.
    pub fn as_str(&self) -> &'static str {
        match self {
            JournalState::Intent => "intent",
            JournalState::Sent => "sent",
            JournalState::AbortRequested => "abort_requested",
            JournalState::Approved(_) => "approved",
            JournalState::NotTaken { .. } => "not_taken",
        }
    }

    /// Whether an attempt may be at the terminal now.
    fn in_flight(&self) -> bool {
        matches!(self, JournalState::Sent | JournalState::AbortRequested)
    }
}

const SETTLED: &str = "settled";

/// An unsettled payment as journalled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: PaymentId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub due: AmountDue,
    pub asked: Cents,
    pub state: JournalState,
    /// The terminal's last receipt when the latest attempt was sent.
    pub baseline: Baseline,
    pub attempts: u32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What is kept of a settled payment until it is pruned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledEntry {
    pub id: PaymentId,
    /// [`PaymentOutcome::status_str`] of how it ended.
    pub outcome: String,
    pub receipt_no: Option<TerminalReceiptNo>,
    pub settled_at: Timestamp,
}

/// A journal row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Journaled {
    Open(JournalEntry),
    Settled(SettledEntry),
}

/// Proof that an attempt was journalled as sent: the only way to record its answer.
/// Not `Clone`: one answer per attempt.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "send the authorisation, then give the ticket back to record_answer"]
pub struct AttemptTicket {
    id: PaymentId,
    attempt: u32,
}

impl AttemptTicket {
    pub fn payment(&self) -> PaymentId {
        self.id
    }
}

/// What the journal made of an attempt's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEnd {
    /// Settle with [`Settlement::Paid`] (`recovered: false`).
    Approved(ApprovalRecord),
    /// Nothing charged: try again, or settle with [`Settlement::PayAtDesk`].
    NotTaken { declines: u8 },
    /// The answer was lost and the card may have been charged: the attempt stays in flight
    /// and only reconciliation ([`super::recover`]) may settle it.
    Unknown,
}

/// How a payment is settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Charged once, with this approval: the one recorded live (`recovered: false`), or
    /// the terminal's last transaction found after a restart (`recovered: true`).
    Paid {
        approval: ApprovalRecord,
        recovered: bool,
    },
    /// The patient chose to pay at the desk; nothing in flight.
    PayAtDesk,
    /// Nothing was charged.
    NotPaid,
    /// The kiosk cannot tell: staff look at the terminal.
    NeedsStaff(PaymentProblem),
}

impl Settlement {
    pub fn as_str(&self) -> &'static str {
        match self {
            Settlement::Paid {
                recovered: false, ..
            } => "paid",
            Settlement::Paid {
                recovered: true, ..
            } => "paid_recovered",
            Settlement::PayAtDesk => "pay_at_desk",
            Settlement::NotPaid => "not_paid",
            Settlement::NeedsStaff(_) => "needs_staff",
        }
    }

    /// Whether `state` may end this way; an approval must be the journal's own (live) or
    /// one for exactly the amount asked (recovered).
    fn allowed_from(&self, entry: &JournalEntry) -> bool {
        match (self, &entry.state) {
            (
                Settlement::Paid {
                    approval,
                    recovered: false,
                },
                JournalState::Approved(recorded),
            ) => approval == recorded,
            (
                Settlement::Paid {
                    approval,
                    recovered: true,
                },
                state,
            ) => state.in_flight() && approval.amount == entry.asked,
            (Settlement::PayAtDesk, JournalState::Intent | JournalState::NotTaken { .. }) => true,
            (
                Settlement::NotPaid,
                JournalState::Intent
                | JournalState::NotTaken { .. }
                | JournalState::Sent
                | JournalState::AbortRequested,
            ) => true,
            (Settlement::NeedsStaff(_), _) => true,
            _ => false,
        }
    }

    fn outcome(self, entry: &JournalEntry) -> PaymentOutcome {
        match self {
            Settlement::Paid {
                approval,
                recovered,
            } => PaymentOutcome::Paid {
                amount: approval.amount,
                card: approval.card,
                auth_code: approval.auth_code,
                receipt_no: approval.receipt_no,
                recovered,
            },
            Settlement::PayAtDesk => PaymentOutcome::PayAtDesk {
                declines: match entry.state {
                    JournalState::NotTaken { declines } => declines,
                    _ => 0,
                },
            },
            Settlement::NotPaid => PaymentOutcome::NotPaid,
            Settlement::NeedsStaff(problem) => PaymentOutcome::NeedsStaff { problem },
        }
    }
}

impl KioskStore {
    /// Journals a payment the patient agreed to (state `intent`). Refused without the
    /// office's sealing key: a payment that could never be settled is not started.
    pub fn open_payment(&mut self, new: &NewPayment, now: Timestamp) -> Result<(), JournalError> {
        self.office_seal_key()?.ok_or(StoreError::NoOfficeKey)?;
        let most = new.due.copay.get().checked_add(new.due.balance.get());
        if new.asked == Cents::ZERO || most.is_none_or(|most| new.asked.get() > most) {
            return Err(JournalError::BadAmount(new.id));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if load(&tx, new.id)?.is_some() {
            return Err(JournalError::AlreadyOpen(new.id));
        }
        tx.execute(
            "INSERT INTO payments (id, state, clinic, appointment, copay, balance, asked,
                 baseline, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![
                new.id.to_string(),
                JournalState::Intent.as_str(),
                new.clinic.get(),
                new.appointment.get().cast_signed(),
                new.due.copay.get(),
                new.due.balance.get(),
                new.asked.get(),
                Baseline::Unknown.to_text(),
                now.as_second(),
            ],
        )?;
        tx.commit()?;
        tracing::info!(payment = %new.id, state = "intent", "payment journalled");
        Ok(())
    }

    /// Journals that an attempt is about to be sent (state `sent`, with the terminal's
    /// last receipt as the baseline) and returns its ticket. Durable when this returns
    /// (`synchronous=FULL`): only then may the authorisation be sent. Refused after an
    /// approval (that would charge twice) and while another payment is in flight.
    pub fn begin_attempt(
        &mut self,
        id: PaymentId,
        now: Timestamp,
    ) -> Result<AttemptTicket, JournalError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = open_entry(&tx, id)?;
        if !matches!(
            entry.state,
            JournalState::Intent | JournalState::NotTaken { .. }
        ) {
            return Err(illegal(&entry, "sent"));
        }
        let other: Option<String> = tx
            .query_row(
                "SELECT id FROM payments WHERE state IN ('sent', 'abort_requested') AND id <> ?1",
                [id.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        if let Some(other) = other {
            let in_flight = PaymentId::parse(&other).ok_or(JournalError::Corrupt(other))?;
            return Err(JournalError::AnotherInFlight { id, in_flight });
        }
        let baseline = baseline_in(&tx)?;
        let attempt = entry.attempts.saturating_add(1);
        tx.execute(
            "UPDATE payments SET state = 'sent', baseline = ?2, attempts = ?3, updated_at = ?4
             WHERE id = ?1",
            params![id.to_string(), baseline.to_text(), attempt, now.as_second()],
        )?;
        tx.commit()?;
        tracing::info!(payment = %id, attempt, state = "sent", "payment attempt journalled");
        Ok(AttemptTicket { id, attempt })
    }

    /// Journals that the patient cancelled while the attempt is at the terminal (state
    /// `abort_requested`); the terminal's answer still decides how the attempt ended.
    pub fn request_abort(&mut self, id: PaymentId, now: Timestamp) -> Result<(), JournalError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = open_entry(&tx, id)?;
        if entry.state != JournalState::Sent {
            return Err(illegal(&entry, "abort_requested"));
        }
        set_state(&tx, id, "abort_requested", now)?;
        tx.commit()?;
        tracing::info!(payment = %id, state = "abort_requested", "payment abort journalled");
        Ok(())
    }

    /// Journals the terminal's answer to the attempt `ticket` names. An approval is kept
    /// (with the card fields) until settlement and becomes the terminal's last receipt;
    /// an answer lost after the terminal took the request leaves the attempt in flight.
    pub fn record_answer(
        &mut self,
        ticket: AttemptTicket,
        answer: &Result<Authorisation, TerminalError>,
        now: Timestamp,
    ) -> Result<AttemptEnd, JournalError> {
        let id = ticket.id;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = open_entry(&tx, id)?;
        if !entry.state.in_flight() || entry.attempts != ticket.attempt {
            return Err(JournalError::StaleTicket(id));
        }
        let end = match answer {
            Ok(Authorisation::Approved(approval)) => {
                let record = ApprovalRecord::from(approval);
                tx.execute(
                    "UPDATE payments SET state = 'approved', approved_amount = ?2, card = ?3,
                         auth_code = ?4, receipt_no = ?5, updated_at = ?6
                     WHERE id = ?1",
                    params![
                        id.to_string(),
                        record.amount.get(),
                        record.card.as_str(),
                        record.auth_code.as_str(),
                        record.receipt_no.get(),
                        now.as_second()
                    ],
                )?;
                set_baseline_in(&tx, Baseline::Receipt(record.receipt_no))?;
                AttemptEnd::Approved(record)
            }
            Ok(Authorisation::NotTaken(reason)) => {
                let declines = current_declines(&tx, id)?
                    .saturating_add(u8::from(*reason == NotTaken::Declined));
                not_taken(&tx, id, declines, now)?;
                AttemptEnd::NotTaken { declines }
            }
            Err(error) if error.may_have_charged() => AttemptEnd::Unknown,
            Err(_) => {
                let declines = current_declines(&tx, id)?;
                not_taken(&tx, id, declines, now)?;
                AttemptEnd::NotTaken { declines }
            }
        };
        tx.commit()?;
        let state = match &end {
            AttemptEnd::Approved(_) => "approved",
            AttemptEnd::NotTaken { .. } => "not_taken",
            AttemptEnd::Unknown => "sent (answer lost)",
        };
        tracing::info!(payment = %id, attempt = ticket.attempt, state, "payment answer journalled");
        Ok(end)
    }

    /// Settles a payment: in one transaction, marks it settled (clearing everything but id,
    /// outcome and receipt number) and writes its sealed outbox row, which `outbox_row`
    /// makes from the [`PaymentSubmission`] the journal builds. Returns the outcome.
    pub fn settle(
        &mut self,
        id: PaymentId,
        settlement: Settlement,
        now: Timestamp,
        day: Date,
        outbox_row: &dyn Fn(PaymentSubmission) -> OutboxBody,
    ) -> Result<PaymentOutcome, JournalError> {
        let key = self.office_seal_key()?.ok_or(StoreError::NoOfficeKey)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let entry = open_entry(&tx, id)?;
        if !settlement.allowed_from(&entry) {
            return Err(illegal(&entry, settlement.as_str()));
        }
        let outcome = settlement.outcome(&entry);
        let receipt_no = match &outcome {
            PaymentOutcome::Paid { receipt_no, .. } => Some(receipt_no.get()),
            _ => None,
        };
        let body = outbox_row(PaymentSubmission {
            id,
            clinic: entry.clinic,
            appointment: entry.appointment,
            due: entry.due,
            settled_at: now,
            outcome: outcome.clone(),
        });
        insert_sealed(&tx, &body, &key, day)?;
        tx.execute(
            "UPDATE payments SET state = 'settled', outcome = ?2, receipt_no = ?3,
                 clinic = NULL, appointment = NULL, copay = NULL, balance = NULL, asked = NULL,
                 baseline = NULL, approved_amount = NULL, card = NULL, auth_code = NULL,
                 updated_at = ?4
             WHERE id = ?1",
            params![
                id.to_string(),
                outcome.status_str(),
                receipt_no,
                now.as_second()
            ],
        )?;
        tx.commit()?;
        // The card fields' old page images are still in the write-ahead log: copy it back
        // and truncate it (secure_delete zeroes the freed cells), so nothing of the card can
        // be read back. Best effort: a busy reader only delays the wipe to the next one.
        if let Err(error) = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        {
            tracing::warn!(payment = %id, %error, "write-ahead log not truncated after settling");
        }
        tracing::info!(payment = %id, state = SETTLED, outcome = outcome.status_str(), "payment settled");
        Ok(outcome)
    }

    /// The journal row of payment `id`, if any.
    pub fn payment(&self, id: PaymentId) -> Result<Option<Journaled>, JournalError> {
        load(&self.conn, id)
    }

    /// Payments not settled yet, oldest first: what reconciliation settles at start.
    pub fn unsettled_payments(&self) -> Result<Vec<JournalEntry>, JournalError> {
        let mut stmt = self.conn.prepare(
            "SELECT id FROM payments WHERE state <> 'settled' ORDER BY created_at, rowid",
        )?;
        let ids: Vec<String> = stmt
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter()
            .map(|text| {
                let id = PaymentId::parse(&text).ok_or_else(|| JournalError::Corrupt(text))?;
                open_entry(&self.conn, id)
            })
            .collect()
    }

    /// Deletes settled payments last changed before `before`; unsettled ones stay whatever
    /// their age. Returns how many went.
    pub fn prune_settled_payments(&mut self, before: Timestamp) -> Result<usize, JournalError> {
        Ok(self.conn.execute(
            "DELETE FROM payments WHERE state = 'settled' AND updated_at < ?1",
            [before.as_second()],
        )?)
    }

    /// The terminal's last receipt as last reported: the next attempt's baseline.
    pub fn terminal_baseline(&self) -> Result<Baseline, JournalError> {
        baseline_in(&self.conn)
    }

    /// Keeps what the terminal just said its last transaction was (at connect, at
    /// reconciliation), so the next attempt's baseline is known.
    pub fn note_last_transaction(&mut self, last: &LastTransaction) -> Result<(), JournalError> {
        if let Some(baseline) = Baseline::after(last) {
            set_baseline_in(&self.conn, baseline)?;
        }
        Ok(())
    }

    /// Records a day closed at the terminal: its totals (for the office's report) and, in
    /// the same transaction, that the terminal has no transaction on record any more.
    pub fn record_closed_day(&mut self, batch: &TerminalBatch) -> Result<(), JournalError> {
        let json = serde_json::to_string(batch)
            .map_err(|_| JournalError::Corrupt(KEY_LAST_BATCH.to_owned()))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [KEY_LAST_BATCH, &json],
        )?;
        set_baseline_in(&tx, Baseline::NoTransaction)?;
        tx.commit()?;
        tracing::info!(day = %batch.day, count = batch.count, "terminal day closed");
        Ok(())
    }

    /// The last day closed at the terminal, if any.
    pub fn last_closed_day(&self) -> Result<Option<TerminalBatch>, JournalError> {
        let text: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [KEY_LAST_BATCH],
                |row| row.get(0),
            )
            .optional()?;
        text.map(|text| {
            serde_json::from_str(&text)
                .map_err(|_| JournalError::Corrupt(KEY_LAST_BATCH.to_owned()))
        })
        .transpose()
    }
}

fn illegal(entry: &JournalEntry, to: &'static str) -> JournalError {
    JournalError::IllegalTransition {
        id: entry.id,
        from: entry.state.as_str(),
        to,
    }
}

fn baseline_in(conn: &Connection) -> Result<Baseline, JournalError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [KEY_LAST_RECEIPT],
            |row| row.get(0),
        )
        .optional()?;
    match text {
        None => Ok(Baseline::Unknown),
        Some(text) => Baseline::parse(&text).ok_or(JournalError::Corrupt(text)),
    }
}

fn set_baseline_in(conn: &Connection, baseline: Baseline) -> Result<(), JournalError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [KEY_LAST_RECEIPT, &baseline.to_text()],
    )?;
    Ok(())
}

fn set_state(
    conn: &Connection,
    id: PaymentId,
    state: &str,
    now: Timestamp,
) -> Result<(), JournalError> {
    conn.execute(
        "UPDATE payments SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![id.to_string(), state, now.as_second()],
    )?;
    Ok(())
}

fn not_taken(
    conn: &Connection,
    id: PaymentId,
    declines: u8,
    now: Timestamp,
) -> Result<(), JournalError> {
    conn.execute(
        "UPDATE payments SET state = 'not_taken', declines = ?2, updated_at = ?3 WHERE id = ?1",
        params![id.to_string(), declines, now.as_second()],
    )?;
    Ok(())
}

fn current_declines(conn: &Connection, id: PaymentId) -> Result<u8, JournalError> {
    let declines: i64 = conn.query_row(
        "SELECT declines FROM payments WHERE id = ?1",
        [id.to_string()],
        |row| row.get(0),
    )?;
    Ok(u8::try_from(declines).unwrap_or(u8::MAX))
}

/// The unsettled entry of `id`, or why there is none.
fn open_entry(conn: &Connection, id: PaymentId) -> Result<JournalEntry, JournalError> {
    match load(conn, id)? {
        Some(Journaled::Open(entry)) => Ok(entry),
        Some(Journaled::Settled(_)) => Err(JournalError::AlreadySettled(id)),
        None => Err(JournalError::Unknown(id)),
    }
}

const COLUMNS: &str = "state, clinic, appointment, copay, balance, asked, baseline, attempts,
    declines, approved_amount, card, auth_code, receipt_no, outcome, created_at, updated_at";

fn load(conn: &Connection, id: PaymentId) -> Result<Option<Journaled>, JournalError> {
    let values: Option<Vec<Value>> = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM payments WHERE id = ?1"),
            [id.to_string()],
            |row| (0..16).map(|i| row.get::<_, Value>(i)).collect(),
        )
        .optional()?;
    values
        .map(|values| decode(id, &values).ok_or_else(|| JournalError::Corrupt(id.to_string())))
        .transpose()
}

/// A row's values (in [`COLUMNS`] order) as a journal entry; `None` if any is not what
/// this program writes.
fn decode(id: PaymentId, values: &[Value]) -> Option<Journaled> {
    let int = |i: usize| match values.get(i)? {
        Value::Integer(n) => Some(*n),
        _ => None,
    };
    let text = |i: usize| match values.get(i)? {
        Value::Text(s) => Some(s.as_str()),
        _ => None,
    };
    let cents = |i: usize| u32::try_from(int(i)?).ok().map(Cents::new);
    let receipt = |i: usize| u16::try_from(int(i)?).ok().and_then(TerminalReceiptNo::new);
    let time = |i: usize| Timestamp::from_second(int(i)?).ok();
    let state = text(0)?;
    if state == SETTLED {
        return Some(Journaled::Settled(SettledEntry {
            id,
            outcome: text(13)?.to_owned(),
            receipt_no: receipt(12),
            settled_at: time(15)?,
        }));
    }
    let state = match state {
        "intent" => JournalState::Intent,
        "sent" => JournalState::Sent,
        "abort_requested" => JournalState::AbortRequested,
        "approved" => JournalState::Approved(ApprovalRecord {
            amount: cents(9)?,
            card: MaskedCard::new(text(10)?).ok()?,
            auth_code: AuthCode::new(text(11)?).ok()?,
            receipt_no: receipt(12)?,
        }),
        "not_taken" => JournalState::NotTaken {
            declines: u8::try_from(int(8)?).ok()?,
        },
        _ => return None,
    };
    Some(Journaled::Open(JournalEntry {
        id,
        clinic: ClinicId::new(u32::try_from(int(1)?).ok()?).ok()?,
        appointment: AppointmentId::new(int(2)?.cast_unsigned()),
        due: AmountDue {
            copay: cents(3)?,
            balance: cents(4)?,
        },
        asked: cents(5)?,
        state,
        baseline: Baseline::parse(text(6)?)?,
        attempts: u32::try_from(int(7)?).ok()?,
        created_at: time(14)?,
        updated_at: time(15)?,
    }))
}

/// What the journal's and reconciliation's tests share.
#[cfg(test)]
pub(super) mod fixtures {
    use super::*;
    use crate::seal::SealSecretKey;
    use std::cell::RefCell;
    use std::path::Path;

    pub(crate) fn day() -> Date {
        jiff::civil::date(2026, 11, 25)
    }

    /// `minute` minutes into the test's morning.
    pub(crate) fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_795_593_600 + minute * 60).unwrap()
    }

    pub(crate) fn store_at(path: &Path) -> KioskStore {
        let mut store = KioskStore::open(path).unwrap();
        let office = SealSecretKey::generate().unwrap();
        store.set_office_seal_key(&office.public_key()).unwrap();
        store
    }

    pub(crate) fn new_payment(asked: u32) -> NewPayment {
        NewPayment {
            id: PaymentId::random(),
            clinic: ClinicId::new(1).unwrap(),
            appointment: AppointmentId::new(42),
            due: AmountDue {
                copay: Cents::new(2500),
                balance: Cents::new(1000),
            },
            asked: Cents::new(asked),
        }
    }

    pub(crate) fn approval(amount: u32, receipt: u16) -> Approval {
        Approval {
            amount: Cents::new(amount),
            card: MaskedCard::new("************0019").unwrap(),
            auth_code: AuthCode::new("A1B2C3").unwrap(),
            receipt_no: TerminalReceiptNo::new(receipt).unwrap(),
            receipt_lines: vec!["TERMINAL LINE".to_owned()],
        }
    }

    pub(crate) fn approved(amount: u32, receipt: u16) -> Result<Authorisation, TerminalError> {
        Ok(Authorisation::Approved(approval(amount, receipt)))
    }

    pub(crate) fn refused(reason: NotTaken) -> Result<Authorisation, TerminalError> {
        Ok(Authorisation::NotTaken(reason))
    }

    /// Keeps each submission the journal built and writes it as its outbox row.
    #[derive(Default)]
    pub(crate) struct Outbox {
        pub(crate) written: RefCell<Vec<PaymentSubmission>>,
    }

    impl Outbox {
        pub(crate) fn row(&self, submission: PaymentSubmission) -> OutboxBody {
            self.written.borrow_mut().push(submission.clone());
            OutboxBody::Payment(submission)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    fn open_entry_of(store: &KioskStore, id: PaymentId) -> JournalEntry {
        match store.payment(id).unwrap() {
            Some(Journaled::Open(entry)) => entry,
            other => panic!("not open: {other:?}"),
        }
    }

    #[test]
    fn a_paid_payment_is_durable_after_every_step() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let outbox = Outbox::default();
        let new = new_payment(2500);
        let id = new.id;

        store_at(&path).open_payment(&new, at(0)).unwrap();
        let store = KioskStore::open(&path).unwrap(); // the kiosk died here: reopen
        let entry = open_entry_of(&store, id);
        assert_eq!(
            (entry.state.clone(), entry.attempts, entry.asked),
            (JournalState::Intent, 0, Cents::new(2500))
        );
        assert_eq!(
            (entry.clinic, entry.appointment, entry.due),
            (new.clinic, new.appointment, new.due)
        );
        assert_eq!(entry.created_at, at(0));
        drop(store);

        let ticket = KioskStore::open(&path)
            .unwrap()
            .begin_attempt(id, at(1))
            .unwrap();
        let mut store = KioskStore::open(&path).unwrap();
        let entry = open_entry_of(&store, id);
        assert_eq!(
            (
                entry.state,
                entry.attempts,
                entry.baseline,
                entry.updated_at
            ),
            (JournalState::Sent, 1, Baseline::Unknown, at(1))
        );

        let end = store
            .record_answer(ticket, &approved(2500, 7), at(2))
            .unwrap();
        let record = ApprovalRecord::from(&approval(2500, 7));
        assert_eq!(end, AttemptEnd::Approved(record.clone()));
        drop(store);
        let mut store = KioskStore::open(&path).unwrap();
        assert_eq!(
            open_entry_of(&store, id).state,
            JournalState::Approved(record.clone())
        );
        assert_eq!(
            store.terminal_baseline().unwrap(),
            Baseline::Receipt(TerminalReceiptNo::new(7).unwrap()),
            "an approval becomes the terminal's last receipt"
        );

        let outcome = store
            .settle(
                id,
                Settlement::Paid {
                    approval: record,
                    recovered: false,
                },
                at(3),
                day(),
                &|s| outbox.row(s),
            )
            .unwrap();
        drop(store);
        let store = KioskStore::open(&path).unwrap();
        assert_eq!(
            store.payment(id).unwrap(),
            Some(Journaled::Settled(SettledEntry {
                id,
                outcome: "paid".to_owned(),
                receipt_no: TerminalReceiptNo::new(7),
                settled_at: at(3),
            }))
        );
        assert_eq!(
            store.depth().unwrap(),
            1,
            "the outbox row was written with it"
        );
        assert_eq!(
            *outbox.written.borrow(),
            vec![PaymentSubmission {
                id,
                clinic: new.clinic,
                appointment: new.appointment,
                due: new.due,
                settled_at: at(3),
                outcome: outcome.clone(),
            }]
        );
        assert!(matches!(
            outcome,
            PaymentOutcome::Paid {
                recovered: false,
                ..
            }
        ));
        assert!(store.unsettled_payments().unwrap().is_empty());
    }

    #[test]
    fn declines_are_counted_and_the_patient_may_then_pay_at_the_desk() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let outbox = Outbox::default();
        let new = new_payment(3500);
        store.open_payment(&new, at(0)).unwrap();
        let answers = [
            (refused(NotTaken::Declined), 1),
            (refused(NotTaken::CardRemoved), 1),
            (Err(TerminalError::NotReached("port gone".into())), 1),
            (refused(NotTaken::Declined), 2),
        ];
        for (attempt, (answer, declines)) in answers.into_iter().enumerate() {
            let ticket = store.begin_attempt(new.id, at(1)).unwrap();
            assert_eq!(
                store.record_answer(ticket, &answer, at(2)).unwrap(),
                AttemptEnd::NotTaken { declines },
                "attempt {attempt}"
            );
        }
        let entry = open_entry_of(&store, new.id);
        assert_eq!(
            (entry.state, entry.attempts),
            (JournalState::NotTaken { declines: 2 }, 4)
        );
        let outcome = store
            .settle(new.id, Settlement::PayAtDesk, at(3), day(), &|s| {
                outbox.row(s)
            })
            .unwrap();
        assert_eq!(outcome, PaymentOutcome::PayAtDesk { declines: 2 });
        assert_eq!(outcome.status_str(), "declined");
    }

    #[test]
    fn paying_at_the_desk_before_any_attempt_counts_no_declines() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let outbox = Outbox::default();
        let new = new_payment(1000);
        store.open_payment(&new, at(0)).unwrap();
        let outcome = store
            .settle(new.id, Settlement::PayAtDesk, at(1), day(), &|s| {
                outbox.row(s)
            })
            .unwrap();
        assert_eq!(outcome, PaymentOutcome::PayAtDesk { declines: 0 });
    }

    #[test]
    fn a_lost_answer_leaves_the_attempt_in_flight_for_reconciliation() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let new = new_payment(2500);
        store.open_payment(&new, at(0)).unwrap();
        let ticket = store.begin_attempt(new.id, at(1)).unwrap();
        let lost = Err(TerminalError::OutcomeUnknown("no answer".into()));
        assert_eq!(
            store.record_answer(ticket, &lost, at(2)).unwrap(),
            AttemptEnd::Unknown
        );
        let entry = open_entry_of(&store, new.id);
        assert_eq!((entry.state, entry.updated_at), (JournalState::Sent, at(1)));
        // Neither a retry nor "pay at the desk" may follow until reconciliation settles it.
        assert!(matches!(
            store.begin_attempt(new.id, at(3)),
            Err(JournalError::IllegalTransition { from: "sent", .. })
        ));
        assert!(matches!(
            store.settle(
                new.id,
                Settlement::PayAtDesk,
                at(3),
                day(),
                &|_| unreachable!()
            ),
            Err(JournalError::IllegalTransition {
                from: "sent",
                to: "pay_at_desk",
                ..
            })
        ));
    }

    #[test]
    fn a_cancel_is_journalled_and_the_terminal_still_decides() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        for (answer, end_state) in [
            (refused(NotTaken::Aborted), "not_taken"),
            // The abort came too late: the card was charged, and that is what counts.
            (approved(2500, 9), "approved"),
        ] {
            let new = new_payment(2500);
            store.open_payment(&new, at(0)).unwrap();
            let ticket = store.begin_attempt(new.id, at(1)).unwrap();
            store.request_abort(new.id, at(2)).unwrap();
            assert_eq!(
                open_entry_of(&store, new.id).state,
                JournalState::AbortRequested
            );
            store.record_answer(ticket, &answer, at(3)).unwrap();
            assert_eq!(open_entry_of(&store, new.id).state.as_str(), end_state);
            if end_state == "approved" {
                continue;
            }
            store
                .settle(new.id, Settlement::PayAtDesk, at(4), day(), &|s| {
                    Outbox::default().row(s)
                })
                .unwrap();
        }
    }

    #[test]
    fn illegal_transitions_are_refused_with_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let no_row = |_: PaymentSubmission| -> OutboxBody { unreachable!("nothing is settled") };
        let record = ApprovalRecord::from(&approval(2500, 3));
        let paid = |recovered| Settlement::Paid {
            approval: record.clone(),
            recovered,
        };

        // An intent: nothing to abort, nothing to be paid from.
        let intent = new_payment(2500);
        store.open_payment(&intent, at(0)).unwrap();
        assert!(matches!(
            store.open_payment(&intent, at(0)),
            Err(JournalError::AlreadyOpen(_))
        ));
        assert!(matches!(
            store.request_abort(intent.id, at(1)),
            Err(JournalError::IllegalTransition {
                from: "intent",
                to: "abort_requested",
                ..
            })
        ));
        for settlement in [paid(false), paid(true)] {
            assert!(matches!(
                store.settle(intent.id, settlement, at(1), day(), &no_row),
                Err(JournalError::IllegalTransition { from: "intent", .. })
            ));
        }

        // Approved: a second attempt would charge twice; only "paid as recorded" or staff.
        let ticket = store.begin_attempt(intent.id, at(1)).unwrap();
        store
            .record_answer(ticket, &approved(2500, 3), at(2))
            .unwrap();
        assert!(matches!(
            store.begin_attempt(intent.id, at(3)),
            Err(JournalError::IllegalTransition {
                from: "approved",
                to: "sent",
                ..
            })
        ));
        for settlement in [
            Settlement::PayAtDesk,
            Settlement::NotPaid,
            paid(true),
            Settlement::Paid {
                approval: ApprovalRecord::from(&approval(2500, 4)),
                recovered: false,
            },
        ] {
            let to = settlement.as_str();
            let result = store.settle(intent.id, settlement, at(3), day(), &no_row);
            assert!(
                matches!(
                    result,
                    Err(JournalError::IllegalTransition {
                        from: "approved",
                        ..
                    })
                ),
                "approved -> {to}: {result:?}"
            );
        }

        // A stale ticket (an attempt whose answer was already recorded) is refused.
        let other = new_payment(1000);
        store.open_payment(&other, at(0)).unwrap();
        let first = store.begin_attempt(other.id, at(1)).unwrap();
        let stale = AttemptTicket {
            id: first.id,
            attempt: first.attempt,
        };
        store
            .record_answer(first, &refused(NotTaken::Declined), at(2))
            .unwrap();
        assert!(matches!(
            store.record_answer(stale, &approved(1000, 5), at(3)),
            Err(JournalError::StaleTicket(_))
        ));
        let second = store.begin_attempt(other.id, at(4)).unwrap();
        let stale = AttemptTicket {
            id: other.id,
            attempt: 1,
        };
        assert!(matches!(
            store.record_answer(stale, &approved(1000, 5), at(5)),
            Err(JournalError::StaleTicket(_))
        ));
        assert!(matches!(
            store.begin_attempt(other.id, at(5)),
            Err(JournalError::IllegalTransition { from: "sent", .. })
        ));
        store
            .record_answer(second, &refused(NotTaken::TimedOut), at(6))
            .unwrap();

        // Settled: nothing more, and a settled id cannot be opened again.
        store
            .settle(other.id, Settlement::NotPaid, at(7), day(), &|s| {
                Outbox::default().row(s)
            })
            .unwrap();
        assert!(matches!(
            store.begin_attempt(other.id, at(8)),
            Err(JournalError::AlreadySettled(_))
        ));
        assert!(matches!(
            store.settle(other.id, Settlement::NotPaid, at(8), day(), &no_row),
            Err(JournalError::AlreadySettled(_))
        ));
        assert!(matches!(
            store.open_payment(&other, at(8)),
            Err(JournalError::AlreadyOpen(_))
        ));

        let stranger = PaymentId::random();
        assert!(matches!(
            store.begin_attempt(stranger, at(9)),
            Err(JournalError::Unknown(_))
        ));
        assert_eq!(store.payment(stranger).unwrap(), None);
    }

    #[test]
    fn only_one_payment_is_in_flight_at_the_terminal() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let (first, second) = (new_payment(2500), new_payment(1000));
        store.open_payment(&first, at(0)).unwrap();
        store.open_payment(&second, at(0)).unwrap();
        let ticket = store.begin_attempt(first.id, at(1)).unwrap();
        let refused_second = store.begin_attempt(second.id, at(2));
        assert!(
            matches!(refused_second, Err(JournalError::AnotherInFlight { in_flight, .. }) if in_flight == first.id),
            "{refused_second:?}"
        );
        store.request_abort(first.id, at(2)).unwrap();
        assert!(matches!(
            store.begin_attempt(second.id, at(2)),
            Err(JournalError::AnotherInFlight { .. })
        ));
        store
            .record_answer(ticket, &refused(NotTaken::Aborted), at(3))
            .unwrap();
        let _ticket = store.begin_attempt(second.id, at(4)).unwrap();
    }

    #[test]
    fn amounts_asked_must_be_something_and_at_most_what_is_due() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        for asked in [0, 3501] {
            assert!(matches!(
                store.open_payment(&new_payment(asked), at(0)),
                Err(JournalError::BadAmount(_))
            ));
        }
        for asked in [1000, 2500, 3500] {
            store.open_payment(&new_payment(asked), at(0)).unwrap();
        }
    }

    #[test]
    fn nothing_is_journalled_or_settled_without_the_office_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let new = new_payment(2500);
        let mut bare = KioskStore::open(&path).unwrap();
        assert!(matches!(
            bare.open_payment(&new, at(0)),
            Err(JournalError::Store(StoreError::NoOfficeKey))
        ));
        assert_eq!(bare.payment(new.id).unwrap(), None);
    }

    #[test]
    fn the_baseline_follows_the_terminals_last_receipt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let mut store = store_at(&path);
        assert_eq!(store.terminal_baseline().unwrap(), Baseline::Unknown);
        store.note_last_transaction(&LastTransaction::None).unwrap();
        assert_eq!(store.terminal_baseline().unwrap(), Baseline::NoTransaction);
        // A declined transaction without a number says nothing new about the receipts.
        store
            .note_last_transaction(&LastTransaction::NotApproved { receipt_no: None })
            .unwrap();
        assert_eq!(store.terminal_baseline().unwrap(), Baseline::NoTransaction);

        // One payment approved but not settled; the next one's attempt counts from it.
        let (first, second) = (new_payment(2500), new_payment(1000));
        store.open_payment(&first, at(0)).unwrap();
        let ticket = store.begin_attempt(first.id, at(1)).unwrap();
        assert_eq!(
            open_entry_of(&store, first.id).baseline,
            Baseline::NoTransaction
        );
        store
            .record_answer(ticket, &approved(2500, 9999), at(2))
            .unwrap();
        store.open_payment(&second, at(3)).unwrap();
        let _ticket = store.begin_attempt(second.id, at(4)).unwrap();
        drop(store);
        let store = KioskStore::open(&path).unwrap();
        assert_eq!(
            open_entry_of(&store, second.id).baseline,
            Baseline::Receipt(TerminalReceiptNo::new(9999).unwrap())
        );
        assert_eq!(
            store
                .unsettled_payments()
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect::<Vec<_>>(),
            vec![first.id, second.id]
        );
    }

    #[test]
    fn settling_leaves_no_card_data_readable() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.db");
        let mut store = store_at(&path);
        let outbox = Outbox::default();
        let new = new_payment(2500);
        store.open_payment(&new, at(0)).unwrap();
        let ticket = store.begin_attempt(new.id, at(1)).unwrap();
        let AttemptEnd::Approved(record) = store
            .record_answer(ticket, &approved(2500, 77), at(2))
            .unwrap()
        else {
            panic!("approved")
        };
        store
            .settle(
                new.id,
                Settlement::Paid {
                    approval: record,
                    recovered: false,
                },
                at(3),
                day(),
                &|s| outbox.row(s),
            )
            .unwrap();
        let row: Vec<Value> = store
            .conn
            .query_row("SELECT * FROM payments", [], |row| {
                (0..17).map(|i| row.get::<_, Value>(i)).collect()
            })
            .unwrap();
        let kept: Vec<_> = row.iter().filter(|v| **v != Value::Null).collect();
        assert_eq!(
            kept,
            [
                &Value::Text(new.id.to_string()),
                &Value::Text("settled".into()),
                &Value::Integer(1), // attempts
                &Value::Integer(0), // declines
                &Value::Integer(77),
                &Value::Text("paid".into()),
                &Value::Integer(at(0).as_second()),
                &Value::Integer(at(3).as_second()),
            ],
            "only id, state, counts, receipt number, outcome and times stay"
        );
        // Read while the kiosk still runs: closing would checkpoint the log anyway.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend(std::fs::read(dir.path().join("k.db-wal")).unwrap_or_default());
        drop(store);
        for secret in [&b"A1B2C3"[..], b"********0019"] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret),
                "card field left on disk"
            );
        }
    }

    #[test]
    fn a_failed_outbox_write_leaves_the_payment_unsettled() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let new = new_payment(2500);
        store.open_payment(&new, at(0)).unwrap();
        let ticket = store.begin_attempt(new.id, at(1)).unwrap();
        let AttemptEnd::Approved(record) = store
            .record_answer(ticket, &approved(2500, 12), at(2))
            .unwrap()
        else {
            panic!("approved")
        };
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER full_disk BEFORE INSERT ON outbox
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )
            .unwrap();
        let settlement = Settlement::Paid {
            approval: record.clone(),
            recovered: false,
        };
        assert!(matches!(
            store.settle(new.id, settlement.clone(), at(3), day(), &|s| {
                Outbox::default().row(s)
            }),
            Err(JournalError::Store(StoreError::Sql(_)))
        ));
        assert_eq!(
            open_entry_of(&store, new.id).state,
            JournalState::Approved(record),
            "still approved, card fields and all, to settle again"
        );
        assert_eq!(store.depth().unwrap(), 0);
        store.conn.execute_batch("DROP TRIGGER full_disk").unwrap();
        store
            .settle(new.id, settlement, at(4), day(), &|s| {
                Outbox::default().row(s)
            })
            .unwrap();
        assert_eq!(store.depth().unwrap(), 1);
    }

    #[test]
    fn pruning_removes_only_settled_payments_older_than_the_cut() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let (old, recent, unsettled) = (new_payment(100), new_payment(200), new_payment(300));
        for (payment, settled_at) in [(&old, at(10)), (&recent, at(30))] {
            store.open_payment(payment, at(0)).unwrap();
            store
                .settle(payment.id, Settlement::PayAtDesk, settled_at, day(), &|s| {
                    Outbox::default().row(s)
                })
                .unwrap();
        }
        store.open_payment(&unsettled, at(0)).unwrap();
        assert_eq!(store.prune_settled_payments(at(20)).unwrap(), 1);
        assert_eq!(store.payment(old.id).unwrap(), None);
        assert!(matches!(
            store.payment(recent.id).unwrap(),
            Some(Journaled::Settled(_))
        ));
        assert!(matches!(
            store.payment(unsettled.id).unwrap(),
            Some(Journaled::Open(_))
        ));
        assert_eq!(store.prune_settled_payments(at(20)).unwrap(), 0);
    }

    #[test]
    fn a_damaged_row_is_a_typed_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = store_at(&dir.path().join("k.db"));
        let new = new_payment(2500);
        store.open_payment(&new, at(0)).unwrap();
        store
            .conn
            .execute("UPDATE payments SET state = 'paid?'", [])
            .unwrap();
        assert!(matches!(
            store.payment(new.id),
            Err(JournalError::Corrupt(_))
        ));
        assert!(matches!(
            store.unsettled_payments(),
            Err(JournalError::Corrupt(_))
        ));
        store
            .conn
            .execute("UPDATE payments SET state = 'intent', asked = -5", [])
            .unwrap();
        assert!(matches!(
            store.begin_attempt(new.id, at(1)),
            Err(JournalError::Corrupt(_))
        ));
    }
}

//! The kiosk's local SQLite store: the outbox of check-ins not yet delivered, the
//! appointments already checked in here, the office keys it learned, and the payments
//! journal with its reconciliation after a restart.

mod migrate;
mod outbox;
mod payments;
mod reconcile;

pub use migrate::{MigrateError, migrate, open_database};
pub use outbox::{KioskStore, PendingRow, SealedRow, StoreError};
pub use payments::{
    ApprovalRecord, AttemptEnd, AttemptTicket, Baseline, JournalEntry, JournalError, JournalState,
    Journaled, NewPayment, SettledEntry, Settlement,
};
pub use reconcile::{RecoveredPayment, reconcile, recover, settled_by_journal};

//! The kiosk's local SQLite store: the outbox of check-ins not yet delivered, the
//! appointments already checked in here, and the office keys it learned.

mod migrate;
mod outbox;

pub use migrate::{MigrateError, migrate, open_database};
pub use outbox::{KioskStore, PendingRow, SealedRow, StoreError};

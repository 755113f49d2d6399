//! Logging via `tracing`: to journald with structured fields when systemd runs us (it sets
//! `JOURNAL_STREAM`), otherwise plain lines on stdout. `RUST_LOG` overrides the level.
//! Log lines carry ids and counts, never patient data.

use std::io::IsTerminal as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Installs the global subscriber once; later calls are no-ops (tests call it freely).
/// Colours only on a terminal.
pub fn init() {
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        match tracing_journald::layer() {
            Ok(journald) => {
                let _ = tracing_subscriber::registry()
                    .with(filter())
                    .with(journald)
                    .try_init();
                return;
            }
            // No journal socket after all (a container): fall back to stdout.
            Err(error) => eprintln!("journald is not reachable ({error}); logging to stdout"),
        }
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_target(false)
        .with_ansi(std::io::stdout().is_terminal())
        .try_init();
}

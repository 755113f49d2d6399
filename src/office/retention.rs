//! Retention of check-in PHI on the hub (`[retention]` in `office.toml`): a check-in's
//! intake answers, card photos, consent signatures and registration details are removed
//! `keep_days` days after the check-in was delivered onward (every ADT message for it
//! acknowledged by the EHR, when an `[hl7] peer` is configured), or after the visit day
//! otherwise. What stays, table by table, is in README ("Retention"); the store does the
//! removal ([`OfficeStore::purge_due`]), one audited transaction per check-in.
//!
//! A background task of the serving hub looks every `every_minutes`; [`purge`] is the
//! same pass for a given `now`, for tests and the command line.

use super::server::AppState;
use super::store::{PurgeDue, Purged, StoreError, StoreHandle};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Deserialize;

/// `[retention]`. Absent, or without `keep_days`: check-in PHI is kept on the hub.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Days a check-in's PHI is kept after it was delivered to the EHR (or after the
    /// visit day without an EHR interface), 1-3650.
    pub keep_days: Option<u16>,
    /// How often the hub looks for check-ins due, in minutes (1-1440).
    pub every_minutes: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            keep_days: None,
            every_minutes: 60,
        }
    }
}

/// What a `[retention]` section can get wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RetentionConfigError {
    #[error("keep_days must be 1-3650")]
    KeepDays,
    #[error("every_minutes must be 1-1440")]
    Every,
}

impl RetentionConfig {
    pub fn validate(&self) -> Result<(), RetentionConfigError> {
        if self.keep_days.is_some_and(|d| !(1..=3650).contains(&d)) {
            return Err(RetentionConfigError::KeepDays);
        }
        if !(1..=1440).contains(&self.every_minutes) {
            return Err(RetentionConfigError::Every);
        }
        Ok(())
    }
}

/// The policy a hub applies: how long, in which zone, and whether an EHR gets the
/// check-ins first.
#[derive(Debug, Clone)]
pub struct RetentionPolicy {
    pub keep_days: u16,
    pub zone: TimeZone,
    pub ehr: bool,
    pub every: std::time::Duration,
}

impl RetentionPolicy {
    /// The policy of a hub configured with `config`; `None` when PHI is kept.
    pub fn of(config: &super::OfficeConfig, zone: TimeZone) -> Option<Self> {
        Some(Self {
            keep_days: config.retention.keep_days?,
            zone,
            ehr: config.hl7.peer.is_some(),
            every: std::time::Duration::from_secs(u64::from(config.retention.every_minutes) * 60),
        })
    }

    /// What is due at `now`.
    pub fn due(&self, now: Timestamp) -> Option<PurgeDue> {
        PurgeDue::at(now, self.keep_days, &self.zone, self.ehr)
    }
}

/// One pass at `now`: removes the PHI of every check-in due and says how much went.
/// Blocking: run it off the async threads.
pub fn purge(
    store: &StoreHandle,
    policy: &RetentionPolicy,
    now: Timestamp,
) -> Result<Purged, StoreError> {
    let Some(due) = policy.due(now) else {
        return Ok(Purged::default());
    };
    let purged = store.get()?.purge_due(&due, now)?;
    if purged.check_ins > 0 || purged.unarrived > 0 {
        // Counts only: which check-ins is in the audit log.
        tracing::info!(
            check_ins = purged.check_ins,
            never_checked_in = purged.unarrived,
            rows = purged.rows,
            keep_days = policy.keep_days,
            "retention: check-in PHI removed"
        );
    }
    Ok(purged)
}

/// Runs [`purge`] now and then every `policy.every` until the hub stops.
pub async fn run(state: AppState, policy: RetentionPolicy) {
    let mut stopping = state.stopping.clone();
    let mut every = tokio::time::interval(policy.every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let policy = std::sync::Arc::new(policy);
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stopping.wait_for(|stop| *stop) => return,
        }
        let (store, policy) = (state.store.clone(), policy.clone());
        let pass = tokio::task::spawn_blocking(move || purge(&store, &policy, Timestamp::now()));
        match pass.await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "retention pass failed"),
            Err(error) => tracing::error!(%error, "retention pass stopped"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_days_and_interval_are_checked() {
        let parse = |text: &str| toml::from_str::<RetentionConfig>(text).unwrap().validate();
        assert_eq!(parse(""), Ok(()));
        assert_eq!(parse("keep_days = 30\nevery_minutes = 15"), Ok(()));
        assert_eq!(parse("keep_days = 0"), Err(RetentionConfigError::KeepDays));
        assert_eq!(
            parse("keep_days = 3651"),
            Err(RetentionConfigError::KeepDays)
        );
        assert_eq!(parse("every_minutes = 0"), Err(RetentionConfigError::Every));
        assert!(toml::from_str::<RetentionConfig>("days = 3").is_err());
    }
}

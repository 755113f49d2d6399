//! Talking to systemd when it runs us as a `Type=notify` unit: `READY=1` once the program
//! serves (the kiosk: its first frame; the office: listening), `STOPPING=1` on the way
//! out, and the watchdog: `WATCHDOG=1` at half the unit's `WatchdogSec`, sent only while
//! the program's own health check passes, so systemd restarts a frozen UI or a dead worker.
//! Outside systemd (no `NOTIFY_SOCKET`) every call does nothing.

use std::time::Duration;

/// Why a notification could not be sent (the socket is gone; systemd logs its side).
#[derive(Debug, thiserror::Error)]
#[error("cannot notify the service manager: {0}")]
pub struct NotifyError(#[from] std::io::Error);

/// The service manager, as this process sees it.
#[derive(Debug, Clone, Copy)]
pub struct ServiceManager {
    /// Half the unit's watchdog timeout, when it asked for one.
    watchdog_every: Option<Duration>,
}

impl ServiceManager {
    /// Reads what systemd put in the environment (`WATCHDOG_USEC`, `WATCHDOG_PID`).
    pub fn from_env() -> Self {
        Self {
            watchdog_every: sd_notify::watchdog_enabled().map(|timeout| timeout / 2),
        }
    }

    /// How often to feed the watchdog; `None` when the unit has none.
    pub fn watchdog_every(&self) -> Option<Duration> {
        self.watchdog_every
    }

    /// The program serves now.
    pub fn ready(&self, status: &str) -> Result<(), NotifyError> {
        sd_notify::notify(&[
            sd_notify::NotifyState::Ready,
            sd_notify::NotifyState::Status(status),
        ])?;
        Ok(())
    }

    /// The program is stopping on purpose (systemd will not count it as a crash).
    pub fn stopping(&self) -> Result<(), NotifyError> {
        sd_notify::notify(&[sd_notify::NotifyState::Stopping])?;
        Ok(())
    }

    /// Feeds the watchdog if `healthy`; otherwise says why in the unit's status and lets it
    /// starve, so systemd restarts the program once `WatchdogSec` passes. Returns whether
    /// it was fed.
    pub fn watchdog(&self, health: Health) -> Result<bool, NotifyError> {
        match health {
            Health::Ok => {
                sd_notify::notify(&[sd_notify::NotifyState::Watchdog])?;
                Ok(true)
            }
            Health::Failing(what) => {
                let status = format!("unhealthy: {what}");
                sd_notify::notify(&[sd_notify::NotifyState::Status(&status)])?;
                Ok(false)
            }
        }
    }
}

/// What the program's own check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Ok,
    /// Names the part that failed (a worker thread's name); never patient data.
    Failing(&'static str),
}

impl Health {
    /// `Ok` when every named part is running, else the first that is not.
    pub fn of(parts: &[(&'static str, bool)]) -> Self {
        parts
            .iter()
            .find(|(_, running)| !running)
            .map_or(Health::Ok, |(name, _)| Health::Failing(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_names_the_first_part_that_stopped() {
        assert_eq!(Health::of(&[]), Health::Ok);
        assert_eq!(Health::of(&[("outbox", true), ("sync", true)]), Health::Ok);
        assert_eq!(
            Health::of(&[("outbox", true), ("sync", false), ("lookup", false)]),
            Health::Failing("sync")
        );
    }
}

//! Today's appointments as the kiosk knows them: the least needed to greet a patient.

use crate::domain::{AppointmentId, DisplayName};
use jiff::civil::Time;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One appointment on today's list, as the office sends it to kiosks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub appointment: AppointmentId,
    pub display_name: DisplayName,
    pub starts_at: Time,
    pub provider: String,
    /// Already checked in (here, at another kiosk, or by staff).
    pub checked_in: bool,
}

/// Today's appointments, held in memory only (names are PHI; the kiosk never stores them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    entries: HashMap<AppointmentId, RosterEntry>,
    /// Patients in the lobby waiting to be roomed, for the queue position.
    waiting: u32,
}

impl Roster {
    pub fn new(entries: Vec<RosterEntry>, waiting: u32) -> Self {
        Self {
            entries: entries.into_iter().map(|e| (e.appointment, e)).collect(),
            waiting,
        }
    }
    pub fn get(&self, appointment: AppointmentId) -> Option<&RosterEntry> {
        self.entries.get(&appointment)
    }
    pub fn waiting(&self) -> u32 {
        self.waiting
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Notes a check-in made here before the office's next roster arrives.
    pub(crate) fn mark_checked_in(&mut self, appointment: AppointmentId) {
        if let Some(entry) = self.entries.get_mut(&appointment)
            && !entry.checked_in
        {
            entry.checked_in = true;
            self.waiting += 1;
        }
    }
}

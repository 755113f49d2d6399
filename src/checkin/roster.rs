//! Today's appointments as the kiosk knows them: the least needed to greet a patient, and
//! a keyed hash per appointment to find it by last name + date of birth without a readable
//! list of either.

use crate::domain::{
    AmountDue, AppointmentId, DateOfBirth, DisplayName, IdentityHash, IdentityKey, ShortCode,
};
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
    /// Keyed hash of last name + date of birth; `None` when the office has no date of birth
    /// on file (or predates it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<IdentityHash>,
    /// Keyed hash of the short code in the patient's text-message reminder (same day key);
    /// `None` from offices that predate it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<IdentityHash>,
    /// What to collect at check-in (co-pay, and any balance from earlier visits); nothing
    /// from offices that predate payments.
    #[serde(default)]
    pub due: AmountDue,
}

/// Today's appointments, held in memory only (names are PHI; the kiosk never stores them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    entries: HashMap<AppointmentId, RosterEntry>,
    /// Patients in the lobby waiting to be roomed, for the queue position.
    waiting: u32,
    /// The day's key for [`Self::find_by_identity`]; `None` from an office without one.
    identity_key: Option<IdentityKey>,
}

impl Roster {
    pub fn new(entries: Vec<RosterEntry>, waiting: u32) -> Self {
        Self {
            entries: entries.into_iter().map(|e| (e.appointment, e)).collect(),
            waiting,
            identity_key: None,
        }
    }
    /// Adds the day's identity key (from the same roster response as the entries).
    pub fn with_identity_key(mut self, key: Option<IdentityKey>) -> Self {
        self.identity_key = key;
        self
    }
    /// The appointments whose last name + date of birth match what the patient typed, by
    /// start time: none, one, or several (one patient booked twice, or two alike). A name
    /// that normalises to nothing, or a roster without a key, matches nothing.
    pub fn find_by_identity(&self, last_name: &str, dob: DateOfBirth) -> Vec<&RosterEntry> {
        let Some(hash) = self
            .identity_key
            .as_ref()
            .and_then(|key| key.hash(last_name, dob).ok())
        else {
            return Vec::new();
        };
        let mut found: Vec<&RosterEntry> = self
            .entries
            .values()
            .filter(|e| e.identity == Some(hash))
            .collect();
        found.sort_by_key(|e| (e.starts_at, e.appointment));
        found
    }
    /// The appointment whose short code (from a text reminder) is `code`, if any; none
    /// without the day's key.
    pub fn find_by_code(&self, code: &ShortCode) -> Option<&RosterEntry> {
        let hash = self.identity_key.as_ref()?.hash_code(code);
        self.entries.values().find(|e| e.code == Some(hash))
    }
    /// Whether patients can be found by last name + date of birth: the office sent today's
    /// key (a kiosk that has not reached its office today has none).
    pub fn can_match(&self) -> bool {
        self.identity_key.is_some()
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

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::{Date, date};

    const TODAY: Date = Date::constant(2026, 11, 25);

    fn dob(y: i16, m: i8, d: i8) -> DateOfBirth {
        DateOfBirth::new(date(y, m, d), TODAY).unwrap()
    }

    fn key_for(day: Date) -> IdentityKey {
        IdentityKey::for_day(&[3; 32], day)
    }

    fn entry(id: u64, hour: i8, last: &str, born: Option<DateOfBirth>) -> RosterEntry {
        RosterEntry {
            appointment: AppointmentId::new(id),
            display_name: crate::domain::PersonName::new("Ada", last)
                .unwrap()
                .display_name(),
            starts_at: Time::constant(hour, 0, 0, 0),
            provider: "Dr. Demo Able".into(),
            checked_in: false,
            due: AmountDue::default(),
            code: Some(
                key_for(TODAY).hash_code(&ShortCode::derive(&[3; 32], AppointmentId::new(id))),
            ),
            identity: born.map(|b| key_for(TODAY).hash(last, b).unwrap()),
        }
    }

    fn roster() -> Roster {
        Roster::new(
            vec![
                entry(1, 11, "Testpatient", Some(dob(1950, 1, 1))),
                entry(2, 9, "García-López", Some(dob(1960, 5, 6))),
                entry(3, 8, "Testpatient", Some(dob(1950, 1, 1))),
                entry(4, 10, "Sample", None),
                entry(5, 12, "Testpatient", Some(dob(1950, 1, 2))),
            ],
            0,
        )
        .with_identity_key(Some(key_for(TODAY)))
    }

    fn ids(found: Vec<&RosterEntry>) -> Vec<u64> {
        found.iter().map(|e| e.appointment.get()).collect()
    }

    #[test]
    fn finds_one_match_tolerantly() {
        let roster = roster();
        for typed in [
            "García-López",
            "GARCIA LOPEZ",
            "garcia  lopez",
            "garcialopez",
        ] {
            assert_eq!(
                ids(roster.find_by_identity(typed, dob(1960, 5, 6))),
                [2],
                "{typed}"
            );
        }
    }

    #[test]
    fn two_matches_come_by_start_time() {
        assert_eq!(
            ids(roster().find_by_identity("TESTPATIENT", dob(1950, 1, 1))),
            [3, 1]
        );
    }

    #[test]
    fn no_match_for_other_name_date_or_missing_dob() {
        let roster = roster();
        assert!(
            roster
                .find_by_identity("Testpatiant", dob(1950, 1, 1))
                .is_empty()
        );
        assert!(
            roster
                .find_by_identity("Garcia", dob(1960, 5, 6))
                .is_empty()
        );
        assert!(
            roster
                .find_by_identity("Testpatient", dob(1950, 1, 3))
                .is_empty()
        );
        assert!(
            roster
                .find_by_identity("Sample", dob(1950, 1, 1))
                .is_empty()
        );
        assert!(roster.find_by_identity(" - ", dob(1950, 1, 1)).is_empty());
    }

    #[test]
    fn another_days_key_matches_nothing() {
        let stale = roster().with_identity_key(Some(key_for(date(2026, 11, 24))));
        assert!(
            stale
                .find_by_identity("Testpatient", dob(1950, 1, 1))
                .is_empty()
        );
        let keyless = roster().with_identity_key(None);
        assert!(
            keyless
                .find_by_identity("Testpatient", dob(1950, 1, 1))
                .is_empty()
        );
    }

    #[test]
    fn finds_by_short_code_only_with_todays_key() {
        let code = ShortCode::derive(&[3; 32], AppointmentId::new(2));
        assert_eq!(
            roster().find_by_code(&code).map(|e| e.appointment.get()),
            Some(2)
        );
        let other = ShortCode::derive(&[3; 32], AppointmentId::new(99));
        assert!(roster().find_by_code(&other).is_none());
        let stale = roster().with_identity_key(Some(key_for(date(2026, 11, 24))));
        assert!(stale.find_by_code(&code).is_none());
        assert!(
            roster()
                .with_identity_key(None)
                .find_by_code(&code)
                .is_none()
        );
    }

    #[test]
    fn an_entry_from_an_older_office_parses_without_identity() {
        let json = r#"{"appointment":7,"display_name":"Ada T.","starts_at":"09:00:00",
            "provider":"Dr. Demo Able","checked_in":false}"#;
        let entry: RosterEntry = serde_json::from_str(json).unwrap();
        assert_eq!(entry.identity, None);
        assert_eq!(entry.code, None);
    }
}

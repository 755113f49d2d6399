//! Which reminders an appointment gets, and when: pure, the clinic's zone and `now`
//! passed in.

use super::ReminderKind;
use crate::office::config::RemindersConfig;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// A reminder to queue: due at `due_at`, pointless from `latest_at` on (it would arrive
/// after the next reminder or after the visit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub kind: ReminderKind,
    pub due_at: Timestamp,
    pub latest_at: Timestamp,
}

/// How long before the visit a morning reminder goes at the latest, for a visit that
/// starts before the configured morning time.
const MORNING_LEAD: SignedDuration = SignedDuration::from_hours(1);

/// The reminders of a visit on `day` at `starts_at`, in the order they go. A reminder
/// whose window is already over at `now` is left out (an appointment booked the day
/// before gets no "in two days" reminder).
pub fn reminders_for(
    day: Date,
    starts_at: Time,
    config: &RemindersConfig,
    zone: &TimeZone,
    now: Timestamp,
) -> Vec<Planned> {
    let at = |date: Date, time: Time| date.to_datetime(time).to_zoned(zone.clone()).ok();
    let Some(visit) = at(day, starts_at).map(|z| z.timestamp()) else {
        return Vec::new();
    };
    let mut list = Vec::new();
    let morning = at(day, config.morning_at).map(|z| {
        let due = z.timestamp();
        if due < visit {
            due
        } else {
            visit - MORNING_LEAD
        }
    });
    // "In two days" read on the day itself is noise beside the morning reminder: the
    // first reminder is over when the visit's day begins.
    let day_start = at(day, Time::midnight()).map_or(visit, |z| z.timestamp());
    let before_latest = match (config.morning, morning) {
        (true, Some(due)) => due.min(day_start),
        _ => visit.min(day_start),
    };
    if config.days_before > 0
        && let Some(date) = day
            .checked_sub(jiff::Span::new().days(i64::from(config.days_before)))
            .ok()
        && let Some(due) = at(date, config.days_before_at).map(|z| z.timestamp())
        && due < before_latest
    {
        list.push(Planned {
            kind: ReminderKind::DaysBefore,
            due_at: due,
            latest_at: before_latest,
        });
    }
    if config.morning
        && let Some(due) = morning
    {
        list.push(Planned {
            kind: ReminderKind::Morning,
            due_at: due,
            latest_at: visit,
        });
    }
    list.retain(|p| p.latest_at > now);
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn utc(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn two_days_before_at_ten_and_the_morning_at_seven_in_clinic_time() {
        let zone = TimeZone::get("America/Chicago").unwrap();
        let config = RemindersConfig::default();
        let list = reminders_for(
            date(2026, 11, 23),
            Time::constant(9, 30, 0, 0),
            &config,
            &zone,
            utc("2026-11-01T00:00:00Z"),
        );
        assert_eq!(
            list,
            [
                Planned {
                    kind: ReminderKind::DaysBefore,
                    due_at: utc("2026-11-21T16:00:00Z"),
                    latest_at: utc("2026-11-23T06:00:00Z"),
                },
                Planned {
                    kind: ReminderKind::Morning,
                    due_at: utc("2026-11-23T13:00:00Z"),
                    latest_at: utc("2026-11-23T15:30:00Z"),
                },
            ]
        );
        // Booked the evening before: the first reminder goes at once.
        let evening = reminders_for(
            date(2026, 11, 23),
            Time::constant(9, 30, 0, 0),
            &config,
            &zone,
            utc("2026-11-23T02:00:00Z"),
        );
        assert_eq!(evening.len(), 2);
        // Booked on the day: only the morning reminder is left.
        let late = reminders_for(
            date(2026, 11, 23),
            Time::constant(9, 30, 0, 0),
            &config,
            &zone,
            utc("2026-11-23T07:00:00Z"),
        );
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].kind, ReminderKind::Morning);
        // After the visit: none.
        assert!(
            reminders_for(
                date(2026, 11, 23),
                Time::constant(9, 30, 0, 0),
                &config,
                &zone,
                utc("2026-11-23T16:00:00Z"),
            )
            .is_empty()
        );
    }

    #[test]
    fn an_early_visit_gets_its_morning_reminder_an_hour_ahead_and_either_can_be_off() {
        let zone = TimeZone::UTC;
        let mut config = RemindersConfig::default();
        let list = reminders_for(
            date(2026, 11, 23),
            Time::constant(6, 15, 0, 0),
            &config,
            &zone,
            utc("2026-11-01T00:00:00Z"),
        );
        assert_eq!(list[1].due_at, utc("2026-11-23T05:15:00Z"));
        assert_eq!(list[0].latest_at, utc("2026-11-23T00:00:00Z"));
        config.days_before = 0;
        let only_morning = reminders_for(
            date(2026, 11, 23),
            Time::constant(9, 0, 0, 0),
            &config,
            &zone,
            utc("2026-11-01T00:00:00Z"),
        );
        assert_eq!(only_morning.len(), 1);
        config.days_before = 1;
        config.morning = false;
        let only_before = reminders_for(
            date(2026, 11, 23),
            Time::constant(9, 0, 0, 0),
            &config,
            &zone,
            utc("2026-11-01T00:00:00Z"),
        );
        assert_eq!(only_before.len(), 1);
        assert_eq!(only_before[0].kind, ReminderKind::DaysBefore);
        assert_eq!(only_before[0].latest_at, utc("2026-11-23T00:00:00Z"));
    }
}

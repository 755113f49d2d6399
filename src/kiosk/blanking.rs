//! When the lobby screen sleeps. After `after` on the welcome screen with nothing
//! happening (no page change, no touch, no one in front of the motion sensor) the
//! backlight goes off; a touch or the motion sensor lights it again. The first touch on a
//! dark screen only wakes it: it presses nothing the patient could not see. Pure: the
//! caller passes `now` and does what it is told.

use std::time::{Duration, Instant};

/// What the screen should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenChange {
    Sleep,
    Wake,
}

/// The screen's sleep state.
#[derive(Debug, Clone)]
pub struct Blanking {
    after: Duration,
    last_activity: Instant,
    asleep: bool,
}

impl Blanking {
    /// Awake, counting from `now`.
    pub fn new(after: Duration, now: Instant) -> Self {
        Self {
            after,
            last_activity: now,
            asleep: false,
        }
    }

    pub fn is_asleep(&self) -> bool {
        self.asleep
    }

    /// Something happened in front of the kiosk: wakes it if it sleeps.
    pub fn activity(&mut self, now: Instant) -> Option<ScreenChange> {
        self.last_activity = now;
        if self.asleep {
            self.asleep = false;
            Some(ScreenChange::Wake)
        } else {
            None
        }
    }

    /// Looked at every second: sleeps once the welcome screen has been left alone long
    /// enough. Anywhere else a patient is mid-way (the journey's own idle timeout brings
    /// the kiosk back to welcome first).
    pub fn tick(&mut self, now: Instant, on_welcome: bool) -> Option<ScreenChange> {
        if !on_welcome {
            return self.activity(now);
        }
        let idle = now.saturating_duration_since(self.last_activity);
        if !self.asleep && idle >= self.after {
            self.asleep = true;
            Some(ScreenChange::Sleep)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AFTER: Duration = Duration::from_secs(300);

    #[test]
    fn sleeps_only_after_the_welcome_screen_is_left_alone_long_enough() {
        let start = Instant::now();
        let mut blanking = Blanking::new(AFTER, start);
        assert_eq!(blanking.tick(start + Duration::from_secs(299), true), None);
        assert_eq!(
            blanking.tick(start + AFTER, true),
            Some(ScreenChange::Sleep)
        );
        assert!(blanking.is_asleep());
        // Told once, not every second.
        assert_eq!(blanking.tick(start + AFTER * 2, true), None);
    }

    #[test]
    fn a_patient_mid_way_keeps_it_awake() {
        let start = Instant::now();
        let mut blanking = Blanking::new(AFTER, start);
        assert_eq!(blanking.tick(start + AFTER * 3, false), None);
        // Back on welcome (the journey's idle timeout): the wait starts again.
        assert_eq!(blanking.tick(start + AFTER * 3 + AFTER / 2, true), None);
        assert_eq!(
            blanking.tick(start + AFTER * 4, true),
            Some(ScreenChange::Sleep)
        );
    }

    #[test]
    fn motion_or_a_touch_wakes_it_and_the_wait_starts_again() {
        let start = Instant::now();
        let mut blanking = Blanking::new(AFTER, start);
        blanking.tick(start + AFTER, true);
        let woken = start + AFTER + Duration::from_secs(10);
        assert_eq!(blanking.activity(woken), Some(ScreenChange::Wake));
        assert_eq!(blanking.activity(woken), None);
        assert_eq!(blanking.tick(woken + AFTER / 2, true), None);
        assert_eq!(
            blanking.tick(woken + AFTER, true),
            Some(ScreenChange::Sleep)
        );
    }
}

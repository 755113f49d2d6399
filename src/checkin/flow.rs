//! `Flow`: the check-in state machine.

use super::roster::Roster;
use super::screen::{ConfirmDetails, FrontDeskReason, Problem, Screen};
use crate::domain::{AppointmentId, CheckInId, ClinicId};
use crate::token::{CheckInToken, TokenError};
use ed25519_dalek::VerifyingKey;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashSet;

/// Something that happened: a scan, a tap, a result of an effect, or time passing.
#[derive(Debug, Clone)]
pub enum Event {
    /// A complete line of text from the barcode scanner.
    CodeScanned(String),
    /// The patient tapped a button.
    Tapped(Tap),
    /// The check-in is durably in the outbox.
    Persisted(CheckInId),
    /// The outbox write failed.
    PersistFailed(CheckInId),
    /// The office sent today's appointments.
    RosterUpdated(Roster),
    /// The office's identity and token-signing key became known.
    OfficeTrusted(OfficeTrust),
    /// Time passed (the shell sends one every second or so).
    Tick,
}

/// Buttons a patient can tap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tap {
    /// "I don't have a code."
    NoCode,
    /// "Yes, this is me."
    ConfirmYes,
    /// "No, this is not me."
    ConfirmNo,
    /// "Call staff", on every screen.
    CallStaff,
    /// "Start over" / "Done" / "Back": return to the welcome screen.
    StartOver,
    /// "Back" on the help screen: return to where the patient was.
    Back,
}

/// A check-in to write to the kiosk outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCheckIn {
    pub id: CheckInId,
    pub clinic: ClinicId,
    pub appointment: AppointmentId,
    pub arrived_at: Timestamp,
    /// The clinic's calendar day of the arrival.
    pub day: Date,
}

/// What the shell must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Replace what is on screen.
    Show(Screen),
    /// Write this check-in to the outbox, then answer `Persisted` or `PersistFailed`.
    Persist(PendingCheckIn),
    /// Tell the front desk someone needs help at this kiosk.
    RequestHelp,
}

/// What the kiosk must know of its office to check codes on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficeTrust {
    pub clinic: ClinicId,
    /// Shown on the welcome screen.
    pub clinic_name: String,
    /// The clinic's zone: a code is valid on the clinic's calendar day.
    pub timezone: TimeZone,
    pub key: VerifyingKey,
}

/// Settings the flow needs; fixed for the life of the process.
#[derive(Debug, Clone)]
pub struct FlowSettings {
    /// No input for this long on any screen but welcome wipes the screen.
    pub idle_timeout: SignedDuration,
    /// The "take a seat" screen returns to welcome after this long.
    pub done_timeout: SignedDuration,
}

#[derive(Debug, Clone, PartialEq)]
enum State {
    Welcome,
    Confirm {
        token: CheckInToken,
        details: ConfirmDetails,
    },
    Saving(PendingCheckIn),
    Done {
        queue_position: Option<u32>,
    },
    Problem(Problem),
    SeeFrontDesk(FrontDeskReason),
    HelpComing {
        back_to: Box<State>,
    },
}

impl State {
    fn screen(&self) -> Screen {
        match self {
            State::Welcome => Screen::Welcome,
            State::Confirm { details, .. } => Screen::Confirm(details.clone()),
            State::Saving(_) => Screen::Saving,
            State::Done { queue_position } => Screen::Done {
                queue_position: *queue_position,
            },
            State::Problem(problem) => Screen::Problem(*problem),
            State::SeeFrontDesk(reason) => Screen::SeeFrontDesk(*reason),
            State::HelpComing { .. } => Screen::HelpComing,
        }
    }
}

/// The check-in state machine of one kiosk.
#[derive(Debug)]
pub struct Flow {
    settings: FlowSettings,
    trust: Option<OfficeTrust>,
    roster: Roster,
    /// Appointments checked in at this kiosk (survives restarts via the shell's store).
    used: HashSet<AppointmentId>,
    state: State,
    last_input: Timestamp,
}

impl Flow {
    /// A flow on the welcome screen. `used` are appointments this kiosk already checked in.
    pub fn new(
        settings: FlowSettings,
        trust: Option<OfficeTrust>,
        used: impl IntoIterator<Item = AppointmentId>,
        now: Timestamp,
    ) -> Self {
        Self {
            settings,
            trust,
            roster: Roster::default(),
            used: used.into_iter().collect(),
            state: State::Welcome,
            last_input: now,
        }
    }

    /// The screen that should be showing now.
    pub fn screen(&self) -> Screen {
        self.state.screen()
    }

    /// Handles one event at time `now` and says what the shell must do.
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        match event {
            Event::CodeScanned(text) => {
                self.last_input = now;
                self.on_scan(&text, now)
            }
            Event::Tapped(tap) => {
                self.last_input = now;
                self.on_tap(tap, now)
            }
            Event::Persisted(id) => self.on_persisted(id, now),
            Event::PersistFailed(id) => match &self.state {
                State::Saving(pending) if pending.id == id => {
                    tracing::error!(check_in = %id, "check-in could not be saved on the kiosk");
                    self.go(State::Problem(Problem::SaveFailed), now)
                }
                _ => Vec::new(),
            },
            Event::RosterUpdated(roster) => {
                self.roster = roster;
                Vec::new()
            }
            Event::OfficeTrusted(trust) => {
                self.trust = Some(trust);
                Vec::new()
            }
            Event::Tick => self.on_tick(now),
        }
    }

    fn go(&mut self, state: State, now: Timestamp) -> Vec<Effect> {
        self.state = state;
        self.last_input = now;
        vec![Effect::Show(self.state.screen())]
    }

    fn on_scan(&mut self, text: &str, now: Timestamp) -> Vec<Effect> {
        // A check-in is being written; a second scan must not start another.
        if matches!(self.state, State::Saving(_)) {
            return Vec::new();
        }
        let Some(trust) = &self.trust else {
            tracing::warn!("code scanned before the office key is known");
            return self.go(State::Problem(Problem::NotReady), now);
        };
        let today = now.to_zoned(trust.timezone.clone()).date();
        let token = match CheckInToken::verify(text, &trust.key, trust.clinic, today, now) {
            Ok(token) => token,
            Err(error) => {
                tracing::info!(%error, "check-in code rejected");
                return self.go(State::Problem(problem_for(&error)), now);
            }
        };
        let appointment = token.appointment;
        let entry = self.roster.get(appointment);
        if self.used.contains(&appointment) || entry.is_some_and(|e| e.checked_in) {
            tracing::info!(%appointment, "check-in code already used");
            return self.go(State::Problem(Problem::AlreadyUsed), now);
        }
        if entry.is_none() && !self.roster.is_empty() {
            tracing::info!(%appointment, "appointment not on today's list");
            return self.go(State::Problem(Problem::NotOnToday), now);
        }
        let details = ConfirmDetails {
            display_name: entry.map(|e| e.display_name.clone()),
            starts_at: entry.map_or(token.starts_at, |e| e.starts_at),
            provider: entry.map(|e| e.provider.clone()),
        };
        tracing::info!(%appointment, "check-in code accepted");
        self.go(State::Confirm { token, details }, now)
    }

    fn on_tap(&mut self, tap: Tap, now: Timestamp) -> Vec<Effect> {
        match (tap, &self.state) {
            (Tap::CallStaff, State::HelpComing { .. }) => Vec::new(),
            (Tap::CallStaff, _) => {
                let back_to = Box::new(self.state.clone());
                let mut effects = vec![Effect::RequestHelp];
                effects.extend(self.go(State::HelpComing { back_to }, now));
                effects
            }
            (Tap::Back, State::HelpComing { back_to }) => {
                let back_to = (**back_to).clone();
                self.go(back_to, now)
            }
            (Tap::NoCode, State::Welcome) => {
                self.go(State::SeeFrontDesk(FrontDeskReason::NoCode), now)
            }
            (Tap::ConfirmYes, State::Confirm { token, .. }) => {
                let pending = PendingCheckIn {
                    id: CheckInId::random(),
                    clinic: token.clinic,
                    appointment: token.appointment,
                    arrived_at: now,
                    day: token.valid_on,
                };
                self.state = State::Saving(pending.clone());
                vec![Effect::Show(Screen::Saving), Effect::Persist(pending)]
            }
            (Tap::ConfirmNo, State::Confirm { .. }) => {
                self.go(State::SeeFrontDesk(FrontDeskReason::NotMe), now)
            }
            (Tap::StartOver, State::Saving(_)) => Vec::new(),
            (Tap::StartOver, _) => self.go(State::Welcome, now),
            // A tap that does not belong to this screen (a stale event): ignore it.
            _ => Vec::new(),
        }
    }

    fn on_persisted(&mut self, id: CheckInId, now: Timestamp) -> Vec<Effect> {
        let State::Saving(pending) = &self.state else {
            return Vec::new();
        };
        if pending.id != id {
            return Vec::new();
        }
        let appointment = pending.appointment;
        self.used.insert(appointment);
        let queue_position = (!self.roster.is_empty()).then(|| self.roster.waiting() + 1);
        self.roster.mark_checked_in(appointment);
        self.go(State::Done { queue_position }, now)
    }

    fn on_tick(&mut self, now: Timestamp) -> Vec<Effect> {
        let timeout = match self.state {
            State::Welcome | State::Saving(_) => return Vec::new(),
            State::Done { .. } => self.settings.done_timeout,
            _ => self.settings.idle_timeout,
        };
        if now.duration_since(self.last_input) >= timeout {
            // Wipe everything the last patient saw or typed.
            self.go(State::Welcome, now)
        } else {
            Vec::new()
        }
    }
}

fn problem_for(error: &TokenError) -> Problem {
    match error {
        TokenError::NotAToken | TokenError::Malformed | TokenError::OldFormat => {
            Problem::UnknownCode
        }
        TokenError::Forged => Problem::Forged,
        TokenError::OtherClinic { .. } => Problem::OtherClinic,
        TokenError::Expired { .. } => Problem::Expired,
        TokenError::WrongDay { valid_on, .. } => Problem::WrongDay(*valid_on),
    }
}

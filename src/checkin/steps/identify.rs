//! Identify step: the welcome screen. The patient scans the code from their appointment
//! reminder (name + date of birth and licences come with the registration issue), or says
//! they have none.

use super::{Go, Outcome, Step, StepContext};
use crate::checkin::event::Tap;
use crate::checkin::screen::{ConfirmDetails, Ending, FrontDeskReason, PageView, Problem};
use crate::checkin::session::{IdentifiedAppointment, Session};
use crate::devices::scan::Scan;
use crate::token::{CheckInToken, TokenError};

/// Taps on the welcome page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifyTap {
    /// "I don't have a code."
    NoCode,
}

#[derive(Debug, Default)]
pub(crate) struct Identify;

impl Step for Identify {
    fn on_scan(&mut self, scan: &Scan, cx: &mut StepContext<'_>) -> Outcome {
        let Scan::CheckInCode(text) = scan else {
            tracing::info!(scan = ?scan, "scan is not a check-in code");
            return Outcome::end(Ending::Problem(Problem::NotACheckInCode));
        };
        let Some(trust) = &cx.knowledge.trust else {
            tracing::warn!("code scanned before the office key is known");
            return Outcome::end(Ending::Problem(Problem::NotReady));
        };
        let today = cx.now.to_zoned(trust.timezone.clone()).date();
        let token = match CheckInToken::verify(text, &trust.key, trust.clinic, today, cx.now) {
            Ok(token) => token,
            Err(error) => {
                tracing::info!(%error, "check-in code rejected");
                return Outcome::end(Ending::Problem(problem_for(&error)));
            }
        };
        let appointment = token.appointment;
        let roster = &cx.knowledge.roster;
        let entry = roster.get(appointment);
        if cx.knowledge.used.contains(&appointment) || entry.is_some_and(|e| e.checked_in) {
            tracing::info!(%appointment, "check-in code already used");
            return Outcome::end(Ending::Problem(Problem::AlreadyUsed));
        }
        if entry.is_none() && !roster.is_empty() {
            tracing::info!(%appointment, "appointment not on today's list");
            return Outcome::end(Ending::Problem(Problem::NotOnToday));
        }
        let details = ConfirmDetails {
            display_name: entry.map(|e| e.display_name.clone()),
            starts_at: entry.map_or(token.starts_at, |e| e.starts_at),
            provider: entry.map(|e| e.provider.clone()),
        };
        tracing::info!(%appointment, "check-in code accepted");
        cx.session.appointment = Some(IdentifiedAppointment { token, details });
        Outcome::go(Go::Next)
    }

    fn on_tap(&mut self, tap: Tap, _cx: &mut StepContext<'_>) -> Outcome {
        match tap {
            Tap::Identify(IdentifyTap::NoCode) => {
                Outcome::end(Ending::SeeFrontDesk(FrontDeskReason::NoCode))
            }
            _ => Outcome::stay(),
        }
    }

    fn view(&self, _session: &Session) -> PageView {
        PageView::Identify
    }
}

fn problem_for(error: &TokenError) -> Problem {
    match error {
        TokenError::NotAToken | TokenError::Malformed => Problem::UnknownCode,
        TokenError::OldFormat => Problem::OldCode,
        TokenError::Forged => Problem::Forged,
        TokenError::OtherClinic { .. } => Problem::OtherClinic,
        TokenError::Expired { .. } => Problem::Expired,
        TokenError::WrongDay { valid_on, .. } => Problem::WrongDay(*valid_on),
    }
}

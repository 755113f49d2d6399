//! Confirm step: "Is this you?" with the least a patient needs to recognise their
//! appointment.

use super::{Go, Outcome, Step, StepContext};
use crate::checkin::event::Tap;
use crate::checkin::screen::{Ending, FrontDeskReason, PageView, Problem};
use crate::checkin::session::Session;

/// Taps on the "Is this you?" page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmTap {
    Yes,
    No,
}

#[derive(Debug, Default)]
pub(crate) struct Confirm;

impl Step for Confirm {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        // A new patient has no appointment to confirm.
        if cx.session.new_patient.is_some() {
            Outcome::go(Go::Next)
        } else {
            Outcome::stay()
        }
    }

    fn on_tap(&mut self, tap: Tap, _cx: &mut StepContext<'_>) -> Outcome {
        match tap {
            Tap::Confirm(ConfirmTap::Yes) => Outcome::go(Go::Next),
            Tap::Confirm(ConfirmTap::No) => {
                Outcome::end(Ending::SeeFrontDesk(FrontDeskReason::NotMe))
            }
            _ => Outcome::stay(),
        }
    }

    fn view(&self, session: &Session) -> PageView {
        match &session.appointment {
            Some(appointment) => PageView::Confirm(appointment.details.clone()),
            // Unreachable through the journey (identify sets it); shown as a problem
            // rather than a blank card if it ever happens.
            None => PageView::Ending(Ending::Problem(Problem::UnknownCode)),
        }
    }
}

//! The check-in as a pure state machine: events in, effects out, no I/O and no clock reads.
//!
//! Every rule of the lobby check-in lives here: which screen comes next, when the screen
//! is wiped, what is written to the outbox and that the "done" screen only shows once it is.

mod flow;
mod roster;
mod screen;

pub use flow::{Effect, Event, Flow, FlowSettings, OfficeTrust, PendingCheckIn, Tap};
pub use roster::{Roster, RosterEntry};
pub use screen::{ConfirmDetails, FrontDeskReason, Problem, Screen};

//! What the kiosk shows: the current step's page (or the journey's ending), an overlay if
//! one is up, the language and the display preferences. Each variant carries only what its page displays.

use super::display::DisplayPrefs;
use crate::domain::{DisplayName, Language};
use jiff::civil::{Date, Time};

/// Everything the shell needs to draw the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub page: PageView,
    /// Drawn over the page; the page keeps its state underneath.
    pub overlay: Option<OverlayView>,
    pub language: Language,
    /// Larger text, high contrast.
    pub display: DisplayPrefs,
}

/// The page of the current step, or of the journey's ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageView {
    /// Identify step: scan your code.
    Identify,
    /// Confirm step: "Is this you?"
    Confirm(ConfirmDetails),
    /// Check-in step: writing the check-in down.
    CheckingIn,
    /// The journey is over, one way or another.
    Ending(Ending),
}

/// How a journey ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// "Thank you, please take a seat." `None` when the queue is unknown (office not reached).
    CheckedIn { queue_position: Option<u32> },
    /// The code cannot be used; says why in plain words.
    Problem(Problem),
    /// The patient needs the front desk.
    SeeFrontDesk(FrontDeskReason),
}

/// Shown over the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayView {
    /// Staff were called to the kiosk.
    HelpComing,
    /// Nobody has touched the screen for a while; it is wiped when the countdown ends.
    StillThere { seconds_left: u32 },
}

/// The least a patient needs to recognise their appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmDetails {
    /// First name and last initial; `None` when the office could not be reached.
    pub display_name: Option<DisplayName>,
    pub starts_at: Time,
    pub provider: Option<String>,
}

/// Why a scan could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Looks like one of our codes, but damaged or unreadable.
    UnknownCode,
    /// Another kind of barcode: an ID card, a vaccination card, a product.
    NotACheckInCode,
    /// A code from a reminder printed before codes changed format.
    OldCode,
    /// Signature does not verify.
    Forged,
    /// For another office.
    OtherClinic,
    /// The appointment day has passed.
    Expired,
    /// For another day (in the future).
    WrongDay(Date),
    /// This appointment has already been checked in.
    AlreadyUsed,
    /// The office no longer lists this appointment today (cancelled or moved).
    NotOnToday,
    /// The kiosk has not yet learned the office's key and cannot check codes.
    NotReady,
    /// The check-in could not be saved on the kiosk.
    SaveFailed,
}

/// Why the patient is sent to the front desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrontDeskReason {
    /// "I don't have a code."
    NoCode,
    /// "No, this is not me."
    NotMe,
}

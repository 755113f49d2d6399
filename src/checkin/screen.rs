//! What the kiosk shows: one variant per screen, carrying only what that screen displays.

use crate::domain::DisplayName;
use jiff::civil::{Date, Time};

/// The screen the patient sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    /// Attract screen: scan your code.
    Welcome,
    /// "Is this you?"
    Confirm(ConfirmDetails),
    /// Writing the check-in down; shown for a blink at most.
    Saving,
    /// "Thank you, please take a seat."
    Done { queue_position: Option<u32> },
    /// The code cannot be used; says why in plain words.
    Problem(Problem),
    /// The patient needs the front desk (no code, or the details were not theirs).
    SeeFrontDesk(FrontDeskReason),
    /// Staff were called to the kiosk.
    HelpComing,
}

/// The least a patient needs to recognise their appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmDetails {
    /// First name and last initial; `None` when the office could not be reached.
    pub display_name: Option<DisplayName>,
    pub starts_at: Time,
    pub provider: Option<String>,
}

/// Why a scanned code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// Not one of our codes (another barcode, or damaged).
    UnknownCode,
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

//! What the kiosk shows: the current step's page (or the journey's ending), an overlay if
//! one is up, the language and the display preferences. Each variant carries only what its page displays.

use super::display::DisplayPrefs;
use super::event::HelpReached;
use super::steps::{
    BirthView, CodeView, ConsentView, DetailsView, InsuranceView, PaymentView, QuestionsView,
    RegisterBirthView, RegisterView, ReviewView, TypedName,
};
use crate::domain::{Cents, DisplayName, Language};
use jiff::civil::{Date, Time};

/// Everything the shell needs to draw the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub page: PageView,
    /// Drawn over the page; the page keeps its state underneath.
    pub overlay: Option<OverlayView>,
    /// What became of the call an ending made to the front desk: `None` when the page
    /// made none or no answer came yet. "They know you are coming" only once `Told`.
    pub desk_call: Option<HelpReached>,
    pub language: Language,
    /// Larger text, high contrast.
    pub display: DisplayPrefs,
}

/// The page of the current step, or of the journey's ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageView {
    /// Identify step: scan your code or licence, or type your name.
    Identify,
    /// Identify step: the name keyboard.
    TypeName(NameView),
    /// Identify step: the code keyboard, for the short code from a text reminder.
    TypeCode(CodeView),
    /// Identify step: the date of birth, one part at a time.
    BirthDate(BirthView),
    /// Identify step: several appointments matched; the patient picks theirs by its time.
    WhichAppointment(Vec<Time>),
    /// Identify step: name and date of birth matched no appointment today.
    NotFound,
    /// Register step: one question of the new-patient form.
    Register(RegisterView),
    /// Register step: the date of birth, on the identify step's date page.
    RegisterBirthDate(RegisterBirthView),
    /// Register step: every answer, to check and send.
    RegisterReview(ReviewView),
    /// Confirm step: "Is this you?"
    Confirm(ConfirmDetails),
    /// Details step: the contact details on file (changes are typed on `Register` pages).
    ContactDetails(DetailsView),
    /// Check-in step: writing the check-in down.
    CheckingIn,
    /// Payment step: the co-pay on the card terminal, or at the desk.
    Payment(PaymentView),
    /// Consent step: a document to read, or the signature pad.
    Consent(ConsentView),
    /// Questions step: the intake questionnaires, one question at a time.
    Questions(QuestionsView),
    /// Insurance step: coverage on file, how to give it, photos, fields, review.
    Insurance(InsuranceView),
    /// The journey is over, one way or another.
    Ending(Ending),
    /// This kiosk is not paired with the office (or was disabled or revoked there):
    /// patients cannot start a check-in; staff see how to set it up.
    NotSetUp(NotSetUp),
    /// The kiosk's configuration cannot be used: shown by the shell instead of a journey,
    /// with which setting, in words for the IT person (never a value from the file).
    SetupNeeded { detail: String },
}

/// Whether this kiosk may check patients in: it holds a credential the office accepts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Setup {
    #[default]
    Ready,
    NotSetUp(NotSetUp),
}

/// What the "not set up" page says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSetUp {
    /// Not paired: an administrator enters this code (`ABCD-EFGH`) on the staff page.
    /// `None` while the kiosk is still getting a code from the office.
    Pairing { code: Option<String> },
    /// Paired, but an administrator disabled it on the staff page.
    Disabled,
}

/// How a journey ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// "Thank you, please take a seat." `None` when the queue is unknown (office not
    /// reached); and what became of the co-pay.
    CheckedIn {
        queue_position: Option<u32>,
        payment: PaymentNote,
    },
    /// The code cannot be used; says why in plain words.
    Problem(Problem),
    /// The patient needs the front desk.
    SeeFrontDesk(FrontDeskReason),
    /// A new patient's registration is saved: "please take a seat, the front desk will
    /// call you to finish your registration".
    Registered,
}

/// What the checked-in page says about paying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaymentNote {
    /// Nothing due, or no payment asked at this kiosk.
    #[default]
    Nothing,
    /// Paid on the terminal; `receipt` when a receipt is printing.
    Paid { amount: Cents, receipt: bool },
    /// The patient chose to pay this at the desk.
    PayAtDesk(Cents),
    /// The terminal is not working: please pay this at the desk.
    TerminalDown(Cents),
    /// The payment could not be confirmed: see the desk before sitting down.
    SeeDesk,
}

/// The name keyboard page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameView {
    pub typed: TypedName,
    /// "Next" is offered: the name has a letter.
    pub can_continue: bool,
    pub notice: Option<NameNotice>,
}

/// A line above the keyboard saying why the patient is typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameNotice {
    /// A licence was scanned but could not be read.
    LicenceUnreadable,
}

/// Shown over the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayView {
    /// "Call staff" was tapped: what became of the call.
    Help(HelpState),
    /// Nobody has touched the screen for a while; it is wiped when the countdown ends.
    StillThere { seconds_left: u32 },
}

/// What the help overlay tells the patient: never that someone is coming before the desk
/// has been told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpState {
    /// The request is on its way to the office.
    Calling,
    /// The office has it.
    Coming,
    /// Nobody could be told from this kiosk (no office yet, or it cannot be reached):
    /// the patient goes to the desk.
    GoToDesk,
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
    /// "No, this is not me."
    NotMe,
    /// Name and date of birth matched no appointment, and the patient asked for the desk.
    NoMatch,
    /// Several appointments matched and the patient's could not be picked out.
    SeveralMatches,
}

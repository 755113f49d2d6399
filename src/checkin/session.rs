//! `Session`: everything about the patient at the kiosk now. It is wiped as one unit (idle
//! timeout, done, start over), so nothing of one patient can reach the next.

use super::display::DisplayPrefs;
use super::screen::{ConfirmDetails, PaymentNote};
use super::steps::NewPatient;
use crate::api::FormSubject;
use crate::domain::{AppointmentId, CheckInId, ClinicId, Language, RegistrationId};
use jiff::civil::Date;

/// The patient at the kiosk now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    pub language: Language,
    /// Larger text, high contrast: this patient's, reset with everything else.
    pub display: DisplayPrefs,
    /// Set by the identify step; read by the steps after it.
    pub appointment: Option<IdentifiedAppointment>,
    /// Set by the identify step for a new patient; the register step fills in their
    /// registration and the check-in step saves it.
    pub new_patient: Option<NewPatient>,
    /// Set once the check-in is durably saved; the steps after it (payment) cannot undo it.
    pub checked_in: Option<SavedCheckIn>,
    /// Set once a new patient's registration is durably saved; the steps after it
    /// (consent, questions) add to it.
    pub registered: Option<RegistrationId>,
    /// What the ending says about paying.
    pub payment: PaymentNote,
}

/// A check-in saved to the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedCheckIn {
    pub id: CheckInId,
    /// The patient's place in the lobby queue; `None` when the office was not reached.
    pub queue_position: Option<u32>,
}

/// An appointment the patient identified themselves with.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentifiedAppointment {
    pub appointment: AppointmentId,
    pub clinic: ClinicId,
    /// The clinic's day of the appointment.
    pub day: Date,
    pub details: ConfirmDetails,
    pub by: IdentifiedBy,
}

/// How the patient identified themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifiedBy {
    /// The signed code from their appointment reminder.
    Code,
    /// The short code from their text-message reminder, typed on the kiosk.
    ShortCode,
    /// Last name and date of birth typed on the kiosk.
    NameAndBirthDate,
    /// Last name and date of birth read from a driver's licence or ID card.
    Licence,
}

impl Session {
    /// Whom consents and answers given now belong to: the saved check-in's appointment, or
    /// the saved registration; `None` before either is saved.
    pub fn form_subject(&self) -> Option<FormSubject> {
        if let Some(id) = self.registered {
            return Some(FormSubject::Registration(id));
        }
        self.checked_in?;
        self.appointment
            .as_ref()
            .map(|a| FormSubject::Appointment(a.appointment))
    }

    /// Whether anything of a patient is held (a welcome screen in the default language
    /// holds nothing).
    pub fn is_empty(&self) -> bool {
        *self == Session::default()
    }
}

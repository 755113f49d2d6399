//! Appointment reminders that carry the check-in code (issue 16): a reminder some days
//! before the visit and one on its morning, sent by the hub itself.
//!
//! - [`plan`]: which reminders an appointment gets and when (pure; `now` passed in).
//! - the store's `reminders` table is the durable queue: one row per appointment, kind and
//!   visit time, so a restart neither sends one twice nor skips one, and a reschedule gets
//!   reminders of its own.
//! - [`email`]: the message (plain text + HTML + the check-in QR inline as a PNG), in the
//!   patient's language, with the minimum necessary (first name, time, place).
//! - [`sender`]: the worker that queues, rate-limits, sends over SMTP and retries with
//!   backoff until the reminder is sent, bounced or failed.
//! - [`sms`]: the text message (first name, time, place, the short check-in code) and the
//!   gateway it goes through; [`inbound`]: replies the gateway forwards ("STOP");
//!   [`delivery`]: the gateway's delivery reports (undelivered: *bounced*).
//! - [`letter`]: the printed letter (a PDF page per patient, with the QR and the short
//!   code) for patients who get reminders by post; staff download the day's letters.
//! - [`routes`]: the staff page's view, the opt-out toggle and the letters download.
//! - [`links`]: with a `public_url`, each reminder's single-purpose links (its token
//!   kept only as a hash); [`public`]: the pages they open (the code page, unsubscribing).

pub mod delivery;
pub mod email;
pub mod inbound;
pub mod letter;
pub mod links;
pub mod plan;
pub mod public;
pub mod qr_png;
pub mod routes;
pub mod sender;
pub mod signature;
pub mod sms;

use serde::{Deserialize, Serialize};

/// Which of an appointment's reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// `days_before` days ahead of the visit.
    DaysBefore,
    /// On the morning of the visit.
    Morning,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::DaysBefore => "days_before",
            ReminderKind::Morning => "morning",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "days_before" => Some(ReminderKind::DaysBefore),
            "morning" => Some(ReminderKind::Morning),
            _ => None,
        }
    }
}

/// Where a reminder is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderState {
    /// Waiting for its time, or for another try.
    Pending,
    /// The mail server (or SMS gateway) took it.
    Sent,
    /// The mail server or gateway refused it for good (no such mailbox or number).
    Bounced,
    /// Every try failed (the server unreachable or busy); not tried again.
    Failed,
    /// The patient opted out of reminders; nothing was sent.
    OptedOut,
    /// Not sent, for a reason that is nobody's fault (no address on file, too late,
    /// the appointment moved or was cancelled).
    Skipped,
}

impl ReminderState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderState::Pending => "pending",
            ReminderState::Sent => "sent",
            ReminderState::Bounced => "bounced",
            ReminderState::Failed => "failed",
            ReminderState::OptedOut => "opted_out",
            ReminderState::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ReminderState::Pending,
            ReminderState::Sent,
            ReminderState::Bounced,
            ReminderState::Failed,
            ReminderState::OptedOut,
            ReminderState::Skipped,
        ]
        .into_iter()
        .find(|state| state.as_str() == text)
    }
}

/// How the patient wants reminders, from the appointment import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderChannel {
    #[default]
    Email,
    /// A text message with the short check-in code.
    Sms,
    /// A printed letter, downloaded by staff with the day's mail.
    Letter,
    None,
}

impl ReminderChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderChannel::Email => "email",
            ReminderChannel::Sms => "sms",
            ReminderChannel::Letter => "letter",
            ReminderChannel::None => "none",
        }
    }

    /// Whether the reminder goes by post: the patient asked for letters, or wants
    /// email but has neither an address nor a phone on file.
    pub fn by_letter(self, has_email: bool, has_phone: bool) -> bool {
        match self {
            ReminderChannel::Letter => true,
            ReminderChannel::Email => !has_email && !has_phone,
            ReminderChannel::Sms | ReminderChannel::None => false,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "email" => Some(ReminderChannel::Email),
            "sms" => Some(ReminderChannel::Sms),
            "letter" => Some(ReminderChannel::Letter),
            "none" => Some(ReminderChannel::None),
            _ => None,
        }
    }
}

/// What an import says about a patient's reminders; what it does not say (`None`, the
/// default) keeps what is on file (English and email for a new appointment).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderPrefs {
    pub language: Option<crate::domain::Language>,
    pub channel: Option<ReminderChannel>,
}

impl ReminderPrefs {
    /// Both said (a CSV import with the reminder columns).
    pub fn new(language: crate::domain::Language, channel: ReminderChannel) -> Self {
        Self {
            language: Some(language),
            channel: Some(channel),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for kind in [ReminderKind::DaysBefore, ReminderKind::Morning] {
            assert_eq!(ReminderKind::parse(kind.as_str()), Some(kind));
        }
        for state in [
            "pending",
            "sent",
            "bounced",
            "failed",
            "opted_out",
            "skipped",
        ] {
            assert_eq!(ReminderState::parse(state).unwrap().as_str(), state);
        }
        assert_eq!(ReminderState::parse("lost"), None);
        assert_eq!(ReminderChannel::parse("none"), Some(ReminderChannel::None));
        assert_eq!(ReminderChannel::parse("fax"), None);
        assert!(ReminderChannel::Letter.by_letter(true, true));
        assert!(ReminderChannel::Email.by_letter(false, false));
        assert!(!ReminderChannel::Email.by_letter(false, true));
        assert!(!ReminderChannel::Email.by_letter(true, false));
        assert!(!ReminderChannel::None.by_letter(false, false));
        assert!(!ReminderChannel::Sms.by_letter(false, false));
        assert_eq!(ReminderChannel::parse("sms"), Some(ReminderChannel::Sms));
        assert_eq!(
            ReminderChannel::parse("letter"),
            Some(ReminderChannel::Letter)
        );
    }
}

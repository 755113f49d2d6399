//! The audit log: who looked at or changed which record, when and from where.
//!
//! Entries are written by the store in the same transaction as the change they record
//! (see `store::audit`), with a typed [`AuditAction`] and a subject that is a record id,
//! never PHI. Each entry is chained to the one before by SHA-256 ([`chain`]), and the hub
//! signs the chain's tail now and then with its Ed25519 key ([`checkpoint`]);
//! `frontdesk-office verify-audit` ([`verify`]) walks the chain and checks it against the
//! signed checkpoints. [`routes`] shows the log to staff as JSON and CSV.
//!
//! # What this protects against, and what not
//! An attacker who can write the database but neither read the data directory's signing
//! key nor rewrite the checkpoint file:
//! - **cannot** edit, insert, delete or reorder an entry without `verify-audit` naming the
//!   first entry that no longer fits, unless they also recompute every hash after it;
//! - **cannot** recompute the chain, nor cut entries off its end, below the last signed
//!   checkpoint: the checkpoint names the hash the chain must have at its `seq`;
//! - **can** rewrite, drop or append entries written *after* the last checkpoint (at most
//!   [`checkpoint::EVERY`] entries or [`checkpoint::INTERVAL`] of them), and can wipe the
//!   whole database (which nobody misses only if nobody looks).
//!
//! An attacker who also holds the data directory (the signing key and the checkpoint
//! file) can rewrite everything and sign it again; only copies kept elsewhere show that:
//! every checkpoint is also logged (seq and hash, no PHI), so a journal shipped off the
//! box, or an older backup, is a second anchor to compare with.

pub mod chain;
pub mod checkpoint;
pub mod routes;
pub mod verify;

use super::store::Actor;
use std::net::{IpAddr, SocketAddr};

/// Who did it and from where, for one audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor: Actor,
    /// The peer address of a staff request; `None` for kiosks (their id is the actor) and
    /// for the hub itself.
    pub origin: Option<IpAddr>,
}

impl AuditContext {
    pub fn new(actor: Actor, origin: Origin) -> Self {
        Self {
            actor,
            origin: origin.0,
        }
    }
}

impl From<Actor> for AuditContext {
    fn from(actor: Actor) -> Self {
        Self {
            actor,
            origin: None,
        }
    }
}

impl From<&Actor> for AuditContext {
    fn from(actor: &Actor) -> Self {
        actor.clone().into()
    }
}

impl From<&AuditContext> for AuditContext {
    fn from(who: &AuditContext) -> Self {
        who.clone()
    }
}

/// The peer address of the request, when the server was started with connection info
/// (it is: see `Office::serve`); a handler that takes it never fails for want of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Origin(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Origin(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

/// Declares [`AuditAction`] with each variant's stable code, kept in the database: a code
/// never changes meaning once written (new actions get new codes).
macro_rules! audit_actions {
    ($($(#[$doc:meta])* $variant:ident => $code:literal,)*) => {
        /// What was done; see [`AuditAction::as_str`] for the stored code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditAction {
            $($(#[$doc])* $variant,)*
        }

        impl AuditAction {
            /// Every action, in declaration order.
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant,)*];

            /// The stable code stored in the log and used in filters.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $code,)*
                }
            }
        }
    };
}

audit_actions! {
    // -- Staff views and exports (PHI reads) --
    /// The day's queue.
    QueueView => "queue.view",
    /// One check-in's queue row (a page that heard it change).
    CheckInView => "check_in.view",
    /// A check-in code (QR) shown again.
    TokenView => "token.view",
    /// The list of new-patient registrations.
    RegistrationList => "registration.list",
    /// The day's payments report (page or CSV).
    PaymentsReport => "payments.report",
    /// The day's intake answers.
    IntakeView => "intake.view",
    /// One response as FHIR.
    IntakeFhirView => "intake.fhir.view",
    /// One response's answers.
    IntakeAnswersView => "intake.answers.view",
    /// The day's consents.
    ConsentsView => "consents.view",
    /// One consent's signature image.
    ConsentSignatureView => "consent.signature.view",
    /// One consent's signed copy, printed.
    ConsentCopyPrint => "consent.copy.print",
    /// The day's insurance.
    InsuranceView => "insurance.view",
    /// A whole member id revealed.
    MemberIdReveal => "insurance.member_id.reveal",
    /// A card photo.
    CardPhotoView => "card_photo.view",
    /// The audit log itself, on the staff page.
    AuditView => "audit.view",
    /// The audit log exported as CSV.
    AuditExport => "audit.export",
    // -- Staff changes --
    /// Staff checked eligibility again.
    EligibilityRecheck => "eligibility.recheck",
    /// A check-in's status changed to arrived.
    CheckInArrived => "check_in.status.arrived",
    /// A check-in's status changed to needs attention.
    CheckInNeedsAttention => "check_in.status.needs_attention",
    /// A check-in's status changed to roomed.
    CheckInRoomed => "check_in.status.roomed",
    /// A registration accepted (an appointment and check-in made from it).
    RegistrationAccept => "registration.accept",
    /// A registration discarded (contents wiped).
    RegistrationReject => "registration.reject",
    /// A "needs staff" item answered.
    StaffNeedAnswer => "staff_need.answer",
    /// An intake alert acknowledged.
    IntakeAlertAcknowledge => "intake.alert.acknowledge",
    /// One field of a details change approved.
    DetailsFieldApproved => "details_change.field.approved",
    /// One field of a details change rejected.
    DetailsFieldRejected => "details_change.field.rejected",
    /// A details change closed.
    DetailsChangeClose => "details_change.close",
    // -- Staff sessions (written by sign-in) --
    /// A staff member signed in.
    StaffLogin => "staff.login",
    /// A sign-in was refused.
    StaffLoginFailed => "staff.login_failed",
    /// A staff member signed out.
    StaffLogout => "staff.logout",
    /// A request refused for the caller's role.
    AccessDenied => "access.denied",
    /// An admin listed the staff users.
    StaffUsersView => "staff.users_view",
    /// A staff user added (from the command line, or by an admin on the users view).
    StaffUserAdd => "staff.user_add",
    /// A staff user's role changed.
    StaffUserRole => "staff.user_role",
    /// A staff user disabled (their sessions end).
    StaffUserDisable => "staff.user_disable",
    /// A staff user enabled again.
    StaffUserEnable => "staff.user_enable",
    /// A staff user's password set by an admin (their sessions end).
    StaffUserPassword => "staff.user_password",
    // -- Kiosks --
    /// A check-in stored (also when staff accept a registration).
    CheckInCreate => "check_in.create",
    /// A registration stored.
    RegistrationCreate => "registration.create",
    /// A signed consent stored.
    ConsentCreate => "consent.create",
    /// Intake answers stored.
    IntakeCreate => "intake.create",
    /// Intake answers raised an alert.
    IntakeAlertRaise => "intake.alert.raise",
    /// Insurance answer stored.
    CoverageCreate => "coverage.create",
    /// A card photo stored.
    CardPhotoCreate => "card_photo.create",
    /// A details change request stored.
    DetailsChangeCreate => "details_change.create",
    /// A payment stored: paid.
    PaymentPaid => "payment.create.paid",
    /// A payment stored: declined, then paying at the desk.
    PaymentDeclined => "payment.create.declined",
    /// A payment stored: paying at the desk.
    PaymentPayAtDesk => "payment.create.pay_at_desk",
    /// A payment stored: not paid (cut short, nothing charged).
    PaymentNotPaid => "payment.create.not_paid",
    /// A payment stored: staff must look at the terminal.
    PaymentNeedsStaff => "payment.create.needs_staff",
    /// Consents on file disclosed to a kiosk.
    ConsentsDisclose => "consents.disclose",
    /// Coverage on file disclosed to a kiosk.
    CoverageDisclose => "coverage.disclose",
    /// Amount due disclosed to a kiosk.
    DueDisclose => "due.disclose",
    /// Contact details on file disclosed to a kiosk.
    ContactDisclose => "contact.disclose",
    /// A kiosk asked for staff (the reason is the subject's suffix).
    StaffNeedRaisePatientAsked => "staff_need.raise.patient_asked",
    StaffNeedRaiseNoCode => "staff_need.raise.no_code",
    StaffNeedRaiseNotMe => "staff_need.raise.not_me",
    StaffNeedRaiseNoMatch => "staff_need.raise.no_match",
    StaffNeedRaiseSeveralMatches => "staff_need.raise.several_matches",
    StaffNeedRaiseUnreadableLicence => "staff_need.raise.unreadable_licence",
    StaffNeedRaiseCodeProblem => "staff_need.raise.code_problem",
    StaffNeedRaiseAlreadyCheckedIn => "staff_need.raise.already_checked_in",
    StaffNeedRaiseKioskNotReady => "staff_need.raise.kiosk_not_ready",
    StaffNeedRaiseSaveFailed => "staff_need.raise.save_failed",
    StaffNeedRaiseDetailsToReview => "staff_need.raise.details_to_review",
    StaffNeedRaisePaymentProblem => "staff_need.raise.payment_problem",
    StaffNeedRaiseAnswersNotSaved => "staff_need.raise.answers_not_saved",
    StaffNeedRaiseConsentNotSaved => "staff_need.raise.consent_not_saved",
    StaffNeedRaiseInsuranceAtDesk => "staff_need.raise.insurance_at_desk",
    StaffNeedRaiseCoverageNotSaved => "staff_need.raise.coverage_not_saved",
    // -- Kiosk pairing (admins) --
    /// A kiosk paired (its code entered on the staff page).
    KioskPair => "kiosk.pair",
    /// A pairing code refused (wrong, expired or used; or pairing locked).
    KioskPairRefused => "kiosk.pair_refused",
    /// A kiosk renamed.
    KioskRename => "kiosk.rename",
    /// A kiosk disabled (its credential refused until enabled).
    KioskDisable => "kiosk.disable",
    /// A disabled kiosk enabled again.
    KioskEnable => "kiosk.enable",
    /// A kiosk's pairing revoked for good.
    KioskRevoke => "kiosk.revoke",
    // -- The hub --
    /// A set of forms published.
    FormsPublish => "forms.publish",
    /// A patient's registration or details sent to the EHR (HL7 ADT), by message id.
    Hl7Send => "hl7.send",
    /// A patient's arrival or details written to the EHR's FHIR server, by queue row.
    FhirSend => "fhir.send",
    /// An appointment cancelled by the EHR (HL7 SIU^S15).
    AppointmentCancel => "appointment.cancel",
    /// A reminder handed to the mail server (or tried), by the reminder's message id.
    ReminderSend => "reminder.send",
    /// Staff opted a patient out of reminders, by appointment.
    ReminderOptOut => "reminder.opt_out",
    /// Staff opted a patient back in to reminders, by appointment.
    ReminderOptIn => "reminder.opt_in",
    /// The list of upcoming appointments' reminders (staff view).
    RemindersView => "reminders.view",
    /// Reminder letters downloaded to print (one entry per patient's letter).
    ReminderLetterPrint => "reminder.letter.print",
    /// A reminder's code page opened by its public link (subject: the appointment).
    ReminderLinkOpen => "reminder.link.open",
    /// A reminder's public link used after it expired (subject: the appointment).
    ReminderLinkExpired => "reminder.link.expired",
    /// A patient opted out by the unsubscribe link in a reminder (subject: the
    /// appointment).
    ReminderUnsubscribe => "reminder.unsubscribe",
    /// A check-in's PHI removed under the retention policy (subject: the check-in id).
    RetentionPurge => "retention.purge",
    /// PHI removed under the retention policy from an appointment or registration whose
    /// check-in never arrived (subject: the appointment handle or registration id).
    RetentionPurgeUnarrived => "retention.purge_unarrived",
}

impl AuditAction {
    /// A check-in's status changed to `status`.
    pub fn check_in_status(status: crate::domain::CheckInStatus) -> Self {
        use crate::domain::CheckInStatus;
        match status {
            CheckInStatus::Arrived => Self::CheckInArrived,
            CheckInStatus::NeedsAttention => Self::CheckInNeedsAttention,
            CheckInStatus::Roomed => Self::CheckInRoomed,
        }
    }

    /// A payment stored with `outcome`.
    pub fn payment_created(outcome: &crate::domain::PaymentOutcome) -> Self {
        use crate::domain::PaymentOutcome;
        match outcome {
            PaymentOutcome::Paid { .. } => Self::PaymentPaid,
            PaymentOutcome::PayAtDesk { declines: 0 } => Self::PaymentPayAtDesk,
            PaymentOutcome::PayAtDesk { .. } => Self::PaymentDeclined,
            PaymentOutcome::NotPaid => Self::PaymentNotPaid,
            PaymentOutcome::NeedsStaff { .. } => Self::PaymentNeedsStaff,
        }
    }

    /// A kiosk asked for staff because of `need`.
    pub fn staff_need_raised(need: crate::domain::StaffNeed) -> Self {
        use crate::domain::StaffNeed;
        match need {
            StaffNeed::PatientAsked => Self::StaffNeedRaisePatientAsked,
            StaffNeed::NoCode => Self::StaffNeedRaiseNoCode,
            StaffNeed::NotMe => Self::StaffNeedRaiseNotMe,
            StaffNeed::NoMatch => Self::StaffNeedRaiseNoMatch,
            StaffNeed::SeveralMatches => Self::StaffNeedRaiseSeveralMatches,
            StaffNeed::UnreadableLicence => Self::StaffNeedRaiseUnreadableLicence,
            StaffNeed::CodeProblem => Self::StaffNeedRaiseCodeProblem,
            StaffNeed::AlreadyCheckedIn => Self::StaffNeedRaiseAlreadyCheckedIn,
            StaffNeed::KioskNotReady => Self::StaffNeedRaiseKioskNotReady,
            StaffNeed::SaveFailed => Self::StaffNeedRaiseSaveFailed,
            StaffNeed::DetailsToReview => Self::StaffNeedRaiseDetailsToReview,
            StaffNeed::PaymentProblem => Self::StaffNeedRaisePaymentProblem,
            StaffNeed::AnswersNotSaved => Self::StaffNeedRaiseAnswersNotSaved,
            StaffNeed::ConsentNotSaved => Self::StaffNeedRaiseConsentNotSaved,
            StaffNeed::InsuranceAtDesk => Self::StaffNeedRaiseInsuranceAtDesk,
            StaffNeed::CoverageNotSaved => Self::StaffNeedRaiseCoverageNotSaved,
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code that names no [`AuditAction`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit action")]
pub struct UnknownAction;

impl std::str::FromStr for AuditAction {
    type Err = UnknownAction;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == code)
            .ok_or(UnknownAction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_parses_back() {
        let mut seen = std::collections::HashSet::new();
        for action in AuditAction::ALL {
            assert!(seen.insert(action.as_str()), "{action} twice");
            assert_eq!(action.as_str().parse::<AuditAction>(), Ok(*action));
        }
        assert_eq!("queue.viewed".parse::<AuditAction>(), Err(UnknownAction));
    }

    #[test]
    fn signin_codes_are_the_ones_its_calls_use() {
        for code in [
            "staff.login",
            "staff.login_failed",
            "staff.logout",
            "access.denied",
        ] {
            assert!(code.parse::<AuditAction>().is_ok(), "{code}");
        }
    }

    #[test]
    fn staff_need_codes_keep_the_reason_text() {
        use crate::domain::StaffNeed;
        for need in StaffNeed::ALL {
            assert_eq!(
                AuditAction::staff_need_raised(need).as_str(),
                format!("staff_need.raise.{}", need.as_str())
            );
        }
    }
}

//! Check-in step: the arrival (or a new patient's registration) is written to the outbox
//! by a worker; the journey moves on (to payment, then "done") only once it is durably
//! there.

use super::{Go, Outcome, Step, StepContext};
use crate::api::RegistrationSubmission;
use crate::checkin::event::{
    Completion, Effect, OpId, OpResult, PendingCheckIn, PendingRegistration, PendingRow,
};
use crate::checkin::screen::{Ending, PageView, Problem};
use crate::checkin::session::{SavedCheckIn, Session};
use crate::devices::scan::Scan;
use crate::domain::{CheckInId, RegistrationId};

#[derive(Debug, Default)]
pub(crate) struct CheckIn {
    /// The outbox write under way.
    saving: Option<Saving>,
}

#[derive(Debug)]
struct Saving {
    op: OpId,
    what: Saved,
}

/// What is being written (ids only: the registration itself is in the effect).
#[derive(Debug)]
enum Saved {
    CheckIn(PendingCheckIn),
    Registration(RegistrationId),
}

impl Step for CheckIn {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        if cx.session.new_patient.is_some() {
            return self.register(cx);
        }
        let Some(appointment) = &cx.session.appointment else {
            tracing::error!("check-in step reached without an identified appointment");
            return Outcome::end(Ending::Problem(Problem::SaveFailed));
        };
        let check_in = PendingCheckIn {
            id: CheckInId::random(),
            clinic: appointment.clinic,
            appointment: appointment.appointment,
            arrived_at: cx.now,
            day: appointment.day,
        };
        let op = cx.new_op();
        self.saving = Some(Saving {
            op,
            what: Saved::CheckIn(check_in.clone()),
        });
        Outcome::stay().with(Effect::Persist {
            op,
            row: PendingRow::CheckIn(check_in),
        })
    }

    fn on_scan(&mut self, _scan: &Scan, _cx: &mut StepContext<'_>) -> Outcome {
        // A check-in is being written; a second scan must not start another.
        Outcome::stay()
    }

    fn on_completed(&mut self, completion: &Completion, cx: &mut StepContext<'_>) -> Outcome {
        let Some(saving) = self.saving.take_if(|s| s.op == completion.op) else {
            return Outcome::stay();
        };
        match (saving.what, &completion.result) {
            (Saved::CheckIn(check_in), OpResult::Persisted) => {
                let appointment = check_in.appointment;
                let knowledge = &mut *cx.knowledge;
                knowledge.used.insert(appointment);
                let queue_position =
                    (!knowledge.roster.is_empty()).then(|| knowledge.roster.waiting() + 1);
                knowledge.roster.mark_checked_in(appointment);
                tracing::info!(check_in = %check_in.id, "check-in saved");
                cx.session.checked_in = Some(SavedCheckIn {
                    id: check_in.id,
                    queue_position,
                });
                Outcome::go(Go::Next)
            }
            (Saved::CheckIn(check_in), OpResult::PersistFailed) => {
                tracing::error!(check_in = %check_in.id, "check-in could not be saved on the kiosk");
                Outcome::end(Ending::Problem(Problem::SaveFailed))
            }
            (Saved::Registration(id), OpResult::Persisted) => {
                tracing::info!(registration = %id, "registration saved");
                cx.session.registered = Some(id);
                Outcome::go(Go::Next)
            }
            (Saved::Registration(id), OpResult::PersistFailed) => {
                tracing::error!(registration = %id, "registration could not be saved on the kiosk");
                Outcome::end(Ending::Problem(Problem::SaveFailed))
            }
            // Op ids are unique: a look-up's answer cannot be this save's. Never seen;
            // said plainly rather than leaving the patient waiting.
            (
                _,
                OpResult::Contact(_)
                | OpResult::ContactUnavailable
                | OpResult::TerminalPrompt(_)
                | OpResult::Payment(_)
                | OpResult::ConsentsOnFile(_)
                | OpResult::ConsentsUnavailable
                | OpResult::CardPhoto(_)
                | OpResult::CoverageOnFile(_)
                | OpResult::CoverageUnavailable
                | OpResult::Due(_)
                | OpResult::DueUnavailable,
            ) => {
                tracing::error!(op = %completion.op, "a save was answered like a look-up");
                Outcome::end(Ending::Problem(Problem::SaveFailed))
            }
        }
    }

    fn view(&self, _session: &Session) -> PageView {
        PageView::CheckingIn
    }

    fn busy(&self) -> bool {
        self.saving.is_some()
    }
}

impl CheckIn {
    /// A new patient: their finished registration goes to the outbox instead.
    fn register(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        let registration = cx
            .session
            .new_patient
            .as_ref()
            .and_then(|p| p.finished.clone());
        let (Some(registration), Some(trust)) = (registration, &cx.knowledge.trust) else {
            tracing::error!("check-in step reached without a finished registration");
            return Outcome::end(Ending::Problem(Problem::SaveFailed));
        };
        let submission = RegistrationSubmission {
            id: RegistrationId::random(),
            clinic: trust.clinic,
            submitted_at: cx.now,
            registration,
        };
        let day = cx.now.to_zoned(trust.timezone.clone()).date();
        let op = cx.new_op();
        self.saving = Some(Saving {
            op,
            what: Saved::Registration(submission.id),
        });
        Outcome::stay().with(Effect::Persist {
            op,
            row: PendingRow::Registration(Box::new(PendingRegistration { submission, day })),
        })
    }
}

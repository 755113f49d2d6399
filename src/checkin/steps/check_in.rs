//! Check-in step: the arrival is written to the outbox by a worker; "done" shows only
//! once it is durably there.

use super::{Outcome, Step, StepContext};
use crate::checkin::event::{Completion, Effect, OpId, OpResult, PendingCheckIn};
use crate::checkin::screen::{Ending, PageView, Problem};
use crate::checkin::session::Session;
use crate::devices::scan::Scan;
use crate::domain::CheckInId;

#[derive(Debug, Default)]
pub(crate) struct CheckIn {
    /// The outbox write under way.
    saving: Option<Saving>,
}

#[derive(Debug)]
struct Saving {
    op: OpId,
    check_in: PendingCheckIn,
}

impl Step for CheckIn {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
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
            check_in: check_in.clone(),
        });
        Outcome::stay().with(Effect::Persist { op, check_in })
    }

    fn on_scan(&mut self, _scan: &Scan, _cx: &mut StepContext<'_>) -> Outcome {
        // A check-in is being written; a second scan must not start another.
        Outcome::stay()
    }

    fn on_completed(&mut self, completion: &Completion, cx: &mut StepContext<'_>) -> Outcome {
        let Some(saving) = self.saving.take_if(|s| s.op == completion.op) else {
            return Outcome::stay();
        };
        let id = saving.check_in.id;
        match completion.result {
            OpResult::Persisted => {
                let appointment = saving.check_in.appointment;
                let knowledge = &mut *cx.knowledge;
                knowledge.used.insert(appointment);
                let queue_position =
                    (!knowledge.roster.is_empty()).then(|| knowledge.roster.waiting() + 1);
                knowledge.roster.mark_checked_in(appointment);
                tracing::info!(check_in = %id, "check-in saved");
                Outcome::end(Ending::CheckedIn { queue_position })
            }
            OpResult::PersistFailed => {
                tracing::error!(check_in = %id, "check-in could not be saved on the kiosk");
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

//! `ProblemAdapter`: why the journey cannot go on.

use super::{Taps, on};
use crate::checkin::{Ending, PageView, Problem, Screen, Tap};
use crate::kiosk::wording;
use crate::kiosk::{MainWindow, ProblemAdapter, ProblemKind};
use slint::ComponentHandle;

pub fn wire(ui: &MainWindow, taps: &Taps) {
    ui.global::<ProblemAdapter>()
        .on_start_over(on(taps, Tap::StartOver));
}

pub fn present(ui: &MainWindow, screen: &Screen) {
    let problem = match screen.page {
        PageView::Ending(Ending::Problem(problem)) => Some(problem),
        _ => None,
    };
    let adapter = ui.global::<ProblemAdapter>();
    adapter.set_kind(problem.map_or(ProblemKind::UnknownCode, kind_of));
    adapter.set_date(match problem {
        Some(Problem::WrongDay(date)) => wording::long_date(date, screen.language).into(),
        _ => Default::default(),
    });
}

fn kind_of(problem: Problem) -> ProblemKind {
    match problem {
        Problem::UnknownCode => ProblemKind::UnknownCode,
        Problem::NotACheckInCode => ProblemKind::NotACheckInCode,
        Problem::OldCode => ProblemKind::OldCode,
        Problem::Forged => ProblemKind::Forged,
        Problem::OtherClinic => ProblemKind::OtherClinic,
        Problem::Expired => ProblemKind::Expired,
        Problem::WrongDay(_) => ProblemKind::WrongDay,
        Problem::AlreadyUsed => ProblemKind::AlreadyUsed,
        Problem::NotOnToday => ProblemKind::NotOnToday,
        Problem::NotReady => ProblemKind::NotReady,
        Problem::SaveFailed => ProblemKind::SaveFailed,
    }
}

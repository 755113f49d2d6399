//! `Journey`: runs the clinic's plan of steps for one patient after another, with the
//! overlays beside them and the idle wipe.

use super::event::{Completion, Effect, Event, HelpReached, OpId, Tap};
use super::knowledge::{Knowledge, OfficeTrust};
use super::screen::{Ending, FrontDeskReason, HelpState, OverlayView, PageView, Problem, Screen};
use super::session::Session;
use super::steps::{
    CheckIn, Confirm, Consent, Details, Go, Identify, Insurance, Outcome, Payment, Questions,
    Register, Step, StepContext,
};
use crate::devices::scan::Scan;
use crate::domain::{AppointmentId, StaffNeed};
use jiff::{SignedDuration, Timestamp};

/// The steps a journey can have. Adding a step: its module under `steps/`, a variant
/// here, its page in `PageView`, its taps in `Tap`. Named in snake case in kiosk.toml
/// (`leave_out = ["questions"]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Identify,
    /// A new patient's registration form (skipped for a patient with an appointment).
    Register,
    Confirm,
    /// A returning patient confirms or changes the contact details on file.
    Details,
    CheckIn,
    /// The consent documents to sign, after the check-in is saved (skipped when the office
    /// asks for none, or all are signed).
    Consent,
    /// The co-pay on the card terminal, after the check-in is saved (skipped when nothing
    /// is due or no terminal is configured).
    Payment,
    /// The intake questionnaires, after the check-in (or registration) is saved (skipped
    /// when the office asks none).
    Questions,
    /// The patient's insurance, after the check-in (or registration) is saved, before
    /// consent: coverage on file confirmed, or given by photo, scan or typing, self-pay, or
    /// at the desk.
    Insurance,
}

impl StepKind {
    fn start(self) -> Box<dyn Step> {
        match self {
            StepKind::Identify => Box::<Identify>::default(),
            StepKind::Register => Box::<Register>::default(),
            StepKind::Confirm => Box::new(Confirm),
            StepKind::Details => Box::<Details>::default(),
            StepKind::CheckIn => Box::<CheckIn>::default(),
            StepKind::Consent => Box::<Consent>::default(),
            StepKind::Payment => Box::<Payment>::default(),
            StepKind::Questions => Box::<Questions>::default(),
            StepKind::Insurance => Box::<Insurance>::default(),
        }
    }
}

/// The clinic's ordered list of steps. It starts by identifying the patient and ends by
/// checking them in; the optional steps (details, insurance, consent, questions, co-pay)
/// go between, as the office's configuration says, as each of them is built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JourneyPlan {
    steps: Vec<StepKind>,
}

impl JourneyPlan {
    /// identify → register (new patients only) → confirm → details (returning patients)
    /// → check in → insurance → consent → questions → payment.
    pub fn standard() -> Self {
        Self {
            steps: vec![
                StepKind::Identify,
                StepKind::Register,
                StepKind::Confirm,
                StepKind::Details,
                StepKind::CheckIn,
                StepKind::Insurance,
                StepKind::Consent,
                StepKind::Questions,
                StepKind::Payment,
            ],
        }
    }

    /// The same plan without `step` (an office that does not ask for it). Identify and
    /// check in cannot be left out: the plan is returned as it was.
    pub fn without(mut self, step: StepKind) -> Self {
        if !matches!(step, StepKind::Identify | StepKind::CheckIn) {
            self.steps.retain(|s| *s != step);
        }
        self
    }

    pub fn steps(&self) -> &[StepKind] {
        &self.steps
    }
}

/// Timings of the journey; fixed for the life of the process.
#[derive(Debug, Clone)]
pub struct JourneySettings {
    /// No input for this long during a check-in wipes the session.
    pub idle_timeout: SignedDuration,
    /// The "take a seat" screen returns to welcome after this long.
    pub done_timeout: SignedDuration,
    /// How long "are you still there?" counts down before the idle wipe.
    pub still_there: SignedDuration,
}

impl JourneySettings {
    /// `idle` and `done` timeouts, with the last third of `idle` (at most 20 s) spent
    /// asking "are you still there?".
    pub fn new(idle_timeout: SignedDuration, done_timeout: SignedDuration) -> Self {
        let still_there = (idle_timeout / 3).min(SignedDuration::from_secs(20));
        Self {
            idle_timeout,
            done_timeout,
            still_there,
        }
    }
}

#[derive(Debug)]
enum Position {
    Step {
        index: usize,
        step: Box<dyn Step>,
    },
    /// `desk`: what became of the call the ending made to the desk (`None`: it made
    /// none, or no answer came yet).
    Ending {
        ending: Ending,
        desk: Option<HelpReached>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overlay {
    Help(HelpState),
    StillThere,
}

/// When an untouched screen is wiped.
enum IdleRule {
    Never,
    WipeAfter(SignedDuration),
    AskThenWipe(SignedDuration),
}

/// The check-in journey of one kiosk.
#[derive(Debug)]
pub struct Journey {
    settings: JourneySettings,
    plan: JourneyPlan,
    knowledge: Knowledge,
    session: Session,
    position: Position,
    overlay: Option<Overlay>,
    last_input: Timestamp,
    /// The time of the event being handled (screens count down from it).
    now: Timestamp,
    next_op: OpId,
    /// What the shell was last told to show.
    shown: Screen,
}

impl Journey {
    /// A journey on the welcome screen. `used` are appointments this kiosk already checked
    /// in today.
    pub fn new(
        settings: JourneySettings,
        plan: JourneyPlan,
        trust: Option<OfficeTrust>,
        used: impl IntoIterator<Item = AppointmentId>,
        now: Timestamp,
    ) -> Self {
        let first = plan.steps[0].start();
        let mut journey = Self {
            settings,
            plan,
            knowledge: Knowledge {
                trust,
                used: used.into_iter().collect(),
                ..Knowledge::default()
            },
            session: Session::default(),
            position: Position::Step {
                index: 0,
                step: first,
            },
            overlay: None,
            last_input: now,
            now,
            next_op: OpId::first(),
            shown: Screen {
                page: PageView::Identify,
                overlay: None,
                desk_call: None,
                language: Default::default(),
                display: Default::default(),
            },
        };
        journey.shown = journey.screen();
        journey
    }

    /// What should be on screen now.
    pub fn screen(&self) -> Screen {
        let page = match (&self.position, self.not_set_up()) {
            (_, Some(not_set_up)) => PageView::NotSetUp(not_set_up.clone()),
            (Position::Step { step, .. }, None) => step.view(&self.session),
            (Position::Ending { ending, .. }, None) => PageView::Ending(*ending),
        };
        let desk_call = match (&self.position, self.not_set_up()) {
            (Position::Ending { desk, .. }, None) => *desk,
            _ => None,
        };
        let overlay = self.overlay.map(|overlay| match overlay {
            Overlay::Help(state) => OverlayView::Help(state),
            Overlay::StillThere => OverlayView::StillThere {
                seconds_left: self.seconds_left(),
            },
        });
        Screen {
            page,
            overlay,
            desk_call,
            language: self.session.language,
            display: self.session.display,
        }
    }

    /// Handles one event at time `now` and says what the shell must do. A `Show` comes
    /// first whenever the screen changed.
    pub fn handle(&mut self, event: Event, now: Timestamp) -> Vec<Effect> {
        self.now = now;
        let mut effects = match event {
            // Nobody starts a check-in on a kiosk that is not set up.
            Event::Scanned(_) if self.not_set_up().is_some() => Vec::new(),
            Event::Scanned(scan) => {
                self.input();
                let outcome = self.in_step(|step, cx| step.on_scan(&scan, cx));
                if outcome.go != Go::Stay {
                    // The patient is moving on by themselves.
                    self.overlay = None;
                }
                self.apply(outcome, Some(&scan))
            }
            Event::Tapped(tap) => {
                self.input();
                self.on_tap(tap)
            }
            Event::Completed(completion) => self.on_completed(&completion),
            Event::RosterUpdated(roster) => {
                self.knowledge.roster = roster;
                Vec::new()
            }
            Event::OfficeTrusted(trust) => {
                self.knowledge.trust = Some(trust);
                Vec::new()
            }
            Event::SexOptionsLearned(options) => {
                self.knowledge.sex_options = options;
                Vec::new()
            }
            Event::PaymentsReadiness(readiness) => {
                self.knowledge.payments = readiness;
                Vec::new()
            }
            Event::CameraReadiness(readiness) => {
                self.knowledge.camera = readiness;
                Vec::new()
            }
            // A patient mid-way keeps the forms their steps already hold.
            Event::FormsLearned(forms) => {
                self.knowledge.forms = *forms;
                Vec::new()
            }
            // A patient mid-way sees the new list from their next tap.
            Event::InsuranceLearned(reference) => {
                self.knowledge.insurance =
                    super::knowledge::InsuranceKnowledge::from_reference(&reference);
                Vec::new()
            }
            // Replaces welcome at once (see `not_set_up`); a patient mid-way finishes, and
            // their rows are kept until the kiosk is set up again.
            Event::SetupChanged(setup) => {
                self.knowledge.setup = setup;
                Vec::new()
            }
            // The help overlay hears back, and so does an ending that called the desk
            // ("they know you are coming" only once they do).
            Event::HelpAnswered(reached) => {
                if let Some(Overlay::Help(state)) = &mut self.overlay {
                    *state = match reached {
                        HelpReached::Told => HelpState::Coming,
                        HelpReached::NotYet => HelpState::GoToDesk,
                    };
                }
                if let Position::Ending { ending, desk } = &mut self.position
                    && staff_need(ending).is_some()
                {
                    *desk = Some(reached);
                }
                Vec::new()
            }
            Event::Tick => {
                self.on_tick();
                Vec::new()
            }
        };
        let screen = self.screen();
        if screen != self.shown {
            self.shown = screen.clone();
            effects.insert(0, Effect::Show(screen));
        }
        effects
    }

    /// Any touch or scan: the patient is here.
    fn input(&mut self) {
        self.last_input = self.now;
        if self.overlay == Some(Overlay::StillThere) {
            self.overlay = None;
        }
    }

    fn on_tap(&mut self, tap: Tap) -> Vec<Effect> {
        match tap {
            // Already calling, or already told: one call is enough.
            Tap::CallStaff
                if matches!(
                    self.overlay,
                    Some(Overlay::Help(HelpState::Calling | HelpState::Coming))
                ) =>
            {
                Vec::new()
            }
            // No office to tell: say so at once rather than promise help.
            Tap::CallStaff if self.not_set_up().is_some() => {
                self.overlay = Some(Overlay::Help(HelpState::GoToDesk));
                Vec::new()
            }
            Tap::CallStaff => {
                self.overlay = Some(Overlay::Help(HelpState::Calling));
                vec![Effect::RequestHelp(StaffNeed::PatientAsked)]
            }
            Tap::HelpBack => {
                if matches!(self.overlay, Some(Overlay::Help(_))) {
                    self.overlay = None;
                }
                Vec::new()
            }
            // `input()` already took the overlay down.
            Tap::StillHere => Vec::new(),
            Tap::SwitchLanguage => {
                self.session.language = self.session.language.other();
                Vec::new()
            }
            // Like the language, these work under an overlay too: the header is always up.
            Tap::LargeText => {
                self.session.display.toggle_large_text();
                Vec::new()
            }
            Tap::HighContrast => {
                self.session.display.toggle_high_contrast();
                Vec::new()
            }
            Tap::StartOver => {
                if !self.busy() {
                    self.wipe();
                }
                Vec::new()
            }
            // The page is covered, or replaced by "not set up": a tap meant for it is stale.
            Tap::Identify(_)
            | Tap::Confirm(_)
            | Tap::Register(_)
            | Tap::Details(_)
            | Tap::Payment(_)
            | Tap::Consent(_)
            | Tap::Questions(_)
            | Tap::Insurance(_)
                if self.overlay.is_some() || self.not_set_up().is_some() =>
            {
                Vec::new()
            }
            Tap::Identify(_)
            | Tap::Confirm(_)
            | Tap::Register(_)
            | Tap::Details(_)
            | Tap::Payment(_)
            | Tap::Consent(_)
            | Tap::Questions(_)
            | Tap::Insurance(_) => {
                let outcome = self.in_step(|step, cx| step.on_tap(tap, cx));
                self.apply(outcome, None)
            }
        }
    }

    /// Results reach the step whatever overlay shows; the overlay stays up and the page
    /// underneath moves on.
    fn on_completed(&mut self, completion: &Completion) -> Vec<Effect> {
        let outcome = self.in_step(|step, cx| step.on_completed(completion, cx));
        self.apply(outcome, None)
    }

    fn on_tick(&mut self) {
        let idle = self.now.duration_since(self.last_input);
        match self.idle_rule() {
            IdleRule::Never => {}
            IdleRule::WipeAfter(timeout) => {
                if idle >= timeout {
                    self.wipe();
                }
            }
            IdleRule::AskThenWipe(timeout) => {
                if idle >= timeout {
                    self.wipe();
                } else if idle >= timeout - self.settings.still_there {
                    self.overlay = Some(Overlay::StillThere);
                }
            }
        }
    }

    fn idle_rule(&self) -> IdleRule {
        match &self.position {
            Position::Ending {
                ending: Ending::CheckedIn { .. } | Ending::Registered,
                ..
            } => IdleRule::WipeAfter(self.settings.done_timeout),
            Position::Ending { .. } => IdleRule::WipeAfter(self.settings.idle_timeout),
            Position::Step { step, .. } if step.busy() => IdleRule::Never,
            Position::Step { index: 0, step } if self.overlay.is_none() && step.at_rest() => {
                if self.session.is_empty() {
                    IdleRule::Never
                } else {
                    // Welcome in another language or display: quietly back to the default.
                    IdleRule::WipeAfter(self.settings.idle_timeout)
                }
            }
            Position::Step { .. } => IdleRule::AskThenWipe(self.settings.idle_timeout),
        }
    }

    fn seconds_left(&self) -> u32 {
        let left = (self.last_input + self.settings.idle_timeout).duration_since(self.now);
        let millis = left.as_millis().max(0);
        u32::try_from((millis + 999) / 1000).unwrap_or(u32::MAX)
    }

    /// What the "not set up" page says, while it replaces the welcome page: when the
    /// office does not accept this kiosk and no patient is mid-way.
    fn not_set_up(&self) -> Option<&super::NotSetUp> {
        match (&self.knowledge.setup, &self.position) {
            (super::Setup::NotSetUp(not_set_up), Position::Step { index: 0, step })
                if matches!(step.view(&self.session), PageView::Identify) =>
            {
                Some(not_set_up)
            }
            _ => None,
        }
    }

    fn busy(&self) -> bool {
        matches!(&self.position, Position::Step { step, .. } if step.busy())
    }

    /// Runs `handler` on the current step (an ending has no step: nothing happens, except
    /// that a scan there is a new patient).
    fn in_step(
        &mut self,
        handler: impl FnOnce(&mut dyn Step, &mut StepContext<'_>) -> Outcome,
    ) -> Outcome {
        match &mut self.position {
            Position::Step { step, .. } => {
                let mut cx = StepContext::new(
                    &mut self.session,
                    &mut self.knowledge,
                    self.now,
                    &mut self.next_op,
                );
                handler(step.as_mut(), &mut cx)
            }
            Position::Ending { .. } => Outcome::go(Go::NewPatient),
        }
    }

    fn apply(&mut self, outcome: Outcome, scan: Option<&Scan>) -> Vec<Effect> {
        let mut effects = outcome.effects;
        match outcome.go {
            Go::Stay => {}
            Go::Next => effects.extend(self.advance()),
            Go::End(ending) => {
                self.position = Position::Ending { ending, desk: None };
                self.last_input = self.now;
                // The desk hears why before the patient reaches it.
                effects.extend(staff_need(&ending).map(Effect::RequestHelp));
            }
            Go::NewPatient => {
                // Only a scan starts a new patient; anything else lands on welcome.
                self.wipe();
                if let Some(scan) = scan {
                    let outcome = self.in_step(|step, cx| step.on_scan(scan, cx));
                    if outcome.go != Go::NewPatient {
                        effects.extend(self.apply(outcome, None));
                    }
                }
            }
        }
        effects
    }

    fn advance(&mut self) -> Vec<Effect> {
        let Position::Step { index, .. } = &self.position else {
            return Vec::new();
        };
        let next = index + 1;
        let Some(kind) = self.plan.steps.get(next) else {
            return self.finish();
        };
        self.position = Position::Step {
            index: next,
            step: kind.start(),
        };
        self.last_input = self.now;
        let outcome = self.in_step(|step, cx| step.enter(cx));
        self.apply(outcome, None)
    }

    /// The plan has run out: the patient is checked in (the steps after the check-in only
    /// add to it).
    fn finish(&mut self) -> Vec<Effect> {
        let ending = match (self.session.checked_in, self.session.registered) {
            (Some(saved), _) => Ending::CheckedIn {
                queue_position: saved.queue_position,
                payment: self.session.payment,
            },
            (None, Some(_)) => Ending::Registered,
            (None, None) => {
                // Only a plan without its check-in step gets here; `without` prevents it.
                tracing::error!("journey ran past its last step without a check-in");
                Ending::Problem(Problem::SaveFailed)
            }
        };
        self.apply(Outcome::end(ending), None)
    }

    /// Forgets the patient: a fresh session on the first step, no overlay.
    fn wipe(&mut self) {
        self.session = Session::default();
        self.position = Position::Step {
            index: 0,
            step: self.plan.steps[0].start(),
        };
        self.overlay = None;
        self.last_input = self.now;
    }
}

/// What the desk must be told when a journey ends at `ending`; `None` when the patient
/// is not sent there. The one place that decides it: every ending that sends the patient
/// to the desk has its line here.
fn staff_need(ending: &Ending) -> Option<StaffNeed> {
    match ending {
        // A new patient takes a seat; the registration itself is flagged for review on
        // the staff page, so no one needs to come to the kiosk.
        Ending::CheckedIn { .. } | Ending::Registered => None,
        Ending::SeeFrontDesk(FrontDeskReason::NotMe) => Some(StaffNeed::NotMe),
        Ending::SeeFrontDesk(FrontDeskReason::NoMatch) => Some(StaffNeed::NoMatch),
        Ending::SeeFrontDesk(FrontDeskReason::SeveralMatches) => Some(StaffNeed::SeveralMatches),
        Ending::Problem(Problem::AlreadyUsed) => Some(StaffNeed::AlreadyCheckedIn),
        Ending::Problem(Problem::NotReady) => Some(StaffNeed::KioskNotReady),
        Ending::Problem(Problem::SaveFailed) => Some(StaffNeed::SaveFailed),
        Ending::Problem(
            Problem::UnknownCode
            | Problem::NotACheckInCode
            | Problem::OldCode
            | Problem::Forged
            | Problem::OtherClinic
            | Problem::Expired
            | Problem::WrongDay(_)
            | Problem::NotOnToday,
        ) => Some(StaffNeed::CodeProblem),
    }
}

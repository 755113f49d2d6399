//! Details step: a returning patient sees the address, phone and email the office has on
//! file for them and says whether they are still right. Changes are typed on the
//! registration form's screens and keyboards (only the contact fields, each starting from
//! what is on file; a scanned licence fills in its address) and reach the office as a change request that staff approve field by
//! field. When the office cannot be asked (offline), the step is skipped and the desk is
//! flagged through the outbox; with nothing on file, it is skipped quietly.

use super::register::{Answers, question};
use super::{
    Field, FieldKind, FormError, FormText, Go, Outcome, Prefill, RegisterTap, Step, StepContext,
};
use crate::api::DetailsChangeSubmission;
use crate::checkin::event::{
    Completion, Effect, OpId, OpResult, PendingDetailsChange, PendingRow, Tap,
};
use crate::checkin::screen::PageView;
use crate::checkin::session::Session;
use crate::devices::scan::Scan;
use crate::domain::{
    ChangeSource, ContactField, ContactOnFile, DetailsChangeId, FieldChange, FieldSource,
    SexOptions,
};
use crate::scan::aamva;
use std::fmt;

/// Taps on the details pages (the typing itself arrives as [`RegisterTap`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailsTap {
    /// "Yes, this is right."
    Correct,
    /// "Something has changed": on to the first field.
    Changed,
    /// "Send" on the list of changes.
    Send,
    /// "Change again" on the list of changes: back to the first field.
    ChangeAgain,
}

/// The contact fields the patient can change, in the order they are asked.
const FIELDS: [(Field, ContactField); 7] = [
    (Field::AddressLine1, ContactField::AddressLine1),
    (Field::AddressLine2, ContactField::AddressLine2),
    (Field::City, ContactField::City),
    (Field::State, ContactField::State),
    (Field::Zip, ContactField::Zip),
    (Field::Phone, ContactField::Phone),
    (Field::Email, ContactField::Email),
];

/// What the details pages show. PHI: `Debug` shows which page, never a value.
#[derive(Clone, PartialEq, Eq)]
pub enum DetailsView {
    /// Asking the office.
    Fetching,
    /// "Are these still right?"
    OnFile(ContactOnFile),
    /// What will be sent: each changed field, what was on file and what is new.
    Changes(Vec<ContactChange>),
}

/// One changed field, as the list of changes shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ContactChange {
    pub field: ContactField,
    pub on_file: Option<String>,
    pub new: String,
}

impl fmt::Debug for DetailsView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DetailsView::Fetching => f.write_str("Fetching"),
            DetailsView::OnFile(_) => f.write_str("OnFile(..)"),
            DetailsView::Changes(changes) => write!(f, "Changes({} fields)", changes.len()),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Details {
    stage: Stage,
}

#[derive(Debug, Default)]
enum Stage {
    /// Not entered yet (or skipped).
    #[default]
    Idle,
    Fetching {
        op: OpId,
    },
    OnFile {
        on_file: ContactOnFile,
    },
    Editing {
        on_file: ContactOnFile,
        answers: Box<Answers>,
        at: usize,
        error: Option<FormError>,
    },
    Changes {
        on_file: ContactOnFile,
        answers: Box<Answers>,
    },
    /// The change request (or the offline flag) is being written to the outbox.
    Saving {
        op: OpId,
    },
}

impl Step for Details {
    fn enter(&mut self, cx: &mut StepContext<'_>) -> Outcome {
        // New patients gave everything on the registration form.
        let Some(appointment) = cx.session.appointment.as_ref().map(|a| a.appointment) else {
            return Outcome::go(Go::Next);
        };
        let op = cx.new_op();
        self.stage = Stage::Fetching { op };
        Outcome::stay().with(Effect::FetchContact { op, appointment })
    }

    fn on_scan(&mut self, scan: &Scan, cx: &mut StepContext<'_>) -> Outcome {
        if self.busy() {
            return Outcome::stay();
        }
        match scan {
            // The patient's licence: its address, to confirm field by field.
            Scan::DriversLicence(text) => {
                self.fill_from_licence(text, cx);
                Outcome::stay()
            }
            // Someone with an appointment code is someone else: start over with it.
            Scan::CheckInCode(_) => Outcome::go(Go::NewPatient),
            // Nothing typed is lost to a stray scan.
            Scan::SmartHealthCard(_) | Scan::Other(_) => Outcome::stay(),
        }
    }

    fn on_tap(&mut self, tap: Tap, cx: &mut StepContext<'_>) -> Outcome {
        let stage = std::mem::take(&mut self.stage);
        let (stage, outcome) = match (stage, tap) {
            (Stage::OnFile { .. }, Tap::Details(DetailsTap::Correct)) => {
                tracing::info!("details on file confirmed");
                (Stage::Idle, Outcome::go(Go::Next))
            }
            (Stage::OnFile { on_file }, Tap::Details(DetailsTap::Changed))
            | (Stage::Changes { on_file, .. }, Tap::Details(DetailsTap::ChangeAgain)) => {
                let answers = Box::new(answers_from(&on_file, cx.session.language));
                (editing(on_file, answers, 0), Outcome::stay())
            }
            (
                Stage::Editing {
                    on_file,
                    answers,
                    at,
                    error,
                },
                Tap::Register(tap),
            ) => edit(on_file, answers, at, error, tap),
            (Stage::Changes { on_file, answers }, Tap::Details(DetailsTap::Send)) => {
                let changes = changed_fields(&on_file, &answers);
                if changes.is_empty() {
                    (Stage::Idle, Outcome::go(Go::Next))
                } else {
                    self.save(changes, false, cx)
                }
            }
            (Stage::Changes { on_file, answers }, Tap::Register(RegisterTap::Back)) => {
                (editing(on_file, answers, FIELDS.len() - 1), Outcome::stay())
            }
            // A tap for a page no longer showing.
            (stage, _) => (stage, Outcome::stay()),
        };
        self.stage = stage;
        outcome
    }

    fn on_completed(&mut self, completion: &Completion, cx: &mut StepContext<'_>) -> Outcome {
        match (&self.stage, &completion.result) {
            (Stage::Fetching { op }, result) if *op == completion.op => match result {
                OpResult::Contact(Some(on_file)) if !on_file.is_empty() => {
                    self.stage = Stage::OnFile {
                        on_file: on_file.clone(),
                    };
                    Outcome::stay()
                }
                OpResult::Contact(_) => {
                    tracing::info!("no contact details on file; nothing to confirm");
                    self.stage = Stage::Idle;
                    Outcome::go(Go::Next)
                }
                OpResult::ContactUnavailable
                | OpResult::Persisted
                | OpResult::PersistFailed
                | OpResult::TerminalPrompt(_)
                | OpResult::Payment(_)
                | OpResult::ConsentsOnFile(_)
                | OpResult::ConsentsUnavailable
                | OpResult::CardPhoto(_)
                | OpResult::CoverageOnFile(_)
                | OpResult::CoverageUnavailable
                | OpResult::Due(_)
                | OpResult::DueUnavailable => {
                    tracing::info!("details cannot be checked now; flagging them for the desk");
                    let (stage, outcome) = self.save(Vec::new(), true, cx);
                    self.stage = stage;
                    outcome
                }
            },
            (Stage::Saving { op }, result) if *op == completion.op => {
                if *result != OpResult::Persisted {
                    // The check-in matters more than the change: the desk hears of it.
                    tracing::error!("details change could not be saved on the kiosk");
                    self.stage = Stage::Idle;
                    return Outcome::go(Go::Next).with(Effect::RequestHelp(
                        crate::domain::StaffNeed::DetailsToReview,
                    ));
                }
                self.stage = Stage::Idle;
                Outcome::go(Go::Next)
            }
            _ => Outcome::stay(),
        }
    }

    fn view(&self, session: &Session) -> PageView {
        match &self.stage {
            Stage::Idle | Stage::Fetching { .. } | Stage::Saving { .. } => {
                PageView::ContactDetails(DetailsView::Fetching)
            }
            Stage::OnFile { on_file } => {
                PageView::ContactDetails(DetailsView::OnFile(on_file.clone()))
            }
            Stage::Editing {
                answers, at, error, ..
            } => {
                let mut view = question(
                    answers,
                    FIELDS[*at].0,
                    *error,
                    &SexOptions::default(),
                    session.language,
                );
                view.step = *at as u8 + 1;
                view.steps = FIELDS.len() as u8;
                // Every field starts from what is on file; "from your ID" only for what
                // a scanned licence filled in. Emptying a field is "Clear", not "Skip".
                view.prefilled = answers.text(FIELDS[*at].0).source == FieldSource::FromLicence;
                view.optional = false;
                PageView::Register(view)
            }
            Stage::Changes { on_file, answers } => PageView::ContactDetails(DetailsView::Changes(
                changed_fields(on_file, answers)
                    .into_iter()
                    .map(|(field, value, _)| ContactChange {
                        field,
                        on_file: on_file.get(field).map(str::to_owned),
                        new: value,
                    })
                    .collect(),
            )),
        }
    }

    fn busy(&self) -> bool {
        matches!(self.stage, Stage::Fetching { .. } | Stage::Saving { .. })
    }
}

impl Details {
    /// Fills the address fields from a scanned licence (marked as read from it) and goes
    /// to the first field, so the patient confirms each. An unreadable licence changes
    /// nothing; the patient types instead.
    fn fill_from_licence(&mut self, text: &str, cx: &StepContext<'_>) {
        let Some(today) = cx
            .knowledge
            .trust
            .as_ref()
            .map(|trust| cx.now.to_zoned(trust.timezone.clone()).date())
        else {
            return;
        };
        let licence = match aamva::parse(text, today) {
            Ok(licence) => licence,
            Err(error) => {
                tracing::info!(%error, "licence unreadable on the details page");
                return;
            }
        };
        let (on_file, mut answers) = match std::mem::take(&mut self.stage) {
            Stage::OnFile { on_file } => {
                let answers = Box::new(answers_from(&on_file, cx.session.language));
                (on_file, answers)
            }
            Stage::Editing {
                on_file, answers, ..
            }
            | Stage::Changes { on_file, answers } => (on_file, answers),
            other => {
                self.stage = other;
                return;
            }
        };
        answers.prefill(&Prefill::from_licence(&licence));
        tracing::info!("licence read on the details page");
        self.stage = editing(on_file, answers, 0);
    }

    /// Writes the change request (or, `unchecked_offline`, the flag that the details
    /// could not be checked) to the outbox; the step moves on once it is there.
    fn save(
        &mut self,
        changes: Vec<(ContactField, String, ChangeSource)>,
        unchecked_offline: bool,
        cx: &mut StepContext<'_>,
    ) -> (Stage, Outcome) {
        let Some(appointment) = cx.session.appointment.clone() else {
            return (Stage::Idle, Outcome::go(Go::Next));
        };
        let changes: Vec<FieldChange> = changes
            .into_iter()
            .filter_map(|(field, value, source)| {
                FieldChange::new(field, &value, source)
                    .inspect_err(|error| tracing::error!(?field, %error, "change not taken"))
                    .ok()
            })
            .collect();
        let submission = DetailsChangeSubmission {
            id: DetailsChangeId::random(),
            clinic: appointment.clinic,
            appointment: appointment.appointment,
            submitted_at: cx.now,
            changes,
            unchecked_offline,
        };
        let op = cx.new_op();
        let row = PendingRow::DetailsChange(Box::new(PendingDetailsChange {
            submission,
            day: appointment.day,
        }));
        (
            Stage::Saving { op },
            Outcome::stay().with(Effect::Persist { op, row }),
        )
    }
}

fn editing(on_file: ContactOnFile, answers: Box<Answers>, at: usize) -> Stage {
    Stage::Editing {
        on_file,
        answers,
        at,
        error: None,
    }
}

/// A typing tap on field `at`: a key, Next (checked), Back.
fn edit(
    on_file: ContactOnFile,
    mut answers: Box<Answers>,
    at: usize,
    error: Option<FormError>,
    tap: RegisterTap,
) -> (Stage, Outcome) {
    let field = FIELDS[at].0;
    match tap {
        RegisterTap::Key(key) => {
            let mut error = error;
            if let FieldKind::Text { keyboard, max } = field.kind() {
                let answer = answers.text_mut(field);
                if answer.text.press(key, keyboard, max) {
                    answer.source = FieldSource::TypedAtKiosk;
                    error = None;
                }
            }
            (
                Stage::Editing {
                    on_file,
                    answers,
                    at,
                    error,
                },
                Outcome::stay(),
            )
        }
        RegisterTap::Next => {
            // What is on file and unchanged is the office's business, not a typing error.
            let unchanged = answers.text(field).source == FieldSource::OnFile;
            match (unchanged, answers.check(field)) {
                (false, Err(error)) => {
                    tracing::info!(?field, ?error, "change not taken");
                    (
                        Stage::Editing {
                            on_file,
                            answers,
                            at,
                            error: Some(error),
                        },
                        Outcome::stay(),
                    )
                }
                _ if at + 1 < FIELDS.len() => (editing(on_file, answers, at + 1), Outcome::stay()),
                _ => (Stage::Changes { on_file, answers }, Outcome::stay()),
            }
        }
        RegisterTap::Back if at == 0 => (Stage::OnFile { on_file }, Outcome::stay()),
        RegisterTap::Back => (editing(on_file, answers, at - 1), Outcome::stay()),
        RegisterTap::Choose(_) | RegisterTap::Skip | RegisterTap::Change(_) | RegisterTap::Send => {
            (
                Stage::Editing {
                    on_file,
                    answers,
                    at,
                    error,
                },
                Outcome::stay(),
            )
        }
    }
}

/// The registration form's answers, with the contact fields filled from what is on file.
fn answers_from(on_file: &ContactOnFile, language: crate::domain::Language) -> Answers {
    let mut answers = Answers::new(language);
    for (field, contact_field) in FIELDS {
        if let (Some(value), FieldKind::Text { keyboard, max }) =
            (on_file.get(contact_field), field.kind())
        {
            let answer = answers.text_mut(field);
            answer.text = FormText::from_text(value, keyboard, max);
            answer.source = FieldSource::OnFile;
        }
    }
    answers
}

/// The fields whose answer differs from what is on file, with the new value and where it
/// came from (typed, or read from a licence and not changed since).
fn changed_fields(
    on_file: &ContactOnFile,
    answers: &Answers,
) -> Vec<(ContactField, String, ChangeSource)> {
    FIELDS
        .into_iter()
        .filter_map(|(field, contact_field)| {
            let answer = answers.text(field);
            let new = answer.text.as_str().trim();
            let old = on_file.get(contact_field).unwrap_or("").trim();
            (answer.source != FieldSource::OnFile && !same(contact_field, old, new))
                .then(|| (contact_field, new.to_owned(), answer.source))
        })
        .collect()
}

/// Whether a typed value says the same as the one on file (a phone's punctuation, a
/// state's case and an email's case do not count).
fn same(field: ContactField, old: &str, new: &str) -> bool {
    match field {
        ContactField::Phone => {
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let (old, new) = (digits(old), digits(new));
            old == new || old.strip_prefix('1') == Some(new.as_str())
        }
        _ => old.eq_ignore_ascii_case(new),
    }
}

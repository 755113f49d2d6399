//! Identify step: finds the patient's appointment. The welcome page takes a scan of the
//! code from the appointment reminder or of a driver's licence; a patient with neither
//! types their last name on the kiosk's keyboard and enters their date of birth. Name and
//! date are matched against the roster's keyed hashes (the kiosk holds no readable list of
//! names), and when two appointments match, the patient picks theirs by its time.

mod birth;
mod code;
mod name;

pub use birth::{BirthEntry, BirthView};
pub use code::{
    CODE_LOCK, CodeAttempts, CodeKey, CodeNotice, CodeView, MAX_WRONG_CODES, TypedCode,
};
pub use name::{MAX_NAME_CHARS, NameKey, TypedName};

use super::{Go, Outcome, Step, StepContext};
use crate::checkin::event::Tap;
use crate::checkin::roster::RosterEntry;
use crate::checkin::screen::{
    ConfirmDetails, Ending, FrontDeskReason, NameNotice, NameView, PageView, Problem,
};
use crate::checkin::session::{IdentifiedAppointment, IdentifiedBy, Session};
use crate::checkin::steps::register::{NewPatient, Prefill};
use crate::devices::scan::Scan;
use crate::domain::DateOfBirth;
use crate::scan::aamva::{self, LicenceData};
use crate::token::{CheckInToken, TokenError};
pub(crate) use birth::BirthStep;
use jiff::civil::{Date, Time};

/// Most appointments offered by time when a name and date of birth match several; more
/// than this cannot be told apart on one screen, and the desk is asked.
const MAX_CHOICES: usize = 4;

/// Taps on the identify pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifyTap {
    /// Welcome: "Type my name instead".
    TypeName,
    /// A key of the name keyboard.
    Key(NameKey),
    /// "Next" under the name.
    NameDone,
    /// A year digit on the date-of-birth keypad.
    Digit(u8),
    /// The keypad's delete key: the last year digit off.
    DeleteDigit,
    /// A month button (1–12).
    Month(i8),
    /// A day button.
    Day(i8),
    /// "Back": one stage back (name → welcome, date → name...).
    Back,
    /// One of the appointments offered by time (index into what the page shows).
    Appointment(u8),
    /// "None of these" on the appointment-time page.
    NoneOfThese,
    /// "Try again" after no appointment was found.
    TryAgain,
    /// "Ask the front desk" after no appointment was found.
    AskDesk,
    /// "I am a new patient" after no appointment was found: register, starting with
    /// what was typed or scanned.
    NewPatient,
    /// Welcome: "New patient? Register here".
    Register,
    /// Welcome: "Type the code from my text".
    TypeCode,
    /// A key of the code keyboard.
    CodeKey(CodeKey),
    /// "Check in" under the code.
    CodeDone,
}

#[derive(Debug, Default)]
pub(crate) struct Identify {
    stage: Stage,
}

#[derive(Debug, Default)]
enum Stage {
    #[default]
    Welcome,
    Name {
        typed: TypedName,
        notice: Option<NameNotice>,
    },
    /// The short code from a text-message reminder.
    Code {
        typed: TypedCode,
        notice: Option<CodeNotice>,
    },
    Birth {
        typed: TypedName,
        entry: BirthEntry,
        /// The clinic's day when the entry began: bounds the dates offered, and stays
        /// fixed for a patient entering their date across midnight.
        today: Date,
    },
    /// Several appointments matched: which time is yours?
    WhichTime {
        typed: TypedName,
        choices: Vec<IdentifiedAppointment>,
    },
    NotFound {
        typed: TypedName,
        date_of_birth: DateOfBirth,
        /// The licence that matched nothing, to start a registration with (it holds no
        /// licence number).
        licence: Option<Box<LicenceData>>,
    },
}

/// What a last name + date of birth came to on today's roster.
enum Found<'r> {
    One(&'r RosterEntry),
    Several(Vec<&'r RosterEntry>),
    AlreadyCheckedIn,
    Nothing,
}

impl Step for Identify {
    fn on_scan(&mut self, scan: &Scan, cx: &mut StepContext<'_>) -> Outcome {
        // A scan on any identify page starts identification afresh with it.
        self.stage = Stage::Welcome;
        match scan {
            Scan::CheckInCode(text) => identify_by_code(text, cx),
            Scan::DriversLicence(text) => self.identify_by_licence(text, cx),
            Scan::SmartHealthCard(_) | Scan::Other(_) => {
                tracing::info!(scan = ?scan, "scan is not a check-in code or licence");
                Outcome::end(Ending::Problem(Problem::NotACheckInCode))
            }
        }
    }

    fn on_tap(&mut self, tap: Tap, cx: &mut StepContext<'_>) -> Outcome {
        let Tap::Identify(tap) = tap else {
            return Outcome::stay();
        };
        let stage = std::mem::take(&mut self.stage);
        let (stage, outcome) = self.next_stage(stage, tap, cx);
        self.stage = stage;
        outcome
    }

    fn view(&self, _session: &Session) -> PageView {
        match &self.stage {
            Stage::Welcome => PageView::Identify,
            Stage::Name { typed, notice } => PageView::TypeName(NameView {
                typed: typed.clone(),
                can_continue: typed.is_searchable(),
                notice: *notice,
            }),
            Stage::Code { typed, notice } => PageView::TypeCode(CodeView {
                typed: typed.clone(),
                can_continue: typed.code().is_some() && *notice != Some(CodeNotice::Locked),
                notice: *notice,
            }),
            Stage::Birth { entry, today, .. } => PageView::BirthDate(entry.view(*today)),
            Stage::WhichTime { choices, .. } => {
                PageView::WhichAppointment(choices.iter().map(|c| c.details.starts_at).collect())
            }
            Stage::NotFound { .. } => PageView::NotFound,
        }
    }

    fn at_rest(&self) -> bool {
        matches!(self.stage, Stage::Welcome)
    }
}

impl Identify {
    fn next_stage(
        &mut self,
        stage: Stage,
        tap: IdentifyTap,
        cx: &mut StepContext<'_>,
    ) -> (Stage, Outcome) {
        use IdentifyTap as T;
        match (stage, tap) {
            (Stage::Welcome, T::Register) => {
                if cx.knowledge.trust.is_some() {
                    tracing::info!("new patient registration started");
                    cx.session.new_patient = Some(NewPatient::new(None));
                    (Stage::Welcome, Outcome::go(Go::Next))
                } else {
                    tracing::warn!("registration asked for before the office is known");
                    (
                        Stage::Welcome,
                        Outcome::end(Ending::Problem(Problem::NotReady)),
                    )
                }
            }
            (Stage::Welcome, T::TypeName) => {
                if clinic_today(cx).is_some() && cx.knowledge.roster.can_match() {
                    (name_stage(TypedName::default(), None), Outcome::stay())
                } else {
                    tracing::warn!("name entry asked for before today's list is known");
                    (
                        Stage::Welcome,
                        Outcome::end(Ending::Problem(Problem::NotReady)),
                    )
                }
            }
            (Stage::Welcome, T::TypeCode) => {
                if cx.knowledge.trust.is_some() && cx.knowledge.roster.can_match() {
                    let notice = cx
                        .knowledge
                        .code_attempts
                        .is_locked(cx.now)
                        .then_some(CodeNotice::Locked);
                    (
                        Stage::Code {
                            typed: TypedCode::default(),
                            notice,
                        },
                        Outcome::stay(),
                    )
                } else {
                    tracing::warn!("code entry asked for before today's list is known");
                    (
                        Stage::Welcome,
                        Outcome::end(Ending::Problem(Problem::NotReady)),
                    )
                }
            }
            (Stage::Code { mut typed, notice }, T::CodeKey(key)) => {
                if cx.knowledge.code_attempts.is_locked(cx.now) {
                    return (
                        Stage::Code {
                            typed,
                            notice: Some(CodeNotice::Locked),
                        },
                        Outcome::stay(),
                    );
                }
                // Typing again puts the last answer away.
                let notice = if typed.press(key) { None } else { notice };
                (Stage::Code { typed, notice }, Outcome::stay())
            }
            (Stage::Code { typed, notice }, T::CodeDone) => match typed.code() {
                Some(code) => self.code_typed(typed, &code, cx),
                None => (Stage::Code { typed, notice }, Outcome::stay()),
            },
            (Stage::Code { .. }, T::Back) => (Stage::Welcome, Outcome::stay()),
            (Stage::Name { mut typed, notice }, T::Key(key)) => {
                typed.press(key);
                (Stage::Name { typed, notice }, Outcome::stay())
            }
            (Stage::Name { typed, notice }, T::NameDone) if typed.is_searchable() => {
                match clinic_today(cx) {
                    Some(today) => (birth_stage(typed, today), Outcome::stay()),
                    None => (Stage::Name { typed, notice }, Outcome::stay()),
                }
            }
            (Stage::Name { .. }, T::Back) => (Stage::Welcome, Outcome::stay()),
            (
                Stage::Birth {
                    typed,
                    mut entry,
                    today,
                },
                tap,
            ) => {
                let step = match tap {
                    T::Digit(d) => entry.digit(d, today),
                    T::DeleteDigit => entry.delete_digit(),
                    T::Month(m) => entry.month(m, today),
                    T::Day(d) => entry.day(d, today),
                    T::Back => entry.back(),
                    _ => BirthStep::Ignored,
                };
                match step {
                    BirthStep::Entering | BirthStep::Ignored => (
                        Stage::Birth {
                            typed,
                            entry,
                            today,
                        },
                        Outcome::stay(),
                    ),
                    BirthStep::Left => (name_stage(typed, None), Outcome::stay()),
                    BirthStep::Done(dob) => {
                        self.matched(typed, dob, IdentifiedBy::NameAndBirthDate, None, cx)
                    }
                }
            }
            (Stage::WhichTime { typed, mut choices }, T::Appointment(index)) => {
                let index = usize::from(index);
                if index < choices.len() {
                    cx.session.appointment = Some(choices.swap_remove(index));
                    (Stage::Welcome, Outcome::go(Go::Next))
                } else {
                    (Stage::WhichTime { typed, choices }, Outcome::stay())
                }
            }
            (Stage::WhichTime { .. }, T::NoneOfThese) => (
                Stage::Welcome,
                Outcome::end(Ending::SeeFrontDesk(FrontDeskReason::SeveralMatches)),
            ),
            (Stage::WhichTime { typed, .. }, T::Back) => match clinic_today(cx) {
                Some(today) => (birth_stage(typed, today), Outcome::stay()),
                None => (Stage::Welcome, Outcome::stay()),
            },
            (Stage::NotFound { typed, .. }, T::TryAgain) => {
                (name_stage(typed, None), Outcome::stay())
            }
            (
                Stage::NotFound {
                    typed,
                    date_of_birth,
                    licence,
                },
                T::NewPatient,
            ) => {
                let prefill = match licence {
                    Some(licence) => Prefill::from_licence(&licence),
                    None => Prefill::typed(typed.as_str(), date_of_birth),
                };
                tracing::info!(
                    source = prefill.source.as_str(),
                    "new patient registration started"
                );
                cx.session.new_patient = Some(NewPatient::new(Some(prefill)));
                (Stage::Welcome, Outcome::go(Go::Next))
            }
            (Stage::NotFound { .. }, T::AskDesk) => (
                Stage::Welcome,
                Outcome::end(Ending::SeeFrontDesk(FrontDeskReason::NoMatch)),
            ),
            // A tap for a page no longer showing.
            (stage, _) => (stage, Outcome::stay()),
        }
    }

    fn identify_by_licence(&mut self, text: &str, cx: &mut StepContext<'_>) -> Outcome {
        let Some(today) = clinic_today(cx).filter(|_| cx.knowledge.roster.can_match()) else {
            tracing::warn!("licence scanned before today's list is known");
            return Outcome::end(Ending::Problem(Problem::NotReady));
        };
        match aamva::parse(text, today) {
            Ok(licence) => {
                tracing::info!(issuer = %licence.issuer, version = licence.aamva_version, "licence read");
                let typed = TypedName::from_text(&licence.family_name);
                let dob = licence.date_of_birth;
                let (stage, outcome) = self.matched(
                    typed,
                    dob,
                    IdentifiedBy::Licence,
                    Some(Box::new(licence)),
                    cx,
                );
                self.stage = stage;
                outcome
            }
            Err(error) => {
                // The error names element ids and lengths only, never data.
                tracing::info!(%error, "licence unreadable; asking for the name");
                self.stage = name_stage(TypedName::default(), Some(NameNotice::LicenceUnreadable));
                Outcome::stay()
            }
        }
    }

    /// Where a whole typed short code leads: like a scanned reminder code when it matches
    /// an appointment today, else a wrong try (counted towards the lock).
    fn code_typed(
        &mut self,
        typed: TypedCode,
        code: &crate::domain::ShortCode,
        cx: &mut StepContext<'_>,
    ) -> (Stage, Outcome) {
        let now = cx.now;
        if cx.knowledge.code_attempts.is_locked(now) {
            tracing::info!("code entry locked");
            let notice = Some(CodeNotice::Locked);
            return (Stage::Code { typed, notice }, Outcome::stay());
        }
        let (Some(trust), Some(today)) = (&cx.knowledge.trust, clinic_today(cx)) else {
            return (
                Stage::Welcome,
                Outcome::end(Ending::Problem(Problem::NotReady)),
            );
        };
        let clinic = trust.clinic;
        let Some(entry) = cx.knowledge.roster.find_by_code(code) else {
            let notice = cx.knowledge.code_attempts.wrong(now);
            tracing::info!(?notice, "typed code matched no appointment");
            return (
                Stage::Code {
                    typed,
                    notice: Some(notice),
                },
                Outcome::stay(),
            );
        };
        let appointment = entry.appointment;
        if entry.checked_in || cx.knowledge.used.contains(&appointment) {
            tracing::info!(%appointment, "typed code already used");
            return (
                Stage::Welcome,
                Outcome::end(Ending::Problem(Problem::AlreadyUsed)),
            );
        }
        let identified = IdentifiedAppointment {
            appointment,
            clinic,
            day: today,
            details: ConfirmDetails {
                display_name: Some(entry.display_name.clone()),
                starts_at: entry.starts_at,
                provider: Some(entry.provider.clone()),
            },
            by: IdentifiedBy::ShortCode,
        };
        cx.knowledge.code_attempts.right();
        tracing::info!(%appointment, "typed code accepted");
        cx.session.appointment = Some(identified);
        (Stage::Welcome, Outcome::go(Go::Next))
    }

    /// Where a last name + date of birth leads.
    fn matched(
        &mut self,
        typed: TypedName,
        dob: DateOfBirth,
        by: IdentifiedBy,
        licence: Option<Box<LicenceData>>,
        cx: &mut StepContext<'_>,
    ) -> (Stage, Outcome) {
        let (Some(trust), Some(today)) = (&cx.knowledge.trust, clinic_today(cx)) else {
            return (
                Stage::Welcome,
                Outcome::end(Ending::Problem(Problem::NotReady)),
            );
        };
        let clinic = trust.clinic;
        let identified = |entry: &RosterEntry| IdentifiedAppointment {
            appointment: entry.appointment,
            clinic,
            day: today,
            details: ConfirmDetails {
                display_name: Some(entry.display_name.clone()),
                starts_at: entry.starts_at,
                provider: Some(entry.provider.clone()),
            },
            by,
        };
        match find(cx, &typed, dob) {
            Found::One(entry) => {
                tracing::info!(appointment = %entry.appointment, ?by, "patient identified");
                cx.session.appointment = Some(identified(entry));
                (Stage::Welcome, Outcome::go(Go::Next))
            }
            Found::Several(entries) if entries.len() <= MAX_CHOICES && distinct_times(&entries) => {
                tracing::info!(count = entries.len(), ?by, "several appointments matched");
                let choices = entries.into_iter().map(identified).collect();
                (Stage::WhichTime { typed, choices }, Outcome::stay())
            }
            Found::Several(entries) => {
                tracing::info!(count = entries.len(), ?by, "matches cannot be told apart");
                (
                    Stage::Welcome,
                    Outcome::end(Ending::SeeFrontDesk(FrontDeskReason::SeveralMatches)),
                )
            }
            Found::AlreadyCheckedIn => {
                tracing::info!(?by, "matched appointment already checked in");
                (
                    Stage::Welcome,
                    Outcome::end(Ending::Problem(Problem::AlreadyUsed)),
                )
            }
            Found::Nothing => {
                tracing::info!(?by, "no appointment matched");
                (
                    Stage::NotFound {
                        typed,
                        date_of_birth: dob,
                        licence,
                    },
                    Outcome::stay(),
                )
            }
        }
    }
}

fn name_stage(typed: TypedName, notice: Option<NameNotice>) -> Stage {
    Stage::Name { typed, notice }
}

fn birth_stage(typed: TypedName, today: Date) -> Stage {
    Stage::Birth {
        typed,
        entry: BirthEntry::default(),
        today,
    }
}

fn find<'r>(cx: &'r StepContext<'_>, typed: &TypedName, dob: DateOfBirth) -> Found<'r> {
    let all = cx.knowledge.roster.find_by_identity(typed.as_str(), dob);
    if all.is_empty() {
        return Found::Nothing;
    }
    let open: Vec<&RosterEntry> = all
        .into_iter()
        .filter(|e| !e.checked_in && !cx.knowledge.used.contains(&e.appointment))
        .collect();
    match open.len() {
        0 => Found::AlreadyCheckedIn,
        1 => Found::One(open[0]),
        _ => Found::Several(open),
    }
}

fn distinct_times(entries: &[&RosterEntry]) -> bool {
    let mut times: Vec<Time> = entries.iter().map(|e| e.starts_at).collect();
    times.dedup();
    times.len() == entries.len()
}

/// Today on the clinic's calendar; `None` before the office's identity is known.
fn clinic_today(cx: &StepContext<'_>) -> Option<Date> {
    let trust = cx.knowledge.trust.as_ref()?;
    Some(cx.now.to_zoned(trust.timezone.clone()).date())
}

fn identify_by_code(text: &str, cx: &mut StepContext<'_>) -> Outcome {
    let Some(trust) = &cx.knowledge.trust else {
        tracing::warn!("code scanned before the office key is known");
        return Outcome::end(Ending::Problem(Problem::NotReady));
    };
    let today = cx.now.to_zoned(trust.timezone.clone()).date();
    let token = match CheckInToken::verify(text, &trust.key, trust.clinic, today, cx.now) {
        Ok(token) => token,
        Err(error) => {
            tracing::info!(%error, "check-in code rejected");
            return Outcome::end(Ending::Problem(problem_for(&error)));
        }
    };
    let appointment = token.appointment;
    let roster = &cx.knowledge.roster;
    let entry = roster.get(appointment);
    if cx.knowledge.used.contains(&appointment) || entry.is_some_and(|e| e.checked_in) {
        tracing::info!(%appointment, "check-in code already used");
        return Outcome::end(Ending::Problem(Problem::AlreadyUsed));
    }
    if entry.is_none() && !roster.is_empty() {
        tracing::info!(%appointment, "appointment not on today's list");
        return Outcome::end(Ending::Problem(Problem::NotOnToday));
    }
    let details = ConfirmDetails {
        display_name: entry.map(|e| e.display_name.clone()),
        starts_at: entry.map_or(token.starts_at, |e| e.starts_at),
        provider: entry.map(|e| e.provider.clone()),
    };
    tracing::info!(%appointment, "check-in code accepted");
    cx.session.appointment = Some(IdentifiedAppointment {
        appointment,
        clinic: token.clinic,
        day: token.valid_on,
        details,
        by: IdentifiedBy::Code,
    });
    Outcome::go(Go::Next)
}

fn problem_for(error: &TokenError) -> Problem {
    match error {
        TokenError::NotAToken | TokenError::Malformed => Problem::UnknownCode,
        TokenError::OldFormat => Problem::OldCode,
        TokenError::Forged => Problem::Forged,
        TokenError::OtherClinic { .. } => Problem::OtherClinic,
        TokenError::Expired { .. } => Problem::Expired,
        TokenError::WrongDay { valid_on, .. } => Problem::WrongDay(*valid_on),
    }
}

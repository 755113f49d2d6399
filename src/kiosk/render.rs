//! `frontdesk-kiosk render-screens`: every kiosk screen, at both display sizes, to PNG,
//! with the software renderer and no display. For looking at what patients see: also in
//! large-text and high-contrast mode (all screens on the small display, some elsewhere).

use super::app::present;
use super::controllers::insurance::{pixels_of, show_preview};
use super::headless::{FrameError, HeadlessPlatform, HeadlessWindow, write_png};
use super::{MainWindow, WelcomeAdapter};
use crate::checkin::{
    BirthView, Choice, CodeKey, CodeNotice, CodeView, ConfirmDetails, ConsentPage, ConsentView,
    ContactChange, DetailsView, DisplayPrefs, Ending, Field, FormError, FrontDeskReason,
    HelpReached, HelpState, Keyboard, NameNotice, NameView, NotSetUp, OverlayView, PageView,
    PaymentNote, PaymentView, Problem, Question, QuestionError, QuestionInput, QuestionView,
    QuestionsView, RegisterBirthView, RegisterInput, RegisterView, ReviewAnswer, ReviewRow,
    ReviewView, Screen, SignaturePad, TypedCode, TypedName,
};
use crate::devices::payment::{NotTaken, TerminalPrompt};
use crate::domain::{
    AmountDue, Cents, ContactField, ContactOnFile, Language, PersonName, Relationship,
};
use crate::questionnaire::{LocalText, QuestionKind, Questionnaire};
use jiff::civil::{Time, date};
use slint::{ComponentHandle, PhysicalSize, PlatformError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("Slint platform: {0}")]
    Platform(#[from] PlatformError),
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("cannot create {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The display sizes the kiosk is designed for: a 1280x800 panel and the official 7" Pi display.
pub const SIZES: [(u32, u32); 2] = [(1280, 800), (800, 480)];

/// A text field's input as the form shows it.
fn text(shown: &str, keyboard: Keyboard) -> RegisterInput {
    RegisterInput::Text {
        shown: shown.into(),
        keyboard,
        full: false,
    }
}

/// One screen of the registration form.
fn form(field: Field, input: RegisterInput, prefilled: bool, error: Option<FormError>) -> PageView {
    PageView::Register(RegisterView {
        field,
        step: field.question().number(),
        steps: Question::ALL.len() as u8,
        input,
        prefilled,
        optional: field.optional(),
        error,
    })
}

/// The review page of a complete, obviously fake registration.
fn sample_review() -> ReviewView {
    let lines = |lines: &[&str]| ReviewAnswer::Lines(lines.iter().map(|l| l.to_string()).collect());
    let row = |question, answer, prefilled| ReviewRow {
        question,
        answer,
        prefilled,
    };
    ReviewView {
        rows: vec![
            row(Question::Name, lines(&["ADA TESTPATIENT"]), true),
            row(Question::PreferredName, ReviewAnswer::Skipped, false),
            row(
                Question::BirthDate,
                ReviewAnswer::Date(date(1950, 1, 2)),
                true,
            ),
            row(Question::Sex, lines(&["Female"]), false),
            row(
                Question::Address,
                lines(&["123 EXAMPLE ST", "APT 4", "TESTVILLE, IL 62701"]),
                true,
            ),
            row(Question::Phone, lines(&["(217) 555-0123"]), false),
            row(Question::Email, lines(&["ada@example.com"]), false),
            row(
                Question::Language,
                ReviewAnswer::Language(Language::Spanish),
                false,
            ),
            row(
                Question::EmergencyContact,
                ReviewAnswer::Contact {
                    name: "BRUNO SAMPLE".into(),
                    relationship: Relationship::Sibling,
                    phone: "(217) 555-0199".into(),
                },
                false,
            ),
        ],
    }
}

/// The code page with `typed` on it.
fn code_view(typed: &str, notice: Option<CodeNotice>) -> CodeView {
    let mut code = TypedCode::default();
    for c in typed.chars() {
        code.press(CodeKey::Char(c));
    }
    CodeView {
        can_continue: code.code().is_some() && notice != Some(CodeNotice::Locked),
        typed: code,
        notice,
    }
}

/// One sample screen: its file name (without language), page, overlay, and what became of
/// the call its ending made to the desk.
pub type Sample = (
    &'static str,
    PageView,
    Option<OverlayView>,
    Option<HelpReached>,
);

/// Every page and overlay, with synthetic content; the "see the front desk" pages also
/// once the desk has the call (`…-told`).
pub fn sample_screens() -> Vec<Sample> {
    let mut samples: Vec<Sample> = Vec::new();
    for (name, page, overlay) in sample_pages() {
        if let PageView::Ending(Ending::SeeFrontDesk(reason)) = page {
            let told = match reason {
                FrontDeskReason::NoMatch => "front-desk-no-match-told",
                FrontDeskReason::SeveralMatches => "front-desk-several-matches-told",
                FrontDeskReason::NotMe => "front-desk-not-me-told",
            };
            samples.push((told, page.clone(), overlay, Some(HelpReached::Told)));
        }
        samples.push((name, page, overlay, None));
    }
    samples
}

fn sample_pages() -> Vec<(&'static str, PageView, Option<OverlayView>)> {
    let name = PersonName::new("Ada", "Testpatient")
        .expect("valid")
        .display_name();
    let page = |name, page| (name, page, None);
    let problem = |name, problem| (name, PageView::Ending(Ending::Problem(problem)), None);
    let mut screens = vec![
        page("welcome", PageView::Identify),
        page(
            "type-name",
            PageView::TypeName(NameView {
                typed: TypedName::from_text("García-Testpatient"),
                can_continue: true,
                notice: None,
            }),
        ),
        page(
            "type-name-empty-after-licence",
            PageView::TypeName(NameView {
                typed: TypedName::default(),
                can_continue: false,
                notice: Some(NameNotice::LicenceUnreadable),
            }),
        ),
        page("type-code", PageView::TypeCode(code_view("ACDEFGHJ", None))),
        page(
            "type-code-wrong",
            PageView::TypeCode(code_view(
                "ACDEFGHK",
                Some(CodeNotice::Wrong { tries_left: 3 }),
            )),
        ),
        page(
            "type-code-locked",
            PageView::TypeCode(code_view("ACDEFGHK", Some(CodeNotice::Locked))),
        ),
        page(
            "birth-year",
            PageView::BirthDate(BirthView::Year {
                typed: "19".into(),
                enabled: std::array::from_fn(|_| true),
            }),
        ),
        page(
            "birth-month",
            PageView::BirthDate(BirthView::Month {
                year: 2026,
                enabled: std::array::from_fn(|m| m < 11),
            }),
        ),
        page(
            "birth-day",
            PageView::BirthDate(BirthView::Day {
                year: 1960,
                month: 2,
                last_day: 29,
                last_enabled: 29,
            }),
        ),
        page(
            "which-time",
            PageView::WhichAppointment(vec![
                Time::constant(9, 15, 0, 0),
                Time::constant(14, 0, 0, 0),
            ]),
        ),
        page("not-found", PageView::NotFound),
        page(
            "confirm",
            PageView::Confirm(ConfirmDetails {
                display_name: Some(name),
                starts_at: Time::constant(16, 30, 0, 0),
                provider: Some("Dr. Demo Able".into()),
            }),
        ),
        page(
            "confirm-offline",
            PageView::Confirm(ConfirmDetails {
                display_name: None,
                starts_at: Time::constant(10, 30, 0, 0),
                provider: None,
            }),
        ),
        page(
            "details-fetching",
            PageView::ContactDetails(DetailsView::Fetching),
        ),
        page(
            "details-on-file",
            PageView::ContactDetails(DetailsView::OnFile(sample_contact())),
        ),
        page(
            "details-changes",
            PageView::ContactDetails(DetailsView::Changes(vec![
                ContactChange {
                    field: ContactField::AddressLine1,
                    on_file: Some("100 Example St".into()),
                    new: "456 SAMPLE AVE".into(),
                },
                ContactChange {
                    field: ContactField::AddressLine2,
                    on_file: None,
                    new: "APT 9".into(),
                },
                ContactChange {
                    field: ContactField::Phone,
                    on_file: Some("2175550100".into()),
                    new: "2175550142".into(),
                },
            ])),
        ),
        page("saving", PageView::CheckingIn),
        page(
            "done",
            PageView::Ending(Ending::CheckedIn {
                queue_position: Some(3),
                payment: PaymentNote::Nothing,
            }),
        ),
        page(
            "done-offline",
            PageView::Ending(Ending::CheckedIn {
                queue_position: None,
                payment: PaymentNote::Nothing,
            }),
        ),
        page(
            "payment-copay",
            PageView::Payment(PaymentView::Offer(due(2500, 0))),
        ),
        page(
            "payment-copay-and-balance",
            PageView::Payment(PaymentView::Offer(due(2500, 4075))),
        ),
        page(
            "payment-balance",
            PageView::Payment(PaymentView::Offer(due(0, 4075))),
        ),
        page(
            "payment-present-card",
            paying(2500, Some(TerminalPrompt::PresentCard), false),
        ),
        page(
            "payment-pin",
            paying(2500, Some(TerminalPrompt::EnterPin), false),
        ),
        page(
            "payment-card-not-read",
            paying(2500, Some(TerminalPrompt::CardNotRead), false),
        ),
        page(
            "payment-processing",
            paying(2500, Some(TerminalPrompt::Processing), false),
        ),
        page(
            "payment-cancelling",
            paying(2500, Some(TerminalPrompt::PresentCard), true),
        ),
        page("payment-declined", not_taken(NotTaken::Declined, true)),
        page(
            "payment-declined-last",
            not_taken(NotTaken::Declined, false),
        ),
        page(
            "payment-card-removed",
            not_taken(NotTaken::CardRemoved, true),
        ),
        page("payment-timed-out", not_taken(NotTaken::TimedOut, true)),
        page("payment-saving", PageView::Payment(PaymentView::Saving)),
        page("payment-checking", PageView::Payment(PaymentView::Checking)),
        page(
            "done-paid",
            done(PaymentNote::Paid {
                amount: Cents::new(2500),
                receipt: false,
            }),
        ),
        page(
            "done-paid-receipt",
            done(PaymentNote::Paid {
                amount: Cents::new(2500),
                receipt: true,
            }),
        ),
        page(
            "done-pay-at-desk",
            done(PaymentNote::PayAtDesk(Cents::new(6575))),
        ),
        page(
            "done-terminal-down",
            done(PaymentNote::TerminalDown(Cents::new(2500))),
        ),
        page("done-see-desk", done(PaymentNote::SeeDesk)),
        page("consent-looking", PageView::Consent(ConsentView::Looking)),
        page("consent-reading", consent_reading(Language::English)),
        page("consent-pad-empty", consent_pad(Vec::new(), false)),
        page("consent-pad-signed", consent_pad(sample_signature(), true)),
        page("consent-saving", PageView::Consent(ConsentView::Saving)),
        page(
            "consent-reading-next",
            consent_reading_at(1, Language::English),
        ),
        problem("problem-unknown-code", Problem::UnknownCode),
        problem("problem-not-a-check-in-code", Problem::NotACheckInCode),
        problem("problem-old-code", Problem::OldCode),
        problem("problem-forged", Problem::Forged),
        problem("problem-other-clinic", Problem::OtherClinic),
        problem("problem-expired", Problem::Expired),
        problem("problem-wrong-day", Problem::WrongDay(date(2026, 11, 30))),
        problem("problem-already-used", Problem::AlreadyUsed),
        problem("problem-not-on-today", Problem::NotOnToday),
        problem("problem-not-ready", Problem::NotReady),
        problem("problem-save-failed", Problem::SaveFailed),
        page(
            "register-first-name-from-licence",
            form(Field::FirstName, text("ADA", Keyboard::Name), true, None),
        ),
        page(
            "register-state",
            form(
                Field::State,
                text("I", Keyboard::Letters),
                false,
                Some(FormError::State),
            ),
        ),
        page(
            "register-street",
            form(
                Field::AddressLine1,
                text("123 EXAMPLE ST", Keyboard::Address),
                false,
                None,
            ),
        ),
        page(
            "register-zip-error",
            form(
                Field::Zip,
                text("6270", Keyboard::Digits),
                false,
                Some(FormError::ZipDigits),
            ),
        ),
        page(
            "register-phone",
            form(
                Field::Phone,
                text("(217) 555-01", Keyboard::Digits),
                false,
                None,
            ),
        ),
        page(
            "register-email-error",
            form(
                Field::Email,
                text("ada@example", Keyboard::Email),
                false,
                Some(FormError::Email),
            ),
        ),
        page(
            "register-sex",
            form(
                Field::Sex,
                RegisterInput::Choice {
                    choices: [
                        "Female",
                        "Male",
                        "Non-binary",
                        "Another gender",
                        "Prefer not to say",
                    ]
                    .map(|l| Choice::Label(l.into()))
                    .to_vec(),
                    chosen: Some(0),
                },
                true,
                None,
            ),
        ),
        page(
            "register-language",
            form(
                Field::Language,
                RegisterInput::Choice {
                    choices: Language::ALL.map(Choice::Language).to_vec(),
                    chosen: Some(0),
                },
                false,
                None,
            ),
        ),
        page(
            "register-relationship",
            form(
                Field::Relationship,
                RegisterInput::Choice {
                    choices: Relationship::ALL.map(Choice::Relationship).to_vec(),
                    chosen: None,
                },
                false,
                Some(FormError::ChooseOne),
            ),
        ),
        page(
            "register-birth-day-from-licence",
            PageView::RegisterBirthDate(RegisterBirthView {
                entry: BirthView::Day {
                    year: 1950,
                    month: 1,
                    last_day: 31,
                    last_enabled: 31,
                },
                step: 3,
                steps: 9,
                prefilled: true,
            }),
        ),
        page("register-review", PageView::RegisterReview(sample_review())),
        page("registered", PageView::Ending(Ending::Registered)),
        page(
            "front-desk-no-match",
            PageView::Ending(Ending::SeeFrontDesk(FrontDeskReason::NoMatch)),
        ),
        page(
            "front-desk-several-matches",
            PageView::Ending(Ending::SeeFrontDesk(FrontDeskReason::SeveralMatches)),
        ),
        page(
            "front-desk-not-me",
            PageView::Ending(Ending::SeeFrontDesk(FrontDeskReason::NotMe)),
        ),
        (
            "help-calling",
            PageView::Identify,
            Some(OverlayView::Help(HelpState::Calling)),
        ),
        (
            "help",
            PageView::Identify,
            Some(OverlayView::Help(HelpState::Coming)),
        ),
        (
            "help-go-to-desk",
            PageView::Identify,
            Some(OverlayView::Help(HelpState::GoToDesk)),
        ),
        page(
            "not-set-up-pairing",
            PageView::NotSetUp(NotSetUp::Pairing {
                code: Some("K7QM-W3XP".into()),
            }),
        ),
        page(
            "not-set-up-waiting",
            PageView::NotSetUp(NotSetUp::Pairing { code: None }),
        ),
        page(
            "not-set-up-disabled",
            PageView::NotSetUp(NotSetUp::Disabled),
        ),
        page(
            "setup-needed",
            PageView::SetupNeeded {
                detail: "kiosk.toml, line 3: office_url must start with http:// or https://".into(),
            },
        ),
        (
            "still-there",
            PageView::Confirm(ConfirmDetails {
                display_name: None,
                starts_at: Time::constant(10, 30, 0, 0),
                provider: None,
            }),
            Some(OverlayView::StillThere { seconds_left: 17 }),
        ),
    ];
    screens.extend(
        question_screens()
            .into_iter()
            .map(|(name, page)| (name, page, None)),
    );
    screens.extend(
        insurance_screens()
            .into_iter()
            .map(|(name, page)| (name, page, None)),
    );
    screens
}

/// Every insurance page, with obviously fake payers and members.
fn insurance_screens() -> Vec<(&'static str, PageView)> {
    use crate::checkin::{
        CoverageField, CoverageFieldError, InsuranceFieldView, InsuranceInput, InsuranceNotice,
        InsuranceReviewRow, InsuranceView, OnFileLine,
    };
    use crate::domain::{CardSide, CoverageRank, SubscriberRelationship};
    let page = |name, view| (name, PageView::Insurance(view));
    let how = |rank, camera, notice| InsuranceView::How {
        rank,
        camera,
        self_pay: rank == CoverageRank::Primary,
        notice,
        back: rank == CoverageRank::Secondary,
    };
    let field = |field, step, input, prefilled, error| {
        InsuranceView::Field(InsuranceFieldView {
            rank: CoverageRank::Primary,
            field,
            step,
            // A spouse's plan asks three more: the subscriber's name and date of birth.
            steps: if step > 4 { 7 } else { 4 },
            input,
            prefilled,
            error,
        })
    };
    let text = |shown: &str, keyboard| InsuranceInput::Text {
        shown: shown.into(),
        keyboard,
        full: false,
    };
    let row = |field, value: &str, prefilled| InsuranceReviewRow {
        field,
        value: value.into(),
        relationship: None,
        prefilled,
    };
    vec![
        page("insurance-looking", InsuranceView::Looking),
        page(
            "insurance-on-file",
            InsuranceView::OnFile(vec![
                OnFileLine {
                    rank: CoverageRank::Primary,
                    payer_name: "Testpayer Health Plan".into(),
                    member_id_last_four: "0042".into(),
                },
                OnFileLine {
                    rank: CoverageRank::Secondary,
                    payer_name: "Sample Mutual".into(),
                    member_id_last_four: "7781".into(),
                },
            ]),
        ),
        page("insurance-how", how(CoverageRank::Primary, true, None)),
        page(
            "insurance-how-unreadable",
            how(
                CoverageRank::Primary,
                true,
                Some(InsuranceNotice::Unreadable),
            ),
        ),
        page(
            "insurance-how-not-verified",
            how(
                CoverageRank::Primary,
                false,
                Some(InsuranceNotice::CouldNotVerify),
            ),
        ),
        page(
            "insurance-how-secondary",
            how(CoverageRank::Secondary, false, None),
        ),
        page("insurance-scan", InsuranceView::ScanWait),
        page(
            "insurance-frame-front",
            InsuranceView::Frame(CardSide::Front),
        ),
        page("insurance-frame-back", InsuranceView::Frame(CardSide::Back)),
        page("insurance-taking", InsuranceView::Taking(CardSide::Front)),
        page(
            "insurance-taken",
            InsuranceView::Taken {
                side: CardSide::Front,
                jpeg: synthetic_card_jpeg(),
            },
        ),
        page(
            "insurance-payer-search",
            field(
                CoverageField::Payer,
                1,
                InsuranceInput::PayerSearch {
                    query: "TE".into(),
                    matches: vec![
                        "Testpayer Health Plan".into(),
                        "Acme Test Insurance".into(),
                        "Tested Mutual of Example".into(),
                    ],
                    chosen: Some("Testpayer Health Plan".into()),
                    listed: true,
                },
                true,
                None,
            ),
        ),
        page(
            "insurance-payer-unlisted",
            field(
                CoverageField::Payer,
                1,
                InsuranceInput::PayerSearch {
                    query: String::new(),
                    matches: Vec::new(),
                    chosen: None,
                    listed: false,
                },
                false,
                Some(CoverageFieldError::Required),
            ),
        ),
        page(
            "insurance-member-id",
            field(
                CoverageField::MemberId,
                2,
                text("TST-000042", Keyboard::Address),
                true,
                None,
            ),
        ),
        page(
            "insurance-member-id-error",
            field(
                CoverageField::MemberId,
                2,
                text("TST#42", Keyboard::Address),
                false,
                Some(CoverageFieldError::MemberId),
            ),
        ),
        page(
            "insurance-group",
            field(
                CoverageField::Group,
                3,
                text("", Keyboard::Address),
                false,
                None,
            ),
        ),
        page(
            "insurance-relationship",
            field(
                CoverageField::Relationship,
                4,
                InsuranceInput::Relationship {
                    chosen: Some(SubscriberRelationship::Spouse),
                    card_name: Some("BOB TESTSUBSCRIBER".into()),
                },
                false,
                None,
            ),
        ),
        page(
            "insurance-subscriber-birth",
            field(
                CoverageField::SubscriberBirth,
                7,
                text("03/14/19", Keyboard::Digits),
                false,
                Some(CoverageFieldError::BirthDate),
            ),
        ),
        page(
            "insurance-review",
            InsuranceView::Review {
                rank: CoverageRank::Primary,
                rows: vec![
                    row(CoverageField::Payer, "Testpayer Health Plan", true),
                    row(CoverageField::MemberId, "TST-000042", true),
                    row(CoverageField::Group, "", false),
                    InsuranceReviewRow {
                        field: CoverageField::Relationship,
                        value: String::new(),
                        relationship: Some(SubscriberRelationship::Spouse),
                        prefilled: false,
                    },
                    row(CoverageField::SubscriberFirst, "BOB", true),
                    row(CoverageField::SubscriberLast, "TESTSUBSCRIBER", true),
                    row(CoverageField::SubscriberBirth, "03/14/1970", false),
                ],
            },
        ),
        page("insurance-secondary", InsuranceView::AskSecondary),
        page("insurance-saving", InsuranceView::Saving),
    ]
}

/// One question of a shipped questionnaire on screen.
fn asked(
    form: &Questionnaire,
    id: &str,
    (number, of): (u16, u16),
    input: QuestionInput,
    error: Option<QuestionError>,
) -> PageView {
    let question = form.question(id).expect("a shipped question");
    PageView::Questions(QuestionsView::Question(QuestionView {
        title: form.title.clone(),
        number,
        of,
        stem: form.intro.clone(),
        text: question.text.clone(),
        optional: !question.required,
        can_back: number > 1,
        input,
        error,
    }))
}

/// The texts of a shipped question's choices.
fn choices_of(form: &Questionnaire, id: &str) -> Vec<LocalText> {
    form.question(id)
        .expect("a shipped question")
        .kind
        .choices()
        .iter()
        .map(|choice| choice.text.clone())
        .collect()
}

/// The intake pages, with the shipped questionnaires' texts and every kind of answer.
fn question_screens() -> Vec<(&'static str, PageView)> {
    let forms = crate::questionnaire::defaults::all();
    let form = |id: &str| {
        forms
            .iter()
            .find(|form| form.id.as_str() == id)
            .expect("a shipped questionnaire")
    };
    let (visit, phq9) = (form("reason-for-visit"), form("phq-9"));
    let number = |typed: &str, unit: Option<LocalText>, (min, max): (i32, i32), decimals: bool| {
        QuestionInput::Number {
            typed: typed.into(),
            unit,
            min: min.to_string(),
            max: max.to_string(),
            decimals,
            minus: min < 0,
            full: false,
        }
    };
    let unit = |id: &str| match &visit.question(id).expect("a shipped question").kind {
        QuestionKind::Number(spec) => spec.unit.clone(),
        _ => None,
    };
    let symptoms = choices_of(visit, "symptoms");
    let ticked: Vec<bool> = (0..symptoms.len()).map(|i| i == 0 || i == 4).collect();
    vec![
        (
            "questions-intro",
            PageView::Questions(QuestionsView::Intro {
                title: phq9.title.clone(),
                intro: phq9.intro.clone().expect("the PHQ-9 has an introduction"),
            }),
        ),
        (
            "questions-single",
            asked(
                visit,
                "reason",
                (1, 3),
                QuestionInput::Single {
                    choices: choices_of(visit, "reason"),
                    chosen: None,
                },
                None,
            ),
        ),
        (
            "questions-phq",
            asked(
                phq9,
                "phq9-2",
                (2, 2),
                QuestionInput::Single {
                    choices: choices_of(phq9, "phq9-2"),
                    chosen: Some(1),
                },
                None,
            ),
        ),
        (
            "questions-yes-no",
            asked(
                visit,
                "new-symptoms",
                (3, 3),
                QuestionInput::YesNo { chosen: None },
                None,
            ),
        ),
        (
            "questions-multiple",
            asked(
                visit,
                "symptoms",
                (4, 6),
                QuestionInput::Multiple {
                    choices: symptoms.clone(),
                    ticked,
                },
                None,
            ),
        ),
        (
            "questions-multiple-none",
            asked(
                visit,
                "symptoms",
                (4, 6),
                QuestionInput::Multiple {
                    ticked: vec![false; symptoms.len()],
                    choices: symptoms,
                },
                Some(QuestionError::Required),
            ),
        ),
        (
            "questions-number",
            asked(
                visit,
                "symptom-days",
                (5, 6),
                number("3", unit("symptom-days"), (0, 365), false),
                None,
            ),
        ),
        (
            "questions-number-error",
            asked(
                visit,
                "temperature",
                (6, 7),
                number("112.5", unit("temperature"), (93, 110), true),
                Some(QuestionError::OutOfRange),
            ),
        ),
        (
            "questions-number-minus",
            asked(
                visit,
                "temperature",
                (6, 7),
                number("-3", unit("temperature"), (-40, 110), true),
                None,
            ),
        ),
        (
            "questions-text",
            asked(
                visit,
                "reason-detail",
                (2, 3),
                QuestionInput::Text {
                    typed: "KNEE PAIN SINCE MONDAY".into(),
                    full: false,
                },
                None,
            ),
        ),
        (
            "questions-saving",
            PageView::Questions(QuestionsView::Saving),
        ),
        (
            "questions-safety",
            PageView::Questions(QuestionsView::Safety),
        ),
    ]
}

/// A display mode rendered besides the normal one.
struct ModeRun {
    /// In the file name, after the screen's name.
    tag: &'static str,
    display: DisplayPrefs,
    language: Language,
    size: (u32, u32),
    /// The screens rendered; `None` for all of them.
    screens: Option<&'static [&'static str]>,
}

/// Screens with the most on them, for the modes not rendered on every screen.
const SOME: &[&str] = &[
    "welcome",
    "confirm",
    "done",
    "problem-wrong-day",
    "front-desk-not-me",
    "front-desk-not-me-told",
    "help",
    "still-there",
    "consent-reading",
    "consent-pad-signed",
    "questions-multiple",
    "questions-number-error",
    "questions-safety",
];

const LARGE: DisplayPrefs = DisplayPrefs {
    large_text: true,
    high_contrast: false,
};
const CONTRAST: DisplayPrefs = DisplayPrefs {
    large_text: false,
    high_contrast: true,
};
const BOTH: DisplayPrefs = DisplayPrefs {
    large_text: true,
    high_contrast: true,
};

/// Large text on the small display is where a page is likeliest not to fit: every screen,
/// in both languages. The rest is about colour and proportion: some screens suffice.
fn mode_runs() -> [ModeRun; 7] {
    let small = SIZES[1];
    let large = SIZES[0];
    let run = |tag, display, language, size, screens| ModeRun {
        tag,
        display,
        language,
        size,
        screens,
    };
    [
        run("large-text", LARGE, Language::English, small, None),
        run("large-text", LARGE, Language::Spanish, small, None),
        run("high-contrast", CONTRAST, Language::English, small, None),
        run(
            "high-contrast",
            CONTRAST,
            Language::Spanish,
            small,
            Some(SOME),
        ),
        run(
            "large-text-high-contrast",
            BOTH,
            Language::English,
            small,
            Some(SOME),
        ),
        run("large-text", LARGE, Language::English, large, Some(SOME)),
        run(
            "high-contrast",
            CONTRAST,
            Language::English,
            large,
            Some(SOME),
        ),
    ]
}

/// The first shipped consent document, to read, in `language`.
fn consent_reading(language: Language) -> PageView {
    consent_reading_at(0, language)
}

/// The `index`th shipped consent document, to read, in `language`.
fn consent_reading_at(index: usize, language: Language) -> PageView {
    let set = crate::consent::default_set().expect("the shipped consents parse");
    let id = set.ids()[index].clone();
    let document = set
        .document(&id, language)
        .expect("every shipped document has every language")
        .clone();
    PageView::Consent(ConsentView::Reading(ConsentPage {
        number: index + 1,
        count: set.ids().len(),
        document,
    }))
}

fn consent_pad(strokes: Vec<Vec<crate::consent::Point>>, can_sign: bool) -> PageView {
    PageView::Consent(ConsentView::Signing(SignaturePad {
        number: 2,
        count: 3,
        title: "Financial Policy".into(),
        strokes,
        can_sign,
    }))
}

/// A made-up scrawl (two strokes), in pad units.
fn sample_signature() -> Vec<Vec<crate::consent::Point>> {
    let wave = (0..60u16)
        .map(|i| {
            let x = 1200 + i * 110;
            let y = 6000.0 - 1400.0 * (f64::from(i) / 4.0).sin() - f64::from(i) * 20.0;
            crate::consent::Point {
                x,
                y: y as u16,
                t_ms: u32::from(i) * 16,
            }
        })
        .collect();
    let bar = (0..20u16)
        .map(|i| crate::consent::Point {
            x: 2000 + i * 250,
            y: 3600 + i * 10,
            t_ms: 1500 + u32::from(i) * 16,
        })
        .collect();
    vec![wave, bar]
}

/// A sample page as it reads in `language` (a consent document's text is per language).
fn in_language(page: PageView, language: Language) -> PageView {
    match page {
        PageView::Consent(ConsentView::Reading(page)) => {
            consent_reading_at(page.number - 1, language)
        }
        PageView::Consent(ConsentView::Signing(mut pad)) => {
            if let PageView::Consent(ConsentView::Reading(page)) =
                consent_reading_at(pad.number - 1, language)
            {
                pad.title = page.document.title;
            }
            PageView::Consent(ConsentView::Signing(pad))
        }
        page => page,
    }
}

/// Obviously fake contact details on file, for the details pages.
fn due(copay: u32, balance: u32) -> AmountDue {
    AmountDue {
        copay: Cents::new(copay),
        balance: Cents::new(balance),
    }
}

fn paying(amount: u32, prompt: Option<TerminalPrompt>, cancelling: bool) -> PageView {
    PageView::Payment(PaymentView::Paying {
        amount: Cents::new(amount),
        prompt,
        cancelling,
    })
}

fn not_taken(reason: NotTaken, can_retry: bool) -> PageView {
    PageView::Payment(PaymentView::NotTaken {
        amount: Cents::new(2500),
        reason,
        can_retry,
    })
}

fn done(payment: PaymentNote) -> PageView {
    PageView::Ending(Ending::CheckedIn {
        queue_position: Some(2),
        payment,
    })
}

fn sample_contact() -> ContactOnFile {
    let mut contact = ContactOnFile::default();
    for (field, value) in [
        (ContactField::AddressLine1, "100 Example St"),
        (ContactField::AddressLine2, "Unit 4"),
        (ContactField::City, "Exampleville"),
        (ContactField::State, "TX"),
        (ContactField::Zip, "75001"),
        (ContactField::Phone, "2175550100"),
        (ContactField::Email, "ada.testpatient@example.com"),
    ] {
        contact
            .set(field, value)
            .expect("the sample contact is valid");
    }
    contact
}

/// Renders every screen in every language at every size into `dir`
/// (`<screen>-<language>-<width>x<height>.png`), then in the display modes of
/// [`mode_runs`] (`<screen>-<mode>-<language>-<width>x<height>.png`); returns the files
/// written.
pub fn render_all(dir: &Path) -> Result<Vec<PathBuf>, RenderError> {
    std::fs::create_dir_all(dir).map_err(|source| RenderError::Dir {
        path: dir.to_owned(),
        source,
    })?;
    let (width, height) = SIZES[0];
    let window = HeadlessPlatform::install(PhysicalSize::new(width, height), None)?;
    let ui = MainWindow::new()?;
    ui.global::<WelcomeAdapter>()
        .set_clinic_name("Demo Family Practice".into());
    ui.show()?;
    let mut written = Vec::new();
    let preview = synthetic_card_preview();
    for (width, height) in SIZES {
        window.set_size(PhysicalSize::new(width, height));
        for language in Language::ALL {
            let suffix = format!("{}-{width}x{height}", language.code());
            for (name, page, overlay, desk_call) in sample_screens() {
                present(
                    &ui,
                    &Screen {
                        page: in_language(page, language),
                        overlay,
                        desk_call,
                        language,
                        display: DisplayPrefs::default(),
                    },
                );
                // The front's frame guide as the patient sees it: the camera's live
                // preview of the synthetic card behind it.
                if name == "insurance-frame-front" {
                    show_preview(&ui, Some(pixels_of(&preview)));
                }
                written.push(snapshot(
                    &window,
                    &dir.join(format!("{name}-{suffix}.png")),
                )?);
            }
            // The welcome screen as it reads when the scanner is unplugged.
            present(
                &ui,
                &Screen {
                    page: PageView::Identify,
                    overlay: None,
                    desk_call: None,
                    language,
                    display: DisplayPrefs::default(),
                },
            );
            ui.global::<WelcomeAdapter>().set_scanner_ready(false);
            written.push(snapshot(
                &window,
                &dir.join(format!("welcome-no-scanner-{suffix}.png")),
            )?);
            ui.global::<WelcomeAdapter>().set_scanner_ready(true);
        }
    }
    for run in mode_runs() {
        let (width, height) = run.size;
        window.set_size(PhysicalSize::new(width, height));
        let suffix = format!("{}-{}-{width}x{height}", run.tag, run.language.code());
        for (name, page, overlay, desk_call) in sample_screens() {
            if run.screens.is_some_and(|some| !some.contains(&name)) {
                continue;
            }
            present(
                &ui,
                &Screen {
                    page: in_language(page, run.language),
                    overlay,
                    desk_call,
                    language: run.language,
                    display: run.display,
                },
            );
            written.push(snapshot(
                &window,
                &dir.join(format!("{name}-{suffix}.png")),
            )?);
        }
    }
    Ok(written)
}

/// Draws the window and writes it to `path`; returns the path.
fn snapshot(window: &HeadlessWindow, path: &Path) -> Result<PathBuf, FrameError> {
    window
        .redraw(|pixels, size| write_png(path, pixels, size))
        .unwrap_or(Ok(()))?;
    Ok(path.to_owned())
}

/// A live preview frame of the synthetic card's front, as the camera worker streams it
/// (black if the fonts to draw the card are missing).
fn synthetic_card_preview() -> crate::devices::camera::Frame {
    use crate::devices::camera::synthetic::{CardFont, SyntheticCard};
    use crate::kiosk::camera::PREVIEW_SIZE;
    let (width, height) = PREVIEW_SIZE;
    SyntheticCard::standard(crate::domain::CardSide::Front, CardFont::Sans)
        .rotated(1.5)
        .render()
        .map(|frame| frame.scaled_within(width, height))
        .unwrap_or_else(|_| crate::devices::camera::Frame {
            width,
            height,
            rgb: vec![0; (width * height * 3) as usize],
        })
}

/// A photo of the synthetic insurance card's front, as the camera worker would send it;
/// empty (the page then shows no photo) if the fonts to draw it are missing.
fn synthetic_card_jpeg() -> Vec<u8> {
    use crate::devices::camera::synthetic::{CardFont, SyntheticCard};
    use crate::domain::CardSide;
    SyntheticCard::standard(CardSide::Front, CardFont::Sans)
        .rotated(1.5)
        .render()
        .ok()
        .and_then(|frame| {
            frame
                .to_jpeg(crate::api::CardPhotoSubmission::MAX_JPEG)
                .ok()
        })
        .unwrap_or_default()
}

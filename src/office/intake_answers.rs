//! Intake answers at the office: a kiosk's sealed QuestionnaireResponse is checked against
//! the office's own copy of the form it names (every item a question of the form, answers
//! of the right kind and in range, conditions respected, required questions answered),
//! scored here (PHQ-2, PHQ-9 and its severity, the item 9 alert; the kiosk's totals are
//! never trusted) and stored once per id for an appointment or a registration.
//!
//! Staff see a flag on the patient's row for a positive screen, open the answers on a page
//! of their own, fetch the QuestionnaireResponse as FHIR JSON, and acknowledge an item 9
//! alert, which stays at the top of the staff page until then. Every PHI read is audited
//! (`intake.view`, `intake.answers.view`, `intake.fhir.view`), as is the acknowledgement
//! (`intake.alert.acknowledge`, with who and when).

use super::error::ApiError;
use super::events::QueueEvent;
use super::server::AppState;
use super::store::{
    Acknowledge, AlertState, IntakeRow, IntakeScores, IntakeStoreRefused, IntakeStored,
    OfficeStore, StoreError,
};
use super::templates::{Page, render};
use crate::api::{FormSubject, IntakeSubmission, SubmissionOutcome, SubmissionReceipt};
use crate::domain::{
    AppointmentId, IntakeResponseId, KioskId, Language, RegistrationId, StaffName,
};
use crate::office::audit::AuditAction;
use crate::office::signin::StaffSession;
use crate::questionnaire::fhir::{CanonicalBase, questionnaire_response};
use crate::questionnaire::{
    Answer, Completed, FromFhirError, Instrument, Phq9Severity, Question, QuestionKind,
    Questionnaire, canonical_parts, completed_from_fhir,
};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/intake", get(list))
        .route("/api/staff/v1/intake/{id}/acknowledge", post(acknowledge))
        .route("/api/staff/v1/intake/{id}/fhir", get(fhir_json))
        .route("/staff/answers/{kind}/{id}", get(answers_page))
}

/// Why the office refused an intake response; nothing of it is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntakeRefused {
    #[error("this office has no questionnaire '{id}' version '{version}'")]
    UnknownForm { id: String, version: String },
    #[error("the response does not name a questionnaire as 'url|version'")]
    BadReference,
    #[error("the answers do not fit the questionnaire: {0}")]
    Invalid(FromFhirError),
    #[error("a different response was stored under this id before")]
    Conflict,
    #[error("the response names no appointment or registration this office knows")]
    UnknownSubject,
}

impl IntakeRefused {
    /// The stable code in the error body.
    pub fn code(&self) -> &'static str {
        match self {
            IntakeRefused::UnknownForm { .. } => "unknown_questionnaire",
            IntakeRefused::BadReference => "bad_questionnaire_reference",
            IntakeRefused::Invalid(_) => "invalid_response",
            IntakeRefused::Conflict => "intake_conflict",
            IntakeRefused::UnknownSubject => "unknown_subject",
        }
    }
}

impl From<IntakeStoreRefused> for IntakeRefused {
    fn from(refused: IntakeStoreRefused) -> Self {
        match refused {
            IntakeStoreRefused::Conflict => IntakeRefused::Conflict,
            IntakeStoreRefused::UnknownSubject => IntakeRefused::UnknownSubject,
        }
    }
}

/// Longest form id or version quoted back in a refusal.
const MAX_QUOTED: usize = 64;

/// The office's copy of the form a response names, and the answers read against it.
pub fn check(
    forms: &super::forms::FormsLibrary,
    submission: &IntakeSubmission,
) -> Result<(Arc<Questionnaire>, Completed), IntakeRefused> {
    let (id, version) =
        canonical_parts(&submission.response.questionnaire).ok_or(IntakeRefused::BadReference)?;
    let form = forms
        .questionnaire(id, version)
        .ok_or_else(|| IntakeRefused::UnknownForm {
            id: id.chars().take(MAX_QUOTED).collect(),
            version: version.chars().take(MAX_QUOTED).collect(),
        })?;
    let done = completed_from_fhir(Arc::clone(&form), &submission.response)
        .map_err(IntakeRefused::Invalid)?;
    Ok((form, done))
}

/// The office's own scores of a finished form.
pub fn score(done: &Completed) -> IntakeScores {
    let responses = done.responses();
    IntakeScores {
        phq2: responses.phq2().map(|p| p.total),
        phq9: responses.phq9().map(|p| p.total),
        alert_questions: responses
            .alerts()
            .into_iter()
            .map(|q| q.as_str().to_owned())
            .collect(),
    }
}

/// A severity band as staff read it.
pub fn severity_words(severity: Phq9Severity) -> &'static str {
    match severity {
        Phq9Severity::NoneMinimal => "none–minimal",
        Phq9Severity::Mild => "mild",
        Phq9Severity::Moderate => "moderate",
        Phq9Severity::ModeratelySevere => "moderately severe",
        Phq9Severity::Severe => "severe",
    }
}

/// PHQ-9 totals from here up (moderate or worse) are flagged as a positive screen.
pub const PHQ9_FLAG_AT: u8 = 10;

/// The flags a response's scores raise on the patient's row, and whether any is a
/// positive screen: a positive PHQ-2, a PHQ-9 of moderate severity or worse.
pub fn flags(scores: &IntakeScores) -> (bool, Vec<String>) {
    let mut positive = false;
    let mut flags = Vec::new();
    if let Some(total) = scores.phq2
        && total >= crate::questionnaire::scoring::Phq2::POSITIVE_AT
    {
        positive = true;
        flags.push(format!("PHQ-2 positive ({total}/6)"));
    }
    if let Some(total) = scores.phq9
        && let Some(severity) = Phq9Severity::from_total(total)
    {
        positive |= total >= PHQ9_FLAG_AT;
        flags.push(format!("PHQ-9 {total}: {}", severity_words(severity)));
    }
    (positive, flags)
}

/// A response, opened from its sealed delivery: checked against the office's form,
/// scored, stored once and announced; or refused with a typed 422 and nothing stored.
pub(super) async fn receive(
    state: &AppState,
    kiosk: KioskId,
    submission: IntakeSubmission,
) -> Result<(StatusCode, Json<SubmissionReceipt>), ApiError> {
    let refuse = |refused: IntakeRefused| {
        tracing::warn!(intake = %submission.id, %kiosk, code = refused.code(), "intake response refused");
        ApiError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: refused.code(),
            message: refused.to_string(),
        }
    };
    if submission.clinic != state.config.clinic_id {
        return Err(ApiError::BadRequest {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "wrong_clinic",
            message: format!("this office is clinic {}", state.config.clinic_id),
        });
    }
    let (_, done) = check(&state.forms, &submission).map_err(refuse)?;
    let scores = score(&done);
    let alert = !scores.alert_questions.is_empty();
    let id = submission.id;
    let now = Timestamp::now();
    let stored = state
        .db({
            let (kiosk, submission) = (kiosk.clone(), submission.clone());
            move |db| db.record_intake(&submission, &scores, &kiosk, now)
        })
        .await?
        .map_err(|refused| refuse(refused.into()))?;
    tracing::info!(intake = %id, %kiosk, alert, ?stored, "intake response received");
    let outcome = match stored {
        IntakeStored::Accepted => {
            state.events.publish(QueueEvent::IntakeReceived {
                response: id,
                alert,
            });
            SubmissionOutcome::Accepted
        }
        IntakeStored::AlreadyStored => SubmissionOutcome::AlreadyStored,
    };
    let status = match outcome {
        SubmissionOutcome::Accepted => StatusCode::CREATED,
        _ => StatusCode::OK,
    };
    Ok((status, Json(SubmissionReceipt { outcome })))
}

/// `GET /api/staff/v1/intake`: the open alerts and each patient's flags.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IntakeView {
    /// Alerts nobody has acknowledged yet, oldest first: shown at the top of the page.
    pub alerts: Vec<IntakeAlertItem>,
    /// Today's answers, one entry per patient (appointment, or pending registration).
    pub patients: Vec<IntakeFlags>,
}

/// Where the page shows a patient's answers: the appointment's row (a registration's too
/// once staff accepted it), else the registration's card.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum IntakeRowOf {
    Appointment(AppointmentId),
    Registration(RegistrationId),
}

impl IntakeRowOf {
    fn of(row: &IntakeRow) -> Self {
        match (row.appointment, row.submission.subject) {
            (Some(a), _) | (None, FormSubject::Appointment(a)) => IntakeRowOf::Appointment(a),
            (None, FormSubject::Registration(r)) => IntakeRowOf::Registration(r),
        }
    }

    pub fn subject(self) -> FormSubject {
        match self {
            IntakeRowOf::Appointment(a) => FormSubject::Appointment(a),
            IntakeRowOf::Registration(r) => FormSubject::Registration(r),
        }
    }

    /// The staff page of this patient's answers.
    pub fn answers_url(self) -> String {
        match self {
            IntakeRowOf::Appointment(a) => format!("/staff/answers/appointment/{}", a.get()),
            IntakeRowOf::Registration(r) => format!("/staff/answers/registration/{r}"),
        }
    }
}

/// One patient's flags. Names no one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IntakeFlags {
    pub of: IntakeRowOf,
    /// A positive screen: a positive PHQ-2, or a PHQ-9 of moderate severity or worse.
    pub positive: bool,
    /// What the scores say, e.g. "PHQ-2 positive (4/6)", "PHQ-9 16: moderately severe".
    pub flags: Vec<String>,
    /// Questionnaires answered.
    pub answered: u32,
    pub alert_open: bool,
    /// An alert was raised and staff acknowledged it.
    pub alert_acknowledged: bool,
    pub answers_url: String,
}

/// An alert staff must acknowledge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IntakeAlertItem {
    pub response: IntakeResponseId,
    pub of: IntakeRowOf,
    /// "Last, First"; `None` when the appointment or registration is no longer on file.
    pub patient: Option<StaffName>,
    pub kiosk: KioskId,
    pub received_at: Timestamp,
    /// The answers that raised it.
    pub lines: Vec<AlertLine>,
    pub answers_url: String,
}

/// "Last, First" of an appointment's patient, or of a registration received in `day` (the
/// clinic day's bounds) or still pending; `None` once gone or discarded.
fn patient_name(
    db: &OfficeStore,
    subject: FormSubject,
    day: (Timestamp, Timestamp),
) -> Result<Option<StaffName>, StoreError> {
    Ok(match subject {
        FormSubject::Appointment(a) => db.appointment(a)?.map(|a| a.patient.staff_form()),
        FormSubject::Registration(r) => db
            .registrations(day.0, day.1)?
            .into_iter()
            .find(|reg| reg.id == r)
            .and_then(|reg| reg.registration)
            .map(|reg| reg.legal_name.value.staff_form()),
    })
}

/// One answer that raised an alert, as staff read it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AlertLine {
    /// Which question: "PHQ-9 item 9", or the form's title for a form's own alert.
    pub label: String,
    pub question: String,
    /// The choice the patient made (English).
    pub answer: String,
}

/// The answers of `row` that raised its alert, in words. Falls back to the question ids
/// if the form is gone (it never is: every version is kept).
fn alert_lines(state: &AppState, row: &IntakeRow) -> Vec<AlertLine> {
    let Some((form, done, _)) = office_response(state, row) else {
        return row
            .scores
            .alert_questions
            .iter()
            .map(|id| AlertLine {
                label: id.clone(),
                question: id.clone(),
                answer: String::new(),
            })
            .collect();
    };
    let phq9 = form.instrument(Instrument::Phq9);
    done.responses()
        .answers()
        .filter(|(q, _)| {
            row.scores
                .alert_questions
                .iter()
                .any(|a| a == q.id.as_str())
        })
        .map(|(q, answer)| AlertLine {
            label: phq9
                .and_then(|rule| rule.items.iter().position(|i| i == &q.id))
                .map_or_else(
                    || form.title.en.clone(),
                    |n| format!("PHQ-9 item {}", n + 1),
                ),
            question: q.text.en.clone(),
            answer: answer_words(q, answer),
        })
        .collect()
}

/// Alert lines as one sentence: `PHQ-9 item 9 "…": Several days (1)`.
fn alert_sentence(lines: &[AlertLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} \u{201c}{}\u{201d}: {}", l.label, l.question, l.answer))
        .collect::<Vec<_>>()
        .join("; ")
}

async fn list(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<IntakeView>, ApiError> {
    let now = Timestamp::now();
    let today = state.today(now);
    let (start, end) = state
        .day_bounds(today)
        .ok_or_else(|| ApiError::internal("clinic day out of range"))?;
    let (rows, names) = state
        .db(move |db| {
            let rows = db.intake_responses(start, end)?;
            // Names only for the alerts, which stand apart from the patient's row.
            let mut names = HashMap::new();
            for row in rows.iter().filter(|r| r.alert == AlertState::Open) {
                let of = IntakeRowOf::of(row);
                let name = patient_name(db, of.subject(), (start, end))?;
                names.insert(of, name);
            }
            db.audit(
                now,
                session.actor(),
                AuditAction::IntakeView,
                &today.to_string(),
            )?;
            Ok((rows, names))
        })
        .await?;
    let alerts = rows
        .iter()
        .filter(|r| r.alert == AlertState::Open)
        .map(|row| {
            let of = IntakeRowOf::of(row);
            IntakeAlertItem {
                response: row.submission.id,
                of,
                patient: names.get(&of).cloned().flatten(),
                kiosk: row.kiosk.clone(),
                received_at: row.received_at,
                lines: alert_lines(&state, row),
                answers_url: of.answers_url(),
            }
        })
        .collect();
    // One entry per patient, in the order they first answered.
    let mut patients: Vec<IntakeFlags> = Vec::new();
    for row in rows.iter().filter(|r| r.received_at >= start) {
        let of = IntakeRowOf::of(row);
        let at = match patients.iter().position(|p| p.of == of) {
            Some(at) => at,
            None => {
                patients.push(IntakeFlags {
                    of,
                    positive: false,
                    flags: Vec::new(),
                    answered: 0,
                    alert_open: false,
                    alert_acknowledged: false,
                    answers_url: of.answers_url(),
                });
                patients.len() - 1
            }
        };
        let entry = &mut patients[at];
        let (positive, flags) = flags(&row.scores);
        entry.positive |= positive;
        if positive {
            entry.flags.extend(flags);
        }
        entry.answered += 1;
        entry.alert_open |= row.alert == AlertState::Open;
        entry.alert_acknowledged |= matches!(row.alert, AlertState::Acknowledged { .. });
    }
    Ok(Json(IntakeView { alerts, patients }))
}

/// `POST /api/staff/v1/intake/{id}/acknowledge`: a staff member has seen the alert and
/// acts on it. Acknowledging one already acknowledged is fine (204); a response without an
/// alert is a 409, an unknown one a 404.
async fn acknowledge(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = IntakeResponseId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let outcome = state
        .db(move |db| db.acknowledge_intake_alert(id, session.actor(), now))
        .await?;
    match outcome {
        Acknowledge::Acknowledged { .. } => {
            tracing::info!(intake = %id, "intake alert acknowledged");
            state
                .events
                .publish(QueueEvent::IntakeAlertAcknowledged { response: id });
            Ok(StatusCode::NO_CONTENT)
        }
        Acknowledge::AlreadyAcknowledged => Ok(StatusCode::NO_CONTENT),
        Acknowledge::NoAlert => Err(ApiError::BadRequest {
            status: StatusCode::CONFLICT,
            code: "no_alert",
            message: "this response raised no alert".into(),
        }),
        Acknowledge::NotFound => Err(ApiError::NotFound),
    }
}

/// The QuestionnaireResponse as the office holds it: rebuilt from the answers it checked,
/// so its score items are the office's own. `None` if the form is gone or the stored
/// answers no longer fit it (neither happens: every version is kept).
pub(crate) fn office_response(
    state: &AppState,
    row: &IntakeRow,
) -> Option<(
    Arc<Questionnaire>,
    Completed,
    crate::questionnaire::fhir::FhirQuestionnaireResponse,
)> {
    let (form, done) = check(&state.forms, &row.submission).ok()?;
    let reference = &row.submission.response.questionnaire;
    let base = reference.split_once("/Questionnaire/").map(|(b, _)| b)?;
    let base = CanonicalBase::new(base).ok()?;
    let fhir = questionnaire_response(&done, &base);
    Some((form, done, fhir))
}

/// `GET /api/staff/v1/intake/{id}/fhir`: the FHIR R4 QuestionnaireResponse. Audited.
async fn fhir_json(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = IntakeResponseId::parse(&id).ok_or(ApiError::NotFound)?;
    let now = Timestamp::now();
    let row = state
        .db(move |db| {
            let row = db.intake_response(id)?;
            if row.is_some() {
                db.audit(
                    now,
                    session.actor(),
                    AuditAction::IntakeFhirView,
                    &id.to_string(),
                )?;
            }
            Ok(row)
        })
        .await?
        .ok_or(ApiError::NotFound)?;
    let response = office_response(&state, &row)
        .map(|(_, _, fhir)| fhir)
        .unwrap_or(row.submission.response);
    let body = serde_json::to_string_pretty(&response).map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/fhir+json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}

/// `GET /staff/answers/{appointment|registration}/{id}`: a patient's answers, every
/// questionnaire, as staff read them. Audited.
async fn answers_page(
    State(state): State<AppState>,
    session: StaffSession,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let subject = match kind.as_str() {
        "appointment" => FormSubject::Appointment(AppointmentId::new(
            id.parse().map_err(|_| ApiError::NotFound)?,
        )),
        "registration" => {
            FormSubject::Registration(RegistrationId::parse(&id).ok_or(ApiError::NotFound)?)
        }
        _ => return Err(ApiError::NotFound),
    };
    let now = Timestamp::now();
    let day = state
        .day_bounds(state.today(now))
        .ok_or_else(|| ApiError::internal("clinic day out of range"))?;
    let (rows, patient, removed) = state
        .db(move |db| {
            let rows = db.intake_of(subject)?;
            if rows.is_empty() {
                return Ok((rows, None, db.phi_removed_at(subject)?.is_some()));
            }
            let patient = patient_name(db, subject, day)?;
            let label = match subject {
                FormSubject::Appointment(a) => format!("appointment:{a}"),
                FormSubject::Registration(r) => format!("registration:{r}"),
            };
            db.audit(now, session.actor(), AuditAction::IntakeAnswersView, &label)?;
            Ok((rows, patient, false))
        })
        .await?;
    if removed {
        return removed_page();
    }
    if rows.is_empty() {
        return Err(ApiError::NotFound);
    }
    let page = AnswersPage {
        who: patient.map_or_else(
            || "New patient (registration)".to_owned(),
            |p| p.as_str().to_owned(),
        ),
        sections: rows
            .iter()
            .map(|row| response_section(&state, row))
            .collect(),
    };
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, super::signin::STRICT_CSP),
        ],
        Html(render(Page::Answers, page)?),
    )
        .into_response())
}

/// The answers page of a patient whose answers were removed under the retention policy:
/// a 410 that says so, not an error page.
fn removed_page() -> Result<Response, ApiError> {
    #[derive(Serialize)]
    struct Removed {
        removed: &'static str,
    }
    let page = render(
        Page::AnswersRemoved,
        Removed {
            removed: super::error::REMOVED_BY_RETENTION,
        },
    )?;
    Ok((
        StatusCode::GONE,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::CONTENT_SECURITY_POLICY, super::signin::STRICT_CSP),
        ],
        Html(page),
    )
        .into_response())
}

/// `views/answers.html`: whose answers, and one section per questionnaire.
#[derive(Debug, Serialize)]
struct AnswersPage {
    who: String,
    sections: Vec<AnswersSection>,
}

/// One questionnaire's answers, scores and alert, in words.
#[derive(Debug, Serialize)]
struct AnswersSection {
    id: String,
    /// `None` when the office no longer has the form (then only the title shows).
    form_id: Option<String>,
    title: String,
    when: String,
    kiosk: String,
    language: &'static str,
    /// The office's scores in words; `None` when the form has none.
    scores: Option<String>,
    positive: bool,
    alert: Option<AnswersAlert>,
    answers: Vec<AnswerLine>,
}

#[derive(Debug, Serialize)]
struct AnswersAlert {
    sentence: String,
    /// Who acknowledged it ("staff user 7") and when; `None` while it is open.
    acknowledged_by: Option<String>,
    acknowledged_at: Option<String>,
}

#[derive(Debug, Serialize)]
struct AnswerLine {
    id: String,
    text: String,
    answer: String,
    /// This answer raised the alert.
    raised: bool,
}

/// An answer in words (English, as the form has it); a scored choice with its points.
fn answer_words(q: &Question, answer: &Answer) -> String {
    let choice = |code: &crate::questionnaire::OptionCode| {
        q.kind
            .choices()
            .iter()
            .find(|c| &c.code == code)
            .map_or_else(
                || code.to_string(),
                |c| match c.score {
                    Some(points) => format!("{} ({points})", c.text.en),
                    None => c.text.en.clone(),
                },
            )
    };
    match answer {
        Answer::YesNo(true) => "Yes".into(),
        Answer::YesNo(false) => "No".into(),
        Answer::Choice(code) => choice(code),
        Answer::Choices(codes) => codes.iter().map(choice).collect::<Vec<_>>().join("; "),
        Answer::Number(n) => match &q.kind {
            QuestionKind::Number(spec) => {
                let unit = spec.unit.as_ref().map(|u| u.en.as_str()).unwrap_or("");
                format!("{n:.prec$} {unit}", prec = usize::from(spec.decimals))
                    .trim_end()
                    .to_owned()
            }
            _ => n.to_string(),
        },
        Answer::Text(text) => text.clone(),
    }
}

/// One questionnaire's answers, scores and alert, for the answers page.
fn response_section(state: &AppState, row: &IntakeRow) -> AnswersSection {
    let language = match row.submission.language {
        Language::English => "English",
        Language::Spanish => "Spanish",
    };
    let mut section = AnswersSection {
        id: row.submission.id.to_string(),
        form_id: None,
        title: row.submission.response.questionnaire.clone(),
        when: String::new(),
        kiosk: row.kiosk.to_string(),
        language,
        scores: None,
        positive: false,
        alert: None,
        answers: Vec::new(),
    };
    let Some((form, done, _)) = office_response(state, row) else {
        return section;
    };
    section.form_id = Some(form.id.to_string());
    section.title = form.title.en.clone();
    section.when = done.authored().strftime("%Y-%m-%d %H:%M UTC").to_string();
    let (positive, flags) = flags(&row.scores);
    let mut scores = Vec::new();
    if let Some(total) = row.scores.phq2 {
        scores.push(format!("PHQ-2 {total}/6"));
    }
    if !flags.is_empty() || !scores.is_empty() {
        let mut text = scores.join(" · ");
        if let Some(total) = row.scores.phq9
            && let Some(severity) = Phq9Severity::from_total(total)
        {
            if !text.is_empty() {
                text.push_str(" · ");
            }
            text.push_str(&format!("PHQ-9 {total}/27, {}", severity_words(severity)));
        }
        section.scores = Some(text);
        section.positive = positive;
    }
    section.alert = match &row.alert {
        AlertState::None => None,
        AlertState::Open => Some(AnswersAlert {
            sentence: alert_sentence(&alert_lines(state, row)),
            acknowledged_by: None,
            acknowledged_at: None,
        }),
        AlertState::Acknowledged { at, by } => Some(AnswersAlert {
            sentence: alert_sentence(&alert_lines(state, row)),
            // The audit names staff by number ("staff:7").
            acknowledged_by: Some(
                by.strip_prefix("staff:")
                    .map_or_else(|| by.clone(), |id| format!("staff user {id}")),
            ),
            acknowledged_at: Some(at.strftime("%Y-%m-%d %H:%M UTC").to_string()),
        }),
    };
    section.answers = done
        .responses()
        .answers()
        .map(|(q, answer)| AnswerLine {
            id: q.id.to_string(),
            text: q.text.en.clone(),
            answer: answer_words(q, answer),
            raised: row
                .scores
                .alert_questions
                .iter()
                .any(|a| a == q.id.as_str()),
        })
        .collect();
    section
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_the_published_cut_points() {
        let scores = |phq2, phq9| IntakeScores {
            phq2,
            phq9,
            alert_questions: Vec::new(),
        };
        assert_eq!(flags(&scores(Some(2), None)), (false, vec![]));
        assert_eq!(
            flags(&scores(Some(3), None)),
            (true, vec!["PHQ-2 positive (3/6)".to_owned()])
        );
        assert_eq!(
            flags(&scores(Some(3), Some(9))),
            (
                true,
                vec![
                    "PHQ-2 positive (3/6)".to_owned(),
                    "PHQ-9 9: mild".to_owned()
                ]
            )
        );
        assert_eq!(
            flags(&scores(None, Some(16))),
            (true, vec!["PHQ-9 16: moderately severe".to_owned()])
        );
        assert!(!flags(&scores(None, Some(4))).0);
    }
}

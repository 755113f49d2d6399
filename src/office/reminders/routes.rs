//! The reminders on the staff page (front desk and above): each upcoming appointment's
//! reminders and what became of them, the opt-out toggle (CSRF-checked by the sign-in
//! gate like every change; audited), and the day's reminder letters as one PDF to print
//! (audited per letter).

use super::letter::{DEBIAN_FONT_DIR, Letter, LetterClinic, LetterFonts};
use super::{ReminderChannel, ReminderKind, ReminderState};
use crate::domain::{AppointmentId, Language, StaffName};
use crate::office::audit::AuditAction;
use crate::office::error::{ApiError, ApiJson};
use crate::office::server::AppState;
use crate::office::signin::StaffSession;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, OnceLock};

/// The staff page's script for the reminders section (a file of its own, not inline).
const SCRIPT: &str = include_str!("staff_reminders.js");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/staff/v1/reminders", get(list))
        .route(
            "/api/staff/v1/appointments/{id}/reminders/opt-out",
            post(set_opt_out),
        )
        .route("/staff/reminders.js", get(script))
        .route("/staff/reminders/letters.pdf", get(letters_pdf))
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        SCRIPT,
    )
}

/// `GET /api/staff/v1/reminders`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RemindersView {
    /// Whether a mail server or text gateway is configured or a visit shown has its
    /// reminder by letter; `false`: the page shows nothing.
    pub enabled: bool,
    /// The appointments shown: today up to `days_before` days ahead.
    pub from: Date,
    pub to: Date,
    pub appointments: Vec<AppointmentRemindersView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AppointmentRemindersView {
    pub appointment: AppointmentId,
    pub day: Date,
    pub starts_at: String,
    pub patient: StaffName,
    pub has_email: bool,
    /// A phone number is on file (what a text reminder goes to).
    #[serde(default)]
    pub has_phone: bool,
    pub language: Language,
    pub channel: ReminderChannel,
    /// The reminder goes by post ([`ReminderChannel::by_letter`]).
    #[serde(default)]
    pub by_letter: bool,
    /// Street, city, state and ZIP are on file (what a letter needs).
    #[serde(default)]
    pub has_address: bool,
    pub opted_out: bool,
    pub reminders: Vec<ReminderView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReminderView {
    pub kind: ReminderKind,
    pub state: ReminderState,
    pub due_at: Timestamp,
    pub attempts: u32,
    /// Short, without PHI (the mail server's code, not its text).
    pub last_error: Option<String>,
    pub done_at: Option<Timestamp>,
}

async fn list(
    State(state): State<AppState>,
    session: StaffSession,
) -> Result<Json<RemindersView>, ApiError> {
    let now = Timestamp::now();
    let from = state.today(now);
    let days = i64::from(state.config.reminders.days_before);
    let to = from
        .checked_add(jiff::Span::new().days(days))
        .unwrap_or(from);
    let actor = session.actor();
    let rows = state
        .db(move |db| {
            let rows = db.reminders_between(from, to)?;
            db.audit(
                now,
                actor,
                AuditAction::RemindersView,
                &format!("{from}..{to}"),
            )?;
            Ok(rows)
        })
        .await?;
    let any_letter = rows
        .iter()
        .any(|row| row.channel.by_letter(row.has_email, row.has_phone));
    Ok(Json(RemindersView {
        enabled: state.config.reminders.smtp_host.is_some()
            || state.config.reminders.sms.base_url.is_some()
            || any_letter,
        from,
        to,
        appointments: rows
            .into_iter()
            .map(|row| AppointmentRemindersView {
                by_letter: row.channel.by_letter(row.has_email, row.has_phone),
                has_address: row.has_address,
                appointment: row.appointment.id,
                day: row.appointment.day,
                starts_at: row.appointment.starts_at.strftime("%H:%M").to_string(),
                patient: row.appointment.patient.staff_form(),
                has_email: row.has_email,
                has_phone: row.has_phone,
                language: row.language,
                channel: row.channel,
                opted_out: row.opted_out,
                reminders: row
                    .reminders
                    .into_iter()
                    .map(|r| ReminderView {
                        kind: r.kind,
                        state: r.state,
                        due_at: r.due_at,
                        attempts: r.attempts,
                        last_error: r.last_error,
                        done_at: r.done_at,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// `POST /api/staff/v1/appointments/{id}/reminders/opt-out`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct OptOut {
    pub opted_out: bool,
}

async fn set_opt_out(
    State(state): State<AppState>,
    session: StaffSession,
    Path(id): Path<u64>,
    ApiJson(change): ApiJson<OptOut>,
) -> Result<StatusCode, ApiError> {
    let now = Timestamp::now();
    let found = state
        .db(move |db| {
            db.set_reminder_opt_out(
                AppointmentId::new(id),
                change.opted_out,
                session.actor(),
                now,
            )
        })
        .await?;
    if !found {
        return Err(ApiError::NotFound);
    }
    tracing::info!(
        appointment = id,
        opted_out = change.opted_out,
        "reminder opt-out"
    );
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct LettersQuery {
    day: Option<String>,
}

/// The letter fonts, read from disk on the first download that finds them.
static FONTS: OnceLock<Arc<LetterFonts>> = OnceLock::new();

fn letter_fonts() -> Result<Arc<LetterFonts>, ApiError> {
    if let Some(fonts) = FONTS.get() {
        return Ok(fonts.clone());
    }
    let fonts = LetterFonts::load(std::path::Path::new(DEBIAN_FONT_DIR)).map_err(|error| {
        ApiError::Server {
            code: "letter_font_missing",
            message: error.to_string(),
        }
    })?;
    Ok(FONTS.get_or_init(|| Arc::new(fonts)).clone())
}

/// `GET /staff/reminders/letters.pdf?day=YYYY-MM-DD`: the reminder letters for visits on
/// `day` (default: `days_before` days from today, the visits whose first reminder goes
/// out today), a page per patient, to print and mail. Audited per letter
/// (`reminder.letter.print`); 404 `no_letters` when no visit that day has one.
async fn letters_pdf(
    State(state): State<AppState>,
    session: StaffSession,
    Query(query): Query<LettersQuery>,
) -> Result<Response, ApiError> {
    let now = Timestamp::now();
    let day = match query.day.as_deref() {
        None => state
            .today(now)
            .checked_add(jiff::Span::new().days(i64::from(state.config.reminders.days_before)))
            .map_err(ApiError::internal)?,
        Some(text) => text.parse::<Date>().map_err(|_| ApiError::BadRequest {
            status: StatusCode::BAD_REQUEST,
            code: "bad_day",
            message: "day must look like 2026-11-23".into(),
        })?,
    };
    let fonts = letter_fonts()?;
    let actor = session.actor();
    let subjects = state
        .db(move |db| db.reminder_letters(day, actor, now))
        .await?;
    if subjects.is_empty() {
        return Err(ApiError::BadRequest {
            status: StatusCode::NOT_FOUND,
            code: "no_letters",
            message: "no visit that day has its reminder by letter".into(),
        });
    }
    let count = subjects.len();
    let pdf = tokio::task::spawn_blocking(move || {
        let mut pages = Vec::with_capacity(subjects.len());
        for subject in &subjects {
            let token = crate::office::staff::token_for(&state, &subject.appointment)
                .map_err(ApiError::internal)?;
            let code = state.identity_secret.short_code(subject.appointment.id);
            pages.push((subject, token, code.grouped()));
        }
        let names: Vec<String> = subjects
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.appointment.patient.first(),
                    s.appointment.patient.last()
                )
            })
            .collect();
        let letters: Vec<Letter<'_>> = pages
            .iter()
            .zip(&names)
            .map(|((subject, token, code), name)| Letter {
                addressee: name,
                first_name: subject.appointment.patient.first(),
                address: &subject.address,
                language: subject.language,
                day: subject.appointment.day,
                starts_at: subject.appointment.starts_at,
                copay: subject.appointment.copay,
                token,
                short_code: code,
            })
            .collect();
        let config = &state.config.reminders;
        let clinic = LetterClinic {
            name: &state.config.clinic_name,
            address: &config.clinic_address,
            phone: &config.clinic_phone,
        };
        super::letter::letters_pdf(&letters, &clinic, &fonts).map_err(ApiError::internal)
    })
    .await
    .map_err(ApiError::internal)??;
    tracing::info!(letters = count, %day, "reminder letters printed");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"reminder-letters-{day}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

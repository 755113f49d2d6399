//! The reminders on the staff page (front desk and above): each upcoming appointment's
//! reminders and what became of them, and the opt-out toggle (CSRF-checked by the
//! sign-in gate like every change; audited).

use super::{ReminderChannel, ReminderKind, ReminderState};
use crate::domain::{AppointmentId, Language, StaffName};
use crate::office::audit::AuditAction;
use crate::office::error::{ApiError, ApiJson};
use crate::office::server::AppState;
use crate::office::signin::StaffSession;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

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
    /// Whether a mail server or text gateway is configured; `false`: the page shows
    /// nothing.
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
    Ok(Json(RemindersView {
        enabled: state.config.reminders.smtp_host.is_some()
            || state.config.reminders.sms.base_url.is_some(),
        from,
        to,
        appointments: rows
            .into_iter()
            .map(|row| AppointmentRemindersView {
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
